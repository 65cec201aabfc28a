// SPDX-License-Identifier: GPL-2.0
/*
 * Probes that exist only for the event stream: attached while a consumer
 * has their family enabled (attach.c). Like probes.c, they run on the
 * vCPU's own thread, except where noted, with preemption disabled.
 * Probes without a vCPU argument find it through the thread (probes.c).
 */
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <linux/kvm_host.h>
#include <linux/timekeeping.h>

#include "probes.h"
#include "events.h"
#include "vm.h"
#include "counters.h"

static struct kvmw_vcpu *kvmw_ev_task_vcpu(void)
{
	struct kvmw_vcpu *v = kvmw_vcpu_of_task(current);

	if (unlikely(!v))
		this_cpu_inc(kvmw_unbound);
	return v;
}

/* Held until the entry that ends this exit: the record carries its time. */
void kvmw_probe_kvm_page_fault(void *data, struct kvm_vcpu *vcpu,
			       u64 fault_address, u64 error_code)
{
	struct kvmw_vcpu *v = kvmw_vcpu_find(vcpu);

	if (unlikely(!v)) {
		this_cpu_inc(kvmw_untracked);
		return;
	}
	if (!v->stats.open)
		return;
	v->ev.pf_exit = v->stats.exits;
	v->ev.pf_gpa = fault_address;
	v->ev.pf_err = error_code;
}

void kvmw_probe_kvm_vcpu_wakeup(void *data, __u64 ns, bool waited,
				bool valid)
{
	struct kvmw_vcpu *v = kvmw_ev_task_vcpu();
	struct kvmw_ev_wakeup r = {
		.hdr.type = KVMW_EV_TYPE_WAKEUP,
		.hdr.size = sizeof(r),
		.halt_ns = ns,
		.waited = waited,
		.valid = valid,
	};

	if (v)
		kvmw_ev_emit(KVMW_ENABLE_HALT, v->vm, v->vcpu_id, &r.hdr, ns);
}

void kvmw_probe_kvm_halt_poll_ns(void *data, bool grow, unsigned int vcpu_id,
				 unsigned int new, unsigned int old)
{
	struct kvmw_vcpu *v = kvmw_ev_task_vcpu();
	struct kvmw_ev_halt_poll r = {
		.hdr.type = KVMW_EV_TYPE_HALT_POLL,
		.hdr.size = sizeof(r),
		.old_ns = old,
		.new_ns = new,
		.grow = grow,
	};

	if (v)
		kvmw_ev_emit(KVMW_ENABLE_HALT, v->vm, v->vcpu_id, &r.hdr, U64_MAX);
}

static void kvmw_ev_inject(unsigned int vector, u16 kind, bool reinjected,
			   bool has_error, u32 error_code)
{
	struct kvmw_vcpu *v = kvmw_ev_task_vcpu();
	struct kvmw_ev_inject r = {
		.hdr.type = KVMW_EV_TYPE_INJECT,
		.hdr.size = sizeof(r),
		.vector = vector,
		.kind = kind,
		.reinjected = reinjected,
		.has_error = has_error,
		.error_code = error_code,
	};

	if (v)
		kvmw_ev_emit(KVMW_ENABLE_IRQ, v->vm, v->vcpu_id, &r.hdr, U64_MAX);
}

void kvmw_probe_kvm_inj_virq(void *data, unsigned int vector, bool soft,
			     bool reinjected)
{
	kvmw_ev_inject(vector, soft ? KVMW_INJ_SOFT : KVMW_INJ_IRQ,
		       reinjected, false, 0);
}

void kvmw_probe_kvm_inj_exception(void *data, unsigned int exception,
				  bool has_error, unsigned int error_code,
				  bool reinjected)
{
	kvmw_ev_inject(exception, KVMW_INJ_EXCEPTION, reinjected, has_error,
		       error_code);
}

void kvmw_probe_kvm_hypercall(void *data, unsigned long nr, unsigned long a0,
			      unsigned long a1, unsigned long a2,
			      unsigned long a3)
{
	struct kvmw_vcpu *v = kvmw_ev_task_vcpu();
	struct kvmw_ev_hypercall r = {
		.hdr.type = KVMW_EV_TYPE_HYPERCALL,
		.hdr.size = sizeof(r),
		.nr = nr,
		.args = { a0, a1, a2, a3 },
	};

	if (v)
		kvmw_ev_emit(KVMW_ENABLE_HCALL, v->vm, v->vcpu_id, &r.hdr, U64_MAX);
}

/*
 * mark_page_dirty_in_slot(kvm, memslot, gfn): any thread that writes
 * guest memory through KVM, not only vCPUs. Only slots with dirty
 * logging on are of interest (migration); the vCPU is the thread's if it
 * belongs to this VM.
 */
