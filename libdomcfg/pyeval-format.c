/* pyeval-format.c: values as text the way Python 2 writes them: str(),
 * repr(), float printing and the "%" string formatting operator. */
#include "pyeval-int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
pe_buf_room(struct pyeval *pe, const struct xu_buf *b, size_t more)
{
	if (more > PYEVAL_MAX_STR || b->len + more > PYEVAL_MAX_STR) {
		pe_fail(pe, XU_ERR_TOO_BIG, "MemoryError",
		    "string too long (more than %u bytes)", PYEVAL_MAX_STR);
		return false;
	}
	return true;
}

/* The buffer's contents as a str value; the buffer is emptied. */
struct pv *
pe_buf_value(struct pyeval *pe, struct xu_buf *b)
{
	struct pv *v;

	v = pe_tick_bytes(pe, b->len) ? pe_str(pe, b->len ? b->data : "",
	    b->len) : NULL;
	xu_buf_dispose(b);
	return v;
}

static bool
buf_add(struct pyeval *pe, struct xu_buf *b, const char *s, size_t n)
{
	if (!pe_buf_room(pe, b, n))
		return false;
	xu_buf_add(b, s, n);
	return true;
}

static bool
buf_adds(struct pyeval *pe, struct xu_buf *b, const char *s)
{
	return buf_add(pe, b, s, strlen(s));
}

/* ---- floats ---- */

/* Python 2 str(float): 12 significant digits, always looking like a float. */
void
pe_float_str(double d, char *out, size_t size)
{
	if (isnan(d)) {
		snprintf(out, size, "nan");
		return;
	}
	if (isinf(d)) {
		snprintf(out, size, d < 0 ? "-inf" : "inf");
		return;
	}
	snprintf(out, size, "%.12g", d);
	if (strspn(out, "-0123456789") == strlen(out))
		strncat(out, ".0", size - strlen(out) - 1);
}

/* Python 2.7 repr(float): the shortest digits that read back the same,
 * in fixed notation for exponents -5 < e < 16. */
