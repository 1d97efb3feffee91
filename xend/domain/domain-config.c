/* domain-config.c: reads the (vm ...) SXP xm sends (reference 4.6) into
 * the settings xend starts a domain with, applying xend's defaults and
 * checks (4.7). Every error names the setting and the cause. */
#include "domain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "cpumap.h"
#include "device.h"
#include "domcfg.h"
#include "xenhv-proto.h"

static const char *const action_names[] = {
	[DOM_ACT_DESTROY] = "destroy",
	[DOM_ACT_RESTART] = "restart",
	[DOM_ACT_PRESERVE] = "preserve",
	[DOM_ACT_RENAME_RESTART] = "rename-restart",
	[DOM_ACT_COREDUMP_DESTROY] = "coredump-destroy",
	[DOM_ACT_COREDUMP_RESTART] = "coredump-restart",
};
#define NACTIONS (sizeof(action_names) / sizeof(action_names[0]))

const char *
domain_action_name(enum domain_action a)
{
	return (size_t)a < NACTIONS ? action_names[a] : "destroy";
}

int
domain_action_parse(const char *word, enum domain_action *a)
{
	size_t i;

	for (i = 0; word != NULL && i < NACTIONS; i++) {
		if (strcmp(word, action_names[i]) == 0) {
			*a = (enum domain_action)i;
			return XU_OK;
		}
	}
	return XU_ERR_INVALID;
}

/* Classic check_name's characters, less '/': the name becomes a file name
 * (the console log) on the host. */
bool
domain_name_valid(const char *name)
{
	const char *p;
	size_t len;

	if (name == NULL || (len = strlen(name)) == 0 || len > DOMAIN_NAME_MAX)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("_.:+-", *p) != NULL))
			return false;
	}
	return true;
}

void
domain_sxp_set(struct xv *elem, const char *key, struct xv *value)
{
	struct xv *child = xv_child(elem, key);

	if (child == NULL) {
		xv_append_pair(elem, key, value);
		return;
	}
	while (xv_len(child) > 1)
		xv_free(child->u.list.items[--child->u.list.n]);
	xv_append(child, value);
}

void
domain_sxp_remove(struct xv *elem, const char *key)
{
	size_t i;

	for (i = 1; xv_is_list(elem) && i < elem->u.list.n; i++) {
		struct xv *c = elem->u.list.items[i];

		if (xv_name(c) != NULL && strcmp(xv_name(c), key) == 0) {
			xv_free(c);
			memmove(&elem->u.list.items[i], &elem->u.list.items[i + 1],
			    (elem->u.list.n - i - 1) * sizeof(*elem->u.list.items));
			elem->u.list.n--;
			return;
		}
	}
}

void
domain_config_init(struct domain_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->on_poweroff = DOM_ACT_DESTROY;
	cfg->on_reboot = DOM_ACT_RESTART;
	cfg->on_crash = DOM_ACT_RESTART;
	cfg->cpu_weight = 256;
}

void
domain_platform_free(struct domain_platform *pf)
{
	if (pf == NULL)
		return;
	free((char *)pf->p.boot);
	free((char *)pf->p.usbdevice);
	free((char *)pf->p.soundhw);
	free((char *)pf->p.keymap);
	free(pf->vnclisten);
	free(pf->vnclisten_seen);
	free(pf->fw_code);
	free(pf->nvram);
	free((char *)pf->p.serial);
	free((char *)pf->p.parallel);
	free((char *)pf->p.fda);
	free((char *)pf->p.fdb);
	if (pf->vncpasswd != NULL)
		explicit_bzero(pf->vncpasswd, strlen(pf->vncpasswd));
	free(pf->vncpasswd);
	free(pf);
}

void
domain_config_dispose(struct domain_config *cfg)
{
	unsigned i;

	free(cfg->name);
	free(cfg->kernel);
	free(cfg->ramdisk);
	free(cfg->cmdline);
	free(cfg->bootloader);
	free(cfg->bootloader_args);
	free(cfg->bl_kernel);
	free(cfg->bl_ramdisk);
	domain_platform_free(cfg->platform);
	for (i = 0; cfg->affinity != NULL && i < cfg->maxvcpus; i++)
		free(cfg->affinity[i]);
	free(cfg->affinity);
	domain_config_init(cfg);
}

