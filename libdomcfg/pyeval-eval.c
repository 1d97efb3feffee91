/* pyeval-eval.c: the tree-walking interpreter: names and frames,
 * operators, subscripts, calls and statements. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memmem */
#endif
#include "pyeval-int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ex {
	EX_NEXT,
	EX_RETURN,
	EX_FAIL,
};

/* Function locals are few and die with the call, so they live in a small
 * malloc'd array instead of the arena. */
struct pe_local {
	const char *name;
	struct pv *val;
};

struct pe_locals {
	struct pe_local *v;
	size_t n, cap;
};

static enum ex exec_block(struct pyeval *pe, const struct pnode *blk);

/* ---- names ---- */

/* Index of name among the locals, or n; a function with thousands of
 * locals makes this scan costly, so it is charged. */
static size_t
local_find(struct pyeval *pe, const struct pe_locals *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			break;
	(void)pe_tick(pe, i / 16);
	return i;
}

static struct pv *
local_get(struct pyeval *pe, const struct pe_frame *f, const char *name)
{
	const struct pe_locals *l = f->locals;
	size_t i = local_find(pe, l, name);

	return i < l->n ? l->v[i].val : NULL;
}

static void
local_set(struct pyeval *pe, struct pe_frame *f, const char *name,
    struct pv *val)
{
	struct pe_locals *l = f->locals;
	size_t i = local_find(pe, l, name);

	if (i < l->n) {
		l->v[i].val = val;
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xu_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].name = name;
	l->v[l->n].val = val;
	l->n++;
}

static struct pv *
lookup_name(struct pyeval *pe, const char *name)
{
	struct pv *v;

	if (pe->frame != NULL && (v = local_get(pe, pe->frame, name)) != NULL)
		return v;
	if ((v = pe_dict_getz(pe, pe->globals, name)) != NULL)
		return v;
	if ((v = pe_dict_getz(pe, pe->builtins, name)) != NULL)
		return v;
	if (pe_failed(pe))
		return NULL;
	return pe_fail(pe, XU_ERR_NOT_FOUND, "NameError", "%sname '%s' is not "
	    "defined", pe->frame != NULL ? "global " : "", name);
}

static bool
store_name(struct pyeval *pe, const char *name, struct pv *val)
{
	struct pv key = { .type = PV_STR };
	struct pv_dent *e;

	if (pe->frame != NULL) {
		local_set(pe, pe->frame, name, val);
		return !pe_failed(pe);
	}
	key.u.str.s = (char *)name;
	key.u.str.len = strlen(name);
	if ((e = pe_dict_lookup(pe, pe->globals, &key)) != NULL) {
		e->val = val;
		e->line = pe->line;
		return true;
	}
	return !pe_failed(pe) &&
	    pe_dict_setz(pe, pe->globals, name, val, pe->line);
}

/* ---- arithmetic ---- */

static void *
overflow(struct pyeval *pe)
{
	return pe_fail(pe, XU_ERR_RANGE, "OverflowError", "integer overflow");
}

static void *
zero_division(struct pyeval *pe, const char *what)
{
	return pe_fail(pe, XU_ERR_INVALID, "ZeroDivisionError", "%s", what);
}

static void *
bad_operands(struct pyeval *pe, int op, const struct pv *a, const struct pv *b)
{
	return pe_fail(pe, XU_ERR_TYPE, "TypeError", "unsupported operand "
	    "type(s) for %s: '%s' and '%s'", pe_op_name(op), pe_typename(a),
	    pe_typename(b));
}

static bool
is_number(const struct pv *v)
{
	return v->type == PV_BOOL || v->type == PV_INT || v->type == PV_FLOAT;
}

static int64_t
as_int(const struct pv *v)
{
	return v->type == PV_BOOL ? (int64_t)v->u.b : v->u.i;
}

static double
as_double(const struct pv *v)
{
	return v->type == PV_FLOAT ? v->u.d : (double)as_int(v);
}

static bool
ipow(int64_t base, int64_t exp, int64_t *out)
{
	int64_t r = 1;

	while (exp > 0) {
		if ((exp & 1) && __builtin_mul_overflow(r, base, &r))
			return false;
		exp >>= 1;
		if (exp > 0 && __builtin_mul_overflow(base, base, &base))
			return false;
	}
	*out = r;
	return true;
}

/* Python 2 integer division floors; so does the sign of %. */
static struct pv *
int_divmod(struct pyeval *pe, int op, int64_t x, int64_t y)
{
	int64_t q, r;

	if (y == 0)
		return zero_division(pe, "integer division or modulo by zero");
	if (y == -1) {
		if (op == OP_MOD)
			return pe_int(pe, 0);
		if (x == INT64_MIN)
			return overflow(pe);
		return pe_int(pe, -x);
	}
	q = x / y;
	r = x % y;
	if (r != 0 && ((r < 0) != (y < 0))) {
		q--;
		r += y;
	}
	return pe_int(pe, op == OP_MOD ? r : q);
}

static struct pv *
int_shift(struct pyeval *pe, int op, int64_t x, int64_t y)
{
	if (y < 0)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError",
		    "negative shift count");
	if (op == OP_RSHIFT)
		return pe_int(pe, y >= 63 ? (x < 0 ? -1 : 0) : x >> y);
	if (x == 0)
		return pe_int(pe, 0);
	if (y >= 63 || x > (INT64_MAX >> y) || x < (INT64_MIN >> y))
		return overflow(pe);
	return pe_int(pe, (int64_t)((uint64_t)x << y));
}

