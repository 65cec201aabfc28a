/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmwatch: KVM exit and event accounting without BPF.
 *
 * Protocol of /dev/kvmwatch
 * =========================
 *
 * The device is a misc character device, mode 0600 and refused to callers
 * without CAP_SYS_ADMIN even if the mode is relaxed. Everything is done with
 * ioctl()s on an open file. Each file is a *consumer*: state a consumer sets
 * (its filter, enables and baseline) belongs to that file, ends when it is
 * closed and never disturbs another consumer.
 *
 * Growable structures
 * -------------------
 * Every structure exchanged with the kernel starts with "__u32 size", which
 * the caller sets to sizeof() the structure it was compiled with.
 *
 * - Structures passed *to* the kernel follow copy_struct_from_user(): a
 *   caller's structure smaller than the kernel's is zero-extended; a larger
 *   one is accepted only when the extra bytes are zero, otherwise the ioctl
 *   fails with E2BIG and changes nothing.
 * - Structures filled *by* the kernel are written up to
 *   min(size, kernel size) bytes, and "size" is set to the number of bytes
 *   the kernel knows, so a newer caller learns which fields were filled.
 * - size smaller than the first version of a structure (its *_SIZE_VER0)
 *   fails with EINVAL. Unknown flags fail with EINVAL; unreadable or
 *   unwritable memory with EFAULT. No ioctl changes anything when it fails.
 *
 * The size field of the ioctl numbers below is ignored: a structure's
 * own "size" says which version the caller has, so the numbers of a
 * caller built against an older header still work.
 *
 * ABI versioning
 * --------------
 * KVMW_ABI_VERSION changes only when an existing field changes meaning;
 * additions are announced by capability bits (struct kvmw_version.caps)
 * and growing structures.
 */
#ifndef _UAPI_LINUX_KVMWATCH_H
#define _UAPI_LINUX_KVMWATCH_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define KVMW_DEVICE_NAME	"kvmwatch"
#define KVMW_ABI_VERSION	1

/* Capability bits reported in struct kvmw_version.caps. */
#define KVMW_CAP_TRACEPOINTS	(1U << 0)	/* KVM tracepoints by name */
#define KVMW_CAP_KPROBES	(1U << 1)	/* VM/vCPU lifetime kprobes */
#define KVMW_CAP_SVM		(1U << 2)	/* AMD SVM exit decoding */
#define KVMW_CAP_VMX		(1U << 3)	/* Intel VMX exit decoding */
#define KVMW_CAP_EVENTS		(1U << 4)	/* rings, event families */
#define KVMW_CAP_NETLINK	(1U << 5)	/* genl family, kvmwatch_nl.h */

/**
 * struct kvmw_version - KVMW_IOC_VERSION, filled by the kernel
 * @size:	in: caller's sizeof(); out: bytes the kernel knows
 * @abi:	KVMW_ABI_VERSION of the module
 * @major:	module release, major
 * @minor:	module release, minor
 * @patch:	module release, patch
 * @caps:	KVMW_CAP_* bits
 * @release:	utsname release of the running kernel, NUL terminated
 * @svm_vmcb_offset: offset of the VMCB pointer in KVM's struct vcpu_svm
 *		the module was compiled with (sizeof(struct kvm_vcpu));
 *		userspace checks it against the kvm_amd BTF
 * @kvm_vcpu_size: sizeof(struct kvm_vcpu) the module was compiled with
 */
struct kvmw_version {
	__u32 size;
	__u32 abi;
	__u32 major;
	__u32 minor;
	__u32 patch;
	__u32 caps;
	char release[64];
	__u32 svm_vmcb_offset;
	__u32 kvm_vcpu_size;
};

#define KVMW_VERSION_SIZE_VER0	88
#define KVMW_VERSION_SIZE_VER1	96

/*
 * Where kvmwatch is attached. A state is one of:
 * KVMW_ATTACH_NONE    kvm.ko is not loaded; nothing is attached.
 * KVMW_ATTACH_PARTIAL kvm.ko is loaded but a required probe failed to
 *                     attach (the reason is logged once in dmesg).
 * KVMW_ATTACH_FULL    every required probe is attached: the lifetime
 *                     kprobes, and the tracepoint probes while a
 *                     consumer has statistics enabled.
 */
#define KVMW_ATTACH_NONE	0
#define KVMW_ATTACH_PARTIAL	1
#define KVMW_ATTACH_FULL	2

/**
 * struct kvmw_counters - KVMW_IOC_COUNTERS, filled by the kernel
 *
 * Live-object counters: what the module holds right now. Tests assert they
 * return to their baseline after every test (Debian's kernels have no
 * kmemleak); a leak shows up here.
 *
 * @size:		in: caller's sizeof(); out: bytes the kernel knows
 * @attach_state:	KVMW_ATTACH_*
 * @vms:		VMs tracked (live)
 * @vcpus:		vCPUs tracked (live)
 * @buffers:		buffers allocated on behalf of tracked objects
 *			and consumers
 * @files:		open /dev/kvmwatch files
 * @tracepoints:	KVM tracepoint probes attached: 0 while no consumer
 *			has statistics enabled, else kvm_msr, kvm_pio,
 *			kvm_mmio, kvm_userspace_exit, kvm_entry, kvm_exit
 * @kprobes:		kprobes registered
 * @kvm_loads:		times kvm.ko was seen coming (since module load)
 * @kvm_unloads:	times kvm.ko was seen going
 * @untracked:		events from a vCPU that had no slot; must stay 0
 * @exits:		kvm_exit events seen on tracked vCPUs, all VMs,
 *			since module load (never reset)
 * @entries:		kvm_entry events, likewise. Every entry is followed
 *			by one exit, so with no vCPU inside a guest
 *			@entries == @exits.
 * @gone_vms:		destroyed VMs whose final statistics are still kept
 *			(bounded by the gone_max module parameter)
 * @gone_vcpus:		their vCPUs
 * @alloc_failures:	statistics blocks that could not be allocated
 *			(that vCPU's events count as @untracked); must stay 0
 * @stats_consumers:	open files with KVMW_ENABLE_STATS set; the exit
 *			probes are attached while this is non-zero (or the
 *			always_on module parameter is set)
 * @unbound:		kvm_msr/kvm_pio/kvm_mmio/kvm_userspace_exit events
 *			on a thread that has not entered a guest since the
 *			probes were attached (e.g. a KVM_RUN that returns
 *			before its first entry); not attributable
 */
