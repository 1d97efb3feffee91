/* placeholder */
#include "xm.h"
int xm_cmd_create(struct xm_ctx *ctx, struct xm_args *args) { xm_error("not yet"); return 1; }
