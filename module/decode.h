/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the exit reason inside the kvm_exit probe. KVM's own event
 * decodes it through kvm_x86_ops, which is not exported; the probe gets
 * (vcpu, isa) and reads the hardware state itself.
 *
 * SVM: struct vcpu_svm begins with struct kvm_vcpu followed by the
 * pointer to the current VMCB (vmcb01, or vmcb02 while running a nested
 * guest: the one the exit came from). Plain memory reads, valid even when
 * the 6.1 SVM probe runs after the thread migrated. The offset is checked
 * against the running kernel's BTF by the CLI (docs/design/exit-accounting.md
 * 2.1, 2.3); here a VMCB pointer that is not a page of the direct map is
 * counted as a decode error.
 *
 * VMX: VMREAD of the current VMCS, which is the vCPU's in the kvm_exit
 * probe (IRQs and preemption off since before VM entry). A failing VMREAD
 * (e.g. KVM nested on Hyper-V with enlightened VMCS) is a decode error.
 * Never VMREAD anywhere else.
 */
#ifndef KVMW_DECODE_H
#define KVMW_DECODE_H

#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <asm/svm.h>
#include <asm/vmx.h>
#include <asm/asm.h>

#include "../uapi/linux/kvmwatch.h"

struct kvmw_exit_info {
	u32 code;
	u64 info;	/* SVM exit_info_1; 0 on VMX */
	u64 rip;
};

#define KVMW_SVM_VMCB_OFFSET \
	ALIGN(sizeof(struct kvm_vcpu), __alignof__(struct vmcb *))

static __always_inline bool kvmw_decode_svm(const struct kvm_vcpu *vcpu,
					    const struct vmcb **last,
					    struct kvmw_exit_info *e)
{
	const struct vmcb *vmcb =
		*(struct vmcb * const *)((const char *)vcpu +
					 KVMW_SVM_VMCB_OFFSET);

	/* Validated once per VMCB: virt_addr_valid() is not cheap. */
	if (unlikely(vmcb != *last)) {
		if (!PAGE_ALIGNED(vmcb) || !virt_addr_valid(vmcb))
			return false;
		*last = vmcb;
	}
	e->code = READ_ONCE(vmcb->control.exit_code);
	e->info = READ_ONCE(vmcb->control.exit_info_1);
	e->rip = READ_ONCE(vmcb->save.rip);
	return true;
}

static __always_inline bool kvmw_vmread(unsigned long field,
					unsigned long *val)
{
	bool fail;

	/* VMfailInvalid sets CF, VMfailValid sets ZF. */
	asm volatile("vmread %[f], %[v]" CC_SET(be)
		     : [v] "=rm" (*val), CC_OUT(be) (fail)
		     : [f] "r" (field)
		     : "cc");
	return !fail;
}

static __always_inline bool kvmw_decode_vmx(struct kvmw_exit_info *e)
{
	unsigned long reason, rip;

	if (unlikely(!kvmw_vmread(VM_EXIT_REASON, &reason) ||
		     !kvmw_vmread(GUEST_RIP, &rip)))
		return false;
	e->code = reason;
	e->info = 0;
	e->rip = rip;
	return true;
}

/*
 * For the event stream only, still inside the kvm_exit probe: the second
 * info field (SVM exit_info_2; VMX exit qualification and, for EPT
 * exits, the guest-physical address). @vmcb was validated by
 * kvmw_decode_svm().
 */
static __always_inline void kvmw_decode_more(u32 isa, const void *vmcb,
					     u32 code, u64 *info1, u64 *info2)
{
	unsigned long v;

	if (isa == KVMW_ISA_SVM) {
		*info2 = READ_ONCE(((const struct vmcb *)vmcb)->control.exit_info_2);
		return;
	}
	if (isa != KVMW_ISA_VMX)
		return;
	if (kvmw_vmread(EXIT_QUALIFICATION, &v))
		*info1 = v;
	if ((u16)code == EXIT_REASON_EPT_VIOLATION ||
	    (u16)code == EXIT_REASON_EPT_MISCONFIG) {
		if (kvmw_vmread(GUEST_PHYSICAL_ADDRESS, &v))
			*info2 = v;
	}
}

#endif /* KVMW_DECODE_H */
