/* pyeval-parse.c: recursive-descent parser from tokens to the syntax tree
 * (Python 2 grammar, restricted to what config files need). Constructs
 * outside the subset are refused here, before anything runs. */
#include "pyeval-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct parser {
	struct pyeval *pe;
	struct lexer lx;
	struct token tok, ahead;
	bool have_ahead;
	struct xu_err *err;	/* the instance's error */
	int depth;
	bool in_def;
};

/* A growing list of kids (and the operators joining them) in the arena. */
struct nvec {
	struct pnode **v;
	int *ops;
	size_t n, cap;
};

static const char *const keywords[] = {
	"and", "as", "assert", "break", "class", "continue", "def", "del",
	"elif", "else", "except", "exec", "finally", "for", "from", "global",
	"if", "import", "in", "is", "lambda", "not", "or", "pass", "print",
	"raise", "return", "try", "while", "with", "yield", NULL
};

static struct pnode *parse_test(struct parser *ps);
static struct pnode *parse_factor(struct parser *ps);
static bool parse_stmt(struct parser *ps, struct nvec *out);

static void *
perr_at(struct parser *ps, int rc, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void *
perr_at(struct parser *ps, int rc, int line, const char *fmt, ...)
{
	va_list ap;

	if (ps->err->rc != 0)
		return NULL;
	ps->err->rc = rc;
	ps->err->line = line;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	return NULL;
}

/* The error for the current token being unexpected. */
static void *
syntax_error(struct parser *ps)
{
	const struct token *t = &ps->tok;

	switch (t->type) {
	case T_ERROR:
		return perr_at(ps, t->rc, t->line, "%s", t->msg);
	case T_END:
		return perr_at(ps, XU_ERR_SYNTAX, t->line,
		    "unexpected EOF while parsing");
	case T_INDENT:
		return perr_at(ps, XU_ERR_SYNTAX, t->line, "unexpected indent");
	default:
		return perr_at(ps, XU_ERR_SYNTAX, t->line, "invalid syntax");
	}
}

static void *
unsupported(struct parser *ps, int line, const char *what)
{
	return perr_at(ps, XU_ERR_UNSUPPORTED, line, "%s not supported", what);
}

static void
advance(struct parser *ps)
{
	if (ps->have_ahead) {
		ps->tok = ps->ahead;
		ps->have_ahead = false;
	} else {
		lex_next(&ps->lx, &ps->tok);
	}
}

static const struct token *
peek(struct parser *ps)
{
	if (!ps->have_ahead) {
		lex_next(&ps->lx, &ps->ahead);
		ps->have_ahead = true;
	}
	return &ps->ahead;
}

static bool
tok_is(const struct token *t, const char *word)
{
	return t->type == T_NAME && t->len == strlen(word) &&
	    memcmp(t->s, word, t->len) == 0;
}

static bool
is_kw(const struct parser *ps, const char *word)
{
	return tok_is(&ps->tok, word);
}

static bool
is_keyword(const struct token *t)
{
	size_t i;

	for (i = 0; keywords[i] != NULL; i++)
		if (tok_is(t, keywords[i]))
			return true;
	return false;
}

static bool
is_op(const struct parser *ps, int op)
{
	return ps->tok.type == T_OP && ps->tok.op == op;
}

static bool
accept_op(struct parser *ps, int op)
{
	if (!is_op(ps, op))
		return false;
	advance(ps);
	return true;
}

static bool
expect_op(struct parser *ps, int op)
{
	if (accept_op(ps, op))
		return true;
	syntax_error(ps);
	return false;
}

static bool
enter(struct parser *ps)
{
	if (++ps->depth > PYEVAL_MAX_DEPTH) {
		perr_at(ps, XU_ERR_TOO_BIG, ps->tok.line,
		    "too many nested expressions or blocks (limit %d)",
		    PYEVAL_MAX_DEPTH);
		return false;
	}
	return true;
}

static void
leave(struct parser *ps)
{
	ps->depth--;
}

static struct pnode *
nnew(struct parser *ps, int kind, int line)
{
	struct pnode *n;

	if (ps->pe->heap > PE_MAX_HEAP)
		return perr_at(ps, XU_ERR_TOO_BIG, line,
		    "config file too large to evaluate");
	n = pe_alloc(ps->pe, sizeof(*n));
	n->kind = (uint8_t)kind;
	n->line = line;
	return n;
}

static void
nvec_push(struct parser *ps, struct nvec *v, struct pnode *n, int op)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4;
		struct pnode **nv = pe_alloc(ps->pe, cap * sizeof(*nv));
		int *nops = pe_alloc(ps->pe, cap * sizeof(*nops));

		if (v->n) {
			memcpy(nv, v->v, v->n * sizeof(*nv));
			memcpy(nops, v->ops, v->n * sizeof(*nops));
		}
		v->v = nv;
		v->ops = nops;
		v->cap = cap;
	}
	v->v[v->n] = n;
	v->ops[v->n] = op;
	v->n++;
}

