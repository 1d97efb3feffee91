/* store.c: xend's SQLite state store: schema migrations, nested
 * transactions and the domain, counter, meta and event tables, all through
 * prepared statements kept for the life of the handle. */
#include "store-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

/* Migration N (1-based) takes user_version from N-1 to N. Append only:
 * a released migration is never edited. */
static const char *const migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE domains ("
	"  uuid TEXT PRIMARY KEY NOT NULL,"
	"  name TEXT NOT NULL UNIQUE,"
	"  domid INTEGER UNIQUE,"		/* NULL when not running */
	"  managed INTEGER NOT NULL DEFAULT 0,"
	"  config TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'halted',"
	"  restart_count INTEGER NOT NULL DEFAULT 0,"
	"  start_time REAL NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL"
	");"
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL"
	");"
	"INSERT INTO meta (key, value) VALUES ('next_domid', '1');"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time REAL NOT NULL,"
	"  uuid TEXT,"
	"  domid INTEGER,"
	"  event TEXT NOT NULL"
	");"
	"CREATE INDEX events_uuid ON events (uuid, id);",
	/* 2: devices: the xenstore's nodes (store-xs.c) and the disks domains
	 * hold (store-locks.c). */
	"CREATE TABLE xenstore ("
	"  path TEXT PRIMARY KEY NOT NULL,"
	"  parent TEXT,"			/* NULL for "/" */
	"  value BLOB NOT NULL DEFAULT x'',"
	"  perms TEXT NOT NULL DEFAULT 'n0',"
	"  gen INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX xenstore_parent ON xenstore (parent);"
	"INSERT INTO xenstore (path, parent, perms) VALUES ('/', NULL, 'n0');"
	"CREATE TABLE disk_locks ("
	"  key TEXT NOT NULL,"			/* f:dev:ino or b:major:minor */
	"  uuid TEXT NOT NULL,"			/* the domain holding it */
	"  devid INTEGER NOT NULL,"		/* its virtual device number */
	"  path TEXT NOT NULL,"
	"  mode TEXT NOT NULL,"			/* r, w or w! */
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY (key, uuid, devid)"
	");"
	"CREATE INDEX disk_locks_uuid ON disk_locks (uuid);",
	/* 3: migrations, both directions (store-mig.c): every step is
	 * recorded before it is acted upon. */
	"CREATE TABLE migrations ("
	"  id TEXT PRIMARY KEY NOT NULL,"	/* shared by both ends */
	"  direction TEXT NOT NULL,"		/* in, out */
	"  uuid TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  live INTEGER NOT NULL DEFAULT 0,"
	"  ssl INTEGER NOT NULL DEFAULT 0,"
	"  paused INTEGER NOT NULL DEFAULT 0,"	/* the guest was paused */
	"  step TEXT NOT NULL,"
	"  message TEXT,"
	"  started REAL NOT NULL,"
	"  ended REAL,"				/* NULL while in flight */
	"  bytes INTEGER NOT NULL DEFAULT 0,"
	"  total INTEGER NOT NULL DEFAULT 0,"
	"  downtime_ms INTEGER NOT NULL DEFAULT -1,"
	"  domid INTEGER NOT NULL DEFAULT 0"	/* this host's copy */
	");"
	"CREATE INDEX migrations_uuid ON migrations (uuid, started);",
	/* 4: creates a client still holds (store-claims.c): rolled back if
	 * the client goes before it finishes them. */
	"CREATE TABLE create_claims ("
	"  uuid TEXT PRIMARY KEY NOT NULL,"	/* the domain being created */
	"  pid INTEGER NOT NULL,"		/* the client's process */
	"  pid_start INTEGER NOT NULL,"		/* its start time, in ticks */
	"  finish TEXT NOT NULL"		/* unpause, waitForDevices */
	");",
	/* 5: saves under way (store-saves.c): finished or abandoned by a
	 * new xend. */
	"CREATE TABLE saves ("
	"  uuid TEXT PRIMARY KEY NOT NULL,"	/* the domain being saved */
	"  path TEXT NOT NULL,"			/* the file asked for */
	"  tmp TEXT NOT NULL,"			/* written first, renamed to path */
	"  step TEXT NOT NULL,"			/* recorded, streaming */
	"  was_running INTEGER NOT NULL,"
	"  checkpoint INTEGER NOT NULL,"
	"  suspend INTEGER NOT NULL"
	");",
	/* 6: typed events for `xm events` (store_event_put): a row without a
	 * type is a line of a domain's log only. */
	"ALTER TABLE events ADD COLUMN type TEXT;"
	"ALTER TABLE events ADD COLUMN name TEXT;"	/* the domain's, then */
	"ALTER TABLE events ADD COLUMN data TEXT;"	/* SXP ((key value)...) */
	"CREATE INDEX events_name ON events (name);",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define DOMAIN_COLUMNS "uuid, name, domid, managed, config, state, " \
	"restart_count, start_time, created, updated"

enum stmt_id {
	ST_DOMAIN_PUT,
	ST_DOMAIN_GET,
	ST_DOMAIN_BY_NAME,
	ST_DOMAIN_BY_DOMID,
	ST_DOMAIN_DELETE,
	ST_DOMAIN_LIST,
	ST_DOMID_MAX,
	ST_META_GET,
	ST_META_SET,
	ST_EVENT_ADD,
	ST_EVENT_PRUNE,
	ST_EVENT_LIST,
	ST_EVENT_SINCE,
	ST_EVENT_BOUNDS,
	ST_EVENT_NAME_UUIDS,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_DOMAIN_PUT] =
	    "INSERT INTO domains (" DOMAIN_COLUMNS ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) "
	    "ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, "
	    "domid = excluded.domid, managed = excluded.managed, "
	    "config = excluded.config, state = excluded.state, "
	    "restart_count = excluded.restart_count, "
	    "start_time = excluded.start_time, updated = excluded.updated",
	[ST_DOMAIN_GET] =
	    "SELECT " DOMAIN_COLUMNS " FROM domains WHERE uuid = ?1",
	[ST_DOMAIN_BY_NAME] =
	    "SELECT " DOMAIN_COLUMNS " FROM domains WHERE name = ?1",
	[ST_DOMAIN_BY_DOMID] =
	    "SELECT " DOMAIN_COLUMNS " FROM domains WHERE domid = ?1",
	[ST_DOMAIN_DELETE] = "DELETE FROM domains WHERE uuid = ?1",
	[ST_DOMAIN_LIST] =
	    "SELECT " DOMAIN_COLUMNS " FROM domains "
	    "ORDER BY domid IS NULL, domid, name",
	[ST_DOMID_MAX] = "SELECT COALESCE(MAX(domid), 0) FROM domains",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_SET] =
	    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[ST_EVENT_ADD] =
	    "INSERT INTO events (time, uuid, domid, event, type, name, data) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_EVENT_PRUNE] = "DELETE FROM events WHERE id <= ?1",
	[ST_EVENT_LIST] =
	    "SELECT id, time, uuid, domid, event, type, name, data FROM ("
	    "  SELECT * FROM events WHERE ?1 IS NULL OR uuid = ?1"
	    "  ORDER BY id DESC LIMIT ?2) ORDER BY id",
	[ST_EVENT_SINCE] =
	    "SELECT id, time, uuid, domid, event, type, name, data FROM events "
	    "WHERE id > ?1 AND type IS NOT NULL ORDER BY id LIMIT ?2",
	[ST_EVENT_BOUNDS] =
	    "SELECT (SELECT MIN(id) FROM events), "
	    "(SELECT seq FROM sqlite_sequence WHERE name = 'events')",
	[ST_EVENT_NAME_UUIDS] =
	    "SELECT DISTINCT uuid FROM events WHERE name = ?1 AND uuid IS NOT NULL",
};

