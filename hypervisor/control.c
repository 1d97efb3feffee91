/* control.c: the monitor's control socket: newline-delimited JSON
 * requests from libxc (xenhv-proto.h), replies, and the event stream. */
#include "xenhv.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "xenhv-proto.h"
#include "xu.h"

/* What is queued for one connection stays bounded: a subscriber this far
 * behind is cut off (it reconnects and re-reads the unacknowledged
 * events); a client not reading its replies is not read from meanwhile. */
#define CONN_BACKLOG_MAX	(256 * 1024)

#define CONN_FDS_MAX		4

struct ctl_conn {
	struct control *ctl;
	/* Writes go through the bufferevent; reads are ours (recvmsg), as
	 * requests may carry descriptors (SCM_RIGHTS). */
	struct bufferevent *bev;
	struct event *rev;
	struct evbuffer *in;
	bool read_paused;
	int fds[CONN_FDS_MAX];		/* received, not yet taken, oldest first */
	int nfds;
	uint64_t serial;		/* names the connection in late replies */
	bool hello, subscribed, closing;
	struct ctl_conn *next;
};

/* A reply that waits for QEMU; the connection may be gone by then. */
struct ctl_later {
	struct control *ctl;
	uint64_t conn_serial;
	int64_t id;
	struct ctl_later *next;		/* destroy waiters only */
};

struct control {
	struct xhv_dom *d;
	struct evconnlistener *listener;
	struct ctl_conn *conns;
	uint64_t next_serial;
	struct ctl_later *destroy_waiters;
};

typedef void (*ctl_handler)(struct ctl_conn *cn, int64_t id, yajl_val args);

int
xhv_listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

bool
xhv_peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	return cr.uid == 0 || cr.uid == getuid();
}

static void
conn_free(struct ctl_conn *cn)
{
	struct ctl_conn **pp;
	struct xhv_dom *d = cn->ctl->d;

	for (pp = &cn->ctl->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == cn) {
			*pp = cn->next;
			break;
		}
	}
	/* a save to a file whose requester (xend) went away: nobody will
	 * complete the file, so the guest is not left paused for it (the
	 * answer finds no connection) */
	if (d != NULL && d->saving && d->save_abandon && d->save_owner == cn->serial)
		xhv_save_cancel(d, "its requester went away");
	bufferevent_free(cn->bev);
	if (cn->rev != NULL)
		event_free(cn->rev);
	if (cn->in != NULL)
		evbuffer_free(cn->in);
	while (cn->nfds > 0)
		close(cn->fds[--cn->nfds]);
	free(cn);
}

/* The oldest descriptor the peer passed, now the caller's; -1 if none. */
static int
conn_take_fd(struct ctl_conn *cn)
{
	int fd;

	if (cn->nfds == 0)
		return -1;
	fd = cn->fds[0];
	memmove(cn->fds, cn->fds + 1, (size_t)(cn->nfds - 1) * sizeof(int));
	cn->nfds--;
	return fd;
}

static void
conn_send(struct ctl_conn *cn, char *line, size_t len)
{
	if (!cn->closing)
		bufferevent_write(cn->bev, line, len);
	free(line);
}

static void
reply_error(struct ctl_conn *cn, int64_t id, int code, const char *msg)
{
	size_t len;
	char *line = xhp_error_line(id, code, msg, &len);

	conn_send(cn, line, len);
}

static void
reply_ok_empty(struct ctl_conn *cn, int64_t id)
{
	size_t len;
	char *line;

	line = xhp_end(xhp_begin(XHP_REPLY_OK, (uint64_t)id, NULL), &len);
	conn_send(cn, line, len);
}

static struct ctl_conn *
conn_by_serial(struct control *ctl, uint64_t serial)
{
	struct ctl_conn *cn;

	for (cn = ctl->conns; cn != NULL; cn = cn->next) {
		if (cn->serial == serial)
			return cn;
	}
	return NULL;
}

