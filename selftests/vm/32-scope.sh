# SPDX-License-Identifier: GPL-2.0
# "-- COMMAND" scoping with the device itself: a file filtered to a
# command's process tree (PID | PID_TREE) lists exactly the VMs the
# command created through a shell, with exact counts, while another guest
# runs beside it from before to after (33-scope-cli.sh: the same through
# "kvmwatch stat -- COMMAND").
test_scope
