/* devices.c: the domain's disks and NICs: the --device descriptions (the
 * same JSON libxc sends for hot-plug), their QEMU form (-blockdev,
 * -netdev, -device as JSON; every virtio device on a pcie-root-port of
 * its own, plus spare ports, as q35's root bus cannot hot-plug), and
 * plugging and unplugging them in a running QEMU through QMP. */
#include "xenhv.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "xenhv-proto.h"
#include "xu.h"

/* A device QEMU has (or is being given, or is giving back). */
struct xhv_dev {
	struct xc_device d;	/* strings owned */
	int port;		/* xenrp<port>, -1 for IDE */
	bool unplugging;
	/* a device_del waiting for DEVICE_DELETED */
	xhv_done_cb del_done;
	void *del_opaque;
	struct event *del_timer;
	unsigned del_timeout;
	/* a cdrom's medium: its node ("" when empty) and how many changes */
	char node[80];
	unsigned media_gen;
	bool changing;
	struct xhv_devices *set;
	struct xhv_dev *next;
};

struct xhv_devices {
	struct xhv_dom *d;
	struct xhv_dev *list;
	bool *port_used;
	int nports;
};

/* ---- descriptions --------------------------------------------------- */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xu_strdup(s) : NULL;
}

static void
dev_copy(struct xc_device *to, const struct xc_device *from)
{
	*to = *from;
	to->id = dup_or_null(from->id);
	to->path = dup_or_null(from->path);
	to->format = dup_or_null(from->format);
	to->bus = dup_or_null(from->bus);
	to->ifname = dup_or_null(from->ifname);
	to->mac = dup_or_null(from->mac);
	to->model = dup_or_null(from->model);
	to->nbd_host = dup_or_null(from->nbd_host);
	to->nbd_export = dup_or_null(from->nbd_export);
}

static void
dev_dispose(struct xc_device *d)
{
	free((char *)d->id);
	free((char *)d->path);
	free((char *)d->format);
	free((char *)d->bus);
	free((char *)d->ifname);
	free((char *)d->mac);
	free((char *)d->model);
	free((char *)d->nbd_host);
	free((char *)d->nbd_export);
	memset(d, 0, sizeof(*d));
}

bool
xhv_config_add_device(struct xhv_config *c, const char *json, char *err,
    size_t errlen)
{
	char why[200];
	struct xc_device dev;
	yajl_val root;
	size_t i;

	if (c->ndevices >= XC_DEVICES_MAX) {
		snprintf(err, errlen, "--device: at most %d devices", XC_DEVICES_MAX);
		return false;
	}
	root = xhp_json_object(json, strlen(json), XHP_LINE_MAX, XHP_DEPTH_MAX,
	    "--device", why, sizeof(why));
	if (root == NULL || !xhp_get_device(root, &dev, why, sizeof(why))) {
		snprintf(err, errlen, "--device: %s", why);
		if (root != NULL)
			yajl_tree_free(root);
		return false;
	}
	for (i = 0; i < c->ndevices; i++) {
		if (strcmp(c->devices[i].id, dev.id) == 0) {
			snprintf(err, errlen, "--device: %.48s given twice", dev.id);
			yajl_tree_free(root);
			return false;
		}
	}
	c->devices = xu_realloc(c->devices, (c->ndevices + 1) * sizeof(*c->devices));
	dev_copy(&c->devices[c->ndevices++], &dev);
	yajl_tree_free(root);
	return true;
}

void
xhv_config_free_devices(struct xhv_config *c)
{
	size_t i;

	for (i = 0; i < c->ndevices; i++)
		dev_dispose(&c->devices[i]);
	free(c->devices);
	c->devices = NULL;
	c->ndevices = 0;
}

/* A disk with something in it: a file or device, or an NBD export. */
static bool
has_media(const struct xc_device *d)
{
	return d->path != NULL || d->nbd_host != NULL;
}

static bool
on_port(const struct xc_device *d)
{
	return strcmp(d->bus ? d->bus : "virtio", "ide") != 0 &&
	    !(d->kind == XC_DEVICE_DISK && !has_media(d));
}

