// SPDX-License-Identifier: GPL-2.0
/*
 * The ring reader (tools/lib/ring.c) against rings built in a memfd laid
 * out as KVMW_IOC_RING_SETUP describes, mapped by the reader's own mmap
 * code (kvmw_ring_map). The producer is written here from the uapi
 * header's protocol, independently of the reader: discard mode (data_tail,
 * lost), overwrite mode (oldest moved before writing), records wrapping
 * past the end, u64 positions wrapping, seq gaps, garbage sizes, and a
 * producer that laps the reader between two records (the torn check).
 *
 * Every delivered record is checked word by word against what the
 * producer wrote for its seq, so a torn or misplaced copy cannot pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring.h"
#include "tap.h"
#include "tests.h"

#define MEMFD_NAME	"kvmw-ring-test"
#define MAX_CPUS	4
#define MAX_SEEN	20000

struct prod {
	struct kvmw_ring_ctrl *ctrl;
	unsigned char *data;
	u64 size;
	bool overwrite;
	u64 head, oldest, seq, lost;
};

struct rig {
	int fd;
	size_t len;
	unsigned char *map;		/* the producer's view of the memfd */
	struct kvmw_ring_setup s;
	struct prod p[MAX_CPUS];
	struct kvmw_ring *r;
};

/* What the callback saw. */
struct seen {
	unsigned int n, bad;
	unsigned int cpu[MAX_SEEN];
	u64 seq[MAX_SEEN], time[MAX_SEEN];
	int stop_at;			/* return -42 at this record, or -1 */
	/* Run the producer of cpu lap_cpu at record lap_at, lap_n records. */
	int lap_at;
	unsigned int lap_cpu, lap_n, lap_size;
	struct rig *rig;
};

/* Record sizes cycle through every legal size, 40 to 256 bytes. */
static u16 size_of_seq(u64 seq)
{
	return 40 + 8 * (u16)((seq * 5) % 28);
}

/*
 * Payload word i of record @seq. Bits 16-31 are all ones, so a header read
 * from the middle of a record has size 0xffff: invalid, never delivered.
 */
static u64 payload_word(u64 seq, unsigned int i)
{
	return seq << 32 | 0xffff0000ULL | i;
}

static void build(u64 *buf, u16 size, u64 seq, u64 time, unsigned int cpu)
{
	struct kvmw_ev *ev = (struct kvmw_ev *)buf;
	unsigned int i;

	memset(buf, 0, size);
	ev->type = KVMW_EV_TYPE_TEST;
	ev->size = size;
	ev->vcpu_id = cpu;
	ev->seq = seq;
	ev->time_ns = time;
	ev->vm = 1000 + cpu;
	ev->pid = 100;
	ev->tid = 200 + cpu;
	for (i = 0; i < (size - sizeof(*ev)) / 8; i++)
		buf[5 + i] = payload_word(seq, i);
}

static bool record_ok(unsigned int cpu, const struct kvmw_ev *ev)
{
	const u64 *w = (const u64 *)ev;
	unsigned int i;

	if (ev->type != KVMW_EV_TYPE_TEST || ev->vcpu_id != cpu ||
	    ev->vm != 1000 + cpu || ev->pid != 100 ||
	    ev->tid != (int)(200 + cpu) || ev->size < sizeof(*ev) ||
	    ev->size > KVMW_EV_MAX_SIZE || ev->size % 8)
		return false;
	for (i = 0; i < (ev->size - sizeof(*ev)) / 8; i++)
		if (w[5 + i] != payload_word(ev->seq, i))
			return false;
	return true;
}

static void prod_bytes(struct prod *p, u64 pos, const void *src, size_t len)
{
	size_t off = pos & (p->size - 1), first = p->size - off;

	if (first > len)
		first = len;
	memcpy(p->data + off, src, first);
	memcpy(p->data, (const unsigned char *)src + first, len - first);
}

