/* xenctrl.h: libxc, the domain/host control API xend uses. It is the only
 * code that speaks xenhv's protocol (xenhv-proto.h); xend never touches a
 * QEMU, a control socket or a QMP message itself. */
#ifndef XENCTRL_H
#define XENCTRL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Stable, append-only error codes; 0 is success, errors are negative. */
enum xc_rc {
	XC_OK = 0,
	XC_ERR_NOMEM = -1,
	XC_ERR_NO_DOMAIN = -2,		/* no monitor answers for this domid */
	XC_ERR_EXISTS = -3,		/* a monitor already runs for this domid */
	XC_ERR_PROTOCOL = -4,		/* malformed or unexpected message */
	XC_ERR_TIMEOUT = -5,
	XC_ERR_IO = -6,			/* errno kept */
	XC_ERR_ENGINE = -7,		/* QEMU refused or failed (detail in xc_last_error) */
	XC_ERR_INVALID = -8,		/* bad argument or config */
	XC_ERR_STATE = -9,		/* not possible in the domain's current state */
	XC_ERR_UNSUPPORTED = -10,
	XC_ERR_START = -11,		/* the monitor or QEMU could not start */
	XC_ERR_VERSION = -12,		/* protocol version mismatch */
	XC_ERR_NO_DEVICE = -13,		/* the domain has no such device plugged */
	XC_ERR_LOCKED = -14,		/* its lease is held elsewhere (xc-lease.h) */
};

const char *xc_strerror(int rc);

enum xc_loglevel { XC_LOG_DEBUG, XC_LOG_INFO, XC_LOG_WARNING, XC_LOG_ERROR };

/* Libraries never print: they log through the caller's logger. */
struct xc_logger {
	void (*log)(void *opaque, enum xc_loglevel level, const char *fmt, va_list ap);
	void *opaque;
};

typedef struct xc_interface xc_interface;

/* root: prefix of every path ("" for the real host; a test directory for a
 * private xend). Paths used, under root:
 *   <root>/var/run/xen/xenhv/<domid>/ctl.sock      control socket
 *   <root>/var/run/xen/xenhv/<domid>/console.sock  console attach socket
 *   <root>/var/log/xen/console/<name>.log           console log
 *   <root>/var/log/xen/qemu-dm-<name>.log            QEMU's stderr
 * xenhv_path: the monitor binary (NULL: the installed one; tests pass the
 * build tree's). */
xc_interface *xc_interface_open(const char *root, const char *xenhv_path,
    const struct xc_logger *logger);
void xc_interface_close(xc_interface *xc);

/* Detail of the last failure on this handle (QEMU's error, the tail of its
 * stderr, a QMP error description), or "". */
const char *xc_last_error(const xc_interface *xc);

/* ---- host ---------------------------------------------------------- */

enum xc_accel { XC_ACCEL_AUTO, XC_ACCEL_KVM, XC_ACCEL_TCG };

struct xc_physinfo {
	unsigned nr_cpus, nr_nodes, cores_per_socket, threads_per_core, sockets;
	unsigned cpu_mhz;
	uint32_t hw_caps[8];
	uint64_t total_memory_kb, free_memory_kb;
	bool kvm_present;
};
int xc_physinfo(xc_interface *xc, struct xc_physinfo *info);

/* Decides the accelerator for accel=auto by measuring: a short calibration
 * in a scratch VM runs the same privileged loop under KVM and TCG side by
 * side; KVM is chosen when present and at least as fast as TCG. why
 * receives a one-line reason for `xm info` ("/dev/kvm missing", "kvm ran
 * the calibration 900x slower than tcg (nested)"). Blocking (a few seconds):
 * call it in a child or at start-up, and cache the answer. */
int xc_accel_probe(xc_interface *xc, enum xc_accel *chosen, char *why, size_t whylen);

/* ---- devices ------------------------------------------------------- */

