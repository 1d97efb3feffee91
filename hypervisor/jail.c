/* jail.c: QEMU without root. When xend gives the monitor a uid
 * (--qemu-uid, from xend-config.sxp's qemu-user-range-base plus the
 * domid), QEMU runs as that uid and gid with no capabilities, in a mount
 * namespace whose root is a directory of the monitor's (<rundir>/qemu)
 * holding read-only binds of /usr, a handful of /etc files, the device
 * nodes QEMU opens and the guest's kernel and initrd. Everything else
 * reaches it as a descriptor: disks through fd sets (/dev/fdset/N), taps
 * and streams through inherited or passed descriptors. */
#include "xenhv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenhv-proto.h"
#include "xu.h"

/* The child's first inherited descriptor past the console and QMP. */
#define JAIL_FD0	5

enum jm_kind { JM_DIR_RO, JM_FILE_RO, JM_DEV };

struct jail_mount {
	char *src, *dst;	/* dst: the host path under root */
	enum jm_kind kind;
};

/* A fd set, named by its owner (a block node); a qcow2's backing files
 * each have a set of their own, listed with the top one's. */
#define JAIL_CHAIN_MAX	16

struct jail_set {
	char *owner;
	unsigned id;
	unsigned chain_ids[JAIL_CHAIN_MAX];
	char *chain_fmts[JAIL_CHAIN_MAX];
	int nchain;
	struct jail_set *next;
};

struct xhv_jail {
	uid_t uid;
	gid_t gid;
	gid_t groups[1];
	int ngroups;
	char *root;
	struct jail_mount *m;
	size_t nm;
	/* descriptors inherited at start-up: child number JAIL_FD0 + i */
	int *fds, *tmp;
	size_t nfds;
	char **add_fd;		/* -add-fd values */
	size_t nadd;
	struct jail_set *sets;
	unsigned next_set;
	/* sets released while QEMU was not running: QEMU closes a removed
	 * set's descriptors only while it runs, so they go again on RESUME */
	unsigned *stale;
	size_t nstale;
	char *exe;		/* QEMU's path inside */
};

static void
add_mount(struct xhv_jail *j, const char *src, const char *inside, enum jm_kind k)
{
	j->m = xu_realloc(j->m, (j->nm + 1) * sizeof(*j->m));
	j->m[j->nm].src = xu_strdup(src);
	j->m[j->nm].dst = xu_asprintf("%s%s", j->root, inside);
	j->m[j->nm].kind = k;
	j->nm++;
}

/* A directory QEMU's user may search, whatever the umask. */
static int
mkdir_searchable(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -1;
	return chmod(path, 0755);
}

/* The mount point: a directory, or an empty file for a file's bind. */
static bool
make_point(const char *path, bool dir, char *err, size_t errlen)
{
	int fd;

	if (dir) {
		if (mkdir_searchable(path) == 0)
			return true;
	} else if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0444)) >= 0) {
		close(fd);
		return true;
	}
	snprintf(err, errlen, "cannot make %s: %s", path, strerror(errno));
	return false;
}

static bool
jail_bind(struct xhv_jail *j, const char *src, const char *inside, enum jm_kind k,
    char *err, size_t errlen)
{
	char *p = xu_asprintf("%s%s", j->root, inside);
	bool ok = make_point(p, k == JM_DIR_RO, err, errlen);

	free(p);
	if (ok)
		add_mount(j, src, inside, k);
	return ok;
}

/* /bin, /lib and the like: the same symlink (merged /usr) or a bind. */
static bool
top_dir(struct xhv_jail *j, const char *name, char *err, size_t errlen)
{
	char host[64], link[PATH_MAX], *p;
	struct stat st;
	ssize_t n;
	bool ok = true;

	snprintf(host, sizeof(host), "/%s", name);
	if (lstat(host, &st) < 0)
		return true;
	if (S_ISDIR(st.st_mode))
		return jail_bind(j, host, host, JM_DIR_RO, err, errlen);
	if (!S_ISLNK(st.st_mode) || (n = readlink(host, link, sizeof(link) - 1)) < 0)
		return true;
	link[n] = '\0';
	p = xu_asprintf("%s%s", j->root, host);
	if (symlink(link, p) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make %s: %s", p, strerror(errno));
		ok = false;
	}
	free(p);
	return ok;
}

