/* sxp.c: the S-expression reader and the single-line and pretty printers,
 * byte-compatible with classic xend's sxp.py and PrettyPrint.py. */
#include "sxp.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Reader.
 *
 * One pass over the bytes with an explicit stack of open lists, so hostile
 * nesting costs a bounded array rather than C stack. stack[0] is the list
 * of top-level forms and owns everything: a list is appended to its parent
 * as soon as it opens, which makes cleanup on error a single xv_free.
 */

struct reader {
	const char *p, *end;
	int line;
	struct xv *stack[SXP_MAX_DEPTH + 1];
	size_t depth;
	struct xu_buf tok;
	struct xu_err *err;
};

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/* '!' stopped being a separator in Xen 4.0; we read as 4.1 did. */
static bool
is_separator(int c)
{
	return c != '\0' && strchr("{}()<>[];", c) != NULL;
}

/* Python's string.printable minus whitespace, which is handled first. */
static bool
is_printable(int c)
{
	return c > 0x20 && c < 0x7f;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
eof_error(struct reader *r, const char *what, int start)
{
	xu_err_set(r->err, XU_ERR_SYNTAX, r->line,
	    "unexpected EOF in %s started on line %d", what, start);
	return XU_ERR_SYNTAX;
}

/* Reads the escape after a backslash inside a string into r->tok. */
static int
read_escape(struct reader *r, int start)
{
	static const char from[] = "abtnvfr\\'\"";
	static const char to[] = "\a\b\t\n\v\f\r\\'\"";
	const char *e;
	int c, d, v, n;

	if (r->p == r->end)
		return eof_error(r, "string", start);
	c = (unsigned char)*r->p++;
	if (c != '\0' && (e = strchr(from, c)) != NULL) {
		xu_buf_addc(&r->tok, to[e - from]);
		return XU_OK;
	}
	if (c == 'x') {
		/* sxp.py meant to take one or two digits (it crashed on
		 * fewer than two); with none there is nothing to take. */
		for (v = 0, n = 0; n < 2 && r->p < r->end; n++, r->p++) {
			if ((d = hexval((unsigned char)*r->p)) < 0)
				break;
			v = v * 16 + d;
		}
		if (n == 0) {
			if (r->p == r->end)
				return eof_error(r, "string", start);
			xu_err_set(r->err, XU_ERR_SYNTAX, r->line,
			    "invalid hex escape: no digits after \\x");
			return XU_ERR_SYNTAX;
		}
		xu_buf_addc(&r->tok, (char)v);
		return XU_OK;
	}
	if (c >= '0' && c <= '7') {
		v = c - '0';
		for (n = 1; n < 3 && r->p < r->end; n++, r->p++) {
			d = (unsigned char)*r->p;
			if (d < '0' || d > '7')
				break;
			v = v * 8 + d - '0';
		}
		if (v > 0xff) {
			xu_err_set(r->err, XU_ERR_SYNTAX, r->line,
			    "invalid octal escape: out of range \\%o", v);
			return XU_ERR_SYNTAX;
		}
		xu_buf_addc(&r->tok, (char)v);
		return XU_OK;
	}
	/* Unknown escapes are kept verbatim, backslash included. */
	if (c == '\n')
		r->line++;
	xu_buf_addc(&r->tok, '\\');
	xu_buf_addc(&r->tok, (char)c);
	return XU_OK;
}

static void
add_item(struct reader *r, struct xv *v, int line)
{
	v->line = line;
	xv_append(r->stack[r->depth], v);
}

/* r->p is just past the opening quote. */
static int
read_string(struct reader *r, char delim)
{
	int start = r->line, rc;
	char c;

	r->tok.len = 0;
	for (;;) {
		if (r->p == r->end)
			return eof_error(r, "string", start);
		c = *r->p++;
		if (c == delim)
			break;
		if (c == '\\') {
			if ((rc = read_escape(r, start)) < 0)
				return rc;
			continue;
		}
		if (c == '\n')
			r->line++;
		xu_buf_addc(&r->tok, c);
	}
	add_item(r, xv_strn(r->tok.len ? r->tok.data : "", r->tok.len), start);
	return XU_OK;
}

/*
 * r->p is at the atom's first byte. An atom runs to whitespace, '#' or a
 * separator; the separator is left unread, so a non-parenthesis one starts
 * the next atom, as in sxp.py. Bytes that could not start an atom (control
 * characters, Ctrl-D included, and non-ASCII) are kept inside one, also as
 * sxp.py did.
 */
static void
read_atom(struct reader *r)
{
	const char *s = r->p++;
	int c;

	while (r->p < r->end) {
		c = (unsigned char)*r->p;
		if (is_space(c) || c == '#' || is_separator(c))
			break;
		r->p++;
	}
	add_item(r, xv_strn(s, (size_t)(r->p - s)), r->line);
}

static int
open_list(struct reader *r)
{
	struct xv *l;

	if (r->depth == SXP_MAX_DEPTH) {
		xu_err_set(r->err, XU_ERR_TOO_BIG, r->line,
		    "lists nested deeper than %d", SXP_MAX_DEPTH);
		return XU_ERR_TOO_BIG;
	}
	l = xv_list();
	add_item(r, l, r->line);
	r->stack[++r->depth] = l;
	return XU_OK;
}

static int
read_all(struct reader *r)
{
	int c, rc;

	while (r->p < r->end) {
		c = (unsigned char)*r->p;
		if (c == '\n') {
			r->line++;
			r->p++;
		} else if (is_space(c))
			r->p++;
		else if (c == '#') {
			while (r->p < r->end && *r->p != '\n')
				r->p++;
		} else if (c == '(') {
			r->p++;
			if ((rc = open_list(r)) < 0)
				return rc;
		} else if (c == ')') {
			if (r->depth == 0) {
				xu_err_set(r->err, XU_ERR_SYNTAX, r->line,
				    "unbalanced ')'");
				return XU_ERR_SYNTAX;
			}
			r->p++;
			r->depth--;
		} else if (c == '"' || c == '\'') {
			r->p++;
			if ((rc = read_string(r, (char)c)) < 0)
				return rc;
		} else if (c == 0x04) {
			/* Ctrl-D: end of text, whatever follows. */
			r->end = r->p;
		} else if (is_printable(c))
			read_atom(r);
		else {
			xu_err_set(r->err, XU_ERR_SYNTAX, r->line,
			    "invalid character: code %d", c);
			return XU_ERR_SYNTAX;
		}
	}
	if (r->depth > 0)
		return eof_error(r, "list", r->stack[r->depth]->line);
	return XU_OK;
}

int
sxp_parse(const char *buf, size_t len, struct xv **forms, struct xu_err *err)
{
	struct reader r;
	int rc;

	*forms = NULL;
	memset(&r, 0, sizeof(r));
	r.line = 1;
	r.err = err;
	if (len > SXP_MAX_INPUT) {
		xu_err_set(err, XU_ERR_TOO_BIG, 0,
		    "input of %zu bytes exceeds the limit of %u", len,
		    SXP_MAX_INPUT);
		return XU_ERR_TOO_BIG;
	}
	r.p = buf;
	r.end = buf + len;
	r.stack[0] = xv_list();
	r.stack[0]->line = 1;
	xu_buf_init(&r.tok);
	rc = read_all(&r);
	xu_buf_dispose(&r.tok);
	if (rc < 0) {
		xv_free(r.stack[0]);
		return rc;
	}
	*forms = r.stack[0];
	return XU_OK;
}

int
sxp_parse_one(const char *buf, size_t len, struct xv **value,
    struct xu_err *err)
{
	struct xv *forms;
	int rc;

	*value = NULL;
	if ((rc = sxp_parse(buf, len, &forms, err)) < 0)
		return rc;
	if (forms->u.list.n != 1) {
		if (forms->u.list.n == 0)
			xu_err_set(err, XU_ERR_SYNTAX, 0,
			    "unexpected EOF: no value");
		else
			xu_err_set(err, XU_ERR_SYNTAX,
			    forms->u.list.items[1]->line,
			    "unexpected input after the value");
		xv_free(forms);
		return XU_ERR_SYNTAX;
	}
	*value = forms->u.list.items[0];
	forms->u.list.n = 0;
	xv_free(forms);
	return XU_OK;
}

/*
 * Printers.
 */

/* sxp.py's atomp(): what may be written without quotes. */
static bool
atom_safe(const char *s, size_t len)
{
	size_t i;
	int c;

	if (len == 0)
		return false;
	if (len == 1 && s[0] == '@')
		return true;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr(".-_:/~", c) != NULL))
			continue;
		return false;
	}
	return true;
}

