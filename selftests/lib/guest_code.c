// SPDX-License-Identifier: GPL-2.0
/*
 * Guest code generation: descriptor tables and interrupt handlers (once
 * per VM), and each vCPU's program (once per run).
 *
 * Counting rule: every exit-causing instruction of the workload window is
 * a "site" with its own counter in the vCPU's data page, incremented right
 * after it (before it, for the final OUT that never returns). Interrupts
 * are counted per vector by the handler; the EOI each one writes is
 * derived from those counts. Nothing is assumed from the spec.
 */
#include <errno.h>
#include <string.h>

#include "asm.h"
#include "internal.h"

#define STUB_SIZE	10	/* push imm32; jmp rel32 */

static void put_gate(uint8_t *idt, unsigned int vec, uint32_t handler)
{
	uint8_t *g = idt + 8 * vec;

	g[0] = handler;
	g[1] = handler >> 8;
	g[2] = SEL_CODE;
	g[3] = 0;
	g[4] = 0;
	g[5] = 0x8e;		/* present, DPL 0, 32-bit interrupt gate */
	g[6] = handler >> 16;
	g[7] = handler >> 24;
}

static void put_desc(uint8_t *gdt, unsigned int sel, uint32_t base,
		     uint8_t access)
{
	uint8_t *d = gdt + sel;

	/* limit 0xfffff pages = 4 GiB, 32-bit, base split as the SDM says */
	d[0] = 0xff;
	d[1] = 0xff;
	d[2] = base;
	d[3] = base >> 8;
	d[4] = base >> 16;
	d[5] = access;
	d[6] = 0xcf;
	d[7] = base >> 24;
}

/*
 * A wait-HLT is "hlt; inc dword fs:[counter]": these bytes, read as a
 * little-endian dword at the HLT.
 */
#define WAIT_HLT_SIG	0x05ff64f4
#define WAIT_HLT_LEN	8

/*
 * Interrupt handler shared by vectors 32..255: count the vector in this
 * vCPU's data page, EOI unless spurious, return. Saves what it clobbers.
 *
 * An interrupt whose return address lies in the handlers themselves is
 * not one: handlers run with IF clear and end in IRET. It is QEMU/TCG
 * delivering again an event KVM injected once (helper_vmrun() delivers an
 * SVM EVENTINJ interrupt and leaves it in cs->exception_index too, so a
 * CPU exit request before the next #VMEXIT raises it a second time). The
 * LAPIC put it in service once and gets one EOI, from the outer delivery:
 * count the repeat apart (D_IRQDUP) and return to the outer one.
 *
 * "sti; hlt" must not take an interrupt before the HLT (STI shadow), yet
 * under QEMU/TCG's SVM emulation it occasionally does; returning to the
 * HLT would then sleep forever. So if the return address is a wait-HLT,
 * skip it and its counter (it never ran) and flag it for the wait loop.
 */
static void gen_irq_common(struct a_buf *a)
{
	uint32_t dup, skip, nohlt, out;

	a_push(a, EAX);
	a_push(a, ECX);
	a_push(a, EDX);
	a_mov_load_esp(a, ECX, 16);		/* interrupted EIP */
	a_add_imm(a, ECX, -(uint32_t)G_HANDLERS);
	a_cmp_imm(a, ECX, G_HANDLERS_SIZE);
	dup = a_jcc_fwd(a, CC_B);
	a_mov_load_esp(a, EAX, 12);		/* the stub's vector */
	a_fs_inc_vec(a, D_IRQ);
	a_cmp_imm(a, EAX, KVMW_VEC_SPURIOUS);
	skip = a_jcc_fwd(a, CC_E);
	a_mov_imm(a, ECX, X2APIC_EOI);
	a_xor(a, EAX, EAX);
	a_xor(a, EDX, EDX);
	a_wrmsr(a);
	a_patch(a, skip);
	a_mov_load_esp(a, ECX, 16);		/* interrupted EIP */
	a_cmp_ind_imm(a, ECX, WAIT_HLT_SIG);
	nohlt = a_jcc_fwd(a, CC_NE);
	a_add_esp_mem(a, 16, WAIT_HLT_LEN);
	a_fs_inc(a, D_HLTSKIP);
	a_fs_store_imm(a, D_SKIPFLAG, 1);
	a_patch(a, nohlt);
	out = a_here(a);
	a_pop(a, EDX);
	a_pop(a, ECX);
	a_pop(a, EAX);
	a_add_esp(a, 4);
	a_iret(a);
	a_patch(a, dup);
	a_fs_inc(a, D_IRQDUP);
	a_jmp(a, out);
}

