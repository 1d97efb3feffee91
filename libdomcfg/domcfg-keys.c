/* domcfg-keys.c: the table of domain config keys (reference section 4.3)
 * with their types, defaults and validators, and the conversion of file
 * and command-line values into each key's type. */
#include "domcfg.h"
#include "devspec.h"
#include "cpumap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_event(const struct domcfg_key *, const struct xv *, struct xu_err *);
static int check_name(const struct domcfg_key *, const struct xv *, struct xu_err *);
static int check_uuid(const struct domcfg_key *, const struct xv *, struct xu_err *);
static int check_boot(const struct domcfg_key *, const struct xv *, struct xu_err *);
static int check_cpus(const struct domcfg_key *, const struct xv *, struct xu_err *);
static int check_abspath(const struct domcfg_key *, const struct xv *, struct xu_err *);
static int check_cpuid(const struct domcfg_key *, const struct xv *, struct xu_err *);

static const char *const events[] = { "destroy", "restart", "preserve",
    "rename-restart", "coredump-destroy", "coredump-restart", NULL };
static const char *const restarts[] = { "onreboot", "always", "never", NULL };
static const char *const xend_start[] = { "ignore", "start", NULL };
static const char *const xend_stop[] = { "ignore", "shutdown", "suspend", NULL };
static const char *const builders[] = { "linux", "hvm", "vmx", NULL };
static const char *const dhcps[] = { "off", "dhcp", NULL };
static const char *const bioses[] = { "seabios", "rombios", "ovmf", NULL };

#define KEY(n, t, d, f, ...) \
	{ .name = (n), .type = (t), .def = (d), .flags = (f), __VA_ARGS__ }
#define MIB	.unit = "MiB"
#define RANGE(a, b)	.min = (a), .max = (b)

/* Defaults are classic xm's (X41 xm/create.py); NULL is Python's None,
 * which make_config leaves out. */
