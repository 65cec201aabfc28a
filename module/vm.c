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
 *
 * KVM's own statistics (vcpu->stat) are read in KVM's struct kvm_vcpu,
 * which KVM frees at once, with no grace period: RCU does not protect it.
 * kvmw_vm_lock does. Readers (kvmw_vcpu_kvm_stats()) read vcpu->stat only
 * with the lock held and only while the kvmw_vcpu is hashed and known to
 * be in its VM's vcpu_array (@kvm_seen). The kprobe on
 * kvm_arch_vcpu_destroy() runs before KVM frees the vCPU (kvm_vcpu_destroy()
 * and the creation error path both call it first) and takes the lock to
 * unhash it: it waits for a reader that is reading, and every later
 * reader finds it unhashed and uses the values the kprobe saved. A vCPU
 * only gets into vcpu_array once kvm_arch_vcpu_create() succeeded, after
 * which KVM frees it only through kvm_arch_vcpu_destroy(); a vCPU whose
 * kvm_arch_vcpu_create() failed (freed without that hook, its slot left
 * behind) is never found there, so never read; and its slot is dropped
 * when a vCPU is created at the same address (kvmw_vcpu_created()), so
 * that it cannot find that one and outlive it. vcpu_array itself lives
 * in struct kvm, which is searched only while the VM is not gone: the
 * kprobe on kvm_arch_destroy_vm() marks it gone under the lock before
 * KVM frees it. The values are u64 read with READ_ONCE(): never torn on
 * x86-64; KVM's vCPU thread may update them meanwhile, so the values of
 * a running vCPU are each exact but not one instant's.
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

/*
 * Where enum kvmw_kvm_stat's values are in KVM's struct kvm_vcpu_stat:
 * the same fields, with the same layout, in 6.1 and 6.12.
 */
#define KVMW_KG(f)	offsetof(struct kvm_vcpu_stat, generic.f)
#define KVMW_KA(f)	offsetof(struct kvm_vcpu_stat, f)
static const u16 kvmw_kvm_off[KVMW_KVM_NR] = {
	[KVMW_KVM_HALT_SUCCESSFUL_POLL] = KVMW_KG(halt_successful_poll),
	[KVMW_KVM_HALT_ATTEMPTED_POLL] = KVMW_KG(halt_attempted_poll),
	[KVMW_KVM_HALT_POLL_INVALID] = KVMW_KG(halt_poll_invalid),
	[KVMW_KVM_HALT_WAKEUP] = KVMW_KG(halt_wakeup),
	[KVMW_KVM_HALT_POLL_SUCCESS_NS] = KVMW_KG(halt_poll_success_ns),
	[KVMW_KVM_HALT_POLL_FAIL_NS] = KVMW_KG(halt_poll_fail_ns),
	[KVMW_KVM_HALT_WAIT_NS] = KVMW_KG(halt_wait_ns),
	[KVMW_KVM_BLOCKING] = KVMW_KG(blocking),
	[KVMW_KVM_PF_TAKEN] = KVMW_KA(pf_taken),
	[KVMW_KVM_PF_FIXED] = KVMW_KA(pf_fixed),
	[KVMW_KVM_PF_EMULATE] = KVMW_KA(pf_emulate),
	[KVMW_KVM_PF_SPURIOUS] = KVMW_KA(pf_spurious),
	[KVMW_KVM_PF_FAST] = KVMW_KA(pf_fast),
	[KVMW_KVM_PF_MMIO_SPTE_CREATED] = KVMW_KA(pf_mmio_spte_created),
	[KVMW_KVM_PF_GUEST] = KVMW_KA(pf_guest),
	[KVMW_KVM_TLB_FLUSH] = KVMW_KA(tlb_flush),
	[KVMW_KVM_INVLPG] = KVMW_KA(invlpg),
	[KVMW_KVM_EXITS] = KVMW_KA(exits),
	[KVMW_KVM_IO_EXITS] = KVMW_KA(io_exits),
	[KVMW_KVM_MMIO_EXITS] = KVMW_KA(mmio_exits),
	[KVMW_KVM_SIGNAL_EXITS] = KVMW_KA(signal_exits),
	[KVMW_KVM_IRQ_WINDOW_EXITS] = KVMW_KA(irq_window_exits),
	[KVMW_KVM_NMI_WINDOW_EXITS] = KVMW_KA(nmi_window_exits),
	[KVMW_KVM_L1D_FLUSH] = KVMW_KA(l1d_flush),
	[KVMW_KVM_HALT_EXITS] = KVMW_KA(halt_exits),
	[KVMW_KVM_REQUEST_IRQ_EXITS] = KVMW_KA(request_irq_exits),
	[KVMW_KVM_IRQ_EXITS] = KVMW_KA(irq_exits),
	[KVMW_KVM_HOST_STATE_RELOAD] = KVMW_KA(host_state_reload),
	[KVMW_KVM_FPU_RELOAD] = KVMW_KA(fpu_reload),
	[KVMW_KVM_INSN_EMULATION] = KVMW_KA(insn_emulation),
	[KVMW_KVM_INSN_EMULATION_FAIL] = KVMW_KA(insn_emulation_fail),
	[KVMW_KVM_HYPERCALLS] = KVMW_KA(hypercalls),
	[KVMW_KVM_IRQ_INJECTIONS] = KVMW_KA(irq_injections),
	[KVMW_KVM_NMI_INJECTIONS] = KVMW_KA(nmi_injections),
	[KVMW_KVM_REQ_EVENT] = KVMW_KA(req_event),
	[KVMW_KVM_NESTED_RUN] = KVMW_KA(nested_run),
	[KVMW_KVM_DIRECTED_YIELD_ATTEMPTED] = KVMW_KA(directed_yield_attempted),
	[KVMW_KVM_DIRECTED_YIELD_SUCCESSFUL] =
		KVMW_KA(directed_yield_successful),
	[KVMW_KVM_PREEMPTION_REPORTED] = KVMW_KA(preemption_reported),
	[KVMW_KVM_PREEMPTION_OTHER] = KVMW_KA(preemption_other),
	[KVMW_KVM_GUEST_MODE] = KVMW_KA(guest_mode),
	[KVMW_KVM_NOTIFY_WINDOW_EXITS] = KVMW_KA(notify_window_exits),
};