static void
nvec_give(struct pnode *n, struct nvec *v)
{
	n->kids = v->v;
	n->ops = v->ops;
	n->nkids = v->n;
}

static char *
tok_text(struct parser *ps)
{
	return pe_strndup(ps->pe, ps->tok.s, ps->tok.len);
}

/* Could the current token begin an expression? (for trailing commas and
 * optional operands such as "return" and "raise") */
static bool
starts_expr(const struct parser *ps)
{
	const struct token *t = &ps->tok;

	switch (t->type) {
	case T_INT:
	case T_FLOAT:
	case T_STR:
		return true;
	case T_NAME:
		return !is_keyword(t) || tok_is(t, "not") || tok_is(t, "lambda");
	case T_OP:
		return t->op == OP_LPAR || t->op == OP_LSQB ||
		    t->op == OP_LBRACE || t->op == OP_ADD || t->op == OP_SUB ||
		    t->op == OP_TILDE || t->op == OP_BACKQUOTE;
	default:
		return false;
	}
}

/* ---- atoms ---- */

static struct pnode *
const_node(struct parser *ps, struct pv *v, int line)
{
	struct pnode *n;

	if (v == NULL)
		return NULL;
	if ((n = nnew(ps, N_CONST, line)) != NULL)
		n->value = v;
	return n;
}

/* Adjacent literals concatenate: 'a' "b" is 'ab'. */
static struct pnode *
parse_strings(struct parser *ps)
{
	struct xu_buf b;
	struct pnode *n;
	int line = ps->tok.line;

	xu_buf_init(&b);
	xu_buf_add(&b, "", 0);
	while (ps->tok.type == T_STR) {
		xu_buf_add(&b, ps->tok.s, ps->tok.len);
		advance(ps);
	}
	n = const_node(ps, pe_str(ps->pe, b.data, b.len), line);
	xu_buf_dispose(&b);
	return n;
}

static struct pnode *
parse_name_atom(struct parser *ps)
{
	struct pnode *n;
	int line = ps->tok.line;

	if (is_kw(ps, "None") || is_kw(ps, "True") || is_kw(ps, "False")) {
		struct pv *v = is_kw(ps, "None") ? &pe_None :
		    pe_bool(is_kw(ps, "True"));

		advance(ps);
		return const_node(ps, v, line);
	}
	if (is_kw(ps, "lambda"))
		return unsupported(ps, line, "'lambda' is");
	if (is_kw(ps, "yield"))
		return unsupported(ps, line, "'yield' is");
	if (is_keyword(&ps->tok))
		return syntax_error(ps);
	if ((n = nnew(ps, N_NAME, line)) == NULL)
		return NULL;
	n->name = tok_text(ps);
	advance(ps);
	return n;
}

/* The items of ( ... ) or [ ... ] after the opening bracket; a
 * comprehension is refused. */
static bool
parse_items(struct parser *ps, struct nvec *v, int close, bool *comma)
{
	struct pnode *e;

	*comma = false;
	while (!is_op(ps, close)) {
		if ((e = parse_test(ps)) == NULL)
			return false;
		nvec_push(ps, v, e, 0);
		if (is_kw(ps, "for")) {
			unsupported(ps, ps->tok.line, close == OP_RSQB ?
			    "list comprehensions are" :
			    "generator expressions are");
			return false;
		}
		if (!accept_op(ps, OP_COMMA))
			break;
		*comma = true;
	}
	return expect_op(ps, close);
}

static struct pnode *
parse_paren(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *n;
	bool comma;
	int line = ps->tok.line;

	advance(ps);
	if (!parse_items(ps, &v, OP_RPAR, &comma))
		return NULL;
	if (v.n == 1 && !comma)
		return v.v[0];
	if ((n = nnew(ps, N_TUPLE, line)) != NULL)
		nvec_give(n, &v);
	return n;
}

static struct pnode *
parse_list(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *n;
	bool comma;
	int line = ps->tok.line;

	advance(ps);
	if (!parse_items(ps, &v, OP_RSQB, &comma))
		return NULL;
	if ((n = nnew(ps, N_LIST, line)) != NULL)
		nvec_give(n, &v);
	return n;
}

static struct pnode *
parse_dict(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *n, *k, *val;
	int line = ps->tok.line;

	advance(ps);
	while (!is_op(ps, OP_RBRACE)) {
		if ((k = parse_test(ps)) == NULL)
			return NULL;
		if (!is_op(ps, OP_COLON)) {
			if (is_op(ps, OP_COMMA) || is_op(ps, OP_RBRACE))
				return unsupported(ps, ps->tok.line,
				    "set literals are");
			if (is_kw(ps, "for"))
				return unsupported(ps, ps->tok.line,
				    "set comprehensions are");
			return syntax_error(ps);
		}
		advance(ps);
		if ((val = parse_test(ps)) == NULL)
			return NULL;
		if (is_kw(ps, "for"))
			return unsupported(ps, ps->tok.line,
			    "dict comprehensions are");
		nvec_push(ps, &v, k, 0);
		nvec_push(ps, &v, val, 0);
		if (!accept_op(ps, OP_COMMA))
			break;
	}
	if (!expect_op(ps, OP_RBRACE))
		return NULL;
	if ((n = nnew(ps, N_DICT, line)) != NULL)
		nvec_give(n, &v);
	return n;
}

