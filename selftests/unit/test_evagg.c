// SPDX-License-Identifier: GPL-2.0
/*
 * Recorded events to statistics (tools/lib/evagg.c): hand-built EXIT
 * records give exact counts, totals, min, max, 128-bit sums of squares,
 * histograms and user counts per VM, vCPU, reason and key, accounted as
 * the module accounts them (negative exits untimed, SVM msr halves, the
 * breakdown key of the exit); the result prints the same table as a
 * snapshot built from the same samples by snapbuild (an independent
 * computation); selection; VM names; dirty pages; the diff of two
 * recordings with exact deltas, rates and order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evagg.h"
#include "fmt.h"
#include "report.h"
#include "snapbuild.h"
#include "snapshot.h"
#include "tap.h"
#include "tests.h"

#define SVM	KVMW_ISA_SVM
#define HLT	0x78
#define CPUID	0x72
#define IO	0x7b
#define MSR	0x7c
#define NPF	0x400
#define R	KVMW_SUB_READ
#define W	KVMW_SUB_WRITE
#define NOV	KVMW_EV_NO_VCPU

static u64 clock_ns = 1000000;
static unsigned int feed_errors;

struct exit_spec {
	u64 vm;
	int pid;
	u32 vcpu;
	u32 code;
	u64 dur;
	u32 flags;
	u64 info1;
	u16 key_kind, key_sub;
	u64 key;
	u64 rip;
};

static void feed_exit(struct kvmw_evagg *a, const struct exit_spec *s)
{
	struct kvmw_ev_exit x;

	memset(&x, 0, sizeof(x));
	x.hdr.type = KVMW_EV_TYPE_EXIT;
	x.hdr.size = sizeof(x);
	x.hdr.vcpu_id = s->vcpu;
	x.hdr.time_ns = clock_ns += 10;
	x.hdr.vm = s->vm;
	x.hdr.pid = s->pid;
	x.hdr.tid = s->pid + 1 + (int)s->vcpu;
	x.isa = SVM;
	x.code = s->code;
	x.info1 = s->info1;
	x.rip = s->rip;
	x.duration_ns = s->dur;
	x.key = s->key;
	x.key_kind = s->key_kind;
	x.key_sub = s->key_sub;
	x.flags = s->flags;
	if (kvmw_evagg_event(a, 0, &x.hdr))
		feed_errors++;
}

/* Exits of one reason (and key) with these durations, flags for all. */
static void feed_exits(struct kvmw_evagg *a, struct exit_spec s,
		       const u64 *durs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		s.dur = durs[i];
		feed_exit(a, &s);
	}
}

static void feed_vm(struct kvmw_evagg *a, u16 type, u64 vm, int pid,
		    const char *id, u32 nr_vcpus, u64 t)
{
	struct kvmw_ev_vm e;

	memset(&e, 0, sizeof(e));
	e.hdr.type = type;
	e.hdr.size = sizeof(e);
	e.hdr.vcpu_id = NOV;
	e.hdr.time_ns = t;
	e.hdr.vm = vm;
	e.hdr.pid = pid;
	e.ppid = pid - 1;
	e.nr_vcpus = nr_vcpus;
	snprintf(e.id, sizeof(e.id), "%s", id);
	kvmw_evagg_event(a, 1, &e.hdr);
}

static void feed_dirty(struct kvmw_evagg *a, u64 vm, int pid, u32 vcpu,
		       u32 slot, u64 gfn, u64 base, unsigned int times)
{
	struct kvmw_ev_dirty d;
	unsigned int i;

	memset(&d, 0, sizeof(d));
	d.hdr.type = KVMW_EV_TYPE_DIRTY;
	d.hdr.size = sizeof(d);
	d.hdr.vcpu_id = vcpu;
	d.hdr.vm = vm;
	d.hdr.pid = pid;
	d.gfn = gfn;
	d.rel_gfn = gfn - base;
	d.npages = 16384;
	d.hva = 0x7fbd5fe00000ULL;
	d.slot = slot;
	for (i = 0; i < times; i++) {
		d.hdr.time_ns = clock_ns += 10;
		kvmw_evagg_event(a, 0, &d.hdr);
	}
}

