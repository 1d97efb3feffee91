/* domain-boot.c: PV guests that boot their own kernel (bootloader =
 * 'pygrub'). At every start (create, reboot, restart, xm start, and a
 * restore, whose QEMU needs files to start with) xend runs our pygrub as
 * a child on the loop against the guest's first bootable disk; pygrub
 * copies the chosen kernel and initrd into a directory of the domain's
 * own under /var/run/xend/boot, which goes with the domain. */
#include "domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "device.h"
#include "domcfg.h"
#include "hotplug.h"
#include "log.h"
#include "sxp.h"
#include "xend-options.h"

#define BOOT_TIMEOUT_SECS	120
#define BOOT_RESULT_MAX		(64 * 1024)
#define BOOT_ARGS_MAX		32	/* words of bootloader_args */

struct domain_boot {
	struct domain *d;
	struct hotplug *h;
	char *dir, *result;
	char *vdev, *disk, *format;
	domain_boot_fn done;
	void *arg;
};

static const char *
pygrub_path(void)
{
	const char *p = getenv("XEND_PYGRUB");

	return p != NULL && *p != '\0' ? p : XEN_BINDIR "/pygrub";
}

static char *
boot_dir(const struct domain *d)
{
	char *rel = xu_asprintf(XEND_RUN_DIR "/boot/%s", d->uuid);
	char *dir = xend_opts_rooted(d->tab->x->opts, rel);

	free(rel);
	return dir;
}

static const char *const boot_files[] = { "vmlinuz", "initrd.img", "boot.sxp" };

/* The directory emptied (what pygrub writes, nothing else is ours). */
static void
clear_dir(const char *dir)
{
	size_t i;
	char *f;

	for (i = 0; i < sizeof(boot_files) / sizeof(boot_files[0]); i++) {
		f = xu_asprintf("%s/%s", dir, boot_files[i]);
		(void)unlink(f);
		free(f);
	}
}

void
domain_boot_forget(struct domain *d)
{
	char *dir;

	if (d->cfg.bootloader == NULL)
		return;
	dir = boot_dir(d);
	clear_dir(dir);
	if (rmdir(dir) == 0)
		log_debug("Domain %s: its boot directory %s is removed", d->name, dir);
	free(dir);
}

/* The disk pygrub reads: the first one marked bootable (xend marks the
 * first disk), else the first disk that is not a cdrom. */
static int
boot_disk(struct xend *x, const struct xv *vm, uint32_t domid, struct dev **out,
    struct xu_err *err)
{
	const struct xv *first = NULL, *c, *e;
	struct dev_env env = { domid, false,
	    xend_opt_str(x->opts, "xend-scripts-path"),
	    xend_opt_str(x->opts, "vif-script") };
	size_t i;

	*out = NULL;
	for (i = 1; i < xv_len(vm); i++) {
		c = xv_at(vm, i);
		if (xv_name(c) == NULL || strcmp(xv_name(c), "device") != 0 ||
		    (e = device_elem(c)) == NULL || !device_is_disk_class(xv_name(e)))
			continue;
		if (strstr(xv_child_str(e, "dev", ""), ":cdrom") != NULL)
			continue;
		if (strcmp(xv_child_str(e, "bootable", "0"), "1") == 0) {
			first = e;
			break;
		}
		if (first == NULL)
			first = e;
	}
	if (first == NULL) {
		xu_err_set(err, XU_ERR_INVALID, 0, "bootloader: the domain has no "
		    "disk to boot from (disk = [...])");
		return XU_ERR_INVALID;
	}
	if (device_resolve(first, 0, &env, out, err) != XU_OK)
		return err->rc ? err->rc : XU_ERR_INVALID;
	return XU_OK;
}

