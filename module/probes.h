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

#endif /* KVMW_PROBES_H */
