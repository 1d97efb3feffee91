/* top.c: xm top's frames and table: xend.domains.stats read and checked,
 * CPU% from two samples, and xentop's columns and lines (widths, formats,
 * sort orders), written for a terminal or a pipe by cmd-top.c. */
#include "top.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xu.h"

static const struct {
	const char *header;
	int width;
} columns[TOP_NFIELDS] = {
	[TOP_NAME] = { "NAME", 10 },
	[TOP_STATE] = { "STATE", 6 },
	[TOP_CPU] = { "CPU(sec)", 10 },
	[TOP_CPU_PCT] = { "CPU(%)", 6 },
	[TOP_MEM] = { "MEM(k)", 10 },
	[TOP_MEM_PCT] = { "MEM(%)", 6 },
	[TOP_MAXMEM] = { "MAXMEM(k)", 10 },
	[TOP_MAX_PCT] = { "MAXMEM(%)", 9 },
	[TOP_VCPUS] = { "VCPUS", 5 },
	[TOP_NETS] = { "NETS", 4 },
	[TOP_NET_TX] = { "NETTX(k)", 8 },
	[TOP_NET_RX] = { "NETRX(k)", 8 },
	[TOP_VBDS] = { "VBDS", 4 },
	[TOP_VBD_OO] = { "VBD_OO", 8 },
	[TOP_VBD_RD] = { "VBD_RD", 8 },
	[TOP_VBD_WR] = { "VBD_WR", 8 },
	[TOP_VBD_RSECT] = { "VBD_RSECT", 10 },
	[TOP_VBD_WSECT] = { "VBD_WSECT", 10 },
	[TOP_SSID] = { "SSID", 4 },
};

const char *
top_field_name(enum top_field f)
{
	return f < TOP_NFIELDS ? columns[f].header : "?";
}

/* ---- reading a reply ----------------------------------------------------- */

/* A number member; the reply is untrusted: absent, mistyped, negative or
 * not finite reads as 0. */
static double
num(const struct xv *st, const char *key)
{
	double d;

	if (!xv_number(xv_struct_get(st, key), &d))
		return 0;
	return isfinite(d) && d > 0 && d < 9e18 ? d : 0;
}

static void
read_nets(const struct xv *l, struct top_dom *d)
{
	size_t i, n = xv_is_list(l) ? xv_len(l) : 0;

	d->nets = n ? xu_calloc(n, sizeof(*d->nets)) : NULL;
	for (i = 0; i < n; i++) {
		const struct xv *e = xv_at(l, i);
		struct top_net *t = &d->nets[d->nnets];

		if (e == NULL || e->type != XV_STRUCT)
			continue;
		t->rx_bytes = num(e, "rx_bytes");
		t->rx_packets = num(e, "rx_packets");
		t->rx_errs = num(e, "rx_errs");
		t->rx_drop = num(e, "rx_drop");
		t->tx_bytes = num(e, "tx_bytes");
		t->tx_packets = num(e, "tx_packets");
		t->tx_errs = num(e, "tx_errs");
		t->tx_drop = num(e, "tx_drop");
		d->nnets++;
	}
}

static void
read_vbds(const struct xv *l, struct top_dom *d)
{
	size_t i, n = xv_is_list(l) ? xv_len(l) : 0;

	d->vbds = n ? xu_calloc(n, sizeof(*d->vbds)) : NULL;
	for (i = 0; i < n; i++) {
		const struct xv *e = xv_at(l, i);
		struct top_vbd *t = &d->vbds[d->nvbds];

		if (e == NULL || e->type != XV_STRUCT)
			continue;
		t->devid = num(e, "devid");
		t->oo = num(e, "oo_req");
		t->rd = num(e, "rd_req");
		t->wr = num(e, "wr_req");
		t->rsect = num(e, "rd_sect");
		t->wsect = num(e, "wr_sect");
		d->nvbds++;
	}
}

