// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot record-stream parser: valid streams, and every way a stream
 * can be wrong (truncated, misaligned lengths, misordered, counts that
 * disagree) rejected with -EINVAL and nothing left allocated; unknown
 * record types skipped; records longer than this tool's structures read
 * by their known prefix.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapbuild.h"
#include "snapshot.h"
#include "tap.h"
#include "tests.h"

static const u64 s_hlt[] = { 1000, 3000 };
static const u64 s_io[] = { 2000 };

/* One VM, two vCPUs: vCPU 0 with two rows and a RIP, vCPU 1 empty. */
static void build_valid(struct sb *b)
{
	sb_vm(b, 100, "100-11", 2, 0, 7);
	sb_vcpu(b, 0, 101, KVMW_ISA_SVM, 2, 1);
	sb_stat(b, KVMW_STAT_EXIT, 0, 0x78, 0, s_hlt, 2, 1, 0);
	sb_stat(b, KVMW_STAT_IOPORT, KVMW_SUB_READ, 0, 0x608, s_io, 1, 0, 0);
	sb_rip(b, 0x78, 0xffffffff81000000ULL, 2);
	sb_vcpu(b, 1, 102, KVMW_ISA_SVM, 0, 0);
}

static int parse(const struct sb *b, size_t len, struct kvmw_snap *s)
{
	memset(s, 0xa5, sizeof(*s));
	return kvmw_snap_parse(b->buf, len, s);
}

static void expect_einval(const struct sb *b, size_t len, const char *what)
{
	struct kvmw_snap s;
	int ret = parse(b, len, &s);

	tap_eq_u64((u64)(long)ret, (u64)(long)-EINVAL, "rejected: %s", what);
	tap_ok(!s.vms && !s.nr_vms, "rejected, nothing left: %s", what);
	kvmw_snap_free(&s);
}

static void test_valid(void)
{
	const struct kvmw_snap_stat *st;
	struct kvmw_snap s;
	struct sb b;
	u64 sum = 0;
	unsigned int i;

	sb_init(&b);
	build_valid(&b);
	tap_eq_u64(parse(&b, b.len, &s), 0, "valid stream parses");
	tap_eq_u64(s.nr_vms, 1, "one VM");
	tap_eq_str(s.vms[0].rec.id, "100-11", "VM id");
	tap_eq_u64(s.vms[0].rec.pid, 100, "VM pid");
	tap_eq_u64(s.vms[0].rec.serial, 7, "VM serial");
	tap_eq_u64(s.vms[0].nr_vcpus, 2, "two vCPUs");
	tap_eq_u64(s.vms[0].vcpus[0].rec.tid, 101, "vCPU 0 tid");
	tap_eq_u64(s.vms[0].vcpus[0].nr_stats, 2, "vCPU 0: two rows");
	tap_eq_u64(s.vms[0].vcpus[0].nr_rips, 1, "vCPU 0: one RIP");
	tap_eq_u64(s.vms[0].vcpus[0].rips[0].rip, 0xffffffff81000000ULL,
		   "RIP value");
	tap_eq_u64(s.vms[0].vcpus[1].nr_stats, 0, "vCPU 1: no rows");
	st = kvmw_snap_find(&s.vms[0].vcpus[0], KVMW_STAT_EXIT, 0, 0x78, 0);
	tap_ok(st != NULL, "find: hlt row");
	if (st) {
		tap_eq_u64(st->rec.count, 2, "hlt count");
		tap_eq_u64(st->rec.total_ns, 4000, "hlt total");
		tap_eq_u64(st->rec.min_ns, 1000, "hlt min");
		tap_eq_u64(st->rec.max_ns, 3000, "hlt max");
		tap_eq_u64(st->rec.sumsq_lo, 10000000, "hlt sumsq");
		tap_eq_u64(st->rec.nr_buckets, KVMW_HIST_BUCKETS,
			   "hlt histogram present");
		for (i = 0; i < KVMW_HIST_BUCKETS; i++)
			sum += st->hist[i];
		tap_eq_u64(sum, 2, "hlt histogram sums to count");
		tap_eq_u64(st->hist[sb_bucket(1000)], 1, "1000 ns bucket");
	}
	st = kvmw_snap_find(&s.vms[0].vcpus[0], KVMW_STAT_IOPORT,
			    KVMW_SUB_READ, 0, 0x608);
	tap_ok(st && st->rec.count == 1 && st->rec.nr_buckets == 0,
	       "find: port 0x608 read row, no histogram");
	tap_ok(!kvmw_snap_find(&s.vms[0].vcpus[0], KVMW_STAT_IOPORT,
			       KVMW_SUB_WRITE, 0, 0x608),
	       "find: no port 0x608 write row");
	kvmw_snap_free(&s);
	tap_ok(!s.vms && !s.nr_vms, "free empties the snapshot");

	tap_eq_u64(parse(&b, 0, &s), 0, "empty stream parses");
	tap_eq_u64(s.nr_vms, 0, "empty stream: no VM");
	kvmw_snap_free(&s);
	sb_free(&b);
}