static bool
readable_by(const struct stat *st, uid_t uid, gid_t gid)
{
	if (st->st_uid == uid)
		return st->st_mode & S_IRUSR;
	if (st->st_gid == gid)
		return st->st_mode & S_IRGRP;
	return st->st_mode & S_IROTH;
}

/* A copy QEMU's user may read, for a kernel or initrd that only root
 * can (pygrub's, or an admin's 0600 file). */
static bool
copy_for(struct xhv_jail *j, const char *src, const char *to, char *err,
    size_t errlen)
{
	ssize_t r = 0;
	int in, out;

	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400);
	while (in >= 0 && out >= 0 &&
	    (r = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
		;
	if (in < 0 || out < 0 || r < 0 || fchown(out, j->uid, j->gid) < 0) {
		snprintf(err, errlen, "cannot copy %s for QEMU's user: %s", src,
		    strerror(errno));
		r = -1;
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return r >= 0;
}

/* The guest's kernel or initrd at /boot/NAME inside. */
static char *
boot_file(struct xhv_jail *j, const char *path, const char *name, char *err,
    size_t errlen)
{
	char *inside = xu_asprintf("/boot/%s", name), *p;
	struct stat st;
	bool ok;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(inside);
		return NULL;
	}
	if (readable_by(&st, j->uid, j->gid))
		ok = jail_bind(j, path, inside, JM_FILE_RO, err, errlen);
	else {
		p = xu_asprintf("%s%s", j->root, inside);
		ok = copy_for(j, path, p, err, errlen);
		free(p);
	}
	if (!ok) {
		free(inside);
		return NULL;
	}
	return inside;
}

static void
set_free(struct jail_set *s)
{
	for (int i = 0; i < s->nchain; i++)
		free(s->chain_fmts[i]);
	free(s->owner);
	free(s);
}

static void
jail_free(struct xhv_jail *j)
{
	struct jail_set *s;
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->nm; i++) {
		free(j->m[i].src);
		free(j->m[i].dst);
	}
	free(j->m);
	for (i = 0; i < j->nfds; i++)
		if (j->fds[i] >= 0)
			close(j->fds[i]);
	free(j->fds);
	free(j->tmp);
	for (i = 0; i < j->nadd; i++)
		free(j->add_fd[i]);
	free(j->add_fd);
	while ((s = j->sets) != NULL) {
		j->sets = s->next;
		set_free(s);
	}
	free(j->stale);
	free(j->exe);
	free(j->root);
	free(j);
}

