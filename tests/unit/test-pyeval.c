/* test-pyeval.c: the config evaluator: the Python subset, its errors and
 * limits, and every real example config from the conformance corpus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <cmocka.h>

#include "pyeval.h"
#include "xu.h"
#include "xv.h"

/* ---- helpers ---- */

/* A value as Python-ish text, so expectations read like the config. */
static void
render(struct xu_buf *b, const struct xv *v)
{
	size_t i;

	switch (v->type) {
	case XV_NIL:
		xu_buf_adds(b, "None");
		break;
	case XV_BOOL:
		xu_buf_adds(b, v->u.b ? "True" : "False");
		break;
	case XV_INT:
		xu_buf_printf(b, "%lld", (long long)v->u.i);
		break;
	case XV_DOUBLE:
		xu_buf_printf(b, "%.12g", v->u.d);
		break;
	case XV_STRING:
		xu_buf_addc(b, '\'');
		xu_buf_add(b, v->u.str.s, v->u.str.len);
		xu_buf_addc(b, '\'');
		break;
	case XV_LIST:
		xu_buf_addc(b, '[');
		for (i = 0; i < v->u.list.n; i++) {
			if (i > 0)
				xu_buf_adds(b, ", ");
			render(b, v->u.list.items[i]);
		}
		xu_buf_addc(b, ']');
		break;
	case XV_STRUCT:
		xu_buf_adds(b, "{struct}");
		break;
	}
}

static char *
render_str(const struct xv *v)
{
	struct xu_buf b;

	xu_buf_init(&b);
	if (v == NULL)
		xu_buf_adds(&b, "<absent>");
	else
		render(&b, v);
	return xu_buf_steal(&b);
}

/* Runs src with the given VAR=VALUE words (NULL-terminated). */
static struct pyeval *
run(const char *src, const char *const *defs, struct xu_err *err, int *rc)
{
	struct pyeval *pe = pyeval_new("test.cfg");
	size_t i;

	for (i = 0; defs != NULL && defs[i] != NULL; i++) {
		const char *eq = strchr(defs[i], '=');
		char *name = xu_strndup(defs[i], (size_t)(eq - defs[i]));
		struct xv *v = xv_str(eq + 1);

		pyeval_define(pe, name, v);
		xv_free(v);
		free(name);
	}
	*rc = pyeval_run(pe, src, strlen(src), err);
	return pe;
}

/* Evaluates src and checks that variable x prints as expected. */
static void
expect_x(const char *src, const char *expected)
{
	struct xu_err err;
	struct pyeval *pe;
	struct xv *ex;
	char *got;
	int rc;

	pe = run(src, NULL, &err, &rc);
	if (rc != 0)
		fail_msg("%s\n  failed: line %d: %s", src, err.line, err.msg);
	ex = pyeval_exports(pe);
	got = render_str(xv_struct_get(ex, "x"));
	if (strcmp(got, expected) != 0)
		fail_msg("%s\n  x = %s, expected %s", src, got, expected);
	free(got);
	xv_free(ex);
	pyeval_free(pe);
}

/* Evaluates src and checks the error code, line and exact message. */
static void
expect_error(const char *src, int want_rc, int want_line, const char *want_msg)
{
	struct xu_err err;
	struct pyeval *pe;
	int rc;

	pe = run(src, NULL, &err, &rc);
	if (rc != want_rc || err.line != want_line ||
	    strcmp(err.msg, want_msg) != 0)
		fail_msg("%s\n  got rc %d line %d \"%s\"\n  want rc %d line %d "
		    "\"%s\"", src, rc, err.line, err.msg, want_rc, want_line,
		    want_msg);
	pyeval_free(pe);
}

struct case_x {
	const char *src;
	const char *x;
};

struct case_err {
	const char *src;
	int rc;
	int line;
	const char *msg;
};

static void
run_x_cases(const struct case_x *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_x(c[i].src, c[i].x);
}

static void
run_err_cases(const struct case_err *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_error(c[i].src, c[i].rc, c[i].line, c[i].msg);
}

#define RUN_X(cases) run_x_cases(cases, sizeof(cases) / sizeof(cases[0]))
#define RUN_ERR(cases) run_err_cases(cases, sizeof(cases) / sizeof(cases[0]))

/* ---- the language ---- */

static void
test_lexing(void **state)
{
	static const struct case_x cases[] = {
		{ "x = 'a' \"b\" '''c''' \"\"\"d\"\"\"", "'abcd'" },
		{ "x = 'it''s'", "'its'" },
		{ "x = \"a'b\" + 'c\"d'", "'a'bc\"d'" },
		{ "x = '''l1\nl2'''", "'l1\nl2'" },
		{ "x = r'\\n\\d' + R\"\\'\"", "'\\n\\d\\''" },
		{ "x = u'caf\\u00e9' + U'!'", "'caf\xc3\xa9!'" },
		{ "x = '\\n\\t\\\\\\'\\\"'", "'\n\t\\'\"'" },
		{ "x = '\\x41\\101\\0z'[0:2] + '\\a\\b\\f\\v\\r'", "'AA\a\b\f\v\r'" },
		{ "x = '\\q\\N'", "'\\q\\N'" },
		{ "x = 'con\\\ntinued'", "'continued'" },
		{ "x = 0x1F + 0X10 + 0o17 + 017 + 0 + 00 + 0b11", "80" },
		{ "x = 10L + 3l", "13" },
		{ "x = 1.5 + .5 + 1. + 1e2 + 2.5E-1", "103.25" },
		{ "x = 1; y = 2; x = x + y;", "3" },
		{ "x = 1 + \\\n    2", "3" },
		{ "x = (1 +\n  2 +\n\n  # comment inside\n  3)", "6" },
		{ "x = [1,\n 2,\n]", "[1, 2]" },
		{ "x = {'a':\n 1}['a']", "1" },
		{ "# only a comment\n\n   \n\t# indented comment\nx = 5", "5" },
		{ "if 1:\n\tx = 1\nelse:\n        x = 2", "1" },
		{ "x = 1 # trailing comment", "1" },
		{ "x = 3\r\ny = 4\r\n", "3" },
		{ "x = 'no newline at end'", "'no newline at end'" },
	};

	(void)state;
	RUN_X(cases);
}

