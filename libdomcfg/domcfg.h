/* domcfg.h: the settings of an xm domain config (reference section 4.3)
 * as one table of keys, each with its type, default and validator, and
 * the builder that turns the evaluated file plus command-line VAR=VALUE
 * overrides into the (vm ...) SXP classic xm's make_config sent (4.6). */
#ifndef DOMCFG_H
#define DOMCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xu.h"
#include "xv.h"

enum domcfg_type {
	DOMCFG_STR,	/* a string; a number is kept as its text */
	DOMCFG_INT,	/* an integer (classic set_int) */
	DOMCFG_FLAG,	/* yes|y|no|n|1|0 on the command line; 0/1 (classic set_bool) */
	DOMCFG_LIST,	/* a list of strings; VAR=VALUE appends (append_value) */
	DOMCFG_INTLIST,	/* a list of integers (irq) */
	DOMCFG_CPUS,	/* "0-3,^1", or a list of such strings, one per VCPU */
};

enum {
	DOMCFG_HVM_ONLY = 1 << 0,	/* means something for builder='hvm' only */
	DOMCFG_NOT_OPTION = 1 << 1,	/* read from the file, but VAR=VALUE makes a
					 * script variable (maxvcpus) */
};

struct xu_err;

struct domcfg_key {
	const char *name;
	enum domcfg_type type;
	const char *def;	/* default as text; NULL: unset (Python None) */
	unsigned flags;
	const char *unit;	/* "MiB" for messages, or NULL */
	int64_t min, max;	/* integer range; both 0: any value */
	const char *const *choices;	/* the allowed strings, or NULL */
	/* Checks a value already converted to the key's type; fills err
	 * with "<key>: <cause>". NULL: any value of the type will do. */
	int (*check)(const struct domcfg_key *key, const struct xv *v,
	    struct xu_err *err);
	/* For device lists: the parser of one entry (devspec.h), so a
	 * VAR=VALUE entry is checked before the file runs. */
	int (*spec)(const char *entry, struct xv *devs, struct xu_err *err);
};

extern const struct domcfg_key domcfg_keys[];
extern const size_t domcfg_nkeys;

const struct domcfg_key *domcfg_find_key(const char *name);

/* The key's default converted to its type, or NULL when it has none. */
struct xv *domcfg_default(const struct domcfg_key *key);

/* Converts a value from the file (any pyeval type) to the key's type and
 * checks it; *out is new. Strings of digits are integers, as xend's int()
 * took them; a number given for a string key becomes its text. */
int domcfg_convert(const struct domcfg_key *key, const struct xv *v,
    struct xv **out, struct xu_err *err);

/* cpuid / cpuid_check entries "IN[,SUBIN]:eax=V,ebx=V,..." as the
 * XV_STRUCT {input: {register: value}} classic xm sent. */
int domcfg_cpuid(const char *key, const struct xv *list, struct xv **st,
    struct xu_err *err);

/* True when VAR=VALUE on the command line sets this option (and so takes
 * precedence over the file); false for script variables such as vmid. */
bool domcfg_is_option(const char *name);

/* The known key closest to an unknown name: same name ignoring case, or
 * at most 2 edits away (1 for names shorter than 6 characters, where 2
 * edits reach unrelated words; swapping two neighbours counts as one
 * edit). NULL when nothing is close. */
const char *domcfg_suggest(const char *name);

/* What xm create knows besides the file. */
struct domcfg {
	struct xv *overrides;	/* XV_STRUCT: option -> value from VAR=VALUE */
	struct xv *quiet;	/* XV_LIST: names that never get "unknown" warnings */
	bool console;		/* -c: bootloader_args '' rather than '-q' */
	const char *display;	/* $DISPLAY, for SDL output; may be NULL */
	const char *xauthority;	/* the caller's X authority file; may be NULL */
	struct xv *warnings;	/* XV_LIST of messages left by domcfg_build */
};

void domcfg_init(struct domcfg *dc);
void domcfg_dispose(struct domcfg *dc);

/* VAR=VALUE for an option: converted through the key's type and checked.
 * A list option starts a new list (replacing the file's) and each repeat
 * appends. Errors: "memory: expected an integer (MiB), got 'lots'". */
int domcfg_set_option(struct domcfg *dc, const char *name, const char *value,
    struct xu_err *err);

/* Names that are the script's own (xm_vars, VAR=VALUE variables). */
void domcfg_add_quiet(struct domcfg *dc, const char *name);

/* Builds the (vm ...) element from pyeval_exports() output. file names the
 * config in messages and gives the default domain name (its base name).
 * Warnings ("file:line: unknown setting 'memroy' (did you mean
 * 'memory'?)") go to dc->warnings; on error err has the line (0 when
 * unknown) and "<key>: <cause>". */
int domcfg_build(struct domcfg *dc, const struct xv *exports, const char *file,
    struct xv **vm, struct xu_err *err);

/* The kernel command line xend gives a PV guest from an image element
 * ((linux ...) or the (image ...) around it): "root=<root> " and
 * "ip=<ip> " in front of args unless args already has them (4.7). */
char *domcfg_kernel_cmdline(const struct xv *image);

#endif
