/* pygrub.c: the boot loader of PV guests that boot their own kernel
 * (bootloader = 'pygrub'): reads the guest's boot menu from its disk
 * image, without mounting it and without running anything of the
 * guest's, and copies the chosen kernel and initrd out for xend. Run by
 * xend as a child, one per boot; by hand, --list-entries shows a menu. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bootcfg.h"
#include "bootfs.h"
#include "sxp.h"
#include "xu.h"
#include "xv.h"

#define KERNEL_MAX	(64ULL << 20)
#define INITRD_MAX	(256ULL << 20)	/* all of an entry's initrds */
#define CPU_SECONDS	120
#define MEMORY_MAX	(1ULL << 30)	/* address space, without ASan */

static const char *prog = "pygrub";

/* Where boot configurations are looked for, in pygrub's order. */
static const struct {
	const char *path;
	enum bootcfg_format format;
} configs[] = {
	{ "/boot/isolinux/isolinux.cfg", BOOTCFG_EXTLINUX },
	{ "/boot/extlinux/extlinux.conf", BOOTCFG_EXTLINUX },
	{ "/boot/extlinux.conf", BOOTCFG_EXTLINUX },
	{ "/extlinux/extlinux.conf", BOOTCFG_EXTLINUX },
	{ "/extlinux.conf", BOOTCFG_EXTLINUX },
	{ "/boot/grub/grub.cfg", BOOTCFG_GRUB2 },
	{ "/grub/grub.cfg", BOOTCFG_GRUB2 },
	{ "/boot/grub2/grub.cfg", BOOTCFG_GRUB2 },
	{ "/grub2/grub.cfg", BOOTCFG_GRUB2 },
	{ "/boot/grub/menu.lst", BOOTCFG_GRUB_LEGACY },
	{ "/boot/grub/grub.conf", BOOTCFG_GRUB_LEGACY },
	{ "/grub/menu.lst", BOOTCFG_GRUB_LEGACY },
	{ "/grub/grub.conf", BOOTCFG_GRUB_LEGACY },
};

struct opts {
	const char *entry, *kernel, *ramdisk, *args;
	const char *outdir, *output, *disk;
	const char *format;		/* the image's; NULL or raw: read as is */
	const char *image;		/* what is read: disk, or its raw view */
	bool list, menu;
};

/* What was chosen, with the paths inside the guest's file system. */
struct choice {
	int part;			/* 0: the whole disk */
	const char *config;		/* NULL with --kernel */
	long entry;
	char *title;
	char *kernel;
	char *initrd[BOOTCFG_INITRDS_MAX];
	size_t ninitrd;
	char *args;
};

static void
choice_dispose(struct choice *ch)
{
	size_t i;

	free(ch->title);
	free(ch->kernel);
	for (i = 0; i < ch->ninitrd; i++)
		free(ch->initrd[i]);
	free(ch->args);
}

static void die(const struct opts *o, int part, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* The message names the disk and, on a partitioned one, the partition. */
static void
die(const struct opts *o, int part, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s", prog, o->disk);
	if (part > 0)
		fprintf(stderr, " partition %d", part);
	fputs(": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: %s [-q] [--entry=N|TITLE] [--kernel=PATH] [--ramdisk=PATH]\n"
	    "       [--args=ARGS] [--output-directory=DIR] [--output=FILE]\n"
	    "       [--format=raw|qcow2|qcow|vmdk|vpc] [--list-entries | --menu] DISK\n",
	    prog);
	exit(status);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "entry", required_argument, NULL, 'e' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "ramdisk", required_argument, NULL, 'r' },
		{ "args", required_argument, NULL, 'a' },
		{ "output-directory", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "list-entries", no_argument, NULL, 'l' },
		{ "menu", no_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "qilh", longs, NULL)) != -1) {
		switch (c) {
		case 'e': o->entry = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'r': o->ramdisk = optarg; break;
		case 'a': o->args = optarg; break;
		case 'd': o->outdir = optarg; break;
		case 'o': o->output = optarg; break;
		case 'f': o->format = optarg; break;
		case 'l': o->list = true; break;
		case 'm': o->menu = true; break;
		case 'q': case 'i': break;	/* the menu is never shown here */
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc - 1)
		usage(2);
	o->disk = argv[optind];
	o->image = o->disk;
}