static struct ctl_later *
later_new(struct ctl_conn *cn, int64_t id)
{
	struct ctl_later *l = xu_calloc(1, sizeof(*l));

	l->ctl = cn->ctl;
	l->conn_serial = cn->serial;
	l->id = id;
	return l;
}

static void
later_done(void *opaque, int code, const char *msg)
{
	struct ctl_later *l = opaque;
	struct ctl_conn *cn = conn_by_serial(l->ctl, l->conn_serial);

	if (cn != NULL) {
		if (code == 0)
			reply_ok_empty(cn, l->id);
		else
			reply_error(cn, l->id, code, msg);
	}
	free(l);
}

/* ---- requests ---------------------------------------------------- */

static void
req_hello(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	struct xhv_dom *d = cn->ctl->d;
	int64_t version;
	yajl_gen g;
	size_t len;
	char *line;

	if (!xhp_get_int(args, "version", &version)) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, "hello needs an integer version");
		return;
	}
	if (version < XHP_VERSION_MIN) {
		char msg[128];

		snprintf(msg, sizeof(msg), "protocol version %lld is not spoken here "
		    "(%d to %d are)", (long long)version, XHP_VERSION_MIN, XHP_VERSION);
		reply_error(cn, id, XHP_E_VERSION, msg);
		return;
	}
	cn->hello = true;
	g = xhp_begin(XHP_REPLY_OK, (uint64_t)id, NULL);
	xhp_put_int(g, "version", XHP_VERSION);
	xhp_put_uint(g, "domid", d->cfg.domid);
	xhp_put_str(g, "name", d->cfg.name);
	xhp_put_int(g, "pid", getpid());
	line = xhp_end(g, &len);
	conn_send(cn, line, len);
}

static void
req_getinfo(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	struct xhv_dom *d = cn->ctl->d;
	bool running = xhv_refresh_cpu(d);
	yajl_gen g;
	size_t len;
	char *line;

	g = xhp_begin(XHP_REPLY_OK, (uint64_t)id, NULL);
	xhp_put_uint(g, "domid", d->cfg.domid);
	xhp_put_str(g, "name", d->cfg.name);
	xhp_put_str(g, "uuid", d->cfg.uuid);
	xhp_put_str(g, "state", xhp_state_name(d->state));
	xhp_put_str(g, "reason", xhp_reason_name(d->reason));
	xhp_put_bool(g, "blocked", d->state == XC_DOM_RUNNING && !running);
	xhp_put_uint(g, "cpu_time_ns", d->cpu_time_ns);
	xhp_put_double(g, "start_time", d->start_time);
	xhp_put_uint(g, "vcpus_online", xhv_vcpus_online(d));
	xhp_put_uint(g, "maxvcpus", d->cfg.maxvcpus);
	xhp_put_uint(g, "memory_mb", d->cfg.memory_mb);
	xhp_put_uint(g, "maxmem_mb", d->cfg.maxmem_mb);
	xhp_put_int(g, "monitor_pid", getpid());
	xhp_put_int(g, "engine_pid", d->qemu_pid);
	xhp_put_uint(g, "memory_actual_mb", d->memory_actual_mb);
	xhp_put_uint(g, "boot_mem_mb", d->boot_mem_mb);
	xhp_put_uint(g, "cpu_weight", d->cfg.cpu_weight);
	xhp_put_uint(g, "cpu_cap", d->cfg.cpu_cap);
	xhp_put_uint(g, "mig_bytes", d->mig_bytes);
	xhp_put_uint(g, "mig_total", d->mig_total);
	xhp_put_int(g, "mig_downtime_ms", d->mig_downtime_ms);
	xhv_blockstats_put(d, g);
	/* so that xend can read their CPU time without asking (xc-threads.c) */
	yajl_gen_string(g, (const unsigned char *)"vcpu_tids", 9);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < d->n_vcpu_tids; i++)
		yajl_gen_integer(g, d->vcpu_tids[i]);
	yajl_gen_array_close(g);
	if (d->cg.dir != NULL) {
		char *cg = xu_asprintf("%s %s", cg_version_name(d->cg.version), d->cg.dir);

		xhp_put_str(g, "cgroup", cg);
		free(cg);
	} else {
		xhp_put_str(g, "cgroup", "none");
	}
	line = xhp_end(g, &len);
	conn_send(cn, line, len);
}

