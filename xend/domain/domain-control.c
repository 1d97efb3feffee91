/* domain-control.c: what an administrator asks of a domain: pause,
 * unpause, shutdown (poweroff, reboot, halt), reset, destroy, rename.
 * Domain-0 is the host and refuses all of them; a domain being created,
 * restarted or destroyed refuses until that is over. */
#include "domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon.h"
#include "fault.h"
#include "events.h"
#include "log.h"
#include "store.h"
#include "xend-options.h"

static int
refuse_dom0(struct domain *d, const char *what, struct xu_err *err)
{
	if (!d->is_dom0)
		return XU_OK;
	xu_err_set(err, XU_ERR_INVALID, 0, "Cannot %s privileged domain %s "
	    "(domain 0 is the host)", what, d->name);
	return XU_ERR_INVALID;
}

static int
need_active(struct domain *d, struct xu_err *err)
{
	const char *why = NULL;

	switch (d->phase) {
	case DOM_PHASE_ACTIVE:
		return XU_OK;
	case DOM_PHASE_STARTING:
		why = "is starting; try again when it is up";
		break;
	case DOM_PHASE_RESTARTING:
		why = "is restarting; try again when it is up";
		break;
	case DOM_PHASE_DESTROYING:
		why = "is being destroyed";
		break;
	case DOM_PHASE_HALTED:
		why = "is not running";
		break;
	}
	xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' %s", d->name, why);
	return XU_ERR_INVALID;
}

/* A libxc failure as the user sees it: the domain, the step, the cause. */
static int
xc_failed(struct domain *d, int rc, const char *what, struct xu_err *err)
{
	xc_interface *xc = d->tab->x->xc;

	xu_err_set(err, XU_ERR_IO, 0, "Domain '%s' (%u): cannot %s: %s",
	    d->name, d->domid, what,
	    *xc_last_error(xc) ? xc_last_error(xc) : xc_strerror(rc));
	log_error("%s", err->msg);
	return XU_ERR_IO;
}

bool
domain_refresh(struct domain *d)
{
	struct xc_dominfo info;

	if (!domain_running(d) || d->phase != DOM_PHASE_ACTIVE)
		return false;
	if (xc_domain_getinfo(d->tab->x->xc, d->domid, &info) != XC_OK)
		return false;
	d->info = info;
	d->have_info = true;
	d->info_stale = false;
	return true;
}

bool
domain_refresh_quick(struct domain *d)
{
	bool running;
	uint64_t ns;

	if (!domain_running(d) || d->phase != DOM_PHASE_ACTIVE)
		return false;
	if (!d->have_info || d->info_stale || d->info.n_vcpu_tids == 0 ||
	    d->info.engine_pid <= 0)
		return domain_refresh(d);
	ns = xc_threads_cpu_ns(d->info.engine_pid, d->info.vcpu_tids,
	    d->info.n_vcpu_tids, &running);
	/* threads that vanish read as zero: CPU time never goes back */
	if (ns > d->info.cpu_time_ns)
		d->info.cpu_time_ns = ns;
	d->info.blocked = d->info.state == XC_DOM_RUNNING && !running;
	return true;
}

/* The common shape: checks, the libxc call, a fresh view of the domain. */
static int
control(struct domain *d, const char *what, int (*fn)(xc_interface *, uint32_t),
    struct xu_err *err)
{
	int rc;

	if ((rc = refuse_dom0(d, what, err)) != XU_OK ||
	    (rc = need_active(d, err)) != XU_OK)
		return rc;
	if ((rc = fn(d->tab->x->xc, d->domid)) != XC_OK)
		return xc_failed(d, rc, what, err);
	log_info("Domain %s (%u): %s done", d->name, d->domid, what);
	domain_refresh(d);
	return XU_OK;
}

int
domain_pause(struct domain *d, struct xu_err *err)
{
	return control(d, "pause", xc_domain_pause, err);
}

int
domain_unpause(struct domain *d, struct xu_err *err)
{
	int rc = control(d, "unpause", xc_domain_unpause, err);

	if (rc == XU_OK) {
		FAULT_POINT("unpause.done", d->name);
		domain_claim_finish(d, "unpause");
	}
	return rc;
}

