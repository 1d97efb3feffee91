/* rpc-server.c: XML-RPC over HTTP/1.1 on xend's UNIX socket (libevent's
 * evhttp): the transport checks (path, method, size, peer credentials),
 * then the method table: signature, domain lookup, handler, answer. */
#include "rpc-server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "loopwatch.h"
#include "xmlrpc.h"

/* A call in flight: the public part handlers see, and the request it
 * answers. req goes NULL when the client disconnects first. */
struct call {
	struct rpc_call pub;
	struct rpc_server *srv;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	char *method;
	struct xv *params;
	bool in_handler;	/* answered calls are freed after the handler */
	bool answered;
	bool pending;		/* deferred: on srv->pending */
	bool faulted;
	ssize_t slot;		/* the method's counters; -1: none known */
	bool waits;		/* a long poll: no latency counted */
	struct timespec t0;	/* when the request arrived */
	struct call *prev, *next;
	/* a call made from inside xend (rpc_server_call): answered to done */
	rpc_done_fn done;
	void *done_arg;
};

struct rpc_server {
	struct event_base *base;
	struct evhttp *http;
	const struct rpc_method *table;
	size_t ntable;
	void *opaque;
	rpc_lookup_fn lookup;
	void *lookup_arg;
	uid_t allow_uid;
	char *path;		/* the socket, removed on free */
	struct call *pending;
	struct rpc_stats stats;
	struct rpc_method_count *counts;	/* builtins, table, unknown */
};

static int builtin_list_methods(struct rpc_call *c);
static int builtin_method_help(struct rpc_call *c);

static const struct rpc_method builtins[] = {
	{ "system.listMethods", "", builtin_list_methods,
	    "The names of every method this server answers." },
	{ "system.methodHelp", "s", builtin_method_help,
	    "A line of help on one method." },
};
#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

const double rpc_latency_bounds[RPC_LATENCY_BUCKETS] = {
	0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120,
};

/* Counters. */

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* One answered call: its method's counts and the latency histogram. */
static void
count_call(struct call *c)
{
	struct rpc_server *srv = c->srv;
	struct rpc_method_count *m;
	double secs = since(&c->t0);
	size_t i;

	if (srv == NULL)
		return;
	m = &srv->counts[c->slot >= 0 ? (size_t)c->slot :
	    NBUILTINS + srv->ntable];
	m->calls++;
	if (c->faulted)
		m->faults++;
	if (c->waits)
		return;
	srv->stats.count++;
	srv->stats.sum += secs;
	for (i = 0; i < RPC_LATENCY_BUCKETS; i++)
		if (secs <= rpc_latency_bounds[i]) {
			srv->stats.buckets[i]++;
			break;
		}
}

const struct rpc_stats *
rpc_server_stats(const struct rpc_server *srv)
{
	return &srv->stats;
}

void
rpc_server_each_method(const struct rpc_server *srv,
    void (*fn)(void *arg, const char *name, const struct rpc_method_count *n),
    void *arg)
{
	size_t i;

	for (i = 0; i < NBUILTINS; i++)
		fn(arg, builtins[i].name, &srv->counts[i]);
	for (i = 0; i < srv->ntable; i++)
		fn(arg, srv->table[i].name, &srv->counts[NBUILTINS + i]);
	fn(arg, RPC_UNKNOWN_METHOD, &srv->counts[NBUILTINS + srv->ntable]);
}

/* Arguments. */

const char *
rpc_arg_str(const struct rpc_call *c, size_t i)
{
	return i < c->nargs ? xv_string(c->args[i]) : NULL;
}

int64_t
rpc_arg_int(const struct rpc_call *c, size_t i, int64_t def)
{
	const struct xv *v = i < c->nargs ? c->args[i] : NULL;

	if (v == NULL)
		return def;
	if (v->type == XV_INT)
		return v->u.i;
	if (v->type == XV_BOOL)
		return v->u.b;
	return def;
}

