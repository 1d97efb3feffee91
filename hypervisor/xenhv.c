/* xenhv.c: the per-domain monitor's process: arguments, daemonising,
 * logging, the ready pipe to libxc, signals, the libevent loop, and the
 * orderly end (start-up failure or destroy) that leaves nothing behind. */
#include "xenhv.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xc-lease.h"
#include "xenhv-proto.h"
#include "xu.h"

#ifndef XEN_QEMU
#define XEN_QEMU "/usr/bin/qemu-system-x86_64"
#endif

static struct xhv_dom dom;
static int log_fd = 2;

void
xhv_log(const char *fmt, ...)
{
	char stamp[32], *msg, *line;
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;

	va_start(ap, fmt);
	msg = xu_vasprintf(fmt, ap);
	va_end(ap);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	line = xu_asprintf("%s xenhv[%d]: %s\n", stamp, (int)getpid(), msg);
	(void)!write(log_fd, line, strlen(line));
	free(line);
	free(msg);
}

double
xhv_now(void)
{
	return xu_wall_s();
}

void
xhv_fault_point(const char *step, const char *domain)
{
	const char *spec = getenv("XENHV_TEST_EXIT_AT"), *action;

	if (spec == NULL || !xu_fault_matches(spec, step, domain, &action))
		return;
	xhv_log("XENHV_TEST_EXIT_AT=%s: killed at %s", spec, step);
	kill(getpid(), SIGKILL);
}

/* ---- start-up reporting and exit --------------------------------- */

void
xhv_report(struct xhv_dom *d, const char *text)
{
	size_t len = strlen(text), off = 0;
	ssize_t r;

	if (d->ready_fd < 0)
		return;
	while (off < len) {
		r = write(d->ready_fd, text + off, len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	close(d->ready_fd);
	d->ready_fd = -1;
}

static void
remove_rundir(struct xhv_dom *d)
{
	if (d->lock_fd < 0)
		return;		/* never ours: another monitor's, or not made */
	unlink(d->ctl_path);
	unlink(d->con_path);
	unlink(d->lock_path);
	xhv_jail_free(d);
	if (rmdir(d->rundir) < 0 && errno != ENOENT)
		xhv_log("cannot remove %s: %s", d->rundir, strerror(errno));
	close(d->lock_fd);
	d->lock_fd = -1;
}

static void
reap_qemu_blocking(struct xhv_dom *d)
{
	int status;

	if (d->qemu_pid <= 0)
		return;
	kill(d->qemu_pid, SIGKILL);
	while (waitpid(d->qemu_pid, &status, 0) < 0 && errno == EINTR)
		;
	d->qemu_pid = 0;
}

static void
dom_dispose(struct xhv_dom *d)
{
	struct xhv_event *ev;
	struct xhv_config *c = &d->cfg;

	control_free(d->ctl);
	console_free(d->con);
	qmp_free(d->qmp);
	xhv_devices_free(d);
	xhv_config_free_devices(c);
	xhv_config_free_platform(c);
	while ((ev = d->ev_head) != NULL) {
		d->ev_head = ev->next;
		free(ev->line);
		free(ev);
	}
	if (d->sigchld_ev != NULL)
		event_free(d->sigchld_ev);
	if (d->lease_ev != NULL)
		event_free(d->lease_ev);
	if (d->sigterm_ev != NULL)
		event_free(d->sigterm_ev);
	if (d->sigint_ev != NULL)
		event_free(d->sigint_ev);
	if (d->start_timer != NULL)
		event_free(d->start_timer);
	if (d->base != NULL)
		event_base_free(d->base);
	if (d->vcpu_qom != NULL)
		for (size_t i = 0; i < d->n_vcpu_tids; i++)
			free(d->vcpu_qom[i]);
	free(d->vcpu_qom);
	free(d->vcpu_tids);
	free(c->affinity);
	free(c->cgroup_root);
	free(c->incoming_tls);
	free(c->lease_dir);
	free(d->lease_path);
	if (c->incoming_fd >= 0)
		close(c->incoming_fd);
	free(c->name);
	free(c->uuid);
	free(c->kernel);
	free(c->ramdisk);
	free(c->cmdline);
	free(c->root);
	free(c->qemu);
	free(d->rundir);
	free(d->ctl_path);
	free(d->con_path);
	free(d->lock_path);
	free(d->conlog_path);
	free(d->qemulog_path);
	free(d->log_path);
}

/* Start-up failed: undo everything, then tell libxc why, so that when
 * its call returns nothing of the domain is left. */
void
xhv_start_fail(struct xhv_dom *d, int code, const char *msg)
{
	char *line;

	xhv_log("start of domain %u failed: %s", d->cfg.domid, msg);
	xhv_save_abort(d);
	reap_qemu_blocking(d);
	xhv_lease_release(d);
	xhv_resources_end(d);
	control_free(d->ctl);
	d->ctl = NULL;
	console_free(d->con);
	d->con = NULL;
	remove_rundir(d);
	line = xu_asprintf("error %d %s", code, msg);
	xhv_report(d, line);
	free(line);
	dom_dispose(d);
	exit(1);
}

/* The end of a destroyed domain: the run directory goes first, then the
 * replies, so a caller that sees the connection close sees nothing left. */
static void __attribute__((noreturn))
finish_exit(struct xhv_dom *d)
{
	d->exiting = true;
	xhv_log("domain %u (%s) destroyed", d->cfg.domid, d->cfg.name);
	xhv_save_abort(d);
	/* QEMU is gone (xhv_destroy reaped it): the lease is free before
	 * anyone hears of the end, so a restart here can take it at once */
	xhv_lease_release(d);
	xhv_resources_end(d);
	remove_rundir(d);
	control_exiting(d->ctl);
	dom_dispose(d);
	exit(0);
}

void
xhv_destroy(struct xhv_dom *d)
{
	if (d->exiting)
		return;
	xhv_log("destroying domain %u (%s)", d->cfg.domid, d->cfg.name);
	d->state = XC_DOM_DYING;
	reap_qemu_blocking(d);
	finish_exit(d);
}

static void
sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct xhv_dom *d = arg;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == d->qemu_pid)
			xhv_engine_exited(d, status);
	}
}

