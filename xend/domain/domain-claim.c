/* domain-claim.c: a create its client holds. xm creates a domain paused,
 * waits for its devices and unpauses it, in three calls; if the client
 * goes between them (killed, its terminal closed, xend restarted under
 * it), a paused, half-made domain would stay, holding memory and disks.
 * So a client may say, with the create, which call finishes it: until
 * then xend watches the client's process (a pidfd on the loop), and
 * rolls the create back if the process ends first. The claim is recorded
 * with the domain's first record, so a new xend finds it and does the
 * same. A domain already unpaused is kept: its create was done. */
#include "domain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "device.h"
#include "log.h"
#include "store.h"

struct domain_claim {
	struct store_claim rec;
	int pidfd;
	struct event *ev;
};

/* A process's start time (clock ticks after boot, /proc/PID/stat field
 * 22), so that a pid used again by another process is told apart; -1
 * when there is no such process. */
static int64_t
pid_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	long long v = -1;
	size_t n;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: skip past the
	 * last ')', then fields 3 to 21 */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	for (i = 3; i <= 22 && p != NULL; i++) {
		p += strspn(p, " ");
		if (i == 22)
			break;
		p = strchr(p, ' ');
	}
	if (p == NULL || sscanf(p, "%lld", &v) != 1)
		return -1;
	return v;
}

bool
domain_claim_wanted(const char *finish)
{
	return finish != NULL && (strcmp(finish, "unpause") == 0 ||
	    strcmp(finish, "waitForDevices") == 0);
}

int
domain_claim_set(struct domain *d, pid_t pid, const char *finish,
    struct xu_err *err)
{
	struct domain_claim *c;
	int64_t start;

	if (!domain_claim_wanted(finish)) {
		xu_err_set(err, XU_ERR_INVALID, 0, "cannot create domain '%s': "
		    "unknown finishing call '%s' (unpause, waitForDevices)",
		    d->name, finish ? finish : "");
		return XU_ERR_INVALID;
	}
	/* a client in a pid namespace xend cannot see has no pid here */
	if (pid <= 0 || (start = pid_start_time(pid)) < 0)
		return XU_OK;
	c = xu_calloc(1, sizeof(*c));
	snprintf(c->rec.uuid, sizeof(c->rec.uuid), "%s", d->uuid);
	c->rec.pid = pid;
	c->rec.pid_start = start;
	snprintf(c->rec.finish, sizeof(c->rec.finish), "%s", finish);
	c->pidfd = -1;
	d->claim = c;
	return XU_OK;
}

int
domain_claim_record(struct domain *d)
{
	struct store *st = d->tab->x->store;

	if (d->claim == NULL)
		return XU_OK;
	return store_claim_put(st, &d->claim->rec);
}

void
domain_claim_free(struct domain *d)
{
	struct domain_claim *c = d->claim;

	if (c == NULL)
		return;
	d->claim = NULL;
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c);
}

/* The claim is over: the create finished, or the domain went. */
static void
settle(struct domain *d)
{
	struct store *st = d->tab->x->store;

	if (store_claim_delete(st, d->uuid) != XU_OK)
		log_error("Domain %s: %s", d->name, store_errmsg(st));
	domain_claim_free(d);
}

static void
rollback_started(struct domain *d, void *arg)
{
	struct xu_err err = { 0 };

	(void)arg;
	if (d->removed)
		return;
	if (domain_destroy(d, &err) != XU_OK)
		log_error("Domain %s: its create could not be rolled back: %s",
		    d->name, err.msg);
}

/* Found 'starting' at re-adoption, its monitor never asked for: nobody
 * waits for this start any more, so it need not wait the whole time a
 * monitor on its way up would get. */
static void
hurry_if_no_monitor(struct domain *d)
{
	char *phase;

	if (d->adopt_timer == NULL)
		return;
	phase = devices_get_phase(d);
	if (phase == NULL || strcmp(phase, "monitor") != 0)
		domain_adopt_hurry(d);
	free(phase);
}

