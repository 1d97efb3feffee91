/* migrate-methods.c: xend.domain.migrate (classic signature: dst, live,
 * port, node, ssl, chs) and xend.domain.migrationStatus, which xm polls
 * for its progress display. */
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "domain.h"
#include "methods.h"
#include "relocation.h"
#include "xend-options.h"
#include "xmlrpc.h"

static void
migrated(void *arg, int rc, const char *msg)
{
	struct rpc_call *c = arg;

	if (rc == XU_OK)
		rpc_reply(c, NULL);
	else
		rpc_fault(c, XMLRPC_FAULT_GENERIC, "%s", msg);
}

int
dom_migrate(struct rpc_call *c)
{
	struct xend *x = c->opaque;
	struct xu_err err = { 0 };
	struct migrate_args a;
	int64_t port = rpc_arg_int(c, 3, 0);

	if (x->reloc == NULL)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "migration is not "
		    "available: xend's relocation service did not start");
	if (port < 0 || port > 65535)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "migrate: port %lld is "
		    "not a TCP port (1-65535)", (long long)port);
	a.host = rpc_arg_str(c, 1);
	a.live = rpc_arg_bool(c, 2, false);
	a.port = (int)port;
	/* the node argument (NUMA node on the target) is not used here */
	a.ssl = rpc_arg_bool(c, 5, xend_opt_bool(x->opts, "xend-relocation-ssl"));
	if (migrate_out_start(x->reloc, c->dom, &a, migrated, c, &err) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	return RPC_DEFERRED;
}

int
dom_migration_status(struct rpc_call *c)
{
	struct xend *x = c->opaque;
	struct xv *v = relocation_status(x->reloc, c->dom);

	rpc_reply(c, v != NULL ? v : xv_struct());
	return RPC_DONE;
}
