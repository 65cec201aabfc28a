// SPDX-License-Identifier: GPL-2.0
/*
 * Tallies: reading the guest's counters back, the dirty log, sums over
 * vCPUs, and the comparison of a run with its spec (kvmw_check).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

struct kvmw_count *kvmw_tally_row(struct kvmw_tally *t, enum kvmw_evkind ev,
				  uint64_t key)
{
	static struct kvmw_count overflow;	/* absorbs a full table */
	unsigned int i;

	for (i = 0; i < t->nr_counts; i++)
		if (t->counts[i].ev == ev && t->counts[i].key == key)
			return &t->counts[i];
	if (i == KVMW_MAX_COUNTS)
		return &overflow;
	t->counts[i].ev = ev;
	t->counts[i].key = key;
	t->nr_counts++;
	return &t->counts[i];
}

const struct kvmw_count *kvmw_tally_find(const struct kvmw_tally *t,
					 enum kvmw_evkind ev, uint64_t key)
{
	for (unsigned int i = 0; i < t->nr_counts; i++)
		if (t->counts[i].ev == ev && t->counts[i].key == key)
			return &t->counts[i];
	return NULL;
}

/*
 * At DONE, with the vCPU out of the guest: add its counters to its tally
 * and zero them for the next round. Each handled interrupt but a spurious
 * one wrote EOI once.
 */
void kvmw_tally_harvest(struct kvmw_vcpu *v)
{
	const struct kvmw_guest_spec *s = &v->vm->spec;
	struct kvmw_tally *t = &v->tally;
	uint32_t *irq = v->data + D_IRQ / 4;
	uint32_t *site = v->data + D_SITE / 4;
	uint32_t *iter = v->data + D_OPITER / 4;
	uint64_t eoi = 0;

	for (unsigned int i = 0; i < v->nr_sites; i++)
		if (site[i])
			kvmw_tally_row(t, v->site[i].ev, v->site[i].key)->guest +=
				site[i];
	for (unsigned int k = 0; k < s->nr_ops[v->idx]; k++)
		t->ops[s->ops[v->idx][k].kind] += iter[k];
	for (unsigned int vec = 0; vec < 256; vec++) {
		if (!irq[vec])
			continue;
		kvmw_tally_row(t, KVMW_EV_IRQ, vec)->guest += irq[vec];
		if (vec != KVMW_VEC_SPURIOUS)
			eoi += irq[vec];
	}
	if (eoi)
		kvmw_tally_row(t, KVMW_EV_WRMSR, X2APIC_EOI)->guest += eoi;
	t->hlt_skips += v->data[D_HLTSKIP / 4];
	t->irq_dups += v->data[D_IRQDUP / 4];
	memset(v->data, 0, D_COUNTERS_END);
}

/* End of a round: the dirty log must hold exactly the pages written. */
void kvmw_tally_dirty(struct kvmw_vm *vm)
{
	uint64_t pages = vm->dirty_size / 4096;
	struct kvm_dirty_log log = {
		.slot = SLOT_DIRTY,
		.dirty_bitmap = vm->dirty_bitmap,
	};

	if (!pages)
		return;
	memset(vm->dirty_bitmap, 0, (pages + 63) / 64 * 8);
	if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) < 0) {
		snprintf(vm->err, sizeof(vm->err), "KVM_GET_DIRTY_LOG: %m");
		vm->abort = true;
		return;
	}
	for (uint64_t w = 0; w < (pages + 63) / 64; w++) {
		vm->total.dirty_pages += __builtin_popcountll(vm->dirty_bitmap[w]);
		vm->total.dirty_wrong += __builtin_popcountll(vm->dirty_bitmap[w] ^
							     vm->dirty_expect[w]);
	}
}

static void add_tally(struct kvmw_tally *dst, const struct kvmw_tally *src)
{
	for (int k = 0; k < KVMW_OP__NR; k++)
		dst->ops[k] += src->ops[k];
	for (unsigned int i = 0; i < src->nr_counts; i++) {
		const struct kvmw_count *c = &src->counts[i];
		struct kvmw_count *d = kvmw_tally_row(dst, c->ev, c->key);

		d->guest += c->guest;
		d->user += c->user;
	}
	for (int r = 0; r < KVMW_NR_EXIT_REASONS; r++)
		dst->exit_reason[r] += src->exit_reason[r];
	for (int k = 0; k < KVMW_KSTAT__NR; k++)
		dst->kstat[k] = (dst->kstat[k] == ~0ULL ||
				 src->kstat[k] == ~0ULL) ?
				~0ULL : dst->kstat[k] + src->kstat[k];
	dst->faults += src->faults;
	dst->hlt_skips += src->hlt_skips;
	dst->irq_dups += src->irq_dups;
}