/* OUT "code" to the control port, then stop for good. */
static void gen_signal_and_stop(struct a_buf *a, uint32_t code)
{
	uint32_t stop;

	a_mov_imm(a, EDX, KVMW_PORT_CTRL);
	a_mov_imm(a, EAX, code);
	a_out_dx_eax(a);
	stop = a_here(a);
	a_cli(a);
	a_hlt(a);
	a_jmp(a, stop);
}

/* Exceptions: record vector and stack words, tell the host, stop. */
static void gen_fault_common(struct a_buf *a)
{
	a_pop(a, EAX);
	a_fs_store(a, D_FAULT, EAX);
	for (int i = 0; i < 3; i++) {
		a_mov_load_esp(a, EAX, 4 * i);
		a_fs_store(a, D_FAULT + 4 + 4 * i, EAX);
	}
	gen_signal_and_stop(a, CTRL_FAULT);
}

void kvmw_gen_tables(struct kvmw_vm *vm)
{
	uint8_t *gdt = vm->ram + G_GDT, *idt = vm->ram + G_IDT;
	uint32_t stubs = G_HANDLERS, irq, fault;
	struct a_buf a;

	put_desc(gdt, SEL_CODE, 0, 0x9b);	/* code, accessed: no writes */
	put_desc(gdt, SEL_DATA, 0, 0x93);
	for (unsigned int i = 0; i < KVMW_MAX_VCPUS; i++)
		put_desc(gdt, SEL_FS(i), G_DATA(i), 0x93);

	a_init(&a, vm->ram + G_HANDLERS + 256 * STUB_SIZE,
	       G_HANDLERS + 256 * STUB_SIZE, G_HANDLERS_SIZE - 256 * STUB_SIZE);
	irq = a_here(&a);
	gen_irq_common(&a);
	fault = a_here(&a);
	gen_fault_common(&a);
	/* KVMW_OP_IRQ_DUP calls this: an interrupt "from inside" a handler */
	vm->dup_probe = a_here(&a);
	a_int(&a, KVMW_VEC_DUP_PROBE);
	a_ret(&a);

	for (unsigned int v = 0; v < 256; v++) {
		struct a_buf s;

		a_init(&s, vm->ram + stubs + v * STUB_SIZE, stubs + v * STUB_SIZE,
		       STUB_SIZE);
		a_push_imm(&s, v);
		a_jmp(&s, v < 32 ? fault : irq);
		put_gate(idt, v, stubs + v * STUB_SIZE);
	}
}

struct gen {
	struct kvmw_vm *vm;
	struct kvmw_vcpu *v;
	struct a_buf a;
};

/* Register a site; returns its counter's offset in the data page. */
static uint32_t site(struct gen *g, enum kvmw_evkind ev, uint64_t key)
{
	struct kvmw_vcpu *v = g->v;

	if (v->nr_sites >= KVMW_MAX_SITES) {
		g->a.overflow = 1;
		return D_TOUCH;
	}
	v->site[v->nr_sites].ev = ev;
	v->site[v->nr_sites].key = key;
	return D_SITE + 4 * v->nr_sites++;
}

static void wrmsr_imm(struct gen *g, uint32_t msr, uint64_t val)
{
	a_mov_imm(&g->a, ECX, msr);
	a_mov_imm(&g->a, EAX, (uint32_t)val);
	a_mov_imm(&g->a, EDX, (uint32_t)(val >> 32));
	a_wrmsr(&g->a);
	a_fs_inc(&g->a, site(g, KVMW_EV_WRMSR, msr));
}

/* Spin (with whatever IF is) until dword fs:[off] equals register r. */
static void wait_fs_eq(struct gen *g, uint32_t off, enum a_reg r)
{
	uint32_t w = a_here(&g->a);

	a_fs_cmp(&g->a, off, r);
	a_jcc(&g->a, CC_NE, w);
}

/*
 * HLT until the timer vector's count moves. The timer is armed with
 * interrupts off and "sti; hlt" opens the only window, so the interrupt
 * cannot slip in before the HLT; another interrupt waking us just means
 * one more HLT, which its counter records. If the handler had to skip the
 * HLT (see gen_irq_common), the iteration is redone from "rearm": every
 * iteration then has at least one executed HLT woken by its own timer.
 */
