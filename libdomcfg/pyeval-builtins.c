/* pyeval-builtins.c: the builtin functions, exception names and the
 * str/list/dict methods config files use. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem */
#endif
#include "pyeval-int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PE_MAX_RANGE	10000		/* items range() may produce */

#define NPARAMS(names)	(sizeof(names) / sizeof(names[0]))

/* ---- argument helpers ---- */

/* Positional-only arguments: min..max of them into out (rest NULL). */
static bool
args(struct pyeval *pe, const char *fname, const struct pe_args *a,
    size_t min, size_t max, struct pv **out)
{
	size_t i;

	if (a->nkw > 0) {
		pe_fail(pe, XU_ERR_TYPE, "TypeError",
		    "%s() takes no keyword arguments", fname);
		return false;
	}
	if (a->npos < min || a->npos > max) {
		size_t want = a->npos < min ? min : max;

		pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s() takes %s %zu "
		    "argument%s (%zu given)", fname, min == max ? "exactly" :
		    a->npos < min ? "at least" : "at most", want,
		    want == 1 ? "" : "s", a->npos);
		return false;
	}
	for (i = 0; i < max; i++)
		out[i] = i < a->npos ? a->pos[i] : NULL;
	return true;
}

static bool
want_type(struct pyeval *pe, const char *fname, const struct pv *v, int type)
{
	static const char *const names[] = {
		[PV_STR] = "str", [PV_INT] = "int", [PV_LIST] = "list",
		[PV_DICT] = "dict",
	};

	if (v->type == type || (type == PV_INT && v->type == PV_BOOL))
		return true;
	pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s() argument must be %s, not %s",
	    fname, names[type], pe_typename(v));
	return false;
}

static int64_t
int_of(const struct pv *v)
{
	return v->type == PV_BOOL ? (int64_t)v->u.b : v->u.i;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char
upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool
push_str(struct pyeval *pe, struct pv *list, const char *s, size_t len)
{
	struct pv *v = pe_str(pe, s, len);

	return v != NULL && pe_list_push(pe, list, v);
}

/* Repeated searches for one needle (split, replace, count): memchr for a
 * single byte, else Knuth-Morris-Pratt; linear in the text either way,
 * where a loop of memmem calls is not under every sanitizer. */
struct finder {
	const char *s;
	size_t m;
	size_t *fail;
};

static void
finder_init(struct finder *f, const char *s, size_t m)
{
	size_t i, k = 0;

	f->s = s;
	f->m = m;
	f->fail = NULL;
	if (m < 2)
		return;
	f->fail = xu_calloc(m, sizeof(*f->fail));
	for (i = 1; i < m; i++) {
		while (k > 0 && s[i] != s[k])
			k = f->fail[k - 1];
		if (s[i] == s[k])
			k++;
		f->fail[i] = k;
	}
}

static void
finder_dispose(struct finder *f)
{
	free(f->fail);
	f->fail = NULL;
}

/* The first occurrence in [p, end), or NULL; the needle is not empty. */
static const char *
finder_next(const struct finder *f, const char *p, const char *end)
{
	size_t k = 0;

	if (f->m == 1)
		return memchr(p, f->s[0], (size_t)(end - p));
	for (; p < end; p++) {
		while (k > 0 && *p != f->s[k])
			k = f->fail[k - 1];
		if (*p == f->s[k] && ++k == f->m)
			return p - f->m + 1;
	}
	return NULL;
}

/* A stable merge sort with Python ordering; fails on unorderable items. */
static bool
sort_items(struct pyeval *pe, struct pv **v, size_t n, bool reverse)
{
	struct pv **tmp = xu_calloc(n, sizeof(*tmp));
	size_t width, lo, mid, hi, i, j, k;
	bool ok = true;
	int c;

	for (width = 1; width < n && ok; width *= 2) {
		for (lo = 0; lo < n - width && ok; lo += 2 * width) {
			mid = lo + width;
			hi = mid + width < n ? mid + width : n;
			for (i = lo, j = mid, k = lo; i < mid && j < hi; k++) {
				if (!pe_tick(pe, 1) ||
				    pe_compare(pe, v[j], v[i], &c) < 0) {
					ok = false;
					break;
				}
				tmp[k] = (reverse ? c > 0 : c < 0) ? v[j++] : v[i++];
			}
			if (!ok)
				break;
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
			memcpy(v + lo, tmp + lo, (hi - lo) * sizeof(*v));
		}
	}
	free(tmp);
	return ok;
}

/* ---- conversions ---- */

static struct pv *
invalid_int(struct pyeval *pe, const struct pv *s, int base)
{
	struct pv *r = pe_repr(pe, (struct pv *)s);

	return pe_fail(pe, XU_ERR_INVALID, "ValueError", "invalid literal for "
	    "int() with base %d: %.60s", base, r ? r->u.str.s : "?");
}

/* int(str, base): surrounding blanks, a sign, a base prefix where the
 * base allows one, and Python 2's leading-0 octal for base 0. */
struct pv *
pe_int_from_str(struct pyeval *pe, const struct pv *s, int base)
{
	const char *p = s->u.str.s, *end = p + s->u.str.len;
	int b = base, d;
	bool neg = false;
	uint64_t mag = 0, limit;

	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (end - p >= 2 && p[0] == '0') {
		char c = lower(p[1]);

		if (c == 'x' && (b == 16 || b == 0))
			b = 16, p += 2;
		else if (c == 'o' && (b == 8 || b == 0))
			b = 8, p += 2;
		else if (c == 'b' && (b == 2 || b == 0))
			b = 2, p += 2;
		else if (b == 0)
			b = 8;
	}
	if (b == 0)
		b = 10;
	if (p == end)
		return invalid_int(pe, s, base ? base : 10);
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < end; p++) {
		char c = lower(*p);

		d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ?
		    c - 'a' + 10 : 99;
		if (d >= b)
			return invalid_int(pe, s, base ? base : 10);
		if (mag > (limit - (uint64_t)d) / (uint64_t)b)
			return pe_fail(pe, XU_ERR_RANGE, "OverflowError",
			    "integer overflow");
		mag = mag * (uint64_t)b + (uint64_t)d;
	}
	return pe_int(pe, neg ? (int64_t)(0 - mag) : (int64_t)mag);
}

static struct pv *
float_to_int(struct pyeval *pe, double d)
{
	if (isnan(d))
		return pe_fail(pe, XU_ERR_INVALID, "ValueError",
		    "cannot convert float NaN to integer");
	d = pe_trunc(d);
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
		return pe_fail(pe, XU_ERR_RANGE, "OverflowError",
		    "integer overflow");
	return pe_int(pe, (int64_t)d);
}