static struct pv *
int_binop(struct pyeval *pe, int op, const struct pv *a, const struct pv *b)
{
	int64_t x = as_int(a), y = as_int(b), r;
	bool both_bool = a->type == PV_BOOL && b->type == PV_BOOL;

	switch (op) {
	case OP_ADD:
		if (__builtin_add_overflow(x, y, &r))
			return overflow(pe);
		return pe_int(pe, r);
	case OP_SUB:
		if (__builtin_sub_overflow(x, y, &r))
			return overflow(pe);
		return pe_int(pe, r);
	case OP_MUL:
		if (__builtin_mul_overflow(x, y, &r))
			return overflow(pe);
		return pe_int(pe, r);
	case OP_DIV:
	case OP_FLOORDIV:
	case OP_MOD:
		return int_divmod(pe, op, x, y);
	case OP_POW:
		if (y < 0) {
			if (x == 0)
				return zero_division(pe, "0.0 cannot be raised "
				    "to a negative power");
			return pe_float(pe, pe_powi((double)x, (double)y));
		}
		if (!ipow(x, y, &r))
			return overflow(pe);
		return pe_int(pe, r);
	case OP_LSHIFT:
	case OP_RSHIFT:
		return int_shift(pe, op, x, y);
	case OP_BITAND:
		return both_bool ? pe_bool(x & y) : pe_int(pe, x & y);
	case OP_BITOR:
		return both_bool ? pe_bool(x | y) : pe_int(pe, x | y);
	case OP_BITXOR:
		return both_bool ? pe_bool(x ^ y) : pe_int(pe, x ^ y);
	}
	return bad_operands(pe, op, a, b);
}

/* Python's float floor division and modulo (sign follows the divisor). */
static struct pv *
float_divmod(struct pyeval *pe, int op, double x, double y)
{
	double mod, div, floordiv;

	if (y == 0.0)
		return zero_division(pe, op == OP_MOD ? "float modulo" :
		    "float divmod()");
	if (!pe_tick(pe, (unsigned long)pe_fmod_cost(x, y) / 16))
		return NULL;
	mod = pe_fmod(x, y);
	div = (x - mod) / y;
	if (mod != 0.0) {
		if ((y < 0) != (mod < 0)) {
			mod += y;
			div -= 1.0;
		}
	} else {
		mod = copysign(0.0, y);
	}
	if (div != 0.0) {
		floordiv = pe_floor(div);
		if (div - floordiv > 0.5)
			floordiv += 1.0;
	} else {
		floordiv = copysign(0.0, x / y);
	}
	return pe_float(pe, op == OP_MOD ? mod : floordiv);
}

static struct pv *
float_binop(struct pyeval *pe, int op, const struct pv *a, const struct pv *b)
{
	double x = as_double(a), y = as_double(b), r;

	switch (op) {
	case OP_ADD:
		return pe_float(pe, x + y);
	case OP_SUB:
		return pe_float(pe, x - y);
	case OP_MUL:
		return pe_float(pe, x * y);
	case OP_DIV:
		if (y == 0.0)
			return zero_division(pe, "float division by zero");
		return pe_float(pe, x / y);
	case OP_FLOORDIV:
	case OP_MOD:
		return float_divmod(pe, op, x, y);
	case OP_POW:
		if (x == 0.0 && y < 0.0)
			return zero_division(pe, "0.0 cannot be raised to a "
			    "negative power");
		if (x < 0.0 && y != pe_trunc(y))
			return pe_fail(pe, XU_ERR_INVALID, "ValueError",
			    "negative number cannot be raised to a fractional "
			    "power");
		if (isfinite(y) && (y != pe_trunc(y) || fabs(y) >= 9.2e18))
			return pe_fail(pe, XU_ERR_UNSUPPORTED, NULL,
			    "fractional powers are not supported");
		r = isfinite(y) ? pe_powi(x, y) : y > 0 ? (fabs(x) > 1 ? y :
		    fabs(x) < 1 ? 0.0 : 1.0) : (fabs(x) > 1 ? 0.0 :
		    fabs(x) < 1 ? -y : 1.0);
		if (isinf(r) && isfinite(x) && isfinite(y))
			return pe_fail(pe, XU_ERR_RANGE, "OverflowError",
			    "numerical result out of range");
		return pe_float(pe, r);
	}
	return bad_operands(pe, op, a, b);
}

/* ---- sequences ---- */

static struct pv *
concat(struct pyeval *pe, const struct pv *a, const struct pv *b)
{
	struct pv *r;
	size_t n;

	if (a->type == PV_STR) {
		n = a->u.str.len + b->u.str.len;
		if (!pe_tick_bytes(pe, n) || (r = pe_str_alloc(pe, n)) == NULL)
			return NULL;
		memcpy(r->u.str.s, a->u.str.s, a->u.str.len);
		memcpy(r->u.str.s + a->u.str.len, b->u.str.s, b->u.str.len);
		return r;
	}
	n = a->u.seq.n + b->u.seq.n;
	if (!pe_tick_items(pe, n))
		return NULL;
	if ((r = a->type == PV_LIST ? pe_list(pe, n) : pe_tuple(pe, n)) == NULL)
		return NULL;
	if (a->u.seq.n)
		memcpy(r->u.seq.items, a->u.seq.items,
		    a->u.seq.n * sizeof(struct pv *));
	if (b->u.seq.n)
		memcpy(r->u.seq.items + a->u.seq.n, b->u.seq.items,
		    b->u.seq.n * sizeof(struct pv *));
	r->u.seq.n = n;
	return r;
}

