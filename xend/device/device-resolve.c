/* device-resolve.c: a domain's devices resolved into what is plugged
 * in: disk paths and formats (a file is probed here, never by QEMU), lock
 * keys, guest device names and the root= translation, vif names, models
 * and scripts; and what libxc is given for each. Also whether an incoming
 * migration's disks can be reached from this host at all. */
#include "device.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "nbdspec.h"
#include "xenhv-proto.h"

#define fail device_fail

/* ---- resolving: the host side of a device -------------------------------- */

/* qcow2's header: "QFI\xfb", the version, then the backing file offset. */
static int
probe_format(struct dev *v, struct xu_err *err)
{
	unsigned char h[16];
	ssize_t r;
	int fd;

	if ((fd = open(v->path, O_RDONLY | O_CLOEXEC)) < 0)
		return fail(err, XU_ERR_IO, "disk %s: %s: %s", v->vdev, v->path,
		    strerror(errno));
	r = pread(fd, h, sizeof(h), 0);
	close(fd);
	v->format = "raw";
	if (r < (ssize_t)sizeof(h) || memcmp(h, "QFI\xfb", 4) != 0)
		return XU_OK;
	if (h[8] | h[9] | h[10] | h[11] | h[12] | h[13] | h[14] | h[15])
		return fail(err, XU_ERR_INVALID, "disk %s: %s looks like a qcow2 image "
		    "with a backing file; name its format to use it (tap:qcow2:%s)",
		    v->vdev, v->path, v->path);
	v->format = "qcow2";
	return XU_OK;
}

/* tap:<driver>:path and tap2:<driver>:path (also tap:tapdisk:<drv>: and
 * tap:ioemu:<drv>:). */
static int
tap_driver(struct dev *v, struct xu_err *err)
{
	static const struct {
		const char *cls, *driver, *format;
	} drivers[] = {
		{ "tap", "aio", "raw" }, { "tap", "sync", "raw" },
		{ "tap", "qcow2", "qcow2" }, { "tap", "qcow", "qcow" },
		{ "tap", "vmdk", "vmdk" }, { "tap", "ioemu", NULL },
		{ "tap2", "aio", "raw" }, { "tap2", "vhd", "vpc" },
		{ "tap2", "qcow", "qcow" },
	};
	char *p = v->params, *colon;
	size_t i;

	if ((strncmp(p, "tapdisk:", 8) == 0 || strncmp(p, "ioemu:", 6) == 0) &&
	    strchr(strchr(p, ':') + 1, ':') != NULL)
		p = strchr(p, ':') + 1;
	if ((colon = strchr(p, ':')) == NULL)
		return fail(err, XU_ERR_INVALID, "disk '%s': no driver (write "
		    "%s:aio:PATH)", v->uname, v->type);
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		if (strcmp(drivers[i].cls, v->type) == 0 &&
		    strlen(drivers[i].driver) == (size_t)(colon - p) &&
		    strncmp(drivers[i].driver, p, (size_t)(colon - p)) == 0)
			break;
	}
	if (i == sizeof(drivers) / sizeof(drivers[0]))
		return fail(err, XU_ERR_UNSUPPORTED, "disk '%s': the %s driver '%.*s' is "
		    "not supported (aio, sync, qcow2, qcow, vmdk; tap2: aio, vhd, qcow)",
		    v->uname, v->type, (int)(colon - p), p);
	v->format = drivers[i].format;
	memmove(v->params, colon + 1, strlen(colon + 1) + 1);
	return XU_OK;
}

/* nbd:HOST:PORT[:EXPORT]: QEMU's own client opens it; one lock key for
 * however the export is written. */
static int
resolve_nbd(struct dev *v, struct xu_err *err)
{
	struct xu_err e = { 0 };
	struct nbd_spec n;

	if (nbd_spec_parse(v->params, &n, &e) != XU_OK)
		return fail(err, XU_ERR_INVALID, "disk %s: %s", v->vdev, e.msg);
	v->nbd_host = n.host;
	v->nbd_port = n.port;
	v->nbd_export = n.export;
	v->format = "raw";
	v->lock_key = xu_asprintf("n:%s:%u:%s", n.host, n.port,
	    n.export ? n.export : "");
	return XU_OK;
}

/* The type's part: tap's driver taken off, phy's /dev/ added, an NBD
 * export read; *local says a host path is left to look at. */