static void
sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	struct xhv_dom *d = arg;

	xhv_log("signal %d: destroying the domain", (int)sig);
	if (!d->ready)
		xhv_start_fail(d, XHP_E_START, "the monitor was told to stop");
	xhv_destroy(d);
}

/* ---- process set-up ----------------------------------------------- */

static int
mkdir_p(const char *path, mode_t mode)
{
	char *p = xu_strdup(path), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		if (c == '\0')
			break;
		*s = c;
	}
	free(p);
	return rc;
}

static void
make_paths(struct xhv_dom *d)
{
	const char *root = d->cfg.root;

	d->rundir = xu_asprintf("%s/var/run/xen/xenhv/%u", root, d->cfg.domid);
	d->ctl_path = xu_asprintf("%s/ctl.sock", d->rundir);
	d->con_path = xu_asprintf("%s/console.sock", d->rundir);
	d->lock_path = xu_asprintf("%s/lock", d->rundir);
	d->conlog_path = xu_asprintf("%s/var/log/xen/console/%s.log", root, d->cfg.name);
	d->qemulog_path = xu_asprintf("%s/var/log/xen/qemu-dm-%s.log", root, d->cfg.name);
	d->log_path = xu_asprintf("%s/var/log/xen/xenhv-%s.log", root, d->cfg.name);
}

/* Takes the domid: the lock is held for the monitor's life, so a second
 * monitor for the same domid fails here and a dead one's leftovers are
 * recognised as stale. */