static void
test_statements(void **state)
{
	static const struct case_x cases[] = {
		{ "a = x = b = 7", "7" },
		{ "a, x = 1, 2", "2" },
		{ "(a, (x, c)) = [1, (2, 3)]", "2" },
		{ "[a, x] = 'pq'", "'q'" },
		{ "x = 1\nx += 2\nx *= 5\nx -= 1\nx //= 2\nx %= 4", "3" },
		{ "x = 'a'\nx += 'b'", "'ab'" },
		{ "x = [1]\ny = x\ny += [2]", "[1, 2]" },
		{ "x = [1, 2]\nx[0] = 9\nx[-1] += 1", "[9, 3]" },
		{ "d = {}\nd['k'] = 'v'\nx = d['k']", "'v'" },
		{ "if 0:\n x = 1\nelif '':\n x = 2\nelif [1]:\n x = 3\nelse:\n x = 4",
		    "3" },
		{ "if 0: x = 1\nelse: x = 2", "2" },
		{ "x = 1\nif x:\n  pass\n  if x > 0:\n    x = 'nested'", "'nested'" },
		{ "def f(a, b=2):\n  return a + b\nx = [f(1), f(1, 3), f(b=5, a=1)]",
		    "[3, 4, 6]" },
		{ "def f():\n  pass\nx = [f()]", "[None]" },
		{ "def f(n):\n  if n <= 1:\n    return 1\n  return n * f(n - 1)\n"
		    "x = f(10)", "3628800" },
		{ "g = 5\ndef f():\n  return g\nx = f()", "5" },
		{ "g = 5\ndef f():\n  g = 6\n  return g\nx = [f(), g]", "[6, 5]" },
		{ "def f(l=[]):\n  l.append(1)\n  return len(l)\nf()\nx = f()", "2" },
		{ "def f(a): return a * 2\nx = f('ab')", "'abab'" },
		{ "import os, re\nx = re.search('64', 'x86_64') is not None", "True" },
		{ "import os.path\nx = os.path.basename('/a/b.img')", "'b.img'" },
		{ "import os.path as p\nx = p.dirname('/a/b')", "'/a'" },
		{ "from os.path import join as j, isabs\nx = [j('a', 'b'), isabs('a')]",
		    "['a/b', False]" },
		{ "from os import (path, uname)\nx = path.sep", "'/'" },
		{ "import sys\nx = 1", "1" },
		{ "x = os.path.join('/etc', 'xen')", "'/etc/xen'" },
		{ "pass; x = 1", "1" },
	};

	(void)state;
	RUN_X(cases);
}

static void
test_operators(void **state)
{
	static const struct case_x cases[] = {
		{ "x = [7 / 2, -7 / 2, 7 // -2, 7 % 3, -7 % 3, 7 % -3]",
		    "[3, -4, -4, 1, 2, -2]" },
		{ "x = [7.0 / 2, 7 / 2.0, -7.5 // 2, -7.5 % 2, 2 ** 10, 2 ** -1]",
		    "[3.5, 3.5, -4, 0.5, 1024, 0.5]" },
		{ "x = [1 << 4, -16 >> 2, 6 & 3, 6 | 3, 6 ^ 3, ~5]",
		    "[16, -4, 2, 7, 5, -6]" },
		{ "x = [True + True, True & False, -True, +3, -(-3)]",
		    "[2, False, -1, 3, 3]" },
		{ "x = 2 ** 3 ** 2", "512" },
		{ "x = -2 ** 2", "-4" },
		{ "x = 1 + 2 * 3 - 4 / 2", "5" },
		{ "x = 'ab' * 3 + 2 * 'c' + 'd' * 0 + 'e' * -1", "'abababcc'" },
		{ "x = [0] * 3 + 2 * [1]", "[0, 0, 0, 1, 1]" },
		{ "x = list((1, 2) + (3,))", "[1, 2, 3]" },
		{ "x = [1 < 2 < 3, 1 < 3 < 2, 1 == 1.0, 'a' < 'b', [1, 2] < [1, 3]]",
		    "[True, False, True, True, True]" },
		{ "x = ['b' in 'abc', 'd' not in 'abc', 2 in (1, 2), 'k' in {'k': 1}]",
		    "[True, True, True, True]" },
		{ "x = [None is None, None is not None, 1 != 2, 1 <> 1]",
		    "[True, False, True, False]" },
		{ "x = [0 or '' or 'z', 1 and 2, 0 and 1/0, 1 or 1/0, not 0]",
		    "['z', 2, 0, 1, True]" },
		{ "x = 'yes' if 1 > 0 else 'no'", "'yes'" },
		{ "x = 1 if 0 else 2 if 0 else 3", "3" },
		{ "x = [(1, 2) == (1, 2), [1] == (1,), {'a': 1} == {'a': 1}]",
		    "[True, False, True]" },
		{ "x = 0.1 + 0.2 > 0.3", "True" },
	};

	(void)state;
	RUN_X(cases);
}

static void
test_subscripts(void **state)
{
	static const struct case_x cases[] = {
		{ "x = ['abc'[0], 'abc'[-1], [1, 2, 3][-2], (4, 5)[1]]",
		    "['a', 'c', 2, 5]" },
		{ "x = ['abcdef'[1:3], 'abcdef'[:2], 'abcdef'[4:], 'abcdef'[-2:]]",
		    "['bc', 'ab', 'ef', 'ef']" },
		{ "x = ['abcdef'[::2], 'abcdef'[::-1], 'abcdef'[-1:1:-2], 'ab'[5:9]]",
		    "['ace', 'fedcba', 'fd', '']" },
		{ "x = [1, 2, 3, 4][1:-1]", "[2, 3]" },
		{ "x = list((1, 2, 3)[::-1])", "[3, 2, 1]" },
		{ "x = 'abc'[-100:100]", "'abc'" },
		{ "x = {(1, 2): 'tuple key', 1.0: 'f'}[1, 2]", "'tuple key'" },
		{ "x = {1: 'int'}[True]", "'int'" },
		{ "x = os.uname()[4] != ''", "True" },
	};

	(void)state;
	RUN_X(cases);
}

static void
test_formatting(void **state)
{
	static const struct case_x cases[] = {
		{ "x = 'VM%d' % 3", "'VM3'" },
		{ "x = 'phy:sda%d,sda1,w' % (7 + 3)", "'phy:sda10,sda1,w'" },
		{ "x = '%s|%5s|%-5s|%.2s' % ('a', 'b', 'c', 'xyz')",
		    "'a|    b|c    |xy'" },
		{ "x = '%d %i %05d %+d % d %-4d|' % (1, 2, 3, 4, 5, 6)",
		    "'1 2 00003 +4  5 6   |'" },
		{ "x = '%x %X %#x %o %#o %x' % (255, 255, 255, 8, 8, -255)",
		    "'ff FF 0xff 10 010 -ff'" },
		{ "x = '%f %.2f %e %g %G %08.3f' % (1.5, 2.345, 12345.678, 0.0001, "
		    "1e20, -3.14159)", "'1.500000 2.35 1.234568e+04 0.0001 1E+20 "
		    "-003.142'" },
		{ "x = '%r %r %s' % ('q', 1.5, [1, 'a'])", "''q' 1.5 [1, 'a']'" },
		{ "x = '%c%c%%' % (65, 'b')", "'Ab%'" },
		{ "x = '%(name)s is %(n)03d' % {'name': 'vm', 'n': 7}",
		    "'vm is 007'" },
		{ "x = '%*d|%-*s|' % (4, 1, 3, 'a')", "'   1|a  |'" },
		{ "x = '%s' % (1,)", "'1'" },
		{ "x = '%s' % [1, 2]", "'[1, 2]'" },
		{ "x = '%d' % 3.99", "'3'" },
		{ "x = '%s %s' % (None, True)", "'None True'" },
		{ "x = 'no args' % ()", "'no args'" },
		{ "x = str(1.0) + ' ' + str(1e16) + ' ' + str(0.1) + ' ' + repr(0.1)",
		    "'1.0 1e+16 0.1 0.1'" },
		{ "x = str(1.0 / 3) + ' ' + repr(1.0 / 3)",
		    "'0.333333333333 0.3333333333333333'" },
		{ "x = repr('it\\'s') + repr(\"q\\n\\x01\")", "'\"it's\"'q\\n\\x01''" },
		{ "x = str((1,)) + str(()) + str({'a': [None]})",
		    "'(1,)(){'a': [None]}'" },
		{ "x = [repr(1e22), repr(1e-5), repr(123.0), repr(-0.5)]",
		    "['1e+22', '1e-05', '123.0', '-0.5']" },
	};

	(void)state;
	RUN_X(cases);
}

