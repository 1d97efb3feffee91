/* cmd-managed.c: managed domains and saved state (reference 2.1): xm
 * start, delete, suspend, resume (xm new is create's parser, in
 * cmd-create.c), save and restore. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "dominfo.h"
#include "xm.h"
#include "xu.h"

int
xm_cmd_start(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *dom = args->argv[0];
	struct xv *sxp = NULL;
	int rc, fd;

	rc = xm_dom_call("xend.domain.start", dom,
	    xv_append(xv_list(), xv_bool(xm_args_has(args, 'p'))), NULL);
	if (rc != XM_EXIT_OK || !xm_args_has(args, 'c'))
		return rc;
	if ((rc = xm_get_domain(dom, true, &sxp)) != XM_EXIT_OK)
		return rc;
	rc = xm_console_open(dom, sxp, false, &fd);
	xv_free(sxp);
	if (rc != XM_EXIT_OK)
		return rc;
	return xm_console_session(fd);
}

int
xm_cmd_delete(struct xm_ctx *ctx, struct xm_args *args)
{
	return xm_dom_call("xend.domain.delete", args->argv[0], NULL, NULL);
}

int
xm_cmd_suspend(struct xm_ctx *ctx, struct xm_args *args)
{
	return xm_dom_call("xend.domain.suspend", args->argv[0], NULL, NULL);
}

int
xm_cmd_resume(struct xm_ctx *ctx, struct xm_args *args)
{
	return xm_dom_call("xend.domain.resume", args->argv[0],
	    xv_append(xv_list(), xv_bool(xm_args_has(args, 'p'))), NULL);
}

/* The file made absolute on the client, as classic xm did: xend's
 * working directory is "/". */
static char *
absolute(const char *file)
{
	char cwd[PATH_MAX];

	if (*file == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xu_strdup(file);
	return xu_asprintf("%s/%s", cwd, file);
}

int
xm_cmd_save(struct xm_ctx *ctx, struct xm_args *args)
{
	char *path = absolute(args->argv[1]), *dir;
	struct xv *params;
	int rc;

	dir = xu_strndup(path, (size_t)(strrchr(path, '/') - path));
	if (access(*dir ? dir : "/", W_OK) != 0) {
		xm_error("xm save: Unable to create file %s: %s", args->argv[1],
		    strerror(errno));
		free(dir);
		free(path);
		return XM_EXIT_ERROR;
	}
	free(dir);
	params = xv_list();
	xv_append(params, xv_str(path));
	xv_append(params, xv_bool(xm_args_has(args, 'c')));
	rc = xm_dom_call("xend.domain.save", args->argv[0], params, NULL);
	free(path);
	return rc;
}

int
xm_cmd_restore(struct xm_ctx *ctx, struct xm_args *args)
{
	char *path = absolute(args->argv[0]);
	struct xv *params, *res = NULL;
	int rc;

	if (access(path, R_OK) != 0) {
		xm_error("xm restore: Unable to read file %s: %s", args->argv[0],
		    strerror(errno));
		free(path);
		return XM_EXIT_ERROR;
	}
	params = xv_list();
	xv_append(params, xv_str(path));
	xv_append(params, xv_bool(xm_args_has(args, 'p')));
	rc = xm_rpc_call("xend.domain.restore", params, &res);
	xv_free(params);
	xv_free(res);
	free(path);
	return rc;
}
