/* test-sxp.c: the SXP reader and printers against the behaviour of classic
 * xend's sxp.py and PrettyPrint.py (reference section 7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>

#include "sxp.h"

/* Parses all of s (a C string) and fails the test on error. */
static struct xv *
parse_ok(const char *s)
{
	struct xu_err err;
	struct xv *forms = NULL;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = sxp_parse(s, strlen(s), &forms, &err);
	if (rc != XU_OK)
		fail_msg("parse of \"%s\" failed: line %d: %s", s, err.line,
		    err.msg);
	return forms;
}

/* Parses len bytes expecting failure with rc; returns the error. */
static struct xu_err
parse_fail(const char *s, size_t len, int want)
{
	struct xu_err err;
	struct xv *forms = (struct xv *)1;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = sxp_parse(s, len, &forms, &err);
	assert_int_equal(rc, want);
	assert_int_equal(err.rc, want);
	assert_null(forms);
	return err;
}

/* The forms of s printed one per line, so a test compares one string. */
static char *
reprint(const char *s)
{
	struct xv *forms = parse_ok(s);
	struct xu_buf b;
	size_t i;

	xu_buf_init(&b);
	for (i = 0; i < xv_len(forms); i++) {
		sxp_print(&b, xv_at(forms, i));
		xu_buf_addc(&b, '\n');
	}
	xv_free(forms);
	return xu_buf_steal(&b);
}

static void
assert_reprint(const char *in, const char *want)
{
	char *got = reprint(in);

	assert_string_equal(got, want);
	free(got);
}

static void
assert_string_value(const struct xv *v, const char *s, size_t len)
{
	assert_non_null(v);
	assert_int_equal(v->type, XV_STRING);
	assert_int_equal(v->u.str.len, len);
	assert_memory_equal(v->u.str.s, s, len);
}

static void
test_atoms_and_lists(void **state)
{
	struct xv *f, *l;

	(void)state;
	f = parse_ok("(vm (name web1) (memory 512)) top\t(a)\r\n\v\f()");
	assert_int_equal(xv_len(f), 4);
	l = xv_at(f, 0);
	assert_true(xv_is_list(l));
	assert_string_equal(xv_name(l), "vm");
	assert_string_equal(xv_child_str(l, "name", NULL), "web1");
	assert_string_equal(xv_child_str(l, "memory", NULL), "512");
	assert_string_equal(xv_string(xv_at(f, 1)), "top");
	assert_int_equal(xv_len(xv_at(f, 3)), 0);
	assert_true(xv_is_list(xv_at(f, 3)));
	xv_free(f);

	/* An atom may contain quotes and bytes that could not start one. */
	f = parse_ok("a'b c\"d e\x80\x01f !x");
	assert_int_equal(xv_len(f), 4);
	assert_string_equal(xv_string(xv_at(f, 0)), "a'b");
	assert_string_equal(xv_string(xv_at(f, 1)), "c\"d");
	assert_string_equal(xv_string(xv_at(f, 2)), "e\x80\x01f");
	assert_string_equal(xv_string(xv_at(f, 3)), "!x");
	xv_free(f);

	/* Nothing but space and comments: no forms, no error. */
	f = parse_ok(" # only a comment\n\n");
	assert_int_equal(xv_len(f), 0);
	xv_free(f);
	f = parse_ok("");
	assert_int_equal(xv_len(f), 0);
	xv_free(f);
}

