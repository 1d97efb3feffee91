/* fuzz-pyeval.c: libFuzzer target for the config evaluator: the input runs
 * as a config file with the variables xm predefines, then everything the
 * caller can ask for is taken out. Must never crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>

#include "pyeval.h"
#include "xu.h"
#include "xv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
define_str(struct pyeval *pe, const char *name, const char *value)
{
	struct xv *v = xv_str(value);

	pyeval_define(pe, name, v);
	xv_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pyeval *pe = pyeval_new("fuzz.cfg");
	struct xu_err err;
	struct xv *v;

	define_str(pe, "xm_file", "fuzz.cfg");
	define_str(pe, "vmid", "3");
	v = xv_int(0);
	pyeval_define(pe, "xm_help", v);
	xv_free(v);
	/* some inputs take the --help_config path */
	pyeval_set_help_mode(pe, size % 7 == 3);
	(void)pyeval_run(pe, (const char *)data, size, &err);
	xv_free(pyeval_exports(pe));
	xv_free(pyeval_declared_vars(pe));
	(void)pyeval_is_global(pe, "name");
	pyeval_free(pe);
	return 0;
}
