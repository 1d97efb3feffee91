/* device-hotplug.c: devices added to and taken from a running domain
 * (xm network-attach/-detach, block-attach/-detach). Attach records the
 * device (xenstore, lock, the running config) in one transaction, then
 * brings it up (tap, script) and asks xenhv to plug it in; any failure
 * undoes all of it. Detach marks it Closing, waits for the guest to let
 * go, then takes tap, nodes, lock and config entry away. */
#include "device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "daemon.h"
#include "domain.h"
#include "fault.h"
#include "events.h"
#include "log.h"
#include "store.h"
#include "xend-options.h"
#include "xenstore.h"

struct hp_op {
	struct domain *d;
	struct dev *v;		/* attach: the device being added */
	enum dev_kind kind;
	int64_t devid;
	char qemu_id[24];
	bool attach;
	struct xv *elem;	/* block-configure: the new config entry */
	xc_async *a;
	struct event *ev;
	dev_connected_fn done;
	void *arg;
};

static int
need_running(struct domain *d, struct xu_err *err)
{
	if (d->is_dom0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain-0 is the host: its devices "
		    "are its own");
		return XU_ERR_INVALID;
	}
	if (d->phase != DOM_PHASE_ACTIVE || !domain_running(d)) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' is not running; devices "
		    "are attached to running domains", d->name);
		return XU_ERR_INVALID;
	}
	return XU_OK;
}

/* The (device ...) child of vm for a device, found by what names it: a
 * disk's guest device, a vif's MAC. */
static size_t
config_index(const struct xv *vm, enum dev_kind kind, int64_t devid,
    const char *mac)
{
	size_t i;

	for (i = 1; i < xv_len(vm); i++) {
		const struct xv *c = xv_at(vm, i), *e = xv_at(c, 1);
		const char *cls = xv_name(e);
		int64_t n;

		if (xv_name(c) == NULL || strcmp(xv_name(c), "device") != 0 || !cls)
			continue;
		if (kind == DEV_VIF && strcmp(cls, "vif") == 0 && mac != NULL &&
		    strcasecmp(xv_child_str(e, "mac", ""), mac) == 0)
			return i;
		if (kind == DEV_VBD && strcmp(cls, "vif") != 0) {
			char *dev = xu_strdup(xv_child_str(e, "dev", ""));
			char *name = strncmp(dev, "ioemu:", 6) == 0 ? dev + 6 : dev;

			name[strcspn(name, ":")] = '\0';
			if (device_vdev_number(name, &n) == XU_OK && n == devid) {
				free(dev);
				return i;
			}
			free(dev);
		}
	}
	return 0;
}

static void
config_drop(struct domain *d, enum dev_kind kind, int64_t devid, const char *mac)
{
	size_t i = config_index(d->vm, kind, devid, mac);

	if (i == 0)
		return;
	xv_free(d->vm->u.list.items[i]);
	memmove(&d->vm->u.list.items[i], &d->vm->u.list.items[i + 1],
	    (d->vm->u.list.n - i - 1) * sizeof(struct xv *));
	d->vm->u.list.n--;
}

static void
op_end(struct hp_op *op, int rc, const char *msg)
{
	struct domain *d = op->d;

	if (op->ev != NULL)
		event_free(op->ev);
	xc_async_free(op->a);
	op->done(d, rc, msg, op->arg);
	devices_free(op->v);
	xv_free(op->elem);
	free(op);
	domain_unref(d);
}

/* Why the monitor refused op's request: its message, else rc's. */
static const char *
op_why(const struct hp_op *op, int rc)
{
	xc_interface *xc = op->d->tab->x->xc;

	return *xc_last_error(xc) ? xc_last_error(xc) : xc_strerror(rc);
}

/* op failed: msg (taken) is logged and is the caller's answer. */
static void
op_fail(struct hp_op *op, char *msg)
{
	log_error("%s", msg);
	op_end(op, XU_ERR_IO, msg);
	free(msg);
}

