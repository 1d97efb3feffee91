/* web-vnc.c: a domain's VNC screen in the page (noVNC): GET /vnc?domain=D
 * upgraded to a WebSocket (RFC 6455, websocket.c) and relayed to the
 * domain's VNC display on TCP, binary frames one way, bytes the other.
 * Only a logged-in session's request from this page's own origin is
 * upgraded; the display's own password, if it has one, is still asked
 * by noVNC. Both directions are bounded: a side that does not take what
 * it is sent stops the other from being read, never the loop. */
#include "web.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon.h"
#include "domain.h"
#include "http-server.h"
#include "log.h"
#include "websocket.h"

#define VNC_OUT_MAX	(256u << 10)	/* queued for either side, at most */
#define VNC_CHUNK	(64u << 10)	/* a frame's payload, at most */

struct web_vnc {
	struct xend *x;
	struct evhttp_request *req;
	struct bufferevent *ws;		/* the page's (the HTTP connection) */
	struct evbuffer_cb_entry *ws_drained;
	struct bufferevent *vnc;	/* the display's; NULL once it closed */
	struct event *drop;		/* ends the page's connection */
	struct event *resume;		/* reads the display again */
	struct ws_decoder dec;
	bool closing;			/* a close frame is queued */
	char *domain, *user, *where;
	char session[65];		/* the session that opened it */
	LIST_ENTRY(web_vnc) link;
};

static void ws_readable(void *arg);

static void
screen_free(struct web_vnc *c)
{
	LIST_REMOVE(c, link);
	if (c->ws_drained != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->ws),
		    c->ws_drained);
	if (c->vnc != NULL)
		bufferevent_free(c->vnc);
	event_free(c->drop);
	event_free(c->resume);
	free(c->domain);
	free(c->user);
	free(c->where);
	free(c);
}

/* The page's connection ended (either side ended it). */
static void
closed(void *arg)
{
	struct web_vnc *c = arg;

	log_info("web: %s: screen of %s closed", c->user, c->domain);
	screen_free(c);
}

void
web_vnc_free(struct xend *x)
{
	/* the server's connections are closed first: none is left */
	(void)x;
}

static void
drop_now(evutil_socket_t fd, short what, void *arg)
{
	struct web_vnc *c = arg;

	(void)fd;
	(void)what;
	http_stream_drop(c->req);	/* frees c */
}

static void
ws_send(struct web_vnc *c, enum ws_op op, const void *data, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->ws);
	uint8_t h[10];

	evbuffer_add(out, h, ws_header(h, op, len));
	evbuffer_add(out, data, len);
}

/* Sends a close frame, stops the display, and ends the connection once
 * the frame is out (the client's answer is not waited for). */
static void
ws_close(struct web_vnc *c, unsigned code, const char *why)
{
	uint8_t p[2 + 123];
	size_t n = strlen(why) < 123 ? strlen(why) : 123;

	if (c->closing)
		return;
	c->closing = true;
	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	memcpy(p + 2, why, n);
	ws_send(c, WS_OP_CLOSE, p, 2 + n);
	if (c->vnc != NULL) {
		bufferevent_free(c->vnc);
		c->vnc = NULL;
	}
	/* ws_drained drops the connection once the frame is out */
}

/* The page's output changed: once it drained, the display is read
 * again, or a closing connection ends. */
static void
ws_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct web_vnc *c = arg;
	size_t len = evbuffer_get_length(buf);

	if (info->n_deleted == 0)
		return;
	if (c->closing) {
		if (len == 0)
			event_active(c->drop, EV_TIMEOUT, 0);
		return;
	}
	if (c->vnc != NULL && len <= VNC_OUT_MAX / 2 &&
	    !(bufferevent_get_enabled(c->vnc) & EV_READ))
		event_active(c->resume, EV_TIMEOUT, 0);
}

void
web_vnc_session_ended(struct web *w, const char *sid)
{
	struct web_vnc *c;

	LIST_FOREACH(c, &w->screens, link)
		if (strcmp(c->session, sid) == 0 && !c->closing) {
			log_info("web: %s: screen of %s: the session ended",
			    c->user, c->domain);
			ws_close(c, WS_CLOSE_POLICY, "the session ended");
		}
}

/* ---- the display, to the page ------------------------------------------------ */

static void
vnc_read(struct bufferevent *bev, void *arg)
{
	struct web_vnc *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(c->ws);
	uint8_t h[10];
	size_t n;

	while ((n = evbuffer_get_length(in)) > 0 && !c->closing) {
		if (evbuffer_get_length(out) > VNC_OUT_MAX) {
			log_debug("web: %s: screen of %s: %zu bytes queued for "
			    "the page: its display waits", c->user, c->domain,
			    evbuffer_get_length(out));
			bufferevent_disable(bev, EV_READ);	/* ws_drained */
			return;
		}
		if (n > VNC_CHUNK)
			n = VNC_CHUNK;
		evbuffer_add(out, h, ws_header(h, WS_OP_BINARY, n));
		evbuffer_remove_buffer(in, out, n);
	}
}

