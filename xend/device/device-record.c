/* device-record.c: what is written down about a domain's devices before
 * anything is done with them: the xenstore directories classic xend wrote
 * (reference 8) and the disk locks, in the caller's store transaction;
 * and taking it all away again when the instance ends, or, at xend start,
 * for instances that no longer run. */
#include "device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon.h"
#include "domain.h"
#include "hotplug.h"
#include "log.h"
#include "store.h"
#include "xend-options.h"
#include "xenstore.h"

static const char *const classes[] = { "vif", "vbd" };

char *
device_backend_path(uint32_t domid, enum dev_kind kind, int64_t devid)
{
	return xu_asprintf("/local/domain/0/backend/%s/%u/%lld",
	    device_kind_name(kind), domid, (long long)devid);
}

static char *
frontend_path(uint32_t domid, enum dev_kind kind, int64_t devid)
{
	return xu_asprintf("/local/domain/%u/device/%s/%lld", domid,
	    device_kind_name(kind), (long long)devid);
}

/* ---- writing ------------------------------------------------------------ */

struct rec {
	struct xenstore *xs;
	int rc;			/* the first xenstore error */
	const char *where;
};

static void
put(struct rec *r, const char *dir, const char *key, const char *value)
{
	char *path;
	int rc;

	if (r->rc != 0 || value == NULL)
		return;
	path = xu_asprintf("%s/%s", dir, key);
	if ((rc = xenstore_write_str(r->xs, path, value)) != 0) {
		r->rc = rc;
		r->where = "a node";
	}
	free(path);
}

