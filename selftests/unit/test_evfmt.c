// SPDX-License-Identifier: GPL-2.0
/*
 * Event records as "kvmwatch trace" prints them (tools/lib/evfmt.c), byte
 * for byte: every record type as a text line and as a JSON object, the
 * kvm_watcher tables (checked against lines of kvm_watcher's own sample
 * output), the -e parser and the thread-name cache.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evfmt.h"
#include "tap.h"
#include "tests.h"

union any_rec {
	struct kvmw_ev hdr;
	struct kvmw_ev_exit exit;
	struct kvmw_ev_msr msr;
	struct kvmw_ev_pio pio;
	struct kvmw_ev_mmio mmio;
	struct kvmw_ev_wakeup wakeup;
	struct kvmw_ev_halt_poll halt_poll;
	struct kvmw_ev_dirty dirty;
	struct kvmw_ev_load load;
	struct kvmw_ev_put put;
	struct kvmw_ev_inject inject;
	struct kvmw_ev_page_fault pf;
	struct kvmw_ev_hypercall hcall;
	struct kvmw_ev_vm vm;
	struct kvmw_ev_test test;
	u64 raw[KVMW_EV_MAX_SIZE / 8];
};

static const struct kvmw_evfmt_info info = {
	.cpu = 1, .vm = "1234-11", .comm = "CPU 2/KVM",
};

/* The header of the records below: kvm_watcher's first -w sample. */
static void hdr(union any_rec *r, u16 type, u16 size)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = type;
	r->hdr.size = size;
	r->hdr.vcpu_id = 2;
	r->hdr.seq = 7;
	r->hdr.time_ns = 879542671234831ULL;
	r->hdr.vm = 3;
	r->hdr.pid = 269394;
	r->hdr.tid = 269407;
}

#define PREFIX	"879542671.234831   1234-11      269394/269407   2     "

static void check_text(enum kvmw_evfmt_view view, const union any_rec *r,
		       const struct kvmw_evfmt_info *in, const char *want,
		       const char *what)
{
	struct capture c;

	kvmw_evfmt_text(capture_begin(&c), view, &r->hdr, in);
	tap_eq_str(capture_end(&c), want, "text: %s", what);
	capture_free(&c);
}

static void check_json(const union any_rec *r,
		       const struct kvmw_evfmt_info *in, const char *want,
		       const char *what)
{
	struct capture c;

	kvmw_evfmt_json(capture_begin(&c), &r->hdr, in);
	tap_eq_str(capture_end(&c), want, "json: %s", what);
	capture_free(&c);
}

#define JHDR(event) \
	"{\"event\":\"" event "\",\"time_ns\":879542671234831,\"seq\":7," \
	"\"cpu\":1,\"vm\":\"1234-11\",\"vm_serial\":3,\"pid\":269394," \
	"\"tid\":269407,\"comm\":\"CPU 2/KVM\",\"vcpu\":2,"

static void test_headers(void)
{
	static const struct {
		enum kvmw_evfmt_view view;
		const char *want;
	} h[] = {
		/* kvm_watcher's sample output, trailing blanks included. */
		{ KVMW_VIEW_WAKEUP, "TIME(ms)           DUR_HALT(ms)         "
		  "COMM            PID/TID         VCPU_ID    WAIT/POLL  "
		  "VAILD?    \n" },
		{ KVMW_VIEW_HALT_POLL, "TIME(ms)           COMM            "
		  "PID/TID         TYPE       VCPU_ID OLD(ns)     NEW(ns)   \n" },
		{ KVMW_VIEW_DIRTY, "TIME(ms)           COMM            "
		  "PID/TID         GFN        REL_GFN    NPAGES     "
		  "USERSPACE_ADDR  SLOT_ID   \n" },
		{ KVMW_VIEW_EVENTS, "TIME(ms)           VM           "
		  "PID/TID         VCPU  EVENT      DETAILS\n" },
	};
	struct capture c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(h); i++) {
		kvmw_evfmt_header(capture_begin(&c), h[i].view);
		tap_eq_str(capture_end(&c), h[i].want, "header of view %d",
			   (int)h[i].view);
		capture_free(&c);
	}
}

