// SPDX-License-Identifier: GPL-2.0
/*
 * The recording format (tools/lib/recfile.c, docs/record-format.md): a
 * written file reads back field for field and record for record; a file
 * cut at every byte offset is either refused with "truncated at byte N"
 * or read up to its last whole section with a warning, never misread;
 * each kind of corruption gets its own exact message; the fuzzer's kept
 * corpus (fuzz/corpus) parses and aggregates without a crash. Then the
 * command line: record's and report's usage errors and exit codes,
 * record refusing to touch FILE when the device fails, and report,
 * --diff and --dirty on written files.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evagg.h"
#include "exit_reason.h"
#include "recfile.h"
#include "report.h"
#include "tap.h"
#include "tests.h"

#define START_NS	1000000000ULL
#define CORPUS_ENV	"KVMW_FUZZ_CORPUS"
#define CORPUS_DIR	"../../fuzz/corpus"
#define MIN_CORPUS	20

struct mem {
	unsigned char *buf;
	size_t len;
};

/* The records of the small file, in file order, with their ring. */
#define NR_EVS	6
static union {
	struct kvmw_ev hdr;
	struct kvmw_ev_exit exit;
	struct kvmw_ev_vm vm;
	struct kvmw_ev_dirty dirty;
} evs[NR_EVS];
static const unsigned int ev_cpu[NR_EVS] = { 0, 0, 1, 1, 0, 1 };

static void make_events(void)
{
	int i;

	memset(evs, 0, sizeof(evs));
	for (i = 0; i < NR_EVS; i++) {
		evs[i].hdr.seq = (u64)i;
		evs[i].hdr.time_ns = START_NS + 1000 * (u64)(i + 1);
		evs[i].hdr.vm = 7;
		evs[i].hdr.pid = 100;
		evs[i].hdr.tid = 101;
		evs[i].hdr.vcpu_id = 0;
	}
	/* Two OUTs to 0x80, a VM created, a dirty page, a HLT, a VM gone. */
	for (i = 0; i < 2; i++) {
		evs[i].exit.hdr.type = KVMW_EV_TYPE_EXIT;
		evs[i].exit.hdr.size = sizeof(evs[i].exit);
		evs[i].exit.isa = KVMW_ISA_SVM;
		evs[i].exit.code = 0x7b;
		evs[i].exit.duration_ns = 2000 + 1000 * (u64)i;
		evs[i].exit.key = 0x80;
		evs[i].exit.key_kind = KVMW_STAT_IOPORT;
		evs[i].exit.key_sub = KVMW_SUB_WRITE;
		evs[i].exit.flags = KVMW_EXIT_USER;
	}
	evs[2].vm.hdr.type = KVMW_EV_TYPE_VM_CREATE;
	evs[2].vm.hdr.size = sizeof(evs[2].vm);
	evs[2].vm.hdr.vm = 8;
	evs[2].vm.hdr.pid = 300;
	evs[2].vm.hdr.vcpu_id = KVMW_EV_NO_VCPU;
	snprintf(evs[2].vm.id, sizeof(evs[2].vm.id), "300-9");
	evs[3].dirty.hdr.type = KVMW_EV_TYPE_DIRTY;
	evs[3].dirty.hdr.size = sizeof(evs[3].dirty);
	evs[3].dirty.gfn = 0xf0118;
	evs[3].dirty.rel_gfn = 0x118;
	evs[3].dirty.npages = 16384;
	evs[3].dirty.slot = 3;
	evs[4].exit.hdr.type = KVMW_EV_TYPE_EXIT;
	evs[4].exit.hdr.size = sizeof(evs[4].exit);
	evs[4].exit.isa = KVMW_ISA_SVM;
	evs[4].exit.code = 0x78;
	evs[4].exit.duration_ns = 50000;
	evs[5].vm.hdr.type = KVMW_EV_TYPE_VM_GONE;
	evs[5].vm.hdr.size = sizeof(evs[5].vm);
	evs[5].vm.hdr.vm = 8;
	evs[5].vm.hdr.pid = 300;
	evs[5].vm.hdr.vcpu_id = KVMW_EV_NO_VCPU;
}

static void make_header(struct kvmw_recf_header *h)
{
	memset(h, 0, sizeof(*h));
	h->abi = KVMW_ABI_VERSION;
	h->mod_minor = 1;
	h->caps = KVMW_CAP_EVENTS | KVMW_CAP_SVM;
	h->nr_rings = 2;
	h->families = KVMW_ENABLE_EXIT | KVMW_ENABLE_IO | KVMW_ENABLE_VM |
		      KVMW_ENABLE_DIRTY;
	h->start_mono_ns = START_NS;
	h->start_real_ns = 1700000000ULL * 1000000000ULL;
	h->command_pid = 42;
	h->filter.size = sizeof(h->filter);
	h->filter.flags = KVMW_FILTER_PID | KVMW_FILTER_PID_TREE;
	h->filter.pid = 42;
	snprintf(h->release, sizeof(h->release), "6.12.0-test");
	snprintf(h->vendor, sizeof(h->vendor), "AuthenticAMD");
	snprintf(h->hostname, sizeof(h->hostname), "rig");
	snprintf(h->tool_version, sizeof(h->tool_version), "0.1.0");
	snprintf(h->command, sizeof(h->command), "kvmw-guest --out 0x80:2");
}

