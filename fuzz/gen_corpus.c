// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's seed corpus: small valid recordings written with the real
 * writer (every record type, grown records, several rings and chunks, an
 * unknown section, with and without trailer), then cut and bit-flipped
 * copies of them. Deterministic: the same files every run.
 *
 * Usage: gen_corpus DIR
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "recfile.h"
#include "util.h"

#define START	1000000000ULL

struct buf {
	unsigned char *p;
	size_t len;
};

static const char *dir;
static unsigned int nr_files;
static u64 seq, clk = START;

static void save(const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	nr_files++;
}

static struct buf finish(int fd)
{
	struct buf b;
	off_t len = lseek(fd, 0, SEEK_END);

	b.len = (size_t)len;
	b.p = malloc(b.len);
	if (!b.p || pread(fd, b.p, b.len, 0) != (ssize_t)b.len) {
		fprintf(stderr, "gen_corpus: read back failed\n");
		exit(1);
	}
	close(fd);
	return b;
}

static void header(struct kvmw_recf_writer *w, unsigned int rings,
		   u32 ring_flags)
{
	struct kvmw_recf_header h;

	memset(&h, 0, sizeof(h));
	h.abi = KVMW_ABI_VERSION;
	h.mod_minor = 1;
	h.caps = KVMW_CAP_EVENTS | KVMW_CAP_SVM;
	h.nr_rings = rings;
	h.ring_flags = ring_flags;
	h.families = KVMW_ENABLE_EVENTS;
	h.start_mono_ns = START;
	h.filter.size = sizeof(h.filter);
	snprintf(h.release, sizeof(h.release), "6.12.0");
	snprintf(h.vendor, sizeof(h.vendor), "AuthenticAMD");
	snprintf(h.hostname, sizeof(h.hostname), "fuzz");
	snprintf(h.tool_version, sizeof(h.tool_version), "0.1.0");
	kvmw_recw_header(w, &h);
}

/* A few names, not the whole table: seeds stay small. */
static void reasons(struct kvmw_recf_writer *w)
{
	struct {
		struct kvmw_recf_table t;
		struct kvmw_recf_reason r[3];
	} s = {
		.t = { .count = 3, .entry_size = sizeof(struct kvmw_recf_reason) },
		.r = {
			{ KVMW_ISA_SVM, 0x78, "hlt" },
			{ KVMW_ISA_SVM, 0x4ff, "future_exit" },
			{ KVMW_ISA_VMX, 12, "HLT" },
		},
	};

	kvmw_recw_section(w, KVMW_RECF_REASONS, &s, sizeof(s));
}

static void ev_init(struct kvmw_ev *h, u16 type, u16 size, u64 vm, u32 vcpu)
{
	h->type = type;
	h->size = size;
	h->vcpu_id = vcpu;
	h->seq = seq++;
	h->time_ns = clk += 1000;
	h->vm = vm;
	h->pid = 100 + (int)vm;
	h->tid = 200 + (int)vcpu;
}

static void exit_ev(struct kvmw_recf_writer *w, unsigned int cpu, u64 vm,
		    u32 vcpu, u32 code, u64 dur, u64 info1, u16 kind, u16 sub,
		    u64 key, u32 flags)
{
	struct kvmw_ev_exit x;

	memset(&x, 0, sizeof(x));
	ev_init(&x.hdr, KVMW_EV_TYPE_EXIT, sizeof(x), vm, vcpu);
	x.isa = KVMW_ISA_SVM;
	x.code = code;
	x.info1 = info1;
	x.rip = 0x1000 + code;
	x.duration_ns = dur;
	x.key = key;
	x.key_kind = kind;
	x.key_sub = sub;
	x.flags = flags;
	kvmw_recw_event(w, cpu, &x.hdr);
}

