/* migrate-out.c: the source's side of a migration (xm migrate): connect,
 * send the header, open the data connection, stream, and once both its
 * QEMU is done and the destination has everything, record "committing"
 * and send the commit; the local copy goes only when the destination
 * answers that the guest is there. Before the commit any failure resumes
 * the local copy; after it, a lost answer is asked for again, and when
 * nobody can tell, the local copy stays paused. */
#include "relocation-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "events.h"
#include "fault.h"
#include "log.h"
#include "resolve.h"
#include "xend-options.h"

enum out_state {
	OUT_RESOLVING,
	OUT_CONNECTING,
	OUT_HEADER,		/* sent (migrate ...), waiting for (ready) */
	OUT_DATA,		/* opening the data connection */
	OUT_WAIT_RECEIVING,
	OUT_STREAMING,		/* the engine sends; waiting for it and (received) */
	OUT_COMMITTING,		/* sent (commit), waiting for (running) */
	OUT_QUERYING,		/* lost the answer: asking again */
	OUT_ABORTING,		/* waiting for the engine to stop */
};

struct mig_out {
	struct relocation *rl;
	struct domain *d;
	enum out_state state;
	char *host;
	int port;
	bool was_running;
	char *orig_name;
	struct store_mig rec;
	struct xv *vm;		/* the config sent, with the original name */
	struct resolve *res;
	struct sockaddr_storage sa;
	socklen_t salen;
	struct tcp_connect *tc;
	struct rconn *c;
	int data_fd;		/* a duplicate, to cut the stream on abort */
	bool engine_busy, engine_ok, received;
	double sent_at;
	char *fail_msg;		/* abort in progress: why */
	struct event *timer;	/* query retries */
	char *stream_err;	/* our QEMU's failure, while the peer may say why */
	struct event *peer_wait;
	double query_deadline;
	migrate_done_fn done;
	void *arg;
	struct mig_out *next;
};

static const struct rconn_ops out_ops;
static const struct rconn_ops query_ops;
static void query_next(struct mig_out *o);

/* ---- the end ---------------------------------------------------------- */

