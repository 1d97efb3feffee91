/* test-domcfg.c: the domain config key table, VAR=VALUE conversion, the
 * disk/vif/... device specs and the (vm ...) builder (reference 4.2-4.7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devspec.h"
#include "nbdspec.h"
#include "domcfg.h"
#include "sxp.h"

/* ---- helpers ---- */

static void
ex_str(struct xv *ex, const char *name, const char *s, int line)
{
	struct xv *v = xv_str(s);

	v->line = line;
	xv_struct_set(ex, name, v);
}

static void
ex_int(struct xv *ex, const char *name, int64_t i, int line)
{
	struct xv *v = xv_int(i);

	v->line = line;
	xv_struct_set(ex, name, v);
}

/* A list of strings, NULL-terminated. */
static void
ex_list(struct xv *ex, const char *name, ...)
{
	struct xv *l = xv_list();
	const char *s;
	va_list ap;

	va_start(ap, name);
	while ((s = va_arg(ap, const char *)) != NULL)
		xv_append(l, xv_str(s));
	va_end(ap);
	xv_struct_set(ex, name, l);
}

/* xmexample1 as pyeval_exports() gives it. */
static struct xv *
example1(void)
{
	struct xv *ex = xv_struct();

	ex_str(ex, "kernel", "/boot/vmlinuz-2.6.10-xenU", 28);
	ex_int(ex, "memory", 64, 36);
	ex_str(ex, "name", "ExampleDomain", 39);
	ex_list(ex, "vif", "", NULL);
	ex_list(ex, "disk", "phy:hda1,hda1,w", NULL);
	ex_str(ex, "root", "/dev/hda1 ro", 126);
	ex_str(ex, "extra", "4", 140);
	return ex;
}

/* Builds and returns the single-line SXP, or NULL with err filled. */
static char *
build(struct domcfg *dc, struct xv *ex, struct xu_err *err)
{
	struct xv *vm = NULL;
	char *s = NULL;

	memset(err, 0, sizeof(*err));
	if (domcfg_build(dc, ex, "test.cfg", &vm, err) == XU_OK)
		s = sxp_to_string(vm);
	xv_free(vm);
	xv_free(ex);
	return s;
}

static char *
build_ok(struct domcfg *dc, struct xv *ex)
{
	struct xu_err err;
	char *s = build(dc, ex, &err);

	if (s == NULL)
		fail_msg("build failed: line %d: %s", err.line, err.msg);
	return s;
}

/* Expects the build to fail with exactly msg (and line when > 0). */
static void
build_fails(struct xv *ex, int line, const char *msg)
{
	struct domcfg dc;
	struct xu_err err;
	char *s;

	domcfg_init(&dc);
	s = build(&dc, ex, &err);
	if (s != NULL)
		fail_msg("expected failure \"%s\", built %s", msg, s);
	assert_string_equal(err.msg, msg);
	if (line > 0)
		assert_int_equal(err.line, line);
	domcfg_dispose(&dc);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not in \"%s\"", needle, hay);
}

/* ---- device numbers ---- */

static void
test_vdev_numbers(void **state)
{
	static const struct {
		const char *name;
		int64_t num;
		bool ext;
	} ok[] = {
		{ "xvda", 51712, false }, { "xvdb", 51728, false },
		{ "xvda1", 51713, false }, { "xvdp15", 51967, false },
		{ "/dev/xvda", 51712, false },
		{ "xvdq", (1 << 28) + (16 << 8), true },
		{ "xvdz3", (1 << 28) + (25 << 8) + 3, true },
		{ "xvdaa", (1 << 28) + (26 << 8), true },
		{ "hda", 768, false }, { "hda1", 769, false },
		{ "hdb", 832, false }, { "hdc", 5632, false },
		{ "hda63", 831, false }, { "hdt", 91 * 256 + 64, false },
		{ "sda", 2048, false }, { "sdb", 2064, false },
		{ "sda15", 2063, false }, { "sdp", 2288, false },
		{ "sdq", 16640, false }, { "sdaa", 65 * 256 + 160, false },
		{ "sdiv", 135 * 256 + 240, false },
		{ "0x10", 16, false }, { "51712", 51712, false },
	};
	static const char *const bad[] = { "xvda0", "xvda16", "xvd", "hdu",
	    "hda64", "hda01", "sdiw", "foo", "", "0x", "/xvda", "xvda1x",
	    "ioemu:hda" };
	int64_t num;
	bool ext;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (devspec_vdev_number(ok[i].name, &num, &ext) != XU_OK)
			fail_msg("%s rejected", ok[i].name);
		if (num != ok[i].num || ext != ok[i].ext)
			fail_msg("%s -> %lld ext %d, want %lld", ok[i].name,
			    (long long)num, ext, (long long)ok[i].num);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (devspec_vdev_number(bad[i], &num, &ext) == XU_OK)
			fail_msg("%s accepted as %lld", bad[i], (long long)num);
}

/* ---- disks ---- */

static char *
disk(const char *spec, struct xu_err *err)
{
	struct xv *devs = xv_list();
	char *s = NULL;

	memset(err, 0, sizeof(*err));
	if (devspec_disk(spec, devs, err) == XU_OK)
		s = sxp_to_string(xv_at(devs, 0));
	xv_free(devs);
	return s;
}

