/* node-methods.c: the host methods: xend.node.info (xm info),
 * xend.node.log and the host-side message buffer (xm dmesg). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "accel.h"
#include "daemon.h"
#include "memory.h"
#include "log.h"
#include "methods.h"
#include "xmlrpc.h"

/*
 * The "hypervisor" version xm info reports. Classic tools compare
 * xen_major/xen_minor against 4.1, the interface this toolstack follows;
 * xen_extra says what actually runs the guests.
 */
#define NODE_XEN_MAJOR		4
#define NODE_XEN_MINOR		1
#define NODE_XEN_EXTRA		".0-qemu"
#define NODE_XEND_CONFIG_FORMAT	4

#if defined(__clang__)
#define NODE_CC			"clang version " __clang_version__
#elif defined(__GNUC__)
#define NODE_CC			"gcc version " __VERSION__
#else
#define NODE_CC			"unknown"
#endif
#ifndef XEN_COMPILE_BY
#define XEN_COMPILE_BY		"unknown"
#endif
#ifndef XEN_COMPILE_DOMAIN
#define XEN_COMPILE_DOMAIN	"unknown"
#endif

static void
add_str(struct xv *l, const char *key, const char *val)
{
	xv_append_pair(l, key, xv_str(val));
}

static void
add_int(struct xv *l, const char *key, int64_t val)
{
	xv_append_pair(l, key, xv_int(val));
}

/* Guest kinds this host runs (Xen's xen_caps words): PV kernels booted
 * directly and HVM guests, both through QEMU. */
static const char *
xen_caps(const char *machine)
{
	if (strcmp(machine, "x86_64") == 0)
		return "xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 "
		    "hvm-3.0-x86_32p hvm-3.0-x86_64";
	return "xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p";
}

static char *
host_cmdline(void)
{
	char *text = NULL;
	size_t len;

	if (xu_read_file("/proc/cmdline", 4096, &text, &len) != XU_OK)
		return xu_strdup("");
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	return text;
}

static void
add_uname(struct xv *l, const struct utsname *up)
{
	add_str(l, "system", up->sysname);
	add_str(l, "host", up->nodename);
	add_str(l, "release", up->release);
	add_str(l, "version", up->version);
	add_str(l, "machine", up->machine);
}

static void
add_phys(struct xv *l, const struct xc_physinfo *pi, const struct mem_picture *m)
{
	char caps[8 * 9 + 1];
	size_t i, off = 0;

	for (i = 0; i < 8; i++)
		off += (size_t)snprintf(caps + off, sizeof(caps) - off, "%s%08x",
		    i ? ":" : "", pi->hw_caps[i]);
	add_int(l, "nr_cpus", pi->nr_cpus);
	add_int(l, "nr_nodes", pi->nr_nodes);
	add_int(l, "cores_per_socket", pi->cores_per_socket);
	add_int(l, "threads_per_core", pi->threads_per_core);
	add_int(l, "cpu_mhz", pi->cpu_mhz);
	add_str(l, "hw_caps", caps);
	/* QEMU emulates an HVM platform whatever the accelerator; there is
	 * no device pass-through (hvm_directio) */
	add_str(l, "virt_caps", "hvm");
	/* the numbers admission control uses (memory.c) */
	add_int(l, "total_memory", m->total);
	add_int(l, "free_memory", m->free);
	add_int(l, "free_cpus", 0);
}

static void
add_xen(struct xv *l, const char *machine)
{
	char *cmdline = host_cmdline();

	add_int(l, "xen_major", NODE_XEN_MAJOR);
	add_int(l, "xen_minor", NODE_XEN_MINOR);
	add_str(l, "xen_extra", NODE_XEN_EXTRA);
	add_str(l, "xen_caps", xen_caps(machine));
	add_str(l, "xen_scheduler", "credit");
	add_int(l, "xen_pagesize", sysconf(_SC_PAGESIZE));
	add_str(l, "platform_params", "virt_start=0xffff800000000000");
	add_str(l, "xen_changeset", "unavailable");
	add_str(l, "xen_commandline", cmdline);
	add_str(l, "cc_compiler", NODE_CC);
	add_str(l, "cc_compile_by", XEN_COMPILE_BY);
	add_str(l, "cc_compile_domain", XEN_COMPILE_DOMAIN);
	add_str(l, "cc_compile_date", __DATE__ " " __TIME__);
	free(cmdline);
}

static void
info_answer(void *arg)
{
	struct rpc_call *c = arg;
	struct xend *x = c->opaque;
	struct xc_physinfo pi;
	struct mem_picture m;
	struct utsname u;
	struct xv *l;
	char *accel;
	int rc;

	memset(&pi, 0, sizeof(pi));
	if ((rc = xc_physinfo(x->xc, &pi)) != XC_OK) {
		rpc_fault(c, XMLRPC_FAULT_GENERIC,
		    "cannot read host information: %s%s%s", xc_strerror(rc),
		    *xc_last_error(x->xc) ? ": " : "", xc_last_error(x->xc));
		return;
	}
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	l = xv_list();
	add_uname(l, &u);
	memory_picture(x->domains, &m);
	add_phys(l, &pi, &m);
	add_xen(l, u.machine);
	accel = accel_describe(x->accel);
	add_str(l, "accel", accel);
	free(accel);
	add_int(l, "xend_config_format", NODE_XEND_CONFIG_FORMAT);
	rpc_reply(c, l);
}

/* The answer names the accelerator, so it waits for the start-up probe
 * (a few seconds at most, and only just after xend starts). */
int
node_info(struct rpc_call *c)
{
	struct xend *x = c->opaque;

	if (!accel_known(x->accel)) {
		accel_wait(x->accel, info_answer, c);
		return RPC_DEFERRED;
	}
	info_answer(c);
	return RPC_DONE;
}

int
node_log(struct rpc_call *c)
{
	const char *path = log_path();
	char *text = NULL;
	size_t len;
	int rc;

	if (path == NULL) {
		rpc_reply(c, xv_str(""));
		return RPC_DONE;
	}
	/* rotation keeps the file near 1 MiB; the cap only guards the reply */
	rc = xu_read_file(path, XMLRPC_MAX_BODY / 2, &text, &len);
	if (rc != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "cannot read %s: %s",
		    path, xu_strerror(rc));
	rpc_reply(c, xv_strn(text, len));
	free(text);
	return RPC_DONE;
}

int
node_dmesg_info(struct rpc_call *c)
{
	char *text = log_ring_text();

	rpc_reply(c, xv_str(text));
	free(text);
	return RPC_DONE;
}

/* As dmesg -c: the messages, then an empty buffer. */
int
node_dmesg_clear(struct rpc_call *c)
{
	char *text = log_ring_text();

	log_ring_clear();
	rpc_reply(c, xv_str(text));
	free(text);
	return RPC_DONE;
}