const struct domcfg_key domcfg_keys[] = {
	/* identity and memory */
	KEY("name", DOMCFG_STR, NULL, 0, .check = check_name),
	KEY("uuid", DOMCFG_STR, NULL, 0, .check = check_uuid),
	KEY("description", DOMCFG_STR, "", 0),
	KEY("memory", DOMCFG_INT, "128", 0, MIB, RANGE(1, INT32_MAX)),
	KEY("maxmem", DOMCFG_INT, NULL, 0, MIB, RANGE(1, INT32_MAX)),
	KEY("shadow_memory", DOMCFG_INT, "0", 0, MIB, RANGE(0, INT32_MAX)),
	KEY("memory_sharing", DOMCFG_FLAG, "0", DOMCFG_HVM_ONLY),
	/* CPUs */
	KEY("vcpus", DOMCFG_INT, "1", 0, RANGE(1, 128)),
	KEY("maxvcpus", DOMCFG_INT, NULL, DOMCFG_NOT_OPTION, RANGE(1, 128)),
	KEY("vcpu_avail", DOMCFG_INT, NULL, 0, RANGE(0, INT64_MAX)),
	KEY("cpu", DOMCFG_INT, NULL, 0, RANGE(0, 4095)),
	KEY("cpus", DOMCFG_CPUS, NULL, 0, .check = check_cpus),
	KEY("cpu_weight", DOMCFG_INT, NULL, 0, RANGE(1, 65535)),
	KEY("cpu_cap", DOMCFG_INT, NULL, 0, RANGE(0, 409600)),
	KEY("pool", DOMCFG_STR, NULL, 0),
	/* boot */
	KEY("builder", DOMCFG_STR, "linux", 0, .choices = builders),
	KEY("kernel", DOMCFG_STR, NULL, 0),
	KEY("ramdisk", DOMCFG_STR, "", 0),
	KEY("loader", DOMCFG_STR, "", 0),
	KEY("bootloader", DOMCFG_STR, NULL, 0),
	KEY("bootargs", DOMCFG_STR, NULL, 0),
	KEY("bootentry", DOMCFG_STR, NULL, 0),
	KEY("root", DOMCFG_STR, "", 0),
	KEY("extra", DOMCFG_STR, "", 0),
	KEY("ip", DOMCFG_STR, "", 0),
	KEY("gateway", DOMCFG_STR, "", 0),
	KEY("netmask", DOMCFG_STR, "", 0),
	KEY("hostname", DOMCFG_STR, "", 0),
	KEY("interface", DOMCFG_STR, "eth0", 0),
	KEY("dhcp", DOMCFG_STR, "off", 0, .choices = dhcps),
	KEY("nfs_server", DOMCFG_STR, NULL, 0),
	KEY("nfs_root", DOMCFG_STR, NULL, 0),
	KEY("features", DOMCFG_STR, "", 0),
	/* life cycle */
	KEY("on_poweroff", DOMCFG_STR, NULL, 0, .check = check_event),
	KEY("on_reboot", DOMCFG_STR, NULL, 0, .check = check_event),
	KEY("on_crash", DOMCFG_STR, NULL, 0, .check = check_event),
	KEY("restart", DOMCFG_STR, NULL, 0, .choices = restarts),
	KEY("on_xend_start", DOMCFG_STR, "ignore", 0, .choices = xend_start),
	KEY("on_xend_stop", DOMCFG_STR, "ignore", 0, .choices = xend_stop),
	/* devices */
	KEY("disk", DOMCFG_LIST, NULL, 0, .spec = devspec_disk),
	KEY("vif", DOMCFG_LIST, NULL, 0, .spec = devspec_vif),
	KEY("vif2", DOMCFG_LIST, NULL, 0, .spec = devspec_vif2),
	KEY("nics", DOMCFG_INT, "-1", 0, RANGE(-1, 64)),
	KEY("vfb", DOMCFG_LIST, NULL, 0),
	KEY("vtpm", DOMCFG_LIST, NULL, 0, .spec = devspec_vtpm),
	KEY("pci", DOMCFG_LIST, NULL, 0),
	KEY("vscsi", DOMCFG_LIST, NULL, 0),
	KEY("vusb", DOMCFG_LIST, NULL, 0, .spec = devspec_vusb),
	KEY("ioports", DOMCFG_LIST, NULL, 0, .spec = devspec_ioports),
	KEY("irq", DOMCFG_INTLIST, NULL, 0),
	KEY("access_control", DOMCFG_LIST, NULL, 0),
	KEY("blkif", DOMCFG_FLAG, "0", 0),
	KEY("netif", DOMCFG_FLAG, "0", 0),
	KEY("tpmif", DOMCFG_FLAG, "0", 0),
	/* platform */
	KEY("target", DOMCFG_INT, "0", 0, RANGE(0, 65535)),
	KEY("tsc_mode", DOMCFG_INT, "0", 0, RANGE(0, 3)),
	KEY("nomigrate", DOMCFG_INT, "0", 0, RANGE(0, 1)),
	KEY("superpages", DOMCFG_INT, "0", 0, RANGE(0, 1)),
	KEY("machine_address_size", DOMCFG_INT, NULL, 0, RANGE(0, 64)),
	KEY("suppress_spurious_page_faults", DOMCFG_FLAG, NULL, 0),
	KEY("s3_integrity", DOMCFG_INT, "1", 0, RANGE(0, 1)),
	KEY("oos", DOMCFG_INT, "1", 0, RANGE(0, 1)),
	KEY("cpuid", DOMCFG_LIST, NULL, 0, .check = check_cpuid),
	KEY("cpuid_check", DOMCFG_LIST, NULL, 0, .check = check_cpuid),
	KEY("vhpt", DOMCFG_INT, "0", 0),
	KEY("localtime", DOMCFG_FLAG, "0", 0),
	KEY("keymap", DOMCFG_STR, "", 0),
	KEY("serial", DOMCFG_STR, "", 0),
	KEY("parallel", DOMCFG_STR, "", 0),
	KEY("monitor", DOMCFG_FLAG, "0", 0),
	KEY("monitor_path", DOMCFG_STR, "", 0),
	KEY("videoram", DOMCFG_INT, "4", 0, MIB, RANGE(0, 1024)),
	KEY("display", DOMCFG_STR, NULL, 0),
	KEY("xauthority", DOMCFG_STR, NULL, 0),
	/* HVM only */
	KEY("device_model", DOMCFG_STR, NULL, DOMCFG_HVM_ONLY),
	KEY("boot", DOMCFG_STR, "c", DOMCFG_HVM_ONLY, .check = check_boot),
	KEY("bios", DOMCFG_STR, NULL, DOMCFG_HVM_ONLY, .choices = bioses),
	KEY("acpi", DOMCFG_INT, "1", DOMCFG_HVM_ONLY, RANGE(0, 1)),
	KEY("apic", DOMCFG_INT, "1", DOMCFG_HVM_ONLY, RANGE(0, 1)),
	KEY("pae", DOMCFG_INT, "1", DOMCFG_HVM_ONLY, RANGE(0, 1)),
	KEY("hap", DOMCFG_INT, "1", DOMCFG_HVM_ONLY, RANGE(0, 1)),
	KEY("hpet", DOMCFG_INT, "0", DOMCFG_HVM_ONLY, RANGE(0, 1)),
	KEY("viridian", DOMCFG_INT, "0", DOMCFG_HVM_ONLY, RANGE(0, 1)),
	KEY("timer_mode", DOMCFG_INT, "1", DOMCFG_HVM_ONLY, RANGE(0, 3)),
	KEY("vpt_align", DOMCFG_INT, "1", DOMCFG_HVM_ONLY, RANGE(0, 1)),
	KEY("rtc_timeoffset", DOMCFG_INT, "0", DOMCFG_HVM_ONLY),
	KEY("xen_platform_pci", DOMCFG_INT, "1", DOMCFG_HVM_ONLY, RANGE(0, 1)),
	KEY("xen_extended_power_mgmt", DOMCFG_INT, NULL,
	    DOMCFG_HVM_ONLY | DOMCFG_NOT_OPTION),
	KEY("vnc", DOMCFG_FLAG, NULL, DOMCFG_HVM_ONLY),
	KEY("vncdisplay", DOMCFG_STR, NULL, DOMCFG_HVM_ONLY),
	KEY("vnclisten", DOMCFG_STR, NULL, DOMCFG_HVM_ONLY),
	KEY("vncunused", DOMCFG_FLAG, "1", DOMCFG_HVM_ONLY),
	KEY("vncpasswd", DOMCFG_STR, NULL, DOMCFG_HVM_ONLY),
	KEY("vncconsole", DOMCFG_FLAG, NULL, DOMCFG_HVM_ONLY),
	KEY("vncviewer", DOMCFG_FLAG, NULL, DOMCFG_HVM_ONLY),
	KEY("sdl", DOMCFG_FLAG, NULL, DOMCFG_HVM_ONLY),
	KEY("opengl", DOMCFG_FLAG, NULL, DOMCFG_HVM_ONLY),
	KEY("nographic", DOMCFG_FLAG, "0", DOMCFG_HVM_ONLY),
	KEY("stdvga", DOMCFG_FLAG, "0", DOMCFG_HVM_ONLY),
	KEY("fda", DOMCFG_STR, "", DOMCFG_HVM_ONLY, .check = check_abspath),
	KEY("fdb", DOMCFG_STR, "", DOMCFG_HVM_ONLY, .check = check_abspath),
	KEY("usb", DOMCFG_FLAG, "0", DOMCFG_HVM_ONLY),
	KEY("usbdevice", DOMCFG_STR, "", DOMCFG_HVM_ONLY),
	KEY("soundhw", DOMCFG_STR, "", DOMCFG_HVM_ONLY),
	KEY("isa", DOMCFG_FLAG, "0", DOMCFG_HVM_ONLY),
	KEY("guest_os_type", DOMCFG_STR, "default", DOMCFG_HVM_ONLY),
	KEY("gfx_passthru", DOMCFG_INT, NULL, DOMCFG_HVM_ONLY, RANGE(0, 1)),
	KEY("pci_msitranslate", DOMCFG_INT, "1", DOMCFG_HVM_ONLY, RANGE(0, 1)),
	KEY("pci_power_mgmt", DOMCFG_INT, "0", DOMCFG_HVM_ONLY, RANGE(0, 1)),
};
const size_t domcfg_nkeys = sizeof(domcfg_keys) / sizeof(domcfg_keys[0]);