bool
xhv_jail_new(struct xhv_dom *d, char *err, size_t errlen)
{
	static const char *const tops[] = { "bin", "sbin", "lib", "lib32", "lib64",
	    "libx32" };
	static const char *const etc[] = { "ld.so.cache", "localtime", "hosts",
	    "resolv.conf", "nsswitch.conf", "host.conf", "gai.conf" };
	static const char *const dev[] = { "null", "zero", "full", "random",
	    "urandom", "kvm" };
	struct xhv_config *c = &d->cfg;
	struct xhv_jail *j;
	struct stat st;
	char *p, *k;
	size_t i;

	xhv_jail_free(d);
	if (c->qemu_uid == 0)
		return true;
	j = xu_calloc(1, sizeof(*j));
	j->uid = (uid_t)c->qemu_uid;
	j->gid = (gid_t)c->qemu_uid;
	j->next_set = 1;
	j->root = xu_asprintf("%s/qemu", d->rundir);
	if (xu_rm_tree(j->root) < 0 || mkdir_searchable(j->root) < 0) {
		snprintf(err, errlen, "cannot make %s: %s", j->root, strerror(errno));
		goto fail;
	}
	if (!jail_bind(j, "/usr", "/usr", JM_DIR_RO, err, errlen))
		goto fail;
	for (i = 0; i < sizeof(tops) / sizeof(*tops); i++)
		if (!top_dir(j, tops[i], err, errlen))
			goto fail;
	p = xu_asprintf("%s/etc", j->root);
	(void)mkdir_searchable(p);
	free(p);
	for (i = 0; i < sizeof(etc) / sizeof(*etc); i++) {
		char host[64];

		snprintf(host, sizeof(host), "/etc/%s", etc[i]);
		if (stat(host, &st) == 0 && S_ISREG(st.st_mode) &&
		    !jail_bind(j, host, host, JM_FILE_RO, err, errlen))
			goto fail;
	}
	p = xu_asprintf("%s/dev", j->root);
	(void)mkdir_searchable(p);
	free(p);
	for (i = 0; i < sizeof(dev) / sizeof(*dev); i++) {
		char host[64];

		snprintf(host, sizeof(host), "/dev/%s", dev[i]);
		if (stat(host, &st) < 0 || !S_ISCHR(st.st_mode))
			continue;
		if (!jail_bind(j, host, host, JM_DEV, err, errlen))
			goto fail;
		/* /dev/kvm belongs to its group: QEMU's user joins it */
		if (strcmp(dev[i], "kvm") == 0 && st.st_gid != 0) {
			j->groups[0] = st.st_gid;
			j->ngroups = 1;
		}
	}
	p = xu_asprintf("%s/boot", j->root);
	(void)mkdir_searchable(p);
	free(p);
	if (strncmp(c->qemu, "/usr/", 5) == 0)
		j->exe = xu_strdup(c->qemu);
	else if (jail_bind(j, c->qemu, "/boot/qemu", JM_FILE_RO, err, errlen))
		j->exe = xu_strdup("/boot/qemu");
	else
		goto fail;
	d->jail = j;
	if (c->kernel != NULL && *c->kernel) {
		if ((k = boot_file(j, c->kernel, "kernel", err, errlen)) == NULL)
			goto fail_set;
		d->jail_kernel = k;
	}
	if (c->ramdisk != NULL && *c->ramdisk) {
		if ((k = boot_file(j, c->ramdisk, "initrd", err, errlen)) == NULL)
			goto fail_set;
		d->jail_ramdisk = k;
	}
	return true;
fail:
	if (j->root != NULL)
		(void)xu_rm_tree(j->root);
	jail_free(j);
	return false;
fail_set:
	xhv_jail_free(d);
	return false;
}

void
xhv_jail_free(struct xhv_dom *d)
{
	if (d->jail != NULL) {
		if (xu_rm_tree(d->jail->root) < 0)
			xhv_log("cannot remove %s: %s", d->jail->root, strerror(errno));
		jail_free(d->jail);
		d->jail = NULL;
	}
	free(d->jail_kernel);
	free(d->jail_ramdisk);
	d->jail_kernel = d->jail_ramdisk = NULL;
}

const char *
xhv_jail_exe(const struct xhv_dom *d)
{
	return d->jail != NULL ? d->jail->exe : d->cfg.qemu;
}

/* ---- descriptors at start-up ------------------------------------------ */

static int
inherit(struct xhv_jail *j, int fd)
{
	j->fds = xu_realloc(j->fds, (j->nfds + 1) * sizeof(*j->fds));
	j->tmp = xu_realloc(j->tmp, (j->nfds + 1) * sizeof(*j->tmp));
	j->fds[j->nfds] = fd;
	return JAIL_FD0 + (int)j->nfds++;
}

/* fd inherited by QEMU as a member of fd set `set` (-add-fd). */
static void
inherit_in_set(struct xhv_jail *j, int fd, unsigned set)
{
	int child = inherit(j, fd);

	j->add_fd = xu_realloc(j->add_fd, (j->nadd + 1) * sizeof(*j->add_fd));
	j->add_fd[j->nadd++] = xu_asprintf("fd=%d,set=%u", child, set);
}

