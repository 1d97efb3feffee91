/* main.c: xm's entry point: finds the subcommand (exact name, deprecated
 * alias, "help", unique prefix), parses its options from the command's
 * table entry, checks the argument count and runs the handler. */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"
#include "xm.h"
#include "xu.h"

void
xm_error(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
xm_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("Warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool
xm_args_has(const struct xm_args *a, int key)
{
	size_t i;

	for (i = 0; i < a->nopts; i++)
		if (a->opts[i].key == key)
			return true;
	return false;
}

const char *
xm_args_get(const struct xm_args *a, int key)
{
	size_t i;

	for (i = a->nopts; i-- > 0;)
		if (a->opts[i].key == key)
			return a->opts[i].value;
	return NULL;
}

/* Prints text wrapped at width, continuation lines indented by indent. */
static void
print_wrapped(FILE *fp, const char *text, int width, int indent)
{
	const char *p = text;
	int col = 0;

	while (*p) {
		size_t w = strcspn(p, " ");

		if (col > 0 && col + 1 + (int)w > width) {
			fprintf(fp, "\n%*s", indent, "");
			col = 0;
		} else if (col > 0) {
			fputc(' ', fp);
			col++;
		}
		fwrite(p, 1, w, fp);
		col += (int)w;
		p += w;
		while (*p == ' ')
			p++;
	}
}

static void
format_opt_name(const struct xm_opt *o, char *buf, size_t len)
{
	const char *arg = o->arg ? o->arg : NULL;

	if (o->key < XM_OPT_LONG_ONLY && o->long_name)
		snprintf(buf, len, "-%c, --%s%s%s", o->key, o->long_name,
		    arg ? "=" : "", arg ? arg : "");
	else if (o->key < XM_OPT_LONG_ONLY)
		snprintf(buf, len, "-%c%s%s", o->key, arg ? " " : "", arg ? arg : "");
	else
		snprintf(buf, len, "--%s%s%s", o->long_name, arg ? "=" : "",
		    arg ? arg : "");
}

void
xm_print_cmd_usage(const struct xm_cmd *cmd, FILE *fp)
{
	const struct xm_opt *o;
	char name[64];

	fprintf(fp, "Usage: xm %s %s\n\n", cmd->name, cmd->argstring);
	fprintf(fp, "%s\n", cmd->help);
	if (cmd->opts == NULL || cmd->opts[0].key == 0)
		return;
	fputc('\n', fp);
	fputs("Options:\n\n", fp);
	for (o = cmd->opts; o->key != 0; o++) {
		format_opt_name(o, name, sizeof(name));
		fprintf(fp, "  %-30s ", name);
		print_wrapped(fp, o->help, 43, 33);
		fputc('\n', fp);
	}
}

int
xm_usage_error(struct xm_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	if (ctx->cmd)
		xm_print_cmd_usage(ctx->cmd, stderr);
	return XM_EXIT_USAGE;
}

/* The classic commands that need a Xen hypervisor, named in one
 * paragraph so the list above stays about what works here. */
static void
print_xen_only(FILE *fp)
{
	size_t i, col = 1;

	fputs("\nThese need a Xen hypervisor and say so when run:\n", fp);
	for (i = 0; i < xm_ncommands; i++) {
		const char *name = xm_commands[i].name;

		if (!(xm_commands[i].flags & XM_CMD_XEN_ONLY))
			continue;
		if (col + strlen(name) + 1 > 72) {
			fputc('\n', fp);
			col = 1;
		}
		fprintf(fp, " %s", name);
		col += strlen(name) + 1;
	}
	fputc('\n', fp);
}

static void
print_help(FILE *fp, bool all)
{
	size_t i;

	fputs("Usage: xm <subcommand> [args]\n\n", fp);
	fputs("Control, list, and manipulate Xen guest instances.\n\n", fp);
	fputs(all ? "xm full list of subcommands:\n\n" : "Common 'xm' commands:\n\n", fp);
	for (i = 0; i < xm_ncommands; i++) {
		const struct xm_cmd *c = &xm_commands[i];

		if ((!all && !(c->flags & XM_CMD_COMMON)) ||
		    (c->flags & XM_CMD_XEN_ONLY))
			continue;
		fprintf(fp, " %-20s ", c->name);
		print_wrapped(fp, c->help, 50, 22);
		fputc('\n', fp);
	}
	if (all)
		print_xen_only(fp);
	fputs("\n<Domain> can either be the Domain Name or Id.\n", fp);
	fputs("For more help on 'xm' see the xm(1) man page.\n", fp);
	fputs("For more help on 'xm create' see the xmdomain.cfg(5)  man page.\n", fp);
	if (!all)
		fputs("\nFor a complete list of subcommands run 'xm help'.\n", fp);
}

static const struct xm_cmd *
find_exact(const char *name)
{
	size_t i;

	for (i = 0; i < xm_ncommands; i++)
		if (strcmp(xm_commands[i].name, name) == 0)
			return &xm_commands[i];
	return NULL;
}

/* Lookup order of classic xm: exact, deprecated alias, unique prefix. */
static const struct xm_cmd *
find_command(const char *word)
{
	const struct xm_cmd *c, *match = NULL;
	size_t i, len = strlen(word), n = 0;

	if ((c = find_exact(word)) != NULL)
		return c;
	for (i = 0; i < xm_naliases; i++) {
		if (strcmp(xm_aliases[i].old_name, word) == 0) {
			fprintf(stderr, "Command %s is deprecated.  Please use xm %s instead.\n",
			    word, xm_aliases[i].new_name);
			return find_exact(xm_aliases[i].new_name);
		}
	}
	if (len < 2)
		return NULL;
	for (i = 0; i < xm_ncommands; i++) {
		if (strncmp(xm_commands[i].name, word, len) == 0) {
			match = &xm_commands[i];
			n++;
		}
	}
	return n == 1 ? match : NULL;
}

/* Builds getopt_long tables from the command's option list and collects
 * every occurrence; positional words stay in order (GNU permutation lets
 * options and VAR=VALUE words mix, as classic xm allowed). */
static int
parse_args(struct xm_ctx *ctx, int argc, char **argv, struct xm_args *a,
    bool *want_help)
{
	const struct xm_cmd *cmd = ctx->cmd;
	struct option longopts[64];
	char shortopts[160] = "-:h";
	size_t nl = 0, ns;
	const struct xm_opt *o;
	int c;

	memset(a, 0, sizeof(*a));
	/* "-": positionals come back in order as 1; ":": missing arguments
	 * are told apart from unknown options. */
	ns = strlen(shortopts);
	longopts[nl++] = (struct option){ "help", no_argument, NULL, 'h' };
	for (o = cmd->opts; o && o->key != 0; o++) {
		if (o->key < XM_OPT_LONG_ONLY && ns + 3 < sizeof(shortopts)) {
			shortopts[ns++] = (char)o->key;
			if (o->arg)
				shortopts[ns++] = ':';
			shortopts[ns] = '\0';
		}
		if (o->long_name && nl + 1 < sizeof(longopts) / sizeof(longopts[0]))
			longopts[nl++] = (struct option){ o->long_name,
			    o->arg ? required_argument : no_argument, NULL, o->key };
	}
	longopts[nl] = (struct option){ NULL, 0, NULL, 0 };

	a->argv = xu_calloc((size_t)argc + 1, sizeof(char *));
	/* 0: glibc's getopt starts afresh (xm shell parses many lines) */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 1) {
			a->argv[a->argc++] = optarg;
			continue;
		}
		if (c == 'h') {
			*want_help = true;
			return 0;
		}
		if (c == '?' || c == ':') {
			char shortname[3] = { '-', (char)optopt, '\0' };
			const char *word = argv[optind - 1];
			const char *bad = word;

			if (strncmp(word, "--", 2) != 0 && optopt > 0 &&
			    optopt < XM_OPT_LONG_ONLY)
				bad = shortname;

			if (c == ':')
				return xm_usage_error(ctx, "option %s requires an argument", bad);
			return xm_usage_error(ctx, "unknown option %s", bad);
		}
		if (a->nopts == XM_MAX_OPTVALS)
			return xm_usage_error(ctx, "too many options");
		a->opts[a->nopts].key = c;
		a->opts[a->nopts].value = optarg;
		a->nopts++;
	}
	while (optind < argc)	/* words after "--" */
		a->argv[a->argc++] = argv[optind++];
	return 0;
}

