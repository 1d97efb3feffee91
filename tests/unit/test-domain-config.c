/* test-domain-config.c: xend's reading of the (vm ...) SXP: defaults,
 * vCPU masks, the kernel command line, and an error naming the setting
 * and the cause for every bad input. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "domain.h"
#include "sxp.h"

static char kernel[128], dir[64];

static int
setup(void **state)
{
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/test-domain-config.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
	if ((fd = open(kernel, O_WRONLY | O_CREAT, 0644)) < 0)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	unlink(kernel);
	rmdir(dir);
	return 0;
}

/* Parses text (with %K for the test kernel) and the config in it. */
static int
parse_text(const char *text, struct domain_config *cfg, struct xu_err *err)
{
	struct xu_err perr;
	struct xv *vm = NULL;
	char buf[2048], *p;
	int rc;

	snprintf(buf, sizeof(buf), "%s", text);
	while ((p = strstr(buf, "%K")) != NULL) {
		char rest[2048];

		snprintf(rest, sizeof(rest), "%s", p + 2);
		snprintf(p, sizeof(buf) - (size_t)(p - buf), "%s%s", kernel, rest);
	}
	assert_int_equal(sxp_parse_one(buf, strlen(buf), &vm, &perr), XU_OK);
	rc = domain_config_parse(vm, cfg, err);
	xv_free(vm);
	return rc;
}

static void
expect_error(const char *text, const char *msg)
{
	struct domain_config cfg;
	struct xu_err err;

	assert_int_not_equal(parse_text(text, &cfg, &err), XU_OK);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("expected '%s' in '%s'", msg, err.msg);
	domain_config_dispose(&cfg);
}

static void
test_defaults(void **state)
{
	struct domain_config cfg;
	struct xu_err err;

	assert_int_equal(parse_text("(vm (name web1) (memory 128) "
	    "(image (linux (kernel %K) (args 'console=ttyS0 quiet'))))", &cfg,
	    &err), XU_OK);
	assert_string_equal(cfg.name, "web1");
	assert_string_equal(cfg.uuid, "");
	assert_int_equal(cfg.memory, 128);
	assert_int_equal(cfg.maxmem, 128);
	assert_int_equal(cfg.vcpus, 1);
	assert_int_equal(cfg.maxvcpus, 1);
	assert_false(cfg.hvm);
	assert_string_equal(cfg.kernel, kernel);
	assert_null(cfg.ramdisk);
	assert_string_equal(cfg.cmdline, "console=ttyS0 quiet");
	/* reference 4.7: destroy, restart, restart */
	assert_int_equal(cfg.on_poweroff, DOM_ACT_DESTROY);
	assert_int_equal(cfg.on_reboot, DOM_ACT_RESTART);
	assert_int_equal(cfg.on_crash, DOM_ACT_RESTART);
	domain_config_dispose(&cfg);
}

static void
test_full(void **state)
{
	struct domain_config cfg;
	struct xu_err err;

	/* xm sends integers as ints and the uuid in any case */
	int rc = parse_text("(vm (name a) (memory 256) (maxmem 1024) "
	    "(on_poweroff preserve) (on_reboot rename-restart) "
	    "(on_crash coredump-destroy) (vcpu_avail 3) (vcpus 4) "
	    "(uuid 6F1E2D3C-1111-2222-3333-444455556666) "
	    "(image (linux (kernel %K) (ramdisk %K) (root '/dev/xvda1 ro') "
	    "(ip 10.0.0.2::10.0.0.1:255.255.255.0:a:eth0:off) (args quiet))))",
	    &cfg, &err);

	assert_string_equal(err.msg, "");
	assert_int_equal(rc, XU_OK);
	assert_string_equal(cfg.uuid, "6f1e2d3c-1111-2222-3333-444455556666");
	assert_int_equal(cfg.maxmem, 1024);
	assert_int_equal(cfg.vcpus, 2);
	assert_int_equal(cfg.maxvcpus, 4);
	assert_string_equal(cfg.ramdisk, kernel);
	assert_string_equal(cfg.cmdline, "root=/dev/xvda1 ro "
	    "ip=10.0.0.2::10.0.0.1:255.255.255.0:a:eth0:off quiet");
	assert_int_equal(cfg.on_poweroff, DOM_ACT_PRESERVE);
	assert_int_equal(cfg.on_reboot, DOM_ACT_RENAME_RESTART);
	assert_int_equal(cfg.on_crash, DOM_ACT_COREDUMP_DESTROY);
	domain_config_dispose(&cfg);
}

