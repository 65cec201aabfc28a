// SPDX-License-Identifier: GPL-2.0
/*
 * Recorded events to statistics (tools/lib/evagg.c): hand-built EXIT
 * records give exact counts, totals, min, max, 128-bit sums of squares,
 * histograms and user counts per VM, vCPU, reason and key, accounted as
 * the module accounts them (negative exits untimed, SVM msr halves, the
 * breakdown key of the exit); the result prints the same table as a
 * snapshot built from the same samples by snapbuild (an independent
 * computation); selection; VM names; dirty pages; the diff of two
 * recordings with exact deltas, rates and order; the vCPU scheduling
 * summary of hand-built LOAD/PUT sequences (stays, off-CPU time by how,
 * migrations, pCPUs, threads, window cuts, missing and inconsistent
 * records) with exact sums, and "report --sched" on the same records
 * written as a recording: exact text and JSON, selection, the error
 * without LOAD/PUT records, usage errors.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* ---- vCPU scheduling: LOAD/PUT ---- */

#define S0	1000000000ULL	/* the window: [S0, S0 + WIN] */
#define WIN	100000ULL
#define PRE	KVMW_PUT_PREEMPTED
#define BLK	KVMW_PUT_BLOCKED
#define USR	KVMW_PUT_USER
#define NOPCPU	(~0U)

struct sched_spec {
	u64 vm;
	int pid, tid;
	u32 vcpu;
	bool load;
	u64 t;		/* after S0 */
	u32 pcpu;	/* also the ring: a vCPU is loaded and put on its CPU */
	u32 prev_pcpu;
	u32 how;	/* PUT: how; LOAD: prev_how */
	u64 dur;	/* PUT: run_ns; LOAD: off_ns */
};

#define L(vm, pid, tid, vcpu, t, pcpu, prev, how, off) \
	{ vm, pid, tid, vcpu, true, t, pcpu, prev, how, off }
#define P(vm, pid, tid, vcpu, t, pcpu, how, run) \
	{ vm, pid, tid, vcpu, false, t, pcpu, 0, how, run }

/*
 * In file order: ring by ring, as a drain delivers them; the summary must
 * put them back in time order (#n: the order in time of VM 7's vCPU 0).
 *
 * VM 7 vCPU 0 (thread 101; thread 100 does one ioctl on it): running from
 * before the window until #1, a PUT whose load the kernel never saw
 * (run_ns 0). #9 and #10 have the same time on different rings: the PUT
 * comes first. The last record is a BLOCKED PUT: blocked until the end.
 *
 * VM 7 vCPU 1 (thread 102): a new vCPU (first LOAD without a previous put,
 * prev_how 0), a lost PUT between two LOADs (a gap), a PUT whose run_ns
 * is not the time since its LOAD (a mismatch), loaded at the end.
 *
 * VM 9 vCPU 0 (thread 201): one PUT of a stay begun long before the
 * window (cut at its start), then its VM is destroyed at 70000.
 */
static const struct sched_spec sched_recs[] = {
	/* ring 3 */
	L(7, 100, 101, 0, 3000, 3, 2, PRE, 2000),		/* #2 */
	P(7, 100, 101, 0, 8000, 3, BLK, 5000),			/* #3 */
	L(7, 100, 101, 0, 20000, 3, 3, BLK, 12000),		/* #4 */
	P(7, 100, 101, 0, 21000, 3, USR, 1000),			/* #5 */
	L(7, 100, 101, 0, 40000, 3, 0, USR, 9500),		/* #8 */
	P(7, 100, 101, 0, 50000, 3, PRE, 10000),		/* #9 */
	/* ring 2 */
	P(7, 100, 101, 0, 1000, 2, PRE, 0),			/* #1 */
	L(7, 100, 101, 0, 50000, 2, 3, PRE, 0),			/* #10 */
	P(7, 100, 101, 0, 60000, 2, BLK, 10000),		/* #11 */
	/* ring 0: the VMM's main thread, KVM_GET_REGS */
	L(7, 100, 100, 0, 30000, 0, 3, USR, 9000),		/* #6 */
	P(7, 100, 100, 0, 30500, 0, USR, 500),			/* #7 */
	/* ring 1 */
	L(7, 100, 102, 1, 10000, 1, NOPCPU, 0, 0),
	P(7, 100, 102, 1, 15000, 1, PRE, 5000),
	L(7, 100, 102, 1, 17000, 1, 1, PRE, 2000),
	L(7, 100, 102, 1, 30000, 1, 1, BLK, 4000),
	P(7, 100, 102, 1, 33000, 1, USR, 2000),
	L(7, 100, 102, 1, 90000, 1, 1, USR, 57000),
	/* ring 5 */
	P(9, 200, 201, 0, 65000, 5, USR, 2000000),
};

