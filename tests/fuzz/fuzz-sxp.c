/* fuzz-sxp.c: whatever the SXP reader accepts, both printers must write
 * back in a form that reads as the same value. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sxp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_same(const struct xv *want, const char *text, size_t len)
{
	struct xv *got = NULL;
	struct xu_err err;

	if (sxp_parse(text, len, &got, &err) != XU_OK || !xv_equal(want, got))
		abort();
	xv_free(got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xv *forms = NULL, *one = NULL;
	struct xu_err err;
	struct xu_buf b;
	size_t i;
	char *s;
	int width;

	if (sxp_parse((const char *)data, size, &forms, &err) != XU_OK) {
		if (forms != NULL || err.rc >= 0 || err.msg[0] == '\0')
			abort();
		return 0;
	}

	/* The whole list of forms on one line reads back as one value. */
	s = sxp_to_string(forms);
	if (sxp_parse_one(s, strlen(s), &one, &err) != XU_OK ||
	    !xv_equal(forms, one))
		abort();
	xv_free(one);
	free(s);

	/* Pretty forms one after another, as config.sxp is written, at a
	 * width taken from the input size so narrow widths get exercised. */
	width = (int)(size % 90);
	xu_buf_init(&b);
	for (i = 0; i < xv_len(forms); i++) {
		s = sxp_pretty(xv_at(forms, i), width);
		xu_buf_adds(&b, s);
		free(s);
	}
	check_same(forms, b.data ? b.data : "", b.len);
	xu_buf_dispose(&b);

	s = sxp_pretty(forms, 80);
	xu_buf_init(&b);
	xu_buf_adds(&b, "(forms ");
	xu_buf_adds(&b, s);
	xu_buf_adds(&b, ")");
	if (sxp_parse_one(b.data, b.len, &one, &err) != XU_OK ||
	    !xv_equal(forms, xv_at(one, 1)))
		abort();
	xv_free(one);
	xu_buf_dispose(&b);
	free(s);

	xv_free(forms);
	return 0;
}