static void vm_ev(struct kvmw_recf_writer *w, unsigned int cpu, u16 type,
		  u64 vm, const char *id)
{
	struct kvmw_ev_vm e;

	memset(&e, 0, sizeof(e));
	ev_init(&e.hdr, type, sizeof(e), vm, KVMW_EV_NO_VCPU);
	e.ppid = 1;
	snprintf(e.id, sizeof(e.id), "%s", id);
	kvmw_recw_event(w, cpu, &e.hdr);
}

static void dirty_ev(struct kvmw_recf_writer *w, unsigned int cpu, u64 vm,
		     u64 gfn)
{
	struct kvmw_ev_dirty d;

	memset(&d, 0, sizeof(d));
	ev_init(&d.hdr, KVMW_EV_TYPE_DIRTY, sizeof(d), vm, 0);
	d.gfn = gfn;
	d.rel_gfn = gfn & 0xfff;
	d.npages = 4096;
	d.slot = 3;
	kvmw_recw_event(w, cpu, &d.hdr);
}

/* A record of @type of @size bytes, body filled with a pattern. */
static void raw_ev(struct kvmw_recf_writer *w, unsigned int cpu, u16 type,
		   u16 size)
{
	u64 words[KVMW_EV_MAX_SIZE / 8];
	size_t i;

	for (i = 0; i < KVMW_EV_MAX_SIZE / 8; i++)
		words[i] = i * 0x9e3779b97f4a7c15ULL;
	ev_init((struct kvmw_ev *)words, type, size, 1, 0);
	kvmw_recw_event(w, cpu, (struct kvmw_ev *)words);
}

static void trailer(struct kvmw_recf_writer *w, unsigned int rings,
		    const u64 *received, u64 missed)
{
	struct kvmw_recf_cpu c[4];
	struct kvmw_recf_trailer t = { .end_mono_ns = clk + 5000 };
	unsigned int i, n = 0;

	memset(c, 0, sizeof(c));
	for (i = 0; i < rings && i < 4; i++) {
		if (!received[i] && !(i == 0 && missed))
			continue;
		c[n].cpu = i;
		c[n].received = received[i];
		c[n].missed = i == 0 ? missed : 0;
		c[n].lost = c[n].missed;
		c[n].produced = c[n].received + c[n].missed;
		n++;
	}
	kvmw_recw_trailer(w, &t, c, n);
}

/* Exits of several kinds on two VMs, dirty pages, VM life, on 2 rings. */
static struct buf rec_small(bool with_trailer, bool unknown)
{
	static const struct kvmw_recf_vm vm = {
		.serial = 1, .pid = 101, .ppid = 1, .nr_vcpus = 2,
		.id = "101-11", .name = "guest",
	};
	struct kvmw_recf_writer w;
	u64 received[2] = { 0, 0 };
	int fd = memfd_create("seed", 0);

	kvmw_recw_init(&w, fd);
	header(&w, 2, 0);
	reasons(&w);
	kvmw_recw_vms(&w, &vm, 1);
	if (unknown)
		kvmw_recw_section(&w, 77, "a newer writer's section", 24);
	exit_ev(&w, 0, 1, 0, 0x78, 3000, 0, 0, 0, 0, KVMW_EXIT_USER);
	exit_ev(&w, 0, 1, 0, 0x7c, 700, 1, KVMW_STAT_MSR, KVMW_SUB_WRITE,
		0x6e0, 0);
	exit_ev(&w, 0, 1, 0, 0x7c, 500, 0, KVMW_STAT_MSR, KVMW_SUB_READ,
		0x8b, 0);
	exit_ev(&w, 0, 1, 1, 0x7b, 2000, 0, KVMW_STAT_IOPORT, KVMW_SUB_WRITE,
		0x80, KVMW_EXIT_USER);
	exit_ev(&w, 0, 1, 1, 0x400, 9000, 0, KVMW_STAT_MMIO, KVMW_SUB_READ,
		0xd0000000ULL, KVMW_EXIT_USER);
	exit_ev(&w, 0, 1, 1, 0x78, 0, 0, 0, 0, 0, KVMW_EXIT_NEGATIVE);
	exit_ev(&w, 0, 1, 1, KVMW_CODE_OTHER, 100, 0, 0, 0, 0,
		KVMW_EXIT_DECODE_ERROR);
	received[0] = 7;
	vm_ev(&w, 1, KVMW_EV_TYPE_VM_CREATE, 2, "102-12");
	exit_ev(&w, 1, 2, 0, 0x4ff, 1ULL << 40, 0, 0, 0, 0, 0);
	dirty_ev(&w, 1, 2, 0xf0118);
	dirty_ev(&w, 1, 2, 0xf0118);
	dirty_ev(&w, 1, 2, 0xf0119);
	vm_ev(&w, 1, KVMW_EV_TYPE_VM_GONE, 2, "102-12");
	received[1] = 6;
	kvmw_recw_flush(&w);
	if (with_trailer)
		trailer(&w, 2, received, 3);
	kvmw_recw_free(&w);
	return finish(fd);
}

