/* domain-events.c: each running domain's monitor events on the loop, and
 * the on_poweroff / on_reboot / on_crash policy they trigger (reference
 * 12): destroy, restart (a new domid, the same name and UUID), preserve,
 * rename-restart, with the restart loop guard. An event is acknowledged
 * only once the first step of its action is committed to the record, so
 * an xend killed half-way sees it again, or finds the intent recorded. */
#include "domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <uuid/uuid.h>

#include "daemon.h"
#include "device.h"
#include "fault.h"
#include "events.h"
#include "log.h"
#include "loopwatch.h"
#include "store.h"
#include "xend-options.h"

static const char *
reason_word(enum xc_dom_state state, enum xc_shutdown_reason reason)
{
	if (state == XC_DOM_CRASHED)
		return "crash";
	switch (reason) {
	case XC_SHUTDOWN_POWEROFF:
		return "poweroff";
	case XC_SHUTDOWN_REBOOT:
		return "reboot";
	case XC_SHUTDOWN_SUSPEND:
		return "suspend";
	case XC_SHUTDOWN_CRASH:
		return "crash";
	case XC_SHUTDOWN_HALT:
		return "halt";
	}
	return "crash";
}

void
domain_ack(struct domain *d)
{
	xc_interface *xc = d->tab->x->xc;

	if (!d->ack_due)
		return;
	d->ack_due = false;
	if (d->ev_fd >= 0 && xc_event_ack(xc, d->ev_fd, d->ack_seq) != XC_OK)
		log_warn("Domain %s (%u): %s", d->name, d->domid, xc_last_error(xc));
}

/* ---- restart ------------------------------------------------------------ */

static void
restarted(struct domain *d, int rc, const char *msg, void *arg)
{
	if (rc != XC_OK)
		log_error("VM %s could not be restarted: %s", d->name, msg);
}

void
domain_restart_resume(struct domain *d)
{
	struct store *st = d->tab->x->store;
	struct xu_err err = { 0 };
	int rc;

	d->phase = DOM_PHASE_RESTARTING;
	d->have_info = false;
	d->pause_flag = false;
	d->admin_reboot = false;
	if ((rc = store_begin(st)) != XU_OK)
		goto fail;
	if ((rc = domain_alloc_domid(d->tab, &d->domid, &err)) != XU_OK) {
		store_rollback(st);
		goto fail;
	}
	d->restart_count++;
	d->start_time = 0;
	d->phase = DOM_PHASE_STARTING;
	if ((rc = domain_save(d)) != XU_OK) {
		store_rollback(st);
		goto fail;
	}
	if ((rc = store_commit(st)) != XU_OK)
		goto fail;
	domain_event(d, "rebooted", events_data("restart_count",
	    xv_int(d->restart_count), NULL), "restarting as domain %u "
	    "(restart %lld)", d->domid, (long long)d->restart_count);
	FAULT_POINT("restart.recorded-new", d->name);
	domain_start(d, false, restarted, NULL);
	return;
fail:
	log_error("VM %s could not be restarted: %s", d->name,
	    err.msg[0] ? err.msg : store_errmsg(st));
	d->domid = 0;
	(void)domain_forget(d);
	if (!d->managed)
		domains_remove(d->tab, d);
}

/* rename-restart: the stopped domain stays, renamed Domain-<new uuid> under
 * that new UUID, with its monitor and events; d goes on to restart under
 * its own name and UUID. Both rows change in one transaction. */
