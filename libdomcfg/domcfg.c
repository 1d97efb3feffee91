/* domcfg.c: builds the (vm ...) SXP from an evaluated domain config and the
 * command line's VAR=VALUE overrides, in the order of classic xm's
 * make_config (reference section 4.6), with the checks xend would make. */
#include "domcfg.h"
#include "devspec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum origin { FROM_DEFAULT, FROM_FILE, FROM_CMDLINE };

/* The values of every key while one config is built. */
struct build {
	struct domcfg *dc;
	const struct xv *exports;
	const char *file;
	struct xv **val;	/* per key of domcfg_keys; NULL is None */
	int *line;
	enum origin *from;
	bool hvm;
	struct xv *warnings;	/* (line message) pairs, sorted at the end */
};

void
domcfg_init(struct domcfg *dc)
{
	memset(dc, 0, sizeof(*dc));
	dc->overrides = xv_struct();
	dc->quiet = xv_list();
	dc->warnings = xv_list();
}

void
domcfg_dispose(struct domcfg *dc)
{
	xv_free(dc->overrides);
	xv_free(dc->quiet);
	xv_free(dc->warnings);
	dc->overrides = dc->quiet = dc->warnings = NULL;
}

void
domcfg_add_quiet(struct domcfg *dc, const char *name)
{
	xv_append(dc->quiet, xv_str(name));
}

int
domcfg_set_option(struct domcfg *dc, const char *name, const char *value,
    struct xu_err *err)
{
	const struct domcfg_key *key = domcfg_find_key(name);
	struct xv *in = xv_str(value), *v = NULL, *list;
	int rc;

	if (key == NULL || (key->flags & DOMCFG_NOT_OPTION)) {
		xu_err_set(err, XU_ERR_NOT_FOUND, 0, "%s: not an option", name);
		xv_free(in);
		return XU_ERR_NOT_FOUND;
	}
	if (key->type == DOMCFG_LIST || key->type == DOMCFG_INTLIST)
		in = xv_append(xv_list(), in);
	if ((rc = domcfg_convert(key, in, &v, err)) != XU_OK)
		goto out;
	if (key->spec != NULL) {
		struct xv *devs = xv_list();

		rc = key->spec(value, devs, err);
		xv_free(devs);
		if (rc != XU_OK) {
			xv_free(v);
			goto out;
		}
	}
	list = xv_struct_get(dc->overrides, name);
	if (list != NULL && v->type == XV_LIST) {
		/* Repeating a list option adds entries. */
		xv_append(list, xv_copy(xv_at(v, 0)));
		xv_free(v);
	} else
		xv_struct_set(dc->overrides, name, v);
out:
	xv_free(in);
	return rc;
}

/* ---- values during a build ---- */

static size_t
idx(const char *name)
{
	const struct domcfg_key *k = domcfg_find_key(name);

	if (k == NULL)
		abort();	/* a name missing from domcfg_keys */
	return (size_t)(k - domcfg_keys);
}

static struct xv *
get(const struct build *b, const char *name)
{
	return b->val[idx(name)];
}

static int
line_of(const struct build *b, const char *name)
{
	return b->line[idx(name)];
}

static void
set(struct build *b, const char *name, struct xv *v)
{
	size_t i = idx(name);

	xv_free(b->val[i]);
	b->val[i] = v;
}

/* Python truth: None, 0, '' and [] are false. */
static bool
truthy(const struct xv *v)
{
	if (v == NULL)
		return false;
	switch (v->type) {
	case XV_INT:
		return v->u.i != 0;
	case XV_STRING:
		return v->u.str.len != 0;
	case XV_LIST:
		return v->u.list.n != 0;
	case XV_STRUCT:
		return v->u.st.n != 0;
	default:
		return true;
	}
}

static int64_t
get_int(const struct build *b, const char *name)
{
	const struct xv *v = get(b, name);

	return v && v->type == XV_INT ? v->u.i : 0;
}

static const char *
get_str(const struct build *b, const char *name)
{
	return xv_string(get(b, name));
}

static void
warn(struct build *b, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xu_vasprintf(fmt, ap);
	va_end(ap);
	xv_append(b->warnings, xv_append(xv_append(xv_list(), xv_int(line)),
	    line > 0 ? xv_strf("%s:%d: %s", b->file, line, msg) :
	    xv_strf("%s: %s", b->file, msg)));
	free(msg);
}

/* Hands the warnings over in file order (stable: same-line ones keep
 * the order they were found in). */