static void
take_rundir(struct xhv_dom *d)
{
	char msg[PATH_MAX + 64], pid[24];
	int fd;

	if (mkdir_p(d->rundir, 0700) < 0) {
		snprintf(msg, sizeof(msg), "cannot create %s: %s", d->rundir, strerror(errno));
		xhv_start_fail(d, XHP_E_START, msg);
	}
	fd = open(d->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "cannot open %s: %s", d->lock_path, strerror(errno));
		xhv_start_fail(d, XHP_E_START, msg);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t r = pread(fd, pid, sizeof(pid) - 1, 0);

		pid[r > 0 ? r : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(fd);
		snprintf(msg, sizeof(msg), "domain %u already has a monitor%s%s%s",
		    d->cfg.domid, *pid ? " (pid " : "", pid, *pid ? ")" : "");
		xhv_start_fail(d, XHP_E_EXISTS, msg);
	}
	d->lock_fd = fd;
	if (ftruncate(fd, 0) == 0) {
		snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		(void)!pwrite(fd, pid, strlen(pid), 0);
	}
	unlink(d->ctl_path);
	unlink(d->con_path);
}

static void
check_readable(struct xhv_dom *d, const char *what, const char *path)
{
	char msg[PATH_MAX + 96];
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "%s %s: %s", what, path, strerror(errno));
		xhv_start_fail(d, XHP_E_INVALID, msg);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(msg, sizeof(msg), "%s %s: not a regular file", what, path);
		xhv_start_fail(d, XHP_E_INVALID, msg);
	}
	close(fd);
}

static void
check_config(struct xhv_dom *d)
{
	const struct xhv_config *c = &d->cfg;

	if (c->domid == 0)
		xhv_start_fail(d, XHP_E_INVALID, "domain 0 is the host; it has no monitor");
	if (c->name == NULL || *c->name == '\0' || strchr(c->name, '/') != NULL ||
	    strcmp(c->name, ".") == 0 || strcmp(c->name, "..") == 0 ||
	    strlen(c->name) >= 128)
		xhv_start_fail(d, XHP_E_INVALID, "the domain needs a name without '/'");
	if (!c->hvm && c->incoming_fd < 0 && (c->kernel == NULL || *c->kernel == '\0'))
		xhv_start_fail(d, XHP_E_INVALID, "a PV domain needs a kernel");
	if (c->kernel != NULL && *c->kernel)
		check_readable(d, "kernel", c->kernel);
	if (c->ramdisk != NULL && *c->ramdisk)
		check_readable(d, "ramdisk", c->ramdisk);
	if (c->memory_mb == 0 || c->maxmem_mb < c->memory_mb)
		xhv_start_fail(d, XHP_E_INVALID, "memory must be > 0 and at most maxmem");
	if (c->vcpus == 0 || c->maxvcpus < c->vcpus || c->maxvcpus > 255)
		xhv_start_fail(d, XHP_E_INVALID, "vcpus must be 1 to maxvcpus (at most 255)");
	if (access(c->qemu, X_OK) < 0) {
		char msg[PATH_MAX + 64];

		snprintf(msg, sizeof(msg), "QEMU %s: %s", c->qemu, strerror(errno));
		xhv_start_fail(d, XHP_E_START, msg);
	}
}

static void __attribute__((noreturn))
usage(void)
{
	fputs("usage: xenhv --domid N --name NAME [--root DIR] [--uuid UUID] [--hvm]\n"
	    "  [--kernel FILE] [--ramdisk FILE] [--cmdline TEXT] --memory MB\n"
	    "  [--maxmem MB] [--vcpus N] [--maxvcpus N] [--accel kvm|tcg] [--paused]\n"
	    "  [--qemu PATH] [--ready-fd FD] [--foreground] [--cpu-weight N]\n"
	    "  [--cpu-cap N] [--affinity VCPU:CPULIST]... [--incoming-fd FD]\n"
	    "  [--cgroup-root DIR] [--device JSON]... [--hotplug-slots N]\n"
	    "  [--incoming-tls X509DIR] [--lease-dir DIR --lease-host-id N\n"
	    "  [--lease-later]] [--qemu-uid UID]\n"
	    "The per-domain monitor; libxc starts it (xc_domain_create).\n", stderr);
	exit(2);
}