static u16 prod_size_at(struct prod *p, u64 pos)
{
	struct kvmw_ev h;
	size_t off = pos & (p->size - 1), first = p->size - off;

	if (first > sizeof(h))
		first = sizeof(h);
	memcpy(&h, p->data + off, first);
	memcpy((unsigned char *)&h + first, p->data, sizeof(h) - first);
	return h.size;
}

/* Write raw bytes as the next record (its header says what it says). */
static bool prod_raw(struct prod *p, const void *rec, u16 len)
{
	if (!p->overwrite) {
		u64 tail = __atomic_load_n(&p->ctrl->data_tail,
					   __ATOMIC_ACQUIRE);

		if (p->head + len - tail > p->size) {
			p->lost++;
			p->seq++;
			__atomic_store_n(&p->ctrl->lost, p->lost,
					 __ATOMIC_RELAXED);
			__atomic_store_n(&p->ctrl->seq_next, p->seq,
					 __ATOMIC_RELEASE);
			return false;
		}
	} else {
		/* Free the space first: oldest moves before the data. */
		while (p->head + len - p->oldest > p->size)
			p->oldest += prod_size_at(p, p->oldest);
		__atomic_store_n(&p->ctrl->oldest, p->oldest,
				 __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_RELEASE);
	}
	prod_bytes(p, p->head, rec, len);
	p->seq++;
	p->head += len;
	__atomic_store_n(&p->ctrl->seq_next, p->seq, __ATOMIC_RELEASE);
	__atomic_store_n(&p->ctrl->data_head, p->head, __ATOMIC_RELEASE);
	return true;
}

static bool prod_write(struct prod *p, unsigned int cpu, u16 size, u64 time)
{
	u64 buf[KVMW_EV_MAX_SIZE / 8];

	build(buf, size, p->seq, time, cpu);
	return prod_raw(p, buf, size);
}

/* Records lost by the kernel without taking space (the seq moves). */
static void prod_skip(struct prod *p, u64 n)
{
	p->seq += n;
	__atomic_store_n(&p->ctrl->seq_next, p->seq, __ATOMIC_RELEASE);
}

static int count_maps(const char *perms)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, MEMFD_NAME) && strstr(line, perms))
			n++;
	fclose(f);
	return n;
}

/*
 * A memfd holding @nr rings of @pages data pages, positions starting at
 * @start; mapped by the reader (kvmw_ring_map) unless @no_map.
 */
static bool rig_init(struct rig *g, unsigned int nr, unsigned int pages,
		     bool overwrite, u64 start, bool no_map)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int i;
	int err;

	memset(g, 0, sizeof(*g));
	g->s = (struct kvmw_ring_setup){
		.size = sizeof(g->s),
		.flags = overwrite ? KVMW_RING_OVERWRITE : 0,
		.data_pages = pages,
		.watermark = 64,
		.nr_rings = nr,
		.page_size = (u32)page,
		.data_size = (u64)pages * page,
		.mmap_stride = (u64)(pages + 1) * page,
	};
	g->len = nr * g->s.mmap_stride;
	g->fd = memfd_create(MEMFD_NAME, MFD_CLOEXEC);
	if (g->fd < 0 || ftruncate(g->fd, g->len))
		return false;
	g->map = mmap(NULL, g->len, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd,
		      0);
	if (g->map == MAP_FAILED)
		return false;
	for (i = 0; i < nr; i++) {
		struct prod *p = &g->p[i];

		p->ctrl = (void *)(g->map + i * g->s.mmap_stride);
		p->data = g->map + i * g->s.mmap_stride + page;
		p->size = g->s.data_size;
		p->overwrite = overwrite;
		p->head = p->oldest = start;
		p->ctrl->version = KVMW_RING_CTRL_VERSION;
		p->ctrl->flags = g->s.flags;
		p->ctrl->cpu = i;
		p->ctrl->data_size = p->size;
		p->ctrl->data_head = start;
		p->ctrl->oldest = start;
		p->ctrl->data_tail = start;
	}
	if (no_map)
		return true;
	err = kvmw_ring_map(g->fd, &g->s, &g->r);
	return !err;
}