/* The page took what was queued for it: what the display sent
 * meanwhile goes on (it may send nothing more until asked). */
static void
resume_now(evutil_socket_t fd, short what, void *arg)
{
	struct web_vnc *c = arg;

	(void)fd;
	(void)what;
	if (c->vnc == NULL || c->closing)
		return;
	bufferevent_enable(c->vnc, EV_READ);
	vnc_read(c->vnc, c);
}

/* The display took what was queued for it: the page is read again. */
static void
vnc_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	ws_readable(arg);
}

static void
vnc_event(struct bufferevent *bev, short what, void *arg)
{
	struct web_vnc *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		log_info("web: %s: screen of %s: connected to its display at "
		    "%s", c->user, c->domain, c->where);
		ws_readable(c);	/* what the page sent meanwhile */
		return;
	}
	if (what & BEV_EVENT_EOF)
		ws_close(c, WS_CLOSE_GOING_AWAY, "the display closed");
	else {
		log_warn("web: %s: screen of %s: its display at %s: %s",
		    c->user, c->domain, c->where,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		ws_close(c, WS_CLOSE_INTERNAL, "cannot reach the display");
	}
}

/* ---- the page, to the display ------------------------------------------------ */

static bool
vnc_full(struct web_vnc *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->vnc)) >
	    VNC_OUT_MAX;
}

/* A control frame from the page. */
static void
control(struct web_vnc *c, const struct ws_event *ev)
{
	unsigned code = WS_CLOSE_NORMAL;

	switch (ev->op) {
	case WS_OP_PING:
		ws_send(c, WS_OP_PONG, ev->ctl, ev->ctl_len);
		break;
	case WS_OP_CLOSE:
		/* the client's code is echoed (RFC 6455 5.5.1) */
		if (ev->ctl_len >= 2)
			code = (unsigned)ev->ctl[0] << 8 | ev->ctl[1];
		if (code < 1000 || code == 1005 || code == 1006 ||
		    code >= 5000)
			code = WS_CLOSE_NORMAL;
		ws_close(c, code, "");
		break;
	default:
		break;	/* a pong */
	}
}

/* Decodes what the page sent, while the display takes it (vnc_written
 * calls again when it drained). */
static void
ws_readable(void *arg)
{
	struct web_vnc *c = arg;
	struct evbuffer *in = bufferevent_get_input(c->ws);
	struct ws_event ev;
	size_t len, used;
	uint8_t *buf;

	while ((len = evbuffer_get_length(in)) > 0) {
		if (c->closing) {
			evbuffer_drain(in, len);	/* only its close counts */
			continue;
		}
		if (c->vnc == NULL || vnc_full(c))
			return;
		if (len > VNC_CHUNK)
			len = VNC_CHUNK;
		buf = evbuffer_pullup(in, (ssize_t)len);
		used = ws_decode(&c->dec, buf, len, &ev);
		if (ev.type == WS_EV_DATA)
			bufferevent_write(c->vnc, ev.data, ev.len);
		else if (ev.type == WS_EV_CONTROL)
			control(c, &ev);
		else if (ev.type == WS_EV_ERROR) {
			log_warn("web: %s: screen of %s: the page sent %s",
			    c->user, c->domain, ev.why);
			ws_close(c, ev.code, ev.why);
		}
		evbuffer_drain(in, used);
	}
}

/* ---- the upgrade ------------------------------------------------------------- */

/* A header's comma-separated tokens include tok (any case). */
static bool
has_token(const char *h, const char *tok)
{
	size_t n = strlen(tok);

	while (h != NULL && *h != '\0') {
		h += strspn(h, " \t,");
		if (strncasecmp(h, tok, n) == 0 &&
		    (h[n] == '\0' || h[n] == ',' || h[n] == ' ' || h[n] == '\t'))
			return true;
		h = strchr(h, ',');
	}
	return false;
}

/* The request is a WebSocket's opening handshake: the accept key into
 * accept, or the error sent (false). */
static bool
handshake_ok(struct evhttp_request *req, char accept[WS_ACCEPT_LEN + 1])
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *v = evhttp_find_header(in, "Sec-WebSocket-Version");

	if (!has_token(evhttp_find_header(in, "Upgrade"), "websocket") ||
	    !has_token(evhttp_find_header(in, "Connection"), "upgrade")) {
		web_json_error(req, 400, "screen: a WebSocket's request "
		    "(Upgrade: websocket) is needed");
		return false;
	}
	if (v == NULL || strcmp(v, "13") != 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Sec-WebSocket-Version", "13");
		web_json_error(req, 426, "screen: WebSocket version 13 only");
		return false;
	}
	if (!ws_accept(evhttp_find_header(in, "Sec-WebSocket-Key"), accept)) {
		web_json_error(req, 400, "screen: no valid Sec-WebSocket-Key");
		return false;
	}
	return true;
}