static void
out_free(struct mig_out *o)
{
	struct mig_out **pp;

	for (pp = &o->rl->outs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	resolve_cancel(o->res);
	tcp_connect_cancel(o->tc);
	rconn_free(o->c);
	if (o->data_fd >= 0)
		close(o->data_fd);
	if (o->timer != NULL)
		event_free(o->timer);
	if (o->peer_wait != NULL)
		event_free(o->peer_wait);
	free(o->stream_err);
	if (o->d != NULL)
		domain_unref(o->d);
	xv_free(o->vm);
	store_mig_dispose(&o->rec);
	free(o->fail_msg);
	free(o->orig_name);
	free(o->host);
	free(o);
}

static void
answer(struct mig_out *o, int rc, const char *msg)
{
	if (o->done != NULL)
		o->done(o->arg, rc, msg);
	o->done = NULL;
}

/* Puts the local copy back as it was: its name, and running if it ran
 * (QEMU stopped it at the end of the stream, or never did). */
static void
restore_local(struct mig_out *o, bool resume)
{
	struct domain *d = o->d;
	struct xu_err err = { 0 };

	if (d == NULL || d->removed)
		return;
	if (o->orig_name != NULL && strcmp(d->name, o->orig_name) != 0 &&
	    domain_rename(d, o->orig_name, &err) != XU_OK)
		log_error("Domain %s: cannot take back its name %s: %s", d->name,
		    o->orig_name, err.msg);
	if (resume && o->was_running && domain_refresh(d) &&
	    d->info.state != XC_DOM_RUNNING &&
	    domain_unpause(d, &err) != XU_OK)
		log_error("Domain %s: cannot resume after the failed migration: "
		    "%s", d->name, err.msg);
}

/* The engine has stopped (or never started): the local copy resumes, the
 * record says failed, xm hears why. */
static void
abort_finish(struct mig_out *o)
{
	char *msg = xu_asprintf("%s; domain '%s' %s on %s", o->fail_msg,
	    o->orig_name, o->was_running ? "runs" : "stays paused",
	    o->rl->hostname);

	restore_local(o, true);
	(void)reloc_record(o->rl, &o->rec, RELOC_STEP_FAILED, o->fail_msg);
	if (o->d != NULL && !o->d->removed)
		domain_event(o->d, "migration_failed", events_data("host",
		    xv_str(o->host), "message", xv_str(o->fail_msg), NULL),
		    "migration to %s failed: %s", o->host, o->fail_msg);
	answer(o, XU_ERR_IO, msg);
	free(msg);
	out_free(o);
}

/* Before the commit: tell the destination, cut the stream, and resume
 * once the engine has let go. */
static void
out_fail(struct mig_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_fail(struct mig_out *o, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (o->state == OUT_ABORTING)
		return;
	va_start(ap, fmt);
	o->fail_msg = xu_vasprintf(fmt, ap);
	va_end(ap);
	log_warn("migration %s of %s to %s failed: %s", o->rec.id, o->orig_name,
	    o->host, o->fail_msg);
	o->state = OUT_ABORTING;
	if (o->c != NULL) {
		line = xu_asprintf("(abort (id %s) (reason %s))\n", o->rec.id,
		    "source-failed");
		rconn_send(o->c, line);
		free(line);
		rconn_close_after_flush(o->c);
		o->c = NULL;
	}
	if (o->data_fd >= 0)
		(void)shutdown(o->data_fd, SHUT_RDWR);
	if (!o->engine_busy)
		abort_finish(o);
}

/* "(from HOST)" as classic xm said it, for the destination's refusals. */
static void
fail_from_peer(struct mig_out *o, const struct reloc_msg *m)
{
	if (o->stream_err != NULL)
		out_fail(o, "%s (from %s); the stream from here: %s",
		    reloc_err_text(m), o->host, o->stream_err);
	else
		out_fail(o, "%s (from %s)", reloc_err_text(m), o->host);
}

/* ---- after the commit ------------------------------------------------------ */

/* The destination has the guest: the local copy goes, with its records
 * and locks. */
static void
out_done(struct mig_out *o, const char *state)
{
	struct xu_err err = { 0 };
	char *msg;

	(void)reloc_record(o->rl, &o->rec, RELOC_STEP_DONE, NULL);
	if (o->d != NULL && !o->d->removed) {
		domain_event(o->d, "migrated_out", events_data("host",
		    xv_str(o->host), NULL), "migrated to %s", o->host);
		if (domain_teardown(o->d, "migrated", &err) != XU_OK)
			log_error("migration %s: %s runs on %s, but its old copy "
			    "here cannot be removed: %s", o->rec.id, o->orig_name,
			    o->host, err.msg);
	}
	msg = xu_asprintf("Domain '%s' %s on %s", o->orig_name,
	    strcmp(state, "paused") == 0 ? "is paused" : "runs", o->host);
	log_info("migration %s: %s", o->rec.id, msg);
	answer(o, XU_OK, msg);
	free(msg);
	out_free(o);
}

/* Nobody can say where the guest is: the local copy stays paused, and
 * the administrator is told so, with both hosts named. */
static void
out_uncertain(struct mig_out *o, const char *why)
{
	char *msg = xu_asprintf("migration of '%s' to %s: the destination did "
	    "not confirm that the guest runs there (%s); the copy on %s is left "
	    "PAUSED as '%s' so that two copies never run: check %s, then destroy "
	    "one copy and unpause the other", o->orig_name, o->host, why,
	    o->rl->hostname, o->d ? o->d->name : o->orig_name, o->host);

	(void)reloc_record(o->rl, &o->rec, RELOC_STEP_UNCERTAIN, why);
	if (o->d != NULL && !o->d->removed)
		domain_log(o->d, "%s", msg);
	log_error("%s", msg);
	answer(o, XU_ERR_IO, msg);
	free(msg);
	out_free(o);
}

static void
on_query_timer(evutil_socket_t fd, short what, void *arg)
{
	query_next(arg);
}

static void
query_later(struct mig_out *o)
{
	struct timeval tv = { 2, 0 };

	if (reloc_now() >= o->query_deadline) {
		out_uncertain(o, "it could not be reached");
		return;
	}
	if (o->timer == NULL)
		o->timer = evtimer_new(o->rl->x->base, on_query_timer, o);
	evtimer_add(o->timer, &tv);
}

static void
query_msg(struct rconn *c, struct reloc_msg *m, void *arg)
{
	struct mig_out *o = arg;
	const char *step = reloc_msg_str(m, "step", "");
	char *why;

	rconn_free(o->c);
	o->c = NULL;
	if (strcmp(m->name, "status") != 0) {
		why = xu_asprintf("it answered: %s", reloc_err_text(m));
		out_uncertain(o, why);
		free(why);
		return;
	}
	log_info("migration %s: %s says step %s", o->rec.id, o->host, step);
	if (strcmp(step, RELOC_STEP_COMMITTED) == 0 ||
	    strcmp(step, RELOC_STEP_DONE) == 0) {
		out_done(o, o->rec.paused ? "paused" : "running");
	} else if (strcmp(step, RELOC_STEP_FAILED) == 0) {
		/* it never took the guest: the local copy is the only one */
		o->fail_msg = xu_asprintf("the destination %s dropped the guest "
		    "before the commit", o->host);
		abort_finish(o);
	} else {
		/* still before its commit: ask again */
		query_later(o);
	}
}

static void
query_closed(struct rconn *c, const char *why, void *arg)
{
	struct mig_out *o = arg;

	rconn_free(o->c);
	o->c = NULL;
	query_later(o);
}

static const struct rconn_ops query_ops = { query_msg, query_closed };

/* Says which channel fd is and wraps it (TLS when the migration is);
 * fd is taken either way. */
static int
open_control(struct mig_out *o, int fd, const struct rconn_ops *ops,
    struct xu_err *err)
{
	struct reloc_tls *tls;
	char *line = reloc_hello_line(RELOC_CH_CONTROL, NULL);
	ssize_t r = send(fd, line, strlen(line), MSG_NOSIGNAL);

	if (r != (ssize_t)strlen(line)) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot talk to %s port %d: %s",
		    o->host, o->port, strerror(r < 0 ? errno : EPIPE));
		free(line);
		close(fd);
		return XU_ERR_IO;
	}
	free(line);
	o->c = rconn_new(o->rl->x->base, fd, o->host, ops, o);
	if (o->rec.ssl && (reloc_tls_get(o->rl, &tls, err) != XU_OK ||
	    rconn_start_tls(o->c, tls, false, o->host, err) != XU_OK)) {
		rconn_free(o->c);
		o->c = NULL;
		return XU_ERR_IO;
	}
	return XU_OK;
}