struct kvmw_counters {
	__u32 size;
	__u32 attach_state;
	__u64 vms;
	__u64 vcpus;
	__u64 buffers;
	__u64 files;
	__u64 tracepoints;
	__u64 kprobes;
	__u64 kvm_loads;
	__u64 kvm_unloads;
	__u64 untracked;
	__u64 exits;
	__u64 entries;
	/* since KVMW_COUNTERS_SIZE_VER1 */
	__u64 gone_vms;
	__u64 gone_vcpus;
	__u64 alloc_failures;
	__u64 stats_consumers;
	__u64 unbound;
};

#define KVMW_COUNTERS_SIZE_VER0	96
#define KVMW_COUNTERS_SIZE_VER1	136

/*
 * Statistics
 * ==========
 *
 * For every vCPU of every VM, kvmwatch keeps per exit reason: the number
 * of exits, their total handling time, min, max, the 128-bit sum of
 * squares and a log2 histogram. The handling time of an exit runs from
 * KVM's kvm_exit to the next kvm_entry of the same vCPU, as in
 * "perf kvm stat": it includes trips to the VMM and time spent halted.
 * The same statistics, without histogram, are kept per IO port and
 * direction, per MMIO address and direction and per MSR index and
 * direction (the breakdowns), and guest RIPs are counted per reason.
 *
 * Every table is bounded. An exit or key that finds no free row is
 * accounted in the table's "other" row (code KVMW_CODE_OTHER or key
 * KVMW_KEY_OTHER) and counted in the vCPU's dropped_* counters, so sums
 * stay exact.
 *
 * Counting contract, per vCPU:
 *   exits = sum(count of KVMW_STAT_EXIT rows with sub == 0)
 *           + unfinished + negative_time + open
 * where open is 1 when the vCPU is outside the guest at snapshot time
 * with an exit not yet followed by an entry. Histogram buckets of a row
 * always sum to its count: each vCPU has one writer (its own thread) and
 * readers copy rows under a sequence count.
 *
 * Statistics are cumulative from the vCPU's creation while at least one
 * consumer enabled KVMW_ENABLE_STATS (or the module was loaded with
 * always_on=1). Exits that happen while nothing is enabled are not seen.
 * A consumer's KVMW_IOC_RESET records a baseline that its later snapshots
 * subtract; it changes nothing that other consumers see.
 *
 * Host CPU time of a vCPU
 * -----------------------
 * The exit probes also split a vCPU's time in KVM_RUN, all timed with the
 * same clock as the exits' handling times (the CPU's local clock):
 *
 *   guest_ns   kvm_entry to the next kvm_exit: inside the guest.
 *   sum(total_ns) of the exit rows (sub == 0): kvm_exit to the next
 *              kvm_entry, everything outside the guest, of which:
 *   user_ns    out in the VMM: from KVM_RUN's return to userspace
 *              (kvm_userspace_exit) to the next kvm_entry, so it also
 *              holds the kernel's re-entry path (the next KVM_RUN up to
 *              VMRUN/VMLAUNCH). Counted only inside a timed exit: a
 *              return with no open exit (user_without_exit) is not.
 *   halted     KVM's halt_wait_ns + halt_poll_success_ns +
 *              halt_poll_fail_ns (struct kvmw_rec_kvm below).
 *   exit handling in the kernel
 *            = sum(total_ns) - user_ns - halted,
 *              over a window in which statistics stayed enabled (KVM
 *              counts halted time always, kvmwatch only while enabled).
 *
 * guest_ns + sum(total_ns) is the time from the first entry to the last
 * exit that statistics saw. Untimed: the way into the first entry, the
 * way out after the last exit (an exit never followed by an entry is
 * "unfinished"), and intervals whose end clock reads before their start
 * (6.1 SVM: kvm_exit may run on another CPU than its entry).
 */

#define KVMW_ISA_VMX		1	/* as KVM's trace.h KVM_ISA_VMX */
#define KVMW_ISA_SVM		2	/* as KVM's trace.h KVM_ISA_SVM */

#define KVMW_CODE_OTHER		0xfffffffeU	/* reasons that found no row */
#define KVMW_KEY_OTHER		(~0ULL)		/* keys that found no row */

/*
 * Log2 latency histogram: bucket 0 counts times below 2^KVMW_HIST_SHIFT
 * ns, bucket b (1 <= b < KVMW_HIST_BUCKETS - 1) counts
 * [2^(b + KVMW_HIST_SHIFT - 1), 2^(b + KVMW_HIST_SHIFT)) ns, and the
 * last bucket everything from 2^(KVMW_HIST_BUCKETS + KVMW_HIST_SHIFT - 2)
 * ns (about 275 s) up.
 */
#define KVMW_HIST_BUCKETS	32
#define KVMW_HIST_SHIFT		8

/*
 * Snapshot records
 * ----------------
 * KVMW_IOC_SNAPSHOT fills a buffer with a stream of records. Each starts
 * with struct kvmw_rec; @len covers the header and is a multiple of 8.
 * Readers skip record types they do not know and use only the first
 * bytes of a record they know, so records grow like structures do.
 *
 * Order: a KVMW_REC_VM record, then for each of its vCPUs a KVMW_REC_VCPU
 * record followed by that vCPU's KVMW_REC_STAT and KVMW_REC_RIP records
 * and, with KVMW_SNAP_KVM, one KVMW_REC_KVM record (not counted in
 * @nr_stats or @nr_rips); then the next VM. A module that does not know
 * KVMW_SNAP_KVM fails the snapshot with EINVAL (unknown flag).
 */
#define KVMW_REC_VM		1
#define KVMW_REC_VCPU		2
#define KVMW_REC_STAT		3
#define KVMW_REC_RIP		4
#define KVMW_REC_KVM		5

struct kvmw_rec {
	__u16 type;
	__u16 reserved;
	__u32 len;
};

#define KVMW_VM_GONE		(1U << 0)	/* destroyed; statistics final */

/**
 * struct kvmw_rec_vm - one VM
 * @hdr:	type KVMW_REC_VM
 * @pid:	process that created the VM
 * @flags:	KVMW_VM_*
 * @serial:	unique while the module is loaded, never reused
 * @created_ns:	CLOCK_MONOTONIC when kvmwatch first saw the VM
 * @gone_ns:	CLOCK_MONOTONIC when it was destroyed, 0 while alive
 * @nr_vcpus:	KVMW_REC_VCPU records that follow
 * @ppid:	parent of @pid at creation
 * @id:		KVM's debugfs name, "<pid>-<fd>", NUL terminated
 */