static void hlt_until_timer(struct gen *g, uint32_t rearm)
{
	uint32_t hlt = site(g, KVMW_EV_HLT, 0);
	uint32_t w = a_here(&g->a), fired;

	a_sti(&g->a);
	a_hlt(&g->a);
	a_fs_inc(&g->a, hlt);		/* must follow the HLT: WAIT_HLT_SIG */
	a_cli(&g->a);
	a_fs_cmp(&g->a, D_IRQ + 4 * KVMW_VEC_TIMER, EBX);
	a_jcc(&g->a, CC_E, w);
	a_fs_cmp_imm(&g->a, D_SKIPFLAG, 0);
	fired = a_jcc_fwd(&g->a, CC_E);
	a_jmp(&g->a, rearm);
	a_patch(&g->a, fired);
}

/* WRMSR TSC_DEADLINE = now + @ticks (clobbers EAX, ECX, EDX). */
static void arm_tsc_deadline(struct gen *g, uint64_t ticks)
{
	struct a_buf *a = &g->a;

	a_rdtsc(a);
	a_add_imm(a, EAX, (uint32_t)ticks);
	a_adc_imm(a, EDX, (uint32_t)(ticks >> 32));
	a_mov_imm(a, ECX, MSR_TSC_DEADLINE);
	a_wrmsr(a);
	a_fs_inc(a, site(g, KVMW_EV_WRMSR, MSR_TSC_DEADLINE));
}

static uint64_t hlt_ns(const struct kvmw_op *op)
{
	return op->arg2 ? op->arg2 : KVMW_HLT_NS_DEFAULT;
}

/* Per-op code before the loop. */
static void op_setup(struct gen *g, unsigned int k, const struct kvmw_op *op)
{
	struct a_buf *a = &g->a;
	uint32_t vec;

	switch (op->kind) {
	case KVMW_OP_HLT:
		if (g->vm->irqchip)
			wrmsr_imm(g, X2APIC_LVTT, KVMW_VEC_TIMER);
		break;
	case KVMW_OP_HLT_TSCDL:
	case KVMW_OP_SPIN_TSCDL:
		wrmsr_imm(g, X2APIC_LVTT, KVMW_VEC_TIMER | LVTT_TSCDL);
		break;
	case KVMW_OP_PF:
	case KVMW_OP_DIRTY:
		a_mov_imm(a, EDI, (uint32_t)g->v->op_base[k]);
		break;
	case KVMW_OP_IPI:
		/* EBP: the count the target's handler must reach */
		vec = KVMW_VEC_IPI(g->v->idx);
		a_mov_load(a, EBP, G_DATA(op->arg) + D_IRQ + 4 * vec);
		break;
	default:
		break;
	}
}

/* Per-op code after the loop: leave the LAPIC timer masked. */
static void op_teardown(struct gen *g, const struct kvmw_op *op)
{
	if ((op->kind == KVMW_OP_HLT && g->vm->irqchip) ||
	    op->kind == KVMW_OP_HLT_TSCDL || op->kind == KVMW_OP_SPIN_TSCDL)
		wrmsr_imm(g, X2APIC_LVTT, LVT_MASKED | KVMW_VEC_TIMER);
}

/* Ask the vCPU thread for one interrupt and wait until it was handled. */
static void irq_request(struct gen *g, uint8_t what, unsigned int vec)
{
	struct a_buf *a = &g->a;

	a_cli(a);
	a_fs_load(a, EBX, D_IRQ + 4 * vec);
	a_inc(a, EBX);
	a_mov_imm(a, EDX, KVMW_PORT_IRQREQ);
	a_mov_imm(a, EAX, what);
	a_sti(a);
	a_out_dx_al(a);
	a_fs_inc(a, site(g, KVMW_EV_OUT, KVMW_PORT_IRQREQ));
	wait_fs_eq(g, D_IRQ + 4 * vec, EBX);
	a_cli(a);
}

