/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit accounting fast path: what the probes do to one vCPU's statistics
 * block (struct kvmw_stats).
 *
 * Writers: only the vCPU's own thread (kvm_exit, kvm_entry, kvm_msr,
 * kvm_pio, kvm_mmio and kvm_userspace_exit all fire there), so nothing
 * here locks, allocates or uses atomics. Readers (snapshots, on other
 * CPUs) copy under @seq: each update is one write section, so a copied
 * block is consistent (histograms sum to their counts).
 *
 * The open exit (o_*) is the writer's private state between a kvm_exit
 * and the next kvm_entry; breakdown events that arrive meanwhile attach
 * their key to it. On 6.1 SVM the x2APIC ICR fastpath fires kvm_msr
 * before its own kvm_exit: that MSR is held as pending and adopted by the
 * next exit (see docs/design/exit-accounting.md, 1.5).
 *
 * Everything is inline and kernel-agnostic so that it also builds in
 * userspace (tools/lib/stats_user.h provides the few kernel primitives),
 * where
 * bench/callgrind counts its instructions and selftests/unit checks its
 * arithmetic.
 */
#ifndef KVMW_STATS_API_H
#define KVMW_STATS_API_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/seqlock.h>
#include <linux/bitops.h>
#include "compat.h"
#include "../uapi/linux/kvmwatch.h"

#define kvmw_seq_write_begin(s)	raw_write_seqcount_begin(s)
#define kvmw_seq_write_end(s)	raw_write_seqcount_end(s)
#else
#include "stats_user.h"	/* tools/lib: the userspace shim */
#endif

/* Table sizes: rows beyond these go to each table's "other" row 0. */
#define KVMW_NR_ROWS		20	/* exit reasons, incl. other */
#define KVMW_NR_PORTS		32	/* per table, plus other */
#define KVMW_NR_MMIO		16
#define KVMW_NR_MSRS		32
#define KVMW_NR_RIPS		64
#define KVMW_RIP_PROBES		8

/*
 * Dense index of an exit code, for the code -> row map. SVM: codes below
 * 0x100 as they are, 0x400-0x40f (npf, avic, vmgexit) after them, then
 * SVM_EXIT_ERR; VMX: basic reasons below 0x80, and the same with the
 * failed-VM-entry bit. Then the two SVM "msr" child rows. Anything else
 * has no dense index and is counted in the "other" row.
 */
#define KVMW_DENSE_SVM_HI	0x100
#define KVMW_DENSE_SVM_ERR	0x110
#define KVMW_DENSE_MSR_READ	0x111
#define KVMW_DENSE_MSR_WRITE	0x112
#define KVMW_NR_DENSE		0x113
#define KVMW_DENSE_NONE		0xffffU

#define KVMW_SVM_EXIT_MSR	0x7c
#define KVMW_SVM_EXIT_ERR	0xffffffffU
#define KVMW_VMX_FAILED_ENTRY	0x80000000U
#define KVMW_MSR_X2APIC_ICR	0x830

struct kvmw_stat {
	u64 count;
	u64 total;
	u64 min;		/* U64_MAX until the first sample */
	u64 max;
	u128 sumsq;
	u64 user;
};

struct kvmw_row {
	struct kvmw_stat st;
	u64 hist[KVMW_HIST_BUCKETS];
	u32 code;
	u16 sub;
	u16 pad;
};

struct kvmw_brow {
	struct kvmw_stat st;
	u64 key;
	u16 sub;
	u16 used;
	u32 pad;
};

struct kvmw_rip {
	u64 rip;
	u64 count;
	u32 code;
	u32 used;
};

/* Breakdown kinds of the open exit, as KVMW_STAT_* (0: none yet). */
#define KVMW_BD_NONE		0

struct kvmw_stats {
	seqcount_t seq;
	u32 isa;
	u32 nr_rows;

	/* Counters, see struct kvmw_rec_vcpu. */
	u64 exits;
	u64 entries;
	u64 unfinished;
	u64 entry_without_exit;
	u64 exit_without_entry;
	u64 negative_time;
	u64 user_returns;
	u64 user_without_exit;
	u64 msr_early;
	u64 orphan_events;
	u64 decode_errors;
	u64 dropped_reasons;
	u64 dropped_keys[KVMW_BD_NR];
	u64 dropped_rips;
	u64 guest_ns;
	u64 user_ns;