static struct pnode *
parse_atom(struct parser *ps)
{
	struct pnode *n;
	int line = ps->tok.line;

	switch (ps->tok.type) {
	case T_NAME:
		return parse_name_atom(ps);
	case T_INT:
		n = const_node(ps, pe_int(ps->pe, ps->tok.i), line);
		advance(ps);
		return n;
	case T_FLOAT:
		n = const_node(ps, pe_float(ps->pe, ps->tok.d), line);
		advance(ps);
		return n;
	case T_STR:
		return parse_strings(ps);
	case T_OP:
		if (ps->tok.op == OP_LPAR)
			return parse_paren(ps);
		if (ps->tok.op == OP_LSQB)
			return parse_list(ps);
		if (ps->tok.op == OP_LBRACE)
			return parse_dict(ps);
		if (ps->tok.op == OP_BACKQUOTE)
			return unsupported(ps, line, "backquotes are");
		return syntax_error(ps);
	default:
		return syntax_error(ps);
	}
}

/* ---- trailers: calls, subscripts, attributes ---- */

static bool
kwarg_repeated(const struct nvec *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->v[i]->kind == N_KWARG && strcmp(v->v[i]->name, name) == 0)
			return true;
	return false;
}

static struct pnode *
parse_arg(struct parser *ps, struct nvec *v, bool *seen_kw)
{
	struct pnode *n;
	int line = ps->tok.line;

	if (is_op(ps, OP_MUL) || is_op(ps, OP_POW))
		return unsupported(ps, line, "'*' and '**' arguments are");
	if (ps->tok.type == T_NAME && peek(ps)->type == T_OP &&
	    peek(ps)->op == OP_ASSIGN) {
		if (is_keyword(&ps->tok))
			return syntax_error(ps);
		if ((n = nnew(ps, N_KWARG, line)) == NULL)
			return NULL;
		n->name = tok_text(ps);
		if (kwarg_repeated(v, n->name))
			return perr_at(ps, XU_ERR_SYNTAX, line,
			    "keyword argument repeated");
		advance(ps);
		advance(ps);
		n->kids = pe_alloc(ps->pe, sizeof(*n->kids));
		n->nkids = 1;
		if ((n->kids[0] = parse_test(ps)) == NULL)
			return NULL;
		*seen_kw = true;
		return n;
	}
	if (*seen_kw)
		return perr_at(ps, XU_ERR_SYNTAX, line,
		    "non-keyword arg after keyword arg");
	if ((n = parse_test(ps)) != NULL && is_kw(ps, "for"))
		return unsupported(ps, line, "generator expressions are");
	return n;
}

static struct pnode *
parse_call(struct parser *ps, struct pnode *fn)
{
	struct nvec v = { 0 };
	struct pnode *n, *arg;
	bool seen_kw = false;
	int line = ps->tok.line;

	advance(ps);
	nvec_push(ps, &v, fn, 0);
	while (!is_op(ps, OP_RPAR)) {
		if ((arg = parse_arg(ps, &v, &seen_kw)) == NULL)
			return NULL;
		nvec_push(ps, &v, arg, 0);
		if (!accept_op(ps, OP_COMMA))
			break;
	}
	if (!expect_op(ps, OP_RPAR) || (n = nnew(ps, N_CALL, line)) == NULL)
		return NULL;
	nvec_give(n, &v);
	return n;
}

/* The index of a[i] (a tuple for a[i, j]). */
static struct pnode *
parse_index_expr(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *first, *n;
	int line = ps->tok.line;

	if ((first = parse_test(ps)) == NULL || !is_op(ps, OP_COMMA))
		return first;
	nvec_push(ps, &v, first, 0);
	while (accept_op(ps, OP_COMMA) && !is_op(ps, OP_RSQB)) {
		if ((first = parse_test(ps)) == NULL)
			return NULL;
		nvec_push(ps, &v, first, 0);
	}
	if ((n = nnew(ps, N_TUPLE, line)) != NULL)
		nvec_give(n, &v);
	return n;
}

