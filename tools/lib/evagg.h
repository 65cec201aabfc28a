/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recorded events, aggregated for "kvmwatch report": EXIT records become
 * the same struct kvmw_snap tree that KVMW_IOC_SNAPSHOT gives "kvmwatch
 * stat" (per VM, vCPU, reason, port/MMIO/MSR key, with the module's
 * accounting rules, module/stats_api.h), so report.c prints both alike.
 * Also: the dirty-page summary of DIRTY records, the vCPU scheduling
 * summary of LOAD/PUT records, and the comparison of two recordings reason
 * by reason.
 */
#ifndef KVMW_EVAGG_H
#define KVMW_EVAGG_H

#include <stdbool.h>
#include <stddef.h>

#include "recfile.h"
#include "report.h"
#include "snapshot.h"
#include "types.h"

/* An open-addressing index: up to 4 words of key -> array position. */
struct kvmw_htab {
	u64 *keys;		/* 4 words per slot */
	u32 *vals;		/* position + 1; 0: empty slot */
	size_t cap, nr;
};

struct kvmw_evagg_vm {
	struct kvmw_recf_vm v;
	bool named;		/* id/pid known (VMS section or VM_CREATE) */
};

struct kvmw_evagg_vcpu {
	u64 vm;
	u32 vcpu_id;
	u32 isa;
	__s32 tid;		/* of its last EXIT record */
	u64 exits, negative, user, decode_errors;
};

/* One statistics row of one vCPU, accumulated like module/stats_api.h. */
struct kvmw_evagg_row {
	u32 vcpu;		/* index in vcpus */
	unsigned __int128 sumsq;
	struct kvmw_snap_stat st;
};

struct kvmw_evagg_rip {
	u32 vcpu, code;
	u64 rip, count;
};

struct kvmw_evagg_dirty {
	u64 vm, gfn, rel_gfn, npages, count;
	u32 slot, vcpu_id;
	__s32 pid;
};

/* A LOAD or PUT record, kept whole: the summary needs them in time order. */
struct kvmw_evagg_sched {
	u64 time_ns;
	u64 seq;		/* in its ring */
	u64 dur_ns;		/* PUT: run_ns; LOAD: off_ns */
	u32 vcpu;		/* index in vcpus */
	u32 ring;		/* the CPU whose ring held it */
	u32 pcpu;
	u32 prev_pcpu;		/* LOAD only */
	u32 how;		/* PUT: how; LOAD: prev_how */
	__s32 tid;
	bool load;
};

/* What the records were: for the report's notes and the tests. */
struct kvmw_evagg_counts {
	u64 records;
	u64 by_type[KVMW_EV_TYPE_TEST + 1];	/* [0]: types unknown here */
	/* Of a known type, but shorter than its structure: not used. */
	u64 short_records;
	u64 exits, negative, decode_errors;
	u64 dirty;
};

struct kvmw_evagg {
	struct kvmw_evagg_vm *vms;
	size_t nr_vms, cap_vms;
	struct kvmw_evagg_vcpu *vcpus;
	size_t nr_vcpus, cap_vcpus;
	struct kvmw_evagg_row *rows;
	size_t nr_rows, cap_rows;
	struct kvmw_evagg_rip *rips;
	size_t nr_rips, cap_rips;
	struct kvmw_evagg_dirty *dirty;
	size_t nr_dirty, cap_dirty;
	struct kvmw_evagg_sched *sched;
	size_t nr_sched, cap_sched;
	struct kvmw_htab h_vm, h_vcpu, h_row, h_rip, h_dirty;
	struct kvmw_evagg_counts counts;
};

/* What a report selects; applied when results are built. */
struct kvmw_evagg_sel {
	int pid;		/* > 0: VMs created by this pid */
	const char *vm;		/* VM id "<pid>-<fd>", or NULL */
	int vcpu;		/* >= 0: this vcpu_id only */
};

void kvmw_evagg_init(struct kvmw_evagg *a);
void kvmw_evagg_free(struct kvmw_evagg *a);