/* The file's bytes, read back from the writer's memfd. */
static struct mem slurp(int fd)
{
	struct mem m = { NULL, 0 };
	off_t len = lseek(fd, 0, SEEK_END);

	m.buf = malloc(len > 0 ? (size_t)len : 1);
	if (m.buf && len > 0 && pread(fd, m.buf, (size_t)len, 0) == len)
		m.len = (size_t)len;
	close(fd);
	return m;
}

enum { WITH_TRAILER = 1, WITH_UNKNOWN = 2 };

/*
 * A small recording: header, reasons, a VM, the records above in three
 * chunks (cpu 0, 1, 0... as a drain of two rings delivers them), and the
 * trailer: ring 0 produced 5 (3 received, 2 missed), ring 1 produced 3.
 */
static struct mem small_file(int flags)
{
	static const struct kvmw_recf_vm vm = {
		.serial = 7, .pid = 100, .ppid = 99, .created_ns = 5,
		.nr_vcpus = 1, .id = "100-11", .name = "guest1",
	};
	struct kvmw_recf_cpu cpus[2] = {
		{ .cpu = 0, .produced = 5, .received = 3, .missed = 2,
		  .lost = 2 },
		{ .cpu = 1, .produced = 3, .received = 3 },
	};
	struct kvmw_recf_trailer t = {
		.end_mono_ns = START_NS + 2500000000ULL,
		.end_real_ns = 1,
	};
	struct kvmw_recf_writer w;
	struct kvmw_recf_header h;
	int fd = memfd_create("rec", 0), i, err;

	make_events();
	make_header(&h);
	err = kvmw_recw_init(&w, fd);
	err |= kvmw_recw_header(&w, &h);
	err |= kvmw_recw_reasons(&w);
	err |= kvmw_recw_vms(&w, &vm, 1);
	if (flags & WITH_UNKNOWN)
		err |= kvmw_recw_section(&w, 99, "future", 6);
	for (i = 0; i < NR_EVS; i++)
		err |= kvmw_recw_event(&w, ev_cpu[i], &evs[i].hdr);
	err |= kvmw_recw_flush(&w);
	if (flags & WITH_TRAILER)
		err |= kvmw_recw_trailer(&w, &t, cpus, 2);
	kvmw_recw_free(&w);
	if (err)
		tap_diag("writer failed: %d", err);
	return slurp(fd);
}

/* Where each section starts, and its type. */
struct sect_pos {
	size_t off[32];
	u32 type[32];
	size_t nr;
};

static void sections(const struct mem *m, struct sect_pos *p)
{
	size_t off = sizeof(struct kvmw_recf_file_hdr);

	p->nr = 0;
	while (off + sizeof(struct kvmw_recf_sect) <= m->len && p->nr < 32) {
		struct kvmw_recf_sect s;

		memcpy(&s, m->buf + off, sizeof(s));
		p->off[p->nr] = off;
		p->type[p->nr++] = s.type;
		off += sizeof(s) + s.len;
	}
}

static size_t find_sect(const struct sect_pos *p, u32 type, int nth)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (p->type[i] == type && !nth--)
			return p->off[i];
	return 0;
}

struct seen {
	unsigned int n;
	bool same;
};

static int check_event(void *arg, unsigned int cpu, const struct kvmw_ev *ev)
{
	struct seen *s = arg;

	if (s->n >= NR_EVS || cpu != ev_cpu[s->n] ||
	    memcmp(ev, &evs[s->n], ev->size))
		s->same = false;
	s->n++;
	return 0;
}

