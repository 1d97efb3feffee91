/* migrate-in.c: the destination's side of a migration: the header is
 * checked and recorded before "ready"; the data connection feeds a new
 * paused domain; "received" once the whole stream is in; on "commit" the
 * step is recorded, then the guest runs. Whatever ends the control
 * connection before the commit destroys this side's copy and closes the
 * record as failed. Queries from a source that lost its connection are
 * answered from the records. */
#include "relocation-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "fault.h"
#include "events.h"
#include "log.h"

enum in_state {
	IN_HEADER,		/* waiting for (migrate ...) */
	IN_READY,		/* waiting for the data connection */
	IN_RECEIVING,		/* the engine loads the stream */
	IN_RECEIVED,		/* waiting for (commit) */
	IN_FINISHED,		/* answered a query, or done: closing */
	IN_ABANDONED,		/* failed while the engine loads: waits for it */
};

struct mig_in {
	struct relocation *rl;
	struct rconn *c;
	char peer[64];
	bool tls;		/* came in through the TLS port */
	enum in_state state;
	bool recorded;		/* rec is in the store */
	struct store_mig rec;
	struct xv *vm;
	int data_fd;		/* a duplicate of the stream's socket */
	struct domain *d;	/* the new copy, referenced */
	struct mig_in *next;
};

static const struct rconn_ops in_ops;

static void
in_unlink(struct mig_in *m)
{
	struct mig_in **pp;

	for (pp = &m->rl->ins; *pp != NULL; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
}

static void
in_free(struct mig_in *m, bool flush)
{
	in_unlink(m);
	if (m->c != NULL) {
		if (flush)
			rconn_close_after_flush(m->c);
		else
			rconn_free(m->c);
	}
	if (m->data_fd >= 0)
		close(m->data_fd);
	if (m->d != NULL)
		domain_unref(m->d);
	xv_free(m->vm);
	store_mig_dispose(&m->rec);
	free(m);
}

static void
destroy_now(struct domain *d, void *arg)
{
	struct xu_err err = { 0 };

	if (!d->removed && domain_destroy(d, &err) != XU_OK)
		log_error("Domain %s: cannot destroy the uncommitted incoming "
		    "copy: %s", d->name, err.msg);
}

/* Destroys an incoming copy, or, while its monitor still starts, as soon
 * as that start ends (a load whose stream was cut fails by itself). */
static void
destroy_copy(struct domain *d)
{
	if (d == NULL || d->removed)
		return;
	if (d->phase == DOM_PHASE_STARTING)
		domain_when_started(d, destroy_now, NULL);
	else
		destroy_now(d, NULL);
}

/* Before the commit: this side's copy goes, the record says why. The
 * source is told when it can still hear it. */
static void
in_fail(struct mig_in *m, const char *type, const char *msg)
{
	char *line;

	log_warn("migration %s of %s from %s failed here: %s", m->rec.id,
	    m->rec.name ? m->rec.name : "?", m->peer, msg);
	if (m->data_fd >= 0)
		(void)shutdown(m->data_fd, SHUT_RDWR);
	if (m->recorded)
		(void)reloc_record(m->rl, &m->rec, RELOC_STEP_FAILED, msg);
	if (m->c != NULL && type != NULL) {
		line = reloc_line_err(type, "%s", msg);
		rconn_send(m->c, line);
		free(line);
	}
	if (m->c != NULL) {
		rconn_close_after_flush(m->c);
		m->c = NULL;
	}
	if (m->state == IN_RECEIVING) {
		/* the engine's answer comes later (received() finishes) */
		m->state = IN_ABANDONED;
		return;
	}
	destroy_copy(m->d);
	in_free(m, true);
}

/* ---- the header --------------------------------------------------------- */

static int
check_header(struct mig_in *m, const struct reloc_msg *msg, struct xu_err *err)
{
	struct domains *t = m->rl->x->domains;
	const struct xv *vm = xv_child(msg->sxp, "vm");
	const char *id = reloc_msg_id(msg), *name, *uuid;
	long long v = reloc_msg_int(msg, "version");
	struct domain *o;

	if (v < RELOC_VERSION_MIN || v > RELOC_VERSION) {
		xu_err_set(err, XU_ERR_UNSUPPORTED, 0, "relocation protocol "
		    "version %lld is not supported (this xend speaks %d to %d)",
		    v, RELOC_VERSION_MIN, RELOC_VERSION);
		return XU_ERR_UNSUPPORTED;
	}
	if (id == NULL || vm == NULL || !xv_is_list(vm) ||
	    strcmp(xv_name(vm) ? xv_name(vm) : "", "vm") != 0) {
		xu_err_set(err, XU_ERR_SYNTAX, 0, "the migrate request lacks its "
		    "id or its (vm ...) config");
		return XU_ERR_SYNTAX;
	}
	name = xv_child_str(vm, "name", NULL);
	uuid = xv_child_str(vm, "uuid", NULL);
	if (name == NULL || uuid == NULL) {
		xu_err_set(err, XU_ERR_SYNTAX, 0, "the config lacks a name or UUID");
		return XU_ERR_SYNTAX;
	}
	if ((o = domains_by_name(t, name)) != NULL ||
	    (o = domains_by_uuid(t, uuid)) != NULL) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' (UUID %s) already "
		    "exists on %s as '%s'", name, uuid, m->rl->hostname, o->name);
		return XU_ERR_INVALID;
	}
	if (mig_in_find_uuid(m->rl, uuid) != NULL) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' is already "
		    "migrating to %s", name, m->rl->hostname);
		return XU_ERR_INVALID;
	}
	return mig_engine_check(t, vm, err);
}

