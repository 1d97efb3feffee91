/* test-xm-rpc.c: xm's XML-RPC client against a scripted fake xend: the
 * request it sends, results, faults and how xm reports them, broken HTTP,
 * timeouts, a missing socket, reuse of a kept-alive connection, and the
 * wait for an xend that is away (a socket that refuses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rpc.h"
#include "xm.h"
#include "xmlrpc.h"

/* One step of the fake server's script. */
struct step {
	const char *reply;	/* raw bytes; NULL: say nothing, wait */
	bool close_after;
};

struct fixture {
	char dir[64];
	char path[96];
	char uri[128];
	pid_t child;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test-xm-rpc.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/xmlrpc.sock", f->dir);
	snprintf(f->uri, sizeof(f->uri), "httpu://%s", f->path);
	f->child = -1;
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

/* Reads one request and checks its shape; false if it is wrong. */
static bool
read_request(int fd)
{
	char buf[65536], *hend, *cl;
	size_t got = 0;
	ssize_t r;
	long len;

	for (;;) {
		r = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (r <= 0)
			return false;
		got += (size_t)r;
		buf[got] = '\0';
		if ((hend = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		if ((cl = strstr(buf, "Content-Length: ")) == NULL)
			return false;
		len = strtol(cl + 16, NULL, 10);
		if ((size_t)(hend + 4 - buf) + (size_t)len > got)
			continue;
		return strncmp(buf, "POST /RPC2 HTTP/1.1\r\n", 21) == 0 &&
		    strstr(hend, "<methodName>test.method</methodName>") != NULL;
	}
}

static void
fake_server(int lfd, const struct step *steps, size_t n)
{
	size_t i;
	int fd = -1;

	for (i = 0; i < n; i++) {
		if (fd < 0 && (fd = accept(lfd, NULL, NULL)) < 0)
			_exit(2);
		if (!read_request(fd))
			_exit(3);
		if (steps[i].reply == NULL) {
			pause();
			_exit(0);
		}
		if (write(fd, steps[i].reply, strlen(steps[i].reply)) < 0)
			_exit(4);
		if (steps[i].close_after) {
			close(fd);
			fd = -1;
		}
	}
	/* let the client see EOF on a kept connection */
	if (fd >= 0)
		close(fd);
	_exit(0);
}

static void
start_server(struct fixture *f, const struct step *steps, size_t n)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0)
		fake_server(lfd, steps, n);
	close(lfd);
}

/* The fake server followed its script and saw well-formed requests. */
static void
server_ok(struct fixture *f)
{
	int status;

	assert_int_equal(waitpid(f->child, &status, 0), f->child);
	f->child = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static char *
http_reply(const char *body, bool keep)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
	    "Content-Length: %zu\r\n%s\r\n%s", strlen(body),
	    keep ? "" : "Connection: close\r\n", body);
	return buf;
}

static int
call(struct fixture *f, int timeout, struct xv **res, struct xm_rpc_err *err)
{
	struct xv *params = xv_list();
	int rc;

	xv_append(params, xv_str("arg"));
	rc = xm_rpc_invoke(f->uri, "test.method", params, timeout, res, err);
	xv_free(params);
	return rc;
}

static void
test_result(void **state)
{
	struct fixture *f = *state;
	struct xv *res = xv_list();
	char *body, *reply;
	struct xm_rpc_err err;
	struct step steps[1];

	xv_append_pair(res, "host", xv_str("h1"));
	body = xmlrpc_encode_response(res);
	xv_free(res);
	reply = strdup(http_reply(body, false));
	steps[0] = (struct step){ reply, true };
	start_server(f, steps, 1);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_OK);
	assert_int_equal(res->type, XV_LIST);
	assert_string_equal(xv_string(xv_at(xv_at(res, 0), 1)), "h1");
	xv_free(res);
	server_ok(f);
	free(body);
	free(reply);
}

static void
expect_report(const struct xm_rpc_err *err, int status, const char *msg)
{
	char buf[1200];

	assert_int_equal(xm_rpc_report(err, buf, sizeof(buf)), status);
	assert_string_equal(buf, msg);
}

