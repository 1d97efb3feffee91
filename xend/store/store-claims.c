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

	return store_sql_text1(st, sql, uuid, "removing a create's client");
}

static void
read_claim(sqlite3_stmt *s, void *row)
{
	struct store_claim *c = row;
	char *text;

	text = store_column_text(s, 0);
	snprintf(c->uuid, sizeof(c->uuid), "%s", text ? text : "");
	free(text);
	c->pid = sqlite3_column_int64(s, 1);
	c->pid_start = sqlite3_column_int64(s, 2);
	text = store_column_text(s, 3);
	snprintf(c->finish, sizeof(c->finish), "%s", text ? text : "");
	free(text);
}

int
store_claim_list(struct store *st, struct store_claim **list, size_t *n)
{
	static const char sql[] =
	    "SELECT uuid, pid, pid_start, finish FROM create_claims";

	return store_rows(st, sql, sizeof(**list), read_claim, NULL,
	    (void **)list, n, "listing creates' clients");
}