static int
check_arg_count(struct xm_ctx *ctx, const struct xm_args *a)
{
	const struct xm_cmd *cmd = ctx->cmd;

	if (a->argc >= cmd->min_args && (cmd->max_args < 0 || a->argc <= cmd->max_args))
		return 0;
	if (cmd->max_args < 0)
		return xm_usage_error(ctx, "'xm %s' requires at least %d argument%s.",
		    cmd->name, cmd->min_args, cmd->min_args == 1 ? "" : "s");
	if (cmd->min_args == cmd->max_args)
		return xm_usage_error(ctx, "'xm %s' requires %d argument%s.",
		    cmd->name, cmd->min_args, cmd->min_args == 1 ? "" : "s");
	return xm_usage_error(ctx, "'xm %s' requires between %d and %d arguments.",
	    cmd->name, cmd->min_args, cmd->max_args);
}

int
xm_cmd_help(struct xm_ctx *ctx, struct xm_args *args)
{
	const struct xm_cmd *c;

	if (xm_args_has(args, XM_OPT_LONG_ONLY + 1))
		return xm_complete_list(args->argc ? args->argv[0] : NULL);
	if (args->argc == 0) {
		print_help(stdout, true);
		return XM_EXIT_OK;
	}
	if ((c = find_command(args->argv[0])) == NULL) {
		xm_error("Subcommand %s not found!", args->argv[0]);
		return XM_EXIT_USAGE;
	}
	xm_print_cmd_usage(c, stdout);
	return XM_EXIT_OK;
}