static void
read_vcpus(const struct xv *l, struct top_dom *d)
{
	size_t i, n = xv_is_list(l) ? xv_len(l) : 0;

	if (n == 0)
		return;
	d->vcpu_times = xu_calloc(n, sizeof(double));
	for (i = 0; i < n; i++) {
		const struct xv *v = xv_at(l, i);
		double t = -1;

		if (v->type == XV_DOUBLE && isfinite(v->u.d))
			t = v->u.d;
		else if (v->type == XV_INT)
			t = (double)v->u.i;
		d->vcpu_times[i] = t;
	}
	d->nvcpu_times = n;
}

static bool
read_dom(const struct xv *e, struct top_dom *d)
{
	const struct xv *st = xv_struct_get(e, "state");
	const char *name = xv_string(xv_struct_get(e, "name"));

	memset(d, 0, sizeof(*d));
	if (name == NULL)
		return false;
	d->name = xu_strdup(name);
	d->domid = (int64_t)num(e, "domid");
	snprintf(d->state, sizeof(d->state), "%s",
	    xv_string(st) ? xv_string(st) : "");
	d->cpu_time = num(e, "cpu_time");
	d->mem_mb = (int64_t)num(e, "memory");
	d->maxmem_mb = (int64_t)num(e, "maxmem");
	d->vcpus = (int64_t)num(e, "vcpus");
	d->ssid = (int64_t)num(e, "ssid");
	read_nets(xv_struct_get(e, "nets"), d);
	read_vbds(xv_struct_get(e, "vbds"), d);
	read_vcpus(xv_struct_get(e, "vcpu_times"), d);
	return true;
}

static void
dom_dispose(struct top_dom *d)
{
	free(d->name);
	free(d->vcpu_times);
	free(d->nets);
	free(d->vbds);
	memset(d, 0, sizeof(*d));
}

void
top_frame_dispose(struct top_frame *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		dom_dispose(&f->doms[i]);
	free(f->doms);
	memset(f, 0, sizeof(*f));
}

bool
top_frame_read(const struct xv *reply, double when, struct top_frame *f,
    char *why, size_t whylen)
{
	const struct xv *doms;
	size_t i, n;

	memset(f, 0, sizeof(*f));
	if (reply == NULL || reply->type != XV_STRUCT ||
	    (doms = xv_struct_get(reply, "domains")) == NULL || !xv_is_list(doms)) {
		snprintf(why, whylen, "xend's statistics are not in the form "
		    "expected (no list of domains)");
		return false;
	}
	f->when = when;
	f->total_mb = (int64_t)num(reply, "total_memory");
	f->free_mb = (int64_t)num(reply, "free_memory");
	f->nr_cpus = (int64_t)num(reply, "nr_cpus");
	n = xv_len(doms);
	f->doms = n ? xu_calloc(n, sizeof(*f->doms)) : NULL;
	for (i = 0; i < n; i++) {
		const struct xv *e = xv_at(doms, i);

		if (e != NULL && e->type == XV_STRUCT && read_dom(e, &f->doms[f->n]))
			f->n++;
	}
	return true;
}

/* ---- figures ------------------------------------------------------------- */

void
top_cpu_pct(struct top_frame *cur, const struct top_frame *prev)
{
	double elapsed = prev ? cur->when - prev->when : 0;
	size_t i, k;

	for (i = 0; i < cur->n; i++) {
		struct top_dom *d = &cur->doms[i];

		d->cpu_pct = 0;
		if (prev == NULL || elapsed <= 0)
			continue;
		for (k = 0; k < prev->n; k++) {
			const struct top_dom *o = &prev->doms[k];

			/* ids are not reused while xend runs; the name guards
			 * against a restarted xend */
			if (o->domid != d->domid || strcmp(o->name, d->name) != 0)
				continue;
			if (d->cpu_time > o->cpu_time)
				d->cpu_pct = (d->cpu_time - o->cpu_time) / elapsed * 100.0;
			break;
		}
	}
}

double
top_net_bytes(const struct top_dom *d, bool rx)
{
	double t = 0;
	size_t i;

	for (i = 0; i < d->nnets; i++)
		t += rx ? d->nets[i].rx_bytes : d->nets[i].tx_bytes;
	return t;
}

