/* devspec.c: parsing of the device strings of a domain config into the
 * (device ...) elements of the (vm ...) SXP, with classic xm's messages. */
#include "devspec.h"
#include "nbdspec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends (device inner) to devs. */
static void
add_device(struct xv *devs, struct xv *inner)
{
	struct xv *d = xv_list();

	xv_append(d, xv_str("device"));
	xv_append(d, inner);
	xv_append(devs, d);
}

static struct xv *
elem(const char *name)
{
	return xv_append(xv_list(), xv_str(name));
}

/* Strict unsigned number of the whole string in base 10 or 16. */
static bool
parse_num(const char *s, int base, int64_t max, int64_t *out)
{
	int64_t v = 0;
	int d;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			return false;
		v = v * base + d;
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* A partition suffix as classic's regexes took it: empty (0) or a number
 * from 1 to max without a leading zero. */
static bool
parse_part(const char *s, int max, int *part)
{
	int64_t v;

	if (*s == '\0') {
		*part = 0;
		return true;
	}
	if (*s == '0' || !parse_num(s, 10, max, &v) || v < 1)
		return false;
	*part = (int)v;
	return true;
}

static bool
is_lower(char c, char last)
{
	return c >= 'a' && c <= last;
}

static bool
vdev_sd(const char *n, int64_t *num)
{
	static const int scsi_major[] = { 8, 65, 66, 67, 68, 69, 70, 71,
	    128, 129, 130, 131, 132, 133, 134, 135 };
	int idx, part;
	const char *p = n + 2;

	if (!is_lower(p[0], 'z'))
		return false;
	if (is_lower(p[0], 'i') && is_lower(p[1], 'z')) {
		idx = (p[0] - 'a' + 1) * 26 + (p[1] - 'a');
		p += 2;
	} else {
		idx = p[0] - 'a';
		p++;
	}
	if (idx / 16 >= 16 || !parse_part(p, 15, &part))
		return false;
	*num = scsi_major[idx / 16] * 256 + (idx % 16) * 16 + part;
	return true;
}

static bool
vdev_hd(const char *n, int64_t *num)
{
	static const int ide_major[] = { 3, 22, 33, 34, 56, 57, 88, 89, 90, 91 };
	int idx, part;

	if (!is_lower(n[2], 't') || !parse_part(n + 3, 63, &part))
		return false;
	idx = n[2] - 'a';
	*num = ide_major[idx / 2] * 256 + (idx % 2) * 64 + part;
	return true;
}

static bool
vdev_xvd(const char *n, int64_t *num, bool *ext)
{
	const char *p = n + 3;
	int idx, part;

	if (!is_lower(p[0], 'z'))
		return false;
	if (is_lower(p[0], 'i') && is_lower(p[1], 'z')) {
		idx = (p[0] - 'a' + 1) * 26 + (p[1] - 'a');
		p += 2;
	} else {
		idx = p[0] - 'a';
		p++;
	}
	if (!parse_part(p, 15, &part))
		return false;
	*ext = idx >= 16;
	if (*ext)
		*num = (INT64_C(1) << 28) + ((int64_t)idx << 8) + part;
	else
		*num = 202 * 256 + 16 * idx + part;
	return true;
}

int
devspec_vdev_number(const char *name, int64_t *num, bool *ext)
{
	const char *n = name;

	*ext = false;
	if (strncmp(n, "/dev/", 5) == 0)
		n += 5;
	if (strncmp(n, "xvd", 3) == 0 && vdev_xvd(n, num, ext))
		return XU_OK;
	if (strncmp(n, "hd", 2) == 0 && vdev_hd(n, num))
		return XU_OK;
	if (strncmp(n, "sd", 2) == 0 && vdev_sd(n, num))
		return XU_OK;
	/* Numbers as classic: "0x" hex, else decimal; never with /dev/. */
	if (strncmp(name, "0x", 2) == 0 &&
	    parse_num(name + 2, 16, INT32_MAX, num))
		return XU_OK;
	if (parse_num(name, 10, INT32_MAX, num))
		return XU_OK;
	return XU_ERR_INVALID;
}

static char *
trim(const char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return xu_strndup(s, len);
}

static struct xv *
kv_find(const struct xv *pairs, const char *key)
{
	size_t i;

	for (i = 0; i < xv_len(pairs); i++) {
		struct xv *p = xv_at(pairs, i);

		if (strcmp(xv_string(xv_at(p, 0)), key) == 0)
			return p;
	}
	return NULL;
}

static const char *
kv_get(const struct xv *pairs, const char *key)
{
	return xv_string(xv_at(kv_find(pairs, key), 1));
}

static void
kv_set(struct xv *pairs, const char *key, const char *val)
{
	struct xv *p = kv_find(pairs, key);

	if (p == NULL) {
		xv_append_pair(pairs, key, xv_str(val));
		return;
	}
	xv_free(p->u.list.items[1]);
	p->u.list.items[1] = xv_str(val);
}

/* One "k=v" item of a comma list. */
static int
kv_item(struct xv *pairs, const char *item, size_t len, const char *spec,
    struct xu_err *err)
{
	const char *eq = memchr(item, '=', len);
	char *k, *v, *whole;
	int rc = XU_OK;

	if (eq == NULL) {
		whole = trim(item, len);
		xu_err_set(err, XU_ERR_SYNTAX, 0,
		    "%s should be a pair, separated by an equals sign.",
		    *whole ? whole : "''");
		free(whole);
		return XU_ERR_SYNTAX;
	}
	k = trim(item, (size_t)(eq - item));
	v = trim(eq + 1, len - (size_t)(eq - item) - 1);
	if (*k == '\0') {
		xu_err_set(err, XU_ERR_SYNTAX, 0,
		    "'%s': a setting has no name before '='", spec);
		rc = XU_ERR_SYNTAX;
	} else
		kv_set(pairs, k, v);
	free(k);
	free(v);
	return rc;
}

int
devspec_kv_parse(const char *spec, struct xv **pairs, struct xu_err *err)
{
	struct xv *l = xv_list();
	char *s = trim(spec, strlen(spec));
	const char *p = s, *comma;
	int rc = XU_OK;

	*pairs = NULL;
	while (*s != '\0') {		/* "" is no pair at all */
		comma = strchr(p, ',');
		rc = kv_item(l, p, comma ? (size_t)(comma - p) : strlen(p),
		    spec, err);
		if (rc != XU_OK || comma == NULL)
			break;
		p = comma + 1;
	}
	free(s);
	if (rc != XU_OK) {
		xv_free(l);
		return rc;
	}
	*pairs = l;
	return XU_OK;
}

/* Appends every (k v) pair to e as (k v) children. */
static void
append_pairs(struct xv *e, const struct xv *pairs)
{
	size_t i;

	for (i = 0; i < xv_len(pairs); i++)
		xv_append(e, xv_copy(xv_at(pairs, i)));
}

/* ---- disks (section 4.4) ---- */

static const char *const tap_drivers[] = {
	"aio", "sync", "vmdk", "ram", "qcow", "qcow2", "ioemu", NULL
};
static const char *const tap2_drivers[] = {
	"aio", "ram", "qcow", "vhd", "remus", NULL
};

static bool
in_list(const char *const *list, const char *s, size_t len)
{
	for (; *list; list++)
		if (strlen(*list) == len && strncmp(*list, s, len) == 0)
			return true;
	return false;
}

static void
join_list(char *buf, size_t size, const char *const *list)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; *list && n < size; list++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
		    *list);
}

