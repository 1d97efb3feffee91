/* domain-resources.c: a domain's memory, vCPUs and CPU scheduling, the
 * Xen way: each change is checked, applied live through libxc when the
 * domain runs, and recorded in its (vm ...) config in the same step, so
 * it holds after an xend restart, a guest reboot and a restore. A balloon
 * target is answered when the guest reports it, or as not reached after
 * a time limit: never retried, never reported done when it is not. */
#include "domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cpumap.h"
#include "daemon.h"
#include "fault.h"
#include "log.h"
#include "memory.h"
#include "store.h"

#define BALLOON_WAIT_SECS	30

struct balloon_wait {
	struct domain *d;
	int64_t target;
	domain_result_fn done;
	void *arg;
	struct event *timer;
	struct balloon_wait *next;
};

static double
balloon_wait_secs(void)
{
	const char *s = getenv("XEND_BALLOON_WAIT_SECS");
	int64_t v;

	if (s != NULL && xu_parse_int64(s, &v) == XU_OK && v > 0 && v < 3600)
		return (double)v;
	return BALLOON_WAIT_SECS;
}

/* Records d's changed config; err says why it could not. */
static int
record(struct domain *d, struct xu_err *err)
{
	if (domain_save(d) != XU_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "domain '%s': the change cannot be "
		    "recorded: %s", d->name, store_errmsg(d->tab->x->store));
		return XU_ERR_IO;
	}
	return XU_OK;
}

static int
xc_failed(struct domain *d, const char *what, int rc, struct xu_err *err)
{
	const char *detail = xc_last_error(d->tab->x->xc);

	xu_err_set(err, rc == XC_ERR_INVALID ? XU_ERR_INVALID : XU_ERR_IO, 0,
	    "domain '%s': %s: %s", d->name, what, *detail ? detail : xc_strerror(rc));
	return err->rc;
}

static bool
live(const struct domain *d)
{
	return domain_running(d) && d->phase == DOM_PHASE_ACTIVE;
}

/* ---- the balloon ------------------------------------------------------ */

static void
wait_end(struct balloon_wait *w, int rc, const char *msg)
{
	struct domain *d = w->d;
	struct balloon_wait **pp;

	for (pp = &d->balloon_waits; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	event_free(w->timer);
	w->done(d, rc, msg, w->arg);
	domain_unref(d);
	free(w);
}

static void
wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct balloon_wait *w = arg;
	struct domain *d = w->d;
	char msg[256];

	if (live(d) && domain_refresh(d) && d->info.memory_actual_mb > 0)
		snprintf(msg, sizeof(msg), "domain '%s': memory target %lld MiB not "
		    "reached within %.0f s: the guest reports %llu MiB", d->name,
		    (long long)w->target, balloon_wait_secs(),
		    (unsigned long long)d->info.memory_actual_mb);
	else
		snprintf(msg, sizeof(msg), "domain '%s': memory target %lld MiB not "
		    "reached: the domain is no longer running", d->name,
		    (long long)w->target);
	domain_log(d, "%s", msg);
	wait_end(w, XU_ERR_RANGE, msg);
}

void
domain_balloon_progress(struct domain *d)
{
	struct balloon_wait *w, *next;
	char msg[160];

	for (w = d->balloon_waits; w != NULL; w = next) {
		next = w->next;
		if ((int64_t)d->info.memory_actual_mb == w->target) {
			wait_end(w, XU_OK, NULL);
		} else if (w->target != d->cfg.memory) {
			snprintf(msg, sizeof(msg), "domain '%s': memory target %lld MiB "
			    "replaced by %lld MiB before it was reached", d->name,
			    (long long)w->target, (long long)d->cfg.memory);
			wait_end(w, XU_ERR_RANGE, msg);
		}
	}
}