static void
test_faults(void **state)
{
	struct fixture *f = *state;
	char *b3 = xmlrpc_encode_fault(3, "web1");
	char *b2 = xmlrpc_encode_fault(2, "disk in use");
	struct step steps[2];
	struct xm_rpc_err err;
	struct xv *res;

	steps[0] = (struct step){ strdup(http_reply(b3, true)), false };
	steps[1] = (struct step){ strdup(http_reply(b2, true)), false };
	start_server(f, steps, 2);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_FAULT);
	assert_null(res);
	assert_int_equal(err.fault_code, 3);
	expect_report(&err, XM_EXIT_NO_DOMAIN, "Error: Domain 'web1' does not exist.");
	/* the same connection carries the second call */
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_FAULT);
	expect_report(&err, XM_EXIT_ERROR, "Error: disk in use");
	xm_rpc_disconnect();
	server_ok(f);
	free(b3);
	free(b2);
	free((char *)steps[0].reply);
	free((char *)steps[1].reply);
}

static void
test_stale_keepalive(void **state)
{
	struct fixture *f = *state;
	char *body = xmlrpc_encode_response(NULL);
	struct step steps[2];
	struct xm_rpc_err err;
	struct xv *res;

	/* the server drops the kept connection after one answer; the next
	 * call notices and reconnects */
	steps[0] = (struct step){ strdup(http_reply(body, true)), true };
	steps[1] = (struct step){ strdup(http_reply(body, true)), true };
	start_server(f, steps, 2);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_OK);
	xv_free(res);
	usleep(100 * 1000);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_OK);
	assert_int_equal(res->type, XV_NIL);
	xv_free(res);
	server_ok(f);
	free(body);
	free((char *)steps[0].reply);
	free((char *)steps[1].reply);
}

static void
check_bad_http(struct fixture *f, const char *reply, int http_status,
    const char *report)
{
	struct step steps[1] = { { reply, true } };
	struct xm_rpc_err err;
	struct xv *res;

	start_server(f, steps, 1);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_HTTP);
	assert_int_equal(err.http_status, http_status);
	expect_report(&err, XM_EXIT_ERROR, report);
	server_ok(f);
	unlink(f->path);
}

static void
test_bad_http(void **state)
{
	struct fixture *f = *state;

	check_bad_http(f, "garbage\r\n\r\n", 0,
	    "Xend has probably crashed!  Invalid or missing HTTP status code.");
	check_bad_http(f, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
	    404, "Xend has probably crashed!  ProtocolError(404, Not Found).");
	check_bad_http(f, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<short",
	    0, "Xend has probably crashed!  Invalid or missing HTTP status code.");
	check_bad_http(f, "HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n",
	    0, "Xend has probably crashed!  Invalid or missing HTTP status code.");
}