int
domain_reset(struct domain *d, struct xu_err *err)
{
	int rc = control(d, "reset", xc_domain_reset, err);

	if (rc == XU_OK)
		d->admin_reboot = true;
	return rc;
}

int
domain_sysrq(struct domain *d, const char *key, struct xu_err *err)
{
	int rc;

	if ((rc = refuse_dom0(d, "sysrq", err)) != XU_OK ||
	    (rc = need_active(d, err)) != XU_OK)
		return rc;
	if (key == NULL || strlen(key) != 1 ||
	    !((key[0] >= 'a' && key[0] <= 'z') || (key[0] >= '0' && key[0] <= '9'))) {
		xu_err_set(err, XU_ERR_INVALID, 0, "domain '%s': sysrq '%s': a "
		    "SysRq key is one letter or digit", d->name, key ? key : "");
		return XU_ERR_INVALID;
	}
	if ((rc = xc_domain_sysrq(d->tab->x->xc, d->domid, key[0])) != XC_OK)
		return xc_failed(d, rc, "sysrq", err);
	log_info("Domain %s (%u): sysrq %c sent", d->name, d->domid, key[0]);
	return XU_OK;
}

int
domain_trigger(struct domain *d, const char *name, struct xu_err *err)
{
	int rc;

	if ((rc = refuse_dom0(d, "trigger", err)) != XU_OK ||
	    (rc = need_active(d, err)) != XU_OK)
		return rc;
	if ((rc = xc_domain_trigger(d->tab->x->xc, d->domid, name)) != XC_OK)
		return xc_failed(d, rc, name, err);
	log_info("Domain %s (%u): trigger %s sent", d->name, d->domid, name);
	/* the guest's reboot after a reset was the admin's wish */
	if (strcmp(name, "reset") == 0)
		d->admin_reboot = true;
	return XU_OK;
}

/* Classic's default: /var/xen/dump/NAME/YYYY-MMDD-HHMM.SS-NAME.DOMID.core
 * (under xend's root), the directories made as needed. */
static char *
dump_default_path(struct domain *d)
{
	char when[32], *dir, *path;
	struct tm tm;
	time_t now = time(NULL);

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m%d-%H%M.%S", &tm);
	dir = xend_opts_rooted(d->tab->x->opts, "/var/xen/dump");
	path = xu_asprintf("%s/%s/%s-%s.%u.core", dir, d->name, when, d->name,
	    d->domid);
	free(dir);
	(void)xu_mkdir_of(path, 0700);
	return path;
}

int
domain_dump(struct domain *d, const char *file, bool live, bool crash,
    bool reset, char **written, struct xu_err *err)
{
	xc_interface *xc = d->tab->x->xc;
	char *path;
	bool paused_here = false;
	int rc;

	if (written != NULL)
		*written = NULL;
	if ((rc = refuse_dom0(d, "dump", err)) != XU_OK ||
	    (rc = need_active(d, err)) != XU_OK)
		return rc;
	if (file != NULL && *file != '\0' && file[0] != '/') {
		xu_err_set(err, XU_ERR_INVALID, 0, "domain '%s': dump-core: the "
		    "file must be an absolute path, not '%s'", d->name, file);
		return XU_ERR_INVALID;
	}
	path = file != NULL && *file != '\0' ? xu_strdup(file) :
	    dump_default_path(d);
	domain_refresh(d);
	/* a consistent image: the guest holds still unless --live */
	if (!live && d->info.state == XC_DOM_RUNNING) {
		if ((rc = xc_domain_pause(xc, d->domid)) != XC_OK) {
			free(path);
			return xc_failed(d, rc, "pause for the dump", err);
		}
		paused_here = true;
	}
	rc = xc_domain_dump(xc, d->domid, path);
	if (paused_here && !crash)
		(void)xc_domain_unpause(xc, d->domid);
	if (rc != XC_OK) {
		free(path);
		return xc_failed(d, rc, "dump", err);
	}
	domain_log(d, "core dumped to %s", path);
	if (written != NULL)
		*written = path;
	else
		free(path);
	if (crash)
		return domain_destroy(d, err);
	if (reset)
		return domain_reset(d, err);
	domain_refresh(d);
	return XU_OK;
}

