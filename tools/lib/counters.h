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

/* What --expect-baseline requires of a counter after a test. */
enum kvmw_counter_check {
	KVMW_CHECK_NONE = 0,	/* changes legitimately: not compared */
	KVMW_CHECK_EQUAL,	/* a live-object count: back at its baseline */
	KVMW_CHECK_NO_GROWTH,	/* a failure count: must not have grown */
};

struct kvmw_counter_field {
	const char *name;
	size_t offset;		/* of a __u64 in struct kvmw_counters */
	enum kvmw_counter_check check;
	/* Counts the reader's own open /dev/kvmwatch file. */
	bool self;
};

/* Every __u64 of struct kvmw_counters (attach_state is not a count). */
#define KVMW_COUNTER_NFIELDS	16

extern const struct kvmw_counter_field
	kvmw_counter_fields[KVMW_COUNTER_NFIELDS];

/* Width of the name column of "kvmwatch counters": the longest name. */
#define KVMW_COUNTER_NAME_WIDTH	15

u64 kvmw_counter_value(const struct kvmw_counters *c,
		       const struct kvmw_counter_field *f);

/*
 * Whether the module filled @f: an older module's structure is shorter
 * (it sets c->size to what it knows); its missing fields are not shown,
 * saved or compared.
 */
bool kvmw_counter_filled(const struct kvmw_counters *c,
			 const struct kvmw_counter_field *f);

/* Whether a baseline file must have @f (it is in the first version). */
bool kvmw_counter_required(const struct kvmw_counter_field *f);

/*
 * Value with the reader's @own_files open files taken out of "files",
 * i.e. what the module holds for everybody else.
 */
u64 kvmw_counter_others(const struct kvmw_counters *c,
			const struct kvmw_counter_field *f, u64 own_files);

/* "none", "partial", "full"; NULL for a state this tool does not know. */
const char *kvmw_attach_state_name(u32 state);

#endif /* KVMW_COUNTERS_H */
