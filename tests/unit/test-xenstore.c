/* test-xenstore.c: the xenstore's rules over a real state store: nodes and
 * their implicit parents, Xen's permissions, transactions (own changes
 * visible, conflicts EAGAIN, unrelated ones fine), watches (children,
 * removals, relative paths, nothing for a rolled-back change) and the
 * disk lock table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "xenstore.h"

struct fixture {
	char dir[64];
	struct store *st;
	struct xenstore *xs;
	char events[4096];	/* "path token;" ... */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct xu_err err = { 0 };
	char path[128];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test-xenstore.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/xend.db", f->dir);
	if (store_open(&f->st, path, &err) != XU_OK)
		return -1;
	f->xs = xenstore_new(f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	xenstore_free(f->xs);
	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static const struct xs_caller dom5 = { 5, false };
static const struct xs_caller dom6 = { 6, false };

static char *
rd(struct fixture *f, const struct xs_caller *c, struct xs_txn *t,
    const char *path, int *rc)
{
	char *v = NULL;
	size_t len;

	*rc = xenstore_read(f->xs, c, t, path, &v, &len);
	return v;
}

static void
wr(struct fixture *f, const struct xs_caller *c, struct xs_txn *t,
    const char *path, const char *v, int want)
{
	assert_int_equal(xenstore_write(f->xs, c, t, path, v, strlen(v)), want);
}

static void
check_value(struct fixture *f, const char *path, const char *want)
{
	int rc;
	char *v = rd(f, &xs_dom0, NULL, path, &rc);

	if (want == NULL) {
		assert_int_equal(rc, ENOENT);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(v, want);
	free(v);
}

static char *
children(struct fixture *f, struct xs_txn *t, const char *path)
{
	static char buf[512];
	char **names;
	size_t n, i;

	buf[0] = '\0';
	assert_int_equal(xenstore_directory(f->xs, &xs_dom0, t, path, &names, &n), 0);
	for (i = 0; i < n; i++) {
		strcat(buf, names[i]);
		strcat(buf, i + 1 < n ? "," : "");
	}
	xenstore_names_free(names, n);
	return buf;
}

static void
test_nodes(void **state)
{
	struct fixture *f = *state;

	wr(f, &xs_dom0, NULL, "/a/b/c", "hello", 0);
	check_value(f, "/a/b/c", "hello");
	check_value(f, "/a/b", "");	/* made on the way */
	wr(f, &xs_dom0, NULL, "/a/z", "1", 0);
	wr(f, &xs_dom0, NULL, "/a/m", "2", 0);
	assert_string_equal(children(f, NULL, "/a"), "b,z,m");	/* made in order */
	assert_int_equal(xenstore_mkdir(f->xs, &xs_dom0, NULL, "/a/b"), 0);
	check_value(f, "/a/b/c", "hello");	/* mkdir of a node keeps it */
	assert_int_equal(xenstore_rm(f->xs, &xs_dom0, NULL, "/a/b"), 0);
	check_value(f, "/a/b/c", NULL);
	check_value(f, "/a/b", NULL);
	assert_int_equal(xenstore_rm(f->xs, &xs_dom0, NULL, "/a/nothing"), 0);
	assert_int_equal(xenstore_rm(f->xs, &xs_dom0, NULL, "/nope/nothing"), ENOENT);
	assert_int_equal(xenstore_rm(f->xs, &xs_dom0, NULL, "/"), EINVAL);
	/* values are bytes */
	assert_int_equal(xenstore_write(f->xs, &xs_dom0, NULL, "/bin", "a\0b", 3), 0);
	{
		char *v;
		size_t len;

		assert_int_equal(xenstore_read(f->xs, &xs_dom0, NULL, "/bin", &v,
		    &len), 0);
		assert_int_equal(len, 3);
		assert_memory_equal(v, "a\0b", 3);
		free(v);
	}
}

static void
test_canon(void **state)
{
	char *p;

	assert_int_equal(xenstore_canon(&dom5, "device/vif", false, &p), 0);
	assert_string_equal(p, "/local/domain/5/device/vif");
	free(p);
	assert_int_equal(xenstore_canon(&dom5, "/a//b", false, &p), EINVAL);
	assert_int_equal(xenstore_canon(&dom5, "/a/b/", false, &p), EINVAL);
	assert_int_equal(xenstore_canon(&dom5, "/a b", false, &p), EINVAL);
	assert_int_equal(xenstore_canon(&dom5, "@releaseDomain", false, &p), EINVAL);
	assert_int_equal(xenstore_canon(&dom5, "@releaseDomain", true, &p), 0);
	free(p);
}

static void
test_permissions(void **state)
{
	struct fixture *f = *state;
	struct xsw_perm give[] = { { 6, XSW_PERM_NONE } };
	struct xsw_perm *p;
	size_t n;
	int rc;
	char *v;

	wr(f, &xs_dom0, NULL, "/local/domain/5/name", "five", 0);
	assert_int_equal(xenstore_set_perms_str(f->xs, "/local/domain/5", "n5"), 0);
	assert_int_equal(xenstore_set_perms_str(f->xs, "/local/domain/5/name",
	    "n5 r6"), 0);
	/* the owner reads and writes; another domain only what it is given */
	v = rd(f, &dom5, NULL, "/local/domain/5/name", &rc);
	assert_int_equal(rc, 0);
	free(v);
	v = rd(f, &dom6, NULL, "/local/domain/5/name", &rc);
	assert_int_equal(rc, 0);
	free(v);
	wr(f, &dom6, NULL, "/local/domain/5/name", "six", EACCES);
	wr(f, &dom6, NULL, "/local/domain/5/new", "x", EACCES);
	assert_int_equal(xenstore_rm(f->xs, &dom6, NULL, "/local/domain/5/name"),
	    EACCES);
	/* what a domain makes is its own, inheriting the rest */
	wr(f, &dom5, NULL, "/local/domain/5/data/x", "1", 0);
	assert_int_equal(xenstore_get_perms(f->xs, &xs_dom0, NULL,
	    "/local/domain/5/data/x", &p, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].id, 5);
	assert_int_equal(p[0].perm, XSW_PERM_NONE);
	free(p);
	v = rd(f, &dom6, NULL, "/local/domain/5/data/x", &rc);
	assert_int_equal(rc, EACCES);
	/* a domain may not give its nodes away; dom0 may */
	assert_int_equal(xenstore_set_perms(f->xs, &dom5, NULL,
	    "/local/domain/5/data/x", give, 1), EPERM);
	assert_int_equal(xenstore_set_perms(f->xs, &xs_dom0, NULL,
	    "/local/domain/5/data/x", give, 1), 0);
}

static void
test_txn_own_changes(void **state)
{
	struct fixture *f = *state;
	struct xs_txn *t;
	int rc;
	char *v;

	wr(f, &xs_dom0, NULL, "/t/keep", "1", 0);
	t = xenstore_txn_start(f->xs, &xs_dom0);
	wr(f, &xs_dom0, t, "/t/new/leaf", "2", 0);
	assert_int_equal(xenstore_rm(f->xs, &xs_dom0, t, "/t/keep"), 0);
	v = rd(f, &xs_dom0, t, "/t/new/leaf", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(v, "2");
	free(v);
	assert_string_equal(children(f, t, "/t"), "new");
	/* nothing outside until it commits */
	check_value(f, "/t/new/leaf", NULL);
	check_value(f, "/t/keep", "1");
	assert_int_equal(xenstore_txn_end(f->xs, t, true), 0);
	check_value(f, "/t/new/leaf", "2");
	check_value(f, "/t/keep", NULL);
	/* an aborted one leaves nothing */
	t = xenstore_txn_start(f->xs, &xs_dom0);
	wr(f, &xs_dom0, t, "/t/gone", "x", 0);
	assert_int_equal(xenstore_txn_end(f->xs, t, false), 0);
	check_value(f, "/t/gone", NULL);
}

static void
test_txn_conflicts(void **state)
{
	struct fixture *f = *state;
	struct xs_txn *t1, *t2;
	int rc;
	char *v;

	wr(f, &xs_dom0, NULL, "/c/a", "0", 0);
	wr(f, &xs_dom0, NULL, "/c/b", "0", 0);
	/* read-modify-write racing a plain write: EAGAIN */
	t1 = xenstore_txn_start(f->xs, &xs_dom0);
	v = rd(f, &xs_dom0, t1, "/c/a", &rc);
	free(v);
	wr(f, &xs_dom0, t1, "/c/a", "1", 0);
	wr(f, &xs_dom0, NULL, "/c/a", "other", 0);
	assert_int_equal(xenstore_txn_end(f->xs, t1, true), EAGAIN);
	check_value(f, "/c/a", "other");
	/* two transactions on the same node: the second to commit loses */
	t1 = xenstore_txn_start(f->xs, &xs_dom0);
	t2 = xenstore_txn_start(f->xs, &xs_dom0);
	wr(f, &xs_dom0, t1, "/c/a", "t1", 0);
	wr(f, &xs_dom0, t2, "/c/a", "t2", 0);
	assert_int_equal(xenstore_txn_end(f->xs, t1, true), 0);
	assert_int_equal(xenstore_txn_end(f->xs, t2, true), EAGAIN);
	check_value(f, "/c/a", "t1");
	/* unrelated nodes never conflict */
	t1 = xenstore_txn_start(f->xs, &xs_dom0);
	t2 = xenstore_txn_start(f->xs, &xs_dom0);
	wr(f, &xs_dom0, t1, "/c/a", "x", 0);
	wr(f, &xs_dom0, t2, "/c/b", "y", 0);
	assert_int_equal(xenstore_txn_end(f->xs, t2, true), 0);
	assert_int_equal(xenstore_txn_end(f->xs, t1, true), 0);
	/* a listing changes when a child comes */
	t1 = xenstore_txn_start(f->xs, &xs_dom0);
	assert_string_equal(children(f, t1, "/c"), "a,b");
	wr(f, &xs_dom0, NULL, "/c/n", "new", 0);
	assert_int_equal(xenstore_txn_end(f->xs, t1, true), EAGAIN);
}

static void
on_event(void *owner, const char *path, const char *token)
{
	struct fixture *f = owner;

	snprintf(f->events + strlen(f->events), sizeof(f->events) -
	    strlen(f->events), "%s %s;", path, token);
}

static void
test_watches(void **state)
{
	struct fixture *f = *state;
	struct xs_txn *t;

	wr(f, &xs_dom0, NULL, "/w/dev/0/x", "1", 0);
	assert_int_equal(xenstore_watch(f->xs, &xs_dom0, f, on_event, "/w/dev", "tk"), 0);
	assert_int_equal(xenstore_watch(f->xs, &xs_dom0, f, on_event, "/w/dev/0/x",
	    "leaf"), 0);
	assert_int_equal(xenstore_watch(f->xs, &xs_dom0, f, on_event, "/w/dev", "tk"),
	    EEXIST);
	wr(f, &xs_dom0, NULL, "/w/dev/1", "child", 0);
	assert_string_equal(f->events, "/w/dev/1 tk;");
	f->events[0] = '\0';
	wr(f, &xs_dom0, NULL, "/w/other", "x", 0);
	assert_string_equal(f->events, "");
	/* a removal reaches the watches below it too */
	assert_int_equal(xenstore_rm(f->xs, &xs_dom0, NULL, "/w/dev/0"), 0);
	assert_non_null(strstr(f->events, "/w/dev/0 tk;"));
	assert_non_null(strstr(f->events, "/w/dev/0/x leaf;"));
	f->events[0] = '\0';
	/* a transaction's changes fire when it commits */
	t = xenstore_txn_start(f->xs, &xs_dom0);
	wr(f, &xs_dom0, t, "/w/dev/2", "t", 0);
	assert_string_equal(f->events, "");
	assert_int_equal(xenstore_txn_end(f->xs, t, true), 0);
	assert_string_equal(f->events, "/w/dev/2 tk;");
	f->events[0] = '\0';
	/* a change rolled back with its store transaction fires nothing */
	assert_int_equal(store_begin(f->st), XU_OK);
	wr(f, &xs_dom0, NULL, "/w/dev/3", "rolled back", 0);
	store_rollback(f->st);
	assert_string_equal(f->events, "");
	check_value(f, "/w/dev/3", NULL);
	/* relative watches hear relative paths; removed watches nothing */
	assert_int_equal(xenstore_unwatch(f->xs, f, "/w/dev", "tk"), 0);
	assert_int_equal(xenstore_unwatch(f->xs, f, "/w/dev", "tk"), ENOENT);
	assert_int_equal(xenstore_set_perms_str(f->xs, "/local/domain/5", "n5"), 0);
	assert_int_equal(xenstore_watch(f->xs, &dom5, f, on_event, "device", "rel"), 0);
	wr(f, &xs_dom0, NULL, "/local/domain/5/device/vif/0", "x", 0);
	assert_string_equal(f->events, "device/vif/0 rel;");
	f->events[0] = '\0';
	/* an unprivileged watcher hears nothing of what it may not read */
	assert_int_equal(xenstore_set_perms_str(f->xs, "/local/domain/5/device/vif",
	    "n0"), 0);
	f->events[0] = '\0';
	wr(f, &xs_dom0, NULL, "/local/domain/5/device/vif/1", "x", 0);
	assert_string_equal(f->events, "");
	xenstore_unwatch_all(f->xs, f);
}

static void
test_locks(void **state)
{
	struct fixture *f = *state;
	struct store_domain d;
	struct store_lock l;

	store_domain_init(&d);
	snprintf(d.uuid, sizeof(d.uuid), "11111111-1111-1111-1111-111111111111");
	d.name = (char *)"web1";
	d.config = (char *)"(vm)";
	assert_int_equal(store_domain_put(f->st, &d), XU_OK);
	assert_int_equal(store_lock_put(f->st, "f:1:2", d.uuid, 51712, "/x.img", "w"),
	    XU_OK);
	assert_int_equal(store_lock_writer(f->st, "f:1:2",
	    "22222222-2222-2222-2222-222222222222", &l), XU_OK);
	assert_string_equal(l.holder, "web1");
	assert_string_equal(l.mode, "w");
	store_lock_dispose(&l);
	/* the holder itself is no conflict */
	assert_int_equal(store_lock_writer(f->st, "f:1:2", d.uuid, &l),
	    XU_ERR_NOT_FOUND);
	/* readers never are */
	assert_int_equal(store_lock_release(f->st, d.uuid, -1), XU_OK);
	assert_int_equal(store_lock_put(f->st, "f:1:2", d.uuid, 51712, "/x.img", "r"),
	    XU_OK);
	assert_int_equal(store_lock_writer(f->st, "f:1:2",
	    "22222222-2222-2222-2222-222222222222", &l), XU_ERR_NOT_FOUND);
	/* a lock whose domain has no record is stale */
	assert_int_equal(store_lock_put(f->st, "f:1:2", d.uuid, 51713, "/x.img", "w"),
	    XU_OK);
	assert_int_equal(store_domain_delete(f->st, d.uuid), XU_OK);
	assert_int_equal(store_lock_writer(f->st, "f:1:2",
	    "22222222-2222-2222-2222-222222222222", &l), XU_ERR_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_canon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_own_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