static int
disk_locate(struct dev *v, bool *local, struct xu_err *err)
{
	char *p;
	int rc;

	*local = false;
	if (strcmp(v->type, "tap") == 0 || strcmp(v->type, "tap2") == 0) {
		if ((rc = tap_driver(v, err)) != XU_OK)
			return rc;
	} else if (strcmp(v->type, "phy") == 0) {
		if (v->params[0] != '/') {
			p = xu_asprintf("/dev/%s", v->params);
			free(v->params);
			v->params = p;
		}
		v->host_device = true;
		v->format = "raw";
	} else if (strcmp(v->type, "file") == 0) {
		v->format = NULL;	/* probed later */
	} else if (strcmp(v->type, "nbd") == 0) {
		return resolve_nbd(v, err);
	} else {
		/* block-<type> makes the node; what it is cannot be known yet */
		v->format = "raw";
		v->lock_key = xu_asprintf("x:%s", v->uname);
		return XU_OK;
	}
	if (v->params[0] != '/')
		return fail(err, XU_ERR_INVALID, "disk %s: %s is not an absolute path",
		    v->vdev, v->params);
	*local = true;
	return XU_OK;
}

/* Why a disk's host path cannot be used (NULL: it can): it is missing,
 * or not the kind of file its type says. */
static const char *
path_unusable(const struct dev *v, struct stat *st)
{
	if (stat(v->params, st) != 0)
		return strerror(errno);
	if (v->host_device && !S_ISBLK(st->st_mode))
		return "not a block device";
	if (!v->host_device && !S_ISREG(st->st_mode))
		return "not a regular file";
	return NULL;
}

static int
resolve_disk(struct dev *v, const struct dev_env *env, struct xu_err *err)
{
	char real[PATH_MAX];
	const char *why;
	struct stat st;
	bool local;
	int rc;

	v->bus = env->hvm && strncmp(v->vdev, "hd", 2) == 0 ? "ide" : "virtio";
	if (strcmp(v->bus, "ide") == 0) {
		v->ide_unit = (unsigned)(v->vdev[2] - 'a');
		if (v->ide_unit > 5)
			return fail(err, XU_ERR_RANGE, "disk %s: the guest's AHCI controller "
			    "has six ports (hda to hdf)", v->vdev);
	}
	if (*v->params == '\0')
		return XU_OK;		/* an empty cdrom */
	if ((rc = disk_locate(v, &local, err)) != XU_OK || !local)
		return rc;
	if ((why = path_unusable(v, &st)) != NULL) {
		if (strncmp(why, "not a ", 6) == 0)
			return fail(err, XU_ERR_INVALID, "disk %s: %s is %s", v->vdev,
			    v->params, why);
		return fail(err, XU_ERR_IO, "disk %s: %s: %s", v->vdev, v->params, why);
	}
	v->path = xu_strdup(realpath(v->params, real) ? real : v->params);
	/* one disk, however it is named: the device, or the file's inode */
	if (v->host_device)
		v->lock_key = xu_asprintf("b:%u:%u", major(st.st_rdev), minor(st.st_rdev));
	else
		v->lock_key = xu_asprintf("f:%llu:%llu", (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
	if (v->format == NULL)
		return probe_format(v, err);
	return XU_OK;
}

/* ---- reachability: a migration's pre-flight ------------------------------ */

/* How long the pre-flight waits for an NBD server (it runs on xend's
 * loop, once per NBD disk of an incoming domain). */
#define NBD_PROBE_MS	1500

/* Reads exactly n bytes from a non-blocking socket before *left ms run out. */
static int
read_within(int fd, unsigned char *buf, size_t n, int *left)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int64_t t0;
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		t0 = xu_mono_ms();
		if (poll(&p, 1, *left) <= 0)
			return ETIMEDOUT;
		*left -= (int)(xu_mono_ms() - t0);
		if (*left < 0)
			*left = 0;
		r = read(fd, buf + got, n - got);
		if (r == 0)
			return ECONNRESET;
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
		if (r > 0)
			got += (size_t)r;
	}
	return 0;
}

/* One address: a TCP connection, then the server's greeting, which
 * starts "NBDMAGIC" (both the old and the new style). */
