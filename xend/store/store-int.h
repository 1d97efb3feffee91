/* store-int.h: what the store's other files (store-xs.c, store-locks.c, store-mig.c)
 * share with store.c: cached prepared statements and its error handling.
 * Not for the rest of xend, which sees only store.h. */
#ifndef XEND_STORE_INT_H
#define XEND_STORE_INT_H

#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

/* The statement for sql, prepared on first use and cached by the
 * pointer (pass a string constant), reset and unbound; NULL with the
 * store's error set. */
sqlite3_stmt *store_sql(struct store *st, const char *sql);
/* Steps a statement that returns no rows. */
int store_sql_done(struct store *st, sqlite3_stmt *s, const char *what);
/* Records SQLite's last error as the store's, doing `what`. */
int store_sql_error(struct store *st, const char *what);
int store_bind_text(struct store *st, sqlite3_stmt *s, int i, const char *v);
int store_bind_int(struct store *st, sqlite3_stmt *s, int i, int64_t v);
/* Runs sql (a string constant) with one text parameter ?1 = text and no
 * rows: the deletes by a domain's UUID. */
int store_sql_text1(struct store *st, const char *sql, const char *text,
    const char *what);
/* Every row of sql (a string constant, no parameters) into a malloc'd
 * array of *n elements of size bytes each, zeroed, then filled by read;
 * on an error, dispose (if any) empties those read so far. */
int store_rows(struct store *st, const char *sql, size_t size,
    void (*read)(sqlite3_stmt *s, void *row), void (*dispose)(void *row),
    void **list, size_t *n, const char *what);
/* A column's text, malloc'd; NULL for SQL NULL. */
char *store_column_text(sqlite3_stmt *s, int i);
sqlite3 *store_handle(struct store *st);

#endif
