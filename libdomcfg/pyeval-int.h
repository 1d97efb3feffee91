/* pyeval-int.h: private types shared by the pieces of the config evaluator:
 * arena, values, tokens, syntax tree and the interpreter state. */
#ifndef PYEVAL_INT_H
#define PYEVAL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pyeval.h"

/* Everything below keeps a hostile config from hanging or exhausting xm:
 * no loops exist, but recursion and repetition can still multiply work. */
#define PE_MAX_STEPS	1000000		/* evaluation steps per run */
#define PE_MAX_HEAP	(64u << 20)	/* arena bytes per instance */
#define PE_MAX_NEST	1000		/* C recursion: evaluation and walks */
#define PE_MAX_EXPORT	200000		/* xv nodes handed to the caller */
#define PE_MAX_EXPORT_BYTES (16u << 20)	/* string bytes handed to the caller */

/* ---- arena: every value and syntax node lives until pyeval_free ---- */

struct pe_chunk {
	struct pe_chunk *next;
	size_t used, size;
	max_align_t data[];
};

/* ---- values ---- */

enum pv_type {
	PV_NONE,
	PV_BOOL,
	PV_INT,
	PV_FLOAT,
	PV_STR,
	PV_LIST,
	PV_TUPLE,
	PV_DICT,
	PV_FUNC,	/* a def */
	PV_BUILTIN,	/* builtin function or bound method */
	PV_MODULE,
	PV_EXCTYPE,	/* ValueError & co, usable in raise */
	PV_EXC,		/* an instance: ValueError("msg") */
	PV_MATCH,	/* re.search/re.match result */
	PV_XMVARS,	/* the xm_vars object */
};

struct pv;
struct pyeval;
struct pe_args;

typedef struct pv *(*pe_builtin_fn)(struct pyeval *, struct pv *self,
    const struct pe_args *);

struct pv_builtin {
	const char *name;
	pe_builtin_fn fn;
};

struct pv_attr;

struct pv_module {
	const char *name;		/* "os.path" */
	const struct pv_attr *attrs;
};

/* Module attribute: a function, a submodule or a constant. */
struct pv_attr {
	const char *name;
	const struct pv_builtin *fn;
	const struct pv_module *mod;
	const char *str;	/* string constant (os.sep) */
	int64_t num;		/* int constant (re.I), when is_num */
	bool is_num;
};

struct pv_dent {
	struct pv *key, *val;
	int line;		/* globals: line of the last assignment */
};

/* Insertion-ordered hash map (no deletion: the language has no del). */
struct pv_dict {
	struct pv_dent *ents;
	size_t n, cap;
	uint32_t *slots;	/* entry index + 1; 0 is empty */
	size_t nslots;
};

struct pnode;

struct pv_func {
	const struct pnode *def;
	struct pv **defaults;	/* one per parameter, NULL when none */
};

struct pv_match {
	const char *subject;
	size_t ngroups;		/* including group 0 */
	int64_t *start, *end;	/* -1 when a group did not take part */
};

struct pv {
	uint8_t type;
	uint8_t busy;		/* inside a walk (repr, export): cycle guard */
	union {
		bool b;
		int64_t i;
		double d;
		struct {
			char *s;	/* NUL-terminated; len allows NULs */
			size_t len;
		} str;
		struct {
			struct pv **items;
			size_t n, cap;
		} seq;		/* list and tuple */
		struct pv_dict *dict;
		struct pv_func *func;
		struct {
			const struct pv_builtin *def;
			struct pv *self;
		} bi;
		const struct pv_module *mod;
		struct {
			const char *name;	/* class name */
			struct pv *arg;		/* message (str) or NULL */
		} exc;
		struct pv_match *match;
	} u;
};

extern struct pv pe_None, pe_True, pe_False;

/* ---- tokens ---- */

enum tok_type {
	T_END,
	T_NEWLINE,
	T_INDENT,
	T_DEDENT,
	T_NAME,
	T_INT,
	T_FLOAT,
	T_STR,
	T_OP,
	T_ERROR,
};