static void test_watcher_rows(void)
{
	struct kvmw_evfmt_info in = info;
	union any_rec r;

	/* kvm_watcher -w, first sample line. */
	hdr(&r, KVMW_EV_TYPE_WAKEUP, sizeof(r.wakeup));
	r.wakeup.halt_ns = 59877982;
	r.wakeup.waited = 1;
	r.wakeup.valid = 1;
	check_text(KVMW_VIEW_WAKEUP, &r, &in,
		   "879542671.234831   59.877982            CPU 2/KVM       "
		   "269394/269407   2          wait       valid     \n",
		   "wakeup as kvm_watcher -w");
	r.wakeup.waited = 0;
	r.wakeup.valid = 0;
	in.comm = NULL;
	check_text(KVMW_VIEW_WAKEUP, &r, &in,
		   "879542671.234831   59.877982            -               "
		   "269394/269407   2          poll       invalid   \n",
		   "wakeup -w: polled, spurious, thread gone");
	in.comm = info.comm;

	/* kvm_watcher -n, first sample line. */
	hdr(&r, KVMW_EV_TYPE_HALT_POLL, sizeof(r.halt_poll));
	r.hdr.time_ns = 879590230083646ULL;
	r.hdr.pid = 529746;
	r.hdr.tid = 529769;
	r.hdr.vcpu_id = 0;
	r.halt_poll.grow = 1;
	r.halt_poll.old_ns = 0;
	r.halt_poll.new_ns = 10000;
	in.comm = "CPU 0/KVM";
	check_text(KVMW_VIEW_HALT_POLL, &r, &in,
		   "879590230.083646   CPU 0/KVM       529746/529769   grow"
		   "       0       0       --> 10000 \n",
		   "halt_poll as kvm_watcher -n");
	check_text(KVMW_VIEW_WAKEUP, &r, &in,
		   "879590230.083646   CPU 0/KVM       529746/529769   grow"
		   "       0       0       --> 10000 \n",
		   "halt_poll in the -w view: an -n row");
	r.halt_poll.grow = 0;
	r.halt_poll.old_ns = 20000;
	r.halt_poll.new_ns = 0;
	r.hdr.vcpu_id = 3;
	check_text(KVMW_VIEW_HALT_POLL, &r, &in,
		   "879590230.083646   CPU 0/KVM       529746/529769   shrink"
		   "     3       20000   --> 0 \n",
		   "halt_poll -n: shrink");

	/* kvm_watcher -d, first sample line. */
	hdr(&r, KVMW_EV_TYPE_DIRTY, sizeof(r.dirty));
	r.hdr.time_ns = 1056168589765210ULL;
	r.hdr.pid = 630632;
	r.hdr.tid = 630644;
	r.dirty.gfn = 0xf3eeb;
	r.dirty.rel_gfn = 0x3eeb;
	r.dirty.npages = 16384;
	r.dirty.hva = 0x7fbd5fe00000ULL;
	r.dirty.slot = 3;
	in.comm = "CPU 2/KVM";
	check_text(KVMW_VIEW_DIRTY, &r, &in,
		   "1056168589.765210  CPU 2/KVM       630632/630644   f3eeb"
		   "      3eeb       16384      7fbd5fe00000    3 \n",
		   "dirty as kvm_watcher -d");
	/* Small pids pad as kvm_watcher's "%-6d/%-8d" does. */
	r.hdr.pid = 42;
	r.hdr.tid = 43;
	r.hdr.time_ns = 5000001;
	check_text(KVMW_VIEW_DIRTY, &r, &in,
		   "5.000001           CPU 2/KVM       42    /43       f3eeb"
		   "      3eeb       16384      7fbd5fe00000    3 \n",
		   "dirty -d: short pid and tid, small time");
	/* A record the view has no row for: the common shape. */
	check_text(KVMW_VIEW_WAKEUP, &r, &in,
		   "5.000001           1234-11      42/43           2     dirty"
		   "      gfn=0xf3eeb rel_gfn=0x3eeb npages=16384 "
		   "hva=0x7fbd5fe00000 slot=3 as=0\n",
		   "dirty in the -w view: the common line");
}

