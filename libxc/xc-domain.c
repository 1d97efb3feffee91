/* xc-domain.c: domains: starting a monitor (xenhv) for a new domain and
 * the requests on a running one (info, pause, shutdown, destroy, console). */
#include "xc-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The descriptor numbers the monitor finds its ready pipe and, for a
 * restore, the saved stream on. */
#define READY_FD	3
#define INCOMING_FD	4

/* ---- create ------------------------------------------------------- */

static int
check_config(xc_interface *xc, const struct xc_domain_config *cfg)
{
	if (cfg->domid == 0)
		return xcp_fail(xc, XC_ERR_INVALID, "domain 0 is the host and cannot be created");
	if (cfg->name == NULL || *cfg->name == '\0' || strchr(cfg->name, '/') != NULL ||
	    strlen(cfg->name) >= sizeof(((struct xc_dominfo *)0)->name))
		return xcp_fail(xc, XC_ERR_INVALID, "domain %u: a name (no '/', under 128 "
		    "characters) is needed", cfg->domid);
	if (!cfg->hvm && !cfg->restore && (cfg->kernel == NULL || *cfg->kernel == '\0'))
		return xcp_fail(xc, XC_ERR_INVALID, "domain %s: a PV domain needs a kernel",
		    cfg->name);
	if (cfg->memory_mb == 0 || (cfg->maxmem_mb != 0 && cfg->maxmem_mb < cfg->memory_mb))
		return xcp_fail(xc, XC_ERR_INVALID, "domain %s: memory must be above 0 and "
		    "at most maxmem", cfg->name);
	if (cfg->vcpus == 0 || (cfg->maxvcpus != 0 && cfg->maxvcpus < cfg->vcpus))
		return xcp_fail(xc, XC_ERR_INVALID, "domain %s: vcpus must be at least 1 "
		    "and at most maxvcpus", cfg->name);
	if (cfg->restore && cfg->restore_fd < 0)
		return xcp_fail(xc, XC_ERR_INVALID, "domain %s: a restore needs the saved "
		    "stream", cfg->name);
	if (cfg->accel != XC_ACCEL_KVM && cfg->accel != XC_ACCEL_TCG)
		return xcp_fail(xc, XC_ERR_INVALID, "domain %s: the accelerator must be "
		    "decided (kvm or tcg) before creating", cfg->name);
	if (cfg->ndevices > XC_DEVICES_MAX)
		return xcp_fail(xc, XC_ERR_INVALID, "domain %s: %zu devices (at most %d)",
		    cfg->name, cfg->ndevices, XC_DEVICES_MAX);
	if (cfg->platform != NULL) {
		char why[200];

		if (!xhp_platform_check(cfg->platform, why, sizeof(why)))
			return xcp_fail(xc, XC_ERR_INVALID, "domain %s: %s",
			    cfg->name, why);
	}
	return XC_OK;
}

struct argv_buf {
	char **v;
	size_t n, cap;
};

static void
arg(struct argv_buf *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xu_realloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = xu_strdup(s);
	a->v[a->n] = NULL;
}

static void
opt(struct argv_buf *a, const char *name, const char *val)
{
	if (val == NULL)
		return;
	arg(a, name);
	arg(a, val);
}

static void
optu(struct argv_buf *a, const char *name, unsigned long long val)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", val);
	opt(a, name, num);
}

