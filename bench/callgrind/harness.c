// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction counts of kvmwatch's accounting fast path
 * (module/stats_api.h), built in userspace with its shim
 * (tools/lib/stats_user.h) and run under callgrind (run.sh).
 *
 * The kernel's probes call kvmw_stats_exit()/kvmw_stats_entry() (and
 * kvmw_stats_key()/kvmw_stats_user() for breakdown events) on the vCPU's
 * statistics block. Those are always-inline; each is wrapped here in one
 * noinline function, so callgrind's --toggle-collect counts exactly the
 * inlined accounting plus the wrapper's own call/return. hot_null() is an
 * empty wrapper of the same shape: the wrapper cost to subtract.
 *
 * Usage: harness cpuid|io|mix|null N
 *   cpuid  N CPUID exits: exit + entry
 *   io     N OUT exits to userspace: exit + kvm_pio key + user return + entry
 *   mix    N of each, alternating (the bench VM's loop)
 *   null   N pairs of empty wrapper calls
 * One pair of each kind first claims the rows and keys (steady state);
 * run.sh takes the difference of runs with N and 2N pairs, so that and
 * any other one-off cost cancels out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_api.h"

#ifndef noinline
#define noinline	__attribute__((__noinline__))
#endif

#define GEN		1
#define SVM_CPUID	0x72
#define SVM_IO		0x7b
#define PORT		0x80
#define RIP_CPUID	0x1000
#define RIP_IO		0x1003
/* SVM IOIO exit_info_1: port << 16, size 1, OUT (type 0). */
#define IO_INFO		((u64)PORT << 16 | 0x10)

noinline void hot_exit(struct kvmw_stats *s, u32 code,
					u64 info, u64 rip, u64 now)
{
	kvmw_stats_exit(s, KVMW_ISA_SVM, code, info, rip, now, GEN);
}

noinline void hot_entry(struct kvmw_stats *s, u64 now)
{
	kvmw_stats_entry(s, now, GEN);
}

noinline void hot_key(struct kvmw_stats *s, u64 port)
{
	kvmw_stats_key(s, KVMW_STAT_IOPORT, port, KVMW_SUB_WRITE, GEN);
}

noinline void hot_user(struct kvmw_stats *s)
{
	kvmw_stats_user(s, 1, GEN);
}

noinline void hot_null(struct kvmw_stats *s, u64 now)
{
	__asm__ __volatile__("" : : "r"(s), "r"(now) : "memory");
}

/* Handling times that move between histogram buckets, as real ones do. */
static u64 clock_ns;
static u64 tick(u64 base, unsigned long i)
{
	clock_ns += base + (i * 2654435761u >> 20) % 4096;
	return clock_ns;
}

static void cpuid_pair(struct kvmw_stats *s, unsigned long i)
{
	hot_exit(s, SVM_CPUID, 0, RIP_CPUID, tick(3000, i));
	hot_entry(s, tick(800, i));
}

static void io_pair(struct kvmw_stats *s, unsigned long i)
{
	hot_exit(s, SVM_IO, IO_INFO, RIP_IO, tick(3000, i));
	hot_key(s, PORT);
	hot_user(s);
	hot_entry(s, tick(9000, i));
}

static void null_pair(struct kvmw_stats *s, unsigned long i)
{
	hot_null(s, tick(3000, i));
	hot_null(s, tick(800, i));
}

int main(int argc, char **argv)
{
	struct kvmw_stats *s;
	unsigned long i, n;
	const char *mode;

	if (argc != 3) {
		fprintf(stderr, "usage: harness cpuid|io|mix|null N\n");
		return 2;
	}
	mode = argv[1];
	n = strtoul(argv[2], NULL, 0);
	s = calloc(1, sizeof(*s));
	if (!s)
		return 1;
	kvmw_stats_init(s);
	/* Steady state: rows and breakdown keys already claimed. */
	cpuid_pair(s, 0);
	io_pair(s, 0);

	for (i = 1; i <= n; i++) {
		if (!strcmp(mode, "cpuid")) {
			cpuid_pair(s, i);
		} else if (!strcmp(mode, "io")) {
			io_pair(s, i);
		} else if (!strcmp(mode, "mix")) {
			cpuid_pair(s, i);
			io_pair(s, i);
		} else if (!strcmp(mode, "null")) {
			null_pair(s, i);
		} else {
			fprintf(stderr, "harness: unknown mode %s\n", mode);
			return 2;
		}
	}
	/* The accounting must have been exact, or the count means nothing. */
	if (s->unfinished || s->entry_without_exit || s->orphan_events ||
	    s->negative_time || s->dropped_reasons) {
		fprintf(stderr, "harness: accounting anomalies\n");
		return 1;
	}
	printf("exits=%llu entries=%llu rows=%u\n",
	       (unsigned long long)s->exits, (unsigned long long)s->entries,
	       s->nr_rows);
	free(s);
	return 0;
}
