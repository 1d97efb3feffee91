/* xc-private.h: libxc's internals shared by its files: the handle,
 * logging and error recording, and one request/reply connection to a
 * domain's monitor. */
#ifndef XC_PRIVATE_H
#define XC_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "xenctrl.h"
#include "xenhv-proto.h"
#include "xu.h"

#ifndef XEN_SBINDIR
#define XEN_SBINDIR "/usr/sbin"
#endif
#define XC_QEMU_DEFAULT	"/usr/bin/qemu-system-x86_64"

/* How long a request may take before the monitor counts as hung. */
#define XC_REQUEST_TIMEOUT_MS	15000
#define XC_DUMP_TIMEOUT_MS	600000	/* a core of many GiB on a slow disk */
/* Start-up: QEMU under TCG on a loaded host, plus the monitor's own
 * 30 s limit on QEMU's monitor. */
#define XC_START_TIMEOUT_MS	60000

/* An event subscription: its socket and what has been read but not yet
 * returned. */
struct xcp_sub {
	int fd;
	uint32_t domid;
	int64_t next_id;
	struct xu_buf in;
	bool eof;
	struct xcp_sub *next;
};

struct xcp_conn;

struct xc_interface {
	char *root;
	char *xenhv;
	struct xc_logger logger;
	bool has_logger;
	struct xcp_sub *subs;
	struct xcp_conn *saves;		/* saves in flight (xc-save.c) */
	char last_error[1024];
};

void xcp_log(xc_interface *xc, enum xc_loglevel level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records msg as the last error, logs it, returns rc. */
int xcp_fail(xc_interface *xc, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xcp_clear_error(xc_interface *xc);

/* <root>/var/run/xen/xenhv[/<domid>[/<leaf>]] (malloc'd). */
char *xcp_rundir(const xc_interface *xc);
char *xcp_dompath(const xc_interface *xc, uint32_t domid, const char *leaf);
const char *xcp_qemu_path(void);

/* A monitor's xhp_err code as an xc_rc. */
int xcp_rc_from_xhp(int64_t code);

/* One connection to a monitor, greeted (hello exchanged). */
struct xcp_conn {
	int fd;
	uint32_t domid;
	int64_t next_id, last_id;
	struct xu_buf in;
	int monitor_pid;
	struct xcp_conn *next;		/* on a list of the handle's */
};

int xcp_conn_open(xc_interface *xc, uint32_t domid, struct xcp_conn *c);
void xcp_conn_close(struct xcp_conn *c);
/* Starts a request: a generator with the request's args object open. */
yajl_gen xcp_conn_begin(struct xcp_conn *c, const char *name);
/* Clears the last error, opens a connection to domid's monitor and
 * begins request name on it (*g). */
int xcp_request_begin(xc_interface *xc, uint32_t domid, const char *name,
    struct xcp_conn *c, yajl_gen *g);
/* Sends the request last begun and waits for its reply (events and
 * other replies are skipped). On
 * XC_OK reply holds the ok message (dispose it); an error reply becomes
 * its xc_rc with the monitor's message as the last error. */
int xcp_conn_call(xc_interface *xc, struct xcp_conn *c, yajl_gen g,
    struct xhp_msg *reply, int timeout_ms);
/* The two halves of xcp_conn_call: sending the request last begun (with
 * fd passed along when >= 0) and waiting for its reply. */
int xcp_conn_send(xc_interface *xc, struct xcp_conn *c, yajl_gen g, int fd,
    int timeout_ms);
int xcp_conn_wait(xc_interface *xc, struct xcp_conn *c, struct xhp_msg *reply,
    int timeout_ms);
/* A whole request: sent, reply awaited and discarded, connection closed. */
int xcp_conn_finish(xc_interface *xc, struct xcp_conn *c, yajl_gen g);
/* Waits until the monitor closes the connection (after destroy). */
int xcp_conn_wait_eof(xc_interface *xc, struct xcp_conn *c, int timeout_ms);
/* One request without arguments, reply discarded. */
int xcp_simple_request(xc_interface *xc, uint32_t domid, const char *name);

/* Shared line reading: reads what fd has (waiting at most timeout_ms,
 * 0 for not at all) into in. Returns 1 when data came, 0 on timeout,
 * -1 on EOF, -2 on error (errno kept). */
int xcp_read_some(int fd, struct xu_buf *in, int timeout_ms);
/* Takes the first complete line out of in (without '\n'); NULL if none. */
char *xcp_take_line(struct xu_buf *in, size_t *len);
int xcp_write_all(int fd, const char *data, size_t len, int timeout_ms);

#endif