static void test_exit(void)
{
	struct kvmw_evfmt_info in = info;
	union any_rec r;

	hdr(&r, KVMW_EV_TYPE_EXIT, sizeof(r.exit));
	r.exit.isa = KVMW_ISA_SVM;
	r.exit.code = 0x7b;
	r.exit.info1 = 0x800010;
	r.exit.info2 = 0x1007;
	r.exit.rip = 0x1005;
	r.exit.duration_ns = 12345;
	r.exit.key = 0x80;
	r.exit.key_kind = KVMW_STAT_IOPORT;
	r.exit.key_sub = KVMW_SUB_WRITE;
	r.exit.flags = KVMW_EXIT_USER;
	check_text(KVMW_VIEW_EVENTS, &r, &in, PREFIX "exit       reason=io "
		   "key=0x80:POUT name=POST_IODELAY dur_us=12.345 rip=0x1005 "
		   "info1=0x800010 info2=0x1007 flags=user\n", "exit, IO port");
	check_json(&r, &in, JHDR("exit") "\"isa\":\"SVM\",\"code\":123,"
		   "\"reason\":\"io\",\"key_kind\":\"ioport\",\"key\":"
		   "\"0x80:POUT\",\"dir\":\"write\",\"name\":\"POST_IODELAY\","
		   "\"duration_ns\":12345,\"rip\":4101,\"info1\":8388624,"
		   "\"info2\":4103,\"user\":true,\"negative\":false,"
		   "\"decode_error\":false}\n", "exit, IO port");

	r.exit.code = 0x7c;
	r.exit.key = 0x6e0;
	r.exit.key_kind = KVMW_STAT_MSR;
	r.exit.duration_ns = 0;
	r.exit.flags = KVMW_EXIT_NEGATIVE | KVMW_EXIT_DECODE_ERROR;
	check_text(KVMW_VIEW_EVENTS, &r, &in, PREFIX "exit       reason=msr "
		   "key=0x6e0:W name=IA32_TSC_DEADLINE dur_us=0.000 "
		   "rip=0x1005 info1=0x800010 info2=0x1007 "
		   "flags=negative,decode_error\n", "exit, MSR, two flags");

	r.exit.key_kind = KVMW_STAT_MMIO;
	r.exit.key_sub = KVMW_SUB_READ;
	r.exit.key = 0xd0001000;
	r.exit.code = 0x400;
	r.exit.flags = 0;
	check_text(KVMW_VIEW_EVENTS, &r, &in, PREFIX "exit       reason=npf "
		   "key=0xd0001000:R dur_us=0.000 rip=0x1005 info1=0x800010 "
		   "info2=0x1007\n", "exit, MMIO: no name");
	check_json(&r, &in, JHDR("exit") "\"isa\":\"SVM\",\"code\":1024,"
		   "\"reason\":\"npf\",\"key_kind\":\"mmio\",\"key\":"
		   "\"0xd0001000:R\",\"dir\":\"read\",\"name\":null,"
		   "\"duration_ns\":0,\"rip\":4101,\"info1\":8388624,"
		   "\"info2\":4103,\"user\":false,\"negative\":false,"
		   "\"decode_error\":false}\n", "exit, MMIO");

	/* No key, a code no table knows, no vCPU, an unnamed VM. */
	r.exit.key_kind = 0;
	r.exit.isa = KVMW_ISA_VMX;
	r.exit.code = 0x9999;
	r.hdr.vcpu_id = KVMW_EV_NO_VCPU;
	r.hdr.vm = 5;
	in.vm = NULL;
	in.comm = NULL;
	check_text(KVMW_VIEW_EVENTS, &r, &in,
		   "879542671.234831   #5           269394/269407   -     exit"
		   "       reason=UNKNOWN(0x9999) dur_us=0.000 rip=0x1005 "
		   "info1=0x800010 info2=0x1007\n", "exit, unknown reason");
	check_json(&r, &in, "{\"event\":\"exit\",\"time_ns\":879542671234831,"
		   "\"seq\":7,\"cpu\":1,\"vm\":null,\"vm_serial\":5,"
		   "\"pid\":269394,\"tid\":269407,\"comm\":null,\"vcpu\":null,"
		   "\"isa\":\"VMX\",\"code\":39321,\"reason\":"
		   "\"UNKNOWN(0x9999)\",\"key_kind\":null,\"key\":null,"
		   "\"dir\":null,\"name\":null,\"duration_ns\":0,\"rip\":4101,"
		   "\"info1\":8388624,\"info2\":4103,\"user\":false,"
		   "\"negative\":false,\"decode_error\":false}\n",
		   "exit, unknown reason, nulls");
	r.hdr.vm = 0;
	check_text(KVMW_VIEW_EVENTS, &r, &in,
		   "879542671.234831   -            269394/269407   -     exit"
		   "       reason=UNKNOWN(0x9999) dur_us=0.000 rip=0x1005 "
		   "info1=0x800010 info2=0x1007\n", "exit, no VM");

	/* A record shorter than this tool's structure: zeros past it. */
	hdr(&r, KVMW_EV_TYPE_EXIT, 48);
	r.exit.isa = KVMW_ISA_SVM;
	r.exit.code = 0x7b;
	r.exit.rip = 0x1005;		/* past the record: not read */
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "exit       reason=io "
		   "dur_us=0.000 rip=0x0 info1=0x0 info2=0x0\n",
		   "exit, shorter record");
}

