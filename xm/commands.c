/* commands.c: the table of xm subcommands and their deprecated aliases. */
#include "xm.h"

static const struct xm_opt create_opts[] = {
	{ 'n', "dryrun", NULL, "Dry run - prints the resulting configuration in SXP but does not create the domain." },
	{ 'q', "quiet", NULL, "Quiet." },
	{ 'p', "paused", NULL, "Leave the domain paused after it is created." },
	{ 'c', "console_autoconnect", NULL, "Connect to the console after the domain is created." },
	{ 'f', "defconfig", "FILE", "Use the given Python configuration script. The configuration script is loaded after arguments have been processed." },
	{ 'F', "config", "FILE", "Domain configuration to use (SXP). SXP is the underlying configuration format used by Xen." },
	{ XM_OPT_LONG_ONLY + 1, "path", "PATH", "Search path for configuration scripts. The value of PATH is a colon-separated directory list." },
	{ XM_OPT_LONG_ONLY + 2, "help_config", NULL, "Print the available configuration variables (vars) for the configuration script." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt info_opts[] = {
	{ 'c', "config", NULL, "List Xend configuration parameters" },
	{ 'n', "numa", NULL, "Numa info" },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt dmesg_opts[] = {
	{ 'c', "clear", NULL, "Clear Xend's message buffer." },
	{ 0, NULL, NULL, NULL },
};

const struct xm_cmd xm_commands[] = {
	{ "create", "<ConfigFile> [options] [vars]", "Create a domain based on <ConfigFile>.",
	  create_opts, 0, -1, xm_cmd_create, XM_CMD_COMMON },
	{ "dmesg", "[-c|--clear]", "Read and/or clear Xend's message buffer.",
	  dmesg_opts, 0, 0, xm_cmd_dmesg, 0 },
	{ "help", "[<Subcommand>]", "Display help for xm or for one subcommand.",
	  NULL, 0, 1, xm_cmd_help, XM_CMD_COMMON },
	{ "info", "[-c|--config] [-n|--numa]", "Get information about Xen host.",
	  info_opts, 0, 0, xm_cmd_info, XM_CMD_COMMON },
	{ "log", "", "Print Xend log",
	  NULL, 0, 0, xm_cmd_log, 0 },
};
const size_t xm_ncommands = sizeof(xm_commands) / sizeof(xm_commands[0]);

const struct xm_alias xm_aliases[] = {
	{ "balloon", "mem-set" },
	{ "set-vcpus", "vcpu-set" },
	{ "vif-list", "network-list" },
	{ "vbd-create", "block-attach" },
	{ "vbd-destroy", "block-detach" },
	{ "vbd-list", "block-list" },
};
const size_t xm_naliases = sizeof(xm_aliases) / sizeof(xm_aliases[0]);
