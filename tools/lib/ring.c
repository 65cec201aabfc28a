// SPDX-License-Identifier: GPL-2.0
/*
 * The event rings of /dev/kvmwatch, read as the uapi header's "Event
 * stream" section specifies.
 *
 * Each ring is read through a cursor: begin() takes data_head once (so a
 * drain ends even under a constant stream), peek() validates the header
 * of the record at the cursor, take() copies the whole record out and,
 * in overwrite mode, throws the copy away if the producer may have
 * overwritten it meanwhile, end() publishes data_tail and samples the
 * counters. drain() runs the cursors one after the other, drain_sorted()
 * side by side, merging them with a heap keyed on time_ns.
 *
 * Positions are the kernel's u64 byte counts; they are compared by
 * difference, so the arithmetic holds across u64 wrap-around.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring.h"

#define EV_HDR_SIZE	sizeof(struct kvmw_ev)

_Static_assert(sizeof(struct kvmw_ev) == 40, "struct kvmw_ev is 40 bytes");
_Static_assert(offsetof(struct kvmw_ring_ctrl, data_tail) ==
	       KVMW_RING_CTRL_TAIL_OFFSET, "data_tail offset");
_Static_assert(KVMW_EV_MAX_SIZE % 8 == 0, "KVMW_EV_MAX_SIZE not 8-aligned");

struct ring_cpu {
	struct kvmw_ring_ctrl *ctrl;	/* NULL: CPU not possible */
	const unsigned char *data;
	u64 pos;		/* start of the next record to read */
	u64 head;		/* data_head taken by begin() */
	u64 next_seq;		/* highest seq delivered + 1 */
	bool seen;		/* a record was delivered */
	struct kvmw_ev peek;	/* header at @pos, after peek() said 1 */
	u64 produced, received, lost, torn;
};

struct kvmw_ring {
	int fd;
	unsigned int nr;
	bool overwrite;
	u64 data_size;		/* a power of two */
	size_t ctrl_len;	/* mapped length of a control page */
	unsigned int *heap;	/* drain_sorted(): CPUs by next time_ns */
	/* The copy handed to callbacks: aligned for every record type. */
	u64 buf[KVMW_EV_MAX_SIZE / sizeof(u64)];
	struct ring_cpu cpu[];
};

static inline bool before(u64 a, u64 b)
{
	return (__s64)(a - b) < 0;
}

static void ring_unmap(struct kvmw_ring *r)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++) {
		struct ring_cpu *c = &r->cpu[i];

		if (c->ctrl)
			munmap(c->ctrl, r->ctrl_len);
		if (c->data)
			munmap((void *)c->data, r->data_size);
		c->ctrl = NULL;
		c->data = NULL;
	}
}

static bool is_pow2(u64 v)
{
	return v && !(v & (v - 1));
}

/* What the kernel filled in must describe rings this reader can walk. */
static int setup_valid(const struct kvmw_ring_setup *s)
{
	long sys_page = sysconf(_SC_PAGESIZE);

	if (s->size < KVMW_RING_SETUP_SIZE_VER0 || s->flags & ~KVMW_RING_FLAGS)
		return -EPROTO;
	if (!s->nr_rings || s->nr_rings > 65536)
		return -EPROTO;
	if (!is_pow2(s->page_size) || s->page_size < sizeof(struct kvmw_ring_ctrl))
		return -EPROTO;
	/* Records of the largest size must fit, and copies stay in bounds. */
	if (!is_pow2(s->data_size) || s->data_size < 2 * KVMW_EV_MAX_SIZE ||
	    s->data_size != (u64)s->data_pages * s->page_size)
		return -EPROTO;
	if (s->mmap_stride < s->page_size + s->data_size ||
	    (sys_page > 0 && s->mmap_stride % (u64)sys_page) ||
	    s->mmap_stride > (u64)1 << 40)
		return -EPROTO;
	return 0;
}

