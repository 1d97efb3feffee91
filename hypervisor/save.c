/* save.c: the engine's state to and from a descriptor: a save is QMP
 * migrate to a descriptor passed to QEMU (getfd), a restore is a QEMU
 * started with -incoming defer loading from one (migrate-incoming). The
 * descriptor is a file for xm save, a socket for a migration: either
 * way the stream never passes through the monitor or xend. */
#include "xenhv.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenhv-proto.h"
#include "xu.h"

#define POLL_MS			100
/* After "completed", until QEMU has its final figures (see got_status). */
#define FINAL_POLL_MS		5
#define FINAL_TRIES		40
/* A save or load that makes no progress at all for this long failed. */
#define STALL_LIMIT_S		120
/* Restores may take a while; the start-up limit grows to this. */
#define RESTORE_LIMIT_S		600

/* One migration, outgoing (save) or incoming (restore), watched by polling
 * query-migrate until it ends. */
struct mig {
	struct xhv_dom *d;
	bool incoming, live, was_running;
	int fd;
	unsigned downtime_ms;
	char *tls_dir, *tls_host;	/* TLS: QEMU's x509 directory, peer */
	xhv_save_cb done;
	void *opaque;
	struct event *timer;
	uint64_t last_bytes;
	double last_progress;
	bool asking;		/* a query-migrate is in flight */
	int final_tries;	/* "completed" seen before its figures */
	bool streaming;		/* QEMU's migrate was accepted */
	char *cancel_why;	/* a cancel asked for (xhv_save_cancel) */
};

static void mig_fail(struct mig *m, const char *msg);

/* A cancel asked for while a step of the set-up was in flight ends the
 * save at the next step, so that no step is left holding a freed m. */
static bool
mig_cancelled(struct mig *m)
{
	char *why;

	if (m->cancel_why == NULL)
		return false;
	why = m->cancel_why;
	m->cancel_why = NULL;
	mig_fail(m, why);
	free(why);
	return true;
}

static void mig_poll(evutil_socket_t fd, short what, void *arg);

static void
mig_free(struct mig *m)
{
	if (m->d->mig == m)
		m->d->mig = NULL;
	if (m->timer != NULL)
		event_free(m->timer);
	if (m->fd >= 0)
		close(m->fd);
	free(m->tls_dir);
	free(m->tls_host);
	free(m->cancel_why);
	free(m);
}

static void
mig_arm_ms(struct mig *m, int ms)
{
	struct timeval tv = { 0, ms * 1000 };

	if (m->timer == NULL)
		m->timer = evtimer_new(m->d->base, mig_poll, m);
	evtimer_add(m->timer, &tv);
}

static void
mig_arm(struct mig *m)
{
	mig_arm_ms(m, POLL_MS);
}

static void
resumed(void *opaque, yajl_val ret, const char *err)
{
	if (err != NULL)
		xhv_log("cannot resume the domain after a failed save: %s", err);
}

/* The end of a save: a failed one leaves the domain as it was. */
static void
save_end(struct mig *m, int code, const char *msg, uint64_t bytes)
{
	struct xhv_dom *d = m->d;

	d->saving = false;
	if (code != 0) {
		xhv_log("save failed: %s", msg);
		if (m->was_running)
			qmp_command(d->qmp, "cont", NULL, resumed, NULL, 0);
	} else {
		xhv_log("saved: %llu bytes, downtime %lld ms",
		    (unsigned long long)bytes, (long long)d->mig_downtime_ms);
		/* the guest stopped for good here and its state is out: the
		 * destination may take the lease before it runs the guest; a
		 * resume here takes it back first (xhv_unpause) */
		xhv_lease_release(d);
	}
	m->done(m->opaque, code, msg, bytes);
	mig_free(m);
}

static void
incoming_end(struct mig *m, const char *msg)
{
	struct xhv_dom *d = m->d;

	if (msg != NULL) {
		char *text = xu_asprintf("QEMU cannot load the saved state: %s", msg);

		mig_free(m);
		xhv_start_fail(d, XHP_E_ENGINE, text);
	}
	xhv_log("saved state loaded");
	mig_free(m);
	d->announce_pending = true;
	xhv_start_running(d);
}

static void
mig_fail(struct mig *m, const char *msg)
{
	if (m->incoming)
		incoming_end(m, msg);
	else
		save_end(m, XHP_E_ENGINE, msg, 0);
}