/* The first bad argument; reported once the ready fd is known. */
static char *arg_error;

static uint64_t
num_arg(const char *opt, const char *s, uint64_t max)
{
	int64_t v;

	if (xu_parse_int64(s, &v) != XU_OK || v < 0 || (uint64_t)v > max) {
		if (arg_error == NULL)
			arg_error = xu_asprintf("--%s: '%.40s' is not a number from 0 to %llu",
			    opt, s, (unsigned long long)max);
		return 0;
	}
	return (uint64_t)v;
}

static void __attribute__((noreturn))
bad_args(struct xhv_dom *d)
{
	char *line = xu_asprintf("error %d %s", XHP_E_INVALID, arg_error);

	if (d->ready_fd >= 0)
		xhv_report(d, line);
	fprintf(stderr, "xenhv: %s\n", arg_error);
	exit(2);
}

/* --affinity VCPU:CPULIST, once maxvcpus is known. */
static void
parse_affinity(struct xhv_dom *d, const char *arg)
{
	struct xhv_config *c = &d->cfg;
	const char *colon = strchr(arg, ':');
	char why[160], *num;
	uint64_t vcpu;
	size_t i;

	if (c->affinity == NULL) {
		c->affinity = xu_calloc(c->maxvcpus, sizeof(*c->affinity));
		for (i = 0; i < c->maxvcpus; i++)
			xu_cpumap_fill(&c->affinity[i], XU_CPUMAP_MAX);
	}
	if (colon == NULL) {
		if (arg_error == NULL)
			arg_error = xu_asprintf("--affinity: '%.40s' is not VCPU:CPULIST", arg);
		return;
	}
	num = xu_strndup(arg, (size_t)(colon - arg));
	vcpu = num_arg("affinity", num, c->maxvcpus ? c->maxvcpus - 1 : 0);
	free(num);
	if (arg_error == NULL && !xu_cpumap_parse(colon + 1, XU_CPUMAP_MAX,
	    &c->affinity[vcpu], why, sizeof(why)))
		arg_error = xu_asprintf("--affinity: %s", why);
}

