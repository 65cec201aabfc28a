#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The overhead bench, inside the bench VM (Debian userland, kvm_amd
# loaded, kvmwatch not loaded). One exit loop, timed under each
# configuration; repetitions interleaved (each round in a rotated order).
# Results go to fd 3 as lines the host (bench/run.sh) parses:
#   M key=value                                     facts about the run
#   R cfg=C rep=R secs=S cpu=C busy=B tool=T kvm=K lost=L ok=0|1 why=W
#                                                   one timed run (timeit.c);
#                                                   L: events the tool lost,
#                                                   "-" if it cannot lose any
#   # text                                          log
#
# Usage: inside.sh N REPS "CONFIG..."
N=${1:-30000}
REPS=${2:-5}
# Default: the stats-mode set. Events mode (bench/run.sh -E): none kvmwatch
# kvmwatch-record trace-cmd-all perf-kvm.
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

# wait_running COND...: wait_for COND while the tool ($pid) runs; 1 at
# once if it exits (its output says why).
wait_running() {
	i=0
	until "$@"; do
		alive $pid || return 1
		i=$((i + 1))
		[ $i -lt 1200 ] || return 1
		sleep 0.1
	done
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

# Events mode: "kvmwatch record -e exit,io" at the default ring size
# (KVMW_RING_PAGES_DEFAULT: 256 pages, 1 MiB per CPU), or with --pages N as configuration kvmwatch-record-pN
# (REC_PAGES, set by cfg_fn), started like the peers and stopped with
# SIGINT. Attached: probes in and the file in place (record renames it
# there once the device accepted everything). Its summary on stderr:
# "kvmwatch record: N events (M lost) written to FILE"; N counts every
# record (EXIT, PIO, MSR, MMIO, VM), so the exit count is the report's,
# from the EXIT records.
start_kvmwatch_record() {
	rm -f record.kvmw* kvmwatch-record.out
	modprobe kvmwatch || return 1
	untrap kvmwatch record -e exit,io ${REC_PAGES:+--pages $REC_PAGES} \
		-o record.kvmw >kvmwatch-record.out 2>&1 &
	pid=$!
	wait_running attached && wait_running test -f record.kvmw
}
stop_kvmwatch_record() {
	stop_tool kvmwatch record
	kvmwatch counters --json >kvmwatch.json
	rmmod kvmwatch
	# The file alone: the module is gone.
	kvmwatch report record.kvmw >record-report.txt 2>&1
	kvmwatch report --event ioport record.kvmw >record-ioport.txt 2>&1
}
count_kvmwatch_record() {
	sed -n 's/.*Total Samples:\([0-9]*\).*/\1/p' record-report.txt
}
lost_kvmwatch_record() {
	sed -n 's/^kvmwatch record: [0-9]* events (\([0-9]*\) lost).*/\1/p' \
		kvmwatch-record.out
}

# check_record: why the recording is not exactly the loop's, or nothing.
#   - the summary's N events and M lost against the report's own account
#     ("# records: R", "# lost: L of P records produced"): N = R,
#     P = N + M, and M = L = 0: every record the probes produced is in
#     the file;
#   - the EXIT records against the module's count of kvm_exit (it was
#     loaded for this run, before the VM existed): every exit but the
#     VM's last one, which is never re-entered, is closed by an entry
#     that writes its record: records = exits - 1 (one vCPU);
#   - the loop's own exact work: N CPUID exits and N OUTs to port 0x80.
check_record() {
	n=$(sed -n 's/^kvmwatch record: \([0-9]*\) events.*/\1/p' kvmwatch-record.out)
	m=$(lost_kvmwatch_record)
	r=$(sed -n 's/^# records: \([0-9]*\) in .*/\1/p' record-report.txt)
	l=$(sed -n 's/^# lost: \([0-9]*\) of [0-9]* records produced/\1/p' record-report.txt)
	p=$(sed -n 's/^# lost: [0-9]* of \([0-9]*\) records produced/\1/p' record-report.txt)
	x=$(count_kvmwatch_record)
	e=$(sed -n 's/.*"exits": *\([0-9]*\).*/\1/p' kvmwatch.json)
	cpuid=$(awk '$1 == "cpuid" { print $2 }' record-report.txt)
	out80=$(awk '$1 == "0x80:POUT" { print $2 }' record-ioport.txt)
	log "$c rep $rep: $n events, $m lost; report: $r records, $l lost of $p produced, $x exits (module: $e), cpuid $cpuid, 0x80:POUT $out80"
	[ -n "$n" ] || { echo no-summary; return; }
	[ "${m:--1}" -eq 0 ] && [ "${l:--1}" -eq 0 ] || echo lost-events
	[ "$n" = "$r" ] && [ "${p:-0}" -eq $((n + ${m:-0})) ] ||
		echo records-ne-produced
	[ -n "$x" ] && [ "$x" -eq $((${e:-0} - 1)) ] || echo exits-ne-module-count
	[ "${cpuid:-0}" -eq "$N" ] && [ "${out80:-0}" -eq "$N" ] ||
		echo loop-counts-differ
}

# Calibration, not a tool: a shell spinning on CPU 1 while the loop runs.
# Under -icount with one TCG thread every vCPU's instructions advance the
# one virtual clock, so the loop's CPU time grows by what CPU 1 ran meanwhile
# (docs/BENCHMARKS.md, "Events mode").
start_spin_cpu1() {
	taskset -c 1 sh -c 'while :; do :; done' >/dev/null 2>&1 &
	pid=$!
}
stop_spin_cpu1() { kill -KILL $pid; wait $pid; }
count_spin_cpu1() { count_none; }

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

# trace_cmd_start EVENT...: record the kvm: EVENTs with its defaults (the
# kernel's buffer size); attached when tracefs shows them all enabled.
trace_cmd_start() {
	rm -f trace.dat*
	tc_events="$*"
	set -- $(for e in $tc_events; do echo "-e kvm:$e"; done)
	untrap trace-cmd record "$@" -o trace.dat >trace-cmd.out 2>&1 &
	pid=$!
	# Its "Hit Ctrl^C" line is stdio-buffered: watch tracefs instead.
	for e in $tc_events; do
		wait_for has_line /sys/kernel/tracing/events/kvm/$e/enable '^1' ||
			return 1
	done
	wait_for has_line /sys/kernel/tracing/tracing_on '^1'
}
count_trace_cmd() {
	trace-cmd report -i trace.dat -F kvm_exit 2>/dev/null | grep -c ' kvm_exit:'
}
# Its own account at the end: "CPU N: M events lost" per CPU that lost
# some (the kernel's overrun, plus "... due to commit overrun").
lost_trace_cmd() {
	awk '{ for (i = 2; i <= NF; i++) if ($i == "events" && $(i + 1) == "lost") s += $(i - 1) }
		END { print s + 0 }' trace-cmd.out
}

start_trace_cmd() { trace_cmd_start kvm_exit kvm_entry; }
stop_trace_cmd() { stop_tool trace-cmd; }

# The tracepoints events mode uses for "-e exit,io" (module/attach.c).
TC_ALL="kvm_exit kvm_entry kvm_pio kvm_msr kvm_mmio kvm_userspace_exit"
start_trace_cmd_all() { trace_cmd_start $TC_ALL; }
stop_trace_cmd_all() { stop_tool trace-cmd; }
count_trace_cmd_all() { count_trace_cmd; }
lost_trace_cmd_all() { lost_trace_cmd; }

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
# perf record's own warning at its end: "Processed E events and lost C
# chunks!". The events in those chunks: the sum of the LOST records.
lost_perf_kvm() {
	if grep -q 'lost [0-9]* chunks' perf-kvm.out stop.log 2>/dev/null; then
		perf report -D -i perf.data.guest 2>/dev/null | awk '
			/PERF_RECORD_LOST[^_]/ && match($0, /lost[: ][0-9]+/) {
				s += substr($0, RSTART + 5, RLENGTH - 5)
			}
			END { print s + 0 }'
	else
		echo 0
	fi
}

# cfg_fn CONFIG: the suffix of its start_/stop_/count_/lost_ functions;
# kvmwatch-record-pN sets REC_PAGES=N for kvmwatch_record's.
cfg_fn() {
	REC_PAGES=""
	case $1 in
	kvmwatch-record-p[0-9]*)
		REC_PAGES=${1#kvmwatch-record-p}
		echo kvmwatch_record ;;
	*)	echo "$1" | tr - _ ;;
	esac
}

