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
#include "json.h"
#include "progress.h"
#include "sxp.h"
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

/* The progress line of a save or restore on a terminal, or with --json
 * its JSON lines (command: "save", "restore"; name: the domain's name
 * in them): the domain is polled by what the poller may use (its UUID, or
 * its name). */
static struct xm_progress *
progress_for(const char *dom, const char *verb, const char *path,
    const char *command, const char *name)
{
	struct xm_progress *p;
	struct xv *params = xv_append(xv_list(), xv_str(dom)), *ids;
	char *label;

	if (command != NULL) {
		ids = xv_struct();
		xv_struct_set(ids, "domain", xv_str(name));
		xv_struct_set(ids, "path", xv_str(path));
		p = xm_progress_start_json(command, ids,
		    "xend.domain.migrationStatus", params);
		xv_free(ids);
	} else {
		label = xu_asprintf("%s %s", verb, path);
		p = xm_progress_start(label, "xend.domain.migrationStatus", params);
		free(label);
	}
	xv_free(params);
	return p;
}

/* --json's last line, once the save or restore is done. */
static int
json_done(const char *command, const char *name, const char *path)
{
	yajl_gen g = xm_json_begin(command);

	xm_json_str(g, "event", "done");
	xm_json_str(g, "domain", name);
	xm_json_str(g, "path", path);
	return xm_json_end(g);
}

/* A field (uuid, name) of a saved file's config (LinuxGuestRecord, a
 * big-endian length, the (vm ...) SXP), or NULL: xend checks the file
 * itself. */
static char *
saved_field(const char *path, const char *field)
{
	unsigned char head[20];
	struct xu_err err;
	struct xv *vm = NULL;
	char *sxp = NULL, *uuid = NULL;
	uint32_t len;
	FILE *fp = fopen(path, "re");

	if (fp == NULL)
		return NULL;
	if (fread(head, 1, sizeof(head), fp) != sizeof(head) ||
	    memcmp(head, "LinuxGuestRecord", 16) != 0)
		goto out;
	len = (uint32_t)head[16] << 24 | (uint32_t)head[17] << 16 |
	    (uint32_t)head[18] << 8 | head[19];
	if (len == 0 || len > (1u << 20))
		goto out;
	sxp = xu_malloc(len + 1);
	if (fread(sxp, 1, len, fp) != len)
		goto out;
	if (sxp_parse_one(sxp, len, &vm, &err) == XU_OK &&
	    xv_child_str(vm, field, NULL) != NULL)
		uuid = xu_strdup(xv_child_str(vm, field, NULL));
out:
	xv_free(vm);
	free(sxp);
	fclose(fp);
	return uuid;
}

int
xm_cmd_save(struct xm_ctx *ctx, struct xm_args *args)
{
	char *path = absolute(args->argv[1]), *dir;
	struct xm_progress *prog;
	struct xv *params;
	bool json;
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
	json = xm_args_has(args, XM_OPT_JSON);
	prog = progress_for(args->argv[0], "Saving", path, json ? "save" : NULL,
	    args->argv[0]);
	rc = xm_dom_call("xend.domain.save", args->argv[0], params, NULL);
	xm_progress_stop(prog);
	if (rc == XM_EXIT_OK && json)
		rc = json_done("save", args->argv[0], path);
	free(path);
	return rc;
}

int
xm_cmd_restore(struct xm_ctx *ctx, struct xm_args *args)
{
	char *path = absolute(args->argv[0]), *uuid, *name;
	struct xm_progress *prog;
	struct xv *params, *res = NULL;
	bool json;
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
	uuid = saved_field(path, "uuid");
	name = saved_field(path, "name");
	json = xm_args_has(args, XM_OPT_JSON);
	prog = uuid != NULL ? progress_for(uuid, "Restoring", path,
	    json ? "restore" : NULL, name) : NULL;
	free(uuid);
	/* should xend go away meanwhile: the domain to look for */
	xm_rpc_set_outcome_domain(name);
	rc = xm_rpc_call("xend.domain.restore", params, &res);
	xm_rpc_set_outcome_domain(NULL);
	xm_progress_stop(prog);
	if (rc == XM_EXIT_OK && json)
		rc = json_done("restore", xv_child_str(res, "name", name), path);
	free(name);
	xv_free(params);
	xv_free(res);
	free(path);
	return rc;
}
