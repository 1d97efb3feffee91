/* domain-lock.h: xend-domain-lock: this host joins the sanlock lock space
 * kept in xend-domain-lock-path, in a thread (sanlock takes 20 s or more
 * to grant a host id), so the loop never waits; domains start once it
 * has, and each one's monitor holds its lease (hypervisor/lease.c). */
#ifndef XEND_DOMAIN_LOCK_H
#define XEND_DOMAIN_LOCK_H

#include <stdbool.h>

struct event_base;
struct xend_options;
struct dlock;

/* NULL when (xend-domain-lock no). Otherwise the join is started, or
 * refused at once with a reason (no host id, a build without sanlock). */
struct dlock *dlock_new(struct event_base *base, const struct xend_options *opts);
/* The lock space stays joined: domains run on, holding their leases. */
void dlock_free(struct dlock *l);

/* Calls fn(arg) from the loop once the join has succeeded or failed (at
 * the loop's next turn when it has); at once when l is NULL. */
void dlock_wait(struct dlock *l, void (*fn)(void *), void *arg);
/* Why domains cannot start here (the join failed), or NULL. */
const char *dlock_error(const struct dlock *l);
/* What a domain's monitor is given (NULL, 0 when l is NULL). */
const char *dlock_dir(const struct dlock *l);
unsigned dlock_host_id(const struct dlock *l);

#endif
