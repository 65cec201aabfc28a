// SPDX-License-Identifier: GPL-2.0
/* The counter field table, attach-state and capability names. */
#include <stddef.h>
#include <string.h>

#include "caps.h"
#include "counters.h"
#include "tap.h"
#include "tests.h"

#define EQ	KVMW_CHECK_EQUAL
#define NO	KVMW_CHECK_NONE
#define GROW	KVMW_CHECK_NO_GROWTH

static const struct {
	const char *name;
	size_t offset;
	enum kvmw_counter_check check;
	bool self;
	bool ver0;
} want[] = {
	{ "vms", 8, EQ, false, true },
	{ "vcpus", 16, EQ, false, true },
	{ "buffers", 24, EQ, false, true },
	{ "files", 32, EQ, true, true },
	{ "tracepoints", 40, NO, false, true },
	{ "kprobes", 48, NO, false, true },
	{ "kvm_loads", 56, NO, false, true },
	{ "kvm_unloads", 64, NO, false, true },
	{ "untracked", 72, EQ, false, true },
	{ "exits", 80, NO, false, true },
	{ "entries", 88, NO, false, true },
	/* A bounded list of destroyed VMs kept for readers: not a leak. */
	{ "gone_vms", 96, NO, false, false },
	{ "gone_vcpus", 104, NO, false, false },
	{ "alloc_failures", 112, GROW, false, false },
	{ "stats_consumers", 120, EQ, false, false },
	{ "unbound", 128, NO, false, false },
};

#define NWANT	ARRAY_SIZE(want)

static void test_table(void)
{
	struct kvmw_counters c;
	size_t i;

	tap_eq_u64(KVMW_COUNTER_NFIELDS, NWANT,
		   "one table entry per __u64 counter");
	for (i = 0; i < NWANT && i < KVMW_COUNTER_NFIELDS; i++) {
		const struct kvmw_counter_field *f = &kvmw_counter_fields[i];

		tap_eq_str(f->name, want[i].name, "field %zu is %s", i,
			   want[i].name);
		tap_eq_u64(f->offset, want[i].offset, "%s: offset",
			   want[i].name);
		tap_eq_u64(f->check, want[i].check, "%s: check %s",
			   want[i].name, want[i].check == EQ ? "equal" :
			   want[i].check == GROW ? "no growth" : "none");
		tap_eq_u64(kvmw_counter_required(f), want[i].ver0,
			   "%s: %sin the first version", want[i].name,
			   want[i].ver0 ? "" : "not ");
		tap_eq_u64(f->self, want[i].self, "%s: %scounts own file",
			   want[i].name, want[i].self ? "" : "never ");
	}

	/* Distinct values per field: a wrong offset reads a neighbour. */
	memset(&c, 0, sizeof(c));
	for (i = 0; i < KVMW_COUNTER_NFIELDS; i++)
		*(__u64 *)((char *)&c + want[i].offset) = 1000 + i;
	for (i = 0; i < KVMW_COUNTER_NFIELDS; i++)
		tap_eq_u64(kvmw_counter_value(&c, &kvmw_counter_fields[i]),
			   1000 + i, "value of %s", want[i].name);

	/* An older module fills the first 96 bytes only. */
	c.size = KVMW_COUNTERS_SIZE_VER0;
	tap_ok(kvmw_counter_filled(&c, &kvmw_counter_fields[10]),
	       "size 96: entries filled");
	tap_ok(!kvmw_counter_filled(&c, &kvmw_counter_fields[11]),
	       "size 96: gone_vms not filled");
	c.size = KVMW_COUNTERS_SIZE_VER1;
	tap_ok(kvmw_counter_filled(&c, &kvmw_counter_fields[15]),
	       "size VER1: the last field filled");
	tap_eq_u64(KVMW_COUNTER_NAME_WIDTH, strlen("stats_consumers"),
		   "name column as wide as the longest name");
}

static void test_others(void)
{
	const struct kvmw_counter_field *files = &kvmw_counter_fields[3];
	const struct kvmw_counter_field *vms = &kvmw_counter_fields[0];
	struct kvmw_counters c = { .vms = 4, .files = 3 };

	tap_eq_u64(kvmw_counter_others(&c, files, 1), 2,
		   "files 3, own 1: 2 others");
	tap_eq_u64(kvmw_counter_others(&c, vms, 1), 4,
		   "own files do not touch vms");
	c.files = 0;
	tap_eq_u64(kvmw_counter_others(&c, files, 1), 0,
		   "files below own: clamped to 0, not wrapped");
}

static void test_names(void)
{
	tap_eq_str(kvmw_attach_state_name(KVMW_ATTACH_NONE), "none",
		   "attach state 0");
	tap_eq_str(kvmw_attach_state_name(KVMW_ATTACH_PARTIAL), "partial",
		   "attach state 1");
	tap_eq_str(kvmw_attach_state_name(KVMW_ATTACH_FULL), "full",
		   "attach state 2");
	tap_ok(!kvmw_attach_state_name(3), "attach state 3 unknown");

	tap_eq_str(kvmw_cap_name(0), "tracepoints", "cap bit 0");
	tap_eq_str(kvmw_cap_name(1), "kprobes", "cap bit 1");
	tap_eq_str(kvmw_cap_name(2), "svm", "cap bit 2");
	tap_eq_str(kvmw_cap_name(3), "vmx", "cap bit 3");
	tap_eq_str(kvmw_cap_name(4), "events", "cap bit 4");
	tap_eq_str(kvmw_cap_name(5), "netlink", "cap bit 5");
	tap_ok(!kvmw_cap_name(6), "cap bit 6 unknown");
	tap_ok(!kvmw_cap_name(31), "cap bit 31 unknown");
	tap_ok(!kvmw_cap_name(32), "cap bit 32 out of range");
}

void test_counters(void)
{
	test_table();
	test_others();
	test_names();
}
