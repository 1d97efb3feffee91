/* domain.h: xend's domains: the in-memory table (a cache of the SQLite
 * record, reconciled with the running monitors), the (vm ...) config as
 * xend reads it, and the lifecycle: create, control, events and the on_*
 * policy, re-adoption at start. One file per job, this header for all. */
#ifndef XEND_DOMAIN_H
#define XEND_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xenctrl.h"
#include "xu.h"
#include "xv.h"

struct xend;
struct event;

/* ---- the (vm ...) config (domain-config.c) -------------------------- */

/* What xend does when a domain stops (reference 12). Append only. */
enum domain_action {
	DOM_ACT_DESTROY,
	DOM_ACT_RESTART,
	DOM_ACT_PRESERVE,
	DOM_ACT_RENAME_RESTART,
	DOM_ACT_COREDUMP_DESTROY,	/* no dumps yet: as destroy, logged */
	DOM_ACT_COREDUMP_RESTART,	/* no dumps yet: as restart, logged */
};

/* on_xend_stop (reference 4.3). Append only. */
enum domain_xend_stop {
	DOM_XEND_STOP_IGNORE,
	DOM_XEND_STOP_SHUTDOWN,
	DOM_XEND_STOP_SUSPEND,
};

#define DOMAIN_NAME_MAX		127	/* characters; xenhv's limit */
#define DOMAIN_MEMORY_MAX	(1 << 24)	/* MiB: 16 TiB, within 32 bits */
#define DOMAIN_VCPUS_MAX	255

/* An HVM guest's platform (domain-config.c reads it, domain-hvm.c gives
 * it its display): what libxc takes, with the strings owned here, and
 * the VNC display as the config asks for it. */
struct domain_platform {
	struct xc_platform p;
	bool vnc;
	int64_t vncdisplay;		/* -1: none asked for */
	bool vncunused;			/* else exactly vncdisplay */
	char *vnclisten;		/* NULL: xend-config's vnc-listen */
	char *vncpasswd;		/* NULL: xend-config's; "": none */
	unsigned vnc_port;		/* chosen at each start; 0: none */
	char *vnclisten_seen;		/* re-adopted: read from xenstore */
	bool ovmf;			/* bios = 'ovmf': UEFI */
	char *fw_code, *nvram;		/* its code and NVRAM, at each start */
};

/* The checked settings of a (vm ...) SXP. */
struct domain_config {
	char *name;			/* NULL: not given */
	char uuid[37];			/* "" when not given */
	int64_t memory, maxmem;		/* MiB */
	unsigned vcpus, maxvcpus;	/* online at boot, built with */
	bool hvm;
	struct domain_platform *platform;	/* HVM only, else NULL */
	char *kernel, *ramdisk;		/* NULL when not given */
	char *cmdline;			/* assembled as xend did (4.7) */
	/* bootloader = 'pygrub': kernel, ramdisk and cmdline are set at
	 * each start from what it finds (domain-boot.c); the image's kernel
	 * and ramdisk, if given, are paths inside the guest's disk. */
	char *bootloader, *bootloader_args;
	char *bl_kernel, *bl_ramdisk;
	enum domain_action on_poweroff, on_reboot, on_crash;
	/* Resources (credit scheduler, affinity) and managed-domain policy. */
	unsigned cpu_weight, cpu_cap;	/* 256 and 0 by default */
	char **affinity;		/* maxvcpus CPU lists, or NULL: any */
	bool on_xend_start;		/* start it when xend starts */
	enum domain_xend_stop on_xend_stop;
};

void domain_config_init(struct domain_config *cfg);
void domain_config_dispose(struct domain_config *cfg);

/* Reads and checks vm (the whole (vm ...) element): types, ranges,
 * on_* words, kernel and ramdisk readable. err->msg names the setting
 * and the cause ("kernel /boot/x: No such file or directory"). Checks of
 * names and UUIDs against other domains are the table's (domain.c). */
int domain_config_parse(const struct xv *vm, struct domain_config *cfg,
    struct xu_err *err);
/* Only the text checks, no file access (re-reading a stored config). */
int domain_config_parse_nofiles(const struct xv *vm, struct domain_config *cfg,
    struct xu_err *err);

