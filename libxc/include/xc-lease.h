/* xc-lease.h: the domain lock's files on shared storage (sanlock), shared
 * by xend (the lockspace it joins) and xenhv (the lease a domain's monitor
 * holds). See docs/CLUSTER.md, "Locks without Pacemaker". */
#ifndef XC_LEASE_H
#define XC_LEASE_H

#include <stdbool.h>
#include <stddef.h>

/* The sanlock lockspace every xend sharing a lock directory joins. */
#define XC_LEASE_LOCKSPACE	"xend"
/* sanlock's host ids: 1..2000 with 512-byte sectors and 1 MiB areas. */
#define XC_LEASE_MAX_HOSTS	2000

/* Whether this build has sanlock (configure found libsanlock_client). */
bool xc_lease_supported(void);

/* DIR/xend-lockspace, DIR/UUID.lease, DIR/host-ID (the host's name). */
char *xc_lease_lockspace_path(const char *dir);
char *xc_lease_path(const char *dir, const char *uuid);
char *xc_lease_host_path(const char *dir, unsigned host_id);

/* Makes path a formatted sanlock area if it does not exist yet: the
 * lockspace (resource NULL) or the lease of that resource. The area is
 * formatted in a temporary file beside it and linked into place, so the
 * name never shows a half-made area, and an existing file (which another
 * host may hold) is never written again. Needs the local sanlock daemon.
 * 0, or -1 with err filled. */
int xc_lease_file_make(const char *path, const char *resource, char *err,
    size_t errlen);

/* The host's name in DIR/host-ID, for the messages of other hosts; and
 * read back (NULL when unknown; caller frees). */
int xc_lease_host_name_write(const char *dir, unsigned host_id, char *err,
    size_t errlen);
char *xc_lease_host_name(const char *dir, unsigned host_id);

#endif