/* s * n and l * n, refusing results over the limits before allocating. */
static struct pv *
repeat(struct pyeval *pe, const struct pv *s, int64_t n)
{
	size_t len = s->type == PV_STR ? s->u.str.len : s->u.seq.n, i;
	size_t limit = s->type == PV_STR ? PYEVAL_MAX_STR : PYEVAL_MAX_LIST;
	struct pv *r;

	if (n < 0 || len == 0)
		n = 0;
	if (len > 0 && (uint64_t)n > limit / len)
		return pe_fail(pe, XU_ERR_TOO_BIG, "MemoryError", "%s too long "
		    "(more than %zu %s)", s->type == PV_STR ? "string" : "list",
		    limit, s->type == PV_STR ? "bytes" : "items");
	if (!pe_tick_items(pe, len * (size_t)n))
		return NULL;
	if (s->type == PV_STR) {
		if ((r = pe_str_alloc(pe, len * (size_t)n)) == NULL)
			return NULL;
		for (i = 0; i < (size_t)n; i++)
			memcpy(r->u.str.s + i * len, s->u.str.s, len);
		return r;
	}
	r = s->type == PV_LIST ? pe_list(pe, len * (size_t)n) :
	    pe_tuple(pe, len * (size_t)n);
	if (r == NULL)
		return NULL;
	for (i = 0; i < (size_t)n; i++)
		memcpy(r->u.seq.items + i * len, s->u.seq.items,
		    len * sizeof(struct pv *));
	r->u.seq.n = len * (size_t)n;
	return r;
}

struct pv *
pe_binop(struct pyeval *pe, int op, struct pv *a, struct pv *b)
{
	bool int_a = a->type == PV_INT || a->type == PV_BOOL;
	bool int_b = b->type == PV_INT || b->type == PV_BOOL;

	if (int_a && int_b)
		return int_binop(pe, op, a, b);
	if (is_number(a) && is_number(b))
		return float_binop(pe, op, a, b);
	if (op == OP_ADD && a->type == b->type &&
	    (a->type == PV_STR || pe_is_seq(a)))
		return concat(pe, a, b);
	if (op == OP_MUL && int_b && (a->type == PV_STR || pe_is_seq(a)))
		return repeat(pe, a, as_int(b));
	if (op == OP_MUL && int_a && (b->type == PV_STR || pe_is_seq(b)))
		return repeat(pe, b, as_int(a));
	if (op == OP_MOD && a->type == PV_STR)
		return pe_format(pe, a, b);
	return bad_operands(pe, op, a, b);
}

static struct pv *
unary(struct pyeval *pe, int op, struct pv *v)
{
	if (v->type == PV_FLOAT && op != OP_INVERT)
		return pe_float(pe, op == OP_NEG ? -v->u.d : v->u.d);
	if (v->type != PV_INT && v->type != PV_BOOL)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "bad operand type "
		    "for unary %s: '%s'", pe_op_name(op), pe_typename(v));
	if (op == OP_NEG) {
		if (as_int(v) == INT64_MIN)
			return overflow(pe);
		return pe_int(pe, -as_int(v));
	}
	return pe_int(pe, op == OP_INVERT ? ~as_int(v) : as_int(v));
}

/* ---- comparisons ---- */

static int
contains(struct pyeval *pe, struct pv *container, struct pv *item)
{
	size_t i;
	int eq;

	switch (container->type) {
	case PV_STR:
		if (item->type != PV_STR) {
			pe_fail(pe, XU_ERR_TYPE, "TypeError", "'in <string>' "
			    "requires string as left operand");
			return -1;
		}
		if (!pe_tick_bytes(pe, container->u.str.len))
			return -1;
		return item->u.str.len == 0 || memmem(container->u.str.s,
		    container->u.str.len, item->u.str.s,
		    item->u.str.len) != NULL;
	case PV_LIST:
	case PV_TUPLE:
		for (i = 0; i < container->u.seq.n; i++) {
			if (!pe_tick(pe, 1))
				return -1;
			if ((eq = pe_equal(pe, container->u.seq.items[i],
			    item)) != 0)
				return eq;
		}
		return 0;
	case PV_DICT:
		if (pe_dict_lookup(pe, container, item) != NULL)
			return 1;
		return pe_failed(pe) ? -1 : 0;
	default:
		pe_fail(pe, XU_ERR_TYPE, "TypeError", "argument of type '%s' is "
		    "not iterable", pe_typename(container));
		return -1;
	}
}

static bool
identical(const struct pv *a, const struct pv *b)
{
	if (a->type == PV_INT && b->type == PV_INT)
		return a->u.i == b->u.i;
	return a == b;
}

/* One comparison; -1 on error, else 0 or 1. */
static int
compare_op(struct pyeval *pe, int op, struct pv *a, struct pv *b)
{
	int c, r;

	switch (op) {
	case OP_EQ:
		return pe_equal(pe, a, b);
	case OP_NE:
		r = pe_equal(pe, a, b);
		return r < 0 ? r : !r;
	case OP_IN:
		return contains(pe, b, a);
	case OP_NOTIN:
		r = contains(pe, b, a);
		return r < 0 ? r : !r;
	case OP_IS:
		return identical(a, b);
	case OP_ISNOT:
		return !identical(a, b);
	}
	if (pe_compare(pe, a, b, &c) < 0)
		return -1;
	if (c == 2)
		return 0;
	switch (op) {
	case OP_LT:
		return c < 0;
	case OP_GT:
		return c > 0;
	case OP_LE:
		return c <= 0;
	default:
		return c >= 0;
	}
}