/* bootloader = 'pygrub', '/usr/bin/pygrub', ... (domain-config.c; the
 * path is not run: xend always runs its own pygrub). */
bool domain_bootloader_is_pygrub(const char *bl);
/* A name xend accepts: 1..127 of [A-Za-z0-9_.:+-], not "." or "..". */
bool domain_name_valid(const char *name);
const char *domain_action_name(enum domain_action a);
int domain_action_parse(const char *word, enum domain_action *a);

/* Sets (replacing or appending) the child (key value) of a (vm ...) or
 * other SXP element; takes value. */
void domain_sxp_set(struct xv *elem, const char *key, struct xv *value);
/* Removes the child named key, if any. */
void domain_sxp_remove(struct xv *elem, const char *key);
/* A CPU list ("0-3,^1", "all") naming only CPUs this host has. */
int domain_cpulist_check(const char *s, struct xu_err *err);

/* ---- the table (domain.c) ------------------------------------------ */

/* Where a domain is in xend's lifecycle; the monitor's own state (running,
 * paused, shut down, crashed) is in info while ACTIVE. */
enum domain_phase {
	DOM_PHASE_STARTING,	/* record committed, monitor not yet up */
	DOM_PHASE_ACTIVE,	/* a monitor runs it, whatever its state */
	DOM_PHASE_RESTARTING,	/* old monitor gone or going, new one next */
	DOM_PHASE_DESTROYING,	/* being torn down */
	DOM_PHASE_HALTED,	/* managed, not running */
};

struct domains;
struct domain_start;
struct domain_boot;
struct domain_claim;
struct balloon_wait;
struct domain;

struct domain_waiter {
	void (*fn)(struct domain *d, void *arg);
	void *arg;
	struct domain_waiter *next;
};

struct domain {
	struct domains *tab;
	char uuid[37];
	char *name;
	uint32_t domid;			/* 0: none (dom0 has is_dom0) */
	bool is_dom0;
	bool managed;
	struct xv *vm;			/* the (vm ...) config, name and uuid set */
	struct domain_config cfg;
	enum domain_phase phase;
	struct xc_dominfo info;		/* last known from the monitor */
	bool have_info;
	bool info_stale;		/* its vCPU threads changed: ask again */
	int64_t restart_count;
	double start_time;
	bool pause_flag;		/* setpauseflag: paused by the admin */
	/* The admin asked for this reboot (xm reboot, xm reset): the restart
	 * is wanted, so the restart-loop guard does not apply to it. */
	bool admin_reboot;

	/* Events from the monitor (domain-events.c). */
	int ev_fd;
	struct event *ev;
	/* Creation in flight (domain-create.c); a timer while waiting for a
	 * monitor found starting at re-adoption (domain-adopt.c). */
	struct domain_start *start;
	struct domain_boot *boot;	/* pygrub running (domain-boot.c) */
	struct domain_claim *claim;	/* held by its client (domain-claim.c) */
	struct event *adopt_timer;
	double adopt_deadline;
	int adopt_wait;			/* seconds to the next look */
	/* Called once the start in flight has ended, either way. */
	struct domain_waiter *waiters;

	/* Devices (device.h): the instance's, resolved, while it starts; a
	 * connect in flight. */
	struct dev *devs;
	struct dev_connect *devconnect;

	/* The stop event being acted upon: acknowledged once the action's
	 * first step is committed. */
	uint64_t ack_seq;
	bool ack_due;
	/* Re-adopted in a stopped state: check that it was acted upon once
	 * the events the monitor kept have been read. */
	bool check_stopped;
	char saved_state[16];		/* the state word last recorded */

	/* mem-set callers waiting for the guest (domain-resources.c). */
	struct balloon_wait *balloon_waits;
	/* Managed and saved (xm suspend): halted, its checkpoint on disk. */
	bool suspended;
	bool saving;			/* a save is in flight */
	/* Arriving by live migration in QEMU's TLS: its x509 directory
	 * (migrate-engine.c), for the monitor's start. */
	char *restore_tls;
	/* Arriving by live migration: its lease (xend-domain-lock) is taken
	 * when it first runs, once the source has let go. */
	bool lease_later;
	/* A restore from a file in flight: a duplicate of the file's
	 * descriptor, whose offset is QEMU's (progress); -1 otherwise. */
	int restore_pos_fd;

