// SPDX-License-Identifier: GPL-2.0
/*
 * Names of KVM's per-vCPU statistics, in enum kvmw_kvm_stat's order:
 * KVM's generic ones (include/linux/kvm_types.h), then x86's
 * (arch/x86/include/asm/kvm_host.h), spelled as KVM's stats descriptors
 * spell them.
 */
#include <stddef.h>
#include <string.h>

#include "kvmstat.h"

static const char *const kvm_names[KVMW_KVM_NR] = {
	[KVMW_KVM_HALT_SUCCESSFUL_POLL]	= "halt_successful_poll",
	[KVMW_KVM_HALT_ATTEMPTED_POLL]	= "halt_attempted_poll",
	[KVMW_KVM_HALT_POLL_INVALID]	= "halt_poll_invalid",
	[KVMW_KVM_HALT_WAKEUP]		= "halt_wakeup",
	[KVMW_KVM_HALT_POLL_SUCCESS_NS]	= "halt_poll_success_ns",
	[KVMW_KVM_HALT_POLL_FAIL_NS]	= "halt_poll_fail_ns",
	[KVMW_KVM_HALT_WAIT_NS]		= "halt_wait_ns",
	[KVMW_KVM_BLOCKING]		= "blocking",
	[KVMW_KVM_PF_TAKEN]		= "pf_taken",
	[KVMW_KVM_PF_FIXED]		= "pf_fixed",
	[KVMW_KVM_PF_EMULATE]		= "pf_emulate",
	[KVMW_KVM_PF_SPURIOUS]		= "pf_spurious",
	[KVMW_KVM_PF_FAST]		= "pf_fast",
	[KVMW_KVM_PF_MMIO_SPTE_CREATED]	= "pf_mmio_spte_created",
	[KVMW_KVM_PF_GUEST]		= "pf_guest",
	[KVMW_KVM_TLB_FLUSH]		= "tlb_flush",
	[KVMW_KVM_INVLPG]		= "invlpg",
	[KVMW_KVM_EXITS]		= "exits",
	[KVMW_KVM_IO_EXITS]		= "io_exits",
	[KVMW_KVM_MMIO_EXITS]		= "mmio_exits",
	[KVMW_KVM_SIGNAL_EXITS]		= "signal_exits",
	[KVMW_KVM_IRQ_WINDOW_EXITS]	= "irq_window_exits",
	[KVMW_KVM_NMI_WINDOW_EXITS]	= "nmi_window_exits",
	[KVMW_KVM_L1D_FLUSH]		= "l1d_flush",
	[KVMW_KVM_HALT_EXITS]		= "halt_exits",
	[KVMW_KVM_REQUEST_IRQ_EXITS]	= "request_irq_exits",
	[KVMW_KVM_IRQ_EXITS]		= "irq_exits",
	[KVMW_KVM_HOST_STATE_RELOAD]	= "host_state_reload",
	[KVMW_KVM_FPU_RELOAD]		= "fpu_reload",
	[KVMW_KVM_INSN_EMULATION]	= "insn_emulation",
	[KVMW_KVM_INSN_EMULATION_FAIL]	= "insn_emulation_fail",
	[KVMW_KVM_HYPERCALLS]		= "hypercalls",
	[KVMW_KVM_IRQ_INJECTIONS]	= "irq_injections",
	[KVMW_KVM_NMI_INJECTIONS]	= "nmi_injections",
	[KVMW_KVM_REQ_EVENT]		= "req_event",
	[KVMW_KVM_NESTED_RUN]		= "nested_run",
	[KVMW_KVM_DIRECTED_YIELD_ATTEMPTED] = "directed_yield_attempted",
	[KVMW_KVM_DIRECTED_YIELD_SUCCESSFUL] = "directed_yield_successful",
	[KVMW_KVM_PREEMPTION_REPORTED]	= "preemption_reported",
	[KVMW_KVM_PREEMPTION_OTHER]	= "preemption_other",
	[KVMW_KVM_GUEST_MODE]		= "guest_mode",
	[KVMW_KVM_NOTIFY_WINDOW_EXITS]	= "notify_window_exits",
};

const char *kvmw_kvm_stat_name(unsigned int idx)
{
	return idx < KVMW_KVM_NR ? kvm_names[idx] : NULL;
}

bool kvmw_kvm_stat_is_ns(unsigned int idx)
{
	return idx == KVMW_KVM_HALT_POLL_SUCCESS_NS ||
	       idx == KVMW_KVM_HALT_POLL_FAIL_NS ||
	       idx == KVMW_KVM_HALT_WAIT_NS;
}

bool kvmw_kvm_stat_is_gauge(unsigned int idx)
{
	return idx == KVMW_KVM_BLOCKING || idx == KVMW_KVM_GUEST_MODE;
}

int kvmw_kvm_stat_index(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < KVMW_KVM_NR; i++)
		if (!strcmp(kvm_names[i], name))
			return (int)i;
	return -1;
}