double
top_vbd_total(const struct top_dom *d, enum top_field which)
{
	double t = 0;
	size_t i;

	for (i = 0; i < d->nvbds; i++) {
		const struct top_vbd *v = &d->vbds[i];

		switch (which) {
		case TOP_VBD_OO: t += v->oo; break;
		case TOP_VBD_RD: t += v->rd; break;
		case TOP_VBD_WR: t += v->wr; break;
		case TOP_VBD_RSECT: t += v->rsect; break;
		case TOP_VBD_WSECT: t += v->wsect; break;
		default: break;
		}
	}
	return t;
}

/* xentop lists the state flags as d s b c p r. */
static void
xentop_state(const char *letters, char out[7])
{
	static const char order[] = "dsbcpr";
	size_t i;

	for (i = 0; i < 6; i++)
		out[i] = strchr(letters, order[i]) ? order[i] : '-';
	out[6] = '\0';
}

/* The figure a column sorts by (larger first). */
static double
sort_key(const struct top_dom *d, enum top_field f)
{
	switch (f) {
	case TOP_CPU: return d->cpu_time;
	case TOP_CPU_PCT: return d->cpu_pct;
	case TOP_MEM: case TOP_MEM_PCT: return (double)d->mem_mb;
	case TOP_MAXMEM: case TOP_MAX_PCT:
		return d->maxmem_mb > 0 ? (double)d->maxmem_mb : HUGE_VAL;
	case TOP_VCPUS: return (double)d->vcpus;
	case TOP_NETS: return (double)d->nnets;
	case TOP_NET_TX: return top_net_bytes(d, false);
	case TOP_NET_RX: return top_net_bytes(d, true);
	case TOP_VBDS: return (double)d->nvbds;
	case TOP_SSID: return -(double)d->ssid;	/* ascending, as xentop */
	default: return top_vbd_total(d, f);
	}
}

static enum top_field sort_by;

static int
compare_doms(const void *a, const void *b)
{
	const struct top_dom *x = a, *y = b;
	int c = 0;

	if (sort_by == TOP_STATE) {
		char sx[7], sy[7];
		size_t i;

		/* a flag set sorts first, flag by flag in xentop's order */
		xentop_state(x->state, sx);
		xentop_state(y->state, sy);
		for (i = 0; i < 6 && c == 0; i++)
			c = (sy[i] != '-') - (sx[i] != '-');
	} else if (sort_by != TOP_NAME) {
		double kx = sort_key(x, sort_by), ky = sort_key(y, sort_by);

		c = kx < ky ? 1 : kx > ky ? -1 : 0;
	}
	return c != 0 ? c : strcasecmp(x->name, y->name);
}

void
top_sort(struct top_frame *f, enum top_field by)
{
	sort_by = by < TOP_NFIELDS ? by : TOP_NAME;
	if (f->n > 1)
		qsort(f->doms, f->n, sizeof(*f->doms), compare_doms);
}

/* ---- lines ------------------------------------------------------------------ */

struct line {
	char buf[1024];
	size_t len;
};

static void
put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (l->len >= sizeof(l->buf) - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (r > 0)
		l->len += (size_t)r < sizeof(l->buf) - l->len ? (size_t)r :
		    sizeof(l->buf) - l->len - 1;
}

static int
digits(double v)
{
	int n = 1;

	while (v >= 10 && n < 20) {
		v /= 10;
		n++;
	}
	return n;
}

/* Column widths for this frame: the counting columns grow to fit, as
 * xentop's do; the name with full_name. */
