// SPDX-License-Identifier: GPL-2.0
/*
 * Events to statistics. Each EXIT record is the module's kvmw_stats_entry()
 * replayed (module/stats_api.h): the same row keys, the same histogram
 * bucket, the same untimed cases, so a recording reports what a live
 * "kvmwatch stat" of the same run reports. What the module's bounded
 * tables would have folded into "other" rows stays separate here: these
 * tables are unbounded.
 *
 * Everything is indexed by hash (a recording holds millions of records,
 * and the fuzzer makes every one a new vCPU), and all selection (--vm,
 * --vcpu, -p) happens when results are built, because a VM's identity
 * may come after its first events (another CPU's chunk, a later VMS
 * section).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evagg.h"
#include "exit_reason.h"

#define SVM_EXIT_MSR	0x7c
#define HT_MIN_CAP	64

/* ---- index ---- */

static u64 ht_hash(const u64 k[4])
{
	u64 h = 0x9e3779b97f4a7c15ULL;
	int i;

	for (i = 0; i < 4; i++) {
		h ^= k[i];
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	return h;
}

/* Position of @k, or -1. */
static long ht_find(const struct kvmw_htab *t, const u64 k[4])
{
	size_t i;

	if (!t->cap)
		return -1;
	for (i = ht_hash(k) & (t->cap - 1); t->vals[i];
	     i = (i + 1) & (t->cap - 1))
		if (!memcmp(&t->keys[i * 4], k, 4 * sizeof(u64)))
			return (long)t->vals[i] - 1;
	return -1;
}

static void ht_put(struct kvmw_htab *t, const u64 k[4], u32 pos)
{
	size_t i;

	for (i = ht_hash(k) & (t->cap - 1); t->vals[i];
	     i = (i + 1) & (t->cap - 1))
		;
	memcpy(&t->keys[i * 4], k, 4 * sizeof(u64));
	t->vals[i] = pos + 1;
	t->nr++;
}

/* Make room for one more key: at most half full. 0 or -ENOMEM. */
static int ht_reserve(struct kvmw_htab *t)
{
	struct kvmw_htab n;
	size_t i;

	if ((t->nr + 1) * 2 <= t->cap)
		return 0;
	if (t->nr >= UINT32_MAX - 1)
		return -ENOMEM;
	n.cap = t->cap ? t->cap * 2 : HT_MIN_CAP;
	n.nr = 0;
	n.keys = malloc(n.cap * 4 * sizeof(u64));
	n.vals = calloc(n.cap, sizeof(u32));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -ENOMEM;
	}
	for (i = 0; i < t->cap; i++)
		if (t->vals[i])
			ht_put(&n, &t->keys[i * 4], t->vals[i] - 1);
	free(t->keys);
	free(t->vals);
	*t = n;
	return 0;
}

static void ht_free(struct kvmw_htab *t)
{
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof(*t));
}

