/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal reader of one kvmwatch ring, written from the protocol in
 * uapi/linux/kvmwatch.h ("Event stream") and nothing else, so that the
 * loss test does not share a bug with the tool's own reader
 * (tools/lib/ring.c).
 *
 * Discard mode: records in [data_tail, data_head) are complete; consume
 * them, then publish data_tail with release semantics.
 * Overwrite mode: start at max(position, oldest), copy a record out, then
 * after a read barrier reload oldest; if it passed the record's start the
 * copy may be torn and is thrown away (counted in @torn). The kernel does
 * not trust data_tail there, but poll() reads it: the reader keeps it at
 * its position too.
 *
 * The reader checks only the framing (sizes, alignment, positions, seq
 * order) and counts what it missed from the seq gaps; the record bodies
 * are the caller's to check. A framing violation is a kernel bug: it is
 * described in @error and the reader stops.
 */
#ifndef KVMW_RING_LOSS_READER_H
#define KVMW_RING_LOSS_READER_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/kvmwatch.h>

#define RL_UNUSED __attribute__((unused))

struct rl_ring {
	volatile struct kvmw_ring_ctrl *ctrl;
	const unsigned char *data;
	__u64 data_size;
	__u64 ctrl_len;
	bool overwrite;
	unsigned int cpu;

	__u64 pos;		/* next byte to read */
	__u64 next_seq;		/* seq of the next record if none is missed */
	__u64 received;		/* records delivered */
	__u64 missed;		/* seq gaps, before the first one and (after
				 * rl_finish()) after the last one */
	__u64 torn;		/* overwrite: copies thrown away */
	__u64 wrapped;		/* delivered records that wrapped past the end */
	char error[200];	/* first framing violation, "" if none */
};

/* Called for each record: a private, unwrapped, 8-aligned copy. */
typedef void (*rl_fn)(void *arg, const struct kvmw_ev *ev);