static bool
parse_args(struct xhv_dom *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "domid", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "hvm", no_argument, NULL, 'H' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "ramdisk", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "maxmem", required_argument, NULL, 'M' },
		{ "vcpus", required_argument, NULL, 'v' },
		{ "maxvcpus", required_argument, NULL, 'V' },
		{ "accel", required_argument, NULL, 'a' },
		{ "paused", no_argument, NULL, 'p' },
		{ "qemu", required_argument, NULL, 'q' },
		{ "ready-fd", required_argument, NULL, 'R' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "cpu-weight", required_argument, NULL, 'W' },
		{ "cpu-cap", required_argument, NULL, 'C' },
		{ "affinity", required_argument, NULL, 'A' },
		{ "incoming-fd", required_argument, NULL, 'I' },
		{ "incoming-tls", required_argument, NULL, 'T' },
		{ "cgroup-root", required_argument, NULL, 'G' },
		{ "device", required_argument, NULL, 'D' },
		{ "hotplug-slots", required_argument, NULL, 'S' },
		{ "platform", required_argument, NULL, 'P' },
		{ "lease-dir", required_argument, NULL, 'L' },
		{ "lease-host-id", required_argument, NULL, 'h' },
		{ "lease-later", no_argument, NULL, 'l' },
		{ "qemu-uid", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	struct xhv_config *c = &d->cfg;
	bool foreground = false, have_domid = false;
	char **aff = NULL;
	size_t naff = 0, i;
	int ch;

	c->accel = XC_ACCEL_TCG;
	c->vcpus = 1;
	c->cpu_weight = CG_WEIGHT_DEFAULT;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': free(c->root); c->root = xu_strdup(optarg); break;
		case 'd': c->domid = (uint32_t)num_arg("domid", optarg, UINT32_MAX);
			have_domid = true; break;
		case 'n': free(c->name); c->name = xu_strdup(optarg); break;
		case 'u': free(c->uuid); c->uuid = xu_strdup(optarg); break;
		case 'H': c->hvm = true; break;
		case 'k': free(c->kernel); c->kernel = xu_strdup(optarg); break;
		case 'i': free(c->ramdisk); c->ramdisk = xu_strdup(optarg); break;
		case 'c': free(c->cmdline); c->cmdline = xu_strdup(optarg); break;
		case 'm': c->memory_mb = num_arg("memory", optarg, 1 << 24); break;
		case 'M': c->maxmem_mb = num_arg("maxmem", optarg, 1 << 24); break;
		case 'v': c->vcpus = (unsigned)num_arg("vcpus", optarg, 4096); break;
		case 'V': c->maxvcpus = (unsigned)num_arg("maxvcpus", optarg, 4096); break;
		case 'a':
			if (strcmp(optarg, "kvm") == 0)
				c->accel = XC_ACCEL_KVM;
			else if (strcmp(optarg, "tcg") == 0)
				c->accel = XC_ACCEL_TCG;
			else
				usage();
			break;
		case 'p': c->paused = true; break;
		case 'q': free(c->qemu); c->qemu = xu_strdup(optarg); break;
		case 'R': d->ready_fd = (int)num_arg("ready-fd", optarg, 65535); break;
		case 'f': foreground = true; break;
		case 'W': c->cpu_weight = (unsigned)num_arg("cpu-weight", optarg,
		    CG_WEIGHT_MAX); break;
		case 'C': c->cpu_cap = (unsigned)num_arg("cpu-cap", optarg, 409600); break;
		case 'A':
			aff = xu_realloc(aff, (naff + 1) * sizeof(*aff));
			aff[naff++] = optarg;
			break;
		case 'I': c->incoming_fd = (int)num_arg("incoming-fd", optarg, 65535); break;
		case 'T': free(c->incoming_tls); c->incoming_tls = xu_strdup(optarg); break;
		case 'L': free(c->lease_dir); c->lease_dir = xu_strdup(optarg); break;
		case 'h': c->lease_host_id = (unsigned)num_arg("lease-host-id",
		    optarg, XC_LEASE_MAX_HOSTS); break;
		case 'l': c->lease_later = true; break;
		case 'U': c->qemu_uid = (uint32_t)num_arg("qemu-uid", optarg,
		    INT32_MAX - 1); break;
		case 'G': free(c->cgroup_root); c->cgroup_root = xu_strdup(optarg); break;
		case 'D': {
			char err[256];

			if (!xhv_config_add_device(c, optarg, err, sizeof(err)) &&
			    arg_error == NULL)
				arg_error = xu_strdup(err);
			break;
		}
		case 'S': c->hotplug_slots = (unsigned)num_arg("hotplug-slots",
			    optarg, 32); break;
		case 'P': {
			char err[256];

			if (!xhv_config_set_platform(c, optarg, err, sizeof(err)) &&
			    arg_error == NULL)
				arg_error = xu_strdup(err);
			break;
		}
		default: usage();
		}
	}
	if (optind != argc || !have_domid)
		usage();
	if (arg_error != NULL)
		bad_args(d);
	if (c->root == NULL)
		c->root = xu_strdup("");
	if (c->qemu == NULL)
		c->qemu = xu_strdup(getenv("XEN_QEMU") ? getenv("XEN_QEMU") : XEN_QEMU);
	if (c->uuid == NULL)
		c->uuid = xu_strdup("");
	if (c->maxmem_mb == 0)
		c->maxmem_mb = c->memory_mb;
	if (c->maxvcpus == 0)
		c->maxvcpus = c->vcpus;
	if (getenv(XC_VNC_PASSWORD_ENV) != NULL) {
		c->vnc_password = xu_strdup(getenv(XC_VNC_PASSWORD_ENV));
		unsetenv(XC_VNC_PASSWORD_ENV);
	}
	if (c->cgroup_root == NULL)
		c->cgroup_root = xu_strdup(getenv("XEN_CGROUP_ROOT") ?
		    getenv("XEN_CGROUP_ROOT") : "/sys/fs/cgroup");
	for (i = 0; i < naff; i++)
		parse_affinity(d, aff[i]);
	free(aff);
	if (arg_error != NULL)
		bad_args(d);
	return foreground;
}

