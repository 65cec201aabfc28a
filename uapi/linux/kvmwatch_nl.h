/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmwatch: the generic netlink family "kvmwatch".
 *
 * The programmatic interface for agents and monitoring daemons, beside
 * /dev/kvmwatch (uapi/linux/kvmwatch.h, which defines the statistics
 * records carried here and their meaning). Resolve the family and its
 * multicast group by name through the generic netlink controller; asking
 * for the family loads the module if it is not loaded (loading attaches
 * nothing that costs an exit: see KVMW_NL_CMD_SET_CONFIG).
 *
 * Permissions. Every command needs CAP_NET_ADMIN (GENL_ADMIN_PERM), in
 * the initial network namespace only (the family is not visible in
 * others). Joining KVMW_NL_MCGRP_NOTIFY needs CAP_NET_ADMIN too.
 *
 * Per-socket state. Configuration (statistics enable, filter, thresholds)
 * and the baseline belong to the sending socket (its netlink port id),
 * like a /dev/kvmwatch file's: set by one socket, seen by no other, and
 * dropped when the socket is closed.
 *
 * Attributes are validated strictly, with an extended-ack message naming
 * the attribute: unknown attributes, attributes a command does not take,
 * wrong types or lengths, missing attributes, and reserved header bytes
 * that are not zero are refused with EINVAL; numbers out of their range
 * with ERANGE (as the kernel's policies do); more than
 * KVMW_NL_THRESHOLDS_MAX thresholds with E2BIG. A request that fails
 * changes nothing.
 *
 * Versioning: KVMW_NL_VERSION is the family's version (genlmsghdr.version
 * of replies); requests may carry any version. New commands and
 * attributes are added, never renumbered; KVMW_NL_ATTR_CAPS says what the
 * module supports.
 */
#ifndef _UAPI_LINUX_KVMWATCH_NL_H
#define _UAPI_LINUX_KVMWATCH_NL_H

#include <linux/types.h>

#define KVMW_NL_FAMILY_NAME	"kvmwatch"
#define KVMW_NL_VERSION		1
#define KVMW_NL_MCGRP_NOTIFY	"notify"

/*
 * Commands. GET_VERSION, GET_STATS (dump only), RESET, SET_CONFIG and
 * GET_CONFIG are requests; the NOTIFY_* commands are only ever sent by
 * the kernel to KVMW_NL_MCGRP_NOTIFY.
 */
enum kvmw_nl_cmd {
	KVMW_NL_CMD_UNSPEC,
	/* reply: ABI, VERSION, CAPS, RELEASE */
	KVMW_NL_CMD_GET_VERSION,
	/*
	 * Dump only. Request: optional SNAP_FLAGS (KVMW_SNAP_NO_HIST,
	 * _NO_BREAKDOWN, _NO_RIPS, _RAW, _RESET, _KVM as for
	 * KVMW_IOC_SNAPSHOT).
	 * The dump is one snapshot of the socket's selection minus its
	 * baseline, taken when the dump starts and sent as its records
	 * (uapi/linux/kvmwatch.h "Snapshot records"), one KVMW_NL_ATTR_REC
	 * each, in order, as many per message as fit. Being one snapshot, it
	 * is consistent however many messages it takes and however VMs come
	 * and go meanwhile, so NLM_F_DUMP_INTR is never set. The first
	 * message also carries TIME_NS, NR_VMS and NR_VCPUS.
	 */
	KVMW_NL_CMD_GET_STATS,
	/* take the socket's baseline (as KVMW_IOC_RESET); no attributes */
	KVMW_NL_CMD_RESET,
	/*
	 * Any of: ENABLE (KVMW_ENABLE_STATS or 0; event families need a
	 * /dev/kvmwatch ring: EOPNOTSUPP), FILTER (replaces the filter; an
	 * empty nest clears it), THRESHOLDS (replaces every threshold; an
	 * empty nest clears them), RATELIMIT_MS. All-or-nothing.
	 */
	KVMW_NL_CMD_SET_CONFIG,
	/* reply: the socket's ENABLE, FILTER, THRESHOLDS, RATELIMIT_MS */
	KVMW_NL_CMD_GET_CONFIG,
	/* notifications: VM (nested KVMW_NL_VM_*) */
	KVMW_NL_CMD_NOTIFY_VM_NEW,
	KVMW_NL_CMD_NOTIFY_VM_GONE,
	/* notification: THRESHOLD_EVENT (nested KVMW_NL_TE_*) */
	KVMW_NL_CMD_NOTIFY_THRESHOLD,
	__KVMW_NL_CMD_MAX,
};

#define KVMW_NL_CMD_MAX		(__KVMW_NL_CMD_MAX - 1)