static void
req_pause(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	xhv_pause(cn->ctl->d, later_done, later_new(cn, id));
}

static void
req_unpause(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	xhv_unpause(cn->ctl->d, later_done, later_new(cn, id));
}

static void
req_shutdown(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	const char *name;
	int reason;

	if (!xhp_get_str(args, "reason", &name) || (reason = xhp_reason_from_name(name)) < 0) {
		reply_error(cn, id, XHP_E_BAD_REQUEST,
		    "shutdown needs a reason: poweroff, reboot or halt");
		return;
	}
	xhv_shutdown(cn->ctl->d, reason, later_done, later_new(cn, id));
}

static void
req_reset(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	xhv_reset(cn->ctl->d, later_done, later_new(cn, id));
}

static void
req_sysrq(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	const char *key;

	if (!xhp_get_str(args, "key", &key) || strlen(key) != 1) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, "sysrq needs a key");
		return;
	}
	xhv_sysrq(cn->ctl->d, key[0], later_done, later_new(cn, id));
}

/* A request whose argument is one string, key, answered by fn; without
 * it, missing names what is missing. */
static void
string_request(struct ctl_conn *cn, int64_t id, yajl_val args, const char *key,
    const char *missing,
    void (*fn)(struct xhv_dom *, const char *, xhv_done_cb, void *))
{
	const char *s;

	if (!xhp_get_str(args, key, &s)) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, missing);
		return;
	}
	fn(cn->ctl->d, s, later_done, later_new(cn, id));
}

static void
req_trigger(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	string_request(cn, id, args, "name", "trigger needs a name", xhv_trigger);
}

static void
req_dump(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	string_request(cn, id, args, "path", "dump needs a path", xhv_dump);
}

static void
req_destroy(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	struct ctl_later *l = later_new(cn, id);

	l->next = cn->ctl->destroy_waiters;
	cn->ctl->destroy_waiters = l;
	xhv_destroy(cn->ctl->d);
}

static void
req_console_read(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	struct xhv_dom *d = cn->ctl->d;
	char *data, *b64, *line;
	size_t len, blen;
	yajl_gen g;

	data = console_ring_copy(d->con, &len);
	b64 = xhp_b64_encode(data, len, &blen);
	free(data);
	g = xhp_begin(XHP_REPLY_OK, (uint64_t)id, NULL);
	xhp_put_str(g, "data", b64);
	xhp_put_uint(g, "len", len);
	free(b64);
	line = xhp_end(g, &len);
	conn_send(cn, line, len);
}

static void
req_subscribe(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	struct xhv_dom *d = cn->ctl->d;
	struct xhv_event *ev;
	yajl_gen g;
	size_t len;
	char *line;

	g = xhp_begin(XHP_REPLY_OK, (uint64_t)id, NULL);
	xhp_put_uint(g, "next_seq", d->next_seq);
	line = xhp_end(g, &len);
	conn_send(cn, line, len);
	cn->subscribed = true;
	for (ev = d->ev_head; ev != NULL; ev = ev->next)
		bufferevent_write(cn->bev, ev->line, ev->len);
}

static void
req_ack(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	uint64_t seq;

	if (!xhp_get_uint(args, "seq", &seq)) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, "ack needs a seq");
		return;
	}
	xhv_ack(cn->ctl->d, seq);
	reply_ok_empty(cn, id);
}


/* ---- resources ------------------------------------------------------ */

static void
req_balloon(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	uint64_t mb;

	if (!xhp_get_uint(args, "target_mb", &mb)) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, "balloon needs a target_mb");
		return;
	}
	xhv_balloon(cn->ctl->d, mb, later_done, later_new(cn, id));
}

