/* web-events.c: GET /events, the page's live domain list as Server-Sent
 * Events. One waiter on xend's event log (events_wait, as xend.events
 * uses) serves every open page: when events are recorded it reads them
 * once and sends each page the events ("event") and then the domain list
 * ("state"), the list at most every HUB_STATE_GAP seconds; with none
 * for HUB_TICK seconds it sends the list alone (CPU times move without
 * events). It waits only while a page is open. */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "daemon.h"
#include "domain.h"
#include "events.h"
#include "http-server.h"
#include "log.h"
#include "store.h"
#include "xv.h"

#define HUB_TICK	5.0	/* seconds between lists when nothing happens */
#define HUB_STATE_GAP	0.2	/* seconds between two lists, at least */
#define HUB_BATCH	256	/* events sent at a time, at most */

struct web_sse {
	struct xend *x;
	struct evhttp_request *req;
	char *session;		/* the session's id; NULL without logins */
	LIST_ENTRY(web_sse) link;
};

struct web_hub {
	LIST_HEAD(, web_sse) clients;
	unsigned n;
	struct events_waiter *waiter;
	int64_t last;		/* the last event sent */
	/* a storm of events sends each event, but the list (every domain's
	 * figures, the costly part) at most every HUB_STATE_GAP seconds */
	double last_state;	/* CLOCK_MONOTONIC seconds */
	struct event *state_timer;
};

static void state_due(evutil_socket_t fd, short what, void *arg);

void
web_events_init(struct xend *x)
{
	x->web->hub = xu_calloc(1, sizeof(*x->web->hub));
	x->web->hub->state_timer = evtimer_new(x->base, state_due, x);
}

void
web_events_free(struct xend *x)
{
	struct web_hub *h = x->web->hub;

	if (h == NULL)
		return;
	/* the server's connections are closed: no client is left */
	events_unwait(h->waiter);
	event_free(h->state_timer);
	free(h);
	x->web->hub = NULL;
}

/* ---- what is sent -------------------------------------------------------- */

/* A halted managed domain: what it would start with. */
static struct xv *
halted_value(const struct domain *d)
{
	struct xv *st = xv_struct();

	xv_struct_set(st, "name", xv_str(d->name));
	xv_struct_set(st, "uuid", xv_str(d->uuid));
	xv_struct_set(st, "domid", xv_int(-1));
	xv_struct_set(st, "state", xv_str("------"));
	xv_struct_set(st, "halted", xv_bool(true));
	xv_struct_set(st, "cpu_time", xv_double(0));
	xv_struct_set(st, "memory", xv_int(d->cfg.memory));
	xv_struct_set(st, "target", xv_int(d->cfg.memory));
	xv_struct_set(st, "maxmem", xv_int(d->cfg.maxmem));
	xv_struct_set(st, "vcpus", xv_int(d->cfg.vcpus));
	return st;
}

/* "vnc": true on the running domains whose screen the page can show (a
 * VNC display without TLS). */
static void
mark_screens(struct xend *x, struct xv *doms)
{
	struct xv *e;
	struct domain *d;
	const char *name, *addr;
	unsigned port;
	bool tls;
	size_t i;

	for (i = 0; i < xv_len(doms); i++) {
		e = xv_at(doms, i);
		name = xv_string(xv_struct_get(e, "name"));
		d = name != NULL ? domains_by_name(x->domains, name) : NULL;
		xv_struct_set(e, "vnc", xv_bool(d != NULL &&
		    domain_running(d) &&
		    domain_platform_display(d, &addr, &port, &tls) && !tls));
	}
}

/* The host and every domain, as xm top sees them (domains_stats), and
 * the halted managed ones after them; the log's last event number. */
static void
state_json(struct xend *x, int64_t last, struct evbuffer *out)
{
	struct xv *st = domains_stats(x->domains, false);
	struct xv *doms = xv_struct_get(st, "domains");
	struct domain **v;
	size_t n, i;

	mark_screens(x, doms);
	v = domains_sorted(x->domains, &n);
	for (i = 0; i < n; i++)
		if (v[i]->phase == DOM_PHASE_HALTED)
			xv_append(doms, halted_value(v[i]));
	free(v);
	xv_struct_set(st, "host_cpu_time", xv_double(domain_host_cpu_time()));
	xv_struct_set(st, "seq", xv_int(last));
	xv_struct_set(st, "time", xv_double(xu_wall_s()));
	web_json_value(out, st);
	xv_free(st);
}

static void
add_state(struct xend *x, int64_t last, struct evbuffer *out)
{
	struct evbuffer *d = evbuffer_new();

	state_json(x, last, d);
	web_sse_event(out, "state", d);
	evbuffer_free(d);
}

/* The events after h->last, each an "event", into out: HUB_BATCH at
 * most, so that a storm does not build one large buffer; the ones past
 * it are skipped (told in a "skipped" event: the list that follows is
 * current all the same). */