static char **
monitor_argv(const xc_interface *xc, const struct xc_domain_config *cfg)
{
	struct argv_buf a = { NULL, 0, 0 };

	arg(&a, xc->xenhv);
	opt(&a, "--root", xc->root);
	optu(&a, "--domid", cfg->domid);
	opt(&a, "--name", cfg->name);
	opt(&a, "--uuid", cfg->uuid);
	if (cfg->hvm)
		arg(&a, "--hvm");
	opt(&a, "--kernel", cfg->kernel);
	opt(&a, "--ramdisk", cfg->ramdisk);
	opt(&a, "--cmdline", cfg->cmdline);
	optu(&a, "--memory", cfg->memory_mb);
	optu(&a, "--maxmem", cfg->maxmem_mb ? cfg->maxmem_mb : cfg->memory_mb);
	optu(&a, "--vcpus", cfg->vcpus);
	optu(&a, "--maxvcpus", cfg->maxvcpus ? cfg->maxvcpus : cfg->vcpus);
	opt(&a, "--accel", cfg->accel == XC_ACCEL_KVM ? "kvm" : "tcg");
	if (cfg->paused)
		arg(&a, "--paused");
	for (size_t i = 0; i < cfg->ndevices; i++) {
		char *json = xhp_device_json(&cfg->devices[i]);

		opt(&a, "--device", json);
		free(json);
	}
	if (cfg->hotplug_slots > 0)
		optu(&a, "--hotplug-slots", cfg->hotplug_slots);
	opt(&a, "--qemu", xcp_qemu_path());
	optu(&a, "--ready-fd", READY_FD);
	if (cfg->cpu_weight != 0)
		optu(&a, "--cpu-weight", cfg->cpu_weight);
	if (cfg->cpu_cap != 0)
		optu(&a, "--cpu-cap", cfg->cpu_cap);
	for (unsigned i = 0; cfg->affinity != NULL && i < cfg->n_affinity; i++) {
		char *s;

		if (cfg->affinity[i] == NULL || *cfg->affinity[i] == '\0')
			continue;
		s = xu_asprintf("%u:%s", i, cfg->affinity[i]);
		opt(&a, "--affinity", s);
		free(s);
	}
	if (cfg->restore)
		optu(&a, "--incoming-fd", INCOMING_FD);
	if (cfg->restore && cfg->restore_tls_dir != NULL)
		opt(&a, "--incoming-tls", cfg->restore_tls_dir);
	opt(&a, "--lease-dir", cfg->lease_dir);
	if (cfg->lease_dir != NULL)
		optu(&a, "--lease-host-id", cfg->lease_host_id);
	if (cfg->lease_dir != NULL && cfg->lease_later)
		arg(&a, "--lease-later");
	if (cfg->qemu_uid != 0)
		optu(&a, "--qemu-uid", cfg->qemu_uid);
	if (cfg->platform != NULL) {
		char *json = xhp_platform_json(cfg->platform);

		opt(&a, "--platform", json);
		free(json);
	}
	return a.v;
}

static void
argv_free(char **v)
{
	char **p;

	for (p = v; p != NULL && *p != NULL; p++)
		free(*p);
	free(v);
}

/* Between fork and exec (the caller may have threads): only
 * async-signal-safe calls. The monitor daemonises on its own. */
static void __attribute__((noreturn))
exec_monitor(char **argv, char **envp, int wfd, int infd)
{
	static const char msg[] = "error 10 cannot execute the monitor (xenhv)";
	sigset_t none;
	int fd, in = -1, nul, last = READY_FD;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	fd = fcntl(wfd, F_DUPFD, 10);
	if (infd >= 0 && (in = fcntl(infd, F_DUPFD, 10)) < 0)
		_exit(127);
	nul = open("/dev/null", O_RDWR);
	if (fd < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 ||
	    dup2(nul, 2) < 0 || dup2(fd, READY_FD) < 0)
		_exit(127);
	if (in >= 0) {
		if (dup2(in, INCOMING_FD) < 0)
			_exit(127);
		last = INCOMING_FD;
	}
#ifdef SYS_close_range
	if (syscall(SYS_close_range, last + 1, ~0U, 0) < 0)
#endif
		for (fd = last + 1; fd < 1024; fd++)
			close(fd);
	execve(argv[0], argv, envp);
	(void)!write(READY_FD, msg, sizeof(msg) - 1);
	_exit(127);
}

/* The monitor's environment: ours, and the display's password if there is
 * one (the environment of a process is for its owner's eyes only, unlike
 * its command line). Built before the fork. */
static char **
monitor_env(const struct xc_domain_config *cfg)
{
	extern char **environ;
	size_t n = 0, i, k = 0;
	char **v;

	while (environ[n] != NULL)
		n++;
	v = xu_calloc(n + 2, sizeof(*v));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], XC_VNC_PASSWORD_ENV "=",
		    strlen(XC_VNC_PASSWORD_ENV) + 1) != 0)
			v[k++] = xu_strdup(environ[i]);
	if (cfg->vnc_password != NULL)
		v[k++] = xu_asprintf("%s=%s", XC_VNC_PASSWORD_ENV,
		    cfg->vnc_password);
	return v;
}