	/*
	 * The open exit; private to the writer except @open. Rows are held
	 * by address: a row's index would cost a multiplication per use.
	 * Copies of the block carry these pointers but never use them.
	 */
	u8 open;
	u8 o_user;
	u8 o_bd;		/* KVMW_STAT_* of the key, KVMW_BD_NONE */
	u8 o_bd_sub;
	u8 pend_msr;		/* 6.1 SVM fastpath ICR write, exit to come */
	u8 o_more;		/* o_child, o_bd, o_user or pend_msr set */
	u8 pad[2];
	u32 o_gen;
	u32 pad2;
	struct kvmw_row *o_row;
	struct kvmw_row *o_child;	/* SVM msr read/write row, or NULL */
	u64 o_t0;
	u64 o_key;
	u64 o_uoff;		/* its first return to the VMM, after o_t0 */

	/*
	 * In the guest since @g_t0, entered under attach generation
	 * @g_gen; 0: not in the guest (generations start at 1). Writer's.
	 */
	u32 g_gen;
	u32 pad3;
	u64 g_t0;

	/*
	 * Dense code -> byte offset of its row in @rows, 0: none (row 0,
	 * "other", is never mapped). An offset, not an index: rows are not
	 * a power of two long.
	 */
	u16 row_of[KVMW_NR_DENSE];
	struct kvmw_row rows[KVMW_NR_ROWS];
	struct kvmw_brow ports[KVMW_NR_PORTS + 1];	/* [0]: other */
	struct kvmw_brow mmio[KVMW_NR_MMIO + 1];
	struct kvmw_brow msrs[KVMW_NR_MSRS + 1];
	struct kvmw_rip rips[KVMW_NR_RIPS];
};

static inline void kvmw_stats_init(struct kvmw_stats *s)
{
	unsigned int i;

	s->nr_rows = 1;
	s->rows[0].code = KVMW_CODE_OTHER;
	for (i = 0; i < KVMW_NR_ROWS; i++)
		s->rows[i].st.min = ~0ULL;
	for (i = 0; i <= KVMW_NR_PORTS; i++)
		s->ports[i].st.min = ~0ULL;
	for (i = 0; i <= KVMW_NR_MMIO; i++)
		s->mmio[i].st.min = ~0ULL;
	for (i = 0; i <= KVMW_NR_MSRS; i++)
		s->msrs[i].st.min = ~0ULL;
	s->ports[0].key = KVMW_KEY_OTHER;
	s->mmio[0].key = KVMW_KEY_OTHER;
	s->msrs[0].key = KVMW_KEY_OTHER;
	s->ports[0].used = 1;
	s->mmio[0].used = 1;
	s->msrs[0].used = 1;
}

static __always_inline unsigned int kvmw_dense(u32 isa, u32 code)
{
	if (isa == KVMW_ISA_SVM) {
		if (code < KVMW_DENSE_SVM_HI)
			return code;
		if (code - 0x400 < 0x10)
			return KVMW_DENSE_SVM_HI + code - 0x400;
		if (code == KVMW_SVM_EXIT_ERR)
			return KVMW_DENSE_SVM_ERR;
		return KVMW_DENSE_NONE;
	}
	if (code < 0x80)
		return code;
	if ((code & ~KVMW_VMX_FAILED_ENTRY) < 0x80)
		return 0x80 + (code & 0x7f);
	return KVMW_DENSE_NONE;
}

/* First exit of a reason on this vCPU: claim a row, or NULL if full. */
static __always_inline struct kvmw_row *kvmw_row_claim(struct kvmw_stats *s,
						       unsigned int dense, u32 code,
						       u16 sub)
{
	unsigned int row;

	if (s->nr_rows >= KVMW_NR_ROWS)
		return NULL;
	row = s->nr_rows++;
	s->rows[row].code = code;
	s->rows[row].sub = sub;
	s->row_of[dense] = row * sizeof(struct kvmw_row);
	return &s->rows[row];
}

