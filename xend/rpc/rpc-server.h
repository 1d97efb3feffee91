/* rpc-server.h: xend's XML-RPC server (HTTP/1.1, POST /RPC2, on a UNIX socket)
 * and its method table: each method names its handler and argument
 * signature, so counts, types and the domain lookup are checked once,
 * before any handler runs. Protocol: reference 6.1; fault codes in
 * xmlrpc.h (1 internal, 2 generic, 3 invalid domain). */
#ifndef XEND_RPC_SERVER_H
#define XEND_RPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xu.h"
#include "xv.h"

struct event_base;
struct rpc_server;
struct rpc_call;

/* What a handler returns: it has answered (rpc_reply or rpc_fault), or it
 * will answer later, from an event, through the same call. */
enum rpc_status {
	RPC_DONE = 0,
	RPC_DEFERRED = 1,
};

/*
 * sig lists the argument types, one letter each:
 *   d  a domain: name, id or UUID (string or int); first argument only.
 *      It is looked up through the server's lookup hook before the
 *      handler runs; not found is fault 3 with the identifier as message.
 *   s  string      i  int      b  bool (or int 0/1)
 *   l  array (an SXP)          x  anything, nil included
 * Letters after '|' are optional; a nil sent for one counts as absent.
 * A wrong count or type is fault 2: "METHOD: expected N arguments".
 */
struct rpc_method {
	const char *name;
	const char *sig;
	int (*fn)(struct rpc_call *c);
	const char *help;		/* system.methodHelp */
};

struct rpc_call {
	const char *method;
	/* One slot per signature letter; NULL for an absent optional one. */
	struct xv **args;
	size_t nargs;
	void *dom;			/* 'd': what the lookup hook returned */
	uid_t uid;			/* the peer (SO_PEERCRED) */
	pid_t pid;
	void *opaque;			/* rpc_server_new's opaque (the daemon) */
};

/* Typed argument access for checked arguments; def for absent ones. */
const char *rpc_arg_str(const struct rpc_call *c, size_t i);
int64_t rpc_arg_int(const struct rpc_call *c, size_t i, int64_t def);
bool rpc_arg_bool(const struct rpc_call *c, size_t i, bool def);

/* Answers: exactly one per call, now or (after RPC_DEFERRED) later. Both
 * free the call; the reply is dropped if the client went away meanwhile.
 * rpc_reply takes ownership of result (NULL sends nil). */
void rpc_reply(struct rpc_call *c, struct xv *result);
void rpc_fault(struct rpc_call *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Convenience for handlers: fault and return RPC_DONE. */
int rpc_fail(struct rpc_call *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* True once the client has gone (a deferred answer is then wasted). */
bool rpc_call_gone(const struct rpc_call *c);
/* A deferred call that waits for something to happen or a timeout (a
 * long poll, xend.events): its time is left out of the latency
 * histogram (rpc_stats), its count is not. */
void rpc_call_long_poll(struct rpc_call *c);

/* A method called from inside xend (the web page's actions,
 * http/web-actions.c): the same table, checks, lookup and handler as a
 * call on the socket, answered to done instead: result (borrowed; nil
 * for none) or a fault's code and message. done runs exactly once, now
 * or later (a deferred handler). */
typedef void (*rpc_done_fn)(void *arg, const struct xv *result, int fault,
    const char *msg);
void rpc_server_call(struct rpc_server *srv, const char *method,
    const struct xv *params, uid_t uid, rpc_done_fn done, void *arg);

/* The domain lookup hook ('d' arguments): returns the domain for id, or
 * NULL when there is none. The pointer is borrowed for the handler's
 * synchronous part; a deferring handler keeps its own reference. */
typedef void *(*rpc_lookup_fn)(void *arg, const char *id);

/* The table is borrowed and must outlive the server. system.listMethods
 * and system.methodHelp are built in. */
struct rpc_server *rpc_server_new(struct event_base *base,
    const struct rpc_method *table, size_t n, void *opaque);
void rpc_server_set_lookup(struct rpc_server *srv, rpc_lookup_fn fn, void *arg);
/* Peers allowed besides root (the uid that started an unprivileged test
 * xend); (uid_t)-1 for none. */
void rpc_server_allow_uid(struct rpc_server *srv, uid_t uid);

/* Listens on a UNIX socket at path: its directory is created mode 0700, a
 * stale socket is removed (a live one, answering connect, is refused) and
 * the socket is made mode 0600. */
int rpc_server_listen_unix(struct rpc_server *srv, const char *path,
    struct xu_err *err);
/* Closes every connection, removes the socket (unless kept, below);
 * pending deferred calls become "gone" and are freed when answered. */
void rpc_server_free(struct rpc_server *srv);
/* Leaves the socket's file behind when the server is freed: connects
 * are refused, which tells xm an xend is expected back (xm(1)). */
void rpc_server_keep_socket(struct rpc_server *srv);

/* What the server has answered, for /metrics (http/metrics.c): a
 * latency histogram over every call (arrival to answer, a deferred
 * answer included, a long poll's not; buckets[i] counts calls of at most
 * rpc_latency_bounds[i] seconds and more than the bound before it), and
 * per method the calls answered and how many of them with a fault. */
#define RPC_LATENCY_BUCKETS	10
extern const double rpc_latency_bounds[RPC_LATENCY_BUCKETS];
struct rpc_stats {
	uint64_t buckets[RPC_LATENCY_BUCKETS];
	uint64_t count;		/* every call, slower than the last bound too */
	double sum;		/* seconds */
};
struct rpc_method_count {
	uint64_t calls, faults;
};
/* Requests that named no method of the table, or none readable. */
#define RPC_UNKNOWN_METHOD	"(unknown)"

const struct rpc_stats *rpc_server_stats(const struct rpc_server *srv);
/* fn for each method (builtins, the table, then RPC_UNKNOWN_METHOD). */
void rpc_server_each_method(const struct rpc_server *srv,
    void (*fn)(void *arg, const char *name, const struct rpc_method_count *n),
    void *arg);

#define RPC_PATH		"/RPC2"
#define RPC_SOCKET_NAME		"xmlrpc.sock"
#define RPC_IDLE_TIMEOUT	60	/* seconds a connection may sit idle */
#define RPC_MAX_HEADERS		(64u << 10)

#endif
