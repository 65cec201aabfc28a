// SPDX-License-Identifier: GPL-2.0
/*
 * Welford's algorithm in the same arithmetic as perf's util/stat.c, so the
 * same samples give the same "( +- x% )" digits in both tools.
 */
#include <math.h>

#include "welford.h"

struct kvmw_welford kvmw_welford_add(struct kvmw_welford s, u64 x)
{
	double delta;

	s.n++;
	s.sum += x;
	delta = (double)x - s.mean;
	s.mean += delta / (double)s.n;
	s.m2 += delta * ((double)x - s.mean);
	if (x < s.min)
		s.min = x;
	if (x > s.max)
		s.max = x;
	return s;
}

struct kvmw_welford kvmw_welford_merge(struct kvmw_welford a,
				       struct kvmw_welford b)
{
	struct kvmw_welford m;
	double n, delta;

	if (!a.n)
		return b;
	if (!b.n)
		return a;

	n = (double)a.n + (double)b.n;
	delta = b.mean - a.mean;
	m.n = a.n + b.n;
	m.sum = a.sum + b.sum;
	m.min = a.min < b.min ? a.min : b.min;
	m.max = a.max > b.max ? a.max : b.max;
	m.mean = a.mean + delta * (double)b.n / n;
	/* Products in double: a.n * b.n alone can overflow 64 bits. */
	m.m2 = a.m2 + b.m2 + delta * delta * (double)a.n * (double)b.n / n;
	return m;
}

double kvmw_welford_variance(const struct kvmw_welford *s)
{
	if (s->n < 2)
		return 0.0;
	return s->m2 / (double)(s->n - 1);
}

double kvmw_welford_rel_stddev(const struct kvmw_welford *s)
{
	if (s->mean == 0.0)
		return 0.0;
	return 100.0 * sqrt(kvmw_welford_variance(s) / (double)s->n) / s->mean;
}