static void test_round_trip(void)
{
	struct mem m = small_file(WITH_TRAILER | WITH_UNKNOWN);
	const struct kvmw_exit_name *t;
	struct seen seen = { 0, true };
	struct kvmw_recf r;
	char err[256];
	size_t nr_names;

	nr_names = kvmw_exit_reasons(KVMW_ISA_SVM, &t) +
		   kvmw_exit_reasons(KVMW_ISA_VMX, &t);
	if (!tap_eq_u64(kvmw_recf_parse(&r, m.buf, m.len, err, sizeof(err)),
			0, "written file parses"))
		tap_diag("%s", err);
	tap_eq_str(r.warning, "", "complete: no warning");
	tap_eq_u64(r.hdr.size, sizeof(r.hdr), "header size");
	tap_eq_u64(r.hdr.nr_rings, 2, "header: rings");
	tap_eq_u64(r.hdr.families, KVMW_ENABLE_EXIT | KVMW_ENABLE_IO |
		   KVMW_ENABLE_VM | KVMW_ENABLE_DIRTY, "header: families");
	tap_eq_u64(r.hdr.start_mono_ns, START_NS, "header: start");
	tap_eq_u64(r.hdr.command_pid, 42, "header: command pid");
	tap_eq_u64(r.hdr.filter.pid, 42, "header: filter pid");
	tap_eq_str(r.hdr.vendor, "AuthenticAMD", "header: vendor");
	tap_eq_str(r.hdr.release, "6.12.0-test", "header: release");
	tap_eq_str(r.hdr.command, "kvmw-guest --out 0x80:2",
		   "header: command");
	tap_eq_u64(r.nr_reasons, nr_names, "every exit-reason name of both ISAs");
	tap_eq_str(kvmw_recf_reason_name(&r, KVMW_ISA_SVM, 0x78), "hlt",
		   "SVM 0x78 is hlt in the file");
	tap_eq_str(kvmw_recf_reason_name(&r, KVMW_ISA_VMX, 0x8000000c),
		   "HLT", "VMX 12 with the failed-entry bit: its basic name");
	tap_ok(!kvmw_recf_reason_name(&r, KVMW_ISA_SVM, 0x4ff),
	       "an unknown code has no name");
	tap_ok(r.nr_vms == 1 && r.vms[0].serial == 7 &&
	       !strcmp(r.vms[0].id, "100-11") &&
	       !strcmp(r.vms[0].name, "guest1"), "the VM table");
	tap_eq_u64(r.nr_events, NR_EVS, "records");
	tap_eq_u64(r.nr_chunks, 4, "chunks: a new one at each ring change");
	tap_ok(r.cpu_records[0] == 3 && r.cpu_records[1] == 3,
	       "records per ring");
	tap_eq_u64(r.first_ns, START_NS + 1000, "first record time");
	tap_eq_u64(r.last_ns, START_NS + 6000, "last record time");
	tap_ok(r.has_trailer && r.nr_cpus == 2 && r.cpus[0].missed == 2 &&
	       r.cpus[0].produced == 5 && r.cpus[1].received == 3,
	       "the trailer's per-ring counts");
	tap_eq_u64(r.trailer.events, NR_EVS, "trailer: events");
	tap_eq_u64(kvmw_recf_duration_ns(&r), 2500000000ULL,
		   "duration from the trailer");
	kvmw_recf_events(&r, check_event, &seen);
	tap_ok(seen.n == NR_EVS && seen.same,
	       "records read back byte for byte, in order, with their ring");
	kvmw_recf_close(&r);
	free(m.buf);

	m = small_file(0);
	tap_eq_u64(kvmw_recf_parse(&r, m.buf, m.len, err, sizeof(err)), 0,
		   "without trailer: still parses");
	tap_eq_str(r.warning,
		   "no trailer (the recorder did not finish): loss counts are unknown",
		   "without trailer: the warning");
	tap_eq_u64(kvmw_recf_duration_ns(&r), 6000,
		   "without trailer: duration to the last record");
	kvmw_recf_close(&r);
	free(m.buf);
}

/* Parse the first @n bytes of @m, in a buffer of exactly @n bytes. */
static int parse_prefix(const struct mem *m, size_t n, struct kvmw_recf *r,
			char *err, size_t errlen, unsigned char **copy)
{
	*copy = malloc(n ? n : 1);
	memcpy(*copy, m->buf, n);
	return kvmw_recf_parse(r, *copy, n, err, errlen);
}

static void test_truncation(void)
{
	struct mem m = small_file(WITH_TRAILER);
	struct sect_pos p = { .nr = 0 };
	size_t n, header_end, bad = 0, ok_cut = 0, ok_whole = 0;

	sections(&m, &p);
	header_end = p.off[1];
	for (n = 0; n < m.len; n++) {
		char err[256], want[128];
		unsigned char *copy;
		struct kvmw_recf r;
		struct kvmw_evagg a;
		bool boundary = false;
		size_t i, events = 0;
		int ret = parse_prefix(&m, n, &r, err, sizeof(err), &copy);

		for (i = 0; i < p.nr; i++)
			boundary |= p.off[i] == n;
		if (n < header_end) {
			snprintf(want, sizeof(want), "truncated at byte %zu%s",
				 n, !n ? " (empty file)" :
				 n == p.off[0] ? " (no header)" : "");
			if (ret != -EINVAL || strcmp(err, want)) {
				if (!bad++)
					tap_diag("at %zu: %d '%s'", n, ret, err);
			}
			free(copy);
			continue;
		}
		/* Whole sections are read; the cut one is reported. */
		for (i = 0; i < p.nr; i++)
			if (p.type[i] == KVMW_RECF_EVENTS && i + 1 < p.nr &&
			    p.off[i + 1] <= n)
				events++;
		if (ret || r.has_trailer || r.nr_chunks != events ||
		    (boundary ? r.truncated_at != 0 :
		     !r.truncated_at || strncmp(r.warning, "truncated at byte", 17))) {
			if (!bad++)
				tap_diag("at %zu: %d '%s' chunks %llu", n, ret,
					 ret ? err : r.warning,
					 (unsigned long long)r.nr_chunks);
		} else {
			boundary ? ok_whole++ : ok_cut++;
			if (kvmw_evagg_file(&a, &r))
				bad++;
			else
				kvmw_evagg_free(&a);
			kvmw_recf_close(&r);
		}
		free(copy);
	}
	tap_eq_u64(bad, 0, "every cut of a %zu-byte file: refused below byte %zu, else read up to the cut",
		   m.len, header_end);
	tap_eq_u64(ok_whole, p.nr - 1,
		   "cut at a section boundary: no trailer, no loss counts");
	tap_eq_u64(ok_cut + ok_whole + header_end, m.len,
		   "cut inside a section: that section ignored, with a warning");
	free(m.buf);
}