static void test_misaligned_buffer(void)
{
	struct kvmw_snap s;
	unsigned char *p;
	struct sb b;

	sb_init(&b);
	build_valid(&b);
	p = malloc(b.len + 1);
	memcpy(p + 1, b.buf, b.len);
	memset(&s, 0, sizeof(s));
	tap_eq_u64(kvmw_snap_parse(p + 1, b.len, &s), 0,
		   "stream at an odd address parses");
	tap_ok(s.nr_vms == 1 && s.vms[0].vcpus[0].stats[0].rec.count == 2,
	       "odd address: same content");
	kvmw_snap_free(&s);
	free(p);
	sb_free(&b);
}

static void test_truncated(void)
{
	struct sb b;
	size_t cut;
	unsigned int bad = 0, total = 0;

	sb_init(&b);
	build_valid(&b);
	/* Every cut that is not a record boundary fails. */
	for (cut = 1; cut < b.len; cut++) {
		struct kvmw_snap s;
		int ret = parse(&b, cut, &s);

		/* Boundaries: fail too, on the counts (vCPU 1 missing...). */
		total++;
		if (ret != -EINVAL || s.vms)
			bad++;
		kvmw_snap_free(&s);
	}
	tap_eq_u64(bad, 0, "all %u truncations rejected with -EINVAL", total);
	sb_free(&b);
}

static void set_len(struct sb *b, size_t off, u32 len)
{
	memcpy(b->buf + off + offsetof(struct kvmw_rec, len), &len,
	       sizeof(len));
}

static void test_bad_lengths(void)
{
	size_t vcpu_off = sizeof(struct kvmw_rec_vm);
	struct sb b;

	sb_init(&b);
	build_valid(&b);
	set_len(&b, 0, 0);
	expect_einval(&b, b.len, "record length 0");
	sb_free(&b);

	build_valid(&b);
	set_len(&b, 0, 4);
	expect_einval(&b, b.len, "record length below the header");
	sb_free(&b);

	build_valid(&b);
	set_len(&b, 0, sizeof(struct kvmw_rec_vm) + 4);
	expect_einval(&b, b.len, "record length not a multiple of 8");
	sb_free(&b);

	build_valid(&b);
	set_len(&b, vcpu_off, 0x7ffffff8);
	expect_einval(&b, b.len, "record length past the end");
	sb_free(&b);

	build_valid(&b);
	set_len(&b, 0, sizeof(struct kvmw_rec_vm) - 8);
	expect_einval(&b, b.len, "VM record shorter than its first version");
	sb_free(&b);

	/* A stat record whose histogram does not fit in its length. */
	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_vcpu(&b, 0, 1, KVMW_ISA_SVM, 1, 0);
	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x78, 0, s_hlt, 2, 1, 0);
	set_len(&b, sizeof(struct kvmw_rec_vm) + sizeof(struct kvmw_rec_vcpu),
		sizeof(struct kvmw_rec_stat) + 8);
	expect_einval(&b, sizeof(struct kvmw_rec_vm) +
		      sizeof(struct kvmw_rec_vcpu) +
		      sizeof(struct kvmw_rec_stat) + 8,
		      "histogram longer than the record");
	sb_free(&b);
}

