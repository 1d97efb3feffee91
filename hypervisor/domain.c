/* domain.c: the domain's life as the monitor sees it: starting QEMU and
 * reaching its monitor, the state and its event queue, the requests that
 * go to QEMU, and what QEMU's events and exit mean for the domain. */
#include "xenhv.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "xenhv-proto.h"
#include "xu.h"

/* Under TCG on a busy host QEMU can take a while to reach its monitor;
 * past this the start fails rather than hanging the caller. */
#define START_TIMEOUT_S		30

/* ---- state and events -------------------------------------------- */

static void
queue_event(struct xhv_dom *d, char *line, size_t len, uint64_t seq)
{
	struct xhv_event *ev = xu_calloc(1, sizeof(*ev));

	ev->seq = seq;
	ev->line = line;
	ev->len = len;
	if (d->ev_tail != NULL)
		d->ev_tail->next = ev;
	else
		d->ev_head = ev;
	d->ev_tail = ev;
	if (++d->n_events > XHP_EVENTS_MAX) {
		ev = d->ev_head;
		d->ev_head = ev->next;
		xhv_log("event %llu dropped unacknowledged", (unsigned long long)ev->seq);
		free(ev->line);
		free(ev);
		d->n_events--;
	}
	control_broadcast(d->ctl, line, len);
}

void
xhv_set_state(struct xhv_dom *d, enum xc_dom_state state,
    enum xc_shutdown_reason reason, const char *detail)
{
	uint64_t seq;
	yajl_gen g;
	size_t len;
	char *line;

	if (d->state == state && d->reason == reason)
		return;
	d->state = state;
	d->reason = reason;
	xhv_log("domain %u: %s (%s)%s%s", d->cfg.domid, xhp_state_name(state),
	    xhp_reason_name(reason), detail && *detail ? ": " : "", detail ? detail : "");
	seq = d->next_seq++;
	g = xhp_begin(XHP_EVENT, seq, XHP_EV_STATE);
	xhp_put_str(g, "state", xhp_state_name(state));
	xhp_put_str(g, "reason", xhp_reason_name(reason));
	xhp_put_str(g, "detail", detail != NULL ? detail : "");
	xhp_put_double(g, "time", xhv_now());
	line = xhp_end(g, &len);
	queue_event(d, line, len, seq);
}

void
xhv_event_num(struct xhv_dom *d, const char *name, const char *key, uint64_t val)
{
	uint64_t seq = d->next_seq++;
	yajl_gen g;
	size_t len;
	char *line;

	g = xhp_begin(XHP_EVENT, seq, name);
	xhp_put_uint(g, key, val);
	xhp_put_double(g, "time", xhv_now());
	line = xhp_end(g, &len);
	queue_event(d, line, len, seq);
}

void
xhv_ack(struct xhv_dom *d, uint64_t seq)
{
	struct xhv_event *ev;

	while ((ev = d->ev_head) != NULL && ev->seq <= seq) {
		d->ev_head = ev->next;
		free(ev->line);
		free(ev);
		d->n_events--;
	}
	if (d->ev_head == NULL)
		d->ev_tail = NULL;
}

bool
xhv_refresh_cpu(struct xhv_dom *d)
{
	bool running = false;
	uint64_t ns;

	if (d->qemu_pid <= 0 || d->n_vcpu_tids == 0)
		return false;
	ns = xc_threads_cpu_ns(d->qemu_pid, d->vcpu_tids, d->n_vcpu_tids, &running);
	/* Threads that vanish read as zero: CPU time never goes back. */
	if (ns > d->cpu_time_ns)
		d->cpu_time_ns = ns;
	return running;
}

/* ---- requests that go to QEMU ------------------------------------- */

struct op {
	struct xhv_dom *d;
	xhv_done_cb done;
	void *opaque;
	int new_state;		/* -1: leave the state to QEMU's events */
};

static void
op_reply(void *opaque, yajl_val ret, const char *err)
{
	struct op *op = opaque;
	struct xhv_dom *d = op->d;

	if (err != NULL) {
		op->done(op->opaque, XHP_E_ENGINE, err);
	} else {
		/* The reply and QEMU's STOP/RESUME event may come in either
		 * order; the state follows whichever is first. */
		if (op->new_state >= 0 && (d->state == XC_DOM_RUNNING ||
		    d->state == XC_DOM_PAUSED))
			xhv_set_state(d, (enum xc_dom_state)op->new_state, d->reason, "");
		op->done(op->opaque, 0, NULL);
	}
	free(op);
}