static void
query_connected(void *arg, int fd, const char *err)
{
	struct mig_out *o = arg;
	struct xu_err e = { 0 };
	char *line;

	o->tc = NULL;
	if (fd < 0 || open_control(o, fd, &query_ops, &e) != XU_OK) {
		query_later(o);
		return;
	}
	rconn_set_timeout(o->c, 10);
	line = reloc_line_simple("query", o->rec.id);
	rconn_send(o->c, line);
	free(line);
}

static void
query_resolved(void *arg, const char *err, const struct sockaddr *sa,
    socklen_t salen, const char *name)
{
	struct mig_out *o = arg;

	o->res = NULL;
	if (err != NULL) {
		query_later(o);
		return;
	}
	memcpy(&o->sa, sa, salen);
	o->salen = salen;
	query_next(o);
}

static void
query_next(struct mig_out *o)
{
	if (o->salen == 0) {
		o->res = resolve_host(o->rl->x->base, o->host, o->port,
		    RELOC_CONNECT_SECS, query_resolved, o);
		if (o->res == NULL)
			query_later(o);
		return;
	}
	o->tc = tcp_connect(o->rl->x->base, (struct sockaddr *)&o->sa, o->salen,
	    10, query_connected, o);
}

static int
query_secs(void)
{
	const char *env = getenv("XEND_MIGRATE_QUERY_SECS");
	int64_t v;

	if (env != NULL && xu_parse_int64(env, &v) == XU_OK && v >= 0 &&
	    v < 86400)
		return (int)v;
	return RELOC_QUERY_SECS;
}