static void
flush_warnings(struct build *b)
{
	size_t i, j, n = xv_len(b->warnings);
	struct xv **w = n ? b->warnings->u.list.items : NULL, *t;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && xv_at(w[j - 1], 0)->u.i > xv_at(w[j], 0)->u.i; j--) {
			t = w[j];
			w[j] = w[j - 1];
			w[j - 1] = t;
		}
	for (i = 0; i < n; i++)
		xv_append(b->dc->warnings, xv_copy(xv_at(w[i], 1)));
}

/* ---- reading the file's values ---- */

static bool
is_quiet(const struct build *b, const char *name)
{
	size_t i;

	if (name[0] == '_' || strcmp(name, "xm_file") == 0 ||
	    strcmp(name, "xm_help") == 0)
		return true;
	for (i = 0; i < xv_len(b->dc->quiet); i++)
		if (strcmp(xv_string(xv_at(b->dc->quiet, i)), name) == 0)
			return true;
	return false;
}

static void
warn_unknown(struct build *b, const char *name, const struct xv *v)
{
	const char *hint;

	if (is_quiet(b, name))
		return;
	if ((hint = domcfg_suggest(name)) != NULL)
		warn(b, v->line, "unknown setting '%s' (did you mean '%s'?)",
		    name, hint);
	else
		warn(b, v->line, "unknown setting '%s'", name);
}

static int
read_values(struct build *b, struct xu_err *err)
{
	const struct xv *ex = b->exports, *ov = b->dc->overrides;
	size_t i, k;
	int rc;

	for (i = 0; ex && i < ex->u.st.n; i++) {
		const char *name = ex->u.st.members[i].key;
		const struct xv *v = ex->u.st.members[i].val;
		const struct domcfg_key *key = domcfg_find_key(name);
		struct xv *c;

		if (key == NULL) {
			warn_unknown(b, name, v);
			continue;
		}
		if (xv_struct_get(ov, name) != NULL)
			continue;	/* the command line wins */
		if ((rc = domcfg_convert(key, v, &c, err)) != XU_OK)
			return rc;
		k = (size_t)(key - domcfg_keys);
		set(b, name, c);
		b->line[k] = v->line;
		b->from[k] = FROM_FILE;
	}
	for (i = 0; i < ov->u.st.n; i++) {
		k = idx(ov->u.st.members[i].key);
		set(b, ov->u.st.members[i].key, xv_copy(ov->u.st.members[i].val));
		b->line[k] = 0;
		b->from[k] = FROM_CMDLINE;
	}
	return XU_OK;
}

/* ---- whole-config rules ---- */

static void
set_line(struct xu_err *err, int line)
{
	if (err != NULL)
		err->line = line;
}