void
xhv_qemu_op(struct xhv_dom *d, const char *cmd, const char *args, int new_state,
    xhv_done_cb done, void *opaque)
{
	struct op *op = xu_calloc(1, sizeof(*op));

	op->d = d;
	op->done = done;
	op->opaque = opaque;
	op->new_state = new_state;
	if (qmp_command(d->qmp, cmd, args, op_reply, op, 0) < 0) {
		free(op);
		done(opaque, XHP_E_ENGINE, "QEMU's monitor is not available");
	}
}

bool
xhv_state_allows(struct xhv_dom *d, xhv_done_cb done, void *opaque)
{
	char msg[96];

	if (d->state == XC_DOM_RUNNING || d->state == XC_DOM_PAUSED)
		return true;
	snprintf(msg, sizeof(msg), "domain %u is %s", d->cfg.domid,
	    d->state == XC_DOM_SHUTDOWN ? "shut down" : xhp_state_name(d->state));
	done(opaque, XHP_E_STATE, msg);
	return false;
}

void
xhv_pause(struct xhv_dom *d, xhv_done_cb done, void *opaque)
{
	if (!xhv_state_allows(d, done, opaque))
		return;
	if (d->state == XC_DOM_PAUSED) {
		done(opaque, 0, NULL);
		return;
	}
	xhv_qemu_op(d, "stop", NULL, XC_DOM_PAUSED, done, opaque);
}

void
xhv_unpause(struct xhv_dom *d, xhv_done_cb done, void *opaque)
{
	char msg[600];

	if (!xhv_state_allows(d, done, opaque))
		return;
	if (d->state == XC_DOM_RUNNING) {
		done(opaque, 0, NULL);
		return;
	}
	/* after an outgoing migration, or before an incoming one first runs */
	if (xhv_lease_take(d, msg, sizeof(msg)) < 0) {
		done(opaque, XHP_E_LOCKED, msg);
		return;
	}
	xhv_qemu_op(d, "cont", NULL, XC_DOM_RUNNING, done, opaque);
}

void
xhv_shutdown(struct xhv_dom *d, int reason, xhv_done_cb done, void *opaque)
{
	if (reason != XC_SHUTDOWN_POWEROFF && reason != XC_SHUTDOWN_REBOOT &&
	    reason != XC_SHUTDOWN_HALT) {
		done(opaque, XHP_E_UNSUPPORTED,
		    "only poweroff, reboot and halt can be asked of a guest");
		return;
	}
	if (!xhv_state_allows(d, done, opaque))
		return;
	/* The guest sees a power button either way; what it was pressed for
	 * is reported when it powers off. */
	d->requested_reason = reason;
	xhv_qemu_op(d, "system_powerdown", NULL, -1, done, opaque);
}

void
xhv_reset(struct xhv_dom *d, xhv_done_cb done, void *opaque)
{
	if (!xhv_state_allows(d, done, opaque))
		return;
	xhv_qemu_op(d, "system_reset", NULL, -1, done, opaque);
}

/* ---- sysrq and triggers -------------------------------------------- */

struct sysrq_op {
	struct xhv_dom *d;
	char key;
	xhv_done_cb done;
	void *opaque;
};

static void
sysrq_break_sent(void *opaque, yajl_val ret, const char *err)
{
	struct sysrq_op *op = opaque;

	(void)ret;
	if (err != NULL)
		op->done(op->opaque, XHP_E_ENGINE, err);
	else if (!console_type(op->d->con, &op->key, 1))
		op->done(op->opaque, XHP_E_ENGINE, "the guest's serial line is gone");
	else
		op->done(op->opaque, 0, NULL);
	free(op);
}