struct kvmw_rec_vm {
	struct kvmw_rec hdr;
	__s32 pid;
	__u32 flags;
	__u64 serial;
	__u64 created_ns;
	__u64 gone_ns;
	__u32 nr_vcpus;
	__s32 ppid;
	char id[32];
};

/* Indexes of struct kvmw_rec_vcpu.dropped_keys[] */
#define KVMW_BD_IOPORT		0
#define KVMW_BD_MMIO		1
#define KVMW_BD_MSR		2
#define KVMW_BD_NR		3

/**
 * struct kvmw_rec_vcpu - one vCPU, followed by its statistics
 * @hdr:		type KVMW_REC_VCPU
 * @vcpu_id:		KVM's vcpu_id
 * @tid:		thread that last entered the guest on it, 0 if none
 * @isa:		KVMW_ISA_*, 0 before its first exit
 * @nr_stats:		KVMW_REC_STAT records that follow
 * @nr_rips:		KVMW_REC_RIP records that follow them
 * @open:		1 if an exit is open (vCPU outside the guest)
 * @exits:		kvm_exit events
 * @entries:		kvm_entry events
 * @unfinished:		exits never followed by an entry: the vCPU's
 *			last exit before it was destroyed (untimed)
 * @entry_without_exit:	entries with no open exit (first entry, or
 *			stats enabled while the vCPU was out of the guest)
 * @exit_without_entry:	exits while an exit was already open; must be 0
 * @negative_time:	entry clock before exit clock (6.1 SVM: the
 *			thread may migrate in between); untimed, as perf
 * @user_returns:	KVM_RUN returns to the VMM (kvm_userspace_exit)
 * @user_without_exit:	of those, with no open exit (no guest exit
 *			behind them, e.g. a signal before entry)
 * @msr_early:		6.1 SVM x2APIC ICR fastpath: kvm_msr that came
 *			before its own kvm_exit, adopted by that exit
 * @orphan_events:	kvm_msr/kvm_pio/kvm_mmio with no exit to attach
 *			to; must be 0
 * @decode_errors:	exits whose reason could not be read; counted as
 *			KVMW_CODE_OTHER
 * @dropped_reasons:	exits of a reason that found no row
 * @dropped_keys:	breakdown keys that found no row, by KVMW_BD_*
 * @dropped_rips:	RIPs that found no row
 * @guest_ns:		(since VER1) time inside the guest, kvm_entry to
 *			the next kvm_exit ("Host CPU time" above)
 * @user_ns:		(since VER1) of the exits' handling time, the part
 *			out in the VMM: kvm_userspace_exit to the next
 *			kvm_entry, the re-entry path included
 */
struct kvmw_rec_vcpu {
	struct kvmw_rec hdr;
	__u32 vcpu_id;
	__s32 tid;
	__u32 isa;
	__u32 nr_stats;
	__u32 nr_rips;
	__u32 open;
	__u64 exits;
	__u64 entries;
	__u64 unfinished;
	__u64 entry_without_exit;
	__u64 exit_without_entry;
	__u64 negative_time;
	__u64 user_returns;
	__u64 user_without_exit;
	__u64 msr_early;
	__u64 orphan_events;
	__u64 decode_errors;
	__u64 dropped_reasons;
	__u64 dropped_keys[KVMW_BD_NR];
	__u64 dropped_rips;
	/* since KVMW_REC_VCPU_SIZE_VER1 */
	__u64 guest_ns;
	__u64 user_ns;
};

#define KVMW_REC_VCPU_SIZE_VER0	160
#define KVMW_REC_VCPU_SIZE_VER1	176

/* struct kvmw_rec_stat.kind */
#define KVMW_STAT_EXIT		0	/* @code: exit reason */
#define KVMW_STAT_IOPORT	1	/* @key: port */
#define KVMW_STAT_MMIO		2	/* @key: guest physical address */
#define KVMW_STAT_MSR		3	/* @key: MSR index */

/*
 * struct kvmw_rec_stat.sub: direction of a breakdown row; for an exit
 * row 0, or the read/write child rows of the SVM "msr" reason (an MSR
 * exit is counted in the reason row and in one child row).
 */
#define KVMW_SUB_NONE		0
#define KVMW_SUB_READ		1	/* IN, MMIO read, RDMSR */
#define KVMW_SUB_WRITE		2	/* OUT, MMIO write, WRMSR */

/*
 * struct kvmw_rec_stat.flags
 * KVMW_STAT_MINMAX_BOUND: the row had samples before this consumer's
 * reset; min and max cannot be subtracted, so they are the tightest
 * bounds the histogram of the window and the lifetime values give.
 */
#define KVMW_STAT_MINMAX_BOUND	(1U << 0)

/**
 * struct kvmw_rec_stat - statistics of one reason or breakdown key
 * @hdr:	type KVMW_REC_STAT
 * @kind:	KVMW_STAT_*
 * @sub:	KVMW_SUB_*
 * @code:	exit reason (KVMW_STAT_EXIT): SVM exit code, or the full
 *		32-bit VMX exit reason including its flag bits; the MSR
 *		exit code for the child rows; KVMW_CODE_OTHER for the
 *		overflow row. 0 for breakdowns.
 * @key:	port, address or MSR index (breakdowns), else 0
 * @count:	timed exits
 * @total_ns:	sum of their handling times
 * @min_ns:	shortest (0 if @count is 0)
 * @max_ns:	longest
 * @sumsq_lo:	sum of squared handling times in ns^2, low 64 bits
 * @sumsq_hi:	high 64 bits
 * @user:	of @count, exits that returned to the VMM before re-entry
 * @flags:	KVMW_STAT_*
 * @nr_buckets:	histogram buckets (KVMW_HIST_BUCKETS for exit rows
 *		unless KVMW_SNAP_NO_HIST, 0 for breakdowns)
 * @hist:	log2 histogram, see KVMW_HIST_SHIFT. The buckets are always
 *		the last @nr_buckets * 8 bytes of the record, so that the
 *		fixed part before them can grow.
 */