/* "tap:<drv>:<path>" (also tap:tapdisk:<drv>: and tap:ioemu:<drv>:) or
 * "tap2:<drv>:<path>". */
static int
check_tap(const char *spec, const char *uname, const char *rest,
    const char *const *drivers, struct xu_err *err)
{
	const char *colon;
	char known[128];

	if (strncmp(uname, "tap:", 4) == 0 &&
	    (strncmp(rest, "tapdisk:", 8) == 0 || strncmp(rest, "ioemu:", 6) == 0) &&
	    strchr(strchr(rest, ':') + 1, ':') != NULL)
		rest = strchr(rest, ':') + 1;
	colon = strchr(rest, ':');
	if (colon == NULL || !in_list(drivers, rest, (size_t)(colon - rest))) {
		join_list(known, sizeof(known), drivers);
		xu_err_set(err, XU_ERR_INVALID, 0,
		    "disk '%s': unknown %.*s driver '%.*s' (known: %s)", spec,
		    (int)(strchr(uname, ':') - uname), uname,
		    (int)(colon ? colon - rest : (long)strlen(rest)), rest, known);
		return XU_ERR_INVALID;
	}
	if (colon[1] == '\0') {
		xu_err_set(err, XU_ERR_INVALID, 0,
		    "disk '%s': no image path after '%s'", spec, uname);
		return XU_ERR_INVALID;
	}
	return XU_OK;
}

/* nbd:HOST:PORT[:EXPORT] (or block-nbd's "HOST PORT"): QEMU's own NBD
 * client opens it, so xm can tell a malformed one at once. */
static int
check_nbd(const char *spec, const char *params, struct xu_err *err)
{
	struct nbd_spec n;
	struct xu_err e = { 0 };

	if (nbd_spec_parse(params, &n, &e) != XU_OK) {
		xu_err_set(err, e.rc, 0, "disk '%s': %s", spec, e.msg);
		return e.rc;
	}
	nbd_spec_dispose(&n);
	return XU_OK;
}

