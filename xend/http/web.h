/* web.h: the web page xend serves (docs/WEB.md): the page and its
 * assets, sessions and CSRF tokens, the live domain list (Server-Sent
 * Events from the event log's waiters), domain actions (the XML-RPC
 * methods' handlers, through rpc_server_call), the serial console and
 * the VNC screen (noVNC over a WebSocket relayed to the display). */
#ifndef XEND_WEB_H
#define XEND_WEB_H

#include <stdbool.h>
#include <sys/queue.h>

#include "xu.h"

struct evbuffer;
struct event;
struct evhttp_request;
struct http_server;
struct xend;
struct xv;
struct web_session;

struct web_hub;
struct web_logins;
struct web_console;
struct web_vnc;

struct web {
	struct http_server *srv;
	char *passwd_file;	/* xend-http-password-file; NULL: none */
	char *www_dir;		/* the page's files */
	char *xterm_dir;	/* node-xterm's lib/ */
	char *novnc_dir;	/* Debian's novnc */
	struct web_session *sessions;
	unsigned nsessions;
	struct event *sessions_timer;	/* expiry */
	struct web_logins *logins;	/* web-auth.c */
	struct web_hub *hub;	/* web-events.c */
	LIST_HEAD(, web_console) consoles;	/* web-console.c */
	LIST_HEAD(, web_vnc) screens;		/* web-vnc.c */
};

/* With the HTTP server; web_free before the server's evhttp is gone. */
int web_init(struct xend *x, struct http_server *s, struct xu_err *err);
void web_free(struct xend *x);

/* Routes (http-server.c's table). */
void web_page_route(struct xend *x, struct evhttp_request *req);
void web_xterm_route(struct xend *x, struct evhttp_request *req);
void web_session_route(struct xend *x, struct evhttp_request *req);
void web_login_route(struct xend *x, struct evhttp_request *req);
void web_logout_route(struct xend *x, struct evhttp_request *req);
void web_action_route(struct xend *x, struct evhttp_request *req);
void web_events_route(struct xend *x, struct evhttp_request *req);
void web_console_route(struct xend *x, struct evhttp_request *req);
void web_console_input_route(struct xend *x, struct evhttp_request *req);
void web_novnc_route(struct xend *x, struct evhttp_request *req);
void web_vnc_route(struct xend *x, struct evhttp_request *req);

/* ---- web-auth.c ---- */

/* The Host header names a loopback address or localhost (any port): a
 * page fetched under another name (DNS rebinding) gets nothing. */
bool web_host_ok(struct xend *x, struct evhttp_request *req);

/* What a request may do. */
enum web_access {
	WEB_READ,	/* the page, the live list */
	WEB_CONTROL,	/* actions, consoles: a POST also needs its CSRF token */
	WEB_UPGRADE,	/* a WebSocket (a screen): WEB_CONTROL, from this
			 * page's Origin (a browser always sends one) */
};
/* The request's session, or NULL; answers the request (401, 403) and
 * returns false when it may not do what is asked. *user is who it is
 * ("" for the loopback reader without a password file). */
bool web_authorize(struct xend *x, struct evhttp_request *req,
    enum web_access what, const char **user);
void web_sessions_init(struct xend *x);
void web_sessions_free(struct web *w);
void web_logins_init(struct xend *x);
void web_logins_free(struct web *w);
/* A session's id, for a console bound to the session that opened it. */
const char *web_session_id(struct xend *x, struct evhttp_request *req);

/* ---- web-json.c ---- */

/* An XML-RPC value as JSON (structs as objects), into out. */
void web_json_value(struct evbuffer *out, const struct xv *v);
/* {"error": msg} with status code. */
void web_json_error(struct evhttp_request *req, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Replies 200 with a JSON body (consumed). */
void web_json_reply(struct evhttp_request *req, struct evbuffer *body);
/* A query parameter of the request's URI (decoded; free it), or NULL. */
char *web_query(struct evhttp_request *req, const char *key);
/* One Server-Sent Event (type, data: one line of JSON) into out. */
void web_sse_event(struct evbuffer *out, const char *type,
    struct evbuffer *data);

/* A stream (GET /events, /console) may open: asked by this page (its
 * Origin, its Sec-Fetch-Site), under the session's cap of
 * WEB_SESSION_STREAMS; answers the request (403, 503) when not. */
bool web_stream_allowed(struct xend *x, struct evhttp_request *req);
#define WEB_SESSION_STREAMS	4

/* ---- web-events.c, web-console.c ---- */
void web_events_init(struct xend *x);
void web_events_free(struct xend *x);
void web_console_free(struct xend *x);
void web_vnc_free(struct xend *x);
/* The screens a session opened end with it (closed 1008). */
void web_vnc_session_ended(struct web *w, const char *sid);
/* The streams of session sid: counted, or dropped (drop). */
unsigned web_events_of_session(struct web *w, const char *sid, bool drop);
unsigned web_console_of_session(struct web *w, const char *sid, bool drop);

#endif
