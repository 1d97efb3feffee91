/* domain-sxp.c: the (domain ...) SXP xend.domain and xend.domains return
 * (reference 3.3, children in classic order), the six state letters and
 * the status number (3.2), and Domain-0's entry, which is the host. Every
 * integer stays within 32 bits (XML-RPC's <int>). */
#include "domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "device.h"
#include "relocation.h"
#include "log.h"

/* reference 3.2: XEN_API_VM_POWER_STATE */
enum {
	STATUS_HALTED = 0,
	STATUS_PAUSED = 1,
	STATUS_RUNNING = 2,
	STATUS_SUSPENDED = 3,
	STATUS_SHUTTINGDOWN = 4,
	STATUS_CRASHED = 5,
	STATUS_UNKNOWN = 6,
};

const char *
domain_status_name(int status)
{
	/* a shutting-down domain answers to "halted", as classic's did */
	static const char *const names[] = {
		"halted", "paused", "running", "suspended", "halted", "crashed",
		"unknown",
	};

	return status >= 0 && status <= STATUS_UNKNOWN ? names[status] : "unknown";
}

int
domain_status(const struct domain *d)
{
	if (d->is_dom0)
		return STATUS_RUNNING;
	switch (d->phase) {
	case DOM_PHASE_HALTED:
		return d->suspended ? STATUS_SUSPENDED : STATUS_HALTED;
	case DOM_PHASE_DESTROYING:
		return STATUS_SHUTTINGDOWN;
	case DOM_PHASE_STARTING:
	case DOM_PHASE_RESTARTING:
		return STATUS_UNKNOWN;
	case DOM_PHASE_ACTIVE:
		break;
	}
	if (!d->have_info)
		return STATUS_UNKNOWN;
	switch (d->info.state) {
	case XC_DOM_RUNNING:
		return STATUS_RUNNING;
	case XC_DOM_PAUSED:
		return STATUS_PAUSED;
	case XC_DOM_SHUTDOWN:
		return d->info.shutdown_reason == XC_SHUTDOWN_SUSPEND ?
		    STATUS_SUSPENDED : STATUS_SHUTTINGDOWN;
	case XC_DOM_CRASHED:
		return STATUS_CRASHED;
	case XC_DOM_DYING:
		return STATUS_SHUTTINGDOWN;
	}
	return STATUS_UNKNOWN;
}

void
domain_state_letters(const struct domain *d, char out[7])
{
	memcpy(out, "------", 7);
	if (d->is_dom0) {
		out[0] = 'r';
		return;
	}
	if (d->phase == DOM_PHASE_HALTED) {
		out[0] = '\0';
		return;
	}
	if (d->phase == DOM_PHASE_DESTROYING) {
		out[5] = 'd';
		return;
	}
	if (d->phase != DOM_PHASE_ACTIVE || !d->have_info)
		return;
	xc_dominfo_letters(&d->info, out);
}

static void
pair_int(struct xv *l, const char *key, int64_t v)
{
	/* MiB, counts and ids are far below 2^31; clamp rather than send a
	 * value a classic client refuses */
	if (v > INT32_MAX)
		v = INT32_MAX;
	xv_append_pair(l, key, xv_int(v));
}

static void
pair_str(struct xv *l, const char *key, const char *v)
{
	xv_append_pair(l, key, xv_str(v));
}

/* ---- Domain-0: the host ---------------------------------------------- */

struct host_cpu {
	double cpu_time;	/* seconds the host's CPUs were busy */
	double boot_time;	/* epoch */
};

static void
read_proc_stat(struct host_cpu *h)
{
	unsigned long long v[8] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	char *text = NULL, *p;
	size_t len;

	memset(h, 0, sizeof(*h));
	if (xu_read_file("/proc/stat", 1 << 20, &text, &len) != XU_OK)
		return;
	/* cpu  user nice system idle iowait irq softirq steal */
	if (sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 3 && hz > 0)
		h->cpu_time = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
		    (double)hz;
	if ((p = strstr(text, "\nbtime ")) != NULL)
		h->boot_time = strtod(p + 7, NULL);
	free(text);
}

double
domain_host_cpu_time(void)
{
	struct host_cpu h;

	read_proc_stat(&h);
	return h.cpu_time;
}