int
xc_domain_create_start(xc_interface *xc, const struct xc_domain_config *cfg, int *ready_fd)
{
	char **argv = NULL, **envp = NULL;
	int p[2] = { -1, -1 }, status, rc;
	pid_t pid;

	xcp_clear_error(xc);
	*ready_fd = -1;
	if ((rc = check_config(xc, cfg)) != XC_OK)
		return rc;
	if (access(xc->xenhv, X_OK) < 0)
		return xcp_fail(xc, XC_ERR_START, "monitor %s: %s", xc->xenhv, strerror(errno));
	argv = monitor_argv(xc, cfg);
	envp = monitor_env(cfg);
	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = xcp_fail(xc, XC_ERR_IO, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = xcp_fail(xc, XC_ERR_START, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		goto out;
	}
	if (pid == 0)
		exec_monitor(argv, envp, p[1], cfg->restore ? cfg->restore_fd : -1);
	close(p[1]);
	/* The first monitor process exits as soon as it has forked. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	xcp_log(xc, XC_LOG_INFO, "domain %u (%s): monitor started", cfg->domid, cfg->name);
	*ready_fd = p[0];
	rc = XC_OK;
out:
	argv_free(argv);
	argv_free(envp);
	return rc;
}

static void remove_dir_of_dead(xc_interface *xc, uint32_t domid, bool dead);

int
xc_domain_create_finish(xc_interface *xc, uint32_t domid, int ready_fd)
{
	int64_t deadline = xu_mono_ms() + XC_START_TIMEOUT_MS;
	struct xu_buf b;
	int64_t code;
	char *sp, *end;
	int rc, r;

	xcp_clear_error(xc);
	xu_buf_init(&b);
	for (;;) {
		int left = (int)(deadline - xu_mono_ms());

		if (left <= 0) {
			rc = xcp_fail(xc, XC_ERR_TIMEOUT, "domain %u: the monitor did not report "
			    "within %d s", domid, XC_START_TIMEOUT_MS / 1000);
			goto out;
		}
		r = xcp_read_some(ready_fd, &b, left);
		if (r == -1)
			break;
		if (r == -2) {
			rc = xcp_fail(xc, XC_ERR_IO, "domain %u: reading the monitor's report: %s",
			    domid, strerror(errno));
			goto out;
		}
		if (b.len > 16384)
			break;
	}
	if (b.len >= 3 && strncmp(b.data, "ok ", 3) == 0) {
		xcp_log(xc, XC_LOG_INFO, "domain %u is up (monitor pid %ld)", domid,
		    strtol(b.data + 3, NULL, 10));
		rc = XC_OK;
		goto out;
	}
	if (b.len > 6 && strncmp(b.data, "error ", 6) == 0) {
		code = strtoll(b.data + 6, &end, 10);
		sp = *end == ' ' ? end + 1 : end;
		rc = xcp_fail(xc, xcp_rc_from_xhp(code), "%s", sp);
		goto out;
	}
	rc = xcp_fail(xc, XC_ERR_START, "domain %u: the monitor exited without reporting "
	    "(see %s/var/log/xen/xenhv-<name>.log)", domid, xc->root);
	/* killed outright: nobody else removes what it left */
	remove_dir_of_dead(xc, domid, true);
out:
	xu_buf_dispose(&b);
	close(ready_fd);
	return rc;
}

int
xc_domain_create(xc_interface *xc, const struct xc_domain_config *cfg)
{
	int rc, fd;

	rc = xc_domain_create_start(xc, cfg, &fd);
	if (rc != XC_OK)
		return rc;
	return xc_domain_create_finish(xc, cfg->domid, fd);
}

/* ---- information -------------------------------------------------- */

/* "blockstats": [{"id", "rd_ops", "wr_ops", "rd_bytes", "wr_bytes"}...],
 * optional; entries beyond XC_MAX_BLOCKSTATS or malformed are skipped. */
static void
decode_blockstats(yajl_val b, struct xc_dominfo *info)
{
	const char *path[] = { "blockstats", NULL };
	yajl_val arr = yajl_tree_get(b, path, yajl_t_array);
	size_t i;

	if (arr == NULL)
		return;
	for (i = 0; i < arr->u.array.len && info->nblockstats < XC_MAX_BLOCKSTATS; i++) {
		struct xc_blockstat *s = &info->blockstats[info->nblockstats];
		yajl_val e = arr->u.array.values[i];
		const char *id;

		if (!YAJL_IS_OBJECT(e) || !xhp_get_str(e, "id", &id) ||
		    strlen(id) >= sizeof(s->id) ||
		    !xhp_get_uint(e, "rd_ops", &s->rd_ops) ||
		    !xhp_get_uint(e, "wr_ops", &s->wr_ops) ||
		    !xhp_get_uint(e, "rd_bytes", &s->rd_bytes) ||
		    !xhp_get_uint(e, "wr_bytes", &s->wr_bytes))
			continue;
		snprintf(s->id, sizeof(s->id), "%s", id);
		info->nblockstats++;
	}
}

/* "vcpu_tids": [tid, ...], optional; entries beyond XC_MAX_VCPU_TIDS are
 * dropped, and all of them if one is not a thread id. */
static void
decode_vcpu_tids(yajl_val b, struct xc_dominfo *info)
{
	const char *path[] = { "vcpu_tids", NULL };
	yajl_val arr = yajl_tree_get(b, path, yajl_t_array);
	size_t i;

	if (arr == NULL)
		return;
	for (i = 0; i < arr->u.array.len && i < XC_MAX_VCPU_TIDS; i++) {
		yajl_val e = arr->u.array.values[i];

		if (!YAJL_IS_INTEGER(e) || YAJL_GET_INTEGER(e) < 0 ||
		    YAJL_GET_INTEGER(e) > INT32_MAX) {
			info->n_vcpu_tids = 0;
			return;
		}
		info->vcpu_tids[i] = (pid_t)YAJL_GET_INTEGER(e);
	}
	info->n_vcpu_tids = (unsigned)i;
}

static int
decode_info(xc_interface *xc, uint32_t domid, yajl_val b, struct xc_dominfo *info)
{
	const char *name, *uuid, *state, *reason;
	uint64_t id, cpu, vo, mv, mem, maxmem;
	int64_t mpid, epid;
	bool blocked;
	double start;
	int st, re;

	if (!xhp_get_uint(b, "domid", &id) || !xhp_get_str(b, "name", &name) ||
	    !xhp_get_str(b, "uuid", &uuid) || !xhp_get_str(b, "state", &state) ||
	    !xhp_get_str(b, "reason", &reason) || !xhp_get_bool(b, "blocked", &blocked) ||
	    !xhp_get_uint(b, "cpu_time_ns", &cpu) || !xhp_get_double(b, "start_time", &start) ||
	    !xhp_get_uint(b, "vcpus_online", &vo) || !xhp_get_uint(b, "maxvcpus", &mv) ||
	    !xhp_get_uint(b, "memory_mb", &mem) || !xhp_get_uint(b, "maxmem_mb", &maxmem) ||
	    !xhp_get_int(b, "monitor_pid", &mpid) || !xhp_get_int(b, "engine_pid", &epid))
		return xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: incomplete information from "
		    "its monitor", domid);
	if ((st = xhp_state_from_name(state)) < 0 || (re = xhp_reason_from_name(reason)) < 0)
		return xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: unknown state '%.32s' (%.32s)",
		    domid, state, reason);
	if (id != domid || vo > UINT32_MAX || mv > UINT32_MAX || mpid < 0 ||
	    mpid > INT32_MAX || epid < 0 || epid > INT32_MAX)
		return xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: its monitor sent values out "
		    "of range", domid);
	memset(info, 0, sizeof(*info));
	info->domid = domid;
	snprintf(info->name, sizeof(info->name), "%s", name);
	snprintf(info->uuid, sizeof(info->uuid), "%s", uuid);
	info->state = (enum xc_dom_state)st;
	info->shutdown_reason = (enum xc_shutdown_reason)re;
	info->blocked = blocked;
	info->cpu_time_ns = cpu;
	info->start_time = start;
	info->vcpus_online = (unsigned)vo;
	info->maxvcpus = (unsigned)mv;
	info->memory_mb = mem;
	info->maxmem_mb = maxmem;
	info->monitor_pid = (int)mpid;
	info->engine_pid = (int)epid;
	/* optional: older monitors do not send them */
	if (xhp_get_uint(b, "memory_actual_mb", &mem))
		info->memory_actual_mb = mem;
	if (xhp_get_uint(b, "boot_mem_mb", &mem))
		info->boot_mem_mb = mem;
	if (xhp_get_uint(b, "cpu_weight", &cpu) && cpu <= UINT32_MAX)
		info->cpu_weight = (unsigned)cpu;
	if (xhp_get_uint(b, "cpu_cap", &cpu) && cpu <= UINT32_MAX)
		info->cpu_cap = (unsigned)cpu;
	if (xhp_get_str(b, "cgroup", &name))
		snprintf(info->cgroup, sizeof(info->cgroup), "%s", name);
	info->mig_downtime_ms = -1;
	if (xhp_get_uint(b, "mig_bytes", &mem))
		info->mig_bytes = mem;
	if (xhp_get_uint(b, "mig_total", &mem))
		info->mig_total = mem;
	(void)xhp_get_int(b, "mig_downtime_ms", &info->mig_downtime_ms);
	decode_blockstats(b, info);
	decode_vcpu_tids(b, info);
	return XC_OK;
}