/* Room for one more element of @size in *@arr. 0 or -ENOMEM. */
static int vec_reserve(void **arr, size_t *cap, size_t nr, size_t size)
{
	size_t ncap;
	void *p;

	if (nr < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/*
 * The element of key @k in a vector indexed by @t: its position, or a new
 * zeroed one (*@added set). -ENOMEM as a negative position.
 */
static long lookup(struct kvmw_htab *t, void **arr, size_t *nr, size_t *cap,
		   size_t size, const u64 k[4], bool *added)
{
	long pos = ht_find(t, k);

	*added = false;
	if (pos >= 0)
		return pos;
	if (ht_reserve(t) || vec_reserve(arr, cap, *nr, size))
		return -ENOMEM;
	pos = (long)(*nr)++;
	memset((char *)*arr + (size_t)pos * size, 0, size);
	ht_put(t, k, (u32)pos);
	*added = true;
	return pos;
}

/* ---- accumulation ---- */

void kvmw_evagg_init(struct kvmw_evagg *a)
{
	memset(a, 0, sizeof(*a));
}

void kvmw_evagg_free(struct kvmw_evagg *a)
{
	free(a->vms);
	free(a->vcpus);
	free(a->rows);
	free(a->rips);
	free(a->dirty);
	free(a->sched);
	ht_free(&a->h_vm);
	ht_free(&a->h_vcpu);
	ht_free(&a->h_row);
	ht_free(&a->h_rip);
	ht_free(&a->h_dirty);
	memset(a, 0, sizeof(*a));
}

static struct kvmw_evagg_vm *get_vm(struct kvmw_evagg *a, u64 serial,
				    __s32 pid)
{
	u64 k[4] = { serial };
	bool added;
	long pos = lookup(&a->h_vm, (void **)&a->vms, &a->nr_vms, &a->cap_vms,
			  sizeof(*a->vms), k, &added);

	if (pos < 0)
		return NULL;
	if (added) {
		a->vms[pos].v.serial = serial;
		a->vms[pos].v.pid = pid;
	}
	return &a->vms[pos];
}

static long get_vcpu(struct kvmw_evagg *a, u64 vm, u32 vcpu_id)
{
	u64 k[4] = { vm, vcpu_id };
	bool added;
	long pos = lookup(&a->h_vcpu, (void **)&a->vcpus, &a->nr_vcpus,
			  &a->cap_vcpus, sizeof(*a->vcpus), k, &added);

	if (pos >= 0 && added) {
		a->vcpus[pos].vm = vm;
		a->vcpus[pos].vcpu_id = vcpu_id;
	}
	return pos;
}

static struct kvmw_evagg_row *get_row(struct kvmw_evagg *a, u32 vcpu,
				      u16 kind, u16 sub, u32 code, u64 key)
{
	u64 k[4] = { vcpu, (u64)kind << 32 | sub, code, key };
	struct kvmw_rec_stat *r;
	bool added;
	long pos = lookup(&a->h_row, (void **)&a->rows, &a->nr_rows,
			  &a->cap_rows, sizeof(*a->rows), k, &added);

	if (pos < 0)
		return NULL;
	r = &a->rows[pos].st.rec;
	if (added) {
		a->rows[pos].vcpu = vcpu;
		r->hdr.type = KVMW_REC_STAT;
		r->hdr.len = sizeof(*r);
		r->kind = kind;
		r->sub = sub;
		r->code = code;
		r->key = key;
		r->min_ns = ~0ULL;
		/* Breakdown rows have no histogram, as in the module. */
		if (kind == KVMW_STAT_EXIT) {
			r->nr_buckets = KVMW_HIST_BUCKETS;
			r->hdr.len += KVMW_HIST_BUCKETS * sizeof(u64);
		}
	}
	return &a->rows[pos];
}

/* module/stats_api.h kvmw_hist_bucket() */
static unsigned int hist_bucket(u64 ns)
{
	unsigned int b = 64 - (unsigned int)__builtin_clzll(ns | 1);

	b = b > KVMW_HIST_SHIFT ? b - KVMW_HIST_SHIFT : 0;
	return b < KVMW_HIST_BUCKETS ? b : KVMW_HIST_BUCKETS - 1;
}

/* module/stats_api.h kvmw_stat_add(), plus the row's bucket. */
static void stat_add(struct kvmw_evagg_row *row, u64 dt, bool user)
{
	struct kvmw_rec_stat *r = &row->st.rec;

	r->count++;
	r->total_ns += dt;
	if (dt < r->min_ns)
		r->min_ns = dt;
	if (dt > r->max_ns)
		r->max_ns = dt;
	row->sumsq += (unsigned __int128)dt * dt;
	r->user += user;
	if (r->nr_buckets)
		row->st.hist[hist_bucket(dt)]++;
}

static int add_rip(struct kvmw_evagg *a, u32 vcpu, u32 code, u64 rip)
{
	u64 k[4] = { vcpu, code, rip };
	bool added;
	long pos = lookup(&a->h_rip, (void **)&a->rips, &a->nr_rips,
			  &a->cap_rips, sizeof(*a->rips), k, &added);

	if (pos < 0)
		return -ENOMEM;
	if (added) {
		a->rips[pos].vcpu = vcpu;
		a->rips[pos].code = code;
		a->rips[pos].rip = rip;
	}
	a->rips[pos].count++;
	return 0;
}

static int add_exit(struct kvmw_evagg *a, long vi,
		    const struct kvmw_ev_exit *x)
{
	struct kvmw_evagg_vcpu *v = &a->vcpus[vi];
	bool user = x->flags & KVMW_EXIT_USER;
	struct kvmw_evagg_row *row;
	u32 vcpu = (u32)vi;

	a->counts.exits++;
	v->exits++;
	v->isa = x->isa;
	v->tid = x->hdr.tid;
	v->user += user;
	if (x->flags & KVMW_EXIT_DECODE_ERROR) {
		v->decode_errors++;
		a->counts.decode_errors++;
	}
	/* The module counts a RIP at the exit, timed or not. */
	if (add_rip(a, vcpu, x->code, x->rip))
		return -ENOMEM;
	if (x->flags & KVMW_EXIT_NEGATIVE) {
		v->negative++;
		a->counts.negative++;
		return 0;
	}
	row = get_row(a, vcpu, KVMW_STAT_EXIT, KVMW_SUB_NONE, x->code, 0);
	if (!row)
		return -ENOMEM;
	stat_add(row, x->duration_ns, user);
	/* SVM "msr": its read or write half (exit_info_1: 1 is WRMSR). */
	if (x->isa == KVMW_ISA_SVM && x->code == SVM_EXIT_MSR) {
		row = get_row(a, vcpu, KVMW_STAT_EXIT, x->info1 ?
			      KVMW_SUB_WRITE : KVMW_SUB_READ, x->code, 0);
		if (!row)
			return -ENOMEM;
		stat_add(row, x->duration_ns, user);
	}
	switch (x->key_kind) {
	case KVMW_STAT_IOPORT:
	case KVMW_STAT_MMIO:
	case KVMW_STAT_MSR:
		row = get_row(a, vcpu, x->key_kind, x->key_sub, 0, x->key);
		if (!row)
			return -ENOMEM;
		stat_add(row, x->duration_ns, user);
		break;
	}
	return 0;
}

static void vm_event(struct kvmw_evagg_vm *vm, const struct kvmw_ev_vm *e)
{
	if (!vm->named && e->id[0]) {
		memcpy(vm->v.id, e->id, sizeof(vm->v.id));
		vm->v.id[sizeof(vm->v.id) - 1] = '\0';
		vm->v.pid = e->hdr.pid;
		vm->v.ppid = e->ppid;
		vm->named = true;
	}
	if (e->hdr.type == KVMW_EV_TYPE_VM_CREATE) {
		vm->v.created_ns = e->hdr.time_ns;
	} else {
		vm->v.flags |= KVMW_VM_GONE;
		vm->v.gone_ns = e->hdr.time_ns;
		vm->v.nr_vcpus = e->nr_vcpus;
	}
}

static int add_dirty(struct kvmw_evagg *a, const struct kvmw_ev_dirty *d)
{
	u64 k[4] = { d->hdr.vm, d->slot, d->gfn, d->hdr.vcpu_id };
	bool added;
	long pos = lookup(&a->h_dirty, (void **)&a->dirty, &a->nr_dirty,
			  &a->cap_dirty, sizeof(*a->dirty), k, &added);

	if (pos < 0)
		return -ENOMEM;
	if (added) {
		a->dirty[pos].vm = d->hdr.vm;
		a->dirty[pos].slot = d->slot;
		a->dirty[pos].gfn = d->gfn;
		a->dirty[pos].vcpu_id = d->hdr.vcpu_id;
		a->dirty[pos].pid = d->hdr.pid;
	}
	/* The latest slot layout wins: a slot can be moved. */
	a->dirty[pos].rel_gfn = d->rel_gfn;
	a->dirty[pos].npages = d->npages;
	a->dirty[pos].count++;
	a->counts.dirty++;
	return 0;
}

/* Kept whole: kvmw_evagg_sched() needs each vCPU's records in time order. */
static int add_sched(struct kvmw_evagg *a, long vi, unsigned int cpu,
		     const struct kvmw_ev *ev)
{
	struct kvmw_evagg_sched *s;

	if (vec_reserve((void **)&a->sched, &a->cap_sched, a->nr_sched,
			sizeof(*s)))
		return -ENOMEM;
	s = &a->sched[a->nr_sched++];
	memset(s, 0, sizeof(*s));
	s->time_ns = ev->time_ns;
	s->seq = ev->seq;
	s->vcpu = (u32)vi;
	s->ring = cpu;
	s->tid = ev->tid;
	if (ev->type == KVMW_EV_TYPE_LOAD) {
		const struct kvmw_ev_load *l = (const struct kvmw_ev_load *)ev;

		s->load = true;
		s->pcpu = l->pcpu;
		s->prev_pcpu = l->prev_pcpu;
		s->how = l->prev_how;
		s->dur_ns = l->off_ns;
	} else {
		const struct kvmw_ev_put *p = (const struct kvmw_ev_put *)ev;

		s->pcpu = p->pcpu;
		s->how = p->how;
		s->dur_ns = p->run_ns;
	}
	return 0;
}

/* Bytes a record of @type must have for what is read of it here. */
static size_t needed(u16 type)
{
	switch (type) {
	case KVMW_EV_TYPE_EXIT:
		return sizeof(struct kvmw_ev_exit);
	case KVMW_EV_TYPE_VM_CREATE:
	case KVMW_EV_TYPE_VM_GONE:
		return sizeof(struct kvmw_ev_vm);
	case KVMW_EV_TYPE_DIRTY:
		return sizeof(struct kvmw_ev_dirty);
	case KVMW_EV_TYPE_LOAD:
		return sizeof(struct kvmw_ev_load);
	case KVMW_EV_TYPE_PUT:
		return sizeof(struct kvmw_ev_put);
	}
	return sizeof(struct kvmw_ev);
}

int kvmw_evagg_event(void *arg, unsigned int cpu, const struct kvmw_ev *ev)
{
	struct kvmw_evagg *a = arg;
	struct kvmw_evagg_vm *vm = NULL;
	long vi = -1;

	a->counts.records++;
	a->counts.by_type[ev->type <= KVMW_EV_TYPE_TEST ? ev->type : 0]++;
	if (ev->size < needed(ev->type)) {
		a->counts.short_records++;
		return 0;
	}
	/* Any record names its VM and vCPU; they are listed even if idle. */
	if (ev->vm) {
		vm = get_vm(a, ev->vm, ev->pid);
		if (!vm)
			return -ENOMEM;
		if (ev->vcpu_id != KVMW_EV_NO_VCPU) {
			vi = get_vcpu(a, ev->vm, ev->vcpu_id);
			if (vi < 0)
				return -ENOMEM;
		}
	}
	switch (ev->type) {
	case KVMW_EV_TYPE_EXIT:
		if (vi < 0) {
			/* An exit always has a vCPU; count it, use nothing. */
			a->counts.short_records++;
			return 0;
		}
		return add_exit(a, vi, (const struct kvmw_ev_exit *)ev);
	case KVMW_EV_TYPE_VM_CREATE:
	case KVMW_EV_TYPE_VM_GONE:
		if (vm)
			vm_event(vm, (const struct kvmw_ev_vm *)ev);
		return 0;
	case KVMW_EV_TYPE_DIRTY:
		return add_dirty(a, (const struct kvmw_ev_dirty *)ev);
	case KVMW_EV_TYPE_LOAD:
	case KVMW_EV_TYPE_PUT:
		if (vi < 0) {
			/* A vCPU's own event: without one, unusable. */
			a->counts.short_records++;
			return 0;
		}
		return add_sched(a, vi, cpu, ev);
	}
	return 0;
}

int kvmw_evagg_vm(struct kvmw_evagg *a, const struct kvmw_recf_vm *v)
{
	struct kvmw_evagg_vm *vm = get_vm(a, v->serial, v->pid);
	u32 flags;
	u64 gone;

	if (!vm)
		return -ENOMEM;
	if (vm->named) {
		/* Listed again once named (a VM created while recording). */
		if (!vm->v.name[0])
			memcpy(vm->v.name, v->name, sizeof(vm->v.name));
		return 0;
	}
	flags = vm->v.flags;
	gone = vm->v.gone_ns;
	vm->v = *v;
	vm->v.flags |= flags;
	if (flags & KVMW_VM_GONE)
		vm->v.gone_ns = gone;
	vm->named = true;
	return 0;
}

int kvmw_evagg_file(struct kvmw_evagg *a, const struct kvmw_recf *r)
{
	size_t i;
	int ret;

	kvmw_evagg_init(a);
	for (i = 0; i < r->nr_vms; i++) {
		ret = kvmw_evagg_vm(a, &r->vms[i]);
		if (ret)
			goto err;
	}
	ret = kvmw_recf_events(r, kvmw_evagg_event, a);
	if (!ret)
		return 0;
err:
	kvmw_evagg_free(a);
	return ret;
}

/* ---- results ---- */

static bool vm_selected(const struct kvmw_evagg_vm *vm,
			const struct kvmw_evagg_sel *sel)
{
	if (sel && sel->pid > 0 && vm->v.pid != sel->pid)
		return false;
	if (sel && sel->vm && (!vm->named || strcmp(vm->v.id, sel->vm)))
		return false;
	return true;
}

static bool vcpu_selected(u32 vcpu_id, const struct kvmw_evagg_sel *sel)
{
	return !sel || sel->vcpu < 0 || vcpu_id == (u32)sel->vcpu;
}

/* qsort() has no argument: the arrays being sorted by index. */
static const struct kvmw_evagg *sort_agg;

static int cmp_vm(const void *pa, const void *pb)
{
	u64 a = sort_agg->vms[*(const size_t *)pa].v.serial;
	u64 b = sort_agg->vms[*(const size_t *)pb].v.serial;

	return a < b ? -1 : a > b;
}

static int cmp_vcpu(const void *pa, const void *pb)
{
	const struct kvmw_evagg_vcpu *a = &sort_agg->vcpus[*(const size_t *)pa];
	const struct kvmw_evagg_vcpu *b = &sort_agg->vcpus[*(const size_t *)pb];

	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	return a->vcpu_id < b->vcpu_id ? -1 : a->vcpu_id > b->vcpu_id;
}

static void fill_vcpu_rec(struct kvmw_rec_vcpu *r,
			  const struct kvmw_evagg_vcpu *v)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = KVMW_REC_VCPU;
	/*
	 * Events carry no guest or VMM time: the size of a record without
	 * guest_ns and user_ns says they are unknown, not zero.
	 */
	r->hdr.len = KVMW_REC_VCPU_SIZE_VER0;
	r->vcpu_id = v->vcpu_id;
	r->tid = v->tid;
	r->isa = v->isa;
	/* Every EXIT record is an exit and the entry that ended it. */
	r->exits = v->exits;
	r->entries = v->exits;
	r->negative_time = v->negative;
	r->user_returns = v->user;
	r->decode_errors = v->decode_errors;
}

static void fill_vm_rec(struct kvmw_rec_vm *r, const struct kvmw_evagg_vm *vm,
			size_t nr_vcpus)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = KVMW_REC_VM;
	r->hdr.len = sizeof(*r);
	r->pid = vm->v.pid;
	r->ppid = vm->v.ppid;
	r->flags = vm->v.flags;
	r->serial = vm->v.serial;
	r->created_ns = vm->v.created_ns;
	r->gone_ns = vm->v.gone_ns;
	r->nr_vcpus = (u32)nr_vcpus;
	/* Seen only in events, never created nor listed: its fd is unknown. */
	if (vm->named)
		memcpy(r->id, vm->v.id, sizeof(r->id));
	else
		snprintf(r->id, sizeof(r->id), "%d-?", (int)vm->v.pid);
	r->id[sizeof(r->id) - 1] = '\0';
}

