/* qmp.c: the monitor's QMP client: greeting and capabilities, commands
 * matched to replies by id, asynchronous events. QEMU's output is
 * untrusted: every message is checked for size, depth and types. */
#include "xenhv.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "xenhv-proto.h"
#include "xu.h"

#define QMP_TIMEOUT_DEFAULT	30

struct qmp_pending {
	struct qmp *q;
	int64_t id;
	qmp_reply_cb cb;
	void *opaque;
	struct event *timer;
	struct qmp_pending *next;
};

enum qmp_phase { PH_GREETING, PH_CAPS, PH_READY, PH_CLOSED };

struct qmp {
	struct event_base *base;
	struct bufferevent *bev;
	enum qmp_phase phase;
	int64_t next_id;
	struct qmp_pending *pending;
	struct qmp_callbacks cb;
	void *opaque;
};

yajl_val
qmp_member(yajl_val obj, const char *key)
{
	size_t i;

	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (i = 0; i < obj->u.object.len; i++) {
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	}
	return NULL;
}

void
qmp_msg_dispose(struct qmp_msg *m)
{
	if (m->root != NULL)
		yajl_tree_free(m->root);
	memset(m, 0, sizeof(*m));
	m->id = -1;
}

static bool
bad(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0) {
		strncpy(why, msg, whylen - 1);
		why[whylen - 1] = '\0';
	}
	return false;
}

static bool
decode_fields(yajl_val root, struct qmp_msg *m, const char **msg)
{
	yajl_val v, id;

	id = qmp_member(root, "id");
	if (YAJL_IS_INTEGER(id) && id->u.number.i >= 0)
		m->id = id->u.number.i;
	if ((v = qmp_member(root, "QMP")) != NULL) {
		m->kind = QMP_GREETING;
		if (!YAJL_IS_OBJECT(v))
			return (*msg = "greeting is not an object", false);
		return true;
	}
	if ((v = qmp_member(root, "return")) != NULL) {
		m->kind = QMP_RETURN;
		m->ret = v;
		return true;
	}
	if ((v = qmp_member(root, "error")) != NULL) {
		m->kind = QMP_ERROR;
		m->err_class = YAJL_GET_STRING(qmp_member(v, "class"));
		m->err_desc = YAJL_GET_STRING(qmp_member(v, "desc"));
		if (!YAJL_IS_OBJECT(v) || m->err_class == NULL || m->err_desc == NULL)
			return (*msg = "error without class and desc", false);
		return true;
	}
	if ((v = qmp_member(root, "event")) != NULL) {
		m->kind = QMP_EVENT;
		m->event = YAJL_GET_STRING(v);
		if (m->event == NULL || *m->event == '\0')
			return (*msg = "event name is not a string", false);
		m->data = qmp_member(root, "data");
		if (m->data != NULL && !YAJL_IS_OBJECT(m->data))
			return (*msg = "event data is not an object", false);
		return true;
	}
	*msg = "neither greeting, return, error nor event";
	return false;
}

bool
qmp_decode(const char *line, size_t len, struct qmp_msg *m, char *why, size_t whylen)
{
	const char *msg = NULL;
	yajl_val root;

	memset(m, 0, sizeof(*m));
	m->id = -1;
	root = xhp_json_object(line, len, QMP_LINE_MAX, QMP_DEPTH_MAX,
	    "QMP message", why, whylen);
	if (root == NULL)
		return false;
	m->root = root;
	if (!decode_fields(root, m, &msg)) {
		qmp_msg_dispose(m);
		return bad(why, whylen, msg);
	}
	return true;
}

static struct qmp_pending *
take_pending(struct qmp *q, int64_t id)
{
	struct qmp_pending **pp, *p;

	for (pp = &q->pending; (p = *pp) != NULL; pp = &p->next) {
		if (p->id == id) {
			*pp = p->next;
			return p;
		}
	}
	return NULL;
}

static void
pending_free(struct qmp_pending *p)
{
	if (p->timer != NULL)
		event_free(p->timer);
	free(p);
}

/* Ends the session: every pending command fails, then the owner hears of
 * it. Nothing touches q after the closed callback. */
