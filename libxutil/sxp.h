/* sxp.h: S-expressions exactly as classic xend read and printed them
 * (reference/xm-reference.md section 7). Values are xv trees: lists and
 * strings from the reader; ints and doubles are printed as numbers. */
#ifndef SXP_H
#define SXP_H

#include <stddef.h>

#include "xu.h"
#include "xv.h"

/* Limits on untrusted input. */
#define SXP_MAX_DEPTH	256
#define SXP_MAX_INPUT	(16u << 20)

/* Parses every top-level value of buf into a new list (the "forms"), each
 * node carrying its line number. On error returns a negative XU_ERR_* code,
 * fills err (line and a message such as "unexpected EOF" or "unbalanced
 * ')'") and sets *forms to NULL. A Ctrl-D (0x04) byte where a token could
 * start ends the input (inside an atom or string it is just a byte). */
int sxp_parse(const char *buf, size_t len, struct xv **forms, struct xu_err *err);

/* Parses exactly one value; trailing non-space input, or no value at all,
 * is an error. */
int sxp_parse_one(const char *buf, size_t len, struct xv **value, struct xu_err *err);

/* Single-line printer (section 7.2): "(a b 'c d')". Caller frees. */
char *sxp_to_string(const struct xv *v);

/* The same, appended to buf. */
void sxp_print(struct xu_buf *buf, const struct xv *v);

/* Pretty printer (section 7.3), width usually 80 (78 for config.sxp):
 * a list that fits on the line is printed flat; otherwise all its items
 * break, indented 4 columns deeper than its '('. Ends with a newline. */
char *sxp_pretty(const struct xv *v, int width);

/* Appends the printed atom for a string (bare when atom-safe, else the
 * Python repr form) to buf. */
void sxp_quote(struct xu_buf *buf, const char *s, size_t len);

#endif