# run_one CONFIG REP
run_one() {
	c=$1 rep=$2 why=""
	f=$(cfg_fn "$c")
	cfg_fn "$c" >/dev/null	# REC_PAGES in this shell, not the subshell's
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
	lost=-
	! type lost_$f >/dev/null 2>&1 || lost=$(lost_$f)
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
	# Events mode: the recording holds exactly what happened (check_record).
	if [ "$f" = kvmwatch_record ]; then
		for w in $(check_record); do
			why="${why:+$why,}$w"
		done
	fi
	# Tools that lost events did less than their work: not comparable.
	if [ "$c" = perf-kvm ] && grep -qi 'lost' stop.log perf-kvm.out; then
		why="${why:+$why,}lost-events"
	fi
	case $c in trace-cmd*)
		[ "$lost" = 0 ] || why="${why:+$why,}lost-events" ;;
	esac
	ok=1
	[ -z "$why" ] || ok=0
	echo "R cfg=$c rep=$2 secs=${secs:-0} cpu=${cpu:--} busy=${busy:--} tool=${tool:-0} kvm=${kvm:-0} lost=${lost:--} ok=$ok why=${why:--}" >&3
	if [ $ok -eq 0 ]; then
		for l in start.log stop.log loop.out $c* record-*.txt; do
			[ -f $l ] || continue
			tail -n 5 $l | sed "s/^/#   $c $l: /" >&3
		done
	fi
	rm -f trace.dat* perf.data.guest* record.kvmw* record-*.txt
}

