/* cmd-sched.c: xm sched-credit (reference 2.3, 3.7): the credit
 * scheduler's weight and cap of every domain, or one; -w and -c set
 * them for the -d domain; --json prints the listing as JSON
 * (docs/JSON.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "json.h"
#include "xm.h"
#include "xu.h"

/* weight or cap from sched_credit_get's struct; -1 when missing. */
static int
credit_param(const struct xv *res, const char *key)
{
	const struct xv *v = xv_struct_get(res, key);

	return v != NULL && v->type == XV_INT ? (int)v->u.i : -1;
}

static int
credit_get(const struct xm_dominfo *di, struct xv **res)
{
	*res = NULL;
	return xm_dom_call("xend.domain.sched_credit_get",
	    di->uuid ? di->uuid : di->name, NULL, res);
}

static int
print_one(const struct xv *dom)
{
	struct xm_dominfo di;
	struct xv *res;
	int rc;

	xm_dominfo_parse(dom, &di);
	if ((rc = credit_get(&di, &res)) != XM_EXIT_OK)
		return rc;
	printf("%-32s %5s %6d %4d\n", di.name, di.domid,
	    credit_param(res, "weight"), credit_param(res, "cap"));
	xv_free(res);
	return XM_EXIT_OK;
}

static int
json_dom(yajl_gen g, const struct xm_dominfo *di, const struct xv *dom,
    void *arg)
{
	struct xv *res;
	int rc;

	if ((rc = credit_get(di, &res)) != XM_EXIT_OK)
		return rc;
	xm_json_int(g, "weight", credit_param(res, "weight"));
	xm_json_int(g, "cap", credit_param(res, "cap"));
	xv_free(res);
	return XM_EXIT_OK;
}

static bool
parse_num(const char *s, int64_t *v)
{
	return s != NULL && xu_parse_int64(s, v) == XU_OK && *v >= INT32_MIN &&
	    *v <= INT32_MAX;
}

int
xm_cmd_sched_credit(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *dom = xm_args_get(args, 'd');
	const char *ws = xm_args_get(args, 'w'), *cs = xm_args_get(args, 'c');
	struct xv *doms = NULL, *params;
	int64_t w = 0, c = 0;
	size_t i;
	int rc;

	if ((ws != NULL && !parse_num(ws, &w)) || (cs != NULL && !parse_num(cs, &c)))
		return xm_usage_error(ctx, "Invalid %s '%s': a number",
		    ws != NULL && !parse_num(ws, &w) ? "weight" : "cap",
		    ws != NULL && !parse_num(ws, &w) ? ws : cs);
	if (ws != NULL || cs != NULL) {
		if (dom == NULL)
			return xm_usage_error(ctx, "Domain not specified: -w and -c "
			    "need -d <Domain>");
		if (xm_args_has(args, XM_OPT_JSON))
			return xm_usage_error(ctx, "--json is for the listing; -w "
			    "and -c print nothing");
		params = xv_list();
		xv_append(params, ws != NULL ? xv_int(w) : xv_nil());
		xv_append(params, cs != NULL ? xv_int(c) : xv_nil());
		return xm_dom_call("xend.domain.sched_credit_set", dom, params, NULL);
	}
	if (dom != NULL)
		rc = xm_get_named(1, (char **)&dom, false, &doms);
	else
		rc = xm_get_domains("all", false, &doms);
	if (rc != XM_EXIT_OK)
		return rc;
	if (xm_args_has(args, XM_OPT_JSON)) {
		rc = xm_json_domains("sched-credit", doms, json_dom, NULL);
		xv_free(doms);
		return rc;
	}
	printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
	for (i = 0; i < xv_len(doms) && rc == XM_EXIT_OK; i++)
		rc = print_one(xv_at(doms, i));
	xv_free(doms);
	if (fflush(stdout) != 0)
		rc = XM_EXIT_ERROR;
	return rc;
}