static const char *
nbd_greets(const struct addrinfo *ai, int *left)
{
	struct pollfd p;
	unsigned char magic[8];
	socklen_t len = sizeof(int);
	int fd, e = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd < 0)
		return strerror(errno);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS)
		e = errno;
	if (e == 0) {
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, *left) <= 0)
			e = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
			e = errno;
	}
	if (e == 0 && (e = read_within(fd, magic, sizeof(magic), left)) == 0 &&
	    memcmp(magic, "NBDMAGIC", 8) != 0) {
		close(fd);
		return "it answers, but not as an NBD server";
	}
	close(fd);
	return e != 0 ? strerror(e) : NULL;
}

/* Why the disk's NBD server cannot be used from here (NULL: it can). */
static const char *
nbd_unreachable(const struct dev *v, char *buf, size_t len)
{
	struct addrinfo hints, *res = NULL, *ai;
	const char *why = "no address";
	char port[8];
	int left = NBD_PROBE_MS, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", v->nbd_port);
	if ((r = getaddrinfo(v->nbd_host, port, &hints, &res)) != 0) {
		snprintf(buf, len, "%s", gai_strerror(r));
		return buf;
	}
	for (ai = res; ai != NULL && left > 0; ai = ai->ai_next)
		if ((why = nbd_greets(ai, &left)) == NULL)
			break;
	freeaddrinfo(res);
	if (why == NULL)
		return NULL;
	snprintf(buf, len, "%s", why);
	return buf;
}

/* Where a disk is, for a message. */
static char *
disk_where(const struct dev *v)
{
	bool v6 = strchr(v->nbd_host ? v->nbd_host : "", ':') != NULL;

	if (v->nbd_host == NULL)
		return xu_strdup(v->params);
	return xu_asprintf("NBD server %s%s%s:%u%s%s", v6 ? "[" : "",
	    v->nbd_host, v6 ? "]" : "", v->nbd_port,
	    v->nbd_export ? " export " : "", v->nbd_export ? v->nbd_export : "");
}

/* One disk: XU_OK, or the refusal. */
static int
disk_reachable(struct dev *v, const char *host, struct xu_err *err)
{
	char buf[128], *where;
	const char *why = NULL;
	struct stat st;
	bool local;
	int rc;

	if (*v->params == '\0')
		return XU_OK;		/* an empty cdrom */
	if ((rc = disk_locate(v, &local, err)) != XU_OK)
		return rc;
	if (local)
		why = path_unusable(v, &st);
	else if (v->nbd_host != NULL)
		why = nbd_unreachable(v, buf, sizeof(buf));
	/* another type's block-<type> script decides when it runs */
	if (why == NULL)
		return XU_OK;
	where = disk_where(v);
	rc = fail(err, XU_ERR_NOT_FOUND, "disk %s: %s is not reachable on %s (%s); "
	    "%s", v->vdev, where, host, why, strchr(v->mode, 'w') != NULL ?
	    "a writable disk must be shared storage (NBD or a path both hosts see)" :
	    "the guest would lose it: a read-only disk must be on both hosts too");
	free(where);
	return rc;
}

int
devices_check_reachable(const struct xv *vm, const char *host,
    struct xu_err *err)
{
	struct dev v;
	size_t i;
	int rc;

	for (i = 1; i < xv_len(vm); i++) {
		const struct xv *e = device_elem(xv_at(vm, i));

		if (e == NULL || !device_is_disk_class(xv_name(e)))
			continue;
		memset(&v, 0, sizeof(v));
		rc = device_read(e, &v, err);
		if (rc == XU_OK)
			rc = disk_reachable(&v, host, err);
		dev_dispose(&v);
		if (rc != XU_OK)
			return rc;
	}
	return XU_OK;
}

static int
resolve_vif(struct dev *v, int64_t index, const struct dev_env *env,
    struct xu_err *err)
{
	char mac[18];