static void
test_strings_and_escapes(void **state)
{
	struct xv *f;

	(void)state;
	f = parse_ok("\"a b\" 'c d' '' \"it's\" 'say \"hi\"' '(#;)'");
	assert_int_equal(xv_len(f), 6);
	assert_string_value(xv_at(f, 0), "a b", 3);
	assert_string_value(xv_at(f, 1), "c d", 3);
	assert_string_value(xv_at(f, 2), "", 0);
	assert_string_value(xv_at(f, 3), "it's", 4);
	assert_string_value(xv_at(f, 4), "say \"hi\"", 8);
	assert_string_value(xv_at(f, 5), "(#;)", 4);
	xv_free(f);

	f = parse_ok("'\\a\\b\\t\\n\\v\\f\\r\\\\\\'\\\"' \"\\'\"");
	assert_string_value(xv_at(f, 0), "\a\b\t\n\v\f\r\\'\"", 10);
	assert_string_value(xv_at(f, 1), "'", 1);
	xv_free(f);

	/* \xHH, \ooo (up to 3 digits), unknown escapes kept whole. */
	f = parse_ok("'\\x41\\x4a\\x4' '\\101\\0\\18\\3777' '\\q\\ \\x7Fz'");
	assert_string_value(xv_at(f, 0), "AJ\x04", 3);
	assert_string_value(xv_at(f, 1), "A\0\001" "8\377" "7", 6);
	assert_string_value(xv_at(f, 2), "\\q\\ \x7fz", 6);
	xv_free(f);

	/* The other quote, a newline, '#', separators and Ctrl-D are literal. */
	f = parse_ok("'a\"b\nc#d(e)\x04' x");
	assert_string_value(xv_at(f, 0), "a\"b\nc#d(e)\x04", 11);
	assert_string_equal(xv_string(xv_at(f, 1)), "x");
	xv_free(f);

	/* Embedded NUL bytes, raw and escaped, keep the length. */
	f = NULL;
	{
		static const char in[] = "'a\0b' \"\\x00\"";
		struct xu_err err;

		assert_int_equal(sxp_parse(in, sizeof(in) - 1, &f, &err), XU_OK);
		assert_string_value(xv_at(f, 0), "a\0b", 3);
		assert_string_value(xv_at(f, 1), "\0", 1);
		xv_free(f);
	}
}

static void
test_bad_escapes(void **state)
{
	struct xu_err err;

	(void)state;
	err = parse_fail("'\\400'", 6, XU_ERR_SYNTAX);
	assert_non_null(strstr(err.msg, "octal"));
	err = parse_fail("(a\n'\\xg')", 9, XU_ERR_SYNTAX);
	assert_non_null(strstr(err.msg, "hex"));
	assert_int_equal(err.line, 2);
	err = parse_fail("'abc\\", 5, XU_ERR_SYNTAX);
	assert_non_null(strstr(err.msg, "unexpected EOF"));
	err = parse_fail("'\\x", 3, XU_ERR_SYNTAX);
	assert_non_null(strstr(err.msg, "unexpected EOF"));
}

static void
test_comments(void **state)
{
	(void)state;
	assert_reprint("# header\n(a # trailing\n b)#x\n(c)# (d)\n#(e)",
	    "(a b)\n(c)\n");
	/* A '#' right after an atom ends it and starts a comment. */
	assert_reprint("(name web1#comment\n value)", "(name web1 value)\n");
	/* Inside a string it is just a character. */
	assert_reprint("(a 'x#y')", "(a 'x#y')\n");
	/* A comment running to EOF inside a list leaves the list open. */
	parse_fail("(a # )", 6, XU_ERR_SYNTAX);
}

static void
test_separators(void **state)
{
	(void)state;
	/* Non-paren separators end the atom and start the next one. */
	assert_reprint("(a{b c;d [e]<f> g}})",
	    "(a '{b' c ';d' '[e' ']' '<f' '>' g '}' '}')\n");
	assert_reprint("a(b)c", "a\n(b)\nc\n");
	assert_reprint("(a'b' \"c\"d)", "(\"a'b'\" c d)\n");
	/* '!' has not been a separator since Xen 4.0. */
	assert_reprint("(a!b)", "('a!b')\n");
}

static void
test_ctrl_d(void **state)
{
	struct xu_err err;

	(void)state;
	assert_reprint("(a)\x04(b", "(a)\n");
	assert_reprint("(a) \x04 (b", "(a)\n");
	/* Only where a token may start: inside an atom or a string it is
	 * a character like any other, as in sxp.py. */
	assert_reprint("(a foo\x04) 'b\x04'", "(a 'foo\\x04')\n'b\\x04'\n");
	err = parse_fail("(a \x04)", 5, XU_ERR_SYNTAX);
	assert_non_null(strstr(err.msg, "unexpected EOF"));
}

