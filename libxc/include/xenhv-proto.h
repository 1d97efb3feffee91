/* xenhv-proto.h: the protocol between libxc and xenhv, the per-domain
 * monitor, on <root>/var/run/xen/xenhv/<domid>/ctl.sock, and its codec.
 *
 * Framing: one JSON object per line ('\n'), UTF-8, at most XHP_LINE_MAX
 * bytes and XHP_DEPTH_MAX levels deep. Four kinds of message:
 *
 *   request   {"id":7,"request":"pause","args":{...}}
 *   ok reply  {"id":7,"ok":{...}}
 *   error     {"id":7,"error":{"code":5,"name":"state","message":"..."}}
 *   event     {"event":"state","seq":12,"data":{...}}
 *
 * The client speaks first: a "hello" request carrying its version; the
 * monitor answers with its own version, or a "version" error when it no
 * longer speaks the client's (< XHP_VERSION_MIN). Until the hello, every
 * other request gets a "no-hello" error. A request the monitor does not
 * know gets an "unknown-request" error reply; the connection stays up.
 * A line that is not a request (bad JSON, too deep, too long) gets a
 * "bad-request" error with id 0; a line over XHP_LINE_MAX also ends the
 * connection, as there is no telling where the next one starts.
 *
 * Requests (args -> ok result); every name and field is append-only:
 *   hello        {version, client}  -> {version, domid, name, pid}
 *   getinfo      {}                 -> {domid, name, uuid, state, reason,
 *                   blocked, cpu_time_ns, start_time, vcpus_online,
 *                   maxvcpus, memory_mb, maxmem_mb, monitor_pid, engine_pid}
 *   pause        {}                 -> {}
 *   unpause      {}                 -> {}
 *   shutdown     {reason}           -> {}  (ACPI power button; the reason
 *                   is reported when the guest powers off)
 *   reset        {}                 -> {}  (hard reset: reported as a
 *                   shutdown with reason "reboot")
 *   destroy      {}                 -> {}  then the monitor removes its run
 *                   directory and exits, which closes the connection
 *   console_read {}                 -> {data (base64), len}
 *   subscribe    {}                 -> {next_seq}, then every unacknowledged
 *                   event, then each new one as it happens
 *   ack          {seq}              -> {}  (forgets events with seq <= seq)
 *   device_add   {DEVICE}           -> {}  (plugged into a spare PCIe port:
 *                   QMP blockdev-add or netdev_add, then device_add; undone
 *                   when a step fails)
 *   device_del   {id, timeout}      -> {}  (QMP device_del; the reply waits
 *                   for QEMU's DEVICE_DELETED for it, then blockdev-del or
 *                   netdev_del; a "timeout" error after timeout seconds)
 *
 *   sysrq        {key}              -> {}  (appended, still version 1: a
 *                   break on the guest's serial line, then the key, a
 *                   letter or digit, as Linux's serial sysrq takes it)
 *   trigger      {name}             -> {}  (appended: power (the power
 *                   button), reset, nmi, s3resume; "unsupported" for
 *                   others, such as init)
 *   dump         {path}             -> {}  (appended: the guest's memory and
 *                   vCPU state as an ELF core file at path, written by
 *                   QEMU; the guest keeps the state it had)
 *   media        {DEVICE}           -> {}  (appended: the IDE cdrom DEVICE's
 *                   id names gets DEVICE's medium, or none without path
 *                   and nbd_host; the tray is forced open and closed)
 *
 * DEVICE, the same object xenhv takes at start (--device JSON, one per
 * device, in the guest's order): {kind "disk"|"nic", id, and for disks
 * path (absent: a cdrom without media), format (raw qcow2 qcow vmdk vpc),
 * bus ("virtio" or "ide"), unit (ide), readonly, shared, cdrom,
 * host_device, and, instead of path for a disk on an NBD server (appended,
 * still version 1), nbd_host, nbd_port, nbd_export (optional); for NICs
 * ifname, mac, model}. xenhv --hotplug-slots N
 * adds N spare PCIe root ports for hot-plug (default 4).
 *
 * Appended for resources and save/restore (still version 1: a request an
 * older monitor does not know gets "unknown-request"; getinfo's new
 * fields are optional to a reader):
 *   getinfo      ... + memory_actual_mb (what the guest's balloon reports),
 *                   boot_mem_mb (the RAM it booted with),
 *                   cpu_weight, cpu_cap, cgroup ("v1 PATH", "v2 PATH" or
 *                   "none")
 *   balloon      {target_mb}        -> {}  (moves the balloon target; the
 *                   guest gets there later: "memory" events tell)
 *   setmaxmem    {maxmem_mb}        -> {}  (the ceiling of balloon targets;
 *                   at most the memory the guest booted with)
 *   vcpu_set     {count}            -> {}  (hot-plugs vCPUs or asks the
 *                   guest to give them back; "vcpus" events tell when)
 *   vcpu_info    {}                 -> {nr_cpus, vcpus: [{vcpu, online,
 *                   running, cpu, cpu_time_ns, affinity}]} (affinity and
 *                   host CPUs as CPU-list text, "0-3,5")
 *   vcpu_pin     {vcpu, cpus}       -> {}  (vcpu -1: all; cpus a CPU list)
 *   sched_set    {weight?, cap?}    -> {}  (credit semantics, cgroup)
 *   save         {live}  + one descriptor passed with the request line
 *                   (SCM_RIGHTS)      -> {bytes} once QEMU has written the
 *                   whole stream to it. Not live: the domain is paused
 *                   first and stays paused; a failed save resumes it if it
 *                   was running. Live: the guest runs during the copy and
 *                   is paused at the end (migration).
 *                   Optional: downtime_ms (QEMU's downtime-limit),
 *                   tls_dir and tls_host (QEMU's TLS on the stream: the
 *                   x509 directory, the name the peer's certificate must
 *                   have).
 *   getinfo      ... + mig_bytes, mig_total, mig_downtime_ms (the last
 *                   save or migration out as QEMU counts it; -1: unknown)
 *   getinfo      ... + blockstats: [{id, rd_ops, wr_ops, rd_bytes,
 *                   wr_bytes}] (each disk's counters by QEMU's device id,
 *                   "vbd-51712", as QEMU's query-blockstats gave them at
 *                   the monitor's last look; each getinfo starts the next
 *                   look, so they are one getinfo old)
 * Events appended: "memory" {actual_mb}; "vcpus" {online}.
 *
 * Events: "state" {state, reason, detail} when the domain's state changes;
 * "console_reset" {detail}. seq numbers are per monitor, from 1, increasing.
 * The monitor keeps events until some client acknowledges them (at most
 * XHP_EVENTS_MAX; past that the oldest go), so a manager that dies between
 * reading and acting sees them again from its successor.
 *
 * Names on the wire: states "running" "paused" "shutdown" "crashed"
 * "dying"; reasons "poweroff" "reboot" "suspend" "crash" "halt" (the order
 * of enum xc_dom_state and Xen's shutdown codes, enum xc_shutdown_reason).
 *
 * Restore: libxc runs xenhv with --incoming-fd N (a file or socket;
 * --incoming-tls DIR when the stream comes in QEMU's TLS
 * positioned at the engine's stream); QEMU starts with -incoming defer
 * and loads it before the domain is reported up.
 *
 * Start-up: libxc runs xenhv with --ready-fd N; the monitor writes one
 * line there and closes it: "ok <pid>\n" once the domain is up, or
 * "error <code> <message>" (code: enum xhp_err; the message may span
 * lines) after it has removed everything it had made. */