static void
widths(const struct top_frame *f, const struct top_view *v, size_t first,
    int w[TOP_NFIELDS])
{
	static const enum top_field grow[] = {
		TOP_NET_TX, TOP_NET_RX, TOP_VBD_RD, TOP_VBD_WR, TOP_VBD_RSECT,
		TOP_VBD_WSECT,
	};
	size_t i, k;

	for (i = 0; i < TOP_NFIELDS; i++)
		w[i] = columns[i].width;
	for (i = first; i < f->n; i++) {
		const struct top_dom *d = &f->doms[i];

		for (k = 0; k < sizeof(grow) / sizeof(grow[0]); k++) {
			double val = grow[k] == TOP_NET_TX ? top_net_bytes(d, false) / 1024 :
			    grow[k] == TOP_NET_RX ? top_net_bytes(d, true) / 1024 :
			    top_vbd_total(d, grow[k]);
			int n = digits(floor(val) + 1);

			if (n > w[grow[k]])
				w[grow[k]] = n;
		}
		if (v->full_name && (int)strlen(d->name) > w[TOP_NAME])
			w[TOP_NAME] = (int)strlen(d->name);
	}
}

static void
header_line(const int w[TOP_NFIELDS], struct line *l)
{
	size_t i;

	l->len = 0;
	l->buf[0] = '\0';
	for (i = 0; i < TOP_NFIELDS; i++)
		put(l, "%s%*s", i ? " " : "", w[i], columns[i].header);
}

static void
dom_line(const struct top_frame *f, const struct top_dom *d, bool full_name,
    const int w[TOP_NFIELDS], struct line *l)
{
	double total_kb = (double)f->total_mb * 1024;
	char st[7];

	l->len = 0;
	l->buf[0] = '\0';
	xentop_state(d->state, st);
	if (full_name)
		put(l, "%*s", w[TOP_NAME], d->name);
	else
		put(l, "%10.10s", d->name);
	put(l, " %s", st);
	put(l, " %10llu", (unsigned long long)d->cpu_time);
	put(l, " %6.1f", d->cpu_pct);
	put(l, " %10llu", (unsigned long long)d->mem_mb * 1024);
	put(l, " %6.1f", total_kb > 0 ? (double)d->mem_mb * 1024 / total_kb * 100 : 0.0);
	if (d->maxmem_mb > 0) {
		put(l, " %10llu", (unsigned long long)d->maxmem_mb * 1024);
		put(l, " %9.1f", total_kb > 0 ?
		    (double)d->maxmem_mb * 1024 / total_kb * 100 : 0.0);
	} else {
		put(l, " %10s %9s", "no limit", "n/a");
	}
	put(l, " %5llu", (unsigned long long)d->vcpus);
	put(l, " %4zu", d->nnets);
	put(l, " %*llu", w[TOP_NET_TX], (unsigned long long)(top_net_bytes(d, false) / 1024));
	put(l, " %*llu", w[TOP_NET_RX], (unsigned long long)(top_net_bytes(d, true) / 1024));
	put(l, " %4zu", d->nvbds);
	put(l, " %8llu", (unsigned long long)top_vbd_total(d, TOP_VBD_OO));
	put(l, " %*llu", w[TOP_VBD_RD], (unsigned long long)top_vbd_total(d, TOP_VBD_RD));
	put(l, " %*llu", w[TOP_VBD_WR], (unsigned long long)top_vbd_total(d, TOP_VBD_WR));
	put(l, " %*llu", w[TOP_VBD_RSECT], (unsigned long long)top_vbd_total(d, TOP_VBD_RSECT));
	put(l, " %*llu", w[TOP_VBD_WSECT], (unsigned long long)top_vbd_total(d, TOP_VBD_WSECT));
	put(l, " %4llu", (unsigned long long)d->ssid);
}

static void
vcpu_lines(const struct top_dom *d, void (*emit)(void *, const char *, bool),
    void *arg)
{
	struct line l = { .len = 0 };
	size_t i;

	put(&l, "VCPUs(sec): ");
	for (i = 0; i < d->nvcpu_times; i++) {
		if (d->vcpu_times[i] < 0)
			continue;
		if (i != 0 && i % 5 == 0) {
			emit(arg, l.buf, false);
			l.len = 0;
			put(&l, "        ");
		}
		put(&l, " %2zu: %10llus", i, (unsigned long long)d->vcpu_times[i]);
	}
	emit(arg, l.buf, false);
}

