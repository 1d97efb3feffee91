/* xenstore.c: the xenstore-* tools, one program named by argv[0]
 * (xenstore-read, -write, -ls, -list, -rm, -exists, -chmod, -watch) or
 * by its first word (xenstore read ...), with Xen's options, output and
 * exit statuses. Several keys go in one transaction, retried on EAGAIN.
 * XENSTORED_PATH names the socket; XENSTORE_RESTRICT=<domid> makes the
 * connection act as that domain (XS_RESTRICT). */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "xs-client.h"
#include "xu.h"

#define PERMS_MAX	16

struct opts {
	bool prefix, tidy, upto, recurse, flat;
	int nr_watches;		/* -1: for ever */
};

struct mode {
	const char *name;
	const char *usage;
	const char *optstring;	/* which of Xen's letters it takes */
	int min_args;
	/* a transaction: never, always, or when more than this many args */
	int txn_over;
	int (*run)(struct xsc *c, uint32_t tx, int argc, char **argv,
	    const struct opts *o);
};

#define TXN_NEVER	INT_MAX
#define TXN_ALWAYS	(-1)

/* Output is kept until the transaction commits: a retry starts over. */
static struct xu_buf out;
static const char *prog_name = "xenstore";

#define output(...)	xu_buf_printf(&out, __VA_ARGS__)

static void
warn_err(int e, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog_name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, ": %s\n", strerror(e));
}

/* Xen's escaping of values for the terminal: printable bytes as they
 * are, backslash doubled, \t \n \r, anything else as \ooo. */
static char *
sanitise(const char *v, size_t len)
{
	struct xu_buf b;
	size_t i;

	xu_buf_init(&b);
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch >= ' ' && ch <= '~' && ch != '\\')
			xu_buf_addc(&b, (char)ch);
		else if (ch == '\\')
			xu_buf_adds(&b, "\\\\");
		else if (ch == '\t')
			xu_buf_adds(&b, "\\t");
		else if (ch == '\n')
			xu_buf_adds(&b, "\\n");
		else if (ch == '\r')
			xu_buf_adds(&b, "\\r");
		else
			xu_buf_printf(&b, "\\%03o", ch);
	}
	return xu_buf_steal(&b);
}

static char *
unsanitise(const char *s, size_t *len)
{
	struct xu_buf b;

	xu_buf_init(&b);
	for (; *s; s++) {
		if (*s != '\\' || s[1] == '\0') {
			xu_buf_addc(&b, *s);
			continue;
		}
		s++;
		switch (*s) {
		case 't': xu_buf_addc(&b, '\t'); break;
		case 'n': xu_buf_addc(&b, '\n'); break;
		case 'r': xu_buf_addc(&b, '\r'); break;
		case '\\': xu_buf_addc(&b, '\\'); break;
		default:
			if (s[0] >= '0' && s[0] <= '7' && s[1] >= '0' && s[1] <= '7' &&
			    s[2] >= '0' && s[2] <= '7') {
				xu_buf_addc(&b, (char)((s[0] - '0') * 64 +
				    (s[1] - '0') * 8 + (s[2] - '0')));
				s += 2;
			} else {
				xu_buf_addc(&b, '\\');
				xu_buf_addc(&b, *s);
			}
		}
	}
	*len = b.len;
	return xu_buf_steal(&b);
}

/* ---- the modes ----------------------------------------------------- */

static int
run_read(struct xsc *c, uint32_t tx, int argc, char **argv, const struct opts *o)
{
	char *v, *shown;
	size_t len;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if ((rc = xsc_read(c, tx, argv[i], &v, &len)) != 0) {
			warn_err(rc, "couldn't read path %s", argv[i]);
			return 1;
		}
		shown = sanitise(v, len);
		if (o->prefix)
			output("%s: ", argv[i]);
		output("%s\n", shown);
		free(shown);
		free(v);
	}
	return 0;
}

static int
run_write(struct xsc *c, uint32_t tx, int argc, char **argv, const struct opts *o)
{
	char *v;
	size_t len;
	int i, rc;

	for (i = 0; i + 1 < argc; i += 2) {
		v = unsanitise(argv[i + 1], &len);
		rc = xsc_write(c, tx, argv[i], v, len);
		free(v);
		if (rc != 0) {
			warn_err(rc, "could not write path %s", argv[i]);
			return 1;
		}
	}
	return 0;
}

