/* pyeval-modules.c: the few module functions real configs call (os.uname,
 * os.path, re) and the xm_vars object. Nothing here reads or writes files:
 * os.path only stats, re runs POSIX regexec on a translated pattern. */
#include "pyeval-int.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define PE_MAX_REGEX	256		/* bytes of a pattern */
#define PE_MAX_REPEAT	64		/* {m,n} counts */
#define PE_MAX_RX_NODES	2000		/* pattern size after regcomp's copies */
#define PE_MAX_SUBJECT	4096		/* bytes a regular expression searches */
#define PE_MAX_VARS	1000		/* xm_vars.var() declarations */

static bool
str_arg(struct pyeval *pe, const char *fname, const struct pe_args *a,
    size_t i, struct pv **out)
{
	if (i >= a->npos || a->pos[i]->type != PV_STR) {
		pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s() argument %zu must be "
		    "str, not %s", fname, i + 1, i < a->npos ?
		    pe_typename(a->pos[i]) : "nothing");
		return false;
	}
	*out = a->pos[i];
	return true;
}

static bool
no_kwargs(struct pyeval *pe, const char *fname, const struct pe_args *a,
    size_t min, size_t max)
{
	if (a->nkw > 0 || a->npos < min || a->npos > max) {
		pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s() takes %zu to %zu "
		    "positional arguments (%zu given)", fname, min, max,
		    a->npos + a->nkw);
		return false;
	}
	return true;
}

/* ---- os ---- */

static struct pv *
os_uname(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct utsname u;
	struct pv *t;

	(void)self;
	if (!no_kwargs(pe, "uname", a, 0, 0))
		return NULL;
	if (uname(&u) < 0)
		return pe_fail(pe, XU_ERR_IO, "OSError", "uname failed");
	if ((t = pe_tuple(pe, 5)) == NULL)
		return NULL;
	t->u.seq.items[0] = pe_strz(pe, u.sysname);
	t->u.seq.items[1] = pe_strz(pe, u.nodename);
	t->u.seq.items[2] = pe_strz(pe, u.release);
	t->u.seq.items[3] = pe_strz(pe, u.version);
	t->u.seq.items[4] = pe_strz(pe, u.machine);
	return t;
}

/* exists/isfile/isdir/islink: only a stat, as the classic helpers did */
static struct pv *
path_test(struct pyeval *pe, const struct pe_args *a, const char *fname,
    char what)
{
	struct pv *p;
	struct stat st;
	int r;

	if (!no_kwargs(pe, fname, a, 1, 1) || !str_arg(pe, fname, a, 0, &p))
		return NULL;
	if (strlen(p->u.str.s) != p->u.str.len)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "must be encoded "
		    "string without NULL bytes");
	r = what == 'l' ? lstat(p->u.str.s, &st) : stat(p->u.str.s, &st);
	if (r < 0)
		return &pe_False;
	switch (what) {
	case 'f':
		return pe_bool(S_ISREG(st.st_mode));
	case 'd':
		return pe_bool(S_ISDIR(st.st_mode));
	case 'l':
		return pe_bool(S_ISLNK(st.st_mode));
	default:
		return &pe_True;
	}
}

static struct pv *
path_exists(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return path_test(pe, a, "exists", 'e');
}

static struct pv *
path_isfile(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return path_test(pe, a, "isfile", 'f');
}

static struct pv *
path_isdir(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return path_test(pe, a, "isdir", 'd');
}

static struct pv *
path_islink(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return path_test(pe, a, "islink", 'l');
}

static struct pv *
path_isabs(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *p;

	(void)self;
	if (!no_kwargs(pe, "isabs", a, 1, 1) || !str_arg(pe, "isabs", a, 0, &p))
		return NULL;
	return pe_bool(p->u.str.len > 0 && p->u.str.s[0] == '/');
}

/* posixpath.join: an absolute component restarts the path */
static struct pv *
path_join(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct xu_buf b;
	struct pv *p;
	size_t i;

	(void)self;
	if (a->nkw > 0 || a->npos == 0)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError",
		    "join() takes at least 1 positional argument");
	xu_buf_init(&b);
	for (i = 0; i < a->npos; i++) {
		if (!str_arg(pe, "join", a, i, &p) ||
		    !pe_buf_room(pe, &b, p->u.str.len + 1))
			goto fail;
		if (p->u.str.len > 0 && p->u.str.s[0] == '/')
			b.len = 0;
		else if (b.len > 0 && b.data[b.len - 1] != '/')
			xu_buf_addc(&b, '/');
		xu_buf_add(&b, p->u.str.s, p->u.str.len);
	}
	return pe_buf_value(pe, &b);
fail:
	xu_buf_dispose(&b);
	return NULL;
}

/* Where the last component starts. */
static size_t
last_slash(const struct pv *p)
{
	size_t i = p->u.str.len;

	while (i > 0 && p->u.str.s[i - 1] != '/')
		i--;
	return i;
}

static struct pv *
dirname_of(struct pyeval *pe, const struct pv *p)
{
	size_t i = last_slash(p), j = i;

	while (j > 0 && p->u.str.s[j - 1] == '/')
		j--;
	/* all slashes: keep them, as posixpath does */
	return pe_str(pe, p->u.str.s, j == 0 ? i : j);
}

static struct pv *
path_basename(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *p;
	size_t i;

	(void)self;
	if (!no_kwargs(pe, "basename", a, 1, 1) ||
	    !str_arg(pe, "basename", a, 0, &p))
		return NULL;
	i = last_slash(p);
	return pe_str(pe, p->u.str.s + i, p->u.str.len - i);
}

