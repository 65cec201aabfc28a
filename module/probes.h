/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_PROBES_H
#define KVMW_PROBES_H

#include <linux/types.h>
#include "compat.h"

struct kvm_vcpu;

/*
 * Attach generation, bumped each time the exit probes are attached: an
 * exit left open while they were detached is never paired with an entry.
 */
extern u32 kvmw_attach_gen;

/* Tracepoint probes: the fast path. No lock, no allocation, no sleeping. */
void kvmw_probe_kvm_exit(void *data, struct kvm_vcpu *vcpu, u32 isa);
KVMW_KVM_ENTRY_PROBE(kvmw_probe_kvm_entry);
void kvmw_probe_kvm_msr(void *data, unsigned int write, u32 ecx, u64 val,
			bool exception);
void kvmw_probe_kvm_pio(void *data, unsigned int rw, unsigned int port,
			unsigned int size, unsigned int count,
			const void *val);
void kvmw_probe_kvm_mmio(void *data, int type, int len, u64 gpa, void *val);
void kvmw_probe_kvm_userspace_exit(void *data, __u32 reason, int err);

/* Event-only probes (probes_ev.c), attached while a family needs them. */
void kvmw_probe_kvm_page_fault(void *data, struct kvm_vcpu *vcpu,
			       u64 fault_address, u64 error_code);
void kvmw_probe_kvm_vcpu_wakeup(void *data, __u64 ns, bool waited,
				bool valid);
void kvmw_probe_kvm_halt_poll_ns(void *data, bool grow, unsigned int vcpu_id,
				 unsigned int new, unsigned int old);
void kvmw_probe_kvm_inj_virq(void *data, unsigned int vector, bool soft,
			     bool reinjected);
void kvmw_probe_kvm_inj_exception(void *data, unsigned int exception,
				  bool has_error, unsigned int error_code,
				  bool reinjected);
void kvmw_probe_kvm_hypercall(void *data, unsigned long nr, unsigned long a0,
			      unsigned long a1, unsigned long a2,
			      unsigned long a3);

/* Bumped each time the sched kprobes attach (attach.c). */
extern u32 kvmw_sched_gen;

struct kprobe;
struct pt_regs;
int kvmw_kp_dirty(struct kprobe *p, struct pt_regs *regs);
int kvmw_kp_vcpu_load(struct kprobe *p, struct pt_regs *regs);
int kvmw_kp_vcpu_put(struct kprobe *p, struct pt_regs *regs);

#endif /* KVMW_PROBES_H */
