/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_SNAPSHOT_H
#define KVMW_SNAPSHOT_H

#include <linux/types.h>

#include "../uapi/linux/kvmwatch.h"

/* A consumer's baseline: the statistics of every vCPU at its reset. */
struct kvmw_base;

struct kvmw_base *kvmw_base_take(void);
/* An empty baseline for kvmw_snapshot_fill() to fill. */
struct kvmw_base *kvmw_base_alloc(void);
void kvmw_base_seal(struct kvmw_base *base);
void kvmw_base_free(struct kvmw_base *base);

/*
 * Write the records of every VM and vCPU that passes @filter, minus @base
 * (may be NULL), into @buf of @len bytes. Returns the bytes the records
 * need, which may exceed @len: then @buf holds a truncated stream; or
 * SIZE_MAX when out of memory. If @newbase is not NULL, every vCPU's
 * copy (selected or not) is also recorded there, as a baseline that
 * starts exactly where this snapshot ends.
 */
size_t kvmw_snapshot_fill(const struct kvmw_filter *filter,
			  const struct kvmw_base *base, u32 flags,
			  void *buf, size_t len, u32 *nr_vms, u32 *nr_vcpus,
			  struct kvmw_base *newbase);

#endif /* KVMW_SNAPSHOT_H */
