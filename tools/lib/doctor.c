// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch doctor's diagnosis: per vCPU, rates over the window from the
 * statistics rows, compared with what a healthy guest does. Every
 * threshold below is derived from first principles and the field reports
 * (seeds 000-002), never from a measured rig; docs/doctor.md explains
 * them for users.
 *
 * Cost: the handling time (kvm_exit to kvm_entry) of the exits a finding
 * covers, per second of window. HLT exits are never part of a cost: their
 * "handling time" is mostly time the vCPU sat halted, which costs the
 * host nothing. The event kinds define theirs below: halt-poll-waste,
 * the time KVM polled in vain; vcpu-preemption and dirty-rate, none (a
 * stall and a migration that cannot converge are not host CPU time).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "json.h"
#include "names.h"
#include "util.h"

#define NSEC_PER_SEC	1000000000ULL

/* Exit reasons: VMX basic reasons (SDM vol. 3 app. C), SVM exit codes. */
#define VMX_HLT		12
#define VMX_IO		30
#define VMX_MSR_WRITE	32
#define SVM_HLT		0x78
#define SVM_IOIO	0x7b
#define SVM_MSR		0x7c
#define VMX_EXTINT	1	/* EXTERNAL_INTERRUPT */
#define SVM_INTR	0x60

/*
 * A periodic tick runs at HZ: 100, 250, 300 or 1000 on Linux, 64 (up to
 * 1000 with timeBeginPeriod) on Windows. A tickless (NO_HZ_IDLE) idle
 * Linux vCPU wakes only for real timers, typically well under 50 times a
 * second; seed 002's healthy guest shows ~140 wake-ups/s for the whole
 * VM. So an idle vCPU that reprograms its LAPIC timer at 80% or more of
 * the lowest Linux HZ (100) is taking a tick; below that it is not
 * distinguishable from a tickless guest with busy timers.
 */
#define TICK_RATE_MIN		80

/*
 * "Idle": the vCPU spent at least half of its own time halted, its own
 * time being the window less the host's handling of its other exits
 * (their handling time is the host's work, not the guest's: a guest
 * whose clock reads each cost the host 100 us is no busier for it). HLT
 * exits' handling time is the time halted. A busy vCPU's tick is
 * legitimate: the scheduler needs it.
 */
#define IDLE_SHARE_PCT		50

/*
 * A tick taken while idle is one wake-up from HLT per timer write: the
 * HLT rate must be at least half the timer-write rate (a tick that
 * finds the vCPU running needs no HLT, so the pairing is not 1:1).
 */
#define TICK_HLT_PER_WRITE_PCT	50

/*
 * Emulated clock/timer ports: a guest with a good clocksource (kvm-clock,
 * the TSC, Hyper-V's reference TSC page) and timer (TSC deadline, Hyper-V
 * synthetic timers) touches them only at boot and calibration, less than
 * once a second in steady state. 100 accesses/s per vCPU is one per tick
 * of the slowest Linux HZ: a steady rate above it means the guest uses
 * the device as its clocksource (ACPI PM timer: seed 001's 55k exits/s)
 * or as its periodic timer (PIT, RTC).
 */
#define CLOCK_RATE_MIN		100

/*
 * WRMSR exits of an idle vCPU: each wake-up of a healthy idle vCPU writes
 * at most its timer (TSC_DEADLINE) and an EOI (x2APIC or Hyper-V, when
 * not accelerated): two per wake-up. Even a periodic tick at the highest
 * HZ (1000) stays within 2000/s. Beyond that the writes are not timer
 * housekeeping: seed 000's idle Windows guest spent 70% of a host CPU on
 * them. Writes already explained by a timer-tick finding don't count.
 */
#define MSR_STORM_RATE_MIN	2000

/*
 * External-interrupt exits: while a vCPU runs, every host interrupt on
 * its pCPU forces an exit. The host's own tick is HZ of them a second
 * (Debian: HZ=250; 1000 is the highest HZ any kernel is built with), so
 * a busy vCPU alone on its pCPU legitimately takes up to about HZ/s.
 * 1000/s is 4x Debian's tick and the most any tick gives: above it, other
 * interrupts (device IRQs, IPIs, reschedules for other tasks, timers of
 * other tasks) land on the vCPU's pCPU (seed 003). The guest's own
 * LAPIC timer is not noise: where KVM emulates it with a host hrtimer
 * (AMD without AVIC, Intel without the preemption timer), each timer
 * the guest programs fires at most one host interrupt, so as many
 * exits as the vCPU made timer writes are left out first.
 */
#define INTR_RATE_MIN		1000

/*
 * Halt polling: KVM polls up to halt_poll_ns (200 us by default) before
 * it sleeps. Reported when the polls that fail cost >= 50 ms of host CPU
 * per second (5% of a CPU: a failed poll of the whole default window on
 * every tick of HZ=250, 250 x 200 us) and fail more often than they
 * succeed: KVM's grow/shrink rule keeps polling worthwhile only when most
 * wake-ups come within the window; failing more than half the time means
 * the wake-ups come just after it and the window keeps moving.
 */
#define HALT_WASTE_MIN_NS_PER_S	50000000ULL

/*
 * Preemption: the vCPU thread was runnable but not running (LOAD after a
 * KVMW_PUT_PREEMPTED put: off_ns) for >= 10% of the window. A vCPU on a
 * pCPU of its own loses only what kernel threads and interrupts take
 * there, far below 1%; at 10% the guest loses a tenth of its CPU to
 * other host tasks and sees it as steal time.
 */
#define STALL_SHARE_PCT		10

/*
 * Dirty rate: pre-copy migration sends dirtied pages (4 KiB: x86's dirty
 * log granularity) at the link's bandwidth; when the guest dirties
 * pages at least as fast as they are sent, every pass re-dirties as
 * much as it sends, the remainder never fits QEMU's downtime-limit
 * (300 ms by default) and migration never converges. So: pages/s x 4096
 * >= bandwidth. The bandwidth is the operator's link (--migration-
 * bandwidth), QEMU's default max-bandwidth (128 MiB/s) if not given.
 */
#define DIRTY_PAGE_SIZE		4096ULL