static void
got_status(void *opaque, yajl_val ret, const char *err)
{
	struct mig *m = opaque;
	const char *status = YAJL_GET_STRING(qmp_member(ret, "status"));
	const char *desc = YAJL_GET_STRING(qmp_member(ret, "error-desc"));
	yajl_val ram = qmp_member(ret, "ram"), tr = qmp_member(ram, "transferred");
	uint64_t bytes = YAJL_IS_INTEGER(tr) && tr->u.number.i > 0 ?
	    (uint64_t)tr->u.number.i : 0;
	char msg[300];

	m->asking = false;
	if (err != NULL) {
		mig_fail(m, err);
		return;
	}
	if (!m->incoming) {
		yajl_val tot = qmp_member(ram, "total"), dt = qmp_member(ret, "downtime");

		m->d->mig_bytes = bytes;
		if (YAJL_IS_INTEGER(tot) && tot->u.number.i > 0)
			m->d->mig_total = (uint64_t)tot->u.number.i;
		if (YAJL_IS_INTEGER(dt))
			m->d->mig_downtime_ms = dt->u.number.i;
	}
	if (status == NULL || strcmp(status, "none") == 0 ||
	    strcmp(status, "setup") == 0 || strcmp(status, "active") == 0 ||
	    strcmp(status, "device") == 0 || strcmp(status, "pre-switchover") == 0 ||
	    strcmp(status, "cancelling") == 0) {
		if (bytes != m->last_bytes) {
			m->last_bytes = bytes;
			m->last_progress = xhv_now();
		} else if (xhv_now() - m->last_progress > STALL_LIMIT_S) {
			snprintf(msg, sizeof(msg), "no progress for %d s", STALL_LIMIT_S);
			qmp_command(m->d->qmp, "migrate_cancel", NULL, NULL, NULL, 0);
			mig_fail(m, msg);
			return;
		}
		mig_arm(m);
		return;
	}
	if (strcmp(status, "completed") == 0) {
		/* QEMU says "completed" (and sends the event) a moment before
		 * it works out the total time and the downtime: until it has,
		 * look again shortly, so the figures reported are the real
		 * ones */
		yajl_val tt = qmp_member(ret, "total-time");

		if (!m->incoming && (!YAJL_IS_INTEGER(tt) || tt->u.number.i <= 0) &&
		    m->final_tries++ < FINAL_TRIES) {
			mig_arm_ms(m, FINAL_POLL_MS);
			return;
		}
		if (m->incoming)
			incoming_end(m, NULL);
		else
			save_end(m, 0, NULL, bytes);
		return;
	}
	snprintf(msg, sizeof(msg), "QEMU reports the transfer %.40s%s%.200s", status,
	    desc ? ": " : "", desc ? desc : "");
	mig_fail(m, msg);
}

static void
mig_poll(evutil_socket_t fd, short what, void *arg)
{
	struct mig *m = arg;

	if (m->asking)
		return;
	m->asking = true;
	if (qmp_command(m->d->qmp, "query-migrate", NULL, got_status, m, 0) < 0)
		mig_fail(m, "QEMU's monitor went away");
}

/* QEMU's MIGRATION event (the "events" capability, set below) tells of
 * each change of status: at the end, ask now rather than at the next
 * poll, which saves up to a poll's interval on each side of a
 * migration. */
bool
xhv_mig_event(struct xhv_dom *d, const char *name, yajl_val data)
{
	const char *st;

	if (strcmp(name, "MIGRATION_PASS") == 0)
		return true;		/* a round of the stream: not news */
	if (strcmp(name, "MIGRATION") != 0)
		return false;
	st = YAJL_GET_STRING(qmp_member(data, "status"));
	if (d->mig != NULL && !d->mig->asking && st != NULL &&
	    (strcmp(st, "completed") == 0 || strcmp(st, "failed") == 0 ||
	    strcmp(st, "cancelled") == 0)) {
		if (d->mig->timer != NULL)
			evtimer_del(d->mig->timer);
		mig_poll(-1, 0, d->mig);
	}
	return true;
}

static void
started(void *opaque, yajl_val ret, const char *err)
{
	struct mig *m = opaque;

	if (err != NULL) {
		qmp_command(m->d->qmp, "closefd", "{\"fdname\":\"xenhv-mig\"}",
		    NULL, NULL, 0);
		mig_fail(m, err);
		return;
	}
	m->last_progress = xhv_now();
	m->streaming = true;
	if (!m->incoming)
		XHV_FAULT_POINT("monitor.saving", m->d->cfg.name);
	if (m->cancel_why != NULL)	/* the poll sees it end */
		qmp_command(m->d->qmp, "migrate_cancel", NULL, NULL, NULL, 0);
	mig_arm(m);
}

static void
got_fd(void *opaque, yajl_val ret, const char *err)
{
	struct mig *m = opaque;
	const char *cmd = m->incoming ? "migrate-incoming" : "migrate";

	if (err != NULL) {
		mig_fail(m, err);
		return;
	}
	if (mig_cancelled(m))
		return;
	if (qmp_command(m->d->qmp, cmd, "{\"uri\":\"fd:xenhv-mig\"}", started, m, 0) < 0)
		mig_fail(m, "QEMU's monitor went away");
}

