/* device-connect.c: bringing a domain's recorded devices up, one after
 * another, on the loop: a vif's tap, then its script `online`; a disk's
 * `block add` (or block-<type>). A device is up when its script exited 0
 * and wrote hotplug-status connected; anything else is an error naming
 * the device, the script, how it ended, the hotplug-error it wrote and
 * what it printed. */
#include "device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "daemon.h"
#include "domain.h"
#include "hotplug.h"
#include "log.h"
#include "xend-options.h"
#include "xenstore.h"

#ifndef XEN_BINDIR
#define XEN_BINDIR "/usr/bin"
#endif

struct dev_connect {
	struct domain *d;
	struct dev *cur;
	dev_connected_fn done;
	void *arg;
	struct hotplug *run;
	char *script;		/* of the run in flight */
	const char *word;	/* online, add */
	struct event *kick;
	bool waiting_network;
};

/* ---- the scripts' environment ---------------------------------------- */

static void
env_add(char ***env, size_t *n, const char *name, const char *value)
{
	if (value == NULL)
		return;
	*env = xu_realloc(*env, (*n + 2) * sizeof(**env));
	(*env)[(*n)++] = xu_asprintf("%s=%s", name, value);
	(*env)[*n] = NULL;
}

char **
device_script_env(struct xend *x, const struct dev *v, uint32_t domid)
{
	char **env = xu_calloc(1, sizeof(*env)), *p;
	const char *path = getenv("PATH");
	size_t n = 0;

	/* the tools (xenstore-write) and ip: found whatever xend's PATH is */
	p = xu_asprintf("%s%s%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
	    "/sbin:/bin", path ? path : "", path ? ":" : "", XEN_BINDIR);
	env_add(&env, &n, "PATH", p);
	free(p);
	env_add(&env, &n, "XENSTORED_PATH", x->xs_sock_path);
	env_add(&env, &n, "XEN_SCRIPT_DIR", xend_opt_str(x->opts, "xend-scripts-path"));
	p = xend_opts_rooted(x->opts, XEN_LOCALSTATEDIR "/log/xen/xen-hotplug.log");
	env_add(&env, &n, "XEN_HOTPLUG_LOG", p);
	free(p);
	p = xend_opts_rooted(x->opts, XEN_RUNSTATEDIR "/xen-hotplug");
	env_add(&env, &n, "XEN_LOCK_DIR", p);
	free(p);
	if (v == NULL)
		return env;
	p = device_backend_path(domid, v->kind, v->devid);
	env_add(&env, &n, "XENBUS_PATH", p);
	free(p);
	env_add(&env, &n, "XENBUS_TYPE", device_kind_name(v->kind));
	p = xu_asprintf("/local/domain/0/backend/%s", device_kind_name(v->kind));
	env_add(&env, &n, "XENBUS_BASE_PATH", p);
	free(p);
	if (v->kind == DEV_VIF) {
		env_add(&env, &n, "vif", v->vifname);
		env_add(&env, &n, "script", v->script_path);
		env_add(&env, &n, "mac", v->mac);
		env_add(&env, &n, "bridge", v->bridge);
		env_add(&env, &n, "ip", v->ip);
	}
	return env;
}

void
device_env_free(char **env)
{
	char **e;

	for (e = env; e != NULL && *e != NULL; e++)
		free(*e);
	free(env);
}

/* ---- one device after another ------------------------------------------ */

static void step(struct dev_connect *c);

static void
finish(struct dev_connect *c, int rc, const char *msg)
{
	struct domain *d = c->d;

	c->d->devconnect = NULL;
	c->done(d, rc, msg, c->arg);
	if (c->kick != NULL)
		event_free(c->kick);
	free(c->script);
	free(c);
	domain_unref(d);
}

