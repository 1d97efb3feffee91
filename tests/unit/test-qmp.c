/* test-qmp.c: xenhv's QMP client against a fake QEMU on a socketpair:
 * the handshake, replies matched by id whatever their order, events in
 * between, and every way a broken QEMU can end the session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "xenhv.h"
#include "xu.h"

/* The monitor's logger, which qmp.c calls. */
static char last_log[512];

void
xhv_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

/* ---- decoding ----------------------------------------------------- */

static void
decode_ok(const char *line, struct qmp_msg *m)
{
	char why[160];

	if (!qmp_decode(line, strlen(line), m, why, sizeof(why)))
		fail_msg("\"%s\" refused: %s", line, why);
}

static void
decode_bad(const char *line, size_t len)
{
	struct qmp_msg m;
	char why[160] = "";

	if (qmp_decode(line, len, &m, why, sizeof(why))) {
		qmp_msg_dispose(&m);
		fail_msg("\"%.*s\" accepted", (int)len, line);
	}
	assert_true(why[0] != '\0');
	assert_null(m.root);
}

static void
test_decode(void **state)
{
	struct qmp_msg m;

	decode_ok("{\"QMP\": {\"version\": {}, \"capabilities\": [\"oob\"]}}", &m);
	assert_int_equal(m.kind, QMP_GREETING);
	qmp_msg_dispose(&m);

	decode_ok("{\"return\": {}, \"id\": 7}", &m);
	assert_int_equal(m.kind, QMP_RETURN);
	assert_int_equal(m.id, 7);
	assert_true(YAJL_IS_OBJECT(m.ret));
	qmp_msg_dispose(&m);

	/* An id that is not one of our integers reads as absent. */
	decode_ok("{\"return\": [], \"id\": \"x\"}", &m);
	assert_int_equal(m.id, -1);
	qmp_msg_dispose(&m);
	decode_ok("{\"return\": []}", &m);
	assert_int_equal(m.id, -1);
	qmp_msg_dispose(&m);

	decode_ok("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}, \"id\": 3}", &m);
	assert_int_equal(m.kind, QMP_ERROR);
	assert_int_equal(m.id, 3);
	assert_string_equal(m.err_class, "GenericError");
	assert_string_equal(m.err_desc, "no");
	qmp_msg_dispose(&m);

	decode_ok("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": "
	    "\"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}", &m);
	assert_int_equal(m.kind, QMP_EVENT);
	assert_string_equal(m.event, "SHUTDOWN");
	assert_true(YAJL_IS_OBJECT(m.data));
	qmp_msg_dispose(&m);

	decode_ok("{\"event\": \"STOP\"}", &m);
	assert_null(m.data);
	qmp_msg_dispose(&m);
}

static void
test_decode_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"return\": }",
		"[]",
		"null",
		"{}",
		"{\"QMP\": 1}",
		"{\"error\": \"boom\"}",
		"{\"error\": {\"class\": \"GenericError\"}}",
		"{\"error\": {\"desc\": \"x\"}}",
		"{\"error\": {\"class\": 1, \"desc\": \"x\"}}",
		"{\"event\": 5}",
		"{\"event\": \"\"}",
		"{\"event\": \"STOP\", \"data\": [1]}",
		"{\"event\": \"STOP\", \"data\": \"x\"}",
		"{\"greeting\": {}}",
		"{\"return\": {}} trailing",
	};
	char deep[128];
	size_t i, n = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		decode_bad(bad[i], strlen(bad[i]));
	decode_bad("{\"return\": \"a\0b\"}", 17);
	n += (size_t)sprintf(deep, "{\"return\": ");
	for (i = 0; i <= QMP_DEPTH_MAX; i++)
		deep[n++] = '[';
	for (i = 0; i <= QMP_DEPTH_MAX; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	decode_bad(deep, n);
}

/* ---- a session against a fake QEMU -------------------------------- */

