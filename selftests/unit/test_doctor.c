// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch doctor's diagnosis (tools/lib/doctor.c) on hand-built
 * snapshots of a 10 s window: each kind of finding from the figures of
 * its seed, the healthy idle and busy vCPUs that must get none, the
 * ranking by cost, and the exact JSON and text. The event kinds get
 * hand-made HALT, SCHED and DIRTY records through tools/lib/docagg.c,
 * each at its threshold's edge from both sides.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docagg.h"
#include "doctor.h"
#include "snapshot.h"
#include "tap.h"
#include "tests.h"

#define WINDOW	10000000000ULL	/* 10 s */

/* VMX basic reasons, SVM exit codes */
#define VMX_HLT		12
#define VMX_CPUID	10
#define VMX_MSR_WRITE	32
#define SVM_HLT		0x78
#define SVM_IOIO	0x7b
#define SVM_INTR	0x60
#define SVM_MSR		0x7c

#define MAX_ROWS	8

struct tvcpu {
	struct kvmw_snap_stat st[MAX_ROWS];
	struct kvmw_rec_rip rip[2];
};

static void row(struct kvmw_snap_vcpu *v, unsigned int kind,
		unsigned int sub, u32 code, u64 key, u64 count, u64 total)
{
	struct kvmw_snap_stat *s = &v->stats[v->nr_stats++];

	memset(s, 0, sizeof(*s));
	s->rec.kind = kind;
	s->rec.sub = sub;
	s->rec.code = code;
	s->rec.key = key;
	s->rec.count = count;
	s->rec.total_ns = total;
}

static void rip(struct kvmw_snap_vcpu *v, u32 code, u64 at, u64 count)
{
	struct kvmw_rec_rip *r = &v->rips[v->nr_rips++];

	memset(r, 0, sizeof(*r));
	r->code = code;
	r->rip = at;
	r->count = count;
}

static void vcpu_init(struct kvmw_snap_vcpu *v, struct tvcpu *t,
		      unsigned int id, u32 isa)
{
	memset(v, 0, sizeof(*v));
	memset(t, 0, sizeof(*t));
	v->rec.vcpu_id = id;
	v->rec.isa = isa;
	v->stats = t->st;
	v->rips = t->rip;
}

static void vm_init(struct kvmw_snap_vm *vm, int pid, const char *id,
		    struct kvmw_snap_vcpu *v, size_t n)
{
	memset(vm, 0, sizeof(*vm));
	vm->rec.pid = pid;
	snprintf(vm->rec.id, sizeof(vm->rec.id), "%s", id);
	vm->vcpus = v;
	vm->nr_vcpus = n;
}

/* The JSON or text of @s's findings, malloc()ed. */
static char *doctor(const struct kvmw_snap *s, bool json,
		    const char *const *names, size_t *nr)
{
	struct kvmw_findings fs;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (kvmw_doctor_run(s, WINDOW, NULL, &fs))
		return strdup("ENOMEM");
	*nr = fs.nr;
	f = open_memstream(&buf, &len);
	if (json)
		kvmw_doctor_json(f, s, &fs, names);
	else
		kvmw_doctor_text(f, s, &fs, names);
	fclose(f);
	kvmw_findings_free(&fs);
	return buf;
}

/*
 * Seed 002 at HZ=250: an idle vCPU (halted 9.5 of 10 s) writes
 * TSC_DEADLINE 2500 times, 2 us each, and halts 2500 times.
 */
static void tick_vcpu(struct kvmw_snap_vcpu *v, struct tvcpu *t)
{
	vcpu_init(v, t, 0, KVMW_ISA_VMX);
	row(v, KVMW_STAT_EXIT, 0, VMX_HLT, 0, 2500, 9500000000ULL);
	row(v, KVMW_STAT_EXIT, 0, VMX_MSR_WRITE, 0, 2500, 5000000);
	row(v, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x6e0, 2500, 5000000);
	rip(v, VMX_MSR_WRITE, 0xffffffff81071234ULL, 2500);
}

static const char tick_json[] =
	"{\"window_s\":10.000,\"findings\":[{\"vm\":\"100-11\",\"pid\":100,"
	"\"name\":\"win10\",\"vcpu\":0,\"kind\":\"timer-tick\","
	"\"summary\":\"idle vCPU takes a periodic timer tick: 250.0 LAPIC "
	"timer writes/s (about HZ=250) with 250.0 HLT exits/s, halted 95% "
	"of the time\",\"evidence\":{\"window_s\":10.000,\"exits\":2500,"
	"\"rate_per_s\":250.0,\"handling_ns\":5000000,"
	"\"share_of_exits\":0.500,\"share_of_time\":0.001,\"keys\":["
	"{\"space\":\"msr\",\"key\":\"0x6e0\",\"name\":\"IA32_TSC_DEADLINE\","
	"\"dir\":\"write\",\"count\":2500,\"rate_per_s\":250.0,"
	"\"handling_ns\":5000000}],\"other_keys\":0,\"hlt_per_s\":250.0,"
	"\"halted_share\":0.950,\"rips\":[{\"rip\":\"0xffffffff81071234\","
	"\"count\":2500}]},\"advice\":\"";