/* Rows and RIPs of each selected vCPU into its snapshot vCPU. */
static int fill_rows(const struct kvmw_evagg *a, struct kvmw_snap_vcpu **of)
{
	size_t i;

	for (i = 0; i < a->nr_rows; i++) {
		struct kvmw_snap_vcpu *sv = of[a->rows[i].vcpu];

		if (sv)
			sv->rec.nr_stats++;
	}
	for (i = 0; i < a->nr_rips; i++) {
		struct kvmw_snap_vcpu *sv = of[a->rips[i].vcpu];

		if (sv)
			sv->rec.nr_rips++;
	}
	for (i = 0; i < a->nr_vcpus; i++) {
		struct kvmw_snap_vcpu *sv = of[i];

		if (!sv)
			continue;
		sv->stats = calloc(sv->rec.nr_stats ? sv->rec.nr_stats : 1,
				   sizeof(*sv->stats));
		sv->rips = calloc(sv->rec.nr_rips ? sv->rec.nr_rips : 1,
				  sizeof(*sv->rips));
		if (!sv->stats || !sv->rips)
			return -ENOMEM;
	}
	for (i = 0; i < a->nr_rows; i++) {
		const struct kvmw_evagg_row *row = &a->rows[i];
		struct kvmw_snap_vcpu *sv = of[row->vcpu];
		struct kvmw_snap_stat *st;

		if (!sv)
			continue;
		/* A row exists once it has a sample: min_ns is set. */
		st = &sv->stats[sv->nr_stats++];
		*st = row->st;
		st->rec.sumsq_lo = (u64)row->sumsq;
		st->rec.sumsq_hi = (u64)(row->sumsq >> 64);
	}
	for (i = 0; i < a->nr_rips; i++) {
		const struct kvmw_evagg_rip *rip = &a->rips[i];
		struct kvmw_snap_vcpu *sv = of[rip->vcpu];
		struct kvmw_rec_rip *r;

		if (!sv)
			continue;
		r = &sv->rips[sv->nr_rips++];
		memset(r, 0, sizeof(*r));
		r->hdr.type = KVMW_REC_RIP;
		r->hdr.len = sizeof(*r);
		r->code = rip->code;
		r->rip = rip->rip;
		r->count = rip->count;
	}
	return 0;
}