static struct pnode *
parse_subscript(struct parser *ps, struct pnode *obj)
{
	struct pnode *n, *lo = NULL, *hi = NULL, *step = NULL;
	int line = ps->tok.line;

	advance(ps);
	if (!is_op(ps, OP_COLON) && (lo = parse_index_expr(ps)) == NULL)
		return NULL;
	if (!accept_op(ps, OP_COLON)) {
		if (!expect_op(ps, OP_RSQB) ||
		    (n = nnew(ps, N_INDEX, line)) == NULL)
			return NULL;
		n->kids = pe_alloc(ps->pe, 2 * sizeof(*n->kids));
		n->kids[0] = obj;
		n->kids[1] = lo;
		n->nkids = 2;
		return n;
	}
	if (!is_op(ps, OP_COLON) && !is_op(ps, OP_RSQB) &&
	    (hi = parse_test(ps)) == NULL)
		return NULL;
	if (accept_op(ps, OP_COLON) && !is_op(ps, OP_RSQB) &&
	    (step = parse_test(ps)) == NULL)
		return NULL;
	if (!expect_op(ps, OP_RSQB) || (n = nnew(ps, N_SLICE, line)) == NULL)
		return NULL;
	n->kids = pe_alloc(ps->pe, 4 * sizeof(*n->kids));
	n->kids[0] = obj;
	n->kids[1] = lo;
	n->kids[2] = hi;
	n->kids[3] = step;
	n->nkids = 4;
	return n;
}

static struct pnode *
parse_attr(struct parser *ps, struct pnode *obj)
{
	struct pnode *n;
	int line = ps->tok.line;

	advance(ps);
	if (ps->tok.type != T_NAME || is_keyword(&ps->tok))
		return syntax_error(ps);
	if ((n = nnew(ps, N_ATTR, line)) == NULL)
		return NULL;
	n->name = tok_text(ps);
	n->kids = pe_alloc(ps->pe, sizeof(*n->kids));
	n->kids[0] = obj;
	n->nkids = 1;
	advance(ps);
	return n;
}

static struct pnode *
parse_power(struct parser *ps)
{
	struct pnode *n, *rhs, *pow;
	int line;

	if ((n = parse_atom(ps)) == NULL)
		return NULL;
	while (n != NULL && ps->tok.type == T_OP) {
		if (ps->tok.op == OP_LPAR)
			n = parse_call(ps, n);
		else if (ps->tok.op == OP_LSQB)
			n = parse_subscript(ps, n);
		else if (ps->tok.op == OP_DOT)
			n = parse_attr(ps, n);
		else
			break;
	}
	if (n == NULL || !is_op(ps, OP_POW))
		return n;
	line = ps->tok.line;
	advance(ps);
	/* ** is right-associative: a chain of them recurses here */
	if (!enter(ps))
		return NULL;
	rhs = parse_factor(ps);
	leave(ps);
	if (rhs == NULL || (pow = nnew(ps, N_BINOP, line)) == NULL)
		return NULL;
	pow->kids = pe_alloc(ps->pe, 2 * sizeof(*pow->kids));
	pow->ops = pe_alloc(ps->pe, 2 * sizeof(*pow->ops));
	pow->kids[0] = n;
	pow->kids[1] = rhs;
	pow->ops[1] = OP_POW;
	pow->nkids = 2;
	return pow;
}

static struct pnode *
parse_factor(struct parser *ps)
{
	struct pnode *n, *operand;
	int op, line = ps->tok.line;

	if (!is_op(ps, OP_ADD) && !is_op(ps, OP_SUB) && !is_op(ps, OP_TILDE))
		return parse_power(ps);
	op = ps->tok.op == OP_ADD ? OP_POS : ps->tok.op == OP_SUB ? OP_NEG :
	    OP_INVERT;
	if (!enter(ps))
		return NULL;
	advance(ps);
	operand = parse_factor(ps);
	leave(ps);
	if (operand == NULL || (n = nnew(ps, N_UNARY, line)) == NULL)
		return NULL;
	n->op = op;
	n->kids = pe_alloc(ps->pe, sizeof(*n->kids));
	n->kids[0] = operand;
	n->nkids = 1;
	return n;
}

/* ---- binary operators, one precedence level each, lowest first ---- */

static const int levels[][4] = {
	{ OP_BITOR },
	{ OP_BITXOR },
	{ OP_BITAND },
	{ OP_LSHIFT, OP_RSHIFT },
	{ OP_ADD, OP_SUB },
	{ OP_MUL, OP_DIV, OP_MOD, OP_FLOORDIV },
};
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

static bool
level_has(const struct parser *ps, size_t level)
{
	size_t i;

	if (ps->tok.type != T_OP)
		return false;
	for (i = 0; i < 4 && levels[level][i] != OP_NONE; i++)
		if (levels[level][i] == ps->tok.op)
			return true;
	return false;
}

/* Chains like a + b - c become one node with n operands, so long chains
 * cost no recursion when evaluated. */
static struct pnode *
parse_binary(struct parser *ps, size_t level)
{
	struct nvec v = { 0 };
	struct pnode *first, *rhs, *n;
	int op, line;

	if (level == NLEVELS)
		return parse_factor(ps);
	line = ps->tok.line;
	if ((first = parse_binary(ps, level + 1)) == NULL ||
	    !level_has(ps, level))
		return first;
	nvec_push(ps, &v, first, 0);
	while (level_has(ps, level)) {
		op = ps->tok.op;
		advance(ps);
		if ((rhs = parse_binary(ps, level + 1)) == NULL)
			return NULL;
		nvec_push(ps, &v, rhs, op);
	}
	if ((n = nnew(ps, N_BINOP, line)) != NULL)
		nvec_give(n, &v);
	return n;
}