/* Detaches from the caller (xend may die at any moment): two forks and a
 * new session, so no terminal or process group ties the domain to it.
 * The first process exits at once; libxc reaps it. */
static void
daemonise(void)
{
	pid_t pid;
	int nul;

	pid = fork();
	if (pid < 0)
		exit(1);
	if (pid > 0)
		_exit(0);
	setsid();
	pid = fork();
	if (pid < 0)
		exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		exit(1);
	nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		if (nul > 1)
			close(nul);
	}
}

int
xhv_open_log(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

static void
setup_log(struct xhv_dom *d)
{
	char *dir = xu_asprintf("%s/var/log/xen/console", d->cfg.root);
	int fd;

	mkdir_p(dir, 0750);
	free(dir);
	fd = xhv_open_log(d->log_path);
	if (fd >= 0) {
		/* Stray stderr (libevent, sanitizers) lands in the log too. */
		dup2(fd, 2);
		close(fd);
	}
	log_fd = 2;
}

static void
setup_loop(struct xhv_dom *d)
{
	d->base = event_base_new();
	if (d->base == NULL)
		xhv_start_fail(d, XHP_E_START, "cannot create the event loop");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	d->sigchld_ev = evsignal_new(d->base, SIGCHLD, sigchld_cb, d);
	d->sigterm_ev = evsignal_new(d->base, SIGTERM, sigterm_cb, d);
	d->sigint_ev = evsignal_new(d->base, SIGINT, sigterm_cb, d);
	evsignal_add(d->sigchld_ev, NULL);
	evsignal_add(d->sigterm_ev, NULL);
	evsignal_add(d->sigint_ev, NULL);
}

int
main(int argc, char **argv)
{
	struct xhv_dom *d = &dom;
	bool foreground;

	d->ready_fd = -1;
	d->lock_fd = -1;
	d->lease_sock = -1;
	d->cfg.incoming_fd = -1;
	d->mig_downtime_ms = -1;
	d->requested_reason = -1;
	d->next_seq = 1;
	foreground = parse_args(d, argc, argv);
	if (d->cfg.incoming_fd >= 0 && fcntl(d->cfg.incoming_fd, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "xenhv: --incoming-fd %d: %s\n", d->cfg.incoming_fd,
		    strerror(errno));
		exit(2);
	}
	if (d->ready_fd >= 0 && fcntl(d->ready_fd, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "xenhv: --ready-fd %d: %s\n", d->ready_fd, strerror(errno));
		exit(2);
	}
	if (!foreground)
		daemonise();
	umask(027);
	make_paths(d);
	setup_log(d);
	d->start_time = xhv_now();
	d->state = XC_DOM_PAUSED;
	xhv_log("monitor for domain %u (%s) starting", d->cfg.domid,
	    d->cfg.name ? d->cfg.name : "?");
	setup_loop(d);
	check_config(d);
	take_rundir(d);
	/* the guest's disks are opened by QEMU only once the lease is ours */
	xhv_lease_start(d);
	xhv_start(d);
	event_base_dispatch(d->base);
	/* The loop only ends when nothing is left to watch. */
	xhv_log("event loop ended unexpectedly");
	xhv_destroy(d);
	return 1;
}
