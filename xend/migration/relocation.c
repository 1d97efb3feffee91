/* relocation.c: xend's relocation server: the listeners (plain and TLS),
 * hosts-allow checked on accept before a byte is read, the first line of
 * each connection read one byte at a time (so nothing of a QEMU stream is
 * consumed), then the control or data connection handed to the
 * destination's side (migrate-in.c). Also the records and the
 * reconciliation at start of both directions. */
#include "relocation-int.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "daemon.h"
#include "log.h"
#include "resolve.h"
#include "xend-options.h"

/* A connection between accept and its first line. */
struct accept_conn {
	struct relocation *rl;
	int fd;
	bool tls;
	struct sockaddr_storage sa;
	socklen_t salen;
	char addr[64];
	struct resolve *res;
	struct event *ev;
	char line[RELOC_HELLO_MAX + 1];
	size_t len;
	struct accept_conn *next;
};

double
reloc_now(void)
{
	return xu_wall_s();
}

/* A peer that vanishes (a cut cable, a host gone) is noticed within
 * about 25 s even when no message is due. */
void
reloc_keepalive(int fd)
{
	int on = 1, idle = 10, intvl = 5, cnt = 3;

	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

int
reloc_record(struct relocation *rl, struct store_mig *m, const char *step,
    const char *message)
{
	struct store *st = rl->x->store;
	int rc;

	free(m->step);
	m->step = xu_strdup(step);
	if (message != NULL) {
		free(m->message);
		m->message = xu_strdup(message);
	}
	if (strcmp(step, RELOC_STEP_DONE) == 0 ||
	    strcmp(step, RELOC_STEP_FAILED) == 0 ||
	    strcmp(step, RELOC_STEP_UNCERTAIN) == 0)
		m->ended = reloc_now();
	if ((rc = store_mig_put(st, m)) != XU_OK)
		log_error("migration %s of %s: cannot record step %s: %s", m->id,
		    m->name, step, store_errmsg(st));
	else
		log_debug("migration %s (%s %s %s): %s%s%s", m->id, m->direction,
		    m->name, m->peer, step, message ? ": " : "",
		    message ? message : "");
	return rc;
}

/* ---- TLS credentials -------------------------------------------------- */

char *
reloc_etc_xen_path(struct relocation *rl, const char *name)
{
	/* relative names are under /etc/xen, as classic xend had them */
	if (name == NULL || *name == '\0' || *name == '/')
		return xu_strdup(name ? name : "");
	return xu_asprintf("%s%s/xen/%s", xend_opts_root(rl->x->opts),
	    XEN_SYSCONFDIR, name);
}

void
reloc_tls_paths(struct relocation *rl, const char **ca, const char **cert,
    const char **key)
{
	const struct xend_options *o = rl->x->opts;

	*ca = xend_opt_str(o, "xend-relocation-ssl-ca-file");
	*cert = xend_opt_str(o, "xend-relocation-server-ssl-cert-file");
	*key = xend_opt_str(o, "xend-relocation-server-ssl-key-file");
}

int
reloc_tls_get(struct relocation *rl, struct reloc_tls **out,
    struct xu_err *err)
{
	const char *ca, *cert, *key;
	char *pca, *pcert, *pkey;
	int rc;

	if (rl->tls != NULL) {
		*out = rl->tls;
		return XU_OK;
	}
	reloc_tls_paths(rl, &ca, &cert, &key);
	pca = reloc_etc_xen_path(rl, ca);
	pcert = reloc_etc_xen_path(rl, cert);
	pkey = reloc_etc_xen_path(rl, key);
	rc = reloc_tls_new(&rl->tls, pca, pcert, pkey, err);
	free(pca);
	free(pcert);
	free(pkey);
	*out = rl->tls;
	return rc;
}

/* ---- hosts-allow ---------------------------------------------------------- */

static int
compile_allow(struct relocation *rl, struct xu_err *err)
{
	const char *list = xend_opt_str(rl->x->opts, "xend-relocation-hosts-allow");
	char *copy, *tok, *save = NULL;
	int r;

	if (list == NULL)
		return XU_OK;
	copy = xu_strdup(list);
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		rl->allow = xu_realloc(rl->allow, (rl->nallow + 1) *
		    sizeof(*rl->allow));
		if ((r = regcomp(&rl->allow[rl->nallow], tok,
		    REG_EXTENDED | REG_NOSUB)) != 0) {
			xu_err_set(err, XU_ERR_INVALID, 0, "xend-relocation-"
			    "hosts-allow: bad regular expression '%s'", tok);
			free(copy);
			return XU_ERR_INVALID;
		}
		rl->nallow++;
	}
	free(copy);
	return XU_OK;
}