static struct domain *
split_preserved(struct domain *d)
{
	struct store *st = d->tab->x->store;
	struct domain *p = domain_new(d->tab);
	struct xu_err err;
	uuid_t u;

	uuid_generate(u);
	uuid_unparse_lower(u, p->uuid);
	p->name = xu_asprintf("Domain-%s", p->uuid);
	p->vm = xv_copy(d->vm);
	domain_sxp_set(p->vm, "name", xv_str(p->name));
	domain_sxp_set(p->vm, "uuid", xv_str(p->uuid));
	if (domain_config_parse_nofiles(p->vm, &p->cfg, &err) != XU_OK)
		domain_config_init(&p->cfg);
	p->domid = d->domid;
	p->phase = DOM_PHASE_ACTIVE;
	p->info = d->info;
	p->have_info = d->have_info;
	p->start_time = d->start_time;
	p->restart_count = d->restart_count;

	d->domid = 0;
	d->phase = DOM_PHASE_RESTARTING;
	if (store_begin(st) != XU_OK || domain_save(d) != XU_OK ||
	    domain_save(p) != XU_OK || store_commit(st) != XU_OK) {
		store_rollback(st);
		log_error("VM %s: cannot record the rename-restart: %s", d->name,
		    store_errmsg(st));
		d->domid = p->domid;
		d->phase = DOM_PHASE_ACTIVE;
		domain_unref(p);
		return NULL;
	}
	/* the subscription moves with the monitor */
	p->ev_fd = d->ev_fd;
	p->ack_seq = d->ack_seq;
	p->ack_due = d->ack_due;
	d->ev_fd = -1;
	d->ack_due = false;
	if (d->ev != NULL) {
		event_free(d->ev);
		d->ev = NULL;
	}
	domains_add(d->tab, p);
	domain_ack(p);
	domain_log(p, "kept stopped under this name (rename-restart of '%s')",
	    d->name);
	if (p->ev_fd >= 0)
		domain_events_watch(p);
	return p;
}

static void
restart(struct domain *d, bool rename)
{
	xc_interface *xc = d->tab->x->xc;
	int rc;

	if (rename) {
		if (split_preserved(d) == NULL)
			return;
	} else {
		d->phase = DOM_PHASE_RESTARTING;
		if (domain_save(d) != XU_OK)
			log_error("VM %s: restarting without a record of it", d->name);
		else
			domain_ack(d);
		FAULT_POINT("restart.recorded", d->name);
		domain_unsubscribe(d);
		rc = xc_domain_destroy(xc, d->domid);
		if (rc != XC_OK && rc != XC_ERR_NO_DOMAIN) {
			log_error("VM %s: cannot restart: the old domain %u cannot be "
			    "destroyed: %s", d->name, d->domid, xc_last_error(xc));
			d->phase = DOM_PHASE_ACTIVE;
			(void)domain_save(d);
			(void)domain_subscribe(d);
			return;
		}
		/* the old instance's taps and nodes go; its disks stay held */
		devices_release(d, true);
		FAULT_POINT("restart.destroyed", d->name);
		d->domid = 0;
	}
	domain_restart_resume(d);
}

/* ---- the policy ----------------------------------------------------------- */

static enum domain_action
action_for(const struct domain *d, enum xc_dom_state state,
    enum xc_shutdown_reason reason, const char **which)
{
	if (state == XC_DOM_CRASHED || reason == XC_SHUTDOWN_CRASH) {
		*which = "on_crash";
		return d->cfg.on_crash;
	}
	if (reason == XC_SHUTDOWN_REBOOT) {
		*which = "on_reboot";
		return d->cfg.on_reboot;
	}
	if (reason == XC_SHUTDOWN_SUSPEND) {
		/* no save image to resume from yet: keep it for inspection */
		*which = "suspend";
		return DOM_ACT_PRESERVE;
	}
	*which = "on_poweroff";
	return d->cfg.on_poweroff;
}

void
domain_stopped(struct domain *d, enum xc_dom_state state,
    enum xc_shutdown_reason reason, const char *why)
{
	struct domains *t = d->tab;
	struct xu_err err = { 0 };
	enum domain_action act;
	const char *which, *word = reason_word(state, reason);
	double up;

