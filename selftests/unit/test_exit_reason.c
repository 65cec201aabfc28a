// SPDX-License-Identifier: GPL-2.0
/*
 * Exit-reason names. The expected names are written out here, as
 * `perf kvm stat report` prints them (Debian 12's perf 6.1 carries the
 * same strings), not taken from the headers the library uses: a header
 * that renamed a reason must fail this test.
 */
#include <string.h>

#include "exit_reason.h"
#include "tap.h"
#include "tests.h"

struct known {
	u32 code;
	const char *name;
};

static const struct known svm_known[] = {
	{ 0x000, "read_cr0" },
	{ 0x003, "read_cr3" },
	{ 0x010, "write_cr0" },
	{ 0x018, "write_cr8" },
	{ 0x027, "read_dr7" },
	{ 0x037, "write_dr7" },
	{ 0x040, "DE excp" },
	{ 0x041, "DB excp" },
	{ 0x043, "BP excp" },
	{ 0x044, "OF excp" },
	{ 0x045, "BR excp" },
	{ 0x046, "UD excp" },
	{ 0x047, "NM excp" },
	{ 0x04d, "GP excp" },
	{ 0x04e, "PF excp" },
	{ 0x051, "AC excp" },
	{ 0x052, "MC excp" },
	{ 0x053, "XF excp" },
	{ 0x060, "interrupt" },
	{ 0x061, "nmi" },
	{ 0x062, "smi" },
	{ 0x063, "init" },
	{ 0x064, "vintr" },
	{ 0x065, "cr0_sel_write" },
	{ 0x066, "read_idtr" },
	{ 0x069, "read_rt" },
	{ 0x06d, "write_rt" },
	{ 0x06e, "rdtsc" },
	{ 0x06f, "rdpmc" },
	{ 0x072, "cpuid" },
	{ 0x075, "swint" },
	{ 0x077, "pause" },
	{ 0x078, "hlt" },
	{ 0x079, "invlpg" },
	{ 0x07b, "io" },
	{ 0x07c, "msr" },
	{ 0x07d, "task_switch" },
	{ 0x07f, "shutdown" },
	{ 0x080, "vmrun" },
	{ 0x081, "hypercall" },
	{ 0x087, "rdtscp" },
	{ 0x089, "wbinvd" },
	{ 0x08a, "monitor" },
	{ 0x08b, "mwait" },
	{ 0x08d, "xsetbv" },
	{ 0x08f, "write_efer_trap" },
	{ 0x090, "write_cr0_trap" },
	{ 0x094, "write_cr4_trap" },
	{ 0x098, "write_cr8_trap" },
	{ 0x0a2, "invpcid" },
	{ 0x400, "npf" },
	{ 0x401, "avic_incomplete_ipi" },
	{ 0x402, "avic_unaccelerated_access" },
	{ 0x403, "vmgexit" },
	{ 0x80000001, "vmgexit_mmio_read" },
	{ 0x80000002, "vmgexit_mmio_write" },
	{ 0x80000010, "vmgexit_page_state_change" },
	{ 0x8000fffd, "vmgexit_hypervisor_feature" },
	{ 0xffffffff, "invalid_guest_state" },	/* SVM_EXIT_ERR, -1 */
};

/* Codes the kernel's (hence perf's) table does not name. */
static const u32 svm_unknown[] = {
	0x001,		/* read_cr1 does not exist */
	0x042,		/* vector 2 (NMI) has no "excp" entry */
	0x049,		/* vector 9, reserved */
	0x04f,		/* vector 15, reserved */
	0x054,		/* vector 20 (#VE): not in the table */
	0x091,		/* CR1 write trap */
	0x0ff,
	0xf0000000,	/* SVM_EXIT_SW, software-reserved */
};