/* Parse a damaged copy; the error message. */
static const char *damaged(const struct mem *m, size_t off, const void *bytes,
			   size_t n, size_t len)
{
	static char err[256];
	unsigned char *copy = malloc(len);
	struct kvmw_recf r;

	memcpy(copy, m->buf, len < m->len ? len : m->len);
	if (len > m->len)
		memset(copy + m->len, 0, len - m->len);
	memcpy(copy + off, bytes, n);
	if (!kvmw_recf_parse(&r, copy, len, err, sizeof(err))) {
		snprintf(err, sizeof(err), "(accepted)");
		kvmw_recf_close(&r);
	}
	free(copy);
	return err;
}

static void test_corrupt(void)
{
	struct mem m = small_file(WITH_TRAILER);
	struct sect_pos p = { .nr = 0 };
	char want[160];
	size_t ev, tr, hd;
	u32 v32;
	u16 v16;
	u64 v64;

	sections(&m, &p);
	hd = p.off[0];
	ev = find_sect(&p, KVMW_RECF_EVENTS, 0);
	tr = find_sect(&p, KVMW_RECF_TRAILER, 0);

	tap_eq_str(damaged(&m, 0, "KVMWREX", 7, m.len),
		   "not a kvmwatch recording (bad magic)", "bad magic");
	tap_eq_str(damaged(&m, 0, "KVM", 3, 3),
		   "truncated at byte 3", "3 bytes of the magic: truncated");
	tap_eq_str(damaged(&m, 0, "PK\3\4", 4, 4),
		   "not a kvmwatch recording (bad magic)",
		   "4 bytes of something else: bad magic");
	v32 = 2;
	tap_eq_str(damaged(&m, 8, &v32, 4, m.len),
		   "unsupported version 2 (this kvmwatch reads version 1)",
		   "a newer version");
	v32 = 12;
	tap_eq_str(damaged(&m, 12, &v32, 4, m.len), "bad file header size 12",
		   "file header size below 16");
	v32 = KVMW_RECF_VMS;
	snprintf(want, sizeof(want),
		 "the first section (byte %zu) is of type 3, not the header", hd);
	tap_eq_str(damaged(&m, hd, &v32, 4, m.len), want,
		   "first section not the header");
	v64 = 12;
	snprintf(want, sizeof(want),
		 "section at byte %zu: length 12 is not a multiple of 8", ev);
	tap_eq_str(damaged(&m, ev + 8, &v64, 8, m.len), want,
		   "section length not a multiple of 8");
	v32 = 0;
	snprintf(want, sizeof(want),
		 "header at byte %zu: 0 rings (want 1 to 65536)", hd);
	tap_eq_str(damaged(&m, hd + 16 + offsetof(struct kvmw_recf_header,
						   nr_rings), &v32, 4, m.len),
		   want, "no rings");
	v32 = 100;
	snprintf(want, sizeof(want),
		 "header at byte %zu: size 100 (want 480 to %zu, a multiple of 8)",
		 hd, p.off[1] - hd - 16);
	tap_eq_str(damaged(&m, hd + 16, &v32, 4, m.len), want,
		   "header too short");
	v32 = 5;
	snprintf(want, sizeof(want), "events at byte %zu: CPU 5, but 2 rings",
		 ev);
	tap_eq_str(damaged(&m, ev + 16, &v32, 4, m.len), want,
		   "a ring that does not exist");
	v16 = 44;
	snprintf(want, sizeof(want),
		 "record at byte %zu: size 44 (want 40 to 256, a multiple of 8)",
		 ev + 24);
	tap_eq_str(damaged(&m, ev + 24 + 2, &v16, 2, m.len), want,
		   "record size not a multiple of 8");
	v16 = 32;
	snprintf(want, sizeof(want),
		 "record at byte %zu: size 32 (want 40 to 256, a multiple of 8)",
		 ev + 24);
	tap_eq_str(damaged(&m, ev + 24 + 2, &v16, 2, m.len), want,
		   "record below 40 bytes");
	v16 = 264;
	snprintf(want, sizeof(want),
		 "record at byte %zu: size 264 (want 40 to 256, a multiple of 8)",
		 ev + 24);
	tap_eq_str(damaged(&m, ev + 24 + 2, &v16, 2, m.len), want,
		   "record above KVMW_EV_MAX_SIZE");
	v16 = 200;
	snprintf(want, sizeof(want),
		 "record at byte %zu: its 200 bytes run past the section",
		 ev + 24 + sizeof(struct kvmw_ev_exit));
	tap_eq_str(damaged(&m, ev + 24 + sizeof(struct kvmw_ev_exit) + 2,
			   &v16, 2, m.len), want, "record past its chunk");
	v32 = 1;
	snprintf(want, sizeof(want),
		 "events at byte %zu: %zu bytes after its 1 records", ev,
		 sizeof(struct kvmw_ev_exit));
	tap_eq_str(damaged(&m, ev + 20, &v32, 4, m.len), want,
		   "chunk count too low");
	v32 = 3;
	snprintf(want, sizeof(want),
		 "events at byte %zu: record 2 of 3 at byte %zu runs past the section",
		 ev, ev + 24 + 2 * sizeof(struct kvmw_ev_exit));
	tap_eq_str(damaged(&m, ev + 20, &v32, 4, m.len), want,
		   "chunk count too high");
	v64 = 4;
	tap_eq_str(damaged(&m, tr + 16 + sizeof(struct kvmw_recf_trailer) +
			   offsetof(struct kvmw_recf_cpu, received), &v64, 8,
			   m.len),
		   "trailer: CPU 0 received 4 records, the file holds 3",
		   "trailer disagrees with the records");
	v64 = 7;
	tap_eq_str(damaged(&m, tr + 16 + offsetof(struct kvmw_recf_trailer,
						   events), &v64, 8, m.len),
		   "trailer: 7 events, the file holds 6",
		   "trailer's total disagrees");
	v32 = 1;
	tap_eq_str(damaged(&m, tr + 16 + sizeof(struct kvmw_recf_trailer),
			   &v32, 4, m.len),
		   "trailer: CPU 1 listed twice or out of range (2 rings)",
		   "trailer lists a ring twice");
	v32 = KVMW_RECF_HEADER;
	snprintf(want, sizeof(want), "second header at byte %zu", p.off[1]);
	tap_eq_str(damaged(&m, p.off[1], &v32, 4, m.len), want,
		   "a second header");
	snprintf(want, sizeof(want), "data after the trailer at byte %zu",
		 m.len);
	tap_eq_str(damaged(&m, m.len, "\0", 1, m.len + 16), want,
		   "a section after the trailer");
	v32 = 49;
	snprintf(want, sizeof(want),
		 "reasons at byte %zu: entry size 49 (want >= 48, a multiple of 8)",
		 p.off[1]);
	tap_eq_str(damaged(&m, p.off[1] + 20, &v32, 4, m.len), want,
		   "reason entry size");
	v32 = 1000;
	snprintf(want, sizeof(want),
		 "VMs at byte %zu: 1000 entries of 136 bytes, but 136 bytes of entries",
		 p.off[2]);
	tap_eq_str(damaged(&m, p.off[2] + 16, &v32, 4, m.len), want,
		   "VM count");
	free(m.buf);
}