int kvmw_evagg_snap(const struct kvmw_evagg *a,
		    const struct kvmw_evagg_sel *sel, u64 time_ns,
		    struct kvmw_snap *out, const char ***names)
{
	size_t *vms = calloc(a->nr_vms + 1, sizeof(*vms));
	size_t *vcpus = calloc(a->nr_vcpus + 1, sizeof(*vcpus));
	struct kvmw_snap_vcpu **of = calloc(a->nr_vcpus + 1, sizeof(*of));
	const char **nm = NULL;
	size_t i, j, n = 0, nv = 0;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (names) {
		*names = NULL;
		nm = calloc(a->nr_vms + 1, sizeof(*nm));
	}
	if (!vms || !vcpus || !of || (names && !nm))
		goto out;
	for (i = 0; i < a->nr_vms; i++)
		if (vm_selected(&a->vms[i], sel))
			vms[n++] = i;
	for (i = 0; i < a->nr_vcpus; i++)
		if (vcpu_selected(a->vcpus[i].vcpu_id, sel))
			vcpus[nv++] = i;
	sort_agg = a;
	qsort(vms, n, sizeof(*vms), cmp_vm);
	qsort(vcpus, nv, sizeof(*vcpus), cmp_vcpu);

	out->vms = calloc(n ? n : 1, sizeof(*out->vms));
	if (!out->vms)
		goto out;
	for (i = 0; i < n; i++) {
		const struct kvmw_evagg_vm *vm = &a->vms[vms[i]];
		struct kvmw_snap_vm *sv = &out->vms[out->nr_vms++];
		size_t cnt = 0;

		for (j = 0; j < nv; j++)
			cnt += a->vcpus[vcpus[j]].vm == vm->v.serial;
		fill_vm_rec(&sv->rec, vm, cnt);
		sv->vcpus = calloc(cnt ? cnt : 1, sizeof(*sv->vcpus));
		if (!sv->vcpus)
			goto out;
		for (j = 0; j < nv; j++) {
			const struct kvmw_evagg_vcpu *v = &a->vcpus[vcpus[j]];
			struct kvmw_snap_vcpu *svc;

			if (v->vm != vm->v.serial)
				continue;
			svc = &sv->vcpus[sv->nr_vcpus++];
			fill_vcpu_rec(&svc->rec, v);
			svc->rec_len = svc->rec.hdr.len;
			of[vcpus[j]] = svc;
		}
		out->hdr.nr_vcpus += (u32)cnt;
		if (nm)
			nm[i] = vm->v.name[0] ? vm->v.name : NULL;
	}
	ret = fill_rows(a, of);
	if (ret)
		goto out;
	out->hdr.size = sizeof(out->hdr);
	out->hdr.time_ns = time_ns;
	out->hdr.nr_vms = (u32)out->nr_vms;
	if (names) {
		*names = nm;
		nm = NULL;
	}
out:
	if (ret)
		kvmw_snap_free(out);
	free(nm);
	free(vms);
	free(vcpus);
	free(of);
	return ret;
}