static void rig_free(struct rig *g)
{
	kvmw_ring_close(g->r);
	if (g->map && g->map != MAP_FAILED)
		munmap(g->map, g->len);
	if (g->fd >= 0)
		close(g->fd);
}

static int on_record(void *arg, unsigned int cpu, const struct kvmw_ev *ev)
{
	struct seen *s = arg;
	unsigned int i;

	if ((uintptr_t)ev % 8 || !record_ok(cpu, ev))
		s->bad++;
	if (s->n < MAX_SEEN) {
		s->cpu[s->n] = cpu;
		s->seq[s->n] = ev->seq;
		s->time[s->n] = ev->time_ns;
	}
	s->n++;
	if (s->lap_at >= 0 && s->n == (unsigned int)s->lap_at + 1) {
		struct prod *p = &s->rig->p[s->lap_cpu];

		for (i = 0; i < s->lap_n; i++)
			prod_write(p, s->lap_cpu, s->lap_size, 1);
	}
	if (s->stop_at >= 0 && s->n == (unsigned int)s->stop_at + 1)
		return -42;
	return 0;
}

static void seen_init(struct seen *s, struct rig *g)
{
	memset(s, 0, sizeof(*s));
	s->stop_at = -1;
	s->lap_at = -1;
	s->rig = g;
}

/* produced == received + missed, and the values expected. */
static void check_stats(struct rig *g, unsigned int cpu, u64 produced,
			u64 received, u64 missed, u64 lost, u64 torn,
			const char *what)
{
	struct kvmw_ring_cpu_stats st;

	kvmw_ring_cpu_stats(g->r, cpu, &st);
	tap_eq_u64(st.produced, produced, "%s: produced", what);
	tap_eq_u64(st.received, received, "%s: received", what);
	tap_eq_u64(st.missed, missed, "%s: missed", what);
	tap_eq_u64(st.lost, lost, "%s: lost", what);
	tap_eq_u64(st.torn, torn, "%s: torn", what);
	tap_ok(st.produced == st.received + st.missed,
	       "%s: produced == received + missed", what);
}

