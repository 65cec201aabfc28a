/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit-reason names for AMD SVM and Intel VMX, exactly as `perf kvm stat`
 * prints them: both come from the kernel's uapi SVM_EXIT_REASONS and
 * VMX_EXIT_REASONS tables, so a kvmwatch report and a perf report of the
 * same guest can be compared line by line.
 */
#ifndef KVMW_EXIT_REASON_H
#define KVMW_EXIT_REASON_H

#include <stddef.h>

#include <linux/kvmwatch.h>

#include "types.h"

/*
 * An ISA is a u32 holding KVMW_ISA_VMX or KVMW_ISA_SVM from the uapi
 * header (KVM's KVM_ISA_VMX/KVM_ISA_SVM, the kvm_exit "isa" field, and
 * struct kvmw_rec_vcpu.isa). Any other value is an ISA this tool does not
 * know.
 */

/*
 * A VMX exit reason is a basic reason (bits 15:0) plus flag bits; the name
 * belongs to the basic reason, the flags are reported next to it. SVM exit
 * codes have no flags.
 */
#define KVMW_VMX_BASIC_MASK		0x0000ffffU
#define KVMW_VMX_ENCLAVE_MODE		0x08000000U	/* bit 27 */
#define KVMW_VMX_FAILED_VMENTRY		0x80000000U	/* bit 31 */

struct kvmw_exit {
	u32 basic;	/* VMX: bits 15:0; SVM: the whole exit code */
	u32 flags;	/* VMX: KVMW_VMX_ENCLAVE_MODE | KVMW_VMX_FAILED_VMENTRY */
};

struct kvmw_exit_name {
	u32 code;
	const char *name;
};

/* Split a raw exit code as reported by kvm_exit into reason and flags. */
struct kvmw_exit kvmw_exit_decode(u32 isa, u32 code);

/*
 * Name of the (basic) exit reason of a raw code, or NULL when the table
 * does not know it; perf prints "UNKNOWN" then, see KVMW_EXIT_UNKNOWN.
 */
const char *kvmw_exit_reason_name(u32 isa, u32 code);
#define KVMW_EXIT_UNKNOWN	"UNKNOWN"

/* "VMX", "SVM", or NULL for an ISA kvmwatch does not know. */
const char *kvmw_isa_name(u32 isa);

/* The whole table of an ISA; returns its length (0 for an unknown ISA). */
size_t kvmw_exit_reasons(u32 isa,
			 const struct kvmw_exit_name **table);

#endif /* KVMW_EXIT_REASON_H */
