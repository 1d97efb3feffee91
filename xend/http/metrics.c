/* metrics.c: GET /metrics in Prometheus' text format. The domains' figures
 * are xm top's (domains_stats: a getinfo round trip to each running
 * domain's monitor, sysfs for the taps, the monitor's last
 * query-blockstats for the disks), read once and written family by
 * family; the rest is counters xend keeps or its store counts. */
#include "metrics.h"

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon.h"
#include "domain.h"
#include "http-server.h"
#include "log.h"
#include "rpc-server.h"
#include "store.h"

#define MIB	1048576.0

/* ---- the format ------------------------------------------------------------- */

static void
family(struct evbuffer *o, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* Integers as integers (exact to 2^53), anything else with every digit. */
static void
sample(struct evbuffer *o, const char *name, const char *labels, double v)
{
	evbuffer_add_printf(o, "%s%s%s%s ", name, labels && *labels ? "{" : "",
	    labels ? labels : "", labels && *labels ? "}" : "");
	if (v < 9007199254740992.0 && v > -9007199254740992.0 &&
	    v == (double)(long long)v)
		evbuffer_add_printf(o, "%lld\n", (long long)v);
	else
		evbuffer_add_printf(o, "%.17g\n", v);
}

/* A label value, escaped as the format wants (\\, \", \n). */
static void
label(struct xu_buf *b, const char *sep, const char *name, const char *value)
{
	const char *p;

	xu_buf_printf(b, "%s%s=\"", sep, name);
	for (p = value ? value : ""; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			xu_buf_addc(b, '\\');
		if (*p == '\n')
			xu_buf_adds(b, "\\n");
		else
			xu_buf_addc(b, *p);
	}
	xu_buf_addc(b, '"');
}

static double
num(const struct xv *st, const char *key)
{
	double d;

	return xv_number(xv_struct_get(st, key), &d) ? d : 0;
}

/* ---- domains ---------------------------------------------------------------- */

static const struct dom_metric {
	const char *name, *type, *member, *help;
	double scale;
} dom_metrics[] = {
	{ "xen_domain_id", "gauge", "domid",
	    "The domain's id (a new one at each restart; 0 is Domain-0)", 1 },
	{ "xen_domain_memory_bytes", "gauge", "memory",
	    "Memory the domain has: what its balloon reports, else its target",
	    MIB },
	{ "xen_domain_memory_target_bytes", "gauge", "target",
	    "The balloon target (memory, xm mem-set)", MIB },
	{ "xen_domain_memory_max_bytes", "gauge", "maxmem",
	    "The memory ceiling (maxmem, xm mem-max)", MIB },
	{ "xen_domain_vcpus", "gauge", "vcpus", "vCPUs online", 1 },
	{ "xen_domain_cpu_seconds_total", "counter", "cpu_time",
	    "CPU time the domain's vCPUs used (Domain-0: the host's busy time)",
	    1 },
};

/* Per device: the list member, the device's label and its value's key. */
static const struct dev_metric {
	const char *name, *list, *member, *help;
} dev_metrics[] = {
	{ "xen_domain_disk_read_bytes_total", "vbds", "rd_bytes",
	    "Bytes the guest read from the disk" },
	{ "xen_domain_disk_written_bytes_total", "vbds", "wr_bytes",
	    "Bytes the guest wrote to the disk" },
	{ "xen_domain_disk_read_requests_total", "vbds", "rd_req",
	    "Read requests the guest made of the disk" },
	{ "xen_domain_disk_write_requests_total", "vbds", "wr_req",
	    "Write requests the guest made of the disk" },
	{ "xen_domain_network_receive_bytes_total", "nets", "rx_bytes",
	    "Bytes the guest received on the vif" },
	{ "xen_domain_network_transmit_bytes_total", "nets", "tx_bytes",
	    "Bytes the guest sent on the vif" },
	{ "xen_domain_network_receive_packets_total", "nets", "rx_packets",
	    "Packets the guest received on the vif" },
	{ "xen_domain_network_transmit_packets_total", "nets", "tx_packets",
	    "Packets the guest sent on the vif" },
};

/* xm's state letters, in their order. */
static const char *const state_names[6] = {
	"running", "blocked", "paused", "shutdown", "crashed", "dying",
};

/* Each domain's labels: domain="NAME",uuid="UUID". */
static char **
domain_labels(const struct xv *doms, size_t n)
{
	char **v = xu_calloc(n ? n : 1, sizeof(*v));
	struct xu_buf b;
	size_t i;

	for (i = 0; i < n; i++) {
		xu_buf_init(&b);
		label(&b, "", "domain", xv_string(xv_struct_get(xv_at(doms, i),
		    "name")));
		label(&b, ",", "uuid", xv_string(xv_struct_get(xv_at(doms, i),
		    "uuid")));
		v[i] = xu_buf_steal(&b);
	}
	return v;
}

static void
write_devices(struct evbuffer *o, const struct dev_metric *m,
    const struct xv *doms, char **labels)
{
	const struct xv *dev, *list;
	const char *key = strcmp(m->list, "vbds") == 0 ? "disk" : "vif";
	char id[32], *name;
	struct xu_buf b;
	size_t i, j;

	family(o, m->name, "counter", m->help);
	for (i = 0; i < xv_len(doms); i++) {
		list = xv_struct_get(xv_at(doms, i), m->list);
		for (j = 0; j < xv_len(list); j++) {
			dev = xv_at(list, j);
			snprintf(id, sizeof(id), "%.0f", num(dev, "devid"));
			xu_buf_init(&b);
			xu_buf_printf(&b, "%s", labels[i]);
			label(&b, ",", key, xv_string(xv_struct_get(dev, "dev")) ?
			    xv_string(xv_struct_get(dev, "dev")) : id);
			name = xu_buf_steal(&b);
			sample(o, m->name, name, num(dev, m->member));
			free(name);
		}
	}
}

static void
write_states(struct evbuffer *o, const struct xv *doms, char **labels)
{
	const char *letters;
	char *l;
	size_t i, k;

	family(o, "xen_domain_state", "gauge", "1 for each of xm list's state "
	    "letters the domain shows (r b p s c d), else 0");
	for (i = 0; i < xv_len(doms); i++) {
		letters = xv_string(xv_struct_get(xv_at(doms, i), "state"));
		for (k = 0; k < 6; k++) {
			l = xu_asprintf("%s,state=\"%s\"", labels[i],
			    state_names[k]);
			sample(o, "xen_domain_state", l, letters != NULL &&
			    strlen(letters) > k && letters[k] != '-');
			free(l);
		}
	}
}

static void
write_domains(struct xend *x, struct evbuffer *o)
{
	struct xv *st = domains_stats(x->domains, false);
	const struct xv *doms = xv_struct_get(st, "domains");
	size_t n = xv_len(doms), i, k;
	char **labels = domain_labels(doms, n);

	family(o, "xen_host_memory_total_bytes", "gauge",
	    "The host's memory (xm info total_memory)");
	sample(o, "xen_host_memory_total_bytes", NULL,
	    num(st, "total_memory") * MIB);
	family(o, "xen_host_memory_free_bytes", "gauge",
	    "Memory no domain has (xm info free_memory)");
	sample(o, "xen_host_memory_free_bytes", NULL,
	    num(st, "free_memory") * MIB);
	family(o, "xen_host_cpus", "gauge", "The host's online CPUs");
	sample(o, "xen_host_cpus", NULL, num(st, "nr_cpus"));
	family(o, "xen_domains", "gauge", "Domains that exist (Domain-0 "
	    "included, halted managed ones not)");
	sample(o, "xen_domains", NULL, (double)n);

	for (k = 0; k < sizeof(dom_metrics) / sizeof(dom_metrics[0]); k++) {
		family(o, dom_metrics[k].name, dom_metrics[k].type,
		    dom_metrics[k].help);
		for (i = 0; i < n; i++)
			sample(o, dom_metrics[k].name, labels[i],
			    num(xv_at(doms, i), dom_metrics[k].member) *
			    dom_metrics[k].scale);
	}
	write_states(o, doms, labels);
	for (k = 0; k < sizeof(dev_metrics) / sizeof(dev_metrics[0]); k++)
		write_devices(o, &dev_metrics[k], doms, labels);
	for (i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	xv_free(st);
}

/* ---- migrations ------------------------------------------------------------- */

static void
write_migrations(struct xend *x, struct evbuffer *o)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} m[] = {
		{ "xend_migrations_started_total", "Migrations begun",
		    offsetof(struct store_mig_tally, started) },
		{ "xend_migrations_succeeded_total", "Migrations that ended "
		    "with the guest on the destination",
		    offsetof(struct store_mig_tally, succeeded) },
		{ "xend_migrations_failed_total", "Migrations that failed "
		    "(the guest stayed on the source)",
		    offsetof(struct store_mig_tally, failed) },
		{ "xend_migrations_uncertain_total", "Outgoing migrations whose "
		    "destination could not be reached after the commit",
		    offsetof(struct store_mig_tally, uncertain) },
	};
	static const char *const dirs[2] = { "direction=\"in\"",
	    "direction=\"out\"" };
	struct store_mig_tally t[2];
	size_t i, d;

	if (store_mig_tally(x->store, t) != XU_OK) {
		log_error("/metrics: %s", store_errmsg(x->store));
		return;
	}
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		family(o, m[i].name, "counter", m[i].help);
		for (d = 0; d < 2; d++)
			sample(o, m[i].name, dirs[d], (double)*(const int64_t *)
			    ((const char *)&t[d] + m[i].off));
	}
}

