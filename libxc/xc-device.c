/* xc-device.c: device hot-plug on a running domain: requests whose answer
 * waits on the guest (device_del waits for it to release the device), so
 * the caller gets an fd to watch instead of a blocking call. */
#include "xc-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xc_async {
	struct xcp_conn conn;
	int64_t id;		/* the request's */
	char what[64];		/* for messages */
};

/* Sends the request begun on a fresh connection; the handle owns it. */
static int
async_send(xc_interface *xc, struct xcp_conn *c, yajl_gen g, const char *what,
    xc_async **out)
{
	xc_async *a;
	char *line;
	size_t len;
	int rc;

	line = xhp_end(g, &len);
	rc = xcp_write_all(c->fd, line, len, XC_REQUEST_TIMEOUT_MS);
	free(line);
	if (rc != XC_OK) {
		xcp_conn_close(c);
		return xcp_fail(xc, rc, "domain %u: cannot send %s to its monitor",
		    c->domid, what);
	}
	a = xu_calloc(1, sizeof(*a));
	a->conn = *c;
	a->id = c->last_id;
	snprintf(a->what, sizeof(a->what), "%s", what);
	*out = a;
	return XC_OK;
}

/* A connection to domid's monitor with request name begun on it. */
static int
async_begin(xc_interface *xc, uint32_t domid, const char *name,
    struct xcp_conn *c, yajl_gen *g, xc_async **a)
{
	*a = NULL;
	return xcp_request_begin(xc, domid, name, c, g);
}

int
xc_domain_device_add(xc_interface *xc, uint32_t domid, const struct xc_device *dev,
    xc_async **a)
{
	struct xcp_conn c;
	yajl_gen g;
	int rc;

	if ((rc = async_begin(xc, domid, XHP_REQ_DEVICE_ADD, &c, &g, a)) != XC_OK)
		return rc;
	xhp_put_device(g, dev);
	return async_send(xc, &c, g, "device_add", a);
}

int
xc_domain_device_del(xc_interface *xc, uint32_t domid, const char *id,
    unsigned timeout_s, xc_async **a)
{
	struct xcp_conn c;
	yajl_gen g;
	int rc;

	if ((rc = async_begin(xc, domid, XHP_REQ_DEVICE_DEL, &c, &g, a)) != XC_OK)
		return rc;
	xhp_put_str(g, "id", id);
	xhp_put_uint(g, "timeout", timeout_s);
	return async_send(xc, &c, g, "device_del", a);
}

int
xc_domain_media_change(xc_interface *xc, uint32_t domid,
    const struct xc_device *dev, xc_async **a)
{
	struct xcp_conn c;
	yajl_gen g;
	int rc;

	if ((rc = async_begin(xc, domid, XHP_REQ_MEDIA, &c, &g, a)) != XC_OK)
		return rc;
	xhp_put_device(g, dev);
	return async_send(xc, &c, g, "the medium change", a);
}

int
xc_async_fd(const xc_async *a)
{
	return a->conn.fd;
}

int
xc_async_finish(xc_interface *xc, xc_async *a)
{
	struct xcp_conn *c = &a->conn;
	struct xhp_msg m;
	char why[160], *line;
	size_t len;
	int r, rc;

	xcp_clear_error(xc);
	r = xcp_read_some(c->fd, &c->in, 0);
	if (r == -2)
		return xcp_fail(xc, XC_ERR_IO, "domain %u: reading the answer to %s: %s",
		    c->domid, a->what, strerror(errno));
	while ((line = xcp_take_line(&c->in, &len)) != NULL) {
		bool ok = xhp_parse(line, len, &m, why, sizeof(why));

		free(line);
		if (!ok)
			return xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: bad message from "
			    "its monitor: %s", c->domid, why);
		if (m.kind == XHP_EVENT || m.id != a->id) {
			xhp_msg_dispose(&m);
			continue;
		}
		if (m.kind == XHP_REPLY_ERROR)
			rc = xcp_fail(xc, xcp_rc_from_xhp(m.code), "%s", m.message);
		else
			rc = XC_OK;
		xhp_msg_dispose(&m);
		return rc;
	}
	if (r == -1)
		return xcp_fail(xc, XC_ERR_NO_DOMAIN, "domain %u: its monitor went away "
		    "before answering %s", c->domid, a->what);
	if (c->in.len > XHP_LINE_MAX)
		return xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: overlong message from "
		    "its monitor", c->domid);
	return XC_PENDING;
}

void
xc_async_free(xc_async *a)
{
	if (a == NULL)
		return;
	xcp_conn_close(&a->conn);
	free(a);
}