static void test_io(void)
{
	union any_rec r;

	hdr(&r, KVMW_EV_TYPE_MSR, sizeof(r.msr));
	r.msr.index = 0x6e0;
	r.msr.write = 1;
	r.msr.exception = 1;
	r.msr.value = 0x12345;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "msr        msr=0x6e0 "
		   "dir=write value=0x12345 name=IA32_TSC_DEADLINE "
		   "exception=gp\n", "msr");
	check_json(&r, &info, JHDR("msr") "\"msr\":1760,\"dir\":\"write\","
		   "\"value\":74565,\"exception\":true,\"name\":"
		   "\"IA32_TSC_DEADLINE\"}\n", "msr");
	r.msr.index = 0x12345678;
	r.msr.write = 0;
	r.msr.exception = 0;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "msr        "
		   "msr=0x12345678 dir=read value=0x12345\n", "msr, unnamed");

	hdr(&r, KVMW_EV_TYPE_PIO, sizeof(r.pio));
	r.pio.port = 0x80;
	r.pio.size = 1;
	r.pio.count = 1;
	r.pio.value = 0x2a;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "pio        port=0x80 "
		   "dir=out size=1 count=1 value=0x2a name=POST_IODELAY\n",
		   "pio");
	r.pio.in = 1;
	r.pio.port = 0xf4;
	r.pio.size = 4;
	check_json(&r, &info, JHDR("pio") "\"port\":244,\"dir\":\"in\","
		   "\"size\":4,\"count\":1,\"value\":42,\"name\":null}\n", "pio");

	hdr(&r, KVMW_EV_TYPE_MMIO, sizeof(r.mmio));
	r.mmio.type = KVMW_MMIO_WRITE;
	r.mmio.len = 4;
	r.mmio.gpa = 0xd0000000;
	r.mmio.value = 0x11;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "mmio       "
		   "gpa=0xd0000000 dir=write len=4 value=0x11\n", "mmio");
	r.mmio.type = KVMW_MMIO_READ_UNSATISFIED;
	check_json(&r, &info, JHDR("mmio") "\"gpa\":3489660928,\"dir\":"
		   "\"read_unsatisfied\",\"len\":4,\"value\":17}\n", "mmio");
	r.mmio.type = 7;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "mmio       "
		   "gpa=0xd0000000 dir=7 len=4 value=0x11\n",
		   "mmio, unknown direction");
	check_json(&r, &info, JHDR("mmio") "\"gpa\":3489660928,\"dir\":7,"
		   "\"len\":4,\"value\":17}\n", "mmio, unknown direction");
}