/* A VM the file names (VMS section). 0 or -ENOMEM. */
int kvmw_evagg_vm(struct kvmw_evagg *a, const struct kvmw_recf_vm *vm);

/*
 * One ring record (@arg is the struct kvmw_evagg; a kvmw_recf_ev_fn).
 * EXIT records are accounted as the module's statistics account an exit
 * at its entry: KVMW_EXIT_NEGATIVE ones only in negative_time (untimed),
 * the others in their reason's row (count, total, min, max, sum of
 * squares, histogram, user), the SVM "msr" read or write child row, and
 * the row of their breakdown key. VM_CREATE/VM_GONE name VMs, DIRTY
 * records count pages, LOAD/PUT records are kept for kvmw_evagg_sched()
 * (@cpu is their ring). 0 or -ENOMEM.
 */
int kvmw_evagg_event(void *arg, unsigned int cpu, const struct kvmw_ev *ev);

/* Init, then the file's VMs and every event. 0 or -ENOMEM. */
int kvmw_evagg_file(struct kvmw_evagg *a, const struct kvmw_recf *r);

/*
 * The statistics as a snapshot of the selected VMs and vCPUs (VMs by
 * serial, vCPUs by id), hdr.time_ns = @time_ns. @names (may be NULL) gets
 * an array of each VM's name or NULL, parallel to out->vms, to free().
 * 0 or -ENOMEM.
 */
int kvmw_evagg_snap(const struct kvmw_evagg *a,
		    const struct kvmw_evagg_sel *sel, u64 time_ns,
		    struct kvmw_snap *out, const char ***names);

/* ---- dirty pages ---- */

struct kvmw_dirty_page {
	u64 vm, gfn, rel_gfn, npages, count;
	u32 slot;
	__s32 pid;
};

struct kvmw_dirty_vm {
	u64 serial;
	__s32 pid;
	const char *id, *name;	/* into the kvmw_evagg; name NULL if none */
	u64 marks;		/* DIRTY records */
	u64 pages;		/* distinct (slot, gfn) */
};

struct kvmw_dirty {
	struct kvmw_dirty_page *pages;	/* by count desc, then vm, slot, gfn */
	size_t nr_pages;
	struct kvmw_dirty_vm *vms;	/* by serial */
	size_t nr_vms;
	u64 marks;
};

/* The selected DIRTY records, per page and per VM. 0 or -ENOMEM. */
int kvmw_evagg_dirty(const struct kvmw_evagg *a,
		     const struct kvmw_evagg_sel *sel, struct kvmw_dirty *out);
void kvmw_dirty_free(struct kvmw_dirty *d);

/* ---- vCPU scheduling (LOAD/PUT records) ---- */

/* Indexes of the per-"how" arrays: KVMW_PUT_*, and 0 for any other value. */
#define KVMW_SCHED_OTHER	0
#define KVMW_SCHED_HOWS		4

struct kvmw_sched_pcpu {
	u32 cpu;
	u64 loads;		/* LOAD records onto it */
	u64 running_ns;		/* in the window */
};

struct kvmw_sched_thread {
	__s32 tid;
	u64 loads, puts;
	u64 running_ns;		/* in the window */
};

/*
 * How one vCPU spent the recording's window [start, end], from its LOAD
 * and PUT records in time order. Each record closes an interval that ends
 * at its time: a PUT one on the CPU (run_ns), a LOAD one off it (off_ns,
 * of the kind its prev_how says). Intervals are clipped to the window and
 * to the previous record of the vCPU, so the times never overlap and
 * never add up to more than the window. After the last record: on the
 * CPU if it is a LOAD (@open_ns), else off it, of that PUT's kind, until
 * the end or the VM's destruction. What no record covers (before a
 * vCPU's first load, after its VM is gone, lost records) is @unknown_ns.
 */