static void
putf(struct rec *r, const char *dir, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
putf(struct rec *r, const char *dir, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = xu_vasprintf(fmt, ap);
	va_end(ap);
	put(r, dir, key, v);
	free(v);
}

static void
perms(struct rec *r, const char *path, const char *p)
{
	int rc;

	if (r->rc == 0 && (rc = xenstore_set_perms_str(r->xs, path, p)) != 0)
		r->rc = rc;
}

static int
rec_failed(struct rec *r, struct xu_err *err, const char *what)
{
	xu_err_set(err, XU_ERR_IO, 0, "cannot record %s in xenstore: %s", what,
	    strerror(r->rc));
	return XU_ERR_IO;
}

/* Another domain's backend that names the same interface. */
static char *
vifname_user(struct xend *x, const char *vifname, uint32_t domid)
{
	char **doms, **devs, *path, *v, *who = NULL;
	size_t nd, nv, i, k;

	doms = xenstore_list(x->xs, "/local/domain/0/backend/vif", &nd);
	for (i = 0; who == NULL && i < nd; i++) {
		if ((uint32_t)strtoul(doms[i], NULL, 10) == domid)
			continue;
		path = xu_asprintf("/local/domain/0/backend/vif/%s", doms[i]);
		devs = xenstore_list(x->xs, path, &nv);
		for (k = 0; who == NULL && k < nv; k++) {
			char *p = xu_asprintf("%s/%s/vifname", path, devs[k]);

			v = xenstore_read_str(x->xs, p);
			if (v != NULL && strcmp(v, vifname) == 0)
				who = xu_asprintf("%s/%s/domain", path, devs[k]);
			free(v);
			free(p);
		}
		xenstore_names_free(devs, nv);
		free(path);
	}
	xenstore_names_free(doms, nd);
	if (who != NULL) {
		v = xenstore_read_str(x->xs, who);
		free(who);
		who = v != NULL ? v : xu_strdup("another domain");
	}
	return who;
}

static int
check_disk(struct domain *d, const struct dev *v, struct xu_err *err)
{
	struct store *st = d->tab->x->store;
	struct store_lock l;
	int rc;

	if (v->lock_key == NULL || strcmp(v->mode, "w") != 0)
		return XU_OK;	/* r is always allowed, w! skips the check */
	rc = store_lock_writer(st, v->lock_key, d->uuid, &l);
	if (rc == XU_ERR_NOT_FOUND)
		return XU_OK;
	if (rc != XU_OK) {
		xu_err_set(err, rc, 0, "disk %s: cannot read the disk locks: %s",
		    v->vdev, store_errmsg(st));
		return rc;
	}
	xu_err_set(err, XU_ERR_INVALID, 0, "disk %s is in use (%s) by domain '%s'; "
	    "mode w! shares it anyway", v->path ? v->path : v->uname,
	    strcmp(l.mode, "w!") == 0 ? "writable, w!" : "writable",
	    l.holder ? l.holder : l.uuid);
	store_lock_dispose(&l);
	return XU_ERR_INVALID;
}

int
devices_check_locks(struct domain *d, const struct dev *list, struct xu_err *err)
{
	const struct dev *v;
	int rc;

	for (v = list; v != NULL; v = v->next)
		if (v->kind == DEV_VBD && (rc = check_disk(d, v, err)) != XU_OK)
			return rc;
	return XU_OK;
}

int
device_record_one(struct domain *d, struct dev *v, struct xu_err *err)
{
	struct xend *x = d->tab->x;
	struct rec r = { x->xs, 0, NULL };
	const char *cls = device_kind_name(v->kind);
	char *vmdev, *who, *p;
	uint32_t domid = d->domid;
	int rc;

	if (v->kind == DEV_VIF && (who = vifname_user(x, v->vifname, domid)) != NULL) {
		xu_err_set(err, XU_ERR_INVALID, 0, "vif %lld: interface %s is in use by "
		    "domain '%s'", (long long)v->devid, v->vifname, who);
		free(who);
		return XU_ERR_INVALID;
	}
	if (v->kind == DEV_VBD && (rc = check_disk(d, v, err)) != XU_OK)
		return rc;
	free(v->backend);
	free(v->frontend);
	v->backend = device_backend_path(domid, v->kind, v->devid);
	v->frontend = frontend_path(domid, v->kind, v->devid);
	/* a restart's leftovers must not look like this run's answers */
	(void)xenstore_remove(x->xs, v->backend);
	p = xu_asprintf("n0 r%u", domid);
	perms(&r, v->backend, p);
	free(p);
	put(&r, v->backend, "frontend", v->frontend);
	putf(&r, v->backend, "frontend-id", "%u", domid);
	put(&r, v->backend, "domain", d->name);
	put(&r, v->backend, "online", "1");
	putf(&r, v->backend, "state", "%d", XENBUS_INITIALISING);
	putf(&r, v->backend, "handle", "%lld", (long long)v->devid);
	p = xu_asprintf("n%u r0", domid);
	perms(&r, v->frontend, p);
	free(p);
	put(&r, v->frontend, "backend", v->backend);
	put(&r, v->frontend, "backend-id", "0");
	putf(&r, v->frontend, "state", "%d", XENBUS_INITIALISING);
	if (v->kind == DEV_VIF) {
		put(&r, v->backend, "script", v->script_path);
		put(&r, v->backend, "mac", v->mac);
		put(&r, v->backend, "vifname", v->vifname);
		put(&r, v->backend, "bridge", v->bridge);
		put(&r, v->backend, "ip", v->ip);
		put(&r, v->backend, "rate", v->rate);
		put(&r, v->backend, "type", v->vif_type);
		put(&r, v->backend, "model", v->model);
		putf(&r, v->frontend, "handle", "%lld", (long long)v->devid);
		put(&r, v->frontend, "mac", v->mac);
	} else {
		put(&r, v->backend, "dev", v->vdev);
		put(&r, v->backend, "type", v->type);
		put(&r, v->backend, "params", v->path ? v->path : v->params);
		put(&r, v->backend, "mode", v->mode);
		put(&r, v->backend, "uname", v->uname);
		put(&r, v->backend, "device-type", v->cdrom ? "cdrom" : "disk");
		put(&r, v->backend, "format", v->format);
		putf(&r, v->frontend, "virtual-device", "%lld", (long long)v->devid);
		put(&r, v->frontend, "device-type", v->cdrom ? "cdrom" : "disk");
	}
	vmdev = xu_asprintf("/vm/%s/device/%s/%lld", d->uuid, cls, (long long)v->devid);
	put(&r, vmdev, "backend", v->backend);
	put(&r, vmdev, "backend-id", "0");
	put(&r, vmdev, "frontend", v->frontend);
	putf(&r, vmdev, "frontend-id", "%u", domid);
	free(vmdev);
	if (r.rc != 0)
		return rec_failed(&r, err, "a device");
	if (v->lock_key != NULL && store_lock_put(x->store, v->lock_key, d->uuid,
	    v->devid, v->path ? v->path : v->uname, v->mode) != XU_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "disk %s: cannot record its lock: %s",
		    v->vdev, store_errmsg(x->store));
		return XU_ERR_IO;
	}
	return XU_OK;
}