/* A path as the config writes it, made absolute (extlinux's relative
 * paths are relative to the config's directory); ".." is refused. */
static char *
fs_path(const struct opts *o, int part, const char *config, const char *path,
    const char *what)
{
	const char *slash;

	if (!bootcfg_path_ok(path))
		die(o, part, "%s: the %s path '%.200s' is refused (empty, too long "
		    "or with a '..' component)", config ? config : "bootargs", what, path);
	if (path[0] == '/' || config == NULL)
		return path[0] == '/' ? xu_strdup(path) : xu_asprintf("/%s", path);
	slash = strrchr(config, '/');
	return xu_asprintf("%.*s/%s", (int)(slash - config), config, path);
}

static char *
join_args(const char *a, const char *b)
{
	if (a == NULL || *a == '\0')
		return xu_strdup(b ? b : "");
	if (b == NULL || *b == '\0')
		return xu_strdup(a);
	return xu_asprintf("%s %s", a, b);
}

static void write_sxp(const struct opts *o, const struct xv *v);

/* --menu: the menu as SXP, for xm create -c to show:
 * (menu (config F) (default N) (timeout T) (entry (title T) (kernel K)) ...) */
static void
menu_sxp(const struct opts *o, const char *config, const struct bootcfg *c)
{
	struct xv *m = xv_list(), *e;
	size_t i;

	xv_append(m, xv_str("menu"));
	xv_append_pair(m, "config", xv_str(config));
	xv_append_pair(m, "format", xv_str(bootcfg_format_name(c->format)));
	xv_append_pair(m, "default", xv_int((int64_t)c->default_entry));
	xv_append_pair(m, "timeout", xv_int(c->timeout));
	for (i = 0; i < c->n; i++) {
		e = xv_list();
		xv_append(e, xv_str("entry"));
		if (c->v[i].menu_title != NULL)
			xv_append_pair(e, "title", xv_strf("%s > %s", c->v[i].menu_title,
			    c->v[i].title));
		else
			xv_append_pair(e, "title", xv_str(c->v[i].title));
		xv_append_pair(e, "kernel", xv_str(c->v[i].kernel ? c->v[i].kernel : ""));
		xv_append_pair(e, "args", xv_str(c->v[i].args));
		xv_append(m, e);
	}
	write_sxp(o, m);
	xv_free(m);
}

static void
list_entries(const struct bootcfg *c)
{
	size_t i, k;

	printf("%s menu, %zu entries, default %zu, timeout %d\n",
	    bootcfg_format_name(c->format), c->n, c->default_entry, c->timeout);
	for (i = 0; i < c->n; i++) {
		const struct bootcfg_entry *e = &c->v[i];

		printf("%c %zu: %s%s%s\n", i == c->default_entry ? '*' : ' ', i,
		    e->menu_title ? e->menu_title : "", e->menu_title ? " > " : "",
		    e->title);
		printf("      kernel %s\n", e->kernel ? e->kernel : "(none)");
		for (k = 0; k < e->ninitrd; k++)
			printf("      initrd %s\n", e->initrd[k]);
		printf("      args %s\n", e->args);
	}
}

/* The menu of one file system: the first config found, parsed, an
 * entry chosen. false when this file system has no config. */
