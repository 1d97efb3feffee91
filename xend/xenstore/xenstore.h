/* xenstore.h: the xenstore xend keeps: a tree of nodes in the state store
 * (SQLite, store-xs.c) with Xen's permissions, optimistic transactions and
 * watches. xs-server.c puts it on Xen's socket protocol; xend's own code
 * calls it directly as dom0.
 *
 * Errors are Xen's vocabulary: 0 or an errno (ENOENT, EACCES, EINVAL,
 * EEXIST, EPERM, EAGAIN, ENOSPC, E2BIG, EIO), as XS_ERROR carries them.
 * Paths are absolute and canonical (xenstore_canon makes them so). */
#ifndef XEND_XENSTORE_H
#define XEND_XENSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs-wire.h"

struct store;
struct xenstore;
struct xs_txn;

/* Who asks: dom0 (privileged: may do anything) or a domain, as a
 * connection becomes after XS_RESTRICT. */
struct xs_caller {
	uint32_t domid;
	bool privileged;
};

extern const struct xs_caller xs_dom0;

/* Limits on what one caller may hold. */
#define XS_TXN_OPS_MAX		1024	/* operations in one transaction */

struct xenstore *xenstore_new(struct store *st);
void xenstore_free(struct xenstore *xs);

/* A path as the caller gave it, made absolute (a relative path is under
 * /local/domain/<caller's domid>) and checked; *out is malloc'd. Watch
 * paths may also be "@name" (special_ok). */
int xenstore_canon(const struct xs_caller *c, const char *path, bool special_ok,
    char **out);

/* The operations; t is NULL outside a transaction. A transaction sees its
 * own changes; they reach the store when it commits. */
int xenstore_read(struct xenstore *xs, const struct xs_caller *c, struct xs_txn *t,
    const char *path, char **value, size_t *len);
int xenstore_write(struct xenstore *xs, const struct xs_caller *c, struct xs_txn *t,
    const char *path, const char *value, size_t len);
int xenstore_mkdir(struct xenstore *xs, const struct xs_caller *c, struct xs_txn *t,
    const char *path);
int xenstore_rm(struct xenstore *xs, const struct xs_caller *c, struct xs_txn *t,
    const char *path);
/* The children's names, in creation order; free each and the array. */
int xenstore_directory(struct xenstore *xs, const struct xs_caller *c,
    struct xs_txn *t, const char *path, char ***names, size_t *n);
int xenstore_get_perms(struct xenstore *xs, const struct xs_caller *c,
    struct xs_txn *t, const char *path, struct xsw_perm **perms, size_t *n);
int xenstore_set_perms(struct xenstore *xs, const struct xs_caller *c,
    struct xs_txn *t, const char *path, const struct xsw_perm *perms, size_t n);

/* Transactions: start never fails; end frees t and, when committing,
 * answers EAGAIN if a node the transaction looked at has changed since. */
struct xs_txn *xenstore_txn_start(struct xenstore *xs, const struct xs_caller *c);
int xenstore_txn_end(struct xenstore *xs, struct xs_txn *t, bool commit);

/* Watches: fn(owner, path, token) for every change at or below the
 * watched path once it is committed (path relative when the watch was);
 * a removal also fires watches below the removed node. "@releaseDomain"
 * and "@introduceDomain" fire when a domain's instance ends or begins.
 * An unprivileged watcher hears only of nodes it may read, as it is
 * when the change comes (c is kept: it must live as long as the watch). */
typedef void (*xs_watch_fn)(void *owner, const char *path, const char *token);
int xenstore_watch(struct xenstore *xs, const struct xs_caller *c, void *owner,
    xs_watch_fn fn, const char *path, const char *token);
int xenstore_unwatch(struct xenstore *xs, void *owner, const char *path,
    const char *token);
void xenstore_unwatch_all(struct xenstore *xs, void *owner);
void xenstore_fire_special(struct xenstore *xs, const char *name);

/* ---- conveniences for xend (as dom0, outside transactions) ---------- */

int xenstore_write_str(struct xenstore *xs, const char *path, const char *value);
int xenstore_writef(struct xenstore *xs, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* NULL when missing. */
char *xenstore_read_str(struct xenstore *xs, const char *path);
int xenstore_remove(struct xenstore *xs, const char *path);
/* Sets the permissions from their text ("n5 r0"); makes the node. */
int xenstore_set_perms_str(struct xenstore *xs, const char *path, const char *perms);
/* NULL (and *n 0) when missing. */
char **xenstore_list(struct xenstore *xs, const char *path, size_t *n);
void xenstore_names_free(char **names, size_t n);

#endif
