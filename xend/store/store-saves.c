/* store-saves.c: the saves under way, in the state store: recorded before
 * the file is made, so that a new xend finishes a save whose file was
 * complete or abandons one that was not (domain-save.c). */
#include "store-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
store_save_put(struct store *st, const struct store_save *v)
{
	static const char sql[] =
	    "INSERT INTO saves (uuid, path, tmp, step, was_running, checkpoint, "
	    "suspend) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (uuid) DO "
	    "UPDATE SET path = excluded.path, tmp = excluded.tmp, "
	    "step = excluded.step, was_running = excluded.was_running, "
	    "checkpoint = excluded.checkpoint, suspend = excluded.suspend";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, v->uuid)) != XU_OK ||
	    (rc = store_bind_text(st, s, 2, v->path)) != XU_OK ||
	    (rc = store_bind_text(st, s, 3, v->tmp)) != XU_OK ||
	    (rc = store_bind_text(st, s, 4, v->step)) != XU_OK ||
	    (rc = store_bind_int(st, s, 5, v->was_running)) != XU_OK ||
	    (rc = store_bind_int(st, s, 6, v->checkpoint)) != XU_OK ||
	    (rc = store_bind_int(st, s, 7, v->suspend)) != XU_OK)
		return rc;
	return store_sql_done(st, s, "recording a save");
}

int
store_save_delete(struct store *st, const char *uuid)
{
	static const char sql[] = "DELETE FROM saves WHERE uuid = ?1";

	return store_sql_text1(st, sql, uuid, "removing a save's record");
}

static void
save_dispose(void *row)
{
	struct store_save *v = row;

	free(v->path);
	free(v->tmp);
}

void
store_save_list_free(struct store_save *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		save_dispose(&v[i]);
	free(v);
}

static void
read_save(sqlite3_stmt *s, void *row)
{
	struct store_save *v = row;
	char *text;

	text = store_column_text(s, 0);
	snprintf(v->uuid, sizeof(v->uuid), "%s", text ? text : "");
	free(text);
	v->path = store_column_text(s, 1);
	v->tmp = store_column_text(s, 2);
	text = store_column_text(s, 3);
	snprintf(v->step, sizeof(v->step), "%s", text ? text : "");
	free(text);
	v->was_running = sqlite3_column_int64(s, 4) != 0;
	v->checkpoint = sqlite3_column_int64(s, 5) != 0;
	v->suspend = sqlite3_column_int64(s, 6) != 0;
}

int
store_save_list(struct store *st, struct store_save **list, size_t *n)
{
	static const char sql[] = "SELECT uuid, path, tmp, step, was_running, "
	    "checkpoint, suspend FROM saves";

	return store_rows(st, sql, sizeof(**list), read_save, save_dispose,
	    (void **)list, n, "listing saves");
}
