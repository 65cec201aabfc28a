#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make demo": boot Debian 6.12 under QEMU/TCG with kvm_amd and kvmwatch,
# and let kvmwatch tell a healthy idle guest from one booted nohz=off.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$KVMW_TOP"
selftests/rig/check.sh --prepare-only 6.12
exec selftests/rig/run.sh -N -k 6.12 -v qemu -c 'sh /kvmw/demo.sh'