	int refs;
	bool removed;			/* out of the table; freed at refs 0 */
};

/* The table holding every domain xend knows, dom0 first. */
struct domains {
	struct xend *x;
	struct domain **v;
	size_t n, cap;
	struct domain *dom0;
	double restart_guard;		/* seconds; reference 12: 60 */
	int64_t dom0_mem;		/* dom0's reservation, MiB (memory.c) */
};

/* The restart loop guard (seconds); XEND_RESTART_GUARD_SECS overrides it
 * for tests only. */
#define DOMAIN_RESTART_GUARD_SECS	60

/* Makes the table with Domain-0, then reconciles the record with the
 * running monitors (domain-adopt.c). Never fails: what cannot be adopted
 * is logged. */
struct domains *domains_new(struct xend *x);
/* Drops subscriptions and in-flight work; never touches a domain. */
void domains_free(struct domains *t);

/* The rpc lookup hook: running by name, managed by name, running by id,
 * running by UUID, managed by UUID (classic XendDomain order). */
void *domains_lookup_hook(void *arg, const char *id);
struct domain *domains_by_name(struct domains *t, const char *name);
struct domain *domains_by_uuid(struct domains *t, const char *uuid);
struct domain *domains_by_domid(struct domains *t, uint32_t domid);

/* A new domain (one reference, held by the table once added). */
struct domain *domain_new(struct domains *t);
void domains_add(struct domains *t, struct domain *d);
/* Takes d out of the table (its reference goes with it). */
void domains_remove(struct domains *t, struct domain *d);
void domain_ref(struct domain *d);
void domain_unref(struct domain *d);
/* The table sorted by name (borrowed pointers; free the array). */
struct domain **domains_sorted(struct domains *t, size_t *n);

/* True while a monitor exists for it (has a domid, is not dom0). */
bool domain_running(const struct domain *d);
/* True when some domain of t is running. */
bool domains_any_running(struct domains *t);
/* The word kept in the record's state column. */
const char *domain_state_word(const struct domain *d);

/* The record: inserts or updates d's row. Callers wrap several changes
 * in store_begin/store_commit to make them one transaction. */