/* Checks UNAME and returns the device class it makes. */
static int
check_uname(const char *spec, const char *uname, bool cdrom, const char **cls,
    struct xu_err *err)
{
	const char *colon = strchr(uname, ':'), *t;

	*cls = "vbd";
	if (*uname == '\0') {
		if (cdrom)
			return XU_OK;
		xu_err_set(err, XU_ERR_INVALID, 0, "disk '%s': no backing device "
		    "(only a cdrom may be empty, as in ',hdc:cdrom,r')", spec);
		return XU_ERR_INVALID;
	}
	for (t = uname; colon && t < colon; t++)
		if (!isalnum((unsigned char)*t) && *t != '_' && *t != '-')
			break;
	if (colon == NULL || colon == uname || t != colon) {
		xu_err_set(err, XU_ERR_INVALID, 0, "disk '%s': '%s' has no type "
		    "prefix (write phy:DEV, file:PATH or tap:aio:PATH)", spec, uname);
		return XU_ERR_INVALID;
	}
	if (strncmp(uname, "tap:", 4) == 0) {
		*cls = "tap";
		return check_tap(spec, uname, colon + 1, tap_drivers, err);
	}
	if (strncmp(uname, "tap2:", 5) == 0) {
		*cls = "tap2";
		return check_tap(spec, uname, colon + 1, tap2_drivers, err);
	}
	if (colon[1] == '\0') {
		xu_err_set(err, XU_ERR_INVALID, 0,
		    "disk '%s': nothing after '%s'", spec, uname);
		return XU_ERR_INVALID;
	}
	if (strncmp(uname, "nbd:", 4) == 0)
		return check_nbd(spec, colon + 1, err);
	/* phy:, file: and any other type (xend runs block-<type>). */
	return XU_OK;
}

/* DEV: [ioemu:]name[:cdrom|:disk]. */
static int
check_dev(const char *spec, const char *dev, bool *cdrom, struct xu_err *err)
{
	char name[64];
	const char *n = dev, *colon;
	size_t len;
	int64_t num;
	bool ext;

	*cdrom = false;
	if (strncmp(n, "ioemu:", 6) == 0)
		n += 6;
	colon = strchr(n, ':');
	len = colon ? (size_t)(colon - n) : strlen(n);
	if (colon && strcmp(colon, ":cdrom") == 0)
		*cdrom = true;
	else if (colon && strcmp(colon, ":disk") != 0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "disk '%s': device '%s' should "
		    "be [ioemu:]NAME[:cdrom|:disk]", spec, dev);
		return XU_ERR_INVALID;
	}
	if (len == 0 || len >= sizeof(name)) {
		xu_err_set(err, XU_ERR_INVALID, 0,
		    "disk '%s': no guest device name in '%s'", spec, dev);
		return XU_ERR_INVALID;
	}
	memcpy(name, n, len);
	name[len] = '\0';
	if (devspec_vdev_number(name, &num, &ext) != XU_OK) {
		xu_err_set(err, XU_ERR_INVALID, 0, "disk '%s': unable to find a "
		    "device number for '%s' (use xvdX, hdX, sdX or a number)",
		    spec, name);
		return XU_ERR_INVALID;
	}
	return XU_OK;
}

int
devspec_disk(const char *spec, struct xv *devs, struct xu_err *err)
{
	char *f[5] = { NULL };
	const char *p = spec, *comma, *cls;
	size_t n = 0, i;
	bool cdrom;
	struct xv *e;
	int rc = XU_ERR_INVALID;

	/* Classic split on every comma without trimming: 3 to 5 fields. */
	for (i = 0, n = 1; spec[i]; i++)
		n += spec[i] == ',';
	if (n < 3 || n > 5) {
		n = 0;
		xu_err_set(err, XU_ERR_INVALID, 0, "Invalid disk specifier: %s", spec);
		goto out;
	}
	for (i = 0; i < n; i++) {
		comma = strchr(p, ',');
		f[i] = comma ? xu_strndup(p, (size_t)(comma - p)) : xu_strdup(p);
		p = comma ? comma + 1 : p;
	}
	if ((rc = check_dev(spec, f[1], &cdrom, err)) != XU_OK ||
	    (rc = check_uname(spec, f[0], cdrom, &cls, err)) != XU_OK)
		goto out;
	if (strcmp(f[2], "r") != 0 && strcmp(f[2], "w") != 0 &&
	    strcmp(f[2], "w!") != 0) {
		xu_err_set(err, XU_ERR_INVALID, 0,
		    "disk '%s': invalid mode '%s' (expected r, w or w!)", spec, f[2]);
		rc = XU_ERR_INVALID;
		goto out;
	}
	e = elem(cls);
	xv_append_pair(e, "uname", xv_str(f[0]));
	xv_append_pair(e, "dev", xv_str(f[1]));
	xv_append_pair(e, "mode", xv_str(f[2]));
	if (n > 3 && *f[3])
		xv_append_pair(e, "backend", xv_str(f[3]));
	if (n > 4 && *f[4])
		xv_append_pair(e, "protocol", xv_str(f[4]));
	add_device(devs, e);
	rc = XU_OK;
out:
	for (i = 0; i < n; i++)
		free(f[i]);
	return rc;
}