/* ---- QEMU's JSON ------------------------------------------------------ */

static void
key(yajl_gen g, const char *k)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static char *
gen_done(yajl_gen g)
{
	const unsigned char *buf;
	size_t n;
	char *s;

	yajl_gen_get_buf(g, &buf, &n);
	s = xu_strndup((const char *)buf, n);
	yajl_gen_free(g);
	return s;
}

static yajl_gen
gen_open(void)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		abort();
	yajl_gen_map_open(g);
	return g;
}

static char *
gen_close(yajl_gen g)
{
	yajl_gen_map_close(g);
	return gen_done(g);
}

/* QEMU's NBD client: the export on host:port, over TCP. */
static void
nbd_json(yajl_gen g, const struct xc_device *d)
{
	char port[8];

	snprintf(port, sizeof(port), "%u", d->nbd_port);
	xhp_put_str(g, "driver", "nbd");
	key(g, "server");
	yajl_gen_map_open(g);
	xhp_put_str(g, "type", "inet");
	xhp_put_str(g, "host", d->nbd_host);
	xhp_put_str(g, "port", port);
	yajl_gen_map_close(g);
	if (d->nbd_export != NULL)
		xhp_put_str(g, "export", d->nbd_export);
}

/* -blockdev / blockdev-add: the format node with its file inline, so one
 * blockdev-del takes both. */
/* file: what QEMU opens (d->path, or its fd set in the jail). */
static char *
blockdev_node_json(struct xhv_dom *dom, const struct xc_device *d,
    const char *node, const char *file)
{
	yajl_gen g = gen_open();
	bool ro = d->readonly || d->cdrom;

	xhp_put_str(g, "driver", d->format);
	xhp_put_str(g, "node-name", node);
	xhp_put_bool(g, "read-only", ro);
	key(g, "file");
	yajl_gen_map_open(g);
	if (d->nbd_host != NULL) {
		/* the server arbitrates writers: QEMU has no lock to take */
		nbd_json(g, d);
		xhp_put_bool(g, "read-only", ro);
		yajl_gen_map_close(g);
		return gen_close(g);
	}
	xhp_put_str(g, "driver", d->host_device ? "host_device" : "file");
	xhp_put_str(g, "filename", file != NULL ? file : d->path);
	xhp_put_bool(g, "read-only", ro);
	/* w!: the lock record allowed it; QEMU must not refuse it either */
	if (d->shared)
		xhp_put_str(g, "locking", "off");
	yajl_gen_map_close(g);
	xhv_jail_gen_backing(dom, g, node);
	return gen_close(g);
}

static char *
blockdev_json(struct xhv_dom *dom, const struct xc_device *d, const char *file)
{
	return blockdev_node_json(dom, d, d->id, file);
}

/* fd: the tap's descriptor as QEMU knows it (a number or a getfd name),
 * NULL for QEMU to attach by name. */
static char *
netdev_json(const struct xc_device *d, const char *fd)
{
	yajl_gen g = gen_open();
	char *id = xu_asprintf("%s-net", d->id);

	xhp_put_str(g, "type", "tap");
	xhp_put_str(g, "id", id);
	if (fd != NULL)
		xhp_put_str(g, "fd", fd);	/* QEMU runs no script for it */
	else {
		xhp_put_str(g, "ifname", d->ifname);
		xhp_put_str(g, "script", "no");
		xhp_put_str(g, "downscript", "no");
	}
	free(id);
	return gen_close(g);
}