static void test_map(void)
{
	int rw0 = count_maps("rw-s"), ro0 = count_maps("r--s");
	struct kvmw_ring_setup bad;
	struct kvmw_ring *r;
	struct rig g;

	tap_ok(rig_init(&g, 3, 2, false, 0, false), "map: 3 rings mapped");
	tap_eq_u64(kvmw_ring_nr_cpus(g.r), 3, "map: nr_cpus is nr_rings");
	/* The producer's own view is one more rw-s mapping. */
	tap_eq_u64(count_maps("rw-s") - rw0, 3 + 1,
		   "map: a read-write mapping per control page");
	tap_eq_u64(count_maps("r--s") - ro0, 3,
		   "map: a read-only mapping per data area");
	kvmw_ring_close(g.r);
	g.r = NULL;
	tap_eq_u64(count_maps("r--s") - ro0, 0, "map: close unmaps the data");
	tap_eq_u64(count_maps("rw-s") - rw0, 1,
		   "map: close unmaps the control pages");

	/* A control page that does not match: -EPROTO, nothing left. */
	g.p[2].ctrl->version = 2;
	tap_eq_u64((u64)kvmw_ring_map(g.fd, &g.s, &r), (u64)-EPROTO,
		   "map: bad control page version is -EPROTO");
	tap_ok(!r, "map: no ring on error");
	tap_eq_u64(count_maps("r--s") - ro0, 0,
		   "map: error leaves no data mapping");
	tap_eq_u64(count_maps("rw-s") - rw0, 1,
		   "map: error leaves no control mapping");
	g.p[2].ctrl->version = KVMW_RING_CTRL_VERSION;
	g.p[1].ctrl->cpu = 0;
	tap_eq_u64((u64)kvmw_ring_map(g.fd, &g.s, &r), (u64)-EPROTO,
		   "map: control page of another CPU is -EPROTO");
	g.p[1].ctrl->cpu = 1;
	g.p[0].ctrl->flags = KVMW_RING_OVERWRITE;
	tap_eq_u64((u64)kvmw_ring_map(g.fd, &g.s, &r), (u64)-EPROTO,
		   "map: control page in another mode is -EPROTO");
	g.p[0].ctrl->flags = 0;
	g.p[0].ctrl->data_size = 4096;
	tap_eq_u64((u64)kvmw_ring_map(g.fd, &g.s, &r), (u64)-EPROTO,
		   "map: control page of another size is -EPROTO");
	g.p[0].ctrl->data_size = g.s.data_size;

	/* Setups the reader cannot walk safely. */
	bad = g.s;
	bad.data_size = 3 * g.s.page_size;
	bad.data_pages = 3;
	tap_eq_u64((u64)kvmw_ring_map(g.fd, &bad, &r), (u64)-EPROTO,
		   "map: data size not a power of two is -EPROTO");
	bad = g.s;
	bad.data_pages = 4;
	tap_eq_u64((u64)kvmw_ring_map(g.fd, &bad, &r), (u64)-EPROTO,
		   "map: data_size != data_pages * page_size is -EPROTO");
	bad = g.s;
	bad.mmap_stride = g.s.data_size;
	tap_eq_u64((u64)kvmw_ring_map(g.fd, &bad, &r), (u64)-EPROTO,
		   "map: stride smaller than page + data is -EPROTO");
	bad = g.s;
	bad.nr_rings = 0;
	tap_eq_u64((u64)kvmw_ring_map(g.fd, &bad, &r), (u64)-EPROTO,
		   "map: no rings is -EPROTO");
	bad = g.s;
	bad.size = KVMW_RING_SETUP_SIZE_VER0 - 8;
	tap_eq_u64((u64)kvmw_ring_map(g.fd, &bad, &r), (u64)-EPROTO,
		   "map: a setup shorter than its first version is -EPROTO");
	tap_eq_u64(count_maps("r--s") - ro0, 0,
		   "map: refused setups map nothing");
	rig_free(&g);
}

/* Many records of every size, drained in batches: they wrap many times. */
static void test_discard_wrap(u64 start, const char *what)
{
	struct kvmw_ring_cpu_stats st;
	struct seen *s = malloc(sizeof(*s));
	u64 written = 0, delivered = 0;
	unsigned int round, i, order_bad = 0;
	struct rig g;
	long n;

	if (!s || !rig_init(&g, 1, 2, false, start, false)) {
		tap_ok(false, "%s: set up", what);
		free(s);
		return;
	}
	for (round = 0; round < 200; round++) {
		seen_init(s, &g);
		/* 5 to 40 records a round, never more than fits. */
		for (i = 0; i < 5 + round % 36; i++)
			written += prod_write(&g.p[0], 0, size_of_seq(g.p[0].seq),
					      g.p[0].seq * 10);
		n = kvmw_ring_drain(g.r, on_record, s);
		if (n != (long)s->n || s->bad)
			break;
		for (i = 0; i < s->n; i++)
			order_bad += s->seq[i] != delivered + i;
		delivered += s->n;
		if (g.p[0].ctrl->data_tail != g.p[0].head)
			break;
	}
	tap_eq_u64(round, 200, "%s: 200 rounds, each delivering exact copies "
		   "and storing data_tail = data_head", what);
	tap_eq_u64(order_bad, 0, "%s: records in ring order", what);
	tap_eq_u64(delivered, written, "%s: every record delivered", what);
	tap_ok(g.p[0].head - start > 20 * g.s.data_size,
	       "%s: the ring wrapped more than 20 times", what);
	check_stats(&g, 0, written, written, 0, 0, 0, what);
	kvmw_ring_stats(g.r, &st);
	tap_eq_u64(st.received, written, "%s: summed stats", what);
	rig_free(&g);
	free(s);
}

