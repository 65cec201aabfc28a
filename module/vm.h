/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_VM_H
#define KVMW_VM_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/list_nulls.h>
#include <linux/rcupdate.h>

#include "stats_api.h"

struct kvm;
struct kvm_vcpu;
struct task_struct;

#define KVMW_VM_ID_LEN		32
#define KVMW_VM_ANCESTORS	8

/*
 * Event-stream state of a vCPU, written by probes on its own thread only
 * (events.c, probes_ev.c).
 */
struct kvmw_vcpu_ev {
	u64 exit;		/* the exit it describes: stats.exits then */
	u64 info1;
	u64 info2;
	u64 rip;
	u32 isa;
	u32 code;
	bool decode_error;
	u64 pf_exit;		/* the exit of the page fault below, or 0 */
	u64 pf_gpa;
	u64 pf_err;
	u64 load_ns;		/* CLOCK_MONOTONIC of the last load, or 0 */
	u64 put_ns;		/* ... of the last put, or 0 */
	u32 put_pcpu;
	u32 put_how;		/* KVMW_PUT_* */
	u32 sched_gen;		/* kvmw_sched_gen the times belong to */
};

/*
 * One tracked vCPU. Created when KVM creates the vCPU, before it can run,
 * so probes never allocate. @stats has a single writer, the vCPU's own
 * thread (see stats_api.h).
 *
 * Reachable by probes through two RCU hash tables while the vCPU lives:
 * by struct kvm_vcpu (@hnode) and by the thread that last entered the
 * guest on it (@tnode, rebound at kvm_entry when the thread changes).
 * Reachable by readers through its VM's @vcpus list until the VM is
 * freed, after it left the recently-gone list.
 */
struct kvmw_vcpu {
	struct hlist_node hnode;	/* kvmw_vcpus; kvmw_vm_lock */
	struct hlist_nulls_node tnode;	/* kvmw_tasks; kvmw_vm_lock */
	struct list_head vm_node;	/* kvmw_vm.vcpus; RCU */
	const struct kvm_vcpu *key;
	const struct task_struct *task;	/* bound thread, or NULL */
	const void *last_vmcb;		/* SVM: last VMCB validated */
	struct kvmw_vm *vm;
	u64 serial;
	u32 vcpu_id;
	pid_t tid;
	bool hashed;
	/* KVM's own statistics (kvmw_vcpu_kvm_stats()); kvmw_vm_lock */
	bool kvm_seen;		/* found in its VM's vcpu_array */
	u8 kvm_nr;		/* values in @kvm_final: KVMW_KVM_NR or 0 */
	struct rcu_head rcu;
	struct kvmw_vcpu_ev ev;
	u64 kvm_final[KVMW_KVM_NR];	/* read when KVM destroyed it */
	struct kvmw_stats stats;
};

/* One tracked VM, named like KVM's debugfs directory: "<pid>-<fd>". */
struct kvmw_vm {
	struct hlist_node hnode;	/* kvmw_vms while alive */
	struct list_head node;		/* kvmw_vm_list; RCU */
	struct list_head gone_node;	/* kvmw_gone once destroyed */
	struct list_head vcpus;		/* kvmw_vcpu.vm_node; RCU */
	const struct kvm *key;
	u64 serial;
	u64 created_ns;
	u64 gone_ns;			/* 0 while alive */
	u32 nr_vcpus;
	pid_t pid;
	pid_t ancestors[KVMW_VM_ANCESTORS];	/* [0]: parent of @pid */
	char id[KVMW_VM_ID_LEN];
	struct rcu_head rcu;
};

int kvmw_vm_init(void);
void kvmw_vm_exit(void);

/* Lifetime hooks, called from kprobes (atomic context, never from IRQ). */
void kvmw_vm_created(struct kvm *kvm);
void kvmw_vm_destroyed(struct kvm *kvm);
void kvmw_vcpu_created(struct kvm_vcpu *vcpu);
void kvmw_vcpu_destroyed(struct kvm_vcpu *vcpu);

/* kvm.ko goes away: every VM still tracked is gone. */
void kvmw_vm_forget_all(void);

/* Probe-side lookups; the caller is an RCU reader (preemption disabled). */
struct kvmw_vcpu *kvmw_vcpu_find(const struct kvm_vcpu *vcpu);
struct kvmw_vcpu *kvmw_vcpu_of_task(const struct task_struct *task);
struct kvmw_vm *kvmw_vm_find(const struct kvm *kvm);

/* kvm_entry on a thread other than @v's bound one (IRQs off). */
void kvmw_vcpu_bind(struct kvmw_vcpu *v);

/* kvm_exit and kvm_entry counts over every vCPU ever tracked. */
void kvmw_exits_sum(u64 *exits, u64 *entries);

/*
 * Readers: every VM, live and recently gone, in the order first seen.
 * Iterate under rcu_read_lock().
 */
extern struct list_head kvmw_vm_list;

/* Copy @v's statistics consistently; the caller is an RCU reader. */
void kvmw_vcpu_copy_stats(const struct kvmw_vcpu *v, struct kvmw_stats *to);

/*
 * KVM's own statistics of @v (enum kvmw_kvm_stat) into @val: read from
 * the live vCPU, or those read when KVM destroyed it. Returns the number
 * of values, 0 when there are none. Process context, RCU reader.
 */
unsigned int kvmw_vcpu_kvm_stats(struct kvmw_vcpu *v, u64 *val);

#endif /* KVMW_VM_H */