static int
open_disk(const char *path, int mode, char *err, size_t errlen)
{
	int fd = open(path, mode | O_CLOEXEC);

	if (fd < 0)
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
	return fd;
}

/* A fd set for path: read-only, or one writable and one read-only
 * descriptor (QEMU reopens an image read-only when it lets go of
 * writing, as on an incoming migration). */
static struct jail_set *
new_set(struct xhv_jail *j, const char *owner)
{
	struct jail_set *s = xu_calloc(1, sizeof(*s));

	s->owner = xu_strdup(owner);
	s->id = j->next_set++;
	s->next = j->sets;
	j->sets = s;
	return s;
}

static uint64_t
be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A qcow2 image's backing file, read from the header through fd
 * (relative names resolved against path's directory), and its format,
 * which the header must name (QEMU's own probing of a file's format is
 * how a guest-written raw disk once passed for a qcow2). NULL for none,
 * or on error (*failed, err set). Only for an image configured as qcow2:
 * a raw disk's first sector is the guest's. */
static char *
qcow2_backing(int fd, const char *path, char **format, bool *failed, char *err,
    size_t errlen)
{
	unsigned char h[104], ext[8];
	char name[PATH_MAX], *full, *slash;
	uint64_t off, pos;
	uint32_t len, hdr_len;

	*format = NULL;
	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, "QFI\xfb", 4) != 0)
		return NULL;
	off = be64(h + 8);
	len = be32(h + 16);
	if (off == 0 || len == 0)
		return NULL;
	if (len >= sizeof(name) || pread(fd, name, len, (off_t)off) != (ssize_t)len) {
		snprintf(err, errlen, "%s: its backing file name cannot be read", path);
		*failed = true;
		return NULL;
	}
	name[len] = '\0';
	/* header extensions: version 2's header is 72 bytes, 3 says */
	hdr_len = be32(h + 4) >= 3 ? be32(h + 100) : 72;
	for (pos = hdr_len; pos < 65536 && *format == NULL; ) {
		if (pread(fd, ext, 8, (off_t)pos) != 8 || be32(ext) == 0)
			break;
		if (be32(ext) == 0xE2792ACA && be32(ext + 4) < 32) {
			char f[32];

			if (pread(fd, f, be32(ext + 4), (off_t)pos + 8) ==
			    (ssize_t)be32(ext + 4)) {
				f[be32(ext + 4)] = '\0';
				*format = xu_strdup(f);
			}
		}
		pos += 8 + ((be32(ext + 4) + 7) & ~7U);
	}
	if (*format == NULL || (strcmp(*format, "raw") != 0 &&
	    strcmp(*format, "qcow2") != 0)) {
		snprintf(err, errlen, "%s: its backing file %s has %s%s%s in the "
		    "header (qemu-img rebase -F raw|qcow2 names it)", path, name,
		    *format ? "the format " : "no format", *format ? *format : "",
		    *format ? ", neither raw nor qcow2" : "");
		free(*format);
		*format = NULL;
		*failed = true;
		return NULL;
	}
	if (name[0] == '/')
		full = xu_strdup(name);
	else if ((slash = strrchr(path, '/')) != NULL)
		full = xu_asprintf("%.*s/%s", (int)(slash - path), path, name);
	else
		full = xu_strdup(name);
	return full;
}

/* A backing file, opened with QEMU's own uid, gid and no supplementary
 * group: a header is QEMU's to write, so the files it names are only
 * those QEMU's user could read anyway (a base image is made readable; a
 * guest's own disk, 0600, is not). A regular file only, no symlink at the
 * end, never blocking. */
