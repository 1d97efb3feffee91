/* domain-adopt.c: at start, the record (SQLite) is reconciled with the
 * monitors that run: a domain with both is re-adopted as it is; a record
 * whose monitor is gone died while xend was away and gets its on_crash; a
 * monitor without a record is adopted from what it says of itself. Half
 * done work (starting, restarting, destroying) is finished. No domain is
 * ever started twice and none is stopped for xend's sake. */
#include "domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <uuid/uuid.h>

#include "daemon.h"
#include "device.h"
#include "log.h"
#include "sxp.h"
#include "store.h"

/* How long a 'starting' record waits for its monitor to answer: libxc's
 * start timeout (60 s) and a margin. */
#define ADOPT_START_WAIT_SECS	65

static struct xc_dominfo *
find_monitor(struct xc_dominfo *mons, size_t n, bool *used, int64_t domid)
{
	size_t i;

	for (i = 0; domid > 0 && i < n; i++) {
		if (mons[i].domid == (uint32_t)domid && !used[i]) {
			used[i] = true;
			return &mons[i];
		}
	}
	return NULL;
}

/* A domain as its row describes it; its config was checked when it was
 * created, so only the text is read again (files may have moved since). */
static struct domain *
from_row(struct domains *t, const struct store_domain *row)
{
	struct domain *d = domain_new(t);
	struct xu_err err = { 0 };
	struct xv *vm = NULL;

	snprintf(d->uuid, sizeof(d->uuid), "%s", row->uuid);
	d->name = xu_strdup(row->name);
	d->domid = row->domid > 0 ? (uint32_t)row->domid : 0;
	d->managed = row->managed;
	d->restart_count = row->restart_count;
	d->start_time = row->start_time;
	snprintf(d->saved_state, sizeof(d->saved_state), "%s", row->state);
	if (sxp_parse_one(row->config, strlen(row->config), &vm, &err) != XU_OK ||
	    domain_config_parse_nofiles(vm, &d->cfg, &err) != XU_OK) {
		log_error("Domain %s: its recorded config cannot be read (%s); "
		    "it is kept, but cannot be restarted", d->name, err.msg);
		domain_config_init(&d->cfg);
		if (vm == NULL) {
			vm = xv_list();
			xv_append(vm, xv_str("vm"));
		}
	}
	d->vm = vm;
	domain_sxp_set(d->vm, "name", xv_str(d->name));
	domain_sxp_set(d->vm, "uuid", xv_str(d->uuid));
	/* a managed domain is suspended while its checkpoint exists */
	if (d->managed) {
		char *path = domain_checkpoint_path(d);

		d->suspended = access(path, R_OK) == 0;
		free(path);
	}
	return d;
}

/* xm mem-set and vcpu-set record the change before making it: a change
 * the previous xend recorded but did not make (or that the monitor has
 * not seen) is made now. */
static void
finish_resources(struct domain *d, const struct xc_dominfo *info)
{
	xc_interface *xc = d->tab->x->xc;

	if (d->cfg.memory > 0 && info->memory_mb != (uint64_t)d->cfg.memory) {
		if (xc_domain_set_target(xc, d->domid, (uint64_t)d->cfg.memory) == XC_OK) {
			d->info.memory_mb = (uint64_t)d->cfg.memory;
			domain_log(d, "memory target %lld MiB, as recorded (it was "
			    "%llu MiB)", (long long)d->cfg.memory,
			    (unsigned long long)info->memory_mb);
		} else
			log_error("Domain %s: cannot set its recorded memory target "
			    "(%lld MiB): %s", d->name, (long long)d->cfg.memory,
			    xc_last_error(xc));
	}
	if (d->cfg.vcpus > 0 && info->vcpus_online != d->cfg.vcpus) {
		if (xc_domain_set_vcpus(xc, d->domid, d->cfg.vcpus) == XC_OK) {
			d->info.vcpus_online = d->cfg.vcpus;
			domain_log(d, "%u vCPUs, as recorded (it had %u)", d->cfg.vcpus,
			    info->vcpus_online);
		} else
			log_error("Domain %s: cannot set its recorded vCPUs (%u): %s",
			    d->name, d->cfg.vcpus, xc_last_error(xc));
	}
}

