/* xs-client.h: a blocking client of the xenstored socket protocol
 * (xs-wire.h) for the xenstore-* tools: one connection, requests matched
 * to replies, watch events queued until asked for. */
#ifndef XS_CLIENT_H
#define XS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs-wire.h"

struct xsc;

/* The socket: path if given, else $XENSTORED_PATH, else Xen's
 * /var/run/xenstored/socket. NULL with why filled on failure. */
struct xsc *xsc_open(const char *path, char *why, size_t whylen);
void xsc_close(struct xsc *c);
/* What went wrong with the connection itself (EIO from a call). */
const char *xsc_error(const struct xsc *c);

/* One request: 0 with the reply's payload (malloc'd, NUL added) or an
 * errno: xenstored's (from XS_ERROR) or EIO when the connection broke. */
int xsc_request(struct xsc *c, uint32_t type, uint32_t tx, const void *payload,
    size_t len, char **reply, size_t *rlen);

int xsc_read(struct xsc *c, uint32_t tx, const char *path, char **value,
    size_t *len);
int xsc_write(struct xsc *c, uint32_t tx, const char *path, const char *value,
    size_t len);
int xsc_mkdir(struct xsc *c, uint32_t tx, const char *path);
int xsc_rm(struct xsc *c, uint32_t tx, const char *path);
/* Names (or permission strings): free each and the array. */
int xsc_directory(struct xsc *c, uint32_t tx, const char *path, char ***names,
    size_t *n);
int xsc_get_perms(struct xsc *c, uint32_t tx, const char *path, char ***perms,
    size_t *n);
int xsc_set_perms(struct xsc *c, uint32_t tx, const char *path,
    char *const *perms, size_t n);
int xsc_watch(struct xsc *c, const char *path, const char *token);
/* Blocks for the next watch event; path and token malloc'd. */
int xsc_read_watch(struct xsc *c, char **path, char **token);
int xsc_txn_start(struct xsc *c, uint32_t *tx);
int xsc_txn_end(struct xsc *c, uint32_t tx, bool commit);
/* XS_RESTRICT: act as domain domid from now on. */
int xsc_restrict(struct xsc *c, uint32_t domid);
void xsc_strings_free(char **v, size_t n);

#endif
