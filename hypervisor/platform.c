/* platform.c: an HVM guest's platform in QEMU's terms: the machine's
 * switches, the boot order, the graphics card and its VNC display, the
 * RTC, USB and sound; and the display's password, set through QMP before
 * the guest runs so that it never appears on a command line. */
#include "xenhv.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_gen.h>

#include "xenhv-proto.h"
#include "xu.h"

bool
xhv_config_set_platform(struct xhv_config *c, const char *json, char *err,
    size_t errlen)
{
	char why[200];
	yajl_val root;

	xhv_config_free_platform(c);
	root = xhp_json_object(json, strlen(json), XHP_LINE_MAX, XHP_DEPTH_MAX,
	    "--platform", why, sizeof(why));
	c->platform = xu_calloc(1, sizeof(*c->platform));
	if (root == NULL || !xhp_get_platform(root, c->platform, why,
	    sizeof(why))) {
		snprintf(err, errlen, "--platform: %s", why);
		if (root != NULL)
			yajl_tree_free(root);
		free(c->platform);
		c->platform = NULL;
		return false;
	}
	c->platform_tree = root;
	return true;
}

void
xhv_config_free_platform(struct xhv_config *c)
{
	if (c->platform_tree != NULL)
		yajl_tree_free(c->platform_tree);
	free(c->platform);
	c->platform = NULL;
	c->platform_tree = NULL;
	if (c->vnc_password != NULL) {
		explicit_bzero(c->vnc_password, strlen(c->vnc_password));
		free(c->vnc_password);
		c->vnc_password = NULL;
	}
}

char *
xhv_platform_machine(const struct xhv_config *c)
{
	const struct xc_platform *p = c->platform;

	if (p == NULL)
		return xu_strdup("q35");
	return xu_asprintf("q35%s%s", p->acpi ? "" : ",acpi=off",
	    p->hpet ? "" : ",hpet=off");
}

const char *
xhv_platform_serial(const struct xhv_config *c)
{
	const char *s = c->platform != NULL ? c->platform->serial : NULL;

	if (s == NULL || strcmp(s, "pty") == 0)
		return "chardev:console0";
	if (strcmp(s, "none") == 0)
		return NULL;
	return s;		/* checked: QEMU's -serial takes classic's words */
}

char *
xhv_platform_cpu(const struct xhv_config *c)
{
	if (c->accel != XC_ACCEL_KVM)
		return NULL;
	if (c->platform != NULL && c->platform->viridian)
		return xu_strdup("host,hv_relaxed,hv_vapic,hv_spinlocks=0x1fff,"
		    "hv_time");
	return xu_strdup("host");
}

static void
push(char ***v, size_t *n, const char *opt, char *val)
{
	*v = xu_realloc(*v, (*n + 3) * sizeof(**v));
	(*v)[(*n)++] = xu_strdup(opt);
	(*v)[(*n)++] = val;
	(*v)[*n] = NULL;
}

/* The RTC's base: UTC or local time, moved by rtc_offset seconds. */
static char *
rtc_base(const struct xc_platform *p)
{
	time_t t = time(NULL) + (time_t)p->rtc_offset;
	char when[32];
	struct tm tm;

	if (p->rtc_offset == 0)
		return xu_strdup(p->localtime ? "base=localtime" : "base=utc");
	if (p->localtime)
		localtime_r(&t, &tm);
	else
		gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	return xu_asprintf("base=%s", when);
}

static void
sound_args(char ***v, size_t *n, const char *list)
{
	static const char *const all[] = { "ac97", "es1370", "hda" };
	char *copy = xu_strdup(list), *save = NULL, *w;
	const char *dev;
	size_t i;

	push(v, n, "-audiodev", xu_strdup("none,id=snd0"));
	for (w = strtok_r(copy, ",", &save); w != NULL;
	    w = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < 3; i++) {
			if (strcmp(w, "all") != 0 && strcmp(w, all[i]) != 0 &&
			    i > 0)
				break;
			dev = xhp_sound_device(strcmp(w, "all") == 0 ? all[i] : w);
			if (dev == NULL)
				break;
			if (strcmp(dev, "intel-hda") == 0) {
				push(v, n, "-device", xu_strdup("intel-hda,id=hda0"));
				push(v, n, "-device",
				    xu_strdup("hda-duplex,bus=hda0.0,audiodev=snd0"));
			} else
				push(v, n, "-device", xu_asprintf("%s,audiodev=snd0",
				    dev));
			if (strcmp(w, "all") != 0)
				break;
		}
	}
	free(copy);
}