/* A comparison operator at the current token, consumed; OP_NONE if none. */
static int
comparison_op(struct parser *ps)
{
	static const int simple[] = { OP_LT, OP_GT, OP_LE, OP_GE, OP_EQ, OP_NE };
	size_t i;

	if (ps->tok.type == T_OP) {
		for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
			if (ps->tok.op == simple[i]) {
				advance(ps);
				return simple[i];
			}
		return OP_NONE;
	}
	if (is_kw(ps, "in")) {
		advance(ps);
		return OP_IN;
	}
	if (is_kw(ps, "not") && tok_is(peek(ps), "in")) {
		advance(ps);
		advance(ps);
		return OP_NOTIN;
	}
	if (is_kw(ps, "is")) {
		advance(ps);
		if (!is_kw(ps, "not"))
			return OP_IS;
		advance(ps);
		return OP_ISNOT;
	}
	return OP_NONE;
}

static struct pnode *
parse_comparison(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *first, *rhs, *n;
	int op, line = ps->tok.line;

	if ((first = parse_binary(ps, 0)) == NULL)
		return NULL;
	if ((op = comparison_op(ps)) == OP_NONE)
		return first;
	nvec_push(ps, &v, first, 0);
	do {
		if ((rhs = parse_binary(ps, 0)) == NULL)
			return NULL;
		nvec_push(ps, &v, rhs, op);
	} while ((op = comparison_op(ps)) != OP_NONE);
	if ((n = nnew(ps, N_COMPARE, line)) != NULL)
		nvec_give(n, &v);
	return n;
}

static struct pnode *
parse_not(struct parser *ps)
{
	struct pnode *n, *operand;
	int line = ps->tok.line;

	if (!is_kw(ps, "not"))
		return parse_comparison(ps);
	if (!enter(ps))
		return NULL;
	advance(ps);
	operand = parse_not(ps);
	leave(ps);
	if (operand == NULL || (n = nnew(ps, N_NOT, line)) == NULL)
		return NULL;
	n->kids = pe_alloc(ps->pe, sizeof(*n->kids));
	n->kids[0] = operand;
	n->nkids = 1;
	return n;
}

/* "and" (level 0) and "or" (level 1) chains. */
static struct pnode *
parse_bool(struct parser *ps, bool is_or)
{
	struct nvec v = { 0 };
	struct pnode *first, *n;
	const char *word = is_or ? "or" : "and";
	int line = ps->tok.line;

	first = is_or ? parse_bool(ps, false) : parse_not(ps);
	if (first == NULL || !is_kw(ps, word))
		return first;
	nvec_push(ps, &v, first, 0);
	while (is_kw(ps, word)) {
		advance(ps);
		if ((first = is_or ? parse_bool(ps, false) : parse_not(ps)) ==
		    NULL)
			return NULL;
		nvec_push(ps, &v, first, 0);
	}
	if ((n = nnew(ps, is_or ? N_OR : N_AND, line)) != NULL)
		nvec_give(n, &v);
	return n;
}

static struct pnode *
parse_ifexp(struct parser *ps, struct pnode *body)
{
	struct pnode *n;
	int line = ps->tok.line;

	if ((n = nnew(ps, N_IFEXP, line)) == NULL)
		return NULL;
	advance(ps);
	n->kids = pe_alloc(ps->pe, 3 * sizeof(*n->kids));
	n->nkids = 3;
	n->kids[0] = body;
	if ((n->kids[1] = parse_bool(ps, true)) == NULL)
		return NULL;
	if (!is_kw(ps, "else"))
		return syntax_error(ps);
	advance(ps);
	if ((n->kids[2] = parse_test(ps)) == NULL)
		return NULL;
	return n;
}

static struct pnode *
parse_test(struct parser *ps)
{
	struct pnode *n;

	if (is_kw(ps, "lambda"))
		return unsupported(ps, ps->tok.line, "'lambda' is");
	if (!enter(ps))
		return NULL;
	n = parse_bool(ps, true);
	if (n != NULL && is_kw(ps, "if"))
		n = parse_ifexp(ps, n);
	leave(ps);
	return n;
}

/* Expressions separated by commas: a tuple when there is a comma. */
static struct pnode *
parse_testlist(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *first, *n;
	int line = ps->tok.line;

	if ((first = parse_test(ps)) == NULL || !is_op(ps, OP_COMMA))
		return first;
	nvec_push(ps, &v, first, 0);
	while (accept_op(ps, OP_COMMA) && starts_expr(ps)) {
		if ((first = parse_test(ps)) == NULL)
			return NULL;
		nvec_push(ps, &v, first, 0);
	}
	if ((n = nnew(ps, N_TUPLE, line)) != NULL)
		nvec_give(n, &v);
	return n;
}

/* ---- statements ---- */

