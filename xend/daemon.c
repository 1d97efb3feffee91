/* daemon.c: `xend start|stop|restart|status|reload`: the pid file (locked
 * for the daemon's life, so "running" never depends on a stale file),
 * daemonising with a start-up report back to the caller, and the event
 * loop with its signals. Exiting never touches a domain: they belong to
 * their xenhv monitors. */
#include "daemon.h"
#include "events.h"
#include "loopwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "accel.h"
#include "device.h"
#include "domain-lock.h"
#include "domain.h"
#include "http-server.h"
#include "inert-options.h"
#include "log.h"
#include "methods.h"
#include "relocation.h"
#include "rpc-server.h"
#include "store.h"
#include "xend-options.h"
#include "xenstore.h"
#include "xs-server.h"

#define PID_FILE	XEN_RUNSTATEDIR "/xend.pid"

/* Start-up report from the daemon to the `xend start` that forked it:
 * one message, "+" when serving, "-" and the reason otherwise. */
struct notify {
	int fd;			/* -1 in the foreground: print instead */
};

static void
notify_fail(struct notify *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
notify_send(struct notify *n, const char *msg)
{
	size_t len = strlen(msg), off = 0;
	ssize_t r;

	while (off < len) {
		r = write(n->fd, msg + off, len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	close(n->fd);
	n->fd = -1;
}

static void
notify_fail(struct notify *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xu_vasprintf(fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	if (n->fd >= 0) {
		char *m = xu_asprintf("-%s", msg);

		notify_send(n, m);
		free(m);
	} else if (log_path() == NULL) {
		/* not yet echoed by the log */
		fprintf(stderr, "%s\n", msg);
	}
	free(msg);
}

static char *
rooted(const char *root, const char *abs)
{
	return xu_asprintf("%s%s", root, abs);
}

/* Takes the pid file's lock for this process; -1 with *holder set when
 * another xend has it. The fd stays open (and locked) until exit. */
static int
pidfile_lock(const char *path, pid_t *holder)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd;

	*holder = 0;
	if (xu_mkdir_of(path, 0755) != 0)
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return -1;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		int e = errno;

		close(fd);
		if (e == EAGAIN || e == EACCES)
			*holder = xu_pidfile_holder(path);
		errno = e;
		return -1;
	}
	return fd;
}

static int
pidfile_write(int fd)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		return -1;
	return 0;
}

/* Options and paths. */

static void
log_diags(const struct xend_diags *d)
{
	char *line;
	size_t i;

	for (i = 0; i < d->n; i++) {
		line = xend_diag_format(d, i);
		if (d->items[i].level == XEND_DIAG_NOTE)
			log_info("%s", line);
		else
			log_warn("%s", line);
		free(line);
	}
}

static void
print_diags(const struct xend_diags *d)
{
	char *line;
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->items[i].level == XEND_DIAG_NOTE)
			continue;
		line = xend_diag_format(d, i);
		fprintf(stderr, "%s\n", line);
		free(line);
	}
}

static void
xend_dispose(struct xend *x)
{
	http_server_free(x->http);
	rpc_server_free(x->rpc);
	relocation_free(x->reloc);
	domains_free(x->domains);
	network_free(x);
	xs_server_free(x->xs_server);
	xenstore_free(x->xs);
	accel_free(x->accel);
	dlock_free(x->dlock);
	if (x->xc != NULL)
		xc_interface_close(x->xc);
	events_free(x);
	store_close(x->store);
	if (x->base != NULL)
		event_base_free(x->base);
	xend_options_free(x->opts);
	free(x->root);
	free(x->pid_path);
	free(x->sock_path);
	free(x->db_path);
	free(x->xs_sock_path);
	memset(x, 0, sizeof(*x));
}

/* The loop's signals. */

static void
stop_now(void *arg)
{
	struct xend *x = arg;

	event_base_loopbreak(x->base);
}

/* The managed domains' on_xend_stop first (a second signal does not
 * wait for it), then the loop ends; every other domain runs on. */