/* xAPIC timer initial count register, at the default APIC base. */
#define XAPIC_TMICT_GPA		0xfee00380ULL
#define X2APIC_TMICT		0x838
#define MSR_TSC_DEADLINE	0x6e0

const char *kvmw_finding_kind_name(enum kvmw_finding_kind k)
{
	switch (k) {
	case KVMW_FIND_TIMER_TICK:
		return "timer-tick";
	case KVMW_FIND_CLOCK_IOPORT:
		return "clock-ioport-storm";
	case KVMW_FIND_MSR_STORM:
		return "msr-write-storm";
	case KVMW_FIND_INTR_NOISE:
		return "interrupt-noise";
	case KVMW_FIND_HALT_POLL:
		return "halt-poll-waste";
	case KVMW_FIND_PREEMPTION:
		return "vcpu-preemption";
	case KVMW_FIND_DIRTY_RATE:
		return "dirty-rate";
	}
	return "unknown";
}

/* @count events in @window_ns, at least @min per second (exact). */
static bool rate_at_least(u64 count, u64 window_ns, u64 min)
{
	return (unsigned __int128)count * NSEC_PER_SEC >=
	       (unsigned __int128)min * window_ns;
}

static double rate(u64 count, u64 window_ns)
{
	return (double)count * 1e9 / (double)window_ns;
}

static bool is_timer_write(const struct kvmw_snap_stat *st)
{
	const struct kvmw_rec_stat *r = &st->rec;

	if (r->sub != KVMW_SUB_WRITE)
		return false;
	if (r->kind == KVMW_STAT_MSR)
		return r->key == MSR_TSC_DEADLINE || r->key == X2APIC_TMICT;
	return r->kind == KVMW_STAT_MMIO && r->key == XAPIC_TMICT_GPA;
}

enum clock_dev { CLK_NONE, CLK_ACPI_PM, CLK_PIT, CLK_RTC, CLK_NR };

static const char *const clock_dev_name[CLK_NR] = {
	[CLK_ACPI_PM] = "ACPI PM timer",
	[CLK_PIT] = "PIT",
	[CLK_RTC] = "RTC/CMOS",
};

/* The emulated clock or timer behind port @port (names.c's ranges). */
static enum clock_dev clock_port(u64 port)
{
	if ((port >= 0x608 && port <= 0x60b) ||	/* q35 (ICH9) */
	    (port >= 0xb008 && port <= 0xb00b))	/* i440fx (PIIX4) */
		return CLK_ACPI_PM;
	if (port >= 0x40 && port <= 0x43)
		return CLK_PIT;
	if (port == 0x70 || port == 0x71)
		return CLK_RTC;
	return CLK_NONE;
}

/* Add a key to @f, keeping the biggest KVMW_FIND_MAX_KEYS by count. */
static void add_key(struct kvmw_finding *f, const struct kvmw_snap_stat *st)
{
	struct kvmw_find_key k = {
		.kind = st->rec.kind, .sub = st->rec.sub, .key = st->rec.key,
		.count = st->rec.count, .total_ns = st->rec.total_ns,
	};
	unsigned int i;

	f->count += k.count;
	f->total_ns += k.total_ns;
	if (f->nr_keys == KVMW_FIND_MAX_KEYS) {
		struct kvmw_find_key *last = &f->keys[KVMW_FIND_MAX_KEYS - 1];

		if (last->count >= k.count) {
			f->keys_other += k.count;
			return;
		}
		f->keys_other += last->count;
		f->nr_keys--;
	}
	i = f->nr_keys++;
	/* Insert sorted: count descending, then kind, key, direction. */
	while (i > 0 && (f->keys[i - 1].count < k.count ||
			 (f->keys[i - 1].count == k.count &&
			  (f->keys[i - 1].kind > k.kind ||
			   (f->keys[i - 1].kind == k.kind &&
			    (f->keys[i - 1].key > k.key ||
			     (f->keys[i - 1].key == k.key &&
			      f->keys[i - 1].sub > k.sub))))))) {
		f->keys[i] = f->keys[i - 1];
		i--;
	}
	f->keys[i] = k;
}

/* The top guest RIPs of exit reason @code. */
static void add_rips(struct kvmw_finding *f, u32 code)
{
	const struct kvmw_snap_vcpu *v = f->vcpu;
	size_t i;

	f->rip_code = code;
	for (i = 0; i < v->nr_rips; i++) {
		const struct kvmw_rec_rip *r = &v->rips[i];
		unsigned int j;

		if (r->code != code || !r->count)
			continue;
		j = f->nr_rips;
		if (j == KVMW_FIND_MAX_RIPS) {
			if (f->rips[j - 1].count >= r->count)
				continue;
			j--;
		} else {
			f->nr_rips++;
		}
		while (j > 0 && (f->rips[j - 1].count < r->count ||
				 (f->rips[j - 1].count == r->count &&
				  f->rips[j - 1].rip > r->rip))) {
			f->rips[j] = f->rips[j - 1];
			j--;
		}
		f->rips[j] = *r;
	}
}

struct vcpu_sums {
	u64 exits, ns;		/* exit rows, not their child rows */
	u64 hlt_count, hlt_ns;
};

static void vcpu_sums(const struct kvmw_snap_vcpu *v, struct vcpu_sums *s)
{
	u32 hlt = v->rec.isa == KVMW_ISA_SVM ? SVM_HLT : VMX_HLT;
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < v->nr_stats; i++) {
		const struct kvmw_rec_stat *r = &v->stats[i].rec;

		if (r->kind != KVMW_STAT_EXIT || r->sub != KVMW_SUB_NONE)
			continue;
		s->exits += r->count;
		s->ns += r->total_ns;
		if (r->code == hlt) {
			s->hlt_count += r->count;
			s->hlt_ns += r->total_ns;
		}
	}
}