enum xc_device_kind { XC_DEVICE_DISK, XC_DEVICE_NIC };

/* A virtual disk or NIC as the monitor plugs it into QEMU. Strings are
 * borrowed. */
struct xc_device {
	enum xc_device_kind kind;
	const char *id;			/* unique in the domain: "vbd-51712", "vif-0" */
	/* disks */
	const char *path;		/* NULL: a cdrom without media, or NBD */
	const char *format;		/* raw qcow2 qcow vmdk vpc */
	const char *bus;		/* "virtio" (on a PCIe port) or "ide" */
	unsigned unit;			/* ide: the AHCI port (hda 0, hdb 1 ...) */
	bool readonly;
	bool shared;			/* w!: QEMU's image locking off */
	bool cdrom;
	bool host_device;		/* a block device, not a file */
	/* an NBD export QEMU's own client opens (path NULL): host (name or
	 * address), TCP port, export name (NULL: the server's default) */
	const char *nbd_host;
	unsigned nbd_port;
	const char *nbd_export;
	/* NICs */
	const char *ifname;		/* the tap QEMU attaches to */
	const char *mac;
	const char *model;		/* virtio-net-pci, e1000, rtl8139 ... */
};

#define XC_DEVICES_MAX		64
#define XC_HOTPLUG_SLOTS	4	/* spare PCIe ports by default */

/* ---- an HVM guest's platform ---------------------------------------- */

/* Firmware, boot order, emulated devices and display of an HVM guest (the
 * classic image keys, reference 4.3). Strings NULL when not set. */
struct xc_platform {
	const char *boot;		/* QEMU's boot order, letters a c d n */
	bool acpi;
	bool hpet;
	bool localtime;			/* the RTC starts at local time */
	int64_t rtc_offset;		/* seconds added to it */
	bool stdvga;			/* std VGA, else Cirrus (classic) */
	unsigned videoram_mb;		/* 0: the card's default */
	bool nographic;			/* no graphics card at all */
	bool usb;			/* a USB controller */
	const char *usbdevice;		/* tablet, mouse (implies usb) */
	const char *soundhw;		/* comma list: ac97 es1370 hda sb16 */
	const char *keymap;		/* the VNC keymap, e.g. en-us */
	const char *vnc_listen;		/* the VNC server's address; NULL: none */
	unsigned vnc_port;		/* its TCP port (5900 + display) */
	/* The display asks for a password, which the monitor is given in
	 * its environment (XENHV_VNC_PASSWORD), never on a command line. */
	bool vnc_password;
	/* UEFI: OVMF's code (read only) and the domain's own variables
	 * (NVRAM, written by the guest); NULL for SeaBIOS. */
	const char *firmware_code;
	const char *nvram;
	/* Appended. The first serial port: NULL or "pty" the domain's console
	 * (xm console); else where it goes, classic qemu-dm's words (null,
	 * none, file:PATH, tcp:HOST:PORT[,server][,nowait], telnet:, udp:,
	 * unix:PATH[,server][,nowait], a /dev/ host device). The parallel
	 * port the same (NULL: none). */
	const char *serial;
	const char *parallel;
	const char *fda, *fdb;		/* floppy images (absolute paths) */
	bool viridian;			/* Hyper-V enlightenments (KVM only) */
	bool virtio_vga;		/* a PV guest's vfb: virtio-vga */
	/* VNC over TLS (VeNCrypt, X.509): the directory with ca-cert.pem,
	 * server-cert.pem and server-key.pem; NULL: plain VNC. verify:
	 * clients need a certificate the CA signed. */
	const char *vnc_tls_dir;
	bool vnc_tls_verify;
};

#define XC_VNC_PASSWORD_ENV	"XENHV_VNC_PASSWORD"

/* ---- domains ------------------------------------------------------- */

