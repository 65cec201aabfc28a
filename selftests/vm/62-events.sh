# SPDX-License-Identifier: GPL-2.0
# Event families against known guest workloads, exactly, under kvm_amd
# and kvm_intel alike: EXIT records equal the statistics window row for
# row and the guest's exits; PIO, MSR, MMIO and HYPERCALL records carry
# the guest's ports, MSRs, addresses, values and hypercall arguments;
# WAKEUP/HALT_POLL replay KVM's halt-polling rule and match its halt
# statistics; LOAD/PUT alternate and USER puts = vCPU ioctls; DIRTY = the
# pages KVM_GET_DIRTY_LOG reported; PAGE_FAULT = EXIT(npf) on SVM,
# EXIT(EPT_VIOLATION) on VMX, = pf_taken; on VMX each MMIO page's first
# access is an EPT_VIOLATION, every later one an EPT_MISCONFIG; INJECT =
# interrupts handled and irq_injections; one VM_CREATE and one VM_GONE.
# Recorders with different filters (per vCPU, per VM, per pid,
# min_duration_ns, one family) each get exactly their records; nothing is
# lost; probes detach afterwards.
test_events 2
