// SPDX-License-Identifier: GPL-2.0
#include "counters.h"

_Static_assert(sizeof(struct kvmw_counters) == KVMW_COUNTERS_SIZE_VER1,
	       "struct kvmw_counters grew: add its fields to the table");

#define FIELD(n, chk, s) \
	{ .name = #n, .offset = offsetof(struct kvmw_counters, n), \
	  .check = chk, .self = s }

/*
 * Compared with a baseline: the live objects, "stats_consumers" (a test
 * that left statistics enabled left its probes attached) and "untracked"
 * (must stay 0) for equality; "alloc_failures" must not grow. Not compared:
 * tracepoints/kprobes follow kvm.ko being loaded, which a test may change
 * on purpose; gone_vms/gone_vcpus are the bounded list of destroyed VMs
 * kept for readers, which a test legitimately leaves behind; the others
 * only ever grow (unbound: events a KVM_RUN may legitimately cause before
 * its first entry).
 * selftests/unit checks the table is complete.
 */
const struct kvmw_counter_field kvmw_counter_fields[KVMW_COUNTER_NFIELDS] = {
	FIELD(vms, KVMW_CHECK_EQUAL, false),
	FIELD(vcpus, KVMW_CHECK_EQUAL, false),
	FIELD(buffers, KVMW_CHECK_EQUAL, false),
	FIELD(files, KVMW_CHECK_EQUAL, true),
	FIELD(tracepoints, KVMW_CHECK_NONE, false),
	FIELD(kprobes, KVMW_CHECK_NONE, false),
	FIELD(kvm_loads, KVMW_CHECK_NONE, false),
	FIELD(kvm_unloads, KVMW_CHECK_NONE, false),
	FIELD(untracked, KVMW_CHECK_EQUAL, false),
	FIELD(exits, KVMW_CHECK_NONE, false),
	FIELD(entries, KVMW_CHECK_NONE, false),
	FIELD(gone_vms, KVMW_CHECK_NONE, false),
	FIELD(gone_vcpus, KVMW_CHECK_NONE, false),
	FIELD(alloc_failures, KVMW_CHECK_NO_GROWTH, false),
	FIELD(stats_consumers, KVMW_CHECK_EQUAL, false),
	FIELD(unbound, KVMW_CHECK_NONE, false),
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

bool kvmw_counter_filled(const struct kvmw_counters *c,
			 const struct kvmw_counter_field *f)
{
	return c->size >= f->offset + sizeof(__u64);
}

bool kvmw_counter_required(const struct kvmw_counter_field *f)
{
	return f->offset + sizeof(__u64) <= KVMW_COUNTERS_SIZE_VER0;
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
