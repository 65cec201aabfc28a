# SPDX-License-Identifier: GPL-2.0
# "kvmwatch top", kvm_stat's view. A guest that did exactly N OUTs to
# port 0x80 and C CPUIDs, then holds its VM idle: with -i (totals since
# the VM's creation) -1 shows kvm_pio(0x80:POUT) = N and kvm_exit(cpuid)
# = C, KVM's own counters equal the VM's debugfs files (what kvm_stat -d
# reads), and every delta is 0 (nothing runs); -z hides the
# zero rows; -l, -c and -L write kvm_stat's banner and records (all zero,
# none with -z). A second guest halting 20 times a second runs beside it
# for the screen test: top in a tmux pseudo-terminal answers kvm_stat's
# keys b, c, f, g, h, o, p, r, s, x, q (and v, the host CPU split) with
# the expected screens. Bad flags and unknown PIDs exit 2, with a clear
# message.
. /kvmw/vmlib.sh

N=3000
C=50
S="tmux -f /dev/null"

# Usage errors: exit 2, one clear line.
usage_err() {
	want=$1
	shift
	rc=0
	kvmwatch top "$@" >/tmp/top.out 2>/tmp/top.err || rc=$?
	expect_eq "top $* exit status" "$rc" 2
	expect_eq "top $* message" "$(head -1 /tmp/top.err)" "kvmwatch top: $want"
}
usage_err "no process with PID 999999" -p 999999
usage_err "unknown option '--bogus'" --bogus
usage_err "-c/--csv requires -l/--log or -L/--log-to-file" -c
usage_err "-z/--skip-zero-records requires -1, -l or -L" -z
usage_err '"(" is not a valid regular expression' -f '('
usage_err "-1, -l and -L are different modes: pick one" -1 -l
usage_err "-t/--tracepoints does not apply: kvmwatch top reads the kvmwatch module, not debugfs or tracepoints" -t
usage_err "invalid delay '0.01' (seconds, at least 0.1)" -s 0.01
usage_err "no guest named \"nosuch\" (QEMU -name)" -g nosuch -1

run_pid=
hold_pid=
gpid=
cleanup() {
	$S kill-server 2>/dev/null || true
	kill $run_pid $hold_pid $gpid 2>/dev/null || true
	wait $run_pid 2>/dev/null || true
	wait $hold_pid 2>/dev/null || true
}
trap cleanup EXIT

# The held guest: its counts are final once it prints hold=.
stats_hold -- kvmw-guest --timeout 120 --out 0x80:$N --cpuid $C \
	--hold 100 >/tmp/top.held 2>&1 &
hold_pid=$!
for i in $(seq 1 600); do
	grep -q '^hold=' /tmp/top.held && break
	sleep 0.1
done
grep -q '^result=ok' /tmp/top.held || { cat /tmp/top.held; echo "FAIL: held guest"; exit 1; }
vm=$(sed -n 's/^vm0\.ready=//p' /tmp/top.held)
gpid=${vm%%-*}
echo "== held guest: pid $gpid, VM $vm"

# -1: every event's total and delta, kvm_stat's "%-42s%10d%10d".
kvmwatch top -1 -i -x -p "$gpid" >/tmp/top.once
row() {
	awk -v k="$1" '$1 == k { print $2 " " $3 }' /tmp/top.once
}
expect_eq "-1: kvm_pio(0x80:POUT)" "$(row 'kvm_pio(0x80:POUT)')" "$N 0"
# and the guest's own end-of-run OUT to 0xf4: kvm_pio is their sum
expect_eq "-1: kvm_pio(0xf4:POUT)" "$(row 'kvm_pio(0xf4:POUT)')" \
	"$(sed -n 's/^vm0\.out\.0xf4=//p' /tmp/top.held) 0"
expect_eq "-1: kvm_pio, all the guest's OUTs" "$(row kvm_pio)" \
	"$(sed -n 's/^vm0\.total\.out=//p' /tmp/top.held) 0"
expect_eq "-1: kvm_exit($R_CPUID)" "$(row "kvm_exit($R_CPUID)")" "$C 0"
expect_eq "-1: kvm_exit is the sum of its children" "$(row kvm_exit)" \
	"$(awk '$1 ~ /^kvm_exit\(/ { t += $2 } END { print t " 0" }' /tmp/top.once)"
expect_eq "-1: lines in kvm_stat's format" \
	"$(grep -cvE '^[a-z0-9_]+(\([^ ]*\))? +[0-9]+ +[0-9]+$' /tmp/top.once)" 0
expect_eq "-1: every delta is 0 (the guest is idle)" \
	"$(awk '$NF != 0' /tmp/top.once | wc -l)" 0
# KVM's own counters: what KVM's debugfs shows for the VM (kvm_stat -d)
nk=0
bad=
for f in /sys/kernel/debug/kvm/$vm/*; do
	k=${f##*/}
	[ -f "$f" ] && [ -n "$(row "$k")" ] || continue
	[ "$(row "$k")" = "$(cat "$f") 0" ] || bad="$bad $k:$(row "$k" | tr ' ' /)!=$(cat "$f")"
	nk=$((nk + 1))
