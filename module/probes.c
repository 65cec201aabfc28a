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
#include "events.h"

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
	if (kvmw_ev_on(KVMW_ENABLE_EXIT | KVMW_ENABLE_PF)) {
		u64 info1 = e.info, info2 = 0;

		if (ok)
			kvmw_decode_more(isa, v->last_vmcb, e.code, &info1,
					 &info2);
		kvmw_ev_exit_begin(v, isa, e.code, info1, info2, e.rip, ok);
	}
}

KVMW_KVM_ENTRY_PROBE(kvmw_probe_kvm_entry)
{
	u64 now = local_clock();
	struct kvmw_vcpu *v = kvmw_probe_vcpu(vcpu);

	if (unlikely(!v))
		return;
	if (unlikely(READ_ONCE(v->task) != current))
		kvmw_vcpu_bind(v);
	if (kvmw_ev_on(KVMW_ENABLE_EXIT | KVMW_ENABLE_PF))
		kvmw_ev_exit_end(v, now, READ_ONCE(kvmw_attach_gen));
	kvmw_stats_entry(&v->stats, now, READ_ONCE(kvmw_attach_gen));
}

void kvmw_probe_kvm_msr(void *data, unsigned int write, u32 ecx, u64 val,
			bool exception)
{
	struct kvmw_vcpu *v = kvmw_probe_task();

	if (!v)
		return;
	kvmw_stats_key(&v->stats, KVMW_STAT_MSR, ecx,
		       write ? KVMW_SUB_WRITE : KVMW_SUB_READ,
		       READ_ONCE(kvmw_attach_gen));
	if (kvmw_ev_on(KVMW_ENABLE_IO)) {
		struct kvmw_ev_msr r = {
			.hdr.type = KVMW_EV_TYPE_MSR,
			.hdr.size = sizeof(r),
			.index = ecx,
			.write = !!write,
			.exception = exception,
			.value = val,
		};

		kvmw_ev_emit(KVMW_ENABLE_IO, v->vm, v->vcpu_id, &r.hdr, U64_MAX);
	}
}

void kvmw_probe_kvm_pio(void *data, unsigned int rw, unsigned int port,
			unsigned int size, unsigned int count,
			const void *val)
{
	struct kvmw_vcpu *v = kvmw_probe_task();

	if (!v)
		return;
	kvmw_stats_key(&v->stats, KVMW_STAT_IOPORT, port,
		       rw == KVMW_KVM_PIO_IN ? KVMW_SUB_READ :
		       KVMW_SUB_WRITE, READ_ONCE(kvmw_attach_gen));
	if (kvmw_ev_on(KVMW_ENABLE_IO)) {
		struct kvmw_ev_pio r = {
			.hdr.type = KVMW_EV_TYPE_PIO,
			.hdr.size = sizeof(r),
			.port = port,
			.in = rw == KVMW_KVM_PIO_IN,
			.size = size,
			.count = count,
		};

		/* KVM passes the data only when it has it (not for an IN). */
		if (val && size <= sizeof(r.value))
			memcpy(&r.value, val, size);
		kvmw_ev_emit(KVMW_ENABLE_IO, v->vm, v->vcpu_id, &r.hdr, U64_MAX);
	}
}

void kvmw_probe_kvm_mmio(void *data, int type, int len, u64 gpa, void *val)
{
	struct kvmw_vcpu *v = kvmw_probe_task();

	if (!v)
		return;
	kvmw_stats_key(&v->stats, KVMW_STAT_MMIO, gpa,
		       type == KVMW_KVM_MMIO_WRITE ? KVMW_SUB_WRITE :
		       KVMW_SUB_READ, READ_ONCE(kvmw_attach_gen));
	if (kvmw_ev_on(KVMW_ENABLE_IO)) {
		struct kvmw_ev_mmio r = {
			.hdr.type = KVMW_EV_TYPE_MMIO,
			.hdr.size = sizeof(r),
			.type = type,
			.len = len,
			.gpa = gpa,
		};

		if (val && len > 0 && len <= sizeof(r.value))
			memcpy(&r.value, val, len);
		kvmw_ev_emit(KVMW_ENABLE_IO, v->vm, v->vcpu_id, &r.hdr, U64_MAX);
	}
}

void kvmw_probe_kvm_userspace_exit(void *data, __u32 reason, int err)
{
	u64 now = local_clock();
	struct kvmw_vcpu *v = kvmw_probe_task();

	if (v)
		kvmw_stats_user(&v->stats, now, READ_ONCE(kvmw_attach_gen));
}