int
xc_domain_getinfo(xc_interface *xc, uint32_t domid, struct xc_dominfo *info)
{
	struct xhp_msg reply;
	struct xcp_conn c;
	int rc;

	xcp_clear_error(xc);
	rc = xcp_conn_open(xc, domid, &c);
	if (rc != XC_OK)
		return rc;
	rc = xcp_conn_call(xc, &c, xcp_conn_begin(&c, XHP_REQ_GETINFO), &reply,
	    XC_REQUEST_TIMEOUT_MS);
	if (rc == XC_OK) {
		rc = decode_info(xc, domid, reply.body, info);
		xhp_msg_dispose(&reply);
	}
	xcp_conn_close(&c);
	return rc;
}

/* A monitor killed outright leaves its run directory. It is stale when
 * nobody holds its lock and either its control socket exists (a monitor
 * still starting has none yet) or the monitor is known to have died
 * (dead: it closed its ready pipe without a report). */
static bool wait_gone(int pid);

/* Takes a monitor's lock (fd), which only a dead monitor has let go. One
 * killed outright may still be exiting, its socket closed before its
 * lock: the pid the lock names is waited for (2 s at most) before the
 * lock is asked for again. */
static bool
lock_of_dead(int fd)
{
	char pid[24];
	ssize_t r;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return true;
	r = pread(fd, pid, sizeof(pid) - 1, 0);
	pid[r > 0 ? r : 0] = '\0';
	if (!wait_gone(atoi(pid)))
		return false;
	for (int i = 0; i < 100; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return true;
		usleep(10000);
	}
	return false;
}

