/* network.c: xend-config's network-script, run once when xend starts
 * (`network-bridge start [VAR=VALUE ...]`) as a child on the loop.
 * Devices that need the network wait for it to have ended; its failure
 * is logged, and a vif whose bridge is missing then says so itself. */
#include "device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "hotplug.h"
#include "log.h"
#include "xend-options.h"

struct net_waiter {
	void (*fn)(void *);
	void *arg;
};

struct network {
	bool done;
	struct hotplug *run;
	struct net_waiter *w;
	size_t nw;
};

static void
ready(struct network *n)
{
	struct net_waiter *w = n->w;
	size_t nw = n->nw, i;

	n->done = true;
	n->run = NULL;
	n->w = NULL;
	n->nw = 0;
	for (i = 0; i < nw; i++)
		w[i].fn(w[i].arg);
	free(w);
}

static void
script_done(void *arg, const struct hotplug_result *r)
{
	struct xend *x = arg;
	char how[64];

	hotplug_describe(r, (int)xend_opt_int(x->opts, "device-create-timeout"),
	    how, sizeof(how));
	if (r->timed_out || !WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		log_error("network-script %s %s%s%s", xend_opt_str(x->opts,
		    "network-script"), how, *r->output ? ": " : "", r->output);
	else
		log_info("network-script %s %s", xend_opt_str(x->opts,
		    "network-script"), how);
	ready(x->net);
}

/* "network-bridge netdev=eth1" -> path, "start", "netdev=eth1". */
static char **
script_argv(struct xend *x, const char *spec)
{
	char *copy = xu_strdup(spec), *tok, *save = NULL;
	char **argv = xu_calloc(strlen(spec) + 3, sizeof(*argv));
	size_t n = 0;

	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == 0) {
			argv[n++] = strchr(tok, '/') ? xu_strdup(tok) : xu_asprintf("%s/%s",
			    xend_opt_str(x->opts, "xend-scripts-path"), tok);
			argv[n++] = xu_strdup("start");
		} else
			argv[n++] = xu_strdup(tok);
	}
	free(copy);
	return argv;
}

void
network_start(struct xend *x)
{
	const char *spec = xend_opt_str(x->opts, "network-script");
	struct xu_err err = { 0 };
	char **argv, **env, **a;

	x->net = xu_calloc(1, sizeof(*x->net));
	if (spec == NULL || strspn(spec, " \t") == strlen(spec)) {
		x->net->done = true;
		return;
	}
	argv = script_argv(x, spec);
	env = device_script_env(x, NULL, 0);
	log_info("running network-script %s", spec);
	x->net->run = hotplug_run(x->base, argv[0], argv, env,
	    (int)xend_opt_int(x->opts, "device-create-timeout"), script_done, x, &err);
	if (x->net->run == NULL) {
		log_error("network-script: %s", err.msg);
		x->net->done = true;
	}
	for (a = argv; *a != NULL; a++)
		free(*a);
	free(argv);
	device_env_free(env);
}

void
network_when_ready(struct xend *x, void (*fn)(void *), void *arg)
{
	struct network *n = x->net;

	if (n == NULL || n->done) {
		fn(arg);
		return;
	}
	n->w = xu_realloc(n->w, (n->nw + 1) * sizeof(*n->w));
	n->w[n->nw].fn = fn;
	n->w[n->nw++].arg = arg;
}

void
network_forget_waiter(struct xend *x, void *arg)
{
	struct network *n = x->net;
	size_t i;

	for (i = 0; n != NULL && i < n->nw; i++) {
		if (n->w[i].arg == arg) {
			memmove(&n->w[i], &n->w[i + 1], (n->nw - i - 1) * sizeof(*n->w));
			n->nw--;
			return;
		}
	}
}

void
network_free(struct xend *x)
{
	if (x->net == NULL)
		return;
	if (x->net->run != NULL)
		hotplug_cancel(x->net->run);
	free(x->net->w);
	free(x->net);
	x->net = NULL;
}