int
device_record_media(struct domain *d, const struct dev *v, struct xu_err *err)
{
	struct xend *x = d->tab->x;
	struct rec r = { x->xs, 0, NULL };
	char *backend = device_backend_path(d->domid, DEV_VBD, v->devid), *p;
	unsigned maj, min;

	put(&r, backend, "type", v->type);
	put(&r, backend, "params", v->path ? v->path : v->params);
	put(&r, backend, "mode", v->mode);
	put(&r, backend, "uname", v->uname);
	put(&r, backend, "format", v->format ? v->format : "");
	/* what the block script would say of it (scripts/block) */
	p = xu_asprintf("%s/node", backend);
	if (v->path != NULL)
		put(&r, backend, "node", v->path);
	else
		(void)xenstore_remove(x->xs, p);
	free(p);
	p = xu_asprintf("%s/physical-device", backend);
	if (v->lock_key != NULL && strncmp(v->lock_key, "f:", 2) == 0)
		put(&r, backend, "physical-device", v->lock_key + 2);
	else if (v->lock_key != NULL && sscanf(v->lock_key, "b:%u:%u", &maj, &min) == 2)
		putf(&r, backend, "physical-device", "%x:%x", maj, min);
	else
		(void)xenstore_remove(x->xs, p);
	free(p);
	free(backend);
	if (r.rc != 0)
		return rec_failed(&r, err, "the new medium");
	if (store_lock_release(x->store, d->uuid, v->devid) != XU_OK ||
	    (v->lock_key != NULL && store_lock_put(x->store, v->lock_key, d->uuid,
	    v->devid, v->path ? v->path : v->uname, v->mode) != XU_OK)) {
		xu_err_set(err, XU_ERR_IO, 0, "disk %s: cannot record its medium's "
		    "lock: %s", v->vdev, store_errmsg(x->store));
		return XU_ERR_IO;
	}
	return XU_OK;
}

/* The domain's own directories (reference 8). */
static int
record_domain(struct domain *d, struct xu_err *err)
{
	struct rec r = { d->tab->x->xs, 0, NULL };
	char *dom = xu_asprintf("/local/domain/%u", d->domid);
	char *vm = xu_asprintf("/vm/%s", d->uuid), *p;

	p = xu_asprintf("n%u", d->domid);
	perms(&r, dom, p);
	free(p);
	putf(&r, dom, "domid", "%u", d->domid);
	put(&r, dom, "name", d->name);
	put(&r, dom, "vm", vm);
	putf(&r, dom, "memory/target", "%lld", (long long)d->cfg.memory * 1024);
	p = xu_asprintf("n0 r%u", d->domid);
	perms(&r, vm, p);
	free(p);
	put(&r, vm, "uuid", d->uuid);
	put(&r, vm, "name", d->name);
	putf(&r, vm, "memory", "%lld", (long long)d->cfg.memory);
	putf(&r, vm, "maxmem", "%lld", (long long)d->cfg.maxmem);
	putf(&r, vm, "vcpus", "%u", d->cfg.maxvcpus);
	put(&r, vm, "on_poweroff", domain_action_name(d->cfg.on_poweroff));
	put(&r, vm, "on_reboot", domain_action_name(d->cfg.on_reboot));
	put(&r, vm, "on_crash", domain_action_name(d->cfg.on_crash));
	putf(&r, vm, "xend/restart_count", "%lld", (long long)d->restart_count);
	free(dom);
	free(vm);
	return r.rc != 0 ? rec_failed(&r, err, "the domain") : XU_OK;
}

