/* cmd-device.c: the virtual device commands on running domains
 * (reference 2.4): network-attach, network-detach, network-list,
 * block-attach, block-detach, block-list, with classic xm's arguments and
 * listing formats (3.8, 3.9); the lists also as JSON (docs/JSON.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devspec.h"
#include "dominfo.h"
#include "json.h"
#include "sxp.h"
#include "xm.h"

/* ---- reading getDeviceSxprs' answer ------------------------------------ */

/* [devid, [[key, value] ...]]: the value of key, or NULL. */
static const char *
dev_value(const struct xv *dev, const char *key)
{
	const struct xv *pairs = xv_at(dev, 1);
	size_t i;

	for (i = 0; i < xv_len(pairs); i++) {
		const struct xv *p = xv_at(pairs, i);

		if (xv_string(xv_at(p, 0)) && strcmp(xv_string(xv_at(p, 0)), key) == 0)
			return xv_string(xv_at(p, 1));
	}
	return NULL;
}

/* A number, as classic's int() of the value, or def. */
static long long
dev_int(const struct xv *dev, const char *key, long long def)
{
	const char *s = dev_value(dev, key);
	char *end;
	long long v;

	if (s == NULL)
		return def;
	v = strtoll(s, &end, 10);
	return *s && *end == '\0' ? v : def;
}

static long long
dev_id(const struct xv *dev)
{
	const struct xv *id = xv_at(dev, 0);

	if (id != NULL && id->type == XV_INT)
		return id->u.i;
	return xv_string(id) ? strtoll(xv_string(id), NULL, 10) : -1;
}

static int
get_devices(const char *dom, const char *cls, struct xv **devs)
{
	return xm_dom_call("xend.domain.getDeviceSxprs", dom,
	    xv_append(xv_list(), xv_str(cls)), devs);
}

/* -l: each device as (devid (key value) ...). */
static void
print_long(const struct xv *devs)
{
	size_t i, k;
	char *text;

	for (i = 0; i < xv_len(devs); i++) {
		const struct xv *d = xv_at(devs, i);
		struct xv *l = xv_list();

		xv_append(l, xv_strf("%lld", dev_id(d)));
		for (k = 0; k < xv_len(xv_at(d, 1)); k++)
			xv_append(l, xv_copy(xv_at(xv_at(d, 1), k)));
		text = sxp_pretty(l, 80);
		fputs(text, stdout);
		free(text);
		xv_free(l);
	}
}

/* XenbusState, the number in the state column. */
static const char *const xenbus_states[] = {
	"unknown", "initialising", "init_wait", "initialised", "connected",
	"closing", "closed", "reconfiguring", "reconfigured",
};

/* -l's pairs: snake_case keys, decimal integers as numbers. */
static void
json_details(yajl_gen g, const struct xv *dev)
{
	const struct xv *pairs = xv_at(dev, 1);
	size_t i;

	xm_json_open(g, "details", false);
	for (i = 0; i < xv_len(pairs); i++) {
		const struct xv *kv = xv_at(pairs, i);

		if (xv_string(xv_at(kv, 0)) == NULL)
			continue;
		xm_json_snake_key(g, xv_string(xv_at(kv, 0)));
		xm_json_atom(g, NULL, xv_at(kv, 1));
	}
	xm_json_close(g, false);
}

/* The table's columns, typed; with -l every pair as "details". */
static int
print_json(const char *dom, const struct xv *devs, bool net, bool longfmt)
{
	yajl_gen g = xm_json_begin(net ? "network-list" : "block-list");
	long long state;
	size_t i;

	xm_json_str(g, "domain", dom);
	xm_json_open(g, "devices", true);
	for (i = 0; i < xv_len(devs); i++) {
		const struct xv *d = xv_at(devs, i);

		state = dev_int(d, "state", -1);
		xm_json_open(g, NULL, false);
		xm_json_int(g, "devid", dev_id(d));
		xm_json_int(g, "backend_id", dev_int(d, "backend-id", -1));
		if (net)
			xm_json_str(g, "mac", dev_value(d, "mac"));
		xm_json_int(g, "handle", dev_int(d, "handle", 0));
		xm_json_int(g, "state", state);
		xm_json_str(g, "state_name", state >= 0 && state < (long long)
		    (sizeof(xenbus_states) / sizeof(xenbus_states[0])) ?
		    xenbus_states[state] : NULL);
		xm_json_int(g, "event_channel", dev_int(d, "event-channel", -1));
		if (net) {
			xm_json_int(g, "tx_ring_ref", dev_int(d, "tx-ring-ref", -1));
			xm_json_int(g, "rx_ring_ref", dev_int(d, "rx-ring-ref", -1));
		} else
			xm_json_int(g, "ring_ref", dev_int(d, "ring-ref", -1));
		xm_json_str(g, "backend_path", dev_value(d, "backend"));
		if (longfmt)
			json_details(g, d);
		xm_json_close(g, false);
	}
	xm_json_close(g, true);
	return xm_json_end(g);
}

