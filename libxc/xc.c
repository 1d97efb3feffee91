/* xc.c: libxc's core: the handle, error strings, logging through the
 * caller's logger, paths, and request/reply connections to monitors. */
#include "xc-private.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *const messages[] = {
	[0] = "success",
	[1] = "out of memory",
	[2] = "no such domain",
	[3] = "domain already exists",
	[4] = "protocol error",
	[5] = "timed out",
	[6] = "I/O error",
	[7] = "engine (QEMU) error",
	[8] = "invalid argument",
	[9] = "not possible in the domain's current state",
	[10] = "not supported",
	[11] = "domain could not start",
	[12] = "protocol version mismatch",
	[13] = "no such device",
	[14] = "the domain's lease is held elsewhere",
};

const char *
xc_strerror(int rc)
{
	size_t i = (size_t)(rc < 0 ? -rc : rc);

	if (i >= sizeof(messages) / sizeof(messages[0]) || messages[i] == NULL)
		return "unknown error";
	return messages[i];
}

xc_interface *
xc_interface_open(const char *root, const char *xenhv_path, const struct xc_logger *logger)
{
	xc_interface *xc = xu_calloc(1, sizeof(*xc));

	xc->root = xu_strdup(root != NULL ? root : "");
	/* A trailing '/' would double up in every path. */
	while (*xc->root && xc->root[strlen(xc->root) - 1] == '/')
		xc->root[strlen(xc->root) - 1] = '\0';
	xc->xenhv = xenhv_path != NULL ? xu_strdup(xenhv_path) :
	    xu_strdup(XEN_SBINDIR "/xenhv");
	if (logger != NULL && logger->log != NULL) {
		xc->logger = *logger;
		xc->has_logger = true;
	}
	return xc;
}

void
xc_interface_close(xc_interface *xc)
{
	struct xcp_sub *s;

	if (xc == NULL)
		return;
	while ((s = xc->subs) != NULL) {
		xc->subs = s->next;
		xu_buf_dispose(&s->in);
		free(s);
	}
	/* saves in flight go on in their monitors; only our ends close */
	while (xc->saves != NULL) {
		struct xcp_conn *c = xc->saves;

		xc->saves = c->next;
		xcp_conn_close(c);
		free(c);
	}
	free(xc->root);
	free(xc->xenhv);
	free(xc);
}

const char *
xc_last_error(const xc_interface *xc)
{
	return xc != NULL ? xc->last_error : "";
}

void
xcp_clear_error(xc_interface *xc)
{
	xc->last_error[0] = '\0';
}

static void
vlog(xc_interface *xc, enum xc_loglevel level, const char *fmt, va_list ap)
{
	if (xc->has_logger)
		xc->logger.log(xc->logger.opaque, level, fmt, ap);
}

void
xcp_log(xc_interface *xc, enum xc_loglevel level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(xc, level, fmt, ap);
	va_end(ap);
}

int
xcp_fail(xc_interface *xc, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(xc->last_error, sizeof(xc->last_error), fmt, ap);
	va_end(ap);
	xcp_log(xc, XC_LOG_ERROR, "%s", xc->last_error);
	return rc;
}

char *
xcp_rundir(const xc_interface *xc)
{
	return xu_asprintf("%s/var/run/xen/xenhv", xc->root);
}

char *
xcp_dompath(const xc_interface *xc, uint32_t domid, const char *leaf)
{
	if (leaf == NULL)
		return xu_asprintf("%s/var/run/xen/xenhv/%u", xc->root, domid);
	return xu_asprintf("%s/var/run/xen/xenhv/%u/%s", xc->root, domid, leaf);
}

const char *
xcp_qemu_path(void)
{
	const char *q = getenv("XEN_QEMU");

	return q != NULL && *q ? q : XC_QEMU_DEFAULT;
}

int
xcp_rc_from_xhp(int64_t code)
{
	switch (code) {
	case XHP_E_BAD_REQUEST:
	case XHP_E_NO_HELLO:
		return XC_ERR_PROTOCOL;
	case XHP_E_UNKNOWN_REQUEST:
	case XHP_E_UNSUPPORTED:
		return XC_ERR_UNSUPPORTED;
	case XHP_E_VERSION:
		return XC_ERR_VERSION;
	case XHP_E_STATE:
		return XC_ERR_STATE;
	case XHP_E_EXISTS:
		return XC_ERR_EXISTS;
	case XHP_E_START:
		return XC_ERR_START;
	case XHP_E_INVALID:
		return XC_ERR_INVALID;
	case XHP_E_TIMEOUT:
		return XC_ERR_TIMEOUT;
	case XHP_E_NO_DEVICE:
		return XC_ERR_NO_DEVICE;
	case XHP_E_LOCKED:
		return XC_ERR_LOCKED;
	case XHP_E_INTERNAL:
	case XHP_E_ENGINE:
	default:
		return XC_ERR_ENGINE;
	}
}