static bool
check_target(struct parser *ps, const struct pnode *t)
{
	size_t i;

	switch (t->kind) {
	case N_NAME:
	case N_INDEX:
		return true;
	case N_TUPLE:
	case N_LIST:
		if (t->nkids == 0) {
			perr_at(ps, XU_ERR_SYNTAX, t->line, "can't assign to ()");
			return false;
		}
		for (i = 0; i < t->nkids; i++)
			if (!check_target(ps, t->kids[i]))
				return false;
		return true;
	case N_ATTR:
		unsupported(ps, t->line, "attribute assignment is");
		return false;
	case N_SLICE:
		unsupported(ps, t->line, "slice assignment is");
		return false;
	case N_CALL:
		perr_at(ps, XU_ERR_SYNTAX, t->line,
		    "can't assign to function call");
		return false;
	case N_CONST:
		perr_at(ps, XU_ERR_SYNTAX, t->line, "can't assign to literal");
		return false;
	default:
		perr_at(ps, XU_ERR_SYNTAX, t->line, "can't assign to operator");
		return false;
	}
}

static struct pnode *
make_stmt(struct parser *ps, int kind, int line, struct nvec *v)
{
	struct pnode *n;

	if ((n = nnew(ps, kind, line)) != NULL && v != NULL)
		nvec_give(n, v);
	return n;
}

static struct pnode *
parse_expr_stmt(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *first, *n;
	size_t i;
	int op, line = ps->tok.line;

	if ((first = parse_testlist(ps)) == NULL)
		return NULL;
	nvec_push(ps, &v, first, 0);
	if (ps->tok.type == T_OP && ps->tok.op > OP_AUG_BASE &&
	    ps->tok.op < OP_COUNT) {
		op = ps->tok.op - OP_AUG_BASE;
		if (first->kind == N_ATTR)
			return unsupported(ps, line, "attribute assignment is");
		if (first->kind != N_NAME && first->kind != N_INDEX)
			return perr_at(ps, XU_ERR_SYNTAX, line,
			    "illegal expression for augmented assignment");
		advance(ps);
		if ((first = parse_testlist(ps)) == NULL)
			return NULL;
		nvec_push(ps, &v, first, 0);
		if ((n = make_stmt(ps, S_AUGASSIGN, line, &v)) != NULL)
			n->op = op;
		return n;
	}
	if (!is_op(ps, OP_ASSIGN))
		return make_stmt(ps, S_EXPR, line, &v);
	while (accept_op(ps, OP_ASSIGN)) {
		if (is_kw(ps, "yield"))
			return unsupported(ps, ps->tok.line, "'yield' is");
		if ((first = parse_testlist(ps)) == NULL)
			return NULL;
		nvec_push(ps, &v, first, 0);
	}
	for (i = 0; i + 1 < v.n; i++)
		if (!check_target(ps, v.v[i]))
			return NULL;
	return make_stmt(ps, S_ASSIGN, line, &v);
}

static struct pnode *
parse_return(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *e;
	int line = ps->tok.line;

	if (!ps->in_def)
		return perr_at(ps, XU_ERR_SYNTAX, line,
		    "'return' outside function");
	advance(ps);
	if (starts_expr(ps)) {
		if ((e = parse_testlist(ps)) == NULL)
			return NULL;
		nvec_push(ps, &v, e, 0);
	}
	return make_stmt(ps, S_RETURN, line, &v);
}

/* raise, raise X, raise X, msg, raise X(msg) */
static struct pnode *
parse_raise(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *e;
	int line = ps->tok.line;

	advance(ps);
	if (starts_expr(ps)) {
		if ((e = parse_test(ps)) == NULL)
			return NULL;
		nvec_push(ps, &v, e, 0);
		if (accept_op(ps, OP_COMMA)) {
			if ((e = parse_test(ps)) == NULL)
				return NULL;
			nvec_push(ps, &v, e, 0);
			if (is_op(ps, OP_COMMA))
				return unsupported(ps, line,
				    "'raise' with a traceback is");
		}
	}
	return make_stmt(ps, S_RAISE, line, &v);
}

/* a.b.c as text */
static char *
parse_dotted(struct parser *ps)
{
	struct xu_buf b;
	char *s;

	xu_buf_init(&b);
	for (;;) {
		if (ps->tok.type != T_NAME || is_keyword(&ps->tok)) {
			xu_buf_dispose(&b);
			return syntax_error(ps);
		}
		xu_buf_add(&b, ps->tok.s, ps->tok.len);
		advance(ps);
		if (!is_op(ps, OP_DOT))
			break;
		xu_buf_addc(&b, '.');
		advance(ps);
	}
	s = pe_strndup(ps->pe, b.data, b.len);
	xu_buf_dispose(&b);
	return s;
}

/* [as NAME] after an imported name; bind defaults to dflt. */
static bool
parse_as(struct parser *ps, struct pnode *alias, const char *dflt)
{
	alias->aux = dflt;
	if (!is_kw(ps, "as"))
		return true;
	advance(ps);
	if (ps->tok.type != T_NAME || is_keyword(&ps->tok)) {
		syntax_error(ps);
		return false;
	}
	alias->aux = tok_text(ps);
	advance(ps);
	return true;
}

