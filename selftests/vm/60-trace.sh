# SPDX-License-Identifier: GPL-2.0
# "kvmwatch trace" end to end: -- COMMAND scoping, JSON Lines that parse,
# and exact counts. The guest does N OUTs to port 0x80 per vCPU: trace
# must print exactly that many EXIT records with reason io and key
# 0x80:POUT and PIO records for port 0x80, lose nothing, and exit with the
# command's status. Every OUT to the control port 0xf4 has a PIO record;
# all but each vCPU's last (DONE, which no entry follows) an EXIT record.
# Then "trace -e halt" and "-e wakeup" print kvm_watcher -w's table, and a
# guest that halts is seen waking up.
. /kvmw/vmlib.sh

N=60
VCPUS=2
WANT=$((N * VCPUS))

echo "== kvmwatch trace -e exit,io --json -- sh -c 'kvmw-guest ...'"
rc=0
kvmwatch trace -e exit,io --json -- sh -c "kvmw-guest --vcpus $VCPUS \
	--timeout 240 --out 0x80:$N >/tmp/cmd.out; exit \$?" \
	>/tmp/trace.json 2>/tmp/trace.err || rc=$?
cat /tmp/trace.err
expect_eq "kvmwatch's exit status (the command's)" "$rc" 0
grep -q '^result=ok' /tmp/cmd.out ||
	{ cat /tmp/cmd.out; echo "FAIL: the command's guest"; exit 1; }
expect_eq "OUTs to 0x80 the guest did" \
	"$(sed -n 's/^vm0\.out\.0x80=//p' /tmp/cmd.out)" $WANT
json_flat </tmp/trace.json >/tmp/trace.flat ||
	{ echo "FAIL: trace's output is not JSON Lines"; exit 1; }

events=$(grep -c '^{"event":' /tmp/trace.json || true)
exits_80=$(grep '^{"event":"exit",' /tmp/trace.json |
	grep "\"reason\":\"$R_IO\"," | grep -c '"key":"0x80:POUT",' || true)
pio_80=$(grep '^{"event":"pio",' /tmp/trace.json |
	grep -c '"port":128,"dir":"out",' || true)
expect_eq "EXIT records, reason io, key 0x80:POUT" "$exits_80" $WANT
expect_eq "PIO records, port 0x80, out" "$pio_80" $WANT

exits_f4=$(grep '^{"event":"exit",' /tmp/trace.json |
	grep "\"reason\":\"$R_IO\"," | grep -c '"key":"0xf4:POUT",' || true)
pio_f4=$(grep '^{"event":"pio",' /tmp/trace.json |
	grep -c '"port":244,"dir":"out",' || true)
expect_eq "PIO 0xf4 = EXIT 0xf4 + one DONE per vCPU" "$pio_f4" \
	$((exits_f4 + VCPUS))

# One VM, named as KVM's debugfs names it, on every record.
id=$(sed -n 's/^vm0\.id=//p' /tmp/cmd.out)
expect_eq "records of the command's VM" \
	"$(grep -c "\"vm\":\"$id\"," /tmp/trace.json || true)" "$events"

summary=$(tail -n 1 /tmp/trace.json)
case $summary in
"{\"summary\":{\"events\":$events,\"lost\":0,"*) echo "ok: summary: $events events, 0 lost" ;;
*) echo "FAIL: summary line: $summary"; exit 1 ;;
esac
grep -q "^kvmwatch trace: $events events, 0 lost (" /tmp/trace.err ||
	{ echo "FAIL: counts on stderr"; exit 1; }
# produced = received on every CPU (nothing missed, nothing torn)
awk -F'\t' '
	$1 ~ /summary\.cpus\[[0-9]+\]\.produced$/ { p[$1] = $2 }
	$1 ~ /summary\.cpus\[[0-9]+\]\.received$/ { k = $1; sub(/received$/, "produced", k); r[k] = $2 }
	$1 ~ /summary\.torn$/ && $2 != 0 { bad = 1 }
	END {
		for (k in p) if (p[k] != r[k]) bad = 1
		exit bad
	}' /tmp/trace.flat ||
	{ echo "FAIL: produced != received on some CPU"; exit 1; }
echo "ok: every CPU: produced = received, none torn"

echo "== kvmwatch trace -e halt (text) -- a guest that halts"
# 20 ms timers: the vCPU is still halted when each fires (a 50 us one may
# fire before the HLT under TCG, and KVM then does not block at all).
rc=0
kvmwatch trace -e halt -- sh -c "kvmw-guest --timeout 240 --hlt 10:20000000 \
	>/tmp/cmd.out; exit \$?" >/tmp/halt.txt 2>/tmp/halt.err || rc=$?
cat /tmp/halt.err
expect_eq "kvmwatch's exit status" "$rc" 0
expect_eq "kvm_watcher -w header" "$(head -n 1 /tmp/halt.txt)" \
	"TIME(ms)           DUR_HALT(ms)         COMM            PID/TID         VCPU_ID    WAIT/POLL  VAILD?    "
# Wake-up rows of the command's VM: time, halt duration, comm (or -),
# pid/tid, vCPU 0, wait or poll, valid or invalid, kvm_watcher's padding.
pid=$(sed -n 's/^vm0\.id=\([0-9]*\)-.*/\1/p' /tmp/cmd.out)
rows=$(grep -cE "^[0-9]+\.[0-9]{6} +[0-9]+\.[0-9]{6} +.* $pid */[0-9]+ +0 +(wait|poll) +(valid|invalid) +\$" \
	/tmp/halt.txt || true)
other=$(sed 1d /tmp/halt.txt | grep -cvE " $pid */[0-9]+ " || true)
[ "$rows" -ge 1 ] || { cat /tmp/halt.txt; echo "FAIL: no wake-up rows"; exit 1; }
echo "ok: $rows wake-up rows of VM $pid"
expect_eq "rows of another process" "$other" 0
grep -q "^kvmwatch trace: $(($(wc -l </tmp/halt.txt) - 1)) events, 0 lost (" \
	/tmp/halt.err || { echo "FAIL: counts on stderr"; exit 1; }
echo "ok: one row per event, 0 lost"

echo "== kvmwatch trace -e wakeup --time 1 (nothing runs): header only"
kvmwatch trace -e wakeup --time 1 >/tmp/w.txt 2>/tmp/w.err
expect_eq "lines" "$(wc -l </tmp/w.txt)" 1
grep -q '^kvmwatch trace: 0 events, 0 lost (cpu0: 0' /tmp/w.err ||
	{ cat /tmp/w.err; echo "FAIL: counts"; exit 1; }
echo "ok: 0 events, 0 lost"
