// SPDX-License-Identifier: GPL-2.0
/*
 * Event sums for kvmwatch doctor (docagg.h).
 *
 * The poll window. KVM (virt/kvm/kvm_main.c, kvm_vcpu_halt()) polls for
 * vcpu->halt_poll_ns before it sleeps, then adjusts the window: shrink
 * (halve; reset with halt_poll_ns_shrink=0, Debian 6.1's default) on a
 * spurious wake-up or on a halt longer than the maximum
 * (kvm.halt_poll_ns, 200 us by default), grow (from
 * halt_poll_ns_grow_start, 10 us, doubling) on a halt shorter than the
 * maximum but longer than the window. Each change is a HALT_POLL record
 * written before the WAKEUP record of the halt that caused it, so the
 * window a halt polled for is the HALT_POLL's old_ns when one precedes
 * its WAKEUP, else the latest new_ns. Before the first HALT_POLL record
 * the window is unknown: the first record's old_ns is the window those
 * halts had (the window only changes with a record; KVM's silent clamp to
 * a lowered maximum is the exception). A vCPU with no HALT_POLL record in
 * the window kept one window all along: either 0 (no polling: its halts
 * are all longer than the maximum) or one its halts fit in (polling
 * succeeds), so its unresolved halts are not counted as failed polls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "docagg.h"

static struct kvmw_docagg_vcpu *get(struct kvmw_docagg *a, u64 vm,
				    u32 vcpu_id)
{
	struct kvmw_docagg_vcpu *v;
	size_t i;

	/* A window holds a handful of vCPUs: a linear search will do. */
	for (i = 0; i < a->nr; i++)
		if (a->v[i].vm == vm && a->v[i].vcpu_id == vcpu_id)
			return &a->v[i];
	if (a->nr == a->cap) {
		size_t n = a->cap ? a->cap * 2 : 8;

		v = realloc(a->v, n * sizeof(*v));
		if (!v)
			return NULL;
		a->v = v;
		a->cap = n;
	}
	v = &a->v[a->nr++];
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->vcpu_id = vcpu_id;
	return v;
}

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static void wakeup(struct kvmw_docagg_vcpu *v, const struct kvmw_ev_wakeup *w)
{
	u32 window = v->pend ? v->pend_old : v->window_ns;
	bool known = v->pend || v->window_known;

	v->wakeups++;
	if (!w->valid)
		v->invalid++;
	v->pend = false;
	if (!w->waited) {
		v->polled++;
		v->poll_ok_ns += w->halt_ns;
		return;
	}
	if (!known) {
		v->early_fail++;
		v->early_halt_ns += w->halt_ns;
		return;
	}
	if (window) {
		v->poll_fail++;
		v->poll_fail_ns += min_u64(window, w->halt_ns);
	}
}

static void halt_poll(struct kvmw_docagg_vcpu *v,
		      const struct kvmw_ev_halt_poll *p)
{
	if (p->grow)
		v->grows++;
	else
		v->shrinks++;
	if (!v->window_known && !v->pend && v->early_fail && p->old_ns) {
		/* The window the earlier waited halts polled for. */
		v->poll_fail += v->early_fail;
		v->poll_fail_ns += min_u64((u64)p->old_ns * v->early_fail,
					   v->early_halt_ns);
	}
	v->early_fail = 0;
	v->early_halt_ns = 0;
	/* Two changes in one halt (not done by KVM): keep the first old. */
	if (!v->pend)
		v->pend_old = p->old_ns;
	v->pend = true;
	v->window_ns = p->new_ns;
	v->window_known = true;
}

static void load(struct kvmw_docagg_vcpu *v, const struct kvmw_ev_load *l)
{
	v->loads++;
	if (l->pcpu < 64)
		v->pcpus |= 1ULL << l->pcpu;
	if (l->prev_pcpu != ~0U && l->prev_pcpu != l->pcpu)
		v->migrations++;
	if (l->prev_how != KVMW_PUT_PREEMPTED)
		return;
	v->preempted++;
	v->stall_ns += l->off_ns;
	if (l->off_ns > v->max_stall_ns)
		v->max_stall_ns = l->off_ns;
}

int kvmw_docagg_add(struct kvmw_docagg *a, const struct kvmw_ev *ev)
{
	struct kvmw_docagg_vcpu *v;
	size_t need;

	switch (ev->type) {
	case KVMW_EV_TYPE_WAKEUP:
		need = sizeof(struct kvmw_ev_wakeup);
		break;
	case KVMW_EV_TYPE_HALT_POLL:
		need = sizeof(struct kvmw_ev_halt_poll);
		break;
	case KVMW_EV_TYPE_LOAD:
		need = sizeof(struct kvmw_ev_load);
		break;
	case KVMW_EV_TYPE_PUT:
		need = sizeof(struct kvmw_ev_put);
		break;
	case KVMW_EV_TYPE_DIRTY:
		need = sizeof(struct kvmw_ev_dirty);
		break;
	default:
		return 0;
	}
	a->records++;
	if (ev->size < need) {
		a->short_records++;
		return 0;
	}
	v = get(a, ev->vm, ev->vcpu_id);
	if (!v)
		return -ENOMEM;
	switch (ev->type) {
	case KVMW_EV_TYPE_WAKEUP:
		wakeup(v, (const struct kvmw_ev_wakeup *)ev);
		break;
	case KVMW_EV_TYPE_HALT_POLL:
		halt_poll(v, (const struct kvmw_ev_halt_poll *)ev);
		break;
	case KVMW_EV_TYPE_LOAD:
		load(v, (const struct kvmw_ev_load *)ev);
		break;
	case KVMW_EV_TYPE_PUT: {
		const struct kvmw_ev_put *p = (const struct kvmw_ev_put *)ev;

		if (p->pcpu < 64)
			v->pcpus |= 1ULL << p->pcpu;
		break;
	}
	case KVMW_EV_TYPE_DIRTY:
		v->dirty++;
		break;
	}
	return 0;
}

const struct kvmw_docagg_vcpu *kvmw_docagg_find(const struct kvmw_docagg *a,
						u64 vm, u32 vcpu_id)
{
	size_t i;

	for (i = 0; a && i < a->nr; i++)
		if (a->v[i].vm == vm && a->v[i].vcpu_id == vcpu_id)
			return &a->v[i];
	return NULL;
}

void kvmw_docagg_free(struct kvmw_docagg *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}