static struct pv *
path_dirname(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *p;

	(void)self;
	if (!no_kwargs(pe, "dirname", a, 1, 1) ||
	    !str_arg(pe, "dirname", a, 0, &p))
		return NULL;
	return dirname_of(pe, p);
}

static struct pv *
path_split(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *p, *t;
	size_t i;

	(void)self;
	if (!no_kwargs(pe, "split", a, 1, 1) || !str_arg(pe, "split", a, 0, &p) ||
	    (t = pe_tuple(pe, 2)) == NULL)
		return NULL;
	i = last_slash(p);
	if ((t->u.seq.items[0] = dirname_of(pe, p)) == NULL ||
	    (t->u.seq.items[1] = pe_str(pe, p->u.str.s + i,
	    p->u.str.len - i)) == NULL)
		return NULL;
	return t;
}

/* posixpath.splitext: the extension starts at the last dot of the last
 * component, unless only dots precede it (".bashrc" has none). */
static struct pv *
path_splitext(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *p, *t;
	size_t name, i, cut;

	(void)self;
	if (!no_kwargs(pe, "splitext", a, 1, 1) ||
	    !str_arg(pe, "splitext", a, 0, &p) || (t = pe_tuple(pe, 2)) == NULL)
		return NULL;
	name = last_slash(p);
	cut = p->u.str.len;
	for (i = p->u.str.len; i > name; i--)
		if (p->u.str.s[i - 1] == '.')
			break;
	if (i > name && strspn(p->u.str.s + name, ".") < i - 1 - name)
		cut = i - 1;
	if ((t->u.seq.items[0] = pe_str(pe, p->u.str.s, cut)) == NULL ||
	    (t->u.seq.items[1] = pe_str(pe, p->u.str.s + cut,
	    p->u.str.len - cut)) == NULL)
		return NULL;
	return t;
}

/* posixpath.normpath */
static struct pv *
normpath(struct pyeval *pe, const char *s, size_t len)
{
	struct xu_buf b;
	const char **comp;
	size_t *clen, n = 0, i, j, k, slashes = 0;

	if (len == 0)
		return pe_strz(pe, ".");
	if (s[0] == '/')
		slashes = (len > 1 && s[1] == '/' && (len == 2 || s[2] != '/')) ?
		    2 : 1;
	comp = xu_calloc(len, sizeof(*comp));
	clen = xu_calloc(len, sizeof(*clen));
	for (i = 0; i < len; i = j + 1) {
		for (j = i; j < len && s[j] != '/'; j++)
			;
		k = j - i;
		if (k == 0 || (k == 1 && s[i] == '.'))
			continue;
		if (k == 2 && s[i] == '.' && s[i + 1] == '.' &&
		    (slashes || n > 0) && !(n > 0 && clen[n - 1] == 2 &&
		    memcmp(comp[n - 1], "..", 2) == 0)) {
			if (n > 0)
				n--;
			continue;
		}
		comp[n] = s + i;
		clen[n++] = k;
	}
	xu_buf_init(&b);
	for (i = 0; i < slashes; i++)
		xu_buf_addc(&b, '/');
	for (i = 0; i < n; i++) {
		if (i > 0)
			xu_buf_addc(&b, '/');
		xu_buf_add(&b, comp[i], clen[i]);
	}
	if (b.len == 0)
		xu_buf_addc(&b, '.');
	free(comp);
	free(clen);
	return pe_buf_value(pe, &b);
}

static struct pv *
path_normpath(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *p;

	(void)self;
	if (!no_kwargs(pe, "normpath", a, 1, 1) ||
	    !str_arg(pe, "normpath", a, 0, &p))
		return NULL;
	return normpath(pe, p->u.str.s, p->u.str.len);
}

static struct pv *
path_abspath(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct xu_buf b;
	struct pv *p, *r;
	char cwd[4096];

	(void)self;
	if (!no_kwargs(pe, "abspath", a, 1, 1) ||
	    !str_arg(pe, "abspath", a, 0, &p))
		return NULL;
	if (p->u.str.len > 0 && p->u.str.s[0] == '/')
		return normpath(pe, p->u.str.s, p->u.str.len);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return pe_fail(pe, XU_ERR_IO, "OSError",
		    "cannot get the current directory");
	xu_buf_init(&b);
	if (!pe_buf_room(pe, &b, strlen(cwd) + 1 + p->u.str.len)) {
		xu_buf_dispose(&b);
		return NULL;
	}
	xu_buf_printf(&b, "%s/", cwd);
	xu_buf_add(&b, p->u.str.s, p->u.str.len);
	r = normpath(pe, b.data, b.len);
	xu_buf_dispose(&b);
	return r;
}

static const struct pv_builtin fn_uname = { "uname", os_uname };
static const struct pv_builtin fn_exists = { "exists", path_exists };
static const struct pv_builtin fn_isfile = { "isfile", path_isfile };
static const struct pv_builtin fn_isdir = { "isdir", path_isdir };
static const struct pv_builtin fn_islink = { "islink", path_islink };
static const struct pv_builtin fn_isabs = { "isabs", path_isabs };
static const struct pv_builtin fn_join = { "join", path_join };
static const struct pv_builtin fn_basename = { "basename", path_basename };
static const struct pv_builtin fn_dirname = { "dirname", path_dirname };
static const struct pv_builtin fn_split = { "split", path_split };
static const struct pv_builtin fn_splitext = { "splitext", path_splitext };
static const struct pv_builtin fn_normpath = { "normpath", path_normpath };
static const struct pv_builtin fn_abspath = { "abspath", path_abspath };