static struct pv *
bi_int(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	static const char *const names[] = { "x", "base" };
	struct pv *arg[2] = { NULL };
	int64_t base;

	(void)self;
	if (!pe_bind(pe, "int", a, names, 2, 0, arg))
		return NULL;
	if (arg[0] == NULL)
		return pe_int(pe, 0);
	if (arg[1] != NULL) {
		if (arg[0]->type != PV_STR)
			return pe_fail(pe, XU_ERR_TYPE, "TypeError", "int() can't "
			    "convert non-string with explicit base");
		if (!want_type(pe, "int", arg[1], PV_INT))
			return NULL;
		base = int_of(arg[1]);
		if (base != 0 && (base < 2 || base > 36))
			return pe_fail(pe, XU_ERR_INVALID, "ValueError",
			    "int() base must be >= 2 and <= 36");
		return pe_int_from_str(pe, arg[0], (int)base);
	}
	switch (arg[0]->type) {
	case PV_INT:
		return arg[0];
	case PV_BOOL:
		return pe_int(pe, arg[0]->u.b);
	case PV_FLOAT:
		return float_to_int(pe, arg[0]->u.d);
	case PV_STR:
		return pe_int_from_str(pe, arg[0], 10);
	default:
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "int() argument must "
		    "be a string or a number, not '%s'", pe_typename(arg[0]));
	}
}

static struct pv *
float_from_str(struct pyeval *pe, const struct pv *s)
{
	const char *p = s->u.str.s, *end = p + s->u.str.len;
	char buf[128], *stop;
	size_t n;
	double d;

	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	n = (size_t)(end - p);
	/* strtod would also take hex floats, which Python refuses */
	if (n == 0 || n >= sizeof(buf) || memchr(p, 'x', n) || memchr(p, 'X', n))
		goto bad;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (strlen(buf) != n)
		goto bad;
	d = strtod(buf, &stop);
	if (*stop != '\0')
		goto bad;
	return pe_float(pe, d);
bad:
	return pe_fail(pe, XU_ERR_INVALID, "ValueError", "could not convert "
	    "string to float: %.60s", s->u.str.s);
}

static struct pv *
bi_float(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;

	(void)self;
	if (!args(pe, "float", a, 0, 1, &x))
		return NULL;
	if (x == NULL)
		return pe_float(pe, 0.0);
	switch (x->type) {
	case PV_FLOAT:
		return x;
	case PV_INT:
	case PV_BOOL:
		return pe_float(pe, (double)int_of(x));
	case PV_STR:
		return float_from_str(pe, x);
	default:
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "float() argument "
		    "must be a string or a number, not '%s'", pe_typename(x));
	}
}

static struct pv *
bi_str(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;

	(void)self;
	if (!args(pe, "str", a, 0, 1, &x))
		return NULL;
	return x ? pe_tostr(pe, x) : pe_str(pe, "", 0);
}

static struct pv *
bi_repr(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;

	(void)self;
	return args(pe, "repr", a, 1, 1, &x) ? pe_repr(pe, x) : NULL;
}

static struct pv *
bi_bool(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;

	(void)self;
	if (!args(pe, "bool", a, 0, 1, &x))
		return NULL;
	return pe_bool(x != NULL && pe_truth(x));
}

static struct pv *
bi_len(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;

	(void)self;
	if (!args(pe, "len", a, 1, 1, &x))
		return NULL;
	switch (x->type) {
	case PV_STR:
		return pe_int(pe, (int64_t)x->u.str.len);
	case PV_LIST:
	case PV_TUPLE:
		return pe_int(pe, (int64_t)x->u.seq.n);
	case PV_DICT:
		return pe_int(pe, (int64_t)x->u.dict->n);
	default:
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "object of type '%s' "
		    "has no len()", pe_typename(x));
	}
}

/* list(x) and tuple(x): always a new list; a tuple may be shared. */
static struct pv *
to_seq(struct pyeval *pe, const struct pe_args *a, bool tuple)
{
	struct pv *x, *items, *r;
	size_t n;

	if (!args(pe, tuple ? "tuple" : "list", a, 0, 1, &x))
		return NULL;
	if (x == NULL)
		return tuple ? pe_tuple(pe, 0) : pe_list(pe, 0);
	if (tuple && x->type == PV_TUPLE)
		return x;
	if ((items = pe_iter_list(pe, x)) == NULL)
		return NULL;
	n = items->u.seq.n;
	if (!pe_tick_items(pe, n) ||
	    (r = tuple ? pe_tuple(pe, n) : pe_list(pe, n)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(r->u.seq.items, items->u.seq.items, n * sizeof(*r->u.seq.items));
	r->u.seq.n = n;
	return r;
}

static struct pv *
bi_list(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return to_seq(pe, a, false);
}

static struct pv *
bi_tuple(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return to_seq(pe, a, true);
}

/* Copies a dict, or a list of pairs, into d. */
static bool
dict_update(struct pyeval *pe, struct pv *d, struct pv *from)
{
	struct pv *items, *pair;
	size_t i;

	if (from->type == PV_DICT) {
		for (i = 0; i < from->u.dict->n; i++)
			if (!pe_dict_set(pe, d, from->u.dict->ents[i].key,
			    from->u.dict->ents[i].val, pe->line))
				return false;
		return true;
	}
	if ((items = pe_iter_list(pe, from)) == NULL)
		return false;
	for (i = 0; i < items->u.seq.n; i++) {
		pair = items->u.seq.items[i];
		if (!pe_is_seq(pair) || pair->u.seq.n != 2) {
			pe_fail(pe, XU_ERR_TYPE, "TypeError", "cannot convert "
			    "dictionary update sequence element #%zu to a "
			    "pair", i);
			return false;
		}
		if (!pe_dict_set(pe, d, pair->u.seq.items[0],
		    pair->u.seq.items[1], pe->line))
			return false;
	}
	return true;
}

static struct pv *
bi_dict(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *d = pe_dict(pe);
	size_t i;

	(void)self;
	if (a->npos > 1)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "dict expected at "
		    "most 1 arguments, got %zu", a->npos);
	if (a->npos == 1 && !dict_update(pe, d, a->pos[0]))
		return NULL;
	for (i = 0; i < a->nkw; i++)
		if (!pe_dict_setz(pe, d, a->kwname[i], a->kwval[i], pe->line))
			return NULL;
	return d;
}

static struct pv *
bi_range(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *arg[3] = { NULL }, *r;
	int64_t lo = 0, hi, step = 1, i;
	uint64_t count = 0, span;
	size_t k;

	(void)self;
	if (!args(pe, "range", a, 1, 3, arg))
		return NULL;
	for (k = 0; k < 3; k++)
		if (arg[k] != NULL && arg[k]->type != PV_INT &&
		    arg[k]->type != PV_BOOL)
			return pe_fail(pe, XU_ERR_TYPE, "TypeError", "range() "
			    "integer argument expected, got %s",
			    pe_typename(arg[k]));
	if (arg[1] == NULL) {
		hi = int_of(arg[0]);
	} else {
		lo = int_of(arg[0]);
		hi = int_of(arg[1]);
		if (arg[2] != NULL)
			step = int_of(arg[2]);
	}
	if (step == 0)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError",
		    "range() step argument must not be zero");
	if (step > 0 && lo < hi) {
		span = (uint64_t)hi - (uint64_t)lo;
		count = (span - 1) / (uint64_t)step + 1;
	} else if (step < 0 && lo > hi) {
		span = (uint64_t)lo - (uint64_t)hi;
		count = (span - 1) / (0 - (uint64_t)step) + 1;
	}
	if (count > PE_MAX_RANGE)
		return pe_fail(pe, XU_ERR_TOO_BIG, "MemoryError", "range() would "
		    "make %" PRIu64 " items (limit %d)", count, PE_MAX_RANGE);
	if (!pe_tick(pe, count / 8) || (r = pe_list(pe, count)) == NULL)
		return NULL;
	for (i = 0; (uint64_t)i < count; i++)
		r->u.seq.items[i] = pe_int(pe, (int64_t)((uint64_t)lo +
		    (uint64_t)i * (uint64_t)step));
	r->u.seq.n = count;
	return r;
}