/* ---- vifs (section 4.5) ---- */

/* aa:bb:cc:dd:ee:ff, unicast. */
static bool
valid_mac(const char *s, const char **why)
{
	*why = "expected six hex pairs like 00:16:3e:01:02:03";
	if (!xu_mac_valid(s))
		return false;
	if ((isdigit((unsigned char)s[1]) ? s[1] - '0' :
	    tolower((unsigned char)s[1]) - 'a' + 10) & 1) {
		*why = "a multicast address cannot be given to a NIC";
		return false;
	}
	return true;
}

static const char *
skip_digits(const char *s)
{
	while (isdigit((unsigned char)*s))
		s++;
	return s;
}

/* <n>[G|M|K](B|b)/s[@<n>[m|u]s], e.g. 10Mb/s@20ms (netif.py's regex). */
static bool
valid_rate(const char *s)
{
	const char *p = skip_digits(s);

	if (p == s)
		return false;
	if (*p == 'G' || *p == 'M' || *p == 'K')
		p++;
	if ((*p != 'B' && *p != 'b') || strncmp(p + 1, "/s", 2) != 0)
		return false;
	p += 3;
	if (*p == '\0')
		return true;
	if (*p++ != '@' || skip_digits(p) == p)
		return false;
	p = skip_digits(p);
	if (*p == 'm' || *p == 'u')
		p++;
	return strcmp(p, "s") == 0;
}

static int
check_vif_value(const char *spec, const char *k, const char *v,
    struct xu_err *err)
{
	const char *why;

	if (strcmp(k, "mac") == 0 && !valid_mac(v, &why)) {
		xu_err_set(err, XU_ERR_INVALID, 0,
		    "vif '%s': invalid MAC address '%s' (%s)", spec, v, why);
		return XU_ERR_INVALID;
	}
	if (strcmp(k, "rate") == 0 && !valid_rate(v)) {
		xu_err_set(err, XU_ERR_INVALID, 0, "vif '%s': invalid rate '%s' "
		    "(expected <n>[GMK](B|b)/s[@<n>[mu]s], e.g. 10Mb/s@20ms)",
		    spec, v);
		return XU_ERR_INVALID;
	}
	if (strcmp(k, "vifname") == 0 && strlen(v) > 15) {
		xu_err_set(err, XU_ERR_INVALID, 0, "vif '%s': vifname '%s' is "
		    "longer than the 15 characters of a Linux interface name",
		    spec, v);
		return XU_ERR_INVALID;
	}
	return XU_OK;
}

/* Shared by vif and vif2: known keys only, values checked, order kept. */
static int
kv_device(const char *cls, const char *const *keys, const char *spec,
    struct xv *devs, struct xu_err *err)
{
	struct xv *pairs, *e;
	size_t i;
	int rc;

	if ((rc = devspec_kv_parse(spec, &pairs, err)) != XU_OK)
		return rc;
	for (i = 0; i < xv_len(pairs); i++) {
		const char *k = xv_string(xv_at(xv_at(pairs, i), 0));
		const char *v = xv_string(xv_at(xv_at(pairs, i), 1));

		if (!in_list(keys, k, strlen(k))) {
			xu_err_set(err, XU_ERR_INVALID, 0, "Invalid %s option: %s",
			    cls, k);
			rc = XU_ERR_INVALID;
			goto out;
		}
		if ((rc = check_vif_value(spec, k, v, err)) != XU_OK)
			goto out;
	}
	e = elem(cls);
	append_pairs(e, pairs);
	add_device(devs, e);
out:
	xv_free(pairs);
	return rc;
}

int
devspec_vif(const char *spec, struct xv *devs, struct xu_err *err)
{
	static const char *const keys[] = { "backend", "bridge", "ip", "mac",
	    "script", "type", "vifname", "rate", "model", "accel", "policy",
	    "label", NULL };

	return kv_device("vif", keys, spec, devs, err);
}