static int
open_backing(struct xhv_jail *j, const char *path, char *err, size_t errlen)
{
	gid_t saved[256];
	struct stat st;
	int n, fd, e;

	if ((n = getgroups(256, saved)) < 0 || setgroups(0, NULL) < 0) {
		snprintf(err, errlen, "cannot drop groups: %s", strerror(errno));
		return -1;
	}
	(void)setfsgid(j->gid);
	(void)setfsuid(j->uid);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	e = errno;
	(void)setfsuid(0);
	(void)setfsgid(0);
	if (setgroups((size_t)n, saved) < 0)
		xhv_log("cannot restore groups: %s", strerror(errno));
	if (fd < 0) {
		snprintf(err, errlen, "backing file %s: %s (it is opened as QEMU's "
		    "user, uid %u)", path, strerror(e), (unsigned)j->uid);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "backing file %s: not a regular file", path);
		close(fd);
		return -1;
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* path's descriptors (and its backing files', for a qcow2): opened and
 * put in fd sets; fds and their sets are returned for the caller to hand
 * over. false and err on failure (nothing kept open). */
static bool
open_chain(struct xhv_jail *j, const char *owner, const char *path,
    const char *format, bool ro, struct jail_set **top, int *fds,
    unsigned *sets, int *n, char *err, size_t errlen)
{
	struct jail_set *s;
	char *cur = xu_strdup(path), *next, *fmt = NULL;
	bool failed = false;
	int fd;

	*n = 0;
	if (!ro && (fds[(*n)++] = open_disk(path, O_RDWR, err, errlen)) < 0) {
		free(cur);
		return false;
	}
	if ((fd = open_disk(path, O_RDONLY, err, errlen)) < 0)
		goto fail;
	fds[(*n)++] = fd;
	s = new_set(j, owner);
	for (int i = 0; i < *n; i++)
		sets[i] = s->id;
	while (format != NULL && strcmp(format, "qcow2") == 0) {
		next = qcow2_backing(fd, cur, &fmt, &failed, err, errlen);
		if (failed)
			goto fail_set;
		if (next == NULL)
			break;
		if (s->nchain == JAIL_CHAIN_MAX) {
			snprintf(err, errlen, "%s: more than %d backing files", path,
			    JAIL_CHAIN_MAX);
			free(next);
			free(fmt);
			goto fail_set;
		}
		if ((fd = open_backing(j, next, err, errlen)) < 0) {
			free(next);
			free(fmt);
			goto fail_set;
		}
		s->chain_ids[s->nchain] = j->next_set++;
		s->chain_fmts[s->nchain] = fmt;
		sets[*n] = s->chain_ids[s->nchain++];
		fds[(*n)++] = fd;
		free(cur);
		cur = next;
		format = s->chain_fmts[s->nchain - 1];
	}
	free(cur);
	*top = s;
	return true;
fail_set:
	j->sets = s->next;
	set_free(s);
fail:
	for (int i = 0; i < *n; i++)
		close(fds[i]);
	free(cur);
	return false;
}

char *
xhv_jail_start_file(struct xhv_dom *d, const char *owner, const char *path,
    const char *format, bool ro, char *err, size_t errlen)
{
	struct xhv_jail *j = d->jail;
	struct jail_set *s;
	int fds[2 + JAIL_CHAIN_MAX], n, i;
	unsigned sets[2 + JAIL_CHAIN_MAX];

	if (j == NULL)
		return xu_strdup(path);
	if (!open_chain(j, owner, path, format, ro, &s, fds, sets, &n, err, errlen))
		return NULL;
	for (i = 0; i < n; i++)
		inherit_in_set(j, fds[i], sets[i]);
	return xu_asprintf("/dev/fdset/%u", s->id);
}

/* "backing": the chain below owner's image, read-only, each file from its
 * fd set (QEMU cannot follow the names inside its root). */
