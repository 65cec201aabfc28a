// SPDX-License-Identifier: GPL-2.0
/*
 * The tables are expanded from the uapi headers' own macros rather than
 * copied, so the names cannot drift from what perf (built from the same
 * headers) prints.
 */
#include <asm/kvm.h>	/* DE_VECTOR..., used by SVM_EXIT_REASONS */
#include <asm/svm.h>
#include <asm/vmx.h>

#include "exit_reason.h"
#include "util.h"

_Static_assert(KVMW_VMX_FAILED_VMENTRY == VMX_EXIT_REASONS_FAILED_VMENTRY,
	       "VMX failed-entry bit differs from the uapi header");
_Static_assert(KVMW_VMX_ENCLAVE_MODE == VMX_EXIT_REASONS_SGX_ENCLAVE_MODE,
	       "VMX enclave-mode bit differs from the uapi header");

static const struct kvmw_exit_name svm_exit_names[] = { SVM_EXIT_REASONS };
static const struct kvmw_exit_name vmx_exit_names[] = { VMX_EXIT_REASONS };

size_t kvmw_exit_reasons(u32 isa, const struct kvmw_exit_name **table)
{
	switch (isa) {
	case KVMW_ISA_SVM:
		*table = svm_exit_names;
		return ARRAY_SIZE(svm_exit_names);
	case KVMW_ISA_VMX:
		*table = vmx_exit_names;
		return ARRAY_SIZE(vmx_exit_names);
	}
	*table = NULL;
	return 0;
}

struct kvmw_exit kvmw_exit_decode(u32 isa, u32 code)
{
	struct kvmw_exit e = { .basic = code };

	if (isa == KVMW_ISA_VMX) {
		e.basic = code & KVMW_VMX_BASIC_MASK;
		e.flags = code & (KVMW_VMX_ENCLAVE_MODE |
				  KVMW_VMX_FAILED_VMENTRY);
	}
	return e;
}

const char *kvmw_exit_reason_name(u32 isa, u32 code)
{
	const struct kvmw_exit_name *table;
	size_t i, n = kvmw_exit_reasons(isa, &table);
	u32 basic = kvmw_exit_decode(isa, code).basic;

	/* About a hundred entries, looked up per report row, not per exit. */
	for (i = 0; i < n; i++)
		if (table[i].code == basic)
			return table[i].name;
	return NULL;
}

const char *kvmw_isa_name(u32 isa)
{
	switch (isa) {
	case KVMW_ISA_SVM:
		return "SVM";
	case KVMW_ISA_VMX:
		return "VMX";
	}
	return NULL;
}
