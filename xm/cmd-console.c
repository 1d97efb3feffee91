/* cmd-console.c: `xm console [-q] <Domain>`: asks xend where the domain's
 * console attach socket is (the location of its (device (console ...))
 * in the full domain SXP) and relays until Ctrl-]. Also the attach step
 * of `xm create -c`. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "dominfo.h"
#include "xm.h"

/* The location of the first (device (console (location PATH) ...)). */
static const char *
console_location(const struct xv *dom)
{
	return xv_child_str(xm_domain_device(dom, "console"), "location", NULL);
}

int
xm_console_open(const char *label, const struct xv *dom, bool quiet, int *fd)
{
	struct xm_dominfo di;
	const char *path;
	char why[300];

	*fd = -1;
	xm_dominfo_parse(dom, &di);
	if (di.id < 0) {
		if (!quiet)
			xm_error("Domain '%s' is not started", label);
		return XM_EXIT_ERROR;
	}
	if (di.id == 0) {
		if (!quiet)
			xm_error("Domain-0 is the host itself; it has no console "
			    "to attach to");
		return XM_EXIT_ERROR;
	}
	if ((path = console_location(dom)) == NULL) {
		if (!quiet)
			xm_error("xend did not say where the console of domain "
			    "'%s' is", label);
		return XM_EXIT_ERROR;
	}
	if ((*fd = xm_console_connect(path, why, sizeof(why))) < 0) {
		if (!quiet)
			xm_error("domain '%s': %s", label, why);
		return XM_EXIT_ERROR;
	}
	return XM_EXIT_OK;
}

int
xm_console_session(int fd)
{
	struct xm_console_result res;

	xm_console_relay(fd, &res);
	switch (res.end) {
	case XM_CONSOLE_ERROR:
		xm_error("%s", res.why);
		return XM_EXIT_ERROR;
	case XM_CONSOLE_SIGNAL:
		/* The terminal is back to normal: die of the signal as if it
		 * had not been caught, so the parent sees why. */
		fflush(stdout);
		signal(res.signo, SIG_DFL);
		raise(res.signo);
		return XM_EXIT_ERROR;
	default:
		return XM_EXIT_OK;
	}
}

int
xm_cmd_console(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *label = args->argv[0];
	bool quiet = xm_args_has(args, 'q');
	struct xm_rpc_err err;
	struct xv *dom = NULL;
	int fd, rc;

	if (xm_dom_try("xend.domain", label, xv_append(xv_list(),
	    xv_int(1)), &dom, &err) != XM_RPC_OK)
		return quiet ? XM_EXIT_ERROR : xm_report(&err);
	rc = xm_console_open(label, dom, quiet, &fd);
	xv_free(dom);
	if (rc != XM_EXIT_OK)
		return rc;
	return xm_console_session(fd);
}
