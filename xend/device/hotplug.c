/* hotplug.c: hotplug scripts as children of xend: fork and exec (no
 * shell), a process group each, output through a pipe, SIGCHLD and a
 * timer on the loop. A run outlives its caller's interest only as a pid
 * to reap. */
#include "hotplug.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"

extern char **environ;

struct hotplug {
	struct event_base *base;
	char *name;		/* the script, for the log */
	pid_t pid;
	int fd;			/* our end of its output */
	struct event *read_ev, *timer;
	struct xu_buf out;
	double started;
	int timeout_s;
	hotplug_done_fn done;	/* NULL once cancelled */
	void *arg;
	struct event *done_ev;	/* answers from the loop */
	struct hotplug_result res;
	bool exited;		/* reaped */
	bool answered;		/* done has been called (or skipped) */
	struct hotplug *next;
};

/* Every run not yet reaped, and the one SIGCHLD watcher for them. */
static struct hotplug *runs;
static struct event *sigchld_ev;

static void
unlink_run(struct hotplug *h)
{
	struct hotplug **pp;

	for (pp = &runs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	}
	if (runs == NULL && sigchld_ev != NULL) {
		event_free(sigchld_ev);
		sigchld_ev = NULL;
	}
}

static void
run_free(struct hotplug *h)
{
	unlink_run(h);
	if (h->read_ev != NULL)
		event_free(h->read_ev);
	if (h->timer != NULL)
		event_free(h->timer);
	if (h->done_ev != NULL)
		event_free(h->done_ev);
	if (h->fd >= 0)
		close(h->fd);
	xu_buf_dispose(&h->out);
	free(h->res.output);
	free(h->name);
	free(h);
}

static void
keep_output(struct hotplug *h, const char *data, size_t len)
{
	xu_buf_add(&h->out, data, len);
	if (h->out.len > 4 * HOTPLUG_OUTPUT_MAX) {
		size_t cut = h->out.len - HOTPLUG_OUTPUT_MAX;

		memmove(h->out.data, h->out.data + cut, h->out.len - cut + 1);
		h->out.len -= cut;
	}
}

static void
drain(struct hotplug *h)
{
	char buf[4096];
	ssize_t r;

	if (h->fd < 0)
		return;
	while ((r = read(h->fd, buf, sizeof(buf))) > 0)
		keep_output(h, buf, (size_t)r);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		if (h->read_ev != NULL)
			event_del(h->read_ev);
		close(h->fd);
		h->fd = -1;
	}
}

static char *
trimmed_tail(const struct xu_buf *b)
{
	const char *s = b->len > HOTPLUG_OUTPUT_MAX ?
	    b->data + b->len - HOTPLUG_OUTPUT_MAX : (b->data ? b->data : "");
	size_t len = strlen(s);

	while (*s == '\n' || *s == ' ') {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	return xu_strndup(s, len);
}

static void
answer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hotplug *h = arg;
	hotplug_done_fn done = h->done;

	h->done = NULL;
	h->answered = true;
	if (done != NULL)
		done(h->arg, &h->res);
	if (h->exited)
		run_free(h);
}

/* The result is ready: answer on the next turn of the loop. */
static void
finish(struct hotplug *h)
{
	if (h->res.output != NULL)
		return;		/* answered already (timed out, then reaped) */
	drain(h);
	h->res.output = trimmed_tail(&h->out);
	h->res.seconds = xu_wall_s() - h->started;
	if (h->timer != NULL)
		evtimer_del(h->timer);
	h->done_ev = event_new(h->base, -1, 0, answer_cb, h);
	event_active(h->done_ev, 0, 0);
}

static void
on_output(evutil_socket_t fd, short what, void *arg)
{
	drain(arg);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct hotplug *h = arg;

	log_warn("hotplug: %s (pid %d) timed out after %d s; killing it", h->name,
	    (int)h->pid, h->timeout_s);
	kill(-h->pid, SIGKILL);
	h->res.timed_out = true;
	finish(h);
}

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct hotplug *h, *next;
	int status;

	for (h = runs; h != NULL; h = next) {
		next = h->next;
		if (h->exited || waitpid(h->pid, &status, WNOHANG) != h->pid)
			continue;
		h->exited = true;
		if (!h->res.timed_out)
			h->res.status = status;
		if (h->res.output == NULL)
			finish(h);
		else if (h->answered)
			run_free(h);
	}
}