static void test_order(void)
{
	struct sb b;

	sb_init(&b);
	sb_vcpu(&b, 0, 1, KVMW_ISA_SVM, 0, 0);
	expect_einval(&b, b.len, "vCPU before any VM");
	sb_free(&b);

	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x78, 0, s_hlt, 2, 0, 0);
	expect_einval(&b, b.len, "stat before any vCPU");
	sb_free(&b);

	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x78, 0, s_hlt, 2, 0, 0);
	expect_einval(&b, b.len, "stat right after a VM");
	sb_free(&b);

	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_vcpu(&b, 0, 1, KVMW_ISA_SVM, 1, 1);
	sb_rip(&b, 0x78, 0x1000, 1);
	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x78, 0, s_hlt, 2, 0, 0);
	expect_einval(&b, b.len, "RIP before the vCPU's stats");
	sb_free(&b);

	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_vcpu(&b, 0, 1, KVMW_ISA_SVM, 1, 0);
	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x78, 0, s_hlt, 2, 0, 0);
	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x7b, 0, s_io, 1, 0, 0);
	expect_einval(&b, b.len, "more stats than nr_stats");
	sb_free(&b);

	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_vcpu(&b, 0, 1, KVMW_ISA_SVM, 2, 0);
	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x78, 0, s_hlt, 2, 0, 0);
	expect_einval(&b, b.len, "fewer stats than nr_stats");
	sb_free(&b);

	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_vcpu(&b, 0, 1, KVMW_ISA_SVM, 0, 1);
	expect_einval(&b, b.len, "fewer RIPs than nr_rips");
	sb_free(&b);

	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_vcpu(&b, 0, 1, KVMW_ISA_SVM, 0, 0);
	sb_vcpu(&b, 1, 1, KVMW_ISA_SVM, 0, 0);
	expect_einval(&b, b.len, "more vCPUs than nr_vcpus");
	sb_free(&b);

	sb_vm(&b, 1, "1-1", 2, 0, 1);
	sb_vcpu(&b, 0, 1, KVMW_ISA_SVM, 0, 0);
	sb_vm(&b, 2, "2-1", 0, 0, 2);
	expect_einval(&b, b.len, "next VM before the vCPUs announced");
	sb_free(&b);

	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_vcpu(&b, 0, 1, KVMW_ISA_SVM, 1, 0);
	sb_vm(&b, 2, "2-1", 0, 0, 2);
	expect_einval(&b, b.len, "next VM before the stats announced");
	sb_free(&b);
}

static void test_unknown_and_growth(void)
{
	const struct kvmw_snap_stat *st;
	unsigned char rec[48];
	struct kvmw_rec_vm vm;
	struct kvmw_rec h;
	struct kvmw_snap s;
	struct sb b;
	u64 sum = 0;
	unsigned int i;
	static const u64 many[] = { 100, 300, 600, 1200, 70000 };

	sb_init(&b);
	memset(rec, 0x5a, sizeof(rec));
	h.type = 99;
	h.reserved = 0;
	h.len = sizeof(rec);
	memcpy(rec, &h, sizeof(h));
	sb_raw(&b, rec, sizeof(rec));		/* before the first VM */
	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_raw(&b, rec, sizeof(rec));		/* between VM and vCPU */
	sb_vcpu(&b, 0, 5, KVMW_ISA_SVM, 1, 0);
	sb_raw(&b, rec, sizeof(rec));		/* between vCPU and stat */
	/* A newer kernel's stat record: 16 more bytes before the histogram. */
	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x78, 0, many, 5, 1, 16);
	/* A newer kernel's VM record: 24 more bytes. */
	memset(&vm, 0, sizeof(vm));
	vm.hdr.type = KVMW_REC_VM;
	vm.hdr.len = sizeof(vm) + 24;
	vm.pid = 2;
	vm.nr_vcpus = 0;
	snprintf(vm.id, sizeof(vm.id), "2-9");
	sb_raw(&b, &vm, sizeof(vm));
	memset(rec, 0x77, 24);
	sb_raw(&b, rec, 24);
	tap_eq_u64(parse(&b, b.len, &s), 0,
		   "unknown types skipped, longer records accepted");
	tap_eq_u64(s.nr_vms, 2, "longer records: both VMs");
	tap_eq_str(s.nr_vms == 2 ? s.vms[1].rec.id : NULL, "2-9",
		   "longer VM record: known prefix read");
	st = s.nr_vms ? kvmw_snap_find(&s.vms[0].vcpus[0], KVMW_STAT_EXIT, 0,
				       0x78, 0) : NULL;
	tap_ok(st && st->rec.count == 5, "longer stat record: count");
	for (i = 0; st && i < KVMW_HIST_BUCKETS; i++)
		sum += st->hist[i];
	tap_eq_u64(sum, 5, "longer stat record: histogram found at its end");
	tap_ok(st && st->hist[sb_bucket(70000)] == 1,
	       "longer stat record: buckets in place");
	kvmw_snap_free(&s);
	sb_free(&b);
}

