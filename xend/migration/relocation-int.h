/* relocation-int.h: what the parts of live migration share: the server
 * (relocation.c), the destination (migrate-in.c), the source
 * (migrate-out.c) and the engine stream (migrate-engine.c). */
#ifndef XEND_RELOCATION_INT_H
#define XEND_RELOCATION_INT_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain.h"
#include "reloc-conn.h"
#include "relocation-proto.h"
#include "relocation.h"
#include "store.h"

struct evconnlistener;
struct accept_conn;
struct mig_in;
struct mig_out;

/* Time limits, seconds. */
#define RELOC_CONNECT_SECS	30	/* classic: 30 s connect timeout */
#define RELOC_HELLO_SECS	30	/* for a peer's first line */
#define RELOC_REPLY_SECS	60	/* for an answer that needs no stream */
#define RELOC_NAME_SECS		5	/* reverse lookup for hosts-allow */
#define RELOC_QUERY_SECS	60	/* asking a lost destination after commit;
					 * XEND_MIGRATE_QUERY_SECS overrides */

struct relocation {
	struct xend *x;
	struct evconnlistener *listeners[2];	/* plain, TLS */
	struct reloc_tls *tls;		/* loaded when TLS is on or asked for */
	regex_t *allow;			/* xend-relocation-hosts-allow */
	size_t nallow;
	char hostname[256];		/* this host, for messages */
	struct accept_conn *accepting;	/* before their first line */
	struct mig_in *ins;
	struct mig_out *outs;
};

/* relocation.c */
/* The TLS credentials from xend-config.sxp (loaded once). */
int reloc_tls_get(struct relocation *rl, struct reloc_tls **out,
    struct xu_err *err);
/* A TLS file's path: relative names are under /etc/xen (rooted). */
char *reloc_etc_xen_path(struct relocation *rl, const char *name);
/* The CA, certificate and key paths (borrowed from the options). */
void reloc_tls_paths(struct relocation *rl, const char **ca,
    const char **cert, const char **key);
/* Records a step (and the rest of m) in one transaction; logged on
 * failure, which the caller may treat as fatal before the commit. */
int reloc_record(struct relocation *rl, struct store_mig *m,
    const char *step, const char *message);
double reloc_now(void);
void reloc_keepalive(int fd);

/* migrate-in.c */
void mig_in_control(struct relocation *rl, int fd, const char *peer,
    bool tls);
void mig_in_data(struct relocation *rl, int fd, const char *peer,
    const char *id);
void mig_in_free_all(struct relocation *rl);
void mig_in_reconcile(struct relocation *rl, struct store_mig *m);
struct mig_in *mig_in_find_uuid(struct relocation *rl, const char *uuid);

/* migrate-out.c */
void mig_out_free_all(struct relocation *rl);
void mig_out_reconcile(struct relocation *rl, struct store_mig *m);
struct mig_out *mig_out_find_uuid(struct relocation *rl, const char *uuid);
void mig_out_progress(struct mig_out *o, uint64_t *bytes, uint64_t *total,
    double *rate);

/* migrate-engine.c: the engine's stream over a passed descriptor. */
typedef void (*mig_engine_done_fn)(void *arg, int rc, const char *msg,
    uint64_t bytes);
/* Source: streams d's state into fd (taken). Live: the guest runs until
 * the last round, then stops; done is called when QEMU is done (the guest
 * is then stopped here) or failed (QEMU resumed the guest if it ran). */
int mig_engine_send(struct domain *d, int fd, bool live, bool tls,
    const char *tls_host, mig_engine_done_fn done, void *arg,
    struct xu_err *err);
/* Bytes sent so far, the RAM to send, QEMU's downtime (ms, -1 unknown). */
bool mig_engine_progress(struct domain *d, uint64_t *bytes, uint64_t *total,
    int64_t *downtime_ms);
/* Destination: a new domain from vm, paused, its state loaded from fd
 * (taken); done as for domain_create, once the whole stream is in. *out
 * gets the domain (referenced by the table) on XU_OK. */
int mig_engine_receive(struct domains *t, const struct xv *vm, int fd,
    bool tls, domain_started_fn done, void *arg, struct domain **out,
    struct xu_err *err);
/* What the destination checks before it says ready: memory room, disks
 * reachable from here, bridges present. err names what is missing. */
int mig_engine_check(struct domains *t, const struct xv *vm,
    struct xu_err *err);

#endif
