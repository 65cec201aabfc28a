/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running mean and variance of durations (Welford), as perf's
 * update_stats() keeps them.
 *
 * Why not a sum of squares: nanosecond durations overflow 64 bits after
 * ~1,800 samples of 100 ms (a HLT exit of an idle guest), while Welford's
 * M2 stays near n * variance. The helpers are pure: they take and return
 * values, so a snapshot can be combined or reported without touching the
 * accumulator it came from.
 */
#ifndef KVMW_WELFORD_H
#define KVMW_WELFORD_H

#include <stdint.h>

#include "types.h"

struct kvmw_welford {
	u64 n;		/* samples */
	u64 sum;	/* exact total, for Time% and the average perf prints */
	u64 min;	/* UINT64_MAX while empty */
	u64 max;
	double mean;	/* running mean */
	double m2;	/* sum of squared deviations from the mean */
};

#define KVMW_WELFORD_INIT	{ .min = UINT64_MAX }

/* @s with one more sample @x. */
struct kvmw_welford kvmw_welford_add(struct kvmw_welford s, u64 x);

/*
 * Statistics of the union of two disjoint sample sets (Chan et al.), e.g.
 * every vCPU of a VM: each vCPU keeps its own, written by its thread only.
 */
struct kvmw_welford kvmw_welford_merge(struct kvmw_welford a,
				       struct kvmw_welford b);

/* Sample variance M2 / (n - 1), 0 below two samples (as perf). */
double kvmw_welford_variance(const struct kvmw_welford *s);

/*
 * perf's "( +- x% )": relative standard deviation of the mean,
 * 100 * sqrt(variance / n) / mean, 0 when the mean is 0.
 */
double kvmw_welford_rel_stddev(const struct kvmw_welford *s);

#endif /* KVMW_WELFORD_H */