void
pe_float_repr(double d, char *out, size_t size)
{
	char buf[40], digits[24], *e;
	int prec, exp, nd, i;
	size_t o = 0;

	if (isnan(d) || isinf(d)) {
		pe_float_str(d, out, size);
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	e = strchr(buf, 'e');
	exp = atoi(e + 1);
	nd = 0;
	for (i = 0; buf + i < e; i++)
		if (buf[i] >= '0' && buf[i] <= '9')
			digits[nd++] = buf[i];
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	if (buf[0] == '-')
		out[o++] = '-';
	if (exp < -4 || exp >= 16) {
		out[o++] = digits[0];
		if (nd > 1) {
			out[o++] = '.';
			memcpy(out + o, digits + 1, (size_t)nd - 1);
			o += (size_t)nd - 1;
		}
		snprintf(out + o, size - o, "e%c%02d", exp < 0 ? '-' : '+',
		    abs(exp));
		return;
	}
	if (exp < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (i = 0; i < -exp - 1; i++)
			out[o++] = '0';
		memcpy(out + o, digits, (size_t)nd);
		o += (size_t)nd;
	} else if (exp + 1 >= nd) {
		memcpy(out + o, digits, (size_t)nd);
		o += (size_t)nd;
		for (i = 0; i < exp + 1 - nd; i++)
			out[o++] = '0';
		out[o++] = '.';
		out[o++] = '0';
	} else {
		memcpy(out + o, digits, (size_t)exp + 1);
		o += (size_t)exp + 1;
		out[o++] = '.';
		memcpy(out + o, digits + exp + 1, (size_t)(nd - exp - 1));
		o += (size_t)(nd - exp - 1);
	}
	out[o] = '\0';
}

/* ---- repr and str ---- */

/* One byte as Python 2's repr writes it inside quotes; returns its length. */
static size_t
repr_byte(unsigned char c, char quote, char *out)
{
	static const char hex[] = "0123456789abcdef";

	if (c == (unsigned char)quote || c == '\\' || c == '\n' || c == '\r' ||
	    c == '\t') {
		out[0] = '\\';
		out[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' :
		    (char)c;
		return 2;
	}
	if (c < ' ' || c >= 0x7f) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

static bool
repr_string(struct pyeval *pe, struct xu_buf *b, const char *s, size_t len)
{
	char quote = '\'', tmp[4];
	size_t i;

	if (memchr(s, '\'', len) != NULL && memchr(s, '"', len) == NULL)
		quote = '"';
	if (!pe_buf_room(pe, b, len + 2))
		return false;
	xu_buf_addc(b, quote);
	for (i = 0; i < len; i++)
		if (!buf_add(pe, b, tmp, repr_byte((unsigned char)s[i], quote, tmp)))
			return false;
	return buf_add(pe, b, &quote, 1);
}

static bool
repr_items(struct pyeval *pe, struct xu_buf *b, struct pv *v)
{
	const char *open = v->type == PV_LIST ? "[" : "(";
	const char *close = v->type == PV_LIST ? "]" : ")";
	size_t i;

	if (v->busy)
		return buf_adds(pe, b, v->type == PV_LIST ? "[...]" : "(...)");
	if (!buf_adds(pe, b, open))
		return false;
	v->busy = 1;
	for (i = 0; i < v->u.seq.n; i++) {
		if ((i > 0 && !buf_adds(pe, b, ", ")) ||
		    !pe_repr_buf(pe, b, v->u.seq.items[i]))
			goto fail;
	}
	v->busy = 0;
	if (v->type == PV_TUPLE && v->u.seq.n == 1 && !buf_adds(pe, b, ","))
		return false;
	return buf_adds(pe, b, close);
fail:
	v->busy = 0;
	return false;
}

static bool
repr_dict(struct pyeval *pe, struct xu_buf *b, struct pv *v)
{
	const struct pv_dict *d = v->u.dict;
	size_t i;

	if (v->busy)
		return buf_adds(pe, b, "{...}");
	if (!buf_adds(pe, b, "{"))
		return false;
	v->busy = 1;
	for (i = 0; i < d->n; i++) {
		if ((i > 0 && !buf_adds(pe, b, ", ")) ||
		    !pe_repr_buf(pe, b, d->ents[i].key) ||
		    !buf_adds(pe, b, ": ") ||
		    !pe_repr_buf(pe, b, d->ents[i].val))
			goto fail;
	}
	v->busy = 0;
	return buf_adds(pe, b, "}");
fail:
	v->busy = 0;
	return false;
}

static bool
repr_exc(struct pyeval *pe, struct xu_buf *b, struct pv *v)
{
	if (!buf_adds(pe, b, v->u.exc.name) || !buf_adds(pe, b, "("))
		return false;
	if (v->u.exc.arg != NULL && (!pe_repr_buf(pe, b, v->u.exc.arg) ||
	    !buf_adds(pe, b, ",")))
		return false;
	return buf_adds(pe, b, ")");
}

static bool
repr_other(struct pyeval *pe, struct xu_buf *b, struct pv *v)
{
	char tmp[160];

	switch (v->type) {
	case PV_FUNC:
		snprintf(tmp, sizeof(tmp), "<function %s>", v->u.func->def->name);
		break;
	case PV_BUILTIN:
		if (v->u.bi.self != NULL)
			snprintf(tmp, sizeof(tmp), "<built-in method %s of %s "
			    "object>", v->u.bi.def->name,
			    pe_typename(v->u.bi.self));
		else
			snprintf(tmp, sizeof(tmp), "<built-in function %s>",
			    v->u.bi.def->name);
		break;
	case PV_MODULE:
		snprintf(tmp, sizeof(tmp), "<module '%s'>", v->u.mod->name);
		break;
	case PV_EXCTYPE:
		snprintf(tmp, sizeof(tmp), "<type 'exceptions.%s'>",
		    v->u.exc.name);
		break;
	case PV_MATCH:
		snprintf(tmp, sizeof(tmp), "<_sre.SRE_Match object>");
		break;
	default:
		snprintf(tmp, sizeof(tmp), "<%s object>", pe_typename(v));
		break;
	}
	return buf_adds(pe, b, tmp);
}

bool
pe_repr_buf(struct pyeval *pe, struct xu_buf *b, struct pv *v)
{
	char tmp[64];
	bool ok;

	if (!pe_tick(pe, 1) || !pe_enter(pe))
		return false;
	switch (v->type) {
	case PV_NONE:
		ok = buf_adds(pe, b, "None");
		break;
	case PV_BOOL:
		ok = buf_adds(pe, b, v->u.b ? "True" : "False");
		break;
	case PV_INT:
		snprintf(tmp, sizeof(tmp), "%" PRId64, v->u.i);
		ok = buf_adds(pe, b, tmp);
		break;
	case PV_FLOAT:
		pe_float_repr(v->u.d, tmp, sizeof(tmp));
		ok = buf_adds(pe, b, tmp);
		break;
	case PV_STR:
		ok = pe_tick_items(pe, v->u.str.len) &&
		    repr_string(pe, b, v->u.str.s, v->u.str.len);
		break;
	case PV_LIST:
	case PV_TUPLE:
		ok = repr_items(pe, b, v);
		break;
	case PV_DICT:
		ok = repr_dict(pe, b, v);
		break;
	case PV_EXC:
		ok = repr_exc(pe, b, v);
		break;
	default:
		ok = repr_other(pe, b, v);
		break;
	}
	pe_leave(pe);
	return ok;
}

bool
pe_str_buf(struct pyeval *pe, struct xu_buf *b, struct pv *v)
{
	char tmp[64];

	switch (v->type) {
	case PV_STR:
		return pe_tick_bytes(pe, v->u.str.len) &&
		    buf_add(pe, b, v->u.str.s, v->u.str.len);
	case PV_FLOAT:
		pe_float_str(v->u.d, tmp, sizeof(tmp));
		return buf_adds(pe, b, tmp);
	case PV_EXC:
		return v->u.exc.arg == NULL ||
		    pe_str_buf(pe, b, v->u.exc.arg);
	default:
		return pe_repr_buf(pe, b, v);
	}
}

struct pv *
pe_repr(struct pyeval *pe, struct pv *v)
{
	struct xu_buf b;

	xu_buf_init(&b);
	if (!pe_repr_buf(pe, &b, v)) {
		xu_buf_dispose(&b);
		return NULL;
	}
	return pe_buf_value(pe, &b);
}

struct pv *
pe_tostr(struct pyeval *pe, struct pv *v)
{
	struct xu_buf b;

	if (v->type == PV_STR)
		return v;
	xu_buf_init(&b);
	if (!pe_str_buf(pe, &b, v)) {
		xu_buf_dispose(&b);
		return NULL;
	}
	return pe_buf_value(pe, &b);
}

/* ---- the % operator ---- */

struct fmt_spec {
	bool left, plus, space, alt, zero;
	int64_t width;		/* -1: none */
	int64_t prec;		/* -1: none */
	char conv;
};

struct fmt_state {
	const struct pv *fmt;
	size_t pos;
	struct pv **items;	/* positional arguments */
	size_t nitems, next;
	struct pv *mapping;	/* dict argument, for %(name)s */
};

/* Writes body with the sign/prefix and padding a spec asks for. */
static bool
emit_padded(struct pyeval *pe, struct xu_buf *b, const struct fmt_spec *sp,
    const char *prefix, const char *body, size_t len, bool numeric)
{
	size_t plen = strlen(prefix), total = plen + len, pad = 0, i;

	if (sp->width > 0 && (uint64_t)sp->width > total)
		pad = (size_t)sp->width - total;
	if (!pe_buf_room(pe, b, total + pad))
		return false;
	if (!sp->left && !(numeric && sp->zero))
		for (i = 0; i < pad; i++)
			xu_buf_addc(b, ' ');
	xu_buf_add(b, prefix, plen);
	if (!sp->left && numeric && sp->zero)
		for (i = 0; i < pad; i++)
			xu_buf_addc(b, '0');
	xu_buf_add(b, body, len);
	if (sp->left)
		for (i = 0; i < pad; i++)
			xu_buf_addc(b, ' ');
	return true;
}

static bool
fmt_text(struct pyeval *pe, struct xu_buf *b, const struct fmt_spec *sp,
    struct pv *arg)
{
	struct pv *s = sp->conv == 'r' ? pe_repr(pe, arg) : pe_tostr(pe, arg);
	size_t len;

	if (s == NULL)
		return false;
	len = s->u.str.len;
	if (sp->prec >= 0 && (uint64_t)sp->prec < len)
		len = (size_t)sp->prec;
	return emit_padded(pe, b, sp, "", s->u.str.s, len, false);
}

/* An integer argument for %d %x %o %c: ints, bools, floats truncated. */
static bool
fmt_int_arg(struct pyeval *pe, const struct fmt_spec *sp, struct pv *arg,
    int64_t *out)
{
	double d;

	if (arg->type == PV_INT || arg->type == PV_BOOL)
		return pe_as_index(pe, arg, out);
	if (arg->type == PV_FLOAT) {
		d = pe_trunc(arg->u.d);
		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
			pe_fail(pe, XU_ERR_RANGE, "OverflowError",
			    "integer overflow");
			return false;
		}
		*out = (int64_t)d;
		return true;
	}
	pe_fail(pe, XU_ERR_TYPE, "TypeError", "%%%c format: a number is "
	    "required, not %s", sp->conv, pe_typename(arg));
	return false;
}

static bool
fmt_integer(struct pyeval *pe, struct xu_buf *b, const struct fmt_spec *sp,
    struct pv *arg)
{
	char digits[96], prefix[8] = "", *d;
	uint64_t mag;
	int64_t v;
	size_t n;

	if (!fmt_int_arg(pe, sp, arg, &v))
		return false;
	mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	if (sp->conv == 'x' || sp->conv == 'X')
		snprintf(digits, sizeof(digits), sp->conv == 'x' ? "%" PRIx64 :
		    "%" PRIX64, mag);
	else if (sp->conv == 'o')
		snprintf(digits, sizeof(digits), "%" PRIo64, mag);
	else
		snprintf(digits, sizeof(digits), "%" PRIu64, mag);
	n = strlen(digits);
	if (sp->prec > 0 && (uint64_t)sp->prec > n) {
		if (sp->prec > 64)
			return pe_fail(pe, XU_ERR_RANGE, "OverflowError",
			    "formatted integer is too long (precision too "
			    "large?)") != NULL;
		memmove(digits + (sp->prec - (int64_t)n), digits, n + 1);
		memset(digits, '0', (size_t)sp->prec - n);
		n = (size_t)sp->prec;
	}
	d = prefix;
	if (v < 0)
		*d++ = '-';
	else if (sp->plus)
		*d++ = '+';
	else if (sp->space)
		*d++ = ' ';
	if (sp->alt && (sp->conv == 'x' || sp->conv == 'X')) {
		*d++ = '0';
		*d++ = sp->conv;
	} else if (sp->alt && sp->conv == 'o' && digits[0] != '0') {
		*d++ = '0';
	}
	*d = '\0';
	return emit_padded(pe, b, sp, prefix, digits, n, true);
}

static bool
fmt_float(struct pyeval *pe, struct xu_buf *b, const struct fmt_spec *sp,
    struct pv *arg)
{
	char spec[16], body[160], prefix[2] = "";
	double d;
	int prec = sp->prec < 0 ? 6 : (int)sp->prec, n;

	if (arg->type == PV_FLOAT)
		d = arg->u.d;
	else if (arg->type == PV_INT || arg->type == PV_BOOL)
		d = arg->type == PV_INT ? (double)arg->u.i : (double)arg->u.b;
	else
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "float argument "
		    "required, not %s", pe_typename(arg)) != NULL;
	if (sp->prec > 50 || (fabs(d) >= 1e50 && (sp->conv == 'f' ||
	    sp->conv == 'F')))
		return pe_fail(pe, XU_ERR_RANGE, "OverflowError", "formatted "
		    "float is too long (precision too large?)") != NULL;
	snprintf(spec, sizeof(spec), "%%%s.*%c", sp->alt ? "#" : "",
	    sp->conv);
	n = snprintf(body, sizeof(body), spec, prec, fabs(d));
	if (n < 0 || (size_t)n >= sizeof(body))
		return pe_fail(pe, XU_ERR_RANGE, "OverflowError", "formatted "
		    "float is too long (precision too large?)") != NULL;
	if (signbit(d) && !isnan(d))
		prefix[0] = '-';
	else if (sp->plus)
		prefix[0] = '+';
	else if (sp->space)
		prefix[0] = ' ';
	return emit_padded(pe, b, sp, prefix, body, (size_t)n, isfinite(d));
}

static bool
fmt_char(struct pyeval *pe, struct xu_buf *b, const struct fmt_spec *sp,
    struct pv *arg)
{
	char c;
	int64_t v;

	if (arg->type == PV_STR) {
		if (arg->u.str.len != 1)
			return pe_fail(pe, XU_ERR_TYPE, "TypeError",
			    "%%c requires int or char") != NULL;
		c = arg->u.str.s[0];
	} else {
		if (!fmt_int_arg(pe, sp, arg, &v))
			return false;
		if (v < 0 || v > 255)
			return pe_fail(pe, XU_ERR_RANGE, "OverflowError",
			    "unsigned byte integer is out of range") != NULL;
		c = (char)v;
	}
	return emit_padded(pe, b, sp, "", &c, 1, false);
}

/* Next positional argument, or the mapping's value for key. */
static struct pv *
fmt_next_arg(struct pyeval *pe, struct fmt_state *st, const char *key,
    size_t keylen)
{
	struct pv *k, *v;

	if (key != NULL) {
		if (st->mapping == NULL)
			return pe_fail(pe, XU_ERR_TYPE, "TypeError",
			    "format requires a mapping");
		if ((k = pe_str(pe, key, keylen)) == NULL)
			return NULL;
		if ((v = pe_dict_get(pe, st->mapping, k)) == NULL &&
		    !pe_failed(pe))
			return pe_fail(pe, XU_ERR_NOT_FOUND, "KeyError",
			    "KeyError: '%.*s'", (int)(keylen > 100 ? 100 :
			    keylen), key);
		return v;
	}
	if (st->next >= st->nitems)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError",
		    "not enough arguments for format string");
	return st->items[st->next++];
}