static void
disk_is(const char *spec, const char *want)
{
	struct xu_err err;
	char *s = disk(spec, &err);

	if (s == NULL)
		fail_msg("%s: %s", spec, err.msg);
	assert_string_equal(s, want);
	free(s);
}

static void
disk_fails(const char *spec, const char *msg)
{
	struct xu_err err;
	char *s = disk(spec, &err);

	if (s != NULL)
		fail_msg("%s accepted: %s", spec, s);
	assert_string_equal(err.msg, msg);
}

static void
test_disk_ok(void **state)
{
	disk_is("phy:hda1,hda1,w", "(device (vbd (uname phy:hda1) (dev hda1) (mode w)))");
	disk_is("file:/var/images/min-el3-i386.img,ioemu:hda,w",
	    "(device (vbd (uname file:/var/images/min-el3-i386.img) "
	    "(dev ioemu:hda) (mode w)))");
	disk_is(",hdc:cdrom,r", "(device (vbd (uname '') (dev hdc:cdrom) (mode r)))");
	disk_is("tap:aio:/srv/x.img,xvda,w!",
	    "(device (tap (uname tap:aio:/srv/x.img) (dev xvda) (mode 'w!')))");
	disk_is("tap:tapdisk:qcow2:/x.qcow2,xvdb,r",
	    "(device (tap (uname tap:tapdisk:qcow2:/x.qcow2) (dev xvdb) (mode r)))");
	disk_is("tap2:vhd:/x.vhd,xvdc:disk,w",
	    "(device (tap2 (uname tap2:vhd:/x.vhd) (dev xvdc:disk) (mode w)))");
	disk_is("phy:/dev/vg/a,sda1,w,2,x86_32-abi",
	    "(device (vbd (uname phy:/dev/vg/a) (dev sda1) (mode w) (backend 2) "
	    "(protocol x86_32-abi)))");
	disk_is("phy:sda6,sda6,r,", "(device (vbd (uname phy:sda6) (dev sda6) (mode r)))");
	/* nbd: is QEMU's NBD client's: block-nbd's "HOST PORT" still reads */
	disk_is("nbd:134.100.233.115 20004,hda1,w",
	    "(device (vbd (uname 'nbd:134.100.233.115 20004') (dev hda1) (mode w)))");
	disk_is("nbd:10.77.0.3:10809:disk1,xvda,w",
	    "(device (vbd (uname nbd:10.77.0.3:10809:disk1) (dev xvda) (mode w)))");
	disk_is("nbd:[fd00::3]:10809,xvdb,r",
	    "(device (vbd (uname 'nbd:[fd00::3]:10809') (dev xvdb) (mode r)))");
	/* Other types are xend's block-<type> scripts' business. */
	disk_is("enbd:a 1,xvdc,w", "(device (vbd (uname 'enbd:a 1') (dev xvdc) (mode w)))");
}

/* The nbd: params as xm and xend both read them. */
static void
nbd_is(const char *params, const char *host, unsigned port, const char *export)
{
	struct xu_err err = { 0 };
	struct nbd_spec n;

	if (nbd_spec_parse(params, &n, &err) != XU_OK)
		fail_msg("%s: %s", params, err.msg);
	assert_string_equal(n.host, host);
	assert_int_equal(n.port, port);
	if (export == NULL)
		assert_null(n.export);
	else
		assert_string_equal(n.export, export);
	nbd_spec_dispose(&n);
}

static void
nbd_fails(const char *params, const char *why)
{
	struct xu_err err = { 0 };
	struct nbd_spec n;

	if (nbd_spec_parse(params, &n, &err) == XU_OK)
		fail_msg("%s accepted", params);
	assert_null(n.host);
	assert_string_equal(err.msg, why);
}

static void
test_nbd_spec(void **state)
{
	nbd_is("h:10809", "h", 10809, NULL);
	nbd_is("10.77.0.3:10809:disk1", "10.77.0.3", 10809, "disk1");
	nbd_is("nbd.example.org:1:a:b", "nbd.example.org", 1, "a:b");
	nbd_is("[fd00::3]:65535:x", "fd00::3", 65535, "x");
	nbd_is("134.100.233.115 20004", "134.100.233.115", 20004, NULL);
	nbd_is("h   20004", "h", 20004, NULL);
	nbd_fails("h", "nbd:h: no port (write nbd:HOST:PORT[:EXPORT])");
	nbd_fails(":10809", "nbd::10809: no valid host (write nbd:HOST:PORT[:EXPORT])");
	nbd_fails("h:0", "nbd:h:0: the port must be a number from 1 to 65535 "
	    "(write nbd:HOST:PORT[:EXPORT])");
	nbd_fails("h:65536", "nbd:h:65536: the port must be a number from 1 to "
	    "65535 (write nbd:HOST:PORT[:EXPORT])");
	nbd_fails("h:12x", "nbd:h:12x: the port must be a number from 1 to 65535 "
	    "(write nbd:HOST:PORT[:EXPORT])");
	nbd_fails("h:10809:", "nbd:h:10809:: an empty or unusable export name "
	    "(write nbd:HOST:PORT[:EXPORT])");
	nbd_fails("h 1 2", "nbd:h 1 2: more than a host and a port "
	    "(write nbd:HOST:PORT[:EXPORT])");
	nbd_fails("[fd00::3]10809", "nbd:[fd00::3]10809: an IPv6 address in [] "
	    "must be followed by :PORT (write nbd:HOST:PORT[:EXPORT])");
	nbd_fails("a/b:1", "nbd:a/b:1: no valid host (write nbd:HOST:PORT[:EXPORT])");
}

