// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots: the statistics of the selected vCPUs as the record stream of
 * uapi/linux/kvmwatch.h, minus a consumer's baseline.
 *
 * Readers never stop writers: each vCPU's block is copied under its
 * sequence count (kvmw_vcpu_copy_stats), then subtracted and encoded from
 * the copy. Rows, breakdown slots and RIP slots never move once claimed
 * and writers never zero them, so a baseline block subtracts from a later
 * one slot by slot.
 *
 * KVM's own statistics of a vCPU (KVMW_SNAP_KVM) are read in KVM's vCPU
 * under kvmw_vm_lock (kvmw_vcpu_kvm_stats(), see vm.c for why that is
 * safe). Every baseline holds them too, whether or not the consumer asked
 * for them, so that a later KVMW_SNAP_KVM snapshot subtracts them.
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/bsearch.h>
#include <linux/string.h>
#include <linux/rculist.h>

#include "snapshot.h"
#include "vm.h"
#include "filter.h"
#include "counters.h"

struct kvmw_base_ent {
	u64 serial;
	struct kvmw_stats *stats;
	u64 *kvm;			/* KVMW_KVM_NR values */
	unsigned int nr_kvm;		/* of which valid */
};

struct kvmw_base {
	u64 time_ns;			/* CLOCK_MONOTONIC when taken */
	unsigned int nr;
	unsigned int max;
	struct kvmw_base_ent *ents;	/* sorted by serial once sealed */
	struct kvmw_stats *blocks;
	u64 *kvm;			/* max * KVMW_KVM_NR */
};

/* vCPUs created while a baseline is being taken get a slot too. */
#define KVMW_BASE_SLACK	16