/* ---- attach --------------------------------------------------------------- */

/* A failed attach leaves nothing: host side, nodes, lock, config entry. */
static void
attach_undo(struct hp_op *op)
{
	struct domain *d = op->d;

	device_release_one(d, op->kind, op->devid);
	config_drop(d, op->kind, op->devid, op->v->mac);
	(void)domain_save(d);
}

static void
plugged(evutil_socket_t fd, short what, void *arg)
{
	struct hp_op *op = arg;
	char *msg;
	int rc;

	rc = xc_async_finish(op->d->tab->x->xc, op->a);
	if (rc == XC_PENDING)
		return;
	if (rc != XC_OK) {
		msg = xu_asprintf("Device %lld (%s) could not be plugged into domain "
		    "'%s': %s", (long long)op->devid, device_kind_name(op->kind),
		    op->d->name, op_why(op, rc));
		attach_undo(op);
		op_fail(op, msg);
		return;
	}
	FAULT_POINT("attach.plugged", op->d->name);
	device_mark(op->d->tab->x, op->v, XENBUS_CONNECTED);
	domain_event(op->d, "device_added", events_data("devid",
	    xv_int(op->devid), "class", xv_str(device_kind_name(op->kind)),
	    NULL), "device %lld (%s) attached", (long long)op->devid,
	    device_kind_name(op->kind));
	op_end(op, XU_OK, "");
}

static void
watch_answer(struct hp_op *op, void (*cb)(evutil_socket_t, short, void *))
{
	op->ev = event_new(op->d->tab->x->base, xc_async_fd(op->a),
	    EV_READ | EV_PERSIST, cb, op);
	event_add(op->ev, NULL);
}

static void
attach_connected(struct domain *d, int rc, const char *msg, void *arg)
{
	struct hp_op *op = arg;
	struct xc_device xd;
	char *m;

	if (rc != XU_OK) {
		attach_undo(op);
		op_end(op, rc, msg);
		return;
	}
	device_to_xc(op->v, &xd);
	if ((rc = xc_domain_device_add(d->tab->x->xc, d->domid, &xd, &op->a)) != XC_OK) {
		m = xu_asprintf("Device %lld (%s) could not be plugged into domain '%s': "
		    "%s", (long long)op->devid, device_kind_name(op->kind), d->name,
		    xc_last_error(d->tab->x->xc));
		attach_undo(op);
		op_end(op, XU_ERR_IO, m);
		free(m);
		return;
	}
	FAULT_POINT("attach.plugging", d->name);
	watch_answer(op, plugged);
}

/* The next vif handle: one above every handle the domain has. */
static int64_t
next_vif(struct domain *d)
{
	char *dir = xu_asprintf("/local/domain/0/backend/vif/%u", d->domid), **n;
	int64_t next = 0, v;
	size_t cnt, i;

	n = xenstore_list(d->tab->x->xs, dir, &cnt);
	for (i = 0; i < cnt; i++)
		if ((v = strtoll(n[i], NULL, 10)) >= next)
			next = v + 1;
	xenstore_names_free(n, cnt);
	free(dir);
	return next;
}

/* The device's nodes, its lock and its place in the running config: one
 * transaction. */
static int
record(struct domain *d, struct dev *v, const struct xv *elem, struct xu_err *err)
{
	struct store *st = d->tab->x->store;
	struct xv *dev;
	int rc;

	if ((rc = store_begin(st)) != XU_OK) {
		xu_err_set(err, rc, 0, "%s", store_errmsg(st));
		return rc;
	}
	if ((rc = device_record_one(d, v, err)) != XU_OK) {
		store_rollback(st);
		return rc;
	}
	dev = xv_append(xv_list(), xv_str("device"));
	xv_append(dev, xv_copy(elem));
	xv_append(d->vm, dev);
	rc = domain_save(d);
	if (rc != XU_OK)
		store_rollback(st);
	else
		rc = store_commit(st);
	if (rc != XU_OK) {
		d->vm->u.list.n--;
		xv_free(dev);
		xu_err_set(err, XU_ERR_IO, 0, "cannot record the device: %s",
		    store_errmsg(st));
	}
	return rc;
}

