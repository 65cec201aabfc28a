/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading statistics from /dev/kvmwatch: KVMW_IOC_SNAPSHOT's record
 * stream (see uapi/linux/kvmwatch.h) parsed into a tree of VMs, vCPUs and
 * rows. Shared by the CLI and the selftests.
 */
#ifndef KVMW_SNAPSHOT_H
#define KVMW_SNAPSHOT_H

#include <stddef.h>

#include "types.h"
#include "../../uapi/linux/kvmwatch.h"

struct kvmw_snap_stat {
	struct kvmw_rec_stat rec;		/* nr_buckets: valid in hist */
	u64 hist[KVMW_HIST_BUCKETS];
};

/*
 * @rec: the vCPU record as far as this tool knows it; fields a shorter
 * (older) record lacks are 0, e.g. guest_ns and user_ns before
 * KVMW_REC_VCPU_SIZE_VER1: @rec_len says which.
 * @kvm: KVM's own statistics (KVMW_REC_KVM, KVMW_SNAP_KVM), by enum
 * kvmw_kvm_stat; the first @nr_kvm are valid (0 when there was no such
 * record or it had no values; at most KVMW_KVM_NR).
 */
struct kvmw_snap_vcpu {
	struct kvmw_rec_vcpu rec;
	struct kvmw_snap_stat *stats;
	size_t nr_stats;
	struct kvmw_rec_rip *rips;
	size_t nr_rips;
	u32 rec_len;
	u64 kvm[KVMW_KVM_NR];
	unsigned int nr_kvm;
};

struct kvmw_snap_vm {
	struct kvmw_rec_vm rec;
	struct kvmw_snap_vcpu *vcpus;
	size_t nr_vcpus;
};

struct kvmw_snap {
	struct kvmw_snapshot hdr;		/* as returned by the ioctl */
	struct kvmw_snap_vm *vms;
	size_t nr_vms;
};

/*
 * Parse a record stream. Returns 0, or -EINVAL for a malformed stream
 * (bad length, a vCPU before its VM, counts that disagree), leaving @out
 * empty. Unknown record types are skipped.
 */
int kvmw_snap_parse(const void *buf, size_t len, struct kvmw_snap *out);

/*
 * KVMW_IOC_SNAPSHOT on @fd with KVMW_SNAP_* @flags, growing the buffer
 * until it fits. Returns 0 or -errno.
 */
int kvmw_snap_take(int fd, unsigned int flags, struct kvmw_snap *out);

void kvmw_snap_free(struct kvmw_snap *s);

/*
 * Leave out the VMs destroyed before @start_ns (CLOCK_MONOTONIC): the
 * module keeps destroyed VMs for a while, and one gone before a window
 * opened has nothing in it.
 */
void kvmw_snap_drop_gone_before(struct kvmw_snap *s, u64 start_ns);

/* The row of @kind/@sub/@code/@key, or NULL. */
const struct kvmw_snap_stat *kvmw_snap_find(const struct kvmw_snap_vcpu *v,
					    unsigned int kind, unsigned int sub,
					    u32 code, u64 key);

/* Device helpers: each returns 0 or -errno. */
int kvmw_dev_enable(int fd, u64 families);
int kvmw_dev_filter(int fd, const struct kvmw_filter *f);
int kvmw_dev_reset(int fd);

#endif /* KVMW_SNAPSHOT_H */
