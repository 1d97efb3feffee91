/* xend-options.c: the xend option table and the generic reader that turns
 * xend-config.sxp into typed values, collecting every problem by line. */
#include "xend-options.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sxp.h"

#define XEND_LIB_DIR	XEN_LOCALSTATEDIR "/lib/xend"

/* One option's effective value. */
struct xend_value {
	bool set;		/* false: no value (classic None) */
	int line;		/* form that gave it; 0 for a default */
	bool b;
	int64_t i;
	char *s;		/* STRING, PATH, LOGLEVEL, ENUM */
	struct xv *list;	/* LIST */
};

struct xend_options {
	char *root;		/* "" for none, never with a trailing '/' */
	struct xend_value *v;	/* one per table row */
};

/* Checks on top of the type; each returns what went wrong (the text after
 * "invalid xend config NAME: ") or NULL. */

static char *
check_port(const struct xv *raw, int64_t i, const char *s)
{
	if (i < 1 || i > 65535)
		return xu_asprintf("expected port 1-65535: %" PRId64, i);
	return NULL;
}

static char *
check_nonneg(const struct xv *raw, int64_t i, const char *s)
{
	if (i < 0)
		return xu_asprintf("expected int >= 0: %" PRId64, i);
	return NULL;
}

/* sanlock's host ids (xc-lease.h's XC_LEASE_MAX_HOSTS); 0: not set */
static char *
check_host_id(const struct xv *raw, int64_t i, const char *s)
{
	if (i < 0 || i > 2000)
		return xu_asprintf("expected a host id 1-2000: %" PRId64, i);
	return NULL;
}

/* QEMU's uids: base + domid mod 65536, clear of the system's and the
 * users' ids, inside a signed 32-bit id; 0: QEMU runs as root */
static char *
check_uid_base(const struct xv *raw, int64_t i, const char *s)
{
	if (i != 0 && (i < 65536 || i > INT32_MAX - 65536))
		return xu_asprintf("expected 0 or a uid from 65536 to %d: %" PRId64,
		    INT32_MAX - 65536, i);
	return NULL;
}

static char *
check_positive(const struct xv *raw, int64_t i, const char *s)
{
	if (i < 1)
		return xu_asprintf("expected int >= 1: %" PRId64, i);
	return NULL;
}

/* Compiles each space-separated regular expression of s; reports the
 * first that does not compile. */
static char *
check_regexes(const char *s, const char *what)
{
	const char *p = s;
	char *re, *msg = NULL;
	char errbuf[128];
	regex_t rx;
	size_t n;
	int r;

	while (*p != '\0') {
		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n == 0)
			break;
		re = xu_strndup(p, n);
		r = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
		if (r != 0) {
			regerror(r, &rx, errbuf, sizeof(errbuf));
			msg = xu_asprintf("%sbad regular expression '%s': %s",
			    what, re, errbuf);
			free(re);
			return msg;
		}
		regfree(&rx);
		free(re);
		p += n;
	}
	return NULL;
}

static char *
check_hosts_allow(const struct xv *raw, int64_t i, const char *s)
{
	return check_regexes(s, "");
}

static bool
is_shell_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* 'SCRIPT [VAR=VALUE ...]': xend runs SCRIPT start VAR=VALUE... once.
 * An empty string means no script. */
static char *
check_script_args(const struct xv *raw, int64_t i, const char *s)
{
	const char *p = s, *eq;
	size_t n;
	bool first = true;

	while (*p != '\0') {
		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n == 0)
			break;
		eq = memchr(p, '=', n);
		if (!first && (eq == NULL || !is_shell_name(p, (size_t)(eq - p))))
			return xu_asprintf("expected 'SCRIPT [VAR=VALUE ...]': %s", s);
		first = false;
		p += n;
	}
	return NULL;
}

static bool
is_port(const char *s)
{
	int64_t v;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
		return false;
	return xu_parse_int64(s, &v) == XU_OK && v >= 1 && v <= 65535;
}

