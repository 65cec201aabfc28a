/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_ATTACH_H
#define KVMW_ATTACH_H

#include <linux/types.h>

int kvmw_attach_init(void);
void kvmw_attach_exit(void);

/* A consumer enables or disables statistics (process context). */
void kvmw_attach_stats_get(void);
void kvmw_attach_stats_put(void);

/* Snapshot of what is attached, for KVMW_IOC_COUNTERS. */
void kvmw_attach_state(u32 *state, u64 *tracepoints, u64 *kprobes,
		       u64 *stats_users);

#endif /* KVMW_ATTACH_H */