static void
wait_for_target(struct domain *d, domain_result_fn done, void *arg)
{
	struct balloon_wait *w = xu_calloc(1, sizeof(*w));
	double secs = balloon_wait_secs();
	struct timeval tv = { (time_t)secs, 0 };

	domain_ref(d);
	w->d = d;
	w->target = d->cfg.memory;
	w->done = done;
	w->arg = arg;
	w->timer = evtimer_new(d->tab->x->base, wait_timeout, w);
	evtimer_add(w->timer, &tv);
	w->next = d->balloon_waits;
	d->balloon_waits = w;
	/* the guest may be there already (or an older target is replaced) */
	if (domain_refresh(d))
		domain_balloon_progress(d);
}

int
domain_set_memory(struct domain *d, int64_t mb, domain_result_fn done, void *arg,
    struct xu_err *err)
{
	int64_t old = d->cfg.memory, ceiling = d->cfg.maxmem;
	int rc;

	if (d->is_dom0) {
		if ((rc = memory_set_dom0(d->tab, mb, err)) != XU_OK)
			return rc;
		done(d, XU_OK, NULL, arg);
		return XU_OK;
	}
	if (live(d) && domain_refresh(d) && d->info.boot_mem_mb > 0 &&
	    (int64_t)d->info.boot_mem_mb < ceiling)
		ceiling = (int64_t)d->info.boot_mem_mb;
	if (mb < 1 || mb > ceiling) {
		xu_err_set(err, XU_ERR_RANGE, 0, "domain '%s': memory target %lld MiB "
		    "is outside 1 to %lld MiB (maxmem%s)", d->name, (long long)mb,
		    (long long)ceiling, ceiling < d->cfg.maxmem ?
		    ", as much as the guest booted with" : "");
		return XU_ERR_RANGE;
	}
	if (live(d) && mb > old && (rc = memory_admit(d->tab, mb - old, err)) != XU_OK) {
		char *cause = xu_strdup(err->msg);

		xu_err_set(err, rc, 0, "domain '%s': cannot grow to %lld MiB: %s",
		    d->name, (long long)mb, cause);
		free(cause);
		return rc;
	}
	/* the record first: a new xend gives the monitor what it says */
	d->cfg.memory = mb;
	domain_sxp_set(d->vm, "memory", xv_int(mb));
	if ((rc = record(d, err)) != XU_OK) {
		d->cfg.memory = old;
		domain_sxp_set(d->vm, "memory", xv_int(old));
		return rc;
	}
	FAULT_POINT("mem-set.recorded", d->name);
	if (live(d) && (rc = xc_domain_set_target(d->tab->x->xc, d->domid,
	    (uint64_t)mb)) != XC_OK) {
		d->cfg.memory = old;
		domain_sxp_set(d->vm, "memory", xv_int(old));
		(void)domain_save(d);
		return xc_failed(d, "cannot set the memory target", rc, err);
	}
	FAULT_POINT("mem-set.done", d->name);
	domain_log(d, "memory target %lld MiB (was %lld MiB)", (long long)mb,
	    (long long)old);
	if (live(d) && d->info.state != XC_DOM_SHUTDOWN && d->info.state != XC_DOM_CRASHED)
		wait_for_target(d, done, arg);
	else
		done(d, XU_OK, NULL, arg);
	return XU_OK;
}