static void test_halt_dirty(void)
{
	union any_rec r;

	hdr(&r, KVMW_EV_TYPE_WAKEUP, sizeof(r.wakeup));
	r.wakeup.halt_ns = 59877982;
	r.wakeup.waited = 1;
	r.wakeup.valid = 1;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "wakeup     "
		   "halt_ms=59.877982 how=wait valid=yes\n", "wakeup");
	check_json(&r, &info, JHDR("wakeup") "\"halt_ns\":59877982,"
		   "\"waited\":true,\"valid\":true}\n", "wakeup");

	hdr(&r, KVMW_EV_TYPE_HALT_POLL, sizeof(r.halt_poll));
	r.halt_poll.grow = 1;
	r.halt_poll.new_ns = 10000;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "halt_poll  "
		   "type=grow old_ns=0 new_ns=10000\n", "halt_poll");
	check_json(&r, &info, JHDR("halt_poll") "\"grow\":true,\"old_ns\":0,"
		   "\"new_ns\":10000}\n", "halt_poll");

	hdr(&r, KVMW_EV_TYPE_DIRTY, sizeof(r.dirty));
	r.dirty.gfn = 0xf3eeb;
	r.dirty.rel_gfn = 0x3eeb;
	r.dirty.npages = 16384;
	r.dirty.hva = 0x7fbd5fe00000ULL;
	r.dirty.slot = 0x10003;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "dirty      "
		   "gfn=0xf3eeb rel_gfn=0x3eeb npages=16384 "
		   "hva=0x7fbd5fe00000 slot=3 as=1\n", "dirty, address space 1");
	check_json(&r, &info, JHDR("dirty") "\"gfn\":999147,\"rel_gfn\":"
		   "16107,\"npages\":16384,\"hva\":140451334062080,\"slot\":3,"
		   "\"as\":1}\n", "dirty");
}

static void test_sched(void)
{
	union any_rec r;

	hdr(&r, KVMW_EV_TYPE_LOAD, sizeof(r.load));
	r.load.pcpu = 2;
	r.load.prev_pcpu = 1;
	r.load.off_ns = 1500000;
	r.load.prev_how = KVMW_PUT_PREEMPTED;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "load       pcpu=2 "
		   "prev=preempted prev_pcpu=1 off_ms=1.500000\n", "load");
	check_json(&r, &info, JHDR("load") "\"pcpu\":2,\"prev_how\":"
		   "\"preempted\",\"prev_pcpu\":1,\"off_ns\":1500000}\n", "load");
	r.load.prev_pcpu = ~0U;
	r.load.off_ns = 0;
	r.load.prev_how = 0;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "load       pcpu=2 "
		   "prev=none\n", "load, first one");
	check_json(&r, &info, JHDR("load") "\"pcpu\":2,\"prev_how\":null,"
		   "\"prev_pcpu\":null,\"off_ns\":0}\n", "load, first one");
	r.load.prev_how = KVMW_PUT_USER;
	r.load.off_ns = 2;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "load       pcpu=2 "
		   "prev=user off_ms=0.000002\n", "load, previous CPU unknown");

	hdr(&r, KVMW_EV_TYPE_PUT, sizeof(r.put));
	r.put.pcpu = 2;
	r.put.how = KVMW_PUT_BLOCKED;
	r.put.run_ns = 250;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "put        pcpu=2 "
		   "how=blocked run_ms=0.000250\n", "put");
	check_json(&r, &info, JHDR("put") "\"pcpu\":2,\"how\":\"blocked\","
		   "\"run_ns\":250}\n", "put");
	r.put.how = 9;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "put        pcpu=2 "
		   "how=9 run_ms=0.000250\n", "put, unknown how");
}