static void
test_line_numbers(void **state)
{
	struct xv *f, *l;

	(void)state;
	f = parse_ok("\n(a\n  b 'multi\nline' c\n  (d\n\n e)) # x\nf");
	l = xv_at(f, 0);
	assert_int_equal(l->line, 2);
	assert_int_equal(xv_at(l, 0)->line, 2);
	assert_int_equal(xv_at(l, 1)->line, 3);
	assert_int_equal(xv_at(l, 2)->line, 3);
	assert_int_equal(xv_at(l, 3)->line, 4);
	assert_int_equal(xv_at(l, 4)->line, 5);
	assert_int_equal(xv_at(xv_at(l, 4), 1)->line, 7);
	assert_int_equal(xv_at(f, 1)->line, 8);
	xv_free(f);

	/* An escaped newline counts too. */
	f = parse_ok("'a\\\nb' c");
	assert_string_value(xv_at(f, 0), "a\\\nb", 4);
	assert_int_equal(xv_at(f, 1)->line, 2);
	xv_free(f);
}

static void
test_errors(void **state)
{
	struct xu_err err;
	const char *s;

	(void)state;
	s = "(a)\n(b))\n";
	err = parse_fail(s, strlen(s), XU_ERR_SYNTAX);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg, "unbalanced ')'");

	s = ")";
	err = parse_fail(s, strlen(s), XU_ERR_SYNTAX);
	assert_int_equal(err.line, 1);

	s = "(a\n (b)\n";
	err = parse_fail(s, strlen(s), XU_ERR_SYNTAX);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.msg, "unexpected EOF in list started on line 1");

	s = "(a\n 'abc\n\n";
	err = parse_fail(s, strlen(s), XU_ERR_SYNTAX);
	assert_int_equal(err.line, 4);
	assert_string_equal(err.msg,
	    "unexpected EOF in string started on line 2");

	/* Control bytes and non-ASCII cannot start a token (as in sxp.py). */
	s = "(a\n\x01)";
	err = parse_fail(s, strlen(s), XU_ERR_SYNTAX);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg, "invalid character: code 1");
	s = "\xc3\xa9";
	err = parse_fail(s, strlen(s), XU_ERR_SYNTAX);
	assert_string_equal(err.msg, "invalid character: code 195");
	parse_fail("\0", 1, XU_ERR_SYNTAX);
}

static void
test_limits(void **state)
{
	struct xu_err err;
	struct xv *f, *v;
	char *buf;
	size_t n, i;

	(void)state;
	/* SXP_MAX_DEPTH nested lists are fine, one more is refused. */
	n = SXP_MAX_DEPTH;
	buf = xu_malloc(2 * n + 2);
	memset(buf, '(', n);
	memset(buf + n, ')', n);
	f = NULL;
	assert_int_equal(sxp_parse(buf, 2 * n, &f, &err), XU_OK);
	for (v = xv_at(f, 0), i = 1; xv_len(v) == 1; v = xv_at(v, 0))
		i++;
	assert_int_equal(i, SXP_MAX_DEPTH);
	xv_free(f);
	buf[n] = '(';
	memset(buf + n + 1, ')', n + 1);
	err = parse_fail(buf, 2 * n + 2, XU_ERR_TOO_BIG);
	assert_int_equal(err.line, 1);
	free(buf);

	/* Far deeper than the C stack would take if the reader recursed. */
	n = 1000000;
	buf = xu_malloc(n);
	memset(buf, '(', n);
	parse_fail(buf, n, XU_ERR_TOO_BIG);
	free(buf);

	/* Input size: the limit itself is accepted, one byte more is not. */
	n = SXP_MAX_INPUT;
	buf = xu_malloc(n + 1);
	memset(buf, ' ', n + 1);
	buf[0] = 'a';
	assert_int_equal(sxp_parse(buf, n, &f, &err), XU_OK);
	assert_int_equal(xv_len(f), 1);
	xv_free(f);
	parse_fail(buf, n + 1, XU_ERR_TOO_BIG);
	free(buf);
}

static void
test_parse_one(void **state)
{
	struct xu_err err;
	struct xv *v = NULL;
	const char *s;

	(void)state;
	s = "  # c\n (xend (a 1)) # done\n";
	assert_int_equal(sxp_parse_one(s, strlen(s), &v, &err), XU_OK);
	assert_string_equal(xv_name(v), "xend");
	assert_int_equal(v->line, 2);
	xv_free(v);

	s = "(a)\n\n(b)";
	assert_int_equal(sxp_parse_one(s, strlen(s), &v, &err), XU_ERR_SYNTAX);
	assert_null(v);
	assert_int_equal(err.line, 3);

	s = " # nothing";
	assert_int_equal(sxp_parse_one(s, strlen(s), &v, &err), XU_ERR_SYNTAX);
	assert_null(v);
	assert_non_null(strstr(err.msg, "unexpected EOF"));

	s = "(a";
	assert_int_equal(sxp_parse_one(s, strlen(s), &v, &err), XU_ERR_SYNTAX);
	assert_null(v);
}

