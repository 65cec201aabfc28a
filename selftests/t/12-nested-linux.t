#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real nested Linux guests: the "qemu" variant (one CPU), both kernels.
set -o pipefail
. "$(dirname "$0")/../rig/lib.sh"
boot=$KVMW_TOP/selftests/rig/boot.sh
tap_merge "$boot -x -k 6.1 -v qemu -t '5*' -n 6.1-nested" \
	  "$boot -x -k 6.12 -v qemu -t '5*' -n 6.12-nested"
