/* xs-server.c: the xenstore served on Xen's xenstored socket protocol:
 * connections (root and xend's own user), one table of message types,
 * transactions per connection, watch events, XS_RESTRICT. Every message
 * is checked for size and shape before use. */
#include "xs-server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "log.h"
#include "xenstore.h"
#include "xs-wire.h"

struct conn_txn {
	uint32_t id;
	struct xs_txn *t;
};

struct xs_conn {
	struct xs_server *srv;
	struct bufferevent *bev;
	struct xs_caller caller;
	struct conn_txn txns[XS_CONN_TXNS_MAX];
	size_t ntxns;
	int nwatches;
	bool closing;
	struct xs_conn *next;
};

struct xs_server {
	struct event_base *base;
	struct xenstore *xs;
	struct evconnlistener *listener;
	char *path;
	uid_t allow_uid;
	uint32_t next_txid;
	struct xs_conn *conns;
};

/* A request as the handlers see it. */
struct xs_req {
	struct xs_conn *c;
	const struct xsw_hdr *h;
	struct xs_txn *t;
	const char *payload;
	size_t len;
	struct xu_buf *reply;	/* filled on success */
};

/* ---- replies ---------------------------------------------------------- */

static void
send_msg(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *data, size_t len)
{
	struct xsw_hdr h = { type, req_id, tx_id, (uint32_t)len };
	unsigned char raw[XS_HEADER_LEN];

	if (c->closing)
		return;
	xsw_hdr_encode(&h, raw);
	bufferevent_write(c->bev, raw, sizeof(raw));
	if (len > 0)
		bufferevent_write(c->bev, data, len);
}

static void
send_error(struct xs_conn *c, const struct xsw_hdr *h, int err)
{
	const char *name = xsw_errno_name(err);

	send_msg(c, XS_ERROR, h->req_id, h->tx_id, name, strlen(name) + 1);
}

static void
add_ok(struct xu_buf *b)
{
	xu_buf_add(b, "OK", 3);
}

/* The first string of the payload: a path or a number. */
static int
arg1(const struct xs_req *r, const char **s)
{
	if (r->len == 0 || memchr(r->payload, '\0', r->len) == NULL)
		return EINVAL;
	*s = r->payload;
	return 0;
}

static int
path_arg(const struct xs_req *r, char **canon)
{
	const char *p;
	int rc;

	if ((rc = arg1(r, &p)) != 0)
		return rc;
	return xenstore_canon(&r->c->caller, p, false, canon);
}

static int
domid_arg(const struct xs_req *r, uint32_t *domid)
{
	const char *s;
	int64_t v;
	int rc;

	if ((rc = arg1(r, &s)) != 0)
		return rc;
	if (xu_parse_int64(s, &v) != XU_OK || v < 0 || v > UINT32_MAX)
		return EINVAL;
	*domid = (uint32_t)v;
	return 0;
}

static struct xenstore *
store_of(const struct xs_req *r)
{
	return r->c->srv->xs;
}

/* ---- the operations ---------------------------------------------------- */

static int
do_read(struct xs_req *r)
{
	char *path, *value;
	size_t len;
	int rc;

	if ((rc = path_arg(r, &path)) != 0)
		return rc;
	rc = xenstore_read(store_of(r), &r->c->caller, r->t, path, &value, &len);
	if (rc == 0)
		xu_buf_add(r->reply, value, len);
	free(value);
	free(path);
	return rc;
}

static int
do_write(struct xs_req *r)
{
	const char *nul = memchr(r->payload, '\0', r->len);
	char *path;
	int rc;

	if (nul == NULL)
		return EINVAL;
	if ((rc = path_arg(r, &path)) != 0)
		return rc;
	rc = xenstore_write(store_of(r), &r->c->caller, r->t, path, nul + 1,
	    r->len - (size_t)(nul + 1 - r->payload));
	if (rc == 0)
		add_ok(r->reply);
	free(path);
	return rc;
}

static int
path_op(struct xs_req *r, int (*fn)(struct xenstore *, const struct xs_caller *,
    struct xs_txn *, const char *))
{
	char *path;
	int rc;

	if ((rc = path_arg(r, &path)) != 0)
		return rc;
	if ((rc = fn(store_of(r), &r->c->caller, r->t, path)) == 0)
		add_ok(r->reply);
	free(path);
	return rc;
}

