# SPDX-License-Identifier: GPL-2.0
# kvmwatch's exit count equals KVM's own, exactly, per VM: one VM with one
# vCPU, and two VMs of two vCPUs in one process (told apart by "<pid>-<fd>").
test_exits 1 1
test_exits 2 2
