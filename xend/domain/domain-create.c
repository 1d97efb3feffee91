/* domain-create.c: creating a domain and starting its monitor without
 * blocking the loop. The record (state 'starting', a fresh domid) is
 * committed before the monitor is asked for, so a killed xend finds either
 * the record of a domain it started or nothing at all. */
#include "domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <uuid/uuid.h>

#include "accel.h"
#include "daemon.h"
#include "device.h"
#include "domain-lock.h"
#include "fault.h"
#include "events.h"
#include "log.h"
#include "memory.h"
#include "store.h"
#include "xend-options.h"
#include "xenstore.h"

/* Domids tried when strangers' monitors hold them, before giving up. */
#define DOMID_TRIES	16

struct domain_start {
	struct domain *d;
	bool paused;
	int restore_fd;		/* a restore: the saved stream; else -1 */
	domain_started_fn done;
	void *arg;
	struct event *ev;
	int tries;		/* domids found held by a stranger */
	bool cancelled;
	bool devices_up;	/* taps and scripts done for this domid */
	bool booted;		/* pygrub's kernel in hand, for a bootloader */
	bool lock_known;	/* this host's place in the lock space settled */
};

static void start_go(void *arg);

/* The store's counter is above every domid xend has seen, but a monitor
 * started by hand may hold one: its lock refuses us, and the next id is
 * tried, in a new transaction. */
static bool
retry_domid(struct domain_start *s)
{
	struct domain *d = s->d;
	struct store *st = d->tab->x->store;
	struct xu_err err = { 0 };
	uint32_t old = d->domid;

	if (++s->tries >= DOMID_TRIES)
		return false;
	/* the devices were made for the old id: again for the new one */
	devices_release(d, true);
	s->devices_up = false;
	if (store_begin(st) != XU_OK)
		return false;
	if (domain_alloc_domid(d->tab, &d->domid, &err) != XU_OK ||
	    domain_save(d) != XU_OK) {
		store_rollback(st);
		d->domid = old;
		return false;
	}
	if (store_commit(st) != XU_OK) {
		d->domid = old;
		return false;
	}
	log_warn("Domain %s: domain id %u is held by a monitor xend does not "
	    "know; trying %u", d->name, old, d->domid);
	if (s->ev != NULL) {
		event_free(s->ev);
		s->ev = NULL;
	}
	start_go(s);
	return true;
}

static void
start_end(struct domain_start *s, int rc, const char *msg)
{
	struct domain *d = s->d;

	if (rc == XC_ERR_EXISTS && retry_domid(s))
		return;
	d->start = NULL;
	if (d->restore_pos_fd >= 0) {
		close(d->restore_pos_fd);
		d->restore_pos_fd = -1;
	}
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->restore_fd >= 0)
		close(s->restore_fd);
	if (rc == XC_OK) {
		devices_mark(d, d->devs, XENBUS_CONNECTED);
		xenstore_fire_special(d->tab->x->xs, "@introduceDomain");
		d->phase = DOM_PHASE_ACTIVE;
		if (domain_refresh(d) && d->info.start_time > 0)
			d->start_time = d->info.start_time;
		else
			d->start_time = domain_now();
		(void)domain_save(d);
		domain_platform_started(d);
		FAULT_POINT("start.recorded", d->name);
		domain_event(d, "started", events_data("paused",
		    xv_int(s->paused), NULL), "started%s", s->paused ?
		    " (paused)" : "");
		if (domain_subscribe(d) != XC_OK)
			log_error("Domain %s (%u): no events from its monitor: %s",
			    d->name, d->domid, xc_last_error(d->tab->x->xc));
	} else {
		domain_log(d, "could not be started: %s", msg);
		(void)domain_forget(d);
		if (!d->managed)
			domains_remove(d->tab, d);
	}
	devices_free(d->devs);
	d->devs = NULL;
	s->done(d, rc, msg, s->arg);
	domain_run_waiters(d);
	domain_unref(d);
	free(s);
}

