/* bootcfg.c: the boot menu parsers (GRUB legacy, GRUB 2, extlinux) and
 * the choice of an entry. GRUB 2's grub.cfg is a script: only what
 * update-grub writes is understood (set, if/elif/else/fi on [ ] tests,
 * menuentry, submenu, function bodies skipped); everything else is
 * passed over, never run. */
#include "bootcfg.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xu.h"

const char *
bootcfg_format_name(enum bootcfg_format f)
{
	switch (f) {
	case BOOTCFG_GRUB_LEGACY:
		return "GRUB legacy";
	case BOOTCFG_GRUB2:
		return "GRUB 2";
	case BOOTCFG_EXTLINUX:
		return "extlinux";
	}
	return "?";
}

void
bootcfg_init(struct bootcfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->timeout = -1;
}

static void
entry_dispose(struct bootcfg_entry *e)
{
	size_t i;

	free(e->title);
	free(e->id);
	free(e->kernel);
	for (i = 0; i < e->ninitrd; i++)
		free(e->initrd[i]);
	free(e->args);
	free(e->menu_title);
	free(e->menu_id);
}

void
bootcfg_dispose(struct bootcfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n; i++)
		entry_dispose(&cfg->v[i]);
	free(cfg->v);
	free(cfg->default_spec);
	bootcfg_init(cfg);
}

bool
bootcfg_path_ok(const char *path)
{
	const char *p = path;
	size_t n;

	if (path == NULL || *path == '\0' || strlen(path) > 1024)
		return false;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n;
	}
	return true;
}

/* ---- what every parser shares ---------------------------------------- */

struct parser {
	struct bootcfg *cfg;
	struct bootcfg_entry *cur;	/* the entry being read, or NULL */
	int line;
	char *err;
	size_t errlen;
	bool failed;
};

static int
perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
perr(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(p->err, p->errlen, "line %d: %s", p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s", msg);
	p->failed = true;
	return -1;
}

static struct bootcfg_entry *
new_entry(struct parser *p, const char *title)
{
	struct bootcfg *c = p->cfg;
	struct bootcfg_entry *e;

	if (c->n >= BOOTCFG_ENTRIES_MAX) {
		perr(p, "more than %d boot entries", BOOTCFG_ENTRIES_MAX);
		return NULL;
	}
	c->v = xu_realloc(c->v, (c->n + 1) * sizeof(*c->v));
	e = &c->v[c->n++];
	memset(e, 0, sizeof(*e));
	e->title = xu_strdup(title);
	e->args = xu_strdup("");
	e->sub = -1;
	p->cur = e;
	return e;
}

/* "(hd0,0)/boot/x" and "($root)/x" name a device first: the path is the
 * rest, on the file system the config was read from. */
static const char *
strip_device(const char *path)
{
	const char *close;

	if (path[0] == '(' && (close = strchr(path, ')')) != NULL)
		return close[1] != '\0' ? close + 1 : "/";
	return path;
}

static int
set_kernel(struct parser *p, const char *path, const char *args)
{
	struct bootcfg_entry *e = p->cur;

	if (strlen(args) > BOOTCFG_ARGS_MAX)
		return perr(p, "the kernel's arguments are longer than %d bytes",
		    BOOTCFG_ARGS_MAX);
	free(e->kernel);
	free(e->args);
	e->kernel = xu_strdup(strip_device(path));
	e->args = xu_strdup(args);
	return 0;
}

static int
add_initrd(struct parser *p, const char *path)
{
	struct bootcfg_entry *e = p->cur;

	if (e->ninitrd >= BOOTCFG_INITRDS_MAX)
		return perr(p, "more than %d initrds in one entry", BOOTCFG_INITRDS_MAX);
	e->initrd[e->ninitrd++] = xu_strdup(strip_device(path));
	return 0;
}

static void
clear_initrds(struct bootcfg_entry *e)
{
	while (e->ninitrd > 0)
		free(e->initrd[--e->ninitrd]);
}

/* A whole number 0..limit, or -1. */
static long
number(const char *s, long limit)
{
	char *end;
	long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v > limit)
		return -1;
	return v;
}