static void
test_builtins(void **state)
{
	static const struct case_x cases[] = {
		{ "x = [int('42'), int(' -7 '), int('ff', 16), int(3.9), int(-3.9)]",
		    "[42, -7, 255, 3, -3]" },
		{ "x = [int('0x1f', 0), int('017', 0), int('z', 36), int(True), int()]",
		    "[31, 15, 35, 1, 0]" },
		{ "x = [float('1.5'), float(2), float(' -1e3 '), float()]",
		    "[1.5, 2, -1000, 0]" },
		{ "x = [str(12), str('s'), str(None), str(True), str([1])]",
		    "['12', 's', 'None', 'True', '[1]']" },
		{ "x = [len('abc'), len([1]), len((1, 2)), len({1: 2, 3: 4})]",
		    "[3, 1, 2, 2]" },
		{ "x = [bool(0), bool(''), bool([]), bool('0'), bool(0.1), bool()]",
		    "[False, False, False, True, True, False]" },
		{ "x = [list('ab'), list((1, 2)), list(), tuple([1])]",
		    "[['a', 'b'], [1, 2], [], [1]]" },
		{ "x = [range(3), range(1, 7, 2), range(5, 0, -2), range(0)]",
		    "[[0, 1, 2], [1, 3, 5], [5, 3, 1], []]" },
		{ "x = [min(3, 1, 2), max([4, 9, 2]), min('bca'), max(1, 2.5)]",
		    "[1, 9, 'a', 2.5]" },
		{ "x = [abs(-3), abs(2.5), hex(255), hex(-1), oct(8), oct(0)]",
		    "[3, 2.5, '0xff', '-0x1', '010', '0']" },
		{ "x = [ord('A'), chr(66), round(2.5), round(-2.5), round(1.234, 2)]",
		    "[65, 'B', 3, -3, 1.23]" },
		{ "x = [sorted([3, 1, 2]), sorted('cab', reverse=True), sum([1, 2, 3])]",
		    "[[1, 2, 3], ['c', 'b', 'a'], 6]" },
		{ "x = [any([0, 1]), all([1, 0]), cmp(1, 2), cmp('b', 'a')]",
		    "[True, False, -1, 1]" },
		{ "x = dict(a=1, b=2)['b'] + dict([('c', 3)])['c']", "5" },
		{ "e = ValueError('m')\nx = str(e)", "'m'" },
		{ "x = long('5') + 1", "6" },
	};

	(void)state;
	RUN_X(cases);
}

static void
test_methods(void **state)
{
	static const struct case_x cases[] = {
		{ "x = 'a,b,,c'.split(',')", "['a', 'b', '', 'c']" },
		{ "x = '  a b\\t c  '.split()", "['a', 'b', 'c']" },
		{ "x = 'a b c'.split(None, 1) + 'a,b,c'.split(',', 1)",
		    "['a', 'b c', 'a', 'b,c']" },
		{ "x = 'a,b,c'.rsplit(',', 1) + ' a b c '.rsplit(None, 1)",
		    "['a,b', 'c', ' a b', 'c']" },
		{ "x = ['  p  '.strip(), 'xxpxx'.strip('x'), '  p'.lstrip(), 'p  '.rstrip()]",
		    "['p', 'p', 'p', 'p']" },
		{ "x = ['aXbXc'.replace('X', '--'), 'aaa'.replace('a', 'b', 2), "
		    "'ab'.replace('', '-')]", "['a--b--c', 'bba', '-a-b-']" },
		{ "x = ['hello'.startswith('he'), 'hello'.endswith(('x', 'lo')), "
		    "'hi'.startswith('hello')]", "[True, True, False]" },
		{ "x = ','.join(['a', 'b']) + ''.join(('c', 'd')) + '-'.join('ef')",
		    "'a,bcde-f'" },
		{ "x = ['AbC'.lower(), 'AbC'.upper(), 'aBC'.capitalize()]",
		    "['abc', 'ABC', 'Abc']" },
		{ "x = ['hello'.find('l'), 'hello'.rfind('l'), 'hello'.find('z'), "
		    "'hello'.index('e'), 'hello'.count('l'), 'hello'.find('l', 3)]",
		    "[2, 3, -1, 1, 2, 3]" },
		{ "x = ['12'.isdigit(), 'ab'.isalpha(), 'a1'.isalnum(), ' '.isspace(), "
		    "''.isdigit(), 'ab'.islower(), 'AB'.isupper()]",
		    "[True, True, True, True, False, True, True]" },
		{ "x = ['7'.zfill(3), '-7'.zfill(3), 'a'.ljust(3) + '|', "
		    "'a'.rjust(3, '.'), 'a'.center(3)]",
		    "['007', '-07', 'a  |', '..a', ' a ']" },
		{ "x = 'a\\nb\\r\\nc'.splitlines()", "['a', 'b', 'c']" },
		{ "x = [1]\nx.append(2)\nx.extend((3, 4))\nx.insert(0, 0)\n"
		    "y = x.pop()\nx.remove(2)\nx.reverse()", "[3, 1, 0]" },
		{ "x = [3, 1, 2]\nx.sort()\ny = x.index(2) + x.count(1)", "[1, 2, 3]" },
		{ "d = {'a': 1}\nd.update({'b': 2})\nx = [d.get('a'), d.get('z'), "
		    "d.get('z', 0), d.has_key('b'), d.keys(), d.values()]",
		    "[1, None, 0, True, ['a', 'b'], [1, 2]]" },
		{ "d = {}\nd.setdefault('k', []).append(1)\nx = d.items()[0][1]",
		    "[1]" },
	};

	(void)state;
	RUN_X(cases);
}

