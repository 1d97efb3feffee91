/* pyeval-value.c: the evaluator's values: arena allocation, limits and
 * errors, constructors, the ordered dict, equality, ordering and hashing. */
#include "pyeval-int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE	(64u * 1024)

struct pv pe_None = { .type = PV_NONE };
struct pv pe_True = { .type = PV_BOOL, .u.b = true };
struct pv pe_False = { .type = PV_BOOL, .u.b = false };

/* ---- arena ---- */

static struct pe_chunk *
chunk_new(size_t size)
{
	struct pe_chunk *c = xu_calloc(1, sizeof(*c) + size);

	c->size = size;
	return c;
}

/* Zeroed memory that lives until pyeval_free. Large blocks get a chunk of
 * their own, placed behind the current one so its free space stays usable. */
void *
pe_alloc(struct pyeval *pe, size_t n)
{
	const size_t align = sizeof(max_align_t);
	struct pe_chunk *c = pe->chunks;
	void *p;

	n = (n + align - 1) & ~(align - 1);
	if (n > CHUNK_SIZE / 4) {
		c = chunk_new(n);
		if (pe->chunks != NULL) {
			c->next = pe->chunks->next;
			pe->chunks->next = c;
		} else {
			pe->chunks = c;
		}
	} else if (c == NULL || c->size - c->used < n) {
		c = chunk_new(CHUNK_SIZE);
		c->next = pe->chunks;
		pe->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	pe->heap += n;
	return p;
}

void
pe_arena_free(struct pyeval *pe)
{
	struct pe_chunk *c, *next;

	for (c = pe->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	pe->chunks = NULL;
	pe->heap = 0;
}

char *
pe_strndup(struct pyeval *pe, const char *s, size_t n)
{
	char *p = pe_alloc(pe, n + 1);

	memcpy(p, s, n);
	return p;
}

/* ---- errors and limits ---- */

void *
pe_fail(struct pyeval *pe, int rc, const char *exc, const char *fmt, ...)
{
	va_list ap;

	if (pe->err.rc != 0)
		return NULL;
	pe->err.rc = rc;
	pe->err.line = pe->line;
	va_start(ap, fmt);
	vsnprintf(pe->err.msg, sizeof(pe->err.msg), fmt, ap);
	va_end(ap);
	pe->exc = exc;
	return NULL;
}

bool
pe_failed(const struct pyeval *pe)
{
	return pe->err.rc != 0 || pe->stop;
}

/* Charges work; cost is 1 per node plus 1 per 64 bytes a builtin walks. */
bool
pe_tick(struct pyeval *pe, unsigned long cost)
{
	if (pe_failed(pe))
		return false;
	pe->steps += cost;
	if (pe->steps > PE_MAX_STEPS) {
		pe_fail(pe, XU_ERR_TOO_BIG, NULL, "evaluation takes too long "
		    "(more than %d steps)", PE_MAX_STEPS);
		return false;
	}
	if (pe->heap > PE_MAX_HEAP) {
		pe_fail(pe, XU_ERR_TOO_BIG, NULL,
		    "config uses too much memory (more than %u MiB)",
		    PE_MAX_HEAP >> 20);
		return false;
	}
	return true;
}

bool
pe_tick_bytes(struct pyeval *pe, size_t n)
{
	return pe_tick(pe, n / PE_BYTES_PER_STEP);
}

bool
pe_tick_items(struct pyeval *pe, size_t n)
{
	return pe_tick(pe, n / PE_ITEMS_PER_STEP);
}

bool
pe_enter(struct pyeval *pe)
{
	if (pe->depth >= PE_MAX_NEST) {
		pe_fail(pe, XU_ERR_TOO_BIG, "RuntimeError",
		    "maximum recursion depth exceeded");
		return false;
	}
	pe->depth++;
	return true;
}

void
pe_leave(struct pyeval *pe)
{
	pe->depth--;
}

/* ---- constructors ---- */

static struct pv *
pv_new(struct pyeval *pe, enum pv_type type)
{
	struct pv *v = pe_alloc(pe, sizeof(*v));

	v->type = (uint8_t)type;
	return v;
}

struct pv *
pe_bool(bool b)
{
	return b ? &pe_True : &pe_False;
}

struct pv *
pe_int(struct pyeval *pe, int64_t i)
{
	struct pv *v = pv_new(pe, PV_INT);

	v->u.i = i;
	return v;
}

struct pv *
pe_float(struct pyeval *pe, double d)
{
	struct pv *v = pv_new(pe, PV_FLOAT);

	v->u.d = d;
	return v;
}

static bool
heap_room(struct pyeval *pe, size_t n)
{
	if (n > PE_MAX_HEAP || pe->heap + n > PE_MAX_HEAP) {
		pe_fail(pe, XU_ERR_TOO_BIG, "MemoryError",
		    "config uses too much memory (more than %u MiB)",
		    PE_MAX_HEAP >> 20);
		return false;
	}
	return true;
}

struct pv *
pe_str_alloc(struct pyeval *pe, size_t len)
{
	struct pv *v;

	if (len > PYEVAL_MAX_STR)
		return pe_fail(pe, XU_ERR_TOO_BIG, "MemoryError",
		    "string too long (more than %u bytes)", PYEVAL_MAX_STR);
	if (!heap_room(pe, len))
		return NULL;
	v = pv_new(pe, PV_STR);
	v->u.str.s = pe_alloc(pe, len + 1);
	v->u.str.len = len;
	return v;
}

struct pv *
pe_str(struct pyeval *pe, const char *s, size_t len)
{
	struct pv *v = pe_str_alloc(pe, len);

	if (v != NULL && len > 0)
		memcpy(v->u.str.s, s, len);
	return v;
}

struct pv *
pe_strz(struct pyeval *pe, const char *s)
{
	return pe_str(pe, s, strlen(s));
}

static bool
seq_room(struct pyeval *pe, size_t n)
{
	if (n > PYEVAL_MAX_LIST) {
		pe_fail(pe, XU_ERR_TOO_BIG, "MemoryError",
		    "list too long (more than %u items)", PYEVAL_MAX_LIST);
		return false;
	}
	return heap_room(pe, n * sizeof(struct pv *));
}

struct pv *
pe_list(struct pyeval *pe, size_t cap)
{
	struct pv *v;

	if (!seq_room(pe, cap))
		return NULL;
	v = pv_new(pe, PV_LIST);
	if (cap > 0)
		v->u.seq.items = pe_alloc(pe, cap * sizeof(struct pv *));
	v->u.seq.cap = cap;
	return v;
}

struct pv *
pe_tuple(struct pyeval *pe, size_t n)
{
	struct pv *v;

	if (!seq_room(pe, n))
		return NULL;
	v = pv_new(pe, PV_TUPLE);
	if (n > 0)
		v->u.seq.items = pe_alloc(pe, n * sizeof(struct pv *));
	v->u.seq.n = v->u.seq.cap = n;
	return v;
}

bool
pe_list_push(struct pyeval *pe, struct pv *list, struct pv *item)
{
	struct pv **items;
	size_t cap;

	if (list->u.seq.n == list->u.seq.cap) {
		cap = list->u.seq.cap < 4 ? 8 : list->u.seq.cap * 2;
		if (cap > PYEVAL_MAX_LIST && list->u.seq.n < PYEVAL_MAX_LIST)
			cap = PYEVAL_MAX_LIST;
		if (!seq_room(pe, cap))
			return false;
		items = pe_alloc(pe, cap * sizeof(*items));
		if (list->u.seq.n > 0)
			memcpy(items, list->u.seq.items,
			    list->u.seq.n * sizeof(*items));
		list->u.seq.items = items;
		list->u.seq.cap = cap;
	}
	list->u.seq.items[list->u.seq.n++] = item;
	return true;
}

struct pv *
pe_builtin_value(struct pyeval *pe, const struct pv_builtin *def,
    struct pv *self)
{
	struct pv *v = pv_new(pe, PV_BUILTIN);

	v->u.bi.def = def;
	v->u.bi.self = self;
	return v;
}

struct pv *
pe_module_value(struct pyeval *pe, const struct pv_module *mod)
{
	struct pv *v = pv_new(pe, PV_MODULE);

	v->u.mod = mod;
	return v;
}

struct pv *
pe_exctype(struct pyeval *pe, const char *name)
{
	struct pv *v = pv_new(pe, PV_EXCTYPE);

	v->u.exc.name = name;
	return v;
}

/* ---- float helpers ----
 * The programs linking this do not link libm; glibc's libc itself has
 * modf, frexp and ldexp, which is all these need. */

double
pe_trunc(double d)
{
	double ip;

	(void)modf(d, &ip);
	return ip;
}

double
pe_floor(double d)
{
	double ip = pe_trunc(d);

	return ip > d ? ip - 1.0 : ip;
}

/* Halves away from zero, as Python 2's round() and C's round(). */
double
pe_round(double d)
{
	double ip, frac = modf(d, &ip);

	if (frac >= 0.5 || frac <= -0.5)
		ip += d < 0 ? -1.0 : 1.0;
	return ip;
}

/* Exact fmod for finite x and y != 0: subtract y scaled by powers of two;
 * each step is exact (Sterbenz) and lowers the remainder's exponent, so
 * the loop runs at most exponent(x) - exponent(y) + 1 times. */
double
pe_fmod(double x, double y)
{
	double r = fabs(x), ay = fabs(y), t;
	int er, ey;

	if (isnan(x) || isnan(y) || isinf(x))
		return x - x + y - y;	/* NaN */
	if (isinf(ay))
		return x;
	while (r >= ay) {
		(void)frexp(r, &er);
		(void)frexp(ay, &ey);
		t = ldexp(ay, er - ey);
		if (t > r)
			t = ldexp(ay, er - ey - 1);
		r -= t;
	}
	return x < 0 ? -r : r;
}

/* The binary exponent gap fmod(x, y) walks, to charge for it. */
int
pe_fmod_cost(double x, double y)
{
	int ex, ey;

	if (!isfinite(x) || !isfinite(y) || x == 0.0 || y == 0.0)
		return 0;
	(void)frexp(x, &ex);
	(void)frexp(y, &ey);
	return ex > ey ? ex - ey : 0;
}

/* x ** n for an integral n (|n| < 2^63) by repeated squaring. */
double
pe_powi(double x, double n)
{
	uint64_t e = (uint64_t)(n < 0 ? -n : n);
	double r = 1.0;

	while (e > 0) {
		if (e & 1)
			r *= x;
		e >>= 1;
		x *= x;
	}
	return n < 0 ? 1.0 / r : r;
}

/* ---- hashing and the dict ---- */

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Equal values hash alike across int, float and bool, as in Python. */
static bool
pv_hash(struct pyeval *pe, const struct pv *v, uint64_t *out)
{
	uint64_t h;
	size_t i;
	double d;

	switch (v->type) {
	case PV_NONE:
		*out = 0x6e6f6e65;
		return true;
	case PV_BOOL:
		*out = mix64(v->u.b);
		return true;
	case PV_INT:
		*out = mix64((uint64_t)v->u.i);
		return true;
	case PV_FLOAT:
		d = v->u.d;
		if (d == pe_trunc(d) && d >= -9.2e18 && d <= 9.2e18) {
			*out = mix64((uint64_t)(int64_t)d);
		} else {
			memcpy(&h, &d, sizeof(h));
			*out = mix64(h);
		}
		return true;
	case PV_STR:
		h = 1469598103934665603ULL;
		for (i = 0; i < v->u.str.len; i++)
			h = (h ^ (unsigned char)v->u.str.s[i]) * 1099511628211ULL;
		*out = mix64(h);
		return pe_tick_bytes(pe, v->u.str.len);
	case PV_TUPLE:
		if (!pe_enter(pe))
			return false;
		h = 0x7475706c65;
		for (i = 0; i < v->u.seq.n; i++) {
			uint64_t hi;

			if (!pv_hash(pe, v->u.seq.items[i], &hi)) {
				pe_leave(pe);
				return false;
			}
			h = mix64(h ^ hi) + i;
		}
		pe_leave(pe);
		*out = h;
		return pe_tick(pe, 1);
	case PV_EXCTYPE:
	case PV_MODULE:
	case PV_FUNC:
	case PV_BUILTIN:
		*out = mix64((uint64_t)(uintptr_t)v);
		return true;
	default:
		pe_fail(pe, XU_ERR_TYPE, "TypeError", "unhashable type: '%s'",
		    pe_typename(v));
		return false;
	}
}

struct pv *
pe_dict(struct pyeval *pe)
{
	struct pv *v = pv_new(pe, PV_DICT);

	v->u.dict = pe_alloc(pe, sizeof(*v->u.dict));
	return v;
}

/* Finds key: returns 1 with *slot at the entry's slot, 0 with *slot at the
 * empty slot where it would go, -1 on error. */
static int
dict_find(struct pyeval *pe, const struct pv_dict *d, const struct pv *key,
    uint64_t h, size_t *slot)
{
	size_t i, mask, probes = 0;
	uint32_t s;
	int eq;

	if (d->nslots == 0) {
		*slot = 0;
		return 0;
	}
	mask = d->nslots - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		if ((s = d->slots[i]) == 0)
			break;
		if (++probes % 8 == 0 && !pe_tick(pe, 1))
			return -1;
		if ((eq = pe_equal(pe, d->ents[s - 1].key, key)) < 0)
			return -1;
		if (eq) {
			*slot = i;
			return 1;
		}
	}
	*slot = i;
	return 0;
}

static void
dict_rehash(struct pyeval *pe, struct pv_dict *d)
{
	size_t nslots = d->nslots ? d->nslots * 2 : 8, i, j;
	uint32_t *slots = pe_alloc(pe, nslots * sizeof(*slots));
	uint64_t h;

	for (i = 0; i < d->n; i++) {
		/* keys were hashed on insert, so this cannot fail */
		(void)pv_hash(pe, d->ents[i].key, &h);
		for (j = h & (nslots - 1); slots[j] != 0; j = (j + 1) & (nslots - 1))
			;
		slots[j] = (uint32_t)(i + 1);
	}
	d->slots = slots;
	d->nslots = nslots;
}

struct pv_dent *
pe_dict_lookup(struct pyeval *pe, const struct pv *dv, const struct pv *key)
{
	const struct pv_dict *d = dv->u.dict;
	uint64_t h;
	size_t slot;

	if (!pv_hash(pe, key, &h) || dict_find(pe, d, key, h, &slot) <= 0)
		return NULL;
	return &d->ents[d->slots[slot] - 1];
}

struct pv *
pe_dict_get(struct pyeval *pe, const struct pv *d, const struct pv *key)
{
	struct pv_dent *e = pe_dict_lookup(pe, d, key);

	return e ? e->val : NULL;
}

bool
pe_dict_set(struct pyeval *pe, struct pv *dv, struct pv *key, struct pv *val,
    int line)
{
	struct pv_dict *d = dv->u.dict;
	struct pv_dent *ents;
	uint64_t h;
	size_t slot, cap;
	int found;

	if (!pv_hash(pe, key, &h) ||
	    (found = dict_find(pe, d, key, h, &slot)) < 0)
		return false;
	if (found) {
		d->ents[d->slots[slot] - 1].val = val;
		d->ents[d->slots[slot] - 1].line = line;
		return true;
	}
	if (d->n == d->cap) {
		cap = d->cap ? d->cap * 2 : 8;
		if (cap > PYEVAL_MAX_LIST && d->n < PYEVAL_MAX_LIST)
			cap = PYEVAL_MAX_LIST;
		if (!seq_room(pe, cap))
			return false;
		ents = pe_alloc(pe, cap * sizeof(*ents));
		if (d->n > 0)
			memcpy(ents, d->ents, d->n * sizeof(*ents));
		d->ents = ents;
		d->cap = cap;
	}
	d->ents[d->n].key = key;
	d->ents[d->n].val = val;
	d->ents[d->n].line = line;
	d->n++;
	if (d->n * 2 > d->nslots) {
		dict_rehash(pe, d);
	} else {
		d->slots[slot] = (uint32_t)d->n;
	}
	return true;
}

struct pv *
pe_dict_getz(struct pyeval *pe, const struct pv *d, const char *name)
{
	struct pv key = { .type = PV_STR };

	key.u.str.s = (char *)name;
	key.u.str.len = strlen(name);
	return pe_dict_get(pe, d, &key);
}

bool
pe_dict_setz(struct pyeval *pe, struct pv *d, const char *name,
    struct pv *val, int line)
{
	struct pv *key = pe_strz(pe, name);

	return key != NULL && pe_dict_set(pe, d, key, val, line);
}

/* ---- semantics ---- */

const char *
pe_typename(const struct pv *v)
{
	switch (v->type) {
	case PV_NONE:
		return "NoneType";
	case PV_BOOL:
		return "bool";
	case PV_INT:
		return "int";
	case PV_FLOAT:
		return "float";
	case PV_STR:
		return "str";
	case PV_LIST:
		return "list";
	case PV_TUPLE:
		return "tuple";
	case PV_DICT:
		return "dict";
	case PV_FUNC:
		return "function";
	case PV_BUILTIN:
		return "builtin_function_or_method";
	case PV_MODULE:
		return "module";
	case PV_EXCTYPE:
		return "type";
	case PV_EXC:
		return v->u.exc.name;
	case PV_MATCH:
		return "_sre.SRE_Match";
	case PV_XMVARS:
		return "Vars";
	}
	return "object";
}

bool
pe_truth(const struct pv *v)
{
	switch (v->type) {
	case PV_NONE:
		return false;
	case PV_BOOL:
		return v->u.b;
	case PV_INT:
		return v->u.i != 0;
	case PV_FLOAT:
		return v->u.d != 0.0;
	case PV_STR:
		return v->u.str.len != 0;
	case PV_LIST:
	case PV_TUPLE:
		return v->u.seq.n != 0;
	case PV_DICT:
		return v->u.dict->n != 0;
	default:
		return true;
	}
}

bool
pe_is_seq(const struct pv *v)
{
	return v->type == PV_LIST || v->type == PV_TUPLE;
}

static bool
is_number(const struct pv *v)
{
	return v->type == PV_BOOL || v->type == PV_INT || v->type == PV_FLOAT;
}

static double
num_double(const struct pv *v)
{
	return v->type == PV_FLOAT ? v->u.d : v->type == PV_BOOL ?
	    (double)v->u.b : (double)v->u.i;
}

static int64_t
num_int(const struct pv *v)
{
	return v->type == PV_BOOL ? (int64_t)v->u.b : v->u.i;
}

/* -1/0/1, or 2 when a NaN makes the numbers unordered. */
static int
num_cmp(const struct pv *a, const struct pv *b)
{
	double x, y;

	if (a->type != PV_FLOAT && b->type != PV_FLOAT) {
		int64_t i = num_int(a), j = num_int(b);

		return i < j ? -1 : i > j;
	}
	x = num_double(a);
	y = num_double(b);
	if (isnan(x) || isnan(y))
		return 2;
	return x < y ? -1 : x > y;
}

static int
seq_equal(struct pyeval *pe, const struct pv *a, const struct pv *b)
{
	size_t i;
	int eq = 1;

	if (a->u.seq.n != b->u.seq.n)
		return 0;
	if (!pe_enter(pe))
		return -1;
	for (i = 0; i < a->u.seq.n && eq == 1; i++) {
		if (!pe_tick(pe, 1))
			eq = -1;
		else
			eq = pe_equal(pe, a->u.seq.items[i], b->u.seq.items[i]);
	}
	pe_leave(pe);
	return eq;
}

static int
dict_equal(struct pyeval *pe, const struct pv *a, const struct pv *b)
{
	const struct pv_dict *d = a->u.dict;
	struct pv_dent *e;
	size_t i;
	int eq = 1;

	if (d->n != b->u.dict->n)
		return 0;
	if (!pe_enter(pe))
		return -1;
	for (i = 0; i < d->n && eq == 1; i++) {
		if ((e = pe_dict_lookup(pe, b, d->ents[i].key)) == NULL)
			eq = pe_failed(pe) ? -1 : 0;
		else
			eq = pe_equal(pe, d->ents[i].val, e->val);
	}
	pe_leave(pe);
	return eq;
}

/* 1 equal, 0 not, -1 error (recursion or step limit). */
int
pe_equal(struct pyeval *pe, const struct pv *a, const struct pv *b)
{
	if (a == b && a->type != PV_FLOAT)
		return 1;
	if (is_number(a) && is_number(b))
		return num_cmp(a, b) == 0;
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case PV_STR:
		if (a->u.str.len != b->u.str.len)
			return 0;
		if (!pe_tick_bytes(pe, a->u.str.len))
			return -1;
		return memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case PV_LIST:
	case PV_TUPLE:
		return seq_equal(pe, a, b);
	case PV_DICT:
		return dict_equal(pe, a, b);
	case PV_EXCTYPE:
		return strcmp(a->u.exc.name, b->u.exc.name) == 0;
	case PV_MODULE:
		return a->u.mod == b->u.mod;
	case PV_BUILTIN:
		return a->u.bi.def == b->u.bi.def && a->u.bi.self == b->u.bi.self;
	default:
		return 0;
	}
}