static void
assert_printed(struct xv *v, const char *want)
{
	char *got = sxp_to_string(v);

	assert_string_equal(got, want);
	free(got);
	xv_free(v);
}

static void
test_print_strings(void **state)
{
	(void)state;
	assert_printed(xv_str("abc-1.2_x:/~Z9"), "abc-1.2_x:/~Z9");
	assert_printed(xv_str("@"), "@");
	assert_printed(xv_str("@a"), "'@a'");
	assert_printed(xv_str(""), "''");
	assert_printed(xv_str("ro root=/dev/xvda1"), "'ro root=/dev/xvda1'");
	assert_printed(xv_str("!writable_page_tables|pae_pgdir_above_4gb"),
	    "'!writable_page_tables|pae_pgdir_above_4gb'");
	assert_printed(xv_str("it's"), "\"it's\"");
	assert_printed(xv_str("it's \"x\""), "'it\\'s \"x\"'");
	assert_printed(xv_str("say \"x\""), "'say \"x\"'");
	assert_printed(xv_str("a\\b\n\t\r"), "'a\\\\b\\n\\t\\r'");
	assert_printed(xv_str("\a\x01\x1f\x7f\x80\xff"),
	    "'\\x07\\x01\\x1f\\x7f\\x80\\xff'");
	assert_printed(xv_strn("a\0b", 3), "'a\\x00b'");
	assert_printed(xv_str("caf\xc3\xa9"), "'caf\\xc3\\xa9'");
	assert_printed(xv_str("a,b"), "'a,b'");
}

static void
test_print_numbers(void **state)
{
	struct xv *l;

	(void)state;
	assert_printed(xv_int(0), "0");
	assert_printed(xv_int(-42), "-42");
	assert_printed(xv_int(INT64_MAX), "9223372036854775807");
	assert_printed(xv_double(3.0), "3.0");
	assert_printed(xv_double(-0.0), "-0.0");
	assert_printed(xv_double(0.1), "0.1");
	assert_printed(xv_double(1163083021.65), "1163083021.65");
	assert_printed(xv_double(137.189121425), "137.189121425");
	assert_printed(xv_double(1.0 / 3.0), "0.333333333333");
	assert_printed(xv_double(100000000000.0), "100000000000.0");
	assert_printed(xv_double(1e16), "1e+16");
	assert_printed(xv_double(1e-5), "1e-05");
	assert_printed(xv_double(1.5e300), "1.5e+300");
	assert_printed(xv_nil(), "None");
	assert_printed(xv_bool(true), "True");
	assert_printed(xv_bool(false), "False");

	l = xv_list();
	xv_append_pair(l, "start_time", xv_double(1163083021.65));
	xv_append_pair(l, "memory", xv_int(512));
	assert_printed(l, "((start_time 1163083021.65) (memory 512))");
}

static void
test_print_struct(void **state)
{
	struct xv *st, *l;
	char *s;

	(void)state;
	st = xv_struct();
	xv_struct_set(st, "name", xv_str("web 1"));
	xv_struct_set(st, "vcpus", xv_int(2));
	xv_struct_set(st, "nested", xv_struct_set(xv_struct(), "k", xv_nil()));
	l = xv_append(xv_append(xv_list(), xv_str("info")), st);
	s = sxp_pretty(l, 80);
	assert_string_equal(s,
	    "(info ((name 'web 1') (vcpus 2) (nested ((k None)))))\n");
	free(s);
	s = sxp_pretty(l, 30);
	assert_string_equal(s,
	    "(info\n"
	    "    ((name 'web 1')\n"
	    "        (vcpus 2)\n"
	    "        (nested ((k None)))\n"
	    "    )\n"
	    ")\n");
	free(s);
	assert_printed(l,
	    "(info ((name 'web 1') (vcpus 2) (nested ((k None)))))");
	assert_printed(xv_struct(), "()");
}