static int push(struct kvmw_findings *out, struct kvmw_finding *f,
		size_t *cap)
{
	if (out->nr == *cap) {
		size_t n = *cap ? *cap * 2 : 8;
		struct kvmw_finding *p = realloc(out->f, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		out->f = p;
		*cap = n;
	}
	f->cost_ns_per_s = (u64)((unsigned __int128)f->total_ns *
				 NSEC_PER_SEC / out->window_ns);
	out->f[out->nr++] = *f;
	return 0;
}

static void finding_init(struct kvmw_finding *f, enum kvmw_finding_kind k,
			 size_t vm, const struct kvmw_snap_vcpu *v,
			 const struct vcpu_sums *s)
{
	memset(f, 0, sizeof(*f));
	f->kind = k;
	f->vm = vm;
	f->vcpu = v;
	if (!s)
		return;
	f->vcpu_exits = s->exits;
	f->vcpu_ns = s->ns;
	f->hlt_count = s->hlt_count;
	f->hlt_ns = s->hlt_ns;
}

/* The exit row of reason @code (no breakdown), summed. */
static void exit_rows(const struct kvmw_snap_vcpu *v, u32 code,
		      struct kvmw_finding *f)
{
	size_t i;

	for (i = 0; i < v->nr_stats; i++) {
		const struct kvmw_rec_stat *r = &v->stats[i].rec;

		if (r->kind == KVMW_STAT_EXIT && r->sub == KVMW_SUB_NONE &&
		    r->code == code) {
			f->count += r->count;
			f->total_ns += r->total_ns;
		}
	}
}

/* The event kinds of one vCPU: halt-poll-waste, vcpu-preemption. */
static int diagnose_events(struct kvmw_findings *out, size_t *cap, size_t vm,
			   const struct kvmw_snap_vcpu *v,
			   const struct vcpu_sums *s,
			   const struct kvmw_docagg_vcpu *e)
{
	u64 w = out->window_ns;
	struct kvmw_finding f;
	int ret;

	if (!e)
		return 0;
	/* halt-poll-waste: cost = the time polled in vain */
	if ((unsigned __int128)e->poll_fail_ns * NSEC_PER_SEC >=
	    (unsigned __int128)HALT_WASTE_MIN_NS_PER_S * w &&
	    e->poll_fail > e->polled) {
		finding_init(&f, KVMW_FIND_HALT_POLL, vm, v, s);
		f.ev = e;
		f.count = e->poll_fail;
		f.total_ns = e->poll_fail_ns;
		ret = push(out, &f, cap);
		if (ret)
			return ret;
	}
	/* vcpu-preemption: cost 0, the stall is the evidence */
	if ((unsigned __int128)e->stall_ns * 100 >=
	    (unsigned __int128)w * STALL_SHARE_PCT && e->preempted) {
		finding_init(&f, KVMW_FIND_PREEMPTION, vm, v, s);
		f.ev = e;
		f.count = e->preempted;
		ret = push(out, &f, cap);
		if (ret)
			return ret;
	}
	return 0;
}

/* dirty-rate, per VM: pages/s x 4 KiB against the migration link. */
static int diagnose_dirty(struct kvmw_findings *out, size_t *cap, size_t vm,
			  const struct kvmw_snap_vm *m,
			  const struct kvmw_docagg *agg)
{
	struct kvmw_finding f;
	size_t i;

	finding_init(&f, KVMW_FIND_DIRTY_RATE, vm, NULL, NULL);
	for (i = 0; i < agg->nr; i++) {
		const struct kvmw_docagg_vcpu *e = &agg->v[i];

		if (e->vm != m->rec.serial || !e->dirty)
			continue;
		f.dirty_pages += e->dirty;
		if (e->vcpu_id == KVMW_EV_NO_VCPU)
			f.dirty_vmm += e->dirty;
	}
	f.count = f.dirty_pages;
	if (!f.dirty_pages ||
	    (unsigned __int128)f.dirty_pages * DIRTY_PAGE_SIZE * NSEC_PER_SEC <
	    (unsigned __int128)out->migration_bw * out->window_ns)
		return 0;
	return push(out, &f, cap);
}

static int diagnose_vcpu(struct kvmw_findings *out, size_t *cap, size_t vm,
			 const struct kvmw_snap_vcpu *v,
			 const struct kvmw_docagg_vcpu *e)
{
	bool svm = v->rec.isa == KVMW_ISA_SVM;
	u64 w = out->window_ns;
	struct kvmw_finding tick, clk, msr, intr;
	struct vcpu_sums s;
	bool idle, ticking = false;
	u64 own;
	size_t i;
	int ret;

	vcpu_sums(v, &s);
	own = s.ns - s.hlt_ns < w ? w - (s.ns - s.hlt_ns) : 0;
	idle = s.hlt_ns && (unsigned __int128)s.hlt_ns * 100 >=
			   (unsigned __int128)own * IDLE_SHARE_PCT;

	/* timer-tick: timer writes at HZ, paired with HLTs, while idle. */
	finding_init(&tick, KVMW_FIND_TIMER_TICK, vm, v, &s);
	for (i = 0; i < v->nr_stats; i++)
		if (is_timer_write(&v->stats[i]) && v->stats[i].rec.count)
			add_key(&tick, &v->stats[i]);
	if (idle && rate_at_least(tick.count, w, TICK_RATE_MIN) &&
	    rate_at_least(s.hlt_count, w, TICK_RATE_MIN) &&
	    s.hlt_count * 100 >= tick.count * TICK_HLT_PER_WRITE_PCT) {
		ticking = true;
		add_rips(&tick, svm ? SVM_MSR : VMX_MSR_WRITE);
		ret = push(out, &tick, cap);
		if (ret)
			return ret;
	}

	/* clock-ioport-storm: emulated clock/timer ports, idle or not. */
	finding_init(&clk, KVMW_FIND_CLOCK_IOPORT, vm, v, &s);
	for (i = 0; i < v->nr_stats; i++) {
		const struct kvmw_rec_stat *r = &v->stats[i].rec;

		if (r->kind == KVMW_STAT_IOPORT && r->count &&
		    r->key != KVMW_KEY_OTHER && clock_port(r->key) != CLK_NONE)
			add_key(&clk, &v->stats[i]);
	}
	if (rate_at_least(clk.count, w, CLOCK_RATE_MIN)) {
		add_rips(&clk, svm ? SVM_IOIO : VMX_IO);
		ret = push(out, &clk, cap);
		if (ret)
			return ret;
	}

	/* msr-write-storm: WRMSRs of an idle vCPU beyond any timer's. */
	finding_init(&msr, KVMW_FIND_MSR_STORM, vm, v, &s);
	for (i = 0; i < v->nr_stats; i++) {
		const struct kvmw_snap_stat *st = &v->stats[i];

		if (st->rec.kind != KVMW_STAT_MSR ||
		    st->rec.sub != KVMW_SUB_WRITE || !st->rec.count)
			continue;
		if (ticking && is_timer_write(st))
			continue;
		add_key(&msr, st);
	}
	if (idle && rate_at_least(msr.count, w, MSR_STORM_RATE_MIN)) {
		add_rips(&msr, svm ? SVM_MSR : VMX_MSR_WRITE);
		ret = push(out, &msr, cap);
		if (ret)
			return ret;
	}

	/*
	 * interrupt-noise: external-interrupt exits well above any tick,
	 * after those the guest's timer writes (tick.count) can explain;
	 * the cost is the handling time of the rest, pro rata.
	 */
	finding_init(&intr, KVMW_FIND_INTR_NOISE, vm, v, &s);
	exit_rows(v, svm ? SVM_INTR : VMX_EXTINT, &intr);
	intr.timer_writes = tick.count;
	if (intr.count > tick.count &&
	    rate_at_least(intr.count - tick.count, w, INTR_RATE_MIN)) {
		intr.total_ns = (u64)((unsigned __int128)intr.total_ns *
				      (intr.count - tick.count) / intr.count);
		intr.count -= tick.count;
		add_rips(&intr, svm ? SVM_INTR : VMX_EXTINT);
		ret = push(out, &intr, cap);
		if (ret)
			return ret;
	}
	return diagnose_events(out, cap, vm, v, &s, e);
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct kvmw_finding *a = pa, *b = pb;

	if (a->cost_ns_per_s != b->cost_ns_per_s)
		return a->cost_ns_per_s > b->cost_ns_per_s ? -1 : 1;
	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	if (!a->vcpu || !b->vcpu) {
		if (a->vcpu || b->vcpu)
			return a->vcpu ? -1 : 1;	/* VM-wide last */
	} else if (a->vcpu->rec.vcpu_id != b->vcpu->rec.vcpu_id) {
		return a->vcpu->rec.vcpu_id < b->vcpu->rec.vcpu_id ? -1 : 1;
	}
	return (int)a->kind - (int)b->kind;
}

int kvmw_doctor_run(const struct kvmw_snap *s, u64 window_ns,
		    const struct kvmw_doctor_events *ev,
		    struct kvmw_findings *out)
{
	const struct kvmw_docagg *agg = ev ? ev->agg : NULL;
	size_t i, j, cap = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->window_ns = window_ns ? window_ns : 1;
	out->migration_bw = ev && ev->migration_bw ? ev->migration_bw :
			    KVMW_DOCTOR_MIGRATION_BW_DEFAULT;
	for (i = 0; i < s->nr_vms && !ret; i++) {
		const struct kvmw_snap_vm *m = &s->vms[i];

		for (j = 0; j < m->nr_vcpus && !ret; j++) {
			const struct kvmw_snap_vcpu *v = &m->vcpus[j];

			ret = diagnose_vcpu(out, &cap, i, v,
					    kvmw_docagg_find(agg, m->rec.serial,
							     v->rec.vcpu_id));
		}
		if (!ret && agg)
			ret = diagnose_dirty(out, &cap, i, m, agg);
	}
	if (ret) {
		kvmw_findings_free(out);
		return ret;
	}
	if (out->nr)
		qsort(out->f, out->nr, sizeof(*out->f), cmp_finding);
	return 0;
}

void kvmw_findings_free(struct kvmw_findings *out)
{
	free(out->f);
	out->f = NULL;
	out->nr = 0;
}

/* Rendering. */

static const char *key_space(const struct kvmw_find_key *k)
{
	switch (k->kind) {
	case KVMW_STAT_IOPORT:
		return "ioport";
	case KVMW_STAT_MMIO:
		return "mmio";
	default:
		return "msr";
	}
}

static const char *key_dir(const struct kvmw_find_key *k)
{
	if (k->kind == KVMW_STAT_MSR)
		return k->sub == KVMW_SUB_READ ? "read" : "write";
	if (k->kind == KVMW_STAT_IOPORT)
		return k->sub == KVMW_SUB_READ ? "in" : "out";
	return k->sub == KVMW_SUB_READ ? "read" : "write";
}

static const char *key_name(const struct kvmw_find_key *k)
{
	if (k->kind == KVMW_STAT_IOPORT)
		return kvmw_ioport_name(k->key);
	if (k->kind == KVMW_STAT_MSR)
		return kvmw_msr_name(k->key);
	if (k->key == XAPIC_TMICT_GPA)
		return "XAPIC_TMICT";
	return NULL;
}

/* The device of a clock finding's biggest key. */
static enum clock_dev main_clock(const struct kvmw_finding *f)
{
	return f->nr_keys ? clock_port(f->keys[0].key) : CLK_NONE;
}

/* The HZ a tick rate is closest to, or 0 if none within 20%. */
static unsigned int guess_hz(double r)
{
	static const unsigned int hz[] = { 64, 100, 250, 300, 1000 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hz); i++)
		if (r >= hz[i] * 0.8 && r <= hz[i] * 1.2)
			return hz[i];
	return 0;
}