static int
str_cmp(const struct pv *a, const struct pv *b)
{
	size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
	int c = memcmp(a->u.str.s, b->u.str.s, n);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
}

static int
seq_cmp(struct pyeval *pe, const struct pv *a, const struct pv *b, int *out)
{
	size_t i;
	int eq;

	if (!pe_enter(pe))
		return -1;
	for (i = 0; i < a->u.seq.n && i < b->u.seq.n; i++) {
		eq = pe_tick(pe, 1) ? pe_equal(pe, a->u.seq.items[i],
		    b->u.seq.items[i]) : -1;
		if (eq < 0)
			goto fail;
		if (!eq) {
			eq = pe_compare(pe, a->u.seq.items[i],
			    b->u.seq.items[i], out);
			pe_leave(pe);
			return eq;
		}
	}
	pe_leave(pe);
	*out = a->u.seq.n < b->u.seq.n ? -1 : a->u.seq.n > b->u.seq.n;
	return 0;
fail:
	pe_leave(pe);
	return -1;
}

/* Orders a and b: *out is -1/0/1, or 2 for unordered floats (NaN). Returns
 * 0, or -1 with a TypeError for types Python 3 would refuse to order
 * (Python 2 ordered them arbitrarily, which hides config mistakes). */
int
pe_compare(struct pyeval *pe, const struct pv *a, const struct pv *b, int *out)
{
	if (is_number(a) && is_number(b)) {
		*out = num_cmp(a, b);
		return 0;
	}
	if (a->type == PV_STR && b->type == PV_STR) {
		if (!pe_tick_bytes(pe, a->u.str.len + b->u.str.len))
			return -1;
		*out = str_cmp(a, b);
		return 0;
	}
	if (a->type == b->type && pe_is_seq(a))
		return seq_cmp(pe, a, b, out);
	if (a->type == PV_NONE && b->type == PV_NONE) {
		*out = 0;
		return 0;
	}
	pe_fail(pe, XU_ERR_TYPE, "TypeError", "cannot order '%s' and '%s'",
	    pe_typename(a), pe_typename(b));
	return -1;
}

