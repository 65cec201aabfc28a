# SPDX-License-Identifier: GPL-2.0
# "kvmwatch doctor" against guests that reproduce the seeds' signatures:
# an idle vCPU woken by its TSC-deadline timer every 4 ms (HZ=250, seed
# 002's nohz=off tick) gets exactly one timer-tick finding for its VM and
# vCPU; a guest reading the i440fx ACPI PM timer port 0xb008 in a loop
# (seed 001) gets a clock-ioport-storm naming the ACPI PM timer; an idle
# guest with bursts of WRMSRs (seed 000) an msr-write-storm; a guest
# doing a few CPUIDs and rare (50 ms) HLTs gets no finding. Rates are per
# second over the window, so the rig's slowness (TCG) only lowers what
# the guests achieve: the workloads stay well inside the thresholds'
# margins (>= 80/s for the tick, >= 100/s for the ports, >= 2000/s
# WRMSRs while halted >= 50%, <= 20/s for the healthy guest).
# Usage errors exit 2 and change nothing. Output: one line per doctor
# run (its findings as kind:vCPU), not the documents.
. /kvmw/vmlib.sh

WIN=3

# start_guest TAG ARGS...: a guest in the background for long enough;
# sets $gpid and $vm (its "<pid>-<fd>") once its window is open.
start_guest() {
	tag=$1
	shift
	kvmw-guest --timeout 120 --duration 30 "$@" >/tmp/doc.$tag.out 2>&1 &
	gpid=$!
	vm=
	for i in $(seq 1 200); do
		vm=$(sed -n 's/^vm0\.ready=//p' /tmp/doc.$tag.out)
		[ -n "$vm" ] && break
		sleep 0.1
	done
	[ -n "$vm" ] || { tail -5 /tmp/doc.$tag.out; echo "FAIL: $tag not ready"; return 1; }
	echo "== $tag: pid $gpid, VM $vm"
}

stop_guest() {
	kill "$gpid" 2>/dev/null || true
	wait "$gpid" 2>/dev/null || true
}

# nkind FILE: the number of findings in a doctor JSON document
nkind() {
	grep -o '"kind":"[a-z-]*"' "$1" | wc -l
}

# summary TAG FILE: one line, the findings of a doctor JSON document
summary() {
	echo "== $1: [$(grep -o '"vcpu":[0-9a-z]*,"kind":"[a-z-]*"' "$2" |
		sed 's/"vcpu":\([0-9a-z]*\),"kind":"\([a-z-]*\)"/\2:\1/' |
		tr '\n' ' ' | sed 's/ $//')]"
}

# Usage errors.
rc=0; kvmwatch doctor --time 0 2>/dev/null || rc=$?
expect_eq "doctor --time 0 exit status" "$rc" 2
rc=0; kvmwatch doctor --all -p 1 2>/dev/null || rc=$?
expect_eq "doctor --all -p exit status" "$rc" 2
rc=0; kvmwatch doctor extra 2>/dev/null || rc=$?
expect_eq "doctor extra-argument exit status" "$rc" 2

# Seed 002: a ticking idle vCPU.
start_guest tick --hlt-tscdl 1:4000000
kvmwatch doctor --vm "$vm" --time $WIN --json >/tmp/doc.tick.json
stop_guest
summary tick /tmp/doc.tick.json
expect_eq "tick: findings" "$(nkind /tmp/doc.tick.json)" 1
expect_eq "tick: kind, VM and vCPU" \
	"$(grep -c "\"vm\":\"$vm\",\"pid\":$gpid,\"name\":[^,]*,\"vcpu\":0,\"kind\":\"timer-tick\"" /tmp/doc.tick.json)" 1
expect_eq "tick: TSC_DEADLINE is the evidence" \
	"$(grep -c '"key":"0x6e0","name":"IA32_TSC_DEADLINE"' /tmp/doc.tick.json)" 1

# Seed 001: reads of the ACPI PM timer.
start_guest pmtmr --in 0xb008:100
kvmwatch doctor -p "$gpid" --time $WIN --json >/tmp/doc.pmtmr.json
kvmwatch doctor -p "$gpid" --time 1 >/tmp/doc.pmtmr.txt
stop_guest
summary pmtmr /tmp/doc.pmtmr.json
head -1 /tmp/doc.pmtmr.txt | cut -c1-160
expect_eq "pmtmr: findings" "$(nkind /tmp/doc.pmtmr.json)" 1
expect_eq "pmtmr: kind" \
	"$(grep -c '"kind":"clock-ioport-storm","summary":"[0-9.]* exits/s on emulated clock/timer ports: ACPI PM timer"' /tmp/doc.pmtmr.json)" 1
expect_eq "pmtmr: port evidence" \
	"$(grep -c '"key":"0xb008","name":"ACPI_PM_TMR","device":"ACPI PM timer","dir":"in"' /tmp/doc.pmtmr.json)" 1
expect_eq "pmtmr: HPET advice" \
	"$(grep -c "<timer name='hpet' present='yes'/>" /tmp/doc.pmtmr.json)" 1
expect_eq "pmtmr: text block" \
	"$(grep -c '^1\. clock-ioport-storm: VM ' /tmp/doc.pmtmr.txt)" 1

# Seed 000's shape: an idle vCPU (a 20 ms HLT per round, tick < 80/s)
# with bursts of 100 WRMSRs (0x8b) per round: thousands a second.
start_guest msr --wrmsr 0x8b:100 --hlt-tscdl 1:20000000
kvmwatch doctor --vm "$vm" --time $WIN --json >/tmp/doc.msr.json
stop_guest
summary msr /tmp/doc.msr.json
expect_eq "msr: findings" "$(nkind /tmp/doc.msr.json)" 1
expect_eq "msr: kind and top MSR" \
	"$(grep -c '"vcpu":0,"kind":"msr-write-storm","summary":"[0-9.]* WRMSR exits/s on a mostly idle vCPU, most to [A-Z0-9_]* (0x8b)"' /tmp/doc.msr.json)" 1

# A healthy guest: a few CPUIDs, 20 HLTs a second.
start_guest healthy --cpuid 5 --hlt-tscdl 1:50000000
kvmwatch doctor --vm "$vm" --time $WIN --json >/tmp/doc.healthy.json
kvmwatch doctor --vm "$vm" --time 1 >/tmp/doc.healthy.txt
stop_guest
summary healthy /tmp/doc.healthy.json
expect_eq "healthy: JSON" "$(cat /tmp/doc.healthy.json)" \
	"$(printf '{"window_s":%s,"findings":[]}' \
	  "$(sed -n 's/^{"window_s":\([0-9.]*\),.*/\1/p' /tmp/doc.healthy.json)")"
expect_eq "healthy: text" "$(sed 's/in [0-9.]* s/in S s/' /tmp/doc.healthy.txt)" \
	"No findings in S s: no exit pattern with a known cause."
