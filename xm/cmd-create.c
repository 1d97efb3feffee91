/* cmd-create.c: xm create: finds and evaluates a domain config (or reads an
 * SXP one with -F), applies VAR=VALUE words and builds the (vm ...) SXP;
 * -n prints it, otherwise xend creates the domain, paused, and xm waits
 * for its devices and unpauses it. Reference sections 2.1 and 4. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootmenu.h"
#include "console.h"
#include "domcfg.h"
#include "dominfo.h"
#include "pyeval.h"
#include "sxp.h"
#include "xm.h"
#include "xu.h"

#define DEFAULT_CONFIG	"xmdefconfig"
#define DEFAULT_PATH	".:" XEN_SYSCONFDIR "/xen"

enum {
	OPT_PATH = XM_OPT_LONG_ONLY + 1,
	OPT_HELP_CONFIG = XM_OPT_LONG_ONLY + 2,
};

struct create {
	const char *name;	/* the config file as the user named it */
	char *path;		/* where it was found, for messages */
	char *src;		/* its contents */
	size_t len;
	char **vars;		/* VAR=VALUE words, in order */
	int nvars;
	bool dryrun, quiet, paused, console, vncviewer, autopass;
	bool define;		/* xm new: stored as a managed domain */
};

static bool
is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* Classic lookup: the name as given, then under each --path directory. */
static char *
find_config(const char *name, const char *search)
{
	char *dirs, *dir, *save = NULL, *p = NULL;

	if (is_file(name))
		return xu_strdup(name);
	if (name[0] == '/')
		return NULL;
	dirs = xu_strdup(search);
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		p = xu_asprintf("%s/%s", dir, name);
		if (is_file(p))
			break;
		free(p);
		p = NULL;
	}
	free(dirs);
	return p;
}

/* VAR of a VAR=VALUE word: a Python name, spaces around allowed. */
static bool
valid_var(const char *w)
{
	const char *eq = strchr(w, '=');

	while (*w == ' ' || *w == '\t')
		w++;
	if (!(isalpha((unsigned char)*w) || *w == '_'))
		return false;
	while (isalnum((unsigned char)*w) || *w == '_')
		w++;
	while (*w == ' ' || *w == '\t')
		w++;
	return w == eq;
}

/* Splits the words: VAR=VALUE settings and at most one file name. */
static int
sort_words(struct xm_ctx *ctx, struct xm_args *args, struct create *c)
{
	const char *f = xm_args_get(args, 'f');
	int i;

	c->vars = xu_calloc((size_t)args->argc + 1, sizeof(char *));
	c->name = f;
	for (i = 0; i < args->argc; i++) {
		const char *w = args->argv[i];

		if (strchr(w, '=') != NULL) {
			if (!valid_var(w))
				return xm_usage_error(ctx, "'%s': a setting is NAME=VALUE "
				    "with NAME a setting or variable name", w);
			c->vars[c->nvars++] = args->argv[i];
			continue;
		}
		if (c->name != NULL)
			return xm_usage_error(ctx, "unexpected argument '%s': give "
			    "one config file (settings are VAR=VALUE)", w);
		c->name = w;
	}
	if (xm_args_has(args, 'F') && c->name != NULL)
		return xm_usage_error(ctx, "-F reads an SXP config; a Python "
		    "config file cannot be given too");
	if (xm_args_has(args, 'F') && c->nvars > 0)
		return xm_usage_error(ctx, "VAR=VALUE settings cannot be applied "
		    "to an SXP config (-F)");
	if (c->name == NULL)
		c->name = DEFAULT_CONFIG;
	return 0;
}

static int
read_config(struct create *c, const char *search)
{
	int rc;

	if ((c->path = find_config(c->name, search)) == NULL) {
		xm_error("Unable to open config file: %s", c->name);
		return XM_EXIT_ERROR;
	}
	rc = xu_read_file(c->path, PYEVAL_MAX_SOURCE, &c->src, &c->len);
	if (rc == XU_ERR_TOO_BIG) {
		xm_error("%s: a config file is at most %u bytes", c->path,
		    PYEVAL_MAX_SOURCE);
		return XM_EXIT_ERROR;
	}
	if (rc != XU_OK) {
		xm_error("Unable to read config file %s: %s", c->path,
		    strerror(errno));
		return XM_EXIT_ERROR;
	}
	return XM_EXIT_OK;
}

