/* cmd-migrate.c: xm migrate (reference 2.1): the domain goes to another
 * host's xend; xm returns when it runs there, or with the reason and the
 * place the guest is when it could not move. A progress line on a
 * terminal, or with --json progress objects, one a line (docs/JSON.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "json.h"
#include "progress.h"
#include "xm.h"
#include "xu.h"

/* Options beyond -l, -s, -c, which are flags. */
#define OPT_PORT	'p'
#define OPT_NODE	'n'

static int
number(struct xm_ctx *ctx, const char *what, const char *s, int64_t lo,
    int64_t hi, int64_t *out)
{
	if (xu_parse_int64(s, out) != XU_OK || *out < lo || *out > hi)
		return xm_usage_error(ctx, "%s must be a number from %lld to "
		    "%lld, got '%s'", what, (long long)lo, (long long)hi, s);
	return XM_EXIT_OK;
}

/* --json: the progress lines' poller, whatever stdout is. */
static struct xm_progress *
json_progress(const struct xm_dominfo *di, const char *host,
    const struct xv *params)
{
	struct xv *ids = xv_struct();
	struct xm_progress *p;

	xv_struct_set(ids, "domain", xv_str(di->name));
	xv_struct_set(ids, "host", xv_str(host));
	p = xm_progress_start_json("migrate", ids, "xend.domain.migrationStatus",
	    params);
	xv_free(ids);
	return p;
}

/* --json's last line, once the domain runs on host. */
static int
json_done(const struct xm_dominfo *di, const char *host)
{
	yajl_gen g = xm_json_begin("migrate");

	xm_json_str(g, "event", "done");
	xm_json_str(g, "domain", di->name);
	xm_json_str(g, "host", host);
	return xm_json_end(g);
}

int
xm_cmd_migrate(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *dom = args->argv[0], *host = args->argv[1], *s;
	bool json = xm_args_has(args, XM_OPT_JSON);
	struct xm_dominfo di;
	struct xm_progress *prog;
	struct xv *sxp = NULL, *params, *res = NULL;
	struct xm_rpc_err err;
	int64_t port = 0, node = -1;
	char *label;
	int rc;

	if ((s = xm_args_get(args, OPT_PORT)) != NULL &&
	    (rc = number(ctx, "port", s, 1, 65535, &port)) != XM_EXIT_OK)
		return rc;
	if ((s = xm_args_get(args, OPT_NODE)) != NULL &&
	    (rc = number(ctx, "node", s, 0, 1023, &node)) != XM_EXIT_OK)
		return rc;
	if (*host == '\0')
		return xm_usage_error(ctx, "the destination host is empty");
	/* the UUID names the domain for the progress poller: during the
	 * migration it is renamed migrating-NAME */
	if ((rc = xm_get_domain(dom, false, &sxp)) != XM_EXIT_OK)
		return rc;
	xm_dominfo_parse(sxp, &di);
	label = xu_asprintf("Migrating %s to %s", di.name, host);
	params = xv_append(xv_list(), xv_str(di.uuid ? di.uuid : dom));
	if (json)
		prog = json_progress(&di, host, params);
	else
		prog = xm_progress_start(label, "xend.domain.migrationStatus",
		    params);
	xv_free(params);
	params = xv_list();
	xv_append(params, xv_str(dom));
	xv_append(params, xv_str(host));
	xv_append(params, xv_bool(xm_args_has(args, 'l')));
	xv_append(params, xv_int(port));
	xv_append(params, xv_int(node));
	xv_append(params, xv_bool(xm_args_has(args, 's')));
	xv_append(params, xv_bool(xm_args_has(args, 'c')));
	rc = xm_rpc_invoke(xm_rpc_server_uri(), "xend.domain.migrate", params,
	    xm_rpc_timeout() > 0 ? xm_rpc_timeout() * 12 : 0, &res, &err);
	xm_progress_stop(prog);
	xv_free(params);
	xv_free(res);
	free(label);
	if (rc != XM_RPC_OK)
		rc = xm_report(&err);
	else
		rc = json ? json_done(&di, host) : XM_EXIT_OK;
	xv_free(sxp);	/* di's strings point into it */
	return rc;
}
