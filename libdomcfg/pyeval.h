/* pyeval.h: a safe evaluator for the Python subset used by xm domain
 * config files (reference/xm-reference.md section 4.1). It parses and
 * interprets; it never runs code outside its own small language: no
 * imports beyond the os/os.path/re/sys helpers real files use, no I/O,
 * no loops, no attribute access outside those modules.
 *
 * Refused with XU_ERR_UNSUPPORTED: print (a library never prints),
 * os.environ (results must not depend on the caller's environment), the
 * xen.util.ip helpers (they read the host's network setup), loops, class,
 * try, lambda, comprehensions. os.path only stats; re translates Python
 * patterns to POSIX EREs. Work is bounded: steps, recursion, 64 MiB of
 * values per instance, PYEVAL_MAX_STR per string, PYEVAL_MAX_LIST items;
 * integers are 64-bit and overflow is an error. */
#ifndef PYEVAL_H
#define PYEVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "xu.h"
#include "xv.h"

#define PYEVAL_MAX_SOURCE	(1u << 20)	/* bytes of one config file */
#define PYEVAL_MAX_DEPTH	200		/* expression/call nesting */
#define PYEVAL_MAX_STR		(1u << 20)	/* bytes of one string value */
#define PYEVAL_MAX_LIST		100000u		/* items of a list, tuple or dict */

struct pyeval;

/* filename is used in error messages ("file:line: ..."). */
struct pyeval *pyeval_new(const char *filename);
void pyeval_free(struct pyeval *pe);

/* Predefines a global before the script runs (xm_file, xm_help, and
 * VAR=VALUE words that are not options). value: XV_STRING/XV_INT/XV_DOUBLE/
 * XV_BOOL/XV_LIST. Copied. */
void pyeval_define(struct pyeval *pe, const char *name, const struct xv *value);

/* In help mode (xm create --help_config) xm_vars.check() ends the script
 * successfully instead of checking, so the declared variables can be
 * listed even when none was given. */
void pyeval_set_help_mode(struct pyeval *pe, bool help);

/* Runs the script. On error returns a negative XU_ERR_* and fills err with
 * the line and a message without the file name, e.g.
 *   "'while' loops are not supported"
 *   "name 'vmid' is not defined"
 *   "vmid - invalid value 'abc'" (a failed xm_vars check)
 *   "vmid - not set; give it on the command line as vmid=VALUE"
 * XU_ERR_UNSUPPORTED marks constructs outside the subset. */
int pyeval_run(struct pyeval *pe, const char *src, size_t len, struct xu_err *err);

/* The script's top-level variables whose values are str, int, float, bool
 * or list, as an XV_STRUCT in first-assignment order (predefined ones
 * included). str->XV_STRING, int->XV_INT, float->XV_DOUBLE,
 * bool->XV_BOOL, list (and tuples inside lists)->XV_LIST, None inside a
 * list->XV_NIL. Other types (dict, tuple, function, module) are left out,
 * as classic xm ignored them. Caller frees. */
struct xv *pyeval_exports(const struct pyeval *pe);

/* Names bound at top level that were left out of the exports because of
 * their type (for "unknown name" warnings not to fire on them). */
bool pyeval_is_global(const struct pyeval *pe, const char *name);

/* xm_vars.var() declarations, in order: XV_LIST of (name use) lists. */
struct xv *pyeval_declared_vars(const struct pyeval *pe);

#endif