int
domain_shutdown(struct domain *d, const char *reason, struct xu_err *err)
{
	static const struct {
		const char *word;
		enum xc_shutdown_reason reason;
	} reasons[] = {
		{ "poweroff", XC_SHUTDOWN_POWEROFF },
		{ "reboot", XC_SHUTDOWN_REBOOT },
		{ "halt", XC_SHUTDOWN_HALT },
	};
	size_t i;
	int rc;

	if ((rc = refuse_dom0(d, "shut down", err)) != XU_OK ||
	    (rc = need_active(d, err)) != XU_OK)
		return rc;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reason, reasons[i].word) == 0)
			break;
	if (i == sizeof(reasons) / sizeof(reasons[0])) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s': shutdown reason "
		    "'%.40s' is not supported (poweroff, reboot or halt)",
		    d->name, reason);
		return XU_ERR_INVALID;
	}
	/* the guest sees the ACPI power button; its monitor remembers why,
	 * and reports it when the guest is off, so on_reboot applies to a
	 * reboot even across an xend restart */
	rc = xc_domain_shutdown(d->tab->x->xc, d->domid, reasons[i].reason);
	if (rc != XC_OK)
		return xc_failed(d, rc, "shut down", err);
	d->admin_reboot = reasons[i].reason == XC_SHUTDOWN_REBOOT;
	domain_log(d, "shutdown requested (%s)", reason);
	return XU_OK;
}

int
domain_teardown(struct domain *d, const char *why, struct xu_err *err)
{
	struct domains *t = d->tab;
	xc_interface *xc = t->x->xc;
	int rc;

	domain_unsubscribe(d);
	d->phase = DOM_PHASE_DESTROYING;
	/* the intent first: a killed xend finishes the job when it is back */
	if (domain_save(d) == XU_OK)
		domain_ack(d);
	domain_log(d, "destroying: %s", why);
	FAULT_POINT("destroy.recorded", d->name);
	if (d->domid != 0) {
		rc = xc_domain_destroy(xc, d->domid);
		if (rc != XC_OK && rc != XC_ERR_NO_DOMAIN) {
			xc_failed(d, rc, "destroy", err);
			/* still there: keep the record saying what was asked;
			 * a second destroy tries again */
			d->phase = DOM_PHASE_ACTIVE;
			(void)domain_subscribe(d);
			return XU_ERR_IO;
		}
	}
	FAULT_POINT("destroy.done", d->name);
	domain_event(d, "destroyed", events_data("why", xv_str(why), NULL),
	    "destroyed");
	(void)domain_forget(d);
	if (!d->managed)
		domains_remove(t, d);
	return XU_OK;
}

int
domain_destroy(struct domain *d, struct xu_err *err)
{
	int rc;

	if ((rc = refuse_dom0(d, "destroy", err)) != XU_OK)
		return rc;
	if (d->phase == DOM_PHASE_STARTING || d->phase == DOM_PHASE_RESTARTING ||
	    d->phase == DOM_PHASE_HALTED)
		return need_active(d, err);
	return domain_teardown(d, "destroy requested", err);
}

int
domain_rename(struct domain *d, const char *name, struct xu_err *err)
{
	char *old;
	int rc;

	if ((rc = refuse_dom0(d, "rename", err)) != XU_OK)
		return rc;
	if (strcmp(d->name, name) == 0)
		return XU_OK;
	old = xu_strdup(d->name);
	if ((rc = domain_set_name(d, name, err)) != XU_OK)
		goto out;
	if ((rc = domain_save(d)) != XU_OK) {
		xu_err_set(err, rc, 0, "Domain '%s': cannot record the new name: %s",
		    old, store_errmsg(d->tab->x->store));
		(void)domain_set_name(d, old, err);
		goto out;
	}
	FAULT_POINT("rename.recorded", old);
	domain_event(d, "renamed", events_data("old_name", xv_str(old), NULL),
	    "renamed from '%s'", old);
out:
	free(old);
	return rc;
}
