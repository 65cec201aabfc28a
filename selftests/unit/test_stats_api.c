// SPDX-License-Identifier: GPL-2.0
/*
 * The module's accounting fast path (module/stats_api.h), built in
 * userspace: event sequences as KVM fires them, with exact expected
 * statistics. This is also where the 6.1 SVM x2APIC ICR fastpath order
 * (kvm_msr before its own kvm_exit) is exercised: QEMU's TCG has no
 * NRIPS, so KVM never takes that path in the rig.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tests.h"
#include "../../module/stats_api.h"

#define SVM		KVMW_ISA_SVM
#define VMX		KVMW_ISA_VMX
#define GEN		1
#define SVM_CPUID	0x72
#define SVM_HLT		0x78
#define SVM_IO		0x7b
#define SVM_MSR		0x7c
#define SVM_NPF		0x400

static struct kvmw_stats *fresh(void)
{
	struct kvmw_stats *s = calloc(1, sizeof(*s));

	if (!s)
		abort();
	kvmw_stats_init(s);
	return s;
}

static const struct kvmw_row *row_of(const struct kvmw_stats *s, u32 code,
				     u16 sub)
{
	unsigned int i;

	for (i = 1; i < s->nr_rows; i++)
		if (s->rows[i].code == code && s->rows[i].sub == sub)
			return &s->rows[i];
	return NULL;
}

static const struct kvmw_brow *brow_of(const struct kvmw_brow *t,
				       unsigned int n, u64 key, u16 sub)
{
	unsigned int i;

	for (i = 1; i <= n; i++)
		if (t[i].used && t[i].key == key && t[i].sub == sub)
			return &t[i];
	return NULL;
}

static u64 hist_sum(const struct kvmw_row *r)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < KVMW_HIST_BUCKETS; i++)
		sum += r->hist[i];
	return sum;
}

/* exits = sum of reason rows + unfinished + negative_time + open */
static void check_contract(const struct kvmw_stats *s, const char *what)
{
	u64 sum = s->unfinished + s->negative_time + s->open;
	unsigned int i;

	for (i = 0; i < s->nr_rows; i++)
		if (!s->rows[i].sub)
			sum += s->rows[i].st.count;
	tap_eq_u64(sum, s->exits, "%s: counting contract holds", what);
}

static void test_buckets(void)
{
	tap_eq_u64(kvmw_hist_bucket(0), 0, "bucket of 0 ns");
	tap_eq_u64(kvmw_hist_bucket(255), 0, "bucket of 255 ns");
	tap_eq_u64(kvmw_hist_bucket(256), 1, "bucket of 256 ns");
	tap_eq_u64(kvmw_hist_bucket(511), 1, "bucket of 511 ns");
	tap_eq_u64(kvmw_hist_bucket(512), 2, "bucket of 512 ns");
	tap_eq_u64(kvmw_hist_bucket((1ULL << 38) - 1), 30,
		   "bucket of 2^38-1 ns");
	tap_eq_u64(kvmw_hist_bucket(1ULL << 38), 31, "bucket of 2^38 ns");
	tap_eq_u64(kvmw_hist_bucket(~0ULL), 31, "bucket of 2^64-1 ns");
}

static void test_timing(void)
{
	static const u64 dt[] = { 1000, 3000, 2000, 600 };
	struct kvmw_stats *s = fresh();
	const struct kvmw_row *r;
	u64 t = 1000000;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dt); i++) {
		kvmw_stats_exit(s, SVM, SVM_CPUID, 0, 0x1000, t, GEN);
		t += dt[i];
		kvmw_stats_entry(s, t, GEN);
		t += 50;
	}
	r = row_of(s, SVM_CPUID, 0);
	if (!tap_ok(r != NULL, "cpuid row claimed"))
		goto out;
	tap_eq_u64(r->st.count, 4, "cpuid: count");
	tap_eq_u64(r->st.total, 6600, "cpuid: total ns");
	tap_eq_u64(r->st.min, 600, "cpuid: min ns");
	tap_eq_u64(r->st.max, 3000, "cpuid: max ns");
	tap_ok(r->st.sumsq == (u128)1000 * 1000 + 3000 * 3000 + 2000 * 2000 +
	       600 * 600, "cpuid: sum of squares exact");
	tap_eq_u64(hist_sum(r), 4, "cpuid: histogram sums to count");
	tap_eq_u64(r->hist[2], 2, "600 and 1000 ns in bucket 2 [512, 1024)");
	tap_eq_u64(r->hist[3], 1, "2000 ns in bucket 3 [1024, 2048)");
	tap_eq_u64(r->hist[4], 1, "3000 ns in bucket 4 [2048, 4096)");
	tap_eq_u64(s->exits, 4, "exits");
	tap_eq_u64(s->entries, 4, "entries");
	for (i = 0; i < KVMW_NR_RIPS; i++)
		if (s->rips[i].used)
			tap_ok(s->rips[i].rip == 0x1000 &&
			       s->rips[i].code == SVM_CPUID &&
			       s->rips[i].count == 4, "one RIP row: cpuid 4");
	check_contract(s, "timing");