static int
do_mkdir(struct xs_req *r)
{
	return path_op(r, xenstore_mkdir);
}

static int
do_rm(struct xs_req *r)
{
	return path_op(r, xenstore_rm);
}

static int
do_directory(struct xs_req *r)
{
	char *path, **names;
	size_t n, i;
	int rc;

	if ((rc = path_arg(r, &path)) != 0)
		return rc;
	rc = xenstore_directory(store_of(r), &r->c->caller, r->t, path, &names, &n);
	for (i = 0; rc == 0 && i < n; i++)
		xu_buf_add(r->reply, names[i], strlen(names[i]) + 1);
	if (rc == 0 && r->reply->len > XS_PAYLOAD_MAX)
		rc = E2BIG;
	xenstore_names_free(names, n);
	free(path);
	return rc;
}

static int
do_get_perms(struct xs_req *r)
{
	struct xsw_perm *p;
	char one[24], *path;
	size_t n, i;
	int rc;

	if ((rc = path_arg(r, &path)) != 0)
		return rc;
	rc = xenstore_get_perms(store_of(r), &r->c->caller, r->t, path, &p, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		xsw_perm_format(&p[i], one, sizeof(one));
		xu_buf_add(r->reply, one, strlen(one) + 1);
	}
	free(p);
	free(path);
	return rc;
}

static int
do_set_perms(struct xs_req *r)
{
	const char *parts[XS_PAYLOAD_MAX / 2];
	struct xsw_perm *p = NULL;
	bool open_end;
	char *path;
	int n, i, rc;

	n = xsw_split(r->payload, r->len, parts, sizeof(parts) / sizeof(parts[0]),
	    &open_end);
	if (n < 2 || open_end)
		return EINVAL;
	if ((rc = path_arg(r, &path)) != 0)
		return rc;
	p = xu_calloc((size_t)n, sizeof(*p));
	for (i = 1; i < n; i++) {
		if (!xsw_perm_parse(parts[i], &p[i - 1])) {
			rc = EINVAL;
			goto out;
		}
	}
	rc = xenstore_set_perms(store_of(r), &r->c->caller, r->t, path, p,
	    (size_t)n - 1);
	if (rc == 0)
		add_ok(r->reply);
out:
	free(p);
	free(path);
	return rc;
}

static void
on_watch_event(void *owner, const char *path, const char *token)
{
	struct xs_conn *c = owner;
	struct xu_buf b;

	xu_buf_init(&b);
	xu_buf_add(&b, path, strlen(path) + 1);
	xu_buf_add(&b, token, strlen(token) + 1);
	send_msg(c, XS_WATCH_EVENT, 0, 0, b.data, b.len);
	xu_buf_dispose(&b);
}

static int
watch_args(const struct xs_req *r, const char **path, const char **token)
{
	const char *parts[3];
	bool open_end;

	if (xsw_split(r->payload, r->len, parts, 3, &open_end) != 2 || open_end)
		return EINVAL;
	*path = parts[0];
	*token = parts[1];
	return 0;
}

static int
do_watch(struct xs_req *r)
{
	const char *path, *token;
	int rc;

	if ((rc = watch_args(r, &path, &token)) != 0)
		return rc;
	if (r->c->nwatches >= XS_CONN_WATCHES_MAX)
		return E2BIG;
	rc = xenstore_watch(store_of(r), &r->c->caller, r->c, on_watch_event, path,
	    token);
	if (rc != 0)
		return rc;
	r->c->nwatches++;
	add_ok(r->reply);
	return 0;
}

static int
do_unwatch(struct xs_req *r)
{
	const char *path, *token;
	int rc;

	if ((rc = watch_args(r, &path, &token)) != 0)
		return rc;
	if ((rc = xenstore_unwatch(store_of(r), r->c, path, token)) != 0)
		return rc;
	r->c->nwatches--;
	add_ok(r->reply);
	return 0;
}

static int
do_reset_watches(struct xs_req *r)
{
	xenstore_unwatch_all(store_of(r), r->c);
	r->c->nwatches = 0;
	add_ok(r->reply);
	return 0;
}

static int
do_txn_start(struct xs_req *r)
{
	struct xs_conn *c = r->c;
	char id[16];

	if (c->ntxns >= XS_CONN_TXNS_MAX)
		return ENOSPC;
	if (++c->srv->next_txid == 0)
		c->srv->next_txid = 1;
	c->txns[c->ntxns].id = c->srv->next_txid;
	c->txns[c->ntxns++].t = xenstore_txn_start(store_of(r), &c->caller);
	snprintf(id, sizeof(id), "%u", c->srv->next_txid);
	xu_buf_add(r->reply, id, strlen(id) + 1);
	return 0;
}

