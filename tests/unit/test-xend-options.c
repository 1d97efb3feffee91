/* test-xend-options.c: the xend-config.sxp reader: defaults, typed getters,
 * boolean spellings, first-form-wins, root prefixes and every message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sxp.h"
#include "xend-options.h"

/* Every message of a read, one per line, as xend -n prints them. */
static char *
diag_text(const struct xend_diags *d)
{
	struct xu_buf b;
	char *line;
	size_t i;

	xu_buf_init(&b);
	for (i = 0; i < d->n; i++) {
		line = xend_diag_format(d, i);
		xu_buf_printf(&b, "%s\n", line);
		free(line);
	}
	return xu_buf_steal(&b);
}

/* Reads s as file "t.sxp" under root; fails the test unless it reads. */
static struct xend_options *
load_ok_root(const char *s, const char *root, char **msgs)
{
	struct xend_options *opts = NULL;
	struct xend_diags d;
	char *text;
	int rc;

	xend_diags_init(&d);
	rc = xend_options_parse(&opts, s, strlen(s), "t.sxp", root, &d);
	text = diag_text(&d);
	if (rc != XU_OK)
		fail_msg("read of \"%s\" failed: %s", s, text);
	assert_non_null(opts);
	if (msgs != NULL)
		*msgs = text;
	else
		free(text);
	xend_diags_dispose(&d);
	return opts;
}

static struct xend_options *
load_ok(const char *s)
{
	return load_ok_root(s, NULL, NULL);
}

/* Reads s expecting rc; returns every message. */
static char *
load_fail(const char *s, int want)
{
	struct xend_options *opts = (struct xend_options *)1;
	struct xend_diags d;
	char *text;
	int rc;

	xend_diags_init(&d);
	rc = xend_options_parse(&opts, s, strlen(s), "t.sxp", NULL, &d);
	text = diag_text(&d);
	assert_int_equal(rc, want);
	assert_null(opts);
	assert_true(d.nerrors > 0);
	xend_diags_dispose(&d);
	return text;
}

static void
expect_error(const char *s, const char *msg)
{
	char *got = load_fail(s, XU_ERR_INVALID);

	assert_string_equal(got, msg);
	free(got);
}

static void
expect_warning(const char *s, const char *msg)
{
	struct xend_options *opts;
	char *got;

	opts = load_ok_root(s, NULL, &got);
	assert_string_equal(got, msg);
	free(got);
	xend_options_free(opts);
}

static void
test_table(void **state)
{
	size_t i, j;

	assert_true(xend_opt_count() >= 55);
	for (i = 0; i < xend_opt_count(); i++) {
		const struct xend_opt_def *def = xend_opt_def_at(i);

		assert_ptr_equal(xend_opt_def_find(def->name), def);
		assert_non_null(def->help);
		for (j = 0; j < i; j++)
			assert_string_not_equal(xend_opt_def_at(j)->name, def->name);
	}
	assert_null(xend_opt_def_at(xend_opt_count()));
	assert_null(xend_opt_def_find("no-such-option"));
	assert_non_null(xend_opt_def_find("accel"));
	assert_non_null(xend_opt_def_find("xend-domain-lock-utility"));
}