static bool
from_menu(const struct opts *o, struct bootfs *fs, int part, struct choice *ch)
{
	struct bootcfg cfg;
	const struct bootcfg_entry *e;
	char err[512], *text = NULL, *env = NULL, *envpath;
	size_t i, k, len, envlen = 0;
	long n;

	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		if (bootfs_exists(fs, configs[i].path))
			break;
	if (i == sizeof(configs) / sizeof(configs[0]))
		return false;
	ch->config = configs[i].path;
	if (bootfs_read(fs, ch->config, BOOTCFG_TEXT_MAX, &text, &len, err,
	    sizeof(err)) != BOOTFS_OK)
		die(o, part, "%s", err);
	if (configs[i].format == BOOTCFG_GRUB2) {
		envpath = xu_asprintf("%.*s/grubenv",
		    (int)(strrchr(ch->config, '/') - ch->config), ch->config);
		if (bootfs_read(fs, envpath, BOOTCFG_TEXT_MAX, &env, &envlen, err,
		    sizeof(err)) != BOOTFS_OK)
			env = NULL;
		free(envpath);
	}
	if (bootcfg_parse(configs[i].format, text, len, env, envlen, &cfg, err,
	    sizeof(err)) != 0)
		die(o, part, "%s: %s", ch->config, err);
	free(text);
	free(env);
	if (o->menu) {
		menu_sxp(o, ch->config, &cfg);
		exit(0);
	}
	if (o->list) {
		if (part > 0)
			printf("%s partition %d: %s\n", o->disk, part, ch->config);
		else
			printf("%s: %s\n", o->disk, ch->config);
		list_entries(&cfg);
		exit(0);
	}
	if ((n = bootcfg_select(&cfg, o->entry, err, sizeof(err))) < 0)
		die(o, part, "%s: %s", ch->config, err);
	e = &cfg.v[n];
	if (e->kernel == NULL)
		die(o, part, "%s: entry %ld ('%.100s') names no kernel", ch->config, n,
		    e->title);
	ch->entry = n;
	ch->title = xu_strdup(e->title);
	ch->kernel = fs_path(o, part, ch->config, e->kernel, "kernel");
	for (k = 0; k < e->ninitrd; k++)
		ch->initrd[ch->ninitrd++] = fs_path(o, part, ch->config, e->initrd[k],
		    "initrd");
	ch->args = join_args(e->args, o->args);
	bootcfg_dispose(&cfg);
	return true;
}

/* --kernel (and --ramdisk): those files, no menu. */
static bool
from_bootargs(const struct opts *o, struct bootfs *fs, int part, struct choice *ch)
{
	char *k = fs_path(o, part, NULL, o->kernel, "kernel");

	if (!bootfs_exists(fs, k)) {
		free(k);
		return false;
	}
	ch->entry = -1;
	ch->title = xu_strdup("bootargs");
	ch->kernel = k;
	if (o->ramdisk != NULL && *o->ramdisk != '\0')
		ch->initrd[ch->ninitrd++] = fs_path(o, part, NULL, o->ramdisk, "ramdisk");
	ch->args = xu_strdup(o->args ? o->args : "");
	return true;
}

