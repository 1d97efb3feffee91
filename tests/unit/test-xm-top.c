/* test-xm-top.c: xm top's model and table: a stats reply read (and a bad
 * one refused), CPU% from two frames, xentop's sort orders, and the
 * header, row, network and disk lines as xentop prints them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top.h"
#include "xu.h"

static const char XENTOP_HEADER[] =
    "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) "
    "MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   "
    "VBD_WR  VBD_RSECT  VBD_WSECT SSID";

static struct xv *
net(double tx, double rx)
{
	struct xv *st = xv_struct();

	xv_struct_set(st, "tx_bytes", xv_double(tx));
	xv_struct_set(st, "rx_bytes", xv_double(rx));
	xv_struct_set(st, "tx_packets", xv_double(3));
	xv_struct_set(st, "rx_packets", xv_double(4));
	return st;
}

static struct xv *
vbd(double devid, double rd, double rsect)
{
	struct xv *st = xv_struct();

	xv_struct_set(st, "devid", xv_double(devid));
	xv_struct_set(st, "rd_req", xv_double(rd));
	xv_struct_set(st, "wr_req", xv_double(2));
	xv_struct_set(st, "rd_sect", xv_double(rsect));
	xv_struct_set(st, "wr_sect", xv_double(16));
	return st;
}

static struct xv *
dom(const char *name, int domid, const char *state, double cpu, int mem,
    int maxmem, struct xv *nets, struct xv *vbds)
{
	struct xv *st = xv_struct();

	xv_struct_set(st, "name", xv_str(name));
	xv_struct_set(st, "domid", xv_int(domid));
	xv_struct_set(st, "state", xv_str(state));
	xv_struct_set(st, "cpu_time", xv_double(cpu));
	xv_struct_set(st, "memory", xv_int(mem));
	xv_struct_set(st, "maxmem", xv_int(maxmem));
	xv_struct_set(st, "vcpus", xv_int(1));
	xv_struct_set(st, "nets", nets ? nets : xv_list());
	xv_struct_set(st, "vbds", vbds ? vbds : xv_list());
	xv_struct_set(st, "ssid", xv_int(0));
	return st;
}

/* Two guests and Domain-0 on a 1024 MiB host; web spent cpu_web s. */
static struct xv *
reply(double cpu_web)
{
	struct xv *r = xv_struct(), *doms = xv_list();

	xv_struct_set(r, "version", xv_int(1));
	xv_struct_set(r, "total_memory", xv_int(1024));
	xv_struct_set(r, "free_memory", xv_int(512));
	xv_struct_set(r, "nr_cpus", xv_int(2));
	xv_append(doms, dom("Domain-0", 0, "r-----", 100, 256, 1024, NULL, NULL));
	xv_append(doms, dom("web", 3, "-b----", cpu_web, 128, 256,
	    xv_append(xv_list(), net(10240, 20480)),
	    xv_append(xv_list(), vbd(51712, 7, 1234))));
	xv_append(doms, dom("db", 4, "--p---", 5, 64, 0, NULL, NULL));
	xv_struct_set(r, "domains", doms);
	return r;
}

static struct top_frame
frame(double cpu_web, double when)
{
	struct xv *r = reply(cpu_web);
	struct top_frame f;
	char why[128];

	assert_true(top_frame_read(r, when, &f, why, sizeof(why)));
	xv_free(r);
	return f;
}

/* The table's lines, joined by newlines. */
struct out {
	char text[8192];
	size_t len;
	int headers;
};

static void
collect(void *arg, const char *line, bool header)
{
	struct out *o = arg;

	o->len += (size_t)snprintf(o->text + o->len, sizeof(o->text) - o->len,
	    "%s\n", line);
	o->headers += header;
}

static const char *
line_of(const struct out *o, const char *name, char *buf, size_t len)
{
	const char *p = o->text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		const char *w = p + strspn(p, " ");

		if (strncmp(w, name, strlen(name)) == 0 && w[strlen(name)] == ' ') {
			snprintf(buf, len, "%.*s", (int)n, p);
			return buf;
		}
		p += n + (p[n] == '\n');
	}
	return "";
}

static void
test_read(void **state)
{
	struct top_frame f = frame(12.5, 1.0);

	(void)state;
	assert_int_equal(f.n, 3);
	assert_int_equal(f.total_mb, 1024);
	assert_string_equal(f.doms[1].name, "web");
	assert_int_equal(f.doms[1].nnets, 1);
	assert_int_equal(f.doms[1].nvbds, 1);
	assert_true(f.doms[1].nets[0].rx_bytes == 20480);
	assert_int_equal(f.doms[2].maxmem_mb, 0);
	top_frame_dispose(&f);
}

