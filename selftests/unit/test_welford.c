// SPDX-License-Identifier: GPL-2.0
/*
 * Welford running statistics. Data sets are chosen so that the exact
 * answer is representable: every running mean of "known" is an integer,
 * so mean, M2 and variance must come out exact, not just close.
 */
#include <stdint.h>
#include <stdio.h>

#include "tap.h"
#include "tests.h"
#include "welford.h"

/* Running means, in thousands: 100 200 200 300 300 300 400 400. */
static const u64 known[] = {
	100000, 300000, 200000, 600000, 300000, 300000, 1000000, 400000,
};
#define NKNOWN	ARRAY_SIZE(known)

static struct kvmw_welford add_all(const u64 *x, size_t n)
{
	struct kvmw_welford s = KVMW_WELFORD_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		s = kvmw_welford_add(s, x[i]);
	return s;
}

static void test_empty_and_one(void)
{
	struct kvmw_welford s = KVMW_WELFORD_INIT;

	tap_eq_u64(s.n, 0, "empty: n");
	tap_eq_u64(s.min, UINT64_MAX, "empty: min is UINT64_MAX");
	tap_ok(kvmw_welford_variance(&s) == 0.0, "empty: variance 0");
	tap_ok(kvmw_welford_rel_stddev(&s) == 0.0, "empty: spread 0");

	s = kvmw_welford_add(s, 5);
	tap_eq_u64(s.n, 1, "one sample: n");
	tap_ok(s.mean == 5.0, "one sample: mean 5");
	tap_eq_u64(s.min, 5, "one sample: min");
	tap_eq_u64(s.max, 5, "one sample: max");
	tap_ok(kvmw_welford_variance(&s) == 0.0,
	       "one sample: variance 0 (n - 1 = 0)");
	tap_ok(kvmw_welford_rel_stddev(&s) == 0.0, "one sample: spread 0");
}

static void test_known(void)
{
	struct kvmw_welford s = add_all(known, NKNOWN);

	tap_eq_u64(s.n, 8, "known: n");
	tap_eq_u64(s.sum, 3200000, "known: sum");
	tap_eq_u64(s.min, 100000, "known: min");
	tap_eq_u64(s.max, 1000000, "known: max");
	tap_ok(s.mean == 400000.0, "known: mean exactly 400000");
	tap_ok(s.m2 == 560000000000.0, "known: M2 exactly 5.6e11");
	tap_ok(kvmw_welford_variance(&s) == 80000000000.0,
	       "known: sample variance exactly 8e10 (M2 / 7)");
	/* 100 * sqrt(8e10 / 8) / 4e5 = 100 * 1e5 / 4e5 */
	tap_ok(kvmw_welford_rel_stddev(&s) == 25.0,
	       "known: spread exactly 25%%");
}

static void test_merge(void)
{
	struct kvmw_welford all = add_all(known, NKNOWN);
	struct kvmw_welford a = add_all(known, 4);
	struct kvmw_welford b = add_all(known + 4, NKNOWN - 4);
	struct kvmw_welford empty = KVMW_WELFORD_INIT;
	struct kvmw_welford m = kvmw_welford_merge(a, b);

	tap_eq_u64(m.n, all.n, "merge: n");
	tap_eq_u64(m.sum, all.sum, "merge: sum");
	tap_eq_u64(m.min, all.min, "merge: min");
	tap_eq_u64(m.max, all.max, "merge: max");
	tap_ok(m.mean == all.mean, "merge: mean equals one pass");
	tap_ok(m.m2 == all.m2, "merge: M2 equals one pass");

	m = kvmw_welford_merge(b, a);
	tap_ok(m.mean == all.mean && m.m2 == all.m2 && m.min == all.min,
	       "merge: order does not matter");

	m = kvmw_welford_merge(empty, a);
	tap_ok(m.n == a.n && m.mean == a.mean && m.m2 == a.m2 &&
	       m.min == a.min, "merge: empty + a is a");
	m = kvmw_welford_merge(a, empty);
	tap_ok(m.n == a.n && m.mean == a.mean && m.m2 == a.m2 &&
	       m.min == a.min, "merge: a + empty is a");
}

/*
 * The design-note hazard: 100,000 HLTs of 100 ms. Their sum of squares
 * (1e21) does not fit 64 bits; Welford's state does.
 */
static void test_large(void)
{
	const u64 ms100 = 100000000, n = 100000;
	struct kvmw_welford s = KVMW_WELFORD_INIT;
	u64 sumsq = 0, sq;
	bool overflow = false;
	char b[64];
	u64 i;

	for (i = 0; i < n; i++) {
		overflow |= __builtin_mul_overflow(ms100, ms100, &sq) ||
			    __builtin_add_overflow(sumsq, sq, &sumsq);
		s = kvmw_welford_add(s, ms100);
	}
	tap_ok(overflow, "100,000 x 100 ms: a u64 sum of squares overflows");
	tap_eq_u64(s.n, n, "100,000 x 100 ms: n");
	tap_eq_u64(s.sum, 10000000000000ULL, "100,000 x 100 ms: sum 1e13 ns");
	tap_ok(s.mean == 1e8, "100,000 x 100 ms: mean exactly 1e8");
	tap_ok(s.m2 == 0.0, "100,000 x 100 ms: M2 exactly 0");
	tap_ok(kvmw_welford_rel_stddev(&s) == 0.0,
	       "100,000 x 100 ms: spread 0");

	/* Alternating 90/110 ms: deviation 10 ms, M2 = n * 1e14 = 1e19. */
	s = (struct kvmw_welford)KVMW_WELFORD_INIT;
	for (i = 0; i < n; i++)
		s = kvmw_welford_add(s, i & 1 ? 110000000 : 90000000);
	tap_eq_u64(s.sum, 10000000000000ULL, "90/110 ms: sum");
	tap_eq_u64(s.min, 90000000, "90/110 ms: min");
	tap_eq_u64(s.max, 110000000, "90/110 ms: max");
	snprintf(b, sizeof(b), "%.3f", s.mean);
	tap_eq_str(b, "100000000.000", "90/110 ms: mean");
	/* 1e19 / 99999 = 100001000010000.1 */
	snprintf(b, sizeof(b), "%.6e", kvmw_welford_variance(&s));
	tap_eq_str(b, "1.000010e+14", "90/110 ms: sample variance");
	/* 100 * sqrt(1.00001e14 / 1e5) / 1e8 = 0.0316229... */
	snprintf(b, sizeof(b), "%.4e", kvmw_welford_rel_stddev(&s));
	tap_eq_str(b, "3.1623e-02", "90/110 ms: spread in %%");
}

void test_welford(void)
{
	test_empty_and_one();
	test_known();
	test_merge();
	test_large();
}
