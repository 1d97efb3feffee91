/* rpc.c: xm's XML-RPC client over xend's UNIX socket: a small HTTP/1.1
 * exchange with size limits and a deadline, kept alive between calls, a
 * bounded wait for an xend that is restarting, and classic xm's error
 * reports (reference 1.1). */
#include "rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xend-options.h"
#include "xmlrpc.h"
#include "xm.h"
#include "xu.h"

#define URI_SCHEME	"httpu://"

/* The kept-alive connection. */
static struct {
	char *path;
	int fd;
} conn = { NULL, -1 };

/* The wait for an away xend: when it ends (CLOCK_MONOTONIC ms, 0 while
 * xend is not away) and its length. One absence, one wait: it starts at
 * the first refused connect and is over when xend answers again. */
static struct {
	int64_t deadline;
	int limit_s;
} away;

/* Queries: asked again when xend closes the connection before answering
 * (it was stopping), as no state changes by asking. */
static const char *const repeatable[] = {
	"xend.domain", "xend.domains", "xend.domains_with_state",
	"xend.domains.stats", "xend.domain.getVCPUInfo", "xend.node.info",
	"xend.events",
};

static void
set_err(struct xm_rpc_err *err, enum xm_rpc_status st, int e,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
set_err(struct xm_rpc_err *err, enum xm_rpc_status st, int e,
    const char *fmt, ...)
{
	va_list ap;

	err->status = st;
	err->sys_errno = e;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

const char *
xm_rpc_server_uri(void)
{
	const char *env = getenv("XM_SERVER");

	if (env != NULL && *env != '\0')
		return env;
	return URI_SCHEME XEND_RUN_DIR "/xmlrpc.sock";
}

void
xm_rpc_disconnect(void)
{
	if (conn.fd >= 0)
		close(conn.fd);
	conn.fd = -1;
	free(conn.path);
	conn.path = NULL;
}

/* Milliseconds left before deadline (a CLOCK_MONOTONIC ms value, 0 for
 * none): -1 for "no limit", 0 when it has passed. */
static int
left_ms(int64_t deadline)
{
	int64_t now;

	if (deadline == 0)
		return -1;
	now = xu_mono_ms();
	if (now >= deadline)
		return 0;
	return deadline - now > 1000000000 ? 1000000000 : (int)(deadline - now);
}

static int
wait_fd(int fd, short events, int64_t deadline, struct xm_rpc_err *err)
{
	struct pollfd p = { fd, events, 0 };
	int r, ms;

	for (;;) {
		ms = left_ms(deadline);
		if (ms == 0) {
			set_err(err, XM_RPC_TIMEOUT, 0, "no answer");
			return -1;
		}
		r = poll(&p, 1, ms);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR) {
			set_err(err, XM_RPC_IO, errno, "%s", strerror(errno));
			return -1;
		}
	}
}

static int
connect_to(const char *path, int64_t deadline, struct xm_rpc_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(int);
	int fd, e = 0;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		set_err(err, XM_RPC_URI, 0, "socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		set_err(err, XM_RPC_CONNECT, errno, "%s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			e = errno;
		} else if (wait_fd(fd, POLLOUT, deadline, err) != 0) {
			close(fd);
			return -1;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0) {
			e = errno;
		}
	}
	if (e != 0) {
		set_err(err, XM_RPC_CONNECT, e, "%s", strerror(e));
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *p, size_t len, int64_t deadline,
    struct xm_rpc_err *err)
{
	ssize_t r;

	while (len > 0) {
		r = send(fd, p, len, MSG_NOSIGNAL);
		if (r > 0) {
			p += r;
			len -= (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline, err) != 0)
				return -1;
		} else {
			set_err(err, XM_RPC_IO, errno, "%s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Reads more into b (at most max bytes in all): 1 read, 0 EOF, -1 error. */
static int
recv_some(int fd, struct xu_buf *b, size_t max, int64_t deadline,
    struct xm_rpc_err *err)
{
	char chunk[16384];
	size_t want;
	ssize_t r;

	for (;;) {
		want = max - b->len < sizeof(chunk) ? max - b->len : sizeof(chunk);
		if (want == 0) {
			set_err(err, XM_RPC_HTTP, 0, "reply too large");
			return -1;
		}
		r = recv(fd, chunk, want, 0);
		if (r > 0) {
			xu_buf_add(b, chunk, (size_t)r);
			return 1;
		}
		if (r == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			set_err(err, XM_RPC_IO, errno, "%s", strerror(errno));
			return -1;
		}
		if (wait_fd(fd, POLLIN, deadline, err) != 0)
			return -1;
	}
}

static bool
header_is(const char *line, size_t len, const char *name, const char **value)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return false;
	*value = line + n + 1;
	while (**value == ' ' || **value == '\t')
		(*value)++;
	return true;
}

/* Parses the status line and the headers we care about. */
static int
parse_head(const char *head, size_t head_len, struct xm_rpc_reply *rep,
    struct xm_rpc_err *err)
{
	const char *p = head, *end = head + head_len, *eol, *v;
	int major, minor, status, n = 0;
	char *num_end;
	size_t len;

	memset(rep, 0, sizeof(*rep));
	rep->content_length = -1;
	rep->head_len = head_len;
	eol = strstr(p, "\r\n");
	if (sscanf(p, "HTTP/%d.%d %3d%n", &major, &minor, &status, &n) != 3 ||
	    major != 1 || status < 100 || status > 599 ||
	    (p[n] != ' ' && p + n != eol)) {
		err->http_status = 0;
		set_err(err, XM_RPC_HTTP, 0, "no status line");
		return -1;
	}
	rep->status = status;
	snprintf(rep->reason, sizeof(rep->reason), "%.*s",
	    (int)(eol - (p + n) > 0 ? eol - (p + n) - 1 : 0), p + n + 1);
	rep->close = minor == 0;
	for (p = eol + 2; p < end && (eol = strstr(p, "\r\n")) != NULL &&
	    eol != p; p = eol + 2) {
		len = (size_t)(eol - p);
		if (header_is(p, len, "Content-Length", &v)) {
			errno = 0;
			rep->content_length = strtoll(v, &num_end, 10);
			if (errno != 0 || num_end == v || rep->content_length < 0 ||
			    (*num_end != '\r' && *num_end != ' ')) {
				set_err(err, XM_RPC_HTTP, 0, "bad Content-Length");
				return -1;
			}
		} else if (header_is(p, len, "Connection", &v)) {
			if (strncasecmp(v, "close", 5) == 0)
				rep->close = true;
			else if (strncasecmp(v, "keep-alive", 10) == 0)
				rep->close = false;
		} else if (header_is(p, len, "Transfer-Encoding", &v)) {
			set_err(err, XM_RPC_HTTP, 0, "unsupported Transfer-Encoding");
			return -1;
		}
	}
	return 0;
}

int
xm_rpc_parse_reply(const char *data, size_t len, bool eof,
    struct xm_rpc_reply *rep, struct xm_rpc_err *err)
{
	const char *hend;
	char *head;
	size_t want;
	int r;

	hend = len >= 4 ? memmem(data, len, "\r\n\r\n", 4) : NULL;
	if (hend == NULL) {
		if (len > XM_RPC_MAX_HEADERS) {
			set_err(err, XM_RPC_HTTP, 0, "reply headers too large");
			return -1;
		}
		if (memchr(data, '\0', len) != NULL) {
			set_err(err, XM_RPC_HTTP, 0, "binary reply");
			return -1;
		}
		if (eof) {
			set_err(err, XM_RPC_HTTP, 0, "truncated reply");
			return -1;
		}
		return 1;
	}
	if (memchr(data, '\0', (size_t)(hend - data)) != NULL) {
		set_err(err, XM_RPC_HTTP, 0, "binary reply");
		return -1;
	}
	/* the head parser wants a C string */
	head = xu_strndup(data, (size_t)(hend + 4 - data));
	r = parse_head(head, (size_t)(hend + 4 - data), rep, err);
	free(head);
	if (r != 0)
		return -1;
	if (rep->content_length > (long long)XMLRPC_MAX_BODY) {
		set_err(err, XM_RPC_HTTP, 0, "reply too large");
		return -1;
	}
	if (rep->content_length < 0) {
		/* the body runs to the end of the connection */
		rep->close = true;
		if (!eof) {
			if (len - rep->head_len > XMLRPC_MAX_BODY) {
				set_err(err, XM_RPC_HTTP, 0, "reply too large");
				return -1;
			}
			return 1;
		}
		rep->body_len = len - rep->head_len;
		return 0;
	}
	want = rep->head_len + (size_t)rep->content_length;
	if (len < want) {
		if (eof) {
			set_err(err, XM_RPC_HTTP, 0, "truncated reply");
			return -1;
		}
		return 1;
	}
	rep->body_len = (size_t)rep->content_length;
	if (len > want)
		rep->close = true;	/* junk after the body */
	return 0;
}

/* Reads one reply. *got_any tells the caller whether a stale kept-alive
 * connection (closed before a single byte) may be retried. */
static int
read_reply(int fd, int64_t deadline, struct xu_buf *b,
    struct xm_rpc_reply *rep, bool *got_any, struct xm_rpc_err *err)
{
	const size_t max = XM_RPC_MAX_HEADERS + XMLRPC_MAX_BODY;
	bool eof = false;
	int r;

	*got_any = false;
	for (;;) {
		if (b->len > 0 || eof) {
			r = xm_rpc_parse_reply(b->data ? b->data : "", b->len,
			    eof, rep, err);
			if (r <= 0)
				return r;
		}
		if ((r = recv_some(fd, b, max, deadline, err)) < 0)
			return -1;
		if (r == 0) {
			if (b->len == 0) {
				set_err(err, XM_RPC_IO, ECONNRESET,
				    "connection closed by xend");
				return -1;
			}
			eof = true;
		} else {
			*got_any = true;
		}
	}
}

static char *
build_request(const char *xml)
{
	return xu_asprintf("POST /RPC2 HTTP/1.1\r\n"
	    "Host: localhost\r\n"
	    "User-Agent: xm\r\n"
	    "Content-Type: text/xml\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n%s", strlen(xml), xml);
}

/* The pid file of the xend that serves path, when path is where an xend
 * serves (<root>/var/run/xend/xmlrpc.sock); NULL otherwise. */
static char *
pidfile_of(const char *path)
{
	const char *tail = XEND_RUN_DIR "/xmlrpc.sock";
	size_t n = strlen(path), t = strlen(tail);

	if (n < t || strcmp(path + n - t, tail) != 0)
		return NULL;
	return xu_asprintf("%.*s%s", (int)(n - t), path,
	    XEN_RUNSTATEDIR "/xend.pid");
}

/* Whether a connect that failed with e means an xend that will be back:
 * the socket is there but refuses (xend died, or stopped and left domains
 * running: it keeps its socket then), or an xend holds its pid file (it
 * is starting, its socket not yet made). No socket and no xend: no wait. */
static bool
xend_expected(const char *path, int e)
{
	char *pidfile;
	bool held;

	if (e == ECONNREFUSED || e == EAGAIN)
		return true;
	if (e != ENOENT || (pidfile = pidfile_of(path)) == NULL)
		return false;
	held = xu_pidfile_holder(pidfile) > 0;
	free(pidfile);
	return held;
}

/* Before another attempt at an away xend: true after a pause when the
 * process's wait has time left, false (err says how long it waited) when
 * xend is not expected back or the wait is over. */
static bool
wait_for_xend(const char *path, int e, struct xm_rpc_err *err)
{
	int limit = xm_rpc_xend_wait();

	if (limit <= 0 || !xend_expected(path, e))
		return false;
	if (away.deadline == 0) {
		away.deadline = xu_mono_ms() + (int64_t)limit * 1000;
		away.limit_s = limit;
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "xm: xend is not answering on %s (%s); "
			    "waiting up to %d s for it\n", path, strerror(e),
			    limit);
	}
	if (left_ms(away.deadline) == 0) {
		err->waited_s = away.limit_s;
		return false;
	}
	poll(NULL, 0, 200);
	return true;
}

static bool
is_repeatable(const char *method)
{
	size_t i;

	for (i = 0; i < sizeof(repeatable) / sizeof(repeatable[0]); i++)
		if (strcmp(method, repeatable[i]) == 0)
			return true;
	return false;
}

static int64_t
deadline_after(int timeout_s)
{
	if (timeout_s <= 0)
		return 0;
	return xu_mono_ms() + (int64_t)timeout_s * 1000;
}

static int
decode(const char *body, size_t len, struct xv **result, struct xm_rpc_err *err)
{
	struct xu_err xe = { 0 };
	char *fault = NULL;
	int code = 0, rc;

	rc = xmlrpc_decode_response(body, len, result, &code, &fault, &xe);
	if (rc == XU_OK)
		return XM_RPC_OK;
	if (rc == XU_ERR_FAULT) {
		set_err(err, XM_RPC_FAULT, 0, "%s", fault ? fault : "");
		err->fault_code = code;
		free(fault);
		return XM_RPC_FAULT;
	}
	set_err(err, XM_RPC_BAD_REPLY, 0, "%s", xe.msg);
	return XM_RPC_BAD_REPLY;
}

/* One exchange on fd; XM_RPC_IO with *retry when a kept connection was
 * found closed before anything came back. */
static int
exchange(int fd, const char *req, int64_t deadline, struct xv **result,
    bool *retry, bool *keep, struct xm_rpc_err *err)
{
	struct xu_buf b;
	struct xm_rpc_reply rep;
	bool got_any = false;
	int rc;

	*retry = false;
	*keep = false;
	xu_buf_init(&b);
	if (send_all(fd, req, strlen(req), deadline, err) != 0) {
		*retry = err->status == XM_RPC_IO;
		rc = err->status;
		goto out;
	}
	if (read_reply(fd, deadline, &b, &rep, &got_any, err) != 0) {
		*retry = !got_any && err->status == XM_RPC_IO;
		rc = err->status;
		goto out;
	}
	if (rep.status != 200) {
		err->http_status = rep.status;
		set_err(err, XM_RPC_HTTP, 0, "%s", rep.reason);
		rc = XM_RPC_HTTP;
		goto out;
	}
	*keep = !rep.close;
	rc = decode(b.data + rep.head_len, rep.body_len, result, err);
out:
	xu_buf_dispose(&b);
	return rc;
}

static const char *
uri_path(const char *uri, struct xm_rpc_err *err)
{
	if (strncmp(uri, URI_SCHEME, strlen(URI_SCHEME)) != 0 ||
	    uri[strlen(URI_SCHEME)] != '/') {
		set_err(err, XM_RPC_URI, 0, "XM_SERVER=%s: xm speaks only "
		    "httpu:///path/to/socket (HTTP over a UNIX socket)", uri);
		return NULL;
	}
	return uri + strlen(URI_SCHEME);
}

int
xm_rpc_invoke(const char *uri, const char *method, const struct xv *params,
    int timeout_s, struct xv **result, struct xm_rpc_err *err)
{
	int64_t deadline = deadline_after(timeout_s);
	struct xv *none = NULL;
	const char *path;
	char *xml, *req;
	bool reused, retry, keep, stale = false;
	int rc, fd;

	*result = NULL;
	memset(err, 0, sizeof(*err));
	if ((path = uri_path(uri, err)) == NULL)
		return err->status;
	if (params == NULL)
		params = none = xv_list();
	xml = xmlrpc_encode_call(method, params);
	xv_free(none);
	req = build_request(xml);
	free(xml);
	for (;;) {
		reused = conn.fd >= 0 && strcmp(conn.path, path) == 0;
		if (!reused) {
			xm_rpc_disconnect();
			if ((fd = connect_to(path, deadline, err)) < 0) {
				rc = err->status;
				/* the kept connection closed without an answer and
				 * xend is gone: it went away during the request,
				 * which it may have begun; it is not sent again,
				 * unless it is a query (asked again below) */
				if (stale && rc == XM_RPC_CONNECT &&
				    !is_repeatable(method)) {
					set_err(err, XM_RPC_IO, 0, "the connection closed "
					    "without an answer and xend no longer answers");
					rc = XM_RPC_IO;
					break;
				}
				if (rc == XM_RPC_CONNECT &&
				    wait_for_xend(path, err->sys_errno, err)) {
					deadline = deadline_after(timeout_s);
					continue;
				}
				break;
			}
			conn.fd = fd;
			conn.path = xu_strdup(path);
			away.deadline = 0;
		}
		rc = exchange(conn.fd, req, deadline, result, &retry, &keep, err);
		if (rc == XM_RPC_OK || rc == XM_RPC_FAULT) {
			if (!keep)
				xm_rpc_disconnect();
			break;
		}
		xm_rpc_disconnect();
		if (retry && !reused && is_repeatable(method) &&
		    wait_for_xend(path, ECONNREFUSED, err)) {
			memset(err, 0, sizeof(*err));
			deadline = deadline_after(timeout_s);
			continue;
		}
		if (!(reused && retry))
			break;
		stale = true;
		memset(err, 0, sizeof(*err));
	}
	free(req);
	if (rc == XM_RPC_TIMEOUT)
		set_err(err, XM_RPC_TIMEOUT, 0, "xend did not answer %s within "
		    "%d seconds", method, timeout_s);
	return rc;
}

static const char *op_cmd, *op_arg, *op_dom;

void
xm_rpc_set_operation(const char *cmd, const char *arg)
{
	op_cmd = cmd;
	op_arg = arg;
	op_dom = arg;
}

void
xm_rpc_set_outcome_domain(const char *dom)
{
	op_dom = dom;
}

int
xm_rpc_report(const struct xm_rpc_err *err, char *msg, size_t size)
{
	switch (err->status) {
	case XM_RPC_OK:
		snprintf(msg, size, "%s", "");
		return XM_EXIT_OK;
	case XM_RPC_FAULT:
		if (err->fault_code == XMLRPC_FAULT_INVALID_DOMAIN) {
			snprintf(msg, size, "Error: Domain '%s' does not exist.",
			    err->msg);
			return XM_EXIT_NO_DOMAIN;
		}
		snprintf(msg, size, "Error: %s", err->msg);
		return XM_EXIT_ERROR;
	case XM_RPC_CONNECT:
		/* classic xm blamed any socket error on not being root; only
		 * a refused permission is that */
		if (geteuid() != 0 && (err->sys_errno == EACCES ||
		    err->sys_errno == EPERM))
			snprintf(msg, size, "Error: Most commands need root "
			    "access. Please try again as root.");
		else if (err->waited_s > 0)
			snprintf(msg, size, "Error: Unable to connect to xend: "
			    "%s. Is xend running? (waited %d s for it; "
			    "XM_XEND_WAIT)", err->msg, err->waited_s);
		else
			snprintf(msg, size, "Error: Unable to connect to xend: "
			    "%s. Is xend running?", err->msg);
		return XM_EXIT_ERROR;
	case XM_RPC_HTTP:
		if (err->http_status == 0)
			snprintf(msg, size, "Xend has probably crashed!  Invalid "
			    "or missing HTTP status code.");
		else
			snprintf(msg, size, "Xend has probably crashed!  "
			    "ProtocolError(%d, %s).", err->http_status, err->msg);
		return XM_EXIT_ERROR;
	case XM_RPC_BAD_REPLY:
		snprintf(msg, size, "Error: invalid reply from xend: %s", err->msg);
		return XM_EXIT_ERROR;
	case XM_RPC_IO:
		/* the request may have been carried out, or partly: xend
		 * finishes or rolls back what it had begun when it is back */
		if (op_cmd != NULL)
			snprintf(msg, size, "Error: xend went away during `xm %s%s%s` "
			    "(%s); once it is back, `xm list%s%s` shows the outcome",
			    op_cmd, op_arg ? " " : "", op_arg ? op_arg : "", err->msg,
			    op_dom ? " " : "", op_dom ? op_dom : "");
		else
			snprintf(msg, size, "Error: lost the connection to xend: %s",
			    err->msg);
		return XM_EXIT_ERROR;
	case XM_RPC_TIMEOUT:
	case XM_RPC_URI:
	default:
		snprintf(msg, size, "Error: %s", err->msg);
		return XM_EXIT_ERROR;
	}
}

/* Seconds from the environment variable name, else dflt. */
static int
env_seconds(const char *name, int dflt)
{
	const char *env = getenv(name);
	int64_t v;

	if (env != NULL && xu_parse_int64(env, &v) == XU_OK && v >= 0 &&
	    v <= 1000000)
		return (int)v;
	return dflt;
}

int
xm_rpc_timeout(void)
{
	return env_seconds("XM_TIMEOUT", XM_RPC_DEFAULT_TIMEOUT);
}

int
xm_rpc_xend_wait(void)
{
	return env_seconds("XM_XEND_WAIT", XM_RPC_XEND_WAIT);
}

int
xm_rpc_call(const char *method, const struct xv *params, struct xv **result)
{
	struct xm_rpc_err err;
	char msg[1200];
	int status;

	if (xm_rpc_invoke(xm_rpc_server_uri(), method, params,
	    xm_rpc_timeout(), result, &err) == XM_RPC_OK)
		return XM_EXIT_OK;
	status = xm_rpc_report(&err, msg, sizeof(msg));
	fprintf(stderr, "%s\n", msg);
	return status;
}