/* "import os.path" binds os (op 1: the top-level package); "import os.path
 * as p" binds p to os.path itself. */
static struct pnode *
parse_import(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *a;
	char *mod, *dot;
	int line = ps->tok.line;

	advance(ps);
	do {
		if ((a = nnew(ps, N_ALIAS, ps->tok.line)) == NULL ||
		    (mod = parse_dotted(ps)) == NULL)
			return NULL;
		if (pe_find_module(mod) == NULL)
			return perr_at(ps, XU_ERR_UNSUPPORTED, line,
			    "import of module '%s' is not supported", mod);
		a->name = mod;
		if (is_kw(ps, "as")) {
			if (!parse_as(ps, a, mod))
				return NULL;
		} else {
			dot = strchr(mod, '.');
			a->aux = dot ? pe_strndup(ps->pe, mod,
			    (size_t)(dot - mod)) : mod;
			a->op = 1;
		}
		nvec_push(ps, &v, a, 0);
	} while (accept_op(ps, OP_COMMA));
	return make_stmt(ps, S_IMPORT, line, &v);
}

static struct pnode *
parse_from(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *n, *a;
	char *mod;
	bool paren;
	int line = ps->tok.line;

	advance(ps);
	if ((mod = parse_dotted(ps)) == NULL)
		return NULL;
	if (pe_find_module(mod) == NULL)
		return perr_at(ps, XU_ERR_UNSUPPORTED, line,
		    "import of module '%s' is not supported", mod);
	if (!is_kw(ps, "import"))
		return syntax_error(ps);
	advance(ps);
	if (is_op(ps, OP_MUL))
		return unsupported(ps, line, "'from ... import *' is");
	paren = accept_op(ps, OP_LPAR);
	do {
		if (paren && is_op(ps, OP_RPAR))
			break;
		if (ps->tok.type != T_NAME || is_keyword(&ps->tok))
			return syntax_error(ps);
		if ((a = nnew(ps, N_ALIAS, ps->tok.line)) == NULL)
			return NULL;
		a->name = tok_text(ps);
		advance(ps);
		if (!parse_as(ps, a, a->name))
			return NULL;
		nvec_push(ps, &v, a, 0);
	} while (accept_op(ps, OP_COMMA));
	if (paren && !expect_op(ps, OP_RPAR))
		return NULL;
	if ((n = make_stmt(ps, S_FROM, line, &v)) != NULL)
		n->name = mod;
	return n;
}

static struct pnode *
parse_small(struct parser *ps)
{
	static const char *const refused[] = {
		"print", "del", "global", "exec", "assert", "break",
		"continue", NULL
	};
	int line = ps->tok.line;
	size_t i;

	if (is_kw(ps, "pass")) {
		advance(ps);
		return make_stmt(ps, S_PASS, line, NULL);
	}
	if (is_kw(ps, "return"))
		return parse_return(ps);
	if (is_kw(ps, "raise"))
		return parse_raise(ps);
	if (is_kw(ps, "import"))
		return parse_import(ps);
	if (is_kw(ps, "from"))
		return parse_from(ps);
	for (i = 0; refused[i] != NULL; i++)
		if (is_kw(ps, refused[i]))
			return perr_at(ps, XU_ERR_UNSUPPORTED, line,
			    "'%s' statements are not supported", refused[i]);
	return parse_expr_stmt(ps);
}

/* small_stmt (';' small_stmt)* [';'] NEWLINE */
static bool
parse_simple(struct parser *ps, struct nvec *out)
{
	struct pnode *n;

	for (;;) {
		if ((n = parse_small(ps)) == NULL)
			return false;
		nvec_push(ps, out, n, 0);
		if (!accept_op(ps, OP_SEMI) || ps->tok.type == T_NEWLINE)
			break;
	}
	if (ps->tok.type != T_NEWLINE) {
		syntax_error(ps);
		return false;
	}
	advance(ps);
	return true;
}

/* ':' then either statements on the same line or an indented block. */
static struct pnode *
parse_suite(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *blk = NULL;
	int line = ps->tok.line;

	if (!expect_op(ps, OP_COLON) || !enter(ps))
		return NULL;
	if (ps->tok.type != T_NEWLINE) {
		if (!parse_simple(ps, &v))
			goto out;
	} else {
		advance(ps);
		if (ps->tok.type != T_INDENT) {
			if (ps->tok.type == T_ERROR)
				syntax_error(ps);
			else
				perr_at(ps, XU_ERR_SYNTAX, ps->tok.line,
				    "expected an indented block");
			goto out;
		}
		advance(ps);
		while (ps->tok.type != T_DEDENT && ps->tok.type != T_END)
			if (!parse_stmt(ps, &v))
				goto out;
		advance(ps);
	}
	blk = make_stmt(ps, S_BLOCK, line, &v);
out:
	leave(ps);
	return blk;
}