static void test_tick(void)
{
	static const char *const names[] = { "win10" };
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	tick_vcpu(&v, &t);
	vm_init(&vm, 100, "100-11", &v, 1);
	out = doctor(&s, true, names, &nr);
	tap_eq_u64(nr, 1, "doctor: HZ=250 idle tick gives one finding");
	tap_ok(!strncmp(out, tick_json, strlen(tick_json)),
	       "doctor: timer-tick JSON evidence");
	tap_contains(out, "remove nohz=off", "doctor: tick advice for Linux");
	tap_contains(out, "hv-stimer", "doctor: tick advice for Windows");
	/* 5 ms of handling in 10 s */
	tap_contains(out, "\"cost_ns_per_s\":500000}]}\n",
		     "doctor: timer-tick cost excludes HLT time");
	free(out);

	out = doctor(&s, false, names, &nr);
	tap_eq_str(strstr(out, "advice:") ? "" : out, "",
		   "doctor: text has advice");
	tap_ok(!strncmp(out,
		"1. timer-tick: VM 100-11 (win10) vCPU 0: idle vCPU takes a periodic timer tick: 250.0 LAPIC timer writes/s (about HZ=250) with 250.0 HLT exits/s, halted 95% of the time\n"
		"   cost: 0.500 ms of host CPU per second (2500 exits, 50.0% of the vCPU's exits, 0.1% of its exit handling time)\n"
		"   msr 0x6e0 (IA32_TSC_DEADLINE) write: 250.0/s, 2.0 us each\n"
		"   hlt: 250.0/s, halted 95.0% of the window\n"
		"   guest RIPs: 0xffffffff81071234 (2500)\n"
		"   advice: The guest kernel keeps its periodic tick",
		strlen("1. timer-tick: VM 100-11 (win10) vCPU 0: idle vCPU takes a periodic timer tick: 250.0 LAPIC timer writes/s (about HZ=250) with 250.0 HLT exits/s, halted 95% of the time\n"
		"   cost: 0.500 ms of host CPU per second (2500 exits, 50.0% of the vCPU's exits, 0.1% of its exit handling time)\n"
		"   msr 0x6e0 (IA32_TSC_DEADLINE) write: 250.0/s, 2.0 us each\n"
		"   hlt: 250.0/s, halted 95.0% of the window\n"
		"   guest RIPs: 0xffffffff81071234 (2500)\n"
		"   advice: The guest kernel keeps its periodic tick")),
	       "doctor: timer-tick text block");
	free(out);
}

/*
 * Seed 002's figures on one vCPU: 33,000 TSC_DEADLINE writes/s, each
 * followed by a wake-up from HLT. One timer-tick finding; the writes it
 * explains are not an msr-write-storm too.
 */
static void test_tick_33k(void)
{
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	vcpu_init(&v, &t, 3, KVMW_ISA_VMX);
	row(&v, KVMW_STAT_EXIT, 0, VMX_HLT, 0, 330000, 8000000000ULL);
	row(&v, KVMW_STAT_EXIT, 0, VMX_MSR_WRITE, 0, 330000, 330000000);
	row(&v, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x6e0, 330000, 330000000);
	vm_init(&vm, 7, "7-12", &v, 1);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_u64(nr, 1, "doctor: 33k/s tick gives one finding");
	tap_contains(out, "\"name\":null,\"vcpu\":3,\"kind\":\"timer-tick\"",
		     "doctor: 33k/s tick is a timer-tick");
	tap_contains(out, "33000.0 LAPIC timer writes/s with 33000.0 HLT",
		     "doctor: 33k/s tick names no HZ");
	tap_contains(out, "\"cost_ns_per_s\":33000000}",
		     "doctor: 33k/s tick cost 33 ms/s");
	free(out);
}

/* Seed 001: IN from the i440fx ACPI PM timer, 4000/s, 5 us each. */
static void pmtmr_vcpu(struct kvmw_snap_vcpu *v, struct tvcpu *t)
{
	vcpu_init(v, t, 1, KVMW_ISA_SVM);
	row(v, KVMW_STAT_EXIT, 0, SVM_HLT, 0, 100, 2000000000ULL);
	row(v, KVMW_STAT_EXIT, 0, SVM_IOIO, 0, 40050, 200250000);
	row(v, KVMW_STAT_IOPORT, KVMW_SUB_READ, 0, 0xb008, 40000, 200000000);
	row(v, KVMW_STAT_IOPORT, KVMW_SUB_WRITE, 0, 0x70, 25, 125000);
	row(v, KVMW_STAT_IOPORT, KVMW_SUB_READ, 0, 0x71, 25, 125000);
	rip(v, SVM_IOIO, 0xfffff80012345678ULL, 40000);
	rip(v, SVM_IOIO, 0xfffff80000001000ULL, 50);
}

static const char pmtmr_json[] =
	"{\"window_s\":10.000,\"findings\":[{\"vm\":\"200-15\",\"pid\":200,"
	"\"name\":null,\"vcpu\":1,\"kind\":\"clock-ioport-storm\","
	"\"summary\":\"4005.0 exits/s on emulated clock/timer ports: ACPI PM "
	"timer, RTC/CMOS\",\"evidence\":{\"window_s\":10.000,\"exits\":40050,"
	"\"rate_per_s\":4005.0,\"handling_ns\":200250000,"
	"\"share_of_exits\":0.998,\"share_of_time\":0.091,\"keys\":["
	"{\"space\":\"ioport\",\"key\":\"0xb008\","
	"\"name\":\"ACPI_PM_TMR\",\"device\":\"ACPI PM timer\","
	"\"dir\":\"in\",\"count\":40000,\"rate_per_s\":4000.0,"
	"\"handling_ns\":200000000},"
	"{\"space\":\"ioport\",\"key\":\"0x70\",\"name\":\"RTC_CMOS_INDEX\","
	"\"device\":\"RTC/CMOS\",\"dir\":\"out\",\"count\":25,"
	"\"rate_per_s\":2.5,\"handling_ns\":125000},"
	"{\"space\":\"ioport\",\"key\":\"0x71\",\"name\":\"RTC_CMOS_DATA\","
	"\"device\":\"RTC/CMOS\",\"dir\":\"in\",\"count\":25,"
	"\"rate_per_s\":2.5,\"handling_ns\":125000}],\"other_keys\":0,"
	"\"hlt_per_s\":10.0,\"halted_share\":0.200,\"rips\":["
	"{\"rip\":\"0xfffff80012345678\",\"count\":40000},"
	"{\"rip\":\"0xfffff80000001000\",\"count\":50}]},\"advice\":\"";

