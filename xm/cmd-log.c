/* cmd-log.c: `xm log` (xend's log file) and `xm dmesg` (the host-side
 * message buffer of xend and its domains' engines; -c also empties it). */
#include <stdio.h>

#include "rpc.h"
#include "xm.h"

/* Prints a string result; classic xm added a newline after the log text
 * and none after dmesg's. */
static int
print_text(const char *method, bool newline)
{
	struct xv *res = NULL;
	const char *text;
	int rc;

	if ((rc = xm_rpc_call(method, NULL, &res)) != XM_EXIT_OK)
		return rc;
	text = xv_string(res);
	if (text == NULL) {
		xm_error("xend sent %s a reply that is not text", method);
		xv_free(res);
		return XM_EXIT_ERROR;
	}
	fwrite(text, 1, res->u.str.len, stdout);
	if (newline)
		fputc('\n', stdout);
	xv_free(res);
	return fflush(stdout) == 0 ? XM_EXIT_OK : XM_EXIT_ERROR;
}

int
xm_cmd_log(struct xm_ctx *ctx, struct xm_args *args)
{
	return print_text("xend.node.log", true);
}

int
xm_cmd_dmesg(struct xm_ctx *ctx, struct xm_args *args)
{
	return print_text(xm_args_has(args, 'c') ? "xend.node.dmesg.clear" :
	    "xend.node.dmesg.info", false);
}