static void sum_events(struct kvmw_tally *t)
{
	memset(t->ev, 0, sizeof(t->ev));
	for (unsigned int i = 0; i < t->nr_counts; i++)
		t->ev[t->counts[i].ev] += t->counts[i].guest;
}

void kvmw_tally_total(struct kvmw_vm *vm)
{
	struct kvmw_tally *t = &vm->total;
	uint64_t dirty_pages = t->dirty_pages, dirty_wrong = t->dirty_wrong;

	memset(t, 0, sizeof(*t));
	t->dirty_pages = dirty_pages;
	t->dirty_wrong = dirty_wrong;
	t->rounds = vm->rounds;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		sum_events(&vm->vcpu[i].tally);
		add_tally(t, &vm->vcpu[i].tally);
	}
	sum_events(t);
}

const struct kvmw_tally *kvmw_vm_tally(const struct kvmw_vm *vm, int vcpu)
{
	if (vcpu < 0)
		return &vm->total;
	return (unsigned int)vcpu < vm->nr_vcpus ? &vm->vcpu[vcpu].tally : NULL;
}

/*
 * What one vCPU's guest must have done in n rounds, row by row: the ops'
 * own instructions plus the library's (see kvmw.h "Reserved resources").
 */
static void expect_vcpu(const struct kvmw_vm *vm, unsigned int i, uint64_t n,
			uint64_t skips, struct kvmw_tally *e)
{
	const struct kvmw_guest_spec *s = &vm->spec;
	uint64_t eoi = 0;

#define ROW(ev, key)	kvmw_tally_row(e, ev, key)->guest
	for (unsigned int j = 0; j < vm->nr_vcpus; j++)
		for (unsigned int k = 0; k < s->nr_ops[j]; k++)
			if (s->ops[j][k].kind == KVMW_OP_IPI &&
			    s->ops[j][k].arg == i && s->ops[j][k].count)
				ROW(KVMW_EV_IRQ, KVMW_VEC_IPI(j)) +=
					n * s->ops[j][k].count;

	for (unsigned int k = 0; k < s->nr_ops[i]; k++) {
		const struct kvmw_op *op = &s->ops[i][k];
		uint64_t c = n * op->count;

		if (!c)
			continue;
		e->ops[op->kind] += c;
		switch (op->kind) {
		case KVMW_OP_CPUID:
			ROW(KVMW_EV_CPUID, (uint32_t)op->arg) += c;
			break;
		case KVMW_OP_OUT:
			ROW(KVMW_EV_OUT, op->arg) += c;
			break;
		case KVMW_OP_IN:
			ROW(KVMW_EV_IN, op->arg) += c;
			break;
		case KVMW_OP_RDMSR:
			ROW(KVMW_EV_RDMSR, op->arg) += c;
			break;
		case KVMW_OP_WRMSR:
			ROW(KVMW_EV_WRMSR, op->arg) += c;
			break;
		case KVMW_OP_HLT:
		case KVMW_OP_HLT_TSCDL:
			ROW(KVMW_EV_HLT, 0) += c;
			if (!vm->irqchip)
				break;
			ROW(KVMW_EV_WRMSR, X2APIC_LVTT) += 2 * n;
			ROW(KVMW_EV_WRMSR, op->kind == KVMW_OP_HLT ?
			    X2APIC_TMICT : MSR_TSC_DEADLINE) += c;
			ROW(KVMW_EV_IRQ, KVMW_VEC_TIMER) += c;
			break;
		case KVMW_OP_MMIO_READ:
			ROW(KVMW_EV_MMIO_RD, op->arg) += c;
			break;
		case KVMW_OP_MMIO_WRITE:
			ROW(KVMW_EV_MMIO_WR, op->arg) += c;
			break;
		case KVMW_OP_HYPERCALL:
			ROW(KVMW_EV_HYPERCALL, (uint32_t)op->arg) += c;
			break;
		case KVMW_OP_PF:
			ROW(KVMW_EV_PF, 0) += c;
			break;
		case KVMW_OP_DIRTY:
			ROW(KVMW_EV_DIRTY, 0) += c;
			break;
		case KVMW_OP_IRQ_LINE:
			ROW(KVMW_EV_OUT, KVMW_PORT_IRQREQ) += c;
			ROW(KVMW_EV_IRQ, KVMW_VEC_IRQ_LINE) += c;
			break;
		case KVMW_OP_MSI:
			ROW(KVMW_EV_OUT, KVMW_PORT_IRQREQ) += c;
			ROW(KVMW_EV_IRQ, KVMW_VEC_MSI) += c;
			break;
		case KVMW_OP_IPI:
			ROW(KVMW_EV_WRMSR, X2APIC_ICR) += c;
			break;
		case KVMW_OP_SPIN_TSCDL:
			ROW(KVMW_EV_WRMSR, X2APIC_LVTT) += 2 * n;
			ROW(KVMW_EV_WRMSR, MSR_TSC_DEADLINE) += c;
			ROW(KVMW_EV_IRQ, KVMW_VEC_TIMER) += c;
			break;
		case KVMW_OP_IRQ_DUP:
			e->irq_dups += c;	/* and nothing else */
			break;
		case KVMW_OP__NR:
			break;
		}
	}
	ROW(KVMW_EV_OUT, KVMW_PORT_CTRL) += n;
	if (skips)
		ROW(KVMW_EV_IRQ, KVMW_VEC_TIMER) += skips;
	for (unsigned int r = 0; r < e->nr_counts; r++)
		if (e->counts[r].ev == KVMW_EV_IRQ)
			eoi += e->counts[r].guest;
	if (eoi)
		ROW(KVMW_EV_WRMSR, X2APIC_EOI) += eoi;
#undef ROW
}