/* The next line of text (without its newline), in a buffer of the
 * caller's; false at the end. */
static bool
next_line(const char **pos, const char *end, struct xu_buf *b)
{
	const char *s = *pos, *nl;

	if (s >= end)
		return false;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL)
		nl = end;
	b->len = 0;
	xu_buf_add(b, s, (size_t)(nl - s));
	if (b->len > 0 && b->data[b->len - 1] == '\r')
		b->data[--b->len] = '\0';
	xu_buf_addc(b, '\0');
	b->len--;
	*pos = nl < end ? nl + 1 : end;
	return true;
}

static char *
skip_blank(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void
trim_end(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* "keyword rest" or "keyword=rest": the keyword is cut out of line. */
static char *
split_keyword(char *line, const char *seps)
{
	size_t n = strcspn(line, seps);

	if (line[n] == '\0')
		return line + n;
	line[n] = '\0';
	return skip_blank(line + n + 1);
}

/* ---- GRUB legacy ----------------------------------------------------- */

static int
legacy_line(struct parser *p, char *line)
{
	char *kw, *rest, *path;

	kw = skip_blank(line);
	if (*kw == '#' || *kw == '\0')
		return 0;
	trim_end(kw);
	rest = split_keyword(kw, " \t=");
	if (strcmp(kw, "title") == 0)
		return new_entry(p, rest) != NULL ? 0 : -1;
	if (strcmp(kw, "default") == 0 && p->cur == NULL) {
		free(p->cfg->default_spec);
		p->cfg->default_spec = xu_strdup(rest);
		return 0;
	}
	if (strcmp(kw, "timeout") == 0 && p->cur == NULL) {
		p->cfg->timeout = (int)number(rest, 86400);
		return 0;
	}
	if (p->cur == NULL)
		return 0;
	if (strcmp(kw, "kernel") == 0) {
		if (*rest == '\0')
			return perr(p, "kernel names no file");
		path = rest;
		rest = split_keyword(path, " \t");
		return set_kernel(p, path, rest);
	}
	if (strcmp(kw, "initrd") == 0) {
		if (*rest == '\0')
			return perr(p, "initrd names no file");
		path = rest;
		split_keyword(path, " \t");
		clear_initrds(p->cur);
		return add_initrd(p, path);
	}
	return 0;	/* root, module, savedefault, ...: nothing to us */
}

/* ---- extlinux --------------------------------------------------------- */

/* APPEND's initrd=a,b names the initrds (when INITRD does not): taken
 * out of the arguments, as pygrub did. */
static int
extlinux_args(struct parser *p, const char *args)
{
	struct bootcfg_entry *e = p->cur;
	struct xu_buf out;
	char *copy = xu_strdup(args), *w, *save = NULL, *f, *fsave = NULL;
	int rc = 0;

	xu_buf_init(&out);
	for (w = strtok_r(copy, " \t", &save); w != NULL && rc == 0;
	    w = strtok_r(NULL, " \t", &save)) {
		if (strncmp(w, "initrd=", 7) == 0) {
			if (e->ninitrd == 0 || e->initrd[0] == NULL)
				for (f = strtok_r(w + 7, ",", &fsave); f != NULL && rc == 0;
				    f = strtok_r(NULL, ",", &fsave))
					rc = add_initrd(p, f);
			continue;
		}
		if (out.len > 0)
			xu_buf_addc(&out, ' ');
		xu_buf_adds(&out, w);
	}
	free(copy);
	if (rc == 0 && out.len > BOOTCFG_ARGS_MAX)
		rc = perr(p, "APPEND is longer than %d bytes", BOOTCFG_ARGS_MAX);
	if (rc == 0) {
		free(e->args);
		e->args = out.data != NULL ? xu_buf_steal(&out) : xu_strdup("");
	}
	xu_buf_dispose(&out);
	return rc;
}

static int
extlinux_line(struct parser *p, char *line)
{
	char *kw, *rest, *sub;

	kw = skip_blank(line);
	if (*kw == '#' || *kw == '\0')
		return 0;
	trim_end(kw);
	rest = split_keyword(kw, " \t");
	if (strcasecmp(kw, "label") == 0) {
		if (new_entry(p, rest) == NULL)
			return -1;
		p->cur->id = xu_strdup(rest);
		return 0;
	}
	if (strcasecmp(kw, "menu") == 0) {
		sub = rest;
		rest = split_keyword(sub, " \t");
		if (p->cur != NULL && strcasecmp(sub, "label") == 0) {
			free(p->cur->title);
			p->cur->title = xu_strdup(rest);
		} else if (p->cur != NULL && strcasecmp(sub, "default") == 0) {
			free(p->cfg->default_spec);
			p->cfg->default_spec = xu_strdup(p->cur->id);
		}
		return 0;
	}
	if (strcasecmp(kw, "default") == 0) {
		free(p->cfg->default_spec);
		p->cfg->default_spec = xu_strdup(rest);
		return 0;
	}
	if (strcasecmp(kw, "timeout") == 0) {
		long t = number(rest, 864000);

		p->cfg->timeout = t <= 0 ? -1 : (int)((t + 9) / 10);
		return 0;
	}
	if (p->cur == NULL)
		return 0;
	if (strcasecmp(kw, "kernel") == 0 || strcasecmp(kw, "linux") == 0) {
		if (*rest == '\0')
			return perr(p, "%s names no file", kw);
		free(p->cur->kernel);
		p->cur->kernel = xu_strdup(rest);
		return 0;
	}
	if (strcasecmp(kw, "initrd") == 0) {
		clear_initrds(p->cur);
		for (sub = strtok(rest, ","); sub != NULL; sub = strtok(NULL, ","))
			if (add_initrd(p, sub) != 0)
				return -1;
		return 0;
	}
	if (strcasecmp(kw, "append") == 0)
		return extlinux_args(p, strcmp(rest, "-") == 0 ? "" : rest);
	return 0;
}

/* ---- GRUB 2 ------------------------------------------------------------ */

struct g2_var {
	char *name, *value;
};

enum g2_block { G2_MENUENTRY, G2_SUBMENU, G2_FUNCTION, G2_SKIPPED };

struct g2 {
	struct parser *p;
	struct g2_var vars[BOOTCFG_VARS_MAX];
	size_t nvars;
	bool have_env;
	/* if/elif/else: whether this branch runs, and whether one did */
	struct { bool run, done, outer; } conds[BOOTCFG_DEPTH_MAX];
	int nconds;
	enum g2_block blocks[BOOTCFG_DEPTH_MAX];
	int nblocks;
	int ntop;		/* top-level items so far */
	int nsub;		/* entries in the open submenu */
	char *menu_title, *menu_id;
	int skip_depth;		/* inside a function: braces to close */
};

struct words {
	char **v;
	size_t n;
};

static void
words_free(struct words *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

static const char *
g2_get(const struct g2 *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->nvars; i++)
		if (strcmp(g->vars[i].name, name) == 0)
			return g->vars[i].value;
	return NULL;
}

static int
g2_set(struct g2 *g, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < g->nvars; i++)
		if (strcmp(g->vars[i].name, name) == 0) {
			free(g->vars[i].value);
			g->vars[i].value = xu_strdup(value);
			return 0;
		}
	if (g->nvars >= BOOTCFG_VARS_MAX)
		return perr(g->p, "more than %d variables", BOOTCFG_VARS_MAX);
	g->vars[g->nvars].name = xu_strdup(name);
	g->vars[g->nvars].value = xu_strdup(value);
	g->nvars++;
	return 0;
}

/* $name, ${name}: appended to b; s points after the '$'. */
static const char *
g2_expand(const struct g2 *g, const char *s, struct xu_buf *b)
{
	char name[128];
	size_t n;
	const char *v;

	if (*s == '{') {
		n = strcspn(s + 1, "}");
		if (s[1 + n] != '}') {
			xu_buf_addc(b, '$');
			return s;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(n < 127 ? n : 127), s + 1);
		s += n + 2;
	} else {
		for (n = 0; isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '?'; n++)
			;
		if (n == 0) {
			xu_buf_addc(b, '$');
			return s;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(n < 127 ? n : 127), s);
		s += n;
	}
	if ((v = g2_get(g, name)) != NULL)
		xu_buf_adds(b, v);
	return s;
}

static void
word_end(struct words *w, struct xu_buf *b, bool *started)
{
	if (!*started)
		return;
	w->v = xu_realloc(w->v, (w->n + 1) * sizeof(*w->v));
	w->v[w->n++] = xu_strndup(b->data != NULL ? b->data : "", b->len);
	b->len = 0;
	*started = false;
}

/* One command's words, as GRUB's shell splits them: blanks separate,
 * '...' is literal, "..." and bare words expand variables, \ escapes.
 * Stops after an unquoted ';' (*rest then points after it) or at the
 * end of the line (*rest NULL). A bare "#" starts a comment. */
static void
g2_words(const struct g2 *g, const char *s, struct words *w, const char **rest)
{
	struct xu_buf b;
	bool started = false;
	size_t before;

	xu_buf_init(&b);
	*rest = NULL;
	while (*s != '\0') {
		if (*s == ' ' || *s == '\t') {
			word_end(w, &b, &started);
			s++;
		} else if (*s == ';') {
			*rest = s + 1;
			break;
		} else if (*s == '#' && !started) {
			break;
		} else if (*s == '\'') {
			const char *q = strchr(s + 1, '\'');

			if (q == NULL)
				q = s + strlen(s);
			xu_buf_add(&b, s + 1, (size_t)(q - s - 1));
			started = true;
			s = *q ? q + 1 : q;
		} else if (*s == '"') {
			started = true;
			for (s++; *s != '\0' && *s != '"';) {
				if (*s == '\\' && s[1] != '\0') {
					xu_buf_addc(&b, s[1]);
					s += 2;
				} else if (*s == '$') {
					s = g2_expand(g, s + 1, &b);
				} else {
					xu_buf_addc(&b, *s++);
				}
			}
			if (*s == '"')
				s++;
		} else if (*s == '\\' && s[1] != '\0') {
			xu_buf_addc(&b, s[1]);
			started = true;
			s += 2;
		} else if (*s == '$') {
			/* an unquoted expansion that is empty makes no word */
			before = b.len;
			s = g2_expand(g, s + 1, &b);
			if (b.len > before)
				started = true;
		} else {
			xu_buf_addc(&b, *s++);
			started = true;
		}
	}
	word_end(w, &b, &started);
	xu_buf_dispose(&b);
}

static bool
g2_running(const struct g2 *g)
{
	return g->nconds == 0 || g->conds[g->nconds - 1].run;
}

/* [ ... ] as update-grub writes them; any other condition (a command
 * such as keystatus or loadfont) is false: nothing is ever run. */
static bool
g2_test(const struct g2 *g, char **v, size_t n)
{
	if (n < 2 || strcmp(v[0], "[") != 0 || strcmp(v[n - 1], "]") != 0)
		return false;
	v++;
	n -= 2;
	if (n == 1)
		return v[0][0] != '\0';
	if (n == 2 && strcmp(v[0], "-n") == 0)
		return v[1][0] != '\0';
	if (n == 2 && strcmp(v[0], "-z") == 0)
		return v[1][0] == '\0';
	if (n == 2 && (strcmp(v[0], "-s") == 0 || strcmp(v[0], "-f") == 0 ||
	    strcmp(v[0], "-e") == 0)) {
		size_t l = strlen(v[1]);

		return g->have_env && l >= 7 && strcmp(v[1] + l - 7, "grubenv") == 0;
	}
	if (n == 3 && (strcmp(v[1], "=") == 0 || strcmp(v[1], "==") == 0))
		return strcmp(v[0], v[2]) == 0;
	if (n == 3 && strcmp(v[1], "!=") == 0)
		return strcmp(v[0], v[2]) != 0;
	return false;
}

static int
g2_open_block(struct g2 *g, enum g2_block b)
{
	if (g->nblocks >= BOOTCFG_DEPTH_MAX)
		return perr(g->p, "blocks nested deeper than %d", BOOTCFG_DEPTH_MAX);
	g->blocks[g->nblocks++] = b;
	return 0;
}

/* menuentry or submenu TITLE [--class X] [--id ID] ... { */
static int
g2_menu(struct g2 *g, struct words *w, bool submenu)
{
	const char *title = NULL, *id = NULL;
	struct bootcfg_entry *e;
	size_t i;

	if (w->n < 2 || strcmp(w->v[w->n - 1], "{") != 0)
		return perr(g->p, "%s without a title and '{' on its line",
		    w->v[0]);
	for (i = 1; i + 1 < w->n; i++) {
		const char *a = w->v[i];

		if (strcmp(a, "--id") == 0 && i + 2 < w->n)
			id = w->v[++i];
		else if ((strcmp(a, "--class") == 0 || strcmp(a, "--users") == 0 ||
		    strcmp(a, "--hotkey") == 0) && i + 2 < w->n)
			i++;
		else if (strncmp(a, "--", 2) == 0)
			continue;
		else if (title == NULL)
			title = a;
		else if (id == NULL)
			id = a;	/* after an empty $menuentry_id_option */
	}
	if (title == NULL)
		return perr(g->p, "%s without a title", w->v[0]);
	if (!g2_running(g))
		return g2_open_block(g, G2_SKIPPED);
	if (submenu) {
		if (g->menu_title != NULL)	/* nested: flattened into the outer */
			return g2_open_block(g, G2_SUBMENU);
		g->menu_title = xu_strdup(title);
		g->menu_id = id != NULL ? xu_strdup(id) : NULL;
		g->nsub = 0;
		g->ntop++;
		return g2_open_block(g, G2_SUBMENU);
	}
	if (g->p->cur != NULL)
		return perr(g->p, "menuentry inside a menuentry");
	if ((e = new_entry(g->p, title)) == NULL)
		return -1;
	e->id = id != NULL ? xu_strdup(id) : NULL;
	if (g->menu_title != NULL) {
		e->top = g->ntop - 1;
		e->sub = g->nsub++;
		e->menu_title = xu_strdup(g->menu_title);
		e->menu_id = g->menu_id != NULL ? xu_strdup(g->menu_id) : NULL;
	} else {
		e->top = g->ntop++;
	}
	return g2_open_block(g, G2_MENUENTRY);
}

static int
g2_close(struct g2 *g)
{
	enum g2_block b;
	int i;

	if (g->nblocks == 0)
		return perr(g->p, "'}' closes nothing");
	b = g->blocks[--g->nblocks];
	if (b == G2_MENUENTRY) {
		g->p->cur = NULL;
	} else if (b == G2_SUBMENU) {
		for (i = 0; i < g->nblocks; i++)
			if (g->blocks[i] == G2_SUBMENU)
				return 0;	/* an inner one */
		free(g->menu_title);
		free(g->menu_id);
		g->menu_title = g->menu_id = NULL;
	}
	return 0;
}

static int
g2_args(struct g2 *g, struct words *w, size_t from, struct xu_buf *b)
{
	size_t i;

	b->len = 0;
	for (i = from; i < w->n; i++) {
		if (b->len > 0)
			xu_buf_addc(b, ' ');
		xu_buf_adds(b, w->v[i]);
		if (b->len > BOOTCFG_ARGS_MAX)
			return perr(g->p, "the kernel's arguments are longer than %d "
			    "bytes", BOOTCFG_ARGS_MAX);
	}
	xu_buf_addc(b, '\0');
	return 0;
}

static int
g2_command(struct g2 *g, struct words *w)
{
	const char *cmd;
	struct xu_buf b;
	size_t i;
	int rc = 0;

	if (w->n == 0)
		return 0;
	cmd = w->v[0];
	/* the keywords that lead a command in: then, else, do */
	if (strcmp(cmd, "then") == 0 || strcmp(cmd, "do") == 0 ||
	    strcmp(cmd, "else") == 0) {
		if (strcmp(cmd, "else") == 0) {
			if (g->nconds == 0)
				return perr(g->p, "else without if");
			g->conds[g->nconds - 1].run = g->conds[g->nconds - 1].outer &&
			    !g->conds[g->nconds - 1].done;
			g->conds[g->nconds - 1].done = true;
		}
		free(w->v[0]);
		memmove(w->v, w->v + 1, (w->n - 1) * sizeof(*w->v));
		w->n--;
		return g2_command(g, w);
	}
	if (strcmp(cmd, "if") == 0) {
		bool outer = g2_running(g), t = outer && g2_test(g, w->v + 1, w->n - 1);

		if (g->nconds >= BOOTCFG_DEPTH_MAX)
			return perr(g->p, "ifs nested deeper than %d", BOOTCFG_DEPTH_MAX);
		g->conds[g->nconds].outer = outer;
		g->conds[g->nconds].run = t;
		g->conds[g->nconds].done = t;
		g->nconds++;
		return 0;
	}
	if (strcmp(cmd, "elif") == 0) {
		if (g->nconds == 0)
			return perr(g->p, "elif without if");
		i = (size_t)g->nconds - 1;
		g->conds[i].run = g->conds[i].outer && !g->conds[i].done &&
		    g2_test(g, w->v + 1, w->n - 1);
		if (g->conds[i].run)
			g->conds[i].done = true;
		return 0;
	}
	if (strcmp(cmd, "fi") == 0) {
		if (g->nconds == 0)
			return perr(g->p, "fi without if");
		g->nconds--;
		return 0;
	}
	if (strcmp(cmd, "function") == 0) {
		/* "function name {": its body, to the matching "}", is skipped */
		g->skip_depth = 1;
		return 0;
	}
	if (strcmp(cmd, "menuentry") == 0)
		return g2_menu(g, w, false);
	if (strcmp(cmd, "submenu") == 0)
		return g2_menu(g, w, true);
	if (strcmp(cmd, "}") == 0)
		return g2_close(g);
	if (!g2_running(g) || (g->nblocks > 0 &&
	    g->blocks[g->nblocks - 1] == G2_SKIPPED))
		return 0;
	/* an entry's own set runs when that entry boots, not here */
	if (strcmp(cmd, "set") == 0 && w->n >= 2 && g->p->cur == NULL) {
		char *eq = strchr(w->v[1], '=');

		if (eq == NULL)
			return 0;
		*eq = '\0';
		rc = g2_set(g, w->v[1], eq + 1);
		if (rc == 0 && g->p->cur == NULL && strcmp(w->v[1], "default") == 0) {
			free(g->p->cfg->default_spec);
			g->p->cfg->default_spec = xu_strdup(eq + 1);
		} else if (rc == 0 && g->p->cur == NULL &&
		    strcmp(w->v[1], "timeout") == 0) {
			g->p->cfg->timeout = (int)number(eq + 1, 86400);
		}
		return rc;
	}
	if (g->p->cur == NULL)
		return 0;
	if (strcmp(cmd, "linux") == 0 || strcmp(cmd, "linux16") == 0 ||
	    strcmp(cmd, "linuxefi") == 0) {
		if (w->n < 2)
			return perr(g->p, "%s names no file", cmd);
		xu_buf_init(&b);
		if ((rc = g2_args(g, w, 2, &b)) == 0)
			rc = set_kernel(g->p, w->v[1], b.data);
		xu_buf_dispose(&b);
		return rc;
	}
	if (strcmp(cmd, "initrd") == 0 || strcmp(cmd, "initrd16") == 0 ||
	    strcmp(cmd, "initrdefi") == 0) {
		if (w->n < 2)
			return perr(g->p, "%s names no file", cmd);
		clear_initrds(g->p->cur);
		for (i = 1; i < w->n && rc == 0; i++)
			rc = add_initrd(g->p, w->v[i]);
		return rc;
	}
	return 0;
}

/* A function's body is skipped, braces counted: a line "}" closes one,
 * a line ending in "{" opens one. */
static void
g2_skip(struct g2 *g, const char *line)
{
	const char *s = line;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 1 && s[0] == '}')
		g->skip_depth--;
	else if (n > 0 && s[n - 1] == '{')
		g->skip_depth++;
}