static struct pv *
eval_compare(struct pyeval *pe, const struct pnode *n)
{
	struct pv *a, *b;
	size_t i;
	int r;

	if ((a = pe_eval(pe, n->kids[0])) == NULL)
		return NULL;
	for (i = 1; i < n->nkids; i++) {
		if ((b = pe_eval(pe, n->kids[i])) == NULL)
			return NULL;
		pe->line = n->line;
		if ((r = compare_op(pe, n->ops[i], a, b)) < 0)
			return NULL;
		if (!r)
			return &pe_False;
		a = b;
	}
	return &pe_True;
}

/* ---- subscripts ---- */

static bool
norm_index(int64_t *i, size_t len)
{
	if (*i < 0)
		*i += (int64_t)len;
	return *i >= 0 && (uint64_t)*i < len;
}

struct pv *
pe_index(struct pyeval *pe, struct pv *obj, struct pv *key)
{
	struct pv *v;
	int64_t i;

	switch (obj->type) {
	case PV_STR:
		if (!pe_as_index(pe, key, &i))
			return NULL;
		if (!norm_index(&i, obj->u.str.len))
			return pe_fail(pe, XU_ERR_RANGE, "IndexError",
			    "string index out of range");
		return pe_str(pe, obj->u.str.s + i, 1);
	case PV_LIST:
	case PV_TUPLE:
		if (!pe_as_index(pe, key, &i))
			return NULL;
		if (!norm_index(&i, obj->u.seq.n))
			return pe_fail(pe, XU_ERR_RANGE, "IndexError",
			    "%s index out of range", pe_typename(obj));
		return obj->u.seq.items[i];
	case PV_DICT:
		if ((v = pe_dict_get(pe, obj, key)) != NULL || pe_failed(pe))
			return v;
		if ((v = pe_repr(pe, key)) == NULL)
			return NULL;
		return pe_fail(pe, XU_ERR_NOT_FOUND, "KeyError", "KeyError: %.200s",
		    v->u.str.s);
	default:
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "'%s' object is not "
		    "subscriptable", pe_typename(obj));
	}
}

static bool
slice_bound(struct pyeval *pe, struct pv *v, bool *given, int64_t *out)
{
	*given = v != NULL && v->type != PV_NONE;
	if (!*given)
		return true;
	if (v->type != PV_INT && v->type != PV_BOOL) {
		pe_fail(pe, XU_ERR_TYPE, "TypeError", "slice indices must be "
		    "integers or None");
		return false;
	}
	*out = as_int(v);
	return true;
}

/* Python's slice arithmetic: clamps, negative indices, negative steps. */
static void
slice_range(size_t len, bool has_lo, int64_t lo, bool has_hi, int64_t hi,
    int64_t step, int64_t *start, int64_t *count)
{
	int64_t n = (int64_t)len, stop;

	if (step > 0) {
		*start = has_lo ? (lo < 0 ? (lo + n < 0 ? 0 : lo + n) :
		    (lo > n ? n : lo)) : 0;
		stop = has_hi ? (hi < 0 ? (hi + n < 0 ? 0 : hi + n) :
		    (hi > n ? n : hi)) : n;
		*count = stop > *start ? (stop - *start + step - 1) / step : 0;
	} else {
		*start = has_lo ? (lo < 0 ? (lo + n < 0 ? -1 : lo + n) :
		    (lo >= n ? n - 1 : lo)) : n - 1;
		stop = has_hi ? (hi < 0 ? (hi + n < 0 ? -1 : hi + n) :
		    (hi >= n ? n - 1 : hi)) : -1;
		*count = *start > stop ? (*start - stop - step - 1) / -step : 0;
	}
}

static struct pv *
eval_slice(struct pyeval *pe, const struct pnode *n)
{
	struct pv *obj, *b[3] = { NULL, NULL, NULL }, *r;
	int64_t lo = 0, hi = 0, step = 1, start, count, i;
	bool has_lo, has_hi, has_step;
	size_t len, k;

	if ((obj = pe_eval(pe, n->kids[0])) == NULL)
		return NULL;
	for (k = 0; k < 3; k++)
		if (n->kids[k + 1] && (b[k] = pe_eval(pe, n->kids[k + 1])) == NULL)
			return NULL;
	pe->line = n->line;
	if (obj->type != PV_STR && !pe_is_seq(obj))
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "'%s' object is not "
		    "subscriptable", pe_typename(obj));
	if (!slice_bound(pe, b[0], &has_lo, &lo) ||
	    !slice_bound(pe, b[1], &has_hi, &hi) ||
	    !slice_bound(pe, b[2], &has_step, &step))
		return NULL;
	if (step == 0)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError",
		    "slice step cannot be zero");
	len = obj->type == PV_STR ? obj->u.str.len : obj->u.seq.n;
	if (step > (int64_t)len + 1)
		step = (int64_t)len + 1;
	else if (step < -(int64_t)len - 1)
		step = -(int64_t)len - 1;
	slice_range(len, has_lo, lo, has_hi, hi, step, &start, &count);
	if (!pe_tick_items(pe, (size_t)count))
		return NULL;
	if (obj->type == PV_STR) {
		if ((r = pe_str_alloc(pe, (size_t)count)) == NULL)
			return NULL;
		for (i = 0; i < count; i++)
			r->u.str.s[i] = obj->u.str.s[start + i * step];
		return r;
	}
	r = obj->type == PV_LIST ? pe_list(pe, (size_t)count) :
	    pe_tuple(pe, (size_t)count);
	if (r == NULL)
		return NULL;
	for (i = 0; i < count; i++)
		r->u.seq.items[i] = obj->u.seq.items[start + i * step];
	r->u.seq.n = (size_t)count;
	return r;
}