/* A width or precision: digits, or '*' taking an int argument. */
static bool
fmt_number(struct pyeval *pe, struct fmt_state *st, int64_t *out)
{
	const char *s = st->fmt->u.str.s;
	size_t len = st->fmt->u.str.len;
	struct pv *a;

	if (st->pos < len && s[st->pos] == '*') {
		st->pos++;
		if ((a = fmt_next_arg(pe, st, NULL, 0)) == NULL)
			return false;
		if (a->type != PV_INT)
			return pe_fail(pe, XU_ERR_TYPE, "TypeError",
			    "* wants int") != NULL;
		*out = a->u.i < 0 ? 0 : a->u.i;
		return true;
	}
	if (st->pos >= len || s[st->pos] < '0' || s[st->pos] > '9')
		return true;
	*out = 0;
	while (st->pos < len && s[st->pos] >= '0' && s[st->pos] <= '9') {
		*out = *out * 10 + (s[st->pos++] - '0');
		if (*out > PYEVAL_MAX_STR)
			return pe_fail(pe, XU_ERR_RANGE, "ValueError",
			    "width or precision too big") != NULL;
	}
	return true;
}

/* Parses "(key)flags width .prec conv" after a '%'. */
static bool
fmt_parse_spec(struct pyeval *pe, struct fmt_state *st, struct fmt_spec *sp,
    const char **key, size_t *keylen)
{
	const char *s = st->fmt->u.str.s;
	size_t len = st->fmt->u.str.len, start, depth;

	memset(sp, 0, sizeof(*sp));
	sp->width = sp->prec = -1;
	*key = NULL;
	if (st->pos < len && s[st->pos] == '(') {
		start = ++st->pos;
		for (depth = 1; st->pos < len; st->pos++) {
			if (s[st->pos] == '(')
				depth++;
			else if (s[st->pos] == ')' && --depth == 0)
				break;
		}
		if (st->pos >= len)
			return pe_fail(pe, XU_ERR_INVALID, "ValueError",
			    "incomplete format key") != NULL;
		*key = s + start;
		*keylen = st->pos - start;
		st->pos++;
	}
	for (; st->pos < len; st->pos++) {
		char c = s[st->pos];

		if (c == '-')
			sp->left = true;
		else if (c == '+')
			sp->plus = true;
		else if (c == ' ')
			sp->space = true;
		else if (c == '#')
			sp->alt = true;
		else if (c == '0')
			sp->zero = true;
		else
			break;
	}
	if (!fmt_number(pe, st, &sp->width))
		return false;
	if (st->pos < len && s[st->pos] == '.') {
		st->pos++;
		sp->prec = 0;
		if (!fmt_number(pe, st, &sp->prec))
			return false;
	}
	while (st->pos < len && strchr("hlL", s[st->pos]) != NULL &&
	    s[st->pos] != '\0')
		st->pos++;
	if (st->pos >= len)
		return pe_fail(pe, XU_ERR_INVALID, "ValueError",
		    "incomplete format") != NULL;
	sp->conv = s[st->pos++];
	return true;
}