/* One record of every type, known sizes and grown ones, one ring. */
static struct buf rec_types(void)
{
	static const u16 sizes[] = {
		0, sizeof(struct kvmw_ev_exit), sizeof(struct kvmw_ev_msr),
		sizeof(struct kvmw_ev_pio), sizeof(struct kvmw_ev_mmio),
		sizeof(struct kvmw_ev_wakeup),
		sizeof(struct kvmw_ev_halt_poll),
		sizeof(struct kvmw_ev_dirty), sizeof(struct kvmw_ev_load),
		sizeof(struct kvmw_ev_put), sizeof(struct kvmw_ev_inject),
		sizeof(struct kvmw_ev_page_fault),
		sizeof(struct kvmw_ev_hypercall), sizeof(struct kvmw_ev_vm),
		sizeof(struct kvmw_ev_vm), 64,
	};
	struct kvmw_recf_writer w;
	u64 received[1] = { 0 };
	int fd = memfd_create("seed", 0);
	u16 t;

	kvmw_recw_init(&w, fd);
	header(&w, 1, 0);
	for (t = 1; t <= KVMW_EV_TYPE_TEST; t++) {
		raw_ev(&w, 0, t, sizes[t]);
		received[0]++;
		/* The same type, grown by a newer kernel. */
		raw_ev(&w, 0, t, sizes[t] + 16);
		received[0]++;
	}
	raw_ev(&w, 0, 99, 40);		/* a type this tool does not know */
	raw_ev(&w, 0, KVMW_EV_TYPE_EXIT, 48);	/* shorter than its type */
	raw_ev(&w, 0, 3, KVMW_EV_MAX_SIZE);
	received[0] += 3;
	trailer(&w, 1, received, 0);
	kvmw_recw_free(&w);
	return finish(fd);
}

/* Overwrite mode, no events, a trailer with nothing in it. */
static struct buf rec_empty(void)
{
	struct kvmw_recf_writer w;
	u64 received[1] = { 0 };
	int fd = memfd_create("seed", 0);

	kvmw_recw_init(&w, fd);
	header(&w, 1, KVMW_RING_OVERWRITE);
	kvmw_recw_vms(&w, NULL, 0);	/* no VM at the start */
	trailer(&w, 1, received, 0);
	kvmw_recw_free(&w);
	return finish(fd);
}

/* Many exits of one port on 4 rings, in several chunks per ring. */
static struct buf rec_chunks(void)
{
	struct kvmw_recf_writer w;
	u64 received[4] = { 0 };
	int fd = memfd_create("seed", 0);
	unsigned int i;

	kvmw_recw_init(&w, fd);
	header(&w, 4, 0);
	for (i = 0; i < 24; i++) {
		unsigned int cpu = (i / 3) % 4;

		exit_ev(&w, cpu, 1 + i % 2, i % 3, 0x7b, 1000 + 37 * i, 0,
			KVMW_STAT_IOPORT, i % 2 ? KVMW_SUB_READ :
			KVMW_SUB_WRITE, 0x70 + i % 2, 0);
		received[cpu]++;
	}
	trailer(&w, 4, received, 1);
	kvmw_recw_free(&w);
	return finish(fd);
}

