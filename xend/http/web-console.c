/* web-console.c: a domain's serial console in the page: GET /console
 * streams what the console says as Server-Sent Events (base64, since the
 * bytes are the guest's), POST /console/input sends what is typed. xend
 * attaches to the console as `xm console` does, on the attach socket of
 * the domain's monitor. Both need a logged-in session; the input goes
 * only to a console that the same session opened. */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <gnutls/gnutls.h>

#include "daemon.h"
#include "domain.h"
#include "http-server.h"
#include "log.h"

#define CONSOLE_INPUT_MAX	4096	/* bytes a POST may type */
#define CONSOLE_UNSENT_MAX	(64u << 10)	/* typed, not yet taken */

struct web_console {
	struct xend *x;
	struct evhttp_request *req;	/* the stream */
	struct bufferevent *bev;	/* the attach socket */
	char *session;
	char *domain;			/* as the page named it */
	char *user;
	LIST_ENTRY(web_console) link;
};

/* The page's stream ended (it closed, or was dropped): detach. */
static void
closed(void *arg)
{
	struct web_console *c = arg;

	log_info("web: %s: console of %s closed", c->user, c->domain);
	LIST_REMOVE(c, link);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c->session);
	free(c->domain);
	free(c->user);
	free(c);
}

void
web_console_free(struct xend *x)
{
	/* the server's connections are closed first: none is left */
	(void)x;
}

/* What the console said, to the page; the page's stream is dropped if
 * it reads too slowly (its Reconnect gets the console's recent output
 * again). */
static void
console_read(struct bufferevent *bev, void *arg)
{
	struct web_console *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev), *out;
	gnutls_datum_t raw, b64 = { NULL, 0 };
	size_t len = evbuffer_get_length(in);

	if (len == 0)
		return;
	raw.data = evbuffer_pullup(in, -1);
	raw.size = (unsigned)len;
	if (gnutls_base64_encode2(&raw, &b64) != 0) {
		evbuffer_drain(in, len);
		return;
	}
	evbuffer_drain(in, len);
	out = evbuffer_new();
	evbuffer_add_printf(out, "event: out\ndata: ");
	evbuffer_add(out, b64.data, b64.size);
	evbuffer_add(out, "\n\n", 2);
	gnutls_free(b64.data);
	(void)http_stream_send(c->req, out);	/* may free c */
	evbuffer_free(out);
}

/* The console went away (the domain stopped): the page is told, then
 * its stream ends. */
static void
console_event(struct bufferevent *bev, short what, void *arg)
{
	struct web_console *c = arg;
	struct evbuffer *out;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	out = evbuffer_new();
	evbuffer_add_printf(out, "event: end\ndata: the console of %s "
	    "closed\n\n", c->domain);
	evhttp_send_reply_chunk(c->req, out);
	evbuffer_free(out);
	bufferevent_free(c->bev);
	c->bev = NULL;
	/* nothing more comes: the stream ends once "end" has left */
	http_stream_end(c->x->web->srv, c->req);
}

static struct bufferevent *
attach(struct xend *x, struct domain *d, char *why, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct bufferevent *bev;
	char path[sizeof(sa.sun_path)];

	if (!domain_running(d) || d->phase != DOM_PHASE_ACTIVE) {
		snprintf(why, len, "domain '%s' is not running", d->name);
		return NULL;
	}
	if (xc_domain_console_path(x->xc, d->domid, path, sizeof(path)) !=
	    XC_OK) {
		snprintf(why, len, "domain '%s' has no console", d->name);
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	bev = bufferevent_socket_new(x->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL || bufferevent_socket_connect(bev,
	    (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(why, len, "cannot attach to the console of domain "
		    "'%s' at %s", d->name, path);
		if (bev != NULL)
			bufferevent_free(bev);
		return NULL;
	}
	return bev;
}

void
web_console_route(struct xend *x, struct evhttp_request *req)
{
	char *dom = web_query(req, "domain"), why[256];
	const char *user, *sid;
	struct web_console *c;
	struct bufferevent *bev;
	struct domain *d;

	if (!web_authorize(x, req, WEB_CONTROL, &user) ||
	    !web_stream_allowed(x, req))
		goto out;
	sid = web_session_id(x, req);
	if (dom == NULL || (d = domains_lookup_hook(x->domains, dom)) == NULL) {
		web_json_error(req, 404, "console: no such domain '%s'",
		    dom ? dom : "");
		goto out;
	}
	if ((bev = attach(x, d, why, sizeof(why))) == NULL) {
		web_json_error(req, 409, "console: %s", why);
		goto out;
	}
	c = xu_calloc(1, sizeof(*c));
	c->x = x;
	c->req = req;
	c->bev = bev;
	c->session = xu_strdup(sid);
	c->domain = dom;
	dom = NULL;
	c->user = xu_strdup(user);
	if (!http_stream_start(x->web->srv, req, "text/event-stream", closed,
	    c)) {
		bufferevent_free(bev);
		free(c->session);
		free(c->domain);
		free(c->user);
		free(c);
		goto out;
	}
	LIST_INSERT_HEAD(&x->web->consoles, c, link);
	bufferevent_setcb(bev, console_read, NULL, console_event, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	log_info("web: %s: console of %s opened", user, c->domain);
out:
	free(dom);
}

void
web_console_input_route(struct xend *x, struct evhttp_request *req)
{
	char *dom = web_query(req, "domain");
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *user, *sid;
	struct web_console *c;
	struct evbuffer *b;

	if (!web_authorize(x, req, WEB_CONTROL, &user))
		goto out;
	sid = web_session_id(x, req);
	LIST_FOREACH(c, &x->web->consoles, link)
		if (dom != NULL && strcmp(c->domain, dom) == 0 &&
		    strcmp(c->session, sid) == 0)
			break;
	if (c == NULL || c->bev == NULL) {
		web_json_error(req, 409, "console: no console of '%s' is open "
		    "in this session", dom ? dom : "");
		goto out;
	}
	if (evbuffer_get_length(in) > CONSOLE_INPUT_MAX) {
		web_json_error(req, 400, "console: at most %d bytes at a time",
		    CONSOLE_INPUT_MAX);
		goto out;
	}
	/* a guest that reads nothing of its serial port (xenhv stops
	 * reading the attach socket) must not grow xend's memory */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    CONSOLE_UNSENT_MAX) {
		web_json_error(req, 503, "console: %s takes nothing of what "
		    "is typed (%zu bytes wait): try again later", c->domain,
		    evbuffer_get_length(bufferevent_get_output(c->bev)));
		goto out;
	}
	bufferevent_write_buffer(c->bev, in);
	b = evbuffer_new();
	evbuffer_add_printf(b, "{\"ok\":true}");
	web_json_reply(req, b);
out:
	free(dom);
}

unsigned
web_console_of_session(struct web *w, const char *sid, bool drop)
{
	struct web_console *c;
	unsigned n = 0;

again:
	LIST_FOREACH(c, &w->consoles, link)
		if (strcmp(c->session, sid) == 0) {
			n++;
			if (drop) {
				http_stream_drop(c->req);	/* frees c */
				goto again;
			}
		}
	return n;
}
