/* memory.h: host memory as xend accounts it, the Xen way: dom0 (the host)
 * holds a reservation, every domain that exists holds its balloon target,
 * and what is left is free. xm info, xm list's Domain-0 row and admission
 * control all read the same picture. */
#ifndef XEND_MEMORY_H
#define XEND_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "xu.h"

struct domains;

struct mem_picture {
	int64_t total;		/* the host's RAM, MiB */
	int64_t dom0;		/* dom0's reservation */
	int64_t dom0_min;	/* dom0-min-mem */
	bool dom0_ballooning;	/* enable-dom0-ballooning */
	int64_t guests;		/* targets of the domains that exist */
	int64_t free;		/* total - dom0 - guests, at least 0 */
	int64_t available;	/* free, plus what dom0 may give up */
};

/* Reads dom0's reservation from the store, or sets it the first time from
 * what the host uses now (never below dom0-min-mem). */
void memory_init(struct domains *t);
void memory_picture(struct domains *t, struct mem_picture *p);
/* Room for need MiB more: XU_OK (dom0's reservation lowered first when
 * that is allowed and needed), or XU_ERR_RANGE with err "need X MiB,
 * available Y MiB". Nothing changes on failure. */
int memory_admit(struct domains *t, int64_t need, struct xu_err *err);
/* xm mem-set 0 N: dom0-min-mem up to what the guests leave. */
int memory_set_dom0(struct domains *t, int64_t mb, struct xu_err *err);

#endif
