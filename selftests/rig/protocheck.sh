#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the probes' prototypes against KVM's own trace.h for one kernel
# release (see protocheck/protocheck.c), and that a wrong prototype is
# caught. trace.h comes from linux-source-<series>, cached in
# $KVMW_CACHE/protocheck.
#
# Usage: protocheck.sh RELEASE
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rel=$1
series=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$rel")
tarball=$(ls /usr/src/linux-source-"$series".tar.* 2>/dev/null | head -n1)
[ -n "$tarball" ] || kvmw_die "linux-source-$series is not installed"
src=$KVMW_CACHE/protocheck/$series
if [ ! -f "$src/trace.h" ] || [ "$tarball" -nt "$src/trace.h" ]; then
	mkdir -p "$src"
	tar -xOf "$tarball" --wildcards '*/arch/x86/kvm/trace.h' >"$src/trace.h.tmp"
	mv "$src/trace.h.tmp" "$src/trace.h"
fi

kdir=/usr/src/linux-headers-$rel
[ -d "$kdir" ] || kdir=$KVMW_CACHE/kernels/$rel/usr/src/linux-headers-$rel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$KVMW_TOP/selftests/rig/protocheck/protocheck.c" "$work/"
build() {	# EXTRA_CFLAGS
	echo "obj-m := protocheck.o" >"$work/Kbuild"
	echo "ccflags-y := -I$src -I$KVMW_TOP/module" \
		"-Werror=incompatible-pointer-types $1" >>"$work/Kbuild"
	rm -f "$work/protocheck.o"
	make -s -C "$kdir" M="$work" protocheck.o
}
build "" || kvmw_die "$rel: probe prototypes differ from trace.h"
if build "-DKVMW_PROTOCHECK_BROKEN" >/dev/null 2>&1; then
	kvmw_die "$rel: a wrong prototype was not caught"
fi
echo "$rel: probe prototypes match $(basename "$tarball") trace.h"
