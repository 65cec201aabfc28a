// SPDX-License-Identifier: GPL-2.0
/*
 * Loss accounting of the event rings, exactly, under overload.
 *
 * KVMW_IOC_TEST_EVENTS (module loaded with test_events=1) writes TEST
 * records into the caller's CPU's ring of its file as fast as it can, and
 * with KVMW_TEST_NESTED also from an hrtimer that interrupts that loop. A
 * producer pinned to CPU 0 writes millions of records of varying sizes
 * into a ring of a few pages while a reader pinned to CPU 1 drains it,
 * stalling once for 100 ms in the middle. Then, in discard and overwrite
 * mode, with and without the nested producer:
 *  - every record received is whole: type, size (a multiple of 8 that
 *    matches its index), per-producer index strictly increasing, every
 *    check word exact; seqs strictly increasing;
 *  - produced (seq_next) = loop count + nested count = received + missed,
 *    missed being the seq gaps (with those before the first record and
 *    after the last); discard mode: missed = lost > 0, and the stall lost
 *    records; overwrite mode: lost = 0, torn copies thrown away are among
 *    the missed, and the stall made the reader miss records;
 *  - the same holds per producer, from the indexes and the counts the
 *    ioctl returns;
 *  - once everything is read, poll() has nothing to report.
 * The loop's rate is printed, not asserted: it is a speed, and speeds are
 * measured by bench/ring-rate.sh (1.5-4.6 million records/s under TCG),
 * not by tests a busy host could fail. What the test needs of the rate,
 * that the producer outruns the stalled reader, is asserted instead.
 * Also every error of KVMW_IOC_RING_SETUP, mmap and KVMW_IOC_TEST_EVENTS,
 * each shown to change nothing; poll() against the watermark; a reader's
 * garbage data_tail or control fields, which only make its own ring
 * lose; and rings outliving their file while mapped.
 *
 * The ring is read by ring_loss_reader.h, a reader written from the uapi
 * header alone, not by the tool's library.
 *
 * Usage: test_ring_loss [--count N] [--period NS] [--loss-only]
 *                                     all of it (needs test_events=1): N
 *                                     records per run, the hrtimer's
 *                                     period NS; --loss-only: the four
 *                                     loss runs alone (bench/ring-rate.sh)
 *        test_ring_loss --eperm       module loaded without test_events:
 *                                     KVMW_IOC_TEST_EVENTS is refused
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ring_loss_reader.h"

#define DEV		"/dev/" KVMW_DEVICE_NAME
#define PARAM		"/sys/module/kvmwatch/parameters/test_events"
#define TEST_HDR	sizeof(struct kvmw_ev_test)	/* 56 */
#define GOLDEN		0x9e3779b97f4a7c15ULL
#define LOSS_PAGES	4		/* 16 KiB: the stall must overflow it */
#define LOSS_COUNT	3000000ULL	/* records per run, by default */
#define STALL_NS	100000000ULL	/* the reader's one stall */
/*
 * ns between the hrtimer's records: 20,000 interrupts a second. Under TCG
 * an interrupt costs the loop far more than on hardware: at 20 us the loop
 * fell to 540,000-920,000 records/s here, at 50 us it kept 1.2-1.7 M/s.
 */
#define NESTED_PERIOD	50000ULL
#define REST_NS		2000000		/* the reader's rest between drains */
#define MAX_BAD		10		/* bad records described, per check */

#define ull(x)		((unsigned long long)(x))

static int failures;
static long page;
static const char *tag = "";	/* which loss run, in its checks */

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok: %s", tag);					\
	} else {							\
		printf("FAIL (%s:%d): %s", __FILE__, __LINE__, tag);	\
		failures++;						\
	}								\
	printf(__VA_ARGS__);						\
	putchar('\n');							\
} while (0)

static void eq(int line, const char *what, unsigned long long got,
	       unsigned long long want)
{
	if (got == want) {
		printf("ok: %s%s = %llu\n", tag, what, got);
		return;
	}
	printf("FAIL (%s:%d): %s%s: got %llu, want %llu\n", __FILE__, line,
	       tag, what, got, want);
	failures++;
}

#define EQ(what, got, want)	eq(__LINE__, what, got, want)

#define NOTE(...) do {							\
	printf("# %s", tag);						\
	printf(__VA_ARGS__);						\
	putchar('\n');							\
} while (0)

static void die(const char *what)
{
	printf("FAIL (fatal): %s: %s\n", what, strerror(errno));
	exit(1);
}

static __u64 nested_period = NESTED_PERIOD;

static __u64 now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* Pin the calling thread. */
static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/* Allow the calling thread every online CPU. */
static void unpin(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	for (long i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open " DEV);
	return fd;
}

static struct kvmw_test_events te(__u64 count, __u32 words, __u32 flags,
				  __u64 period)
{
	struct kvmw_test_events t;

	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.flags = flags;
	t.count = count;
	t.words = words;
	t.nested_period_ns = period;
	return t;
}

/* KVMW_IOC_TEST_EVENTS: 0 or the errno. */
static int test_events(int fd, void *arg)
{
	errno = 0;
	return ioctl(fd, KVMW_IOC_TEST_EVENTS, arg) ? errno : 0;
}

/* mmap() and unmap at once: 0 or the errno. */
static int try_mmap(int fd, size_t len, int prot, off_t off)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

static const char *err_name(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "success";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case ENXIO: return "ENXIO";
	case EFAULT: return "EFAULT";
	case E2BIG: return "E2BIG";
	case EACCES: return "EACCES";
	case ENODEV: return "ENODEV";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

#define EXPECT_ERR(got, want, ...) do {					\
	int g_ = (got);							\
									\
	printf("%s%s", g_ == (want) ? "ok: " : "FAIL: ", tag);		\
	printf(__VA_ARGS__);						\
	printf(" -> %s", err_name(g_));					\
	if (g_ != (want))						\
		printf(", want %s", err_name(want));			\
	putchar('\n');							\
	failures += g_ != (want);					\
} while (0)

/* Possible CPUs from sysfs: nr_cpu_ids and the holes below it. */
static unsigned int nr_cpu_ids_;
static bool possible[4096];

static void read_possible(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	unsigned int a, b;
	char sep;

	if (!f)
		die("/sys/devices/system/cpu/possible");
	while (fscanf(f, "%u", &a) == 1) {
		b = a;
		sep = (char)fgetc(f);
		if (sep == '-') {
			if (fscanf(f, "%u", &b) != 1)
				break;
			sep = (char)fgetc(f);
		}
		for (; a <= b && a < 4096; a++)
			possible[a] = true;
		if (b + 1 > nr_cpu_ids_)
			nr_cpu_ids_ = b + 1;
		if (sep != ',')
			break;
	}
	fclose(f);
}

/* ---- checking TEST records ---- */

/*
 * What the records of one ring must look like. Indexes restart at 0 with
 * every ioctl call (chk_call()).
 */
struct chk {
	__u32 words;		/* of the call */
	bool nested;		/* producer 1 may write */
	bool seq_is_index;	/* producer 0 alone: seq = seq_base + index */
	__u64 seq_base;
	__u64 t0;		/* no record is older */
	__u64 next_index[2];
	__u64 received[2];
	__u64 last_time[2];
	__u64 max_time;
	__u64 bad;
};

static void chk_call(struct chk *c, __u32 words, bool nested, __u64 seq_base)
{
	memset(c, 0, sizeof(*c));
	c->words = words;
	c->nested = nested;
	c->seq_is_index = !nested;
	c->seq_base = seq_base;
	c->t0 = now_ns();
}

static void bad_rec(struct chk *c, const struct kvmw_ev *ev, const char *why,
		    unsigned long long got, unsigned long long want)
{
	if (c->bad++ < MAX_BAD)
		printf("FAIL: %srecord seq %llu size %u: %s: %llu, want %llu\n",
		       tag, ull(ev->seq), ev->size, why, got, want);
}

#define BAD(why, got, want) do {					\
	bad_rec(c, ev, why, got, want);					\
	return;								\
} while (0)