static void
assert_pretty(const char *in, int width, const char *want)
{
	struct xv *v = NULL;
	struct xu_err err;
	char *got;

	if (sxp_parse_one(in, strlen(in), &v, &err) != XU_OK)
		fail_msg("parse: %s", err.msg);
	got = sxp_pretty(v, width);
	assert_string_equal(got, want);
	free(got);
	xv_free(v);
}

static void
test_pretty_basics(void **state)
{
	(void)state;
	assert_pretty("abc", 80, "abc\n");
	assert_pretty("'a b'", 80, "'a b'\n");
	assert_pretty("()", 80, "()\n");
	assert_pretty("(a (b c) d)", 80, "(a (b c) d)\n");
	assert_pretty("(a b)", 0, "(a\n    b\n)\n");
	assert_pretty("()", 1, "(\n)\n");
	/* A first item that is a list breaks at column 1. */
	assert_pretty("((a b) c)", 4,
	    "((a\n     b\n )\n    c\n)\n");
	/* Exactly the width fits; one more breaks everything in the list. */
	assert_pretty("(abc defgh)", 11, "(abc defgh)\n");
	assert_pretty("(abc defgh)", 10, "(abc\n    defgh\n)\n");
	/* Each child list is judged at the column where it starts. */
	assert_pretty("(a (bb cc) (dddd eeee ffff))", 20,
	    "(a\n    (bb cc)\n    (dddd eeee ffff)\n)\n");
	assert_pretty("(a (bb cc) (dddd eeee ffff))", 19,
	    "(a\n    (bb cc)\n    (dddd\n        eeee\n        ffff\n    )\n)\n");
	/* A quoted atom counts with its quotes and escapes. */
	assert_pretty("(a 'b\tc')", 10, "(a 'b\\tc')\n");
	assert_pretty("(a 'b\tc')", 9, "(a\n    'b\\tc'\n)\n");
}

static const char worked_in[] =
    "(domain (domid 6) (name pvtest) (memory 420) (maxmem 420) (vcpus 2) "
    "(uuid 596a5d2171f48fb2e068e2386a5c413e) (on_poweroff destroy) "
    "(on_reboot destroy) (on_crash destroy) (image (linux "
    "(kernel /var/lib/xen/vmlinuz.2Dn2YT) "
    "(ramdisk /var/lib/xen/initrd.img.0u-Vhq) (args ' method=http://"
    "download.fedora.devel.redhat.com/pub/fedora/linux/core/test/5.91/"
    "x86_64/os  '))) (device (vbd (dev xvda) (uname file:/root/some.img) "
    "(mode w))) (device (vfb (type vnc) (vncunused 1) "
    "(vnclisten 0.0.0.0) (vncpasswd 123456) (keymap ja))))";

static const char worked_out[] =
    "(domain\n"
    "    (domid 6)\n"
    "    (name pvtest)\n"
    "    (memory 420)\n"
    "    (maxmem 420)\n"
    "    (vcpus 2)\n"
    "    (uuid 596a5d2171f48fb2e068e2386a5c413e)\n"
    "    (on_poweroff destroy)\n"
    "    (on_reboot destroy)\n"
    "    (on_crash destroy)\n"
    "    (image\n"
    "        (linux\n"
    "            (kernel /var/lib/xen/vmlinuz.2Dn2YT)\n"
    "            (ramdisk /var/lib/xen/initrd.img.0u-Vhq)\n"
    "            (args\n"
    "                ' method=http://download.fedora.devel.redhat.com/pub/"
    "fedora/linux/core/test/5.91/x86_64/os  '\n"
    "            )\n"
    "        )\n"
    "    )\n"
    "    (device (vbd (dev xvda) (uname file:/root/some.img) (mode w)))\n"
    "    (device\n"
    "        (vfb\n"
    "            (type vnc)\n"
    "            (vncunused 1)\n"
    "            (vnclisten 0.0.0.0)\n"
    "            (vncpasswd 123456)\n"
    "            (keymap ja)\n"
    "        )\n"
    "    )\n"
    ")\n";

static void
test_pretty_worked_example(void **state)
{
	struct xv *v = NULL, *again = NULL;
	struct xu_err err;
	char *s;

	(void)state;
	assert_pretty(worked_in, 80, worked_out);

	/* Its single-line form is the input we built, and it reads back. */
	assert_int_equal(sxp_parse_one(worked_out, strlen(worked_out), &v,
	    &err), XU_OK);
	s = sxp_to_string(v);
	assert_string_equal(s, worked_in);
	assert_int_equal(sxp_parse_one(s, strlen(s), &again, &err), XU_OK);
	assert_true(xv_equal(v, again));
	free(s);
	xv_free(again);
	xv_free(v);
}