/* ---- dirty pages ---- */

static int cmp_page(const void *pa, const void *pb)
{
	const struct kvmw_dirty_page *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	return a->gfn < b->gfn ? -1 : a->gfn > b->gfn;
}

static int cmp_dirty_vm(const void *pa, const void *pb)
{
	const struct kvmw_dirty_vm *a = pa, *b = pb;

	return a->serial < b->serial ? -1 : a->serial > b->serial;
}

int kvmw_evagg_dirty(const struct kvmw_evagg *a,
		     const struct kvmw_evagg_sel *sel, struct kvmw_dirty *out)
{
	struct kvmw_htab pages = { 0 }, vms = { 0 };
	size_t i, cap_pages = 0, cap_vms = 0;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < a->nr_dirty; i++) {
		const struct kvmw_evagg_dirty *d = &a->dirty[i];
		u64 kp[4] = { d->vm, d->slot, d->gfn };
		u64 kv[4] = { d->vm };
		long vmpos = ht_find(&a->h_vm, kv);
		const struct kvmw_evagg_vm *vm;
		struct kvmw_dirty_page *p;
		struct kvmw_dirty_vm *dv;
		bool added;
		long pos;

		/* A dirty page with no VM (serial 0) matches no selection. */
		vm = vmpos >= 0 ? &a->vms[vmpos] : NULL;
		if ((!vm && sel && (sel->pid > 0 || sel->vm)) ||
		    (vm && !vm_selected(vm, sel)) ||
		    !vcpu_selected(d->vcpu_id, sel))
			continue;
		pos = lookup(&vms, (void **)&out->vms, &out->nr_vms, &cap_vms,
			     sizeof(*out->vms), kv, &added);
		if (pos < 0)
			goto out;
		dv = &out->vms[pos];
		if (added) {
			dv->serial = d->vm;
			dv->pid = vm ? vm->v.pid : d->pid;
			dv->id = vm && vm->named ? vm->v.id : NULL;
			dv->name = vm && vm->v.name[0] ? vm->v.name : NULL;
		}
		pos = lookup(&pages, (void **)&out->pages, &out->nr_pages,
			     &cap_pages, sizeof(*out->pages), kp, &added);
		if (pos < 0)
			goto out;
		p = &out->pages[pos];
		if (added) {
			p->vm = d->vm;
			p->slot = d->slot;
			p->gfn = d->gfn;
			p->pid = dv->pid;
			dv->pages++;
		}
		p->rel_gfn = d->rel_gfn;
		p->npages = d->npages;
		p->count += d->count;
		dv->marks += d->count;
		out->marks += d->count;
	}
	if (out->nr_pages)
		qsort(out->pages, out->nr_pages, sizeof(*out->pages),
		      cmp_page);
	if (out->nr_vms)
		qsort(out->vms, out->nr_vms, sizeof(*out->vms), cmp_dirty_vm);
	ret = 0;
out:
	ht_free(&pages);
	ht_free(&vms);
	if (ret)
		kvmw_dirty_free(out);
	return ret;
}

void kvmw_dirty_free(struct kvmw_dirty *d)
{
	free(d->pages);
	free(d->vms);
	memset(d, 0, sizeof(*d));
}

/* ---- vCPU scheduling ---- */

/*
 * Time order within a vCPU. Equal times: one ring's records in the order
 * they were written; across rings a PUT first, because a vCPU is put on
 * the CPU it leaves before it is loaded on another (a LOAD and its PUT
 * are always on the same CPU).
 */