/* (unix|PORT|ADDR:PORT [none|pam] ['REGEX ...'] [KEYFILE CERTFILE]) */
static char *
check_api_entry(const struct xv *e, size_t idx)
{
	const char *where, *auth, *colon, *s;
	char *text, *msg = NULL, *what;
	size_t i, n = xv_len(e);

	if (!xv_is_list(e) || n < 1 || n > 5)
		goto bad;
	for (i = 0; i < n; i++)
		if (!xv_is_string(xv_at(e, i)))
			goto bad;
	where = xv_string(xv_at(e, 0));
	colon = strrchr(where, ':');
	if (strcmp(where, "unix") != 0 && !is_port(where) &&
	    (colon == NULL || colon == where || !is_port(colon + 1)))
		goto bad;
	auth = n > 1 ? xv_string(xv_at(e, 1)) : "";
	if (strcmp(auth, "") != 0 && strcmp(auth, "none") != 0 &&
	    strcmp(auth, "pam") != 0)
		goto bad;
	if (n == 4)
		goto bad;		/* a key file needs its certificate */
	if (n > 2) {
		s = xv_string(xv_at(e, 2));
		what = xu_asprintf("entry %zu: ", idx);
		msg = check_regexes(s, what);
		free(what);
	}
	return msg;
bad:
	text = sxp_to_string(e);
	msg = xu_asprintf("entry %zu: expected (unix|PORT|ADDR:PORT [none|pam]"
	    " ['REGEX ...'] [KEYFILE CERTFILE]): %s", idx, text);
	free(text);
	return msg;
}

static char *
check_api_server(const struct xv *raw, int64_t i, const char *s)
{
	size_t k;
	char *msg;

	for (k = 0; k < xv_len(raw); k++)
		if ((msg = check_api_entry(xv_at(raw, k), k + 1)) != NULL)
			return msg;
	return NULL;
}

static char *
check_string_list(const struct xv *raw, int64_t i, const char *s)
{
	char *text;
	char *msg;
	size_t k;

	for (k = 0; k < xv_len(raw); k++) {
		if (!xv_is_string(xv_at(raw, k))) {
			text = sxp_to_string(raw);
			msg = xu_asprintf("expected a list of strings: %s", text);
			free(text);
			return msg;
		}
	}
	return NULL;
}

/* Classic xend balloons dom0 by default only when it has a floor. */
static const char *
ballooning_default(const struct xend_options *opts)
{
	return xend_opt_int(opts, "dom0-min-mem") != 0 ? "yes" : "no";
}

static const char *const loglevels[] = {
	"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", NULL,
};
static const char *const xsm_modules[] = { "dummy", "acm", "flask", NULL };
static const char *const accels[] = { "auto", "kvm", "tcg", NULL };

#define B(n, d, h)		{ n, XEND_OPT_BOOL, d, NULL, NULL, NULL, h }
#define I(n, d, c, h)		{ n, XEND_OPT_INT, d, NULL, c, NULL, h }
#define S(n, d, c, h)		{ n, XEND_OPT_STRING, d, NULL, c, NULL, h }
#define P(n, d, h)		{ n, XEND_OPT_PATH, d, NULL, NULL, NULL, h }
#define L(n, d, c, h)		{ n, XEND_OPT_LIST, d, NULL, c, NULL, h }
#define E(n, t, d, ch, h)	{ n, t, d, ch, NULL, NULL, h }

/* Every option of classic xend (4.1, plus SUSE's domain lock) and ours.
 * Evaluated in this order, so a dynamic default may look at any option
 * above it. */
