/* resolve.c: lookups in a thread, connects without blocking (resolve.h).
 * A lookup thread owns a copy of its question; it writes its whole answer
 * to a pipe in one write (atomic below PIPE_BUF) and exits, so the loop
 * may give up on it at any time by closing its end. */
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "xu.h"

struct answer {
	char err[200];
	struct sockaddr_storage sa;
	socklen_t salen;
	char name[NI_MAXHOST];
};

struct question {
	bool reverse;
	char host[256];
	int port;
	struct sockaddr_storage sa;
	socklen_t salen;
	int wfd;
};

struct resolve {
	struct event *ev;
	int rfd;
	resolve_fn fn;
	void *arg;
};

static void *
lookup_thread(void *p)
{
	struct question *q = p;
	struct answer a;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char port[16];
	int r;
	ssize_t w;

	memset(&a, 0, sizeof(a));
	if (q->reverse) {
		r = getnameinfo((struct sockaddr *)&q->sa, q->salen, a.name,
		    sizeof(a.name), NULL, 0, NI_NAMEREQD);
		if (r != 0)
			snprintf(a.err, sizeof(a.err), "%s", gai_strerror(r));
	} else {
		snprintf(port, sizeof(port), "%d", q->port);
		r = getaddrinfo(q->host, port, &hints, &res);
		if (r != 0 || res == NULL) {
			snprintf(a.err, sizeof(a.err), "%s", r == EAI_SYSTEM ?
			    strerror(errno) : gai_strerror(r));
		} else {
			memcpy(&a.sa, res->ai_addr, res->ai_addrlen);
			a.salen = res->ai_addrlen;
		}
		if (res != NULL)
			freeaddrinfo(res);
	}
	do
		w = write(q->wfd, &a, sizeof(a));
	while (w < 0 && errno == EINTR);
	close(q->wfd);
	free(q);
	return NULL;
}

static void
on_answer(evutil_socket_t fd, short what, void *arg)
{
	struct resolve *r = arg;
	struct answer a;
	ssize_t n = 0;

	memset(&a, 0, sizeof(a));
	if (what & EV_TIMEOUT)
		snprintf(a.err, sizeof(a.err), "timed out");
	else if ((n = read(fd, &a, sizeof(a))) != (ssize_t)sizeof(a))
		snprintf(a.err, sizeof(a.err), "the lookup failed");
	r->fn(r->arg, a.err[0] ? a.err : NULL, a.err[0] ? NULL :
	    (struct sockaddr *)&a.sa, a.salen, a.name);
	resolve_cancel(r);
}

static struct resolve *
start(struct event_base *base, struct question *q, int timeout_s,
    resolve_fn fn, void *arg)
{
	struct resolve *r;
	struct timeval tv = { timeout_s, 0 };
	pthread_attr_t attr;
	pthread_t th;
	int p[2];

	if (pipe2(p, O_CLOEXEC) != 0) {
		free(q);
		return NULL;
	}
	q->wfd = p[1];
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, lookup_thread, q) != 0) {
		pthread_attr_destroy(&attr);
		close(p[0]);
		close(p[1]);
		free(q);
		return NULL;
	}
	pthread_attr_destroy(&attr);
	r = xu_calloc(1, sizeof(*r));
	r->rfd = p[0];
	r->fn = fn;
	r->arg = arg;
	r->ev = event_new(base, r->rfd, EV_READ, on_answer, r);
	event_add(r->ev, timeout_s > 0 ? &tv : NULL);
	return r;
}

struct resolve *
resolve_host(struct event_base *base, const char *host, int port,
    int timeout_s, resolve_fn fn, void *arg)
{
	struct question *q = xu_calloc(1, sizeof(*q));

	snprintf(q->host, sizeof(q->host), "%s", host);
	q->port = port;
	return start(base, q, timeout_s, fn, arg);
}

struct resolve *
resolve_addr_name(struct event_base *base, const struct sockaddr *sa,
    socklen_t salen, int timeout_s, resolve_fn fn, void *arg)
{
	struct question *q = xu_calloc(1, sizeof(*q));

	q->reverse = true;
	memcpy(&q->sa, sa, salen < sizeof(q->sa) ? salen : sizeof(q->sa));
	q->salen = salen;
	return start(base, q, timeout_s, fn, arg);
}

void
resolve_cancel(struct resolve *r)
{
	if (r == NULL)
		return;
	event_free(r->ev);
	close(r->rfd);
	free(r);
}

/* ---- connects -------------------------------------------------------------- */

struct tcp_connect {
	struct event *ev;
	int fd;
	int err;		/* a failure found at once, reported later */
	connect_fn fn;
	void *arg;
};

static void
connected(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_connect *c = arg;
	int e = c->err, flags;
	socklen_t len = sizeof(e);

	if (e == 0 && (what & EV_TIMEOUT))
		e = ETIMEDOUT;
	else if (e == 0 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
		e = errno;
	if (e != 0) {
		if (c->fd >= 0)
			close(c->fd);
		c->fn(c->arg, -1, strerror(e));
	} else {
		flags = fcntl(c->fd, F_GETFL);
		(void)fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);
		c->fn(c->arg, c->fd, NULL);
	}
	event_free(c->ev);
	free(c);
}

struct tcp_connect *
tcp_connect(struct event_base *base, const struct sockaddr *sa,
    socklen_t salen, int timeout_s, connect_fn fn, void *arg)
{
	struct tcp_connect *c = xu_calloc(1, sizeof(*c));
	struct timeval tv = { timeout_s, 0 }, now = { 0, 0 };

	c->fn = fn;
	c->arg = arg;
	c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		c->err = errno;
	else if (connect(c->fd, sa, salen) != 0 && errno != EINPROGRESS)
		c->err = errno;
	if (c->err != 0) {
		/* even an immediate failure is reported from the loop */
		c->ev = evtimer_new(base, connected, c);
		event_add(c->ev, &now);
	} else {
		c->ev = event_new(base, c->fd, EV_WRITE, connected, c);
		event_add(c->ev, &tv);
	}
	return c;
}

void
tcp_connect_cancel(struct tcp_connect *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	event_free(c->ev);
	free(c);
}

void
sockaddr_text(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	struct in_addr a4;

	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memcpy(&a4, &s6->sin6_addr.s6_addr[12], 4);
		inet_ntop(AF_INET, &a4, buf, (socklen_t)size);
		return;
	}
	if (getnameinfo(sa, salen, buf, (socklen_t)size, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(buf, size, "?");
}