static const struct known vmx_known[] = {
	{ 0, "EXCEPTION_NMI" },
	{ 1, "EXTERNAL_INTERRUPT" },
	{ 2, "TRIPLE_FAULT" },
	{ 3, "INIT_SIGNAL" },
	{ 7, "INTERRUPT_WINDOW" },
	{ 8, "NMI_WINDOW" },
	{ 9, "TASK_SWITCH" },
	{ 10, "CPUID" },
	{ 12, "HLT" },
	{ 14, "INVLPG" },
	{ 16, "RDTSC" },
	{ 18, "VMCALL" },
	{ 24, "VMRESUME" },
	{ 28, "CR_ACCESS" },
	{ 29, "DR_ACCESS" },
	{ 30, "IO_INSTRUCTION" },
	{ 31, "MSR_READ" },
	{ 32, "MSR_WRITE" },
	{ 33, "INVALID_STATE" },
	{ 34, "MSR_LOAD_FAIL" },
	{ 36, "MWAIT_INSTRUCTION" },
	{ 37, "MONITOR_TRAP_FLAG" },
	{ 40, "PAUSE_INSTRUCTION" },
	{ 41, "MCE_DURING_VMENTRY" },
	{ 43, "TPR_BELOW_THRESHOLD" },
	{ 44, "APIC_ACCESS" },
	{ 45, "EOI_INDUCED" },
	{ 46, "GDTR_IDTR" },
	{ 48, "EPT_VIOLATION" },
	{ 49, "EPT_MISCONFIG" },
	{ 51, "RDTSCP" },
	{ 52, "PREEMPTION_TIMER" },
	{ 54, "WBINVD" },
	{ 55, "XSETBV" },
	{ 56, "APIC_WRITE" },
	{ 57, "RDRAND" },
	{ 62, "PML_FULL" },
	{ 63, "XSAVES" },
	{ 68, "TPAUSE" },
	{ 74, "BUS_LOCK" },
	{ 75, "NOTIFY" },
};

static const u32 vmx_unknown[] = {
	5, 6,		/* I/O SMI, other SMI */
	11,		/* GETSEC */
	17,		/* RSM */
	35, 38, 42,	/* reserved */
	65, 66,		/* PCONFIG, SPP: KVM does not name them */
	0x7fff,
	0xffff,
};

static void test_known(u32 isa, const struct known *k, size_t n)
{
	const char *isa_name = kvmw_isa_name(isa);
	size_t i;

	for (i = 0; i < n; i++)
		tap_eq_str(kvmw_exit_reason_name(isa, k[i].code), k[i].name,
			   "%s exit %#x is \"%s\"", isa_name, k[i].code,
			   k[i].name);
}

static void test_unknown(u32 isa, const u32 *codes, size_t n)
{
	const char *isa_name = kvmw_isa_name(isa);
	size_t i;

	for (i = 0; i < n; i++)
		tap_ok(!kvmw_exit_reason_name(isa, codes[i]),
		       "%s exit %#x is unknown (NULL)", isa_name, codes[i]);
}

/* Every entry maps back to its own name, and no code is listed twice. */
static void test_table(u32 isa)
{
	const struct kvmw_exit_name *t;
	size_t i, j, n = kvmw_exit_reasons(isa, &t);
	size_t bad_lookup = 0, dups = 0;

	for (i = 0; i < n; i++) {
		const char *name = kvmw_exit_reason_name(isa, t[i].code);

		if (!name || strcmp(name, t[i].name))
			bad_lookup++;
		for (j = i + 1; j < n; j++)
			if (t[i].code == t[j].code)
				dups++;
	}
	tap_ok(n > 40, "%s table has entries (%zu)", kvmw_isa_name(isa), n);
	tap_eq_u64(bad_lookup, 0, "%s: every table entry looks up to itself",
		   kvmw_isa_name(isa));
	tap_eq_u64(dups, 0, "%s: no exit code listed twice",
		   kvmw_isa_name(isa));
}

