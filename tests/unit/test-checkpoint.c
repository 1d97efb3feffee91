/* test-checkpoint.c: the saved-domain file's header: written and read
 * back, and every way a file is refused before a restore creates
 * anything: foreign, truncated, unfinished, corrupt, a newer format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "sxp.h"

static char path[64];

static int
setup(void **state)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/test-checkpoint.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	*state = (void *)(intptr_t)fd;
	return 0;
}

static int
teardown(void **state)
{
	close((int)(intptr_t)*state);
	unlink(path);
	return 0;
}

static struct xv *
vm(void)
{
	struct xv *v = NULL;
	struct xu_err err;
	const char *s = "(vm (name s1) (memory 96) (uuid 6f1d1c4e-9a43-4bb8-9c1a-0d2c56f4a0b1))";

	assert_int_equal(sxp_parse_one(s, strlen(s), &v, &err), XU_OK);
	return v;
}

/* A whole file: header, a fake engine stream of n bytes, finished. */
static off_t
write_file(int fd, size_t n, bool finish)
{
	struct xu_err err = { 0 };
	struct xv *v = vm();
	off_t len_off, stream_off;
	char *stream = calloc(1, n);

	assert_int_equal(ckpt_write_header(fd, v, &len_off, &err), XU_OK);
	stream_off = lseek(fd, 0, SEEK_CUR);
	memcpy(stream, "QEVM\0\0\0\3", 8);
	assert_int_equal(write(fd, stream, n), (ssize_t)n);
	if (finish)
		assert_int_equal(ckpt_finish(fd, len_off, stream_off, &err), XU_OK);
	free(stream);
	xv_free(v);
	return stream_off;
}

static int
reread(int fd, struct ckpt_info *info, struct xu_err *err)
{
	int rfd = open(path, O_RDONLY), rc;

	(void)fd;
	memset(err, 0, sizeof(*err));
	rc = ckpt_read(rfd, path, info, err);
	close(rfd);
	return rc;
}

static void
test_roundtrip(void **state)
{
	int fd = (int)(intptr_t)*state;
	struct ckpt_info info;
	struct xu_err err;
	off_t off = write_file(fd, 4096, true);
	struct xv *v = vm();
	char head[17] = "";

	assert_int_equal(pread(fd, head, 16, 0), 16);
	assert_string_equal(head, "LinuxGuestRecord");
	assert_int_equal(reread(fd, &info, &err), XU_OK);
	assert_true(xv_equal(info.vm, v));
	assert_int_equal(info.version, CKPT_VERSION);
	assert_int_equal(info.stream_len, 4096);
	assert_int_equal(info.stream_off, off);
	ckpt_info_dispose(&info);
	xv_free(v);
}

static void
test_truncated(void **state)
{
	int fd = (int)(intptr_t)*state;
	struct ckpt_info info;
	struct xu_err err;

	write_file(fd, 4096, true);
	assert_int_equal(ftruncate(fd, lseek(fd, 0, SEEK_END) - 100), 0);
	assert_int_equal(reread(fd, &info, &err), XU_ERR_INVALID);
	assert_non_null(strstr(err.msg, "is truncated: 100 of its 4096 bytes"));
	assert_null(info.vm);
	/* cut inside the config */
	assert_int_equal(ftruncate(fd, 30), 0);
	assert_int_equal(reread(fd, &info, &err), XU_ERR_INVALID);
	assert_non_null(strstr(err.msg, "is truncated: it ends in the config"));
}

static void
test_unfinished(void **state)
{
	int fd = (int)(intptr_t)*state;
	struct ckpt_info info;
	struct xu_err err;

	write_file(fd, 4096, false);
	assert_int_equal(reread(fd, &info, &err), XU_ERR_INVALID);
	assert_non_null(strstr(err.msg, "is incomplete: its save did not finish"));
}

static void
test_foreign(void **state)
{
	int fd = (int)(intptr_t)*state;
	struct ckpt_info info;
	struct xu_err err;

	assert_int_equal(write(fd, "#!/bin/sh\necho hello\n", 21), 21);
	assert_int_equal(reread(fd, &info, &err), XU_ERR_INVALID);
	assert_non_null(strstr(err.msg, "is not a saved domain (no LinuxGuestRecord"));
	assert_int_equal(ftruncate(fd, 3), 0);
	assert_int_equal(reread(fd, &info, &err), XU_ERR_INVALID);
	assert_non_null(strstr(err.msg, "is not a saved domain"));
}

static void
patch(int fd, off_t at, const void *data, size_t n)
{
	assert_int_equal(pwrite(fd, data, n, at), (ssize_t)n);
}

static void
test_corrupt(void **state)
{
	int fd = (int)(intptr_t)*state;
	struct ckpt_info info;
	struct xu_err err;
	off_t off = write_file(fd, 64, true);

	/* classic xend's libxc stream follows the config: another format */
	patch(fd, off - CKPT_HEADER_LEN, "LinuxGue", 8);
	assert_int_equal(reread(fd, &info, &err), XU_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "was saved by another toolstack"));
	patch(fd, off - CKPT_HEADER_LEN, CKPT_MAGIC, 8);
	patch(fd, off - CKPT_HEADER_LEN + 8, "\0\0\0\x09", 4);
	assert_int_equal(reread(fd, &info, &err), XU_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "has format version 9"));
	/* a config length beyond the limit */
	patch(fd, 16, "\x7f\0\0\0", 4);
	assert_int_equal(reread(fd, &info, &err), XU_ERR_INVALID);
	assert_non_null(strstr(err.msg, "is corrupt: a config of"));
	/* a config that is not a (vm ...) */
	patch(fd, 16, "\0\0\0\x05", 4);
	patch(fd, 20, "(vm ((", 5);
	assert_int_equal(reread(fd, &info, &err), XU_ERR_INVALID);
	assert_non_null(strstr(err.msg, "is corrupt: its config is not a (vm ...) SXP"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfinished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