static int map_cpu(struct kvmw_ring *r, int fd, unsigned int i,
		   const struct kvmw_ring_setup *s)
{
	struct ring_cpu *c = &r->cpu[i];
	off_t off = (off_t)(i * s->mmap_stride);
	void *p;

	p = mmap(NULL, s->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 off);
	if (p == MAP_FAILED)
		return errno == ENXIO ? 1 : -errno;
	c->ctrl = p;
	p = mmap(NULL, s->data_size, PROT_READ, MAP_SHARED, fd,
		 off + (off_t)s->page_size);
	if (p == MAP_FAILED)
		return -errno;
	c->data = p;

	if (c->ctrl->version != KVMW_RING_CTRL_VERSION ||
	    c->ctrl->data_size != s->data_size || c->ctrl->cpu != i ||
	    (c->ctrl->flags & KVMW_RING_OVERWRITE) !=
	    (s->flags & KVMW_RING_OVERWRITE))
		return -EPROTO;
	/* Continue where an earlier reader of this file stopped. */
	c->pos = __atomic_load_n(&c->ctrl->data_tail, __ATOMIC_RELAXED);
	return 0;
}

int kvmw_ring_map(int fd, const struct kvmw_ring_setup *s,
		  struct kvmw_ring **out)
{
	struct kvmw_ring *r;
	unsigned int i, mapped = 0;
	int err;

	*out = NULL;
	err = setup_valid(s);
	if (err)
		return err;
	r = calloc(1, sizeof(*r) + s->nr_rings * sizeof(r->cpu[0]));
	if (!r)
		return -ENOMEM;
	r->heap = calloc(s->nr_rings, sizeof(*r->heap));
	if (!r->heap) {
		free(r);
		return -ENOMEM;
	}
	r->fd = fd;
	r->nr = s->nr_rings;
	r->overwrite = s->flags & KVMW_RING_OVERWRITE;
	r->data_size = s->data_size;
	r->ctrl_len = s->page_size;

	for (i = 0; i < r->nr; i++) {
		err = map_cpu(r, fd, i, s);
		if (err < 0)
			goto fail;
		mapped += !err;
	}
	if (!mapped) {
		err = -ENXIO;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	ring_unmap(r);
	free(r->heap);
	free(r);
	return err;
}

int kvmw_ring_open(int fd, const struct kvmw_ring_opts *o,
		   struct kvmw_ring **out)
{
	struct kvmw_ring_setup s = {
		.size = sizeof(s),
		.flags = o->overwrite ? KVMW_RING_OVERWRITE : 0,
		.data_pages = o->data_pages,
		.watermark = o->watermark,
	};

	*out = NULL;
	if (ioctl(fd, KVMW_IOC_RING_SETUP, &s))
		return -errno;
	if (!!(s.flags & KVMW_RING_OVERWRITE) != o->overwrite)
		return -EPROTO;
	return kvmw_ring_map(fd, &s, out);
}

void kvmw_ring_close(struct kvmw_ring *r)
{
	if (!r)
		return;
	ring_unmap(r);
	free(r->heap);
	free(r);
}

unsigned int kvmw_ring_nr_cpus(const struct kvmw_ring *r)
{
	return r->nr;
}

int kvmw_ring_wait(struct kvmw_ring *r, int timeout_ms)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	if (n < 0)
		return -errno;
	if (n && (p.revents & POLLNVAL))
		return -EBADF;
	if (n && !(p.revents & POLLIN) && (p.revents & POLLERR))
		return -EIO;
	return n;
}

/* @len bytes from ring position @pos; @len <= data_size by the callers. */
static void ring_copy(const struct kvmw_ring *r, const struct ring_cpu *c,
		      u64 pos, void *dst, size_t len)
{
	size_t off = pos & (r->data_size - 1);
	size_t first = r->data_size - off;

	if (first >= len) {
		memcpy(dst, c->data + off, len);
		return;
	}
	memcpy(dst, c->data + off, first);
	memcpy((unsigned char *)dst + first, c->data, len - first);
}

