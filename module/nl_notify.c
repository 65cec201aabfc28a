// SPDX-License-Identifier: GPL-2.0
/*
 * Notifications of the "kvmwatch" family's "notify" group: VMs that come
 * and go, and exit-rate thresholds (uapi/linux/kvmwatch_nl.h).
 *
 * VM notifications start in the lifetime kprobes, which cannot send: they
 * queue a small record (only when the group has listeners) and a work
 * item sends it. Thresholds are evaluated once a second by a delayed work
 * item that runs only while some socket has thresholds; it reads one
 * counter per vCPU and threshold, never the whole statistics block.
 */
#include <linux/slab.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/rculist.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "vm.h"
#include "filter.h"
#include "counters.h"

/* Cleared under kvmw_nl_mutex before the family goes away. */
static bool kvmw_nl_live;

struct kvmw_nl_vm_note {
	struct llist_node node;
	u8 cmd;
	u64 serial;
	pid_t pid;
	pid_t ppid;
	u32 nr_vcpus;
	char id[KVMW_VM_ID_LEN];
};

static LLIST_HEAD(kvmw_nl_vm_notes);
static void kvmw_nl_vm_work_fn(struct work_struct *work);
static DECLARE_WORK(kvmw_nl_vm_work, kvmw_nl_vm_work_fn);
static void kvmw_nl_th_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(kvmw_nl_th_work, kvmw_nl_th_work_fn);

/* Kprobe context: queue, never send. */
void kvmw_nl_notify_vm(u8 cmd, const struct kvmw_vm *vm)
{
	struct kvmw_nl_vm_note *n;

	if (!READ_ONCE(kvmw_nl_live) ||
	    !genl_has_listeners(&kvmw_nl_family, &init_net, 0))
		return;
	n = kmalloc(sizeof(*n), GFP_ATOMIC | __GFP_NOWARN);
	if (!n) {
		atomic64_inc(&kvmw_live.alloc_failures);
		return;
	}
	n->cmd = cmd;
	n->serial = vm->serial;
	n->pid = vm->pid;
	n->ppid = vm->ancestors[0];
	n->nr_vcpus = vm->nr_vcpus;
	memcpy(n->id, vm->id, sizeof(n->id));
	atomic64_inc(&kvmw_live.buffers);
	llist_add(&n->node, &kvmw_nl_vm_notes);
	schedule_work(&kvmw_nl_vm_work);
}

static void kvmw_nl_multicast(struct sk_buff *msg, void *hdr)
{
	genlmsg_end(msg, hdr);
	/* -ESRCH: nobody listens any more; nothing to do about it. */
	genlmsg_multicast(&kvmw_nl_family, msg, 0, 0, GFP_KERNEL);
}

static void kvmw_nl_send_vm(const struct kvmw_nl_vm_note *n)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	struct nlattr *nest;
	void *hdr;

	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &kvmw_nl_family, 0, n->cmd);
	if (!hdr)
		goto err;
	nest = nla_nest_start(msg, KVMW_NL_ATTR_VM);
	if (!nest ||
	    nla_put_u64_64bit(msg, KVMW_NL_VM_SERIAL, n->serial,
			      KVMW_NL_VM_PAD) ||
	    nla_put_string(msg, KVMW_NL_VM_ID, n->id) ||
	    nla_put_s32(msg, KVMW_NL_VM_PID, n->pid) ||
	    nla_put_s32(msg, KVMW_NL_VM_PPID, n->ppid) ||
	    nla_put_u32(msg, KVMW_NL_VM_NR_VCPUS, n->nr_vcpus))
		goto err;
	nla_nest_end(msg, nest);
	kvmw_nl_multicast(msg, hdr);
	return;
err:
	nlmsg_free(msg);
}

static void kvmw_nl_vm_work_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&kvmw_nl_vm_notes);
	struct kvmw_nl_vm_note *n, *tmp;

	/* llist is last-in first-out: send in the order things happened. */
	list = llist_reverse_order(list);
	llist_for_each_entry_safe(n, tmp, list, node) {
		if (READ_ONCE(kvmw_nl_live))
			kvmw_nl_send_vm(n);
		kfree(n);
		atomic64_dec(&kvmw_live.buffers);
	}
}

/* Threshold state of one vCPU for one socket. */
struct kvmw_nl_ths {
	u64 gen;			/* the socket's evaluation that saw it */
	u64 t_prev;			/* 0: not primed yet */
	u64 prev[KVMW_NL_THRESHOLDS_MAX];
	u64 last_notify[KVMW_NL_THRESHOLDS_MAX];
	u32 suppressed[KVMW_NL_THRESHOLDS_MAX];
	bool above[KVMW_NL_THRESHOLDS_MAX];
};