static void test_irq_pf_hcall(void)
{
	union any_rec r;

	hdr(&r, KVMW_EV_TYPE_INJECT, sizeof(r.inject));
	r.inject.vector = 0x20;
	r.inject.kind = KVMW_INJ_IRQ;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "inject     kind=irq "
		   "vector=0x20 reinjected=no\n", "inject, IRQ");
	check_json(&r, &info, JHDR("inject") "\"kind\":\"irq\",\"vector\":32,"
		   "\"reinjected\":false,\"error_code\":null}\n", "inject, IRQ");
	r.inject.vector = 14;
	r.inject.kind = KVMW_INJ_EXCEPTION;
	r.inject.reinjected = 1;
	r.inject.has_error = 1;
	r.inject.error_code = 6;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "inject     "
		   "kind=exception vector=0xe reinjected=yes error_code=0x6\n",
		   "inject, #PF with error code");
	check_json(&r, &info, JHDR("inject") "\"kind\":\"exception\","
		   "\"vector\":14,\"reinjected\":true,\"error_code\":6}\n",
		   "inject, #PF");
	r.inject.kind = KVMW_INJ_SOFT;
	r.inject.has_error = 0;
	r.inject.reinjected = 0;
	r.inject.vector = 0x80;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "inject     kind=soft "
		   "vector=0x80 reinjected=no\n", "inject, INT 0x80");

	hdr(&r, KVMW_EV_TYPE_PAGE_FAULT, sizeof(r.pf));
	r.pf.gpa = 0xfee00000;
	r.pf.error_code = 0x100000006ULL;
	r.pf.duration_ns = 3000;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "page_fault "
		   "gpa=0xfee00000 error_code=0x100000006 dur_us=3.000\n",
		   "page_fault");
	check_json(&r, &info, JHDR("page_fault") "\"gpa\":4276092928,"
		   "\"error_code\":4294967302,\"duration_ns\":3000}\n",
		   "page_fault");

	hdr(&r, KVMW_EV_TYPE_HYPERCALL, sizeof(r.hcall));
	r.hcall.nr = 5;
	r.hcall.args[1] = 7;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "hypercall  nr=5 "
		   "name=KICK_CPU a0=0x0 a1=0x7 a2=0x0 a3=0x0\n", "hypercall");
	check_json(&r, &info, JHDR("hypercall") "\"nr\":5,\"name\":"
		   "\"KICK_CPU\",\"args\":[0,7,0,0]}\n", "hypercall");
	r.hcall.nr = 0;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "hypercall  nr=0 "
		   "a0=0x0 a1=0x7 a2=0x0 a3=0x0\n", "hypercall, unnamed");
}