out:
	free(s);
}

static void test_sumsq_128(void)
{
	struct kvmw_stats *s = fresh();
	const struct kvmw_row *r;
	unsigned int i;

	/* 2^40 ns (18 min) squared is 2^80: past 64 bits at once. */
	for (i = 0; i < 3; i++) {
		kvmw_stats_exit(s, SVM, SVM_HLT, 0, 0, 0, GEN);
		kvmw_stats_entry(s, 1ULL << 40, GEN);
	}
	r = row_of(s, SVM_HLT, 0);
	tap_ok(r && r->st.sumsq == (u128)3 << 80, "sum of squares 3 * 2^80");
	tap_ok(r && r->hist[KVMW_HIST_BUCKETS - 1] == 3,
	       "18-minute halts in the last bucket");
	free(s);
}

static void test_msr_children_and_keys(void)
{
	struct kvmw_stats *s = fresh();
	const struct kvmw_brow *b;
	const struct kvmw_row *r;
	unsigned int i;

	for (i = 0; i < 5; i++) {	/* RDMSR 0x1b */
		kvmw_stats_exit(s, SVM, SVM_MSR, 0, 0x2000, 0, GEN);
		kvmw_stats_key(s, KVMW_STAT_MSR, 0x1b, KVMW_SUB_READ, GEN);
		kvmw_stats_entry(s, 100, GEN);
	}
	for (i = 0; i < 3; i++) {	/* WRMSR 0x6e0 */
		kvmw_stats_exit(s, SVM, SVM_MSR, 1, 0x2010, 0, GEN);
		kvmw_stats_key(s, KVMW_STAT_MSR, 0x6e0, KVMW_SUB_WRITE, GEN);
		kvmw_stats_entry(s, 300, GEN);
	}
	r = row_of(s, SVM_MSR, 0);
	tap_ok(r && r->st.count == 8, "msr row: 8");
	r = row_of(s, SVM_MSR, KVMW_SUB_READ);
	tap_ok(r && r->st.count == 5 && r->st.total == 500,
	       "msr read child: 5, 500 ns");
	r = row_of(s, SVM_MSR, KVMW_SUB_WRITE);
	tap_ok(r && r->st.count == 3 && r->st.total == 900,
	       "msr write child: 3, 900 ns");
	b = brow_of(s->msrs, KVMW_NR_MSRS, 0x1b, KVMW_SUB_READ);
	tap_ok(b && b->st.count == 5, "MSR 0x1b:R: 5");
	b = brow_of(s->msrs, KVMW_NR_MSRS, 0x6e0, KVMW_SUB_WRITE);
	tap_ok(b && b->st.count == 3 && b->st.min == 300,
	       "MSR 0x6e0:W: 3, min 300 ns");

	/* An IN to userspace: no event on the way out, one on completion. */
	kvmw_stats_exit(s, SVM, SVM_IO, 0, 0x3000, 0, GEN);
	kvmw_stats_user(s, 1000, GEN);
	kvmw_stats_key(s, KVMW_STAT_IOPORT, 0x71, KVMW_SUB_READ, GEN);
	kvmw_stats_entry(s, 5000, GEN);
	/* An MMIO read to userspace fires kvm_mmio twice: counted once. */
	kvmw_stats_exit(s, SVM, SVM_NPF, 0, 0x3010, 0, GEN);
	kvmw_stats_key(s, KVMW_STAT_MMIO, 0xd0000000, KVMW_SUB_READ, GEN);
	kvmw_stats_user(s, 6000, GEN);
	kvmw_stats_key(s, KVMW_STAT_MMIO, 0xd0000000, KVMW_SUB_READ, GEN);
	kvmw_stats_entry(s, 7000, GEN);
	b = brow_of(s->ports, KVMW_NR_PORTS, 0x71, KVMW_SUB_READ);
	tap_ok(b && b->st.count == 1 && b->st.user == 1,
	       "port 0x71:IN: 1, went to userspace");
	b = brow_of(s->mmio, KVMW_NR_MMIO, 0xd0000000, KVMW_SUB_READ);
	tap_ok(b && b->st.count == 1 && b->st.user == 1,
	       "MMIO 0xd0000000:R once although kvm_mmio fired twice");
	tap_eq_u64(s->user_returns, 2, "user returns");
	tap_eq_u64(s->orphan_events, 0, "no orphan events");
	check_contract(s, "msr/io/mmio");
	free(s);
}