/* ---- line I/O ----------------------------------------------------- */

int
xcp_read_some(int fd, struct xu_buf *in, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char chunk[4096];
	ssize_t r;
	int n;

	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -2;
	if (n == 0)
		return 0;
	r = read(fd, chunk, sizeof(chunk));
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -2;
	if (r == 0)
		return -1;
	xu_buf_add(in, chunk, (size_t)r);
	return 1;
}

char *
xcp_take_line(struct xu_buf *in, size_t *len)
{
	char *nl, *line;
	size_t n;

	if (in->len == 0 || (nl = memchr(in->data, '\n', in->len)) == NULL)
		return NULL;
	n = (size_t)(nl - in->data);
	line = xu_strndup(in->data, n);
	memmove(in->data, nl + 1, in->len - n - 1);
	in->len -= n + 1;
	in->data[in->len] = '\0';
	*len = n;
	return line;
}

int
xcp_write_all(int fd, const char *data, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int64_t deadline = xu_mono_ms() + timeout_ms;
	ssize_t r;

	while (len > 0) {
		int left = (int)(deadline - xu_mono_ms());

		if (left <= 0)
			return XC_ERR_TIMEOUT;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		/* MSG_NOSIGNAL: a monitor that died must not kill xend. */
		r = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			return errno == EPIPE || errno == ECONNRESET ? XC_ERR_NO_DOMAIN : XC_ERR_IO;
		data += r;
		len -= (size_t)r;
	}
	return XC_OK;
}

/* ---- connections -------------------------------------------------- */

static int
connect_ctl(xc_interface *xc, uint32_t domid, int *fdp)
{
	struct sockaddr_un sun;
	char *path = xcp_dompath(xc, domid, "ctl.sock");
	int fd = -1, rc = XC_OK;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		rc = xcp_fail(xc, XC_ERR_INVALID, "socket path %s is too long", path);
		goto out;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = xcp_fail(xc, XC_ERR_IO, "socket: %s", strerror(errno));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			rc = xcp_fail(xc, XC_ERR_NO_DOMAIN, "domain %u has no running monitor",
			    domid);
		else
			rc = xcp_fail(xc, XC_ERR_IO, "cannot connect to %s: %s", path,
			    strerror(errno));
		close(fd);
		fd = -1;
		goto out;
	}
	*fdp = fd;
out:
	free(path);
	return rc;
}

yajl_gen
xcp_conn_begin(struct xcp_conn *c, const char *name)
{
	c->last_id = c->next_id++;
	return xhp_begin(XHP_REQUEST, (uint64_t)c->last_id, name);
}

int
xcp_request_begin(xc_interface *xc, uint32_t domid, const char *name,
    struct xcp_conn *c, yajl_gen *g)
{
	int rc;

	xcp_clear_error(xc);
	if ((rc = xcp_conn_open(xc, domid, c)) != XC_OK)
		return rc;
	*g = xcp_conn_begin(c, name);
	return XC_OK;
}

/* Sends line with fd attached (SCM_RIGHTS) on the first byte. */
static int
send_with_fd(int sock, const char *data, size_t len, int fd, int timeout_ms)
{
	ssize_t r = xhp_send_fd(sock, data, len, fd);

	if (r < 0)
		return errno == EPIPE || errno == ECONNRESET ? XC_ERR_NO_DOMAIN : XC_ERR_IO;
	return xcp_write_all(sock, data + r, len - (size_t)r, timeout_ms);
}

int
xcp_conn_send(xc_interface *xc, struct xcp_conn *c, yajl_gen g, int fd,
    int timeout_ms)
{
	size_t len;
	char *line;
	int rc;

	line = xhp_end(g, &len);
	if (fd >= 0)
		rc = send_with_fd(c->fd, line, len, fd, timeout_ms);
	else
		rc = xcp_write_all(c->fd, line, len, timeout_ms);
	free(line);
	if (rc != XC_OK)
		return xcp_fail(xc, rc, "cannot send to the monitor of domain %u", c->domid);
	return XC_OK;
}

