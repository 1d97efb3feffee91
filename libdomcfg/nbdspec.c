/* nbdspec.c: the params of an nbd: disk, HOST:PORT[:EXPORT] (or
 * [IPV6]:PORT[:EXPORT], or classic block-nbd's "HOST PORT"). */
#include "nbdspec.h"

#include <stdlib.h>
#include <string.h>

#define FORMS	"write nbd:HOST:PORT[:EXPORT]"

void
nbd_spec_dispose(struct nbd_spec *s)
{
	free(s->host);
	free(s->export);
	s->host = NULL;
	s->export = NULL;
	s->port = 0;
}

/* Characters QEMU gets as they are: no space, control or separator. */
static bool
plain(const char *s, size_t n, const char *more_bad)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == ',' ||
		    strchr(more_bad, s[i]) != NULL)
			return false;
	return true;
}

static int
bad(struct xu_err *err, const char *params, const char *what)
{
	xu_err_set(err, XU_ERR_INVALID, 0, "nbd:%s: %s (" FORMS ")", params, what);
	return XU_ERR_INVALID;
}

static bool
read_port(const char *p, size_t n, unsigned *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = (unsigned)v;
	return true;
}

int
nbd_spec_parse(const char *params, struct nbd_spec *s, struct xu_err *err)
{
	const char *host, *port, *end, *sp;
	size_t hlen;

	memset(s, 0, sizeof(*s));
	if ((sp = strchr(params, ' ')) != NULL) {
		/* block-nbd's "HOST PORT" */
		host = params;
		hlen = (size_t)(sp - params);
		port = sp + strspn(sp, " ");
		end = port + strlen(port);
		if (strchr(port, ' ') != NULL)
			return bad(err, params, "more than a host and a port");
	} else if (params[0] == '[') {
		host = params + 1;
		if ((end = strchr(host, ']')) == NULL || end[1] != ':')
			return bad(err, params, "an IPv6 address in [] must be "
			    "followed by :PORT");
		hlen = (size_t)(end - host);
		if (!plain(host, hlen, "/[]"))
			return bad(err, params, "no valid host");
		port = end + 2;
		end = strchr(port, ':');
		end = end != NULL ? end : port + strlen(port);
	} else {
		host = params;
		if ((port = strchr(params, ':')) == NULL)
			return bad(err, params, "no port");
		hlen = (size_t)(port - params);
		port++;
		end = strchr(port, ':');
		end = end != NULL ? end : port + strlen(port);
	}
	if (!plain(host, hlen, "/[]:") && params[0] != '[')
		return bad(err, params, "no valid host");
	if (hlen > 255)
		return bad(err, params, "the host name is too long");
	if (!read_port(port, (size_t)(end - port), &s->port))
		return bad(err, params, "the port must be a number from 1 to 65535");
	if (*end == ':' && !plain(end + 1, strlen(end + 1), ""))
		return bad(err, params, "an empty or unusable export name");
	s->host = xu_strndup(host, hlen);
	if (*end == ':')
		s->export = xu_strdup(end + 1);
	return XU_OK;
}
