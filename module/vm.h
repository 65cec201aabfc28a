/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_VM_H
#define KVMW_VM_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/rcupdate.h>

struct kvm;
struct kvm_vcpu;

#define KVMW_VM_ID_LEN	32

/*
 * One tracked vCPU. Created when KVM creates the vCPU, before it can run,
 * so probes never allocate. Fields below "written by the vCPU thread" have
 * exactly one writer (the tracepoints that update them fire on the vCPU's
 * own thread) and need no lock or atomic.
 */
struct kvmw_vcpu {
	struct hlist_node hnode;	/* kvmw_vcpus, by @key; RCU */
	struct list_head vm_node;	/* kvmw_vm.vcpus; kvmw_vm_lock */
	const struct kvm_vcpu *key;
	struct kvmw_vm *vm;
	u32 vcpu_id;
	struct rcu_head rcu;

	/* written by the vCPU thread */
	u64 exits;
	u64 entries;
};

/* One tracked VM, named like KVM's debugfs directory: "<pid>-<fd>". */
struct kvmw_vm {
	struct hlist_node hnode;	/* kvmw_vms, by @key; RCU */
	struct list_head vcpus;		/* kvmw_vcpu.vm_node */
	const struct kvm *key;
	pid_t pid;
	char id[KVMW_VM_ID_LEN];
	struct rcu_head rcu;
};

void kvmw_vm_exit(void);

/* Lifetime hooks, called from kprobes (atomic context, never from IRQ). */
void kvmw_vm_created(struct kvm *kvm);
void kvmw_vm_destroyed(struct kvm *kvm);
void kvmw_vcpu_created(struct kvm_vcpu *vcpu);
void kvmw_vcpu_destroyed(struct kvm_vcpu *vcpu);

/* Forget every tracked object, e.g. when kvm.ko goes away. */
void kvmw_vm_forget_all(void);

/* Probe-side lookup; the caller is an RCU reader (preemption disabled). */
struct kvmw_vcpu *kvmw_vcpu_find(const struct kvm_vcpu *vcpu);

/* kvm_exit and kvm_entry counts over live and retired vCPUs. */
void kvmw_exits_sum(u64 *exits, u64 *entries);

#endif /* KVMW_VM_H */
