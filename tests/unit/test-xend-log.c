/* test-xend-log.c: xend's log: the classic line format, the level filter,
 * rotation keeping five backups, reopening and the dmesg ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test-xend-log.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/xend.log", f->dir);
	log_ring_clear();
	log_set_rotate_bytes(0);
	log_set_level(LOG_LVL_DEBUG);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	log_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static char *
slurp(const char *path)
{
	char *data = NULL;
	size_t len;

	if (xu_read_file(path, 16u << 20, &data, &len) != XU_OK)
		return NULL;
	return data;
}

static off_t
size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void
test_format(void **state)
{
	struct fixture *f = *state;
	char *text, expect[64];
	regex_t re;

	assert_int_equal(log_open(f->path, LOG_LVL_DEBUG, NULL), XU_OK);
	log_info("Xend Daemon started");
	log_warn("disk %s is missing", "/dev/x");
	text = slurp(f->path);
	assert_non_null(text);
	assert_int_equal(regcomp(&re,
	    "^\\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]+\\] "
	    "INFO \\(test-xend-log:[0-9]+\\) Xend Daemon started\n"
	    "\\[[^]]+\\] WARNING \\(test-xend-log:[0-9]+\\) disk /dev/x is missing\n$",
	    REG_EXTENDED), 0);
	assert_int_equal(regexec(&re, text, 0, NULL, 0), 0);
	regfree(&re);
	snprintf(expect, sizeof(expect), " %ld] INFO", (long)getpid());
	assert_non_null(strstr(text, expect));
	free(text);
}

static void
test_level_filter(void **state)
{
	struct fixture *f = *state;
	char *text;

	assert_int_equal(log_level_parse("warning"), LOG_LVL_WARNING);
	assert_int_equal(log_level_parse("CRITICAL"), LOG_LVL_CRITICAL);
	assert_int_equal(log_level_parse("LOUD"), -1);
	assert_int_equal(log_open(f->path, LOG_LVL_WARNING, NULL), XU_OK);
	log_debug("hidden debug");
	log_info("hidden info");
	log_error("shown error");
	text = slurp(f->path);
	assert_null(strstr(text, "hidden"));
	assert_non_null(strstr(text, "ERROR"));
	free(text);
	text = log_ring_text();
	assert_null(strstr(text, "hidden"));
	assert_non_null(strstr(text, "shown error"));
	free(text);

	/* debug lines reach the file, never the dmesg ring */
	log_ring_clear();
	log_set_level(LOG_LVL_DEBUG);
	log_debug("chatter");
	text = slurp(f->path);
	assert_non_null(strstr(text, "chatter"));
	free(text);
	text = log_ring_text();
	assert_string_equal(text, "");
	free(text);
}

static void
test_rotation(void **state)
{
	struct fixture *f = *state;
	char p[192], *text;
	int i;

	/* the real size: a little over 7 MiB of lines gives five full
	 * backups and drops the oldest */
	assert_int_equal(log_open(f->path, LOG_LVL_DEBUG, NULL), XU_OK);
	for (i = 0; i < 7 * 1024 * 8; i++)
		log_debug("line %06d %0100d", i, 0);
	assert_true(size_of(f->path) <= (off_t)LOG_ROTATE_BYTES);
	for (i = 1; i <= LOG_ROTATE_BACKUPS; i++) {
		snprintf(p, sizeof(p), "%s.%d", f->path, i);
		assert_true(size_of(p) > (off_t)LOG_ROTATE_BYTES - 200);
		assert_true(size_of(p) <= (off_t)LOG_ROTATE_BYTES);
	}
	snprintf(p, sizeof(p), "%s.%d", f->path, LOG_ROTATE_BACKUPS + 1);
	assert_int_equal(size_of(p), -1);
	/* the newest line is in the live file, the oldest are gone */
	text = slurp(f->path);
	assert_non_null(strstr(text, "line 057343 "));
	free(text);
	snprintf(p, sizeof(p), "%s.%d", f->path, LOG_ROTATE_BACKUPS);
	text = slurp(p);
	assert_null(strstr(text, "line 000000 "));
	free(text);
}

static void
test_reopen(void **state)
{
	struct fixture *f = *state;
	char moved[192], *text;

	assert_int_equal(log_open(f->path, LOG_LVL_INFO, NULL), XU_OK);
	log_info("before");
	snprintf(moved, sizeof(moved), "%s.old", f->path);
	assert_int_equal(rename(f->path, moved), 0);
	assert_int_equal(log_reopen(NULL), XU_OK);
	log_info("after");
	text = slurp(f->path);
	assert_non_null(strstr(text, "after"));
	assert_null(strstr(text, "before"));
	free(text);
}

static void
test_open_fails(void **state)
{
	struct fixture *f = *state;
	struct xu_err err = { 0 };
	char p[192];

	snprintf(p, sizeof(p), "%s/no/such/dir/xend.log", f->dir);
	assert_int_equal(log_open(p, LOG_LVL_INFO, &err), XU_ERR_IO);
	assert_non_null(strstr(err.msg, p));
}

static void
test_ring(void **state)
{
	char *text;
	int i;

	log_info("first line");
	text = log_ring_text();
	assert_non_null(strstr(text, "INFO"));
	assert_non_null(strstr(text, "first line\n"));
	free(text);
	log_ring_clear();
	text = log_ring_text();
	assert_string_equal(text, "");
	free(text);

	/* bounded, whole lines, newest kept */
	for (i = 0; i < 5000; i++)
		log_info("ring %05d %080d", i, 0);
	text = log_ring_text();
	assert_true(strlen(text) <= LOG_RING_BYTES);
	assert_true(strlen(text) > LOG_RING_BYTES / 2);
	assert_int_equal(text[0], '[');
	assert_non_null(strstr(text, "ring 04999 "));
	assert_null(strstr(text, "ring 00000 "));
	free(text);
}

static void
xc_says(const struct xc_logger *l, enum xc_loglevel level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	l->log(l->opaque, level, fmt, ap);
	va_end(ap);
}

static void
test_xc_adapter(void **state)
{
	struct fixture *f = *state;
	char *text;

	assert_int_equal(log_open(f->path, LOG_LVL_INFO, NULL), XU_OK);
	xc_says(log_xc_logger(), XC_LOG_DEBUG, "quiet %d", 1);
	xc_says(log_xc_logger(), XC_LOG_ERROR, "qemu said %s", "no");
	text = slurp(f->path);
	assert_null(strstr(text, "quiet"));
	assert_non_null(strstr(text, "] ERROR (xc:0) qemu said no\n"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xc_adapter, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
