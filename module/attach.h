/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_ATTACH_H
#define KVMW_ATTACH_H

#include <linux/types.h>

int kvmw_attach_init(void);
void kvmw_attach_exit(void);

/*
 * A consumer enables or disables families (KVMW_ENABLE_*):
 * the probes they need are attached while one consumer wants them.
 * Process context; both accept 0.
 */
void kvmw_attach_get(u64 families);
void kvmw_attach_put(u64 families);

/* Snapshot of what is attached, for KVMW_IOC_COUNTERS. */
void kvmw_attach_state(u32 *state, u64 *tracepoints, u64 *kprobes,
		       u64 *stats_users);

#endif /* KVMW_ATTACH_H */