static void check_rec(void *arg, const struct kvmw_ev *ev)
{
	const struct kvmw_ev_test *t = (const void *)ev;
	struct chk *c = arg;
	__u32 p, w;

	if (ev->type != KVMW_EV_TYPE_TEST)
		BAD("type", ev->type, KVMW_EV_TYPE_TEST);
	if (ev->size < TEST_HDR)
		BAD("size", ev->size, TEST_HDR);
	p = t->producer;
	if (p > (c->nested ? 1U : 0U))
		BAD("producer", p, 0);
	if (t->index < c->next_index[p])
		BAD("index (not increasing)", t->index, c->next_index[p]);
	c->next_index[p] = t->index + 1;
	w = (__u32)(t->index % (c->words + 1));
	if (t->words != w)
		BAD("words", t->words, w);
	if (ev->size != TEST_HDR + 8 * w)
		BAD("size for its index", ev->size, TEST_HDR + 8 * w);
	for (__u32 i = 0; i < w; i++)
		if (t->check[i] != t->index * GOLDEN + i)
			BAD("check word (torn)", t->check[i],
			    t->index * GOLDEN + i);
	if (ev->vcpu_id != KVMW_EV_NO_VCPU)
		BAD("vcpu_id", ev->vcpu_id, KVMW_EV_NO_VCPU);
	if (ev->vm != 0)
		BAD("vm", ev->vm, 0);
	if (p == 0 && c->seq_is_index && ev->seq != c->seq_base + t->index)
		BAD("seq (one producer: base + index)", ev->seq,
		    c->seq_base + t->index);
	if (ev->time_ns < c->t0 || ev->time_ns < c->last_time[p])
		BAD("time_ns (going back)", ev->time_ns,
		    c->last_time[p] > c->t0 ? c->last_time[p] : c->t0);
	c->last_time[p] = ev->time_ns;
	if (ev->time_ns > c->max_time)
		c->max_time = ev->time_ns;
	c->received[p]++;
}

/* Kernel-owned fields of a ring's control page. */
struct ring_state {
	__u64 head, seq, lost, oldest;
};

static struct ring_state state(const struct rl_ring *r)
{
	struct ring_state s = {
		.head = rl_load(&r->ctrl->data_head),
		.seq = rl_load(&r->ctrl->seq_next),
		.lost = rl_load(&r->ctrl->lost),
		.oldest = rl_load(&r->ctrl->oldest),
	};

	return s;
}

static bool same_state(const struct ring_state *a, const struct ring_state *b)
{
	return a->head == b->head && a->seq == b->seq && a->lost == b->lost &&
	       a->oldest == b->oldest;
}

/*
 * One call writing @count records into an idle ring of @fd, then read:
 * all of it received and exact, nothing lost. For the small tests.
 */
static void write_read(int fd, struct rl_ring *r, __u64 count, __u32 words,
		       const char *what)
{
	struct kvmw_test_events t = te(count, words, 0, 0);
	struct ring_state s0 = state(r);
	struct chk c;
	__u64 missed0 = r->missed;
	long n;
	int err;

	/* the reader's own count: the control page may have been scribbled on */
	chk_call(&c, words, false, r->next_seq);
	err = test_events(fd, &t);
	n = rl_drain(r, check_rec, &c);
	CHECK(!err && n == (long)count && c.received[0] == count && !c.bad &&
	      r->missed == missed0 && rl_load(&r->ctrl->lost) == s0.lost &&
	      !r->error[0],
	      "%s: %llu records written and read back exactly (%s, read %ld%s%s)",
	      what, ull(count), err_name(err), n, r->error[0] ? ": " : "",
	      r->error);
}

/* ---- without test_events=1 ---- */

static int param_test_events(void)
{
	FILE *f = fopen(PARAM, "r");
	char buf[8] = "";

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] == 'Y' || buf[0] == '1';
}

static void test_eperm(void)
{
	struct kvmw_test_events t = te(10, 0, 0, 0);
	struct kvmw_ring_setup s;
	struct rl_ring r;
	int fd = open_dev(), p = param_test_events();

	if (p < 0)
		NOTE("%s not readable: parameter state not cross-checked", PARAM);
	else
		CHECK(p == 0, "module parameter test_events is off");
	EXPECT_ERR(test_events(fd, &t), EPERM, "TEST_EVENTS without rings");
	CHECK(rl_setup(fd, 0, LOSS_PAGES, 0, &s) == 0, "RING_SETUP");
	if (rl_map(&r, fd, &s, 0)) {
		CHECK(0, "map ring 0: %s", strerror(errno));
		close(fd);
		return;
	}
	EXPECT_ERR(test_events(fd, &t), EPERM, "TEST_EVENTS with rings");
	t = te(10, 0, KVMW_TEST_NESTED, NESTED_PERIOD);
	EXPECT_ERR(test_events(fd, &t), EPERM, "TEST_EVENTS nested");
	t = te(0, 99, 0x80, 0);
	EXPECT_ERR(test_events(fd, &t), EPERM, "TEST_EVENTS with bad input");
	CHECK(!rl_load(&r.ctrl->seq_next) && !rl_load(&r.ctrl->data_head),
	      "nothing written (seq_next %llu, data_head %llu)",
	      ull(rl_load(&r.ctrl->seq_next)), ull(rl_load(&r.ctrl->data_head)));
	rl_unmap(&r);
	close(fd);
}

