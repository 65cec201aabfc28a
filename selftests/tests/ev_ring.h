/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ev_ring.h: the tests' own reader of kvmwatch's event rings.
 *
 * Written from the protocol text of uapi/linux/kvmwatch.h ("Event stream")
 * and nothing else, on purpose: it shares no code with the tool's reader
 * (tools/lib/ring.c), so a test that passes with it checks the kernel
 * against the header, not against a reader with the same mistakes.
 * Discard mode only, which is what exact counts need (nothing is ever
 * overwritten; what does not fit is counted in @lost).
 *
 * Besides delivering records it checks, per ring, everything the header
 * promises a reader and counts each broken promise in @proto_errors
 * (the first one described in @why):
 *  - the control page: version, cpu, flags and data_size as set up;
 *  - data_head never behind the reader, never more than data_size ahead;
 *  - each record 8-byte aligned, its size a multiple of 8, at least the
 *    header, at most KVMW_EV_MAX_SIZE, and entirely below data_head;
 *  - @seq never goes backwards; gaps are records this reader missed.
 * After a final drain with producers stopped, for every ring:
 * produced (seq_next) = received + missed, and missed = lost.
 */
#ifndef KVMW_EV_RING_H
#define KVMW_EV_RING_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/kvmwatch.h>

#define EVR_UNUSED __attribute__((unused))

/*
 * One record, copied out of the ring, unwrapped and 8-byte aligned; read
 * it through the member of its type.
 */
struct evr_rec {
	unsigned int cpu;		/* the ring it came from */
	unsigned int pad;
	union {
		struct kvmw_ev hdr;
		struct kvmw_ev_exit exit;
		struct kvmw_ev_msr msr;
		struct kvmw_ev_pio pio;
		struct kvmw_ev_mmio mmio;
		struct kvmw_ev_wakeup wakeup;
		struct kvmw_ev_halt_poll halt_poll;
		struct kvmw_ev_dirty dirty;
		struct kvmw_ev_load load;
		struct kvmw_ev_put put;
		struct kvmw_ev_inject inject;
		struct kvmw_ev_page_fault pf;
		struct kvmw_ev_hypercall hcall;
		struct kvmw_ev_vm vm;
		uint64_t raw[KVMW_EV_MAX_SIZE / 8];
	};
};

struct evr_ring {
	struct kvmw_ring_ctrl *ctrl;	/* RW mapping */
	const uint8_t *data;		/* RO mapping */
	bool mapped;			/* false: CPU not possible (ENXIO) */
	bool broken;			/* a malformed record: stop reading */
	uint64_t pos;			/* next byte to read = our data_tail */
	uint64_t next_seq;		/* seq expected of the next record */
	uint64_t received;
	uint64_t gaps;			/* records skipped in seq */
};

struct evr {
	int fd;
	struct kvmw_ring_setup setup;	/* as the kernel filled it */
	unsigned int nr;
	struct evr_ring *rings;
	uint64_t proto_errors;
	char why[256];
};

/* Per-ring totals after a drain: see the top of this file. */
struct evr_stats {
	uint64_t produced;		/* ctrl->seq_next */
	uint64_t received;
	uint64_t missed;		/* seq gaps + records after the last */
	uint64_t lost;			/* ctrl->lost */
};

static EVR_UNUSED void evr_proto(struct evr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static EVR_UNUSED void evr_proto(struct evr *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->proto_errors++) {
		va_start(ap, fmt);
		vsnprintf(e->why, sizeof(e->why), fmt, ap);
		va_end(ap);
	}
}

static EVR_UNUSED void evr_close(struct evr *e)
{
	for (unsigned int i = 0; e->rings && i < e->nr; i++) {
		struct evr_ring *r = &e->rings[i];

		if (!r->mapped)
			continue;
		munmap(r->ctrl, e->setup.page_size);
		munmap((void *)r->data, e->setup.data_size);
	}
	free(e->rings);
	e->rings = NULL;
	e->nr = 0;
}

/*
 * KVMW_IOC_RING_SETUP on @fd (discard mode, @data_pages per CPU) and map
 * every possible CPU's ring. 0, or -errno with nothing left mapped.
 */
