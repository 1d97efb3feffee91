/* console.c: the console client behind `xm console` and `xm create -c`:
 * a poll loop between the user's terminal and the domain's attach socket.
 * The terminal is raw while attached and restored on every way out,
 * signals included (they are turned into loop events through a pipe). */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static const int end_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };
#define NSIGNALS	(sizeof(end_signals) / sizeof(end_signals[0]))

/* The write end of the signal pipe, for the handler. */
static volatile sig_atomic_t sig_fd = -1;

static void
set_why(struct xm_console_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_why(struct xm_console_result *res, const char *fmt, ...)
{
	va_list ap;

	res->end = XM_CONSOLE_ERROR;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
}

int
xm_console_connect(const char *path, char *why, size_t len)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, len, "console socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(why, len, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(why, len, "cannot connect to the console at %s: %s",
		    path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
on_signal(int signo)
{
	unsigned char b = (unsigned char)signo;
	int saved = errno;

	if (sig_fd >= 0)
		(void)write(sig_fd, &b, 1);
	errno = saved;
}

/* What the relay changes in the process, to put back on the way out. */
struct relay_env {
	int pipe[2];
	struct sigaction old[NSIGNALS], old_pipe;
	bool raw;
	struct termios saved;
};

static int
env_setup(struct relay_env *env, struct xm_console_result *res)
{
	struct sigaction sa;
	struct termios raw;
	size_t i;

	if (pipe2(env->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		set_why(res, "pipe: %s", strerror(errno));
		return -1;
	}
	sig_fd = env->pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NSIGNALS; i++)
		sigaction(end_signals[i], &sa, &env->old[i]);
	/* A reader that goes away (| head) must end the loop through EPIPE,
	 * not kill xm with the terminal still raw. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &env->old_pipe);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &env->saved) == 0) {
		raw = env->saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			env->raw = true;
	}
	return 0;
}

static void
env_restore(struct relay_env *env)
{
	size_t i;

	if (env->raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &env->saved);
	env->raw = false;
	sigaction(SIGPIPE, &env->old_pipe, NULL);
	for (i = 0; i < NSIGNALS; i++)
		sigaction(end_signals[i], &env->old[i], NULL);
	sig_fd = -1;
	if (env->pipe[0] >= 0) {
		close(env->pipe[0]);
		close(env->pipe[1]);
	}
	env->pipe[0] = env->pipe[1] = -1;
}

static int
write_all(int fd, const char *buf, size_t len, bool sock)
{
	ssize_t r;

	while (len > 0) {
		r = sock ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

/* One round of the loop: 1 to go on, 0 when the session has ended. */
static int
relay_once(struct relay_env *env, int fd, struct xm_console_result *res)
{
	struct pollfd pfd[3] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = env->pipe[0], .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	unsigned char sig;
	char buf[4096];
	ssize_t n;

	if (poll(pfd, 3, -1) < 0) {
		if (errno == EINTR)
			return 1;
		set_why(res, "poll: %s", strerror(errno));
		return 0;
	}
	if (pfd[1].revents && read(env->pipe[0], &sig, 1) == 1) {
		res->end = XM_CONSOLE_SIGNAL;
		res->signo = sig;
		return 0;
	}
	if (pfd[0].revents) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return 1;
		if (n <= 0) {
			res->end = XM_CONSOLE_CLOSED;
			return 0;
		}
		if (write_all(STDOUT_FILENO, buf, (size_t)n, false) != 0) {
			set_why(res, "cannot write the console output: %s",
			    strerror(errno));
			return 0;
		}
	}
	if (pfd[2].revents) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return 1;
		if (n == 1 && buf[0] == XM_CONSOLE_ESCAPE) {
			res->end = XM_CONSOLE_DETACHED;
			return 0;
		}
		if (n <= 0) {
			res->end = XM_CONSOLE_INPUT_EOF;
			return 0;
		}
		if (write_all(fd, buf, (size_t)n, true) != 0) {
			res->end = XM_CONSOLE_CLOSED;
			return 0;
		}
	}
	return 1;
}

void
xm_console_relay(int fd, struct xm_console_result *res)
{
	struct relay_env env = { .pipe = { -1, -1 } };

	memset(res, 0, sizeof(*res));
	fflush(stdout);
	if (env_setup(&env, res) == 0)
		while (relay_once(&env, fd, res))
			;
	env_restore(&env);
	close(fd);
}
