#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The overhead bench: one boot of Debian's 6.12 under QEMU/TCG (2 vCPUs,
# one TCG thread, as the rig), a Debian userland with the peers
# (bench/rootfs.sh), the same exit loop timed with nothing attached, with
# kvmwatch, and with each peer (bench/inside.sh). Prints the table; writes
# results.tsv (every run) and summary.tsv (per configuration) to the run
# directory, $KVMW_CACHE/runs/bench/ (bench-icount/ with -I; with -E
# bench-events/, or bench-events-wall/ without -I), or -o DIR.
#
# Usage: run.sh [-k SERIES] [-n N] [-r REPS] [-c "CONFIG..."] [-T SECS]
#               [-o DIR] [-I] [-E] [-M] [-N]
#   -n  CPUIDs and OUTs per loop (30000: ~3 s bare under TCG here)
#   -r  repetitions of each configuration, interleaved (5)
#   -c  configurations (default: the stats-mode set, see inside.sh;
#       kvmwatch-record-pN: kvmwatch record --pages N)
#   -E  events mode: the configurations none, kvmwatch (stats, for
#       reference), kvmwatch-record (default ring), kvmwatch-record-p256
#       and -p1024 (1 and 4 MiB per CPU), trace-cmd-all and perf-kvm (-c
#       overrides), run directory bench-events/
#   -I  QEMU's -icount (shift=0, sleep=off): the guest's clock counts its
#       instructions (1 ns each), whatever else runs on the host
#   -M  multi-threaded TCG (one host thread per vCPU) instead of one
#       thread for both; not with -I (QEMU refuses icount with it)
#   -N  do not rebuild the module, tools and rig initramfs first
set -uo pipefail
. "$(dirname "$0")/../selftests/rig/lib.sh"

series=6.12 n=30000 reps=5 timeout=1500 prepare=1 out="" icount="" events=""
tcg_threads=single
append_icount=""
configs=""
while getopts "k:n:r:c:T:o:IEMN" opt; do
	case $opt in
	k) series=$OPTARG ;;
	n) n=$OPTARG ;;
	r) reps=$OPTARG ;;
	c) configs=$OPTARG ;;
	E) events=1 ;;
	T) timeout=$OPTARG ;;
	o) out=$OPTARG ;;
	I) icount="-icount shift=0,sleep=off" ;;
	M) tcg_threads=multi ;;
	N) prepare=0 ;;
	*) exit 2 ;;
	esac
done

[ -z "$icount" ] || [ $tcg_threads = single ] ||
	kvmw_die "-M and -I exclude each other"
# With sleep=off an idle guest's clock jumps to its next timer at once: a
# read from the disk image that takes the busy host a second can last
# minutes of guest time, and the hung-task detector would report it.
# Nothing is hung: the detector is off under icount.
[ -z "$icount" ] || append_icount="sysctl.kernel.hung_task_timeout_secs=0"
if [ -z "$configs" ] && [ -n "$events" ]; then
	configs="none kvmwatch kvmwatch-record kvmwatch-record-p256"
	configs="$configs kvmwatch-record-p1024 trace-cmd-all perf-kvm"
elif [ -z "$configs" ]; then
	configs="none kvmwatch perf-stat kvm_stat bpftrace trace-cmd perf-kvm"
fi
for c in $configs; do
	case $c in kvmwatch-record-p[0-9]*) f=kvmwatch_record ;; *) f=${c//-/_} ;; esac
	grep -q "^start_$f()" "$KVMW_TOP/bench/inside.sh" ||
		kvmw_die "unknown configuration '$c'"
done

rel=$(kvmw_release "$series")
[ -n "$rel" ] || kvmw_die "unknown kernel series $series"
if [ $prepare -eq 1 ]; then
	"$KVMW_TOP/selftests/rig/prepare.sh" "$series" plain >&2 || exit 1
fi
img=$("$KVMW_TOP/bench/rootfs.sh") || exit 1
base=$KVMW_CACHE/initramfs/$rel-plain.cpio
[ -f "$base" ] || kvmw_die "no $base (run without -N)"
if [ -n "$out" ]; then
	run=$out
elif [ -n "$events" ]; then
	run=$KVMW_CACHE/runs/bench-events
	[ -n "$icount" ] || run=$run-wall
else
	run=$KVMW_CACHE/runs/bench${icount:+-icount}
fi
mkdir -p "$run"
rm -f "$run"/{console,results,artifacts,qemu}.log "$run"/{host-marks,host}.txt \
	"$run/qemu.pid"

# The overlay on the rig's initramfs (later cpio members replace earlier
# ones): our /init, the bench, a monotonic timer, and what mounting the
# image needs (virtio_blk, ext4 and their dependencies, in load order).
ov=$(mktemp -d)
trap 'rm -rf "$ov"' EXIT
mkdir -p "$ov/kvmw/bench/modules" "$ov/kvmw/bin"
cp "$KVMW_TOP/bench/init" "$ov/init"
cp "$KVMW_TOP/bench/init" "$KVMW_TOP/bench/inside.sh" "$ov/kvmw/bench/"
gcc -O2 -static -o "$ov/kvmw/bin/bench-timeit" "$KVMW_TOP/bench/timeit.c" ||
	kvmw_die "cannot build bench-timeit"
mdir=$KVMW_CACHE/kernels/$rel/lib/modules/$rel
for m in virtio_blk crc32c_generic ext4; do
	awk -v m="$m" -F: '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n) }
		n == m { k = split($2, d, " "); for (i = k; i >= 1; i--) print d[i]; print $1 }' \
		"$mdir/modules.dep"
done | awk '!seen[$0]++' | while read -r ko; do
	b=$(basename "$ko")
	b=${b%.xz}
	b=${b%.zst}
	case "$ko" in
	*.xz) xz -dc "$mdir/$ko" >"$ov/kvmw/bench/modules/$b" ;;
	*.zst) zstd -qdc "$mdir/$ko" >"$ov/kvmw/bench/modules/$b" ;;
	*) cp "$mdir/$ko" "$ov/kvmw/bench/modules/$b" ;;
	esac
	echo "$b" >>"$ov/kvmw/bench/modules/order"
