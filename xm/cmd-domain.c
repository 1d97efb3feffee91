/* cmd-domain.c: the one-call domain commands: destroy, pause, unpause,
 * reset, rename, and the lookups domid, domname and domstate
 * (reference 2.1). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dominfo.h"
#include "xm.h"
#include "xu.h"

int
xm_cmd_destroy(struct xm_ctx *ctx, struct xm_args *args)
{
	return xm_dom_call("xend.domain.destroy", args->argv[0], NULL, NULL);
}

int
xm_cmd_reset(struct xm_ctx *ctx, struct xm_args *args)
{
	return xm_dom_call("xend.domain.reset", args->argv[0], NULL, NULL);
}

/* xm dump-core: xend writes the file, so a relative name is made
 * absolute here, against xm's directory. */
int
xm_cmd_dump_core(struct xm_ctx *ctx, struct xm_args *args)
{
	struct xv *params = xv_list();
	const char *file = args->argc > 1 ? args->argv[1] : NULL;
	char cwd[4096];
	bool crash = xm_args_has(args, 'C'), reset = xm_args_has(args, 'R');

	if (crash && reset) {
		xv_free(params);
		return xm_usage_error(ctx, "-C and -R cannot be used together");
	}
	if (file != NULL && file[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		xv_append(params, xv_strf("%s/%s", cwd, file));
	else
		xv_append(params, file != NULL ? xv_str(file) : xv_nil());
	xv_append(params, xv_bool(xm_args_has(args, 'L')));
	xv_append(params, xv_bool(crash));
	xv_append(params, xv_bool(reset));
	printf("Dumping core of domain: %s ...\n", args->argv[0]);
	fflush(stdout);
	return xm_dom_call("xend.domain.dump", args->argv[0], params, NULL);
}

/* xm sysrq <Domain> <letter>: the Magic SysRq key. */
int
xm_cmd_sysrq(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *k = args->argv[1];

	if (strlen(k) != 1 || !((k[0] >= 'a' && k[0] <= 'z') ||
	    (k[0] >= '0' && k[0] <= '9')))
		return xm_usage_error(ctx, "'%s': a SysRq key is one letter or "
		    "digit (h lists them in the guest's log)", k);
	return xm_dom_call("xend.domain.send_sysrq", args->argv[0],
	    xv_append(xv_list(), xv_str(k)), NULL);
}

/* xm trigger <Domain> <nmi|reset|init|s3resume|power> [VCPU] */
int
xm_cmd_trigger(struct xm_ctx *ctx, struct xm_args *args)
{
	static const char *const names[] = { "nmi", "reset", "init",
	    "s3resume", "power" };
	struct xv *params = xv_list();
	int64_t vcpu = 0;
	size_t i;

	for (i = 0; i < 5 && strcmp(names[i], args->argv[1]) != 0; i++)
		;
	if (i == 5) {
		xv_free(params);
		return xm_usage_error(ctx, "'%s': a trigger is nmi, reset, init, "
		    "s3resume or power", args->argv[1]);
	}
	if (args->argc > 2 && (xu_parse_int64(args->argv[2], &vcpu) != XU_OK ||
	    vcpu < 0 || vcpu > 255)) {
		xv_free(params);
		return xm_usage_error(ctx, "'%s': a vCPU is a number from 0",
		    args->argv[2]);
	}
	xv_append(params, xv_str(args->argv[1]));
	xv_append(params, xv_int(vcpu));
	return xm_dom_call("xend.domain.send_trigger", args->argv[0], params,
	    NULL);
}

/* pause and unpause also record whether the admin asked for it, so that
 * domstate can say "paused by admin". */
static int
set_paused(const char *dom, bool paused)
{
	int rc;

	rc = xm_dom_call(paused ? "xend.domain.pause" : "xend.domain.unpause",
	    dom, NULL, NULL);
	if (rc != XM_EXIT_OK)
		return rc;
	return xm_dom_call("xend.domain.setpauseflag", dom,
	    xv_append(xv_list(), xv_bool(paused)), NULL);
}

int
xm_cmd_pause(struct xm_ctx *ctx, struct xm_args *args)
{
	return set_paused(args->argv[0], true);
}

int
xm_cmd_unpause(struct xm_ctx *ctx, struct xm_args *args)
{
	return set_paused(args->argv[0], false);
}

int
xm_cmd_rename(struct xm_ctx *ctx, struct xm_args *args)
{
	return xm_dom_call("xend.domain.setName", args->argv[0],
	    xv_append(xv_list(), xv_str(args->argv[1])), NULL);
}

/* domid, domname: one field of the domain's SXP. Classic xm printed
 * Python's None for a domain without a domid (not running). */
static int
print_field(const char *dom, bool want_id)
{
	struct xm_dominfo di;
	struct xv *sxp;
	int rc;

	if ((rc = xm_get_domain(dom, false, &sxp)) != XM_EXIT_OK)
		return rc;
	xm_dominfo_parse(sxp, &di);
	if (want_id)
		printf("%s\n", di.domid[0] != '\0' ? di.domid : "None");
	else
		printf("%s\n", di.name);
	xv_free(sxp);
	return fflush(stdout) == 0 ? XM_EXIT_OK : XM_EXIT_ERROR;
}

int
xm_cmd_domid(struct xm_ctx *ctx, struct xm_args *args)
{
	return print_field(args->argv[0], true);
}

int
xm_cmd_domname(struct xm_ctx *ctx, struct xm_args *args)
{
	return print_field(args->argv[0], false);
}

/* One word for the state letters (see xm_state_word for the classic bug
 * this does not repeat); a paused domain asks xend whether the admin
 * paused it. */
int
xm_cmd_domstate(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *dom = args->argv[0];
	struct xm_dominfo di;
	struct xv *sxp, *flag = NULL;
	bool by_admin = false;
	int rc;

	if ((rc = xm_get_domain(dom, false, &sxp)) != XM_EXIT_OK)
		return rc;
	xm_dominfo_parse(sxp, &di);
	if (strcmp(xm_state_word(di.state, false), "paused") == 0) {
		rc = xm_dom_call("xend.domain.getpauseflag", dom, NULL, &flag);
		if (rc != XM_EXIT_OK)
			goto out;
		by_admin = flag != NULL && ((flag->type == XV_BOOL &&
		    flag->u.b) || (flag->type == XV_INT && flag->u.i != 0));
	}
	printf("%s\n", xm_state_word(di.state, by_admin));
	rc = fflush(stdout) == 0 ? XM_EXIT_OK : XM_EXIT_ERROR;
out:
	xv_free(flag);
	xv_free(sxp);
	return rc;
}