/* The device names of a clock finding, biggest first, "A, B". */
static void clock_devices(const struct kvmw_finding *f, char *buf,
			  size_t len)
{
	bool seen[CLK_NR] = { false };
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < f->nr_keys; i++) {
		enum clock_dev d = clock_port(f->keys[i].key);

		if (seen[d])
			continue;
		seen[d] = true;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
			      n ? ", " : "", clock_dev_name[d]);
	}
}

static void summary(const struct kvmw_finding *f, u64 w, u64 bw,
		    char *buf, size_t len)
{
	double r = rate(f->count, w);
	char devs[96];
	unsigned int hz;

	switch (f->kind) {
	case KVMW_FIND_TIMER_TICK:
		hz = guess_hz(r);
		snprintf(buf, len,
			 "idle vCPU takes a periodic timer tick: %.1f LAPIC timer writes/s%s%.0u%s with %.1f HLT exits/s, halted %.0f%% of the time",
			 r, hz ? " (about HZ=" : "", hz, hz ? ")" : "",
			 rate(f->hlt_count, w),
			 100.0 * (double)f->hlt_ns / (double)w);
		break;
	case KVMW_FIND_CLOCK_IOPORT:
		clock_devices(f, devs, sizeof(devs));
		snprintf(buf, len,
			 "%.1f exits/s on emulated clock/timer ports: %s",
			 r, devs);
		break;
	case KVMW_FIND_MSR_STORM: {
		const char *name = f->nr_keys ? key_name(&f->keys[0]) : NULL;

		snprintf(buf, len,
			 "%.1f WRMSR exits/s on a mostly idle vCPU, most to %s (0x%llx)",
			 r, name ? name : "MSR",
			 f->nr_keys ? (unsigned long long)f->keys[0].key : 0ULL);
		break;
	}
	case KVMW_FIND_INTR_NOISE:
		snprintf(buf, len,
			 "%.1f external-interrupt exits/s: host interrupts beyond the tick (at most 1000/s) hit the vCPU's pCPU",
			 r);
		break;
	case KVMW_FIND_HALT_POLL:
		snprintf(buf, len,
			 "halt polling fails: %llu of %llu halts slept after polling (%.1f halts/s), %.3f ms/s of host CPU polled in vain; window changes %.1f grows/s, %.1f shrinks/s",
			 (unsigned long long)f->ev->poll_fail,
			 (unsigned long long)f->ev->wakeups,
			 rate(f->ev->wakeups, w),
			 (double)f->cost_ns_per_s / 1e6,
			 rate(f->ev->grows, w), rate(f->ev->shrinks, w));
		break;
	case KVMW_FIND_PREEMPTION:
		snprintf(buf, len,
			 "vCPU thread preempted %.1f times/s, runnable but not running %.1f%% of the time",
			 r, 100.0 * (double)f->ev->stall_ns / (double)w);
		break;
	case KVMW_FIND_DIRTY_RATE:
		snprintf(buf, len,
			 "guest dirties %.1f MiB/s (%.1f pages/s), %.2fx the migration link's %.1f MiB/s: pre-copy migration cannot converge",
			 r * DIRTY_PAGE_SIZE / 1048576.0, r,
			 r * DIRTY_PAGE_SIZE / (double)bw,
			 (double)bw / 1048576.0);
		break;
	}
}

