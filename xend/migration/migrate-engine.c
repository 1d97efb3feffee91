/* migrate-engine.c: the engine's stream of a migration, over a descriptor
 * passed down to QEMU (libxc, xenhv): the source's QEMU migrates to the
 * data socket (xc_domain_migrate_start, live, with a downtime limit), the
 * destination's is started with -incoming and loads from it (a restore
 * whose stream is a socket: domain_launch). Neither xend reads a byte of
 * it. With TLS, QEMU encrypts the stream itself, with the host's
 * relocation certificates laid out the way tls-creds-x509 wants them. */
#include "relocation-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "device.h"
#include "log.h"
#include "xend-options.h"

/* QEMU's pause at the end of a live migration (the seeds' figure). */
#define MIG_DOWNTIME_MS		100

/* ---- QEMU's x509 directory ---------------------------------------------- */

static int
link_file(const char *dir, const char *name, const char *target,
    struct xu_err *err)
{
	char *path = xu_asprintf("%s/%s", dir, name);
	int rc = XU_OK;

	(void)unlink(path);
	if (symlink(target, path) != 0) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot link %s to %s: %s", path,
		    target, strerror(errno));
		rc = XU_ERR_IO;
	}
	free(path);
	return rc;
}

/* <run dir>/migration-tls: ca-cert.pem, and this host's certificate and
 * key as both server-* and client-* (caller frees). */
static char *
qemu_tls_dir(struct relocation *rl, struct xu_err *err)
{
	struct reloc_tls *tls;
	const char *ca, *cert, *key;
	char *dir, *pca, *pcert, *pkey;
	int rc;

	if (reloc_tls_get(rl, &tls, err) != XU_OK)
		return NULL;
	dir = xend_opts_rooted(rl->x->opts, XEND_RUN_DIR "/migration-tls");
	reloc_tls_paths(rl, &ca, &cert, &key);
	pca = reloc_etc_xen_path(rl, ca);
	pcert = reloc_etc_xen_path(rl, cert);
	pkey = reloc_etc_xen_path(rl, key);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot create %s: %s", dir,
		    strerror(errno));
		rc = XU_ERR_IO;
	} else if ((rc = link_file(dir, "ca-cert.pem", pca, err)) == XU_OK &&
	    (rc = link_file(dir, "server-cert.pem", pcert, err)) == XU_OK &&
	    (rc = link_file(dir, "server-key.pem", pkey, err)) == XU_OK &&
	    (rc = link_file(dir, "client-cert.pem", pcert, err)) == XU_OK) {
		rc = link_file(dir, "client-key.pem", pkey, err);
	}
	free(pca);
	free(pcert);
	free(pkey);
	if (rc != XU_OK) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* ---- the destination ------------------------------------------------------ */

/* The guest's devices must be there for this host's QEMU, as they are
 * for the source's: each disk reachable (a path that exists here, an NBD
 * server that answers) and written by no domain of this host, each vif's
 * bridge present. A device only the source has is refused now, while the
 * source still runs the guest and nothing is made here. */
static int
check_devices(struct domain *d, const struct xv *vm, struct xu_err *err)
{
	struct xend *x = d->tab->x;
	struct dev_env env = { d->domid, d->cfg.hvm,
	    xend_opt_str(x->opts, "xend-scripts-path"),
	    xend_opt_str(x->opts, "vif-script") };
	struct dev *list = NULL;
	char *cause;
	int rc;

	if ((rc = devices_check_reachable(vm, x->reloc != NULL ?
	    x->reloc->hostname : "this host", err)) != XU_OK)
		return rc;
	if ((rc = devices_resolve(vm, &env, &list, err)) != XU_OK)
		return rc;
	if ((rc = devices_check_bridges(list, err)) != XU_OK) {
		cause = xu_strdup(err->msg);
		xu_err_set(err, rc, 0, "cannot receive domain '%s': %s", d->name,
		    cause);
		free(cause);
	} else {
		rc = devices_check_locks(d, list, err);
	}
	devices_free(list);
	return rc;
}

int
mig_engine_check(struct domains *t, const struct xv *vm, struct xu_err *err)
{
	struct domain *d;
	int rc;

	/* the same checks as a restore's: the config, the name and UUID,
	 * the kernel, room for the memory; the vifs' bridges and the disks, so
	 * that a host without one refuses before a byte of the guest is sent */
	if ((d = domain_from_config(t, vm, "receive", err)) == NULL)
		return err->rc ? err->rc : XU_ERR_INVALID;
	rc = domain_admit(d, "receive", err);
	if (rc == XU_OK)
		rc = check_devices(d, vm, err);
	domain_unref(d);
	return rc;
}

/* The start's answer always comes from the loop, never from inside
 * mig_engine_receive (the caller is not ready for it then). */
struct recv_op {
	domain_started_fn done;
	void *arg;
	bool returned;
	struct domain *d;
	int rc;
	char *msg;
};

