/* xenhv.h: what the monitor's parts (process, domain, QEMU, QMP, console,
 * control socket) share: the domain they look after and their interfaces. */
#ifndef XENHV_H
#define XENHV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cgroup.h"
#include "cpumap.h"
#include "xenctrl.h"

/* ---- the domain's state ----------------------------------------------- */

struct qmp;
struct mig;
struct console;
struct control;
struct xhv_devices;

struct xhv_config {
	uint32_t domid;
	char *name, *uuid;
	bool hvm;
	char *kernel, *ramdisk, *cmdline;
	uint64_t memory_mb, maxmem_mb;
	unsigned vcpus, maxvcpus;
	enum xc_accel accel;
	bool paused;
	char *root;		/* "" for the real host */
	char *qemu;		/* the engine binary */
	unsigned cpu_weight, cpu_cap;	/* credit scheduler (cgroup) */
	struct xu_cpumap *affinity;	/* maxvcpus maps (all CPUs by default) */
	int incoming_fd;	/* restore: the engine's stream; else -1 */
	char *incoming_tls;	/* migration in over TLS: QEMU's x509 dir */
	char *cgroup_root;	/* the cgroup mount root */
	struct xc_device *devices;	/* --device, in the guest's order */
	size_t ndevices;
	unsigned hotplug_slots;	/* spare PCIe ports; 0 for the default */
	/* --platform: an HVM guest's platform (strings in platform_tree);
	 * NULL for QEMU's defaults. The display's password came in the
	 * environment, which is cleared of it. */
	struct xc_platform *platform;
	void *platform_tree;
	char *vnc_password;
	/* --lease-dir: xend-domain-lock's directory on shared storage (NULL:
	 * no lease); --lease-host-id: this host's sanlock host id;
	 * --lease-later: taken at the first unpause (an incoming migration) */
	char *lease_dir;
	unsigned lease_host_id;
	bool lease_later;
	/* --qemu-uid: QEMU's own uid and gid (jail.c); 0: QEMU runs as root */
	uint32_t qemu_uid;
};

struct xhv_event {
	uint64_t seq;
	char *line;		/* encoded, with its '\n' */
	size_t len;
	struct xhv_event *next;
};

struct xhv_dom {
	struct event_base *base;
	struct xhv_config cfg;

	/* Paths under the root. */
	char *rundir, *ctl_path, *con_path, *lock_path;
	char *conlog_path, *qemulog_path, *log_path;
	int lock_fd;

	enum xc_dom_state state;
	enum xc_shutdown_reason reason;
	int requested_reason;		/* from a shutdown request, or -1 */
	double start_time;
	bool ready;			/* start-up reported to libxc */
	int ready_fd;

	pid_t qemu_pid;			/* 0 once reaped */
	struct qmp *qmp;
	/* vCPU threads by vCPU index, 0 when that vCPU is offline; their QOM
	 * paths name them for unplugging. n_vcpu_tids is maxvcpus. */
	pid_t *vcpu_tids;
	char **vcpu_qom;
	size_t n_vcpu_tids;
	uint64_t cpu_time_ns;		/* last measured */

	/* Resources (resources.c). */
	uint64_t boot_mem_mb;		/* the RAM QEMU was given */
	uint64_t memory_actual_mb;	/* the balloon's last report */
	struct event *balloon_timer;	/* polling it after a new target */
	int balloon_polls;
	struct cgroup cg;
	bool res_started;		/* controls applied to the vCPU threads */
	bool vcpu_busy;			/* a vcpu_set is in flight */
	bool hot_unplugged;		/* a hot-plugged vCPU was removed */
	bool saving;			/* a save is in flight (save.c) */
	uint64_t save_owner;		/* the connection that asked for it */
	bool save_abandon;		/* cancelled if that connection closes */
	struct mig *mig;		/* the save or restore in flight */
	/* The last figures of the migration in flight or done (save.c),
	 * for getinfo; announce the guest's MACs when it first runs after
	 * an incoming stream (the network learns where it now is). */
	uint64_t mig_bytes, mig_total;
	int64_t mig_downtime_ms;
	bool announce_pending;
	/* The disks' counters at QEMU's last query-blockstats (blockstats.c). */
	struct xc_blockstat blk[XC_MAX_BLOCKSTATS];
	unsigned nblk;
	bool blk_busy;			/* a query is on its way */