static bool
node_exists(struct xenstore *xs, const char *path)
{
	char *v = xenstore_read_str(xs, path);

	free(v);
	return v != NULL;
}

int
device_attach(struct domain *d, const struct xv *elem, dev_connected_fn done,
    void *arg, struct xu_err *err)
{
	struct xend *x = d->tab->x;
	struct dev_env env = { d->domid, d->cfg.hvm,
	    xend_opt_str(x->opts, "xend-scripts-path"),
	    xend_opt_str(x->opts, "vif-script") };
	struct xv *e = NULL, *vm1 = NULL;
	struct hp_op *op;
	struct dev *v = NULL;
	char *p;
	int rc;

	if ((rc = need_running(d, err)) != XU_OK)
		return rc;
	/* the element checked as a config would be, MAC made if missing */
	vm1 = xv_append(xv_list(), xv_str("vm"));
	xv_append(vm1, xv_append(xv_append(xv_list(), xv_str("device")), xv_copy(elem)));
	if ((rc = device_config_check(vm1, err)) != XU_OK)
		goto out;
	device_config_fill_macs(vm1);
	e = xv_at(xv_at(vm1, 1), 1);
	if ((rc = device_resolve(e, next_vif(d), &env, &v, err)) != XU_OK)
		goto out;
	p = device_backend_path(d->domid, v->kind, v->devid);
	if (v->kind == DEV_VBD && node_exists(x->xs, p)) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' already has a disk %s",
		    d->name, v->vdev);
		free(p);
		rc = XU_ERR_INVALID;
		goto out;
	}
	free(p);
	if (v->kind == DEV_VBD && (v->path == NULL && *v->params == '\0')) {
		xu_err_set(err, XU_ERR_UNSUPPORTED, 0, "disk %s: an empty cdrom cannot be "
		    "attached to a running domain", v->vdev);
		rc = XU_ERR_UNSUPPORTED;
		goto out;
	}
	if ((rc = record(d, v, e, err)) != XU_OK)
		goto out;
	FAULT_POINT("attach.recorded", d->name);
	op = xu_calloc(1, sizeof(*op));
	domain_ref(d);
	op->d = d;
	op->v = v;
	op->kind = v->kind;
	op->devid = v->devid;
	op->attach = true;
	op->done = done;
	op->arg = arg;
	v = NULL;
	devices_connect(d, op->v, attach_connected, op);
out:
	devices_free(v);
	xv_free(vm1);
	return rc;
}

/* ---- a cdrom's medium (block-configure) ------------------------------------ */

/* QEMU changed the medium: the backend nodes, the lock and the config
 * entry follow in one transaction, so a restart or a migration keeps it. */
static int
media_record(struct hp_op *op, struct xu_err *err)
{
	struct domain *d = op->d;
	struct store *st = d->tab->x->store;
	size_t i = config_index(d->vm, DEV_VBD, op->devid, NULL);
	struct xv *dev;
	int rc;

	if (i == 0)
		return device_fail(err, XU_ERR_NOT_FOUND, "disk %s went away",
		    op->v->vdev);
	if ((rc = store_begin(st)) != XU_OK)
		return device_fail(err, rc, "%s", store_errmsg(st));
	if ((rc = device_record_media(d, op->v, err)) != XU_OK) {
		store_rollback(st);
		return rc;
	}
	dev = xv_append(xv_append(xv_list(), xv_str("device")), op->elem);
	op->elem = d->vm->u.list.items[i];
	d->vm->u.list.items[i] = dev;
	if ((rc = domain_save(d)) != XU_OK) {
		store_rollback(st);
		d->vm->u.list.items[i] = op->elem;	/* the old one back */
		op->elem = dev;
	} else if ((rc = store_commit(st)) != XU_OK) {
		d->vm->u.list.items[i] = op->elem;
		op->elem = dev;
	}
	if (rc != XU_OK)
		return device_fail(err, XU_ERR_IO, "%s", store_errmsg(st));
	return XU_OK;
}

