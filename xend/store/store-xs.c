/* store-xs.c: the xenstore's nodes in the state store: one row a node,
 * with its parent (for listings), value, permissions and generation. The
 * tree's rules (permissions, transactions, watches) are xenstore.c's. */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

void
store_xs_node_dispose(struct store_xs_node *n)
{
	free(n->value);
	free(n->perms);
	memset(n, 0, sizeof(*n));
}

int
store_xs_get(struct store *st, const char *path, struct store_xs_node *n)
{
	static const char sql[] =
	    "SELECT value, perms, gen FROM xenstore WHERE path = ?1";
	sqlite3_stmt *s;
	int rc, r;

	memset(n, 0, sizeof(*n));
	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, path)) != XU_OK)
		return rc;
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		const void *v = sqlite3_column_blob(s, 0);
		int len = sqlite3_column_bytes(s, 0);

		n->len = len > 0 ? (size_t)len : 0;
		n->value = xu_malloc(n->len + 1);
		if (n->len > 0)
			memcpy(n->value, v, n->len);
		n->value[n->len] = '\0';
		n->perms = store_column_text(s, 1);
		if (n->perms == NULL)
			n->perms = xu_strdup("n0");
		n->gen = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (r == SQLITE_ROW)
		return XU_OK;
	if (r == SQLITE_DONE)
		return XU_ERR_NOT_FOUND;
	return store_sql_error(st, "reading a xenstore node");
}

int
store_xs_put(struct store *st, const char *path, const char *parent,
    const char *value, size_t len, const char *perms, int64_t gen)
{
	static const char sql[] =
	    "INSERT INTO xenstore (path, parent, value, perms, gen) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT (path) DO UPDATE SET value = excluded.value, "
	    "perms = excluded.perms, gen = excluded.gen";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, path)) != XU_OK ||
	    (rc = store_bind_text(st, s, 2, parent)) != XU_OK)
		return rc;
	if (sqlite3_bind_blob(s, 3, len ? value : "", (int)len,
	    SQLITE_TRANSIENT) != SQLITE_OK)
		return store_sql_error(st, "binding a value");
	if ((rc = store_bind_text(st, s, 4, perms)) != XU_OK ||
	    (rc = store_bind_int(st, s, 5, gen)) != XU_OK)
		return rc;
	return store_sql_done(st, s, "writing a xenstore node");
}

int
store_xs_set_gen(struct store *st, const char *path, int64_t gen)
{
	static const char sql[] = "UPDATE xenstore SET gen = ?2 WHERE path = ?1";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, path)) != XU_OK ||
	    (rc = store_bind_int(st, s, 2, gen)) != XU_OK)
		return rc;
	return store_sql_done(st, s, "updating a xenstore node");
}

int
store_xs_children(struct store *st, const char *path, char ***names, size_t *n)
{
	static const char sql[] =
	    "SELECT path FROM xenstore WHERE parent = ?1 ORDER BY rowid";
	size_t count = 0, cap = 0, plen = strlen(path);
	char **v = NULL, *p;
	sqlite3_stmt *s;
	int rc, r;

	*names = NULL;
	*n = 0;
	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, path)) != XU_OK)
		return rc;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		p = store_column_text(s, 0);
		if (p == NULL || strlen(p) <= plen) {
			free(p);
			continue;
		}
		if (count + 1 >= cap) {
			cap = cap ? cap * 2 : 8;
			v = xu_realloc(v, cap * sizeof(*v));
		}
		/* "/a" + "/b", or "/" + "a" */
		v[count++] = xu_strdup(p + plen + (plen > 1 ? 1 : 0));
		free(p);
	}
	sqlite3_reset(s);
	if (r != SQLITE_DONE) {
		while (count > 0)
			free(v[--count]);
		free(v);
		return store_sql_error(st, "listing xenstore nodes");
	}
	*names = v;
	*n = count;
	return XU_OK;
}

int
store_xs_delete(struct store *st, const char *path)
{
	/* '0' follows '/': the range holds exactly the paths below */
	static const char sql[] =
	    "DELETE FROM xenstore WHERE path = ?1 OR "
	    "(path > ?1 || '/' AND path < ?1 || '0')";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, path)) != XU_OK)
		return rc;
	return store_sql_done(st, s, "removing xenstore nodes");
}

int
store_xs_max_gen(struct store *st, int64_t *gen)
{
	static const char sql[] = "SELECT COALESCE(MAX(gen), 0) FROM xenstore";
	sqlite3_stmt *s;
	int r;

	*gen = 0;
	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	r = sqlite3_step(s);
	if (r == SQLITE_ROW)
		*gen = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return r == SQLITE_ROW ? XU_OK : store_sql_error(st, "reading generations");
}