void
domain_when_started(struct domain *d, void (*fn)(struct domain *, void *),
    void *arg)
{
	struct domain_waiter *w = xu_calloc(1, sizeof(*w)), **pp;

	w->fn = fn;
	w->arg = arg;
	for (pp = &d->waiters; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = w;
	domain_ref(d);
}

void
domain_run_waiters(struct domain *d)
{
	struct domain_waiter *w;

	domain_ref(d);
	while ((w = d->waiters) != NULL) {
		d->waiters = w->next;
		w->fn(d, w->arg);
		free(w);
		domain_unref(d);
	}
	domain_unref(d);
}

static void
start_ready(evutil_socket_t fd, short what, void *arg)
{
	struct domain_start *s = arg;
	xc_interface *xc = s->d->tab->x->xc;
	char msg[512];
	int rc;

	rc = xc_domain_create_finish(xc, s->d->domid, (int)fd);
	snprintf(msg, sizeof(msg), "%s", rc == XC_OK ? "" :
	    *xc_last_error(xc) ? xc_last_error(xc) : xc_strerror(rc));
	start_end(s, rc, msg);
}

/* QEMU's own uid and gid (qemu-user-range-base + domid mod 65536), or 0
 * for root. */
static uint32_t
domain_qemu_uid(struct xend *x, uint32_t domid)
{
	int64_t base = xend_opt_int(x->opts, "qemu-user-range-base");

	return base > 0 ? (uint32_t)base + domid % 65536 : 0;
}

/* The config libxc starts the monitor with; strings borrowed from d, the
 * device array (free it) from its resolved devices. */
static void
monitor_config(const struct domain *d, bool paused, enum xc_accel accel,
    int restore_fd, struct xc_domain_config *cfg)
{
	const struct dev *v;
	struct xc_device *xd;
	size_t n = 0;

	memset(cfg, 0, sizeof(*cfg));
	for (v = d->devs; v != NULL; v = v->next)
		n++;
	xd = xu_calloc(n + 1, sizeof(*xd));
	for (n = 0, v = d->devs; v != NULL; v = v->next)
		device_to_xc(v, &xd[n++]);
	cfg->devices = xd;
	cfg->ndevices = n;
	cfg->domid = d->domid;
	cfg->name = d->name;
	cfg->uuid = d->uuid;
	cfg->hvm = d->cfg.hvm;
	cfg->kernel = d->cfg.kernel;
	cfg->ramdisk = d->cfg.ramdisk;
	cfg->cmdline = d->cfg.cmdline;
	cfg->memory_mb = (uint64_t)d->cfg.memory;
	cfg->maxmem_mb = (uint64_t)d->cfg.maxmem;
	cfg->vcpus = d->cfg.vcpus;
	cfg->maxvcpus = d->cfg.maxvcpus;
	cfg->accel = accel;
	cfg->paused = paused;
	cfg->cpu_weight = d->cfg.cpu_weight;
	cfg->cpu_cap = d->cfg.cpu_cap;
	cfg->affinity = (const char *const *)d->cfg.affinity;
	cfg->n_affinity = d->cfg.affinity != NULL ? d->cfg.maxvcpus : 0;
	cfg->restore = restore_fd >= 0;
	cfg->restore_fd = restore_fd;
	cfg->restore_tls_dir = restore_fd >= 0 ? d->restore_tls : NULL;
	cfg->lease_dir = dlock_dir(d->tab->x->dlock);
	cfg->lease_host_id = dlock_host_id(d->tab->x->dlock);
	cfg->lease_later = d->lease_later;
	cfg->qemu_uid = domain_qemu_uid(d->tab->x, d->domid);
}

static void start_go(void *arg);

static void
booted(struct domain *d, int rc, const char *msg, void *arg)
{
	struct domain_start *s = arg;

	if (rc != XU_OK) {
		start_end(s, XC_ERR_INVALID, msg);
		return;
	}
	s->booted = true;
	start_go(s);
}

/* bootloader = 'pygrub': the guest's kernel is read from its disk
 * before anything else is made, so a disk pygrub cannot boot from
 * leaves no tap, script or lock behind. */
static void
boot_begin(struct domain_start *s)
{
	struct xu_err err = { 0 };

	/* no monitor yet: a new xend drops this start at once */
	devices_set_phase(s->d, "devices");
	if (domain_boot_start(s->d, booted, s, &err) != XU_OK)
		start_end(s, XC_ERR_INVALID, err.msg);
}

static void
devices_up(struct domain *d, int rc, const char *msg, void *arg)
{
	struct domain_start *s = arg;

	if (rc != XU_OK) {
		start_end(s, XC_ERR_INVALID, msg);
		return;
	}
	s->devices_up = true;
	FAULT_POINT("start.devices", d->name);
	/* from here a monitor may exist: a new xend waits for it */
	devices_set_phase(d, "monitor");
	start_go(s);
}

/* The devices first: resolved (files looked at), recorded with their
 * locks in one transaction, then brought up (taps, scripts). */
static void
devices_begin(struct domain_start *s)
{
	struct domain *d = s->d;
	struct xend *x = d->tab->x;
	struct dev_env env = { d->domid, d->cfg.hvm,
	    xend_opt_str(x->opts, "xend-scripts-path"),
	    xend_opt_str(x->opts, "vif-script") };
	struct xu_err err = { 0 };
	char *msg;

	devices_free(d->devs);
	d->devs = NULL;
	if (devices_resolve(d->vm, &env, &d->devs, &err) != XU_OK) {
		start_end(s, XC_ERR_INVALID, err.msg);
		return;
	}
	if (store_begin(x->store) != XU_OK) {
		start_end(s, XC_ERR_IO, store_errmsg(x->store));
		return;
	}
	if (devices_record(d, d->devs, &err) != XU_OK) {
		store_rollback(x->store);
		start_end(s, XC_ERR_INVALID, err.msg);
		return;
	}
	if (store_commit(x->store) != XU_OK) {
		msg = xu_asprintf("cannot record the devices: %s", store_errmsg(x->store));
		start_end(s, XC_ERR_IO, msg);
		free(msg);
		return;
	}
	devices_connect(d, d->devs, devices_up, s);
}

static void
start_go(void *arg)
{
	struct domain_start *s = arg;
	struct domain *d = s->d;
	struct xend *x = d->tab->x;
	struct xc_domain_config cfg;
	const struct xc_platform *platform;
	const char *password;
	struct xu_err err = { 0 };
	char msg[512], *cmdline;
	int rc, fd = -1;

	if (s->cancelled) {
		if (s->restore_fd >= 0)
			close(s->restore_fd);
		domain_unref(d);
		free(s);
		return;
	}
	/* xend-domain-lock: before anything is made for the domain */
	if (!s->lock_known) {
		s->lock_known = true;
		dlock_wait(x->dlock, start_go, s);
		return;
	}
	if (dlock_error(x->dlock) != NULL) {
		start_end(s, XC_ERR_LOCKED, dlock_error(x->dlock));
		return;
	}
	/* a restore resumes the kernel that was saved, already in the
	 * guest's memory: pygrub runs again at the guest's next boot */
	if (d->cfg.bootloader != NULL && !d->cfg.hvm && !s->booted &&
	    s->restore_fd < 0) {
		boot_begin(s);
		return;
	}
	if (!s->devices_up) {
		devices_begin(s);
		return;
	}
	if (domain_platform_prepare(d, &platform, &password, &err) != XU_OK) {
		start_end(s, XC_ERR_INVALID, err.msg);
		return;
	}
	monitor_config(d, s->paused, accel_chosen(x->accel), s->restore_fd, &cfg);
	if (platform != NULL && platform->viridian && cfg.accel != XC_ACCEL_KVM)
		domain_log(d, "viridian = 1 is ignored: Hyper-V enlightenments "
		    "need KVM, and this host runs guests with TCG");
	cfg.platform = platform;
	cfg.vnc_password = password;
	cmdline = d->cfg.cmdline ? devices_translate_root(d->cfg.cmdline, d->devs) :
	    NULL;
	cfg.cmdline = cmdline;
	log_debug("Domain %s (%u): starting its monitor (%s, %lld MiB, %u "
	    "vCPUs, kernel %s, cmdline '%s')", d->name, d->domid,
	    accel_chosen(x->accel) == XC_ACCEL_KVM ? "kvm" : "tcg",
	    (long long)d->cfg.memory, d->cfg.vcpus,
	    d->cfg.kernel ? d->cfg.kernel : "none", cmdline ? cmdline : "");
	rc = xc_domain_create_start(x->xc, &cfg, &fd);
	free((void *)cfg.devices);
	free(cmdline);
	if (rc != XC_OK) {
		snprintf(msg, sizeof(msg), "%s", *xc_last_error(x->xc) ?
		    xc_last_error(x->xc) : xc_strerror(rc));
		start_end(s, rc, msg);
		return;
	}
	FAULT_POINT("start.spawned", d->name);
	s->ev = event_new(x->base, fd, EV_READ, start_ready, s);
	event_add(s->ev, NULL);
}

void
domain_start(struct domain *d, bool paused, domain_started_fn done, void *arg)
{
	domain_start_restore(d, paused, -1, done, arg);
}

void
domain_start_restore(struct domain *d, bool paused, int restore_fd,
    domain_started_fn done, void *arg)
{
	struct domain_start *s = xu_calloc(1, sizeof(*s));

	domain_ref(d);
	s->d = d;
	s->paused = paused;
	s->restore_fd = restore_fd;
	s->done = done;
	s->arg = arg;
	d->start = s;
	d->phase = DOM_PHASE_STARTING;
	accel_wait(d->tab->x->accel, start_go, s);
}

void
domain_start_cancel(struct domain *d)
{
	struct domain_start *s = d->start;

	if (s == NULL)
		return;
	d->start = NULL;
	if (d->boot != NULL) {
		/* pygrub is killed; nothing was recorded beyond the domain */
		domain_boot_cancel(d);
		free(s);
		domain_unref(d);
		return;
	}
	if (d->devconnect != NULL) {
		/* scripts killed; the next xend cleans up after them */
		devices_connect_cancel(d->devconnect);
		free(s);
		domain_unref(d);
		return;
	}
	if (s->ev == NULL) {
		/* still waiting for the accelerator, which owns the callback:
		 * it frees s if it ever fires */
		s->cancelled = true;
		return;
	}
	/* the monitor goes on starting; the next xend adopts it */
	event_free(s->ev);
	if (s->restore_fd >= 0)
		close(s->restore_fd);
	free(s);
	domain_unref(d);
}

/* ---- xend.domain.create ---------------------------------------------- */

static int
check_unique(struct domains *t, const char *name, const char *uuid,
    struct xu_err *err)
{
	struct domain *o;

	if ((o = domains_by_name(t, name)) != NULL) {
		if (o->is_dom0 || o->domid != 0)
			xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' already "
			    "exists with ID %u", name, o->domid);
		else
			xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' already "
			    "exists (managed, not running)", name);
		return XU_ERR_INVALID;
	}
	if ((o = domains_by_uuid(t, uuid)) != NULL) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s': UUID %s is "
		    "already used by domain '%s'", name, uuid, o->name);
		return XU_ERR_INVALID;
	}
	return XU_OK;
}