/* The code defaults of classic xend (4.1 XendOptions.py) and ours. */
static void
test_defaults(void **state)
{
	struct xend_options *opts = load_ok("");
	const struct xv *l;
	size_t i;

	assert_string_equal(xend_opt_str(opts, "logfile"),
	    XEN_LOCALSTATEDIR "/log/xen/xend.log");
	assert_string_equal(xend_opt_str(opts, "loglevel"), "DEBUG");
	assert_false(xend_opt_bool(opts, "xend-http-server"));
	assert_true(xend_opt_bool(opts, "xend-unix-xmlrpc-server"));
	assert_false(xend_opt_bool(opts, "xend-relocation-server"));
	assert_int_equal(xend_opt_int(opts, "xend-port"), 8000);
	assert_int_equal(xend_opt_int(opts, "xend-relocation-port"), 8002);
	assert_int_equal(xend_opt_int(opts, "xend-relocation-ssl-port"), 8003);
	assert_int_equal(xend_opt_int(opts, "xend-tcp-xmlrpc-server-port"), 8006);
	assert_string_equal(xend_opt_str(opts, "xend-tcp-xmlrpc-server-address"),
	    "localhost");
	assert_string_equal(xend_opt_str(opts, "xend-address"), "127.0.0.1");
	assert_string_equal(xend_opt_str(opts, "xend-relocation-hosts-allow"), "");
	assert_int_equal(xend_opt_int(opts, "console-limit"), 1024);
	assert_null(xend_opt_str(opts, "network-script"));
	assert_false(xend_opt_is_set(opts, "network-script"));
	assert_string_equal(xend_opt_str(opts, "vif-script"), "vif-bridge");
	assert_int_equal(xend_opt_int(opts, "dom0-min-mem"), 0);
	assert_false(xend_opt_bool(opts, "enable-dom0-ballooning"));
	assert_int_equal(xend_opt_int(opts, "dom0-cpus"), 0);
	assert_string_equal(xend_opt_str(opts, "vnc-listen"), "127.0.0.1");
	assert_null(xend_opt_str(opts, "vncpasswd"));
	assert_null(xend_opt_str(opts, "keymap"));
	assert_string_equal(xend_opt_str(opts, "vnc-x509-cert-dir"),
	    XEN_SYSCONFDIR "/xen/vnc");
	assert_int_equal(xend_opt_int(opts, "qemu-dm-logrotate-count"), 10);
	assert_string_equal(xend_opt_str(opts, "xend-domains-path"),
	    XEN_LOCALSTATEDIR "/lib/xend/domains");
	assert_int_equal(xend_opt_int(opts, "device-create-timeout"), 100);
	assert_true(xend_opt_bool(opts, "pci-passthrough-strict-check"));
	assert_string_equal(xend_opt_str(opts, "xsm_module_name"), "dummy");
	assert_string_equal(xend_opt_str(opts, "accel"), "auto");
	assert_false(xend_opt_bool(opts, "xend-domain-lock"));
	assert_int_equal(xend_opt_int(opts, "xend-domain-lock-host-id"), 0);
	assert_string_equal(xend_opt_str(opts, "xend-domain-lock-utility"),
	    "domain-lock");

	l = xend_opt_list(opts, "xen-api-server");
	assert_int_equal(xv_len(l), 1);
	assert_int_equal(xv_len(xv_at(l, 0)), 1);
	assert_string_equal(xv_string(xv_at(xv_at(l, 0), 0)), "unix");
	l = xend_opt_list(opts, "pscsi-device-mask");
	assert_int_equal(xv_len(l), 1);
	assert_string_equal(xv_string(xv_at(l, 0)), "*");

	/* Every default with a value converts: none fell back to unset. */
	for (i = 0; i < xend_opt_count(); i++) {
		const struct xend_opt_def *def = xend_opt_def_at(i);

		assert_int_equal(xend_opt_is_set(opts, def->name),
		    def->def != NULL || def->dyn_def != NULL);
		assert_int_equal(xend_opt_line(opts, def->name), 0);
	}
	xend_options_free(opts);
}

static void
test_getters(void **state)
{
	struct xend_options *opts = load_ok(
	    "(xend-relocation-server yes)\n"
	    "(xend-relocation-port 8010)\n"
	    "(network-script 'network-bridge netdev=eth1')\n"
	    "(pscsi-device-mask ('2:0:0:0' '3:0'))\n");

	assert_true(xend_opt_bool(opts, "xend-relocation-server"));
	assert_int_equal(xend_opt_line(opts, "xend-relocation-server"), 1);
	assert_int_equal(xend_opt_int(opts, "xend-relocation-port"), 8010);
	assert_string_equal(xend_opt_str(opts, "network-script"),
	    "network-bridge netdev=eth1");
	assert_int_equal(xend_opt_line(opts, "network-script"), 3);
	assert_int_equal(xv_len(xend_opt_list(opts, "pscsi-device-mask")), 2);

	/* The wrong getter or an unknown name gives nothing. */
	assert_false(xend_opt_bool(opts, "xend-relocation-port"));
	assert_int_equal(xend_opt_int(opts, "xend-relocation-server"), 0);
	assert_null(xend_opt_str(opts, "xend-relocation-port"));
	assert_null(xend_opt_str(opts, "no-such-option"));
	assert_null(xend_opt_list(opts, "network-script"));
	assert_false(xend_opt_is_set(opts, "no-such-option"));
	assert_int_equal(xend_opt_line(opts, "no-such-option"), 0);
	xend_options_free(opts);
}