/* Hands the descriptor to QEMU; our copy is closed once QEMU has its own. */
static void
pass_fd(struct mig *m)
{
	int rc = qmp_command_fd(m->d->qmp, "getfd", "{\"fdname\":\"xenhv-mig\"}", m->fd,
	    got_fd, m, 0);

	close(m->fd);
	m->fd = -1;
	if (rc < 0)
		mig_fail(m, "cannot pass the descriptor to QEMU");
}

static void
stopped(void *opaque, int code, const char *msg)
{
	struct mig *m = opaque;

	if (code != 0) {
		m->was_running = false;
		mig_fail(m, msg);
		return;
	}
	if (mig_cancelled(m))
		return;
	pass_fd(m);
}

static void
tuned(void *opaque, yajl_val ret, const char *err)
{
	struct mig *m = opaque;

	if (err != NULL) {
		/* TLS asked for and not set up: never stream in clear instead */
		if (m->tls_dir != NULL) {
			mig_fail(m, err);
			return;
		}
		xhv_log("migrate-set-parameters: %s", err);
	}
	if (mig_cancelled(m))
		return;
	/* Not live: the guest stops first, so the image is one instant. */
	if (!m->incoming && !m->live && m->d->state == XC_DOM_RUNNING) {
		m->was_running = true;
		xhv_qemu_op(m->d, "stop", NULL, XC_DOM_PAUSED, stopped, m);
		return;
	}
	pass_fd(m);
}

/* The migration's parameters as QMP wants them: a file or a local socket
 * takes what QEMU gives (no bandwidth cap); TLS names the credentials
 * object, or is switched off ("") after an earlier TLS migration. */
static char *
params_json(const struct mig *m)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	char *out;

	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"max-bandwidth", 13);
	yajl_gen_integer(g, 1099511627776LL);
	if (m->downtime_ms > 0) {
		yajl_gen_string(g, (const unsigned char *)"downtime-limit", 14);
		yajl_gen_integer(g, m->downtime_ms);
	}
	yajl_gen_string(g, (const unsigned char *)"tls-creds", 9);
	yajl_gen_string(g, (const unsigned char *)(m->tls_dir ? "xenhv-tls" : ""),
	    m->tls_dir ? 9 : 0);
	if (!m->incoming) {
		const char *h = m->tls_host ? m->tls_host : "";

		yajl_gen_string(g, (const unsigned char *)"tls-hostname", 12);
		yajl_gen_string(g, (const unsigned char *)h, strlen(h));
	}
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	out = xu_strndup((const char *)buf, len);
	yajl_gen_free(g);
	return out;
}

static void
caps_set(void *opaque, yajl_val ret, const char *err)
{
	struct mig *m = opaque;
	char *json = params_json(m);

	if (err != NULL)
		xhv_log("migrate-set-capabilities: %s", err);
	if (qmp_command(m->d->qmp, "migrate-set-parameters", json, tuned, m, 0) < 0)
		mig_fail(m, "QEMU's monitor is not available");
	free(json);
}

/* A live migration whose guest dirties memory faster than the link
 * carries it would never end: auto-converge lets QEMU slow the guest's
 * vCPUs down until it does. */
static void
set_params(struct mig *m)
{
	const char *caps = m->incoming ?
	    "{\"capabilities\":[{\"capability\":\"events\",\"state\":true}]}" :
	    m->live ?
	    "{\"capabilities\":[{\"capability\":\"events\",\"state\":true},"
	    "{\"capability\":\"auto-converge\",\"state\":true}]}" :
	    "{\"capabilities\":[{\"capability\":\"events\",\"state\":true},"
	    "{\"capability\":\"auto-converge\",\"state\":false}]}";

	if (qmp_command(m->d->qmp, "migrate-set-capabilities", caps, caps_set, m,
	    0) < 0)
		mig_fail(m, "QEMU's monitor is not available");
}

static void
tls_added(void *opaque, yajl_val ret, const char *err)
{
	struct mig *m = opaque;
	char *msg;

	if (err != NULL) {
		msg = xu_asprintf("QEMU cannot load the TLS credentials in %s: %s",
		    m->tls_dir, err);
		mig_fail(m, msg);
		free(msg);
		return;
	}
	set_params(m);
}

/* QEMU's own TLS on the stream: the credentials object (the same id each
 * time, so an earlier one goes first), then the parameters. */
