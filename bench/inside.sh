#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The overhead bench, inside the bench VM (Debian userland, kvm_amd
# loaded, kvmwatch not loaded). One exit loop, timed under each
# configuration; repetitions interleaved (each round in a rotated order).
# Results go to fd 3 as lines the host (bench/run.sh) parses:
#   M key=value                                     facts about the run
#   R cfg=C rep=R secs=S cpu=C busy=B tool=T kvm=K ok=0|1 why=W
#                                                   one timed run (timeit.c)
#   # text                                          log
#
# Usage: inside.sh N REPS "CONFIG..."
N=${1:-30000}
REPS=${2:-5}
CONFIGS=${3:-"none kvmwatch perf-stat kvm_stat bpftrace trace-cmd perf-kvm"}

# The exit loop: N CPUID exits (handled in the kernel) and N OUTs to port
# 0x80 (exits to userspace), one vCPU.
LOOP="kvmw-guest --timeout 300 --cpuid $N --out 0x80:$N"

# ---- kvmwatch configuration: the one line to change -------------------
# `kvmwatch stat` started like the peers (attached before the loop, Ctrl-C
# after it, its table read back); the module attaches its probes while a
# consumer has statistics enabled. Without a `stat` subcommand: the module
# loaded with always_on=1 and nothing reading.
if kvmwatch stat --help >/dev/null 2>&1; then KVMW_LOAD="modprobe kvmwatch" KVMW_STAT="kvmwatch stat"; else KVMW_LOAD="modprobe kvmwatch always_on=1" KVMW_STAT=""; fi
# -----------------------------------------------------------------------

T=/tmp/bench
mkdir -p $T
cd $T || exit 1
ncpu=$(nproc)

log() { echo "# $*" >&3; }

# Count of the perf_event fds a process holds.
perf_fds() {
	ls -l /proc/"$1"/fd 2>/dev/null | grep -c 'perf_event'
}

# wait_for COND...: poll (0.1 s) up to 120 s; 1 on timeout.
wait_for() {
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -lt 1200 ] || return 1
		sleep 0.1
	done
}

# A background command of a non-interactive shell has SIGINT ignored, and
# Python then never raises KeyboardInterrupt: restore the default first.
# Only in the background ("untrap CMD &"): it replaces the shell.
untrap() { exec perl -e '$SIG{INT} = "DEFAULT"; exec { $ARGV[0] } @ARGV or die "$ARGV[0]: $!\n"' "$@"; }

# stop_tool: SIGINT (every tool's way to stop and print), SIGKILL after
# 120 s; a zombie counts as gone.
alive() { [ -e /proc/$1 ] && ! grep -q ') Z ' /proc/$1/stat 2>/dev/null; }
stop_tool() {
	kill -INT $pid
	i=0
	while alive $pid && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if alive $pid; then
		echo "pid $pid ($*) ignored SIGINT for 120 s: killed"
		kill -KILL $pid
	fi
	wait $pid
}

has_line() { grep -q "$2" "$1" 2>/dev/null; }

# A tool's perf_event fds have stopped changing (all events opened).
fds_settled() {
	a=$(perf_fds "$1")
	sleep 0.5
	[ "$a" -ge "$2" ] && [ "$(perf_fds "$1")" -eq "$a" ]
}

# Each configuration: start_X (attach; return when attached), stop_X
# (detach, keep its output), count_X (exits the tool saw, on stdout).
# $pid is the tool's process.

start_none() { :; }
stop_none() { :; }
count_none() { sed -n 's/^vm0\.kvm\.exits=//p' loop.out; }

# Probes attached: by a consumer, or always_on.
attached() { kvmwatch counters --json | grep -q '"tracepoints": *[1-9]'; }
start_kvmwatch() {
	$KVMW_LOAD || return 1
	if [ -n "$KVMW_STAT" ]; then
		untrap $KVMW_STAT >kvmwatch.out 2>&1 &
		pid=$!
	fi
	wait_for attached
}
stop_kvmwatch() {
	[ -z "$KVMW_STAT" ] || stop_tool $KVMW_STAT
	kvmwatch counters --json >kvmwatch.json
	rmmod kvmwatch
}
# The table's total (exits closed by an entry), else the module's count.
count_kvmwatch() {
	if grep -q 'Total Samples:' kvmwatch.out 2>/dev/null; then
		sed -n 's/.*Total Samples:\([0-9]*\).*/\1/p' kvmwatch.out
	else
		sed -n 's/.*"exits": *\([0-9]*\).*/\1/p' kvmwatch.json
	fi
}

