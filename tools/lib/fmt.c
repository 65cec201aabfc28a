// SPDX-License-Identifier: GPL-2.0
/*
 * Format strings and arithmetic follow print_result() of perf's
 * builtin-kvm.c, operation for operation: the order of the divisions
 * decides the last printed digit.
 */
#include <stdio.h>

#include "fmt.h"

#define NSEC_PER_USEC	1000.0

static double pct(u64 part, u64 whole)
{
	/* perf never prints an empty table; 0/0 would print "nan". */
	if (!whole)
		return 0.0;
	return (double)part / (double)whole * 100;
}

int kvmw_fmt_us(char *buf, size_t len, u64 ns)
{
	return snprintf(buf, len, "%.2fus", (double)ns / NSEC_PER_USEC);
}

int kvmw_fmt_pct(char *buf, size_t len, u64 part, u64 whole)
{
	return snprintf(buf, len, "%.2f%%", pct(part, whole));
}

int kvmw_fmt_spread(char *buf, size_t len, double rel_pct)
{
	return snprintf(buf, len, "( +-%7.2f%% )", rel_pct);
}

int kvmw_fmt_stat_header(char *buf, size_t len, int name_width,
			 const char *event)
{
	return snprintf(buf, len, "%*s %10s %9s %9s %11s %11s %16s ",
			name_width, event, "Samples", "Samples%", "Time%",
			"Min Time", "Max Time", "Avg time");
}

int kvmw_fmt_stat_row_n(char *buf, size_t len, int name_width,
			const char *name, u64 n, u64 sum, u64 min, u64 max,
			double rel_pct, u64 total_count, u64 total_ns)
{
	/* An empty row has no minimum or average; show zeros, not junk. */
	double avg = n ? (double)sum / (double)n / NSEC_PER_USEC : 0;

	if (!n)
		min = 0;
	return snprintf(buf, len,
			"%*s %10llu %8.2f%% %8.2f%% %9.2fus %9.2fus %9.2fus ( +-%7.2f%% )",
			name_width, name, (unsigned long long)n,
			pct(n, total_count), pct(sum, total_ns),
			(double)min / NSEC_PER_USEC,
			(double)max / NSEC_PER_USEC, avg, rel_pct);
}

int kvmw_fmt_stat_row(char *buf, size_t len, int name_width, const char *name,
		      const struct kvmw_welford *s, u64 total_count,
		      u64 total_ns)
{
	return kvmw_fmt_stat_row_n(buf, len, name_width, name, s->n, s->sum,
				   s->min, s->max, kvmw_welford_rel_stddev(s),
				   total_count, total_ns);
}

int kvmw_fmt_stat_total(char *buf, size_t len, u64 total_count, u64 total_ns)
{
	return snprintf(buf, len,
			"Total Samples:%llu, Total events handled time:%.2fus.",
			(unsigned long long)total_count,
			(double)total_ns / NSEC_PER_USEC);
}
