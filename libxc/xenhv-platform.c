/* xenhv-platform.c: an HVM guest's platform (firmware, boot order,
 * emulated devices, display) as xenhv's --platform JSON; the checks are
 * in xc-platform.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "xenctrl.h"
#include "xenhv-proto.h"
#include "xu.h"

static bool
pfail(char *why, size_t whylen, const char *msg, const char *val)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, msg, val);
	return false;
}

char *
xhp_platform_json(const struct xc_platform *p)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t n;
	char *s;

	yajl_gen_map_open(g);
	if (p->boot != NULL)
		xhp_put_str(g, "boot", p->boot);
	xhp_put_bool(g, "acpi", p->acpi);
	xhp_put_bool(g, "hpet", p->hpet);
	xhp_put_bool(g, "localtime", p->localtime);
	xhp_put_int(g, "rtc_offset", p->rtc_offset);
	xhp_put_bool(g, "stdvga", p->stdvga);
	xhp_put_uint(g, "videoram", p->videoram_mb);
	xhp_put_bool(g, "nographic", p->nographic);
	xhp_put_bool(g, "usb", p->usb);
	if (p->usbdevice != NULL)
		xhp_put_str(g, "usbdevice", p->usbdevice);
	if (p->soundhw != NULL)
		xhp_put_str(g, "soundhw", p->soundhw);
	if (p->keymap != NULL)
		xhp_put_str(g, "keymap", p->keymap);
	if (p->firmware_code != NULL) {
		xhp_put_str(g, "firmware_code", p->firmware_code);
		xhp_put_str(g, "nvram", p->nvram);
	}
	if (p->serial != NULL)
		xhp_put_str(g, "serial", p->serial);
	if (p->parallel != NULL)
		xhp_put_str(g, "parallel", p->parallel);
	if (p->fda != NULL)
		xhp_put_str(g, "fda", p->fda);
	if (p->fdb != NULL)
		xhp_put_str(g, "fdb", p->fdb);
	if (p->viridian)
		xhp_put_bool(g, "viridian", p->viridian);
	if (p->virtio_vga)
		xhp_put_bool(g, "virtio_vga", p->virtio_vga);
	if (p->vnc_tls_dir != NULL) {
		xhp_put_str(g, "vnc_tls_dir", p->vnc_tls_dir);
		xhp_put_bool(g, "vnc_tls_verify", p->vnc_tls_verify);
	}
	if (p->vnc_listen != NULL) {
		xhp_put_str(g, "vnc_listen", p->vnc_listen);
		xhp_put_uint(g, "vnc_port", p->vnc_port);
		xhp_put_bool(g, "vnc_password", p->vnc_password);
	}
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &n);
	s = xu_strndup((const char *)buf, n);
	yajl_gen_free(g);
	return s;
}

/* An optional member: absent is fine, another type is not. */
#define OPT(get, key, out) \
	(yajl_tree_get(obj, (const char *[]){ key, NULL }, yajl_t_any) == NULL || \
	    get(obj, key, out))

bool
xhp_get_platform(yajl_val obj, struct xc_platform *p, char *why, size_t whylen)
{
	uint64_t u = 0, port = 0;

	memset(p, 0, sizeof(*p));
	p->acpi = true;
	if (!YAJL_IS_OBJECT(obj))
		return pfail(why, whylen, "the platform is a JSON object%s", "");
	if (!OPT(xhp_get_str, "boot", &p->boot) ||
	    !OPT(xhp_get_bool, "acpi", &p->acpi) ||
	    !OPT(xhp_get_bool, "hpet", &p->hpet) ||
	    !OPT(xhp_get_bool, "localtime", &p->localtime) ||
	    !OPT(xhp_get_int, "rtc_offset", &p->rtc_offset) ||
	    !OPT(xhp_get_bool, "stdvga", &p->stdvga) ||
	    !OPT(xhp_get_uint, "videoram", &u) ||
	    !OPT(xhp_get_bool, "nographic", &p->nographic) ||
	    !OPT(xhp_get_bool, "usb", &p->usb) ||
	    !OPT(xhp_get_str, "usbdevice", &p->usbdevice) ||
	    !OPT(xhp_get_str, "soundhw", &p->soundhw) ||
	    !OPT(xhp_get_str, "keymap", &p->keymap) ||
	    !OPT(xhp_get_str, "vnc_listen", &p->vnc_listen) ||
	    !OPT(xhp_get_uint, "vnc_port", &port) ||
	    !OPT(xhp_get_bool, "vnc_password", &p->vnc_password) ||
	    !OPT(xhp_get_str, "firmware_code", &p->firmware_code) ||
	    !OPT(xhp_get_str, "nvram", &p->nvram) ||
	    !OPT(xhp_get_str, "serial", &p->serial) ||
	    !OPT(xhp_get_str, "parallel", &p->parallel) ||
	    !OPT(xhp_get_str, "fda", &p->fda) ||
	    !OPT(xhp_get_str, "fdb", &p->fdb) ||
	    !OPT(xhp_get_bool, "viridian", &p->viridian) ||
	    !OPT(xhp_get_bool, "virtio_vga", &p->virtio_vga) ||
	    !OPT(xhp_get_str, "vnc_tls_dir", &p->vnc_tls_dir) ||
	    !OPT(xhp_get_bool, "vnc_tls_verify", &p->vnc_tls_verify))
		return pfail(why, whylen, "the platform has a member of the "
		    "wrong type%s", "");
	if (u > 256 || port > 65535)
		return pfail(why, whylen, "the platform has a number out of "
		    "range%s", "");
	p->videoram_mb = (unsigned)u;
	p->vnc_port = (unsigned)port;
	return xhp_platform_check(p, why, whylen);
}
