/* cmd-info.c: `xm info`: xend's host information (xend.node.info) as
 * "%-23s: value" lines. With -c, xm reads xend-config.sxp itself, as
 * classic xm did, and prints every option as "%-38s: value". */
#include <stdlib.h>

#include "rpc.h"
#include "sxp.h"
#include "xend-options.h"
#include "xm.h"

static void
print_diags(const struct xend_diags *d)
{
	char *line;
	size_t i;

	for (i = 0; i < d->n; i++) {
		line = xend_diag_format(d, i);
		if (d->items[i].level == XEND_DIAG_ERROR)
			xm_error("%s", line);
		else
			fprintf(stderr, "%s\n", line);
		free(line);
	}
}

static int
print_xend_config(void)
{
	struct xend_options *opts = NULL;
	struct xend_diags diags;
	char *text;
	size_t i;
	int load, rc = XM_EXIT_ERROR;

	xend_diags_init(&diags);
	load = xend_options_load(&opts, NULL, NULL, &diags);
	print_diags(&diags);
	if (load != XU_OK)
		goto out;
	for (i = 0; i < xend_opt_count(); i++) {
		text = xend_opt_text(opts, i);
		printf("%-38s: %s\n", xend_opt_def_at(i)->name, text);
		free(text);
	}
	rc = fflush(stdout) == 0 ? XM_EXIT_OK : XM_EXIT_ERROR;
out:
	xend_options_free(opts);
	xend_diags_dispose(&diags);
	return rc;
}

/* A value as classic xm's print showed it: text as it is, numbers in
 * decimal, lists in SXP. */
static void
print_value(const struct xv *v)
{
	char *text;

	switch (v->type) {
	case XV_STRING:
		fwrite(v->u.str.s, 1, v->u.str.len, stdout);
		break;
	case XV_INT:
		printf("%lld", (long long)v->u.i);
		break;
	case XV_DOUBLE:
		printf("%g", v->u.d);
		break;
	case XV_BOOL:
		fputs(v->u.b ? "True" : "False", stdout);
		break;
	case XV_NIL:
		fputs("None", stdout);
		break;
	default:
		text = sxp_to_string(v);
		fputs(text, stdout);
		free(text);
		break;
	}
}

/* The [key, value] pairs after the first (system), as classic xm did. */
static int
print_node_info(bool numa)
{
	struct xv *params = NULL, *res = NULL, *pair;
	const char *key;
	size_t i;
	int rc;

	if (numa) {
		params = xv_list();
		xv_append(params, xv_bool(true));
	}
	rc = xm_rpc_call("xend.node.info", params, &res);
	xv_free(params);
	if (rc != XM_EXIT_OK)
		return rc;
	if (!xv_is_list(res)) {
		xm_error("xend sent xend.node.info a reply that is not a list");
		xv_free(res);
		return XM_EXIT_ERROR;
	}
	for (i = 1; i < xv_len(res); i++) {
		pair = xv_at(res, i);
		if ((key = xv_string(xv_at(pair, 0))) == NULL)
			continue;
		if (xv_len(pair) < 2) {
			printf("%-23s: (none)\n", key);
			continue;
		}
		printf("%-23s: ", key);
		print_value(xv_at(pair, 1));
		putchar('\n');
	}
	xv_free(res);
	return fflush(stdout) == 0 ? XM_EXIT_OK : XM_EXIT_ERROR;
}

int
xm_cmd_info(struct xm_ctx *ctx, struct xm_args *args)
{
	if (xm_args_has(args, 'c'))
		return print_xend_config();
	return print_node_info(xm_args_has(args, 'n'));
}