int
domain_alloc_domid(struct domains *t, uint32_t *domid, struct xu_err *err)
{
	struct store *st = t->x->store;

	if (store_domid_alloc(st, domid) != XU_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot allocate a domain id: %s",
		    store_errmsg(st));
		return XU_ERR_IO;
	}
	return XU_OK;
}

/* The record first, in one transaction: domid taken, state 'starting'. */
static int
record_new(struct domain *d, struct xu_err *err)
{
	struct store *st = d->tab->x->store;
	int rc;

	if ((rc = store_begin(st)) != XU_OK)
		goto fail;
	if ((rc = domain_alloc_domid(d->tab, &d->domid, err)) != XU_OK) {
		store_rollback(st);
		d->domid = 0;
		return rc;
	}
	if ((rc = domain_save(d)) != XU_OK ||
	    (rc = domain_claim_record(d)) != XU_OK) {
		store_rollback(st);
		goto fail;
	}
	if ((rc = store_commit(st)) != XU_OK)
		goto fail;
	return XU_OK;
fail:
	xu_err_set(err, rc, 0, "cannot record the domain: %s", store_errmsg(st));
	d->domid = 0;
	return rc;
}

/* Prefixes err's message with "cannot VERB domain 'NAME': ". */
static int
err_prefix(struct xu_err *err, int rc, const char *verb, const char *name)
{
	char *cause = xu_strdup(err->msg);

	xu_err_set(err, rc, 0, "cannot %s domain '%.80s': %s", verb,
	    name != NULL ? name : "(unnamed)", cause);
	free(cause);
	return rc;
}

