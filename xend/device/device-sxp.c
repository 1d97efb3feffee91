/* device-sxp.c: a domain's devices as xm reads them: getDeviceSxprs'
 * [devid, [[key, value] ...]] per device (the frontend directory in
 * xenstore, as classic xend read it; reference 3.8, 3.9), and the
 * (device (vif ...)) / (device (vbd ...)) children of xm list -l. */
#include "device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "domain.h"
#include "xenstore.h"

/* The keys shown: the frontend's, in classic order where it had one. */
static void
frontend_pairs(struct xenstore *xs, const char *dir, struct xv *pairs)
{
	char **keys, *p, *v;
	size_t n, i;

	keys = xenstore_list(xs, dir, &n);
	for (i = 0; i < n; i++) {
		p = xu_asprintf("%s/%s", dir, keys[i]);
		v = xenstore_read_str(xs, p);
		if (v != NULL)
			xv_append(pairs, xv_append(xv_append(xv_list(),
			    xv_str(keys[i])), xv_str(v)));
		free(v);
		free(p);
	}
	xenstore_names_free(keys, n);
}

static int
cmp_devid(const void *a, const void *b)
{
	long long x = strtoll(*(char *const *)a, NULL, 10);
	long long y = strtoll(*(char *const *)b, NULL, 10);

	return x < y ? -1 : x > y;
}

struct xv *
device_sxprs(struct domain *d, enum dev_kind kind)
{
	struct xenstore *xs = d->tab->x->xs;
	struct xv *out = xv_list();
	char **ids, *dir, *fe;
	size_t n, i;

	if (!domain_running(d))
		return out;
	dir = xu_asprintf("/local/domain/%u/device/%s", d->domid,
	    device_kind_name(kind));
	ids = xenstore_list(xs, dir, &n);
	if (n > 1)
		qsort(ids, n, sizeof(*ids), cmp_devid);
	for (i = 0; i < n; i++) {
		struct xv *pairs = xv_list();
		long long id = strtoll(ids[i], NULL, 10);

		fe = xu_asprintf("%s/%s", dir, ids[i]);
		frontend_pairs(xs, fe, pairs);
		/* XML-RPC ints are 32 bits: xvdq and above travel as text */
		xv_append(out, xv_append(xv_append(xv_list(), id <= INT32_MAX ?
		    xv_int(id) : xv_str(ids[i])), pairs));
		free(fe);
	}
	xenstore_names_free(ids, n);
	free(dir);
	return out;
}

void
device_sxp_append(struct domain *d, struct xv *l)
{
	bool first_disk = true;
	size_t i;

	for (i = 1; i < xv_len(d->vm); i++) {
		const struct xv *c = xv_at(d->vm, i), *e = xv_at(c, 1);
		const char *cls = xv_name(e);
		struct xv *copy;

		if (xv_name(c) == NULL || strcmp(xv_name(c), "device") != 0 || !cls)
			continue;
		/* a running display is shown with its location (domain-hvm.c) */
		if (strcmp(cls, "vfb") == 0 && domain_running(d))
			continue;
		copy = xv_copy(e);
		if (xv_child(copy, "backend") == NULL)
			xv_append_pair(copy, "backend", xv_str("0"));
		if (strcmp(cls, "vif") != 0) {
			/* classic: the first disk is the one booted from */
			xv_append_pair(copy, "bootable", xv_int(first_disk));
			first_disk = false;
		}
		xv_append(l, xv_append(xv_append(xv_list(), xv_str("device")), copy));
	}
}