	/* QEMU's own short names for its virtio NIC, as qemu-dm took them */
	if (v->model != NULL && (strcmp(v->model, "virtio") == 0 ||
	    strcmp(v->model, "virtio-net") == 0)) {
		free(v->model);
		v->model = xu_strdup("virtio-net-pci");
	}
	if (v->model != NULL && !xhp_nic_model_known(v->model))
		return fail(err, XU_ERR_INVALID, "vif: model '%s' is not a NIC QEMU "
		    "offers here (e1000, rtl8139, ne2k_pci, pcnet, virtio-net-pci ...)",
		    v->model);
	v->devid = index;
	if (v->mac == NULL) {
		device_random_mac(mac, sizeof(mac));
		v->mac = xu_strdup(mac);
	}
	if (v->script == NULL)
		v->script = xu_strdup(env->vif_script ? env->vif_script : "vif-bridge");
	v->script_path = strchr(v->script, '/') != NULL ? xu_strdup(v->script) :
	    xu_asprintf("%s/%s", env->scripts_dir, v->script);
	if (v->vifname == NULL)
		v->vifname = xu_asprintf("vif%u.%lld", env->domid, (long long)index);
	/* HVM: the emulated NIC (classic's default rtl8139) unless the vif
	 * is a paravirtual one */
	if (env->hvm && (v->vif_type == NULL || strcmp(v->vif_type, "netfront") != 0)) {
		if (v->model == NULL)
			v->model = xu_strdup("rtl8139");
	} else {
		free(v->model);
		v->model = xu_strdup("virtio-net-pci");
	}
	return XU_OK;
}

int
device_resolve(const struct xv *elem, int64_t vif_index, const struct dev_env *env,
    struct dev **out, struct xu_err *err)
{
	struct dev *v = xu_calloc(1, sizeof(*v));
	const char *cls = xv_name(elem);
	int rc;

	*out = NULL;
	if (cls != NULL && strcmp(cls, "vif") == 0) {
		if ((rc = device_read(elem, v, err)) == XU_OK)
			rc = resolve_vif(v, vif_index, env, err);
	} else if ((rc = device_read(elem, v, err)) == XU_OK)
		rc = resolve_disk(v, env, err);
	if (rc != XU_OK) {
		devices_free(v);
		return rc;
	}
	snprintf(v->qemu_id, sizeof(v->qemu_id), "%s-%lld", device_kind_name(v->kind),
	    (long long)v->devid);
	*out = v;
	return XU_OK;
}

/* Inserts v in list: disks by device number, then vifs by handle. */
static void
insert_sorted(struct dev **list, struct dev *v)
{
	struct dev **pp;

	for (pp = list; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->kind != v->kind) {
			if (v->kind == DEV_VBD)
				break;
			continue;
		}
		if ((*pp)->devid > v->devid)
			break;
	}
	v->next = *pp;
	*pp = v;
}

int
devices_resolve(const struct xv *vm, const struct dev_env *env, struct dev **list,
    struct xu_err *err)
{
	int64_t vifs = 0;
	struct dev *v;
	size_t i;
	int rc;

	*list = NULL;
	for (i = 1; i < xv_len(vm); i++) {
		const struct xv *e = device_elem(xv_at(vm, i));
		bool vif;

		if (e == NULL)
			continue;
		vif = xv_name(e) != NULL && strcmp(xv_name(e), "vif") == 0;
		if ((rc = device_resolve(e, vif ? vifs : -1, env, &v, err)) != XU_OK) {
			devices_free(*list);
			*list = NULL;
			return rc;
		}
		if (vif)
			vifs++;
		insert_sorted(list, v);
	}
	return XU_OK;
}

/* ---- the host's bridges ----------------------------------------------------- */