static void
test_bool_forms(void **state)
{
	static const char *const yes[] = {
		"yes", "y", "1", "on", "true", "t", "YES", "Y", "On", "TRUE", "T",
	};
	static const char *const no[] = {
		"no", "n", "0", "off", "false", "f", "NO", "N", "Off", "False", "F",
	};
	struct xend_options *opts;
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(buf, sizeof(buf), "(enable-dump '%s')", yes[i]);
		opts = load_ok(buf);
		assert_true(xend_opt_bool(opts, "enable-dump"));
		xend_options_free(opts);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(buf, sizeof(buf), "(xend-unix-xmlrpc-server %s)", no[i]);
		opts = load_ok(buf);
		assert_false(xend_opt_bool(opts, "xend-unix-xmlrpc-server"));
		xend_options_free(opts);
	}
	expect_error("(enable-dump yess)",
	    "t.sxp:1: invalid xend config enable-dump: expected bool: yess\n");
	expect_error("(enable-dump 2)",
	    "t.sxp:1: invalid xend config enable-dump: expected bool: 2\n");
	expect_error("(enable-dump '')",
	    "t.sxp:1: invalid xend config enable-dump: expected bool: \n");
}

static void
test_ints(void **state)
{
	struct xend_options *opts = load_ok("(dom0-min-mem 0512)(dom0-cpus +2)");

	assert_int_equal(xend_opt_int(opts, "dom0-min-mem"), 512);
	assert_int_equal(xend_opt_int(opts, "dom0-cpus"), 2);
	xend_options_free(opts);
	expect_error("(dom0-min-mem 0x100)",
	    "t.sxp:1: invalid xend config dom0-min-mem: expected int: 0x100\n");
	expect_error("(dom0-min-mem 1e3)",
	    "t.sxp:1: invalid xend config dom0-min-mem: expected int: 1e3\n");
	expect_error("(dom0-min-mem 99999999999999999999)",
	    "t.sxp:1: invalid xend config dom0-min-mem: expected int:"
	    " 99999999999999999999\n");
}

/* enable-dom0-ballooning defaults to yes exactly when dom0-min-mem != 0. */
static void
test_ballooning_default(void **state)
{
	struct xend_options *opts;

	opts = load_ok("(dom0-min-mem 196)");
	assert_true(xend_opt_bool(opts, "enable-dom0-ballooning"));
	xend_options_free(opts);
	opts = load_ok("(dom0-min-mem 0)");
	assert_false(xend_opt_bool(opts, "enable-dom0-ballooning"));
	xend_options_free(opts);
	opts = load_ok("(enable-dom0-ballooning no)(dom0-min-mem 196)");
	assert_false(xend_opt_bool(opts, "enable-dom0-ballooning"));
	xend_options_free(opts);
	opts = load_ok("(enable-dom0-ballooning)(dom0-min-mem 5)");
	assert_true(xend_opt_bool(opts, "enable-dom0-ballooning"));
	xend_options_free(opts);
}

static void
test_first_wins(void **state)
{
	struct xend_options *opts;
	char *msgs;

	opts = load_ok_root("(dom0-min-mem 512)\n"
	    "(vif-script vif-route)\n"
	    "(dom0-min-mem 64)\n"
	    "(vif-script vif-nat)\n", NULL, &msgs);
	assert_int_equal(xend_opt_int(opts, "dom0-min-mem"), 512);
	assert_int_equal(xend_opt_line(opts, "dom0-min-mem"), 1);
	assert_string_equal(xend_opt_str(opts, "vif-script"), "vif-route");
	assert_string_equal(msgs,
	    "t.sxp:3: warning: duplicate option dom0-min-mem ignored; the one"
	    " on line 1 is used\n"
	    "t.sxp:4: warning: duplicate option vif-script ignored; the one on"
	    " line 2 is used\n");
	free(msgs);
	xend_options_free(opts);

	/* (name) counts as the first form, giving the default. */
	opts = load_ok_root("(dom0-cpus)\n(dom0-cpus 4)\n", NULL, &msgs);
	assert_int_equal(xend_opt_int(opts, "dom0-cpus"), 0);
	assert_string_equal(msgs, "t.sxp:2: warning: duplicate option dom0-cpus"
	    " ignored; the one on line 1 is used\n");
	free(msgs);
	xend_options_free(opts);
}