/* Whether domid's monitor is dead: its lock is free (or frees once the
 * process it names has exited). */
static bool
monitor_dead(xc_interface *xc, uint32_t domid)
{
	char *lock = xcp_dompath(xc, domid, "lock");
	int fd = open(lock, O_RDWR | O_CLOEXEC);
	bool dead = fd >= 0 && lock_of_dead(fd);

	if (fd >= 0)
		close(fd);
	free(lock);
	return dead;
}

static void
remove_dir_of_dead(xc_interface *xc, uint32_t domid, bool dead)
{
	char *ctl = xcp_dompath(xc, domid, "ctl.sock");
	char *con = xcp_dompath(xc, domid, "console.sock");
	char *lock = xcp_dompath(xc, domid, "lock");
	char *dir = xcp_dompath(xc, domid, NULL), *qroot;
	struct stat st;
	int fd = -1;

	if (!dead && stat(ctl, &st) < 0)
		goto out;
	fd = open(lock, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && !lock_of_dead(fd))
		goto out;
	xcp_log(xc, XC_LOG_WARNING, "domain %u: removing the run directory of a dead "
	    "monitor", domid);
	unlink(ctl);
	unlink(con);
	unlink(lock);
	/* and the root its QEMU was confined to (hypervisor/jail.c) */
	qroot = xcp_dompath(xc, domid, "qemu");
	(void)xu_rm_tree(qroot);
	free(qroot);
	rmdir(dir);
out:
	if (fd >= 0)
		close(fd);
	free(ctl);
	free(con);
	free(lock);
	free(dir);
}

static void
remove_stale(xc_interface *xc, uint32_t domid)
{
	remove_dir_of_dead(xc, domid, false);
}

static int
cmp_info(const void *a, const void *b)
{
	const struct xc_dominfo *x = a, *y = b;

	return x->domid < y->domid ? -1 : x->domid > y->domid;
}

