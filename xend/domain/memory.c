/* memory.c: host memory accounting: dom0's reservation (kept in the
 * store), the guests' targets, admission control. One function computes
 * the picture for xm info, xm list and every admission. */
#include "memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "domain.h"
#include "log.h"
#include "store.h"
#include "xend-options.h"

#define META_DOM0	"dom0_mem"

/* MemTotal and MemAvailable, MiB. */
static void
host_meminfo(int64_t *total, int64_t *avail)
{
	char *text = NULL, *p;
	size_t len;
	long long kb;

	*total = *avail = 0;
	if (xu_read_file("/proc/meminfo", 1 << 16, &text, &len) != XU_OK)
		return;
	if ((p = strstr(text, "MemTotal:")) != NULL && sscanf(p + 9, "%lld", &kb) == 1)
		*total = kb / 1024;
	if ((p = strstr(text, "MemAvailable:")) != NULL && sscanf(p + 13, "%lld", &kb) == 1)
		*avail = kb / 1024;
	free(text);
}

static int64_t
dom0_min(struct domains *t)
{
	return xend_opt_int(t->x->opts, "dom0-min-mem");
}

static int
save_dom0(struct domains *t, int64_t mb)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", (long long)mb);
	if (store_meta_set(t->x->store, META_DOM0, num) != XU_OK) {
		log_error("cannot record Domain-0's memory: %s",
		    store_errmsg(t->x->store));
		return XU_ERR_IO;
	}
	t->dom0_mem = mb;
	return XU_OK;
}

void
memory_init(struct domains *t)
{
	int64_t total, avail, used, v;
	char *text = NULL;

	if (store_meta_get(t->x->store, META_DOM0, &text) == XU_OK &&
	    xu_parse_int64(text, &v) == XU_OK && v > 0) {
		t->dom0_mem = v;
		free(text);
		return;
	}
	free(text);
	host_meminfo(&total, &avail);
	used = total - avail;
	if (used < dom0_min(t))
		used = dom0_min(t);
	if (used < 1)
		used = 1;
	log_info("Domain-0's memory reservation set to %lld MiB (what the host "
	    "uses now, at least dom0-min-mem)", (long long)used);
	(void)save_dom0(t, used);
	t->dom0_mem = used;
}

void
memory_picture(struct domains *t, struct mem_picture *p)
{
	int64_t avail;
	size_t i;

	memset(p, 0, sizeof(*p));
	host_meminfo(&p->total, &avail);
	p->dom0 = t->dom0_mem;
	p->dom0_min = dom0_min(t);
	p->dom0_ballooning = xend_opt_bool(t->x->opts, "enable-dom0-ballooning");
	for (i = 0; i < t->n; i++) {
		const struct domain *d = t->v[i];

		if (!d->is_dom0 && d->phase != DOM_PHASE_HALTED)
			p->guests += d->cfg.memory;
	}
	p->free = p->total - p->dom0 - p->guests;
	if (p->free < 0)
		p->free = 0;
	p->available = p->free;
	if (p->dom0_ballooning && p->dom0 > p->dom0_min)
		p->available += p->dom0 - p->dom0_min;
}

int
memory_admit(struct domains *t, int64_t need, struct xu_err *err)
{
	struct mem_picture p;
	int64_t give;

	memory_picture(t, &p);
	if (need <= p.free)
		return XU_OK;
	if (need > p.available) {
		xu_err_set(err, XU_ERR_RANGE, 0, "need %lld MiB, available %lld MiB",
		    (long long)need, (long long)p.available);
		return XU_ERR_RANGE;
	}
	give = need - p.free;
	log_info("Domain-0's memory lowered from %lld to %lld MiB to make room "
	    "(enable-dom0-ballooning)", (long long)p.dom0, (long long)(p.dom0 - give));
	if (save_dom0(t, p.dom0 - give) != XU_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot record Domain-0's memory: %s",
		    store_errmsg(t->x->store));
		return XU_ERR_IO;
	}
	return XU_OK;
}

int
memory_set_dom0(struct domains *t, int64_t mb, struct xu_err *err)
{
	struct mem_picture p;
	int64_t room;

	memory_picture(t, &p);
	if (mb < 1 || mb < p.dom0_min) {
		xu_err_set(err, XU_ERR_RANGE, 0, "Domain-0 memory %lld MiB is below "
		    "its floor, %lld MiB (dom0-min-mem)", (long long)mb,
		    (long long)(p.dom0_min > 1 ? p.dom0_min : 1));
		return XU_ERR_RANGE;
	}
	room = p.total - p.guests;
	if (mb > room) {
		xu_err_set(err, XU_ERR_RANGE, 0, "Domain-0: need %lld MiB, available "
		    "%lld MiB (the host has %lld MiB, guests hold %lld MiB)",
		    (long long)mb, (long long)room, (long long)p.total,
		    (long long)p.guests);
		return XU_ERR_RANGE;
	}
	if (save_dom0(t, mb) != XU_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot record Domain-0's memory: %s",
		    store_errmsg(t->x->store));
		return XU_ERR_IO;
	}
	log_info("Domain-0's memory reservation is now %lld MiB", (long long)mb);
	return XU_OK;
}
