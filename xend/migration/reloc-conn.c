/* reloc-conn.c: relocation control connections on the loop. A bufferevent
 * carries the socket's bytes; in TLS, GnuTLS reads and writes those
 * buffers through its transport callbacks (pull returns EAGAIN when the
 * input buffer is empty), so the handshake and records advance as bytes
 * arrive and nothing ever blocks. */
#include "reloc-conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "log.h"

#define FLUSH_LIMIT_S	5

struct reloc_tls {
	gnutls_certificate_credentials_t cred;
};

struct rconn {
	struct bufferevent *bev;
	char *peer;
	const struct rconn_ops *ops;
	void *arg;
	gnutls_session_t tls;	/* NULL in plaintext */
	bool handshaking;
	struct xu_buf plain;	/* TLS: records read, not yet split */
	struct xu_buf pending;	/* TLS: lines queued during the handshake */
	bool closing;		/* close_after_flush */
	bool dead;		/* closed() called */
	int busy;		/* inside a callback of the owner's */
	bool free_pending;	/* rconn_free called from one */
	int timeout_s;
};

static void conn_fail(struct rconn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
conn_fail(struct rconn *c, const char *fmt, ...)
{
	va_list ap;
	char *why;

	if (c->dead)
		return;
	c->dead = true;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	if (c->closing) {
		rconn_free(c);
		return;
	}
	va_start(ap, fmt);
	why = xu_vasprintf(fmt, ap);
	va_end(ap);
	c->busy++;
	c->ops->closed(c, why, c->arg);
	c->busy--;
	free(why);
}

/* Hands the complete lines in c->plain to the owner, one message at a
 * time, for as long as the connection lives. */
static void
deliver_lines(struct rconn *c)
{
	struct xu_buf *b = &c->plain;
	struct xu_err err = { 0 };
	struct reloc_msg m;
	char *nl;
	size_t n;

	while (!c->dead && !c->closing && !c->free_pending && b->len > 0 &&
	    (nl = memchr(b->data, '\n', b->len)) != NULL) {
		n = (size_t)(nl - b->data);
		if (reloc_msg_parse(b->data, n, &m, &err) != XU_OK) {
			conn_fail(c, "malformed message from %s: %s", c->peer,
			    err.msg);
			return;
		}
		memmove(b->data, nl + 1, b->len - n - 1);
		b->len -= n + 1;
		b->data[b->len] = '\0';
		c->ops->msg(c, &m, c->arg);
		reloc_msg_dispose(&m);
	}
	if (!c->dead && b->len > RELOC_MSG_MAX)
		conn_fail(c, "message from %s exceeds %u bytes", c->peer,
		    RELOC_MSG_MAX);
}

/* ---- TLS transport over the bufferevent -------------------------------- */

static ssize_t
tls_pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct rconn *c = p;
	int n = evbuffer_remove(bufferevent_get_input(c->bev), data, len);

	if (n <= 0) {
		gnutls_transport_set_errno(c->tls, EAGAIN);
		return -1;
	}
	return n;
}

static ssize_t
tls_push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
	struct rconn *c = p;

	if (evbuffer_add(bufferevent_get_output(c->bev), data, len) != 0) {
		gnutls_transport_set_errno(c->tls, ENOMEM);
		return -1;
	}
	return (ssize_t)len;
}

static void
tls_write(struct rconn *c, const char *data, size_t len)
{
	ssize_t r;

	while (len > 0) {
		r = gnutls_record_send(c->tls, data, len);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r < 0) {
			conn_fail(c, "TLS to %s: %s", c->peer, gnutls_strerror((int)r));
			return;
		}
		data += r;
		len -= (size_t)r;
	}
}

