/* store-locks.c: which domain holds which disk, and how, in the state
 * store, so a second writer is refused even across xend restarts. A row
 * whose domain has no record any more is stale and never counts. */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void
store_lock_dispose(struct store_lock *l)
{
	free(l->key);
	free(l->uuid);
	free(l->path);
	free(l->mode);
	free(l->holder);
	memset(l, 0, sizeof(*l));
}

static void
read_lock(sqlite3_stmt *s, struct store_lock *l)
{
	l->key = store_column_text(s, 0);
	l->uuid = store_column_text(s, 1);
	l->devid = sqlite3_column_int64(s, 2);
	l->path = store_column_text(s, 3);
	l->mode = store_column_text(s, 4);
	l->holder = store_column_text(s, 5);
}

#define LOCK_COLUMNS "l.key, l.uuid, l.devid, l.path, l.mode, d.name"

int
store_lock_writer(struct store *st, const char *key, const char *uuid,
    struct store_lock *l)
{
	static const char sql[] =
	    "SELECT " LOCK_COLUMNS " FROM disk_locks l "
	    "JOIN domains d ON d.uuid = l.uuid "
	    "WHERE l.key = ?1 AND l.uuid != ?2 AND l.mode IN ('w', 'w!') "
	    "ORDER BY l.created LIMIT 1";
	sqlite3_stmt *s;
	int rc, r;

	memset(l, 0, sizeof(*l));
	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, key)) != XU_OK ||
	    (rc = store_bind_text(st, s, 2, uuid)) != XU_OK)
		return rc;
	r = sqlite3_step(s);
	if (r == SQLITE_ROW)
		read_lock(s, l);
	sqlite3_reset(s);
	if (r == SQLITE_ROW)
		return XU_OK;
	if (r == SQLITE_DONE)
		return XU_ERR_NOT_FOUND;
	return store_sql_error(st, "reading disk locks");
}

int
store_lock_put(struct store *st, const char *key, const char *uuid,
    int64_t devid, const char *path, const char *mode)
{
	static const char sql[] =
	    "INSERT INTO disk_locks (key, uuid, devid, path, mode, created) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key, uuid, devid) "
	    "DO UPDATE SET path = excluded.path, mode = excluded.mode";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, key)) != XU_OK ||
	    (rc = store_bind_text(st, s, 2, uuid)) != XU_OK ||
	    (rc = store_bind_int(st, s, 3, devid)) != XU_OK ||
	    (rc = store_bind_text(st, s, 4, path)) != XU_OK ||
	    (rc = store_bind_text(st, s, 5, mode)) != XU_OK ||
	    (rc = store_bind_int(st, s, 6, (int64_t)time(NULL))) != XU_OK)
		return rc;
	return store_sql_done(st, s, "recording a disk lock");
}

int
store_lock_release(struct store *st, const char *uuid, int64_t devid)
{
	static const char sql[] =
	    "DELETE FROM disk_locks WHERE uuid = ?1 AND (?2 < 0 OR devid = ?2)";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, uuid)) != XU_OK ||
	    (rc = store_bind_int(st, s, 2, devid)) != XU_OK)
		return rc;
	return store_sql_done(st, s, "releasing disk locks");
}

static void
read_lock_row(sqlite3_stmt *s, void *row)
{
	read_lock(s, row);
}

static void
lock_dispose_row(void *row)
{
	store_lock_dispose(row);
}

int
store_lock_list(struct store *st, struct store_lock **list, size_t *n)
{
	static const char sql[] =
	    "SELECT " LOCK_COLUMNS " FROM disk_locks l "
	    "LEFT JOIN domains d ON d.uuid = l.uuid ORDER BY l.created";

	return store_rows(st, sql, sizeof(**list), read_lock_row, lock_dispose_row,
	    (void **)list, n, "listing disk locks");
}