static EVR_UNUSED int evr_open(struct evr *e, int fd, unsigned int data_pages)
{
	int err = 0;

	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->setup.size = sizeof(e->setup);
	e->setup.data_pages = data_pages;
	if (ioctl(fd, KVMW_IOC_RING_SETUP, &e->setup))
		return -errno;
	if (e->setup.size < KVMW_RING_SETUP_SIZE_VER0 || !e->setup.nr_rings ||
	    !e->setup.page_size || e->setup.data_size !=
	    (uint64_t)e->setup.data_pages * e->setup.page_size ||
	    e->setup.mmap_stride < e->setup.page_size + e->setup.data_size)
		return -EPROTO;
	e->nr = e->setup.nr_rings;
	e->rings = calloc(e->nr, sizeof(*e->rings));
	if (!e->rings)
		return -ENOMEM;
	for (unsigned int i = 0; i < e->nr; i++) {
		struct evr_ring *r = &e->rings[i];
		off_t base = (off_t)i * e->setup.mmap_stride;
		void *c, *d;

		c = mmap(NULL, e->setup.page_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, base);
		if (c == MAP_FAILED) {
			if (errno == ENXIO)
				continue;	/* not a possible CPU */
			err = -errno;
			break;
		}
		d = mmap(NULL, e->setup.data_size, PROT_READ, MAP_SHARED, fd,
			 base + e->setup.page_size);
		if (d == MAP_FAILED) {
			err = -errno;
			munmap(c, e->setup.page_size);
			break;
		}
		r->ctrl = c;
		r->data = d;
		r->mapped = true;
	}
	if (err)
		evr_close(e);
	return err;
}

/* Copy @len bytes from ring position @pos, wrapping at the end. */
static EVR_UNUSED void evr_copy(const struct evr *e, const struct evr_ring *r,
				uint64_t pos, void *dst, size_t len)
{
	uint64_t size = e->setup.data_size;
	uint64_t off = pos & (size - 1);
	size_t first = len < size - off ? len : size - off;

	memcpy(dst, r->data + off, first);
	if (first < len)
		memcpy((uint8_t *)dst + first, r->data, len - first);
}

typedef int (*evr_fn)(void *arg, const struct evr_rec *rec);

/*
 * Consume everything complete in ring @i, in ring order, handing each
 * record to @fn (a non-zero return stops and is returned). Then publish
 * data_tail. Returns 0 or @fn's value.
 */
static EVR_UNUSED int evr_drain_ring(struct evr *e, unsigned int i,
				     evr_fn fn, void *arg)
{
	struct evr_ring *r = &e->rings[i];
	struct kvmw_ring_ctrl *c = r->ctrl;
	struct evr_rec rec;
	uint64_t head;
	int ret = 0;

	if (!r->mapped || r->broken)
		return 0;
	if (c->version != KVMW_RING_CTRL_VERSION || c->cpu != i ||
	    c->flags != e->setup.flags || c->data_size != e->setup.data_size)
		evr_proto(e, "ring %u: control page version %u cpu %u flags %#x data_size %llu",
			  i, c->version, c->cpu, c->flags,
			  (unsigned long long)c->data_size);
	/*
	 * Records below data_head are complete: acquire pairs with the
	 * kernel's release store of data_head.
	 */
	head = __atomic_load_n(&c->data_head, __ATOMIC_ACQUIRE);
	if (head < r->pos || head - r->pos > e->setup.data_size) {
		evr_proto(e, "ring %u: data_head %llu, reader at %llu, data_size %llu",
			  i, (unsigned long long)head,
			  (unsigned long long)r->pos,
			  (unsigned long long)e->setup.data_size);
		r->broken = true;
		return 0;
	}
	while (r->pos < head) {
		uint16_t size;

		memset(&rec, 0, sizeof(rec));
		rec.cpu = i;
		if (r->pos & 7 || head - r->pos < sizeof(rec.hdr)) {
			evr_proto(e, "ring %u: record at %llu: misaligned or header past data_head %llu",
				  i, (unsigned long long)r->pos,
				  (unsigned long long)head);
			r->broken = true;
			break;
		}
		evr_copy(e, r, r->pos, &rec.hdr, sizeof(rec.hdr));
		size = rec.hdr.size;
		if (size & 7 || size < sizeof(rec.hdr) ||
		    size > KVMW_EV_MAX_SIZE || size > head - r->pos) {
			evr_proto(e, "ring %u: record at %llu: type %u size %u (data_head %llu)",
				  i, (unsigned long long)r->pos, rec.hdr.type,
				  size, (unsigned long long)head);
			r->broken = true;
			break;
		}
		evr_copy(e, r, r->pos, rec.raw, size);
		if (rec.hdr.seq < r->next_seq) {
			evr_proto(e, "ring %u: seq %llu after %llu", i,
				  (unsigned long long)rec.hdr.seq,
				  (unsigned long long)r->next_seq - 1);
		} else {
			r->gaps += rec.hdr.seq - r->next_seq;
			r->next_seq = rec.hdr.seq + 1;
		}
		r->pos += size;
		r->received++;
		ret = fn ? fn(arg, &rec) : 0;
		if (ret)
			break;
	}
	/* Done with those bytes: release orders our reads before it. */
	__atomic_store_n(&c->data_tail, r->pos, __ATOMIC_RELEASE);
	return ret;
}