static struct pv *
minmax(struct pyeval *pe, const struct pe_args *a, bool is_max)
{
	const char *fname = is_max ? "max" : "min";
	struct pv **items, *best, *list;
	size_t n, i;
	int c;

	if (a->nkw > 0)
		return pe_fail(pe, XU_ERR_UNSUPPORTED, NULL, "keyword arguments "
		    "to %s() are not supported", fname);
	if (a->npos == 0)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s expected 1 "
		    "arguments, got 0", fname);
	if (a->npos == 1) {
		if ((list = pe_iter_list(pe, a->pos[0])) == NULL)
			return NULL;
		items = list->u.seq.items;
		n = list->u.seq.n;
	} else {
		items = a->pos;
		n = a->npos;
	}
	if (n == 0)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError", "%s() arg is an "
		    "empty sequence", fname);
	best = items[0];
	for (i = 1; i < n; i++) {
		if (!pe_tick(pe, 1) || pe_compare(pe, items[i], best, &c) < 0)
			return NULL;
		if (is_max ? c == 1 : c == -1)
			best = items[i];
	}
	return best;
}

static struct pv *
bi_min(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return minmax(pe, a, false);
}

static struct pv *
bi_max(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return minmax(pe, a, true);
}

static struct pv *
bi_abs(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;

	(void)self;
	if (!args(pe, "abs", a, 1, 1, &x))
		return NULL;
	if (x->type == PV_FLOAT)
		return pe_float(pe, fabs(x->u.d));
	if (x->type != PV_INT && x->type != PV_BOOL)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "bad operand type "
		    "for abs(): '%s'", pe_typename(x));
	if (int_of(x) == INT64_MIN)
		return pe_fail(pe, XU_ERR_RANGE, "OverflowError",
		    "integer overflow");
	return pe_int(pe, int_of(x) < 0 ? -int_of(x) : int_of(x));
}

/* hex() and oct(), with Python 2's spelling of the prefixes. */
static struct pv *
int_text(struct pyeval *pe, const struct pe_args *a, bool hex)
{
	struct pv *x;
	char buf[40];
	uint64_t mag;
	int64_t v;

	if (!args(pe, hex ? "hex" : "oct", a, 1, 1, &x) ||
	    !want_type(pe, hex ? "hex" : "oct", x, PV_INT))
		return NULL;
	v = int_of(x);
	mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	if (hex)
		snprintf(buf, sizeof(buf), "%s0x%" PRIx64, v < 0 ? "-" : "", mag);
	else if (mag == 0)
		snprintf(buf, sizeof(buf), "0");
	else
		snprintf(buf, sizeof(buf), "%s0%" PRIo64, v < 0 ? "-" : "", mag);
	return pe_strz(pe, buf);
}

static struct pv *
bi_hex(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return int_text(pe, a, true);
}

static struct pv *
bi_oct(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return int_text(pe, a, false);
}

static struct pv *
bi_ord(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;

	(void)self;
	if (!args(pe, "ord", a, 1, 1, &x) || !want_type(pe, "ord", x, PV_STR))
		return NULL;
	if (x->u.str.len != 1)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "ord() expected a "
		    "character, but string of length %zu found", x->u.str.len);
	return pe_int(pe, (unsigned char)x->u.str.s[0]);
}

static struct pv *
bi_chr(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;
	char c;

	(void)self;
	if (!args(pe, "chr", a, 1, 1, &x) || !want_type(pe, "chr", x, PV_INT))
		return NULL;
	if (int_of(x) < 0 || int_of(x) > 255)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError",
		    "chr() arg not in range(256)");
	c = (char)int_of(x);
	return pe_str(pe, &c, 1);
}

static struct pv *
bi_round(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *arg[2] = { NULL };
	double x, m;
	int64_t nd = 0;

	(void)self;
	if (!args(pe, "round", a, 1, 2, arg))
		return NULL;
	if (arg[0]->type != PV_FLOAT && arg[0]->type != PV_INT &&
	    arg[0]->type != PV_BOOL)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "a float is required");
	if (arg[1] != NULL) {
		if (!want_type(pe, "round", arg[1], PV_INT))
			return NULL;
		nd = int_of(arg[1]);
	}
	x = arg[0]->type == PV_FLOAT ? arg[0]->u.d : (double)int_of(arg[0]);
	if (nd > 22 || nd < -22 || !isfinite(x))
		return pe_float(pe, nd < -22 ? 0.0 * x : x);
	m = pe_powi(10.0, (double)(nd < 0 ? -nd : nd));
	/* Python 2 rounds halves away from zero */
	return pe_float(pe, nd >= 0 ? pe_round(x * m) / m : pe_round(x / m) * m);
}

