/* xc-tool.c: a small command line over libxc for tests: creates, inspects,
 * controls and destroys domains through their monitors, under a --root. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "xenctrl.h"

static bool verbose;

static void
log_stderr(void *opaque, enum xc_loglevel level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "debug", "info", "warning", "error" };

	if (!verbose && level < XC_LOG_WARNING)
		return;
	fprintf(stderr, "xc-tool: libxc %s: ", names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn))
usage(void)
{
	fputs("usage: xc-tool [--root DIR] [--xenhv PATH] [-v] COMMAND ...\n"
	    "  create --domid N --name X --kernel K [--ramdisk R] [--cmdline C]\n"
	    "         --memory MB [--maxmem MB] [--vcpus N] [--maxvcpus N]\n"
	    "         [--accel kvm|tcg] [--uuid U] [--paused]\n"
	    "  getinfo N | list | pause N | unpause N | reset N | destroy N\n"
	    "  shutdown N poweroff|reboot|halt\n"
	    "  console-read N | console-path N | physinfo | accel-probe\n"
	    "  events N [--count K] [--timeout S] [--ack]\n"
	    "  create ... [--disk ID=PATH[,ro]] [--nic ID=IFNAME,MAC]\n"
	    "  disk-add N ID PATH | nic-add N ID IFNAME MAC | device-del N ID [SECS]\n",
	    stderr);
	exit(2);
}

static int
fail(xc_interface *xc, const char *what, int rc)
{
	const char *detail = xc_last_error(xc);

	fprintf(stderr, "xc-tool: %s: %s%s%s\n", what, xc_strerror(rc),
	    *detail ? ": " : "", detail);
	return 1;
}

static uint32_t
domid_arg(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v > UINT32_MAX) {
		fprintf(stderr, "xc-tool: bad domain id '%s'\n", s);
		exit(2);
	}
	return (uint32_t)v;
}

static const char *const state_names[] = {
	"running", "paused", "shutdown", "crashed", "dying",
};
static const char *const reason_names[] = {
	"poweroff", "reboot", "suspend", "crash", "halt",
};

static void
print_info(const struct xc_dominfo *i)
{
	char l[7];

	xc_dominfo_letters(i, l);
	printf("domid %u\nname %s\nuuid %s\nstate %s\nletters %s\nreason %s\n"
	    "blocked %d\ncpu_time_ns %llu\nstart_time %.3f\nvcpus %u\nmaxvcpus %u\n"
	    "memory_mb %llu\nmaxmem_mb %llu\nmonitor_pid %d\nengine_pid %d\n",
	    i->domid, i->name, i->uuid, state_names[i->state], l,
	    reason_names[i->shutdown_reason], i->blocked,
	    (unsigned long long)i->cpu_time_ns, i->start_time, i->vcpus_online,
	    i->maxvcpus, (unsigned long long)i->memory_mb,
	    (unsigned long long)i->maxmem_mb, i->monitor_pid, i->engine_pid);
}

/* --disk ID=PATH[,ro] and --nic ID=IFNAME,MAC (strings kept in argv). */
static void
parse_device(struct xc_device *d, bool nic, char *spec)
{
	char *eq = strchr(spec, '='), *comma;

	memset(d, 0, sizeof(*d));
	if (eq == NULL)
		usage();
	*eq = '\0';
	d->id = spec;
	comma = strchr(eq + 1, ',');
	if (comma != NULL)
		*comma = '\0';
	if (nic) {
		d->kind = XC_DEVICE_NIC;
		d->ifname = eq + 1;
		d->mac = comma ? comma + 1 : "00:16:3e:00:00:01";
		d->model = "virtio-net-pci";
	} else {
		d->kind = XC_DEVICE_DISK;
		d->path = eq + 1;
		d->format = "raw";
		d->bus = "virtio";
		d->readonly = comma != NULL && strcmp(comma + 1, "ro") == 0;
	}
}

/* Waits for a hot-plug request's answer. */
static int
await(xc_interface *xc, xc_async *a, const char *what)
{
	struct pollfd pfd = { .fd = xc_async_fd(a), .events = POLLIN };
	int rc;

	do {
		if (poll(&pfd, 1, 120000) <= 0) {
			xc_async_free(a);
			fprintf(stderr, "xc-tool: %s: no answer\n", what);
			return 1;
		}
		rc = xc_async_finish(xc, a);
	} while (rc == XC_PENDING);
	xc_async_free(a);
	if (rc != XC_OK)
		return fail(xc, what, rc);
	printf("%s done\n", what);
	return 0;
}