/* Can interrupts other than its own timer's wake this vCPU's HLTs? */
static bool gets_foreign_irqs(const struct kvmw_vm *vm, unsigned int i)
{
	const struct kvmw_guest_spec *s = &vm->spec;

	for (unsigned int j = 0; j < vm->nr_vcpus; j++)
		for (unsigned int k = 0; k < s->nr_ops[j]; k++)
			if (j != i && s->ops[j][k].kind == KVMW_OP_IPI &&
			    s->ops[j][k].arg == i && s->ops[j][k].count)
				return true;
	return false;
}

#define MISMATCH(...)							\
	do {								\
		if (!bad++)						\
			snprintf(why, len, __VA_ARGS__);		\
	} while (0)

static const char *key_str(const struct kvmw_count *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s %#llx", kvmw_ev_name(c->ev),
		 (unsigned long long)c->key);
	return buf;
}

/* Userspace must have seen every OUT/IN/MMIO (and HLT without irqchip). */
static bool user_visible(const struct kvmw_vm *vm, enum kvmw_evkind ev)
{
	return ev == KVMW_EV_OUT || ev == KVMW_EV_IN || ev == KVMW_EV_MMIO_RD ||
	       ev == KVMW_EV_MMIO_WR || (ev == KVMW_EV_HLT && !vm->irqchip);
}