struct kvmw_rec_stat {
	struct kvmw_rec hdr;
	__u16 kind;
	__u16 sub;
	__u32 code;
	__u64 key;
	__u64 count;
	__u64 total_ns;
	__u64 min_ns;
	__u64 max_ns;
	__u64 sumsq_lo;
	__u64 sumsq_hi;
	__u64 user;
	__u32 flags;
	__u32 nr_buckets;
	__u64 hist[];
};

/**
 * struct kvmw_rec_rip - exits of one reason at one guest RIP
 * @hdr:	type KVMW_REC_RIP
 * @code:	exit reason, as in struct kvmw_rec_stat
 * @reserved:	0
 * @rip:	guest RIP of the exiting instruction
 * @count:	exits (timed or not) of @code at @rip
 */
struct kvmw_rec_rip {
	struct kvmw_rec hdr;
	__u32 code;
	__u32 reserved;
	__u64 rip;
	__u64 count;
};

/*
 * Indexes of struct kvmw_rec_kvm.val[]: KVM's own per-vCPU statistics
 * (struct kvm_vcpu_stat), named as KVM names them in its binary stats
 * file descriptor (KVM_GET_STATS_FD) and in kvm_stat. The first eight are
 * KVM's generic ones, the others x86's.
 */
enum kvmw_kvm_stat {
	KVMW_KVM_HALT_SUCCESSFUL_POLL,
	KVMW_KVM_HALT_ATTEMPTED_POLL,
	KVMW_KVM_HALT_POLL_INVALID,
	KVMW_KVM_HALT_WAKEUP,
	KVMW_KVM_HALT_POLL_SUCCESS_NS,
	KVMW_KVM_HALT_POLL_FAIL_NS,
	KVMW_KVM_HALT_WAIT_NS,
	KVMW_KVM_BLOCKING,		/* instant boolean: never subtracted */
	KVMW_KVM_PF_TAKEN,
	KVMW_KVM_PF_FIXED,
	KVMW_KVM_PF_EMULATE,
	KVMW_KVM_PF_SPURIOUS,
	KVMW_KVM_PF_FAST,
	KVMW_KVM_PF_MMIO_SPTE_CREATED,
	KVMW_KVM_PF_GUEST,
	KVMW_KVM_TLB_FLUSH,
	KVMW_KVM_INVLPG,
	KVMW_KVM_EXITS,
	KVMW_KVM_IO_EXITS,
	KVMW_KVM_MMIO_EXITS,
	KVMW_KVM_SIGNAL_EXITS,
	KVMW_KVM_IRQ_WINDOW_EXITS,
	KVMW_KVM_NMI_WINDOW_EXITS,
	KVMW_KVM_L1D_FLUSH,
	KVMW_KVM_HALT_EXITS,
	KVMW_KVM_REQUEST_IRQ_EXITS,
	KVMW_KVM_IRQ_EXITS,
	KVMW_KVM_HOST_STATE_RELOAD,
	KVMW_KVM_FPU_RELOAD,
	KVMW_KVM_INSN_EMULATION,
	KVMW_KVM_INSN_EMULATION_FAIL,
	KVMW_KVM_HYPERCALLS,
	KVMW_KVM_IRQ_INJECTIONS,
	KVMW_KVM_NMI_INJECTIONS,
	KVMW_KVM_REQ_EVENT,
	KVMW_KVM_NESTED_RUN,
	KVMW_KVM_DIRECTED_YIELD_ATTEMPTED,
	KVMW_KVM_DIRECTED_YIELD_SUCCESSFUL,
	KVMW_KVM_PREEMPTION_REPORTED,
	KVMW_KVM_PREEMPTION_OTHER,
	KVMW_KVM_GUEST_MODE,		/* instant boolean: never subtracted */
	KVMW_KVM_NOTIFY_WINDOW_EXITS,
	KVMW_KVM_NR
};

/**
 * struct kvmw_rec_kvm - KVM's own statistics of one vCPU (KVMW_SNAP_KVM)
 * @hdr:	type KVMW_REC_KVM
 * @nr:		values in @val; 0 when they cannot be read (see below)
 * @reserved:	0
 * @val:	by enum kvmw_kvm_stat; a newer module may send more values
 *		than a reader knows (ignore them) and a reader may know more
 *		than were sent (treat them as absent)
 *
 * KVM counts these itself, for every vCPU, from its creation, whether or
 * not kvmwatch statistics are enabled: they are read from the live vCPU
 * when the snapshot is taken. Counters are minus the file's baseline
 * (KVMW_IOC_RESET) like the other counts unless KVMW_SNAP_RAW; a vCPU
 * created after the baseline counts from its creation. The instant
 * booleans (blocking, guest_mode) are never subtracted.
 *
 * A vCPU of a gone VM reports the values KVM had when it destroyed the
 * vCPU. @nr is 0 for a vCPU kvmwatch could not read: one KVM had not
 * finished creating, one whose VM is being destroyed and that no earlier
 * snapshot read (until KVM destroys it), or one whose VM kvmwatch saw go
 * only because kvm.ko was unloaded.
 */
struct kvmw_rec_kvm {
	struct kvmw_rec hdr;
	__u32 nr;
	__u32 reserved;
	__u64 val[];
};

/* struct kvmw_snapshot.flags */
#define KVMW_SNAP_NO_HIST	(1U << 0)	/* omit histograms */
#define KVMW_SNAP_NO_BREAKDOWN	(1U << 1)	/* omit port/MMIO/MSR rows */
#define KVMW_SNAP_NO_RIPS	(1U << 2)	/* omit KVMW_REC_RIP */
#define KVMW_SNAP_RAW		(1U << 3)	/* ignore this file's reset */
#define KVMW_SNAP_RESET		(1U << 4)	/* then reset, with no gap */
#define KVMW_SNAP_KVM		(1U << 5)	/* add KVMW_REC_KVM records */
#define KVMW_SNAP_FLAGS		0x3fU

