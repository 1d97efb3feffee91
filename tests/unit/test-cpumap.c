/* test-cpumap.c: CPU lists as xm, xend and xenhv read them ("0-3,^1",
 * "all") and print them ("0-3,5"), and what they refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cpumap.h"

static char *
roundtrip(const char *in, unsigned all)
{
	struct xu_cpumap m;
	char why[160];

	assert_true(xu_cpumap_parse(in, all, &m, why, sizeof(why)));
	return xu_cpumap_format(&m);
}

static void
expect(const char *in, unsigned all, const char *out)
{
	char *s = roundtrip(in, all);

	assert_string_equal(s, out);
	free(s);
}

static void
refused(const char *in, const char *why_part)
{
	struct xu_cpumap m;
	char why[160];

	assert_false(xu_cpumap_parse(in, 4, &m, why, sizeof(why)));
	assert_non_null(strstr(why, why_part));
}

static void
test_parse(void **state)
{
	(void)state;
	expect("0", 0, "0");
	expect("3,1,2", 0, "1-3");
	expect("0-3,^1", 0, "0,2-3");
	expect("all", 4, "0-3");
	expect("all,^0", 2, "1");
	expect("0-7,^3,9", 0, "0-2,4-7,9");
	expect("1023", 0, "1023");
	expect("^0", 0, "");
}

static void
test_refused(void **state)
{
	(void)state;
	refused("", "empty");
	refused("0,", "empty item");
	refused("3-1", "end is below its start");
	refused("1024", "below 1024");
	refused("^1-2", "cannot leave out a range");
	refused("a", "is not a CPU number");
	refused("1-", "is not a CPU range");
	refused("1x", "is not a CPU, a range");
}

static void
test_bits(void **state)
{
	struct xu_cpumap m;

	(void)state;
	xu_cpumap_fill(&m, 70);
	assert_int_equal(xu_cpumap_count(&m), 70);
	assert_true(xu_cpumap_test(&m, 69));
	xu_cpumap_limit(&m, 2);
	assert_int_equal(xu_cpumap_count(&m), 2);
	xu_cpumap_clear(&m, 0);
	xu_cpumap_clear(&m, 1);
	assert_true(xu_cpumap_empty(&m));
	assert_false(xu_cpumap_test(&m, 5000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