/* ---- xend itself ------------------------------------------------------------ */

struct per_method {
	struct evbuffer *o;
	const char *name;	/* the family */
	bool faults;		/* faults, else calls */
};

static void
method_sample(void *arg, const char *method, const struct rpc_method_count *n)
{
	struct per_method *pm = arg;
	char *l = xu_asprintf("method=\"%s\"", method);

	sample(pm->o, pm->name, l, (double)(pm->faults ? n->faults : n->calls));
	free(l);
}

static void
write_rpc(struct xend *x, struct evbuffer *o)
{
	const struct rpc_stats *s;
	uint64_t cum = 0;
	char le[48];
	size_t i;

	if (x->rpc == NULL)
		return;
	s = rpc_server_stats(x->rpc);
	family(o, "xend_rpc_requests_total", "counter",
	    "XML-RPC calls answered, by method");
	rpc_server_each_method(x->rpc, method_sample, &(struct per_method){ o,
	    "xend_rpc_requests_total", false });
	family(o, "xend_rpc_faults_total", "counter",
	    "XML-RPC calls answered with a fault, by method");
	rpc_server_each_method(x->rpc, method_sample, &(struct per_method){ o,
	    "xend_rpc_faults_total", true });
	family(o, "xend_rpc_request_duration_seconds", "histogram",
	    "Seconds from an XML-RPC call's arrival to its answer (long "
	    "polls left out)");
	for (i = 0; i < RPC_LATENCY_BUCKETS; i++) {
		cum += s->buckets[i];
		snprintf(le, sizeof(le), "le=\"%g\"", rpc_latency_bounds[i]);
		sample(o, "xend_rpc_request_duration_seconds_bucket", le,
		    (double)cum);
	}
	sample(o, "xend_rpc_request_duration_seconds_bucket", "le=\"+Inf\"",
	    (double)s->count);
	sample(o, "xend_rpc_request_duration_seconds_sum", NULL, s->sum);
	sample(o, "xend_rpc_request_duration_seconds_count", NULL,
	    (double)s->count);
}

