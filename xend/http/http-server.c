/* http-server.c: xend's HTTP server: the address checked (loopback
 * only), the listener, evhttp's limits, a cap on open connections and on
 * streams, and the table of routes every request is dispatched by. */
#include "http-server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "web.h"
#include "xend-options.h"

/* The page and its API (web*.c, docs/WEB.md), and /metrics. */
static const struct http_route routes[] = {
	{ "/metrics", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, 0, metrics_route,
	    "Prometheus' text exposition (docs/METRICS.md)" },
	{ "/", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, HTTP_ROUTE_WEB,
	    web_page_route, "the page" },
	{ "/app.js", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, HTTP_ROUTE_WEB,
	    web_page_route, "the page's script" },
	{ "/app.css", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, HTTP_ROUTE_WEB,
	    web_page_route, "the page's style" },
	{ "/xterm/", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD,
	    HTTP_ROUTE_WEB | HTTP_ROUTE_PREFIX, web_xterm_route,
	    "xterm.js's modules, from Debian's node-xterm" },
	{ "/api/session", EVHTTP_REQ_GET, HTTP_ROUTE_WEB, web_session_route,
	    "who is logged in, and the session's CSRF token" },
	{ "/api/login", EVHTTP_REQ_POST, HTTP_ROUTE_WEB, web_login_route,
	    "log in: user and password against xend-http-password-file" },
	{ "/api/logout", EVHTTP_REQ_POST, HTTP_ROUTE_WEB, web_logout_route,
	    "log out" },
	{ "/api/action", EVHTTP_REQ_POST, HTTP_ROUTE_WEB, web_action_route,
	    "a domain action (the XML-RPC method's handler)" },
	{ "/events", EVHTTP_REQ_GET, HTTP_ROUTE_WEB, web_events_route,
	    "the live domain list: Server-Sent Events" },
	{ "/console", EVHTTP_REQ_GET, HTTP_ROUTE_WEB, web_console_route,
	    "a domain's serial console, out: Server-Sent Events" },
	{ "/console/input", EVHTTP_REQ_POST, HTTP_ROUTE_WEB,
	    web_console_input_route, "a domain's serial console, in" },
	{ "/novnc/", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD,
	    HTTP_ROUTE_WEB | HTTP_ROUTE_PREFIX, web_novnc_route,
	    "noVNC's modules, from Debian's novnc" },
	{ "/vnc", EVHTTP_REQ_GET, HTTP_ROUTE_WEB, web_vnc_route,
	    "a domain's VNC screen: a WebSocket relayed to its display" },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* A connection, from its adoption to its close: counted, and the stream
 * (a reply that stays open) it may carry told of its end. */
struct http_conn {
	struct tally *tally;
	struct evhttp_connection *evcon;
	struct evhttp_request *req;	/* watched (http_watch); or NULL */
	bool stream;
	bool sse;			/* a stream of Server-Sent Events */
	struct event *end_ev;		/* http_stream_end's; or NULL */
	void (*closed)(void *arg);
	void *arg;
	/* upgraded (http_upgrade): the protocol's, and evhttp's own */
	void (*readable)(void *arg);
	bufferevent_data_cb evhttp_write;
	bufferevent_event_cb evhttp_event;
	void *evhttp_arg;
	LIST_ENTRY(http_conn) link;
};

/* The count of open connections outlives the server while a connection
 * still waits to be adopted (conn_adopt, on the loop's next turn). */
struct tally {
	unsigned open;
	unsigned streams;
	unsigned refs;			/* the server's and each connection's */
	struct http_server *srv;	/* NULL once the server is freed */
	LIST_HEAD(, http_conn) conns;	/* adopted ones */
};

struct http_server {
	struct xend *x;
	struct evhttp *http;
	struct evconnlistener *listener;	/* evhttp's, paused at the cap */
	struct tally *tally;
	struct event *keepalive;	/* every HTTP_STREAM_KEEPALIVE s */
};

static void
tally_drop(struct tally *t)
{
	if (--t->refs == 0)
		free(t);
}

/* ---- connections: counted, the listener paused at the cap ---------------- */

/* libevent 2.1 has no connection limit, and tells of a connection's end
 * only through its close callback, on the connection evhttp makes after
 * asking us for its bufferevent (conn_new). So each new one is adopted
 * from the loop just after: its connection found from the bufferevent's
 * callback argument (evhttp's), the close callback set. */
struct adopt {
	struct tally *tally;
	struct bufferevent *bev;	/* a reference held until adopted */
	struct event *ev;
};

static void
count_down(struct tally *t)
{
	t->open--;
	if (t->srv != NULL && t->open == HTTP_MAX_CONNECTIONS - 1)
		evconnlistener_enable(t->srv->listener);
	tally_drop(t);
}

/* A stream's request outlives a connection the client closed (evhttp
 * leaves it to its owner, with no connection): freed here, once the
 * route is told. */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn *c = arg;
	struct tally *t = c->tally;

	evhttp_connection_set_closecb(evcon, NULL, NULL);
	LIST_REMOVE(c, link);
	if (c->req != NULL) {
		if (c->stream)
			t->streams--;
		c->closed(c->arg);
		if (evhttp_request_get_connection(c->req) == NULL)
			evhttp_send_reply_end(c->req);
	}
	if (c->end_ev != NULL)
		event_free(c->end_ev);
	free(c);
	count_down(t);
}

