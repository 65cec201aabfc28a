// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's own per-vCPU statistics and the host-CPU time split in the
 * snapshot stream: vCPU records of the first size (no guest_ns/user_ns)
 * and of today's, KVMW_REC_KVM records with fewer and more values than
 * this tool knows, misplaced or lying KVM records rejected, the names
 * table, and the probes' guest/VMM time accounting (module/stats_api.h)
 * on event sequences with known clocks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmstat.h"
#include "snapbuild.h"
#include "snapshot.h"
#include "tap.h"
#include "tests.h"
#include "../../module/stats_api.h"

#define GEN		1
#define SVM_HLT		0x78
#define SVM_IO		0x7b

static const u64 s_hlt[] = { 1000, 3000 };

/* A KVMW_REC_KVM record of @nr values, val[i] = base + i, @pad words. */
static void sb_kvm(struct sb *b, u32 nr, u32 claimed, u64 base,
		   unsigned int pad)
{
	size_t len = sizeof(struct kvmw_rec_kvm) + (nr + pad) * 8;
	struct kvmw_rec_kvm *r = calloc(1, len);
	u32 i;

	if (!r)
		abort();
	r->hdr.type = KVMW_REC_KVM;
	r->hdr.len = len;
	r->nr = claimed;
	for (i = 0; i < nr; i++)
		r->val[i] = base + i;
	sb_raw(b, r, len);
	free(r);
}

/* A vCPU record of the first version: 160 bytes, no guest/user time. */
static void sb_vcpu_ver0(struct sb *b, unsigned int vcpu_id,
			 unsigned int nr_stats)
{
	struct kvmw_rec_vcpu r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = KVMW_REC_VCPU;
	r.hdr.len = KVMW_REC_VCPU_SIZE_VER0;
	r.vcpu_id = vcpu_id;
	r.nr_stats = nr_stats;
	r.exits = 2;
	/* Past the first version: must not be read. */
	r.guest_ns = 77;
	r.user_ns = 88;
	sb_raw(b, &r, KVMW_REC_VCPU_SIZE_VER0);
}

static void sb_vcpu_ver1(struct sb *b, unsigned int vcpu_id,
			 unsigned int nr_stats, unsigned int nr_rips,
			 size_t extra)
{
	unsigned char raw[sizeof(struct kvmw_rec_vcpu) + 64];
	struct kvmw_rec_vcpu r;

	memset(&r, 0, sizeof(r));
	memset(raw, 0xee, sizeof(raw));
	r.hdr.type = KVMW_REC_VCPU;
	r.hdr.len = sizeof(r) + extra;
	r.vcpu_id = vcpu_id;
	r.nr_stats = nr_stats;
	r.nr_rips = nr_rips;
	r.guest_ns = 5000000;
	r.user_ns = 250000;
	memcpy(raw, &r, sizeof(r));
	sb_raw(b, raw, sizeof(r) + extra);
}

static int parse(const struct sb *b, struct kvmw_snap *s)
{
	memset(s, 0xa5, sizeof(*s));
	return kvmw_snap_parse(b->buf, b->len, s);
}