struct fake {
	struct event_base *base;
	struct qmp *q;
	int srv;		/* the fake QEMU's end */
	int ready;
	int closed;
	char closed_why[128];
	int nevents;
	char events[8][32];
};

struct reply {
	int calls;
	bool ok;
	char err[128];
	int64_t ret_int;
};

static void
cb_ready(void *opaque)
{
	((struct fake *)opaque)->ready++;
}

static void
cb_event(void *opaque, const char *name, yajl_val data)
{
	struct fake *f = opaque;

	if (f->nevents < 8)
		snprintf(f->events[f->nevents], sizeof(f->events[0]), "%s", name);
	f->nevents++;
}

static void
cb_closed(void *opaque, const char *why)
{
	struct fake *f = opaque;

	f->closed++;
	snprintf(f->closed_why, sizeof(f->closed_why), "%s", why);
}

static void
cb_reply(void *opaque, yajl_val ret, const char *err)
{
	struct reply *r = opaque;

	r->calls++;
	r->ok = err == NULL;
	if (err != NULL)
		snprintf(r->err, sizeof(r->err), "%s", err);
	else if (YAJL_IS_OBJECT(ret) && ret->u.object.len == 1 &&
	    YAJL_IS_INTEGER(ret->u.object.values[0]))
		r->ret_int = ret->u.object.values[0]->u.number.i;
}

/* Runs the loop until *flag is set or ms pass. */
static void
run_until(struct fake *f, const int *flag, int ms)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	int i;

	for (i = 0; i < ms / 2 && (flag == NULL || !*flag); i++) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		nanosleep(&ts, NULL);
	}
}

static void
srv_send(struct fake *f, const char *s)
{
	assert_int_equal(write(f->srv, s, strlen(s)), (ssize_t)strlen(s));
}

