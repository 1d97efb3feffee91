/* pyeval-lex.c: the tokenizer for the config subset of Python 2: logical
 * lines, INDENT/DEDENT, literals decoded into the arena, operators. */
#include "pyeval-int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longest first, so "**=" wins over "**" and "*". */
static const struct {
	const char *text;
	int op;
} ops[] = {
	{ "**=", OP_IPOW }, { "//=", OP_IFLOORDIV }, { ">>=", OP_IRSHIFT },
	{ "<<=", OP_ILSHIFT },
	{ "**", OP_POW }, { "//", OP_FLOORDIV }, { ">>", OP_RSHIFT },
	{ "<<", OP_LSHIFT }, { "<=", OP_LE }, { ">=", OP_GE }, { "==", OP_EQ },
	{ "!=", OP_NE }, { "<>", OP_NE }, { "+=", OP_IADD }, { "-=", OP_ISUB },
	{ "*=", OP_IMUL }, { "/=", OP_IDIV }, { "%=", OP_IMOD },
	{ "&=", OP_IBITAND }, { "|=", OP_IBITOR }, { "^=", OP_IBITXOR },
	{ "+", OP_ADD }, { "-", OP_SUB }, { "*", OP_MUL }, { "/", OP_DIV },
	{ "%", OP_MOD }, { "&", OP_BITAND }, { "|", OP_BITOR },
	{ "^", OP_BITXOR }, { "~", OP_TILDE }, { "<", OP_LT }, { ">", OP_GT },
	{ "(", OP_LPAR }, { ")", OP_RPAR }, { "[", OP_LSQB }, { "]", OP_RSQB },
	{ "{", OP_LBRACE }, { "}", OP_RBRACE }, { ",", OP_COMMA },
	{ ":", OP_COLON }, { ".", OP_DOT }, { ";", OP_SEMI }, { "=", OP_ASSIGN },
	{ "@", OP_AT }, { "`", OP_BACKQUOTE },
};

