// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU tracking.
 *
 * Objects are created and destroyed from kprobes on KVM's own lifetime
 * functions (see attach.c), which run in the context of the VMM thread with
 * preemption disabled: allocations are GFP_ATOMIC there, and a failure is
 * counted (the vCPU's events then land in the "untracked" counter).
 *
 * Locking: kvmw_vm_lock (a spinlock, never taken from hard IRQ) serialises
 * every writer of the two hash tables and of the per-VM vCPU lists. Probes
 * only read the vCPU table, under RCU. Objects are freed after a grace
 * period, so a probe that found an object may finish using it.
 */
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sched.h>
#include <linux/kvm_host.h>
#include <linux/dcache.h>

#include "vm.h"
#include "counters.h"

#define KVMW_HASH_BITS	10

static DEFINE_SPINLOCK(kvmw_vm_lock);
static DEFINE_HASHTABLE(kvmw_vms, KVMW_HASH_BITS);
static DEFINE_HASHTABLE(kvmw_vcpus, KVMW_HASH_BITS);

static struct kvmw_vm *kvmw_vm_find_locked(const struct kvm *kvm)
{
	struct kvmw_vm *vm;

	hash_for_each_possible(kvmw_vms, vm, hnode, (unsigned long)kvm)
		if (vm->key == kvm)
			return vm;
	return NULL;
}

struct kvmw_vcpu *kvmw_vcpu_find(const struct kvm_vcpu *vcpu)
{
	struct kvmw_vcpu *v;

	hash_for_each_possible_rcu_notrace(kvmw_vcpus, v, hnode,
					   (unsigned long)vcpu)
		if (v->key == vcpu)
			return v;
	return NULL;
}

/*
 * KVM names a VM's debugfs directory "<pid>-<fd>" before the VM fd reaches
 * userspace; that is the identity users know. Without debugfs fall back to
 * KVM's stats id ("kvm-<pid>").
 */
static void kvmw_vm_name(struct kvmw_vm *vm, const struct kvm *kvm)
{
	struct dentry *d = kvm->debugfs_dentry;

	if (!IS_ERR_OR_NULL(d))
		snprintf(vm->id, sizeof(vm->id), "%pd", d);
	else
		strscpy(vm->id, kvm->stats_id, sizeof(vm->id));
}

static struct kvmw_vm *kvmw_vm_new_locked(const struct kvm *kvm)
{
	struct kvmw_vm *vm;

	vm = kzalloc(sizeof(*vm), GFP_ATOMIC | __GFP_NOWARN);
	if (!vm)
		return NULL;
	vm->key = kvm;
	vm->pid = task_tgid_nr(current);
	INIT_LIST_HEAD(&vm->vcpus);
	kvmw_vm_name(vm, kvm);
	hash_add_rcu(kvmw_vms, &vm->hnode, (unsigned long)kvm);
	atomic64_inc(&kvmw_live.vms);
	return vm;
}

void kvmw_vm_created(struct kvm *kvm)
{
	spin_lock(&kvmw_vm_lock);
	if (!kvmw_vm_find_locked(kvm))
		kvmw_vm_new_locked(kvm);
	spin_unlock(&kvmw_vm_lock);
}

static void kvmw_vcpu_free_rcu(struct rcu_head *head)
{
	struct kvmw_vcpu *v = container_of(head, struct kvmw_vcpu, rcu);

	kfree(v);
	atomic64_dec(&kvmw_live.vcpus);
}

static void kvmw_vm_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct kvmw_vm, rcu));
	atomic64_dec(&kvmw_live.vms);
}

static void kvmw_vcpu_unlink_locked(struct kvmw_vcpu *v)
{
	hash_del_rcu(&v->hnode);
	list_del(&v->vm_node);
	/* The vCPU no longer runs: its counts are final. */
	atomic64_add(v->exits, &kvmw_live.exits_retired);
	atomic64_add(v->entries, &kvmw_live.entries_retired);
	call_rcu(&v->rcu, kvmw_vcpu_free_rcu);
}

static void kvmw_vm_unlink_locked(struct kvmw_vm *vm)
{
	struct kvmw_vcpu *v, *tmp;

	list_for_each_entry_safe(v, tmp, &vm->vcpus, vm_node)
		kvmw_vcpu_unlink_locked(v);
	hash_del_rcu(&vm->hnode);
	call_rcu(&vm->rcu, kvmw_vm_free_rcu);
}

void kvmw_vm_destroyed(struct kvm *kvm)
{
	struct kvmw_vm *vm;

	spin_lock(&kvmw_vm_lock);
	vm = kvmw_vm_find_locked(kvm);
	if (vm)
		kvmw_vm_unlink_locked(vm);
	spin_unlock(&kvmw_vm_lock);
}

void kvmw_vcpu_created(struct kvm_vcpu *vcpu)
{
	struct kvmw_vcpu *v;
	struct kvmw_vm *vm;

	spin_lock(&kvmw_vm_lock);
	/* A VM created before kvmwatch attached is adopted here. */
	vm = kvmw_vm_find_locked(vcpu->kvm);
	if (!vm)
		vm = kvmw_vm_new_locked(vcpu->kvm);
	if (!vm)
		goto out;
	v = kzalloc(sizeof(*v), GFP_ATOMIC | __GFP_NOWARN);
	if (!v)
		goto out;
	v->key = vcpu;
	v->vm = vm;
	v->vcpu_id = vcpu->vcpu_id;
	list_add_tail(&v->vm_node, &vm->vcpus);
	hash_add_rcu(kvmw_vcpus, &v->hnode, (unsigned long)vcpu);
	atomic64_inc(&kvmw_live.vcpus);
out:
	spin_unlock(&kvmw_vm_lock);
}

void kvmw_vcpu_destroyed(struct kvm_vcpu *vcpu)
{
	struct kvmw_vcpu *v;

	spin_lock(&kvmw_vm_lock);
	hash_for_each_possible(kvmw_vcpus, v, hnode, (unsigned long)vcpu) {
		if (v->key == vcpu) {
			kvmw_vcpu_unlink_locked(v);
			break;
		}
	}
	spin_unlock(&kvmw_vm_lock);
}

void kvmw_vm_forget_all(void)
{
	struct hlist_node *tmp;
	struct kvmw_vm *vm;
	int bkt;

	spin_lock(&kvmw_vm_lock);
	hash_for_each_safe(kvmw_vms, bkt, tmp, vm, hnode)
		kvmw_vm_unlink_locked(vm);
	spin_unlock(&kvmw_vm_lock);
}

/*
 * Both sums under kvmw_vm_lock, so that no vCPU moves from the table to
 * the retired counts while they are read.
 */
void kvmw_exits_sum(u64 *exits, u64 *entries)
{
	struct kvmw_vcpu *v;
	int bkt;

	spin_lock(&kvmw_vm_lock);
	*exits = atomic64_read(&kvmw_live.exits_retired);
	*entries = atomic64_read(&kvmw_live.entries_retired);
	hash_for_each(kvmw_vcpus, bkt, v, hnode) {
		*exits += READ_ONCE(v->exits);
		*entries += READ_ONCE(v->entries);
	}
	spin_unlock(&kvmw_vm_lock);
}

/*
 * Detaching (kvmw_attach_exit) already forgot every object; wait for the
 * RCU callbacks that free them before this module's text goes away.
 */
void kvmw_vm_exit(void)
{
	rcu_barrier();
}