static RL_UNUSED void rl_error(struct rl_ring *r, const char *fmt, ...)
{
	va_list ap;

	if (r->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/* KVMW_IOC_RING_SETUP: 0 or the errno. */
static RL_UNUSED int rl_setup(int fd, __u32 flags, __u32 data_pages,
			      __u32 watermark, struct kvmw_ring_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->flags = flags;
	s->data_pages = data_pages;
	s->watermark = watermark;
	errno = 0;
	return ioctl(fd, KVMW_IOC_RING_SETUP, s) ? errno : 0;
}

/* Map ring @cpu of @fd (set up as @s): 0 or the errno of the failed mmap. */
static RL_UNUSED int rl_map(struct rl_ring *r, int fd,
			    const struct kvmw_ring_setup *s, unsigned int cpu)
{
	off_t off = (off_t)cpu * (off_t)s->mmap_stride;
	void *ctrl, *data;
	int err;

	memset(r, 0, sizeof(*r));
	ctrl = mmap(NULL, s->page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, off);
	if (ctrl == MAP_FAILED)
		return errno;
	data = mmap(NULL, s->data_size, PROT_READ, MAP_SHARED, fd,
		    off + (off_t)s->page_size);
	if (data == MAP_FAILED) {
		err = errno;
		munmap(ctrl, s->page_size);
		return err;
	}
	r->ctrl = ctrl;
	r->data = data;
	r->ctrl_len = s->page_size;
	r->data_size = s->data_size;
	r->overwrite = s->flags & KVMW_RING_OVERWRITE;
	r->cpu = cpu;
	return 0;
}

static RL_UNUSED void rl_unmap(struct rl_ring *r)
{
	if (r->ctrl)
		munmap((void *)r->ctrl, r->ctrl_len);
	if (r->data)
		munmap((void *)r->data, r->data_size);
	r->ctrl = NULL;
	r->data = NULL;
}

static inline __u64 rl_load(volatile __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Copy @len bytes from data position @pos, wrapping past the end. */
static void rl_copy(const struct rl_ring *r, __u64 pos, void *dst, size_t len)
{
	__u64 off = pos & (r->data_size - 1);
	size_t first = len;

	if (off + len > r->data_size)
		first = r->data_size - off;
	memcpy(dst, r->data + off, first);
	if (first < len)
		memcpy((char *)dst + first, r->data, len - first);
}

/*
 * Deliver every complete record to @fn. Returns the number delivered, or
 * -1 after a framing violation (see @error).
 */
static RL_UNUSED long rl_drain(struct rl_ring *r, rl_fn fn, void *arg)
{
	__u64 buf[KVMW_EV_MAX_SIZE / 8];
	struct kvmw_ev *ev = (struct kvmw_ev *)buf;
	__u64 head, oldest;
	long n = 0;

	if (r->error[0])
		return -1;
	head = rl_load(&r->ctrl->data_head);
	if (head % 8) {
		rl_error(r, "ring %u: data_head %llu not 8-aligned", r->cpu,
			 (unsigned long long)head);
		return -1;
	}
	if (r->overwrite) {
		oldest = rl_load(&r->ctrl->oldest);
		if (oldest % 8) {
			rl_error(r, "ring %u: oldest %llu not 8-aligned",
				 r->cpu, (unsigned long long)oldest);
			return -1;
		}
		if (r->pos < oldest)
			r->pos = oldest;
	} else if (head < r->pos || head - r->pos > r->data_size) {
		rl_error(r, "ring %u: data_head %llu, data_tail %llu: more than %llu bytes apart or behind",
			 r->cpu, (unsigned long long)head,
			 (unsigned long long)r->pos,
			 (unsigned long long)r->data_size);
		return -1;
	}
	while (r->pos < head) {
		__u64 size;
		bool bad;

		rl_copy(r, r->pos, ev, sizeof(*ev));
		size = ev->size;
		bad = size < sizeof(*ev) || size % 8 ||
		      size > KVMW_EV_MAX_SIZE || size > head - r->pos;
		if (!bad)
			rl_copy(r, r->pos, ev, size);
		if (r->overwrite) {
			/* the copy is good only if oldest did not pass it */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			oldest = rl_load(&r->ctrl->oldest);
			if (oldest > r->pos) {
				r->torn++;
				r->pos = oldest;
				continue;
			}
		}
		if (bad) {
			rl_error(r, "ring %u: record at %llu (head %llu) has size %llu",
				 r->cpu, (unsigned long long)r->pos,
				 (unsigned long long)head,
				 (unsigned long long)size);
			return -1;
		}
		if (ev->seq < r->next_seq) {
			rl_error(r, "ring %u: seq %llu at %llu after seq %llu",
				 r->cpu, (unsigned long long)ev->seq,
				 (unsigned long long)r->pos,
				 (unsigned long long)r->next_seq - 1);
			return -1;
		}
		r->missed += ev->seq - r->next_seq;
		r->next_seq = ev->seq + 1;
		if ((r->pos & (r->data_size - 1)) + size > r->data_size)
			r->wrapped++;
		r->received++;
		r->pos += size;
		n++;
		if (fn)
			fn(arg, ev);
	}
	__atomic_store_n(&r->ctrl->data_tail, r->pos, __ATOMIC_RELEASE);
	return n;
}

/*
 * After a last drain with the producers stopped: count the records
 * produced after the last one received (lost at the end) as missed, so
 * that produced == received + missed. Returns that count.
 */
static RL_UNUSED __u64 rl_finish(struct rl_ring *r)
{
	__u64 produced = rl_load(&r->ctrl->seq_next);
	__u64 trailing;

	if (produced < r->next_seq) {
		rl_error(r, "ring %u: seq_next %llu below a seq received (%llu)",
			 r->cpu, (unsigned long long)produced,
			 (unsigned long long)r->next_seq - 1);
		return 0;
	}
	trailing = produced - r->next_seq;
	r->missed += trailing;
	r->next_seq = produced;
	return trailing;
}

#endif /* KVMW_RING_LOSS_READER_H */
