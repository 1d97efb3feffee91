/* commands.c: the table of xm subcommands and their deprecated aliases. */
#include "xm.h"

static const struct xm_opt create_opts[] = {
	{ 'n', "dryrun", NULL, "Dry run - prints the resulting configuration in SXP but does not create the domain." },
	{ 'q', "quiet", NULL, "Quiet." },
	{ 'p', "paused", NULL, "Leave the domain paused after it is created." },
	{ 'c', "console_autoconnect", NULL, "Connect to the console after the domain is created." },
	{ 'f', "defconfig", "FILE", "Use the given Python configuration script. The configuration script is loaded after arguments have been processed." },
	{ 'F', "config", "FILE", "Domain configuration to use (SXP). SXP is the underlying configuration format used by Xen." },
	{ XM_OPT_LONG_ONLY + 1, "path", "PATH", "Search path for configuration scripts. The value of PATH is a colon-separated directory list." },
	{ XM_OPT_LONG_ONLY + 2, "help_config", NULL, "Print the available configuration variables (vars) for the configuration script." },
	{ XM_OPT_LONG_ONLY + 3, "vncviewer", NULL, "Connect to the VNC display after the domain is created." },
	{ XM_OPT_LONG_ONLY + 4, "vncviewer-autopass", NULL, "Pass the VNC password to the viewer (-autopass) with --vncviewer." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt vncviewer_opts[] = {
	{ XM_OPT_LONG_ONLY + 1, "autopass", NULL, "Pass the VNC password to the viewer on its standard input (-autopass)." },
	{ XM_OPT_LONG_ONLY + 2, "vncviewer-autopass", NULL, "The same as --autopass." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt info_opts[] = {
	{ 'c', "config", NULL, "List Xend configuration parameters" },
	{ 'n', "numa", NULL, "Numa info" },
	{ XM_OPT_JSON, "json", NULL, "Print JSON (docs/JSON.md) instead of the lines." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt events_opts[] = {
	{ XM_OPT_LONG_ONLY + 1, "since", "SEQ", "First print the events after sequence number SEQ (0: all that xend keeps)." },
	{ XM_OPT_LONG_ONLY + 2, "no-follow", NULL, "Print the events xend has (after --since, else all) and exit." },
	{ XM_OPT_JSON, "json", NULL, "Print each event as a JSON object on one line (docs/JSON.md)." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt dmesg_opts[] = {
	{ 'c', "clear", NULL, "Clear Xend's message buffer." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt list_opts[] = {
	{ 'l', "long", NULL, "Output all VM details in SXP" },
	{ XM_OPT_LONG_ONLY + 1, "state", "<state>", "Select only VMs with the specified state (running, paused, halted, suspended, crashed, unknown or all)" },
	{ XM_OPT_JSON, "json", NULL, "Print JSON (docs/JSON.md): the table, or with -l every detail." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt console_opts[] = {
	{ 'q', "quiet", NULL, "Do not print an error message if the domain does not exist" },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt dump_opts[] = {
	{ 'L', "live", NULL, "Dump core without pausing the domain." },
	{ 'C', "crash", NULL, "Crash domain after dumping core." },
	{ 'R', "reset", NULL, "Reset domain after dumping core." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt shutdown_opts[] = {
	{ 'a', "all", NULL, "Shutdown all domains." },
	{ 'w', "wait", NULL, "Wait for shutdown to complete." },
	{ 'H', "halt", NULL, "Shutdown without reboot." },
	{ 'R', "reboot", NULL, "Shutdown and reboot." },
	{ XM_OPT_LONG_ONLY + 1, "timeout", "SECS", "Wait at most SECS seconds (default 60, 0 for no limit), then name the domains that did not stop; implies -w." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt reboot_opts[] = {
	{ 'a', "all", NULL, "Reboot all domains." },
	{ 'w', "wait", NULL, "Wait for reboot to complete." },
	{ XM_OPT_LONG_ONLY + 1, "timeout", "SECS", "Wait at most SECS seconds (default 60, 0 for no limit), then name the domains that did not reboot; implies -w." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt devlist_opts[] = {
	{ 'l', "long", NULL, "List devices in SXP" },
	{ XM_OPT_JSON, "json", NULL, "Print JSON (docs/JSON.md) instead of the table." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt detach_opts[] = {
	{ 'f', "force", NULL, "Accepted for compatibility: the guest is always given device-destroy-timeout to let the device go." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt migrate_opts[] = {
	{ 'l', "live", NULL, "Use live migration: the guest runs while its memory is copied." },
	{ 'p', "port", "PORT", "Use the given port for the destination's relocation server (default: xend-relocation-port, or xend-relocation-ssl-port with --ssl)." },
	{ 'n', "node", "NODE", "Use the given NUMA node on the destination (accepted, not used)." },
	{ 's', "ssl", NULL, "Use TLS: the control connection and QEMU's stream are encrypted, both hosts authenticated." },
	{ 'c', "change_home_server", NULL, "Change the home server for managed domains (accepted, not used)." },
	{ XM_OPT_JSON, "json", NULL, "Progress as JSON objects, one a line, and a last one when done (docs/JSON.md)." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt uptime_opts[] = {
	{ 's', "short", NULL, "One line per domain, in the style of uptime(1)." },
	{ XM_OPT_JSON, "json", NULL, "Print JSON (docs/JSON.md) instead of the table." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt vcpu_list_opts[] = {
	{ XM_OPT_JSON, "json", NULL, "Print JSON (docs/JSON.md) instead of the table." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt start_opts[] = {
	{ 'p', "paused", NULL, "Do not unpause domain after starting it" },
	{ 'c', "console_autoconnect", NULL, "Connect to the console after the domain is started" },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt paused_opts[] = {
	{ 'p', "paused", NULL, "Do not unpause domain after restoring it" },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt save_opts[] = {
	{ 'c', "checkpoint", NULL, "Leave domain running after creating snapshot" },
	{ XM_OPT_JSON, "json", NULL, "Print the progress as JSON lines, then a done line (docs/JSON.md)." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt restore_opts[] = {
	{ 'p', "paused", NULL, "Do not unpause domain after restoring it" },
	{ XM_OPT_JSON, "json", NULL, "Print the progress as JSON lines, then a done line (docs/JSON.md)." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt sched_credit_opts[] = {
	{ 'd', "domain", "DOMAIN", "Domain to modify" },
	{ 'w', "weight", "WEIGHT", "Weight (int), 1 to 65535, default 256" },
	{ 'c', "cap", "CAP", "Cap (int): percent of one CPU, 0 for none" },
	{ XM_OPT_JSON, "json", NULL, "Print the listing as JSON (docs/JSON.md) instead of the table." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt help_opts[] = {
	{ XM_OPT_LONG_ONLY + 1, "complete", NULL, "For the bash completion script: the commands, or the command's options and arguments, one per line." },
	{ 0, NULL, NULL, NULL },
};

static const struct xm_opt top_opts[] = {
	{ 'b', "batch", NULL, "Batch mode: plain text frames on stdout, no keys read." },
	{ 'i', "iterations", "N", "Number of frames before exiting (default: until q or a signal)." },
	{ 'd', "delay", "SECONDS", "Seconds between updates (default 3)." },
	{ 'n', "networks", NULL, "Output vif network data." },
	{ 'x', "vbds", NULL, "Output vbd block device data." },
	{ 'v', "vcpus", NULL, "Output vcpu data." },
	{ 'r', "repeat-header", NULL, "Repeat the table header before each domain." },
	{ 'f', "full-name", NULL, "Output the full domain name (not truncated)." },
	{ 0, NULL, NULL, NULL },
};

#define XENONLY(name, args, help) \
	{ name, args, help, NULL, 0, -1, xm_cmd_xen_only, XM_CMD_XEN_ONLY }

const struct xm_cmd xm_commands[] = {
	{ "block-attach", "<Domain> <BackDev> <FrontDev> <Mode> [BackDomain]",
	  "Create a new virtual block device.",
	  NULL, 4, 5, xm_cmd_block_attach, 0 },
	{ "block-configure", "<Domain> <BackDev> <FrontDev> <Mode> [BackDomain]",
	  "Change block device configuration.",
	  NULL, 4, 5, xm_cmd_block_configure, 0 },
	{ "block-detach", "<Domain> <DevId> [-f|--force]",
	  "Destroy a domain's virtual block device.",
	  detach_opts, 2, 2, xm_cmd_block_detach, 0 },
	{ "block-list", "<Domain> [--long] [--json]", "List virtual block devices for a domain.",
	  devlist_opts, 1, 1, xm_cmd_block_list, 0 },
	{ "console", "[-q|--quiet] <Domain>", "Attach to <Domain>'s console.",
	  console_opts, 1, 1, xm_cmd_console, XM_CMD_COMMON },
	{ "create", "<ConfigFile> [options] [vars]", "Create a domain based on <ConfigFile>.",
	  create_opts, 0, -1, xm_cmd_create, XM_CMD_COMMON },
	{ "delete", "<DomainName>", "Remove a domain from Xend domain management.",
	  NULL, 1, 1, xm_cmd_delete, XM_CMD_COMMON },
	{ "destroy", "<Domain>", "Terminate a domain immediately.",
	  NULL, 1, 1, xm_cmd_destroy, XM_CMD_COMMON },
	{ "dmesg", "[-c|--clear]", "Read and/or clear Xend's message buffer.",
	  dmesg_opts, 0, 0, xm_cmd_dmesg, 0 },
	{ "dump-core", "[-L|--live] [-C|--crash] [-R|--reset] <Domain> [Filename]",
	  "Dump core for a specific domain.",
	  dump_opts, 1, 2, xm_cmd_dump_core, 0 },
	{ "domid", "<DomainName>", "Convert a domain name to domain id.",
	  NULL, 1, 1, xm_cmd_domid, 0 },
	{ "domname", "<DomId>", "Convert a domain id to domain name.",
	  NULL, 1, 1, xm_cmd_domname, 0 },
	{ "domstate", "<domain>", "get the state of a domain",
	  NULL, 1, 1, xm_cmd_domstate, XM_CMD_COMMON },
	{ "events", "[--json] [--since SEQ] [--no-follow] [Domain, ...]",
	  "Print domain events as they happen (all, or the domains named).",
	  events_opts, 0, -1, xm_cmd_events, 0 },
	{ "help", "[<Subcommand>]", "Display help for xm or for one subcommand.",
	  help_opts, 0, 1, xm_cmd_help, XM_CMD_COMMON },
	{ "info", "[-c|--config] [-n|--numa] [--json]", "Get information about Xen host.",
	  info_opts, 0, 0, xm_cmd_info, XM_CMD_COMMON },
	{ "list", "[options] [Domain, ...]", "List information about all/some domains.",
	  list_opts, 0, -1, xm_cmd_list, XM_CMD_COMMON },
	{ "log", "", "Print Xend log",
	  NULL, 0, 0, xm_cmd_log, 0 },
	{ "migrate", "<Domain> <Host>", "Migrate a domain to another machine.",
	  migrate_opts, 2, 2, xm_cmd_migrate, XM_CMD_COMMON },
	{ "mem-max", "<Domain> <Mem>", "Set the maximum amount reservation for a domain.",
	  NULL, 2, 2, xm_cmd_mem_max, 0 },
	{ "mem-set", "<Domain> <Mem>", "Set the current memory usage for a domain.",
	  NULL, 2, 2, xm_cmd_mem_set, XM_CMD_COMMON },
	{ "new", "<ConfigFile> [options] [vars]", "Adds a domain to Xend domain management",
	  create_opts, 0, -1, xm_cmd_new, XM_CMD_COMMON },
	{ "network-attach", "<Domain> [type=<type>] [mac=<mac>] [bridge=<bridge>] "
	  "[ip=<ip>] [script=<script>] [backend=<BackDomain>] [vifname=<name>] "
	  "[rate=<rate>] [model=<model>] [accel=<accel>]",
	  "Create a new virtual network device.",
	  NULL, 1, -1, xm_cmd_network_attach, 0 },
	{ "network-detach", "<Domain> <DevId|mac> [-f|--force]",
	  "Destroy a domain's virtual network device.",
	  detach_opts, 2, 2, xm_cmd_network_detach, 0 },
	{ "network-list", "<Domain> [--long] [--json]",
	  "List virtual network interfaces for a domain.",
	  devlist_opts, 1, 1, xm_cmd_network_list, 0 },
	{ "pause", "<Domain>", "Pause execution of a domain.",
	  NULL, 1, 1, xm_cmd_pause, XM_CMD_COMMON },
	{ "reboot", "<Domain> [-wa]", "Reboot a domain.",
	  reboot_opts, 0, 1, xm_cmd_reboot, XM_CMD_COMMON },
	{ "rename", "<Domain> <NewDomainName>", "Rename a domain.",
	  NULL, 2, 2, xm_cmd_rename, 0 },
	{ "reset", "<Domain>", "Reset a domain.",
	  NULL, 1, 1, xm_cmd_reset, XM_CMD_COMMON },
	{ "restore", "<CheckpointFile> [-p] [--json]", "Restore a domain from a saved state.",
	  restore_opts, 1, 1, xm_cmd_restore, XM_CMD_COMMON },
	{ "resume", "<DomainName> [-p]", "Resume a Xend managed domain",
	  paused_opts, 1, 1, xm_cmd_resume, XM_CMD_COMMON },
	{ "save", "[-c|--checkpoint] [--json] <Domain> <CheckpointFile>", "Save a domain state to restore later.",
	  save_opts, 2, 2, xm_cmd_save, XM_CMD_COMMON },
	{ "sched-credit", "[--json] [-d <Domain> [-w[=WEIGHT]|-c[=CAP]]]", "Get/set credit scheduler parameters.",
	  sched_credit_opts, 0, 0, xm_cmd_sched_credit, 0 },
	{ "shell", "", "Launch an interactive shell.",
	  NULL, 0, 0, xm_cmd_shell, 0 },
	{ "shutdown", "<Domain> [-waRH]", "Shutdown a domain.",
	  shutdown_opts, 0, 1, xm_cmd_shutdown, XM_CMD_COMMON },
	{ "start", "<DomainName>", "Start a Xend managed domain",
	  start_opts, 1, 1, xm_cmd_start, XM_CMD_COMMON },
	{ "suspend", "<DomainName>", "Suspend a Xend managed domain",
	  NULL, 1, 1, xm_cmd_suspend, XM_CMD_COMMON },
	{ "sysrq", "<Domain> <letter>", "Send a sysrq to a domain.",
	  NULL, 2, 2, xm_cmd_sysrq, XM_CMD_COMMON },
	{ "top", "[-b] [-i N] [-d SECONDS] [-n] [-x] [-v] [-r] [-f]",
	  "Monitor a host and the domains in real time.",
	  top_opts, 0, 0, xm_cmd_top, XM_CMD_COMMON },
	{ "trigger", "<Domain> <nmi|reset|init|s3resume|power> [<VCPU>]",
	  "Send a trigger to a domain.",
	  NULL, 2, 3, xm_cmd_trigger, 0 },
	{ "unpause", "<Domain>", "Unpause a paused domain.",
	  NULL, 1, 1, xm_cmd_unpause, XM_CMD_COMMON },
	{ "uptime", "[-s] [--json] [Domain, ...]", "Print uptime for all/some domains.",
	  uptime_opts, 0, -1, xm_cmd_uptime, XM_CMD_COMMON },
	{ "vcpu-list", "[--json] [Domain, ...]", "List the VCPUs for all/some domains.",
	  vcpu_list_opts, 0, -1, xm_cmd_vcpu_list, 0 },
	{ "vcpu-pin", "<Domain> <VCPU|all> <CPUs|all>", "Set which CPUs a VCPU can use.",
	  NULL, 3, 3, xm_cmd_vcpu_pin, 0 },
	{ "vcpu-set", "<Domain> <vCPUs>", "Set the number of active VCPUs for allowed for the domain.",
	  NULL, 2, 2, xm_cmd_vcpu_set, XM_CMD_COMMON },
	{ "vncviewer", "[--[vncviewer-]autopass] <Domain>",
	  "Attach to <Domain>'s VNC display.",
	  vncviewer_opts, 1, 1, xm_cmd_vncviewer, 0 },
	/* Classic commands that only mean something with a Xen hypervisor
	 * (reference 2): they say so (cmd-xenonly.c). */
	XENONLY("debug-keys", "<Keys>", "Send debug keys to Xen."),
	XENONLY("sched-credit2", "[-d <Domain> [-w[=WEIGHT]]]", "Get/set credit2 scheduler parameters."),
	XENONLY("sched-sedf", "<Domain> [options]", "Get/set EDF parameters."),
	XENONLY("cpupool-create", "<ConfigFile> [vars]", "Create a CPU pool based an ConfigFile."),
	XENONLY("cpupool-new", "<ConfigFile> [vars]", "Adds a CPU pool to Xend CPU pool management"),
	XENONLY("cpupool-start", "<CPU Pool>", "Starts a Xend CPU pool"),
	XENONLY("cpupool-list", "[<CPU Pool>] [-l|--long] [-c|--cpus]", "List CPU pools on host"),
	XENONLY("cpupool-destroy", "<CPU Pool>", "Deactivates a CPU pool"),
	XENONLY("cpupool-delete", "<CPU Pool>", "Removes a CPU pool from Xend management"),
	XENONLY("cpupool-cpu-add", "<CPU Pool> <CPU nr>|<node:nr>", "Adds a CPU to a CPU pool"),
	XENONLY("cpupool-cpu-remove", "<CPU Pool> <CPU nr>|<node:nr>", "Removes a CPU from a CPU pool"),
	XENONLY("cpupool-migrate", "<Domain> <CPU Pool>", "Moves a domain into a CPU pool"),
	XENONLY("tmem-list", "[-l|--long] [<Domain>|-a|--all]", "List tmem pools."),
	XENONLY("tmem-thaw", "[<Domain>|-a|--all]", "Thaw tmem pools."),
	XENONLY("tmem-freeze", "[<Domain>|-a|--all]", "Freeze tmem pools."),
	XENONLY("tmem-destroy", "[<Domain>|-a|--all]", "Destroy tmem pools."),
	XENONLY("tmem-set", "[<Domain>|-a|--all] [weight=<weight>] [cap=<cap>] [compress=<compress>]", "Change tmem settings."),
	XENONLY("tmem-freeable", "", "Print freeable tmem (in MiB)."),
	XENONLY("tmem-shared-auth", "[<Domain>|-a|--all] [--uuid=<uuid>] [--auth=<0|1>]", "De/authenticate shared tmem pool."),
	XENONLY("getenforce", "", "Returns the current enforcing mode of the Flask module"),
	XENONLY("setenforce", "[ (Enforcing|1) | (Permissive|0) ]", "Modifies the current enforcing mode of the Flask module"),
	XENONLY("labels", "[policy] [type=dom|res|any]", "List <type> labels for (active) policy."),
	XENONLY("addlabel", "<label> {dom <ConfigFile>|res <resource>|mgt <managed domain>} [<policy>]", "Add security label to domain."),
	XENONLY("rmlabel", "{dom <ConfigFile>|res <Resource>|mgt<managed domain>}", "Remove a security label from domain."),
	XENONLY("getlabel", "{dom <ConfigFile>|res <Resource>|mgt <managed domain>}", "Show security label for domain or resource."),
	XENONLY("dry-run", "<ConfigFile>", "Test if a domain can access its resources."),
	XENONLY("resources", "", "Show info for each labeled resource."),
	XENONLY("dumppolicy", "", "Print hypervisor ACM state information."),
	XENONLY("setpolicy", "<policytype> <policyfile> [options]", "Set the policy of the system."),
	XENONLY("resetpolicy", "", "Set the policy of the system to the default policy."),
	XENONLY("getpolicy", "[options]", "Get the policy of the system."),
	XENONLY("pci-attach", "[-o|--options=<opt>] <Domain> <domain:bus:slot.func> [virtual slot]", "Insert a new pass-through pci device."),
	XENONLY("pci-detach", "<Domain> <domain:bus:slot.func>", "Remove a domain's pass-through pci device."),
	XENONLY("pci-list", "<Domain>", "List pass-through pci devices for a domain."),
	XENONLY("pci-list-assignable-devices", "", "List all the assignable pci devices"),
	XENONLY("scsi-attach", "<Domain> <PhysDevice> <VirtDevice> [BackDomain]", "Attach a new SCSI device."),
	XENONLY("scsi-detach", "<Domain> <VirtDevice>", "Detach a specified SCSI device."),
	XENONLY("scsi-list", "<Domain> [--long]", "List all SCSI devices currently attached."),
	XENONLY("usb-attach", "<domain> <dev_id> <port_number> <bus_id>", "Attach a new USB physical bus to domain's virtual port."),
	XENONLY("usb-detach", "<domain> <dev_id> <port_number>", "Detach a USB physical bus from domain's virtual port."),
	XENONLY("usb-list", "<Domain>", "List domain's attachment state of all virtual port ."),
	XENONLY("usb-list-assignable-devices", "", "List all the assignable usb devices"),
	XENONLY("usb-hc-create", "<Domain> <USB Spec Version> <Number of Ports>", "Create a domain's new virtual USB host controller."),
	XENONLY("usb-hc-destroy", "<Domain> <dev_id>", "Destroy a domain's virtual USB host controller."),
	XENONLY("vtpm-list", "<Domain> [--long]", "List virtual TPM devices."),
	XENONLY("network2-attach", "<Domain> [options]", "Create a new version 2 virtual network device."),
	XENONLY("network2-detach", "<Domain> <DevId> [-f|--force]", "Destroy a domain's version 2 virtual network device."),
	XENONLY("network2-list", "<Domain> [--long]", "List version 2 virtual network interfaces for a domain."),
};
const size_t xm_ncommands = sizeof(xm_commands) / sizeof(xm_commands[0]);

const struct xm_alias xm_aliases[] = {
	{ "balloon", "mem-set" },
	{ "set-vcpus", "vcpu-set" },
	{ "vif-list", "network-list" },
	{ "vbd-create", "block-attach" },
	{ "vbd-destroy", "block-detach" },
	{ "vbd-list", "block-list" },
	{ "pool-create", "cpupool-create" },
	{ "pool-new", "cpupool-new" },
	{ "pool-start", "cpupool-start" },
	{ "pool-list", "cpupool-list" },
	{ "pool-destroy", "cpupool-destroy" },
	{ "pool-delete", "cpupool-delete" },
	{ "pool-cpu-add", "cpupool-cpu-add" },
	{ "pool-cpu-remove", "cpupool-cpu-remove" },
	{ "pool-migrate", "cpupool-migrate" },
};
const size_t xm_naliases = sizeof(xm_aliases) / sizeof(xm_aliases[0]);