static void
media_changed(evutil_socket_t fd, short what, void *arg)
{
	struct hp_op *op = arg;
	struct domain *d = op->d;
	const char *what_in = op->v->path ? op->v->path : op->v->nbd_host;
	struct xu_err err = { 0 };
	int rc;

	rc = xc_async_finish(d->tab->x->xc, op->a);
	if (rc == XC_PENDING)
		return;
	if (rc != XC_OK) {
		op_fail(op, xu_asprintf("The medium of disk %s of domain '%s' could "
		    "not be changed: %s", op->v->vdev, d->name, op_why(op, rc)));
		return;
	}
	if (media_record(op, &err) != XU_OK) {
		op_fail(op, xu_asprintf("The medium of disk %s of domain '%s' was "
		    "changed, but not recorded (a restart would bring the old one "
		    "back): %s", op->v->vdev, d->name, err.msg));
		return;
	}
	domain_log(d, "disk %s: %s%s", op->v->vdev, what_in ? "medium " : "ejected",
	    what_in ? what_in : "");
	op_end(op, XU_OK, "");
}

int
device_configure(struct domain *d, const struct xv *elem, dev_connected_fn done,
    void *arg, struct xu_err *err)
{
	struct xend *x = d->tab->x;
	struct dev_env env = { d->domid, d->cfg.hvm,
	    xend_opt_str(x->opts, "xend-scripts-path"),
	    xend_opt_str(x->opts, "vif-script") };
	struct dev probe = { 0 }, old = { 0 };
	struct xv *vm1 = NULL, *ne = NULL;
	struct dev *v = NULL;
	struct xc_device xd;
	struct hp_op *op;
	size_t i;
	int rc;

	if ((rc = need_running(d, err)) != XU_OK)
		return rc;
	if (xv_name(elem) == NULL || !device_is_disk_class(xv_name(elem)))
		return device_fail(err, XU_ERR_UNSUPPORTED, "Only a cdrom's medium can "
		    "be changed in place (block-configure); other devices are "
		    "detached and attached again");
	vm1 = xv_append(xv_list(), xv_str("vm"));
	xv_append(vm1, xv_append(xv_append(xv_list(), xv_str("device")), xv_copy(elem)));
	if ((rc = device_config_check(vm1, err)) != XU_OK ||
	    (rc = device_read(elem, &probe, err)) != XU_OK)
		goto out;
	if ((i = config_index(d->vm, DEV_VBD, probe.devid, NULL)) == 0) {
		rc = device_fail(err, XU_ERR_NOT_FOUND, "Domain '%s' has no disk %s",
		    d->name, probe.vdev);
		goto out;
	}
	if ((rc = device_read(device_elem(xv_at(d->vm, i)), &old, err)) != XU_OK)
		goto out;
	if (!old.cdrom) {
		rc = device_fail(err, XU_ERR_INVALID, "Disk %s of domain '%s' is not a "
		    "cdrom: only a cdrom's medium can be changed (block-detach and "
		    "block-attach a disk)", old.vdev, d->name);
		goto out;
	}
	if (!d->cfg.hvm) {
		rc = device_fail(err, XU_ERR_UNSUPPORTED, "Disk %s of domain '%s' is a "
		    "virtio disk of a PV guest: its medium cannot be changed in place; "
		    "block-detach and block-attach it", old.vdev, d->name);
		goto out;
	}
	/* the new medium in the old drive, as the config names it */
	ne = xv_append(xv_list(), xv_str(xv_name(device_elem(xv_at(d->vm, i)))));
	xv_append_pair(ne, "uname", xv_str(xv_child_str(elem, "uname", "")));
	xv_append_pair(ne, "dev", xv_str(xv_child_str(device_elem(xv_at(d->vm, i)),
	    "dev", "")));
	xv_append_pair(ne, "mode", xv_str("r"));
	if ((rc = device_resolve(ne, 0, &env, &v, err)) != XU_OK)
		goto out;
	if (*v->params != '\0' && v->path == NULL && v->nbd_host == NULL) {
		rc = device_fail(err, XU_ERR_UNSUPPORTED, "disk %s: a medium of type "
		    "'%s' needs its hotplug script; file:, phy:, tap: and nbd: media "
		    "can be changed in place", v->vdev, v->type);
		goto out;
	}
	device_to_xc(v, &xd);
	op = xu_calloc(1, sizeof(*op));
	if (xc_domain_media_change(x->xc, d->domid, &xd, &op->a) != XC_OK) {
		rc = device_fail(err, XU_ERR_IO, "The medium of disk %s of domain '%s' "
		    "could not be changed: %s", v->vdev, d->name, xc_last_error(x->xc));
		free(op);
		goto out;
	}
	domain_ref(d);
	op->d = d;
	op->v = v;
	op->kind = DEV_VBD;
	op->devid = v->devid;
	op->elem = ne;
	op->done = done;
	op->arg = arg;
	v = NULL;
	ne = NULL;
	watch_answer(op, media_changed);
out:
	dev_dispose(&probe);
	dev_dispose(&old);
	devices_free(v);
	xv_free(ne);
	xv_free(vm1);
	return rc;
}

