/* lease.c: the domain's lease on shared storage (xend-domain-lock): the
 * monitor registers with the host's sanlock daemon and holds the lease
 * whenever QEMU may run the guest, so a monitor that dies frees it, and
 * a host cut off from the storage has its monitors killed by sanlock
 * (QEMU dies with its monitor: PR_SET_PDEATHSIG) before another host can
 * take the lease. See docs/CLUSTER.md, "Locks without Pacemaker". */
#include "xenhv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef HAVE_SANLOCK
#include <stdint.h>
#include <sanlock.h>
#include <sanlock_admin.h>
#include <sanlock_resource.h>
#include <sanlock_rv.h>
#endif

#include "xc-lease.h"
#include "xenhv-proto.h"
#include "xu.h"

/* A lease our own host holds for another pid is one a monitor of this
 * domain that just ended (a restart) has not handed back yet: sanlock
 * frees it when it sees that monitor's connection close. */
#define SELF_RETRY_MS		100
#define SELF_RETRY_TRIES	50

#ifdef HAVE_SANLOCK
static struct sanlk_resource *
lease_res(const struct xhv_dom *d)
{
	struct sanlk_resource *res = xu_calloc(1, sizeof(*res) +
	    sizeof(struct sanlk_disk));

	snprintf(res->lockspace_name, sizeof(res->lockspace_name), "%s",
	    XC_LEASE_LOCKSPACE);
	snprintf(res->name, sizeof(res->name), "%s", d->cfg.uuid);
	res->num_disks = 1;
	snprintf(res->disks[0].path, sizeof(res->disks[0].path), "%s",
	    d->lease_path);
	return res;
}

/* The host that holds the lease, from its leader record; 0 if none. */
static uint64_t
lease_owner(const struct xhv_dom *d, uint64_t *lver)
{
	struct sanlk_resource *res = lease_res(d);
	struct sanlk_host *hss = NULL;
	int n = 0;
	uint64_t id = 0;

	if (sanlock_read_resource_owners(res, 0, &hss, &n) == 0 && n > 0)
		id = hss[0].host_id;
	if (lver != NULL)
		*lver = res->lver;
	free(hss);
	free(res);
	return id;
}

/* The version of the lease as this monitor holds it (sanlock_inquire's
 * state string), for the next acquire to check that nobody held it in
 * between. */
static void
learn_lver(struct xhv_dom *d)
{
	struct sanlk_resource **args = NULL;
	char *state = NULL;
	int count = 0, n = 0;

	if (sanlock_inquire(d->lease_sock, -1, 0, &count, &state) == 0 &&
	    state != NULL && sanlock_state_to_args(state, &n, &args) == 0 &&
	    n > 0) {
		d->lease_lver = args[0]->lver;
		d->lease_lver_known = true;
	}
	for (int i = 0; i < n; i++)
		free(args[i]);
	free(args);
	free(state);
}

static void
owner_message(struct xhv_dom *d, int rv, char *msg, size_t len)
{
	uint64_t lver = 0, id = lease_owner(d, &lver);
	char *host = id ? xc_lease_host_name(d->cfg.lease_dir, (unsigned)id) : NULL;

	if (rv == SANLK_ACQUIRE_LVER)
		snprintf(msg, len, "domain '%s' must not run here: its lease %s "
		    "was held by another host (host id %llu, %s) since this copy "
		    "stopped (version %llu, now %llu)", d->cfg.name,
		    d->lease_path, (unsigned long long)id, host ? host : "name "
		    "unknown", (unsigned long long)d->lease_lver,
		    (unsigned long long)lver);
	else if (id != 0 && id != d->cfg.lease_host_id)
		snprintf(msg, len, "domain '%s' is running on another host: its "
		    "lease %s is held by %s%s (host id %llu)%s", d->cfg.name,
		    d->lease_path, host ? "host " : "an unnamed host", host ?
		    host : "", (unsigned long long)id,
		    rv == SANLK_ACQUIRE_OWNED_RETRY ? "; that host stopped "
		    "renewing it, it expires shortly" : "");
	else if (rv == -ENOSPC || rv == -ENOENT || rv == SANLK_ACQUIRE_LOCKSPACE)
		snprintf(msg, len, "cannot lock domain '%s': this host is not in "
		    "the lock space of %s (sanlock %d)", d->cfg.name,
		    d->cfg.lease_dir, rv);
	else
		snprintf(msg, len, "cannot lock domain '%s': sanlock cannot "
		    "acquire %s (%s %d)", d->cfg.name, d->lease_path,
		    rv > -200 ? strerror(-rv) : "sanlock error", rv);
	free(host);
}

/* The daemon closed our registered connection: it stopped or died, and
 * with it this host's place in the lock space, so no lease of ours is
 * renewed any more and another host may soon take it. The guest must
 * not run on (without a watchdog nothing else would stop it). Replies to
 * our own requests are read inside the calls that make them, so all the
 * loop can see here is the end of the connection. */