static const struct xend_opt_def opt_table[] = {
	P("logfile", XEN_LOCALSTATEDIR "/log/xen/xend.log",
	    "file xend logs to"),
	E("loglevel", XEND_OPT_LOGLEVEL, "DEBUG", loglevels,
	    "least severe level logged"),
	E("xsm_module_name", XEND_OPT_ENUM, "dummy", xsm_modules,
	    "Xen security module"),
	L("xen-api-server", "((unix))", check_api_server,
	    "Xen-API listeners"),
	B("xend-http-server", "no", "HTTP server (the web page, /metrics) on "
	    "xend-address:xend-port"),
	P("xend-http-password-file", NULL, "users and crypt(3) hashes of the "
	    "web page's logins; none: the page is read-only"),
	B("xend-unix-server", "no", "legacy SXP/HTTP server on xend-unix-path"),
	B("xend-tcp-xmlrpc-server", "no", "XML-RPC over TCP"),
	B("xend-unix-xmlrpc-server", "yes", "XML-RPC on the local socket xm uses"),
	B("xend-relocation-server", "no", "accept incoming migrations"),
	B("xend-relocation-ssl-server", "no", "accept incoming migrations over TLS"),
	B("xend-udev-event-server", "no", "listen for udev events"),
	P("xend-unix-path", XEND_LIB_DIR "/xend-socket",
	    "socket of the legacy unix server"),
	S("xend-tcp-xmlrpc-server-address", "localhost", NULL,
	    "address of the TCP XML-RPC server"),
	I("xend-tcp-xmlrpc-server-port", "8006", check_port,
	    "port of the TCP XML-RPC server"),
	P("xend-tcp-xmlrpc-server-ssl-key-file", NULL,
	    "TLS key of the TCP XML-RPC server"),
	P("xend-tcp-xmlrpc-server-ssl-cert-file", NULL,
	    "TLS certificate of the TCP XML-RPC server"),
	I("xend-port", "8000", check_port, "port of the HTTP server"),
	I("xend-relocation-port", "8002", check_port, "migration port"),
	I("xend-relocation-ssl-port", "8003", check_port, "TLS migration port"),
	P("xend-relocation-server-ssl-key-file", NULL,
	    "TLS key of the migration server"),
	P("xend-relocation-server-ssl-cert-file", NULL,
	    "TLS certificate of the migration server"),
	B("xend-relocation-ssl", "no", "migrate out over TLS by default"),
	P("xend-relocation-ssl-ca-file", XEN_SYSCONFDIR "/xen/xend-relocation-ca.pem",
	    "CA certificate that signs every relocation host's certificate"),
	S("xend-address", "127.0.0.1", NULL, "address of the HTTP server "
	    "(loopback only)"),
	S("xend-relocation-address", "", NULL,
	    "address or interface the migration server listens on"),
	S("xend-relocation-hosts-allow", "", check_hosts_allow,
	    "regular expressions of hosts allowed to migrate in"),
	I("console-limit", "1024", check_nonneg, "console buffer limit, KiB"),
	S("network-script", NULL, check_script_args,
	    "network script run when xend starts"),
	S("vif-script", "vif-bridge", NULL, "default vif hotplug script"),
	P("xend-scripts-path", XEN_SYSCONFDIR "/xen/scripts",
	    "directory of the hotplug and network scripts"),
	I("dom0-min-mem", "0", check_nonneg, "dom0 memory floor, MiB"),
	{ "enable-dom0-ballooning", XEND_OPT_BOOL, NULL, NULL, NULL,
	    ballooning_default, "balloon dom0 down to make room for guests" },
	I("total_available_memory", "0", check_nonneg,
	    "memory reserved for 32-bit PV guests, GiB"),
	I("dom0-cpus", "0", check_nonneg, "CPUs dom0 uses, 0 for all"),
	B("enable-dump", "no", "dump the core of a crashed domain"),
	P("external-migration-tool", "", "tool run to migrate vTPMs"),
	S("vnc-listen", "127.0.0.1", NULL, "default VNC listen address"),
	S("vncpasswd", NULL, NULL, "default VNC password"),
	B("vnc-tls", "no", "VNC over TLS"),
	P("vnc-x509-cert-dir", XEN_SYSCONFDIR "/xen/vnc",
	    "VNC TLS certificate directory"),
	B("vnc-x509-verify", "no", "require VNC client certificates"),
	S("keymap", NULL, NULL, "default guest keymap"),
	S("resource-label-change-script", NULL, check_script_args,
	    "script run when a resource label changes"),
	I("qemu-dm-logrotate-count", "10", check_nonneg,
	    "device model logs kept"),
	P("xend-domains-path", XEND_LIB_DIR "/domains",
	    "managed domain store"),
	P("xend-state-path", XEND_LIB_DIR "/state", "xend state store"),
	P("xend-storage-path", XEND_LIB_DIR "/storage", "storage repository"),
	P("xend-security-path", XEND_LIB_DIR "/security", "security state"),
	I("device-create-timeout", "100", check_positive,
	    "seconds to wait for a device to connect"),
	I("device-destroy-timeout", "100", check_positive,
	    "seconds to wait for a device to go"),
	B("pci-passthrough-strict-check", "yes",
	    "strict co-assignment checks for PCI passthrough"),
	L("pscsi-device-mask", "('*')", check_string_list,
	    "SCSI devices scanned for passthrough"),
	B("xend-domain-lock", "no", "lock domains against running twice"),
	P("xend-domain-lock-path", XEN_LOCALSTATEDIR "/lib/xen/images/vm_locks",
	    "domain lock directory"),
	I("xend-domain-lock-host-id", "0", check_host_id,
	    "this host's number in the domain lock space, 1-2000, unique"),
	S("xend-domain-lock-utility", "domain-lock", NULL,
	    "domain lock script"),
	S("xend-domain-lock-device", "", NULL, "block device for domain locks"),
	E("accel", XEND_OPT_ENUM, "auto", accels,
	    "guest CPU engine: KVM, TCG or measured"),
	I("event-log-size", "10000", check_positive,
	    "entries the event log keeps (xm events)"),
	I("qemu-user-range-base", "1879048192", check_uid_base,
	    "QEMU runs as uid and gid base + domid (65536 ids); 0: as root"),
};