/* Statements of the store's other files, prepared once, by their text. */
struct store_sql {
	const char *sql;
	sqlite3_stmt *s;
	struct store_sql *next;
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmts[ST_COUNT];
	struct store_sql *sqls;
	int depth;		/* open store_begin calls */
	bool failed;		/* a nested rollback happened */
	char errmsg[512];
	void (*tx_hook)(void *arg, bool committed);
	void *tx_hook_arg;
	int64_t events_kept;	/* rows of the event log kept */
};

static int
set_error(struct store *st, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
set_error(struct store *st, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
	return rc;
}

/* An SQLite failure while doing `what`; a UNIQUE violation is the caller's
 * mistake (XU_ERR_INVALID), anything else an I/O-class error. */
static int
db_error(struct store *st, const char *what)
{
	int ext = sqlite3_extended_errcode(st->db);

	return set_error(st, ext == SQLITE_CONSTRAINT_UNIQUE ||
	    ext == SQLITE_CONSTRAINT_PRIMARYKEY ? XU_ERR_INVALID : XU_ERR_IO,
	    "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

const char *
store_errmsg(const struct store *st)
{
	return st->errmsg;
}

static int
exec_sql(struct store *st, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		set_error(st, XU_ERR_IO, "%s: %s: %s", st->path, what,
		    msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return XU_ERR_IO;
	}
	return XU_OK;
}

/* The prepared statement for id, reset and unbound, or NULL (error set). */
static sqlite3_stmt *
stmt(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmts[id];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
			db_error(st, "preparing a statement");
			return NULL;
		}
		st->stmts[id] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Runs a statement that returns no rows. */
static int
step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int r = sqlite3_step(s);

	sqlite3_reset(s);
	if (r != SQLITE_DONE) {
		/* sqlite3_reset has set the error of the failed step */
		return db_error(st, what);
	}
	return XU_OK;
}

static int
bind_text(struct store *st, sqlite3_stmt *s, int i, const char *v)
{
	int r = v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) :
	    sqlite3_bind_null(s, i);

	return r == SQLITE_OK ? XU_OK : db_error(st, "binding a value");
}

static int
bind_int(struct store *st, sqlite3_stmt *s, int i, int64_t v)
{
	return sqlite3_bind_int64(s, i, v) == SQLITE_OK ? XU_OK :
	    db_error(st, "binding a value");
}

/* Transactions. */

static void
tx_ended(struct store *st, bool committed)
{
	if (st->tx_hook != NULL)
		st->tx_hook(st->tx_hook_arg, committed);
}

int
store_begin(struct store *st)
{
	int rc;

	if (st->depth == 0) {
		if ((rc = exec_sql(st, "BEGIN IMMEDIATE", "begin")) != XU_OK)
			return rc;
		st->failed = false;
	}
	st->depth++;
	return XU_OK;
}

void
store_rollback(struct store *st)
{
	if (st->depth == 0)
		return;
	st->failed = true;
	if (--st->depth == 0) {
		(void)exec_sql(st, "ROLLBACK", "rollback");
		tx_ended(st, false);
	}
}

int
store_commit(struct store *st)
{
	int rc;

	if (st->depth == 0)
		return set_error(st, XU_ERR_INVALID, "commit without begin");
	if (--st->depth > 0)
		return st->failed ? XU_ERR_IO : XU_OK;
	if (st->failed) {
		(void)exec_sql(st, "ROLLBACK", "rollback");
		tx_ended(st, false);
		return set_error(st, XU_ERR_IO,
		    "%s: transaction rolled back", st->path);
	}
	if ((rc = exec_sql(st, "COMMIT", "commit")) != XU_OK) {
		char keep[sizeof(st->errmsg)];

		memcpy(keep, st->errmsg, sizeof(keep));
		(void)exec_sql(st, "ROLLBACK", "rollback");
		memcpy(st->errmsg, keep, sizeof(keep));
	}
	tx_ended(st, rc == XU_OK);
	return rc;
}

void
store_set_tx_hook(struct store *st, void (*fn)(void *arg, bool committed),
    void *arg)
{
	st->tx_hook = fn;
	st->tx_hook_arg = arg;
}

int
store_tx(struct store *st, int (*fn)(struct store *, void *), void *arg)
{
	int rc;

	if ((rc = store_begin(st)) != XU_OK)
		return rc;
	if ((rc = fn(st, arg)) != XU_OK) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

/* Opening and migrations. */

static int
user_version(struct store *st, int *v)
{
	sqlite3_stmt *s = NULL;
	int rc = XU_OK;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s,
	    NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
		rc = db_error(st, "reading the schema version");
	else
		*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc;
}

int
store_schema_version(struct store *st)
{
	int v = -1;

	(void)user_version(st, &v);
	return v;
}

int
store_schema_latest(void)
{
	return NMIGRATIONS;
}

static int
migrate(struct store *st)
{
	char sql[64];
	int v, rc;

	if ((rc = user_version(st, &v)) != XU_OK)
		return rc;
	if (v > NMIGRATIONS)
		return set_error(st, XU_ERR_UNSUPPORTED,
		    "%s: schema version %d is newer than this xend's (%d)",
		    st->path, v, NMIGRATIONS);
	for (; v < NMIGRATIONS; v++) {
		if ((rc = store_begin(st)) != XU_OK)
			return rc;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((rc = exec_sql(st, migrations[v], "migrating the schema")) != XU_OK ||
		    (rc = exec_sql(st, sql, "setting the schema version")) != XU_OK) {
			store_rollback(st);
			return rc;
		}
		if ((rc = store_commit(st)) != XU_OK)
			return rc;
	}
	return XU_OK;
}

/* The database holds every domain's config: readable by root only. SQLite
 * gives its -wal and -shm files the same mode. */
static int
create_private(struct store *st, const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return set_error(st, XU_ERR_IO, "%s: cannot create: %s", path,
		    strerror(errno));
	close(fd);
	return XU_OK;
}

static int
configure(struct store *st)
{
	sqlite3_stmt *s = NULL;
	const char *mode;
	int rc = XU_OK;

	sqlite3_extended_result_codes(st->db, 1);
	if (sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS) != SQLITE_OK)
		return db_error(st, "setting the busy timeout");
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s,
	    NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
		rc = db_error(st, "enabling WAL");
		goto out;
	}
	mode = (const char *)sqlite3_column_text(s, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		rc = set_error(st, XU_ERR_IO, "%s: cannot use WAL (journal mode %s)",
		    st->path, mode ? mode : "unknown");
		goto out;
	}
	/* NORMAL in WAL mode: a commit is not flushed to the disk by itself
	 * (checkpoints are). A commit survives xend's own death (kill -9: the
	 * WAL is in the kernel's cache) and the database stays consistent
	 * after a power cut, which may take the last commits back; a power
	 * cut ends every domain anyway. FULL cost a flush per commit: about
	 * half of xm create's time over bare QEMU. */
	if ((rc = exec_sql(st, "PRAGMA synchronous = NORMAL; "
	    "PRAGMA foreign_keys = ON", "setting pragmas")) != XU_OK)
		goto out;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_open(struct store **out, const char *path, struct xu_err *err)
{
	struct store *st = xu_calloc(1, sizeof(*st));
	int rc;

	*out = NULL;
	st->events_kept = STORE_EVENTS_KEPT;
	st->path = xu_strdup(path);
	if ((rc = create_private(st, path)) != XU_OK)
		goto out;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = set_error(st, XU_ERR_IO, "%s: cannot open: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	if ((rc = configure(st)) != XU_OK || (rc = migrate(st)) != XU_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	if (st != NULL) {
		xu_err_set(err, rc, 0, "%s", st->errmsg);
		store_close(st);
	}
	return rc;
}

void
store_close(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	while (st->sqls != NULL) {
		struct store_sql *q = st->sqls;

		st->sqls = q->next;
		sqlite3_finalize(q->s);
		free(q);
	}
	if (st->db != NULL)
		sqlite3_close(st->db);
	free(st->path);
	free(st);
}

/* Domains. */

void
store_domain_init(struct store_domain *d)
{
	memset(d, 0, sizeof(*d));
	d->domid = -1;
}

void
store_domain_dispose(struct store_domain *d)
{
	free(d->name);
	free(d->config);
	free(d->state);
	store_domain_init(d);
}

static char *
column_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xu_strdup((const char *)t) : NULL;
}