	FAULT_POINT("stop.seen", d->name);
	act = action_for(d, state, reason, &which);
	d->info.state = state;
	d->info.shutdown_reason = reason;
	d->have_info = true;
	domain_event(d, state == XC_DOM_CRASHED ? "crashed" : "shutdown",
	    events_data("reason", xv_str(word), "action",
	    xv_str(domain_action_name(act)), NULL), "%s (%s%s%s): %s %s",
	    state == XC_DOM_CRASHED ? "crashed" : "shut down", word,
	    why && *why ? ", " : "", why ? why : "", which,
	    domain_action_name(act));
	/* a panicked guest's QEMU holds it, paused: its core first, for
	 * on_crash = 'coredump-*' or, for any crash, xend-config's
	 * enable-dump */
	if (act == DOM_ACT_COREDUMP_DESTROY || act == DOM_ACT_COREDUMP_RESTART ||
	    (state == XC_DOM_CRASHED && xend_opt_bool(t->x->opts, "enable-dump"))) {
		struct xu_err derr = { 0 };

		if (domain_dump(d, NULL, true, false, false, NULL, &derr) != XU_OK)
			log_warn("Domain %s: no core dump: %s", d->name, derr.msg);
	}
	if (act == DOM_ACT_COREDUMP_DESTROY || act == DOM_ACT_COREDUMP_RESTART)
		act = act == DOM_ACT_COREDUMP_DESTROY ? DOM_ACT_DESTROY :
		    DOM_ACT_RESTART;
	up = d->start_time > 0 ? domain_now() - d->start_time : 1e9;
	/* The guard stops a guest that keeps crashing or rebooting by itself;
	 * a reboot the admin asked for is never a loop (classic xend refused
	 * `xm reboot` within 60 s of a boot, a sharp edge we drop). */
	if ((act == DOM_ACT_RESTART || act == DOM_ACT_RENAME_RESTART) &&
	    up < t->restart_guard &&
	    !(d->admin_reboot && reason == XC_SHUTDOWN_REBOOT)) {
		log_error("VM %s restarting too fast (%.1f seconds since the last "
		    "restart).  Refusing to restart to avoid loops.", d->name, up);
		domain_log(d, "restarting too fast: destroyed instead");
		act = DOM_ACT_DESTROY;
	}
	switch (act) {
	case DOM_ACT_PRESERVE:
		if (domain_save(d) == XU_OK)
			domain_ack(d);
		break;
	case DOM_ACT_RESTART:
	case DOM_ACT_RENAME_RESTART:
		restart(d, act == DOM_ACT_RENAME_RESTART);
		break;
	default:
		if (domain_teardown(d, which, &err) != XU_OK)
			log_error("%s", err.msg);
		break;
	}
}

/* ---- the subscription --------------------------------------------------- */

/* A stop event for a domain that has already been acted upon (preserved,
 * or being torn down) changes nothing. */
static bool
stop_handled(const struct domain *d)
{
	return d->phase != DOM_PHASE_ACTIVE ||
	    strcmp(d->saved_state, "shutdown") == 0 ||
	    strcmp(d->saved_state, "crashed") == 0;
}

static void
handle(struct domain *d, const struct xc_event *ev)
{
	const char *word;

	d->ack_seq = ev->seq;
	d->ack_due = true;
	if (ev->type == XC_EV_MEMORY) {
		bool reached = (int64_t)d->info.memory_actual_mb != d->cfg.memory &&
		    (int64_t)ev->value == d->cfg.memory;

		d->info.memory_actual_mb = ev->value;
		if (reached)
			domain_event(d, "memory_target_reached", events_data(
			    "memory_mib", xv_int(d->cfg.memory), NULL),
			    "memory target %lld MiB reached", (long long)d->cfg.memory);
		domain_balloon_progress(d);
	} else if (ev->type == XC_EV_VCPUS) {
		d->info.vcpus_online = (unsigned)ev->value;
		d->info_stale = true;	/* threads came or went */
		domain_event(d, "vcpus_changed", events_data("vcpus_online",
		    xv_int(d->info.vcpus_online), NULL), "%u vCPUs online",
		    d->info.vcpus_online);
	}
	if (ev->type != XC_EV_STATE) {
		domain_ack(d);
		return;
	}
	switch (ev->state) {
	case XC_DOM_SHUTDOWN:
	case XC_DOM_CRASHED:
		if (stop_handled(d)) {
			domain_ack(d);
			return;
		}
		domain_stopped(d, ev->state, ev->reason, ev->detail);
		return;
	case XC_DOM_RUNNING:
	case XC_DOM_PAUSED:
	case XC_DOM_DYING:
		break;
	}
	d->info.state = ev->state;
	d->have_info = true;
	word = domain_state_word(d);
	if (strcmp(word, d->saved_state) != 0) {
		bool was_paused = strcmp(d->saved_state, "paused") == 0;
		bool paused = strcmp(word, "paused") == 0;

		if (domain_save(d) != XU_OK)
			return;		/* seen again after a restart */
		/* paused and unpaused by anyone (xm, a save, a migration);
		 * running <-> blocked is no event */
		if (paused != was_paused && (paused || ev->state == XC_DOM_RUNNING))
			domain_event(d, paused ? "paused" : "unpaused", NULL, "%s",
			    word);
		else
			domain_log(d, "%s", word);
	}
	domain_ack(d);
}

