// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time proof that kvmwatch's probes have the prototypes of KVM's
 * tracepoints. The probes attach by name at run time, where nothing
 * checks types and a mismatch silently corrupts arguments; here
 * register_trace_<name>() takes "void (*)(void *, TP_PROTO)", so a wrong
 * probe is an incompatible-pointer-types error.
 *
 * arch/x86/kvm/trace.h is not in the headers packages: protocheck.sh
 * takes it from the matching linux-source tarball. This object is built
 * alone and never linked (it references kvm.ko's tracepoints).
 */
#include <linux/module.h>
#include <linux/kvm_host.h>
#include <trace/events/kvm.h>
#include "trace.h"

#include "probes.h"

#ifdef KVMW_PROTOCHECK_BROKEN
/* protocheck.sh proves the check can fail: kvm_msr has no vCPU. */
static void kvmw_broken_msr(void *data, struct kvm_vcpu *vcpu, u32 ecx)
{
}
#define kvmw_probe_kvm_msr kvmw_broken_msr
#endif

int kvmw_protocheck(void);
int kvmw_protocheck(void)
{
	return register_trace_kvm_exit(kvmw_probe_kvm_exit, NULL) |
	       register_trace_kvm_entry(kvmw_probe_kvm_entry, NULL) |
	       register_trace_kvm_msr(kvmw_probe_kvm_msr, NULL) |
	       register_trace_kvm_pio(kvmw_probe_kvm_pio, NULL) |
	       register_trace_kvm_mmio(kvmw_probe_kvm_mmio, NULL) |
	       register_trace_kvm_userspace_exit(kvmw_probe_kvm_userspace_exit,
						 NULL) |
	       register_trace_kvm_page_fault(kvmw_probe_kvm_page_fault, NULL) |
	       register_trace_kvm_vcpu_wakeup(kvmw_probe_kvm_vcpu_wakeup,
					      NULL) |
	       register_trace_kvm_halt_poll_ns(kvmw_probe_kvm_halt_poll_ns,
					       NULL) |
	       register_trace_kvm_inj_virq(kvmw_probe_kvm_inj_virq, NULL) |
	       register_trace_kvm_inj_exception(kvmw_probe_kvm_inj_exception,
						NULL) |
	       register_trace_kvm_hypercall(kvmw_probe_kvm_hypercall, NULL);
}