/* What a domain runs. Strings are copied by xc_domain_create_start. */
struct xc_domain_config {
	uint32_t domid;
	const char *name;
	const char *uuid;		/* 36-char text form */
	bool hvm;			/* false: PV (direct kernel boot, virtio) */
	const char *kernel, *ramdisk, *cmdline;
	uint64_t memory_mb;		/* balloon target at boot */
	uint64_t maxmem_mb;		/* ceiling (guest RAM size) */
	unsigned vcpus;			/* online at boot */
	unsigned maxvcpus;		/* hot-plug ceiling (>= vcpus) */
	enum xc_accel accel;		/* KVM or TCG (never AUTO here) */
	bool paused;			/* leave paused after start */
	/* Appended: resources applied before the guest runs, and restore. */
	unsigned cpu_weight;		/* 1-65535; 0: the default, 256 */
	unsigned cpu_cap;		/* percent of one CPU; 0: none */
	const char *const *affinity;	/* n_affinity CPU lists ("0-3,^1"), */
	unsigned n_affinity;		/* one per vCPU from 0; NULL: any CPU */
	bool restore;			/* load the engine's state from restore_fd */
	int restore_fd;			/* positioned at the stream (restore only) */
	const struct xc_device *devices;	/* plugged in at start, in order */
	size_t ndevices;
	unsigned hotplug_slots;		/* spare PCIe ports; 0 for the default */
	/* Appended: a stream that arrives in QEMU's TLS (live migration):
	 * the x509 directory of tls-creds-x509 (ca-cert.pem, server-*.pem);
	 * NULL for a plain stream. */
	const char *restore_tls_dir;
	/* Appended: an HVM guest's platform (NULL: QEMU's defaults), and
	 * the password of its display, passed to the monitor out of sight. */
	const struct xc_platform *platform;
	const char *vnc_password;
	/* Appended: xend-domain-lock (xc-lease.h): the lease directory
	 * (NULL: none), this host's sanlock host id, and whether the lease
	 * waits for the first unpause (an incoming migration). */
	const char *lease_dir;
	unsigned lease_host_id;
	bool lease_later;
	uint32_t qemu_uid;	/* QEMU's uid and gid; 0: root */
};

/* Starting is split so xend's loop never blocks on it: _start spawns the
 * monitor (which daemonises, outliving the caller) and returns a file
 * descriptor that becomes readable when the domain is up or has failed;
 * _finish reads the outcome (and closes the fd). On failure nothing is left
 * behind: no process, no socket, no run directory. */
int xc_domain_create_start(xc_interface *xc, const struct xc_domain_config *cfg, int *ready_fd);
int xc_domain_create_finish(xc_interface *xc, uint32_t domid, int ready_fd);
/* Both steps, blocking (tools and tests). */
int xc_domain_create(xc_interface *xc, const struct xc_domain_config *cfg);

enum xc_dom_state {
	XC_DOM_RUNNING,			/* QEMU runs the guest (r or b) */
	XC_DOM_PAUSED,
	XC_DOM_SHUTDOWN,		/* the guest has shut down; reason says why */
	XC_DOM_CRASHED,			/* QEMU died or the guest panicked */
	XC_DOM_DYING,
};

enum xc_shutdown_reason {		/* Xen's codes */
	XC_SHUTDOWN_POWEROFF = 0,
	XC_SHUTDOWN_REBOOT = 1,
	XC_SHUTDOWN_SUSPEND = 2,
	XC_SHUTDOWN_CRASH = 3,
	XC_SHUTDOWN_HALT = 4,
};

/* One disk's I/O as QEMU counts it (query-blockstats). */
#define XC_MAX_BLOCKSTATS	16
#define XC_MAX_VCPU_TIDS	128
struct xc_blockstat {
	char id[24];			/* QEMU's device id: "vbd-51712" */
	uint64_t rd_ops, wr_ops, rd_bytes, wr_bytes;
};