static char *
device_json(const struct xc_device *d, int port)
{
	yajl_gen g = gen_open();
	char bus[32];

	if (port >= 0)
		snprintf(bus, sizeof(bus), "xenrp%d", port);
	else
		snprintf(bus, sizeof(bus), "ide.%u", d->unit);
	if (d->kind == XC_DEVICE_NIC) {
		char *netdev = xu_asprintf("%s-net", d->id);

		xhp_put_str(g, "driver", d->model);
		xhp_put_str(g, "netdev", netdev);
		xhp_put_str(g, "mac", d->mac);
		/* no option ROM: the kernel does not come from the network */
		xhp_put_str(g, "romfile", "");
		free(netdev);
	} else if (port >= 0) {
		xhp_put_str(g, "driver", "virtio-blk-pci");
		xhp_put_str(g, "drive", d->id);
		/* readers and w! writers coexist with the writer QEMU allows */
		xhp_put_bool(g, "share-rw", d->readonly || d->shared || d->cdrom);
	} else {
		xhp_put_str(g, "driver", d->cdrom ? "ide-cd" : "ide-hd");
		if (has_media(d))
			xhp_put_str(g, "drive", d->id);
		xhp_put_bool(g, "share-rw", d->readonly || d->shared || d->cdrom);
	}
	xhp_put_str(g, "id", d->id);
	xhp_put_str(g, "bus", bus);
	return gen_close(g);
}

static char *
port_json(int i)
{
	yajl_gen g = gen_open();
	char id[32];

	snprintf(id, sizeof(id), "xenrp%d", i);
	xhp_put_str(g, "driver", "pcie-root-port");
	xhp_put_str(g, "id", id);
	xhp_put_int(g, "chassis", i + 1);
	xhp_put_int(g, "slot", i + 1);
	return gen_close(g);
}

static int
nports_for(const struct xhv_config *c)
{
	int n = (int)(c->hotplug_slots > 0 ? c->hotplug_slots : XC_HOTPLUG_SLOTS);
	size_t i;

	for (i = 0; i < c->ndevices; i++)
		if (on_port(&c->devices[i]))
			n++;
	return n;
}

static void
push(char ***v, size_t *n, const char *opt, char *val)
{
	*v = xu_realloc(*v, (*n + 3) * sizeof(**v));
	(*v)[(*n)++] = xu_strdup(opt);
	(*v)[(*n)++] = val;
	(*v)[*n] = NULL;
}

char **
xhv_devices_qemu_args(struct xhv_dom *dom, char *err, size_t errlen)
{
	const struct xhv_config *c = &dom->cfg;
	char **v = xu_calloc(1, sizeof(*v)), *fd;
	int nports = nports_for(c), port = 0, i;
	size_t n = 0, k;

	for (i = 0; i < nports; i++)
		push(&v, &n, "-device", port_json(i));
	for (k = 0; k < c->ndevices; k++) {
		const struct xc_device *d = &c->devices[k];
		int p = on_port(d) ? port++ : -1;

		fd = NULL;
		if (d->kind == XC_DEVICE_NIC) {
			if (dom->jail != NULL &&
			    (fd = xhv_jail_start_tap(dom, d->ifname, err, errlen)) == NULL)
				goto fail;
			push(&v, &n, "-netdev", netdev_json(d, fd));
		} else if (has_media(d)) {
			if (d->path != NULL && (fd = xhv_jail_start_file(dom, d->id,
			    d->path, d->format, d->readonly || d->cdrom, err,
			    errlen)) == NULL)
				goto fail;
			push(&v, &n, "-blockdev", blockdev_json(dom, d, fd));
		} else if (strcmp(d->bus, "ide") != 0)
			continue;	/* an empty virtio cdrom is nothing */
		free(fd);
		push(&v, &n, "-device", device_json(d, p));
	}
	return v;
fail:
	qemu_argv_free(v);
	return NULL;
}

/* ---- the running set ---------------------------------------------------- */

void
xhv_devices_init(struct xhv_dom *d)
{
	struct xhv_devices *s = xu_calloc(1, sizeof(*s));
	const struct xhv_config *c = &d->cfg;
	struct xhv_dev **tail = &s->list;
	int port = 0;
	size_t k;

	s->d = d;
	s->nports = nports_for(c);
	s->port_used = xu_calloc((size_t)s->nports + 1, sizeof(bool));
	for (k = 0; k < c->ndevices; k++) {
		struct xhv_dev *x = xu_calloc(1, sizeof(*x));

		dev_copy(&x->d, &c->devices[k]);
		x->set = s;
		x->port = on_port(&x->d) ? port++ : -1;
		if (has_media(&x->d))
			snprintf(x->node, sizeof(x->node), "%s", x->d.id);
		if (x->port >= 0)
			s->port_used[x->port] = true;
		*tail = x;
		tail = &x->next;
	}
	d->devices = s;
}