static struct pv *
bi_sorted(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	static const char *const names[] = { "iterable", "cmp", "key",
	    "reverse" };
	struct pv *arg[4] = { NULL }, *items, *r;
	size_t n;

	(void)self;
	if (!pe_bind(pe, "sorted", a, names, 4, 1, arg))
		return NULL;
	if (arg[1] != NULL || arg[2] != NULL)
		return pe_fail(pe, XU_ERR_UNSUPPORTED, NULL, "sorted() with cmp "
		    "or key is not supported");
	if ((items = pe_iter_list(pe, arg[0])) == NULL)
		return NULL;
	n = items->u.seq.n;
	if ((r = pe_list(pe, n)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(r->u.seq.items, items->u.seq.items, n * sizeof(struct pv *));
	r->u.seq.n = n;
	if (!sort_items(pe, r->u.seq.items, n, arg[3] && pe_truth(arg[3])))
		return NULL;
	return r;
}

static struct pv *
bi_sum(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *arg[2] = { NULL }, *items, *acc;
	size_t i;

	(void)self;
	if (!args(pe, "sum", a, 1, 2, arg) ||
	    (items = pe_iter_list(pe, arg[0])) == NULL)
		return NULL;
	if (arg[1] != NULL && arg[1]->type == PV_STR)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "sum() can't sum "
		    "strings [use ''.join(seq) instead]");
	acc = arg[1] ? arg[1] : pe_int(pe, 0);
	for (i = 0; i < items->u.seq.n && acc != NULL; i++)
		acc = pe_tick(pe, 1) ? pe_binop(pe, OP_ADD, acc,
		    items->u.seq.items[i]) : NULL;
	return acc;
}

/* any() and all() */
static struct pv *
truth_fold(struct pyeval *pe, const struct pe_args *a, bool any)
{
	struct pv *x, *items;
	size_t i;

	if (!args(pe, any ? "any" : "all", a, 1, 1, &x) ||
	    (items = pe_iter_list(pe, x)) == NULL)
		return NULL;
	for (i = 0; i < items->u.seq.n; i++)
		if (pe_truth(items->u.seq.items[i]) == any)
			return pe_bool(any);
	return pe_bool(!any);
}

static struct pv *
bi_any(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return truth_fold(pe, a, true);
}

static struct pv *
bi_all(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return truth_fold(pe, a, false);
}

static struct pv *
bi_cmp(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *arg[2] = { NULL };
	int eq, c;

	(void)self;
	if (!args(pe, "cmp", a, 2, 2, arg) ||
	    (eq = pe_equal(pe, arg[0], arg[1])) < 0)
		return NULL;
	if (eq)
		return pe_int(pe, 0);
	if (pe_compare(pe, arg[0], arg[1], &c) < 0)
		return NULL;
	return pe_int(pe, c < 0 ? -1 : 1);
}

/* Builtins that would reach outside the evaluator: named, so a config
 * using one gets a clear refusal rather than "not defined". */
static struct pv *
bi_refused(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)a;
	return pe_fail(pe, XU_ERR_UNSUPPORTED, NULL, "'%s' is not supported",
	    self->u.str.s);
}

static const struct pv_builtin builtins[] = {
	{ "int", bi_int }, { "long", bi_int }, { "float", bi_float },
	{ "str", bi_str }, { "unicode", bi_str }, { "repr", bi_repr },
	{ "bool", bi_bool }, { "len", bi_len }, { "list", bi_list },
	{ "tuple", bi_tuple }, { "dict", bi_dict }, { "range", bi_range },
	{ "xrange", bi_range }, { "min", bi_min }, { "max", bi_max },
	{ "abs", bi_abs }, { "hex", bi_hex }, { "oct", bi_oct },
	{ "ord", bi_ord }, { "chr", bi_chr }, { "round", bi_round },
	{ "sorted", bi_sorted }, { "sum", bi_sum }, { "any", bi_any },
	{ "all", bi_all }, { "cmp", bi_cmp },
};

static const struct pv_builtin refused_def = { "refused", bi_refused };

static const char *const refused[] = {
	"open", "file", "execfile", "eval", "compile", "__import__", "input",
	"raw_input", "globals", "locals", "vars", "getattr", "setattr",
	"delattr", "hasattr", "exit", "quit", "reload", "type", "isinstance",
	"issubclass", "map", "filter", "zip", "enumerate", "reduce", "iter",
	"next", "hash", "id", "dir", "help", "unichr", "callable", "object",
	"property", "super", "staticmethod", "classmethod", "set",
	"frozenset", "complex", "slice", "apply", "intern", "bytearray",
	/* xen.util.ip, which xm pre-imported: they read the host's network
	 * setup, which a config evaluation should not depend on */
	"get_current_ipaddr", "get_current_ipmask", "get_current_ipgw",
	"get_defaultroute", "inet_aton", "inet_ntoa", "add_offset_to_ip",
	"check_subnet",
};

static const char *const exceptions[] = {
	"Exception", "StandardError", "ArithmeticError", "LookupError",
	"EnvironmentError", "ValueError", "TypeError", "KeyError",
	"IndexError", "NameError", "AttributeError", "RuntimeError",
	"ZeroDivisionError", "OverflowError", "AssertionError", "IOError",
	"OSError", "NotImplementedError", "UnboundLocalError",
};

void
pe_install_builtins(struct pyeval *pe)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		pe_dict_setz(pe, pe->builtins, builtins[i].name,
		    pe_builtin_value(pe, &builtins[i], NULL), 0);
	for (i = 0; i < sizeof(exceptions) / sizeof(exceptions[0]); i++)
		pe_dict_setz(pe, pe->builtins, exceptions[i],
		    pe_exctype(pe, exceptions[i]), 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		pe_dict_setz(pe, pe->builtins, refused[i],
		    pe_builtin_value(pe, &refused_def, pe_strz(pe, refused[i])),
		    0);
}

/* ---- str methods ---- */

static struct pv *
split_blanks(struct pyeval *pe, const struct pv *s, int64_t maxsplit)
{
	const char *p = s->u.str.s, *end = p + s->u.str.len, *q;
	struct pv *r = pe_list(pe, 0);

	while (r != NULL && p < end) {
		while (p < end && is_space(*p))
			p++;
		if (p == end)
			break;
		if (maxsplit-- == 0)
			return push_str(pe, r, p, (size_t)(end - p)) ? r : NULL;
		for (q = p; q < end && !is_space(*q); q++)
			;
		if (!push_str(pe, r, p, (size_t)(q - p)))
			return NULL;
		p = q;
	}
	return r;
}

static struct pv *
split_sep(struct pyeval *pe, const struct pv *s, const struct pv *sep,
    int64_t maxsplit)
{
	const char *p = s->u.str.s, *end = p + s->u.str.len, *q;
	struct pv *r = pe_list(pe, 0);
	struct finder f;

	if (sep->u.str.len == 0)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError", "empty separator");
	finder_init(&f, sep->u.str.s, sep->u.str.len);
	while (r != NULL && maxsplit-- != 0 &&
	    (q = finder_next(&f, p, end)) != NULL) {
		if (!push_str(pe, r, p, (size_t)(q - p)))
			r = NULL;
		p = q + sep->u.str.len;
	}
	finder_dispose(&f);
	if (r == NULL || !push_str(pe, r, p, (size_t)(end - p)))
		return NULL;
	return r;
}

