/* cmd-vcpu.c: xm vcpu-set, vcpu-list and vcpu-pin (reference 2.1, 3.4):
 * the vCPUs of a domain, their host CPUs, times and affinity; vcpu-list
 * --json prints them as JSON (docs/JSON.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpumap.h"
#include "dominfo.h"
#include "json.h"
#include "xm.h"
#include "xu.h"

int
xm_cmd_vcpu_set(struct xm_ctx *ctx, struct xm_args *args)
{
	int64_t n;

	if (xu_parse_int64(args->argv[1], &n) != XU_OK || n < 0 || n > INT32_MAX)
		return xm_usage_error(ctx, "Invalid vCPU count '%s': a number",
		    args->argv[1]);
	return xm_dom_call("xend.domain.setVCpuCount", args->argv[0],
	    xv_append(xv_list(), xv_int(n)), NULL);
}

/* The host's CPU count, from xend (the host may not be this one). */
static unsigned
host_cpus(void)
{
	struct xv *params = xv_list(), *res = NULL;
	unsigned n = 0;
	size_t i;

	if (xm_rpc_call("xend.node.info", params, &res) == XM_EXIT_OK) {
		for (i = 0; i < xv_len(res); i++) {
			const struct xv *kv = xv_at(res, i);
			const struct xv *v = xv_at(kv, 1);

			if (xv_string(xv_at(kv, 0)) != NULL &&
			    strcmp(xv_string(xv_at(kv, 0)), "nr_cpus") == 0 &&
			    v != NULL && v->type == XV_INT && v->u.i > 0)
				n = (unsigned)v->u.i;
		}
	}
	xv_free(params);
	xv_free(res);
	return n;
}

/* The host CPUs of a cpumap that the host has. */
static void
affinity_map(const struct xv *cpumap, unsigned nr_cpus, struct xu_cpumap *m)
{
	size_t i;

	xu_cpumap_zero(m);
	for (i = 0; i < xv_len(cpumap); i++) {
		const struct xv *c = xv_at(cpumap, i);

		if (c != NULL && c->type == XV_INT && c->u.i >= 0 &&
		    (nr_cpus == 0 || c->u.i < nr_cpus))
			xu_cpumap_set(m, (unsigned)c->u.i);
	}
}

static bool
affinity_any(const struct xu_cpumap *m, unsigned nr_cpus)
{
	return nr_cpus > 0 && xu_cpumap_count(m) == nr_cpus;
}

/* "any cpu" when the map covers the host, else ranges; "no cpus". */
static char *
affinity_text(const struct xv *cpumap, unsigned nr_cpus)
{
	struct xu_cpumap m;

	affinity_map(cpumap, nr_cpus, &m);
	if (xu_cpumap_empty(&m))
		return xu_strdup("no cpus");
	if (affinity_any(&m, nr_cpus))
		return xu_strdup("any cpu");
	return xu_cpumap_format(&m);
}

static bool
is_vcpu(const struct xv *v)
{
	return xv_name(v) != NULL && strcmp(xv_name(v), "vcpu") == 0;
}

static void
print_vcpus(const struct xv *info, unsigned nr_cpus)
{
	const char *name = xv_child_str(info, "name", "??");
	const struct xv *id = xv_child_value(info, "domid");
	char domid[24] = "", c[16], s[8], *aff;
	size_t i;

	if (id != NULL && id->type == XV_INT)
		snprintf(domid, sizeof(domid), "%lld", (long long)id->u.i);
	for (i = 1; i < xv_len(info); i++) {
		const struct xv *v = xv_at(info, i);
		bool online;

		if (!is_vcpu(v))
			continue;
		online = xm_sxp_num(v, "online", 0) != 0;
		if (domid[0] == '\0') {
			c[0] = s[0] = '\0';
		} else if (!online) {
			snprintf(c, sizeof(c), "-");
			snprintf(s, sizeof(s), "--p");
		} else {
			snprintf(c, sizeof(c), "%d", (int)xm_sxp_num(v, "cpu", -1));
			snprintf(s, sizeof(s), "%c%c-", xm_sxp_num(v, "running", 0) ? 'r' : '-',
			    xm_sxp_num(v, "blocked", 0) ? 'b' : '-');
		}
		aff = affinity_text(xv_child_value(v, "cpumap"), nr_cpus);
		printf("%-32s %5s %5d %5s %5s  %8.1f %s\n", name, domid,
		    (int)xm_sxp_num(v, "number", 0), c, s, xm_sxp_num(v, "cpu_time", 0),
		    aff);
		free(aff);
	}
}

/* One vCPU as an object: what the table's row says, typed. The host CPU
 * is null where the table leaves it blank or shows "-". */