#define HV_MSR_LO	0x40000000ULL
#define HV_MSR_HI	0x400000ffULL

static const char *advice(const struct kvmw_finding *f)
{
	u64 top = f->nr_keys ? f->keys[0].key : 0;

	switch (f->kind) {
	case KVMW_FIND_TIMER_TICK:
		return "The guest kernel keeps its periodic tick on idle vCPUs. "
		       "Linux: remove nohz=off from the kernel command line (build "
		       "with CONFIG_NO_HZ_IDLE or NO_HZ_FULL) and keep kvm-clock as "
		       "the clocksource. Windows: enable the Hyper-V enlightenments "
		       "hv-time, hv-synic and hv-stimer (libvirt <hyperv><synic "
		       "state='on'/><stimer state='on'/></hyperv> and <timer "
		       "name='hypervclock' present='yes'/>), and find what raises the "
		       "timer resolution (timeBeginPeriod).";
	case KVMW_FIND_CLOCK_IOPORT:
		switch (main_clock(f)) {
		case CLK_ACPI_PM:
			return "The guest reads the ACPI PM timer as its clocksource: every "
			       "clock read exits to the VMM. Linux: use kvm-clock "
			       "(CONFIG_KVM_GUEST; check "
			       "/sys/devices/system/clocksource/clocksource0/current_clocksource). "
			       "Windows: enable Hyper-V enlightenments hv-time, hv-synic, "
			       "hv-stimer (libvirt <timer name='hypervclock' "
			       "present='yes'/>), or give it an HPET: libvirt <timer "
			       "name='hpet' present='yes'/> (seed 001: 130% host CPU down to "
			       "6%).";
		case CLK_RTC:
			return "The guest runs its clock on the emulated RTC (periodic "
			       "interrupt, CMOS reads). Windows: enable Hyper-V "
			       "enlightenments hv-time, hv-synic, hv-stimer, or libvirt "
			       "<timer name='hpet' present='yes'/>; Linux: use kvm-clock and "
			       "the LAPIC (TSC deadline) timer.";
		default:
			return "The guest programs or reads the emulated PIT as its timer or "
			       "clock. Windows: enable Hyper-V enlightenments hv-time, "
			       "hv-synic, hv-stimer, or libvirt <timer name='hpet' "
			       "present='yes'/>; Linux: use kvm-clock and the LAPIC (TSC "
			       "deadline) timer (no clocksource=pit or notsc).";
		}
	case KVMW_FIND_MSR_STORM:
		if (top >= HV_MSR_LO && top <= HV_MSR_HI)
			return "Hyper-V synthetic MSR writes (EOI, synthetic timers, SynIC): "
			       "with hv-synic and hv-stimer on, also enable hv-vapic and "
			       "hv-time (libvirt <vapic state='on'/>, <timer "
			       "name='hypervclock' present='yes'/>) so EOIs go through the VP "
			       "assist page, and APICv/AVIC on the host (kvm_intel "
			       "enable_apicv=1, kvm_amd avic=1).";
		if (top == MSR_TSC_DEADLINE || top == X2APIC_TMICT)
			return "The guest reprograms its LAPIC timer faster than any tick. "
			       "Windows: enable hv-time, hv-synic and hv-stimer so it uses "
			       "Hyper-V synthetic timers; Linux: keep kvm-clock and look at "
			       "the guest RIPs for the code arming high-resolution timers (a "
			       "nohz=off kernel, a busy timer loop).";
		if (top >= 0x800 && top <= 0x8ff)
			return "x2APIC register writes exit to KVM: enable APICv or AVIC on "
			       "the host (kvm_intel enable_apicv=1, kvm_amd avic=1); for "
			       "Windows also the Hyper-V enlightenment hv-vapic.";
		return "An idle vCPU should not write MSRs at this rate: find the "
		       "writer at the guest RIPs below (a driver polling a power or "
		       "performance MSR); for Windows enable the Hyper-V "
		       "enlightenments hv-time, hv-synic, hv-stimer, hv-vapic.";
	case KVMW_FIND_INTR_NOISE:
		return "Host interrupts (device IRQs, IPIs, other tasks' timers and "
		       "wake-ups) land on the host CPU this vCPU runs on. Pin each vCPU "
		       "thread to a host CPU of its own (libvirt <cputune><vcpupin "
		       "vcpu='N' cpuset='C'/>, emulatorpin and iothreadpin on other "
		       "CPUs; taskset -p), keep other work off those CPUs (isolcpus= or "
		       "a cpuset partition, nohz_full= and rcu_nocbs=) and move device "
		       "interrupts away (/proc/irq/*/smp_affinity_list, irqbalance "
		       "IRQBALANCE_BANNED_CPULIST). Seed 003: pinning cut "
		       "EXTERNAL_INTERRUPT from 4.11% to 0.35% of exits.";
	case KVMW_FIND_HALT_POLL:
		return "The vCPU's wake-ups come just after KVM's halt-polling window: "
		       "KVM polls, burning host CPU, then sleeps anyway, and its "
		       "grow/shrink rule keeps moving the window. On a host short of "
		       "CPU shorten or disable polling: kvm.halt_poll_ns "
		       "(/sys/module/kvm/parameters/halt_poll_ns, 0 disables it; per "
		       "VM: KVM_CAP_HALT_POLL), or halt_poll_ns_shrink=0 so a long "
		       "halt resets the window. Where the guest's wake-up latency "
		       "matters, let it poll itself (Linux cpuidle-haltpoll, "
		       "guest_halt_poll_ns).";
	case KVMW_FIND_PREEMPTION:
		return "Other host tasks share this vCPU's host CPU and preempt it: "
		       "the guest sees the time as steal. Pin vCPU threads to host CPUs "
		       "nothing else runs on (libvirt <vcpupin>, emulatorpin for "
		       "QEMU's other threads, isolcpus= or a cpuset partition), do not "
		       "overcommit vCPUs on those CPUs, and give latency-sensitive "
		       "guests' vCPU threads a real-time policy (libvirt <vcpusched "
		       "scheduler='fifo'/>) only on such dedicated CPUs (seed 003).";
	case KVMW_FIND_DIRTY_RATE:
		return "At this dirty rate pre-copy live migration over the link never "
		       "converges: each pass re-dirties as much as it sends, so the "
		       "rest never fits QEMU's downtime-limit (300 ms by default). "
		       "Raise the bandwidth (migrate-set-parameters max-bandwidth, "
		       "virsh migrate-setspeed), turn on auto-converge or dirty-limit "
		       "(they throttle the vCPUs), switch to post-copy "
		       "(postcopy-ram), or migrate when the guest writes less. Give "
		       "doctor your link with --migration-bandwidth.";
	}
	return "";
}