static int cmp_sched(const void *pa, const void *pb)
{
	const struct kvmw_evagg_sched *a = pa, *b = pb;

	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	if (a->time_ns != b->time_ns)
		return a->time_ns < b->time_ns ? -1 : 1;
	if (a->ring == b->ring)
		return a->seq < b->seq ? -1 : a->seq > b->seq;
	if (a->load != b->load)
		return a->load ? 1 : -1;
	return a->ring < b->ring ? -1 : 1;
}

static int cmp_sched_vcpu(const void *pa, const void *pb)
{
	const struct kvmw_sched_vcpu *a = pa, *b = pb;

	if (a->vm != b->vm)
		return a->vm < b->vm ? -1 : 1;
	return a->vcpu_id < b->vcpu_id ? -1 : a->vcpu_id > b->vcpu_id;
}

static int cmp_sched_pcpu(const void *pa, const void *pb)
{
	const struct kvmw_sched_pcpu *a = pa, *b = pb;

	if (a->running_ns != b->running_ns)
		return a->running_ns > b->running_ns ? -1 : 1;
	if (a->loads != b->loads)
		return a->loads > b->loads ? -1 : 1;
	return a->cpu < b->cpu ? -1 : a->cpu > b->cpu;
}

static int cmp_sched_thread(const void *pa, const void *pb)
{
	const struct kvmw_sched_thread *a = pa, *b = pb;

	if (a->running_ns != b->running_ns)
		return a->running_ns > b->running_ns ? -1 : 1;
	if (a->loads != b->loads)
		return a->loads > b->loads ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

/* One vCPU's walk over its records: its pCPUs and threads, indexed. */
struct sched_walk {
	struct kvmw_sched_vcpu *v;
	struct kvmw_htab h_pcpu, h_thread;
	size_t cap_pcpus, cap_threads;
	u64 start, end;
};

static struct kvmw_sched_pcpu *walk_pcpu(struct sched_walk *w, u32 cpu)
{
	u64 k[4] = { cpu };
	bool added;
	long pos = lookup(&w->h_pcpu, (void **)&w->v->pcpus, &w->v->nr_pcpus,
			  &w->cap_pcpus, sizeof(*w->v->pcpus), k, &added);

	if (pos < 0)
		return NULL;
	if (added)
		w->v->pcpus[pos].cpu = cpu;
	return &w->v->pcpus[pos];
}

static struct kvmw_sched_thread *walk_thread(struct sched_walk *w,
					     __s32 tid)
{
	u64 k[4] = { (u32)tid };
	bool added;
	long pos = lookup(&w->h_thread, (void **)&w->v->threads,
			  &w->v->nr_threads, &w->cap_threads,
			  sizeof(*w->v->threads), k, &added);

	if (pos < 0)
		return NULL;
	if (added)
		w->v->threads[pos].tid = tid;
	return &w->v->threads[pos];
}

static unsigned int how_index(u32 how)
{
	return how && how < KVMW_SCHED_HOWS ? how : KVMW_SCHED_OTHER;
}

/* @x against the record of the same vCPU just before it, @p. */
static void check_chain(struct kvmw_sched_vcpu *v,
			const struct kvmw_evagg_sched *p,
			const struct kvmw_evagg_sched *x)
{
	u64 since = x->time_ns - p->time_ns;

	if (p->load == x->load)
		v->gaps++;
	else if (x->load)
		v->mismatches += x->how != p->how || x->prev_pcpu != p->pcpu ||
				 x->dur_ns != since;
	else
		v->mismatches += x->pcpu != p->pcpu || x->dur_ns != since;
}

/*
 * One record: the interval it closes, from the later of its own start
 * (t - its duration) and @base (the previous record, or the window's
 * start) to its time. A PUT with run_ns 0 was loaded before the kernel
 * looked: on the CPU since @base. A LOAD with prev_how 0 follows no put
 * (a new vCPU): what came before it is unknown.
 */
static int walk_record(struct sched_walk *w, const struct kvmw_evagg_sched *x,
		       u64 t, u64 base)
{
	struct kvmw_sched_vcpu *v = w->v;
	struct kvmw_sched_pcpu *pc = walk_pcpu(w, x->pcpu);
	struct kvmw_sched_thread *th = walk_thread(w, x->tid);
	u64 len;

	if (!pc || !th)
		return -ENOMEM;
	if (x->load) {
		v->loads++;
		pc->loads++;
		th->loads++;
		if (!x->how) {
			v->first_loads++;
			return 0;
		}
		v->off_ns[how_index(x->how)] += x->dur_ns < t - base ?
						x->dur_ns : t - base;
		if (x->prev_pcpu != ~0U && x->prev_pcpu != x->pcpu)
			v->migrations++;
		return 0;
	}
	v->puts++;
	th->puts++;
	v->puts_how[how_index(x->how)]++;
	len = x->dur_ns && x->dur_ns <= t - base ? x->dur_ns : t - base;
	if (!x->dur_ns || x->dur_ns > t - w->start)
		v->run_cut++;
	v->run_count++;
	v->run_total_ns += len;
	if (len < v->run_min_ns)
		v->run_min_ns = len;
	if (len > v->run_max_ns)
		v->run_max_ns = len;
	pc->running_ns += len;
	th->running_ns += len;
	return 0;
}

/* The @n records of one vCPU, in time order; after the last, @tail_end. */
static int walk_vcpu(struct sched_walk *w, const struct kvmw_evagg_sched *r,
		     size_t n, u64 tail_end)
{
	struct kvmw_sched_vcpu *v = w->v;
	const struct kvmw_evagg_sched *last = &r[n - 1];
	u64 base = w->start, t = w->start, tail, off = 0;
	size_t i;
	int ret;

	v->run_min_ns = ~0ULL;
	for (i = 0; i < n; i++) {
		t = r[i].time_ns;
		if (i)
			check_chain(v, &r[i - 1], &r[i]);
		ret = walk_record(w, &r[i], t, base);
		if (ret)
			return ret;
		base = t;
	}
	if (tail_end > w->end)
		tail_end = w->end;
	tail = tail_end > t ? tail_end - t : 0;
	if (last->load) {
		/*
		 * Still on the CPU at the end: counted, not a residency. Its
		 * pCPU and thread exist (the last record made them).
		 */
		v->open_ns = tail;
		walk_pcpu(w, last->pcpu)->running_ns += tail;
		walk_thread(w, last->tid)->running_ns += tail;
	} else {
		v->off_ns[how_index(last->how)] += tail;
	}
	if (!v->run_count)
		v->run_min_ns = 0;
	v->running_ns = v->run_total_ns + v->open_ns;
	for (i = 0; i < KVMW_SCHED_HOWS; i++)
		off += v->off_ns[i];
	v->unknown_ns = w->end - w->start - v->running_ns - off;
	v->first_ns = r[0].time_ns;
	v->last_ns = last->time_ns;
	v->pcpu_last = last->pcpu;
	qsort(v->pcpus, v->nr_pcpus, sizeof(*v->pcpus), cmp_sched_pcpu);
	qsort(v->threads, v->nr_threads, sizeof(*v->threads),
	      cmp_sched_thread);
	v->pcpu_most = v->pcpus[0].cpu;
	v->tid = v->threads[0].tid;
	return 0;
}

/* One vCPU's summary from its records @r[0..n), in time order. */
static int sched_vcpu(const struct kvmw_evagg *a, struct kvmw_sched_vcpu *v,
		      const struct kvmw_evagg_sched *r, size_t n,
		      u64 start, u64 end)
{
	const struct kvmw_evagg_vcpu *vc = &a->vcpus[r[0].vcpu];
	u64 k[4] = { vc->vm };
	const struct kvmw_evagg_vm *vm = &a->vms[ht_find(&a->h_vm, k)];
	struct sched_walk w = { .v = v, .start = start, .end = end };
	u64 tail_end = end;
	int ret;

	v->vm = vc->vm;
	v->vcpu_id = vc->vcpu_id;
	v->pid = vm->v.pid;
	v->id = vm->named ? vm->v.id : NULL;
	v->name = vm->v.name[0] ? vm->v.name : NULL;
	/* Nothing runs after the VM is gone: that time is unknown. */
	if ((vm->v.flags & KVMW_VM_GONE) && vm->v.gone_ns)
		tail_end = vm->v.gone_ns;
	ret = walk_vcpu(&w, r, n, tail_end);
	ht_free(&w.h_pcpu);
	ht_free(&w.h_thread);
	return ret;
}

int kvmw_evagg_sched(const struct kvmw_evagg *a,
		     const struct kvmw_evagg_sel *sel, u64 start_ns,
		     u64 end_ns, struct kvmw_sched *out)
{
	struct kvmw_evagg_sched *r = malloc((a->nr_sched ? a->nr_sched : 1) *
					    sizeof(*r));
	size_t i, j, n = 0, groups = 0;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!r)
		return -ENOMEM;
	if (end_ns < start_ns)
		end_ns = start_ns;
	out->start_ns = start_ns;
	out->end_ns = end_ns;
	for (i = 0; i < a->nr_sched; i++) {
		const struct kvmw_evagg_vcpu *vc = &a->vcpus[a->sched[i].vcpu];
		u64 k[4] = { vc->vm };
		long vm = ht_find(&a->h_vm, k);

		if (vm < 0 || !vm_selected(&a->vms[vm], sel) ||
		    !vcpu_selected(vc->vcpu_id, sel))
			continue;
		/* The recorder enables after start and drains before end. */
		if (a->sched[i].time_ns < start_ns ||
		    a->sched[i].time_ns > end_ns) {
			out->outside++;
			continue;
		}
		r[n++] = a->sched[i];
	}
	qsort(r, n, sizeof(*r), cmp_sched);
	for (i = 0; i < n; i++)
		groups += !i || r[i].vcpu != r[i - 1].vcpu;
	out->vcpus = calloc(groups ? groups : 1, sizeof(*out->vcpus));
	if (!out->vcpus)
		goto out;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && r[j].vcpu == r[i].vcpu; j++)
			;
		ret = sched_vcpu(a, &out->vcpus[out->nr++], &r[i], j - i,
				 start_ns, end_ns);
		if (ret)
			goto out;
	}
	qsort(out->vcpus, out->nr, sizeof(*out->vcpus), cmp_sched_vcpu);
	out->records = n;
	ret = 0;