static int
cmd_hotplug(xc_interface *xc, const char *cmd, int argc, char **argv)
{
	struct xc_device dev;
	xc_async *a = NULL;
	char spec[512];
	int rc;

	if (strcmp(cmd, "device-del") == 0) {
		if (argc < 3 || argc > 4)
			usage();
		rc = xc_domain_device_del(xc, domid_arg(argv[1]), argv[2],
		    argc == 4 ? (unsigned)atoi(argv[3]) : 30, &a);
	} else {
		bool nic = strcmp(cmd, "nic-add") == 0;

		if (argc != (nic ? 5 : 4))
			usage();
		if (nic)
			snprintf(spec, sizeof(spec), "%s=%s,%s", argv[2], argv[3], argv[4]);
		else
			snprintf(spec, sizeof(spec), "%s=%s", argv[2], argv[3]);
		parse_device(&dev, nic, spec);
		rc = xc_domain_device_add(xc, domid_arg(argv[1]), &dev, &a);
	}
	if (rc != XC_OK)
		return fail(xc, cmd, rc);
	return await(xc, a, cmd);
}

static int
cmd_create(xc_interface *xc, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "ramdisk", required_argument, NULL, 'r' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "maxmem", required_argument, NULL, 'M' },
		{ "vcpus", required_argument, NULL, 'v' },
		{ "maxvcpus", required_argument, NULL, 'V' },
		{ "accel", required_argument, NULL, 'a' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "paused", no_argument, NULL, 'p' },
		{ "disk", required_argument, NULL, 'D' },
		{ "nic", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct xc_device devs[8];
	struct xc_domain_config cfg;
	int ch, rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.vcpus = 1;
	cfg.accel = XC_ACCEL_TCG;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': cfg.domid = domid_arg(optarg); break;
		case 'n': cfg.name = optarg; break;
		case 'k': cfg.kernel = optarg; break;
		case 'r': cfg.ramdisk = optarg; break;
		case 'c': cfg.cmdline = optarg; break;
		case 'm': cfg.memory_mb = strtoull(optarg, NULL, 10); break;
		case 'M': cfg.maxmem_mb = strtoull(optarg, NULL, 10); break;
		case 'v': cfg.vcpus = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'V': cfg.maxvcpus = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'a':
			cfg.accel = strcmp(optarg, "kvm") == 0 ? XC_ACCEL_KVM : XC_ACCEL_TCG;
			break;
		case 'u': cfg.uuid = optarg; break;
		case 'p': cfg.paused = true; break;
		case 'D':
		case 'N':
			if (cfg.ndevices == 8)
				usage();
			parse_device(&devs[cfg.ndevices++], ch == 'N', optarg);
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	cfg.devices = devs;
	if (cfg.maxmem_mb == 0)
		cfg.maxmem_mb = cfg.memory_mb;
	if (cfg.maxvcpus == 0)
		cfg.maxvcpus = cfg.vcpus;
	rc = xc_domain_create(xc, &cfg);
	if (rc != XC_OK)
		return fail(xc, "create", rc);
	printf("created domain %u (%s)\n", cfg.domid, cfg.name);
	return 0;
}

static int
cmd_events(xc_interface *xc, uint32_t domid, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "ack", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	long count = -1, timeout_s = 60, seen = 0;
	bool ack = false;
	struct xc_event ev;
	time_t end;
	int ch, fd, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': count = strtol(optarg, NULL, 10); break;
		case 't': timeout_s = strtol(optarg, NULL, 10); break;
		case 'a': ack = true; break;
		default: usage();
		}
	}
	rc = xc_event_subscribe(xc, domid, &fd);
	if (rc != XC_OK)
		return fail(xc, "events", rc);
	printf("subscribed\n");
	fflush(stdout);
	end = time(NULL) + timeout_s;
	while (count < 0 || seen < count) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		rc = xc_event_read(xc, fd, &ev);
		if (rc == XC_OK) {
			if (ev.type == XC_EV_STATE)
				printf("event %llu state %s %s %s\n", (unsigned long long)ev.seq,
				    state_names[ev.state], reason_names[ev.reason], ev.detail);
			else
				printf("event %llu console-reset %s\n",
				    (unsigned long long)ev.seq, ev.detail);
			fflush(stdout);
			if (ack)
				xc_event_ack(xc, fd, ev.seq);
			seen++;
			continue;
		}
		if (rc != XC_ERR_TIMEOUT) {
			xc_event_close(xc, fd);
			return fail(xc, "events", rc);
		}
		if (time(NULL) >= end) {
			xc_event_close(xc, fd);
			fprintf(stderr, "xc-tool: events: timed out\n");
			return 1;
		}
		poll(&pfd, 1, 1000);
	}
	xc_event_close(xc, fd);
	return 0;
}

static int
cmd_list(xc_interface *xc)
{
	struct xc_dominfo *v;
	size_t n, i;
	char l[7];
	int rc;

	rc = xc_domain_list(xc, &v, &n);
	if (rc != XC_OK)
		return fail(xc, "list", rc);
	for (i = 0; i < n; i++) {
		xc_dominfo_letters(&v[i], l);
		printf("%u %s %s %s %.1f\n", v[i].domid, v[i].name, state_names[v[i].state],
		    l, (double)v[i].cpu_time_ns / 1e9);
	}
	free(v);
	return 0;
}