static void
json_vcpu(yajl_gen g, const struct xv *v, bool live, unsigned nr_cpus)
{
	bool online = xm_sxp_num(v, "online", 0) != 0;
	struct xu_cpumap m;
	unsigned cpu;

	xm_json_open(g, NULL, false);
	xm_json_int(g, "number", (long long)xm_sxp_num(v, "number", 0));
	xm_json_bool(g, "online", online);
	if (live && online)
		xm_json_int(g, "cpu", (long long)xm_sxp_num(v, "cpu", -1));
	else
		xm_json_null(g, "cpu");
	xm_json_bool(g, "running", live && online && xm_sxp_num(v, "running", 0));
	xm_json_bool(g, "blocked", live && online && xm_sxp_num(v, "blocked", 0));
	xm_json_num(g, "cpu_time_seconds", xm_sxp_num(v, "cpu_time", 0));
	affinity_map(xv_child_value(v, "cpumap"), nr_cpus, &m);
	xm_json_open(g, "cpu_affinity", true);
	for (cpu = 0; cpu < XU_CPUMAP_MAX; cpu++)
		if (xu_cpumap_test(&m, cpu))
			xm_json_int(g, NULL, cpu);
	xm_json_close(g, true);
	xm_json_bool(g, "cpu_affinity_any", affinity_any(&m, nr_cpus));
	xm_json_close(g, false);
}

static int
get_vcpus(const struct xm_dominfo *di, struct xv **info)
{
	*info = NULL;
	return xm_dom_call("xend.domain.getVCPUInfo", di->uuid ? di->uuid : di->name,
	    NULL, info);
}

/* "vcpus": the domain's rows; arg: the host's CPU count. */
static int
json_dom(yajl_gen g, const struct xm_dominfo *di, const struct xv *dom,
    void *arg)
{
	struct xv *info;
	size_t i;
	int rc;

	if ((rc = get_vcpus(di, &info)) != XM_EXIT_OK)
		return rc;
	xm_json_open(g, "vcpus", true);
	for (i = 1; i < xv_len(info); i++)
		if (is_vcpu(xv_at(info, i)))
			json_vcpu(g, xv_at(info, i), di->id >= 0, *(unsigned *)arg);
	xm_json_close(g, true);
	xv_free(info);
	return XM_EXIT_OK;
}

int
xm_cmd_vcpu_list(struct xm_ctx *ctx, struct xm_args *args)
{
	struct xv *doms = NULL, *info;
	struct xm_dominfo di;
	unsigned nr_cpus;
	size_t i;
	int rc;

	if (args->argc > 0)
		rc = xm_get_named(args->argc, args->argv, false, &doms);
	else
		rc = xm_get_domains("all", false, &doms);
	if (rc != XM_EXIT_OK)
		return rc;
	nr_cpus = host_cpus();
	if (xm_args_has(args, XM_OPT_JSON)) {
		rc = xm_json_domains("vcpu-list", doms, json_dom, &nr_cpus);
		xv_free(doms);
		return rc;
	}
	printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State",
	    "Time(s)", "CPU Affinity");
	for (i = 0; i < xv_len(doms) && rc == XM_EXIT_OK; i++) {
		xm_dominfo_parse(xv_at(doms, i), &di);
		if ((rc = get_vcpus(&di, &info)) == XM_EXIT_OK)
			print_vcpus(info, nr_cpus);
		xv_free(info);
	}
	xv_free(doms);
	if (fflush(stdout) != 0)
		rc = XM_EXIT_ERROR;
	return rc;
}

int
xm_cmd_vcpu_pin(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *vcpu = args->argv[1], *cpus = args->argv[2];
	struct xu_cpumap m;
	char why[160], *text;
	struct xv *params;
	int64_t n;
	int rc;

	if (strcmp(vcpu, "all") != 0 && (xu_parse_int64(vcpu, &n) != XU_OK || n < 0 ||
	    n > INT32_MAX))
		return xm_usage_error(ctx, "Invalid vCPU '%s': a number or all", vcpu);
	if (strcmp(cpus, "all") == 0) {
		text = xu_strdup("all");
	} else if (!xu_cpumap_parse(cpus, 0, &m, why, sizeof(why))) {
		return xm_usage_error(ctx, "Invalid CPU list: %s", why);
	} else if (xu_cpumap_empty(&m)) {
		return xm_usage_error(ctx, "Invalid CPU list '%s': it leaves no CPU",
		    cpus);
	} else {
		text = xu_cpumap_format(&m);
	}
	params = xv_list();
	xv_append(params, strcmp(vcpu, "all") == 0 ? xv_str("all") : xv_int(n));
	xv_append(params, xv_str(text));
	rc = xm_dom_call("xend.domain.pincpu", args->argv[0], params, NULL);
	free(text);
	return rc;
}