static bool
empty_leaf(struct xsc *c, uint32_t tx, const char *path)
{
	char *v, **names;
	size_t len, n;
	bool empty;

	if (xsc_read(c, tx, path, &v, &len) != 0)
		return false;
	free(v);
	if (len != 0 || xsc_directory(c, tx, path, &names, &n) != 0)
		return false;
	empty = n == 0;
	xsc_strings_free(names, n);
	return empty;
}

static int
run_rm(struct xsc *c, uint32_t tx, int argc, char **argv, const struct opts *o)
{
	char *p, *slash;
	int i, rc;

	for (i = 0; i < argc; i++) {
		p = xu_strdup(argv[i]);
		for (;;) {
			if ((rc = xsc_rm(c, tx, p)) != 0) {
				warn_err(rc, "could not remove path %s", p);
				free(p);
				return 1;
			}
			/* -t: also the parents left empty and valueless */
			slash = strrchr(p, '/');
			if (!o->tidy || slash == NULL || slash == p)
				break;
			*slash = '\0';
			if (!empty_leaf(c, tx, p))
				break;
		}
		free(p);
	}
	return 0;
}

static int
run_exists(struct xsc *c, uint32_t tx, int argc, char **argv, const struct opts *o)
{
	char *v;
	size_t len;
	int i;

	for (i = 0; i < argc; i++) {
		if (xsc_read(c, tx, argv[i], &v, &len) != 0)
			return 1;
		free(v);
	}
	return 0;
}

static int
run_list(struct xsc *c, uint32_t tx, int argc, char **argv, const struct opts *o)
{
	char **names;
	size_t n, k;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if ((rc = xsc_directory(c, tx, argv[i], &names, &n)) != 0) {
			warn_err(rc, "could not list path %s", argv[i]);
			return 1;
		}
		for (k = 0; k < n; k++) {
			if (o->prefix)
				output("%s/", argv[i]);
			output("%s\n", names[k]);
		}
		xsc_strings_free(names, n);
	}
	return 0;
}

/* ---- ls ------------------------------------------------------------- */

#define TAG		" = \"...\""
#define TAG_LEN		((int)strlen(TAG))

static int max_width = 80;
static int desired_width = 60;

static void
ls_perms(struct xsc *c, const char *path)
{
	char **p;
	size_t n, i;

	if (xsc_get_perms(c, 0, path, &p, &n) != 0) {
		printf("\n");
		fprintf(stderr, "%s: could not access permissions for %s\n",
		    prog_name, path);
		return;
	}
	fputs("  (", stdout);
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", p[i]);
	putchar(')');
	xsc_strings_free(p, n);
}

static int
ls(struct xsc *c, const char *path, int depth, const struct opts *o)
{
	char **names, *child, *v, *shown;
	size_t n, i, len;
	int width, rc;

	if ((rc = xsc_directory(c, 0, path, &names, &n)) != 0) {
		warn_err(rc, "xs_directory (%s)", path);
		return 1;
	}
	for (i = 0; i < n; i++) {
		child = xu_asprintf("%s%s%s", path,
		    path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
		if (o->flat)
			width = printf("%s", child);
		else
			width = printf("%*s%.*s", depth, "",
			    max_width - TAG_LEN - depth > 0 ?
			    max_width - TAG_LEN - depth : 1, names[i]);
		if (xsc_read(c, 0, child, &v, &len) != 0)
			printf(":");
		else {
			shown = sanitise(v, len);
			if (!o->flat && max_width < width + (int)strlen(shown) + TAG_LEN)
				printf(" = \"%.*s\\...\"", max_width - TAG_LEN - width > 0 ?
				    max_width - TAG_LEN - width : 0, shown);
			else {
				width += printf(" = \"%s\"", shown);
				if (o->prefix)
					for (putchar(' '), width++; width <
					    (desired_width < max_width ? desired_width :
					    max_width); width++)
						putchar(width & 1 ? '.' : ' ');
			}
			free(shown);
			free(v);
		}
		if (o->prefix)
			ls_perms(c, child);
		putchar('\n');
		rc = ls(c, child, depth + 1, o);
		free(child);
		if (rc != 0)
			break;
	}
	xsc_strings_free(names, n);
	return rc;
}

static int
run_ls(struct xsc *c, uint32_t tx, int argc, char **argv, const struct opts *o)
{
	struct winsize ws;
	int i;

	if (o->flat) {
		max_width = INT_MAX / 2;
		desired_width = 0;
	} else if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 2)
		max_width = ws.ws_col - 2;
	if (argc == 0)
		return ls(c, "/", 0, o);
	for (i = 0; i < argc; i++)
		if (ls(c, argv[i], 0, o) != 0)
			return 1;
	return 0;
}