const struct domcfg_key *
domcfg_find_key(const char *name)
{
	size_t i;

	for (i = 0; i < domcfg_nkeys; i++)
		if (strcmp(domcfg_keys[i].name, name) == 0)
			return &domcfg_keys[i];
	return NULL;
}

bool
domcfg_is_option(const char *name)
{
	const struct domcfg_key *k = domcfg_find_key(name);

	return k != NULL && !(k->flags & DOMCFG_NOT_OPTION);
}

/* Optimal-string-alignment distance, capped: enough for typo hints. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *
domcfg_suggest(const char *name)
{
	size_t i, d, best = strlen(name) < 6 ? 1 : 2;
	const char *hit = NULL;

	for (i = 0; i < domcfg_nkeys; i++) {
		if (strcasecmp(domcfg_keys[i].name, name) == 0)
			return domcfg_keys[i].name;
		d = edit_distance(name, domcfg_keys[i].name);
		if (d <= best && (hit == NULL || d < best)) {
			hit = domcfg_keys[i].name;
			best = d;
		}
	}
	return hit;
}

/* ---- conversions ---- */

/* A value as the user wrote it, for messages. */
static void
describe(const struct xv *v, char *buf, size_t size)
{
	switch (v->type) {
	case XV_STRING:
		snprintf(buf, size, "'%s'", v->u.str.s);
		break;
	case XV_INT:
		snprintf(buf, size, "%lld", (long long)v->u.i);
		break;
	case XV_DOUBLE:
		snprintf(buf, size, "%g", v->u.d);
		break;
	case XV_BOOL:
		snprintf(buf, size, "%s", v->u.b ? "True" : "False");
		break;
	case XV_LIST:
		snprintf(buf, size, "a list");
		break;
	case XV_NIL:
		snprintf(buf, size, "None");
		break;
	default:
		snprintf(buf, size, "a dict");
		break;
	}
}