/* ---- the scenario ---- */

static const u64 hlt0[] = { 1000, 3000, 70000 };	/* vm 7, vCPU 0 */
static const u64 hlt0_user[] = { 5000 };		/* ... returned to VMM */
static const u64 msr_r[] = { 500, 900 };		/* RDMSR 0x8b */
static const u64 msr_w[] = { 700 };			/* WRMSR 0x6e0 */
static const u64 io0[] = { 2000, 4000 };		/* OUT 0x80, user */
static const u64 hlt1[] = { 2000, 6000 };		/* vm 7, vCPU 1 */
static const u64 npf1[] = { 10000 };			/* MMIO write */
static const u64 hlt9[] = { 4000 };			/* vm 9, vCPU 0 */
static const u64 cpuid8[] = { 300, (1ULL << 40) };	/* vm 8, vCPU 2 */
static const u64 zero[] = { 0 };

static void build(struct kvmw_evagg *a)
{
	struct kvmw_recf_vm v8 = {
		.serial = 8, .pid = 150, .ppid = 1, .created_ns = 5,
		.nr_vcpus = 3, .id = "150-12", .name = "win10",
	};
	struct exit_spec s;
	struct kvmw_ev_exit shortx;

	kvmw_evagg_init(a);
	tap_eq_u64(kvmw_evagg_vm(a, &v8), 0, "a VM from the file's table");
	feed_vm(a, KVMW_EV_TYPE_VM_CREATE, 7, 100, "100-11", 0, 77);

	s = (struct exit_spec){ .vm = 7, .pid = 100, .vcpu = 0, .code = HLT,
				.rip = 0x1000 };
	feed_exits(a, s, hlt0, ARRAY_SIZE(hlt0));
	s.flags = KVMW_EXIT_USER;
	feed_exits(a, s, hlt0_user, ARRAY_SIZE(hlt0_user));
	/* Untimed, as statistics: negative_time only (and its RIP). */
	s.flags = KVMW_EXIT_NEGATIVE;
	feed_exits(a, s, zero, 1);

	s = (struct exit_spec){ .vm = 7, .pid = 100, .vcpu = 0, .code = MSR,
				.key_kind = KVMW_STAT_MSR, .key_sub = R,
				.key = 0x8b, .rip = 0x2000 };
	feed_exits(a, s, msr_r, ARRAY_SIZE(msr_r));
	s.info1 = 1;
	s.key_sub = W;
	s.key = 0x6e0;
	feed_exits(a, s, msr_w, ARRAY_SIZE(msr_w));

	s = (struct exit_spec){ .vm = 7, .pid = 100, .vcpu = 0, .code = IO,
				.key_kind = KVMW_STAT_IOPORT, .key_sub = W,
				.key = 0x80, .flags = KVMW_EXIT_USER,
				.rip = 0x3000 };
	feed_exits(a, s, io0, ARRAY_SIZE(io0));

	s = (struct exit_spec){ .vm = 7, .pid = 100, .vcpu = 1, .code = HLT,
				.rip = 0x1000 };
	feed_exits(a, s, hlt1, ARRAY_SIZE(hlt1));
	s = (struct exit_spec){ .vm = 7, .pid = 100, .vcpu = 1, .code = NPF,
				.key_kind = KVMW_STAT_MMIO, .key_sub = W,
				.key = 0xd0000000ULL, .flags = KVMW_EXIT_USER,
				.rip = 0x4000 };
	feed_exits(a, s, npf1, ARRAY_SIZE(npf1));

	/* VM 9: never created nor listed; then destroyed. */
	s = (struct exit_spec){ .vm = 9, .pid = 200, .vcpu = 0, .code = HLT,
				.rip = 0x1000 };
	feed_exits(a, s, hlt9, ARRAY_SIZE(hlt9));
	feed_vm(a, KVMW_EV_TYPE_VM_GONE, 9, 200, "", 1, 99999);

	s = (struct exit_spec){ .vm = 8, .pid = 150, .vcpu = 2, .code = CPUID,
				.rip = 0x5000 };
	feed_exits(a, s, cpuid8, ARRAY_SIZE(cpuid8));

	/* A record of a known type too short to read: counted, not used. */
	memset(&shortx, 0, sizeof(shortx));
	shortx.hdr.type = KVMW_EV_TYPE_EXIT;
	shortx.hdr.size = 48;
	shortx.hdr.vm = 8;
	shortx.hdr.vcpu_id = 2;
	kvmw_evagg_event(a, 0, &shortx.hdr);
	tap_eq_u64(feed_errors, 0, "every record accepted");
}