void
xhv_sysrq(struct xhv_dom *d, char key, xhv_done_cb done, void *opaque)
{
	struct sysrq_op *op;

	if (!((key >= 'a' && key <= 'z') || (key >= '0' && key <= '9'))) {
		done(opaque, XHP_E_BAD_REQUEST, "a sysrq key is a letter or a digit");
		return;
	}
	if (!xhv_state_allows(d, done, opaque))
		return;
	/* Linux takes a break on its serial console, then a key within 5 s,
	 * as the SysRq combination: the guest's console is that line. */
	op = xu_calloc(1, sizeof(*op));
	op->d = d;
	op->key = key;
	op->done = done;
	op->opaque = opaque;
	if (qmp_command(d->qmp, "chardev-send-break", "{\"id\":\"console0\"}",
	    sysrq_break_sent, op, 0) < 0) {
		free(op);
		done(opaque, XHP_E_ENGINE, "QEMU's monitor is not available");
	}
}

void
xhv_trigger(struct xhv_dom *d, const char *name, xhv_done_cb done,
    void *opaque)
{
	static const struct {
		const char *name, *qmp;
	} triggers[] = {
		{ "power", "system_powerdown" },
		{ "reset", "system_reset" },
		{ "nmi", "inject-nmi" },
		{ "s3resume", "system_wakeup" },
	};
	size_t i;

	for (i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++)
		if (strcmp(triggers[i].name, name) == 0)
			break;
	if (i == sizeof(triggers) / sizeof(triggers[0])) {
		done(opaque, XHP_E_UNSUPPORTED, strcmp(name, "init") == 0 ?
		    "QEMU cannot send an INIT to a vCPU: use reset" :
		    "unknown trigger (power, reset, nmi, s3resume)");
		return;
	}
	if (!xhv_state_allows(d, done, opaque))
		return;
	if (i == 0)
		d->requested_reason = XC_SHUTDOWN_POWEROFF;
	xhv_qemu_op(d, triggers[i].qmp, NULL, -1, done, opaque);
}

struct dump_op {
	struct xhv_dom *d;
	xhv_done_cb done;
	void *opaque;
	char *path;
};

/* The file is QEMU's (name: "fd:NAME" or "file:PATH"): the dump goes. */
static void
dump_go(void *opaque, const char *name, const char *err)
{
	struct dump_op *op = opaque;
	yajl_gen g;
	const unsigned char *buf;
	size_t len;
	char *args, *proto, *msg;

	if (err != NULL) {
		msg = xu_asprintf("dump to %s: %s", op->path, err);
		op->done(op->opaque, XHP_E_ENGINE, msg);
		free(msg);
		goto out;
	}
	proto = op->d->jail != NULL ? xu_asprintf("fd:%s", name) :
	    xu_asprintf("file:%s", name);
	g = yajl_gen_alloc(NULL);
	yajl_gen_map_open(g);
	xhp_put_bool(g, "paging", false);
	xhp_put_str(g, "protocol", proto);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	args = xu_strndup((const char *)buf, len);
	yajl_gen_free(g);
	free(proto);
	xhv_log("dumping the guest's core to %s", op->path);
	xhv_qemu_op(op->d, "dump-guest-memory", args, -1, op->done, op->opaque);
	free(args);
out:
	free(op->path);
	free(op);
}

void
xhv_dump(struct xhv_dom *d, const char *path, xhv_done_cb done, void *opaque)
{
	struct dump_op *op;
	char *msg;
	int fd;

	if (path == NULL || path[0] != '/') {
		done(opaque, XHP_E_BAD_REQUEST, "a dump needs an absolute path");
		return;
	}
	if (d->qmp == NULL || d->qemu_pid <= 0) {
		done(opaque, XHP_E_ENGINE, "QEMU is gone: there is no memory to dump");
		return;
	}
	op = xu_calloc(1, sizeof(*op));
	op->d = d;
	op->done = done;
	op->opaque = opaque;
	op->path = xu_strdup(path);
	if (d->jail == NULL) {
		dump_go(op, path, NULL);
		return;
	}
	/* QEMU's user cannot write there: the file is opened here */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		msg = xu_asprintf("cannot create %s: %s", path, strerror(errno));
		done(opaque, XHP_E_ENGINE, msg);
		free(msg);
		free(op->path);
		free(op);
		return;
	}
	xhv_jail_pass(d, "xenhv-dump", fd, dump_go, op);
}

/* ---- QEMU's events ------------------------------------------------ */

