/* test-xenhv-proto.c: the codec of xenhv's control protocol: messages
 * survive a round trip, and every malformed line is refused with a reason
 * rather than half-decoded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xenctrl.h"
#include "xenhv-proto.h"

/* Parses a line (without its '\n') that must decode. */
static void
parse_ok(const char *line, struct xhp_msg *m)
{
	char why[160];

	if (!xhp_parse(line, strlen(line), m, why, sizeof(why)))
		fail_msg("\"%s\" refused: %s", line, why);
}

/* A line that must be refused; returns the reason for checking. */
static const char *
parse_bad(const char *line, size_t len)
{
	static char why[160];
	struct xhp_msg m;

	why[0] = '\0';
	if (xhp_parse(line, len, &m, why, sizeof(why))) {
		xhp_msg_dispose(&m);
		fail_msg("\"%.*s\" accepted", (int)len, line);
	}
	assert_non_null(why[0] ? why : NULL);
	assert_null(m.root);
	return why;
}

static char *
strip_nl(char *line, size_t len)
{
	assert_int_equal(strlen(line), len);
	assert_true(len > 0);
	assert_int_equal(line[len - 1], '\n');
	/* Exactly one line: no other newline inside. */
	assert_null(memchr(line, '\n', len - 1));
	line[len - 1] = '\0';
	return line;
}

/* Ends an encoding and checks it is one line (the length is taken before
 * use: argument evaluation order is unspecified). */
static char *
end_line(yajl_gen g)
{
	size_t len;
	char *line = xhp_end(g, &len);

	return strip_nl(line, len);
}

/* A device's JSON back into a device, or the reason it is refused. */
static bool
device_parse(const char *json, struct xc_device *d, yajl_val *root, char *why,
    size_t len)
{
	*root = xhp_json_object(json, strlen(json), XHP_LINE_MAX, XHP_DEPTH_MAX,
	    "device", why, len);
	return *root != NULL && xhp_get_device(*root, d, why, len);
}

static void
device_bad(const char *json, const char *want)
{
	struct xc_device d;
	yajl_val root;
	char why[200];

	if (device_parse(json, &d, &root, why, sizeof(why)))
		fail_msg("%s accepted", json);
	assert_string_equal(why, want);
	if (root != NULL)
		yajl_tree_free(root);
}

/* A disk on an NBD server: host, port and export travel instead of a
 * path; a malformed one is refused naming the device. */
static void
test_nbd_device(void **state)
{
	struct xc_device in = { 0 }, out;
	yajl_val root;
	char why[200], *json;

	in.kind = XC_DEVICE_DISK;
	in.id = "vbd-51712";
	in.format = "raw";
	in.nbd_host = "10.77.0.3";
	in.nbd_port = 10809;
	in.nbd_export = "disk1";
	json = xhp_device_json(&in);
	if (!device_parse(json, &out, &root, why, sizeof(why)))
		fail_msg("%s refused: %s", json, why);
	assert_null(out.path);
	assert_string_equal(out.nbd_host, "10.77.0.3");
	assert_int_equal(out.nbd_port, 10809);
	assert_string_equal(out.nbd_export, "disk1");
	yajl_tree_free(root);
	free(json);
	in.nbd_export = NULL;
	json = xhp_device_json(&in);
	assert_null(strstr(json, "nbd_export"));
	free(json);
	device_bad("{\"kind\":\"disk\",\"id\":\"a\",\"nbd_host\":\"h\"}",
	    "device a: nbd_port must be 1 to 65535");
	device_bad("{\"kind\":\"disk\",\"id\":\"a\",\"nbd_host\":\"h\","
	    "\"nbd_port\":70000}", "device a: nbd_port must be 1 to 65535");
	device_bad("{\"kind\":\"disk\",\"id\":\"a\",\"nbd_host\":\"h h\","
	    "\"nbd_port\":1}", "device a: nbd_host must be a host name or address");
	device_bad("{\"kind\":\"disk\",\"id\":\"a\",\"path\":\"/x\","
	    "\"nbd_host\":\"h\",\"nbd_port\":1}",
	    "device a: a disk has a path or an NBD server, not both");
	device_bad("{\"kind\":\"disk\",\"id\":\"a\",\"nbd_port\":1}",
	    "device a: nbd_port and nbd_export need nbd_host");
}