/* The expected row of @n samples, computed here. */
static bool check_row(const struct kvmw_snap_vcpu *v, unsigned int kind,
		      unsigned int sub, u32 code, u64 key, const u64 *x,
		      size_t n, const u64 *y, size_t m, u64 user,
		      bool hist, const char *what)
{
	const struct kvmw_snap_stat *st = kvmw_snap_find(v, kind, sub, code,
							 key);
	u64 count = 0, total = 0, min = ~0ULL, max = 0;
	unsigned __int128 sq = 0;
	u64 h[KVMW_HIST_BUCKETS] = { 0 };
	size_t i;
	bool ok;

	if (!tap_ok(st != NULL, "%s: row present", what))
		return false;
	for (i = 0; i < n + m; i++) {
		u64 d = i < n ? x[i] : y[i - n];

		count++;
		total += d;
		min = d < min ? d : min;
		max = d > max ? d : max;
		sq += (unsigned __int128)d * d;
		h[sb_bucket(d)]++;
	}
	ok = tap_eq_u64(st->rec.count, count, "%s: count", what);
	ok &= tap_eq_u64(st->rec.total_ns, total, "%s: total", what);
	ok &= tap_eq_u64(st->rec.min_ns, min, "%s: min", what);
	ok &= tap_eq_u64(st->rec.max_ns, max, "%s: max", what);
	ok &= tap_eq_u64(st->rec.sumsq_lo, (u64)sq, "%s: sumsq low", what);
	ok &= tap_eq_u64(st->rec.sumsq_hi, (u64)(sq >> 64), "%s: sumsq high",
			 what);
	ok &= tap_eq_u64(st->rec.user, user, "%s: user", what);
	ok &= tap_eq_u64(st->rec.nr_buckets, hist ? KVMW_HIST_BUCKETS : 0,
			 "%s: buckets", what);
	for (i = 0; hist && i < KVMW_HIST_BUCKETS; i++)
		if (st->hist[i] != h[i])
			break;
	ok &= tap_ok(!hist || i == KVMW_HIST_BUCKETS,
		     "%s: histogram equal to the uapi's bucketing", what);
	return ok;
}

static const struct kvmw_snap_vcpu *find_vcpu(const struct kvmw_snap *s,
					      const char *vm, u32 id)
{
	size_t i, j;

	for (i = 0; i < s->nr_vms; i++)
		for (j = 0; j < s->vms[i].nr_vcpus; j++)
			if (!strcmp(s->vms[i].rec.id, vm) &&
			    s->vms[i].vcpus[j].rec.vcpu_id == id)
				return &s->vms[i].vcpus[j];
	return NULL;
}

static u64 rip_count(const struct kvmw_snap_vcpu *v, u32 code, u64 rip)
{
	size_t i;

	for (i = 0; i < v->nr_rips; i++)
		if (v->rips[i].code == code && v->rips[i].rip == rip)
			return v->rips[i].count;
	return 0;
}