static bool
set_item(struct pyeval *pe, struct pv *obj, struct pv *key, struct pv *val)
{
	int64_t i;

	if (obj->type == PV_DICT)
		return pe_dict_set(pe, obj, key, val, pe->line);
	if (obj->type != PV_LIST) {
		pe_fail(pe, XU_ERR_TYPE, "TypeError", "'%s' object does not "
		    "support item assignment", pe_typename(obj));
		return false;
	}
	if (!pe_as_index(pe, key, &i))
		return false;
	if (!norm_index(&i, obj->u.seq.n)) {
		pe_fail(pe, XU_ERR_RANGE, "IndexError",
		    "list assignment index out of range");
		return false;
	}
	obj->u.seq.items[i] = val;
	return true;
}

/* ---- attributes ---- */

static struct pv *
module_attr(struct pyeval *pe, struct pv *mod, const char *name)
{
	const struct pv_attr *a;

	for (a = mod->u.mod->attrs; a != NULL && a->name != NULL; a++) {
		if (strcmp(a->name, name) != 0)
			continue;
		if (a->mod != NULL)
			return pe_module_value(pe, a->mod);
		if (a->fn != NULL)
			return pe_builtin_value(pe, a->fn, NULL);
		if (a->str != NULL)
			return pe_strz(pe, a->str);
		if (a->is_num)
			return pe_int(pe, a->num);
	}
	return pe_fail(pe, XU_ERR_UNSUPPORTED, NULL, "'%s.%s' is not supported",
	    mod->u.mod->name, name);
}

struct pv *
pe_getattr(struct pyeval *pe, struct pv *obj, const char *name)
{
	switch (obj->type) {
	case PV_MODULE:
		return module_attr(pe, obj, name);
	case PV_XMVARS:
		if (strcmp(name, "var") == 0)
			return pe_builtin_value(pe, &pe_xmvars_var, obj);
		if (strcmp(name, "check") == 0)
			return pe_builtin_value(pe, &pe_xmvars_check, obj);
		return pe_fail(pe, XU_ERR_UNSUPPORTED, NULL, "'xm_vars.%s' is "
		    "not supported", name);
	case PV_MATCH:
		return pe_match_method(pe, obj, name);
	case PV_STR:
	case PV_LIST:
	case PV_DICT:
		return pe_method(pe, obj, name);
	default:
		return pe_fail(pe, XU_ERR_NOT_FOUND, "AttributeError", "'%s' "
		    "object has no attribute '%s'", pe_typename(obj), name);
	}
}

/* ---- calls ---- */

static const char *
plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* Binds positional and keyword arguments to parameter names, Python 2
 * style; out[i] stays NULL for optional parameters not given. */
bool
pe_bind(struct pyeval *pe, const char *fname, const struct pe_args *a,
    const char *const *names, size_t nparams, size_t min, struct pv **out)
{
	size_t i, j, given = a->npos + a->nkw;

	for (i = 0; i < nparams; i++)
		out[i] = NULL;
	if (a->npos > nparams) {
		pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s() takes %s %zu "
		    "argument%s (%zu given)", fname, min == nparams ? "exactly" :
		    "at most", nparams, plural(nparams), given);
		return false;
	}
	for (i = 0; i < a->npos; i++)
		out[i] = a->pos[i];
	for (i = 0; i < a->nkw; i++) {
		for (j = 0; j < nparams; j++)
			if (names[j] != NULL && strcmp(names[j], a->kwname[i]) == 0)
				break;
		if (j == nparams) {
			pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s() got an "
			    "unexpected keyword argument '%s'", fname,
			    a->kwname[i]);
			return false;
		}
		if (out[j] != NULL) {
			pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s() got multiple "
			    "values for keyword argument '%s'", fname,
			    a->kwname[i]);
			return false;
		}
		out[j] = a->kwval[i];
	}
	for (i = 0; i < min; i++)
		if (out[i] == NULL) {
			pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s() takes %s %zu "
			    "argument%s (%zu given)", fname, min == nparams ?
			    "exactly" : "at least", min, plural(min), given);
			return false;
		}
	return true;
}

static struct pv *
call_user(struct pyeval *pe, struct pv *fn, const struct pe_args *a)
{
	const struct pnode *def = fn->u.func->def;
	size_t nparams = def->nkids - 1, min = 0, i;
	const char **names = xu_calloc(nparams, sizeof(*names));
	struct pv **bound = xu_calloc(nparams, sizeof(*bound)), *ret = NULL;
	struct pe_locals locals = { 0 };
	struct pe_frame frame = { .locals = &locals };
	struct pe_frame *saved = pe->frame;
	int line = pe->line;
	enum ex rc;

	for (i = 0; i < nparams; i++) {
		names[i] = def->kids[i]->name;
		if (fn->u.func->defaults[i] == NULL)
			min = i + 1;
	}
	if (pe->calls >= PYEVAL_MAX_DEPTH) {
		pe_fail(pe, XU_ERR_TOO_BIG, "RuntimeError",
		    "maximum recursion depth exceeded");
		goto out;
	}
	if (!pe_bind(pe, def->name, a, names, nparams, min, bound))
		goto out;
	for (i = 0; i < nparams; i++)
		local_set(pe, &frame, names[i], bound[i] ? bound[i] :
		    fn->u.func->defaults[i]);
	pe->frame = &frame;
	pe->calls++;
	rc = exec_block(pe, def->kids[nparams]);
	pe->calls--;
	pe->frame = saved;
	if (rc != EX_FAIL) {
		ret = frame.retval ? frame.retval : &pe_None;
		pe->line = line;
	}
out:
	free(locals.v);
	free(names);
	free(bound);
	return ret;
}

