/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counter baselines: saved before a test, compared after it. The module
 * has no kmemleak on Debian kernels; its live-object counters returning to
 * their baseline is the leak check.
 *
 * File format, one "name value" per line, '#' starts a comment:
 *
 *	# kvmwatch counters baseline
 *	attach_state full
 *	vms 0
 *	...
 *
 * Every counter the module filled is written for the record; "files"
 * excludes the saving reader's own open file, so the file describes what
 * everybody else held. Reading keeps only the compared counters and
 * ignores names it does not know, so a file written by a newer kvmwatch
 * still reads; compared counters of the structure's first version must be
 * present, later ones (alloc_failures) are compared only when both the
 * file and the module have them.
 */
#ifndef KVMW_BASELINE_H
#define KVMW_BASELINE_H

#include <stdbool.h>
#include <stdio.h>

#include "counters.h"

struct kvmw_baseline {
	u64 value[KVMW_COUNTER_NFIELDS];	/* by kvmw_counter_fields index */
	bool have[KVMW_COUNTER_NFIELDS];	/* the file had it */
};

struct kvmw_baseline_diff {
	const char *name;
	u64 baseline;
	u64 now;
};

/* Write @c; the reader holds @own_files open files itself. */
int kvmw_baseline_write(FILE *out, const struct kvmw_counters *c,
			u64 own_files);

/*
 * Read a baseline. On error returns -1 with a message (naming the line)
 * in @err.
 */
int kvmw_baseline_read(FILE *in, struct kvmw_baseline *b, char *err,
		       size_t errlen);

/*
 * Compared counters of @c (the reader holding @own_files) that fail their
 * check against @b (KVMW_CHECK_EQUAL: differ; KVMW_CHECK_NO_GROWTH:
 * grew), at most @max of them into @d. Returns how many fail.
 */
size_t kvmw_baseline_diff(const struct kvmw_baseline *b,
			  const struct kvmw_counters *c, u64 own_files,
			  struct kvmw_baseline_diff *d, size_t max);

#endif /* KVMW_BASELINE_H */
