/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "kvmwatch doctor": findings from one window of statistics (a snapshot
 * taken against a baseline set at the window's start), each with its
 * evidence, advice and host CPU cost, ranked by that cost. Pure: it reads
 * a parsed snapshot and writes to the FILE it is given, so the unit tests
 * build snapshots by hand and compare bytes. Thresholds and their
 * reasons: docs/doctor.md and the comments in doctor.c.
 */
#ifndef KVMW_DOCTOR_H
#define KVMW_DOCTOR_H

#include <stdio.h>

#include "docagg.h"
#include "snapshot.h"
#include "types.h"

enum kvmw_finding_kind {
	KVMW_FIND_TIMER_TICK,		/* "timer-tick" */
	KVMW_FIND_CLOCK_IOPORT,		/* "clock-ioport-storm" */
	KVMW_FIND_MSR_STORM,		/* "msr-write-storm" */
	KVMW_FIND_INTR_NOISE,		/* "interrupt-noise" */
	KVMW_FIND_HALT_POLL,		/* "halt-poll-waste" (HALT events) */
	KVMW_FIND_PREEMPTION,		/* "vcpu-preemption" (SCHED events) */
	KVMW_FIND_DIRTY_RATE,		/* "dirty-rate" (DIRTY events), per VM */
};

/* QEMU's default migration max-bandwidth: MAX_THROTTLE, 128 MiB/s. */
#define KVMW_DOCTOR_MIGRATION_BW_DEFAULT	(128ULL << 20)

#define KVMW_FIND_MAX_KEYS	4
#define KVMW_FIND_MAX_RIPS	3

/* One port or MSR (breakdown row, summed over directions if asked). */
struct kvmw_find_key {
	u16 kind, sub;		/* KVMW_STAT_IOPORT/MSR, KVMW_SUB_* */
	u64 key;
	u64 count, total_ns;
};

struct kvmw_finding {
	enum kvmw_finding_kind kind;
	size_t vm;				/* index in the snapshot */
	const struct kvmw_snap_vcpu *vcpu;	/* NULL: the whole VM */
	/* halt-poll-waste, vcpu-preemption: the vCPU's event sums */
	const struct kvmw_docagg_vcpu *ev;
	/* interrupt-noise: the vCPU's timer writes, left out of count */
	u64 timer_writes;
	/* dirty-rate: pages dirtied by vCPUs and by the VMM (no vCPU) */
	u64 dirty_pages, dirty_vmm;
	u64 count, total_ns;			/* the exits it covers */
	/* (interrupt-noise: those beyond the timer writes, pro rata) */
	u64 cost_ns_per_s;			/* total_ns / window */
	u64 vcpu_exits, vcpu_ns;		/* all the vCPU's exits */
	u64 hlt_count, hlt_ns;			/* the vCPU's HLT exits */
	struct kvmw_find_key keys[KVMW_FIND_MAX_KEYS];
	unsigned int nr_keys;			/* biggest first */
	u64 keys_other;				/* exits of keys left out */
	u32 rip_code;				/* exit reason of the RIPs */
	struct kvmw_rec_rip rips[KVMW_FIND_MAX_RIPS];
	unsigned int nr_rips;
};

struct kvmw_findings {
	struct kvmw_finding *f;
	size_t nr;
	u64 window_ns;
	u64 migration_bw;			/* bytes/s */
};

/* The event side of a window: NULL for statistics only. */
struct kvmw_doctor_events {
	/* HALT, SCHED and DIRTY records of the same VMs and window */
	const struct kvmw_docagg *agg;
	/* the migration link, bytes/s; 0: KVMW_DOCTOR_MIGRATION_BW_DEFAULT */
	u64 migration_bw;
};

/*
 * The findings of @s (statistics of a window of @window_ns, > 0) and,
 * if @ev is not NULL, of the events of the same window, ranked by
 * cost_ns_per_s, descending (ties: VM, vCPU, VM-wide after vCPUs, kind).
 * Without @ev only the statistics' kinds (timer-tick,
 * clock-ioport-storm, msr-write-storm, interrupt-noise) can be found.
 * Returns 0 or -ENOMEM. @out points into @s and @ev: free it first.
 */
int kvmw_doctor_run(const struct kvmw_snap *s, u64 window_ns,
		    const struct kvmw_doctor_events *ev,
		    struct kvmw_findings *out);
void kvmw_findings_free(struct kvmw_findings *out);

/* "timer-tick", "clock-ioport-storm", ... */
const char *kvmw_finding_kind_name(enum kvmw_finding_kind k);

/*
 * The text report: one block per finding (summary, evidence, advice), or
 * "No findings ..." when there are none. @vm_names: one per VM of @s,
 * NULL entries (or a NULL array) for none.
 */
void kvmw_doctor_text(FILE *out, const struct kvmw_snap *s,
		      const struct kvmw_findings *fs,
		      const char *const *vm_names);

/* The JSON document (one line); 0, or -1 if writing failed. */
int kvmw_doctor_json(FILE *out, const struct kvmw_snap *s,
		     const struct kvmw_findings *fs,
		     const char *const *vm_names);

#endif /* KVMW_DOCTOR_H */