static int
g2_line(struct g2 *g, const char *line)
{
	struct words w = { 0 };
	const char *rest;
	int rc = 0;

	if (g->skip_depth > 0) {
		g2_skip(g, line);
		return 0;
	}
	do {
		g2_words(g, line, &w, &rest);
		rc = g2_command(g, &w);
		words_free(&w);
		line = rest;
	} while (rc == 0 && line != NULL && g->skip_depth == 0);
	return rc;
}

static void
g2_load_env(struct g2 *g, const char *env, size_t len)
{
	const char *pos = env, *end = env + len;
	struct xu_buf b;
	char *eq;

	xu_buf_init(&b);
	while (next_line(&pos, end, &b)) {
		if (b.data[0] == '#' || (eq = strchr(b.data, '=')) == NULL)
			continue;
		*eq = '\0';
		if (*b.data != '\0' && g2_set(g, b.data, eq + 1) != 0)
			break;
	}
	xu_buf_dispose(&b);
	g->have_env = true;
}

static void
g2_dispose(struct g2 *g)
{
	size_t i;

	for (i = 0; i < g->nvars; i++) {
		free(g->vars[i].name);
		free(g->vars[i].value);
	}
	free(g->menu_title);
	free(g->menu_id);
}

/* ---- the default --------------------------------------------------------- */