static void
dev_free(struct xhv_dev *x)
{
	if (x->del_timer != NULL)
		event_free(x->del_timer);
	dev_dispose(&x->d);
	free(x);
}

void
xhv_devices_free(struct xhv_dom *d)
{
	struct xhv_devices *s = d->devices;
	struct xhv_dev *x;

	if (s == NULL)
		return;
	while ((x = s->list) != NULL) {
		s->list = x->next;
		dev_free(x);
	}
	free(s->port_used);
	free(s);
	d->devices = NULL;
}

static struct xhv_dev *
find(struct xhv_devices *s, const char *id)
{
	struct xhv_dev *x;

	for (x = s->list; x != NULL; x = x->next)
		if (strcmp(x->d.id, id) == 0)
			return x;
	return NULL;
}

static void
forget(struct xhv_devices *s, struct xhv_dev *x)
{
	struct xhv_dev **pp;

	for (pp = &s->list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	}
	if (x->port >= 0 && x->port < s->nports)
		s->port_used[x->port] = false;
	dev_free(x);
}

/* ---- hot-plug --------------------------------------------------------- */

/* One device_add in flight: backend, then the device; undone on failure. */
struct add_op {
	struct xhv_devices *set;
	struct xhv_dev *x;	/* not in the list until QEMU has it */
	xhv_done_cb done;
	void *opaque;
};

static char *
backend_del_args(const struct xc_device *d, const char **cmd)
{
	yajl_gen g = gen_open();
	char *id;

	if (d->kind == XC_DEVICE_NIC) {
		*cmd = "netdev_del";
		id = xu_asprintf("%s-net", d->id);
		xhp_put_str(g, "id", id);
		free(id);
	} else {
		*cmd = "blockdev-del";
		xhp_put_str(g, "node-name", d->id);
	}
	return gen_close(g);
}

/* Takes the device's backend out of QEMU (its tap or file closed when
 * cb runs, if one is given); errors only logged. */
static void
backend_del(struct xhv_dom *d, const struct xc_device *dev, qmp_reply_cb cb,
    void *opaque)
{
	const char *cmd;
	char *args;

	if (dev->kind == XC_DEVICE_DISK && !has_media(dev)) {
		if (cb != NULL)
			cb(opaque, NULL, NULL);
		return;
	}
	args = backend_del_args(dev, &cmd);
	if (qmp_command(d->qmp, cmd, args, cb, opaque, 0) < 0) {
		xhv_log("device %s: cannot send %s", dev->id, cmd);
		if (cb != NULL)
			cb(opaque, NULL, "QEMU's monitor is not available");
	}
	free(args);
	/* after the node: its descriptors close with it */
	if (dev->kind == XC_DEVICE_DISK)
		xhv_jail_release(d, dev->id);
}

static void
add_end(struct add_op *op, int code, const char *msg)
{
	struct xhv_devices *s = op->set;

	if (code == 0) {
		op->x->next = s->list;
		s->list = op->x;
		xhv_log("device %s plugged in (port xenrp%d)", op->x->d.id, op->x->port);
		XHV_FAULT_POINT("monitor.plugged", s->d->cfg.name);
	} else {
		xhv_log("device %s could not be plugged in: %s", op->x->d.id, msg);
		s->port_used[op->x->port] = false;
		dev_free(op->x);
	}
	op->done(op->opaque, code, msg);
	free(op);
}

static void
added_device(void *opaque, yajl_val ret, const char *err)
{
	struct add_op *op = opaque;
	char msg[300];

	if (err != NULL) {
		backend_del(op->set->d, &op->x->d, NULL, NULL);
		snprintf(msg, sizeof(msg), "QEMU refused device %s: %s", op->x->d.id, err);
		add_end(op, XHP_E_ENGINE, msg);
		return;
	}
	add_end(op, 0, NULL);
}

