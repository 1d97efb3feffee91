/* pyeval.c: the public face of the config evaluator: instances, predefined
 * variables, running a script and handing its variables to the caller. */
#include "pyeval-int.h"

#include <stdlib.h>
#include <string.h>

struct export_budget {
	size_t nodes, bytes;
	int depth;
	bool over;
};

struct pyeval *
pyeval_new(const char *filename)
{
	struct pyeval *pe = xu_calloc(1, sizeof(*pe));
	struct pv *xm_vars;

	pe->filename = xu_strdup(filename ? filename : "<config>");
	pe->globals = pe_dict(pe);
	pe->builtins = pe_dict(pe);
	pe_install_builtins(pe);
	/* what classic xm's namespace held before the file ran */
	xm_vars = pe_alloc(pe, sizeof(*xm_vars));
	xm_vars->type = PV_XMVARS;
	pe_dict_setz(pe, pe->globals, "sys", pe_module_value(pe, &pe_mod_sys), 0);
	pe_dict_setz(pe, pe->globals, "os", pe_module_value(pe, &pe_mod_os), 0);
	pe_dict_setz(pe, pe->globals, "xm_vars", xm_vars, 0);
	return pe;
}

void
pyeval_free(struct pyeval *pe)
{
	if (pe == NULL)
		return;
	pe_arena_free(pe);
	free(pe->vars);
	free(pe->filename);
	free(pe);
}

void
pyeval_define(struct pyeval *pe, const char *name, const struct xv *value)
{
	struct pv *v;

	if (name == NULL || value == NULL || pe_failed(pe))
		return;
	pe->line = 0;
	/* a failure (a value over the limits) is reported by pyeval_run */
	if ((v = pe_from_xv(pe, value)) != NULL)
		pe_dict_setz(pe, pe->globals, name, v, 0);
}

void
pyeval_set_help_mode(struct pyeval *pe, bool help)
{
	pe->help = help;
}

/* ---- exports ---- */

static bool
exportable(const struct pv *v)
{
	return v->type == PV_STR || v->type == PV_INT || v->type == PV_FLOAT ||
	    v->type == PV_BOOL || v->type == PV_LIST;
}

/* A value as xv; lists (and tuples inside them) become lists, what has no
 * xv form becomes nil. Cycles and shared sublists are walked with a
 * budget, since [l] * 1000 nested a few times would otherwise explode. */
static struct xv *
to_xv(const struct pv *v, struct export_budget *b, int line)
{
	struct xv *x;
	size_t i;

	if (++b->nodes > PE_MAX_EXPORT)
		b->over = true;
	switch (v->type) {
	case PV_BOOL:
		x = xv_bool(v->u.b);
		break;
	case PV_INT:
		x = xv_int(v->u.i);
		break;
	case PV_FLOAT:
		x = xv_double(v->u.d);
		break;
	case PV_STR:
		if ((b->bytes += v->u.str.len) > PE_MAX_EXPORT_BYTES)
			b->over = true;
		x = b->over ? xv_nil() : xv_strn(v->u.str.s, v->u.str.len);
		break;
	case PV_LIST:
	case PV_TUPLE:
		if (v->busy || b->depth >= PE_MAX_NEST) {
			b->over = b->over || !v->busy;
			x = xv_nil();
			break;
		}
		x = xv_list();
		((struct pv *)v)->busy = 1;
		b->depth++;
		for (i = 0; i < v->u.seq.n && !b->over; i++)
			xv_append(x, to_xv(v->u.seq.items[i], b, line));
		b->depth--;
		((struct pv *)v)->busy = 0;
		break;
	default:
		x = xv_nil();
		break;
	}
	x->line = line;
	return x;
}

/* Builds the exports struct; returns NULL (and names the variable in
 * culprit) when the budget runs out. */