static void
on_shutdown_event(struct xhv_dom *d, yajl_val data)
{
	const char *why = NULL;
	size_t i;

	if (YAJL_IS_OBJECT(data)) {
		for (i = 0; i < data->u.object.len; i++) {
			if (strcmp(data->u.object.keys[i], "reason") == 0)
				why = YAJL_GET_STRING(data->u.object.values[i]);
		}
	}
	if (why == NULL)
		why = "unknown";
	if (d->state == XC_DOM_DYING || d->state == XC_DOM_CRASHED)
		return;
	/* QEMU goes on exiting: take the last CPU reading while it can. */
	xhv_refresh_cpu(d);
	if (strcmp(why, "guest-shutdown") == 0)
		xhv_set_state(d, XC_DOM_SHUTDOWN, d->requested_reason >= 0 ?
		    (enum xc_shutdown_reason)d->requested_reason : XC_SHUTDOWN_POWEROFF,
		    "the guest powered off");
	else if (strcmp(why, "guest-reset") == 0)
		xhv_set_state(d, XC_DOM_SHUTDOWN, XC_SHUTDOWN_REBOOT, "the guest rebooted");
	else if (strcmp(why, "host-qmp-system-reset") == 0)
		xhv_set_state(d, XC_DOM_SHUTDOWN, XC_SHUTDOWN_REBOOT, "reset by request");
	else if (strcmp(why, "guest-panic") == 0)
		xhv_set_state(d, XC_DOM_CRASHED, XC_SHUTDOWN_CRASH, "the guest panicked");
	else if (strcmp(why, "subsystem-reset") == 0 || strcmp(why, "snapshot-load") == 0)
		return;
	else {
		char detail[96];

		snprintf(detail, sizeof(detail), "QEMU stopped (%.60s)", why);
		xhv_set_state(d, XC_DOM_CRASHED, XC_SHUTDOWN_CRASH, detail);
	}
}

static void
on_qmp_event(void *opaque, const char *name, yajl_val data)
{
	struct xhv_dom *d = opaque;

	if (xhv_resources_event(d, name, data) || xhv_mig_event(d, name, data))
		return;
	if (strcmp(name, "SHUTDOWN") == 0) {
		on_shutdown_event(d, data);
	} else if (strcmp(name, "GUEST_PANICKED") == 0) {
		if (d->state != XC_DOM_DYING)
			xhv_set_state(d, XC_DOM_CRASHED, XC_SHUTDOWN_CRASH,
			    "the guest panicked");
	} else if (strcmp(name, "STOP") == 0) {
		if (d->ready && d->state == XC_DOM_RUNNING)
			xhv_set_state(d, XC_DOM_PAUSED, d->reason, "");
	} else if (strcmp(name, "RESUME") == 0) {
		if (d->ready && d->state == XC_DOM_PAUSED)
			xhv_set_state(d, XC_DOM_RUNNING, d->reason, "");
		if (d->announce_pending)
			xhv_announce(d);
		xhv_jail_resumed(d);
	} else if (strcmp(name, "DEVICE_DELETED") == 0) {
		xhv_devices_event(d, data);
	} else {
		xhv_log("QEMU event %.64s", name);
	}
}

static void
on_qmp_closed(void *opaque, const char *why)
{
	struct xhv_dom *d = opaque;

	if (d->qemu_pid <= 0 || d->state == XC_DOM_DYING)
		return;
	/* QEMU normally closes QMP by exiting, which SIGCHLD reports. One
	 * that is alive but broke the protocol cannot be controlled: stop it
	 * so the domain is seen as crashed rather than silently stuck. */
	xhv_log("QMP session ended: %s", why);
	if (strcmp(why, "QEMU closed QMP") != 0)
		kill(d->qemu_pid, SIGKILL);
}

