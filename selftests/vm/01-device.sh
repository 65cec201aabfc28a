# SPDX-License-Identifier: GPL-2.0
# /dev/kvmwatch: version ioctl, growable structs, bad input, privileges.
test_dev