static void
qmp_close(struct qmp *q, const char *why)
{
	struct qmp_pending *p;

	if (q->phase == PH_CLOSED)
		return;
	q->phase = PH_CLOSED;
	if (q->bev != NULL) {
		bufferevent_free(q->bev);
		q->bev = NULL;
	}
	while ((p = q->pending) != NULL) {
		q->pending = p->next;
		if (p->cb != NULL)
			p->cb(p->opaque, NULL, "QMP connection closed");
		pending_free(p);
	}
	if (q->cb.closed != NULL)
		q->cb.closed(q->opaque, why);
}

static void
caps_done(void *opaque, yajl_val ret, const char *err)
{
	struct qmp *q = opaque;

	if (err != NULL) {
		xhv_log("QMP: qmp_capabilities failed: %s", err);
		qmp_close(q, "QMP capabilities negotiation failed");
		return;
	}
	q->phase = PH_READY;
	if (q->cb.ready != NULL)
		q->cb.ready(q->opaque);
}

static int send_command(struct qmp *q, const char *cmd, const char *args_json,
    qmp_reply_cb cb, void *opaque, int timeout_s);

static void
handle_reply(struct qmp *q, struct qmp_msg *m)
{
	struct qmp_pending *p;

	if (m->id < 0 || (p = take_pending(q, m->id)) == NULL) {
		xhv_log("QMP: reply with an unknown id ignored");
		return;
	}
	if (p->cb != NULL) {
		if (m->kind == QMP_RETURN)
			p->cb(p->opaque, m->ret, NULL);
		else
			p->cb(p->opaque, NULL, m->err_desc);
	}
	pending_free(p);
}

/* One message; false when the session cannot go on. */
static bool
handle_msg(struct qmp *q, struct qmp_msg *m)
{
	switch (m->kind) {
	case QMP_GREETING:
		if (q->phase != PH_GREETING) {
			xhv_log("QMP: a second greeting ignored");
			return true;
		}
		q->phase = PH_CAPS;
		return send_command(q, "qmp_capabilities", NULL, caps_done, q, 0) == 0;
	case QMP_RETURN:
	case QMP_ERROR:
		if (q->phase == PH_GREETING)
			return false;
		handle_reply(q, m);
		return true;
	case QMP_EVENT:
		if (q->phase == PH_GREETING)
			return false;
		if (q->cb.event != NULL)
			q->cb.event(q->opaque, m->event, m->data);
		return true;
	}
	return false;
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct qmp *q = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct qmp_msg m;
	char why[160], *line;
	size_t n;

	while (q->phase != PH_CLOSED) {
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > QMP_LINE_MAX)
				qmp_close(q, "QMP message too long");
			return;
		}
		if (n == 0) {
			free(line);
			continue;
		}
		if (!qmp_decode(line, n, &m, why, sizeof(why))) {
			free(line);
			xhv_log("QMP: bad message from QEMU: %s", why);
			qmp_close(q, "QEMU sent a malformed QMP message");
			return;
		}
		free(line);
		if (!handle_msg(q, &m)) {
			qmp_msg_dispose(&m);
			qmp_close(q, "QEMU broke the QMP protocol");
			return;
		}
		qmp_msg_dispose(&m);
	}
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct qmp *q = arg;

	if (what & BEV_EVENT_EOF)
		qmp_close(q, "QEMU closed QMP");
	else if (what & BEV_EVENT_ERROR)
		qmp_close(q, strerror(EVUTIL_SOCKET_ERROR()));
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct qmp_pending *p = arg;
	struct qmp *q = p->q;

	p = take_pending(q, p->id);
	if (p == NULL)
		return;
	if (p->cb != NULL)
		p->cb(p->opaque, NULL, "QEMU did not answer in time");
	pending_free(p);
}

/* Writes what the bufferevent still holds, then line with fd attached:
 * the descriptor must travel with the bytes of its own command. Short
 * blocking writes: QEMU reads its monitor all the time. */
