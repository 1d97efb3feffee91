/* daemon.h: the xend process: `xend start|stop|restart|status|reload`, the
 * pid file, daemonising, and the state every part of the daemon shares. */
#ifndef XEND_DAEMON_H
#define XEND_DAEMON_H

#include <stdbool.h>
#include <time.h>

#include "xenctrl.h"

struct event_base;
struct xend_options;
struct store;
struct rpc_server;
struct accel;
struct domains;
struct xenstore;
struct xs_server;
struct relocation;
struct events_hub;
struct http_server;

/* Everything one running xend holds; handlers reach it through
 * rpc_call.opaque. */
struct xend {
	struct event_base *base;
	struct xend_options *opts;
	char *root;		/* absolute, "" for none */
	char *pid_path;
	char *sock_path;
	char *db_path;
	struct store *store;
	struct xenstore *xs;		/* xenstore.h */
	struct xs_server *xs_server;	/* xs-server.h */
	char *xs_sock_path;
	xc_interface *xc;
	struct rpc_server *rpc;
	struct accel *accel;
	struct dlock *dlock;		/* domain-lock.h; NULL: no domain lock */
	struct domains *domains;	/* domain.h */
	struct network *net;		/* network.c: the network script */
	struct relocation *reloc;	/* relocation.h; NULL: none */
	struct events_hub *events;	/* events.h: xm events' waiters */
	struct http_server *http;	/* http-server.h; NULL: none */
	struct web *web;		/* web.h: the page; NULL: none */
	time_t started;
	int stop_signal;	/* the signal that ended the loop */
	bool stopping;		/* on_xend_stop under way */
};

/* The command line, as main.c parsed it. */
struct xend_cmdline {
	const char *command;	/* start stop restart status reload */
	const char *root;	/* --root, NULL for none */
	const char *config;	/* -f, NULL for the default */
	bool foreground;	/* -F: serve in this process */
};

/* Runs one command; returns the exit status (LSB codes for status). */
int xend_daemon_command(const struct xend_cmdline *cl);

/* `xend` and `xend status` timing. */
/* on_xend_stop may shut down or suspend domains first (45 s at most). */
#define XEND_STOP_WAIT_SECONDS	60

#endif
