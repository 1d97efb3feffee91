/* complete.c: what the bash completion script (etc/bash-completion/xm)
 * and xm shell complete, read from the command table so neither can
 * drift from it: the commands, each command's options, and the kind of
 * each of its arguments (a domain, a file, a host). */
#include <stdio.h>
#include <string.h>

#include "xm.h"

/* The kind of argument a word of an argstring names ("<Domain>",
 * "[Domain, ...]", "<ConfigFile>", "<Host>"), or NULL for none we
 * complete. */
static const char *
arg_kind(const char *word, size_t len)
{
	static const struct { const char *needle, *kind; } kinds[] = {
		{ "Domain", "domain" }, { "domain", "domain" },
		{ "DOMAIN", "domain" }, { "ConfigFile", "file" },
		{ "CheckpointFile", "file" }, { "Filename", "file" },
		{ "FILE", "file" }, { "Host", "host" },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].needle);
		const char *p;

		for (p = word; p + n <= word + len; p++)
			if (strncmp(p, kinds[i].needle, n) == 0)
				return kinds[i].kind;
	}
	return "other";
}

/* "@args domain host" from "<Domain> <Host>"; "domain..." when the last
 * repeats ("[Domain, ...]"). Option words ("[-l|--long]") are skipped. */
static void
print_args(const char *argstring)
{
	const char *p = argstring;

	fputs("@args", stdout);
	while (*p) {
		const char *end;
		char close;

		if (*p != '<' && *p != '[') {
			p++;
			continue;
		}
		close = *p == '<' ? '>' : ']';
		if ((end = strchr(p, close)) == NULL)
			break;
		if (p[1] != '-' && strncmp(p, "[options]", 9) != 0 &&
		    strncmp(p, "[vars]", 6) != 0) {
			printf(" %s%s", arg_kind(p + 1, (size_t)(end - p - 1)),
			    memmem(p, (size_t)(end - p), "...", 3) ? "..." : "");
		}
		p = end + 1;
	}
	fputc('\n', stdout);
}

int
xm_complete_list(const char *name)
{
	const struct xm_cmd *c;
	const struct xm_opt *o;
	size_t i;

	if (name == NULL) {
		for (i = 0; i < xm_ncommands; i++)
			if (!(xm_commands[i].flags & XM_CMD_XEN_ONLY))
				puts(xm_commands[i].name);
		printf("@confdir %s/xen\n", XEN_SYSCONFDIR);
		return XM_EXIT_OK;
	}
	if ((c = xm_find_command(name)) == NULL)
		return XM_EXIT_USAGE;
	puts("--help");
	for (o = c->opts; o && o->key != 0; o++) {
		if (o->key < XM_OPT_LONG_ONLY)
			printf("-%c\n", o->key);
		if (o->long_name)
			printf("--%s%s\n", o->long_name, o->arg ? "=" : "");
	}
	/* "@optarg -d domain": what an option's value is */
	for (o = c->opts; o && o->key != 0; o++) {
		if (o->arg == NULL)
			continue;
		if (o->key < XM_OPT_LONG_ONLY)
			printf("@optarg -%c %s\n", o->key, arg_kind(o->arg, strlen(o->arg)));
		if (o->long_name)
			printf("@optarg --%s %s\n", o->long_name,
			    arg_kind(o->arg, strlen(o->arg)));
	}
	print_args(c->argstring);
	return XM_EXIT_OK;
}