/* Offsets must fit the u16s above. */
static_assert(sizeof(struct kvm_vcpu_stat) <= U16_MAX);

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

/* A vCPU KVM freed, or is about to free: no probe can reach it now. */
static void kvmw_vcpu_gone_locked(struct kvmw_vcpu *v)
{
	kvmw_vcpu_unhash_locked(v);
	if (v->vm->gone_ns) {
		/* Part of a VM destruction: kept with the gone VM. */
		atomic64_inc(&kvmw_live.gone_vcpus);
		kvmw_gone_trim_locked();
	} else {
		/* vCPU creation failed (or it is a stale slot, see below). */
		list_del_rcu(&v->vm_node);
		v->vm->nr_vcpus--;
		kvmw_vcpu_retire_counts(v);
		call_rcu(&v->rcu, kvmw_vcpu_free_rcu);
	}
}

void kvmw_vcpu_created(struct kvm_vcpu *vcpu)
{
	struct kvmw_vcpu *v;
	struct kvmw_vm *vm;

	spin_lock(&kvmw_vm_lock);
	/*
	 * A slot already keyed by this address is stale: its vCPU failed
	 * in kvm_arch_vcpu_create() and was freed without
	 * kvm_arch_vcpu_destroy(). Drop it, so that it is neither found
	 * by the probes nor read in place of this vCPU once it is gone.
	 */
	hash_for_each_possible(kvmw_vcpus, v, hnode, (unsigned long)vcpu) {
		if (v->key == vcpu) {
			kvmw_vcpu_gone_locked(v);
			break;
		}
	}
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

/* KVM's statistics of a vCPU KVM cannot free meanwhile (see the top). */
static void kvmw_kvm_read(const struct kvm_vcpu *vcpu, u64 *val)
{
	const char *stat = (const char *)&vcpu->stat;
	unsigned int i;

	for (i = 0; i < KVMW_KVM_NR; i++)
		val[i] = READ_ONCE(*(const u64 *)(stat + kvmw_kvm_off[i]));
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
	/* KVM frees @vcpu after this: keep its last values. */
	kvmw_kvm_read(vcpu, found->kvm_final);
	found->kvm_nr = KVMW_KVM_NR;
	kvmw_vcpu_gone_locked(found);
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
 * Whether @v's vCPU is in its VM's vcpu_array. kvmw_vm_lock held, VM not
 * gone (struct kvm cannot be freed meanwhile: see the top).
 */
static bool kvmw_vcpu_in_vm_locked(struct kvmw_vcpu *v)
{
	struct kvm *kvm = (struct kvm *)v->vm->key;
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (vcpu == v->key) {
			v->kvm_seen = true;
			return true;
		}
	}
	return false;
}

unsigned int kvmw_vcpu_kvm_stats(struct kvmw_vcpu *v, u64 *val)
{
	unsigned int nr = 0;

	spin_lock(&kvmw_vm_lock);
	if (v->hashed && (v->kvm_seen ||
			  (!v->vm->gone_ns && kvmw_vcpu_in_vm_locked(v)))) {
		kvmw_kvm_read(v->key, val);
		nr = KVMW_KVM_NR;
	} else if (v->kvm_nr) {
		nr = v->kvm_nr;
		memcpy(val, v->kvm_final, nr * sizeof(*val));
	}
	spin_unlock(&kvmw_vm_lock);
	return nr;
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
