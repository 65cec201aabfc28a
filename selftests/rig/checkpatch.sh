#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/checkpatch.pl from Debian's linux-source-6.12 on the kernel code.
# compat.h is the one file allowed to test LINUX_VERSION_CODE.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$KVMW_TOP"

cp=$KVMW_CACHE/checkpatch/scripts/checkpatch.pl
if [ ! -x "$cp" ]; then
	tarball=$(ls /usr/src/linux-source-6.12*.tar.* 2>/dev/null | head -n1)
	[ -n "$tarball" ] || kvmw_die "linux-source-6.12 is not installed"
	mkdir -p "$KVMW_CACHE/checkpatch"
	tar -xf "$tarball" -C "$KVMW_CACHE/checkpatch" --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
fi
opts="--no-tree --terse --show-types --strict"
# UAPI headers cannot use BIT(): it is not part of the userspace API.
out=$(
	$cp $opts -f $(ls module/*.[ch] selftests/rig/fault/*.c |
		grep -v '^module/compat.h$')
	$cp $opts --ignore BIT_MACRO -f uapi/linux/*.h
	# compat.h also defines, for older kernels, types newer ones have.
	$cp $opts --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,NEW_TYPEDEFS \
		-f module/compat.h
) || true
out=$(grep -v '^total: 0 errors, 0 warnings, 0 checks' <<<"$out" | grep -v '^total:' || true)
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