int
devices_record(struct domain *d, struct dev *list, struct xu_err *err)
{
	struct dev *v;
	int rc;

	if ((rc = record_domain(d, err)) != XU_OK)
		return rc;
	for (v = list; v != NULL; v = v->next)
		if ((rc = device_record_one(d, v, err)) != XU_OK)
			return rc;
	devices_set_phase(d, "devices");
	return XU_OK;
}

void
devices_set_phase(struct domain *d, const char *phase)
{
	char *p = xu_asprintf("/vm/%s/xend/start-phase", d->uuid);

	if (xenstore_write_str(d->tab->x->xs, p, phase) != 0)
		log_error("Domain %s: cannot record its start phase", d->name);
	free(p);
}

char *
devices_get_phase(struct domain *d)
{
	char *p = xu_asprintf("/vm/%s/xend/start-phase", d->uuid);
	char *v = xenstore_read_str(d->tab->x->xs, p);

	free(p);
	return v;
}

void
device_mark(struct xend *x, const struct dev *v, int state)
{
	char *p;

	p = xu_asprintf("%s/state", v->backend);
	(void)xenstore_writef(x->xs, p, "%d", state);
	free(p);
	p = xu_asprintf("%s/state", v->frontend);
	(void)xenstore_writef(x->xs, p, "%d", state);
	free(p);
}

void
devices_mark(struct domain *d, const struct dev *list, int state)
{
	struct store *st = d->tab->x->store;

	if (store_begin(st) != XU_OK)
		return;
	for (; list != NULL; list = list->next)
		device_mark(d->tab->x, list, state);
	if (store_commit(st) != XU_OK)
		log_error("Domain %s: %s", d->name, store_errmsg(st));
}

/* ---- taking away ---------------------------------------------------------- */

static void
offline_done(void *arg, const struct hotplug_result *r)
{
	char *what = arg, how[64];

	hotplug_describe(r, 0, how, sizeof(how));
	if (r->timed_out || !WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		log_warn("%s %s%s%s", what, how, *r->output ? ": " : "", r->output);
	else
		log_debug("%s %s", what, how);
	free(what);
}

/* The device as its backend directory describes it (what a running
 * instance was given). */
static struct dev *
from_backend(struct xend *x, enum dev_kind kind, uint32_t domid, const char *devid)
{
	struct dev *v = xu_calloc(1, sizeof(*v));
	char *p;

	v->kind = kind;
	v->devid = strtoll(devid, NULL, 10);
	v->backend = device_backend_path(domid, kind, v->devid);
	v->frontend = frontend_path(domid, kind, v->devid);
#define GET(f, key) do { p = xu_asprintf("%s/" key, v->backend); \
	v->f = xenstore_read_str(x->xs, p); free(p); } while (0)
	if (kind == DEV_VIF) {
		GET(vifname, "vifname");
		GET(script_path, "script");
		GET(mac, "mac");
		GET(bridge, "bridge");
		GET(ip, "ip");
	} else {
		GET(type, "type");
		GET(params, "params");
		GET(mode, "mode");
	}
#undef GET
	return v;
}