static int
fail(struct xu_err *err, int rc, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xu_vasprintf(fmt, ap);
	va_end(ap);
	xu_err_set(err, rc, line, "%s", msg);
	free(msg);
	return rc;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* builder='vmx' is Xen 3.0's name for hvm; 3.0.x configs still work. */
static void
fix_builder(struct build *b)
{
	if (strcmp(get_str(b, "builder"), "vmx") == 0) {
		warn(b, line_of(b, "builder"), "builder 'vmx' is the Xen 3.0 "
		    "name of 'hvm'; using builder 'hvm'");
		set(b, "builder", xv_str("hvm"));
	}
	b->hvm = strcmp(get_str(b, "builder"), "hvm") == 0;
}

/* IA64 VT-i guests boot the IA64 firmware guest_firmware.bin (and set
 * vhpt, an IA64-only setting); stub domains run their device model in
 * a second domain (device_model 'stubdom-dm', or a target domain). */
static int
check_unsupported(struct build *b, struct xu_err *err)
{
	static const char *const fw[] = { "kernel", "loader" };
	const char *s;
	size_t i;

	for (i = 0; i < 2; i++) {
		s = get_str(b, fw[i]);
		if (s && strcmp(base_name(s), "guest_firmware.bin") == 0)
			return fail(err, XU_ERR_UNSUPPORTED, line_of(b, fw[i]),
			    "IA64 guest firmware is not supported: %s '%s' is the "
			    "IA64 VT-i firmware; this toolstack runs x86 guests",
			    fw[i], s);
	}
	if (get_int(b, "vhpt") != 0)
		return fail(err, XU_ERR_UNSUPPORTED, line_of(b, "vhpt"),
		    "IA64 guest firmware is not supported: vhpt sets the IA64 "
		    "VHPT size; this toolstack runs x86 guests");
	s = get_str(b, "device_model");
	if (s && strcmp(base_name(s), "stubdom-dm") == 0)
		return fail(err, XU_ERR_UNSUPPORTED, line_of(b, "device_model"),
		    "stub domains are not supported: device_model '%s' runs the "
		    "device model in a stub domain; remove device_model to run "
		    "QEMU in dom0", s);
	if (get_int(b, "target") != 0)
		return fail(err, XU_ERR_UNSUPPORTED, line_of(b, "target"),
		    "stub domains are not supported: target = %lld makes this "
		    "domain the device-model stub domain of another",
		    (long long)get_int(b, "target"));
	return XU_OK;
}

/* Deprecated spellings classic xm and xend still took. */
static void
map_deprecated(struct build *b)
{
	static const char *const on[] = { "on_poweroff", "on_reboot", "on_crash" };
	const char *r = get_str(b, "restart"), *e = get_str(b, "bootentry");
	size_t i;

	if (r != NULL) {
		warn(b, line_of(b, "restart"), "restart is deprecated; use "
		    "on_poweroff, on_reboot and on_crash");
		for (i = 0; i < 3; i++) {
			if (get(b, on[i]) != NULL)
				continue;	/* an explicit on_* wins */
			set(b, on[i], xv_str(strcmp(r, "always") == 0 ||
			    (strcmp(r, "onreboot") == 0 && i == 1) ?
			    "restart" : "destroy"));
		}
		set(b, "restart", NULL);
	}
	if (e != NULL) {
		warn(b, line_of(b, "bootentry"), "bootentry is deprecated; use "
		    "bootargs = '--entry=%s'", e);
		if (get(b, "bootargs") == NULL)
			set(b, "bootargs", xv_strf("--entry=%s", e));
	}
}

static int
check_memory(struct build *b, struct xu_err *err)
{
	int64_t mem = get_int(b, "memory"), max = get_int(b, "maxmem");

	if (get(b, "maxmem") != NULL && max < mem)
		return fail(err, XU_ERR_RANGE, line_of(b, "maxmem"),
		    "maxmem: %lld MiB is less than memory (%lld MiB); maxmem is "
		    "the ceiling memory can balloon up to", (long long)max,
		    (long long)mem);
	return XU_OK;
}

/* The number of VCPUs the domain is built with (maxvcpus when set). */
static int64_t
boot_vcpus(const struct build *b)
{
	return get(b, "maxvcpus") ? get_int(b, "maxvcpus") : get_int(b, "vcpus");
}

static int
check_vcpus(struct build *b, struct xu_err *err)
{
	int64_t vcpus = get_int(b, "vcpus");
	const struct xv *cpus = get(b, "cpus");

	if (get(b, "maxvcpus") != NULL) {
		if (vcpus > get_int(b, "maxvcpus"))
			return fail(err, XU_ERR_RANGE, line_of(b, "vcpus"),
			    "vcpus: %lld is more than maxvcpus (%lld)",
			    (long long)vcpus, (long long)get_int(b, "maxvcpus"));
		if (vcpus > 62 && get(b, "vcpu_avail") == NULL)
			return fail(err, XU_ERR_RANGE, line_of(b, "vcpus"),
			    "vcpus: at most 62 VCPUs can be online at boot when "
			    "maxvcpus is set (vcpu_avail is a 62-bit mask)");
	}
	if (cpus && cpus->type == XV_LIST && (int64_t)xv_len(cpus) != boot_vcpus(b))
		return fail(err, XU_ERR_INVALID, line_of(b, "cpus"),
		    "cpus: the list has %zu entries but the domain has %lld "
		    "VCPUs (a list gives one CPU list per VCPU)", xv_len(cpus),
		    (long long)boot_vcpus(b));
	return XU_OK;
}

static int
check_boot(struct build *b, struct xu_err *err)
{
	const char *hint = "";

	if (b->hvm || truthy(get(b, "kernel")) || truthy(get(b, "bootloader")))
		return XU_OK;
	if (xv_struct_get(b->exports, "sched") != NULL)
		hint = " (this file sets sched: is it a CPU pool config for "
		    "xm cpupool-create?)";
	return fail(err, XU_ERR_INVALID, 0, "kernel: not set; a PV guest "
	    "(builder 'linux') needs kernel = '/path/to/vmlinuz' or a "
	    "bootloader%s", hint);
}

static void
warn_hvm_only(struct build *b)
{
	size_t i;

	if (b->hvm)
		return;
	for (i = 0; i < domcfg_nkeys; i++) {
		if (!(domcfg_keys[i].flags & DOMCFG_HVM_ONLY) ||
		    b->from[i] == FROM_DEFAULT)
			continue;
		warn(b, b->line[i], "%s only applies to HVM guests "
		    "(builder='hvm'); ignored%s", domcfg_keys[i].name,
		    strcmp(domcfg_keys[i].name, "vnc") == 0 ||
		    strcmp(domcfg_keys[i].name, "sdl") == 0 ?
		    " (a PV guest gets a framebuffer from vfb = [ 'vnc=1' ])" : "");
	}
}

/* Keys that are read and kept (xm list -l shows them) but that nothing
 * here acts upon: set to anything but their default, each draws one
 * warning saying why, so no setting is dropped silently. */
static const struct {
	const char *name, *why;
} inert_keys[] = {
	{ "shadow_memory", "shadow page tables are Xen's; QEMU sizes its own" },
	{ "tsc_mode", "the guest's TSC is QEMU's and the accelerator's" },
	{ "superpages", "guest memory is QEMU's (transparent huge pages)" },
	{ "s3_integrity", "there is no tboot" },
	{ "oos", "shadow page tables are Xen's" },
	{ "machine_address_size", "guest memory is QEMU's" },
	{ "suppress_spurious_page_faults", "page faults are the accelerator's" },
	{ "cpuid", "the CPU model is QEMU's (host under KVM)" },
	{ "cpuid_check", "the CPU model is QEMU's (host under KVM)" },
	{ "memory_sharing", "there is no memory sharing between guests" },
	{ "apic", "QEMU's x86 machine always has an APIC" },
	{ "pae", "QEMU's x86 CPU always has PAE" },
	{ "hap", "the accelerator decides about nested paging" },
	{ "timer_mode", "QEMU's timers have no such modes" },
	{ "vpt_align", "QEMU's timers have no such alignment" },
	{ "isa", "the machine is q35" },
	{ "guest_os_type", "it has no meaning here" },
	{ "gfx_passthru", "there is no PCI passthrough" },
	{ "pci_msitranslate", "there is no PCI passthrough" },
	{ "pci_power_mgmt", "there is no PCI passthrough" },
	{ "xen_extended_power_mgmt", "there is no Xen power management" },
	{ "xen_platform_pci", "PV drivers here are virtio ones; there is no "
	    "platform device to remove" },
};

/* Whether key i holds its default (set or not). */
static bool
at_default(const struct build *b, size_t i)
{
	const struct domcfg_key *k = &domcfg_keys[i];
	struct xv *def = NULL, *text;
	struct xu_err err = { 0 };
	bool same;

	if (b->from[i] == FROM_DEFAULT || b->val[i] == NULL)
		return true;
	if (k->def == NULL)
		return xv_len(b->val[i]) == 0 && b->val[i]->type == XV_LIST;
	text = xv_str(k->def);
	same = domcfg_convert(k, text, &def, &err) == XU_OK &&
	    xv_equal(def, b->val[i]);
	xv_free(text);
	xv_free(def);
	return same;
}

static void
warn_inert(struct build *b)
{
	size_t i, n;

	for (n = 0; n < sizeof(inert_keys) / sizeof(inert_keys[0]); n++) {
		i = idx(inert_keys[n].name);
		if ((domcfg_keys[i].flags & DOMCFG_HVM_ONLY) && !b->hvm)
			continue;	/* warned about already */
		if (!at_default(b, i))
			warn(b, b->line[i], "%s has no effect here: %s",
			    inert_keys[n].name, inert_keys[n].why);
	}
}

static int
apply_rules(struct build *b, struct xu_err *err)
{
	int rc;

	fix_builder(b);
	if ((rc = check_unsupported(b, err)) != XU_OK)
		return rc;
	map_deprecated(b);
	if ((rc = check_memory(b, err)) != XU_OK ||
	    (rc = check_boot(b, err)) != XU_OK ||
	    (rc = check_vcpus(b, err)) != XU_OK)
		return rc;
	warn_hvm_only(b);
	warn_inert(b);
	if (get(b, "name") == NULL) {
		struct xv *n = xv_str(base_name(b->file)), *c = NULL;

		rc = domcfg_convert(domcfg_find_key("name"), n, &c, err);
		xv_free(n);
		if (rc != XU_OK)
			return rc;
		set(b, "name", c);
	}
	if (get(b, "nfs_root") != NULL && get(b, "nfs_server") == NULL)
		return fail(err, XU_ERR_INVALID, line_of(b, "nfs_root"),
		    "nfs_root: nfs_server must be set too");
	return XU_OK;
}

/* ---- make_config ---- */

static void
put(struct xv *e, const char *name, const struct xv *v)
{
	xv_append_pair(e, name, xv_copy(v));
}

static void
put_truthy(struct xv *e, const struct build *b, const char *name)
{
	if (truthy(get(b, name)))
		put(e, name, get(b, name));
}

static void
put_set(struct xv *e, const struct build *b, const char *name)
{
	if (get(b, name) != NULL)
		put(e, name, get(b, name));
}

/* The ip= argument: ip:nfs_server:gateway:netmask:hostname:iface:dhcp. */
static char *
cmdline_ip(const struct build *b)
{
	const char *ip = get_str(b, "ip");

	if (*ip == '\0' && strcmp(get_str(b, "dhcp"), "off") == 0)
		return NULL;
	if (strncmp(ip, "ip=", 3) == 0)
		ip += 3;
	return xu_asprintf("%s:%s:%s:%s:%s:%s:%s", ip,
	    get(b, "nfs_server") ? get_str(b, "nfs_server") : "127.0.255.255",
	    get_str(b, "gateway"), get_str(b, "netmask"),
	    get_str(b, "hostname"), get_str(b, "interface"), get_str(b, "dhcp"));
}

/* What configure_hvm copied when not None, in its order. */
static const char *const hvm_keys[] = {
	"acpi", "apic", "bios", "boot", "cpuid", "cpuid_check", "display", "fda", "fdb",
	"gfx_passthru", "guest_os_type", "hap", "hpet", "isa", "keymap",
	"localtime", "nographic", "opengl", "oos", "pae", "pci_msitranslate",
	"pci_power_mgmt", "rtc_timeoffset", "sdl", "soundhw", "stdvga",
	"timer_mode", "usb", "usbdevice", "vcpus", "vnc", "vncconsole",
	"vncdisplay", "vnclisten", "vncunused", "viridian", "vpt_align",
	"xauthority", "xen_extended_power_mgmt", "xen_platform_pci",
	"memory_sharing",
};

static void
put_hvm(struct xv *img, struct build *b)
{
	size_t i;

	/* SDL draws on the caller's X display, as classic xm arranged. */
	if (truthy(get(b, "sdl"))) {
		if (get(b, "display") == NULL && b->dc->display)
			set(b, "display", xv_str(b->dc->display));
		if (get(b, "xauthority") == NULL && b->dc->xauthority)
			set(b, "xauthority", xv_str(b->dc->xauthority));
	}
	for (i = 0; i < sizeof(hvm_keys) / sizeof(hvm_keys[0]); i++) {
		const struct xv *v = get(b, hvm_keys[i]);

		/* An empty cpuid is left out: it says nothing. */
		if (v != NULL && (v->type != XV_STRUCT || truthy(v)))
			put(img, hvm_keys[i], v);
	}
	put_truthy(img, b, "device_model");
	put_set(img, b, "vncpasswd");
}

static char *
strip_prefix(const char *s, const char *pre)
{
	return xu_strdup(strncmp(s, pre, strlen(pre)) == 0 ? s + strlen(pre) : s);
}

static void
put_boot_args(struct xv *img, const struct build *b)
{
	char *ip = cmdline_ip(b), *s;
	const char *extra = get_str(b, "extra");

	if (ip != NULL)
		xv_append_pair(img, "ip", xv_str(ip));
	if (truthy(get(b, "root"))) {
		s = strip_prefix(get_str(b, "root"), "root=");
		xv_append_pair(img, "root", xv_str(s));
		free(s);
	}
	put_truthy(img, b, "videoram");
	put_truthy(img, b, "parallel");
	put_truthy(img, b, "serial");
	if (truthy(get(b, "monitor_path"))) {
		put(img, "monitor_path", get(b, "monitor_path"));
		xv_append_pair(img, "monitor", xv_int(1));
	} else
		put_truthy(img, b, "monitor");
	if (get(b, "nfs_root") != NULL)
		xv_append_pair(img, "args", xv_strf("nfsroot=%s:%s%s%s",
		    get_str(b, "nfs_server"), get_str(b, "nfs_root"),
		    *extra ? " " : "", extra));
	else if (*extra)
		xv_append_pair(img, "args", xv_str(extra));
	free(ip);
}

static struct xv *
make_image(struct build *b)
{
	struct xv *img = xv_append(xv_list(), xv_str(get_str(b, "builder")));
	struct xv *image = xv_append(xv_list(), xv_str("image"));

	put_truthy(img, b, "kernel");
	put_truthy(img, b, "ramdisk");
	put_truthy(img, b, "loader");
	put_boot_args(img, b);
	put_truthy(img, b, "superpages");
	if (b->hvm)
		put_hvm(img, b);
	put_truthy(img, b, "vhpt");
	put_truthy(img, b, "machine_address_size");
	put_truthy(img, b, "suppress_spurious_page_faults");
	put_set(img, b, "tsc_mode");
	put_set(img, b, "nomigrate");
	return xv_append(image, img);
}

/* The head of make_config: each only when true. */
static const char *const head_keys[] = {
	"name", "memory", "maxmem", "shadow_memory", "on_poweroff", "tsc_mode",
	"nomigrate", "on_reboot", "on_crash", "features", "on_xend_start",
	"on_xend_stop", "target", "cpuid", "cpuid_check",
	"machine_address_size", "suppress_spurious_page_faults", "description",
};

/* cpuid entries become the {input: {register: value}} struct xend took. */
static int
convert_cpuid(struct build *b, const char *name, struct xu_err *err)
{
	struct xv *st;
	int rc = domcfg_cpuid(name, get(b, name), &st, err);

	if (rc == XU_OK)
		set(b, name, st);
	else
		xv_free(st);
	return rc;
}

static void
put_vcpus(struct xv *vm, const struct build *b)
{
	int64_t vcpus = get_int(b, "vcpus");

	if (get(b, "vcpu_avail") != NULL)
		put(vm, "vcpu_avail", get(b, "vcpu_avail"));
	else if (get(b, "maxvcpus") != NULL)
		xv_append_pair(vm, "vcpu_avail",
		    xv_int((int64_t)((UINT64_C(1) << vcpus) - 1)));
	xv_append_pair(vm, "vcpus", xv_int(boot_vcpus(b)));
}

static void
put_backends(struct xv *vm, const struct build *b)
{
	static const char *const ifs[] = { "blkif", "netif", "tpmif" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (truthy(get(b, ifs[i])))
			xv_append_pair(vm, "backend",
			    xv_append(xv_list(), xv_str(ifs[i])));
}

static void
put_bootloader(struct xv *vm, const struct build *b)
{
	if (!truthy(get(b, "bootloader")))
		return;
	put(vm, "bootloader", get(b, "bootloader"));
	if (truthy(get(b, "bootargs")))
		put(vm, "bootloader_args", get(b, "bootargs"));
	else
		xv_append_pair(vm, "bootloader_args",
		    xv_str(b->dc->console ? "" : "-q"));
}

static int
make_head(struct xv *vm, struct build *b, struct xu_err *err)
{
	size_t i;
	int rc;

	if ((rc = convert_cpuid(b, "cpuid", err)) != XU_OK ||
	    (rc = convert_cpuid(b, "cpuid_check", err)) != XU_OK)
		return rc;
	for (i = 0; i < sizeof(head_keys) / sizeof(head_keys[0]); i++)
		put_truthy(vm, b, head_keys[i]);
	put_vcpus(vm, b);
	put_set(vm, b, "uuid");
	put_set(vm, b, "cpu");
	put_set(vm, b, "cpus");
	put_set(vm, b, "cpu_cap");
	put_set(vm, b, "cpu_weight");
	put_backends(vm, b);
	put_truthy(vm, b, "localtime");
	put_truthy(vm, b, "oos");
	if (truthy(get(b, "pool")))
		put(vm, "pool_name", get(b, "pool"));
	put_bootloader(vm, b);
	xv_append(vm, make_image(b));
	put(vm, "s3_integrity", get(b, "s3_integrity"));
	return XU_OK;
}

/* ---- devices ---- */

/* Runs a per-entry parser over a list setting, giving errors the line. */
static int
each_string(struct build *b, const char *name, struct xv *devs,
    int (*fn)(const char *, struct xv *, struct xu_err *), struct xu_err *err)
{
	const struct xv *l = get(b, name);
	size_t i;
	int rc;

	for (i = 0; i < xv_len(l); i++) {
		if ((rc = fn(xv_string(xv_at(l, i)), devs, err)) != XU_OK) {
			set_line(err, xv_at(l, i)->line);
			return rc;
		}
	}
	return XU_OK;
}

/* The guest device number of a (device (vbd ... (dev D) ...)) element. */
static int64_t
disk_number(const struct xv *dev)
{
	const char *d = xv_child_str(xv_at(dev, 1), "dev", "");
	char *name, *colon;
	int64_t num = -1;
	bool ext;

	if (strncmp(d, "ioemu:", 6) == 0)
		d += 6;
	name = xu_strdup(d);
	if ((colon = strchr(name, ':')) != NULL)
		*colon = '\0';
	if (devspec_vdev_number(name, &num, &ext) != XU_OK)
		num = -1;
	free(name);
	return num;
}

static int
check_disk_clash(struct build *b, const struct xv *devs, struct xu_err *err)
{
	const struct xv *l = get(b, "disk");
	size_t i, j;

	for (i = 0; i < xv_len(devs); i++) {
		for (j = 0; j < i; j++) {
			int64_t n = disk_number(xv_at(devs, i));

			if (n != disk_number(xv_at(devs, j)))
				continue;
			return fail(err, XU_ERR_INVALID, xv_at(l, i)->line,
			    "disk: '%s' and '%s' both use guest device %lld",
			    xv_string(xv_at(l, j)), xv_string(xv_at(l, i)),
			    (long long)n);
		}
	}
	return XU_OK;
}

static int
make_disks(struct build *b, struct xv *devs, struct xu_err *err)
{
	struct xv *disks = xv_list();
	size_t i;
	int rc;

	if ((rc = each_string(b, "disk", disks, devspec_disk, err)) == XU_OK)
		rc = check_disk_clash(b, disks, err);
	for (i = 0; rc == XU_OK && i < xv_len(disks); i++)
		xv_append(devs, xv_copy(xv_at(disks, i)));
	xv_free(disks);
	return rc;
}

static int
make_irqs(struct build *b, struct xv *devs, struct xu_err *err)
{
	const struct xv *l = get(b, "irq");
	size_t i;
	int rc;

	for (i = 0; i < xv_len(l); i++) {
		if ((rc = devspec_irq(xv_at(l, i)->u.i, devs, err)) != XU_OK) {
			set_line(err, xv_at(l, i)->line);
			return rc;
		}
	}
	return XU_OK;
}

static int
make_vifs(struct build *b, struct xv *devs, struct xu_err *err)
{
	int64_t nics = get_int(b, "nics");
	struct xv *vifs = get(b, "vif");

	if (nics > 0) {
		warn(b, line_of(b, "nics"), "The nics option is deprecated.  "
		    "Please use an empty vif entry instead: vif = [ '' ]");
		while ((int64_t)xv_len(vifs) < nics)
			xv_append(vifs, xv_str(""));
	} else if (nics == 0)
		warn(b, line_of(b, "nics"), "The nics option is deprecated.  "
		    "Please remove it.");
	return each_string(b, "vif", devs, devspec_vif, err);
}

static int
make_vtpm(struct build *b, struct xv *devs, struct xu_err *err)
{
	const struct xv *l = get(b, "vtpm");
	int rc;

	if (xv_len(l) == 0)
		return XU_OK;
	if (xv_len(l) > 1)
		warn(b, line_of(b, "vtpm"), "vtpm: only the first entry is used");
	if ((rc = devspec_vtpm(xv_string(xv_at(l, 0)), devs, err)) != XU_OK)
		set_line(err, xv_at(l, 0)->line);
	return rc;
}

static int
make_vfbs(struct build *b, struct xv *devs, struct xu_err *err)
{
	const struct xv *l = get(b, "vfb");
	size_t i;
	int rc;

	for (i = 0; i < xv_len(l); i++) {
		rc = devspec_vfb(xv_string(xv_at(l, i)), get_str(b, "keymap"),
		    b->dc->display, b->dc->xauthority, devs, err);
		if (rc != XU_OK) {
			set_line(err, xv_at(l, i)->line);
			return rc;
		}
	}
	return XU_OK;
}

static int
make_security(struct xv *vm, struct build *b, struct xu_err *err)
{
	const struct xv *l = get(b, "access_control");
	struct xv *sec;
	int rc;

	if (xv_len(l) == 0)
		return XU_OK;
	if (xv_len(l) > 1)
		return fail(err, XU_ERR_INVALID, line_of(b, "access_control"),
		    "Multiple access_control definitions.");
	rc = devspec_access_control(xv_string(xv_at(l, 0)), &sec, err);
	if (rc != XU_OK) {
		set_line(err, xv_at(l, 0)->line);
		return rc;
	}
	xv_append(vm, sec);
	return XU_OK;
}

/* Devices in make_config's order; the security label goes before them. */
static int
make_devices(struct xv *vm, struct build *b, struct xu_err *err)
{
	struct xv *devs = xv_list();
	size_t i;
	int rc;

	if ((rc = make_disks(b, devs, err)) != XU_OK ||
	    (rc = devspec_pci(get(b, "pci"), devs, err)) != XU_OK ||
	    (rc = devspec_vscsi(get(b, "vscsi"), devs, err)) != XU_OK ||
	    (rc = each_string(b, "vusb", devs, devspec_vusb, err)) != XU_OK ||
	    (rc = each_string(b, "ioports", devs, devspec_ioports, err)) != XU_OK ||
	    (rc = make_irqs(b, devs, err)) != XU_OK ||
	    (rc = make_vifs(b, devs, err)) != XU_OK ||
	    (rc = each_string(b, "vif2", devs, devspec_vif2, err)) != XU_OK ||
	    (rc = make_vtpm(b, devs, err)) != XU_OK ||
	    (rc = make_vfbs(b, devs, err)) != XU_OK ||
	    (rc = make_security(vm, b, err)) != XU_OK)
		goto out;
	for (i = 0; i < xv_len(devs); i++)
		xv_append(vm, xv_copy(xv_at(devs, i)));
out:
	xv_free(devs);
	return rc;
}

int
domcfg_build(struct domcfg *dc, const struct xv *exports, const char *file,
    struct xv **vmp, struct xu_err *err)
{
	struct build b = { .dc = dc, .exports = exports, .file = file };
	struct xv *vm = NULL;
	size_t i;
	int rc;

	*vmp = NULL;
	b.val = xu_calloc(domcfg_nkeys, sizeof(*b.val));
	b.line = xu_calloc(domcfg_nkeys, sizeof(*b.line));
	b.from = xu_calloc(domcfg_nkeys, sizeof(*b.from));
	b.warnings = xv_list();
	for (i = 0; i < domcfg_nkeys; i++)
		b.val[i] = domcfg_default(&domcfg_keys[i]);
	if ((rc = read_values(&b, err)) != XU_OK ||
	    (rc = apply_rules(&b, err)) != XU_OK)
		goto out;
	vm = xv_append(xv_list(), xv_str("vm"));
	if ((rc = make_head(vm, &b, err)) != XU_OK ||
	    (rc = make_devices(vm, &b, err)) != XU_OK)
		goto out;
	*vmp = vm;
	vm = NULL;
out:
	flush_warnings(&b);
	xv_free(b.warnings);
	xv_free(vm);
	for (i = 0; i < domcfg_nkeys; i++)
		xv_free(b.val[i]);
	free(b.val);
	free(b.line);
	free(b.from);
	return rc;
}

/* ---- the kernel command line xend assembles (4.7) ---- */

/* "word=" at the start of args or after a space; a plain substring test
 * would take nfsroot= for root=. */
static bool
has_arg(const char *args, const char *word)
{
	const char *p = args;
	size_t n = strlen(word);

	while ((p = strstr(p, word)) != NULL) {
		if ((p == args || p[-1] == ' ') && p[n] != '\0' && p[n] != ' ')
			return true;
		p += n;
	}
	return false;
}

char *
domcfg_kernel_cmdline(const struct xv *image)
{
	const struct xv *img = image;
	const char *args, *ip, *root;
	struct xu_buf buf;

	if (xv_name(img) && strcmp(xv_name(img), "image") == 0)
		img = xv_at(img, 1);
	args = xv_child_str(img, "args", "");
	ip = xv_child_str(img, "ip", NULL);
	root = xv_child_str(img, "root", NULL);
	xu_buf_init(&buf);
	if (root && *root && !has_arg(args, "root="))
		xu_buf_printf(&buf, "root=%s ", root);
	if (ip && *ip && !has_arg(args, "ip="))
		xu_buf_printf(&buf, "ip=%s ", ip);
	xu_buf_adds(&buf, args);
	return xu_buf_steal(&buf);
}