static void
test_hvm(void **state)
{
	struct domain_config cfg;
	struct xu_err err;

	/* classic HVM configs name hvmloader, which is not looked at */
	assert_int_equal(parse_text("(vm (name h) (memory 512) (image (hvm "
	    "(kernel /usr/lib/xen/boot/hvmloader))))", &cfg, &err), XU_OK);
	assert_true(cfg.hvm);
	assert_null(cfg.kernel);
	domain_config_dispose(&cfg);
}

static void
test_errors(void **state)
{
	expect_error("(domain (name a))", "not a (vm ...) SXP");
	expect_error("(vm (name a) (image (linux (kernel %K))))", "memory: not set");
	expect_error("(vm (memory 0) (image (linux (kernel %K))))",
	    "memory: 0 is out of range");
	expect_error("(vm (memory lots) (image (linux (kernel %K))))",
	    "memory: expected an integer, got 'lots'");
	expect_error("(vm (memory (1 2)) (image (linux (kernel %K))))",
	    "memory: expected an integer, got a list");
	expect_error("(vm (memory 99999999) (image (linux (kernel %K))))",
	    "memory: 99999999 is out of range");
	expect_error("(vm (memory 256) (maxmem 128) (image (linux (kernel %K))))",
	    "maxmem (128 MiB) is less than memory (256 MiB)");
	expect_error("(vm (memory 64) (vcpus 0) (image (linux (kernel %K))))",
	    "vcpus: 0 is out of range");
	expect_error("(vm (memory 64) (vcpus 256) (image (linux (kernel %K))))",
	    "vcpus: 256 is out of range");
	expect_error("(vm (memory 64) (on_crash reboot) (image (linux (kernel %K))))",
	    "Invalid event handling mode: on_crash 'reboot'");
	expect_error("(vm (memory 64) (on_poweroff (x)) (image (linux (kernel %K))))",
	    "on_poweroff: expected a string");
	expect_error("(vm (name a/b) (memory 64) (image (linux (kernel %K))))",
	    "Invalid VM Name 'a/b'");
	expect_error("(vm (name ..) (memory 64) (image (linux (kernel %K))))",
	    "Invalid VM Name '..'");
	expect_error("(vm (uuid nope) (memory 64) (image (linux (kernel %K))))",
	    "uuid: 'nope' is not a UUID");
	expect_error("(vm (memory 64))", "image: missing");
	expect_error("(vm (memory 64) (image (plan9 (kernel %K))))",
	    "unknown builder 'plan9'");
	expect_error("(vm (memory 64) (image (linux (args quiet))))",
	    "kernel: not set");
	expect_error("(vm (memory 64) (image (linux (kernel /nonexistent/vmlinuz))))",
	    "kernel /nonexistent/vmlinuz: No such file or directory");
	expect_error("(vm (memory 64) (image (linux (kernel /tmp))))",
	    "kernel /tmp: not a regular file");
	expect_error("(vm (memory 64) (image (linux (kernel boot/vmlinuz))))",
	    "kernel boot/vmlinuz: not an absolute path");
	expect_error("(vm (memory 64) (image (linux (kernel %K) (ramdisk /no/initrd))))",
	    "ramdisk /no/initrd: No such file or directory");
	expect_error("(vm (memory 64) (bootloader /usr/bin/grub-install) "
	    "(image (linux (kernel %K))))", "bootloader: /usr/bin/grub-install is "
	    "not supported; pygrub is (bootloader = 'pygrub')");
	expect_error("(vm (memory 64) (bootloader notpygrub) (image (linux)))",
	    "bootloader: notpygrub is not supported");
	expect_error("(vm (memory 64) (image (linux (kernel %K))) "
	    "(device (vtpm (backend 0))))", "device vtpm: not supported (disks and "
	    "vifs are; remove pci=, vtpm= ... from the config)");
	expect_error("(vm (memory 64) (image (linux (kernel %K))) "
	    "(device (vfb (vnc 1))) (device (vfb (vnc 1))))",
	    "vfb: one framebuffer per domain");
	expect_error("(vm (memory 64) (image (linux (kernel %K))) "
	    "(device (vfb (vnc 1) (vnclisten 'a b'))))",
	    "vnclisten: 'a b' is not an IP address");
	expect_error("(vm (memory 64) (image (linux (kernel %K))) "
	    "(device (vbd (uname file:/x.img) (dev xvda) (mode rw))))",
	    "disk 'file:/x.img': Invalid mode 'rw' (r, w or w!)");
	expect_error("(vm (memory 64) (image (linux (kernel %K))) "
	    "(device (vbd (uname file:/a.img) (dev xvda) (mode w))) "
	    "(device (vbd (uname file:/b.img) (dev /dev/xvda) (mode r))))",
	    "disk: two disks use guest device /dev/xvda");
	expect_error("(vm (memory 64) (image (linux (kernel %K))) "
	    "(device (vif (bridge xenbr0) (colour blue))))", "Invalid vif option: colour");
}