/* Trailers that do not match the rings: one entry short, one too many. */
static void test_bad_trailers(void)
{
	struct kvmw_recf_cpu c[3] = {
		{ .cpu = 0, .produced = 1, .received = 1 },
		{ .cpu = 1, .produced = 1, .received = 1 },
		{ .cpu = 1, .produced = 1, .received = 1 },
	};
	struct kvmw_recf_trailer t = { .end_mono_ns = START_NS + 1 };
	static const size_t n[] = { 1, 3 };
	char err[256], want[128];
	size_t i;

	make_events();
	for (i = 0; i < 2; i++) {
		struct kvmw_recf_writer w;
		struct kvmw_recf_header h;
		struct kvmw_recf r;
		struct sect_pos p = { .nr = 0 };
		int fd = memfd_create("rec", 0);
		struct mem m;

		make_header(&h);
		kvmw_recw_init(&w, fd);
		kvmw_recw_header(&w, &h);
		kvmw_recw_event(&w, 0, &evs[0].hdr);
		kvmw_recw_event(&w, 1, &evs[4].hdr);
		kvmw_recw_trailer(&w, &t, c, n[i]);
		kvmw_recw_free(&w);
		m = slurp(fd);
		sections(&m, &p);
		if (i)
			snprintf(want, sizeof(want),
				 "trailer at byte %zu: 3 CPUs, but 2 rings",
				 find_sect(&p, KVMW_RECF_TRAILER, 0));
		else
			snprintf(want, sizeof(want),
				 "trailer: no entry for CPU 1, which has 1 record");
		tap_ok(kvmw_recf_parse(&r, m.buf, m.len, err, sizeof(err)) ==
		       -EINVAL, "trailer with %zu entries for 2 rings: refused",
		       n[i]);
		tap_eq_str(err, want, "trailer with %zu entries: message", n[i]);
		free(m.buf);
	}
}

/* ---- the fuzzer's corpus ---- */