start_perf_stat() {
	untrap perf stat -e kvm:kvm_exit -e kvm:kvm_entry -a -x, -o perf-stat.txt &
	pid=$!
	wait_for fds_settled $pid $((2 * ncpu))
}
stop_perf_stat() { stop_tool perf stat; }
count_perf_stat() { awk -F, '$3 == "kvm:kvm_exit" { print $1 }' perf-stat.txt; }

# Logging mode, the way it is left running ("like vmstat"), at its default
# 3 s interval. Counts every kvm:* tracepoint and, per exit reason, one
# filtered kvm_exit event per CPU. A final interval is printed only after
# it ends, so stop waits for one more interval after the loop.
start_kvm_stat() {
	untrap python3 -u /usr/local/bin/kvm_stat -l -c >kvm_stat.csv 2>kvm_stat.err &
	pid=$!
	wait_for has_line kvm_stat.csv '^timestamp,'
}
stop_kvm_stat() { sleep 3.5; stop_tool kvm_stat; }
count_kvm_stat() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "kvm_exit") c = i; next }
		c { s += $c } END { print s + 0 }' kvm_stat.csv
}

start_bpftrace() {
	untrap bpftrace -e 'tracepoint:kvm:kvm_exit { @[args->exit_reason] = count(); }' \
		>bpftrace.out 2>&1 &
	pid=$!
	wait_for has_line bpftrace.out '^Attaching' &&
		wait_for fds_settled $pid 1
}
stop_bpftrace() { stop_tool bpftrace; }
count_bpftrace() {
	awk -F': ' '/^@\[/ { s += $2 } END { print s + 0 }' bpftrace.out
}

start_trace_cmd() {
	rm -f trace.dat*
	untrap trace-cmd record -e kvm:kvm_exit -e kvm:kvm_entry -o trace.dat \
		>trace-cmd.out 2>&1 &
	pid=$!
	# Its "Hit Ctrl^C" line is stdio-buffered: watch tracefs instead.
	wait_for has_line /sys/kernel/tracing/events/kvm/kvm_exit/enable '^1' &&
		wait_for has_line /sys/kernel/tracing/events/kvm/kvm_entry/enable '^1' &&
		wait_for has_line /sys/kernel/tracing/tracing_on '^1'
}
stop_trace_cmd() { stop_tool trace-cmd; }
count_trace_cmd() {
	trace-cmd report -i trace.dat -F kvm_exit 2>/dev/null | grep -c ' kvm_exit:'
}

start_perf_kvm() {
	rm -f perf.data.guest*
	untrap perf kvm stat record >perf-kvm.out 2>&1 &
	pid=$!
	wait_for fds_settled $pid $((2 * ncpu))
}
stop_perf_kvm() { stop_tool perf kvm stat record; }
# Samples of all its events (kvm_entry, kvm_exit, kvm_pio, ...): at least
# two per exit. The count of kvm_exit alone comes from the report.
count_perf_kvm() {
	perf kvm stat report --event=vmexit >perf-kvm-report.txt 2>&1
	sed -n 's/.*Total Samples:\([0-9]*\).*/\1/p' perf-kvm-report.txt
}

