/* xc-resources.c: the resources of a running domain: the balloon target
 * and ceiling, vCPU count and affinity, and the credit scheduler's weight
 * and cap, each one request to the domain's monitor. */
#include "xc-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
xc_domain_set_target(xc_interface *xc, uint32_t domid, uint64_t mb)
{
	struct xcp_conn c;
	yajl_gen g;
	int rc;

	if ((rc = xcp_request_begin(xc, domid, XHP_REQ_BALLOON, &c, &g)) != XC_OK)
		return rc;
	xhp_put_uint(g, "target_mb", mb);
	return xcp_conn_finish(xc, &c, g);
}

int
xc_domain_setmaxmem(xc_interface *xc, uint32_t domid, uint64_t mb)
{
	struct xcp_conn c;
	yajl_gen g;
	int rc;

	if ((rc = xcp_request_begin(xc, domid, XHP_REQ_SETMAXMEM, &c, &g)) != XC_OK)
		return rc;
	xhp_put_uint(g, "maxmem_mb", mb);
	return xcp_conn_finish(xc, &c, g);
}

int
xc_domain_set_vcpus(xc_interface *xc, uint32_t domid, unsigned count)
{
	struct xcp_conn c;
	yajl_gen g;
	int rc;

	if ((rc = xcp_request_begin(xc, domid, XHP_REQ_VCPU_SET, &c, &g)) != XC_OK)
		return rc;
	xhp_put_uint(g, "count", count);
	return xcp_conn_finish(xc, &c, g);
}

int
xc_vcpu_setaffinity(xc_interface *xc, uint32_t domid, int vcpu, const char *cpus)
{
	struct xcp_conn c;
	yajl_gen g;
	int rc;

	if ((rc = xcp_request_begin(xc, domid, XHP_REQ_VCPU_PIN, &c, &g)) != XC_OK)
		return rc;
	xhp_put_int(g, "vcpu", vcpu);
	xhp_put_str(g, "cpus", cpus);
	return xcp_conn_finish(xc, &c, g);
}

int
xc_sched_credit_domain_set(xc_interface *xc, uint32_t domid, int weight, int cap)
{
	struct xcp_conn c;
	yajl_gen g;
	int rc;

	if ((rc = xcp_request_begin(xc, domid, XHP_REQ_SCHED_SET, &c, &g)) != XC_OK)
		return rc;
	if (weight >= 0)
		xhp_put_int(g, "weight", weight);
	if (cap >= 0)
		xhp_put_int(g, "cap", cap);
	return xcp_conn_finish(xc, &c, g);
}

static int
decode_vcpu(yajl_val o, struct xc_vcpuinfo *v)
{
	const char *aff;
	uint64_t n, ns;
	int64_t cpu;

	if (!xhp_get_uint(o, "vcpu", &n) || n > 4096 ||
	    !xhp_get_bool(o, "online", &v->online) ||
	    !xhp_get_bool(o, "running", &v->running) ||
	    !xhp_get_int(o, "cpu", &cpu) || cpu < -1 || cpu > INT32_MAX ||
	    !xhp_get_uint(o, "cpu_time_ns", &ns) || !xhp_get_str(o, "affinity", &aff))
		return XC_ERR_PROTOCOL;
	v->vcpu = (unsigned)n;
	v->cpu = (int)cpu;
	v->cpu_time_ns = ns;
	snprintf(v->affinity, sizeof(v->affinity), "%s", aff);
	return XC_OK;
}

int
xc_vcpu_getinfo(xc_interface *xc, uint32_t domid, struct xc_vcpuinfo **out,
    size_t *n, unsigned *nr_cpus)
{
	const char *path[] = { "vcpus", NULL };
	struct xc_vcpuinfo *v = NULL;
	struct xhp_msg reply;
	struct xcp_conn c;
	yajl_val arr;
	uint64_t host;
	size_t i;
	yajl_gen g;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = xcp_request_begin(xc, domid, XHP_REQ_VCPU_INFO, &c, &g)) != XC_OK)
		return rc;
	rc = xcp_conn_call(xc, &c, g, &reply, XC_REQUEST_TIMEOUT_MS);
	xcp_conn_close(&c);
	if (rc != XC_OK)
		return rc;
	arr = yajl_tree_get(reply.body, path, yajl_t_array);
	if (arr == NULL || arr->u.array.len > 4096 ||
	    !xhp_get_uint(reply.body, "nr_cpus", &host) || host > 65536) {
		rc = xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: malformed vCPU information",
		    domid);
		goto out;
	}
	v = xu_calloc(arr->u.array.len + 1, sizeof(*v));
	for (i = 0; i < arr->u.array.len; i++) {
		if (decode_vcpu(arr->u.array.values[i], &v[i]) != XC_OK) {
			free(v);
			v = NULL;
			rc = xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: malformed information "
			    "on vCPU %zu", domid, i);
			goto out;
		}
	}
	*out = v;
	*n = arr->u.array.len;
	*nr_cpus = (unsigned)host;
out:
	xhp_msg_dispose(&reply);
	return rc;
}
