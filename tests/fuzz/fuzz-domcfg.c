/* fuzz-domcfg.c: every device-spec parser and VAR=VALUE conversion, then the
 * (vm ...) build and pretty print, on one input (first byte picks the parser). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "devspec.h"
#include "domcfg.h"
#include "sxp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	struct xv *devs, *l, *e = NULL, *vm = NULL, *ex;
	struct xu_err err;
	struct domcfg dc;
	int64_t n; bool ext;
	size_t i;

	if (size < 1 || size > 4096)
		return 0;
	devs = xv_list();
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 12) {
	case 0: devspec_disk(s, devs, &err); break;
	case 1: devspec_vif(s, devs, &err); break;
	case 2: devspec_vfb(s, "en", ":0", "/x", devs, &err); break;
	case 3: l = xv_append(xv_list(), xv_str(s)); devspec_pci(l, devs, &err); xv_free(l); break;
	case 4: l = xv_append(xv_list(), xv_str(s)); devspec_vscsi(l, devs, &err); xv_free(l); break;
	case 5: devspec_vusb(s, devs, &err); break;
	case 6: devspec_ioports(s, devs, &err); break;
	case 7: devspec_vtpm(s, devs, &err); break;
	case 8: devspec_access_control(s, &e, &err); xv_free(e); break;
	case 9: devspec_vdev_number(s, &n, &ext); break;
	case 10: case 11:
		domcfg_init(&dc);
		for (i = 0; i < domcfg_nkeys; i++)
			domcfg_set_option(&dc, domcfg_keys[i].name, s, &err);
		ex = xv_struct();
		xv_struct_set(ex, "kernel", xv_str("/k"));
		xv_struct_set(ex, "builder", xv_str(data[0] % 2 ? "hvm" : "linux"));
		domcfg_build(&dc, ex, "f", &vm, &err);
		if (vm) { char *t = sxp_pretty(vm, 80); free(t); }
		xv_free(vm); xv_free(ex);
		domcfg_dispose(&dc);
		break;
	}
	xv_free(devs);
	free(s);
	return 0;
}