static void
read_domain(sqlite3_stmt *s, struct store_domain *d)
{
	const unsigned char *uuid = sqlite3_column_text(s, 0);

	store_domain_init(d);
	snprintf(d->uuid, sizeof(d->uuid), "%s", uuid ? (const char *)uuid : "");
	d->name = column_dup(s, 1);
	d->domid = sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(s, 2);
	d->managed = sqlite3_column_int(s, 3) != 0;
	d->config = column_dup(s, 4);
	d->state = column_dup(s, 5);
	d->restart_count = sqlite3_column_int64(s, 6);
	d->start_time = sqlite3_column_double(s, 7);
	d->created = sqlite3_column_int64(s, 8);
	d->updated = sqlite3_column_int64(s, 9);
}

/* Says which unique column a put collided with, in words. */
static int
put_conflict(struct store *st, const struct store_domain *d)
{
	const char *m = sqlite3_errmsg(st->db);

	if (strstr(m, "domains.name") != NULL)
		return set_error(st, XU_ERR_INVALID,
		    "domain name '%s' is already in use", d->name);
	if (strstr(m, "domains.domid") != NULL)
		return set_error(st, XU_ERR_INVALID,
		    "domain id %lld is already in use", (long long)d->domid);
	return db_error(st, "saving a domain");
}