/**
 * struct kvmw_snapshot - KVMW_IOC_SNAPSHOT
 * @size:	in: caller's sizeof(); out: bytes the kernel knows
 * @flags:	in: KVMW_SNAP_*
 * @buf:	in: address of the record buffer
 * @buf_len:	in: its length in bytes
 * @used:	out: bytes of records written. With ENOSPC: the bytes the
 *		snapshot needed (the only field written on an error);
 *		retry with a larger buffer, VMs may have come meanwhile.
 * @time_ns:	out: CLOCK_MONOTONIC of the snapshot
 * @nr_vms:	out: KVMW_REC_VM records written
 * @nr_vcpus:	out: KVMW_REC_VCPU records written
 *
 * Returns the VMs (live and recently gone, in the order kvmwatch first
 * saw them) and vCPUs that pass this file's filter, minus this file's
 * baseline. Rows with nothing counted since the baseline are left out,
 * and so are VMs destroyed before it.
 *
 * KVMW_SNAP_RESET makes the statistics this snapshot read the file's new
 * baseline (as KVMW_IOC_RESET, for every vCPU, selected or not), so that
 * consecutive snapshots tile time with nothing lost or counted twice;
 * the baseline changes only if the snapshot succeeds. Not with
 * KVMW_SNAP_RAW (EINVAL).
 * The kernel builds the records in a buffer of at most
 * KVMW_SNAPSHOT_MAX bytes; a larger snapshot fails with E2BIG.
 */
struct kvmw_snapshot {
	__u32 size;
	__u32 flags;
	__u64 buf;
	__u64 buf_len;
	__u64 used;
	__u64 time_ns;
	__u32 nr_vms;
	__u32 nr_vcpus;
};

#define KVMW_SNAPSHOT_SIZE_VER0	48
#define KVMW_SNAPSHOT_MAX	(64U << 20)

/* struct kvmw_filter.flags: which fields select; 0 selects everything */
#define KVMW_FILTER_PID		(1U << 0)	/* VMs created by @pid */
#define KVMW_FILTER_PID_TREE	(1U << 1)	/* ... or by its descendants */
#define KVMW_FILTER_VM		(1U << 2)	/* the VM named @vm */
#define KVMW_FILTER_VCPU	(1U << 3)	/* vCPUs with vcpu_id @vcpu */
#define KVMW_FILTER_LIVE	(1U << 4)	/* no gone VMs */
#define KVMW_FILTER_FLAGS	0x1fU

/**
 * struct kvmw_filter - KVMW_IOC_SET_FILTER, read by the kernel
 * @size:	caller's sizeof()
 * @flags:	KVMW_FILTER_*; KVMW_FILTER_PID_TREE needs KVMW_FILTER_PID
 * @pid:	process id (> 0)
 * @vcpu:	vcpu_id (>= 0)
 * @vm:		VM id "<pid>-<fd>", NUL terminated
 *
 * Selects what this file's snapshots return. The tree filter matches a
 * VM whose creator had @pid among its first 8 ancestors when it created
 * the VM, so "kvmwatch stat -- COMMAND" finds VMs of COMMAND's children
 * even after they exited.
 */
struct kvmw_filter {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__s32 vcpu;
	char vm[32];
};

#define KVMW_FILTER_SIZE_VER0	48

/*
 * struct kvmw_enable.families: statistics, and the event families a file
 * receives in its rings (see "Event stream" below).
 */
#define KVMW_ENABLE_STATS	(1ULL << 0)	/* exit accounting */
#define KVMW_ENABLE_EXIT	(1ULL << 1)	/* KVMW_EV_TYPE_EXIT */
#define KVMW_ENABLE_IO		(1ULL << 2)	/* _MSR, _PIO, _MMIO */
#define KVMW_ENABLE_HALT	(1ULL << 3)	/* _WAKEUP, _HALT_POLL */
#define KVMW_ENABLE_DIRTY	(1ULL << 4)	/* _DIRTY */
#define KVMW_ENABLE_SCHED	(1ULL << 5)	/* _LOAD, _PUT */
#define KVMW_ENABLE_IRQ		(1ULL << 6)	/* _INJECT */
#define KVMW_ENABLE_PF		(1ULL << 7)	/* _PAGE_FAULT */
#define KVMW_ENABLE_HCALL	(1ULL << 8)	/* _HYPERCALL */
#define KVMW_ENABLE_VM		(1ULL << 9)	/* _VM_CREATE, _VM_GONE */
#define KVMW_ENABLE_EVENTS	0x3feULL	/* every event family */
#define KVMW_ENABLE_ALL		0x3ffULL

/**
 * struct kvmw_enable - KVMW_IOC_ENABLE, read by the kernel
 * @size:	caller's sizeof()
 * @flags:	0
 * @families:	KVMW_ENABLE_* (statistics, event families) this file
 *		wants from now on; 0 disables. Event families need rings
 *		(KVMW_IOC_RING_SETUP first, else EINVAL).
 * @min_duration_ns: (since VER1) KVMW_EV_TYPE_EXIT, _PAGE_FAULT and
 *		_WAKEUP records shorter than this are not written
 *		(nor counted as lost); 0 writes all
 *
 * The probes an enabled family needs are attached while any file has it
 * enabled, and only then (a file's enables end when it is closed).
 */
struct kvmw_enable {
	__u32 size;
	__u32 flags;
	__u64 families;
	__u64 min_duration_ns;
};

#define KVMW_ENABLE_SIZE_VER0	16
#define KVMW_ENABLE_SIZE_VER1	24

