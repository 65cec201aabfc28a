#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check": everything, from a fresh machine.
#  1. install the Debian packages the rig needs (when root);
#  2. resolve the current Debian 6.1 and 6.12 kernels, fetch them once
#     into $KVMW_CACHE, install their headers;
#  3. build the tools, selftests, and kvmwatch.ko for each kernel;
#  4. run every suite of selftests/t through prove: unit tests, builds and
#     DKMS, both kernels booted under QEMU/TCG with kvm_amd and under bochs
#     with kvm_intel, nested Linux guests, the rig's own honesty test, and
#     last a digest of the boots' failures.
# The last line is prove's verdict.
#
# check.sh --prepare-only [SERIES...] stops after step 3 (used by demo.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$KVMW_TOP"

prepare_only=0
series_list="6.1 6.12"
if [ "${1:-}" = --prepare-only ]; then
	prepare_only=1
	shift
	[ $# -eq 0 ] || series_list="$*"
fi

PKGS="qemu-system-x86 busybox-static cpio dkms kmod xz-utils zstd gcc make
      libc6-dev libnl-3-dev libnl-genl-3-dev pkg-config perl
      prometheus libncurses-dev tmux systemd
      bochs bochsbios vgabios grub-pc-bin grub-common xorriso mtools
      linux-source-6.1 linux-source-6.12"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		kvmw_die "missing packages:$missing; run as root or: sudo apt-get install$missing"
	fi
	echo "rig: installing$missing"
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		$missing >/dev/null
fi
if ! apt-cache show linux-headers-amd64 >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] && apt-get update -q >/dev/null
fi

echo "rig: kernels: $(selftests/rig/kernels.sh resolve | awk '{ print $2 }' | xargs)"
selftests/rig/kernels.sh fetch $series_list
make -s tools selftests
for series in $series_list; do
	echo "rig: preparing $series"
	selftests/rig/prepare.sh "$series" plain qemu
done
[ $prepare_only -eq 0 ] || exit 0

# Each boot adds its failures here; 99-digest.t repeats them last.
export KVMW_DIGEST_DIR=$KVMW_CACHE/digest
rm -rf "$KVMW_DIGEST_DIR"
mkdir -p "$KVMW_DIGEST_DIR"
exec prove -v ${KVMW_PROVE_ARGS:-} selftests/t/