int
store_domain_put(struct store *st, const struct store_domain *d)
{
	sqlite3_stmt *s;
	int rc, r;

	if (d->name == NULL || d->config == NULL || d->uuid[0] == '\0')
		return set_error(st, XU_ERR_INVALID,
		    "a domain needs a uuid, a name and a config");
	if ((s = stmt(st, ST_DOMAIN_PUT)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_text(st, s, 1, d->uuid)) != XU_OK ||
	    (rc = bind_text(st, s, 2, d->name)) != XU_OK ||
	    (rc = d->domid < 0 ? bind_text(st, s, 3, NULL) :
	    bind_int(st, s, 3, d->domid)) != XU_OK ||
	    (rc = bind_int(st, s, 4, d->managed)) != XU_OK ||
	    (rc = bind_text(st, s, 5, d->config)) != XU_OK ||
	    (rc = bind_text(st, s, 6, d->state ? d->state : "halted")) != XU_OK ||
	    (rc = bind_int(st, s, 7, d->restart_count)) != XU_OK ||
	    (rc = sqlite3_bind_double(s, 8, d->start_time) == SQLITE_OK ?
	    XU_OK : db_error(st, "binding a value")) != XU_OK ||
	    (rc = bind_int(st, s, 9, (int64_t)time(NULL))) != XU_OK)
		return rc;
	r = sqlite3_step(s);
	sqlite3_reset(s);
	if (r == SQLITE_DONE)
		return XU_OK;
	if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE)
		return put_conflict(st, d);
	return db_error(st, "saving a domain");
}

