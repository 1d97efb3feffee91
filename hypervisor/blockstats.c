/* blockstats.c: the disks' I/O counters (QMP query-blockstats) that
 * getinfo carries for xm top. getinfo answers at once with the figures
 * of the last look and starts the next one, so a request never waits on
 * QEMU; a monitor asked once per refresh is one refresh behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenhv.h"
#include "xenhv-proto.h"

#define PERIPHERAL	"/machine/peripheral/"

static uint64_t
stat_uint(yajl_val stats, const char *key)
{
	yajl_val v = qmp_member(stats, key);

	return YAJL_IS_INTEGER(v) && v->u.number.i > 0 ? (uint64_t)v->u.number.i : 0;
}

/* The device id QEMU reports a backend under: "vbd-51712" from
 * "/machine/peripheral/vbd-51712/virtio-backend", or the plain id. */
static bool
device_id(yajl_val entry, char *out, size_t len)
{
	const char *qdev = YAJL_GET_STRING(qmp_member(entry, "qdev"));
	size_t n;

	if (qdev == NULL || *qdev == '\0')
		qdev = YAJL_GET_STRING(qmp_member(entry, "device"));
	if (qdev == NULL || *qdev == '\0')
		return false;
	if (strncmp(qdev, PERIPHERAL, strlen(PERIPHERAL)) == 0)
		qdev += strlen(PERIPHERAL);
	n = strcspn(qdev, "/");
	if (n == 0 || n >= len)
		return false;
	memcpy(out, qdev, n);
	out[n] = '\0';
	return true;
}

static void
got_blockstats(void *opaque, yajl_val ret, const char *err)
{
	struct xhv_dom *d = opaque;
	size_t i;

	d->blk_busy = false;
	if (err != NULL || !YAJL_IS_ARRAY(ret))
		return;
	d->nblk = 0;
	for (i = 0; i < ret->u.array.len && d->nblk < XC_MAX_BLOCKSTATS; i++) {
		yajl_val e = ret->u.array.values[i], st = qmp_member(e, "stats");
		struct xc_blockstat *b = &d->blk[d->nblk];

		if (st == NULL || !device_id(e, b->id, sizeof(b->id)))
			continue;
		b->rd_ops = stat_uint(st, "rd_operations");
		b->wr_ops = stat_uint(st, "wr_operations");
		b->rd_bytes = stat_uint(st, "rd_bytes");
		b->wr_bytes = stat_uint(st, "wr_bytes");
		d->nblk++;
	}
}

void
xhv_blockstats_put(struct xhv_dom *d, yajl_gen g)
{
	static const unsigned char key[] = "blockstats";
	unsigned i;

	yajl_gen_string(g, key, sizeof(key) - 1);
	yajl_gen_array_open(g);
	for (i = 0; i < d->nblk; i++) {
		yajl_gen_map_open(g);
		xhp_put_str(g, "id", d->blk[i].id);
		xhp_put_uint(g, "rd_ops", d->blk[i].rd_ops);
		xhp_put_uint(g, "wr_ops", d->blk[i].wr_ops);
		xhp_put_uint(g, "rd_bytes", d->blk[i].rd_bytes);
		xhp_put_uint(g, "wr_bytes", d->blk[i].wr_bytes);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	/* the next look, unless one is on its way or QEMU is not there */
	if (!d->blk_busy && d->qmp != NULL && qmp_is_ready(d->qmp) &&
	    d->qemu_pid > 0 &&
	    qmp_command(d->qmp, "query-blockstats", NULL, got_blockstats, d, 5) == 0)
		d->blk_busy = true;
}
