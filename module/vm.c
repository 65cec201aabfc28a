// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU tracking.
 *
 * Objects are created and destroyed from kprobes on KVM's own lifetime
 * functions (see attach.c), which run in the context of the VMM thread with
 * preemption disabled: allocations are GFP_ATOMIC there, and a failure is
 * counted (the vCPU's events then land in the "untracked" counter).
 *
 * A destroyed VM is not freed at once: it moves to a bounded FIFO of
 * recently gone VMs (gone_max, gone_vcpus_max), unreachable by probes but
 * still listed to readers with its final statistics, so that a reader
 * that watched it ("stat -- COMMAND") can report it after it is gone.
 *
 * Locking: kvmw_vm_lock (a spinlock, taken in process context from the
 * kprobes and ioctls, and with IRQs off from the kvm_entry probe, never
 * from an IRQ handler) serialises every writer of the hash tables and
 * lists. Probes read the two hash tables under RCU (they run with
 * preemption disabled); readers walk kvmw_vm_list under rcu_read_lock().
 * Objects are freed after a grace period.
 */
#include <linux/hashtable.h>
#include <linux/hash.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sched.h>
#include <linux/rculist.h>
#include <linux/rculist_nulls.h>
#include <linux/moduleparam.h>
#include <linux/timekeeping.h>
#include <linux/kvm_host.h>
#include <linux/dcache.h>

#include "vm.h"
#include "counters.h"
#include "events.h"
#include "netlink.h"

#define KVMW_HASH_BITS	10

static unsigned int gone_max = 64;
module_param(gone_max, uint, 0644);
MODULE_PARM_DESC(gone_max, "Destroyed VMs whose statistics are kept (64)");

static unsigned int gone_vcpus_max = 1024;
module_param(gone_vcpus_max, uint, 0644);
MODULE_PARM_DESC(gone_vcpus_max,
		 "Destroyed vCPUs whose statistics are kept (1024)");

static DEFINE_SPINLOCK(kvmw_vm_lock);
static DEFINE_HASHTABLE(kvmw_vms, KVMW_HASH_BITS);
static DEFINE_HASHTABLE(kvmw_vcpus, KVMW_HASH_BITS);
/* By bound thread. A vCPU moves between chains: see kvmw_vcpu_of_task(). */
static struct hlist_nulls_head kvmw_tasks[1 << KVMW_HASH_BITS];
LIST_HEAD(kvmw_vm_list);
static LIST_HEAD(kvmw_gone);
static u64 kvmw_serial;

/* The stats block is the bulk; keep the whole object one order-2 slab. */
static_assert(sizeof(struct kvmw_vcpu) <= 16384);

int kvmw_vm_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kvmw_tasks); i++)
		INIT_HLIST_NULLS_HEAD(&kvmw_tasks[i], i);
	return 0;
}

static struct kvmw_vm *kvmw_vm_find_locked(const struct kvm *kvm)
{
	struct kvmw_vm *vm;

	hash_for_each_possible(kvmw_vms, vm, hnode, (unsigned long)kvm)
		if (vm->key == kvm)
			return vm;
	return NULL;
}

struct kvmw_vm *kvmw_vm_find(const struct kvm *kvm)
{
	struct kvmw_vm *vm;