static int kvmw_base_cmp(const void *a, const void *b)
{
	const struct kvmw_base_ent *x = a, *y = b;

	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

void kvmw_base_free(struct kvmw_base *base)
{
	if (!base)
		return;
	kvfree(base->kvm);
	kvfree(base->blocks);
	kvfree(base->ents);
	kfree(base);
	atomic64_dec(&kvmw_live.buffers);
}

static unsigned int kvmw_count_vcpus(void)
{
	struct kvmw_vcpu *v;
	struct kvmw_vm *vm;
	unsigned int n = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(vm, &kvmw_vm_list, node)
		list_for_each_entry_rcu(v, &vm->vcpus, vm_node)
			n++;
	rcu_read_unlock();
	return n;
}

struct kvmw_base *kvmw_base_alloc(void)
{
	struct kvmw_base *base;

	base = kzalloc(sizeof(*base), GFP_KERNEL);
	if (!base)
		return NULL;
	atomic64_inc(&kvmw_live.buffers);
	base->max = kvmw_count_vcpus() + KVMW_BASE_SLACK;
	base->ents = kvcalloc(base->max, sizeof(*base->ents), GFP_KERNEL);
	base->blocks = kvmalloc_array(base->max, sizeof(*base->blocks),
				      GFP_KERNEL);
	base->kvm = kvmalloc_array(base->max, KVMW_KVM_NR * sizeof(u64),
				   GFP_KERNEL);
	if (!base->ents || !base->blocks || !base->kvm) {
		kvmw_base_free(base);
		return NULL;
	}
	base->time_ns = ktime_get_ns();
	return base;
}

/*
 * The entry to copy @v's baseline into, or NULL when there is no room (a
 * vCPU created while the baseline was taken): it then counts from zero,
 * that is from its creation, shortly before the reset.
 */
static struct kvmw_base_ent *kvmw_base_slot(struct kvmw_base *base,
					    const struct kvmw_vcpu *v)
{
	struct kvmw_base_ent *e;

	if (base->nr == base->max)
		return NULL;
	e = &base->ents[base->nr];
	e->serial = v->serial;
	e->stats = &base->blocks[base->nr];
	e->kvm = &base->kvm[(size_t)base->nr * KVMW_KVM_NR];
	e->nr_kvm = 0;
	base->nr++;
	return e;
}

/* Copy both statistics of @v into a baseline entry. */
static void kvmw_base_copy(struct kvmw_base_ent *e, struct kvmw_vcpu *v)
{
	kvmw_vcpu_copy_stats(v, e->stats);
	e->nr_kvm = kvmw_vcpu_kvm_stats(v, e->kvm);
}

void kvmw_base_seal(struct kvmw_base *base)
{
	sort(base->ents, base->nr, sizeof(*base->ents), kvmw_base_cmp, NULL);
}

struct kvmw_base *kvmw_base_take(void)
{
	struct kvmw_base *base = kvmw_base_alloc();
	struct kvmw_vcpu *v;
	struct kvmw_vm *vm;

	if (!base)
		return NULL;
	rcu_read_lock();
	list_for_each_entry_rcu(vm, &kvmw_vm_list, node) {
		list_for_each_entry_rcu(v, &vm->vcpus, vm_node) {
			struct kvmw_base_ent *slot = kvmw_base_slot(base, v);

			if (slot)
				kvmw_base_copy(slot, v);
		}
	}
	rcu_read_unlock();
	kvmw_base_seal(base);
	return base;
}

static const struct kvmw_base_ent *kvmw_base_find(const struct kvmw_base *base,
						  u64 serial)
{
	struct kvmw_base_ent key = { .serial = serial };

	if (!base || !base->nr)
		return NULL;
	return bsearch(&key, base->ents, base->nr, sizeof(*base->ents),
		       kvmw_base_cmp);
}

/* Lowest and highest time a histogram bucket can hold. */
static u64 kvmw_bucket_lo(unsigned int b)
{
	return b ? 1ULL << (b + KVMW_HIST_SHIFT - 1) : 0;
}

static u64 kvmw_bucket_hi(unsigned int b)
{
	return b == KVMW_HIST_BUCKETS - 1 ? U64_MAX :
	       (1ULL << (b + KVMW_HIST_SHIFT)) - 1;
}

/*
 * The window's min and max cannot be subtracted: when the row had
 * samples before the baseline, report the tightest bounds the lifetime
 * values and the window's histogram (if any) give.
 */
static void kvmw_stat_sub(struct kvmw_stat *s, const struct kvmw_stat *b,
			  u64 *hist, const u64 *bhist, u32 *flags)
{
	unsigned int i, lo = KVMW_HIST_BUCKETS, hi = 0;

	if (!b->count)
		return;
	s->count -= b->count;
	s->total -= b->total;
	s->sumsq -= b->sumsq;
	s->user -= b->user;
	*flags |= KVMW_STAT_MINMAX_BOUND;
	if (!hist)
		return;
	for (i = 0; i < KVMW_HIST_BUCKETS; i++) {
		hist[i] -= bhist[i];
		if (hist[i]) {
			lo = min(lo, i);
			hi = i;
		}
	}
	if (lo < KVMW_HIST_BUCKETS) {
		s->min = max(s->min, kvmw_bucket_lo(lo));
		s->max = min(s->max, kvmw_bucket_hi(hi));
	}
}

struct kvmw_out {
	char *buf;
	size_t len;
	size_t pos;
	u32 flags;
};

/* Room for a record, zeroed, or NULL once the buffer is full. */
static void *kvmw_out_rec(struct kvmw_out *o, u16 type, u32 len)
{
	struct kvmw_rec *r = NULL;

	len = ALIGN(len, 8);
	if (o->pos + len <= o->len) {
		r = (struct kvmw_rec *)(o->buf + o->pos);
		memset(r, 0, len);
		r->type = type;
		r->len = len;
	}
	o->pos += len;
	return r;
}

static void kvmw_out_stat(struct kvmw_out *o, unsigned int kind, u16 sub,
			  u32 code, u64 key, const struct kvmw_stat *st,
			  const u64 *hist, u32 flags)
{
	unsigned int nb = hist && !(o->flags & KVMW_SNAP_NO_HIST) ?
			  KVMW_HIST_BUCKETS : 0;
	struct kvmw_rec_stat *r;

	r = kvmw_out_rec(o, KVMW_REC_STAT, sizeof(*r) + nb * sizeof(u64));
	if (!r)
		return;
	r->kind = kind;
	r->sub = sub;
	r->code = code;
	r->key = key;
	r->count = st->count;
	r->total_ns = st->total;
	r->min_ns = st->count ? st->min : 0;
	r->max_ns = st->max;
	r->sumsq_lo = (u64)st->sumsq;
	r->sumsq_hi = (u64)(st->sumsq >> 64);
	r->user = st->user;
	r->flags = flags;
	r->nr_buckets = nb;
	if (nb)
		memcpy(r->hist, hist, nb * sizeof(u64));
}

static unsigned int kvmw_out_btable(struct kvmw_out *o, unsigned int kind,
				    struct kvmw_brow *t, unsigned int n,
				    const struct kvmw_brow *bt)
{
	unsigned int i, nr = 0;

	for (i = 0; i <= n; i++) {
		u32 flags = 0;

		if (!t[i].used)
			continue;
		if (bt && bt[i].used)
			kvmw_stat_sub(&t[i].st, &bt[i].st, NULL, NULL, &flags);
		if (!t[i].st.count && !t[i].st.user)
			continue;
		kvmw_out_stat(o, kind, t[i].sub, 0, t[i].key, &t[i].st, NULL,
			      flags);
		nr++;
	}
	return nr;
}

/* One vCPU: its record, then its rows; @s is a private copy. */
static void kvmw_out_vcpu(struct kvmw_out *o, const struct kvmw_vcpu *v,
			  struct kvmw_stats *s, const struct kvmw_stats *b)
{
	struct kvmw_rec_vcpu *r;
	unsigned int i, nr_stats = 0, nr_rips = 0;

	r = kvmw_out_rec(o, KVMW_REC_VCPU, sizeof(*r));
	if (b) {
		s->exits -= b->exits;
		s->entries -= b->entries;
		s->unfinished -= b->unfinished;
		s->entry_without_exit -= b->entry_without_exit;
		s->exit_without_entry -= b->exit_without_entry;
		s->negative_time -= b->negative_time;
		s->user_returns -= b->user_returns;
		s->user_without_exit -= b->user_without_exit;
		s->msr_early -= b->msr_early;
		s->orphan_events -= b->orphan_events;
		s->decode_errors -= b->decode_errors;
		s->dropped_reasons -= b->dropped_reasons;
		for (i = 0; i < KVMW_BD_NR; i++)
			s->dropped_keys[i] -= b->dropped_keys[i];
		s->dropped_rips -= b->dropped_rips;
		s->guest_ns -= b->guest_ns;
		s->user_ns -= b->user_ns;
	}
	for (i = 0; i < s->nr_rows && i < KVMW_NR_ROWS; i++) {
		struct kvmw_row *row = &s->rows[i];
		u32 flags = 0;

		if (b && i < b->nr_rows)
			kvmw_stat_sub(&row->st, &b->rows[i].st, row->hist,
				      b->rows[i].hist, &flags);
		if (!row->st.count && !row->st.user)
			continue;
		kvmw_out_stat(o, KVMW_STAT_EXIT, row->sub, row->code, 0,
			      &row->st, row->hist, flags);
		nr_stats++;
	}
	if (!(o->flags & KVMW_SNAP_NO_BREAKDOWN)) {
		nr_stats += kvmw_out_btable(o, KVMW_STAT_IOPORT, s->ports,
					    KVMW_NR_PORTS, b ? b->ports : NULL);
		nr_stats += kvmw_out_btable(o, KVMW_STAT_MMIO, s->mmio,
					    KVMW_NR_MMIO, b ? b->mmio : NULL);
		nr_stats += kvmw_out_btable(o, KVMW_STAT_MSR, s->msrs,
					    KVMW_NR_MSRS, b ? b->msrs : NULL);
	}
	for (i = 0; i < KVMW_NR_RIPS && !(o->flags & KVMW_SNAP_NO_RIPS); i++) {
		struct kvmw_rip *rip = &s->rips[i];
		struct kvmw_rec_rip *rr;
		u64 count = rip->count;

		if (!rip->used)
			continue;
		if (b && b->rips[i].used)
			count -= b->rips[i].count;
		if (!count)
			continue;
		rr = kvmw_out_rec(o, KVMW_REC_RIP, sizeof(*rr));
		if (rr) {
			rr->code = rip->code;
			rr->rip = rip->rip;
			rr->count = count;
		}
		nr_rips++;
	}
	if (!r)
		return;
	r->vcpu_id = v->vcpu_id;
	r->tid = READ_ONCE(v->tid);
	r->isa = s->isa;
	r->nr_stats = nr_stats;
	r->nr_rips = nr_rips;
	r->open = s->open;
	r->exits = s->exits;
	r->entries = s->entries;
	r->unfinished = s->unfinished;
	r->entry_without_exit = s->entry_without_exit;
	r->exit_without_entry = s->exit_without_entry;
	r->negative_time = s->negative_time;
	r->user_returns = s->user_returns;
	r->user_without_exit = s->user_without_exit;
	r->msr_early = s->msr_early;
	r->orphan_events = s->orphan_events;
	r->decode_errors = s->decode_errors;
	r->dropped_reasons = s->dropped_reasons;
	for (i = 0; i < KVMW_BD_NR; i++)
		r->dropped_keys[i] = s->dropped_keys[i];
	r->dropped_rips = s->dropped_rips;
	r->guest_ns = s->guest_ns;
	r->user_ns = s->user_ns;
}

/* Whether KVM's value @i is an instant value, never subtracted. */
static bool kvmw_kvm_is_gauge(unsigned int i)
{
	return i == KVMW_KVM_BLOCKING || i == KVMW_KVM_GUEST_MODE;
}

/*
 * The vCPU's KVMW_REC_KVM record: @nr of KVM's values in @val, minus the
 * baseline's when it has them (a vCPU without them in the baseline was
 * not readable then, so it counts from its creation).
 */
static void kvmw_out_kvm(struct kvmw_out *o, const u64 *val, unsigned int nr,
			 const struct kvmw_base_ent *b)
{
	struct kvmw_rec_kvm *r;
	unsigned int i;

	r = kvmw_out_rec(o, KVMW_REC_KVM, sizeof(*r) + nr * sizeof(u64));
	if (!r)
		return;
	r->nr = nr;
	for (i = 0; i < nr; i++) {
		r->val[i] = val[i];
		if (b && i < b->nr_kvm && !kvmw_kvm_is_gauge(i))
			r->val[i] -= b->kvm[i];
	}
}

size_t kvmw_snapshot_fill(const struct kvmw_filter *filter,
			  const struct kvmw_base *base, u32 flags,
			  void *buf, size_t len, u32 *nr_vms, u32 *nr_vcpus,
			  struct kvmw_base *newbase)
{
	struct kvmw_out o = { .buf = buf, .len = len, .flags = flags };
	u64 kvm[KVMW_KVM_NR];
	struct kvmw_stats *tmp;
	struct kvmw_vcpu *v;
	struct kvmw_vm *vm;

	*nr_vms = 0;
	*nr_vcpus = 0;
	tmp = kmalloc(sizeof(*tmp), GFP_KERNEL);
	if (!tmp)
		return SIZE_MAX;
	rcu_read_lock();
	list_for_each_entry_rcu(vm, &kvmw_vm_list, node) {
		u64 gone_ns = READ_ONCE(vm->gone_ns);
		struct kvmw_rec_vm *r = NULL;
		bool selected;
		u32 nr = 0;

		/* A VM gone before this consumer's reset is not news. */
		selected = kvmw_filter_vm(filter, vm, gone_ns) &&
			   !(base && !(flags & KVMW_SNAP_RAW) && gone_ns &&
			     gone_ns < base->time_ns);
		if (!selected && !newbase)
			continue;
		if (selected)
			r = kvmw_out_rec(&o, KVMW_REC_VM, sizeof(*r));
		list_for_each_entry_rcu(v, &vm->vcpus, vm_node) {
			bool out = selected &&
				   kvmw_filter_vcpu(filter, v->vcpu_id);
			const struct kvmw_base_ent *b;
			struct kvmw_base_ent *slot;
			unsigned int nr_kvm = 0;

			/* The next baseline has every vCPU, shown or not. */
			slot = newbase ? kvmw_base_slot(newbase, v) : NULL;
			if (slot)
				kvmw_base_copy(slot, v);
			if (!out)
				continue;
			/* Encoding subtracts in place: work on a copy. */
			if (slot) {
				*tmp = *slot->stats;
				nr_kvm = slot->nr_kvm;
				memcpy(kvm, slot->kvm, sizeof(kvm));
			} else {
				kvmw_vcpu_copy_stats(v, tmp);
				if (flags & KVMW_SNAP_KVM)
					nr_kvm = kvmw_vcpu_kvm_stats(v, kvm);
			}
			b = flags & KVMW_SNAP_RAW ? NULL :
			    kvmw_base_find(base, v->serial);
			kvmw_out_vcpu(&o, v, tmp, b ? b->stats : NULL);
			if (flags & KVMW_SNAP_KVM)
				kvmw_out_kvm(&o, kvm, nr_kvm, b);
			nr++;
		}
		if (!selected)
			continue;
		(*nr_vms)++;
		*nr_vcpus += nr;
		if (!r)
			continue;
		r->pid = vm->pid;
		r->ppid = vm->ancestors[0];
		r->flags = gone_ns ? KVMW_VM_GONE : 0;
		r->serial = vm->serial;
		r->created_ns = vm->created_ns;
		r->gone_ns = gone_ns;
		r->nr_vcpus = nr;
		memcpy(r->id, vm->id, sizeof(r->id));
	}
	rcu_read_unlock();
	kfree(tmp);
	if (newbase)
		kvmw_base_seal(newbase);
	return o.pos;
}