/*
 * Trailers that disagree with the file: ring 1's records without an entry
 * (@missing), or more entries than rings.
 */
static struct buf rec_bad_trailer(bool missing)
{
	struct kvmw_recf_cpu c[3] = {
		{ .cpu = 0, .produced = 1, .received = 1 },
		{ .cpu = 1, .produced = 1, .received = 1 },
		{ .cpu = 1, .produced = 1, .received = 1 },
	};
	struct kvmw_recf_trailer t = { .end_mono_ns = clk + 5000 };
	struct kvmw_recf_writer w;
	int fd = memfd_create("seed", 0);

	kvmw_recw_init(&w, fd);
	header(&w, 2, 0);
	exit_ev(&w, 0, 1, 0, 0x78, 3000, 0, 0, 0, 0, 0);
	exit_ev(&w, 1, 1, 0, 0x78, 3000, 0, 0, 0, 0, 0);
	kvmw_recw_trailer(&w, &t, c, missing ? 1 : 3);
	kvmw_recw_free(&w);
	return finish(fd);
}

/* Cut copies: inside the file header, the first section, each later one. */
static void cuts(const char *name, const struct buf *b)
{
	size_t at[] = { 0, 5, 12, 16, 40, b->len / 3, b->len / 2,
			b->len - 24, b->len - 1 };
	char fn[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(at); i++) {
		if (at[i] >= b->len)
			continue;
		snprintf(fn, sizeof(fn), "cut-%s-%zu", name, at[i]);
		save(fn, b->p, at[i]);
	}
}

/* Copies with one bit flipped, at deterministic pseudo-random places. */
static void flips(const char *name, const struct buf *b, unsigned int n)
{
	unsigned char *c = malloc(b->len);
	u64 x = 0x2545f4914f6cdd1dULL ^ b->len;
	char fn[128];
	unsigned int i;

	for (i = 0; i < n; i++) {
		size_t pos;
		unsigned int bit;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pos = (size_t)(x % b->len);
		bit = (unsigned int)(x >> 60) & 7;
		memcpy(c, b->p, b->len);
		c[pos] ^= (unsigned char)(1U << bit);
		snprintf(fn, sizeof(fn), "flip-%s-%zu.%u", name, pos, bit);
		save(fn, c, b->len);
	}
	free(c);
}

int main(int argc, char **argv)
{
	struct buf small, bare, unk, types, empty, chunks, bt;
	unsigned char bad[16];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	dir = argv[1];
	small = rec_small(true, false);
	bare = rec_small(false, false);
	unk = rec_small(true, true);
	types = rec_types();
	empty = rec_empty();
	chunks = rec_chunks();
	save("valid-small", small.p, small.len);
	save("valid-no-trailer", bare.p, bare.len);
	save("valid-unknown-section", unk.p, unk.len);
	save("valid-types", types.p, types.len);
	save("valid-empty-overwrite", empty.p, empty.len);
	save("valid-chunks", chunks.p, chunks.len);
	cuts("small", &small);
	cuts("types", &types);
	flips("small", &small, 12);
	flips("types", &types, 6);
	flips("chunks", &chunks, 6);
	bt = rec_bad_trailer(true);
	save("bad-trailer-missing-cpu", bt.p, bt.len);
	free(bt.p);
	bt = rec_bad_trailer(false);
	save("bad-trailer-too-many-cpus", bt.p, bt.len);
	free(bt.p);
	memcpy(bad, small.p, sizeof(bad));
	bad[7] = 'X';
	save("bad-magic", bad, sizeof(bad));
	memcpy(bad, small.p, sizeof(bad));
	bad[8] = 2;
	save("bad-version", bad, sizeof(bad));
	printf("gen_corpus: %u files in %s\n", nr_files, dir);
	free(small.p);
	free(bare.p);
	free(unk.p);
	free(types.p);
	free(empty.p);
	free(chunks.p);
	return 0;
}