static void test_pmtmr(void)
{
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	pmtmr_vcpu(&v, &t);
	vm_init(&vm, 200, "200-15", &v, 1);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_u64(nr, 1, "doctor: PM timer reads give one finding");
	tap_ok(!strncmp(out, pmtmr_json, strlen(pmtmr_json)),
	       "doctor: clock-ioport-storm JSON evidence");
	tap_contains(out, "<timer name='hpet' present='yes'/>",
		     "doctor: PM timer advice names the HPET fix");
	tap_contains(out, "kvm-clock", "doctor: PM timer advice for Linux");
	tap_contains(out, "hv-time", "doctor: PM timer advice for Windows");
	tap_contains(out, "\"cost_ns_per_s\":20025000}]}\n",
		     "doctor: PM timer cost 20 ms/s");
	free(out);
}

/*
 * Seed 000: an idle Windows vCPU writes the Hyper-V EOI MSR 3000 times a
 * second; its few TSC_DEADLINE writes (10/s) are no tick.
 */
static void test_msr_storm(void)
{
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	vcpu_init(&v, &t, 0, KVMW_ISA_VMX);
	row(&v, KVMW_STAT_EXIT, 0, VMX_HLT, 0, 200, 6000000000ULL);
	row(&v, KVMW_STAT_EXIT, 0, VMX_MSR_WRITE, 0, 30100, 45100000);
	row(&v, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x6e0, 100, 100000);
	row(&v, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x40000070, 30000,
	    45000000);
	rip(&v, VMX_MSR_WRITE, 0xfffff8001000aaaaULL, 30000);
	vm_init(&vm, 300, "300-9", &v, 1);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_u64(nr, 1, "doctor: Hyper-V EOI storm gives one finding");
	tap_contains(out,
		"\"kind\":\"msr-write-storm\",\"summary\":\"3010.0 WRMSR exits/s on a mostly idle vCPU, most to HV_X64_MSR_EOI (0x40000070)\"",
		"doctor: msr-write-storm summary");
	tap_contains(out,
		"\"keys\":[{\"space\":\"msr\",\"key\":\"0x40000070\",\"name\":\"HV_X64_MSR_EOI\",\"dir\":\"write\",\"count\":30000,\"rate_per_s\":3000.0,\"handling_ns\":45000000},"
		"{\"space\":\"msr\",\"key\":\"0x6e0\",\"name\":\"IA32_TSC_DEADLINE\",\"dir\":\"write\",\"count\":100,\"rate_per_s\":10.0,\"handling_ns\":100000}]",
		"doctor: msr-write-storm keys, biggest first");
	tap_contains(out, "hv-vapic", "doctor: Hyper-V MSR advice");
	tap_contains(out, "\"cost_ns_per_s\":4510000}]}\n",
		     "doctor: msr-write-storm cost");
	free(out);
}

/* A tickless idle vCPU: 20 wake-ups/s, each rearming TSC_DEADLINE. */
static void test_healthy_idle(void)
{
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	vcpu_init(&v, &t, 0, KVMW_ISA_VMX);
	row(&v, KVMW_STAT_EXIT, 0, VMX_HLT, 0, 200, 9900000000ULL);
	row(&v, KVMW_STAT_EXIT, 0, VMX_MSR_WRITE, 0, 400, 800000);
	row(&v, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x6e0, 200, 400000);
	row(&v, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x80b, 200, 400000);
	vm_init(&vm, 400, "400-10", &v, 1);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: healthy idle vCPU (20 wake-ups/s): no finding");
	free(out);
	out = doctor(&s, false, NULL, &nr);
	tap_eq_str(out,
		   "No findings in 10.0 s: no exit pattern with a known cause.\n",
		   "doctor: no-finding text");
	free(out);
}

/*
 * A busy vCPU (halted 10%) with a HZ=1000 tick, 1000 HLTs/s and 50,000
 * CPUIDs/s: its tick is legitimate, nothing to report.
 */
static void test_busy(void)
{
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	vcpu_init(&v, &t, 0, KVMW_ISA_VMX);
	row(&v, KVMW_STAT_EXIT, 0, VMX_HLT, 0, 10000, 1000000000ULL);
	row(&v, KVMW_STAT_EXIT, 0, VMX_CPUID, 0, 500000, 250000000);
	row(&v, KVMW_STAT_EXIT, 0, VMX_MSR_WRITE, 0, 10000, 20000000);
	row(&v, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x6e0, 10000, 20000000);
	vm_init(&vm, 500, "500-10", &v, 1);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: busy vCPU with a tick: no finding");
	free(out);
}

/*
 * "Idle" is judged on the vCPU's own time, the window less the host's
 * handling of its other exits. make demo's legacy-clock guest under TCG:
 * halted 4 of 10 s while the host spends 3.05 s on its clock reads and
 * timer writes is halted 4 of its own 6.95 s (58%): its HZ=250 tick is
 * reported. Exactly at the edge: 4 of 8 s (50%), reported. Below it:
 * 3.4 of 6.95 s (49%), busy, no timer-tick. The clock port storm is
 * reported in all three (idle or not).
 */