/*
 * Event stream
 * ============
 *
 * A file that calls KVMW_IOC_RING_SETUP gets one ring buffer per possible
 * CPU, which it maps with mmap(). A probe writes each event of a family
 * the file enabled, and that passes the file's filter (KVMW_IOC_SET_FILTER),
 * into the ring of the CPU it runs on. Rings belong to the file: several
 * recorders run at once, each with its own rings, filter and families.
 *
 * The file must be open for reading and writing to map the control
 * pages.
 *
 * Layout. Ring @cpu occupies @mmap_stride bytes of the file's mmap space
 * from offset @cpu * @mmap_stride (struct kvmw_ring_setup): first one
 * control page (struct kvmw_ring_ctrl), mapped on its own with
 * PROT_READ | PROT_WRITE, then @data_size bytes of data, mapped on their
 * own and read-only (PROT_WRITE fails with EPERM). A mapping must be
 * exactly one of the two; anything else fails with EINVAL, a CPU that is
 * not possible with ENXIO, and a file without rings with ENODEV.
 *
 * Positions. data_head, data_tail and oldest count bytes written since
 * the ring was created; a record at position p starts at data byte
 * p % data_size and may wrap past the end of the data area. Records are
 * struct kvmw_ev followed by a type-specific body; @size is a multiple of
 * 8, at least sizeof(struct kvmw_ev) and at most KVMW_EV_MAX_SIZE.
 * Readers skip types they do not know and read only the bytes they know
 * of a type they know, so records grow like structures do.
 *
 * Reading, discard mode (default). Load data_head with acquire semantics;
 * records in [data_tail, data_head) are complete. Consume them, then
 * store the new data_tail with release semantics. A record that does not
 * fit in the free space is not written and counts in @lost. The kernel
 * treats data_tail as untrusted: a value that is ahead of data_head or
 * more than data_size behind it makes the ring full, which hurts only
 * this file.
 *
 * Reading, overwrite mode (KVMW_RING_OVERWRITE). The producer never waits
 * and never loses a record at write time: it overwrites the oldest ones,
 * moving @oldest past them before it writes. data_tail is used only by
 * poll() (below): a reader keeps it at its position. A reader starts at
 * max(its position, oldest), copies each record out, then (after a read
 * barrier) reloads @oldest: if @oldest passed the record's start, the
 * copy may be torn and is thrown away.
 * Every record's @seq is its ring's count of records produced before it,
 * lost ones included, so the reader counts what it missed from the gaps:
 * in both modes, produced = @seq_next = records received + records
 * missed; in discard mode, missed = @lost.
 *
 * Interrupted producers. A probe interrupted by another probe on the
 * same CPU (an interrupt, or a nested tracepoint) both write correctly:
 * space and sequence number are taken together with interrupts disabled
 * for a few instructions, and data_head moves only when the outermost
 * writer on that CPU has finished, so it never covers a record still
 * being written.
 *
 * Wake-ups. poll() reports EPOLLIN when some ring holds at least
 * @watermark bytes past its data_tail (in overwrite mode also when the
 * producer lapped data_tail). Probes never wake a reader themselves (they
 * may run under the scheduler's locks or in hard-IRQ context): the
 * wake-up is deferred through irq_work.
 *
 * A reader that stops reading costs the probes no more than counting
 * lost records (discard mode) or overwriting (overwrite mode).
 */

#define KVMW_RING_OVERWRITE	(1U << 0)
#define KVMW_RING_FLAGS		0x1U
#define KVMW_RING_PAGES_DEFAULT	256		/* 1 MiB per CPU */
#define KVMW_RING_PAGES_MAX	4096		/* 16 MiB per CPU */

/**
 * struct kvmw_ring_setup - KVMW_IOC_RING_SETUP, read and filled
 * @size:	in: caller's sizeof(); out: bytes the kernel knows
 * @flags:	in: KVMW_RING_*
 * @data_pages:	in: data pages per CPU, a power of two, at least 2 and
 *		at most KVMW_RING_PAGES_MAX; 0 means KVMW_RING_PAGES_DEFAULT.
 *		out: the value used
 * @watermark:	in: bytes for poll() to report a ring readable, at most
 *		half the data size; 0 means a quarter of it. out: used
 * @nr_rings:	out: nr_cpu_ids; rings of CPUs that are not possible
 *		cannot be mapped
 * @page_size:	out: size of the control page
 * @data_size:	out: @data_pages * @page_size
 * @mmap_stride: out: bytes of mmap space per CPU
 *
 * Once per file: a second call fails with EBUSY. The rings are freed
 * when the file is closed (after every mapping of it is gone).
 */
struct kvmw_ring_setup {
	__u32 size;
	__u32 flags;
	__u32 data_pages;
	__u32 watermark;
	__u32 nr_rings;
	__u32 page_size;
	__u64 data_size;
	__u64 mmap_stride;
};

#define KVMW_RING_SETUP_SIZE_VER0	40

/**
 * struct kvmw_ring_ctrl - the control page of one ring
 * @version:	KVMW_RING_CTRL_VERSION
 * @flags:	KVMW_RING_* of the ring
 * @cpu:	the CPU whose probes write here
 * @reserved:	0
 * @data_size:	bytes of data, a power of two
 * @data_head:	kernel: end of the last complete record (see above)
 * @oldest:	kernel, overwrite mode: start of the oldest intact record
 * @seq_next:	kernel: records produced, lost ones included (the @seq of
 *		the next one)
 * @lost:	kernel, discard mode: records that found the ring full
 * @data_tail:	reader: how far it has consumed (in overwrite mode, read
 *		only by poll())
 *
 * The kernel only writes the fields it owns and never reads them back;
 * what a reader writes there besides @data_tail is ignored.
 */
struct kvmw_ring_ctrl {
	__u32 version;
	__u32 flags;
	__u32 cpu;
	__u32 reserved;
	__u64 data_size;
	__u64 data_head;
	__u64 oldest;
	__u64 seq_next;
	__u64 lost;
	__u64 pad0[1];
	/* the reader's cache line */
	__u64 data_tail;
};

#define KVMW_RING_CTRL_VERSION		1
#define KVMW_RING_CTRL_TAIL_OFFSET	64

/* struct kvmw_ev.type */
#define KVMW_EV_TYPE_EXIT	1
#define KVMW_EV_TYPE_MSR	2
#define KVMW_EV_TYPE_PIO	3
#define KVMW_EV_TYPE_MMIO	4
#define KVMW_EV_TYPE_WAKEUP	5
#define KVMW_EV_TYPE_HALT_POLL	6
#define KVMW_EV_TYPE_DIRTY	7
#define KVMW_EV_TYPE_LOAD	8
#define KVMW_EV_TYPE_PUT	9
#define KVMW_EV_TYPE_INJECT	10
#define KVMW_EV_TYPE_PAGE_FAULT	11
#define KVMW_EV_TYPE_HYPERCALL	12
#define KVMW_EV_TYPE_VM_CREATE	13
#define KVMW_EV_TYPE_VM_GONE	14
#define KVMW_EV_TYPE_TEST	15	/* KVMW_IOC_TEST_EVENTS only */

#define KVMW_EV_MAX_SIZE	256
#define KVMW_EV_NO_VCPU		0xffffffffU

/**
 * struct kvmw_ev - header of every record in a ring
 * @type:	KVMW_EV_TYPE_*
 * @size:	bytes of the record, header included
 * @vcpu_id:	KVM's vcpu_id, or KVMW_EV_NO_VCPU
 * @seq:	records this ring produced before this one, lost included
 * @time_ns:	CLOCK_MONOTONIC when the probe ran
 * @vm:		serial of the VM (struct kvmw_rec_vm.serial), 0 if none
 * @pid:	process that created the VM
 * @tid:	thread the probe ran on
 */