enum pe_op {
	OP_NONE,
	/* binary operators, also used in the tree */
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW,
	OP_LSHIFT, OP_RSHIFT, OP_BITAND, OP_BITOR, OP_BITXOR,
	/* unary */
	OP_NEG, OP_POS, OP_INVERT,
	/* comparisons */
	OP_LT, OP_GT, OP_LE, OP_GE, OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_IS,
	OP_ISNOT,
	/* punctuation */
	OP_LPAR, OP_RPAR, OP_LSQB, OP_RSQB, OP_LBRACE, OP_RBRACE, OP_COMMA,
	OP_COLON, OP_DOT, OP_SEMI, OP_ASSIGN, OP_AT, OP_BACKQUOTE, OP_TILDE,
	/* augmented assignment: the binary operator is aug - OP_AUG_BASE */
	OP_AUG_BASE,
	OP_IADD = OP_AUG_BASE + OP_ADD,
	OP_ISUB = OP_AUG_BASE + OP_SUB,
	OP_IMUL = OP_AUG_BASE + OP_MUL,
	OP_IDIV = OP_AUG_BASE + OP_DIV,
	OP_IFLOORDIV = OP_AUG_BASE + OP_FLOORDIV,
	OP_IMOD = OP_AUG_BASE + OP_MOD,
	OP_IPOW = OP_AUG_BASE + OP_POW,
	OP_ILSHIFT = OP_AUG_BASE + OP_LSHIFT,
	OP_IRSHIFT = OP_AUG_BASE + OP_RSHIFT,
	OP_IBITAND = OP_AUG_BASE + OP_BITAND,
	OP_IBITOR = OP_AUG_BASE + OP_BITOR,
	OP_IBITXOR = OP_AUG_BASE + OP_BITXOR,
	OP_COUNT
};

const char *pe_op_name(int op);

struct token {
	enum tok_type type;
	int line;
	int op;			/* T_OP */
	const char *s;		/* T_NAME: into the source; T_STR: decoded */
	size_t len;
	int64_t i;		/* T_INT */
	double d;		/* T_FLOAT */
	int rc;			/* T_ERROR */
	const char *msg;	/* T_ERROR */
};

struct lexer {
	struct pyeval *pe;
	const char *p, *end;
	int line;
	int parens;		/* open brackets: newlines inside are ignored */
	int indents[PYEVAL_MAX_DEPTH + 1];
	int nindent;
	int pending_dedents;
	bool at_bol;		/* at the start of a logical line */
	bool line_has_tokens;
	bool failed;
};

void lex_init(struct lexer *lx, struct pyeval *pe, const char *src, size_t len);
void lex_next(struct lexer *lx, struct token *t);

/* ---- syntax tree ---- */

enum pn_kind {
	/* expressions */
	N_CONST,	/* value */
	N_NAME,		/* name */
	N_LIST,		/* kids */
	N_TUPLE,	/* kids */
	N_DICT,		/* kids: k0 v0 k1 v1 ... */
	N_INDEX,	/* kids: object index */
	N_SLICE,	/* kids: object lo hi step (each may be NULL) */
	N_ATTR,		/* kids: object; name */
	N_CALL,		/* kids: function args... (N_KWARG for keywords) */
	N_KWARG,	/* name = kids[0] */
	N_BINOP,	/* kids: operands; ops[i] joins kids[i-1] and kids[i] */
	N_UNARY,	/* op kids[0] */
	N_NOT,		/* kids[0] */
	N_AND,		/* kids */
	N_OR,		/* kids */
	N_COMPARE,	/* kids; ops[i] between kids[i-1] and kids[i] */
	N_IFEXP,	/* kids: body cond orelse */
	/* statements */
	S_BLOCK,	/* kids */
	S_EXPR,		/* kids[0] */
	S_ASSIGN,	/* kids: targets..., value */
	S_AUGASSIGN,	/* op; kids: target value */
	S_IF,		/* kids: cond block [cond block]... [else-block] */
	S_PASS,
	S_DEF,		/* name; kids: params (N_PARAM)..., body block */
	N_PARAM,	/* name; kids[0] default or NULL */
	S_RETURN,	/* kids[0] or none */
	S_RAISE,	/* kids: [type [message]] */
	S_IMPORT,	/* kids: N_ALIAS */
	S_FROM,		/* name = module; kids: N_ALIAS */
	N_ALIAS,	/* name = module or attribute, aux = name bound;
			 * op 1: bind the top-level package of name */
};

