/* store.h: xend's state database (SQLite, WAL): domains and their configs,
 * the domain id counter, the event log. Every state change is one
 * transaction; the schema moves forward by numbered migrations. */
#ifndef XEND_STORE_H
#define XEND_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xu.h"

/* Where the database lives under the root prefix. */
#define STORE_DB_PATH		XEN_LOCALSTATEDIR "/lib/xend/xend.db"
#define STORE_BUSY_TIMEOUT_MS	5000
#define STORE_EVENTS_KEPT	10000	/* older event rows are pruned */

struct store;

/* Opens (creating) the database at path and brings its schema up to date.
 * A database written by a newer xend (higher user_version) is refused.
 * On failure *out is NULL and err names the file and SQLite's message. */
int store_open(struct store **out, const char *path, struct xu_err *err);
void store_close(struct store *st);

/* The schema version the database is at (PRAGMA user_version), and the
 * one this build knows. */
int store_schema_version(struct store *st);
int store_schema_latest(void);

/* The last error on this handle: what was being done and sqlite3_errmsg. */
const char *store_errmsg(const struct store *st);

/* Transactions nest: only the outermost begin/commit talks to SQLite, and
 * a rollback at any depth makes the outermost commit roll back (and fail).
 * Single calls below that change state open their own transaction when
 * none is open. */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
/* Runs fn in one transaction: committed if it returns XU_OK, rolled back
 * otherwise (fn's code is returned). */
int store_tx(struct store *st, int (*fn)(struct store *, void *), void *arg);
/* fn runs each time the outermost transaction ends: committed, or rolled
 * back. One hook per handle (the xenstore fires its watches from it). */
void store_set_tx_hook(struct store *st, void (*fn)(void *arg, bool committed),
    void *arg);

/* One row of the domains table. */
struct store_domain {
	char uuid[37];
	char *name;
	int64_t domid;		/* -1: not running (NULL in the table) */
	bool managed;		/* created with xm new: kept when halted */
	char *config;		/* the (vm ...) SXP, printed */
	char *state;		/* "running", "halted", ... */
	int64_t restart_count;
	double start_time;	/* epoch seconds, 0 when never started */
	int64_t created, updated;	/* epoch seconds; set by the store */
};

void store_domain_init(struct store_domain *d);
void store_domain_dispose(struct store_domain *d);

/* Inserts or updates the row with d->uuid. A name or domid used by another
 * domain gives XU_ERR_INVALID (store_errmsg says which). */
int store_domain_put(struct store *st, const struct store_domain *d);
/* XU_ERR_NOT_FOUND when there is no such row; d is then left empty. */
int store_domain_get(struct store *st, const char *uuid, struct store_domain *d);
int store_domain_get_by_name(struct store *st, const char *name,
    struct store_domain *d);
int store_domain_get_by_domid(struct store *st, int64_t domid,
    struct store_domain *d);
int store_domain_delete(struct store *st, const char *uuid);
/* Every row, ordered by domid (running first) then name. Free each with
 * store_domain_dispose and the array with free(). */
int store_domain_list(struct store *st, struct store_domain **list, size_t *n);

/* Domain ids: increasing, never reused while the database lives. Returns
 * the next free id (at least 1, above every id in the domains table) and
 * moves the counter past it. */
int store_domid_alloc(struct store *st, uint32_t *domid);
/* Makes sure the counter is above domid (re-adopting a running domain). */
int store_domid_seen(struct store *st, uint32_t domid);

/* Small key/value settings (the meta table). */
int store_meta_get(struct store *st, const char *key, char **value);
int store_meta_set(struct store *st, const char *key, const char *value);

/* The event log: lines of a domain's (or xend's) log, and typed events
 * (xm events) that carry such a line too. Ids are never reused, also
 * after pruning (AUTOINCREMENT): they are the events' sequence numbers. */
struct store_event {
	int64_t id;		/* set by the store */
	double time;		/* set by the store */
	char uuid[37];		/* "" for none (xend's own lines) */
	int64_t domid;		/* -1: none */
	char *text;		/* the log line */
	char *type;		/* NULL: a log line only; else "created"... */
	char *name;		/* the domain's name then, or NULL */
	char *data;		/* the details, SXP ((key value) ...), or NULL */
};
int store_event_put(struct store *st, const struct store_event *e);
/* A log line only. uuid may be NULL and domid -1 for host events. */
int store_event_add(struct store *st, const char *uuid, int64_t domid,
    const char *text);
/* How many rows the log keeps (the newest; 0: STORE_EVENTS_KEPT). */
void store_set_events_kept(struct store *st, int64_t n);
/* The newest max events (for uuid, or all when NULL), oldest first. Free
 * with store_events_free. */
int store_event_list(struct store *st, const char *uuid, size_t max,
    struct store_event **list, size_t *n);
/* Typed events with an id above since, oldest first, max at most. */
int store_events_since(struct store *st, int64_t since, size_t max,
    struct store_event **list, size_t *n);
/* The UUIDs of the domains the log recorded under name; free *uuids. */
int store_event_name_uuids(struct store *st, const char *name,
    char (**uuids)[37], size_t *n);
/* The oldest id the log still holds (last + 1 when it is empty) and the
 * last id it ever gave (0 for none). */