/* ---- chmod and watch -------------------------------------------------- */

static int
chmod_one(struct xsc *c, uint32_t tx, char *path, char **perms, size_t n,
    bool upto, bool recurse)
{
	char **names, *child, *slash;
	size_t k, m;
	int rc;

	if (path[0] == '\0')
		return 0;
	if ((rc = xsc_set_perms(c, tx, path, perms, n)) != 0) {
		warn_err(rc, "Error occurred setting permissions on '%s'", path);
		return 1;
	}
	if (upto && (slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		rc = chmod_one(c, tx, path, perms, n, true, false);
		*slash = '/';
		if (rc != 0)
			return rc;
	}
	if (recurse && xsc_directory(c, tx, path, &names, &m) == 0) {
		for (k = 0, rc = 0; rc == 0 && k < m; k++) {
			child = xu_asprintf("%s/%s", path, names[k]);
			rc = chmod_one(c, tx, child, perms, n, false, true);
			free(child);
		}
		xsc_strings_free(names, m);
		return rc;
	}
	return 0;
}

static int
run_chmod(struct xsc *c, uint32_t tx, int argc, char **argv, const struct opts *o)
{
	struct xsw_perm p;
	int i;

	if (argc - 1 > PERMS_MAX) {
		fprintf(stderr, "%s: Too many permissions specified.  Maximum per "
		    "invocation is %d.\n", prog_name, PERMS_MAX);
		return 1;
	}
	for (i = 1; i < argc; i++) {
		if (!xsw_perm_parse(argv[i], &p)) {
			fprintf(stderr, "%s: Invalid permission specification: '%s'\n",
			    prog_name, argv[i]);
			return 1;
		}
	}
	return chmod_one(c, tx, argv[0], argv + 1, (size_t)argc - 1, o->upto,
	    o->recurse);
}

static int
run_watch(struct xsc *c, uint32_t tx, int argc, char **argv, const struct opts *o)
{
	char *path, *token;
	int i, count, rc;

	for (i = 0; i < argc; i++) {
		if ((rc = xsc_watch(c, argv[i], argv[i])) != 0) {
			warn_err(rc, "Unable to add watch on %s", argv[i]);
			return 1;
		}
	}
	for (count = 0; o->nr_watches < 0 || count < o->nr_watches; count++) {
		if ((rc = xsc_read_watch(c, &path, &token)) != 0) {
			fprintf(stderr, "%s: %s\n", prog_name, xsc_error(c));
			return 1;
		}
		printf("%s\n", path);
		fflush(stdout);
		free(path);
		free(token);
	}
	return 0;
}

static const struct mode modes[] = {
	{ "read", "[-h] [-p] [-s] key [...]", "hps", 1, 1, run_read },
	{ "write", "[-h] [-s] key value [...]", "hs", 2, 2, run_write },
	{ "rm", "[-h] [-s] [-t] key [...]", "hst", 1, TXN_ALWAYS, run_rm },
	{ "exists", "[-h] [-s] key [...]", "hs", 1, TXN_ALWAYS, run_exists },
	{ "list", "[-h] [-p] [-s] key [...]", "hps", 1, TXN_ALWAYS, run_list },
	{ "ls", "[-h] [-f] [-p] [-s] [path]", "hfps", 0, TXN_NEVER, run_ls },
	{ "chmod", "[-h] [-u] [-r] [-s] key <mode [modes...]>", "hurs", 2,
	    TXN_ALWAYS, run_chmod },
	{ "watch", "[-h] [-n NR] key", "hn:s", 1, TXN_NEVER, run_watch },
};

static void __attribute__((noreturn))
usage(const struct mode *m, bool word, const char *prog)
{
	if (m == NULL)
		fprintf(stderr, "Usage: %s <mode> [-h] [...]\n", prog);
	else
		fprintf(stderr, "Usage: %s %s%s%s\n", prog, word ? m->name : "",
		    word ? " " : "", m->usage);
	exit(1);
}

static const struct mode *
find_mode(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(modes[i].name, name) == 0)
			return &modes[i];
	return NULL;
}