done
chmod +x "$ov/init"
initrd=$run/initrd.cpio
cp "$base" "$initrd"
(cd "$ov" && find . -print0 | cpio --null -o -H newc --quiet) >>"$initrd"
rm -rf "$ov"
trap - EXIT

# Host side of each timed loop: the VM writes "T begin|end CFG REP" on
# ttyS1 around it; we note QEMU's CPU time (all its threads, ns) and the
# host's clock at once. CPU time does not count the time QEMU waited for a
# host CPU (other VMs on this host), though it still follows the host's
# speed; -I takes the host out of the guest's clock altogether.
cpu_ns() {
	local t s sum=0
	for t in /proc/"$1"/task/*/schedstat; do
		read -r s _ <"$t" 2>/dev/null && sum=$((sum + s))
	done
	echo "$sum"
}
watch_marks() {
	local qpid="" i=0 line
	while [ -z "$qpid" ] && [ $i -lt 100 ]; do
		qpid=$(cat "$run/qemu.pid" 2>/dev/null)
		sleep 0.1
		i=$((i + 1))
	done
	tail -n +1 -F --pid="$1" "$run/results.log" 2>/dev/null |
		while IFS= read -r line; do
			case $line in
			"T "*) echo "${line%$'\r'} $(cpu_ns "$qpid") ${EPOCHREALTIME/./} $(($(pgrep -c -x qemu-system-x86) - 1))" ;;
			esac
		done >"$run/host-marks.txt"
}
host_load() {
	echo "H $1_loadavg=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)"
	echo "H $1_other_qemus=$(($(pgrep -c -x qemu-system-x86) - ${2:-0}))"
}

echo "bench: $rel, N=$n, $reps rounds of: $configs${icount:+ ($icount)}" >&2
{ host_load start; echo "H qemu=${icount:-no icount}, tcg thread=$tcg_threads"; } >"$run/host.txt"
: >"$run/results.log"
start=$(date +%s)
timeout --kill-after=10 "$timeout" qemu-system-x86_64 -pidfile "$run/qemu.pid" \
	-accel tcg,thread=$tcg_threads $icount -cpu max -smp 2 -m 3G \
	-nodefaults -no-reboot -display none -monitor none \
	-kernel "$KVMW_CACHE/kernels/$rel/boot/vmlinuz-$rel" -initrd "$initrd" \
	-append "console=ttyS0,115200 loglevel=5 panic=-1 mitigations=off nokaslr kvmw.bench=$n,$reps,${configs// /+}${append_icount:+ $append_icount}" \
	-drive file="$img",format=raw,if=virtio,readonly=on \
	-chardev file,id=con,path="$run/console.log" -serial chardev:con \
	-chardev file,id=res,path="$run/results.log" -serial chardev:res \
	-chardev file,id=art,path="$run/artifacts.log" -serial chardev:art \
	>"$run/qemu.log" 2>&1 &
tpid=$!
watch_marks $tpid &
wpid=$!
sleep 5
host_load during 1 >>"$run/host.txt"
wait $tpid
qrc=$?
wait $wpid
host_load end >>"$run/host.txt"
echo "bench: VM ran $(($(date +%s) - start)) s (qemu exit $qrc); logs in $run" >&2
rm -f "$initrd"

exec "$KVMW_TOP/bench/report.sh" "$run"