/* Advances the handshake; false while it is not done (or failed). */
static bool
tls_handshake(struct rconn *c)
{
	int r = gnutls_handshake(c->tls);
	unsigned status;
	gnutls_datum_t out = { NULL, 0 };

	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		return false;
	if (r < 0) {
		if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
			status = gnutls_session_get_verify_cert_status(c->tls);
			gnutls_certificate_verification_status_print(status,
			    GNUTLS_CRT_X509, &out, 0);
			conn_fail(c, "TLS with %s: the peer's certificate is "
			    "refused: %s", c->peer, out.data ? (char *)out.data : "");
			gnutls_free(out.data);
		} else {
			conn_fail(c, "TLS handshake with %s failed: %s", c->peer,
			    gnutls_strerror(r));
		}
		return false;
	}
	c->handshaking = false;
	log_debug("relocation: TLS with %s established", c->peer);
	if (c->pending.len > 0) {
		tls_write(c, c->pending.data, c->pending.len);
		c->pending.len = 0;
	}
	return !c->dead;
}

static void
tls_read(struct rconn *c)
{
	char chunk[16384];
	ssize_t r;

	if (c->handshaking && !tls_handshake(c))
		return;
	for (;;) {
		r = gnutls_record_recv(c->tls, chunk, sizeof(chunk));
		if (r > 0) {
			xu_buf_add(&c->plain, chunk, (size_t)r);
			if (c->plain.len > RELOC_MSG_MAX + 1)
				break;
			continue;
		}
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			break;
		if (r == 0) {
			conn_fail(c, "%s closed the connection", c->peer);
			return;
		}
		conn_fail(c, "TLS from %s: %s", c->peer, gnutls_strerror((int)r));
		return;
	}
}

/* ---- the bufferevent ------------------------------------------------------ */

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct rconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char chunk[16384];
	int n;

	c->busy++;
	if (c->tls != NULL) {
		tls_read(c);
	} else {
		while (c->plain.len <= RELOC_MSG_MAX &&
		    (n = evbuffer_remove(in, chunk, sizeof(chunk))) > 0)
			xu_buf_add(&c->plain, chunk, (size_t)n);
	}
	deliver_lines(c);
	c->busy--;
	if (c->free_pending)
		rconn_free(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct rconn *c = arg;

	if (what & BEV_EVENT_EOF)
		conn_fail(c, "%s closed the connection", c->peer);
	else if (what & BEV_EVENT_TIMEOUT)
		conn_fail(c, "no answer from %s within %d s", c->peer,
		    c->timeout_s);
	else
		conn_fail(c, "connection to %s: %s", c->peer,
		    strerror(EVUTIL_SOCKET_ERROR() ? EVUTIL_SOCKET_ERROR() : EIO));
}

static void
on_flushed(struct bufferevent *bev, void *arg)
{
	struct rconn *c = arg;

	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		rconn_free(c);
}

struct rconn *
rconn_new(struct event_base *base, int fd, const char *peer,
    const struct rconn_ops *ops, void *arg)
{
	struct rconn *c = xu_calloc(1, sizeof(*c));

	evutil_make_socket_nonblocking(fd);
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->peer = xu_strdup(peer);
	c->ops = ops;
	c->arg = arg;
	xu_buf_init(&c->plain);
	xu_buf_init(&c->pending);
	bufferevent_setcb(c->bev, on_read, on_flushed, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return c;
}

void
rconn_set_ops(struct rconn *c, const struct rconn_ops *ops, void *arg)
{
	c->ops = ops;
	c->arg = arg;
}

int
rconn_start_tls(struct rconn *c, struct reloc_tls *tls, bool server,
    const char *hostname, struct xu_err *err)
{
	int r;

	r = gnutls_init(&c->tls, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
	    GNUTLS_NONBLOCK);
	if (r < 0)
		goto fail;
	if ((r = gnutls_set_default_priority(c->tls)) < 0 ||
	    (r = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE,
	    tls->cred)) < 0)
		goto fail;
	if (server) {
		gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_cert(c->tls, NULL, 0);
	} else {
		if (hostname != NULL && (r = gnutls_server_name_set(c->tls,
		    GNUTLS_NAME_DNS, hostname, strlen(hostname))) < 0)
			goto fail;
		gnutls_session_set_verify_cert(c->tls, hostname, 0);
	}
	gnutls_transport_set_ptr(c->tls, c);
	gnutls_transport_set_push_function(c->tls, tls_push);
	gnutls_transport_set_pull_function(c->tls, tls_pull);
	c->handshaking = true;
	/* the client speaks first */
	if (!server)
		(void)tls_handshake(c);
	return XU_OK;
fail:
	xu_err_set(err, XU_ERR_IO, 0, "TLS with %s: %s", c->peer,
	    gnutls_strerror(r));
	if (c->tls != NULL)
		gnutls_deinit(c->tls);
	c->tls = NULL;
	return XU_ERR_IO;
}