const char *
pe_op_name(int op)
{
	size_t i;

	switch (op) {
	case OP_NEG:
		return "-";
	case OP_POS:
		return "+";
	case OP_INVERT:
		return "~";
	case OP_IN:
		return "in";
	case OP_NOTIN:
		return "not in";
	case OP_IS:
		return "is";
	case OP_ISNOT:
		return "is not";
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return ops[i].text;
	return "?";
}

void
lex_init(struct lexer *lx, struct pyeval *pe, const char *src, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->pe = pe;
	lx->p = src;
	lx->end = src + len;
	lx->line = 1;
	lx->at_bol = true;
}

static void
lex_error(struct lexer *lx, struct token *t, int rc, const char *msg)
{
	t->type = T_ERROR;
	t->line = lx->line;
	t->rc = rc;
	t->msg = msg;
	lx->failed = true;
}

static bool
is_newline(const struct lexer *lx, const char *p)
{
	return p < lx->end && (*p == '\n' || *p == '\r');
}

/* Steps over one "\n", "\r\n" or "\r" and counts the line. */
static const char *
skip_newline(struct lexer *lx, const char *p)
{
	if (*p == '\r' && p + 1 < lx->end && p[1] == '\n')
		p++;
	lx->line++;
	return p + 1;
}

/* At the start of a logical line: skip blank and comment-only lines and
 * compare the indentation with the stack. Returns true when t holds an
 * INDENT, DEDENT or error. */
static bool
lex_indent(struct lexer *lx, struct token *t)
{
	int col, top;

	for (;;) {
		col = 0;
		while (lx->p < lx->end) {
			if (*lx->p == ' ')
				col++;
			else if (*lx->p == '\t')
				col = (col / 8 + 1) * 8;
			else if (*lx->p == '\f')
				col = 0;
			else
				break;
			lx->p++;
		}
		if (lx->p < lx->end && *lx->p == '#')
			while (lx->p < lx->end && !is_newline(lx, lx->p))
				lx->p++;
		if (lx->p == lx->end)
			return false;
		if (!is_newline(lx, lx->p))
			break;
		lx->p = skip_newline(lx, lx->p);
	}
	lx->at_bol = false;
	t->line = lx->line;
	top = lx->indents[lx->nindent];
	if (col > top) {
		if (lx->nindent >= PYEVAL_MAX_DEPTH) {
			lex_error(lx, t, XU_ERR_TOO_BIG,
			    "too many levels of indentation");
			return true;
		}
		lx->indents[++lx->nindent] = col;
		t->type = T_INDENT;
		return true;
	}
	if (col == top)
		return false;
	while (lx->nindent > 0 && lx->indents[lx->nindent] > col) {
		lx->nindent--;
		lx->pending_dedents++;
	}
	if (lx->indents[lx->nindent] != col) {
		lex_error(lx, t, XU_ERR_SYNTAX,
		    "unindent does not match any outer indentation level");
		return true;
	}
	lx->pending_dedents--;
	t->type = T_DEDENT;
	return true;
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

/* Appends code point cp as UTF-8 (u'' strings' \u escapes). */
static size_t
put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes one backslash escape at p (just after the backslash) into o.
 * Returns the bytes written, or -1 for a malformed escape. */
static int
decode_escape(const char **pp, const char *end, char *o, bool unicode)
{
	const char *p = *pp;
	int v, i, d, n;
	uint32_t cp;

	switch (*p) {
	case 'n': *o = '\n'; break;
	case 't': *o = '\t'; break;
	case 'r': *o = '\r'; break;
	case 'a': *o = '\a'; break;
	case 'b': *o = '\b'; break;
	case 'f': *o = '\f'; break;
	case 'v': *o = '\v'; break;
	case '\\': *o = '\\'; break;
	case '\'': *o = '\''; break;
	case '"': *o = '"'; break;
	case 'x':
		if (end - p < 3 || hexval(p[1]) < 0 || hexval(p[2]) < 0)
			return -1;
		*o = (char)(hexval(p[1]) * 16 + hexval(p[2]));
		*pp = p + 3;
		return 1;
	case 'u':
	case 'U':
		if (!unicode)
			goto keep;
		n = *p == 'u' ? 4 : 8;
		if (end - p < n + 1)
			return -1;
		cp = 0;
		for (i = 1; i <= n; i++) {
			if ((d = hexval(p[i])) < 0)
				return -1;
			cp = cp * 16 + (uint32_t)d;
		}
		if (cp > 0x10ffff)
			return -1;
		*pp = p + n + 1;
		return (int)put_utf8(o, cp);
	default:
		if (*p >= '0' && *p <= '7') {
			v = 0;
			for (i = 0; i < 3 && p < end && *p >= '0' && *p <= '7'; i++)
				v = v * 8 + (*p++ - '0');
			*o = (char)v;
			*pp = p;
			return 1;
		}
keep:
		/* Python keeps unknown escapes as written. */
		o[0] = '\\';
		o[1] = *p;
		*pp = p + 1;
		return 2;
	}
	*pp = p + 1;
	return 1;
}

/* Finds the closing quote of a literal whose body starts at p. Returns the
 * closing position or NULL when the string does not end. */
static const char *
find_string_end(struct lexer *lx, const char *p, char q, bool triple)
{
	while (p < lx->end) {
		if (*p == '\\') {
			if (p + 1 >= lx->end)
				return NULL;
			p++;
			if (is_newline(lx, p)) {
				p = skip_newline(lx, p);
				continue;
			}
			p++;
			continue;
		}
		if (*p == q && (!triple ||
		    (lx->end - p >= 3 && p[1] == q && p[2] == q)))
			return p;
		if (is_newline(lx, p)) {
			if (!triple)
				return NULL;
			p = skip_newline(lx, p);
			continue;
		}
		p++;
	}
	return NULL;
}

static void
lex_string(struct lexer *lx, struct token *t, bool raw, bool unicode)
{
	const char *p = lx->p, *body, *close;
	char q = *p, *o, *buf;
	bool triple;
	int n, line = lx->line;

	triple = lx->end - p >= 3 && p[1] == q && p[2] == q;
	body = p + (triple ? 3 : 1);
	t->type = T_STR;
	t->line = lx->line;
	if ((close = find_string_end(lx, body, q, triple)) == NULL) {
		lex_error(lx, t, XU_ERR_SYNTAX, "unterminated string");
		t->line = line;
		return;
	}
	if ((size_t)(close - body) > PYEVAL_MAX_SOURCE) {
		lex_error(lx, t, XU_ERR_TOO_BIG, "string literal too long");
		return;
	}
	buf = o = pe_alloc(lx->pe, (size_t)(close - body) + 1);
	for (p = body; p < close;) {
		if (*p == '\r') {
			/* universal newlines, as execfile reads the file */
			*o++ = '\n';
			p += (p + 1 < close && p[1] == '\n') ? 2 : 1;
		} else if (*p != '\\') {
			*o++ = *p++;
		} else if (is_newline(lx, p + 1)) {
			/* backslash-newline: raw keeps both, others drop them */
			if (raw) {
				*o++ = '\\';
				*o++ = '\n';
			}
			p++;
			p += (*p == '\r' && p + 1 < close && p[1] == '\n') ? 2 : 1;
		} else if (raw) {
			*o++ = *p++;
			*o++ = *p++;
		} else {
			p++;
			if ((n = decode_escape(&p, close, o, unicode)) < 0) {
				lex_error(lx, t, XU_ERR_SYNTAX,
				    "invalid \\x escape");
				return;
			}
			o += n;
		}
	}
	*o = '\0';
	t->s = buf;
	t->len = (size_t)(o - buf);
	lx->p = close + (triple ? 3 : 1);
}

static bool
is_name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Integer literal in a base; accumulate with overflow detection. */
static bool
parse_digits(const char *p, const char *end, int base, int64_t *out)
{
	int64_t v = 0;
	int d;

	if (p == end)
		return false;
	for (; p < end; p++) {
		d = hexval(*p);
		if (d < 0 || d >= base)
			return false;
		if (__builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, d, &v)) {
			errno = ERANGE;
			return false;
		}
	}
	*out = v;
	return true;
}

static void
lex_float(struct lexer *lx, struct token *t, const char *start, const char *end)
{
	char tmp[128];
	size_t n = (size_t)(end - start);

	if (n >= sizeof(tmp)) {
		lex_error(lx, t, XU_ERR_TOO_BIG, "number literal too long");
		return;
	}
	memcpy(tmp, start, n);
	tmp[n] = '\0';
	t->type = T_FLOAT;
	t->d = strtod(tmp, NULL);
}

/* The digits of a decimal literal from p: sets *isfloat when a fraction
 * or exponent follows; returns the end. */
static const char *
scan_decimal(const struct lexer *lx, const char *p, bool *isfloat)
{
	const char *e;

	*isfloat = false;
	while (p < lx->end && isdigit((unsigned char)*p))
		p++;
	if (p < lx->end && *p == '.') {
		*isfloat = true;
		p++;
		while (p < lx->end && isdigit((unsigned char)*p))
			p++;
	}
	if (p < lx->end && (*p == 'e' || *p == 'E')) {
		e = p + 1;
		if (e < lx->end && (*e == '+' || *e == '-'))
			e++;
		if (e < lx->end && isdigit((unsigned char)*e)) {
			*isfloat = true;
			p = e;
			while (p < lx->end && isdigit((unsigned char)*p))
				p++;
		}
	}
	return p;
}

/* Scans a number at lx->p: ints in every base Python 2 knows (leading 0 is
 * octal), an L suffix, floats with fraction and exponent. */
static void
lex_number(struct lexer *lx, struct token *t)
{
	const char *p = lx->p, *digits;
	int base = 10;
	bool isfloat = false;

	t->line = lx->line;
	if (*p == '0' && p + 1 < lx->end && p[1] != '\0' &&
	    strchr("xXoObB", p[1]) != NULL) {
		base = (p[1] == 'x' || p[1] == 'X') ? 16 :
		    (p[1] == 'o' || p[1] == 'O') ? 8 : 2;
		digits = p += 2;
		while (p < lx->end && hexval(*p) >= 0 &&
		    (base == 16 || hexval(*p) < base))
			p++;
	} else {
		digits = p;
		p = scan_decimal(lx, p, &isfloat);
		if (!isfloat && *digits == '0' && p - digits > 1)
			base = 8;	/* Python 2: 0755 */
	}
	if (p < lx->end && (*p == 'j' || *p == 'J')) {
		lex_error(lx, t, XU_ERR_UNSUPPORTED,
		    "complex numbers are not supported");
		return;
	}
	if (isfloat) {
		lex_float(lx, t, lx->p, p);
	} else {
		errno = 0;
		t->type = T_INT;
		if (!parse_digits(digits, p, base, &t->i)) {
			lex_error(lx, t, errno == ERANGE ? XU_ERR_RANGE :
			    XU_ERR_SYNTAX, errno == ERANGE ?
			    "integer literal too large (integer overflow)" :
			    "invalid token");
			return;
		}
		if (p < lx->end && (*p == 'l' || *p == 'L'))
			p++;
	}
	if (!lx->failed && p < lx->end && is_name_char(*p)) {
		lex_error(lx, t, XU_ERR_SYNTAX, "invalid syntax");
		return;
	}
	lx->p = p;
}

/* A name, or a string with a prefix (r'', u'', ur'', b''). */
static void
lex_name(struct lexer *lx, struct token *t)
{
	const char *p = lx->p;
	size_t n;
	bool raw = false, unicode = false;

	while (p < lx->end && is_name_char(*p))
		p++;
	n = (size_t)(p - lx->p);
	if (n <= 2 && p < lx->end && (*p == '\'' || *p == '"')) {
		size_t i;
		bool prefix = true;

		for (i = 0; i < n; i++) {
			char c = (char)tolower((unsigned char)lx->p[i]);

			if (c == 'r' && (i == n - 1))
				raw = true;
			else if ((c == 'u' || c == 'b') && i == 0)
				unicode = c == 'u';
			else
				prefix = false;
		}
		if (prefix) {
			lx->p = p;
			lex_string(lx, t, raw, unicode);
			return;
		}
	}
	t->type = T_NAME;
	t->line = lx->line;
	t->s = lx->p;
	t->len = n;
	lx->p = p;
}

static void
lex_op(struct lexer *lx, struct token *t)
{
	size_t i, n;

	t->line = lx->line;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		n = strlen(ops[i].text);
		if ((size_t)(lx->end - lx->p) >= n &&
		    memcmp(lx->p, ops[i].text, n) == 0)
			break;
	}
	if (i == sizeof(ops) / sizeof(ops[0])) {
		lex_error(lx, t, XU_ERR_SYNTAX, "invalid syntax");
		return;
	}
	lx->p += n;
	t->type = T_OP;
	t->op = ops[i].op;
	if (t->op == OP_LPAR || t->op == OP_LSQB || t->op == OP_LBRACE) {
		if (lx->parens >= PYEVAL_MAX_DEPTH) {
			lex_error(lx, t, XU_ERR_TOO_BIG,
			    "too many nested parentheses");
			return;
		}
		lx->parens++;
	} else if ((t->op == OP_RPAR || t->op == OP_RSQB ||
	    t->op == OP_RBRACE) && lx->parens > 0) {
		lx->parens--;
	}
}