/* Reads one line the client sent and returns its id (and command). */
static int64_t
srv_recv(struct fake *f, char *cmd, size_t cmdlen)
{
	char line[1024], err[64];
	size_t n = 0;
	yajl_val root, v;
	int64_t id = -1;
	size_t i;

	while (n < sizeof(line) - 1) {
		struct pollfd pfd = { .fd = f->srv, .events = POLLIN };

		/* The client writes from the loop: run it while waiting. */
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		if (read(f->srv, line + n, 1) != 1)
			fail_msg("client closed");
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	root = yajl_tree_parse(line, err, sizeof(err));
	assert_non_null(root);
	for (i = 0; i < root->u.object.len; i++) {
		v = root->u.object.values[i];
		if (strcmp(root->u.object.keys[i], "id") == 0 && YAJL_IS_INTEGER(v))
			id = v->u.number.i;
		if (strcmp(root->u.object.keys[i], "execute") == 0 && cmd != NULL)
			snprintf(cmd, cmdlen, "%s", YAJL_GET_STRING(v));
	}
	yajl_tree_free(root);
	return id;
}

static const struct qmp_callbacks callbacks = {
	.ready = cb_ready,
	.event = cb_event,
	.closed = cb_closed,
};

static int
setup(void **state)
{
	struct fake *f = xu_calloc(1, sizeof(*f));
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->base = event_base_new();
	f->srv = sv[1];
	f->q = qmp_new(f->base, sv[0], &callbacks, f);
	assert_non_null(f->q);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fake *f = *state;

	qmp_free(f->q);
	close(f->srv);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* Greeting and capabilities: the session is ready. */
static void
handshake(struct fake *f)
{
	char cmd[64] = "";
	int64_t id;

	srv_send(f, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
	id = srv_recv(f, cmd, sizeof(cmd));
	assert_string_equal(cmd, "qmp_capabilities");
	assert_true(id >= 0);
	assert_int_equal(f->ready, 0);
	dprintf(f->srv, "{\"return\": {}, \"id\": %lld}\r\n", (long long)id);
	run_until(f, &f->ready, 2000);
	assert_int_equal(f->ready, 1);
	assert_true(qmp_is_ready(f->q));
}

static void
test_handshake(void **state)
{
	struct fake *f = *state;
	struct reply r = { 0 };

	/* Nothing can be sent before the handshake. */
	assert_int_equal(qmp_command(f->q, "stop", NULL, cb_reply, &r, 0), -1);
	handshake(f);
	assert_int_equal(f->closed, 0);
}

static void
test_out_of_order_replies(void **state)
{
	struct fake *f = *state;
	struct reply a = { 0 }, b = { 0 };
	int64_t ida, idb;
	char cmd[64];

	handshake(f);
	assert_int_equal(qmp_command(f->q, "query-a", NULL, cb_reply, &a, 0), 0);
	assert_int_equal(qmp_command(f->q, "query-b", "{\"x\":1}", cb_reply, &b, 0), 0);
	ida = srv_recv(f, cmd, sizeof(cmd));
	assert_string_equal(cmd, "query-a");
	idb = srv_recv(f, cmd, sizeof(cmd));
	assert_string_equal(cmd, "query-b");
	assert_true(ida != idb);
	/* b's reply first, an event between, then a's; each reaches its own
	 * caller, and a reply with an id nobody waits for is dropped. */
	dprintf(f->srv, "{\"return\": {\"v\": 2}, \"id\": %lld}\r\n", (long long)idb);
	srv_send(f, "{\"event\": \"STOP\", \"timestamp\": {}}\r\n");
	srv_send(f, "{\"return\": {\"v\": 99}, \"id\": 12345}\r\n");
	dprintf(f->srv, "{\"return\": {\"v\": 1}, \"id\": %lld}\r\n", (long long)ida);
	run_until(f, &a.calls, 2000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_true(a.ok && b.ok);
	assert_int_equal(a.ret_int, 1);
	assert_int_equal(b.ret_int, 2);
	assert_int_equal(f->nevents, 1);
	assert_string_equal(f->events[0], "STOP");
	assert_int_equal(f->closed, 0);
}

/* A descriptor sent while an earlier command still waits in the output
 * buffer (the loop has not written it yet, as the query-blockstats that
 * follows each getinfo often does): the earlier one goes first, then the
 * command with the descriptor. It used to fail at once: the bufferevent
 * keeps its output's front frozen, so a direct evbuffer_write failed. */
static void
test_fd_after_queued_command(void **state)
{
	struct fake *f = *state;
	struct reply a = { 0 }, b = { 0 };
	char cmd[64];
	int p[2];

	handshake(f);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(qmp_command(f->q, "query-blockstats", NULL, cb_reply, &a, 0), 0);
	assert_int_equal(qmp_command_fd(f->q, "getfd", "{\"fdname\":\"x\"}", p[0],
	    cb_reply, &b, 0), 0);
	srv_recv(f, cmd, sizeof(cmd));
	assert_string_equal(cmd, "query-blockstats");
	srv_recv(f, cmd, sizeof(cmd));
	assert_string_equal(cmd, "getfd");
	assert_int_equal(f->closed, 0);
	close(p[0]);
	close(p[1]);
}

static void
test_error_reply(void **state)
{
	struct fake *f = *state;
	struct reply r = { 0 };
	int64_t id;

	handshake(f);
	assert_int_equal(qmp_command(f->q, "cont", NULL, cb_reply, &r, 0), 0);
	id = srv_recv(f, NULL, 0);
	dprintf(f->srv, "{\"id\": %lld, \"error\": {\"class\": \"GenericError\", "
	    "\"desc\": \"guest is dead\"}}\r\n", (long long)id);
	run_until(f, &r.calls, 2000);
	assert_int_equal(r.calls, 1);
	assert_false(r.ok);
	assert_string_equal(r.err, "guest is dead");
	assert_int_equal(f->closed, 0);
}

/* Malformed JSON ends the session: pending commands fail, the owner is
 * told once. */
static void
test_malformed_ends_session(void **state)
{
	struct fake *f = *state;
	struct reply r = { 0 };

	handshake(f);
	assert_int_equal(qmp_command(f->q, "stop", NULL, cb_reply, &r, 0), 0);
	srv_recv(f, NULL, 0);
	srv_send(f, "{\"return\": {}, \"id\": \r\n");
	run_until(f, &f->closed, 2000);
	assert_int_equal(f->closed, 1);
	assert_non_null(strstr(f->closed_why, "malformed"));
	assert_int_equal(r.calls, 1);
	assert_false(r.ok);
	assert_int_equal(qmp_command(f->q, "stop", NULL, cb_reply, &r, 0), -1);
}

static void
test_missing_fields_end_session(void **state)
{
	struct fake *f = *state;

	handshake(f);
	srv_send(f, "{\"error\": {\"class\": \"GenericError\"}}\r\n");
	run_until(f, &f->closed, 2000);
	assert_int_equal(f->closed, 1);
}

static void
test_event_before_greeting(void **state)
{
	struct fake *f = *state;

	srv_send(f, "{\"event\": \"RESUME\"}\r\n");
	run_until(f, &f->closed, 2000);
	assert_int_equal(f->closed, 1);
	assert_int_equal(f->nevents, 0);
	assert_int_equal(f->ready, 0);
}

static void
test_capabilities_refused(void **state)
{
	struct fake *f = *state;
	int64_t id;

	srv_send(f, "{\"QMP\": {}}\n");
	id = srv_recv(f, NULL, 0);
	dprintf(f->srv, "{\"id\": %lld, \"error\": {\"class\": \"CommandNotFound\", "
	    "\"desc\": \"nope\"}}\n", (long long)id);
	run_until(f, &f->closed, 2000);
	assert_int_equal(f->closed, 1);
	assert_int_equal(f->ready, 0);
}

static void
test_eof_fails_pending(void **state)
{
	struct fake *f = *state;
	struct reply r = { 0 };

	handshake(f);
	assert_int_equal(qmp_command(f->q, "system_powerdown", NULL, cb_reply, &r, 0), 0);
	srv_recv(f, NULL, 0);
	/* Half a line, then QEMU dies. */
	srv_send(f, "{\"return\"");
	shutdown(f->srv, SHUT_WR);
	run_until(f, &f->closed, 2000);
	assert_int_equal(f->closed, 1);
	assert_int_equal(r.calls, 1);
	assert_false(r.ok);
}

static void
test_overlong_line(void **state)
{
	struct fake *f = *state;
	char *junk = xu_malloc(QMP_LINE_MAX + 64);
	size_t off = 0;
	ssize_t w;

	handshake(f);
	memset(junk, 'x', QMP_LINE_MAX + 64);
	/* The client must stop reading at the limit rather than buffer an
	 * endless line: write what the socket takes while it runs. */
	while (off < QMP_LINE_MAX + 64 && !f->closed) {
		w = send(f->srv, junk + off, QMP_LINE_MAX + 64 - off, MSG_DONTWAIT);
		if (w > 0)
			off += (size_t)w;
		run_until(f, &f->closed, 10);
	}
	run_until(f, &f->closed, 2000);
	free(junk);
	assert_int_equal(f->closed, 1);
	assert_non_null(strstr(f->closed_why, "too long"));
}

static void
test_timeout(void **state)
{
	struct fake *f = *state;
	struct reply r = { 0 };

	handshake(f);
	assert_int_equal(qmp_command(f->q, "query-status", NULL, cb_reply, &r, 1), 0);
	srv_recv(f, NULL, 0);
	run_until(f, &r.calls, 3000);
	assert_int_equal(r.calls, 1);
	assert_false(r.ok);
	assert_non_null(strstr(r.err, "in time"));
	/* A late answer is dropped; the session goes on. */
	srv_send(f, "{\"return\": {}, \"id\": 2}\r\n");
	run_until(f, NULL, 50);
	assert_int_equal(r.calls, 1);
	assert_int_equal(f->closed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test_setup_teardown(test_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_after_queued_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_ends_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_fields_end_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_before_greeting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capabilities_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof_fails_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