static void
req_setmaxmem(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	char err[200];
	uint64_t mb;
	int code;

	if (!xhp_get_uint(args, "maxmem_mb", &mb)) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, "setmaxmem needs a maxmem_mb");
		return;
	}
	if ((code = xhv_setmaxmem(cn->ctl->d, mb, err, sizeof(err))) != 0)
		reply_error(cn, id, code, err);
	else
		reply_ok_empty(cn, id);
}

static void
req_vcpu_set(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	uint64_t n;

	if (!xhp_get_uint(args, "count", &n) || n > 4096) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, "vcpu_set needs a count");
		return;
	}
	xhv_vcpu_set(cn->ctl->d, (unsigned)n, later_done, later_new(cn, id));
}

static void
req_vcpu_info(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	struct xhv_dom *d = cn->ctl->d;
	unsigned host = xhv_host_cpus();
	struct xu_cpumap all;
	yajl_gen g;
	size_t i, len;
	char *line, *aff;

	xu_cpumap_fill(&all, host);
	g = xhp_begin(XHP_REPLY_OK, (uint64_t)id, NULL);
	xhp_put_uint(g, "nr_cpus", host);
	yajl_gen_string(g, (const unsigned char *)"vcpus", 5);
	yajl_gen_array_open(g);
	for (i = 0; i < d->cfg.maxvcpus; i++) {
		pid_t tid = i < d->n_vcpu_tids ? d->vcpu_tids[i] : 0;
		uint64_t ns = 0;
		bool running = false, online;
		int cpu = -1;
		struct xu_cpumap m = d->cfg.affinity ? d->cfg.affinity[i] : all;

		online = tid > 0 && d->qemu_pid > 0 &&
		    xc_thread_info(d->qemu_pid, tid, &ns, &running, &cpu);
		xu_cpumap_limit(&m, host);
		aff = xu_cpumap_format(&m);
		yajl_gen_map_open(g);
		xhp_put_uint(g, "vcpu", i);
		xhp_put_bool(g, "online", online);
		xhp_put_bool(g, "running", online && running && d->state == XC_DOM_RUNNING);
		xhp_put_int(g, "cpu", online ? cpu : -1);
		xhp_put_uint(g, "cpu_time_ns", ns);
		xhp_put_str(g, "affinity", aff);
		yajl_gen_map_close(g);
		free(aff);
	}
	yajl_gen_array_close(g);
	line = xhp_end(g, &len);
	conn_send(cn, line, len);
}

static void
req_vcpu_pin(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	struct xu_cpumap m;
	const char *cpus;
	char err[200], why[160];
	int64_t vcpu;
	int code;

	if (!xhp_get_int(args, "vcpu", &vcpu) || vcpu < -1 || vcpu > 4096 ||
	    !xhp_get_str(args, "cpus", &cpus)) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, "vcpu_pin needs a vcpu and cpus");
		return;
	}
	if (!xu_cpumap_parse(cpus, xhv_host_cpus(), &m, why, sizeof(why))) {
		snprintf(err, sizeof(err), "CPU list: %s", why);
		reply_error(cn, id, XHP_E_INVALID, err);
		return;
	}
	if ((code = xhv_vcpu_pin(cn->ctl->d, (int)vcpu, &m, err, sizeof(err))) != 0)
		reply_error(cn, id, code, err);
	else
		reply_ok_empty(cn, id);
}

static void
req_sched_set(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	int64_t weight = -1, cap = -1;
	char err[300];
	int code;

	if ((yajl_tree_get(args, (const char *[]){ "weight", NULL }, yajl_t_any) &&
	    (!xhp_get_int(args, "weight", &weight) || weight < 0 || weight > INT32_MAX)) ||
	    (yajl_tree_get(args, (const char *[]){ "cap", NULL }, yajl_t_any) &&
	    (!xhp_get_int(args, "cap", &cap) || cap < 0 || cap > INT32_MAX))) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, "sched_set: weight and cap are "
		    "integers");
		return;
	}
	if ((code = xhv_sched_set(cn->ctl->d, (int)weight, (int)cap, err,
	    sizeof(err))) != 0)
		reply_error(cn, id, code, err);
	else
		reply_ok_empty(cn, id);
}