static int
cmd_physinfo(xc_interface *xc)
{
	struct xc_physinfo pi;
	int rc;

	rc = xc_physinfo(xc, &pi);
	if (rc != XC_OK)
		return fail(xc, "physinfo", rc);
	printf("nr_cpus %u\nnr_nodes %u\nsockets %u\ncores_per_socket %u\n"
	    "threads_per_core %u\ncpu_mhz %u\ntotal_memory_kb %llu\nfree_memory_kb %llu\n"
	    "kvm_present %d\nhw_caps %08x:%08x:%08x:%08x:%08x:%08x:%08x:%08x\n",
	    pi.nr_cpus, pi.nr_nodes, pi.sockets, pi.cores_per_socket, pi.threads_per_core,
	    pi.cpu_mhz, (unsigned long long)pi.total_memory_kb,
	    (unsigned long long)pi.free_memory_kb, pi.kvm_present, pi.hw_caps[0],
	    pi.hw_caps[1], pi.hw_caps[2], pi.hw_caps[3], pi.hw_caps[4], pi.hw_caps[5],
	    pi.hw_caps[6], pi.hw_caps[7]);
	return 0;
}

static int
dispatch(xc_interface *xc, int argc, char **argv)
{
	const char *cmd = argv[0];
	struct xc_dominfo info;
	uint32_t domid;
	int rc;

	if (strcmp(cmd, "create") == 0)
		return cmd_create(xc, argc, argv);
	if (strcmp(cmd, "disk-add") == 0 || strcmp(cmd, "nic-add") == 0 ||
	    strcmp(cmd, "device-del") == 0)
		return cmd_hotplug(xc, cmd, argc, argv);
	if (strcmp(cmd, "list") == 0)
		return cmd_list(xc);
	if (strcmp(cmd, "physinfo") == 0)
		return cmd_physinfo(xc);
	if (strcmp(cmd, "accel-probe") == 0) {
		enum xc_accel a;
		char why[256];

		rc = xc_accel_probe(xc, &a, why, sizeof(why));
		if (rc != XC_OK)
			return fail(xc, "accel-probe", rc);
		printf("accel %s\nwhy %s\n", a == XC_ACCEL_KVM ? "kvm" : "tcg", why);
		return 0;
	}
	if (argc < 2)
		usage();
	domid = domid_arg(argv[1]);
	if (strcmp(cmd, "events") == 0)
		return cmd_events(xc, domid, argc - 1, argv + 1);
	if (strcmp(cmd, "shutdown") == 0) {
		enum xc_shutdown_reason r;

		if (argc != 3)
			usage();
		if (strcmp(argv[2], "poweroff") == 0)
			r = XC_SHUTDOWN_POWEROFF;
		else if (strcmp(argv[2], "reboot") == 0)
			r = XC_SHUTDOWN_REBOOT;
		else if (strcmp(argv[2], "halt") == 0)
			r = XC_SHUTDOWN_HALT;
		else if (strcmp(argv[2], "suspend") == 0)
			r = XC_SHUTDOWN_SUSPEND;
		else
			usage();
		rc = xc_domain_shutdown(xc, domid, r);
		return rc == XC_OK ? 0 : fail(xc, "shutdown", rc);
	}
	if (argc != 2)
		usage();
	if (strcmp(cmd, "getinfo") == 0) {
		rc = xc_domain_getinfo(xc, domid, &info);
		if (rc != XC_OK)
			return fail(xc, "getinfo", rc);
		print_info(&info);
		return 0;
	}
	if (strcmp(cmd, "pause") == 0)
		rc = xc_domain_pause(xc, domid);
	else if (strcmp(cmd, "unpause") == 0)
		rc = xc_domain_unpause(xc, domid);
	else if (strcmp(cmd, "reset") == 0)
		rc = xc_domain_reset(xc, domid);
	else if (strcmp(cmd, "destroy") == 0)
		rc = xc_domain_destroy(xc, domid);
	else if (strcmp(cmd, "console-path") == 0) {
		char path[256];

		rc = xc_domain_console_path(xc, domid, path, sizeof(path));
		if (rc == XC_OK)
			printf("%s\n", path);
	} else if (strcmp(cmd, "console-read") == 0) {
		char *data;
		size_t len;

		rc = xc_domain_console_read(xc, domid, &data, &len);
		if (rc == XC_OK) {
			fwrite(data, 1, len, stdout);
			free(data);
		}
	} else
		usage();
	return rc == XC_OK ? 0 : fail(xc, cmd, rc);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "xenhv", required_argument, NULL, 'x' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct xc_logger logger = { log_stderr, NULL };
	const char *root = "", *xenhv = getenv("XENHV");
	xc_interface *xc;
	int ch, rc;

	/* Options up to the command word only: the command parses its own. */
	while ((ch = getopt_long(argc, argv, "+v", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': root = optarg; break;
		case 'x': xenhv = optarg; break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	xc = xc_interface_open(root, xenhv, &logger);
	rc = dispatch(xc, argc - optind, argv + optind);
	xc_interface_close(xc);
	return rc;
}