/* Row of a dense code, claiming a free one on first use; else NULL. */
static __always_inline struct kvmw_row *kvmw_row(struct kvmw_stats *s,
						 unsigned int dense, u32 code,
						 u16 sub)
{
	unsigned int off;

	if (unlikely(dense == KVMW_DENSE_NONE))
		return NULL;
	off = s->row_of[dense];
	if (likely(off))
		return (struct kvmw_row *)((char *)s->rows + off);
	return kvmw_row_claim(s, dense, code, sub);
}

/*
 * Timed exits of a reason so far, read from any thread: one counter, read
 * whole on 64-bit, for rates that need no consistent copy of the block.
 */
static inline u64 kvmw_stats_reason_count(const struct kvmw_stats *s, u32 isa,
					  u32 code)
{
	unsigned int dense = kvmw_dense(isa, code), off;

	if (READ_ONCE(s->isa) != isa || dense == KVMW_DENSE_NONE)
		return 0;
	off = READ_ONCE(s->row_of[dense]);
	if (!off)
		return 0;
	return READ_ONCE(((const struct kvmw_row *)((const char *)s->rows +
						      off))->st.count);
}

static __always_inline unsigned int kvmw_hist_bucket(u64 ns)
{
	/* "| 1" spares fls64() its zero case: 0 and 1 both land in 0. */
	unsigned int b = fls64(ns | 1);

	b = b > KVMW_HIST_SHIFT ? b - KVMW_HIST_SHIFT : 0;
	return b < KVMW_HIST_BUCKETS ? b : KVMW_HIST_BUCKETS - 1;
}

static __always_inline void kvmw_stat_add(struct kvmw_stat *st, u64 dt,
					  u8 user)
{
	st->count++;
	st->total += dt;
	if (dt < st->min)
		st->min = dt;
	if (dt > st->max)
		st->max = dt;
	st->sumsq += (u128)dt * dt;
	st->user += user;
}

/*
 * A RIP that is not in its home slot: probe on, claim or drop. The rare
 * paths stay inline: out of line, their calls cost the common path more
 * in saved registers than they save (bench/callgrind).
 */
static __always_inline void kvmw_rip_add_slow(struct kvmw_stats *s, u32 code,
					      u64 rip, unsigned int h)
{
	unsigned int i;

	for (i = 0; i < KVMW_RIP_PROBES; i++) {
		struct kvmw_rip *r = &s->rips[(h + i) & (KVMW_NR_RIPS - 1)];

		if (r->rip == rip && r->code == code && r->used) {
			r->count++;
			return;
		}
		if (!r->used) {
			r->rip = rip;
			r->code = code;
			r->count = 1;
			r->used = 1;
			return;
		}
	}
	s->dropped_rips++;
}

static __always_inline void kvmw_rip_add(struct kvmw_stats *s, u32 code,
					 u64 rip)
{
	unsigned int h = (unsigned int)((rip ^ code) * 0x9e3779b1U) >> 26;
	struct kvmw_rip *r = &s->rips[h];

	if (likely(r->rip == rip && r->code == code && r->used))
		r->count++;
	else
		kvmw_rip_add_slow(s, code, rip, h);
}

/* Row of a breakdown key in a table of @n rows plus other at [0]. */
static __always_inline struct kvmw_brow *
kvmw_brow(struct kvmw_brow *t, unsigned int n, u64 key, u16 sub, u64 *drop)
{
	unsigned int i, h = (unsigned int)((key * 2 + sub) * 0x9e3779b1U);

	for (i = 0; i < n; i++) {
		struct kvmw_brow *b = &t[1 + ((h + i) & (n - 1))];

		if (b->used && b->key == key && b->sub == sub)
			return b;
		if (!b->used) {
			b->key = key;
			b->sub = sub;
			b->used = 1;
			return b;
		}
	}
	(*drop)++;
	return &t[0];
}

