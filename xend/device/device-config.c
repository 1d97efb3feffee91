/* device-config.c: a domain's (device ...) elements read and checked
 * without looking at the host (vif keys, disk names, modes, device
 * numbers), MACs made for vifs without one. device-resolve.c turns them
 * into what is plugged in. */
#include "device.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "devspec.h"

static const char *const vif_keys[] = { "backend", "bridge", "ip", "mac",
	"script", "type", "vifname", "rate", "model", "accel", "policy", "label",
	"uuid", NULL };

static bool
in(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

const char *
device_kind_name(enum dev_kind k)
{
	return k == DEV_VIF ? "vif" : "vbd";
}

bool
device_is_disk_class(const char *cls)
{
	return cls != NULL && (strcmp(cls, "vbd") == 0 || strcmp(cls, "tap") == 0 ||
	    strcmp(cls, "tap2") == 0);
}

int
device_fail(struct xu_err *err, int rc, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xu_vasprintf(fmt, ap);
	va_end(ap);
	xu_err_set(err, rc, 0, "%s", msg);
	free(msg);
	return rc;
}

int
device_vdev_number(const char *name, int64_t *num)
{
	bool ext;

	return devspec_vdev_number(name, num, &ext);
}

void
dev_dispose(struct dev *v)
{
	free(v->mac);
	free(v->bridge);
	free(v->ip);
	free(v->rate);
	free(v->model);
	free(v->type);
	free(v->vif_type);
	free(v->script);
	free(v->script_path);
	free(v->vifname);
	free(v->cls);
	free(v->uname);
	free(v->vdev);
	free(v->params);
	free(v->path);
	free(v->nbd_host);
	free(v->nbd_export);
	free(v->mode);
	free(v->lock_key);
	free(v->backend);
	free(v->frontend);
	memset(v, 0, sizeof(*v));
}

void
devices_free(struct dev *list)
{
	struct dev *next;

	for (; list != NULL; list = next) {
		next = list->next;
		dev_dispose(list);
		free(list);
	}
}

/* ---- reading one element ------------------------------------------------ */

/* A disk's words: DEV as [ioemu:]name[:cdrom|:disk], the mode, the uname
 * split at its type. No file is looked at. */
static int
read_vbd(const struct xv *e, struct dev *v, struct xu_err *err)
{
	const char *uname = xv_child_str(e, "uname", ""), *dev, *mode, *colon;
	const char *backend = xv_child_str(e, "backend", NULL);
	char *name;

	v->kind = DEV_VBD;
	v->cls = xu_strdup(xv_name(e));
	if ((dev = xv_child_str(e, "dev", NULL)) == NULL || *dev == '\0')
		return device_fail(err, XU_ERR_INVALID, "disk '%s': no guest device (dev)", uname);
	if ((mode = xv_child_str(e, "mode", NULL)) == NULL ||
	    (strcmp(mode, "r") != 0 && strcmp(mode, "w") != 0 &&
	    strcmp(mode, "w!") != 0))
		return device_fail(err, XU_ERR_INVALID, "disk '%s': Invalid mode '%s' (r, w "
		    "or w!)", uname, mode ? mode : "");
	if (backend != NULL && strcmp(backend, "0") != 0 &&
	    strcmp(backend, "Domain-0") != 0)
		return device_fail(err, XU_ERR_UNSUPPORTED, "disk '%s': backend domain %s is "
		    "not supported (disks are served by domain 0)", uname, backend);
	v->mode = xu_strdup(mode);
	v->uname = xu_strdup(uname);
	if (strncmp(dev, "ioemu:", 6) == 0) {
		v->ioemu = true;
		dev += 6;
	}
	name = xu_strdup(dev);
	if ((colon = strchr(name, ':')) != NULL) {
		v->cdrom = strcmp(colon, ":cdrom") == 0;
		name[colon - name] = '\0';
	}
	v->vdev = name;
	if (device_vdev_number(name, &v->devid) != XU_OK)
		return device_fail(err, XU_ERR_INVALID, "disk '%s': unable to find a device "
		    "number for '%s'", uname, name);
	if (*uname == '\0') {
		if (!v->cdrom)
			return device_fail(err, XU_ERR_INVALID, "disk %s: no backing device (only "
			    "a cdrom may be empty)", name);
		v->type = xu_strdup("");
		v->params = xu_strdup("");
		return XU_OK;
	}
	colon = strchr(uname, ':');
	if (colon == NULL || colon == uname || colon[1] == '\0')
		return device_fail(err, XU_ERR_INVALID, "disk '%s': write phy:DEV, file:PATH or "
		    "tap:aio:PATH", uname);
	v->type = xu_strndup(uname, (size_t)(colon - uname));
	v->params = xu_strdup(colon + 1);
	return XU_OK;
}

static int
read_vif(const struct xv *e, struct dev *v, struct xu_err *err)
{
	const char *backend = xv_child_str(e, "backend", NULL);
	size_t i;

	v->kind = DEV_VIF;
	for (i = 1; i < xv_len(e); i++) {
		const char *k = xv_name(xv_at(e, i));

		if (k == NULL || !in(vif_keys, k))
			return device_fail(err, XU_ERR_INVALID, "Invalid vif option: %s",
			    k ? k : "(not a pair)");
	}
	if (backend != NULL && strcmp(backend, "0") != 0 &&
	    strcmp(backend, "Domain-0") != 0)
		return device_fail(err, XU_ERR_UNSUPPORTED, "vif: backend domain %s is not "
		    "supported (networks are served by domain 0)", backend);
#define TAKE(f, key) do { const char *s_ = xv_child_str(e, key, NULL); \
	v->f = s_ != NULL && *s_ ? xu_strdup(s_) : NULL; } while (0)
	TAKE(mac, "mac");
	TAKE(bridge, "bridge");
	TAKE(ip, "ip");
	TAKE(rate, "rate");
	TAKE(model, "model");
	TAKE(vif_type, "type");
	TAKE(script, "script");
	TAKE(vifname, "vifname");
#undef TAKE
	v->vifname_given = v->vifname != NULL;
	if (v->vifname != NULL && (strlen(v->vifname) > 15 ||
	    strchr(v->vifname, '/') != NULL || strchr(v->vifname, ' ') != NULL))
		return device_fail(err, XU_ERR_INVALID, "vif: vifname '%s' is not an interface "
		    "name (at most 15 characters, no '/' or space)", v->vifname);
	return XU_OK;
}

