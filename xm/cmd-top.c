/* cmd-top.c: xm top, the xentop view: one xend.domains.stats call per
 * refresh, drawn live with ncurses (keys as xentop's) or, with -b,
 * printed as plain frames for scripts (-i frames, -d seconds apart). */
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dominfo.h"
#include "rpc.h"
#include "top.h"
#include "xm.h"
#include "xu.h"

#define TOP_DEFAULT_DELAY	3.0
#define KEY_ESC			0x1b
#define KEY_CTRL_L		0x0c

struct top {
	struct top_view view;
	double delay;
	long iterations;	/* 0: until q or a signal */
	struct top_frame prev, cur;
	bool have_prev;
	size_t first;		/* scrolled past this many domains */
	/* the delay prompt of the interactive view */
	bool prompting;
	char input[16];
	size_t input_len;
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	stop_requested = 1;
}

/* One refresh: the call, the frame, CPU% from the previous one. */
static int
sample(struct top *t, struct xm_rpc_err *err)
{
	struct xv *params = xv_list(), *reply = NULL;
	struct top_frame f;
	char why[256];
	int st;

	xv_append(params, xv_bool(t->view.vcpus));
	st = xm_rpc_invoke(xm_rpc_server_uri(), "xend.domains.stats", params,
	    xm_rpc_timeout(), &reply, err);
	xv_free(params);
	if (st != XM_RPC_OK)
		return -1;
	if (!top_frame_read(reply, xm_now(), &f, why, sizeof(why))) {
		xv_free(reply);
		err->status = XM_RPC_BAD_REPLY;
		snprintf(err->msg, sizeof(err->msg), "%s", why);
		return -1;
	}
	xv_free(reply);
	if (t->have_prev)
		top_frame_dispose(&t->prev);
	t->prev = t->cur;
	t->have_prev = t->cur.doms != NULL || t->cur.when > 0;
	t->cur = f;
	top_cpu_pct(&t->cur, t->have_prev ? &t->prev : NULL);
	top_sort(&t->cur, t->view.sort);
	return 0;
}

static void
dispose(struct top *t)
{
	if (t->have_prev)
		top_frame_dispose(&t->prev);
	top_frame_dispose(&t->cur);
}

/* ---- batch ----------------------------------------------------------------- */

static void
emit_stdout(void *arg, const char *line, bool header)
{
	puts(line);
}

static int
run_batch(struct top *t)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct xm_rpc_err err;
	long n = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop_requested) {
		if (sample(t, &err) != 0)
			return xm_report(&err);
		top_table(&t->cur, &t->view, 0, emit_stdout, NULL);
		fflush(stdout);
		if (t->iterations > 0 && ++n >= t->iterations)
			break;
		xm_sleep(t->delay);
	}
	return XM_EXIT_OK;
}

/* ---- the live view ----------------------------------------------------------- */

static void
emit_summary(void *arg, const char *line)
{
	int y, x;

	getyx(stdscr, y, x);
	(void)x;
	if (y < LINES - 1)
		mvprintw(y, 0, "%.*s\n", COLS, line);
}

static void
emit_screen(void *arg, const char *line, bool header)
{
	int y, x;

	getyx(stdscr, y, x);
	(void)x;
	/* the last line is the key bar's */
	if (y >= LINES - 1)
		return;
	if (header)
		attron(A_REVERSE);
	mvprintw(y, 0, "%.*s", COLS, line);
	if (header)
		attroff(A_REVERSE);
	move(y + 1, 0);
}

static void
key_label(const char *key, const char *rest, bool on)
{
	attron(A_REVERSE);
	addstr(key);
	attroff(A_REVERSE);
	if (on)
		attron(A_BOLD);
	addstr(rest);
	if (on)
		attroff(A_BOLD);
	addstr("  ");
}

static void
bottom_line(const struct top *t)
{
	char sort[64];

	move(LINES - 1, 2);
	if (t->prompting) {
		printw("Delay(sec): %s", t->input);
		return;
	}
	key_label("D", "elay", false);
	key_label("N", "etworks", t->view.networks);
	addstr("v");
	key_label("B", "ds", t->view.vbds);
	key_label("V", "CPUs", t->view.vcpus);
	key_label("R", "epeat header", t->view.repeat_header);
	snprintf(sort, sizeof(sort), "ort order (%s)", top_field_name(t->view.sort));
	key_label("S", sort, false);
	key_label("Q", "uit", false);
}