static const struct pv_attr os_path_attrs[] = {
	{ .name = "exists", .fn = &fn_exists },
	{ .name = "isfile", .fn = &fn_isfile },
	{ .name = "isdir", .fn = &fn_isdir },
	{ .name = "islink", .fn = &fn_islink },
	{ .name = "isabs", .fn = &fn_isabs },
	{ .name = "join", .fn = &fn_join },
	{ .name = "basename", .fn = &fn_basename },
	{ .name = "dirname", .fn = &fn_dirname },
	{ .name = "split", .fn = &fn_split },
	{ .name = "splitext", .fn = &fn_splitext },
	{ .name = "normpath", .fn = &fn_normpath },
	{ .name = "abspath", .fn = &fn_abspath },
	{ .name = "sep", .str = "/" },
	{ .name = NULL },
};

const struct pv_module pe_mod_os_path = { "os.path", os_path_attrs };

static const struct pv_attr os_attrs[] = {
	{ .name = "uname", .fn = &fn_uname },
	{ .name = "path", .mod = &pe_mod_os_path },
	{ .name = "sep", .str = "/" },
	{ .name = "curdir", .str = "." },
	{ .name = "pardir", .str = ".." },
	{ .name = NULL },
};

const struct pv_module pe_mod_os = { "os", os_attrs };

static const struct pv_attr sys_attrs[] = {
	{ .name = NULL },
};

const struct pv_module pe_mod_sys = { "sys", sys_attrs };

/* ---- re ---- */

static void *
rx_refuse(struct pyeval *pe, const char *what)
{
	return pe_fail(pe, XU_ERR_UNSUPPORTED, NULL, "%s are not supported in "
	    "regular expressions", what);
}

/* Adds the bytes a Python class escape (\d, \w, \s and negations) stands
 * for to set; false if e is not one. */
static bool
class_escape(char e, bool set[256])
{
	bool neg = e == 'D' || e == 'W' || e == 'S', in;
	char lc = (char)(e | 0x20);
	int c;

	if (lc != 'd' && lc != 'w' && lc != 's')
		return false;
	for (c = 1; c < 256; c++) {
		bool digit = c >= '0' && c <= '9';
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

		in = lc == 'd' ? digit : lc == 'w' ? digit || alpha || c == '_' :
		    strchr(" \t\n\r\f\v", c) != NULL;
		if (in != neg)
			set[c] = true;
	}
	return true;
}