static void
test_pretty_width_78_80(void **state)
{
	char in[128], want[256];
	const char *x75 = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

	(void)state;
	assert_int_equal(strlen(x75), 75);
	/* 79 columns: flat at 80 (xm list -l), broken at 78 (config.sxp). */
	snprintf(in, sizeof(in), "(ab %s)", x75 + 1);
	assert_int_equal(strlen(in), 79);
	snprintf(want, sizeof(want), "%s\n", in);
	assert_pretty(in, 80, want);
	assert_pretty(in, 79, want);
	snprintf(want, sizeof(want), "(ab\n    %s\n)\n", x75 + 1);
	assert_pretty(in, 78, want);

	/* Nested: the child starts at column 4, so 4 + 75 = 79. */
	snprintf(in, sizeof(in), "(top (c %s))", x75 + 4);
	snprintf(want, sizeof(want), "(top\n    (c %s)\n)\n", x75 + 4);
	assert_pretty(in, 80, want);
	snprintf(want, sizeof(want), "(top\n    (c\n        %s\n    )\n)\n",
	    x75 + 4);
	assert_pretty(in, 78, want);
}

/* Reads each *.sxp of the conformance corpus; returns how many, or -1
 * when the corpus (../shared beside the tree) is not there. */
static int
for_each_conformance_sxp(void (*fn)(const char *, const char *, size_t))
{
	const char *shared = getenv("XEN_SHARED_DIR"), *top;
	char dir[1024], path[2048];
	struct dirent *de;
	size_t len, nlen;
	char *data;
	DIR *d;
	int n = 0;

	if (shared != NULL)
		snprintf(dir, sizeof(dir), "%s/conformance/configs", shared);
	else {
		top = getenv("top_srcdir");
		snprintf(dir, sizeof(dir), "%s/../shared/conformance/configs",
		    top ? top : ".");
	}
	d = opendir(dir);
	if (d == NULL) {
		print_message("# no conformance corpus at %s\n", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		nlen = strlen(de->d_name);
		if (nlen < 4 || strcmp(de->d_name + nlen - 4, ".sxp") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (xu_read_file(path, SXP_MAX_INPUT, &data, &len) != XU_OK)
			fail_msg("cannot read %s", path);
		fn(de->d_name, data, len);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

/* Single-line and pretty output (widths 78, 80 and a narrow 30) of forms
 * must read back as equal values. */
static void
assert_round_trip(const struct xv *forms)
{
	static const int widths[] = { 0, 30, 78, 80 };
	struct xv *again = NULL;
	struct xu_err err;
	struct xu_buf b;
	size_t i, w;
	char *s;

	s = sxp_to_string(forms);
	if (sxp_parse_one(s, strlen(s), &again, &err) != XU_OK)
		fail_msg("re-parse of single-line output: line %d: %s",
		    err.line, err.msg);
	assert_true(xv_equal(forms, again));
	xv_free(again);
	free(s);

	for (w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		xu_buf_init(&b);
		for (i = 0; i < xv_len(forms); i++) {
			s = sxp_pretty(xv_at(forms, i), widths[w]);
			xu_buf_adds(&b, s);
			free(s);
		}
		if (sxp_parse(b.data ? b.data : "", b.len, &again, &err) !=
		    XU_OK)
			fail_msg("re-parse of pretty output: line %d: %s",
			    err.line, err.msg);
		assert_true(xv_equal(forms, again));
		xv_free(again);
		xu_buf_dispose(&b);
	}
}

static void
round_trip_file(const char *name, const char *data, size_t len)
{
	struct xv *forms = NULL;
	struct xu_err err;

	if (sxp_parse(data, len, &forms, &err) != XU_OK)
		fail_msg("%s: line %d: %s", name, err.line, err.msg);
	assert_true(xv_len(forms) > 0);
	assert_round_trip(forms);
	xv_free(forms);
}

static void
test_round_trip_conformance(void **state)
{
	int n;

	(void)state;
	if ((n = for_each_conformance_sxp(round_trip_file)) < 0)
		skip();
	assert_true(n >= 7);
}

/* The xen_config.html (vm ...) sample was itself printed by xend. */
static int doc_samples_seen;

static void
reprint_doc_sample(const char *name, const char *data, size_t len)
{
	struct xv *v = NULL;
	struct xu_err err;
	char *s;

	if (strstr(name, "L152-165") == NULL)
		return;
	doc_samples_seen++;
	assert_int_equal(sxp_parse_one(data, len, &v, &err), XU_OK);
	s = sxp_pretty(v, 80);
	assert_int_equal(strlen(s), len);
	assert_memory_equal(s, data, len);
	free(s);
	xv_free(v);
}

static void
test_pretty_doc_sample(void **state)
{
	(void)state;
	if (for_each_conformance_sxp(reprint_doc_sample) < 0)
		skip();
	assert_int_equal(doc_samples_seen, 1);
}

static uint32_t rng_state = 12345;

static uint32_t
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

static struct xv *
random_tree(int depth)
{
	static const char pool[] = "abcXYZ019.-_:/~@ '\"\\#();{}<>[]\t\n!";
	struct xv *v;
	char s[200];
	size_t len, i, n;

	if (depth > 0 && rng() % 3 == 0) {
		v = xv_list();
		n = rng() % (depth > 4 ? 12 : 4);
		for (i = 0; i < n; i++)
			xv_append(v, random_tree(depth - 1));
		return v;
	}
	len = rng() % 8 == 0 ? 20 + rng() % 180 : rng() % 10;
	for (i = 0; i < len; i++)
		s[i] = rng() % 4 == 0 ? (char)(rng() % 256) :
		    pool[rng() % (sizeof(pool) - 1)];
	return xv_strn(s, len);
}

static void
test_round_trip_generated(void **state)
{
	struct xv *forms, *deep, *v;
	int i;

	(void)state;
	for (i = 0; i < 300; i++) {
		forms = xv_list();
		while (xv_len(forms) < 3)
			xv_append(forms, random_tree(8));
		assert_round_trip(forms);
		xv_free(forms);
	}

	/* A long flat list and a deep one (the depth the reader allows). */
	forms = xv_list();
	v = xv_list();
	for (i = 0; i < 5000; i++)
		xv_append(v, xv_strf("item%d", i));
	xv_append(forms, v);
	deep = xv_append(xv_list(), xv_str("leaf"));
	for (i = 1; i < SXP_MAX_DEPTH - 1; i++)
		deep = xv_append(xv_append(xv_list(), xv_strf("n%d", i)), deep);
	xv_append(forms, deep);
	assert_round_trip(forms);
	xv_free(forms);
}

/* Odd bytes in atoms and strings survive both printers. */
static void
test_round_trip_odd_bytes(void **state)
{
	static const char in[] =
	    "(a\x04 b\x01\x7f\xff c'd e\"f\\g) 'h\x00\x04\x1b' \"\\q\\'\"";
	struct xv *forms = NULL;
	struct xu_err err;

	(void)state;
	assert_int_equal(sxp_parse(in, sizeof(in) - 1, &forms, &err), XU_OK);
	assert_int_equal(xv_len(forms), 3);
	assert_int_equal(xv_len(xv_at(forms, 0)), 4);
	assert_string_value(xv_at(xv_at(forms, 0), 3), "e\"f\\g", 5);
	assert_string_value(xv_at(forms, 1), "h\0\x04\x1b", 4);
	assert_string_value(xv_at(forms, 2), "\\q'", 3);
	assert_round_trip(forms);
	xv_free(forms);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atoms_and_lists),
		cmocka_unit_test(test_strings_and_escapes),
		cmocka_unit_test(test_bad_escapes),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_ctrl_d),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_parse_one),
		cmocka_unit_test(test_print_strings),
		cmocka_unit_test(test_print_numbers),
		cmocka_unit_test(test_print_struct),
		cmocka_unit_test(test_pretty_basics),
		cmocka_unit_test(test_pretty_worked_example),
		cmocka_unit_test(test_pretty_width_78_80),
		cmocka_unit_test(test_round_trip_conformance),
		cmocka_unit_test(test_pretty_doc_sample),
		cmocka_unit_test(test_round_trip_generated),
		cmocka_unit_test(test_round_trip_odd_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