static int corpus_one(const char *path, bool *accepted)
{
	struct kvmw_recf r;
	struct kvmw_evagg a;
	struct kvmw_snap s;
	struct kvmw_dirty d;
	struct kvmw_agg agg;
	const char **names;
	char err[256] = "";
	int ret;

	*accepted = false;
	ret = kvmw_recf_open(&r, path, err, sizeof(err));
	if (ret)
		return ret == -EINVAL && err[0] ? 0 : -1;
	*accepted = true;
	ret = -1;
	if (kvmw_evagg_file(&a, &r))
		goto out;
	if (!kvmw_evagg_snap(&a, NULL, kvmw_recf_duration_ns(&r), &s,
			     &names)) {
		if (!kvmw_agg_build(&s, KVMW_EVENT_VMEXIT, &agg)) {
			kvmw_agg_free(&agg);
			ret = 0;
		}
		free(names);
		kvmw_snap_free(&s);
	}
	if (!kvmw_evagg_dirty(&a, NULL, &d))
		kvmw_dirty_free(&d);
	else
		ret = -1;
	kvmw_evagg_free(&a);
out:
	kvmw_recf_close(&r);
	return ret;
}

static void test_corpus(void)
{
	const char *dir = getenv(CORPUS_ENV);
	unsigned int files = 0, accepted = 0, bad = 0;
	struct dirent *de;
	DIR *d;

	if (!dir || !*dir)
		dir = CORPUS_DIR;
	d = opendir(dir);
	if (!tap_ok(d != NULL, "fuzz corpus %s present", dir))
		return;
	while ((de = readdir(d))) {
		char path[4096];
		bool ok;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		files++;
		if (corpus_one(path, &ok)) {
			if (!bad++)
				tap_diag("corpus file %s: no clear verdict",
					 path);
		}
		accepted += ok;
	}
	closedir(d);
	tap_ok(files >= MIN_CORPUS, "corpus has %u files (>= %u)", files,
	       MIN_CORPUS);
	tap_eq_u64(bad, 0, "every corpus file: read and aggregated, or refused with a message");
	tap_ok(accepted > 0 && accepted < files,
	       "corpus holds accepted (%u) and refused (%u) files", accepted,
	       files - accepted);
}

/* ---- command line ---- */

struct run {
	int status;
	char *out, *err;
};

static char tmpdir[] = "/tmp/kvmwatch-rec.XXXXXX";

static char *read_all(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)(len > 0 ? len : 0) + 1);

	if (buf && len > 0 && pread(fd, buf, (size_t)len, 0) != len)
		buf[0] = '\0';
	close(fd);
	return buf;
}