struct domain *
domain_from_config(struct domains *t, const struct xv *vm, const char *verb,
    struct xu_err *err)
{
	struct domain_config cfg;
	struct domain *d = NULL;
	uuid_t u;
	int rc;

	if ((rc = domain_config_parse(vm, &cfg, err)) != XU_OK) {
		err_prefix(err, rc, verb, xv_string(xv_child_value(vm, "name")));
		return NULL;
	}
	if (cfg.uuid[0] == '\0') {
		uuid_generate(u);
		uuid_unparse_lower(u, cfg.uuid);
	}
	if (cfg.name == NULL)
		cfg.name = xu_asprintf("Domain-%s", cfg.uuid);
	if ((rc = check_unique(t, cfg.name, cfg.uuid, err)) != XU_OK) {
		domain_config_dispose(&cfg);
		return NULL;
	}
	d = domain_new(t);
	d->cfg = cfg;
	d->name = xu_strdup(cfg.name);
	snprintf(d->uuid, sizeof(d->uuid), "%s", cfg.uuid);
	d->vm = xv_copy(vm);
	domain_sxp_set(d->vm, "name", xv_str(d->name));
	domain_sxp_set(d->vm, "uuid", xv_str(d->uuid));
	/* made once, kept in the config: a restart keeps the guest's MACs */
	device_config_fill_macs(d->vm);
	return d;
}