static void
recv_deliver(evutil_socket_t fd, short what, void *p)
{
	struct recv_op *op = p;

	op->done(op->d, op->rc, op->msg, op->arg);
	domain_unref(op->d);
	free(op->msg);
	free(op);
}

static void
recv_started(struct domain *d, int rc, const char *msg, void *p)
{
	struct recv_op *op = p;
	struct timeval now = { 0, 0 };

	/* only this monitor waits for the source: a restart takes it at once */
	d->lease_later = false;
	domain_ref(d);
	op->d = d;
	op->rc = rc;
	op->msg = msg ? xu_strdup(msg) : NULL;
	if (op->returned)
		recv_deliver(-1, 0, op);
	else
		event_base_once(d->tab->x->base, -1, EV_TIMEOUT, recv_deliver, op,
		    &now);
}

int
mig_engine_receive(struct domains *t, const struct xv *vm, int fd, bool tls,
    domain_started_fn done, void *arg, struct domain **out,
    struct xu_err *err)
{
	struct recv_op *op;
	struct domain *d;
	int rc;

	*out = NULL;
	if ((d = domain_from_config(t, vm, "receive", err)) == NULL) {
		close(fd);
		return err->rc ? err->rc : XU_ERR_INVALID;
	}
	if (tls && (d->restore_tls = qemu_tls_dir(t->x->reloc, err)) == NULL) {
		domain_unref(d);
		close(fd);
		return XU_ERR_IO;
	}
	if ((rc = domain_admit(d, "receive", err)) != XU_OK) {
		domain_unref(d);
		close(fd);
		return rc;
	}
	d->lease_later = true;
	op = xu_calloc(1, sizeof(*op));
	op->done = done;
	op->arg = arg;
	/* created paused: it runs only once the source has committed */
	if ((rc = domain_launch(d, true, fd, recv_started, op, err)) != XU_OK) {
		free(op);
		domain_unref(d);
		close(fd);
		return rc;
	}
	op->returned = true;
	*out = d;
	domain_log(d, "receiving by migration");
	return XU_OK;
}

/* ---- the source ---------------------------------------------------------------- */

struct send_op {
	struct domain *d;
	struct event *ev;
	int wait_fd;
	mig_engine_done_fn done;
	void *arg;
};

static void
sent(evutil_socket_t fd, short what, void *p)
{
	struct send_op *op = p;
	xc_interface *xc = op->d->tab->x->xc;
	uint64_t bytes = 0;
	char msg[600];
	int rc;

	rc = xc_domain_save_finish(xc, op->wait_fd, &bytes);
	snprintf(msg, sizeof(msg), "%s", rc == XC_OK ? "" :
	    *xc_last_error(xc) ? xc_last_error(xc) : xc_strerror(rc));
	event_free(op->ev);
	op->d->saving = false;
	op->done(op->arg, rc == XC_OK ? XU_OK : XU_ERR_IO, msg, bytes);
	domain_unref(op->d);
	free(op);
}

int
mig_engine_send(struct domain *d, int fd, bool live, bool tls,
    const char *tls_host, mig_engine_done_fn done, void *arg,
    struct xu_err *err)
{
	xc_interface *xc = d->tab->x->xc;
	struct xc_migrate_params p = { live ? XC_SAVE_LIVE : 0,
	    MIG_DOWNTIME_MS, NULL, tls_host };
	struct send_op *op;
	char *dir = NULL;
	int rc, w = -1;

	if (d->saving) {
		close(fd);
		xu_err_set(err, XU_ERR_INVALID, 0, "domain '%s' is being saved",
		    d->name);
		return XU_ERR_INVALID;
	}
	if (tls && (dir = qemu_tls_dir(d->tab->x->reloc, err)) == NULL) {
		close(fd);
		return XU_ERR_IO;
	}
	p.tls_dir = dir;
	rc = xc_domain_migrate_start(xc, d->domid, fd, &p, &w);
	free(dir);
	/* the monitor has its own copy now (or failed without one) */
	close(fd);
	if (rc != XC_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "%s", *xc_last_error(xc) ?
		    xc_last_error(xc) : xc_strerror(rc));
		return XU_ERR_IO;
	}
	op = xu_calloc(1, sizeof(*op));
	op->d = d;
	domain_ref(d);
	op->wait_fd = w;
	op->done = done;
	op->arg = arg;
	d->saving = true;
	op->ev = event_new(d->tab->x->base, w, EV_READ, sent, op);
	event_add(op->ev, NULL);
	return XU_OK;
}

bool
mig_engine_progress(struct domain *d, uint64_t *bytes, uint64_t *total,
    int64_t *downtime_ms)
{
	if (d->removed || !domain_refresh(d))
		return false;
	*bytes = d->info.mig_bytes;
	*total = d->info.mig_total;
	*downtime_ms = d->info.mig_downtime_ms;
	return true;
}
