/* web-auth.c: who may use the page (docs/WEB.md, "Security"): the Host
 * check against DNS rebinding, logins against xend-http-password-file
 * (crypt(3) hashes, libxcrypt), sessions in an HttpOnly SameSite=Strict
 * cookie (the hash checked by a thread, off the loop), and each
 * session's CSRF token, required in a header with the
 * Origin checked on every POST that changes something (and the Origin
 * and Sec-Fetch-Site on the GETs that open streams). Logins wait in a
 * queue, with a back-off per user and address. */
#include "web.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon.h"
#include "http-server.h"
#include "log.h"
#include "xv.h"

#define SESSION_COOKIE		"xend_session"
#define SESSION_SECONDS		(12 * 3600)	/* from the login */
#define SESSIONS_MAX		64	/* the oldest goes past it */
#define SESSIONS_CHECK_SECONDS	60	/* expiry, with no request */
#define LOGIN_PAUSE_SECONDS	1.0	/* after a failed login */
#define LOGINS_WAITING_MAX	16	/* logins waiting to be checked */
#define LOGINS_SAME_MAX		4	/* ... of them one user's, from one address */
#define BACKOFFS_MAX		64	/* users and addresses held back */
#define PASSWD_FILE_MAX		(64u << 10)

struct web_session {
	char id[65];		/* the cookie's value */
	char csrf[65];		/* the X-CSRF-Token the page sends */
	char *user;
	double expires;		/* CLOCK_MONOTONIC seconds */
	struct web_session *next;
};

/* ---- the Host header ------------------------------------------------------ */

