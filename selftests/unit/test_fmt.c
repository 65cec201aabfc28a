// SPDX-License-Identifier: GPL-2.0
/*
 * perf kvm stat's report format, byte for byte. Expected lines were
 * produced with perf's own format strings (tools/perf/builtin-kvm.c,
 * print_result()) on the same numbers.
 */
#include <stdint.h>
#include <string.h>

#include "fmt.h"
#include "tap.h"
#include "tests.h"

static void test_us(void)
{
	char b[64];

	kvmw_fmt_us(b, sizeof(b), 0);
	tap_eq_str(b, "0.00us", "0 ns");
	kvmw_fmt_us(b, sizeof(b), 1234);
	tap_eq_str(b, "1.23us", "1234 ns");
	/* 1.235 is 1.2350000000000000977 as a double: rounds up, as perf. */
	kvmw_fmt_us(b, sizeof(b), 1235);
	tap_eq_str(b, "1.24us", "1235 ns");
	kvmw_fmt_us(b, sizeof(b), 999);
	tap_eq_str(b, "1.00us", "999 ns");
	kvmw_fmt_us(b, sizeof(b), 4);
	tap_eq_str(b, "0.00us", "4 ns");
	kvmw_fmt_us(b, sizeof(b), 5);
	tap_eq_str(b, "0.01us", "5 ns");
	kvmw_fmt_us(b, sizeof(b), 100000000);
	tap_eq_str(b, "100000.00us", "100 ms");
	kvmw_fmt_us(b, sizeof(b), UINT64_MAX);
	tap_eq_str(b, "18446744073709552.00us", "UINT64_MAX ns");
}

static void test_pct(void)
{
	char b[64];

	kvmw_fmt_pct(b, sizeof(b), 1, 3);
	tap_eq_str(b, "33.33%", "1 of 3");
	kvmw_fmt_pct(b, sizeof(b), 2, 3);
	tap_eq_str(b, "66.67%", "2 of 3");
	kvmw_fmt_pct(b, sizeof(b), 1, 16);
	tap_eq_str(b, "6.25%", "1 of 16");
	kvmw_fmt_pct(b, sizeof(b), 5, 5);
	tap_eq_str(b, "100.00%", "5 of 5");
	kvmw_fmt_pct(b, sizeof(b), 1, 200000);
	tap_eq_str(b, "0.00%", "1 of 200000");
	kvmw_fmt_pct(b, sizeof(b), 0, 0);
	tap_eq_str(b, "0.00%", "0 of 0 is 0.00%%, not nan");
}

static void test_spread(void)
{
	char b[64];

	kvmw_fmt_spread(b, sizeof(b), 12.34);
	tap_eq_str(b, "( +-  12.34% )", "spread 12.34");
	kvmw_fmt_spread(b, sizeof(b), 0);
	tap_eq_str(b, "( +-   0.00% )", "spread 0");
	kvmw_fmt_spread(b, sizeof(b), 100);
	tap_eq_str(b, "( +- 100.00% )", "spread 100");
	/* perf's %7.2f: a wider number eats the space after "+-". */
	kvmw_fmt_spread(b, sizeof(b), 1234.5);
	tap_eq_str(b, "( +-1234.50% )", "spread wider than its column");
}

static void test_table(void)
{
	static const u64 ns[] = {
		100000, 300000, 200000, 600000, 300000, 300000, 1000000,
		400000,
	};
	struct kvmw_welford s = KVMW_WELFORD_INIT;
	struct kvmw_welford empty = KVMW_WELFORD_INIT;
	char b[256];
	size_t i;
	int n;

	for (i = 0; i < ARRAY_SIZE(ns); i++)
		s = kvmw_welford_add(s, ns[i]);

	n = kvmw_fmt_stat_header(b, sizeof(b), KVMW_STAT_NAME_WIDTH,
				 "VM-EXIT");
	tap_eq_str(b, "             VM-EXIT    Samples  Samples%     Time%"
		   "    Min Time    Max Time         Avg time ",
		   "table header");
	tap_eq_u64(n, strlen(b), "header length returned");

	kvmw_fmt_stat_row(b, sizeof(b), KVMW_STAT_NAME_WIDTH, "hlt", &s, 16,
			  6400000);
	tap_eq_str(b, "                 hlt          8    50.00%    50.00%"
		   "    100.00us   1000.00us    400.00us ( +-  25.00% )",
		   "table row");

	kvmw_fmt_stat_row(b, sizeof(b), 40, "hlt", &s, 8, 3200000);
	tap_eq_str(b, "                                     hlt          8"
		   "   100.00%   100.00%    100.00us   1000.00us    400.00us"
		   " ( +-  25.00% )", "table row, newer perf's 40-column name");

	kvmw_fmt_stat_row(b, sizeof(b), KVMW_STAT_NAME_WIDTH, "io", &empty,
			  0, 0);
	tap_eq_str(b, "                  io          0     0.00%     0.00%"
		   "      0.00us      0.00us      0.00us ( +-   0.00% )",
		   "empty row prints zeros");

	kvmw_fmt_stat_total(b, sizeof(b), 16, 6400000);
	tap_eq_str(b, "Total Samples:16, Total events handled time:6400.00us.",
		   "total line");

	n = kvmw_fmt_stat_row(b, 8, KVMW_STAT_NAME_WIDTH, "hlt", &s, 16,
			      6400000);
	tap_eq_str(b, "       ", "row truncated to the buffer");
	tap_eq_u64(n, 102, "row returns its full length");
}

void test_fmt(void)
{
	test_us();
	test_pct();
	test_spread();
	test_table();
}
