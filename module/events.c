// SPDX-License-Identifier: GPL-2.0
/*
 * Event consumers and delivery.
 *
 * Every file with rings has a struct kvmw_evc. While it has event
 * families enabled it is on kvmw_evcs, an RCU list probes walk: for each
 * consumer whose families, filter and minimum duration accept the event,
 * the record goes into that consumer's ring of the current CPU. Probes
 * run with preemption disabled, which makes them RCU readers.
 *
 * Lock order: a consumer's own mutex (consumer.c), then kvmw_ev_mutex,
 * then kvmw_attach_mutex (attach.c).
 */
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>

#include "events.h"
#include "ring.h"
#include "vm.h"
#include "filter.h"
#include "attach.h"
#include "counters.h"

struct kvmw_evc {
	struct list_head node;		/* kvmw_evcs; kvmw_ev_mutex */
	bool listed;
	u64 families;			/* KVMW_ENABLE_EXIT... */
	u64 min_duration_ns;
	struct kvmw_filter __rcu *filter;
	struct kvmw_rings *rings;
};

u64 kvmw_ev_families;
static LIST_HEAD(kvmw_evcs);
static DEFINE_MUTEX(kvmw_ev_mutex);

static bool kvmw_evc_accepts(const struct kvmw_evc *c, u64 family,
			     const struct kvmw_vm *vm, u32 vcpu_id, u64 dur)
{
	const struct kvmw_filter *f;

	if (!(READ_ONCE(c->families) & family))
		return false;
	if (dur < READ_ONCE(c->min_duration_ns))
		return false;
	f = rcu_dereference_sched(c->filter);
	if (!f->flags)
		return true;
	if (!vm || !kvmw_filter_vm(f, vm, 0))
		return false;
	return vcpu_id == KVMW_EV_NO_VCPU || kvmw_filter_vcpu(f, vcpu_id);
}

void kvmw_ev_emit(u64 family, const struct kvmw_vm *vm, u32 vcpu_id,
		  struct kvmw_ev *ev, u64 dur)
{
	struct kvmw_evc *c;

	ev->vcpu_id = vcpu_id;
	/* Preset by probes that time intervals with the same clock. */
	if (!ev->time_ns)
		ev->time_ns = ktime_get_mono_fast_ns();
	ev->vm = vm ? vm->serial : 0;
	ev->pid = vm ? vm->pid : 0;
	ev->tid = task_pid_nr(current);
	list_for_each_entry_rcu(c, &kvmw_evcs, node)
		if (kvmw_evc_accepts(c, family, vm, vcpu_id, dur))
			kvmw_ring_write(c->rings, ev);
}

/*
 * kvm_exit, after the statistics opened the exit: remember what the EXIT
 * record needs and the statistics do not keep, tagged with the exit's
 * number (stats.exits, never 0 once an exit was seen), so that
 * kvmw_ev_exit_end() uses it only for this very exit. An exit that was
 * open when the family was enabled has no record.
 */
void kvmw_ev_exit_begin(struct kvmw_vcpu *v, u32 isa, u32 code, u64 info1,
			u64 info2, u64 rip, bool decoded)
{
	struct kvmw_vcpu_ev *e = &v->ev;

	e->exit = v->stats.exits;
	e->isa = isa;
	e->code = code;
	e->info1 = info1;
	e->info2 = info2;
	e->rip = rip;
	e->decode_error = !decoded;
}

static void kvmw_ev_page_fault(struct kvmw_vcpu *v, u64 dur)
{
	struct kvmw_ev_page_fault r = {
		.hdr.type = KVMW_EV_TYPE_PAGE_FAULT,
		.hdr.size = sizeof(r),
		.gpa = v->ev.pf_gpa,
		.error_code = v->ev.pf_err,
		.duration_ns = dur,
	};

	kvmw_ev_emit(KVMW_ENABLE_PF, v->vm, v->vcpu_id, &r.hdr, dur);
}

/*
 * kvm_entry, before the statistics close the exit: the EXIT (and PAGE
 * FAULT) record of the open exit, timed, keyed and flagged exactly as the
 * statistics will account it.
 */
void kvmw_ev_exit_end(struct kvmw_vcpu *v, u64 now, u32 gen)
{
	const struct kvmw_stats *s = &v->stats;
	struct kvmw_vcpu_ev *e = &v->ev;
	struct kvmw_ev_exit r;
	u64 dur;

	if (!s->open || s->o_gen != gen || e->exit != s->exits)
		return;
	dur = now - s->o_t0;
	if (e->pf_exit == e->exit) {
		e->pf_exit = 0;
		if ((s64)dur >= 0)
			kvmw_ev_page_fault(v, dur);
	}
	if (!kvmw_ev_on(KVMW_ENABLE_EXIT))
		return;
	memset(&r, 0, sizeof(r));
	r.hdr.type = KVMW_EV_TYPE_EXIT;
	r.hdr.size = sizeof(r);
	r.isa = e->isa;
	r.code = e->code;
	r.info1 = e->info1;
	r.info2 = e->info2;
	r.rip = e->rip;
	if (s->o_bd) {
		r.key = s->o_key;
		r.key_kind = s->o_bd;
		r.key_sub = s->o_bd_sub;
	}
	if (s->o_user)
		r.flags |= KVMW_EXIT_USER;
	if (e->decode_error)
		r.flags |= KVMW_EXIT_DECODE_ERROR;
	if ((s64)dur < 0) {
		r.flags |= KVMW_EXIT_NEGATIVE;
		dur = 0;
	}
	r.duration_ns = dur;
	kvmw_ev_emit(KVMW_ENABLE_EXIT, v->vm, v->vcpu_id, &r.hdr, dur);
}