/*
 * Overwrite mode, after a copy from @c->pos: did the producer pass the
 * record's start meanwhile? Then the copy may be torn: skip to oldest.
 */
static bool torn(const struct kvmw_ring *r, struct ring_cpu *c)
{
	u64 oldest;

	if (!r->overwrite)
		return false;
	/* The copy's loads happen before the reload of oldest. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	oldest = __atomic_load_n(&c->ctrl->oldest, __ATOMIC_ACQUIRE);
	if (!before(c->pos, oldest))
		return false;
	c->torn++;
	c->pos = oldest;
	return true;
}

static int cursor_begin(const struct kvmw_ring *r, struct ring_cpu *c)
{
	u64 head = __atomic_load_n(&c->ctrl->data_head, __ATOMIC_ACQUIRE);

	if (r->overwrite) {
		u64 oldest = __atomic_load_n(&c->ctrl->oldest,
					     __ATOMIC_ACQUIRE);

		/* What we have not read yet was overwritten: seq counts it. */
		if (before(c->pos, oldest))
			c->pos = oldest;
		/* oldest, read after head, may have passed it: nothing now. */
		if (before(head, c->pos))
			head = c->pos;
	}
	if (before(head, c->pos) || head - c->pos > r->data_size)
		return -EPROTO;
	c->head = head;
	return 0;
}

static bool size_valid(u32 size, u64 avail)
{
	return size >= EV_HDR_SIZE && !(size % 8) &&
	       size <= KVMW_EV_MAX_SIZE && size <= avail;
}

/* 1: the header at c->pos is in c->peek; 0: nothing left; -EPROTO. */
static int cursor_peek(const struct kvmw_ring *r, struct ring_cpu *c)
{
	for (;;) {
		u64 avail;

		if (!before(c->pos, c->head))
			return 0;
		avail = c->head - c->pos;
		if (avail >= EV_HDR_SIZE)
			ring_copy(r, c, c->pos, &c->peek, EV_HDR_SIZE);
		if (avail >= EV_HDR_SIZE && size_valid(c->peek.size, avail))
			return 1;
		/* Garbage: overwritten under us, or a broken stream. */
		if (!torn(r, c))
			return -EPROTO;
	}
}

/*
 * Copy the peeked record to r->buf and move past it. 1: deliver it;
 * 0: the copy was torn (the cursor moved to oldest); -EPROTO.
 */
static int cursor_take(struct kvmw_ring *r, struct ring_cpu *c)
{
	struct kvmw_ev *ev = (struct kvmw_ev *)r->buf;
	u32 size = c->peek.size;

	ring_copy(r, c, c->pos, r->buf, size);
	if (torn(r, c))
		return 0;
	/* Untorn, so the same bytes peek() saw: anything else is a bug. */
	if (ev->size != size)
		return -EPROTO;
	c->pos += size;
	if (!c->seen || !before(ev->seq, c->next_seq))
		c->next_seq = ev->seq + 1;
	c->seen = true;
	c->received++;
	return 1;
}

/*
 * Publish how far we read. In overwrite mode the producer ignores it, but
 * poll() measures the watermark from it: without it, a lapped ring would
 * read as always ready.
 */
static void cursor_end(const struct kvmw_ring *r, struct ring_cpu *c)
{
	(void)r;
	__atomic_store_n(&c->ctrl->data_tail, c->pos, __ATOMIC_RELEASE);
	c->produced = __atomic_load_n(&c->ctrl->seq_next, __ATOMIC_ACQUIRE);
	c->lost = __atomic_load_n(&c->ctrl->lost, __ATOMIC_RELAXED);
}