static struct xv *
dom0_sxp(struct domain *d)
{
	struct xc_physinfo pi;
	struct host_cpu h;
	struct xv *l = xv_list();
	int64_t mem;

	memset(&pi, 0, sizeof(pi));
	if (xc_physinfo(d->tab->x->xc, &pi) != XC_OK)
		log_warn("cannot read host information: %s",
		    xc_last_error(d->tab->x->xc));
	read_proc_stat(&h);
	if (pi.nr_cpus == 0)
		pi.nr_cpus = 1;
	mem = (int64_t)(pi.total_memory_kb / 1024);
	xv_append(l, xv_str("domain"));
	pair_int(l, "domid", 0);
	pair_int(l, "cpu_weight", 256);
	pair_int(l, "cpu_cap", 0);
	pair_str(l, "uuid", d->uuid);
	pair_int(l, "vcpus", pi.nr_cpus);
	pair_str(l, "name", d->name);
	pair_str(l, "on_poweroff", "destroy");
	pair_str(l, "on_reboot", "restart");
	pair_str(l, "on_crash", "restart");
	pair_str(l, "pool_name", "Pool-0");
	pair_int(l, "maxmem", mem);
	/* the host's reservation for itself (memory.c) */
	pair_int(l, "memory", d->tab->dom0_mem);
	pair_int(l, "shadow_memory", 0);
	pair_str(l, "on_xend_start", "ignore");
	pair_str(l, "on_xend_stop", "ignore");
	xv_append_pair(l, "start_time", xv_double(h.boot_time));
	xv_append_pair(l, "cpu_time", xv_double(h.cpu_time));
	pair_int(l, "online_vcpus", pi.nr_cpus);
	pair_int(l, "status", domain_status(d));
	pair_str(l, "state", "r-----");
	return l;
}

/* ---- guests -------------------------------------------------------------- */

static const char *
stop_reason(const struct domain *d)
{
	if (d->info.state == XC_DOM_CRASHED)
		return "crash";
	switch (d->info.shutdown_reason) {
	case XC_SHUTDOWN_POWEROFF:
		return "poweroff";
	case XC_SHUTDOWN_REBOOT:
		return "reboot";
	case XC_SHUTDOWN_SUSPEND:
		return "suspend";
	case XC_SHUTDOWN_CRASH:
		return "crash";
	case XC_SHUTDOWN_HALT:
		return "halt";
	}
	return "crash";
}

static void
add_identity(struct xv *l, const struct domain *d)
{
	const char *desc = xv_child_str(d->vm, "description", NULL);

	pair_str(l, "uuid", d->uuid);
	pair_int(l, "vcpus", d->cfg.maxvcpus ? d->cfg.maxvcpus : 1);
	if (d->cfg.affinity != NULL) {
		struct xv *cpus = xv_list();
		unsigned i;

		for (i = 0; i < d->cfg.maxvcpus; i++)
			xv_append(cpus, xv_str(d->cfg.affinity[i] ? d->cfg.affinity[i] :
			    "all"));
		xv_append_pair(l, "cpus", cpus);
	}
	pair_str(l, "name", d->name);
	pair_str(l, "on_poweroff", domain_action_name(d->cfg.on_poweroff));
	pair_str(l, "on_reboot", domain_action_name(d->cfg.on_reboot));
	pair_str(l, "on_crash", domain_action_name(d->cfg.on_crash));
	if (d->cfg.bootloader != NULL) {
		pair_str(l, "bootloader", d->cfg.bootloader);
		pair_str(l, "bootloader_args", d->cfg.bootloader_args ?
		    d->cfg.bootloader_args : "");
	}
	if (desc != NULL && *desc)
		pair_str(l, "description", desc);
	pair_str(l, "pool_name", "Pool-0");
}

/* When it started, its CPU time and its vCPUs online. */
static void
add_times(struct xv *l, const struct domain *d)
{
	bool live = d->phase == DOM_PHASE_ACTIVE && d->have_info;

	if (d->start_time > 0)
		xv_append_pair(l, "start_time", xv_double(d->start_time));
	if (d->phase != DOM_PHASE_HALTED)
		xv_append_pair(l, "cpu_time", xv_double(live ?
		    (double)d->info.cpu_time_ns / 1e9 : 0.0));
	pair_int(l, "online_vcpus", live ? d->info.vcpus_online : d->cfg.vcpus);
}

