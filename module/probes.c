// SPDX-License-Identifier: GPL-2.0
/*
 * Probes on KVM's tracepoints. All run on the vCPU's own thread, so the
 * per-vCPU statistics they update have a single writer (stats_api.h).
 * On 6.1 SVM kvm_exit fires with preemption enabled, after the thread may
 * have migrated: all state is keyed by the vCPU, never by the current CPU.
 *
 * kvm_exit and kvm_entry carry the vCPU. kvm_msr, kvm_pio, kvm_mmio and
 * kvm_userspace_exit do not: they find it through the thread, bound to
 * the vCPU it last entered the guest on (a thread is in one KVM_RUN at a
 * time, and every such event lies between an exit and the next entry).
 *
 * The tracepoint core calls probes with preemption disabled, which makes
 * them RCU readers: the lookups need no rcu_read_lock() of their own.
 */
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/kvm_host.h>

#include "probes.h"
#include "decode.h"
#include "vm.h"
#include "counters.h"

/* Values of the kvm_pio and kvm_mmio "type" arguments (trace.h, kvm.h). */
#define KVMW_KVM_PIO_IN			0
#define KVMW_KVM_MMIO_WRITE		2

u32 kvmw_attach_gen;

static __always_inline struct kvmw_vcpu *kvmw_probe_vcpu(struct kvm_vcpu *vcpu)
{
	struct kvmw_vcpu *v = kvmw_vcpu_find(vcpu);

	if (unlikely(!v))
		this_cpu_inc(kvmw_untracked);
	return v;
}

static __always_inline struct kvmw_vcpu *kvmw_probe_task(void)
{
	struct kvmw_vcpu *v = kvmw_vcpu_of_task(current);

	if (unlikely(!v))
		this_cpu_inc(kvmw_unbound);
	return v;
}

void kvmw_probe_kvm_exit(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	u64 now = local_clock();
	struct kvmw_exit_info e;
	struct kvmw_vcpu *v;
	bool ok;

	v = kvmw_probe_vcpu(vcpu);
	if (unlikely(!v))
		return;
	if (likely(isa == KVMW_ISA_SVM))
		ok = kvmw_decode_svm(vcpu, (const struct vmcb **)&v->last_vmcb,
				     &e);
	else if (isa == KVMW_ISA_VMX)
		ok = kvmw_decode_vmx(&e);
	else
		ok = false;
	if (unlikely(!ok)) {
		e.code = KVMW_CODE_OTHER;
		e.info = 0;
		e.rip = 0;
	}
	kvmw_stats_exit(&v->stats, isa, e.code, e.info, e.rip, now,
			READ_ONCE(kvmw_attach_gen));
}

KVMW_KVM_ENTRY_PROBE(kvmw_probe_kvm_entry)
{
	u64 now = local_clock();
	struct kvmw_vcpu *v = kvmw_probe_vcpu(vcpu);

	if (unlikely(!v))
		return;
	if (unlikely(READ_ONCE(v->task) != current))
		kvmw_vcpu_bind(v);
	kvmw_stats_entry(&v->stats, now, READ_ONCE(kvmw_attach_gen));
}

void kvmw_probe_kvm_msr(void *data, unsigned int write, u32 ecx, u64 val,
			bool exception)
{
	struct kvmw_vcpu *v = kvmw_probe_task();

	if (v)
		kvmw_stats_key(&v->stats, KVMW_STAT_MSR, ecx,
			       write ? KVMW_SUB_WRITE : KVMW_SUB_READ,
			       READ_ONCE(kvmw_attach_gen));
}

void kvmw_probe_kvm_pio(void *data, unsigned int rw, unsigned int port,
			unsigned int size, unsigned int count,
			const void *val)
{
	struct kvmw_vcpu *v = kvmw_probe_task();

	if (v)
		kvmw_stats_key(&v->stats, KVMW_STAT_IOPORT, port,
			       rw == KVMW_KVM_PIO_IN ? KVMW_SUB_READ :
			       KVMW_SUB_WRITE, READ_ONCE(kvmw_attach_gen));
}

void kvmw_probe_kvm_mmio(void *data, int type, int len, u64 gpa, void *val)
{
	struct kvmw_vcpu *v = kvmw_probe_task();

	if (v)
		kvmw_stats_key(&v->stats, KVMW_STAT_MMIO, gpa,
			       type == KVMW_KVM_MMIO_WRITE ? KVMW_SUB_WRITE :
			       KVMW_SUB_READ, READ_ONCE(kvmw_attach_gen));
}

void kvmw_probe_kvm_userspace_exit(void *data, __u32 reason, int err)
{
	struct kvmw_vcpu *v = kvmw_probe_task();

	if (v)
		kvmw_stats_user(&v->stats, READ_ONCE(kvmw_attach_gen));
}