static void sched_record(const struct sched_spec *s, u64 seq,
			 struct kvmw_ev_load *l, struct kvmw_ev_put *p,
			 const struct kvmw_ev **ev)
{
	struct kvmw_ev *h = s->load ? &l->hdr : &p->hdr;

	memset(l, 0, sizeof(*l));
	memset(p, 0, sizeof(*p));
	h->type = s->load ? KVMW_EV_TYPE_LOAD : KVMW_EV_TYPE_PUT;
	h->size = s->load ? sizeof(*l) : sizeof(*p);
	h->vcpu_id = s->vcpu;
	h->seq = seq;
	h->time_ns = S0 + s->t;
	h->vm = s->vm;
	h->pid = s->pid;
	h->tid = s->tid;
	if (s->load) {
		l->pcpu = s->pcpu;
		l->prev_pcpu = s->prev_pcpu;
		l->prev_how = s->how;
		l->off_ns = s->dur;
	} else {
		p->pcpu = s->pcpu;
		p->how = s->how;
		p->run_ns = s->dur;
	}
	*ev = h;
}

/* The VM events around them: VM 9's destruction, on ring 5. */
static void sched_vm_gone(struct kvmw_ev_vm *e)
{
	memset(e, 0, sizeof(*e));
	e->hdr.type = KVMW_EV_TYPE_VM_GONE;
	e->hdr.size = sizeof(*e);
	e->hdr.vcpu_id = NOV;
	e->hdr.time_ns = S0 + 70000;
	e->hdr.vm = 9;
	e->hdr.pid = 200;
	e->nr_vcpus = 1;
}

static const struct kvmw_recf_vm sched_vm7 = {
	.serial = 7, .pid = 100, .ppid = 1, .nr_vcpus = 2, .id = "100-11",
	.name = "pinned",
};

static void sched_build(struct kvmw_evagg *a)
{
	u64 seq[8] = { 0 };
	struct kvmw_ev_load l;
	struct kvmw_ev_put p;
	struct kvmw_ev_vm gone;
	const struct kvmw_ev *ev;
	size_t i;
	int err = 0;

	kvmw_evagg_init(a);
	err |= kvmw_evagg_vm(a, &sched_vm7);
	for (i = 0; i < ARRAY_SIZE(sched_recs); i++) {
		sched_record(&sched_recs[i], seq[sched_recs[i].pcpu]++, &l, &p,
			     &ev);
		err |= kvmw_evagg_event(a, sched_recs[i].pcpu, ev);
	}
	sched_vm_gone(&gone);
	err |= kvmw_evagg_event(a, 5, &gone.hdr);
	/* Too short to read, and one without a vCPU: counted, not used. */
	sched_record(&sched_recs[0], 99, &l, &p, &ev);
	l.hdr.size = sizeof(struct kvmw_ev);
	err |= kvmw_evagg_event(a, 3, &l.hdr);
	sched_record(&sched_recs[1], 100, &l, &p, &ev);
	p.hdr.vcpu_id = NOV;
	err |= kvmw_evagg_event(a, 3, &p.hdr);
	tap_eq_u64(err, 0, "sched: every record accepted");
}

