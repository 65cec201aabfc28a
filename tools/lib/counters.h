/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fields of struct kvmw_counters as data: name, place, and whether a
 * test must find them back at their baseline. Printing, JSON, saving and
 * comparing all walk this one table, so a new counter is added once.
 */
#ifndef KVMW_COUNTERS_H
#define KVMW_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/kvmwatch.h>

#include "types.h"

struct kvmw_counter_field {
	const char *name;
	size_t offset;		/* of a __u64 in struct kvmw_counters */
	/*
	 * A live-object count (or one that must stay 0): after a test it
	 * must equal its value before the test, or something leaked.
	 */
	bool baseline;
	/* Counts the reader's own open /dev/kvmwatch file. */
	bool self;
};

/* Every __u64 of struct kvmw_counters (attach_state is not a count). */
#define KVMW_COUNTER_NFIELDS	11

extern const struct kvmw_counter_field
	kvmw_counter_fields[KVMW_COUNTER_NFIELDS];

u64 kvmw_counter_value(const struct kvmw_counters *c,
		       const struct kvmw_counter_field *f);

/*
 * Value with the reader's @own_files open files taken out of "files",
 * i.e. what the module holds for everybody else.
 */
u64 kvmw_counter_others(const struct kvmw_counters *c,
			const struct kvmw_counter_field *f, u64 own_files);

/* "none", "partial", "full"; NULL for a state this tool does not know. */
const char *kvmw_attach_state_name(u32 state);

#endif /* KVMW_COUNTERS_H */