struct xc_dominfo {
	uint32_t domid;
	char name[128];
	char uuid[37];
	enum xc_dom_state state;
	enum xc_shutdown_reason shutdown_reason;	/* valid in SHUTDOWN/CRASHED */
	bool blocked;			/* no vCPU thread on a CPU right now */
	uint64_t cpu_time_ns;		/* all vCPU time so far */
	double start_time;		/* epoch seconds */
	unsigned vcpus_online, maxvcpus;
	uint64_t memory_mb, maxmem_mb;
	int monitor_pid, engine_pid;
	/* Appended; 0 / "" from a monitor that does not say. */
	uint64_t memory_actual_mb;	/* what the guest's balloon reports */
	uint64_t boot_mem_mb;		/* the RAM the guest booted with */
	unsigned cpu_weight, cpu_cap;
	char cgroup[256];		/* "v1 PATH", "v2 PATH" or "none" */
	/* Appended: the last save or migration out, as QEMU counts it. */
	uint64_t mig_bytes, mig_total;	/* sent so far; the guest's RAM */
	int64_t mig_downtime_ms;	/* its pause; -1 until known */
	/* Appended: each disk's counters as QEMU's query-blockstats gave
	 * them at the monitor's last look (it looks again after each
	 * getinfo, so they are one request old); none from a monitor that
	 * does not say. */
	unsigned nblockstats;
	struct xc_blockstat blockstats[XC_MAX_BLOCKSTATS];
	/* Appended: the engine's vCPU thread ids (maxvcpus of them, 0 for an
	 * unplugged one), so that a caller can read their CPU time itself
	 * (xc_threads_cpu_ns); none from a monitor that does not say. */
	unsigned n_vcpu_tids;
	pid_t vcpu_tids[XC_MAX_VCPU_TIDS];
};

int xc_domain_getinfo(xc_interface *xc, uint32_t domid, struct xc_dominfo *info);
/* An engine's vCPU threads read from /proc (xc-threads.c), without its
 * monitor: the sum of their CPU time (ns), *running when one is on a CPU
 * (state R). Threads that vanished (and tids of 0) count as zero; a
 * thread listed twice (TCG's single thread) counts once. */
uint64_t xc_threads_cpu_ns(pid_t pid, const pid_t *tids, size_t n, bool *running);
/* One thread: CPU time, whether it is on a CPU, and the host CPU it last
 * ran on; false when it is gone. */
bool xc_thread_info(pid_t pid, pid_t tid, uint64_t *cpu_ns, bool *running,
    int *cpu);
/* xm's six state letters (r b p s c d, '-' where a flag is clear) for info:
 * out gets exactly six characters and a NUL. */
void xc_dominfo_letters(const struct xc_dominfo *info, char out[7]);
/* Every domain whose monitor answers, in domid order (for re-adoption).
 * *list is malloc'd; caller frees. */
int xc_domain_list(xc_interface *xc, struct xc_dominfo **list, size_t *n);

int xc_domain_pause(xc_interface *xc, uint32_t domid);
int xc_domain_unpause(xc_interface *xc, uint32_t domid);
/* A clean request to the guest (ACPI power button). The domain's state
 * later becomes SHUTDOWN with this reason, if the guest obeys. */
int xc_domain_shutdown(xc_interface *xc, uint32_t domid, enum xc_shutdown_reason reason);
int xc_domain_reset(xc_interface *xc, uint32_t domid);
/* Magic SysRq key (a letter or digit) on the guest's serial console. */
int xc_domain_sysrq(xc_interface *xc, uint32_t domid, char key);
/* A trigger: power, reset, nmi, s3resume. */
int xc_domain_trigger(xc_interface *xc, uint32_t domid, const char *name);
/* The guest's memory and vCPUs as an ELF core file at path (absolute),
 * written by the engine; the caller pauses the guest first if it wants a
 * consistent image. */
