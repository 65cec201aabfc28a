#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build kvmwatch.ko (and the rig's fault-injection module) for one kernel
# release, out of the source tree, with W=1. Any compiler warning fails the
# build, as does a module dependency on kvm.ko.
#
# Usage: build-module.sh RELEASE     prints the build directory
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rel=$1
kdir=/lib/modules/$rel/build
[ -f "$kdir/Makefile" ] || kvmw_die "no headers for $rel at $kdir"
out=$KVMW_CACHE/build/$rel
rm -rf "$out"
mkdir -p "$out/src" "$out/fault"
cp -r "$KVMW_TOP"/Kbuild "$KVMW_TOP"/module "$KVMW_TOP"/uapi "$out/src/"
cp "$KVMW_TOP"/selftests/rig/fault/* "$out/fault/"

for dir in src fault; do
	if ! make -C "$kdir" M="$out/$dir" W=1 modules >"$out/$dir.log" 2>&1; then
		cat "$out/$dir.log" >&2
		kvmw_die "module build failed for $rel"
	fi
	if grep -E -i '(warning|error):' "$out/$dir.log" >&2; then
		kvmw_die "module build for $rel is not warning-free"
	fi
done
deps=$(/sbin/modinfo -F depends "$out/src/kvmwatch.ko")
[ -z "$deps" ] || kvmw_die "kvmwatch.ko depends on: $deps (must be none)"
echo "$out"
