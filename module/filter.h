/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether a VM and vCPU pass a consumer's filter (struct kvmw_filter):
 * the one definition snapshots and event probes share.
 */
#ifndef KVMW_FILTER_H
#define KVMW_FILTER_H

#include <linux/string.h>

#include "vm.h"
#include "../uapi/linux/kvmwatch.h"

static inline bool kvmw_filter_vm(const struct kvmw_filter *f,
				  const struct kvmw_vm *vm, u64 gone_ns)
{
	unsigned int i;

	if ((f->flags & KVMW_FILTER_LIVE) && gone_ns)
		return false;
	if ((f->flags & KVMW_FILTER_VM) &&
	    strncmp(vm->id, f->vm, sizeof(vm->id)))
		return false;
	if (!(f->flags & KVMW_FILTER_PID) || vm->pid == f->pid)
		return true;
	if (!(f->flags & KVMW_FILTER_PID_TREE))
		return false;
	for (i = 0; i < KVMW_VM_ANCESTORS && vm->ancestors[i] > 1; i++)
		if (vm->ancestors[i] == f->pid)
			return true;
	return false;
}

static inline bool kvmw_filter_vcpu(const struct kvmw_filter *f, u32 vcpu_id)
{
	return !(f->flags & KVMW_FILTER_VCPU) || vcpu_id == f->vcpu;
}

#endif /* KVMW_FILTER_H */