int domain_save(struct domain *d);
/* Deletes the row (or, managed, keeps it halted without a domid). */
int domain_forget(struct domain *d);
/* A line in the event log table and in xend.log at INFO. */
void domain_log(struct domain *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same line, recorded as an event of type for xm events (events.h),
 * with data: its details, events_data(...) or NULL (consumed). */
void domain_event(struct domain *d, const char *type, struct xv *data,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Renames d (checked: valid and unused), in memory and config. */
int domain_set_name(struct domain *d, const char *name, struct xu_err *err);

/* ---- creating and restarting (domain-create.c) --------------------- */

/* The answer of a start: rc XC_OK or an error with msg saying why. */
typedef void (*domain_started_fn)(struct domain *d, int rc, const char *msg,
    void *arg);

/* xend.domain.create: checks vm, commits the record ('starting', a new
 * domid) and starts the monitor paused; done is called once, with d
 * ACTIVE on success or already removed on failure (err set then). An
 * immediate failure returns non-zero with err filled and calls nothing. */
int domain_create(struct domains *t, const struct xv *vm,
    domain_started_fn done, void *arg, struct xu_err *err);
/* The same, held by a client (domain-claim.c): the process client will
 * finish the create with the call finish ("unpause" or
 * "waitForDevices"); if it ends first, the create is rolled back. */
int domain_create_held(struct domains *t, const struct xv *vm, pid_t client,
    const char *finish, domain_started_fn done, void *arg,
    struct xu_err *err);
/* The steps of domain_create, shared with xend.domain.new, start and
 * restore. domain_from_config: a new domain (one reference, not in the
 * table) from a checked, unique config, or NULL with err "cannot VERB
 * domain 'NAME': ...". domain_admit: room for its memory target
 * (memory.c). domain_launch: the record ('starting', a new domid) and
 * the monitor; a new domain joins the table. On failure (err set) the
 * caller keeps its reference. */
struct domain *domain_from_config(struct domains *t, const struct xv *vm,
    const char *verb, struct xu_err *err);
int domain_admit(struct domain *d, const char *verb, struct xu_err *err);
int domain_launch(struct domain *d, bool paused, int restore_fd,
    domain_started_fn done, void *arg, struct xu_err *err);
/* A domain id no monitor holds (the store's counter moves past it). */
int domain_alloc_domid(struct domains *t, uint32_t *domid, struct xu_err *err);
/* Starts a monitor for d, whose record already holds its domid in state
 * 'starting'. On success d is ACTIVE, saved and subscribed; on failure
 * its record is gone (managed: halted). Waits for the accelerator. */
void domain_start(struct domain *d, bool paused, domain_started_fn done,
    void *arg);
/* The same loading the engine's state from restore_fd (taken: closed
 * once the monitor has it, or on failure). */
void domain_start_restore(struct domain *d, bool paused, int restore_fd,
    domain_started_fn done, void *arg);
/* Calls fn(d, arg) when the start in flight ends (d->removed if it
 * failed), in the order asked. d is referenced until then. */
void domain_when_started(struct domain *d, void (*fn)(struct domain *, void *),
    void *arg);
void domain_run_waiters(struct domain *d);
/* Abandons a start in flight (xend stopping): the monitor carries on and
 * is re-adopted by the next xend. */
void domain_start_cancel(struct domain *d);

/* ---- a kernel from the guest's own disk (domain-boot.c) -------------- */

typedef void (*domain_boot_fn)(struct domain *d, int rc, const char *msg,
    void *arg);

/* Runs pygrub on d's first bootable disk, without blocking the loop;
 * done is called once (rc XU_OK with d->cfg's kernel, ramdisk and cmdline
 * set, or an error whose msg names the disk and the file). An immediate
 * failure returns non-zero with err and calls nothing. */
int domain_boot_start(struct domain *d, domain_boot_fn done, void *arg,
    struct xu_err *err);
/* Forgets a run in flight (its done is never called). */
void domain_boot_cancel(struct domain *d);
/* The domain's boot directory and the files in it go. */
void domain_boot_forget(struct domain *d);
/* xm create -c: the menu of the first bootable disk of vm (not a domain
 * yet), as pygrub --menu gives it: done gets (menu ...) (taken) or NULL
 * with msg. An immediate failure returns non-zero with err. */
typedef void (*domain_menu_fn)(struct xv *menu, const char *msg, void *arg);
int domain_boot_menu(struct domains *t, const struct xv *vm, domain_menu_fn done,
    void *arg, struct xu_err *err);

/* ---- control (domain-control.c) ----------------------------------- */

int domain_pause(struct domain *d, struct xu_err *err);
int domain_unpause(struct domain *d, struct xu_err *err);
/* reason: "poweroff", "reboot", "halt". */
int domain_shutdown(struct domain *d, const char *reason, struct xu_err *err);
int domain_reset(struct domain *d, struct xu_err *err);
/* xm sysrq (a letter or digit) and xm trigger (power, reset, nmi,
 * s3resume) on a running domain. */
int domain_sysrq(struct domain *d, const char *key, struct xu_err *err);
int domain_trigger(struct domain *d, const char *name, struct xu_err *err);
/* xm dump-core: the guest's core to file (absolute; NULL: classic's
 * /var/xen/dump/NAME/...), the guest paused meanwhile unless live, then
 * destroyed (crash) or reset (reset). *written, if given, gets the path. */
int domain_dump(struct domain *d, const char *file, bool live, bool crash,
    bool reset, char **written, struct xu_err *err);
int domain_destroy(struct domain *d, struct xu_err *err);
int domain_rename(struct domain *d, const char *name, struct xu_err *err);
/* Tears d down for good: record 'destroying' (committed, then the stop
 * event acknowledged), monitor destroyed, record removed (managed: kept
 * halted). d may be freed on return. */
int domain_teardown(struct domain *d, const char *why, struct xu_err *err);
/* Refreshes d->info from the monitor; false when it does not answer. */
bool domain_refresh(struct domain *d);
/* The same for the brief listing, without a round trip: state, memory and
 * vCPUs as the monitor's events keep them, CPU time and "on a CPU" read
 * from /proc with the vCPU thread ids the last getinfo gave. Asks the
 * monitor as domain_refresh does when those are not known yet. */
bool domain_refresh_quick(struct domain *d);

/* ---- resources (domain-resources.c) -------------------------------- */

/* The answer of a change that completes later: rc XU_OK, or an error
 * with msg. */
typedef void (*domain_result_fn)(struct domain *d, int rc, const char *msg,
    void *arg);

/* xm mem-set: 1 to maxmem (for dom0: its reservation, memory.c); growth
 * needs room on the host. Applied and recorded at once; for a running
 * guest done is called when it reports the target, or with "not reached"
 * after a time limit (XEND_BALLOON_WAIT_SECS, 30 s). An immediate failure
 * returns non-zero with err and calls nothing. */
int domain_set_memory(struct domain *d, int64_t mb, domain_result_fn done,
    void *arg, struct xu_err *err);
/* XC_EV_MEMORY: the guest reported d->info.memory_actual_mb. */
void domain_balloon_progress(struct domain *d);
/* xm mem-max: at least the target; beyond the RAM a running guest booted
 * with, it takes effect at its next boot. */
int domain_set_maxmem(struct domain *d, int64_t mb, struct xu_err *err);
/* xm vcpu-set: 1 to maxvcpus when running; a halted domain's size. */
int domain_set_vcpus(struct domain *d, int64_t n, struct xu_err *err);
/* xm vcpu-pin: vcpu -1 for all; cpus a CPU list of this host's CPUs. */
int domain_pin_vcpu(struct domain *d, int64_t vcpu, const char *cpus,
    struct xu_err *err);
/* xm sched-credit: -1 leaves weight or cap as it is. */
int domain_sched_credit(struct domain *d, int64_t weight, int64_t cap,
    struct xu_err *err);

/* ---- save and restore (domain-save.c) ------------------------------- */

/* <xend-domains-path>/<uuid>/checkpoint.chk (malloc'd). */
char *domain_checkpoint_path(const struct domain *d);
/* xm save: the domain's state to path (absolute); then it is destroyed,
 * or with checkpoint it runs on. done is called once the file is
 * complete; a failed save leaves no file and the domain as it was. */
int domain_save_to(struct domain *d, const char *path, bool checkpoint,
    domain_result_fn done, void *arg, struct xu_err *err);
/* xm restore: a new domain from a saved file, checked before anything
 * is created; done as for domain_create. */
int domain_restore_from(struct domains *t, const char *path, bool paused,
    domain_started_fn done, void *arg, struct xu_err *err);
/* xm suspend / resume: a managed domain to and from its checkpoint. */
int domain_suspend(struct domain *d, domain_result_fn done, void *arg,
    struct xu_err *err);
int domain_resume(struct domain *d, bool paused, domain_started_fn done,
    void *arg, struct xu_err *err);

/* ---- managed domains (domain-managed.c) ----------------------------- */

/* xm new: a halted managed domain from a checked config. */
int domain_new_managed(struct domains *t, const struct xv *vm,
    struct domain **out, struct xu_err *err);
/* xm start: a halted managed domain (a suspended one resumes). */
int domain_start_managed(struct domain *d, bool paused, domain_started_fn done,
    void *arg, struct xu_err *err);
/* xm delete: a halted managed domain's record (and checkpoint) go. */
int domain_delete(struct domain *d, struct xu_err *err);
/* on_xend_start start: every such halted managed domain is started. */
void domains_xend_started(struct domains *t);
/* on_xend_stop: shuts down or suspends the running managed domains that
 * ask for it, then calls done (after XEND_STOP_POLICY_SECS at most). */
void domains_xend_stopping(struct domains *t, void (*done)(void *), void *arg);

/* ---- events and policy (domain-events.c) --------------------------- */

/* Subscribes to d's monitor on the loop; the events it kept unacknowledged
 * (while no xend ran) are handled first. */
int domain_subscribe(struct domain *d);
void domain_unsubscribe(struct domain *d);
/* Watches d->ev_fd (a subscription d owns) on the loop; what is already
 * buffered is read on the next turn, never inside the caller. */
void domain_events_watch(struct domain *d);
/* The domain stopped: apply its on_* action for reason (crash for a dead
 * monitor), as an event would. why goes to the log. */
void domain_stopped(struct domain *d, enum xc_dom_state state,
    enum xc_shutdown_reason reason, const char *why);
/* Carries on a restart whose record says 'restarting' and whose old
 * monitor is gone (re-adoption). */
void domain_restart_resume(struct domain *d);
/* Acknowledges the stop event being acted upon, if any. */
void domain_ack(struct domain *d);

/* ---- re-adoption (domain-adopt.c) ---------------------------------- */

void domains_reconcile(struct domains *t);

/* ---- an HVM guest's display (domain-hvm.c) --------------------------- */

void domain_platform_free(struct domain_platform *pf);
/* Before a start: the VNC port (the one asked for, or with vncunused the
 * first free one from it), and the platform and password libxc gets
 * (NULL for a PV guest). err names the display when none can be had. */
int domain_platform_prepare(struct domain *d, const struct xc_platform **p,
    const char **password, struct xu_err *err);
/* After a start: where the display is, in xenstore
 * (/local/domain/N/console/vnc-port and vnc-listen). */
void domain_platform_started(struct domain *d);
/* The domain's own files (its UEFI NVRAM) go with its record. */
void domain_platform_forget(struct domain *d);
/* (device (vfb ...)) for xm list -l, if the domain has a display. */
void domain_platform_sxp(struct domain *d, struct xv *l);
/* The password of d's VNC display (its own, else xend-config's), or NULL
 * when it has no display or no password. */
const char *domain_platform_password(struct domain *d);
/* Where a running domain's VNC display is reached from this host (a
 * display on every address, on loopback), and whether it speaks TLS
 * (vnc-tls). False when it has none. */
bool domain_platform_display(struct domain *d, const char **addr,
    unsigned *port, bool *tls);

/* ---- a create its client holds (domain-claim.c) -------------------- */

/* finish names a call that can finish a create. */
bool domain_claim_wanted(const char *finish);
/* Before the first record: the claim of process pid (nothing when xend
 * cannot see that process). */
int domain_claim_set(struct domain *d, pid_t pid, const char *finish,
    struct xu_err *err);
/* In the first record's transaction. */
int domain_claim_record(struct domain *d);
/* From then on: the client's end is watched on the loop. */
void domain_claim_watch(struct domain *d);
/* The client made call: the create is finished if it was the one. */
void domain_claim_finish(struct domain *d, const char *call);
void domain_claim_free(struct domain *d);
/* At start, after domains_reconcile: the claims recorded are watched
 * again (a client already gone has its create rolled back). */
void domains_claims_reconcile(struct domains *t);
/* Saves a previous xend left under way: one whose file was complete is
 * finished (the domain goes, as a save does), any other abandoned (its
 * partial file removed, the domain running as before). */
void domains_saves_reconcile(struct domains *t);
/* A record found 'starting' whose start nobody waits for any more (an
 * incoming migration that was never committed): decided at the next look,
 * in a second, instead of after the full wait. */
void domain_adopt_hurry(struct domain *d);

/* ---- the domain SXP (domain-sxp.c) --------------------------------- */

/* Six letters "rbpscd" or '-' (reference 3.2). */
void domain_state_letters(const struct domain *d, char out[7]);
/* The status integer 0-6 and its --state name (reference 3.2). */
int domain_status(const struct domain *d);
const char *domain_status_name(int status);
/* (domain ...) as xend.domain returns it (reference 3.3 order); full adds
 * the devices. */
struct xv *domain_sxp(struct domain *d, bool full);
/* The fields of xm list's table only (domid, uuid, name, memory, times,
 * vCPUs online, state): the brief listing. */
struct xv *domain_sxp_brief(struct domain *d);
/* Seconds the host's CPUs have been busy: Domain-0's CPU time. */
double domain_host_cpu_time(void);

double domain_now(void);

/* ---- xm top's figures (domain-stats.c) ------------------------------ */

#define DOMAIN_STATS_VERSION	1
/* xend.domains.stats: {version, total_memory, free_memory, nr_cpus,
 * domains: [{name, domid, state, cpu_time, memory, maxmem, vcpus,
 * [vcpu_times], nets, vbds, ssid}]} for every domain that exists, sorted
 * by name (docs/ARCHITECTURE.md). vcpus adds each vCPU's seconds. */
struct xv *domains_stats(struct domains *t, bool vcpus);

#endif