static void
test_disk_errors(void **state)
{
	disk_fails("phy:hda1,hda1", "Invalid disk specifier: phy:hda1,hda1");
	disk_fails("a,b,c,d,e,f", "Invalid disk specifier: a,b,c,d,e,f");
	disk_fails("", "Invalid disk specifier: ");
	disk_fails("phy:hda1,hda1,rw",
	    "disk 'phy:hda1,hda1,rw': invalid mode 'rw' (expected r, w or w!)");
	disk_fails(",hdc,r", "disk ',hdc,r': no backing device (only a cdrom "
	    "may be empty, as in ',hdc:cdrom,r')");
	disk_fails("/img,xvda,w", "disk '/img,xvda,w': '/img' has no type "
	    "prefix (write phy:DEV, file:PATH or tap:aio:PATH)");
	disk_fails("tap:foo:/x,xvda,w", "disk 'tap:foo:/x,xvda,w': unknown tap "
	    "driver 'foo' (known: aio, sync, vmdk, ram, qcow, qcow2, ioemu)");
	disk_fails("tap2:qcow2:/x,xvda,w", "disk 'tap2:qcow2:/x,xvda,w': unknown "
	    "tap2 driver 'qcow2' (known: aio, ram, qcow, vhd, remus)");
	disk_fails("tap:aio:,xvda,w", "disk 'tap:aio:,xvda,w': no image path "
	    "after 'tap:aio:'");
	disk_fails("phy:,xvda,w", "disk 'phy:,xvda,w': nothing after 'phy:'");
	disk_fails("phy:a,vda,w", "disk 'phy:a,vda,w': unable to find a device "
	    "number for 'vda' (use xvdX, hdX, sdX or a number)");
	disk_fails("phy:a, xvda,w", "disk 'phy:a, xvda,w': unable to find a "
	    "device number for ' xvda' (use xvdX, hdX, sdX or a number)");
	disk_fails("phy:a,xvda:floppy,w", "disk 'phy:a,xvda:floppy,w': device "
	    "'xvda:floppy' should be [ioemu:]NAME[:cdrom|:disk]");
	disk_fails("phy:a,:cdrom,r",
	    "disk 'phy:a,:cdrom,r': no guest device name in ':cdrom'");
	disk_fails("nbd:h,xvda,w", "disk 'nbd:h,xvda,w': nbd:h: no port "
	    "(write nbd:HOST:PORT[:EXPORT])");
}

/* ---- vifs and other key=value specs ---- */

static char *
run_spec(int (*fn)(const char *, struct xv *, struct xu_err *),
    const char *spec, struct xu_err *err)
{
	struct xv *devs = xv_list(), *wrap;
	char *s = NULL;

	memset(err, 0, sizeof(*err));
	if (fn(spec, devs, err) == XU_OK) {
		wrap = devs;
		s = sxp_to_string(wrap);
	}
	xv_free(devs);
	return s;
}

static void
spec_is(int (*fn)(const char *, struct xv *, struct xu_err *),
    const char *spec, const char *want)
{
	struct xu_err err;
	char *s = run_spec(fn, spec, &err);

	if (s == NULL)
		fail_msg("%s: %s", spec, err.msg);
	assert_string_equal(s, want);
	free(s);
}

static void
spec_fails(int (*fn)(const char *, struct xv *, struct xu_err *),
    const char *spec, const char *msg)
{
	struct xu_err err;
	char *s = run_spec(fn, spec, &err);

	if (s != NULL)
		fail_msg("%s accepted: %s", spec, s);
	assert_string_equal(err.msg, msg);
}

static void
test_vif(void **state)
{
	spec_is(devspec_vif, "", "((device (vif)))");
	spec_is(devspec_vif, "  ", "((device (vif)))");
	spec_is(devspec_vif, "type=ioemu, bridge=xenbr0",
	    "((device (vif (type ioemu) (bridge xenbr0))))");
	spec_is(devspec_vif, " mac = 00:16:3E:01:02:03 ,rate=10Mb/s@20ms,"
	    "ip=192.168.1.1/24", "((device (vif (mac 00:16:3E:01:02:03) "
	    "(rate '10Mb/s@20ms') (ip 192.168.1.1/24))))");
	spec_is(devspec_vif, "rate=5MB/s", "((device (vif (rate 5MB/s))))");
	spec_is(devspec_vif, "rate=100b/s@50us", "((device (vif (rate '100b/s@50us'))))");
	/* A repeated key keeps its place and takes the last value. */
	spec_is(devspec_vif, "bridge=a,mac=00:16:3e:00:00:01,bridge=b",
	    "((device (vif (bridge b) (mac 00:16:3e:00:00:01))))");
	spec_is(devspec_vif, "script=vif-route,ip=10.0.0.1 10.0.0.2",
	    "((device (vif (script vif-route) (ip '10.0.0.1 10.0.0.2'))))");
}