static bool
allowed(struct relocation *rl, const char *what)
{
	size_t i;

	if (rl->nallow == 0)
		return true;
	for (i = 0; i < rl->nallow; i++)
		if (regexec(&rl->allow[i], what, 0, NULL, 0) == 0)
			return true;
	return false;
}

/* ---- the accept stage -------------------------------------------------------- */

static void
accept_free(struct accept_conn *a)
{
	struct accept_conn **pp;

	for (pp = &a->rl->accepting; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	resolve_cancel(a->res);
	if (a->ev != NULL)
		event_free(a->ev);
	if (a->fd >= 0)
		close(a->fd);
	free(a);
}

/* A refused connection is drained a moment before it is closed: closing
 * with unread bytes would send a reset that can overtake the reason. */
#define DRAIN_SECS	2
#define DRAIN_MAX	(64u << 10)

struct drain {
	struct event *ev;
	int fd;
	size_t got;
};

static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct drain *dr = arg;
	char buf[4096];
	ssize_t r = 0;

	if (what & EV_READ)
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (r > 0 && (dr->got += (size_t)r) < DRAIN_MAX)
		return;
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	event_free(dr->ev);
	close(dr->fd);
	free(dr);
}

/* Says why to the peer, in the classic error shape, and hangs up. The
 * socket is fresh and the line short: the write does not block. What the
 * peer sent meanwhile is discarded unread. */
static void
refuse(struct accept_conn *a, const char *type, const char *msg)
{
	char *line = reloc_line_err(type, "%s", msg);
	struct timeval tv = { DRAIN_SECS, 0 };
	struct drain *dr;
	ssize_t r;

	log_warn("relocation: refused %s: %s", a->addr, msg);
	r = send(a->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)r;
	free(line);
	(void)shutdown(a->fd, SHUT_WR);
	dr = xu_calloc(1, sizeof(*dr));
	dr->fd = a->fd;
	a->fd = -1;
	dr->ev = event_new(a->rl->x->base, dr->fd, EV_READ | EV_PERSIST,
	    on_drain, dr);
	event_add(dr->ev, &tv);
	accept_free(a);
}

static void
hello_done(struct accept_conn *a)
{
	struct relocation *rl = a->rl;
	struct xu_err err = { 0 };
	struct reloc_hello h;
	char addr[64];
	int fd;

	if (reloc_hello_parse(a->line, &h, &err) != XU_OK) {
		refuse(a, err.rc == XU_ERR_UNSUPPORTED ? RELOC_ERR_VERSION :
		    RELOC_ERR_PROTOCOL, err.msg);
		return;
	}
	if (h.channel == RELOC_CH_CLASSIC) {
		refuse(a, RELOC_ERR_PROTOCOL, "this xend receives migrations "
		    "only from xends of its own kind (relocation protocol "
		    "version 1): a classic xend's stream cannot be loaded");
		return;
	}
	fd = a->fd;
	a->fd = -1;
	snprintf(addr, sizeof(addr), "%s", a->addr);
	if (h.channel == RELOC_CH_CONTROL) {
		bool tls = a->tls;

		accept_free(a);
		mig_in_control(rl, fd, addr, tls);
	} else {
		accept_free(a);
		mig_in_data(rl, fd, addr, h.id);
	}
}

/* Reads the first line one byte at a time: whatever follows it belongs
 * to someone else (QEMU, or TLS). */