/* ---- KVMW_IOC_RING_SETUP ---- */

static int setup_raw(int fd, void *arg)
{
	errno = 0;
	return ioctl(fd, KVMW_IOC_RING_SETUP, arg) ? errno : 0;
}

/* The control page of every possible CPU's ring, just after setup. */
static void check_ctrls(int fd, const struct kvmw_ring_setup *s)
{
	unsigned int bad = 0, cpu;

	for (cpu = 0; cpu < s->nr_rings; cpu++) {
		volatile struct kvmw_ring_ctrl *c;

		if (cpu < 4096 && !possible[cpu])
			continue;
		c = mmap(NULL, s->page_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, (off_t)cpu * (off_t)s->mmap_stride);
		if (c == MAP_FAILED) {
			CHECK(0, "map control page of CPU %u: %s", cpu,
			      strerror(errno));
			bad++;
			continue;
		}
		if (c->version != KVMW_RING_CTRL_VERSION ||
		    c->flags != s->flags || c->cpu != cpu || c->reserved ||
		    c->data_size != s->data_size || c->data_head ||
		    c->oldest || c->seq_next || c->lost || c->data_tail) {
			CHECK(0, "ring %u control page: version %u flags %u cpu %u data_size %llu head %llu oldest %llu seq %llu lost %llu tail %llu",
			      cpu, c->version, c->flags, c->cpu,
			      ull(c->data_size), ull(c->data_head),
			      ull(c->oldest), ull(c->seq_next), ull(c->lost),
			      ull(c->data_tail));
			bad++;
		}
		munmap((void *)c, s->page_size);
	}
	CHECK(!bad, "%u control pages: version %u, flags %u, their CPU, data_size %llu, positions 0",
	      s->nr_rings, KVMW_RING_CTRL_VERSION, s->flags, ull(s->data_size));
}

static void test_setup(void)
{
	static const struct { __u32 flags, pages, wm; const char *what; } bad[] = {
		{ 0, 3, 0, "data_pages 3 (not a power of two)" },
		{ 0, 6, 0, "data_pages 6 (not a power of two)" },
		{ 0, 1, 0, "data_pages 1" },
		{ 0, KVMW_RING_PAGES_MAX * 2, 0, "data_pages above the maximum" },
		{ 0, 0x80000000U, 0, "data_pages 2^31" },
		{ 0, 0xffffffffU, 0, "data_pages 2^32-1" },
		{ 0, 4, 2 * 4096 + 8, "watermark above half (4 pages)" },
		{ 0, 0, KVMW_RING_PAGES_DEFAULT / 2 * 4096 + 8,
		  "watermark above half (default pages)" },
		{ 0, 4, 0xffffffffU, "watermark 2^32-1" },
		{ KVMW_RING_FLAGS + 1, 4, 0, "unknown flag 0x2" },
		{ 0x80000000U, 4, 0, "unknown flag 0x80000000" },
	};
	unsigned char big[sizeof(struct kvmw_ring_setup) + 16];
	struct kvmw_ring_setup *b = (void *)big, s;
	struct kvmw_test_events t = te(1, 0, 0, 0);
	int fd = open_dev(), fd2;
	size_t i;

	NOTE("== KVMW_IOC_RING_SETUP");
	if (page != 4096)
		NOTE("page size %ld: the watermark cases assume 4096", page);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERR(rl_setup(fd, bad[i].flags, bad[i].pages, bad[i].wm,
				    &s), EINVAL, "RING_SETUP %s", bad[i].what);
	memset(big, 0, sizeof(big));
	b->size = KVMW_RING_SETUP_SIZE_VER0 - 1;
	b->data_pages = 4;
	EXPECT_ERR(setup_raw(fd, b), EINVAL, "RING_SETUP size below VER0");
	b->size = sizeof(big);
	big[sizeof(big) - 1] = 1;
	EXPECT_ERR(setup_raw(fd, b), E2BIG, "RING_SETUP larger, nonzero tail");
	EXPECT_ERR(setup_raw(fd, NULL), EFAULT, "RING_SETUP NULL");
	EXPECT_ERR(setup_raw(fd, (void *)16), EFAULT, "RING_SETUP bad pointer");
	/* none of them made rings */
	EXPECT_ERR(try_mmap(fd, page, PROT_READ | PROT_WRITE, 0), ENODEV,
		   "after failed setups: mmap of a control page (no rings)");
	EXPECT_ERR(test_events(fd, &t), EINVAL,
		   "after failed setups: TEST_EVENTS (no rings)");

	/* larger struct, zero tail; watermark exactly half */
	big[sizeof(big) - 1] = 0;
	memset(big, 0, sizeof(big));
	b->size = sizeof(big);
	b->data_pages = 4;
	b->watermark = 2 * page;
	EXPECT_ERR(setup_raw(fd, b), 0,
		   "RING_SETUP 4 pages, watermark half, larger struct");
	s = *b;
	EQ("setup: size", s.size, KVMW_RING_SETUP_SIZE_VER0);
	EQ("setup: data_pages", s.data_pages, 4);
	EQ("setup: watermark", s.watermark, 2 * page);
	EQ("setup: nr_rings (nr_cpu_ids)", s.nr_rings, nr_cpu_ids_);
	EQ("setup: page_size", s.page_size, page);
	EQ("setup: data_size", s.data_size, 4 * page);
	CHECK(s.mmap_stride >= s.page_size + s.data_size &&
	      s.mmap_stride % page == 0,
	      "setup: mmap_stride %llu holds a control page and the data, in pages",
	      ull(s.mmap_stride));
	check_ctrls(fd, &s);
	EXPECT_ERR(rl_setup(fd, 0, 4, 0, &s), EBUSY, "second RING_SETUP");
	EXPECT_ERR(rl_setup(fd, KVMW_RING_OVERWRITE, 8, 0, &s), EBUSY,
		   "second RING_SETUP, other parameters");
	s = *b;
	check_ctrls(fd, &s);		/* the first setup's rings, unchanged */
	close(fd);

	fd = open_dev();
	EXPECT_ERR(rl_setup(fd, 0, 0, 0, &s), 0, "RING_SETUP defaults");
	EQ("defaults: data_pages", s.data_pages, KVMW_RING_PAGES_DEFAULT);
	EQ("defaults: data_size", s.data_size, KVMW_RING_PAGES_DEFAULT * page);
	EQ("defaults: watermark (a quarter)", s.watermark,
	   KVMW_RING_PAGES_DEFAULT * page / 4);
	close(fd);

	fd = open_dev();
	EXPECT_ERR(rl_setup(fd, KVMW_RING_OVERWRITE, 2, 0, &s), 0,
		   "RING_SETUP overwrite, 2 pages (the minimum)");
	EQ("minimum: data_size", s.data_size, 2 * page);
	check_ctrls(fd, &s);
	fd2 = open_dev();
	EXPECT_ERR(rl_setup(fd2, 0, KVMW_RING_PAGES_MAX, 0, &s), 0,
		   "RING_SETUP %u pages (the maximum)", KVMW_RING_PAGES_MAX);
	EQ("maximum: data_size", s.data_size, (__u64)KVMW_RING_PAGES_MAX * page);
	check_ctrls(fd2, &s);
	EXPECT_ERR(try_mmap(fd2, s.data_size, PROT_READ, page), 0,
		   "map the maximum data area of CPU 0");
	close(fd2);
	close(fd);
}