int kvmw_kp_dirty(struct kprobe *p, struct pt_regs *regs)
{
	const struct kvm *kvm = (void *)regs_get_kernel_argument(regs, 0);
	const struct kvm_memory_slot *slot =
		(void *)regs_get_kernel_argument(regs, 1);
	u64 gfn = regs_get_kernel_argument(regs, 2);
	const struct kvmw_vcpu *v;
	const struct kvmw_vm *vm;
	struct kvmw_ev_dirty r;

	if (!slot || !kvm_slot_dirty_track_enabled(slot))
		return 0;
	vm = kvmw_vm_find(kvm);
	if (!vm)
		return 0;
	v = kvmw_vcpu_of_task(current);
	memset(&r, 0, sizeof(r));
	r.hdr.type = KVMW_EV_TYPE_DIRTY;
	r.hdr.size = sizeof(r);
	r.gfn = gfn;
	r.rel_gfn = gfn - slot->base_gfn;
	r.npages = slot->npages;
	r.hva = slot->userspace_addr;
	r.slot = (u32)slot->as_id << 16 | (u16)slot->id;
	kvmw_ev_emit(KVMW_ENABLE_DIRTY, vm,
		     v && v->vm == vm ? v->vcpu_id : KVMW_EV_NO_VCPU, &r.hdr,
		     U64_MAX);
	return 0;
}

/* Bumped when the sched kprobes attach: older load/put times are stale. */
u32 kvmw_sched_gen;

static void kvmw_sched_fresh(struct kvmw_vcpu *v)
{
	u32 gen = READ_ONCE(kvmw_sched_gen);

	if (likely(v->ev.sched_gen == gen))
		return;
	v->ev.sched_gen = gen;
	v->ev.load_ns = 0;
	v->ev.put_ns = 0;
}

/*
 * kvm_arch_vcpu_load(vcpu, cpu): from vcpu_load() or KVM's sched-in
 * notifier, on the vCPU's thread.
 */
int kvmw_kp_vcpu_load(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (void *)regs_get_kernel_argument(regs, 0);
	int cpu = regs_get_kernel_argument(regs, 1);
	struct kvmw_vcpu *v = kvmw_vcpu_find(vcpu);
	struct kvmw_ev_load r;

	if (!v)
		return 0;
	kvmw_sched_fresh(v);
	memset(&r, 0, sizeof(r));
	r.hdr.type = KVMW_EV_TYPE_LOAD;
	r.hdr.size = sizeof(r);
	r.pcpu = cpu;
	/* The header's time: one clock for both ends of the intervals. */
	r.hdr.time_ns = ktime_get_mono_fast_ns();
	if (v->ev.put_ns) {
		r.prev_pcpu = v->ev.put_pcpu;
		r.prev_how = v->ev.put_how;
		r.off_ns = r.hdr.time_ns - v->ev.put_ns;
	} else {
		r.prev_pcpu = ~0U;
	}
	v->ev.load_ns = r.hdr.time_ns;
	kvmw_ev_emit(KVMW_ENABLE_SCHED, v->vm, v->vcpu_id, &r.hdr, U64_MAX);
	return 0;
}

/*
 * kvm_arch_vcpu_put(vcpu): from vcpu_put() at the end of a vCPU ioctl, or
 * from KVM's sched-out notifier (under the runqueue lock, IRQs off), on
 * the vCPU's thread. KVM has set vcpu->preempted by then if the thread
 * was runnable; a thread going to sleep is no longer TASK_RUNNING.
 */
int kvmw_kp_vcpu_put(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (void *)regs_get_kernel_argument(regs, 0);
	struct kvmw_vcpu *v = kvmw_vcpu_find(vcpu);
	struct kvmw_ev_put r;

	if (!v)
		return 0;
	kvmw_sched_fresh(v);
	memset(&r, 0, sizeof(r));
	r.hdr.type = KVMW_EV_TYPE_PUT;
	r.hdr.size = sizeof(r);
	r.pcpu = raw_smp_processor_id();
	if (READ_ONCE(vcpu->preempted))
		r.how = KVMW_PUT_PREEMPTED;
	else if (READ_ONCE(current->__state) != TASK_RUNNING)
		r.how = KVMW_PUT_BLOCKED;
	else
		r.how = KVMW_PUT_USER;
	r.hdr.time_ns = ktime_get_mono_fast_ns();
	if (v->ev.load_ns)
		r.run_ns = r.hdr.time_ns - v->ev.load_ns;
	v->ev.put_ns = r.hdr.time_ns;
	v->ev.put_pcpu = r.pcpu;
	v->ev.put_how = r.how;
	kvmw_ev_emit(KVMW_ENABLE_SCHED, v->vm, v->vcpu_id, &r.hdr, U64_MAX);
	return 0;
}