bool
pe_as_index(struct pyeval *pe, const struct pv *v, int64_t *out)
{
	if (v->type == PV_INT || v->type == PV_BOOL) {
		*out = num_int(v);
		return true;
	}
	pe_fail(pe, XU_ERR_TYPE, "TypeError", "indices must be integers, not %s",
	    pe_typename(v));
	return false;
}

/* The items of an iterable: lists and tuples as they are, the characters
 * of a string, the keys of a dict. */
struct pv *
pe_iter_list(struct pyeval *pe, struct pv *v)
{
	struct pv *l;
	size_t i;

	if (pe_is_seq(v))
		return v;
	if (v->type == PV_STR) {
		if ((l = pe_list(pe, v->u.str.len)) == NULL ||
		    !pe_tick(pe, v->u.str.len / 4))
			return NULL;
		for (i = 0; i < v->u.str.len; i++)
			l->u.seq.items[i] = pe_str(pe, v->u.str.s + i, 1);
		l->u.seq.n = v->u.str.len;
		return l;
	}
	if (v->type == PV_DICT) {
		if ((l = pe_list(pe, v->u.dict->n)) == NULL)
			return NULL;
		for (i = 0; i < v->u.dict->n; i++)
			l->u.seq.items[i] = v->u.dict->ents[i].key;
		l->u.seq.n = v->u.dict->n;
		return l;
	}
	return pe_fail(pe, XU_ERR_TYPE, "TypeError",
	    "'%s' object is not iterable", pe_typename(v));
}