static struct xv *
build_exports(const struct pyeval *pe, const char **culprit, int *line)
{
	const struct pv_dict *d = pe->globals->u.dict;
	struct export_budget b = { 0 };
	struct xv *st = xv_struct(), *x;
	size_t i;

	st->u.st.members = xu_calloc(d->n, sizeof(*st->u.st.members));
	st->u.st.cap = d->n;
	for (i = 0; i < d->n; i++) {
		const struct pv_dent *e = &d->ents[i];

		if (!exportable(e->val))
			continue;
		x = to_xv(e->val, &b, e->line);
		if (b.over) {
			xv_free(x);
			xv_free(st);
			*culprit = e->key->u.str.s;
			*line = e->line;
			return NULL;
		}
		/* keys are unique already: append without xv_struct_set's scan */
		st->u.st.members[st->u.st.n].key = xu_strdup(e->key->u.str.s);
		st->u.st.members[st->u.st.n].val = x;
		st->u.st.n++;
	}
	return st;
}

struct xv *
pyeval_exports(const struct pyeval *pe)
{
	const char *culprit;
	int line;
	struct xv *st = build_exports(pe, &culprit, &line);

	return st ? st : xv_struct();
}

bool
pyeval_is_global(const struct pyeval *pe, const char *name)
{
	const struct pv_dict *d = pe->globals->u.dict;
	size_t i;

	/* a scan, not a lookup: the lookup may charge steps, and pe is const */
	for (i = 0; i < d->n; i++)
		if (strcmp(d->ents[i].key->u.str.s, name) == 0)
			return !exportable(d->ents[i].val);
	return false;
}

struct xv *
pyeval_declared_vars(const struct pyeval *pe)
{
	struct xv *l = xv_list(), *pair;
	size_t i;

	for (i = 0; i < pe->nvars; i++) {
		pair = xv_list();
		pair->line = pe->vars[i].line;
		xv_append(pair, xv_str(pe->vars[i].name));
		xv_append(pair, xv_str(pe->vars[i].use ? pe->vars[i].use : ""));
		xv_append(l, pair);
	}
	return l;
}

/* ---- running ---- */

/* Exported values must fit what the caller can be handed; checked once
 * here so pyeval_exports never has to fail. */
static void
check_exports(struct pyeval *pe)
{
	const char *culprit = NULL;
	struct xv *st;
	int line = 0;

	if ((st = build_exports(pe, &culprit, &line)) != NULL) {
		xv_free(st);
		return;
	}
	pe->line = line;
	pe_fail(pe, XU_ERR_TOO_BIG, NULL, "variable '%s' is too large to use "
	    "(more than %d values or %u MiB of text)", culprit, PE_MAX_EXPORT,
	    PE_MAX_EXPORT_BYTES >> 20);
}

static int
count_lines(const char *s, size_t n)
{
	int lines = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\n')
			lines++;
	return lines;
}

int
pyeval_run(struct pyeval *pe, const char *src, size_t len, struct xu_err *err)
{
	const struct pnode *prog;
	const char *nul;

	if (pe->err.rc == 0 && len > PYEVAL_MAX_SOURCE) {
		pe->line = 0;
		pe_fail(pe, XU_ERR_TOO_BIG, NULL, "config file too large (more "
		    "than %u bytes)", PYEVAL_MAX_SOURCE);
	}
	if (pe->err.rc == 0 && (nul = memchr(src, '\0', len)) != NULL) {
		/* as Python's compile(): NULs would cut strings short later */
		pe->line = 1 + count_lines(src, (size_t)(nul - src));
		pe_fail(pe, XU_ERR_SYNTAX, NULL, "source contains a NUL byte");
	}
	if (pe->err.rc == 0 && (prog = pe_parse(pe, src, len)) != NULL) {
		pe->steps = 0;
		pe->depth = 0;
		pe->line = 1;
		(void)pe_exec(pe, prog);
		pe->stop = false;
		if (pe->err.rc == 0)
			check_exports(pe);
	}
	if (err != NULL)
		*err = pe->err;
	return pe->err.rc;
}
