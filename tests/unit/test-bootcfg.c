/* test-bootcfg.c: pygrub's menu parsers (GRUB legacy, GRUB 2 as Debian's
 * update-grub writes it, extlinux), the choice of an entry, and what a
 * hostile or broken config gets: an error naming the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bootcfg.h"

static void
parse_ok(enum bootcfg_format f, const char *text, const char *env,
    struct bootcfg *c)
{
	char err[256] = "";

	if (bootcfg_parse(f, text, strlen(text), env, env ? strlen(env) : 0, c,
	    err, sizeof(err)) != 0)
		fail_msg("parse failed: %s", err);
}

static void
parse_bad(enum bootcfg_format f, const char *text, const char *want)
{
	struct bootcfg c;
	char err[256] = "";

	assert_int_equal(bootcfg_parse(f, text, strlen(text), NULL, 0, &c, err,
	    sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
	assert_int_equal(c.n, 0);
	bootcfg_dispose(&c);
}

static const char debian_cfg[] =
    "if [ -s $prefix/grubenv ]; then\n"
    "  set have_grubenv=true\n"
    "  load_env\n"
    "fi\n"
    "if [ \"${next_entry}\" ] ; then\n"
    "   set default=\"${next_entry}\"\n"
    "   set next_entry=\n"
    "   save_env next_entry\n"
    "else\n"
    "   set default=\"${saved_entry}\"\n"
    "fi\n"
    "if [ x\"${feature_menuentry_id}\" = xy ]; then\n"
    "  menuentry_id_option=\"--id\"\n"
    "else\n"
    "  menuentry_id_option=\"\"\n"
    "fi\n"
    "function load_video {\n"
    "  if [ x$feature_all_video_module = xy ]; then\n"
    "    insmod all_video\n"
    "  fi\n"
    "  menuentry 'not an entry' {\n"
    "  }\n"
    "}\n"
    "if [ \"${recordfail}\" = 1 ] ; then\n"
    "  set timeout=30\n"
    "else\n"
    "  set timeout=5\n"
    "fi\n"
    "menuentry 'Debian GNU/Linux' --class debian --class os $menuentry_id_option 'gnulinux-simple-u' {\n"
    "\tload_video\n"
    "\tif [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi\n"
    "\tset root='hd0,msdos1'\n"
    "\tlinux\t/boot/vmlinuz-6.1.0-13-amd64 root=UUID=u ro  quiet\n"
    "\tinitrd\t/boot/initrd.img-6.1.0-13-amd64\n"
    "}\n"
    "submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-u' {\n"
    "\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-13-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-13-amd64-advanced-u' {\n"
    "\t\tlinux\t(hd0,msdos1)/boot/vmlinuz-6.1.0-13-amd64 root=UUID=u ro\n"
    "\t\tinitrd\t/boot/intel-ucode.img /boot/initrd.img-6.1.0-13-amd64\n"
    "\t}\n"
    "\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-12-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-12-amd64-advanced-u' {\n"
    "\t\tlinux\t/boot/vmlinuz-6.1.0-12-amd64 root=UUID=u ro \"quoted arg\" $root\n"
    "\t}\n"
    "}\n";

static void
test_grub2_debian(void **state)
{
	struct bootcfg c;
	const struct bootcfg_entry *e;

	parse_ok(BOOTCFG_GRUB2, debian_cfg, NULL, &c);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.default_entry, 0);
	assert_int_equal(c.timeout, 5);
	e = &c.v[0];
	assert_string_equal(e->title, "Debian GNU/Linux");
	assert_string_equal(e->id, "gnulinux-simple-u");
	assert_string_equal(e->kernel, "/boot/vmlinuz-6.1.0-13-amd64");
	assert_string_equal(e->args, "root=UUID=u ro quiet");
	assert_int_equal(e->ninitrd, 1);
	e = &c.v[1];
	assert_string_equal(e->kernel, "/boot/vmlinuz-6.1.0-13-amd64");
	assert_int_equal(e->ninitrd, 2);
	assert_string_equal(e->initrd[0], "/boot/intel-ucode.img");
	assert_string_equal(e->menu_title, "Advanced options for Debian GNU/Linux");
	assert_int_equal(e->top, 1);
	assert_int_equal(e->sub, 0);
	/* an entry's own set (root=) runs only when it boots: $root is empty */
	assert_string_equal(c.v[2].args, "root=UUID=u ro quoted arg");
	assert_int_equal(c.v[2].ninitrd, 0);
	bootcfg_dispose(&c);
}