done
expect_eq "-1: KVM's counters that differ from debugfs" "$bad" ""
[ "$nk" -ge 30 ] || { echo "FAIL: only $nk KVM counters compared"; exit 1; }
echo "ok: -1: $nk KVM counters equal debugfs"
expect_eq "-1: kvm_mmio is listed at zero" "$(row kvm_mmio)" "0 0"
kvmwatch top -1 -i -z -p "$gpid" >/tmp/top.z
expect_eq "-1 -z: no zero row" "$(awk '$2 == 0 && $3 == 0' /tmp/top.z | wc -l)" 0
expect_eq "-1 -z: kvm_pio kept" "$(awk '$1 == "kvm_pio" { print $2 }' /tmp/top.z)" "$((N + 1))"
# Without -i the totals start with top: all zero.
kvmwatch top -1 -z -p "$gpid" >/tmp/top.z0
expect_eq "-1 -z without -i: nothing since the start" "$(wc -l </tmp/top.z0)" 0
kvmwatch top -1 --cpu -p "$gpid" >/tmp/top.cpu
expect_eq "--cpu: the idle VM's split" \
	"$(grep "^ $vm " /tmp/top.cpu | awk '{ print $2, $3, $4, $5, $6 }')" \
	"0.0 0.0 0.0 0.0 0.0"

# -l / -c / -L: banner of the sorted keys, then records of deltas.
logrun() {
	kvmwatch top "$@" -s 0.5 -p "$gpid" -f 'kvm_(entry|exit|pio)$' >/tmp/top.log &
	lp=$!
	sleep 2
	kill -INT $lp
	wait $lp
}
logrun -l
expect_eq "-l: banner" "$(head -1 /tmp/top.log)" "kvm_entry kvm_exit kvm_pio "
expect_eq "-l: zero records" \
	"$(sed 1d /tmp/top.log | grep -cvE '^[0-9-]{10} [0-9:]{8}         0         0         0$')" 0
[ "$(sed 1d /tmp/top.log | wc -l)" -ge 1 ] || { echo "FAIL: -l wrote no record"; exit 1; }
logrun -l -c
expect_eq "-l -c: banner" "$(head -1 /tmp/top.log)" "timestamp,kvm_entry,kvm_exit,kvm_pio"
expect_eq "-l -c: records" \
	"$(sed 1d /tmp/top.log | grep -cvE '^[0-9-]{10} [0-9:]{8},0,0,0$')" 0
logrun -l -z
expect_eq "-l -z: the banner only" "$(cat /tmp/top.log)" "kvm_entry kvm_exit kvm_pio "
rm -f /tmp/top.csv
kvmwatch top -L /tmp/top.csv -c -s 0.5 -p "$gpid" -f 'kvm_pio$' &
lp=$!
sleep 2
kill -INT $lp
wait $lp
kvmwatch top -L /tmp/top.csv -c -s 0.5 -p "$gpid" -f 'kvm_pio$' &
lp=$!
sleep 1.5
kill -TERM $lp
wait $lp
expect_eq "-L: one banner, at the file's start" "$(grep -c timestamp /tmp/top.csv)" 1
expect_eq "-L: records appended" \
	"$(sed 1d /tmp/top.csv | grep -cvE '^[0-9-]{10} [0-9:]{8},0$')" 0

# The running guest: 20 HLTs a second, woken by its TSC-deadline timer.
kvmw-guest --timeout 120 --duration 60 --hlt-tscdl 1:50000000 \
	>/tmp/top.run 2>&1 &
run_pid=$!
for i in $(seq 1 200); do
	rvm=$(sed -n 's/^vm0\.ready=//p' /tmp/top.run)
	[ -n "$rvm" ] && break
	sleep 0.1
done
[ -n "$rvm" ] || { cat /tmp/top.run; echo "FAIL: running guest"; exit 1; }
echo "== running guest: VM $rvm"

# Its host CPU over 5 s: halted most of the time (a round is a 50 ms
# HLT and a few exits, at most ~1 ms of handling even under TCG: >= 50%
# is far inside). The parts are disjoint spans of one thread, each
# counted in the interval it ends in, so their sum exceeds 100% by at
# most the one span that began before the interval: allowing 200 ms (the
# 50 ms HLT and the wake-up on a loaded host) that is 4%, plus 5 x 0.05
# of rounding.
kvmwatch top -1 --cpu -s 5 -p "${rvm%%-*}" >/tmp/top.rcpu
set -- $(grep '^   vCPU 0 ' /tmp/top.rcpu | awk '{ print $3, $4, $5, $6, $7 }')
[ $# -eq 5 ] || { cat /tmp/top.rcpu; echo "FAIL: no vCPU row"; exit 1; }
echo "== running guest CPU %: guest $1 exits $2 VMM $3 halted $4 polling $5"
expect_eq "--cpu: halted >= 50%" "$(awk -v h="$4" 'BEGIN { print (h >= 50) }')" 1
expect_eq "--cpu: sum <= 104.25%" \
	"$(awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" -v e="$5" \
	   'BEGIN { print (a + b + c + d + e <= 104.25) }')" 1