static void idle_own_vcpu(struct kvmw_snap_vcpu *v, struct tvcpu *t,
			  u64 hlt_ns, u64 io_ns)
{
	vcpu_init(v, t, 0, KVMW_ISA_SVM);
	row(v, KVMW_STAT_EXIT, 0, SVM_HLT, 0, 2500, hlt_ns);
	row(v, KVMW_STAT_EXIT, 0, SVM_MSR, 0, 2500, 50000000);
	row(v, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x6e0, 2500, 50000000);
	row(v, KVMW_STAT_EXIT, 0, SVM_IOIO, 0, 30000, io_ns);
	row(v, KVMW_STAT_IOPORT, KVMW_SUB_READ, 0, 0x608, 30000, io_ns);
}

static void test_idle_own_time(void)
{
	static const struct {
		u64 hlt_ns, io_ns;
		const char *kinds;
	} c[] = {
		{ 4000000000ULL, 3000000000ULL, "clock-ioport-storm timer-tick " },
		{ 4000000000ULL, 1950000000ULL, "clock-ioport-storm timer-tick " },
		{ 3400000000ULL, 3000000000ULL, "clock-ioport-storm " },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct kvmw_snap_vcpu v;
		struct kvmw_snap_vm vm;
		struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
		struct kvmw_findings fs = { 0 };
		char kinds[128] = "";
		struct tvcpu t;
		size_t k;

		idle_own_vcpu(&v, &t, c[i].hlt_ns, c[i].io_ns);
		vm_init(&vm, 700, "700-10", &v, 1);
		tap_ok(!kvmw_doctor_run(&s, 10000000000ULL, NULL, &fs),
		       "doctor: idle on own time: runs");
		for (k = 0; k < fs.nr; k++) {
			strcat(kinds, kvmw_finding_kind_name(fs.f[k].kind));
			strcat(kinds, " ");
		}
		tap_eq_str(kinds, c[i].kinds,
			   "doctor: idle judged on the vCPU's own time");
		kvmw_findings_free(&fs);
	}
}

/*
 * A guest ticking on the PIT (mode byte to 0x43, two count bytes to 0x40,
 * 100 times a second) and on the xAPIC timer (TMICT by MMIO, 100/s, idle,
 * 100 HLTs/s): a clock-ioport-storm naming the PIT and a timer-tick.
 */
static void test_pit_xapic(void)
{
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	vcpu_init(&v, &t, 2, KVMW_ISA_VMX);
	row(&v, KVMW_STAT_EXIT, 0, VMX_HLT, 0, 1000, 9000000000ULL);
	row(&v, KVMW_STAT_IOPORT, KVMW_SUB_WRITE, 0, 0x40, 2000, 20000000);
	row(&v, KVMW_STAT_IOPORT, KVMW_SUB_WRITE, 0, 0x43, 1000, 10000000);
	row(&v, KVMW_STAT_MMIO, KVMW_SUB_WRITE, 0, 0xfee00380, 1000, 3000000);
	vm_init(&vm, 600, "600-10", &v, 1);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_u64(nr, 2, "doctor: PIT and xAPIC tick give two findings");
	tap_contains(out,
		"\"kind\":\"clock-ioport-storm\",\"summary\":\"300.0 exits/s on emulated clock/timer ports: PIT\"",
		"doctor: PIT storm first (3 ms/s)");
	tap_contains(out,
		"{\"space\":\"ioport\",\"key\":\"0x40\",\"name\":\"PIT_CH0\",\"device\":\"PIT\",\"dir\":\"out\",\"count\":2000,",
		"doctor: PIT port evidence");
	tap_contains(out, "the emulated PIT", "doctor: PIT advice");
	tap_contains(out,
		"\"kind\":\"timer-tick\",\"summary\":\"idle vCPU takes a periodic timer tick: 100.0 LAPIC timer writes/s (about HZ=100) with 100.0 HLT exits/s, halted 90% of the time\"",
		"doctor: xAPIC TMICT tick");
	tap_contains(out,
		"{\"space\":\"mmio\",\"key\":\"0xfee00380\",\"name\":\"XAPIC_TMICT\",\"dir\":\"write\",\"count\":1000,",
		"doctor: xAPIC TMICT evidence");
	free(out);
}

/*
 * An idle vCPU arming its timer 1000 times a second but waking from HLT
 * only 10 times: not a tick (no pairing), and 1000 WRMSRs/s are within
 * what a healthy idle vCPU may write: no finding.
 */
static void test_unpaired(void)
{
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	vcpu_init(&v, &t, 0, KVMW_ISA_VMX);
	row(&v, KVMW_STAT_EXIT, 0, VMX_HLT, 0, 100, 9000000000ULL);
	row(&v, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x6e0, 10000, 20000000);
	vm_init(&vm, 700, "700-10", &v, 1);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: timer writes without HLTs: no finding");
	free(out);
}

/* Two VMs: the PM timer storm (20 ms/s) ranks before the tick (0.5). */
static void test_rank(void)
{
	struct kvmw_snap_vcpu v1, v2;
	struct kvmw_snap_vm vms[2];
	struct kvmw_snap s = { .vms = vms, .nr_vms = 2 };
	struct tvcpu t1, t2;
	struct kvmw_findings fs;

	tick_vcpu(&v1, &t1);
	pmtmr_vcpu(&v2, &t2);
	vm_init(&vms[0], 100, "100-11", &v1, 1);
	vm_init(&vms[1], 200, "200-15", &v2, 1);
	if (kvmw_doctor_run(&s, WINDOW, NULL, &fs)) {
		tap_ok(false, "doctor: rank run");
		return;
	}
	tap_eq_u64(fs.nr, 2, "doctor: two findings");
	if (fs.nr == 2) {
		tap_eq_u64(fs.f[0].kind, KVMW_FIND_CLOCK_IOPORT,
			   "doctor: costliest first");
		tap_eq_u64(fs.f[0].cost_ns_per_s, 20025000,
			   "doctor: first cost");
		tap_eq_u64(fs.f[1].kind, KVMW_FIND_TIMER_TICK,
			   "doctor: cheaper second");
		tap_eq_u64(fs.f[1].vm, 0, "doctor: second is VM 0");
	}
	kvmw_findings_free(&fs);
}