static void
on_hello(evutil_socket_t fd, short what, void *arg)
{
	struct accept_conn *a = arg;
	char ch;
	ssize_t r;

	if (what & EV_TIMEOUT) {
		refuse(a, RELOC_ERR_PROTOCOL, "no request within 30 s");
		return;
	}
	for (;;) {
		r = recv(a->fd, &ch, 1, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			log_info("relocation: %s went away before its request",
			    a->addr);
			accept_free(a);
			return;
		}
		if (ch == '\n') {
			a->line[a->len] = '\0';
			if (a->len > 0 && a->line[a->len - 1] == '\r')
				a->line[a->len - 1] = '\0';
			event_del(a->ev);
			hello_done(a);
			return;
		}
		if (a->len >= RELOC_HELLO_MAX) {
			refuse(a, RELOC_ERR_PROTOCOL, "request line too long");
			return;
		}
		a->line[a->len++] = ch;
	}
}

static void
admit(struct accept_conn *a)
{
	struct timeval tv = { RELOC_HELLO_SECS, 0 };

	a->ev = event_new(a->rl->x->base, a->fd, EV_READ | EV_PERSIST,
	    on_hello, a);
	event_add(a->ev, &tv);
}

static void
refuse_host(struct accept_conn *a, const char *name)
{
	char *msg = xu_asprintf("relocation from %s%s%s%s is not allowed by "
	    "xend-relocation-hosts-allow on %s", a->addr, name ? " (" : "",
	    name ? name : "", name ? ")" : "", a->rl->hostname);

	refuse(a, RELOC_ERR_HOSTS_ALLOW, msg);
	free(msg);
}

static void
on_peer_name(void *arg, const char *err, const struct sockaddr *sa,
    socklen_t salen, const char *name)
{
	struct accept_conn *a = arg;

	a->res = NULL;
	if (err == NULL && allowed(a->rl, name)) {
		log_debug("relocation: %s (%s) admitted by hosts-allow", a->addr,
		    name);
		admit(a);
		return;
	}
	refuse_host(a, err == NULL ? name : NULL);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct relocation *rl = arg;
	struct accept_conn *a = xu_calloc(1, sizeof(*a));

	a->rl = rl;
	a->fd = fd;
	a->tls = l == rl->listeners[1];
	memcpy(&a->sa, sa, (size_t)salen < sizeof(a->sa) ? (size_t)salen :
	    sizeof(a->sa));
	a->salen = (socklen_t)salen;
	sockaddr_text(sa, (socklen_t)salen, a->addr, sizeof(a->addr));
	a->next = rl->accepting;
	rl->accepting = a;
	reloc_keepalive(fd);
	log_debug("relocation: connection from %s%s", a->addr,
	    a->tls ? " (TLS port)" : "");
	/* the numeric address first: no lookup for a peer it admits */
	if (allowed(rl, a->addr)) {
		admit(a);
		return;
	}
	a->res = resolve_addr_name(rl->x->base, (struct sockaddr *)&a->sa,
	    a->salen, RELOC_NAME_SECS, on_peer_name, a);
	if (a->res == NULL)
		refuse_host(a, NULL);
}

/* ---- listeners -------------------------------------------------------------------- */

/* xend-relocation-address: '' for every address, an interface name for
 * that interface's first address, else a host name or address. */