static int
type_error(const struct domcfg_key *key, const char *what, const struct xv *v,
    struct xu_err *err)
{
	char got[96];

	describe(v, got, sizeof(got));
	xu_err_set(err, XU_ERR_TYPE, v->line, "%s: expected %s, got %s",
	    key->name, what, got);
	return XU_ERR_TYPE;
}

/* An integer from an int, a bool, an integral float or a string of
 * digits (what Python's int() accepted, spaces around allowed). */
static bool
to_int(const struct xv *v, int64_t *out)
{
	char *s;
	size_t len;
	bool ok;

	switch (v->type) {
	case XV_INT:
		*out = v->u.i;
		return true;
	case XV_BOOL:
		*out = v->u.b;
		return true;
	case XV_DOUBLE:
		if (v->u.d != (double)(int64_t)v->u.d)
			return false;
		*out = (int64_t)v->u.d;
		return true;
	case XV_STRING:
		s = v->u.str.s;
		len = v->u.str.len;
		while (len > 0 && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		s = xu_strndup(s, len);
		ok = xu_parse_int64(s, out) == XU_OK && strlen(s) == len &&
		    (isdigit((unsigned char)*s) || *s == '-' || *s == '+');
		free(s);
		return ok;
	default:
		return false;
	}
}

/* yes/y/no/n/1/0 (and True/False from a file). */
static bool
to_flag(const struct xv *v, int64_t *out)
{
	const char *s = xv_string(v);

	if (s == NULL)
		return to_int(v, out);
	if (strcmp(s, "yes") == 0 || strcmp(s, "y") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcmp(s, "no") == 0 || strcmp(s, "n") == 0 ||
	    strcmp(s, "0") == 0)
		*out = 0;
	else
		return false;
	return true;
}

/* A string, or a number written for a string key (vncdisplay = 1). */
static struct xv *
to_str(const struct xv *v)
{
	switch (v->type) {
	case XV_STRING:
		return xv_copy(v);
	case XV_INT:
		return xv_strf("%lld", (long long)v->u.i);
	case XV_BOOL:
		return xv_str(v->u.b ? "1" : "0");
	case XV_DOUBLE:
		return xv_strf("%.12g", v->u.d);
	default:
		return NULL;
	}
}

static int
convert_list(const struct domcfg_key *key, const struct xv *v, struct xv **out,
    struct xu_err *err)
{
	struct xv *l;
	size_t i;
	int64_t n;
	char what[64];

	if (v->type != XV_LIST) {
		snprintf(what, sizeof(what), "a list, e.g. %s = [ '...' ]", key->name);
		return type_error(key, key->type == DOMCFG_INTLIST ?
		    "a list of integers" : what, v, err);
	}
	l = xv_list();
	l->line = v->line;
	for (i = 0; i < xv_len(v); i++) {
		const struct xv *it = xv_at(v, i);
		struct xv *c = NULL;

		if (key->type == DOMCFG_INTLIST && to_int(it, &n))
			c = xv_int(n);
		else if (key->type != DOMCFG_INTLIST && it->type == XV_STRING)
			c = xv_copy(it);
		if (c == NULL) {
			char got[96];

			describe(it, got, sizeof(got));
			xu_err_set(err, XU_ERR_TYPE, it->line ? it->line : v->line,
			    "%s: item %zu should be %s, got %s", key->name, i + 1,
			    key->type == DOMCFG_INTLIST ? "an integer" : "a string", got);
			xv_free(l);
			return XU_ERR_TYPE;
		}
		c->line = it->line ? it->line : v->line;
		xv_append(l, c);
	}
	*out = l;
	return XU_OK;
}

/* cpus: a string (or a number), or a list of them. */
static int
convert_cpus(const struct domcfg_key *key, const struct xv *v, struct xv **out,
    struct xu_err *err)
{
	struct xv *l, *s;
	size_t i;

	if (v->type != XV_LIST) {
		if ((*out = to_str(v)) == NULL)
			return type_error(key, "a CPU list such as '0-3,^1'", v, err);
		return XU_OK;
	}
	l = xv_list();
	for (i = 0; i < xv_len(v); i++) {
		if ((s = to_str(xv_at(v, i))) == NULL) {
			xv_free(l);
			return type_error(key, "a list of CPU lists such as "
			    "['0-1', '2']", v, err);
		}
		xv_append(l, s);
	}
	*out = l;
	return XU_OK;
}

static int
convert_type(const struct domcfg_key *key, const struct xv *v, struct xv **out,
    struct xu_err *err)
{
	int64_t n;
	char what[64];

	*out = NULL;
	switch (key->type) {
	case DOMCFG_STR:
		if ((*out = to_str(v)) == NULL)
			return type_error(key, "a string", v, err);
		return XU_OK;
	case DOMCFG_INT:
		if (!to_int(v, &n)) {
			snprintf(what, sizeof(what), "an integer%s%s%s",
			    key->unit ? " (" : "", key->unit ? key->unit : "",
			    key->unit ? ")" : "");
			return type_error(key, what, v, err);
		}
		*out = xv_int(n);
		return XU_OK;
	case DOMCFG_FLAG:
		if (!to_flag(v, &n))
			return type_error(key, "yes or no (1 or 0)", v, err);
		*out = xv_int(n);
		return XU_OK;
	case DOMCFG_CPUS:
		return convert_cpus(key, v, out, err);
	default:
		return convert_list(key, v, out, err);
	}
}

static void
join(char *buf, size_t size, const char *const *list)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; *list && n < size; list++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s",
		    n == 0 ? "" : list[1] ? ", " : " or ", *list);
}