static double share(u64 part, u64 whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

static const char *vm_name(const char *const *names, size_t i)
{
	return names ? names[i] : NULL;
}

static bool is_event_kind(enum kvmw_finding_kind k)
{
	return k == KVMW_FIND_HALT_POLL || k == KVMW_FIND_PREEMPTION ||
	       k == KVMW_FIND_DIRTY_RATE;
}

/* The pCPUs of @mask as "0,1,5", or "-" if none. */
static void pcpu_list(u64 mask, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int c;

	snprintf(buf, len, "-");
	for (c = 0; c < 64; c++)
		if (mask & (1ULL << c))
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%u",
				      n ? "," : "", c);
}

static void event_text(FILE *out, const struct kvmw_finding *f,
		       const struct kvmw_findings *fs)
{
	const struct kvmw_docagg_vcpu *e = f->ev;
	u64 w = fs->window_ns;
	char cpus[200];

	switch (f->kind) {
	case KVMW_FIND_HALT_POLL:
		fprintf(out, "   cost: %.3f ms of host CPU per second polling in vain (%llu failed polls)\n",
			(double)f->cost_ns_per_s / 1e6,
			(unsigned long long)e->poll_fail);
		fprintf(out, "   halts: %.1f/s, %llu caught by polling (%.1f%%), %llu slept after polling, %llu spurious\n",
			rate(e->wakeups, w), (unsigned long long)e->polled,
			100.0 * share(e->polled, e->wakeups),
			(unsigned long long)e->poll_fail,
			(unsigned long long)e->invalid);
		fprintf(out, "   poll window: %llu grows, %llu shrinks (%.1f changes/s), last %.1f us\n",
			(unsigned long long)e->grows,
			(unsigned long long)e->shrinks,
			rate(e->grows + e->shrinks, w),
			e->window_known ? e->window_ns / 1e3 : 0.0);
		break;
	case KVMW_FIND_PREEMPTION:
		pcpu_list(e->pcpus, cpus, sizeof(cpus));
		fprintf(out, "   cost: no host CPU counted: the stall is guest-visible time (steal), %.3f ms per second\n",
			rate(e->stall_ns, w) / 1e6);
		fprintf(out, "   preempted: %llu times, %.3f ms each on average, longest %.3f ms; pCPUs %s, %llu migrations\n",
			(unsigned long long)e->preempted,
			e->preempted ? (double)e->stall_ns /
				       (double)e->preempted / 1e6 : 0.0,
			(double)e->max_stall_ns / 1e6, cpus,
			(unsigned long long)e->migrations);
		break;
	case KVMW_FIND_DIRTY_RATE:
		fprintf(out, "   cost: no host CPU counted: the cost is a migration that cannot converge\n");
		fprintf(out, "   dirtied: %llu pages (%llu by vCPUs, %llu by the VMM), %.1f MiB/s against %.1f MiB/s\n",
			(unsigned long long)f->dirty_pages,
			(unsigned long long)(f->dirty_pages - f->dirty_vmm),
			(unsigned long long)f->dirty_vmm,
			rate(f->dirty_pages, w) * DIRTY_PAGE_SIZE / 1048576.0,
			(double)fs->migration_bw / 1048576.0);
		break;
	default:
		break;
	}
}