void
xhv_engine_exited(struct xhv_dom *d, int status)
{
	char detail[200], *tail;

	d->qemu_pid = 0;
	console_guest_gone(d->con);
	if (WIFSIGNALED(status))
		snprintf(detail, sizeof(detail), "QEMU was killed by signal %d",
		    WTERMSIG(status));
	else
		snprintf(detail, sizeof(detail), "QEMU exited with status %d",
		    WEXITSTATUS(status));
	if (!d->ready) {
		char *msg;

		tail = qemu_log_tail(d->qemulog_path, 0, 600);
		msg = xu_asprintf("%s%s%s", detail, *tail ? ": " : "", tail);
		free(tail);
		xhv_start_fail(d, XHP_E_START, msg);
	}
	xhv_log("%s", detail);
	if (d->state == XC_DOM_SHUTDOWN || d->state == XC_DOM_CRASHED ||
	    d->state == XC_DOM_DYING)
		return;
	/* QEMU 7.2 corrupts its heap when a hot-plugged vCPU is unplugged
	 * (docs/GUEST.md), and the abort that follows comes at some later
	 * allocation; a guest powering off makes many, so it often comes
	 * then, before QEMU reports the shutdown ("corrupted double-linked
	 * list", signal 6, after xm vcpu-set down then xm reboot). A guest
	 * that was asked to power off or reboot and loses its QEMU that way
	 * is reported as the shutdown asked for, with what happened as the
	 * detail: on_reboot / on_poweroff apply, as the admin wanted and as
	 * the reboot that clears QEMU's state needs, rather than on_crash,
	 * which lost the domain to QEMU's defect (on_crash=destroy). Any
	 * other death of QEMU is a crash. */
	if (d->hot_unplugged && d->requested_reason >= 0 &&
	    d->state == XC_DOM_RUNNING && WIFSIGNALED(status)) {
		char why[300];

		snprintf(why, sizeof(why), "%s while the guest was asked to "
		    "%s (QEMU 7.2's heap after a vCPU unplug)", detail,
		    d->requested_reason == XC_SHUTDOWN_REBOOT ? "reboot" :
		    "power off");
		xhv_set_state(d, XC_DOM_SHUTDOWN,
		    (enum xc_shutdown_reason)d->requested_reason, why);
		return;
	}
	xhv_set_state(d, XC_DOM_CRASHED, XC_SHUTDOWN_CRASH, detail);
}

/* ---- start-up ----------------------------------------------------- */

static void
start_done(struct xhv_dom *d)
{
	char err[256], *line;

	d->ctl = control_new(d, d->ctl_path, err, sizeof(err));
	if (d->ctl == NULL)
		xhv_start_fail(d, XHP_E_START, err);
	evtimer_del(d->start_timer);
	d->ready = true;
	d->state = d->cfg.paused ? XC_DOM_PAUSED : XC_DOM_RUNNING;
	xhv_log("domain %u (%s) %s, QEMU pid %d", d->cfg.domid, d->cfg.name,
	    d->cfg.paused ? "created paused" : "running", (int)d->qemu_pid);
	XHV_FAULT_POINT("monitor.ready", d->cfg.name);
	line = xu_asprintf("ok %d\n", (int)getpid());
	xhv_report(d, line);
	free(line);
	XHV_FAULT_POINT("monitor.reported", d->cfg.name);
}

static void
started_cont(void *opaque, yajl_val ret, const char *err)
{
	struct xhv_dom *d = opaque;

	if (err != NULL)
		xhv_start_fail(d, XHP_E_ENGINE, err);
	start_done(d);
}

static void
got_cpus(void *opaque, yajl_val ret, const char *err)
{
	struct xhv_dom *d = opaque;
	char args[64], msg[600];

	if (err != NULL)
		xhv_start_fail(d, XHP_E_ENGINE, err);
	if (!xhv_take_vcpus(d, ret))
		xhv_start_fail(d, XHP_E_ENGINE, "QEMU sent a malformed query-cpus-fast reply");
	xhv_resources_start(d);
	/* The balloon target: the driver picks it up when the guest loads it. */
	if (d->cfg.memory_mb < d->cfg.maxmem_mb) {
		snprintf(args, sizeof(args), "{\"value\":%llu}",
		    (unsigned long long)d->cfg.memory_mb << 20);
		qmp_command(d->qmp, "balloon", args, NULL, NULL, 0);
	}
	if (d->cfg.paused) {
		start_done(d);
		return;
	}
	if (xhv_lease_take(d, msg, sizeof(msg)) < 0)
		xhv_start_fail(d, XHP_E_LOCKED, msg);
	if (qmp_command(d->qmp, "cont", NULL, started_cont, d, 0) < 0)
		xhv_start_fail(d, XHP_E_ENGINE, "QEMU's monitor went away");
}

void
xhv_start_running(struct xhv_dom *d)
{
	if (qmp_command(d->qmp, "query-cpus-fast", NULL, got_cpus, d, 0) < 0)
		xhv_start_fail(d, XHP_E_ENGINE, "QEMU's monitor went away");
}