static int
hexdig(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One literal byte of a pattern at p[*i] (after escapes); -1 for a class
 * escape (already added to set when set is not NULL), -2 on error. */
static int
rx_literal(struct pyeval *pe, const char *p, size_t len, size_t *i,
    bool *set)
{
	static const char ctl[] = "n\nt\tr\rf\fv\va\a";
	const char *e;
	char c = p[(*i)++];
	bool tmp[256];

	if (c != '\\')
		return (unsigned char)c;
	if (*i >= len) {
		pe_fail(pe, XU_ERR_INVALID, "error", "bogus escape (end of line)");
		return -2;
	}
	c = p[(*i)++];
	if (class_escape(c, set ? set : tmp))
		return -1;
	if (c == 'x' && *i + 1 < len && hexdig(p[*i]) >= 0 &&
	    hexdig(p[*i + 1]) >= 0) {
		*i += 2;
		return hexdig(p[*i - 2]) * 16 + hexdig(p[*i - 1]);
	}
	if ((e = strchr(ctl, c)) != NULL && c != '\0' && (e - ctl) % 2 == 0)
		return (unsigned char)e[1];
	if ((c >= '0' && c <= '9') || strchr("bBAZ", c) != NULL) {
		rx_refuse(pe, "\\b, \\B, \\A, \\Z and back references");
		return -2;
	}
	return (unsigned char)c;
}

/* A byte set as POSIX ERE: a bracket listing each byte, arranged so that
 * ']' comes first, '-' last and '^' never first. */
static bool
emit_set(struct pyeval *pe, struct xu_buf *out, const bool set[256], bool neg)
{
	size_t n = 0;
	int c, only = 0;

	for (c = 1; c < 256; c++)
		if (set[c]) {
			n++;
			only = c;
		}
	if (n == 0 || (set[0] && !neg)) {
		pe_fail(pe, XU_ERR_INVALID, "error", "empty or NUL character "
		    "class");
		return false;
	}
	if (n == 1 && !neg) {
		if (strchr(".[]()*+?{}|^$\\", only) != NULL)
			xu_buf_addc(out, '\\');
		xu_buf_addc(out, (char)only);
		return true;
	}
	xu_buf_adds(out, neg ? "[^" : "[");
	if (set[']'])
		xu_buf_addc(out, ']');
	else if (!neg && set['^'] && set['-'] && n == 2) {
		xu_buf_adds(out, "-^]");
		return true;
	}
	for (c = 1; c < 256; c++)
		if (set[c] && c != ']' && c != '-' && c != '^')
			xu_buf_addc(out, (char)c);
	if (set['^'])
		xu_buf_addc(out, '^');
	if (set['-'])
		xu_buf_addc(out, '-');
	xu_buf_addc(out, ']');
	return true;
}

/* [...] -> a POSIX bracket listing each byte, so Python's escapes inside
 * classes need no counterpart. */
static bool
rx_class(struct pyeval *pe, const char *p, size_t len, size_t *i,
    struct xu_buf *out)
{
	bool set[256] = { false }, neg = false, first = true;
	int lo, hi, c;

	if (*i < len && p[*i] == '^') {
		neg = true;
		(*i)++;
	}
	while (*i < len && (p[*i] != ']' || first)) {
		first = false;
		if ((lo = rx_literal(pe, p, len, i, set)) == -2)
			return false;
		if (lo == -1)
			continue;
		hi = lo;
		if (*i + 1 < len && p[*i] == '-' && p[*i + 1] != ']') {
			(*i)++;
			if ((hi = rx_literal(pe, p, len, i, NULL)) < 0) {
				if (hi == -1)
					pe_fail(pe, XU_ERR_INVALID, "error",
					    "bad character range");
				return false;
			}
			if (hi < lo) {
				pe_fail(pe, XU_ERR_INVALID, "error",
				    "bad character range");
				return false;
			}
		}
		for (c = lo; c <= hi; c++)
			set[c] = true;
	}
	if (*i >= len) {
		pe_fail(pe, XU_ERR_INVALID, "error", "unexpected end of regular "
		    "expression");
		return false;
	}
	(*i)++;
	if (set[0])
		return rx_refuse(pe, "NUL bytes") != NULL;
	return emit_set(pe, out, set, neg);
}

/* {m}, {m,}, {m,n} at p[*i]; returns false (leaving *i) when it is not a
 * repetition, in which case Python reads the brace literally. */
static bool
rx_braces(const char *p, size_t len, size_t *i, long *m, long *n)
{
	size_t j = *i + 1;

	*m = *n = -1;
	if (j < len && p[j] >= '0' && p[j] <= '9') {
		for (*m = 0; j < len && p[j] >= '0' && p[j] <= '9'; j++)
			*m = *m > 100000 ? *m : *m * 10 + (p[j] - '0');
	}
	if (j < len && p[j] == ',') {
		j++;
		if (j < len && p[j] >= '0' && p[j] <= '9')
			for (*n = 0; j < len && p[j] >= '0' && p[j] <= '9'; j++)
				*n = *n > 100000 ? *n : *n * 10 + (p[j] - '0');
	} else {
		*n = *m;
	}
	if (j >= len || p[j] != '}' || *m < 0)
		return false;
	*i = j + 1;
	return true;
}

/* Translation state. glibc's regcomp copies the operand of '+' and
 * {m,n}, so nested repetitions grow its automaton multiplicatively; the
 * expanded size is tracked per open group and bounded. */
struct rx_state {
	bool atom;		/* a repetition may follow */
	bool group;		/* ... and the atom is a group */
	size_t last;		/* expanded size of that atom */
	size_t size[PE_MAX_REGEX + 1];	/* per open group */
	int depth;
};

static bool
rx_error(struct pyeval *pe, const char *what)
{
	pe_fail(pe, XU_ERR_INVALID, "error", "invalid regular expression: %s",
	    what);
	return false;
}

static void
rx_atom(struct rx_state *st, size_t size, bool group)
{
	st->size[st->depth] += size;
	st->last = size;
	st->atom = true;
	st->group = group;
}

/* A repetition of the last atom, copied copies extra times by regcomp. */
static bool
rx_repeated(struct pyeval *pe, struct rx_state *st, size_t copies)
{
	if (!st->atom)
		return rx_error(pe, "nothing to repeat or multiple repeat");
	st->size[st->depth] += st->last * copies + 1;
	st->atom = st->group = false;
	if (st->size[st->depth] > PE_MAX_RX_NODES)
		return rx_refuse(pe, "repetitions this deep") != NULL;
	return true;
}

/* {m,n} at p[*i]: a repetition of the previous atom, or a literal brace. */
static bool
rx_repeat(struct pyeval *pe, const char *p, size_t len, size_t *i,
    struct xu_buf *out, struct rx_state *st)
{
	size_t start = *i;
	long m, n;

	if (!rx_braces(p, len, i, &m, &n)) {
		xu_buf_adds(out, "\\{");
		(*i)++;
		rx_atom(st, 1, false);
		return true;
	}
	if (*i < len && p[*i] == '?')
		return rx_refuse(pe, "non-greedy repetitions") != NULL;
	if (m > PE_MAX_REPEAT || n > PE_MAX_REPEAT)
		return rx_refuse(pe, "repetition counts over 64") != NULL;
	if (st->group)
		return rx_refuse(pe, "counted repetitions of groups") != NULL;
	xu_buf_add(out, p + start, *i - start);
	return rx_repeated(pe, st, (size_t)(n > m ? n : m + 1));
}

static bool
rx_group(struct pyeval *pe, const char *p, size_t len, size_t i,
    struct rx_state *st)
{
	size_t g;

	if (p[i] == '(') {
		if (i + 1 < len && p[i + 1] == '?')
			return rx_refuse(pe, "'(?...)' groups") != NULL;
		st->size[++st->depth] = 0;
		st->atom = st->group = false;
		return true;
	}
	if (st->depth == 0)
		return rx_error(pe, "unbalanced parenthesis");
	g = st->size[st->depth--] + 1;
	rx_atom(st, g, true);
	return true;
}

/* A metacharacter at p[*i]: 1 when translated, 0 when p[*i] is not one,
 * -1 on error. */
static int
rx_meta(struct pyeval *pe, const char *p, size_t len, size_t *i,
    struct xu_buf *out, struct rx_state *st)
{
	char c = p[*i];
	bool ok = true;

	if (strchr("*+?", c) != NULL && *i + 1 < len && p[*i + 1] == '?') {
		rx_refuse(pe, "non-greedy repetitions");
		return -1;
	}
	switch (c) {
	case '(':
	case ')':
		ok = rx_group(pe, p, len, *i, st);
		break;
	case '[':
		(*i)++;
		rx_atom(st, 1, false);
		return rx_class(pe, p, len, i, out) ? 1 : -1;
	case '{':
		return rx_repeat(pe, p, len, i, out, st) ? 1 : -1;
	case '*':
	case '?':
		ok = rx_repeated(pe, st, 0);
		break;
	case '+':
		ok = rx_repeated(pe, st, 1);
		break;
	case '.':
		rx_atom(st, 1, false);
		break;
	case '^':
	case '$':
	case '|':
		st->size[st->depth]++;
		st->atom = st->group = false;
		break;
	default:
		return 0;
	}
	if (!ok)
		return -1;
	xu_buf_addc(out, c);
	(*i)++;
	return 1;
}

/* A literal or escape at p[*i], written so ERE reads it literally. */
static bool
rx_plain(struct pyeval *pe, const char *p, size_t len, size_t *i,
    struct xu_buf *out, struct rx_state *st)
{
	bool set[256] = { false };
	int c;

	if ((c = rx_literal(pe, p, len, i, NULL)) == -2)
		return false;
	rx_atom(st, 1, false);
	if (c == -1) {
		class_escape(p[*i - 1], set);
		return emit_set(pe, out, set, false);
	}
	if (c == 0)
		return rx_refuse(pe, "NUL bytes") != NULL;
	if (strchr(".[]()*+?{}|^$\\", c) != NULL)
		xu_buf_addc(out, '\\');
	xu_buf_addc(out, (char)c);
	return true;
}

/* Python re syntax -> POSIX ERE, for the subset configs use; constructs
 * with no ERE counterpart are refused. Returns the expanded size (for
 * charging searches), 0 on error. */
static size_t
rx_translate(struct pyeval *pe, const struct pv *pat, struct xu_buf *out)
{
	const char *p = pat->u.str.s;
	size_t len = pat->u.str.len, i = 0;
	struct rx_state *st;
	size_t size = 0;
	int r = 0;

	if (len > PE_MAX_REGEX) {
		pe_fail(pe, XU_ERR_TOO_BIG, NULL, "regular expression too long "
		    "(limit %d bytes)", PE_MAX_REGEX);
		return 0;
	}
	if (memchr(p, '\0', len) != NULL) {
		rx_refuse(pe, "NUL bytes");
		return 0;
	}
	st = xu_calloc(1, sizeof(*st));
	while (i < len && r >= 0) {
		if ((r = rx_meta(pe, p, len, &i, out, st)) == 0)
			r = rx_plain(pe, p, len, &i, out, st) ? 1 : -1;
	}
	if (r >= 0 && st->depth > 0)
		rx_error(pe, "unbalanced parenthesis");
	else if (r >= 0)
		size = st->size[0] + 1;
	free(st);
	return size;
}

struct rx_prog {
	regex_t re;
	size_t ngroups;
	size_t cost;		/* pattern size, for charging matches */
};

static bool
rx_compile(struct pyeval *pe, const struct pv *pat, int64_t flags,
    struct rx_prog *prog)
{
	struct xu_buf b;
	char msg[128];
	int r;

	if (flags & ~(int64_t)2) {
		rx_refuse(pe, "flags other than re.I");
		return false;
	}
	xu_buf_init(&b);
	xu_buf_add(&b, "", 0);
	if ((prog->cost = rx_translate(pe, pat, &b)) == 0 ||
	    !pe_tick(pe, (b.len + prog->cost) * 4)) {
		xu_buf_dispose(&b);
		return false;
	}
	r = regcomp(&prog->re, b.data, REG_EXTENDED | (flags & 2 ? REG_ICASE : 0));
	xu_buf_dispose(&b);
	if (r != 0) {
		regerror(r, NULL, msg, sizeof(msg));
		pe_fail(pe, XU_ERR_INVALID, "error", "invalid regular expression: "
		    "%s", msg);
		return false;
	}
	prog->ngroups = prog->re.re_nsub + 1;
	return true;
}

/* glibc's regexec tries each start position and may scan to the end from
 * each: n^2 * m in the worst case, which is what a search is charged. */
static bool
rx_charge(struct pyeval *pe, const struct rx_prog *prog, size_t n)
{
	return pe_tick(pe, 1 + (n + 1) * (n + 1) / 256 * prog->cost);
}

/* One regexec from pos (charged by the caller). */
static int
rx_exec(struct pyeval *pe, struct rx_prog *prog, const struct pv *s,
    size_t pos, regmatch_t *pm)
{
	if (!pe_tick(pe, 1))
		return -1;
	pm[0].rm_so = (regoff_t)pos;
	pm[0].rm_eo = (regoff_t)s->u.str.len;
	return regexec(&prog->re, s->u.str.s, prog->ngroups, pm,
	    REG_STARTEND | (pos > 0 ? REG_NOTBOL : 0)) == 0;
}

static bool
rx_subject_ok(struct pyeval *pe, const struct pv *s)
{
	if (s->u.str.len > PE_MAX_SUBJECT) {
		pe_fail(pe, XU_ERR_TOO_BIG, NULL, "string too long for a regular "
		    "expression (limit %d bytes)", PE_MAX_SUBJECT);
		return false;
	}
	return true;
}

static struct pv *
make_match(struct pyeval *pe, const struct pv *s, const regmatch_t *pm,
    size_t n)
{
	struct pv *v = pe_alloc(pe, sizeof(*v));
	struct pv_match *m = pe_alloc(pe, sizeof(*m));
	size_t i;

	m->subject = s->u.str.s;
	m->ngroups = n;
	m->start = pe_alloc(pe, n * sizeof(*m->start));
	m->end = pe_alloc(pe, n * sizeof(*m->end));
	for (i = 0; i < n; i++) {
		m->start[i] = pm[i].rm_so;
		m->end[i] = pm[i].rm_so < 0 ? -1 : pm[i].rm_eo;
	}
	v->type = PV_MATCH;
	v->u.match = m;
	return v;
}

/* re.search and re.match; a POSIX search finds the leftmost match, so a
 * match at 0 exists exactly when the leftmost one starts there. */
static struct pv *
rx_find(struct pyeval *pe, const struct pe_args *a, bool anchored)
{
	static const char *const names[] = { "pattern", "string", "flags" };
	struct pv *arg[3] = { NULL }, *r = NULL;
	struct rx_prog prog;
	regmatch_t *pm;
	int hit;

	if (!pe_bind(pe, anchored ? "match" : "search", a, names, 3, 2, arg))
		return NULL;
	if (arg[0]->type != PV_STR || arg[1]->type != PV_STR ||
	    (arg[2] != NULL && arg[2]->type != PV_INT))
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "%s() wants a "
		    "pattern and a string", anchored ? "match" : "search");
	if (!rx_subject_ok(pe, arg[1]) ||
	    !rx_compile(pe, arg[0], arg[2] ? arg[2]->u.i : 0, &prog))
		return NULL;
	pm = xu_calloc(prog.ngroups, sizeof(*pm));
	hit = rx_charge(pe, &prog, arg[1]->u.str.len) ?
	    rx_exec(pe, &prog, arg[1], 0, pm) : -1;
	if (hit > 0 && (!anchored || pm[0].rm_so == 0))
		r = make_match(pe, arg[1], pm, prog.ngroups);
	else if (hit >= 0)
		r = &pe_None;
	free(pm);
	regfree(&prog.re);
	return r;
}