int
domain_set_maxmem(struct domain *d, int64_t mb, struct xu_err *err)
{
	int rc;

	if (d->is_dom0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Cannot change memory max of dom0: "
		    "its share is a reservation (xm mem-set 0 N)");
		return XU_ERR_INVALID;
	}
	if (mb < d->cfg.memory || mb > DOMAIN_MEMORY_MAX) {
		xu_err_set(err, XU_ERR_RANGE, 0, "domain '%s': maxmem %lld MiB is "
		    "below the memory target %lld MiB (lower the target first with "
		    "xm mem-set)", d->name, (long long)mb, (long long)d->cfg.memory);
		if (mb > DOMAIN_MEMORY_MAX)
			xu_err_set(err, XU_ERR_RANGE, 0, "domain '%s': maxmem %lld MiB is "
			    "above %d MiB", d->name, (long long)mb, DOMAIN_MEMORY_MAX);
		return XU_ERR_RANGE;
	}
	/* A running guest cannot grow past the RAM it booted with; a higher
	 * ceiling is recorded and takes effect at its next boot. */
	if (live(d) && domain_refresh(d)) {
		uint64_t now = (uint64_t)mb;

		if (d->info.boot_mem_mb > 0 && now > d->info.boot_mem_mb)
			now = d->info.boot_mem_mb;
		if ((rc = xc_domain_setmaxmem(d->tab->x->xc, d->domid, now)) != XC_OK)
			return xc_failed(d, "cannot set maxmem", rc, err);
	}
	d->cfg.maxmem = mb;
	domain_sxp_set(d->vm, "maxmem", xv_int(mb));
	if ((rc = record(d, err)) != XU_OK)
		return rc;
	domain_log(d, "maxmem %lld MiB", (long long)mb);
	return XU_OK;
}

/* ---- vCPUs -------------------------------------------------------------- */

/* n vCPUs online, in the config and its record's text */
static void
set_vcpus_sxp(struct domain *d, unsigned n)
{
	d->cfg.vcpus = n;
	if (n < 63)
		domain_sxp_set(d->vm, "vcpu_avail", xv_int((INT64_C(1) << n) - 1));
}

int
domain_set_vcpus(struct domain *d, int64_t n, struct xu_err *err)
{
	unsigned max = d->cfg.maxvcpus;
	int rc;

	if (d->is_dom0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain-0's vCPUs are the host's CPUs");
		return XU_ERR_INVALID;
	}
	if (!live(d) && d->phase == DOM_PHASE_HALTED) {
		/* an inactive managed domain: this is its size (classic) */
		if (n < 1 || n > DOMAIN_VCPUS_MAX) {
			xu_err_set(err, XU_ERR_RANGE, 0, "domain '%s': %lld vCPUs: use 1 "
			    "to %d", d->name, (long long)n, DOMAIN_VCPUS_MAX);
			return XU_ERR_RANGE;
		}
		max = (unsigned)n;
	} else if (n < 1 || n > max) {
		xu_err_set(err, XU_ERR_RANGE, 0, "domain '%s': %lld vCPUs: it has 1 to "
		    "%u (maxvcpus)", d->name, (long long)n, max);
		return XU_ERR_RANGE;
	}
	/* a running domain: the record first, as for the memory target */
	if (live(d)) {
		unsigned was = d->cfg.vcpus;

		set_vcpus_sxp(d, (unsigned)n);
		if ((rc = record(d, err)) != XU_OK) {
			set_vcpus_sxp(d, was);
			return rc;
		}
		FAULT_POINT("vcpu-set.recorded", d->name);
		if ((rc = xc_domain_set_vcpus(d->tab->x->xc, d->domid,
		    (unsigned)n)) != XC_OK) {
			set_vcpus_sxp(d, was);
			(void)domain_save(d);
			return xc_failed(d, "cannot change its vCPUs", rc, err);
		}
		FAULT_POINT("vcpu-set.done", d->name);
	}
	if (max != d->cfg.maxvcpus) {
		/* the affinity table follows the new size */
		for (unsigned i = 0; d->cfg.affinity != NULL && i < d->cfg.maxvcpus; i++)
			free(d->cfg.affinity[i]);
		free(d->cfg.affinity);
		d->cfg.affinity = NULL;
		domain_sxp_remove(d->vm, "cpus");
	}
	d->cfg.maxvcpus = max;
	domain_sxp_set(d->vm, "vcpus", xv_int(max));
	set_vcpus_sxp(d, (unsigned)n);
	if ((rc = record(d, err)) != XU_OK)
		return rc;
	domain_log(d, "%lld vCPUs", (long long)n);
	return XU_OK;
}

