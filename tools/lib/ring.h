/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reader of the event stream of /dev/kvmwatch (uapi/linux/kvmwatch.h,
 * "Event stream"): one ring per possible CPU, mapped into this process,
 * read in discard or overwrite mode. Records are handed to a callback as
 * private, aligned, unwrapped copies, so callers never see the ring's
 * memory, its wrap-around or a record the kernel is overwriting.
 *
 * Nothing read from the rings is trusted: a position or size that would
 * make the reader leave the data area fails the drain with -EPROTO.
 */
#ifndef KVMW_RING_H
#define KVMW_RING_H

#include <stdbool.h>

#include <linux/kvmwatch.h>

#include "types.h"

struct kvmw_ring_opts {
	unsigned int data_pages;	/* per CPU; 0: kernel default */
	unsigned int watermark;		/* bytes; 0: kernel default */
	bool overwrite;			/* KVMW_RING_OVERWRITE */
};

struct kvmw_ring;			/* opaque */

/*
 * KVMW_IOC_RING_SETUP on @fd, then mmap every possible CPU's control page
 * (RW) and data area (RO). 0 or -errno; on error nothing stays mapped.
 * -EPROTO if the kernel's answer or a control page is inconsistent.
 * @fd stays the caller's: close it after kvmw_ring_close().
 */
int kvmw_ring_open(int fd, const struct kvmw_ring_opts *o,
		   struct kvmw_ring **out);
void kvmw_ring_close(struct kvmw_ring *r);
unsigned int kvmw_ring_nr_cpus(const struct kvmw_ring *r);	/* nr_rings */

/* poll() the device: >0 readable, 0 timeout, -errno (EINTR passed up). */
int kvmw_ring_wait(struct kvmw_ring *r, int timeout_ms);

/*
 * @ev: a private, 8-byte aligned, unwrapped copy, valid during the call
 * only; ev->size bytes. Non-zero return stops the drain and is returned
 * (so return a negative errno: a positive value reads as a count).
 */
typedef int (*kvmw_ring_fn)(void *arg, unsigned int cpu,
			    const struct kvmw_ev *ev);

/*
 * Consume everything complete in every ring, CPU by CPU, each in ring
 * order (discard: then store data_tail; overwrite: the torn-copy check of
 * the uapi header, and data_tail is stored too, for poll()'s watermark). Returns records delivered (>= 0) or -errno; a malformed
 * record (size < 40, not a multiple of 8, > KVMW_EV_MAX_SIZE, or past
 * data_head) is -EPROTO, in overwrite mode too when the copy was not torn.
 */
long kvmw_ring_drain(struct kvmw_ring *r, kvmw_ring_fn fn, void *arg);

/*
 * The same, but all rings' records merged in time_ns order (stable per
 * CPU: a ring's records keep their order; equal times go to the lower
 * CPU first). Only the records of one drain are merged.
 */
long kvmw_ring_drain_sorted(struct kvmw_ring *r, kvmw_ring_fn fn, void *arg);

struct kvmw_ring_cpu_stats {
	u64 produced;	/* ctrl->seq_next at the last drain */
	u64 received;	/* records delivered */
	/*
	 * Records produced and not delivered: seq gaps seen, records before
	 * the first one seen (seq of the first record), and those counted in
	 * seq_next after the last one seen (lost at the end of a full ring,
	 * or still being written during the drain). So after a final drain
	 * with producers stopped, produced == received + missed.
	 */
	u64 missed;
	u64 lost;	/* ctrl->lost (discard mode) */
	u64 torn;	/* overwrite mode: copies thrown away */
};

/* Zeros for a CPU that is not possible (or out of range). */
void kvmw_ring_cpu_stats(const struct kvmw_ring *r, unsigned int cpu,
			 struct kvmw_ring_cpu_stats *s);
/* Sum over CPUs. */
void kvmw_ring_stats(const struct kvmw_ring *r, struct kvmw_ring_cpu_stats *s);

/*
 * The mapping half of kvmw_ring_open(), for tests: map the rings that
 * @setup (as KVMW_IOC_RING_SETUP filled it) describes from @fd, which
 * can be any mappable file laid out that way (a memfd). A CPU whose
 * mmap fails with ENXIO is not possible and gets no ring.
 */
int kvmw_ring_map(int fd, const struct kvmw_ring_setup *setup,
		  struct kvmw_ring **out);

#endif /* KVMW_RING_H */
