/* fuzz-xm-dominfo.c: libFuzzer target for how xm reads a domain SXP from
 * xend (dominfo.c): any parsed SXP through xm_dominfo_parse, the state
 * word and the `xm list` row format. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dominfo.h"
#include "sxp.h"
#include "xm.h"

void
xm_error(const char *fmt, ...)
{
	(void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xu_err err = { 0 };
	struct xm_dominfo di;
	struct xv *forms = NULL;
	char row[512];
	size_t i;

	if (sxp_parse((const char *)data, size, &forms, &err) != XU_OK)
		return 0;
	for (i = 0; i < xv_len(forms); i++) {
		xm_dominfo_parse(xv_at(forms, i), &di);
		snprintf(row, sizeof(row), "%-40s %5s %5lld %5lld %10s %8.1f %s",
		    di.name, di.domid, (long long)di.memory, (long long)di.vcpus,
		    di.state, di.cpu_time, xm_state_word(di.state, i % 2));
	}
	xv_free(forms);
	return 0;
}
