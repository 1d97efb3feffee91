/* http-server.h: xend's HTTP server (xend-http-server, xend-port,
 * xend-address): libevent's evhttp behind a table of routes, on a
 * loopback address only, with bounded requests and connections so that
 * nothing sent to it slows the XML-RPC socket. docs/METRICS.md. */
#ifndef XEND_HTTP_SERVER_H
#define XEND_HTTP_SERVER_H

#include "xu.h"

struct evhttp_request;
struct http_server;
struct xend;

/* One route: an exact path, the methods it takes (EVHTTP_REQ_* bits; any
 * other gets 405 with Allow), its handler, which answers req (now or,
 * for later routes, from an event). Unknown paths get 404. */
struct http_route {
	const char *path;
	unsigned methods;
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

/* Connections open now, and the most it keeps open at once. */
unsigned http_server_connections(const struct http_server *s);

#define HTTP_MAX_CONNECTIONS	64	/* more wait in the listen queue */
#define HTTP_LISTEN_BACKLOG	32
#define HTTP_IDLE_TIMEOUT	15	/* seconds a connection may sit idle */
#define HTTP_MAX_HEADERS	(8u << 10)
#define HTTP_MAX_BODY		(16u << 10)

#endif