/* ---- mmap ---- */

static void test_mmap(void)
{
	struct kvmw_ring_setup s;
	int fd = open_dev(), rw = PROT_READ | PROT_WRITE;
	off_t data, stride;
	unsigned int cpu;
	void *p;

	NOTE("== mmap");
	if (rl_setup(fd, 0, LOSS_PAGES, 0, &s)) {
		CHECK(0, "RING_SETUP: %s", strerror(errno));
		close(fd);
		return;
	}
	stride = (off_t)s.mmap_stride;
	data = (off_t)s.page_size;
	EXPECT_ERR(try_mmap(fd, s.page_size, rw, 0), 0, "control page RW");
	EXPECT_ERR(try_mmap(fd, s.data_size, PROT_READ, data), 0,
		   "data area RO");
	EXPECT_ERR(try_mmap(fd, s.data_size, rw, data), EPERM, "data area RW");
	EXPECT_ERR(try_mmap(fd, s.data_size, PROT_WRITE, data), EPERM,
		   "data area PROT_WRITE");
	p = mmap(NULL, s.data_size, PROT_READ, MAP_SHARED, fd, data);
	if (p != MAP_FAILED) {
		errno = 0;
		CHECK(mprotect(p, s.data_size, rw) == -1 && errno == EACCES,
		      "mprotect of the data area to RW refused (%s)",
		      err_name(errno));
		munmap(p, s.data_size);
	}
	EXPECT_ERR(try_mmap(fd, s.page_size + s.data_size, PROT_READ, 0),
		   EINVAL, "control page and data in one mapping");
	EXPECT_ERR(try_mmap(fd, 2 * s.page_size, PROT_READ, 0), EINVAL,
		   "control page, 2 pages long");
	EXPECT_ERR(try_mmap(fd, s.data_size - page, PROT_READ, data), EINVAL,
		   "data area one page short");
	EXPECT_ERR(try_mmap(fd, s.data_size + page, PROT_READ, data), EINVAL,
		   "data area one page long");
	EXPECT_ERR(try_mmap(fd, s.data_size, PROT_READ, data + page), EINVAL,
		   "data area from its second page");
	EXPECT_ERR(try_mmap(fd, page, PROT_READ, data + page), EINVAL,
		   "one page inside the data area");
	EXPECT_ERR(try_mmap(fd, page, PROT_READ, data), EINVAL,
		   "the first page of the data area alone");
	if (s.mmap_stride > s.page_size + s.data_size)
		EXPECT_ERR(try_mmap(fd, page, PROT_READ, data + s.data_size),
			   EINVAL, "the padding after a ring");
	EXPECT_ERR(try_mmap(fd, s.page_size, rw, nr_cpu_ids_ * stride), ENXIO,
		   "control page of CPU %u (nr_cpu_ids)", nr_cpu_ids_);
	EXPECT_ERR(try_mmap(fd, s.data_size, PROT_READ,
			    nr_cpu_ids_ * stride + data), ENXIO,
		   "data area of CPU %u (nr_cpu_ids)", nr_cpu_ids_);
	/* a CPU number that truncates to 0 in 32 bits */
	EXPECT_ERR(try_mmap(fd, s.page_size, rw, (off_t)(1ULL << 32) * stride),
		   ENXIO, "control page of CPU 2^32");
	for (cpu = 0; cpu < nr_cpu_ids_ && cpu < 4096; cpu++)
		if (!possible[cpu])
			EXPECT_ERR(try_mmap(fd, s.page_size, rw, cpu * stride),
				   ENXIO, "control page of impossible CPU %u",
				   cpu);
	close(fd);

	/* the control pages need a file open for writing too */
	fd = open(DEV, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open " DEV " read-only");
	EXPECT_ERR(rl_setup(fd, 0, LOSS_PAGES, 0, &s), 0,
		   "read-only file: RING_SETUP");
	EXPECT_ERR(try_mmap(fd, s.page_size, rw, 0), EACCES,
		   "read-only file: control page RW");
	EXPECT_ERR(try_mmap(fd, s.data_size, PROT_READ, s.page_size), 0,
		   "read-only file: data area RO");
	close(fd);

	fd = open_dev();
	/* no rings to map: the module says ENODEV (the header does not) */
	EXPECT_ERR(try_mmap(fd, page, rw, 0), ENODEV,
		   "mmap before RING_SETUP");
	close(fd);
}

/* The rings live until the file is closed and no mapping is left. */
static void test_lifetime(void)
{
	struct kvmw_counters c0 = { .size = sizeof(c0) };
	struct kvmw_counters c = { .size = sizeof(c) };
	struct kvmw_ring_setup s;
	struct rl_ring r;
	int cfd = open_dev(), fd;

	NOTE("== rings outlive their file while mapped");
	if (ioctl(cfd, KVMW_IOC_COUNTERS, &c0))
		die("KVMW_IOC_COUNTERS");
	fd = open_dev();
	if (rl_setup(fd, 0, LOSS_PAGES, 0, &s) || rl_map(&r, fd, &s, 0)) {
		CHECK(0, "set up and map ring 0: %s", strerror(errno));
		close(fd);
		close(cfd);
		return;
	}
	write_read(fd, &r, 100, 3, "before close");
	close(fd);
	ioctl(cfd, KVMW_IOC_COUNTERS, &c);
	EQ("files while mapped after close", c.files, c0.files + 1);
	EQ("control page still readable: version", r.ctrl->version,
	   KVMW_RING_CTRL_VERSION);
	EQ("control page still readable: seq_next", rl_load(&r.ctrl->seq_next),
	   100);
	munmap((void *)r.ctrl, r.ctrl_len);
	r.ctrl = NULL;
	ioctl(cfd, KVMW_IOC_COUNTERS, &c);
	EQ("files with the data area still mapped", c.files, c0.files + 1);
	rl_unmap(&r);
	ioctl(cfd, KVMW_IOC_COUNTERS, &c);
	EQ("files after the last munmap", c.files, c0.files);
	EQ("buffers after the last munmap", c.buffers, c0.buffers);
	close(cfd);
}

/* ---- KVMW_IOC_TEST_EVENTS input ---- */

static void test_events_input(void)
{
	static const struct {
		__u64 count; __u32 words, flags; __u64 period; const char *what;
	} bad[] = {
		{ 0, 0, 0, 0, "count 0" },
		{ 100000001, 0, 0, 0, "count 100,000,001" },
		{ ~0ULL, 0, 0, 0, "count 2^64-1" },
		{ 10, 17, 0, 0, "words 17" },
		{ 10, ~0U, 0, 0, "words 2^32-1" },
		{ 10, 0, KVMW_TEST_FLAGS + 1, 0, "unknown flag 0x2" },
		{ 10, 0, 0x80000000U, 0, "unknown flag 0x80000000" },
		{ 10, 0, KVMW_TEST_NESTED, 9999, "nested period 9999 ns" },
		{ 10, 0, KVMW_TEST_NESTED, 0, "nested period 0" },
	};
	unsigned char big[sizeof(struct kvmw_test_events) + 16];
	struct kvmw_test_events t = te(10, 0, 0, 0), *b = (void *)big;
	struct ring_state s0, s1;
	struct kvmw_ring_setup s;
	struct rl_ring r;
	struct chk c;
	int fd = open_dev(), err;
	size_t i;
	long n;

	NOTE("== KVMW_IOC_TEST_EVENTS input");
	EXPECT_ERR(test_events(fd, &t), EINVAL, "TEST_EVENTS without rings");
	/* 16 pages: the nested call below fits without loss */
	if (rl_setup(fd, 0, 16, 0, &s) || rl_map(&r, fd, &s, 0)) {
		CHECK(0, "set up and map ring 0: %s", strerror(errno));
		close(fd);
		return;
	}
	s0 = state(&r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = te(bad[i].count, bad[i].words, bad[i].flags, bad[i].period);
		EXPECT_ERR(test_events(fd, &t), EINVAL, "TEST_EVENTS %s",
			   bad[i].what);
	}
	memset(big, 0, sizeof(big));
	*b = te(10, 0, 0, 0);
	b->size = KVMW_TEST_EVENTS_SIZE_VER0 - 1;
	EXPECT_ERR(test_events(fd, b), EINVAL, "TEST_EVENTS size below VER0");
	b->size = sizeof(big);
	big[sizeof(big) - 1] = 1;
	EXPECT_ERR(test_events(fd, b), E2BIG,
		   "TEST_EVENTS larger, nonzero tail");
	EXPECT_ERR(test_events(fd, NULL), EFAULT, "TEST_EVENTS NULL");
	/* the module refuses a caller that could migrate (not documented) */
	unpin();
	t = te(10, 0, 0, 0);
	EXPECT_ERR(test_events(fd, &t), EINVAL,
		   "TEST_EVENTS from a thread allowed on every CPU");
	pin(0);
	s1 = state(&r);
	CHECK(same_state(&s0, &s1) && !s1.seq && !s1.head,
	      "failed calls wrote nothing (seq_next %llu, data_head %llu, lost %llu)",
	      ull(s1.seq), ull(s1.head), ull(s1.lost));

	/* boundaries that are fine */
	big[sizeof(big) - 1] = 0;
	*b = te(17, 16, 0, 0);
	b->size = sizeof(big);
	chk_call(&c, 16, false, 0);
	err = test_events(fd, b);
	EXPECT_ERR(err, 0, "TEST_EVENTS 17 records, words 16, larger struct");
	EQ("returned size", b->size, KVMW_TEST_EVENTS_SIZE_VER0);
	EQ("returned cpu", b->cpu, 0);
	EQ("returned produced", b->produced, 17);
	EQ("returned nested", b->nested, 0);
	CHECK(b->elapsed_ns > 0, "returned elapsed_ns %llu", ull(b->elapsed_ns));
	/* sizes 56, 64, ... 184: 17 * 56 + 8 * (0 + ... + 16) bytes */
	EQ("data_head after them", rl_load(&r.ctrl->data_head),
	   17 * TEST_HDR + 8 * 136);
	n = rl_drain(&r, check_rec, &c);
	CHECK(n == 17 && c.received[0] == 17 && !c.bad && !r.error[0],
	      "17 records read, exact (%ld%s%s)", n, r.error[0] ? ": " : "",
	      r.error);

	t = te(200, 0, KVMW_TEST_NESTED, 10000);
	chk_call(&c, 0, true, rl_load(&r.ctrl->seq_next));
	err = test_events(fd, &t);
	EXPECT_ERR(err, 0, "TEST_EVENTS nested, period 10000 ns");
	n = rl_drain(&r, check_rec, &c);
	EQ("nested: loop records", t.produced, 200);
	EQ("nested: seq_next = 17 + loop + nested",
	   rl_load(&r.ctrl->seq_next), 17 + 200 + t.nested);
	EQ("nested: received + lost = produced",
	   r.received + rl_load(&r.ctrl->lost), 17 + 200 + t.nested);
	CHECK(!c.bad && !r.error[0], "nested: records exact%s%s",
	      r.error[0] ? ": " : "", r.error);
	NOTE("nested call: %llu loop records and %llu nested in %llu ns",
	     ull(t.produced), ull(t.nested), ull(t.elapsed_ns));
	(void)n;
	rl_unmap(&r);
	close(fd);
}

/* poll() now, without waiting: 1 readable, 0 not (revents in @rev). */
static int poll_now(int fd, short *rev)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, 0);

	*rev = p.revents;
	return n;
}