static void
add_events(struct xend *x, struct web_hub *h, struct evbuffer *out)
{
	struct store_event *ev;
	struct evbuffer *d = evbuffer_new();
	int64_t first, last;
	size_t n, i;

	if (store_events_since(x->store, h->last, HUB_BATCH, &ev, &n) !=
	    XU_OK) {
		log_error("web: cannot read the event log: %s",
		    store_errmsg(x->store));
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct xv *v = events_value(&ev[i]);

		h->last = ev[i].id;
		web_json_value(d, v);
		xv_free(v);
		web_sse_event(out, "event", d);
	}
	store_events_free(ev, n);
	if (n == HUB_BATCH &&
	    store_events_bounds(x->store, &first, &last) == XU_OK &&
	    last > h->last) {
		evbuffer_add_printf(d, "{\"after\":%lld,\"last\":%lld}",
		    (long long)h->last, (long long)last);
		web_sse_event(out, "skipped", d);
		h->last = last;
	}
out:
	evbuffer_free(d);
}

/* ---- the clients --------------------------------------------------------- */

static void woken(void *arg, bool timed_out);

static void
arm(struct xend *x)
{
	struct web_hub *h = x->web->hub;

	if (h->waiter == NULL && !LIST_EMPTY(&h->clients))
		h->waiter = events_wait(x, HUB_TICK, woken, x);
}

/* Sends out to every client; one that reads too slowly is dropped (its
 * browser reconnects and gets the whole list again). */
static void
broadcast(struct web_hub *h, struct evbuffer *out)
{
	struct web_sse *c, *next;
	struct evbuffer *copy;
	size_t len = evbuffer_get_length(out);
	const unsigned char *data = evbuffer_pullup(out, -1);

	/* a client dropped meanwhile leaves the list (closed) */
	for (c = LIST_FIRST(&h->clients); c != NULL; c = next) {
		next = LIST_NEXT(c, link);
		copy = evbuffer_new();
		evbuffer_add(copy, data, len);
		(void)http_stream_send(c->req, copy);
		evbuffer_free(copy);
	}
}

/* The list now, or when HUB_STATE_GAP has passed since the last. */
static void
state_now_or_soon(struct xend *x, struct evbuffer *out)
{
	struct web_hub *h = x->web->hub;
	double wait = h->last_state + HUB_STATE_GAP - xu_mono_s();
	struct timeval tv;

	if (wait <= 0) {
		add_state(x, h->last, out);
		h->last_state = xu_mono_s();
	} else if (!evtimer_pending(h->state_timer, NULL)) {
		tv.tv_sec = 0;
		tv.tv_usec = (suseconds_t)(wait * 1e6);
		evtimer_add(h->state_timer, &tv);
	}
}

static void
state_due(evutil_socket_t fd, short what, void *arg)
{
	struct xend *x = arg;
	struct web_hub *h = x->web->hub;
	struct evbuffer *out;

	(void)fd;
	(void)what;
	if (LIST_EMPTY(&h->clients))
		return;
	out = evbuffer_new();
	add_state(x, h->last, out);
	h->last_state = xu_mono_s();
	broadcast(h, out);
	evbuffer_free(out);
}

static void
woken(void *arg, bool timed_out)
{
	struct xend *x = arg;
	struct web_hub *h = x->web->hub;
	struct evbuffer *out;

	h->waiter = NULL;
	if (LIST_EMPTY(&h->clients))
		return;
	out = evbuffer_new();
	if (!timed_out)
		add_events(x, h, out);
	state_now_or_soon(x, out);
	if (evbuffer_get_length(out) > 0)
		broadcast(h, out);
	evbuffer_free(out);
	arm(x);
}

static void
closed(void *arg)
{
	struct web_sse *c = arg;
	struct web_hub *h = c->x->web->hub;

	LIST_REMOVE(c, link);
	h->n--;
	if (LIST_EMPTY(&h->clients)) {
		events_unwait(h->waiter);
		h->waiter = NULL;
		evtimer_del(h->state_timer);
	}
	free(c->session);
	free(c);
}

void
web_events_route(struct xend *x, struct evhttp_request *req)
{
	struct web_hub *h = x->web->hub;
	struct web_sse *c;
	struct evbuffer *out;
	const char *user, *sid;
	int64_t first;

	if (!web_authorize(x, req, WEB_READ, &user) ||
	    !web_stream_allowed(x, req))
		return;
	c = xu_calloc(1, sizeof(*c));
	c->x = x;
	c->req = req;
	if ((sid = web_session_id(x, req)) != NULL)
		c->session = xu_strdup(sid);
	if (!http_stream_start(x->web->srv, req, "text/event-stream", closed,
	    c)) {
		free(c->session);
		free(c);
		return;
	}
	if (LIST_EMPTY(&h->clients) &&
	    store_events_bounds(x->store, &first, &h->last) != XU_OK)
		log_error("web: cannot read the event log: %s",
		    store_errmsg(x->store));
	LIST_INSERT_HEAD(&h->clients, c, link);
	h->n++;
	out = evbuffer_new();
	evbuffer_add_printf(out, "retry: 2000\n\n");
	add_state(x, h->last, out);
	evhttp_send_reply_chunk(req, out);
	evbuffer_free(out);
	arm(x);
}

unsigned
web_events_of_session(struct web *w, const char *sid, bool drop)
{
	struct web_sse *c;
	unsigned n = 0;

again:
	LIST_FOREACH(c, &w->hub->clients, link)
		if (c->session != NULL && strcmp(c->session, sid) == 0) {
			n++;
			if (drop) {
				http_stream_drop(c->req);	/* frees c */
				goto again;
			}
		}
	return n;
}