int
xc_domain_list(xc_interface *xc, struct xc_dominfo **list, size_t *n)
{
	char *dir = xcp_rundir(xc), *end;
	struct xc_dominfo *v = NULL, info;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	unsigned long id;
	DIR *d;
	int rc;

	*list = NULL;
	*n = 0;
	d = opendir(dir);
	if (d == NULL) {
		rc = errno == ENOENT ? XC_OK :
		    xcp_fail(xc, XC_ERR_IO, "cannot read %s: %s", dir, strerror(errno));
		free(dir);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		errno = 0;
		id = strtoul(de->d_name, &end, 10);
		if (*end != '\0' || errno != 0 || id > UINT32_MAX)
			continue;
		rc = xc_domain_getinfo(xc, (uint32_t)id, &info);
		if (rc == XC_ERR_NO_DOMAIN) {
			remove_stale(xc, (uint32_t)id);
			continue;
		}
		if (rc != XC_OK) {
			xcp_log(xc, XC_LOG_WARNING, "domain %lu skipped: %s", id,
			    xc_last_error(xc));
			continue;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			v = xu_realloc(v, cap * sizeof(*v));
		}
		v[cnt++] = info;
	}
	closedir(d);
	free(dir);
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), cmp_info);
	xcp_clear_error(xc);
	*list = v;
	*n = cnt;
	return XC_OK;
}

/* ---- control ------------------------------------------------------ */

int
xc_domain_pause(xc_interface *xc, uint32_t domid)
{
	return xcp_simple_request(xc, domid, XHP_REQ_PAUSE);
}

int
xc_domain_unpause(xc_interface *xc, uint32_t domid)
{
	return xcp_simple_request(xc, domid, XHP_REQ_UNPAUSE);
}

int
xc_domain_reset(xc_interface *xc, uint32_t domid)
{
	return xcp_simple_request(xc, domid, XHP_REQ_RESET);
}

/* A request carrying one string argument, its reply awaited at most
 * timeout_ms. */
static int
string_request(xc_interface *xc, uint32_t domid, const char *req,
    const char *key, const char *val, int timeout_ms)
{
	struct xcp_conn c;
	struct xhp_msg reply;
	yajl_gen g;
	int rc;

	rc = xcp_conn_open(xc, domid, &c);
	if (rc != XC_OK)
		return rc;
	g = xcp_conn_begin(&c, req);
	xhp_put_str(g, key, val);
	rc = xcp_conn_call(xc, &c, g, &reply, timeout_ms);
	if (rc == XC_OK)
		xhp_msg_dispose(&reply);
	xcp_conn_close(&c);
	return rc;
}

int
xc_domain_shutdown(xc_interface *xc, uint32_t domid, enum xc_shutdown_reason reason)
{
	const char *name = xhp_reason_name((int)reason);

	xcp_clear_error(xc);
	if (name == NULL)
		return xcp_fail(xc, XC_ERR_INVALID, "domain %u: unknown shutdown reason %d",
		    domid, (int)reason);
	return string_request(xc, domid, XHP_REQ_SHUTDOWN, "reason", name,
	    XC_REQUEST_TIMEOUT_MS);
}

int
xc_domain_sysrq(xc_interface *xc, uint32_t domid, char key)
{
	char k[2] = { key, '\0' };

	xcp_clear_error(xc);
	return string_request(xc, domid, XHP_REQ_SYSRQ, "key", k,
	    XC_REQUEST_TIMEOUT_MS);
}

int
xc_domain_trigger(xc_interface *xc, uint32_t domid, const char *name)
{
	xcp_clear_error(xc);
	return string_request(xc, domid, XHP_REQ_TRIGGER, "name", name,
	    XC_REQUEST_TIMEOUT_MS);
}

int
xc_domain_dump(xc_interface *xc, uint32_t domid, const char *path)
{
	xcp_clear_error(xc);
	/* QEMU writes the whole memory before it answers */
	return string_request(xc, domid, XHP_REQ_DUMP, "path", path,
	    XC_DUMP_TIMEOUT_MS);
}

/* After the connection closes the monitor is exiting; wait until the
 * process is really gone (or a zombie, which holds nothing): true once it
 * is, false if it still runs after 2 s. */
static bool
wait_gone(int pid)
{
	char path[64], buf[256], *p;
	int i, fd;
	ssize_t r;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 200; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return true;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			return true;
		buf[r] = '\0';
		p = strrchr(buf, ')');
		if (p == NULL || p[1] == '\0' || p[2] == 'Z' || p[2] == 'X')
			return true;
		usleep(10000);
	}
	return false;
}