static void
test_request_round_trip(void **state)
{
	struct xhp_msg m;
	const char *s;
	int64_t i;
	uint64_t u;
	double d;
	bool b;
	yajl_gen g;
	char *line;

	g = xhp_begin(XHP_REQUEST, 42, XHP_REQ_SHUTDOWN);
	xhp_put_str(g, "reason", "reboot");
	xhp_put_int(g, "neg", -5);
	xhp_put_uint(g, "big", UINT64_MAX);
	xhp_put_bool(g, "flag", true);
	xhp_put_double(g, "t", 1.5);
	line = end_line(g);
	parse_ok(line, &m);
	assert_int_equal(m.kind, XHP_REQUEST);
	assert_int_equal(m.id, 42);
	assert_string_equal(m.name, "shutdown");
	assert_true(xhp_get_str(m.body, "reason", &s));
	assert_string_equal(s, "reboot");
	assert_true(xhp_get_int(m.body, "neg", &i));
	assert_int_equal(i, -5);
	assert_false(xhp_get_uint(m.body, "neg", &u));
	/* uint64 beyond int64 is clamped, never wrapped negative. */
	assert_true(xhp_get_uint(m.body, "big", &u));
	assert_int_equal(u, INT64_MAX);
	assert_true(xhp_get_bool(m.body, "flag", &b));
	assert_true(b);
	assert_true(xhp_get_double(m.body, "t", &d));
	assert_true(d == 1.5);
	/* Wrong types and missing keys are refused, not coerced. */
	assert_false(xhp_get_int(m.body, "reason", &i));
	assert_false(xhp_get_str(m.body, "neg", &s));
	assert_false(xhp_get_bool(m.body, "neg", &b));
	assert_false(xhp_get_str(m.body, "missing", &s));
	assert_true(xhp_get_double(m.body, "neg", &d));
	assert_true(d == -5.0);
	xhp_msg_dispose(&m);
	free(line);
}

static void
test_replies_and_events(void **state)
{
	struct xhp_msg m;
	const char *s;
	size_t len;
	yajl_gen g;
	char *line;

	g = xhp_begin(XHP_REPLY_OK, 7, NULL);
	xhp_put_str(g, "state", "paused");
	line = end_line(g);
	parse_ok(line, &m);
	assert_int_equal(m.kind, XHP_REPLY_OK);
	assert_int_equal(m.id, 7);
	assert_true(xhp_get_str(m.body, "state", &s));
	assert_string_equal(s, "paused");
	xhp_msg_dispose(&m);
	free(line);

	line = xhp_error_line(9, XHP_E_STATE, "domain 3 is shut down", &len);
	strip_nl(line, len);
	parse_ok(line, &m);
	assert_int_equal(m.kind, XHP_REPLY_ERROR);
	assert_int_equal(m.id, 9);
	assert_int_equal(m.code, XHP_E_STATE);
	assert_string_equal(m.message, "domain 3 is shut down");
	xhp_msg_dispose(&m);
	free(line);

	g = xhp_begin(XHP_EVENT, 12, XHP_EV_STATE);
	xhp_put_str(g, "state", "shutdown");
	xhp_put_str(g, "reason", "poweroff");
	line = end_line(g);
	parse_ok(line, &m);
	assert_int_equal(m.kind, XHP_EVENT);
	assert_int_equal(m.seq, 12);
	assert_string_equal(m.name, "state");
	assert_true(xhp_get_str(m.body, "reason", &s));
	assert_string_equal(s, "poweroff");
	xhp_msg_dispose(&m);
	free(line);

	/* An empty body may be left out on the wire. */
	parse_ok("{\"id\":3,\"ok\":{}}", &m);
	assert_int_equal(m.kind, XHP_REPLY_OK);
	xhp_msg_dispose(&m);
	parse_ok("{\"id\":4,\"request\":\"getinfo\"}", &m);
	assert_int_equal(m.kind, XHP_REQUEST);
	assert_null(m.body);
	assert_false(xhp_get_str(m.body, "x", &s));
	xhp_msg_dispose(&m);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"not json",
		"[1,2]",
		"\"string\"",
		"42",
		"{}",
		"{\"id\":1}",
		"{\"request\":\"hello\"}",
		"{\"id\":-1,\"request\":\"hello\"}",
		"{\"id\":\"1\",\"request\":\"hello\"}",
		"{\"id\":1.5,\"request\":\"hello\"}",
		"{\"id\":99999999999999999999999,\"request\":\"hello\"}",
		"{\"id\":1,\"request\":5}",
		"{\"id\":1,\"request\":\"\"}",
		"{\"id\":1,\"request\":\"hello\",\"args\":[1]}",
		"{\"id\":1,\"request\":\"hello\",\"args\":\"x\"}",
		"{\"id\":1,\"ok\":[]}",
		"{\"id\":1,\"ok\":null}",
		"{\"id\":1,\"error\":{}}",
		"{\"id\":1,\"error\":{\"code\":5}}",
		"{\"id\":1,\"error\":{\"message\":\"x\"}}",
		"{\"id\":1,\"error\":{\"code\":0,\"message\":\"x\"}}",
		"{\"id\":1,\"error\":{\"code\":\"5\",\"message\":\"x\"}}",
		"{\"id\":1,\"error\":\"boom\"}",
		"{\"event\":\"state\"}",
		"{\"event\":\"state\",\"seq\":0}",
		"{\"event\":\"state\",\"seq\":-3}",
		"{\"event\":3,\"seq\":1}",
		"{\"event\":\"state\",\"seq\":1,\"data\":[]}",
		"{\"id\":1,\"ok\":{}} {\"id\":2,\"ok\":{}}",
		"{\"id\":1,\"ok\":{}}garbage",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i], strlen(bad[i]));
}

