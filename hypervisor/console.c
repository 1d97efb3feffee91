/* console.c: the guest's serial console: keeps the last 64 KiB in a ring,
 * appends everything to the console log, and serves the attach socket
 * (any number of clients; each sees output from the moment it attaches,
 * and what any of them types goes to the guest). */
#include "xenhv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "xu.h"

/* A client that falls this far behind (stopped terminal, dead peer) is
 * dropped rather than growing the monitor without bound. */
#define CLIENT_BACKLOG_MAX	(256 * 1024)
/* Input for the guest waits in the clients' sockets past this much. */
#define SERIAL_BACKLOG_MAX	(64 * 1024)

struct con_client {
	struct console *c;
	struct bufferevent *bev;
	struct con_client *next;
};

struct console {
	struct event_base *base;
	struct bufferevent *serial;
	struct evconnlistener *listener;
	struct con_client *clients;
	int log_fd;
	bool log_failed;
	size_t ring_start, ring_len;
	char ring[CONSOLE_RING_SIZE];
};

static void
ring_add(struct console *c, const char *data, size_t len)
{
	size_t end, n;

	/* Only the last ring's worth of a large write can survive. */
	if (len > CONSOLE_RING_SIZE) {
		data += len - CONSOLE_RING_SIZE;
		len = CONSOLE_RING_SIZE;
	}
	while (len > 0) {
		end = (c->ring_start + c->ring_len) % CONSOLE_RING_SIZE;
		n = CONSOLE_RING_SIZE - end;
		if (n > len)
			n = len;
		memcpy(c->ring + end, data, n);
		data += n;
		len -= n;
		c->ring_len += n;
		if (c->ring_len > CONSOLE_RING_SIZE) {
			c->ring_start = (c->ring_start + c->ring_len - CONSOLE_RING_SIZE) %
			    CONSOLE_RING_SIZE;
			c->ring_len = CONSOLE_RING_SIZE;
		}
	}
}

char *
console_ring_copy(const struct console *c, size_t *len)
{
	char *out = xu_malloc(c->ring_len + 1);
	size_t first = CONSOLE_RING_SIZE - c->ring_start;

	if (first > c->ring_len)
		first = c->ring_len;
	memcpy(out, c->ring + c->ring_start, first);
	memcpy(out + first, c->ring, c->ring_len - first);
	out[c->ring_len] = '\0';
	*len = c->ring_len;
	return out;
}

static void
client_drop(struct con_client *cl)
{
	struct con_client **pp;

	for (pp = &cl->c->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	bufferevent_free(cl->bev);
	free(cl);
}

static void
log_append(struct console *c, const char *data, size_t len)
{
	ssize_t r;

	while (c->log_fd >= 0 && len > 0) {
		r = write(c->log_fd, data, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (!c->log_failed)
				xhv_log("console log write failed: %s", strerror(errno));
			c->log_failed = true;
			return;
		}
		data += r;
		len -= (size_t)r;
	}
}

static void
serial_read_cb(struct bufferevent *bev, void *arg)
{
	struct console *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct con_client *cl, *next;
	char chunk[4096];
	int n;

	while ((n = evbuffer_remove(in, chunk, sizeof(chunk))) > 0) {
		ring_add(c, chunk, (size_t)n);
		log_append(c, chunk, (size_t)n);
		for (cl = c->clients; cl != NULL; cl = next) {
			next = cl->next;
			if (evbuffer_get_length(bufferevent_get_output(cl->bev)) >
			    CLIENT_BACKLOG_MAX) {
				xhv_log("console client too slow, detached");
				client_drop(cl);
				continue;
			}
			bufferevent_write(cl->bev, chunk, (size_t)n);
		}
	}
}

static void serial_write_cb(struct bufferevent *bev, void *arg);

static void
serial_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct console *c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		console_guest_gone(c);
}

void
console_guest_gone(struct console *c)
{
	if (c == NULL || c->serial == NULL)
		return;
	/* Drain what is left, then stop listening to a dead line. */
	serial_read_cb(c->serial, c);
	bufferevent_free(c->serial);
	c->serial = NULL;
}

bool
console_type(struct console *c, const char *data, size_t len)
{
	if (c == NULL || c->serial == NULL)
		return false;
	return bufferevent_write(c->serial, data, len) == 0;
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct con_client *cl = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct console *c = cl->c;

	if (c->serial == NULL) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	/* A guest that does not read its serial line holds typists back. */
	if (evbuffer_get_length(bufferevent_get_output(c->serial)) >= SERIAL_BACKLOG_MAX) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	bufferevent_write_buffer(c->serial, in);
}

/* The guest took what was queued: let the clients type again. */
static void
serial_write_cb(struct bufferevent *bev, void *arg)
{
	struct console *c = arg;
	struct con_client *cl;

	for (cl = c->clients; cl != NULL && c->serial != NULL; cl = cl->next) {
		bufferevent_enable(cl->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_input(cl->bev)) > 0)
			client_read_cb(cl->bev, cl);
	}
}

static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		client_drop(arg);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct console *c = arg;
	struct con_client *cl;

	if (!xhv_peer_allowed(fd)) {
		xhv_log("console: connection from a foreign user refused");
		close(fd);
		return;
	}
	cl = xu_calloc(1, sizeof(*cl));
	cl->c = c;
	cl->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (cl->bev == NULL) {
		close(fd);
		free(cl);
		return;
	}
	/* Typing is slow; a client pasting faster than the guest reads is
	 * held back by the socket instead of by our memory. */
	bufferevent_setwatermark(cl->bev, EV_READ, 0, 16 * 1024);
	bufferevent_setcb(cl->bev, client_read_cb, NULL, client_event_cb, cl);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	cl->next = c->clients;
	c->clients = cl;
}

struct console *
console_new(struct event_base *base, int serial_fd, const char *sock_path,
    const char *log_path, char *err, size_t errlen)
{
	struct console *c = xu_calloc(1, sizeof(*c));
	int lfd;

	c->base = base;
	c->log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (c->log_fd < 0)
		xhv_log("cannot open console log %s: %s", log_path, strerror(errno));
	evutil_make_socket_nonblocking(serial_fd);
	c->serial = bufferevent_socket_new(base, serial_fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->serial == NULL) {
		close(serial_fd);
		snprintf(err, errlen, "cannot set up the console");
		goto fail;
	}
	bufferevent_setcb(c->serial, serial_read_cb, serial_write_cb, serial_event_cb, c);
	bufferevent_enable(c->serial, EV_READ | EV_WRITE);
	lfd = xhv_listen_unix(sock_path, err, errlen);
	if (lfd < 0)
		goto fail;
	c->listener = evconnlistener_new(base, accept_cb, c,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, lfd);
	if (c->listener == NULL) {
		close(lfd);
		snprintf(err, errlen, "cannot listen on %s", sock_path);
		goto fail;
	}
	return c;
fail:
	console_free(c);
	return NULL;
}

void
console_free(struct console *c)
{
	if (c == NULL)
		return;
	while (c->clients != NULL)
		client_drop(c->clients);
	if (c->listener != NULL)
		evconnlistener_free(c->listener);
	if (c->serial != NULL)
		bufferevent_free(c->serial);
	if (c->log_fd >= 0)
		close(c->log_fd);
	free(c);
}