/* What one evaluation read of one vCPU, under RCU. */
struct kvmw_nl_sample {
	u64 serial;
	u64 vm_serial;
	pid_t pid;
	u32 vcpu_id;
	char id[KVMW_VM_ID_LEN];
	u64 count[KVMW_NL_THRESHOLDS_MAX];
};

void kvmw_nl_th_forget(struct kvmw_nl_sock *s)
{
	struct kvmw_nl_ths *t;
	unsigned long idx;

	xa_for_each(&s->th_state, idx, t) {
		kfree(t);
		atomic64_dec(&kvmw_live.buffers);
	}
	xa_destroy(&s->th_state);
}

void kvmw_nl_th_changed(void)
{
	mutex_lock(&kvmw_nl_mutex);
	/* Never postpones a pending evaluation: a busy socket starves none. */
	if (kvmw_nl_live)
		queue_delayed_work(system_wq, &kvmw_nl_th_work, HZ);
	mutex_unlock(&kvmw_nl_mutex);
}

static void kvmw_nl_send_th(const struct kvmw_nl_sock *s, u32 i,
			    const struct kvmw_nl_sample *smp, u64 rate,
			    u64 interval, u32 suppressed)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	struct nlattr *nest;
	void *hdr;

	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &kvmw_nl_family, 0,
			  KVMW_NL_CMD_NOTIFY_THRESHOLD);
	if (!hdr)
		goto err;
	nest = nla_nest_start(msg, KVMW_NL_ATTR_THRESHOLD_EVENT);
	if (!nest ||
	    nla_put_u32(msg, KVMW_NL_TE_PORTID, s->portid) ||
	    nla_put_u64_64bit(msg, KVMW_NL_TE_VM_SERIAL, smp->vm_serial,
			      KVMW_NL_TE_PAD) ||
	    nla_put_string(msg, KVMW_NL_TE_VM_ID, smp->id) ||
	    nla_put_s32(msg, KVMW_NL_TE_PID, smp->pid) ||
	    nla_put_u32(msg, KVMW_NL_TE_VCPU, smp->vcpu_id) ||
	    nla_put_u32(msg, KVMW_NL_TE_ISA, s->th[i].isa) ||
	    nla_put_u32(msg, KVMW_NL_TE_CODE, s->th[i].code) ||
	    nla_put_u64_64bit(msg, KVMW_NL_TE_THRESHOLD, s->th[i].rate,
			      KVMW_NL_TE_PAD) ||
	    nla_put_u64_64bit(msg, KVMW_NL_TE_RATE, rate, KVMW_NL_TE_PAD) ||
	    nla_put_u64_64bit(msg, KVMW_NL_TE_INTERVAL_NS, interval,
			      KVMW_NL_TE_PAD) ||
	    nla_put_u32(msg, KVMW_NL_TE_SUPPRESSED, suppressed))
		goto err;
	nla_nest_end(msg, nest);
	kvmw_nl_multicast(msg, hdr);
	return;
err:
	nlmsg_free(msg);
}

/* Read the counters the socket's thresholds need; up to @max vCPUs. */
static size_t kvmw_nl_th_sample(const struct kvmw_nl_sock *s,
				struct kvmw_nl_sample *smp, size_t max)
{
	const struct kvmw_vcpu *v;
	const struct kvmw_vm *vm;
	size_t n = 0;
	u32 i;

	rcu_read_lock();
	list_for_each_entry_rcu(vm, &kvmw_vm_list, node) {
		if (READ_ONCE(vm->gone_ns) || !kvmw_filter_vm(&s->filter, vm, 0))
			continue;
		list_for_each_entry_rcu(v, &vm->vcpus, vm_node) {
			if (n == max)
				goto out;
			if (!kvmw_filter_vcpu(&s->filter, v->vcpu_id))
				continue;
			smp[n].serial = v->serial;
			smp[n].vm_serial = vm->serial;
			smp[n].pid = vm->pid;
			smp[n].vcpu_id = v->vcpu_id;
			memcpy(smp[n].id, vm->id, sizeof(smp[n].id));
			for (i = 0; i < s->nr_th; i++)
				smp[n].count[i] =
					kvmw_stats_reason_count(&v->stats,
								s->th[i].isa,
								s->th[i].code);
			n++;
		}
	}
out:
	rcu_read_unlock();
	return n;
}