/* A guest that has run was unpaused: its create was done, whatever
 * became of the guest since (it may have stopped, or be restarting). */
static bool
has_run(struct domain *d)
{
	if (d->restart_count > 0 || d->phase == DOM_PHASE_RESTARTING)
		return true;
	if (d->phase != DOM_PHASE_ACTIVE)
		return false;
	domain_refresh(d);
	return d->have_info && d->info.state != XC_DOM_PAUSED;
}

/* The client's process has ended before it finished the create. */
static void
client_gone(evutil_socket_t fd, short what, void *arg)
{
	struct domain *d = arg;
	struct domain_claim *c = d->claim;
	struct xu_err err = { 0 };
	long pid = (long)c->rec.pid;

	(void)fd;
	(void)what;
	if (d->removed) {
		settle(d);
		return;
	}
	if (has_run(d)) {
		domain_log(d, "its client (pid %ld) went away after unpausing "
		    "it: the create is complete", pid);
		settle(d);
		return;
	}
	domain_log(d, "its client (pid %ld) went away before finishing the "
	    "create (%s): rolled back", pid, c->rec.finish);
	/* the record goes with the domain, the claim with the record */
	domain_claim_free(d);
	if (d->phase == DOM_PHASE_STARTING) {
		domain_when_started(d, rollback_started, NULL);
		hurry_if_no_monitor(d);
		return;
	}
	if (domain_destroy(d, &err) != XU_OK)
		log_error("Domain %s: its create could not be rolled back: %s",
		    d->name, err.msg);
}

void
domain_claim_watch(struct domain *d)
{
	struct domain_claim *c = d->claim;
	struct event_base *base = d->tab->x->base;
	struct timeval now = { 0, 0 };

	if (c == NULL || c->ev != NULL)
		return;
	c->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)c->rec.pid, 0);
	/* checked after the open: the pidfd is then of this very process */
	if (c->pidfd >= 0 && pid_start_time((pid_t)c->rec.pid) == c->rec.pid_start) {
		c->ev = event_new(base, c->pidfd, EV_READ, client_gone, d);
		event_add(c->ev, NULL);
		return;
	}
	if (c->pidfd < 0 && errno != ESRCH)
		log_warn("Domain %s: cannot watch its client (pid %ld): %s",
		    d->name, (long)c->rec.pid, strerror(errno));
	/* gone already: acted upon from the loop, not from the caller */
	c->ev = evtimer_new(base, client_gone, d);
	evtimer_add(c->ev, &now);
}

void
domain_claim_finish(struct domain *d, const char *call)
{
	struct domain_claim *c = d->claim;

	if (c == NULL)
		return;
	/* an unpause, by anyone, finishes any create: the domain runs */
	if (strcmp(call, "unpause") != 0 && strcmp(call, c->rec.finish) != 0)
		return;
	domain_log(d, "created (its client finished with %s)", call);
	settle(d);
}

void
domains_claims_reconcile(struct domains *t)
{
	struct store *st = t->x->store;
	struct store_claim *v = NULL;
	struct domain *d;
	size_t n = 0, i;

	if (store_claim_list(st, &v, &n) != XU_OK) {
		log_error("cannot read the creates in progress: %s",
		    store_errmsg(st));
		return;
	}
	for (i = 0; i < n; i++) {
		d = domains_by_uuid(t, v[i].uuid);
		if (d == NULL || d->removed || d->claim != NULL) {
			if (store_claim_delete(st, v[i].uuid) != XU_OK)
				log_error("%s", store_errmsg(st));
			continue;
		}
		d->claim = xu_calloc(1, sizeof(*d->claim));
		d->claim->rec = v[i];
		d->claim->pidfd = -1;
		log_info("Domain %s: its create is held by its client (pid %ld) "
		    "until %s", d->name, (long)v[i].pid, v[i].finish);
		domain_claim_watch(d);
	}
	free(v);
}