static void
on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct xend *x = arg;

	x->stop_signal = (int)sig;
	if (x->stopping) {
		event_base_loopbreak(x->base);
		return;
	}
	x->stopping = true;
	domains_xend_stopping(x->domains, stop_now, x);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct xu_err err = { 0 };

	if (log_reopen(&err) != XU_OK)
		log_error("%s", err.msg);
	else
		log_info("log reopened");
}

/* Detaches from the caller's terminal or pipes for good: from now on the
 * daemon's words go to the log. */
static void
detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	(void)dup2(fd, 0);
	(void)dup2(fd, 1);
	(void)dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/* QEMU's uids (qemu-user-range-base) must be nobody else's: an account
 * among them in /etc/passwd (local accounts only: no directory lookups
 * at start) is named once in the log. */
static void
qemu_range_warn(struct xend *x)
{
	int64_t base = xend_opt_int(x->opts, "qemu-user-range-base");
	struct passwd *pw;
	FILE *f;

	if (base <= 0 || (f = fopen("/etc/passwd", "re")) == NULL)
		return;
	while ((pw = fgetpwent(f)) != NULL)
		if ((int64_t)pw->pw_uid >= base && (int64_t)pw->pw_uid < base + 65536) {
			log_warn("qemu-user-range-base %lld: uid %u belongs to account "
			    "'%s': QEMU processes would share its ids",
			    (long long)base, (unsigned)pw->pw_uid, pw->pw_name);
			break;
		}
	fclose(f);
}

static int
open_log(struct xend *x, bool foreground, struct notify *n)
{
	const char *path = xend_opt_str(x->opts, "logfile");
	const char *lvl = xend_opt_str(x->opts, "loglevel");
	struct xu_err err = { 0 };
	int level = lvl ? log_level_parse(lvl) : LOG_LVL_DEBUG;

	if (path == NULL || *path == '\0') {
		notify_fail(n, "xend: no logfile configured");
		return -1;
	}
	if (xu_mkdir_of(path, 0755) != 0 || log_open(path,
	    level < 0 ? LOG_LVL_DEBUG : (enum log_level)level, &err) != XU_OK) {
		notify_fail(n, "xend: %s", err.msg[0] ? err.msg : strerror(errno));
		return -1;
	}
	log_set_stderr(foreground);
	inert_options_warn(x->opts);
	qemu_range_warn(x);
	return 0;
}

/* Domain-0's own nodes, as classic xend wrote them. */
static void
xenstore_dom0(struct xend *x)
{
	static const char *const dom0[][2] = {
		{ "/local/domain/0/name", "Domain-0" },
		{ "/local/domain/0/domid", "0" },
		{ "/local/domain/0/vm", "/vm/00000000-0000-0000-0000-000000000000" },
	};
	size_t i;

	if (store_begin(x->store) != XU_OK)
		return;
	for (i = 0; i < sizeof(dom0) / sizeof(dom0[0]); i++)
		(void)xenstore_write_str(x->xs, dom0[i][0], dom0[i][1]);
	(void)xenstore_mkdir(x->xs, &xs_dom0, NULL, "/local/domain/0/backend");
	(void)xenstore_mkdir(x->xs, &xs_dom0, NULL, "/vm");
	if (store_commit(x->store) != XU_OK)
		log_error("xenstore: cannot write Domain-0's nodes: %s",
		    store_errmsg(x->store));
}

/* The xenstore on Xen's socket: before the domains, whose devices live
 * in it. */
static int
start_xenstore(struct xend *x, struct notify *n)
{
	struct xu_err err = { 0 };

	x->xs = xenstore_new(x->store);
	xenstore_dom0(x);
	x->xs_server = xs_server_new(x->base, x->xs);
	if (geteuid() != 0)
		xs_server_allow_uid(x->xs_server, geteuid());
	x->xs_sock_path = xend_opts_rooted(x->opts, XS_SOCKET_PATH);
	if (xs_server_listen(x->xs_server, x->xs_sock_path, &err) != XU_OK) {
		notify_fail(n, "xend: xenstore: %s", err.msg);
		return -1;
	}
	log_info("xenstore listening on %s", x->xs_sock_path);
	return 0;
}

