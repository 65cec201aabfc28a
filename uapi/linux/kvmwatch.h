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
 * (later: filters, enables, baselines) belongs to that file and never
 * disturbs another consumer.
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

/**
 * struct kvmw_version - KVMW_IOC_VERSION, filled by the kernel
 * @size:	in: caller's sizeof(); out: bytes the kernel knows
 * @abi:	KVMW_ABI_VERSION of the module
 * @major:	module release, major
 * @minor:	module release, minor
 * @patch:	module release, patch
 * @caps:	KVMW_CAP_* bits
 * @release:	utsname release of the running kernel, NUL terminated
 */
struct kvmw_version {
	__u32 size;
	__u32 abi;
	__u32 major;
	__u32 minor;
	__u32 patch;
	__u32 caps;
	char release[64];
};

#define KVMW_VERSION_SIZE_VER0	88

/*
 * Where kvmwatch is attached. A state is one of:
 * KVMW_ATTACH_NONE    kvm.ko is not loaded; nothing is attached.
 * KVMW_ATTACH_PARTIAL kvm.ko is loaded but a required probe failed to
 *                     attach (the reason is logged once in dmesg).
 * KVMW_ATTACH_FULL    every required probe is attached.
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
 * @tracepoints:	KVM tracepoint probes attached
 * @kprobes:		kprobes registered
 * @kvm_loads:		times kvm.ko was seen coming (since module load)
 * @kvm_unloads:	times kvm.ko was seen going
 * @untracked:		events from a vCPU that had no slot; must stay 0
 * @exits:		kvm_exit events seen on tracked vCPUs, all VMs,
 *			since module load (never reset)
 * @entries:		kvm_entry events, likewise. Every entry is followed
 *			by one exit, so with no vCPU inside a guest
 *			@entries == @exits.
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
};

#define KVMW_COUNTERS_SIZE_VER0	96

#define KVMW_IOC_MAGIC		0xB7
#define KVMW_IOC_VERSION	_IOWR(KVMW_IOC_MAGIC, 0x00, struct kvmw_version)
#define KVMW_IOC_COUNTERS	_IOWR(KVMW_IOC_MAGIC, 0x01, struct kvmw_counters)

#endif /* _UAPI_LINUX_KVMWATCH_H */