static void
on_migrate(struct mig_in *m, const struct reloc_msg *msg)
{
	struct xu_err err = { 0 };
	const struct xv *vm;
	char *line;

	if (check_header(m, msg, &err) != XU_OK) {
		in_fail(m, err.rc == XU_ERR_UNSUPPORTED ? RELOC_ERR_VERSION :
		    err.rc == XU_ERR_SYNTAX ? RELOC_ERR_PROTOCOL :
		    RELOC_ERR_REFUSED, err.msg);
		return;
	}
	vm = xv_child(msg->sxp, "vm");
	m->vm = xv_copy(vm);
	snprintf(m->rec.id, sizeof(m->rec.id), "%s", reloc_msg_id(msg));
	snprintf(m->rec.direction, sizeof(m->rec.direction), "in");
	snprintf(m->rec.uuid, sizeof(m->rec.uuid), "%s",
	    xv_child_str(vm, "uuid", ""));
	m->rec.name = xu_strdup(xv_child_str(vm, "name", ""));
	m->rec.peer = xu_asprintf("%s%s%s", reloc_msg_str(msg, "source", ""),
	    *reloc_msg_str(msg, "source", "") ? " " : "", m->peer);
	m->rec.live = reloc_msg_int(msg, "live") == 1;
	/* the TLS port's stream is in TLS too, whatever the header says */
	m->rec.ssl = m->tls || reloc_msg_int(msg, "ssl") == 1;
	m->rec.paused = reloc_msg_int(msg, "paused") == 1;
	m->rec.started = reloc_now();
	if (reloc_record(m->rl, &m->rec, RELOC_STEP_ACCEPTED, NULL) != XU_OK) {
		in_fail(m, RELOC_ERR_REFUSED, "cannot record the migration");
		return;
	}
	m->recorded = true;
	FAULT_POINT("migrate-in.accepted", m->rec.name);
	log_info("migration %s: receiving domain %s from %s", m->rec.id,
	    m->rec.name, m->peer);
	m->state = IN_READY;
	line = reloc_line_simple("ready", m->rec.id);
	rconn_send(m->c, line);
	free(line);
}

/* ---- the stream ------------------------------------------------------------ */

static void
received(struct domain *d, int rc, const char *msg, void *arg)
{
	struct mig_in *m = arg;
	char *line, *why;

	if (m->state == IN_ABANDONED) {
		if (rc == XU_OK)
			destroy_copy(d);
		in_free(m, false);
		return;
	}
	if (rc != XU_OK) {
		/* the failed start removed the domain itself */
		why = xu_asprintf("the guest could not be started on %s: %s",
		    m->rl->hostname, msg ? msg : "its start failed");
		in_fail(m, RELOC_ERR_ENGINE, why);
		free(why);
		return;
	}
	m->rec.domid = d->domid;
	m->state = IN_RECEIVED;
	if (reloc_record(m->rl, &m->rec, RELOC_STEP_RECEIVED, NULL) != XU_OK) {
		in_fail(m, RELOC_ERR_ENGINE, "cannot record the received step");
		return;
	}
	FAULT_POINT("migrate-in.received", m->rec.name);
	rconn_set_timeout(m->c, RELOC_REPLY_SECS);
	line = reloc_line_simple("received", m->rec.id);
	rconn_send(m->c, line);
	free(line);
}