char *
xhv_platform_chardev(struct xhv_dom *d, const char *owner, const char *target,
    char *err, size_t errlen)
{
	const char *path = NULL;
	char *set;
	int fd;

	if (d->jail != NULL && strncmp(target, "file:", 5) == 0)
		path = target + 5;
	else if (d->jail != NULL && strncmp(target, "/dev/", 5) == 0)
		path = target;
	if (path == NULL)
		return xu_strdup(target);
	/* as QEMU opens them: a file written from its start, a tty both ways */
	if (path == target)
		fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	else
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s", owner, path, strerror(errno));
		return NULL;
	}
	set = xhv_jail_start_fd(d, owner, fd);
	if (path == target)
		return set;
	path = xu_asprintf("file:%s", set);
	free(set);
	return (char *)path;
}

/* A file of the platform's for QEMU: the path, or its fd set in the
 * jail; NULL and *failed on error (err set). */
static char *
platform_file(struct xhv_dom *d, const char *owner, const char *path, bool ro,
    bool *failed, char *err, size_t errlen)
{
	char *f;

	if (*failed)
		return NULL;
	if ((f = xhv_jail_start_file(d, owner, path, "raw", ro, err, errlen)) == NULL)
		*failed = true;
	return f;
}

char **
xhv_platform_qemu_args(struct xhv_dom *d, char *err, size_t errlen)
{
	const struct xhv_config *c = &d->cfg;
	const struct xc_platform *p = c->platform;
	char **v = xu_calloc(1, sizeof(*v)), *f, *tls = NULL;
	bool failed = false;
	size_t n = 0, i;
	const char *vga;

	if (p == NULL)
		return v;
	/* the paths are checked: absolute, no commas */
	if (p->firmware_code != NULL) {
		if ((f = platform_file(d, "pflash0", p->firmware_code, true, &failed,
		    err, errlen)) != NULL)
			push(&v, &n, "-drive", xu_asprintf("if=pflash,format=raw,"
			    "unit=0,readonly=on,file=%s", f));
		free(f);
		if ((f = platform_file(d, "pflash1", p->nvram, false, &failed, err,
		    errlen)) != NULL)
			push(&v, &n, "-drive", xu_asprintf("if=pflash,format=raw,"
			    "unit=1,file=%s", f));
		free(f);
	}
	if (p->boot != NULL)
		push(&v, &n, "-boot", xu_asprintf("order=%s", p->boot));
	push(&v, &n, "-rtc", rtc_base(p));
	if (!p->nographic) {
		vga = p->virtio_vga ? "virtio-vga" : p->stdvga ? "VGA" : "cirrus-vga";
		if (p->videoram_mb > 0)
			push(&v, &n, "-device", xu_asprintf("%s,id=video0,vgamem_mb=%u",
			    vga, p->videoram_mb));
		else
			push(&v, &n, "-device", xu_asprintf("%s,id=video0", vga));
	}
	/* the directory is checked: absolute, no commas */
	if (p->vnc_listen != NULL && p->vnc_tls_dir != NULL && !failed) {
		if ((tls = xhv_jail_tls(d, "vnc", p->vnc_tls_dir, true, err,
		    errlen)) == NULL)
			failed = true;
		else
			push(&v, &n, "-object", xu_asprintf("tls-creds-x509,id=vnctls0,"
			    "dir=%s,endpoint=server,verify-peer=%s", tls,
			    p->vnc_tls_verify ? "on" : "off"));
		free(tls);
	}
	if (p->vnc_listen != NULL)
		push(&v, &n, "-vnc", xu_asprintf("%s%s%s:%u%s%s",
		    strchr(p->vnc_listen, ':') ? "[" : "", p->vnc_listen,
		    strchr(p->vnc_listen, ':') ? "]" : "", p->vnc_port - 5900,
		    p->vnc_password ? ",password=on" : "",
		    p->vnc_tls_dir != NULL ? ",tls-creds=vnctls0" : ""));
	if (p->keymap != NULL && *p->keymap != '\0')
		push(&v, &n, "-k", xu_strdup(p->keymap));
	if (p->usb || p->usbdevice != NULL)
		push(&v, &n, "-device", xu_strdup("qemu-xhci,id=usb0"));
	if (p->usbdevice != NULL && strncmp(p->usbdevice, "disk:", 5) == 0) {
		/* a USB stick: the image (checked: absolute, no commas) */
		if ((f = platform_file(d, "usbdisk0", p->usbdevice + 5, false,
		    &failed, err, errlen)) != NULL)
			push(&v, &n, "-blockdev", xu_asprintf("driver=file,"
			    "node-name=usbdisk0,filename=%s", f));
		free(f);
		push(&v, &n, "-device", xu_strdup("usb-storage,drive=usbdisk0,"
		    "bus=usb0.0"));
	} else if (p->usbdevice != NULL)
		push(&v, &n, "-device", xu_asprintf("usb-%s,bus=usb0.0",
		    p->usbdevice));
	if (p->soundhw != NULL && *p->soundhw != '\0')
		sound_args(&v, &n, p->soundhw);
	if (p->parallel != NULL && strcmp(p->parallel, "none") != 0 && !failed) {
		if ((f = xhv_platform_chardev(d, "parallel", p->parallel, err,
		    errlen)) == NULL)
			failed = true;
		else
			push(&v, &n, "-parallel", f);
	}
	/* floppies on an ISA controller (q35 has none of its own) */
	if (p->fda != NULL || p->fdb != NULL)
		push(&v, &n, "-device", xu_strdup("isa-fdc,id=fdc0"));
	for (i = 0; i < 2; i++) {
		const char *img = i == 0 ? p->fda : p->fdb;
		char owner[8];

		if (img == NULL)
			continue;
		snprintf(owner, sizeof(owner), "fd%zu", i);
		if ((f = platform_file(d, owner, img, false, &failed, err,
		    errlen)) != NULL)
			push(&v, &n, "-blockdev", xu_asprintf("driver=file,"
			    "node-name=fd%zu,filename=%s", i, f));
		free(f);
		push(&v, &n, "-device", xu_asprintf("floppy,unit=%zu,drive=fd%zu,"
		    "bus=fdc0.0", i, i));
	}
	if (failed) {
		qemu_argv_free(v);
		return NULL;
	}
	return v;
}