static bool
fmt_one(struct pyeval *pe, struct xu_buf *b, struct fmt_state *st)
{
	struct fmt_spec sp;
	struct pv *arg;
	const char *key;
	size_t keylen = 0;
	unsigned char c;

	if (!fmt_parse_spec(pe, st, &sp, &key, &keylen))
		return false;
	if (sp.conv == '%')
		return buf_add(pe, b, "%", 1);
	c = (unsigned char)sp.conv;
	if (strchr("srdiuxXoeEfFgGc", c) == NULL || c == '\0')
		return pe_fail(pe, XU_ERR_INVALID, "ValueError",
		    "unsupported format character '%c' (0x%x) at index %zu",
		    c >= ' ' && c < 0x7f ? c : '?', c, st->pos - 1) != NULL;
	if ((arg = fmt_next_arg(pe, st, key, keylen)) == NULL)
		return false;
	switch (c) {
	case 's':
	case 'r':
		return fmt_text(pe, b, &sp, arg);
	case 'c':
		return fmt_char(pe, b, &sp, arg);
	case 'd':
	case 'i':
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		return fmt_integer(pe, b, &sp, arg);
	default:
		return fmt_float(pe, b, &sp, arg);
	}
}

/* fmt % args */
struct pv *
pe_format(struct pyeval *pe, const struct pv *fmt, struct pv *args)
{
	struct fmt_state st = { .fmt = fmt };
	struct xu_buf b;
	const char *s = fmt->u.str.s, *pct;
	size_t len = fmt->u.str.len;

	if (args->type == PV_TUPLE) {
		st.items = args->u.seq.items;
		st.nitems = args->u.seq.n;
	} else {
		st.items = &args;
		st.nitems = 1;
		if (args->type == PV_DICT)
			st.mapping = args;
	}
	xu_buf_init(&b);
	while (st.pos < len) {
		pct = memchr(s + st.pos, '%', len - st.pos);
		if (pct == NULL)
			pct = s + len;
		if (!buf_add(pe, &b, s + st.pos, (size_t)(pct - (s + st.pos))))
			goto fail;
		st.pos = (size_t)(pct - s);
		if (st.pos == len)
			break;
		st.pos++;
		if (!pe_tick(pe, 1) || !fmt_one(pe, &b, &st))
			goto fail;
	}
	if (st.mapping == NULL && st.next < st.nitems) {
		pe_fail(pe, XU_ERR_TYPE, "TypeError",
		    "not all arguments converted during string formatting");
		goto fail;
	}
	return pe_buf_value(pe, &b);
fail:
	xu_buf_dispose(&b);
	return NULL;
}