/* Predefined variables arrive as xv trees. */
struct pv *
pe_from_xv(struct pyeval *pe, const struct xv *x)
{
	struct pv *v = NULL, *item;
	size_t i;

	if (!pe_enter(pe))
		return NULL;
	switch (x->type) {
	case XV_NIL:
		v = &pe_None;
		break;
	case XV_BOOL:
		v = pe_bool(x->u.b);
		break;
	case XV_INT:
		v = pe_int(pe, x->u.i);
		break;
	case XV_DOUBLE:
		v = pe_float(pe, x->u.d);
		break;
	case XV_STRING:
		v = pe_str(pe, x->u.str.s, x->u.str.len);
		break;
	case XV_LIST:
		if ((v = pe_list(pe, x->u.list.n)) == NULL)
			break;
		for (i = 0; i < x->u.list.n; i++) {
			if ((item = pe_from_xv(pe, x->u.list.items[i])) == NULL)
				break;
			v->u.seq.items[v->u.seq.n++] = item;
		}
		break;
	case XV_STRUCT:
		v = pe_dict(pe);
		for (i = 0; i < x->u.st.n; i++) {
			if ((item = pe_from_xv(pe, x->u.st.members[i].val)) ==
			    NULL || !pe_dict_setz(pe, v, x->u.st.members[i].key,
			    item, 0))
				break;
		}
		break;
	}
	pe_leave(pe);
	return pe_failed(pe) ? NULL : v;
}