/* Starts connecting to addr:port, or says why not. */
static struct bufferevent *
display_connect(struct xend *x, const char *addr, unsigned port, char *why,
    size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	struct bufferevent *bev = NULL;
	char p[8];

	snprintf(p, sizeof(p), "%u", port);
	/* names are not looked up: the loop never waits on DNS */
	if (getaddrinfo(addr, p, &hints, &res) != 0 || res == NULL) {
		snprintf(why, len, "its display's address '%s' is not numeric",
		    addr);
		return NULL;
	}
	bev = bufferevent_socket_new(x->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL || bufferevent_socket_connect(bev, res->ai_addr,
	    (int)res->ai_addrlen) != 0) {
		snprintf(why, len, "cannot connect to its display at %s port "
		    "%u", addr, port);
		if (bev != NULL)
			bufferevent_free(bev);
		bev = NULL;
	}
	freeaddrinfo(res);
	return bev;
}

/* The display of a domain the page names, or the error sent. */
static struct bufferevent *
display_of(struct xend *x, struct evhttp_request *req, const char *dom,
    char **where)
{
	struct domain *d;
	const char *addr;
	unsigned port;
	bool tls;
	char why[256];
	struct bufferevent *bev;

	if (dom == NULL || (d = domains_lookup_hook(x->domains, dom)) == NULL) {
		web_json_error(req, 404, "screen: no such domain '%s'",
		    dom ? dom : "");
		return NULL;
	}
	if (!domain_running(d) || d->phase != DOM_PHASE_ACTIVE ||
	    !domain_platform_display(d, &addr, &port, &tls)) {
		web_json_error(req, 409, "screen: domain '%s' has no VNC "
		    "display running (vnc = 1 in its config)", d->name);
		return NULL;
	}
	if (tls) {
		web_json_error(req, 409, "screen: the display of domain '%s' "
		    "speaks TLS (vnc-tls), which noVNC cannot", d->name);
		return NULL;
	}
	if ((bev = display_connect(x, addr, port, why, sizeof(why))) == NULL) {
		web_json_error(req, 502, "screen: domain '%s': %s", d->name,
		    why);
		return NULL;
	}
	*where = xu_asprintf("%s port %u", addr, port);
	return bev;
}

void
web_vnc_route(struct xend *x, struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char *dom = web_query(req, "domain"), *where = NULL;
	char accept[WS_ACCEPT_LEN + 1];
	struct bufferevent *vnc;
	struct web_vnc *c;
	const char *user, *sid;

	if (!web_authorize(x, req, WEB_UPGRADE, &user) ||
	    !handshake_ok(req, accept) ||
	    (vnc = display_of(x, req, dom, &where)) == NULL)
		goto out;
	c = xu_calloc(1, sizeof(*c));
	c->x = x;
	c->req = req;
	c->vnc = vnc;
	c->domain = dom;
	dom = NULL;
	c->user = xu_strdup(user);
	c->where = where;
	sid = web_session_id(x, req);
	snprintf(c->session, sizeof(c->session), "%s", sid ? sid : "");
	c->drop = event_new(x->base, -1, 0, drop_now, c);
	c->resume = event_new(x->base, -1, 0, resume_now, c);
	evhttp_add_header(out, "Upgrade", "websocket");
	evhttp_add_header(out, "Connection", "Upgrade");
	evhttp_add_header(out, "Sec-WebSocket-Accept", accept);
	if (has_token(evhttp_find_header(in, "Sec-WebSocket-Protocol"),
	    "binary"))
		evhttp_add_header(out, "Sec-WebSocket-Protocol", "binary");
	LIST_INSERT_HEAD(&x->web->screens, c, link);
	c->ws = http_upgrade(x->web->srv, req, ws_readable, closed, c);
	if (c->ws == NULL) {
		screen_free(c);
		goto out;
	}
	c->ws_drained = evbuffer_add_cb(bufferevent_get_output(c->ws),
	    ws_drained, c);
	bufferevent_setcb(vnc, vnc_read, vnc_written, vnc_event, c);
	bufferevent_setwatermark(vnc, EV_WRITE, VNC_OUT_MAX / 2, 0);
	bufferevent_setwatermark(vnc, EV_READ, 0, VNC_CHUNK);
	bufferevent_enable(vnc, EV_READ | EV_WRITE);
	log_info("web: %s: screen of %s opened", user, c->domain);
out:
	free(dom);
}