static void
reverse_items(struct pv **v, size_t n)
{
	size_t i;
	struct pv *t;

	for (i = 0; i < n / 2; i++) {
		t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
}

/* The last occurrence of needle in [s, s + n). Comparing from the right
 * has no linear-time library helper, so the work is charged as it goes. */
static const char *
find_last(struct pyeval *pe, const char *s, size_t n, const char *needle,
    size_t m, bool *failed)
{
	size_t i, work = 0;

	if (m > n)
		return NULL;
	for (i = n - m + 1; i-- > 0;) {
		if ((work += m + 1) >= 4096) {
			if (!pe_tick_bytes(pe, work)) {
				*failed = true;
				return NULL;
			}
			work = 0;
		}
		if (memcmp(s + i, needle, m) == 0)
			return s + i;
	}
	return NULL;
}

static struct pv *
rsplit_blanks(struct pyeval *pe, const struct pv *s, int64_t maxsplit)
{
	const char *start = s->u.str.s, *end = start + s->u.str.len, *q;
	struct pv *r = pe_list(pe, 0);

	while (r != NULL) {
		while (end > start && is_space(end[-1]))
			end--;
		if (end == start)
			break;
		if (maxsplit-- == 0) {
			if (!push_str(pe, r, start, (size_t)(end - start)))
				return NULL;
			break;
		}
		for (q = end; q > start && !is_space(q[-1]); q--)
			;
		if (!push_str(pe, r, q, (size_t)(end - q)))
			return NULL;
		end = q;
	}
	if (r != NULL)
		reverse_items(r->u.seq.items, r->u.seq.n);
	return r;
}

static struct pv *
rsplit_sep(struct pyeval *pe, const struct pv *s, const struct pv *sep,
    int64_t maxsplit)
{
	const char *start = s->u.str.s, *end = start + s->u.str.len, *q;
	size_t m = sep->u.str.len;
	struct pv *r = pe_list(pe, 0);
	bool failed = false;

	if (m == 0)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError", "empty separator");
	while (r != NULL && maxsplit-- != 0 && (q = find_last(pe, start,
	    (size_t)(end - start), sep->u.str.s, m, &failed)) != NULL) {
		if (!push_str(pe, r, q + m, (size_t)(end - q - m)))
			return NULL;
		end = q;
	}
	if (r == NULL || failed || !push_str(pe, r, start, (size_t)(end - start)))
		return NULL;
	reverse_items(r->u.seq.items, r->u.seq.n);
	return r;
}

static struct pv *
m_split(struct pyeval *pe, struct pv *self, const struct pe_args *a, bool right)
{
	static const char *const names[] = { "sep", "maxsplit" };
	struct pv *arg[2] = { NULL };
	int64_t maxsplit = -1;

	if (!pe_bind(pe, right ? "rsplit" : "split", a, names, 2, 0, arg))
		return NULL;
	if (arg[0] != NULL && arg[0]->type == PV_NONE)
		arg[0] = NULL;
	if (arg[0] != NULL && !want_type(pe, "split", arg[0], PV_STR))
		return NULL;
	if (arg[1] != NULL) {
		if (!want_type(pe, "split", arg[1], PV_INT))
			return NULL;
		maxsplit = int_of(arg[1]) < 0 ? -1 : int_of(arg[1]);
	}
	if (!pe_tick(pe, self->u.str.len / 16))
		return NULL;
	if (right)
		return arg[0] ? rsplit_sep(pe, self, arg[0], maxsplit) :
		    rsplit_blanks(pe, self, maxsplit);
	return arg[0] ? split_sep(pe, self, arg[0], maxsplit) :
	    split_blanks(pe, self, maxsplit);
}

static struct pv *
m_str_split(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return m_split(pe, self, a, false);
}

static struct pv *
m_str_rsplit(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return m_split(pe, self, a, true);
}

/* strip/lstrip/rstrip: which 1 = left, 2 = right, 3 = both */
static struct pv *
strip(struct pyeval *pe, struct pv *self, const struct pe_args *a, int which)
{
	const char *p = self->u.str.s, *end = p + self->u.str.len;
	struct pv *chars;
	bool set[256] = { false };
	size_t i;

	if (!args(pe, "strip", a, 0, 1, &chars))
		return NULL;
	if (chars != NULL && chars->type != PV_NONE) {
		if (!want_type(pe, "strip", chars, PV_STR))
			return NULL;
		for (i = 0; i < chars->u.str.len; i++)
			set[(unsigned char)chars->u.str.s[i]] = true;
	} else {
		for (i = 0; i < 256; i++)
			set[i] = is_space((char)i);
	}
	if (which & 1)
		while (p < end && set[(unsigned char)*p])
			p++;
	if (which & 2)
		while (end > p && set[(unsigned char)end[-1]])
			end--;
	return pe_str(pe, p, (size_t)(end - p));
}

static struct pv *
m_strip(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return strip(pe, self, a, 3);
}

static struct pv *
m_lstrip(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return strip(pe, self, a, 1);
}

static struct pv *
m_rstrip(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return strip(pe, self, a, 2);
}

/* How many replacements s.replace(old, new, count) makes: non-overlapping
 * from the left; an empty old matches at each of the len + 1 positions. */
static size_t
count_matches(const struct pv *s, const struct pv *old, int64_t count)
{
	const char *p = s->u.str.s, *end = p + s->u.str.len, *q;
	struct finder f;
	size_t n = 0;

	if (old->u.str.len == 0) {
		n = s->u.str.len + 1;
	} else {
		finder_init(&f, old->u.str.s, old->u.str.len);
		while ((count < 0 || (int64_t)n < count) &&
		    (q = finder_next(&f, p, end)) != NULL) {
			n++;
			p = q + old->u.str.len;
		}
		finder_dispose(&f);
	}
	return count >= 0 && (uint64_t)count < n ? (size_t)count : n;
}

static void
fill_replaced(const struct pv *s, const struct pv *old, const struct pv *new,
    size_t n, char *o)
{
	const char *p = s->u.str.s, *end = p + s->u.str.len, *q;
	struct finder f;

	finder_init(&f, old->u.str.s, old->u.str.len);
	for (; n > 0; n--) {
		q = old->u.str.len ? finder_next(&f, p, end) : p;
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, new->u.str.s, new->u.str.len);
		o += new->u.str.len;
		p = q + old->u.str.len;
		if (old->u.str.len == 0 && p < end)
			*o++ = *p++;
	}
	finder_dispose(&f);
	memcpy(o, p, (size_t)(end - p));
}

static struct pv *
m_replace(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *arg[3] = { NULL }, *r;
	size_t n, len, grow;
	int64_t count = -1;

	if (!args(pe, "replace", a, 2, 3, arg) ||
	    !want_type(pe, "replace", arg[0], PV_STR) ||
	    !want_type(pe, "replace", arg[1], PV_STR) ||
	    (arg[2] && !want_type(pe, "replace", arg[2], PV_INT)))
		return NULL;
	if (arg[2] != NULL)
		count = int_of(arg[2]);
	n = count_matches(self, arg[0], count);
	if (!pe_tick_bytes(pe, self->u.str.len) || !pe_tick(pe, n / 16))
		return NULL;
	/* the new length, checked before anything is built */
	grow = arg[1]->u.str.len;
	if (grow > 0 && n > PYEVAL_MAX_STR / grow)
		return pe_str_alloc(pe, (size_t)PYEVAL_MAX_STR + 1);
	len = self->u.str.len - n * arg[0]->u.str.len + n * grow;
	if ((r = pe_str_alloc(pe, len)) == NULL)
		return NULL;
	fill_replaced(self, arg[0], arg[1], n, r->u.str.s);
	return r;
}