int
devspec_vif2(const char *spec, struct xv *devs, struct xu_err *err)
{
	static const char *const keys[] = { "front_mac", "back_mac", "backend",
	    "trusted", "back_trusted", "front_filter_mac", "filter_mac",
	    "bridge", "pdev", "max_bypasses", NULL };

	return kv_device("vif2", keys, spec, devs, err);
}

/* ---- framebuffer ---- */

int
devspec_vfb(const char *spec, const char *keymap, const char *display,
    const char *xauthority, struct xv *devs, struct xu_err *err)
{
	static const char *const keys[] = { "vnclisten", "vncunused",
	    "vncdisplay", "display", "videoram", "xauthority", "sdl", "vnc",
	    "vncpasswd", "opengl", "keymap", "serial", "monitor", NULL };
	struct xv *pairs, *e, *legacy;
	const char *sdl;
	size_t i;
	int rc;

	if ((rc = devspec_kv_parse(spec, &pairs, err)) != XU_OK)
		return rc;
	/* Legacy "type=vnc" means vnc=1. */
	if ((legacy = kv_find(pairs, "type")) != NULL) {
		char *t = xu_strdup(xv_string(xv_at(legacy, 1)));

		xv_free(legacy->u.list.items[0]);
		legacy->u.list.items[0] = xv_str(t);
		xv_free(legacy->u.list.items[1]);
		legacy->u.list.items[1] = xv_str("1");
		free(t);
	}
	for (i = 0; i < xv_len(pairs); i++) {
		const char *k = xv_string(xv_at(xv_at(pairs, i), 0));

		if (!in_list(keys, k, strlen(k))) {
			xu_err_set(err, XU_ERR_INVALID, 0,
			    "configuration option %s unknown to vfbs", k);
			xv_free(pairs);
			return XU_ERR_INVALID;
		}
	}
	e = elem("vfb");
	append_pairs(e, pairs);
	if (kv_get(pairs, "keymap") == NULL && keymap && *keymap)
		xv_append_pair(e, "keymap", xv_str(keymap));
	sdl = kv_get(pairs, "sdl");
	if (sdl && strcmp(sdl, "0") != 0 && *sdl) {
		if (kv_get(pairs, "display") == NULL && display)
			xv_append_pair(e, "display", xv_str(display));
		if (kv_get(pairs, "xauthority") == NULL && xauthority)
			xv_append_pair(e, "xauthority", xv_str(xauthority));
	}
	add_device(devs, elem("vkbd"));
	add_device(devs, e);
	xv_free(pairs);
	return XU_OK;
}

/* ---- pci ---- */

/* Splits s at the first sep into a hex number no larger than max. */
static const char *
hex_field(const char *s, char sep, int64_t max, int64_t *out)
{
	const char *end = sep ? strchr(s, sep) : s + strlen(s);
	char buf[16];

	if (end == NULL || end == s || (size_t)(end - s) >= sizeof(buf))
		return NULL;
	memcpy(buf, s, (size_t)(end - s));
	buf[end - s] = '\0';
	if (!parse_num(buf, 16, max, out))
		return NULL;
	return sep ? end + 1 : end;
}

/* "[dom:]bus:dev.func[@vslot]" */
static bool
parse_bdf(const char *s, int64_t v[5])
{
	const char *p = s;
	int colons = 0;

	for (; *p && *p != '@'; p++)
		colons += *p == ':';
	v[0] = 0;
	v[4] = -1;
	p = s;
	if (colons == 2 && (p = hex_field(p, ':', 0xffff, &v[0])) == NULL)
		return false;
	if (colons < 1 || colons > 2 ||
	    (p = hex_field(p, ':', 0xff, &v[1])) == NULL ||
	    (p = hex_field(p, '.', 0x1f, &v[2])) == NULL)
		return false;
	if (strchr(p, '@') != NULL) {
		if ((p = hex_field(p, '@', 7, &v[3])) == NULL)
			return false;
		return hex_field(p, 0, 0x1f, &v[4]) != NULL;
	}
	return hex_field(p, 0, 7, &v[3]) != NULL;
}

static int
pci_opts(const char *spec, const char *opts, struct xv *dev, struct xu_err *err)
{
	static const char *const keys[] = { "msitranslate", "power_mgmt",
	    "permissive", NULL };
	struct xv *pairs, *o;
	size_t i;
	int rc;

	if ((rc = devspec_kv_parse(opts, &pairs, err)) != XU_OK)
		return rc;
	for (i = 0; i < xv_len(pairs); i++) {
		const char *k = xv_string(xv_at(xv_at(pairs, i), 0));
		const char *v = xv_string(xv_at(xv_at(pairs, i), 1));

		if (!in_list(keys, k, strlen(k))) {
			xu_err_set(err, XU_ERR_INVALID, 0, "pci '%s': unknown option "
			    "'%s' (known: msitranslate, power_mgmt, permissive)",
			    spec, k);
			rc = XU_ERR_INVALID;
		} else if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			xu_err_set(err, XU_ERR_INVALID, 0,
			    "pci '%s': %s must be 0 or 1, got '%s'", spec, k, v);
			rc = XU_ERR_INVALID;
		}
		if (rc != XU_OK)
			goto out;
	}
	if (xv_len(pairs) > 0) {
		o = elem("opts");
		append_pairs(o, pairs);
		xv_append(dev, o);
	}