int xc_domain_dump(xc_interface *xc, uint32_t domid, const char *path);
/* Hard stop: QEMU is killed, the monitor exits, the run directory goes. */
int xc_domain_destroy(xc_interface *xc, uint32_t domid);
/* The console attach socket's path (for xm console). */
int xc_domain_console_path(xc_interface *xc, uint32_t domid, char *path, size_t len);
/* The console's last bytes (the monitor's ring buffer, at most 64 KiB). */
int xc_domain_console_read(xc_interface *xc, uint32_t domid, char **data, size_t *len);

/* ---- device hot-plug ------------------------------------------------- */

/* Requests that wait on the guest run without blocking the caller: they
 * return a handle whose fd becomes readable when the monitor answers;
 * xc_async_finish then gives the outcome, or XC_PENDING when the answer
 * is not complete yet (wait for the fd again). Free the handle in every
 * case. */
typedef struct xc_async xc_async;
#define XC_PENDING	1		/* not an error: no answer yet */

/* Plugs dev into a running domain (a spare PCIe port; IDE cannot). */
int xc_domain_device_add(xc_interface *xc, uint32_t domid,
    const struct xc_device *dev, xc_async **a);
/* Unplugs device id: the answer comes once the guest has released it
 * (QEMU's DEVICE_DELETED) and its backend is gone, or after timeout_s. */
int xc_domain_device_del(xc_interface *xc, uint32_t domid, const char *id,
    unsigned timeout_s, xc_async **a);
/* Changes the medium of an IDE cdrom (dev->id names it; dev->path or
 * the NBD export is the new medium, neither an empty drive). */
int xc_domain_media_change(xc_interface *xc, uint32_t domid,
    const struct xc_device *dev, xc_async **a);
int xc_async_fd(const xc_async *a);
int xc_async_finish(xc_interface *xc, xc_async *a);
void xc_async_free(xc_async *a);

/* ---- events -------------------------------------------------------- */

enum xc_event_type {
	XC_EV_STATE,			/* state changed (shutdown, crash, pause...) */
	XC_EV_CONSOLE_RESET,
	XC_EV_MEMORY,			/* the balloon reports value MiB */
	XC_EV_VCPUS,			/* value vCPUs are online */
};

struct xc_event {
	uint32_t domid;
	uint64_t seq;			/* per-monitor, increasing */
	enum xc_event_type type;
	enum xc_dom_state state;
	enum xc_shutdown_reason reason;
	char detail[256];
	uint64_t value;			/* XC_EV_MEMORY, XC_EV_VCPUS */
};

/* Subscribes to one domain's events: returns a connection fd to watch for
 * readability. The monitor keeps events until they are acknowledged, so an
 * xend that dies between reading and acting sees them again. */
int xc_event_subscribe(xc_interface *xc, uint32_t domid, int *fd);
/* Reads the next event from a readable fd: XC_OK with *ev filled,
 * XC_ERR_TIMEOUT when nothing complete is buffered yet, XC_ERR_NO_DOMAIN
 * when the monitor went away (the fd is then dead: close it). */
int xc_event_read(xc_interface *xc, int fd, struct xc_event *ev);
int xc_event_ack(xc_interface *xc, int fd, uint64_t seq);

/* Ends a subscription: forgets its buffered input and closes fd. Call it
 * instead of close() so the number can be reused safely. */
int xc_event_close(xc_interface *xc, int fd);

/* ---- resources of a running domain (xc-resources.c) ----------------- */

/* The balloon target (MiB): the call returns once QEMU has it; the guest
 * gets there later (XC_EV_MEMORY events, memory_actual_mb). */
int xc_domain_set_target(xc_interface *xc, uint32_t domid, uint64_t mb);
/* The ceiling of balloon targets: from the target up to the memory the
 * guest booted with. */
int xc_domain_setmaxmem(xc_interface *xc, uint32_t domid, uint64_t mb);
/* Hot-plugs vCPUs, or asks the guest to give some back (XC_EV_VCPUS tells
 * when it has): 1 to maxvcpus. */
