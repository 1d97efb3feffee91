/* device-stats.c: a running domain's I/O counters for xm top
 * (xend.domains.stats): each vif's from its tap's
 * /sys/class/net/<tap>/statistics, turned to the guest's side, and each
 * disk's from what its monitor last read of QEMU's query-blockstats. */
#include "device.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "domain.h"
#include "xenstore.h"

/* Counters travel as doubles: XML-RPC's <int> has 32 bits, a byte count
 * passes that in an afternoon, and a double is exact to 2^53. */
static double
sysfs_counter(const char *ifname, const char *name)
{
	char path[256], *text = NULL;
	size_t len;
	double v = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname,
	    name);
	if (xu_read_file(path, 64, &text, &len) == XU_OK)
		v = (double)strtoull(text, NULL, 10);
	free(text);
	return v;
}

/* The tap's receive is what the guest sent, and its transmit what the
 * guest received: xentop shows a domain's traffic from the domain's side. */
static struct xv *
net_entry(long long devid, const char *ifname)
{
	static const struct { const char *key, *sysfs; } map[] = {
		{ "tx_bytes", "rx_bytes" }, { "tx_packets", "rx_packets" },
		{ "tx_errs", "rx_errors" }, { "tx_drop", "rx_dropped" },
		{ "rx_bytes", "tx_bytes" }, { "rx_packets", "tx_packets" },
		{ "rx_errs", "tx_errors" }, { "rx_drop", "tx_dropped" },
	};
	struct xv *st = xv_struct();
	size_t i;

	xv_struct_set(st, "devid", xv_int(devid));
	xv_struct_set(st, "vifname", xv_str(ifname ? ifname : ""));
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		xv_struct_set(st, map[i].key, xv_double(ifname ?
		    sysfs_counter(ifname, map[i].sysfs) : 0));
	return st;
}

static int
cmp_ids(const void *a, const void *b)
{
	long long x = strtoll(*(char *const *)a, NULL, 10);
	long long y = strtoll(*(char *const *)b, NULL, 10);

	return x < y ? -1 : x > y;
}

/* The ids under a directory of xenstore, in number order (free with
 * xenstore_names_free). */
static char **
sorted_ids(struct xenstore *xs, const char *dir, size_t *n)
{
	char **ids = xenstore_list(xs, dir, n);

	if (*n > 1)
		qsort(ids, *n, sizeof(*ids), cmp_ids);
	return ids;
}

/* One entry per device under dir (a directory of xenstore whose children
 * are device ids), in id order, made by entry. */
static struct xv *
per_device(struct domain *d, char *dir,
    struct xv *(*entry)(struct domain *d, const char *dir, const char *id))
{
	struct xenstore *xs = d->tab->x->xs;
	struct xv *out = xv_list();
	char **ids;
	size_t n, i;

	ids = sorted_ids(xs, dir, &n);
	for (i = 0; i < n; i++)
		xv_append(out, entry(d, dir, ids[i]));
	xenstore_names_free(ids, n);
	free(dir);
	return out;
}

static struct xv *
net_of(struct domain *d, const char *dir, const char *id)
{
	char *p = xu_asprintf("%s/%s/vifname", dir, id);
	char *ifname = xenstore_read_str(d->tab->x->xs, p);
	struct xv *st = net_entry(strtoll(id, NULL, 10), ifname);

	free(ifname);
	free(p);
	return st;
}

struct xv *
device_stats_nets(struct domain *d)
{
	if (!domain_running(d))
		return xv_list();
	return per_device(d, xu_asprintf("/local/domain/0/backend/vif/%u",
	    d->domid), net_of);
}

/* The monitor's figures for QEMU's device "vbd-<devid>", if it gave any. */
static const struct xc_blockstat *
find_blockstat(const struct domain *d, long long devid)
{
	char id[32];
	unsigned i;

	if (!d->have_info)
		return NULL;
	snprintf(id, sizeof(id), "vbd-%lld", devid);
	for (i = 0; i < d->info.nblockstats && i < XC_MAX_BLOCKSTATS; i++)
		if (strcmp(d->info.blockstats[i].id, id) == 0)
			return &d->info.blockstats[i];
	return NULL;
}

/* The disk's name in the guest ("xvda"), as its backend records it. */
static char *
vbd_name(struct domain *d, const char *dir, const char *id)
{
	struct xenstore *xs = d->tab->x->xs;
	char *p = xu_asprintf("%s/%s/backend", dir, id);
	char *be = xenstore_read_str(xs, p), *name = NULL;

	free(p);
	if (be != NULL) {
		p = xu_asprintf("%s/dev", be);
		name = xenstore_read_str(xs, p);
		free(p);
		free(be);
	}
	return name ? name : xu_strdup(id);
}

static struct xv *
vbd_of(struct domain *d, const char *dir, const char *id)
{
	long long devid = strtoll(id, NULL, 10);
	const struct xc_blockstat *b = find_blockstat(d, devid);
	struct xv *st = xv_struct();
	char *name = vbd_name(d, dir, id);

	xv_struct_set(st, "dev", xv_str(name));
	free(name);

	/* device numbers of xvdq and above pass 2^31: a double too */
	xv_struct_set(st, "devid", xv_double((double)devid));
	xv_struct_set(st, "oo_req", xv_double(0));
	xv_struct_set(st, "rd_req", xv_double(b ? (double)b->rd_ops : 0));
	xv_struct_set(st, "wr_req", xv_double(b ? (double)b->wr_ops : 0));
	xv_struct_set(st, "rd_sect", xv_double(b ? (double)(b->rd_bytes / 512) : 0));
	xv_struct_set(st, "wr_sect", xv_double(b ? (double)(b->wr_bytes / 512) : 0));
	xv_struct_set(st, "rd_bytes", xv_double(b ? (double)b->rd_bytes : 0));
	xv_struct_set(st, "wr_bytes", xv_double(b ? (double)b->wr_bytes : 0));
	return st;
}

struct xv *
device_stats_vbds(struct domain *d)
{
	if (!domain_running(d))
		return xv_list();
	return per_device(d, xu_asprintf("/local/domain/%u/device/vbd", d->domid),
	    vbd_of);
}