static void test_more_buckets(void)
{
	const struct kvmw_snap_stat *st;
	struct kvmw_rec_stat r;
	struct kvmw_snap s;
	u64 h[KVMW_HIST_BUCKETS + 2];
	struct sb b;
	unsigned int i;

	sb_init(&b);
	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_vcpu(&b, 0, 5, KVMW_ISA_SVM, 1, 0);
	memset(&r, 0, sizeof(r));
	r.hdr.type = KVMW_REC_STAT;
	r.hdr.len = sizeof(r) + sizeof(h);
	r.code = 0x78;
	r.count = KVMW_HIST_BUCKETS + 2;
	r.nr_buckets = KVMW_HIST_BUCKETS + 2;
	for (i = 0; i < ARRAY_SIZE(h); i++)
		h[i] = 1;
	sb_raw(&b, &r, sizeof(r));
	sb_raw(&b, h, sizeof(h));
	tap_eq_u64(parse(&b, b.len, &s), 0, "34 buckets: parses");
	st = s.nr_vms ? &s.vms[0].vcpus[0].stats[0] : NULL;
	tap_ok(st && st->rec.nr_buckets == KVMW_HIST_BUCKETS,
	       "34 buckets: 32 kept");
	tap_ok(st && st->hist[KVMW_HIST_BUCKETS - 1] == 3 && st->hist[0] == 1,
	       "34 buckets: the extra ones folded into the last");
	kvmw_snap_free(&s);
	sb_free(&b);
}

/* Gone before the window: left out; gone within it or alive: kept. */
static void test_drop_gone_before(void)
{
	struct kvmw_snap sn;
	struct sb b;

	sb_init(&b);
	sb_vm(&b, 100, "100-1", 1, 0, 1);
	sb_vcpu(&b, 0, 101, KVMW_ISA_SVM, 0, 0);
	sb_vm(&b, 200, "200-1", 1, KVMW_VM_GONE, 2);
	sb_vcpu(&b, 0, 201, KVMW_ISA_SVM, 0, 0);
	tap_ok(!kvmw_snap_parse(b.buf, b.len, &sn) && sn.nr_vms == 2,
	       "drop_gone_before: two VMs parse");
	sb_free(&b);
	kvmw_snap_drop_gone_before(&sn, SB_GONE_NS);
	tap_ok(sn.nr_vms == 2, "drop_gone_before: gone within the window kept");
	kvmw_snap_drop_gone_before(&sn, SB_GONE_NS + 1);
	tap_ok(sn.nr_vms == 1 && sn.vms[0].rec.pid == 100,
	       "drop_gone_before: gone before the window left out");
	kvmw_snap_free(&sn);
}

void test_snapshot(void)
{
	test_valid();
	test_drop_gone_before();
	test_misaligned_buffer();
	test_truncated();
	test_bad_lengths();
	test_order();
	test_unknown_and_growth();
	test_more_buckets();
}