/* After the commit the answer was lost: ask the destination where the
 * guest is, on new connections, for a bounded time. */
static void
out_lost(struct mig_out *o, const char *why)
{
	log_warn("migration %s of %s: lost the destination %s after the "
	    "commit (%s); asking it again", o->rec.id, o->orig_name, o->host, why);
	rconn_free(o->c);
	o->c = NULL;
	o->state = OUT_QUERYING;
	o->query_deadline = reloc_now() + query_secs();
	query_next(o);
}

/* ---- the stream ---------------------------------------------------------------- */

static void
maybe_commit(struct mig_out *o)
{
	char *line;

	if (o->state != OUT_STREAMING || !o->engine_ok || !o->received)
		return;
	/* the point of no return, written before it is said */
	if (reloc_record(o->rl, &o->rec, RELOC_STEP_COMMITTING, NULL) != XU_OK) {
		out_fail(o, "cannot record the commit here");
		return;
	}
	FAULT_POINT("migrate-out.committing", o->orig_name);
	o->state = OUT_COMMITTING;
	rconn_set_timeout(o->c, RELOC_REPLY_SECS);
	/* what the destination cannot know: QEMU's figures, for its record */
	line = xu_asprintf("(commit (id %s) (bytes %lld) (total %lld) "
	    "(downtime_ms %lld))\n", o->rec.id, (long long)o->rec.bytes,
	    (long long)o->rec.total, (long long)o->rec.downtime_ms);
	rconn_send(o->c, line);
	free(line);
}

/* Our QEMU's stream failed and the destination said nothing in time:
 * our side's reason it is. */
static void
stream_failed(evutil_socket_t fd, short what, void *arg)
{
	struct mig_out *o = arg;

	out_fail(o, "the stream to %s failed: %s", o->host, o->stream_err);
}

static void
engine_done(void *arg, int rc, const char *msg, uint64_t bytes)
{
	struct mig_out *o = arg;
	uint64_t b, total;
	int64_t downtime;

	o->engine_busy = false;
	if (o->d != NULL && mig_engine_progress(o->d, &b, &total, &downtime)) {
		o->rec.total = (int64_t)total;
		o->rec.downtime_ms = downtime;
	}
	o->rec.bytes = (int64_t)bytes;
	if (o->state == OUT_ABORTING) {
		abort_finish(o);
		return;
	}
	if (rc != XU_OK) {
		o->stream_err = xu_strdup(msg && *msg ? msg : "QEMU failed");
		/* a stream cut at the far end (its QEMU or xend gone) breaks
		 * here first: the destination's word on why is worth a moment */
		if (o->c != NULL) {
			struct timeval tv = { 1, 500000 };

			o->peer_wait = evtimer_new(o->rl->x->base, stream_failed, o);
			evtimer_add(o->peer_wait, &tv);
			return;
		}
		stream_failed(-1, 0, o);
		return;
	}
	o->engine_ok = true;
	o->sent_at = reloc_now();
	(void)reloc_record(o->rl, &o->rec, RELOC_STEP_SENT, NULL);
	FAULT_POINT("migrate-out.sent", o->orig_name);
	maybe_commit(o);
}

static void
start_stream(struct mig_out *o)
{
	struct xu_err err = { 0 };
	int fd = o->data_fd;

	o->data_fd = dup(fd);
	if (reloc_record(o->rl, &o->rec, RELOC_STEP_STREAMING, NULL) != XU_OK) {
		close(fd);
		out_fail(o, "cannot record the streaming step");
		return;
	}
	o->state = OUT_STREAMING;
	rconn_set_timeout(o->c, 0);
	if (mig_engine_send(o->d, fd, o->rec.live, o->rec.ssl, o->host,
	    engine_done, o, &err) != XU_OK) {
		out_fail(o, "cannot stream the domain: %s", err.msg);
		return;
	}
	o->engine_busy = true;
	FAULT_POINT("migrate-out.streaming", o->orig_name);
}