/* ---- event kinds: records through docagg.c ---- */

static void ev_hdr(struct kvmw_ev *h, u16 type, u16 size, u64 vm, u32 vcpu)
{
	memset(h, 0, size);
	h->type = type;
	h->size = size;
	h->vm = vm;
	h->vcpu_id = vcpu;
}

static void add_wakeup(struct kvmw_docagg *a, u64 vm, u32 vcpu, u64 halt_ns,
		       bool waited, bool valid, unsigned int n)
{
	struct kvmw_ev_wakeup w;

	ev_hdr(&w.hdr, KVMW_EV_TYPE_WAKEUP, sizeof(w), vm, vcpu);
	w.halt_ns = halt_ns;
	w.waited = waited;
	w.valid = valid;
	while (n--)
		kvmw_docagg_add(a, &w.hdr);
}

static void add_poll(struct kvmw_docagg *a, u64 vm, u32 vcpu, u32 old_ns,
		     u32 new_ns)
{
	struct kvmw_ev_halt_poll p;

	ev_hdr(&p.hdr, KVMW_EV_TYPE_HALT_POLL, sizeof(p), vm, vcpu);
	p.old_ns = old_ns;
	p.new_ns = new_ns;
	p.grow = new_ns > old_ns;
	kvmw_docagg_add(a, &p.hdr);
}

static void add_load(struct kvmw_docagg *a, u64 vm, u32 vcpu, u32 pcpu,
		     u32 prev_pcpu, u32 prev_how, u64 off_ns, unsigned int n)
{
	struct kvmw_ev_load l;

	ev_hdr(&l.hdr, KVMW_EV_TYPE_LOAD, sizeof(l), vm, vcpu);
	l.pcpu = pcpu;
	l.prev_pcpu = prev_pcpu;
	l.prev_how = prev_how;
	l.off_ns = off_ns;
	while (n--)
		kvmw_docagg_add(a, &l.hdr);
}

static void add_dirty(struct kvmw_docagg *a, u64 vm, u32 vcpu, unsigned int n)
{
	struct kvmw_ev_dirty d;

	ev_hdr(&d.hdr, KVMW_EV_TYPE_DIRTY, sizeof(d), vm, vcpu);
	while (n--) {
		d.gfn = n;
		kvmw_docagg_add(a, &d.hdr);
	}
}

/* The JSON or text of @s's findings with events @a and link @bw. */
static char *doctor_ev(const struct kvmw_snap *s, const struct kvmw_docagg *a,
		       u64 bw, bool json, size_t *nr)
{
	struct kvmw_doctor_events ev = { .agg = a, .migration_bw = bw };
	struct kvmw_findings fs;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (kvmw_doctor_run(s, WINDOW, &ev, &fs))
		return strdup("ENOMEM");
	*nr = fs.nr;
	f = open_memstream(&buf, &len);
	if (json)
		kvmw_doctor_json(f, s, &fs, NULL);
	else
		kvmw_doctor_text(f, s, &fs, NULL);
	fclose(f);
	kvmw_findings_free(&fs);
	return buf;
}

/* The window a halt polled for, as docagg.c tracks it. */
static void test_docagg_window(void)
{
	const struct kvmw_docagg_vcpu *v;
	struct kvmw_docagg a = { 0 };
	struct kvmw_ev_wakeup shortw;

	/* Before any HALT_POLL: unknown; the first one's old_ns decides. */
	add_wakeup(&a, 1, 0, 300000, true, true, 3);
	add_wakeup(&a, 1, 0, 50000, false, true, 1);
	v = kvmw_docagg_find(&a, 1, 0);
	tap_ok(v && v->poll_fail == 0 && v->early_fail == 3,
	       "docagg: waited halts before any HALT_POLL wait for it");
	/* grow 100 us -> 200 us, written before its halt's WAKEUP */
	add_poll(&a, 1, 0, 100000, 200000);
	add_wakeup(&a, 1, 0, 150000, true, true, 1);
	v = kvmw_docagg_find(&a, 1, 0);
	tap_eq_u64(v ? v->poll_fail : 0, 4,
		   "docagg: 3 earlier + 1 halt with the old window failed");
	tap_eq_u64(v ? v->poll_fail_ns : 0, 400000,
		   "docagg: each polled 100 us (old_ns)");
	/* the new window, 200 us, and a halt shorter than it */
	add_wakeup(&a, 1, 0, 300000, true, true, 1);
	add_wakeup(&a, 1, 0, 120000, true, false, 1);
	v = kvmw_docagg_find(&a, 1, 0);
	tap_eq_u64(v ? v->poll_fail_ns : 0, 400000 + 200000 + 120000,
		   "docagg: min(window, halt_ns) per failed poll");
	tap_ok(v && v->wakeups == 7 && v->polled == 1 && v->invalid == 1 &&
	       v->grows == 1 && v->shrinks == 0 && v->window_ns == 200000,
	       "docagg: wakeups, polled, spurious, grows, window");
	/* shrink to 0: later waited halts did not poll */
	add_poll(&a, 1, 0, 200000, 0);
	add_wakeup(&a, 1, 0, 900000, true, true, 2);
	v = kvmw_docagg_find(&a, 1, 0);
	tap_ok(v && v->poll_fail == 7 && v->poll_fail_ns == 920000,
	       "docagg: the shrinking halt polled 200 us, none after");
	/* a vCPU with no HALT_POLL at all: nothing counted as failed */
	add_wakeup(&a, 1, 1, 900000, true, true, 5);
	v = kvmw_docagg_find(&a, 1, 1);
	tap_ok(v && v->poll_fail == 0 && v->poll_fail_ns == 0,
	       "docagg: one window all along: no failed poll counted");
	/* a record shorter than its type: skipped, counted */
	ev_hdr(&shortw.hdr, KVMW_EV_TYPE_WAKEUP, sizeof(struct kvmw_ev),
	       1, 2);
	kvmw_docagg_add(&a, &shortw.hdr);
	tap_ok(a.short_records == 1 && !kvmw_docagg_find(&a, 1, 2),
	       "docagg: short record skipped");
	/* SCHED */
	add_load(&a, 2, 0, 1, 1, KVMW_PUT_PREEMPTED, 5000, 2);
	add_load(&a, 2, 0, 0, 1, KVMW_PUT_BLOCKED, 900000, 1);
	add_load(&a, 2, 0, 0, ~0U, 0, 0, 1);
	v = kvmw_docagg_find(&a, 2, 0);
	tap_ok(v && v->loads == 4 && v->preempted == 2 &&
	       v->stall_ns == 10000 && v->max_stall_ns == 5000 &&
	       v->migrations == 1 && v->pcpus == 3,
	       "docagg: preempted loads, stall, migrations, pCPUs");
	kvmw_docagg_free(&a);
}