static void test_vmx_flags(void)
{
	struct kvmw_exit e;

	e = kvmw_exit_decode(KVMW_ISA_VMX, 48);
	tap_eq_u64(e.basic, 48, "VMX 48: basic reason 48");
	tap_eq_u64(e.flags, 0, "VMX 48: no flags");

	e = kvmw_exit_decode(KVMW_ISA_VMX, 0x80000021);
	tap_eq_u64(e.basic, 33, "VMX 0x80000021: basic reason 33");
	tap_eq_u64(e.flags, KVMW_VMX_FAILED_VMENTRY,
		   "VMX 0x80000021: failed-VM-entry flag (bit 31) kept apart");
	tap_eq_str(kvmw_exit_reason_name(KVMW_ISA_VMX, 0x80000021),
		   "INVALID_STATE", "VMX 0x80000021 is named by its basic reason");

	e = kvmw_exit_decode(KVMW_ISA_VMX, 0x0800000c);
	tap_eq_u64(e.basic, 12, "VMX 0x0800000c: basic reason 12");
	tap_eq_u64(e.flags, KVMW_VMX_ENCLAVE_MODE,
		   "VMX 0x0800000c: enclave-mode flag (bit 27)");
	tap_eq_str(kvmw_exit_reason_name(KVMW_ISA_VMX, 0x0800000c), "HLT",
		   "VMX 0x0800000c is HLT");

	e = kvmw_exit_decode(KVMW_ISA_VMX, 0x88000022);
	tap_eq_u64(e.basic, 34, "VMX 0x88000022: basic reason 34");
	tap_eq_u64(e.flags, KVMW_VMX_FAILED_VMENTRY | KVMW_VMX_ENCLAVE_MODE,
		   "VMX 0x88000022: both flags");

	/* Bits 30:28 and 26:16 are not flags kvmwatch reports. */
	e = kvmw_exit_decode(KVMW_ISA_VMX, 0x7401000a);
	tap_eq_u64(e.basic, 10, "VMX 0x7401000a: basic reason 10");
	tap_eq_u64(e.flags, 0, "VMX 0x7401000a: other high bits are no flags");

	tap_eq_u64(KVMW_VMX_FAILED_VMENTRY, 1U << 31, "failed-entry is bit 31");
	tap_eq_u64(KVMW_VMX_ENCLAVE_MODE, 1U << 27, "enclave-mode is bit 27");

	/* SVM codes are whole: the high bit is part of VMGEXIT codes. */
	e = kvmw_exit_decode(KVMW_ISA_SVM, 0x80000001);
	tap_eq_u64(e.basic, 0x80000001, "SVM 0x80000001: code kept whole");
	tap_eq_u64(e.flags, 0, "SVM 0x80000001: no flags");
}

static void test_isa(void)
{
	const struct kvmw_exit_name *t;

	tap_eq_u64(KVMW_ISA_VMX, 1, "KVMW_ISA_VMX matches KVM_ISA_VMX (1)");
	tap_eq_u64(KVMW_ISA_SVM, 2, "KVMW_ISA_SVM matches KVM_ISA_SVM (2)");
	tap_eq_str(kvmw_isa_name(KVMW_ISA_SVM), "SVM", "ISA name SVM");
	tap_eq_str(kvmw_isa_name(KVMW_ISA_VMX), "VMX", "ISA name VMX");
	tap_ok(!kvmw_isa_name(3), "ISA 3 has no name");
	tap_ok(!kvmw_exit_reason_name(0, 12),
	       "unknown ISA: no reason name");
	tap_eq_u64(kvmw_exit_reasons(0, &t), 0,
		   "unknown ISA: empty table");
	tap_eq_str(KVMW_EXIT_UNKNOWN, "UNKNOWN",
		   "unknown reasons print as perf does");
}

void test_exit_reason(void)
{
	test_known(KVMW_ISA_SVM, svm_known, ARRAY_SIZE(svm_known));
	test_unknown(KVMW_ISA_SVM, svm_unknown, ARRAY_SIZE(svm_unknown));
	test_table(KVMW_ISA_SVM);
	test_known(KVMW_ISA_VMX, vmx_known, ARRAY_SIZE(vmx_known));
	test_unknown(KVMW_ISA_VMX, vmx_unknown, ARRAY_SIZE(vmx_unknown));
	test_table(KVMW_ISA_VMX);
	test_vmx_flags();
	test_isa();
}