static void
conn_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct adopt *a = arg;
	bufferevent_event_cb eventcb = NULL;
	void *evcon = NULL;
	struct http_conn *c;

	(void)fd;
	(void)what;
	/* evhttp's event callback is set for the connection's life and
	 * cleared when it frees the bufferevent */
	bufferevent_getcb(a->bev, NULL, NULL, &eventcb, &evcon);
	if (eventcb != NULL && evcon != NULL) {
		c = xu_calloc(1, sizeof(*c));
		c->tally = a->tally;
		c->evcon = evcon;
		LIST_INSERT_HEAD(&a->tally->conns, c, link);
		evhttp_connection_set_closecb(evcon, conn_closed, c);
	} else
		count_down(a->tally);
	bufferevent_decref(a->bev);
	event_free(a->ev);
	free(a);
}

static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct http_server *s = arg;
	struct adopt *a = xu_calloc(1, sizeof(*a));

	a->tally = s->tally;
	a->ev = event_new(base, -1, 0, conn_adopt, a);
	a->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (a->ev == NULL || a->bev == NULL) {
		if (a->bev != NULL)
			bufferevent_free(a->bev);
		if (a->ev != NULL)
			event_free(a->ev);
		free(a);
		return NULL;	/* evhttp makes its own */
	}
	bufferevent_incref(a->bev);
	event_active(a->ev, EV_TIMEOUT, 0);
	s->tally->refs++;
	if (++s->tally->open == HTTP_MAX_CONNECTIONS) {
		log_warn("HTTP server: %u connections open: no more are "
		    "accepted until one closes", HTTP_MAX_CONNECTIONS);
		evconnlistener_disable(s->listener);
	}
	return a->bev;
}

unsigned
http_server_connections(const struct http_server *s)
{
	return s != NULL ? s->tally->open : 0;
}

unsigned
http_server_streams(const struct http_server *s)
{
	return s != NULL ? s->tally->streams : 0;
}

/* ---- streams ---------------------------------------------------------------- */

static struct http_conn *
conn_of(struct http_server *s, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct http_conn *c;

	LIST_FOREACH(c, &s->tally->conns, link)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

bool
http_watch(struct http_server *s, struct evhttp_request *req,
    void (*closed)(void *arg), void *arg)
{
	struct http_conn *c = conn_of(s, req);

	if (c == NULL || c->req != NULL)
		return false;
	c->req = req;
	c->closed = closed;
	c->arg = arg;
	return true;
}

void
http_unwatch(struct http_server *s, struct evhttp_request *req)
{
	struct http_conn *c = conn_of(s, req);

	if (c != NULL && c->req == req && !c->stream)
		c->req = NULL;
}

/* req's connection becomes a stream, or 503 is sent (NULL). */
static struct http_conn *
claim_stream(struct http_server *s, struct evhttp_request *req,
    void (*closed)(void *arg), void *arg)
{
	struct http_conn *c = conn_of(s, req);

	if (c == NULL || c->req != NULL ||
	    s->tally->streams >= HTTP_MAX_STREAMS) {
		log_warn("HTTP server: %u streams open (live lists, consoles "
		    "and screens): one more is refused", s->tally->streams);
		evhttp_send_error(req, HTTP_SERVUNAVAIL, "Too many streams");
		return NULL;
	}
	c->req = req;
	c->stream = true;
	c->closed = closed;
	c->arg = arg;
	s->tally->streams++;
	return c;
}

bool
http_stream_start(struct http_server *s, struct evhttp_request *req,
    const char *content_type, void (*closed)(void *arg), void *arg)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct timeval wr = { HTTP_STREAM_WRITE_TIMEOUT, 0 };
	struct http_conn *c;

	if ((c = claim_stream(s, req, closed, arg)) == NULL)
		return false;
	c->sse = strcmp(content_type, "text/event-stream") == 0;
	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	/* a stream waits for nothing from its client: no read timeout; a
	 * client that reads nothing of what is queued for it is dropped */
	bufferevent_set_timeouts(evhttp_connection_get_bufferevent(evcon), NULL,
	    &wr);
	return true;
}