/* startswith/endswith: a str or a tuple of str */
static struct pv *
affix(struct pyeval *pe, struct pv *self, const struct pe_args *a, bool end)
{
	const char *fname = end ? "endswith" : "startswith";
	struct pv *x, **cand;
	size_t n, i, len;

	if (!args(pe, fname, a, 1, 1, &x))
		return NULL;
	if (x->type == PV_TUPLE) {
		cand = x->u.seq.items;
		n = x->u.seq.n;
	} else {
		cand = &x;
		n = 1;
	}
	for (i = 0; i < n; i++) {
		if (!want_type(pe, fname, cand[i], PV_STR))
			return NULL;
		len = cand[i]->u.str.len;
		if (len <= self->u.str.len && memcmp(self->u.str.s +
		    (end ? self->u.str.len - len : 0), cand[i]->u.str.s, len) == 0)
			return &pe_True;
	}
	return &pe_False;
}

static struct pv *
m_startswith(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return affix(pe, self, a, false);
}

static struct pv *
m_endswith(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return affix(pe, self, a, true);
}

static struct pv *
m_join(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x, *items, *it;
	struct xu_buf b;
	size_t i;

	if (!args(pe, "join", a, 1, 1, &x) ||
	    (items = pe_iter_list(pe, x)) == NULL)
		return NULL;
	xu_buf_init(&b);
	for (i = 0; i < items->u.seq.n; i++) {
		it = items->u.seq.items[i];
		if (it->type != PV_STR) {
			pe_fail(pe, XU_ERR_TYPE, "TypeError", "sequence item %zu: "
			    "expected string, %s found", i, pe_typename(it));
			goto fail;
		}
		if (!pe_buf_room(pe, &b, it->u.str.len + self->u.str.len))
			goto fail;
		if (i > 0)
			xu_buf_add(&b, self->u.str.s, self->u.str.len);
		xu_buf_add(&b, it->u.str.s, it->u.str.len);
	}
	return pe_buf_value(pe, &b);
fail:
	xu_buf_dispose(&b);
	return NULL;
}

/* lower, upper, capitalize, swapcase: mode l, u, c */
static struct pv *
recase(struct pyeval *pe, struct pv *self, const struct pe_args *a, char mode)
{
	struct pv *r;
	size_t i;

	if (!args(pe, "lower", a, 0, 0, NULL) ||
	    (r = pe_str(pe, self->u.str.s, self->u.str.len)) == NULL)
		return NULL;
	for (i = 0; i < r->u.str.len; i++) {
		char c = r->u.str.s[i];

		r->u.str.s[i] = mode == 'u' || (mode == 'c' && i == 0) ?
		    upper(c) : lower(c);
	}
	return r;
}

static struct pv *
m_lower(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return recase(pe, self, a, 'l');
}

static struct pv *
m_upper(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return recase(pe, self, a, 'u');
}

static struct pv *
m_capitalize(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return recase(pe, self, a, 'c');
}

/* find/rfind/index/rindex/count(sub[, start[, end]]) */
static bool
search_args(struct pyeval *pe, const char *fname, struct pv *self,
    const struct pe_args *a, struct pv **sub, size_t *lo, size_t *hi)
{
	struct pv *arg[3] = { NULL };
	int64_t b[2] = { 0, (int64_t)self->u.str.len }, n = b[1];
	size_t k;

	if (!args(pe, fname, a, 1, 3, arg) || !want_type(pe, fname, arg[0],
	    PV_STR))
		return false;
	for (k = 0; k < 2; k++) {
		if (arg[k + 1] == NULL || arg[k + 1]->type == PV_NONE)
			continue;
		if (!want_type(pe, fname, arg[k + 1], PV_INT))
			return false;
		b[k] = int_of(arg[k + 1]);
		if (b[k] < 0)
			b[k] = b[k] + n < 0 ? 0 : b[k] + n;
		if (b[k] > n)
			b[k] = n;
	}
	*sub = arg[0];
	*lo = (size_t)b[0];
	*hi = (size_t)(b[1] < b[0] ? b[0] : b[1]);
	return pe_tick_bytes(pe, *hi - *lo);
}

/* Index of sub in self[lo:hi], -1 when absent, -2 on error. */
static int64_t
find_sub(struct pyeval *pe, const struct pv *self, const struct pv *sub,
    size_t lo, size_t hi, bool right)
{
	const char *s = self->u.str.s, *p;
	size_t len = sub->u.str.len;
	bool failed = false;

	if (hi - lo < len)
		return -1;
	if (!right)
		p = memmem(s + lo, hi - lo, sub->u.str.s, len);
	else
		p = find_last(pe, s + lo, hi - lo, sub->u.str.s, len, &failed);
	if (failed)
		return -2;
	return p ? p - s : -1;
}

static struct pv *
find(struct pyeval *pe, struct pv *self, const struct pe_args *a, bool right,
    bool raise)
{
	const char *fname = raise ? (right ? "rindex" : "index") :
	    (right ? "rfind" : "find");
	struct pv *sub;
	size_t lo, hi;
	int64_t at;

	if (!search_args(pe, fname, self, a, &sub, &lo, &hi))
		return NULL;
	if ((at = find_sub(pe, self, sub, lo, hi, right)) == -2)
		return NULL;
	if (at < 0 && raise)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError",
		    "substring not found");
	return pe_int(pe, at);
}

static struct pv *
m_find(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return find(pe, self, a, false, false);
}

static struct pv *
m_rfind(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return find(pe, self, a, true, false);
}

static struct pv *
m_index(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return find(pe, self, a, false, true);
}

static struct pv *
m_rindex(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return find(pe, self, a, true, true);
}

static struct pv *
m_str_count(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *sub;
	size_t lo, hi, n = 0;
	const char *p, *q, *end;
	struct finder f;

	if (!search_args(pe, "count", self, a, &sub, &lo, &hi))
		return NULL;
	if (sub->u.str.len == 0)
		return pe_int(pe, (int64_t)(hi - lo + 1));
	end = self->u.str.s + hi;
	finder_init(&f, sub->u.str.s, sub->u.str.len);
	for (p = self->u.str.s + lo; (q = finder_next(&f, p, end)) != NULL; n++)
		p = q + sub->u.str.len;
	finder_dispose(&f);
	return pe_int(pe, (int64_t)n);
}

/* isdigit & co: 'd' digit, 'a' alpha, 'n' alnum, 's' space, 'l' lower,
 * 'u' upper; false for the empty string. */
static struct pv *
is_class(struct pyeval *pe, struct pv *self, const struct pe_args *a, char cls)
{
	size_t i;
	bool cased = false;

	if (!args(pe, "isdigit", a, 0, 0, NULL))
		return NULL;
	if (self->u.str.len == 0)
		return &pe_False;
	for (i = 0; i < self->u.str.len; i++) {
		char c = self->u.str.s[i];
		bool digit = c >= '0' && c <= '9';
		bool lc = c >= 'a' && c <= 'z', uc = c >= 'A' && c <= 'Z';

		cased |= lc || uc;
		if ((cls == 'd' && !digit) || (cls == 'a' && !lc && !uc) ||
		    (cls == 'n' && !digit && !lc && !uc) ||
		    (cls == 's' && !is_space(c)) || (cls == 'l' && uc) ||
		    (cls == 'u' && lc))
			return &pe_False;
	}
	return pe_bool(cls == 'l' || cls == 'u' ? cased : true);
}