static void
tls_removed(void *opaque, yajl_val ret, const char *err)
{
	struct mig *m = opaque;
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	const char *endpoint = m->incoming ? "server" : "client";
	size_t len;
	char *json, *dir, why[PATH_MAX + 64];

	/* QEMU's user reads a copy inside its root */
	if ((dir = xhv_jail_tls(m->d, "migration", m->tls_dir, m->incoming,
	    why, sizeof(why))) == NULL) {
		mig_fail(m, why);
		return;
	}

	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"qom-type", 8);
	yajl_gen_string(g, (const unsigned char *)"tls-creds-x509", 14);
	yajl_gen_string(g, (const unsigned char *)"id", 2);
	yajl_gen_string(g, (const unsigned char *)"xenhv-tls", 9);
	yajl_gen_string(g, (const unsigned char *)"dir", 3);
	yajl_gen_string(g, (const unsigned char *)dir, strlen(dir));
	free(dir);
	yajl_gen_string(g, (const unsigned char *)"endpoint", 8);
	yajl_gen_string(g, (const unsigned char *)endpoint, strlen(endpoint));
	yajl_gen_string(g, (const unsigned char *)"verify-peer", 11);
	yajl_gen_bool(g, 1);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	json = xu_strndup((const char *)buf, len);
	yajl_gen_free(g);
	if (qmp_command(m->d->qmp, "object-add", json, tls_added, m, 0) < 0)
		mig_fail(m, "QEMU's monitor is not available");
	free(json);
}

static void
mig_setup(struct mig *m)
{
	m->d->mig_bytes = m->d->mig_total = 0;
	m->d->mig_downtime_ms = -1;
	if (m->tls_dir == NULL) {
		set_params(m);
		return;
	}
	if (qmp_command(m->d->qmp, "object-del", "{\"id\":\"xenhv-tls\"}",
	    tls_removed, m, 0) < 0)
		mig_fail(m, "QEMU's monitor is not available");
}

void
xhv_save(struct xhv_dom *d, int fd, const struct xhv_save_params *p,
    xhv_save_cb done, void *opaque)
{
	struct mig *m;

	if (d->state != XC_DOM_RUNNING && d->state != XC_DOM_PAUSED) {
		close(fd);
		done(opaque, XHP_E_STATE, "only a running or paused domain can be saved", 0);
		return;
	}
	if (d->saving || d->vcpu_busy) {
		close(fd);
		done(opaque, XHP_E_STATE, d->saving ? "a save is already in progress" :
		    "a vCPU change is in progress", 0);
		return;
	}
	m = xu_calloc(1, sizeof(*m));
	d->mig = m;
	m->d = d;
	m->fd = fd;
	m->live = p->live;
	m->downtime_ms = p->downtime_ms;
	m->tls_dir = p->tls_dir ? xu_strdup(p->tls_dir) : NULL;
	m->tls_host = p->tls_host ? xu_strdup(p->tls_host) : NULL;
	m->done = done;
	m->opaque = opaque;
	d->saving = true;
	d->save_owner = p->owner;
	d->save_abandon = p->abandon_on_close;
	xhv_log("saving (%s%s)", p->live ? "live" : "paused",
	    p->tls_dir ? ", TLS" : "");
	mig_setup(m);
}

void
xhv_announce(struct xhv_dom *d)
{
	d->announce_pending = false;
	/* QEMU's defaults (reference perf-anchors 5.2): 5 rounds from 50 ms */
	if (qmp_command(d->qmp, "announce-self", "{\"initial\":50,\"max\":550,"
	    "\"rounds\":5,\"step\":100}", NULL, NULL, 0) < 0)
		xhv_log("cannot announce the guest's network addresses");
	else
		xhv_log("announcing the guest's network addresses");
}

void
xhv_incoming(struct xhv_dom *d)
{
	struct mig *m = xu_calloc(1, sizeof(*m));
	struct timeval tv = { RESTORE_LIMIT_S, 0 };

	d->mig = m;
	m->d = d;
	m->incoming = true;
	m->fd = d->cfg.incoming_fd;
	d->cfg.incoming_fd = -1;
	if (d->cfg.incoming_tls != NULL)
		m->tls_dir = xu_strdup(d->cfg.incoming_tls);
	evtimer_add(d->start_timer, &tv);
	xhv_log("loading the saved state%s", m->tls_dir ? " (TLS)" : "");
	if (m->tls_dir != NULL)
		mig_setup(m);
	else
		pass_fd(m);
}

void
xhv_save_cancel(struct xhv_dom *d, const char *why)
{
	struct mig *m = d->mig;

	if (m == NULL || m->incoming)
		return;
	xhv_log("save cancelled: %s", why);
	if (m->cancel_why == NULL)
		m->cancel_why = xu_strdup(why);
	/* QEMU copies: the poll sees the copy end as cancelled; before
	 * that, the next step of the set-up ends the save */
	if (m->streaming)
		qmp_command(d->qmp, "migrate_cancel", NULL, NULL, NULL, 0);
}

void
xhv_save_abort(struct xhv_dom *d)
{
	struct mig *m = d->mig;

	if (m == NULL)
		return;
	if (m->incoming)
		mig_free(m);
	else
		save_end(m, XHP_E_STATE, "the domain was destroyed while it was being "
		    "saved", 0);
}