static int check_vcpu(const struct kvmw_vm *vm, unsigned int i, bool strict,
		      char *why, size_t len)
{
	const struct kvmw_tally *t = &vm->vcpu[i].tally;
	struct kvmw_tally e;
	bool hlt_min = vm->irqchip && gets_foreign_irqs(vm, i);
	char kb[48];
	int bad = 0;

	uint64_t rearms = 0;

	memset(&e, 0, sizeof(e));
	expect_vcpu(vm, i, t->rounds, t->hlt_skips, &e);
	for (int k = 0; k < KVMW_OP__NR; k++)
		if (t->ops[k] != e.ops[k])
			MISMATCH("vcpu %u: %s: %llu iterations, want %llu", i,
				 kvmw_op_name(k), (unsigned long long)t->ops[k],
				 (unsigned long long)e.ops[k]);
	for (unsigned int r = 0; r < e.nr_counts; r++) {
		const struct kvmw_count *w = &e.counts[r];
		const struct kvmw_count *c = kvmw_tally_find(t, w->ev, w->key);
		uint64_t got = c ? c->guest : 0;

		if (got == w->guest ||
		    (hlt_min && w->ev == KVMW_EV_HLT && got > w->guest))
			continue;
		/* timer re-arms after skipped HLTs: accounted for below */
		if (w->ev == KVMW_EV_WRMSR && got > w->guest &&
		    got - w->guest <= t->hlt_skips &&
		    (w->key == X2APIC_TMICT || w->key == MSR_TSC_DEADLINE)) {
			rearms += got - w->guest;
			continue;
		}
		MISMATCH("vcpu %u: %s: guest did %llu, want %llu", i,
			 key_str(w, kb, sizeof(kb)), (unsigned long long)got,
			 (unsigned long long)w->guest);
	}
	for (unsigned int r = 0; r < t->nr_counts; r++) {
		const struct kvmw_count *c = &t->counts[r];

		if (!kvmw_tally_find(&e, c->ev, c->key) && c->guest)
			MISMATCH("vcpu %u: %s: guest did %llu, want none", i,
				 key_str(c, kb, sizeof(kb)),
				 (unsigned long long)c->guest);
		if (user_visible(vm, c->ev) ? c->user != c->guest : c->user)
			MISMATCH("vcpu %u: %s: userspace saw %llu exits, guest did %llu",
				 i, key_str(c, kb, sizeof(kb)),
				 (unsigned long long)c->user,
				 (unsigned long long)c->guest);
	}
	if (rearms != t->hlt_skips)
		MISMATCH("vcpu %u: %llu timer re-arms for %llu skipped HLTs", i,
			 (unsigned long long)rearms,
			 (unsigned long long)t->hlt_skips);
	/* at least: QEMU/TCG may repeat a real interrupt too */
	if (t->irq_dups < e.irq_dups)
		MISMATCH("vcpu %u: %llu interrupt repeats counted, want at least %llu (probes)",
			 i, (unsigned long long)t->irq_dups,
			 (unsigned long long)e.irq_dups);
	if (t->faults)
		MISMATCH("vcpu %u: %llu guest exceptions", i,
			 (unsigned long long)t->faults);
	if (!t->rounds)
		MISMATCH("vcpu %u: no round completed", i);
	if (strict) {
		static const struct {
			enum kvmw_kstat k;
			enum kvmw_evkind ev[2];
		} pairs[] = {
			{ KVMW_KSTAT_IO_EXITS, { KVMW_EV_OUT, KVMW_EV_IN } },
			{ KVMW_KSTAT_MMIO_EXITS, { KVMW_EV_MMIO_RD, KVMW_EV_MMIO_WR } },
			{ KVMW_KSTAT_HALT_EXITS, { KVMW_EV_HLT, KVMW_EV_HLT } },
			{ KVMW_KSTAT_HYPERCALLS, { KVMW_EV_HYPERCALL, KVMW_EV_HYPERCALL } },
		};

		for (size_t p = 0; p < ARRAY_SIZE(pairs); p++) {
			uint64_t want = t->ev[pairs[p].ev[0]];

			if (pairs[p].ev[1] != pairs[p].ev[0])
				want += t->ev[pairs[p].ev[1]];
			if (t->kstat[pairs[p].k] != want)
				MISMATCH("vcpu %u: KVM %s %llu, guest %llu", i,
					 kvmw_kstat_name(pairs[p].k),
					 (unsigned long long)t->kstat[pairs[p].k],
					 (unsigned long long)want);
		}
	}
	return bad;
}

int kvmw_check(const struct kvmw_vm *vm, bool strict, char *why, size_t len)
{
	const struct kvmw_tally *t = &vm->total;
	uint64_t want_dirty = 0;
	int bad = 0;
	char sub[256];

	if (len)
		why[0] = 0;
	if (vm->err[0])
		MISMATCH("run failed: %s", vm->err);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		int n = check_vcpu(vm, i, strict, sub, sizeof(sub));

		if (n && !bad)
			snprintf(why, len, "%s", sub);
		bad += n;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		for (unsigned int k = 0; k < vm->spec.nr_ops[i]; k++)
			if (vm->spec.ops[i][k].kind == KVMW_OP_DIRTY)
				want_dirty += vm->spec.ops[i][k].count;
	want_dirty *= t->rounds;
	if (t->dirty_pages != want_dirty || t->dirty_wrong)
		MISMATCH("dirty log: %llu pages, want %llu; %llu wrong",
			 (unsigned long long)t->dirty_pages,
			 (unsigned long long)want_dirty,
			 (unsigned long long)t->dirty_wrong);
	return bad;
}

int kvmw_spec_add(struct kvmw_guest_spec *spec, unsigned int nr_vcpus,
		  int vcpu, enum kvmw_op_kind kind, uint32_t count,
		  uint64_t arg, uint64_t arg2)
{
	unsigned int first = vcpu < 0 ? 0 : vcpu;
	unsigned int last = vcpu < 0 ? nr_vcpus : (unsigned int)vcpu + 1;

	if (last > KVMW_MAX_VCPUS || kind >= KVMW_OP__NR) {
		errno = EINVAL;
		return -1;
	}
	for (unsigned int i = first; i < last; i++) {
		struct kvmw_op *op;

		if (spec->nr_ops[i] >= KVMW_MAX_OPS) {
			errno = ENOSPC;
			return -1;
		}
		op = &spec->ops[i][spec->nr_ops[i]++];
		op->kind = kind;
		op->count = count;
		op->arg = arg;
		op->arg2 = arg2;
	}
	return 0;
}