void
xhv_jail_gen_backing(struct xhv_dom *d, yajl_gen g, const char *owner)
{
	struct jail_set *s;
	char file[32];
	int i;

	if (d->jail == NULL)
		return;
	for (s = d->jail->sets; s != NULL && strcmp(s->owner, owner) != 0; s = s->next)
		;
	if (s == NULL || s->nchain == 0)
		return;
	for (i = 0; i < s->nchain; i++) {
		snprintf(file, sizeof(file), "/dev/fdset/%u", s->chain_ids[i]);
		yajl_gen_string(g, (const unsigned char *)"backing", 7);
		yajl_gen_map_open(g);
		xhp_put_str(g, "driver", s->chain_fmts[i]);
		xhp_put_bool(g, "read-only", true);
		yajl_gen_string(g, (const unsigned char *)"file", 4);
		yajl_gen_map_open(g);
		xhp_put_str(g, "driver", "file");
		xhp_put_str(g, "filename", file);
		xhp_put_bool(g, "read-only", true);
		yajl_gen_map_close(g);
	}
	for (i = 0; i < s->nchain; i++)
		yajl_gen_map_close(g);
}

char *
xhv_jail_start_fd(struct xhv_dom *d, const char *owner, int fd)
{
	struct xhv_jail *j = d->jail;
	struct jail_set *s = new_set(j, owner);

	inherit_in_set(j, fd, s->id);
	return xu_asprintf("/dev/fdset/%u", s->id);
}

char *
xhv_jail_start_tap(struct xhv_dom *d, const char *ifname, char *err, size_t errlen)
{
	int fd;

	if (d->jail == NULL)
		return NULL;
	if ((fd = xhv_tap_open(ifname, err, errlen)) < 0)
		return NULL;
	return xu_asprintf("%d", inherit(d->jail, fd));
}

void
xhv_jail_add_args(struct xhv_dom *d, char ***argv)
{
	struct xhv_jail *j = d->jail;
	size_t n = 0, i;

	if (j == NULL || j->nadd == 0)
		return;
	while ((*argv)[n] != NULL)
		n++;
	*argv = xu_realloc(*argv, (n + 2 * j->nadd + 1) * sizeof(**argv));
	/* before the devices: QEMU resolves /dev/fdset/N as it meets them */
	memmove(*argv + 1 + 2 * j->nadd, *argv + 1, n * sizeof(**argv));
	for (i = 0; i < j->nadd; i++) {
		(*argv)[1 + 2 * i] = xu_strdup("-add-fd");
		(*argv)[2 + 2 * i] = xu_strdup(j->add_fd[i]);
	}
}

/* The parent's copies go once QEMU has its own (after the fork). */
void
xhv_jail_started(struct xhv_dom *d)
{
	struct xhv_jail *j = d->jail;

	if (j == NULL)
		return;
	for (size_t i = 0; i < j->nfds; i++) {
		if (j->fds[i] >= 0)
			close(j->fds[i]);
		j->fds[i] = -1;
	}
	j->nfds = 0;
}

