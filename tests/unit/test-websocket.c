/* test-websocket.c: RFC 6455's server side (xend/http/websocket.c): the
 * accept key of the RFC's own example, frames decoded whole and a byte
 * at a time, fragments with a ping between them, and every frame a
 * client must not send refused with its close code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "websocket.h"

static const uint8_t MASK[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* A client's frame (masked with MASK) into out; its length. */
static size_t
client_frame(uint8_t *out, uint8_t first, const void *payload, size_t len)
{
	const uint8_t *p = payload;
	size_t n = 0, i;

	out[n++] = first;
	if (len < 126)
		out[n++] = 0x80 | (uint8_t)len;
	else {
		out[n++] = 0x80 | 126;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
	}
	memcpy(out + n, MASK, 4);
	n += 4;
	for (i = 0; i < len; i++)
		out[n + i] = p[i] ^ MASK[i & 3];
	return n + len;
}

/* Decodes buf in steps of at most step bytes: the data gathered into
 * data, the events' kinds as letters (D data, P ping, C close, E error)
 * into kinds, and the last error's code. */
struct run {
	char data[512];
	size_t dlen;
	char kinds[32];
	unsigned code;
	uint8_t ctl[WS_CONTROL_MAX];
	size_t ctl_len;
};

static void
decode(uint8_t *buf, size_t len, size_t step, struct run *r)
{
	struct ws_decoder d;
	struct ws_event ev;
	size_t p = 0, n, used, k = 0;

	memset(&d, 0, sizeof(d));
	memset(r, 0, sizeof(*r));
	while (p < len && k < sizeof(r->kinds) - 1) {
		n = len - p < step ? len - p : step;
		used = ws_decode(&d, buf + p, n, &ev);
		p += used;
		if (ev.type == WS_EV_DATA) {
			memcpy(r->data + r->dlen, ev.data, ev.len);
			r->dlen += ev.len;
			if (k == 0 || r->kinds[k - 1] != 'D')
				r->kinds[k++] = 'D';
		} else if (ev.type == WS_EV_CONTROL) {
			r->kinds[k++] = ev.op == WS_OP_PING ? 'P' :
			    ev.op == WS_OP_CLOSE ? 'C' : 'O';
			memcpy(r->ctl, ev.ctl, ev.ctl_len);
			r->ctl_len = ev.ctl_len;
		} else if (ev.type == WS_EV_ERROR) {
			r->kinds[k++] = 'E';
			r->code = ev.code;
			return;
		}
	}
}

static void
test_accept(void **state)
{
	char out[WS_ACCEPT_LEN + 1];

	(void)state;
	/* RFC 6455, section 1.3 */
	assert_true(ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out));
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_false(ws_accept("dGhlIHNhbXBsZSBub25jZQ", out));
	assert_false(ws_accept("dGhlIHNhbXBsZSBub25jZUE=", out)); /* 17 bytes */
	assert_false(ws_accept("!!!!!!!!!!!!!!!!!!!!!!==", out));
	assert_false(ws_accept(NULL, out));
}

static void
test_header(void **state)
{
	uint8_t h[10];

	(void)state;
	assert_int_equal(ws_header(h, WS_OP_BINARY, 5), 2);
	assert_memory_equal(h, "\x82\x05", 2);
	assert_int_equal(ws_header(h, WS_OP_BINARY, 300), 4);
	assert_memory_equal(h, "\x82\x7e\x01\x2c", 4);
	assert_int_equal(ws_header(h, WS_OP_CLOSE, 70000), 10);
	assert_memory_equal(h, "\x88\x7f\0\0\0\0\0\x01\x11\x70", 10);
}

/* Fragments of a binary message with a ping between them, in one piece
 * and a byte at a time: the same data, the same events. */
static void
test_fragments(void **state)
{
	uint8_t buf[1024], big[300];
	static const size_t steps[] = { 1, 3, 7, 1024 };
	size_t n = 0, i;
	struct run r;

	(void)state;
	memset(big, 'x', sizeof(big));
	n += client_frame(buf + n, 0x02, "RFB ", 4);		/* binary, not fin */
	n += client_frame(buf + n, 0x89, "hi", 2);		/* ping */
	n += client_frame(buf + n, 0x00, "003.", 4);		/* continuation */
	n += client_frame(buf + n, 0x80, "008\n", 4);		/* the last */
	n += client_frame(buf + n, 0x82, big, sizeof(big));	/* 16-bit length */
	n += client_frame(buf + n, 0x82, "", 0);		/* empty */
	n += client_frame(buf + n, 0x88, "\x03\xe8", 2);	/* close 1000 */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint8_t copy[1024];

		memcpy(copy, buf, n);
		decode(copy, n, steps[i], &r);
		assert_int_equal(r.dlen, 12 + sizeof(big));
		assert_memory_equal(r.data, "RFB 003.008\n", 12);
		assert_memory_equal(r.data + 12, big, sizeof(big));
		assert_string_equal(r.kinds, "DPDC");
		assert_int_equal(r.ctl_len, 2);
		assert_memory_equal(r.ctl, "\x03\xe8", 2);
	}
}

/* What a client must not send, each with its close code. */
static void
test_refused(void **state)
{
	static const struct {
		const char *what;
		uint8_t first;
		size_t len;
		bool unmasked;
		unsigned code;
	} cases[] = {
		{ "a text frame", 0x81, 3, false, WS_CLOSE_UNSUPPORTED },
		{ "reserved bits", 0xc2, 3, false, WS_CLOSE_PROTOCOL },
		{ "unmasked", 0x82, 3, true, WS_CLOSE_PROTOCOL },
		{ "an unknown data opcode", 0x83, 3, false, WS_CLOSE_PROTOCOL },
		{ "an unknown control opcode", 0x8b, 3, false, WS_CLOSE_PROTOCOL },
		{ "a fragmented ping", 0x09, 3, false, WS_CLOSE_PROTOCOL },
		{ "a long ping", 0x89, 126, false, WS_CLOSE_PROTOCOL },
		{ "a continuation of nothing", 0x80, 3, false, WS_CLOSE_PROTOCOL },
	};
	uint8_t buf[256], payload[200] = { 0 };
	struct ws_decoder d;
	struct ws_event ev;
	struct run r;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = client_frame(buf, cases[i].first, payload, cases[i].len);
		if (cases[i].unmasked)
			buf[1] &= 0x7f;
		decode(buf, n, 1, &r);
		if (strcmp(r.kinds, "E") != 0 || r.code != cases[i].code)
			fail_msg("%s: got %s %u", cases[i].what, r.kinds, r.code);
	}
	/* a new message inside another one */
	n = client_frame(buf, 0x02, "ab", 2);
	n += client_frame(buf + n, 0x82, "cd", 2);
	decode(buf, n, n, &r);
	assert_string_equal(r.kinds, "DE");
	assert_int_equal(r.code, WS_CLOSE_PROTOCOL);
	/* a 64-bit length over 2^63 */
	memcpy(buf, "\x82\xff\x80\0\0\0\0\0\0\0\0\0\0\0", 14);
	decode(buf, 14, 14, &r);
	assert_string_equal(r.kinds, "E");
	/* after an error, nothing more is taken */
	memset(&d, 0, sizeof(d));
	n = client_frame(buf, 0x81, "ab", 2);
	ws_decode(&d, buf, n, &ev);
	assert_int_equal(ev.type, WS_EV_ERROR);
	assert_int_equal(ws_decode(&d, buf, n, &ev), 0);
	assert_int_equal(ev.type, WS_EV_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
