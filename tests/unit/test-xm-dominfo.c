/* test-xm-dominfo.c: how xm reads xend's domain SXPs (the fields and the
 * defaults of classic parse_doms_info) and the one-word state of
 * xm domstate, including the classic bug it does not repeat. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dominfo.h"
#include "sxp.h"
#include "xm.h"

/* dominfo.c reports through these; the tests do not reach them. */
void
xm_error(const char *fmt, ...)
{
	(void)fmt;
}

static struct xv *
parse(const char *text)
{
	struct xu_err err = { 0 };
	struct xv *v = NULL;

	assert_int_equal(sxp_parse_one(text, strlen(text), &v, &err), XU_OK);
	return v;
}

/* A running domain is on a CPU, its first letter is r: classic xm tested
 * "index > 0" and printed nothing for it. */
static void
test_state_running(void **state)
{
	(void)state;
	assert_string_equal(xm_state_word("r-----", false), "running");
	assert_string_equal(xm_state_word("------", false), "running");
}

static void
test_state_order(void **state)
{
	(void)state;
	assert_string_equal(xm_state_word("-b----", false), "idle");
	assert_string_equal(xm_state_word("--p---", false), "paused");
	assert_string_equal(xm_state_word("--p---", true), "paused by admin");
	assert_string_equal(xm_state_word("---s--", false), "shutoff");
	assert_string_equal(xm_state_word("----c-", false), "crashed");
	assert_string_equal(xm_state_word("-----d", false), "shutdown");
	/* the classic order: s before b, b before d, d before r */
	assert_string_equal(xm_state_word("-b-s--", false), "shutoff");
	assert_string_equal(xm_state_word("-b---d", false), "idle");
	assert_string_equal(xm_state_word("r----d", false), "shutdown");
	assert_string_equal(xm_state_word("r-p---", false), "running");
	/* no state at all: an inactive managed domain */
	assert_string_equal(xm_state_word("", false), "shutoff");
	assert_string_equal(xm_state_word(NULL, false), "shutoff");
}

/* What `xm list` shows comes from these fields; an SXP read from text
 * has every number as a string. */
static void
test_parse_text(void **state)
{
	struct xv *d = parse("(domain (domid 3) (uuid 1b4e28ba-2fa1-11d2-883f-"
	    "0016d3cca427) (name web1) (vcpus 2) (online_vcpus 1) (memory 512)"
	    " (state -b----) (cpu_time 12.34) (start_time 1700000000.5))");
	struct xm_dominfo di;

	(void)state;
	xm_dominfo_parse(d, &di);
	assert_string_equal(di.name, "web1");
	assert_string_equal(di.domid, "3");
	assert_int_equal(di.id, 3);
	assert_string_equal(di.uuid, "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
	assert_string_equal(di.state, "-b----");
	assert_int_equal(di.memory, 512);
	assert_int_equal(di.vcpus, 1);		/* online, not configured */
	assert_true(di.cpu_time > 12.33 && di.cpu_time < 12.35);
	assert_true(di.start_time > 1700000000.4 && di.start_time < 1700000000.6);
	xv_free(d);
}

/* Over XML-RPC numbers arrive as ints and doubles. */
static void
test_parse_typed(void **state)
{
	struct xv *d = xv_list();
	struct xm_dominfo di;

	(void)state;
	xv_append(d, xv_str("domain"));
	xv_append_pair(d, "domid", xv_int(0));
	xv_append_pair(d, "name", xv_str("Domain-0"));
	xv_append_pair(d, "memory", xv_int(1024));
	xv_append_pair(d, "vcpus", xv_int(2));
	xv_append_pair(d, "cpu_time", xv_double(1234.56));
	xm_dominfo_parse(d, &di);
	assert_string_equal(di.domid, "0");
	assert_int_equal(di.id, 0);
	assert_int_equal(di.memory, 1024);
	assert_int_equal(di.vcpus, 2);		/* no online_vcpus: vcpus */
	assert_true(di.cpu_time > 1234.5 && di.cpu_time < 1234.6);
	assert_true(di.start_time < 0);
	xv_free(d);
}

/* Classic defaults: name ??, empty domid and state, zeros. */
static void
test_parse_defaults(void **state)
{
	struct xv *d = parse("(domain (memory lots) (cpu_time 1.5x) "
	    "(vcpus 1e300) (start_time nan))");
	struct xm_dominfo di;

	(void)state;
	xm_dominfo_parse(d, &di);
	assert_string_equal(di.name, "??");
	assert_string_equal(di.domid, "");
	assert_int_equal(di.id, -1);
	assert_null(di.uuid);
	assert_string_equal(di.state, "");
	assert_int_equal(di.memory, 0);
	assert_int_equal(di.vcpus, 0);
	assert_true(di.cpu_time == 0.0);
	assert_true(di.start_time < 0);
	xv_free(d);
	xm_dominfo_parse(NULL, &di);
	assert_string_equal(di.name, "??");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_running),
		cmocka_unit_test(test_state_order),
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_parse_typed),
		cmocka_unit_test(test_parse_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
