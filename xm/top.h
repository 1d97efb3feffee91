/* top.h: xm top's model and table, apart from the terminal: the reply of
 * xend.domains.stats read into frames, CPU% from two frames, xentop's
 * columns, sort orders and line formats. cmd-top.c draws them (ncurses or
 * batch); tests/unit/test-xm-top.c checks them. */
#ifndef XM_TOP_H
#define XM_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xv.h"

struct top_net {
	/* from the domain's side, as xentop shows them */
	double rx_bytes, rx_packets, rx_errs, rx_drop;
	double tx_bytes, tx_packets, tx_errs, tx_drop;
};

struct top_vbd {
	double devid;
	double oo, rd, wr, rsect, wsect;
};

struct top_dom {
	char *name;
	int64_t domid;
	char state[7];		/* xm's letters, "rbpscd" order */
	double cpu_time;	/* seconds */
	double cpu_pct;		/* from the previous frame; 0 in the first */
	int64_t mem_mb, maxmem_mb;	/* maxmem <= 0: no limit */
	int64_t vcpus;
	double *vcpu_times;	/* seconds, < 0 offline; NULL when not asked */
	size_t nvcpu_times;
	struct top_net *nets;
	size_t nnets;
	struct top_vbd *vbds;
	size_t nvbds;
	int64_t ssid;
};

struct top_frame {
	double when;		/* monotonic seconds of the sample */
	int64_t total_mb, free_mb, nr_cpus;
	struct top_dom *doms;
	size_t n;
};

/* xentop's columns, in its order. */
enum top_field {
	TOP_NAME, TOP_STATE, TOP_CPU, TOP_CPU_PCT, TOP_MEM, TOP_MEM_PCT,
	TOP_MAXMEM, TOP_MAX_PCT, TOP_VCPUS, TOP_NETS, TOP_NET_TX, TOP_NET_RX,
	TOP_VBDS, TOP_VBD_OO, TOP_VBD_RD, TOP_VBD_WR, TOP_VBD_RSECT,
	TOP_VBD_WSECT, TOP_SSID,
	TOP_NFIELDS
};

const char *top_field_name(enum top_field f);

struct top_view {
	enum top_field sort;	/* TOP_NAME by default */
	bool networks, vbds, vcpus, repeat_header, full_name;
};

/* Reads a reply of xend.domains.stats; false (why filled) when it is not
 * one. The frame owns its strings and arrays. */
bool top_frame_read(const struct xv *reply, double when, struct top_frame *f,
    char *why, size_t whylen);
void top_frame_dispose(struct top_frame *f);

/* Fills cur's CPU% from prev (NULL: 0 everywhere), domain by domain id:
 * CPU seconds used over the seconds between the samples, x 100. */
void top_cpu_pct(struct top_frame *cur, const struct top_frame *prev);

/* Sorts the domains by a column as xentop does: names and states
 * ascending, figures largest first; ties keep name order. */
void top_sort(struct top_frame *f, enum top_field by);

/* Totals across a domain's devices. */
double top_net_bytes(const struct top_dom *d, bool rx);
double top_vbd_total(const struct top_dom *d, enum top_field which);

/* The summary above the table (interactive view only): three lines,
 * each written to emit without its newline. */
void top_summary(const struct top_frame *f, const char *clock,
    void (*emit)(void *arg, const char *line), void *arg);

/* The table: the header (before the first domain, or before each one
 * with repeat_header), one line per domain, and the vCPU, network and
 * disk lines the view asks for; emit gets each line without its newline
 * and whether it is a header. first skips that many domains (scrolling). */
void top_table(const struct top_frame *f, const struct top_view *v,
    size_t first, void (*emit)(void *arg, const char *line, bool header),
    void *arg);

#endif