static void test_vcpu_sizes(void)
{
	struct kvmw_snap s;
	struct sb b;

	tap_eq_u64(sizeof(struct kvmw_rec_vcpu), KVMW_REC_VCPU_SIZE_VER1,
		   "rec_vcpu is VER1 long");
	tap_eq_u64(offsetof(struct kvmw_rec_vcpu, guest_ns),
		   KVMW_REC_VCPU_SIZE_VER0, "guest_ns starts after VER0");

	sb_init(&b);
	sb_vm(&b, 100, "100-11", 3, 0, 7);
	sb_vcpu_ver0(&b, 0, 1);
	sb_stat(&b, KVMW_STAT_EXIT, 0, SVM_HLT, 0, s_hlt, 2, 1, 0);
	sb_vcpu_ver1(&b, 1, 0, 0, 0);
	sb_vcpu_ver1(&b, 2, 1, 0, 24);	/* a newer, longer record */
	sb_stat(&b, KVMW_STAT_EXIT, 0, SVM_HLT, 0, s_hlt, 1, 1, 0);
	tap_eq_u64(parse(&b, &s), 0, "old-, new- and newer-size vCPUs parse");
	if (s.nr_vms == 1 && s.vms[0].nr_vcpus == 3) {
		const struct kvmw_snap_vcpu *v = s.vms[0].vcpus;

		tap_eq_u64(v[0].rec_len, KVMW_REC_VCPU_SIZE_VER0,
			   "VER0 vCPU: its length kept");
		tap_eq_u64(v[0].rec.exits, 2, "VER0 vCPU: exits read");
		tap_eq_u64(v[0].rec.guest_ns, 0, "VER0 vCPU: guest_ns 0");
		tap_eq_u64(v[0].rec.user_ns, 0, "VER0 vCPU: user_ns 0");
		tap_eq_u64(v[0].nr_stats, 1, "VER0 vCPU: its row");
		tap_eq_u64(v[0].nr_kvm, 0, "no KVM record: nr_kvm 0");
		tap_eq_u64(v[1].rec.guest_ns, 5000000, "VER1 vCPU: guest_ns");
		tap_eq_u64(v[1].rec.user_ns, 250000, "VER1 vCPU: user_ns");
		tap_eq_u64(v[2].rec_len, KVMW_REC_VCPU_SIZE_VER1 + 24,
			   "longer vCPU: its length kept");
		tap_eq_u64(v[2].rec.user_ns, 250000,
			   "longer vCPU: known prefix read");
		tap_eq_u64(v[2].nr_stats, 1, "longer vCPU: its row");
	} else {
		tap_ok(false, "three vCPUs parsed");
	}
	kvmw_snap_free(&s);

	/* Shorter than the first version: malformed. */
	sb_free(&b);
	sb_init(&b);
	sb_vm(&b, 100, "100-11", 1, 0, 7);
	{
		struct kvmw_rec_vcpu r;

		memset(&r, 0, sizeof(r));
		r.hdr.type = KVMW_REC_VCPU;
		r.hdr.len = KVMW_REC_VCPU_SIZE_VER0 - 8;
		sb_raw(&b, &r, r.hdr.len);
	}
	tap_eq_u64((u64)(long)parse(&b, &s), (u64)(long)-EINVAL,
		   "vCPU record shorter than VER0 rejected");
	kvmw_snap_free(&s);
	sb_free(&b);
}