struct kvmw_ev {
	__u16 type;
	__u16 size;
	__u32 vcpu_id;
	__u64 seq;
	__u64 time_ns;
	__u64 vm;
	__s32 pid;
	__s32 tid;
};

/*
 * struct kvmw_ev_exit.flags. KVMW_EXIT_NEGATIVE: the entry clock was
 * before the exit clock; @duration_ns is 0 and the statistics leave the
 * exit untimed (negative_time).
 */
#define KVMW_EXIT_USER		(1U << 0)	/* went to the VMM */
#define KVMW_EXIT_NEGATIVE	(1U << 1)
#define KVMW_EXIT_DECODE_ERROR	(1U << 2)	/* @code is KVMW_CODE_OTHER */

/*
 * struct kvmw_ev_exit.key_kind: the breakdown key an exit touched, as
 * KVMW_STAT_IOPORT, KVMW_STAT_MMIO or KVMW_STAT_MSR; 0 (KVMW_STAT_EXIT)
 * when none.
 */

/**
 * struct kvmw_ev_exit - KVMW_EV_TYPE_EXIT, written at the entry that
 *	ends the exit (family KVMW_ENABLE_EXIT)
 * @hdr:	header; @time_ns is that of the entry
 * @isa:	KVMW_ISA_*
 * @code:	exit reason as in struct kvmw_rec_stat.code
 * @info1:	SVM exit_info_1, VMX exit qualification
 * @info2:	SVM exit_info_2, VMX guest-physical address (EPT exits)
 * @rip:	guest RIP at the exit
 * @duration_ns: kvm_exit to kvm_entry, as statistics time it
 * @key:	breakdown key (port, GPA, MSR index)
 * @key_kind:	KVMW_STAT_* of @key, 0 if none
 * @key_sub:	KVMW_SUB_* of @key
 * @flags:	KVMW_EXIT_*
 *
 * Exactly the exits the statistics time, with the same duration, key and
 * user flag, except an exit already open when the family was enabled
 * (no record) and a vCPU's last exit before it is destroyed (no entry).
 */
struct kvmw_ev_exit {
	struct kvmw_ev hdr;
	__u32 isa;
	__u32 code;
	__u64 info1;
	__u64 info2;
	__u64 rip;
	__u64 duration_ns;
	__u64 key;
	__u16 key_kind;
	__u16 key_sub;
	__u32 flags;
};

/** struct kvmw_ev_msr - KVMW_EV_TYPE_MSR, at kvm_msr (KVMW_ENABLE_IO) */
struct kvmw_ev_msr {
	struct kvmw_ev hdr;
	__u32 index;
	__u8 write;
	__u8 exception;		/* KVM injected #GP */
	__u16 reserved;
	__u64 value;
};

/** struct kvmw_ev_pio - KVMW_EV_TYPE_PIO, at kvm_pio (KVMW_ENABLE_IO) */
struct kvmw_ev_pio {
	struct kvmw_ev hdr;
	__u16 port;
	__u8 in;		/* 1 IN, 0 OUT */
	__u8 size;		/* bytes per access */
	__u32 count;		/* accesses (string IO) */
	__u64 value;		/* first value, if KVM had it */
};

/* struct kvmw_ev_mmio.type: KVM's KVM_TRACE_MMIO_* */
#define KVMW_MMIO_READ_UNSATISFIED	0
#define KVMW_MMIO_READ			1
#define KVMW_MMIO_WRITE			2

/** struct kvmw_ev_mmio - KVMW_EV_TYPE_MMIO, at kvm_mmio (KVMW_ENABLE_IO) */
struct kvmw_ev_mmio {
	struct kvmw_ev hdr;
	__u32 type;
	__u32 len;
	__u64 gpa;
	__u64 value;
};

/**
 * struct kvmw_ev_wakeup - KVMW_EV_TYPE_WAKEUP, a vCPU leaves halt
 *	(kvm_vcpu_wakeup, family KVMW_ENABLE_HALT)
 * @halt_ns:	time spent halted (polling and waiting)
 * @waited:	1 if it slept, 0 if halt polling caught the wake-up
 * @valid:	1 if the wake-up was for a reason to run (not spurious)
 */
struct kvmw_ev_wakeup {
	struct kvmw_ev hdr;
	__u64 halt_ns;
	__u8 waited;
	__u8 valid;
	__u8 reserved[6];
};

/**
 * struct kvmw_ev_halt_poll - KVMW_EV_TYPE_HALT_POLL, the halt-polling
 *	window changed (kvm_halt_poll_ns, family KVMW_ENABLE_HALT)
 */
struct kvmw_ev_halt_poll {
	struct kvmw_ev hdr;
	__u32 old_ns;
	__u32 new_ns;
	__u8 grow;		/* 1 grow, 0 shrink */
	__u8 reserved[7];
};

/**
 * struct kvmw_ev_dirty - KVMW_EV_TYPE_DIRTY, KVM marked a guest page
 *	dirty in a memslot with dirty logging on (family KVMW_ENABLE_DIRTY)
 * @gfn:	guest frame number
 * @rel_gfn:	@gfn - the slot's first gfn
 * @npages:	pages in the slot
 * @hva:	the slot's userspace address
 * @slot:	slot id (address space in bits 16 and up, as KVM's)
 * @reserved:	0
 *
 * @vcpu_id is the vCPU whose thread dirtied it, or KVMW_EV_NO_VCPU (e.g.
 * a write by KVM on behalf of the VMM).
 */
struct kvmw_ev_dirty {
	struct kvmw_ev hdr;
	__u64 gfn;
	__u64 rel_gfn;
	__u64 npages;
	__u64 hva;
	__u32 slot;
	__u32 reserved;
};

/* How a vCPU left its physical CPU: struct kvmw_ev_put.how */
#define KVMW_PUT_PREEMPTED	1	/* runnable, preempted */
#define KVMW_PUT_BLOCKED	2	/* slept in KVM_RUN (mostly: halted) */
#define KVMW_PUT_USER		3	/* KVM_RUN or another vCPU ioctl ended */

/**
 * struct kvmw_ev_load - KVMW_EV_TYPE_LOAD, a vCPU is loaded on a
 *	physical CPU (kvm_arch_vcpu_load, family KVMW_ENABLE_SCHED)
 * @pcpu:	physical CPU
 * @prev_pcpu:	physical CPU of the previous put, ~0 if none seen
 * @off_ns:	time since that put, 0 if none seen
 * @prev_how:	KVMW_PUT_* of that put, 0 if none seen
 * @reserved:	0
 */