static void
test_vif_errors(void **state)
{
	spec_fails(devspec_vif, "type=ioemu, bridge",
	    "bridge should be a pair, separated by an equals sign.");
	spec_fails(devspec_vif, "bridge=xenbr0,",
	    "'' should be a pair, separated by an equals sign.");
	spec_fails(devspec_vif, "brdige=xenbr0", "Invalid vif option: brdige");
	spec_fails(devspec_vif, "=x", "'=x': a setting has no name before '='");
	spec_fails(devspec_vif, "mac=00:16:3e:0:1:2", "vif 'mac=00:16:3e:0:1:2': "
	    "invalid MAC address '00:16:3e:0:1:2' (expected six hex pairs like "
	    "00:16:3e:01:02:03)");
	spec_fails(devspec_vif, "mac=01:16:3e:00:01:02", "vif 'mac=01:16:3e:00:01:02': "
	    "invalid MAC address '01:16:3e:00:01:02' (a multicast address "
	    "cannot be given to a NIC)");
	spec_fails(devspec_vif, "rate=10Mbps", "vif 'rate=10Mbps': invalid rate "
	    "'10Mbps' (expected <n>[GMK](B|b)/s[@<n>[mu]s], e.g. 10Mb/s@20ms)");
	spec_fails(devspec_vif, "rate=10Mb/s@", "vif 'rate=10Mb/s@': invalid rate "
	    "'10Mb/s@' (expected <n>[GMK](B|b)/s[@<n>[mu]s], e.g. 10Mb/s@20ms)");
	spec_fails(devspec_vif, "vifname=averyveryverylongname", "vif "
	    "'vifname=averyveryverylongname': vifname 'averyveryverylongname' is "
	    "longer than the 15 characters of a Linux interface name");
	spec_fails(devspec_vif2, "mac=x", "Invalid vif2 option: mac");
}

static int
vfb_plain(const char *spec, struct xv *devs, struct xu_err *err)
{
	return devspec_vfb(spec, "de", ":0", "/home/u/.Xauthority", devs, err);
}

static void
test_vfb(void **state)
{
	spec_is(vfb_plain, "type=vnc,vncunused=1", "((device (vkbd)) "
	    "(device (vfb (vnc 1) (vncunused 1) (keymap de))))");
	spec_is(vfb_plain, "vnc=1,keymap=ja", "((device (vkbd)) "
	    "(device (vfb (vnc 1) (keymap ja))))");
	spec_is(vfb_plain, "sdl=1", "((device (vkbd)) (device (vfb (sdl 1) "
	    "(keymap de) (display :0) (xauthority /home/u/.Xauthority))))");
	spec_fails(vfb_plain, "vnc=1,resolution=800x600",
	    "configuration option resolution unknown to vfbs");
	spec_fails(vfb_plain, "type=spice",
	    "configuration option spice unknown to vfbs");
}

static void
test_other_devices(void **state)
{
	struct xv *specs = xv_list(), *devs = xv_list();
	struct xu_err err;
	char *s;

	spec_is(devspec_ioports, "02f8-02ff",
	    "((device (ioports (from 0x02f8) (to 0x02ff))))");
	spec_is(devspec_ioports, "3f8", "((device (ioports (from 0x3f8) (to 0x3f8))))");
	spec_fails(devspec_ioports, "2ff-2f8",
	    "ioports '2ff-2f8': the range ends before it starts");
	spec_fails(devspec_ioports, "1-2-3", "Invalid i/o port range specifier: "
	    "1-2-3 (expected FROM[-TO] in hex, e.g. 02f8-02ff)");
	spec_is(devspec_vtpm, "instance=1,backend=0",
	    "((device (vtpm (pref_instance 1) (backend 0))))");
	spec_is(devspec_vtpm, "instance=VTPMD", "((device (vtpm (pref_instance 0))))");
	spec_fails(devspec_vtpm, "instance=0",
	    "VM config error: vTPM instance must not be 0.");
	spec_fails(devspec_vtpm, "type=paravirtualized",
	    "Invalid vtpm specifier: type=paravirtualized");
	spec_is(devspec_vusb, "usbver=1,numports=2,port_1=1-1",
	    "((device (vusb (usb-ver 1) (num-ports 2) (port (1 1-1) (2 '')))))");
	spec_fails(devspec_vusb, "usbver=3", "Invalid vusb option: usbver");
	spec_fails(devspec_vusb, "numports=2,port_3=x", "Invalid vusb option: port_3");

	memset(&err, 0, sizeof(err));
	assert_int_equal(devspec_irq(7, devs, &err), XU_OK);
	assert_int_equal(devspec_irq(-1, devs, &err), XU_ERR_RANGE);
	xv_append(specs, xv_str("0000:00:1d.0"));
	xv_append(specs, xv_str("01:00.1@5,msitranslate=0"));
	assert_int_equal(devspec_pci(specs, devs, &err), XU_OK);
	xv_append(specs, xv_str("1:2:3"));
	assert_int_equal(devspec_pci(specs, devs, &err), XU_ERR_INVALID);
	assert_string_equal(err.msg, "pci '1:2:3': expected "
	    "[DOMAIN:]BUS:DEV.FUNC[@VSLOT] in hex, e.g. 0000:00:1d.0");
	xv_free(specs);
	specs = xv_append(xv_list(), xv_str("0:0:1:0,0:0:1:0"));
	xv_append(specs, xv_str("1:0:0:0, host"));
	assert_int_equal(devspec_vscsi(specs, devs, &err), XU_OK);
	s = sxp_to_string(devs);
	assert_string_equal(s, "((device (irq (irq 7))) "
	    "(device (pci (dev (domain 0x0000) (bus 0x00) (slot 0x1d) (func 0x0) "
	    "(vdevfn 0x100) (key 0000:00:1d.0)) (dev (domain 0x0000) (bus 0x01) "
	    "(slot 0x00) (func 0x1) (vdevfn 0x29) (key 0000:01:00.1) "
	    "(opts (msitranslate 0))))) "
	    "(device (vscsi (feature-host 0) (dev (state 1) (devid 0) "
	    "(p-dev 0:0:1:0) (v-dev 0:0:1:0)))) "
	    "(device (vscsi (feature-host 1) (dev (state 1) (devid 1) "
	    "(p-dev 1:0:0:0) (v-dev 1:0:0:0)))))");
	free(s);
	xv_free(specs);
	specs = xv_append(xv_list(), xv_str("sda,0:0:0"));
	assert_int_equal(devspec_vscsi(specs, devs, &err), XU_ERR_SYNTAX);
	assert_string_equal(err.msg, "vscsi syntax error \"0:0:0\"");
	xv_free(specs);
	xv_free(devs);
}

