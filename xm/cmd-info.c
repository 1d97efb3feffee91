/* cmd-info.c: `xm info`: xend's host information (xend.node.info) as
 * "%-23s: value" lines. With -c, xm reads xend-config.sxp itself, as
 * classic xm did, and prints every option as "%-38s: value". --json
 * prints xend.node.info's pairs as one object (docs/JSON.md). */
#include <stdlib.h>
#include <string.h>

#include "json.h"
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

/* Keys whose unit JSON names (docs/JSON.md: the unit in the key). */
static const struct {
	const char *key, *json_key;
} json_renames[] = {
	{ "total_memory", "total_memory_mib" },
	{ "free_memory", "free_memory_mib" },
	{ "xen_pagesize", "xen_pagesize_bytes" },
};

static const char *
json_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(json_renames) / sizeof(json_renames[0]); i++)
		if (strcmp(key, json_renames[i].key) == 0)
			return json_renames[i].json_key;
	return key;
}

/* The pairs the lines show, as members of "info", typed as xend sent
 * them; a key without a value is null. */
static int
print_json(const struct xv *res)
{
	yajl_gen g = xm_json_begin("info");
	const struct xv *pair;
	const char *key;
	size_t i;

	xm_json_open(g, "info", false);
	for (i = 1; i < xv_len(res); i++) {
		pair = xv_at(res, i);
		if ((key = xv_string(xv_at(pair, 0))) == NULL)
			continue;
		xm_json_key(g, json_key(key));
		xm_json_value(g, xv_len(pair) < 2 ? NULL : xv_at(pair, 1));
	}
	xm_json_close(g, false);
	return xm_json_end(g);
}

/* The [key, value] pairs after the first (system), as classic xm did. */
static int
print_node_info(bool numa, bool json)
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
	if (json) {
		rc = print_json(res);
		xv_free(res);
		return rc;
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
	bool json = xm_args_has(args, XM_OPT_JSON);

	if (xm_args_has(args, 'c') && json)
		return xm_usage_error(ctx, "--json is for the host's information, "
		    "not -c's configuration");
	if (xm_args_has(args, 'c'))
		return print_xend_config();
	return print_node_info(xm_args_has(args, 'n'), json);
}
