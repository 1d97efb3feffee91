/* xs-wire.c: the codec of Xen's xenstored socket protocol (xs-wire.h). */
#include "xs-wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xu.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const type_names[XS_TYPE_COUNT] = {
	[XS_DEBUG] = "XS_DEBUG",
	[XS_DIRECTORY] = "XS_DIRECTORY",
	[XS_READ] = "XS_READ",
	[XS_GET_PERMS] = "XS_GET_PERMS",
	[XS_WATCH] = "XS_WATCH",
	[XS_UNWATCH] = "XS_UNWATCH",
	[XS_TRANSACTION_START] = "XS_TRANSACTION_START",
	[XS_TRANSACTION_END] = "XS_TRANSACTION_END",
	[XS_INTRODUCE] = "XS_INTRODUCE",
	[XS_RELEASE] = "XS_RELEASE",
	[XS_GET_DOMAIN_PATH] = "XS_GET_DOMAIN_PATH",
	[XS_WRITE] = "XS_WRITE",
	[XS_MKDIR] = "XS_MKDIR",
	[XS_RM] = "XS_RM",
	[XS_SET_PERMS] = "XS_SET_PERMS",
	[XS_WATCH_EVENT] = "XS_WATCH_EVENT",
	[XS_ERROR] = "XS_ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "XS_IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "XS_RESUME",
	[XS_SET_TARGET] = "XS_SET_TARGET",
	[XS_RESTRICT] = "XS_RESTRICT",
	[XS_RESET_WATCHES] = "XS_RESET_WATCHES",
};

/* Xen's xsd_errors, in its order. */
static const struct {
	int err;
	const char *name;
} errnos[] = {
	{ EINVAL, "EINVAL" },
	{ EACCES, "EACCES" },
	{ EEXIST, "EEXIST" },
	{ EISDIR, "EISDIR" },
	{ ENOENT, "ENOENT" },
	{ ENOMEM, "ENOMEM" },
	{ ENOSPC, "ENOSPC" },
	{ EIO, "EIO" },
	{ ENOTEMPTY, "ENOTEMPTY" },
	{ ENOSYS, "ENOSYS" },
	{ EROFS, "EROFS" },
	{ EBUSY, "EBUSY" },
	{ EAGAIN, "EAGAIN" },
	{ EISCONN, "EISCONN" },
	{ E2BIG, "E2BIG" },
	{ EPERM, "EPERM" },
};

const char *
xsw_type_name(uint32_t type)
{
	if (type < NELEM(type_names) && type_names[type] != NULL)
		return type_names[type];
	return "XS_?";
}

void
xsw_hdr_encode(const struct xsw_hdr *h, unsigned char out[XS_HEADER_LEN])
{
	uint32_t v[4] = { h->type, h->req_id, h->tx_id, h->len };

	memcpy(out, v, XS_HEADER_LEN);
}

bool
xsw_hdr_decode(const unsigned char in[XS_HEADER_LEN], struct xsw_hdr *h)
{
	uint32_t v[4];

	memcpy(v, in, XS_HEADER_LEN);
	h->type = v[0];
	h->req_id = v[1];
	h->tx_id = v[2];
	h->len = v[3];
	return h->len <= XS_PAYLOAD_MAX;
}

const char *
xsw_errno_name(int err)
{
	size_t i;

	for (i = 0; i < NELEM(errnos); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return "EINVAL";
}

int
xsw_errno_from_name(const char *name, size_t len)
{
	size_t i;

	while (len > 0 && name[len - 1] == '\0')
		len--;
	for (i = 0; i < NELEM(errnos); i++)
		if (strlen(errnos[i].name) == len &&
		    memcmp(errnos[i].name, name, len) == 0)
			return errnos[i].err;
	return EINVAL;
}

int
xsw_split(const char *payload, size_t len, const char **parts, size_t max,
    bool *last_unterminated)
{
	size_t off = 0, n = 0;
	const char *nul;

	*last_unterminated = false;
	while (off < len) {
		if (n == max)
			return -1;
		parts[n++] = payload + off;
		nul = memchr(payload + off, '\0', len - off);
		if (nul == NULL) {
			*last_unterminated = true;
			break;
		}
		off = (size_t)(nul - payload) + 1;
	}
	return (int)n;
}

bool
xsw_perm_parse(const char *s, struct xsw_perm *p)
{
	int64_t id;

	switch (s[0]) {
	case 'n': p->perm = XSW_PERM_NONE; break;
	case 'r': p->perm = XSW_PERM_READ; break;
	case 'w': p->perm = XSW_PERM_WRITE; break;
	case 'b': p->perm = XSW_PERM_BOTH; break;
	default: return false;
	}
	if (xu_parse_int64(s + 1, &id) != XU_OK || id < 0 || id > UINT32_MAX)
		return false;
	p->id = (uint32_t)id;
	return true;
}

void
xsw_perm_format(const struct xsw_perm *p, char *buf, size_t len)
{
	static const char letters[] = "nrwb";

	snprintf(buf, len, "%c%u", letters[p->perm & 3], p->id);
}

static bool
path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '@' ||
	    c == '/';
}

bool
xsw_path_valid(const char *path, bool relative_ok, bool special_ok)
{
	size_t len = strlen(path), i;

	if (len == 0)
		return false;
	if (path[0] == '@') {
		if (!special_ok || len > XS_REL_PATH_MAX)
			return false;
		for (i = 1; i < len; i++)
			if (!path_char(path[i]) || path[i] == '/')
				return false;
		return len > 1;
	}
	if (path[0] != '/' && (!relative_ok || len > XS_REL_PATH_MAX))
		return false;
	if (len > XS_ABS_PATH_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (!path_char(path[i]))
			return false;
		if (path[i] == '/' && i + 1 < len && path[i + 1] == '/')
			return false;
	}
	return len == 1 || path[len - 1] != '/';
}