static int
do_txn_end(struct xs_req *r)
{
	struct xs_conn *c = r->c;
	const char *word;
	size_t i;
	int rc;

	if ((rc = arg1(r, &word)) != 0)
		return rc;
	if (strcmp(word, "T") != 0 && strcmp(word, "F") != 0)
		return EINVAL;
	for (i = 0; i < c->ntxns && c->txns[i].id != r->h->tx_id; i++)
		;
	if (i == c->ntxns)
		return ENOENT;
	rc = xenstore_txn_end(store_of(r), c->txns[i].t, word[0] == 'T');
	c->txns[i] = c->txns[--c->ntxns];
	if (rc == 0)
		add_ok(r->reply);
	return rc;
}

static int
do_get_domain_path(struct xs_req *r)
{
	uint32_t domid;
	char path[48];
	int rc;

	if ((rc = domid_arg(r, &domid)) != 0)
		return rc;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	xu_buf_add(r->reply, path, strlen(path) + 1);
	return 0;
}

static int
do_is_introduced(struct xs_req *r)
{
	uint32_t domid;
	char path[48], *v;
	size_t len;
	int rc;

	if ((rc = domid_arg(r, &domid)) != 0)
		return rc;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	rc = xenstore_read(store_of(r), &xs_dom0, NULL, path, &v, &len);
	free(v);
	xu_buf_add(r->reply, rc == 0 || domid == 0 ? "T" : "F", 2);
	return 0;
}

/* XS_RESTRICT: from now on the connection is that domain, unprivileged
 * (how tests and tools act as a guest). */
static int
do_restrict(struct xs_req *r)
{
	uint32_t domid;
	int rc;

	if (!r->c->caller.privileged)
		return EPERM;
	if ((rc = domid_arg(r, &domid)) != 0)
		return rc;
	r->c->caller.domid = domid;
	r->c->caller.privileged = domid == 0;
	add_ok(r->reply);
	return 0;
}

static int
do_debug(struct xs_req *r)
{
	const char *parts[3];
	bool open_end;
	int n;

	n = xsw_split(r->payload, r->len, parts, 3, &open_end);
	if (n >= 2 && strcmp(parts[0], "print") == 0 && !open_end)
		log_info("xenstore: debug print: %.200s", parts[1]);
	add_ok(r->reply);
	return 0;
}

static int
do_unsupported(struct xs_req *r)
{
	return ENOSYS;
}

static const struct {
	uint32_t type;
	int (*fn)(struct xs_req *r);
	bool in_txn;		/* may carry a transaction id */
} handlers[] = {
	{ XS_DEBUG, do_debug, false },
	{ XS_DIRECTORY, do_directory, true },
	{ XS_READ, do_read, true },
	{ XS_GET_PERMS, do_get_perms, true },
	{ XS_WATCH, do_watch, false },
	{ XS_UNWATCH, do_unwatch, false },
	{ XS_TRANSACTION_START, do_txn_start, false },
	{ XS_TRANSACTION_END, do_txn_end, true },
	{ XS_INTRODUCE, do_unsupported, false },
	{ XS_RELEASE, do_unsupported, false },
	{ XS_GET_DOMAIN_PATH, do_get_domain_path, false },
	{ XS_WRITE, do_write, true },
	{ XS_MKDIR, do_mkdir, true },
	{ XS_RM, do_rm, true },
	{ XS_SET_PERMS, do_set_perms, true },
	{ XS_IS_DOMAIN_INTRODUCED, do_is_introduced, false },
	{ XS_RESUME, do_unsupported, false },
	{ XS_SET_TARGET, do_unsupported, false },
	{ XS_RESTRICT, do_restrict, false },
	{ XS_RESET_WATCHES, do_reset_watches, false },
};