/* Takes a domain that failed half-way out again, so that nothing is left
 * of it; the error that caused this has been printed. */
static void
remove_domain(const char *domid)
{
	struct xm_rpc_err err;

	if (xm_dom_try("xend.domain.destroy", domid, NULL, NULL, &err) !=
	    XM_RPC_OK && !xm_rpc_no_domain(&err)) {
		xm_error("domain %s could not be removed after the failure; "
		    "remove it with xm destroy:", domid);
		xm_report(&err);
	}
}

/* Between the create and the unpause an interrupt would leave a paused,
 * half-made domain: the first SIGINT, SIGTERM or SIGHUP is held until the
 * step under way ends, the domain is removed, and xm then dies of the
 * signal. A second one kills at once (SA_RESETHAND). */
static const int held_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NHELD	(sizeof(held_signals) / sizeof(held_signals[0]))
static volatile sig_atomic_t interrupted;

static void
on_interrupt(int signo)
{
	interrupted = signo;
}

static void
hold_signals(struct sigaction old[NHELD])
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NHELD; i++)
		sigaction(held_signals[i], &sa, &old[i]);
}

static void
release_signals(const struct sigaction old[NHELD])
{
	size_t i;

	for (i = 0; i < NHELD; i++)
		sigaction(held_signals[i], &old[i], NULL);
}

/* Dies of signo as if it had not been held: by the default action, even
 * if the signal was blocked or ignored when xm started; the status a
 * shell sees is 128 + signo either way. */
static void
die_of(int signo)
{
	sigset_t set;

	fflush(stdout);
	signal(signo, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, signo);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(signo);
	_exit(128 + signo);
}

/* With -c the console is connected while the domain is still paused, so
 * the guest's very first output reaches it. */
static int
attach_early(struct xm_dominfo *di, int *fd)
{
	struct xv *full;
	int rc;

	if ((rc = xm_get_domain(di->domid, true, &full)) != XM_EXIT_OK)
		return rc;
	rc = xm_console_open(di->name, full, false, fd);
	xv_free(full);
	return rc;
}

/* xend went away in the middle of a step: its connection was lost, or,
 * once the create was answered, a new one is refused. */
static bool
xend_gone(const struct xm_rpc_err *err, bool created)
{
	return err->status == XM_RPC_IO ||
	    (created && err->status == XM_RPC_CONNECT) ||
	    (err->status == XM_RPC_HTTP && err->http_status == 0);
}

/* A step of the create failed: says so. When xend went away, what became
 * of the domain is xend's to say once it is back: it holds the create for
 * this process, and rolls it back when this process has ended (unless
 * the domain was already unpaused). */
static int
step_failed(const struct xm_rpc_err *err, const char *name, bool created)
{
	if (!xend_gone(err, created))
		return xm_report(err);
	xm_error("xend went away while creating %s (%s); once it is back, "
	    "`xm list %s` shows the outcome: a create left unfinished is "
	    "rolled back", name, err->msg, name);
	return XM_EXIT_ERROR;
}

/* One step on the new domain; err says why it failed. */
static int
step(const char *method, const struct xm_dominfo *di, const char *name,
    struct xm_rpc_err *err)
{
	if (xm_dom_try(method, di->domid, NULL, NULL, err) == XM_RPC_OK)
		return XM_EXIT_OK;
	return step_failed(err, name, true);
}

/* Whether the config's HVM image says vncconsole = 1. */
static bool
vncconsole(const struct xv *vm)
{
	const struct xv *img = xv_at(xv_child(vm, "image"), 1);
	const struct xv *v = xv_child_value(img, "vncconsole");

	if (v != NULL && v->type == XV_INT)
		return v->u.i != 0;
	return xv_string(v) != NULL && strcmp(xv_string(v), "0") != 0 &&
	    *xv_string(v) != '\0';
}

/* xm create -c of a pygrub guest: its menu, read from its disk by xend,
 * is shown here as pygrub showed it, and the entry chosen goes to
 * pygrub as bootloader_args --entry=N. Nothing happens when the config
 * gives bootargs of its own or xm has no terminal: the default boots. */
