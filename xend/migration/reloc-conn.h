/* reloc-conn.h: a relocation control connection on xend's loop: SXP
 * messages one per line (relocation-proto.h), in plaintext or in TLS
 * (GnuTLS, driven through its transport callbacks so nothing blocks).
 * Also the TLS credentials of a host (CA, certificate, key). */
#ifndef XEND_RELOC_CONN_H
#define XEND_RELOC_CONN_H

#include <stdbool.h>

#include "relocation-proto.h"
#include "xu.h"

struct event_base;
struct rconn;
struct reloc_tls;

struct rconn_ops {
	/* One message; m is the caller's to dispose. */
	void (*msg)(struct rconn *c, struct reloc_msg *m, void *arg);
	/* The connection ended: peer closed, I/O or TLS failure, a malformed
	 * message, a time limit. why says which. The owner frees c. */
	void (*closed)(struct rconn *c, const char *why, void *arg);
};

/* Takes fd (connected, any mode); peer names the other end in messages. */
struct rconn *rconn_new(struct event_base *base, int fd, const char *peer,
    const struct rconn_ops *ops, void *arg);
/* Switches to TLS before any message: as the server (a client certificate
 * is required) or the client (hostname must be named by the server's
 * certificate). Messages sent meanwhile wait for the handshake. */
int rconn_start_tls(struct rconn *c, struct reloc_tls *tls, bool server,
    const char *hostname, struct xu_err *err);
/* Queues one line (with its newline). */
void rconn_send(struct rconn *c, const char *line);
/* Ends the connection once what was queued is sent (at most 5 s), then
 * frees it; no callback is called any more. */
void rconn_close_after_flush(struct rconn *c);
/* Closes at once and frees; no callback. NULL is fine. */
void rconn_free(struct rconn *c);
/* No message for secs seconds: closed() with "timed out". 0: none. */
void rconn_set_timeout(struct rconn *c, int secs);
const char *rconn_peer(const struct rconn *c);
void rconn_set_ops(struct rconn *c, const struct rconn_ops *ops, void *arg);

/* A host's TLS credentials: the CA that signs every host of the cluster,
 * and this host's certificate and key (used as server and as client).
 * err names the file that is missing or bad. */
int reloc_tls_new(struct reloc_tls **out, const char *ca, const char *cert,
    const char *key, struct xu_err *err);
void reloc_tls_free(struct reloc_tls *tls);

#endif
