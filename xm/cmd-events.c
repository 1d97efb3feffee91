/* cmd-events.c: `xm events [--json] [--since SEQ] [--no-follow] [DOM...]`:
 * xend's domain events (docs/EVENTS.md), one a line, as they happen. Each
 * has the sequence number of xend's event log; --since SEQ prints those
 * after SEQ first, so a consumer that stopped (or whose xend restarted)
 * resumes with none missed and none twice. xm asks with one long call at a
 * time (xend.events), which xend answers at the next event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "rpc.h"
#include "xm.h"
#include "xu.h"

#define OPT_SINCE	(XM_OPT_LONG_ONLY + 1)
#define OPT_NO_FOLLOW	(XM_OPT_LONG_ONLY + 2)
/* Seconds one call waits at xend for an event. */
#define EVENTS_POLL	25

static long long
member_int(const struct xv *st, const char *key, long long def)
{
	const struct xv *v = xv_struct_get(st, key);
	int64_t i;

	if (v == NULL)
		return def;
	if (v->type == XV_INT)
		return (long long)v->u.i;
	if (xv_string(v) != NULL && xu_parse_int64(xv_string(v), &i) == XU_OK)
		return (long long)i;
	return def;
}

static const char *
member_str(const struct xv *st, const char *key)
{
	const char *s = xv_string(xv_struct_get(st, key));

	return s != NULL ? s : "";
}

static int
print_json(const struct xv *ev)
{
	const struct xv *t = xv_struct_get(ev, "time"), *data;
	yajl_gen g = xm_json_begin("events");
	long long domid = member_int(ev, "domid", -1);
	size_t i;

	xm_json_int(g, "seq", member_int(ev, "seq", 0));
	xm_json_num(g, "time", t != NULL && t->type == XV_DOUBLE ? t->u.d : 0.0);
	xm_json_str(g, "type", member_str(ev, "type"));
	if (*member_str(ev, "domain") != '\0')
		xm_json_str(g, "domain", member_str(ev, "domain"));
	else
		xm_json_null(g, "domain");
	if (*member_str(ev, "uuid") != '\0')
		xm_json_str(g, "uuid", member_str(ev, "uuid"));
	else
		xm_json_null(g, "uuid");
	if (domid >= 0)
		xm_json_int(g, "domid", domid);
	else
		xm_json_null(g, "domid");
	xm_json_str(g, "message", member_str(ev, "message"));
	xm_json_open(g, "data", false);
	data = xv_struct_get(ev, "data");
	for (i = 0; data != NULL && i < xv_len(data); i++) {
		const struct xv *pair = xv_at(data, i);

		if (xv_len(pair) == 2 && xv_string(xv_at(pair, 0)) != NULL) {
			xm_json_snake_key(g, xv_string(xv_at(pair, 0)));
			xm_json_atom(g, NULL, xv_at(pair, 1));
		}
	}
	xm_json_close(g, false);
	return xm_json_end(g);
}

static int
print_text(const struct xv *ev)
{
	const struct xv *t = xv_struct_get(ev, "time");
	time_t when = t != NULL && t->type == XV_DOUBLE ? (time_t)t->u.d : 0;
	const char *dom = member_str(ev, "domain");
	char stamp[32] = "-";
	struct tm tm;

	if (localtime_r(&when, &tm) != NULL)
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%-6lld %s  %-20s %-22s %s\n", member_int(ev, "seq", 0), stamp,
	    *dom ? dom : "-", member_str(ev, "type"), member_str(ev, "message"));
	return fflush(stdout) == 0 ? XM_EXIT_OK : XM_EXIT_ERROR;
}

/* One call: events after *since (timeout: seconds xend may wait for one);
 * prints them and moves *since on. *got: how many. */
static int
fetch(int64_t *since, int timeout, const struct xv *ids, bool json,
    bool *warned, size_t *got)
{
	struct xv *params = xv_list(), *r = NULL;
	const struct xv *evs;
	long long first;
	size_t i;
	int rc;

	xv_append(params, xv_int(*since));
	xv_append(params, xv_int(timeout));
	xv_append(params, xv_copy(ids));
	rc = xm_rpc_call("xend.events", params, &r);
	xv_free(params);
	if (rc != XM_EXIT_OK)
		return rc;
	first = member_int(r, "first", 0);
	if (!*warned && *since >= 0 && first > *since + 1) {
		xm_warn("events %lld to %lld are no longer in xend's event log "
		    "(event-log-size in xend-config.sxp)", (long long)*since + 1,
		    first - 1);
		*warned = true;
	}
	evs = xv_struct_get(r, "events");
	*got = evs != NULL ? xv_len(evs) : 0;
	for (i = 0; i < *got && rc == XM_EXIT_OK; i++)
		rc = json ? print_json(xv_at(evs, i)) : print_text(xv_at(evs, i));
	*since = member_int(r, "last", *since);
	xv_free(r);
	return rc;
}

int
xm_cmd_events(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *s = xm_args_get(args, OPT_SINCE);
	bool json = xm_args_has(args, XM_OPT_JSON);
	bool follow = !xm_args_has(args, OPT_NO_FOLLOW);
	bool warned = true;
	struct xv *ids = xv_list();
	int64_t since;
	size_t got = 0;
	int i, rc;

	if (s != NULL) {
		if (xu_parse_int64(s, &since) != XU_OK || since < 0) {
			xv_free(ids);
			return xm_usage_error(ctx, "--since must be an event's "
			    "sequence number (0 or more), got '%s'", s);
		}
		warned = false;
	} else
		since = follow ? -1 : 0;
	for (i = 0; i < args->argc; i++)
		xv_append(ids, xv_str(args->argv[i]));
	/* from now on: where the log stands */
	if (since < 0 && (rc = fetch(&since, 0, ids, json, &warned, &got)) !=
	    XM_EXIT_OK)
		goto out;
	do {
		int64_t before = since;

		rc = fetch(&since, follow ? EVENTS_POLL : 0, ids, json, &warned,
		    &got);
		/* without --follow: until a call reads nothing new */
		if (!follow && since == before)
			break;
	} while (rc == XM_EXIT_OK);
out:
	xv_free(ids);
	return rc;
}
