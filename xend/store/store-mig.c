/* store-mig.c: the migration records: each step of a migration, on either
 * end, is committed here before it is acted upon, so a restarted xend
 * knows what to finish (relocation.c) and a source that lost its
 * destination can ask it where the guest is. */
#include "store-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIG_COLUMNS "id, direction, uuid, name, peer, live, ssl, paused, " \
	"step, message, started, ended, bytes, total, downtime_ms, domid"

void
store_mig_init(struct store_mig *m)
{
	memset(m, 0, sizeof(*m));
	m->downtime_ms = -1;
}

void
store_mig_dispose(struct store_mig *m)
{
	free(m->name);
	free(m->peer);
	free(m->step);
	free(m->message);
	store_mig_init(m);
}

static void
copy_col(char *dst, size_t size, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static void
read_mig(sqlite3_stmt *s, struct store_mig *m)
{
	store_mig_init(m);
	copy_col(m->id, sizeof(m->id), s, 0);
	copy_col(m->direction, sizeof(m->direction), s, 1);
	copy_col(m->uuid, sizeof(m->uuid), s, 2);
	m->name = store_column_text(s, 3);
	m->peer = store_column_text(s, 4);
	m->live = sqlite3_column_int(s, 5) != 0;
	m->ssl = sqlite3_column_int(s, 6) != 0;
	m->paused = sqlite3_column_int(s, 7) != 0;
	m->step = store_column_text(s, 8);
	m->message = store_column_text(s, 9);
	m->started = sqlite3_column_double(s, 10);
	m->ended = sqlite3_column_type(s, 11) == SQLITE_NULL ? 0 :
	    sqlite3_column_double(s, 11);
	m->bytes = sqlite3_column_int64(s, 12);
	m->total = sqlite3_column_int64(s, 13);
	m->downtime_ms = sqlite3_column_int64(s, 14);
	m->domid = sqlite3_column_int64(s, 15);
}

int
store_mig_put(struct store *st, const struct store_mig *m)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO migrations (" MIG_COLUMNS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	    "?15, ?16)";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, m->id)) != XU_OK ||
	    (rc = store_bind_text(st, s, 2, m->direction)) != XU_OK ||
	    (rc = store_bind_text(st, s, 3, m->uuid)) != XU_OK ||
	    (rc = store_bind_text(st, s, 4, m->name ? m->name : "")) != XU_OK ||
	    (rc = store_bind_text(st, s, 5, m->peer ? m->peer : "")) != XU_OK ||
	    (rc = store_bind_int(st, s, 6, m->live)) != XU_OK ||
	    (rc = store_bind_int(st, s, 7, m->ssl)) != XU_OK ||
	    (rc = store_bind_int(st, s, 8, m->paused)) != XU_OK ||
	    (rc = store_bind_text(st, s, 9, m->step)) != XU_OK ||
	    (rc = store_bind_text(st, s, 10, m->message)) != XU_OK ||
	    sqlite3_bind_double(s, 11, m->started) != SQLITE_OK ||
	    (m->ended > 0 ? sqlite3_bind_double(s, 12, m->ended) :
	    sqlite3_bind_null(s, 12)) != SQLITE_OK ||
	    (rc = store_bind_int(st, s, 13, m->bytes)) != XU_OK ||
	    (rc = store_bind_int(st, s, 14, m->total)) != XU_OK ||
	    (rc = store_bind_int(st, s, 15, m->downtime_ms)) != XU_OK ||
	    (rc = store_bind_int(st, s, 16, m->domid)) != XU_OK)
		return rc ? rc : store_sql_error(st, "binding a value");
	return store_sql_done(st, s, "recording a migration");
}

static int
get_one(struct store *st, const char *sql, const char *key, struct store_mig *m)
{
	sqlite3_stmt *s;
	int rc, r;

	store_mig_init(m);
	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, key)) != XU_OK)
		return rc;
	r = sqlite3_step(s);
	if (r == SQLITE_ROW)
		read_mig(s, m);
	sqlite3_reset(s);
	if (r == SQLITE_ROW)
		return XU_OK;
	if (r == SQLITE_DONE)
		return XU_ERR_NOT_FOUND;
	return store_sql_error(st, "reading migrations");
}

int
store_mig_get(struct store *st, const char *id, struct store_mig *m)
{
	static const char sql[] =
	    "SELECT " MIG_COLUMNS " FROM migrations WHERE id = ?1";

	return get_one(st, sql, id, m);
}

int
store_mig_last(struct store *st, const char *uuid, struct store_mig *m)
{
	static const char sql[] =
	    "SELECT " MIG_COLUMNS " FROM migrations WHERE uuid = ?1 "
	    "ORDER BY started DESC, rowid DESC LIMIT 1";

	return get_one(st, sql, uuid, m);
}

int
store_mig_unfinished(struct store *st, struct store_mig **list, size_t *n)
{
	static const char sql[] =
	    "SELECT " MIG_COLUMNS " FROM migrations WHERE ended IS NULL "
	    "ORDER BY started";
	struct store_mig *v = NULL;
	size_t cnt = 0;
	sqlite3_stmt *s;
	int r;

	*list = NULL;
	*n = 0;
	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		v = xu_realloc(v, (cnt + 1) * sizeof(*v));
		read_mig(s, &v[cnt++]);
	}
	sqlite3_reset(s);
	if (r != SQLITE_DONE) {
		while (cnt > 0)
			store_mig_dispose(&v[--cnt]);
		free(v);
		return store_sql_error(st, "reading migrations");
	}
	*list = v;
	*n = cnt;
	return XU_OK;
}

int
store_mig_tally(struct store *st, struct store_mig_tally t[2])
{
	/* the final steps of relocation-proto.h: done, failed, uncertain */
	static const char sql[] =
	    "SELECT direction, count(*), total(step = 'done'), "
	    "total(step = 'failed'), total(step = 'uncertain') "
	    "FROM migrations GROUP BY direction";
	struct store_mig_tally *d;
	const unsigned char *dir;
	sqlite3_stmt *s;
	int r;

	memset(t, 0, 2 * sizeof(*t));
	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		dir = sqlite3_column_text(s, 0);
		if (dir == NULL)
			continue;
		d = strcmp((const char *)dir, "in") == 0 ? &t[0] :
		    strcmp((const char *)dir, "out") == 0 ? &t[1] : NULL;
		if (d == NULL)
			continue;
		d->started = sqlite3_column_int64(s, 1);
		d->succeeded = sqlite3_column_int64(s, 2);
		d->failed = sqlite3_column_int64(s, 3);
		d->uncertain = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
	if (r != SQLITE_DONE)
		return store_sql_error(st, "counting migrations");
	return XU_OK;
}