static void test_discard_lost(void)
{
	struct seen s;
	u64 fit = 0, lost = 0;
	struct rig g;
	long n;

	rig_init(&g, 1, 2, false, 0, false);
	seen_init(&s, &g);
	/* 8 KiB of 256-byte records: 32 fit, the next ones are lost. */
	while (fit + lost < 40)
		prod_write(&g.p[0], 0, 256, 1) ? fit++ : lost++;
	tap_eq_u64(fit, g.s.data_size / 256, "lost: a full ring holds 32");
	n = kvmw_ring_drain(g.r, on_record, &s);
	tap_eq_u64(n, 32, "lost: drain delivers what fit");
	tap_eq_u64(s.bad, 0, "lost: exact copies");
	/* Lost at the end of the ring: no gap seen yet, still missed. */
	check_stats(&g, 0, 40, 32, 8, 8, 0, "lost, trailing");

	/* Space again: the next record shows the gap. */
	prod_write(&g.p[0], 0, 64, 2);
	seen_init(&s, &g);
	n = kvmw_ring_drain(g.r, on_record, &s);
	tap_ok(n == 1 && s.seq[0] == 40, "lost: next record has seq 40");
	check_stats(&g, 0, 41, 33, 8, 8, 0, "lost, then a gap");
	rig_free(&g);
}

static void test_seq_gaps(void)
{
	struct seen s;
	struct rig g;
	long n;

	rig_init(&g, 1, 2, false, 0, false);
	seen_init(&s, &g);
	/* Before the first record seen: 5; then a gap of 3. */
	prod_skip(&g.p[0], 5);
	prod_write(&g.p[0], 0, 48, 1);
	prod_write(&g.p[0], 0, 48, 2);
	prod_skip(&g.p[0], 3);
	prod_write(&g.p[0], 0, 48, 3);
	n = kvmw_ring_drain(g.r, on_record, &s);
	tap_ok(n == 3 && s.seq[0] == 5 && s.seq[1] == 6 && s.seq[2] == 10,
	       "gaps: seqs 5, 6, 10 delivered");
	check_stats(&g, 0, 11, 3, 8, 0, 0, "gaps");

	/* A seq past what seq_next says: counted up to the highest seen. */
	{
		u64 rec[6];
		struct kvmw_ring_cpu_stats st;

		build(rec, 48, 20, 4, 0);
		prod_raw(&g.p[0], rec, 48);
		seen_init(&s, &g);
		n = kvmw_ring_drain(g.r, on_record, &s);
		kvmw_ring_cpu_stats(g.r, 0, &st);
		tap_ok(n == 1 && st.produced == 12 && st.received == 4 &&
		       st.missed == 17,
		       "gaps: seq 20 with seq_next 12: missed up to seq 20");
	}
	rig_free(&g);
}

static void test_stop(void)
{
	struct seen s;
	struct rig g;
	unsigned int i;
	long n;

	rig_init(&g, 2, 2, false, 0, false);
	for (i = 0; i < 6; i++)
		prod_write(&g.p[0], 0, 64, i);
	for (i = 0; i < 6; i++)
		prod_write(&g.p[1], 1, 64, i);
	seen_init(&s, &g);
	s.stop_at = 2;
	n = kvmw_ring_drain(g.r, on_record, &s);
	tap_eq_u64((u64)n, (u64)-42, "stop: the callback's value is returned");
	tap_eq_u64(g.p[0].ctrl->data_tail, 3 * 64,
		   "stop: data_tail covers the 3 records delivered");
	tap_eq_u64(g.p[1].ctrl->data_tail, 0, "stop: other CPUs untouched");
	seen_init(&s, &g);
	n = kvmw_ring_drain(g.r, on_record, &s);
	tap_ok(n == 9 && s.seq[0] == 3 && s.cpu[0] == 0 && s.cpu[3] == 1 &&
	       s.seq[3] == 0, "stop: the next drain resumes after them");
	check_stats(&g, 0, 6, 6, 0, 0, 0, "stop, cpu0");
	check_stats(&g, 1, 6, 6, 0, 0, 0, "stop, cpu1");

	for (i = 0; i < 4; i++)
		prod_write(&g.p[i % 2], i % 2, 64, 100 + i);
	seen_init(&s, &g);
	s.stop_at = 0;
	n = kvmw_ring_drain_sorted(g.r, on_record, &s);
	tap_eq_u64((u64)n, (u64)-42, "stop, sorted: callback's value");
	tap_eq_u64(g.p[0].ctrl->data_tail, 7 * 64,
		   "stop, sorted: the delivered record is consumed");
	tap_eq_u64(g.p[1].ctrl->data_tail, 6 * 64,
		   "stop, sorted: the other ring keeps its records");
	rig_free(&g);
}