static void
test_limits(void **state)
{
	char deep[200], *big;
	size_t i, n;
	struct xhp_msg m;
	const char *why;

	/* Deep nesting is refused before yajl builds (and recursively
	 * frees) a tree for it. */
	n = 0;
	n += (size_t)sprintf(deep, "{\"id\":1,\"request\":\"x\",\"args\":{\"a\":");
	for (i = 0; i < XHP_DEPTH_MAX; i++)
		deep[n++] = '[';
	for (i = 0; i < XHP_DEPTH_MAX; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n++] = '}';
	deep[n] = '\0';
	why = parse_bad(deep, n);
	assert_non_null(strstr(why, "deep"));

	/* Brackets inside strings do not count, escaped quotes included. */
	parse_ok("{\"id\":1,\"request\":\"x\",\"args\":{\"s\":\"[[[[[[[[[[[[[[[[[[[[\\\"[[[\"}}", &m);
	xhp_msg_dispose(&m);
	assert_true(xhp_json_sane("\"\\\\\"[]", 6, 1));
	assert_false(xhp_json_sane("\"\\\\\"[[]]", 8, 1));
	assert_false(xhp_json_sane("[[", 2, 1));

	/* A NUL byte would cut a C string short: refused. */
	parse_bad("{\"id\":1,\0\"ok\":{}}", 17);

	/* Over the line limit. */
	big = malloc(XHP_LINE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', XHP_LINE_MAX + 1);
	memcpy(big, "{\"id\":1,\"ok\":{}}", 16);
	why = parse_bad(big, XHP_LINE_MAX + 1);
	assert_non_null(strstr(why, "long"));
	free(big);

	/* Invalid UTF-8 on the wire is refused by the parser. */
	parse_bad("{\"id\":1,\"ok\":{\"s\":\"\xff\xfe\"}}", 24);
}

static void
test_utf8_cleaned_on_encode(void **state)
{
	static const char *const in[] = {
		"plain",
		"caf\xc3\xa9",			/* valid: kept */
		"bad \xff byte",
		"cut \xe2\x82",			/* truncated sequence */
		"over \xc0\xaf long",		/* overlong '/' */
		"surrogate \xed\xa0\x80",
		"\xf4\x90\x80\x80 too high",
	};
	struct xhp_msg m;
	const char *s;
	size_t i;
	yajl_gen g;
	char *line;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		g = xhp_begin(XHP_REPLY_OK, 1, NULL);
		xhp_put_str(g, "s", in[i]);
		line = end_line(g);
		parse_ok(line, &m);
		assert_true(xhp_get_str(m.body, "s", &s));
		/* Same length: each bad byte became one '?'. */
		assert_int_equal(strlen(s), strlen(in[i]));
		if (i < 2)
			assert_string_equal(s, in[i]);
		else
			assert_non_null(strchr(s, '?'));
		xhp_msg_dispose(&m);
		free(line);
	}
}

static void
test_base64(void **state)
{
	unsigned char data[300];
	char *enc, *dec;
	size_t n, elen, dlen;

	srand(7);
	for (n = 0; n < sizeof(data); n++)
		data[n] = (unsigned char)rand();
	for (n = 0; n <= sizeof(data); n++) {
		enc = xhp_b64_encode(data, n, &elen);
		assert_int_equal(elen, (n + 2) / 3 * 4);
		assert_int_equal(strlen(enc), elen);
		assert_true(xhp_b64_decode(enc, elen, &dec, &dlen));
		assert_int_equal(dlen, n);
		assert_memory_equal(dec, data, n);
		free(dec);
		free(enc);
	}
	enc = xhp_b64_encode("Man", 3, &elen);
	assert_string_equal(enc, "TWFu");
	free(enc);
	enc = xhp_b64_encode("Ma", 2, &elen);
	assert_string_equal(enc, "TWE=");
	free(enc);
	assert_false(xhp_b64_decode("TWF", 3, &dec, &dlen));
	assert_false(xhp_b64_decode("TW=u", 4, &dec, &dlen));
	assert_false(xhp_b64_decode("TW!u", 4, &dec, &dlen));
	assert_false(xhp_b64_decode("====", 4, &dec, &dlen));
	assert_false(xhp_b64_decode("TQ==TWFu", 8, &dec, &dlen));
	assert_null(dec);
}