static void test_vm_test_unknown(void)
{
	union any_rec r;
	unsigned int i;

	hdr(&r, KVMW_EV_TYPE_VM_CREATE, sizeof(r.vm));
	r.hdr.vcpu_id = KVMW_EV_NO_VCPU;
	r.vm.ppid = 1000;
	strcpy(r.vm.id, "1234-11");
	check_text(KVMW_VIEW_EVENTS, &r, &info,
		   "879542671.234831   1234-11      269394/269407   -     "
		   "vm_create  id=1234-11 ppid=1000 vcpus=0\n", "vm_create");
	r.hdr.type = KVMW_EV_TYPE_VM_GONE;
	r.vm.nr_vcpus = 2;
	/* An id that fills its array: no terminator needed. */
	memset(r.vm.id, '9', sizeof(r.vm.id));
	check_json(&r, &info, "{\"event\":\"vm_gone\",\"time_ns\":"
		   "879542671234831,\"seq\":7,\"cpu\":1,\"vm\":\"1234-11\","
		   "\"vm_serial\":3,\"pid\":269394,\"tid\":269407,\"comm\":"
		   "\"CPU 2/KVM\",\"vcpu\":null,\"id\":"
		   "\"99999999999999999999999999999999\",\"ppid\":1000,"
		   "\"nr_vcpus\":2}\n", "vm_gone, full id");

	hdr(&r, KVMW_EV_TYPE_TEST, sizeof(r.test) + 16);
	r.test.words = 2;
	r.test.index = 5;
	for (i = 0; i < 2; i++)
		r.test.check[i] = 5 * 0x9e3779b97f4a7c15ULL + i;
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "test       "
		   "producer=0 index=5 words=2 check=ok\n", "test, valid");
	r.test.check[1]++;
	r.test.producer = 1;
	check_json(&r, &info, JHDR("test") "\"producer\":1,\"index\":5,"
		   "\"words\":2,\"check_ok\":false}\n", "test, bad check word");
	r.test.check[1]--;
	r.test.words = 3;		/* more than the record holds */
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "test       "
		   "producer=1 index=5 words=3 check=bad\n",
		   "test, words past the record");

	hdr(&r, 99, 48);
	check_text(KVMW_VIEW_EVENTS, &r, &info, PREFIX "unknown    "
		   "type=99 size=48\n", "unknown type");
	check_json(&r, &info, JHDR("unknown") "\"type\":99,\"size\":48}\n",
		   "unknown type");
}

static void check_sel(const char *list, int ret, u64 families, u32 types,
		      const char *bad_want)
{
	struct kvmw_evsel sel;
	char bad[32] = "unset";
	int got = kvmw_evsel_parse(list, &sel, bad, sizeof(bad));

	tap_ok(got == ret && sel.families == families && sel.types == types &&
	       (ret == 0 || !strcmp(bad, bad_want)),
	       "-e '%s': %d, families %#llx, types %#x%s%s", list, got,
	       (unsigned long long)sel.families, sel.types,
	       ret ? ", bad word " : "", ret ? bad : "");
}