echo "M kernel=$(uname -r)" >&3
echo "M cpus=$ncpu" >&3
echo "M n=$N" >&3
echo "M reps=$REPS" >&3
echo "M loop=$LOOP" >&3
echo "M kvmwatch=$KVMW_LOAD; ${KVMW_STAT:-(no consumer)}" >&3
echo "M kvmwatch_record=kvmwatch record -e exit,io -o FILE (default ring)" >&3
echo "M trace_cmd_all=trace-cmd record -e kvm:{$(echo $TC_ALL | tr " " ,)}" >&3
echo "M tracefs_buffer_size_kb=$(cat /sys/kernel/tracing/buffer_size_kb)" >&3
echo "M perf=$(perf --version 2>&1)" >&3
echo "M trace_cmd=$(trace-cmd --version 2>&1 | grep 'trace-cmd version')" >&3
echo "M bpftrace=$(bpftrace --version 2>&1)" >&3

# Warm-up, not recorded: first touch of the loop and of each tool's files.
bench-timeit loop.secs $LOOP >loop.out 2>&1
log "warm-up loop: $(cut -d' ' -f1 loop.secs) s, $(grep '^result=' loop.out)"
for c in $CONFIGS; do
	case $c in none) ;; *)
		t0=$(cut -d' ' -f1 /proc/uptime)
		f=$(cfg_fn "$c")
		cfg_fn "$c" >/dev/null
		start_$f >/dev/null 2>&1
		t1=$(cut -d' ' -f1 /proc/uptime)
		stop_$f >/dev/null 2>&1
		log "warm-up $c: attached in $(echo "$t0 $t1" | awk '{ print $2 - $1 }') s"
		# The events perf kvm stat record chose (perf's, not ours).
		[ "$c" != perf-kvm ] ||
			log "perf kvm stat record: $(perf evlist -i perf.data.guest 2>/dev/null | grep -v '^#' | tr '\n' ' ')"
		rm -f trace.dat* perf.data.guest* record.kvmw*
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