void
mig_in_data(struct relocation *rl, int fd, const char *peer, const char *id)
{
	struct xu_err err = { 0 };
	struct mig_in *m;
	char *line;
	ssize_t r;

	for (m = rl->ins; m != NULL; m = m->next)
		if (m->state == IN_READY && strcmp(m->rec.id, id) == 0)
			break;
	if (m == NULL) {
		line = reloc_line_err(RELOC_ERR_PROTOCOL, "no migration %s is "
		    "waiting for its stream on %s", id, rl->hostname);
		r = send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)r;
		free(line);
		close(fd);
		return;
	}
	m->data_fd = dup(fd);
	rconn_set_timeout(m->c, 0);
	if (reloc_record(rl, &m->rec, RELOC_STEP_RECEIVING, NULL) != XU_OK) {
		close(fd);
		in_fail(m, RELOC_ERR_ENGINE, "cannot record the receiving step");
		return;
	}
	if (mig_engine_receive(rl->x->domains, m->vm, fd, m->rec.ssl, received,
	    m, &m->d, &err) != XU_OK) {
		in_fail(m, RELOC_ERR_ENGINE, err.msg);
		return;
	}
	m->state = IN_RECEIVING;
	domain_ref(m->d);
	FAULT_POINT("migrate-in.receiving", m->rec.name);
	log_info("migration %s: stream from %s (data connection from %s)",
	    m->rec.id, m->peer, peer);
	line = reloc_line_simple("receiving", m->rec.id);
	rconn_send(m->c, line);
	free(line);
}

/* ---- the commit -------------------------------------------------------------- */

static void
on_commit(struct mig_in *m)
{
	struct xu_err err = { 0 };
	struct xv *v;
	char *line;
	bool run = !m->rec.paused;

	/* the point of no return on this side: written before acting */
	if (reloc_record(m->rl, &m->rec, RELOC_STEP_COMMITTED, NULL) != XU_OK) {
		in_fail(m, RELOC_ERR_ENGINE, "cannot record the commit");
		return;
	}
	FAULT_POINT("migrate-in.committed", m->rec.name);
	if (run && domain_unpause(m->d, &err) != XU_OK) {
		/* the guest is here and ours; the admin can unpause it */
		log_error("migration %s: %s is here but cannot run: %s",
		    m->rec.id, m->rec.name, err.msg);
		run = false;
	}
	(void)reloc_record(m->rl, &m->rec, RELOC_STEP_DONE, NULL);
	domain_event(m->d, "migrated_in", events_data("from", xv_str(m->peer),
	    "paused", xv_int(!run), NULL), "migrated in from %s%s", m->peer,
	    run ? "" : " (paused)");
	v = xv_list();
	xv_append(v, xv_str("running"));
	xv_append_pair(v, "id", xv_str(m->rec.id));
	xv_append_pair(v, "state", xv_str(run ? "running" : "paused"));
	line = reloc_msg_line(v);
	xv_free(v);
	rconn_send(m->c, line);
	free(line);
	m->state = IN_FINISHED;
	in_free(m, true);
}

static void
on_query(struct mig_in *m, const struct reloc_msg *msg)
{
	const char *id = reloc_msg_id(msg);
	struct store_mig rec;
	struct xv *v;
	char *line;

	if (id == NULL || store_mig_get(m->rl->x->store, id, &rec) != XU_OK ||
	    strcmp(rec.direction, "in") != 0) {
		line = reloc_line_err(RELOC_ERR_PROTOCOL, "no migration %s is "
		    "known on %s", id ? id : "(no id)", m->rl->hostname);
	} else {
		v = xv_list();
		xv_append(v, xv_str("status"));
		xv_append_pair(v, "id", xv_str(rec.id));
		xv_append_pair(v, "step", xv_str(rec.step));
		line = reloc_msg_line(v);
		xv_free(v);
		store_mig_dispose(&rec);
	}
	rconn_send(m->c, line);
	free(line);
	m->state = IN_FINISHED;
	in_free(m, true);
}

/* ---- the control connection ---------------------------------------------------- */

