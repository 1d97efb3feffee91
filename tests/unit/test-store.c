/* test-store.c: xend's state store: migrations, reopening, unique names,
 * transactions that fail or are cut short by a killed process, the domain
 * id counter and the event log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test-store.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/xend.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct store *
open_ok(struct fixture *f)
{
	struct store *st = NULL;
	struct xu_err err = { 0 };

	assert_int_equal(store_open(&st, f->path, &err), XU_OK);
	assert_non_null(st);
	return st;
}

static void
make_domain(struct store_domain *d, const char *uuid, const char *name)
{
	store_domain_init(d);
	snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
	d->name = (char *)name;
	d->config = (char *)"(vm (name x))";
	d->state = (char *)"running";
}

#define UUID1 "11111111-1111-1111-1111-111111111111"
#define UUID2 "22222222-2222-2222-2222-222222222222"
#define UUID3 "33333333-3333-3333-3333-333333333333"

static bool
has_domain(struct store *st, const char *uuid)
{
	struct store_domain d;
	int rc = store_domain_get(st, uuid, &d);

	store_domain_dispose(&d);
	return rc == XU_OK;
}

static void
test_migrate_empty(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f);
	sqlite3 *db;
	sqlite3_stmt *s;
	struct stat sb;

	assert_int_equal(store_schema_version(st), store_schema_latest());
	assert_true(store_schema_latest() >= 1);
	/* the configs inside are root's business */
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
	/* WAL is a property of the file: a second connection sees it */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
	store_close(st);
}

static void
test_reopen(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f);
	struct store_domain d, got;

	make_domain(&d, UUID1, "web1");
	d.domid = 7;
	d.managed = true;
	d.restart_count = 2;
	d.start_time = 1234.5;
	assert_int_equal(store_domain_put(st, &d), XU_OK);
	store_close(st);

	st = open_ok(f);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	assert_int_equal(store_domain_get_by_name(st, "web1", &got), XU_OK);
	assert_string_equal(got.uuid, UUID1);
	assert_int_equal(got.domid, 7);
	assert_true(got.managed);
	assert_string_equal(got.config, "(vm (name x))");
	assert_string_equal(got.state, "running");
	assert_int_equal(got.restart_count, 2);
	assert_true(got.start_time == 1234.5);
	assert_true(got.created > 0 && got.updated >= got.created);
	store_domain_dispose(&got);

	/* update in place: stopped, domid back to NULL */
	d.domid = -1;
	d.state = (char *)"halted";
	assert_int_equal(store_domain_put(st, &d), XU_OK);
	assert_int_equal(store_domain_get_by_domid(st, 7, &got), XU_ERR_NOT_FOUND);
	assert_int_equal(store_domain_get(st, UUID1, &got), XU_OK);
	assert_int_equal(got.domid, -1);
	assert_string_equal(got.state, "halted");
	store_domain_dispose(&got);
	store_close(st);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f);
	struct xu_err err = { 0 };
	sqlite3 *db;

	store_close(st);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&st, f->path, &err), XU_ERR_UNSUPPORTED);
	assert_null(st);
	assert_non_null(strstr(err.msg, "newer"));
}

static void
test_unique_names(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f);
	struct store_domain a, b, *list;
	size_t n, i;

	make_domain(&a, UUID1, "web1");
	make_domain(&b, UUID2, "web1");
	assert_int_equal(store_domain_put(st, &a), XU_OK);
	assert_int_equal(store_domain_put(st, &b), XU_ERR_INVALID);
	assert_string_equal(store_errmsg(st), "domain name 'web1' is already in use");
	assert_false(has_domain(st, UUID2));

	/* and domids */
	a.domid = 3;
	assert_int_equal(store_domain_put(st, &a), XU_OK);
	b.name = (char *)"web2";
	b.domid = 3;
	assert_int_equal(store_domain_put(st, &b), XU_ERR_INVALID);
	assert_string_equal(store_errmsg(st), "domain id 3 is already in use");

	b.domid = -1;
	assert_int_equal(store_domain_put(st, &b), XU_OK);
	assert_int_equal(store_domain_list(st, &list, &n), XU_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "web1");	/* running first */
	assert_string_equal(list[1].name, "web2");
	for (i = 0; i < n; i++)
		store_domain_dispose(&list[i]);
	free(list);

	assert_int_equal(store_domain_delete(st, UUID2), XU_OK);
	assert_int_equal(store_domain_delete(st, UUID2), XU_ERR_NOT_FOUND);
	store_close(st);
}

