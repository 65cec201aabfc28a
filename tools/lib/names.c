// SPDX-License-Identifier: GPL-2.0
/*
 * Sources: the PC/AT port map as QEMU's pc/q35 machines lay it out
 * (hw/i386/pc.c, hw/isa/lpc_ich9.c, hw/acpi/piix4.c), the Intel SDM vol. 4
 * (architectural MSRs; x2APIC MSR = 0x800 + xAPIC offset / 16, vol. 3
 * table 11-6), AMD's APM vol. 2, the Hyper-V TLFS (Linux'
 * asm/hyperv-tlfs.h) and KVM's Documentation/virt/kvm/x86/msr.rst.
 */
#include <stddef.h>

#include "names.h"
#include "util.h"

#define ONE(v, n)	{ (v), (v), (n) }
#define RANGE(l, h, n)	{ (l), (h), (n) }

/* 8250 UART registers at BASE + 0..7 (DLAB=0 names). */
#define UART(base, com)						\
	ONE((base) + 0, com "_DATA"),				\
	ONE((base) + 1, com "_IER"),				\
	ONE((base) + 2, com "_IIR_FCR"),			\
	ONE((base) + 3, com "_LCR"),				\
	ONE((base) + 4, com "_MCR"),				\
	ONE((base) + 5, com "_LSR"),				\
	ONE((base) + 6, com "_MSR"),				\
	ONE((base) + 7, com "_SCR")

const struct kvmw_key_name kvmw_ioport_names[] = {
	ONE(0x20, "PIC1_CMD"),
	ONE(0x21, "PIC1_DATA"),
	ONE(0x40, "PIT_CH0"),
	ONE(0x41, "PIT_CH1"),
	ONE(0x42, "PIT_CH2"),
	ONE(0x43, "PIT_MODE"),
	ONE(0x60, "I8042_DATA"),
	ONE(0x61, "NMI_SC_PORT61"),	/* PIT ch2 gate, speaker, NMI status */
	ONE(0x64, "I8042_CMD"),
	ONE(0x70, "RTC_CMOS_INDEX"),
	ONE(0x71, "RTC_CMOS_DATA"),
	ONE(0x80, "POST_IODELAY"),
	ONE(0x92, "PORT92_A20"),
	ONE(0xa0, "PIC2_CMD"),
	ONE(0xa1, "PIC2_DATA"),
	ONE(0xb2, "APM_CNT_SMI"),
	ONE(0xb3, "APM_STS"),
	RANGE(0x170, 0x177, "IDE2"),
	RANGE(0x1f0, 0x1f7, "IDE1"),
	UART(0x2e8, "COM4"),
	UART(0x2f8, "COM2"),
	ONE(0x376, "IDE2_CTRL"),
	RANGE(0x3c0, 0x3df, "VGA"),
	UART(0x3e8, "COM3"),
	ONE(0x3f6, "IDE1_CTRL"),
	UART(0x3f8, "COM1"),
	ONE(0x402, "DEBUGCON"),		/* QEMU isa-debugcon, SeaBIOS log */
	ONE(0x4d0, "ELCR1"),
	ONE(0x4d1, "ELCR2"),
	ONE(0x510, "FW_CFG_CTL"),
	ONE(0x511, "FW_CFG_DATA"),
	RANGE(0x514, 0x51b, "FW_CFG_DMA"),
	/*
	 * The ACPI PM block where QEMU's firmware puts it today, on both
	 * machine types: i440fx (PIIX4 PM) and q35 (ICH9 LPC). The real
	 * Linux guests of "make demo" (QEMU 7.2, -M pc) read their
	 * acpi_pm clocksource at 0x608.
	 */
	RANGE(0x600, 0x603, "ACPI_PM1_EVT"),
	RANGE(0x604, 0x605, "ACPI_PM1_CNT"),
	RANGE(0x608, 0x60b, "ACPI_PM_TMR"),
	RANGE(0x620, 0x62f, "ACPI_GPE0_Q35"),
	ONE(0xcf8, "PCI_CONFIG_ADDR"),
	ONE(0xcf9, "RESET_CONTROL"),
	RANGE(0xcfc, 0xcff, "PCI_CONFIG_DATA"),
	ONE(0x5658, "VMWARE_BACKDOOR"),
	RANGE(0xae00, 0xae13, "PCI_HOTPLUG_I440FX"),
	RANGE(0xaf00, 0xaf1f, "CPU_HOTPLUG"),
	RANGE(0xafe0, 0xafe3, "ACPI_GPE0_I440FX"),
	/*
	 * The same block at SeaBIOS's PORT_ACPI_PM_BASE (0xb000), where
	 * older firmware and other VMMs' i440fx put it.
	 */
	RANGE(0xb000, 0xb003, "ACPI_PM1_EVT"),
	RANGE(0xb004, 0xb005, "ACPI_PM1_CNT"),
	RANGE(0xb008, 0xb00b, "ACPI_PM_TMR"),
};