static int
check_disk(const struct dev *v, struct xu_err *err)
{
	if (v->nbd_host != NULL || v->path == NULL) {
		xu_err_set(err, XU_ERR_UNSUPPORTED, 0, "bootloader: disk %s (%s) "
		    "cannot be read by pygrub here: it reads image files and block "
		    "devices", v->vdev, v->uname);
		return XU_ERR_UNSUPPORTED;
	}
	/* raw, or what QEMU's storage daemon exposes for pygrub */
	if (v->format != NULL && strcmp(v->format, "raw") != 0 &&
	    strcmp(v->format, "qcow2") != 0 && strcmp(v->format, "qcow") != 0 &&
	    strcmp(v->format, "vmdk") != 0 && strcmp(v->format, "vpc") != 0) {
		xu_err_set(err, XU_ERR_UNSUPPORTED, 0, "bootloader: disk %s (%s) is "
		    "a %s image; pygrub reads raw, qcow2, qcow, vmdk and vpc images "
		    "and block devices", v->vdev, v->path, v->format);
		return XU_ERR_UNSUPPORTED;
	}
	return XU_OK;
}

/* bootloader_args split as a shell would, without expansions. */
static int
split_words(const char *s, char **v, size_t max, size_t *n)
{
	struct xu_buf b;
	bool in = false;
	char q = 0;

	*n = 0;
	xu_buf_init(&b);
	for (;; s++) {
		if (*s == '\0' || (q == 0 && (*s == ' ' || *s == '\t'))) {
			if (in) {
				if (*n >= max) {
					xu_buf_dispose(&b);
					return -1;
				}
				v[(*n)++] = xu_buf_steal(&b);
				in = false;
			}
			if (*s == '\0')
				break;
		} else if (q == 0 && (*s == '\'' || *s == '"')) {
			q = *s;
			in = true;
		} else if (q != 0 && *s == q) {
			q = 0;
		} else {
			xu_buf_addc(&b, *s);
			in = true;
		}
	}
	xu_buf_dispose(&b);
	return q == 0 ? 0 : -1;
}

static void
boot_free(struct domain_boot *b)
{
	if (b->d->boot == b)
		b->d->boot = NULL;
	free(b->dir);
	free(b->result);
	free(b->vdev);
	free(b->disk);
	free(b->format);
	domain_unref(b->d);
	free(b);
}

/* pygrub's answer: (linux (kernel F) (ramdisk F) (args S) (entry N) (title T)). */
static int
take_result(struct domain_boot *b, char *msg, size_t msglen)
{
	struct domain *d = b->d;
	struct xv *v = NULL;
	struct xu_err err;
	const char *kernel, *ramdisk, *args;
	char *data = NULL;
	size_t len;

	if (xu_read_file(b->result, BOOT_RESULT_MAX, &data, &len) != XU_OK ||
	    sxp_parse_one(data, len, &v, &err) != XU_OK ||
	    (kernel = xv_child_str(v, "kernel", NULL)) == NULL ||
	    strncmp(kernel, b->dir, strlen(b->dir)) != 0) {
		snprintf(msg, msglen, "bootloader: pygrub gave no usable answer in %s",
		    b->result);
		free(data);
		xv_free(v);
		return XU_ERR_IO;
	}
	ramdisk = xv_child_str(v, "ramdisk", NULL);
	args = xv_child_str(v, "args", "");
	free(d->cfg.kernel);
	free(d->cfg.ramdisk);
	free(d->cfg.cmdline);
	d->cfg.kernel = xu_strdup(kernel);
	d->cfg.ramdisk = ramdisk != NULL ? xu_strdup(ramdisk) : NULL;
	d->cfg.cmdline = xu_strdup(args);
	domain_log(d, "pygrub chose entry %s '%.100s' on disk %s (args '%.300s')",
	    xv_child_str(v, "entry", "?"), xv_child_str(v, "title", ""), b->vdev,
	    args);
	free(data);
	xv_free(v);
	return XU_OK;
}

