/* cmd-info.c: `xm info`. With -c, xm reads xend-config.sxp itself, as
 * classic xm did, and prints every option as "%-38s: value". */
#include <stdlib.h>

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

int
xm_cmd_info(struct xm_ctx *ctx, struct xm_args *args)
{
	if (xm_args_has(args, 'c'))
		return print_xend_config();
	xm_error("xend is not available in this build yet");
	return XM_EXIT_ERROR;
}