/* Every ring, CPU by CPU. Returns 0 or the first non-zero @fn value. */
static EVR_UNUSED int evr_drain(struct evr *e, evr_fn fn, void *arg)
{
	int ret = 0;

	for (unsigned int i = 0; i < e->nr && !ret; i++)
		ret = evr_drain_ring(e, i, fn, arg);
	return ret;
}

static EVR_UNUSED void evr_ring_stats(const struct evr *e, unsigned int i,
				      struct evr_stats *s)
{
	const struct evr_ring *r = &e->rings[i];
	uint64_t produced;

	memset(s, 0, sizeof(*s));
	if (!r->mapped)
		return;
	produced = __atomic_load_n(&r->ctrl->seq_next, __ATOMIC_ACQUIRE);
	s->produced = produced;
	s->received = r->received;
	s->missed = r->gaps + (produced > r->next_seq ?
			       produced - r->next_seq : 0);
	s->lost = __atomic_load_n(&r->ctrl->lost, __ATOMIC_RELAXED);
}

/* The size each record type has in this header's version. */
static EVR_UNUSED size_t evr_type_size(unsigned int type)
{
	switch (type) {
	case KVMW_EV_TYPE_EXIT:		return sizeof(struct kvmw_ev_exit);
	case KVMW_EV_TYPE_MSR:		return sizeof(struct kvmw_ev_msr);
	case KVMW_EV_TYPE_PIO:		return sizeof(struct kvmw_ev_pio);
	case KVMW_EV_TYPE_MMIO:		return sizeof(struct kvmw_ev_mmio);
	case KVMW_EV_TYPE_WAKEUP:	return sizeof(struct kvmw_ev_wakeup);
	case KVMW_EV_TYPE_HALT_POLL:	return sizeof(struct kvmw_ev_halt_poll);
	case KVMW_EV_TYPE_DIRTY:	return sizeof(struct kvmw_ev_dirty);
	case KVMW_EV_TYPE_LOAD:		return sizeof(struct kvmw_ev_load);
	case KVMW_EV_TYPE_PUT:		return sizeof(struct kvmw_ev_put);
	case KVMW_EV_TYPE_INJECT:	return sizeof(struct kvmw_ev_inject);
	case KVMW_EV_TYPE_PAGE_FAULT:	return sizeof(struct kvmw_ev_page_fault);
	case KVMW_EV_TYPE_HYPERCALL:	return sizeof(struct kvmw_ev_hypercall);
	case KVMW_EV_TYPE_VM_CREATE:
	case KVMW_EV_TYPE_VM_GONE:	return sizeof(struct kvmw_ev_vm);
	default:			return 0;
	}
}

#endif /* KVMW_EV_RING_H */