#ifndef XENHV_PROTO_H
#define XENHV_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#define XHP_VERSION		1	/* this side's version */
#define XHP_VERSION_MIN		1	/* oldest peer version still spoken */
#define XHP_LINE_MAX		(256 * 1024)
#define XHP_DEPTH_MAX		16
#define XHP_EVENTS_MAX		1024

#define XHP_REQ_HELLO		"hello"
#define XHP_REQ_GETINFO		"getinfo"
#define XHP_REQ_PAUSE		"pause"
#define XHP_REQ_UNPAUSE		"unpause"
#define XHP_REQ_SHUTDOWN	"shutdown"
#define XHP_REQ_RESET		"reset"
#define XHP_REQ_DESTROY		"destroy"
#define XHP_REQ_CONSOLE_READ	"console_read"
#define XHP_REQ_SUBSCRIBE	"subscribe"
#define XHP_REQ_ACK		"ack"
#define XHP_REQ_BALLOON		"balloon"
#define XHP_REQ_SETMAXMEM	"setmaxmem"
#define XHP_REQ_VCPU_SET	"vcpu_set"
#define XHP_REQ_VCPU_INFO	"vcpu_info"
#define XHP_REQ_VCPU_PIN	"vcpu_pin"
#define XHP_REQ_SCHED_SET	"sched_set"
#define XHP_REQ_SAVE		"save"
#define XHP_REQ_DEVICE_ADD	"device_add"
#define XHP_REQ_DEVICE_DEL	"device_del"
#define XHP_REQ_SYSRQ		"sysrq"
#define XHP_REQ_TRIGGER		"trigger"
#define XHP_REQ_DUMP		"dump"
#define XHP_REQ_MEDIA		"media"