/* Fill the ring up to position @to with records of legal sizes. */
static void fill_to(struct prod *p, unsigned int cpu, u64 to)
{
	while (p->head < to) {
		u64 left = to - p->head;
		u16 size = left <= 256 ? left : left - 256 >= 40 ? 256 : 200;

		prod_write(p, cpu, size, 1);
	}
}

/*
 * A record whose header says @size, put across the end of the data area:
 * -EPROTO, nothing delivered, nothing consumed, nothing read out of bounds.
 */
static void check_garbage(u16 size, const char *what)
{
	u64 rec[KVMW_EV_MAX_SIZE / 8];
	u64 at;
	struct prod *p;
	struct seen s;
	struct rig g;
	long n;

	rig_init(&g, 1, 2, false, 0, false);
	p = &g.p[0];
	at = g.s.data_size - 16;
	fill_to(p, 0, at);
	seen_init(&s, &g);
	n = kvmw_ring_drain(g.r, on_record, &s);
	build(rec, 48, p->seq, 2, 0);
	((struct kvmw_ev *)rec)->size = size;
	prod_raw(p, rec, 48);
	prod_write(p, 0, 48, 3);
	seen_init(&s, &g);
	n = kvmw_ring_drain(g.r, on_record, &s);
	tap_eq_u64((u64)n, (u64)-EPROTO, "garbage %s: -EPROTO", what);
	tap_eq_u64(s.n, 0, "garbage %s: nothing delivered", what);
	tap_eq_u64(g.p[0].ctrl->data_tail, at,
		   "garbage %s: data_tail stays before it", what);
	n = kvmw_ring_drain_sorted(g.r, on_record, &s);
	tap_eq_u64((u64)n, (u64)-EPROTO, "garbage %s: sorted too", what);
	tap_eq_u64(g.p[0].ctrl->data_tail, at,
		   "garbage %s: sorted leaves data_tail", what);
	rig_free(&g);
}

static void test_garbage(void)
{
	struct rig g;
	struct seen s;
	long n;

	check_garbage(0, "size 0");
	check_garbage(32, "size 32 < header");
	check_garbage(44, "size not a multiple of 8");
	check_garbage(264, "size > KVMW_EV_MAX_SIZE");
	check_garbage(0xfff8, "size 0xfff8");
	/* A legal size, but the record would run past data_head. */
	check_garbage(200, "size past data_head");

	rig_init(&g, 1, 2, false, 0, false);
	seen_init(&s, &g);
	g.p[0].ctrl->data_head = g.s.data_size + 8;
	n = kvmw_ring_drain(g.r, on_record, &s);
	tap_eq_u64((u64)n, (u64)-EPROTO,
		   "garbage: data_head more than data_size ahead is -EPROTO");
	g.p[0].ctrl->data_head = (u64)-8;
	n = kvmw_ring_drain(g.r, on_record, &s);
	tap_eq_u64((u64)n, (u64)-EPROTO,
		   "garbage: data_head behind data_tail is -EPROTO");
	g.p[0].ctrl->data_head = 24;
	n = kvmw_ring_drain(g.r, on_record, &s);
	tap_eq_u64((u64)n, (u64)-EPROTO,
		   "garbage: less than a header complete is -EPROTO");
	tap_eq_u64(s.n, 0, "garbage: nothing delivered");
	rig_free(&g);
}

