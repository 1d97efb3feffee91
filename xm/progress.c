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
#include "json.h"
#include "rpc.h"
#include "xu.h"

#define MIB		(1024.0 * 1024.0)
#define POLL_SECS	0.5

struct xm_progress {
	pid_t pid;
	bool json;
};

/* What the child draws with: a label for the line, or the JSON lines'
 * command and identifying members. */
struct progress_out {
	const char *label;
	const char *command;	/* JSON lines when not NULL */
	const struct xv *ids;
	int width;		/* of the longest line drawn */
	double last_bytes;
	char *last_step;
};

static double
num(const struct xv *st, const char *key)
{
	const struct xv *v = xv_struct_get(st, key);
	double d;

	if (xv_number(v, &d))
		return d;
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
draw_line(struct progress_out *o, const struct xv *st)
{
	char *text = xm_progress_text(st);
	int n;

	n = printf("\r%s: %s", o->label, text);
	/* blank what a longer previous line left */
	if (n < o->width)
		printf("%*s", o->width - n, "");
	o->width = n > o->width ? n : o->width;
	fflush(stdout);
	free(text);
}

/* One JSON line, when the bytes or the step moved since the last one. */
static void
draw_json(struct progress_out *o, const struct xv *st)
{
	const char *step = xv_string(xv_struct_get(st, "step"));
	const struct xv *fl = xv_struct_get(st, "in_flight");
	sigset_t term, old;
	yajl_gen g;
	size_t i;

	if (step == NULL)
		step = "";
	if (o->last_step != NULL && strcmp(o->last_step, step) == 0 &&
	    o->last_bytes == num(st, "bytes"))
		return;
	free(o->last_step);
	o->last_step = xu_strdup(step);
	o->last_bytes = num(st, "bytes");
	g = xm_json_begin(o->command);
	xm_json_str(g, "event", "progress");
	for (i = 0; o->ids != NULL && i < o->ids->u.st.n; i++) {
		xm_json_key(g, o->ids->u.st.members[i].key);
		xm_json_value(g, o->ids->u.st.members[i].val);
	}
	xm_json_str(g, "step", step);
	xm_json_int(g, "transferred_bytes", (long long)num(st, "bytes"));
	xm_json_int(g, "total_bytes", (long long)num(st, "total"));
	xm_json_num(g, "rate_bytes_per_second", num(st, "rate"));
	xm_json_bool(g, "in_flight", fl != NULL && fl->type == XV_BOOL && fl->u.b);
	/* the parent's SIGTERM waits for the end of the line: never half
	 * an object on stdout */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	xm_json_end(g);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
poll_loop(struct progress_out *o, const char *method, const struct xv *params)
{
	struct xm_rpc_err err;
	struct xv *res;
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
			if (o->command != NULL)
				draw_json(o, res);
			else
				draw_line(o, res);
		}
		xv_free(res);
		xm_sleep(POLL_SECS);
	}
}

/* The child that polls and draws until it is stopped by its pid. */
static struct xm_progress *
start(struct progress_out *o, const char *method, const struct xv *params)
{
	struct xm_progress *p;
	pid_t pid;

	xm_rpc_disconnect();
	fflush(NULL);
	if ((pid = fork()) < 0)
		return NULL;
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		poll_loop(o, method, params);
		_exit(0);
	}
	p = xu_calloc(1, sizeof(*p));
	p->pid = pid;
	p->json = o->command != NULL;
	return p;
}

struct xm_progress *
xm_progress_start(const char *label, const char *method,
    const struct xv *params)
{
	const char *force = getenv("XM_PROGRESS");
	struct progress_out o = { .label = label };

	if (!(isatty(STDOUT_FILENO) || (force != NULL && strcmp(force, "1") == 0)))
		return NULL;
	return start(&o, method, params);
}

struct xm_progress *
xm_progress_start_json(const char *command, const struct xv *ids,
    const char *method, const struct xv *params)
{
	struct progress_out o = { .command = command, .ids = ids };

	return start(&o, method, params);
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
	/* a JSON line ends itself */
	if (!p->json)
		printf("\n");
	fflush(stdout);
	free(p);
}