static struct pv *
rx_search(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return rx_find(pe, a, false);
}

static struct pv *
rx_match(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	(void)self;
	return rx_find(pe, a, true);
}

/* Expands a re.sub replacement: \1..\99, \g<n>, \n \t \\ and the like. */
static bool
sub_expand(struct pyeval *pe, struct xu_buf *b, const struct pv *repl,
    const struct pv *s, const regmatch_t *pm, size_t ngroups)
{
	const char *p = repl->u.str.s, *end = p + repl->u.str.len;
	size_t g;
	char c;

	while (p < end) {
		if (*p != '\\' || p + 1 == end) {
			if (!pe_buf_room(pe, b, 1))
				return false;
			xu_buf_addc(b, *p++);
			continue;
		}
		c = p[1];
		p += 2;
		g = SIZE_MAX;
		if (c >= '0' && c <= '9') {
			g = (size_t)(c - '0');
			if (p < end && *p >= '0' && *p <= '9')
				g = g * 10 + (size_t)(*p++ - '0');
		} else if (c == 'g' && p < end && *p == '<') {
			for (g = 0, p++; p < end && *p >= '0' && *p <= '9'; p++)
				g = g > 1000 ? g : g * 10 + (size_t)(*p - '0');
			if (p >= end || *p != '>')
				return pe_fail(pe, XU_ERR_INVALID, "error",
				    "bad group reference") != NULL;
			p++;
		}
		if (g != SIZE_MAX) {
			if (g >= ngroups)
				return pe_fail(pe, XU_ERR_INVALID, "error",
				    "invalid group reference") != NULL;
			if (pm[g].rm_so >= 0) {
				size_t n = (size_t)(pm[g].rm_eo - pm[g].rm_so);

				if (!pe_buf_room(pe, b, n))
					return false;
				xu_buf_add(b, s->u.str.s + pm[g].rm_so, n);
			}
			continue;
		}
		if (!pe_buf_room(pe, b, 2))
			return false;
		switch (c) {
		case 'n': xu_buf_addc(b, '\n'); break;
		case 't': xu_buf_addc(b, '\t'); break;
		case 'r': xu_buf_addc(b, '\r'); break;
		case '\\': xu_buf_addc(b, '\\'); break;
		default:
			xu_buf_addc(b, '\\');
			xu_buf_addc(b, c);
		}
	}
	return true;
}