/* ---- the key table and VAR=VALUE ---- */

static void
test_table(void **state)
{
	size_t i;

	assert_true(domcfg_is_option("memory"));
	assert_true(domcfg_is_option("disk"));
	assert_false(domcfg_is_option("maxvcpus"));
	assert_false(domcfg_is_option("vmid"));
	assert_non_null(domcfg_find_key("maxvcpus"));
	/* Every default converts to its type (domcfg_default aborts if not). */
	for (i = 0; i < domcfg_nkeys; i++) {
		xv_free(domcfg_default(&domcfg_keys[i]));
		assert_null(domcfg_find_key(domcfg_keys[i].name) != &domcfg_keys[i] ?
		    "duplicate" : NULL);
	}
	assert_string_equal(domcfg_suggest("memroy"), "memory");
	assert_string_equal(domcfg_suggest("Memory"), "memory");
	assert_string_equal(domcfg_suggest("vpcus"), "vcpus");
	assert_string_equal(domcfg_suggest("kernal"), "kernel");
	assert_string_equal(domcfg_suggest("on_reboots"), "on_reboot");
	assert_null(domcfg_suggest("foo"));
	assert_null(domcfg_suggest("arch_libdir"));
	assert_null(domcfg_suggest("vmid"));
}

static void
set_fails(const char *name, const char *value, const char *msg)
{
	struct domcfg dc;
	struct xu_err err;

	domcfg_init(&dc);
	memset(&err, 0, sizeof(err));
	if (domcfg_set_option(&dc, name, value, &err) == XU_OK)
		fail_msg("%s=%s accepted", name, value);
	assert_string_equal(err.msg, msg);
	domcfg_dispose(&dc);
}

