#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one Debian kernel, run the in-VM tests and print TAP on stdout: the
# VM's own results, brought back over a dedicated serial port, followed by
# the host's checks of the run (finished in time, success marker, clean
# console and kernel log, taint). Two emulators, one harness: QEMU/TCG
# (-cpu max: AMD SVM, kvm_amd) and bochs (an Intel model with VMX and EPT,
# kvm_intel; see emu-bochs.sh). Same initramfs, same init, same three
# serial ports (console, TAP, kernel log).
#
# Usage: boot.sh [-e qemu|bochs] [-k SERIES] [-v plain|qemu] [-t GLOB]
#                [-i fail|warn|hang] [-T SECS] [-a APPEND] [-n NAME] [-x]
#   -e  emulator (default qemu)
#   -k  kernel series, 6.1 or 6.12 (default 6.12)
#   -v  initramfs variant; "qemu" adds QEMU for nested Linux guests and
#       boots with one CPU (several real guests triple-fault a 2-CPU VM)
#   -t  run only the in-VM tests matching GLOB[,GLOB...] (default: all)
#   -i  rig self-test: inject a failing test, a kernel WARN or a hang
#   -T  timeout for the whole boot, seconds (default 900)
#   -a  extra kernel command line
#   -n  name of the run directory under $KVMW_CACHE/runs
#   -x  unnumbered results and no plan, for callers that merge several
#       runs into one TAP stream (see tap_merge in lib.sh)
# $KVMW_QEMU_EXTRA: more QEMU options, word-split (bench/ring-rate.sh's
# -icount); not for make check.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/emu-bochs.sh"

series=6.12 variant=plain glob="" inject="" timeout=900 append="" name=""
noplan=0 emu=qemu
while getopts "e:k:v:t:i:T:a:n:x" opt; do
	case $opt in
	e) emu=$OPTARG ;;
	k) series=$OPTARG ;;
	v) variant=$OPTARG ;;
	t) glob=$OPTARG ;;
	i) inject=$OPTARG ;;
	T) timeout=$OPTARG ;;
	a) append=$OPTARG ;;
	n) name=$OPTARG ;;
	x) noplan=1 ;;
	*) exit 2 ;;
	esac
done

case "$emu-$variant" in
qemu-* | bochs-plain) ;;
bochs-*) kvmw_die "variant $variant runs under QEMU only" ;;
*) kvmw_die "unknown emulator $emu (qemu or bochs)" ;;
esac
rel=$(kvmw_release "$series")
[ -n "$rel" ] || kvmw_die "unknown kernel series $series"
run=$KVMW_CACHE/runs/${name:-$series-$variant${emu#qemu}}
rm -rf "$run"
mkdir -p "$run"

smp=2 mem=2G
if [ "$variant" = qemu ]; then
	smp=1 mem=3G
fi
cmdline="console=ttyS0,115200 loglevel=5 panic=-1"
cmdline+=" oops=panic softlockup_panic=1 mitigations=off nokaslr"
if [ "$emu" = bochs ]; then
	# bochs's CPU models trip known WARNs while the kernel boots
	# (emu-bochs.sh): /init turns panic_on_warn on once it has booted.
	cmdline+=" kvmw.panic_on_warn=1 $(kvmw_bochs_cmdline)"
else
	cmdline+=" panic_on_warn=1"
fi
[ -n "$glob" ] && cmdline+=" kvmw.tests=$glob"
[ -n "$inject" ] && cmdline+=" kvmw.inject=$inject"
[ -n "$append" ] && cmdline+=" $append"

initrd=$KVMW_CACHE/initramfs/$rel-$variant.cpio
[ -f "$initrd" ] || kvmw_die "no initramfs $initrd (run prepare.sh)"

start=$(date +%s)
if [ "$emu" = bochs ]; then
	kvmw_bochs_run "$run" "$timeout" \
		"$KVMW_CACHE/kernels/$rel/boot/vmlinuz-$rel" "$initrd" "$cmdline"
else
	# One TCG thread for all vCPUs: with QEMU's multi-threaded TCG, the
	# test VM sometimes locked up (soft lockups on 6.1, an int3 Oops in
	# __schedule on 6.12) while KVM live-patched kernel text as VMs came
	# and went, and a create/destroy churn that froze it passed 60 times
	# out of 60 this way.
	timeout --kill-after=10 "$timeout" qemu-system-x86_64 \
		-accel tcg,thread=single -cpu max -smp "$smp" -m "$mem" \
		-nodefaults -no-reboot -display none -monitor none \
		-kernel "$KVMW_CACHE/kernels/$rel/boot/vmlinuz-$rel" \
		-initrd "$initrd" -append "$cmdline" \
		-chardev file,id=con,path="$run/console.log" -serial chardev:con \
		-chardev file,id=tap,path="$run/tap.log" -serial chardev:tap \
		-chardev file,id=art,path="$run/artifacts.log" -serial chardev:art \
		${KVMW_QEMU_EXTRA:-} >"$run/emu.log" 2>&1
fi
qrc=$?
secs=$(($(date +%s) - start))

# make check's digest of failures (99-digest.t), where CI's excerpt of a
# long log still shows it: this boot's failed results, each in-VM one
# with the FAIL lines of its output.
digest=/dev/null
if [ -n "${KVMW_DIGEST_DIR:-}" ]; then
	mkdir -p "$KVMW_DIGEST_DIR"
	digest=$KVMW_DIGEST_DIR/$(basename "$run").txt
	rm -f "$digest"
fi

n=0 failed=0
result() {	# result OK|FAIL description [in-vm]
	n=$((n + 1))
	local num=" $n"

	[ $noplan -eq 0 ] || num=""
	if [ "$1" = OK ]; then
		echo "ok$num - $2"
	else
		echo "not ok$num - $2"
		failed=$((failed + 1))
		# an in-VM test's enters the digest with its output, below
		[ -n "${3:-}" ] || echo "not ok - $2" >>"$digest"
	fi
}

# digest_output TAP-TEXT: each failed in-VM test as the digest keeps it:
# its result, then the lines of its output with FAIL, or its last lines
# if none has.
digest_output() {
	awk -v rel="$rel" '
	function flush(	i, k) {
		if (!inside)
			return
		k = 0
		for (i = 1; i <= nl; i++)
			if (line[i] ~ /FAIL/ && k < 12) {
				print "  " line[i]
				k++
			}
		if (!k)
			for (i = (nl > 6 ? nl - 5 : 1); i <= nl; i++)
				print "  " line[i]
		inside = 0
		nl = 0
	}
	/^#   / && inside { line[++nl] = substr($0, 5); next }
	{ flush() }
	/^not ok - / {
		print "not ok - " rel ": " substr($0, 10)
		inside = 1
	}
	END { flush() }' "$1"
}

echo "# $rel ($variant, $emu), run directory $run"
tr -d '\r' <"$run/tap.log" >"$run/tap.txt"
while IFS= read -r line; do
	case "$line" in
	"ok - "*) result OK "$rel: ${line#ok - }" ;;
	"not ok - "*) result FAIL "$rel: ${line#not ok - }" in-vm ;;
	"#"*) echo "$line" ;;
	esac
