/* main.c: xend's entry point: the command line, then the job it names:
 * -n (the configuration check) or a daemon command (daemon.c). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-check.h"
#include "daemon.h"

static const char usage_line[] = "usage: xend {start|stop|reload|restart|status}";

static void
usage(FILE *fp)
{
	fprintf(fp, "%s\n"
	    "       xend [--root DIR] [-f FILE] [-F] start\n"
	    "       xend -n [--root DIR] [-f FILE]\n"
	    "\n"
	    "  -F, --foreground   start: serve in the foreground, logging to stderr too\n"
	    "  -n, --dryrun       print the effective configuration and exit\n"
	    "  -f, --config FILE  read FILE instead of $XEND_CONFIG or the default\n"
	    "      --root DIR     find the configuration and every default path\n"
	    "                     under DIR\n"
	    "  -h, --help         show this help\n", usage_line);
}

static bool
is_daemon_command(const char *cmd)
{
	static const char *const cmds[] = {
		"start", "stop", "reload", "restart", "status",
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i]) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dryrun", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'f' },
		{ "root", required_argument, NULL, 'r' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xend_cmdline cl = { NULL, NULL, NULL, false };
	const char *config = NULL, *root = NULL;
	bool check = false;
	int c;

	while ((c = getopt_long(argc, argv, "nf:Fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			cl.foreground = true;
			break;
		case 'n':
			check = true;
			break;
		case 'f':
			config = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (check) {
		if (optind < argc) {
			fprintf(stderr, "xend: -n takes no command: %s\n", argv[optind]);
			return 1;
		}
		return xend_config_check(config, root, stdout, stderr);
	}
	if (optind >= argc) {
		fprintf(stderr, "%s\n", usage_line);
		return 1;
	}
	if (!is_daemon_command(argv[optind])) {
		fprintf(stderr, "not an option: %s\n", argv[optind]);
		return 1;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "not an option: %s\n", argv[optind + 1]);
		return 1;
	}
	cl.command = argv[optind];
	cl.root = root;
	cl.config = config;
	return xend_daemon_command(&cl);
}
