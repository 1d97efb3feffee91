/* device-methods.c: the XML-RPC methods on a domain's devices (reference
 * 2.4, 6.2): device_create, destroyDevice, getDeviceSxprs,
 * getBlockDeviceClass. Attaching and detaching wait on scripts and the
 * guest: their answers are deferred. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "device.h"
#include "domain.h"
#include "methods.h"
#include "xenstore.h"
#include "xmlrpc.h"

static void
answered(struct domain *d, int rc, const char *msg, void *arg)
{
	struct rpc_call *c = arg;

	if (rc != XU_OK)
		rpc_fault(c, XMLRPC_FAULT_GENERIC, "%s", msg);
	else
		rpc_reply(c, NULL);
}

int
dom_device_create(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	if (device_attach(c->dom, c->args[1], answered, c, &err) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	return RPC_DEFERRED;
}

/* A class xm names: vif, or one of the disk classes. */
static int
kind_of(const char *cls, enum dev_kind *kind)
{
	if (strcmp(cls, "vif") == 0)
		*kind = DEV_VIF;
	else if (device_is_disk_class(cls))
		*kind = DEV_VBD;
	else
		return XU_ERR_UNSUPPORTED;
	return XU_OK;
}

/* A device id as xm sends it: a number, or for disks a name ("xvda",
 * "/dev/xvda") or "vbd/51712". */
static int
devid_of(const struct xv *v, enum dev_kind kind, int64_t *id)
{
	const char *s = xv_string(v), *slash;

	if (v != NULL && v->type == XV_INT) {
		*id = v->u.i;
		return XU_OK;
	}
	if (s == NULL)
		return XU_ERR_TYPE;
	if ((slash = strchr(s, '/')) != NULL && strncmp(s, "/dev/", 5) != 0)
		s = slash + 1;
	if (xu_parse_int64(s, id) == XU_OK)
		return XU_OK;
	return kind == DEV_VBD ? device_vdev_number(s, id) : XU_ERR_INVALID;
}

int
dom_destroy_device(struct rpc_call *c)
{
	struct xu_err err = { 0 };
	enum dev_kind kind;
	int64_t id;

	if (kind_of(rpc_arg_str(c, 1), &kind) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "Device class %.40s is not "
		    "supported (vif, vbd, tap or tap2)", rpc_arg_str(c, 1));
	if (devid_of(c->args[2], kind, &id) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "Device %s of domain '%s' is not "
		    "a device id", xv_string(c->args[2]) ? xv_string(c->args[2]) : "?",
		    ((struct domain *)c->dom)->name);
	if (device_detach(c->dom, kind, id, rpc_arg_bool(c, 3, false), answered, c,
	    &err) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	return RPC_DEFERRED;
}

int
dom_get_device_sxprs(struct rpc_call *c)
{
	enum dev_kind kind;

	if (kind_of(rpc_arg_str(c, 1), &kind) != XU_OK) {
		rpc_reply(c, xv_list());	/* classic: a class with no devices */
		return RPC_DONE;
	}
	rpc_reply(c, device_sxprs(c->dom, kind));
	return RPC_DONE;
}

int
dom_get_block_device_class(struct rpc_call *c)
{
	struct domain *d = c->dom;
	char *p, *v;
	int64_t id;

	if (devid_of(c->args[1], DEV_VBD, &id) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "Device %s is not a disk name "
		    "or number", xv_string(c->args[1]) ? xv_string(c->args[1]) : "?");
	p = device_backend_path(d->domid, DEV_VBD, id);
	v = domain_running(d) ? xenstore_read_str(d->tab->x->xs, p) : NULL;
	free(p);
	if (v == NULL) {
		rpc_reply(c, NULL);
		return RPC_DONE;
	}
	free(v);
	rpc_reply(c, xv_str("vbd"));
	return RPC_DONE;
}

int
dom_device_configure(struct rpc_call *c)
{
	struct xu_err err = { 0 };

	if (device_configure(c->dom, c->args[1], answered, c, &err) != XU_OK)
		return rpc_fail(c, XMLRPC_FAULT_GENERIC, "%s", err.msg);
	return RPC_DEFERRED;
}