static const struct kvmw_sched_vcpu *sched_find(const struct kvmw_sched *s,
						u64 vm, u32 vcpu)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->vcpus[i].vm == vm && s->vcpus[i].vcpu_id == vcpu)
			return &s->vcpus[i];
	return NULL;
}

static void test_sched_vcpu0(const struct kvmw_sched_vcpu *v)
{
	const struct kvmw_sched_pcpu *c = v->pcpus;
	const struct kvmw_sched_thread *t = v->threads;

	tap_eq_str(v->id, "100-11", "sched vm7 vcpu0: VM id");
	tap_eq_str(v->name, "pinned", "sched vm7 vcpu0: VM name");
	tap_eq_u64(v->pid, 100, "sched vm7 vcpu0: pid");
	tap_eq_u64(v->loads, 5, "sched vm7 vcpu0: loads");
	tap_eq_u64(v->puts, 6, "sched vm7 vcpu0: puts (the first without a load)");
	tap_ok(v->puts_how[PRE] == 2 && v->puts_how[BLK] == 2 &&
	       v->puts_how[USR] == 2 && v->puts_how[0] == 0,
	       "sched vm7 vcpu0: puts by how: 2 preempted, 2 blocked, 2 user");
	/* 1000 (since the window's start) + 5000 + 1000 + 500 + 10000 * 2 */
	tap_eq_u64(v->run_count, 6, "sched vm7 vcpu0: stays on a CPU");
	tap_eq_u64(v->run_total_ns, 27500, "sched vm7 vcpu0: total");
	tap_eq_u64(v->run_min_ns, 500, "sched vm7 vcpu0: min");
	tap_eq_u64(v->run_max_ns, 10000, "sched vm7 vcpu0: max");
	tap_eq_u64(v->run_cut, 1, "sched vm7 vcpu0: one stay begun before the window");
	tap_eq_u64(v->open_ns, 0, "sched vm7 vcpu0: not on a CPU at the end");
	tap_eq_u64(v->running_ns, 27500, "sched vm7 vcpu0: running");
	tap_eq_u64(v->off_ns[PRE], 2000, "sched vm7 vcpu0: preempted 2000 + 0");
	tap_eq_u64(v->off_ns[BLK], 52000,
		   "sched vm7 vcpu0: blocked 12000 + 40000 from the last PUT to the end");
	tap_eq_u64(v->off_ns[USR], 18500, "sched vm7 vcpu0: user 9000 + 9500");
	tap_eq_u64(v->off_ns[0], 0, "sched vm7 vcpu0: no other how");
	tap_eq_u64(v->unknown_ns, 0, "sched vm7 vcpu0: the whole window accounted");
	tap_eq_u64(v->migrations, 4, "sched vm7 vcpu0: migrations 2>3, 3>0, 0>3, 3>2");
	tap_eq_u64(v->first_loads, 0, "sched vm7 vcpu0: no first load");
	tap_eq_u64(v->gaps, 0,
		   "sched vm7 vcpu0: no gap (equal times across rings: PUT first)");
	tap_eq_u64(v->mismatches, 0, "sched vm7 vcpu0: every record chains");
	tap_eq_u64(v->first_ns, S0 + 1000, "sched vm7 vcpu0: first record");
	tap_eq_u64(v->last_ns, S0 + 60000, "sched vm7 vcpu0: last record");
	tap_eq_u64(v->pcpu_last, 2, "sched vm7 vcpu0: last pCPU");
	tap_eq_u64(v->pcpu_most, 3, "sched vm7 vcpu0: most used pCPU");
	tap_ok(v->nr_pcpus == 3 &&
	       c[0].cpu == 3 && c[0].running_ns == 16000 && c[0].loads == 3 &&
	       c[1].cpu == 2 && c[1].running_ns == 11000 && c[1].loads == 1 &&
	       c[2].cpu == 0 && c[2].running_ns == 500 && c[2].loads == 1,
	       "sched vm7 vcpu0: pCPU 3 16000 ns, 2 11000, 0 500");
	tap_ok(v->nr_threads == 2 && v->tid == 101 &&
	       t[0].tid == 101 && t[0].loads == 4 && t[0].puts == 5 &&
	       t[0].running_ns == 27000 &&
	       t[1].tid == 100 && t[1].loads == 1 && t[1].puts == 1 &&
	       t[1].running_ns == 500,
	       "sched vm7 vcpu0: thread 101 runs it, 100 did one ioctl");
}