/* One iteration of an op. ESI is the loop counter: keep it. */
static void op_body(struct gen *g, const struct kvmw_op *op)
{
	struct a_buf *a = &g->a;
	struct kvmw_vm *vm = g->vm;
	uint32_t vec, cnt, w, rearm;
	uint64_t ticks;

	switch (op->kind) {
	case KVMW_OP_CPUID:
		a_mov_imm(a, EAX, op->arg);
		a_xor(a, ECX, ECX);
		a_cpuid(a);
		a_fs_inc(a, site(g, KVMW_EV_CPUID, (uint32_t)op->arg));
		break;
	case KVMW_OP_OUT:
		a_mov_imm(a, EDX, op->arg);
		a_mov_imm(a, EAX, 0);
		a_out_dx_al(a);
		a_fs_inc(a, site(g, KVMW_EV_OUT, op->arg));
		break;
	case KVMW_OP_IN:
		a_mov_imm(a, EDX, op->arg);
		a_in_al_dx(a);
		a_fs_inc(a, site(g, KVMW_EV_IN, op->arg));
		break;
	case KVMW_OP_RDMSR:
		a_mov_imm(a, ECX, op->arg);
		a_rdmsr(a);
		a_fs_inc(a, site(g, KVMW_EV_RDMSR, op->arg));
		break;
	case KVMW_OP_WRMSR:
		wrmsr_imm(g, op->arg, op->arg2);
		break;
	case KVMW_OP_HLT:
		if (!vm->irqchip) {
			a_hlt(a);
			a_fs_inc(a, site(g, KVMW_EV_HLT, 0));
			break;
		}
		rearm = a_here(a);
		a_cli(a);
		a_fs_load(a, EBX, D_IRQ + 4 * KVMW_VEC_TIMER);
		a_fs_store_imm(a, D_SKIPFLAG, 0);
		/* divide by 1 and KVM's 1 ns APIC bus cycle: count = ns */
		wrmsr_imm(g, X2APIC_TMICT, hlt_ns(op));
		hlt_until_timer(g, rearm);
		break;
	case KVMW_OP_HLT_TSCDL:
		ticks = hlt_ns(op) * vm->tsc_khz / 1000000;
		rearm = a_here(a);
		a_cli(a);
		a_fs_load(a, EBX, D_IRQ + 4 * KVMW_VEC_TIMER);
		a_fs_store_imm(a, D_SKIPFLAG, 0);
		arm_tsc_deadline(g, ticks);
		hlt_until_timer(g, rearm);
		break;
	case KVMW_OP_SPIN_TSCDL:
		/*
		 * No HLT: KVM keeps the deadline in the VMX preemption
		 * timer while the vCPU runs, and its expiry is an exit of
		 * its own. EBX: the timer count to wait for.
		 */
		ticks = hlt_ns(op) * vm->tsc_khz / 1000000;
		a_cli(a);
		a_fs_load(a, EBX, D_IRQ + 4 * KVMW_VEC_TIMER);
		a_inc(a, EBX);
		arm_tsc_deadline(g, ticks);
		a_sti(a);
		wait_fs_eq(g, D_IRQ + 4 * KVMW_VEC_TIMER, EBX);
		a_cli(a);
		break;
	case KVMW_OP_MMIO_READ:
		a_mov_load(a, EAX, op->arg);
		a_fs_inc(a, site(g, KVMW_EV_MMIO_RD, op->arg));
		break;
	case KVMW_OP_MMIO_WRITE:
		a_mov_imm(a, EAX, 0);
		a_mov_store(a, op->arg, EAX);
		a_fs_inc(a, site(g, KVMW_EV_MMIO_WR, op->arg));
		break;
	case KVMW_OP_HYPERCALL:
		a_mov_imm(a, EAX, op->arg);
		if (vm->amd)
			a_vmmcall(a);
		else
			a_vmcall(a);
		a_fs_inc(a, site(g, KVMW_EV_HYPERCALL, (uint32_t)op->arg));
		break;
	case KVMW_OP_PF:
	case KVMW_OP_DIRTY:
		a_mov_store_ind(a, EDI, ESI);
		a_fs_inc(a, site(g, op->kind == KVMW_OP_PF ?
				 KVMW_EV_PF : KVMW_EV_DIRTY, 0));
		a_add_imm(a, EDI, 4096);
		break;
	case KVMW_OP_IRQ_LINE:
		irq_request(g, IRQREQ_LINE, KVMW_VEC_IRQ_LINE);
		break;
	case KVMW_OP_MSI:
		irq_request(g, IRQREQ_MSI, KVMW_VEC_MSI);
		break;
	case KVMW_OP_IPI:
		/*
		 * Wait with interrupts on until the target counted it: a
		 * second IPI before that would merge into one in its IRR,
		 * and IPIs sent to us meanwhile must not deadlock.
		 */
		vec = KVMW_VEC_IPI(g->v->idx);
		cnt = G_DATA(op->arg) + D_IRQ + 4 * vec;
		a_cli(a);
		a_inc(a, EBP);
		a_mov_imm(a, ECX, X2APIC_ICR);
		a_mov_imm(a, EAX, vec);		/* fixed, physical, edge */
		a_mov_imm(a, EDX, op->arg);	/* x2APIC ID = vCPU index */
		a_sti(a);
		a_wrmsr(a);
		a_fs_inc(a, site(g, KVMW_EV_WRMSR, X2APIC_ICR));
		w = a_here(a);
		a_cmp_mem_reg(a, cnt, EBP);
		a_jcc(a, CC_NE, w);
		a_cli(a);
		break;
	case KVMW_OP_IRQ_DUP:
		a_call(a, g->vm->dup_probe);
		break;
	case KVMW_OP__NR:
		break;
	}
}