enum kvmw_nl_attr {
	KVMW_NL_ATTR_UNSPEC,
	KVMW_NL_ATTR_PAD,
	KVMW_NL_ATTR_ABI,		/* u32: KVMW_ABI_VERSION */
	KVMW_NL_ATTR_VERSION,		/* string: "major.minor.patch" */
	KVMW_NL_ATTR_CAPS,		/* u32: KVMW_CAP_* | KVMW_NL_CAP_* */
	KVMW_NL_ATTR_RELEASE,		/* string: the running kernel */
	KVMW_NL_ATTR_SNAP_FLAGS,	/* u32: KVMW_SNAP_* */
	KVMW_NL_ATTR_REC,		/* binary: one snapshot record */
	KVMW_NL_ATTR_TIME_NS,		/* u64: CLOCK_MONOTONIC */
	KVMW_NL_ATTR_NR_VMS,		/* u32 */
	KVMW_NL_ATTR_NR_VCPUS,		/* u32 */
	KVMW_NL_ATTR_ENABLE,		/* u64: KVMW_ENABLE_STATS or 0 */
	KVMW_NL_ATTR_FILTER,		/* nested: KVMW_NL_FILTER_* */
	KVMW_NL_ATTR_THRESHOLDS,	/* nested: KVMW_NL_ATTR_THRESHOLD... */
	KVMW_NL_ATTR_THRESHOLD,		/* nested: KVMW_NL_TH_* */
	KVMW_NL_ATTR_RATELIMIT_MS,	/* u32: 100 .. 3600000 (1000) */
	KVMW_NL_ATTR_VM,		/* nested: KVMW_NL_VM_* */
	KVMW_NL_ATTR_THRESHOLD_EVENT,	/* nested: KVMW_NL_TE_* */
	__KVMW_NL_ATTR_MAX,
};

#define KVMW_NL_ATTR_MAX	(__KVMW_NL_ATTR_MAX - 1)

/* Extra capability bits in KVMW_NL_ATTR_CAPS. */
#define KVMW_NL_CAP_THRESHOLDS	(1U << 16)

/* KVMW_NL_ATTR_FILTER: the fields of struct kvmw_filter, as attributes. */
enum kvmw_nl_filter {
	KVMW_NL_FILTER_UNSPEC,
	KVMW_NL_FILTER_PID,		/* s32 > 0: VMs created by it */
	KVMW_NL_FILTER_PID_TREE,	/* flag: ... or its descendants */
	KVMW_NL_FILTER_VM,		/* string: "<pid>-<fd>" */
	KVMW_NL_FILTER_VCPU,		/* u32: vcpu_id */
	KVMW_NL_FILTER_LIVE,		/* flag: no gone VMs */
	__KVMW_NL_FILTER_MAX,
};

#define KVMW_NL_FILTER_MAX	(__KVMW_NL_FILTER_MAX - 1)

/*
 * A threshold: notify when one vCPU of a VM the socket's filter selects
 * takes more than RATE exits per second of reason (ISA, CODE), measured
 * over each second. It fires when the rate crosses above RATE, at most
 * once per rate-limit window per vCPU and threshold; it fires again only
 * after the rate fell to RATE or below (a new crossing). At most
 * KVMW_NL_THRESHOLDS_MAX per socket. Notifications are also capped at
 * KVMW_NL_NOTIFY_BURST per evaluation for all sockets together: what the
 * cap holds back is sent at the next evaluation. A socket with thresholds
 * keeps the exit probes attached (rates need exits counted), as ENABLE
 * does.
 */
enum kvmw_nl_th {
	KVMW_NL_TH_UNSPEC,
	KVMW_NL_TH_PAD,			/* alignment of u64s in replies */
	KVMW_NL_TH_ISA,			/* u32: KVMW_ISA_SVM or KVMW_ISA_VMX */
	KVMW_NL_TH_CODE,		/* u32: exit reason */
	KVMW_NL_TH_RATE,		/* u64 >= 1: exits per second */
	__KVMW_NL_TH_MAX,
};

#define KVMW_NL_TH_MAX		(__KVMW_NL_TH_MAX - 1)
#define KVMW_NL_THRESHOLDS_MAX	16
#define KVMW_NL_NOTIFY_BURST	64

/* KVMW_NL_ATTR_VM in notifications */
enum kvmw_nl_vm {
	KVMW_NL_VM_UNSPEC,
	KVMW_NL_VM_PAD,
	KVMW_NL_VM_SERIAL,		/* u64 */
	KVMW_NL_VM_ID,			/* string: "<pid>-<fd>" */
	KVMW_NL_VM_PID,			/* s32 */
	KVMW_NL_VM_PPID,		/* s32 */
	KVMW_NL_VM_NR_VCPUS,		/* u32 (0 when created) */
	__KVMW_NL_VM_MAX,
};

#define KVMW_NL_VM_MAX		(__KVMW_NL_VM_MAX - 1)

/* KVMW_NL_ATTR_THRESHOLD_EVENT */
enum kvmw_nl_te {
	KVMW_NL_TE_UNSPEC,
	KVMW_NL_TE_PAD,
	KVMW_NL_TE_PORTID,		/* u32: the socket that set it */
	KVMW_NL_TE_VM_SERIAL,		/* u64 */
	KVMW_NL_TE_VM_ID,		/* string */
	KVMW_NL_TE_PID,			/* s32 */
	KVMW_NL_TE_VCPU,		/* u32: vcpu_id */
	KVMW_NL_TE_ISA,			/* u32 */
	KVMW_NL_TE_CODE,		/* u32 */
	KVMW_NL_TE_THRESHOLD,		/* u64: its RATE */
	KVMW_NL_TE_RATE,		/* u64: exits per second measured */
	KVMW_NL_TE_INTERVAL_NS,		/* u64: over this interval */
	/* u32: crossings not notified since the last one (rate limit) */
	KVMW_NL_TE_SUPPRESSED,
	__KVMW_NL_TE_MAX,
};

#define KVMW_NL_TE_MAX		(__KVMW_NL_TE_MAX - 1)

#endif /* _UAPI_LINUX_KVMWATCH_NL_H */