static void
adopt_running(struct domain *d, const struct xc_dominfo *info)
{
	d->phase = DOM_PHASE_ACTIVE;
	d->info = *info;
	d->have_info = true;
	if (d->start_time <= 0)
		d->start_time = info->start_time;
	/* a stop is recorded only by acting on it (domain_stopped) */
	if (info->state != XC_DOM_SHUTDOWN && info->state != XC_DOM_CRASHED &&
	    strcmp(d->saved_state, domain_state_word(d)) != 0)
		(void)domain_save(d);
	domain_log(d, "re-adopted (%s, monitor pid %d, QEMU pid %d)",
	    domain_state_word(d), info->monitor_pid, info->engine_pid);
	if (info->state != XC_DOM_SHUTDOWN && info->state != XC_DOM_CRASHED)
		finish_resources(d, info);
	/* a stopped monitor's pending events say why; if they are gone,
	 * check_stopped applies the policy from its state */
	d->check_stopped = info->state == XC_DOM_SHUTDOWN ||
	    info->state == XC_DOM_CRASHED;
	if (domain_subscribe(d) != XC_OK) {
		log_error("Domain %s (%u): cannot subscribe to its events: %s",
		    d->name, d->domid, xc_last_error(d->tab->x->xc));
		d->check_stopped = false;
	}
}

static void
drop(struct domain *d, const char *why)
{
	domain_log(d, "%s", why);
	(void)domain_forget(d);
	if (!d->managed)
		domains_remove(d->tab, d);
}

/* ---- a 'starting' record: the monitor may still be on its way up -------- */

static void
restarted(struct domain *d, int rc, const char *msg, void *arg)
{
	if (rc != XC_OK)
		log_error("VM %s could not be restarted: %s", d->name, msg);
}

/* No monitor came: a creation is abandoned (its caller never had an
 * answer), a restart is carried out (the guest was running before). */
static void
start_lost(struct domain *d)
{
	if (d->restart_count > 0) {
		domain_log(d, "its restart did not complete (xend stopped "
		    "meanwhile): starting it again");
		domain_start(d, false, restarted, NULL);
		return;
	}
	d->phase = DOM_PHASE_DESTROYING;
	drop(d, "its creation did not complete (xend stopped meanwhile): "
	    "removed");
}

static void
starting_poll(evutil_socket_t fd, short what, void *arg)
{
	struct domain *d = arg;
	struct xc_dominfo info;
	double left;
	int rc;

	rc = xc_domain_getinfo(d->tab->x->xc, d->domid, &info);
	left = d->adopt_deadline - domain_now();
	if (rc != XC_OK && left > 0) {
		/* 1, 2, 4 ... 8 s apart: each miss is a line in the log */
		struct timeval tv = { d->adopt_wait, 0 };

		if (tv.tv_sec > left)
			tv.tv_sec = (time_t)left + 1;
		d->adopt_wait = d->adopt_wait < 8 ? d->adopt_wait * 2 : 8;
		evtimer_add(d->adopt_timer, &tv);
		return;
	}
	event_free(d->adopt_timer);
	d->adopt_timer = NULL;
	domain_ref(d);
	if (rc == XC_OK)
		adopt_running(d, &info);
	else
		start_lost(d);
	/* a new start runs its waiters when it ends */
	if (d->start == NULL)
		domain_run_waiters(d);
	domain_unref(d);
}

void
domain_adopt_hurry(struct domain *d)
{
	struct timeval tv = { 1, 0 };

	if (d->adopt_timer == NULL)
		return;
	d->adopt_deadline = domain_now();
	evtimer_add(d->adopt_timer, &tv);
}

