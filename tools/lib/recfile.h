/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmwatch recordings ("kvmwatch record -o FILE"): the file format, its
 * writer and its reader. docs/record-format.md is the specification; the
 * structures below are its on-disk layout (little-endian, every section
 * and record 8-byte aligned).
 *
 * The reader trusts nothing in the file: it checks every length, count
 * and record size in a first pass over the whole mapping, and only then
 * hands out events. A file whose recorder was killed (no trailer, or a
 * last section cut short) is still readable up to its last whole section;
 * the reader says so in @warning.
 */
#ifndef KVMW_RECFILE_H
#define KVMW_RECFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "types.h"
#include "../../uapi/linux/kvmwatch.h"

#define KVMW_RECF_MAGIC		"KVMWREC\n"	/* 8 bytes, no NUL */
#define KVMW_RECF_MAGIC_LEN	8
#define KVMW_RECF_VERSION	1
/* Refused above this: no host has more CPUs (x86 NR_CPUS is 8192). */
#define KVMW_RECF_MAX_RINGS	65536U

/* At byte 0. Sections start at @hdr_size. */
struct kvmw_recf_file_hdr {
	char magic[KVMW_RECF_MAGIC_LEN];
	__u32 version;
	__u32 hdr_size;		/* >= 16, a multiple of 8 */
};

/* Section types; a reader skips the ones it does not know. */
#define KVMW_RECF_HEADER	1
#define KVMW_RECF_REASONS	2
#define KVMW_RECF_VMS		3
#define KVMW_RECF_EVENTS	4
#define KVMW_RECF_TRAILER	5

/* Every section: this, then @len bytes of payload. */
struct kvmw_recf_sect {
	__u32 type;
	__u32 reserved;		/* 0 */
	__u64 len;		/* a multiple of 8 */
};

/*
 * KVMW_RECF_HEADER, the first section. Grows like the uapi structures:
 * @size is what the writer knew; a reader uses the prefix it knows and
 * zero-fills the rest. Strings are NUL terminated (the reader forces it).
 */
struct kvmw_recf_header {
	__u32 size;
	__u32 abi;		/* struct kvmw_version of the module */
	__u32 mod_major;
	__u32 mod_minor;
	__u32 mod_patch;
	__u32 caps;
	__u32 nr_rings;		/* struct kvmw_ring_setup.nr_rings */
	__u32 ring_flags;	/* KVMW_RING_* */
	__u32 data_pages;	/* per ring, as the kernel set it */
	__u32 watermark;
	__u64 families;		/* struct kvmw_enable.families */
	__u64 min_duration_ns;
	__u64 start_mono_ns;	/* CLOCK_MONOTONIC just before enabling */
	__u64 start_real_ns;	/* CLOCK_REALTIME at the same moment */
	__s32 command_pid;	/* "-- COMMAND"'s pid, else 0 */
	__u32 reserved;
	struct kvmw_filter filter;	/* as set (KVMW_IOC_SET_FILTER) */
	char release[64];	/* kernel release, from KVMW_IOC_VERSION */
	char vendor[64];	/* /proc/cpuinfo vendor_id */
	char hostname[64];
	char tool_version[32];	/* kvmwatch that recorded */
	char command[128];	/* "-- COMMAND" (words joined), or "" */
};

#define KVMW_RECF_HEADER_SIZE_VER0	480

/* KVMW_RECF_REASONS, KVMW_RECF_VMS: a table, @count entries of @entry_size. */
struct kvmw_recf_table {
	__u32 count;
	__u32 entry_size;	/* a multiple of 8, >= the entry's VER0 */
};

/* One exit-reason name, as the recording tool's tables had it. */
struct kvmw_recf_reason {
	__u32 isa;		/* KVMW_ISA_* */
	__u32 code;		/* basic reason */
	char name[40];
};

#define KVMW_RECF_REASON_SIZE_VER0	48

/* A VM: known at the start (a snapshot), or seen created meanwhile. */
struct kvmw_recf_vm {
	__u64 serial;		/* struct kvmw_ev.vm */
	__s32 pid;
	__s32 ppid;
	__u64 created_ns;
	__u64 gone_ns;		/* 0 while alive */
	__u32 flags;		/* KVMW_VM_* */
	__u32 nr_vcpus;
	char id[32];		/* "<pid>-<fd>" */
	char name[64];		/* QEMU's -name, or "" */
};

#define KVMW_RECF_VM_SIZE_VER0		136

/*
 * KVMW_RECF_EVENTS: @nr ring records of ring @cpu, as read (struct
 * kvmw_ev and its body; sizes multiples of 8, 40 to KVMW_EV_MAX_SIZE),
 * filling the rest of the section exactly.
 */
struct kvmw_recf_chunk {
	__u32 cpu;
	__u32 nr;
};

/* Per ring, at the end: struct kvmw_ring_cpu_stats of the reader. */
struct kvmw_recf_cpu {
	__u32 cpu;
	__u32 reserved;
	__u64 produced;
	__u64 received;
	__u64 missed;
	__u64 lost;
	__u64 torn;
};

#define KVMW_RECF_CPU_SIZE_VER0		48

