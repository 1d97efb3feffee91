/* Fuzzes xenhv's QMP message decoder. */
#include <stdarg.h>
#include <stdint.h>
#include "xenhv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void
xhv_log(const char *fmt, ...)
{
	(void)fmt;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp_msg m;
	char why[160];

	if (qmp_decode((const char *)data, size, &m, why, sizeof(why)))
		qmp_msg_dispose(&m);
	return 0;
}
