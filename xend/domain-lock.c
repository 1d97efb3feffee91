/* domain-lock.c: this host in the domain lock space (domain-lock.h). The
 * join runs in a thread that owns a copy of what it needs and writes its
 * whole answer to a pipe in one write, as the migration's lookups do. */
#include "domain-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef HAVE_SANLOCK
#include <stdint.h>
#include <sanlock.h>
#include <sanlock_admin.h>
#include <sanlock_rv.h>
#endif

#include "log.h"
#include "xc-lease.h"
#include "xend-options.h"
#include "xu.h"

struct waiter {
	void (*fn)(void *);
	void *arg;
};

struct dlock {
	struct event_base *base;
	char *dir;
	unsigned host_id;
	bool known;		/* joined, or failed with error */
	char *error;
	struct event *ev;
	int rfd;
	struct waiter *waiters;
	size_t nwaiters;
};

struct job {
	char dir[1024];
	unsigned host_id;
	int wfd;
};

struct answer {
	char err[1400];
};

#ifdef HAVE_SANLOCK
static void
join(const struct job *j, struct answer *a)
{
	struct sanlk_lockspace ls;
	char err[300], *path = xc_lease_lockspace_path(j->dir);
	int rv;

	if (xu_mkdir_p(j->dir, 0755) != 0) {
		snprintf(a->err, sizeof(a->err), "cannot make %s: %s", j->dir,
		    strerror(errno));
		goto out;
	}
	if (xc_lease_file_make(path, NULL, err, sizeof(err)) < 0 ||
	    xc_lease_host_name_write(j->dir, j->host_id, err, sizeof(err)) < 0) {
		snprintf(a->err, sizeof(a->err), "%s", err);
		goto out;
	}
	memset(&ls, 0, sizeof(ls));
	snprintf(ls.name, sizeof(ls.name), "%s", XC_LEASE_LOCKSPACE);
	ls.host_id = j->host_id;
	snprintf(ls.host_id_disk.path, sizeof(ls.host_id_disk.path), "%s", path);
	/* a lock space still joined (xend restarted under running domains)
	 * answers EEXIST; one being joined EINPROGRESS, then we wait for it */
	rv = sanlock_add_lockspace(&ls, 0);
	if (rv == -EINPROGRESS)
		rv = sanlock_inq_lockspace(&ls, SANLK_INQ_WAIT);
	if (rv == 0 || rv == -EEXIST)
		goto out;
	if (rv == SANLK_HOSTID_BUSY)
		snprintf(a->err, sizeof(a->err), "host id %u is in use by another "
		    "host in %s: give each host its own "
		    "xend-domain-lock-host-id", j->host_id, path);
	else
		snprintf(a->err, sizeof(a->err), "sanlock cannot join the lock "
		    "space %s as host id %u: %s (%d)%s", path, j->host_id,
		    rv > -200 ? strerror(-rv) : "sanlock error", rv,
		    rv == -ECONNREFUSED || rv == -ENOENT ? "; is the sanlock "
		    "daemon running?" : "");
out:
	free(path);
}
#endif

static void *
join_thread(void *p)
{
	struct job *j = p;
	struct answer a;
	ssize_t w;

	memset(&a, 0, sizeof(a));
#ifdef HAVE_SANLOCK
	join(j, &a);
#endif
	do
		w = write(j->wfd, &a, sizeof(a));
	while (w < 0 && errno == EINTR);
	close(j->wfd);
	free(j);
	return NULL;
}

static void
settle(struct dlock *l, const char *error)
{
	struct waiter *w = l->waiters;
	size_t i, n = l->nwaiters;

	l->known = true;
	if (error != NULL && *error) {
		l->error = xu_asprintf("domains cannot start here: "
		    "xend-domain-lock is on and %s", error);
		log_error("%s", l->error);
	} else {
		log_info("domain lock: joined the lock space in %s as host id %u",
		    l->dir, l->host_id);
	}
	l->waiters = NULL;
	l->nwaiters = 0;
	for (i = 0; i < n; i++)
		w[i].fn(w[i].arg);
	free(w);
}

