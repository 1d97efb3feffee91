/* xv.h: the one value model shared by SXP, XML-RPC and the config readers.
 * An SXP is an xv tree of strings and lists; XML-RPC adds nil, bool, int,
 * double and struct. Every node remembers the line it was read from. */
#ifndef XV_H
#define XV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xv_type {
	XV_NIL,
	XV_BOOL,
	XV_INT,		/* int64 in memory; XML-RPC encodes only 32-bit values */
	XV_DOUBLE,
	XV_STRING,	/* NUL-terminated; len kept for embedded NULs */
	XV_LIST,	/* SXP list or XML-RPC array */
	XV_STRUCT,	/* XML-RPC struct: ordered (key, value) members */
};

struct xv;

struct xv_member {
	char *key;
	struct xv *val;
};

struct xv {
	enum xv_type type;
	int line;		/* source line (1-based), 0 when built in code */
	union {
		bool b;
		int64_t i;
		double d;
		struct {
			char *s;
			size_t len;
		} str;
		struct {
			struct xv **items;
			size_t n, cap;
		} list;
		struct {
			struct xv_member *members;
			size_t n, cap;
		} st;
	} u;
};

/* Constructors abort on allocation failure (as the rest of the project's
 * small allocations do, through xu_xmalloc); they never return NULL. */
struct xv *xv_nil(void);
struct xv *xv_bool(bool b);
struct xv *xv_int(int64_t i);
struct xv *xv_double(double d);
struct xv *xv_str(const char *s);
struct xv *xv_strn(const char *s, size_t len);
struct xv *xv_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct xv *xv_list(void);
struct xv *xv_struct(void);

/* Appends take ownership of child; they return list for chaining. */
struct xv *xv_append(struct xv *list, struct xv *child);
/* (name value) convenience: appends the two-element list [name, value]. */
struct xv *xv_append_pair(struct xv *list, const char *name, struct xv *value);
struct xv *xv_struct_set(struct xv *st, const char *key, struct xv *value);

struct xv *xv_copy(const struct xv *v);
void xv_free(struct xv *v);
bool xv_equal(const struct xv *a, const struct xv *b);

/* Accessors; all tolerate NULL and wrong types by returning NULL/0. */
size_t xv_len(const struct xv *list);
struct xv *xv_at(const struct xv *list, size_t i);
const char *xv_string(const struct xv *v);	/* NULL unless XV_STRING */
bool xv_is_list(const struct xv *v);
bool xv_is_string(const struct xv *v);
struct xv *xv_struct_get(const struct xv *st, const char *key);
/* An int or a double as a double: true and *d set, else false. */
bool xv_number(const struct xv *v, double *d);

/* SXP element conventions (classic xend sxp.py):
 *   name of (name child ...)       -> "name"
 *   child(e, "k")                  -> first child list whose name is k
 *   child_value(e, "k", def)       -> second item of that child, as string
 * Numbers in an element are converted to text for child_value. */
const char *xv_name(const struct xv *elem);
struct xv *xv_child(const struct xv *elem, const char *name);
struct xv *xv_child_value(const struct xv *elem, const char *name);
const char *xv_child_str(const struct xv *elem, const char *name, const char *def);

#endif