bool
rpc_arg_bool(const struct rpc_call *c, size_t i, bool def)
{
	const struct xv *v = i < c->nargs ? c->args[i] : NULL;

	if (v == NULL)
		return def;
	if (v->type == XV_BOOL)
		return v->u.b;
	if (v->type == XV_INT)
		return v->u.i != 0;
	return def;
}

/* Answers. */

static void
call_free(struct call *c)
{
	struct rpc_server *srv = c->srv;

	if (c->pending && srv != NULL) {
		if (c->prev)
			c->prev->next = c->next;
		else
			srv->pending = c->next;
		if (c->next)
			c->next->prev = c->prev;
	}
	if (c->pending && c->evcon != NULL)
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
	free(c->pub.args);
	free(c->method);
	xv_free(c->params);
	free(c);
}

static void
send_xml(struct call *c, char *xml)
{
	struct evhttp_request *req = c->req;

	if (req == NULL) {
		free(xml);
		return;
	}
	/* the connection may be freed by the reply (Connection: close) */
	if (c->pending && c->evcon != NULL)
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
	c->req = NULL;
	c->evcon = NULL;
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/xml");
	evbuffer_add(evhttp_request_get_output_buffer(req), xml, strlen(xml));
	free(xml);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
answer(struct call *c, char *xml)
{
	if (c->answered) {
		log_error("%s answered twice", c->method ? c->method : "request");
		free(xml);
		return;
	}
	c->answered = true;
	count_call(c);
	send_xml(c, xml);
	if (!c->in_handler)
		call_free(c);
}

/* An internal call's answer, to its done function instead of a socket. */
static void
answer_internal(struct call *c, const struct xv *result, int code,
    const char *msg)
{
	if (c->answered) {
		log_error("%s answered twice", c->method);
		return;
	}
	c->answered = true;
	count_call(c);
	c->done(c->done_arg, result, code, msg);
	if (!c->in_handler)
		call_free(c);
}

void
rpc_reply(struct rpc_call *pub, struct xv *result)
{
	struct call *c = (struct call *)pub;

	if (result == NULL)
		result = xv_nil();
	if (c->done != NULL)
		answer_internal(c, result, 0, NULL);
	else
		answer(c, xmlrpc_encode_response(result));
	xv_free(result);
}

static void
vfault(struct call *c, int code, const char *fmt, va_list ap)
{
	char *msg = xu_vasprintf(fmt, ap);

	log_info("%s: fault %d: %s", c->method ? c->method : "request", code, msg);
	c->faulted = true;
	if (c->done != NULL)
		answer_internal(c, NULL, code, msg);
	else
		answer(c, xmlrpc_encode_fault(code, msg));
	free(msg);
}

void
rpc_fault(struct rpc_call *pub, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfault((struct call *)pub, code, fmt, ap);
	va_end(ap);
}

int
rpc_fail(struct rpc_call *pub, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfault((struct call *)pub, code, fmt, ap);
	va_end(ap);
	return RPC_DONE;
}

void
rpc_call_long_poll(struct rpc_call *pub)
{
	((struct call *)pub)->waits = true;
}

bool
rpc_call_gone(const struct rpc_call *pub)
{
	const struct call *c = (const struct call *)pub;

	return c->done == NULL && c->req == NULL;
}

/* The method table. */

static const struct rpc_method *
find_method(const struct rpc_server *srv, const char *name)
{
	size_t i;

	for (i = 0; i < NBUILTINS; i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	for (i = 0; i < srv->ntable; i++)
		if (strcmp(srv->table[i].name, name) == 0)
			return &srv->table[i];
	return NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
builtin_list_methods(struct rpc_call *pub)
{
	struct rpc_server *srv = ((struct call *)pub)->srv;
	size_t n = NBUILTINS + srv->ntable, i;
	const char **names = xu_calloc(n, sizeof(*names));
	struct xv *list = xv_list();

	for (i = 0; i < NBUILTINS; i++)
		names[i] = builtins[i].name;
	for (i = 0; i < srv->ntable; i++)
		names[NBUILTINS + i] = srv->table[i].name;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++)
		xv_append(list, xv_str(names[i]));
	free(names);
	rpc_reply(pub, list);
	return RPC_DONE;
}

static int
builtin_method_help(struct rpc_call *pub)
{
	struct rpc_server *srv = ((struct call *)pub)->srv;
	const struct rpc_method *m = find_method(srv, rpc_arg_str(pub, 0));

	if (m == NULL)
		return rpc_fail(pub, XMLRPC_FAULT_GENERIC, "no such method: %s",
		    rpc_arg_str(pub, 0));
	rpc_reply(pub, xv_str(m->help ? m->help : ""));
	return RPC_DONE;
}

static const char *
type_name(const struct xv *v)
{
	static const char *const names[] = {
		[XV_NIL] = "nil", [XV_BOOL] = "bool", [XV_INT] = "int",
		[XV_DOUBLE] = "double", [XV_STRING] = "string",
		[XV_LIST] = "array", [XV_STRUCT] = "struct",
	};

	return names[v->type];
}

static bool
type_ok(char want, const struct xv *v)
{
	switch (want) {
	case 'd':
		return v->type == XV_STRING || v->type == XV_INT;
	case 's':
		return v->type == XV_STRING;
	case 'i':
		return v->type == XV_INT;
	case 'b':
		return v->type == XV_BOOL ||
		    (v->type == XV_INT && (v->u.i == 0 || v->u.i == 1));
	case 'l':
		return v->type == XV_LIST;
	default:
		return true;
	}
}

static const char *
want_name(char want)
{
	switch (want) {
	case 'd':
		return "a domain name, id or UUID";
	case 's':
		return "a string";
	case 'i':
		return "an int";
	case 'b':
		return "a bool";
	case 'l':
		return "an array";
	default:
		return "a value";
	}
}

/* Fills c->pub.args from the params per sig; false after a fault. */
static bool
check_args(struct call *c, const char *sig)
{
	size_t nreq = strcspn(sig, "|"), nall = strlen(sig), n, i, slot;
	struct xv *v;

	if (nreq < nall)
		nall--;
	n = xv_len(c->params);
	if (n < nreq || n > nall) {
		if (nreq == nall)
			rpc_fault(&c->pub, XMLRPC_FAULT_GENERIC,
			    "%s: expected %zu argument%s", c->method, nreq,
			    nreq == 1 ? "" : "s");
		else
			rpc_fault(&c->pub, XMLRPC_FAULT_GENERIC,
			    "%s: expected %zu to %zu arguments", c->method,
			    nreq, nall);
		return false;
	}
	c->pub.args = xu_calloc(nall ? nall : 1, sizeof(*c->pub.args));
	c->pub.nargs = nall;
	for (i = 0, slot = 0; sig[i] != '\0'; i++) {
		if (sig[i] == '|')
			continue;
		v = slot < n ? xv_at(c->params, slot) : NULL;
		if (v != NULL && v->type == XV_NIL && slot >= nreq)
			v = NULL;	/* xm sends nil for "not given" */
		if (v != NULL && !type_ok(sig[i], v)) {
			rpc_fault(&c->pub, XMLRPC_FAULT_GENERIC,
			    "%s: argument %zu must be %s, not %s", c->method,
			    slot + 1, want_name(sig[i]), type_name(v));
			return false;
		}
		c->pub.args[slot++] = v;
	}
	return true;
}

/* The 'd' argument's text, as the lookup hook and fault 3 want it. */
static char *
domain_id_text(const struct xv *v)
{
	if (v->type == XV_INT)
		return xu_asprintf("%lld", (long long)v->u.i);
	return xu_strdup(xv_string(v));
}

static bool
lookup_domain(struct call *c, const char *sig)
{
	struct rpc_server *srv = c->srv;
	char *id;

	if (sig[0] != 'd' || c->pub.nargs == 0 || c->pub.args[0] == NULL)
		return true;
	id = domain_id_text(c->pub.args[0]);
	c->pub.dom = srv->lookup ? srv->lookup(srv->lookup_arg, id) : NULL;
	if (c->pub.dom != NULL) {
		free(id);
		return true;
	}
	rpc_fault(&c->pub, XMLRPC_FAULT_INVALID_DOMAIN, "%s", id);	/* frees c */
	free(id);
	return false;
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct call *c = arg;

	c->req = NULL;
	c->evcon = NULL;
}

static void
dispatch(struct call *c)
{
	const struct rpc_method *m = find_method(c->srv, c->method);
	double t0, held;
	int st;

	if (m == NULL) {
		rpc_fault(&c->pub, XMLRPC_FAULT_INTERNAL,
		    "Method not found: %s", c->method);
		return;
	}
	c->slot = m >= builtins && m < builtins + NBUILTINS ? m - builtins :
	    (ssize_t)NBUILTINS + (m - c->srv->table);
	if (!check_args(c, m->sig) || !lookup_domain(c, m->sig))
		return;
	c->in_handler = true;
	loopwatch_note("%s from pid %d", c->method, (int)c->pub.pid);
	t0 = loopwatch_now_ms();
	st = m->fn(&c->pub);
	held = loopwatch_now_ms() - t0;
	if (held > LOOPWATCH_STALL_MS)
		log_warn("%s (from pid %d) held xend's loop for %.0f ms", c->method,
		    (int)c->pub.pid, held);
	c->in_handler = false;
	if (c->answered) {
		if (st == RPC_DEFERRED)
			log_error("%s answered and deferred", c->method);
		call_free(c);
		return;
	}
	if (st != RPC_DEFERRED) {
		rpc_fault(&c->pub, XMLRPC_FAULT_INTERNAL,
		    "internal error: %s gave no answer", c->method);
		return;
	}
	/* answered later; learn if the client leaves meanwhile (evhttp
	 * reads at most one request ahead per connection) */
	c->pending = true;
	c->next = c->srv->pending;
	if (c->next)
		c->next->prev = c;
	c->srv->pending = c;
	if (c->evcon != NULL)
		evhttp_connection_set_closecb(c->evcon, conn_closed, c);
}

/* Transport. */

static bool
peer_of(struct evhttp_request *req, struct ucred *uc)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	socklen_t len = sizeof(*uc);
	evutil_socket_t fd;

	if (evcon == NULL || (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return false;
	fd = bufferevent_getfd(bev);
	return fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len) == 0;
}

static void
send_status(struct evhttp_request *req, int code, const char *reason)
{
	evhttp_send_error(req, code, reason);
}

static void
handle_request(struct evhttp_request *req, void *arg)
{
	struct rpc_server *srv = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct evbuffer *in;
	struct ucred uc;
	struct xu_err err = { 0 };
	struct call *c;
	size_t len;
	char *body;

	if (path == NULL || strcmp(path, RPC_PATH) != 0) {
		send_status(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "POST");
		send_status(req, HTTP_BADMETHOD, NULL);
		return;
	}

	c = xu_calloc(1, sizeof(*c));
	c->srv = srv;
	c->req = req;
	c->evcon = evhttp_request_get_connection(req);
	c->pub.opaque = srv->opaque;
	c->pub.uid = (uid_t)-1;
	c->pub.pid = -1;
	c->slot = -1;
	clock_gettime(CLOCK_MONOTONIC, &c->t0);

	if (!peer_of(req, &uc)) {
		rpc_fault(&c->pub, XMLRPC_FAULT_GENERIC,
		    "xend: permission denied: cannot identify the caller");
		return;
	}
	c->pub.uid = uc.uid;
	c->pub.pid = uc.pid;
	if (uc.uid != 0 && uc.uid != srv->allow_uid) {
		log_warn("refused a request from uid %u (pid %d)",
		    (unsigned)uc.uid, (int)uc.pid);
		rpc_fault(&c->pub, XMLRPC_FAULT_GENERIC,
		    "xend: permission denied: only root may use xend (uid %u)",
		    (unsigned)uc.uid);
		return;
	}

	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	body = (char *)evbuffer_pullup(in, -1);
	if (xmlrpc_decode_call(body ? body : "", len, &c->method, &c->params,
	    &err) != XU_OK) {
		rpc_fault(&c->pub, XMLRPC_FAULT_INTERNAL,
		    "malformed XML-RPC request: %s", err.msg);
		return;
	}
	c->pub.method = c->method;
	log_debug("%s from uid %u (pid %d)", c->method, (unsigned)uc.uid,
	    (int)uc.pid);
	dispatch(c);
}

void
rpc_server_call(struct rpc_server *srv, const char *method,
    const struct xv *params, uid_t uid, rpc_done_fn done, void *arg)
{
	struct call *c = xu_calloc(1, sizeof(*c));

	c->srv = srv;
	c->done = done;
	c->done_arg = arg;
	c->pub.opaque = srv->opaque;
	c->pub.uid = uid;
	c->pub.pid = -1;
	c->slot = -1;
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->method = xu_strdup(method);
	c->pub.method = c->method;
	c->params = xv_copy(params);
	log_debug("%s from xend (uid %u)", c->method, (unsigned)uid);
	dispatch(c);
}

struct rpc_server *
rpc_server_new(struct event_base *base, const struct rpc_method *table,
    size_t n, void *opaque)
{
	struct rpc_server *srv = xu_calloc(1, sizeof(*srv));

	srv->base = base;
	srv->table = table;
	srv->ntable = n;
	srv->opaque = opaque;
	srv->allow_uid = (uid_t)-1;
	srv->counts = xu_calloc(NBUILTINS + n + 1, sizeof(*srv->counts));
	srv->http = evhttp_new(base);
	if (srv->http == NULL) {
		free(srv->counts);
		free(srv);
		return NULL;
	}
	evhttp_set_max_body_size(srv->http, XMLRPC_MAX_BODY);
	evhttp_set_max_headers_size(srv->http, RPC_MAX_HEADERS);
	evhttp_set_timeout(srv->http, RPC_IDLE_TIMEOUT);
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(srv->http, handle_request, srv);
	return srv;
}

void
rpc_server_set_lookup(struct rpc_server *srv, rpc_lookup_fn fn, void *arg)
{
	srv->lookup = fn;
	srv->lookup_arg = arg;
}

void
rpc_server_allow_uid(struct rpc_server *srv, uid_t uid)
{
	srv->allow_uid = uid;
}

int
rpc_server_listen_unix(struct rpc_server *srv, const char *path,
    struct xu_err *err)
{
	int fd;

	if ((fd = xu_unix_listen(path, 64, err)) < 0)
		return err->rc;
	if (evhttp_accept_socket_with_handle(srv->http, fd) == NULL) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot serve %s", path);
		close(fd);
		unlink(path);
		return XU_ERR_IO;
	}
	free(srv->path);
	srv->path = xu_strdup(path);
	return XU_OK;
}

void
rpc_server_keep_socket(struct rpc_server *srv)
{
	free(srv->path);
	srv->path = NULL;
}

void
rpc_server_free(struct rpc_server *srv)
{
	struct call *c, *next;

	if (srv == NULL)
		return;
	/* freeing evhttp closes connections: their calls become gone */
	evhttp_free(srv->http);
	for (c = srv->pending; c != NULL; c = next) {
		next = c->next;
		c->srv = NULL;
		c->pending = false;
		c->req = NULL;
		c->evcon = NULL;
	}
	if (srv->path != NULL)
		unlink(srv->path);
	free(srv->path);
	free(srv->counts);
	free(srv);
}
