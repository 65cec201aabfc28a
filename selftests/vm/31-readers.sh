# SPDX-License-Identifier: GPL-2.0
# Two readers with different filters (pid A, pid B) and reset times each
# see exactly their own VM, exactly; a reset of one changes nothing that
# the others see. Also the vCPU, PID_TREE and plain pid filters.
test_readers