static void
test_root(void **state)
{
	struct xend_options *opts;
	char *p;

	opts = load_ok_root("(xend-state-path /srv/state)\n"
	    "(vnc-listen 0.0.0.0)\n", "/tmp/r/", NULL);
	assert_string_equal(xend_opts_root(opts), "/tmp/r");
	assert_string_equal(xend_opt_str(opts, "logfile"),
	    "/tmp/r" XEN_LOCALSTATEDIR "/log/xen/xend.log");
	assert_string_equal(xend_opt_str(opts, "xend-unix-path"),
	    "/tmp/r" XEN_LOCALSTATEDIR "/lib/xend/xend-socket");
	assert_string_equal(xend_opt_str(opts, "xend-domains-path"),
	    "/tmp/r" XEN_LOCALSTATEDIR "/lib/xend/domains");
	assert_string_equal(xend_opt_str(opts, "xend-security-path"),
	    "/tmp/r" XEN_LOCALSTATEDIR "/lib/xend/security");
	assert_string_equal(xend_opt_str(opts, "vnc-x509-cert-dir"),
	    "/tmp/r" XEN_SYSCONFDIR "/xen/vnc");
	assert_string_equal(xend_opt_str(opts, "xend-domain-lock-path"),
	    "/tmp/r" XEN_LOCALSTATEDIR "/lib/xen/images/vm_locks");
	/* A path the file gives is the file's business. */
	assert_string_equal(xend_opt_str(opts, "xend-state-path"), "/srv/state");
	/* Not paths, or empty ones: untouched. */
	assert_string_equal(xend_opt_str(opts, "external-migration-tool"), "");
	assert_string_equal(xend_opt_str(opts, "vif-script"), "vif-bridge");
	assert_string_equal(xend_opt_str(opts, "vnc-listen"), "0.0.0.0");
	p = xend_opts_rooted(opts, XEND_RUN_DIR);
	assert_string_equal(p, "/tmp/r" XEN_RUNSTATEDIR "/xend");
	free(p);
	xend_options_free(opts);

	opts = load_ok_root("", "", NULL);
	assert_string_equal(xend_opts_root(opts), "");
	assert_string_equal(xend_opt_str(opts, "logfile"),
	    XEN_LOCALSTATEDIR "/log/xen/xend.log");
	xend_options_free(opts);
}

static void
test_config_path(void **state)
{
	char *p;

	unsetenv(XEND_CONFIG_ENV);
	p = xend_options_path(NULL, NULL);
	assert_string_equal(p, XEN_SYSCONFDIR "/xen/xend-config.sxp");
	free(p);
	p = xend_options_path(NULL, "/tmp/r");
	assert_string_equal(p, "/tmp/r" XEN_SYSCONFDIR "/xen/xend-config.sxp");
	free(p);
	setenv(XEND_CONFIG_ENV, "/x/y.sxp", 1);
	p = xend_options_path(NULL, "/tmp/r");
	assert_string_equal(p, "/x/y.sxp");
	free(p);
	p = xend_options_path("z.sxp", "/tmp/r");
	assert_string_equal(p, "z.sxp");
	free(p);
	setenv(XEND_CONFIG_ENV, "", 1);
	p = xend_options_path(NULL, NULL);
	assert_string_equal(p, XEN_SYSCONFDIR "/xen/xend-config.sxp");
	free(p);
	unsetenv(XEND_CONFIG_ENV);
}