void
rconn_send(struct rconn *c, const char *line)
{
	size_t len = strlen(line);

	if (c->dead)
		return;
	if (c->tls == NULL)
		bufferevent_write(c->bev, line, len);
	else if (c->handshaking)
		xu_buf_add(&c->pending, line, len);
	else
		tls_write(c, line, len);
}

void
rconn_close_after_flush(struct rconn *c)
{
	struct timeval tv = { FLUSH_LIMIT_S, 0 };

	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		rconn_free(c);
}

void
rconn_set_timeout(struct rconn *c, int secs)
{
	struct timeval tv = { secs, 0 };

	c->timeout_s = secs;
	bufferevent_set_timeouts(c->bev, secs > 0 ? &tv : NULL, NULL);
}

const char *
rconn_peer(const struct rconn *c)
{
	return c->peer;
}

void
rconn_free(struct rconn *c)
{
	if (c == NULL)
		return;
	if (c->busy > 0) {
		c->free_pending = true;
		c->dead = true;
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		return;
	}
	if (c->tls != NULL)
		gnutls_deinit(c->tls);
	bufferevent_free(c->bev);
	xu_buf_dispose(&c->plain);
	xu_buf_dispose(&c->pending);
	free(c->peer);
	free(c);
}

/* ---- credentials ------------------------------------------------------------ */

static int
tls_file_check(const char *what, const char *path, struct xu_err *err)
{
	if (path == NULL || *path == '\0') {
		xu_err_set(err, XU_ERR_INVALID, 0, "TLS: no %s configured", what);
		return XU_ERR_INVALID;
	}
	if (access(path, R_OK) != 0) {
		xu_err_set(err, XU_ERR_IO, 0, "TLS: %s %s: %s", what, path,
		    strerror(errno));
		return XU_ERR_IO;
	}
	return XU_OK;
}

int
reloc_tls_new(struct reloc_tls **out, const char *ca, const char *cert,
    const char *key, struct xu_err *err)
{
	struct reloc_tls *t;
	int r, rc;

	*out = NULL;
	if ((rc = tls_file_check("CA certificate", ca, err)) != XU_OK ||
	    (rc = tls_file_check("certificate", cert, err)) != XU_OK ||
	    (rc = tls_file_check("key", key, err)) != XU_OK)
		return rc;
	t = xu_calloc(1, sizeof(*t));
	if ((r = gnutls_certificate_allocate_credentials(&t->cred)) < 0) {
		free(t);
		xu_err_set(err, XU_ERR_NOMEM, 0, "TLS: %s", gnutls_strerror(r));
		return XU_ERR_NOMEM;
	}
	r = gnutls_certificate_set_x509_trust_file(t->cred, ca,
	    GNUTLS_X509_FMT_PEM);
	if (r <= 0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "TLS: CA certificate %s: %s",
		    ca, r == 0 ? "no certificate in it" : gnutls_strerror(r));
		goto fail;
	}
	r = gnutls_certificate_set_x509_key_file(t->cred, cert, key,
	    GNUTLS_X509_FMT_PEM);
	if (r < 0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "TLS: certificate %s with key "
		    "%s: %s", cert, key, gnutls_strerror(r));
		goto fail;
	}
	*out = t;
	return XU_OK;
fail:
	reloc_tls_free(t);
	return XU_ERR_INVALID;
}

void
reloc_tls_free(struct reloc_tls *tls)
{
	if (tls == NULL)
		return;
	gnutls_certificate_free_credentials(tls->cred);
	free(tls);
}
