/* domain-methods.c: the xend.domain* XML-RPC methods (reference 6.2): the
 * listings, create, and the per-domain controls. The domain argument is
 * looked up before a handler runs (rpc-server.h); failures are fault 2
 * with a message naming the domain and the cause. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon.h"
#include "domain.h"
#include "fault.h"
#include "methods.h"
#include "xmlrpc.h"

static struct domains *
table(const struct rpc_call *c)
{
	return ((struct xend *)c->opaque)->domains;
}

static int
done(struct rpc_call *c, int rc, const struct xu_err *err)
{
	if (rc != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err->msg);
	rpc_reply(c, NULL);
	return RPC_DONE;
}

/* ---- listings ---------------------------------------------------------- */

/* state: NULL for running domains only (xend.domains), "all", or a status
 * name (xend.domains_with_state). */
static struct xv *
listing(struct domains *t, bool detail, const char *state, bool full,
    bool brief)
{
	struct domain **v;
	struct xv *out = xv_list();
	size_t n, i;

	v = domains_sorted(t, &n);
	for (i = 0; i < n; i++) {
		struct domain *d = v[i];

		if (state == NULL && d->phase == DOM_PHASE_HALTED)
			continue;
		if (state != NULL && strcasecmp(state, "all") != 0) {
			/* the refresh makes the status current */
			if (!d->is_dom0 && brief)
				domain_refresh_quick(d);
			else if (!d->is_dom0)
				domain_refresh(d);
			if (strcasecmp(domain_status_name(domain_status(d)),
			    state) != 0)
				continue;
		}
		if (detail && brief)
			xv_append(out, domain_sxp_brief(d));
		else if (detail)
			xv_append(out, domain_sxp(d, full));
		else
			xv_append(out, xv_str(d->name));
	}
	free(v);
	return out;
}

int
dom_list(struct rpc_call *c)
{
	rpc_reply(c, listing(table(c), rpc_arg_bool(c, 0, true), NULL,
	    rpc_arg_bool(c, 1, false), false));
	return RPC_DONE;
}

int
dom_list_with_state(struct rpc_call *c)
{
	static const char *const names[] = {
		"all", "running", "paused", "halted", "suspended", "crashed",
		"unknown",
	};
	const char *state = rpc_arg_str(c, 1);
	size_t i;

	if (state == NULL)
		state = "all";
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(state, names[i]) == 0)
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "Invalid state: %.40s "
		    "(all, running, paused, halted, suspended, crashed or "
		    "unknown)", state);
	rpc_reply(c, listing(table(c), rpc_arg_bool(c, 0, true), state,
	    rpc_arg_bool(c, 2, false), rpc_arg_bool(c, 3, false)));
	return RPC_DONE;
}

/* xend.domains.stats([vcpus]): what xm top shows, one call a refresh. */
int
dom_stats(struct rpc_call *c)
{
	rpc_reply(c, domains_stats(table(c), rpc_arg_bool(c, 0, false)));
	return RPC_DONE;
}

int
dom_info(struct rpc_call *c)
{
	rpc_reply(c, domain_sxp(c->dom, rpc_arg_bool(c, 1, false)));
	return RPC_DONE;
}

/* ---- create ------------------------------------------------------------- */

static void
created(struct domain *d, int rc, const char *msg, void *arg)
{
	struct rpc_call *c = arg;

	if (rc == XC_OK) {
		FAULT_POINT("create.reply", d->name);
		rpc_reply(c, domain_sxp(d, false));
	} else
		rpc_fault(c, XMLRPC_FAULT_GENERIC, "cannot create domain '%s': %s",
		    d->name, msg);
}