/* ---- upgraded connections ---------------------------------------------------- */

/* Once a connection speaks another protocol, its bufferevent's callbacks
 * are these: the read callback, which evhttp leaves unset while it
 * writes a reply (it only watches for the close), goes to the protocol;
 * the write and event callbacks stay evhttp's, so a close or an error
 * ends the connection as any stream's (conn_closed). */
static void
upgraded_read(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;

	(void)bev;
	c->readable(c->arg);
}

static void
upgraded_write(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;

	if (c->evhttp_write != NULL)
		c->evhttp_write(bev, c->evhttp_arg);
}

static void
upgraded_event(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *c = arg;

	/* may free c (conn_closed) */
	if (c->evhttp_event != NULL)
		c->evhttp_event(bev, what, c->evhttp_arg);
}

struct bufferevent *
http_upgrade(struct http_server *s, struct evhttp_request *req,
    void (*readable)(void *arg), void (*closed)(void *arg), void *arg)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct timeval wr = { HTTP_STREAM_WRITE_TIMEOUT, 0 };
	struct http_conn *c;
	struct bufferevent *bev;

	if ((c = claim_stream(s, req, closed, arg)) == NULL)
		return NULL;
	c->readable = readable;
	/* a 1xx reply has no body: evhttp sends the headers alone, and
	 * leaves the connection to us until it is freed */
	evhttp_send_reply_start(req, 101, "Switching Protocols");
	bev = evhttp_connection_get_bufferevent(evcon);
	bufferevent_getcb(bev, NULL, &c->evhttp_write, &c->evhttp_event,
	    &c->evhttp_arg);
	bufferevent_setcb(bev, upgraded_read, upgraded_write, upgraded_event,
	    c);
	bufferevent_set_timeouts(bev, NULL, &wr);
	/* what the client sends waits in the input until the protocol
	 * takes it: past this, xend stops reading the socket */
	bufferevent_setwatermark(bev, EV_READ, 0, HTTP_UPGRADE_MAX_READ);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	return bev;
}

size_t
http_stream_queued(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);

	if (evcon == NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(
	    evhttp_connection_get_bufferevent(evcon)));
}

bool
http_stream_send(struct evhttp_request *req, struct evbuffer *data)
{
	if (http_stream_queued(req) + evbuffer_get_length(data) >
	    HTTP_STREAM_MAX_QUEUED) {
		log_warn("HTTP server: a stream's client reads too slowly "
		    "(%zu bytes queued): dropped", http_stream_queued(req));
		http_stream_drop(req);
		return false;
	}
	evhttp_send_reply_chunk(req, data);
	return true;
}

void
http_stream_drop(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);

	/* its close callback tells the stream's owner */
	if (evcon != NULL)
		evhttp_connection_free(evcon);
}

/* Once what is queued for the client has left (the write timeout drops
 * a client that does not read it), the connection is closed. */
static void
stream_end_due(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;
	struct timeval tv = { 0, 50000 };

	(void)fd;
	(void)what;
	if (http_stream_queued(c->req) > 0)
		evtimer_add(c->end_ev, &tv);
	else
		http_stream_drop(c->req);	/* frees c and its end_ev */
}

void
http_stream_end(struct http_server *s, struct evhttp_request *req)
{
	struct http_conn *c = conn_of(s, req);

	if (c == NULL || !c->stream || c->end_ev != NULL)
		return;
	c->end_ev = evtimer_new(s->x->base, stream_end_due, c);
	event_active(c->end_ev, EV_TIMEOUT, 0);
}

/* A comment on every idle stream of Server-Sent Events: the browser
 * ignores it, and a client gone without a word (a tunnel that died) is
 * found by the write timeout or the write's error. */
static void
keepalive_due(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *s = arg;
	struct http_conn *c, *next;
	struct evbuffer *b;

	(void)fd;
	(void)what;
	for (c = LIST_FIRST(&s->tally->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, link);
		if (!c->sse || c->end_ev != NULL ||
		    evhttp_request_get_connection(c->req) == NULL)
			continue;
		b = evbuffer_new();
		evbuffer_add_printf(b, ": keepalive\n\n");
		(void)http_stream_send(c->req, b);	/* may free c */
		evbuffer_free(b);
	}
}

/* ---- requests ------------------------------------------------------------- */

static bool
route_matches(const struct http_route *r, const char *path)
{
	if (r->flags & HTTP_ROUTE_PREFIX)
		return strncmp(path, r->path, strlen(r->path)) == 0;
	return strcmp(path, r->path) == 0;
}