static void test_select(void)
{
	check_sel("exit", 0, KVMW_ENABLE_EXIT, KVMW_EVT(KVMW_EV_TYPE_EXIT),
		  NULL);
	check_sel("io,halt", 0, KVMW_ENABLE_IO | KVMW_ENABLE_HALT,
		  KVMW_EVT(2) | KVMW_EVT(3) | KVMW_EVT(4) | KVMW_EVT(5) |
		  KVMW_EVT(6), NULL);
	check_sel("all", 0, KVMW_ENABLE_EVENTS, 0x7ffe, NULL);
	check_sel("wakeup", 0, KVMW_ENABLE_HALT,
		  KVMW_EVT(KVMW_EV_TYPE_WAKEUP), NULL);
	check_sel("pio,exit,pio", 0, KVMW_ENABLE_IO | KVMW_ENABLE_EXIT,
		  KVMW_EVT(KVMW_EV_TYPE_PIO) | KVMW_EVT(KVMW_EV_TYPE_EXIT),
		  NULL);
	check_sel("sched,irq,pf,hcall,vm,dirty", 0,
		  KVMW_ENABLE_SCHED | KVMW_ENABLE_IRQ | KVMW_ENABLE_PF |
		  KVMW_ENABLE_HCALL | KVMW_ENABLE_VM | KVMW_ENABLE_DIRTY,
		  0x7f80, NULL);
	check_sel("bogus", -1, 0, 0, "bogus");
	check_sel("exit,,io", -1, 0, 0, "");
	check_sel("exit,", -1, 0, 0, "");
	check_sel("", -1, 0, 0, "");
	check_sel("test", -1, 0, 0, "test");
	check_sel("Exit", -1, 0, 0, "Exit");
	check_sel("io,exits", -1, 0, 0, "exits");

	tap_eq_u64(kvmw_evfmt_view_for(KVMW_EVT(KVMW_EV_TYPE_WAKEUP)),
		   KVMW_VIEW_WAKEUP, "view: wakeup alone is -w");
	tap_eq_u64(kvmw_evfmt_view_for(KVMW_EVT(5) | KVMW_EVT(6)),
		   KVMW_VIEW_WAKEUP, "view: the halt family is -w");
	tap_eq_u64(kvmw_evfmt_view_for(KVMW_EVT(KVMW_EV_TYPE_HALT_POLL)),
		   KVMW_VIEW_HALT_POLL, "view: halt_poll alone is -n");
	tap_eq_u64(kvmw_evfmt_view_for(KVMW_EVT(KVMW_EV_TYPE_DIRTY)),
		   KVMW_VIEW_DIRTY, "view: dirty alone is -d");
	tap_eq_u64(kvmw_evfmt_view_for(KVMW_EVT(5) | KVMW_EVT(7)),
		   KVMW_VIEW_EVENTS, "view: wakeup and dirty: common lines");
	tap_eq_u64(kvmw_evfmt_view_for(KVMW_EVT(1)), KVMW_VIEW_EVENTS,
		   "view: exits: common lines");
	tap_ok(kvmw_ev_type_family(KVMW_EV_TYPE_TEST) == 0 &&
	       kvmw_ev_type_family(KVMW_EV_TYPE_PUT) == KVMW_ENABLE_SCHED &&
	       kvmw_ev_type_family(200) == 0,
	       "type families: test none, put sched, out of range none");
	tap_ok(!kvmw_ev_type_name(0) && !kvmw_ev_type_name(16) &&
	       !strcmp(kvmw_ev_type_name(KVMW_EV_TYPE_PAGE_FAULT),
		       "page_fault"), "type names");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_comm(void)
{
	char dir[] = "/tmp/kvmwatch-comm.XXXXXX", path[256];
	struct kvmw_comm_cache *c;
	const char *n;

	if (!mkdtemp(dir)) {
		tap_ok(false, "comm: temporary proc directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/100", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/100/task", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/100/task/101", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/100/task/101/comm", dir);
	write_file(path, "CPU 0/KVM\n");
	snprintf(path, sizeof(path), "%s/102", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/102/comm", dir);
	write_file(path, "other-proc\n");

	c = kvmw_comm_cache_new(dir);
	n = kvmw_comm(c, 100, 101);
	tap_eq_str(n, "CPU 0/KVM", "comm: /proc/PID/task/TID/comm, no newline");
	n = kvmw_comm(c, 100, 102);
	tap_eq_str(n, "other-proc", "comm: else /proc/TID/comm");
	tap_ok(!kvmw_comm(c, 100, 103), "comm: a thread gone: NULL");
	tap_ok(!kvmw_comm(c, 100, 0) && !kvmw_comm(NULL, 1, 2),
	       "comm: no thread, no cache: NULL");

	/* Cached: the thread's name is kept once read, and so is "gone". */
	snprintf(path, sizeof(path), "%s/100/task/101/comm", dir);
	write_file(path, "renamed\n");
	tap_eq_str(kvmw_comm(c, 100, 101), "CPU 0/KVM",
		   "comm: cached per thread");
	snprintf(path, sizeof(path), "%s/103", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/103/comm", dir);
	write_file(path, "late\n");
	tap_ok(!kvmw_comm(c, 100, 103), "comm: a thread gone stays unnamed");
	/* Another slot's owner evicts it: read again. */
	tap_ok(!kvmw_comm(c, 100, 101 + 1024), "comm: a colliding thread");
	tap_eq_str(kvmw_comm(c, 100, 101), "renamed",
		   "comm: evicted, read again");
	kvmw_comm_cache_free(c);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path))
		tap_diag("could not remove %s", dir);
}

void test_evfmt(void)
{
	test_headers();
	test_watcher_rows();
	test_exit();
	test_io();
	test_halt_dirty();
	test_sched();
	test_irq_pf_hcall();
	test_vm_test_unknown();
	test_select();
	test_comm();
}