out:
	free(r);
	if (ret)
		kvmw_sched_free(out);
	return ret;
}

void kvmw_sched_free(struct kvmw_sched *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		free(s->vcpus[i].pcpus);
		free(s->vcpus[i].threads);
	}
	free(s->vcpus);
	memset(s, 0, sizeof(*s));
}

/* ---- diff ---- */

static int cmp_ident(const struct kvmw_agg_row *a, const struct kvmw_agg_row *b)
{
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->sub < b->sub ? -1 : a->sub > b->sub;
}

static int cmp_ident_q(const void *pa, const void *pb)
{
	return cmp_ident(pa, pb);
}

static bool diff_is_child(const struct kvmw_diff_row *r)
{
	return r->kind == KVMW_STAT_EXIT && r->sub != KVMW_SUB_NONE;
}

static bool by_rate;

static double abs_delta(const struct kvmw_diff_row *r)
{
	return fabs((double)r->delta);
}

static int cmp_diff(const void *pa, const void *pb)
{
	const struct kvmw_diff_row *a = pa, *b = pb;

	if (by_rate && fabs(a->delta_rate) != fabs(b->delta_rate))
		return fabs(a->delta_rate) > fabs(b->delta_rate) ? -1 : 1;
	if (abs_delta(a) != abs_delta(b))
		return abs_delta(a) > abs_delta(b) ? -1 : 1;
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->sub < b->sub ? -1 : a->sub > b->sub;
}

