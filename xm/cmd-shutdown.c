/* cmd-shutdown.c: `xm shutdown` and `xm reboot`: ask guests to stop or
 * restart, and with -w wait until they have. Unlike classic xm, the wait
 * has a limit (--timeout, default 60 s) and says which guest did not obey
 * instead of waiting for ever; nothing is destroyed behind the admin's
 * back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "xm.h"
#include "xu.h"

#define DEFAULT_TIMEOUT		60	/* seconds */
#define POLL_INTERVAL		0.5	/* seconds between looks */
/* xend keeps a restarting domain listed; one missing for this long was
 * destroyed instead (its on_reboot, or a restart loop xend refused). */
#define REBOOT_GAP_MAX		5	/* seconds */

struct target {
	char *label;		/* as named on the command line (or its name) */
	char domid[24];		/* its domid when the request was sent */
	char *key;		/* to find it after a reboot: UUID (else name) */
	char *restarts;		/* getRestartCount before, or NULL */
	double absent_since;	/* reboot: when it was first seen missing */
	bool done;		/* terminated, or rebooted */
	bool lost;		/* reboot: destroyed instead */
};

struct stop {
	const char *mode;	/* "poweroff", "halt", "reboot" */
	bool reboot, wait;
	int timeout;		/* seconds; 0: no limit */
	struct target *t;
	size_t n;
};

static void
targets_free(struct stop *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->t[i].label);
		free(s->t[i].key);
		free(s->t[i].restarts);
	}
	free(s->t);
}

static void
add_target(struct stop *s, const char *label, const struct xv *dom)
{
	struct xm_dominfo di;
	struct target *t;

	xm_dominfo_parse(dom, &di);
	s->t = xu_realloc(s->t, (s->n + 1) * sizeof(*s->t));
	t = &s->t[s->n++];
	memset(t, 0, sizeof(*t));
	t->label = xu_strdup(label);
	snprintf(t->domid, sizeof(t->domid), "%s", di.domid);
	t->key = xu_strdup(di.uuid ? di.uuid : di.name);
}

/* -a: every running domain but Domain-0, by name. */
static int
targets_all(struct stop *s)
{
	struct xm_dominfo di;
	struct xv *doms;
	size_t i;
	int rc;

	if ((rc = xm_get_domains("running", false, &doms)) != XM_EXIT_OK)
		return rc;
	for (i = 0; i < xv_len(doms); i++) {
		xm_dominfo_parse(xv_at(doms, i), &di);
		if (di.id > 0)
			add_target(s, di.name, xv_at(doms, i));
	}
	xv_free(doms);
	return XM_EXIT_OK;
}

static int
target_one(struct stop *s, const char *label)
{
	struct xm_dominfo di;
	struct xv *dom;
	int rc;

	if ((rc = xm_get_domain(label, false, &dom)) != XM_EXIT_OK)
		return rc;
	xm_dominfo_parse(dom, &di);
	if (di.id < 0) {
		xm_error("Domain '%s' is not running", label);
		xv_free(dom);
		return XM_EXIT_ERROR;
	}
	add_target(s, label, dom);
	xv_free(dom);
	return XM_EXIT_OK;
}

/* The restart count as text, whatever type xend sends it as; NULL when
 * xend does not keep one (a reboot is then told by the new domid). */
static char *
restart_count(const char *dom)
{
	struct xm_rpc_err err;
	struct xv *res = NULL;
	char *text = NULL;

	if (xm_dom_try("xend.domain.getRestartCount", dom, NULL, &res,
	    &err) != XM_RPC_OK)
		return NULL;
	if (res->type == XV_STRING)
		text = xu_strdup(res->u.str.s);
	else if (res->type == XV_INT)
		text = xu_asprintf("%lld", (long long)res->u.i);
	xv_free(res);
	return text;
}

static int
send_requests(struct stop *s)
{
	size_t i;
	int rc;

	for (i = 0; i < s->n; i++) {
		if (s->wait && s->reboot)
			s->t[i].restarts = restart_count(s->t[i].domid);
		rc = xm_dom_call("xend.domain.shutdown", s->t[i].domid,
		    xv_append(xv_list(), xv_str(s->mode)), NULL);
		if (rc != XM_EXIT_OK)
			return rc;
	}
	return XM_EXIT_OK;
}

/* Shut down: done once its domid has gone. */
static int
check_gone(struct target *t, struct xv **last)
{
	struct xm_rpc_err err;
	struct xv *dom = NULL;

	if (xm_dom_try("xend.domain", t->domid, NULL, &dom, &err) == XM_RPC_OK) {
		xv_free(*last);
		*last = dom;
		return XM_EXIT_OK;
	}
	if (!xm_rpc_no_domain(&err))
		return xm_report(&err);
	t->done = true;
	return XM_EXIT_OK;
}

/* Rebooted: back with a new domid or a higher restart count. It may be
 * missing for a moment in between; missing for long, it is not coming. */
static int
check_rebooted(struct target *t, struct xv **last, double now)
{
	struct xm_rpc_err err;
	struct xm_dominfo di;
	struct xv *dom = NULL;
	char *rc_now;

	if (xm_dom_try("xend.domain", t->key, NULL, &dom, &err) != XM_RPC_OK) {
		if (!xm_rpc_no_domain(&err))
			return xm_report(&err);
		if (t->absent_since == 0)
			t->absent_since = now;
		return XM_EXIT_OK;
	}
	t->absent_since = 0;
	xv_free(*last);
	*last = dom;
	xm_dominfo_parse(dom, &di);
	if (di.id >= 0 && strcmp(di.domid, t->domid) != 0) {
		t->done = true;
		return XM_EXIT_OK;
	}
	if (t->restarts != NULL && (rc_now = restart_count(t->key)) != NULL) {
		t->done = strcmp(rc_now, t->restarts) != 0;
		free(rc_now);
	}
	return XM_EXIT_OK;
}

