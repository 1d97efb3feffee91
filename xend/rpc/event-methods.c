/* event-methods.c: xend.events, the call under `xm events`: the typed
 * events of the log after a sequence number, for some domains or all; a
 * call with nothing to answer yet waits (on the loop) for the next event
 * or its timeout, so a client follows the stream with one call at a
 * time and resumes after an xend restart from the last number it saw. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "domain.h"
#include "events.h"
#include "log.h"
#include "methods.h"
#include "store.h"
#include "sxp.h"
#include "xmlrpc.h"

#define EVENTS_BATCH		256	/* rows read at a time */
#define EVENTS_SCAN_MAX		(16 * EVENTS_BATCH)	/* rows a call reads */
#define EVENTS_WAIT_MAX		50	/* seconds: under RPC_IDLE_TIMEOUT */

struct ev_call {
	struct rpc_call *c;
	struct xend *x;
	int64_t since;
	struct xv *ids;		/* names, ids or UUIDs; NULL: every domain */
	struct xv *uuids;	/* what they stand for (resolve) */
	double deadline;	/* CLOCK_MONOTONIC seconds */
};

/* The UUIDs the domains named stand for: the domain a name, id or UUID
 * names now, and every domain the log recorded under that name (a domain
 * keeps its UUID through a rename, migrating-NAME during a migration
 * out included, and through restarts). */
static struct xv *
resolve(struct xend *x, const struct xv *ids)
{
	struct xv *out = xv_list();
	char (*uuids)[37];
	size_t i, j, n;

	for (i = 0; ids != NULL && i < xv_len(ids); i++) {
		const char *id = xv_string(xv_at(ids, i));
		struct domain *d;

		if (id == NULL)
			continue;
		if ((d = domains_lookup_hook(x->domains, id)) != NULL)
			xv_append(out, xv_str(d->uuid));
		if (store_event_name_uuids(x->store, id, &uuids, &n) != XU_OK)
			continue;
		for (j = 0; j < n; j++)
			xv_append(out, xv_str(uuids[j]));
		free(uuids);
	}
	return out;
}

static bool
wanted(const struct store_event *e, const struct xv *ids,
    const struct xv *uuids)
{
	char domid[24];
	size_t i;

	if (ids == NULL || xv_len(ids) == 0)
		return true;
	for (i = 0; e->uuid[0] && i < xv_len(uuids); i++)
		if (strcmp(e->uuid, xv_string(xv_at(uuids, i))) == 0)
			return true;
	snprintf(domid, sizeof(domid), "%lld", (long long)e->domid);
	for (i = 0; i < xv_len(ids); i++) {
		const char *id = xv_string(xv_at(ids, i));

		if (id == NULL)
			continue;
		if ((e->name != NULL && strcmp(id, e->name) == 0) ||
		    strcmp(id, e->uuid) == 0 ||
		    (e->domid >= 0 && strcmp(id, domid) == 0))
			return true;
	}
	return false;
}

/* The events after *since that ids want, into list; *since moves past
 * every row read. Returns how many were added, or -1 (store error). */
static int
collect(struct xend *x, int64_t *since, const struct xv *ids,
    const struct xv *uuids, struct xv *list)
{
	struct store_event *ev;
	size_t n, i, scanned = 0;
	int added = 0;

	do {
		if (store_events_since(x->store, *since, EVENTS_BATCH, &ev, &n) !=
		    XU_OK)
			return -1;
		for (i = 0; i < n; i++) {
			*since = ev[i].id;
			if (wanted(&ev[i], ids, uuids)) {
				xv_append(list, events_value(&ev[i]));
				added++;
			}
		}
		store_events_free(ev, n);
		scanned += n;
	} while (added == 0 && n == EVENTS_BATCH && scanned < EVENTS_SCAN_MAX);
	return added;
}

/* Answers now if there is anything, or wait says no; returns whether it
 * answered (and freed ec). */
static bool
try_answer(struct ev_call *ec, bool wait)
{
	struct xv *list = xv_list(), *r;
	int64_t first, last;
	int added;

	xv_free(ec->uuids);
	ec->uuids = resolve(ec->x, ec->ids);
	added = collect(ec->x, &ec->since, ec->ids, ec->uuids, list);
	if (added < 0 ||
	    store_events_bounds(ec->x->store, &first, &last) != XU_OK) {
		xv_free(list);
		rpc_fault(ec->c, XMLRPC_FAULT_INTERNAL, "cannot read the event "
		    "log: %s", store_errmsg(ec->x->store));
		goto answered;
	}
	if (added == 0 && wait) {
		xv_free(list);
		return false;
	}
	r = xv_struct();
	xv_struct_set(r, "first", xv_int(first));
	xv_struct_set(r, "last", xv_int(ec->since));
	xv_struct_set(r, "events", list);
	rpc_reply(ec->c, r);
answered:
	xv_free(ec->ids);
	xv_free(ec->uuids);
	free(ec);
	return true;
}

static void
woken(void *arg, bool timed_out)
{
	struct ev_call *ec = arg;
	double left = ec->deadline - xu_mono_s();

	if (try_answer(ec, !timed_out && left > 0 && !rpc_call_gone(ec->c)))
		return;
	(void)events_wait(ec->x, left, woken, ec);
}

int
event_list(struct rpc_call *c)
{
	struct xend *x = c->opaque;
	struct ev_call *ec;
	int64_t since = rpc_arg_int(c, 0, -1);
	int64_t timeout = rpc_arg_int(c, 1, 0);
	int64_t first, last;

	if (timeout < 0)
		timeout = 0;
	if (timeout > EVENTS_WAIT_MAX)
		timeout = EVENTS_WAIT_MAX;
	if (since < 0) {
		/* from now on: where the log stands */
		struct xv *r;

		if (store_events_bounds(x->store, &first, &last) != XU_OK)
			return rpc_fail(c, XMLRPC_FAULT_INTERNAL, "cannot read the "
			    "event log: %s", store_errmsg(x->store));
		r = xv_struct();
		xv_struct_set(r, "first", xv_int(first));
		xv_struct_set(r, "last", xv_int(last));
		xv_struct_set(r, "events", xv_list());
		rpc_reply(c, r);
		return RPC_DONE;
	}
	ec = xu_calloc(1, sizeof(*ec));
	ec->c = c;
	ec->x = x;
	ec->since = since;
	ec->ids = c->args[2] != NULL ? xv_copy(c->args[2]) : NULL;
	ec->deadline = xu_mono_s() + (double)timeout;
	if (try_answer(ec, timeout > 0))
		return RPC_DONE;
	(void)events_wait(x, (double)timeout, woken, ec);
	rpc_call_long_poll(c);
	return RPC_DEFERRED;
}