struct pnode {
	uint8_t kind;
	int op;
	int line;
	const char *name;
	const char *aux;
	struct pv *value;
	struct pnode **kids;
	int *ops;
	size_t nkids;
};

/* Parses a whole file; NULL with pe->err set on error. */
struct pnode *pe_parse(struct pyeval *pe, const char *src, size_t len);
const struct pv_module *pe_find_module(const char *dotted);

/* ---- interpreter state ---- */

struct pe_var {
	char *name;
	char *use;
	struct pv *check;
	int line;
};

struct pe_locals;

struct pe_frame {
	struct pe_locals *locals;
	struct pv *retval;
};

struct pyeval {
	char *filename;
	bool help;
	struct pe_chunk *chunks;
	size_t heap;		/* arena bytes handed out */
	struct pv *globals;	/* PV_DICT, insertion order = export order */
	struct pv *builtins;	/* PV_DICT */
	struct pe_frame *frame;	/* NULL at top level */
	struct pe_var *vars;	/* xm_vars.var() declarations */
	size_t nvars, capvars;
	unsigned long steps;
	int depth;		/* C recursion guard */
	int calls;		/* user function nesting */
	int line;		/* line being evaluated, for errors */
	struct xu_err err;
	const char *exc;	/* Python exception class of the error, if any */
	struct pv *exc_arg;	/* message a raise statement gave, if any */
	bool stop;		/* help-mode xm_vars.check() ended the script */
};

/* arena (pyeval-value.c) */
void *pe_alloc(struct pyeval *pe, size_t n);
void pe_arena_free(struct pyeval *pe);
char *pe_strndup(struct pyeval *pe, const char *s, size_t n);