/* Touch every page this vCPU will use so none faults inside the window. */
static void gen_prologue(struct gen *g)
{
	struct a_buf *a = &g->a;
	unsigned int i = g->v->idx;
	uint32_t p;

	for (p = G_GDT; p < G_HANDLERS + G_HANDLERS_SIZE; p += 0x1000)
		a_mov_load(a, EAX, p);
	for (p = G_PROG(i); p < G_PROG(i) + G_PROG_SIZE; p += 0x1000)
		a_mov_load(a, EAX, p);
	for (p = G_STACK(i); p < G_STACK(i) + G_STACK_SIZE; p += 0x1000) {
		a_mov_load(a, EAX, p);
		a_mov_store(a, p, EAX);
	}
	a_mov_load(a, EAX, G_TOUCH);
	a_mov_store(a, G_TOUCH, EAX);
	a_fs_load(a, EAX, D_TOUCH);
	a_fs_store(a, D_TOUCH, EAX);

	if (g->vm->irqchip) {
		/* x2APIC on, software-enabled, timer divide by 1 */
		a_mov_imm(a, ECX, MSR_APIC_BASE);
		a_rdmsr(a);
		a_or_imm(a, EAX, 0xc00);
		a_wrmsr(a);
		a_mov_imm(a, ECX, X2APIC_SVR);
		a_mov_imm(a, EAX, 0x100 | KVMW_VEC_SPURIOUS);
		a_xor(a, EDX, EDX);
		a_wrmsr(a);
		a_mov_imm(a, ECX, X2APIC_TDCR);
		a_mov_imm(a, EAX, 0xb);
		a_wrmsr(a);
	}
	a_mov_imm(a, EDX, KVMW_PORT_CTRL);
	a_mov_imm(a, EAX, CTRL_READY);
	a_out_dx_eax(a);
}

static bool spec_has_cross_ipi(const struct kvmw_vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		for (unsigned int k = 0; k < vm->spec.nr_ops[i]; k++)
			if (vm->spec.ops[i][k].kind == KVMW_OP_IPI &&
			    vm->spec.ops[i][k].count &&
			    vm->spec.ops[i][k].arg != i)
				return true;
	return false;
}

int kvmw_gen_program(struct kvmw_vm *vm, struct kvmw_vcpu *v)
{
	const struct kvmw_guest_spec *s = &vm->spec;
	struct gen g = { .vm = vm, .v = v };
	struct a_buf *a = &g.a;

	memset(vm->ram + G_PROG(v->idx), 0, G_PROG_SIZE);
	a_init(a, vm->ram + G_PROG(v->idx), G_PROG(v->idx), G_PROG_SIZE);
	v->nr_sites = 0;
	v->entry = a_here(a);
	gen_prologue(&g);

	v->work = a_here(a);
	for (unsigned int k = 0; k < s->nr_ops[v->idx]; k++) {
		const struct kvmw_op *op = &s->ops[v->idx][k];
		uint32_t loop;

		if (!op->count)
			continue;
		op_setup(&g, k, op);
		a_mov_imm(a, ESI, op->count);
		loop = a_here(a);
		op_body(&g, op);
		a_fs_inc(a, D_OPITER + 4 * k);
		a_dec(a, ESI);
		a_jcc(a, CC_NE, loop);
		op_teardown(&g, op);
	}

	/*
	 * IPIs between vCPUs: nobody may leave while a sender still waits
	 * for it to handle one, so meet here with interrupts on.
	 */
	if (spec_has_cross_ipi(vm)) {
		uint32_t w;

		a_lock_inc_mem(a, G_BARRIER);
		a_sti(a);
		w = a_here(a);
		a_cmp_mem_imm(a, G_BARRIER, vm->nr_vcpus);
		a_jcc(a, CC_NE, w);
		a_cli(a);
	}

	a_fs_inc(a, site(&g, KVMW_EV_OUT, KVMW_PORT_CTRL));
	gen_signal_and_stop(a, CTRL_DONE);

	if (a->overflow) {
		kvmw_err("vcpu %u: program too large (%u ops, %u sites)",
			 v->idx, s->nr_ops[v->idx], v->nr_sites);
		errno = E2BIG;
		return -1;
	}
	return 0;
}