static void test_sched_vcpu1(const struct kvmw_sched_vcpu *v)
{
	tap_eq_u64(v->loads, 4, "sched vm7 vcpu1: loads");
	tap_eq_u64(v->puts, 2, "sched vm7 vcpu1: puts");
	tap_eq_u64(v->first_loads, 1, "sched vm7 vcpu1: a first load (new vCPU)");
	tap_eq_u64(v->gaps, 1, "sched vm7 vcpu1: a LOAD after a LOAD");
	tap_eq_u64(v->mismatches, 1,
		   "sched vm7 vcpu1: a PUT whose run_ns is not the time since its LOAD");
	tap_ok(v->run_count == 2 && v->run_total_ns == 7000 &&
	       v->run_min_ns == 2000 && v->run_max_ns == 5000 &&
	       v->run_cut == 0, "sched vm7 vcpu1: stays 5000 and 2000");
	tap_eq_u64(v->open_ns, 10000, "sched vm7 vcpu1: loaded at the end: 10000");
	tap_eq_u64(v->running_ns, 17000, "sched vm7 vcpu1: running");
	tap_ok(v->off_ns[PRE] == 2000 && v->off_ns[BLK] == 4000 &&
	       v->off_ns[USR] == 57000,
	       "sched vm7 vcpu1: off 2000 preempted, 4000 blocked, 57000 user");
	/* 10000 before its first load, 9000 of the lost PUT's stay, 1000 */
	tap_eq_u64(v->unknown_ns, 20000, "sched vm7 vcpu1: unknown");
	tap_ok(v->migrations == 0 && v->pcpu_most == 1 && v->pcpu_last == 1 &&
	       v->nr_pcpus == 1 && v->pcpus[0].running_ns == 17000 &&
	       v->tid == 102, "sched vm7 vcpu1: pCPU 1 only, thread 102");
}

static void test_sched_gone(const struct kvmw_sched_vcpu *v)
{
	tap_ok(v->id == NULL && v->pid == 200, "sched vm9: unnamed, pid 200");
	tap_ok(v->loads == 0 && v->puts == 1 && v->run_count == 1 &&
	       v->run_total_ns == 65000 && v->run_min_ns == 65000 &&
	       v->run_max_ns == 65000 && v->run_cut == 1,
	       "sched vm9: a PUT without a LOAD, its stay cut at the window's start");
	tap_eq_u64(v->off_ns[USR], 5000,
		   "sched vm9: user from its PUT until its VM is gone");
	tap_eq_u64(v->unknown_ns, 30000, "sched vm9: unknown after the VM is gone");
	tap_eq_u64(v->first_loads + v->gaps + v->mismatches + v->migrations,
		   0, "sched vm9: nothing else");
}