/*
 * 6.1 SVM: kvm_entry, kvm_msr(write, 0x830), kvm_exit(msr), kvm_entry.
 * The MSR belongs to the exit that follows it.
 */
static void test_icr_fastpath_61(void)
{
	struct kvmw_stats *s = fresh();
	const struct kvmw_brow *b;
	unsigned int i;

	kvmw_stats_entry(s, 0, GEN);	/* first entry: nothing open */
	for (i = 0; i < 10; i++) {
		kvmw_stats_key(s, KVMW_STAT_MSR, KVMW_MSR_X2APIC_ICR,
			       KVMW_SUB_WRITE, GEN);
		kvmw_stats_exit(s, SVM, SVM_MSR, 1, 0x4000, 10, GEN);
		kvmw_stats_entry(s, 40, GEN);
	}
	b = brow_of(s->msrs, KVMW_NR_MSRS, KVMW_MSR_X2APIC_ICR,
		    KVMW_SUB_WRITE);
	tap_ok(b && b->st.count == 10 && b->st.total == 300,
	       "6.1 fastpath: MSR 0x830:W 10, 300 ns");
	tap_eq_u64(s->msr_early, 10, "6.1 fastpath: msr_early");
	tap_eq_u64(s->orphan_events, 0, "6.1 fastpath: no orphans");
	tap_eq_u64(s->entry_without_exit, 1, "only the first entry unpaired");
	tap_ok(row_of(s, SVM_MSR, KVMW_SUB_WRITE) &&
	       row_of(s, SVM_MSR, KVMW_SUB_WRITE)->st.count == 10,
	       "6.1 fastpath: msr write child 10");

	/* A pending ICR write followed by another exit is an orphan. */
	kvmw_stats_key(s, KVMW_STAT_MSR, KVMW_MSR_X2APIC_ICR, KVMW_SUB_WRITE,
		       GEN);
	kvmw_stats_exit(s, SVM, SVM_CPUID, 0, 0x4010, 50, GEN);
	kvmw_stats_entry(s, 60, GEN);
	tap_eq_u64(s->orphan_events, 1, "pending ICR then cpuid: orphan");
	tap_eq_u64(brow_of(s->msrs, KVMW_NR_MSRS, KVMW_MSR_X2APIC_ICR,
			   KVMW_SUB_WRITE)->st.count, 10,
		   "... and not counted as an ICR write");
	/* Any other key with no open exit is an orphan at once. */
	kvmw_stats_key(s, KVMW_STAT_IOPORT, 0x80, KVMW_SUB_WRITE, GEN);
	tap_eq_u64(s->orphan_events, 2, "port event outside an exit: orphan");
	check_contract(s, "fastpath");
	free(s);
}

static void test_anomalies(void)
{
	struct kvmw_stats *s = fresh();

	kvmw_stats_exit(s, SVM, SVM_CPUID, 0, 0, 100, GEN);
	kvmw_stats_exit(s, SVM, SVM_CPUID, 0, 0, 200, GEN);
	tap_eq_u64(s->exit_without_entry, 1, "exit after exit: anomaly");
	tap_eq_u64(s->unfinished, 1, "... the first one unfinished");
	kvmw_stats_entry(s, 150, GEN);	/* clock went backwards */
	tap_eq_u64(s->negative_time, 1, "negative time counted, untimed");
	kvmw_stats_exit(s, SVM, SVM_CPUID, 0, 0, 300, GEN);
	kvmw_stats_entry(s, 400, GEN + 1);	/* re-attached meanwhile */
	tap_eq_u64(s->unfinished, 2, "exit from an older attach: unfinished");
	kvmw_stats_exit(s, SVM, SVM_CPUID, 0, 0, 500, GEN + 1);
	tap_eq_u64(s->open, 1, "exit open");
	check_contract(s, "anomalies, one open");
	kvmw_stats_final(s);
	tap_eq_u64(s->unfinished, 3, "vCPU destroyed with an open exit");
	tap_eq_u64(row_of(s, SVM_CPUID, 0) ? row_of(s, SVM_CPUID, 0)->st.count :
		   99, 0, "no cpuid exit was timed");
	check_contract(s, "anomalies, closed");
	kvmw_stats_user(s, 600, GEN + 1);
	tap_eq_u64(s->user_without_exit, 1, "KVM_RUN return with no exit");
	free(s);
}