static void
dispatch(struct xs_conn *c, const struct xsw_hdr *h, const char *payload)
{
	struct xs_req r = { c, h, NULL, payload, h->len, NULL };
	struct xu_buf reply;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].type == h->type)
			break;
	if (i == sizeof(handlers) / sizeof(handlers[0])) {
		send_error(c, h, EINVAL);
		return;
	}
	if (h->tx_id != 0) {
		size_t k;

		if (!handlers[i].in_txn) {
			send_error(c, h, EINVAL);
			return;
		}
		for (k = 0; k < c->ntxns && c->txns[k].id != h->tx_id; k++)
			;
		if (k == c->ntxns) {
			send_error(c, h, ENOENT);
			return;
		}
		if (h->type != XS_TRANSACTION_END)
			r.t = c->txns[k].t;
	}
	xu_buf_init(&reply);
	r.reply = &reply;
	rc = handlers[i].fn(&r);
	if (rc == 0 && reply.len > XS_PAYLOAD_MAX)
		rc = E2BIG;
	if (rc != 0)
		send_error(c, h, rc);
	else
		send_msg(c, h->type, h->req_id, h->tx_id, reply.data, reply.len);
	/* Xen fires a new watch once at once, after its reply */
	if (rc == 0 && h->type == XS_WATCH) {
		const char *path, *token;

		if (watch_args(&r, &path, &token) == 0)
			on_watch_event(c, path, token);
	}
	xu_buf_dispose(&reply);
}

/* ---- connections ------------------------------------------------------ */

static void
conn_free(struct xs_conn *c)
{
	struct xs_conn **pp;
	size_t i;

	for (pp = &c->srv->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	xenstore_unwatch_all(c->srv->xs, c);
	for (i = 0; i < c->ntxns; i++)
		(void)xenstore_txn_end(c->srv->xs, c->txns[i].t, false);
	bufferevent_free(c->bev);
	free(c);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct xs_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	unsigned char raw[XS_HEADER_LEN];
	char payload[XS_PAYLOAD_MAX + 1];
	struct xsw_hdr h;

	while (!c->closing && evbuffer_get_length(in) >= XS_HEADER_LEN) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) >
		    XS_CONN_BACKLOG_MAX) {
			log_warn("xenstore: a client that does not read its replies "
			    "was disconnected");
			conn_free(c);
			return;
		}
		evbuffer_copyout(in, raw, sizeof(raw));
		if (!xsw_hdr_decode(raw, &h)) {
			log_warn("xenstore: a client sent a %u-byte message (at most "
			    "%d); disconnected", h.len, XS_PAYLOAD_MAX);
			conn_free(c);
			return;
		}
		if (evbuffer_get_length(in) < XS_HEADER_LEN + h.len)
			return;
		evbuffer_drain(in, XS_HEADER_LEN);
		evbuffer_remove(in, payload, h.len);
		payload[h.len] = '\0';
		dispatch(c, &h, payload);
	}
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static bool
peer_allowed(struct xs_server *srv, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return false;
	return cr.uid == 0 || cr.uid == srv->allow_uid;
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct xs_server *srv = arg;
	struct xs_conn *c;

	if (!peer_allowed(srv, fd)) {
		log_warn("xenstore: a connection from a foreign user was refused");
		close(fd);
		return;
	}
	c = xu_calloc(1, sizeof(*c));
	c->srv = srv;
	c->caller = xs_dom0;
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    4 * (XS_HEADER_LEN + XS_PAYLOAD_MAX));
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = srv->conns;
	srv->conns = c;
}

struct xs_server *
xs_server_new(struct event_base *base, struct xenstore *xs)
{
	struct xs_server *srv = xu_calloc(1, sizeof(*srv));

	srv->base = base;
	srv->xs = xs;
	srv->allow_uid = (uid_t)-1;
	return srv;
}

void
xs_server_allow_uid(struct xs_server *srv, uid_t uid)
{
	srv->allow_uid = uid;
}

int
xs_server_listen(struct xs_server *srv, const char *path, struct xu_err *err)
{
	int fd;

	if ((fd = xu_unix_listen(path, 64, err)) < 0)
		return err->rc;
	srv->listener = evconnlistener_new(srv->base, accept_cb, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (srv->listener == NULL) {
		close(fd);
		unlink(path);
		xu_err_set(err, XU_ERR_IO, 0, "cannot serve %s", path);
		return XU_ERR_IO;
	}
	srv->path = xu_strdup(path);
	return XU_OK;
}

void
xs_server_free(struct xs_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->conns != NULL)
		conn_free(srv->conns);
	if (srv->listener != NULL)
		evconnlistener_free(srv->listener);
	if (srv->path != NULL)
		unlink(srv->path);
	free(srv->path);
	free(srv);
}