static void
test_set_option(void **state)
{
	struct domcfg dc;
	struct xu_err err;
	char *s;

	set_fails("memory", "lots", "memory: expected an integer (MiB), got 'lots'");
	set_fails("memory", "0", "memory: must be at least 1 MiB, got 0");
	set_fails("vcpus", "1.5", "vcpus: expected an integer, got '1.5'");
	set_fails("vcpus", "0", "vcpus: must be at least 1, got 0");
	set_fails("localtime", "maybe",
	    "localtime: expected yes or no (1 or 0), got 'maybe'");
	set_fails("on_crash", "reboot", "on_crash: Invalid event handling mode: "
	    "'reboot' (expected destroy, restart, preserve, rename-restart, "
	    "coredump-destroy or coredump-restart)");
	set_fails("builder", "xen", "builder: expected linux, hvm or vmx, got 'xen'");
	set_fails("on_xend_stop", "halt",
	    "on_xend_stop: expected ignore, shutdown or suspend, got 'halt'");
	set_fails("dhcp", "on", "dhcp: expected off or dhcp, got 'on'");
	set_fails("tsc_mode", "4", "tsc_mode: must be at most 3, got 4");
	set_fails("uuid", "1234", "uuid: '1234' is not a UUID (32 hex digits, "
	    "e.g. 8-4-4-4-12 with dashes)");
	set_fails("name", "my vm", "name: 'my vm' has a character other than "
	    "letters, digits and _-.:/+");
	set_fails("cpus", "0-", "cpus: '0-' is not a CPU list (numbers, ranges "
	    "a-b and ^n to leave one out, e.g. '0-3,^1')");
	set_fails("cpus", "3-1", "cpus: '3-1' is not a CPU list (numbers, ranges "
	    "a-b and ^n to leave one out, e.g. '0-3,^1')");
	set_fails("boot", "x", "boot: expected boot device letters (a floppy, "
	    "c disk, d cdrom, n network), got 'x'");
	set_fails("fda", "floppy.img", "fda: expected an absolute path, got 'floppy.img'");
	set_fails("irq", "seven", "irq: item 1 should be an integer, got 'seven'");
	set_fails("cpuid", "1:eax=1", "cpuid '1:eax=1': give all the bits of "
	    "register eax: 0x<hex> or 32 characters of 0 1 x k s");
	set_fails("cpuid", "eax=0x1", "cpuid 'eax=0x1': expected "
	    "IN[,SUBIN]:eax=V,ebx=V,ecx=V,edx=V");
	set_fails("maxvcpus", "4", "maxvcpus: not an option");
	/* Device entries are checked at once, not when the file has run. */
	set_fails("vif", "brdige=x", "Invalid vif option: brdige");
	set_fails("disk", "phy:a,xvda", "Invalid disk specifier: phy:a,xvda");

	/* Accepted forms: yes/no words, spaces around numbers, appends. */
	domcfg_init(&dc);
	memset(&err, 0, sizeof(err));
	assert_int_equal(domcfg_set_option(&dc, "localtime", "yes", &err), XU_OK);
	assert_int_equal(domcfg_set_option(&dc, "acpi", " 0 ", &err), XU_OK);
	assert_int_equal(domcfg_set_option(&dc, "vif", "", &err), XU_OK);
	assert_int_equal(domcfg_set_option(&dc, "vif", "bridge=br1", &err), XU_OK);
	assert_int_equal(domcfg_set_option(&dc, "memory", "256", &err), XU_OK);
	assert_int_equal(domcfg_set_option(&dc, "memory", "512", &err), XU_OK);
	s = sxp_to_string(dc.overrides);
	assert_string_equal(s, "((localtime 1) (acpi 0) (vif ('' 'bridge=br1')) "
	    "(memory 512))");
	free(s);
	domcfg_dispose(&dc);
}

/* ---- building (vm ...) ---- */

static void
test_build_example1(void **state)
{
	struct domcfg dc;
	char *s;

	domcfg_init(&dc);
	s = build_ok(&dc, example1());
	assert_string_equal(s, "(vm (name ExampleDomain) (memory 64) "
	    "(on_xend_start ignore) (on_xend_stop ignore) (vcpus 1) (oos 1) "
	    "(image (linux (kernel /boot/vmlinuz-2.6.10-xenU) "
	    "(root '/dev/hda1 ro') (videoram 4) (args 4) (tsc_mode 0) "
	    "(nomigrate 0))) (s3_integrity 1) "
	    "(device (vbd (uname phy:hda1) (dev hda1) (mode w))) (device (vif)))");
	assert_int_equal(xv_len(dc.warnings), 0);
	free(s);
	domcfg_dispose(&dc);
}

static void
test_build_overrides(void **state)
{
	struct domcfg dc;
	struct xu_err err;
	struct xv *ex = example1();
	char *s;

	domcfg_init(&dc);
	memset(&err, 0, sizeof(err));
	assert_int_equal(domcfg_set_option(&dc, "memory", "256", &err), XU_OK);
	assert_int_equal(domcfg_set_option(&dc, "disk", "file:/a.img,xvda,w", &err), XU_OK);
	assert_int_equal(domcfg_set_option(&dc, "disk", "file:/b.img,xvdb,r", &err), XU_OK);
	assert_int_equal(domcfg_set_option(&dc, "on_crash", "preserve", &err), XU_OK);
	ex_str(ex, "on_crash", "destroy", 50);
	s = build_ok(&dc, ex);
	assert_contains(s, "(memory 256)");
	assert_contains(s, "(on_crash preserve)");
	assert_contains(s, "(device (vbd (uname file:/a.img) (dev xvda) (mode w))) "
	    "(device (vbd (uname file:/b.img) (dev xvdb) (mode r)))");
	if (strstr(s, "phy:hda1") != NULL)
		fail_msg("the file's disk list was not replaced: %s", s);
	free(s);
	domcfg_dispose(&dc);
}

static void
test_build_warnings(void **state)
{
	struct domcfg dc;
	struct xv *ex = example1();
	char *s;

	domcfg_init(&dc);
	ex_int(ex, "memroy", 512, 3);
	ex_int(ex, "vmid", 1, 0);
	ex_str(ex, "arch_libdir", "lib", 7);
	ex_str(ex, "_helper", "x", 8);
	ex_int(ex, "nics", 2, 9);
	domcfg_add_quiet(&dc, "vmid");
	s = build_ok(&dc, ex);
	assert_int_equal(xv_len(dc.warnings), 3);
	assert_string_equal(xv_string(xv_at(dc.warnings, 0)),
	    "test.cfg:3: unknown setting 'memroy' (did you mean 'memory'?)");
	assert_string_equal(xv_string(xv_at(dc.warnings, 1)),
	    "test.cfg:7: unknown setting 'arch_libdir'");
	assert_string_equal(xv_string(xv_at(dc.warnings, 2)),
	    "test.cfg:9: The nics option is deprecated.  Please use an empty "
	    "vif entry instead: vif = [ '' ]");
	/* nics pads vif with default entries. */
	assert_contains(s, "(device (vif)) (device (vif)))");
	free(s);
	domcfg_dispose(&dc);
}