static int
fail(struct xu_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct xu_err *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err->rc = rc;
	err->line = 0;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

/* The text of (key value): strings as they are, numbers printed. NULL when
 * absent; *bad when present but neither. */
static const char *
child_text(const struct xv *elem, const char *key, char *num, size_t numlen,
    bool *bad)
{
	const struct xv *v = xv_child_value(elem, key);

	*bad = false;
	if (v == NULL)
		return NULL;
	if (v->type == XV_STRING)
		return v->u.str.s;
	if (v->type == XV_INT) {
		snprintf(num, numlen, "%lld", (long long)v->u.i);
		return num;
	}
	*bad = true;
	return NULL;
}

/* An integer setting in [min, max]; *out keeps def when absent. */
static int
child_int(const struct xv *elem, const char *key, int64_t min, int64_t max,
    int64_t *out, struct xu_err *err)
{
	char num[32];
	bool bad;
	const char *s = child_text(elem, key, num, sizeof(num), &bad);
	int64_t v;

	if (s == NULL && !bad)
		return XU_OK;
	if (bad || xu_parse_int64(s, &v) != XU_OK)
		return fail(err, XU_ERR_TYPE, "%s: expected an integer, got %s%.40s%s",
		    key, bad ? "a list" : "'", bad ? "" : s, bad ? "" : "'");
	if (v < min || v > max)
		return fail(err, XU_ERR_RANGE, "%s: %lld is out of range (%lld to %lld)",
		    key, (long long)v, (long long)min, (long long)max);
	*out = v;
	return XU_OK;
}

static int
child_str(const struct xv *elem, const char *key, const char **out,
    struct xu_err *err)
{
	char num[32];
	bool bad;
	const char *s = child_text(elem, key, num, sizeof(num), &bad);

	if (bad)
		return fail(err, XU_ERR_TYPE, "%s: expected a string", key);
	/* a number kept as text must outlive num: only strings pass here */
	if (s == num)
		return fail(err, XU_ERR_TYPE, "%s: expected a string, got the "
		    "number %s", key, num);
	*out = s;
	return XU_OK;
}

static int
read_action(const struct xv *vm, const char *key, enum domain_action *a,
    struct xu_err *err)
{
	const char *word = NULL;
	int rc;

	if ((rc = child_str(vm, key, &word, err)) != XU_OK)
		return rc;
	if (word == NULL || *word == '\0')
		return XU_OK;
	if (domain_action_parse(word, a) != XU_OK)
		return fail(err, XU_ERR_INVALID, "Invalid Configuration: Invalid "
		    "event handling mode: %s '%.40s' (expected destroy, restart, "
		    "preserve, rename-restart, coredump-destroy or "
		    "coredump-restart)", key, word);
	return XU_OK;
}

static int
read_identity(const struct xv *vm, struct domain_config *cfg,
    struct xu_err *err)
{
	const char *name = NULL, *uuid = NULL;
	uuid_t u;
	int rc;

	if ((rc = child_str(vm, "name", &name, err)) != XU_OK ||
	    (rc = child_str(vm, "uuid", &uuid, err)) != XU_OK)
		return rc;
	if (name != NULL && *name != '\0') {
		if (!domain_name_valid(name))
			return fail(err, XU_ERR_INVALID, "Invalid VM Name '%.80s': "
			    "use 1 to %d letters, digits and _ . : + -", name,
			    DOMAIN_NAME_MAX);
		cfg->name = xu_strdup(name);
	}
	if (uuid != NULL && *uuid != '\0') {
		if (uuid_parse(uuid, u) != 0)
			return fail(err, XU_ERR_INVALID, "uuid: '%.40s' is not a "
			    "UUID", uuid);
		uuid_unparse_lower(u, cfg->uuid);
	}
	return XU_OK;
}

static unsigned
popcount64(uint64_t v)
{
	unsigned n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

static int
read_sizes(const struct xv *vm, struct domain_config *cfg, struct xu_err *err)
{
	int64_t memory = 0, maxmem = 0, vcpus = 1, avail = -1;
	int rc;

	if (xv_child(vm, "memory") == NULL)
		return fail(err, XU_ERR_INVALID, "memory: not set");
	if ((rc = child_int(vm, "memory", 1, DOMAIN_MEMORY_MAX, &memory, err)) != XU_OK ||
	    (rc = child_int(vm, "maxmem", 0, DOMAIN_MEMORY_MAX, &maxmem, err)) != XU_OK ||
	    (rc = child_int(vm, "vcpus", 1, DOMAIN_VCPUS_MAX, &vcpus, err)) != XU_OK ||
	    (rc = child_int(vm, "vcpu_avail", 0, INT64_MAX, &avail, err)) != XU_OK)
		return rc;
	if (maxmem == 0)
		maxmem = memory;
	if (maxmem < memory)
		return fail(err, XU_ERR_RANGE, "maxmem (%lld MiB) is less than "
		    "memory (%lld MiB)", (long long)maxmem, (long long)memory);
	cfg->memory = memory;
	cfg->maxmem = maxmem;
	cfg->maxvcpus = (unsigned)vcpus;
	cfg->vcpus = (unsigned)vcpus;
	/* with maxvcpus, xm sends the boot count and a mask of those online */
	if (avail >= 0) {
		uint64_t mask = vcpus >= 64 ? UINT64_MAX :
		    (UINT64_C(1) << vcpus) - 1;
		unsigned online = popcount64((uint64_t)avail & mask);

		cfg->vcpus = online > 0 ? online : 1;
	}
	return XU_OK;
}

/* One vCPU's CPU list; files: the CPUs must exist on this host. */
static int
check_cpulist(const char *s, unsigned vcpu, bool files, struct xu_err *err)
{
	long host = sysconf(_SC_NPROCESSORS_CONF);
	struct xu_cpumap m, ok;
	char why[160], *text;
	unsigned i;

	if (!xu_cpumap_parse(s, host > 0 ? (unsigned)host : 1, &m, why, sizeof(why)))
		return fail(err, XU_ERR_INVALID, "cpus: vCPU %u: %s", vcpu, why);
	if (!files || host <= 0)
		return XU_OK;
	ok = m;
	xu_cpumap_limit(&ok, (unsigned)host);
	for (i = 0; i < XU_CPUMAP_MAX; i++) {
		if (xu_cpumap_test(&m, i) && !xu_cpumap_test(&ok, i)) {
			xu_cpumap_fill(&ok, (unsigned)host);
			text = xu_cpumap_format(&ok);
			fail(err, XU_ERR_INVALID, "cpus: CPU %u does not exist on this "
			    "host (it has CPUs %s)", i, text);
			free(text);
			return XU_ERR_INVALID;
		}
	}
	return XU_OK;
}

int
domain_cpulist_check(const char *s, struct xu_err *err)
{
	int rc = check_cpulist(s, 0, true, err);

	if (rc != XU_OK) {
		/* the message without the config's "cpus: vCPU 0: " */
		const char *p = strstr(err->msg, "vCPU 0: ");
		char *cause = xu_strdup(p != NULL ? p + 8 : err->msg + 6);

		xu_err_set(err, rc, 0, "CPU list '%.60s': %s", s, cause);
		free(cause);
	}
	return rc;
}

/* cpu_weight, cpu_cap, cpus: the credit scheduler's settings and the
 * vCPUs' affinity, one CPU list per vCPU (a single list serves all). */
static int
read_cpu(const struct xv *vm, struct domain_config *cfg, bool files,
    struct xu_err *err)
{
	int64_t weight = 256, cap = 0;
	const struct xv *cpus = xv_child_value(vm, "cpus");
	char num[32];
	unsigned i;
	int rc;

	if ((rc = child_int(vm, "cpu_weight", 1, 65535, &weight, err)) != XU_OK ||
	    (rc = child_int(vm, "cpu_cap", 0, 100 * (int64_t)cfg->maxvcpus, &cap,
	    err)) != XU_OK)
		return rc;
	cfg->cpu_weight = (unsigned)weight;
	cfg->cpu_cap = (unsigned)cap;
	if (cpus == NULL || (cpus->type == XV_STRING && *cpus->u.str.s == '\0'))
		return XU_OK;
	cfg->affinity = xu_calloc(cfg->maxvcpus, sizeof(*cfg->affinity));
	for (i = 0; i < cfg->maxvcpus; i++) {
		const struct xv *one = cpus;

		if (xv_is_list(cpus)) {
			one = xv_at(cpus, i < xv_len(cpus) ? i : xv_len(cpus) - 1);
			if (one == NULL)
				return fail(err, XU_ERR_INVALID, "cpus: an empty list");
		}
		if (one->type == XV_INT) {
			snprintf(num, sizeof(num), "%lld", (long long)one->u.i);
			cfg->affinity[i] = xu_strdup(num);
		} else if (one->type == XV_STRING) {
			cfg->affinity[i] = xu_strdup(one->u.str.s);
		} else {
			return fail(err, XU_ERR_TYPE, "cpus: vCPU %u: expected a CPU "
			    "list", i);
		}
		if ((rc = check_cpulist(cfg->affinity[i], i, files, err)) != XU_OK)
			return rc;
	}
	return XU_OK;
}

static int
read_xend_policy(const struct xv *vm, struct domain_config *cfg,
    struct xu_err *err)
{
	const char *start = NULL, *stop = NULL;
	int rc;

	if ((rc = child_str(vm, "on_xend_start", &start, err)) != XU_OK ||
	    (rc = child_str(vm, "on_xend_stop", &stop, err)) != XU_OK)
		return rc;
	if (start != NULL && strcmp(start, "start") != 0 && strcmp(start, "ignore") != 0)
		return fail(err, XU_ERR_INVALID, "on_xend_start: '%.40s' (expected "
		    "ignore or start)", start);
	cfg->on_xend_start = start != NULL && strcmp(start, "start") == 0;
	if (stop == NULL || strcmp(stop, "ignore") == 0)
		cfg->on_xend_stop = DOM_XEND_STOP_IGNORE;
	else if (strcmp(stop, "shutdown") == 0)
		cfg->on_xend_stop = DOM_XEND_STOP_SHUTDOWN;
	else if (strcmp(stop, "suspend") == 0)
		cfg->on_xend_stop = DOM_XEND_STOP_SUSPEND;
	else
		return fail(err, XU_ERR_INVALID, "on_xend_stop: '%.40s' (expected "
		    "ignore, shutdown or suspend)", stop);
	return XU_OK;
}

/* The file must be there and readable by xend now: the monitor opens it
 * as xend's user, and an error at create names it. */
static int
check_file(const char *what, const char *path, struct xu_err *err)
{
	struct stat st;
	int fd;

	if (*path != '/')
		return fail(err, XU_ERR_INVALID, "%s %.200s: not an absolute path",
		    what, path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return fail(err, XU_ERR_IO, "%s %.200s: %s", what, path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, XU_ERR_INVALID, "%s %.200s: not a regular file",
		    what, path);
	}
	close(fd);
	return XU_OK;
}

/* A string setting; "" counts as not set. */
static int
child_word(const struct xv *elem, const char *key, char **out,
    struct xu_err *err)
{
	const char *s = NULL;
	int rc;

	if ((rc = child_str(elem, key, &s, err)) != XU_OK)
		return rc;
	*out = s != NULL && *s != '\0' ? xu_strdup(s) : NULL;
	return XU_OK;
}

/* The display keys, of an HVM image or a PV guest's (vfb ...): VNC (its
 * display, port choice, address, password), the keymap, and SDL, which
 * needs an X display here. */
static int
read_display(const struct xv *e, struct domain_platform *pf, bool files,
    struct xu_err *err)
{
	struct xc_platform *p = &pf->p;
	int64_t vnc = 0, disp = -1, unused = 1, sdl = 0;
	const char *pw = NULL;
	int rc;

	if ((rc = child_int(e, "vnc", 0, 1, &vnc, err)) != XU_OK ||
	    (rc = child_int(e, "vncdisplay", 0, 65535 - 5900, &disp, err)) != XU_OK ||
	    (rc = child_int(e, "vncunused", 0, 1, &unused, err)) != XU_OK ||
	    (rc = child_int(e, "sdl", 0, 1, &sdl, err)) != XU_OK ||
	    (rc = child_word(e, "keymap", (char **)&p->keymap, err)) != XU_OK ||
	    (rc = child_word(e, "vnclisten", &pf->vnclisten, err)) != XU_OK ||
	    (rc = child_str(e, "vncpasswd", &pw, err)) != XU_OK)
		return rc;
	pf->vnc = vnc;
	pf->vncdisplay = disp;
	pf->vncunused = unused;
	pf->vncpasswd = pw != NULL ? xu_strdup(pw) : NULL;
	if (files && sdl && getenv("DISPLAY") == NULL)
		return fail(err, XU_ERR_UNSUPPORTED, "sdl: this host has no X "
		    "display (DISPLAY is not set) for an SDL window; use vnc = 1 "
		    "and xm vncviewer");
	return XU_OK;
}

/* The platform checked as libxc will, the listen address as if used. */
static int
check_platform(struct xc_platform *p, struct domain_platform *pf,
    struct xu_err *err)
{
	char why[200];

	p->vnc_listen = pf->vnclisten;
	p->vnc_port = 5900;
	if (!xhp_platform_check(p, why, sizeof(why)))
		return fail(err, XU_ERR_INVALID, "%s", why);
	p->vnc_listen = NULL;
	return XU_OK;
}

/* The image keys of an HVM guest (reference 4.3): the platform, checked
 * as libxc will (boot order, USB device, sound cards, keymap), and the
 * display. */
static int
read_hvm(const struct xv *img, struct domain_config *cfg, bool files,
    struct xu_err *err)
{
	struct domain_platform *pf = xu_calloc(1, sizeof(*pf));
	struct xc_platform *p = &pf->p;
	int64_t acpi = 1, hpet = 0, lt = 0, off = 0, stdvga = 0, vram = 0;
	int64_t nogr = 0, usb = 0, viridian = 0;
	const char *bios = NULL;
	int rc;

	cfg->platform = pf;
	if ((rc = child_str(img, "bios", &bios, err)) != XU_OK)
		return rc;
	if (bios != NULL && *bios != '\0' && strcmp(bios, "ovmf") != 0 &&
	    strcmp(bios, "seabios") != 0 && strcmp(bios, "rombios") != 0)
		return fail(err, XU_ERR_INVALID, "bios: '%.40s' is not a firmware "
		    "(seabios or ovmf)", bios);
	pf->ovmf = bios != NULL && strcmp(bios, "ovmf") == 0;
	if ((rc = child_int(img, "acpi", 0, 1, &acpi, err)) != XU_OK ||
	    (rc = child_int(img, "hpet", 0, 1, &hpet, err)) != XU_OK ||
	    (rc = child_int(img, "localtime", 0, 1, &lt, err)) != XU_OK ||
	    (rc = child_int(img, "rtc_timeoffset", -(1LL << 40), 1LL << 40,
	    &off, err)) != XU_OK ||
	    (rc = child_int(img, "stdvga", 0, 1, &stdvga, err)) != XU_OK ||
	    (rc = child_int(img, "videoram", 0, 256, &vram, err)) != XU_OK ||
	    (rc = child_int(img, "nographic", 0, 1, &nogr, err)) != XU_OK ||
	    (rc = child_int(img, "usb", 0, 1, &usb, err)) != XU_OK ||
	    (rc = child_word(img, "boot", (char **)&p->boot, err)) != XU_OK ||
	    (rc = child_word(img, "usbdevice", (char **)&p->usbdevice, err)) != XU_OK ||
	    (rc = child_word(img, "soundhw", (char **)&p->soundhw, err)) != XU_OK ||
	    (rc = child_word(img, "serial", (char **)&p->serial, err)) != XU_OK ||
	    (rc = child_word(img, "parallel", (char **)&p->parallel, err)) != XU_OK ||
	    (rc = child_word(img, "fda", (char **)&p->fda, err)) != XU_OK ||
	    (rc = child_word(img, "fdb", (char **)&p->fdb, err)) != XU_OK ||
	    (rc = child_int(img, "viridian", 0, 1, &viridian, err)) != XU_OK ||
	    (rc = read_display(img, pf, files, err)) != XU_OK)
		return rc;
	p->acpi = acpi;
	p->hpet = hpet;
	p->localtime = lt;
	p->rtc_offset = off;
	p->stdvga = stdvga;
	p->videoram_mb = (unsigned)vram;
	p->nographic = nogr;
	p->usb = usb;
	p->viridian = viridian;
	if (p->boot == NULL)
		p->boot = xu_strdup("c");
	if ((rc = check_platform(p, pf, err)) != XU_OK)
		return rc;
	if (files && p->usbdevice != NULL && strncmp(p->usbdevice, "disk:", 5) == 0 &&
	    (rc = check_file("usbdevice", p->usbdevice + 5, err)) != XU_OK)
		return rc;
	if (files && p->fda != NULL && (rc = check_file("fda", p->fda, err)) != XU_OK)
		return rc;
	if (files && p->fdb != NULL && (rc = check_file("fdb", p->fdb, err)) != XU_OK)
		return rc;
	return XU_OK;
}

/* A PV guest's framebuffer (vfb = [...]): a VGA-compatible virtio GPU
 * (SeaBIOS and a text console draw on it, a virtio-gpu driver gets its
 * framebuffer) on the display its keys ask for; one at most. Its
 * keyboard and mouse (vkbd) are QEMU's PS/2 ones. */
static int
read_vfb(const struct xv *vm, struct domain_config *cfg, bool files,
    struct xu_err *err)
{
	const struct xv *vfb = NULL;
	struct domain_platform *pf;
	size_t i;
	int rc;

	for (i = 1; i < xv_len(vm); i++) {
		const struct xv *c = xv_at(vm, i), *e = xv_at(c, 1);

		if (xv_name(c) == NULL || strcmp(xv_name(c), "device") != 0 ||
		    xv_name(e) == NULL || strcmp(xv_name(e), "vfb") != 0)
			continue;
		if (vfb != NULL)
			return fail(err, XU_ERR_UNSUPPORTED, "vfb: one framebuffer per "
			    "domain%s", "");
		vfb = e;
	}
	if (vfb == NULL || cfg->hvm)
		return XU_OK;	/* an HVM guest's display is in its image */
	pf = xu_calloc(1, sizeof(*pf));
	cfg->platform = pf;
	/* the machine a PV guest has without one (q35, ACPI, HPET) */
	pf->p.acpi = true;
	pf->p.hpet = true;
	pf->p.virtio_vga = true;
	if ((rc = read_display(vfb, pf, files, err)) != XU_OK)
		return rc;
	return check_platform(&pf->p, pf, err);
}

bool
domain_bootloader_is_pygrub(const char *bl)
{
	size_t n = bl != NULL ? strlen(bl) : 0;

	return n >= 6 && strcmp(bl + n - 6, "pygrub") == 0 &&
	    (n == 6 || bl[n - 7] == '/' || bl[n - 7] == '-');
}

/* bootloader = 'pygrub': the kernel comes from the guest's disk at each
 * start; a kernel= or ramdisk= names a file inside it (pygrub's
 * --kernel, --ramdisk), as with classic xend. */
static int
read_bootloader(struct domain_config *cfg, const char *bl, const char *blargs,
    const char *kernel, const char *ramdisk, const struct xv *image,
    struct xu_err *err)
{
	if (!domain_bootloader_is_pygrub(bl))
		return fail(err, XU_ERR_UNSUPPORTED, "bootloader: %.100s is not "
		    "supported; pygrub is (bootloader = 'pygrub'), or name the "
		    "kernel (kernel=) and ramdisk (ramdisk=) in dom0's file system",
		    bl);
	cfg->bootloader = xu_strdup(bl);
	cfg->bootloader_args = blargs != NULL ? xu_strdup(blargs) : NULL;
	if (kernel != NULL && *kernel != '\0')
		cfg->bl_kernel = xu_strdup(kernel);
	if (ramdisk != NULL && *ramdisk != '\0')
		cfg->bl_ramdisk = xu_strdup(ramdisk);
	cfg->cmdline = domcfg_kernel_cmdline(image);
	return XU_OK;
}

static int
read_image(const struct xv *vm, struct domain_config *cfg, bool files,
    struct xu_err *err)
{
	const struct xv *image = xv_child(vm, "image"), *img;
	const char *builder, *kernel = NULL, *ramdisk = NULL, *bl = NULL,
	    *blargs = NULL;
	int rc;

	if ((rc = child_str(vm, "bootloader", &bl, err)) != XU_OK ||
	    (rc = child_str(vm, "bootloader_args", &blargs, err)) != XU_OK)
		return rc;
	img = xv_at(image, 1);
	builder = xv_name(img);
	if (builder == NULL)
		return fail(err, XU_ERR_INVALID, "image: missing; a PV guest needs "
		    "(image (linux (kernel FILE) ...))");
	if (strcmp(builder, "hvm") == 0) {
		/* the firmware boots the guest; classic's kernel names
		 * hvmloader, which has no meaning here */
		cfg->hvm = true;
		return read_hvm(img, cfg, files, err);
	}
	if (strcmp(builder, "linux") != 0)
		return fail(err, XU_ERR_INVALID, "image: unknown builder '%.40s' "
		    "(linux or hvm)", builder);
	if ((rc = child_str(img, "kernel", &kernel, err)) != XU_OK ||
	    (rc = child_str(img, "ramdisk", &ramdisk, err)) != XU_OK)
		return rc;
	if (bl != NULL && *bl != '\0')
		return read_bootloader(cfg, bl, blargs, kernel, ramdisk, image, err);
	if (kernel == NULL || *kernel == '\0')
		return fail(err, XU_ERR_INVALID, "kernel: not set; a PV guest "
		    "needs (kernel FILE) in its image");
	if (files && (rc = check_file("kernel", kernel, err)) != XU_OK)
		return rc;
	if (ramdisk != NULL && *ramdisk != '\0') {
		if (files && (rc = check_file("ramdisk", ramdisk, err)) != XU_OK)
			return rc;
		cfg->ramdisk = xu_strdup(ramdisk);
	}
	cfg->kernel = xu_strdup(kernel);
	cfg->cmdline = domcfg_kernel_cmdline(image);
	return XU_OK;
}

static int
parse(const struct xv *vm, struct domain_config *cfg, bool files,
    struct xu_err *err)
{
	int rc;

	domain_config_init(cfg);
	memset(err, 0, sizeof(*err));
	if (!xv_is_list(vm) || xv_name(vm) == NULL || strcmp(xv_name(vm), "vm") != 0)
		return fail(err, XU_ERR_INVALID, "the config is not a (vm ...) SXP");
	if ((rc = read_identity(vm, cfg, err)) != XU_OK ||
	    (rc = read_sizes(vm, cfg, err)) != XU_OK ||
	    (rc = read_action(vm, "on_poweroff", &cfg->on_poweroff, err)) != XU_OK ||
	    (rc = read_action(vm, "on_reboot", &cfg->on_reboot, err)) != XU_OK ||
	    (rc = read_action(vm, "on_crash", &cfg->on_crash, err)) != XU_OK ||
	    (rc = read_cpu(vm, cfg, files, err)) != XU_OK ||
	    (rc = read_xend_policy(vm, cfg, err)) != XU_OK ||
	    (rc = read_image(vm, cfg, files, err)) != XU_OK ||
	    (rc = read_vfb(vm, cfg, files, err)) != XU_OK ||
	    (rc = device_config_check(vm, err)) != XU_OK) {
		domain_config_dispose(cfg);
		return rc;
	}
	return XU_OK;
}

int
domain_config_parse(const struct xv *vm, struct domain_config *cfg,
    struct xu_err *err)
{
	return parse(vm, cfg, true, err);
}

int
domain_config_parse_nofiles(const struct xv *vm, struct domain_config *cfg,
    struct xu_err *err)
{
	return parse(vm, cfg, false, err);
}