static void
daemon_gone(evutil_socket_t fd, short what, void *arg)
{
	struct xhv_dom *d = arg;
	char c;
	ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r > 0) {
		xhv_log("lease: unexpected data from the sanlock daemon; its "
		    "connection is no longer watched");
		event_del(d->lease_ev);
		return;
	}
	xhv_log("lease: the sanlock daemon closed its connection (it stopped "
	    "or died): the lease cannot be kept, the domain is destroyed");
	d->lease_held = false;
	if (!d->ready)
		xhv_start_fail(d, XHP_E_LOCKED, "the sanlock daemon went away");
	xhv_destroy(d);
}
#endif

int
xhv_lease_take(struct xhv_dom *d, char *msg, size_t len)
{
#ifdef HAVE_SANLOCK
	struct sanlk_resource *res;
	int rv, tries = 0;

	if (d->cfg.lease_dir == NULL || d->lease_held)
		return 0;
	res = lease_res(d);
	if (d->lease_lver_known) {
		res->flags |= SANLK_RES_LVER;
		res->lver = d->lease_lver;
	}
	for (;;) {
		rv = sanlock_acquire(d->lease_sock, -1, SANLK_ACQUIRE_OWNER_NOWAIT,
		    1, &res, NULL);
		if (rv == 0 || rv == SANLK_ACQUIRE_LVER || rv == -ENOSPC ||
		    rv == -ENOENT || rv == SANLK_ACQUIRE_LOCKSPACE ||
		    ++tries > SELF_RETRY_TRIES ||
		    lease_owner(d, NULL) != d->cfg.lease_host_id)
			break;
		usleep(SELF_RETRY_MS * 1000);
	}
	free(res);
	if (rv != 0) {
		owner_message(d, rv, msg, len);
		xhv_log("lease: %s", msg);
		return -1;
	}
	d->lease_held = true;
	learn_lver(d);
	xhv_log("lease %s acquired (version %llu)", d->lease_path,
	    (unsigned long long)d->lease_lver);
	return 0;
#else
	if (d->cfg.lease_dir == NULL)
		return 0;
	snprintf(msg, len, "cannot lock domain '%s': this xenhv was built "
	    "without sanlock", d->cfg.name);
	return -1;
#endif
}

void
xhv_lease_release(struct xhv_dom *d)
{
#ifdef HAVE_SANLOCK
	struct sanlk_resource *res;
	int rv;

	if (!d->lease_held)
		return;
	res = lease_res(d);
	rv = sanlock_release(d->lease_sock, -1, 0, 1, &res);
	free(res);
	if (rv < 0) {
		/* still ours: it goes when this monitor's connection closes */
		xhv_log("lease %s: release failed (sanlock %d)", d->lease_path, rv);
		return;
	}
	d->lease_held = false;
	xhv_log("lease %s released (version %llu)", d->lease_path,
	    (unsigned long long)d->lease_lver);
#endif
}

void
xhv_lease_start(struct xhv_dom *d)
{
	char msg[600];

	if (d->cfg.lease_dir == NULL)
		return;
	d->lease_path = xc_lease_path(d->cfg.lease_dir, d->cfg.uuid);
#ifdef HAVE_SANLOCK
	if (xc_lease_file_make(d->lease_path, d->cfg.uuid, msg, sizeof(msg)) < 0)
		xhv_start_fail(d, XHP_E_LOCKED, msg);
	/* the lease is this process's: sanlock frees it when we end, and
	 * kills us (SIGTERM: xhv_destroy) if the host loses the lock space */
	d->lease_sock = sanlock_register();
	if (d->lease_sock < 0) {
		snprintf(msg, sizeof(msg), "cannot lock domain '%s': cannot "
		    "register with the sanlock daemon (%s); is it running?",
		    d->cfg.name, strerror(-d->lease_sock));
		xhv_start_fail(d, XHP_E_LOCKED, msg);
	}
	(void)fcntl(d->lease_sock, F_SETFD, FD_CLOEXEC);
	d->lease_ev = event_new(d->base, d->lease_sock, EV_READ | EV_PERSIST,
	    daemon_gone, d);
	event_add(d->lease_ev, NULL);
	if (d->cfg.lease_later) {
		/* an incoming migration: the source holds it until its copy
		 * has stopped for good; taken at the first unpause, at the
		 * version the source holds now, so that a host that held it
		 * in between makes that fail */
		uint64_t lver = 0;

		lease_owner(d, &lver);
		d->lease_lver = lver;
		d->lease_lver_known = true;
		xhv_log("lease %s: taken when the guest first runs (version %llu)",
		    d->lease_path, (unsigned long long)lver);
		return;
	}
	if (xhv_lease_take(d, msg, sizeof(msg)) < 0)
		xhv_start_fail(d, XHP_E_LOCKED, msg);
#else
	snprintf(msg, sizeof(msg), "cannot lock domain '%s': this xenhv was "
	    "built without sanlock", d->cfg.name);
	xhv_start_fail(d, XHP_E_LOCKED, msg);
#endif
}
