/* relocation.h: live migration between hosts: xend's relocation server
 * (listeners, hosts-allow, first lines), the two ends of a migration and
 * their reconciliation at start. Protocol: relocation-proto.h; design:
 * docs/ARCHITECTURE.md, "Live migration and the relocation protocol". */
#ifndef XEND_RELOCATION_H
#define XEND_RELOCATION_H

#include <stdbool.h>
#include <stdint.h>

#include "xu.h"
#include "xv.h"

struct xend;
struct domain;
struct relocation;

/* Opens the listeners xend-config.sxp asks for (xend-relocation-server,
 * xend-relocation-ssl-server). A listener that cannot open is an error
 * naming the address and port. */
int relocation_start(struct xend *x, struct relocation **out,
    struct xu_err *err);
/* Closes listeners and connections; migrations in flight are left to the
 * next xend's reconciliation (their records say where they were). */
void relocation_free(struct relocation *rl);
/* Finishes what the records say was in flight when the last xend ended:
 * called once the domains are re-adopted. */
void relocation_reconcile(struct relocation *rl);

/* The answer to xm migrate: rc XU_OK once the guest runs on the
 * destination (and the local copy is gone), else msg says what failed and
 * where the guest is. */
typedef void (*migrate_done_fn)(void *arg, int rc, const char *msg);

struct migrate_args {
	const char *host;
	int port;		/* 0: xend-relocation-(ssl-)port */
	bool live;
	bool ssl;
};

int migrate_out_start(struct relocation *rl, struct domain *d,
    const struct migrate_args *a, migrate_done_fn done, void *arg,
    struct xu_err *err);
/* The migration in flight of d (or its last one): a struct with step,
 * peer, direction, bytes, total, rate (bytes/s), downtime_ms, message;
 * NULL when there is none. */
struct xv *relocation_status(struct relocation *rl, struct domain *d);
/* (migration (direction ..) (peer ..) (step ..) ...) for the domain SXP,
 * NULL when the domain never migrated. */
struct xv *relocation_sxp(struct relocation *rl, const char *uuid);

#endif
