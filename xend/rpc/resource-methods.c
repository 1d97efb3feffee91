/* resource-methods.c: the XML-RPC methods for a domain's memory, vCPUs
 * and scheduler (reference 6.2): setMemoryTarget, maxmem_set,
 * setVCpuCount, getVCPUInfo, pincpu, sched_credit_get/set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpumap.h"
#include "daemon.h"
#include "domain.h"
#include "methods.h"
#include "xmlrpc.h"

static int
answer(struct rpc_call *c, int rc, const struct xu_err *err, struct xv *result)
{
	if (rc != XU_OK) {
		xv_free(result);
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err->msg);
	}
	rpc_reply(c, result);
	return RPC_DONE;
}

/* Answered when the guest reports the target (or it is not reached). */
int
dom_set_memory_target(struct rpc_call *c)
{
	struct xu_err err = { 0 };
	int rc;

	rc = domain_set_memory(c->dom, rpc_arg_int(c, 1, 0), dom_result_nil, c, &err);
	if (rc != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	return RPC_DEFERRED;
}

int
dom_maxmem_set(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return answer(c, domain_set_maxmem(c->dom, rpc_arg_int(c, 1, 0), &err), &err,
	    NULL);
}

int
dom_set_vcpu_count(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return answer(c, domain_set_vcpus(c->dom, rpc_arg_int(c, 1, 0), &err), &err,
	    NULL);
}

/* ['vcpu', ['number', i], ['online', 0|1], ['blocked', 0|1], ['running',
 * 0|1], ['cpu_time', s], ['cpu', n], ['cpumap', [cpus]]] */
static struct xv *
vcpu_sxp(const struct xc_vcpuinfo *v, unsigned nr_cpus, bool live)
{
	struct xv *l = xv_list(), *map = xv_list();
	struct xu_cpumap m;
	char why[128];
	unsigned i;

	xv_append(l, xv_str("vcpu"));
	xv_append_pair(l, "number", xv_int(v->vcpu));
	xv_append_pair(l, "online", xv_int(v->online));
	xv_append_pair(l, "blocked", xv_int(live && v->online && !v->running));
	xv_append_pair(l, "running", xv_int(live && v->running));
	xv_append_pair(l, "cpu_time", xv_double((double)v->cpu_time_ns / 1e9));
	xv_append_pair(l, "cpu", xv_int(live ? v->cpu : -1));
	if (xu_cpumap_parse(v->affinity, nr_cpus, &m, why, sizeof(why)))
		for (i = 0; i < nr_cpus && i < XU_CPUMAP_MAX; i++)
			if (xu_cpumap_test(&m, i))
				xv_append(map, xv_int(i));
	xv_append_pair(l, "cpumap", map);
	return l;
}

/* Domain-0's vCPUs are the host's CPUs: busy time from /proc/stat. */
static int
dom0_vcpus(struct rpc_call *c, struct domain *d)
{
	long hz = sysconf(_SC_CLK_TCK), host = sysconf(_SC_NPROCESSORS_CONF);
	unsigned long long v[8];
	struct xc_vcpuinfo one;
	char *text = NULL, *p, key[32];
	struct xv *l;
	size_t len;
	long i;

	if (host < 1)
		host = 1;
	(void)xu_read_file("/proc/stat", 1 << 20, &text, &len);
	l = xv_list();
	xv_append(l, xv_str("domain"));
	xv_append_pair(l, "domid", xv_int(0));
	xv_append_pair(l, "name", xv_str(d->name));
	xv_append_pair(l, "vcpu_count", xv_int(host));
	for (i = 0; i < host; i++) {
		memset(&one, 0, sizeof(one));
		one.vcpu = (unsigned)i;
		one.online = one.running = true;
		one.cpu = (int)i;
		snprintf(one.affinity, sizeof(one.affinity), "all");
		snprintf(key, sizeof(key), "\ncpu%ld ", i);
		if (text != NULL && hz > 0 && (p = strstr(text, key)) != NULL &&
		    sscanf(p + strlen(key), "%llu %llu %llu %llu %llu %llu %llu %llu",
		    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
			one.cpu_time_ns = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
			    (1000000000ULL / (unsigned long long)hz);
		xv_append(l, vcpu_sxp(&one, (unsigned)host, true));
	}
	free(text);
	rpc_reply(c, l);
	return RPC_DONE;
}

int
dom_get_vcpu_info(struct rpc_call *c)
{
	struct domain *d = c->dom;
	xc_interface *xc = d->tab->x->xc;
	struct xc_vcpuinfo *v = NULL;
	struct xv *l;
	unsigned nr = 1;
	size_t n = 0, i;

	if (d->is_dom0)
		return dom0_vcpus(c, d);
	if (domain_running(d) && d->phase == DOM_PHASE_ACTIVE &&
	    xc_vcpu_getinfo(xc, d->domid, &v, &n, &nr) != XC_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "domain '%s': %s", d->name,
		    xc_last_error(xc));
	l = xv_list();
	xv_append(l, xv_str("domain"));
	if (domain_running(d))
		xv_append_pair(l, "domid", xv_int(d->domid));
	xv_append_pair(l, "name", xv_str(d->name));
	xv_append_pair(l, "vcpu_count", xv_int(d->cfg.maxvcpus));
	if (v == NULL) {
		/* not running: the configured vCPUs, with their affinity */
		long host = sysconf(_SC_NPROCESSORS_CONF);

		nr = host > 0 ? (unsigned)host : 1;
		n = d->cfg.maxvcpus;
		v = xu_calloc(n, sizeof(*v));
		for (i = 0; i < n; i++) {
			v[i].vcpu = (unsigned)i;
			v[i].cpu = -1;
			snprintf(v[i].affinity, sizeof(v[i].affinity), "%s",
			    d->cfg.affinity && d->cfg.affinity[i] ? d->cfg.affinity[i] : "all");
		}
	}
	for (i = 0; i < n; i++)
		xv_append(l, vcpu_sxp(&v[i], nr, domain_running(d)));
	free(v);
	rpc_reply(c, l);
	return RPC_DONE;
}

int
dom_pincpu(struct rpc_call *c)
{
	const struct xv *vcpu = c->args[1];
	const char *cpus = rpc_arg_str(c, 2);
	struct xu_err err = { 0 };
	int64_t n = -1;

	if (vcpu->type == XV_INT)
		n = vcpu->u.i;
	else if (vcpu->type != XV_STRING || (strcmp(vcpu->u.str.s, "all") != 0 &&
	    xu_parse_int64(vcpu->u.str.s, &n) != XU_OK))
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "pincpu: the vCPU is a number "
		    "or 'all'");
	else if (n < 0 && strcmp(vcpu->u.str.s, "all") != 0)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "pincpu: vCPU %lld does not "
		    "exist", (long long)n);
	return answer(c, domain_pin_vcpu(c->dom, n, cpus, &err), &err, NULL);
}

int
dom_sched_credit_get(struct rpc_call *c)
{
	struct domain *d = c->dom;
	struct xv *st = xv_struct();

	xv_struct_set(st, "weight", xv_int(d->is_dom0 ? 256 : d->cfg.cpu_weight));
	xv_struct_set(st, "cap", xv_int(d->is_dom0 ? 0 : d->cfg.cpu_cap));
	rpc_reply(c, st);
	return RPC_DONE;
}

int
dom_sched_credit_set(struct rpc_call *c)
{
	struct xu_err err = { 0 };
	int64_t weight = rpc_arg_int(c, 1, -1), cap = rpc_arg_int(c, 2, -1);

	if ((c->args[1] != NULL && c->args[1]->type != XV_INT) ||
	    (c->args[2] != NULL && c->args[2]->type != XV_INT))
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "sched_credit_set: weight and "
		    "cap are integers");
	/* -1 on the wire would mean "no change": a real -1 is out of range */
	if (c->args[1] != NULL && weight == -1)
		weight = -2;
	if (c->args[2] != NULL && cap == -1)
		cap = -2;
	return answer(c, domain_sched_credit(c->dom, weight, cap, &err), &err,
	    xv_int(0));
}
