/* xend-options.h: xend-config.sxp, read the classic way (first form of a
 * name wins, code defaults for the rest) into typed, checked values. */
#ifndef XEND_OPTIONS_H
#define XEND_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xu.h"
#include "xv.h"

/* The build passes these from configure; the fallbacks serve programs
 * built outside it (fuzz targets). */
#ifndef XEN_SYSCONFDIR
#define XEN_SYSCONFDIR		"/etc"
#endif
#ifndef XEN_LOCALSTATEDIR
#define XEN_LOCALSTATEDIR	"/var"
#endif
#ifndef XEN_RUNSTATEDIR
#define XEN_RUNSTATEDIR		XEN_LOCALSTATEDIR "/run"
#endif

/* Where the file lives unless XEND_CONFIG or the caller says otherwise
 * (the root prefix, when given, goes in front of it). */
#define XEND_CONFIG_DEFAULT	XEN_SYSCONFDIR "/xen/xend-config.sxp"
#define XEND_CONFIG_ENV		"XEND_CONFIG"
/* xend's run directory (sockets); fixed in code, rooted by the caller
 * with xend_opts_rooted(). */
#define XEND_RUN_DIR		XEN_RUNSTATEDIR "/xend"

enum xend_opt_type {
	XEND_OPT_BOOL,		/* yes y 1 on true t / no n 0 off false f */
	XEND_OPT_INT,		/* decimal */
	XEND_OPT_STRING,
	XEND_OPT_PATH,		/* a string; a default path takes the root prefix */
	XEND_OPT_LIST,		/* an SXP list, kept as it was read */
	XEND_OPT_LOGLEVEL,	/* DEBUG INFO WARNING ERROR CRITICAL */
	XEND_OPT_ENUM,		/* one of def->choices */
};

struct xend_options;

/* One row of the option table. */
struct xend_opt_def {
	const char *name;
	enum xend_opt_type type;
	/* The code default spelled as the file would spell it; NULL when the
	 * option is unset by default (classic None). */
	const char *def;
	const char *const *choices;	/* XEND_OPT_ENUM and XEND_OPT_LOGLEVEL */
	/* Extra check after the type conversion; returns NULL when the value
	 * is fine, else what was expected ("port 1-65535"), which the reader
	 * turns into "invalid xend config NAME: expected WHAT: VALUE". */
	char *(*check)(const struct xv *raw, int64_t i, const char *s);
	/* A default that depends on other options (enable-dom0-ballooning). */
	const char *(*dyn_def)(const struct xend_options *opts);
	const char *help;		/* one line, for the man page and -h */
};

/* The option table, in the order `xend -n` and `xm info -c` print it. */
size_t xend_opt_count(void);
const struct xend_opt_def *xend_opt_def_at(size_t i);
const struct xend_opt_def *xend_opt_def_find(const char *name);

/* What the reader had to say, each tied to a line of the file. */
enum xend_diag_level {
	XEND_DIAG_NOTE,
	XEND_DIAG_WARNING,
	XEND_DIAG_ERROR,
};

struct xend_diag {
	enum xend_diag_level level;
	int line;		/* 0 when it concerns the whole file */
	char *msg;
};

struct xend_diags {
	char *file;		/* the path that was read */
	struct xend_diag *items;
	size_t n, cap;
	size_t nerrors;
};

void xend_diags_init(struct xend_diags *d);
void xend_diags_dispose(struct xend_diags *d);
/* "FILE:LINE: MESSAGE" for errors, "FILE:LINE: warning: MESSAGE" and
 * "FILE: note: MESSAGE" for the others; the line part is left out when 0.
 * Caller frees. */
char *xend_diag_format(const struct xend_diags *d, size_t i);

/* Picks the file to read: path if given, else $XEND_CONFIG, else root +
 * XEND_CONFIG_DEFAULT. An explicit path or $XEND_CONFIG is taken as it is,
 * so a test can point at any file. Caller frees. */
char *xend_options_path(const char *path, const char *root);

/* Reads the configuration. path and root as for xend_options_path; root
 * (NULL or "" for none) is also put in front of every default path, so a
 * private xend under a temporary root touches nothing outside it. A
 * missing file is not an error: every option takes its default and diags
 * gets a note. Every problem found is added to diags (the caller inits
 * and disposes it). Returns XU_OK and *out, or a negative XU_ERR_* when
 * anything is in error (*out is then NULL): XU_ERR_SYNTAX for a file that
 * is not SXP, XU_ERR_INVALID for bad values, XU_ERR_IO when unreadable. */
int xend_options_load(struct xend_options **out, const char *path,
    const char *root, struct xend_diags *diags);
/* The same from a buffer; file names the buffer in diags. */
int xend_options_parse(struct xend_options **out, const char *buf,
    size_t len, const char *file, const char *root, struct xend_diags *diags);
void xend_options_free(struct xend_options *opts);

/* Typed getters by option name. An unknown name, a name of another type
 * or an unset value gives false, 0 or NULL: these are programming errors,
 * and the unit tests cover every name the program uses. */
bool xend_opt_bool(const struct xend_options *opts, const char *name);
int64_t xend_opt_int(const struct xend_options *opts, const char *name);
/* STRING, PATH, LOGLEVEL and ENUM options. */
const char *xend_opt_str(const struct xend_options *opts, const char *name);
const struct xv *xend_opt_list(const struct xend_options *opts, const char *name);
/* False when the option has no value at all (classic None). */
bool xend_opt_is_set(const struct xend_options *opts, const char *name);
/* The line of the form that gave the value, 0 for a default. */
int xend_opt_line(const struct xend_options *opts, const char *name);

/* The root given to load ("" for none), and root + abs for paths that
 * are fixed in code, such as XEN_RUNSTATEDIR "/xend". Caller frees. */
const char *xend_opts_root(const struct xend_options *opts);
char *xend_opts_rooted(const struct xend_options *opts, const char *abs);

/* The effective configuration: a list of one (name value) form per option
 * in table order, (name) for an unset option. It reads back to the same
 * values. Caller frees. */
struct xv *xend_options_to_sxp(const struct xend_options *opts);
/* The value of option i as classic `xm info -c` printed a Python value:
 * True/False, decimal ints, strings as they are, lists as Python
 * reprs ([['unix']]) and "(none)" when unset. Caller frees. */
char *xend_opt_text(const struct xend_options *opts, size_t i);

#endif
