/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The producer side of a consumer's per-CPU rings: what a probe runs to
 * write one record. The protocol readers follow is in the uapi header
 * ("Event stream"); this is the kernel's half of it.
 *
 * A ring has one producer CPU, but several producers on it can nest: a
 * probe in a vCPU thread interrupted by one in hard-IRQ context. Space
 * and a sequence number are taken together with interrupts disabled, a
 * few instructions, so positions and sequence numbers agree and no
 * compare-and-exchange loop is needed. The record is then copied with
 * interrupts enabled again, and data_head is published only by the
 * outermost producer on the CPU (as perf's ring buffer does), so it never
 * covers a record an interrupted producer is still writing.
 *
 * Nothing here takes a lock, sleeps, or trusts the reader's data_tail.
 */
#ifndef KVMW_RING_API_H
#define KVMW_RING_API_H

#include <linux/types.h>
#include <linux/irqflags.h>
#include <linux/irq_work.h>
#include <linux/wait.h>
#include <linux/cache.h>
#include <linux/smp.h>

#include "../uapi/linux/kvmwatch.h"

/* One CPU's ring. Producer state is touched by that CPU only. */
struct kvmw_ring_cpu {
	struct kvmw_ring_ctrl *ctrl;	/* shared with the reader */
	void *data;			/* read-only to the reader */
	u64 head;			/* reserved up to here */
	u64 seq;			/* records produced, lost included */
	u64 lost;
	u64 oldest;			/* overwrite mode */
	u64 wake_at;			/* next wake-up when head passes it */
	unsigned int nest;		/* producers running on this CPU */
} ____cacheline_aligned;

struct kvmw_rings {
	u64 data_size;			/* a power of two */
	u32 data_pages;
	u32 watermark;
	u32 flags;			/* KVMW_RING_* */
	unsigned int nr;		/* nr_cpu_ids */
	wait_queue_head_t wq;		/* poll() */
	struct irq_work wake;		/* probes' deferred wake_up() */
	struct kvmw_ring_cpu cpus[];
};

/*
 * Copy a record to ring position @pos, wrapping at the end. Records,
 * positions and the data size are multiples of 8: a word loop, which is
 * also what small copies want (no "rep movsb" setup, which CPUs without
 * FSRM, and emulators, run slowly). A reader may be copying the same
 * bytes in overwrite mode, and the compiler must not turn the loops back
 * into memcpy(): each word is a WRITE_ONCE().
 */
static __always_inline void kvmw_ring_copy(const struct kvmw_rings *r,
					   struct kvmw_ring_cpu *rc, u64 pos,
					   const void *src, u32 len)
{
	u64 off = (pos & (r->data_size - 1)) / sizeof(u64);
	u64 room = r->data_size / sizeof(u64) - off;
	u32 n = len / sizeof(u64), i;
	const u64 *from = src;
	u64 *to = rc->data;

	if (likely(n <= room)) {
		for (i = 0; i < n; i++)
			WRITE_ONCE(to[off + i], from[i]);
		return;
	}
	for (i = 0; i < room; i++)
		WRITE_ONCE(to[off + i], from[i]);
	for (; i < n; i++)
		WRITE_ONCE(to[i - room], from[i]);
}

/* The size of the record at @pos: it was written by this CPU. */
static __always_inline u32 kvmw_ring_size_at(const struct kvmw_rings *r,
					     const struct kvmw_ring_cpu *rc,
					     u64 pos)
{
	u64 off = pos & (r->data_size - 1);
	u16 size;

	/* The header's @size never wraps: records are 8-byte aligned. */
	size = ((const struct kvmw_ev *)(rc->data + off))->size;
	return size;
}

/*
 * Overwrite mode: move @oldest past the records that [head, @end) will
 * overwrite. Only an interrupted producer's own reservation could hold
 * an unwritten header, and the data area (at least two pages) is larger
 * than every record nesting can reserve at once; a size that still makes
 * no sense drops the whole ring rather than trust it.
 */
static __always_inline void kvmw_ring_push_oldest(const struct kvmw_rings *r,
						  struct kvmw_ring_cpu *rc,
						  u64 end)
{
	while (end - rc->oldest > r->data_size) {
		u32 size = kvmw_ring_size_at(r, rc, rc->oldest);

		if (unlikely(size < sizeof(struct kvmw_ev) || size & 7 ||
			     size > KVMW_EV_MAX_SIZE)) {
			rc->oldest = end;
			break;
		}
		rc->oldest += size;
	}
	WRITE_ONCE(rc->ctrl->oldest, rc->oldest);
}

/*
 * Take @len bytes and a sequence number; false if the ring is full
 * (discard mode), the record then counted as lost.
 */
static __always_inline bool kvmw_ring_reserve(const struct kvmw_rings *r,
					      struct kvmw_ring_cpu *rc,
					      u32 len, u64 *pos, u64 *seq)
{
	unsigned long flags;
	bool ok = true;

	local_irq_save(flags);
	*pos = rc->head;
	*seq = rc->seq++;
	if (r->flags & KVMW_RING_OVERWRITE) {
		rc->head += len;
		kvmw_ring_push_oldest(r, rc, rc->head);
	} else {
		/* Untrusted: a tail ahead of head, or too far behind, is full. */
		u64 used = *pos - smp_load_acquire(&rc->ctrl->data_tail);

		if (used > r->data_size - len) {
			rc->lost++;
			ok = false;
		} else {
			rc->head += len;
		}
	}
	local_irq_restore(flags);
	return ok;
}

/*
 * The outermost producer publishes: every record below head is complete
 * once no producer on this CPU is inside. If one interrupted us after we
 * read head, it added records we must publish too: loop.
 */
static __always_inline bool kvmw_ring_publish(const struct kvmw_rings *r,
					      struct kvmw_ring_cpu *rc)
{
	bool wake = false;
	u64 head;

again:
	if (READ_ONCE(rc->nest) > 1) {
		WRITE_ONCE(rc->nest, rc->nest - 1);
		return false;
	}
	head = READ_ONCE(rc->head);
	/* Record bytes before the head that covers them. */
	smp_store_release(&rc->ctrl->data_head, head);
	WRITE_ONCE(rc->ctrl->seq_next, READ_ONCE(rc->seq));
	WRITE_ONCE(rc->ctrl->lost, READ_ONCE(rc->lost));
	if (head >= rc->wake_at) {
		rc->wake_at = head + r->watermark;
		wake = true;
	}
	barrier();
	WRITE_ONCE(rc->nest, 0);
	barrier();
	if (unlikely(head != READ_ONCE(rc->head))) {
		WRITE_ONCE(rc->nest, 1);
		goto again;
	}
	return wake;
}

/*
 * Write @ev (@ev->size bytes, header filled but @seq) into this CPU's
 * ring. The caller runs with preemption disabled.
 */
static __always_inline void kvmw_ring_write(struct kvmw_rings *r,
					    struct kvmw_ev *ev)
{
	struct kvmw_ring_cpu *rc = &r->cpus[smp_processor_id()];
	u64 pos, seq;

	WRITE_ONCE(rc->nest, rc->nest + 1);
	barrier();
	if (likely(kvmw_ring_reserve(r, rc, ev->size, &pos, &seq))) {
		ev->seq = seq;
		/* Overwrite mode: oldest moved before these bytes change. */
		smp_wmb();
		kvmw_ring_copy(r, rc, pos, ev, ev->size);
	}
	barrier();
	if (kvmw_ring_publish(r, rc) && wq_has_sleeper(&r->wq))
		irq_work_queue(&r->wake);
}

#endif /* KVMW_RING_API_H */