static void test_sched(void)
{
	struct kvmw_evagg_sel sel = { .vcpu = -1 };
	const struct kvmw_sched_vcpu *v;
	struct kvmw_evagg a, none;
	struct kvmw_sched s;

	sched_build(&a);
	tap_eq_u64(a.nr_sched, ARRAY_SIZE(sched_recs), "sched: records kept");
	tap_eq_u64(a.counts.short_records, 2,
		   "sched: a short LOAD and a PUT without vCPU ignored");
	if (!tap_eq_u64(kvmw_evagg_sched(&a, NULL, S0, S0 + WIN, &s), 0,
			"sched: summary built")) {
		kvmw_evagg_free(&a);
		return;
	}
	tap_eq_u64(s.nr, 3, "sched: three vCPUs");
	tap_eq_u64(s.records, ARRAY_SIZE(sched_recs), "sched: records used");
	tap_ok(s.nr == 3 && s.vcpus[0].vm == 7 && s.vcpus[0].vcpu_id == 0 &&
	       s.vcpus[1].vm == 7 && s.vcpus[1].vcpu_id == 1 &&
	       s.vcpus[2].vm == 9, "sched: by VM, then vCPU");
	v = sched_find(&s, 7, 0);
	if (tap_ok(v != NULL, "sched: VM 7 vCPU 0"))
		test_sched_vcpu0(v);
	v = sched_find(&s, 7, 1);
	if (tap_ok(v != NULL, "sched: VM 7 vCPU 1"))
		test_sched_vcpu1(v);
	v = sched_find(&s, 9, 0);
	if (tap_ok(v != NULL, "sched: VM 9 vCPU 0"))
		test_sched_gone(v);
	kvmw_sched_free(&s);

	sel.vcpu = 1;
	kvmw_evagg_sched(&a, &sel, S0, S0 + WIN, &s);
	tap_ok(s.nr == 1 && s.vcpus[0].vm == 7 && s.vcpus[0].vcpu_id == 1 &&
	       s.records == 6, "sched --vcpu 1: its 6 records");
	kvmw_sched_free(&s);
	sel.vcpu = -1;
	sel.pid = 200;
	kvmw_evagg_sched(&a, &sel, S0, S0 + WIN, &s);
	tap_ok(s.nr == 1 && s.vcpus[0].vm == 9, "sched -p 200: VM 9");
	kvmw_sched_free(&s);
	sel.pid = 0;
	sel.vm = "100-11";
	kvmw_evagg_sched(&a, &sel, S0, S0 + WIN, &s);
	tap_ok(s.nr == 2 && s.records == 17, "sched --vm 100-11: both vCPUs");
	kvmw_sched_free(&s);

	/*
	 * A window that starts later: the records before it are left out
	 * (counted), the intervals that began before it are cut.
	 */
	kvmw_evagg_sched(&a, NULL, S0 + 25000, S0 + WIN, &s);
	tap_eq_u64(s.outside, 8, "sched: window from 25000: 8 records before it");
	v = sched_find(&s, 7, 0);
	tap_ok(v && v->run_count == 3 && v->run_min_ns == 500 &&
	       v->run_total_ns == 500 + 10000 + 10000 &&
	       v->off_ns[USR] == 5000 + 9500 && v->off_ns[BLK] == 40000 &&
	       v->off_ns[PRE] == 0 && v->unknown_ns == 0 &&
	       v->running_ns + v->off_ns[USR] + v->off_ns[BLK] == 75000,
	       "sched: window from 25000: #6's 9000 ns of user time cut to 5000");
	kvmw_sched_free(&s);

	kvmw_evagg_init(&none);
	kvmw_evagg_sched(&none, NULL, S0, S0 + WIN, &s);
	tap_ok(none.nr_sched == 0 && s.nr == 0 && s.records == 0,
	       "sched: no LOAD/PUT records, no vCPUs");
	kvmw_sched_free(&s);
	kvmw_evagg_free(&none);
	kvmw_evagg_free(&a);
}

/* ---- report --sched on a written recording ---- */

struct run {
	int status;
	char *out, *err;
};

static char *read_back(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)(len > 0 ? len : 0) + 1);

	if (buf && len > 0 && pread(fd, buf, (size_t)len, 0) != len)
		buf[0] = '\0';
	close(fd);
	return buf;
}