static void
test_grub2_saved_entry(void **state)
{
	struct bootcfg c;

	parse_ok(BOOTCFG_GRUB2, debian_cfg, "# GRUB Environment Block\n"
	    "saved_entry=gnulinux-advanced-u>gnulinux-6.1.0-12-amd64-advanced-u\n"
	    "##########\n", &c);
	assert_string_equal(c.default_spec,
	    "gnulinux-advanced-u>gnulinux-6.1.0-12-amd64-advanced-u");
	assert_int_equal(c.default_entry, 2);
	bootcfg_dispose(&c);
	/* next_entry wins over saved_entry, by number and by title */
	parse_ok(BOOTCFG_GRUB2, debian_cfg, "saved_entry=0\nnext_entry=1>0\n", &c);
	assert_int_equal(c.default_entry, 1);
	bootcfg_dispose(&c);
	parse_ok(BOOTCFG_GRUB2, debian_cfg, "saved_entry=Advanced options for "
	    "Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-12-amd64\n", &c);
	assert_int_equal(c.default_entry, 2);
	bootcfg_dispose(&c);
	/* a submenu alone is its first entry; an unknown default is 0 */
	parse_ok(BOOTCFG_GRUB2, debian_cfg, "saved_entry=1\n", &c);
	assert_int_equal(c.default_entry, 1);
	bootcfg_dispose(&c);
	parse_ok(BOOTCFG_GRUB2, debian_cfg, "saved_entry=nothing-like-it\n", &c);
	assert_int_equal(c.default_entry, 0);
	bootcfg_dispose(&c);
	/* recordfail in grubenv takes the other branch */
	parse_ok(BOOTCFG_GRUB2, debian_cfg, "recordfail=1\n", &c);
	assert_int_equal(c.timeout, 30);
	bootcfg_dispose(&c);
}