/* Python 2 repr() of a str: the quote that needs no escaping if possible. */
static char
repr_quote(const char *s, size_t len)
{
	if (memchr(s, '\'', len) != NULL && memchr(s, '"', len) == NULL)
		return '"';
	return '\'';
}

/* Bytes one character takes in repr(). */
static size_t
repr_len(int c, char quote)
{
	if (c == quote || c == '\\' || c == '\t' || c == '\n' || c == '\r')
		return 2;
	if (c < 0x20 || c >= 0x7f)
		return 4;
	return 1;
}

void
sxp_quote(struct xu_buf *buf, const char *s, size_t len)
{
	char quote, esc[5];
	size_t i;
	int c;

	if (atom_safe(s, len)) {
		xu_buf_add(buf, s, len);
		return;
	}
	quote = repr_quote(s, len);
	xu_buf_addc(buf, quote);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		switch (repr_len(c, quote)) {
		case 1:
			xu_buf_addc(buf, (char)c);
			break;
		case 2:
			xu_buf_addc(buf, '\\');
			xu_buf_addc(buf, c == '\t' ? 't' : c == '\n' ? 'n' :
			    c == '\r' ? 'r' : (char)c);
			break;
		default:
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			xu_buf_add(buf, esc, 4);
			break;
		}
	}
	xu_buf_addc(buf, quote);
}