static __always_inline void kvmw_stats_bd_add(struct kvmw_stats *s, u64 dt,
					      u8 user)
{
	struct kvmw_brow *b;

	switch (s->o_bd) {
	case KVMW_STAT_IOPORT:
		b = kvmw_brow(s->ports, KVMW_NR_PORTS, s->o_key, s->o_bd_sub,
			      &s->dropped_keys[KVMW_BD_IOPORT]);
		break;
	case KVMW_STAT_MMIO:
		b = kvmw_brow(s->mmio, KVMW_NR_MMIO, s->o_key, s->o_bd_sub,
			      &s->dropped_keys[KVMW_BD_MMIO]);
		break;
	default:
		b = kvmw_brow(s->msrs, KVMW_NR_MSRS, s->o_key, s->o_bd_sub,
			      &s->dropped_keys[KVMW_BD_MSR]);
		break;
	}
	kvmw_stat_add(&b->st, dt, user);
}

/* Out of the fast path: the reason has no row, or the vCPU is odd. */
static __always_inline struct kvmw_row *kvmw_exit_other(struct kvmw_stats *s,
							u32 code)
{
	/* Child rows never overflow into "other": only reasons do. */
	if (code == KVMW_CODE_OTHER)
		s->decode_errors++;
	else
		s->dropped_reasons++;
	return &s->rows[0];
}

static __always_inline void kvmw_exit_while_open(struct kvmw_stats *s, u32 gen)
{
	/* The previous exit never saw its entry. */
	s->unfinished++;
	if (s->o_gen == gen)
		s->exit_without_entry++;
}

/* 6.1 SVM: the x2APIC ICR write that came before this exit is its key. */
static __always_inline void kvmw_exit_adopt_msr(struct kvmw_stats *s,
						struct kvmw_row *r)
{
	s->pend_msr = 0;
	if (r->code == KVMW_SVM_EXIT_MSR && r != &s->rows[0]) {
		s->o_bd = KVMW_STAT_MSR;
		s->o_bd_sub = KVMW_SUB_WRITE;
		s->o_key = KVMW_MSR_X2APIC_ICR;
		s->o_more = 1;
		s->msr_early++;
	} else {
		s->orphan_events++;
	}
}

/*
 * kvm_exit. @info is SVM's exit_info_1 (non-zero: WRMSR), @gen the attach
 * generation: an exit left open across a detach is never paired.
 */
static __always_inline void kvmw_stats_exit(struct kvmw_stats *s, u32 isa,
					    u32 code, u64 info, u64 rip,
					    u64 now, u32 gen)
{
	struct kvmw_row *r, *child = NULL;

	kvmw_seq_write_begin(&s->seq);
	s->exits++;
	s->isa = isa;
	/*
	 * Time in the guest since the entry. An entry of an earlier attach
	 * generation is stale; a negative interval (6.1 SVM: this probe may
	 * run on another CPU than the entry did) is left untimed.
	 */
	if (likely(s->g_gen == gen)) {
		s64 dg = now - s->g_t0;

		if (likely(dg > 0))
			s->guest_ns += dg;
	}
	s->g_gen = 0;
	if (unlikely(s->open))
		kvmw_exit_while_open(s, gen);
	r = kvmw_row(s, kvmw_dense(isa, code), code, KVMW_SUB_NONE);
	if (unlikely(!r))
		r = kvmw_exit_other(s, code);
	if (isa == KVMW_ISA_SVM && code == KVMW_SVM_EXIT_MSR)
		child = kvmw_row(s, info ? KVMW_DENSE_MSR_WRITE :
				 KVMW_DENSE_MSR_READ, code,
				 info ? KVMW_SUB_WRITE : KVMW_SUB_READ);
	kvmw_rip_add(s, code, rip);
	s->open = 1;
	s->o_row = r;
	s->o_child = child;
	s->o_user = 0;
	s->o_bd = KVMW_BD_NONE;
	s->o_more = !!child;
	s->o_gen = gen;
	s->o_t0 = now;
	if (unlikely(s->pend_msr))
		kvmw_exit_adopt_msr(s, r);
	kvmw_seq_write_end(&s->seq);
}

/* An entry with no exit to close (first entry, attach, orphan MSR). */
static __always_inline void kvmw_entry_unpaired(struct kvmw_stats *s)
{
	s->entry_without_exit++;
	if (s->pend_msr) {
		s->pend_msr = 0;
		s->orphan_events++;
	}
}

