/* cmd-migrate.c: xm migrate (reference 2.1): the domain goes to another
 * host's xend; xm returns when it runs there, or with the reason and the
 * place the guest is when it could not move. A progress line on a
 * terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
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

int
xm_cmd_migrate(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *dom = args->argv[0], *host = args->argv[1], *s;
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
	prog = xm_progress_start(label, "xend.domain.migrationStatus", params);
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
	xv_free(sxp);
	free(label);
	if (rc != XM_RPC_OK)
		return xm_report(&err);
	return XM_EXIT_OK;
}
