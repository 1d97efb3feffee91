/* websocket.c: RFC 6455's server side without I/O (websocket.h): the
 * accept key (SHA-1 from GnuTLS, already linked), the client's frames
 * decoded a byte range at a time, and a server frame's header. */
#include "websocket.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_LEN	24	/* 16 bytes in base64 */

bool
ws_accept(const char *key, char out[WS_ACCEPT_LEN + 1])
{
	gnutls_datum_t in = { (unsigned char *)key, 0 }, raw = { NULL, 0 };
	gnutls_datum_t hash = { NULL, 20 }, b64 = { NULL, 0 };
	unsigned char buf[WS_KEY_LEN + sizeof(WS_GUID)], digest[20];
	bool ok = false;

	if (key == NULL || strlen(key) != WS_KEY_LEN)
		return false;
	in.size = WS_KEY_LEN;
	if (gnutls_base64_decode2(&in, &raw) != 0)
		return false;
	if (raw.size != 16)
		goto out;
	memcpy(buf, key, WS_KEY_LEN);
	memcpy(buf + WS_KEY_LEN, WS_GUID, sizeof(WS_GUID) - 1);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, buf,
	    WS_KEY_LEN + sizeof(WS_GUID) - 1, digest) != 0)
		goto out;
	hash.data = digest;
	if (gnutls_base64_encode2(&hash, &b64) != 0)
		goto out;
	if (b64.size == WS_ACCEPT_LEN) {
		memcpy(out, b64.data, WS_ACCEPT_LEN);
		out[WS_ACCEPT_LEN] = '\0';
		ok = true;
	}
	gnutls_free(b64.data);
out:
	gnutls_free(raw.data);
	return ok;
}

size_t
ws_header(uint8_t out[10], enum ws_op op, uint64_t len)
{
	size_t n = 2, i;

	out[0] = 0x80 | (uint8_t)op;
	if (len < 126)
		out[1] = (uint8_t)len;
	else if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		n = 4;
	} else {
		out[1] = 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
		n = 10;
	}
	return n;
}

/* ---- the decoder ------------------------------------------------------------ */

static void
fail(struct ws_decoder *d, struct ws_event *ev, unsigned code,
    const char *why)
{
	d->failed = true;
	ev->type = WS_EV_ERROR;
	ev->code = code;
	ev->why = why;
}

/* The header's length once its first two bytes are in. */
static size_t
header_len(const struct ws_decoder *d)
{
	size_t n = 2 + 4;	/* a client's frames are masked */

	if ((d->hdr[1] & 0x7f) == 126)
		n += 2;
	else if ((d->hdr[1] & 0x7f) == 127)
		n += 8;
	return n;
}

/* The first two bytes, checked as soon as they are in. */
static bool
check_start(struct ws_decoder *d, struct ws_event *ev)
{
	uint8_t op = d->hdr[0] & 0x0f;
	bool fin = (d->hdr[0] & 0x80) != 0, control = (op & 0x8) != 0;

	if (d->hdr[0] & 0x70)
		fail(d, ev, WS_CLOSE_PROTOCOL, "reserved bits set");
	else if (!(d->hdr[1] & 0x80))
		fail(d, ev, WS_CLOSE_PROTOCOL, "an unmasked frame");
	else if (control && op != WS_OP_CLOSE && op != WS_OP_PING &&
	    op != WS_OP_PONG)
		fail(d, ev, WS_CLOSE_PROTOCOL, "an unknown control opcode");
	else if (control && (!fin || (d->hdr[1] & 0x7f) > WS_CONTROL_MAX))
		fail(d, ev, WS_CLOSE_PROTOCOL, "a fragmented or long control "
		    "frame");
	else if (op == WS_OP_TEXT)
		fail(d, ev, WS_CLOSE_UNSUPPORTED, "a text frame (a display "
		    "speaks binary)");
	else if (!control && op != WS_OP_CONT && op != WS_OP_BINARY)
		fail(d, ev, WS_CLOSE_PROTOCOL, "an unknown data opcode");
	else if (op == WS_OP_CONT && !d->in_message)
		fail(d, ev, WS_CLOSE_PROTOCOL, "a continuation of nothing");
	else if (op == WS_OP_BINARY && d->in_message)
		fail(d, ev, WS_CLOSE_PROTOCOL, "a message inside a message");
	else {
		d->op = op;
		d->fin = fin;
		return true;
	}
	return false;
}

/* The whole header is in: the payload's length and mask. */
static bool
parse_header(struct ws_decoder *d, struct ws_event *ev)
{
	uint8_t l = d->hdr[1] & 0x7f;
	uint64_t len = l;
	size_t i;

	if (l == 126)
		len = (uint64_t)d->hdr[2] << 8 | d->hdr[3];
	else if (l == 127) {
		for (len = 0, i = 0; i < 8; i++)
			len = len << 8 | d->hdr[2 + i];
		if (len >> 63) {
			fail(d, ev, WS_CLOSE_PROTOCOL, "a length over 2^63");
			return false;
		}
	}
	d->left = len;
	d->pos = 0;
	d->ctl_len = 0;
	d->in_payload = true;
	if (!(d->op & 0x8))
		d->in_message = !d->fin;
	return true;
}

static const uint8_t *
mask_of(const struct ws_decoder *d)
{
	return d->hdr + d->hlen - 4;
}

/* The frame is over: the next byte starts a header. */
static void
frame_done(struct ws_decoder *d)
{
	d->hlen = 0;
	d->in_payload = false;
}

static void
control_event(struct ws_decoder *d, struct ws_event *ev)
{
	ev->type = WS_EV_CONTROL;
	ev->op = d->op;
	ev->ctl = d->ctl;
	ev->ctl_len = d->ctl_len;
	frame_done(d);
}

size_t
ws_decode(struct ws_decoder *d, uint8_t *buf, size_t len, struct ws_event *ev)
{
	const uint8_t *m;
	size_t p = 0, take, i;

	memset(ev, 0, sizeof(*ev));
	ev->type = WS_EV_NONE;
	if (d->failed) {
		fail(d, ev, WS_CLOSE_PROTOCOL, "after an error");
		return 0;
	}
	while (p < len) {
		if (!d->in_payload) {
			d->hdr[d->hlen++] = buf[p++];
			if (d->hlen == 2 && !check_start(d, ev))
				return p;
			if (d->hlen < 2 || d->hlen < header_len(d))
				continue;
			if (!parse_header(d, ev))
				return p;
			if (d->left > 0)
				continue;
			if (d->op & 0x8) {
				control_event(d, ev);
				return p;
			}
			frame_done(d);	/* an empty data frame */
			continue;
		}
		take = len - p < d->left ? len - p : (size_t)d->left;
		m = mask_of(d);
		for (i = 0; i < take; i++)
			buf[p + i] ^= m[(d->pos + i) & 3];
		d->pos += take;
		d->left -= take;
		if (d->op & 0x8) {
			memcpy(d->ctl + d->ctl_len, buf + p, take);
			d->ctl_len += take;
			p += take;
			if (d->left == 0) {
				control_event(d, ev);
				return p;
			}
			continue;
		}
		ev->type = WS_EV_DATA;
		ev->data = buf + p;
		ev->len = take;
		p += take;
		if (d->left == 0)
			frame_done(d);
		return p;
	}
	return p;
}