/* errors: set the first error and return NULL, so callers "return pe_fail()" */
void *pe_fail(struct pyeval *pe, int rc, const char *exc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool pe_failed(const struct pyeval *pe);
bool pe_tick(struct pyeval *pe, unsigned long cost);
/* Work builtins do, in steps: a step stands for about as much time as
 * evaluating one node, i.e. ~1 KiB of memcpy or ~128 pointer copies. */
#define PE_BYTES_PER_STEP	1024
#define PE_ITEMS_PER_STEP	128
bool pe_tick_bytes(struct pyeval *pe, size_t n);
bool pe_tick_items(struct pyeval *pe, size_t n);
bool pe_enter(struct pyeval *pe);
void pe_leave(struct pyeval *pe);

/* constructors (pyeval-value.c); those that may exceed a limit return NULL
 * with an error set */
struct pv *pe_bool(bool b);
struct pv *pe_int(struct pyeval *pe, int64_t i);
struct pv *pe_float(struct pyeval *pe, double d);
struct pv *pe_str(struct pyeval *pe, const char *s, size_t len);
struct pv *pe_strz(struct pyeval *pe, const char *s);
struct pv *pe_str_alloc(struct pyeval *pe, size_t len);	/* contents to fill */
struct pv *pe_list(struct pyeval *pe, size_t cap);
struct pv *pe_tuple(struct pyeval *pe, size_t n);	/* n NULL items */
bool pe_list_push(struct pyeval *pe, struct pv *list, struct pv *item);
struct pv *pe_dict(struct pyeval *pe);
struct pv *pe_dict_get(struct pyeval *pe, const struct pv *d, const struct pv *key);
struct pv_dent *pe_dict_lookup(struct pyeval *pe, const struct pv *d,
    const struct pv *key);
bool pe_dict_set(struct pyeval *pe, struct pv *d, struct pv *key,
    struct pv *val, int line);
struct pv *pe_dict_getz(struct pyeval *pe, const struct pv *d, const char *name);
bool pe_dict_setz(struct pyeval *pe, struct pv *d, const char *name,
    struct pv *val, int line);
struct pv *pe_builtin_value(struct pyeval *pe, const struct pv_builtin *def,
    struct pv *self);
struct pv *pe_module_value(struct pyeval *pe, const struct pv_module *mod);
struct pv *pe_exctype(struct pyeval *pe, const char *name);

/* float helpers without libm (pyeval-value.c) */
double pe_trunc(double d);
double pe_floor(double d);
double pe_round(double d);
double pe_fmod(double x, double y);
int pe_fmod_cost(double x, double y);
double pe_powi(double x, double n);

/* value semantics */
const char *pe_typename(const struct pv *v);
bool pe_truth(const struct pv *v);
bool pe_is_seq(const struct pv *v);	/* list or tuple */
int pe_equal(struct pyeval *pe, const struct pv *a, const struct pv *b);
int pe_compare(struct pyeval *pe, const struct pv *a, const struct pv *b,
    int *out);
bool pe_as_index(struct pyeval *pe, const struct pv *v, int64_t *out);
struct pv *pe_iter_list(struct pyeval *pe, struct pv *v);	/* items as a list */
struct pv *pe_from_xv(struct pyeval *pe, const struct xv *x);

/* text (pyeval-format.c) */
bool pe_repr_buf(struct pyeval *pe, struct xu_buf *b, struct pv *v);
bool pe_str_buf(struct pyeval *pe, struct xu_buf *b, struct pv *v);
struct pv *pe_repr(struct pyeval *pe, struct pv *v);
struct pv *pe_tostr(struct pyeval *pe, struct pv *v);
struct pv *pe_format(struct pyeval *pe, const struct pv *fmt, struct pv *args);
void pe_float_str(double d, char *out, size_t size);
void pe_float_repr(double d, char *out, size_t size);
bool pe_buf_room(struct pyeval *pe, const struct xu_buf *b, size_t more);
struct pv *pe_buf_value(struct pyeval *pe, struct xu_buf *b);

/* evaluation (pyeval-eval.c) */
struct pe_args {
	struct pv **pos;
	size_t npos;
	const char **kwname;
	struct pv **kwval;
	size_t nkw;
};

struct pv *pe_eval(struct pyeval *pe, const struct pnode *n);
bool pe_exec(struct pyeval *pe, const struct pnode *block);
struct pv *pe_call(struct pyeval *pe, struct pv *fn, const struct pe_args *a);
struct pv *pe_call2(struct pyeval *pe, struct pv *fn, struct pv *a0, struct pv *a1);
bool pe_bind(struct pyeval *pe, const char *fname, const struct pe_args *a,
    const char *const *names, size_t nparams, size_t min, struct pv **out);
struct pv *pe_binop(struct pyeval *pe, int op, struct pv *a, struct pv *b);
struct pv *pe_getattr(struct pyeval *pe, struct pv *obj, const char *name);
struct pv *pe_index(struct pyeval *pe, struct pv *obj, struct pv *key);

/* builtins and methods (pyeval-builtins.c) */
void pe_install_builtins(struct pyeval *pe);
struct pv *pe_method(struct pyeval *pe, struct pv *obj, const char *name);
struct pv *pe_int_from_str(struct pyeval *pe, const struct pv *s, int base);

/* modules and xm_vars (pyeval-modules.c) */
extern const struct pv_module pe_mod_os, pe_mod_os_path, pe_mod_re, pe_mod_sys;
extern const struct pv_builtin pe_xmvars_var, pe_xmvars_check;
struct pv *pe_match_method(struct pyeval *pe, struct pv *m, const char *name);

#endif
