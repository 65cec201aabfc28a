// SPDX-License-Identifier: GPL-2.0
/* Names of op kinds, events and KVM exit reasons, for output and tests. */
#include "internal.h"

static const char *const op_names[KVMW_OP__NR] = {
	[KVMW_OP_CPUID]		= "cpuid",
	[KVMW_OP_OUT]		= "out",
	[KVMW_OP_IN]		= "in",
	[KVMW_OP_RDMSR]		= "rdmsr",
	[KVMW_OP_WRMSR]		= "wrmsr",
	[KVMW_OP_HLT]		= "hlt",
	[KVMW_OP_HLT_TSCDL]	= "hlt-tscdl",
	[KVMW_OP_MMIO_READ]	= "mmio-read",
	[KVMW_OP_MMIO_WRITE]	= "mmio-write",
	[KVMW_OP_HYPERCALL]	= "hypercall",
	[KVMW_OP_PF]		= "pf",
	[KVMW_OP_DIRTY]		= "dirty",
	[KVMW_OP_IRQ_LINE]	= "irq-line",
	[KVMW_OP_MSI]		= "msi",
	[KVMW_OP_IPI]		= "x2apic-ipi",
	[KVMW_OP_SPIN_TSCDL]	= "spin-tscdl",
	[KVMW_OP_IRQ_DUP]	= "irq-dup-probe",
};

static const char *const ev_names[KVMW_EV__NR] = {
	[KVMW_EV_CPUID]		= "cpuid",
	[KVMW_EV_OUT]		= "out",
	[KVMW_EV_IN]		= "in",
	[KVMW_EV_RDMSR]		= "rdmsr",
	[KVMW_EV_WRMSR]		= "wrmsr",
	[KVMW_EV_HLT]		= "hlt",
	[KVMW_EV_MMIO_RD]	= "mmio_rd",
	[KVMW_EV_MMIO_WR]	= "mmio_wr",
	[KVMW_EV_HYPERCALL]	= "hypercall",
	[KVMW_EV_PF]		= "pf",
	[KVMW_EV_DIRTY]		= "dirty",
	[KVMW_EV_IRQ]		= "irq",
};

static const char *const exit_names[] = {
	"UNKNOWN", "EXCEPTION", "IO", "HYPERCALL", "DEBUG", "HLT", "MMIO",
	"IRQ_WINDOW_OPEN", "SHUTDOWN", "FAIL_ENTRY", "INTR", "SET_TPR",
	"TPR_ACCESS", "S390_SIEIC", "S390_RESET", "DCR", "NMI",
	"INTERNAL_ERROR", "OSI", "PAPR_HCALL", "S390_UCONTROL", "WATCHDOG",
	"S390_TSCH", "EPR", "SYSTEM_EVENT", "S390_STSI", "IOAPIC_EOI",
	"HYPERV", "ARM_NISV", "X86_RDMSR", "X86_WRMSR", "DIRTY_RING_FULL",
	"AP_RESET_HOLD", "X86_BUS_LOCK", "XEN", "RISCV_SBI", "RISCV_CSR",
	"NOTIFY",
};

const char *kvmw_op_name(enum kvmw_op_kind kind)
{
	return kind < KVMW_OP__NR ? op_names[kind] : "?";
}

const char *kvmw_ev_name(enum kvmw_evkind ev)
{
	return ev < KVMW_EV__NR ? ev_names[ev] : "?";
}

const char *kvmw_exit_name(unsigned int reason)
{
	if (reason < ARRAY_SIZE(exit_names))
		return exit_names[reason];
	return "OTHER";
}