static void
save_done(void *opaque, int code, const char *msg, uint64_t bytes)
{
	struct ctl_later *l = opaque;
	struct ctl_conn *cn = conn_by_serial(l->ctl, l->conn_serial);
	yajl_gen g;
	size_t len;
	char *line;

	if (cn != NULL && code != 0) {
		reply_error(cn, l->id, code, msg);
	} else if (cn != NULL) {
		g = xhp_begin(XHP_REPLY_OK, (uint64_t)l->id, NULL);
		xhp_put_uint(g, "bytes", bytes);
		line = xhp_end(g, &len);
		conn_send(cn, line, len);
	}
	free(l);
}

static void
req_save(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	struct xhv_save_params p = { false, 0, NULL, NULL, false, cn->serial };
	uint64_t downtime = 0;
	int fd = conn_take_fd(cn);

	if (fd < 0) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, "save needs a descriptor passed "
		    "with the request");
		return;
	}
	(void)xhp_get_bool(args, "live", &p.live);
	/* optional, for migrations: the pause QEMU aims at, QEMU's TLS */
	if (xhp_get_uint(args, "downtime_ms", &downtime) && downtime <= 60000)
		p.downtime_ms = (unsigned)downtime;
	(void)xhp_get_str(args, "tls_dir", &p.tls_dir);
	(void)xhp_get_str(args, "tls_host", &p.tls_host);
	(void)xhp_get_bool(args, "abandon_on_close", &p.abandon_on_close);
	xhv_save(cn->ctl->d, fd, &p, save_done, later_new(cn, id));
}

/* A request whose argument is a DEVICE object, answered by fn. */
static void
device_request(struct ctl_conn *cn, int64_t id, yajl_val args,
    void (*fn)(struct xhv_dom *, const struct xc_device *, xhv_done_cb, void *))
{
	struct xc_device dev;
	char why[200];

	if (!xhp_get_device(args, &dev, why, sizeof(why))) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, why);
		return;
	}
	fn(cn->ctl->d, &dev, later_done, later_new(cn, id));
}

static void
req_device_add(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	device_request(cn, id, args, xhv_device_add);
}

static void
req_device_del(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	const char *dev;
	uint64_t timeout = 0;

	if (!xhp_get_str(args, "id", &dev)) {
		reply_error(cn, id, XHP_E_BAD_REQUEST, "device_del needs an id");
		return;
	}
	if (xhp_get_uint(args, "timeout", &timeout) && timeout > 3600)
		timeout = 3600;
	xhv_device_del(cn->ctl->d, dev, (unsigned)timeout, later_done,
	    later_new(cn, id));
}

/* A cdrom's new medium: a device object naming it (its id) and what goes
 * in (no path: an empty drive). */
static void
req_media(struct ctl_conn *cn, int64_t id, yajl_val args)
{
	device_request(cn, id, args, xhv_device_media);
}