/* The match loop of re.sub, with Python 2's rule that an empty match right
 * after the previous match is not replaced. */
static bool
sub_loop(struct pyeval *pe, struct rx_prog *prog, const struct pv *repl,
    const struct pv *s, int64_t count, struct xu_buf *b)
{
	regmatch_t *pm = xu_calloc(prog->ngroups, sizeof(*pm));
	size_t pos = 0, last_end = SIZE_MAX, so, eo;
	int64_t done = 0;
	bool ok = false;
	int hit;

	while (pos <= s->u.str.len && (count <= 0 || done < count)) {
		if ((hit = rx_exec(pe, prog, s, pos, pm)) < 0)
			goto out;
		if (!hit)
			break;
		so = (size_t)pm[0].rm_so;
		eo = (size_t)pm[0].rm_eo;
		if (!pe_buf_room(pe, b, so - pos))
			goto out;
		xu_buf_add(b, s->u.str.s + pos, so - pos);
		if (so == eo && so == last_end) {
			/* skipped empty match: copy one byte and go on */
		} else {
			if (!sub_expand(pe, b, repl, s, pm, prog->ngroups))
				goto out;
			done++;
		}
		last_end = eo;
		pos = eo;
		if (so == eo) {
			if (pos < s->u.str.len) {
				if (!pe_buf_room(pe, b, 1))
					goto out;
				xu_buf_addc(b, s->u.str.s[pos]);
			}
			pos++;
		}
	}
	if (pos < s->u.str.len) {
		if (!pe_buf_room(pe, b, s->u.str.len - pos))
			goto out;
		xu_buf_add(b, s->u.str.s + pos, s->u.str.len - pos);
	}
	ok = true;
out:
	free(pm);
	return ok;
}