static void
boot_ran(void *arg, const struct hotplug_result *r)
{
	struct domain_boot *b = arg;
	char msg[1024], how[128];
	int rc = XU_OK;

	b->h = NULL;
	if (r->timed_out || !WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0) {
		hotplug_describe(r, BOOT_TIMEOUT_SECS, how, sizeof(how));
		log_error("Domain %s: %s on disk %s (%s) %s: %s", b->d->name,
		    pygrub_path(), b->vdev, b->disk, how, r->output ? r->output : "");
		if (r->output != NULL && *r->output != '\0')
			snprintf(msg, sizeof(msg), "bootloader: disk %s: %s", b->vdev,
			    r->output);
		else
			snprintf(msg, sizeof(msg), "bootloader: pygrub on disk %s (%s) %s",
			    b->vdev, b->disk, how);
		rc = XU_ERR_INVALID;
	} else {
		rc = take_result(b, msg, sizeof(msg));
	}
	b->done(b->d, rc, rc == XU_OK ? "" : msg, b->arg);
	boot_free(b);
}

int
domain_boot_start(struct domain *d, domain_boot_fn done, void *arg,
    struct xu_err *err)
{
	struct domain_boot *b;
	struct dev *disk = NULL;
	char *argv[BOOT_ARGS_MAX + 12], *words[BOOT_ARGS_MAX], *base;
	char *env[] = { NULL };
	const char *cfgargs = d->cfg.bootloader_args;
	size_t nw = 0, a = 0, i;
	int rc;

	if ((rc = boot_disk(d->tab->x, d->vm, d->domid, &disk, err)) != XU_OK)
		return rc;
	if ((rc = check_disk(disk, err)) != XU_OK) {
		devices_free(disk);
		return rc;
	}
	if (cfgargs != NULL && split_words(cfgargs, words, BOOT_ARGS_MAX, &nw) != 0) {
		for (i = 0; i < nw; i++)
			free(words[i]);
		devices_free(disk);
		xu_err_set(err, XU_ERR_INVALID, 0, "bootargs: '%.100s' is not a list "
		    "of at most %d words (a quote left open?)", cfgargs, BOOT_ARGS_MAX);
		return XU_ERR_INVALID;
	}
	b = xu_calloc(1, sizeof(*b));
	b->d = d;
	domain_ref(d);
	b->done = done;
	b->arg = arg;
	b->dir = boot_dir(d);
	b->result = xu_asprintf("%s/boot.sxp", b->dir);
	b->vdev = xu_strdup(disk->vdev);
	b->disk = xu_strdup(disk->path);
	b->format = xu_strdup(disk->format ? disk->format : "raw");
	devices_free(disk);
	clear_dir(b->dir);
	if (xu_mkdir_p(b->dir, 0700) != 0) {
		xu_err_set(err, XU_ERR_IO, 0, "bootloader: cannot make %s: %s", b->dir,
		    strerror(errno));
		for (i = 0; i < nw; i++)
			free(words[i]);
		boot_free(b);
		return XU_ERR_IO;
	}
	/* the config's own command line (root=, extra=) follows the entry's;
	 * a --args in bootargs, later, replaces it, as with classic xend */
	base = domcfg_kernel_cmdline(xv_child(d->vm, "image"));
	argv[a++] = (char *)"pygrub";
	argv[a++] = xu_asprintf("--output-directory=%s", b->dir);
	argv[a++] = xu_asprintf("--output=%s", b->result);
	if (d->cfg.bl_kernel != NULL)
		argv[a++] = xu_asprintf("--kernel=%s", d->cfg.bl_kernel);
	if (d->cfg.bl_ramdisk != NULL)
		argv[a++] = xu_asprintf("--ramdisk=%s", d->cfg.bl_ramdisk);
	if (base != NULL && *base != '\0')
		argv[a++] = xu_asprintf("--args=%s", base);
	for (i = 0; i < nw; i++)
		argv[a++] = words[i];
	argv[a++] = xu_asprintf("--format=%s", b->format);
	argv[a++] = b->disk;
	argv[a] = NULL;
	log_info("Domain %s: running %s on disk %s (%s)", d->name, pygrub_path(),
	    b->vdev, b->disk);
	b->h = hotplug_run(d->tab->x->base, pygrub_path(), argv, env,
	    BOOT_TIMEOUT_SECS, boot_ran, b, err);
	for (i = 1; i + 1 < a; i++)
		free(argv[i]);
	free(base);
	if (b->h == NULL) {
		boot_free(b);
		return err->rc ? err->rc : XU_ERR_IO;
	}
	d->boot = b;
	return XU_OK;
}