static void
test_modules(void **state)
{
	struct utsname u;
	char src[128], want[128];
	static const struct case_x cases[] = {
		{ "x = [os.path.exists('/'), os.path.isdir('/'), "
		    "os.path.isfile('/'), os.path.exists('/no/such/file/here')]",
		    "[True, True, False, False]" },
		{ "x = [os.path.join('a', 'b', 'c'), os.path.join('a/', 'b'), "
		    "os.path.join('a', '/b')]", "['a/b/c', 'a/b', '/b']" },
		{ "x = [os.path.basename('/a/b/'), os.path.dirname('/a'), "
		    "os.path.dirname('a'), os.path.dirname('//')]",
		    "['', '/', '', '//']" },
		{ "x = list(os.path.split('/a/b')) + list(os.path.splitext("
		    "'/a/b.tar.gz')) + list(os.path.splitext('/a/.rc'))",
		    "['/a', 'b', '/a/b.tar', '.gz', '/a/.rc', '']" },
		{ "x = [os.path.normpath('/a//b/../c/.'), os.path.normpath(''), "
		    "os.path.normpath('../x/..'), os.path.abspath('/a/../b')]",
		    "['/a/c', '.', '..', '/b']" },
		{ "import re\nx = [bool(re.search('64', 'x86_64')), "
		    "bool(re.search('^i.86$', 'x86_64')), bool(re.match('x86', "
		    "'x86_64')), re.match('86', 'x86_64')]",
		    "[True, False, True, None]" },
		{ "import re\nm = re.search(r'(\\d+)\\.(\\d+)', 'v4.1.6')\n"
		    "x = [m.group(0), m.group(1), m.group(2), list(m.groups()), "
		    "m.start(), m.end()]", "['4.1', '4', '1', ['4', '1'], 1, 4]" },
		{ "import re\nx = [bool(re.search('[^a-z]', 'abc')), bool(re.search("
		    "'[]x-]', 'a-b')), bool(re.search('\\\\w+@\\\\w+', 'me@host')), "
		    "bool(re.search('a{2,3}', 'caab'))]", "[False, True, True, True]" },
		{ "import re\nx = [re.sub('a+', '-', 'caaat'), re.sub('(\\\\w)x', "
		    "r'\\1\\1', 'axbx'), re.sub('x*', '-', 'abc'), "
		    "re.sub('A', 'b', 'aA', flags=re.I)]",
		    "['c-t', 'aabb', '-a-b-c-', 'bb']" },
		{ "import re\nx = re.escape('a.b*c')", "'a\\.b\\*c'" },
		{ "import re\nx = bool(re.search('[.]', 'a.b')) and not "
		    "re.search('[.]', 'ab')", "True" },
	};

	(void)state;
	RUN_X(cases);
	/* os.uname() is the real uname(2): arch-dependent configs use [4] */
	assert_int_equal(uname(&u), 0);
	snprintf(src, sizeof(src), "x = os.uname()[4]");
	snprintf(want, sizeof(want), "'%s'", u.machine);
	expect_x(src, want);
}

/* ---- errors ---- */

static void
test_syntax_errors(void **state)
{
	static const struct case_err cases[] = {
		{ "x = 1 +", XU_ERR_SYNTAX, 1, "invalid syntax" },
		{ "x = 1\n  y = 2", XU_ERR_SYNTAX, 2, "unexpected indent" },
		{ "if 1:\nx = 1", XU_ERR_SYNTAX, 2, "expected an indented block" },
		{ "if 1:\n    x = 1\n  y = 2", XU_ERR_SYNTAX, 3,
		    "unindent does not match any outer indentation level" },
		{ "a = 1\nx = 'abc\ny = 2", XU_ERR_SYNTAX, 2, "unterminated string" },
		{ "x = '''abc\n\n", XU_ERR_SYNTAX, 1, "unterminated string" },
		{ "x = (1,\n 2", XU_ERR_SYNTAX, 2, "unexpected EOF while parsing" },
		{ "x = $y", XU_ERR_SYNTAX, 1, "invalid syntax" },
		{ "x = 08", XU_ERR_SYNTAX, 1, "invalid token" },
		{ "x = 1 \\ 2", XU_ERR_SYNTAX, 1,
		    "unexpected character after line continuation character" },
		{ "x = '\\x4'", XU_ERR_SYNTAX, 1, "invalid \\x escape" },
		{ "x = 1 if 2", XU_ERR_SYNTAX, 1, "invalid syntax" },
		{ "1 = x", XU_ERR_SYNTAX, 1, "can't assign to literal" },
		{ "f() = 1", XU_ERR_SYNTAX, 1, "can't assign to function call" },
		{ "a + 1 = 2", XU_ERR_SYNTAX, 1, "can't assign to operator" },
		{ "return 1", XU_ERR_SYNTAX, 1, "'return' outside function" },
		{ "def f(a=1, b): pass", XU_ERR_SYNTAX, 1,
		    "non-default argument follows default argument" },
		{ "def f(a, a): pass", XU_ERR_SYNTAX, 1,
		    "duplicate argument 'a' in function definition" },
		{ "f(a=1, 2)", XU_ERR_SYNTAX, 1, "non-keyword arg after keyword arg" },
		{ "f(a=1, a=2)", XU_ERR_SYNTAX, 1, "keyword argument repeated" },
		{ "x = 1\nelse:\n  y = 2", XU_ERR_SYNTAX, 2, "invalid syntax" },
		{ "x = 9999999999999999999", XU_ERR_RANGE, 1,
		    "integer literal too large (integer overflow)" },
	};

	(void)state;
	RUN_ERR(cases);
}