/* An SVM vCPU of VM serial 5 halting @hlt times in the window. */
static void halting_vcpu(struct kvmw_snap_vcpu *v, struct tvcpu *t,
			 struct kvmw_snap_vm *vm, u64 hlt)
{
	vcpu_init(v, t, 0, KVMW_ISA_SVM);
	row(v, KVMW_STAT_EXIT, 0, SVM_HLT, 0, hlt, 5000000000ULL);
	vm_init(vm, 300, "300-9", v, 1);
	vm->rec.serial = 5;
}

/*
 * Halt polling: one shrink 400 -> 200 us before a halt of 500 us (it
 * polled 400 us in vain), then @n halts of 300 us after failed polls of
 * 200 us, and @ok halts caught by polling. n = 2498: 500 ms in 10 s,
 * 50 ms/s, the threshold.
 */
static void halt_events(struct kvmw_docagg *a, unsigned int n,
			unsigned int ok)
{
	add_poll(a, 5, 0, 400000, 200000);
	add_wakeup(a, 5, 0, 500000, true, true, 1);
	add_wakeup(a, 5, 0, 300000, true, true, n);
	add_wakeup(a, 5, 0, 50000, false, true, ok);
}

static const char halt_json[] =
	"{\"window_s\":10.000,\"findings\":[{\"vm\":\"300-9\",\"pid\":300,"
	"\"name\":null,\"vcpu\":0,\"kind\":\"halt-poll-waste\",\"summary\":"
	"\"halt polling fails: 2499 of 4997 halts slept after polling (499.7 "
	"halts/s), 50.000 ms/s of host CPU polled in vain; window changes 0.0 "
	"grows/s, 0.1 shrinks/s\",\"evidence\":{\"window_s\":10.000,"
	"\"halts\":4997,\"halts_per_s\":499.7,\"polled\":2498,"
	"\"failed_polls\":2499,\"failed_poll_ns\":500000000,\"spurious\":0,"
	"\"grows\":0,\"shrinks\":1,\"changes_per_s\":0.1,"
	"\"last_window_ns\":200000},\"advice\":\"The vCPU's wake-ups come just "
	"after KVM's halt-polling window";