void kvmw_doctor_text(FILE *out, const struct kvmw_snap *s,
		      const struct kvmw_findings *fs,
		      const char *const *vm_names)
{
	u64 w = fs->window_ns;
	char buf[512];
	size_t i;
	unsigned int k;

	if (!fs->nr) {
		fprintf(out, "No findings in %.1f s: no exit pattern with a known cause.\n",
			(double)w / 1e9);
		return;
	}
	for (i = 0; i < fs->nr; i++) {
		const struct kvmw_finding *f = &fs->f[i];
		const struct kvmw_snap_vm *vm = &s->vms[f->vm];
		const char *name = vm_name(vm_names, f->vm);

		summary(f, w, fs->migration_bw, buf, sizeof(buf));
		fprintf(out, "%s%zu. %s: VM %s%s%s%s",
			i ? "\n" : "", i + 1, kvmw_finding_kind_name(f->kind),
			vm->rec.id, name ? " (" : "", name ? name : "",
			name ? ")" : "");
		if (f->vcpu)
			fprintf(out, " vCPU %u", f->vcpu->rec.vcpu_id);
		fprintf(out, ": %s\n", buf);
		if (is_event_kind(f->kind)) {
			event_text(out, f, fs);
			fprintf(out, "   advice: %s\n", advice(f));
			continue;
		}
		fprintf(out, "   cost: %.3f ms of host CPU per second (%llu exits, %.1f%% of the vCPU's exits, %.1f%% of its exit handling time)\n",
			(double)f->cost_ns_per_s / 1e6,
			(unsigned long long)f->count,
			100.0 * share(f->count, f->vcpu_exits),
			100.0 * share(f->total_ns, f->vcpu_ns));
		for (k = 0; k < f->nr_keys; k++) {
			const struct kvmw_find_key *key = &f->keys[k];
			const char *kn = key_name(key);

			fprintf(out, "   %s 0x%llx%s%s%s %s: %.1f/s, %.1f us each\n",
				key_space(key), (unsigned long long)key->key,
				kn ? " (" : "", kn ? kn : "", kn ? ")" : "",
				key_dir(key), rate(key->count, w),
				key->count ? (double)key->total_ns /
					     (double)key->count / 1e3 : 0.0);
		}
		if (f->keys_other)
			fprintf(out, "   other keys: %.1f/s\n",
				rate(f->keys_other, w));
		if (f->kind == KVMW_FIND_INTR_NOISE)
			fprintf(out, "   left out: %.1f/s, as many as the guest's timer writes\n",
				rate(f->timer_writes, w));
		if (f->kind != KVMW_FIND_CLOCK_IOPORT)
			fprintf(out, "   hlt: %.1f/s, halted %.1f%% of the window\n",
				rate(f->hlt_count, w),
				100.0 * share(f->hlt_ns, w));
		if (f->nr_rips) {
			fprintf(out, "   guest RIPs:");
			for (k = 0; k < f->nr_rips; k++)
				fprintf(out, " 0x%llx (%llu)",
					(unsigned long long)f->rips[k].rip,
					(unsigned long long)f->rips[k].count);
			fputc('\n', out);
		}
		fprintf(out, "   advice: %s\n", advice(f));
	}
}

static void json_hex(struct kvmw_json *j, u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	kvmw_json_string(j, buf);
}

static void json_evidence(struct kvmw_json *j, const struct kvmw_finding *f,
			  u64 w)
{
	unsigned int k;

	kvmw_json_object_begin(j);
	kvmw_json_key(j, "window_s");
	kvmw_json_double(j, (double)w / 1e9, 3);
	kvmw_json_key(j, "exits");
	kvmw_json_u64(j, f->count);
	kvmw_json_key(j, "rate_per_s");
	kvmw_json_double(j, rate(f->count, w), 1);
	kvmw_json_key(j, "handling_ns");
	kvmw_json_u64(j, f->total_ns);
	kvmw_json_key(j, "share_of_exits");
	kvmw_json_double(j, share(f->count, f->vcpu_exits), 3);
	kvmw_json_key(j, "share_of_time");
	kvmw_json_double(j, share(f->total_ns, f->vcpu_ns), 3);
	kvmw_json_key(j, "keys");
	kvmw_json_array_begin(j);
	for (k = 0; k < f->nr_keys; k++) {
		const struct kvmw_find_key *key = &f->keys[k];
		const char *kn = key_name(key);

		kvmw_json_object_begin(j);
		kvmw_json_key(j, "space");
		kvmw_json_string(j, key_space(key));
		kvmw_json_key(j, "key");
		json_hex(j, key->key);
		kvmw_json_key(j, "name");
		if (kn)
			kvmw_json_string(j, kn);
		else
			kvmw_json_null(j);
		if (key->kind == KVMW_STAT_IOPORT) {
			enum clock_dev d = clock_port(key->key);

			kvmw_json_key(j, "device");
			kvmw_json_string(j, clock_dev_name[d]);
		}
		kvmw_json_key(j, "dir");
		kvmw_json_string(j, key_dir(key));
		kvmw_json_key(j, "count");
		kvmw_json_u64(j, key->count);
		kvmw_json_key(j, "rate_per_s");
		kvmw_json_double(j, rate(key->count, w), 1);
		kvmw_json_key(j, "handling_ns");
		kvmw_json_u64(j, key->total_ns);
		kvmw_json_object_end(j);
	}
	kvmw_json_array_end(j);
	kvmw_json_key(j, "other_keys");
	kvmw_json_u64(j, f->keys_other);
	if (f->kind == KVMW_FIND_INTR_NOISE) {
		kvmw_json_key(j, "timer_writes");
		kvmw_json_u64(j, f->timer_writes);
	}
	kvmw_json_key(j, "hlt_per_s");
	kvmw_json_double(j, rate(f->hlt_count, w), 1);
	kvmw_json_key(j, "halted_share");
	kvmw_json_double(j, share(f->hlt_ns, w), 3);
	kvmw_json_key(j, "rips");
	kvmw_json_array_begin(j);
	for (k = 0; k < f->nr_rips; k++) {
		kvmw_json_object_begin(j);
		kvmw_json_key(j, "rip");
		json_hex(j, f->rips[k].rip);
		kvmw_json_key(j, "count");
		kvmw_json_u64(j, f->rips[k].count);
		kvmw_json_object_end(j);
	}
	kvmw_json_array_end(j);
	kvmw_json_object_end(j);
}