static void
in_msg(struct rconn *c, struct reloc_msg *msg, void *arg)
{
	struct mig_in *m = arg;
	char *why;

	if (m->state == IN_HEADER && strcmp(msg->name, "migrate") == 0)
		on_migrate(m, msg);
	else if (m->state == IN_HEADER && strcmp(msg->name, "query") == 0)
		on_query(m, msg);
	else if (m->state == IN_RECEIVED && strcmp(msg->name, "commit") == 0) {
		if (reloc_msg_int(msg, "bytes") > 0)
			m->rec.bytes = reloc_msg_int(msg, "bytes");
		if (reloc_msg_int(msg, "total") > 0)
			m->rec.total = reloc_msg_int(msg, "total");
		if (reloc_msg_int(msg, "downtime_ms") >= 0)
			m->rec.downtime_ms = reloc_msg_int(msg, "downtime_ms");
		on_commit(m);
	}
	else if (strcmp(msg->name, "abort") == 0) {
		why = xu_asprintf("the source aborted: %s",
		    reloc_msg_str(msg, "reason", "no reason given"));
		in_fail(m, NULL, why);
		free(why);
	} else {
		why = xu_asprintf("unexpected '%s' message", msg->name);
		in_fail(m, RELOC_ERR_PROTOCOL, why);
		free(why);
	}
}

static void
in_closed(struct rconn *c, const char *why, void *arg)
{
	struct mig_in *m = arg;
	char *msg;

	rconn_free(m->c);
	m->c = NULL;
	if (m->state == IN_HEADER) {
		log_debug("relocation: %s: %s", m->peer, why);
		in_free(m, false);
		return;
	}
	msg = xu_asprintf("the control connection ended before the commit: %s",
	    why);
	in_fail(m, NULL, msg);
	free(msg);
}

static const struct rconn_ops in_ops = { in_msg, in_closed };

void
mig_in_control(struct relocation *rl, int fd, const char *peer, bool tls)
{
	struct mig_in *m = xu_calloc(1, sizeof(*m));
	struct reloc_tls *cred;
	struct xu_err err = { 0 };

	m->rl = rl;
	m->data_fd = -1;
	m->tls = tls;
	store_mig_init(&m->rec);
	snprintf(m->peer, sizeof(m->peer), "%s", peer);
	m->c = rconn_new(rl->x->base, fd, peer, &in_ops, m);
	m->next = rl->ins;
	rl->ins = m;
	rconn_set_timeout(m->c, RELOC_REPLY_SECS);
	if (tls && (reloc_tls_get(rl, &cred, &err) != XU_OK ||
	    rconn_start_tls(m->c, cred, true, NULL, &err) != XU_OK)) {
		log_error("relocation: %s: %s", peer, err.msg);
		in_free(m, false);
	}
}

struct mig_in *
mig_in_find_uuid(struct relocation *rl, const char *uuid)
{
	struct mig_in *m;

	for (m = rl->ins; m != NULL; m = m->next)
		if (m->state != IN_HEADER && strcmp(m->rec.uuid, uuid) == 0)
			return m;
	return NULL;
}

void
mig_in_free_all(struct relocation *rl)
{
	/* xend stops: the records stay as they are for the next xend */
	while (rl->ins != NULL)
		in_free(rl->ins, false);
}

/* ---- reconciliation ------------------------------------------------------------- */

void
mig_in_reconcile(struct relocation *rl, struct store_mig *m)
{
	struct domain *d = domains_by_uuid(rl->x->domains, m->uuid);
	struct xu_err err = { 0 };

	if (strcmp(m->step, RELOC_STEP_COMMITTED) == 0) {
		/* ours since the commit: finish what was started */
		if (d != NULL && !m->paused && domain_unpause(d, &err) != XU_OK)
			log_error("migration %s: %s cannot run: %s", m->id,
			    m->name, err.msg);
		(void)reloc_record(rl, m, RELOC_STEP_DONE, "finished by a "
		    "restarted xend");
		(void)err;
		if (d != NULL)
			domain_event(d, "migrated_in", events_data("from",
			    xv_str(m->peer), "paused", xv_int(m->paused), NULL),
			    "migrated in from %s (finished after an xend restart)",
			    m->peer);
		return;
	}
	if (d != NULL && d->phase == DOM_PHASE_STARTING)
		domain_adopt_hurry(d);
	destroy_copy(d);
	(void)reloc_record(rl, m, RELOC_STEP_FAILED, "xend restarted before "
	    "the migration was committed; the incoming copy was destroyed");
}