int
xhv_tap_open(const char *ifname, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd;

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		snprintf(err, errlen, "cannot attach to tap %s: %s", ifname,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- in the child, between fork and exec -------------------------------- */

static void __attribute__((noreturn))
die(const char *what)
{
	static const char pre[] = "xenhv: cannot confine QEMU: ";

	(void)!write(2, pre, sizeof(pre) - 1);
	(void)!write(2, what, strlen(what));
	(void)!write(2, "\n", 1);
	_exit(127);
}

/* Async-signal-safe only. First the start-up descriptors out of the
 * way of the fixed numbers below them, then to JAIL_FD0 onwards; returns
 * the first number past them. */
void
xhv_jail_child_lift(struct xhv_dom *d)
{
	struct xhv_jail *j = d->jail;

	for (size_t i = 0; j != NULL && i < j->nfds; i++)
		if ((j->tmp[i] = fcntl(j->fds[i], F_DUPFD, JAIL_FD0 + (int)j->nfds + 16)) < 0)
			die("a descriptor");
}

int
xhv_jail_child_place(struct xhv_dom *d, int low)
{
	struct xhv_jail *j = d->jail;
	size_t i;

	if (j == NULL)
		return low;
	for (i = 0; i < j->nfds; i++)
		if (dup2(j->tmp[i], JAIL_FD0 + (int)i) < 0)
			die("a descriptor");
	return JAIL_FD0 + (int)j->nfds;
}

void
xhv_jail_enter(struct xhv_dom *d, pid_t parent)
{
	struct xhv_jail *j = d->jail;
	size_t i;

	if (j == NULL)
		return;
	if (unshare(CLONE_NEWNS) < 0)
		die("unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("mount --make-rprivate /");
	for (i = 0; i < j->nm; i++) {
		const struct jail_mount *m = &j->m[i];

		if (mount(m->src, m->dst, NULL, MS_BIND | MS_REC, NULL) < 0)
			die(m->dst);
		if (m->kind != JM_DEV && mount(NULL, m->dst, NULL, MS_BIND |
		    MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
			die(m->dst);
	}
	if (chroot(j->root) < 0 || chdir("/") < 0)
		die("chroot");
	if (setgroups((size_t)j->ngroups, j->groups) < 0 ||
	    setresgid(j->gid, j->gid, j->gid) < 0 ||
	    setresuid(j->uid, j->uid, j->uid) < 0)
		die("setuid");
	/* a new uid clears the parent-death signal: set it again */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("prctl");
}

/* ---- descriptors for a running QEMU ------------------------------------ */

struct fd_op {
	struct xhv_dom *d;
	unsigned sets[2 + JAIL_CHAIN_MAX];	/* add-fd to these; 0: getfd */
	int fds[2 + JAIL_CHAIN_MAX];
	int n, i;
	char *name;		/* what QEMU is to be told */
	xhv_jail_cb cb;
	void *opaque;
};

static void
fd_op_end(struct fd_op *op, const char *err)
{
	for (int i = 0; i < op->n; i++)
		if (op->fds[i] >= 0)
			close(op->fds[i]);
	op->cb(op->opaque, err == NULL ? op->name : NULL, err);
	free(op->name);
	free(op);
}

static void fd_send(struct fd_op *op);

static void
fd_sent(void *opaque, yajl_val ret, const char *err)
{
	struct fd_op *op = opaque;
	char msg[256];

	(void)ret;
	if (err != NULL) {
		snprintf(msg, sizeof(msg), "QEMU did not take the descriptor: %s", err);
		fd_op_end(op, msg);
		return;
	}
	if (++op->i < op->n)
		fd_send(op);
	else
		fd_op_end(op, NULL);
}

static void
fd_send(struct fd_op *op)
{
	unsigned set = op->sets[op->i];
	char args[96];
	int rc;

	if (set != 0)
		snprintf(args, sizeof(args), "{\"fdset-id\":%u}", set);
	else
		snprintf(args, sizeof(args), "{\"fdname\":\"%s\"}", op->name);
	rc = qmp_command_fd(op->d->qmp, set != 0 ? "add-fd" : "getfd", args,
	    op->fds[op->i], fd_sent, op, 0);
	close(op->fds[op->i]);
	op->fds[op->i] = -1;
	if (rc < 0)
		fd_op_end(op, "QEMU's monitor is not available");
}

static void
fd_op_go(struct xhv_dom *d, const unsigned *sets, const int *fds, int n,
    char *name, xhv_jail_cb cb, void *opaque)
{
	struct fd_op *op = xu_calloc(1, sizeof(*op));

	op->d = d;
	op->n = n;
	for (int i = 0; i < n; i++) {
		op->sets[i] = sets[i];
		op->fds[i] = fds[i];
	}
	op->name = name;
	op->cb = cb;
	op->opaque = opaque;
	fd_send(op);
}

void
xhv_jail_file(struct xhv_dom *d, const char *owner, const char *path,
    const char *format, bool ro, xhv_jail_cb cb, void *opaque)
{
	struct xhv_jail *j = d->jail;
	char err[PATH_MAX + 64];
	int fds[2 + JAIL_CHAIN_MAX], n;
	unsigned sets[2 + JAIL_CHAIN_MAX];
	struct jail_set *s;

	if (j == NULL) {
		cb(opaque, path, NULL);
		return;
	}
	xhv_jail_release(d, owner);
	if (!open_chain(j, owner, path, format, ro, &s, fds, sets, &n, err,
	    sizeof(err))) {
		cb(opaque, NULL, err);
		return;
	}
	fd_op_go(d, sets, fds, n, xu_asprintf("/dev/fdset/%u", s->id), cb, opaque);
}

static void
remove_set(struct xhv_dom *d, unsigned id, const char *owner)
{
	char args[48];

	snprintf(args, sizeof(args), "{\"fdset-id\":%u}", id);
	if (qmp_command(d->qmp, "remove-fd", args, NULL, NULL, 0) < 0)
		xhv_log("fd set %u of %s: QEMU's monitor is not available", id, owner);
	else if (d->state != XC_DOM_RUNNING) {
		d->jail->stale = xu_realloc(d->jail->stale, (d->jail->nstale + 1) *
		    sizeof(*d->jail->stale));
		d->jail->stale[d->jail->nstale++] = id;
	}
}

void
xhv_jail_release(struct xhv_dom *d, const char *owner)
{
	struct jail_set **pp, *s;

	if (d->jail == NULL)
		return;
	for (pp = &d->jail->sets; (s = *pp) != NULL; pp = &s->next)
		if (strcmp(s->owner, owner) == 0)
			break;
	if (s == NULL)
		return;
	*pp = s->next;
	remove_set(d, s->id, s->owner);
	for (int i = 0; i < s->nchain; i++)
		remove_set(d, s->chain_ids[i], s->owner);
	set_free(s);
}

void
xhv_jail_resumed(struct xhv_dom *d)
{
	char args[48];

	if (d->jail == NULL)
		return;
	for (size_t i = 0; i < d->jail->nstale; i++) {
		snprintf(args, sizeof(args), "{\"fdset-id\":%u}", d->jail->stale[i]);
		(void)qmp_command(d->qmp, "remove-fd", args, NULL, NULL, 0);
	}
	d->jail->nstale = 0;
}

void
xhv_jail_pass(struct xhv_dom *d, const char *fdname, int fd, xhv_jail_cb cb,
    void *opaque)
{
	static const unsigned getfd = 0;

	fd_op_go(d, &getfd, &fd, 1, xu_strdup(fdname), cb, opaque);
}

char *
xhv_jail_tls(struct xhv_dom *d, const char *name, const char *dir, bool server,
    char *err, size_t errlen)
{
	static const char *const server_files[] = { "ca-cert.pem", "ca-crl.pem",
	    "server-cert.pem", "server-key.pem", "dh-params.pem", NULL };
	static const char *const client_files[] = { "ca-cert.pem", "ca-crl.pem",
	    "client-cert.pem", "client-key.pem", NULL };
	const char *const *files = server ? server_files : client_files;
	struct xhv_jail *j = d->jail;
	char *to, *src, *dst, *inside;
	struct stat st;
	bool ok = true;

	if (j == NULL)
		return xu_strdup(dir);
	/* a directory of root's (QEMU writes nothing there), the previous
	 * copy replaced; only this end's files, QEMU's to read */
	inside = xu_asprintf("/tls-%s", name);
	to = xu_asprintf("%s%s", j->root, inside);
	if (xu_rm_tree(to) < 0 || mkdir_searchable(to) < 0) {
		snprintf(err, errlen, "cannot make %s: %s", to, strerror(errno));
		ok = false;
	}
	for (; ok && *files != NULL; files++) {
		src = xu_asprintf("%s/%s", dir, *files);
		dst = xu_asprintf("%s/%s", to, *files);
		if (stat(src, &st) == 0)
			ok = copy_for(j, src, dst, err, errlen);
		free(src);
		free(dst);
	}
	free(to);
	if (!ok) {
		free(inside);
		return NULL;
	}
	return inside;
}
