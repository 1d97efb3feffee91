/* device.h: a domain's virtual networks and disks in xend: the config's
 * (device (vif ...)) and (device (vbd|tap|tap2 ...)) elements checked and
 * resolved, their xenstore directories and disk locks recorded, taps and
 * hotplug scripts brought up without blocking the loop, what xenhv is
 * given, hot-plug, and the clean-up when an instance ends. One file per
 * job, this header for all (docs/ARCHITECTURE.md, "Devices"). */
#ifndef XEND_DEVICE_H
#define XEND_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenctrl.h"
#include "xu.h"
#include "xv.h"

struct domain;
struct xend;

enum dev_kind { DEV_VIF, DEV_VBD };

/* xenbus states, as the backend and frontend nodes show them. */
enum {
	XENBUS_INITIALISING = 1,
	XENBUS_INITWAIT = 2,
	XENBUS_INITIALISED = 3,
	XENBUS_CONNECTED = 4,
	XENBUS_CLOSING = 5,
	XENBUS_CLOSED = 6,
};

/* One device of one instance of a domain, resolved. */
struct dev {
	enum dev_kind kind;
	int64_t devid;		/* vif: 0, 1 ...; vbd: the Xen device number */
	char qemu_id[24];	/* "vif-0", "vbd-51712" */
	/* vif */
	char *mac, *bridge, *ip, *rate, *model;
	char *vif_type;		/* type=: ioemu, netfront, or NULL */
	char *script;		/* as configured (a name under the scripts dir) */
	char *script_path;	/* resolved */
	char *vifname;		/* the tap: vifname= or vif<domid>.<devid> */
	bool vifname_given;
	/* vbd */
	char *cls;		/* vbd, tap or tap2, as in the config */
	char *uname;		/* as configured */
	char *vdev;		/* "xvda", without ioemu: and :cdrom */
	char *type;		/* phy, file, tap, tap2 or another (block-<type>) */
	char *params;		/* the path (or what block-<type> is given) */
	char *path;		/* what QEMU opens (the script's node), or NULL */
	char *nbd_host;		/* nbd:: QEMU's NBD client opens the export */
	unsigned nbd_port;
	char *nbd_export;	/* NULL: the server's default */
	const char *format;	/* raw, qcow2 ... */
	char *mode;		/* r, w, w! */
	bool cdrom, ioemu, host_device;
	char *lock_key;		/* NULL when nothing is locked */
	const char *bus;	/* virtio or ide */
	unsigned ide_unit;
	/* where it lives in xenstore */
	char *backend, *frontend;
	bool tap_made;		/* the tap exists and is ours to remove */
	struct dev *next;
};

/* ---- the config (device-config.c) ---------------------------------- */

/* One (vif ...) or (vbd|tap|tap2 ...) element's words, checked, into v
 * (cleared first; no file is looked at). */
int device_read(const struct xv *elem, struct dev *v, struct xu_err *err);
/* The element inside a (device X) child, or NULL (also for vfb and vkbd,
 * which the platform takes). */
