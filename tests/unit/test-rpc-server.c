/* test-rpc-server.c: xend's method table behind the real transport: a
 * server with test methods runs in a child; xm's client calls it. Covers
 * signatures, the domain lookup (fault 3), unknown methods, deferred
 * answers (also to a client that left) and handlers that forget to answer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "rpc-server.h"
#include "rpc.h"
#include "xm.h"
#include "xmlrpc.h"

static struct event_base *base;

static int
m_echo(struct rpc_call *c)
{
	struct xv *l = xv_list();

	xv_append(l, xv_str(rpc_arg_str(c, 0)));
	xv_append(l, xv_int(rpc_arg_int(c, 1, -1)));
	rpc_reply(c, l);
	return RPC_DONE;
}

static int
m_dom(struct rpc_call *c)
{
	rpc_reply(c, xv_str(c->dom));
	return RPC_DONE;
}

static void
later(evutil_socket_t fd, short what, void *arg)
{
	rpc_reply(arg, xv_str("late"));
}

static int
m_defer(struct rpc_call *c)
{
	struct timeval tv = { 0, 300 * 1000 };

	event_base_once(base, -1, EV_TIMEOUT, later, c, &tv);
	return RPC_DEFERRED;
}

static int
m_poll(struct rpc_call *c)
{
	struct timeval tv = { 0, 100 * 1000 };

	rpc_call_long_poll(c);
	event_base_once(base, -1, EV_TIMEOUT, later, c, &tv);
	return RPC_DEFERRED;
}

static struct rpc_server *srv;

static void
add_count(void *arg, const char *name, const struct rpc_method_count *n)
{
	char key[64];

	snprintf(key, sizeof(key), "%s calls", name);
	xv_struct_set(arg, key, xv_int((int64_t)n->calls));
	snprintf(key, sizeof(key), "%s faults", name);
	xv_struct_set(arg, key, xv_int((int64_t)n->faults));
}

/* The server's counters, as they stand before this call's answer. */
static int
m_stats(struct rpc_call *c)
{
	const struct rpc_stats *st = rpc_server_stats(srv);
	struct xv *r = xv_struct(), *b = xv_list();
	size_t i;

	xv_struct_set(r, "count", xv_int((int64_t)st->count));
	xv_struct_set(r, "sum", xv_double(st->sum));
	for (i = 0; i < RPC_LATENCY_BUCKETS; i++)
		xv_append(b, xv_int((int64_t)st->buckets[i]));
	xv_struct_set(r, "buckets", b);
	rpc_server_each_method(srv, add_count, r);
	rpc_reply(c, r);
	return RPC_DONE;
}

static int
m_forget(struct rpc_call *c)
{
	return RPC_DONE;
}

static int
m_stop(struct rpc_call *c)
{
	struct timeval tv = { 0, 200 * 1000 };	/* time to send the reply */

	rpc_reply(c, NULL);
	event_base_loopexit(base, &tv);
	return RPC_DONE;
}

static const struct rpc_method methods[] = {
	{ "t.echo", "s|i", m_echo, "echo" },
	{ "t.dom", "d", m_dom, "domain" },
	{ "t.defer", "", m_defer, "deferred" },
	{ "t.poll", "", m_poll, "a long poll" },
	{ "t.stats", "", m_stats, "the counters" },
	{ "t.forget", "", m_forget, "no answer" },
	{ "t.stop", "", m_stop, "stop the server" },
};

/* The lookup hook: one domain, "web1", also known as 7. */
static void *
lookup(void *arg, const char *id)
{
	if (strcmp(id, "web1") == 0 || strcmp(id, "7") == 0)
		return (void *)"web1-found";
	return NULL;
}

struct fixture {
	char dir[64];
	char path[96];
	char uri[128];
	pid_t child;
};