static void jkey_u64(struct kvmw_json *j, const char *k, u64 v)
{
	kvmw_json_key(j, k);
	kvmw_json_u64(j, v);
}

static void jkey_double(struct kvmw_json *j, const char *k, double v,
			int prec)
{
	kvmw_json_key(j, k);
	kvmw_json_double(j, v, prec);
}

static void json_event_evidence(struct kvmw_json *j,
				const struct kvmw_finding *f,
				const struct kvmw_findings *fs)
{
	const struct kvmw_docagg_vcpu *e = f->ev;
	u64 w = fs->window_ns;
	unsigned int c;

	kvmw_json_object_begin(j);
	jkey_double(j, "window_s", (double)w / 1e9, 3);
	switch (f->kind) {
	case KVMW_FIND_HALT_POLL:
		jkey_u64(j, "halts", e->wakeups);
		jkey_double(j, "halts_per_s", rate(e->wakeups, w), 1);
		jkey_u64(j, "polled", e->polled);
		jkey_u64(j, "failed_polls", e->poll_fail);
		jkey_u64(j, "failed_poll_ns", e->poll_fail_ns);
		jkey_u64(j, "spurious", e->invalid);
		jkey_u64(j, "grows", e->grows);
		jkey_u64(j, "shrinks", e->shrinks);
		jkey_double(j, "changes_per_s", rate(e->grows + e->shrinks, w),
			    1);
		kvmw_json_key(j, "last_window_ns");
		if (e->window_known)
			kvmw_json_u64(j, e->window_ns);
		else
			kvmw_json_null(j);
		break;
	case KVMW_FIND_PREEMPTION:
		jkey_u64(j, "preemptions", e->preempted);
		jkey_double(j, "preemptions_per_s", rate(e->preempted, w), 1);
		jkey_u64(j, "stall_ns", e->stall_ns);
		jkey_u64(j, "stall_ns_per_s",
			 (u64)((unsigned __int128)e->stall_ns * NSEC_PER_SEC /
			       w));
		jkey_double(j, "stall_share", share(e->stall_ns, w), 3);
		jkey_u64(j, "max_stall_ns", e->max_stall_ns);
		kvmw_json_key(j, "pcpus");
		kvmw_json_array_begin(j);
		for (c = 0; c < 64; c++)
			if (e->pcpus & (1ULL << c))
				kvmw_json_u64(j, c);
		kvmw_json_array_end(j);
		jkey_u64(j, "migrations", e->migrations);
		break;
	case KVMW_FIND_DIRTY_RATE:
		jkey_u64(j, "pages", f->dirty_pages);
		jkey_u64(j, "pages_by_vmm", f->dirty_vmm);
		jkey_double(j, "pages_per_s", rate(f->dirty_pages, w), 1);
		jkey_u64(j, "bytes_per_s",
			 (u64)((unsigned __int128)f->dirty_pages *
			       DIRTY_PAGE_SIZE * NSEC_PER_SEC / w));
		jkey_u64(j, "migration_bandwidth_bytes_per_s",
			 fs->migration_bw);
		jkey_double(j, "ratio", rate(f->dirty_pages, w) *
			    DIRTY_PAGE_SIZE / (double)fs->migration_bw, 3);
		break;
	default:
		break;
	}
	kvmw_json_object_end(j);
}

int kvmw_doctor_json(FILE *out, const struct kvmw_snap *s,
		     const struct kvmw_findings *fs,
		     const char *const *vm_names)
{
	struct kvmw_json j;
	char buf[512];
	size_t i;

	kvmw_json_init(&j, out);
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "window_s");
	kvmw_json_double(&j, (double)fs->window_ns / 1e9, 3);
	kvmw_json_key(&j, "findings");
	kvmw_json_array_begin(&j);
	for (i = 0; i < fs->nr; i++) {
		const struct kvmw_finding *f = &fs->f[i];
		const struct kvmw_snap_vm *vm = &s->vms[f->vm];
		const char *name = vm_name(vm_names, f->vm);

		kvmw_json_object_begin(&j);
		kvmw_json_key(&j, "vm");
		kvmw_json_string(&j, vm->rec.id);
		kvmw_json_key(&j, "pid");
		kvmw_json_i64(&j, vm->rec.pid);
		kvmw_json_key(&j, "name");
		if (name)
			kvmw_json_string(&j, name);
		else
			kvmw_json_null(&j);
		kvmw_json_key(&j, "vcpu");
		if (f->vcpu)
			kvmw_json_u64(&j, f->vcpu->rec.vcpu_id);
		else
			kvmw_json_null(&j);
		kvmw_json_key(&j, "kind");
		kvmw_json_string(&j, kvmw_finding_kind_name(f->kind));
		kvmw_json_key(&j, "summary");
		summary(f, fs->window_ns, fs->migration_bw, buf, sizeof(buf));
		kvmw_json_string(&j, buf);
		kvmw_json_key(&j, "evidence");
		if (is_event_kind(f->kind))
			json_event_evidence(&j, f, fs);
		else
			json_evidence(&j, f, fs->window_ns);
		kvmw_json_key(&j, "advice");
		kvmw_json_string(&j, advice(f));
		kvmw_json_key(&j, "cost_ns_per_s");
		kvmw_json_u64(&j, f->cost_ns_per_s);
		kvmw_json_object_end(&j);
	}
	kvmw_json_array_end(&j);
	kvmw_json_object_end(&j);
	return kvmw_json_finish(&j);
}