/* Loading from disk: a missing file, an unreadable one, a real one. */
static void
test_load_files(void **state)
{
	struct xend_options *opts = NULL;
	struct xend_diags d;
	char dir[] = "/tmp/test-xend-options-XXXXXX", path[128], *msgs;
	FILE *fp;
	int rc;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/none.sxp", dir);
	xend_diags_init(&d);
	rc = xend_options_load(&opts, path, NULL, &d);
	assert_int_equal(rc, XU_OK);
	assert_non_null(opts);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.items[0].level, XEND_DIAG_NOTE);
	msgs = xend_diag_format(&d, 0);
	assert_string_equal(msgs + strlen(dir), "/none.sxp: note: config file"
	    " does not exist; every option takes its default");
	free(msgs);
	assert_int_equal(xend_opt_int(opts, "xend-relocation-port"), 8002);
	xend_options_free(opts);
	xend_diags_dispose(&d);

	/* A directory cannot be read. */
	xend_diags_init(&d);
	rc = xend_options_load(&opts, dir, NULL, &d);
	assert_int_equal(rc, XU_ERR_IO);
	assert_null(opts);
	msgs = diag_text(&d);
	assert_string_equal(msgs + strlen(dir), ": cannot read: Is a directory\n");
	free(msgs);
	xend_diags_dispose(&d);

	/* The file under a root, found through the default path. */
	/* every level: a build configured with a deep sysconfdir
	 * (make distcheck) has more than /etc */
	snprintf(path, sizeof(path), "%s" XEN_SYSCONFDIR "/xen", dir);
	for (char *p = path + strlen(dir) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
		*p = '/';
	}
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s" XEND_CONFIG_DEFAULT, dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("(dom0-min-mem 300)\n", fp);
	fclose(fp);
	unsetenv(XEND_CONFIG_ENV);
	xend_diags_init(&d);
	rc = xend_options_load(&opts, NULL, dir, &d);
	assert_int_equal(rc, XU_OK);
	assert_int_equal(d.n, 0);
	assert_string_equal(d.file, path);
	assert_int_equal(xend_opt_int(opts, "dom0-min-mem"), 300);
	xend_options_free(opts);
	xend_diags_dispose(&d);

	unlink(path);
	snprintf(path, sizeof(path), "%s" XEN_SYSCONFDIR "/xen", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s" XEN_SYSCONFDIR, dir);
	rmdir(path);
	rmdir(dir);
}

