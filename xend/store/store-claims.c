/* store-claims.c: the creates a client still holds, in the state store:
 * recorded with the domain's first record, removed when the client
 * finishes the create or the domain goes. */
#include "store-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
store_claim_put(struct store *st, const struct store_claim *c)
{
	static const char sql[] =
	    "INSERT INTO create_claims (uuid, pid, pid_start, finish) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (uuid) DO UPDATE SET "
	    "pid = excluded.pid, pid_start = excluded.pid_start, "
	    "finish = excluded.finish";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, c->uuid)) != XU_OK ||
	    (rc = store_bind_int(st, s, 2, c->pid)) != XU_OK ||
	    (rc = store_bind_int(st, s, 3, c->pid_start)) != XU_OK ||
	    (rc = store_bind_text(st, s, 4, c->finish)) != XU_OK)
		return rc;
	return store_sql_done(st, s, "recording a create's client");
}

int
store_claim_delete(struct store *st, const char *uuid)
{
	static const char sql[] = "DELETE FROM create_claims WHERE uuid = ?1";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	if ((rc = store_bind_text(st, s, 1, uuid)) != XU_OK)
		return rc;
	return store_sql_done(st, s, "removing a create's client");
}

int
store_claim_list(struct store *st, struct store_claim **list, size_t *n)
{
	static const char sql[] =
	    "SELECT uuid, pid, pid_start, finish FROM create_claims";
	struct store_claim *v = NULL;
	size_t count = 0, cap = 0;
	sqlite3_stmt *s;
	char *text;
	int r;

	*list = NULL;
	*n = 0;
	if ((s = store_sql(st, sql)) == NULL)
		return XU_ERR_IO;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			v = xu_realloc(v, cap * sizeof(*v));
		}
		memset(&v[count], 0, sizeof(v[count]));
		text = store_column_text(s, 0);
		snprintf(v[count].uuid, sizeof(v[count].uuid), "%s",
		    text ? text : "");
		free(text);
		v[count].pid = sqlite3_column_int64(s, 1);
		v[count].pid_start = sqlite3_column_int64(s, 2);
		text = store_column_text(s, 3);
		snprintf(v[count].finish, sizeof(v[count].finish), "%s",
		    text ? text : "");
		free(text);
		count++;
	}
	sqlite3_reset(s);
	if (r != SQLITE_DONE) {
		free(v);
		return store_sql_error(st, "listing creates' clients");
	}
	*list = v;
	*n = count;
	return XU_OK;
}