static int
start_services(struct xend *x, struct notify *n)
{
	struct xu_err err = { 0 };

	if (xu_mkdir_of(x->db_path, 0755) != 0 ||
	    store_open(&x->store, x->db_path, &err) != XU_OK) {
		notify_fail(n, "xend: cannot open the state store: %s",
		    err.msg[0] ? err.msg : strerror(errno));
		return -1;
	}
	if ((x->base = event_base_new()) == NULL) {
		notify_fail(n, "xend: cannot create the event loop");
		return -1;
	}
	events_init(x);
	if (start_xenstore(x, n) != 0)
		return -1;
	x->xc = xc_interface_open(x->root, getenv("XEND_XENHV"), log_xc_logger());
	if (x->xc == NULL) {
		notify_fail(n, "xend: cannot open libxc");
		return -1;
	}
	x->rpc = rpc_server_new(x->base, xend_methods, xend_nmethods, x);
	if (x->rpc == NULL) {
		notify_fail(n, "xend: cannot create the XML-RPC server");
		return -1;
	}
	/* an unprivileged test xend serves its own user too */
	if (geteuid() != 0)
		rpc_server_allow_uid(x->rpc, geteuid());
	if (rpc_server_listen_unix(x->rpc, x->sock_path, &err) != XU_OK) {
		notify_fail(n, "xend: %s", err.msg);
		return -1;
	}
	log_info("XML-RPC server listening on %s", x->sock_path);
	x->accel = accel_new(x->base, x->xc, xend_opt_str(x->opts, "accel"));
	/* domains start once this host is in the lock space (on_xend_start's
	 * too): they wait for it as they wait for the accelerator */
	x->dlock = dlock_new(x->base, x->opts);
	/* the bridge before any vif needs it: domains wait for it */
	network_start(x);
	/* before the loop serves anyone: the record reconciled with the
	 * monitors that run (domain-adopt.c), then what devices of gone
	 * instances left behind */
	x->domains = domains_new(x);
	devices_reconcile(x);
	rpc_server_set_lookup(x->rpc, domains_lookup_hook, x->domains);
	/* after re-adoption: the migration records name domains */
	if (relocation_start(x, &x->reloc, &err) != XU_OK) {
		notify_fail(n, "xend: %s", err.msg);
		return -1;
	}
	relocation_reconcile(x->reloc);
	if (http_server_start(x, &x->http, &err) != XU_OK) {
		notify_fail(n, "xend: %s", err.msg);
		return -1;
	}
	domains_xend_started(x->domains);
	return 0;
}

static void
run_loop(struct xend *x)
{
	struct event *ev[3];
	int sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	size_t i;

	for (i = 0; i < 3; i++) {
		ev[i] = evsignal_new(x->base, sigs[i],
		    sigs[i] == SIGHUP ? on_hup : on_stop_signal, x);
		event_add(ev[i], NULL);
	}
	loopwatch_start(x->base);
	event_base_dispatch(x->base);
	loopwatch_stop();
	for (i = 0; i < 3; i++)
		event_free(ev[i]);
}