/* The table's own checks: range and choices, then the key's function. */
static int
check_value(const struct domcfg_key *key, const struct xv *v, struct xu_err *err)
{
	const char *const *c;
	char list[160];

	if (v->type == XV_INT && (key->min != 0 || key->max != 0)) {
		if (v->u.i < key->min || v->u.i > key->max) {
			xu_err_set(err, XU_ERR_RANGE, v->line,
			    "%s: must be %s %lld%s%s, got %lld", key->name,
			    v->u.i < key->min ? "at least" : "at most",
			    (long long)(v->u.i < key->min ? key->min : key->max),
			    key->unit ? " " : "", key->unit ? key->unit : "",
			    (long long)v->u.i);
			return XU_ERR_RANGE;
		}
	}
	if (key->choices && v->type == XV_STRING) {
		for (c = key->choices; *c; c++)
			if (strcmp(*c, v->u.str.s) == 0)
				break;
		if (*c == NULL) {
			join(list, sizeof(list), key->choices);
			xu_err_set(err, XU_ERR_INVALID, v->line,
			    "%s: expected %s, got '%s'", key->name, list, v->u.str.s);
			return XU_ERR_INVALID;
		}
	}
	return key->check ? key->check(key, v, err) : XU_OK;
}

int
domcfg_convert(const struct domcfg_key *key, const struct xv *v,
    struct xv **out, struct xu_err *err)
{
	int rc;

