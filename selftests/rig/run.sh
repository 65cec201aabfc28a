#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Developer's door into the rig: boot a kernel with KVM and kvmwatch loaded,
# run one shell command inside, print its output, return its exit status.
# Rebuilds the module and initramfs first unless -N.
#
# Usage: run.sh [-e qemu|bochs] [-k SERIES] [-v VARIANT] [-T SECS] [-a APPEND] [-N]
#               -c 'COMMAND'
#   -a  more kernel command line (bench/ring-rate.sh's tsc=reliable)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

series=6.12 variant=plain timeout=600 cmd="" prepare=1 emu=qemu append=""
while getopts "e:k:v:T:a:Nc:" opt; do
	case $opt in
	e) emu=$OPTARG ;;
	k) series=$OPTARG ;;
	v) variant=$OPTARG ;;
	T) timeout=$OPTARG ;;
	a) append=$OPTARG ;;
	N) prepare=0 ;;
	c) cmd=$OPTARG ;;
	*) exit 2 ;;
	esac
done
[ -n "$cmd" ] || kvmw_die "usage: run.sh [-e EMU] [-k SERIES] [-v VARIANT] [-T SECS] [-a APPEND] [-N] -c COMMAND"
if [ $prepare -eq 1 ]; then
	make -s -C "$KVMW_TOP" tools selftests >&2 || exit 1
	"$KVMW_TOP/selftests/rig/prepare.sh" "$series" "$variant" >&2 || exit 1
fi
b64=$(printf '%s' "$cmd" | base64 -w0)
name=run-$series-$$
mkdir -p "$KVMW_CACHE/runs"
"$KVMW_TOP/selftests/rig/boot.sh" -e "$emu" -k "$series" -v "$variant" -T "$timeout" \
	-n "$name" -a "${append:+$append }kvmw.cmd=$b64" >"$KVMW_CACHE/runs/$name.tap" 2>&1
out=$KVMW_CACHE/runs/$name
tr -d '\r' <"$out/tap.log" | grep -v '^kvmw-cmd-exit: '
rc=$(tr -d '\r' <"$out/tap.log" | sed -n 's/^kvmw-cmd-exit: //p')
if [ -z "$rc" ]; then
	echo "run.sh: no exit status (timeout or crash); console:" >&2
	tail -n 30 "$out/console.log" >&2
	rc=1
fi
# boot.sh's own checks of the kernel log (bochs's known WARN excused)
if grep -q '^not ok .*: kernel log clean' "$out.tap"; then
	echo "run.sh: the kernel log is not clean:" >&2
	sed -n '/^not ok .*: kernel log clean/,/^\(not \)*ok /p' "$out.tap" |
		grep '^#' >&2
fi
rm -rf "$out" "$out.tap"
exit "$rc"