/* Write @count records of 56 bytes into ring 0 of @fd. */
static void write_56(int fd, __u64 count)
{
	struct kvmw_test_events t = te(count, 0, 0, 0);

	if (test_events(fd, &t))
		CHECK(0, "TEST_EVENTS %llu records: %s", ull(count),
		      strerror(errno));
}

/*
 * Readable from @watermark bytes past data_tail on; in overwrite mode
 * also once the producer lapped data_tail.
 */
static void test_poll(__u32 flags)
{
	const char *mode = flags ? "overwrite" : "discard";
	struct kvmw_ring_setup s;
	struct rl_ring r;
	__u64 below;
	int fd = open_dev(), n;
	short rev;

	if (rl_setup(fd, flags, LOSS_PAGES, 0, &s) || rl_map(&r, fd, &s, 0)) {
		CHECK(0, "set up and map ring 0: %s", strerror(errno));
		close(fd);
		return;
	}
	n = poll_now(fd, &rev);
	CHECK(n == 0, "%s: empty rings: not readable (%d)", mode, n);
	/* records of 56 bytes: the most that stay below the watermark */
	below = (s.watermark - 1) / TEST_HDR;
	write_56(fd, below);
	n = poll_now(fd, &rev);
	CHECK(n == 0, "%s: %llu bytes, watermark %u: not readable (%d)", mode,
	      ull(rl_load(&r.ctrl->data_head)), s.watermark, n);
	write_56(fd, 1);
	n = poll_now(fd, &rev);
	CHECK(n == 1 && rev == POLLIN, "%s: %llu bytes: readable (%d, %#x)",
	      mode, ull(rl_load(&r.ctrl->data_head)), n, rev);
	if (flags) {
		/* lapped: more than data_size past data_tail */
		write_56(fd, s.data_size / TEST_HDR + 1);
		n = poll_now(fd, &rev);
		CHECK(n == 1 && rev == POLLIN,
		      "%s: lapped (head %llu, data_tail 0): readable (%d, %#x)",
		      mode, ull(rl_load(&r.ctrl->data_head)), n, rev);
	}
	rl_drain(&r, NULL, NULL);
	n = poll_now(fd, &rev);
	CHECK(n == 0 && !r.error[0], "%s: all read: not readable (%d)%s%s",
	      mode, n, r.error[0] ? ": " : "", r.error);
	rl_unmap(&r);
	close(fd);
}

