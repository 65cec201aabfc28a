/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel versions. Logic elsewhere never tests
 * LINUX_VERSION_CODE: it uses what this header defines.
 *
 * Supported: Debian 6.1 (6.1.149 and later) and 6.12.
 */
#ifndef KVMW_COMPAT_H
#define KVMW_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "kvmwatch needs Linux 6.1 or later"
#endif

/*
 * trace_kvm_entry() gained "bool force_immediate_exit" in 6.9 and in
 * 6.1.149 (backport). Before that it took only the vCPU. Both Debian
 * kernels carry the new prototype; older 6.1 point releases do not.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 149) && \
	 LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0))
#define KVMW_KVM_ENTRY_PROBE(fn) \
	void fn(void *data, struct kvm_vcpu *vcpu, bool force_immediate_exit)
#else
#define KVMW_KVM_ENTRY_PROBE(fn) \
	void fn(void *data, struct kvm_vcpu *vcpu)
#endif

/*
 * u128 (include/linux/types.h) appeared in 6.2; the statistics keep
 * 128-bit sums of squared nanoseconds, which 64 bits cannot hold.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
typedef unsigned __int128 u128;
#endif

/*
 * vm_flags became write-protected in 6.3: changed through helpers that
 * did not exist before.
 */
#include <linux/mm.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void kvmw_vm_flags_clear(struct vm_area_struct *vma,
				       unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#else
#define kvmw_vm_flags_clear(vma, flags)	vm_flags_clear(vma, flags)
#endif

/*
 * A dump's parsed request attributes: genl_dumpit_info() grew a struct
 * genl_info in 6.2.
 */
#include <net/genetlink.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define kvmw_genl_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#else
#define kvmw_genl_dump_attrs(cb)	(genl_dumpit_info(cb)->info.attrs)
#endif

#endif /* KVMW_COMPAT_H */