static void test_rows(const struct kvmw_evagg *a)
{
	const struct kvmw_snap_vcpu *v;
	const char **names = NULL;
	struct kvmw_snap s;

	tap_eq_u64(a->counts.records, 19, "records seen");
	tap_eq_u64(a->counts.short_records, 1, "short EXIT record ignored");
	tap_eq_u64(a->counts.exits, 16, "EXIT records used");
	tap_eq_u64(a->counts.negative, 1, "negative exits");
	if (!tap_eq_u64(kvmw_evagg_snap(a, NULL, 123456, &s, &names), 0,
			"snapshot built"))
		return;
	tap_eq_u64(s.nr_vms, 3, "three VMs");
	tap_eq_u64(s.hdr.nr_vms, 3, "header: VMs");
	tap_eq_u64(s.hdr.nr_vcpus, 4, "header: vCPUs");
	tap_eq_u64(s.hdr.time_ns, 123456, "header: time");
	tap_eq_str(s.vms[0].rec.id, "100-11", "VM 7 named by VM_CREATE");
	tap_eq_u64(s.vms[0].rec.created_ns, 77, "VM 7 created at its record");
	tap_eq_u64(s.vms[0].rec.ppid, 99, "VM 7 ppid");
	tap_ok(names[0] == NULL, "VM 7 has no -name");
	tap_eq_str(s.vms[1].rec.id, "150-12", "VM 8 from the table");
	tap_eq_str(names[1], "win10", "VM 8's name");
	tap_eq_str(s.vms[2].rec.id, "200-?", "VM 9 only in events: id unknown");
	tap_ok(s.vms[2].rec.flags & KVMW_VM_GONE, "VM 9 gone");
	tap_eq_u64(s.vms[2].rec.gone_ns, 99999, "VM 9 gone time");
	tap_eq_u64(s.vms[2].rec.nr_vcpus, 1, "VM 9: one vCPU listed");

	v = find_vcpu(&s, "100-11", 0);
	if (tap_ok(v != NULL, "VM 7 vCPU 0")) {
		tap_eq_u64(v->rec.isa, SVM, "vCPU 0 isa");
		tap_eq_u64(v->rec.tid, 101, "vCPU 0 tid (last exit's)");
		check_row(v, KVMW_STAT_EXIT, 0, HLT, 0, hlt0, 3, hlt0_user,
			  1, 1, true, "vm7 vcpu0 hlt");
		check_row(v, KVMW_STAT_EXIT, 0, MSR, 0, msr_r, 2, msr_w, 1, 0,
			  true, "vm7 vcpu0 msr");
		check_row(v, KVMW_STAT_EXIT, R, MSR, 0, msr_r, 2, NULL, 0, 0,
			  true, "vm7 vcpu0 msr read (exit_info_1 0)");
		check_row(v, KVMW_STAT_EXIT, W, MSR, 0, msr_w, 1, NULL, 0, 0,
			  true, "vm7 vcpu0 msr write (exit_info_1 1)");
		check_row(v, KVMW_STAT_EXIT, 0, IO, 0, io0, 2, NULL, 0, 2,
			  true, "vm7 vcpu0 io");
		check_row(v, KVMW_STAT_MSR, R, 0, 0x8b, msr_r, 2, NULL, 0, 0,
			  false, "vm7 vcpu0 0x8b:R");
		check_row(v, KVMW_STAT_MSR, W, 0, 0x6e0, msr_w, 1, NULL, 0, 0,
			  false, "vm7 vcpu0 0x6e0:W");
		check_row(v, KVMW_STAT_IOPORT, W, 0, 0x80, io0, 2, NULL, 0, 2,
			  false, "vm7 vcpu0 0x80:POUT");
		tap_eq_u64(v->nr_stats, 8, "vm7 vcpu0: 8 rows");
		tap_eq_u64(v->rec.exits, 10, "vm7 vcpu0 exits (timed + negative)");
		tap_eq_u64(v->rec.entries, 10, "vm7 vcpu0 entries");
		tap_eq_u64(v->rec.negative_time, 1, "vm7 vcpu0 negative_time");
		tap_eq_u64(v->rec.user_returns, 3, "vm7 vcpu0 user returns");
		tap_eq_u64(rip_count(v, HLT, 0x1000), 5,
			   "hlt RIP counts the untimed exit too");
		tap_eq_u64(rip_count(v, MSR, 0x2000), 3, "msr RIP");
		tap_eq_u64(v->nr_rips, 3, "vm7 vcpu0: 3 RIPs");
	}
	v = find_vcpu(&s, "100-11", 1);
	if (tap_ok(v != NULL, "VM 7 vCPU 1")) {
		check_row(v, KVMW_STAT_EXIT, 0, HLT, 0, hlt1, 2, NULL, 0, 0,
			  true, "vm7 vcpu1 hlt");
		check_row(v, KVMW_STAT_MMIO, W, 0, 0xd0000000ULL, npf1, 1,
			  NULL, 0, 1, false, "vm7 vcpu1 0xd0000000:W");
		tap_eq_u64(v->nr_stats, 3, "vm7 vcpu1: hlt, npf, mmio");
	}
	v = find_vcpu(&s, "150-12", 2);
	if (tap_ok(v != NULL, "VM 8 vCPU 2"))
		check_row(v, KVMW_STAT_EXIT, 0, CPUID, 0, cpuid8, 2, NULL, 0,
			  0, true, "vm8 vcpu2 cpuid (one in the last buckets)");
	v = find_vcpu(&s, "200-?", 0);
	if (tap_ok(v != NULL, "VM 9 vCPU 0"))
		check_row(v, KVMW_STAT_EXIT, 0, HLT, 0, hlt9, 1, NULL, 0, 0,
			  true, "vm9 vcpu0 hlt");
	free(names);
	kvmw_snap_free(&s);
}