static void
data_connected(void *arg, int fd, const char *err)
{
	struct mig_out *o = arg;
	char *line;
	ssize_t r;

	o->tc = NULL;
	if (fd < 0) {
		out_fail(o, "cannot open the data connection to %s port %d: %s",
		    o->host, o->port, err);
		return;
	}
	reloc_keepalive(fd);
	line = reloc_hello_line(RELOC_CH_DATA, o->rec.id);
	r = send(fd, line, strlen(line), MSG_NOSIGNAL);
	if (r != (ssize_t)strlen(line)) {
		free(line);
		close(fd);
		out_fail(o, "cannot open the data connection to %s: %s", o->host,
		    strerror(errno));
		return;
	}
	free(line);
	o->data_fd = fd;
	o->state = OUT_WAIT_RECEIVING;
}

/* ---- the control connection --------------------------------------------------- */

static void
out_msg(struct rconn *c, struct reloc_msg *m, void *arg)
{
	struct mig_out *o = arg;

	if (strcmp(m->name, "err") == 0) {
		if (o->state == OUT_COMMITTING)
			out_lost(o, reloc_err_text(m));
		else
			fail_from_peer(o, m);
		return;
	}
	if (o->state == OUT_HEADER && strcmp(m->name, "ready") == 0) {
		o->state = OUT_DATA;
		o->tc = tcp_connect(o->rl->x->base, (struct sockaddr *)&o->sa,
		    o->salen, RELOC_CONNECT_SECS, data_connected, o);
	} else if (o->state == OUT_WAIT_RECEIVING &&
	    strcmp(m->name, "receiving") == 0) {
		start_stream(o);
	} else if (o->state == OUT_STREAMING &&
	    strcmp(m->name, "received") == 0) {
		o->received = true;
		maybe_commit(o);
	} else if (o->state == OUT_COMMITTING &&
	    strcmp(m->name, "running") == 0) {
		out_done(o, reloc_msg_str(m, "state", "running"));
	} else if (o->state == OUT_COMMITTING) {
		out_lost(o, "an unexpected answer");
	} else {
		out_fail(o, "unexpected '%s' from %s", m->name, o->host);
	}
}

static void
out_closed(struct rconn *c, const char *why, void *arg)
{
	struct mig_out *o = arg;

	rconn_free(o->c);
	o->c = NULL;
	if (o->state == OUT_COMMITTING)
		out_lost(o, why);
	else if (o->stream_err != NULL)
		stream_failed(-1, 0, o);
	else
		out_fail(o, "%s", why);
}

static const struct rconn_ops out_ops = { out_msg, out_closed };

static void
send_header(struct mig_out *o)
{
	struct xv *v = xv_list();
	char *line;

	xv_append(v, xv_str("migrate"));
	xv_append_pair(v, "version", xv_int(RELOC_VERSION));
	xv_append_pair(v, "id", xv_str(o->rec.id));
	xv_append_pair(v, "live", xv_int(o->rec.live));
	xv_append_pair(v, "paused", xv_int(o->rec.paused));
	xv_append_pair(v, "ssl", xv_int(o->rec.ssl));
	xv_append_pair(v, "source", xv_str(o->rl->hostname));
	xv_append(v, xv_copy(o->vm));
	line = reloc_msg_line(v);
	xv_free(v);
	rconn_send(o->c, line);
	free(line);
	o->state = OUT_HEADER;
	rconn_set_timeout(o->c, RELOC_REPLY_SECS);
}

static void
control_connected(void *arg, int fd, const char *err)
{
	struct mig_out *o = arg;
	struct xu_err e = { 0 };

	o->tc = NULL;
	if (fd < 0) {
		out_fail(o, "cannot connect to %s port %d: %s", o->host, o->port,
		    err);
		return;
	}
	reloc_keepalive(fd);
	if (open_control(o, fd, &out_ops, &e) != XU_OK) {
		out_fail(o, "%s", e.msg);
		return;
	}
	send_header(o);
}