static struct kvmw_agg_row *sorted_copy(const struct kvmw_agg *a)
{
	struct kvmw_agg_row *c = malloc((a->nr ? a->nr : 1) * sizeof(*c));

	if (!c)
		return NULL;
	if (a->nr)
		memcpy(c, a->rows, a->nr * sizeof(*c));
	qsort(c, a->nr, sizeof(*c), cmp_ident_q);
	return c;
}

static double rate(u64 count, double secs)
{
	return secs > 0 ? (double)count / secs : NAN;
}

static void diff_fill(struct kvmw_diff_row *d, const struct kvmw_agg_row *id,
		      u64 ca, u64 cb, double sa, double sb)
{
	memset(d, 0, sizeof(*d));
	d->isa = id->isa;
	d->kind = id->kind;
	d->sub = id->sub;
	d->code = id->code;
	d->key = id->key;
	d->count_a = ca;
	d->count_b = cb;
	d->delta = cb >= ca ? (long long)(cb - ca) : -(long long)(ca - cb);
	d->rate_a = rate(ca, sa);
	d->rate_b = rate(cb, sb);
	d->delta_rate = d->rate_b - d->rate_a;
	d->ratio = d->rate_a > 0 ? d->rate_b / d->rate_a : NAN;
}

/* Children after their parent, in the sorted order of the parents. */
static int place_children(struct kvmw_diff *d)
{
	struct kvmw_diff_row *out = malloc((d->nr ? d->nr : 1) * sizeof(*out));
	bool *used = calloc(d->nr ? d->nr : 1, sizeof(*used));
	size_t i, j, n = 0;

	if (!out || !used) {
		free(out);
		free(used);
		return -ENOMEM;
	}
	for (i = 0; i < d->nr; i++) {
		if (diff_is_child(&d->rows[i]))
			continue;
		out[n++] = d->rows[i];
		/* Its children, read before write, as the table has them. */
		for (;;) {
			size_t best = d->nr;

			for (j = 0; j < d->nr; j++)
				if (!used[j] && diff_is_child(&d->rows[j]) &&
				    d->rows[j].isa == d->rows[i].isa &&
				    d->rows[j].code == d->rows[i].code &&
				    (best == d->nr ||
				     d->rows[j].sub < d->rows[best].sub))
					best = j;
			if (best == d->nr)
				break;
			out[n++] = d->rows[best];
			used[best] = true;
		}
	}
	for (j = 0; j < d->nr; j++)
		if (diff_is_child(&d->rows[j]) && !used[j])
			out[n++] = d->rows[j];
	free(d->rows);
	free(used);
	d->rows = out;
	return 0;
}

int kvmw_diff_build(const struct kvmw_agg *a, u64 dur_a_ns,
		    const struct kvmw_agg *b, u64 dur_b_ns,
		    struct kvmw_diff *out)
{
	struct kvmw_agg_row *ra = sorted_copy(a), *rb = sorted_copy(b);
	size_t i = 0, j = 0;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->rows = calloc(a->nr + b->nr + 1, sizeof(*out->rows));
	if (!ra || !rb || !out->rows)
		goto out;
	out->secs_a = (double)dur_a_ns / 1e9;
	out->secs_b = (double)dur_b_ns / 1e9;
	out->total_a = a->total_count;
	out->total_b = b->total_count;
	out->rate_a = rate(a->total_count, out->secs_a);
	out->rate_b = rate(b->total_count, out->secs_b);
	/* Merge the two sorted row sets. */
	while (i < a->nr || j < b->nr) {
		int c = i == a->nr ? 1 : j == b->nr ? -1 :
			cmp_ident(&ra[i], &rb[j]);
		struct kvmw_diff_row *d = &out->rows[out->nr++];

		if (c < 0) {
			diff_fill(d, &ra[i], ra[i].count, 0, out->secs_a,
				  out->secs_b);
			i++;
		} else if (c > 0) {
			diff_fill(d, &rb[j], 0, rb[j].count, out->secs_a,
				  out->secs_b);
			j++;
		} else {
			diff_fill(d, &ra[i], ra[i].count, rb[j].count,
				  out->secs_a, out->secs_b);
			i++;
			j++;
		}
	}
	by_rate = dur_a_ns && dur_b_ns;
	qsort(out->rows, out->nr, sizeof(*out->rows), cmp_diff);
	ret = place_children(out);
out:
	free(ra);
	free(rb);
	if (ret)
		kvmw_diff_free(out);
	return ret;
}

void kvmw_diff_free(struct kvmw_diff *d)
{
	free(d->rows);
	memset(d, 0, sizeof(*d));
}

int kvmw_evagg_label(char *buf, size_t len, const struct kvmw_agg_row *row,
		     const struct kvmw_recf *r)
{
	const char *name, *dir = "";
	struct kvmw_exit e;

	if (row->kind != KVMW_STAT_EXIT || row->code == KVMW_CODE_OTHER ||
	    !r || kvmw_exit_reason_name(row->isa, row->code))
		return kvmw_row_label(buf, len, row);
	name = kvmw_recf_reason_name(r, row->isa, row->code);
	if (!name)
		return kvmw_row_label(buf, len, row);
	e = kvmw_exit_decode(row->isa, row->code);
	if (row->sub == KVMW_SUB_READ)
		dir = " read";
	else if (row->sub == KVMW_SUB_WRITE)
		dir = " write";
	return snprintf(buf, len, "%s%s%s%s", name,
			e.flags & KVMW_VMX_FAILED_VMENTRY ? " FAILED_VMENTRY" : "",
			e.flags & KVMW_VMX_ENCLAVE_MODE ? " ENCLAVE_MODE" : "",
			dir);
}
