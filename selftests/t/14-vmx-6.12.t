#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Debian 6.12 under bochs (Haswell: Intel VMX with EPT), kvm_intel, the
# VMX suite (KVMW_VMX_TESTS in selftests/rig/lib.sh).
. "$(dirname "$0")/../rig/lib.sh"
exec "$KVMW_TOP/selftests/rig/boot.sh" -e bochs -k 6.12 -n vmx-6.12 -T 2400 \
	-t "$KVMW_VMX_TESTS"
