/* test-cgroup.c: xenhv's CPU weight and cap on cgroups, against fake
 * cgroup trees in a temporary directory: v1 (a cpu hierarchy with
 * cpu.shares) and v2 (a unified root listing cpu in cgroup.controllers),
 * the values written for credit weights and caps, thread placement, and
 * removal, including the reaping of groups whose monitor is gone. The
 * kernel's own checks (threaded mode, no internal processes) are not
 * emulated: this host runs v1, so v2 is covered here only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

struct tree {
	char root[64];
};

static void
put(const char *dir, const char *leaf, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, leaf);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *
get(const char *dir, const char *leaf)
{
	static char buf[256];
	char path[256];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, leaf);
	fp = fopen(path, "r");
	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return buf;
}

/* Files the kernel would make in a new group. */
static void
fill_v1(const char *dir)
{
	put(dir, "cpu.shares", "1024");
	put(dir, "cpu.cfs_quota_us", "-1");
	put(dir, "cpu.cfs_period_us", "100000");
	put(dir, "tasks", "");
}

static int
setup_v1(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char dir[128];

	snprintf(t->root, sizeof(t->root), "/tmp/test-cgroup.XXXXXX");
	if (mkdtemp(t->root) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s/cpu,cpuacct", t->root);
	mkdir(dir, 0755);
	fill_v1(dir);
	*state = t;
	return 0;
}

static int
setup_v2(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	snprintf(t->root, sizeof(t->root), "/tmp/test-cgroup.XXXXXX");
	if (mkdtemp(t->root) == NULL)
		return -1;
	put(t->root, "cgroup.controllers", "cpuset cpu io memory pids\n");
	put(t->root, "cgroup.subtree_control", "");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tree *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->root);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

static void
test_values(void **state)
{
	(void)state;
	assert_int_equal(cg_v1_shares(256), 1024);
	assert_int_equal(cg_v1_shares(1), 4);
	assert_int_equal(cg_v1_shares(65535), 262140);
	assert_int_equal(cg_v2_weight(256), 100);
	assert_int_equal(cg_v2_weight(512), 200);
	assert_int_equal(cg_v2_weight(1), 1);
	assert_int_equal(cg_v2_weight(65535), 10000);
	assert_int_equal(cg_quota_us(0), -1);
	assert_int_equal(cg_quota_us(25), 25000);
	assert_int_equal(cg_quota_us(150), 150000);
}

static void
test_detect(void **state)
{
	struct tree *t = *state;
	char *dir = NULL, none[80];

	assert_int_equal(cg_detect(t->root, &dir), CG_V1);
	assert_non_null(strstr(dir, "/cpu,cpuacct"));
	free(dir);
	snprintf(none, sizeof(none), "%s/nothing-here", t->root);
	assert_int_equal(cg_detect(none, &dir), CG_NONE);
	assert_null(dir);
	assert_string_equal(cg_version_name(CG_V1), "v1");
	assert_string_equal(cg_version_name(CG_V2), "v2");
	assert_string_equal(cg_version_name(CG_NONE), "none");
}

static void
test_v1(void **state)
{
	struct tree *t = *state;
	struct cgroup cg;
	char err[256], dir[160];

	assert_int_equal(cg_create(&cg, t->root, "xenhv-42", 1000, err, sizeof(err)), 0);
	assert_int_equal(cg.version, CG_V1);
	snprintf(dir, sizeof(dir), "%s/cpu,cpuacct/xenhv-42", t->root);
	assert_string_equal(cg.dir, dir);
	assert_null(cg.top);
	fill_v1(cg.dir);
	assert_int_equal(cg_add_thread(&cg, 1001, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "tasks"), "1001");
	assert_int_equal(cg_set_weight(&cg, 512, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "cpu.shares"), "2048");
	assert_int_equal(cg_set_cap(&cg, 25, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "cpu.cfs_quota_us"), "25000");
	assert_string_equal(get(dir, "cpu.cfs_period_us"), "100000");
	assert_int_equal(cg_set_cap(&cg, 0, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "cpu.cfs_quota_us"), "-1");
	/* tid 0 would name the writer itself: refused */
	assert_int_equal(cg_add_thread(&cg, 0, err, sizeof(err)), -1);
	/* the kernel empties a group's files; here they must go first */
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -f %s/*", dir);
		assert_int_equal(system(cmd), 0);
	}
	cg_remove(&cg);
	assert_int_equal(access(dir, F_OK), -1);
	cg_remove(&cg);		/* twice is safe */
}

static void
test_v2(void **state)
{
	struct tree *t = *state;
	struct cgroup cg;
	char err[256], top[160], dir[170];

	assert_int_equal(cg_create(&cg, t->root, "xenhv-7", 77, err, sizeof(err)), 0);
	assert_int_equal(cg.version, CG_V2);
	snprintf(top, sizeof(top), "%s/xenhv-7", t->root);
	snprintf(dir, sizeof(dir), "%s/vcpus", top);
	assert_string_equal(cg.top, top);
	assert_string_equal(cg.dir, dir);
	/* the controller enabled down to the group, QEMU moved in, the
	 * vCPU group threaded */
	assert_string_equal(get(t->root, "cgroup.subtree_control"), "+cpu");
	assert_string_equal(get(top, "cgroup.procs"), "77");
	assert_string_equal(get(top, "cgroup.subtree_control"), "+cpu");
	assert_string_equal(get(dir, "cgroup.type"), "threaded");
	assert_int_equal(cg_add_thread(&cg, 78, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "cgroup.threads"), "78");
	assert_int_equal(cg_set_weight(&cg, 256, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "cpu.weight"), "100");
	assert_int_equal(cg_set_cap(&cg, 25, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "cpu.max"), "25000 100000");
	assert_int_equal(cg_set_cap(&cg, 0, err, sizeof(err)), 0);
	assert_string_equal(get(dir, "cpu.max"), "max 100000");
	cg_remove(&cg);
}

static void
test_missing(void **state)
{
	struct tree *t = *state;
	struct cgroup cg;
	char err[256], root[96];

	snprintf(root, sizeof(root), "%s/none", t->root);
	assert_int_equal(cg_create(&cg, root, "xenhv-1", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no cgroup cpu controller under"));
	assert_int_equal(cg_set_weight(&cg, 300, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "weights cannot be set"));
	assert_int_equal(cg_set_cap(&cg, 30, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "caps cannot be set"));
	cg_remove(&cg);
}

static void
test_reap(void **state)
{
	struct tree *t = *state;
	char dead[160], alive[160];

	/* pid 2^22 + 1 is above pid_max's ceiling: never alive */
	snprintf(dead, sizeof(dead), "%s/cpu,cpuacct/xenhv-4194305", t->root);
	snprintf(alive, sizeof(alive), "%s/cpu,cpuacct/xenhv-%d", t->root, (int)getpid());
	assert_int_equal(mkdir(dead, 0755), 0);
	assert_int_equal(mkdir(alive, 0755), 0);
	cg_reap_stale(t->root, "xenhv-");
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(alive, F_OK), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test_setup_teardown(test_detect, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v1, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_v2, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup_v1, teardown),
		cmocka_unit_test_setup_teardown(test_reap, setup_v1, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