long kvmw_ring_drain(struct kvmw_ring *r, kvmw_ring_fn fn, void *arg)
{
	long total = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < r->nr; i++) {
		struct ring_cpu *c = &r->cpu[i];

		if (!c->ctrl)
			continue;
		ret = cursor_begin(r, c);
		if (ret)
			return ret;
		while ((ret = cursor_peek(r, c)) > 0) {
			ret = cursor_take(r, c);
			if (ret < 0)
				break;
			if (!ret)
				continue;
			total++;
			ret = fn(arg, i, (const struct kvmw_ev *)r->buf);
			if (ret)
				break;
		}
		cursor_end(r, c);
		if (ret)
			return ret;
	}
	return total;
}

/* ---- drain_sorted(): a binary min-heap of CPUs ---- */

static bool heap_less(const struct kvmw_ring *r, unsigned int a,
		      unsigned int b)
{
	u64 ta = r->cpu[a].peek.time_ns, tb = r->cpu[b].peek.time_ns;

	return ta < tb || (ta == tb && a < b);
}

static void heap_down(struct kvmw_ring *r, unsigned int n, unsigned int i)
{
	unsigned int *h = r->heap;

	for (;;) {
		unsigned int l = 2 * i + 1, m = i, t;

		if (l < n && heap_less(r, h[l], h[m]))
			m = l;
		if (l + 1 < n && heap_less(r, h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

long kvmw_ring_drain_sorted(struct kvmw_ring *r, kvmw_ring_fn fn, void *arg)
{
	unsigned int i, n = 0, begun;
	long total = 0;
	int ret = 0;

	for (begun = 0; begun < r->nr; begun++) {
		struct ring_cpu *c = &r->cpu[begun];

		if (!c->ctrl)
			continue;
		ret = cursor_begin(r, c);
		if (ret)
			goto end;
		ret = cursor_peek(r, c);
		if (ret < 0) {
			begun++;
			goto end;
		}
		if (ret)
			r->heap[n++] = begun;
	}
	ret = 0;
	for (i = n / 2; i-- > 0;)
		heap_down(r, n, i);

	while (n) {
		unsigned int cpu = r->heap[0];
		struct ring_cpu *c = &r->cpu[cpu];

		ret = cursor_take(r, c);
		if (ret < 0)
			goto end;
		if (ret) {
			total++;
			ret = fn(arg, cpu, (const struct kvmw_ev *)r->buf);
			if (ret)
				goto end;
		}
		ret = cursor_peek(r, c);
		if (ret < 0)
			goto end;
		if (!ret)
			r->heap[0] = r->heap[--n];
		heap_down(r, n, 0);
	}
	ret = 0;
end:
	for (i = 0; i < begun; i++)
		if (r->cpu[i].ctrl)
			cursor_end(r, &r->cpu[i]);
	return ret ? ret : total;
}

/* ---- statistics ---- */

void kvmw_ring_cpu_stats(const struct kvmw_ring *r, unsigned int cpu,
			 struct kvmw_ring_cpu_stats *s)
{
	const struct ring_cpu *c;
	u64 end;

	memset(s, 0, sizeof(*s));
	if (cpu >= r->nr || !r->cpu[cpu].ctrl)
		return;
	c = &r->cpu[cpu];
	s->produced = c->produced;
	s->received = c->received;
	s->lost = c->lost;
	s->torn = c->torn;
	/* Everything up to seq_next, or past the highest seq seen. */
	end = c->produced;
	if (c->seen && before(end, c->next_seq))
		end = c->next_seq;
	s->missed = end > c->received ? end - c->received : 0;
}

void kvmw_ring_stats(const struct kvmw_ring *r, struct kvmw_ring_cpu_stats *s)
{
	struct kvmw_ring_cpu_stats one;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < r->nr; i++) {
		kvmw_ring_cpu_stats(r, i, &one);
		s->produced += one.produced;
		s->received += one.received;
		s->missed += one.missed;
		s->lost += one.lost;
		s->torn += one.torn;
	}
}
