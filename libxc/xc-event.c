/* xc-event.c: event subscriptions: a long-lived connection per domain
 * whose events the caller reads when its fd is readable and acknowledges
 * once acted upon (the monitor keeps them until then). */
#include "xc-private.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct xcp_sub *
sub_find(xc_interface *xc, int fd)
{
	struct xcp_sub *s;

	for (s = xc->subs; s != NULL; s = s->next) {
		if (s->fd == fd)
			return s;
	}
	return NULL;
}

static void
sub_forget(xc_interface *xc, struct xcp_sub *sub)
{
	struct xcp_sub **pp;

	for (pp = &xc->subs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == sub) {
			*pp = sub->next;
			break;
		}
	}
	xu_buf_dispose(&sub->in);
	free(sub);
}

int
xc_event_subscribe(xc_interface *xc, uint32_t domid, int *fd)
{
	struct xhp_msg reply;
	struct xcp_conn c;
	struct xcp_sub *s;
	int rc;

	xcp_clear_error(xc);
	*fd = -1;
	rc = xcp_conn_open(xc, domid, &c);
	if (rc != XC_OK)
		return rc;
	rc = xcp_conn_call(xc, &c, xcp_conn_begin(&c, XHP_REQ_SUBSCRIBE), &reply,
	    XC_REQUEST_TIMEOUT_MS);
	if (rc != XC_OK) {
		xcp_conn_close(&c);
		return rc;
	}
	xhp_msg_dispose(&reply);
	/* A closed fd whose number came back: its old state is stale. */
	if ((s = sub_find(xc, c.fd)) != NULL)
		sub_forget(xc, s);
	s = xu_calloc(1, sizeof(*s));
	s->fd = c.fd;
	s->domid = domid;
	s->next_id = c.next_id;
	/* Events that came with the reply are already in the buffer. */
	s->in = c.in;
	s->next = xc->subs;
	xc->subs = s;
	*fd = c.fd;
	return XC_OK;
}

static int
decode_event(xc_interface *xc, struct xcp_sub *s, const struct xhp_msg *m, struct xc_event *ev)
{
	const char *state = NULL, *reason = NULL, *detail = "";
	int st = XC_DOM_RUNNING, re = XC_SHUTDOWN_POWEROFF;

	memset(ev, 0, sizeof(*ev));
	ev->domid = s->domid;
	ev->seq = m->seq;
	xhp_get_str(m->body, "detail", &detail);
	snprintf(ev->detail, sizeof(ev->detail), "%s", detail);
	if (strcmp(m->name, XHP_EV_CONSOLE_RESET) == 0) {
		ev->type = XC_EV_CONSOLE_RESET;
		return XC_OK;
	}
	if (strcmp(m->name, XHP_EV_MEMORY) == 0 || strcmp(m->name, XHP_EV_VCPUS) == 0) {
		ev->type = strcmp(m->name, XHP_EV_MEMORY) == 0 ? XC_EV_MEMORY : XC_EV_VCPUS;
		if (!xhp_get_uint(m->body, ev->type == XC_EV_MEMORY ? "actual_mb" : "online",
		    &ev->value))
			return xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: malformed %s event "
			    "%llu", s->domid, m->name, (unsigned long long)m->seq);
		return XC_OK;
	}
	if (strcmp(m->name, XHP_EV_STATE) != 0)
		return XC_ERR_UNSUPPORTED;
	if (!xhp_get_str(m->body, "state", &state) || (st = xhp_state_from_name(state)) < 0 ||
	    !xhp_get_str(m->body, "reason", &reason) || (re = xhp_reason_from_name(reason)) < 0)
		return xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: malformed state event %llu",
		    s->domid, (unsigned long long)m->seq);
	ev->type = XC_EV_STATE;
	ev->state = (enum xc_dom_state)st;
	ev->reason = (enum xc_shutdown_reason)re;
	return XC_OK;
}

int
xc_event_read(xc_interface *xc, int fd, struct xc_event *ev)
{
	struct xcp_sub *s = sub_find(xc, fd);
	struct xhp_msg m;
	char why[160], *line;
	size_t len;
	int rc, r;

	if (s == NULL)
		return xcp_fail(xc, XC_ERR_INVALID, "fd %d is no event subscription", fd);
	for (;;) {
		while ((line = xcp_take_line(&s->in, &len)) != NULL) {
			bool ok = xhp_parse(line, len, &m, why, sizeof(why));

			free(line);
			if (!ok)
				return xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: bad message from "
				    "its monitor: %s", s->domid, why);
			if (m.kind == XHP_REPLY_ERROR)
				xcp_log(xc, XC_LOG_WARNING, "domain %u: %s", s->domid, m.message);
			if (m.kind != XHP_EVENT) {
				xhp_msg_dispose(&m);
				continue;
			}
			rc = decode_event(xc, s, &m, ev);
			xhp_msg_dispose(&m);
			if (rc == XC_ERR_UNSUPPORTED)
				continue;	/* a newer monitor's event */
			return rc;
		}
		if (s->in.len > XHP_LINE_MAX)
			return xcp_fail(xc, XC_ERR_PROTOCOL, "domain %u: overlong message from "
			    "its monitor", s->domid);
		if (s->eof)
			return xcp_fail(xc, XC_ERR_NO_DOMAIN, "the monitor of domain %u went away",
			    s->domid);
		r = xcp_read_some(fd, &s->in, 0);
		if (r == 0)
			return XC_ERR_TIMEOUT;
		if (r == -1 || (r == -2 && errno == ECONNRESET))
			s->eof = true;
		else if (r == -2)
			return xcp_fail(xc, XC_ERR_IO, "domain %u: reading events: %s", s->domid,
			    strerror(errno));
	}
}

int
xc_event_ack(xc_interface *xc, int fd, uint64_t seq)
{
	struct xcp_sub *s = sub_find(xc, fd);
	yajl_gen g;
	char *line;
	size_t len;
	int rc;

	if (s == NULL)
		return xcp_fail(xc, XC_ERR_INVALID, "fd %d is no event subscription", fd);
	/* The reply is skipped by xc_event_read: the ack never waits. */
	g = xhp_begin(XHP_REQUEST, (uint64_t)s->next_id++, XHP_REQ_ACK);
	xhp_put_uint(g, "seq", seq);
	line = xhp_end(g, &len);
	rc = xcp_write_all(fd, line, len, XC_REQUEST_TIMEOUT_MS);
	free(line);
	if (rc != XC_OK)
		return xcp_fail(xc, rc, "domain %u: cannot acknowledge event %llu", s->domid,
		    (unsigned long long)seq);
	return XC_OK;
}

/* Acknowledgements do not wait for their replies. Closing at once could
 * make the monitor's reply fail (EPIPE) before it has read the last acks,
 * losing them; so half-close, let the monitor read everything and answer,
 * and read until it closes too (bounded: one second). */
static void
linger_close(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char sink[4096];
	int i;

	if (shutdown(fd, SHUT_WR) == 0) {
		for (i = 0; i < 20 && poll(&pfd, 1, 50) >= 0; i++) {
			if ((pfd.revents & (POLLIN | POLLHUP)) == 0)
				continue;
			if (read(fd, sink, sizeof(sink)) <= 0)
				break;
		}
	}
	close(fd);
}

int
xc_event_close(xc_interface *xc, int fd)
{
	struct xcp_sub *s = sub_find(xc, fd);

	if (s == NULL)
		return xcp_fail(xc, XC_ERR_INVALID, "fd %d is no event subscription", fd);
	sub_forget(xc, s);
	linger_close(fd);
	return XC_OK;
}