/* Script and argument that undo what the device's script did. */
static char *
undo_script(struct xend *x, const struct dev *v, const char **word)
{
	const char *dir = xend_opt_str(x->opts, "xend-scripts-path");

	if (v->kind == DEV_VIF) {
		*word = "offline";
		return v->script_path ? xu_strdup(v->script_path) : NULL;
	}
	*word = "remove";
	if (v->type == NULL || *v->type == '\0' || strcmp(v->type, "phy") == 0 ||
	    strcmp(v->type, "file") == 0 || strcmp(v->type, "tap") == 0 ||
	    strcmp(v->type, "tap2") == 0 || strcmp(v->type, "nbd") == 0)
		return xu_asprintf("%s/block", dir);
	return xu_asprintf("%s/block-%s", dir, v->type);
}

/* The host side of one device goes: its tap, then its script's undoing,
 * which runs on while xend carries on (the outcome is logged). */
static void
release_host(struct xend *x, struct dev *v, uint32_t domid)
{
	struct xu_err err = { 0 };
	const char *word;
	char *script, **env, *argv[3];
	int e;

	if (v->kind == DEV_VIF && v->vifname != NULL &&
	    (e = tap_delete(v->vifname)) != 0)
		log_warn("cannot remove interface %s: %s", v->vifname, strerror(e));
	if ((script = undo_script(x, v, &word)) == NULL)
		return;
	env = device_script_env(x, v, domid);
	argv[0] = script;
	argv[1] = (char *)word;
	argv[2] = NULL;
	if (hotplug_run(x->base, script, argv, env,
	    (int)xend_opt_int(x->opts, "device-destroy-timeout"), offline_done,
	    xu_asprintf("%s %s for device %lld (%s) of domain %u", script, word,
	    (long long)v->devid, device_kind_name(v->kind), domid), &err) == NULL)
		log_warn("%s", err.msg);
	device_env_free(env);
	free(script);
}

/* Every device under a domain's backend directories, host side. */
static void
release_all_host(struct xend *x, uint32_t domid)
{
	char **devs, *dir;
	size_t n, i, k;

	for (k = 0; k < 2; k++) {
		dir = xu_asprintf("/local/domain/0/backend/%s/%u", classes[k], domid);
		devs = xenstore_list(x->xs, dir, &n);
		for (i = 0; i < n; i++) {
			struct dev *v = from_backend(x, k == 0 ? DEV_VIF : DEV_VBD, domid,
			    devs[i]);

			release_host(x, v, domid);
			devices_free(v);
		}
		xenstore_names_free(devs, n);
		free(dir);
	}
}

static void
remove_instance_nodes(struct xend *x, uint32_t domid)
{
	char *p;
	size_t k;

	for (k = 0; k < 2; k++) {
		p = xu_asprintf("/local/domain/0/backend/%s/%u", classes[k], domid);
		(void)xenstore_remove(x->xs, p);
		free(p);
	}
	p = xu_asprintf("/local/domain/%u", domid);
	(void)xenstore_remove(x->xs, p);
	free(p);
}

void
devices_release(struct domain *d, bool keep_locks)
{
	struct xend *x = d->tab->x;
	struct store *st = x->store;
	char *p;

	if (d->is_dom0)
		return;
	if (d->domid != 0)
		release_all_host(x, d->domid);
	if (store_begin(st) != XU_OK) {
		log_error("Domain %s: %s", d->name, store_errmsg(st));
		return;
	}
	if (d->domid != 0)
		remove_instance_nodes(x, d->domid);
	if (!keep_locks) {
		p = xu_asprintf("/vm/%s", d->uuid);
		(void)xenstore_remove(x->xs, p);
		free(p);
		if (store_lock_release(st, d->uuid, -1) != XU_OK)
			log_error("Domain %s: %s", d->name, store_errmsg(st));
	}
	if (store_commit(st) != XU_OK)
		log_error("Domain %s: cannot remove its devices' records: %s", d->name,
		    store_errmsg(st));
	if (d->domid != 0)
		xenstore_fire_special(x->xs, "@releaseDomain");
}