#define NOPTS (sizeof(opt_table) / sizeof(opt_table[0]))

size_t
xend_opt_count(void)
{
	return NOPTS;
}

const struct xend_opt_def *
xend_opt_def_at(size_t i)
{
	return i < NOPTS ? &opt_table[i] : NULL;
}

static int
opt_index(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < NOPTS; i++)
		if (strcmp(opt_table[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct xend_opt_def *
xend_opt_def_find(const char *name)
{
	int i = opt_index(name);

	return i < 0 ? NULL : &opt_table[i];
}

/* Diagnostics. */

void
xend_diags_init(struct xend_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void
xend_diags_dispose(struct xend_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->items[i].msg);
	free(d->items);
	free(d->file);
	memset(d, 0, sizeof(*d));
}

static void __attribute__((format(printf, 4, 5)))
diag_add(struct xend_diags *d, enum xend_diag_level level, int line,
    const char *fmt, ...)
{
	struct xend_diag *x;
	va_list ap;

	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 8;
		d->items = xu_realloc(d->items, d->cap * sizeof(*d->items));
	}
	x = &d->items[d->n++];
	x->level = level;
	x->line = line;
	va_start(ap, fmt);
	x->msg = xu_vasprintf(fmt, ap);
	va_end(ap);
	if (level == XEND_DIAG_ERROR)
		d->nerrors++;
}

char *
xend_diag_format(const struct xend_diags *d, size_t i)
{
	const struct xend_diag *x = &d->items[i];
	const char *file = d->file ? d->file : "xend-config.sxp";
	const char *kind = "";
	char line[32] = "";

	if (x->level == XEND_DIAG_WARNING)
		kind = "warning: ";
	else if (x->level == XEND_DIAG_NOTE)
		kind = "note: ";
	if (x->line > 0)
		snprintf(line, sizeof(line), ":%d", x->line);
	return xu_asprintf("%s%s: %s%s", file, line, kind, x->msg);
}

/* The closest option name within two edits (optimal string alignment:
 * a swap of neighbours counts as one), for "did you mean". */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best;
	size_t *d, w = lb + 1;

	d = xu_calloc((la + 1) * w, sizeof(*d));
	for (i = 0; i <= la; i++)
		d[i * w] = i;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[(i - 1) * w + j] + 1;

			if (d[i * w + j - 1] + 1 < v)
				v = d[i * w + j - 1] + 1;
			if (d[(i - 1) * w + j - 1] + cost < v)
				v = d[(i - 1) * w + j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[(i - 2) * w + j - 2] + 1 < v)
				v = d[(i - 2) * w + j - 2] + 1;
			d[i * w + j] = v;
		}
	}
	best = d[la * w + lb];
	free(d);
	return best;
}