out:
	xv_free(pairs);
	return rc;
}

static int
pci_one(const char *spec, struct xv *pci, struct xu_err *err)
{
	const char *comma = strchr(spec, ',');
	char *bdf = comma ? xu_strndup(spec, (size_t)(comma - spec)) : xu_strdup(spec);
	int64_t v[5];
	struct xv *dev;
	int rc = XU_OK;

	if (!parse_bdf(bdf, v)) {
		xu_err_set(err, XU_ERR_INVALID, 0, "pci '%s': expected "
		    "[DOMAIN:]BUS:DEV.FUNC[@VSLOT] in hex, e.g. 0000:00:1d.0", spec);
		rc = XU_ERR_INVALID;
		goto out;
	}
	dev = elem("dev");
	xv_append_pair(dev, "domain", xv_strf("0x%04x", (unsigned)v[0]));
	xv_append_pair(dev, "bus", xv_strf("0x%02x", (unsigned)v[1]));
	xv_append_pair(dev, "slot", xv_strf("0x%02x", (unsigned)v[2]));
	xv_append_pair(dev, "func", xv_strf("0x%x", (unsigned)v[3]));
	/* 0x100 asks xend for any free slot (AUTO_PHP_SLOT). */
	xv_append_pair(dev, "vdevfn", v[4] < 0 ? xv_str("0x100") :
	    xv_strf("0x%02x", (unsigned)(v[4] << 3 | v[3])));
	xv_append_pair(dev, "key", xv_strf("%04x:%02x:%02x.%x", (unsigned)v[0],
	    (unsigned)v[1], (unsigned)v[2], (unsigned)v[3]));
	xv_append(pci, dev);
	if (comma)
		rc = pci_opts(spec, comma + 1, dev, err);
out:
	free(bdf);
	return rc;
}

int
devspec_pci(const struct xv *specs, struct xv *devs, struct xu_err *err)
{
	struct xv *pci = elem("pci");
	size_t i;
	int rc;

	for (i = 0; i < xv_len(specs); i++) {
		rc = pci_one(xv_string(xv_at(specs, i)), pci, err);
		if (rc != XU_OK) {
			if (err && err->line == 0)
				err->line = xv_at(specs, i)->line;
			xv_free(pci);
			return rc;
		}
	}
	if (xv_len(pci) > 1)
		add_device(devs, pci);
	else
		xv_free(pci);
	return XU_OK;
}

/* ---- vscsi ---- */

/* "h:c:t:l" -> host number, or -1. */
static int64_t
hctl_host(const char *s)
{
	int64_t v[4];
	const char *p = s;
	int i;

	for (i = 0; i < 4; i++) {
		const char *end = strchr(p, ':');
		char buf[16];
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if ((end == NULL) != (i == 3) || len == 0 || len >= sizeof(buf))
			return -1;
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (!parse_num(buf, 10, INT32_MAX, &v[i]))
			return -1;
		p = end ? end + 1 : p;
	}
	return v[0];
}

static struct xv *
vscsi_group(struct xv *groups, int64_t devid, int64_t host, const char *backend)
{
	struct xv *g, *fh;
	size_t i;

	for (i = 0; i < xv_len(groups); i++) {
		g = xv_at(groups, i);
		if (xv_at(g, 0)->u.i == devid)
			return g;
	}
	g = xv_list();
	xv_append(g, xv_int(devid));
	fh = elem("vscsi");
	xv_append_pair(fh, "feature-host", xv_int(host));
	xv_append(g, fh);
	xv_append(g, xv_str(backend ? backend : ""));
	xv_append(groups, g);
	return g;
}

