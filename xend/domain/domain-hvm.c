/* domain-hvm.c: an HVM guest's display. Its VNC port is chosen at each
 * start (the display asked for, or with vncunused the first free one
 * from it, as classic xend did), its address and password come from the
 * config or xend-config.sxp's defaults, and where it is goes to xenstore
 * and to xm list -l. The password travels to the monitor out of sight:
 * never on a command line, in xenstore or in the log. */
#include "domain.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "xend-options.h"
#include "xenstore.h"

static const char *
listen_addr(struct domain *d)
{
	const char *s = d->cfg.platform->vnclisten;

	if (s == NULL)
		s = xend_opt_str(d->tab->x->opts, "vnc-listen");
	return s != NULL && *s != '\0' ? s : "127.0.0.1";
}

static unsigned current_port(struct domain *d);

/* Another domain of this xend holds the port (it may not have bound it
 * yet: its QEMU may be starting). */
static struct domain *
port_holder(struct domain *d, unsigned port)
{
	struct domains *t = d->tab;
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct domain *o = t->v[i];

		if (o != d && !o->removed && current_port(o) == port)
			return o;
	}
	return NULL;
}

/* Whether nothing on the host listens on addr:port (a numeric address:
 * no name is looked up, nothing waits). */
static bool
port_free(const char *addr, unsigned port)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	    .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char serv[8];
	int fd, one = 1;
	bool ok = false;

	snprintf(serv, sizeof(serv), "%u", port);
	if (getaddrinfo(addr, serv, &hints, &ai) != 0)
		return false;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		ok = bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
		close(fd);
	}
	freeaddrinfo(ai);
	return ok;
}

static int
choose_port(struct domain *d, const char *addr, struct xu_err *err)
{
	struct domain_platform *pf = d->cfg.platform;
	unsigned base = 5900 + (unsigned)(pf->vncdisplay > 0 ? pf->vncdisplay : 0);
	unsigned port, last = pf->vncunused ? 65535 : base;
	struct domain *o;

	for (port = base; port <= last; port++) {
		if (port_holder(d, port) == NULL && port_free(addr, port)) {
			pf->vnc_port = port;
			return XU_OK;
		}
	}
	o = port_holder(d, base);
	if (!pf->vncunused)
		xu_err_set(err, XU_ERR_INVALID, 0, "vncdisplay %u: port %u on %s "
		    "is in use%s%s%s; set vncunused = 1 to take the next free one",
		    base - 5900, base, addr, o ? " by domain '" : "",
		    o ? o->name : "", o ? "'" : "");
	else
		xu_err_set(err, XU_ERR_INVALID, 0, "vnc: no free port on %s from "
		    "%u", addr, base);
	return XU_ERR_INVALID;
}

/* OVMF as Debian's ovmf package installs it; XEN_OVMF_CODE and
 * XEN_OVMF_VARS name other files. */
#define OVMF_CODE	"/usr/share/OVMF/OVMF_CODE_4M.fd"
#define OVMF_VARS	"/usr/share/OVMF/OVMF_VARS_4M.fd"
#define OVMF_MAX	(64u << 20)

static const char *
env_or(const char *name, const char *def)
{
	const char *s = getenv(name);

	return s != NULL && *s != '\0' ? s : def;
}

static char *
nvram_path(const struct domain *d)
{
	return xu_asprintf("%s/%s/nvram.fd",
	    xend_opt_str(d->tab->x->opts, "xend-domains-path"), d->uuid);
}