bool
web_host_ok(struct xend *x, struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Host");
	char name[64];
	const char *end;
	size_t n;
	struct in_addr a4;
	struct in6_addr a6;

	(void)x;
	if (h == NULL)
		return false;
	if (h[0] == '[') {
		if ((end = strchr(h, ']')) == NULL)
			return false;
		h++;
	} else
		end = h + strcspn(h, ":");
	n = (size_t)(end - h);
	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, h, n);
	name[n] = '\0';
	if (strcasecmp(name, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, name, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, name, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* The Origin of a POST, when the browser sends one, is this page's own. */
static bool
origin_ok(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *o = evhttp_find_header(in, "Origin");
	const char *h = evhttp_find_header(in, "Host");

	if (o == NULL)
		return true;	/* not a browser's request: the token decides */
	return h != NULL && strncmp(o, "http://", 7) == 0 &&
	    strcmp(o + 7, h) == 0;
}

/* A WebSocket's GET carries neither a CSRF token nor a body to put one
 * in, and SameSite=Strict lets another port of this host (the same
 * site) send the cookie: its Origin, which browsers always send with
 * one, must be this page's. */
static bool
upgrade_origin_ok(struct evhttp_request *req, const char *user)
{
	const char *o = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Origin");

	if (o != NULL && origin_ok(req))
		return true;
	log_warn("web: %s: refused a WebSocket from origin %s", user,
	    o != NULL ? o : "(none)");
	web_json_error(req, 403, "this request comes from another site's "
	    "page (its Origin is not this page's)");
	return false;
}

/* A GET that opens a stream (and, for /console, attaches) comes from
 * this page: pages on other ports of localhost are the same site, and
 * their GETs carry the cookie. A browser says who asks in Sec-Fetch-Site
 * ("none": the user typed the address); curl says nothing. */
static bool
fetch_site_ok(struct evhttp_request *req)
{
	const char *f = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Sec-Fetch-Site");

	return f == NULL || strcmp(f, "same-origin") == 0 ||
	    strcmp(f, "none") == 0;
}

/* ---- sessions ---------------------------------------------------------------- */

static bool
same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static int
random_hex(char out[65])
{
	unsigned char b[32];
	size_t i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return XU_ERR_IO;
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return XU_OK;
}

/* A session ends (logged out, expired, or the oldest of too many): the
 * screens it opened end with it. */
static void
session_free(struct web *w, struct web_session *s)
{
	web_vnc_session_ended(w, s->id);
	free(s->user);
	free(s);
}

/* A session ends (logout, expiry, the cap): its live lists and consoles
 * with it (its screens: session_free). */
static void
session_end(struct web *w, struct web_session *s)
{
	unsigned n = web_events_of_session(w, s->id, true) +
	    web_console_of_session(w, s->id, true);

	if (n > 0)
		log_info("web: %s: the session ended: %u of its streams closed",
		    s->user, n);
	session_free(w, s);
}

static void
sessions_expire(struct web *w)
{
	struct web_session **p = &w->sessions, *s;
	double now = xu_mono_s();

	while ((s = *p) != NULL)
		if (s->expires <= now) {
			*p = s->next;
			w->nsessions--;
			session_end(w, s);
		} else
			p = &s->next;
}

/* The session named by the request's cookie, or NULL. */
static struct web_session *
session_of(struct web *w, struct evhttp_request *req)
{
	const char *c = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Cookie");
	const char *v;
	struct web_session *s;
	char id[65];
	size_t n;

	sessions_expire(w);
	for (v = c; v != NULL && (v = strstr(v, SESSION_COOKIE "=")) != NULL;
	    v += sizeof(SESSION_COOKIE)) {
		if (v != c && v[-1] != ' ' && v[-1] != ';')
			continue;
		v += sizeof(SESSION_COOKIE);
		n = strcspn(v, "; ");
		if (n != 64)
			return NULL;
		memcpy(id, v, 64);
		id[64] = '\0';
		for (s = w->sessions; s != NULL; s = s->next)
			if (same_secret(s->id, id))
				return s;
		return NULL;
	}
	return NULL;
}

static struct web_session *
session_new(struct web *w, const char *user)
{
	struct web_session *s = xu_calloc(1, sizeof(*s)), **p, *o;

	if (random_hex(s->id) != XU_OK || random_hex(s->csrf) != XU_OK) {
		free(s);
		return NULL;
	}
	s->user = xu_strdup(user);
	s->expires = xu_mono_s() + SESSION_SECONDS;
	if (w->nsessions >= SESSIONS_MAX) {
		/* the list is newest first: drop its last */
		for (p = &w->sessions; (*p)->next != NULL; p = &(*p)->next)
			;
		o = *p;
		*p = NULL;
		w->nsessions--;
		session_end(w, o);
	}
	s->next = w->sessions;
	w->sessions = s;
	w->nsessions++;
	return s;
}

/* Sessions expire with nobody asking too (their streams end). */
static void
sessions_due(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sessions_expire(arg);
}

void
web_sessions_init(struct xend *x)
{
	struct timeval tv = { SESSIONS_CHECK_SECONDS, 0 };

	x->web->sessions_timer = event_new(x->base, -1, EV_PERSIST,
	    sessions_due, x->web);
	evtimer_add(x->web->sessions_timer, &tv);
}

void
web_sessions_free(struct web *w)
{
	struct web_session *s;

	while ((s = w->sessions) != NULL) {
		w->sessions = s->next;
		session_free(w, s);
	}
	w->nsessions = 0;
	if (w->sessions_timer != NULL)
		event_free(w->sessions_timer);
	w->sessions_timer = NULL;
}

const char *
web_session_id(struct xend *x, struct evhttp_request *req)
{
	struct web_session *s = session_of(x->web, req);

	return s != NULL ? s->id : NULL;
}

bool
web_authorize(struct xend *x, struct evhttp_request *req,
    enum web_access what, const char **user)
{
	struct web *w = x->web;
	struct web_session *s;
	const char *tok;

	*user = "";
	if (w->passwd_file == NULL) {
		if (what == WEB_READ)
			return true;
		web_json_error(req, 403, "actions and consoles need logins: "
		    "set xend-http-password-file in xend-config.sxp "
		    "(docs/WEB.md)");
		return false;
	}
	if ((s = session_of(w, req)) == NULL) {
		web_json_error(req, 401, "log in first");
		return false;
	}
	*user = s->user;
	if (what == WEB_UPGRADE)
		return upgrade_origin_ok(req, s->user);
	if (what == WEB_READ ||
	    evhttp_request_get_command(req) != EVHTTP_REQ_POST)
		return true;
	tok = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-CSRF-Token");
	if (!origin_ok(req)) {
		log_warn("web: %s: refused a POST from origin %s", s->user,
		    evhttp_find_header(evhttp_request_get_input_headers(req),
		    "Origin"));
		web_json_error(req, 403, "this request comes from another "
		    "site's page (its Origin is not this page's)");
		return false;
	}
	if (tok == NULL || !same_secret(tok, s->csrf)) {
		log_warn("web: %s: refused a POST without its CSRF token",
		    s->user);
		web_json_error(req, 403, "the request has no valid CSRF token "
		    "(X-CSRF-Token): reload the page");
		return false;
	}
	return true;
}

bool
web_stream_allowed(struct xend *x, struct evhttp_request *req)
{
	struct web *w = x->web;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *sid = web_session_id(x, req);
	unsigned n;

	if (!origin_ok(req) || !fetch_site_ok(req)) {
		log_warn("web: refused a stream asked for by another site's "
		    "page (Origin %s, Sec-Fetch-Site %s)",
		    evhttp_find_header(in, "Origin") ?: "-",
		    evhttp_find_header(in, "Sec-Fetch-Site") ?: "-");
		web_json_error(req, 403, "this request comes from another "
		    "site's page (its Origin or Sec-Fetch-Site is not this "
		    "page's)");
		return false;
	}
	if (sid != NULL && (n = web_events_of_session(w, sid, false) +
	    web_console_of_session(w, sid, false)) >= WEB_SESSION_STREAMS) {
		web_json_error(req, 503, "this session has %u streams open "
		    "(live lists and consoles): close one first", n);
		return false;
	}
	return true;
}

/* ---- the password file ------------------------------------------------------- */

/* The user's hash in the file (read anew at each login, so an edit needs
 * no restart), or a fresh setting when the user is not there or locked:
 * the login then costs a hash all the same, and fails. */
static char *
hash_of(const char *file, const char *user, bool *known)
{
	char *data = NULL, *line, *save = NULL, *hash = NULL, *out;
	char dummy[CRYPT_GENSALT_OUTPUT_SIZE];
	size_t len;

	*known = false;
	if (xu_read_file(file, PASSWD_FILE_MAX, &data, &len) != XU_OK)
		log_error("web: cannot read xend-http-password-file %s: %s",
		    file, strerror(errno));
	for (line = data ? strtok_r(data, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (line[0] == '#' || colon == NULL)
			continue;
		*colon = '\0';
		if (strcmp(line, user) == 0) {
			hash = colon + 1;
			hash[strcspn(hash, ": \t\r")] = '\0';
			break;
		}
	}
	if (hash != NULL && hash[0] != '\0' && hash[0] != '*' && hash[0] != '!') {
		*known = true;
		out = xu_strdup(hash);
	} else if (crypt_gensalt_rn("$y$", 0, NULL, 0, dummy, sizeof(dummy)))
		out = xu_strdup(dummy);
	else
		out = xu_strdup("$6$xend$");
	free(data);
	return out;
}

/* ---- logins: queued, hashed off the loop ----------------------------------- */

/* A hash (yescrypt's default: 100 ms here) would hold xend's loop, so a
 * login is checked by a thread of its own, one at a time; the loop
 * learns of the result through a pipe. Logins wait their turn in a
 * bounded queue. A refused one holds back the next for the same user
 * from the same address (its back-off) for LOGIN_PAUSE_SECONDS, and
 * only that one: another user's login, or the same user's from another
 * address, is checked meanwhile. So guessing one user's password goes
 * at a guess a second, and whoever keeps failing it delays that user's
 * next login by a second or two, never refuses it. */
struct login {
	struct xend *x;
	struct evhttp_request *req;	/* NULL once the client is gone */
	char *user, *password, *hash;
	char peer[64];			/* the client's address */
	bool known, ok;
	int pipe[2];
	struct event *ev;
	pthread_t thread;
	bool started;
	TAILQ_ENTRY(login) link;	/* while it waits */
};

struct backoff {
	char *user;
	char peer[64];
	double until;			/* CLOCK_MONOTONIC seconds */
};

struct web_logins {
	TAILQ_HEAD(, login) waiting;
	unsigned nwaiting;
	struct login *checking;		/* or NULL */
	struct event *timer;		/* the first back-off's end */
	struct backoff backoff[BACKOFFS_MAX];
};

static void login_next(struct xend *x);

static void
login_timer_due(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	login_next(arg);
}

void
web_logins_init(struct xend *x)
{
	struct web_logins *ls = xu_calloc(1, sizeof(*ls));

	TAILQ_INIT(&ls->waiting);
	ls->timer = evtimer_new(x->base, login_timer_due, x);
	x->web->logins = ls;
}

/* The back-off of user from peer: its slot, or NULL (a free one when
 * make is set: an ended one, else the one ending first). */
static struct backoff *
backoff_of(struct web_logins *ls, const char *user, const char *peer,
    bool make)
{
	struct backoff *b, *free_b = &ls->backoff[0];
	size_t i;

	for (i = 0; i < BACKOFFS_MAX; i++) {
		b = &ls->backoff[i];
		if (b->user != NULL && strcmp(b->user, user) == 0 &&
		    strcmp(b->peer, peer) == 0)
			return b;
		if (b->until < free_b->until)
			free_b = b;
	}
	if (!make)
		return NULL;
	free(free_b->user);
	free_b->user = xu_strdup(user);
	snprintf(free_b->peer, sizeof(free_b->peer), "%s", peer);
	return free_b;
}

static double
backoff_until(struct web_logins *ls, const struct login *l)
{
	struct backoff *b = backoff_of(ls, l->user, l->peer, false);

	return b != NULL ? b->until : 0;
}

static void *
login_hash(void *arg)
{
	struct login *l = arg;
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *got = cd ? crypt_r(l->password, l->hash, cd) : NULL;

	l->ok = l->known && got != NULL && got[0] != '*' &&
	    same_secret(got, l->hash);
	free(cd);
	(void)write(l->pipe[1], "", 1);
	return NULL;
}

static void
login_free(struct login *l)
{
	if (l->started)
		pthread_join(l->thread, NULL);
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->pipe[0] >= 0) {
		close(l->pipe[0]);
		close(l->pipe[1]);
	}
	explicit_bzero(l->password, strlen(l->password));
	free(l->password);
	free(l->user);
	free(l->hash);
	free(l);
}

/* The client went away: a login waiting is forgotten, one being checked
 * is finished unanswered. */
static void
login_gone(void *arg)
{
	struct login *l = arg;
	struct web_logins *ls = l->x->web->logins;

	l->req = NULL;
	if (l->started)
		return;
	TAILQ_REMOVE(&ls->waiting, l, link);
	ls->nwaiting--;
	login_free(l);
}

static void session_reply(struct evhttp_request *req, struct web *w,
    const struct web_session *s);

static void
login_done(evutil_socket_t fd, short what, void *arg)
{
	struct login *l = arg;
	struct xend *x = l->x;
	struct web *w = x->web;
	struct evhttp_request *req = l->req;
	struct web_session *s = NULL;
	struct backoff *b;
	char *cookie;

	(void)fd;
	(void)what;
	w->logins->checking = NULL;
	if (req != NULL)
		http_unwatch(w->srv, req);
	if (!l->ok) {
		b = backoff_of(w->logins, l->user, l->peer, true);
		b->until = xu_mono_s() + LOGIN_PAUSE_SECONDS;
		log_warn("web: refused a login as '%.64s' from %s: wrong user "
		    "or password", l->user, l->peer);
		if (req != NULL)
			web_json_error(req, 401, "wrong user or password");
	} else if ((s = session_new(w, l->user)) == NULL) {
		if (req != NULL)
			web_json_error(req, 500, "no random numbers for a session");
	} else {
		if ((b = backoff_of(w->logins, l->user, l->peer, false)) != NULL)
			b->until = 0;
		log_info("web: %s logged in", l->user);
		if (req != NULL) {
			cookie = xu_asprintf(SESSION_COOKIE "=%s; Path=/; "
			    "HttpOnly; SameSite=Strict; Max-Age=%d", s->id,
			    SESSION_SECONDS);
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Set-Cookie", cookie);
			free(cookie);
			session_reply(req, w, s);
		}
	}
	login_free(l);
	login_next(x);
}

/* Starts checking l (taken off the queue); false when it could not be
 * (answered, freed). */
static bool
login_start(struct xend *x, struct login *l)
{
	struct web *w = x->web;

	if (pipe2(l->pipe, O_CLOEXEC) != 0) {
		web_json_error(l->req, 500, "cannot check a login: %s",
		    strerror(errno));
		goto fail;
	}
	l->ev = event_new(x->base, l->pipe[0], EV_READ, login_done, l);
	if (pthread_create(&l->thread, NULL, login_hash, l) != 0) {
		web_json_error(l->req, 500, "cannot start a thread to check a "
		    "login");
		goto fail;
	}
	l->started = true;
	event_add(l->ev, NULL);
	w->logins->checking = l;
	return true;
fail:
	http_unwatch(w->srv, l->req);
	login_free(l);
	return false;
}

/* The first waiting login whose back-off is over is checked; if every
 * one waits for its back-off, the timer is set for the first to end. */
static void
login_next(struct xend *x)
{
	struct web_logins *ls = x->web->logins;
	struct login *l;
	double now, until, first;
	struct timeval tv;

	while (ls->checking == NULL && !TAILQ_EMPTY(&ls->waiting)) {
		now = xu_mono_s();
		first = 0;
		TAILQ_FOREACH(l, &ls->waiting, link) {
			until = backoff_until(ls, l);
			if (until <= now)
				break;
			if (first == 0 || until < first)
				first = until;
		}
		if (l == NULL) {
			tv.tv_sec = (time_t)(first - now);
			tv.tv_usec = (suseconds_t)((first - now -
			    (double)tv.tv_sec) * 1e6) + 1000;
			evtimer_add(ls->timer, &tv);
			return;
		}
		TAILQ_REMOVE(&ls->waiting, l, link);
		ls->nwaiting--;
		(void)login_start(x, l);
	}
}

/* Queues a login (answered when it is checked), or refuses it (429)
 * when too many wait. */
static void
login_queue(struct xend *x, struct evhttp_request *req, const char *user,
    const char *password)
{
	struct web *w = x->web;
	struct web_logins *ls = w->logins;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct login *l, *o;
	char *addr = NULL;
	ev_uint16_t port;
	unsigned same = 0;

	l = xu_calloc(1, sizeof(*l));
	l->x = x;
	l->req = req;
	l->pipe[0] = l->pipe[1] = -1;
	l->user = xu_strdup(user);
	l->password = xu_strdup(password);
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	snprintf(l->peer, sizeof(l->peer), "%s", addr ? addr : "?");
	TAILQ_FOREACH(o, &ls->waiting, link)
		if (strcmp(o->user, user) == 0 && strcmp(o->peer, l->peer) == 0)
			same++;
	if (ls->nwaiting >= LOGINS_WAITING_MAX || same >= LOGINS_SAME_MAX) {
		log_warn("web: refused a login as '%.64s' from %s: %u logins "
		    "wait (%u of them the same)", user, l->peer, ls->nwaiting,
		    same);
		web_json_error(req, 429, "too many logins are waiting to be "
		    "checked: try again in a few seconds");
		goto fail;
	}
	if (!http_watch(w->srv, req, login_gone, l)) {
		web_json_error(req, 503, "the connection is not known yet");
		goto fail;
	}
	l->hash = hash_of(w->passwd_file, user, &l->known);
	TAILQ_INSERT_TAIL(&ls->waiting, l, link);
	ls->nwaiting++;
	login_next(x);
	return;
fail:
	login_free(l);
}

void
web_logins_free(struct web *w)
{
	struct web_logins *ls = w->logins;
	struct login *l;
	size_t i;

	if (ls == NULL)
		return;
	/* the server's connections are closed (waiting logins went with
	 * them): the thread is waited for */
	if (ls->checking != NULL)
		login_free(ls->checking);
	while ((l = TAILQ_FIRST(&ls->waiting)) != NULL) {
		TAILQ_REMOVE(&ls->waiting, l, link);
		login_free(l);
	}
	for (i = 0; i < BACKOFFS_MAX; i++)
		free(ls->backoff[i].user);
	if (ls->timer != NULL)
		event_free(ls->timer);
	free(ls);
	w->logins = NULL;
}

/* ---- routes ------------------------------------------------------------------ */

/* A form field of a POST's body (application/x-www-form-urlencoded). */
static char *
form_field(struct evhttp_request *req, const char *key)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *body = xu_malloc(len + 1), *out = NULL;
	struct evkeyvalq kv;
	const char *v;

	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(body, &kv) == 0 &&
	    (v = evhttp_find_header(&kv, key)) != NULL)
		out = xu_strdup(v);
	evhttp_clear_headers(&kv);
	free(body);
	return out;
}