static void
test_unsupported(void **state)
{
	static const struct case_err cases[] = {
		{ "x = 1\nwhile x: pass", XU_ERR_UNSUPPORTED, 2,
		    "'while' loops are not supported" },
		{ "for i in [1]: pass", XU_ERR_UNSUPPORTED, 1,
		    "'for' loops are not supported" },
		{ "try:\n  x = 1\nexcept:\n  pass", XU_ERR_UNSUPPORTED, 1,
		    "'try' statements are not supported" },
		{ "with f: pass", XU_ERR_UNSUPPORTED, 1,
		    "'with' statements are not supported" },
		{ "class A: pass", XU_ERR_UNSUPPORTED, 1,
		    "'class' definitions are not supported" },
		{ "x = lambda: 1", XU_ERR_UNSUPPORTED, 1, "'lambda' is not supported" },
		{ "print 'hello'", XU_ERR_UNSUPPORTED, 1,
		    "'print' statements are not supported" },
		{ "global x", XU_ERR_UNSUPPORTED, 1,
		    "'global' statements are not supported" },
		{ "x = 1\ndel x", XU_ERR_UNSUPPORTED, 2,
		    "'del' statements are not supported" },
		{ "exec 'x = 1'", XU_ERR_UNSUPPORTED, 1,
		    "'exec' statements are not supported" },
		{ "import subprocess", XU_ERR_UNSUPPORTED, 1,
		    "import of module 'subprocess' is not supported" },
		{ "import os, socket", XU_ERR_UNSUPPORTED, 1,
		    "import of module 'socket' is not supported" },
		{ "from xen.util.ip import *", XU_ERR_UNSUPPORTED, 1,
		    "import of module 'xen.util.ip' is not supported" },
		{ "x = [i for i in 'ab']", XU_ERR_UNSUPPORTED, 1,
		    "list comprehensions are not supported" },
		{ "x = {1, 2}", XU_ERR_UNSUPPORTED, 1, "set literals are not supported" },
		{ "def f():\n  def g(): pass", XU_ERR_UNSUPPORTED, 2,
		    "nested functions are not supported" },
		{ "def f(*a): pass", XU_ERR_UNSUPPORTED, 1,
		    "'*args' and '**kwargs' parameters are not supported" },
		{ "@d\ndef f(): pass", XU_ERR_UNSUPPORTED, 1,
		    "decorators are not supported" },
		{ "x = 1j", XU_ERR_UNSUPPORTED, 1, "complex numbers are not supported" },
		{ "x = `1`", XU_ERR_UNSUPPORTED, 1, "backquotes are not supported" },
		{ "os.x = 1", XU_ERR_UNSUPPORTED, 1,
		    "attribute assignment is not supported" },
		{ "x = os.system('reboot')", XU_ERR_UNSUPPORTED, 1,
		    "'os.system' is not supported" },
		{ "x = os.environ['HOME']", XU_ERR_UNSUPPORTED, 1,
		    "'os.environ' is not supported" },
		{ "x = sys.argv", XU_ERR_UNSUPPORTED, 1, "'sys.argv' is not supported" },
		{ "x = open('/etc/passwd')", XU_ERR_UNSUPPORTED, 1,
		    "'open' is not supported" },
		{ "x = eval('1')", XU_ERR_UNSUPPORTED, 1, "'eval' is not supported" },
		{ "x = get_current_ipaddr()", XU_ERR_UNSUPPORTED, 1,
		    "'get_current_ipaddr' is not supported" },
		{ "x = '{}'.format(1)", XU_ERR_UNSUPPORTED, 1,
		    "'str.format' is not supported" },
		{ "import re\nx = re.search('(?i)a', 'A')", XU_ERR_UNSUPPORTED, 2,
		    "'(?...)' groups are not supported in regular expressions" },
		{ "import re\nx = re.search('(ab){2}', 'abab')", XU_ERR_UNSUPPORTED,
		    2, "counted repetitions of groups are not supported in "
		    "regular expressions" },
		/* regcomp copies what + repeats: nesting grows exponentially */
		{ "import re\nx = re.search('((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+',"
		    " 'a')", XU_ERR_UNSUPPORTED, 2, "repetitions this deep are not "
		    "supported in regular expressions" },
		{ "import re\nx = re.search('a++', 'a')", XU_ERR_INVALID, 2,
		    "invalid regular expression: nothing to repeat or multiple "
		    "repeat" },
		{ "import re\nx = re.search('*a', 'a')", XU_ERR_INVALID, 2,
		    "invalid regular expression: nothing to repeat or multiple "
		    "repeat" },
		{ "import re\nx = re.search('(a', 'a')", XU_ERR_INVALID, 2,
		    "invalid regular expression: unbalanced parenthesis" },
		{ "import re\nx = re.search(r'\\bx', 'x')", XU_ERR_UNSUPPORTED, 2,
		    "\\b, \\B, \\A, \\Z and back references are not supported in "
		    "regular expressions" },
	};

	(void)state;
	RUN_ERR(cases);
}

static void
test_runtime_errors(void **state)
{
	static const struct case_err cases[] = {
		{ "a = 1\nname = 'VM%d' % vmid", XU_ERR_NOT_FOUND, 2,
		    "name 'vmid' is not defined" },
		{ "def f():\n  return nope\nx = f()", XU_ERR_NOT_FOUND, 2,
		    "global name 'nope' is not defined" },
		{ "x = 1 + 'a'", XU_ERR_TYPE, 1,
		    "unsupported operand type(s) for +: 'int' and 'str'" },
		{ "x = 'a' - 'b'", XU_ERR_TYPE, 1,
		    "unsupported operand type(s) for -: 'str' and 'str'" },
		{ "x = [1, 2][5]", XU_ERR_RANGE, 1, "list index out of range" },
		{ "x = 'ab'[2]", XU_ERR_RANGE, 1, "string index out of range" },
		{ "x = (1,)[-2]", XU_ERR_RANGE, 1, "tuple index out of range" },
		{ "x = {'a': 1}['b']", XU_ERR_NOT_FOUND, 1, "KeyError: 'b'" },
		{ "x = 1 / 0", XU_ERR_INVALID, 1, "integer division or modulo by zero" },
		{ "x = 1 % 0", XU_ERR_INVALID, 1, "integer division or modulo by zero" },
		{ "x = 1.0 / 0", XU_ERR_INVALID, 1, "float division by zero" },
		{ "x = 9223372036854775807 + 1", XU_ERR_RANGE, 1, "integer overflow" },
		{ "x = 3037000500 * 3037000500", XU_ERR_RANGE, 1, "integer overflow" },
		{ "x = 2 ** 64", XU_ERR_RANGE, 1, "integer overflow" },
		{ "x = 1 << 64", XU_ERR_RANGE, 1, "integer overflow" },
		{ "x = int('99999999999999999999')", XU_ERR_RANGE, 1,
		    "integer overflow" },
		{ "x = int(1e300)", XU_ERR_RANGE, 1, "integer overflow" },
		{ "x = int('abc')", XU_ERR_INVALID, 1,
		    "invalid literal for int() with base 10: 'abc'" },
		{ "x = float('1x')", XU_ERR_INVALID, 1,
		    "could not convert string to float: 1x" },
		{ "x = 'a' < 1", XU_ERR_TYPE, 1, "cannot order 'str' and 'int'" },
		{ "x = len(5)", XU_ERR_TYPE, 1, "object of type 'int' has no len()" },
		{ "x = 5()", XU_ERR_TYPE, 1, "'int' object is not callable" },
		{ "x = 5[0]", XU_ERR_TYPE, 1, "'int' object is not subscriptable" },
		{ "x = [1]['a']", XU_ERR_TYPE, 1, "indices must be integers, not str" },
		{ "x = (1, 2)\nx[0] = 3", XU_ERR_TYPE, 2,
		    "'tuple' object does not support item assignment" },
		{ "x = {[1]: 2}", XU_ERR_TYPE, 1, "unhashable type: 'list'" },
		{ "def f(a, b): pass\nf(1)", XU_ERR_TYPE, 2,
		    "f() takes exactly 2 arguments (1 given)" },
		{ "def f(a, b=1): pass\nf(1, 2, 3)", XU_ERR_TYPE, 2,
		    "f() takes at most 2 arguments (3 given)" },
		{ "def f(a): pass\nf(b=1)", XU_ERR_TYPE, 2,
		    "f() got an unexpected keyword argument 'b'" },
		{ "x = len()", XU_ERR_TYPE, 1, "len() takes exactly 1 argument "
		    "(0 given)" },
		{ "a, b = 1, 2, 3", XU_ERR_INVALID, 1, "too many values to unpack" },
		{ "a, b = [1]", XU_ERR_INVALID, 1, "need more than 1 value to unpack" },
		{ "x = '%d' % 'a'", XU_ERR_TYPE, 1,
		    "%d format: a number is required, not str" },
		{ "x = '%s %s' % ('a',)", XU_ERR_TYPE, 1,
		    "not enough arguments for format string" },
		{ "x = '%s' % ('a', 'b')", XU_ERR_TYPE, 1,
		    "not all arguments converted during string formatting" },
		{ "x = '%y' % 1", XU_ERR_INVALID, 1,
		    "unsupported format character 'y' (0x79) at index 1" },
		{ "x = '%(a)s' % {}", XU_ERR_NOT_FOUND, 1, "KeyError: 'a'" },
		{ "x = 'abc'[::0]", XU_ERR_INVALID, 1, "slice step cannot be zero" },
		{ "x = [].pop()", XU_ERR_RANGE, 1, "pop from empty list" },
		{ "x = (1).foo", XU_ERR_NOT_FOUND, 1,
		    "'int' object has no attribute 'foo'" },
		{ "x = 1\n\nraise ValueError, 'bad ' + 'thing'", XU_ERR_INVALID, 3,
		    "script raised ValueError: bad thing" },
		{ "raise TypeError('m2')", XU_ERR_INVALID, 1,
		    "script raised TypeError: m2" },
		{ "raise ValueError", XU_ERR_INVALID, 1, "script raised ValueError" },
		{ "def f():\n  raise KeyError('k')\nf()", XU_ERR_INVALID, 2,
		    "script raised KeyError: k" },
		{ "raise 'old string exception'", XU_ERR_TYPE, 1,
		    "exceptions must be classes or instances, not str" },
		{ "import re\nx = re.search('a)', 'a')", XU_ERR_INVALID, 2,
		    "invalid regular expression: unbalanced parenthesis" },
		{ "x = chr(300)", XU_ERR_INVALID, 1, "chr() arg not in range(256)" },
	};

	(void)state;
	RUN_ERR(cases);
}