struct kvmw_ev_load {
	struct kvmw_ev hdr;
	__u32 pcpu;
	__u32 prev_pcpu;
	__u64 off_ns;
	__u32 prev_how;
	__u32 reserved;
};

/**
 * struct kvmw_ev_put - KVMW_EV_TYPE_PUT, a vCPU leaves its physical CPU
 *	(kvm_arch_vcpu_put, family KVMW_ENABLE_SCHED)
 * @pcpu:	physical CPU
 * @how:	KVMW_PUT_*
 * @run_ns:	time since its load, 0 if none seen
 */
struct kvmw_ev_put {
	struct kvmw_ev hdr;
	__u32 pcpu;
	__u32 how;
	__u64 run_ns;
};

/* struct kvmw_ev_inject.kind */
#define KVMW_INJ_IRQ		1	/* external interrupt (kvm_inj_virq) */
#define KVMW_INJ_SOFT		2	/* software interrupt (INTn) */
#define KVMW_INJ_EXCEPTION	3	/* exception (kvm_inj_exception) */

/**
 * struct kvmw_ev_inject - KVMW_EV_TYPE_INJECT, an event is injected into
 *	the guest at the next entry (family KVMW_ENABLE_IRQ)
 */
struct kvmw_ev_inject {
	struct kvmw_ev hdr;
	__u32 vector;
	__u16 kind;
	__u8 reinjected;
	__u8 has_error;
	__u32 error_code;
	__u32 reserved;
};

/**
 * struct kvmw_ev_page_fault - KVMW_EV_TYPE_PAGE_FAULT, an NPT or EPT
 *	fault, written at the entry that ends its exit (KVMW_ENABLE_PF)
 * @gpa:	faulting guest-physical address
 * @error_code:	SVM: the NPF error code; VMX: the exit qualification
 * @duration_ns: handling time, kvm_exit to kvm_entry
 */
struct kvmw_ev_page_fault {
	struct kvmw_ev hdr;
	__u64 gpa;
	__u64 error_code;
	__u64 duration_ns;
};

/** struct kvmw_ev_hypercall - KVMW_EV_TYPE_HYPERCALL (KVMW_ENABLE_HCALL) */
struct kvmw_ev_hypercall {
	struct kvmw_ev hdr;
	__u64 nr;
	__u64 args[4];
};

/**
 * struct kvmw_ev_vm - KVMW_EV_TYPE_VM_CREATE and _VM_GONE (KVMW_ENABLE_VM)
 * @ppid:	parent of the creator
 * @nr_vcpus:	vCPUs it had (0 at creation)
 * @id:		"<pid>-<fd>" as struct kvmw_rec_vm.id
 */
struct kvmw_ev_vm {
	struct kvmw_ev hdr;
	__s32 ppid;
	__u32 nr_vcpus;
	char id[32];
};

/**
 * struct kvmw_ev_test - KVMW_EV_TYPE_TEST, written by KVMW_IOC_TEST_EVENTS
 * @producer:	0 from the ioctl's loop, 1 from its nested hrtimer
 * @words:	64-bit words in @check after this field
 * @index:	per-producer index, from 0
 * @check:	@words words, word i = index * 0x9e3779b97f4a7c15 + i
 */
struct kvmw_ev_test {
	struct kvmw_ev hdr;
	__u32 producer;
	__u32 words;
	__u64 index;
	__u64 check[];
};

/*
 * struct kvmw_test_events.flags: KVMW_TEST_NESTED also writes from an
 * hrtimer on the same CPU every @nested_period_ns, interrupting the loop.
 */
#define KVMW_TEST_NESTED	(1U << 0)
#define KVMW_TEST_FLAGS		0x1U

/**
 * struct kvmw_test_events - KVMW_IOC_TEST_EVENTS, read and filled
 * @size:	in: caller's sizeof(); out: bytes the kernel knows
 * @flags:	in: KVMW_TEST_*
 * @count:	in: records the loop writes, 1 to 100,000,000
 * @words:	in: check words per record, 0 to 16 (record size varies:
 *		index % (@words + 1) words)
 * @nested_period_ns: in: hrtimer period, >= 10000 with KVMW_TEST_NESTED
 * @cpu:	out: the CPU it ran on
 * @produced:	out: records of the loop (= @count)
 * @nested:	out: records the hrtimer wrote
 * @elapsed_ns:	out: time the loop took
 *
 * Debug only: fails with EPERM unless the module was loaded with
 * test_events=1. Writes into this file's ring of the caller's CPU only,
 * with preemption disabled in batches of 256 records, so that the loss
 * accounting can be tested at a known rate. The caller must be pinned to
 * one CPU (EINVAL otherwise) and have rings (EINVAL). A fatal signal
 * stops it with EINTR after @produced records (still filled in).
 */
struct kvmw_test_events {
	__u32 size;
	__u32 flags;
	__u64 count;
	__u32 words;
	__u32 cpu;
	__u64 nested_period_ns;
	__u64 produced;
	__u64 nested;
	__u64 elapsed_ns;
};

#define KVMW_TEST_EVENTS_SIZE_VER0	56

#define KVMW_IOC_MAGIC		0xB7
#define KVMW_IOC_VERSION	_IOWR(KVMW_IOC_MAGIC, 0x00, struct kvmw_version)
#define KVMW_IOC_COUNTERS	_IOWR(KVMW_IOC_MAGIC, 0x01, struct kvmw_counters)
#define KVMW_IOC_SNAPSHOT	_IOWR(KVMW_IOC_MAGIC, 0x02, struct kvmw_snapshot)
#define KVMW_IOC_SET_FILTER	_IOW(KVMW_IOC_MAGIC, 0x03, struct kvmw_filter)
#define KVMW_IOC_ENABLE		_IOW(KVMW_IOC_MAGIC, 0x04, struct kvmw_enable)
/* Take this file's baseline: its later snapshots count from now. Arg 0. */
#define KVMW_IOC_RESET		_IO(KVMW_IOC_MAGIC, 0x05)
#define KVMW_IOC_RING_SETUP \
	_IOWR(KVMW_IOC_MAGIC, 0x06, struct kvmw_ring_setup)
#define KVMW_IOC_TEST_EVENTS \
	_IOWR(KVMW_IOC_MAGIC, 0x07, struct kvmw_test_events)

#endif /* _UAPI_LINUX_KVMWATCH_H */
