#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Everything a boot needs for one kernel series: the kernel image (cached),
# kvmwatch.ko built against its headers, the userspace programs, and the
# initramfs of the requested variants.
#
# Usage: prepare.sh SERIES [VARIANT...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=$1
shift
rel=$(kvmw_release "$series")
[ -n "$rel" ] || kvmw_die "unknown kernel series $series"
"$KVMW_TOP/selftests/rig/kernels.sh" fetch "$series"
make -s -C "$KVMW_TOP" tools selftests
"$KVMW_TOP/selftests/rig/build-module.sh" "$rel" >/dev/null
mkdir -p "$KVMW_CACHE/initramfs"
for variant in "${@:-plain}"; do
	"$KVMW_TOP/selftests/rig/initramfs.sh" "$rel" "$variant" \
		"$KVMW_CACHE/initramfs/$rel-$variant.cpio"
done