static void test_kvm_records(void)
{
	struct kvmw_snap s;
	unsigned int i;
	struct sb b;
	bool ok;

	sb_init(&b);
	sb_vm(&b, 100, "100-11", 4, 0, 7);
	sb_vcpu(&b, 0, 101, KVMW_ISA_SVM, 1, 1);
	sb_stat(&b, KVMW_STAT_EXIT, 0, SVM_HLT, 0, s_hlt, 2, 1, 0);
	sb_rip(&b, SVM_HLT, 0x1000, 2);
	sb_kvm(&b, KVMW_KVM_NR, KVMW_KVM_NR, 1000, 0);	/* all known */
	sb_vcpu(&b, 1, 102, KVMW_ISA_SVM, 0, 0);
	sb_kvm(&b, 5, 5, 2000, 0);			/* an older module */
	sb_vcpu(&b, 2, 103, KVMW_ISA_SVM, 0, 0);
	sb_kvm(&b, KVMW_KVM_NR + 3, KVMW_KVM_NR + 3, 3000, 2); /* newer */
	sb_vcpu(&b, 3, 104, KVMW_ISA_SVM, 0, 0);
	sb_kvm(&b, 0, 0, 0, 0);				/* unreadable */
	tap_eq_u64(parse(&b, &s), 0, "KVM records parse");
	if (s.nr_vms != 1 || s.vms[0].nr_vcpus != 4) {
		tap_ok(false, "four vCPUs parsed");
		kvmw_snap_free(&s);
		sb_free(&b);
		return;
	}
	tap_eq_u64(s.vms[0].vcpus[0].nr_kvm, KVMW_KVM_NR, "all values: nr");
	tap_eq_u64(s.vms[0].vcpus[0].nr_rips, 1, "RIP before it kept");
	for (ok = true, i = 0; i < KVMW_KVM_NR; i++)
		ok &= s.vms[0].vcpus[0].kvm[i] == 1000 + i;
	tap_ok(ok, "all values: each by its index");
	tap_eq_u64(s.vms[0].vcpus[1].nr_kvm, 5, "fewer values: nr 5");
	tap_eq_u64(s.vms[0].vcpus[1].kvm[4], 2004, "fewer values: 5th");
	tap_eq_u64(s.vms[0].vcpus[1].kvm[5], 0, "fewer values: 6th is 0");
	tap_eq_u64(s.vms[0].vcpus[2].nr_kvm, KVMW_KVM_NR,
		   "more values: capped at KVMW_KVM_NR");
	tap_eq_u64(s.vms[0].vcpus[2].kvm[KVMW_KVM_NR - 1],
		   3000 + KVMW_KVM_NR - 1, "more values: last known one");
	tap_eq_u64(s.vms[0].vcpus[3].nr_kvm, 0, "nr 0: nothing");
	kvmw_snap_free(&s);
	sb_free(&b);

	/* Misplaced or lying KVM records. */
	sb_init(&b);
	sb_vm(&b, 100, "100-11", 1, 0, 7);
	sb_vcpu(&b, 0, 101, KVMW_ISA_SVM, 1, 0);
	sb_kvm(&b, 1, 1, 0, 0);
	sb_stat(&b, KVMW_STAT_EXIT, 0, SVM_HLT, 0, s_hlt, 2, 1, 0);
	tap_eq_u64((u64)(long)parse(&b, &s), (u64)(long)-EINVAL,
		   "KVM record before the vCPU's rows rejected");
	kvmw_snap_free(&s);
	sb_free(&b);

	sb_init(&b);
	sb_vm(&b, 100, "100-11", 1, 0, 7);
	sb_vcpu(&b, 0, 101, KVMW_ISA_SVM, 0, 0);
	sb_kvm(&b, 1, 1, 0, 0);
	sb_kvm(&b, 1, 1, 0, 0);
	tap_eq_u64((u64)(long)parse(&b, &s), (u64)(long)-EINVAL,
		   "two KVM records for one vCPU rejected");
	kvmw_snap_free(&s);
	sb_free(&b);

	sb_init(&b);
	sb_vm(&b, 100, "100-11", 0, 0, 7);
	sb_kvm(&b, 1, 1, 0, 0);
	tap_eq_u64((u64)(long)parse(&b, &s), (u64)(long)-EINVAL,
		   "KVM record with no vCPU rejected");
	kvmw_snap_free(&s);
	sb_free(&b);

	sb_init(&b);
	sb_vm(&b, 100, "100-11", 1, 0, 7);
	sb_vcpu(&b, 0, 101, KVMW_ISA_SVM, 0, 0);
	sb_kvm(&b, 3, 4, 0, 0);
	tap_eq_u64((u64)(long)parse(&b, &s), (u64)(long)-EINVAL,
		   "KVM record claiming more values than it holds rejected");
	kvmw_snap_free(&s);
	sb_free(&b);

	sb_init(&b);
	sb_vm(&b, 100, "100-11", 1, 0, 7);
	sb_vcpu(&b, 0, 101, KVMW_ISA_SVM, 0, 0);
	sb_kvm(&b, 3, 3, 0, 0);
	sb_vm(&b, 200, "200-11", 0, 0, 8);
	tap_eq_u64(parse(&b, &s), 0, "a VM after a KVM record parses");
	tap_eq_u64(s.nr_vms, 2, "both VMs");
	kvmw_snap_free(&s);
	sb_free(&b);
}

static void test_names(void)
{
	unsigned int i, n_ns = 0, n_gauge = 0;
	bool ok = true;

	for (i = 0; i < KVMW_KVM_NR; i++) {
		const char *name = kvmw_kvm_stat_name(i);

		ok &= name && kvmw_kvm_stat_index(name) == (int)i;
		n_ns += kvmw_kvm_stat_is_ns(i);
		n_gauge += kvmw_kvm_stat_is_gauge(i);
	}
	tap_ok(ok, "every index has a name that maps back to it");
	tap_ok(!kvmw_kvm_stat_name(KVMW_KVM_NR), "no name past the end");
	tap_eq_str(kvmw_kvm_stat_name(KVMW_KVM_HALT_EXITS), "halt_exits",
		   "halt_exits named as KVM names it");
	tap_eq_str(kvmw_kvm_stat_name(KVMW_KVM_HALT_SUCCESSFUL_POLL),
		   "halt_successful_poll", "first generic stat");
	tap_eq_str(kvmw_kvm_stat_name(KVMW_KVM_NOTIFY_WINDOW_EXITS),
		   "notify_window_exits", "last x86 stat");
	tap_eq_u64((u64)kvmw_kvm_stat_index("io_exits"), KVMW_KVM_IO_EXITS,
		   "index of io_exits");
	tap_eq_u64((u64)(long)kvmw_kvm_stat_index("halt_poll_success_hist"),
		   (u64)-1L, "histograms are not exported: -1");
	tap_eq_u64((u64)(long)kvmw_kvm_stat_index(NULL), (u64)-1L, "NULL: -1");
	tap_eq_u64(n_ns, 3, "three nanosecond stats");
	tap_ok(kvmw_kvm_stat_is_ns(KVMW_KVM_HALT_WAIT_NS), "halt_wait_ns is ns");
	tap_eq_u64(n_gauge, 2, "two instant booleans");
	tap_ok(kvmw_kvm_stat_is_gauge(KVMW_KVM_BLOCKING) &&
	       kvmw_kvm_stat_is_gauge(KVMW_KVM_GUEST_MODE),
	       "blocking and guest_mode are gauges");
}

