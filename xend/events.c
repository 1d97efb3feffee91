/* events.c: the event stream's recording and waiters. Waiters are woken
 * through a libevent event made active, never from inside the caller of
 * events_record (which may be in the middle of a transaction that could
 * still roll the event back). */
#include "events.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon.h"
#include "log.h"
#include "store.h"
#include "sxp.h"
#include "xend-options.h"
#include "xu.h"
#include "xv.h"

struct events_waiter {
	struct xend *x;
	struct event *timer;
	events_wake_fn fn;
	void *arg;
	struct events_waiter *next;
};

/* The waiters, and the event that wakes them after a record. */
struct events_hub {
	struct events_waiter *waiters;
	struct event *wake;
};

static void
unlink_waiter(struct events_waiter *w)
{
	struct events_waiter **p;

	for (p = &w->x->events->waiters; *p != NULL; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
}

static void
fire(struct events_waiter *w, bool timed_out)
{
	events_wake_fn fn = w->fn;
	void *arg = w->arg;

	unlink_waiter(w);
	event_free(w->timer);
	free(w);
	fn(arg, timed_out);
}

/* Every waiter there was when the event was recorded: one that a woken
 * caller registers again waits for the next. */
static void
wake_all(evutil_socket_t fd, short what, void *arg)
{
	struct xend *x = arg;
	struct events_waiter *list = x->events->waiters, *w;

	x->events->waiters = NULL;
	while ((w = list) != NULL) {
		list = w->next;
		event_free(w->timer);
		w->fn(w->arg, false);
		free(w);
	}
}

static void
timed_out(evutil_socket_t fd, short what, void *arg)
{
	fire(arg, true);
}

void
events_init(struct xend *x)
{
	struct events_hub *h = xu_calloc(1, sizeof(*h));

	h->wake = event_new(x->base, -1, 0, wake_all, x);
	x->events = h;
	store_set_events_kept(x->store, xend_opt_int(x->opts, "event-log-size"));
}

void
events_free(struct xend *x)
{
	struct events_hub *h = x->events;

	if (h == NULL)
		return;
	while (h->waiters != NULL)
		fire(h->waiters, true);
	event_free(h->wake);
	free(h);
	x->events = NULL;
}

void
events_record(struct xend *x, const char *uuid, const char *name,
    int64_t domid, const char *type, struct xv *data, const char *text)
{
	struct store_event e = { .domid = domid, .text = (char *)text,
	    .type = (char *)type, .name = (char *)name };

	snprintf(e.uuid, sizeof(e.uuid), "%s", uuid ? uuid : "");
	if (data != NULL)
		e.data = sxp_to_string(data);
	if (store_event_put(x->store, &e) != XU_OK)
		log_error("%s", store_errmsg(x->store));
	else if (type != NULL && x->events != NULL &&
	    x->events->waiters != NULL)
		event_active(x->events->wake, 0, 0);
	free(e.data);
	xv_free(data);
}

struct xv *
events_data(const char *key, ...)
{
	struct xv *list = xv_list();
	va_list ap;

	va_start(ap, key);
	for (; key != NULL; key = va_arg(ap, const char *))
		xv_append_pair(list, key, va_arg(ap, struct xv *));
	va_end(ap);
	return list;
}

struct events_waiter *
events_wait(struct xend *x, double timeout_s, events_wake_fn fn, void *arg)
{
	struct events_waiter *w = xu_calloc(1, sizeof(*w));
	struct timeval tv;

	w->x = x;
	w->fn = fn;
	w->arg = arg;
	w->timer = evtimer_new(x->base, timed_out, w);
	tv.tv_sec = (time_t)timeout_s;
	tv.tv_usec = (suseconds_t)((timeout_s - (double)tv.tv_sec) * 1e6);
	evtimer_add(w->timer, &tv);
	w->next = x->events->waiters;
	x->events->waiters = w;
	return w;
}

void
events_unwait(struct events_waiter *w)
{
	if (w == NULL)
		return;
	unlink_waiter(w);
	event_free(w->timer);
	free(w);
}

struct xv *
events_value(const struct store_event *e)
{
	struct xv *v = xv_struct(), *data = NULL;
	struct xu_err err;

	xv_struct_set(v, "seq", xv_int(e->id));
	xv_struct_set(v, "time", xv_double(e->time));
	xv_struct_set(v, "type", xv_str(e->type));
	xv_struct_set(v, "domain", xv_str(e->name ? e->name : ""));
	xv_struct_set(v, "uuid", xv_str(e->uuid));
	xv_struct_set(v, "domid", xv_int(e->domid));
	xv_struct_set(v, "message", xv_str(e->text ? e->text : ""));
	if (e->data == NULL ||
	    sxp_parse_one(e->data, strlen(e->data), &data, &err) != XU_OK ||
	    !xv_is_list(data)) {
		xv_free(data);
		data = xv_list();
	}
	xv_struct_set(v, "data", data);
	return v;
}