/*
 * KVMW_RECF_TRAILER, the last section: this (@size bytes), then @nr_cpus
 * entries of @cpu_size bytes. Its @received counts must equal the records
 * the file holds for each ring, and @events their sum.
 */
struct kvmw_recf_trailer {
	__u32 size;
	__u32 nr_cpus;
	__u32 cpu_size;
	__u32 reserved;
	__u64 end_mono_ns;
	__u64 end_real_ns;
	__u64 events;
};

#define KVMW_RECF_TRAILER_SIZE_VER0	40

/* ---- writer ---- */

struct kvmw_recf_writer {
	int fd;
	u64 off;		/* bytes written so far */
	int err;		/* first error (-errno), sticky */
	/* The open EVENTS chunk: records of one ring, written as one. */
	unsigned char *chunk;
	size_t chunk_len, chunk_cap;
	u32 chunk_cpu, chunk_nr;
	u64 events;		/* records written (chunks flushed) */
};

/*
 * Each returns 0, or -errno (the first error, kept: later calls fail the
 * same way without writing). -EINVAL for a record that is not a valid
 * ring record.
 */
int kvmw_recw_init(struct kvmw_recf_writer *w, int fd);
int kvmw_recw_header(struct kvmw_recf_writer *w,
		     const struct kvmw_recf_header *h);
/* The names of every ISA this tool knows. */
int kvmw_recw_reasons(struct kvmw_recf_writer *w);
int kvmw_recw_vms(struct kvmw_recf_writer *w, const struct kvmw_recf_vm *v,
		  size_t n);
/* Buffered: a chunk is written when the ring changes, or when full. */
int kvmw_recw_event(struct kvmw_recf_writer *w, unsigned int cpu,
		    const struct kvmw_ev *ev);
int kvmw_recw_flush(struct kvmw_recf_writer *w);
/* Flushes, then writes the trailer (@t's counts and sizes are set here). */
int kvmw_recw_trailer(struct kvmw_recf_writer *w,
		      const struct kvmw_recf_trailer *t,
		      const struct kvmw_recf_cpu *cpus, size_t n);
/* Any section, payload padded with zeros to 8 bytes (tests, fuzz seeds). */
int kvmw_recw_section(struct kvmw_recf_writer *w, u32 type,
		      const void *payload, size_t len);
void kvmw_recw_free(struct kvmw_recf_writer *w);

/* ---- reader ---- */

struct kvmw_recf {
	const unsigned char *buf;
	size_t len;
	size_t first;		/* the first section's offset */
	size_t end;		/* sections are read up to here */
	void *map;		/* kvmw_recf_open()'s mapping */
	size_t map_len;

	struct kvmw_recf_header hdr;
	struct kvmw_recf_reason *reasons;
	size_t nr_reasons;
	struct kvmw_recf_vm *vms;	/* every VMS section, in file order */
	size_t nr_vms;

	bool has_trailer;
	struct kvmw_recf_trailer trailer;
	struct kvmw_recf_cpu *cpus;	/* the trailer's */
	size_t nr_cpus;

	u64 *cpu_records;	/* records in the file, per ring */
	u64 nr_events, nr_chunks;
	u64 first_ns, last_ns;	/* of the events (0 when none) */

	/* The file ends inside the section that starts here (0: it does not). */
	u64 truncated_at;
	char warning[256];	/* "" or why loss counts or data are missing */
};

/*
 * Check and index a recording in memory (@buf must outlive @r). Returns 0,
 * -EINVAL with the reason in @err ("not a kvmwatch recording (bad
 * magic)", "unsupported version 2", "truncated at byte 123", ...), or
 * -ENOMEM. On success, @r->warning tells a file without trailer apart.
 */
int kvmw_recf_parse(struct kvmw_recf *r, const void *buf, size_t len,
		    char *err, size_t errlen);

/* The same from a file (mapped). -errno from open/mmap, with @err set. */
int kvmw_recf_open(struct kvmw_recf *r, const char *path, char *err,
		   size_t errlen);

void kvmw_recf_close(struct kvmw_recf *r);

/*
 * Every event of a parsed file in file order. @ev is an 8-byte aligned
 * copy, zero-extended to KVMW_EV_MAX_SIZE bytes, valid during the call;
 * ev->size is the record's own size. A non-zero return stops the walk and
 * is returned.
 */
typedef int (*kvmw_recf_ev_fn)(void *arg, unsigned int cpu,
			       const struct kvmw_ev *ev);
int kvmw_recf_events(const struct kvmw_recf *r, kvmw_recf_ev_fn fn,
		     void *arg);

/*
 * How long the recording ran: the trailer's end, or without it the last
 * event, minus the start. 0 if that is not after the start.
 */
u64 kvmw_recf_duration_ns(const struct kvmw_recf *r);

/* The recording's name for exit @code of @isa (basic reason), or NULL. */
const char *kvmw_recf_reason_name(const struct kvmw_recf *r, u32 isa,
				  u32 code);

/* Sums of the trailer's per-ring counts (all 0 without a trailer). */
void kvmw_recf_loss(const struct kvmw_recf *r, struct kvmw_recf_cpu *sum);

/* "exit,io,vm" from KVMW_ENABLE_* bits; snprintf() semantics. */
int kvmw_families_text(char *buf, size_t len, u64 families);

#endif /* KVMW_RECFILE_H */