static int
list_devices(struct xm_args *args, const char *cls, bool net)
{
	struct xv *devs = NULL;
	const char *be;
	size_t i;
	int rc;

	if ((rc = get_devices(args->argv[0], cls, &devs)) != XM_EXIT_OK)
		return rc;
	if (xm_args_has(args, XM_OPT_JSON)) {
		rc = print_json(args->argv[0], devs, net, xm_args_has(args, 'l'));
		xv_free(devs);
		return rc;
	}
	if (xm_args_has(args, 'l'))
		print_long(devs);
	else if (xv_len(devs) > 0)
		puts(net ? "Idx BE     MAC Addr.     handle state evt-ch tx-/rx-ring-ref "
		    "BE-path" : "Vdev  BE handle state evt-ch ring-ref BE-path");
	for (i = 0; !xm_args_has(args, 'l') && i < xv_len(devs); i++) {
		const struct xv *d = xv_at(devs, i);

		be = dev_value(d, "backend");
		if (net)
			printf("%-3lld %-3lld%-17s    %-3lld   %-3lld    %-3lld   "
			    "%-5lld/%-5lld   %-30s  \n", dev_id(d),
			    dev_int(d, "backend-id", -1),
			    dev_value(d, "mac") ? dev_value(d, "mac") : "??",
			    dev_int(d, "handle", 0), dev_int(d, "state", -1),
			    dev_int(d, "event-channel", -1), dev_int(d, "tx-ring-ref", -1),
			    dev_int(d, "rx-ring-ref", -1), be ? be : "??");
		else
			printf("%-5lld  %-3lld  %-3lld   %-3lld    %-3lld    %-5lld "
			    "%-30s  \n", dev_id(d), dev_int(d, "backend-id", -1),
			    dev_int(d, "handle", 0), dev_int(d, "state", -1),
			    dev_int(d, "event-channel", -1), dev_int(d, "ring-ref", -1),
			    be ? be : "??");
	}
	xv_free(devs);
	return fflush(stdout) == 0 ? XM_EXIT_OK : XM_EXIT_ERROR;
}

int
xm_cmd_network_list(struct xm_ctx *ctx, struct xm_args *args)
{
	return list_devices(args, "vif", true);
}

int
xm_cmd_block_list(struct xm_ctx *ctx, struct xm_args *args)
{
	return list_devices(args, "vbd", false);
}

/* ---- attach ------------------------------------------------------------ */

static int
attach(const char *dom, struct xv *elem)
{
	return xm_dom_call("xend.domain.device_create", dom,
	    xv_append(xv_list(), elem), NULL);
}

int
xm_cmd_network_attach(struct xm_ctx *ctx, struct xm_args *args)
{
	static const char *const keys[] = { "type", "mac", "bridge", "ip", "script",
	    "backend", "vifname", "rate", "model", "accel", NULL };
	struct xv *devs = xv_list(), *elem;
	struct xu_buf spec;
	struct xu_err err = { 0 };
	int i, k, rc;

	xu_buf_init(&spec);
	for (i = 1; i < args->argc; i++) {
		const char *a = args->argv[i], *eq = strchr(a, '=');

		for (k = 0; eq && eq[1] && keys[k]; k++)
			if (strlen(keys[k]) == (size_t)(eq - a) &&
			    strncmp(keys[k], a, (size_t)(eq - a)) == 0)
				break;
		if (eq == NULL || eq[1] == '\0' || keys[k] == NULL) {
			xu_buf_dispose(&spec);
			xv_free(devs);
			return xm_usage_error(ctx, "Invalid argument: %s", a);
		}
		xu_buf_printf(&spec, "%s%s", spec.len ? "," : "", a);
	}
	/* the spec checks of a config's vif = [...] entry */
	if (devspec_vif(spec.data ? spec.data : "", devs, &err) != XU_OK) {
		xm_error("%s", err.msg);
		rc = XM_EXIT_ERROR;
		goto out;
	}
	elem = xv_copy(xv_at(xv_at(devs, 0), 1));
	rc = attach(args->argv[0], elem);
out:
	xu_buf_dispose(&spec);
	xv_free(devs);
	return rc;
}