static void
test_select(void **state)
{
	struct bootcfg c;
	char err[128];

	parse_ok(BOOTCFG_GRUB2, debian_cfg, NULL, &c);
	assert_int_equal(bootcfg_select(&c, NULL, err, sizeof(err)), 0);
	assert_int_equal(bootcfg_select(&c, "2", err, sizeof(err)), 2);
	assert_int_equal(bootcfg_select(&c, "Debian GNU/Linux, with Linux "
	    "6.1.0-13-amd64", err, sizeof(err)), 1);
	assert_int_equal(bootcfg_select(&c, "gnulinux-6.1.0-12-amd64-advanced-u",
	    err, sizeof(err)), 2);
	assert_int_equal(bootcfg_select(&c, "3", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no entry 3 (the menu has 3)"));
	assert_int_equal(bootcfg_select(&c, "Windows", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no entry is titled 'Windows'"));
	bootcfg_dispose(&c);
}

static void
test_legacy(void **state)
{
	struct bootcfg c;

	parse_ok(BOOTCFG_GRUB_LEGACY,
	    "# menu.lst - See: grub(8), info grub, update-grub(8)\n"
	    "default\t\t1\n"
	    "timeout=3\n"
	    "hiddenmenu\n"
	    "title\t\tDebian GNU/Linux, kernel 2.6.26-2-xen-686\n"
	    "root\t\t(hd0,0)\n"
	    "kernel\t\t/boot/vmlinuz-2.6.26-2-xen-686 root=/dev/xvda1 ro console=hvc0\n"
	    "initrd\t\t/boot/initrd.img-2.6.26-2-xen-686\n"
	    "\n"
	    "title\t\tCentOS (2.6.18-xen)\n"
	    "\tkernel (hd0,0)/vmlinuz-2.6.18-xen ro root=LABEL=/\r\n"
	    "\tinitrd (hd0,0)/initrd-2.6.18-xen.img\r\n", NULL, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.default_entry, 1);
	assert_int_equal(c.timeout, 3);
	assert_string_equal(c.v[0].args, "root=/dev/xvda1 ro console=hvc0");
	assert_string_equal(c.v[1].title, "CentOS (2.6.18-xen)");
	assert_string_equal(c.v[1].kernel, "/vmlinuz-2.6.18-xen");
	assert_string_equal(c.v[1].args, "ro root=LABEL=/");
	assert_string_equal(c.v[1].initrd[0], "/initrd-2.6.18-xen.img");
	bootcfg_dispose(&c);
}

static void
test_extlinux(void **state)
{
	struct bootcfg c;

	parse_ok(BOOTCFG_EXTLINUX,
	    "## /boot/extlinux/extlinux.conf\n"
	    "default l1\n"
	    "prompt 1\n"
	    "timeout 50\n"
	    "label l0\n"
	    "\tmenu label Debian GNU/Linux, kernel 6.1\n"
	    "\tlinux /boot/vmlinuz-6.1\n"
	    "\tappend initrd=/boot/initrd.img-6.1 root=/dev/xvda1 ro quiet\n"
	    "LABEL l1\n"
	    "  KERNEL ../vmlinuz-old\n"
	    "  INITRD initrd-old.img\n"
	    "  APPEND -\n", NULL, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.default_entry, 1);
	assert_int_equal(c.timeout, 5);
	assert_string_equal(c.v[0].title, "Debian GNU/Linux, kernel 6.1");
	assert_string_equal(c.v[0].args, "root=/dev/xvda1 ro quiet");
	assert_string_equal(c.v[0].initrd[0], "/boot/initrd.img-6.1");
	assert_string_equal(c.v[1].kernel, "../vmlinuz-old");
	assert_string_equal(c.v[1].args, "");
	/* relative paths are the caller's to resolve; ".." it refuses */
	assert_false(bootcfg_path_ok(c.v[1].kernel));
	bootcfg_dispose(&c);
}

static void
test_paths(void **state)
{
	assert_true(bootcfg_path_ok("/boot/vmlinuz"));
	assert_true(bootcfg_path_ok("vmlinuz..old"));
	assert_true(bootcfg_path_ok("/boot/./x"));
	assert_false(bootcfg_path_ok(""));
	assert_false(bootcfg_path_ok(NULL));
	assert_false(bootcfg_path_ok("/boot/../../etc/shadow"));
	assert_false(bootcfg_path_ok(".."));
	assert_false(bootcfg_path_ok("a/../b"));
}

static void
test_refused(void **state)
{
	char *big;
	size_t i;

	parse_bad(BOOTCFG_GRUB2, "# nothing\n", "no boot entry");
	parse_bad(BOOTCFG_GRUB_LEGACY, "default 0\ntimeout 5\n", "no boot entry");
	parse_bad(BOOTCFG_GRUB2, "menuentry 'x' {\n linux /v\n",
	    "line 2: a menuentry is not closed");
	parse_bad(BOOTCFG_GRUB2, "}\n", "line 1: '}' closes nothing");
	parse_bad(BOOTCFG_GRUB2, "fi\n", "line 1: fi without if");
	parse_bad(BOOTCFG_GRUB2, "menuentry {\n}\n", "line 1: menuentry without");
	parse_bad(BOOTCFG_GRUB2, "menuentry 'a' {\nmenuentry 'b' {\n}\n}\n",
	    "line 2: menuentry inside a menuentry");
	parse_bad(BOOTCFG_GRUB_LEGACY, "title x\nkernel\n", "line 2: kernel names no file");
	/* a NUL byte: not a text file */
	{
		struct bootcfg c;
		char err[128];

		assert_int_equal(bootcfg_parse(BOOTCFG_EXTLINUX, "label x\n\0", 9, NULL,
		    0, &c, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "NUL byte"));
	}
	/* too many entries, too deep, too long */
	big = malloc(300 * 20 + 1);
	big[0] = '\0';
	for (i = 0; i < 300; i++)
		strcat(big, "title t\nkernel k\n");
	parse_bad(BOOTCFG_GRUB_LEGACY, big, "more than 256 boot entries");
	big[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(big, "if [ a ]; then\n");
	parse_bad(BOOTCFG_GRUB2, big, "ifs nested deeper than 32");
	free(big);
	big = malloc(5000 + 32);
	strcpy(big, "title t\nkernel /k ");
	memset(big + strlen(big), 'a', 5000);
	big[18 + 5000] = '\0';
	parse_bad(BOOTCFG_GRUB_LEGACY, big, "longer than 4096 bytes");
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grub2_debian),
		cmocka_unit_test(test_grub2_saved_entry),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_extlinux),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
