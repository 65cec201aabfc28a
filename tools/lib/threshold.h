/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "kvmwatch monitor --threshold REASON:RATE": an exit reason named as perf
 * names it (io, msr, hlt on SVM; IO_INSTRUCTION, MSR_WRITE, HLT on VMX)
 * or given as a number, resolved to the (isa, code) pair a netlink
 * threshold carries (KVMW_NL_TH_ISA, KVMW_NL_TH_CODE), for the host's ISA.
 */
#ifndef KVMW_THRESHOLD_H
#define KVMW_THRESHOLD_H

#include <stddef.h>

#include "types.h"

struct kvmw_threshold {
	u32 isa;	/* KVMW_ISA_* */
	u32 code;	/* exit reason */
	u64 rate;	/* exits per second, >= 1 */
};

/*
 * Look @name up in @isa's table of perf names, ignoring case (so "hlt"
 * and "HLT" work on both ISAs). 0 with *code set, or -1.
 */
int kvmw_exit_reason_code(u32 isa, const char *name, u32 *code);

/*
 * Parse "REASON:RATE" for a host whose KVM uses @isa (0: not known).
 * REASON is a name (kvmw_exit_reason_code()) or a number (decimal or
 * 0x hex, up to 0xffffffff, taken as is); RATE a decimal integer >= 1.
 * Returns 0, or -1 with a message for the user in @why (without the
 * command's prefix).
 */
int kvmw_threshold_parse(const char *arg, u32 isa, struct kvmw_threshold *th,
			 char *why, size_t whylen);

/*
 * The ISA of the host's KVM: KVMW_ISA_SVM if kvm_amd is loaded,
 * KVMW_ISA_VMX if kvm_intel is; else from the CPU's svm or vmx flag in
 * cpuinfo. 0 when none says. @sys and @proc are the sysfs and procfs
 * roots ("/sys", "/proc"), so tests can use their own.
 */
u32 kvmw_host_isa(const char *sys, const char *proc);

#endif /* KVMW_THRESHOLD_H */
