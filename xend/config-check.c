/* config-check.c: `xend -n`: reads xend-config.sxp as the daemon would and
 * prints the effective configuration in a form that reads back unchanged. */
#include <stdlib.h>

#include "config-check.h"
#include "sxp.h"
#include "xend-options.h"

static void
print_diags(const struct xend_diags *d, FILE *err)
{
	char *line;
	size_t i;

	for (i = 0; i < d->n; i++) {
		line = xend_diag_format(d, i);
		fprintf(err, "%s\n", line);
		free(line);
	}
}

int
xend_config_check(const char *path, const char *root, FILE *out, FILE *err)
{
	struct xend_options *opts = NULL;
	struct xend_diags diags;
	struct xv *forms = NULL;
	char *text;
	size_t i;
	int rc, status = 1;

	xend_diags_init(&diags);
	rc = xend_options_load(&opts, path, root, &diags);
	print_diags(&diags, err);
	if (rc != XU_OK)
		goto out;
	forms = xend_options_to_sxp(opts);
	for (i = 0; i < xv_len(forms); i++) {
		text = sxp_to_string(xv_at(forms, i));
		fprintf(out, "%s\n", text);
		free(text);
	}
	status = fflush(out) == 0 ? 0 : 1;
out:
	xv_free(forms);
	xend_options_free(opts);
	xend_diags_dispose(&diags);
	return status;
}