static bool
matches(const char *want, size_t n, const char *title, const char *id)
{
	return (title != NULL && strlen(title) == n && memcmp(title, want, n) == 0) ||
	    (id != NULL && strlen(id) == n && memcmp(id, want, n) == 0);
}

/* GRUB 2: "N", "N>M", a title or an id, "A>B" of those; a submenu
 * alone is its first entry. -1 when nothing matches. */
static long
g2_default(const struct bootcfg *c, const char *spec)
{
	const char *gt = strchr(spec, '>'), *second = gt ? gt + 1 : NULL;
	size_t n1 = gt ? (size_t)(gt - spec) : strlen(spec), i;
	char num[16];
	long top = -1, sub = -1;

	if (n1 < sizeof(num)) {
		memcpy(num, spec, n1);
		num[n1] = '\0';
		top = number(num, BOOTCFG_ENTRIES_MAX);
	}
	if (second != NULL)
		sub = number(second, BOOTCFG_ENTRIES_MAX);
	for (i = 0; i < c->n; i++) {
		const struct bootcfg_entry *e = &c->v[i];
		bool first;

		if (e->sub < 0)
			first = top >= 0 ? e->top == top :
			    matches(spec, n1, e->title, e->id);
		else
			first = top >= 0 ? e->top == top :
			    matches(spec, n1, e->menu_title, e->menu_id);
		if (!first)
			continue;
		if (e->sub < 0 || second == NULL)
			return (long)i;
		if (sub >= 0 ? e->sub == sub :
		    matches(second, strlen(second), e->title, e->id))
			return (long)i;
	}
	return -1;
}