# run_one CONFIG REP
run_one() {
	c=$1 f=$(echo "$1" | tr - _) why=""
	rm -f loop.out loop.secs
	if ! start_$f >start.log 2>&1; then
		why=attach-failed
		log "$c: did not attach:"; sed 's/^/#   /' start.log >&3
	fi
	sleep 1		# the same settling time for every configuration
	# T lines: the host samples QEMU's CPU time at each (bench/run.sh).
	echo "T begin $c $2" >&3
	bench-timeit loop.secs $LOOP >loop.out 2>&1
	rc=$?
	echo "T end $c $2" >&3
	stop_$f >stop.log 2>&1
	tool=$(count_$f)
	kvm=$(sed -n 's/^vm0\.kvm\.exits=//p' loop.out)
	read -r secs cpu busy <loop.secs 2>/dev/null
	# Sanity: the loop itself is exact, KVM saw >= 2N exits, the tool too.
	[ $rc -eq 0 ] && grep -q '^result=ok' loop.out || why="${why:+$why,}loop-failed"
	[ "${kvm:-0}" -ge $((2 * N)) ] || why="${why:+$why,}kvm-exits-low"
	[ "${tool:-0}" -ge $((2 * N)) ] || why="${why:+$why,}tool-exits-low"
	# kvmwatch's table against the module's own exit count: the same
	# exits, less at most the last one (never re-entered).
	if [ "$c" = kvmwatch ]; then
		m=$(sed -n 's/.*"exits": *\([0-9]*\).*/\1/p' kvmwatch.json)
		if [ "${tool:-0}" -gt "${m:-0}" ] || [ "${tool:-0}" -lt $((${m:-0} - 1)) ]; then
			why="${why:+$why,}table-ne-module-count"
		fi
	fi
	# Tools that lost events did less than their work: not comparable.
	if [ "$c" = perf-kvm ] && grep -qi 'lost' stop.log perf-kvm.out; then
		why="${why:+$why,}lost-events"
	fi
	if [ "$c" = trace-cmd ] && grep -q 'events lost' trace-cmd.out; then
		why="${why:+$why,}lost-events"
	fi
	ok=1
	[ -z "$why" ] || ok=0
	echo "R cfg=$c rep=$2 secs=${secs:-0} cpu=${cpu:--} busy=${busy:--} tool=${tool:-0} kvm=${kvm:-0} ok=$ok why=${why:--}" >&3
	if [ $ok -eq 0 ]; then
		for l in start.log stop.log loop.out $c*; do
			[ -f $l ] || continue
			tail -n 5 $l | sed "s/^/#   $c $l: /" >&3
		done
	fi
	rm -f trace.dat* perf.data.guest*
}

echo "M kernel=$(uname -r)" >&3
echo "M cpus=$ncpu" >&3
echo "M n=$N" >&3
echo "M reps=$REPS" >&3
echo "M loop=$LOOP" >&3
echo "M kvmwatch=$KVMW_LOAD; ${KVMW_STAT:-(no consumer)}" >&3
echo "M perf=$(perf --version 2>&1)" >&3
echo "M trace_cmd=$(trace-cmd --version 2>&1 | grep 'trace-cmd version')" >&3
echo "M bpftrace=$(bpftrace --version 2>&1)" >&3

# Warm-up, not recorded: first touch of the loop and of each tool's files.
bench-timeit loop.secs $LOOP >loop.out 2>&1
log "warm-up loop: $(cut -d' ' -f1 loop.secs) s, $(grep '^result=' loop.out)"
for c in $CONFIGS; do
	case $c in none) ;; *)
		t0=$(cut -d' ' -f1 /proc/uptime)
		start_$(echo $c | tr - _) >/dev/null 2>&1
		t1=$(cut -d' ' -f1 /proc/uptime)
		stop_$(echo $c | tr - _) >/dev/null 2>&1
		log "warm-up $c: attached in $(echo "$t0 $t1" | awk '{ print $2 - $1 }') s"
		rm -f trace.dat* perf.data.guest*
	;; esac
done

ncfg=$(echo $CONFIGS | wc -w)
r=1
while [ $r -le "$REPS" ]; do
	# Rotate the order each round: no configuration always runs first.
	order=$(echo $CONFIGS | tr ' ' '\n' | awk -v k=$(((r - 1) % ncfg)) -v n=$ncfg '
		{ a[NR - 1] = $0 } END { for (i = 0; i < n; i++) print a[(i + k) % n] }')
	for c in $order; do
		run_one "$c" $r
	done
	r=$((r + 1))
done
echo "M done=1" >&3
