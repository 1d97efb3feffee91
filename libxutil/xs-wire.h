/* xs-wire.h: Xen's xenstored socket protocol (Xen's io/xs_wire.h), shared
 * by xend's xenstore server and the xenstore tools: the 16-byte header,
 * the message types, the errno names of XS_ERROR, permissions and paths.
 *
 * A message is a header {type, req_id, tx_id, len} in host byte order,
 * then len bytes of payload (at most XS_PAYLOAD_MAX). Strings in a
 * payload are NUL-terminated, except a written value, which runs to the
 * end of the payload. A reply has the request's type, req_id and tx_id;
 * a failure is XS_ERROR with an errno name ("ENOENT\0"). Watch events
 * (XS_WATCH_EVENT, "path\0token\0") may arrive between replies. */
#ifndef XS_WIRE_H
#define XS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Xen's numbers; XS_RESTRICT is the 4.1-era message that makes a
 * connection act as a given (unprivileged) domain. */
enum xsw_type {
	XS_DEBUG = 0,
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_GET_PERMS = 3,
	XS_WATCH = 4,
	XS_UNWATCH = 5,
	XS_TRANSACTION_START = 6,
	XS_TRANSACTION_END = 7,
	XS_INTRODUCE = 8,
	XS_RELEASE = 9,
	XS_GET_DOMAIN_PATH = 10,
	XS_WRITE = 11,
	XS_MKDIR = 12,
	XS_RM = 13,
	XS_SET_PERMS = 14,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
	XS_IS_DOMAIN_INTRODUCED = 17,
	XS_RESUME = 18,
	XS_SET_TARGET = 19,
	XS_RESTRICT = 20,
	XS_RESET_WATCHES = 21,
	XS_TYPE_COUNT
};

#define XS_HEADER_LEN		16
#define XS_PAYLOAD_MAX		4096
#define XS_ABS_PATH_MAX		3072
#define XS_REL_PATH_MAX		2048

struct xsw_hdr {
	uint32_t type;
	uint32_t req_id;
	uint32_t tx_id;		/* 0: not in a transaction */
	uint32_t len;
};

/* "XS_READ" for XS_READ; "XS_?" for an unknown number. */
const char *xsw_type_name(uint32_t type);

void xsw_hdr_encode(const struct xsw_hdr *h, unsigned char out[XS_HEADER_LEN]);
/* False when len exceeds XS_PAYLOAD_MAX (the stream cannot be trusted). */
bool xsw_hdr_decode(const unsigned char in[XS_HEADER_LEN], struct xsw_hdr *h);

/* Errno names as XS_ERROR carries them (Xen's xsd_errors); an errno Xen
 * has no name for travels as "EINVAL". */
const char *xsw_errno_name(int err);
/* The errno for a name (with or without its NUL); EINVAL if unknown. */
int xsw_errno_from_name(const char *name, size_t len);

/* Splits a payload into its NUL-terminated strings: up to max pointers
 * into payload. Returns how many strings there are (a trailing part
 * without its NUL counts, *last_unterminated is then set), or -1 when
 * there are more than max. */
int xsw_split(const char *payload, size_t len, const char **parts, size_t max,
    bool *last_unterminated);

/* Permissions: a domain and what it may do. The first entry of a node's
 * list names its owner and what everyone else not listed may do. */
enum {
	XSW_PERM_NONE = 0,
	XSW_PERM_READ = 1,
	XSW_PERM_WRITE = 2,
	XSW_PERM_BOTH = 3,
};

struct xsw_perm {
	uint32_t id;
	unsigned perm;		/* XSW_PERM_* */
};

/* "r5" -> {5, READ}; letters n r w b. */
bool xsw_perm_parse(const char *s, struct xsw_perm *p);
/* The text form into buf (at least 16 bytes). */
void xsw_perm_format(const struct xsw_perm *p, char *buf, size_t len);

/* A path Xen accepts: characters [A-Za-z0-9_@/-], no empty component,
 * no trailing '/' (but "/"), within the length limits; relative paths
 * (no leading '/') only when relative_ok; "@name" watch-only paths only
 * when special_ok. */
bool xsw_path_valid(const char *path, bool relative_ok, bool special_ok);

#endif