	if ((rc = convert_type(key, v, out, err)) != XU_OK)
		return rc;
	(*out)->line = v->line;
	if ((rc = check_value(key, *out, err)) != XU_OK) {
		xv_free(*out);
		*out = NULL;
	}
	return rc;
}

struct xv *
domcfg_default(const struct domcfg_key *key)
{
	struct xv *s, *v = NULL;

	if (key->type == DOMCFG_LIST || key->type == DOMCFG_INTLIST)
		return xv_list();
	if (key->def == NULL)
		return NULL;
	s = xv_str(key->def);
	if (convert_type(key, s, &v, NULL) != XU_OK)
		abort();	/* a bad default in the table above */
	xv_free(s);
	return v;
}

/* ---- validators ---- */

static int
check_event(const struct domcfg_key *key, const struct xv *v, struct xu_err *err)
{
	const char *const *c;
	char list[160];

	for (c = events; *c; c++)
		if (strcmp(*c, v->u.str.s) == 0)
			return XU_OK;
	join(list, sizeof(list), events);
	xu_err_set(err, XU_ERR_INVALID, v->line, "%s: Invalid event handling "
	    "mode: '%s' (expected %s)", key->name, v->u.str.s, list);
	return XU_ERR_INVALID;
}

/* xend's rule for VM names: letters, digits and _-.:/+. */
static int
check_name(const struct domcfg_key *key, const struct xv *v, struct xu_err *err)
{
	const char *s = v->u.str.s;

	if (*s == '\0') {
		xu_err_set(err, XU_ERR_INVALID, v->line, "name: must not be empty");
		return XU_ERR_INVALID;
	}
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && strchr("_-.:/+", *s) == NULL) {
			xu_err_set(err, XU_ERR_INVALID, v->line, "name: '%s' has "
			    "a character other than letters, digits and _-.:/+",
			    v->u.str.s);
			return XU_ERR_INVALID;
		}
	}
	return XU_OK;
}

/* 32 hex digits, dashes anywhere (xend's uuid.fromString). */
static int
check_uuid(const struct domcfg_key *key, const struct xv *v, struct xu_err *err)
{
	const char *s;
	int n = 0;

	for (s = v->u.str.s; *s; s++) {
		if (isxdigit((unsigned char)*s))
			n++;
		else if (*s != '-')
			break;
	}
	if (*s == '\0' && n == 32)
		return XU_OK;
	xu_err_set(err, XU_ERR_INVALID, v->line, "uuid: '%s' is not a UUID "
	    "(32 hex digits, e.g. 8-4-4-4-12 with dashes)", v->u.str.s);
	return XU_ERR_INVALID;
}

static int
check_boot(const struct domcfg_key *key, const struct xv *v, struct xu_err *err)
{
	const char *s = v->u.str.s;

	if (*s != '\0' && strspn(s, "abcdn") == strlen(s))
		return XU_OK;
	xu_err_set(err, XU_ERR_INVALID, v->line, "boot: expected boot device "
	    "letters (a floppy, c disk, d cdrom, n network), got '%s'", s);
	return XU_ERR_INVALID;
}

/* One CPU list "0-3,5,^1" as xend's parser reads it. */
static bool
valid_cpulist(const char *s)
{
	struct xu_cpumap m;
	char why[128];

	return s != NULL && xu_cpumap_parse(s, 0, &m, why, sizeof(why)) &&
	    strcmp(s, "all") != 0;
}