/* Every message the reader has, word for word. */
static void
test_errors(void **state)
{
	char *got;

	expect_error("(xend-port 0)",
	    "t.sxp:1: invalid xend config xend-port: expected port 1-65535: 0\n");
	expect_error("(xend-relocation-ssl-port 65536)",
	    "t.sxp:1: invalid xend config xend-relocation-ssl-port: expected"
	    " port 1-65535: 65536\n");
	expect_error("(console-limit -1)",
	    "t.sxp:1: invalid xend config console-limit: expected int >= 0: -1\n");
	expect_error("(device-destroy-timeout 0)",
	    "t.sxp:1: invalid xend config device-destroy-timeout: expected"
	    " int >= 1: 0\n");
	expect_error("(xend-domain-lock-host-id 2001)",
	    "t.sxp:1: invalid xend config xend-domain-lock-host-id: expected a"
	    " host id 1-2000: 2001\n");
	expect_error("(loglevel chatty)",
	    "t.sxp:1: invalid xend config loglevel: expected one of DEBUG INFO"
	    " WARNING ERROR CRITICAL: chatty\n");
	expect_error("(accel xen)",
	    "t.sxp:1: invalid xend config accel: expected one of auto kvm tcg:"
	    " xen\n");
	expect_error("(accel (kvm))",
	    "t.sxp:1: invalid xend config accel: expected string: (kvm)\n");
	expect_error("(xsm_module_name selinux)",
	    "t.sxp:1: invalid xend config xsm_module_name: expected one of dummy"
	    " acm flask: selinux\n");
	expect_error("(vnc-listen (0 0 0 0))",
	    "t.sxp:1: invalid xend config vnc-listen: expected string:"
	    " (0 0 0 0)\n");
	expect_error("(keymap 'en\\x00us')",
	    "t.sxp:1: invalid xend config keymap: expected string: en\n");
	expect_error("(network-script 'network-bridge eth1')",
	    "t.sxp:1: invalid xend config network-script: expected 'SCRIPT"
	    " [VAR=VALUE ...]': network-bridge eth1\n");
	expect_error("(network-script 'network-bridge 1x=y')",
	    "t.sxp:1: invalid xend config network-script: expected 'SCRIPT"
	    " [VAR=VALUE ...]': network-bridge 1x=y\n");
	expect_error("(xend-relocation-hosts-allow '^a$ (b')",
	    "t.sxp:1: invalid xend config xend-relocation-hosts-allow: bad"
	    " regular expression '(b': Unmatched ( or \\(\n");
	expect_error("(pscsi-device-mask '*')",
	    "t.sxp:1: invalid xend config pscsi-device-mask: expected list: *\n");
	expect_error("(pscsi-device-mask ((a)))",
	    "t.sxp:1: invalid xend config pscsi-device-mask: expected a list of"
	    " strings: ((a))\n");
	expect_error("(xen-api-server unix)",
	    "t.sxp:1: invalid xend config xen-api-server: expected list: unix\n");
	expect_error("(xen-api-server (unix))",
	    "t.sxp:1: invalid xend config xen-api-server: entry 1: expected"
	    " (unix|PORT|ADDR:PORT [none|pam] ['REGEX ...'] [KEYFILE CERTFILE]):"
	    " unix\n");
	expect_error("(xen-api-server ((unix) (99999)))",
	    "t.sxp:1: invalid xend config xen-api-server: entry 2: expected"
	    " (unix|PORT|ADDR:PORT [none|pam] ['REGEX ...'] [KEYFILE CERTFILE]):"
	    " (99999)\n");
	expect_error("(xen-api-server ((:9363)))",
	    "t.sxp:1: invalid xend config xen-api-server: entry 1: expected"
	    " (unix|PORT|ADDR:PORT [none|pam] ['REGEX ...'] [KEYFILE CERTFILE]):"
	    " (:9363)\n");
	expect_error("(xen-api-server ((9363 kerberos)))",
	    "t.sxp:1: invalid xend config xen-api-server: entry 1: expected"
	    " (unix|PORT|ADDR:PORT [none|pam] ['REGEX ...'] [KEYFILE CERTFILE]):"
	    " (9363 kerberos)\n");
	expect_error("(xen-api-server ((9363 pam '' key)))",
	    "t.sxp:1: invalid xend config xen-api-server: entry 1: expected"
	    " (unix|PORT|ADDR:PORT [none|pam] ['REGEX ...'] [KEYFILE CERTFILE]):"
	    " (9363 pam '' key)\n");
	expect_error("(xen-api-server ((host:9363 none '+')))",
	    "t.sxp:1: invalid xend config xen-api-server: entry 1: bad regular"
	    " expression '+': Invalid preceding regular expression\n");

	/* An error on a value on its own line names that line. */
	expect_error("(xend-port\n  eighty)",
	    "t.sxp:2: invalid xend config xend-port: expected int: eighty\n");

	/* Every error, in file order, with the warnings among them. */
	expect_error("(xend-port x)\n(frob 1)\n(enable-dump maybe)\n(accel tgc)\n",
	    "t.sxp:1: invalid xend config xend-port: expected int: x\n"
	    "t.sxp:2: warning: unknown option frob ignored\n"
	    "t.sxp:3: invalid xend config enable-dump: expected bool: maybe\n"
	    "t.sxp:4: invalid xend config accel: expected one of auto kvm tcg:"
	    " tgc\n");

	/* Syntax errors stop the read. */
	got = load_fail("(dom0-cpus 0\n", XU_ERR_SYNTAX);
	assert_string_equal(got, "t.sxp:2: unexpected EOF in list started on"
	    " line 1\n");
	free(got);
	got = load_fail("(dom0-cpus 0))\n", XU_ERR_SYNTAX);
	assert_string_equal(got, "t.sxp:1: unbalanced ')'\n");
	free(got);
}

static void
test_warnings(void **state)
{
	expect_warning("(xend-relocaton-port 8003)",
	    "t.sxp:1: warning: unknown option xend-relocaton-port ignored;"
	    " did you mean xend-relocation-port?\n");
	expect_warning("(dom0_min_mem 5)",
	    "t.sxp:1: warning: unknown option dom0_min_mem ignored;"
	    " did you mean dom0-min-mem?\n");
	expect_warning("(total-available-memory 5)",
	    "t.sxp:1: warning: unknown option total-available-memory ignored;"
	    " did you mean total_available_memory?\n");
	expect_warning("(acel kvm)",
	    "t.sxp:1: warning: unknown option acel ignored;"
	    " did you mean accel?\n");
	expect_warning("(frobnicate yes)",
	    "t.sxp:1: warning: unknown option frobnicate ignored\n");
	expect_warning("junk\n(\"\")\n((a) b)\n()",
	    "t.sxp:1: warning: ignoring junk: not a (name value) form\n"
	    "t.sxp:2: warning: ignoring (''): not a (name value) form\n"
	    "t.sxp:3: warning: ignoring ((a) b): not a (name value) form\n"
	    "t.sxp:4: warning: ignoring (): not a (name value) form\n");
	expect_warning("(vif-script vif-bridge extra)",
	    "t.sxp:1: warning: vif-script: only the first value is used; quote"
	    " a value that has spaces\n");
}