/* kvmwatch with NULL-terminated arguments; @env: NULL or "K=V" list. */
static void run(struct run *r, bool fake, char *const *env, ...)
{
	const char *bin = getenv(fake ? "KVMW_TEST_DYN_BIN" : "KVMW_TEST_BIN");
	const char *dev = getenv("KVMW_TEST_FAKE_DEV");
	char *argv[16] = { "kvmwatch" };
	int out = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	int err = open("/tmp", O_TMPFILE | O_RDWR, 0600), argc = 1, st;
	va_list ap;
	pid_t pid;

	va_start(ap, env);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		unsetenv("KVMWATCH_DEVICE");
		unsetenv("LD_PRELOAD");
		if (fake && dev) {
			setenv("LD_PRELOAD", dev, 1);
			setenv("KVMW_FAKE_PATH", "/fake/kvmwatch", 1);
			setenv("KVMWATCH_DEVICE", "/fake/kvmwatch", 1);
		}
		for (; env && *env; env++)
			putenv(*env);
		dup2(out, 1);
		dup2(err, 2);
		execv(bin, argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = read_all(out);
	r->err = read_all(err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void save(const char *path, const struct mem *m)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, m->buf, m->len) != (ssize_t)m->len)
		tap_diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static void test_cli_errors(void)
{
	char path[64], want[256];
	struct run r;

	run(&r, false, NULL, "record", NULL);
	tap_eq_u64(r.status, 2, "record without -o: exit 2");
	tap_eq_str(r.err, "kvmwatch record: missing -o FILE\n"
		   "Try 'kvmwatch record --help'.\n", "record without -o: message");
	run_free(&r);

	run(&r, false, NULL, "record", "-e", "exit,bogus", "-o", "/tmp/x",
	    NULL);
	tap_eq_u64(r.status, 2, "record -e bogus: exit 2");
	tap_eq_str(r.err, "kvmwatch record: unknown event family 'bogus' (exit, io, halt, dirty, sched, irq, pf, hcall, vm or all)\n"
		   "Try 'kvmwatch record --help'.\n", "record -e bogus: message");
	run_free(&r);

	run(&r, false, NULL, "record", "--pages", "3", "-o", "/tmp/x", NULL);
	tap_eq_u64(r.status, 2, "record --pages 3: exit 2");
	run_free(&r);

	run(&r, false, NULL, "record", "-o", "/tmp/x", "-p", "1", "--",
	    "true", NULL);
	tap_eq_u64(r.status, 2, "record -p with -- COMMAND: exit 2");
	run_free(&r);

	run(&r, false, NULL, "record", "-o", "/tmp/x", "stray", NULL);
	tap_eq_u64(r.status, 2, "record with a stray word: exit 2");
	run_free(&r);

	/* Refused by the device: FILE keeps its bytes, no temporary left. */
	snprintf(path, sizeof(path), "%s/keep", tmpdir);
	save(path, &(struct mem){ (unsigned char *)"precious", 8 });
	run(&r, false, (char *[]){ "KVMWATCH_DEVICE=/nonexistent", NULL },
	    "record", "-o", path, NULL);
	tap_eq_u64(r.status, 1, "record without the device: exit 1");
	run_free(&r);
	run(&r, true, NULL, "record", "-o", path, "--time", "1", NULL);
	tap_eq_u64(r.status, 1, "record on a module without events: exit 1");
	tap_eq_str(r.err, "kvmwatch: the module on /fake/kvmwatch has no event stream (capability events); it is older than this kvmwatch\n",
		   "record on a module without events: message");
	run_free(&r);
	{
		int fd = open(path, O_RDONLY);
		char *s = fd >= 0 ? read_all(fd) : NULL;
		DIR *d = opendir(tmpdir);
		struct dirent *de;
		int n = 0;

		tap_eq_str(s, "precious", "a refused record leaves FILE alone");
		free(s);
		while (d && (de = readdir(d)))
			n += de->d_name[0] != '.';
		if (d)
			closedir(d);
		tap_eq_u64(n, 1, "and leaves no temporary file");
	}

	run(&r, false, NULL, "report", NULL);
	tap_eq_u64(r.status, 2, "report without FILE: exit 2");
	tap_eq_str(r.err, "kvmwatch report: missing FILE (a recording made by 'kvmwatch record')\n"
		   "Try 'kvmwatch report --help'.\n", "report without FILE: message");
	run_free(&r);

	run(&r, false, NULL, "report", "/nonexistent/rec", NULL);
	tap_eq_u64(r.status, 1, "report on a missing file: exit 1");
	tap_eq_str(r.err, "kvmwatch: /nonexistent/rec: No such file or directory\n",
		   "report on a missing file: message");
	tap_eq_str(r.out, "", "report on a missing file: no output");
	run_free(&r);

	run(&r, false, NULL, "report", path, NULL);
	tap_eq_u64(r.status, 1, "report on another file: exit 1");
	snprintf(want, sizeof(want),
		 "kvmwatch: %s: not a kvmwatch recording (bad magic)\n", path);
	tap_eq_str(r.err, want, "report on another file: bad magic");
	run_free(&r);

	run(&r, false, NULL, "report", "--diff", path, NULL);
	tap_eq_u64(r.status, 2, "report --diff with one file: exit 2");
	tap_eq_str(r.err, "kvmwatch report: --diff needs two recordings (A B)\n"
		   "Try 'kvmwatch report --help'.\n", "--diff A: message");
	run_free(&r);

	run(&r, false, NULL, "report", "--top", "5", path, NULL);
	tap_eq_u64(r.status, 2, "report --top without --dirty: exit 2");
	run_free(&r);

	run(&r, false, NULL, "report", "--diff", "--dirty", path, path, NULL);
	tap_eq_u64(r.status, 2, "report --diff --dirty: exit 2");
	run_free(&r);

	run(&r, false, NULL, "report", "--event", "msr", "--hist", path, NULL);
	tap_eq_u64(r.status, 2, "report --hist with --event msr: exit 2");
	run_free(&r);
	unlink(path);
}

/* A recording of @outs OUTs to 0x80 (and one HLT) in @secs seconds. */
static struct mem outs_file(unsigned int outs, u64 secs)
{
	struct kvmw_recf_cpu cpu = { .cpu = 0, .produced = outs + 1,
				     .received = outs + 1 };
	struct kvmw_recf_trailer t = {
		.end_mono_ns = START_NS + secs * 1000000000ULL,
	};
	struct kvmw_recf_writer w;
	struct kvmw_recf_header h;
	int fd = memfd_create("rec", 0);
	unsigned int i;

	make_events();
	make_header(&h);
	kvmw_recw_init(&w, fd);
	kvmw_recw_header(&w, &h);
	kvmw_recw_reasons(&w);
	for (i = 0; i < outs; i++)
		kvmw_recw_event(&w, 0, &evs[0].hdr);
	kvmw_recw_event(&w, 0, &evs[4].hdr);
	kvmw_recw_trailer(&w, &t, &cpu, 1);
	kvmw_recw_free(&w);
	return slurp(fd);
}

static void test_cli_report(void)
{
	char full[64], cut[64], a[64], b[64];
	struct mem m = small_file(WITH_TRAILER);
	struct run r;

	snprintf(full, sizeof(full), "%s/full", tmpdir);
	snprintf(cut, sizeof(cut), "%s/cut", tmpdir);
	save(full, &m);
	m.len -= 30;		/* into the trailer */
	save(cut, &m);
	free(m.buf);

	run(&r, false, NULL, "report", full, NULL);
	tap_eq_u64(r.status, 0, "report: exit 0");
	tap_eq_str(r.err, "", "report: nothing on stderr");
	tap_contains(r.out, "# host: rig, AuthenticAMD, kernel 6.12.0-test, module 0.1.0\n",
		     "report: host line");
	tap_contains(r.out, "# events: exit,io,dirty,vm; selected: pid 42 and its descendants\n",
		     "report: families and filter");
	tap_contains(r.out, "# command: kvmw-guest --out 0x80:2 (pid 42)\n",
		     "report: the command");
	tap_contains(r.out, "# lost: 2 of 8 records produced\n",
		     "report: lost total");
	tap_contains(r.out, "#        0            5            3            2            2\n",
		     "report: ring 0's loss");
	tap_contains(r.out, "Analyze events for pid(s) 42, all VCPUs:",
		     "report: perf's target line");
	tap_contains(r.out, "\n                  io          2    66.67%",
		     "report: io row, 2 samples");
	tap_contains(r.out, "Total Samples:3, Total events handled time:55.00us.",
		     "report: totals");
	run_free(&r);

	run(&r, false, NULL, "report", "--json", "--event", "ioport", full,
	    NULL);
	tap_eq_u64(r.status, 0, "report --json: exit 0");
	tap_contains(r.out, "\"ioport\":[{\"port\":128,\"dir\":\"write\",\"key\":\"0x80:POUT\",\"name\":\"POST_IODELAY\",\"count\":2,\"time_ns\":5000,\"min_ns\":2000,\"max_ns\":3000,",
		     "report --json: the port row as stat prints it");
	tap_contains(r.out, "\"lost\":{\"produced\":8,\"received\":6,\"missed\":2,\"lost\":2,\"torn\":0},\"cpus\":[{\"cpu\":0,\"produced\":5,",
		     "report --json: loss, total and per ring");
	tap_contains(r.out, "\"vm\":\"100-11\",\"pid\":100,\"ppid\":99,\"name\":\"guest1\"",
		     "report --json: the VM, named from the file");
	tap_ok(r.out && strlen(r.out) > 2 &&
	       !strcmp(r.out + strlen(r.out) - 2, "}\n") &&
	       !strchr(r.out, '\n')[1], "report --json: one line");
	run_free(&r);

	run(&r, false, NULL, "report", cut, NULL);
	tap_eq_u64(r.status, 0, "report on a cut file: exit 0");
	tap_contains(r.err, "kvmwatch: warning: ", "cut file: warning");
	tap_contains(r.err, "no trailer: loss counts are unknown",
		     "cut file: loss unknown");
	tap_contains(r.out, "# lost: unknown (truncated at byte",
		     "cut file: the header says so");
	run_free(&r);

	run(&r, false, NULL, "report", "--json", cut, NULL);
	tap_contains(r.out, "\"complete\":false,", "cut file --json: incomplete");
	tap_contains(r.out, "\"lost\":null,\"cpus\":null}}",
		     "cut file --json: loss null");
	run_free(&r);

	run(&r, false, NULL, "report", "--dirty", full, NULL);
	tap_eq_u64(r.status, 0, "report --dirty: exit 0");
	tap_contains(r.out, "PID        GFN        REL_GFN    SLOT_ID    COUNTS\n"
		     "100        f0118      118        3          1\n",
		     "report --dirty: kvm_watcher's columns");
	tap_contains(r.out, "100-11           100                   1            1         0.40         0.40  guest1\n",
		     "report --dirty: per VM, per second");
	run_free(&r);

	m = outs_file(1000, 2);
	snprintf(a, sizeof(a), "%s/a", tmpdir);
	save(a, &m);
	free(m.buf);
	m = outs_file(3000, 2);
	snprintf(b, sizeof(b), "%s/b", tmpdir);
	save(b, &m);
	free(m.buf);
	run(&r, false, NULL, "report", "--diff", a, b, NULL);
	tap_eq_u64(r.status, 0, "report --diff: exit 0");
	tap_contains(r.out, "\n                  io       1000       3000      +2000       500.00      1500.00     +1000.00     3.00\n",
		     "report --diff: io +2000, 500/s -> 1500/s");
	tap_contains(r.out, "\n                 hlt          1          1         +0         0.50         0.50        +0.00     1.00\n",
		     "report --diff: hlt unchanged");
	run_free(&r);
	run(&r, false, NULL, "report", "--diff", "--event", "ioport", "--json",
	    a, b, NULL);
	tap_contains(r.out, "\"rows\":[{\"key\":\"0x80:POUT\",\"port\":128,\"dir\":\"write\",\"count_a\":1000,\"count_b\":3000,\"delta\":2000,\"rate_a\":500.00,\"rate_b\":1500.00,\"delta_rate\":1000.00,\"ratio\":3.0000}]",
		     "report --diff --json --event ioport: the port's delta");
	run_free(&r);
	unlink(full);
	unlink(cut);
	unlink(a);
	unlink(b);
}

void test_recfile(void)
{
	test_round_trip();
	test_truncation();
	test_corrupt();
	test_bad_trailers();
	test_corpus();
	if (!mkdtemp(tmpdir)) {
		tap_ok(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	if (!getenv("KVMW_TEST_BIN")) {
		tap_skip("KVMW_TEST_BIN unset", "record/report command line");
	} else {
		test_cli_errors();
		test_cli_report();
	}
	rmdir(tmpdir);
}