/* The server, in a child: says it listens by writing to ready. */
static void
serve(struct fixture *f, int ready)
{
	base = event_base_new();
	srv = rpc_server_new(base, methods, sizeof(methods) / sizeof(methods[0]), NULL);
	rpc_server_set_lookup(srv, lookup, NULL);
	if (rpc_server_listen_unix(srv, f->path, NULL) != XU_OK)
		_exit(2);
	if (write(ready, "r", 1) != 1)
		_exit(2);
	close(ready);
	event_base_dispatch(base);
	rpc_server_free(srv);
	event_base_free(base);
	_exit(0);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int ready[2];
	char c;

	snprintf(f->dir, sizeof(f->dir), "/tmp/test-rpc-server.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/run/xmlrpc.sock", f->dir);
	snprintf(f->uri, sizeof(f->uri), "httpu://%s", f->path);
	if (pipe(ready) != 0)
		return -1;
	f->child = fork();
	if (f->child == 0) {
		close(ready[0]);
		serve(f, ready[1]);
	}
	close(ready[1]);
	/* the socket is made before it listens: wait for the server's word
	 * (or its end, which closes the pipe) */
	while (read(ready[0], &c, 1) < 0 && errno == EINTR)
		;
	close(ready[0]);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	xm_rpc_disconnect();
	if (f->child > 0) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Calls method with the given params (consumed); returns the status. */
static int
call(struct fixture *f, const char *method, struct xv *params,
    struct xv **res, struct xm_rpc_err *err)
{
	int rc = xm_rpc_invoke(f->uri, method, params, 10, res, err);

	xv_free(params);
	return rc;
}

static struct xv *
args(int n, ...)
{
	struct xv *l = xv_list();
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		xv_append(l, va_arg(ap, struct xv *));
	va_end(ap);
	return l;
}

static void
expect_fault(struct fixture *f, const char *method, struct xv *params,
    int code, const char *msg)
{
	struct xm_rpc_err err;
	struct xv *res;

	assert_int_equal(call(f, method, params, &res, &err), XM_RPC_FAULT);
	assert_int_equal(err.fault_code, code);
	assert_string_equal(err.msg, msg);
}

static void
test_socket(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char dir[128];

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(dir, sizeof(dir), "%s/run", f->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void
test_signatures(void **state)
{
	struct fixture *f = *state;
	struct xm_rpc_err err;
	struct xv *res;

	assert_int_equal(call(f, "t.echo", args(2, xv_str("a"), xv_int(5)),
	    &res, &err), XM_RPC_OK);
	assert_string_equal(xv_string(xv_at(res, 0)), "a");
	assert_int_equal(xv_at(res, 1)->u.i, 5);
	xv_free(res);
	/* the optional one left out, or sent as nil */
	assert_int_equal(call(f, "t.echo", args(1, xv_str("b")), &res, &err), XM_RPC_OK);
	assert_int_equal(xv_at(res, 1)->u.i, -1);
	xv_free(res);
	assert_int_equal(call(f, "t.echo", args(2, xv_str("b"), xv_nil()), &res, &err), XM_RPC_OK);
	assert_int_equal(xv_at(res, 1)->u.i, -1);
	xv_free(res);

	expect_fault(f, "t.echo", args(0), 2, "t.echo: expected 1 to 2 arguments");
	expect_fault(f, "t.echo", args(3, xv_str("a"), xv_int(1), xv_int(2)), 2,
	    "t.echo: expected 1 to 2 arguments");
	expect_fault(f, "t.echo", args(1, xv_int(1)), 2,
	    "t.echo: argument 1 must be a string, not int");
	expect_fault(f, "t.echo", args(2, xv_str("a"), xv_str("x")), 2,
	    "t.echo: argument 2 must be an int, not string");
	expect_fault(f, "t.defer", args(1, xv_int(1)), 2,
	    "t.defer: expected 0 arguments");
	expect_fault(f, "t.nothing", args(0), 1, "Method not found: t.nothing");
}

static void
test_domain_lookup(void **state)
{
	struct fixture *f = *state;
	struct xm_rpc_err err;
	struct xv *res;
	char msg[1200];

	assert_int_equal(call(f, "t.dom", args(1, xv_str("web1")), &res, &err), XM_RPC_OK);
	assert_string_equal(xv_string(res), "web1-found");
	xv_free(res);
	assert_int_equal(call(f, "t.dom", args(1, xv_int(7)), &res, &err), XM_RPC_OK);
	xv_free(res);
	expect_fault(f, "t.dom", args(1, xv_str("nope")), 3, "nope");
	expect_fault(f, "t.dom", args(1, xv_int(42)), 3, "42");
	assert_int_equal(call(f, "t.dom", args(1, xv_str("ghost")), &res, &err), XM_RPC_FAULT);
	assert_int_equal(xm_rpc_report(&err, msg, sizeof(msg)), XM_EXIT_NO_DOMAIN);
	assert_string_equal(msg, "Error: Domain 'ghost' does not exist.");
}

static void
test_builtins(void **state)
{
	struct fixture *f = *state;
	struct xm_rpc_err err;
	struct xv *res;

	assert_int_equal(call(f, "system.listMethods", NULL, &res, &err), XM_RPC_OK);
	assert_int_equal(xv_len(res), 9);
	assert_string_equal(xv_string(xv_at(res, 0)), "system.listMethods");
	assert_string_equal(xv_string(xv_at(res, 8)), "t.stop");
	xv_free(res);
	assert_int_equal(call(f, "system.methodHelp", args(1, xv_str("t.dom")),
	    &res, &err), XM_RPC_OK);
	assert_string_equal(xv_string(res), "domain");
	xv_free(res);
}

static void
test_deferred(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct xm_rpc_err err;
	struct xv *res;
	char *xml, *req;
	int fd;

	assert_int_equal(call(f, "t.defer", NULL, &res, &err), XM_RPC_OK);
	assert_string_equal(xv_string(res), "late");
	xv_free(res);

	/* a client that leaves before the answer: the server must survive */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	xml = xmlrpc_encode_call("t.defer", NULL);
	req = xu_asprintf("POST /RPC2 HTTP/1.1\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen(xml), xml);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	usleep(50 * 1000);
	close(fd);
	free(xml);
	free(req);
	usleep(500 * 1000);	/* the answer falls due */
	assert_int_equal(call(f, "t.echo", args(1, xv_str("alive")), &res, &err), XM_RPC_OK);
	xv_free(res);
	assert_int_equal(kill(f->child, 0), 0);
}

static int64_t
stat_int(const struct xv *st, const char *key)
{
	const struct xv *v = xv_struct_get(st, key);

	assert_non_null(v);
	return v->u.i;
}

/* Each answered call is counted against its method, a fault too; the
 * histogram times every call but a long poll's, a deferred one from its
 * arrival to its answer. */
static void
test_counters(void **state)
{
	struct fixture *f = *state;
	struct xm_rpc_err err;
	struct xv *res = NULL, *b;
	size_t i;

	assert_int_equal(call(f, "t.echo", args(1, xv_str("a")), &res, &err), XM_RPC_OK);
	xv_free(res);
	expect_fault(f, "t.echo", xv_list(), 2, "t.echo: expected 1 to 2 arguments");
	expect_fault(f, "t.nosuch", xv_list(), 1, "Method not found: t.nosuch");
	assert_int_equal(call(f, "t.defer", xv_list(), &res, &err), XM_RPC_OK);
	xv_free(res);
	assert_int_equal(call(f, "t.poll", xv_list(), &res, &err), XM_RPC_OK);
	xv_free(res);
	assert_int_equal(call(f, "t.stats", xv_list(), &res, &err), XM_RPC_OK);
	assert_int_equal(stat_int(res, "t.echo calls"), 2);
	assert_int_equal(stat_int(res, "t.echo faults"), 1);
	assert_int_equal(stat_int(res, RPC_UNKNOWN_METHOD " calls"), 1);
	assert_int_equal(stat_int(res, RPC_UNKNOWN_METHOD " faults"), 1);
	assert_int_equal(stat_int(res, "t.defer calls"), 1);
	assert_int_equal(stat_int(res, "t.defer faults"), 0);
	assert_int_equal(stat_int(res, "t.poll calls"), 1);
	assert_int_equal(stat_int(res, "t.stats calls"), 0);
	/* echo twice, nosuch, defer: not the poll */
	assert_int_equal(stat_int(res, "count"), 4);
	assert_true(xv_struct_get(res, "sum")->u.d >= 0.3);
	b = xv_struct_get(res, "buckets");
	/* the deferred call took 300 ms: in (0.1, 0.5] */
	for (i = 0; i < RPC_LATENCY_BUCKETS && rpc_latency_bounds[i] < 0.5; i++)
		;
	assert_int_equal(xv_at(b, i)->u.i, 1);
	xv_free(res);
}

static void
test_forgetful_handler(void **state)
{
	struct fixture *f = *state;

	expect_fault(f, "t.forget", NULL, 1, "internal error: t.forget gave no answer");
}

static void
test_clean_exit(void **state)
{
	struct fixture *f = *state;
	struct xm_rpc_err err;
	struct xv *res;
	int status;

	assert_int_equal(call(f, "t.stop", NULL, &res, &err), XM_RPC_OK);
	xv_free(res);
	assert_int_equal(waitpid(f->child, &status, 0), f->child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	f->child = -1;
	/* the socket is gone with the server */
	assert_int_not_equal(access(f->path, F_OK), 0);
}

/* A call made from inside xend (rpc_server_call, the web page's actions):
 * the same signature check, lookup and handler, answered to a function,
 * now or after a deferral; no socket at all. */
struct answer {
	int n, fault;
	char *msg;
	struct xv *result;
};

static void
got(void *arg, const struct xv *result, int fault, const char *msg)
{
	struct answer *a = arg;

	a->n++;
	a->fault = fault;
	free(a->msg);
	a->msg = msg ? xu_strdup(msg) : NULL;
	xv_free(a->result);
	a->result = result ? xv_copy(result) : NULL;
}

static void
test_internal_call(void **state)
{
	struct answer a = { 0 };
	struct xv *p;

	(void)state;
	base = event_base_new();
	srv = rpc_server_new(base, methods, sizeof(methods) / sizeof(methods[0]), NULL);
	rpc_server_set_lookup(srv, lookup, NULL);

	p = args(2, xv_str("hi"), xv_int(3));
	rpc_server_call(srv, "t.echo", p, 0, got, &a);
	xv_free(p);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.fault, 0);
	assert_string_equal(xv_string(xv_at(a.result, 0)), "hi");

	p = args(1, xv_str("nosuch"));
	rpc_server_call(srv, "t.dom", p, 0, got, &a);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.fault, XMLRPC_FAULT_INVALID_DOMAIN);
	assert_string_equal(a.msg, "nosuch");
	xv_free(p);
	p = args(1, xv_int(7));
	rpc_server_call(srv, "t.dom", p, 0, got, &a);
	xv_free(p);
	assert_string_equal(xv_string(a.result), "web1-found");

	p = args(1, xv_int(5));
	rpc_server_call(srv, "t.echo", p, 0, got, &a);
	xv_free(p);
	assert_int_equal(a.fault, XMLRPC_FAULT_GENERIC);
	assert_string_equal(a.msg, "t.echo: argument 1 must be a string, not int");

	rpc_server_call(srv, "t.nope", NULL, 0, got, &a);
	assert_int_equal(a.fault, XMLRPC_FAULT_INTERNAL);

	/* deferred: answered from the loop, once */
	a.n = 0;
	rpc_server_call(srv, "t.defer", NULL, 0, got, &a);
	assert_int_equal(a.n, 0);
	event_base_dispatch(base);
	assert_int_equal(a.n, 1);
	assert_string_equal(xv_string(a.result), "late");

	xv_free(a.result);
	free(a.msg);
	rpc_server_free(srv);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signatures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forgetful_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_exit, setup, teardown),
		cmocka_unit_test(test_internal_call),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