static int
choose_entry(const struct xv *vm, struct xv **out)
{
	const char *bl = xv_string(xv_child_value(vm, "bootloader"));
	const char *args = xv_string(xv_child_value(vm, "bootloader_args"));
	const char *name = xv_string(xv_child_value(vm, "name"));
	struct xv *params, *menu = NULL, *copy, *child;
	size_t len, i;
	long n;
	int rc;

	*out = NULL;
	if (bl == NULL || (len = strlen(bl)) < 6 || strcmp(bl + len - 6, "pygrub") != 0 ||
	    (args != NULL && *args != '\0') || !isatty(STDIN_FILENO) ||
	    !isatty(STDOUT_FILENO))
		return XM_EXIT_OK;
	params = xv_append(xv_list(), xv_copy(vm));
	rc = xm_rpc_call("xend.domain.bootMenu", params, &menu);
	xv_free(params);
	if (rc != XM_EXIT_OK)
		return rc;
	n = xm_boot_menu(menu);
	xv_free(menu);
	if (n == -1) {
		xm_error("boot cancelled: domain '%s' was not created",
		    name != NULL ? name : "?");
		return XM_EXIT_ERROR;
	}
	if (n < 0)
		return XM_EXIT_OK;
	copy = xv_list();
	for (i = 0; i < xv_len(vm); i++) {
		child = xv_at(vm, i);
		if (xv_name(child) == NULL || strcmp(xv_name(child), "bootloader_args") != 0)
			xv_append(copy, xv_copy(child));
	}
	xv_append_pair(copy, "bootloader_args", xv_strf("--entry=%ld", n));
	*out = copy;
	return XM_EXIT_OK;
}

/* The classic sequence: xend.domain.create (the domain comes up paused),
 * waitForDevices, unpause unless -p; a failure after the create removes
 * the domain again. xend is told which call finishes the create, and
 * rolls it back if xm ends before (killed, its terminal gone). A console
 * that cannot be attached is not such a failure: as in classic xm, the
 * domain starts and xm says so. */
static int
start_domain(struct create *c, const struct xv *vm)
{
	struct sigaction old[NHELD];
	struct xv *params, *dom = NULL, *chosen = NULL;
	struct xm_dominfo di = { .id = -1 };
	struct xm_rpc_err err = { 0 };
	const char *name = xv_string(xv_child_value(vm, "name"));
	bool started = false;
	int fd = -1, rc, con_rc = XM_EXIT_OK;

	if (c->console && (rc = choose_entry(vm, &chosen)) != XM_EXIT_OK)
		return rc;
	if (chosen != NULL)
		vm = chosen;
	if (name == NULL)
		name = "the domain";
	interrupted = 0;
	hold_signals(old);
	params = xv_append(xv_list(), xv_copy(vm));
	xv_append(params, xv_str(c->paused ? "waitForDevices" : "unpause"));
	if (xm_rpc_invoke(xm_rpc_server_uri(), "xend.domain.create", params,
	    xm_rpc_timeout(), &dom, &err) != XM_RPC_OK) {
		xv_free(params);
		rc = step_failed(&err, name, false);
		goto out;
	}
	xv_free(params);
	xm_dominfo_parse(dom, &di);
	if (di.id < 0) {
		xm_error("xend created domain '%s' but did not say its id",
		    di.name);
		rc = XM_EXIT_ERROR;
		goto out;
	}
	rc = XM_EXIT_OK;
	if (!interrupted)
		rc = step("xend.domain.waitForDevices", &di, di.name, &err);
	if (rc == XM_EXIT_OK && c->console && !interrupted)
		con_rc = attach_early(&di, &fd);
	if (rc == XM_EXIT_OK && !c->paused && !interrupted)
		rc = step("xend.domain.unpause", &di, di.name, &err);
	if ((rc != XM_EXIT_OK && !xend_gone(&err, true)) || interrupted)
		remove_domain(di.domid);
	else if (rc == XM_EXIT_OK)
		started = true;
out:
	release_signals(old);
	if (started && !c->quiet)
		printf("Started domain %s (id=%s)\n", di.name, di.domid);
	if (interrupted)
		die_of(interrupted);
	/* the viewer runs beside the console, or on its own; an HVM config's
	 * vncconsole = 1 asks for it as --vncviewer does */
	if (started && (c->vncviewer || vncconsole(vm)))
		(void)xm_vncviewer(di.name, true, c->autopass);
	if (started && fd >= 0) {
		rc = xm_console_session(fd);
		fd = -1;
	} else if (started)
		rc = con_rc;
	if (fd >= 0)
		close(fd);
	xv_free(dom);
	xv_free(chosen);
	return rc;
}