static int
vscsi_one(const char *spec, struct xv *groups, struct xu_err *err)
{
	char *f[3] = { NULL };
	const char *p = spec, *comma;
	int64_t devid;
	size_t n = 0, i;
	bool host;
	struct xv *g, *dev;
	int rc = XU_ERR_INVALID;

	for (; n < 3; p = comma + 1) {
		comma = strchr(p, ',');
		f[n++] = trim(p, comma ? (size_t)(comma - p) : strlen(p));
		if (comma == NULL)
			break;
	}
	if (n < 2 || comma != NULL || *f[0] == '\0') {
		xu_err_set(err, rc = XU_ERR_SYNTAX, 0, "vscsi syntax error \"%s\"",
		    spec);
		goto out;
	}
	host = strcmp(f[1], "host") == 0;
	devid = hctl_host(host ? f[0] : f[1]);
	if (devid < 0) {
		xu_err_set(err, rc = XU_ERR_SYNTAX, 0, host ? "vscsi '%s': 'host' "
		    "needs the physical device as HOST:CHANNEL:TARGET:LUN" :
		    "vscsi syntax error \"%s\"", host ? spec : f[1]);
		goto out;
	}
	g = vscsi_group(groups, devid, host, n > 2 ? f[2] : NULL);
	if (xv_at(xv_child(xv_at(g, 1), "feature-host"), 1)->u.i != host ||
	    strcmp(xv_string(xv_at(g, 2)), n > 2 ? f[2] : "") != 0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "The physical device \"%s\" "
		    "cannot define because %s is different", f[0],
		    host ? "mode" : "backend");
		goto out;
	}
	dev = elem("dev");
	xv_append_pair(dev, "state", xv_int(1));	/* XenbusStateInitialising */
	xv_append_pair(dev, "devid", xv_int(devid));
	xv_append_pair(dev, "p-dev", xv_str(f[0]));
	xv_append_pair(dev, "v-dev", xv_str(host ? f[0] : f[1]));
	xv_append(xv_at(g, 1), dev);
	rc = XU_OK;
out:
	for (i = 0; i < n; i++)
		free(f[i]);
	return rc;
}

int
devspec_vscsi(const struct xv *specs, struct xv *devs, struct xu_err *err)
{
	struct xv *groups = xv_list();
	size_t i;
	int rc = XU_OK;

	for (i = 0; i < xv_len(specs) && rc == XU_OK; i++) {
		rc = vscsi_one(xv_string(xv_at(specs, i)), groups, err);
		if (rc != XU_OK && err && err->line == 0)
			err->line = xv_at(specs, i)->line;
	}
	for (i = 0; i < xv_len(groups) && rc == XU_OK; i++) {
		struct xv *g = xv_at(groups, i), *e = xv_copy(xv_at(g, 1));

		if (*xv_string(xv_at(g, 2)))
			xv_append_pair(e, "backend", xv_copy(xv_at(g, 2)));
		add_device(devs, e);
	}
	xv_free(groups);
	return rc;
}

/* ---- vusb, ioports, irq, vtpm, access control ---- */

static int
vusb_check(const struct xv *pairs, int64_t *ver, int64_t *ports,
    struct xu_err *err)
{
	const char *s;
	size_t i;
	int64_t n;

	*ver = 2;
	*ports = 8;
	if ((s = kv_get(pairs, "usbver")) != NULL &&
	    (!parse_num(s, 10, 2, ver) || *ver < 1))
		goto bad_ver;
	if ((s = kv_get(pairs, "numports")) != NULL &&
	    (!parse_num(s, 10, 16, ports) || *ports < 1))
		goto bad_ports;
	for (i = 0; i < xv_len(pairs); i++) {
		const char *k = xv_string(xv_at(xv_at(pairs, i), 0));

		if (strcmp(k, "usbver") == 0 || strcmp(k, "numports") == 0)
			continue;
		if (strncmp(k, "port_", 5) != 0 || !parse_num(k + 5, 10, *ports, &n) ||
		    n < 1 || k[5] == '0') {
			xu_err_set(err, XU_ERR_INVALID, 0, "Invalid vusb option: %s", k);
			return XU_ERR_INVALID;
		}
	}
	return XU_OK;
bad_ver:
	xu_err_set(err, XU_ERR_INVALID, 0, "Invalid vusb option: usbver");
	return XU_ERR_INVALID;
bad_ports:
	xu_err_set(err, XU_ERR_INVALID, 0, "Invalid vusb option: numports");
	return XU_ERR_INVALID;
}

int
devspec_vusb(const char *spec, struct xv *devs, struct xu_err *err)
{
	struct xv *pairs, *e, *ports;
	int64_t ver, n, i;
	char key[16];
	int rc;

	if ((rc = devspec_kv_parse(spec, &pairs, err)) != XU_OK)
		return rc;
	if ((rc = vusb_check(pairs, &ver, &n, err)) != XU_OK)
		goto out;
	e = elem("vusb");
	xv_append_pair(e, "usb-ver", xv_strf("%d", (int)ver));
	xv_append_pair(e, "num-ports", xv_strf("%d", (int)n));
	ports = elem("port");
	for (i = 1; i <= n; i++) {
		const char *v;

		snprintf(key, sizeof(key), "port_%d", (int)i);
		v = kv_get(pairs, key);
		xv_append_pair(ports, key + 5, xv_str(v ? v : ""));
	}
	xv_append(e, ports);
	add_device(devs, e);
out:
	xv_free(pairs);
	return rc;
}

