/* web-actions.c: POST /api/action, the page's buttons. Each action is an
 * XML-RPC method of xend's table, called through rpc_server_call: the
 * same checks, domain lookup and handler as `xm pause` and the others,
 * answered to the page as JSON (the fault's message names the domain and
 * the cause). */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon.h"
#include "http-server.h"
#include "log.h"
#include "rpc-server.h"
#include "xmlrpc.h"
#include "xv.h"

/* An action: the method it calls and its argument after the domain. */
enum arg { ARG_NONE, ARG_WORD, ARG_INT };
static const struct web_action {
	const char *name;
	const char *method;
	enum arg arg;
	const char *word;	/* ARG_WORD: the method's argument */
} actions[] = {
	{ "start", "xend.domain.start", ARG_NONE, NULL },
	{ "shutdown", "xend.domain.shutdown", ARG_WORD, "poweroff" },
	{ "reboot", "xend.domain.shutdown", ARG_WORD, "reboot" },
	{ "pause", "xend.domain.pause", ARG_NONE, NULL },
	{ "unpause", "xend.domain.unpause", ARG_NONE, NULL },
	{ "destroy", "xend.domain.destroy", ARG_NONE, NULL },
	{ "mem-set", "xend.domain.setMemoryTarget", ARG_INT, NULL },
	{ "vcpu-set", "xend.domain.setVCpuCount", ARG_INT, NULL },
};
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

/* A call in flight; req goes NULL when the page's connection closes. */
struct pending {
	struct xend *x;
	struct evhttp_request *req;
	char *user, *domain;
	const struct web_action *a;
};

static void
gone(void *arg)
{
	((struct pending *)arg)->req = NULL;
}

static void
done(void *arg, const struct xv *result, int fault, const char *msg)
{
	struct pending *p = arg;
	struct evbuffer *b;
	struct xv *v;

	(void)result;
	if (fault == 0)
		log_info("web: %s: %s %s", p->user, p->a->name, p->domain);
	else
		log_info("web: %s: %s %s failed: %s", p->user, p->a->name,
		    p->domain, msg);
	if (p->req == NULL)
		goto out;
	http_unwatch(p->x->web->srv, p->req);
	if (fault == XMLRPC_FAULT_INVALID_DOMAIN)
		web_json_error(p->req, 404, "%s %s: no such domain", p->a->name,
		    p->domain);
	else if (fault != 0)
		web_json_error(p->req, 409, "%s %s: %s", p->a->name, p->domain,
		    msg);
	else {
		b = evbuffer_new();
		v = xv_struct();
		xv_struct_set(v, "ok", xv_bool(true));
		xv_struct_set(v, "action", xv_str(p->a->name));
		xv_struct_set(v, "domain", xv_str(p->domain));
		web_json_value(b, v);
		xv_free(v);
		web_json_reply(p->req, b);
	}
out:
	free(p->user);
	free(p->domain);
	free(p);
}

/* The body's fields: domain, action, value (form-encoded). */
static int
fields(struct evhttp_request *req, struct evkeyvalq *kv)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *body = xu_malloc(len + 1);
	int r;

	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	TAILQ_INIT(kv);
	r = evhttp_parse_query_str(body, kv);
	free(body);
	return r;
}

void
web_action_route(struct xend *x, struct evhttp_request *req)
{
	struct evkeyvalq kv;
	const char *user, *dom, *name, *value;
	const struct web_action *a = NULL;
	struct pending *p;
	struct xv *params;
	int64_t n = 0;
	size_t i;

	if (!web_authorize(x, req, WEB_CONTROL, &user))
		return;
	if (fields(req, &kv) != 0) {
		evhttp_clear_headers(&kv);
		web_json_error(req, 400, "the body is not a form");
		return;
	}
	dom = evhttp_find_header(&kv, "domain");
	name = evhttp_find_header(&kv, "action");
	value = evhttp_find_header(&kv, "value");
	for (i = 0; name != NULL && i < NACTIONS; i++)
		if (strcmp(actions[i].name, name) == 0)
			a = &actions[i];
	if (dom == NULL || dom[0] == '\0' || a == NULL) {
		web_json_error(req, 400, "an action needs a domain and one of "
		    "start, shutdown, reboot, pause, unpause, destroy, mem-set, "
		    "vcpu-set");
		goto out;
	}
	if (a->arg == ARG_INT && (value == NULL ||
	    xu_parse_int64(value, &n) != XU_OK || n <= 0 || n > INT32_MAX)) {
		web_json_error(req, 400, "%s %s: '%.32s' is not a positive "
		    "number", a->name, dom, value ? value : "");
		goto out;
	}
	params = xv_append(xv_list(), xv_str(dom));
	if (a->arg == ARG_WORD)
		xv_append(params, xv_str(a->word));
	else if (a->arg == ARG_INT)
		xv_append(params, xv_int(n));
	p = xu_calloc(1, sizeof(*p));
	p->x = x;
	p->req = req;
	p->user = xu_strdup(user);
	p->domain = xu_strdup(dom);
	p->a = a;
	if (!http_watch(x->web->srv, req, gone, p)) {
		web_json_error(req, 503, "the connection is not known yet");
		free(p->user);
		free(p->domain);
		free(p);
	} else
		rpc_server_call(x->rpc, a->method, params, 0, done, p);
	xv_free(params);
out:
	evhttp_clear_headers(&kv);
}
