/* resources.c: the domain's resource controls: the balloon (target,
 * ceiling, what the guest reports), the vCPU threads (hot-plug and
 * unplug on q35, affinity) and CPU weight and cap through the domain's
 * cgroup, which holds the vCPU threads only: a cap limits what the guest
 * runs, as Xen's does, not QEMU's device emulation. */
#include "xenhv.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenhv-proto.h"
#include "xu.h"

#define MIB		(UINT64_C(1) << 20)
#define CG_PREFIX	"xenhv-"

unsigned
xhv_host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? (unsigned)n : 1;
}

unsigned
xhv_vcpus_online(const struct xhv_dom *d)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < d->n_vcpu_tids; i++)
		n += d->vcpu_tids[i] > 0;
	return n;
}

static int64_t
member_int(yajl_val obj, const char *key, int64_t def)
{
	yajl_val v = qmp_member(obj, key);

	return YAJL_IS_INTEGER(v) ? v->u.number.i : def;
}

/* ---- vCPU threads ------------------------------------------------------ */

static void
apply_affinity(struct xhv_dom *d, size_t vcpu)
{
	unsigned host = xhv_host_cpus(), i;
	pid_t tid = d->vcpu_tids[vcpu];
	cpu_set_t set;
	bool any = false;

	if (tid <= 0)
		return;
	CPU_ZERO(&set);
	for (i = 0; i < host && i < CPU_SETSIZE; i++) {
		if (d->cfg.affinity == NULL || xu_cpumap_test(&d->cfg.affinity[vcpu], i)) {
			CPU_SET(i, &set);
			any = true;
		}
	}
	if (!any)
		for (i = 0; i < host && i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	if (sched_setaffinity(tid, sizeof(set), &set) < 0)
		xhv_log("vCPU %zu (thread %d): cannot set its affinity: %s", vcpu,
		    (int)tid, strerror(errno));
}

/* A vCPU thread joins the domain's controls. */
static void
adopt_thread(struct xhv_dom *d, size_t vcpu)
{
	char err[256];

	/* an offline vCPU has no thread (and tid 0 would name us) */
	if (d->vcpu_tids[vcpu] <= 0)
		return;
	if (d->cg.dir != NULL && cg_add_thread(&d->cg, d->vcpu_tids[vcpu], err,
	    sizeof(err)) < 0)
		xhv_log("vCPU %zu: %s", vcpu, err);
	apply_affinity(d, vcpu);
}

bool
xhv_take_vcpus(struct xhv_dom *d, yajl_val ret)
{
	size_t n = d->cfg.maxvcpus, i, k;
	pid_t *tids, *old;
	char **qom;

	if (!YAJL_IS_ARRAY(ret) || ret->u.array.len == 0 || ret->u.array.len > n)
		return false;
	tids = xu_calloc(n, sizeof(*tids));
	qom = xu_calloc(n, sizeof(*qom));
	for (i = 0; i < ret->u.array.len; i++) {
		yajl_val cpu = ret->u.array.values[i];
		int64_t idx = member_int(cpu, "cpu-index", -1);
		int64_t tid = member_int(cpu, "thread-id", -1);
		const char *path = YAJL_GET_STRING(qmp_member(cpu, "qom-path"));

		if (idx < 0 || (size_t)idx >= n || tid <= 0 || tid > INT32_MAX ||
		    tids[idx] != 0)
			goto bad;
		tids[idx] = (pid_t)tid;
		qom[idx] = path != NULL ? xu_strdup(path) : NULL;
	}
	if (d->vcpu_qom != NULL)
		for (k = 0; k < d->n_vcpu_tids; k++)
			free(d->vcpu_qom[k]);
	free(d->vcpu_qom);
	d->vcpu_qom = qom;
	old = d->vcpu_tids;
	d->vcpu_tids = tids;
	d->n_vcpu_tids = n;
	/* hot-plugged threads join the cgroup and get their affinity */
	for (k = 0; d->res_started && k < n; k++)
		if (tids[k] > 0 && (old == NULL || old[k] != tids[k]))
			adopt_thread(d, k);
	free(old);
	return true;
bad:
	for (k = 0; k < n; k++)
		free(qom[k]);
	free(qom);
	free(tids);
	return false;
}

/* What the guest's balloon reports now; a change is an event. */
static void
note_actual(struct xhv_dom *d, int64_t actual)
{
	if (actual > 0 && (uint64_t)actual / MIB != d->memory_actual_mb) {
		d->memory_actual_mb = (uint64_t)actual / MIB;
		xhv_event_num(d, XHP_EV_MEMORY, "actual_mb", d->memory_actual_mb);
	}
}

static void
got_balloon(void *opaque, yajl_val ret, const char *err)
{
	struct xhv_dom *d = opaque;

	if (err == NULL)
		note_actual(d, member_int(ret, "actual", -1));
}

/* QEMU sends BALLOON_CHANGE at most once a second; after a new target the
 * monitor asks every BALLOON_POLL_MS instead, so the caller waiting for
 * the guest hears as soon as it is there. */
#define BALLOON_POLL_MS		50
#define BALLOON_POLL_LIMIT	(60 * 1000 / BALLOON_POLL_MS)

static void balloon_poll(evutil_socket_t fd, short what, void *arg);

static void
polled_balloon(void *opaque, yajl_val ret, const char *err)
{
	struct xhv_dom *d = opaque;
	struct timeval tv = { 0, BALLOON_POLL_MS * 1000 };

	if (err == NULL)
		note_actual(d, member_int(ret, "actual", -1));
	if (err != NULL || d->memory_actual_mb == d->cfg.memory_mb ||
	    ++d->balloon_polls >= BALLOON_POLL_LIMIT)
		return;
	evtimer_add(d->balloon_timer, &tv);
}

static void
balloon_poll(evutil_socket_t fd, short what, void *arg)
{
	struct xhv_dom *d = arg;

	qmp_command(d->qmp, "query-balloon", NULL, polled_balloon, d, 0);
}

void
xhv_resources_start(struct xhv_dom *d)
{
	char name[64], err[512];
	size_t i;

	d->memory_actual_mb = d->boot_mem_mb;
	cg_reap_stale(d->cfg.cgroup_root, CG_PREFIX);
	snprintf(name, sizeof(name), CG_PREFIX "%d", (int)getpid());
	if (cg_create(&d->cg, d->cfg.cgroup_root, name, d->qemu_pid, err,
	    sizeof(err)) < 0) {
		xhv_log("CPU weight and cap unavailable: %s", err);
	} else {
		xhv_log("cgroup %s %s", cg_version_name(d->cg.version), d->cg.dir);
		if (cg_set_weight(&d->cg, d->cfg.cpu_weight, err, sizeof(err)) < 0 ||
		    cg_set_cap(&d->cg, d->cfg.cpu_cap, err, sizeof(err)) < 0)
			xhv_log("%s", err);
	}
	d->res_started = true;
	for (i = 0; i < d->n_vcpu_tids; i++)
		adopt_thread(d, i);
	/* a restored guest's balloon is where the saved one left it */
	qmp_command(d->qmp, "query-balloon", NULL, got_balloon, d, 0);
}

void
xhv_resources_end(struct xhv_dom *d)
{
	cg_remove(&d->cg);
	if (d->balloon_timer != NULL) {
		event_free(d->balloon_timer);
		d->balloon_timer = NULL;
	}
}

/* ---- memory ---------------------------------------------------------- */

void
xhv_balloon(struct xhv_dom *d, uint64_t target_mb, xhv_done_cb done, void *opaque)
{
	char args[64], msg[160];

	if (!xhv_state_allows(d, done, opaque))
		return;
	if (target_mb == 0 || target_mb > d->cfg.maxmem_mb) {
		snprintf(msg, sizeof(msg), "memory target %llu MiB is outside 1 to "
		    "%llu MiB (the domain's ceiling)", (unsigned long long)target_mb,
		    (unsigned long long)d->cfg.maxmem_mb);
		done(opaque, XHP_E_INVALID, msg);
		return;
	}
	d->cfg.memory_mb = target_mb;
	xhv_log("balloon target %llu MiB", (unsigned long long)target_mb);
	snprintf(args, sizeof(args), "{\"value\":%llu}",
	    (unsigned long long)(target_mb * MIB));
	xhv_qemu_op(d, "balloon", args, -1, done, opaque);
	if (d->balloon_timer == NULL)
		d->balloon_timer = evtimer_new(d->base, balloon_poll, d);
	d->balloon_polls = 0;
	if (!evtimer_pending(d->balloon_timer, NULL)) {
		struct timeval tv = { 0, BALLOON_POLL_MS * 1000 };

		evtimer_add(d->balloon_timer, &tv);
	}
}

int
xhv_setmaxmem(struct xhv_dom *d, uint64_t maxmem_mb, char *err, size_t errlen)
{
	if (maxmem_mb < d->cfg.memory_mb) {
		snprintf(err, errlen, "maxmem %llu MiB is below the memory target "
		    "%llu MiB", (unsigned long long)maxmem_mb,
		    (unsigned long long)d->cfg.memory_mb);
		return XHP_E_INVALID;
	}
	if (maxmem_mb > d->boot_mem_mb) {
		snprintf(err, errlen, "maxmem %llu MiB is above the %llu MiB the "
		    "guest booted with", (unsigned long long)maxmem_mb,
		    (unsigned long long)d->boot_mem_mb);
		return XHP_E_INVALID;
	}
	d->cfg.maxmem_mb = maxmem_mb;
	return 0;
}

/* ---- vCPU hot-plug -------------------------------------------------- */

struct vop {
	struct xhv_dom *d;
	unsigned count;
	xhv_done_cb done;
	void *opaque;
	int pending;
	char err[256];
};

static void
vop_finish(struct vop *v)
{
	v->d->vcpu_busy = false;
	v->done(v->opaque, v->err[0] ? XHP_E_ENGINE : 0, v->err[0] ? v->err : NULL);
	free(v);
}

static void
vcpus_refreshed(void *opaque, yajl_val ret, const char *err)
{
	struct vop *v = opaque;
	struct xhv_dom *d = v->d;
	unsigned before = xhv_vcpus_online(d);

	if (err != NULL || !xhv_take_vcpus(d, ret)) {
		if (!v->err[0])
			snprintf(v->err, sizeof(v->err), "cannot list the vCPUs: %s",
			    err ? err : "malformed reply");
	} else if (xhv_vcpus_online(d) != before) {
		xhv_event_num(d, XHP_EV_VCPUS, "online", xhv_vcpus_online(d));
	}
	if (v->done != NULL)
		vop_finish(v);
	else
		free(v);
}

/* Reads the vCPU threads again; v->done (if any) is answered after. */
static void
refresh_vcpus_op(struct vop *v)
{
	if (qmp_command(v->d->qmp, "query-cpus-fast", NULL, vcpus_refreshed, v, 0) < 0) {
		snprintf(v->err, sizeof(v->err), "QEMU's monitor is not available");
		if (v->done != NULL)
			vop_finish(v);
		else
			free(v);
	}
}

static void
one_done(void *opaque, yajl_val ret, const char *err)
{
	struct vop *v = opaque;

	if (err != NULL && !v->err[0])
		snprintf(v->err, sizeof(v->err), "%s", err);
	if (--v->pending == 0)
		refresh_vcpus_op(v);
}

struct hp_cpu {
	int64_t key[4];		/* socket, die, core, thread */
	yajl_val entry;
};

static int
hp_cmp(const void *a, const void *b)
{
	const struct hp_cpu *x = a, *y = b;
	int i;

	for (i = 0; i < 4; i++)
		if (x->key[i] != y->key[i])
			return x->key[i] < y->key[i] ? -1 : 1;
	return 0;
}

/* A QOM path as QEMU gives it, safe to put in a JSON string as is. */
static bool
safe_path(const char *s)
{
	for (; s != NULL && *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("/-_[].", *s) != NULL))
			return false;
	return s != NULL;
}