static void
test_read_refuses(void **state)
{
	struct xv *bad = xv_list();
	struct top_frame f;
	char why[128];

	(void)state;
	assert_false(top_frame_read(bad, 1, &f, why, sizeof(why)));
	assert_non_null(strstr(why, "domains"));
	xv_free(bad);
	/* an entry without a name is skipped, the rest is read */
	bad = xv_struct();
	xv_struct_set(bad, "domains", xv_append(xv_append(xv_list(), xv_struct()),
	    dom("ok", 1, "r-----", 1, 1, 1, NULL, NULL)));
	assert_true(top_frame_read(bad, 1, &f, why, sizeof(why)));
	assert_int_equal(f.n, 1);
	top_frame_dispose(&f);
	xv_free(bad);
}

/* web used 1.5 s of CPU in 2 s: 75 %; the first frame has no CPU%. */
static void
test_cpu_pct(void **state)
{
	struct top_frame a = frame(10, 100), b = frame(11.5, 102);

	(void)state;
	top_cpu_pct(&a, NULL);
	assert_true(a.doms[1].cpu_pct == 0);
	top_cpu_pct(&b, &a);
	assert_true(b.doms[1].cpu_pct > 74.99 && b.doms[1].cpu_pct < 75.01);
	assert_true(b.doms[2].cpu_pct == 0);
	top_frame_dispose(&a);
	top_frame_dispose(&b);
}

static void
test_sort(void **state)
{
	struct top_frame f = frame(50, 1);

	(void)state;
	top_sort(&f, TOP_NAME);	/* by name, case aside, as xentop */
	assert_string_equal(f.doms[0].name, "db");
	assert_string_equal(f.doms[1].name, "Domain-0");
	assert_string_equal(f.doms[2].name, "web");
	top_sort(&f, TOP_CPU);	/* figures: largest first */
	assert_string_equal(f.doms[0].name, "Domain-0");
	assert_string_equal(f.doms[1].name, "web");
	top_sort(&f, TOP_STATE);	/* p (db) before r (Domain-0) */
	assert_string_equal(f.doms[0].name, "web");	/* b */
	assert_string_equal(f.doms[1].name, "db");	/* p */
	top_frame_dispose(&f);
}

static void
test_table(void **state)
{
	struct top_frame f = frame(12.9, 1);
	struct top_view v = { .sort = TOP_NAME };
	struct out o = { .len = 0 };
	char buf[512];

	(void)state;
	top_sort(&f, TOP_NAME);
	top_table(&f, &v, 0, collect, &o);
	assert_int_equal(o.headers, 1);
	assert_non_null(strstr(o.text, XENTOP_HEADER));
	/* state in xentop's order (d s b c p r); MEM% of a 1024 MiB host;
	 * NETTX/NETRX in KiB; VBD totals */
	assert_string_equal(line_of(&o, "web", buf, sizeof(buf)),
	    "       web --b---         12    0.0     131072   12.5     262144      25.0"
	    "     1    1       10       20    1        0        7        2"
	    "       1234         16    0");
	assert_string_equal(line_of(&o, "db", buf, sizeof(buf)),
	    "        db ----p-          5    0.0      65536    6.2   no limit       n/a"
	    "     1    0        0        0    0        0        0        0"
	    "          0          0    0");

	memset(&o, 0, sizeof(o));
	v.networks = v.vbds = v.repeat_header = true;
	top_table(&f, &v, 0, collect, &o);
	assert_int_equal(o.headers, 3);
	assert_non_null(strstr(o.text, "Net0 RX:    20480bytes        4pkts        0err"
	    "        0drop  TX:    10240bytes        3pkts        0err        0drop\n"));
	assert_non_null(strstr(o.text, "VBD BlkBack 51712 [ca: 0]  OO:        0   RD:"
	    "        7   WR:        2   RSECT:       1234   WSECT:         16\n"));
	top_frame_dispose(&f);
}

/* Names are cut at 10 unless full names are asked; the counting columns
 * widen for big figures, as xentop's do. */
static void
test_widths(void **state)
{
	struct xv *r = xv_struct();
	struct top_view v = { .sort = TOP_NAME };
	struct out o = { .len = 0 };
	struct top_frame f;
	char why[64], buf[512];

	(void)state;
	xv_struct_set(r, "total_memory", xv_int(1024));
	xv_struct_set(r, "domains", xv_append(xv_list(),
	    dom("a-very-long-name", 1, "r-----", 1, 1, 1, NULL,
	    xv_append(xv_list(), vbd(51712, 1e12, 1)))));
	assert_true(top_frame_read(r, 1, &f, why, sizeof(why)));
	top_table(&f, &v, 0, collect, &o);
	assert_non_null(strstr(o.text, "\na-very-lon --"));
	assert_non_null(strstr(o.text, "VBD_OO        VBD_RD "));	/* 13 wide */
	assert_non_null(strstr(o.text, " 1000000000000 "));
	memset(&o, 0, sizeof(o));
	v.full_name = true;
	top_table(&f, &v, 0, collect, &o);
	assert_string_not_equal(line_of(&o, "a-very-long-name", buf, sizeof(buf)), "");
	top_frame_dispose(&f);
	xv_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_refuses),
		cmocka_unit_test(test_cpu_pct),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_widths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