/* xm new: xend keeps the config as a managed domain, not started. */
static int
define_domain(const struct xv *vm)
{
	struct xv *params = xv_append(xv_list(), xv_copy(vm)), *res = NULL;
	int rc;

	rc = xm_rpc_call("xend.domain.new", params, &res);
	xv_free(params);
	xv_free(res);
	return rc;
}

/* -n prints the config; otherwise the domain is made from it. */
static int
use_config(struct create *c, const struct xv *vm)
{
	char *text;

	if (!c->dryrun && c->define)
		return define_domain(vm);
	if (!c->dryrun)
		return start_domain(c, vm);
	text = sxp_pretty(vm, 80);
	fputs(text, stdout);
	free(text);
	return XM_EXIT_OK;
}

/* -F FILE: a (vm ...) SXP instead of a Python config. */
static int
create_from_sxp(const char *file, struct create *c)
{
	struct xv *forms = NULL, *vm;
	struct xu_err err = { 0 };
	int rc = XM_EXIT_ERROR;

	c->name = file;
	if (read_config(c, "") != XM_EXIT_OK)
		return XM_EXIT_ERROR;
	if (sxp_parse(c->src, c->len, &forms, &err) != XU_OK) {
		xm_error("%s:%d: %s", c->path, err.line, err.msg);
		return XM_EXIT_ERROR;
	}
	vm = xv_at(forms, 0);
	if (vm == NULL || xv_name(vm) == NULL || strcmp(xv_name(vm), "vm") != 0) {
		xm_error("%s: expected a (vm ...) domain config%s%s%s", c->path,
		    xv_name(vm) ? ", got (" : "", xv_name(vm) ? xv_name(vm) : "",
		    xv_name(vm) ? " ...)" : "");
		goto out;
	}
	rc = use_config(c, vm);
out:
	xv_free(forms);
	return rc;
}

/* VAR=VALUE: an option overrides the file; anything else is a script
 * variable, defined before the file runs (vmid=3). */
