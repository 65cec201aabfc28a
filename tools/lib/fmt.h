/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text formatting of `perf kvm stat report` tables: same columns, widths
 * and rounding, so kvmwatch output can stand next to perf's in a bug
 * report. All functions behave like snprintf(): they return the length the
 * full text needs and truncate to @len.
 */
#ifndef KVMW_FMT_H
#define KVMW_FMT_H

#include <stddef.h>

#include "types.h"
#include "welford.h"

/*
 * Width of the event-name column: perf 6.1 (Debian 12) uses 20 on x86;
 * later perf widened it to 40 (KVM_EVENT_NAME_LEN).
 */
#define KVMW_STAT_NAME_WIDTH	20

/* Nanoseconds as microseconds with two decimals: 1234 -> "1.23us". */
int kvmw_fmt_us(char *buf, size_t len, u64 ns);

/* @part of @whole with two decimals: "12.34%"; "0.00%" when @whole is 0. */
int kvmw_fmt_pct(char *buf, size_t len, u64 part, u64 whole);

/* perf's spread column from a relative stddev in %: "( +-  12.34% )". */
int kvmw_fmt_spread(char *buf, size_t len, double rel_pct);

/* Header line (no newline) for a table of @event rows, e.g. "VM-EXIT". */
int kvmw_fmt_stat_header(char *buf, size_t len, int name_width,
			 const char *event);

/*
 * One row (no newline): name, samples, samples%, time%, min, max, average
 * and spread of @s, against all rows' @total_count and @total_ns.
 */
int kvmw_fmt_stat_row(char *buf, size_t len, int name_width, const char *name,
		      const struct kvmw_welford *s, u64 total_count,
		      u64 total_ns);

/*
 * The same row from plain numbers: @n samples totalling @sum ns, @min,
 * @max, and the spread @rel_pct already computed (e.g. from a pooled
 * variance).
 */
int kvmw_fmt_stat_row_n(char *buf, size_t len, int name_width,
			const char *name, u64 n, u64 sum, u64 min, u64 max,
			double rel_pct, u64 total_count, u64 total_ns);

/* perf's summary line (no newline) under the table. */
int kvmw_fmt_stat_total(char *buf, size_t len, u64 total_count, u64 total_ns);

#endif /* KVMW_FMT_H */