/* ---- limits ---- */

static void
test_limits(void **state)
{
	static const struct case_err cases[] = {
		{ "x = 'x' * 10 ** 9", XU_ERR_TOO_BIG, 1,
		    "string too long (more than 1048576 bytes)" },
		{ "x = [0] * 10 ** 9", XU_ERR_TOO_BIG, 1,
		    "list too long (more than 100000 items)" },
		{ "s = 'x' * 1000000\nx = s + s", XU_ERR_TOO_BIG, 2,
		    "string too long (more than 1048576 bytes)" },
		{ "x = 'ab'.replace('', 'x' * 1000000)", XU_ERR_TOO_BIG, 1,
		    "string too long (more than 1048576 bytes)" },
		{ "x = '%1000000000d' % 1", XU_ERR_RANGE, 1,
		    "width or precision too big" },
		{ "x = range(100000)", XU_ERR_TOO_BIG, 1,
		    "range() would make 100000 items (limit 10000)" },
		{ "def f(n):\n  return f(n + 1)\nx = f(0)", XU_ERR_TOO_BIG, 2,
		    "maximum recursion depth exceeded" },
		{ "def f(n):\n  if n:\n    f(n - 1)\n    f(n - 1)\n  return 0\n"
		    "x = f(60)", XU_ERR_TOO_BIG, 4,
		    "evaluation takes too long (more than 1000000 steps)" },
		{ "a = [1]\na.append(a)\nb = [1]\nb.append(b)\nx = a == b",
		    XU_ERR_TOO_BIG, 5, "maximum recursion depth exceeded" },
		{ "a = ['x' * 100] * 50000\nb = [a] * 50000\nx = str(b)",
		    XU_ERR_TOO_BIG, 3, "string too long (more than 1048576 bytes)" },
		{ "a = [1] * 50000\nx = [a] * 50000", XU_ERR_TOO_BIG, 2,
		    "variable 'x' is too large to use (more than 200000 values or "
		    "16 MiB of text)" },
		{ "import re\nx = re.search('a', 'a' * 5000)", XU_ERR_TOO_BIG, 2,
		    "string too long for a regular expression (limit 4096 bytes)" },
		/* glibc's regexec is quadratic here: charged, so it stops */
		{ "import re\ns = 'a' * 4000\nx = re.search('(a|b|c|d|e|f|g|h)*0', "
		    "s) or re.search('(a|b|c|d|e|f|g|h)*0', s)", XU_ERR_TOO_BIG, 3,
		    "evaluation takes too long (more than 1000000 steps)" },
		/* fuzz: regcomp ran out of memory copying x++++... */
		{ "import re\nx = re.sub('....++++++++++++++++++++++++++x*', '-', "
		    "'aw')", XU_ERR_INVALID, 2, "invalid regular expression: "
		    "nothing to repeat or multiple repeat" },
		{ "import re\nx = re.search('a{65}', 'a')", XU_ERR_UNSUPPORTED, 2,
		    "repetition counts over 64 are not supported in regular "
		    "expressions" },
	};
	struct xu_err err;
	struct pyeval *pe;
	struct xu_buf b;
	char *big;
	int i, rc;

	(void)state;
	RUN_ERR(cases);

	/* nesting beyond PYEVAL_MAX_DEPTH is refused, not a stack overflow */
	xu_buf_init(&b);
	xu_buf_adds(&b, "x = ");
	for (i = 0; i < 5000; i++)
		xu_buf_addc(&b, '(');
	xu_buf_addc(&b, '1');
	for (i = 0; i < 5000; i++)
		xu_buf_addc(&b, ')');
	pe = run(b.data, NULL, &err, &rc);
	assert_int_equal(rc, XU_ERR_TOO_BIG);
	pyeval_free(pe);
	xu_buf_dispose(&b);

	xu_buf_init(&b);
	xu_buf_adds(&b, "x = 1");
	for (i = 0; i < 20000; i++)
		xu_buf_adds(&b, " + 1");
	expect_x(b.data, "20001");
	xu_buf_dispose(&b);

	xu_buf_init(&b);
	xu_buf_adds(&b, "x = ");
	for (i = 0; i < 5000; i++)
		xu_buf_adds(&b, "-");
	xu_buf_adds(&b, "1");
	pe = run(b.data, NULL, &err, &rc);
	assert_int_equal(rc, XU_ERR_TOO_BIG);
	pyeval_free(pe);
	xu_buf_dispose(&b);

	/* memory: many large values add up to the arena limit */
	xu_buf_init(&b);
	xu_buf_adds(&b, "s = 'x' * 1000000\n");
	for (i = 0; i < 100; i++)
		xu_buf_printf(&b, "a%d = s + 'y'\nb%d = [s] * 100000\n", i, i);
	pe = run(b.data, NULL, &err, &rc);
	assert_int_equal(rc, XU_ERR_TOO_BIG);
	assert_string_equal(err.msg, "config uses too much memory (more than "
	    "64 MiB)");
	pyeval_free(pe);
	xu_buf_dispose(&b);

	/* a config file over the size limit is refused up front */
	big = xu_malloc(PYEVAL_MAX_SOURCE + 2);
	memset(big, '#', PYEVAL_MAX_SOURCE + 1);
	big[PYEVAL_MAX_SOURCE + 1] = '\0';
	pe = pyeval_new("big.cfg");
	rc = pyeval_run(pe, big, PYEVAL_MAX_SOURCE + 1, &err);
	assert_int_equal(rc, XU_ERR_TOO_BIG);
	pyeval_free(pe);
	free(big);

	/* a cycle prints as [...] and exports without looping */
	expect_x("x = [1]\nx.append(x)\ny = str(x)", "[1, None]");
	expect_x("a = [1]\na.append(a)\nx = str(a)", "'[1, [...]]'");
}