#define SB(kind, sub, code, key, x) \
	sb_stat(b, kind, sub, code, key, x, ARRAY_SIZE(x), 1, 0)

/* The same samples as a module snapshot, built by snapbuild. */
static void build_sb(struct sb *b)
{
	static const u64 hlt0_all[] = { 1000, 3000, 70000, 5000 };
	static const u64 msr_all[] = { 500, 900, 700 };

	sb_vm(b, 100, "100-11", 2, 0, 7);
	sb_vcpu(b, 0, 101, SVM, 8, 0);
	SB(KVMW_STAT_EXIT, 0, HLT, 0, hlt0_all);
	SB(KVMW_STAT_EXIT, 0, MSR, 0, msr_all);
	SB(KVMW_STAT_EXIT, R, MSR, 0, msr_r);
	SB(KVMW_STAT_EXIT, W, MSR, 0, msr_w);
	SB(KVMW_STAT_EXIT, 0, IO, 0, io0);
	sb_stat(b, KVMW_STAT_MSR, R, 0, 0x8b, msr_r, 2, 0, 0);
	sb_stat(b, KVMW_STAT_MSR, W, 0, 0x6e0, msr_w, 1, 0, 0);
	sb_stat(b, KVMW_STAT_IOPORT, W, 0, 0x80, io0, 2, 0, 0);
	sb_vcpu(b, 1, 102, SVM, 3, 0);
	SB(KVMW_STAT_EXIT, 0, HLT, 0, hlt1);
	SB(KVMW_STAT_EXIT, 0, NPF, 0, npf1);
	sb_stat(b, KVMW_STAT_MMIO, W, 0, 0xd0000000ULL, npf1, 1, 0, 0);
	sb_vm(b, 150, "150-12", 1, 0, 8);
	sb_vcpu(b, 2, 153, SVM, 1, 0);
	SB(KVMW_STAT_EXIT, 0, CPUID, 0, cpuid8);
	sb_vm(b, 200, "200-?", 1, KVMW_VM_GONE, 9);
	sb_vcpu(b, 0, 201, SVM, 1, 0);
	SB(KVMW_STAT_EXIT, 0, HLT, 0, hlt9);
}

static char *table_of(const struct kvmw_snap *s, enum kvmw_event e,
		      bool hist)
{
	struct kvmw_report_opts o = {
		.event = e, .sort = KVMW_SORT_SAMPLE,
		.name_width = KVMW_STAT_NAME_WIDTH, .target = "all VMs",
		.vcpu = -1, .top_rips = 10,
	};
	struct kvmw_agg agg;
	struct capture c;
	FILE *f = capture_begin(&c);

	if (!kvmw_agg_build(s, e, &agg)) {
		kvmw_agg_sort(&agg, o.sort);
		kvmw_report_table(f, &agg, &o);
		if (hist)
			kvmw_report_hist(f, &agg, &o);
		kvmw_agg_free(&agg);
	}
	capture_end(&c);
	return c.buf;
}