done <"$run/tap.txt"

bad=$KVMW_TOP/selftests/rig/dmesg-bad.txt
known=$KVMW_TOP/selftests/rig/bochs-warnings.txt
# judged FILE: a kernel log as the checks see it. Under bochs, the reports
# of its known boot WARNs (exact text) are left out, and nothing else.
judged() {
	if [ "$emu" = bochs ]; then
		awk -v known="$known" -f "$KVMW_TOP/selftests/rig/known-warn.awk" "$1"
	else
		tr -d '\r' <"$1"
	fi
}
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	result FAIL "$rel: VM finished within ${timeout}s (timed out)"
else
	result OK "$rel: VM finished within ${timeout}s (took ${secs}s)"
fi
if tail -n 1 "$run/tap.txt" | grep -qx '# kvmw-rig: done'; then
	result OK "$rel: success marker"
else
	result FAIL "$rel: success marker"
fi
# (no grep -q after a pipe: with pipefail, a writer cut short by grep's
# early exit would turn a match into a failure of the whole pipeline)
if judged "$run/console.log" | grep -E -f "$bad" >/dev/null; then
	result FAIL "$rel: console clean"
else
	result OK "$rel: console clean"
fi
tr -d '\r' <"$run/artifacts.log" >"$run/dmesg.txt"
if ! grep -q '^kvmw-artifacts-end' "$run/dmesg.txt"; then
	result FAIL "$rel: kernel log and taint collected"
else
	if judged "$run/dmesg.txt" | grep -E -f "$bad" >/dev/null; then
		result FAIL "$rel: kernel log clean"
		judged "$run/dmesg.txt" | grep -E -f "$bad" | head -n 20 |
			sed 's/^/#   /'
	else
		result OK "$rel: kernel log clean"
	fi
	taint=$(sed -n 's/^kvmw-taint: //p' "$run/dmesg.txt")
	# Allowed: O (4096, out-of-tree module) and E (8192, unsigned
	# module); W (512) too under bochs when its known WARN was the
	# cause, the log check above having found no other.
	allow=$((4096 | 8192)) flags=O/E
	if [ "$emu" = bochs ] &&
	   sed 's/\r$//; s/^\[ *[0-9.]*\] //' "$run/dmesg.txt" |
	   grep -xF -f "$known" >/dev/null; then
		allow=$((allow | 512)) flags="O/E (W: bochs's known WARN)"
	fi
	if [ -n "$taint" ] && [ $((taint & ~allow)) -eq 0 ]; then
		result OK "$rel: taint $taint has only $flags flags"
	else
		result FAIL "$rel: taint '${taint}' has only $flags flags"
	fi
fi
if [ $failed -ne 0 ]; then
	digest_output "$run/tap.txt" >>"$digest"
	echo "# last console lines ($run/console.log):"
	tail -n 30 "$run/console.log" | tr -d '\r' | sed 's/^/#   /'
fi
[ $noplan -eq 1 ] || echo "1..$n"
[ $failed -eq 0 ]