/* A line in the store's event log about xend itself. */
static void
host_event(struct xend *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
host_event(struct xend *x, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xu_vasprintf(fmt, ap);
	va_end(ap);
	if (store_event_add(x->store, NULL, -1, text) != XU_OK)
		log_error("%s", store_errmsg(x->store));
	free(text);
}

/* The daemon proper, in the process that will serve. */
static int
serve(struct xend *x, struct xend_diags *diags, bool foreground, int notify_fd)
{
	struct notify n = { notify_fd };
	pid_t holder;
	int pidfd, rc = 1;

	umask(022);
	signal(SIGPIPE, SIG_IGN);
	if ((pidfd = pidfile_lock(x->pid_path, &holder)) < 0) {
		if (holder > 0)
			notify_fail(&n, "xend is already running (pid %ld)",
			    (long)holder);
		else
			notify_fail(&n, "xend: cannot lock %s: %s", x->pid_path,
			    strerror(errno));
		return 1;
	}
	if (open_log(x, foreground, &n) != 0)
		goto out;
	/* before any child (the accelerator probe) can inherit the caller's
	 * terminal or pipes; failures from here go to the log and the
	 * start-up report */
	if (!foreground) {
		if (chdir("/") != 0)
			log_warn("chdir /: %s", strerror(errno));
		detach_stdio();
	}
	x->started = time(NULL);
	log_info("Xend Daemon started (pid %ld)", (long)getpid());
	if (*x->root)
		log_info("root prefix %s", x->root);
	log_diags(diags);
	if (start_services(x, &n) != 0)
		goto out;
	if (pidfile_write(pidfd) != 0) {
		notify_fail(&n, "xend: cannot write %s: %s", x->pid_path,
		    strerror(errno));
		goto out;
	}
	if (!foreground)
		notify_send(&n, "+");
	host_event(x, "xend started (pid %ld)", (long)getpid());
	run_loop(x);
	log_info("Xend Daemon stopped (signal %d)", x->stop_signal);
	host_event(x, "xend stopped (signal %d)", x->stop_signal);
	rc = 0;
out:
	/* the socket goes first: nobody may connect to a dying xend. Its
	 * file stays while domains run on without xend, refusing: xm then
	 * waits for the next xend rather than failing (XM_XEND_WAIT) */
	if (x->rpc != NULL && domains_any_running(x->domains))
		rpc_server_keep_socket(x->rpc);
	http_server_free(x->http);
	x->http = NULL;
	rpc_server_free(x->rpc);
	x->rpc = NULL;
	relocation_free(x->reloc);
	x->reloc = NULL;
	/* subscriptions end; every domain runs on under its monitor */
	domains_free(x->domains);
	x->domains = NULL;
	network_free(x);
	xs_server_free(x->xs_server);
	x->xs_server = NULL;
	unlink(x->pid_path);
	close(pidfd);
	log_close();
	return rc;
}

/* Forks the daemon off: fork, setsid, fork; the caller waits for the
 * daemon's start-up report so `xend start` fails when xend does. */
static int
daemonise(struct xend *x, struct xend_diags *diags)
{
	char buf[1024];
	size_t got = 0;
	ssize_t r;
	int p[2], status;
	pid_t pid;

	fflush(NULL);
	if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		fprintf(stderr, "xend: cannot start: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(p[0]);
		if (setsid() < 0)
			_exit(1);
		if ((pid = fork()) != 0)
			_exit(pid < 0 ? 1 : 0);
		status = serve(x, diags, false, p[1]);
		xend_diags_dispose(diags);
		xend_dispose(x);
		exit(status);
	}
	close(p[1]);
	while (got < sizeof(buf) - 1) {
		r = read(p[0], buf + got, sizeof(buf) - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		/* success is one byte; the pipe itself may stay open in the
		 * daemon's children (the accelerator probe) a while longer */
		if (buf[0] == '+')
			break;
	}
	buf[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got > 0 && buf[0] == '+')
		return 0;
	if (got > 1 && buf[0] == '-')
		fprintf(stderr, "%s\n", buf + 1);
	else
		fprintf(stderr, "xend: the daemon exited during start-up; see %s\n",
		    xend_opt_str(x->opts, "logfile"));
	return 1;
}

static int
load(struct xend *x, const struct xend_cmdline *cl, struct xend_diags *diags)
{
	if (xend_options_load(&x->opts, cl->config, x->root, diags) != XU_OK) {
		print_diags(diags);
		return -1;
	}
	print_diags(diags);
	x->sock_path = xend_opts_rooted(x->opts, XEND_RUN_DIR "/" RPC_SOCKET_NAME);
	x->db_path = xend_opts_rooted(x->opts, STORE_DB_PATH);
	return 0;
}

static int
cmd_start(struct xend *x, const struct xend_cmdline *cl)
{
	struct xend_diags diags;
	pid_t pid;
	int rc = 1;

	xend_diags_init(&diags);
	if ((pid = xu_pidfile_holder(x->pid_path)) > 0) {
		fprintf(stderr, "xend is already running (pid %ld)\n", (long)pid);
		goto out;
	}
	if (load(x, cl, &diags) != 0)
		goto out;
	if (cl->foreground)
		rc = serve(x, &diags, true, -1);
	else
		rc = daemonise(x, &diags);
out:
	xend_diags_dispose(&diags);
	return rc;
}

/* A zombie has finished: its parent (init, or a shell that ran xend -F)
 * just has not reaped it yet. */
static bool
is_zombie(pid_t pid)
{
	char path[64], buf[256], *p;
	size_t len;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return true;
	len = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

/* Stopped: the pid file is released and the process has exited (the
 * daemon releases the file a moment before it is done). */
static bool
gone(pid_t pid, const char *pid_path)
{
	if (xu_pidfile_holder(pid_path) == pid)
		return false;
	return kill(pid, 0) != 0 || is_zombie(pid);
}

static int
cmd_stop(struct xend *x)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	pid_t pid = xu_pidfile_holder(x->pid_path);
	int i;

	if (pid <= 0)
		return 0;
	if (kill(pid, SIGTERM) != 0) {
		fprintf(stderr, "xend: cannot stop pid %ld: %s\n", (long)pid,
		    strerror(errno));
		return 1;
	}
	for (i = 0; i < XEND_STOP_WAIT_SECONDS * 10; i++) {
		if (gone(pid, x->pid_path))
			return 0;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "xend (pid %ld) did not stop within %d seconds\n",
	    (long)pid, XEND_STOP_WAIT_SECONDS);
	return 1;
}

static int
cmd_status(struct xend *x)
{
	pid_t pid = xu_pidfile_holder(x->pid_path);

	if (pid > 0) {
		printf("xend is running (pid %ld)\n", (long)pid);
		return 0;
	}
	printf("xend is not running\n");
	return 3;
}

static int
cmd_reload(struct xend *x)
{
	pid_t pid = xu_pidfile_holder(x->pid_path);

	if (pid <= 0) {
		fprintf(stderr, "xend is not running\n");
		return 7;
	}
	if (kill(pid, SIGHUP) != 0) {
		fprintf(stderr, "xend: cannot signal pid %ld: %s\n", (long)pid,
		    strerror(errno));
		return 1;
	}
	return 0;
}

/* The root prefix made absolute: the daemon changes to "/". */
static int
resolve_root(struct xend *x, const char *root)
{
	char buf[PATH_MAX];

	if (root == NULL || *root == '\0') {
		x->root = xu_strdup("");
		return 0;
	}
	if (realpath(root, buf) == NULL) {
		fprintf(stderr, "xend: --root %s: %s\n", root, strerror(errno));
		return -1;
	}
	x->root = xu_strdup(strcmp(buf, "/") == 0 ? "" : buf);
	return 0;
}

int
xend_daemon_command(const struct xend_cmdline *cl)
{
	struct xend x;
	int rc = 1;

	memset(&x, 0, sizeof(x));
	if (geteuid() != 0 && cl->root == NULL) {
		fprintf(stderr, "Xend must be run as root.\n");
		return 1;
	}
	if (resolve_root(&x, cl->root) != 0)
		goto out;
	x.pid_path = rooted(x.root, PID_FILE);
	if (strcmp(cl->command, "start") == 0)
		rc = cmd_start(&x, cl);
	else if (strcmp(cl->command, "stop") == 0)
		rc = cmd_stop(&x);
	else if (strcmp(cl->command, "restart") == 0)
		rc = cmd_stop(&x) != 0 ? 1 : cmd_start(&x, cl);
	else if (strcmp(cl->command, "status") == 0)
		rc = cmd_status(&x);
	else if (strcmp(cl->command, "reload") == 0)
		rc = cmd_reload(&x);
	else
		fprintf(stderr, "not an option: %s\n", cl->command);
out:
	xend_dispose(&x);
	return rc;
}