#define XHP_EV_STATE		"state"
#define XHP_EV_CONSOLE_RESET	"console_reset"
#define XHP_EV_MEMORY		"memory"
#define XHP_EV_VCPUS		"vcpus"

/* Error codes of error replies; stable, append-only. */
enum xhp_err {
	XHP_E_INTERNAL = 1,		/* the monitor failed (details in message) */
	XHP_E_BAD_REQUEST = 2,		/* malformed line or arguments */
	XHP_E_UNKNOWN_REQUEST = 3,
	XHP_E_VERSION = 4,
	XHP_E_NO_HELLO = 5,
	XHP_E_STATE = 6,		/* not possible in the current state */
	XHP_E_ENGINE = 7,		/* QEMU refused or failed */
	XHP_E_UNSUPPORTED = 8,
	XHP_E_EXISTS = 9,		/* start-up: the domid is taken */
	XHP_E_START = 10,		/* start-up: QEMU or the monitor failed */
	XHP_E_INVALID = 11,		/* start-up: bad configuration */
	XHP_E_TIMEOUT = 12,
	XHP_E_NO_DEVICE = 13,		/* no such device is plugged */
	XHP_E_LOCKED = 14,		/* the domain's lease is held elsewhere */
};

const char *xhp_err_name(int code);

enum xhp_kind {
	XHP_REQUEST,
	XHP_REPLY_OK,
	XHP_REPLY_ERROR,
	XHP_EVENT,
};

/* A decoded message. Strings point into root; body is always an object
 * (an empty "args" or "ok" may be left out on the wire). */
struct xhp_msg {
	enum xhp_kind kind;
	int64_t id;			/* requests and replies */
	uint64_t seq;			/* events */
	const char *name;		/* request or event name */
	yajl_val body;			/* args, ok result or event data */
	int64_t code;			/* error replies */
	const char *message;		/* error replies */
	yajl_val root;
};

/* Checks what yajl's tree parser does not: no NUL byte and nesting at most
 * maxdepth (yajl frees trees recursively). Used on QMP input too. */
bool xhp_json_sane(const char *s, size_t len, int maxdepth);
/* Parses one untrusted line that must hold a JSON object, within maxlen
 * bytes and maxdepth levels; NULL with why ("<what> too long", "<what> is
 * not a JSON object", yajl's message) otherwise. Shared with xenhv's QMP
 * decoder. The caller frees the tree with yajl_tree_free. */