static void
test_nofiles(void **state)
{
	struct domain_config cfg;
	struct xu_err err;
	struct xv *vm = NULL;
	const char *text = "(vm (name a) (memory 64) (image (linux "
	    "(kernel /moved/away/vmlinuz))))";

	/* a stored config is read again even if its kernel has gone */
	assert_int_equal(sxp_parse_one(text, strlen(text), &vm, &err), XU_OK);
	assert_int_equal(domain_config_parse_nofiles(vm, &cfg, &err), XU_OK);
	assert_string_equal(cfg.kernel, "/moved/away/vmlinuz");
	domain_config_dispose(&cfg);
	assert_int_not_equal(domain_config_parse(vm, &cfg, &err), XU_OK);
	xv_free(vm);
}

static void
test_bootloader(void **state)
{
	struct domain_config cfg;
	struct xu_err err;

	/* no kernel in dom0: pygrub finds it at each start */
	assert_int_equal(parse_text("(vm (memory 64) (bootloader pygrub) "
	    "(bootloader_args '--entry=1') (image (linux (root '/dev/xvda1 ro') "
	    "(args quiet))))", &cfg, &err), XU_OK);
	assert_string_equal(cfg.bootloader, "pygrub");
	assert_string_equal(cfg.bootloader_args, "--entry=1");
	assert_null(cfg.kernel);
	assert_null(cfg.bl_kernel);
	assert_string_equal(cfg.cmdline, "root=/dev/xvda1 ro quiet");
	domain_config_dispose(&cfg);
	/* a kernel and ramdisk are paths inside the guest's disk, unchecked */
	assert_int_equal(parse_text("(vm (memory 64) (bootloader "
	    "/usr/lib/xen/bin/pygrub) (image (linux (kernel /boot/vmlinuz-6.1) "
	    "(ramdisk /boot/initrd.img-6.1))))", &cfg, &err), XU_OK);
	assert_null(cfg.kernel);
	assert_string_equal(cfg.bl_kernel, "/boot/vmlinuz-6.1");
	assert_string_equal(cfg.bl_ramdisk, "/boot/initrd.img-6.1");
	domain_config_dispose(&cfg);
	assert_true(domain_bootloader_is_pygrub("pygrub"));
	assert_true(domain_bootloader_is_pygrub("/usr/bin/pygrub"));
	assert_true(domain_bootloader_is_pygrub("xen-pygrub"));
	assert_false(domain_bootloader_is_pygrub("/usr/bin/notpygrub"));
	assert_false(domain_bootloader_is_pygrub("pygrub2"));
	assert_false(domain_bootloader_is_pygrub(""));
}

static void
test_names(void **state)
{
	assert_true(domain_name_valid("web1"));
	assert_true(domain_name_valid("a.b:c+d-e_f"));
	assert_true(domain_name_valid("Domain-6f1e2d3c-1111-2222-3333-444455556666"));
	assert_false(domain_name_valid(""));
	assert_false(domain_name_valid(NULL));
	assert_false(domain_name_valid("a b"));
	assert_false(domain_name_valid("a/b"));
	assert_false(domain_name_valid("."));
	assert_false(domain_name_valid("caf\xc3\xa9"));
	char longname[130];

	memset(longname, 'x', sizeof(longname));
	longname[127] = '\0';
	assert_true(domain_name_valid(longname));
	longname[127] = 'x';
	longname[128] = '\0';
	assert_false(domain_name_valid(longname));
}

static void
test_actions(void **state)
{
	enum domain_action a;
	int i;

	for (i = DOM_ACT_DESTROY; i <= DOM_ACT_COREDUMP_RESTART; i++) {
		assert_int_equal(domain_action_parse(domain_action_name(i), &a), XU_OK);
		assert_int_equal(a, i);
	}
	assert_int_not_equal(domain_action_parse("reboot", &a), XU_OK);
	assert_int_not_equal(domain_action_parse(NULL, &a), XU_OK);
}

static void
test_sxp_set(void **state)
{
	struct xu_err err;
	struct xv *vm = NULL;
	const char *text = "(vm (name a) (memory 64))";
	char *out;

	assert_int_equal(sxp_parse_one(text, strlen(text), &vm, &err), XU_OK);
	domain_sxp_set(vm, "name", xv_str("b"));
	domain_sxp_set(vm, "uuid", xv_str("u"));
	out = sxp_to_string(vm);
	assert_string_equal(out, "(vm (name b) (memory 64) (uuid u))");
	free(out);
	xv_free(vm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_hvm),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nofiles),
		cmocka_unit_test(test_bootloader),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_sxp_set),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