static double
rss_bytes(void)
{
	char *text = NULL;
	size_t len;
	unsigned long long size = 0, rss = 0;

	if (xu_read_file("/proc/self/statm", 256, &text, &len) == XU_OK)
		sscanf(text, "%llu %llu", &size, &rss);
	free(text);
	return (double)rss * (double)sysconf(_SC_PAGESIZE);
}

static double
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	double n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own */
}

static void
write_process(struct xend *x, struct evbuffer *o, double collect)
{
	struct rusage ru;
	char *help;

	getrusage(RUSAGE_SELF, &ru);
	family(o, "process_resident_memory_bytes", "gauge",
	    "xend's resident memory");
	sample(o, "process_resident_memory_bytes", NULL, rss_bytes());
	family(o, "process_cpu_seconds_total", "counter",
	    "CPU time xend used (user and system)");
	sample(o, "process_cpu_seconds_total", NULL,
	    (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	family(o, "process_open_fds", "gauge", "xend's open file descriptors");
	sample(o, "process_open_fds", NULL, open_fds());
	family(o, "process_start_time_seconds", "gauge",
	    "When xend started, in seconds since the epoch");
	sample(o, "process_start_time_seconds", NULL, (double)x->started);
	help = xu_asprintf("Connections open to xend's HTTP server (it "
	    "accepts no more past %u)", HTTP_MAX_CONNECTIONS);
	family(o, "xend_http_connections", "gauge", help);
	free(help);
	sample(o, "xend_http_connections", NULL,
	    (double)http_server_connections(x->http));
	help = xu_asprintf("Of those, streams: the web page's live lists and "
	    "consoles (at most %u)", HTTP_MAX_STREAMS);
	family(o, "xend_http_streams", "gauge", help);
	free(help);
	sample(o, "xend_http_streams", NULL,
	    (double)http_server_streams(x->http));
	family(o, "xend_metrics_collect_seconds", "gauge", "Seconds xend's "
	    "loop spent gathering the domains' figures for this reply");
	sample(o, "xend_metrics_collect_seconds", NULL, collect);
}

/* ---- the route -------------------------------------------------------------- */

void
metrics_write(struct xend *x, struct evbuffer *out)
{
	double t0 = xu_mono_s(), collect;

	write_domains(x, out);
	collect = xu_mono_s() - t0;
	write_migrations(x, out);
	write_rpc(x, out);
	write_process(x, out, collect);
}

void
metrics_route(struct xend *x, struct evhttp_request *req)
{
	struct evbuffer *out = evbuffer_new();

	if (out == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	metrics_write(x, out);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", METRICS_CONTENT_TYPE);
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}