/* kvmwatch (KVMW_TEST_BIN) with these NULL-terminated arguments. */
static void run(struct run *r, ...)
{
	char *argv[16] = { "kvmwatch" };
	int out = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	int err = open("/tmp", O_TMPFILE | O_RDWR, 0600), argc = 1, st;
	va_list ap;
	pid_t pid;

	va_start(ap, r);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		dup2(out, 1);
		dup2(err, 2);
		execv(getenv("KVMW_TEST_BIN"), argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = read_back(out);
	r->err = read_back(err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/*
 * sched_recs as "record -e sched" writes them: a chunk per ring in turn,
 * VM 7 in the VMs section, and the trailer (nothing lost). Without
 * @with_sched, only VM 9's VM_GONE, recorded with the families @families.
 */
static int sched_file(const char *path, bool with_sched, u64 families)
{
	struct kvmw_recf_trailer t = { .end_mono_ns = S0 + WIN };
	struct kvmw_recf_cpu cpus[8];
	struct kvmw_recf_header h;
	struct kvmw_recf_writer w;
	struct kvmw_ev_load l;
	struct kvmw_ev_put p;
	struct kvmw_ev_vm gone;
	const struct kvmw_ev *ev;
	u64 seq[8] = { 0 };
	size_t i, n = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), err;

	memset(&h, 0, sizeof(h));
	h.abi = KVMW_ABI_VERSION;
	h.nr_rings = 8;
	h.families = families;
	h.start_mono_ns = S0;
	h.filter.size = sizeof(h.filter);
	err = kvmw_recw_init(&w, fd);
	err |= kvmw_recw_header(&w, &h);
	err |= kvmw_recw_vms(&w, &sched_vm7, 1);
	for (i = 0; with_sched && i < ARRAY_SIZE(sched_recs); i++) {
		sched_record(&sched_recs[i], seq[sched_recs[i].pcpu]++, &l, &p,
			     &ev);
		err |= kvmw_recw_event(&w, sched_recs[i].pcpu, ev);
	}
	sched_vm_gone(&gone);
	gone.hdr.seq = seq[5]++;
	err |= kvmw_recw_event(&w, 5, &gone.hdr);
	memset(cpus, 0, sizeof(cpus));
	for (i = 0; i < 8; i++)
		if (seq[i]) {
			cpus[n].cpu = (u32)i;
			cpus[n].produced = seq[i];
			cpus[n++].received = seq[i];
		}
	err |= kvmw_recw_trailer(&w, &t, cpus, n);
	kvmw_recw_free(&w);
	if (fd >= 0)
		close(fd);
	return fd < 0 ? -1 : err;
}

static void test_sched_cli(void)
{
	char dir[] = "/tmp/kvmwatch-sched.XXXXXX", path[64], none[64];
	char idle[64], want[256];
	struct run r;

	if (!getenv("KVMW_TEST_BIN")) {
		tap_skip("KVMW_TEST_BIN unset", "report --sched command line");
		return;
	}
	if (!tap_ok(mkdtemp(dir) != NULL, "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/sched.rec", dir);
	snprintf(none, sizeof(none), "%s/none.rec", dir);
	snprintf(idle, sizeof(idle), "%s/idle.rec", dir);
	tap_eq_u64(sched_file(path, true, KVMW_ENABLE_SCHED | KVMW_ENABLE_VM),
		   0, "report --sched: recording written");
	tap_eq_u64(sched_file(none, false, KVMW_ENABLE_EXIT | KVMW_ENABLE_IO |
			      KVMW_ENABLE_VM), 0,
		   "report --sched: recording without LOAD/PUT written");
	tap_eq_u64(sched_file(idle, false, KVMW_ENABLE_SCHED | KVMW_ENABLE_VM),
		   0, "report --sched: recording -e sched of no vCPU written");

	run(&r, "report", "--sched", path, NULL);
	tap_eq_u64(r.status, 0, "report --sched: exit 0");
	tap_eq_str(r.err, "", "report --sched: nothing on stderr");
	tap_contains(r.out, "# lost: 0 of 19 records produced\n",
		     "report --sched: the recording's header");
	tap_contains(r.out, "vCPU scheduling: 18 LOAD/PUT records, 3 vCPUs, 0.000 s; times in ms\n",
		     "report --sched: what was summarised");
	tap_contains(r.out, "\npid          tid          total_time   max_time     min_time     counts       vcpuid       pcpuid       preempted_ms blocked_ms   user_ms      migrations   pcpus\n"
		     "------------ ------------ ------------ ------------ ------------ ------------ ------------ ------------ ------------ ------------ ------------ ------------ ------------\n",
		     "report --sched: kvm_watcher -o's columns, then ours");
	tap_contains(r.out, "\n100          101          0.0275       0.0100       0.0005       6            0            3            0.0020       0.0520       0.0185       4            3:58%,2:40%,0:2%\n",
		     "report --sched: VM 7 vCPU 0's row");
	tap_contains(r.out, "\n100          102          0.0070       0.0050       0.0020       2            1            1            0.0020       0.0040       0.0570       0            1:100%\n",
		     "report --sched: VM 7 vCPU 1's row");
	tap_contains(r.out, "\n200          201          0.0650       0.0650       0.0650       1            0            5            0.0000       0.0000       0.0050       0            5:100%\n",
		     "report --sched: VM 9 vCPU 0's row");
	tap_contains(r.out, "\nVM               vcpuid      running  preempted    blocked       user    unknown      mean_ms\n"
		     "100-11           0             27.50       2.00      52.00      18.50       0.00       0.0046\n"
		     "100-11           1             17.00       2.00       4.00      57.00      20.00       0.0035\n"
		     "200-?            0             65.00       0.00       0.00       5.00      30.00       0.0650\n",
		     "report --sched: shares of the window");
	tap_contains(r.out, "# VM 100-11 vCPU 1: gaps: 1 (", "report --sched: the gap said");
	tap_contains(r.out, "# VM 100-11 vCPU 1: mismatches: 1 (",
		     "report --sched: the mismatch said");
	run_free(&r);

	run(&r, "report", "--sched", "--json", path, NULL);
	tap_eq_u64(r.status, 0, "report --sched --json: exit 0");
	tap_contains(r.out, "\"start_ns\":1000000000,\"end_ns\":1000100000,\"window_ns\":100000,\"records\":18,\"outside\":0,\"vcpus\":[{\"vm\":\"100-11\",",
		     "report --sched --json: the window");
	tap_contains(r.out, "{\"vm\":\"100-11\",\"pid\":100,\"name\":\"pinned\",\"serial\":7,\"vcpu\":0,\"tid\":101,\"loads\":5,\"puts\":6,"
		     "\"puts_how\":{\"preempted\":2,\"blocked\":2,\"user\":2,\"other\":0},"
		     "\"run\":{\"count\":6,\"total_ns\":27500,\"min_ns\":500,\"max_ns\":10000,\"mean_ns\":4583,\"cut\":1,\"open_ns\":0},"
		     "\"running_ns\":27500,\"off\":{\"preempted_ns\":2000,\"blocked_ns\":52000,\"user_ns\":18500,\"other_ns\":0},\"unknown_ns\":0,"
		     "\"pct\":{\"running\":27.50,\"preempted\":2.00,\"blocked\":52.00,\"user\":18.50,\"other\":0.00,\"unknown\":0.00},"
		     "\"migrations\":4,\"first_loads\":0,\"gaps\":0,\"mismatches\":0,\"first_ns\":1000001000,\"last_ns\":1000060000,"
		     "\"pcpu_last\":2,\"pcpu_most\":3,"
		     "\"pcpus\":[{\"cpu\":3,\"loads\":3,\"running_ns\":16000,\"share\":58.18},{\"cpu\":2,\"loads\":1,\"running_ns\":11000,\"share\":40.00},{\"cpu\":0,\"loads\":1,\"running_ns\":500,\"share\":1.82}],"
		     "\"threads\":[{\"tid\":101,\"loads\":4,\"puts\":5,\"running_ns\":27000},{\"tid\":100,\"loads\":1,\"puts\":1,\"running_ns\":500}]}",
		     "report --sched --json: VM 7 vCPU 0, every field");
	tap_contains(r.out, "\"vcpu\":1,\"tid\":102,\"loads\":4,\"puts\":2,",
		     "report --sched --json: VM 7 vCPU 1");
	tap_contains(r.out, "{\"vm\":null,\"pid\":200,\"name\":null,\"serial\":9,\"vcpu\":0,",
		     "report --sched --json: VM 9, unnamed");
	run_free(&r);

	run(&r, "report", "--sched", "--vcpu", "1", "--json", path, NULL);
	tap_contains(r.out, "\"records\":6,\"outside\":0,\"vcpus\":[{\"vm\":\"100-11\",\"pid\":100,\"name\":\"pinned\",\"serial\":7,\"vcpu\":1,",
		     "report --sched --vcpu 1: only that vCPU");
	tap_ok(r.out && !strstr(r.out, "\"vcpu\":0"),
	       "report --sched --vcpu 1: no vCPU 0");
	run_free(&r);

	run(&r, "report", "--sched", none, NULL);
	tap_eq_u64(r.status, 1, "report --sched without LOAD/PUT: exit 1");
	snprintf(want, sizeof(want),
		 "kvmwatch: %s: no vCPU scheduling records: record with -e sched\n",
		 none);
	tap_eq_str(r.err, want, "report --sched without LOAD/PUT: the message");
	tap_eq_str(r.out, "", "report --sched without LOAD/PUT: no output");
	run_free(&r);
	run(&r, "report", "--sched", "--json", none, NULL);
	tap_ok(r.status == 1 && !r.out[0],
	       "report --sched --json without LOAD/PUT: exit 1, no JSON");
	run_free(&r);
	run(&r, "report", "--sched", idle, NULL);
	snprintf(want, sizeof(want),
		 "kvmwatch: %s: no vCPU scheduling records: no selected vCPU was loaded while recording\n",
		 idle);
	tap_ok(r.status == 1 && !strcmp(r.err, want) && !r.out[0],
	       "report --sched of -e sched with no vCPU: exit 1, says so");
	run_free(&r);

	run(&r, "report", "--sched", "--dirty", path, NULL);
	tap_ok(r.status == 2 && !strcmp(r.err,
	       "kvmwatch report: --sched and --dirty conflict\n"
	       "Try 'kvmwatch report --help'.\n"),
	       "report --sched --dirty: usage error");
	run_free(&r);
	run(&r, "report", "--diff", "--sched", path, path, NULL);
	tap_ok(r.status == 2 && strstr(r.err, "--diff and --sched conflict\n"),
	       "report --diff --sched: usage error");
	run_free(&r);
	run(&r, "report", "--sched", "--hist", path, NULL);
	tap_ok(r.status == 2 && strstr(r.err,
	       "--hist and --rips do not apply to --sched\n"),
	       "report --sched --hist: usage error");
	run_free(&r);
	run(&r, "report", "--sched", "--event", "msr", path, NULL);
	tap_ok(r.status == 2 && strstr(r.err,
	       "--event and --key do not apply to --sched\n"),
	       "report --sched --event: usage error");
	run_free(&r);
	run(&r, "report", "--sched", "--top", "3", path, NULL);
	tap_ok(r.status == 2 && strstr(r.err, "--top needs --dirty\n"),
	       "report --sched --top: usage error");
	run_free(&r);
	run(&r, "report", "--help", NULL);
	tap_contains(r.out, "kvmwatch report --sched [-p PID] [--vm ID] [--vcpu N] [--json] FILE\n",
		     "report --help: --sched's synopsis");
	run_free(&r);
	unlink(path);
	unlink(none);
	unlink(idle);
	rmdir(dir);
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
	test_sched();
	test_sched_cli();
}
