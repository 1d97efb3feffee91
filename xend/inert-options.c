/* inert-options.c: the xend-config.sxp options xend reads but does not
 * act upon, each with the reason. An admin who sets one is told once, at
 * start, in the log, rather than left to believe it did something. */
#include "inert-options.h"

#include <string.h>

#include "log.h"
#include "xend-options.h"

/* warn_if: "set" (any value given), "true" (a yes), "false" (a no). */
static const struct {
	const char *name, *warn_if, *why;
} inert[] = {
	{ "xen-api-server", "set", "the Xen-API server is not provided; "
	    "xm speaks XML-RPC on xend's UNIX socket" },
	{ "xend-unix-server", "true", "the legacy SXP-over-HTTP server is not "
	    "provided" },
	{ "xend-unix-path", "set", "the legacy SXP-over-HTTP server is not "
	    "provided" },
	{ "xend-unix-xmlrpc-server", "false", "XML-RPC on the UNIX socket is "
	    "how xm reaches xend: it is always served" },
	{ "xend-tcp-xmlrpc-server", "true", "XML-RPC is served on the UNIX "
	    "socket only (root only, by design)" },
	{ "xend-tcp-xmlrpc-server-address", "set", "XML-RPC is served on the "
	    "UNIX socket only" },
	{ "xend-tcp-xmlrpc-server-port", "set", "XML-RPC is served on the "
	    "UNIX socket only" },
	{ "xend-tcp-xmlrpc-server-ssl-key-file", "set", "XML-RPC is served on "
	    "the UNIX socket only" },
	{ "xend-tcp-xmlrpc-server-ssl-cert-file", "set", "XML-RPC is served "
	    "on the UNIX socket only" },
	{ "xend-udev-event-server", "true", "udev events are not listened to" },
	{ "console-limit", "set", "each domain's console keeps a ring of a "
	    "fixed size and a log file" },
	{ "total_available_memory", "set", "it reserved memory for 32-bit PV "
	    "guests under Xen; here guests take the host's memory" },
	{ "dom0-cpus", "set", "dom0 is the host itself and uses every CPU" },
	{ "external-migration-tool", "set", "there are no vTPMs to migrate" },
	{ "resource-label-change-script", "set", "there are no security "
	    "labels (XSM/ACM) here" },
	{ "xend-security-path", "set", "there are no security labels "
	    "(XSM/ACM) here" },
	{ "qemu-dm-logrotate-count", "set", "QEMU's log keeps one previous "
	    "generation" },
	{ "xend-state-path", "set", "xend's state is its SQLite database "
	    "(/var/lib/xend/xend.db)" },
	{ "xend-storage-path", "set", "xend's state is its SQLite database "
	    "(/var/lib/xend/xend.db)" },
	{ "pci-passthrough-strict-check", "set", "PCI passthrough is not "
	    "provided" },
	{ "pscsi-device-mask", "set", "SCSI passthrough is not provided" },
	{ "xend-domain-lock-utility", "set", "the domain lock is sanlock's "
	    "leases, held by each domain's monitor; no script is run" },
	{ "xend-domain-lock-device", "set", "the lock space is a file in "
	    "xend-domain-lock-path; a block device for it is not provided" },
};

size_t
inert_options_warn(const struct xend_options *opts)
{
	size_t i, n = 0;
	const char *w;
	bool on;

	for (i = 0; i < sizeof(inert) / sizeof(inert[0]); i++) {
		if (xend_opt_line(opts, inert[i].name) <= 0)
			continue;
		w = inert[i].warn_if;
		if (strcmp(w, "set") != 0) {
			on = xend_opt_bool(opts, inert[i].name);
			if (on != (strcmp(w, "true") == 0))
				continue;
		}
		log_warn("xend-config.sxp line %d: option %s has no effect here: "
		    "%s", xend_opt_line(opts, inert[i].name), inert[i].name,
		    inert[i].why);
		n++;
	}
	return n;
}
