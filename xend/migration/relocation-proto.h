/* relocation-proto.h: the relocation protocol, xend to xend, version 1 --
 * the one description of it (docs/ARCHITECTURE.md tells the why).
 *
 * Two TCP connections per migration, to xend-relocation-port (8002) or,
 * with TLS, xend-relocation-ssl-port (8003). Each starts with one
 * plaintext line from the client, which the server reads one byte at a
 * time (RELOC_HELLO_MAX at most) after hosts-allow has admitted the peer:
 *
 *   "xend-relocation <version> control\n"
 *   "xend-relocation <version> data <id>\n"
 *
 * A control connection then carries SXP messages, one per line (printed
 * by sxp_to_string, at most RELOC_MSG_MAX bytes); on the TLS port it
 * continues in TLS (GnuTLS) right after its first line. A data connection
 * carries nothing else: it is handed to QEMU for the engine's stream (on
 * the TLS port QEMU does its own TLS). Classic first lines ("receive",
 * "sslreceive") are answered with an error and closed.
 *
 * Control messages, source (client) to destination (server):
 *   (migrate (version V) (id ID) (live 0|1) (paused 0|1) (ssl 0|1)
 *            (source HOSTNAME) (vm ...))
 *   (commit (id ID) [(bytes N) (total N) (downtime_ms N)])
 *                            QEMU's figures, for the destination's record
 *   (abort (id ID) (reason MSG))
 *   (query (id ID))
 * destination to source:
 *   (ready (id ID))          checks passed: open the data connection
 *   (receiving (id ID))      the data connection feeds a paused domain
 *   (received (id ID))       the whole stream is loaded
 *   (running (id ID) (state running|paused))     after commit
 *   (status (id ID) (step STEP))                 answer to query
 *   (err (type TYPE) (value MSG))                the classic error shape
 * An unknown message gets (err (type protocol) ...), never a silent close.
 * Names and numbers here are append-only. */
#ifndef XEND_RELOCATION_PROTO_H
#define XEND_RELOCATION_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "xu.h"
#include "xv.h"

#define RELOC_PROTO_NAME	"xend-relocation"
#define RELOC_VERSION		1	/* the version this xend speaks */
#define RELOC_VERSION_MIN	1	/* the oldest it accepts */
#define RELOC_HELLO_MAX		256	/* bytes of a first line */
#define RELOC_MSG_MAX		(1u << 20)	/* bytes of a control message */
#define RELOC_ID_LEN		32	/* hex digits of a migration id */

/* Default ports (xend-relocation-port, xend-relocation-ssl-port). */
#define RELOC_PORT		8002
#define RELOC_SSL_PORT		8003

/* What a first line asks for. */
enum reloc_channel {
	RELOC_CH_CONTROL,
	RELOC_CH_DATA,
	RELOC_CH_CLASSIC,	/* "receive" or "sslreceive": classic xend */
};

struct reloc_hello {
	enum reloc_channel channel;
	int version;
	char id[RELOC_ID_LEN + 1];	/* data: the migration's id */
};

/* Parses a first line (without its newline). err says what is wrong in
 * words fit for the peer: a bad version names both versions. */
int reloc_hello_parse(const char *line, struct reloc_hello *h,
    struct xu_err *err);
/* The first line for a channel, with its newline (caller frees). */
char *reloc_hello_line(enum reloc_channel ch, const char *id);

/* Error types of (err (type T) ...). Append only. */
#define RELOC_ERR_PROTOCOL	"protocol"	/* malformed or unexpected */
#define RELOC_ERR_VERSION	"version"
#define RELOC_ERR_HOSTS_ALLOW	"hosts-allow"
#define RELOC_ERR_TLS		"tls"
#define RELOC_ERR_REFUSED	"refused"	/* the domain cannot come here */
#define RELOC_ERR_ENGINE	"engine"	/* QEMU failed on this side */
#define RELOC_ERR_ABORTED	"aborted"

/* Steps of a migration, as the records keep them (both directions). */
#define RELOC_STEP_CONNECTING	"connecting"	/* out */
#define RELOC_STEP_ACCEPTED	"accepted"	/* in */
#define RELOC_STEP_STREAMING	"streaming"	/* out */
#define RELOC_STEP_RECEIVING	"receiving"	/* in */
#define RELOC_STEP_SENT		"sent"		/* out: its QEMU is done */
#define RELOC_STEP_RECEIVED	"received"	/* in */
#define RELOC_STEP_COMMITTING	"committing"	/* out: point of no return */
#define RELOC_STEP_COMMITTED	"committed"	/* in */
#define RELOC_STEP_DONE		"done"
#define RELOC_STEP_FAILED	"failed"
#define RELOC_STEP_UNCERTAIN	"uncertain"	/* out: peer unreachable */

/* A received control message: its name and the (key value) children
 * the caller asks for by name. */
struct reloc_msg {
	struct xv *sxp;		/* the whole message */
	const char *name;	/* its head: "migrate", "ready", ... */
};

/* Parses one line (without its newline) into m; anything that is not a
 * single (name ...) list of at most RELOC_MSG_MAX bytes is refused. */
int reloc_msg_parse(const char *line, size_t len, struct reloc_msg *m,
    struct xu_err *err);
void reloc_msg_dispose(struct reloc_msg *m);
/* A child's string or integer value; def / -1 when missing or of another
 * shape. */
const char *reloc_msg_str(const struct reloc_msg *m, const char *key,
    const char *def);
long long reloc_msg_int(const struct reloc_msg *m, const char *key);
/* The (id ID) of m when it is well formed (RELOC_ID_LEN hex digits), else
 * NULL. */
const char *reloc_msg_id(const struct reloc_msg *m);

/* Messages as lines with their newline, ready to send (caller frees). */
char *reloc_msg_line(const struct xv *msg);
/* (name (id ID)) */
char *reloc_line_simple(const char *name, const char *id);
/* (err (type T) (value MSG)) */
char *reloc_line_err(const char *type, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An (err ...) message's text as the source reports it: "MSG". */
const char *reloc_err_text(const struct reloc_msg *m);

/* A fresh random migration id (RELOC_ID_LEN hex digits and a NUL). */
void reloc_new_id(char id[RELOC_ID_LEN + 1]);
bool reloc_id_valid(const char *id);

#endif