/* Runs a one-row domain query already bound. */
static int
get_one(struct store *st, sqlite3_stmt *s, struct store_domain *d)
{
	int r = sqlite3_step(s);

	store_domain_init(d);
	if (r == SQLITE_ROW)
		read_domain(s, d);
	sqlite3_reset(s);
	if (r == SQLITE_ROW)
		return XU_OK;
	if (r == SQLITE_DONE)
		return set_error(st, XU_ERR_NOT_FOUND, "no such domain");
	return db_error(st, "reading a domain");
}

int
store_domain_get(struct store *st, const char *uuid, struct store_domain *d)
{
	sqlite3_stmt *s;
	int rc;

	store_domain_init(d);
	if ((s = stmt(st, ST_DOMAIN_GET)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_text(st, s, 1, uuid)) != XU_OK)
		return rc;
	return get_one(st, s, d);
}

int
store_domain_get_by_name(struct store *st, const char *name,
    struct store_domain *d)
{
	sqlite3_stmt *s;
	int rc;

	store_domain_init(d);
	if ((s = stmt(st, ST_DOMAIN_BY_NAME)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_text(st, s, 1, name)) != XU_OK)
		return rc;
	return get_one(st, s, d);
}

int
store_domain_get_by_domid(struct store *st, int64_t domid,
    struct store_domain *d)
{
	sqlite3_stmt *s;
	int rc;