	hash_for_each_possible_rcu_notrace(kvmw_vms, vm, hnode,
					   (unsigned long)kvm)
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
 * kvmw_vcpu_bind() moves a vCPU from one chain to another without waiting
 * for a grace period, so a reader may be carried into the wrong chain; it
 * then ends on another chain's nulls marker and starts again.
 *
 * A binding outlives its thread (a VMM may end a vCPU thread and keep the
 * VM): the thread id is compared too, so that a new thread that got the
 * dead one's task_struct is not taken for it.
 */
struct kvmw_vcpu *kvmw_vcpu_of_task(const struct task_struct *task)
{
	unsigned int slot = hash_ptr(task, KVMW_HASH_BITS);
	struct hlist_nulls_node *n;
	struct kvmw_vcpu *v;

again:
	hlist_nulls_for_each_entry_rcu(v, n, &kvmw_tasks[slot], tnode)
		if (READ_ONCE(v->task) == task &&
		    READ_ONCE(v->tid) == task->pid)
			return v;
	if (get_nulls_value(n) != slot)
		goto again;
	return NULL;
}

static void kvmw_vcpu_unbind_locked(struct kvmw_vcpu *v)
{
	if (!v->task)
		return;
	hlist_nulls_del_rcu(&v->tnode);
	WRITE_ONCE(v->task, NULL);
}

void kvmw_vcpu_bind(struct kvmw_vcpu *v)
{
	struct kvmw_vcpu *other;

	spin_lock(&kvmw_vm_lock);
	if (!v->hashed)
		goto out;
	/* A thread runs one vCPU at a time: the last one it entered. */
	other = kvmw_vcpu_of_task(current);
	if (other)
		kvmw_vcpu_unbind_locked(other);
	kvmw_vcpu_unbind_locked(v);
	WRITE_ONCE(v->tid, task_pid_nr(current));
	WRITE_ONCE(v->task, current);
	hlist_nulls_add_head_rcu(&v->tnode,
				 &kvmw_tasks[hash_ptr(current, KVMW_HASH_BITS)]);
out:
	spin_unlock(&kvmw_vm_lock);
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

/* For "stat -- COMMAND": VMs created by COMMAND's descendants. */
static void kvmw_vm_ancestors(struct kvmw_vm *vm)
{
	struct task_struct *t = current;
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < KVMW_VM_ANCESTORS; i++) {
		t = rcu_dereference(t->real_parent);
		vm->ancestors[i] = task_tgid_nr(t);
		if (vm->ancestors[i] <= 1)
			break;
	}
	rcu_read_unlock();
}

static struct kvmw_vm *kvmw_vm_new_locked(const struct kvm *kvm)
{
	struct kvmw_vm *vm;

	vm = kzalloc(sizeof(*vm), GFP_ATOMIC | __GFP_NOWARN);
	if (!vm) {
		atomic64_inc(&kvmw_live.alloc_failures);
		return NULL;
	}
	vm->key = kvm;
	vm->serial = ++kvmw_serial;
	vm->created_ns = ktime_get_ns();
	vm->pid = task_tgid_nr(current);
	kvmw_vm_ancestors(vm);
	INIT_LIST_HEAD(&vm->vcpus);
	INIT_LIST_HEAD(&vm->gone_node);
	kvmw_vm_name(vm, kvm);
	hash_add_rcu(kvmw_vms, &vm->hnode, (unsigned long)kvm);
	list_add_tail_rcu(&vm->node, &kvmw_vm_list);
	atomic64_inc(&kvmw_live.vms);
	return vm;
}

void kvmw_vm_created(struct kvm *kvm)
{
	struct kvmw_vm *vm = NULL;

	spin_lock(&kvmw_vm_lock);
	if (!kvmw_vm_find_locked(kvm))
		vm = kvmw_vm_new_locked(kvm);
	spin_unlock(&kvmw_vm_lock);
	/* A kprobe handler: an RCU reader, so @vm outlives this. */
	if (!vm)
		return;
	if (kvmw_ev_on(KVMW_ENABLE_VM))
		kvmw_ev_vm(KVMW_EV_TYPE_VM_CREATE, vm);
	kvmw_nl_notify_vm(KVMW_NL_CMD_NOTIFY_VM_NEW, vm);
}

static void kvmw_vcpu_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct kvmw_vcpu, rcu));
}

static void kvmw_vm_free_rcu(struct rcu_head *head)
{
	struct kvmw_vm *vm = container_of(head, struct kvmw_vm, rcu);
	struct kvmw_vcpu *v, *tmp;

	list_for_each_entry_safe(v, tmp, &vm->vcpus, vm_node)
		kfree(v);
	kfree(vm);
}

/*
 * Make a vCPU unreachable by probes. Its counts are final: KVM destroys a
 * vCPU only when it can no longer run. Returns whether it was reachable.
 */
static bool kvmw_vcpu_unhash_locked(struct kvmw_vcpu *v)
{
	if (!v->hashed)
		return false;
	kvmw_stats_final(&v->stats);
	hash_del_rcu(&v->hnode);
	kvmw_vcpu_unbind_locked(v);
	v->hashed = false;
	atomic64_dec(&kvmw_live.vcpus);
	return true;
}