static struct pv *
rx_sub(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	static const char *const names[] = { "pattern", "repl", "string",
	    "count", "flags" };
	struct pv *arg[5] = { NULL };
	struct rx_prog prog;
	struct xu_buf b;
	bool ok;

	(void)self;
	if (!pe_bind(pe, "sub", a, names, 5, 3, arg))
		return NULL;
	if (arg[0]->type != PV_STR || arg[1]->type != PV_STR ||
	    arg[2]->type != PV_STR || (arg[3] && arg[3]->type != PV_INT) ||
	    (arg[4] && arg[4]->type != PV_INT))
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "sub() wants a "
		    "pattern, a replacement string and a string");
	if (!rx_subject_ok(pe, arg[2]) ||
	    !rx_compile(pe, arg[0], arg[4] ? arg[4]->u.i : 0, &prog))
		return NULL;
	xu_buf_init(&b);
	/* later searches start where earlier ones stopped: one charge */
	ok = rx_charge(pe, &prog, arg[2]->u.str.len) &&
	    sub_loop(pe, &prog, arg[1], arg[2], arg[3] ? arg[3]->u.i : 0, &b);
	regfree(&prog.re);
	if (!ok) {
		xu_buf_dispose(&b);
		return NULL;
	}
	return pe_buf_value(pe, &b);
}

static struct pv *
rx_escape(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct xu_buf b;
	struct pv *s;
	size_t i;

	(void)self;
	if (!no_kwargs(pe, "escape", a, 1, 1) || !str_arg(pe, "escape", a, 0, &s))
		return NULL;
	xu_buf_init(&b);
	if (!pe_buf_room(pe, &b, s->u.str.len * 4)) {
		xu_buf_dispose(&b);
		return NULL;
	}
	for (i = 0; i < s->u.str.len; i++) {
		char c = s->u.str.s[i];

		if (c == '\0') {
			xu_buf_adds(&b, "\\000");
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			xu_buf_addc(&b, '\\');
		xu_buf_addc(&b, c);
	}
	return pe_buf_value(pe, &b);
}

static const struct pv_builtin fn_search = { "search", rx_search };
static const struct pv_builtin fn_match = { "match", rx_match };
static const struct pv_builtin fn_sub = { "sub", rx_sub };
static const struct pv_builtin fn_escape = { "escape", rx_escape };

static const struct pv_attr re_attrs[] = {
	{ .name = "search", .fn = &fn_search },
	{ .name = "match", .fn = &fn_match },
	{ .name = "sub", .fn = &fn_sub },
	{ .name = "escape", .fn = &fn_escape },
	{ .name = "I", .num = 2, .is_num = true },
	{ .name = "IGNORECASE", .num = 2, .is_num = true },
	{ .name = NULL },
};

const struct pv_module pe_mod_re = { "re", re_attrs };

const struct pv_module *
pe_find_module(const char *dotted)
{
	static const struct pv_module *const mods[] = {
		&pe_mod_os, &pe_mod_os_path, &pe_mod_re, &pe_mod_sys,
	};
	size_t i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		if (strcmp(mods[i]->name, dotted) == 0)
			return mods[i];
	return NULL;
}

/* ---- match objects ---- */

static bool
group_index(struct pyeval *pe, const struct pv_match *m, const struct pv *v,
    size_t *g)
{
	if ((v->type != PV_INT && v->type != PV_BOOL) || (v->type == PV_INT &&
	    (v->u.i < 0 || (uint64_t)v->u.i >= m->ngroups)) ||
	    (v->type == PV_BOOL && (size_t)v->u.b >= m->ngroups)) {
		pe_fail(pe, XU_ERR_RANGE, "IndexError", "no such group");
		return false;
	}
	*g = v->type == PV_BOOL ? (size_t)v->u.b : (size_t)v->u.i;
	return true;
}

static struct pv *
group_value(struct pyeval *pe, const struct pv_match *m, size_t g)
{
	if (m->start[g] < 0)
		return &pe_None;
	return pe_str(pe, m->subject + m->start[g],
	    (size_t)(m->end[g] - m->start[g]));
}

static struct pv *
match_group(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	const struct pv_match *m = self->u.match;
	struct pv *t;
	size_t g, i;

	if (a->nkw > 0)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError",
		    "group() takes no keyword arguments");
	if (a->npos == 0)
		return group_value(pe, m, 0);
	if (a->npos == 1)
		return group_index(pe, m, a->pos[0], &g) ?
		    group_value(pe, m, g) : NULL;
	if ((t = pe_tuple(pe, a->npos)) == NULL)
		return NULL;
	for (i = 0; i < a->npos; i++) {
		if (!group_index(pe, m, a->pos[i], &g) ||
		    (t->u.seq.items[i] = group_value(pe, m, g)) == NULL)
			return NULL;
	}
	return t;
}

static struct pv *
match_groups(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	const struct pv_match *m = self->u.match;
	struct pv *t;
	size_t i;

	if (!no_kwargs(pe, "groups", a, 0, 0) ||
	    (t = pe_tuple(pe, m->ngroups - 1)) == NULL)
		return NULL;
	for (i = 1; i < m->ngroups; i++)
		if ((t->u.seq.items[i - 1] = group_value(pe, m, i)) == NULL)
			return NULL;
	return t;
}

/* start, end, span: mode s, e, p */
static struct pv *
match_pos(struct pyeval *pe, struct pv *self, const struct pe_args *a,
    char mode)
{
	const struct pv_match *m = self->u.match;
	struct pv *t;
	size_t g = 0;

	if (!no_kwargs(pe, "start", a, 0, 1) ||
	    (a->npos == 1 && !group_index(pe, m, a->pos[0], &g)))
		return NULL;
	if (mode != 'p')
		return pe_int(pe, mode == 's' ? m->start[g] : m->end[g]);
	if ((t = pe_tuple(pe, 2)) == NULL)
		return NULL;
	t->u.seq.items[0] = pe_int(pe, m->start[g]);
	t->u.seq.items[1] = pe_int(pe, m->end[g]);
	return t;
}

