/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's own per-vCPU statistics as KVMW_REC_KVM carries them (enum
 * kvmw_kvm_stat in uapi/linux/kvmwatch.h): their names, as KVM's binary
 * stats file descriptor and kvm_stat show them, and their kinds.
 */
#ifndef KVMW_KVMSTAT_H
#define KVMW_KVMSTAT_H

#include <stdbool.h>

#include "../../uapi/linux/kvmwatch.h"

/* KVM's name of value @idx ("halt_exits"), or NULL past KVMW_KVM_NR. */
const char *kvmw_kvm_stat_name(unsigned int idx);

/* Whether value @idx counts nanoseconds (halt_*_ns). */
bool kvmw_kvm_stat_is_ns(unsigned int idx);

/*
 * Whether value @idx is an instant value (KVM's booleans "blocking" and
 * "guest_mode"), not a counter: it has no rate and is never subtracted.
 */
bool kvmw_kvm_stat_is_gauge(unsigned int idx);

/* The index of KVM's stat @name, or -1 if this tool does not know it. */
int kvmw_kvm_stat_index(const char *name);

#endif /* KVMW_KVMSTAT_H */
