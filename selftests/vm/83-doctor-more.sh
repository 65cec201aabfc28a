# SPDX-License-Identifier: GPL-2.0
# "kvmwatch doctor" findings from the event families and the exit rows
# beyond seeds 000-002, each against a guest that reproduces its
# signature, and the exact set of findings (kind, VM, vCPU) per guest:
#
#  - interrupt-noise: a vCPU thread spinning in the guest (WRMSR to
#    SYSENTER_CS 0x174: passed through, no exit) with a host timer
#    interrupt every 100 us of its run time (kvmw-guest --host-timer: a
#    perf task-clock sampling event, nothing woken or preempted) takes
#    thousands of external-interrupt exits a second, well above the
#    1000/s any host tick gives. The same guest without it takes only the
#    host tick (HZ=250): no finding.
#  - vcpu-preemption: the guest's process pinned (taskset) to CPU 0 with
#    a shell busy loop pinned there too: the vCPU thread is runnable but
#    not running about half the time (>= 10%).
#  - halt-poll-waste: halts that end just after KVM's poll window. The
#    rig's TCG stretches every halt past KVM's default 200 us maximum,
#    so KVM would not poll at all; the fixture gives KVM a 4 ms maximum
#    (halt_poll_ns) and the grow/shrink rule of 6.12's defaults (double
#    from 10 us, halve: halt_poll_ns_shrink=2; 6.1's default 0 resets the
#    window on every long halt), restoring both after. Each round: two
#    halts of 2 ms, then one
#    of 6 ms. The window climbs until W < 2 ms <= 2W; then per round the
#    first 2 ms halt outlasts W (failed poll, grow to 2W), the second is
#    caught by polling, the 6 ms one exceeds the maximum (failed poll of
#    2W, shrink to W): 2 failed polls to 1 caught, 3W >= 3 ms polled in
#    vain per ~11 ms round: ~270 ms/s, > 50 ms/s, and slower halts only
#    make more polls fail. To the statistics the same guest is an idle
#    vCPU woken by its TSC-deadline timer ~270 times a second: also a
#    timer-tick finding, rightly. KVM's own halt_poll_fail_ns is read
#    around each doctor run: one retry, only if it too says the polls
#    wasted under 50 ms/s (the fixture missed, not doctor).
#  - dirty-rate: a guest rewriting 256 pages of a dirty-logged slot per
#    round without pause (tens of MiB/s even under TCG) against
#    --migration-bandwidth 16 (MiB/s); a guest writing 16 pages per
#    50 ms round (at most 1.25 MiB/s on any host; 20 wake-ups a second,
#    well below a tick: a 10 ms round would be a 100 Hz timer, which
#    doctor rightly reports as a tick) is no finding.
#  - the healthy guest of 80-doctor (a few CPUIDs, 20 HLTs a second) gets
#    none of them, events on.
# Output: one line per doctor run (its findings as kind:vCPU), so a
# failing line shows what was found.
. /kvmw/vmlib.sh

WIN=3

# start_guest TAG ARGS...: kvmw-guest in the background; sets $gpid and
# $vm (its "<pid>-<fd>") once its counting window is open.
start_guest() {
	tag=$1
	shift
	"$@" >/tmp/dm.$tag.out 2>&1 &
	gpid=$!
	vm=
	for i in $(seq 1 200); do
		vm=$(sed -n 's/^vm0\.ready=//p' /tmp/dm.$tag.out)
		[ -n "$vm" ] && break
		sleep 0.1
	done
	[ -n "$vm" ] || { tail -5 /tmp/dm.$tag.out; echo "FAIL: $tag not ready"; return 1; }
}

stop_guest() {
	kill "$gpid" 2>/dev/null || true
	wait "$gpid" 2>/dev/null || true
}

# found FILE: the findings of a doctor JSON document as "kind:VM:vCPU"
# (vCPU "-" for a VM-wide one), sorted, space-separated.
found() {
	grep -o '"vm":"[^"]*","pid":[0-9]*,"name":[^,]*,"vcpu":[0-9a-z]*,"kind":"[a-z-]*"' "$1" |
		sed 's/"vm":"\([^"]*\)".*"vcpu":\([0-9a-z]*\),"kind":"\([a-z-]*\)"/\3:\1:\2/; s/:null$/:-/' |
		sort | tr '\n' ' ' | sed 's/ $//'
}

# doctor TAG ARGS...: doctor --json on $vm, one summary line.
doctor() {
	tag=$1
	shift
	kvmwatch doctor --vm "$vm" --time $WIN --json "$@" >/tmp/dm.$tag.json
	echo "== $tag: VM $vm: [$(found /tmp/dm.$tag.json)] costs/rates:" \
		$(grep -o '"cost_ns_per_s":[0-9]*\|"rate_per_s":[0-9.]*,"handling\|"stall_share":[0-9.]*\|"ratio":[0-9.]*\|"failed_polls":[0-9]*' \
		  /tmp/dm.$tag.json | sed 's/,"handling//; s/"//g')
}