static void
resolved(void *arg, const char *err, const struct sockaddr *sa,
    socklen_t salen, const char *name)
{
	struct mig_out *o = arg;

	o->res = NULL;
	if (err != NULL) {
		out_fail(o, "cannot find host %s: %s", o->host, err);
		return;
	}
	memcpy(&o->sa, sa, salen);
	o->salen = salen;
	o->state = OUT_CONNECTING;
	o->tc = tcp_connect(o->rl->x->base, sa, salen, RELOC_CONNECT_SECS,
	    control_connected, o);
}

/* ---- xend.domain.migrate ------------------------------------------------------ */

/* nomigrate (reference 4.3), at the top of the config or in its image. */
static bool
nomigrate(const struct domain *d)
{
	const struct xv *v = xv_child_value(d->vm, "nomigrate");

	if (v == NULL)
		v = xv_child_value(xv_at(xv_child(d->vm, "image"), 1), "nomigrate");
	if (v == NULL)
		return false;
	if (v->type == XV_INT)
		return v->u.i != 0;
	if (v->type == XV_BOOL)
		return v->u.b;
	return v->type == XV_STRING && strcmp(v->u.str.s, "0") != 0 &&
	    strcmp(v->u.str.s, "") != 0;
}

static int
check_domain(struct relocation *rl, struct domain *d, struct xu_err *err)
{
	if (d->is_dom0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Cannot migrate privileged "
		    "domain 0");
		return XU_ERR_INVALID;
	}
	if (!domain_running(d) || d->phase != DOM_PHASE_ACTIVE ||
	    !domain_refresh(d) || (d->info.state != XC_DOM_RUNNING &&
	    d->info.state != XC_DOM_PAUSED)) {
		xu_err_set(err, XU_ERR_INVALID, 0, "domain '%s' is not running: "
		    "only a running or paused domain can migrate", d->name);
		return XU_ERR_INVALID;
	}
	if (nomigrate(d)) {
		xu_err_set(err, XU_ERR_INVALID, 0, "domain '%s' has nomigrate = 1 "
		    "in its config: it cannot be migrated", d->name);
		return XU_ERR_INVALID;
	}
	if (mig_out_find_uuid(rl, d->uuid) != NULL) {
		xu_err_set(err, XU_ERR_INVALID, 0, "domain '%s' is already "
		    "migrating", d->name);
		return XU_ERR_INVALID;
	}
	return XU_OK;
}

int
migrate_out_start(struct relocation *rl, struct domain *d,
    const struct migrate_args *a, migrate_done_fn done, void *arg,
    struct xu_err *err)
{
	struct reloc_tls *tls;
	struct mig_out *o;
	char *tmp;
	int rc;