void
domain_boot_cancel(struct domain *d)
{
	struct domain_boot *b = d->boot;

	if (b == NULL)
		return;
	hotplug_cancel(b->h);
	boot_free(b);
}

/* ---- the menu, for xm create -c ---------------------------------------- */

struct boot_menu {
	struct hotplug *h;
	char *file, *vdev;
	domain_menu_fn done;
	void *arg;
};

static void
menu_ran(void *arg, const struct hotplug_result *r)
{
	struct boot_menu *m = arg;
	struct xv *v = NULL;
	struct xu_err err;
	char *data = NULL, msg[1024], how[128];
	size_t len;

	if (r->timed_out || !WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0) {
		hotplug_describe(r, BOOT_TIMEOUT_SECS, how, sizeof(how));
		snprintf(msg, sizeof(msg), "bootloader: disk %s: %s", m->vdev,
		    r->output != NULL && *r->output ? r->output : how);
		m->done(NULL, msg, m->arg);
	} else if (xu_read_file(m->file, BOOT_RESULT_MAX, &data, &len) != XU_OK ||
	    sxp_parse_one(data, len, &v, &err) != XU_OK) {
		snprintf(msg, sizeof(msg), "bootloader: pygrub gave no menu in %s",
		    m->file);
		m->done(NULL, msg, m->arg);
	} else {
		m->done(v, NULL, m->arg);
		v = NULL;
	}
	xv_free(v);
	free(data);
	(void)unlink(m->file);
	free(m->file);
	free(m->vdev);
	free(m);
}

int
domain_boot_menu(struct domains *t, const struct xv *vm, domain_menu_fn done,
    void *arg, struct xu_err *err)
{
	struct boot_menu *m;
	struct dev *disk = NULL;
	char *argv[6], *env[] = { NULL }, *dir, *rel;
	static unsigned seq;
	int rc;

	if ((rc = boot_disk(t->x, vm, 0, &disk, err)) != XU_OK)
		return rc;
	if ((rc = check_disk(disk, err)) != XU_OK) {
		devices_free(disk);
		return rc;
	}
	rel = xu_asprintf(XEND_RUN_DIR "/boot");
	dir = xend_opts_rooted(t->x->opts, rel);
	free(rel);
	if (xu_mkdir_p(dir, 0700) != 0) {
		xu_err_set(err, XU_ERR_IO, 0, "bootloader: cannot make %s: %s", dir,
		    strerror(errno));
		free(dir);
		devices_free(disk);
		return XU_ERR_IO;
	}
	m = xu_calloc(1, sizeof(*m));
	m->file = xu_asprintf("%s/menu-%ld-%u.sxp", dir, (long)getpid(), ++seq);
	m->vdev = xu_strdup(disk->vdev);
	m->done = done;
	m->arg = arg;
	free(dir);
	argv[0] = (char *)"pygrub";
	argv[1] = (char *)"--menu";
	argv[2] = xu_asprintf("--output=%s", m->file);
	argv[3] = xu_asprintf("--format=%s", disk->format ? disk->format : "raw");
	argv[4] = disk->path;
	argv[5] = NULL;
	m->h = hotplug_run(t->x->base, pygrub_path(), argv, env, BOOT_TIMEOUT_SECS,
	    menu_ran, m, err);
	free(argv[2]);
	free(argv[3]);
	devices_free(disk);
	if (m->h == NULL) {
		free(m->file);
		free(m->vdev);
		free(m);
		return err->rc ? err->rc : XU_ERR_IO;
	}
	return XU_OK;
}