/* A very long unknown name must not cost a quadratic table walk. */
static void
test_long_unknown_name(void **state)
{
	size_t n = 100000;
	char *s = xu_malloc(n + 8);
	struct xend_options *opts;
	char *msgs;

	s[0] = '(';
	memset(s + 1, 'a', n);
	memcpy(s + 1 + n, " 1)", 4);
	opts = load_ok_root(s, NULL, &msgs);
	assert_non_null(strstr(msgs, "ignored\n"));
	assert_null(strstr(msgs, "did you mean"));
	free(msgs);
	free(s);
	xend_options_free(opts);
}

/* The effective configuration reads back to itself. */
static void
test_round_trip(void **state)
{
	static const char *const inputs[] = {
		"",
		"(xend-relocation-server yes)"
		"(xend-relocation-hosts-allow '^localhost$ ^localhost\\\\.localdomain$')"
		"(network-script 'network-bridge netdev=eth1')"
		"(vncpasswd \"it's\")(keymap '')(dom0-min-mem 196)"
		"(xen-api-server ((9363 pam '^a$ b\\\\.c$') (unix none)))"
		"(pscsi-device-mask ('2:0:0:0' '3:0'))(loglevel info)(accel KVM)",
	};
	struct xend_options *a, *b;
	struct xv *sa, *sb;
	struct xu_buf buf;
	char *line;
	size_t i, k;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		a = load_ok(inputs[i]);
		sa = xend_options_to_sxp(a);
		assert_int_equal(xv_len(sa), xend_opt_count());
		xu_buf_init(&buf);
		for (k = 0; k < xv_len(sa); k++) {
			line = sxp_to_string(xv_at(sa, k));
			xu_buf_printf(&buf, "%s\n", line);
			free(line);
		}
		b = load_ok(buf.data);
		sb = xend_options_to_sxp(b);
		assert_true(xv_equal(sa, sb));
		xu_buf_dispose(&buf);
		xv_free(sa);
		xv_free(sb);
		xend_options_free(a);
		xend_options_free(b);
	}
}

static char *
text_of(const struct xend_options *opts, const char *name)
{
	size_t i;

	for (i = 0; i < xend_opt_count(); i++)
		if (strcmp(xend_opt_def_at(i)->name, name) == 0)
			return xend_opt_text(opts, i);
	fail_msg("no option %s", name);
	return NULL;
}

/* xm info -c prints values the way classic xm printed Python values. */
static void
test_classic_text(void **state)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "xend-relocation-server", "True" },
		{ "enable-dump", "False" },
		{ "xend-relocation-port", "8002" },
		{ "dom0-min-mem", "196" },
		{ "keymap", "(none)" },
		{ "xend-address", "127.0.0.1" },
		{ "vncpasswd", "it's" },
		{ "loglevel", "INFO" },
		{ "xen-api-server", "[['9363', 'pam', '^a$ b\\\\.c$'], ['unix']]" },
		{ "pscsi-device-mask", "[\"it's\", 'a\\tb', '\\xe9']" },
	};
	struct xend_options *opts = load_ok(
	    "(xend-relocation-server yes)(dom0-min-mem 196)(vncpasswd \"it's\")"
	    "(loglevel Info)"
	    "(xen-api-server ((9363 pam '^a$ b\\\\.c$') (unix)))"
	    "(pscsi-device-mask (\"it's\" 'a\\tb' '\\xe9'))");
	char *got;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = text_of(opts, cases[i].name);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
	assert_null(xend_opt_text(opts, xend_opt_count()));
	xend_options_free(opts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_bool_forms),
		cmocka_unit_test(test_ints),
		cmocka_unit_test(test_ballooning_default),
		cmocka_unit_test(test_first_wins),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_config_path),
		cmocka_unit_test(test_load_files),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_long_unknown_name),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_classic_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