const struct xv *
device_elem(const struct xv *child)
{
	const char *name = xv_name(child), *cls;

	if (name == NULL || strcmp(name, "device") != 0)
		return NULL;
	/* a PV guest's framebuffer and its keyboard belong to the platform
	 * (domain-config.c's read_vfb), not to the disks and networks */
	cls = xv_name(xv_at(child, 1));
	if (cls != NULL && (strcmp(cls, "vfb") == 0 || strcmp(cls, "vkbd") == 0))
		return NULL;
	return xv_at(child, 1);
}

int
device_config_check(const struct xv *vm, struct xu_err *err)
{
	int64_t seen[XC_DEVICES_MAX];
	size_t i, nseen = 0, k, ndev = 0;
	int rc;

	for (i = 1; i < xv_len(vm); i++) {
		const struct xv *e = device_elem(xv_at(vm, i));
		const char *cls = xv_name(e);
		struct dev v;

		if (e == NULL)
			continue;
		memset(&v, 0, sizeof(v));
		if (device_is_disk_class(cls))
			rc = read_vbd(e, &v, err);
		else if (cls != NULL && strcmp(cls, "vif") == 0)
			rc = read_vif(e, &v, err);
		else
			rc = device_fail(err, XU_ERR_UNSUPPORTED, "device %s: not supported (disks "
			    "and vifs are; remove pci=, vtpm= ... from the config)",
			    cls ? cls : "?");
		v.next = NULL;
		if (rc == XU_OK && ++ndev > XC_DEVICES_MAX)
			rc = device_fail(err, XU_ERR_RANGE, "too many devices (at most %d)",
			    XC_DEVICES_MAX);
		if (rc == XU_OK && v.kind == DEV_VBD) {
			for (k = 0; k < nseen; k++)
				if (seen[k] == v.devid)
					rc = device_fail(err, XU_ERR_INVALID, "disk: two disks use "
					    "guest device %s", v.vdev);
			if (nseen < XC_DEVICES_MAX)
				seen[nseen++] = v.devid;
		}
		dev_dispose(&v);
		if (rc != XU_OK)
			return rc;
	}
	return XU_OK;
}

/* ---- MACs and handles ------------------------------------------------------ */

void
device_random_mac(char *buf, size_t len)
{
	uuid_t u;

	uuid_generate_random(u);
	/* Xen's OUI; the first random byte at most 0x7f, as xm made them */
	snprintf(buf, len, "00:16:3e:%02x:%02x:%02x", u[0] & 0x7f, u[1], u[2]);
}

void
device_config_fill_macs(struct xv *vm)
{
	char mac[18];
	size_t i;

	for (i = 1; i < xv_len(vm); i++) {
		struct xv *e = (struct xv *)device_elem(xv_at(vm, i));

		if (e == NULL || xv_name(e) == NULL || strcmp(xv_name(e), "vif") != 0)
			continue;
		if (xv_child_str(e, "mac", NULL) != NULL &&
		    *xv_child_str(e, "mac", NULL) != '\0')
			continue;
		device_random_mac(mac, sizeof(mac));
		xv_append_pair(e, "mac", xv_str(mac));
	}
}

size_t
device_config_count(const struct xv *vm, const char *cls)
{
	size_t i, n = 0;

	for (i = 1; i < xv_len(vm); i++) {
		const char *c = xv_name(device_elem(xv_at(vm, i)));

		if (c == NULL)
			continue;
		if (strcmp(cls, "vbd") == 0 ? device_is_disk_class(c) : strcmp(c, cls) == 0)
			n++;
	}
	return n;
}

int64_t
device_config_next_vif(const struct xv *vm)
{
	return (int64_t)device_config_count(vm, "vif");
}


int
device_read(const struct xv *elem, struct dev *v, struct xu_err *err)
{
	const char *cls = xv_name(elem);

	memset(v, 0, sizeof(*v));
	if (cls != NULL && strcmp(cls, "vif") == 0)
		return read_vif(elem, v, err);
	if (device_is_disk_class(cls))
		return read_vbd(elem, v, err);
	return device_fail(err, XU_ERR_UNSUPPORTED, "device %s: not supported (disks "
	    "and vifs are; remove pci=, vtpm= ... from the config)",
	    cls ? cls : "?");
}