static void
added_backend(void *opaque, yajl_val ret, const char *err)
{
	struct add_op *op = opaque;
	char msg[300], *args;

	if (err != NULL) {
		snprintf(msg, sizeof(msg), "QEMU refused the backend of device %s: %s",
		    op->x->d.id, err);
		if (op->x->d.kind == XC_DEVICE_DISK)
			xhv_jail_release(op->set->d, op->x->d.id);
		add_end(op, XHP_E_ENGINE, msg);
		return;
	}
	args = device_json(&op->x->d, op->x->port);
	if (qmp_command(op->set->d->qmp, "device_add", args, added_device, op, 0) < 0) {
		backend_del(op->set->d, &op->x->d, NULL, NULL);
		add_end(op, XHP_E_ENGINE, "QEMU's monitor is not available");
	}
	free(args);
}

/* The backend's descriptor is QEMU's (name: a getfd name or what to
 * open; NULL: QEMU opens the tap or file itself): the backend next. */
static void
add_backend(void *opaque, const char *name, const char *err)
{
	struct add_op *op = opaque;
	const struct xc_device *dev = &op->x->d;
	char msg[300], *args;

	if (err != NULL) {
		snprintf(msg, sizeof(msg), "device %s: %s", dev->id, err);
		if (dev->kind == XC_DEVICE_DISK)
			xhv_jail_release(op->set->d, dev->id);
		add_end(op, XHP_E_ENGINE, msg);
		return;
	}
	if (dev->kind == XC_DEVICE_NIC)
		args = netdev_json(dev, name);
	else
		args = blockdev_json(op->set->d, dev, name);
	if (qmp_command(op->set->d->qmp, dev->kind == XC_DEVICE_NIC ? "netdev_add" :
	    "blockdev-add", args, added_backend, op, 0) < 0)
		add_end(op, XHP_E_ENGINE, "QEMU's monitor is not available");
	free(args);
}

void
xhv_device_add(struct xhv_dom *d, const struct xc_device *dev, xhv_done_cb done,
    void *opaque)
{
	struct xhv_devices *s = d->devices;
	struct add_op *op;
	char msg[300];
	int port;

	if (d->state != XC_DOM_RUNNING && d->state != XC_DOM_PAUSED) {
		done(opaque, XHP_E_STATE, "the domain is not running");
		return;
	}
	if (find(s, dev->id) != NULL) {
		snprintf(msg, sizeof(msg), "device %s is already plugged in", dev->id);
		done(opaque, XHP_E_INVALID, msg);
		return;
	}
	if (!on_port(dev)) {
		snprintf(msg, sizeof(msg), "device %s: IDE devices and empty cdroms "
		    "cannot be hot-plugged", dev->id);
		done(opaque, XHP_E_UNSUPPORTED, msg);
		return;
	}
	for (port = 0; port < s->nports && s->port_used[port]; port++)
		;
	if (port == s->nports) {
		snprintf(msg, sizeof(msg), "device %s: no free PCIe port (the domain "
		    "has %d, all in use)", dev->id, s->nports);
		done(opaque, XHP_E_STATE, msg);
		return;
	}
	op = xu_calloc(1, sizeof(*op));
	op->set = s;
	op->done = done;
	op->opaque = opaque;
	op->x = xu_calloc(1, sizeof(*op->x));
	dev_copy(&op->x->d, dev);
	op->x->set = s;
	op->x->port = port;
	s->port_used[port] = true;
	if (dev->kind == XC_DEVICE_NIC && d->jail != NULL) {
		char fdname[96];
		int fd = xhv_tap_open(dev->ifname, msg, sizeof(msg));

		if (fd < 0) {
			add_end(op, XHP_E_ENGINE, msg);
			return;
		}
		snprintf(fdname, sizeof(fdname), "%s-tap", dev->id);
		xhv_jail_pass(d, fdname, fd, add_backend, op);
	} else if (dev->kind == XC_DEVICE_DISK && dev->path != NULL)
		xhv_jail_file(d, dev->id, dev->path, dev->format,
		    dev->readonly || dev->cdrom, add_backend, op);
	else
		add_backend(op, NULL, NULL);
}