static void test_overflow(void)
{
	struct kvmw_stats *s = fresh();
	unsigned int i;
	u64 other = 0;

	/* 25 distinct reasons: 19 rows, then the "other" row. */
	for (i = 0; i < 25; i++) {
		kvmw_stats_exit(s, SVM, 0x40 + i, 0, 0, 0, GEN);
		kvmw_stats_entry(s, 10, GEN);
	}
	tap_eq_u64(s->nr_rows, KVMW_NR_ROWS, "reason rows full");
	tap_eq_u64(s->dropped_reasons, 25 - (KVMW_NR_ROWS - 1),
		   "reasons beyond the table counted as dropped");
	tap_eq_u64(s->rows[0].st.count, 25 - (KVMW_NR_ROWS - 1),
		   "... and timed in the other row");
	tap_eq_u64(s->rows[0].code, KVMW_CODE_OTHER, "other row's code");
	check_contract(s, "reason overflow");

	/* 40 ports: 32 rows, 8 in "other". */
	for (i = 0; i < 40; i++) {
		kvmw_stats_exit(s, SVM, 0x40, 0, 0, 0, GEN);
		kvmw_stats_key(s, KVMW_STAT_IOPORT, 0x100 + i, KVMW_SUB_WRITE,
			       GEN);
		kvmw_stats_entry(s, 10, GEN);
	}
	tap_eq_u64(s->dropped_keys[KVMW_BD_IOPORT], 8, "8 ports dropped");
	tap_eq_u64(s->ports[0].st.count, 8, "... counted in the other row");
	for (i = 1; i <= KVMW_NR_PORTS; i++)
		other += s->ports[i].used;
	tap_eq_u64(other, KVMW_NR_PORTS, "32 port rows used");

	/* Unknown code (decode failure): other row, decode_errors. */
	kvmw_stats_exit(s, SVM, KVMW_CODE_OTHER, 0, 0, 0, GEN);
	kvmw_stats_entry(s, 10, GEN);
	tap_eq_u64(s->decode_errors, 1, "decode error counted");
	check_contract(s, "all overflows");
	free(s);
}

static void test_rips(void)
{
	struct kvmw_stats *s = fresh();
	unsigned int i, found = 0;

	for (i = 0; i < 1000; i++) {
		kvmw_stats_exit(s, SVM, SVM_IO, 0, 0x1000 + (i % 3) * 2, 0,
				GEN);
		kvmw_stats_entry(s, 1, GEN);
	}
	for (i = 0; i < KVMW_NR_RIPS; i++)
		if (s->rips[i].used && s->rips[i].code == SVM_IO &&
		    s->rips[i].rip == 0x1002)
			found = s->rips[i].count;
	tap_eq_u64(found, 333, "RIP 0x1002: 333 of 1000 io exits");
	for (i = 0; i < 200; i++) {
		kvmw_stats_exit(s, SVM, SVM_IO, 0, 0x100000 + i * 64, 0, GEN);
		kvmw_stats_entry(s, 1, GEN);
	}
	found = 0;
	for (i = 0; i < KVMW_NR_RIPS; i++)
		found += s->rips[i].used ? s->rips[i].count : 0;
	tap_eq_u64(found + s->dropped_rips, 1200,
		   "every exit's RIP counted or dropped");
	free(s);
}

static void test_vmx(void)
{
	struct kvmw_stats *s = fresh();

	kvmw_stats_exit(s, VMX, 30, 0, 0, 0, GEN);		/* IO */
	kvmw_stats_entry(s, 5, GEN);
	kvmw_stats_exit(s, VMX, 0x80000021, 0, 0, 0, GEN);	/* failed */
	kvmw_stats_entry(s, 5, GEN);
	kvmw_stats_exit(s, VMX, 31, 0, 0, 0, GEN);		/* MSR_READ */
	kvmw_stats_entry(s, 5, GEN);
	tap_ok(row_of(s, 30, 0) && row_of(s, 30, 0)->st.count == 1,
	       "VMX IO_INSTRUCTION row");
	tap_ok(row_of(s, 0x80000021, 0) != NULL,
	       "VMX failed VM entry keeps its full code in its own row");
	tap_ok(!row_of(s, 31, KVMW_SUB_READ), "no msr child rows on VMX");
	tap_eq_u64(s->nr_rows, 4, "three rows plus other");
	free(s);
}

void test_stats_api(void)
{
	test_buckets();
	test_timing();
	test_sumsq_128();
	test_msr_children_and_keys();
	test_icr_fastpath_61();
	test_anomalies();
	test_overflow();
	test_rips();
	test_vmx();
}