static const char *
suggest(const char *name)
{
	const char *best = NULL;
	size_t i, dist, bestd = 3, n = strlen(name), m;

	for (i = 0; i < NOPTS; i++) {
		/* The distance is at least the difference in length. */
		m = strlen(opt_table[i].name);
		if (n > m + 2 || m > n + 2)
			continue;
		dist = edit_distance(name, opt_table[i].name);
		if (dist < bestd) {
			bestd = dist;
			best = opt_table[i].name;
		}
	}
	return best;
}

/* Paths. */

static char *
root_join(const char *root, const char *abs)
{
	return xu_asprintf("%s%s", root ? root : "", abs);
}

static char *
root_clean(const char *root)
{
	size_t n;

	if (root == NULL)
		return xu_strdup("");
	n = strlen(root);
	while (n > 0 && root[n - 1] == '/')
		n--;
	return xu_strndup(root, n);
}

char *
xend_options_path(const char *path, const char *root)
{
	const char *env = getenv(XEND_CONFIG_ENV);
	char *r, *p;

	if (path != NULL && *path != '\0')
		return xu_strdup(path);
	if (env != NULL && *env != '\0')
		return xu_strdup(env);
	r = root_clean(root);
	p = root_join(r, XEND_CONFIG_DEFAULT);
	free(r);
	return p;
}

/* Conversion of one value. */

/* The value as a user would recognise it in a message. */
static char *
value_text(const struct xv *v)
{
	if (xv_is_string(v))
		return xu_strdup(xv_string(v));
	return sxp_to_string(v);
}