static void
start_engine(struct xhv_dom *d)
{
	if (d->cfg.incoming_fd >= 0)
		xhv_incoming(d);
	else
		xhv_start_running(d);
}

static void
on_qmp_ready(void *opaque)
{
	struct xhv_dom *d = opaque;

	if (d->ready)
		return;
	/* the display's password first: nobody sees the guest without it */
	xhv_platform_password(d, start_engine);
}

static void
start_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "QEMU did not answer on its monitor within %d s",
	    START_TIMEOUT_S);
	xhv_start_fail(arg, XHP_E_TIMEOUT, msg);
}

void
xhv_start(struct xhv_dom *d)
{
	int serial[2] = { -1, -1 }, qmp[2] = { -1, -1 }, qlog;
	char err[256], **argv, **a, *old;
	struct xu_buf cmd;
	struct timeval tv = { START_TIMEOUT_S, 0 };

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, serial) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) < 0) {
		snprintf(err, sizeof(err), "socketpair: %s", strerror(errno));
		xhv_start_fail(d, XHP_E_START, err);
	}
	/* The previous run's log is kept one generation: it may hold why
	 * that run crashed. The new one holds this run only, so a start-up
	 * failure quotes QEMU's own words. */
	old = xu_asprintf("%s.1", d->qemulog_path);
	if (rename(d->qemulog_path, old) < 0 && errno != ENOENT)
		xhv_log("cannot rotate %s: %s", d->qemulog_path, strerror(errno));
	free(old);
	qlog = xhv_open_log(d->qemulog_path);
	if (qlog < 0) {
		snprintf(err, sizeof(err), "cannot open %s: %s", d->qemulog_path,
		    strerror(errno));
		xhv_start_fail(d, XHP_E_START, err);
	}
	d->boot_mem_mb = d->cfg.maxmem_mb;
	xhv_devices_init(d);
	if (!xhv_jail_new(d, err, sizeof(err)) ||
	    (argv = qemu_argv(d, err, sizeof(err))) == NULL) {
		close(qlog);
		close(serial[0]);
		close(serial[1]);
		close(qmp[0]);
		close(qmp[1]);
		xhv_start_fail(d, XHP_E_START, err);
	}
	xu_buf_init(&cmd);
	for (a = argv; *a != NULL; a++)
		xu_buf_printf(&cmd, "%s%s", a == argv ? "" : " ", *a);
	xhv_log("starting: %s", cmd.data);
	xu_buf_dispose(&cmd);
	d->qemu_pid = qemu_spawn(d, argv, serial[1], qmp[1], qlog);
	qemu_argv_free(argv);
	close(serial[1]);
	close(qmp[1]);
	close(qlog);
	if (d->qemu_pid > 0 && d->jail != NULL)
		xhv_log("QEMU pid %d, uid %u, confined to %s/qemu", (int)d->qemu_pid,
		    d->cfg.qemu_uid, d->rundir);
	else if (d->qemu_pid > 0)
		xhv_log("QEMU pid %d", (int)d->qemu_pid);
	if (d->qemu_pid > 0)
		XHV_FAULT_POINT("monitor.spawned", d->cfg.name);
	if (d->qemu_pid < 0) {
		d->qemu_pid = 0;
		close(serial[0]);
		close(qmp[0]);
		snprintf(err, sizeof(err), "fork: %s", strerror(errno));
		xhv_start_fail(d, XHP_E_START, err);
	}
	d->con = console_new(d->base, serial[0], d->con_path, d->conlog_path,
	    err, sizeof(err));
	if (d->con == NULL) {
		close(qmp[0]);
		xhv_start_fail(d, XHP_E_START, err);
	}
	static const struct qmp_callbacks cbs = {
		.ready = on_qmp_ready,
		.event = on_qmp_event,
		.closed = on_qmp_closed,
	};
	d->qmp = qmp_new(d->base, qmp[0], &cbs, d);
	if (d->qmp == NULL)
		xhv_start_fail(d, XHP_E_START, "cannot set up QMP");
	d->start_timer = evtimer_new(d->base, start_timeout_cb, d);
	evtimer_add(d->start_timer, &tv);
}