int
domain_pin_vcpu(struct domain *d, int64_t vcpu, const char *cpus, struct xu_err *err)
{
	struct xv *list;
	unsigned i;
	int rc;

	if (d->is_dom0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain-0's vCPUs are the host's CPUs "
		    "and cannot be pinned here");
		return XU_ERR_INVALID;
	}
	if (vcpu < -1 || vcpu >= (int64_t)d->cfg.maxvcpus) {
		xu_err_set(err, XU_ERR_RANGE, 0, "domain '%s': vCPU %lld does not exist "
		    "(it has vCPUs 0 to %u)", d->name, (long long)vcpu, d->cfg.maxvcpus - 1);
		return XU_ERR_RANGE;
	}
	if ((rc = domain_cpulist_check(cpus, err)) != XU_OK) {
		char *cause = xu_strdup(err->msg);

		xu_err_set(err, rc, 0, "domain '%s': %s", d->name, cause);
		free(cause);
		return rc;
	}
	if (live(d) && (rc = xc_vcpu_setaffinity(d->tab->x->xc, d->domid, (int)vcpu,
	    cpus)) != XC_OK)
		return xc_failed(d, "cannot pin", rc, err);
	if (d->cfg.affinity == NULL)
		d->cfg.affinity = xu_calloc(d->cfg.maxvcpus, sizeof(*d->cfg.affinity));
	list = xv_list();
	for (i = 0; i < d->cfg.maxvcpus; i++) {
		if (vcpu < 0 || (unsigned)vcpu == i) {
			free(d->cfg.affinity[i]);
			d->cfg.affinity[i] = xu_strdup(cpus);
		}
		xv_append(list, xv_str(d->cfg.affinity[i] ? d->cfg.affinity[i] : "all"));
	}
	domain_sxp_set(d->vm, "cpus", list);
	if ((rc = record(d, err)) != XU_OK)
		return rc;
	if (vcpu < 0)
		domain_log(d, "every vCPU pinned to CPUs %s", cpus);
	else
		domain_log(d, "vCPU %lld pinned to CPUs %s", (long long)vcpu, cpus);
	return XU_OK;
}

/* ---- the credit scheduler ---------------------------------------------- */

int
domain_sched_credit(struct domain *d, int64_t weight, int64_t cap, struct xu_err *err)
{
	int64_t maxcap = 100 * (int64_t)(d->is_dom0 ? 1 : d->cfg.maxvcpus);
	int rc;

	if (weight != -1 && (weight < 1 || weight > 65535)) {
		xu_err_set(err, XU_ERR_RANGE, 0, "domain '%s': weight %lld is outside "
		    "1 to 65535", d->name, (long long)weight);
		return XU_ERR_RANGE;
	}
	if (cap != -1 && (cap < 0 || cap > maxcap)) {
		xu_err_set(err, XU_ERR_RANGE, 0, "domain '%s': cap %lld is outside 0 "
		    "to %lld (100 per vCPU; 0 is no cap)", d->name, (long long)cap,
		    (long long)maxcap);
		return XU_ERR_RANGE;
	}
	if (d->is_dom0) {
		xu_err_set(err, XU_ERR_UNSUPPORTED, 0, "Domain-0 is the host: its "
		    "processes are scheduled by Linux, not by xend");
		return XU_ERR_UNSUPPORTED;
	}
	if (live(d) && (rc = xc_sched_credit_domain_set(d->tab->x->xc, d->domid,
	    (int)weight, (int)cap)) != XC_OK)
		return xc_failed(d, "cannot set the scheduler's weight and cap", rc, err);
	if (weight != -1) {
		d->cfg.cpu_weight = (unsigned)weight;
		domain_sxp_set(d->vm, "cpu_weight", xv_int(weight));
	}
	if (cap != -1) {
		d->cfg.cpu_cap = (unsigned)cap;
		domain_sxp_set(d->vm, "cpu_cap", xv_int(cap));
	}
	if ((rc = record(d, err)) != XU_OK)
		return rc;
	domain_log(d, "scheduler weight %u, cap %u", d->cfg.cpu_weight, d->cfg.cpu_cap);
	return XU_OK;
}