const struct xv *device_elem(const struct xv *child);
bool device_is_disk_class(const char *cls);
void device_random_mac(char *buf, size_t len);
void dev_dispose(struct dev *v);
int device_fail(struct xu_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Checks every (device ...) element of a (vm ...): vif and vbd/tap/tap2
 * are supported (specs as xm checks them), others refused naming them;
 * no two disks on one guest device. */
int device_config_check(const struct xv *vm, struct xu_err *err);
/* Gives every vif without a MAC a random 00:16:3e:xx:xx:xx (first byte
 * at most 0x7f), in the config, so restarts keep it. */
void device_config_fill_macs(struct xv *vm);
/* The next free vif handle and whether a vbd device number is taken. */
int64_t device_config_next_vif(const struct xv *vm);
/* The (device ...) elements of a class ("vif", or "vbd" for every disk). */
size_t device_config_count(const struct xv *vm, const char *cls);

struct dev_env {
	uint32_t domid;
	bool hvm;
	const char *scripts_dir;	/* xend-scripts-path */
	const char *vif_script;		/* xend's vif-script */
};

/* ---- resolving (device-resolve.c) ------------------------------------ */

/* One device from its element ((vif ...) or (vbd ...)): checked and
 * resolved (disk paths, formats, lock keys: files are looked at). */
int device_resolve(const struct xv *elem, int64_t vif_index,
    const struct dev_env *env, struct dev **out, struct xu_err *err);
/* Every device of vm, disks first in device-number order (their guest
 * names follow it), then the vifs. */
int devices_resolve(const struct xv *vm, const struct dev_env *env,
    struct dev **list, struct xu_err *err);
/* Whether the bridge of each vif of list that vif-bridge connects is on
 * this host (as the script finds it), before anything is started. */
int devices_check_bridges(const struct dev *list, struct xu_err *err);
void devices_free(struct dev *list);
/* A migration's pre-flight: whether every disk of vm can be opened on
 * this host as the source has it (a file or device that exists, an NBD
 * server that answers), before anything is created. The message names
 * the disk, where it is and the cause. host names this host. */
int devices_check_reachable(const struct xv *vm, const char *host,
    struct xu_err *err);
/* The kernel command line with root=/dev/xvda1 (or sdX, hdX) turned into
 * the guest's own name for that disk (/dev/vda1). */
char *devices_translate_root(const char *cmdline, const struct dev *list);
/* "Device 51712 (vbd)". */
const char *device_kind_name(enum dev_kind k);
/* The libxc description of a resolved device (strings borrowed). */
void device_to_xc(const struct dev *dev, struct xc_device *xd);
/* A disk's device number from a name ("xvda", "/dev/hda", "51712"). */
int device_vdev_number(const char *name, int64_t *num);

/* ---- xenstore and locks (device-record.c) --------------------------- */

/* The instance's nodes (domain, devices) and the disk locks, in the
 * store transaction the caller has open; a disk another domain writes is
 * refused naming it. phase goes to /vm/<uuid>/xend/start-phase. */
int devices_record(struct domain *d, struct dev *list, struct xu_err *err);
int device_record_one(struct domain *d, struct dev *dev, struct xu_err *err);
/* A cdrom's new medium (dev, resolved) in its backend nodes and its lock,
 * in the store transaction the caller has open. */
int device_record_media(struct domain *d, const struct dev *dev,
    struct xu_err *err);
/* Whether d could take the disk locks of list here (nothing recorded):
 * a disk another domain of this host writes is refused naming it. */
int devices_check_locks(struct domain *d, const struct dev *list,
    struct xu_err *err);
/* Marks every device of the instance connected (state 4, front and back). */
void devices_mark(struct domain *d, const struct dev *list, int state);
void device_mark(struct xend *x, const struct dev *dev, int state);
void devices_set_phase(struct domain *d, const char *phase);
char *devices_get_phase(struct domain *d);
/* The end of an instance (d->domid): taps removed, offline scripts run
 * (their outcome only logged), its xenstore directories gone, and,
 * unless keep_locks (a restart), its disk locks released. */
void devices_release(struct domain *d, bool keep_locks);
/* One device going (detach): tap, script, nodes, lock. */
void device_release_one(struct domain *d, enum dev_kind kind, int64_t devid);
/* At xend start: taps, nodes and locks of instances that no longer run. */
void devices_reconcile(struct xend *x);
/* The backend directory of a domain's device. */
char *device_backend_path(uint32_t domid, enum dev_kind kind, int64_t devid);

/* ---- I/O counters (device-stats.c) ------------------------------------ */

/* A running domain's vifs, by handle: {devid, vifname, tx_bytes,
 * tx_packets, tx_errs, tx_drop, rx_*} from the guest's side (the tap's
 * receive is the guest's transmit), counters as doubles. */
struct xv *device_stats_nets(struct domain *d);
/* Its disks, by device number: {devid, oo_req, rd_req, wr_req, rd_sect,
 * wr_sect} from the monitor's last query-blockstats (d->info, so after a
 * domain_refresh); 0 where the monitor gave none. */
struct xv *device_stats_vbds(struct domain *d);

/* ---- taps (tap.c) ------------------------------------------------------ */

/* A persistent tap named name (attaching to a leftover one of ours);
 * refused if something is attached to it or it is not a tap. */
int tap_create(const char *name, char *err, size_t errlen);
/* Removes it (nothing if it is gone); 0 or an errno. */
int tap_delete(const char *name);

/* ---- bringing devices up (device-connect.c) -------------------------- */

struct dev_connect;
typedef void (*dev_connected_fn)(struct domain *d, int rc, const char *msg,
    void *arg);

/* Creates the taps and runs the hotplug scripts of list (recorded), one
 * after another, waiting for xend's network script first; done gets
 * XU_OK, or an error and the message naming the device, the script, its
 * exit status and its words. Never calls done from inside. */
struct dev_connect *devices_connect(struct domain *d, struct dev *list,
    dev_connected_fn done, void *arg);
/* Abandons it: scripts killed, done never called. */
void devices_connect_cancel(struct dev_connect *c);

/* The hotplug environment and script path for a vif or disk. */
char **device_script_env(struct xend *x, const struct dev *dev, uint32_t domid);
void device_env_free(char **env);

/* ---- network script (network.c) --------------------------------------- */

/* Runs xend-config's network-script (`<script> start [words]`) once; fn
 * is called when it has ended (at once when there is none). */
void network_start(struct xend *x);
void network_when_ready(struct xend *x, void (*fn)(void *), void *arg);
void network_forget_waiter(struct xend *x, void *arg);
void network_free(struct xend *x);

/* ---- hot-plug (device-hotplug.c) ---------------------------------------- */

/* At xend start, for a re-adopted domain: attaches that never finished
 * are undone (device, records, config entry). */
void devices_adopt_check(struct domain *d);
/* xend.domain.device_create: elem is (vif ...) or (vbd ...); done once. */
int device_attach(struct domain *d, const struct xv *elem,
    dev_connected_fn done, void *arg, struct xu_err *err);
/* xend.domain.destroyDevice. */
int device_detach(struct domain *d, enum dev_kind kind, int64_t devid,
    bool force, dev_connected_fn done, void *arg, struct xu_err *err);

/* xend.domain.device_configure: elem is (vbd ...) naming a cdrom of a
 * running HVM domain and its new medium (an empty uname: none); QEMU
 * changes it, then the records follow. done once. */
int device_configure(struct domain *d, const struct xv *elem,
    dev_connected_fn done, void *arg, struct xu_err *err);

/* ---- the devices as xm sees them (device-sxp.c) ------------------------ */

/* [devid, [[key, value]...]] per device of a class, from xenstore (a
 * running domain) or the config (reference 3.8, 3.9). */
struct xv *device_sxprs(struct domain *d, enum dev_kind kind);
/* (device (vif ...)) ... for xm list -l. */
void device_sxp_append(struct domain *d, struct xv *list);

#endif