/* Skips blanks, comments and backslash continuations within a line.
 * Returns false (with t set) on a stray backslash. */
static bool
skip_blanks(struct lexer *lx, struct token *t)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == ' ' || c == '\t' || c == '\f') {
			lx->p++;
		} else if (c == '#') {
			while (lx->p < lx->end && !is_newline(lx, lx->p))
				lx->p++;
		} else if (c == '\\') {
			if (!is_newline(lx, lx->p + 1)) {
				lex_error(lx, t, XU_ERR_SYNTAX,
				    "unexpected character after line "
				    "continuation character");
				return false;
			}
			lx->p = skip_newline(lx, lx->p + 1);
		} else {
			break;
		}
	}
	return true;
}

/* End of input: close the last line, then every open block. */
static void
lex_eof(struct lexer *lx, struct token *t)
{
	t->line = lx->line;
	if (lx->parens > 0) {
		/* "unexpected EOF", not a NEWLINE the grammar never expects */
		t->type = T_END;
	} else if (lx->line_has_tokens) {
		lx->line_has_tokens = false;
		t->type = T_NEWLINE;
	} else if (lx->nindent > 0) {
		lx->nindent--;
		t->type = T_DEDENT;
	} else {
		t->type = T_END;
	}
}

void
lex_next(struct lexer *lx, struct token *t)
{
	char c;

	memset(t, 0, sizeof(*t));
	if (lx->failed) {
		t->type = T_END;
		t->line = lx->line;
		return;
	}
	if (lx->pending_dedents > 0) {
		lx->pending_dedents--;
		t->type = T_DEDENT;
		t->line = lx->line;
		return;
	}
	for (;;) {
		if (lx->at_bol && lx->parens == 0 && lex_indent(lx, t))
			return;
		lx->at_bol = false;
		if (!skip_blanks(lx, t))
			return;
		if (lx->p == lx->end) {
			lex_eof(lx, t);
			return;
		}
		if (!is_newline(lx, lx->p))
			break;
		lx->p = skip_newline(lx, lx->p);
		if (lx->parens > 0)
			continue;
		lx->at_bol = true;
		if (lx->line_has_tokens) {
			lx->line_has_tokens = false;
			t->type = T_NEWLINE;
			t->line = lx->line - 1;
			return;
		}
	}
	lx->line_has_tokens = true;
	c = *lx->p;
	if (c == '\'' || c == '"') {
		lex_string(lx, t, false, false);
	} else if (is_name_start(c)) {
		lex_name(lx, t);
	} else if (isdigit((unsigned char)c) || (c == '.' && lx->p + 1 < lx->end &&
	    isdigit((unsigned char)lx->p[1]))) {
		lex_number(lx, t);
	} else {
		lex_op(lx, t);
	}
}