static void
failed(struct dev_connect *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
failed(struct dev_connect *c, const char *fmt, ...)
{
	va_list ap;
	char *cause, *msg;

	va_start(ap, fmt);
	cause = xu_vasprintf(fmt, ap);
	va_end(ap);
	msg = xu_asprintf("Device %lld (%s) could not be connected: %s",
	    (long long)c->cur->devid, device_kind_name(c->cur->kind), cause);
	log_error("Domain %s: %s", c->d->name, msg);
	finish(c, XU_ERR_IO, msg);
	free(msg);
	free(cause);
}

static char *
backend_read(struct dev_connect *c, const char *key)
{
	char *p = xu_asprintf("%s/%s", c->cur->backend, key);
	char *v = xenstore_read_str(c->d->tab->x->xs, p);

	free(p);
	return v;
}

/* What the script said beyond its hotplug-error, if anything. */
static const char *
extra_words(const char *output, const char *herr)
{
	if (*output == '\0')
		return NULL;
	if (herr != NULL && strcmp(output, herr) == 0)
		return NULL;
	return output;
}

static void
script_done(void *arg, const struct hotplug_result *r)
{
	struct dev_connect *c = arg;
	struct dev *v = c->cur;
	struct xend *x = c->d->tab->x;
	char how[64], *status, *herr, *node = NULL;
	const char *more;
	bool exited0;

	c->run = NULL;
	hotplug_describe(r, (int)xend_opt_int(x->opts, "device-create-timeout"),
	    how, sizeof(how));
	status = backend_read(c, "hotplug-status");
	herr = backend_read(c, "hotplug-error");
	exited0 = !r->timed_out && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
	more = extra_words(r->output, herr);
	if (*r->output)
		log_debug("Domain %s: %s %s said: %s", c->d->name, c->script, c->word,
		    r->output);
	if (!exited0 && herr != NULL) {
		failed(c, "%s %s %s: %s%s%s%s", c->script, c->word, how, herr,
		    more ? " (it also said: " : "", more ? more : "", more ? ")" : "");
		goto out;
	}
	if (!exited0) {
		failed(c, "%s %s %s%s%s", c->script, c->word, how, more ? ": " : "",
		    more ? more : "");
		goto out;
	}
	if (status == NULL || strcmp(status, "connected") != 0) {
		failed(c, "%s %s exited with status 0 but hotplug-status is '%s', not "
		    "'connected'%s%s", c->script, c->word, status ? status : "(none)",
		    herr ? ": " : "", herr ? herr : "");
		goto out;
	}
	/* an NBD export is QEMU's to open: no node */
	if (v->kind == DEV_VBD && *v->params != '\0' && v->nbd_host == NULL) {
		node = backend_read(c, "node");
		if (node == NULL || node[0] != '/') {
			failed(c, "%s %s did not say which file to open (no node in %s)",
			    c->script, c->word, v->backend);
			goto out;
		}
		free(v->path);
		v->path = node;
		node = NULL;
	}
	device_mark(x, v, XENBUS_INITWAIT);
	log_info("Domain %s: device %lld (%s) connected (%s %s)", c->d->name,
	    (long long)v->devid, device_kind_name(v->kind), c->script, c->word);
	c->cur = v->next;
	step(c);
out:
	free(status);
	free(herr);
	free(node);
}

static char *
block_script(struct xend *x, const struct dev *v)
{
	const char *dir = xend_opt_str(x->opts, "xend-scripts-path");
	const char *t = v->type;

	if (*t == '\0' || strcmp(t, "phy") == 0 || strcmp(t, "file") == 0 ||
	    strcmp(t, "tap") == 0 || strcmp(t, "tap2") == 0 || strcmp(t, "nbd") == 0)
		return xu_asprintf("%s/block", dir);
	return xu_asprintf("%s/block-%s", dir, t);
}

static void
step(struct dev_connect *c)
{
	struct xend *x = c->d->tab->x;
	struct dev *v = c->cur;
	struct xu_err err = { 0 };
	char tap_err[200], **env, *argv[3];

	if (v == NULL) {
		finish(c, XU_OK, "");
		return;
	}
	free(c->script);
	if (v->kind == DEV_VIF) {
		if (tap_create(v->vifname, tap_err, sizeof(tap_err)) != XU_OK) {
			failed(c, "%s", tap_err);
			return;
		}
		v->tap_made = true;
		c->script = xu_strdup(v->script_path);
		c->word = "online";
	} else {
		c->script = block_script(x, v);
		c->word = "add";
	}
	env = device_script_env(x, v, c->d->domid);
	argv[0] = c->script;
	argv[1] = (char *)c->word;
	argv[2] = NULL;
	c->run = hotplug_run(x->base, c->script, argv, env,
	    (int)xend_opt_int(x->opts, "device-create-timeout"), script_done, c, &err);
	device_env_free(env);
	if (c->run == NULL)
		failed(c, "%s", err.msg);
}

static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	step(arg);
}

static void
network_ready(void *arg)
{
	struct dev_connect *c = arg;

	c->waiting_network = false;
	event_active(c->kick, 0, 0);
}

struct dev_connect *
devices_connect(struct domain *d, struct dev *list, dev_connected_fn done,
    void *arg)
{
	struct dev_connect *c = xu_calloc(1, sizeof(*c));
	struct dev *v;
	bool vifs = false;

	domain_ref(d);
	c->d = d;
	c->cur = list;
	c->done = done;
	c->arg = arg;
	c->kick = event_new(d->tab->x->base, -1, 0, kick_cb, c);
	d->devconnect = c;
	for (v = list; v != NULL; v = v->next)
		vifs |= v->kind == DEV_VIF;
	if (!vifs) {
		event_active(c->kick, 0, 0);
		return c;
	}
	c->waiting_network = true;
	network_when_ready(d->tab->x, network_ready, c);
	return c;
}

void
devices_connect_cancel(struct dev_connect *c)
{
	struct domain *d;

	if (c == NULL)
		return;
	d = c->d;
	if (c->waiting_network)
		network_forget_waiter(d->tab->x, c);
	if (c->run != NULL)
		hotplug_cancel(c->run);
	d->devconnect = NULL;
	event_free(c->kick);
	free(c->script);
	free(c);
	domain_unref(d);
}