void kvmw_ev_vm(u16 type, const struct kvmw_vm *vm)
{
	struct kvmw_ev_vm r = {
		.hdr.type = type,
		.hdr.size = sizeof(r),
		.ppid = vm->ancestors[0],
		.nr_vcpus = vm->nr_vcpus,
	};

	memcpy(r.id, vm->id, sizeof(r.id));
	kvmw_ev_emit(KVMW_ENABLE_VM, vm, KVMW_EV_NO_VCPU, &r.hdr, U64_MAX);
}

static struct kvmw_filter *kvmw_filter_dup(const struct kvmw_filter *f)
{
	struct kvmw_filter *n = kmemdup(f, sizeof(*f), GFP_KERNEL);

	if (n)
		atomic64_inc(&kvmw_live.buffers);
	return n;
}

static void kvmw_filter_free(const struct kvmw_filter *f)
{
	if (!f)
		return;
	kfree(f);
	atomic64_dec(&kvmw_live.buffers);
}

struct kvmw_evc *kvmw_evc_create(struct kvmw_ring_setup *setup,
				 const struct kvmw_filter *filter)
{
	struct kvmw_filter *f;
	struct kvmw_evc *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	f = kvmw_filter_dup(filter);
	if (!f)
		goto err_free;
	RCU_INIT_POINTER(c->filter, f);
	c->rings = kvmw_rings_alloc(setup);
	if (!c->rings)
		goto err_filter;
	INIT_LIST_HEAD(&c->node);
	return c;

err_filter:
	kvmw_filter_free(f);
err_free:
	kfree(c);
	return NULL;
}

static void kvmw_ev_families_update_locked(void)
{
	struct kvmw_evc *c;
	u64 all = 0;

	list_for_each_entry(c, &kvmw_evcs, node)
		all |= c->families;
	WRITE_ONCE(kvmw_ev_families, all);
}

/*
 * Probes for newly wanted families are attached before the consumer
 * sees events, and detached only after it stopped: a family's first
 * records are never half-formed by probes attaching one by one.
 */
void kvmw_evc_enable(struct kvmw_evc *c, u64 families, u64 min_duration_ns)
{
	u64 old;

	mutex_lock(&kvmw_ev_mutex);
	old = c->families;
	kvmw_attach_get(families & ~old);
	WRITE_ONCE(c->min_duration_ns, min_duration_ns);
	WRITE_ONCE(c->families, families);
	if (families && !c->listed) {
		list_add_tail_rcu(&c->node, &kvmw_evcs);
		c->listed = true;
	} else if (!families && c->listed) {
		list_del_rcu(&c->node);
		c->listed = false;
		/* Before the node can be listed again, or freed. */
		synchronize_rcu();
	}
	kvmw_ev_families_update_locked();
	kvmw_attach_put(old & ~families);
	mutex_unlock(&kvmw_ev_mutex);
}

int kvmw_evc_set_filter(struct kvmw_evc *c, const struct kvmw_filter *f)
{
	struct kvmw_filter *old;
	struct kvmw_filter *n = kvmw_filter_dup(f);

	if (!n)
		return -ENOMEM;
	mutex_lock(&kvmw_ev_mutex);
	old = rcu_replace_pointer(c->filter, n,
				  lockdep_is_held(&kvmw_ev_mutex));
	mutex_unlock(&kvmw_ev_mutex);
	synchronize_rcu();
	kvmw_filter_free(old);
	return 0;
}

void kvmw_evc_destroy(struct kvmw_evc *c)
{
	if (!c)
		return;
	kvmw_evc_enable(c, 0, 0);	/* no probe reaches @c after this */
	kvmw_rings_free(c->rings);
	kvmw_filter_free(rcu_dereference_protected(c->filter, 1));
	kfree(c);
}

int kvmw_evc_mmap(struct kvmw_evc *c, struct vm_area_struct *vma)
{
	return kvmw_rings_mmap(c->rings, vma);
}

__poll_t kvmw_evc_poll(struct kvmw_evc *c, struct file *file,
		       poll_table *pt)
{
	return kvmw_rings_poll(c->rings, file, pt);
}

/* For events_test.c: the test producer writes into this consumer only. */
struct kvmw_rings *kvmw_evc_rings(struct kvmw_evc *c)
{
	return c->rings;
}
