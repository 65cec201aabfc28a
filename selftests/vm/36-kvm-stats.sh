# SPDX-License-Identifier: GPL-2.0
# KVM's own per-vCPU statistics in snapshots (KVMW_SNAP_KVM): equal to
# KVM's binary stats fd field by field (live and after the VM is gone),
# window deltas equal KVM's and kvmwatch's own HLT/IOIO counts; the host
# CPU time split (guest_ns, user_ns) within the wall time of the run and
# the armed HLT deadlines, user_ns exactly 0 over an interval with no
# exit to userspace.
test_kvm_stats