/* ---- the display's password --------------------------------------------- */

struct pw_step {
	struct xhv_dom *d;
	void (*next)(struct xhv_dom *d);
};

static void
password_set(void *opaque, yajl_val ret, const char *err)
{
	struct pw_step *s = opaque;
	struct xhv_dom *d = s->d;
	void (*next)(struct xhv_dom *) = s->next;

	(void)ret;
	free(s);
	if (err != NULL) {
		char msg[300];

		snprintf(msg, sizeof(msg), "QEMU refused the VNC password: %s", err);
		xhv_start_fail(d, XHP_E_ENGINE, msg);
	}
	next(d);
}

void
xhv_platform_password(struct xhv_dom *d, void (*next)(struct xhv_dom *d))
{
	const struct xhv_config *c = &d->cfg;
	struct pw_step *s;
	yajl_gen g;
	const unsigned char *buf;
	size_t len;
	char *args;

	if (c->platform == NULL || c->platform->vnc_listen == NULL ||
	    !c->platform->vnc_password) {
		next(d);
		return;
	}
	g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	xhp_put_str(g, "protocol", "vnc");
	xhp_put_str(g, "password", c->vnc_password ? c->vnc_password : "");
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	args = xu_strndup((const char *)buf, len);
	explicit_bzero((void *)buf, len);
	yajl_gen_free(g);
	s = xu_calloc(1, sizeof(*s));
	s->d = d;
	s->next = next;
	if (qmp_command(d->qmp, "set_password", args, password_set, s, 0) < 0) {
		free(s);
		explicit_bzero(args, strlen(args));
		free(args);
		xhv_start_fail(d, XHP_E_ENGINE, "QEMU's monitor went away");
	}
	explicit_bzero(args, strlen(args));
	free(args);
}