static void
test_build_errors(void **state)
{
	struct xv *ex;

	ex = example1();
	ex_int(ex, "maxmem", 32, 12);
	build_fails(ex, 12, "maxmem: 32 MiB is less than memory (64 MiB); "
	    "maxmem is the ceiling memory can balloon up to");
	ex = example1();
	ex_str(ex, "memory", "lots", 36);
	build_fails(ex, 36, "memory: expected an integer (MiB), got 'lots'");
	ex = example1();
	ex_str(ex, "disk", "phy:hda1,hda1,w", 40);
	build_fails(ex, 40, "disk: expected a list, e.g. disk = [ '...' ], "
	    "got 'phy:hda1,hda1,w'");
	ex = example1();
	ex_list(ex, "disk", "phy:a,hda,w", "file:/b,768,r", NULL);
	build_fails(ex, 0, "disk: 'phy:a,hda,w' and 'file:/b,768,r' both use "
	    "guest device 768");
	ex = example1();
	ex_list(ex, "vif", "bridge", NULL);
	build_fails(ex, 0, "bridge should be a pair, separated by an equals sign.");
	ex = example1();
	ex_str(ex, "on_poweroff", "halt", 20);
	build_fails(ex, 20, "on_poweroff: Invalid event handling mode: 'halt' "
	    "(expected destroy, restart, preserve, rename-restart, "
	    "coredump-destroy or coredump-restart)");
	ex = example1();
	ex_list(ex, "cpus", "0", "1", NULL);
	build_fails(ex, 0, "cpus: the list has 2 entries but the domain has 1 "
	    "VCPUs (a list gives one CPU list per VCPU)");
	ex = example1();
	ex_int(ex, "maxvcpus", 2, 0);
	ex_int(ex, "vcpus", 4, 0);
	build_fails(ex, 0, "vcpus: 4 is more than maxvcpus (2)");
	ex = xv_struct();
	ex_str(ex, "name", "pool", 1);
	ex_str(ex, "sched", "credit", 2);
	build_fails(ex, 0, "kernel: not set; a PV guest (builder 'linux') needs "
	    "kernel = '/path/to/vmlinuz' or a bootloader (this file sets sched: "
	    "is it a CPU pool config for xm cpupool-create?)");
	ex = example1();
	ex_str(ex, "nfs_root", "/export", 5);
	build_fails(ex, 5, "nfs_root: nfs_server must be set too");
	ex = example1();
	ex_list(ex, "access_control", "policy=a,label=b", "policy=c,label=d", NULL);
	build_fails(ex, 0, "Multiple access_control definitions.");
}

static void
test_build_unsupported(void **state)
{
	struct xv *ex;

	ex = example1();
	ex_str(ex, "builder", "hvm", 10);
	ex_str(ex, "kernel", "guest_firmware.bin", 15);
	build_fails(ex, 15, "IA64 guest firmware is not supported: kernel "
	    "'guest_firmware.bin' is the IA64 VT-i firmware; this toolstack runs "
	    "x86 guests");
	ex = example1();
	ex_int(ex, "vhpt", 23, 41);
	build_fails(ex, 41, "IA64 guest firmware is not supported: vhpt sets the "
	    "IA64 VHPT size; this toolstack runs x86 guests");
	ex = example1();
	ex_str(ex, "builder", "hvm", 10);
	ex_str(ex, "device_model", "stubdom-dm", 121);
	build_fails(ex, 121, "stub domains are not supported: device_model "
	    "'stubdom-dm' runs the device model in a stub domain; remove "
	    "device_model to run QEMU in dom0");
	ex = example1();
	ex_int(ex, "target", 3, 4);
	build_fails(ex, 4, "stub domains are not supported: target = 3 makes "
	    "this domain the device-model stub domain of another");
}

static void
test_build_hvm(void **state)
{
	struct domcfg dc;
	struct xv *ex = xv_struct();
	char *s;

	domcfg_init(&dc);
	ex_str(ex, "kernel", "/usr/lib/xen/boot/vmxloader", 1);
	ex_str(ex, "builder", "vmx", 2);
	ex_int(ex, "memory", 128, 3);
	ex_list(ex, "vif", "type=ioemu, bridge=xenbr0", NULL);
	ex_int(ex, "sdl", 0, 5);
	ex_int(ex, "vnc", 1, 6);
	ex_str(ex, "vncpasswd", "", 7);
	s = build_ok(&dc, ex);
	assert_string_equal(xv_string(xv_at(dc.warnings, 0)), "test.cfg:2: "
	    "builder 'vmx' is the Xen 3.0 name of 'hvm'; using builder 'hvm'");
	assert_string_equal(s, "(vm (name test.cfg) (memory 128) "
	    "(on_xend_start ignore) (on_xend_stop ignore) (vcpus 1) (oos 1) "
	    "(image (hvm (kernel /usr/lib/xen/boot/vmxloader) (videoram 4) "
	    "(acpi 1) (apic 1) (boot c) (fda '') (fdb '') (guest_os_type default) "
	    "(hap 1) (hpet 0) (isa 0) (keymap '') (localtime 0) (nographic 0) "
	    "(oos 1) (pae 1) (pci_msitranslate 1) (pci_power_mgmt 0) "
	    "(rtc_timeoffset 0) (sdl 0) (soundhw '') (stdvga 0) (timer_mode 1) "
	    "(usb 0) (usbdevice '') (vcpus 1) (vnc 1) (vncunused 1) (viridian 0) "
	    "(vpt_align 1) (xen_platform_pci 1) (memory_sharing 0) "
	    "(vncpasswd '') (tsc_mode 0) (nomigrate 0))) (s3_integrity 1) "
	    "(device (vif (type ioemu) (bridge xenbr0))))");
	free(s);
	domcfg_dispose(&dc);
}