static void
joined(evutil_socket_t fd, short what, void *arg)
{
	struct dlock *l = arg;
	struct answer a;
	ssize_t r;

	do
		r = read(l->rfd, &a, sizeof(a));
	while (r < 0 && errno == EINTR);
	event_free(l->ev);
	l->ev = NULL;
	close(l->rfd);
	l->rfd = -1;
	if (r != (ssize_t)sizeof(a))
		snprintf(a.err, sizeof(a.err), "the join of the lock space ended "
		    "without an answer");
	a.err[sizeof(a.err) - 1] = '\0';
	settle(l, a.err);
}

struct dlock *
dlock_new(struct event_base *base, const struct xend_options *opts)
{
	struct dlock *l;
	struct job *j;
	pthread_t t;
	int p[2];

	if (!xend_opt_bool(opts, "xend-domain-lock"))
		return NULL;
	l = xu_calloc(1, sizeof(*l));
	l->base = base;
	l->rfd = -1;
	l->dir = xu_strdup(xend_opt_str(opts, "xend-domain-lock-path"));
	l->host_id = (unsigned)xend_opt_int(opts, "xend-domain-lock-host-id");
	if (!xc_lease_supported()) {
		settle(l, "this xend was built without sanlock (install "
		    "libsanlock-dev and build again)");
		return l;
	}
	if (l->host_id == 0) {
		settle(l, "xend-domain-lock-host-id is not set: give every host "
		    "that shares xend-domain-lock-path a number of its own, "
		    "1 to 2000");
		return l;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		settle(l, strerror(errno));
		return l;
	}
	j = xu_calloc(1, sizeof(*j));
	snprintf(j->dir, sizeof(j->dir), "%s", l->dir);
	j->host_id = l->host_id;
	j->wfd = p[1];
	l->rfd = p[0];
	l->ev = event_new(base, p[0], EV_READ, joined, l);
	event_add(l->ev, NULL);
	log_info("domain lock: joining the lock space in %s as host id %u",
	    l->dir, l->host_id);
	if (pthread_create(&t, NULL, join_thread, j) != 0) {
		close(p[1]);
		free(j);
	} else {
		pthread_detach(t);
	}
	return l;
}

void
dlock_free(struct dlock *l)
{
	if (l == NULL)
		return;
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->rfd >= 0)
		close(l->rfd);	/* a thread still joining writes to nobody */
	free(l->waiters);
	free(l->error);
	free(l->dir);
	free(l);
}

static void
call_later(evutil_socket_t fd, short what, void *p)
{
	struct waiter w = *(struct waiter *)p;

	free(p);
	w.fn(w.arg);
}

void
dlock_wait(struct dlock *l, void (*fn)(void *), void *arg)
{
	struct timeval now = { 0, 0 };
	struct waiter *w;

	if (l == NULL) {
		fn(arg);
		return;
	}
	if (l->known) {
		/* from the loop, never inside the caller: a refusal is then
		 * answered as every start's outcome is, later */
		w = xu_malloc(sizeof(*w));
		w->fn = fn;
		w->arg = arg;
		event_base_once(l->base, -1, EV_TIMEOUT, call_later, w, &now);
		return;
	}
	l->waiters = xu_realloc(l->waiters, (l->nwaiters + 1) * sizeof(*l->waiters));
	l->waiters[l->nwaiters].fn = fn;
	l->waiters[l->nwaiters].arg = arg;
	l->nwaiters++;
}

const char *
dlock_error(const struct dlock *l)
{
	return l != NULL ? l->error : NULL;
}

const char *
dlock_dir(const struct dlock *l)
{
	return l != NULL ? l->dir : NULL;
}

unsigned
dlock_host_id(const struct dlock *l)
{
	return l != NULL ? l->host_id : 0;
}