static void test_same_table(const struct kvmw_evagg *a)
{
	static const enum kvmw_event evs[] = {
		KVMW_EVENT_VMEXIT, KVMW_EVENT_IOPORT, KVMW_EVENT_MMIO,
		KVMW_EVENT_MSR,
	};
	struct kvmw_snap from_ev, from_sb;
	struct sb b;
	size_t i;

	sb_init(&b);
	build_sb(&b);
	if (!tap_eq_u64(kvmw_snap_parse(b.buf, b.len, &from_sb), 0,
			"snapbuild stream parses") ||
	    !tap_eq_u64(kvmw_evagg_snap(a, NULL, 0, &from_ev, NULL), 0,
			"events snapshot")) {
		sb_free(&b);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(evs); i++) {
		char *t1 = table_of(&from_ev, evs[i], evs[i] == KVMW_EVENT_VMEXIT);
		char *t2 = table_of(&from_sb, evs[i], evs[i] == KVMW_EVENT_VMEXIT);

		tap_eq_str(t1, t2, "--event %s: events print the table (and histograms) of the same samples' statistics",
			   kvmw_event_name(evs[i]));
		free(t1);
		free(t2);
	}
	kvmw_snap_free(&from_ev);
	kvmw_snap_free(&from_sb);
	sb_free(&b);
}

static void test_select(const struct kvmw_evagg *a)
{
	struct kvmw_evagg_sel sel = { .vcpu = -1 };
	struct kvmw_snap s;

	sel.vm = "100-11";
	kvmw_evagg_snap(a, &sel, 0, &s, NULL);
	tap_ok(s.nr_vms == 1 && !strcmp(s.vms[0].rec.id, "100-11") &&
	       s.vms[0].nr_vcpus == 2, "--vm 100-11: that VM, both vCPUs");
	kvmw_snap_free(&s);

	sel.vm = NULL;
	sel.vcpu = 1;
	kvmw_evagg_snap(a, &sel, 0, &s, NULL);
	tap_ok(s.nr_vms == 3 && s.vms[0].nr_vcpus == 1 &&
	       s.vms[0].vcpus[0].rec.vcpu_id == 1 && s.vms[1].nr_vcpus == 0 &&
	       s.vms[2].nr_vcpus == 0 && s.hdr.nr_vcpus == 1,
	       "--vcpu 1: only vCPUs 1");
	kvmw_snap_free(&s);

	sel.vcpu = -1;
	sel.pid = 150;
	kvmw_evagg_snap(a, &sel, 0, &s, NULL);
	tap_ok(s.nr_vms == 1 && s.vms[0].rec.pid == 150, "-p 150: VM 8");
	kvmw_snap_free(&s);

	sel.pid = 4242;
	kvmw_evagg_snap(a, &sel, 0, &s, NULL);
	tap_eq_u64(s.nr_vms, 0, "-p of no VM: empty");
	kvmw_snap_free(&s);
}

static void test_dirty(void)
{
	struct kvmw_evagg_sel sel = { .vcpu = -1 };
	struct kvmw_recf_vm v7 = {
		.serial = 7, .pid = 100, .id = "100-11", .name = "mig",
	};
	struct kvmw_evagg a;
	struct kvmw_dirty d;

	kvmw_evagg_init(&a);
	kvmw_evagg_vm(&a, &v7);
	feed_dirty(&a, 7, 100, 0, 3, 0xf0118, 0xf0000, 5);
	feed_dirty(&a, 7, 100, 1, 3, 0xf0118, 0xf0000, 2);
	feed_dirty(&a, 7, 100, 0, 3, 0xf0119, 0xf0000, 3);
	feed_dirty(&a, 9, 200, NOV, 1, 0x10, 0, 4);
	tap_eq_u64(a.counts.dirty, 14, "DIRTY records");

	if (tap_eq_u64(kvmw_evagg_dirty(&a, NULL, &d), 0, "dirty summary")) {
		tap_eq_u64(d.marks, 14, "marks");
		tap_eq_u64(d.nr_pages, 3, "distinct pages");
		tap_ok(d.nr_pages == 3 &&
		       d.pages[0].gfn == 0xf0118 && d.pages[0].count == 7 &&
		       d.pages[0].rel_gfn == 0x118 && d.pages[0].slot == 3 &&
		       d.pages[0].pid == 100 && d.pages[0].npages == 16384 &&
		       d.pages[1].gfn == 0x10 && d.pages[1].count == 4 &&
		       d.pages[2].gfn == 0xf0119 && d.pages[2].count == 3,
		       "pages by count, both vCPUs' marks summed");
		tap_ok(d.nr_vms == 2 && d.vms[0].serial == 7 &&
		       d.vms[0].marks == 10 && d.vms[0].pages == 2 &&
		       !strcmp(d.vms[0].id, "100-11") &&
		       !strcmp(d.vms[0].name, "mig") &&
		       d.vms[1].serial == 9 && d.vms[1].marks == 4 &&
		       d.vms[1].pages == 1 && d.vms[1].id == NULL &&
		       d.vms[1].pid == 200,
		       "per VM: marks and distinct pages");
		kvmw_dirty_free(&d);
	}
	sel.vcpu = 0;
	if (!kvmw_evagg_dirty(&a, &sel, &d)) {
		tap_ok(d.nr_pages == 2 && d.pages[0].count == 5 &&
		       d.pages[1].count == 3 && d.marks == 8 && d.nr_vms == 1,
		       "--vcpu 0: only its marks");
		kvmw_dirty_free(&d);
	}
	sel.vcpu = -1;
	sel.vm = "100-11";
	if (!kvmw_evagg_dirty(&a, &sel, &d)) {
		tap_ok(d.nr_pages == 2 && d.marks == 10,
		       "--vm: only that VM (an unnamed VM never matches)");
		kvmw_dirty_free(&d);
	}
	kvmw_evagg_free(&a);
}