static void
wait_for_start(struct domain *d)
{
	struct timeval tv = { 0, 0 };

	d->phase = DOM_PHASE_STARTING;
	d->adopt_deadline = domain_now() + ADOPT_START_WAIT_SECS;
	d->adopt_wait = 1;
	d->adopt_timer = evtimer_new(d->tab->x->base, starting_poll, d);
	evtimer_add(d->adopt_timer, &tv);
	log_info("Domain %s (%u): was starting when xend stopped; waiting up to "
	    "%d s for its monitor", d->name, d->domid, ADOPT_START_WAIT_SECS);
}

/* ---- the cases ----------------------------------------------------------- */

static void
with_monitor(struct domain *d, const struct xc_dominfo *info)
{
	struct xu_err err = { 0 };
	xc_interface *xc = d->tab->x->xc;
	int rc;

	if (strcmp(d->saved_state, "destroying") == 0) {
		d->phase = DOM_PHASE_ACTIVE;
		if (domain_teardown(d, "destroy interrupted by xend's stop", &err)
		    != XU_OK)
			log_error("%s", err.msg);
		return;
	}
	if (strcmp(d->saved_state, "restarting") == 0) {
		rc = xc_domain_destroy(xc, d->domid);
		if (rc != XC_OK && rc != XC_ERR_NO_DOMAIN) {
			log_error("Domain %s (%u): cannot finish its restart: %s",
			    d->name, d->domid, xc_last_error(xc));
			adopt_running(d, info);
			return;
		}
		d->domid = 0;
		domain_restart_resume(d);
		return;
	}
	adopt_running(d, info);
}

static void
without_monitor(struct domain *d)
{
	const char *st = d->saved_state;

	if ((strcmp(st, "halted") == 0 || strcmp(st, "suspended") == 0) &&
	    d->managed) {
		d->phase = DOM_PHASE_HALTED;
		d->domid = 0;
		return;
	}
	if (strcmp(st, "destroying") == 0) {
		d->phase = DOM_PHASE_DESTROYING;
		drop(d, "destroyed (finished after xend's restart)");
		return;
	}
	if (strcmp(st, "restarting") == 0) {
		d->domid = 0;
		domain_restart_resume(d);
		return;
	}
	if (strcmp(st, "starting") == 0) {
		char *phase = d->domid != 0 ? devices_get_phase(d) : NULL;

		/* still bringing its devices up: no monitor was ever asked for */
		if (phase != NULL && strcmp(phase, "devices") == 0) {
			d->phase = DOM_PHASE_STARTING;
			start_lost(d);
		} else if (d->domid != 0)
			wait_for_start(d);
		else
			drop(d, "its creation never got a domain id: removed");
		free(phase);
		return;
	}
	if (strcmp(st, "shutdown") == 0 || strcmp(st, "crashed") == 0) {
		d->phase = DOM_PHASE_DESTROYING;
		drop(d, "was preserved stopped, but its monitor is gone: removed");
		return;
	}
	/* it was running: it died while xend was not looking */
	d->phase = DOM_PHASE_ACTIVE;
	d->have_info = false;
	log_warn("Domain %s (%u) died while xend was not running (its monitor "
	    "is gone)", d->name, d->domid);
	domain_stopped(d, XC_DOM_CRASHED, XC_SHUTDOWN_CRASH,
	    "its monitor is gone");
}

/* A monitor nobody recorded: started by hand, or by another tool. It is
 * adopted rather than hidden; what it was built from is unknown, so it is
 * not restarted, and kept when it crashes. */
