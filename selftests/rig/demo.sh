#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make demo": boot Debian 6.12 under QEMU/TCG with kvm_amd and kvmwatch,
# start three real Linux guests inside it (healthy, nohz=off, and
# clocksource=acpi_pm nohz=off), and let kvmwatch doctor and top say which
# is sick and why (selftests/rig/demo-inside.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$KVMW_TOP"
selftests/rig/check.sh --prepare-only 6.12
echo "demo: booting the test VM and three nested guests (about a minute)..."
rc=0
selftests/rig/run.sh -N -k 6.12 -v qemu -T 300 -c 'sh /kvmw/demo.sh' || rc=$?
if [ $rc -ne 0 ]; then
	echo "demo: it did not finish (exit $rc). A test VM that stops" \
	     "responding while nested guests run is a known, unexplained" \
	     "hang of QEMU/TCG's nested SVM (docs/testing.md: 1 run in 6" \
	     "here): run make demo again." >&2
fi
exit $rc