	store_domain_init(d);
	if ((s = stmt(st, ST_DOMAIN_BY_DOMID)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_int(st, s, 1, domid)) != XU_OK)
		return rc;
	return get_one(st, s, d);
}

int
store_domain_delete(struct store *st, const char *uuid)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt(st, ST_DOMAIN_DELETE)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_text(st, s, 1, uuid)) != XU_OK)
		return rc;
	if ((rc = step_done(st, s, "deleting a domain")) != XU_OK)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return set_error(st, XU_ERR_NOT_FOUND, "no domain with uuid %s",
		    uuid);
	return XU_OK;
}

int
store_domain_list(struct store *st, struct store_domain **list, size_t *n)
{
	struct store_domain *v = NULL;
	sqlite3_stmt *s;
	size_t count = 0, cap = 0, i;
	int r;

	*list = NULL;
	*n = 0;
	if ((s = stmt(st, ST_DOMAIN_LIST)) == NULL)
		return XU_ERR_IO;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			v = xu_realloc(v, cap * sizeof(*v));
		}
		read_domain(s, &v[count++]);
	}
	sqlite3_reset(s);
	if (r != SQLITE_DONE) {
		for (i = 0; i < count; i++)
			store_domain_dispose(&v[i]);
		free(v);
		return db_error(st, "listing domains");
	}
	*list = v;
	*n = count;
	return XU_OK;
}

/* Meta and the domain id counter. */

int
store_meta_get(struct store *st, const char *key, char **value)
{
	sqlite3_stmt *s;
	int rc, r;

	*value = NULL;
	if ((s = stmt(st, ST_META_GET)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_text(st, s, 1, key)) != XU_OK)
		return rc;
	r = sqlite3_step(s);
	if (r == SQLITE_ROW)
		*value = column_dup(s, 0);
	sqlite3_reset(s);
	if (r == SQLITE_ROW)
		return XU_OK;
	if (r == SQLITE_DONE)
		return set_error(st, XU_ERR_NOT_FOUND, "no meta key %s", key);
	return db_error(st, "reading meta");
}

int
store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt(st, ST_META_SET)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_text(st, s, 1, key)) != XU_OK ||
	    (rc = bind_text(st, s, 2, value)) != XU_OK)
		return rc;
	return step_done(st, s, "writing meta");
}

/* The lowest id the counter may hand out: the stored counter, and above
 * every domid in the table (a counter lost or behind cannot reuse ids). */
static int
next_domid(struct store *st, int64_t *next)
{
	sqlite3_stmt *s;
	char *text = NULL;
	int64_t counter = 1, max;
	int rc, r;

	rc = store_meta_get(st, "next_domid", &text);
	if (rc == XU_OK && xu_parse_int64(text, &counter) != XU_OK)
		counter = 1;
	free(text);
	if (rc != XU_OK && rc != XU_ERR_NOT_FOUND)
		return rc;
	if ((s = stmt(st, ST_DOMID_MAX)) == NULL)
		return XU_ERR_IO;
	r = sqlite3_step(s);
	max = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (r != SQLITE_ROW)
		return db_error(st, "reading domain ids");
	*next = counter > max + 1 ? counter : max + 1;
	if (*next < 1)
		*next = 1;
	return XU_OK;
}

static int
set_counter(struct store *st, int64_t next)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", (long long)next);
	return store_meta_set(st, "next_domid", text);
}

struct domid_arg {
	uint32_t *alloc;	/* alloc: hand out one */
	uint32_t seen;		/* else: move the counter above this */
};

static int
domid_tx(struct store *st, void *arg)
{
	struct domid_arg *a = arg;
	int64_t next = 1;
	int rc;

	if ((rc = next_domid(st, &next)) != XU_OK)
		return rc;
	if (a->alloc != NULL) {
		if (next > UINT32_MAX - 1)
			return set_error(st, XU_ERR_RANGE, "domain ids exhausted");
		*a->alloc = (uint32_t)next;
		return set_counter(st, next + 1);
	}
	if ((int64_t)a->seen >= next)
		return set_counter(st, (int64_t)a->seen + 1);
	return XU_OK;
}