static struct pnode *
parse_if(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *e;
	int line = ps->tok.line;

	do {
		advance(ps);
		if ((e = parse_test(ps)) == NULL)
			return NULL;
		nvec_push(ps, &v, e, 0);
		if ((e = parse_suite(ps)) == NULL)
			return NULL;
		nvec_push(ps, &v, e, 0);
	} while (is_kw(ps, "elif"));
	if (is_kw(ps, "else")) {
		advance(ps);
		if ((e = parse_suite(ps)) == NULL)
			return NULL;
		nvec_push(ps, &v, e, 0);
	}
	return make_stmt(ps, S_IF, line, &v);
}

static bool
param_repeated(const struct nvec *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i]->name, name) == 0)
			return true;
	return false;
}

static bool
parse_params(struct parser *ps, struct nvec *v)
{
	struct pnode *p;
	bool seen_default = false;

	while (!is_op(ps, OP_RPAR)) {
		if (is_op(ps, OP_MUL) || is_op(ps, OP_POW)) {
			unsupported(ps, ps->tok.line,
			    "'*args' and '**kwargs' parameters are");
			return false;
		}
		if (ps->tok.type != T_NAME || is_keyword(&ps->tok)) {
			syntax_error(ps);
			return false;
		}
		if ((p = nnew(ps, N_PARAM, ps->tok.line)) == NULL)
			return false;
		p->name = tok_text(ps);
		if (param_repeated(v, p->name)) {
			perr_at(ps, XU_ERR_SYNTAX, p->line, "duplicate argument "
			    "'%s' in function definition", p->name);
			return false;
		}
		advance(ps);
		p->kids = pe_alloc(ps->pe, sizeof(*p->kids));
		p->nkids = 1;
		if (accept_op(ps, OP_ASSIGN)) {
			if ((p->kids[0] = parse_test(ps)) == NULL)
				return false;
			seen_default = true;
		} else if (seen_default) {
			perr_at(ps, XU_ERR_SYNTAX, p->line,
			    "non-default argument follows default argument");
			return false;
		}
		nvec_push(ps, v, p, 0);
		if (!accept_op(ps, OP_COMMA))
			break;
	}
	return expect_op(ps, OP_RPAR);
}

static struct pnode *
parse_def(struct parser *ps)
{
	struct nvec v = { 0 };
	struct pnode *n, *body;
	const char *name;
	int line = ps->tok.line;

	if (ps->in_def)
		return unsupported(ps, line, "nested functions are");
	advance(ps);
	if (ps->tok.type != T_NAME || is_keyword(&ps->tok))
		return syntax_error(ps);
	name = tok_text(ps);
	advance(ps);
	if (!expect_op(ps, OP_LPAR) || !parse_params(ps, &v))
		return NULL;
	ps->in_def = true;
	body = parse_suite(ps);
	ps->in_def = false;
	if (body == NULL)
		return NULL;
	nvec_push(ps, &v, body, 0);
	if ((n = make_stmt(ps, S_DEF, line, &v)) != NULL)
		n->name = name;
	return n;
}

static bool
parse_stmt(struct parser *ps, struct nvec *out)
{
	static const struct {
		const char *word, *what;
	} compound[] = {
		{ "while", "'while' loops are" },
		{ "for", "'for' loops are" },
		{ "try", "'try' statements are" },
		{ "with", "'with' statements are" },
		{ "class", "'class' definitions are" },
	};
	struct pnode *n;
	size_t i;

	if (ps->tok.type != T_NAME && ps->tok.type != T_OP &&
	    ps->tok.type != T_INT && ps->tok.type != T_FLOAT &&
	    ps->tok.type != T_STR) {
		syntax_error(ps);
		return false;
	}
	if (is_op(ps, OP_AT)) {
		unsupported(ps, ps->tok.line, "decorators are");
		return false;
	}
	for (i = 0; i < sizeof(compound) / sizeof(compound[0]); i++)
		if (is_kw(ps, compound[i].word)) {
			unsupported(ps, ps->tok.line, compound[i].what);
			return false;
		}
	if (is_kw(ps, "if") || is_kw(ps, "def")) {
		if ((n = is_kw(ps, "if") ? parse_if(ps) : parse_def(ps)) == NULL)
			return false;
		nvec_push(ps, out, n, 0);
		return true;
	}
	return parse_simple(ps, out);
}

struct pnode *
pe_parse(struct pyeval *pe, const char *src, size_t len)
{
	struct parser ps;
	struct nvec v = { 0 };
	struct pnode *blk;

	memset(&ps, 0, sizeof(ps));
	ps.pe = pe;
	ps.err = &pe->err;
	lex_init(&ps.lx, pe, src, len);
	advance(&ps);
	while (ps.tok.type != T_END)
		if (!parse_stmt(&ps, &v))
			return NULL;
	if ((blk = make_stmt(&ps, S_BLOCK, 1, &v)) == NULL)
		return NULL;
	return blk;
}