static void
net_lines(const struct top_dom *d, void (*emit)(void *, const char *, bool),
    void *arg)
{
	size_t i;

	for (i = 0; i < d->nnets; i++) {
		const struct top_net *n = &d->nets[i];
		struct line l = { .len = 0 };

		put(&l, "Net%zu RX: %8llubytes %8llupkts %8lluerr %8lludrop  ", i,
		    (unsigned long long)n->rx_bytes, (unsigned long long)n->rx_packets,
		    (unsigned long long)n->rx_errs, (unsigned long long)n->rx_drop);
		put(&l, "TX: %8llubytes %8llupkts %8lluerr %8lludrop",
		    (unsigned long long)n->tx_bytes, (unsigned long long)n->tx_packets,
		    (unsigned long long)n->tx_errs, (unsigned long long)n->tx_drop);
		emit(arg, l.buf, false);
	}
}

static void
vbd_lines(const struct top_dom *d, void (*emit)(void *, const char *, bool),
    void *arg)
{
	size_t i;

	for (i = 0; i < d->nvbds; i++) {
		const struct top_vbd *v = &d->vbds[i];
		unsigned long long dev = (unsigned long long)v->devid;
		struct line l = { .len = 0 };

		/* a Xen device number: major in the high byte, as xentop */
		put(&l, "VBD BlkBack %4llu [%2llx:%2llx]  OO: %8llu   RD: %8llu   "
		    "WR: %8llu   RSECT: %10llu   WSECT: %10llu", dev, dev >> 8,
		    dev & 0xff, (unsigned long long)v->oo, (unsigned long long)v->rd,
		    (unsigned long long)v->wr, (unsigned long long)v->rsect,
		    (unsigned long long)v->wsect);
		emit(arg, l.buf, false);
	}
}

void
top_table(const struct top_frame *f, const struct top_view *v, size_t first,
    void (*emit)(void *arg, const char *line, bool header), void *arg)
{
	int w[TOP_NFIELDS];
	struct line l;
	size_t i;

	widths(f, v, first, w);
	if (f->n == 0 || first >= f->n) {
		header_line(w, &l);
		emit(arg, l.buf, true);
		return;
	}
	for (i = first; i < f->n; i++) {
		const struct top_dom *d = &f->doms[i];

		if (i == first || v->repeat_header) {
			header_line(w, &l);
			emit(arg, l.buf, true);
		}
		dom_line(f, d, v->full_name, w, &l);
		emit(arg, l.buf, false);
		if (v->vcpus && d->vcpu_times != NULL)
			vcpu_lines(d, emit, arg);
		if (v->networks)
			net_lines(d, emit, arg);
		if (v->vbds)
			vbd_lines(d, emit, arg);
	}
}

void
top_summary(const struct top_frame *f, const char *clock,
    void (*emit)(void *arg, const char *line), void *arg)
{
	unsigned run = 0, blk = 0, pau = 0, crash = 0, dying = 0, down = 0;
	struct line l = { .len = 0 };
	size_t i;

	put(&l, "xm top - %s", clock);
	emit(arg, l.buf);
	/* each domain counts once, in xentop's order of precedence */
	for (i = 0; i < f->n; i++) {
		const char *s = f->doms[i].state;

		if (strchr(s, 'r'))
			run++;
		else if (strchr(s, 'b'))
			blk++;
		else if (strchr(s, 'p'))
			pau++;
		else if (strchr(s, 's'))
			down++;
		else if (strchr(s, 'c'))
			crash++;
		else if (strchr(s, 'd'))
			dying++;
	}
	l.len = 0;
	put(&l, "%zu domains: %u running, %u blocked, %u paused, %u crashed, "
	    "%u dying, %u shutdown ", f->n, run, blk, pau, crash, dying, down);
	emit(arg, l.buf);
	l.len = 0;
	put(&l, "Mem: %lluk total, %lluk used, %lluk free    CPUs: %lld",
	    (unsigned long long)f->total_mb * 1024,
	    (unsigned long long)(f->total_mb - f->free_mb) * 1024,
	    (unsigned long long)f->free_mb * 1024, (long long)f->nr_cpus);
	emit(arg, l.buf);
}
