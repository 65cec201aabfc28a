// SPDX-License-Identifier: GPL-2.0
/*
 * Probes on KVM's tracepoints. Each runs on the vCPU's own thread, so the
 * per-vCPU fields it updates have a single writer. On 6.1 (SVM) kvm_exit
 * fires with preemption enabled, after the thread may have migrated: all
 * state is keyed by the vCPU, never by the current CPU.
 *
 * The tracepoint core calls probes with preemption disabled, which makes
 * them RCU readers (one RCU flavour since 5.0): the lookups below need no
 * rcu_read_lock() of their own.
 */
#include <linux/percpu.h>
#include <linux/kvm_host.h>

#include "probes.h"
#include "vm.h"
#include "counters.h"

static __always_inline struct kvmw_vcpu *kvmw_probe_vcpu(struct kvm_vcpu *vcpu)
{
	struct kvmw_vcpu *v = kvmw_vcpu_find(vcpu);

	if (unlikely(!v))
		this_cpu_inc(kvmw_untracked);
	return v;
}

void kvmw_probe_kvm_exit(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	struct kvmw_vcpu *v = kvmw_probe_vcpu(vcpu);

	if (v)
		WRITE_ONCE(v->exits, v->exits + 1);
}

KVMW_KVM_ENTRY_PROBE(kvmw_probe_kvm_entry)
{
	struct kvmw_vcpu *v = kvmw_probe_vcpu(vcpu);

	if (v)
		WRITE_ONCE(v->entries, v->entries + 1);
}