static struct pv *
m_isdigit(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return is_class(pe, self, a, 'd');
}

static struct pv *
m_isalpha(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return is_class(pe, self, a, 'a');
}

static struct pv *
m_isalnum(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return is_class(pe, self, a, 'n');
}

static struct pv *
m_isspace(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return is_class(pe, self, a, 's');
}

static struct pv *
m_islower(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return is_class(pe, self, a, 'l');
}

static struct pv *
m_isupper(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return is_class(pe, self, a, 'u');
}

/* ljust, rjust, center, zfill: mode l, r, c, z */
static struct pv *
justify(struct pyeval *pe, struct pv *self, const struct pe_args *a, char mode)
{
	struct pv *arg[2] = { NULL }, *r;
	char fill = mode == 'z' ? '0' : ' ';
	size_t len = self->u.str.len, width, pad, left;
	size_t sign = 0;

	if (!args(pe, "ljust", a, 1, mode == 'z' ? 1 : 2, arg) ||
	    !want_type(pe, "ljust", arg[0], PV_INT))
		return NULL;
	if (arg[1] != NULL) {
		if (!want_type(pe, "ljust", arg[1], PV_STR))
			return NULL;
		if (arg[1]->u.str.len != 1)
			return pe_fail(pe, XU_ERR_TYPE, "TypeError", "fill "
			    "character must be exactly one character long");
		fill = arg[1]->u.str.s[0];
	}
	if (int_of(arg[0]) <= (int64_t)len)
		return self;
	if (int_of(arg[0]) > PYEVAL_MAX_STR)
		return pe_str_alloc(pe, (size_t)PYEVAL_MAX_STR + 1);
	width = (size_t)int_of(arg[0]);
	pad = width - len;
	left = mode == 'r' || mode == 'z' ? pad : mode == 'c' ?
	    pad / 2 + (pad & width & 1) : 0;
	if ((r = pe_str_alloc(pe, width)) == NULL)
		return NULL;
	if (mode == 'z' && len > 0 && (self->u.str.s[0] == '-' ||
	    self->u.str.s[0] == '+')) {
		r->u.str.s[0] = self->u.str.s[0];
		sign = 1;
	}
	memset(r->u.str.s + sign, fill, left);
	memcpy(r->u.str.s + sign + left, self->u.str.s + sign, len - sign);
	memset(r->u.str.s + left + len, fill, pad - left);
	return r;
}

static struct pv *
m_ljust(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return justify(pe, self, a, 'l');
}

static struct pv *
m_rjust(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return justify(pe, self, a, 'r');
}

static struct pv *
m_center(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return justify(pe, self, a, 'c');
}

static struct pv *
m_zfill(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return justify(pe, self, a, 'z');
}

static struct pv *
m_splitlines(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	const char *p = self->u.str.s, *end = p + self->u.str.len, *q;
	struct pv *keep, *r;
	size_t eol;

	if (!args(pe, "splitlines", a, 0, 1, &keep) ||
	    !pe_tick(pe, self->u.str.len / 16) || (r = pe_list(pe, 0)) == NULL)
		return NULL;
	while (p < end) {
		for (q = p; q < end && *q != '\n' && *q != '\r'; q++)
			;
		eol = q == end ? 0 : (*q == '\r' && q + 1 < end && q[1] == '\n') ?
		    2 : 1;
		if (!push_str(pe, r, p, (size_t)(q - p) +
		    (keep && pe_truth(keep) ? eol : 0)))
			return NULL;
		p = q + eol;
	}
	return r;
}

/* ---- list methods ---- */

static struct pv *
m_append(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;

	if (!args(pe, "append", a, 1, 1, &x) || !pe_list_push(pe, self, x))
		return NULL;
	return &pe_None;
}

static struct pv *
m_extend(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x, *items;
	size_t i, n;

	if (!args(pe, "extend", a, 1, 1, &x) ||
	    (items = pe_iter_list(pe, x)) == NULL)
		return NULL;
	n = items->u.seq.n;
	if (!pe_tick_items(pe, n))
		return NULL;
	for (i = 0; i < n; i++)
		if (!pe_list_push(pe, self, items->u.seq.items[i]))
			return NULL;
	return &pe_None;
}

static struct pv *
m_insert(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *arg[2] = { NULL };
	int64_t i, n = (int64_t)self->u.seq.n;

	if (!args(pe, "insert", a, 2, 2, arg) ||
	    !want_type(pe, "insert", arg[0], PV_INT))
		return NULL;
	i = int_of(arg[0]);
	if (i < 0)
		i = i + n < 0 ? 0 : i + n;
	if (i > n)
		i = n;
	if (!pe_tick_items(pe, (size_t)n) || !pe_list_push(pe, self, arg[1]))
		return NULL;
	memmove(self->u.seq.items + i + 1, self->u.seq.items + i,
	    (size_t)(n - i) * sizeof(struct pv *));
	self->u.seq.items[i] = arg[1];
	return &pe_None;
}

static struct pv *
m_pop(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x, *v;
	int64_t i = -1, n = (int64_t)self->u.seq.n;

	if (!args(pe, "pop", a, 0, 1, &x) ||
	    (x != NULL && !want_type(pe, "pop", x, PV_INT)))
		return NULL;
	if (n == 0)
		return pe_fail(pe, XU_ERR_RANGE, "IndexError",
		    "pop from empty list");
	if (x != NULL)
		i = int_of(x);
	if (i < 0)
		i += n;
	if (i < 0 || i >= n)
		return pe_fail(pe, XU_ERR_RANGE, "IndexError",
		    "pop index out of range");
	v = self->u.seq.items[i];
	memmove(self->u.seq.items + i, self->u.seq.items + i + 1,
	    (size_t)(n - i - 1) * sizeof(struct pv *));
	self->u.seq.n--;
	return v;
}

/* Position of x in a list, -1 when absent, -2 on error. */
static int64_t
list_find(struct pyeval *pe, const struct pv *list, const struct pv *x)
{
	size_t i;
	int eq;

	for (i = 0; i < list->u.seq.n; i++) {
		if (!pe_tick(pe, 1) ||
		    (eq = pe_equal(pe, list->u.seq.items[i], x)) < 0)
			return -2;
		if (eq)
			return (int64_t)i;
	}
	return -1;
}

static struct pv *
m_remove(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;
	int64_t i;

	if (!args(pe, "remove", a, 1, 1, &x) ||
	    (i = list_find(pe, self, x)) == -2)
		return NULL;
	if (i < 0)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError",
		    "list.remove(x): x not in list");
	memmove(self->u.seq.items + i, self->u.seq.items + i + 1,
	    (self->u.seq.n - (size_t)i - 1) * sizeof(struct pv *));
	self->u.seq.n--;
	return &pe_None;
}

static struct pv *
m_list_index(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;
	int64_t i;

	if (!args(pe, "index", a, 1, 1, &x) ||
	    (i = list_find(pe, self, x)) == -2)
		return NULL;
	if (i < 0)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError",
		    "list.index(x): x not in list");
	return pe_int(pe, i);
}