static bool
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "y", "1", "on", "true", "t" };
	static const char *const no[] = { "no", "n", "0", "off", "false", "f" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static const char *
find_choice(const char *const *choices, const char *s)
{
	for (; *choices != NULL; choices++)
		if (strcasecmp(*choices, s) == 0)
			return *choices;
	return NULL;
}

static char *
choices_text(const char *const *choices)
{
	struct xu_buf b;

	xu_buf_init(&b);
	for (; *choices != NULL; choices++)
		xu_buf_printf(&b, "%s%s", b.len ? " " : "", *choices);
	return xu_buf_steal(&b);
}

/* Fills v from raw according to def, or returns what was wrong. */
static char *
convert(const struct xend_opt_def *def, const struct xv *raw,
    struct xend_value *v)
{
	const char *s = xv_string(raw), *c;
	char *text, *msg = NULL, *list;
	int rc;

	if (def->type == XEND_OPT_LIST) {
		if (!xv_is_list(raw))
			goto expected;
		v->list = xv_copy(raw);
	} else {
		if (s == NULL || strlen(s) != raw->u.str.len)
			goto expected;
	}
	switch (def->type) {
	case XEND_OPT_BOOL:
		if (!parse_bool(s, &v->b))
			goto expected;
		break;
	case XEND_OPT_INT:
		rc = xu_parse_int64(s, &v->i);
		if (rc != XU_OK)
			goto expected;
		break;
	case XEND_OPT_LOGLEVEL:
	case XEND_OPT_ENUM:
		if ((c = find_choice(def->choices, s)) == NULL)
			goto expected;
		v->s = xu_strdup(c);
		break;
	case XEND_OPT_STRING:
	case XEND_OPT_PATH:
		v->s = xu_strdup(s);
		break;
	case XEND_OPT_LIST:
		break;
	}
	v->set = true;
	if (def->check != NULL)
		msg = def->check(raw, v->i, s);
	return msg;
expected:
	text = value_text(raw);
	switch (def->type) {
	case XEND_OPT_BOOL:
		msg = xu_asprintf("expected bool: %s", text);
		break;
	case XEND_OPT_INT:
		msg = xu_asprintf("expected int: %s", text);
		break;
	case XEND_OPT_LIST:
		msg = xu_asprintf("expected list: %s", text);
		break;
	case XEND_OPT_LOGLEVEL:
	case XEND_OPT_ENUM:
		if (s != NULL) {
			list = choices_text(def->choices);
			msg = xu_asprintf("expected one of %s: %s", list, text);
			free(list);
			break;
		}
		/* FALLTHROUGH */
	default:
		msg = xu_asprintf("expected string: %s", text);
		break;
	}
	free(text);
	return msg;
}

static void
value_clear(struct xend_value *v)
{
	free(v->s);
	xv_free(v->list);
	memset(v, 0, sizeof(*v));
}

/* The code default of option i, rooted when it is a path. */
static void
set_default(struct xend_options *opts, size_t i)
{
	const struct xend_opt_def *def = &opt_table[i];
	struct xend_value *v = &opts->v[i];
	const char *text = def->dyn_def ? def->dyn_def(opts) : def->def;
	struct xv *raw = NULL;
	struct xu_err err;
	char *msg, *path = NULL;

	value_clear(v);
	if (text == NULL)
		return;
	if (def->type == XEND_OPT_PATH && text[0] == '/')
		text = path = root_join(opts->root, text);
	if (def->type == XEND_OPT_LIST) {
		if (sxp_parse_one(text, strlen(text), &raw, &err) != XU_OK)
			goto out;	/* the unit tests load every default */
	} else
		raw = xv_str(text);
	msg = convert(def, raw, v);
	free(msg);
out:
	xv_free(raw);
	free(path);
}

/* Reading the file. */

/* Sorts the top-level forms: forms[i] for option i (first one wins),
 * warnings for the rest. */
static void
index_forms(const struct xv *forms, const struct xv **first,
    struct xend_diags *d)
{
	const struct xv *f;
	const char *name, *near;
	char *text;
	size_t k;
	int i;

	for (k = 0; k < xv_len(forms); k++) {
		f = xv_at(forms, k);
		name = xv_name(f);
		if (!xv_is_list(f) || name == NULL || *name == '\0') {
			text = sxp_to_string(f);
			diag_add(d, XEND_DIAG_WARNING, f->line,
			    "ignoring %s: not a (name value) form", text);
			free(text);
			continue;
		}
		i = opt_index(name);
		if (i < 0) {
			near = suggest(name);
			if (near != NULL)
				diag_add(d, XEND_DIAG_WARNING, f->line,
				    "unknown option %s ignored; did you mean %s?",
				    name, near);
			else
				diag_add(d, XEND_DIAG_WARNING, f->line,
				    "unknown option %s ignored", name);
			continue;
		}
		if (first[i] != NULL) {
			diag_add(d, XEND_DIAG_WARNING, f->line,
			    "duplicate option %s ignored; the one on line %d"
			    " is used", name, first[i]->line);
			continue;
		}
		first[i] = f;
	}
}

/* Takes option i from its form, or its default. */
static void
take_value(struct xend_options *opts, size_t i, const struct xv *form,
    struct xend_diags *d)
{
	const struct xend_opt_def *def = &opt_table[i];
	const struct xv *raw = xv_at(form, 1);
	int line;
	char *msg;

	if (raw == NULL) {
		/* (name) reads as "not given", as classic child_value did. */
		set_default(opts, i);
		return;
	}
	if (xv_len(form) > 2)
		diag_add(d, XEND_DIAG_WARNING, form->line,
		    "%s: only the first value is used; quote a value that"
		    " has spaces", def->name);
	value_clear(&opts->v[i]);
	msg = convert(def, raw, &opts->v[i]);
	opts->v[i].line = form->line;
	if (msg != NULL) {
		line = raw->line > 0 ? raw->line : form->line;
		diag_add(d, XEND_DIAG_ERROR, line, "invalid xend config %s: %s",
		    def->name, msg);
		free(msg);
		/* Later options may depend on this one; give them the default. */
		set_default(opts, i);
	}
}

static struct xend_options *
options_new(const char *root)
{
	struct xend_options *opts = xu_calloc(1, sizeof(*opts));

	opts->root = root_clean(root);
	opts->v = xu_calloc(NOPTS, sizeof(*opts->v));
	return opts;
}

void
xend_options_free(struct xend_options *opts)
{
	size_t i;

	if (opts == NULL)
		return;
	for (i = 0; i < NOPTS; i++)
		value_clear(&opts->v[i]);
	free(opts->v);
	free(opts->root);
	free(opts);
}

static void
set_file(struct xend_diags *d, const char *file)
{
	free(d->file);
	d->file = xu_strdup(file ? file : "xend-config.sxp");
}

struct seq_diag {
	struct xend_diag d;
	size_t seq;
};

static int
cmp_seq_diag(const void *a, const void *b)
{
	const struct seq_diag *x = a, *y = b;

	if (x->d.line != y->d.line)
		return x->d.line < y->d.line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Values are checked in table order, but a reader fixes a file top to
 * bottom: a stable sort by line of the diagnostics from start on. */
static void
sort_diags(struct xend_diags *d, size_t start)
{
	size_t i, n = d->n - start;
	struct seq_diag *t;

	if (n < 2)
		return;
	t = xu_calloc(n, sizeof(*t));
	for (i = 0; i < n; i++) {
		t[i].d = d->items[start + i];
		t[i].seq = i;
	}
	qsort(t, n, sizeof(*t), cmp_seq_diag);
	for (i = 0; i < n; i++)
		d->items[start + i] = t[i].d;
	free(t);
}

/* Fills opts from the forms (NULL: no file), in table order. */
static int
apply_forms(struct xend_options *opts, const struct xv *forms,
    struct xend_diags *d)
{
	const struct xv **first = xu_calloc(NOPTS, sizeof(*first));
	size_t before = d->nerrors, start = d->n, i;

	if (forms != NULL)
		index_forms(forms, first, d);
	for (i = 0; i < NOPTS; i++) {
		if (first[i] != NULL)
			take_value(opts, i, first[i], d);
		else
			set_default(opts, i);
	}
	sort_diags(d, start);
	free(first);
	return d->nerrors > before ? XU_ERR_INVALID : XU_OK;
}

int
xend_options_parse(struct xend_options **out, const char *buf, size_t len,
    const char *file, const char *root, struct xend_diags *d)
{
	struct xend_options *opts = NULL;
	struct xv *forms = NULL;
	struct xu_err err;
	int rc;

	*out = NULL;
	set_file(d, file);
	memset(&err, 0, sizeof(err));
	rc = sxp_parse(buf, len, &forms, &err);
	if (rc != XU_OK) {
		diag_add(d, XEND_DIAG_ERROR, err.line, "%s", err.msg[0] ?
		    err.msg : xu_strerror(rc));
		goto out;
	}
	opts = options_new(root);
	rc = apply_forms(opts, forms, d);
	if (rc != XU_OK)
		goto out;
	*out = opts;
	opts = NULL;
out:
	xend_options_free(opts);
	xv_free(forms);
	return rc;
}

int
xend_options_load(struct xend_options **out, const char *path,
    const char *root, struct xend_diags *d)
{
	char *file = xend_options_path(path, root), *buf = NULL;
	size_t len;
	int rc;

	*out = NULL;
	set_file(d, file);
	rc = xu_read_file(file, SXP_MAX_INPUT, &buf, &len);
	if (rc == XU_ERR_NOT_FOUND) {
		diag_add(d, XEND_DIAG_NOTE, 0,
		    "config file does not exist; every option takes its default");
		*out = options_new(root);
		rc = apply_forms(*out, NULL, d);
		goto out;
	}
	if (rc == XU_ERR_TOO_BIG) {
		diag_add(d, XEND_DIAG_ERROR, 0, "file is larger than %u bytes",
		    SXP_MAX_INPUT);
		goto out;
	}
	if (rc != XU_OK) {
		diag_add(d, XEND_DIAG_ERROR, 0, "cannot read: %s",
		    strerror(errno));
		goto out;
	}
	rc = xend_options_parse(out, buf, len, file, root, d);
out:
	free(buf);
	free(file);
	return rc;
}

/* Getters. */

static const struct xend_value *
value_of(const struct xend_options *opts, const char *name,
    enum xend_opt_type want)
{
	int i = opt_index(name);
	enum xend_opt_type t;

	if (opts == NULL || i < 0)
		return NULL;
	t = opt_table[i].type;
	if (want == XEND_OPT_STRING) {
		if (t == XEND_OPT_BOOL || t == XEND_OPT_INT || t == XEND_OPT_LIST)
			return NULL;
	} else if (t != want)
		return NULL;
	return opts->v[i].set ? &opts->v[i] : NULL;
}

bool
xend_opt_bool(const struct xend_options *opts, const char *name)
{
	const struct xend_value *v = value_of(opts, name, XEND_OPT_BOOL);

	return v ? v->b : false;
}

int64_t
xend_opt_int(const struct xend_options *opts, const char *name)
{
	const struct xend_value *v = value_of(opts, name, XEND_OPT_INT);

	return v ? v->i : 0;
}

const char *
xend_opt_str(const struct xend_options *opts, const char *name)
{
	const struct xend_value *v = value_of(opts, name, XEND_OPT_STRING);

	return v ? v->s : NULL;
}

const struct xv *
xend_opt_list(const struct xend_options *opts, const char *name)
{
	const struct xend_value *v = value_of(opts, name, XEND_OPT_LIST);

	return v ? v->list : NULL;
}

bool
xend_opt_is_set(const struct xend_options *opts, const char *name)
{
	int i = opt_index(name);

	return opts != NULL && i >= 0 && opts->v[i].set;
}

int
xend_opt_line(const struct xend_options *opts, const char *name)
{
	int i = opt_index(name);

	return opts != NULL && i >= 0 ? opts->v[i].line : 0;
}

const char *
xend_opts_root(const struct xend_options *opts)
{
	return opts->root;
}

char *
xend_opts_rooted(const struct xend_options *opts, const char *abs)
{
	return root_join(opts->root, abs);
}

/* Printing. */

static struct xv *
value_to_xv(const struct xend_opt_def *def, const struct xend_value *v)
{
	switch (def->type) {
	case XEND_OPT_BOOL:
		return xv_str(v->b ? "yes" : "no");
	case XEND_OPT_INT:
		return xv_int(v->i);
	case XEND_OPT_LIST:
		return xv_copy(v->list);
	default:
		return xv_str(v->s);
	}
}

struct xv *
xend_options_to_sxp(const struct xend_options *opts)
{
	struct xv *all = xv_list(), *form;
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		form = xv_append(xv_list(), xv_str(opt_table[i].name));
		if (opts->v[i].set)
			xv_append(form, value_to_xv(&opt_table[i], &opts->v[i]));
		xv_append(all, form);
	}
	return all;
}

/* Python 2 repr() of a str: single quotes unless the text has a single
 * quote and no double quote. */
static void
py_repr_str(struct xu_buf *b, const char *s, size_t len)
{
	char q = memchr(s, '\'', len) && !memchr(s, '"', len) ? '"' : '\'';
	size_t i;

	xu_buf_addc(b, q);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == (unsigned char)q || c == '\\')
			xu_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			xu_buf_adds(b, "\\n");
		else if (c == '\t')
			xu_buf_adds(b, "\\t");
		else if (c == '\r')
			xu_buf_adds(b, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			xu_buf_printf(b, "\\x%02x", c);
		else
			xu_buf_addc(b, (char)c);
	}
	xu_buf_addc(b, q);
}

