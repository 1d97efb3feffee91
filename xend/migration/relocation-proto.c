/* relocation-proto.c: the relocation protocol's first lines and control
 * messages (relocation-proto.h): building them, and checking every one
 * received before use, since they come from the network. */
#include "relocation-proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "sxp.h"

/* The decimal number at *p (advanced past it), or -1. */
static int
take_number(const char **p)
{
	const char *s = *p;
	long v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v > 1000000)
			return -1;
		s++;
	}
	*p = s;
	return (int)v;
}

int
reloc_hello_parse(const char *line, struct reloc_hello *h, struct xu_err *err)
{
	const char *p = line;
	size_t n = strlen(RELOC_PROTO_NAME);

	memset(h, 0, sizeof(*h));
	if (strcmp(line, "receive") == 0 || strcmp(line, "sslreceive") == 0) {
		h->channel = RELOC_CH_CLASSIC;
		return XU_OK;
	}
	if (strncmp(p, RELOC_PROTO_NAME, n) != 0 || p[n] != ' ')
		goto bad;
	p += n + 1;
	if ((h->version = take_number(&p)) < 0 || *p != ' ')
		goto bad;
	if (h->version < RELOC_VERSION_MIN || h->version > RELOC_VERSION) {
		xu_err_set(err, XU_ERR_UNSUPPORTED, 0, "relocation protocol "
		    "version %d is not supported (this xend speaks %d to %d)",
		    h->version, RELOC_VERSION_MIN, RELOC_VERSION);
		return XU_ERR_UNSUPPORTED;
	}
	p++;
	if (strncmp(p, "control", 7) == 0 && p[7] == '\0') {
		h->channel = RELOC_CH_CONTROL;
		return XU_OK;
	}
	if (strncmp(p, "data ", 5) == 0 && reloc_id_valid(p + 5)) {
		h->channel = RELOC_CH_DATA;
		memcpy(h->id, p + 5, RELOC_ID_LEN + 1);
		return XU_OK;
	}
bad:
	xu_err_set(err, XU_ERR_SYNTAX, 0, "not a relocation request: '%.60s'",
	    line);
	return XU_ERR_SYNTAX;
}

char *
reloc_hello_line(enum reloc_channel ch, const char *id)
{
	if (ch == RELOC_CH_DATA)
		return xu_asprintf("%s %d data %s\n", RELOC_PROTO_NAME,
		    RELOC_VERSION, id);
	return xu_asprintf("%s %d control\n", RELOC_PROTO_NAME, RELOC_VERSION);
}

int
reloc_msg_parse(const char *line, size_t len, struct reloc_msg *m,
    struct xu_err *err)
{
	struct xv *v = NULL;
	int rc;

	memset(m, 0, sizeof(*m));
	if (len > RELOC_MSG_MAX) {
		xu_err_set(err, XU_ERR_TOO_BIG, 0, "message of %zu bytes (at "
		    "most %u)", len, RELOC_MSG_MAX);
		return XU_ERR_TOO_BIG;
	}
	if ((rc = sxp_parse_one(line, len, &v, err)) != XU_OK)
		return rc;
	if (!xv_is_list(v) || xv_name(v) == NULL) {
		xv_free(v);
		xu_err_set(err, XU_ERR_SYNTAX, 0, "a message is a (name ...) list");
		return XU_ERR_SYNTAX;
	}
	m->sxp = v;
	m->name = xv_name(v);
	return XU_OK;
}

void
reloc_msg_dispose(struct reloc_msg *m)
{
	xv_free(m->sxp);
	memset(m, 0, sizeof(*m));
}

const char *
reloc_msg_str(const struct reloc_msg *m, const char *key, const char *def)
{
	return xv_child_str(m->sxp, key, def);
}

long long
reloc_msg_int(const struct reloc_msg *m, const char *key)
{
	const struct xv *v = xv_child_value(m->sxp, key);
	int64_t i;

	if (v == NULL)
		return -1;
	if (v->type == XV_INT)
		return v->u.i;
	if (xv_is_string(v) && xu_parse_int64(xv_string(v), &i) == XU_OK)
		return i;
	return -1;
}

const char *
reloc_msg_id(const struct reloc_msg *m)
{
	const char *id = reloc_msg_str(m, "id", NULL);

	return id != NULL && reloc_id_valid(id) ? id : NULL;
}

char *
reloc_msg_line(const struct xv *msg)
{
	char *s = sxp_to_string(msg), *line;

	line = xu_asprintf("%s\n", s);
	free(s);
	return line;
}

char *
reloc_line_simple(const char *name, const char *id)
{
	struct xv *v = xv_list();
	char *line;

	xv_append(v, xv_str(name));
	xv_append_pair(v, "id", xv_str(id));
	line = reloc_msg_line(v);
	xv_free(v);
	return line;
}

char *
reloc_line_err(const char *type, const char *fmt, ...)
{
	struct xv *v = xv_list();
	va_list ap;
	char *msg, *line;

	va_start(ap, fmt);
	msg = xu_vasprintf(fmt, ap);
	va_end(ap);
	xv_append(v, xv_str("err"));
	xv_append_pair(v, "type", xv_str(type));
	xv_append_pair(v, "value", xv_str(msg));
	line = reloc_msg_line(v);
	xv_free(v);
	free(msg);
	return line;
}

const char *
reloc_err_text(const struct reloc_msg *m)
{
	return reloc_msg_str(m, "value", "the destination refused without "
	    "saying why");
}

void
reloc_new_id(char id[RELOC_ID_LEN + 1])
{
	uuid_t u;
	size_t i;

	uuid_generate_random(u);
	for (i = 0; i < 16; i++)
		snprintf(id + 2 * i, 3, "%02x", u[i]);
}

bool
reloc_id_valid(const char *id)
{
	size_t i;

	for (i = 0; i < RELOC_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return id[RELOC_ID_LEN] == '\0';
}
