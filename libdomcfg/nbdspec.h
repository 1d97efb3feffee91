/* nbdspec.h: the params of an nbd: disk (xmdomain.cfg(5)): which NBD
 * server and export a disk is, read the same way by xm and xend. */
#ifndef NBDSPEC_H
#define NBDSPEC_H

#include "xu.h"

struct nbd_spec {
	char *host;		/* a name, an IPv4 address or an IPv6 one (no []) */
	unsigned port;		/* 1 to 65535 */
	char *export;		/* NULL: the server's default export */
};

/* Reads HOST:PORT[:EXPORT], [IPV6]:PORT[:EXPORT], or classic block-nbd's
 * "HOST PORT" (two words). The message says what is wrong, without the
 * disk's name (the caller adds it). */
int nbd_spec_parse(const char *params, struct nbd_spec *s, struct xu_err *err);
void nbd_spec_dispose(struct nbd_spec *s);

#endif
