/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live-object counters. Every allocation the module makes on behalf of a
 * tracked object or a consumer is counted here and uncounted when freed, so
 * tests can assert that nothing leaked (Debian's kernels have no kmemleak).
 */
#ifndef KVMW_COUNTERS_H
#define KVMW_COUNTERS_H

#include <linux/atomic.h>
#include <linux/percpu.h>

struct kvmw_live {
	atomic64_t vms;
	atomic64_t vcpus;
	atomic64_t buffers;
	atomic64_t files;
	atomic64_t kvm_loads;
	atomic64_t kvm_unloads;
	atomic64_t gone_vms;
	atomic64_t gone_vcpus;
	atomic64_t alloc_failures;
	/* Counts of vCPUs already freed; live ones are summed. */
	atomic64_t exits_retired;
	atomic64_t entries_retired;
};

extern struct kvmw_live kvmw_live;

/* Many writers (any CPU, any context): per-CPU, summed by readers. */
DECLARE_PER_CPU(u64, kvmw_untracked);
/*
 * Events without a vCPU argument (kvm_msr, kvm_pio, kvm_mmio,
 * kvm_userspace_exit) on a thread bound to no vCPU: e.g. a KVM_RUN that
 * returns before its first guest entry, or a vCPU thread already inside
 * KVM_RUN when the probes were attached.
 */
DECLARE_PER_CPU(u64, kvmw_unbound);

u64 kvmw_untracked_sum(void);
u64 kvmw_unbound_sum(void);

#endif /* KVMW_COUNTERS_H */