int store_events_bounds(struct store *st, int64_t *first, int64_t *last);
void store_events_free(struct store_event *list, size_t n);

/* ---- devices: xenstore nodes (store-xs.c) ---------------------------- */

/* One xenstore node as stored: its value (any bytes), its permissions
 * ("n0 r5": Xen's text forms, space separated) and its generation. */
struct store_xs_node {
	char *value;		/* NUL-terminated copy; len says the real size */
	size_t len;
	char *perms;
	int64_t gen;
};

void store_xs_node_dispose(struct store_xs_node *n);
/* XU_ERR_NOT_FOUND when the path has no node. */
int store_xs_get(struct store *st, const char *path, struct store_xs_node *n);
/* Inserts or updates path (its parent given, NULL for "/"). */
int store_xs_put(struct store *st, const char *path, const char *parent,
    const char *value, size_t len, const char *perms, int64_t gen);
int store_xs_set_gen(struct store *st, const char *path, int64_t gen);
/* The children's names, in the order they were made. */
int store_xs_children(struct store *st, const char *path, char ***names,
    size_t *n);
/* Removes path and every node below it. */
int store_xs_delete(struct store *st, const char *path);
/* The highest generation stored (0 for none). */
int store_xs_max_gen(struct store *st, int64_t *gen);

/* ---- devices: disk writer locks (store-locks.c) ----------------------- */

/* A create whose client holds it (store-claims.c): the client's process
 * (its pid and start time, so that a reused pid is told apart) and the
 * call that finishes the create. */
struct store_claim {
	char uuid[37];
	int64_t pid;
	int64_t pid_start;
	char finish[32];
};

int store_claim_put(struct store *st, const struct store_claim *c);
int store_claim_delete(struct store *st, const char *uuid);
/* Every claim; free the array with free(). */
int store_claim_list(struct store *st, struct store_claim **list, size_t *n);

/* A save under way (store-saves.c): recorded before its file is made.
 * step: "recorded" (the partial file tmp may exist), then "streaming"
 * (tmp exists until it is renamed to path, which completes the file). */
struct store_save {
	char uuid[37];
	char *path, *tmp;
	char step[16];
	bool was_running, checkpoint, suspend;
};

int store_save_put(struct store *st, const struct store_save *v);
int store_save_delete(struct store *st, const char *uuid);
/* Every save under way; free with store_save_list_free. */
int store_save_list(struct store *st, struct store_save **list, size_t *n);
void store_save_list_free(struct store_save *v, size_t n);

struct store_lock {
	char *key;		/* f:<dev>:<ino> or b:<major>:<minor> */
	char *uuid;		/* the domain holding it */
	int64_t devid;
	char *path;
	char *mode;		/* r, w, w! */
	char *holder;		/* the domain's name, from its record */
};

void store_lock_dispose(struct store_lock *l);
/* A writer (w or w!) of key that is another domain than uuid and still
 * has a record: XU_OK with *l filled, XU_ERR_NOT_FOUND when none. */
int store_lock_writer(struct store *st, const char *key, const char *uuid,
    struct store_lock *l);
int store_lock_put(struct store *st, const char *key, const char *uuid,
    int64_t devid, const char *path, const char *mode);
/* Releases one device's lock, or (devid < 0) all of a domain's. */
int store_lock_release(struct store *st, const char *uuid, int64_t devid);
/* Every lock row (for reconciliation); free each and the array. */
int store_lock_list(struct store *st, struct store_lock **list, size_t *n);

/* ---- migrations (store-mig.c) ------------------------------------------ */

/* Migrations (store-mig.c): one row per migration and direction, kept
 * after it ends (xm list -l shows a domain's last one; a source that lost
 * its peer asks for a step by id). */
struct store_mig {
	char id[33];
	char direction[4];	/* "in", "out" */
	char uuid[37];
	char *name;
	char *peer;
	bool live, ssl, paused;
	char *step;		/* relocation-proto.h RELOC_STEP_* */
	char *message;		/* NULL when none */
	double started, ended;	/* ended 0 while in flight */
	int64_t bytes, total, downtime_ms;	/* downtime -1: unknown */
	int64_t domid;		/* this host's copy, 0 for none */
};

void store_mig_init(struct store_mig *m);
void store_mig_dispose(struct store_mig *m);
/* Inserts or replaces the row with m->id. */
int store_mig_put(struct store *st, const struct store_mig *m);
/* XU_ERR_NOT_FOUND when there is none. */
int store_mig_get(struct store *st, const char *id, struct store_mig *m);
/* The newest migration of a domain (either direction). */
int store_mig_last(struct store *st, const char *uuid, struct store_mig *m);
/* Every migration still in flight (ended is NULL), oldest first. Free each
 * with store_mig_dispose and the array with free(). */
int store_mig_unfinished(struct store *st, struct store_mig **list, size_t *n);

/* How many migrations each direction has had, by outcome, since the
 * database began (rows are never removed): /metrics' counters. */
struct store_mig_tally {
	int64_t started, succeeded, failed, uncertain;
};
/* t[0] the incoming ones, t[1] the outgoing. */
int store_mig_tally(struct store *st, struct store_mig_tally t[2]);

#endif
