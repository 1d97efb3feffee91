/* xc-save.c: a domain's engine state to a descriptor and the check of a
 * stream before a restore. The descriptor travels to the monitor with the
 * request (SCM_RIGHTS) and on to QEMU: the stream never passes through
 * libxc's caller. */
#include "xc-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long a save may take once started: a large guest to a slow disk. */
#define SAVE_TIMEOUT_MS		(30 * 60 * 1000)

/* QEMU's migration stream starts with its magic and version 3. */
static const unsigned char engine_magic[8] = { 'Q', 'E', 'V', 'M', 0, 0, 0, 3 };

int
xc_domain_save_start(xc_interface *xc, uint32_t domid, int fd, unsigned flags,
    int *wait_fd)
{
	struct xc_migrate_params p = { flags | XC_SAVE_ABANDON_ON_CLOSE, 0, NULL, NULL };

	return xc_domain_migrate_start(xc, domid, fd, &p, wait_fd);
}

int
xc_domain_migrate_start(xc_interface *xc, uint32_t domid, int fd,
    const struct xc_migrate_params *p, int *wait_fd)
{
	unsigned flags = p->flags;
	struct xcp_conn *c = xu_calloc(1, sizeof(*c));
	yajl_gen g;
	int rc;

	xcp_clear_error(xc);
	*wait_fd = -1;
	if (fd < 0) {
		free(c);
		return xcp_fail(xc, XC_ERR_INVALID, "domain %u: nothing to save to", domid);
	}
	if ((rc = xcp_conn_open(xc, domid, c)) != XC_OK) {
		free(c);
		return rc;
	}
	g = xcp_conn_begin(c, XHP_REQ_SAVE);
	xhp_put_bool(g, "live", (flags & XC_SAVE_LIVE) != 0);
	if (flags & XC_SAVE_ABANDON_ON_CLOSE)
		xhp_put_bool(g, "abandon_on_close", true);
	if (p->downtime_ms > 0)
		xhp_put_uint(g, "downtime_ms", p->downtime_ms);
	if (p->tls_dir != NULL)
		xhp_put_str(g, "tls_dir", p->tls_dir);
	if (p->tls_host != NULL)
		xhp_put_str(g, "tls_host", p->tls_host);
	if ((rc = xcp_conn_send(xc, c, g, fd, XC_REQUEST_TIMEOUT_MS)) != XC_OK) {
		xcp_conn_close(c);
		free(c);
		return rc;
	}
	xcp_log(xc, XC_LOG_INFO, "domain %u: saving%s", domid,
	    flags & XC_SAVE_LIVE ? " (live)" : "");
	c->next = xc->saves;
	xc->saves = c;
	*wait_fd = c->fd;
	return XC_OK;
}

int
xc_domain_save_finish(xc_interface *xc, int wait_fd, uint64_t *bytes)
{
	struct xcp_conn **pp, *c;
	struct xhp_msg reply;
	int rc;

	xcp_clear_error(xc);
	*bytes = 0;
	for (pp = &xc->saves; (c = *pp) != NULL; pp = &c->next)
		if (c->fd == wait_fd)
			break;
	if (c == NULL)
		return xcp_fail(xc, XC_ERR_INVALID, "fd %d is no save in progress", wait_fd);
	*pp = c->next;
	rc = xcp_conn_wait(xc, c, &reply, SAVE_TIMEOUT_MS);
	if (rc == XC_OK) {
		if (!xhp_get_uint(reply.body, "bytes", bytes))
			*bytes = 0;
		xhp_msg_dispose(&reply);
		xcp_log(xc, XC_LOG_INFO, "domain %u: saved (%llu bytes)", c->domid,
		    (unsigned long long)*bytes);
	}
	xcp_conn_close(c);
	free(c);
	return rc;
}

int
xc_domain_save(xc_interface *xc, uint32_t domid, int fd, unsigned flags,
    uint64_t *bytes)
{
	int rc, w;

	if ((rc = xc_domain_save_start(xc, domid, fd, flags, &w)) != XC_OK)
		return rc;
	return xc_domain_save_finish(xc, w, bytes);
}

int
xc_domain_restore_check(xc_interface *xc, int fd)
{
	unsigned char head[sizeof(engine_magic)];
	off_t pos;
	ssize_t r;

	xcp_clear_error(xc);
	pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0)
		return xcp_fail(xc, XC_ERR_IO, "the saved stream cannot be checked: %s",
		    strerror(errno));
	r = pread(fd, head, sizeof(head), pos);
	if (r < 0)
		return xcp_fail(xc, XC_ERR_IO, "reading the saved stream: %s",
		    strerror(errno));
	if ((size_t)r < sizeof(head))
		return xcp_fail(xc, XC_ERR_INVALID, "the saved state is truncated: "
		    "no engine stream follows the header");
	if (memcmp(head, engine_magic, 4) != 0)
		return xcp_fail(xc, XC_ERR_INVALID, "the saved state is not a QEMU "
		    "stream (corrupt or foreign)");
	if (memcmp(head, engine_magic, sizeof(head)) != 0)
		return xcp_fail(xc, XC_ERR_UNSUPPORTED, "the saved QEMU stream has "
		    "version %u; this QEMU reads version 3",
		    (unsigned)head[7] | (unsigned)head[6] << 8);
	return XC_OK;
}