/* Python 2 str(float): 12 significant digits, ".0" kept on integral values. */
static void
format_double(char *out, size_t size, double d)
{
	if (isnan(d)) {
		snprintf(out, size, "nan");
		return;
	}
	if (isinf(d)) {
		snprintf(out, size, "%s", d < 0 ? "-inf" : "inf");
		return;
	}
	snprintf(out, size, "%.12g", d);
	if (strpbrk(out, ".e") == NULL)
		strncat(out, ".0", size - strlen(out) - 1);
}

/* Printed form of a non-list value (into tmp when it is not a string). */
static void
scalar_text(const struct xv *v, char *tmp, size_t size, const char **s,
    size_t *len)
{
	switch (v->type) {
	case XV_STRING:
		*s = v->u.str.s;
		*len = v->u.str.len;
		return;
	case XV_NIL:
		snprintf(tmp, size, "None");
		break;
	case XV_BOOL:
		snprintf(tmp, size, "%s", v->u.b ? "True" : "False");
		break;
	case XV_INT:
		snprintf(tmp, size, "%" PRId64, v->u.i);
		break;
	case XV_DOUBLE:
		format_double(tmp, size, v->u.d);
		break;
	default:
		tmp[0] = '\0';
		break;
	}
	*s = tmp;
	*len = strlen(tmp);
}

static void
print_scalar(struct xu_buf *buf, const struct xv *v)
{
	char tmp[64];
	const char *s;
	size_t len;

	scalar_text(v, tmp, sizeof(tmp), &s, &len);
	if (v->type == XV_STRING)
		sxp_quote(buf, s, len);
	else
		xu_buf_add(buf, s, len);
}

static void
print_flat(struct xu_buf *buf, const struct xv *v)
{
	size_t i;

	if (v->type != XV_LIST) {
		print_scalar(buf, v);
		return;
	}
	xu_buf_addc(buf, '(');
	for (i = 0; i < v->u.list.n; i++) {
		if (i > 0)
			xu_buf_addc(buf, ' ');
		print_flat(buf, v->u.list.items[i]);
	}
	xu_buf_addc(buf, ')');
}

