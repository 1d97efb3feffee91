/* xm.h: the xm command framework. Commands are data (struct xm_cmd); the
 * framework finds the command, parses its options, checks argument counts
 * and prints usage, so handlers only do their job. */
#ifndef XM_H
#define XM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses. Classic xm used 1 for usage errors too; we keep 1 for
 * failures and 3 for an unknown domain (the fault code), and give usage
 * errors their own 2 so scripts can tell a typo from a failure. */
enum xm_exit {
	XM_EXIT_OK = 0,
	XM_EXIT_ERROR = 1,
	XM_EXIT_USAGE = 2,
	XM_EXIT_NO_DOMAIN = 3,
};

/* Option keys: a short option character, or one of these for options
 * that exist only in long form. */
enum {
	XM_OPT_LONG_ONLY = 256,
	/* --json, the same key in every command that has it (docs/JSON.md) */
	XM_OPT_JSON = XM_OPT_LONG_ONLY + 100,
};

struct xm_opt {
	int key;		/* 'l', or XM_OPT_LONG_ONLY + n */
	const char *long_name;	/* "long", or NULL */
	const char *arg;	/* argument name ("STATE"), NULL for a flag */
	const char *help;
};

#define XM_MAX_OPTVALS 64

struct xm_args {
	int argc;		/* positional arguments, "--" removed */
	char **argv;
	/* every option occurrence in order, for repeatable options */
	size_t nopts;
	struct {
		int key;
		const char *value;
	} opts[XM_MAX_OPTVALS];
};

bool xm_args_has(const struct xm_args *a, int key);
/* The last value given for key, or NULL. */
const char *xm_args_get(const struct xm_args *a, int key);

struct xm_cmd;

struct xm_ctx {
	const char *prog;		/* "xm" */
	const struct xm_cmd *cmd;
};

enum {
	XM_CMD_COMMON = 1 << 0,		/* listed in the short help */
	/* Needs a Xen hypervisor: says so and exits 1 (cmd-xenonly.c);
	 * listed apart in the full help, never completed. */
	XM_CMD_XEN_ONLY = 1 << 1,
};

struct xm_cmd {
	const char *name;
	const char *argstring;		/* "<Domain> [-l|--long]" */
	const char *help;		/* one-line description */
	const struct xm_opt *opts;	/* terminated by key 0; may be NULL */
	int min_args, max_args;		/* max -1: no limit */
	int (*exec)(struct xm_ctx *ctx, struct xm_args *args);
	unsigned flags;
};

/* The command table (commands.c) and deprecated aliases. */
extern const struct xm_cmd xm_commands[];
extern const size_t xm_ncommands;

struct xm_alias {
	const char *old_name, *new_name;
};
extern const struct xm_alias xm_aliases[];
extern const size_t xm_naliases;

/* Messages: "Error: ..." on stderr. */
void xm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs one xm command line (argv[0] is "xm"), as main does: lookup,
 * options, argument count, handler; returns the exit status. xm shell
 * runs each of its lines through it. */
int xm_run(int argc, char **argv);
/* The command a word names (exact, deprecated alias, unique prefix). */
const struct xm_cmd *xm_find_command(const char *word);
/* Prints "Usage: xm <cmd> <argstring>", the description and options. */
void xm_print_cmd_usage(const struct xm_cmd *cmd, FILE *fp);
/* Reports a usage error for the current command and returns XM_EXIT_USAGE. */
int xm_usage_error(struct xm_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Handlers, one file per command group. */
int xm_cmd_create(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_info(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_help(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-events.c */
int xm_cmd_events(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-log.c */
int xm_cmd_log(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_dmesg(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-list.c, cmd-uptime.c, cmd-console.c */
int xm_cmd_list(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_uptime(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_console(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_vncviewer(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_sysrq(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_dump_core(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_trigger(struct xm_ctx *ctx, struct xm_args *args);
/* Runs a VNC viewer on dom's display (cmd-vnc.c); detach: in the
 * background. */
int xm_vncviewer(const char *dom, bool detach, bool autopass);
/* cmd-domain.c */
int xm_cmd_destroy(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_pause(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_unpause(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_reset(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_rename(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_domid(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_domname(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_domstate(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-migrate.c */
int xm_cmd_migrate(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-create.c: xm new */
int xm_cmd_new(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-mem.c, cmd-vcpu.c, cmd-sched.c */
int xm_cmd_mem_set(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_mem_max(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_vcpu_set(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_vcpu_list(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_vcpu_pin(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_sched_credit(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-managed.c */
int xm_cmd_start(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_delete(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_suspend(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_resume(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_save(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_restore(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-device.c */
int xm_cmd_network_attach(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_network_detach(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_network_list(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_block_attach(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_block_configure(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_block_detach(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_block_list(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-top.c */
int xm_cmd_top(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-shell.c */
int xm_cmd_shell(struct xm_ctx *ctx, struct xm_args *args);
/* cmd-xenonly.c */
int xm_cmd_xen_only(struct xm_ctx *ctx, struct xm_args *args);
/* complete.c: xm help --complete [CMD], for the bash completion script. */
int xm_complete_list(const char *cmd);
/* cmd-shutdown.c */
int xm_cmd_shutdown(struct xm_ctx *ctx, struct xm_args *args);
int xm_cmd_reboot(struct xm_ctx *ctx, struct xm_args *args);

#endif
