// SPDX-License-Identifier: GPL-2.0
#include "counters.h"

/*
 * Every field is part of the first version of the structure, which the
 * module always fills: no per-field "did the kernel know it" check is
 * needed until the structure grows past KVMW_COUNTERS_SIZE_VER0.
 */
_Static_assert(sizeof(struct kvmw_counters) == KVMW_COUNTERS_SIZE_VER0,
	       "struct kvmw_counters grew: skip fields the module did not fill");

#define FIELD(n, b, s) \
	{ .name = #n, .offset = offsetof(struct kvmw_counters, n), \
	  .baseline = b, .self = s }

/*
 * Baseline: the live objects and "untracked" (must stay 0). Not baseline:
 * tracepoints/kprobes follow kvm.ko being loaded, which a test may change
 * on purpose, and the others only ever grow. selftests/unit checks the
 * table is complete (no zeroed entry left at the end).
 */
const struct kvmw_counter_field kvmw_counter_fields[KVMW_COUNTER_NFIELDS] = {
	FIELD(vms, true, false),
	FIELD(vcpus, true, false),
	FIELD(buffers, true, false),
	FIELD(files, true, true),
	FIELD(tracepoints, false, false),
	FIELD(kprobes, false, false),
	FIELD(kvm_loads, false, false),
	FIELD(kvm_unloads, false, false),
	FIELD(untracked, true, false),
	FIELD(exits, false, false),
	FIELD(entries, false, false),
};

/* The table covers every count of the structure, in its order. */
_Static_assert(offsetof(struct kvmw_counters, vms) +
	       KVMW_COUNTER_NFIELDS * sizeof(__u64) ==
	       sizeof(struct kvmw_counters),
	       "KVMW_COUNTER_NFIELDS does not match struct kvmw_counters");

u64 kvmw_counter_value(const struct kvmw_counters *c,
		       const struct kvmw_counter_field *f)
{
	return *(const __u64 *)((const char *)c + f->offset);
}

u64 kvmw_counter_others(const struct kvmw_counters *c,
			const struct kvmw_counter_field *f, u64 own_files)
{
	u64 v = kvmw_counter_value(c, f);

	if (!f->self)
		return v;
	/* Only a miscounting module reports fewer: clamp, don't wrap. */
	return v > own_files ? v - own_files : 0;
}

const char *kvmw_attach_state_name(u32 state)
{
	switch (state) {
	case KVMW_ATTACH_NONE:
		return "none";
	case KVMW_ATTACH_PARTIAL:
		return "partial";
	case KVMW_ATTACH_FULL:
		return "full";
	}
	return NULL;
}