/* A copy of the variables template, made whole before it is named. */
static int
copy_template(const char *from, const char *to, struct xu_err *err)
{
	char *data = NULL, *tmp;
	size_t len = 0, off = 0;
	ssize_t r;
	int fd, rc = XU_ERR_IO;

	/* the domains' directory, then the domain's */
	(void)xu_mkdir_of(to, 0700);
	if (xu_read_file(from, OVMF_MAX, &data, &len) != XU_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "bios: cannot read OVMF's variables "
		    "%s: %s", from, strerror(errno));
		return XU_ERR_IO;
	}
	tmp = xu_asprintf("%s.tmp", to);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	while (fd >= 0 && off < len && (r = write(fd, data + off, len - off)) > 0)
		off += (size_t)r;
	if (fd >= 0 && off == len && fsync(fd) == 0 && close(fd) == 0 &&
	    rename(tmp, to) == 0)
		rc = XU_OK;
	else {
		xu_err_set(err, XU_ERR_IO, 0, "bios: cannot make the NVRAM %s: %s",
		    to, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(data);
	return rc;
}

/* UEFI: OVMF's code, and the domain's NVRAM, made from the template at
 * its first start and kept with the domain from then on. */
static int
prepare_ovmf(struct domain *d, struct xu_err *err)
{
	struct domain_platform *pf = d->cfg.platform;
	const char *code = env_or("XEN_OVMF_CODE", OVMF_CODE);
	char *nv;

	if (access(code, R_OK) != 0) {
		xu_err_set(err, XU_ERR_UNSUPPORTED, 0, "bios: OVMF is not installed "
		    "here (%s: %s; apt-get install ovmf)", code, strerror(errno));
		return XU_ERR_UNSUPPORTED;
	}
	nv = nvram_path(d);
	if (access(nv, F_OK) != 0 &&
	    copy_template(env_or("XEN_OVMF_VARS", OVMF_VARS), nv, err) != XU_OK) {
		free(nv);
		return XU_ERR_IO;
	}
	free(pf->fw_code);
	free(pf->nvram);
	pf->fw_code = xu_strdup(code);
	pf->nvram = nv;
	pf->p.firmware_code = pf->fw_code;
	pf->p.nvram = pf->nvram;
	return XU_OK;
}

void
domain_platform_forget(struct domain *d)
{
	char *nv, *slash;

	if (d->cfg.platform == NULL || !d->cfg.platform->ovmf)
		return;
	nv = nvram_path(d);
	if (unlink(nv) == 0) {
		log_info("Domain %s: its NVRAM %s is removed with it", d->name, nv);
		if ((slash = strrchr(nv, '/')) != NULL) {
			*slash = '\0';
			(void)rmdir(nv);
		}
	}
	free(nv);
}

/* vnc-tls: the display speaks VeNCrypt with vnc-x509-cert-dir's
 * certificates (QEMU's names for them); a missing one is an error at
 * create, naming it. */
static int
vnc_tls(struct domain *d, struct xu_err *err)
{
	static const char *const files[] = { "ca-cert.pem", "server-cert.pem",
	    "server-key.pem" };
	struct domain_platform *pf = d->cfg.platform;
	const struct xend_options *o = d->tab->x->opts;
	const char *dir = xend_opt_str(o, "vnc-x509-cert-dir");
	size_t i;

	pf->p.vnc_tls_dir = NULL;
	pf->p.vnc_tls_verify = false;
	if (!xend_opt_bool(o, "vnc-tls"))
		return XU_OK;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *f = xu_asprintf("%s/%s", dir, files[i]);
		int ok = access(f, R_OK);

		if (ok != 0)
			xu_err_set(err, XU_ERR_INVALID, 0, "vnc-tls: %s: %s (the "
			    "display's certificates go in vnc-x509-cert-dir; see "
			    "xend-config.sxp(5))", f, strerror(errno));
		free(f);
		if (ok != 0)
			return XU_ERR_INVALID;
	}
	pf->p.vnc_tls_dir = dir;
	pf->p.vnc_tls_verify = xend_opt_bool(o, "vnc-x509-verify");
	return XU_OK;
}

int
domain_platform_prepare(struct domain *d, const struct xc_platform **p,
    const char **password, struct xu_err *err)
{
	struct domain_platform *pf = d->cfg.platform;
	const char *addr, *pw;

	*p = NULL;
	*password = NULL;
	if (pf == NULL)
		return XU_OK;	/* a PV guest without a vfb */
	pf->vnc_port = 0;
	pf->p.vnc_listen = NULL;
	pf->p.vnc_password = false;
	if (pf->vnc) {
		addr = listen_addr(d);
		if (choose_port(d, addr, err) != XU_OK)
			return XU_ERR_INVALID;
		pw = pf->vncpasswd != NULL ? pf->vncpasswd :
		    xend_opt_str(d->tab->x->opts, "vncpasswd");
		pf->p.vnc_listen = addr;
		pf->p.vnc_port = pf->vnc_port;
		if (vnc_tls(d, err) != XU_OK)
			return XU_ERR_INVALID;
		pf->p.vnc_password = pw != NULL && *pw != '\0';
		*password = pf->p.vnc_password ? pw : NULL;
	}
	if (pf->ovmf && prepare_ovmf(d, err) != XU_OK)
		return XU_ERR_INVALID;
	if (pf->p.keymap == NULL)
		pf->p.keymap = xend_opt_str(d->tab->x->opts, "keymap") ?
		    xu_strdup(xend_opt_str(d->tab->x->opts, "keymap")) : NULL;
	*p = &pf->p;
	return XU_OK;
}