static struct pv *
m_list_count(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;
	size_t i;
	int64_t n = 0;
	int eq;

	if (!args(pe, "count", a, 1, 1, &x))
		return NULL;
	for (i = 0; i < self->u.seq.n; i++) {
		if (!pe_tick(pe, 1) ||
		    (eq = pe_equal(pe, self->u.seq.items[i], x)) < 0)
			return NULL;
		n += eq;
	}
	return pe_int(pe, n);
}

static struct pv *
m_reverse(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	if (!args(pe, "reverse", a, 0, 0, NULL))
		return NULL;
	reverse_items(self->u.seq.items, self->u.seq.n);
	return &pe_None;
}

static struct pv *
m_sort(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	static const char *const names[] = { "cmp", "key", "reverse" };
	struct pv *arg[3] = { NULL };

	if (!pe_bind(pe, "sort", a, names, 3, 0, arg))
		return NULL;
	if (arg[0] != NULL || arg[1] != NULL)
		return pe_fail(pe, XU_ERR_UNSUPPORTED, NULL, "sort() with cmp or "
		    "key is not supported");
	if (!sort_items(pe, self->u.seq.items, self->u.seq.n,
	    arg[2] && pe_truth(arg[2])))
		return NULL;
	return &pe_None;
}

/* ---- dict methods ---- */

static struct pv *
m_get(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *arg[2] = { NULL }, *v;

	if (!args(pe, "get", a, 1, 2, arg))
		return NULL;
	if ((v = pe_dict_get(pe, self, arg[0])) != NULL || pe_failed(pe))
		return v;
	return arg[1] ? arg[1] : &pe_None;
}

static struct pv *
m_has_key(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *k;

	if (!args(pe, "has_key", a, 1, 1, &k))
		return NULL;
	if (pe_dict_get(pe, self, k) != NULL)
		return &pe_True;
	return pe_failed(pe) ? NULL : &pe_False;
}

static struct pv *
m_setdefault(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *arg[2] = { NULL }, *v;

	if (!args(pe, "setdefault", a, 1, 2, arg))
		return NULL;
	if ((v = pe_dict_get(pe, self, arg[0])) != NULL || pe_failed(pe))
		return v;
	v = arg[1] ? arg[1] : &pe_None;
	return pe_dict_set(pe, self, arg[0], v, pe->line) ? v : NULL;
}

/* keys, values, items: mode k, v, i */
static struct pv *
dict_view(struct pyeval *pe, struct pv *self, const struct pe_args *a,
    char mode)
{
	const struct pv_dict *d = self->u.dict;
	struct pv *r, *pair;
	size_t i;

	if (!args(pe, "keys", a, 0, 0, NULL) || (r = pe_list(pe, d->n)) == NULL)
		return NULL;
	for (i = 0; i < d->n; i++) {
		if (mode == 'i') {
			if ((pair = pe_tuple(pe, 2)) == NULL)
				return NULL;
			pair->u.seq.items[0] = d->ents[i].key;
			pair->u.seq.items[1] = d->ents[i].val;
			r->u.seq.items[i] = pair;
		} else {
			r->u.seq.items[i] = mode == 'k' ? d->ents[i].key :
			    d->ents[i].val;
		}
	}
	r->u.seq.n = d->n;
	return r;
}

static struct pv *
m_keys(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return dict_view(pe, self, a, 'k');
}

static struct pv *
m_values(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return dict_view(pe, self, a, 'v');
}

static struct pv *
m_items(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return dict_view(pe, self, a, 'i');
}

static struct pv *
m_update(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *x;

	if (!args(pe, "update", a, 1, 1, &x) || !dict_update(pe, self, x))
		return NULL;
	return &pe_None;
}

static struct pv *
m_copy(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *d;

	if (!args(pe, "copy", a, 0, 0, NULL))
		return NULL;
	d = pe_dict(pe);
	return dict_update(pe, d, self) ? d : NULL;
}

struct method {
	uint8_t type;
	struct pv_builtin def;
};

static const struct method methods[] = {
	{ PV_STR, { "split", m_str_split } },
	{ PV_STR, { "rsplit", m_str_rsplit } },
	{ PV_STR, { "strip", m_strip } },
	{ PV_STR, { "lstrip", m_lstrip } },
	{ PV_STR, { "rstrip", m_rstrip } },
	{ PV_STR, { "replace", m_replace } },
	{ PV_STR, { "startswith", m_startswith } },
	{ PV_STR, { "endswith", m_endswith } },
	{ PV_STR, { "join", m_join } },
	{ PV_STR, { "lower", m_lower } },
	{ PV_STR, { "upper", m_upper } },
	{ PV_STR, { "capitalize", m_capitalize } },
	{ PV_STR, { "find", m_find } },
	{ PV_STR, { "rfind", m_rfind } },
	{ PV_STR, { "index", m_index } },
	{ PV_STR, { "rindex", m_rindex } },
	{ PV_STR, { "count", m_str_count } },
	{ PV_STR, { "isdigit", m_isdigit } },
	{ PV_STR, { "isalpha", m_isalpha } },
	{ PV_STR, { "isalnum", m_isalnum } },
	{ PV_STR, { "isspace", m_isspace } },
	{ PV_STR, { "islower", m_islower } },
	{ PV_STR, { "isupper", m_isupper } },
	{ PV_STR, { "ljust", m_ljust } },
	{ PV_STR, { "rjust", m_rjust } },
	{ PV_STR, { "center", m_center } },
	{ PV_STR, { "zfill", m_zfill } },
	{ PV_STR, { "splitlines", m_splitlines } },
	{ PV_LIST, { "append", m_append } },
	{ PV_LIST, { "extend", m_extend } },
	{ PV_LIST, { "insert", m_insert } },
	{ PV_LIST, { "pop", m_pop } },
	{ PV_LIST, { "remove", m_remove } },
	{ PV_LIST, { "index", m_list_index } },
	{ PV_LIST, { "count", m_list_count } },
	{ PV_LIST, { "reverse", m_reverse } },
	{ PV_LIST, { "sort", m_sort } },
	{ PV_DICT, { "get", m_get } },
	{ PV_DICT, { "has_key", m_has_key } },
	{ PV_DICT, { "setdefault", m_setdefault } },
	{ PV_DICT, { "keys", m_keys } },
	{ PV_DICT, { "values", m_values } },
	{ PV_DICT, { "items", m_items } },
	{ PV_DICT, { "update", m_update } },
	{ PV_DICT, { "copy", m_copy } },
};

struct pv *
pe_method(struct pyeval *pe, struct pv *obj, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].type == obj->type &&
		    strcmp(methods[i].def.name, name) == 0)
			return pe_builtin_value(pe, &methods[i].def, obj);
	return pe_fail(pe, XU_ERR_UNSUPPORTED, NULL, "'%s.%s' is not supported",
	    pe_typename(obj), name);
}
