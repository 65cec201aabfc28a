// SPDX-License-Identifier: GPL-2.0
/*
 * The uapi header is an ABI: these literals are what existing binaries
 * were compiled with. A failure here means the ABI changed, which needs
 * a new KVMW_ABI_VERSION or a growable addition, never a silent edit.
 *
 * "No implicit padding" matters beyond tidiness: padding bytes would leak
 * kernel stack contents to userspace, and would differ between i386 and
 * x86_64 (u64 alignment 4 vs 8), breaking the compat ioctl path.
 */
#include <stddef.h>
#include <string.h>

#include <linux/ioctl.h>
#include <linux/kvmwatch.h>

#include "tap.h"
#include "tests.h"

#define FSIZE(type, m)	sizeof(((type *)0)->m)

#define CHECK_FIELD(type, m, off, size) do {				\
	tap_eq_u64(offsetof(type, m), off, "offsetof(" #type ", " #m ")"); \
	tap_eq_u64(FSIZE(type, m), size, "sizeof(" #type "." #m ")");	\
} while (0)

static void test_version_layout(void)
{
	size_t sum = FSIZE(struct kvmw_version, size) +
		     FSIZE(struct kvmw_version, abi) +
		     FSIZE(struct kvmw_version, major) +
		     FSIZE(struct kvmw_version, minor) +
		     FSIZE(struct kvmw_version, patch) +
		     FSIZE(struct kvmw_version, caps) +
		     FSIZE(struct kvmw_version, release) +
		     FSIZE(struct kvmw_version, svm_vmcb_offset) +
		     FSIZE(struct kvmw_version, kvm_vcpu_size);

	CHECK_FIELD(struct kvmw_version, size, 0, 4);
	CHECK_FIELD(struct kvmw_version, abi, 4, 4);
	CHECK_FIELD(struct kvmw_version, major, 8, 4);
	CHECK_FIELD(struct kvmw_version, minor, 12, 4);
	CHECK_FIELD(struct kvmw_version, patch, 16, 4);
	CHECK_FIELD(struct kvmw_version, caps, 20, 4);
	CHECK_FIELD(struct kvmw_version, release, 24, 64);
	CHECK_FIELD(struct kvmw_version, svm_vmcb_offset, 88, 4);
	CHECK_FIELD(struct kvmw_version, kvm_vcpu_size, 92, 4);
	tap_eq_u64(sizeof(struct kvmw_version), 96,
		   "sizeof(struct kvmw_version)");
	tap_eq_u64(KVMW_VERSION_SIZE_VER0, 88,
		   "KVMW_VERSION_SIZE_VER0: the first version's sizeof");
	tap_eq_u64(KVMW_VERSION_SIZE_VER1, sizeof(struct kvmw_version),
		   "KVMW_VERSION_SIZE_VER1 is the current sizeof");
	tap_eq_u64(sum, sizeof(struct kvmw_version),
		   "struct kvmw_version has no implicit padding");
}

static void test_counters_layout(void)
{
	size_t sum = FSIZE(struct kvmw_counters, size) +
		     FSIZE(struct kvmw_counters, attach_state) +
		     FSIZE(struct kvmw_counters, vms) +
		     FSIZE(struct kvmw_counters, vcpus) +
		     FSIZE(struct kvmw_counters, buffers) +
		     FSIZE(struct kvmw_counters, files) +
		     FSIZE(struct kvmw_counters, tracepoints) +
		     FSIZE(struct kvmw_counters, kprobes) +
		     FSIZE(struct kvmw_counters, kvm_loads) +
		     FSIZE(struct kvmw_counters, kvm_unloads) +
		     FSIZE(struct kvmw_counters, untracked) +
		     FSIZE(struct kvmw_counters, exits) +
		     FSIZE(struct kvmw_counters, entries) +
		     FSIZE(struct kvmw_counters, gone_vms) +
		     FSIZE(struct kvmw_counters, gone_vcpus) +
		     FSIZE(struct kvmw_counters, alloc_failures) +
		     FSIZE(struct kvmw_counters, stats_consumers) +
		     FSIZE(struct kvmw_counters, unbound);

	CHECK_FIELD(struct kvmw_counters, size, 0, 4);
	CHECK_FIELD(struct kvmw_counters, attach_state, 4, 4);
	CHECK_FIELD(struct kvmw_counters, vms, 8, 8);
	CHECK_FIELD(struct kvmw_counters, vcpus, 16, 8);
	CHECK_FIELD(struct kvmw_counters, buffers, 24, 8);
	CHECK_FIELD(struct kvmw_counters, files, 32, 8);
	CHECK_FIELD(struct kvmw_counters, tracepoints, 40, 8);
	CHECK_FIELD(struct kvmw_counters, kprobes, 48, 8);
	CHECK_FIELD(struct kvmw_counters, kvm_loads, 56, 8);
	CHECK_FIELD(struct kvmw_counters, kvm_unloads, 64, 8);
	CHECK_FIELD(struct kvmw_counters, untracked, 72, 8);
	CHECK_FIELD(struct kvmw_counters, exits, 80, 8);
	CHECK_FIELD(struct kvmw_counters, entries, 88, 8);
	CHECK_FIELD(struct kvmw_counters, gone_vms, 96, 8);
	CHECK_FIELD(struct kvmw_counters, gone_vcpus, 104, 8);
	CHECK_FIELD(struct kvmw_counters, alloc_failures, 112, 8);
	CHECK_FIELD(struct kvmw_counters, stats_consumers, 120, 8);
	CHECK_FIELD(struct kvmw_counters, unbound, 128, 8);
	tap_eq_u64(sizeof(struct kvmw_counters), 136,
		   "sizeof(struct kvmw_counters)");
	tap_eq_u64(KVMW_COUNTERS_SIZE_VER0, 96,
		   "KVMW_COUNTERS_SIZE_VER0: the first version's sizeof");
	tap_eq_u64(KVMW_COUNTERS_SIZE_VER1, sizeof(struct kvmw_counters),
		   "KVMW_COUNTERS_SIZE_VER1 is the current sizeof");
	tap_eq_u64(sum, sizeof(struct kvmw_counters),
		   "struct kvmw_counters has no implicit padding");
}

static void test_ioctls(void)
{
	/*
	 * Whole numbers first: what strace shows. The size bits follow the
	 * structure, which grew: binaries built with the first version
	 * send 0xc058b700 and 0xc060b701, which the module must keep
	 * serving (it dispatches on the number, not the size).
	 */
	tap_eq_u64(KVMW_IOC_VERSION, 0xc060b700, "KVMW_IOC_VERSION value");
	tap_eq_u64(KVMW_IOC_COUNTERS, 0xc088b701, "KVMW_IOC_COUNTERS value");

	tap_eq_u64(_IOC_DIR(KVMW_IOC_VERSION), _IOC_READ | _IOC_WRITE,
		   "KVMW_IOC_VERSION is read-write (size in, struct out)");
	tap_eq_u64(_IOC_TYPE(KVMW_IOC_VERSION), KVMW_IOC_MAGIC,
		   "KVMW_IOC_VERSION type is KVMW_IOC_MAGIC");
	tap_eq_u64(_IOC_NR(KVMW_IOC_VERSION), 0x00, "KVMW_IOC_VERSION nr");
	tap_eq_u64(_IOC_SIZE(KVMW_IOC_VERSION), sizeof(struct kvmw_version),
		   "KVMW_IOC_VERSION encodes sizeof(struct kvmw_version)");

	tap_eq_u64(_IOC_DIR(KVMW_IOC_COUNTERS), _IOC_READ | _IOC_WRITE,
		   "KVMW_IOC_COUNTERS is read-write");
	tap_eq_u64(_IOC_TYPE(KVMW_IOC_COUNTERS), KVMW_IOC_MAGIC,
		   "KVMW_IOC_COUNTERS type is KVMW_IOC_MAGIC");
	tap_eq_u64(_IOC_NR(KVMW_IOC_COUNTERS), 0x01, "KVMW_IOC_COUNTERS nr");
	tap_eq_u64(_IOC_SIZE(KVMW_IOC_COUNTERS),
		   sizeof(struct kvmw_counters),
		   "KVMW_IOC_COUNTERS encodes sizeof(struct kvmw_counters)");
	tap_eq_u64(KVMW_IOC_MAGIC, 0xb7, "KVMW_IOC_MAGIC");
}

static void test_constants(void)
{
	tap_eq_u64(KVMW_ABI_VERSION, 1, "KVMW_ABI_VERSION");
	tap_eq_str(KVMW_DEVICE_NAME, "kvmwatch", "KVMW_DEVICE_NAME");
	tap_eq_u64(KVMW_CAP_TRACEPOINTS, 1U << 0, "KVMW_CAP_TRACEPOINTS bit");
	tap_eq_u64(KVMW_CAP_KPROBES, 1U << 1, "KVMW_CAP_KPROBES bit");
	tap_eq_u64(KVMW_CAP_SVM, 1U << 2, "KVMW_CAP_SVM bit");
	tap_eq_u64(KVMW_CAP_VMX, 1U << 3, "KVMW_CAP_VMX bit");
	tap_eq_u64(KVMW_ATTACH_NONE, 0, "KVMW_ATTACH_NONE");
	tap_eq_u64(KVMW_ATTACH_PARTIAL, 1, "KVMW_ATTACH_PARTIAL");
	tap_eq_u64(KVMW_ATTACH_FULL, 2, "KVMW_ATTACH_FULL");
}

/* The statistics protocol: record and structure layouts, ioctl numbers. */
static void test_stats_layout(void)
{
	tap_eq_u64(sizeof(struct kvmw_rec), 8, "sizeof(struct kvmw_rec)");
	CHECK_FIELD(struct kvmw_rec, type, 0, 2);
	CHECK_FIELD(struct kvmw_rec, len, 4, 4);
	tap_eq_u64(sizeof(struct kvmw_rec_vm), 80, "sizeof(struct kvmw_rec_vm)");
	CHECK_FIELD(struct kvmw_rec_vm, pid, 8, 4);
	CHECK_FIELD(struct kvmw_rec_vm, serial, 16, 8);
	CHECK_FIELD(struct kvmw_rec_vm, nr_vcpus, 40, 4);
	CHECK_FIELD(struct kvmw_rec_vm, id, 48, 32);
	tap_eq_u64(sizeof(struct kvmw_rec_vcpu), 176,
		   "sizeof(struct kvmw_rec_vcpu)");
	CHECK_FIELD(struct kvmw_rec_vcpu, exits, 32, 8);
	CHECK_FIELD(struct kvmw_rec_vcpu, dropped_keys, 128, 24);
	CHECK_FIELD(struct kvmw_rec_vcpu, dropped_rips, 152, 8);
	CHECK_FIELD(struct kvmw_rec_vcpu, guest_ns, 160, 8);
	CHECK_FIELD(struct kvmw_rec_vcpu, user_ns, 168, 8);
	tap_eq_u64(KVMW_REC_VCPU_SIZE_VER0, 160, "KVMW_REC_VCPU_SIZE_VER0");
	tap_eq_u64(KVMW_REC_VCPU_SIZE_VER1, 176, "KVMW_REC_VCPU_SIZE_VER1");
	tap_eq_u64(sizeof(struct kvmw_rec_kvm), 16,
		   "sizeof(struct kvmw_rec_kvm), values excluded");
	CHECK_FIELD(struct kvmw_rec_kvm, nr, 8, 4);
	tap_eq_u64(offsetof(struct kvmw_rec_kvm, val), 16,
		   "offsetof(struct kvmw_rec_kvm, val)");
	tap_eq_u64(KVMW_KVM_NR, 42, "KVMW_KVM_NR: 8 generic + 34 x86");
	tap_eq_u64(sizeof(struct kvmw_rec_stat), 88,
		   "sizeof(struct kvmw_rec_stat), histogram excluded");
	CHECK_FIELD(struct kvmw_rec_stat, key, 16, 8);
	CHECK_FIELD(struct kvmw_rec_stat, sumsq_lo, 56, 8);
	CHECK_FIELD(struct kvmw_rec_stat, sumsq_hi, 64, 8);
	CHECK_FIELD(struct kvmw_rec_stat, nr_buckets, 84, 4);
	tap_eq_u64(offsetof(struct kvmw_rec_stat, hist), 88,
		   "offsetof(struct kvmw_rec_stat, hist)");
	tap_eq_u64(sizeof(struct kvmw_rec_rip), 32, "sizeof(struct kvmw_rec_rip)");
	tap_eq_u64(sizeof(struct kvmw_snapshot), 48,
		   "sizeof(struct kvmw_snapshot)");
	tap_eq_u64(KVMW_SNAPSHOT_SIZE_VER0, 48, "KVMW_SNAPSHOT_SIZE_VER0");
	tap_eq_u64(sizeof(struct kvmw_filter), 48, "sizeof(struct kvmw_filter)");
	tap_eq_u64(KVMW_FILTER_SIZE_VER0, 48, "KVMW_FILTER_SIZE_VER0");
	tap_eq_u64(sizeof(struct kvmw_enable), 24, "sizeof(struct kvmw_enable)");
	tap_eq_u64(KVMW_ENABLE_SIZE_VER0, 16, "KVMW_ENABLE_SIZE_VER0");
	tap_eq_u64(KVMW_ENABLE_SIZE_VER1, 24, "KVMW_ENABLE_SIZE_VER1");
	tap_eq_u64(KVMW_IOC_SNAPSHOT, 0xc030b702, "KVMW_IOC_SNAPSHOT value");
	tap_eq_u64(KVMW_IOC_SET_FILTER, 0x4030b703, "KVMW_IOC_SET_FILTER value");
	tap_eq_u64(KVMW_IOC_ENABLE, 0x4018b704, "KVMW_IOC_ENABLE value");
	tap_eq_u64(KVMW_IOC_RESET, 0xb705, "KVMW_IOC_RESET value");
	tap_eq_u64(KVMW_IOC_RING_SETUP, 0xc028b706,
		   "KVMW_IOC_RING_SETUP value");
	tap_eq_u64(KVMW_IOC_TEST_EVENTS, 0xc038b707,
		   "KVMW_IOC_TEST_EVENTS value");
	tap_eq_u64(KVMW_HIST_BUCKETS, 32, "KVMW_HIST_BUCKETS");
	tap_eq_u64(KVMW_HIST_SHIFT, 8, "KVMW_HIST_SHIFT");
	tap_eq_u64(KVMW_ISA_VMX, 1, "KVMW_ISA_VMX is KVM's KVM_ISA_VMX");
	tap_eq_u64(KVMW_ISA_SVM, 2, "KVMW_ISA_SVM is KVM's KVM_ISA_SVM");
}

/* The event stream's structures are ABI: sizes and offsets never move. */
static void test_events_layout(void)
{
	tap_eq_u64(sizeof(struct kvmw_ring_setup), 40,
		   "sizeof(struct kvmw_ring_setup)");
	tap_eq_u64(KVMW_RING_SETUP_SIZE_VER0, 40, "KVMW_RING_SETUP_SIZE_VER0");
	tap_eq_u64(sizeof(struct kvmw_ring_ctrl), 72,
		   "sizeof(struct kvmw_ring_ctrl)");
	tap_eq_u64(offsetof(struct kvmw_ring_ctrl, data_tail),
		   KVMW_RING_CTRL_TAIL_OFFSET,
		   "data_tail on the reader's own cache line");
	CHECK_FIELD(struct kvmw_ring_ctrl, data_head, 24, 8);
	CHECK_FIELD(struct kvmw_ring_ctrl, oldest, 32, 8);
	CHECK_FIELD(struct kvmw_ring_ctrl, seq_next, 40, 8);
	CHECK_FIELD(struct kvmw_ring_ctrl, lost, 48, 8);
	tap_eq_u64(sizeof(struct kvmw_ev), 40, "sizeof(struct kvmw_ev)");
	CHECK_FIELD(struct kvmw_ev, seq, 8, 8);
	CHECK_FIELD(struct kvmw_ev, time_ns, 16, 8);
	CHECK_FIELD(struct kvmw_ev, vm, 24, 8);
	tap_eq_u64(sizeof(struct kvmw_ev_exit), 96, "sizeof(struct kvmw_ev_exit)");
	CHECK_FIELD(struct kvmw_ev_exit, duration_ns, 72, 8);
	tap_eq_u64(sizeof(struct kvmw_ev_msr), 56, "sizeof(struct kvmw_ev_msr)");
	tap_eq_u64(sizeof(struct kvmw_ev_pio), 56, "sizeof(struct kvmw_ev_pio)");
	tap_eq_u64(sizeof(struct kvmw_ev_mmio), 64, "sizeof(struct kvmw_ev_mmio)");
	tap_eq_u64(sizeof(struct kvmw_ev_wakeup), 56,
		   "sizeof(struct kvmw_ev_wakeup)");
	tap_eq_u64(sizeof(struct kvmw_ev_halt_poll), 56,
		   "sizeof(struct kvmw_ev_halt_poll)");
	tap_eq_u64(sizeof(struct kvmw_ev_dirty), 80,
		   "sizeof(struct kvmw_ev_dirty)");
	tap_eq_u64(sizeof(struct kvmw_ev_load), 64, "sizeof(struct kvmw_ev_load)");
	tap_eq_u64(sizeof(struct kvmw_ev_put), 56, "sizeof(struct kvmw_ev_put)");
	tap_eq_u64(sizeof(struct kvmw_ev_inject), 56,
		   "sizeof(struct kvmw_ev_inject)");
	tap_eq_u64(sizeof(struct kvmw_ev_page_fault), 64,
		   "sizeof(struct kvmw_ev_page_fault)");
	tap_eq_u64(sizeof(struct kvmw_ev_hypercall), 80,
		   "sizeof(struct kvmw_ev_hypercall)");
	tap_eq_u64(sizeof(struct kvmw_ev_vm), 80, "sizeof(struct kvmw_ev_vm)");
	tap_eq_u64(sizeof(struct kvmw_ev_test), 56, "sizeof(struct kvmw_ev_test)");
	tap_eq_u64(sizeof(struct kvmw_test_events), 56,
		   "sizeof(struct kvmw_test_events)");
	tap_eq_u64(KVMW_TEST_EVENTS_SIZE_VER0, 56,
		   "KVMW_TEST_EVENTS_SIZE_VER0");
	tap_eq_u64(KVMW_ENABLE_EVENTS | KVMW_ENABLE_STATS, KVMW_ENABLE_ALL,
		   "every family is in KVMW_ENABLE_ALL");
}

void test_uapi(void)
{
	test_version_layout();
	test_counters_layout();
	test_ioctls();
	test_constants();
	test_stats_layout();
	test_events_layout();
}