void
domain_platform_started(struct domain *d)
{
	struct domain_platform *pf = d->cfg.platform;
	struct xenstore *xs = d->tab->x->xs;
	char *port, *addr;

	if (pf == NULL || pf->vnc_port == 0)
		return;
	port = xu_asprintf("/local/domain/%u/console/vnc-port", d->domid);
	addr = xu_asprintf("/local/domain/%u/console/vnc-listen", d->domid);
	if (xenstore_writef(xs, port, "%u", pf->vnc_port) != XU_OK ||
	    xenstore_write_str(xs, addr, pf->p.vnc_listen) != XU_OK)
		log_warn("Domain %s (%u): cannot record its display in xenstore",
		    d->name, d->domid);
	free(port);
	free(addr);
}

/* The port of a running domain's display: known since its start, or,
 * re-adopted by a new xend, read back from xenstore. */
static unsigned
current_port(struct domain *d)
{
	struct domain_platform *pf = d->cfg.platform;
	char *path, *v, *end;
	unsigned long port;

	if (pf == NULL || !pf->vnc || !domain_running(d))
		return 0;
	if (pf->vnc_port != 0)
		return pf->vnc_port;
	path = xu_asprintf("/local/domain/%u/console/vnc-port", d->domid);
	v = xenstore_read_str(d->tab->x->xs, path);
	free(path);
	if (v != NULL && (port = strtoul(v, &end, 10)) >= 5900 && port <= 65535 &&
	    *end == '\0')
		pf->vnc_port = (unsigned)port;
	free(v);
	if (pf->vnc_port != 0 && pf->p.vnc_listen == NULL) {
		path = xu_asprintf("/local/domain/%u/console/vnc-listen", d->domid);
		v = xenstore_read_str(d->tab->x->xs, path);
		free(path);
		pf->vnclisten_seen = v;
		pf->p.vnc_listen = v;
	}
	return pf->vnc_port;
}

bool
domain_platform_display(struct domain *d, const char **addr, unsigned *port,
    bool *tls)
{
	struct domain_platform *pf = d->cfg.platform;
	const char *a;

	if (current_port(d) == 0)
		return false;
	a = pf->p.vnc_listen != NULL ? pf->p.vnc_listen : "127.0.0.1";
	/* a display on every address is reached on loopback */
	if (strcmp(a, "0.0.0.0") == 0)
		a = "127.0.0.1";
	else if (strcmp(a, "::") == 0)
		a = "::1";
	*addr = a;
	*port = pf->vnc_port;
	/* re-adopted, the display's TLS is xend-config's */
	*tls = pf->p.vnc_tls_dir != NULL ||
	    xend_opt_bool(d->tab->x->opts, "vnc-tls");
	return true;
}

const char *
domain_platform_password(struct domain *d)
{
	struct domain_platform *pf = d->cfg.platform;
	const char *pw;

	if (pf == NULL || !pf->vnc)
		return NULL;
	pw = pf->vncpasswd != NULL ? pf->vncpasswd :
	    xend_opt_str(d->tab->x->opts, "vncpasswd");
	return pw != NULL && *pw != '\0' ? pw : NULL;
}

void
domain_platform_sxp(struct domain *d, struct xv *l)
{
	struct domain_platform *pf = d->cfg.platform;
	struct xv *vfb;
	char loc[128];

	if (current_port(d) == 0)
		return;
	snprintf(loc, sizeof(loc), "%s%s%s:%u",
	    strchr(pf->p.vnc_listen ? pf->p.vnc_listen : "", ':') ? "[" : "",
	    pf->p.vnc_listen ? pf->p.vnc_listen : "127.0.0.1",
	    strchr(pf->p.vnc_listen ? pf->p.vnc_listen : "", ':') ? "]" : "",
	    pf->vnc_port);
	vfb = xv_list();
	xv_append(vfb, xv_str("vfb"));
	xv_append_pair(vfb, "type", xv_str("vnc"));
	xv_append_pair(vfb, "vnc", xv_int(1));
	xv_append_pair(vfb, "vncunused", xv_int(pf->vncunused));
	xv_append_pair(vfb, "vnclisten", xv_str(pf->p.vnc_listen ?
	    pf->p.vnc_listen : "127.0.0.1"));
	xv_append_pair(vfb, "vncdisplay", xv_int(pf->vnc_port - 5900));
	xv_append_pair(vfb, "location", xv_str(loc));
	if (pf->p.keymap != NULL)
		xv_append_pair(vfb, "keymap", xv_str(pf->p.keymap));
	xv_append(l, xv_append(xv_append(xv_list(), xv_str("device")), vfb));
}