/* ---- the caller's view ---- */

static void
test_exports(void **state)
{
	static const char src[] =
	    "name = 'vm'\n"
	    "memory = 128\n"
	    "ratio = 0.5\n"
	    "flag = True\n"
	    "disk = ['phy:a', ('x', 1), None, [2.5]]\n"
	    "pair = (1, 2)\n"
	    "opts = {'a': 1}\n"
	    "def helper(): pass\n"
	    "import re\n"
	    "name = 'vm2'\n";
	static const char *const defs[] = { "xm_file=/etc/xen/vm", NULL };
	struct xu_err err;
	struct pyeval *pe;
	struct xv *ex;
	char *s;
	int rc;

	(void)state;
	pe = run(src, defs, &err, &rc);
	assert_int_equal(rc, 0);
	ex = pyeval_exports(pe);
	/* first-assignment order, predefined first, other types left out */
	assert_int_equal(ex->u.st.n, 6);
	assert_string_equal(ex->u.st.members[0].key, "xm_file");
	assert_string_equal(ex->u.st.members[1].key, "name");
	assert_string_equal(ex->u.st.members[5].key, "disk");
	assert_string_equal(xv_string(xv_struct_get(ex, "name")), "vm2");
	assert_int_equal(xv_struct_get(ex, "name")->line, 10);
	assert_int_equal(xv_struct_get(ex, "memory")->type, XV_INT);
	assert_int_equal(xv_struct_get(ex, "ratio")->type, XV_DOUBLE);
	assert_int_equal(xv_struct_get(ex, "flag")->type, XV_BOOL);
	s = render_str(xv_struct_get(ex, "disk"));
	assert_string_equal(s, "['phy:a', ['x', 1], None, [2.5]]");
	free(s);
	assert_null(xv_struct_get(ex, "pair"));
	assert_null(xv_struct_get(ex, "opts"));
	assert_true(pyeval_is_global(pe, "pair"));
	assert_true(pyeval_is_global(pe, "opts"));
	assert_true(pyeval_is_global(pe, "helper"));
	assert_true(pyeval_is_global(pe, "re"));
	assert_false(pyeval_is_global(pe, "nothere"));
	assert_false(pyeval_is_global(pe, "name"));	/* exported instead */
	xv_free(ex);
	pyeval_free(pe);
}

static void
test_defines(void **state)
{
	struct xu_err err;
	struct pyeval *pe;
	struct xv *v, *ex;
	int rc;

	(void)state;
	pe = pyeval_new("t.cfg");
	v = xv_list();
	xv_append(v, xv_str("a"));
	xv_append(v, xv_int(2));
	pyeval_define(pe, "l", v);
	xv_free(v);
	v = xv_int(1);
	pyeval_define(pe, "xm_help", v);
	xv_free(v);
	rc = pyeval_run(pe, "x = l[0] * l[1]\nh = xm_help + 1\n",
	    strlen("x = l[0] * l[1]\nh = xm_help + 1\n"), &err);
	assert_int_equal(rc, 0);
	ex = pyeval_exports(pe);
	assert_string_equal(xv_string(xv_struct_get(ex, "x")), "aa");
	assert_int_equal(xv_struct_get(ex, "h")->u.i, 2);
	xv_free(ex);
	pyeval_free(pe);
}

/* ---- xm_vars ---- */

static const char vmid_src[] =
    "def vmid_check(var, val):\n"
    "    val = int(val)\n"
    "    if val <= 0:\n"
    "        raise ValueError\n"
    "    return val\n"
    "xm_vars.var('vmid', use='Virtual machine id.', check=vmid_check)\n"
    "xm_vars.var('other', use='No check.')\n"
    "xm_vars.check()\n"
    "name = 'VM%d' % vmid\n";

static void
test_xm_vars(void **state)
{
	static const char *const ok[] = { "vmid=3", NULL };
	static const char *const bad[] = { "vmid=abc", NULL };
	static const char *const zero[] = { "vmid=0", NULL };
	struct xu_err err;
	struct pyeval *pe;
	struct xv *ex, *dv;
	int rc;

	(void)state;
	pe = run(vmid_src, ok, &err, &rc);
	assert_int_equal(rc, 0);
	ex = pyeval_exports(pe);
	assert_string_equal(xv_string(xv_struct_get(ex, "name")), "VM3");
	assert_int_equal(xv_struct_get(ex, "vmid")->type, XV_INT);
	xv_free(ex);
	pyeval_free(pe);

	pe = run(vmid_src, NULL, &err, &rc);
	assert_int_equal(rc, XU_ERR_INVALID);
	assert_int_equal(err.line, 8);
	assert_string_equal(err.msg, "vmid - not set; give it on the command "
	    "line as vmid=VALUE");
	pyeval_free(pe);

	pe = run(vmid_src, bad, &err, &rc);
	assert_int_equal(rc, XU_ERR_INVALID);
	assert_string_equal(err.msg, "vmid - invalid value 'abc'");
	pyeval_free(pe);

	pe = run(vmid_src, zero, &err, &rc);
	assert_int_equal(rc, XU_ERR_INVALID);
	assert_string_equal(err.msg, "vmid - invalid value '0'");
	pyeval_free(pe);

	/* a check's own message is kept */
	pe = run("def c(n, v):\n  raise ValueError('must be even')\n"
	    "xm_vars.var('k', check=c)\nxm_vars.check()\n", zero, &err, &rc);
	assert_int_equal(rc, XU_ERR_INVALID);
	assert_string_equal(err.msg, "k - not set; give it on the command line "
	    "as k=VALUE");
	pyeval_free(pe);
	pe = run("def c(n, v):\n  raise ValueError('must be even')\n"
	    "xm_vars.var('vmid', check=c)\nxm_vars.check()\n", zero, &err, &rc);
	assert_string_equal(err.msg, "vmid - must be even");
	pyeval_free(pe);

	/* help mode: check() ends the script cleanly, declarations listed */
	pe = pyeval_new("t.cfg");
	pyeval_set_help_mode(pe, true);
	rc = pyeval_run(pe, vmid_src, strlen(vmid_src), &err);
	assert_int_equal(rc, 0);
	dv = pyeval_declared_vars(pe);
	assert_int_equal(xv_len(dv), 2);
	assert_string_equal(xv_string(xv_at(xv_at(dv, 0), 0)), "vmid");
	assert_string_equal(xv_string(xv_at(xv_at(dv, 0), 1)),
	    "Virtual machine id.");
	assert_string_equal(xv_string(xv_at(xv_at(dv, 1), 0)), "other");
	xv_free(dv);
	ex = pyeval_exports(pe);
	assert_null(xv_struct_get(ex, "name"));
	xv_free(ex);
	pyeval_free(pe);
}