static struct pv *
make_exception(struct pyeval *pe, struct pv *type, const struct pe_args *a)
{
	struct pv *e;
	size_t i;

	if (a->nkw > 0)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s does not take "
		    "keyword arguments", type->u.exc.name);
	e = pe_alloc(pe, sizeof(*e));
	e->type = PV_EXC;
	e->u.exc.name = type->u.exc.name;
	if (a->npos == 1) {
		e->u.exc.arg = a->pos[0];
	} else if (a->npos > 1) {
		if ((e->u.exc.arg = pe_tuple(pe, a->npos)) == NULL)
			return NULL;
		for (i = 0; i < a->npos; i++)
			e->u.exc.arg->u.seq.items[i] = a->pos[i];
	}
	return e;
}

struct pv *
pe_call(struct pyeval *pe, struct pv *fn, const struct pe_args *a)
{
	switch (fn->type) {
	case PV_FUNC:
		return call_user(pe, fn, a);
	case PV_BUILTIN:
		return fn->u.bi.def->fn(pe, fn->u.bi.self, a);
	case PV_EXCTYPE:
		return make_exception(pe, fn, a);
	default:
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "'%s' object is not "
		    "callable", pe_typename(fn));
	}
}

struct pv *
pe_call2(struct pyeval *pe, struct pv *fn, struct pv *a0, struct pv *a1)
{
	struct pv *pos[2] = { a0, a1 };
	struct pe_args a = { .pos = pos, .npos = 2 };

	return pe_call(pe, fn, &a);
}

static struct pv *
eval_call(struct pyeval *pe, const struct pnode *n)
{
	struct pe_args a = { 0 };
	struct pv *fn, *v, *ret = NULL;
	size_t i, nargs = n->nkids - 1;

	if ((fn = pe_eval(pe, n->kids[0])) == NULL)
		return NULL;
	a.pos = xu_calloc(nargs, sizeof(*a.pos));
	a.kwname = xu_calloc(nargs, sizeof(*a.kwname));
	a.kwval = xu_calloc(nargs, sizeof(*a.kwval));
	for (i = 1; i <= nargs; i++) {
		const struct pnode *arg = n->kids[i];

		if (arg->kind == N_KWARG) {
			if ((v = pe_eval(pe, arg->kids[0])) == NULL)
				goto out;
			a.kwname[a.nkw] = arg->name;
			a.kwval[a.nkw++] = v;
		} else {
			if ((v = pe_eval(pe, arg)) == NULL)
				goto out;
			a.pos[a.npos++] = v;
		}
	}
	pe->line = n->line;
	ret = pe_call(pe, fn, &a);
out:
	free(a.pos);
	free(a.kwname);
	free(a.kwval);
	return ret;
}

/* ---- expressions ---- */

static struct pv *
eval_seq(struct pyeval *pe, const struct pnode *n)
{
	struct pv *r, *v;
	size_t i;

	r = n->kind == N_LIST ? pe_list(pe, n->nkids) : pe_tuple(pe, n->nkids);
	if (r == NULL)
		return NULL;
	for (i = 0; i < n->nkids; i++) {
		if ((v = pe_eval(pe, n->kids[i])) == NULL)
			return NULL;
		r->u.seq.items[i] = v;
	}
	r->u.seq.n = n->nkids;
	return r;
}

static struct pv *
eval_dict(struct pyeval *pe, const struct pnode *n)
{
	struct pv *d = pe_dict(pe), *k, *v;
	size_t i;

	for (i = 0; i + 1 < n->nkids; i += 2) {
		if ((k = pe_eval(pe, n->kids[i])) == NULL ||
		    (v = pe_eval(pe, n->kids[i + 1])) == NULL ||
		    !pe_dict_set(pe, d, k, v, n->line))
			return NULL;
	}
	return d;
}

static struct pv *
eval_binop(struct pyeval *pe, const struct pnode *n)
{
	struct pv *acc, *rhs;
	size_t i;

	if ((acc = pe_eval(pe, n->kids[0])) == NULL)
		return NULL;
	for (i = 1; i < n->nkids && acc != NULL; i++) {
		if ((rhs = pe_eval(pe, n->kids[i])) == NULL)
			return NULL;
		pe->line = n->kids[i]->line;
		if (!pe_tick(pe, 1))
			return NULL;
		acc = pe_binop(pe, n->ops[i], acc, rhs);
	}
	return acc;
}

/* and/or give back the deciding operand, not a bool. */
static struct pv *
eval_bool(struct pyeval *pe, const struct pnode *n)
{
	struct pv *v = NULL;
	size_t i;

	for (i = 0; i < n->nkids; i++) {
		if ((v = pe_eval(pe, n->kids[i])) == NULL)
			return NULL;
		if (pe_truth(v) == (n->kind == N_OR))
			break;
	}
	return v;
}

