# SPDX-License-Identifier: GPL-2.0
# Lifetimes: 1,000 VMs of one vCPU, each running a little, created and
# destroyed with statistics enabled: live-object counters back at their
# baseline, nothing untracked or unallocated, and the gone list bounded
# by gone_max, holding the newest VMs with their final numbers.
test_churn 1000