/* ---- untrusted control page ---- */

/*
 * A garbage data_tail makes only its own ring full: every record is
 * lost, and a well-behaved file's ring on the same CPU is untouched.
 */
static void tail_case(int fd, struct rl_ring *r, int fd2, struct rl_ring *r2,
		      __u64 tail, const char *what)
{
	struct kvmw_test_events t = te(100, 5, 0, 0);
	struct ring_state s0 = state(r), s1;
	int err;

	r->ctrl->data_tail = tail;
	err = test_events(fd, &t);
	s1 = state(r);
	CHECK(!err && s1.head == s0.head && s1.seq == s0.seq + 100 &&
	      s1.lost == s0.lost + 100,
	      "data_tail %s (%#llx, head %llu): all 100 lost (%s, head %llu, seq_next %llu, lost %llu)",
	      what, ull(tail), ull(s0.head), err_name(err), ull(s1.head),
	      ull(s1.seq), ull(s1.lost));
	write_read(fd2, r2, 100, 5, "meanwhile, another file's ring");
}

static void test_bad_tail(void)
{
	struct kvmw_ring_setup s, s2;
	struct rl_ring r, r2;
	int fd = open_dev(), fd2 = open_dev();
	__u64 head;
	int i;

	NOTE("== garbage data_tail");
	if (rl_setup(fd, 0, LOSS_PAGES, 0, &s) || rl_map(&r, fd, &s, 0) ||
	    rl_setup(fd2, 0, LOSS_PAGES, 0, &s2) || rl_map(&r2, fd2, &s2, 0)) {
		CHECK(0, "set up and map two files' rings: %s", strerror(errno));
		exit(1);
	}
	/* past one lap, so that "more than data_size behind" is >= 0 */
	for (i = 0; i < 3; i++)
		write_read(fd, &r, 200, 0, "filling");
	head = rl_load(&r.ctrl->data_head);
	CHECK(head > s.data_size + 8, "head %llu past one lap", ull(head));
	tail_case(fd, &r, fd2, &r2, head + 8, "ahead of head");
	tail_case(fd, &r, fd2, &r2, ~0ULL, "2^64-1");
	tail_case(fd, &r, fd2, &r2, head - s.data_size - 8,
		  "more than data_size behind");
	tail_case(fd, &r, fd2, &r2, head - s.data_size,
		  "exactly data_size behind (full)");
	r.ctrl->data_tail = head;
	r.pos = head;
	r.next_seq = rl_load(&r.ctrl->seq_next);
	write_read(fd, &r, 100, 5, "data_tail valid again");
	rl_unmap(&r);
	rl_unmap(&r2);
	close(fd);
	close(fd2);

	/* overwrite mode writes whatever data_tail says */
	fd = open_dev();
	if (rl_setup(fd, KVMW_RING_OVERWRITE, LOSS_PAGES, 0, &s) ||
	    rl_map(&r, fd, &s, 0)) {
		CHECK(0, "set up and map an overwrite ring: %s", strerror(errno));
		exit(1);
	}
	r.ctrl->data_tail = 8;
	write_read(fd, &r, 100, 5, "overwrite mode, data_tail 8 (not used for writing)");
	rl_unmap(&r);
	close(fd);
}

/* The kernel never reads back what it writes in the control page. */
static void test_scribble(__u32 flags)
{
	const char *mode = flags ? "overwrite" : "discard";
	struct ring_state s0;
	struct kvmw_ring_setup s;
	struct rl_ring r;
	int fd = open_dev();

	if (rl_setup(fd, flags, LOSS_PAGES, 0, &s) || rl_map(&r, fd, &s, 0)) {
		CHECK(0, "set up and map ring 0: %s", strerror(errno));
		exit(1);
	}
	write_read(fd, &r, 50, 3, mode);
	s0 = state(&r);
	r.ctrl->data_head = 0x7ffffffffffff000ULL;
	r.ctrl->seq_next = 5;
	r.ctrl->pad0[0] = ~0ULL;
	r.ctrl->reserved = 0xdead;
	write_read(fd, &r, 20, 0, "after scribbling data_head and seq_next");
	EQ("data_head as the kernel keeps it", rl_load(&r.ctrl->data_head),
	   s0.head + 20 * TEST_HDR);
	EQ("seq_next as the kernel keeps it", rl_load(&r.ctrl->seq_next),
	   s0.seq + 20);
	rl_unmap(&r);
	close(fd);
}