static int
send_with_fd(struct qmp *q, const char *line, int fd)
{
	struct evbuffer *out = bufferevent_get_output(q->bev);
	int sock = bufferevent_getfd(q->bev), tries = 0;
	struct pollfd pfd = { .fd = sock, .events = POLLOUT };
	size_t off = 0, len = strlen(line);
	ssize_t r;

	while (evbuffer_get_length(out) > 0 && tries < 50) {
		if (poll(&pfd, 1, 100) <= 0) {
			tries++;
			continue;
		}
		/* a socket bufferevent keeps its output's front frozen (only
		 * it drains it, from its write callback): evbuffer_write on it
		 * fails, errno untouched, whenever a command is still queued,
		 * as the query-blockstats that follows each getinfo often is */
		evbuffer_unfreeze(out, 1);
		r = evbuffer_write(out, sock);
		evbuffer_freeze(out, 1);
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if (evbuffer_get_length(out) > 0)
		return -1;
	while (off < len && tries < 50) {
		/* the descriptor goes with the first byte */
		r = off == 0 ? xhp_send_fd(sock, line, len, fd) :
		    send(sock, line + off, len - off, MSG_NOSIGNAL);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			tries++;
			poll(&pfd, 1, 100);
			continue;
		}
		if (r < 0)
			return -1;
		off += (size_t)r;
	}
	return off == len ? 0 : -1;
}

static int
send_command_fd(struct qmp *q, const char *cmd, const char *args_json, int fd,
    qmp_reply_cb cb, void *opaque, int timeout_s)
{
	struct qmp_pending *p;
	struct timeval tv;
	char *line;

	if (q->phase == PH_CLOSED || q->bev == NULL)
		return -1;
	p = xu_calloc(1, sizeof(*p));
	p->q = q;
	p->id = q->next_id++;
	p->cb = cb;
	p->opaque = opaque;
	if (args_json != NULL)
		line = xu_asprintf("{\"execute\":\"%s\",\"arguments\":%s,\"id\":%lld}\n",
		    cmd, args_json, (long long)p->id);
	else
		line = xu_asprintf("{\"execute\":\"%s\",\"id\":%lld}\n", cmd,
		    (long long)p->id);
	if (fd >= 0) {
		if (send_with_fd(q, line, fd) < 0) {
			free(line);
			free(p);
			return -1;
		}
	} else {
		bufferevent_write(q->bev, line, strlen(line));
	}
	free(line);
	p->timer = evtimer_new(q->base, timeout_cb, p);
	tv.tv_sec = timeout_s > 0 ? timeout_s : QMP_TIMEOUT_DEFAULT;
	tv.tv_usec = 0;
	evtimer_add(p->timer, &tv);
	p->next = q->pending;
	q->pending = p;
	return 0;
}

static int
send_command(struct qmp *q, const char *cmd, const char *args_json,
    qmp_reply_cb cb, void *opaque, int timeout_s)
{
	return send_command_fd(q, cmd, args_json, -1, cb, opaque, timeout_s);
}

int
qmp_command(struct qmp *q, const char *cmd, const char *args_json,
    qmp_reply_cb cb, void *opaque, int timeout_s)
{
	if (q == NULL || q->phase != PH_READY)
		return -1;
	return send_command(q, cmd, args_json, cb, opaque, timeout_s);
}

int
qmp_command_fd(struct qmp *q, const char *cmd, const char *args_json, int fd,
    qmp_reply_cb cb, void *opaque, int timeout_s)
{
	if (q == NULL || q->phase != PH_READY || fd < 0)
		return -1;
	return send_command_fd(q, cmd, args_json, fd, cb, opaque, timeout_s);
}

bool
qmp_is_ready(const struct qmp *q)
{
	return q != NULL && q->phase == PH_READY;
}

struct qmp *
qmp_new(struct event_base *base, int fd, const struct qmp_callbacks *cb, void *opaque)
{
	struct qmp *q = xu_calloc(1, sizeof(*q));

	q->base = base;
	q->cb = *cb;
	q->opaque = opaque;
	q->next_id = 1;
	q->phase = PH_GREETING;
	evutil_make_socket_nonblocking(fd);
	q->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (q->bev == NULL) {
		close(fd);
		free(q);
		return NULL;
	}
	/* Past a line's worth, stop reading: read_cb then sees the overlong
	 * line instead of the buffer growing without end. */
	bufferevent_setwatermark(q->bev, EV_READ, 0, QMP_LINE_MAX + 1);
	bufferevent_setcb(q->bev, read_cb, NULL, event_cb, q);
	bufferevent_enable(q->bev, EV_READ | EV_WRITE);
	return q;
}

void
qmp_free(struct qmp *q)
{
	struct qmp_pending *p;

	if (q == NULL)
		return;
	/* Owners free after the session is over; pending callbacks are not
	 * called from here, as their owner is going away too. */
	while ((p = q->pending) != NULL) {
		q->pending = p->next;
		pending_free(p);
	}
	if (q->bev != NULL)
		bufferevent_free(q->bev);
	free(q);
}