/* The monitor kept state we never saw acted upon (its events overflowed,
 * or were acknowledged by an xend that died before acting). */
static void
check_stopped(struct domain *d)
{
	d->check_stopped = false;
	if (d->phase != DOM_PHASE_ACTIVE || !domain_refresh(d))
		return;
	if ((d->info.state == XC_DOM_SHUTDOWN || d->info.state == XC_DOM_CRASHED) &&
	    !stop_handled(d))
		domain_stopped(d, d->info.state, d->info.shutdown_reason,
		    "found stopped at re-adoption");
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct domain *d = arg;
	xc_interface *xc = d->tab->x->xc;
	struct xc_event ev;
	int rc;

	domain_ref(d);
	loopwatch_note("events of domain %s (%u)", d->name, d->domid);
	while (d->ev_fd == (int)fd) {
		rc = xc_event_read(xc, (int)fd, &ev);
		if (rc == XC_ERR_TIMEOUT)
			break;
		if (rc == XC_ERR_NO_DOMAIN) {
			domain_unsubscribe(d);
			if (d->phase == DOM_PHASE_ACTIVE && !stop_handled(d))
				domain_stopped(d, XC_DOM_CRASHED, XC_SHUTDOWN_CRASH,
				    "its monitor went away");
			else if (d->phase == DOM_PHASE_ACTIVE) {
				struct xu_err err;

				/* a preserved domain whose monitor died: nothing
				 * is left to keep */
				(void)domain_teardown(d, "its monitor went away", &err);
			}
			break;
		}
		if (rc != XC_OK) {
			log_error("Domain %s (%u): %s", d->name, d->domid,
			    xc_last_error(xc));
			if (rc == XC_ERR_PROTOCOL)
				continue;
			break;
		}
		handle(d, &ev);
	}
	if (!d->removed && d->check_stopped && d->ev_fd == (int)fd)
		check_stopped(d);
	domain_unref(d);
}

/* Watches d->ev_fd and reads what is already buffered on the next turn of
 * the loop (never from inside the caller, which may still use d). */
void
domain_events_watch(struct domain *d)
{
	d->ev = event_new(d->tab->x->base, d->ev_fd, EV_READ | EV_PERSIST,
	    on_readable, d);
	event_add(d->ev, NULL);
	event_active(d->ev, EV_READ, 0);
}

int
domain_subscribe(struct domain *d)
{
	xc_interface *xc = d->tab->x->xc;
	int rc, fd;

	if (d->ev_fd >= 0 || !domain_running(d))
		return XC_OK;
	if ((rc = xc_event_subscribe(xc, d->domid, &fd)) != XC_OK)
		return rc;
	d->ev_fd = fd;
	domain_events_watch(d);
	return XC_OK;
}

void
domain_unsubscribe(struct domain *d)
{
	if (d->ev != NULL) {
		event_free(d->ev);
		d->ev = NULL;
	}
	if (d->ev_fd >= 0) {
		(void)xc_event_close(d->tab->x->xc, d->ev_fd);
		d->ev_fd = -1;
	}
	d->ack_due = false;
}