static const struct {
	const char *name;
	ctl_handler fn;
} requests[] = {
	{ XHP_REQ_HELLO, req_hello },
	{ XHP_REQ_GETINFO, req_getinfo },
	{ XHP_REQ_PAUSE, req_pause },
	{ XHP_REQ_UNPAUSE, req_unpause },
	{ XHP_REQ_SHUTDOWN, req_shutdown },
	{ XHP_REQ_RESET, req_reset },
	{ XHP_REQ_DESTROY, req_destroy },
	{ XHP_REQ_CONSOLE_READ, req_console_read },
	{ XHP_REQ_SUBSCRIBE, req_subscribe },
	{ XHP_REQ_ACK, req_ack },
	{ XHP_REQ_BALLOON, req_balloon },
	{ XHP_REQ_SETMAXMEM, req_setmaxmem },
	{ XHP_REQ_VCPU_SET, req_vcpu_set },
	{ XHP_REQ_VCPU_INFO, req_vcpu_info },
	{ XHP_REQ_VCPU_PIN, req_vcpu_pin },
	{ XHP_REQ_SCHED_SET, req_sched_set },
	{ XHP_REQ_SAVE, req_save },
	{ XHP_REQ_DEVICE_ADD, req_device_add },
	{ XHP_REQ_DEVICE_DEL, req_device_del },
	{ XHP_REQ_SYSRQ, req_sysrq },
	{ XHP_REQ_TRIGGER, req_trigger },
	{ XHP_REQ_DUMP, req_dump },
	{ XHP_REQ_MEDIA, req_media },
};

static void
dispatch(struct ctl_conn *cn, const char *line, size_t n)
{
	struct xhp_msg m;
	char why[160], msg[200];
	size_t i;

	if (!xhp_parse(line, n, &m, why, sizeof(why))) {
		reply_error(cn, 0, XHP_E_BAD_REQUEST, why);
		return;
	}
	if (m.kind != XHP_REQUEST) {
		reply_error(cn, m.id, XHP_E_BAD_REQUEST, "only requests are accepted here");
		goto out;
	}
	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		if (strcmp(requests[i].name, m.name) == 0)
			break;
	}
	if (i == sizeof(requests) / sizeof(requests[0])) {
		snprintf(msg, sizeof(msg), "unknown request '%.100s'", m.name);
		reply_error(cn, m.id, XHP_E_UNKNOWN_REQUEST, msg);
		goto out;
	}
	if (!cn->hello && requests[i].fn != req_hello) {
		reply_error(cn, m.id, XHP_E_NO_HELLO, "say hello first");
		goto out;
	}
	requests[i].fn(cn, m.id, m.body);
out:
	xhp_msg_dispose(&m);
}

static void
conn_close_after_flush(struct ctl_conn *cn)
{
	cn->closing = true;
	event_del(cn->rev);
	if (evbuffer_get_length(bufferevent_get_output(cn->bev)) == 0)
		conn_free(cn);
}

/* The requests buffered so far. */
static void
conn_process(struct ctl_conn *cn)
{
	struct evbuffer *in = cn->in;
	uint64_t serial = cn->serial;
	struct control *ctl = cn->ctl;
	size_t n;
	char *line;

	while (!cn->closing) {
		/* A client that sends but does not read its replies waits
		 * until it has caught up (conn_write_cb). */
		if (evbuffer_get_length(bufferevent_get_output(cn->bev)) > CONN_BACKLOG_MAX) {
			event_del(cn->rev);
			cn->read_paused = true;
			return;
		}
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > XHP_LINE_MAX) {
				reply_error(cn, 0, XHP_E_BAD_REQUEST, "message too long");
				conn_close_after_flush(cn);
			}
			return;
		}
		if (n > 0)
			dispatch(cn, line, n);
		free(line);
		/* A request (destroy) may have ended everything. */
		if (conn_by_serial(ctl, serial) == NULL)
			return;
	}
}