/*
 * The SVM msr child row, the breakdown key and the VMM time of the exit:
 * from its first return to the VMM to now, within the exit's own time
 * so that user_ns never exceeds the exits' total (the clocks may have
 * been read on different CPUs).
 */
static __always_inline void kvmw_entry_more(struct kvmw_stats *s, u64 dt,
					    unsigned int bucket)
{
	struct kvmw_row *r = s->o_child;

	if (s->o_user && dt > s->o_uoff)
		s->user_ns += dt - s->o_uoff;

	if (r) {
		kvmw_stat_add(&r->st, dt, s->o_user);
		r->hist[bucket]++;
	}
	if (s->o_bd)
		kvmw_stats_bd_add(s, dt, s->o_user);
}

/* kvm_entry: close the open exit and account its handling time. */
static __always_inline void kvmw_stats_entry(struct kvmw_stats *s, u64 now,
					     u32 gen)
{
	struct kvmw_row *r = s->o_row;
	unsigned int bucket;
	u64 dt;

	kvmw_seq_write_begin(&s->seq);
	s->entries++;
	/* In the guest from now (stored first: @now is dead after it). */
	s->g_t0 = now;
	s->g_gen = gen;
	if (unlikely(!s->open)) {
		kvmw_entry_unpaired(s);
		goto out;
	}
	s->open = 0;
	dt = now - s->o_t0;
	if (unlikely(s->o_gen != gen)) {
		s->unfinished++;
		goto out;
	}
	if (unlikely((s64)dt < 0)) {
		s->negative_time++;
		goto out;
	}
	bucket = kvmw_hist_bucket(dt);
	kvmw_stat_add(&r->st, dt, s->o_user);
	r->hist[bucket]++;
	if (unlikely(s->o_more))
		kvmw_entry_more(s, dt, bucket);
out:
	kvmw_seq_write_end(&s->seq);
}

/*
 * kvm_pio, kvm_mmio, kvm_msr: the key of the open exit (the first one
 * wins: an IN completed after userspace fires kvm_pio again, an MMIO read
 * to userspace fires kvm_mmio twice). An x2APIC ICR write with no open
 * exit is the 6.1 SVM fastpath: held for the exit that follows.
 */
static __always_inline void kvmw_stats_key(struct kvmw_stats *s,
					   unsigned int kind, u64 key, u16 sub,
					   u32 gen)
{
	if (likely(s->open && s->o_gen == gen)) {
		if (!s->o_bd) {
			s->o_bd = kind;
			s->o_bd_sub = sub;
			s->o_key = key;
			s->o_more = 1;
		}
		return;
	}
	kvmw_seq_write_begin(&s->seq);
	if (kind == KVMW_STAT_MSR && sub == KVMW_SUB_WRITE &&
	    key == KVMW_MSR_X2APIC_ICR && !s->open) {
		s->pend_msr = 1;
	} else {
		s->orphan_events++;
	}
	kvmw_seq_write_end(&s->seq);
}

/*
 * kvm_userspace_exit at @now: KVM_RUN returns to the VMM. The first
 * return of an exit starts its time in the VMM (a KVM_RUN that returns
 * again before entering, e.g. for a signal, stays in it).
 */
static __always_inline void kvmw_stats_user(struct kvmw_stats *s, u64 now,
					    u32 gen)
{
	kvmw_seq_write_begin(&s->seq);
	s->user_returns++;
	if (s->open && s->o_gen == gen) {
		if (!s->o_user) {
			s64 off = now - s->o_t0;

			s->o_uoff = off > 0 ? off : 0;
		}
		s->o_user = 1;
		s->o_more = 1;
	} else {
		s->user_without_exit++;
	}
	kvmw_seq_write_end(&s->seq);
}

/* The vCPU is destroyed: an open exit will never see its entry. */
static inline void kvmw_stats_final(struct kvmw_stats *s)
{
	kvmw_seq_write_begin(&s->seq);
	if (s->open) {
		s->open = 0;
		s->unfinished++;
	}
	kvmw_seq_write_end(&s->seq);
}

#endif /* KVMW_STATS_API_H */