static int
listen_addr(struct relocation *rl, int port, struct sockaddr_storage *ss,
    socklen_t *len, struct xu_err *err)
{
	const char *addr = xend_opt_str(rl->x->opts, "xend-relocation-address");
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE }, *res = NULL;
	struct ifaddrs *ifa = NULL, *i;
	char pbuf[16];
	int r;

	memset(ss, 0, sizeof(*ss));
	if (addr != NULL && *addr != '\0' && if_nametoindex(addr) != 0 &&
	    getifaddrs(&ifa) == 0) {
		for (i = ifa; i != NULL; i = i->ifa_next)
			if (i->ifa_addr != NULL && strcmp(i->ifa_name, addr) == 0 &&
			    i->ifa_addr->sa_family == AF_INET)
				break;
		if (i != NULL) {
			memcpy(ss, i->ifa_addr, sizeof(struct sockaddr_in));
			((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
			*len = sizeof(struct sockaddr_in);
		}
		freeifaddrs(ifa);
		if (i != NULL)
			return XU_OK;
		xu_err_set(err, XU_ERR_NOT_FOUND, 0, "xend-relocation-address "
		    "%s: the interface has no IPv4 address", addr);
		return XU_ERR_NOT_FOUND;
	}
	snprintf(pbuf, sizeof(pbuf), "%d", port);
	r = getaddrinfo(addr != NULL && *addr ? addr : NULL, pbuf, &hints, &res);
	if (r != 0 || res == NULL) {
		xu_err_set(err, XU_ERR_NOT_FOUND, 0, "xend-relocation-address "
		    "%s: %s", addr ? addr : "", gai_strerror(r));
		return XU_ERR_NOT_FOUND;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return XU_OK;
}

static int
open_listener(struct relocation *rl, int slot, int port, struct xu_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char text[64];

	if (listen_addr(rl, port, &ss, &len, err) != XU_OK)
		return err->rc;
	rl->listeners[slot] = evconnlistener_new_bind(rl->x->base, on_accept, rl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    16, (struct sockaddr *)&ss, (int)len);
	sockaddr_text((struct sockaddr *)&ss, len, text, sizeof(text));
	if (rl->listeners[slot] == NULL) {
		xu_err_set(err, XU_ERR_IO, 0, "relocation server: cannot listen "
		    "on %s port %d: %s", text, port, strerror(errno));
		return XU_ERR_IO;
	}
	log_info("relocation server%s listening on %s port %d",
	    slot == 1 ? " (TLS)" : "", text, port);
	return XU_OK;
}

int
relocation_start(struct xend *x, struct relocation **out, struct xu_err *err)
{
	struct relocation *rl = xu_calloc(1, sizeof(*rl));
	struct reloc_tls *tls;
	int rc = XU_OK;

	*out = NULL;
	rl->x = x;
	if (gethostname(rl->hostname, sizeof(rl->hostname) - 1) != 0)
		snprintf(rl->hostname, sizeof(rl->hostname), "localhost");
	if ((rc = compile_allow(rl, err)) != XU_OK)
		goto fail;
	if (xend_opt_bool(x->opts, "xend-relocation-server") &&
	    (rc = open_listener(rl, 0, (int)xend_opt_int(x->opts,
	    "xend-relocation-port"), err)) != XU_OK)
		goto fail;
	if (xend_opt_bool(x->opts, "xend-relocation-ssl-server")) {
		if ((rc = reloc_tls_get(rl, &tls, err)) != XU_OK) {
			char *m = xu_strdup(err->msg);

			xu_err_set(err, rc, 0, "relocation server (TLS): %s", m);
			free(m);
			goto fail;
		}
		if ((rc = open_listener(rl, 1, (int)xend_opt_int(x->opts,
		    "xend-relocation-ssl-port"), err)) != XU_OK)
			goto fail;
	}
	if (rl->nallow == 0 && rl->listeners[0] != NULL)
		log_warn("relocation server: xend-relocation-hosts-allow is empty: "
		    "any host that reaches the port may send domains");
	*out = rl;
	return XU_OK;
fail:
	relocation_free(rl);
	return rc;
}

void
relocation_free(struct relocation *rl)
{
	size_t i;

	if (rl == NULL)
		return;
	for (i = 0; i < 2; i++)
		if (rl->listeners[i] != NULL)
			evconnlistener_free(rl->listeners[i]);
	while (rl->accepting != NULL)
		accept_free(rl->accepting);
	mig_in_free_all(rl);
	mig_out_free_all(rl);
	for (i = 0; i < rl->nallow; i++)
		regfree(&rl->allow[i]);
	free(rl->allow);
	reloc_tls_free(rl->tls);
	free(rl);
}

void
relocation_reconcile(struct relocation *rl)
{
	struct store_mig *v = NULL;
	size_t n = 0, i;

	if (store_mig_unfinished(rl->x->store, &v, &n) != XU_OK) {
		log_error("migrations: cannot read the records: %s",
		    store_errmsg(rl->x->store));
		return;
	}
	for (i = 0; i < n; i++) {
		log_info("migration %s of %s (%s %s) was at step %s when the last "
		    "xend stopped", v[i].id, v[i].name, v[i].direction,
		    v[i].peer, v[i].step);
		if (strcmp(v[i].direction, "in") == 0)
			mig_in_reconcile(rl, &v[i]);
		else
			mig_out_reconcile(rl, &v[i]);
		store_mig_dispose(&v[i]);
	}
	free(v);
}

/* ---- what xm sees ---------------------------------------------------------------- */

static struct xv *
mig_fields(const struct store_mig *m, bool as_struct)
{
	struct xv *v = as_struct ? xv_struct() : xv_list();

#define PUT(k, val) (as_struct ? xv_struct_set(v, k, val) : \
	xv_append_pair(v, k, val))
	if (!as_struct)
		xv_append(v, xv_str("migration"));
	PUT("id", xv_str(m->id));
	PUT("direction", xv_str(m->direction));
	PUT("peer", xv_str(m->peer ? m->peer : ""));
	PUT("step", xv_str(m->step ? m->step : ""));
	PUT("live", xv_int(m->live));
	PUT("ssl", xv_int(m->ssl));
	PUT("start_time", xv_double(m->started));
	if (m->ended > 0)
		PUT("duration", xv_double(m->ended - m->started));
	/* as strings beyond 32 bits: XML-RPC ints are 32-bit (reference 6.1) */
	PUT("bytes", m->bytes > INT32_MAX ? xv_strf("%lld", (long long)m->bytes) :
	    xv_int(m->bytes));
	PUT("total", m->total > INT32_MAX ? xv_strf("%lld", (long long)m->total) :
	    xv_int(m->total));
	PUT("downtime_ms", xv_int(m->downtime_ms));
	/* not in xm list -l: its free text ("... exited with status 1")
	 * would be a second line that ocf:heartbeat:Xen's `grep status`
	 * finds, and the agent would take a running guest for a stopped
	 * one. The cause is in xend.log and in xm migrate's error. */
	if (m->message != NULL && as_struct)
		PUT("message", xv_str(m->message));
#undef PUT
	return v;
}

struct xv *
relocation_sxp(struct relocation *rl, const char *uuid)
{
	struct store_mig m;
	struct xv *v;

	if (rl == NULL || store_mig_last(rl->x->store, uuid, &m) != XU_OK)
		return NULL;
	v = mig_fields(&m, false);
	store_mig_dispose(&m);
	return v;
}

/* A save or a restore from a file in flight: what QEMU has written (its
 * monitor counts) or read (the file's offset, shared with QEMU). */
static struct xv *
file_status(struct domain *d)
{
	struct xv *v;
	uint64_t bytes = 0, total = 0;
	int64_t downtime;
	struct stat st;
	off_t pos;

	if (d->restore_pos_fd >= 0) {
		pos = lseek(d->restore_pos_fd, 0, SEEK_CUR);
		bytes = pos > 0 ? (uint64_t)pos : 0;
		if (fstat(d->restore_pos_fd, &st) == 0 && st.st_size > 0)
			total = (uint64_t)st.st_size;
	} else if (!d->saving ||
	    !mig_engine_progress(d, &bytes, &total, &downtime)) {
		return NULL;
	}
	v = xv_struct();
	xv_struct_set(v, "step", xv_str(d->saving ? "saving" : "restoring"));
	xv_struct_set(v, "bytes", bytes > INT32_MAX ? xv_strf("%llu",
	    (unsigned long long)bytes) : xv_int((int64_t)bytes));
	xv_struct_set(v, "total", total > INT32_MAX ? xv_strf("%llu",
	    (unsigned long long)total) : xv_int((int64_t)total));
	xv_struct_set(v, "in_flight", xv_bool(true));
	return v;
}

struct xv *
relocation_status(struct relocation *rl, struct domain *d)
{
	struct store_mig m;
	struct mig_out *o;
	struct xv *v;
	uint64_t bytes = 0, total = 0;
	double rate = 0;

	o = rl != NULL ? mig_out_find_uuid(rl, d->uuid) : NULL;
	if (o == NULL && (v = file_status(d)) != NULL)
		return v;
	if (rl == NULL || store_mig_last(rl->x->store, d->uuid, &m) != XU_OK)
		return NULL;
	if (o != NULL) {
		mig_out_progress(o, &bytes, &total, &rate);
		m.bytes = (int64_t)bytes;
		m.total = (int64_t)total;
	}
	v = mig_fields(&m, true);
	xv_struct_set(v, "rate", xv_int(rate > INT32_MAX ? INT32_MAX :
	    (int64_t)rate));
	xv_struct_set(v, "in_flight", xv_bool(m.ended == 0));
	store_mig_dispose(&m);
	return v;
}