/*
 * Width of v printed on one line, or some value above cap once it is known
 * to exceed cap. Every node visited adds at least one byte, so a call costs
 * O(cap) however large v is.
 */
static size_t
flat_len(const struct xv *v, size_t cap)
{
	char tmp[64], quote;
	const char *s;
	size_t len, i, n;

	if (v->type == XV_LIST) {
		n = 2 + (v->u.list.n ? v->u.list.n - 1 : 0);
		for (i = 0; i < v->u.list.n && n <= cap; i++)
			n += flat_len(v->u.list.items[i], cap - n + 1);
		return n;
	}
	scalar_text(v, tmp, sizeof(tmp), &s, &len);
	if (v->type != XV_STRING || atom_safe(s, len))
		return len;
	quote = repr_quote(s, len);
	for (i = 0, n = 2; i < len && n <= cap; i++)
		n += repr_len((unsigned char)s[i], quote);
	return n;
}

static void
newline_indent(struct xu_buf *buf, size_t col)
{
	xu_buf_addc(buf, '\n');
	while (col-- > 0)
		xu_buf_addc(buf, ' ');
}

/*
 * PrettyPrint.py's rule: a list starting at column col is flat if its
 * one-line width fits in what is left of the line; otherwise every item
 * after the first goes on its own line 4 columns in, and ')' on its own
 * line under '('.
 */
static void
pretty(struct xu_buf *buf, const struct xv *v, size_t col, size_t width)
{
	size_t i;

	if (v->type != XV_LIST || (col <= width &&
	    flat_len(v, width - col) <= width - col)) {
		print_flat(buf, v);
		return;
	}
	xu_buf_addc(buf, '(');
	for (i = 0; i < v->u.list.n; i++) {
		if (i == 0)
			pretty(buf, v->u.list.items[i], col + 1, width);
		else {
			newline_indent(buf, col + 4);
			pretty(buf, v->u.list.items[i], col + 4, width);
		}
	}
	newline_indent(buf, col);
	xu_buf_addc(buf, ')');
}

static bool
has_struct(const struct xv *v)
{
	size_t i;

	if (v->type == XV_STRUCT)
		return true;
	if (v->type == XV_LIST)
		for (i = 0; i < v->u.list.n; i++)
			if (has_struct(v->u.list.items[i]))
				return true;
	return false;
}

/* A copy of v with each struct turned into its list of (key value) pairs. */
static struct xv *
structs_to_lists(const struct xv *v)
{
	struct xv *l, *pair;
	size_t i;

	switch (v->type) {
	case XV_LIST:
		l = xv_list();
		for (i = 0; i < v->u.list.n; i++)
			xv_append(l, structs_to_lists(v->u.list.items[i]));
		break;
	case XV_STRUCT:
		l = xv_list();
		for (i = 0; i < v->u.st.n; i++) {
			pair = xv_list();
			xv_append(pair, xv_str(v->u.st.members[i].key));
			xv_append(pair,
			    structs_to_lists(v->u.st.members[i].val));
			xv_append(l, pair);
		}
		break;
	default:
		return xv_copy(v);
	}
	l->line = v->line;
	return l;
}

void
sxp_print(struct xu_buf *buf, const struct xv *v)
{
	struct xv *tmp = NULL;

	if (v == NULL)
		return;
	if (has_struct(v))
		v = tmp = structs_to_lists(v);
	print_flat(buf, v);
	xv_free(tmp);
}

char *
sxp_to_string(const struct xv *v)
{
	struct xu_buf buf;

	xu_buf_init(&buf);
	sxp_print(&buf, v);
	return xu_buf_steal(&buf);
}

char *
sxp_pretty(const struct xv *v, int width)
{
	struct xv *tmp = NULL;
	struct xu_buf buf;

	xu_buf_init(&buf);
	if (v != NULL) {
		if (has_struct(v))
			v = tmp = structs_to_lists(v);
		pretty(&buf, v, 0, width > 0 ? (size_t)width : 0);
		xv_free(tmp);
	}
	xu_buf_addc(&buf, '\n');
	return xu_buf_steal(&buf);
}
