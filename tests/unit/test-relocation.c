/* test-relocation.c: the relocation protocol's first lines and messages
 * (every malformed input refused with words fit for the peer), and the
 * migration records of the state store (kept after the end; unfinished
 * ones found for reconciliation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relocation-proto.h"
#include "store.h"
#include "xv.h"

static void
test_hello(void **state)
{
	struct reloc_hello h;
	struct xu_err err = { 0 };
	char id[RELOC_ID_LEN + 1], *line;

	reloc_new_id(id);
	assert_true(reloc_id_valid(id));
	line = reloc_hello_line(RELOC_CH_CONTROL, NULL);
	assert_string_equal(line, "xend-relocation 1 control\n");
	line[strlen(line) - 1] = '\0';
	assert_int_equal(reloc_hello_parse(line, &h, &err), XU_OK);
	assert_int_equal(h.channel, RELOC_CH_CONTROL);
	assert_int_equal(h.version, 1);
	free(line);

	line = reloc_hello_line(RELOC_CH_DATA, id);
	line[strlen(line) - 1] = '\0';
	assert_int_equal(reloc_hello_parse(line, &h, &err), XU_OK);
	assert_int_equal(h.channel, RELOC_CH_DATA);
	assert_string_equal(h.id, id);
	free(line);

	assert_int_equal(reloc_hello_parse("receive", &h, &err), XU_OK);
	assert_int_equal(h.channel, RELOC_CH_CLASSIC);
	assert_int_equal(reloc_hello_parse("sslreceive", &h, &err), XU_OK);
	assert_int_equal(h.channel, RELOC_CH_CLASSIC);
}

static void
test_hello_refused(void **state)
{
	static const char *const bad[] = {
		"", "GET / HTTP/1.1", "xend-relocation", "xend-relocation 1",
		"xend-relocation x control", "xend-relocation 1 controlx",
		"xend-relocation 1 data", "xend-relocation 1 data 123",
		"xend-relocation 1 data 0123456789abcdef0123456789ABCDEF",
		"xend-relocation 1 data 0123456789abcdef0123456789abcdef0",
		"xend-relocation 99999999999 control",
	};
	struct reloc_hello h;
	struct xu_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(reloc_hello_parse(bad[i], &h, &err), XU_OK);
	assert_int_equal(reloc_hello_parse("xend-relocation 2 control", &h,
	    &err), XU_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "version 2 is not supported"));
	assert_non_null(strstr(err.msg, "speaks 1"));
}

static void
test_messages(void **state)
{
	struct reloc_msg m;
	struct xu_err err = { 0 };
	char id[RELOC_ID_LEN + 1], *line;

	reloc_new_id(id);
	line = reloc_line_simple("ready", id);
	assert_int_equal(reloc_msg_parse(line, strlen(line) - 1, &m, &err), XU_OK);
	assert_string_equal(m.name, "ready");
	assert_string_equal(reloc_msg_id(&m), id);
	reloc_msg_dispose(&m);
	free(line);

	line = reloc_line_err(RELOC_ERR_REFUSED, "Domain '%s' exists", "a b");
	assert_int_equal(reloc_msg_parse(line, strlen(line) - 1, &m, &err), XU_OK);
	assert_string_equal(m.name, "err");
	assert_string_equal(reloc_msg_str(&m, "type", ""), "refused");
	assert_string_equal(reloc_err_text(&m), "Domain 'a b' exists");
	reloc_msg_dispose(&m);
	free(line);

	assert_int_equal(reloc_msg_parse("(migrate (version 1) (live 1))", 30,
	    &m, &err), XU_OK);
	assert_int_equal(reloc_msg_int(&m, "version"), 1);
	assert_int_equal(reloc_msg_int(&m, "missing"), -1);
	assert_null(reloc_msg_id(&m));
	reloc_msg_dispose(&m);

	assert_int_not_equal(reloc_msg_parse("atom", 4, &m, &err), XU_OK);
	assert_int_not_equal(reloc_msg_parse("(a) (b)", 7, &m, &err), XU_OK);
	assert_int_not_equal(reloc_msg_parse("((a))", 5, &m, &err), XU_OK);
	assert_int_not_equal(reloc_msg_parse("(a", 2, &m, &err), XU_OK);
	assert_int_not_equal(reloc_msg_parse("(id (id x))", RELOC_MSG_MAX + 1,
	    &m, &err), XU_OK);
}

static void
test_records(void **state)
{
	char dir[] = "/tmp/test-relocation.XXXXXX", path[64];
	struct store *st = NULL;
	struct store_mig m, got, *v = NULL;
	struct xu_err err = { 0 };
	size_t n = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/xend.db", dir);
	assert_int_equal(store_open(&st, path, &err), XU_OK);

	store_mig_init(&m);
	reloc_new_id(m.id);
	snprintf(m.direction, sizeof(m.direction), "out");
	snprintf(m.uuid, sizeof(m.uuid), "6f4dd0f1-50f5-4d73-9c37-0f3b3b3b3b3b");
	m.name = strdup("web1");
	m.peer = strdup("10.0.0.2:8002");
	m.live = true;
	m.step = strdup(RELOC_STEP_STREAMING);
	m.started = 1000.5;
	m.bytes = 5000000000LL;
	assert_int_equal(store_mig_put(st, &m), XU_OK);
	assert_int_equal(store_mig_unfinished(st, &v, &n), XU_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].step, "streaming");
	assert_int_equal(v[0].bytes, 5000000000LL);
	assert_int_equal(v[0].downtime_ms, -1);
	store_mig_dispose(&v[0]);
	free(v);

	free(m.step);
	m.step = strdup(RELOC_STEP_DONE);
	m.ended = 1001.5;
	m.downtime_ms = 42;
	assert_int_equal(store_mig_put(st, &m), XU_OK);
	assert_int_equal(store_mig_unfinished(st, &v, &n), XU_OK);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(store_mig_last(st, m.uuid, &got), XU_OK);
	assert_string_equal(got.id, m.id);
	assert_string_equal(got.peer, "10.0.0.2:8002");
	assert_true(got.live);
	assert_int_equal(got.downtime_ms, 42);
	assert_true(got.ended > 1001);
	store_mig_dispose(&got);
	assert_int_equal(store_mig_get(st, "0123456789abcdef0123456789abcdef",
	    &got), XU_ERR_NOT_FOUND);

	store_mig_dispose(&m);
	store_close(st);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_hello_refused),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