static long
find_spec(const struct bootcfg *c, const char *spec)
{
	long v = number(spec, BOOTCFG_ENTRIES_MAX);
	size_t i;

	if (c->format == BOOTCFG_GRUB2)
		return g2_default(c, spec);
	if (v >= 0)
		return v < (long)c->n ? v : -1;
	for (i = 0; i < c->n; i++)
		if (matches(spec, strlen(spec), c->v[i].title, c->v[i].id))
			return (long)i;
	return -1;
}

static void
resolve_default(struct bootcfg *c)
{
	long i = -1;

	if (c->default_spec != NULL && *c->default_spec != '\0')
		i = find_spec(c, c->default_spec);
	/* an unknown default boots the first entry, as GRUB does */
	c->default_entry = i >= 0 ? (size_t)i : 0;
}

long
bootcfg_select(const struct bootcfg *cfg, const char *spec, char *err,
    size_t errlen)
{
	long i, v;
	size_t k;

	if (cfg->n == 0) {
		snprintf(err, errlen, "no boot entry");
		return -1;
	}
	if (spec == NULL || *spec == '\0')
		return (long)cfg->default_entry;
	/* pygrub's --entry counts the entries as listed */
	if ((v = number(spec, BOOTCFG_ENTRIES_MAX)) >= 0) {
		if (v < (long)cfg->n)
			return v;
		snprintf(err, errlen, "no entry %ld (the menu has %zu)", v, cfg->n);
		return -1;
	}
	for (k = 0; k < cfg->n; k++)
		if (matches(spec, strlen(spec), cfg->v[k].title, cfg->v[k].id))
			return (long)k;
	if (cfg->format == BOOTCFG_GRUB2 && (i = g2_default(cfg, spec)) >= 0)
		return i;
	snprintf(err, errlen, "no entry is titled '%.100s'", spec);
	return -1;
}

