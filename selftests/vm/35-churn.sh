# SPDX-License-Identifier: GPL-2.0
# Lifetimes: 1,000 VMs of one vCPU, each running a little, created and
# destroyed with statistics enabled: live-object counters back at their
# baseline, nothing untracked or unallocated, and the gone list bounded
# by gone_max, holding the newest VMs with their final numbers. Under
# bochs (kvm_intel), where every second of the suite costs about two of
# wall time, 200 VMs: still three times gone_max (64), the same paths.
if grep -q 'kvmw\.emu=bochs' /proc/cmdline; then
	test_churn 200
else
	test_churn 1000
fi