/* ---- diff ---- */

static void many(struct kvmw_evagg *a, u32 code, u16 kind, u64 key,
		 u64 info1, unsigned int n)
{
	struct exit_spec s = { .vm = 1, .pid = 10, .vcpu = 0, .code = code,
			       .dur = 1000, .key_kind = kind, .key_sub = W,
			       .key = key, .info1 = info1 };
	unsigned int i;

	for (i = 0; i < n; i++)
		feed_exit(a, &s);
}

static const struct kvmw_diff_row *drow(const struct kvmw_diff *d,
					size_t i)
{
	return i < d->nr ? &d->rows[i] : NULL;
}

static void test_diff(void)
{
	struct kvmw_evagg ea, eb;
	struct kvmw_snap sa, sb;
	struct kvmw_agg aa, ab;
	struct kvmw_diff d;
	const struct kvmw_diff_row *r;

	kvmw_evagg_init(&ea);
	kvmw_evagg_init(&eb);
	many(&ea, IO, KVMW_STAT_IOPORT, 0x80, 0, 1000);
	many(&ea, HLT, 0, 0, 0, 10);
	many(&ea, MSR, KVMW_STAT_MSR, 0x6e0, 1, 6);
	many(&ea, MSR, KVMW_STAT_MSR, 0x8b, 0, 4);
	many(&eb, IO, KVMW_STAT_IOPORT, 0x80, 0, 3000);
	many(&eb, HLT, 0, 0, 0, 10);
	many(&eb, CPUID, 0, 0, 0, 5);
	many(&eb, MSR, KVMW_STAT_MSR, 0x6e0, 1, 12);
	many(&eb, MSR, KVMW_STAT_MSR, 0x8b, 0, 8);
	kvmw_evagg_snap(&ea, NULL, 0, &sa, NULL);
	kvmw_evagg_snap(&eb, NULL, 0, &sb, NULL);
	kvmw_agg_build(&sa, KVMW_EVENT_VMEXIT, &aa);
	kvmw_agg_build(&sb, KVMW_EVENT_VMEXIT, &ab);

	/* A: 2 s, B: 4 s */
	if (tap_eq_u64(kvmw_diff_build(&aa, 2000000000ULL, &ab,
				       4000000000ULL, &d), 0, "diff built")) {
		tap_eq_u64(d.nr, 6, "io, hlt, cpuid, msr and its two halves");
		tap_eq_u64(d.total_a, 1020, "total A (children not added)");
		tap_eq_u64(d.total_b, 3035, "total B");
		tap_ok(d.rate_a == 510.0 && d.rate_b == 758.75, "total rates");
		r = drow(&d, 0);
		tap_ok(r && r->code == IO && r->count_a == 1000 &&
		       r->count_b == 3000 && r->delta == 2000 &&
		       r->rate_a == 500.0 && r->rate_b == 750.0 &&
		       r->delta_rate == 250.0 && r->ratio == 1.5,
		       "io first: +2000, 500/s -> 750/s, x1.5");
		r = drow(&d, 1);
		tap_ok(r && r->code == HLT && r->delta == 0 &&
		       r->rate_a == 5.0 && r->rate_b == 2.5 &&
		       r->delta_rate == -2.5 && r->ratio == 0.5,
		       "hlt: same count, half the rate: -2.5/s");
		r = drow(&d, 2);
		tap_ok(r && r->code == CPUID && r->count_a == 0 &&
		       r->count_b == 5 && r->delta == 5 && isnan(r->rate_a) == 0 &&
		       r->rate_a == 0 && r->rate_b == 1.25 && isnan(r->ratio),
		       "cpuid only in B: +1.25/s, no ratio");
		r = drow(&d, 3);
		tap_ok(r && r->code == MSR && r->sub == 0 && r->delta == 10 &&
		       r->delta_rate == 0.0, "msr: +10, same rate");
		r = drow(&d, 4);
		tap_ok(r && r->code == MSR && r->sub == R && r->count_a == 4 &&
		       r->count_b == 8, "msr read right after msr");
		r = drow(&d, 5);
		tap_ok(r && r->code == MSR && r->sub == W && r->count_a == 6 &&
		       r->count_b == 12, "then msr write");
		kvmw_diff_free(&d);
	}
	/* Without durations: by |delta|. */
	if (!kvmw_diff_build(&aa, 0, &ab, 0, &d)) {
		tap_ok(d.nr == 6 && d.rows[0].code == IO &&
		       d.rows[1].code == MSR && d.rows[1].sub == 0 &&
		       d.rows[4].code == CPUID && d.rows[5].code == HLT &&
		       isnan(d.rows[0].rate_a),
		       "no duration: sorted by |delta|, rates unknown");
		kvmw_diff_free(&d);
	}
	kvmw_agg_free(&aa);
	kvmw_agg_free(&ab);

	kvmw_agg_build(&sa, KVMW_EVENT_IOPORT, &aa);
	kvmw_agg_build(&sb, KVMW_EVENT_IOPORT, &ab);
	if (!kvmw_diff_build(&aa, 2000000000ULL, &ab, 4000000000ULL, &d)) {
		tap_ok(d.nr == 1 && d.rows[0].kind == KVMW_STAT_IOPORT &&
		       d.rows[0].key == 0x80 && d.rows[0].sub == W &&
		       d.rows[0].delta == 2000,
		       "--event ioport: port 0x80 +2000");
		kvmw_diff_free(&d);
	}
	kvmw_agg_free(&aa);
	kvmw_agg_free(&ab);
	kvmw_snap_free(&sa);
	kvmw_snap_free(&sb);
	kvmw_evagg_free(&ea);
	kvmw_evagg_free(&eb);
}

static void test_label(void)
{
	struct kvmw_recf_reason names[] = {
		{ .isa = SVM, .code = 0x4ff, .name = "future_exit" },
	};
	struct kvmw_recf r = { .reasons = names, .nr_reasons = 1 };
	struct kvmw_agg_row row = { .isa = SVM, .code = 0x4ff };
	char buf[64];

	kvmw_evagg_label(buf, sizeof(buf), &row, NULL);
	tap_eq_str(buf, "UNKNOWN(0x4ff)", "a code this tool does not know");
	kvmw_evagg_label(buf, sizeof(buf), &row, &r);
	tap_eq_str(buf, "future_exit", "named from the recording's table");
	row.code = HLT;
	kvmw_evagg_label(buf, sizeof(buf), &row, &r);
	tap_eq_str(buf, "hlt", "a known code keeps this tool's name");
}

void test_evagg(void)
{
	struct kvmw_evagg a;

	build(&a);
	test_rows(&a);
	test_same_table(&a);
	test_select(&a);
	kvmw_evagg_free(&a);
	test_dirty();
	test_diff();
	test_label();
}