static int
put_then_fail(struct store *st, void *arg)
{
	struct store_domain d;

	make_domain(&d, UUID3, "doomed");
	if (store_domain_put(st, &d) != XU_OK)
		return XU_ERR_IO;
	if (store_meta_set(st, "note", "written") != XU_OK)
		return XU_ERR_IO;
	return XU_ERR_INVALID;
}

static void
test_failed_tx(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f);
	struct store_domain d;
	char *v = NULL;

	assert_int_equal(store_tx(st, put_then_fail, NULL), XU_ERR_INVALID);
	assert_false(has_domain(st, UUID3));
	assert_int_equal(store_meta_get(st, "note", &v), XU_ERR_NOT_FOUND);

	/* an inner rollback dooms the outer transaction */
	assert_int_equal(store_begin(st), XU_OK);
	make_domain(&d, UUID1, "outer");
	assert_int_equal(store_domain_put(st, &d), XU_OK);
	assert_int_equal(store_begin(st), XU_OK);
	make_domain(&d, UUID2, "inner");
	assert_int_equal(store_domain_put(st, &d), XU_OK);
	store_rollback(st);
	assert_int_not_equal(store_commit(st), XU_OK);
	assert_false(has_domain(st, UUID1));
	assert_false(has_domain(st, UUID2));

	/* a failing statement inside a transaction, rolled back */
	assert_int_equal(store_begin(st), XU_OK);
	make_domain(&d, UUID1, "same");
	assert_int_equal(store_domain_put(st, &d), XU_OK);
	make_domain(&d, UUID2, "same");
	assert_int_equal(store_domain_put(st, &d), XU_ERR_INVALID);
	store_rollback(st);
	assert_false(has_domain(st, UUID1));

	/* and the handle still works */
	make_domain(&d, UUID1, "after");
	assert_int_equal(store_domain_put(st, &d), XU_OK);
	assert_true(has_domain(st, UUID1));
	store_close(st);
}

/* The child commits one domain, then dies (how) in the middle of a second
 * transaction that wrote many rows. */
static void
killed_child(struct fixture *f, bool sigkill)
{
	struct store *st = NULL;
	struct store_domain d;
	char uuid[37], name[32];
	int i;

	if (store_open(&st, f->path, NULL) != XU_OK)
		_exit(10);
	make_domain(&d, UUID1, "committed");
	if (store_domain_put(st, &d) != XU_OK)
		_exit(11);
	if (store_begin(st) != XU_OK)
		_exit(12);
	for (i = 0; i < 2000; i++) {
		snprintf(uuid, sizeof(uuid), "aaaaaaaa-0000-0000-0000-%012d", i);
		snprintf(name, sizeof(name), "partial%d", i);
		make_domain(&d, uuid, name);
		if (store_domain_put(st, &d) != XU_OK)
			_exit(13);
	}
	if (sigkill)
		kill(getpid(), SIGKILL);
	_exit(0);
}

static void
check_after_kill(void **state, bool sigkill)
{
	struct fixture *f = *state;
	struct store *st;
	struct store_domain d, *list;
	int status;
	size_t n, i;
	pid_t pid;
	uint32_t id;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		killed_child(f, sigkill);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (sigkill)
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	else
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	st = open_ok(f);
	assert_int_equal(store_domain_list(st, &list, &n), XU_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "committed");
	for (i = 0; i < n; i++)
		store_domain_dispose(&list[i]);
	free(list);
	/* no lock left behind: writing works at once */
	make_domain(&d, UUID2, "next");
	assert_int_equal(store_domain_put(st, &d), XU_OK);
	assert_int_equal(store_domid_alloc(st, &id), XU_OK);
	store_close(st);
}

static void
test_killed_mid_tx(void **state)
{
	check_after_kill(state, true);
}

static void
test_exit_mid_tx(void **state)
{
	check_after_kill(state, false);
}

static void
test_domid_counter(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f);
	struct store_domain d;
	uint32_t id;

	assert_int_equal(store_domid_alloc(st, &id), XU_OK);
	assert_int_equal(id, 1);
	assert_int_equal(store_domid_alloc(st, &id), XU_OK);
	assert_int_equal(id, 2);
	store_close(st);

	/* a restarted xend continues, never reusing 1 or 2 */
	st = open_ok(f);
	assert_int_equal(store_domid_alloc(st, &id), XU_OK);
	assert_int_equal(id, 3);
	/* nor an id held by a domain in the table */
	make_domain(&d, UUID1, "big");
	d.domid = 10;
	assert_int_equal(store_domain_put(st, &d), XU_OK);
	assert_int_equal(store_domid_alloc(st, &id), XU_OK);
	assert_int_equal(id, 11);
	/* a re-adopted domain moves the counter above it */
	assert_int_equal(store_domid_seen(st, 20), XU_OK);
	assert_int_equal(store_domid_alloc(st, &id), XU_OK);
	assert_int_equal(id, 21);
	assert_int_equal(store_domid_seen(st, 5), XU_OK);
	assert_int_equal(store_domid_alloc(st, &id), XU_OK);
	assert_int_equal(id, 22);
	store_close(st);
}

