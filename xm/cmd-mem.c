/* cmd-mem.c: xm mem-set and mem-max (reference 2.1): a size in MiB, or
 * with a k, m or g suffix; xend checks it against the domain and the
 * host. mem-set returns once the guest reports the new target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "xm.h"
#include "xu.h"

/* classic int_unit: integer, truncating, MiB by default */
static bool
parse_size(const char *s, int64_t *mb)
{
	int64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	switch (*p) {
	case '\0': case 'm': case 'M':
		break;
	case 'k': case 'K':
		v /= 1024;
		break;
	case 'g': case 'G':
		if (v > INT64_MAX / 1024)
			return false;
		v *= 1024;
		break;
	default:
		return false;
	}
	if (*p != '\0' && p[1] != '\0')
		return false;
	/* XML-RPC's <int> is 32 bits: anything larger is refused here */
	if (v > INT32_MAX)
		return false;
	*mb = v;
	return true;
}

static int
set(struct xm_ctx *ctx, struct xm_args *args, const char *method)
{
	int64_t mb;

	if (!parse_size(args->argv[1], &mb))
		return xm_usage_error(ctx, "Invalid memory size '%s': a number of MiB, "
		    "or with k, m or g (at most 2147483647 MiB)", args->argv[1]);
	return xm_dom_call(method, args->argv[0], xv_append(xv_list(), xv_int(mb)),
	    NULL);
}

int
xm_cmd_mem_set(struct xm_ctx *ctx, struct xm_args *args)
{
	return set(ctx, args, "xend.domain.setMemoryTarget");
}

int
xm_cmd_mem_max(struct xm_ctx *ctx, struct xm_args *args)
{
	return set(ctx, args, "xend.domain.maxmem_set");
}
