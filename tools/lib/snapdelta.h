/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The difference of two cumulative (KVMW_SNAP_RAW) snapshots: what
 * happened between them, shaped like a snapshot taken against a baseline
 * set at the first one. "kvmwatch exporter" uses it to run doctor over
 * the window between two scrapes without resetting anything. Pure.
 */
#ifndef KVMW_SNAPDELTA_H
#define KVMW_SNAPDELTA_H

#include "snapshot.h"

/*
 * @out = @cur - @prev: a deep copy of @cur (same VMs, vCPUs and rows, in
 * the same order, so VM indexes match @cur's) whose counts and times
 * (count, total_ns, user, histogram buckets, RIP counts and the vCPU's
 * exits/entries/guest_ns/user_ns) have @prev's matching values taken
 * off. VMs match by serial, vCPUs by vcpu_id, rows by kind, sub, code
 * and key, RIPs by code and RIP. Anything @prev lacks (a VM, vCPU or row
 * that appeared since), or that went backwards, is kept whole. min_ns,
 * max_ns and sumsq are cumulative extremes and sums of squares: they are
 * zeroed. Returns 0 or -ENOMEM (@out empty).
 */
int kvmw_snap_delta(const struct kvmw_snap *prev, const struct kvmw_snap *cur,
		    struct kvmw_snap *out);

#endif /* KVMW_SNAPDELTA_H */
