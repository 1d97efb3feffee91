/* fuzz-domain-config.c: xend's (vm ...) reader on arbitrary SXP, without
 * touching files (the kernel checks would only open random paths). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "domain.h"
#include "sxp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct domain_config cfg;
	struct xu_err err;
	struct xv *vm = NULL;

	if (sxp_parse_one((const char *)data, size, &vm, &err) != XU_OK)
		return 0;
	if (domain_config_parse_nofiles(vm, &cfg, &err) == XU_OK)
		domain_config_dispose(&cfg);
	xv_free(vm);
	return 0;
}