static bool
is_bridge(const char *name)
{
	char path[64];
	struct stat st;

	/* a name from a config, maybe from another host: an interface name */
	if (*name == '\0' || *name == '.' || strchr(name, '/') != NULL ||
	    strlen(name) >= 16)
		return false;
	snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", name);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
any_bridge(void)
{
	struct dirent *e;
	bool found = false;
	DIR *dir;

	if ((dir = opendir("/sys/class/net")) == NULL)
		return false;
	while (!found && (e = readdir(dir)) != NULL)
		found = e->d_name[0] != '.' && is_bridge(e->d_name);
	closedir(dir);
	return found;
}

/* What vif-bridge will look for: the bridge named (a missing xenbrN may be
 * ethN, as the script allows), or any bridge when none is. */
static int
check_bridge(const struct dev *v, struct xu_err *err)
{
	const char *base = strrchr(v->script, '/');
	char alt[32];

	if (strcmp(base != NULL ? base + 1 : v->script, "vif-bridge") != 0)
		return XU_OK;
	if (v->bridge == NULL) {
		if (any_bridge())
			return XU_OK;
		return fail(err, XU_ERR_INVALID, "vif %lld: there is no bridge on "
		    "this host", (long long)v->devid);
	}
	if (is_bridge(v->bridge))
		return XU_OK;
	if (strncmp(v->bridge, "xenbr", 5) == 0) {
		snprintf(alt, sizeof(alt), "eth%s", v->bridge + 5);
		if (is_bridge(alt))
			return XU_OK;
	}
	return fail(err, XU_ERR_INVALID, "vif %lld: bridge %s does not exist on "
	    "this host", (long long)v->devid, v->bridge);
}

int
devices_check_bridges(const struct dev *list, struct xu_err *err)
{
	const struct dev *v;
	int rc;

	for (v = list; v != NULL; v = v->next)
		if (v->kind == DEV_VIF && (rc = check_bridge(v, err)) != XU_OK)
			return rc;
	return XU_OK;
}

/* ---- the guest's view ------------------------------------------------------- */

/* vda, vdb ... vdz, vdaa ...; sda ... for IDE disks on the AHCI. */
static void
guest_name(const char *prefix, int n, char *buf, size_t len)
{
	if (n < 26)
		snprintf(buf, len, "%s%c", prefix, 'a' + n);
	else
		snprintf(buf, len, "%s%c%c", prefix, 'a' + n / 26 - 1, 'a' + n % 26);
}

/* The guest's name for disk v of list (PCI order: device numbers). */
static bool
guest_disk_name(const struct dev *list, const struct dev *v, char *buf, size_t len)
{
	const struct dev *w;
	int n = 0;

	if (v->path == NULL && *v->params == '\0')
		return false;
	for (w = list; w != NULL && w != v; w = w->next)
		if (w->kind == DEV_VBD && strcmp(w->bus, v->bus) == 0 &&
		    !(w->path == NULL && *w->params == '\0'))
			n++;
	guest_name(strcmp(v->bus, "ide") == 0 ? "sd" : "vd", n, buf, len);
	return true;
}

/* root=... naming one of the configured disks, with a partition number. */
static char *
translate_one(const char *word, const struct dev *list)
{
	const char *name = word + 5;
	char gname[16];
	const struct dev *v;
	size_t n;

	if (strncmp(name, "/dev/", 5) == 0)
		name += 5;
	for (v = list; v != NULL; v = v->next) {
		if (v->kind != DEV_VBD)
			continue;
		n = strlen(v->vdev);
		if (strncmp(name, v->vdev, n) != 0 ||
		    strspn(name + n, "0123456789") != strlen(name + n))
			continue;
		if (!guest_disk_name(list, v, gname, sizeof(gname)))
			return NULL;
		return xu_asprintf("root=/dev/%s%s", gname, name + n);
	}
	return NULL;
}

char *
devices_translate_root(const char *cmdline, const struct dev *list)
{
	struct xu_buf b;
	const char *p = cmdline ? cmdline : "";

	xu_buf_init(&b);
	while (*p != '\0') {
		size_t n = strcspn(p, " ");
		char *word = xu_strndup(p, n), *t = NULL;

		if (strncmp(word, "root=", 5) == 0)
			t = translate_one(word, list);
		xu_buf_adds(&b, t != NULL ? t : word);
		free(t);
		free(word);
		p += n;
		while (*p == ' ')
			xu_buf_addc(&b, *p++);
	}
	return xu_buf_steal(&b);
}

void
device_to_xc(const struct dev *v, struct xc_device *xd)
{
	memset(xd, 0, sizeof(*xd));
	xd->id = v->qemu_id;
	if (v->kind == DEV_VIF) {
		xd->kind = XC_DEVICE_NIC;
		xd->ifname = v->vifname;
		xd->mac = v->mac;
		xd->model = v->model;
		return;
	}
	xd->kind = XC_DEVICE_DISK;
	xd->path = v->path;
	xd->format = v->format;
	xd->bus = v->bus;
	xd->unit = v->ide_unit;
	xd->cdrom = v->cdrom;
	xd->readonly = v->cdrom || strchr(v->mode, 'w') == NULL;
	xd->shared = strcmp(v->mode, "w!") == 0;
	xd->host_device = v->host_device;
	xd->nbd_host = v->nbd_host;
	xd->nbd_port = v->nbd_port;
	xd->nbd_export = v->nbd_export;
}