static int
check_cpus(const struct domcfg_key *key, const struct xv *v, struct xu_err *err)
{
	size_t i;

	if (v->type == XV_STRING) {
		if (valid_cpulist(v->u.str.s))
			return XU_OK;
		xu_err_set(err, XU_ERR_INVALID, v->line, "cpus: '%s' is not a CPU "
		    "list (numbers, ranges a-b and ^n to leave one out, e.g. "
		    "'0-3,^1')", v->u.str.s);
		return XU_ERR_INVALID;
	}
	for (i = 0; i < xv_len(v); i++) {
		const char *s = xv_string(xv_at(v, i));

		if (!valid_cpulist(s)) {
			xu_err_set(err, XU_ERR_INVALID, v->line, "cpus: item %zu '%s' "
			    "is not a CPU list (e.g. '0-3,^1')", i + 1, s);
			return XU_ERR_INVALID;
		}
	}
	return XU_OK;
}

static int
check_abspath(const struct domcfg_key *key, const struct xv *v,
    struct xu_err *err)
{
	if (v->u.str.s[0] == '\0' || v->u.str.s[0] == '/')
		return XU_OK;
	xu_err_set(err, XU_ERR_INVALID, v->line,
	    "%s: expected an absolute path, got '%s'", key->name, v->u.str.s);
	return XU_ERR_INVALID;
}

static int
check_cpuid(const struct domcfg_key *key, const struct xv *v, struct xu_err *err)
{
	struct xv *st = NULL;
	int rc = domcfg_cpuid(key->name, v, &st, err);

	xv_free(st);
	return rc;
}

/* "IN[,SUBIN]" of a cpuid entry: hex numbers with an optional 0x. */
static bool
valid_cpuid_input(const char *s, size_t len)
{
	size_t i, start = 0, parts = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		if (i - start > 2 && strncmp(s + start, "0x", 2) == 0)
			start += 2;
		if (i == start || strspn(s + start, "0123456789abcdefABCDEF") <
		    i - start)
			return false;
		parts++;
		start = i + 1;
	}
	return parts <= 2;
}

static int
cpuid_regs(const char *key, const char *spec, const char *regs, struct xv *in,
    struct xu_err *err)
{
	char *copy = xu_strdup(regs), *r, *save = NULL, *val;
	int rc = XU_OK;

	for (r = strtok_r(copy, ",", &save); r && rc == XU_OK;
	    r = strtok_r(NULL, ",", &save)) {
		val = strchr(r, '=');
		if (val == NULL || val - r != 3 || r[0] != 'e' || r[2] != 'x' ||
		    strchr("abcd", r[1]) == NULL) {
			xu_err_set(err, XU_ERR_SYNTAX, 0, "%s '%s': cpuid's syntax "
			    "is (eax|ebx|ecx|edx)=value", key, spec);
			rc = XU_ERR_SYNTAX;
		} else if (strncmp(val + 1, "0x", 2) != 0 && strlen(val + 1) != 32) {
			xu_err_set(err, XU_ERR_SYNTAX, 0, "%s '%s': give all the bits "
			    "of register %.3s: 0x<hex> or 32 characters of 0 1 x k s",
			    key, spec, r);
			rc = XU_ERR_SYNTAX;
		} else {
			*val = '\0';
			xv_struct_set(in, r, xv_str(val + 1));
		}
	}
	free(copy);
	return rc;
}

int
domcfg_cpuid(const char *key, const struct xv *list, struct xv **stp,
    struct xu_err *err)
{
	struct xv *st = xv_struct(), *in;
	size_t i;
	int rc = XU_OK;

	for (i = 0; i < xv_len(list) && rc == XU_OK; i++) {
		const struct xv *it = xv_at(list, i);
		const char *spec = xv_string(it), *colon = strchr(spec, ':');
		char *input;

		if (colon == NULL || !valid_cpuid_input(spec, (size_t)(colon - spec))) {
			xu_err_set(err, XU_ERR_SYNTAX, it->line, "%s '%s': expected "
			    "IN[,SUBIN]:eax=V,ebx=V,ecx=V,edx=V", key, spec);
			rc = XU_ERR_SYNTAX;
			break;
		}
		input = xu_strndup(spec, (size_t)(colon - spec));
		in = xv_struct();
		rc = cpuid_regs(key, spec, colon + 1, in, err);
		xv_struct_set(st, input, in);
		free(input);
		if (rc != XU_OK && err)
			err->line = it->line;
	}
	*stp = st;
	return rc;
}