/* Between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
child(const char *path, char *const argv[], char **envp, int wfd)
{
	static const char msg[] = "cannot execute the script\n";
	sigset_t none;
	int nul;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	nul = open("/dev/null", O_RDONLY);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(wfd, 1) < 0 || dup2(wfd, 2) < 0)
		_exit(126);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
#endif
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	execve(path, argv, envp);
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(127);
}

/* xend's environment with env's names replaced or added. */
static char **
make_env(char *const env[])
{
	size_t n = 0, m = 0, i, j, k = 0;
	char **v;

	while (environ[n] != NULL)
		n++;
	while (env != NULL && env[m] != NULL)
		m++;
	v = xu_calloc(n + m + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		size_t len = strcspn(environ[i], "=");

		for (j = 0; j < m; j++)
			if (strncmp(env[j], environ[i], len) == 0 && env[j][len] == '=')
				break;
		if (j == m)
			v[k++] = environ[i];
	}
	for (j = 0; j < m; j++)
		v[k++] = env[j];
	return v;
}

static int
check_script(const char *path, struct xu_err *err)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		xu_err_set(err, XU_ERR_NOT_FOUND, 0, "hotplug script %s: %s", path,
		    strerror(errno));
		return XU_ERR_NOT_FOUND;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "hotplug script %s: %s", path,
		    S_ISREG(st.st_mode) ? strerror(errno) : "not a regular file");
		return XU_ERR_INVALID;
	}
	return XU_OK;
}

struct hotplug *
hotplug_run(struct event_base *base, const char *path, char *const argv[],
    char *const env[], int timeout_s, hotplug_done_fn done, void *arg,
    struct xu_err *err)
{
	struct timeval tv = { timeout_s > 0 ? timeout_s : 1, 0 };
	struct hotplug *h;
	char **envp;
	int p[2];

	if (check_script(path, err) != XU_OK)
		return NULL;
	if (pipe2(p, O_CLOEXEC) != 0) {
		xu_err_set(err, XU_ERR_IO, 0, "hotplug script %s: pipe: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (sigchld_ev == NULL) {
		sigchld_ev = evsignal_new(base, SIGCHLD, on_sigchld, NULL);
		event_add(sigchld_ev, NULL);
	}
	h = xu_calloc(1, sizeof(*h));
	h->base = base;
	h->name = xu_strdup(path);
	h->timeout_s = timeout_s;
	h->done = done;
	h->arg = arg;
	h->started = xu_wall_s();
	xu_buf_init(&h->out);
	h->next = runs;
	runs = h;
	envp = make_env(env);
	h->pid = fork();
	if (h->pid == 0)
		child(path, argv, envp, p[1]);
	free(envp);
	close(p[1]);
	if (h->pid < 0) {
		xu_err_set(err, XU_ERR_IO, 0, "hotplug script %s: fork: %s", path,
		    strerror(errno));
		close(p[0]);
		h->fd = -1;
		run_free(h);
		return NULL;
	}
	setpgid(h->pid, h->pid);	/* either side may win the race */
	h->fd = p[0];
	evutil_make_socket_nonblocking(h->fd);
	h->read_ev = event_new(base, h->fd, EV_READ | EV_PERSIST, on_output, h);
	event_add(h->read_ev, NULL);
	h->timer = evtimer_new(base, on_timeout, h);
	evtimer_add(h->timer, &tv);
	log_debug("hotplug: started %s (pid %d)", path, (int)h->pid);
	/* a child that exited before the signal watcher existed */
	event_active(sigchld_ev, EV_SIGNAL, 0);
	return h;
}

void
hotplug_cancel(struct hotplug *h)
{
	if (h == NULL)
		return;
	h->done = NULL;
	/* freed once reaped and its (now silent) answer has passed */
	if (!h->exited) {
		kill(-h->pid, SIGKILL);
		if (h->timer != NULL)
			evtimer_del(h->timer);
	}
}

void
hotplug_describe(const struct hotplug_result *r, int timeout_s, char *buf,
    size_t len)
{
	if (r->timed_out)
		snprintf(buf, len, "timed out after %d s", timeout_s);
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(r->status));
	else if (WEXITSTATUS(r->status) != 0)
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(r->status));
	else
		snprintf(buf, len, "succeeded");
}