/* ---- after an xend restart ------------------------------------------------------ */

static void
adopt_detached(struct domain *d, int rc, const char *msg, void *arg)
{
	if (rc != XU_OK)
		domain_log(d, "the device stays: %s", msg);
}

/* An attach or a detach that xend did not finish (the backend is not
 * Connected: Closing for a detach) is finished as a detach: QEMU is
 * asked to unplug the device, which it may have been given or not yet
 * have let go of; once it has (or says it has no such device), the tap,
 * the script's work, the nodes, the lock and the config entry go. A
 * guest that does not let go keeps the device, Connected again. */
void
devices_adopt_check(struct domain *d)
{
	struct xenstore *xs = d->tab->x->xs;
	enum dev_kind kinds[2] = { DEV_VIF, DEV_VBD };
	char **ids, *dir, *p, *state;
	struct xu_err err = { 0 };
	bool closing;
	size_t n, i, k;

	for (k = 0; k < 2; k++) {
		dir = xu_asprintf("/local/domain/0/backend/%s/%u",
		    device_kind_name(kinds[k]), d->domid);
		ids = xenstore_list(xs, dir, &n);
		for (i = 0; i < n; i++) {
			int64_t devid = strtoll(ids[i], NULL, 10);

			p = xu_asprintf("%s/%s/state", dir, ids[i]);
			state = xenstore_read_str(xs, p);
			free(p);
			closing = state != NULL && atoi(state) == XENBUS_CLOSING;
			if (state != NULL && atoi(state) == XENBUS_CONNECTED) {
				free(state);
				continue;
			}
			free(state);
			domain_log(d, "device %lld (%s) was being %s when xend stopped: "
			    "detaching it", (long long)devid, device_kind_name(kinds[k]),
			    closing ? "detached" : "attached");
			if (device_detach(d, kinds[k], devid, false, adopt_detached, NULL,
			    &err) != XU_OK)
				domain_log(d, "the device stays: %s", err.msg);
		}
		xenstore_names_free(ids, n);
		free(dir);
	}
}

/* ---- detach ----------------------------------------------------------------- */