static void
py_repr(struct xu_buf *b, const struct xv *v)
{
	size_t i;

	if (xv_is_list(v)) {
		xu_buf_addc(b, '[');
		for (i = 0; i < xv_len(v); i++) {
			if (i > 0)
				xu_buf_adds(b, ", ");
			py_repr(b, xv_at(v, i));
		}
		xu_buf_addc(b, ']');
	} else if (xv_is_string(v))
		py_repr_str(b, v->u.str.s, v->u.str.len);
	else if (v != NULL && v->type == XV_INT)
		xu_buf_printf(b, "%" PRId64, v->u.i);
	else
		xu_buf_adds(b, "None");
}

char *
xend_opt_text(const struct xend_options *opts, size_t i)
{
	const struct xend_value *v;
	struct xu_buf b;

	if (i >= NOPTS)
		return NULL;
	v = &opts->v[i];
	if (!v->set)
		return xu_strdup("(none)");
	switch (opt_table[i].type) {
	case XEND_OPT_BOOL:
		return xu_strdup(v->b ? "True" : "False");
	case XEND_OPT_INT:
		return xu_asprintf("%" PRId64, v->i);
	case XEND_OPT_LIST:
		xu_buf_init(&b);
		py_repr(&b, v->list);
		return xu_buf_steal(&b);
	default:
		return xu_strdup(v->s);
	}
}