static void
conn_recv_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_conn *cn = arg;
	char buf[8192], cbuf[CMSG_SPACE(CONN_FDS_MAX * sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t r;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	for (cm = r >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm != NULL;
	    cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k, nfd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nfd; k++) {
			int got;

			memcpy(&got, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (cn->nfds < CONN_FDS_MAX)
				cn->fds[cn->nfds++] = got;
			else
				close(got);
		}
	}
	if (r <= 0) {
		conn_free(cn);
		return;
	}
	evbuffer_add(cn->in, buf, (size_t)r);
	conn_process(cn);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *cn = arg;

	if (cn->closing) {
		conn_free(cn);
		return;
	}
	if (cn->read_paused) {
		cn->read_paused = false;
		event_add(cn->rev, NULL);
		conn_process(cn);
	}
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct control *ctl = arg;
	struct ctl_conn *cn;

	if (!xhv_peer_allowed(fd)) {
		xhv_log("control: connection from a foreign user refused");
		close(fd);
		return;
	}
	cn = xu_calloc(1, sizeof(*cn));
	cn->ctl = ctl;
	cn->serial = ++ctl->next_serial;
	cn->bev = bufferevent_socket_new(ctl->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	cn->in = evbuffer_new();
	cn->rev = event_new(ctl->d->base, fd, EV_READ | EV_PERSIST, conn_recv_cb, cn);
	if (cn->bev == NULL || cn->in == NULL || cn->rev == NULL) {
		if (cn->bev != NULL)
			bufferevent_free(cn->bev);
		else
			close(fd);
		if (cn->in != NULL)
			evbuffer_free(cn->in);
		if (cn->rev != NULL)
			event_free(cn->rev);
		free(cn);
		return;
	}
	bufferevent_setcb(cn->bev, NULL, conn_write_cb, conn_event_cb, cn);
	bufferevent_enable(cn->bev, EV_WRITE);
	event_add(cn->rev, NULL);
	cn->next = ctl->conns;
	ctl->conns = cn;
}

void
control_broadcast(struct control *ctl, const char *line, size_t len)
{
	struct ctl_conn *cn, *next;

	if (ctl == NULL)
		return;
	for (cn = ctl->conns; cn != NULL; cn = next) {
		next = cn->next;
		if (!cn->subscribed || cn->closing)
			continue;
		if (evbuffer_get_length(bufferevent_get_output(cn->bev)) > CONN_BACKLOG_MAX) {
			xhv_log("control: subscriber too slow, disconnected");
			conn_free(cn);
			continue;
		}
		bufferevent_write(cn->bev, line, len);
	}
}

/* Blocking write of what is queued, with a short limit: the process is
 * about to exit and the peer waits for these bytes. */
static void
flush_conn(struct ctl_conn *cn)
{
	struct evbuffer *out = bufferevent_get_output(cn->bev);
	int fd = bufferevent_getfd(cn->bev);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int tries = 0;

	/* A bufferevent keeps its output's start frozen to itself; we are
	 * taking over for the last write. */
	evbuffer_unfreeze(out, 1);
	while (evbuffer_get_length(out) > 0 && tries < 20) {
		if (poll(&pfd, 1, 100) <= 0) {
			tries++;
			continue;
		}
		if (evbuffer_write(out, fd) < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
}

void
control_exiting(struct control *ctl)
{
	struct ctl_later *l;
	struct ctl_conn *cn;

	if (ctl == NULL)
		return;
	while ((l = ctl->destroy_waiters) != NULL) {
		ctl->destroy_waiters = l->next;
		later_done(l, 0, NULL);
	}
	for (cn = ctl->conns; cn != NULL; cn = cn->next)
		flush_conn(cn);
}

struct control *
control_new(struct xhv_dom *d, const char *path, char *err, size_t errlen)
{
	struct control *ctl = xu_calloc(1, sizeof(*ctl));
	int fd;

	ctl->d = d;
	fd = xhv_listen_unix(path, err, errlen);
	if (fd < 0)
		goto fail;
	ctl->listener = evconnlistener_new(d->base, accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (ctl->listener == NULL) {
		close(fd);
		snprintf(err, errlen, "cannot listen on %s", path);
		goto fail;
	}
	return ctl;
fail:
	free(ctl);
	return NULL;
}

void
control_free(struct control *ctl)
{
	struct ctl_later *l;

	if (ctl == NULL)
		return;
	while (ctl->conns != NULL)
		conn_free(ctl->conns);
	while ((l = ctl->destroy_waiters) != NULL) {
		ctl->destroy_waiters = l->next;
		free(l);
	}
	if (ctl->listener != NULL)
		evconnlistener_free(ctl->listener);
	free(ctl);
}
