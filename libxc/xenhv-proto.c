/* xenhv-proto.c: the codec of xenhv's control protocol (xenhv-proto.h),
 * shared by libxc and the monitor so both sides agree byte for byte. */
#include "xenhv-proto.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "xenctrl.h"
#include "xu.h"

static const char *const err_names[] = {
	[XHP_E_INTERNAL] = "internal",
	[XHP_E_BAD_REQUEST] = "bad-request",
	[XHP_E_UNKNOWN_REQUEST] = "unknown-request",
	[XHP_E_VERSION] = "version",
	[XHP_E_NO_HELLO] = "no-hello",
	[XHP_E_STATE] = "state",
	[XHP_E_ENGINE] = "engine",
	[XHP_E_UNSUPPORTED] = "unsupported",
	[XHP_E_EXISTS] = "exists",
	[XHP_E_START] = "start",
	[XHP_E_INVALID] = "invalid",
	[XHP_E_TIMEOUT] = "timeout",
	[XHP_E_NO_DEVICE] = "no-device",
	[XHP_E_LOCKED] = "locked",
};

static const char *const state_names[] = {
	"running", "paused", "shutdown", "crashed", "dying",
};

static const char *const reason_names[] = {
	"poweroff", "reboot", "suspend", "crash", "halt",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
xhp_err_name(int code)
{
	if (code <= 0 || (size_t)code >= NELEM(err_names) || err_names[code] == NULL)
		return "unknown";
	return err_names[code];
}

const char *
xhp_state_name(int state)
{
	if (state < 0 || (size_t)state >= NELEM(state_names))
		return NULL;
	return state_names[state];
}

int
xhp_state_from_name(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < NELEM(state_names); i++) {
		if (strcmp(name, state_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

const char *
xhp_reason_name(int reason)
{
	if (reason < 0 || (size_t)reason >= NELEM(reason_names))
		return NULL;
	return reason_names[reason];
}

int
xhp_reason_from_name(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < NELEM(reason_names); i++) {
		if (strcmp(name, reason_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

bool
xhp_json_sane(const char *s, size_t len, int maxdepth)
{
	bool in_str = false, esc = false;
	int depth = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\0')
			return false;
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			break;
		case '{':
		case '[':
			if (++depth > maxdepth)
				return false;
			break;
		case '}':
		case ']':
			depth--;
			break;
		}
	}
	return true;
}

static void
msg_clear(struct xhp_msg *m)
{
	memset(m, 0, sizeof(*m));
}

void
xhp_msg_dispose(struct xhp_msg *m)
{
	if (m->root != NULL)
		yajl_tree_free(m->root);
	msg_clear(m);
}

static yajl_val
member(yajl_val obj, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (i = 0; i < obj->u.object.len; i++) {
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	}
	return NULL;
}

bool
xhp_get_str(yajl_val obj, const char *key, const char **out)
{
	yajl_val v = member(obj, key);

	if (!YAJL_IS_STRING(v))
		return false;
	*out = v->u.string;
	return true;
}

bool
xhp_get_int(yajl_val obj, const char *key, int64_t *out)
{
	yajl_val v = member(obj, key);

	if (!YAJL_IS_INTEGER(v))
		return false;
	*out = v->u.number.i;
	return true;
}

bool
xhp_get_uint(yajl_val obj, const char *key, uint64_t *out)
{
	int64_t i;

	if (!xhp_get_int(obj, key, &i) || i < 0)
		return false;
	*out = (uint64_t)i;
	return true;
}

bool
xhp_get_bool(yajl_val obj, const char *key, bool *out)
{
	yajl_val v = member(obj, key);

	if (YAJL_IS_TRUE(v))
		*out = true;
	else if (YAJL_IS_FALSE(v))
		*out = false;
	else
		return false;
	return true;
}

bool
xhp_get_double(yajl_val obj, const char *key, double *out)
{
	yajl_val v = member(obj, key);

	if (YAJL_IS_INTEGER(v))
		*out = (double)v->u.number.i;
	else if (YAJL_IS_DOUBLE(v) && isfinite(v->u.number.d))
		*out = v->u.number.d;
	else
		return false;
	return true;
}

static bool
fail(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0) {
		strncpy(why, msg, whylen - 1);
		why[whylen - 1] = '\0';
	}
	return false;
}

/* The body is optional on the wire but must be an object when present. */
static bool
take_body(yajl_val v, yajl_val *body)
{
	if (v == NULL) {
		*body = NULL;
		return true;
	}
	if (!YAJL_IS_OBJECT(v))
		return false;
	*body = v;
	return true;
}

static bool
parse_error_body(yajl_val err, struct xhp_msg *m)
{
	if (!YAJL_IS_OBJECT(err))
		return false;
	if (!xhp_get_int(err, "code", &m->code) || m->code <= 0)
		return false;
	if (!xhp_get_str(err, "message", &m->message))
		return false;
	m->body = err;
	return true;
}

static bool
classify(yajl_val root, struct xhp_msg *m, const char **bad)
{
	yajl_val v;
	int64_t i;

	if ((v = member(root, "event")) != NULL) {
		m->kind = XHP_EVENT;
		if (!YAJL_IS_STRING(v) || *v->u.string == '\0')
			return (*bad = "event name is not a string", false);
		m->name = v->u.string;
		if (!xhp_get_uint(root, "seq", &m->seq) || m->seq == 0)
			return (*bad = "event without a valid seq", false);
		if (!take_body(member(root, "data"), &m->body))
			return (*bad = "event data is not an object", false);
		return true;
	}
	if (!xhp_get_int(root, "id", &i) || i < 0)
		return (*bad = "message without a valid id", false);
	m->id = i;
	if ((v = member(root, "request")) != NULL) {
		m->kind = XHP_REQUEST;
		if (!YAJL_IS_STRING(v) || *v->u.string == '\0')
			return (*bad = "request name is not a string", false);
		m->name = v->u.string;
		if (!take_body(member(root, "args"), &m->body))
			return (*bad = "request args is not an object", false);
		return true;
	}
	if ((v = member(root, "error")) != NULL) {
		m->kind = XHP_REPLY_ERROR;
		if (!parse_error_body(v, m))
			return (*bad = "error reply without code and message", false);
		return true;
	}
	if ((v = member(root, "ok")) != NULL) {
		m->kind = XHP_REPLY_OK;
		if (!take_body(v, &m->body))
			return (*bad = "ok reply is not an object", false);
		return true;
	}
	*bad = "neither request, reply nor event";
	return false;
}

yajl_val
xhp_json_object(const char *line, size_t len, size_t maxlen, int maxdepth,
    const char *what, char *why, size_t whylen)
{
	char errbuf[128], msg[160], *copy;
	yajl_val root;

	if (len > maxlen) {
		snprintf(msg, sizeof(msg), "%s too long", what);
		return (fail(why, whylen, msg), NULL);
	}
	if (!xhp_json_sane(line, len, maxdepth)) {
		snprintf(msg, sizeof(msg), "%s nested too deeply or holds a NUL", what);
		return (fail(why, whylen, msg), NULL);
	}
	copy = xu_strndup(line, len);
	errbuf[0] = '\0';
	root = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	free(copy);
	if (root == NULL) {
		/* yajl's message spans lines and quotes the input: first line only. */
		errbuf[strcspn(errbuf, "\n")] = '\0';
		return (fail(why, whylen, *errbuf ? errbuf : "malformed JSON"), NULL);
	}
	if (!YAJL_IS_OBJECT(root)) {
		yajl_tree_free(root);
		snprintf(msg, sizeof(msg), "%s is not a JSON object", what);
		return (fail(why, whylen, msg), NULL);
	}
	return root;
}

bool
xhp_parse(const char *line, size_t len, struct xhp_msg *m, char *why, size_t whylen)
{
	const char *bad = NULL;
	yajl_val root;

	msg_clear(m);
	root = xhp_json_object(line, len, XHP_LINE_MAX, XHP_DEPTH_MAX, "message",
	    why, whylen);
	if (root == NULL)
		return false;
	m->root = root;
	if (!classify(root, m, &bad)) {
		xhp_msg_dispose(m);
		return fail(why, whylen, bad);
	}
	return true;
}

/* Copies s with every byte that does not start or continue a valid UTF-8
 * sequence replaced by '?', so the peer's validating parser accepts it. */
static char *
utf8_clean(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xu_malloc(len + 1);
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = p[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			out[i] = (char)c;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4, cp = c & 0x07;
		else
			n = 0, cp = 0;
		for (k = 1; n && k < n; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				n = 0;
			else
				cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
			n = 0;
		if (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
			n = 0;
		if (n == 0) {
			out[i++] = '?';
			continue;
		}
		memcpy(out + i, p + i, n);
		i += n;
	}
	out[len] = '\0';
	return out;
}

static void
gen_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

static void
gen_str(yajl_gen g, const char *s)
{
	size_t len = strlen(s);
	char *clean = utf8_clean(s, len);

	yajl_gen_string(g, (const unsigned char *)clean, len);
	free(clean);
}

static yajl_gen
gen_new(void)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		abort();
	return g;
}

yajl_gen
xhp_begin(enum xhp_kind kind, uint64_t id_or_seq, const char *name)
{
	yajl_gen g = gen_new();

	yajl_gen_map_open(g);
	switch (kind) {
	case XHP_EVENT:
		gen_key(g, "event");
		gen_str(g, name);
		gen_key(g, "seq");
		yajl_gen_integer(g, (long long)id_or_seq);
		gen_key(g, "data");
		break;
	case XHP_REQUEST:
		gen_key(g, "id");
		yajl_gen_integer(g, (long long)id_or_seq);
		gen_key(g, "request");
		gen_str(g, name);
		gen_key(g, "args");
		break;
	case XHP_REPLY_OK:
		gen_key(g, "id");
		yajl_gen_integer(g, (long long)id_or_seq);
		gen_key(g, "ok");
		break;
	case XHP_REPLY_ERROR:
		gen_key(g, "id");
		yajl_gen_integer(g, (long long)id_or_seq);
		gen_key(g, "error");
		break;
	}
	yajl_gen_map_open(g);
	return g;
}

void
xhp_put_str(yajl_gen g, const char *key, const char *val)
{
	gen_key(g, key);
	gen_str(g, val != NULL ? val : "");
}

void
xhp_put_int(yajl_gen g, const char *key, int64_t val)
{
	gen_key(g, key);
	yajl_gen_integer(g, (long long)val);
}

void
xhp_put_uint(yajl_gen g, const char *key, uint64_t val)
{
	/* JSON integers here are int64; larger values are clamped. */
	xhp_put_int(g, key, val > INT64_MAX ? INT64_MAX : (int64_t)val);
}

void
xhp_put_bool(yajl_gen g, const char *key, bool val)
{
	gen_key(g, key);
	yajl_gen_bool(g, val);
}

void
xhp_put_double(yajl_gen g, const char *key, double val)
{
	gen_key(g, key);
	/* yajl refuses NaN and infinities. */
	yajl_gen_double(g, isfinite(val) ? val : 0.0);
}

char *
xhp_end(yajl_gen g, size_t *len)
{
	const unsigned char *buf;
	size_t n;
	char *line;

	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &n);
	line = xu_malloc(n + 2);
	memcpy(line, buf, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	yajl_gen_free(g);
	if (len != NULL)
		*len = n + 1;
	return line;
}

char *
xhp_error_line(int64_t id, int code, const char *message, size_t *len)
{
	yajl_gen g = xhp_begin(XHP_REPLY_ERROR, (uint64_t)(id < 0 ? 0 : id), NULL);

	xhp_put_int(g, "code", code);
	xhp_put_str(g, "name", xhp_err_name(code));
	xhp_put_str(g, "message", message);
	return xhp_end(g, len);
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
xhp_b64_encode(const void *data, size_t len, size_t *outlen)
{
	const unsigned char *p = data;
	char *out = xu_malloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*o++ = b64[p[i] >> 2];
		*o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64[p[i + 2] & 63];
	}
	if (i < len) {
		*o++ = b64[p[i] >> 2];
		if (i + 1 < len) {
			*o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = b64[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	if (outlen != NULL)
		*outlen = (size_t)(o - out);
	return out;
}

static int
b64_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

bool
xhp_b64_decode(const char *s, size_t len, char **out, size_t *outlen)
{
	unsigned char *buf, *o;
	size_t i, pad = 0;
	int v[4], k;

	*out = NULL;
	*outlen = 0;
	if (len % 4 != 0)
		return false;
	if (len > 0 && s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	buf = o = xu_malloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		bool last = i + 4 == len;

		for (k = 0; k < 4; k++) {
			if (last && k >= 4 - (int)pad)
				v[k] = 0;
			else if ((v[k] = b64_value(s[i + k])) < 0)
				goto bad;
		}
		*o++ = (unsigned char)(v[0] << 2 | v[1] >> 4);
		*o++ = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		*o++ = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	*outlen = (size_t)(o - buf) - pad;
	buf[*outlen] = '\0';
	*out = (char *)buf;
	return true;
bad:
	free(buf);
	return false;
}

ssize_t
xhp_send_fd(int sock, const void *data, size_t len, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)data, len };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t r;

	memset(&mh, 0, sizeof(mh));
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r;
}

/* ---- devices ---------------------------------------------------------- */

static const char *const disk_formats[] = { "raw", "qcow2", "qcow", "vmdk", "vpc", NULL };
static const char *const disk_buses[] = { "virtio", "ide", NULL };
/* NIC models QEMU has on q35 that a guest config may name. */
static const char *const nic_models[] = { "virtio-net-pci", "e1000", "e1000e",
	"rtl8139", "ne2k_pci", "pcnet", "vmxnet3", NULL };

static bool
one_of(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

bool
xhp_nic_model_known(const char *model)
{
	return model != NULL && one_of(nic_models, model);
}

void
xhp_put_device(yajl_gen g, const struct xc_device *dev)
{
	xhp_put_str(g, "kind", dev->kind == XC_DEVICE_NIC ? "nic" : "disk");
	xhp_put_str(g, "id", dev->id);
	if (dev->kind == XC_DEVICE_NIC) {
		xhp_put_str(g, "ifname", dev->ifname);
		xhp_put_str(g, "mac", dev->mac);
		xhp_put_str(g, "model", dev->model ? dev->model : "virtio-net-pci");
		return;
	}
	if (dev->path != NULL)
		xhp_put_str(g, "path", dev->path);
	xhp_put_str(g, "format", dev->format ? dev->format : "raw");
	xhp_put_str(g, "bus", dev->bus ? dev->bus : "virtio");
	xhp_put_uint(g, "unit", dev->unit);
	xhp_put_bool(g, "readonly", dev->readonly);
	xhp_put_bool(g, "shared", dev->shared);
	xhp_put_bool(g, "cdrom", dev->cdrom);
	xhp_put_bool(g, "host_device", dev->host_device);
	if (dev->nbd_host != NULL) {
		xhp_put_str(g, "nbd_host", dev->nbd_host);
		xhp_put_uint(g, "nbd_port", dev->nbd_port);
		if (dev->nbd_export != NULL)
			xhp_put_str(g, "nbd_export", dev->nbd_export);
	}
}

char *
xhp_device_json(const struct xc_device *dev)
{
	yajl_gen g = gen_new();
	const unsigned char *buf;
	size_t n;
	char *s;

	yajl_gen_map_open(g);
	xhp_put_device(g, dev);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &n);
	s = xu_strndup((const char *)buf, n);
	yajl_gen_free(g);
	return s;
}

/* QEMU's ids: a letter, then letters, digits, '-', '.', '_'. */
static bool
valid_id(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 48 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("-._", s[i]) != NULL))
			return false;
	return true;
}

static bool
device_fail(char *why, size_t whylen, const char *id, const char *msg)
{
	char text[160];

	snprintf(text, sizeof(text), "device %.48s: %s", id ? id : "?", msg);
	return fail(why, whylen, text);
}

/* A name or address QEMU is given as it is: no option separators, no
 * spaces, no control characters. */
static bool
valid_nbd_word(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == ',' || *s == 0x7f)
			return false;
	return true;
}

/* nbd_host, nbd_port, nbd_export: an NBD export instead of a path. */
static bool
get_nbd(yajl_val obj, struct xc_device *dev, char *why, size_t whylen)
{
	uint64_t port = 0;

	if (member(obj, "nbd_host") == NULL) {
		if (member(obj, "nbd_port") != NULL || member(obj, "nbd_export") != NULL)
			return device_fail(why, whylen, dev->id, "nbd_port and "
			    "nbd_export need nbd_host");
		return true;
	}
	if (dev->path != NULL)
		return device_fail(why, whylen, dev->id, "a disk has a path or an "
		    "NBD server, not both");
	if (!xhp_get_str(obj, "nbd_host", &dev->nbd_host) ||
	    !valid_nbd_word(dev->nbd_host, 255))
		return device_fail(why, whylen, dev->id, "nbd_host must be a host "
		    "name or address");
	if (!xhp_get_uint(obj, "nbd_port", &port) || port == 0 || port > 65535)
		return device_fail(why, whylen, dev->id, "nbd_port must be 1 to 65535");
	dev->nbd_port = (unsigned)port;
	if (member(obj, "nbd_export") != NULL &&
	    (!xhp_get_str(obj, "nbd_export", &dev->nbd_export) ||
	    !valid_nbd_word(dev->nbd_export, 4096)))
		return device_fail(why, whylen, dev->id, "nbd_export must be a "
		    "name without spaces or commas");
	return true;
}

static bool
get_disk(yajl_val obj, struct xc_device *dev, char *why, size_t whylen)
{
	uint64_t unit = 0;

	dev->format = "raw";
	dev->bus = "virtio";
	if (member(obj, "path") != NULL && (!xhp_get_str(obj, "path", &dev->path) ||
	    dev->path[0] != '/'))
		return device_fail(why, whylen, dev->id, "path must be absolute");
	if ((member(obj, "format") && !xhp_get_str(obj, "format", &dev->format)) ||
	    !one_of(disk_formats, dev->format))
		return device_fail(why, whylen, dev->id, "unknown disk format");
	if ((member(obj, "bus") && !xhp_get_str(obj, "bus", &dev->bus)) ||
	    !one_of(disk_buses, dev->bus))
		return device_fail(why, whylen, dev->id, "bus must be virtio or ide");
	if (member(obj, "unit") && (!xhp_get_uint(obj, "unit", &unit) || unit > 5))
		return device_fail(why, whylen, dev->id, "unit must be 0 to 5");
	dev->unit = (unsigned)unit;
	if ((member(obj, "readonly") && !xhp_get_bool(obj, "readonly", &dev->readonly)) ||
	    (member(obj, "shared") && !xhp_get_bool(obj, "shared", &dev->shared)) ||
	    (member(obj, "cdrom") && !xhp_get_bool(obj, "cdrom", &dev->cdrom)) ||
	    (member(obj, "host_device") &&
	    !xhp_get_bool(obj, "host_device", &dev->host_device)))
		return device_fail(why, whylen, dev->id, "flags must be booleans");
	if (!get_nbd(obj, dev, why, whylen))
		return false;
	if (dev->path == NULL && dev->nbd_host == NULL && !dev->cdrom)
		return device_fail(why, whylen, dev->id, "a disk needs a path");
	return true;
}

bool
xhp_get_device(yajl_val obj, struct xc_device *dev, char *why, size_t whylen)
{
	const char *kind;

	memset(dev, 0, sizeof(*dev));
	if (!YAJL_IS_OBJECT(obj))
		return fail(why, whylen, "a device is a JSON object");
	if (!xhp_get_str(obj, "id", &dev->id) || !valid_id(dev->id))
		return device_fail(why, whylen, NULL, "no valid id");
	if (!xhp_get_str(obj, "kind", &kind))
		return device_fail(why, whylen, dev->id, "no kind");
	if (strcmp(kind, "disk") == 0) {
		dev->kind = XC_DEVICE_DISK;
		return get_disk(obj, dev, why, whylen);
	}
	if (strcmp(kind, "nic") != 0)
		return device_fail(why, whylen, dev->id, "kind must be disk or nic");
	dev->kind = XC_DEVICE_NIC;
	dev->model = "virtio-net-pci";
	if (!xhp_get_str(obj, "ifname", &dev->ifname) || *dev->ifname == '\0' ||
	    strlen(dev->ifname) > 15 || strchr(dev->ifname, '/') != NULL ||
	    strchr(dev->ifname, ',') != NULL)
		return device_fail(why, whylen, dev->id, "a NIC needs an interface name");
	if (!xhp_get_str(obj, "mac", &dev->mac) || !xu_mac_valid(dev->mac))
		return device_fail(why, whylen, dev->id, "a NIC needs a MAC address");
	if ((member(obj, "model") && !xhp_get_str(obj, "model", &dev->model)) ||
	    !one_of(nic_models, dev->model))
		return device_fail(why, whylen, dev->id, "unknown NIC model");
	return true;
}
