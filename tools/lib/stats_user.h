/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel primitives module/stats_api.h uses, for its userspace builds
 * (bench/callgrind, selftests/unit): put this directory on the include
 * path. A single-threaded user needs no
 * barriers, but the sequence count keeps the kernel's shape so that the
 * instruction counts stay comparable.
 */
#ifndef KVMW_STATS_USER_H
#define KVMW_STATS_USER_H

#include <stddef.h>

#include "types.h"
#include "../../uapi/linux/kvmwatch.h"

typedef __u8 u8;
typedef __s64 s64;
typedef unsigned __int128 u128;

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif
#ifndef noinline
#define noinline	__attribute__((__noinline__))
#endif
#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif

typedef struct {
	unsigned int sequence;
} seqcount_t;

#define kvmw_barrier()	__asm__ __volatile__("" ::: "memory")
#define kvmw_seq_write_begin(s) \
	do { (s)->sequence++; kvmw_barrier(); } while (0)
#define kvmw_seq_write_end(s) \
	do { kvmw_barrier(); (s)->sequence++; } while (0)

#ifndef READ_ONCE
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#endif

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

#endif /* KVMW_STATS_USER_H */