void
device_release_one(struct domain *d, enum dev_kind kind, int64_t devid)
{
	struct xend *x = d->tab->x;
	struct store *st = x->store;
	char id[24], *p;
	struct dev *v;

	snprintf(id, sizeof(id), "%lld", (long long)devid);
	v = from_backend(x, kind, d->domid, id);
	release_host(x, v, d->domid);
	if (store_begin(st) == XU_OK) {
		(void)xenstore_remove(x->xs, v->backend);
		(void)xenstore_remove(x->xs, v->frontend);
		p = xu_asprintf("/vm/%s/device/%s/%lld", d->uuid, device_kind_name(kind),
		    (long long)devid);
		(void)xenstore_remove(x->xs, p);
		free(p);
		if (kind == DEV_VBD)
			(void)store_lock_release(st, d->uuid, devid);
		if (store_commit(st) != XU_OK)
			log_error("Domain %s: %s", d->name, store_errmsg(st));
	}
	devices_free(v);
}

/* ---- at xend start ----------------------------------------------------------- */

static bool
instance_runs(struct xend *x, uint32_t domid)
{
	struct domain *d = domains_by_domid(x->domains, domid);

	return d != NULL && d->phase != DOM_PHASE_HALTED &&
	    d->phase != DOM_PHASE_DESTROYING;
}

static bool
uuid_runs(struct xend *x, const char *uuid)
{
	struct domain *d = domains_by_uuid(x->domains, uuid);

	return d != NULL && !d->is_dom0 && d->phase != DOM_PHASE_HALTED &&
	    d->phase != DOM_PHASE_DESTROYING;
}

static void
reconcile_backends(struct xend *x)
{
	char **doms, *dir;
	size_t n, i, k;

	for (k = 0; k < 2; k++) {
		dir = xu_asprintf("/local/domain/0/backend/%s", classes[k]);
		doms = xenstore_list(x->xs, dir, &n);
		for (i = 0; i < n; i++) {
			uint32_t domid = (uint32_t)strtoul(doms[i], NULL, 10);

			if (domid == 0 || instance_runs(x, domid))
				continue;
			log_info("domain %u has gone: removing what its devices left "
			    "(taps, nodes)", domid);
			release_all_host(x, domid);
			remove_instance_nodes(x, domid);
		}
		xenstore_names_free(doms, n);
		free(dir);
	}
}

void
devices_reconcile(struct xend *x)
{
	struct store_lock *locks = NULL;
	char **names, *p;
	size_t n, i;

	for (i = 0; i < x->domains->n; i++) {
		struct domain *d = x->domains->v[i];

		if (!d->is_dom0 && d->phase == DOM_PHASE_ACTIVE && d->domid != 0)
			devices_adopt_check(d);
	}
	reconcile_backends(x);
	names = xenstore_list(x->xs, "/local/domain", &n);
	for (i = 0; i < n; i++) {
		uint32_t domid = (uint32_t)strtoul(names[i], NULL, 10);

		if (domid != 0 && !instance_runs(x, domid)) {
			p = xu_asprintf("/local/domain/%s", names[i]);
			(void)xenstore_remove(x->xs, p);
			free(p);
		}
	}
	xenstore_names_free(names, n);
	names = xenstore_list(x->xs, "/vm", &n);
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "00000000-0000-0000-0000-000000000000") != 0 &&
		    !uuid_runs(x, names[i])) {
			p = xu_asprintf("/vm/%s", names[i]);
			(void)xenstore_remove(x->xs, p);
			free(p);
		}
	}
	xenstore_names_free(names, n);
	if (store_lock_list(x->store, &locks, &n) != XU_OK)
		return;
	for (i = 0; i < n; i++) {
		if (!uuid_runs(x, locks[i].uuid)) {
			log_info("disk %s: released the lock of domain %s, which no "
			    "longer runs", locks[i].path, locks[i].holder ?
			    locks[i].holder : locks[i].uuid);
			(void)store_lock_release(x->store, locks[i].uuid, locks[i].devid);
		}
		store_lock_dispose(&locks[i]);
	}
	free(locks);
}
