/* web.c: the web page's setup and its files: the page (index.html,
 * app.js, app.css from the package's data directory), xterm.js's
 * modules from Debian's node-xterm, each wrapped for the page's module
 * loader, and noVNC's from Debian's novnc. Nothing is fetched from
 * elsewhere at run time. */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon.h"
#include "log.h"
#include "xend-options.h"

#ifndef XEN_WWWDIR
#define XEN_WWWDIR	"/usr/share/xen/www"
#endif
#define XTERM_DIR	"/usr/share/nodejs/xterm/lib"
#define NOVNC_DIR	"/usr/share/novnc"
#define WEB_FILE_MAX	(4u << 20)

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : def;
}

int
web_init(struct xend *x, struct http_server *s, struct xu_err *err)
{
	struct web *w = xu_calloc(1, sizeof(*w));
	const char *pf = xend_opt_str(x->opts, "xend-http-password-file");

	(void)err;
	w->srv = s;
	w->passwd_file = pf != NULL && pf[0] != '\0' ? xu_strdup(pf) : NULL;
	/* a build tree's page and tests' own (XEND_WWW_DIR) */
	w->www_dir = xu_strdup(env_or("XEND_WWW_DIR", XEN_WWWDIR));
	w->xterm_dir = xu_strdup(env_or("XEND_XTERM_DIR", XTERM_DIR));
	w->novnc_dir = xu_strdup(env_or("XEND_NOVNC_DIR", NOVNC_DIR));
	x->web = w;
	web_sessions_init(x);
	web_logins_init(x);
	web_events_init(x);
	if (w->passwd_file != NULL)
		log_info("web: logins from %s", w->passwd_file);
	else
		log_info("web: no xend-http-password-file: the page is "
		    "read-only (no actions, no consoles)");
	return XU_OK;
}

void
web_free(struct xend *x)
{
	struct web *w = x->web;

	if (w == NULL)
		return;
	web_console_free(x);
	web_vnc_free(x);
	web_events_free(x);
	web_logins_free(w);
	web_sessions_free(w);
	free(w->passwd_file);
	free(w->www_dir);
	free(w->xterm_dir);
	free(w->novnc_dir);
	free(w);
	x->web = NULL;
}

/* ---- files ------------------------------------------------------------------ */

static const char *
content_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	return "application/octet-stream";
}

/* The page's scripts come from xend alone (no inline script, no eval):
 * a page that another site frames or injects into gets nothing done. */
static void
security_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", "default-src 'self'; "
	    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; "
	    "base-uri 'none'; form-action 'self'");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
}

/* Sends file (before, the file, after): 404 when it is not there. */
static void
send_file(struct evhttp_request *req, const char *file, const char *before,
    const char *after)
{
	struct evbuffer *b;
	char *data = NULL;
	size_t len;

	if (xu_read_file(file, WEB_FILE_MAX, &data, &len) != XU_OK) {
		log_warn("web: cannot read %s", file);
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	b = evbuffer_new();
	if (before != NULL)
		evbuffer_add(b, before, strlen(before));
	evbuffer_add(b, data, len);
	if (after != NULL)
		evbuffer_add(b, after, strlen(after));
	free(data);
	security_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", content_type(file));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-cache");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

void
web_page_route(struct xend *x, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	char *file;

	file = xu_asprintf("%s/%s", x->web->www_dir,
	    strcmp(path, "/") == 0 ? "index.html" : path + 1);
	send_file(req, file, NULL, NULL);
	free(file);
}

/* A module's name under /xterm/: letters, digits, _ and / between them,
 * and .js or .css: nothing can climb out of the directory. */
static bool
module_name_ok(const char *name)
{
	size_t n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	    "vwxyz0123456789_/");

	if (n == 0 || name[0] == '/' || name[n - 1] == '/' ||
	    strstr(name, "//") != NULL)
		return false;
	return strcmp(name + n, ".js") == 0 || strcmp(name + n, ".css") == 0;
}

/* node-xterm's files are CommonJS modules: each script is wrapped in a
 * call that hands its function to the page's loader (app.js). */
void
web_xterm_route(struct xend *x, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const char *name = path + strlen("/xterm/");
	char *file, *before;

	if (!module_name_ok(name)) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	file = xu_asprintf("%s/%s", x->web->xterm_dir, name);
	if (strcmp(name + strlen(name) - 4, ".css") == 0) {
		send_file(req, file, NULL, NULL);
		free(file);
		return;
	}
	before = xu_asprintf("xendModule(\"%s\", function (module, exports, "
	    "require) {\n", name);
	send_file(req, file, before, "\n});\n");
	free(before);
	free(file);
}

/* noVNC's core is ES modules that import each other by relative paths:
 * served as they are, from its core/ and its vendored pako/ only. */
void
web_novnc_route(struct xend *x, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const char *name = path + strlen("/novnc/");
	char *file;

	if (!module_name_ok(name) || strcmp(name + strlen(name) - 3, ".js") ||
	    (strncmp(name, "core/", 5) != 0 &&
	    strncmp(name, "vendor/pako/", 12) != 0)) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	file = xu_asprintf("%s/%s", x->web->novnc_dir, name);
	send_file(req, file, NULL, NULL);
	free(file);
}