/* ---- the loss runs ---- */

struct run {
	const char *name;
	__u32 flags;		/* KVMW_RING_* */
	bool nested;
	__u32 words;
	__u64 count;

	int fd;
	struct rl_ring ring;	/* CPU 0: the reader's, then main's */
	struct chk chk;
	int done;		/* the ioctl returned */

	bool stalled, stall_mid_run, stall_pending;
	__u64 stall_ns;
	__u64 lost_before, lost_after;	/* ctrl->lost around the stall */
	__u64 seq_before, seq_after;	/* ctrl->seq_next around it */
	__u64 missed_before, missed_stall;
	__u64 received_at_stall_end;
	__u64 polls, readable;
};

static void stall(struct run *r)
{
	struct timespec ts = { 0, STALL_NS };
	__u64 a, b;

	r->lost_before = rl_load(&r->ring.ctrl->lost);
	r->seq_before = rl_load(&r->ring.ctrl->seq_next);
	r->missed_before = r->ring.missed;
	a = now_ns();
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	b = now_ns();
	r->stall_mid_run = !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
	r->lost_after = rl_load(&r->ring.ctrl->lost);
	r->seq_after = rl_load(&r->ring.ctrl->seq_next);
	r->stall_ns = b - a;
	r->received_at_stall_end = r->ring.received;
	r->stalled = true;
	r->stall_pending = true;
}

/*
 * The reader: drain, rest, wait in poll(), and stall once a quarter in.
 * The rest caps how often it drains: under single-threaded TCG the two
 * vCPUs take turns, so every instruction the reader runs is taken from
 * the producer (a reader spinning on poll() brought the nested loop down
 * to 40,000 records/s). The ring overflows between drains either way.
 */
static void *reader_main(void *arg)
{
	struct timespec rest = { 0, REST_NS };
	struct run *r = arg;
	struct pollfd p = { .fd = r->fd, .events = POLLIN };

	pin(1);
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		if (rl_drain(&r->ring, check_rec, &r->chk) < 0)
			break;
		if (r->stall_pending) {
			r->missed_stall = r->ring.missed - r->missed_before;
			r->stall_pending = false;
		}
		if (!r->stalled &&
		    rl_load(&r->ring.ctrl->seq_next) >= r->count / 4) {
			stall(r);
			continue;
		}
		clock_nanosleep(CLOCK_MONOTONIC, 0, &rest, NULL);
		r->polls++;
		if (poll(&p, 1, 1) > 0 && (p.revents & POLLIN))
			r->readable++;
	}
	return NULL;
}

