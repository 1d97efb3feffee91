/* rpc.h: xm's XML-RPC client: HTTP/1.1 POST /RPC2 to xend over its UNIX
 * socket (XM_SERVER=httpu:///path overrides the default), and the classic
 * way xm reports what went wrong (reference 1.1). */
#ifndef XM_RPC_H
#define XM_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include "xv.h"

#define XM_RPC_DEFAULT_TIMEOUT	300	/* seconds; XM_TIMEOUT overrides, 0: none */
#define XM_RPC_MAX_HEADERS	(64u << 10)
/* Seconds xm waits for an xend that is away but expected back (xm(1),
 * XM_XEND_WAIT): longer than the ocf:heartbeat:Xen agent's monitor (30 s)
 * and stop (40 s) timeouts and Pacemaker's default (20 s), so that an
 * xend that stays away makes the agent's action time out (an error) rather
 * than xm's failure read as "the guest is stopped". */
#define XM_RPC_XEND_WAIT	60

enum xm_rpc_status {
	XM_RPC_OK,
	XM_RPC_FAULT,		/* xend answered with a fault */
	XM_RPC_CONNECT,		/* no xend on the socket */
	XM_RPC_HTTP,		/* not an HTTP answer, or not 200 */
	XM_RPC_TIMEOUT,
	XM_RPC_BAD_REPLY,	/* HTTP fine, XML-RPC not */
	XM_RPC_URI,		/* XM_SERVER names nothing we can reach */
	XM_RPC_IO,		/* the connection broke */
};

struct xm_rpc_err {
	enum xm_rpc_status status;
	int fault_code;		/* XM_RPC_FAULT */
	int http_status;	/* XM_RPC_HTTP: 0 when there was no status line */
	int sys_errno;		/* XM_RPC_CONNECT, XM_RPC_IO */
	int waited_s;		/* XM_RPC_CONNECT: xm waited this long for xend */
	char msg[1024];		/* fault string, reason phrase or detail */
};

/* A reply's head, as parsed. */
struct xm_rpc_reply {
	int status;
	char reason[128];
	long long content_length;	/* -1: the body runs to EOF */
	bool close;			/* the server will not keep the connection */
	size_t head_len;		/* the body starts here */
	size_t body_len;
};

/* Parses an HTTP reply from the bytes received so far; eof says the
 * connection has ended. Returns 0 when the reply is complete (rep filled),
 * 1 when more bytes are needed, -1 on a malformed or oversized reply (err
 * filled, XM_RPC_HTTP). Never reads past len. */
int xm_rpc_parse_reply(const char *data, size_t len, bool eof,
    struct xm_rpc_reply *rep, struct xm_rpc_err *err);

/* The server URI: $XM_SERVER, else httpu://<run dir>/xend/xmlrpc.sock. */
const char *xm_rpc_server_uri(void);

/* One call to uri; params is an XV_LIST or NULL for none (not consumed).
 * Returns XM_RPC_OK with *result (caller frees) or another status with err
 * filled. timeout_s bounds the whole exchange; 0 waits for ever. The
 * connection is kept for the next call to the same server. When xend is
 * away but expected back (its socket refuses, or it holds its pid file
 * while it starts), the call waits for it, xm_rpc_xend_wait() seconds at
 * most for one absence (later calls do not wait again until xend has
 * answered); a query whose connection xend closed before
 * answering is asked again the same way. */
int xm_rpc_invoke(const char *uri, const char *method, const struct xv *params,
    int timeout_s, struct xv **result, struct xm_rpc_err *err);
void xm_rpc_disconnect(void);

/* What xm prints for err (without "Error: " when classic xm did not use
 * it) and the exit status: 3 for an unknown domain, 1 otherwise. */
int xm_rpc_report(const struct xm_rpc_err *err, char *msg, size_t size);
/* The command being run and its first argument (a domain, usually), so
 * that a connection lost in its middle is reported with what to look at
 * once xend is back. */
void xm_rpc_set_operation(const char *cmd, const char *arg);
/* The domain `xm list` should be asked about in that report, when it is
 * not the first argument (xm restore FILE: the file's domain); NULL: none
 * known, `xm list` as a whole. */
void xm_rpc_set_outcome_domain(const char *dom);

/* The timeout commands use: $XM_TIMEOUT seconds, else the default. */
int xm_rpc_timeout(void);

/* How long a call waits for an xend that is away but expected back:
 * $XM_XEND_WAIT seconds, else XM_RPC_XEND_WAIT; 0 fails at once. */
int xm_rpc_xend_wait(void);

/* The call commands make: the default server and timeout; on failure the
 * report is printed to stderr and its exit status returned. */
int xm_rpc_call(const char *method, const struct xv *params, struct xv **result);

#endif