int
xcp_conn_wait(xc_interface *xc, struct xcp_conn *c, struct xhp_msg *reply,
    int timeout_ms)
{
	int64_t deadline = xu_mono_ms() + timeout_ms, id = c->last_id;
	char why[160], *line;
	size_t len;
	int rc, r;

	memset(reply, 0, sizeof(*reply));
	for (;;) {
		while ((line = xcp_take_line(&c->in, &len)) != NULL) {
			bool ok = xhp_parse(line, len, reply, why, sizeof(why));

			free(line);
			if (!ok)
				return xcp_fail(xc, XC_ERR_PROTOCOL,
				    "bad message from the monitor of domain %u: %s",
				    c->domid, why);
			if (reply->kind == XHP_EVENT || reply->id != id) {
				xhp_msg_dispose(reply);
				continue;
			}
			if (reply->kind == XHP_REPLY_ERROR) {
				rc = xcp_fail(xc, xcp_rc_from_xhp(reply->code), "%s",
				    reply->message);
				xhp_msg_dispose(reply);
				return rc;
			}
			if (reply->kind != XHP_REPLY_OK) {
				xhp_msg_dispose(reply);
				return xcp_fail(xc, XC_ERR_PROTOCOL,
				    "the monitor of domain %u sent a request", c->domid);
			}
			return XC_OK;
		}
		if (c->in.len > XHP_LINE_MAX)
			return xcp_fail(xc, XC_ERR_PROTOCOL,
			    "overlong message from the monitor of domain %u", c->domid);
		int left = (int)(deadline - xu_mono_ms());

		if (left <= 0)
			return xcp_fail(xc, XC_ERR_TIMEOUT,
			    "the monitor of domain %u did not answer in %d s", c->domid,
			    timeout_ms / 1000);
		r = xcp_read_some(c->fd, &c->in, left);
		if (r == -1)
			return xcp_fail(xc, XC_ERR_NO_DOMAIN,
			    "the monitor of domain %u went away", c->domid);
		if (r == -2)
			return xcp_fail(xc, XC_ERR_IO, "reading from the monitor of domain %u: %s",
			    c->domid, strerror(errno));
	}
}

int
xcp_conn_call(xc_interface *xc, struct xcp_conn *c, yajl_gen g,
    struct xhp_msg *reply, int timeout_ms)
{
	int rc;

	memset(reply, 0, sizeof(*reply));
	if ((rc = xcp_conn_send(xc, c, g, -1, timeout_ms)) != XC_OK)
		return rc;
	return xcp_conn_wait(xc, c, reply, timeout_ms);
}

int
xcp_conn_finish(xc_interface *xc, struct xcp_conn *c, yajl_gen g)
{
	struct xhp_msg reply;
	int rc;

	rc = xcp_conn_call(xc, c, g, &reply, XC_REQUEST_TIMEOUT_MS);
	if (rc == XC_OK)
		xhp_msg_dispose(&reply);
	xcp_conn_close(c);
	return rc;
}

int
xcp_conn_wait_eof(xc_interface *xc, struct xcp_conn *c, int timeout_ms)
{
	int64_t deadline = xu_mono_ms() + timeout_ms;
	int r;

	for (;;) {
		int left = (int)(deadline - xu_mono_ms());

		if (left <= 0)
			return xcp_fail(xc, XC_ERR_TIMEOUT,
			    "the monitor of domain %u did not exit", c->domid);
		r = xcp_read_some(c->fd, &c->in, left);
		if (r == -1 || (r == -2 && errno == ECONNRESET))
			return XC_OK;
		if (r == -2)
			return xcp_fail(xc, XC_ERR_IO, "reading from the monitor of domain %u: %s",
			    c->domid, strerror(errno));
		/* Events sent before the end are of no interest here. */
		c->in.len = 0;
	}
}

int
xcp_conn_open(xc_interface *xc, uint32_t domid, struct xcp_conn *c)
{
	struct xhp_msg reply;
	int64_t version, pid;
	yajl_gen g;
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->domid = domid;
	c->next_id = 1;
	xu_buf_init(&c->in);
	rc = connect_ctl(xc, domid, &c->fd);
	if (rc != XC_OK)
		return rc;
	g = xcp_conn_begin(c, XHP_REQ_HELLO);
	xhp_put_int(g, "version", XHP_VERSION);
	xhp_put_str(g, "client", "libxc");
	rc = xcp_conn_call(xc, c, g, &reply, XC_REQUEST_TIMEOUT_MS);
	if (rc != XC_OK)
		goto fail;
	if (!xhp_get_int(reply.body, "version", &version)) {
		xhp_msg_dispose(&reply);
		rc = xcp_fail(xc, XC_ERR_PROTOCOL,
		    "the monitor of domain %u did not say its version", domid);
		goto fail;
	}
	if (version < XHP_VERSION_MIN) {
		xhp_msg_dispose(&reply);
		rc = xcp_fail(xc, XC_ERR_VERSION, "the monitor of domain %u speaks protocol "
		    "version %lld; this libxc needs %d or later", domid,
		    (long long)version, XHP_VERSION_MIN);
		goto fail;
	}
	if (xhp_get_int(reply.body, "pid", &pid) && pid > 0 && pid <= INT32_MAX)
		c->monitor_pid = (int)pid;
	xhp_msg_dispose(&reply);
	return XC_OK;
fail:
	xcp_conn_close(c);
	return rc;
}

void
xcp_conn_close(struct xcp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	xu_buf_dispose(&c->in);
}

int
xcp_simple_request(xc_interface *xc, uint32_t domid, const char *name)
{
	struct xcp_conn c;
	int rc;

	xcp_clear_error(xc);
	rc = xcp_conn_open(xc, domid, &c);
	if (rc != XC_OK)
		return rc;
	return xcp_conn_finish(xc, &c, xcp_conn_begin(&c, name));
}