	if ((rc = check_domain(rl, d, err)) != XU_OK)
		return rc;
	if (a->host == NULL || *a->host == '\0') {
		xu_err_set(err, XU_ERR_INVALID, 0, "migrate: no destination host");
		return XU_ERR_INVALID;
	}
	if (a->ssl && (rc = reloc_tls_get(rl, &tls, err)) != XU_OK) {
		tmp = xu_strdup(err->msg);
		xu_err_set(err, rc, 0, "migrate --ssl: %s", tmp);
		free(tmp);
		return rc;
	}
	o = xu_calloc(1, sizeof(*o));
	o->rl = rl;
	o->d = d;
	domain_ref(d);
	o->data_fd = -1;
	o->host = xu_strdup(a->host);
	o->port = a->port > 0 ? a->port : (int)xend_opt_int(rl->x->opts,
	    a->ssl ? "xend-relocation-ssl-port" : "xend-relocation-port");
	o->was_running = d->info.state == XC_DOM_RUNNING;
	o->orig_name = xu_strdup(d->name);
	o->vm = xv_copy(d->vm);
	o->done = done;
	o->arg = arg;
	store_mig_init(&o->rec);
	reloc_new_id(o->rec.id);
	snprintf(o->rec.direction, sizeof(o->rec.direction), "out");
	snprintf(o->rec.uuid, sizeof(o->rec.uuid), "%s", d->uuid);
	o->rec.name = xu_strdup(d->name);
	o->rec.peer = xu_asprintf("%s:%d", o->host, o->port);
	o->rec.live = a->live;
	o->rec.ssl = a->ssl;
	o->rec.paused = !o->was_running;
	o->rec.started = reloc_now();
	o->rec.domid = d->domid;
	o->next = rl->outs;
	rl->outs = o;
	if ((rc = reloc_record(rl, &o->rec, RELOC_STEP_CONNECTING, NULL)) != XU_OK) {
		xu_err_set(err, rc, 0, "migrate: cannot record the migration: %s",
		    store_errmsg(rl->x->store));
		o->done = NULL;
		out_free(o);
		return rc;
	}
	/* classic xend's name for a domain on its way out */
	tmp = xu_asprintf("migrating-%s", d->name);
	if (domain_rename(d, tmp, err) != XU_OK)
		log_warn("Domain %s: not renamed during migration: %s", d->name,
		    err->msg);
	free(tmp);
	FAULT_POINT("migrate-out.connecting", o->orig_name);
	domain_log(d, "migrating to %s port %d%s%s", o->host, o->port,
	    a->live ? " (live)" : "", a->ssl ? " over TLS" : "");
	/* not live: the guest stops first, so the image is one instant */
	if (!a->live && o->was_running && domain_pause(d, err) != XU_OK) {
		out_fail(o, "cannot pause the domain: %s", err->msg);
		return XU_OK;	/* answered through done */
	}
	o->state = OUT_RESOLVING;
	o->res = resolve_host(rl->x->base, o->host, o->port, RELOC_CONNECT_SECS,
	    resolved, o);
	if (o->res == NULL)
		out_fail(o, "cannot look up host %s", o->host);
	return XU_OK;
}

struct mig_out *
mig_out_find_uuid(struct relocation *rl, const char *uuid)
{
	struct mig_out *o;

	for (o = rl->outs; o != NULL; o = o->next)
		if (strcmp(o->rec.uuid, uuid) == 0)
			return o;
	return NULL;
}

void
mig_out_progress(struct mig_out *o, uint64_t *bytes, uint64_t *total,
    double *rate)
{
	int64_t downtime;
	double secs = reloc_now() - o->rec.started;

	*bytes = (uint64_t)o->rec.bytes;
	*total = (uint64_t)o->rec.total;
	if (o->engine_busy && o->d != NULL)
		(void)mig_engine_progress(o->d, bytes, total, &downtime);
	*rate = secs > 0 ? (double)*bytes / secs : 0;
}

void
mig_out_free_all(struct relocation *rl)
{
	/* xend stops: the records stay for the next xend to finish */
	while (rl->outs != NULL) {
		rl->outs->done = NULL;
		out_free(rl->outs);
	}
}

/* ---- reconciliation ------------------------------------------------------------------ */

/* A migration of the last xend's, from its record, to finish. */
static struct mig_out *
out_adopt(struct relocation *rl, struct store_mig *m)
{
	struct mig_out *o = xu_calloc(1, sizeof(*o));
	char *colon;

	o->rl = rl;
	o->d = domains_by_uuid(rl->x->domains, m->uuid);
	if (o->d != NULL)
		domain_ref(o->d);
	o->data_fd = -1;
	o->orig_name = xu_strdup(m->name);
	o->was_running = !m->paused;
	o->host = xu_strdup(m->peer);
	if ((colon = strrchr(o->host, ':')) != NULL) {
		*colon = '\0';
		o->port = atoi(colon + 1);
	}
	o->rec = *m;
	store_mig_init(m);
	o->next = rl->outs;
	rl->outs = o;
	return o;
}

void
mig_out_reconcile(struct relocation *rl, struct store_mig *m)
{
	struct mig_out *o = out_adopt(rl, m);

	if (strcmp(o->rec.step, RELOC_STEP_COMMITTING) != 0) {
		/* never committed: the local copy is the only one */
		o->fail_msg = xu_strdup("xend restarted before the migration was "
		    "committed");
		abort_finish(o);
		return;
	}
	/* committed: only the destination can say where the guest is */
	o->state = OUT_QUERYING;
	o->query_deadline = reloc_now() + query_secs();
	query_next(o);
}