int
store_domid_alloc(struct store *st, uint32_t *domid)
{
	struct domid_arg a = { domid, 0 };

	return store_tx(st, domid_tx, &a);
}

int
store_domid_seen(struct store *st, uint32_t domid)
{
	struct domid_arg a = { NULL, domid };

	return store_tx(st, domid_tx, &a);
}

/* Events. */

static int
event_tx(struct store *st, void *arg)
{
	const struct store_event *e = arg;
	sqlite3_stmt *s;
	int64_t last;
	int rc;

	if ((s = stmt(st, ST_EVENT_ADD)) == NULL)
		return XU_ERR_IO;
	if (sqlite3_bind_double(s, 1, xu_wall_s()) != SQLITE_OK)
		return db_error(st, "binding a value");
	if ((rc = bind_text(st, s, 2, e->uuid[0] ? e->uuid : NULL)) != XU_OK ||
	    (rc = e->domid < 0 ? bind_text(st, s, 3, NULL) :
	    bind_int(st, s, 3, e->domid)) != XU_OK ||
	    (rc = bind_text(st, s, 4, e->text)) != XU_OK ||
	    (rc = bind_text(st, s, 5, e->type)) != XU_OK ||
	    (rc = bind_text(st, s, 6, e->name)) != XU_OK ||
	    (rc = bind_text(st, s, 7, e->data)) != XU_OK ||
	    (rc = step_done(st, s, "logging an event")) != XU_OK)
		return rc;
	last = sqlite3_last_insert_rowid(st->db);
	if (last <= st->events_kept)
		return XU_OK;
	if ((s = stmt(st, ST_EVENT_PRUNE)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_int(st, s, 1, last - st->events_kept)) != XU_OK)
		return rc;
	return step_done(st, s, "pruning events");
}

int
store_event_put(struct store *st, const struct store_event *e)
{
	return store_tx(st, event_tx, (void *)e);
}

int
store_event_add(struct store *st, const char *uuid, int64_t domid,
    const char *text)
{
	struct store_event e = { .domid = domid, .text = (char *)text };

	snprintf(e.uuid, sizeof(e.uuid), "%s", uuid ? uuid : "");
	return store_event_put(st, &e);
}

void
store_set_events_kept(struct store *st, int64_t n)
{
	st->events_kept = n > 0 ? n : STORE_EVENTS_KEPT;
}

/* The rows of a listing statement (id, time, uuid, domid, event, type,
 * name, data), bound and ready to step. */
static int
read_events(struct store *st, sqlite3_stmt *s, struct store_event **list,
    size_t *n)
{
	struct store_event *v = NULL;
	size_t count = 0, cap = 0;
	int r;

	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *u = sqlite3_column_text(s, 2);
		struct store_event *e;

		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			v = xu_realloc(v, cap * sizeof(*v));
		}
		e = &v[count++];
		e->id = sqlite3_column_int64(s, 0);
		e->time = sqlite3_column_double(s, 1);
		snprintf(e->uuid, sizeof(e->uuid), "%s", u ? (const char *)u : "");
		e->domid = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(s, 3);
		e->text = column_dup(s, 4);
		e->type = column_dup(s, 5);
		e->name = column_dup(s, 6);
		e->data = column_dup(s, 7);
	}
	sqlite3_reset(s);
	if (r != SQLITE_DONE) {
		store_events_free(v, count);
		return db_error(st, "listing events");
	}
	*list = v;
	*n = count;
	return XU_OK;
}

int
store_event_list(struct store *st, const char *uuid, size_t max,
    struct store_event **list, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*list = NULL;
	*n = 0;
	if ((s = stmt(st, ST_EVENT_LIST)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_text(st, s, 1, uuid)) != XU_OK ||
	    (rc = bind_int(st, s, 2, (int64_t)max)) != XU_OK)
		return rc;
	return read_events(st, s, list, n);
}