/* ---- the parse ------------------------------------------------------------ */

int
bootcfg_parse(enum bootcfg_format format, const char *text, size_t len,
    const char *grubenv, size_t envlen, struct bootcfg *cfg, char *err,
    size_t errlen)
{
	struct parser p = { cfg, NULL, 0, err, errlen, false };
	struct g2 g;
	const char *pos = text, *end = text + len;
	struct xu_buf line;
	int rc = 0;

	bootcfg_init(cfg);
	cfg->format = format;
	if (len > BOOTCFG_TEXT_MAX || envlen > BOOTCFG_TEXT_MAX)
		return perr(&p, "larger than %d bytes", BOOTCFG_TEXT_MAX);
	if (memchr(text, '\0', len) != NULL)
		return perr(&p, "not a text file (it holds a NUL byte)");
	memset(&g, 0, sizeof(g));
	g.p = &p;
	if (format == BOOTCFG_GRUB2) {
		g2_set(&g, "prefix", "/boot/grub");
		if (grubenv != NULL && memchr(grubenv, '\0', envlen) == NULL)
			g2_load_env(&g, grubenv, envlen);
	}
	xu_buf_init(&line);
	while (rc == 0 && next_line(&pos, end, &line)) {
		p.line++;
		switch (format) {
		case BOOTCFG_GRUB_LEGACY:
			rc = legacy_line(&p, line.data);
			break;
		case BOOTCFG_EXTLINUX:
			rc = extlinux_line(&p, line.data);
			break;
		case BOOTCFG_GRUB2:
			rc = g2_line(&g, line.data);
			break;
		}
	}
	xu_buf_dispose(&line);
	g2_dispose(&g);
	if (rc == 0 && format == BOOTCFG_GRUB2 && g.nblocks > 0)
		rc = perr(&p, "a %s is not closed with '}'",
		    g.blocks[g.nblocks - 1] == G2_SUBMENU ? "submenu" : "menuentry");
	p.line = 0;
	if (rc == 0 && cfg->n == 0)
		rc = perr(&p, "no boot entry");
	if (rc != 0) {
		bootcfg_dispose(cfg);
		cfg->format = format;
		return -1;
	}
	resolve_default(cfg);
	return 0;
}