/* The answer to device_del, once QEMU has let go of the backend too (the
 * caller removes the tap or reuses the file next). */
struct unplug {
	xhv_done_cb done;
	void *opaque;
	char id[64];
};

static void
backend_gone(void *opaque, yajl_val ret, const char *err)
{
	struct unplug *u = opaque;

	if (err != NULL)
		xhv_log("device %s: its backend did not go: %s", u->id, err);
	if (u->done != NULL)
		u->done(u->opaque, 0, NULL);
	free(u);
}

/* The guest let go (DEVICE_DELETED): the backend goes, then the answer. */
static void
unplugged(struct xhv_devices *s, struct xhv_dev *x)
{
	struct unplug *u = xu_calloc(1, sizeof(*u));

	u->done = x->del_done;
	u->opaque = x->del_opaque;
	snprintf(u->id, sizeof(u->id), "%s", x->d.id);
	xhv_log("device %s unplugged", x->d.id);
	backend_del(s->d, &x->d, backend_gone, u);
	forget(s, x);
}

static void
del_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct xhv_dev *x = arg;
	xhv_done_cb done = x->del_done;
	char msg[200];

	x->del_done = NULL;
	snprintf(msg, sizeof(msg), "the guest did not release device %s within %u s",
	    x->d.id, x->del_timeout);
	xhv_log("%s", msg);
	/* still unplugging: a late DEVICE_DELETED finishes the job */
	if (done != NULL)
		done(x->del_opaque, XHP_E_TIMEOUT, msg);
}

static void
del_sent(void *opaque, yajl_val ret, const char *err)
{
	struct xhv_dev *x = opaque;
	xhv_done_cb done = x->del_done;
	char msg[300];

	if (err == NULL)
		return;		/* now the guest's turn */
	x->del_done = NULL;
	x->unplugging = false;
	evtimer_del(x->del_timer);
	snprintf(msg, sizeof(msg), "QEMU refused to unplug device %s: %s", x->d.id, err);
	if (done != NULL)
		done(x->del_opaque, XHP_E_ENGINE, msg);
}

void
xhv_device_del(struct xhv_dom *d, const char *id, unsigned timeout_s,
    xhv_done_cb done, void *opaque)
{
	struct xhv_dev *x = find(d->devices, id);
	struct timeval tv = { timeout_s > 0 ? timeout_s : 30, 0 };
	char msg[200], *args;
	yajl_gen g;

	if (x == NULL) {
		snprintf(msg, sizeof(msg), "there is no device %.48s", id);
		done(opaque, XHP_E_NO_DEVICE, msg);
		return;
	}
	if (x->unplugging && x->del_done != NULL) {
		snprintf(msg, sizeof(msg), "device %s is being unplugged already", id);
		done(opaque, XHP_E_STATE, msg);
		return;
	}
	if (x->port < 0) {
		snprintf(msg, sizeof(msg), "device %s is an IDE device, which cannot "
		    "be unplugged", id);
		done(opaque, XHP_E_UNSUPPORTED, msg);
		return;
	}
	x->del_done = done;
	x->del_opaque = opaque;
	x->del_timeout = (unsigned)tv.tv_sec;
	if (x->del_timer == NULL)
		x->del_timer = evtimer_new(d->base, del_timeout, x);
	evtimer_add(x->del_timer, &tv);
	if (x->unplugging)
		return;		/* asked before and timed out: wait again */
	x->unplugging = true;
	g = gen_open();
	xhp_put_str(g, "id", x->d.id);
	args = gen_close(g);
	if (qmp_command(d->qmp, "device_del", args, del_sent, x, 0) < 0)
		del_sent(x, NULL, "QEMU's monitor is not available");
	free(args);
}

void
xhv_devices_event(struct xhv_dom *d, yajl_val data)
{
	const char *dev = NULL;
	struct xhv_dev *x;

	/* QEMU also reports the virtio backend going, without "device" */
	if (d->devices == NULL || !xhp_get_str(data, "device", &dev))
		return;
	if ((x = find(d->devices, dev)) == NULL)
		return;
	if (x->del_timer != NULL)
		evtimer_del(x->del_timer);
	unplugged(d->devices, x);
}

