/* events.h: xend's event stream (xm events): typed domain events, each
 * recorded in the store's event log with the domain's log line, numbered
 * by the log's ids; and the calls waiting for the next one. */
#ifndef XEND_EVENTS_H
#define XEND_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

struct xend;
struct xv;
struct events_waiter;
struct store_event;

/* The event log's retention (xend-config.sxp event-log-size); before the
 * loop runs. */
void events_init(struct xend *x);
/* Wakes every waiter as timed out; before the store closes. */
void events_free(struct xend *x);

/* Records an event of type for a domain (uuid and name; domid -1 when it
 * has none) with its log line text and its details data, an SXP list of
 * (key value) pairs or NULL (consumed). Waiters wake on the next turn of
 * the loop, when the transaction that recorded it has ended. */
void events_record(struct xend *x, const char *uuid, const char *name,
    int64_t domid, const char *type, struct xv *data, const char *text);

/* Details for events_record: key, value (a struct xv *, consumed), ...,
 * NULL. */
struct xv *events_data(const char *key, ...);

/* One event of the log as xend.events and the web page give it: a
 * struct of seq, time, type, domain, uuid, domid, message, and data as
 * [key, value] pairs (docs/EVENTS.md). */
struct xv *events_value(const struct store_event *e);

/* fn runs once, on the first turn of the loop after an event is recorded
 * or when timeout_s have passed (timed_out), or when xend stops
 * (timed_out too); the waiter is then gone. events_unwait drops a waiter
 * before that. */
typedef void (*events_wake_fn)(void *arg, bool timed_out);
struct events_waiter *events_wait(struct xend *x, double timeout_s,
    events_wake_fn fn, void *arg);
void events_unwait(struct events_waiter *w);

#endif