struct kvmw_sched_vcpu {
	u64 vm;			/* serial */
	__s32 pid;
	const char *id;		/* into the kvmw_evagg; NULL if unknown */
	const char *name;	/* NULL if none */
	u32 vcpu_id;
	__s32 tid;		/* the thread that ran it longest */
	u64 loads, puts;
	u64 puts_how[KVMW_SCHED_HOWS];	/* PUT records by how */
	/* Residencies: one per PUT record, clipped to the window. */
	u64 run_count, run_total_ns, run_min_ns, run_max_ns;
	u64 run_cut;		/* of those, begun before the window */
	u64 open_ns;		/* last record a LOAD: on the CPU at the end */
	u64 running_ns;		/* run_total_ns + open_ns */
	u64 off_ns[KVMW_SCHED_HOWS];	/* off the CPU, by how it left */
	u64 unknown_ns;		/* window - running_ns - all off_ns */
	u64 migrations;		/* LOAD.pcpu != LOAD.prev_pcpu */
	u64 first_loads;	/* LOADs with no earlier put (prev_how 0) */
	/*
	 * Checks of the records against each other, in time order: @gaps
	 * counts a LOAD after a LOAD or a PUT after a PUT (records lost),
	 * @mismatches a LOAD whose prev_how, prev_pcpu or off_ns is not its
	 * PUT's how, pcpu and time before it, or a PUT whose pcpu or run_ns
	 * is not its LOAD's pcpu and time before it.
	 */
	u64 gaps, mismatches;
	u64 first_ns, last_ns;	/* times of its first and last record */
	u32 pcpu_last;		/* of its last record */
	u32 pcpu_most;		/* pcpus[0].cpu: the most running time */
	struct kvmw_sched_pcpu *pcpus;	/* by running_ns, loads desc, cpu */
	size_t nr_pcpus;
	struct kvmw_sched_thread *threads;	/* by running_ns, loads desc, tid */
	size_t nr_threads;
};

struct kvmw_sched {
	struct kvmw_sched_vcpu *vcpus;	/* by VM serial, vcpu_id */
	size_t nr;
	u64 start_ns, end_ns;		/* the window */
	u64 records;			/* LOAD and PUT records used */
	u64 outside;			/* selected, but outside the window */
};

/*
 * The scheduling summary of the selected vCPUs that have LOAD or PUT
 * records, over the window [@start_ns, @end_ns] (records outside it are
 * only counted: a recording has none). 0 or -ENOMEM.
 */
int kvmw_evagg_sched(const struct kvmw_evagg *a,
		     const struct kvmw_evagg_sel *sel, u64 start_ns,
		     u64 end_ns, struct kvmw_sched *out);
void kvmw_sched_free(struct kvmw_sched *s);

/* ---- comparing two recordings ---- */

struct kvmw_diff_row {
	u32 isa;
	u16 kind, sub;
	u32 code;
	u64 key;
	u64 count_a, count_b;
	long long delta;		/* count_b - count_a */
	double rate_a, rate_b;		/* per second; NAN without duration */
	double delta_rate;		/* rate_b - rate_a */
	double ratio;			/* rate_b / rate_a; NAN if rate_a is 0 */
};

struct kvmw_diff {
	struct kvmw_diff_row *rows;
	size_t nr;
	u64 total_a, total_b;		/* over rows that are not children */
	double secs_a, secs_b;
	double rate_a, rate_b;		/* of the totals */
};

/*
 * Rows of @a and @b (built with kvmw_agg_build() for the same event)
 * matched by ISA, kind, direction, code and key, rates from each file's
 * duration. Sorted by |delta_rate| descending (by |delta| when a duration
 * is 0), ties by |delta| then code, key, direction; child rows (SVM msr
 * read/write) right after their parent. 0 or -ENOMEM.
 */
int kvmw_diff_build(const struct kvmw_agg *a, u64 dur_a_ns,
		    const struct kvmw_agg *b, u64 dur_b_ns,
		    struct kvmw_diff *out);
void kvmw_diff_free(struct kvmw_diff *d);

/*
 * kvmw_row_label(), except that an exit reason this tool has no name for
 * takes the name from the recording's own table (@r may be NULL).
 */
int kvmw_evagg_label(char *buf, size_t len, const struct kvmw_agg_row *row,
		     const struct kvmw_recf *r);

#endif /* KVMW_EVAGG_H */