/* ---- a cdrom's medium --------------------------------------------------- */

/* xm block-configure: the new medium's node is added first (a file QEMU
 * cannot open changes nothing), then the tray opens (forced: a guest's
 * lock does not stop the admin, as on real hardware's eject pin), the old
 * medium goes out and its node away, the new one goes in and the tray
 * closes. Every medium gets a node name of its own (id, id.m1, ...). */
struct media_op {
	struct xhv_dev *x;
	struct xc_device nd;	/* the new medium, strings owned */
	char node[80];		/* its node, "" for an empty drive */
	char *file;		/* what QEMU opens for it, once known */
	int step;
	xhv_done_cb done;
	void *opaque;
};

enum { M_ADD, M_OPEN, M_REMOVE, M_DEL_OLD, M_INSERT, M_CLOSE, M_DONE };

static void media_step(struct media_op *op);

static void
media_end(struct media_op *op, int code, const char *msg)
{
	struct xhv_dev *x = op->x;

	x->changing = false;
	if (code == 0) {
		free((char *)x->d.path);
		free((char *)x->d.format);
		free((char *)x->d.nbd_host);
		free((char *)x->d.nbd_export);
		x->d.path = dup_or_null(op->nd.path);
		x->d.format = dup_or_null(op->nd.format);
		x->d.nbd_host = dup_or_null(op->nd.nbd_host);
		x->d.nbd_export = dup_or_null(op->nd.nbd_export);
		x->d.nbd_port = op->nd.nbd_port;
		x->d.host_device = op->nd.host_device;
		snprintf(x->node, sizeof(x->node), "%s", op->node);
		xhv_log("device %s: medium %s", x->d.id, op->nd.path ? op->nd.path :
		    op->nd.nbd_host ? op->nd.nbd_host : "removed (empty drive)");
	} else {
		xhv_log("device %s: the medium was not changed: %s", x->d.id, msg);
	}
	op->done(op->opaque, code, msg);
	dev_dispose(&op->nd);
	free(op->file);
	free(op);
}

static void
media_answer(void *opaque, yajl_val ret, const char *err)
{
	struct media_op *op = opaque;
	char msg[300];

	if (err != NULL) {
		snprintf(msg, sizeof(msg), "QEMU refused to %s of device %s: %s",
		    op->step == M_ADD ? "open the new medium" :
		    op->step == M_OPEN ? "open the tray" :
		    op->step == M_REMOVE ? "take the medium out" :
		    op->step == M_DEL_OLD ? "close the old medium" :
		    op->step == M_INSERT ? "insert the new medium" : "close the tray",
		    op->x->d.id, err);
		if (op->step == M_ADD || op->step == M_OPEN) {
			/* nothing changed yet: the new node goes again */
			if (op->step == M_OPEN && op->node[0] != '\0') {
				char *a = xu_asprintf("{\"node-name\":\"%s\"}", op->node);

				(void)qmp_command(op->x->set->d->qmp, "blockdev-del", a,
				    NULL, NULL, 0);
				free(a);
			}
			if (op->node[0] != '\0')
				xhv_jail_release(op->x->set->d, op->node);
			media_end(op, XHP_E_ENGINE, msg);
			return;
		}
		/* half way: what the drive holds now is not known; the
		 * descriptors of both media go with their nodes, if they go */
		xhv_log("device %s: %s", op->x->d.id, msg);
		if (op->node[0] != '\0')
			xhv_jail_release(op->x->set->d, op->node);
		if (op->x->node[0] != '\0')
			xhv_jail_release(op->x->set->d, op->x->node);
		op->x->node[0] = '\0';
		op->x->changing = false;
		op->done(op->opaque, XHP_E_ENGINE, msg);
		dev_dispose(&op->nd);
		free(op->file);
		free(op);
		return;
	}
	if (op->step == M_DEL_OLD)
		xhv_jail_release(op->x->set->d, op->x->node);
	op->step++;
	media_step(op);
}

