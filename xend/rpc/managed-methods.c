/* managed-methods.c: the XML-RPC methods for managed domains and saved
 * state (reference 6.2): new, start, delete, suspend, resume, save,
 * restore. Those that wait for a monitor answer later (RPC_DEFERRED). */
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "domain.h"
#include "methods.h"
#include "xmlrpc.h"

static struct domains *
table(const struct rpc_call *c)
{
	return ((struct xend *)c->opaque)->domains;
}

/* domain_result_fn and domain_started_fn answers. */
void
dom_result_nil(struct domain *d, int rc, const char *msg, void *arg)
{
	struct rpc_call *c = arg;

	if (rc == XU_OK)
		rpc_reply(c, NULL);
	else
		rpc_fault(c, XMLRPC_FAULT_GENERIC, "%s", msg);
}

static void
started_nil(struct domain *d, int rc, const char *msg, void *arg)
{
	struct rpc_call *c = arg;

	if (rc == XC_OK)
		rpc_reply(c, NULL);
	else
		rpc_fault(c, XMLRPC_FAULT_GENERIC, "cannot start domain '%s': %s",
		    d->name, msg);
}

static void
restored(struct domain *d, int rc, const char *msg, void *arg)
{
	struct rpc_call *c = arg;

	if (rc == XC_OK)
		rpc_reply(c, domain_sxp(d, false));
	else
		rpc_fault(c, XMLRPC_FAULT_GENERIC, "cannot restore domain '%s': %s",
		    d->name, msg);
}

static int
deferred(struct rpc_call *c, int rc, const struct xu_err *err)
{
	if (rc != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err->msg);
	return RPC_DEFERRED;
}

int
dom_new(struct rpc_call *c)
{
	struct xu_err err = { 0 };
	struct domain *d;

	if (domain_new_managed(table(c), c->args[0], &d, &err) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	rpc_reply(c, NULL);
	return RPC_DONE;
}

int
dom_start(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return deferred(c, domain_start_managed(c->dom, rpc_arg_bool(c, 1, false),
	    started_nil, c, &err), &err);
}

int
dom_delete(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	if (domain_delete(c->dom, &err) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	rpc_reply(c, NULL);
	return RPC_DONE;
}

int
dom_suspend(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return deferred(c, domain_suspend(c->dom, dom_result_nil, c, &err), &err);
}

int
dom_resume(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return deferred(c, domain_resume(c->dom, rpc_arg_bool(c, 1, false),
	    started_nil, c, &err), &err);
}

int
dom_save(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return deferred(c, domain_save_to(c->dom, rpc_arg_str(c, 1),
	    rpc_arg_bool(c, 2, false), dom_result_nil, c, &err), &err);
}

int
dom_restore(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	return deferred(c, domain_restore_from(table(c), rpc_arg_str(c, 0),
	    rpc_arg_bool(c, 1, false), restored, c, &err), &err);
}
