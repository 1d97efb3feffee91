/* resolve.h: name lookups and TCP connects that never block xend's loop:
 * getaddrinfo/getnameinfo run in a short-lived thread that reports back
 * through a pipe; connects are non-blocking with a time limit. */
#ifndef XEND_RESOLVE_H
#define XEND_RESOLVE_H

#include <sys/socket.h>

struct event_base;
struct resolve;

/* The answer: err 0 with an address (forward) or a name (reverse), else
 * err is a message ("no such host", "timed out"). Called once, never
 * from inside the call that started it. */
typedef void (*resolve_fn)(void *arg, const char *err,
    const struct sockaddr *sa, socklen_t salen, const char *name);

struct resolve *resolve_host(struct event_base *base, const char *host,
    int port, int timeout_s, resolve_fn fn, void *arg);
struct resolve *resolve_addr_name(struct event_base *base,
    const struct sockaddr *sa, socklen_t salen, int timeout_s,
    resolve_fn fn, void *arg);
/* The callback will not be called; the thread finishes on its own. */
void resolve_cancel(struct resolve *r);

/* Connects to sa: fn gets the connected socket (blocking mode, close on
 * exec) or -1 and errno's message. */
typedef void (*connect_fn)(void *arg, int fd, const char *err);
struct tcp_connect;
struct tcp_connect *tcp_connect(struct event_base *base,
    const struct sockaddr *sa, socklen_t salen, int timeout_s,
    connect_fn fn, void *arg);
void tcp_connect_cancel(struct tcp_connect *c);

/* The numeric text of an address ("10.0.0.1", "::1"); IPv4-mapped IPv6
 * addresses are shown as IPv4. */
void sockaddr_text(const struct sockaddr *sa, socklen_t salen, char *buf,
    size_t size);

#endif