static bool
safe_word(const char *s)
{
	for (; s != NULL && *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_'))
			return false;
	return s != NULL;
}

/* device_add of one slot: its type and topology properties as QEMU
 * listed them. */
static bool
plug_slot(struct vop *v, size_t index, yajl_val entry)
{
	const char *type = YAJL_GET_STRING(qmp_member(entry, "type"));
	yajl_val props = qmp_member(entry, "props");
	struct xu_buf b;
	size_t i;

	if (!safe_word(type) || !YAJL_IS_OBJECT(props))
		return false;
	xu_buf_init(&b);
	xu_buf_printf(&b, "{\"driver\":\"%s\",\"id\":\"vcpu%zu\"", type, index);
	for (i = 0; i < props->u.object.len; i++) {
		yajl_val p = props->u.object.values[i];

		if (!safe_word(props->u.object.keys[i]) || !YAJL_IS_INTEGER(p))
			continue;
		xu_buf_printf(&b, ",\"%s\":%lld", props->u.object.keys[i],
		    (long long)p->u.number.i);
	}
	xu_buf_adds(&b, "}");
	v->pending++;
	if (qmp_command(v->d->qmp, "device_add", b.data, one_done, v, 0) < 0)
		v->pending--;
	xu_buf_dispose(&b);
	return true;
}

static void
got_hotpluggable(void *opaque, yajl_val ret, const char *err)
{
	struct vop *v = opaque;
	struct hp_cpu *slots;
	size_t n, i;

	if (err != NULL || !YAJL_IS_ARRAY(ret) || ret->u.array.len == 0) {
		snprintf(v->err, sizeof(v->err), "QEMU cannot list its CPU slots: %s",
		    err ? err : "malformed reply");
		vop_finish(v);
		return;
	}
	n = ret->u.array.len;
	slots = xu_calloc(n, sizeof(*slots));
	for (i = 0; i < n; i++) {
		yajl_val props = qmp_member(ret->u.array.values[i], "props");

		slots[i].entry = ret->u.array.values[i];
		slots[i].key[0] = member_int(props, "socket-id", 0);
		slots[i].key[1] = member_int(props, "die-id", 0);
		slots[i].key[2] = member_int(props, "core-id", 0);
		slots[i].key[3] = member_int(props, "thread-id", 0);
	}
	qsort(slots, n, sizeof(*slots), hp_cmp);
	v->pending = 1;		/* held until every command is sent */
	for (i = 0; i < n && i < v->count; i++) {
		if (qmp_member(slots[i].entry, "qom-path") != NULL)
			continue;
		if (!plug_slot(v, i, slots[i].entry) && !v->err[0])
			snprintf(v->err, sizeof(v->err), "QEMU listed CPU slot %zu "
			    "in a form not understood", i);
	}
	free(slots);
	one_done(v, NULL, NULL);
}

void
xhv_vcpu_set(struct xhv_dom *d, unsigned count, xhv_done_cb done, void *opaque)
{
	struct vop *v;
	unsigned online = xhv_vcpus_online(d);
	size_t i;
	char msg[160];

	if (!xhv_state_allows(d, done, opaque))
		return;
	if (count < 1 || count > d->cfg.maxvcpus) {
		snprintf(msg, sizeof(msg), "%u vCPUs: the domain has 1 to %u",
		    count, d->cfg.maxvcpus);
		done(opaque, XHP_E_INVALID, msg);
		return;
	}
	if (d->vcpu_busy) {
		done(opaque, XHP_E_STATE, "a vCPU change is already in progress");
		return;
	}
	if (count == online) {
		done(opaque, 0, NULL);
		return;
	}
	v = xu_calloc(1, sizeof(*v));
	v->d = d;
	v->count = count;
	v->done = done;
	v->opaque = opaque;
	d->vcpu_busy = true;
	xhv_log("vCPUs: %u online, %u wanted", online, count);
	if (count > online) {
		if (qmp_command(d->qmp, "query-hotpluggable-cpus", NULL,
		    got_hotpluggable, v, 0) < 0) {
			snprintf(v->err, sizeof(v->err), "QEMU's monitor is not available");
			vop_finish(v);
		}
		return;
	}
	/* The guest gives CPUs back (ACPI eject); the threads end when it
	 * has, which DEVICE_DELETED reports. */
	v->pending = 1;
	for (i = d->n_vcpu_tids; i-- > 1 && online > count;) {
		char args[512];

		if (d->vcpu_tids[i] <= 0 || d->vcpu_qom[i] == NULL ||
		    !safe_path(d->vcpu_qom[i]))
			continue;
		snprintf(args, sizeof(args), "{\"id\":\"%s\"}", d->vcpu_qom[i]);
		/* QEMU 7.2 corrupts its heap migrating a guest that lost a
		 * hot-plugged vCPU (save.c refuses) */
		if (strncmp(d->vcpu_qom[i], "/machine/peripheral/", 20) == 0)
			d->hot_unplugged = true;
		v->pending++;
		if (qmp_command(d->qmp, "device_del", args, one_done, v, 0) < 0)
			v->pending--;
		online--;
	}
	if (online > count)
		snprintf(v->err, sizeof(v->err), "QEMU cannot unplug vCPUs down to %u",
		    count);
	one_done(v, NULL, NULL);
}

/* ---- affinity and scheduling ------------------------------------------- */

int
xhv_vcpu_pin(struct xhv_dom *d, int vcpu, const struct xu_cpumap *map,
    char *err, size_t errlen)
{
	struct xu_cpumap m = *map;
	size_t i;

	xu_cpumap_limit(&m, xhv_host_cpus());
	if (vcpu < -1 || (vcpu >= 0 && (unsigned)vcpu >= d->cfg.maxvcpus)) {
		snprintf(err, errlen, "vCPU %d: the domain has vCPUs 0 to %u", vcpu,
		    d->cfg.maxvcpus - 1);
		return XHP_E_INVALID;
	}
	if (xu_cpumap_empty(&m)) {
		snprintf(err, errlen, "none of the CPUs named exists on this host "
		    "(it has %u)", xhv_host_cpus());
		return XHP_E_INVALID;
	}
	if (d->cfg.affinity == NULL) {
		d->cfg.affinity = xu_calloc(d->cfg.maxvcpus, sizeof(*d->cfg.affinity));
		for (i = 0; i < d->cfg.maxvcpus; i++)
			xu_cpumap_fill(&d->cfg.affinity[i], XU_CPUMAP_MAX);
	}
	for (i = 0; i < d->cfg.maxvcpus; i++) {
		if (vcpu >= 0 && (size_t)vcpu != i)
			continue;
		d->cfg.affinity[i] = m;
		if (i < d->n_vcpu_tids)
			apply_affinity(d, i);
	}
	return 0;
}

int
xhv_sched_set(struct xhv_dom *d, int weight, int cap, char *err, size_t errlen)
{
	if (weight >= 0 && (weight < 1 || weight > CG_WEIGHT_MAX)) {
		snprintf(err, errlen, "weight %d is outside 1 to %d", weight,
		    CG_WEIGHT_MAX);
		return XHP_E_INVALID;
	}
	if (cap >= 0 && (unsigned)cap > 100 * d->cfg.maxvcpus) {
		snprintf(err, errlen, "cap %d is above %u (100 per vCPU)", cap,
		    100 * d->cfg.maxvcpus);
		return XHP_E_INVALID;
	}
	if (weight >= 0 && cg_set_weight(&d->cg, (unsigned)weight, err, errlen) < 0)
		return XHP_E_UNSUPPORTED;
	if (cap >= 0 && cg_set_cap(&d->cg, (unsigned)cap, err, errlen) < 0)
		return XHP_E_UNSUPPORTED;
	if (weight >= 0)
		d->cfg.cpu_weight = (unsigned)weight;
	if (cap >= 0)
		d->cfg.cpu_cap = (unsigned)cap;
	xhv_log("scheduler: weight %u, cap %u", d->cfg.cpu_weight, d->cfg.cpu_cap);
	return 0;
}

/* ---- QEMU's events ------------------------------------------------------ */

/* After a vCPU went: its thread is forgotten, subscribers told. */
static void
refresh_vcpus(struct xhv_dom *d)
{
	struct vop *v = xu_calloc(1, sizeof(*v));

	v->d = d;
	refresh_vcpus_op(v);
}

static void
refresh_later(evutil_socket_t fd, short what, void *arg)
{
	refresh_vcpus(arg);
}

bool
xhv_resources_event(struct xhv_dom *d, const char *name, yajl_val data)
{
	if (strcmp(name, "BALLOON_CHANGE") == 0) {
		note_actual(d, member_int(data, "actual", -1));
		return true;
	}
	if (strcmp(name, "DEVICE_DELETED") == 0) {
		const char *path = YAJL_GET_STRING(qmp_member(data, "path"));
		size_t i, n;

		/* QEMU 7.2 reports a vCPU's parts (its lapic) going, not
		 * always the vCPU: a path under a vCPU's counts */
		for (i = 0; path != NULL && i < d->n_vcpu_tids; i++) {
			if (d->vcpu_qom[i] == NULL)
				continue;
			n = strlen(d->vcpu_qom[i]);
			if (strncmp(path, d->vcpu_qom[i], n) == 0 &&
			    (path[n] == '\0' || path[n] == '/')) {
				struct timeval later = { 1, 0 };

				refresh_vcpus(d);
				/* its thread may end a little after */
				event_base_once(d->base, -1, EV_TIMEOUT, refresh_later, d,
				    &later);
				break;
			}
		}
		return true;
	}
	return false;
}