static int
create_out(const struct opts *o, const char *name, char **path)
{
	int fd;

	*path = xu_asprintf("%s/%s", o->outdir ? o->outdir : ".", name);
	fd = open(*path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, *path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void
copy_out(const struct opts *o, struct bootfs *fs, const struct choice *ch,
    char **kpath, char **ipath)
{
	char err[512];
	uint64_t got, total = 0;
	size_t i;
	int fd;

	fd = create_out(o, "vmlinuz", kpath);
	if (bootfs_copy(fs, ch->kernel, KERNEL_MAX, fd, &got, err, sizeof(err)) !=
	    BOOTFS_OK || got == 0)
		die(o, ch->part, "%s%s%s", ch->config ? ch->config : "",
		    ch->config ? ": the kernel " : "", got == 0 && !*err ? "is empty" : err);
	close(fd);
	*ipath = NULL;
	if (ch->ninitrd == 0)
		return;
	/* several initrds are one archive after another, as GRUB loads them */
	fd = create_out(o, "initrd.img", ipath);
	for (i = 0; i < ch->ninitrd; i++) {
		err[0] = '\0';
		if (bootfs_copy(fs, ch->initrd[i], INITRD_MAX - total, fd, &got, err,
		    sizeof(err)) != BOOTFS_OK)
			die(o, ch->part, "%s%s%s", ch->config ? ch->config : "",
			    ch->config ? ": the initrd " : "", err);
		total += got;
	}
	close(fd);
}

/* One SXP on one line, to --output or stdout. */
static void
write_sxp(const struct opts *o, const struct xv *l)
{
	char *s;
	FILE *f = stdout;

	s = sxp_to_string(l);
	if (o->output != NULL && (f = fopen(o->output, "we")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, o->output, strerror(errno));
		exit(1);
	}
	fprintf(f, "%s\n", s);
	if (fflush(f) != 0 || (f != stdout && fclose(f) != 0)) {
		fprintf(stderr, "%s: %s: %s\n", prog, o->output ? o->output : "stdout",
		    strerror(errno));
		exit(1);
	}
	free(s);
}

static void
write_result(const struct opts *o, const struct choice *ch, const char *kpath,
    const char *ipath)
{
	struct xv *l = xv_list();

	xv_append(l, xv_str("linux"));
	xv_append_pair(l, "kernel", xv_str(kpath));
	if (ipath != NULL)
		xv_append_pair(l, "ramdisk", xv_str(ipath));
	xv_append_pair(l, "args", xv_str(ch->args));
	xv_append_pair(l, "entry", xv_int(ch->entry));
	xv_append_pair(l, "title", xv_str(ch->title));
	write_sxp(o, l);
	xv_free(l);
}

static void
tried_add(struct xu_buf *tried, int part, const char *what)
{
	if (part > 0)
		xu_buf_printf(tried, "; partition %d: %s", part, what);
	else
		xu_buf_printf(tried, "; whole disk: %s", what);
}

/* ---- images other than raw ---------------------------------------------- */

/* A qcow2 (qcow, vmdk, vpc) disk: QEMU's own qemu-storage-daemon opens it
 * read-only and exports it as a raw image over FUSE, on a file mounted
 * only in a mount namespace of pygrub's own (dom0 sees no mount); pygrub
 * reads that, and the daemon goes when pygrub ends. */
static pid_t qsd_pid = -1;
static char qsd_mp[64];

static void
qsd_stop(void)
{
	int i;

	if (qsd_pid > 0)
		(void)kill(qsd_pid, SIGTERM);
	qsd_pid = -1;
	/* the placeholder file, once the export's mount is gone with it */
	for (i = 0; qsd_mp[0] != '\0' && i < 100; i++) {
		if (unlink(qsd_mp) == 0 || errno == ENOENT)
			break;
		usleep(20 * 1000);
	}
	qsd_mp[0] = '\0';
}

static void
expose(struct opts *o)
{
	static const char *const known[] = { "qcow2", "qcow", "vmdk", "vpc", NULL };
	char pidfile[96], *bd1, *bd2, *ex, buf[32];
	int fd, st, i;
	ssize_t r;
	pid_t pid;

	if (o->format == NULL || strcmp(o->format, "raw") == 0)
		return;
	for (i = 0; known[i] != NULL && strcmp(known[i], o->format) != 0; i++)
		;
	if (known[i] == NULL)
		die(o, 0, "images of format '%s' are not read (raw, qcow2, qcow, "
		    "vmdk, vpc)", o->format);
	if (strchr(o->disk, ',') != NULL)
		die(o, 0, "the path of a %s image must have no commas", o->format);
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		die(o, 0, "cannot make a mount namespace to read the %s image: %s",
		    o->format, strerror(errno));
	snprintf(qsd_mp, sizeof(qsd_mp), "/tmp/pygrub-disk.XXXXXX");
	if ((fd = mkstemp(qsd_mp)) < 0) {
		qsd_mp[0] = '\0';
		die(o, 0, "cannot make a file to read the %s image on: %s", o->format,
		    strerror(errno));
	}
	close(fd);
	atexit(qsd_stop);
	snprintf(pidfile, sizeof(pidfile), "%s.pid", qsd_mp);
	bd1 = xu_asprintf("driver=file,node-name=img,filename=%s,read-only=on", o->disk);
	bd2 = xu_asprintf("driver=%s,node-name=fmt,file=img,read-only=on", o->format);
	ex = xu_asprintf("type=fuse,id=raw,node-name=fmt,mountpoint=%s,writable=off",
	    qsd_mp);
	if ((pid = fork()) == 0) {
		/* its messages are ours: xend shows them */
		execlp("qemu-storage-daemon", "qemu-storage-daemon", "--daemonize",
		    "--pidfile", pidfile, "--blockdev", bd1, "--blockdev", bd2,
		    "--export", ex, (char *)NULL);
		fprintf(stderr, "%s: qemu-storage-daemon: %s\n", prog, strerror(errno));
		_exit(127);
	}
	free(bd1);
	free(bd2);
	free(ex);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		die(o, 0, "qemu-storage-daemon could not open it as a %s image "
		    "(apt-get install qemu-utils; its message is above)", o->format);
	/* --daemonize returns once the export is there */
	fd = open(pidfile, O_RDONLY | O_CLOEXEC);
	r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	(void)unlink(pidfile);
	if (r <= 0 || (buf[r] = '\0', qsd_pid = (pid_t)atol(buf)) <= 0)
		die(o, 0, "qemu-storage-daemon left no pid in %s", pidfile);
	o->image = qsd_mp;
}

/* A hostile image must not make us run away with the host. */
static void
limits(void)
{
	struct rlimit cpu = { CPU_SECONDS, CPU_SECONDS };
	struct rlimit fsize = { KERNEL_MAX + INITRD_MAX + (1 << 20),
	    KERNEL_MAX + INITRD_MAX + (1 << 20) };
	struct rlimit core = { 0, 0 };
#ifndef __SANITIZE_ADDRESS__
	/* ASan reserves terabytes of address space: no limit under it */
	struct rlimit as = { MEMORY_MAX, MEMORY_MAX };

	(void)setrlimit(RLIMIT_AS, &as);
#endif
	(void)setrlimit(RLIMIT_CPU, &cpu);
	(void)setrlimit(RLIMIT_FSIZE, &fsize);
	(void)setrlimit(RLIMIT_CORE, &core);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct bootfs_part *parts;
	struct choice ch;
	struct bootfs *fs = NULL;
	struct xu_buf tried;
	char table[16], err[512], *kpath, *ipath;
	size_t n, i;
	bool found = false;

	parse_args(argc, argv, &o);
	/* before the limits, which the storage daemon must not inherit */
	expose(&o);
	limits();
	memset(&ch, 0, sizeof(ch));
	if (bootfs_candidates(o.image, &parts, &n, table, sizeof(table), err,
	    sizeof(err)) != 0)
		die(&o, 0, "%s", err);
	xu_buf_init(&tried);
	for (i = 0; i < n && !found; i++) {
		int part = parts[i].number;

		if (bootfs_open(o.image, parts[i].offset, &fs, err, sizeof(err)) != 0) {
			tried_add(&tried, part, err);
			continue;
		}
		ch.part = part;
		found = o.kernel != NULL ? from_bootargs(&o, fs, part, &ch) :
		    from_menu(&o, fs, part, &ch);
		if (!found) {
			tried_add(&tried, part, o.kernel ? "no such kernel" :
			    "no boot configuration");
			bootfs_close(fs);
			fs = NULL;
		}
	}
	if (!found) {
		const char *why = tried.data ? tried.data + 2 : "nothing to look at";

		if (o.kernel != NULL)
			die(&o, 0, "no file system holds the kernel %s (%s)", o.kernel, why);
		die(&o, 0, "no boot configuration found (grub.cfg, menu.lst, grub.conf "
		    "or extlinux.conf under / or /boot on an ext2/3/4 file system%s%s): %s",
		    table[0] ? ", partition table " : "", table, why);
	}
	xu_buf_dispose(&tried);
	copy_out(&o, fs, &ch, &kpath, &ipath);
	write_result(&o, &ch, kpath, ipath);
	free(kpath);
	free(ipath);
	choice_dispose(&ch);
	bootfs_close(fs);
	free(parts);
	return 0;
}
