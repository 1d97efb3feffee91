/* dominfo.c: reading xend's domain SXPs for xm's domain commands, and the
 * per-domain calls they make (reference 3.1-3.3, 6.2). */
#include "dominfo.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xmlrpc.h"
#include "xm.h"
#include "xu.h"

double
xm_sxp_num(const struct xv *dom, const char *key, double def)
{
	const struct xv *v = xv_child_value(dom, key);
	char *end;
	double d;

	if (v == NULL)
		return def;
	switch (v->type) {
	case XV_INT:
		return (double)v->u.i;
	case XV_DOUBLE:
		return isfinite(v->u.d) ? v->u.d : def;
	case XV_STRING:
		errno = 0;
		d = strtod(v->u.str.s, &end);
		if (end == v->u.str.s || *end != '\0' || errno != 0 ||
		    !isfinite(d))
			return def;
		return d;
	default:
		return def;
	}
}

/* The same as an integer; the reply is untrusted, so a value no int64
 * holds (converting it would be undefined) counts as absent. */
static int64_t
sxp_int(const struct xv *dom, const char *key, int64_t def)
{
	double d = xm_sxp_num(dom, key, (double)def);

	if (d < -9.2e18 || d > 9.2e18)
		return def;
	return (int64_t)d;
}

/* domid as classic xm's str() made it: ints in decimal, text as is. */
static void
domid_text(const struct xv *dom, char *buf, size_t len)
{
	const struct xv *v = xv_child_value(dom, "domid");

	buf[0] = '\0';
	if (v != NULL && v->type == XV_INT)
		snprintf(buf, len, "%lld", (long long)v->u.i);
	else if (v != NULL && v->type == XV_STRING)
		snprintf(buf, len, "%s", v->u.str.s);
}

void
xm_dominfo_parse(const struct xv *dom, struct xm_dominfo *di)
{
	int64_t id;

	memset(di, 0, sizeof(*di));
	di->name = xv_child_str(dom, "name", "??");
	di->uuid = xv_child_str(dom, "uuid", NULL);
	di->state = xv_child_str(dom, "state", "");
	domid_text(dom, di->domid, sizeof(di->domid));
	di->id = -1;
	if (xu_parse_int64(di->domid, &id) == XU_OK && id >= 0)
		di->id = id;
	di->memory = sxp_int(dom, "memory", 0);
	di->vcpus = sxp_int(dom, "online_vcpus", sxp_int(dom, "vcpus", 0));
	di->cpu_time = xm_sxp_num(dom, "cpu_time", 0.0);
	di->start_time = xm_sxp_num(dom, "start_time", -1.0);
}

const char *
xm_state_word(const char *state, bool paused_by_admin)
{
	if (state == NULL || *state == '\0')
		return "shutoff";
	if (strchr(state, 's'))
		return "shutoff";
	if (strchr(state, 'b'))
		return "idle";
	if (strchr(state, 'd'))
		return "shutdown";
	if (strchr(state, 'r'))
		return "running";
	if (strchr(state, 'c'))
		return "crashed";
	if (strchr(state, 'p'))
		return paused_by_admin ? "paused by admin" : "paused";
	return "running";
}

int
xm_report(const struct xm_rpc_err *err)
{
	char msg[1200];
	int status;

	status = xm_rpc_report(err, msg, sizeof(msg));
	fprintf(stderr, "%s\n", msg);
	return status;
}

const struct xv *
xm_domain_device(const struct xv *dom, const char *kind)
{
	const struct xv *dev;
	size_t i;

	for (i = 1; i < xv_len(dom); i++) {
		dev = xv_at(dom, i);
		if (xv_name(dev) == NULL || strcmp(xv_name(dev), "device") != 0)
			continue;
		dev = xv_at(dev, 1);
		if (xv_name(dev) != NULL && strcmp(xv_name(dev), kind) == 0)
			return dev;
	}
	return NULL;
}

bool
xm_rpc_no_domain(const struct xm_rpc_err *err)
{
	return err->status == XM_RPC_FAULT &&
	    err->fault_code == XMLRPC_FAULT_INVALID_DOMAIN;
}

int
xm_dom_try(const char *method, const char *dom, struct xv *args,
    struct xv **res, struct xm_rpc_err *err)
{
	struct xv *params = xv_list(), *result = NULL;
	size_t i;
	int st;

	xv_append(params, xv_str(dom));
	for (i = 0; i < xv_len(args); i++)
		xv_append(params, xv_copy(xv_at(args, i)));
	xv_free(args);
	st = xm_rpc_invoke(xm_rpc_server_uri(), method, params,
	    xm_rpc_timeout(), &result, err);
	xv_free(params);
	if (res != NULL)
		*res = result;
	else
		xv_free(result);
	return st;
}

int
xm_dom_call(const char *method, const char *dom, struct xv *args,
    struct xv **res)
{
	struct xm_rpc_err err;

	if (xm_dom_try(method, dom, args, res, &err) == XM_RPC_OK)
		return XM_EXIT_OK;
	return xm_report(&err);
}

/* A reply that is not a (domain ...) list would make every field a
 * default; say so instead. */
static bool
is_domain_sxp(const struct xv *v)
{
	const char *name = xv_name(v);

	return name != NULL && strcmp(name, "domain") == 0;
}

int
xm_get_domain(const char *dom, bool full, struct xv **sxp)
{
	struct xv *res = NULL;
	int rc;

	*sxp = NULL;
	rc = xm_dom_call("xend.domain", dom, xv_append(xv_list(),
	    xv_int(full)), &res);
	if (rc != XM_EXIT_OK)
		return rc;
	if (!is_domain_sxp(res)) {
		xm_error("xend answered xend.domain for '%s' with something "
		    "that is not a (domain ...) SXP", dom);
		xv_free(res);
		return XM_EXIT_ERROR;
	}
	*sxp = res;
	return XM_EXIT_OK;
}

int
xm_get_named(int argc, char **argv, bool full, struct xv **list)
{
	struct xv *d;
	int i, rc;

	*list = xv_list();
	for (i = 0; i < argc; i++) {
		if ((rc = xm_get_domain(argv[i], full, &d)) != XM_EXIT_OK) {
			xv_free(*list);
			*list = NULL;
			return rc;
		}
		xv_append(*list, d);
	}
	return XM_EXIT_OK;
}

static int
get_domains(const char *state, bool full, bool brief, struct xv **list)
{
	struct xv *params, *res = NULL;
	size_t i;
	int rc;

	*list = NULL;
	params = xv_list();
	xv_append(params, xv_bool(true));
	xv_append(params, xv_str(state));
	xv_append(params, xv_int(full));
	if (brief)
		xv_append(params, xv_bool(true));
	rc = xm_rpc_call("xend.domains_with_state", params, &res);
	xv_free(params);
	if (rc != XM_EXIT_OK)
		return rc;
	for (i = 0; xv_is_list(res) && i < xv_len(res); i++)
		if (!is_domain_sxp(xv_at(res, i)))
			break;
	if (!xv_is_list(res) || i < xv_len(res)) {
		xm_error("xend answered xend.domains_with_state with something "
		    "that is not a list of (domain ...) SXPs");
		xv_free(res);
		return XM_EXIT_ERROR;
	}
	*list = res;
	return XM_EXIT_OK;
}

int
xm_get_domains(const char *state, bool full, struct xv **list)
{
	return get_domains(state, full, false, list);
}

int
xm_get_domains_brief(const char *state, struct xv **list)
{
	return get_domains(state, false, true, list);
}

double
xm_now(void)
{
	return xu_mono_s();
}

void
xm_sleep(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