int
dom_create(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	/* a second argument: the call that will finish the create, which
	 * the client holds until then (domain-claim.c) */
	if (domain_create_held(table(c), c->args[0], c->pid, rpc_arg_str(c, 1),
	    created, c, &err) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	return RPC_DEFERRED;
}

static void
menu_read(struct xv *menu, const char *msg, void *arg)
{
	struct rpc_call *c = arg;

	if (menu != NULL)
		rpc_reply(c, menu);
	else
		rpc_fault(c, XMLRPC_FAULT_GENERIC, "%s", msg);
}

int
dom_boot_menu(struct rpc_call *c)
{
	struct domain_config cfg;
	struct xu_err err = { 0 };

	/* the config is checked as a create would, files and all */
	if (domain_config_parse(c->args[0], &cfg, &err) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	if (cfg.bootloader == NULL) {
		domain_config_dispose(&cfg);
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "the config has no "
		    "bootloader, so no boot menu");
	}
	domain_config_dispose(&cfg);
	if (domain_boot_menu(table(c), c->args[0], menu_read, c, &err) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	return RPC_DEFERRED;
}

/* ---- controls ------------------------------------------------------------ */

int
dom_pause(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return done(c, domain_pause(c->dom, &err), &err);
}

int
dom_unpause(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return done(c, domain_unpause(c->dom, &err), &err);
}

int
dom_shutdown(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return done(c, domain_shutdown(c->dom, rpc_arg_str(c, 1), &err), &err);
}

int
dom_reset(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return done(c, domain_reset(c->dom, &err), &err);
}

int
dom_send_sysrq(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return done(c, domain_sysrq(c->dom, rpc_arg_str(c, 1), &err), &err);
}

/* The vCPU (classic's third argument) is accepted; QEMU sends an NMI to
 * every vCPU and the other triggers are the machine's. */
int
dom_send_trigger(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return done(c, domain_trigger(c->dom, rpc_arg_str(c, 1), &err), &err);
}

/* xend.domain.dump(dom, file|nil, live, crash, reset) */
int
dom_dump(struct rpc_call *c)
{
	struct xu_err err = { 0 };
	bool crash = rpc_arg_bool(c, 3, false), reset = rpc_arg_bool(c, 4, false);

	if (crash && reset)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "dump: crash and reset "
		    "cannot both be asked");
	return done(c, domain_dump(c->dom, rpc_arg_str(c, 1),
	    rpc_arg_bool(c, 2, false), crash, reset, NULL, &err), &err);
}

static void
destroy_after_start(struct domain *d, void *arg)
{
	struct rpc_call *c = arg;
	struct xu_err err = { 0 };

	/* a start that failed left nothing to destroy */
	if (!d->removed && domain_destroy(d, &err) != XU_OK)
		rpc_fault(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	else
		rpc_reply(c, NULL);
}

/* A domain still starting (created or restarting) is destroyed as soon
 * as its monitor is up: the answer waits for that. */
int
dom_destroy(struct rpc_call *c)
{
	struct domain *d = c->dom;
	struct xu_err err = { 0 };

	if (d->phase == DOM_PHASE_STARTING) {
		domain_when_started(d, destroy_after_start, c);
		return RPC_DEFERRED;
	}
	return done(c, domain_destroy(d, &err), &err);
}

int
dom_set_name(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return done(c, domain_rename(c->dom, rpc_arg_str(c, 1), &err), &err);
}

int
dom_set_pause_flag(struct rpc_call *c)
{
	struct domain *d = c->dom;

	d->pause_flag = rpc_arg_bool(c, 1, false);
	rpc_reply(c, NULL);
	return RPC_DONE;
}

int
dom_get_pause_flag(struct rpc_call *c)
{
	struct domain *d = c->dom;

	rpc_reply(c, xv_bool(d->pause_flag));
	return RPC_DONE;
}

int
dom_get_restart_count(struct rpc_call *c)
{
	struct domain *d = c->dom;

	rpc_reply(c, xv_int(d->restart_count > INT32_MAX ? INT32_MAX :
	    d->restart_count));
	return RPC_DONE;
}

/* The VNC display's password, for xm vncviewer --autopass: "" when there
 * is none. Only root reaches xend's socket; the value is never logged. */
int
dom_vnc_password(struct rpc_call *c)
{
	const char *pw = domain_platform_password(c->dom);

	rpc_reply(c, xv_str(pw != NULL ? pw : ""));
	return RPC_DONE;
}

/* A domain's devices are connected before its create answers, so there is
 * nothing left to wait for; a create held until this call is finished. */
int
dom_wait_for_devices(struct rpc_call *c)
{
	domain_claim_finish(c->dom, "waitForDevices");
	rpc_reply(c, NULL);
	return RPC_DONE;
}