static void
draw(struct top *t)
{
	char clock[16];
	time_t now = time(NULL);

	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
	erase();
	move(0, 0);
	top_summary(&t->cur, clock, emit_summary, NULL);
	if (t->first >= t->cur.n && t->cur.n > 0)
		t->first = t->cur.n - 1;
	top_table(&t->cur, &t->view, t->first, emit_screen, NULL);
	bottom_line(t);
	refresh();
}

/* A key: false to quit. *redraw when the view changed. */
static bool
handle_key(struct top *t, int ch, bool *resample)
{
	if (t->prompting) {
		if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
			double d = strtod(t->input, NULL);

			if (d > 0)
				t->delay = d;
			t->prompting = false;
		} else if (ch == KEY_ESC) {
			t->prompting = false;
		} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) &&
		    t->input_len > 0) {
			t->input[--t->input_len] = '\0';
		} else if (ch >= ' ' && ch < 127 && t->input_len + 1 < sizeof(t->input)) {
			t->input[t->input_len++] = (char)ch;
			t->input[t->input_len] = '\0';
		}
		return true;
	}
	switch (ch) {
	case 'q': case 'Q': case KEY_ESC:
		return false;
	case 'n': case 'N':
		t->view.networks = !t->view.networks;
		break;
	case 'b': case 'B':
		t->view.vbds = !t->view.vbds;
		break;
	case 'v': case 'V':
		t->view.vcpus = !t->view.vcpus;
		*resample = t->view.vcpus;	/* the vCPU times are asked for */
		break;
	case 'r': case 'R':
		t->view.repeat_header = !t->view.repeat_header;
		break;
	case 's': case 'S':
		t->view.sort = (t->view.sort + 1) % TOP_NFIELDS;
		top_sort(&t->cur, t->view.sort);
		break;
	case 'd': case 'D':
		t->prompting = true;
		t->input[0] = '\0';
		t->input_len = 0;
		break;
	case KEY_DOWN:
		t->first++;
		break;
	case KEY_UP:
		if (t->first > 0)
			t->first--;
		break;
	case KEY_CTRL_L:
		clear();
		break;
	}
	return true;
}

static int
run_live(struct top *t)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct xm_rpc_err err;
	double next = 0;
	long n;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		xm_error("xm top needs a terminal; use -b for batch output");
		return XM_EXIT_ERROR;
	}
	/* a first sample before the screen is taken: a failure is then
	 * an ordinary message */
	if (sample(t, &err) != 0)
		return xm_report(&err);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	halfdelay(2);
	draw(t);
	next = xm_now() + t->delay;
	/* -i counts the samples drawn, the first one included */
	n = 1;
	while (!stop_requested && (t->iterations == 0 || n < t->iterations)) {
		bool resample = false;
		int ch = getch();

		if (ch != ERR) {
			if (!handle_key(t, ch, &resample))
				break;
			if (!resample) {
				draw(t);
				continue;
			}
		} else if (xm_now() < next) {
			continue;
		}
		if (sample(t, &err) != 0) {
			endwin();
			return xm_report(&err);
		}
		draw(t);
		next = xm_now() + t->delay;
		n++;
	}
	endwin();
	return XM_EXIT_OK;
}

int
xm_cmd_top(struct xm_ctx *ctx, struct xm_args *args)
{
	struct top t;
	const char *v;
	char *end;
	int rc;

	memset(&t, 0, sizeof(t));
	t.view.sort = TOP_NAME;
	t.delay = TOP_DEFAULT_DELAY;
	if ((v = xm_args_get(args, 'd')) != NULL) {
		errno = 0;
		t.delay = strtod(v, &end);
		if (end == v || *end != '\0' || errno != 0 || !(t.delay > 0) ||
		    t.delay > 86400)
			return xm_usage_error(ctx, "invalid delay: %s (seconds, more than 0)", v);
	}
	if ((v = xm_args_get(args, 'i')) != NULL) {
		errno = 0;
		t.iterations = strtol(v, &end, 10);
		if (end == v || *end != '\0' || errno != 0 || t.iterations < 1)
			return xm_usage_error(ctx, "invalid number of iterations: %s", v);
	}
	t.view.networks = xm_args_has(args, 'n');
	t.view.vbds = xm_args_has(args, 'x');
	t.view.vcpus = xm_args_has(args, 'v');
	t.view.repeat_header = xm_args_has(args, 'r');
	t.view.full_name = xm_args_has(args, 'f');
	rc = xm_args_has(args, 'b') ? run_batch(&t) : run_live(&t);
	dispose(&t);
	stop_requested = 0;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return rc;
}