G="kvmw-guest --timeout 120 --duration 30"

# Usage errors exit 2.
for bad in 0 -1 x 1048577 ''; do
	rc=0; kvmwatch doctor --migration-bandwidth "$bad" --time 1 2>/dev/null || rc=$?
	expect_eq "--migration-bandwidth '$bad' exit status" "$rc" 2
done

# interrupt-noise, positive and negative.
start_guest intr $G --wrmsr 0x174:1000000 --host-timer 100000
doctor intr
stop_guest
expect_eq "intr: findings" "$(found /tmp/dm.intr.json)" "interrupt-noise:$vm:0"
start_guest spin $G --wrmsr 0x174:1000000
doctor spin
stop_guest
expect_eq "spin: findings" "$(found /tmp/dm.spin.json)" ""

# vcpu-preemption: a hog on the vCPU's CPU.
taskset -c 0 sh -c 'while :; do :; done' &
hog=$!
start_guest preempt taskset -c 0 $G --cpuid 1000
doctor preempt
stop_guest
kill $hog
wait $hog 2>/dev/null || true
expect_eq "preempt: findings" "$(found /tmp/dm.preempt.json)" "vcpu-preemption:$vm:0"

# halt-poll-waste, with KVM's polling scaled to the rig (see above).
P=/sys/module/kvm/parameters
old_max=$(cat $P/halt_poll_ns)
old_shrink=$(cat $P/halt_poll_ns_shrink)
echo 4000000 >$P/halt_poll_ns
echo 2 >$P/halt_poll_ns_shrink
# halt_try: one run of the fixture under doctor; $halt_want is what
# doctor must find in it, $kvm_fail KVM's own failed-poll time over
# doctor's run (its debugfs halt_poll_fail_ns), in ns per second.
halt_try() {
	start_guest halt $G --hlt-tscdl 2:2000000 --hlt-tscdl 1:6000000 ||
		{ stop_guest; return 1; }
	halt_want="halt-poll-waste:$vm:0 timer-tick:$vm:0"
	f0=$(cat "/sys/kernel/debug/kvm/$vm/halt_poll_fail_ns")
	doctor halt || { stop_guest; return 1; }
	f1=$(cat "/sys/kernel/debug/kvm/$vm/halt_poll_fail_ns")
	stop_guest
	kvm_fail=$(((f1 - f0) / WIN))
	echo "   KVM's own halt_poll_fail_ns: $kvm_fail ns/s"
}
rc=0
halt_try || rc=$?
# One CI run of 6.1 saw no halt-poll-waste here, with no record of why.
# A second try is allowed only when KVM's own count agrees that the
# polls wasted less than doctor's 50 ms/s: then doctor was right and the
# fixture missed its pattern (TCG's timing, presumably). A miss that KVM
# contradicts fails at once.
if [ $rc -eq 0 ] &&
   [ "$(found /tmp/dm.halt.json)" != "$halt_want" ] &&
   [ "$kvm_fail" -lt 50000000 ]; then
	echo "# halt: KVM counts $kvm_fail ns/s of failed polls, under 50 ms/s:"
	echo "# the fixture missed its pattern, not doctor; once more"
	halt_try || rc=$?
fi
echo "$old_max" >$P/halt_poll_ns
echo "$old_shrink" >$P/halt_poll_ns_shrink
expect_eq "halt: setup" "$rc" 0
expect_eq "halt: findings" "$(found /tmp/dm.halt.json)" "$halt_want"

# dirty-rate, against the operator's 16 MiB/s link.
start_guest dirty $G --dirty 256
doctor dirty --migration-bandwidth 16
stop_guest
expect_eq "dirty: findings" "$(found /tmp/dm.dirty.json)" "dirty-rate:$vm:-"
expect_eq "dirty: the link is the one given" \
	"$(grep -c '"migration_bandwidth_bytes_per_s":16777216' /tmp/dm.dirty.json)" 1
start_guest dirty-slow $G --dirty 16 --hlt-tscdl 1:50000000
doctor dirty-slow --migration-bandwidth 16
stop_guest
expect_eq "dirty-slow: findings" "$(found /tmp/dm.dirty-slow.json)" ""

# The healthy guest: nothing, events on.
start_guest healthy $G --cpuid 5 --hlt-tscdl 1:50000000
doctor healthy
stop_guest
expect_eq "healthy: findings" "$(found /tmp/dm.healthy.json)" ""
expect_eq "healthy: JSON" "$(sed 's/"window_s":[0-9.]*/"window_s":W/' /tmp/dm.healthy.json)" \
	'{"window_s":W,"findings":[]}'