static void kvmw_vcpu_retire_counts(const struct kvmw_vcpu *v)
{
	atomic64_add(v->stats.exits, &kvmw_live.exits_retired);
	atomic64_add(v->stats.entries, &kvmw_live.entries_retired);
}

/* Unlink and free a VM, live or gone, with all its vCPUs. */
static void kvmw_vm_free_locked(struct kvmw_vm *vm)
{
	struct kvmw_vcpu *v;

	list_for_each_entry(v, &vm->vcpus, vm_node) {
		if (!kvmw_vcpu_unhash_locked(v))
			atomic64_dec(&kvmw_live.gone_vcpus);
		kvmw_vcpu_retire_counts(v);
	}
	if (vm->gone_ns) {
		list_del(&vm->gone_node);
		atomic64_dec(&kvmw_live.gone_vms);
	} else {
		hash_del_rcu(&vm->hnode);
		atomic64_dec(&kvmw_live.vms);
	}
	list_del_rcu(&vm->node);
	call_rcu(&vm->rcu, kvmw_vm_free_rcu);
}

static void kvmw_gone_trim_locked(void)
{
	struct kvmw_vm *vm;

	while (!list_empty(&kvmw_gone) &&
	       (atomic64_read(&kvmw_live.gone_vms) > READ_ONCE(gone_max) ||
		atomic64_read(&kvmw_live.gone_vcpus) >
		READ_ONCE(gone_vcpus_max))) {
		vm = list_first_entry(&kvmw_gone, struct kvmw_vm, gone_node);
		kvmw_vm_free_locked(vm);
	}
}

/* The VM is being destroyed: its vCPUs follow, then it is kept as gone. */
static void kvmw_vm_gone_locked(struct kvmw_vm *vm)
{
	hash_del_rcu(&vm->hnode);
	vm->gone_ns = ktime_get_ns();
	list_add_tail(&vm->gone_node, &kvmw_gone);
	atomic64_dec(&kvmw_live.vms);
	atomic64_inc(&kvmw_live.gone_vms);
}

void kvmw_vm_destroyed(struct kvm *kvm)
{
	struct kvmw_vm *vm;

	spin_lock(&kvmw_vm_lock);
	vm = kvmw_vm_find_locked(kvm);
	if (vm) {
		if (kvmw_ev_on(KVMW_ENABLE_VM))
			kvmw_ev_vm(KVMW_EV_TYPE_VM_GONE, vm);
		kvmw_nl_notify_vm(KVMW_NL_CMD_NOTIFY_VM_GONE, vm);
		kvmw_vm_gone_locked(vm);
		kvmw_gone_trim_locked();
	}
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
	if (!v) {
		atomic64_inc(&kvmw_live.alloc_failures);
		goto out;
	}
	v->key = vcpu;
	v->vm = vm;
	v->serial = ++kvmw_serial;
	v->vcpu_id = vcpu->vcpu_id;
	v->hashed = true;
	seqcount_init(&v->stats.seq);
	kvmw_stats_init(&v->stats);
	list_add_tail_rcu(&v->vm_node, &vm->vcpus);
	vm->nr_vcpus++;
	hash_add_rcu(kvmw_vcpus, &v->hnode, (unsigned long)vcpu);
	atomic64_inc(&kvmw_live.vcpus);
out:
	spin_unlock(&kvmw_vm_lock);
}

void kvmw_vcpu_destroyed(struct kvm_vcpu *vcpu)
{
	struct kvmw_vcpu *v, *found = NULL;

	spin_lock(&kvmw_vm_lock);
	hash_for_each_possible(kvmw_vcpus, v, hnode, (unsigned long)vcpu) {
		if (v->key == vcpu) {
			found = v;
			break;
		}
	}
	if (!found)
		goto out;
	kvmw_vcpu_unhash_locked(found);
	if (found->vm->gone_ns) {
		/* Part of a VM destruction: kept with the gone VM. */
		atomic64_inc(&kvmw_live.gone_vcpus);
		kvmw_gone_trim_locked();
	} else {
		/* vCPU creation failed after kvm_arch_vcpu_create(). */
		list_del_rcu(&found->vm_node);
		found->vm->nr_vcpus--;
		kvmw_vcpu_retire_counts(found);
		call_rcu(&found->rcu, kvmw_vcpu_free_rcu);
	}
out:
	spin_unlock(&kvmw_vm_lock);
}