int
domain_admit(struct domain *d, const char *verb, struct xu_err *err)
{
	int rc = memory_admit(d->tab, d->cfg.memory, err);

	if (rc != XU_OK)
		return err_prefix(err, rc, verb, d->name);
	return XU_OK;
}

int
domain_launch(struct domain *d, bool paused, int restore_fd,
    domain_started_fn done, void *arg, struct xu_err *err)
{
	int rc;

	if ((rc = record_new(d, err)) != XU_OK)
		return rc;
	/* a new domain joins the table, which takes its reference */
	if (domains_by_uuid(d->tab, d->uuid) != d)
		domains_add(d->tab, d);
	domain_start_restore(d, paused, restore_fd, done, arg);
	return XU_OK;
}

int
domain_create(struct domains *t, const struct xv *vm, domain_started_fn done,
    void *arg, struct xu_err *err)
{
	return domain_create_held(t, vm, 0, NULL, done, arg, err);
}

int
domain_create_held(struct domains *t, const struct xv *vm, pid_t client,
    const char *finish, domain_started_fn done, void *arg, struct xu_err *err)
{
	struct domain *d;
	int rc;

	if ((d = domain_from_config(t, vm, "create", err)) == NULL)
		return err->rc ? err->rc : XU_ERR_INVALID;
	if ((rc = domain_admit(d, "create", err)) != XU_OK ||
	    (finish != NULL &&
	    (rc = domain_claim_set(d, client, finish, err)) != XU_OK)) {
		domain_unref(d);
		return rc;
	}
	domain_event(d, "created", events_data("memory_mib",
	    xv_int(d->cfg.memory), "vcpus", xv_int(d->cfg.vcpus), NULL),
	    "created (%lld MiB, %u vCPUs)", (long long)d->cfg.memory,
	    d->cfg.vcpus);
	/* held across the launch: a start that fails at once (a disk that
	 * cannot be had) removes d before domain_launch returns */
	domain_ref(d);
	if ((rc = domain_launch(d, true, -1, done, arg, err)) != XU_OK) {
		domain_unref(d);
		domain_unref(d);
		return rc;
	}
	if (!d->removed) {
		FAULT_POINT("create.recorded", d->name);
		domain_claim_watch(d);
	}
	domain_unref(d);
	return XU_OK;
}