static void loss_run(struct run *r)
{
	struct kvmw_test_events t;
	struct kvmw_ring_setup s;
	struct rl_ring other;
	struct ring_state fin;
	bool discard = !(r->flags & KVMW_RING_OVERWRITE);
	__u64 t0, t1, trailing, produced, rate, missed_p;
	char tagbuf[48];
	pthread_t th;
	int err;

	NOTE("== %s: %llu records, words 0..%u, %u data pages, reader stalls %llu ms",
	     r->name, ull(r->count), r->words, LOSS_PAGES,
	     ull(STALL_NS / 1000000));
	snprintf(tagbuf, sizeof(tagbuf), "%s: ", r->name);
	tag = tagbuf;
	memset(&other, 0, sizeof(other));
	r->fd = open_dev();
	if (rl_setup(r->fd, r->flags, LOSS_PAGES, 0, &s) ||
	    rl_map(&r->ring, r->fd, &s, 0) ||
	    (s.nr_rings > 1 && rl_map(&other, r->fd, &s, 1))) {
		CHECK(0, "set up and map rings 0 and 1: %s", strerror(errno));
		exit(1);
	}
	chk_call(&r->chk, r->words, r->nested, 0);
	t = te(r->count, r->words, r->nested ? KVMW_TEST_NESTED : 0,
	       r->nested ? nested_period : 0);
	if (pthread_create(&th, NULL, reader_main, r))
		die("pthread_create");
	t0 = now_ns();
	err = test_events(r->fd, &t);
	t1 = now_ns();
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	rl_drain(&r->ring, check_rec, &r->chk);
	if (r->stall_pending)
		r->missed_stall = r->ring.missed - r->missed_before;
	trailing = rl_finish(&r->ring);
	fin = state(&r->ring);
	produced = fin.seq;

	EXPECT_ERR(err, 0, "TEST_EVENTS");
	EQ("ioctl: cpu", t.cpu, 0);
	EQ("ioctl: produced (the loop's count)", t.produced, r->count);
	if (r->nested)
		CHECK(t.nested > 0, "ioctl: nested records %llu > 0",
		      ull(t.nested));
	else
		EQ("ioctl: nested", t.nested, 0);
	CHECK(t.elapsed_ns > 0 && t.elapsed_ns <= t1 - t0,
	      "ioctl: elapsed_ns %llu within the call's %llu ns",
	      ull(t.elapsed_ns), ull(t1 - t0));
	/* Every record written into the ring, the timer's included. */
	rate = t.elapsed_ns ? (t.produced + t.nested) * 1000000000ULL /
			      t.elapsed_ns : 0;
	NOTE("rate %llu records/s (%llu + %llu nested in %llu.%03llu ms)",
	     ull(rate), ull(t.produced), ull(t.nested),
	     ull(t.elapsed_ns / 1000000), ull(t.elapsed_ns / 1000 % 1000));
	CHECK(!r->ring.error[0],
	      "ring framing (sizes, alignment, positions, seq order)%s%s",
	      r->ring.error[0] ? ": " : "", r->ring.error);
	CHECK(!r->chk.bad, "every record whole and exact (%llu bad)",
	      ull(r->chk.bad));
	EQ("produced (seq_next) = loop + nested", produced,
	   t.produced + t.nested);
	NOTE("produced %llu, received %llu (loop %llu, nested %llu), missed %llu (%llu after the last), lost %llu, torn %llu, wrapped %llu",
	     ull(produced), ull(r->ring.received),
	     ull(r->chk.received[0]), ull(r->chk.received[1]),
	     ull(r->ring.missed), ull(trailing), ull(fin.lost),
	     ull(r->ring.torn), ull(r->ring.wrapped));
	EQ("produced = received + missed", r->ring.received + r->ring.missed,
	   produced);
	EQ("received = loop's + nested's", r->chk.received[0] +
	   r->chk.received[1], r->ring.received);
	/* per producer: what each wrote minus what came of it */
	missed_p = t.produced - r->chk.received[0] + t.nested -
		   r->chk.received[1];
	EQ("missed = per producer (count - received), summed", missed_p,
	   r->ring.missed);
	CHECK(r->chk.next_index[0] <= t.produced &&
	      r->chk.next_index[1] <= t.nested,
	      "indexes within the counts (last %llu < %llu, %llu <= %llu)",
	      ull(r->chk.next_index[0]), ull(t.produced),
	      ull(r->chk.next_index[1]), ull(t.nested));
	CHECK(r->chk.max_time <= t1, "records timed within the call");
	CHECK(r->ring.received > 0, "received %llu > 0",
	      ull(r->ring.received));
	if (r->nested)
		CHECK(r->chk.received[1] > 0,
		      "nested records received: %llu",
		      ull(r->chk.received[1]));
	CHECK(r->ring.wrapped > 0,
	      "records wrapping past the end received: %llu",
	      ull(r->ring.wrapped));
	if (discard) {
		EQ("discard: missed = lost", r->ring.missed, fin.lost);
		CHECK(fin.lost > 0, "discard: lost %llu > 0", ull(fin.lost));
	} else {
		EQ("overwrite: lost", fin.lost, 0);
		CHECK(r->ring.missed > 0, "overwrite: missed %llu > 0",
		      ull(r->ring.missed));
		CHECK(r->ring.torn <= r->ring.missed,
		      "overwrite: torn copies %llu among the missed",
		      ull(r->ring.torn));
		EQ("overwrite: the last record received (nothing missed after it)",
		   trailing, 0);
		EQ("overwrite: read up to data_head", r->ring.pos, fin.head);
	}
	EQ("data_tail = data_head at the end",
	   rl_load(&r->ring.ctrl->data_tail), fin.head);

	/* the stall */
	NOTE("stall %llu.%03llu ms at seq %llu; %llu records produced during it, %llu lost, %llu missed; %llu polls, %llu readable",
	     ull(r->stall_ns / 1000000),
	     ull(r->stall_ns / 1000 % 1000), ull(r->seq_before),
	     ull(r->seq_after - r->seq_before),
	     ull(r->lost_after - r->lost_before), ull(r->missed_stall),
	     ull(r->polls), ull(r->readable));
	CHECK(r->stalled && r->stall_ns >= STALL_NS,
	      "the reader stalled %llu ns", ull(r->stall_ns));
	CHECK(r->stall_mid_run && r->seq_after < produced,
	      "the producer ran on after the stall (seq %llu < %llu)",
	      ull(r->seq_after), ull(produced));
	if (discard)
		CHECK(r->lost_after > r->lost_before,
		      "discard: the stall lost records (%llu)",
		      ull(r->lost_after - r->lost_before));
	else
		CHECK(r->missed_stall > 0,
		      "overwrite: the stall made the reader miss records (%llu)",
		      ull(r->missed_stall));
	CHECK(r->ring.received > r->received_at_stall_end,
	      "records received after the stall: %llu",
	      ull(r->ring.received - r->received_at_stall_end));

	/* everything read and nothing written since */
	{
		short rev;
		int n = poll_now(r->fd, &rev);

		CHECK(n == 0, "all read: poll() reports nothing (%d, %#x)", n,
		      n > 0 ? rev : 0);
	}

	if (other.ctrl) {
		fin = state(&other);
		CHECK(!fin.seq && !fin.head && !fin.lost,
		      "CPU 1's ring untouched (seq_next %llu, data_head %llu)",
		      ull(fin.seq), ull(fin.head));
		rl_unmap(&other);
	}

	/* the seq of the next record counts everything lost before it */
	if (!r->ring.error[0])
		write_read(r->fd, &r->ring, 1, r->words,
			   "one more record, seq = seq_next");
	rl_unmap(&r->ring);
	close(r->fd);
	tag = "";
}

/* Everything but the loss runs. */
static void test_protocol(void)
{
	test_setup();
	test_mmap();
	test_lifetime();
	test_events_input();
	NOTE("== poll()");
	test_poll(0);
	test_poll(KVMW_RING_OVERWRITE);
	test_bad_tail();
	NOTE("== control page fields the kernel owns, scribbled on");
	test_scribble(0);
	test_scribble(KVMW_RING_OVERWRITE);
}

int main(int argc, char **argv)
{
	struct run runs[] = {
		{ .name = "discard", .words = 16 },
		{ .name = "discard, nested", .nested = true, .words = 7 },
		/*
		 * 56 to 96 bytes: the sizes of real records. Every record is
		 * copied in overwrite mode, and TCG copies slowly; discard
		 * mode covers the largest ones.
		 */
		{ .name = "overwrite", .flags = KVMW_RING_OVERWRITE,
		  .words = 5 },
		{ .name = "overwrite, nested", .flags = KVMW_RING_OVERWRITE,
		  .nested = true, .words = 11 },
	};
	__u64 count = LOSS_COUNT;
	bool eperm = false, loss_only = false;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--eperm")) {
			eperm = true;
		} else if (!strcmp(argv[i], "--loss-only")) {
			loss_only = true;
		} else if (!strcmp(argv[i], "--count") && i + 1 < (size_t)argc) {
			count = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--period") && i + 1 < (size_t)argc) {
			nested_period = strtoull(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: test_ring_loss [--count N] [--period NS] [--loss-only] | --eperm\n");
			return 2;
		}
	}
	page = sysconf(_SC_PAGESIZE);
	read_possible();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || !possible[1]) {
		printf("needs CPUs 0 and 1 online\n");
		return 77;
	}
	pin(0);
	if (eperm) {
		test_eperm();
		printf("%d failure(s)\n", failures);
		return failures ? 1 : 0;
	}
	if (param_test_events() == 0) {
		printf("FAIL (fatal): kvmwatch is loaded without test_events=1\n");
		return 1;
	}
	if (!loss_only)
		test_protocol();
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		runs[i].count = count;
		loss_run(&runs[i]);
	}
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
