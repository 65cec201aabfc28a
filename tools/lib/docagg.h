/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event records aggregated for "kvmwatch doctor": per VM and vCPU, what
 * the HALT (WAKEUP, HALT_POLL), SCHED (LOAD, PUT) and DIRTY families say
 * about halt polling, preemption and dirtied pages over the window. Pure:
 * the unit tests feed hand-made records. doctor.c turns the sums into
 * findings (docs/doctor.md).
 */
#ifndef KVMW_DOCAGG_H
#define KVMW_DOCAGG_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/kvmwatch.h>

#include "types.h"

struct kvmw_docagg_vcpu {
	u64 vm;			/* struct kvmw_ev.vm: the VM's serial */
	u32 vcpu_id;		/* KVMW_EV_NO_VCPU: DIRTY by the VMM */

	/* HALT: one WAKEUP per halt, HALT_POLL when the window changed */
	u64 wakeups;
	u64 polled;		/* waited == 0: polling caught the wake-up */
	u64 invalid;		/* valid == 0: spurious wake-ups */
	u64 poll_ok_ns;		/* halt_ns of the polled ones */
	/*
	 * Halts that ended asleep (waited == 1) while the poll window was
	 * non-zero: KVM polled first, in vain. poll_fail_ns sums, for each,
	 * min(the window in force, halt_ns): the time it polled.
	 */
	u64 poll_fail, poll_fail_ns;
	u64 grows, shrinks;
	u32 window_ns;		/* the latest window (valid if window_known) */
	bool window_known;

	/* SCHED */
	u64 loads;
	u64 preempted;		/* LOADs after a KVMW_PUT_PREEMPTED put */
	u64 stall_ns;		/* their off_ns: runnable, not running */
	u64 max_stall_ns;
	u64 migrations;		/* LOADs on another pCPU than the last put */
	u64 pcpus;		/* bit n: ran on pCPU n (n < 64) */

	/* DIRTY */
	u64 dirty;		/* pages marked dirty */

	/* private: window tracking */
	u32 pend_old;		/* HALT_POLL seen, its halt's WAKEUP not yet */
	bool pend;
	u64 early_fail;		/* waited halts before any HALT_POLL */
	u64 early_halt_ns;	/* ...their halt_ns */
};

struct kvmw_docagg {
	struct kvmw_docagg_vcpu *v;
	size_t nr, cap;
	u64 records;		/* records of the families used */
	u64 short_records;	/* shorter than their structure: skipped */
};

/*
 * Add one record (any type; types other than WAKEUP, HALT_POLL, LOAD,
 * PUT and DIRTY are ignored). 0, or -ENOMEM.
 */
int kvmw_docagg_add(struct kvmw_docagg *a, const struct kvmw_ev *ev);

/* The sums of @vcpu_id of VM @vm, or NULL if it had no record. */
const struct kvmw_docagg_vcpu *kvmw_docagg_find(const struct kvmw_docagg *a,
						u64 vm, u32 vcpu_id);

void kvmw_docagg_free(struct kvmw_docagg *a);

#endif /* KVMW_DOCAGG_H */