/* The producer goes around the ring several times before a drain. */
static void test_overwrite_lap(u64 start, const char *what)
{
	struct seen *s = malloc(sizeof(*s));
	unsigned int i, order_bad = 0;
	struct rig g;
	u64 written;
	long n;

	if (!s || !rig_init(&g, 1, 2, true, start, false)) {
		tap_ok(false, "%s: set up", what);
		free(s);
		return;
	}
	seen_init(s, &g);
	for (i = 0; i < 500; i++)
		prod_write(&g.p[0], 0, size_of_seq(i), i);
	written = 500;
	n = kvmw_ring_drain(g.r, on_record, s);
	tap_ok(n > 0 && (u64)n == s->n && s->bad == 0,
	       "%s: %ld exact records delivered", what, n);
	for (i = 0; i < s->n; i++)
		order_bad += s->seq[i] != written - s->n + i;
	tap_eq_u64(order_bad, 0, "%s: the newest records, in order", what);
	check_stats(&g, 0, written, n, written - n, 0, 0, what);
	tap_eq_u64(g.p[0].ctrl->data_tail, g.p[0].head,
		   "%s: data_tail is the reader's position (for poll)", what);

	/* Caught up: the next drain gets exactly the new ones. */
	seen_init(s, &g);
	for (i = 500; i < 510; i++)
		prod_write(&g.p[0], 0, size_of_seq(i), i);
	n = kvmw_ring_drain(g.r, on_record, s);
	tap_ok(n == 10 && s->seq[0] == 500 && s->seq[9] == 509 && !s->bad,
	       "%s: then the 10 new records", what);
	rig_free(&g);
	free(s);
}

/*
 * The producer laps the reader while it is inside a drain (from the
 * callback): the record under the cursor is overwritten before it is
 * copied. @size decides what the cursor then finds: a record boundary
 * (a valid-looking newer header: caught after the copy) or the middle
 * of a record (an invalid header: caught when peeked).
 */
static void test_overwrite_torn(u16 size, const char *what)
{
	struct seen *s = malloc(sizeof(*s));
	unsigned int i, bad_order = 0;
	struct rig g;
	long n, n2;

	if (!s || !rig_init(&g, 1, 2, true, 0, false)) {
		tap_ok(false, "%s: set up", what);
		free(s);
		return;
	}
	/* 8 KiB of 64-byte records: 128, the ring exactly full. */
	for (i = 0; i < 128; i++)
		prod_write(&g.p[0], 0, 64, i);
	seen_init(s, &g);
	s->lap_at = 3;			/* after the 4th record delivered */
	s->lap_cpu = 0;
	s->lap_n = (u32)(g.s.data_size / size) + 2;
	s->lap_size = size;
	n = kvmw_ring_drain(g.r, on_record, s);
	tap_eq_u64(s->bad, 0, "%s: no torn copy delivered", what);
	tap_eq_u64(n, 4, "%s: the drain stops at the lap (4 delivered)",
		   what);
	n2 = n;
	seen_init(s, &g);
	n = kvmw_ring_drain(g.r, on_record, s);
	tap_ok(n > 0 && !s->bad, "%s: next drain: %ld exact records", what,
	       n);
	for (i = 1; i < s->n; i++)
		bad_order += s->seq[i] != s->seq[i - 1] + 1;
	tap_ok(!bad_order && s->seq[s->n - 1] == g.p[0].seq - 1,
	       "%s: consecutive, up to the newest", what);
	check_stats(&g, 0, g.p[0].seq, n + n2, g.p[0].seq - n - n2, 0, 1,
		    what);
	rig_free(&g);
	free(s);
}

