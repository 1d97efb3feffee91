/* web-json.c: the page's JSON (yajl) and Server-Sent Events framing, and
 * the small request helpers every web route uses. */
#include "web.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include "xv-json.h"

void
web_json_value(struct evbuffer *out, const struct xv *v)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	/* "</script>" can never end a page's script early, nor U+2028 a line */
	yajl_gen_config(g, yajl_gen_escape_solidus, 1);
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	xv_json_value(g, v);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		evbuffer_add(out, buf, len);
	else
		evbuffer_add_printf(out, "null");
	yajl_gen_free(g);
}

void
web_json_reply(struct evhttp_request *req, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

void
web_json_error(struct evhttp_request *req, int code, const char *fmt, ...)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct xv *v = xv_struct();
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xu_vasprintf(fmt, ap);
	va_end(ap);
	xv_struct_set(v, "error", xv_str(msg));
	free(msg);
	web_json_value(b, v);
	xv_free(v);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, code == 401 ? "Unauthorized" :
	    code == 403 ? "Forbidden" : code == 404 ? "Not Found" :
	    code == 409 ? "Conflict" : code == 400 ? "Bad Request" : "Error", b);
	evbuffer_free(b);
}

char *
web_query(struct evhttp_request *req, const char *key)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyvalq kv;
	const char *v;
	char *out = NULL;

	TAILQ_INIT(&kv);
	if (q == NULL || evhttp_parse_query_str(q, &kv) != 0) {
		evhttp_clear_headers(&kv);
		return NULL;
	}
	if ((v = evhttp_find_header(&kv, key)) != NULL)
		out = xu_strdup(v);
	evhttp_clear_headers(&kv);
	return out;
}

void
web_sse_event(struct evbuffer *out, const char *type, struct evbuffer *data)
{
	evbuffer_add_printf(out, "event: %s\ndata: ", type);
	evbuffer_add_buffer(out, data);
	evbuffer_add(out, "\n\n", 2);
}