static struct pv *
eval_node(struct pyeval *pe, const struct pnode *n)
{
	struct pv *v, *k;

	switch (n->kind) {
	case N_CONST:
		return n->value;
	case N_NAME:
		return lookup_name(pe, n->name);
	case N_LIST:
	case N_TUPLE:
		return eval_seq(pe, n);
	case N_DICT:
		return eval_dict(pe, n);
	case N_INDEX:
		if ((v = pe_eval(pe, n->kids[0])) == NULL ||
		    (k = pe_eval(pe, n->kids[1])) == NULL)
			return NULL;
		pe->line = n->line;
		return pe_index(pe, v, k);
	case N_SLICE:
		return eval_slice(pe, n);
	case N_ATTR:
		if ((v = pe_eval(pe, n->kids[0])) == NULL)
			return NULL;
		pe->line = n->line;
		return pe_getattr(pe, v, n->name);
	case N_CALL:
		return eval_call(pe, n);
	case N_BINOP:
		return eval_binop(pe, n);
	case N_UNARY:
		if ((v = pe_eval(pe, n->kids[0])) == NULL)
			return NULL;
		pe->line = n->line;
		return unary(pe, n->op, v);
	case N_NOT:
		if ((v = pe_eval(pe, n->kids[0])) == NULL)
			return NULL;
		return pe_bool(!pe_truth(v));
	case N_AND:
	case N_OR:
		return eval_bool(pe, n);
	case N_COMPARE:
		return eval_compare(pe, n);
	case N_IFEXP:
		if ((v = pe_eval(pe, n->kids[1])) == NULL)
			return NULL;
		return pe_eval(pe, n->kids[pe_truth(v) ? 0 : 2]);
	}
	return pe_fail(pe, XU_ERR_SYNTAX, NULL, "invalid syntax");
}

struct pv *
pe_eval(struct pyeval *pe, const struct pnode *n)
{
	struct pv *v;

	if (!pe_tick(pe, 1) || !pe_enter(pe))
		return NULL;
	pe->line = n->line;
	v = eval_node(pe, n);
	pe_leave(pe);
	return v;
}

/* ---- statements ---- */

static bool assign(struct pyeval *pe, const struct pnode *t, struct pv *v);

static bool
unpack(struct pyeval *pe, const struct pnode *t, struct pv *v)
{
	struct pv *items;
	size_t i;
	bool ok = true;

	if ((items = pe_iter_list(pe, v)) == NULL)
		return false;
	if (items->u.seq.n != t->nkids) {
		pe->line = t->line;
		if (items->u.seq.n > t->nkids)
			pe_fail(pe, XU_ERR_INVALID, "ValueError",
			    "too many values to unpack");
		else
			pe_fail(pe, XU_ERR_INVALID, "ValueError", "need more "
			    "than %zu value%s to unpack", items->u.seq.n,
			    plural(items->u.seq.n));
		return false;
	}
	if (!pe_enter(pe))
		return false;
	for (i = 0; i < t->nkids && ok; i++)
		ok = assign(pe, t->kids[i], items->u.seq.items[i]);
	pe_leave(pe);
	return ok;
}

static bool
assign(struct pyeval *pe, const struct pnode *t, struct pv *v)
{
	struct pv *obj, *key;

	switch (t->kind) {
	case N_NAME:
		return store_name(pe, t->name, v);
	case N_TUPLE:
	case N_LIST:
		return unpack(pe, t, v);
	case N_INDEX:
		if ((obj = pe_eval(pe, t->kids[0])) == NULL ||
		    (key = pe_eval(pe, t->kids[1])) == NULL)
			return false;
		pe->line = t->line;
		return set_item(pe, obj, key, v);
	default:
		pe_fail(pe, XU_ERR_SYNTAX, NULL, "can't assign to this");
		return false;
	}
}

static enum ex
exec_assign(struct pyeval *pe, const struct pnode *n)
{
	struct pv *v;
	size_t i;
	int line = n->line;

	if ((v = pe_eval(pe, n->kids[n->nkids - 1])) == NULL)
		return EX_FAIL;
	for (i = 0; i + 1 < n->nkids; i++) {
		pe->line = line;
		if (!assign(pe, n->kids[i], v))
			return EX_FAIL;
	}
	return EX_NEXT;
}

/* x op= v: lists grow in place, as Python's += does; others rebind. */
static struct pv *
inplace(struct pyeval *pe, int op, struct pv *old, struct pv *v)
{
	struct pv *items;
	size_t i, n;

	if (op != OP_ADD || old->type != PV_LIST)
		return pe_binop(pe, op, old, v);
	if ((items = pe_iter_list(pe, v)) == NULL)
		return NULL;
	n = items->u.seq.n;
	if (!pe_tick_items(pe, n))
		return NULL;
	for (i = 0; i < n; i++)
		if (!pe_list_push(pe, old, items->u.seq.items[i]))
			return NULL;
	return old;
}

static enum ex
exec_augassign(struct pyeval *pe, const struct pnode *n)
{
	const struct pnode *t = n->kids[0];
	struct pv *obj = NULL, *key = NULL, *old, *v;

	if (t->kind == N_INDEX) {
		if ((obj = pe_eval(pe, t->kids[0])) == NULL ||
		    (key = pe_eval(pe, t->kids[1])) == NULL ||
		    (old = pe_index(pe, obj, key)) == NULL)
			return EX_FAIL;
	} else if ((old = lookup_name(pe, t->name)) == NULL) {
		return EX_FAIL;
	}
	if ((v = pe_eval(pe, n->kids[1])) == NULL)
		return EX_FAIL;
	pe->line = n->line;
	if ((v = inplace(pe, n->op, old, v)) == NULL)
		return EX_FAIL;
	if (t->kind == N_INDEX)
		return set_item(pe, obj, key, v) ? EX_NEXT : EX_FAIL;
	return store_name(pe, t->name, v) ? EX_NEXT : EX_FAIL;
}

