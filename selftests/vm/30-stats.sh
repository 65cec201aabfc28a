# SPDX-License-Identifier: GPL-2.0
# Known workloads: two VMs of two vCPUs in one process and a third VM in
# another process beside them; each VM's statistics equal what its guest
# did, exactly (per vCPU, reason, port, MSR and MMIO address and
# direction), KVM_GET_STATS_FD and debugfs agree, rows are consistent
# (min <= avg <= max, histogram sums to the count), no anomaly; gone VMs
# keep their numbers. x2APIC ICR writes (self-IPIs) count as MSR 0x830
# writes; with kvm_amd nrips=1 on 6.1 they take KVM's fastpath before
# kvm_exit and msr_early must count each (the rig's TCG has no NRIPS:
# nrips=0, the fastpath is never taken there and msr_early must be 0).
test_stats 3