/*
 * One threshold on one vCPU: a crossing is the rate going from at most
 * RATE to above it; it is notified unless one was within the rate-limit
 * window, then counted as suppressed in the next notification. When the
 * evaluation's burst is spent, the crossing waits for the next one.
 */
static void kvmw_nl_th_check(struct kvmw_nl_sock *s, u32 i,
			     struct kvmw_nl_ths *t,
			     const struct kvmw_nl_sample *smp, u64 now,
			     unsigned int *budget)
{
	u64 interval = now - t->t_prev;
	u64 rate = div64_u64((smp->count[i] - t->prev[i]) * NSEC_PER_SEC,
			     interval);
	u64 window = (u64)s->ratelimit_ms * NSEC_PER_MSEC;

	if (rate <= s->th[i].rate) {
		t->above[i] = false;
		return;
	}
	if (t->above[i])
		return;
	/* Out of budget: not taken as seen, so the next evaluation sends it. */
	if (!*budget)
		return;
	t->above[i] = true;
	if (t->last_notify[i] && now - t->last_notify[i] < window) {
		t->suppressed[i]++;
		return;
	}
	(*budget)--;
	kvmw_nl_send_th(s, i, smp, rate, interval, t->suppressed[i]);
	t->suppressed[i] = 0;
	t->last_notify[i] = now;
}

static void kvmw_nl_th_eval(struct kvmw_nl_sock *s, u64 now,
			    unsigned int *budget)
{
	size_t max = atomic64_read(&kvmw_live.vcpus) + 16, n, k;
	struct kvmw_nl_sample *smp;
	struct kvmw_nl_ths *t;
	unsigned long idx;
	u32 i;

	smp = kvmalloc_array(max, sizeof(*smp), GFP_KERNEL);
	if (!smp)
		return;
	n = kvmw_nl_th_sample(s, smp, max);
	s->th_gen++;
	for (k = 0; k < n; k++) {
		t = xa_load(&s->th_state, smp[k].serial);
		if (!t) {
			t = kzalloc(sizeof(*t), GFP_KERNEL);
			if (!t)
				continue;
			if (xa_err(xa_store(&s->th_state, smp[k].serial, t,
					    GFP_KERNEL))) {
				kfree(t);
				continue;
			}
			atomic64_inc(&kvmw_live.buffers);
		}
		t->gen = s->th_gen;
		if (t->t_prev && now > t->t_prev)
			for (i = 0; i < s->nr_th; i++)
				kvmw_nl_th_check(s, i, t, &smp[k], now, budget);
		for (i = 0; i < s->nr_th; i++)
			t->prev[i] = smp[k].count[i];
		t->t_prev = now;
	}
	kvfree(smp);
	/* vCPUs no longer selected or gone. */
	xa_for_each(&s->th_state, idx, t) {
		if (t->gen == s->th_gen)
			continue;
		xa_erase(&s->th_state, idx);
		kfree(t);
		atomic64_dec(&kvmw_live.buffers);
	}
}

static void kvmw_nl_th_work_fn(struct work_struct *work)
{
	unsigned int budget = KVMW_NL_NOTIFY_BURST;
	u64 now = ktime_get_ns();
	struct kvmw_nl_sock *s;
	bool any = false;

	mutex_lock(&kvmw_nl_mutex);
	list_for_each_entry(s, &kvmw_nl_socks, node) {
		mutex_lock(&s->lock);
		if (s->nr_th) {
			any = true;
			kvmw_nl_th_eval(s, now, &budget);
		}
		mutex_unlock(&s->lock);
	}
	if (any && kvmw_nl_live)
		schedule_delayed_work(&kvmw_nl_th_work, HZ);
	mutex_unlock(&kvmw_nl_mutex);
}

void kvmw_nl_notify_start(void)
{
	WRITE_ONCE(kvmw_nl_live, true);
}

void kvmw_nl_notify_stop(void)
{
	mutex_lock(&kvmw_nl_mutex);
	WRITE_ONCE(kvmw_nl_live, false);
	mutex_unlock(&kvmw_nl_mutex);
}

/* After stop: no work runs once this returns, nothing stays queued. */
void kvmw_nl_notify_flush(void)
{
	cancel_delayed_work_sync(&kvmw_nl_th_work);
	flush_work(&kvmw_nl_vm_work);
	kvmw_nl_vm_work_fn(NULL);
}
