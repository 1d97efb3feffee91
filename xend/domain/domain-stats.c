/* domain-stats.c: xend.domains.stats, what xm top shows, for every domain
 * in one reply: state, CPU time, memory, vCPUs and the devices' I/O
 * counters (device-stats.c). The shape is in docs/ARCHITECTURE.md. */
#include "domain.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "device.h"
#include "memory.h"

/* Each vCPU's seconds (online ones; -1 for an offline one). */
static struct xv *
vcpu_times(struct domain *d)
{
	xc_interface *xc = d->tab->x->xc;
	struct xc_vcpuinfo *v = NULL;
	struct xv *l = xv_list();
	unsigned nr = 1;
	size_t n = 0, i;

	if (xc_vcpu_getinfo(xc, d->domid, &v, &n, &nr) != XC_OK)
		return l;
	for (i = 0; i < n; i++)
		xv_append(l, xv_double(v[i].online ? (double)v[i].cpu_time_ns / 1e9 : -1));
	free(v);
	return l;
}

/* Domain-0, the host: as xend.domain shows it (domain-sxp.c). */
static struct xv *
dom0_stats(struct domain *d, const struct mem_picture *m, long cpus)
{
	struct xv *st = xv_struct();

	xv_struct_set(st, "name", xv_str(d->name));
	xv_struct_set(st, "uuid", xv_str(d->uuid));
	xv_struct_set(st, "domid", xv_int(0));
	xv_struct_set(st, "state", xv_str("r-----"));
	xv_struct_set(st, "cpu_time", xv_double(domain_host_cpu_time()));
	xv_struct_set(st, "memory", xv_int(d->tab->dom0_mem));
	xv_struct_set(st, "target", xv_int(d->tab->dom0_mem));
	xv_struct_set(st, "maxmem", xv_int(m->total));
	xv_struct_set(st, "vcpus", xv_int(cpus));
	xv_struct_set(st, "nets", xv_list());
	xv_struct_set(st, "vbds", xv_list());
	xv_struct_set(st, "ssid", xv_int(0));
	return st;
}

static struct xv *
guest_stats(struct domain *d, bool vcpus)
{
	struct xv *st = xv_struct();
	bool live;
	char state[7];
	int64_t mem;

	domain_refresh(d);
	live = d->phase == DOM_PHASE_ACTIVE && d->have_info;
	domain_state_letters(d, state);
	/* the memory the guest has: what its balloon reports, else its target */
	mem = live && d->info.memory_actual_mb > 0 ?
	    (int64_t)d->info.memory_actual_mb : d->cfg.memory;
	xv_struct_set(st, "name", xv_str(d->name));
	xv_struct_set(st, "uuid", xv_str(d->uuid));
	xv_struct_set(st, "domid", xv_int(d->domid));
	xv_struct_set(st, "state", xv_str(state));
	xv_struct_set(st, "cpu_time", xv_double(live ?
	    (double)d->info.cpu_time_ns / 1e9 : 0));
	xv_struct_set(st, "memory", xv_int(mem));
	xv_struct_set(st, "target", xv_int(d->cfg.memory));
	xv_struct_set(st, "maxmem", xv_int(d->cfg.maxmem));
	xv_struct_set(st, "vcpus", xv_int(live ? d->info.vcpus_online :
	    d->cfg.vcpus));
	if (vcpus && live)
		xv_struct_set(st, "vcpu_times", vcpu_times(d));
	xv_struct_set(st, "nets", device_stats_nets(d));
	xv_struct_set(st, "vbds", device_stats_vbds(d));
	xv_struct_set(st, "ssid", xv_int(0));
	return st;
}

struct xv *
domains_stats(struct domains *t, bool vcpus)
{
	struct xv *out = xv_struct(), *doms = xv_list();
	struct mem_picture m;
	struct domain **v;
	size_t n, i;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 1)
		cpus = 1;

	memory_picture(t, &m);
	xv_struct_set(out, "version", xv_int(DOMAIN_STATS_VERSION));
	xv_struct_set(out, "total_memory", xv_int(m.total));
	xv_struct_set(out, "free_memory", xv_int(m.free));
	xv_struct_set(out, "nr_cpus", xv_int(cpus));
	v = domains_sorted(t, &n);
	for (i = 0; i < n; i++) {
		/* xentop shows the domains that exist, not halted records */
		if (v[i]->phase == DOM_PHASE_HALTED)
			continue;
		xv_append(doms, v[i]->is_dom0 ? dom0_stats(v[i], &m, cpus) :
		    guest_stats(v[i], vcpus));
	}
	free(v);
	xv_struct_set(out, "domains", doms);
	return out;
}