int
devspec_ioports(const char *spec, struct xv *devs, struct xu_err *err)
{
	const char *dash = strchr(spec, '-');
	char *from = dash ? xu_strndup(spec, (size_t)(dash - spec)) : xu_strdup(spec);
	const char *to = dash ? dash + 1 : from;
	int64_t a, b;
	struct xv *e;
	int rc = XU_OK;

	if (strchr(to, '-') != NULL || !parse_num(from, 16, 0xffff, &a) ||
	    !parse_num(to, 16, 0xffff, &b)) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Invalid i/o port range "
		    "specifier: %s (expected FROM[-TO] in hex, e.g. 02f8-02ff)", spec);
		rc = XU_ERR_INVALID;
	} else if (b < a) {
		xu_err_set(err, XU_ERR_INVALID, 0,
		    "ioports '%s': the range ends before it starts", spec);
		rc = XU_ERR_INVALID;
	} else {
		/* Classic kept the digits as written, with a 0x prefix. */
		e = elem("ioports");
		xv_append_pair(e, "from", xv_strf("0x%s", from));
		xv_append_pair(e, "to", xv_strf("0x%s", to));
		add_device(devs, e);
	}
	free(from);
	return rc;
}

int
devspec_irq(int64_t irq, struct xv *devs, struct xu_err *err)
{
	struct xv *e;

	if (irq < 0 || irq > 1023) {
		xu_err_set(err, XU_ERR_RANGE, 0,
		    "irq: %lld is not an interrupt line (0-1023)", (long long)irq);
		return XU_ERR_RANGE;
	}
	e = elem("irq");
	xv_append_pair(e, "irq", xv_strf("%lld", (long long)irq));
	add_device(devs, e);
	return XU_OK;
}

int
devspec_vtpm(const char *spec, struct xv *devs, struct xu_err *err)
{
	static const char *const keys[] = { "backend", "instance", "uuid", NULL };
	struct xv *pairs, *e;
	const char *inst, *s;
	int64_t n;
	size_t i;
	int rc;

	if ((rc = devspec_kv_parse(spec, &pairs, err)) != XU_OK)
		return rc;
	for (i = 0; i < xv_len(pairs); i++) {
		const char *k = xv_string(xv_at(xv_at(pairs, i), 0));

		if (!in_list(keys, k, strlen(k))) {
			xu_err_set(err, XU_ERR_INVALID, 0,
			    "Invalid vtpm specifier: %s", spec);
			rc = XU_ERR_INVALID;
			goto out;
		}
	}
	inst = kv_get(pairs, "instance");
	if (inst && strcmp(inst, "VTPMD") == 0)
		inst = "0";
	else if (inst && (!parse_num(inst, 10, INT32_MAX, &n) || n == 0)) {
		xu_err_set(err, XU_ERR_INVALID, 0, parse_num(inst, 10, INT32_MAX, &n) ?
		    "VM config error: vTPM instance must not be 0." :
		    "VM config error: could not parse vTPM instance number '%s'.",
		    inst);
		rc = XU_ERR_INVALID;
		goto out;
	}
	e = elem("vtpm");
	if (inst && *inst)
		xv_append_pair(e, "pref_instance", xv_str(inst));
	if ((s = kv_get(pairs, "backend")) != NULL && *s)
		xv_append_pair(e, "backend", xv_str(s));
	if ((s = kv_get(pairs, "uuid")) != NULL && *s)
		xv_append_pair(e, "uuid", xv_str(s));
	add_device(devs, e);
out:
	xv_free(pairs);
	return rc;
}

int
devspec_access_control(const char *spec, struct xv **elemp, struct xu_err *err)
{
	struct xv *pairs, *ac, *wrap, *sec;
	const char *policy, *label;
	int rc;

	*elemp = NULL;
	if ((rc = devspec_kv_parse(spec, &pairs, err)) != XU_OK)
		return rc;
	policy = kv_get(pairs, "policy");
	label = kv_get(pairs, "label");
	if (policy == NULL || label == NULL || xv_len(pairs) != 2) {
		xu_err_set(err, XU_ERR_INVALID, 0,
		    "Invalid access_control specifier: %s", spec);
		xv_free(pairs);
		return XU_ERR_INVALID;
	}
	ac = elem("access_control");
	xv_append_pair(ac, "policy", xv_str(policy));
	xv_append_pair(ac, "label", xv_str(label));
	wrap = xv_append(xv_list(), ac);
	sec = elem("security");
	xv_append(sec, wrap);
	*elemp = sec;
	xv_free(pairs);
	return XU_OK;
}
