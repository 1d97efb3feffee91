/* accel.c: picks KVM or TCG for the domains of this xend. A forced setting
 * is taken as it is; "auto" runs xc_accel_probe (a few seconds of
 * measuring) in a forked child that writes the answer to a pipe. */
#include "accel.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "xu.h"

struct probe_msg {
	int rc;
	int chosen;
	char why[256];
};

struct waiter {
	void (*fn)(void *);
	void *arg;
};

struct accel {
	bool known;
	enum xc_accel chosen;
	char why[256];
	pid_t child;
	int fd;
	struct event *ev;
	struct probe_msg msg;	/* filled as the child's bytes arrive */
	size_t got;
	struct waiter *waiters;
	size_t nwaiters;
};

static const char *
accel_word(enum xc_accel a)
{
	return a == XC_ACCEL_KVM ? "kvm" : "tcg";
}

static void
decide(struct accel *a, enum xc_accel chosen, const char *why)
{
	struct waiter *w = a->waiters;
	size_t n, i;

	a->known = true;
	a->chosen = chosen == XC_ACCEL_KVM ? XC_ACCEL_KVM : XC_ACCEL_TCG;
	/* libxc says "tcg: /dev/kvm missing"; the choice is shown already */
	n = strlen(accel_word(a->chosen));
	if (strncmp(why, accel_word(a->chosen), n) == 0 && why[n] == ':' &&
	    why[n + 1] == ' ')
		why += n + 2;
	snprintf(a->why, sizeof(a->why), "%s", why);
	log_info("accelerator: %s (%s)", accel_word(a->chosen), a->why);
	n = a->nwaiters;
	a->waiters = NULL;
	a->nwaiters = 0;
	for (i = 0; i < n; i++)
		w[i].fn(w[i].arg);
	free(w);
}

static void
reap(struct accel *a)
{
	int status;

	if (a->child <= 0)
		return;
	while (waitpid(a->child, &status, 0) < 0 && errno == EINTR)
		;
	a->child = -1;
}

static void
stop_watching(struct accel *a)
{
	if (a->ev != NULL)
		event_free(a->ev);
	a->ev = NULL;
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

static void
child_readable(evutil_socket_t fd, short what, void *arg)
{
	struct accel *a = arg;
	char why[300];
	ssize_t r;

	r = read(fd, (char *)&a->msg + a->got, sizeof(a->msg) - a->got);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r > 0) {
		a->got += (size_t)r;
		if (a->got < sizeof(a->msg))
			return;
	}
	stop_watching(a);
	reap(a);
	if (a->got < sizeof(a->msg)) {
		decide(a, XC_ACCEL_TCG, "the accelerator probe died");
		return;
	}
	a->msg.why[sizeof(a->msg.why) - 1] = '\0';
	if (a->msg.rc != XC_OK) {
		snprintf(why, sizeof(why), "the accelerator probe failed: %s%s%s",
		    xc_strerror(a->msg.rc), a->msg.why[0] ? ": " : "",
		    a->msg.why);
		decide(a, XC_ACCEL_TCG, why);
		return;
	}
	decide(a, (enum xc_accel)a->msg.chosen, a->msg.why);
}

/* The child keeps only the pipe (as fd 3) and the log, with default
 * signal handling: an inherited copy of xend's listening socket would
 * answer for a dead xend, and the start-up report pipe would keep
 * `xend start` waiting. */
static int
close_inherited(int fd)
{
	char *path = log_path() ? xu_strdup(log_path()) : NULL;
	enum log_level level = log_get_level();

	/* xend's handlers (libevent's) would swallow a SIGTERM */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	log_close();
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		fd = 3;
	}
	if (close_range(4, ~0U, 0) != 0) {
		int i, max = (int)sysconf(_SC_OPEN_MAX);

		for (i = 4; i < max && i < 65536; i++)
			close(i);
	}
	if (path != NULL)
		(void)log_open(path, level, NULL);
	free(path);
	return fd;
}

/* The child: measure, write one message, leave without running any of
 * the parent's exit handlers or touching its event loop. */
static void __attribute__((noreturn))
probe_child(xc_interface *xc, int fd)
{
	struct probe_msg m;
	enum xc_accel chosen = XC_ACCEL_TCG;
	size_t off = 0;
	ssize_t r;

	fd = close_inherited(fd);
	memset(&m, 0, sizeof(m));
	m.rc = xc_accel_probe(xc, &chosen, m.why, sizeof(m.why));
	m.chosen = (int)chosen;
	while (off < sizeof(m)) {
		r = write(fd, (char *)&m + off, sizeof(m) - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	_exit(0);
}

static void
start_probe(struct accel *a, struct event_base *base, xc_interface *xc)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) != 0) {
		decide(a, XC_ACCEL_TCG, "cannot start the accelerator probe");
		return;
	}
	a->child = fork();
	if (a->child < 0) {
		close(p[0]);
		close(p[1]);
		decide(a, XC_ACCEL_TCG, "cannot start the accelerator probe");
		return;
	}
	if (a->child == 0) {
		close(p[0]);
		probe_child(xc, p[1]);
	}
	close(p[1]);
	a->fd = p[0];
	evutil_make_socket_nonblocking(a->fd);
	a->ev = event_new(base, a->fd, EV_READ | EV_PERSIST, child_readable, a);
	event_add(a->ev, NULL);
	log_debug("accelerator probe running (pid %d)", (int)a->child);
}

struct accel *
accel_new(struct event_base *base, xc_interface *xc, const char *setting)
{
	struct accel *a = xu_calloc(1, sizeof(*a));

	a->fd = -1;
	a->child = -1;
	if (setting != NULL && strcmp(setting, "kvm") == 0)
		decide(a, XC_ACCEL_KVM, "forced by xend-config.sxp");
	else if (setting != NULL && strcmp(setting, "tcg") == 0)
		decide(a, XC_ACCEL_TCG, "forced by xend-config.sxp");
	else
		start_probe(a, base, xc);
	return a;
}

void
accel_free(struct accel *a)
{
	if (a == NULL)
		return;
	stop_watching(a);
	if (a->child > 0)
		kill(a->child, SIGKILL);
	reap(a);
	free(a->waiters);
	free(a);
}

bool
accel_known(const struct accel *a)
{
	return a->known;
}

enum xc_accel
accel_chosen(const struct accel *a)
{
	return a->chosen;
}

const char *
accel_reason(const struct accel *a)
{
	return a->why;
}

char *
accel_describe(const struct accel *a)
{
	if (!a->known)
		return xu_strdup("probing");
	return xu_asprintf("%s (%s)", accel_word(a->chosen), a->why);
}

void
accel_wait(struct accel *a, void (*fn)(void *), void *arg)
{
	if (a->known) {
		fn(arg);
		return;
	}
	a->waiters = xu_realloc(a->waiters, (a->nwaiters + 1) * sizeof(*a->waiters));
	a->waiters[a->nwaiters].fn = fn;
	a->waiters[a->nwaiters].arg = arg;
	a->nwaiters++;
}