static void test_sorted(void)
{
	/* cpu, time: CPU 2's times go backwards once (a nested writer). */
	static const struct { unsigned int cpu; u64 time; } w[] = {
		{ 0, 10 }, { 1, 5 }, { 2, 7 }, { 0, 20 }, { 1, 20 },
		{ 2, 30 }, { 2, 6 }, { 0, 25 }, { 1, 40 }, { 2, 40 },
	};
	static const struct { unsigned int cpu; u64 time; } want[] = {
		{ 1, 5 }, { 2, 7 }, { 0, 10 }, { 0, 20 }, { 1, 20 },
		{ 0, 25 }, { 2, 30 }, { 2, 6 }, { 1, 40 }, { 2, 40 },
	};
	unsigned int i, wrong = 0;
	struct seen s;
	struct rig g;
	long n;

	rig_init(&g, 3, 2, false, 0, false);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		prod_write(&g.p[w[i].cpu], w[i].cpu, 48, w[i].time);
	seen_init(&s, &g);
	n = kvmw_ring_drain_sorted(g.r, on_record, &s);
	tap_eq_u64(n, ARRAY_SIZE(w), "sorted: all delivered");
	for (i = 0; i < ARRAY_SIZE(want) && i < s.n; i++)
		wrong += s.cpu[i] != want[i].cpu || s.time[i] != want[i].time;
	tap_eq_u64(wrong, 0, "sorted: by time, ties to the lower CPU, "
		   "each CPU in ring order");
	tap_ok(g.p[0].ctrl->data_tail == g.p[0].head &&
	       g.p[1].ctrl->data_tail == g.p[1].head &&
	       g.p[2].ctrl->data_tail == g.p[2].head,
	       "sorted: every ring's data_tail stored");

	/* Overwrite mode: sorted, with a lap in the middle. */
	rig_free(&g);
	rig_init(&g, 2, 2, true, 0, false);
	for (i = 0; i < 128; i++) {
		prod_write(&g.p[0], 0, 64, 2 * i);
		prod_write(&g.p[1], 1, 64, 2 * i + 1);
	}
	seen_init(&s, &g);
	s.lap_at = 10;
	s.lap_cpu = 1;
	s.lap_n = 130;
	s.lap_size = 64;
	n = kvmw_ring_drain_sorted(g.r, on_record, &s);
	for (i = 1, wrong = 0; i < s.n; i++)
		wrong += s.time[i] < s.time[i - 1];
	tap_ok(n > 128 && !s.bad, "sorted, overwrite: %ld exact records", n);
	tap_eq_u64(wrong, 0, "sorted, overwrite: in time order");
	check_stats(&g, 0, 128, 128, 0, 0, 0, "sorted, overwrite, cpu0");
	{
		struct kvmw_ring_cpu_stats st;

		kvmw_ring_cpu_stats(g.r, 1, &st);
		tap_ok(st.torn == 1 && st.produced == 258 &&
		       st.produced == st.received + st.missed,
		       "sorted, overwrite: cpu1 torn once, counts add up "
		       "(%llu = %llu + %llu)",
		       (unsigned long long)st.produced,
		       (unsigned long long)st.received,
		       (unsigned long long)st.missed);
	}
	{
		struct kvmw_ring_cpu_stats st = { .produced = 1 };

		kvmw_ring_cpu_stats(g.r, 7, &st);
		tap_ok(!st.produced && !st.received && !st.missed,
		       "stats of a CPU out of range: zeros");
	}
	rig_free(&g);
}

void test_ring(void)
{
	test_map();
	test_discard_wrap(0, "discard wrap");
	/* Positions about to wrap around 2^64. */
	test_discard_wrap(-(u64)20000, "discard wrap at 2^64");
	test_discard_lost();
	test_seq_gaps();
	test_stop();
	test_garbage();
	test_overwrite_lap(0, "overwrite lap");
	test_overwrite_lap(-(u64)3000, "overwrite lap at 2^64");
	test_overwrite_torn(64, "torn at a boundary");
	test_overwrite_torn(72, "torn mid-record");
	test_sorted();
}