static void
session_reply(struct evhttp_request *req, struct web *w,
    const struct web_session *s)
{
	struct evbuffer *b = evbuffer_new();
	struct xv *v = xv_struct();

	xv_struct_set(v, "auth", xv_str(w->passwd_file ? "password" : "none"));
	xv_struct_set(v, "user", s ? xv_str(s->user) : xv_nil());
	xv_struct_set(v, "csrf", s ? xv_str(s->csrf) : xv_nil());
	xv_struct_set(v, "control", xv_bool(s != NULL));
	web_json_value(b, v);
	xv_free(v);
	web_json_reply(req, b);
}

void
web_session_route(struct xend *x, struct evhttp_request *req)
{
	session_reply(req, x->web, x->web->passwd_file ?
	    session_of(x->web, req) : NULL);
}

void
web_login_route(struct xend *x, struct evhttp_request *req)
{
	struct web *w = x->web;
	char *user = form_field(req, "user"), *pw = form_field(req, "password");

	if (w->passwd_file == NULL) {
		web_json_error(req, 403, "no logins: xend-http-password-file "
		    "is not set (docs/WEB.md)");
		goto out;
	}
	if (!origin_ok(req)) {
		web_json_error(req, 403, "this login comes from another site's "
		    "page");
		goto out;
	}
	if (user == NULL || pw == NULL || user[0] == '\0') {
		web_json_error(req, 400, "a login needs a user and a password");
		goto out;
	}
	login_queue(x, req, user, pw);
out:
	if (pw != NULL)
		explicit_bzero(pw, strlen(pw));
	free(user);
	free(pw);
}

void
web_logout_route(struct xend *x, struct evhttp_request *req)
{
	struct web *w = x->web;
	struct web_session *s, **p;
	const char *user;

	if (!web_authorize(x, req, WEB_CONTROL, &user))
		return;
	s = session_of(w, req);
	for (p = &w->sessions; *p != NULL; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			w->nsessions--;
			break;
		}
	log_info("web: %s logged out", user);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie",
	    SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	session_reply(req, w, NULL);
	if (s != NULL)
		session_end(w, s);
}