static void
test_names(void **state)
{
	int i;

	/* The wire names follow the enums of xenctrl.h, in order. */
	assert_string_equal(xhp_state_name(XC_DOM_RUNNING), "running");
	assert_string_equal(xhp_state_name(XC_DOM_PAUSED), "paused");
	assert_string_equal(xhp_state_name(XC_DOM_SHUTDOWN), "shutdown");
	assert_string_equal(xhp_state_name(XC_DOM_CRASHED), "crashed");
	assert_string_equal(xhp_state_name(XC_DOM_DYING), "dying");
	assert_string_equal(xhp_reason_name(XC_SHUTDOWN_POWEROFF), "poweroff");
	assert_string_equal(xhp_reason_name(XC_SHUTDOWN_REBOOT), "reboot");
	assert_string_equal(xhp_reason_name(XC_SHUTDOWN_SUSPEND), "suspend");
	assert_string_equal(xhp_reason_name(XC_SHUTDOWN_CRASH), "crash");
	assert_string_equal(xhp_reason_name(XC_SHUTDOWN_HALT), "halt");
	for (i = 0; i < 5; i++) {
		assert_int_equal(xhp_state_from_name(xhp_state_name(i)), i);
		assert_int_equal(xhp_reason_from_name(xhp_reason_name(i)), i);
	}
	assert_null(xhp_state_name(5));
	assert_null(xhp_state_name(-1));
	assert_int_equal(xhp_state_from_name("Running"), -1);
	assert_int_equal(xhp_reason_from_name(NULL), -1);
	assert_string_equal(xhp_err_name(XHP_E_UNKNOWN_REQUEST), "unknown-request");
	assert_string_equal(xhp_err_name(XHP_E_TIMEOUT), "timeout");
	assert_string_equal(xhp_err_name(0), "unknown");
	assert_string_equal(xhp_err_name(1000), "unknown");
}

/* serial, parallel and floppies: classic qemu-dm's words pass, others
 * are refused naming the key; they cross the wire unchanged. */
static void
test_platform_ports(void **state)
{
	static const char *const good[] = { "pty", "null", "none", "file:/var/log/s.log",
	    "tcp:127.0.0.1:4555,server,nowait", "tcp::4555,server", "telnet:h:23",
	    "udp:10.0.0.1:514", "unix:/run/s.sock,server,nowait", "/dev/ttyS0", NULL };
	static const char *const bad[] = { "vc", "stdio", "mon:stdio", "pipe:/x",
	    "exec:sh", "chardev:x", "file:rel", "file:/a,b", "tcp:h:1,reconnect=1",
	    "tcp:$(x):1", "/dev/../etc/passwd", "unix:rel", "", NULL };
	struct xc_platform p, q;
	char why[300], *json;
	yajl_val v;
	size_t i;

	for (i = 0; good[i] != NULL; i++) {
		memset(&p, 0, sizeof(p));
		p.serial = good[i];
		assert_true(xhp_platform_check(&p, why, sizeof(why)));
	}
	for (i = 0; bad[i] != NULL; i++) {
		memset(&p, 0, sizeof(p));
		p.serial = bad[i];
		assert_false(xhp_platform_check(&p, why, sizeof(why)));
		assert_non_null(strstr(why, "serial: '"));
	}
	memset(&p, 0, sizeof(p));
	p.parallel = "pty";
	assert_false(xhp_platform_check(&p, why, sizeof(why)));
	assert_non_null(strstr(why, "parallel: 'pty' is not supported"));
	memset(&p, 0, sizeof(p));
	p.fda = "fd.img";
	assert_false(xhp_platform_check(&p, why, sizeof(why)));
	assert_non_null(strstr(why, "fda: the floppy image 'fd.img' must be an absolute"));
	p.fda = "/srv/fd.img";
	p.fdb = "/srv/fd2.img";
	p.serial = "file:/var/log/s.log";
	p.parallel = "null";
	p.viridian = true;
	assert_true(xhp_platform_check(&p, why, sizeof(why)));
	json = xhp_platform_json(&p);
	v = yajl_tree_parse(json, NULL, 0);
	assert_non_null(v);
	assert_true(xhp_get_platform(v, &q, why, sizeof(why)));
	assert_string_equal(q.serial, "file:/var/log/s.log");
	assert_string_equal(q.parallel, "null");
	assert_string_equal(q.fda, "/srv/fd.img");
	assert_string_equal(q.fdb, "/srv/fd2.img");
	assert_true(q.viridian);
	yajl_tree_free(v);
	free(json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_replies_and_events),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_utf8_cleaned_on_encode),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_platform_ports),
		cmocka_unit_test(test_nbd_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