/* <BackDev> <FrontDev> <Mode> [BackDomain]: a config's disk entry, sent
 * to method (device_create, or device_configure for a new medium). */
static int
disk_call(struct xm_args *args, const char *method)
{
	struct xv *devs = xv_list(), *elem;
	struct xu_err err = { 0 };
	char *spec;
	int rc;

	spec = xu_asprintf("%s,%s,%s%s%s", args->argv[1], args->argv[2],
	    args->argv[3], args->argc > 4 ? "," : "", args->argc > 4 ? args->argv[4] : "");
	if (devspec_disk(spec, devs, &err) != XU_OK) {
		xm_error("%s", err.msg);
		rc = XM_EXIT_ERROR;
	} else {
		elem = xv_copy(xv_at(xv_at(devs, 0), 1));
		rc = xm_dom_call(method, args->argv[0], xv_append(xv_list(), elem), NULL);
	}
	free(spec);
	xv_free(devs);
	return rc;
}

int
xm_cmd_block_attach(struct xm_ctx *ctx, struct xm_args *args)
{
	return disk_call(args, "xend.domain.device_create");
}

/* A cdrom's medium: 'file:/x.iso' hdc:cdrom r, or '' hdc:cdrom r (eject). */
int
xm_cmd_block_configure(struct xm_ctx *ctx, struct xm_args *args)
{
	return disk_call(args, "xend.domain.device_configure");
}

/* ---- detach ------------------------------------------------------------ */

static int
destroy(const char *dom, const char *cls, struct xv *id, bool force)
{
	struct xv *a = xv_list();

	xv_append(a, xv_str(cls));
	xv_append(a, id);
	xv_append(a, xv_bool(force));
	xv_append(a, xv_bool(true));
	return xm_dom_call("xend.domain.destroyDevice", dom, a, NULL);
}

int
xm_cmd_network_detach(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *dom = args->argv[0], *id = args->argv[1];
	struct xv *devs = NULL;
	long long found = -1;
	size_t i;
	int rc;

	if (!xu_mac_valid(id))
		return destroy(dom, "vif", xv_str(id), xm_args_has(args, 'f'));
	/* a MAC: the device that has it */
	if ((rc = get_devices(dom, "vif", &devs)) != XM_EXIT_OK)
		return rc;
	for (i = 0; i < xv_len(devs); i++) {
		const char *mac = dev_value(xv_at(devs, i), "mac");

		if (mac != NULL && strcasecmp(mac, id) == 0)
			found = dev_id(xv_at(devs, i));
	}
	xv_free(devs);
	if (found < 0) {
		xm_error("Domain '%s' has no network device with MAC address %s", dom, id);
		return XM_EXIT_ERROR;
	}
	return destroy(dom, "vif", xv_strf("%lld", found), xm_args_has(args, 'f'));
}

int
xm_cmd_block_detach(struct xm_ctx *ctx, struct xm_args *args)
{
	const char *dom = args->argv[0], *id = args->argv[1];
	struct xv *cls = NULL;
	int rc;

	rc = xm_dom_call("xend.domain.getBlockDeviceClass", dom,
	    xv_append(xv_list(), xv_str(id)), &cls);
	if (rc != XM_EXIT_OK)
		return rc;
	if (xv_string(cls) == NULL) {
		xv_free(cls);
		xm_error("Device %s not connected", id);
		return XM_EXIT_ERROR;
	}
	rc = destroy(dom, xv_string(cls), xv_str(id), xm_args_has(args, 'f'));
	xv_free(cls);
	return rc;
}