/*
 * kvm.ko is going: no VM can be alive (each holds a module reference),
 * but forget any that kvmwatch missed the destruction of.
 */
void kvmw_vm_forget_all(void)
{
	struct hlist_node *tmp;
	struct kvmw_vcpu *v;
	struct kvmw_vm *vm;
	int bkt;

	spin_lock(&kvmw_vm_lock);
	hash_for_each_safe(kvmw_vms, bkt, tmp, vm, hnode) {
		kvmw_vm_gone_locked(vm);
		list_for_each_entry(v, &vm->vcpus, vm_node)
			if (kvmw_vcpu_unhash_locked(v))
				atomic64_inc(&kvmw_live.gone_vcpus);
	}
	kvmw_gone_trim_locked();
	spin_unlock(&kvmw_vm_lock);
}

/*
 * Both sums under kvmw_vm_lock, so that no vCPU moves from the lists to
 * the retired counts while they are read.
 */
void kvmw_exits_sum(u64 *exits, u64 *entries)
{
	struct kvmw_vcpu *v;
	struct kvmw_vm *vm;

	spin_lock(&kvmw_vm_lock);
	*exits = atomic64_read(&kvmw_live.exits_retired);
	*entries = atomic64_read(&kvmw_live.entries_retired);
	list_for_each_entry(vm, &kvmw_vm_list, node) {
		list_for_each_entry(v, &vm->vcpus, vm_node) {
			*exits += READ_ONCE(v->stats.exits);
			*entries += READ_ONCE(v->stats.entries);
		}
	}
	spin_unlock(&kvmw_vm_lock);
}

/*
 * A whole-block copy is consistent; a vCPU exiting faster than the block
 * copies makes it retry, so after a few tries copy row by row instead:
 * each row (and the counters) stays consistent on its own.
 */
#define KVMW_COPY_TRIES	4

static void kvmw_copy_part(const seqcount_t *seq, void *to, const void *from,
			   size_t len)
{
	unsigned int start;

	do {
		start = raw_read_seqcount_begin(seq);
		memcpy(to, from, len);
	} while (read_seqcount_retry(seq, start));
}

void kvmw_vcpu_copy_stats(const struct kvmw_vcpu *v, struct kvmw_stats *to)
{
	const struct kvmw_stats *s = &v->stats;
	unsigned int i, seq;

	for (i = 0; i < KVMW_COPY_TRIES; i++) {
		seq = raw_read_seqcount_begin(&s->seq);
		memcpy(to, s, sizeof(*to));
		if (!read_seqcount_retry(&s->seq, seq))
			return;
	}
	for (i = 0; i < KVMW_NR_ROWS; i++)
		kvmw_copy_part(&s->seq, &to->rows[i], &s->rows[i],
			       sizeof(to->rows[i]));
	for (i = 0; i <= KVMW_NR_PORTS; i++)
		kvmw_copy_part(&s->seq, &to->ports[i], &s->ports[i],
			       sizeof(to->ports[i]));
	for (i = 0; i <= KVMW_NR_MMIO; i++)
		kvmw_copy_part(&s->seq, &to->mmio[i], &s->mmio[i],
			       sizeof(to->mmio[i]));
	for (i = 0; i <= KVMW_NR_MSRS; i++)
		kvmw_copy_part(&s->seq, &to->msrs[i], &s->msrs[i],
			       sizeof(to->msrs[i]));
	for (i = 0; i < KVMW_NR_RIPS; i++)
		kvmw_copy_part(&s->seq, &to->rips[i], &s->rips[i],
			       sizeof(to->rips[i]));
	/* Counters last: rows claimed meanwhile have their codes. */
	kvmw_copy_part(&s->seq, to, s, offsetof(struct kvmw_stats, rows));
}

/*
 * Module exit: attach.c detached every probe (no probe runs any more), so
 * free everything, then wait for the RCU callbacks that free it.
 */
void kvmw_vm_exit(void)
{
	struct kvmw_vm *vm, *tmp;

	spin_lock(&kvmw_vm_lock);
	list_for_each_entry_safe(vm, tmp, &kvmw_vm_list, node)
		kvmw_vm_free_locked(vm);
	spin_unlock(&kvmw_vm_lock);
	rcu_barrier();
}
