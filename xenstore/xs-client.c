/* xs-client.c: the xenstore tools' side of the xenstored socket
 * protocol: blocking requests, replies matched by request id, watch
 * events kept aside until xsc_read_watch. */
#include "xs-client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xu.h"

#ifndef XEN_RUNSTATEDIR
#define XEN_RUNSTATEDIR "/var/run"
#endif
#define XS_DEFAULT_SOCKET	XEN_RUNSTATEDIR "/xenstored/socket"

struct event_msg {
	char *payload;
	size_t len;
	struct event_msg *next;
};

struct xsc {
	int fd;
	uint32_t next_req;
	struct event_msg *ev_head, *ev_tail;
	char err[256];
};

struct xsc *
xsc_open(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct xsc *c;
	int fd;

	if (path == NULL)
		path = getenv("XENSTORED_PATH");
	if (path == NULL || *path == '\0')
		path = XS_DEFAULT_SOCKET;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(why, whylen, "socket path %s is too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		snprintf(why, whylen, "cannot connect to xenstored at %s: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	c = xu_calloc(1, sizeof(*c));
	c->fd = fd;
	c->next_req = 1;
	return c;
}

void
xsc_close(struct xsc *c)
{
	struct event_msg *e;

	if (c == NULL)
		return;
	while ((e = c->ev_head) != NULL) {
		c->ev_head = e->next;
		free(e->payload);
		free(e);
	}
	close(c->fd);
	free(c);
}

const char *
xsc_error(const struct xsc *c)
{
	return c->err;
}

static int
io_fail(struct xsc *c, const char *what)
{
	snprintf(c->err, sizeof(c->err), "%s: %s", what,
	    errno ? strerror(errno) : "connection closed by xenstored");
	return EIO;
}

static int
write_all(struct xsc *c, const void *data, size_t len)
{
	const char *p = data;
	ssize_t r;

	while (len > 0) {
		r = send(c->fd, p, len, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return io_fail(c, "writing to xenstored");
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int
read_all(struct xsc *c, void *data, size_t len)
{
	char *p = data;
	ssize_t r;

	while (len > 0) {
		r = read(c->fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return io_fail(c, "reading from xenstored");
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* One whole message; payload malloc'd with a NUL after it. */
static int
read_msg(struct xsc *c, struct xsw_hdr *h, char **payload)
{
	unsigned char raw[XS_HEADER_LEN];
	int rc;

	*payload = NULL;
	if ((rc = read_all(c, raw, sizeof(raw))) != 0)
		return rc;
	if (!xsw_hdr_decode(raw, h)) {
		snprintf(c->err, sizeof(c->err), "xenstored sent an oversized "
		    "message (%u bytes)", h->len);
		return EIO;
	}
	*payload = xu_malloc(h->len + 1);
	if ((rc = read_all(c, *payload, h->len)) != 0) {
		free(*payload);
		*payload = NULL;
		return rc;
	}
	(*payload)[h->len] = '\0';
	return 0;
}

static void
keep_event(struct xsc *c, char *payload, size_t len)
{
	struct event_msg *e = xu_calloc(1, sizeof(*e));

	e->payload = payload;
	e->len = len;
	if (c->ev_tail != NULL)
		c->ev_tail->next = e;
	else
		c->ev_head = e;
	c->ev_tail = e;
}

int
xsc_request(struct xsc *c, uint32_t type, uint32_t tx, const void *payload,
    size_t len, char **reply, size_t *rlen)
{
	struct xsw_hdr h = { type, c->next_req++, tx, (uint32_t)len };
	unsigned char raw[XS_HEADER_LEN];
	char *p;
	int rc;

	*reply = NULL;
	*rlen = 0;
	if (len > XS_PAYLOAD_MAX)
		return E2BIG;
	xsw_hdr_encode(&h, raw);
	if ((rc = write_all(c, raw, sizeof(raw))) != 0 ||
	    (len > 0 && (rc = write_all(c, payload, len)) != 0))
		return rc;
	for (;;) {
		struct xsw_hdr r;

		if ((rc = read_msg(c, &r, &p)) != 0)
			return rc;
		if (r.type == XS_WATCH_EVENT) {
			keep_event(c, p, r.len);
			continue;
		}
		if (r.req_id != h.req_id) {
			free(p);
			continue;
		}
		if (r.type == XS_ERROR) {
			rc = xsw_errno_from_name(p, r.len);
			free(p);
			return rc;
		}
		*reply = p;
		*rlen = r.len;
		return 0;
	}
}

/* A request whose payload is the given strings, each with its NUL. */
static int
strings_request(struct xsc *c, uint32_t type, uint32_t tx, const char *const *s,
    size_t n, char **reply, size_t *rlen)
{
	struct xu_buf b;
	size_t i;
	int rc;

	xu_buf_init(&b);
	for (i = 0; i < n; i++)
		xu_buf_add(&b, s[i], strlen(s[i]) + 1);
	rc = xsc_request(c, type, tx, b.data, b.len, reply, rlen);
	xu_buf_dispose(&b);
	return rc;
}

static int
simple(struct xsc *c, uint32_t type, uint32_t tx, const char *arg)
{
	char *reply;
	size_t len;
	int rc;

	rc = strings_request(c, type, tx, &arg, 1, &reply, &len);
	free(reply);
	return rc;
}

int
xsc_read(struct xsc *c, uint32_t tx, const char *path, char **value, size_t *len)
{
	return strings_request(c, XS_READ, tx, &path, 1, value, len);
}

int
xsc_write(struct xsc *c, uint32_t tx, const char *path, const char *value,
    size_t len)
{
	struct xu_buf b;
	char *reply;
	size_t rlen;
	int rc;

	xu_buf_init(&b);
	xu_buf_add(&b, path, strlen(path) + 1);
	xu_buf_add(&b, value, len);
	rc = xsc_request(c, XS_WRITE, tx, b.data, b.len, &reply, &rlen);
	xu_buf_dispose(&b);
	free(reply);
	return rc;
}

int
xsc_mkdir(struct xsc *c, uint32_t tx, const char *path)
{
	return simple(c, XS_MKDIR, tx, path);
}

int
xsc_rm(struct xsc *c, uint32_t tx, const char *path)
{
	return simple(c, XS_RM, tx, path);
}

/* A reply of NUL-terminated strings as an array. */
static void
to_strings(const char *p, size_t len, char ***v, size_t *n)
{
	const char *parts[XS_PAYLOAD_MAX];
	bool open_end;
	int k, i;

	k = xsw_split(p, len, parts, XS_PAYLOAD_MAX, &open_end);
	*n = k > 0 ? (size_t)k : 0;
	*v = xu_calloc(*n + 1, sizeof(char *));
	for (i = 0; i < k; i++)
		(*v)[i] = xu_strdup(parts[i]);
}

static int
list_request(struct xsc *c, uint32_t type, uint32_t tx, const char *path,
    char ***v, size_t *n)
{
	char *reply;
	size_t len;
	int rc;

	*v = NULL;
	*n = 0;
	if ((rc = strings_request(c, type, tx, &path, 1, &reply, &len)) != 0)
		return rc;
	to_strings(reply, len, v, n);
	free(reply);
	return 0;
}

int
xsc_directory(struct xsc *c, uint32_t tx, const char *path, char ***names,
    size_t *n)
{
	return list_request(c, XS_DIRECTORY, tx, path, names, n);
}

int
xsc_get_perms(struct xsc *c, uint32_t tx, const char *path, char ***perms,
    size_t *n)
{
	return list_request(c, XS_GET_PERMS, tx, path, perms, n);
}

int
xsc_set_perms(struct xsc *c, uint32_t tx, const char *path, char *const *perms,
    size_t n)
{
	const char **s = xu_calloc(n + 1, sizeof(*s));
	char *reply;
	size_t i, len;
	int rc;

	s[0] = path;
	for (i = 0; i < n; i++)
		s[i + 1] = perms[i];
	rc = strings_request(c, XS_SET_PERMS, tx, s, n + 1, &reply, &len);
	free(reply);
	free(s);
	return rc;
}

int
xsc_watch(struct xsc *c, const char *path, const char *token)
{
	const char *s[2] = { path, token };
	char *reply;
	size_t len;
	int rc;

	rc = strings_request(c, XS_WATCH, 0, s, 2, &reply, &len);
	free(reply);
	return rc;
}

int
xsc_read_watch(struct xsc *c, char **path, char **token)
{
	struct event_msg *e;
	char **v;
	size_t n;
	int rc;

	*path = *token = NULL;
	while (c->ev_head == NULL) {
		struct xsw_hdr h;
		char *p;

		if ((rc = read_msg(c, &h, &p)) != 0)
			return rc;
		if (h.type == XS_WATCH_EVENT)
			keep_event(c, p, h.len);
		else
			free(p);
	}
	e = c->ev_head;
	c->ev_head = e->next;
	if (c->ev_head == NULL)
		c->ev_tail = NULL;
	to_strings(e->payload, e->len, &v, &n);
	free(e->payload);
	free(e);
	if (n < 2) {
		xsc_strings_free(v, n);
		snprintf(c->err, sizeof(c->err), "malformed watch event");
		return EIO;
	}
	*path = v[0];
	*token = v[1];
	v[0] = v[1] = NULL;
	xsc_strings_free(v, n);
	return 0;
}

int
xsc_txn_start(struct xsc *c, uint32_t *tx)
{
	char *reply;
	size_t len;
	int64_t v;
	int rc;

	*tx = 0;
	if ((rc = xsc_request(c, XS_TRANSACTION_START, 0, "", 1, &reply, &len)) != 0)
		return rc;
	if (xu_parse_int64(reply, &v) != XU_OK || v <= 0 || v > UINT32_MAX) {
		free(reply);
		snprintf(c->err, sizeof(c->err), "xenstored sent a bad transaction id");
		return EIO;
	}
	free(reply);
	*tx = (uint32_t)v;
	return 0;
}

int
xsc_txn_end(struct xsc *c, uint32_t tx, bool commit)
{
	return simple(c, XS_TRANSACTION_END, tx, commit ? "T" : "F");
}

int
xsc_restrict(struct xsc *c, uint32_t domid)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", domid);
	return simple(c, XS_RESTRICT, 0, num);
}

void
xsc_strings_free(char **v, size_t n)
{
	if (v == NULL)
		return;
	while (n > 0)
		free(v[--n]);
	free(v);
}