static struct pv *
match_start(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return match_pos(pe, self, a, 's');
}

static struct pv *
match_end(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return match_pos(pe, self, a, 'e');
}

static struct pv *
match_span(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	return match_pos(pe, self, a, 'p');
}

static const struct pv_builtin match_methods[] = {
	{ "group", match_group },
	{ "groups", match_groups },
	{ "start", match_start },
	{ "end", match_end },
	{ "span", match_span },
};

struct pv *
pe_match_method(struct pyeval *pe, struct pv *m, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(match_methods) / sizeof(match_methods[0]); i++)
		if (strcmp(match_methods[i].name, name) == 0)
			return pe_builtin_value(pe, &match_methods[i], m);
	return pe_fail(pe, XU_ERR_UNSUPPORTED, NULL, "'match.%s' is not "
	    "supported", name);
}

/* ---- xm_vars ---- */

static struct pv *
xmvars_var(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	static const char *const names[] = { "name", "use", "check" };
	struct pv *arg[3] = { NULL }, *use = NULL;
	struct pe_var *v;

	(void)self;
	if (!pe_bind(pe, "var", a, names, 3, 1, arg))
		return NULL;
	if (arg[0]->type != PV_STR || strlen(arg[0]->u.str.s) !=
	    arg[0]->u.str.len || arg[0]->u.str.len == 0)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError",
		    "xm_vars.var() needs a variable name");
	if (arg[1] != NULL && arg[1]->type != PV_NONE &&
	    (use = pe_tostr(pe, arg[1])) == NULL)
		return NULL;
	if (arg[2] != NULL && arg[2]->type != PV_NONE &&
	    arg[2]->type != PV_FUNC && arg[2]->type != PV_BUILTIN &&
	    arg[2]->type != PV_EXCTYPE)
		return pe_fail(pe, XU_ERR_TYPE, "TypeError", "xm_vars.var(): "
		    "check must be a function, not %s", pe_typename(arg[2]));
	if (pe->nvars >= PE_MAX_VARS)
		return pe_fail(pe, XU_ERR_TOO_BIG, NULL,
		    "too many xm_vars declarations (limit %d)", PE_MAX_VARS);
	if (pe->nvars == pe->capvars) {
		pe->capvars = pe->capvars ? pe->capvars * 2 : 8;
		pe->vars = xu_realloc(pe->vars, pe->capvars * sizeof(*pe->vars));
	}
	v = &pe->vars[pe->nvars++];
	v->name = arg[0]->u.str.s;
	v->use = use ? use->u.str.s : NULL;
	v->check = arg[2] && arg[2]->type != PV_NONE ? arg[2] : NULL;
	v->line = pe->line;
	return &pe_None;
}

/* Words a failed check the way a user can act on: "vmid - not set; ...",
 * "vmid - invalid value 'abc'", or the message the script raised. */
static void
check_failed(struct pyeval *pe, const struct pe_var *var, struct pv *val,
    int line)
{
	char reason[sizeof(pe->err.msg)];
	struct pv *r;
	const char *exc = pe->exc;

	if (val->type == PV_NONE) {
		snprintf(reason, sizeof(reason), "not set; give it on the command "
		    "line as %s=VALUE", var->name);
	} else if (pe->exc_arg != NULL) {
		snprintf(reason, sizeof(reason), "%s", pe->exc_arg->u.str.s);
	} else if (exc != NULL && (strcmp(exc, "ValueError") == 0 ||
	    strcmp(exc, "TypeError") == 0 || strcmp(exc, "OverflowError") == 0)) {
		memset(&pe->err, 0, sizeof(pe->err));
		r = pe_repr(pe, val);
		snprintf(reason, sizeof(reason), "invalid value %.150s",
		    r ? r->u.str.s : "?");
	} else {
		snprintf(reason, sizeof(reason), "%s", pe->err.msg);
	}
	memset(&pe->err, 0, sizeof(pe->err));
	pe->exc = NULL;
	pe->exc_arg = NULL;
	pe->line = line;
	pe_fail(pe, XU_ERR_INVALID, NULL, "%.40s - %s", var->name, reason);
}

/* Runs each check as fn(name, value) and stores what it returns; in help
 * mode ends the script instead, so the declarations can be listed. */
static struct pv *
xmvars_check(struct pyeval *pe, struct pv *self, const struct pe_args *a)
{
	struct pv *name, *val, *r;
	size_t i;
	int line = pe->line;

	(void)self;
	if (!no_kwargs(pe, "check", a, 0, 0))
		return NULL;
	if (pe->help) {
		pe->stop = true;
		return NULL;
	}
	for (i = 0; i < pe->nvars; i++) {
		const struct pe_var *var = &pe->vars[i];

		if (var->check == NULL)
			continue;
		if ((val = pe_dict_getz(pe, pe->globals, var->name)) == NULL)
			val = &pe_None;
		if ((name = pe_strz(pe, var->name)) == NULL)
			return NULL;
		if ((r = pe_call2(pe, var->check, name, val)) == NULL) {
			if (pe->stop || pe->err.rc == XU_ERR_TOO_BIG ||
			    pe->err.rc == XU_ERR_UNSUPPORTED)
				return NULL;
			check_failed(pe, var, val, line);
			return NULL;
		}
		pe->line = line;
		if (!pe_dict_setz(pe, pe->globals, var->name, r, line))
			return NULL;
	}
	return &pe_None;
}

const struct pv_builtin pe_xmvars_var = { "var", xmvars_var };
const struct pv_builtin pe_xmvars_check = { "check", xmvars_check };