	struct console *con;
	struct control *ctl;
	struct xhv_devices *devices;	/* devices.c */

	struct xhv_event *ev_head, *ev_tail;
	size_t n_events;
	uint64_t next_seq;

	/* The lease (lease.c): sanlock's registered connection, whether we
	 * hold it, and the version we last held (or, for an incoming
	 * migration, the version its source holds). */
	char *lease_path;
	int lease_sock;
	struct event *lease_ev;		/* the daemon's end of lease_sock */
	bool lease_held, lease_lver_known;
	uint64_t lease_lver;

	/* QEMU's confinement (jail.c), NULL when it runs as root; the
	 * kernel's and initrd's paths as QEMU sees them */
	struct xhv_jail *jail;
	char *jail_kernel, *jail_ramdisk;

	struct event *sigchld_ev, *sigterm_ev, *sigint_ev, *start_timer;
	bool exiting;
};

/* ---- the process (xenhv.c) ------------------------------------------ */

void xhv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Test-only: XENHV_TEST_EXIT_AT="STEP[@DOMAIN]" in the monitor's
 * environment (xend's, inherited) kills it (SIGKILL) when it reaches
 * STEP. Each step is written XHV_FAULT_POINT("name", domain) on a line
 * of its own, so tests list them from the sources. */
void xhv_fault_point(const char *step, const char *domain);
#define XHV_FAULT_POINT(step, domain)	xhv_fault_point(step, domain)
double xhv_now(void);
int xhv_open_log(const char *path);
/* Writes the start-up report to libxc's ready pipe and closes it. */
void xhv_report(struct xhv_dom *d, const char *text);
/* Start-up failed: undoes everything, reports why, exits. */
void xhv_start_fail(struct xhv_dom *d, int code, const char *msg)
	__attribute__((noreturn));

/* ---- the domain (domain.c) ------------------------------------------- */

/* Starts QEMU paused and, through QMP, brings the domain up; reports to
 * libxc when it is (or xhv_start_fail). */
void xhv_start(struct xhv_dom *d);
/* QEMU was reaped with this wait status. */
void xhv_engine_exited(struct xhv_dom *d, int status);

/* Changes the state and queues a "state" event when it really changes. */
void xhv_set_state(struct xhv_dom *d, enum xc_dom_state state,
    enum xc_shutdown_reason reason, const char *detail);
/* Requests that need QEMU finish later: done gets 0 or an xhp_err code
 * with a message. done may be called before the function returns. */
typedef void (*xhv_done_cb)(void *opaque, int code, const char *msg);
void xhv_pause(struct xhv_dom *d, xhv_done_cb done, void *opaque);
void xhv_unpause(struct xhv_dom *d, xhv_done_cb done, void *opaque);
void xhv_shutdown(struct xhv_dom *d, int reason, xhv_done_cb done, void *opaque);
void xhv_reset(struct xhv_dom *d, xhv_done_cb done, void *opaque);
/* Magic SysRq key on the serial line (a break, then the key). */
void xhv_sysrq(struct xhv_dom *d, char key, xhv_done_cb done, void *opaque);
/* xm trigger: power, reset, nmi, s3resume. */
void xhv_trigger(struct xhv_dom *d, const char *name, xhv_done_cb done,
    void *opaque);
/* An ELF core of the guest at path (QMP dump-guest-memory). */
void xhv_dump(struct xhv_dom *d, const char *path, xhv_done_cb done,
    void *opaque);
/* Hard stop (xenhv.c): QEMU is killed and reaped, the monitor removes
 * its run directory and exits (control_exiting answers destroy requests). */
void xhv_destroy(struct xhv_dom *d);
/* Forgets events up to seq. */
void xhv_ack(struct xhv_dom *d, uint64_t seq);
/* Refreshes cpu_time_ns and says whether any vCPU thread is on a CPU. */
bool xhv_refresh_cpu(struct xhv_dom *d);

/* One QEMU command for a request: done gets its outcome; new_state (or
 * -1) is the state a success moves the domain to. */
void xhv_qemu_op(struct xhv_dom *d, const char *cmd, const char *args,
    int new_state, xhv_done_cb done, void *opaque);
/* Queues an event {key: val} for the monitor's subscribers. */
void xhv_event_num(struct xhv_dom *d, const char *name, const char *key,
    uint64_t val);
/* Whether requests that need QEMU may run now; if not, done is called
 * with a state error. */
bool xhv_state_allows(struct xhv_dom *d, xhv_done_cb done, void *opaque);
/* The domain's vCPUs are up (threads known): brings the domain up. */
void xhv_start_running(struct xhv_dom *d);

/* ---- resources (resources.c) ---------------------------------------- */

/* Reads query-cpus-fast's reply into vcpu_tids/vcpu_qom; new threads get
 * the domain's cgroup and their vCPU's affinity. */
bool xhv_take_vcpus(struct xhv_dom *d, yajl_val ret);
/* Sets up the cgroup (weight and cap) once QEMU's threads are known;
 * failures are logged, never fatal (the host may lack the controller). */
void xhv_resources_start(struct xhv_dom *d);
void xhv_resources_end(struct xhv_dom *d);
/* QEMU events about resources (BALLOON_CHANGE, a vCPU's DEVICE_DELETED);
 * false when the event is none of theirs (another device's goes on to
 * devices.c). */
bool xhv_resources_event(struct xhv_dom *d, const char *name, yajl_val data);
void xhv_balloon(struct xhv_dom *d, uint64_t target_mb, xhv_done_cb done,
    void *opaque);
int xhv_setmaxmem(struct xhv_dom *d, uint64_t maxmem_mb, char *err, size_t errlen);
void xhv_vcpu_set(struct xhv_dom *d, unsigned count, xhv_done_cb done,
    void *opaque);
unsigned xhv_vcpus_online(const struct xhv_dom *d);
/* vcpu -1: every vCPU. */
int xhv_vcpu_pin(struct xhv_dom *d, int vcpu, const struct xu_cpumap *map,
    char *err, size_t errlen);
/* weight or cap < 0: unchanged. */
int xhv_sched_set(struct xhv_dom *d, int weight, int cap, char *err,
    size_t errlen);
unsigned xhv_host_cpus(void);

/* ---- the lease on shared storage (lease.c) ----------------------- */

/* At start-up, before QEMU: the lease file made if missing, the monitor
 * registered with sanlock, the lease acquired (unless cfg.lease_later);
 * xhv_start_fail when it cannot be. Nothing without cfg.lease_dir. */
void xhv_lease_start(struct xhv_dom *d);
/* Before QEMU runs the guest: the lease acquired if not held, at the
 * version held last; 0, or -1 with msg naming the host that has it. */
int xhv_lease_take(struct xhv_dom *d, char *msg, size_t len);
/* The guest stopped for good here (its state sent, or QEMU gone). */
void xhv_lease_release(struct xhv_dom *d);

/* ---- disk counters (blockstats.c) ----------------------------------- */

/* Puts "blockstats": [...] (the last figures) into a getinfo reply and
 * starts the next query-blockstats if none is on its way. */
void xhv_blockstats_put(struct xhv_dom *d, yajl_gen g);

/* ---- save and restore (save.c) ---------------------------------------- */

/* Writes the engine's state to fd (which it takes). done gets 0 and the
 * byte count, or an xhp_err code and a message. */
typedef void (*xhv_save_cb)(void *opaque, int code, const char *msg,
    uint64_t bytes);
struct xhv_save_params {
	bool live;
	unsigned downtime_ms;		/* 0: QEMU's default */
	const char *tls_dir;		/* QEMU's x509 directory, NULL: plain */
	const char *tls_host;		/* the name the peer's certificate has */
	/* a save to a file: cancelled if the requesting connection (this
	 * serial) closes before it ends */
	bool abandon_on_close;
	uint64_t owner;
};
void xhv_save(struct xhv_dom *d, int fd, const struct xhv_save_params *p,
    xhv_save_cb done, void *opaque);
/* The guest runs again after an incoming stream: QEMU announces it. */
void xhv_announce(struct xhv_dom *d);
/* The save in flight (not a restore) is cancelled: QEMU stops copying,
 * the guest runs again if it ran, and the requester is told why. */
void xhv_save_cancel(struct xhv_dom *d, const char *why);
/* Start-up of a restored domain: loads cfg.incoming_fd into QEMU, then
 * goes on as a fresh start does (xhv_start_fail on failure). */
void xhv_incoming(struct xhv_dom *d);
/* The monitor is ending: a save in flight is answered as failed, a load
 * forgotten. */
void xhv_save_abort(struct xhv_dom *d);
/* QEMU's MIGRATION and MIGRATION_PASS events; false for any other. */
bool xhv_mig_event(struct xhv_dom *d, const char *name, yajl_val data);

/* ---- QEMU (qemu.c) ------------------------------------------------ */

/* The argument vector for QEMU, NULL-terminated; the console and QMP
 * sockets are passed as inherited descriptors (see qemu_spawn). */
char **qemu_argv(struct xhv_dom *d, char *err, size_t errlen);
void qemu_argv_free(char **argv);
/* Forks and execs QEMU with stderr to logfd; returns its pid or -1. */
pid_t qemu_spawn(struct xhv_dom *d, char **argv, int serial_fd, int qmp_fd,
    int logfd);
/* The last bytes of QEMU's log (its stderr), trimmed, for error reports. */
char *qemu_log_tail(const char *path, off_t from, size_t max);

/* ---- QEMU without root (jail.c) --------------------------------------- */

/* With cfg.qemu_uid set: the root QEMU will see (<rundir>/qemu), its
 * mounts, and where the kernel and initrd appear; true without a uid. */
bool xhv_jail_new(struct xhv_dom *d, char *err, size_t errlen);
/* Removes the root and forgets every descriptor. */
void xhv_jail_free(struct xhv_dom *d);
/* The QEMU binary's path as QEMU's namespace sees it. */
const char *xhv_jail_exe(const struct xhv_dom *d);
/* Start-up: path opened here and inherited in a fd set; what QEMU is to
 * open ("/dev/fdset/N", or path itself without a jail); NULL and err on
 * failure. owner names the set for xhv_jail_release. */
char *xhv_jail_start_file(struct xhv_dom *d, const char *owner, const char *path,
    const char *format, bool ro, char *err, size_t errlen);
/* The "backing" member for owner's block node: a qcow2's backing chain,
 * each file from a fd set of its own (QEMU inside its root cannot follow
 * the names in the images); nothing without a jail or a chain. format
 * (above and below) is the image's configured format: only "qcow2" has
 * its header read. */
void xhv_jail_gen_backing(struct xhv_dom *d, yajl_gen g, const char *owner);
/* Start-up: fd (opened here) in a fd set of its own; "/dev/fdset/N". */
char *xhv_jail_start_fd(struct xhv_dom *d, const char *owner, int fd);
/* Start-up: the tap attached here, its inherited descriptor's number as
 * text; NULL without a jail (QEMU opens it by name) or on failure (err
 * set). */
char *xhv_jail_start_tap(struct xhv_dom *d, const char *ifname, char *err,
    size_t errlen);
/* -add-fd for each start-up fd set, put first in argv. */
void xhv_jail_add_args(struct xhv_dom *d, char ***argv);
/* After the fork: the start-up descriptors are QEMU's now. */
void xhv_jail_started(struct xhv_dom *d);
/* In the child: the start-up descriptors lifted out of the way, then put
 * at their numbers (returns the first free number), then the namespace,
 * the root and the uid. */
void xhv_jail_child_lift(struct xhv_dom *d);
int xhv_jail_child_place(struct xhv_dom *d, int low);
void xhv_jail_enter(struct xhv_dom *d, pid_t parent);
/* A running QEMU: path opened here and added as a fd set; cb gets the
 * name to open (path itself without a jail) or an error. */
typedef void (*xhv_jail_cb)(void *opaque, const char *name, const char *err);
void xhv_jail_file(struct xhv_dom *d, const char *owner, const char *path,
    const char *format, bool ro, xhv_jail_cb cb, void *opaque);
/* owner's fd set goes (QEMU closes it once nothing uses it, and only
 * while it runs: xhv_jail_resumed asks again on RESUME). */
void xhv_jail_release(struct xhv_dom *d, const char *owner);
void xhv_jail_resumed(struct xhv_dom *d);
/* fd given to QEMU as fdname (getfd); fd is closed. */
void xhv_jail_pass(struct xhv_dom *d, const char *fdname, int fd, xhv_jail_cb cb,
    void *opaque);
/* An x509 directory QEMU's user may read, as QEMU sees it: a copy of the
 * server's or client's files of dir inside its root (/tls-NAME, replaced
 * each time); dir itself without a jail. */
char *xhv_jail_tls(struct xhv_dom *d, const char *name, const char *dir,
    bool server, char *err, size_t errlen);
/* Attaches to tap ifname (IFF_VNET_HDR, as QEMU would). */
int xhv_tap_open(const char *ifname, char *err, size_t errlen);

/* ---- an HVM guest's platform (platform.c) ---------------------------- */

/* --platform JSON into cfg (replacing any). */
bool xhv_config_set_platform(struct xhv_config *c, const char *json, char *err,
    size_t errlen);
void xhv_config_free_platform(struct xhv_config *c);
/* -machine's value, and the platform's other QEMU arguments
 * (NULL-terminated; free with qemu_argv_free). */
char *xhv_platform_machine(const struct xhv_config *c);
char **xhv_platform_qemu_args(struct xhv_dom *d, char *err, size_t errlen);
/* What the first serial port is given: "chardev:console0" (the console),
 * another target, or NULL for none. */
const char *xhv_platform_serial(const struct xhv_config *c);
/* A serial or parallel port's target as QEMU is to get it: a file or a
 * host device opened here and passed as a fd set when QEMU is confined
 * ("file:/dev/fdset/N", "/dev/fdset/N"), else the target itself; NULL
 * and err on failure. */
char *xhv_platform_chardev(struct xhv_dom *d, const char *owner,
    const char *target, char *err, size_t errlen);
/* The -cpu model: "host" under KVM (with Hyper-V enlightenments when
 * viridian asks for them), NULL under TCG (QEMU's default). */
char *xhv_platform_cpu(const struct xhv_config *c);
/* Sets the display's password through QMP if it has one, then next(d). */
void xhv_platform_password(struct xhv_dom *d, void (*next)(struct xhv_dom *d));

/* ---- devices (devices.c) ------------------------------------------ */

/* --device JSON (xenhv-proto.h's device object) into cfg. */
bool xhv_config_add_device(struct xhv_config *c, const char *json, char *err,
    size_t errlen);
void xhv_config_free_devices(struct xhv_config *c);
/* The devices' QEMU arguments (NULL-terminated; free each and the array):
 * the PCIe ports, then -blockdev/-netdev and -device per device. */
char **xhv_devices_qemu_args(struct xhv_dom *d, char *err, size_t errlen);
/* The running set, as QEMU starts with cfg's devices. */
void xhv_devices_init(struct xhv_dom *d);
void xhv_devices_free(struct xhv_dom *d);
/* Hot-plug requests (device_add, device_del) and QEMU's DEVICE_DELETED. */
void xhv_device_add(struct xhv_dom *d, const struct xc_device *dev,
    xhv_done_cb done, void *opaque);
void xhv_device_del(struct xhv_dom *d, const char *id, unsigned timeout_s,
    xhv_done_cb done, void *opaque);
/* A cdrom's new medium (dev->path or NBD; neither: an empty drive). */
void xhv_device_media(struct xhv_dom *d, const struct xc_device *dev,
    xhv_done_cb done, void *opaque);
void xhv_devices_event(struct xhv_dom *d, yajl_val data);

/* ---- QMP (qmp.c) -------------------------------------------------- */

enum qmp_kind {
	QMP_GREETING,
	QMP_RETURN,
	QMP_ERROR,
	QMP_EVENT,
};

/* One decoded QMP message; strings point into root. */
struct qmp_msg {
	enum qmp_kind kind;
	int64_t id;			/* -1 when absent or not ours */
	yajl_val ret;			/* QMP_RETURN: the "return" value */
	const char *err_class, *err_desc;	/* QMP_ERROR */
	const char *event;		/* QMP_EVENT */
	yajl_val data;			/* QMP_EVENT: "data", may be NULL */
	yajl_val root;
};

#define QMP_LINE_MAX	(256 * 1024)
#define QMP_DEPTH_MAX	32

/* Decodes one line from QEMU; false (with why) for anything malformed. */
bool qmp_decode(const char *line, size_t len, struct qmp_msg *m, char *why, size_t whylen);
/* The member key of a JSON object from QEMU; NULL when obj is not an
 * object or has none. */
yajl_val qmp_member(yajl_val obj, const char *key);
void qmp_msg_dispose(struct qmp_msg *m);

struct qmp_callbacks {
	void (*ready)(void *opaque);	/* capabilities negotiated */
	void (*event)(void *opaque, const char *name, yajl_val data);
	void (*closed)(void *opaque, const char *why);
};

/* A command's outcome: ret is the "return" value on success; on failure
 * ret is NULL and err says why (QEMU's desc, "timeout", "QMP closed"). */
typedef void (*qmp_reply_cb)(void *opaque, yajl_val ret, const char *err);

/* Takes ownership of fd, a connected socket to QEMU's QMP monitor. */
struct qmp *qmp_new(struct event_base *base, int fd, const struct qmp_callbacks *cb,
    void *opaque);
void qmp_free(struct qmp *q);
/* Sends a command; args_json is an object's text or NULL. timeout_s 0
 * means the default. Returns -1 when QMP is not usable. */
int qmp_command(struct qmp *q, const char *cmd, const char *args_json,
    qmp_reply_cb cb, void *opaque, int timeout_s);
/* The same, passing fd to QEMU with the command (SCM_RIGHTS), as getfd
 * and add-fd want. fd stays the caller's. */
int qmp_command_fd(struct qmp *q, const char *cmd, const char *args_json, int fd,
    qmp_reply_cb cb, void *opaque, int timeout_s);
bool qmp_is_ready(const struct qmp *q);

/* ---- console (console.c) ------------------------------------------ */

#define CONSOLE_RING_SIZE	(64 * 1024)

/* Takes ownership of serial_fd (our end of the guest's serial line);
 * listens on sock_path for attach clients; appends to log_path. */
struct console *console_new(struct event_base *base, int serial_fd,
    const char *sock_path, const char *log_path, char *err, size_t errlen);
void console_free(struct console *c);
/* The ring's contents, oldest first (malloc'd). */
char *console_ring_copy(const struct console *c, size_t *len);
/* Called when the guest side has gone (QEMU exited). */
void console_guest_gone(struct console *c);
/* Input for the guest, as if typed; false when its line is gone. */
bool console_type(struct console *c, const char *data, size_t len);

/* ---- control socket (control.c) ----------------------------------- */

/* A listening UNIX socket at path (mode 0600), replacing a stale one;
 * -1 with err filled on failure. */
int xhv_listen_unix(const char *path, char *err, size_t errlen);
/* Only root and the monitor's own user may talk to it. */
bool xhv_peer_allowed(int fd);

struct control *control_new(struct xhv_dom *d, const char *path, char *err, size_t errlen);
void control_free(struct control *c);
/* Sends an encoded event line to every subscribed connection. */
void control_broadcast(struct control *c, const char *line, size_t len);
/* The monitor is about to exit: answers pending destroy requests and
 * writes out what is queued for every connection. */
void control_exiting(struct control *c);

#endif
