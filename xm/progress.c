/* progress.c: the progress line (progress.h). The child polls on a fresh
 * connection of its own (the parent's is closed before the fork, so the
 * two never share one) and draws with "\r"; the parent ends it by pid. */
#include "progress.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dominfo.h"
#include "rpc.h"
#include "xu.h"

#define MIB		(1024.0 * 1024.0)
#define POLL_SECS	0.5

struct xm_progress {
	pid_t pid;
};

static double
num(const struct xv *st, const char *key)
{
	const struct xv *v = xv_struct_get(st, key);

	if (v == NULL)
		return 0;
	if (v->type == XV_INT)
		return (double)v->u.i;
	if (v->type == XV_DOUBLE)
		return v->u.d;
	if (xv_is_string(v))
		return strtod(xv_string(v), NULL);
	return 0;
}

char *
xm_progress_text(const struct xv *st)
{
	const char *step = xv_string(xv_struct_get(st, "step"));
	double bytes = num(st, "bytes") / MIB, total = num(st, "total") / MIB;
	double rate = num(st, "rate") / MIB;

	if (total > 0)
		return xu_asprintf("%.1f/%.1f MiB  %.1f MiB/s%s%s%s", bytes,
		    total, rate, step ? " (" : "", step ? step : "",
		    step ? ")" : "");
	return xu_asprintf("%.1f MiB  %.1f MiB/s%s%s%s", bytes, rate,
	    step ? " (" : "", step ? step : "", step ? ")" : "");
}

static void
poll_loop(const char *label, const char *method, const struct xv *params)
{
	struct xm_rpc_err err;
	struct xv *res;
	char *text;
	int width = 0, n;
	double t, last_t = 0, last_b = 0, b, rate = 0;

	for (;;) {
		res = NULL;
		if (xm_rpc_invoke(xm_rpc_server_uri(), method, params, 10, &res,
		    &err) == XM_RPC_OK && res != NULL && res->type == XV_STRUCT &&
		    xv_struct_get(res, "step") != NULL) {
			/* the rate over the last half second, smoothed */
			t = xm_now();
			b = num(res, "bytes");
			if (last_t > 0 && t > last_t && b >= last_b)
				rate = rate > 0 ? 0.5 * rate + 0.5 * (b - last_b) /
				    (t - last_t) : (b - last_b) / (t - last_t);
			last_t = t;
			last_b = b;
			xv_struct_set(res, "rate", xv_double(rate));
			text = xm_progress_text(res);
			n = printf("\r%s: %s", label, text);
			/* blank what a longer previous line left */
			if (n < width)
				printf("%*s", width - n, "");
			width = n > width ? n : width;
			fflush(stdout);
			free(text);
		}
		xv_free(res);
		xm_sleep(POLL_SECS);
	}
}

struct xm_progress *
xm_progress_start(const char *label, const char *method,
    const struct xv *params)
{
	const char *force = getenv("XM_PROGRESS");
	struct xm_progress *p;
	pid_t pid;

	if (!(isatty(STDOUT_FILENO) || (force != NULL && strcmp(force, "1") == 0)))
		return NULL;
	xm_rpc_disconnect();
	fflush(NULL);
	if ((pid = fork()) < 0)
		return NULL;
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		poll_loop(label, method, params);
		_exit(0);
	}
	p = xu_calloc(1, sizeof(*p));
	p->pid = pid;
	return p;
}

void
xm_progress_stop(struct xm_progress *p)
{
	int status;

	if (p == NULL)
		return;
	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	printf("\n");
	fflush(stdout);
	free(p);
}
