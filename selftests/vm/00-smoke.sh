# SPDX-License-Identifier: GPL-2.0
# The rig itself: KVM and kvmwatch are loaded and /dev/kvmwatch is root-only.
test -c /dev/kvm
test -c /dev/kvmwatch
ls -l /dev/kvmwatch
[ "$(stat -c %a /dev/kvmwatch)" = 600 ]