static void
orphan(struct domains *t, const struct xc_dominfo *info)
{
	struct domain *d = domain_new(t);
	uuid_t u;

	if (uuid_parse(info->uuid, u) == 0 && domains_by_uuid(t, info->uuid) == NULL)
		uuid_unparse_lower(u, d->uuid);
	else {
		uuid_generate(u);
		uuid_unparse_lower(u, d->uuid);
	}
	if (domain_name_valid(info->name) && domains_by_name(t, info->name) == NULL)
		d->name = xu_strdup(info->name);
	else
		d->name = xu_asprintf("Domain-%s", d->uuid);
	d->domid = info->domid;
	d->vm = xv_list();
	xv_append(d->vm, xv_str("vm"));
	xv_append_pair(d->vm, "name", xv_str(d->name));
	xv_append_pair(d->vm, "uuid", xv_str(d->uuid));
	xv_append_pair(d->vm, "memory", xv_int((int64_t)info->memory_mb));
	xv_append_pair(d->vm, "maxmem", xv_int((int64_t)info->maxmem_mb));
	xv_append_pair(d->vm, "vcpus", xv_int(info->maxvcpus));
	xv_append_pair(d->vm, "on_poweroff", xv_str("destroy"));
	xv_append_pair(d->vm, "on_reboot", xv_str("destroy"));
	xv_append_pair(d->vm, "on_crash", xv_str("preserve"));
	d->cfg.memory = (int64_t)info->memory_mb;
	d->cfg.maxmem = (int64_t)info->maxmem_mb;
	d->cfg.vcpus = info->vcpus_online;
	d->cfg.maxvcpus = info->maxvcpus;
	d->cfg.on_reboot = DOM_ACT_DESTROY;
	d->cfg.on_crash = DOM_ACT_PRESERVE;
	d->start_time = info->start_time;
	d->phase = DOM_PHASE_ACTIVE;
	d->info = *info;
	d->have_info = true;
	domains_add(t, d);
	log_warn("Domain %u (%s) runs without a record: adopted as '%s'; its "
	    "config is unknown, so a reboot stops it", info->domid, info->name,
	    d->name);
	adopt_running(d, info);	/* records it */
}

void
domains_reconcile(struct domains *t)
{
	struct xend *x = t->x;
	struct store_domain *rows = NULL;
	struct xc_dominfo *mons = NULL, **ms;
	size_t nrows = 0, nmons = 0, i;
	struct domain **ds;
	bool *used;

	if (store_domain_list(x->store, &rows, &nrows) != XU_OK)
		log_error("cannot read the domain records: %s",
		    store_errmsg(x->store));
	if (xc_domain_list(x->xc, &mons, &nmons) != XC_OK)
		log_error("cannot list the running domains: %s",
		    xc_last_error(x->xc));
	used = xu_calloc(nmons + 1, sizeof(*used));
	for (i = 0; i < nmons; i++)
		if (store_domid_seen(x->store, mons[i].domid) != XU_OK)
			log_error("%s", store_errmsg(x->store));
	log_info("reconciling %zu domain record%s with %zu running monitor%s",
	    nrows, nrows == 1 ? "" : "s", nmons, nmons == 1 ? "" : "s");
	/* every record is in the table before any action runs, so names and
	 * UUIDs taken by records are never given to orphans */
	ds = xu_calloc(nrows + 1, sizeof(*ds));
	ms = xu_calloc(nrows + 1, sizeof(*ms));
	for (i = 0; i < nrows; i++) {
		ds[i] = from_row(t, &rows[i]);
		ms[i] = find_monitor(mons, nmons, used, rows[i].domid);
		domains_add(t, ds[i]);
		domain_ref(ds[i]);
	}
	for (i = 0; i < nrows; i++) {
		if (!ds[i]->removed) {
			if (ms[i] != NULL)
				with_monitor(ds[i], ms[i]);
			else
				without_monitor(ds[i]);
		}
		domain_unref(ds[i]);
	}
	for (i = 0; i < nmons; i++)
		if (!used[i])
			orphan(t, &mons[i]);
	for (i = 0; i < nrows; i++)
		store_domain_dispose(&rows[i]);
	free(rows);
	free(mons);
	free(used);
	free(ds);
	free(ms);
}