static void
parse_opts(const struct mode *m, bool word, int *argc, char ***argv,
    struct opts *o, const char *prog)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "flat", no_argument, NULL, 'f' },
		{ "socket", no_argument, NULL, 's' },
		{ "prefix", no_argument, NULL, 'p' },
		{ "tidy", no_argument, NULL, 't' },
		{ "upto", no_argument, NULL, 'u' },
		{ "recurse", no_argument, NULL, 'r' },
		{ "number", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->nr_watches = -1;
	while ((ch = getopt_long(*argc, *argv, "+hfsptun:r", longopts, NULL)) != -1) {
		if (ch == '?' || ch == 'h' || strchr(m->optstring, ch) == NULL)
			usage(m, word, prog);
		switch (ch) {
		case 'f': o->flat = true; break;
		case 'p': o->prefix = true; break;
		case 't': o->tidy = true; break;
		case 'u': o->upto = true; break;
		case 'r': o->recurse = true; break;
		case 'n': o->nr_watches = atoi(optarg); break;
		case 's': break;	/* the socket is all there is */
		}
	}
	*argc -= optind;
	*argv += optind;
}

/* XENSTORE_RESTRICT=<domid>: act as that domain. */
static void
restrict_from_env(struct xsc *c)
{
	const char *s = getenv("XENSTORE_RESTRICT");
	int64_t id;
	int rc;

	if (s == NULL || *s == '\0')
		return;
	if (xu_parse_int64(s, &id) != XU_OK || id < 0 || id > UINT32_MAX)
		errx(1, "XENSTORE_RESTRICT=%s: not a domain id", s);
	if ((rc = xsc_restrict(c, (uint32_t)id)) != 0)
		errx(1, "cannot act as domain %s: %s", s, strerror(rc));
}

int
main(int argc, char **argv)
{
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const struct mode *m;
	struct xsc *c;
	struct opts o;
	bool word = false, txn;
	uint32_t tx = 0;
	char why[256];
	int rc, end;

	prog_name = prog;
	if (strncmp(prog, "xenstore-", 9) == 0)
		m = find_mode(prog + 9);
	else {
		if (argc < 2)
			usage(NULL, false, prog);
		word = true;
		m = find_mode(argv[1]);
		argc--;
		argv++;
	}
	if (m == NULL)
		errx(1, "unknown mode %s", word ? argv[0] : prog);
	parse_opts(m, word, &argc, &argv, &o, prog);
	if (argc < m->min_args || (m->run == run_write && argc % 2 != 0))
		usage(m, word, prog);
	txn = m->txn_over == TXN_ALWAYS || argc > m->txn_over;
	if ((c = xsc_open(NULL, why, sizeof(why))) == NULL)
		errx(1, "%s", why);
	restrict_from_env(c);
	xu_buf_init(&out);
	for (;;) {
		if (txn && (rc = xsc_txn_start(c, &tx)) != 0)
			errx(1, "couldn't start transaction: %s", strerror(rc));
		rc = m->run(c, tx, argc, argv, &o);
		if (!txn)
			break;
		end = xsc_txn_end(c, tx, rc == 0);
		if (end == 0 || rc != 0)
			break;
		if (end != EAGAIN)
			errx(1, "couldn't end transaction: %s", strerror(end));
		out.len = 0;		/* somebody else changed things: again */
	}
	if (out.len > 0)
		fwrite(out.data, 1, out.len, stdout);
	xu_buf_dispose(&out);
	xsc_close(c);
	return rc;
}