/* Why the wait failed, in the admin's terms. */
static void
report_stuck(const struct stop *s, const struct target *t,
    const struct xv *last)
{
	const char *what = s->reboot ? "reboot" : "shut down";
	const char *word, *force = s->reboot ? "xm reset" : "xm destroy";
	struct xm_dominfo di;

	if (t->lost) {
		xm_error("Domain '%s' was destroyed instead of rebooting (its "
		    "on_reboot action, or xend refused to restart it: see xm "
		    "log)", t->label);
		return;
	}
	xm_dominfo_parse(last, &di);
	word = last ? xm_state_word(di.state, false) : "running";
	if (strcmp(word, "idle") == 0)
		word = "running";
	if (strcmp(word, "shutoff") == 0 || strcmp(word, "shutdown") == 0)
		xm_error("Domain '%s' did not %s within %d s; it has stopped "
		    "but is still listed (on_%s 'preserve'?)", t->label, what,
		    s->timeout, s->reboot ? "reboot" : "poweroff");
	else if (strcmp(word, "crashed") == 0)
		xm_error("Domain '%s' did not %s within %d s; it has crashed "
		    "(use xm destroy to remove it)", t->label, what, s->timeout);
	else
		xm_error("Domain '%s' did not %s within %d s; it is still %s "
		    "(use %s to force)", t->label, what, s->timeout, word, force);
}

/* One look at every target still in question; left counts them down. */
static int
check_all(struct stop *s, struct xv **last, size_t *left)
{
	double now = xm_now();
	struct target *t;
	size_t i;
	int rc;

	for (i = 0; i < s->n; i++) {
		t = &s->t[i];
		if (t->done || t->lost)
			continue;
		rc = s->reboot ? check_rebooted(t, &last[i], now) :
		    check_gone(t, &last[i]);
		if (rc != XM_EXIT_OK)
			return rc;
		if (t->done) {
			printf("Domain %s %s\n", t->label,
			    s->reboot ? "rebooted" : "terminated");
			fflush(stdout);
		} else if (t->absent_since > 0 &&
		    now - t->absent_since >= REBOOT_GAP_MAX)
			t->lost = true;
		if (t->done || t->lost)
			(*left)--;
	}
	return XM_EXIT_OK;
}

static int
wait_all(struct stop *s)
{
	struct xv **last = xu_calloc(s->n, sizeof(*last));
	double start = xm_now();
	size_t i, left = s->n;
	bool all_done = true;
	int rc;

	for (;;) {
		if ((rc = check_all(s, last, &left)) != XM_EXIT_OK || left == 0)
			break;
		if (s->timeout > 0 && xm_now() - start >= s->timeout)
			break;
		xm_sleep(POLL_INTERVAL);
	}
	for (i = 0; rc == XM_EXIT_OK && i < s->n; i++) {
		if (s->t[i].done)
			continue;
		report_stuck(s, &s->t[i], last[i]);
		all_done = false;
	}
	if (rc == XM_EXIT_OK && all_done)
		printf("All domains %s\n", s->reboot ? "rebooted" : "terminated");
	else if (rc == XM_EXIT_OK)
		rc = XM_EXIT_ERROR;
	for (i = 0; i < s->n; i++)
		xv_free(last[i]);
	free(last);
	return rc;
}

/* The options both commands share; shutdown also takes -H and -R. */
static int
parse_opts(struct xm_ctx *ctx, struct xm_args *args, struct stop *s)
{
	const char *tmo = xm_args_get(args, XM_OPT_LONG_ONLY + 1);
	bool all = xm_args_has(args, 'a');
	int64_t v;

	if (xm_args_has(args, 'H') && xm_args_has(args, 'R'))
		return xm_usage_error(ctx, "Can't specify halt and reboot");
	s->reboot = s->reboot || xm_args_has(args, 'R');
	s->mode = s->reboot ? "reboot" : xm_args_has(args, 'H') ? "halt" :
	    "poweroff";
	s->timeout = DEFAULT_TIMEOUT;
	if (tmo != NULL) {
		if (xu_parse_int64(tmo, &v) != XU_OK || v < 0 || v > 86400 * 365)
			return xm_usage_error(ctx, "--timeout wants a number of "
			    "seconds (0: no limit), not '%s'", tmo);
		s->timeout = (int)v;
	}
	s->wait = xm_args_has(args, 'w') || tmo != NULL;
	if (all && args->argc > 0)
		return xm_usage_error(ctx, "-a acts on every running domain; "
		    "it cannot be combined with a domain name");
	if (!all && args->argc == 0)
		return xm_usage_error(ctx, "No domain parameter given");
	return XM_EXIT_OK;
}

static int
run(struct xm_ctx *ctx, struct xm_args *args, bool reboot)
{
	struct stop s = { .reboot = reboot };
	int rc;

	if ((rc = parse_opts(ctx, args, &s)) != XM_EXIT_OK)
		return rc;
	if (xm_args_has(args, 'a'))
		rc = targets_all(&s);
	else
		rc = target_one(&s, args->argv[0]);
	if (rc == XM_EXIT_OK)
		rc = send_requests(&s);
	if (rc == XM_EXIT_OK && s.wait)
		rc = wait_all(&s);
	targets_free(&s);
	if (fflush(stdout) != 0 && rc == XM_EXIT_OK)
		rc = XM_EXIT_ERROR;
	return rc;
}

int
xm_cmd_shutdown(struct xm_ctx *ctx, struct xm_args *args)
{
	return run(ctx, args, false);
}

int
xm_cmd_reboot(struct xm_ctx *ctx, struct xm_args *args)
{
	return run(ctx, args, true);
}
