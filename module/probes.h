/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_PROBES_H
#define KVMW_PROBES_H

#include <linux/types.h>
#include "compat.h"

struct kvm_vcpu;

/* Tracepoint probes: the fast path. No lock, no allocation, no sleeping. */
void kvmw_probe_kvm_exit(void *data, struct kvm_vcpu *vcpu, u32 isa);
KVMW_KVM_ENTRY_PROBE(kvmw_probe_kvm_entry);

#endif /* KVMW_PROBES_H */