/* Sum of the exit rows' total (reason rows only). */
static u64 exits_total(const struct kvmw_stats *s)
{
	unsigned int i;
	u64 t = 0;

	for (i = 0; i < s->nr_rows; i++)
		if (!s->rows[i].sub)
			t += s->rows[i].st.total;
	return t;
}

static void test_time_split(void)
{
	struct kvmw_stats *s = calloc(1, sizeof(*s));

	if (!s)
		abort();
	kvmw_stats_init(s);
	/* First entry at 1000: nothing before it is timed. */
	kvmw_stats_entry(s, 1000, GEN);
	tap_eq_u64(s->guest_ns, 0, "first entry: no guest time yet");
	/* 4000 ns in the guest, a HLT handled in the kernel for 500. */
	kvmw_stats_exit(s, KVMW_ISA_SVM, SVM_HLT, 0, 0, 5000, GEN);
	kvmw_stats_entry(s, 5500, GEN);
	/* 1500 in the guest, an IO exit: 200 kernel, 3000 VMM, re-entry. */
	kvmw_stats_exit(s, KVMW_ISA_SVM, SVM_IO, 0, 0, 7000, GEN);
	kvmw_stats_user(s, 7200, GEN);
	/* A second return before entering (a signal): VMM time goes on. */
	kvmw_stats_user(s, 9000, GEN);
	kvmw_stats_entry(s, 10200, GEN);
	tap_eq_u64(s->guest_ns, 5500, "guest_ns: 4000 + 1500");
	tap_eq_u64(s->user_ns, 3000, "user_ns: first return to re-entry");
	tap_eq_u64(exits_total(s), 500 + 3200, "exits' total");
	tap_eq_u64(s->guest_ns + exits_total(s), 10200 - 1000,
		   "guest + exits = first entry to last entry");
	/* Clock going backwards between entry and exit: untimed. */
	kvmw_stats_exit(s, KVMW_ISA_SVM, SVM_HLT, 0, 0, 10100, GEN);
	tap_eq_u64(s->guest_ns, 5500, "negative guest interval untimed");
	kvmw_stats_entry(s, 10300, GEN);
	/* Probes re-attached while in the guest: that stint is stale. */
	kvmw_stats_exit(s, KVMW_ISA_SVM, SVM_HLT, 0, 0, 20000, GEN + 1);
	tap_eq_u64(s->guest_ns, 5500, "guest time of an older attach dropped");
	kvmw_stats_entry(s, 20100, GEN + 1);
	kvmw_stats_exit(s, KVMW_ISA_SVM, SVM_HLT, 0, 0, 20600, GEN + 1);
	tap_eq_u64(s->guest_ns, 6000, "new attach: timed again");
	/* A return to the VMM with no open exit is not VMM time. */
	kvmw_stats_entry(s, 20700, GEN + 1);
	kvmw_stats_exit(s, KVMW_ISA_SVM, SVM_IO, 0, 0, 21000, GEN + 1);
	kvmw_stats_user(s, 21100, GEN + 1);
	kvmw_stats_final(s);
	kvmw_stats_user(s, 21200, GEN + 1);
	tap_eq_u64(s->user_ns, 3000, "unfinished exit: its VMM time untimed");
	tap_eq_u64(s->user_without_exit, 1, "return with no exit counted");
	free(s);

	/* VMM time never exceeds its exit's time (clocks of two CPUs). */
	s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	kvmw_stats_init(s);
	kvmw_stats_entry(s, 0, GEN);
	kvmw_stats_exit(s, KVMW_ISA_SVM, SVM_IO, 0, 0, 5000, GEN);
	kvmw_stats_user(s, 4000, GEN);	/* read before the exit's clock */
	kvmw_stats_entry(s, 6000, GEN);
	tap_eq_u64(s->user_ns, 1000, "user_ns capped at the exit's 1000 ns");
	free(s);
}

void test_kvmstat(void)
{
	test_vcpu_sizes();
	test_kvm_records();
	test_names();
	test_time_split();
}
