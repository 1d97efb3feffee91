/* websocket.h: RFC 6455's server side without I/O: the handshake's
 * accept key, a decoder of a client's frames that hands the data on as
 * it arrives (a frame's payload is never gathered whole, so its size
 * costs nothing) and gathers the small control frames, and the header
 * of a server's frame. */
#ifndef XEND_WEBSOCKET_H
#define XEND_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_op {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/* Close codes (RFC 6455 7.4.1) this side sends. */
enum {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_INTERNAL = 1011,
};

#define WS_CONTROL_MAX	125	/* a control frame's payload, at most */
#define WS_ACCEPT_LEN	28	/* base64 of SHA-1 */

/* Sec-WebSocket-Accept for the client's Sec-WebSocket-Key, into out
 * (NUL-terminated). False when key is not 16 bytes in base64. */
bool ws_accept(const char *key, char out[WS_ACCEPT_LEN + 1]);

enum ws_event_type {
	WS_EV_NONE,	/* all the input was taken: more is needed */
	WS_EV_DATA,	/* data (binary message's), unmasked in place */
	WS_EV_CONTROL,	/* a whole control frame: op, payload in ctl */
	WS_EV_ERROR,	/* the client broke the protocol: close with code */
};

struct ws_event {
	enum ws_event_type type;
	const uint8_t *data;	/* WS_EV_DATA: inside the input */
	size_t len;
	enum ws_op op;		/* WS_EV_CONTROL */
	const uint8_t *ctl;	/* its payload (the decoder's) */
	size_t ctl_len;
	unsigned code;		/* WS_EV_ERROR: the close code to send */
	const char *why;	/* ... and why, for the log */
};

/* Where the decoder is in the client's stream; zero it to start. */
struct ws_decoder {
	uint8_t hdr[14];	/* the frame's header so far */
	size_t hlen;
	bool in_payload;
	uint64_t left;		/* payload bytes still to come */
	uint64_t pos;		/* payload bytes seen (the mask's phase) */
	uint8_t op;
	bool fin;
	bool in_message;	/* a data message's fragments are coming */
	uint8_t ctl[WS_CONTROL_MAX];
	size_t ctl_len;
	bool failed;
};

/* Decodes buf[0..len) (modified: data is unmasked in place) up to the
 * first event; returns how many bytes it took (all of them with
 * WS_EV_NONE). After WS_EV_ERROR it takes nothing more. */
size_t ws_decode(struct ws_decoder *d, uint8_t *buf, size_t len,
    struct ws_event *ev);

/* The header of a server's frame (final, unmasked) of op with len bytes
 * of payload, into out; returns its length (2, 4 or 10). */
size_t ws_header(uint8_t out[10], enum ws_op op, uint64_t len);

#endif
