/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Builds KVMW_IOC_SNAPSHOT record streams for the tests, from raw samples:
 * each statistics record is computed here from the durations it stands
 * for (count, total, min, max, 128-bit sum of squares, log2 histogram),
 * independently of tools/lib, so the tests can check the library's
 * aggregation against a two-pass computation over the same samples.
 */
#ifndef KVMW_SNAPBUILD_H
#define KVMW_SNAPBUILD_H

#include <stddef.h>

#include <linux/kvmwatch.h>

#include "types.h"

struct sb {
	unsigned char *buf;
	size_t len, cap;
};

void sb_init(struct sb *b);
void sb_free(struct sb *b);

/* Append @len raw bytes (a record, well formed or not). */
void sb_raw(struct sb *b, const void *p, size_t len);

/* gone_ns of the gone VMs sb_vm() writes: after any test's window start. */
#define SB_GONE_NS	(1ULL << 62)

void sb_vm(struct sb *b, int pid, const char *id, unsigned int nr_vcpus,
	   unsigned int flags, u64 serial);
void sb_vcpu(struct sb *b, unsigned int vcpu_id, int tid, unsigned int isa,
	     unsigned int nr_stats, unsigned int nr_rips);
/* A vCPU record with every counter given (for the anomaly tests). */
void sb_vcpu_rec(struct sb *b, const struct kvmw_rec_vcpu *v);

/*
 * A statistics record of @n samples (ns). @hist: append the histogram
 * (KVMW_HIST_BUCKETS buckets), else nr_buckets 0. @extra: bytes of zeros
 * a newer kernel's fixed part would have, between the fixed part and the
 * histogram.
 */
void sb_stat(struct sb *b, unsigned int kind, unsigned int sub, u32 code,
	     u64 key, const u64 *samples, size_t n, int hist, size_t extra);
void sb_rip(struct sb *b, u32 code, u64 rip, u64 count);

/* The histogram bucket of a duration, per the uapi's KVMW_HIST_* text. */
unsigned int sb_bucket(u64 ns);

/* Write the stream to @path; 0 or -1. */
int sb_save(const struct sb *b, const char *path);

#endif /* KVMW_SNAPBUILD_H */