static int
apply_vars(struct create *c, struct pyeval *pe, struct domcfg *dc)
{
	struct xu_err err = { 0 };
	int i;

	for (i = 0; i < c->nvars; i++) {
		char *w = c->vars[i], *eq = strchr(w, '=');
		char *name = xu_strndup(w, (size_t)(eq - w)), *n = name, *e;
		const char *val = eq + 1;
		struct xv *v;

		while (*n == ' ' || *n == '\t')
			n++;
		for (e = n + strlen(n); e > n && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		while (*val == ' ' || *val == '\t')
			val++;
		if (domcfg_is_option(n)) {
			if (domcfg_set_option(dc, n, val, &err) != XU_OK) {
				xm_error("%s", err.msg);
				free(name);
				return XM_EXIT_ERROR;
			}
			pyeval_define(pe, n, xv_struct_get(dc->overrides, n));
		} else {
			v = xv_str(val);
			pyeval_define(pe, n, v);
			xv_free(v);
			domcfg_add_quiet(dc, n);
		}
		free(name);
	}
	return XM_EXIT_OK;
}

/* --help_config: the variables the script declares with xm_vars.var(). */
static int
help_config(struct create *c, struct pyeval *pe)
{
	struct xu_err err = { 0 };
	struct xv *vars;
	size_t i;

	pyeval_set_help_mode(pe, true);
	(void)pyeval_run(pe, c->src, c->len, &err);	/* as classic: keep going */
	vars = pyeval_declared_vars(pe);
	if (xv_len(vars) == 0)
		printf("%s declares no configuration variables.\n", c->path);
	for (i = 0; i < xv_len(vars); i++) {
		const struct xv *d = xv_at(vars, i);

		printf("%-12s %s\n", xv_string(xv_at(d, 0)),
		    xv_string(xv_at(d, 1)) ? xv_string(xv_at(d, 1)) : "");
	}
	xv_free(vars);
	return XM_EXIT_OK;
}

static void
print_warnings(const struct domcfg *dc)
{
	size_t i;

	for (i = 0; i < xv_len(dc->warnings); i++)
		xm_warn("%s", xv_string(xv_at(dc->warnings, i)));
}

static void
print_err(const char *path, const struct xu_err *err)
{
	if (err->line > 0)
		xm_error("%s:%d: %s", path, err->line, err->msg);
	else
		xm_error("%s: %s", path, err->msg);
}

/* The environment classic xm passed on for SDL output. */
static char *
xauthority(void)
{
	const char *x = getenv("XAUTHORITY"), *home = getenv("HOME");

	if (x && *x)
		return xu_strdup(x);
	return home && *home ? xu_asprintf("%s/.Xauthority", home) : NULL;
}

static int
build(struct create *c, struct pyeval *pe, struct domcfg *dc)
{
	struct xu_err err = { 0 };
	struct xv *exports = NULL, *decl, *vm = NULL;
	size_t i;
	int rc = XM_EXIT_ERROR;

	if (pyeval_run(pe, c->src, c->len, &err) != XU_OK) {
		print_err(c->path, &err);
		return XM_EXIT_ERROR;
	}
	decl = pyeval_declared_vars(pe);
	for (i = 0; i < xv_len(decl); i++)
		domcfg_add_quiet(dc, xv_string(xv_at(xv_at(decl, i), 0)));
	xv_free(decl);
	exports = pyeval_exports(pe);
	if (domcfg_build(dc, exports, c->path, &vm, &err) != XU_OK) {
		print_warnings(dc);
		print_err(c->path, &err);
		goto out;
	}
	print_warnings(dc);
	rc = use_config(c, vm);
out:
	xv_free(vm);
	xv_free(exports);
	return rc;
}

static int
create_from_python(struct create *c, struct xm_args *args)
{
	const char *search = xm_args_get(args, OPT_PATH);
	struct pyeval *pe = NULL;
	struct domcfg dc;
	char *xauth = xauthority(), *shown;
	struct xv *v;
	int rc;

	domcfg_init(&dc);
	if ((rc = read_config(c, search ? search : DEFAULT_PATH)) != XM_EXIT_OK)
		goto out;
	shown = c->path[0] == '/' ? xu_strdup(c->path) :
	    xu_asprintf("./%s", c->path);
	if (!c->quiet)
		printf("Using config file \"%s\".\n", shown);
	if (c->len > 0 && c->src[0] == '<') {
		xm_error("%s: Xen-API XML domain configs are not supported; use a "
		    "Python config or an SXP one (-F)", c->path);
		free(shown);
		rc = XM_EXIT_ERROR;
		goto out;
	}
	pe = pyeval_new(c->path);
	v = xv_str(shown);
	pyeval_define(pe, "xm_file", v);
	xv_free(v);
	free(shown);
	v = xv_int(xm_args_has(args, OPT_HELP_CONFIG));
	pyeval_define(pe, "xm_help", v);
	xv_free(v);
	dc.console = xm_args_has(args, 'c');
	dc.display = getenv("DISPLAY");
	dc.xauthority = xauth;
	if ((rc = apply_vars(c, pe, &dc)) != XM_EXIT_OK)
		goto out;
	if (xm_args_has(args, OPT_HELP_CONFIG))
		rc = help_config(c, pe);
	else
		rc = build(c, pe, &dc);
out:
	if (pe)
		pyeval_free(pe);
	domcfg_dispose(&dc);
	free(xauth);
	return rc;
}

static int
create_or_define(struct xm_ctx *ctx, struct xm_args *args, bool define)
{
	struct create c = { 0 };
	int rc;

	c.define = define;
	if ((rc = sort_words(ctx, args, &c)) != 0)
		goto out;
	c.dryrun = xm_args_has(args, 'n');
	c.quiet = xm_args_has(args, 'q');
	c.paused = xm_args_has(args, 'p');
	c.console = xm_args_has(args, 'c');
	c.vncviewer = xm_args_has(args, XM_OPT_LONG_ONLY + 3);
	c.autopass = xm_args_has(args, XM_OPT_LONG_ONLY + 4);
	if (xm_args_has(args, 'F'))
		rc = create_from_sxp(xm_args_get(args, 'F'), &c);
	else
		rc = create_from_python(&c, args);
out:
	free(c.vars);
	free(c.path);
	free(c.src);
	fflush(stdout);
	return rc;
}

int
xm_cmd_create(struct xm_ctx *ctx, struct xm_args *args)
{
	return create_or_define(ctx, args, false);
}

/* Same parser; -c and -p have no effect (classic). */
int
xm_cmd_new(struct xm_ctx *ctx, struct xm_args *args)
{
	return create_or_define(ctx, args, true);
}
