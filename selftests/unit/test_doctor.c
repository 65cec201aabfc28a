// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch doctor's diagnosis (tools/lib/doctor.c) on hand-built
 * snapshots of a 10 s window: each kind of finding from the figures of
 * its seed, the healthy idle and busy vCPUs that must get none, the
 * ranking by cost, and the exact JSON and text.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	if (kvmw_doctor_run(s, WINDOW, &fs))
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
	"\"name\":\"ACPI_PM_TMR_I440FX\",\"device\":\"ACPI PM timer\","
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
	if (kvmw_doctor_run(&s, WINDOW, &fs)) {
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

void test_doctor(void)
{
	test_tick();
	test_tick_33k();
	test_pmtmr();
	test_msr_storm();
	test_healthy_idle();
	test_busy();
	test_pit_xapic();
	test_unpaired();
	test_rank();
}
