/* cmd-uptime.c: `xm uptime [-s] [Domain...]` in the formats of reference
 * 3.6: a table of "[D day[s], ]HH:MM:SS", or with -s one line per domain
 * like uptime(1)'s; --json the same seconds (docs/JSON.md). Domain-0's
 * uptime is the host's. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dominfo.h"
#include "json.h"
#include "xm.h"
#include "xu.h"

/* Seconds since the host booted, as /proc/uptime says; 0 if unreadable. */
static long long
host_uptime(void)
{
	char *text = NULL;
	size_t len;
	double up = 0;

	if (xu_read_file("/proc/uptime", 4096, &text, &len) == XU_OK)
		up = strtod(text, NULL);
	free(text);
	return up > 0 ? (long long)(up + 0.5) : 0;
}

static long long
uptime_of(const struct xm_dominfo *di, double now)
{
	if (di->id < 0)
		return 0;
	if (di->id == 0)
		return host_uptime();
	if (di->start_time < 0 || now < di->start_time)
		return 0;
	return (long long)(now - di->start_time + 0.5);
}

static void
print_uptime(const struct xm_dominfo *di, double now, bool shortfmt)
{
	long long up = uptime_of(di, now), days, hours, minutes, seconds;
	char clock[16] = "";
	time_t t = (time_t)now;
	struct tm tm;

	days = up / 86400;
	hours = up % 86400 / 3600;
	minutes = up % 3600 / 60;
	seconds = up % 60;
	if (shortfmt) {
		if (localtime_r(&t, &tm) != NULL)
			strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
		printf(" %s up ", clock);
	} else
		printf("%-32s %5s ", di->name, di->domid);
	if (days > 0)
		printf("%lld day%s, ", days, days > 1 ? "s" : "");
	printf("%2lld:%02lld", hours, minutes);
	if (shortfmt)
		printf(", %s (%s)\n", di->name, di->domid);
	else
		printf(":%02lld\n", seconds);
}

static int
json_dom(yajl_gen g, const struct xm_dominfo *di, const struct xv *dom,
    void *arg)
{
	xm_json_int(g, "uptime_seconds", uptime_of(di, *(const double *)arg));
	return XM_EXIT_OK;
}

int
xm_cmd_uptime(struct xm_ctx *ctx, struct xm_args *args)
{
	bool shortfmt = xm_args_has(args, 's');
	struct xv *doms = NULL;
	struct xm_dominfo di;
	double now;
	size_t i;
	int rc;

	if (args->argc == 0)
		rc = xm_get_domains_brief("all", &doms);
	else
		rc = xm_get_named(args->argc, args->argv, false, &doms);
	if (rc != XM_EXIT_OK)
		return rc;
	now = xu_wall_s();
	if (xm_args_has(args, XM_OPT_JSON)) {
		rc = xm_json_domains("uptime", doms, json_dom, &now);
		xv_free(doms);
		return rc;
	}
	if (!shortfmt)
		printf("%-33s %4s %s \n", "Name", "ID", "Uptime");
	for (i = 0; i < xv_len(doms); i++) {
		xm_dominfo_parse(xv_at(doms, i), &di);
		print_uptime(&di, now, shortfmt);
	}
	xv_free(doms);
	return fflush(stdout) == 0 ? XM_EXIT_OK : XM_EXIT_ERROR;
}
