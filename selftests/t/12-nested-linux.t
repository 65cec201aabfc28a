#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real nested Linux guests: the "qemu" variant (one CPU), both kernels.
#
# Opt-in (KVMW_NESTED=1) until it is understood why a nested Linux boot
# still ends the test VM in about one run in ten here (seen once in CI as
# an empty guest log on 6.12, once as a test VM that never reported back);
# a gate that fails at random would block every landing.
set -o pipefail
if [ "${KVMW_NESTED:-0}" != 1 ]; then
	echo "1..0 # SKIP nested Linux guests are opt-in: KVMW_NESTED=1"
	exit 0
fi
. "$(dirname "$0")/../rig/lib.sh"
boot=$KVMW_TOP/selftests/rig/boot.sh
tap_merge "$boot -x -k 6.1 -v qemu -t '5*' -n 6.1-nested" \
	  "$boot -x -k 6.12 -v qemu -t '5*' -n 6.12-nested"
