/* cmd-xenonly.c: the classic commands that only mean something with a
 * Xen hypervisor underneath (debug keys, Xen's other schedulers, CPU
 * pools, tmem, XSM/ACM, PCI pass-through and the PV device protocols
 * that need grant tables). Here guests run on QEMU, so each says so in
 * words and exits 1: an admin's script learns why, not "not found". */
#include <string.h>

#include "xm.h"

static const struct {
	const char *prefix;	/* a command name, or a family's prefix */
	const char *why;
} reasons[] = {
	{ "debug-keys", "it sends debug keys to Xen's console" },
	{ "sched-", "it sets a parameter of Xen's scheduler; 'xm sched-credit' "
	    "sets weight and cap here" },
	{ "cpupool-", "CPU pools are Xen's partitions of its CPUs; 'xm vcpu-pin' "
	    "sets which CPUs a domain uses here" },
	{ "tmem-", "transcendent memory is kept by Xen" },
	{ "getenforce", "Flask is Xen's security module" },
	{ "setenforce", "Flask is Xen's security module" },
	{ "pci-", "PCI pass-through goes through Xen's pciback" },
	{ "scsi-", "PV SCSI devices use Xen's grant tables" },
	{ "usb-", "PV USB devices use Xen's grant tables" },
	{ "vtpm-", "virtual TPMs are Xen's vTPM devices" },
	{ "network2-", "netchannel2 devices use Xen's grant tables" },
	/* the ACM commands */
	{ "", "ACM security labels are enforced by Xen" },
};

int
xm_cmd_xen_only(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *name = ctx->cmd->name;
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strncmp(name, reasons[i].prefix, strlen(reasons[i].prefix)) == 0)
			break;
	xm_error("'xm %s' needs a Xen hypervisor: %s, and this host runs its "
	    "guests on QEMU (KVM or TCG).", name, reasons[i].why);
	return XM_EXIT_ERROR;
}
