/* http-server.h: xend's HTTP server (xend-http-server, xend-port,
 * xend-address): libevent's evhttp behind a table of routes, on a
 * loopback address only, with bounded requests and connections so that
 * nothing sent to it slows the XML-RPC socket. docs/METRICS.md. */
#ifndef XEND_HTTP_SERVER_H
#define XEND_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "xu.h"

struct bufferevent;
struct evbuffer;
struct evhttp_request;
struct http_server;
struct xend;

/* One route: a path, the methods it takes (EVHTTP_REQ_* bits; any other
 * gets 405 with Allow), its handler, which answers req (now or later,
 * from an event). Unknown paths get 404. */
enum {
	HTTP_ROUTE_PREFIX = 1,	/* path is a prefix, not the whole path */
	HTTP_ROUTE_WEB = 2,	/* the page's: Host must name loopback */
};
struct http_route {
	const char *path;
	unsigned methods;
	unsigned flags;
	void (*fn)(struct xend *x, struct evhttp_request *req);
	const char *what;
};

/* Starts the server when xend-http-server is yes; *out stays NULL when
 * it is off or when xend-address is not a loopback address (logged: one
 * error line naming the option, and nothing is served: TLS and
 * authentication are not provided yet). Fails only when the port cannot
 * be bound. */
int http_server_start(struct xend *x, struct http_server **out,
    struct xu_err *err);
void http_server_free(struct http_server *s);

/* Connections open now, and the most it keeps open at once; streams
 * open now. */
unsigned http_server_connections(const struct http_server *s);
unsigned http_server_streams(const struct http_server *s);

/* closed(arg) runs if req's connection ends before http_unwatch (req
 * is then gone: answer it no more). For a reply that waits (an action
 * answered later). False when the connection is not known. */
bool http_watch(struct http_server *s, struct evhttp_request *req,
    void (*closed)(void *arg), void *arg);
void http_unwatch(struct http_server *s, struct evhttp_request *req);

/* A stream: a reply that stays open (Server-Sent Events), sent a chunk
 * at a time. http_stream_start sends the headers and 200; closed(arg)
 * runs once when the connection ends, whichever side ends it (req is
 * then gone). False, with 503 sent, past HTTP_MAX_STREAMS. */
bool http_stream_start(struct http_server *s, struct evhttp_request *req,
    const char *content_type, void (*closed)(void *arg), void *arg);
/* Sends data (drained); a client with more than HTTP_STREAM_MAX_QUEUED
 * bytes unread is dropped instead (false; closed has run). */
bool http_stream_send(struct evhttp_request *req, struct evbuffer *data);
size_t http_stream_queued(struct evhttp_request *req);
/* Closes the stream's connection (closed runs); not from inside an
 * evhttp callback of the same connection. */
void http_stream_drop(struct evhttp_request *req);
/* The same, from the loop, once what was sent has left: after a last
 * event, or from inside a callback. */
void http_stream_end(struct http_server *s, struct evhttp_request *req);

/* Takes req's connection over for another protocol (a WebSocket): 101
 * with the headers the caller put in req's output headers, then the
 * connection's bufferevent is the caller's to read (readable(arg) when
 * the client sent data, at most HTTP_UPGRADE_MAX_READ bytes waiting)
 * and write (bufferevent_get_output: a client with unread data that
 * waited HTTP_STREAM_WRITE_TIMEOUT seconds is dropped). It counts as a
 * stream: closed(arg) runs once when it ends (http_stream_drop ends it).
 * NULL, with 503 sent, past HTTP_MAX_STREAMS. */
struct bufferevent *http_upgrade(struct http_server *s,
    struct evhttp_request *req, void (*readable)(void *arg),
    void (*closed)(void *arg), void *arg);

#define HTTP_MAX_CONNECTIONS	64	/* more wait in the listen queue */
#define HTTP_LISTEN_BACKLOG	32
#define HTTP_IDLE_TIMEOUT	15	/* seconds a connection may sit idle */
#define HTTP_MAX_HEADERS	(8u << 10)
#define HTTP_MAX_BODY		(16u << 10)
#define HTTP_MAX_STREAMS	16	/* of the connections, at most */
#define HTTP_STREAM_MAX_QUEUED	(256u << 10)
#define HTTP_STREAM_WRITE_TIMEOUT 30	/* seconds unread data may wait */
#define HTTP_UPGRADE_MAX_READ	(64u << 10)
#define HTTP_STREAM_KEEPALIVE	15	/* seconds between SSE comments */

#endif