static void
test_events(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f);
	struct store_event *ev;
	size_t n;

	assert_int_equal(store_event_add(st, UUID1, 1, "created"), XU_OK);
	assert_int_equal(store_event_add(st, NULL, -1, "xend started"), XU_OK);
	assert_int_equal(store_event_add(st, UUID1, 1, "destroyed"), XU_OK);

	assert_int_equal(store_event_list(st, UUID1, 10, &ev, &n), XU_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ev[0].text, "created");
	assert_string_equal(ev[1].text, "destroyed");
	assert_int_equal(ev[1].domid, 1);
	assert_true(ev[0].time > 0 && ev[1].id > ev[0].id);
	store_events_free(ev, n);

	assert_int_equal(store_event_list(st, NULL, 2, &ev, &n), XU_OK);
	assert_int_equal(n, 2);		/* the newest two, oldest first */
	assert_string_equal(ev[0].text, "xend started");
	assert_string_equal(ev[0].uuid, "");
	assert_int_equal(ev[0].domid, -1);
	assert_string_equal(ev[1].text, "destroyed");
	store_events_free(ev, n);
	store_close(st);
}

/* Typed events: only they are listed since a number; ids are never given
 * twice, also once pruning has removed every row, and a reopened store
 * goes on from the last. */
static void
test_typed_events(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f);
	struct store_event e = { .domid = 3, .type = "paused", .name = "web1",
	    .text = "paused", .data = "((why test))" }, *ev;
	char (*uuids)[37];
	int64_t first, last;
	size_t n;
	int i;

	assert_int_equal(store_events_bounds(st, &first, &last), XU_OK);
	assert_int_equal(last, 0);
	assert_int_equal(first, 1);		/* empty: last + 1 */
	snprintf(e.uuid, sizeof(e.uuid), "%s", UUID1);
	assert_int_equal(store_event_add(st, UUID1, 3, "a log line"), XU_OK);
	assert_int_equal(store_event_put(st, &e), XU_OK);
	assert_int_equal(store_events_since(st, 0, 10, &ev, &n), XU_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].id, 2);
	assert_string_equal(ev[0].type, "paused");
	assert_string_equal(ev[0].name, "web1");
	assert_string_equal(ev[0].data, "((why test))");
	assert_string_equal(ev[0].uuid, UUID1);
	store_events_free(ev, n);
	assert_int_equal(store_events_since(st, 2, 10, &ev, &n), XU_OK);
	assert_int_equal(n, 0);
	store_events_free(ev, n);

	/* keep 3 rows: after 10 more, the oldest kept is 10 */
	store_set_events_kept(st, 3);
	for (i = 0; i < 10; i++)
		assert_int_equal(store_event_put(st, &e), XU_OK);
	assert_int_equal(store_events_bounds(st, &first, &last), XU_OK);
	assert_int_equal(last, 12);
	assert_int_equal(first, 10);
	assert_int_equal(store_events_since(st, 0, 10, &ev, &n), XU_OK);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].id, 10);
	store_events_free(ev, n);
	store_close(st);

	st = open_ok(f);
	assert_int_equal(store_event_put(st, &e), XU_OK);
	assert_int_equal(store_events_bounds(st, &first, &last), XU_OK);
	assert_int_equal(last, 13);
	/* the domains recorded under a name: each UUID once */
	e.name = "other";
	assert_int_equal(store_event_put(st, &e), XU_OK);
	assert_int_equal(store_event_name_uuids(st, "web1", &uuids, &n), XU_OK);
	assert_int_equal(n, 1);
	assert_string_equal(uuids[0], UUID1);
	free(uuids);
	assert_int_equal(store_event_name_uuids(st, "nosuch", &uuids, &n), XU_OK);
	assert_int_equal(n, 0);
	free(uuids);
	store_close(st);
}

static void
test_unwritable(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct xu_err err = { 0 };
	char path[192];

	snprintf(path, sizeof(path), "%s/missing/dir/xend.db", f->dir);
	assert_int_equal(store_open(&st, path, &err), XU_ERR_IO);
	assert_null(st);
	assert_non_null(strstr(err.msg, path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unique_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_mid_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_mid_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domid_counter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_typed_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