static void
unplugged(evutil_socket_t fd, short what, void *arg)
{
	struct hp_op *op = arg;
	struct domain *d = op->d;
	char *msg, *mac, *backend, *p;
	int rc;

	rc = xc_async_finish(d->tab->x->xc, op->a);
	if (rc == XC_PENDING)
		return;
	backend = device_backend_path(d->domid, op->kind, op->devid);
	/* QEMU has no such device (a detach or an attach a previous xend
	 * did not finish): what xend holds for it goes */
	if (rc == XC_ERR_NO_DEVICE)
		rc = XC_OK;
	else if (rc == XC_OK)
		FAULT_POINT("detach.unplugged", d->name);
	if (rc != XC_OK) {
		msg = xu_asprintf("Device %lld (%s) of domain '%s' could not be "
		    "detached: %s", (long long)op->devid, device_kind_name(op->kind),
		    d->name, op_why(op, rc));
		p = xu_asprintf("%s/state", backend);
		(void)xenstore_writef(d->tab->x->xs, p, "%d", XENBUS_CONNECTED);
		free(p);
		free(backend);
		op_fail(op, msg);
		return;
	}
	p = xu_asprintf("%s/mac", backend);
	free(backend);
	mac = op->kind == DEV_VIF ? xenstore_read_str(d->tab->x->xs, p) : NULL;
	device_release_one(d, op->kind, op->devid);
	config_drop(d, op->kind, op->devid, mac);
	(void)domain_save(d);
	domain_event(d, "device_removed", events_data("devid",
	    xv_int(op->devid), "class", xv_str(device_kind_name(op->kind)),
	    NULL), "device %lld (%s) detached", (long long)op->devid,
	    device_kind_name(op->kind));
	free(mac);
	free(p);
	op_end(op, XU_OK, "");
}

int
device_detach(struct domain *d, enum dev_kind kind, int64_t devid, bool force,
    dev_connected_fn done, void *arg, struct xu_err *err)
{
	struct xend *x = d->tab->x;
	char *backend, *state_path;
	struct hp_op *op;
	int rc;

	if ((rc = need_running(d, err)) != XU_OK)
		return rc;
	backend = device_backend_path(d->domid, kind, devid);
	state_path = xu_asprintf("%s/state", backend);
	if (!node_exists(x->xs, backend)) {
		xu_err_set(err, XU_ERR_NOT_FOUND, 0, "Device %lld (%s) of domain '%s' "
		    "does not exist", (long long)devid, device_kind_name(kind), d->name);
		rc = XU_ERR_NOT_FOUND;
		goto out;
	}
	op = xu_calloc(1, sizeof(*op));
	domain_ref(d);
	op->d = d;
	op->kind = kind;
	op->devid = devid;
	op->done = done;
	op->arg = arg;
	snprintf(op->qemu_id, sizeof(op->qemu_id), "%s-%lld", device_kind_name(kind),
	    (long long)devid);
	(void)xenstore_writef(x->xs, state_path, "%d", XENBUS_CLOSING);
	FAULT_POINT("detach.closing", d->name);
	if (force)
		log_info("Domain %s: detaching device %lld (%s) with force: the guest "
		    "is still given device-destroy-timeout to let go", d->name,
		    (long long)devid, device_kind_name(kind));
	if (xc_domain_device_del(x->xc, d->domid, op->qemu_id,
	    (unsigned)xend_opt_int(x->opts, "device-destroy-timeout"), &op->a) != XC_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "Device %lld (%s) of domain '%s' could not "
		    "be detached: %s", (long long)devid, device_kind_name(kind), d->name,
		    xc_last_error(x->xc));
		(void)xenstore_writef(x->xs, state_path, "%d", XENBUS_CONNECTED);
		domain_unref(d);
		free(op);
		rc = XU_ERR_IO;
		goto out;
	}
	watch_answer(op, unplugged);
out:
	free(state_path);
	free(backend);
	return rc;
}