/* ---- the conformance corpus ---- */

static char *
corpus_path(const char *name)
{
	const char *shared = getenv("XEN_SHARED_DIR");
	const char *top = getenv("top_srcdir");
	char *path;

	if (shared != NULL && *shared != '\0')
		path = xu_asprintf("%s/conformance/configs/%s", shared, name);
	else
		path = xu_asprintf("%s/../shared/conformance/configs/%s",
		    top ? top : ".", name);
	return path;
}

/* Runs a corpus file; false (test skipped) when the corpus is absent. */
static bool
run_corpus(const char *name, const char *const *defs, struct pyeval **pe,
    struct xu_err *err, int *rc)
{
	char *path = corpus_path(name), *data;
	size_t len;
	size_t i;

	if (xu_read_file(path, PYEVAL_MAX_SOURCE, &data, &len) < 0) {
		free(path);
		return false;
	}
	*pe = pyeval_new(path);
	for (i = 0; defs != NULL && defs[i] != NULL; i++) {
		const char *eq = strchr(defs[i], '=');
		char *n = xu_strndup(defs[i], (size_t)(eq - defs[i]));
		struct xv *v = xv_str(eq + 1);

		pyeval_define(*pe, n, v);
		xv_free(v);
		free(n);
	}
	*rc = pyeval_run(*pe, data, len, err);
	free(data);
	free(path);
	return true;
}

struct corpus_case {
	const char *file;
	const char *var;
	const char *value;	/* rendered */
};

#define X41 "xen-project__xen__RELEASE-4.1.6.1__tools__examples__"
#define X30 "xen-project__xen__RELEASE-3.0.0__tools__examples__"

static void
test_conformance(void **state)
{
	static const char *const vmid3[] = { "vmid=3", NULL };
	static const struct corpus_case cases[] = {
		{ X41 "xmexample1", "name", "'ExampleDomain'" },
		{ X41 "xmexample1", "disk", "['phy:hda1,hda1,w']" },
		{ X41 "xmexample1", "vif", "['']" },
		{ X41 "xmexample2", "name", "'VM3'" },
		{ X41 "xmexample2", "disk", "['phy:sda10,sda1,w', 'phy:sda6,sda6,r']" },
		{ X41 "xmexample2", "extra", "'4 VMID=3 usr=/dev/sda6'" },
		{ X41 "xmexample2", "vmid", "3" },
		{ X41 "xmexample3", "name", "'VM3'" },
		{ X41 "xmexample3", "vif", "['ip=192.168.3.1/24']" },
		{ X41 "xmexample3", "cpus", "'3'" },
		{ X41 "xmexample3", "hostname", "'domain-3.xeno'" },
		{ X41 "xmexample.hvm", "builder", "'hvm'" },
		{ X41 "xmexample.hvm", "disk", "['file:/var/images/min-el3-i386.img,"
		    "hda,w', ',hdc:cdrom,r']" },
		{ X41 "xmexample.hvm", "vncpasswd", "''" },
		{ X41 "xmexample.hvm-stubdom", "device_model", "'stubdom-dm'" },
		{ X41 "xmexample.nbd", "disk", "['nbd:134.100.233.115 20004,hda1,w']" },
		{ X41 "xmexample.pv-grub", "extra", "'(hd0,0)/boot/grub/menu.lst'" },
		{ X41 "xmexample.vti", "device_model", "'/usr/lib/xen/bin/qemu-dm'" },
		{ X41 "xmexample.vti", "memory", "256" },
		{ X41 "cpupool", "cpus", "['2', '3']" },
		{ X41 "cpupool", "sched", "'credit'" },
		{ X30 "xmexample1", "root", "'/dev/hda1 ro'" },
		{ X30 "xmexample2", "name", "'VM3'" },
		{ X30 "xmexample.vmx", "builder", "'vmx'" },
		{ X30 "xmexample.vmx", "nics", "1" },
	};
	struct xu_err err;
	struct pyeval *pe;
	struct utsname u;
	struct xv *ex;
	char *got, want[160];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!run_corpus(cases[i].file, vmid3, &pe, &err, &rc))
			skip();
		if (rc != 0)
			fail_msg("%s: line %d: %s", cases[i].file, err.line, err.msg);
		ex = pyeval_exports(pe);
		got = render_str(xv_struct_get(ex, cases[i].var));
		if (strcmp(got, cases[i].value) != 0)
			fail_msg("%s: %s = %s, expected %s", cases[i].file,
			    cases[i].var, got, cases[i].value);
		free(got);
		xv_free(ex);
		pyeval_free(pe);
	}

	/* the 3.0 HVM example picks its libdir from os.uname() through re */
	assert_int_equal(uname(&u), 0);
	snprintf(want, sizeof(want), "'/usr/%s/xen/bin/qemu-dm'",
	    strstr(u.machine, "64") ? "lib64" : "lib");
	assert_true(run_corpus(X30 "xmexample.vmx", NULL, &pe, &err, &rc));
	assert_int_equal(rc, 0);
	ex = pyeval_exports(pe);
	got = render_str(xv_struct_get(ex, "device_model"));
	assert_string_equal(got, want);
	free(got);
	xv_free(ex);
	pyeval_free(pe);
}

static void
test_conformance_vmid(void **state)
{
	static const char *const files[] = {
		X41 "xmexample2", X41 "xmexample3", X30 "xmexample2",
	};
	static const char *const bad[] = { "vmid=abc", NULL };
	struct xu_err err;
	struct pyeval *pe;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!run_corpus(files[i], NULL, &pe, &err, &rc))
			skip();
		assert_int_equal(rc, XU_ERR_INVALID);
		assert_string_equal(err.msg, "vmid - not set; give it on the "
		    "command line as vmid=VALUE");
		assert_true(err.line > 0);
		pyeval_free(pe);

		assert_true(run_corpus(files[i], bad, &pe, &err, &rc));
		assert_int_equal(rc, XU_ERR_INVALID);
		assert_string_equal(err.msg, "vmid - invalid value 'abc'");
		pyeval_free(pe);
	}
}

static void
test_perl_template(void **state)
{
	struct xu_err err;
	struct pyeval *pe;
	int rc;

	(void)state;
	/* a Text::Template file, not a config: a clean syntax error */
	if (!run_corpus("xen-tools__xen-tools__etc__xm.tmpl", NULL, &pe, &err,
	    &rc))
		skip();
	assert_int_equal(rc, XU_ERR_SYNTAX);
	assert_int_equal(err.line, 9);
	assert_string_equal(err.msg, "invalid syntax");
	pyeval_free(pe);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lexing),
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_subscripts),
		cmocka_unit_test(test_formatting),
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_runtime_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_exports),
		cmocka_unit_test(test_defines),
		cmocka_unit_test(test_xm_vars),
		cmocka_unit_test(test_conformance),
		cmocka_unit_test(test_conformance_vmid),
		cmocka_unit_test(test_perl_template),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