int
store_events_since(struct store *st, int64_t since, size_t max,
    struct store_event **list, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	*list = NULL;
	*n = 0;
	if ((s = stmt(st, ST_EVENT_SINCE)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_int(st, s, 1, since)) != XU_OK ||
	    (rc = bind_int(st, s, 2, (int64_t)max)) != XU_OK)
		return rc;
	return read_events(st, s, list, n);
}

int
store_event_name_uuids(struct store *st, const char *name, char (**uuids)[37],
    size_t *n)
{
	char (*v)[37] = NULL;
	size_t count = 0;
	sqlite3_stmt *s;
	int rc, r;

	*uuids = NULL;
	*n = 0;
	if ((s = stmt(st, ST_EVENT_NAME_UUIDS)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_text(st, s, 1, name)) != XU_OK)
		return rc;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *u = sqlite3_column_text(s, 0);

		v = xu_realloc(v, (count + 1) * sizeof(*v));
		snprintf(v[count++], sizeof(*v), "%s", u ? (const char *)u : "");
	}
	sqlite3_reset(s);
	if (r != SQLITE_DONE) {
		free(v);
		return db_error(st, "reading the event log");
	}
	*uuids = v;
	*n = count;
	return XU_OK;
}

int
store_events_bounds(struct store *st, int64_t *first, int64_t *last)
{
	sqlite3_stmt *s;
	int r;

	*first = *last = 0;
	if ((s = stmt(st, ST_EVENT_BOUNDS)) == NULL)
		return XU_ERR_IO;
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		*last = sqlite3_column_int64(s, 1);
		*first = sqlite3_column_type(s, 0) == SQLITE_NULL ? *last + 1 :
		    sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	return r == SQLITE_ROW ? XU_OK : db_error(st, "reading the event log");
}

void
store_events_free(struct store_event *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(list[i].text);
		free(list[i].type);
		free(list[i].name);
		free(list[i].data);
	}
	free(list);
}

/* For the store's other files (store-int.h). */

sqlite3_stmt *
store_sql(struct store *st, const char *sql)
{
	struct store_sql *q;

	for (q = st->sqls; q != NULL; q = q->next)
		if (q->sql == sql)
			break;
	if (q == NULL) {
		q = xu_calloc(1, sizeof(*q));
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &q->s, NULL) != SQLITE_OK) {
			free(q);
			db_error(st, "preparing a statement");
			return NULL;
		}
		q->sql = sql;
		q->next = st->sqls;
		st->sqls = q;
	}
	sqlite3_reset(q->s);
	sqlite3_clear_bindings(q->s);
	return q->s;
}

int
store_sql_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	return step_done(st, s, what);
}

int
store_sql_text1(struct store *st, const char *sql, const char *text,
    const char *what)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = bind_text(st, s, 1, text)) != XU_OK)
		return rc;
	return step_done(st, s, what);
}

int
store_rows(struct store *st, const char *sql, size_t size,
    void (*read)(sqlite3_stmt *s, void *row), void (*dispose)(void *row),
    void **list, size_t *n, const char *what)
{
	char *v = NULL;
	size_t count = 0, cap = 0;
	sqlite3_stmt *s;
	int r;

	*list = NULL;
	*n = 0;
	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			v = xu_realloc(v, cap * size);
		}
		memset(v + count * size, 0, size);
		read(s, v + count * size);
		count++;
	}
	sqlite3_reset(s);
	if (r != SQLITE_DONE) {
		while (dispose != NULL && count > 0)
			dispose(v + --count * size);
		free(v);
		return db_error(st, what);
	}
	*list = v;
	*n = count;
	return XU_OK;
}

int
store_sql_error(struct store *st, const char *what)
{
	return db_error(st, what);
}

int
store_bind_text(struct store *st, sqlite3_stmt *s, int i, const char *v)
{
	return bind_text(st, s, i, v);
}

int
store_bind_int(struct store *st, sqlite3_stmt *s, int i, int64_t v)
{
	return bind_int(st, s, i, v);
}

char *
store_column_text(sqlite3_stmt *s, int i)
{
	return column_dup(s, i);
}

sqlite3 *
store_handle(struct store *st)
{
	return st->db;
}