const struct xm_cmd *
xm_find_command(const char *word)
{
	return find_command(word);
}

int
xm_run(int argc, char **argv)
{
	struct xm_ctx ctx = { .prog = "xm" };
	struct xm_args args = { .argv = NULL };
	bool want_help = false;
	int rc;

	if (argc < 2) {
		print_help(stderr, false);
		return XM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		print_help(stdout, true);
		return XM_EXIT_OK;
	}
	ctx.cmd = find_command(argv[1]);
	if (ctx.cmd == NULL) {
		xm_error("Subcommand %s not found!", argv[1]);
		print_help(stderr, false);
		return XM_EXIT_USAGE;
	}
	/* whatever its words, such a command only says why it cannot run */
	if (ctx.cmd->flags & XM_CMD_XEN_ONLY)
		return ctx.cmd->exec(&ctx, &args);
	rc = parse_args(&ctx, argc - 1, argv + 1, &args, &want_help);
	if (rc != 0)
		goto out;
	if (want_help) {
		xm_print_cmd_usage(ctx.cmd, stdout);
		rc = XM_EXIT_OK;
		goto out;
	}
	if ((rc = check_arg_count(&ctx, &args)) != 0)
		goto out;
	xm_rpc_set_operation(ctx.cmd->name, args.argc > 0 ? args.argv[0] : NULL);
	rc = ctx.cmd->exec(&ctx, &args);
out:
	free(args.argv);
	fflush(stdout);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	char **top;
	int rc;

	/* As classic xm: Ctrl-C simply ends the program. */
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (strcmp(prog, "xentop") != 0)
		return xm_run(argc, argv);
	/* called as xentop (a link): xm top, xentop's options alike */
	top = xu_calloc((size_t)argc + 2, sizeof(char *));
	top[0] = (char *)"xm";
	top[1] = (char *)"top";
	memcpy(top + 2, argv + 1, (size_t)(argc - 1) * sizeof(char *));
	rc = xm_run(argc + 1, top);
	free(top);
	return rc;
}
