/* domain-managed.c: managed domains (xm new): a config kept in the record
 * without a running domain, started, suspended and resumed on demand,
 * deleted when halted; and their on_xend_start / on_xend_stop policy
 * (reference 4.3, 12). */
#include "domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "events.h"
#include "log.h"
#include "store.h"

/* How long xend waits, when it stops, for the domains on_xend_stop
 * shuts down or suspends. */
#define XEND_STOP_POLICY_SECS	45

int
domain_new_managed(struct domains *t, const struct xv *vm, struct domain **out,
    struct xu_err *err)
{
	struct domain *d;

	*out = NULL;
	if ((d = domain_from_config(t, vm, "define", err)) == NULL)
		return err->rc ? err->rc : XU_ERR_INVALID;
	d->managed = true;
	d->phase = DOM_PHASE_HALTED;
	if (domain_save(d) != XU_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot define domain '%s': %s", d->name,
		    store_errmsg(t->x->store));
		domain_unref(d);
		return XU_ERR_IO;
	}
	domains_add(t, d);
	domain_event(d, "defined", events_data("memory_mib",
	    xv_int(d->cfg.memory), "vcpus", xv_int(d->cfg.vcpus), NULL),
	    "defined (managed, %lld MiB, %u vCPUs)", (long long)d->cfg.memory,
	    d->cfg.vcpus);
	*out = d;
	return XU_OK;
}

int
domain_start_managed(struct domain *d, bool paused, domain_started_fn done,
    void *arg, struct xu_err *err)
{
	int rc;

	if (!d->managed || d->phase != DOM_PHASE_HALTED) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' is %s: only a halted "
		    "managed domain can be started", d->name, d->is_dom0 ||
		    d->phase != DOM_PHASE_HALTED ? "already running" : "not managed");
		return XU_ERR_INVALID;
	}
	/* a saved image is never thrown away by a cold boot */
	if (d->suspended)
		return domain_resume(d, paused, done, arg, err);
	if ((rc = domain_admit(d, "start", err)) != XU_OK)
		return rc;
	d->phase = DOM_PHASE_STARTING;
	if ((rc = domain_launch(d, paused, -1, done, arg, err)) != XU_OK) {
		d->phase = DOM_PHASE_HALTED;
		return rc;
	}
	domain_log(d, "starting%s", paused ? " (paused)" : "");
	return XU_OK;
}

int
domain_delete(struct domain *d, struct xu_err *err)
{
	struct store *st = d->tab->x->store;
	char *path, *dir;

	if (!d->managed || d->phase != DOM_PHASE_HALTED) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' must be halted and "
		    "managed to be deleted%s", d->name, d->managed ?
		    " (destroy or shut it down first)" : "");
		return XU_ERR_INVALID;
	}
	if (store_domain_delete(st, d->uuid) != XU_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot delete domain '%s': %s", d->name,
		    store_errmsg(st));
		return XU_ERR_IO;
	}
	path = domain_checkpoint_path(d);
	dir = xu_strndup(path, (size_t)(strrchr(path, '/') - path));
	(void)unlink(path);
	(void)rmdir(dir);
	free(dir);
	free(path);
	domain_event(d, "deleted", NULL, "deleted");
	domains_remove(d->tab, d);
	return XU_OK;
}

/* ---- when xend starts and stops ----------------------------------------- */

static void
autostarted(struct domain *d, int rc, const char *msg, void *arg)
{
	if (rc != XC_OK)
		log_error("Domain %s: on_xend_start: cannot start: %s", d->name, msg);
}

void
domains_xend_started(struct domains *t)
{
	struct xu_err err;
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct domain *d = t->v[i];

		if (!d->managed || d->phase != DOM_PHASE_HALTED || !d->cfg.on_xend_start)
			continue;
		memset(&err, 0, sizeof(err));
		domain_log(d, "on_xend_start: starting");
		if (domain_start_managed(d, false, autostarted, NULL, &err) != XU_OK)
			log_error("Domain %s: on_xend_start: %s", d->name, err.msg);
	}
}

struct stop_wait {
	struct domains *t;
	void (*done)(void *);
	void *arg;
	struct event *timer;
	double deadline;
	int pending;		/* suspends not yet answered */
};

static void
suspended(struct domain *d, int rc, const char *msg, void *arg)
{
	struct stop_wait *w = arg;

	w->pending--;
	if (rc != XU_OK)
		log_error("Domain %s: on_xend_stop suspend failed: %s", d->name, msg);
}

/* Domains told to shut down are done when they are halted. */
static bool
all_done(struct stop_wait *w)
{
	size_t i;

	if (w->pending > 0)
		return false;
	for (i = 0; i < w->t->n; i++) {
		struct domain *d = w->t->v[i];

		if (d->managed && d->cfg.on_xend_stop == DOM_XEND_STOP_SHUTDOWN &&
		    d->phase != DOM_PHASE_HALTED)
			return false;
	}
	return true;
}

static void
stop_poll(evutil_socket_t fd, short what, void *arg)
{
	struct stop_wait *w = arg;
	struct timeval tv = { 0, 200 * 1000 };
	size_t i;

	if (!all_done(w) && domain_now() < w->deadline) {
		evtimer_add(w->timer, &tv);
		return;
	}
	for (i = 0; i < w->t->n; i++) {
		struct domain *d = w->t->v[i];

		if (d->managed && d->cfg.on_xend_stop != DOM_XEND_STOP_IGNORE)
			domain_log(d, "on_xend_stop %s: %s", d->cfg.on_xend_stop ==
			    DOM_XEND_STOP_SHUTDOWN ? "shutdown" : "suspend",
			    d->phase == DOM_PHASE_HALTED ? (d->suspended ? "suspended" :
			    "halted") : "still running when xend stopped");
	}
	event_free(w->timer);
	w->done(w->arg);
	free(w);
}

void
domains_xend_stopping(struct domains *t, void (*done)(void *), void *arg)
{
	struct stop_wait *w = xu_calloc(1, sizeof(*w));
	struct timeval now = { 0, 0 };
	struct xu_err err;
	size_t i;

	w->t = t;
	w->done = done;
	w->arg = arg;
	w->deadline = domain_now() + XEND_STOP_POLICY_SECS;
	w->timer = evtimer_new(t->x->base, stop_poll, w);
	for (i = 0; i < t->n; i++) {
		struct domain *d = t->v[i];

		if (!d->managed || !domain_running(d) || d->phase != DOM_PHASE_ACTIVE)
			continue;
		memset(&err, 0, sizeof(err));
		if (d->cfg.on_xend_stop == DOM_XEND_STOP_SHUTDOWN) {
			domain_log(d, "on_xend_stop: shutting down");
			if (domain_shutdown(d, "poweroff", &err) != XU_OK)
				log_error("Domain %s: on_xend_stop: %s", d->name, err.msg);
		} else if (d->cfg.on_xend_stop == DOM_XEND_STOP_SUSPEND) {
			domain_log(d, "on_xend_stop: suspending");
			w->pending++;
			if (domain_suspend(d, suspended, w, &err) != XU_OK) {
				w->pending--;
				log_error("Domain %s: on_xend_stop: %s", d->name, err.msg);
			}
		}
	}
	evtimer_add(w->timer, &now);
}
