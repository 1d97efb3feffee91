/* fuzz-xend-options.c: the xend-config.sxp reader on arbitrary bytes; a
 * file that reads must print an effective configuration that reads back
 * to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sxp.h"
#include "xend-options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xend_options *a = NULL, *b = NULL;
	struct xend_diags d, d2;
	struct xv *sa, *sb;
	struct xu_buf buf;
	char *line;
	size_t i;

	xend_diags_init(&d);
	xend_diags_init(&d2);
	if (xend_options_parse(&a, (const char *)data, size, "f", "/r", &d) == XU_OK) {
		sa = xend_options_to_sxp(a);
		xu_buf_init(&buf);
		for (i = 0; i < xv_len(sa); i++) {
			line = sxp_to_string(xv_at(sa, i));
			xu_buf_printf(&buf, "%s\n", line);
			free(line);
			line = xend_opt_text(a, i);
			free(line);
		}
		if (xend_options_parse(&b, buf.data, buf.len, "g", "/r", &d2) != XU_OK)
			abort();
		if (d2.n != 0)
			abort();
		sb = xend_options_to_sxp(b);
		if (!xv_equal(sa, sb))
			abort();
		xv_free(sa);
		xv_free(sb);
		xu_buf_dispose(&buf);
	}
	for (i = 0; i < d.n; i++)
		free(xend_diag_format(&d, i));
	xend_options_free(a);
	xend_options_free(b);
	xend_diags_dispose(&d);
	xend_diags_dispose(&d2);
	return 0;
}