static void
test_bad_xml(void **state)
{
	struct fixture *f = *state;
	struct step steps[1] = { { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n<oops", true } };
	struct xm_rpc_err err;
	struct xv *res;
	char buf[1200];

	start_server(f, steps, 1);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_BAD_REPLY);
	assert_int_equal(xm_rpc_report(&err, buf, sizeof(buf)), XM_EXIT_ERROR);
	assert_non_null(strstr(buf, "Error: invalid reply from xend: "));
	server_ok(f);
}

static void
test_timeout(void **state)
{
	struct fixture *f = *state;
	struct step steps[1] = { { NULL, false } };
	struct xm_rpc_err err;
	struct xv *res;

	start_server(f, steps, 1);
	assert_int_equal(call(f, 1, &res, &err), XM_RPC_TIMEOUT);
	expect_report(&err, XM_EXIT_ERROR,
	    "Error: xend did not answer test.method within 1 seconds");
}

static void
test_no_server(void **state)
{
	struct fixture *f = *state;
	struct xm_rpc_err err;
	struct xv *res;

	assert_int_equal(call(f, 5, &res, &err), XM_RPC_CONNECT);
	assert_int_equal(err.sys_errno, ENOENT);
	expect_report(&err, XM_EXIT_ERROR, "Error: Unable to connect to xend: "
	    "No such file or directory. Is xend running?");
}

/* A socket that exists but refuses connects, as a dead or stopped xend
 * that left domains running leaves it; its fd (listen() on it later
 * makes it answer). */
static int
refusing_socket(struct fixture *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* No xend at all (no socket): the classic error at once, whatever the
 * wait; XM_XEND_WAIT=0 fails at once on a refusing socket too. */
static void
test_no_wait(void **state)
{
	struct fixture *f = *state;
	struct xm_rpc_err err;
	struct timespec t0;
	struct xv *res;
	int fd;

	setenv("XM_XEND_WAIT", "30", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_CONNECT);
	assert_true(seconds_since(&t0) < 1.0);
	fd = refusing_socket(f);
	setenv("XM_XEND_WAIT", "0", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_CONNECT);
	assert_int_equal(err.sys_errno, ECONNREFUSED);
	assert_true(seconds_since(&t0) < 1.0);
	expect_report(&err, XM_EXIT_ERROR, "Error: Unable to connect to xend: "
	    "Connection refused. Is xend running?");
	unsetenv("XM_XEND_WAIT");
	close(fd);
}

/* xend comes back during the wait: the call is answered. */
static void
test_xend_back(void **state)
{
	struct fixture *f = *state;
	struct xv *res = xv_list();
	char *body, *reply;
	struct xm_rpc_err err;
	struct step steps[1];
	int fd;

	xv_append(res, xv_str("back"));
	body = xmlrpc_encode_response(res);
	xv_free(res);
	reply = strdup(http_reply(body, false));
	steps[0] = (struct step){ reply, true };
	fd = refusing_socket(f);
	setenv("XM_XEND_WAIT", "20", 1);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0) {
		usleep(700000);
		if (listen(fd, 4) != 0)
			_exit(5);
		fake_server(fd, steps, 1);
	}
	close(fd);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_OK);
	assert_string_equal(xv_string(xv_at(res, 0)), "back");
	xv_free(res);
	server_ok(f);
	unsetenv("XM_XEND_WAIT");
	free(body);
	free(reply);
}

/* xend stays away: the call fails after the wait, saying how long it
 * waited, and the next call of the same absence does not wait again. */
static void
test_xend_gone(void **state)
{
	struct fixture *f = *state;
	struct xm_rpc_err err;
	struct timespec t0;
	struct xv *res;
	double took;
	int fd;

	fd = refusing_socket(f);
	setenv("XM_XEND_WAIT", "1", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_CONNECT);
	took = seconds_since(&t0);
	assert_true(took >= 1.0 && took < 3.0);
	expect_report(&err, XM_EXIT_ERROR, "Error: Unable to connect to xend: "
	    "Connection refused. Is xend running? (waited 1 s for it; "
	    "XM_XEND_WAIT)");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(call(f, 5, &res, &err), XM_RPC_CONNECT);
	assert_true(seconds_since(&t0) < 0.5);
	unsetenv("XM_XEND_WAIT");
	close(fd);
}

static void
test_uri(void **state)
{
	struct xm_rpc_err err;
	struct xv *res;
	char buf[1200];

	assert_int_equal(xm_rpc_invoke("http://localhost:8006/", "m", NULL, 5,
	    &res, &err), XM_RPC_URI);
	assert_int_equal(xm_rpc_report(&err, buf, sizeof(buf)), XM_EXIT_ERROR);
	assert_non_null(strstr(buf, "httpu://"));

	unsetenv("XM_SERVER");
	assert_string_equal(xm_rpc_server_uri(),
	    "httpu://" XEN_RUNSTATEDIR "/xend/xmlrpc.sock");
	setenv("XM_SERVER", "httpu:///tmp/x.sock", 1);
	assert_string_equal(xm_rpc_server_uri(), "httpu:///tmp/x.sock");
	unsetenv("XM_SERVER");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_keepalive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_http, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xend_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xend_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uri, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
