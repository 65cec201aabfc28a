/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-style integer names for the userspace library, taken from the uapi
 * types so that values copied out of kvmwatch structures keep their width.
 */
#ifndef KVMW_TYPES_H
#define KVMW_TYPES_H

#include <linux/types.h>

typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#endif /* KVMW_TYPES_H */