static void
test_build_pv_extras(void **state)
{
	struct domcfg dc;
	struct xv *ex = example1();
	char *s;

	domcfg_init(&dc);
	dc.console = true;
	ex_int(ex, "maxvcpus", 4, 0);
	ex_int(ex, "vcpus", 2, 0);
	ex_str(ex, "bootloader", "pygrub", 0);
	ex_str(ex, "restart", "onreboot", 30);
	ex_str(ex, "on_crash", "preserve", 31);
	ex_str(ex, "ip", "192.168.1.2", 0);
	ex_str(ex, "gateway", "192.168.1.1", 0);
	ex_str(ex, "netmask", "255.255.255.0", 0);
	ex_str(ex, "hostname", "vm1", 0);
	ex_str(ex, "root", "root=/dev/xvda1 ro", 0);
	ex_str(ex, "pool", "Pool-1", 0);
	ex_int(ex, "vnc", 1, 33);
	ex_list(ex, "cpuid", "0x1:eax=0x1,ecx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0", NULL);
	s = build_ok(&dc, ex);
	assert_contains(s, "(memory 64) (on_poweroff destroy) (on_reboot restart) "
	    "(on_crash preserve) (on_xend_start");
	assert_contains(s, "(cpuid ((0x1 ((eax 0x1) (ecx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0)))))");
	assert_contains(s, "(vcpu_avail 3) (vcpus 4)");
	assert_contains(s, "(oos 1) (pool_name Pool-1) (bootloader pygrub) "
	    "(bootloader_args '') (image");
	assert_contains(s, "(ip 192.168.1.2:127.0.255.255:192.168.1.1:"
	    "255.255.255.0:vm1:eth0:off) (root '/dev/xvda1 ro')");
	/* set by the caller (line 0), so first */
	assert_string_equal(xv_string(xv_at(dc.warnings, 0)), "test.cfg: cpuid "
	    "has no effect here: the CPU model is QEMU's (host under KVM)");
	assert_string_equal(xv_string(xv_at(dc.warnings, 1)), "test.cfg:30: "
	    "restart is deprecated; use on_poweroff, on_reboot and on_crash");
	assert_string_equal(xv_string(xv_at(dc.warnings, 2)), "test.cfg:33: vnc "
	    "only applies to HVM guests (builder='hvm'); ignored (a PV guest gets "
	    "a framebuffer from vfb = [ 'vnc=1' ])");
	free(s);
	domcfg_dispose(&dc);
}

static void
test_kernel_cmdline(void **state)
{
	static const struct {
		const char *image, *want;
	} cases[] = {
		{ "(image (linux (kernel k) (root '/dev/hda1 ro') (args 4)))",
		  "root=/dev/hda1 ro 4" },
		{ "(linux (ip ::::xendom1:eth0:dhcp) (root /dev/xda1) "
		  "(args 'rw fastboot 4'))",
		  "root=/dev/xda1 ip=::::xendom1:eth0:dhcp rw fastboot 4" },
		{ "(linux (root /dev/nfs) (args 'nfsroot=1.2.3.4:/x 4'))",
		  "root=/dev/nfs nfsroot=1.2.3.4:/x 4" },
		{ "(linux (root /dev/a) (ip 1::) (args 'root=/dev/b ip=off'))",
		  "root=/dev/b ip=off" },
		{ "(linux (kernel k))", "" },
	};
	struct xv *v;
	struct xu_err err;
	size_t i;
	char *s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(sxp_parse_one(cases[i].image,
		    strlen(cases[i].image), &v, &err), XU_OK);
		s = domcfg_kernel_cmdline(v);
		assert_string_equal(s, cases[i].want);
		free(s);
		xv_free(v);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vdev_numbers),
		cmocka_unit_test(test_disk_ok),
		cmocka_unit_test(test_disk_errors),
		cmocka_unit_test(test_nbd_spec),
		cmocka_unit_test(test_vif),
		cmocka_unit_test(test_vif_errors),
		cmocka_unit_test(test_vfb),
		cmocka_unit_test(test_other_devices),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_set_option),
		cmocka_unit_test(test_build_example1),
		cmocka_unit_test(test_build_overrides),
		cmocka_unit_test(test_build_warnings),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_build_unsupported),
		cmocka_unit_test(test_build_hvm),
		cmocka_unit_test(test_build_pv_extras),
		cmocka_unit_test(test_kernel_cmdline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