int xc_domain_set_vcpus(xc_interface *xc, uint32_t domid, unsigned count);

struct xc_vcpuinfo {
	unsigned vcpu;
	bool online, running;
	int cpu;			/* host CPU it last ran on; -1 offline */
	uint64_t cpu_time_ns;
	char affinity[256];		/* CPU list, "0-3,5" */
};
/* Every vCPU up to maxvcpus; *v malloc'd. nr_cpus: the host's CPUs. */
int xc_vcpu_getinfo(xc_interface *xc, uint32_t domid, struct xc_vcpuinfo **v,
    size_t *n, unsigned *nr_cpus);
/* vcpu -1 pins every vCPU; cpus is a CPU list ("0-3,^1"). */
int xc_vcpu_setaffinity(xc_interface *xc, uint32_t domid, int vcpu, const char *cpus);
/* Credit scheduler: weight 1-65535, cap in percent of one CPU (0: none);
 * -1 leaves one as it is. The current values are in xc_dominfo. */
int xc_sched_credit_domain_set(xc_interface *xc, uint32_t domid, int weight, int cap);

/* ---- save and restore (xc-save.c) ----------------------------------- */

enum {
	XC_SAVE_LIVE = 1 << 0,		/* the guest runs during the copy */
	/* the monitor cancels the copy (and resumes a guest that ran) if
	 * the caller's connection closes first: set for saves to a file */
	XC_SAVE_ABANDON_ON_CLOSE = 1 << 1,
};

/* Writes the domain's engine state to fd (a file or a socket, from its
 * current position): the descriptor goes to the monitor and QEMU, never
 * the stream through the caller. Split like creation: _start sends the
 * request and gives a descriptor that becomes readable when the monitor
 * answers; _finish reads the outcome and the bytes written, and closes
 * it. Not live: the domain is left paused on success; a failed save
 * leaves it as it was. */
int xc_domain_save_start(xc_interface *xc, uint32_t domid, int fd, unsigned flags,
    int *wait_fd);
int xc_domain_save_finish(xc_interface *xc, int wait_fd, uint64_t *bytes);
int xc_domain_save(xc_interface *xc, uint32_t domid, int fd, unsigned flags,
    uint64_t *bytes);
/* A live migration's side of the same: the stream goes to fd (a socket to
 * the destination's QEMU) with QEMU's downtime limit and, when tls_dir is
 * set, QEMU's own TLS (tls-creds-x509 from that directory: ca-cert.pem,
 * client-cert.pem, client-key.pem; the peer's certificate must name
 * tls_host). Finished with xc_domain_save_finish; progress in
 * xc_dominfo's mig_* fields meanwhile. */
struct xc_migrate_params {
	unsigned flags;			/* XC_SAVE_LIVE */
	unsigned downtime_ms;		/* 0: QEMU's default */
	const char *tls_dir;
	const char *tls_host;
};
int xc_domain_migrate_start(xc_interface *xc, uint32_t domid, int fd,
    const struct xc_migrate_params *p, int *wait_fd);
/* Whether fd, at its current position, holds an engine stream this libxc
 * can restore (checked without moving the position). Restoring is
 * xc_domain_create with cfg.restore set. */
int xc_domain_restore_check(xc_interface *xc, int fd);

/* Notes on the calls above (appended; the contract is unchanged):
 * - xc_event_read may find several events in one read: call it until it
 *   returns XC_ERR_TIMEOUT before waiting on the fd again.
 * - The monitor logs to <root>/var/log/xen/xenhv-<name>.log.
 * - The engine binary is $XEN_QEMU or /usr/bin/qemu-system-x86_64.
 * - xc_accel_probe picks KVM when it ran the calibration at least as fast
 *   as TCG; a nested KVM that emulates supervisor mode is orders of
 *   magnitude slower, never close. */

#endif