static void
add_runtime(struct xv *l, const struct domain *d)
{
	bool live = d->phase == DOM_PHASE_ACTIVE && d->have_info;

	/* memory is the target; memory_actual what the guest reports */
	pair_int(l, "maxmem", d->cfg.maxmem);
	pair_int(l, "memory", d->cfg.memory);
	if (live && d->info.memory_actual_mb > 0 && d->info.state != XC_DOM_SHUTDOWN &&
	    d->info.state != XC_DOM_CRASHED)
		pair_int(l, "memory_actual", (int64_t)d->info.memory_actual_mb);
	pair_int(l, "shadow_memory", 0);
	pair_str(l, "on_xend_start", xv_child_str(d->vm, "on_xend_start", "ignore"));
	pair_str(l, "on_xend_stop", xv_child_str(d->vm, "on_xend_stop", "ignore"));
	add_times(l, d);
}

/* The image as configured, but a display's password shown as classic
 * xend showed it: XXXXXXXX. */
static struct xv *
image_masked(const struct xv *image)
{
	struct xv *copy = xv_copy(image), *hvm = xv_at(copy, 1);
	const struct xv *pw = xv_child_value(hvm, "vncpasswd");

	if (pw != NULL && pw->type == XV_STRING && pw->u.str.s[0] != '\0')
		domain_sxp_set(hvm, "vncpasswd", xv_str("XXXXXXXX"));
	return copy;
}

static void
add_devices(struct xv *l, struct domain *d)
{
	char path[4096];
	struct xv *con;

	device_sxp_append(d, l);
	domain_platform_sxp(d, l);
	if (!domain_running(d) || d->phase != DOM_PHASE_ACTIVE ||
	    xc_domain_console_path(d->tab->x->xc, d->domid, path,
	    sizeof(path)) != XC_OK)
		return;
	/* the console's location is the socket xm console attaches to */
	con = xv_list();
	xv_append(con, xv_str("console"));
	pair_str(con, "protocol", "vt100");
	pair_str(con, "location", path);
	xv_append(l, xv_append(xv_append(xv_list(), xv_str("device")), con));
}

struct xv *
domain_sxp_brief(struct domain *d)
{
	struct xv *l;
	char state[7];

	if (d->is_dom0)
		return dom0_sxp(d);
	domain_refresh_quick(d);
	l = xv_list();
	xv_append(l, xv_str("domain"));
	if (domain_running(d))
		pair_int(l, "domid", d->domid);
	pair_str(l, "uuid", d->uuid);
	pair_str(l, "name", d->name);
	pair_int(l, "memory", d->cfg.memory);
	add_times(l, d);
	domain_state_letters(d, state);
	if (d->phase != DOM_PHASE_HALTED)
		pair_str(l, "state", state);
	return l;
}

struct xv *
domain_sxp(struct domain *d, bool full)
{
	struct xv *l, *image, *mig;
	char state[7];

	if (d->is_dom0)
		return dom0_sxp(d);
	domain_refresh(d);
	l = xv_list();
	xv_append(l, xv_str("domain"));
	if (domain_running(d))
		pair_int(l, "domid", d->domid);
	pair_int(l, "cpu_weight", d->cfg.cpu_weight);
	pair_int(l, "cpu_cap", d->cfg.cpu_cap);
	add_identity(l, d);
	add_runtime(l, d);
	if ((image = xv_child(d->vm, "image")) != NULL)
		xv_append(l, image_masked(image));
	pair_int(l, "status", domain_status(d));
	domain_state_letters(d, state);
	if (d->phase != DOM_PHASE_HALTED)
		pair_str(l, "state", state);
	if (d->phase == DOM_PHASE_ACTIVE && d->have_info &&
	    (d->info.state == XC_DOM_SHUTDOWN || d->info.state == XC_DOM_CRASHED))
		pair_str(l, "shutdown_reason", stop_reason(d));
	if (full)
		add_devices(l, d);
	if (full && (mig = relocation_sxp(d->tab->x->reloc, d->uuid)) != NULL)
		xv_append(l, mig);
	return l;
}