const unsigned int kvmw_nr_ioport_names = ARRAY_SIZE(kvmw_ioport_names);

const struct kvmw_key_name kvmw_msr_names[] = {
	ONE(0x10, "IA32_TIME_STAMP_COUNTER"),
	ONE(0x11, "MSR_KVM_WALL_CLOCK"),
	ONE(0x12, "MSR_KVM_SYSTEM_TIME"),
	ONE(0x1b, "IA32_APIC_BASE"),
	ONE(0x3a, "IA32_FEATURE_CONTROL"),
	ONE(0x3b, "IA32_TSC_ADJUST"),
	ONE(0x48, "IA32_SPEC_CTRL"),
	ONE(0x49, "IA32_PRED_CMD"),
	ONE(0x8b, "IA32_BIOS_SIGN_ID"),
	ONE(0xe7, "IA32_MPERF"),
	ONE(0xe8, "IA32_APERF"),
	ONE(0xfe, "IA32_MTRRCAP"),
	ONE(0x10a, "IA32_ARCH_CAPABILITIES"),
	ONE(0x10b, "IA32_FLUSH_CMD"),
	ONE(0x174, "IA32_SYSENTER_CS"),
	ONE(0x175, "IA32_SYSENTER_ESP"),
	ONE(0x176, "IA32_SYSENTER_EIP"),
	ONE(0x179, "IA32_MCG_CAP"),
	ONE(0x17a, "IA32_MCG_STATUS"),
	ONE(0x1a0, "IA32_MISC_ENABLE"),
	ONE(0x1d9, "IA32_DEBUGCTL"),
	RANGE(0x200, 0x20f, "IA32_MTRR_PHYS"),
	ONE(0x250, "IA32_MTRR_FIX64K"),
	RANGE(0x258, 0x259, "IA32_MTRR_FIX16K"),
	RANGE(0x268, 0x26f, "IA32_MTRR_FIX4K"),
	ONE(0x277, "IA32_PAT"),
	ONE(0x2ff, "IA32_MTRR_DEF_TYPE"),
	RANGE(0x400, 0x47f, "IA32_MC_BANK"),
	ONE(0x6e0, "IA32_TSC_DEADLINE"),
	/* x2APIC: 0x800 + xAPIC register offset / 16 */
	ONE(0x802, "X2APIC_ID"),
	ONE(0x803, "X2APIC_VERSION"),
	ONE(0x808, "X2APIC_TPR"),
	ONE(0x80a, "X2APIC_PPR"),
	ONE(0x80b, "X2APIC_EOI"),
	ONE(0x80d, "X2APIC_LDR"),
	ONE(0x80f, "X2APIC_SIVR"),
	RANGE(0x810, 0x817, "X2APIC_ISR"),
	RANGE(0x818, 0x81f, "X2APIC_TMR"),
	RANGE(0x820, 0x827, "X2APIC_IRR"),
	ONE(0x828, "X2APIC_ESR"),
	ONE(0x82f, "X2APIC_LVT_CMCI"),
	ONE(0x830, "X2APIC_ICR"),
	ONE(0x832, "X2APIC_LVTT"),
	ONE(0x833, "X2APIC_LVT_THERMAL"),
	ONE(0x834, "X2APIC_LVT_PMI"),
	ONE(0x835, "X2APIC_LVT_LINT0"),
	ONE(0x836, "X2APIC_LVT_LINT1"),
	ONE(0x837, "X2APIC_LVT_ERROR"),
	ONE(0x838, "X2APIC_TMICT"),
	ONE(0x839, "X2APIC_TMCCT"),
	ONE(0x83e, "X2APIC_TDCR"),
	ONE(0x83f, "X2APIC_SELF_IPI"),
	ONE(0xda0, "IA32_XSS"),
	/* Hyper-V synthetic MSRs (TLFS) */
	ONE(0x40000000, "HV_X64_MSR_GUEST_OS_ID"),
	ONE(0x40000001, "HV_X64_MSR_HYPERCALL"),
	ONE(0x40000002, "HV_X64_MSR_VP_INDEX"),
	ONE(0x40000003, "HV_X64_MSR_RESET"),
	ONE(0x40000010, "HV_X64_MSR_VP_RUNTIME"),
	ONE(0x40000020, "HV_X64_MSR_TIME_REF_COUNT"),
	ONE(0x40000021, "HV_X64_MSR_REFERENCE_TSC"),
	ONE(0x40000022, "HV_X64_MSR_TSC_FREQUENCY"),
	ONE(0x40000023, "HV_X64_MSR_APIC_FREQUENCY"),
	ONE(0x40000070, "HV_X64_MSR_EOI"),
	ONE(0x40000071, "HV_X64_MSR_ICR"),
	ONE(0x40000072, "HV_X64_MSR_TPR"),
	ONE(0x40000073, "HV_X64_MSR_VP_ASSIST_PAGE"),
	ONE(0x40000080, "HV_X64_MSR_SCONTROL"),
	ONE(0x40000081, "HV_X64_MSR_SVERSION"),
	ONE(0x40000082, "HV_X64_MSR_SIEFP"),
	ONE(0x40000083, "HV_X64_MSR_SIMP"),
	ONE(0x40000084, "HV_X64_MSR_EOM"),
	ONE(0x40000090, "HV_X64_MSR_SINT0"),
	ONE(0x40000091, "HV_X64_MSR_SINT1"),
	ONE(0x40000092, "HV_X64_MSR_SINT2"),
	ONE(0x40000093, "HV_X64_MSR_SINT3"),
	ONE(0x40000094, "HV_X64_MSR_SINT4"),
	ONE(0x40000095, "HV_X64_MSR_SINT5"),
	ONE(0x40000096, "HV_X64_MSR_SINT6"),
	ONE(0x40000097, "HV_X64_MSR_SINT7"),
	ONE(0x40000098, "HV_X64_MSR_SINT8"),
	ONE(0x40000099, "HV_X64_MSR_SINT9"),
	ONE(0x4000009a, "HV_X64_MSR_SINT10"),
	ONE(0x4000009b, "HV_X64_MSR_SINT11"),
	ONE(0x4000009c, "HV_X64_MSR_SINT12"),
	ONE(0x4000009d, "HV_X64_MSR_SINT13"),
	ONE(0x4000009e, "HV_X64_MSR_SINT14"),
	ONE(0x4000009f, "HV_X64_MSR_SINT15"),
	ONE(0x400000b0, "HV_X64_MSR_STIMER0_CONFIG"),
	ONE(0x400000b1, "HV_X64_MSR_STIMER0_COUNT"),
	ONE(0x400000b2, "HV_X64_MSR_STIMER1_CONFIG"),
	ONE(0x400000b3, "HV_X64_MSR_STIMER1_COUNT"),
	ONE(0x400000b4, "HV_X64_MSR_STIMER2_CONFIG"),
	ONE(0x400000b5, "HV_X64_MSR_STIMER2_COUNT"),
	ONE(0x400000b6, "HV_X64_MSR_STIMER3_CONFIG"),
	ONE(0x400000b7, "HV_X64_MSR_STIMER3_COUNT"),
	ONE(0x400000f0, "HV_X64_MSR_GUEST_IDLE"),
	ONE(0x400000f1, "HV_X64_MSR_SYNDBG_CONTROL"),
	ONE(0x400000f2, "HV_X64_MSR_SYNDBG_STATUS"),
	ONE(0x400000f3, "HV_X64_MSR_SYNDBG_SEND_BUFFER"),
	ONE(0x400000f4, "HV_X64_MSR_SYNDBG_RECV_BUFFER"),
	ONE(0x400000f5, "HV_X64_MSR_SYNDBG_PENDING_BUFFER"),
	ONE(0x400000ff, "HV_X64_MSR_SYNDBG_OPTIONS"),
	ONE(0x40000100, "HV_X64_MSR_CRASH_P0"),
	ONE(0x40000101, "HV_X64_MSR_CRASH_P1"),
	ONE(0x40000102, "HV_X64_MSR_CRASH_P2"),
	ONE(0x40000103, "HV_X64_MSR_CRASH_P3"),
	ONE(0x40000104, "HV_X64_MSR_CRASH_P4"),
	ONE(0x40000105, "HV_X64_MSR_CRASH_CTL"),
	ONE(0x40000106, "HV_X64_MSR_REENLIGHTENMENT_CONTROL"),
	ONE(0x40000107, "HV_X64_MSR_TSC_EMULATION_CONTROL"),
	ONE(0x40000108, "HV_X64_MSR_TSC_EMULATION_STATUS"),
	ONE(0x40000118, "HV_X64_MSR_TSC_INVARIANT_CONTROL"),
	/* KVM paravirtual MSRs ("KVM\0" base) */
	ONE(0x4b564d00, "MSR_KVM_WALL_CLOCK_NEW"),
	ONE(0x4b564d01, "MSR_KVM_SYSTEM_TIME_NEW"),
	ONE(0x4b564d02, "MSR_KVM_ASYNC_PF_EN"),
	ONE(0x4b564d03, "MSR_KVM_STEAL_TIME"),
	ONE(0x4b564d04, "MSR_KVM_PV_EOI_EN"),
	ONE(0x4b564d05, "MSR_KVM_POLL_CONTROL"),
	ONE(0x4b564d06, "MSR_KVM_ASYNC_PF_INT"),
	ONE(0x4b564d07, "MSR_KVM_ASYNC_PF_ACK"),
	ONE(0x4b564d08, "MSR_KVM_MIGRATION_CONTROL"),
	/* AMD64 / long mode */
	ONE(0xc0000080, "EFER"),
	ONE(0xc0000081, "STAR"),
	ONE(0xc0000082, "LSTAR"),
	ONE(0xc0000083, "CSTAR"),
	ONE(0xc0000084, "SYSCALL_MASK"),
	ONE(0xc0000100, "FS_BASE"),
	ONE(0xc0000101, "GS_BASE"),
	ONE(0xc0000102, "KERNEL_GS_BASE"),
	ONE(0xc0000103, "TSC_AUX"),
	ONE(0xc0010010, "AMD64_SYSCFG"),
	ONE(0xc0010015, "AMD64_HWCR"),
	ONE(0xc0010114, "AMD64_VM_CR"),
	ONE(0xc0010117, "AMD64_VM_HSAVE_PA"),
	ONE(0xc001011f, "AMD64_VIRT_SPEC_CTRL"),
};

const unsigned int kvmw_nr_msr_names = ARRAY_SIZE(kvmw_msr_names);

/* Binary search of a sorted, non-overlapping table. */
static const char *lookup(const struct kvmw_key_name *t, unsigned int n,
			  u64 key)
{
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (key < t[mid].lo)
			hi = mid;
		else if (key > t[mid].hi)
			lo = mid + 1;
		else
			return t[mid].name;
	}
	return NULL;
}

const char *kvmw_ioport_name(u64 port)
{
	return lookup(kvmw_ioport_names, kvmw_nr_ioport_names, port);
}

const char *kvmw_msr_name(u64 index)
{
	return lookup(kvmw_msr_names, kvmw_nr_msr_names, index);
}
