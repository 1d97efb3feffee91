/* xs-server.h: the xenstore on Xen's xenstored socket protocol
 * (xs-wire.h), for the xenstore-* tools and the hotplug scripts. */
#ifndef XEND_XS_SERVER_H
#define XEND_XS_SERVER_H

#include <sys/types.h>

#include "xu.h"

struct event_base;
struct xenstore;
struct xs_server;

/* Where the socket lives under the root prefix (Xen's path). */
#define XS_SOCKET_PATH		XEN_RUNSTATEDIR "/xenstored/socket"

/* Limits per connection. */
#define XS_CONN_TXNS_MAX	16
#define XS_CONN_WATCHES_MAX	128
#define XS_CONN_BACKLOG_MAX	(1u << 20)	/* unread output before we hang up */

struct xs_server *xs_server_new(struct event_base *base, struct xenstore *xs);
/* Peers allowed besides root: (uid_t)-1 for none. */
void xs_server_allow_uid(struct xs_server *srv, uid_t uid);
int xs_server_listen(struct xs_server *srv, const char *path, struct xu_err *err);
/* Closes every connection (their transactions are abandoned, their
 * watches dropped) and removes the socket. */
void xs_server_free(struct xs_server *srv);

#endif
