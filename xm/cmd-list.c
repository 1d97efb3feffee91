/* cmd-list.c: `xm list`: the domain table of reference 3.1, or with -l
 * every domain's SXP pretty-printed (3.3); --state picks domains by power
 * state, explicit names ask xend for each one; --json prints the same
 * as JSON (docs/JSON.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dominfo.h"
#include "json.h"
#include "sxp.h"
#include "xm.h"

/* The power-state names xend filters on (reference 3.2). */
static const char *const list_states[] = {
	"all", "running", "paused", "halted", "suspended", "crashed", "unknown",
};

static const char *
canonical_state(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(list_states) / sizeof(list_states[0]); i++)
		if (strcasecmp(s, list_states[i]) == 0)
			return list_states[i];
	return NULL;
}

static void
print_row(const struct xv *dom)
{
	struct xm_dominfo di;

	xm_dominfo_parse(dom, &di);
	printf("%-40s %5s %5lld %5lld %10s %8.1f\n", di.name, di.domid,
	    (long long)di.memory, (long long)di.vcpus, di.state, di.cpu_time);
}

static void
print_doms(const struct xv *doms, bool longfmt)
{
	char *text;
	size_t i;

	if (!longfmt)
		printf("%-40s %5s %5s %5s %10s %9s\n", "Name", "ID", "Mem",
		    "VCPUs", "State", "Time(s)");
	for (i = 0; i < xv_len(doms); i++) {
		if (!longfmt) {
			print_row(xv_at(doms, i));
			continue;
		}
		text = sxp_pretty(xv_at(doms, i), 80);
		fputs(text, stdout);
		free(text);
	}
}

/* The table's columns, and with -l (arg) the whole SXP as "details". */
static int
json_dom(yajl_gen g, const struct xm_dominfo *di, const struct xv *dom,
    void *arg)
{
	xm_json_int(g, "memory_mib", di->memory);
	xm_json_int(g, "vcpus", di->vcpus);
	xm_json_state(g, di->state);
	xm_json_num(g, "cpu_time_seconds", di->cpu_time);
	if (*(const bool *)arg) {
		xm_json_key(g, "details");
		xm_json_sxp(g, dom);
	}
	return XM_EXIT_OK;
}

int
xm_cmd_list(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *state = xm_args_get(args, XM_OPT_LONG_ONLY + 1);
	bool longfmt = xm_args_has(args, 'l');
	struct xv *doms = NULL;
	int rc;

	if (state != NULL && canonical_state(state) == NULL)
		return xm_usage_error(ctx, "unknown state '%s': use running, "
		    "paused, halted, suspended, crashed, unknown or all", state);
	if (state != NULL && strcmp(canonical_state(state), "all") != 0 &&
	    args->argc > 0)
		return xm_usage_error(ctx, "You may specify either a state or "
		    "a particular VM, but not both");
	/* named domains: the first unknown one ends the command (exit 3),
	 * as in classic xm */
	if (args->argc > 0)
		rc = xm_get_named(args->argc, args->argv, longfmt, &doms);
	else
		rc = longfmt ? xm_get_domains(state ? canonical_state(state) :
		    "all", true, &doms) : xm_get_domains_brief(state ?
		    canonical_state(state) : "all", &doms);
	if (rc != XM_EXIT_OK)
		return rc;
	if (xm_args_has(args, XM_OPT_JSON)) {
		rc = xm_json_domains("list", doms, json_dom, &longfmt);
		xv_free(doms);
		return rc;
	}
	print_doms(doms, longfmt);
	xv_free(doms);
	return fflush(stdout) == 0 ? XM_EXIT_OK : XM_EXIT_ERROR;
}