# A process table where the held guest is QEMU's "web1".
mkdir -p /tmp/fproc/$gpid
cp /proc/$gpid/stat /tmp/fproc/$gpid/stat
printf 'qemu-system-x86_64\0-name\0guest=web1,debug-threads=on\0' \
	>/tmp/fproc/$gpid/cmdline


$S new-session -d -s top -x 160 -y 50 \
	"KVMWATCH_PROC=/tmp/fproc kvmwatch top -i -b -s 1; echo top-exit=\$? >/tmp/top.exit"
screen() {
	$S capture-pane -p -t top
}
# waitfor WHAT EGREP: the screen shows a line matching EGREP within 15 s
waitfor() {
	for i in $(seq 1 75); do
		screen | grep -qE -- "$2" && { echo "ok: $1"; return 0; }
		sleep 0.2
	done
	echo "FAIL: $1: no line matching '$2' on the screen:"
	screen | head -20
	return 1
}
key() {
	$S send-keys -t top "$@"
}
# the first row under the title line
first_row() {
	screen | sed -n 4p | awk '{ print $1 }'
}

waitfor "headline" '^kvm statistics - summary$'
waitfor "b at start: guests" '^ Guest Name +Total %Total CurAvg/s$'
waitfor "held VM row, by name" "^ $vm web1 "
waitfor "running VM first by CurAvg/s" "^ $rvm +[0-9]+ +[0-9.]+ +[1-9][0-9]*\$"
expect_eq "sort by CurAvg/s: running VM first" "$(first_row)" "$rvm"
key o
waitfor "o: held VM first by Total" "^ $vm web1 "
for i in $(seq 1 20); do
	[ "$(first_row)" = "$vm" ] && break
	sleep 0.2
done
expect_eq "o: sort by Total: held VM first" "$(first_row)" "$vm"
key o
key b
waitfor "b: events" '^ Event +Total %Total CurAvg/s$'
key p
waitfor "p: prompt" '^Pid \[0 or pid\]:'
key 999999 Enter
waitfor "p: unknown pid refused" '^"999999": Not a running process$'
key "$gpid" Enter
waitfor "p: headline" "^kvm statistics - pid $gpid \\(web1\\)\$"
waitfor "p: kvm_pio of the held guest" "^ kvm_pio +$((N + 1)) +[0-9.]+ +0\$"
key x
waitfor "x: child event with the port's name" \
	"^   kvm_pio\\(0x80:POUT\\) POST_IODELAY +$N +[0-9.]+ +0\$"
waitfor "x: exit reason" "^   kvm_exit\\($R_CPUID\\) +$C "
key x
key f
waitfor "f: prompt" '^Show statistics for events matching a regex\.$'
key '(' Enter
waitfor "f: bad regex refused" '^"\(": Not a valid regular expression$'
key 'kvm_pio$' Enter
waitfor "f: filter line" '^ +regex filter: kvm_pio\$$'
waitfor "f: only kvm_pio and Total" "^ Total +$((N + 1)) *\$"
expect_eq "f: rows" "$(screen | grep -cE '^ (kvm|Total)')" 2
key c
waitfor "c: filters cleared" '^kvm statistics - summary$'
expect_eq "c: no regex line" "$(screen | grep -c 'regex filter')" 0
key g
waitfor "g: prompt" '^Guest \[ENTER or guest\]:'
key nosuch Enter
waitfor "g: unknown guest refused" '^"nosuch": Not an active guest$'
key web1 Enter
waitfor "g: headline" "^kvm statistics - pid $gpid \\(web1\\)\$"
key s
waitfor "s: prompt" '^Change delay from 1\.0s to'
key 0.05 Enter
waitfor "s: too small refused" '^"0\.05": Value must be >=0\.1$'
key 2 Enter
waitfor "s: back to the events" '^ Event +Total'
key h
waitfor "h: help" '^Interactive Commands:$'
key z
waitfor "h: any key returns" '^ Event +Total'
key v
waitfor "v: host CPU split" '^ Host CPU % \(VM / vCPU\) +Guest +Exits +VMM +Halted +Polling$'
waitfor "v: the held VM, idle" "^ $vm web1 +0\\.0 +0\\.0 +0\\.0 +0\\.0 +0\\.0\$"
key v
key r
waitfor "r: totals from now: nothing for the idle guest" '^ No data$'
key q
for i in $(seq 1 50); do
	[ -s /tmp/top.exit ] && break
	sleep 0.2
done
expect_eq "q: top exits" "$(cat /tmp/top.exit 2>/dev/null)" "top-exit=0"