static void test_halt_poll(void)
{
	struct kvmw_docagg a = { 0 };
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	halting_vcpu(&v, &t, &vm, 4997);
	halt_events(&a, 2498, 2498);
	out = doctor_ev(&s, &a, 0, true, &nr);
	tap_eq_u64(nr, 1, "doctor: 50 ms/s polled in vain, 2499 > 2498: finding");
	tap_ok(!strncmp(out, halt_json, strlen(halt_json)),
	       "doctor: halt-poll-waste JSON");
	tap_contains(out, "halt_poll_ns_shrink=0", "doctor: halt-poll advice");
	tap_contains(out, "\"cost_ns_per_s\":50000000}]}\n",
		     "doctor: halt-poll cost = time polled in vain");
	free(out);
	out = doctor_ev(&s, &a, 0, false, &nr);
	tap_ok(!strncmp(out,
		"1. halt-poll-waste: VM 300-9 vCPU 0: halt polling fails: 2499 of 4997 halts slept after polling (499.7 halts/s), 50.000 ms/s of host CPU polled in vain; window changes 0.0 grows/s, 0.1 shrinks/s\n"
		"   cost: 50.000 ms of host CPU per second polling in vain (2499 failed polls)\n"
		"   halts: 499.7/s, 2498 caught by polling (50.0%), 2499 slept after polling, 0 spurious\n"
		"   poll window: 0 grows, 1 shrinks (0.1 changes/s), last 200.0 us\n"
		"   advice: The vCPU's wake-ups",
		strlen("1. halt-poll-waste: VM 300-9 vCPU 0: halt polling fails: 2499 of 4997 halts slept after polling (499.7 halts/s), 50.000 ms/s of host CPU polled in vain; window changes 0.0 grows/s, 0.1 shrinks/s\n"
		"   cost: 50.000 ms of host CPU per second polling in vain (2499 failed polls)\n"
		"   halts: 499.7/s, 2498 caught by polling (50.0%), 2499 slept after polling, 0 spurious\n"
		"   poll window: 0 grows, 1 shrinks (0.1 changes/s), last 200.0 us\n"
		"   advice: The vCPU's wake-ups")),
	       "doctor: halt-poll-waste text");
	free(out);
	kvmw_docagg_free(&a);

	/* 200 us less polled in vain: 49.99998 ms/s */
	halt_events(&a, 2497, 0);
	out = doctor_ev(&s, &a, 0, true, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: just under 50 ms/s: no finding");
	free(out);
	kvmw_docagg_free(&a);

	/* as many polls caught as failed: KVM's rule works, no finding */
	halt_events(&a, 2498, 2499);
	out = doctor_ev(&s, &a, 0, true, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: polls caught = polls failed: no finding");
	free(out);
	kvmw_docagg_free(&a);

	/* without events: statistics only, nothing to say about polling */
	halt_events(&a, 5000, 0);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: no events, no halt-poll-waste");
	free(out);
	kvmw_docagg_free(&a);
}

/*
 * Preemption: 100 loads after a preempted put, 10 ms off the CPU each:
 * 1 s of 10, the 10% threshold. One load from another pCPU after a
 * blocked put (a migration, not a stall).
 */
static void test_preemption(void)
{
	struct kvmw_docagg a = { 0 };
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	halting_vcpu(&v, &t, &vm, 10);
	add_load(&a, 5, 0, 3, 3, KVMW_PUT_PREEMPTED, 10000000, 100);
	add_load(&a, 5, 0, 3, 2, KVMW_PUT_BLOCKED, 4000000000ULL, 1);
	out = doctor_ev(&s, &a, 0, true, &nr);
	tap_eq_u64(nr, 1, "doctor: 10%% of the window preempted: finding");
	tap_contains(out,
		"\"vcpu\":0,\"kind\":\"vcpu-preemption\",\"summary\":\"vCPU thread preempted 10.0 times/s, runnable but not running 10.0% of the time\",\"evidence\":{\"window_s\":10.000,\"preemptions\":100,\"preemptions_per_s\":10.0,\"stall_ns\":1000000000,\"stall_ns_per_s\":100000000,\"stall_share\":0.100,\"max_stall_ns\":10000000,\"pcpus\":[3],\"migrations\":1},\"advice\":\"Other host tasks share this vCPU's host CPU",
		"doctor: vcpu-preemption JSON");
	tap_contains(out, "\"cost_ns_per_s\":0}]}\n",
		     "doctor: a stall is no host CPU cost");
	free(out);
	out = doctor_ev(&s, &a, 0, false, &nr);
	tap_contains(out,
		"1. vcpu-preemption: VM 300-9 vCPU 0: vCPU thread preempted 10.0 times/s, runnable but not running 10.0% of the time\n"
		"   cost: no host CPU counted: the stall is guest-visible time (steal), 100.000 ms per second\n"
		"   preempted: 100 times, 10.000 ms each on average, longest 10.000 ms; pCPUs 3, 1 migrations\n"
		"   advice: Other host tasks",
		"doctor: vcpu-preemption text");
	free(out);
	kvmw_docagg_free(&a);

	add_load(&a, 5, 0, 3, 3, KVMW_PUT_PREEMPTED, 10000000, 99);
	add_load(&a, 5, 0, 3, 3, KVMW_PUT_PREEMPTED, 9999999, 1);
	add_load(&a, 5, 0, 3, 3, KVMW_PUT_USER, 4000000000ULL, 1);
	out = doctor_ev(&s, &a, 0, true, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: 1 ns under 10%% (VMM time not a stall): no finding");
	free(out);
	kvmw_docagg_free(&a);
}

/*
 * Dirty rate against a 1 MiB/s link: 256 pages/s is the threshold,
 * 2560 pages in 10 s (560 of them written by the VMM, no vCPU).
 */
static void test_dirty_rate(void)
{
	struct kvmw_docagg a = { 0 };
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	halting_vcpu(&v, &t, &vm, 10);
	add_dirty(&a, 5, 0, 2000);
	add_dirty(&a, 5, KVMW_EV_NO_VCPU, 560);
	add_dirty(&a, 6, 0, 100000);	/* another VM's */
	out = doctor_ev(&s, &a, 1ULL << 20, true, &nr);
	tap_eq_u64(nr, 1, "doctor: 4 KiB x 256 pages/s = the link: finding");
	tap_contains(out,
		"{\"vm\":\"300-9\",\"pid\":300,\"name\":null,\"vcpu\":null,\"kind\":\"dirty-rate\",\"summary\":\"guest dirties 1.0 MiB/s (256.0 pages/s), 1.00x the migration link's 1.0 MiB/s: pre-copy migration cannot converge\",\"evidence\":{\"window_s\":10.000,\"pages\":2560,\"pages_by_vmm\":560,\"pages_per_s\":256.0,\"bytes_per_s\":1048576,\"migration_bandwidth_bytes_per_s\":1048576,\"ratio\":1.000},\"advice\":\"At this dirty rate",
		"doctor: dirty-rate JSON, VM-wide");
	tap_contains(out, "\"cost_ns_per_s\":0}]}\n",
		     "doctor: dirty-rate costs no host CPU counted");
	free(out);
	out = doctor_ev(&s, &a, 1ULL << 20, false, &nr);
	tap_contains(out,
		"1. dirty-rate: VM 300-9: guest dirties 1.0 MiB/s (256.0 pages/s), 1.00x the migration link's 1.0 MiB/s: pre-copy migration cannot converge\n"
		"   cost: no host CPU counted: the cost is a migration that cannot converge\n"
		"   dirtied: 2560 pages (2000 by vCPUs, 560 by the VMM), 1.0 MiB/s against 1.0 MiB/s\n"
		"   advice: At this dirty rate",
		"doctor: dirty-rate text");
	free(out);
	/* the same against QEMU's default 128 MiB/s */
	out = doctor_ev(&s, &a, 0, true, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: 1 MiB/s against the default 128 MiB/s: no finding");
	free(out);
	kvmw_docagg_free(&a);

	add_dirty(&a, 5, 0, 2559);
	out = doctor_ev(&s, &a, 1ULL << 20, true, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: one page under the link: no finding");
	free(out);
	kvmw_docagg_free(&a);
}

/*
 * External-interrupt exits: a busy SVM vCPU with @intr of them in 10 s
 * (2 us each) and @timer TSC_DEADLINE writes, which explain as many.
 */
static void intr_vcpu(struct kvmw_snap_vcpu *v, struct tvcpu *t,
		      struct kvmw_snap_vm *vm, u64 intr, u64 timer)
{
	vcpu_init(v, t, 1, KVMW_ISA_SVM);
	row(v, KVMW_STAT_EXIT, 0, SVM_INTR, 0, intr, intr * 2000);
	row(v, KVMW_STAT_EXIT, 0, SVM_MSR, 0, timer, timer * 1000);
	row(v, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x6e0, timer, timer * 1000);
	rip(v, SVM_INTR, 0x401000, intr);
	vm_init(vm, 400, "400-7", v, 1);
}

static void test_intr_noise(void)
{
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct tvcpu t;
	char *out;
	size_t nr;

	/* 10100 exits, 100 timer writes: 1000/s of noise, the threshold */
	intr_vcpu(&v, &t, &vm, 10100, 100);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_u64(nr, 1, "doctor: 1000 noise interrupts/s: finding");
	tap_contains(out,
		"{\"vm\":\"400-7\",\"pid\":400,\"name\":null,\"vcpu\":1,\"kind\":\"interrupt-noise\",\"summary\":\"1000.0 external-interrupt exits/s: host interrupts beyond the tick (at most 1000/s) hit the vCPU's pCPU\",\"evidence\":{\"window_s\":10.000,\"exits\":10000,\"rate_per_s\":1000.0,\"handling_ns\":20000000,\"share_of_exits\":0.980,\"share_of_time\":0.985,\"keys\":[],\"other_keys\":0,\"timer_writes\":100,\"hlt_per_s\":0.0,\"halted_share\":0.000,\"rips\":[{\"rip\":\"0x401000\",\"count\":10100}]},\"advice\":\"Host interrupts",
		"doctor: interrupt-noise JSON, timer writes left out");
	tap_contains(out, "Seed 003: pinning", "doctor: pinning advice");
	tap_contains(out, "\"cost_ns_per_s\":2000000}]}\n",
		     "doctor: interrupt-noise cost pro rata");
	free(out);
	out = doctor(&s, false, NULL, &nr);
	tap_contains(out,
		"1. interrupt-noise: VM 400-7 vCPU 1: 1000.0 external-interrupt exits/s: host interrupts beyond the tick (at most 1000/s) hit the vCPU's pCPU\n"
		"   cost: 2.000 ms of host CPU per second (10000 exits, 98.0% of the vCPU's exits, 98.5% of its exit handling time)\n"
		"   left out: 10.0/s, as many as the guest's timer writes\n"
		"   hlt: 0.0/s, halted 0.0% of the window\n"
		"   guest RIPs: 0x401000 (10100)\n"
		"   advice: Host interrupts",
		"doctor: interrupt-noise text");
	free(out);

	intr_vcpu(&v, &t, &vm, 10099, 100);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: one under 1000/s after the timer's: no finding");
	free(out);

	/* a HZ=1000 host tick on a busy vCPU: legitimate */
	intr_vcpu(&v, &t, &vm, 9999, 0);
	out = doctor(&s, true, NULL, &nr);
	tap_eq_str(out, "{\"window_s\":10.000,\"findings\":[]}\n",
		   "doctor: a tick's worth of interrupts: no finding");
	free(out);
}

/* Ranking: cost first; at equal cost a vCPU's before its VM's. */
static void test_rank_events(void)
{
	struct kvmw_docagg a = { 0 };
	struct kvmw_snap_vcpu v;
	struct kvmw_snap_vm vm;
	struct kvmw_snap s = { .vms = &vm, .nr_vms = 1 };
	struct kvmw_doctor_events ev = { .agg = &a, .migration_bw = 1 << 20 };
	struct kvmw_findings fs;
	struct tvcpu t;

	halting_vcpu(&v, &t, &vm, 4997);
	add_dirty(&a, 5, 0, 10000);
	add_load(&a, 5, 0, 0, 0, KVMW_PUT_PREEMPTED, 5000000000ULL, 1);
	halt_events(&a, 3000, 0);
	if (kvmw_doctor_run(&s, WINDOW, &ev, &fs)) {
		tap_ok(false, "doctor: rank events run");
		return;
	}
	tap_eq_u64(fs.nr, 3, "doctor: three event findings");
	if (fs.nr == 3) {
		tap_ok(fs.f[0].kind == KVMW_FIND_HALT_POLL &&
		       fs.f[1].kind == KVMW_FIND_PREEMPTION &&
		       fs.f[2].kind == KVMW_FIND_DIRTY_RATE && !fs.f[2].vcpu,
		       "doctor: halt-poll (cost), then vCPU, then VM-wide");
	}
	kvmw_findings_free(&fs);
	kvmw_docagg_free(&a);
}

void test_doctor(void)
{
	test_tick();
	test_tick_33k();
	test_pmtmr();
	test_msr_storm();
	test_healthy_idle();
	test_busy();
	test_idle_own_time();
	test_pit_xapic();
	test_unpaired();
	test_rank();
	test_docagg_window();
	test_halt_poll();
	test_preemption();
	test_dirty_rate();
	test_intr_noise();
	test_rank_events();
}