static void
handle(struct evhttp_request *req, void *arg)
{
	struct http_server *s = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const struct http_route *r;
	size_t i;

	for (i = 0; path != NULL && i < NROUTES; i++) {
		r = &routes[i];
		if (!route_matches(r, path))
			continue;
		if ((evhttp_request_get_command(req) & r->methods) == 0) {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Allow", r->methods & EVHTTP_REQ_POST ? "POST" :
			    "GET, HEAD");
			evhttp_send_error(req, HTTP_BADMETHOD, NULL);
			return;
		}
		/* a name that is not ours (DNS rebinding) gets nothing */
		if ((r->flags & HTTP_ROUTE_WEB) && !web_host_ok(s->x, req)) {
			evhttp_send_error(req, HTTP_BADREQUEST, "Host is not a "
			    "loopback address");
			return;
		}
		r->fn(s->x, req);
		return;
	}
	evhttp_send_error(req, HTTP_NOTFOUND, NULL);
}

/* ---- the address ------------------------------------------------------------ */

static bool
is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const uint8_t *b = s6->sin6_addr.s6_addr;

	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr)
		    >> 24) == 127;
	if (sa->sa_family != AF_INET6)
		return false;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return true;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && b[12] == 127;
}

/* xend-address into ss (its default is 127.0.0.1; "localhost" is that
 * too); otherwise a
 * numeric address (names are not looked up: the loop never waits on
 * DNS). NULL, or why the address is not served. */
static const char *
listen_addr(const struct xend_options *o, int port,
    struct sockaddr_storage *ss, socklen_t *len, const char **addr)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char pbuf[16];
	bool loop;

	*addr = xend_opt_str(o, "xend-address");
	if (*addr == NULL || strcmp(*addr, "localhost") == 0)
		*addr = "127.0.0.1";
	if (**addr == '\0')
		return "'' means every interface";
	snprintf(pbuf, sizeof(pbuf), "%d", port);
	if (getaddrinfo(*addr, pbuf, &hints, &res) != 0 || res == NULL)
		return "not a numeric address (names are not looked up)";
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	loop = is_loopback(res->ai_addr);
	freeaddrinfo(res);
	return loop ? NULL : "not a loopback address";
}

/* ---- the server ------------------------------------------------------------- */

int
http_server_start(struct xend *x, struct http_server **out,
    struct xu_err *err)
{
	struct http_server *s;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	const char *why, *addr;
	int port = (int)xend_opt_int(x->opts, "xend-port"), e;

	*out = NULL;
	if (!xend_opt_bool(x->opts, "xend-http-server"))
		return XU_OK;
	if ((why = listen_addr(x->opts, port, &ss, &len, &addr)) != NULL) {
		log_error("xend-address '%s': %s: xend-http-server serves only "
		    "a loopback address (127.0.0.1, ::1) until TLS and "
		    "authentication are provided; the HTTP server is not "
		    "started", addr, why);
		return XU_OK;
	}
	s = xu_calloc(1, sizeof(*s));
	s->x = x;
	s->tally = xu_calloc(1, sizeof(*s->tally));
	s->tally->refs = 1;
	s->tally->srv = s;
	s->http = evhttp_new(x->base);
	s->listener = evconnlistener_new_bind(x->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    HTTP_LISTEN_BACKLOG, (struct sockaddr *)&ss, (int)len);
	e = errno;
	if (s->http == NULL || s->listener == NULL ||
	    evhttp_bind_listener(s->http, s->listener) == NULL) {
		xu_err_set(err, XU_ERR_IO, 0, "HTTP server: cannot listen on "
		    "%s port %d: %s", addr, port, strerror(e));
		if (s->listener != NULL)
			evconnlistener_free(s->listener);
		s->listener = NULL;
		http_server_free(s);
		return XU_ERR_IO;
	}
	evhttp_set_max_headers_size(s->http, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(s->http, HTTP_MAX_BODY);
	evhttp_set_timeout(s->http, HTTP_IDLE_TIMEOUT);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST);
	evhttp_set_bevcb(s->http, conn_new, s);
	evhttp_set_gencb(s->http, handle, s);
	{
		struct timeval ka = { HTTP_STREAM_KEEPALIVE, 0 };

		s->keepalive = event_new(x->base, -1, EV_PERSIST,
		    keepalive_due, s);
		evtimer_add(s->keepalive, &ka);
	}
	if (web_init(x, s, err) != XU_OK) {
		http_server_free(s);
		return err->rc;
	}
	log_info("HTTP server listening on %s port %d", addr, port);
	*out = s;
	return XU_OK;
}

void
http_server_free(struct http_server *s)
{
	if (s == NULL)
		return;
	/* evhttp frees its bound listener and closes every connection */
	s->tally->srv = NULL;
	if (s->keepalive != NULL)
		event_free(s->keepalive);
	if (s->http != NULL)
		evhttp_free(s->http);
	web_free(s->x);
	tally_drop(s->tally);
	free(s);
}