static enum ex
exec_if(struct pyeval *pe, const struct pnode *n)
{
	struct pv *c;
	size_t i;

	for (i = 0; i + 1 < n->nkids; i += 2) {
		if ((c = pe_eval(pe, n->kids[i])) == NULL)
			return EX_FAIL;
		if (pe_truth(c))
			return exec_block(pe, n->kids[i + 1]);
	}
	if (n->nkids % 2 == 1)
		return exec_block(pe, n->kids[n->nkids - 1]);
	return EX_NEXT;
}

static enum ex
exec_def(struct pyeval *pe, const struct pnode *n)
{
	size_t nparams = n->nkids - 1, i;
	struct pv *fn = pe_alloc(pe, sizeof(*fn));
	struct pv_func *f = pe_alloc(pe, sizeof(*f));

	f->def = n;
	f->defaults = pe_alloc(pe, (nparams + 1) * sizeof(*f->defaults));
	for (i = 0; i < nparams; i++) {
		const struct pnode *p = n->kids[i];

		if (p->kids[0] != NULL &&
		    (f->defaults[i] = pe_eval(pe, p->kids[0])) == NULL)
			return EX_FAIL;
	}
	fn->type = PV_FUNC;
	fn->u.func = f;
	pe->line = n->line;
	return store_name(pe, n->name, fn) ? EX_NEXT : EX_FAIL;
}

/* Raising ends the run (there is no try); xm_vars.check() alone looks at
 * the exception to word its message. */
static enum ex
exec_raise(struct pyeval *pe, const struct pnode *n)
{
	struct pv *x, *msg = NULL, *text = NULL;
	const char *name;

	if (n->nkids == 0)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "exceptions must be "
		    "classes or instances, not NoneType"), EX_FAIL;
	if ((x = pe_eval(pe, n->kids[0])) == NULL ||
	    (n->nkids > 1 && (msg = pe_eval(pe, n->kids[1])) == NULL))
		return EX_FAIL;
	pe->line = n->line;
	if (x->type == PV_EXC && msg != NULL)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "instance exception "
		    "may not have a separate value"), EX_FAIL;
	if (x->type != PV_EXC && x->type != PV_EXCTYPE)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "exceptions must be "
		    "classes or instances, not %s", pe_typename(x)), EX_FAIL;
	name = x->u.exc.name;
	if (x->type == PV_EXC)
		msg = x->u.exc.arg;
	if (msg != NULL && (text = pe_tostr(pe, msg)) == NULL)
		return EX_FAIL;
	if (text != NULL && text->u.str.len > 0)
		pe_fail(pe, XU_ERR_INVALID, name, "script raised %s: %.200s",
		    name, text->u.str.s);
	else
		pe_fail(pe, XU_ERR_INVALID, name, "script raised %s", name);
	pe->exc_arg = text != NULL && text->u.str.len > 0 ? text : NULL;
	return EX_FAIL;
}

static enum ex
exec_import(struct pyeval *pe, const struct pnode *n)
{
	const struct pv_module *mod;
	struct pv *m, *v;
	char top[64];
	size_t i;

	for (i = 0; i < n->nkids; i++) {
		const struct pnode *a = n->kids[i];

		if (n->kind == S_FROM) {
			m = pe_module_value(pe, pe_find_module(n->name));
			if ((v = pe_getattr(pe, m, a->name)) == NULL)
				return EX_FAIL;
		} else {
			snprintf(top, sizeof(top), "%.*s",
			    (int)strcspn(a->name, "."), a->name);
			mod = pe_find_module(a->op ? top : a->name);
			v = pe_module_value(pe, mod);
		}
		if (!store_name(pe, a->aux, v))
			return EX_FAIL;
	}
	return EX_NEXT;
}

static enum ex
exec_stmt(struct pyeval *pe, const struct pnode *n)
{
	struct pv *v;

	if (!pe_tick(pe, 1))
		return EX_FAIL;
	pe->line = n->line;
	switch (n->kind) {
	case S_EXPR:
		return pe_eval(pe, n->kids[0]) != NULL ? EX_NEXT : EX_FAIL;
	case S_ASSIGN:
		return exec_assign(pe, n);
	case S_AUGASSIGN:
		return exec_augassign(pe, n);
	case S_IF:
		return exec_if(pe, n);
	case S_PASS:
		return EX_NEXT;
	case S_DEF:
		return exec_def(pe, n);
	case S_RETURN:
		v = &pe_None;
		if (n->nkids > 0 && (v = pe_eval(pe, n->kids[0])) == NULL)
			return EX_FAIL;
		pe->frame->retval = v;
		return EX_RETURN;
	case S_RAISE:
		return exec_raise(pe, n);
	case S_IMPORT:
	case S_FROM:
		return exec_import(pe, n);
	case S_BLOCK:
		return exec_block(pe, n);
	}
	pe_fail(pe, XU_ERR_SYNTAX, NULL, "invalid syntax");
	return EX_FAIL;
}

static enum ex
exec_block(struct pyeval *pe, const struct pnode *blk)
{
	enum ex rc = EX_NEXT;
	size_t i;

	if (!pe_enter(pe))
		return EX_FAIL;
	for (i = 0; i < blk->nkids && rc == EX_NEXT; i++)
		rc = exec_stmt(pe, blk->kids[i]);
	pe_leave(pe);
	return rc;
}

bool
pe_exec(struct pyeval *pe, const struct pnode *block)
{
	return exec_block(pe, block) != EX_FAIL;
}