yajl_val xhp_json_object(const char *line, size_t len, size_t maxlen, int maxdepth,
    const char *what, char *why, size_t whylen);

/* Decodes one line (without its '\n'). On failure returns false and says
 * why; m is then empty. */
bool xhp_parse(const char *line, size_t len, struct xhp_msg *m, char *why, size_t whylen);
void xhp_msg_dispose(struct xhp_msg *m);

/* Typed members of an object: false when missing, of another type or out
 * of range. */
bool xhp_get_str(yajl_val obj, const char *key, const char **out);
bool xhp_get_int(yajl_val obj, const char *key, int64_t *out);
bool xhp_get_uint(yajl_val obj, const char *key, uint64_t *out);
bool xhp_get_bool(yajl_val obj, const char *key, bool *out);
bool xhp_get_double(yajl_val obj, const char *key, double *out);

/* Encoding: xhp_begin opens a message of a kind (id for requests and
 * replies, seq for events; name for requests and events) with its body
 * object open; the put functions add members; xhp_end closes it and
 * returns the line with its '\n' (malloc'd). Strings that are not valid
 * UTF-8 have the bad bytes replaced by '?'. */
yajl_gen xhp_begin(enum xhp_kind kind, uint64_t id_or_seq, const char *name);
void xhp_put_str(yajl_gen g, const char *key, const char *val);
void xhp_put_int(yajl_gen g, const char *key, int64_t val);
void xhp_put_uint(yajl_gen g, const char *key, uint64_t val);
void xhp_put_bool(yajl_gen g, const char *key, bool val);
void xhp_put_double(yajl_gen g, const char *key, double val);
char *xhp_end(yajl_gen g, size_t *len);
/* A whole error reply. */
char *xhp_error_line(int64_t id, int code, const char *message, size_t *len);

/* Names of states and shutdown reasons (see above); NULL / -1 if unknown. */
const char *xhp_state_name(int state);
int xhp_state_from_name(const char *name);
const char *xhp_reason_name(int reason);
int xhp_reason_from_name(const char *name);

/* One sendmsg of data on a stream socket with fd attached (SCM_RIGHTS)
 * to its first byte: how a descriptor travels with the request naming
 * it, to the monitor and on to QEMU. Returns what sendmsg does (no
 * SIGPIPE); the caller sends any rest without it. */
ssize_t xhp_send_fd(int sock, const void *data, size_t len, int fd);
/* Devices (struct xc_device, xenctrl.h) on the wire: the members of a
 * device object into an open object; a whole object for xenhv's
 * --device argument (malloc'd); and the checked decoding of one, with
 * strings pointing into obj (false with why). */
struct xc_device;
struct xc_platform;

/* An HVM guest's platform (xenhv-platform.c): to and from the JSON of
 * xenhv's --platform option, and the checks both ends make. The decoded
 * strings point into obj. */
char *xhp_platform_json(const struct xc_platform *p);
bool xhp_get_platform(yajl_val obj, struct xc_platform *p, char *why,
    size_t whylen);
bool xhp_platform_check(const struct xc_platform *p, char *why, size_t whylen);
/* A sound card name QEMU is given for it (soundhw), or NULL. */
const char *xhp_sound_device(const char *name);

void xhp_put_device(yajl_gen g, const struct xc_device *dev);
char *xhp_device_json(const struct xc_device *dev);
bool xhp_get_device(yajl_val obj, struct xc_device *dev, char *why, size_t whylen);
/* A NIC model xenhv plugs in (virtio-net-pci, e1000, rtl8139 ...). */
bool xhp_nic_model_known(const char *model);

/* Console bytes travel as base64 (JSON strings must be UTF-8). */
char *xhp_b64_encode(const void *data, size_t len, size_t *outlen);
bool xhp_b64_decode(const char *s, size_t len, char **out, size_t *outlen);

#endif