/* The new medium's file is QEMU's to open (name), or could not be. */
static void
media_file(void *opaque, const char *name, const char *err)
{
	struct media_op *op = opaque;
	char msg[PATH_MAX + 128];

	if (err != NULL) {
		snprintf(msg, sizeof(msg), "device %s: %s", op->x->d.id, err);
		xhv_jail_release(op->x->set->d, op->node);
		media_end(op, XHP_E_ENGINE, msg);
		return;
	}
	op->file = xu_strdup(name);
	media_step(op);
}

static void
media_step(struct media_op *op)
{
	struct xhv_dev *x = op->x;
	const char *cmd = NULL;
	char *args = NULL;
	yajl_gen g;

	for (; op->step < M_DONE && cmd == NULL; ) {
		switch (op->step) {
		case M_ADD:
			if (op->node[0] != '\0' && op->nd.path != NULL &&
			    op->file == NULL) {
				xhv_jail_file(x->set->d, op->node, op->nd.path,
				    op->nd.format, true, media_file, op);
				return;
			}
			if (op->node[0] != '\0') {
				cmd = "blockdev-add";
				args = blockdev_node_json(x->set->d, &op->nd, op->node, op->file);
			}
			break;
		case M_OPEN:
			cmd = "blockdev-open-tray";
			g = gen_open();
			xhp_put_str(g, "id", x->d.id);
			xhp_put_bool(g, "force", true);
			args = gen_close(g);
			break;
		case M_REMOVE:
			cmd = "blockdev-remove-medium";
			break;
		case M_DEL_OLD:
			if (x->node[0] != '\0') {
				cmd = "blockdev-del";
				g = gen_open();
				xhp_put_str(g, "node-name", x->node);
				args = gen_close(g);
			}
			break;
		case M_INSERT:
			if (op->node[0] != '\0') {
				cmd = "blockdev-insert-medium";
				g = gen_open();
				xhp_put_str(g, "id", x->d.id);
				xhp_put_str(g, "node-name", op->node);
				args = gen_close(g);
			}
			break;
		case M_CLOSE:
			cmd = "blockdev-close-tray";
			break;
		}
		if (cmd == NULL)
			op->step++;
	}
	if (cmd == NULL) {
		media_end(op, 0, NULL);
		return;
	}
	if (args == NULL) {
		g = gen_open();
		xhp_put_str(g, "id", x->d.id);
		args = gen_close(g);
	}
	if (qmp_command(x->set->d->qmp, cmd, args, media_answer, op, 0) < 0)
		media_answer(op, NULL, "QEMU's monitor is not available");
	free(args);
}

void
xhv_device_media(struct xhv_dom *d, const struct xc_device *dev,
    xhv_done_cb done, void *opaque)
{
	struct xhv_dev *x = d->devices != NULL ? find(d->devices, dev->id) : NULL;
	struct media_op *op;
	char msg[200];

	if (d->state != XC_DOM_RUNNING && d->state != XC_DOM_PAUSED) {
		done(opaque, XHP_E_STATE, "the domain is not running");
		return;
	}
	if (x == NULL) {
		snprintf(msg, sizeof(msg), "there is no device %.48s", dev->id);
		done(opaque, XHP_E_INVALID, msg);
		return;
	}
	if (!x->d.cdrom || x->port >= 0) {
		snprintf(msg, sizeof(msg), "device %s is not an IDE cdrom: only a "
		    "cdrom's medium can be changed", x->d.id);
		done(opaque, XHP_E_UNSUPPORTED, msg);
		return;
	}
	if (x->changing) {
		snprintf(msg, sizeof(msg), "device %s: its medium is being changed "
		    "already", x->d.id);
		done(opaque, XHP_E_STATE, msg);
		return;
	}
	op = xu_calloc(1, sizeof(*op));
	op->x = x;
	dev_copy(&op->nd, dev);
	op->nd.cdrom = true;
	op->nd.readonly = true;
	op->done = done;
	op->opaque = opaque;
	if (has_media(&op->nd))
		snprintf(op->node, sizeof(op->node), "%s.m%u", x->d.id, ++x->media_gen);
	x->changing = true;
	media_step(op);
}