int
xc_domain_destroy(xc_interface *xc, uint32_t domid)
{
	struct xhp_msg reply;
	struct xcp_conn c;
	int rc;

	xcp_clear_error(xc);
	rc = xcp_conn_open(xc, domid, &c);
	if (rc == XC_ERR_NO_DOMAIN)
		remove_stale(xc, domid);
	if (rc != XC_OK && rc != XC_ERR_NO_DOMAIN && monitor_dead(xc, domid)) {
		/* it died as we said hello (killed, or ending anyway): its
		 * QEMU went with it, which is what was asked */
		xcp_log(xc, XC_LOG_INFO, "domain %u: its monitor died as it was "
		    "destroyed", domid);
		remove_stale(xc, domid);
		return XC_ERR_NO_DOMAIN;
	}
	if (rc != XC_OK)
		return rc;
	rc = xcp_conn_call(xc, &c, xcp_conn_begin(&c, XHP_REQ_DESTROY), &reply,
	    XC_REQUEST_TIMEOUT_MS);
	if (rc == XC_OK) {
		xhp_msg_dispose(&reply);
		rc = xcp_conn_wait_eof(xc, &c, XC_REQUEST_TIMEOUT_MS);
	}
	if (rc == XC_OK) {
		(void)wait_gone(c.monitor_pid);
		xcp_log(xc, XC_LOG_INFO, "domain %u destroyed", domid);
	} else if (monitor_dead(xc, domid)) {
		/* the monitor died under the request (killed, or it was ending
		 * anyway): its QEMU went with it, which is what was asked */
		xcp_log(xc, XC_LOG_INFO, "domain %u: its monitor died as it was "
		    "destroyed", domid);
		xcp_conn_close(&c);
		remove_stale(xc, domid);
		return XC_ERR_NO_DOMAIN;
	}
	xcp_conn_close(&c);
	return rc;
}

int
xc_domain_console_path(xc_interface *xc, uint32_t domid, char *path, size_t len)
{
	struct xcp_conn c;
	char *p;
	int rc;

	xcp_clear_error(xc);
	rc = xcp_conn_open(xc, domid, &c);
	if (rc != XC_OK)
		return rc;
	xcp_conn_close(&c);
	p = xcp_dompath(xc, domid, "console.sock");
	if (strlen(p) >= len)
		rc = xcp_fail(xc, XC_ERR_INVALID, "console path %s does not fit", p);
	else
		strcpy(path, p);
	free(p);
	return rc;
}

int
xc_domain_console_read(xc_interface *xc, uint32_t domid, char **data, size_t *len)
{
	struct xhp_msg reply;
	struct xcp_conn c;
	const char *b64;
	uint64_t n;
	int rc;

	xcp_clear_error(xc);
	*data = NULL;
	*len = 0;
	rc = xcp_conn_open(xc, domid, &c);
	if (rc != XC_OK)
		return rc;
	rc = xcp_conn_call(xc, &c, xcp_conn_begin(&c, XHP_REQ_CONSOLE_READ),
	    &reply, XC_REQUEST_TIMEOUT_MS);
	if (rc != XC_OK)
		goto out;
	if (!xhp_get_str(reply.body, "data", &b64) || !xhp_get_uint(reply.body, "len", &n) ||
	    !xhp_b64_decode(b64, strlen(b64), data, len) || *len != n) {
		free(*data);
		*data = NULL;
		*len = 0;
		rc = xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: malformed console data from "
		    "its monitor", domid);
	}
	xhp_msg_dispose(&reply);
out:
	xcp_conn_close(&c);
	return rc;
}

void
xc_dominfo_letters(const struct xc_dominfo *i, char out[7])
{
	strcpy(out, "------");
	switch (i->state) {
	case XC_DOM_RUNNING:
		out[i->blocked ? 1 : 0] = i->blocked ? 'b' : 'r';
		break;
	case XC_DOM_PAUSED:
		out[2] = 'p';
		break;
	case XC_DOM_SHUTDOWN:
		out[3] = 's';
		break;
	case XC_DOM_CRASHED:
		out[4] = 'c';
		break;
	case XC_DOM_DYING:
		out[5] = 'd';
		break;
	}
}
