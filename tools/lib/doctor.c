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
 * host nothing.
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
 * "Idle": the vCPU spent at least half the window in HLT exits (their
 * handling time is the time halted). A busy vCPU's tick is legitimate:
 * the scheduler needs it.
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
	f->vcpu_exits = s->exits;
	f->vcpu_ns = s->ns;
	f->hlt_count = s->hlt_count;
	f->hlt_ns = s->hlt_ns;
}

static int diagnose_vcpu(struct kvmw_findings *out, size_t *cap, size_t vm,
			 const struct kvmw_snap_vcpu *v)
{
	bool svm = v->rec.isa == KVMW_ISA_SVM;
	u64 w = out->window_ns;
	struct kvmw_finding tick, clk, msr;
	struct vcpu_sums s;
	bool idle, ticking = false;
	size_t i;
	int ret;

	vcpu_sums(v, &s);
	idle = (unsigned __int128)s.hlt_ns * 100 >=
	       (unsigned __int128)w * IDLE_SHARE_PCT;

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
	return 0;
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct kvmw_finding *a = pa, *b = pb;

	if (a->cost_ns_per_s != b->cost_ns_per_s)
		return a->cost_ns_per_s > b->cost_ns_per_s ? -1 : 1;
	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	if (a->vcpu->rec.vcpu_id != b->vcpu->rec.vcpu_id)
		return a->vcpu->rec.vcpu_id < b->vcpu->rec.vcpu_id ? -1 : 1;
	return (int)a->kind - (int)b->kind;
}

int kvmw_doctor_run(const struct kvmw_snap *s, u64 window_ns,
		    struct kvmw_findings *out)
{
	size_t i, j, cap = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->window_ns = window_ns ? window_ns : 1;
	for (i = 0; i < s->nr_vms; i++) {
		for (j = 0; j < s->vms[i].nr_vcpus; j++) {
			ret = diagnose_vcpu(out, &cap, i, &s->vms[i].vcpus[j]);
			if (ret) {
				kvmw_findings_free(out);
				return ret;
			}
		}
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

static void summary(const struct kvmw_finding *f, u64 w, char *buf,
		    size_t len)
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

		summary(f, w, buf, sizeof(buf));
		fprintf(out, "%s%zu. %s: VM %s%s%s%s vCPU %u: %s\n",
			i ? "\n" : "", i + 1, kvmw_finding_kind_name(f->kind),
			vm->rec.id, name ? " (" : "", name ? name : "",
			name ? ")" : "", f->vcpu->rec.vcpu_id, buf);
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
		kvmw_json_u64(&j, f->vcpu->rec.vcpu_id);
		kvmw_json_key(&j, "kind");
		kvmw_json_string(&j, kvmw_finding_kind_name(f->kind));
		kvmw_json_key(&j, "summary");
		summary(f, fs->window_ns, buf, sizeof(buf));
		kvmw_json_string(&j, buf);
		kvmw_json_key(&j, "evidence");
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
