# SPDX-License-Identifier: GPL-2.0
# "kvmwatch stat --via netlink" and "kvmwatch monitor", end to end. (The
# family's protocol itself, malformed requests, privileges and big dumps
# are tested in C elsewhere.)
#  1. One guest run under both sources at once,
#     "stat --via dev -- stat --via netlink -- kvmw-guest": the two JSON
#     reports are equal in everything but their timestamps, the text
#     tables byte for byte, and the counts are the guest's own tally.
#  2. Intervals (-d, each snapshot taking the next baseline): over both,
#     the intervals add up to the guest's counts.
#  3. Filters: -p, --vm and --vcpu select the same VMs and vCPUs of a
#     held guest over both.
#  4. "monitor --json -t IO:10" (io on SVM, IO_INSTRUCTION on VMX)
#     around a guest doing OUTs far above that rate: exactly one vm_new
#     and one vm_gone for it, and exactly one threshold crossing, with
#     its vCPU, reason and rate. A second monitor with thresholds of its
#     own (IO:20, HLT:1) sees only its own crossing; a third without
#     thresholds, in text, sees both.
#  5. Without CAP_NET_ADMIN, and outside the initial network namespace,
#     the user is told why.
# The static binary's NSS stand-ins (tools/Makefile) must never have been
# called: no "internal error" on any stderr.
. /kvmw/vmlib.sh

GUEST="kvmw-guest --vcpus 2 --timeout 240 --no-irqchip --cpuid 40 \
	--out 0x80:25 --in 0x71:15 --wrmsr 0x6e0:10 --rdmsr 0x8b:5 --hlt 3"

# flat FILE.json: json_flat without the top level's own timestamps (each
# report's window), histograms kept: they must agree too
flat() {
	json_flat <"$1" | grep -v -e '^start_ns	' -e '^time_ns	' \
		-e '^\[[0-9]*\]\.start_ns	' -e '^\[[0-9]*\]\.time_ns	'
}

# sum_reason FLAT REASON: count of exit rows of REASON, all VMs, vCPUs,
# intervals
sum_reason() {
	awk -F'\t' -v want="$2" '
	$1 ~ /exits\[[0-9]+\]\.reason$/ { k = $1; sub(/reason$/, "", k); r[k] = $2 }
	$1 ~ /exits\[[0-9]+\]\.count$/ {
		k = $1; sub(/count$/, "", k)
		if (r[k] == want) s += $2
	}
	END { print s + 0 }' "$1"
}

val() {
	v=$(sed -n "s/^$1=//p" /tmp/cmd.out)
	echo "${v:-0}"
}

no_internal_error() {
	for f in "$@"; do
		if grep -q 'internal error' "$f"; then
			cat "$f"
			echo "FAIL: $f: the static binary's NSS stand-ins ran"
			return 1
		fi
	done
	echo "ok: no NSS stand-in ran ($*)"
}

echo "== 1. stat --via dev --json -- stat --via netlink --json -- kvmw-guest"
rc=0
kvmwatch stat --via dev --json -- sh -c "kvmwatch stat --via netlink \
	--json -- sh -c '$GUEST >/tmp/cmd.out' >/tmp/nl.json \
	2>/tmp/nl.err" >/tmp/dev.json 2>/tmp/dev.err || rc=$?
cat /tmp/dev.err /tmp/nl.err
expect_eq "exit status (the guest's, through both)" "$rc" 0
grep -q '^result=ok' /tmp/cmd.out ||
	{ cat /tmp/cmd.out; echo "FAIL: the guest"; exit 1; }
flat /tmp/dev.json >/tmp/dev.flat
flat /tmp/nl.json >/tmp/nl.flat
if ! cmp -s /tmp/dev.flat /tmp/nl.flat; then
	diff /tmp/dev.flat /tmp/nl.flat | head -n 40
	echo "FAIL: the JSON reports differ"
	exit 1
fi
echo "ok: JSON reports equal but for start_ns/time_ns ($(wc -l </tmp/nl.flat) values)"
id=$(sed -n 's/^vm0\.id=//p' /tmp/cmd.out)
expect_eq "VMs listed" "$(awk -F'\t' '$1 ~ /^vms\[[0-9]+\]\.vm$/ { print $2 }' \
	/tmp/nl.flat | xargs)" "$id"
expect_eq "cpuid exits (netlink)" "$(sum_reason /tmp/nl.flat "$R_CPUID")" \
	"$(val vm0.total.cpuid)"
expect_eq "io exits (netlink)" "$(sum_reason /tmp/nl.flat "$R_IO")" \
	$(($(val vm0.total.out) + $(val vm0.total.in)))
expect_eq "hlt exits (netlink)" "$(sum_reason /tmp/nl.flat "$R_HLT")" \
	"$(val vm0.total.hlt)"
expect_eq "asked OUTs (2 vCPUs x 25)" "$(val vm0.out.0x80)" 50

echo "== 1b. the same in text, --event msr"
rc=0
kvmwatch stat --via dev --event msr -- sh -c "kvmwatch stat --via netlink \
	--event msr -- sh -c '$GUEST >/tmp/cmd.out' >/tmp/nl.txt \
	2>>/tmp/nl.err" >/tmp/dev.txt 2>>/tmp/dev.err || rc=$?
expect_eq "exit status" "$rc" 0
# The first line names each one's own command's pid.
sed -i 's/^Analyze events for pid(s) [0-9]*,/Analyze events for pid(s) P,/' \
	/tmp/dev.txt /tmp/nl.txt
if ! cmp -s /tmp/dev.txt /tmp/nl.txt; then
	diff /tmp/dev.txt /tmp/nl.txt
	echo "FAIL: the text tables differ"
	exit 1
fi
grep -q '^ *0x6e0:W *20 ' /tmp/nl.txt ||
	{ cat /tmp/nl.txt; echo "FAIL: 20 writes of 0x6e0 in the table"; exit 1; }
echo "ok: text tables equal, 0x6e0:W 20 times"

echo "== 2. -d 1 over both: the intervals add up"
rc=0
kvmwatch stat --via dev -d 1 --json -- sh -c "kvmwatch stat --via netlink \
	-d 1 --json -- sh -c 'kvmw-guest --timeout 240 --duration 3 \
	--out 0x80:20 >/tmp/cmd.out' >/tmp/nl.json 2>>/tmp/nl.err" \
	>/tmp/dev.json 2>>/tmp/dev.err || rc=$?
expect_eq "exit status" "$rc" 0
grep -q '^result=ok' /tmp/cmd.out ||
	{ cat /tmp/cmd.out; echo "FAIL: the guest"; exit 1; }
json_flat </tmp/nl.json >/tmp/nl.flat
json_flat </tmp/dev.json >/tmp/dev.flat
n_nl=$(grep -c '^{' /tmp/nl.json)
[ "$n_nl" -ge 3 ] ||
	{ echo "FAIL: $n_nl intervals over netlink, want 3 or more"; exit 1; }
echo "ok: $n_nl intervals over netlink, $(grep -c '^{' /tmp/dev.json) over dev"
want=$(($(val vm0.total.out) + $(val vm0.total.in)))
expect_eq "io exits, intervals summed (netlink)" \
	"$(sum_reason /tmp/nl.flat "$R_IO")" "$want"
expect_eq "io exits, intervals summed (dev)" \
	"$(sum_reason /tmp/dev.flat "$R_IO")" "$want"

echo "== 3. -p, --vm, --vcpu select the same over both"
rm -f /tmp/held.out
kvmw-guest --vms 2 --vcpus 2 --timeout 240 --cpuid 3 --hold 60 \
	>/tmp/held.out 2>&1 &
held=$!
trap 'kill $held 2>/dev/null || true' EXIT
i=0
until grep -q '^hold=' /tmp/held.out; do
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "FAIL: the held guest never reported"; exit 1; }
	sleep 0.1
done
id0=$(sed -n 's/^vm0\.id=//p' /tmp/held.out)
id1=$(sed -n 's/^vm1\.id=//p' /tmp/held.out)
# listing FLAT: "vm:vcpu" of every VM and vCPU listed
listing() {
	awk -F'\t' '
	$1 ~ /^vms\[[0-9]+\]\.vm$/ { v = $2 }
	$1 ~ /^vms\[[0-9]+\]\.vcpus\[[0-9]+\]\.vcpu$/ { printf "%s:%s ", v, $2 }
	' "$1"
}
# Both VMs are the guest process's own (its threads run the vCPUs).
expect_eq "the held VMs' creator" "${id1%-*}" "${id0%-*}"
for sel in "-p ${id0%-*}" "--vm $id1" "--vm $id0 --vcpu 1"; do
	# shellcheck disable=SC2086 # $sel is words
	kvmwatch stat --via dev --json $sel --time 1 >/tmp/dev.json \
		2>>/tmp/dev.err &
	# shellcheck disable=SC2086
	kvmwatch stat --via netlink --json $sel --time 1 >/tmp/nl.json \
		2>>/tmp/nl.err
	wait $!
	json_flat </tmp/dev.json >/tmp/dev.flat
	json_flat </tmp/nl.json >/tmp/nl.flat
	got=$(listing /tmp/nl.flat)
	expect_eq "$sel: netlink lists what dev lists" "$got" \
		"$(listing /tmp/dev.flat)"
	case $sel in
	-p*) want="$id0:0 $id0:1 $id1:0 $id1:1 " ;;
	--vm?$id1) want="$id1:0 $id1:1 " ;;
	*) want="$id0:1 " ;;
	esac
	expect_eq "$sel: selected" "$got" "$want"
done
kill -TERM $held
wait $held || true
trap - EXIT

R_IO_SWAPCASE=$(echo "$R_IO" | tr "A-Za-z" "a-zA-Z")
echo "== 4. monitor --json -t $R_IO:10, another with -t $R_HLT:1 -t $R_IO:20,"
echo "   and monitor (text) beside them"
rm -f /tmp/mon.json /tmp/mon.err /tmp/mon.txt /tmp/mon2.err /tmp/mon3.json \
	/tmp/mon3.err
kvmwatch monitor --json -t "$R_IO:10" >/tmp/mon.json 2>/tmp/mon.err &
mon=$!
kvmwatch monitor >/tmp/mon.txt 2>/tmp/mon2.err &
mon2=$!
# Reason names are case-insensitive: the second asks in the other case.
kvmwatch monitor --json -t "$R_HLT:1" --threshold "$R_IO_SWAPCASE:20" \
	--ratelimit 200 >/tmp/mon3.json 2>/tmp/mon3.err &
mon3=$!
trap 'kill $mon $mon2 $mon3 2>/dev/null || true' EXIT
i=0
until grep -q '^kvmwatch monitor: listening' /tmp/mon.err &&
      grep -q '^kvmwatch monitor: listening' /tmp/mon2.err &&
      grep -q '^kvmwatch monitor: listening' /tmp/mon3.err; do
	i=$((i + 1))
	[ $i -lt 300 ] || { cat /tmp/mon.err /tmp/mon2.err /tmp/mon3.err;
		echo "FAIL: the monitors never listened"; exit 1; }
	sleep 0.1
done
expect_eq "what the module holds" "$(cat /tmp/mon.err)" \
	"kvmwatch monitor: listening; thresholds $R_IO>10/s; rate limit 1000 ms"
expect_eq "what the module holds (second)" "$(cat /tmp/mon3.err)" \
	"kvmwatch monitor: listening; thresholds $R_HLT>1/s, $R_IO>20/s; rate limit 200 ms"
# Thousands of OUTs a second for 5 s: the rate crosses 10/s once and
# stays above until the VM is gone.
kvmw-guest --timeout 240 --duration 5 --out 0x80:200 >/tmp/cmd.out
grep -q '^result=ok' /tmp/cmd.out ||
	{ cat /tmp/cmd.out; echo "FAIL: the guest"; exit 1; }
id=$(sed -n 's/^vm0\.id=//p' /tmp/cmd.out)
pid=${id%-*}
# VM_GONE is sent from a work item: wait for it before stopping.
i=0
until grep -q '"event":"vm_gone"' /tmp/mon.json &&
      grep -q '"event":"vm_gone"' /tmp/mon3.json &&
      grep -q ' vm_gone ' /tmp/mon.txt; do
	i=$((i + 1))
	[ $i -lt 300 ] || { cat /tmp/mon.json /tmp/mon.txt;
		echo "FAIL: no vm_gone"; exit 1; }
	sleep 0.1
done
kill -INT $mon $mon2 $mon3
for p in $mon $mon2 $mon3; do
	rc=0
	wait "$p" || rc=$?
	expect_eq "a monitor's exit status on SIGINT" "$rc" 0
done
trap - EXIT
cat /tmp/mon.json /tmp/mon3.json /tmp/mon.txt
json_flat </tmp/mon.json >/tmp/mon.flat ||
	{ echo "FAIL: monitor's output is not JSON Lines"; exit 1; }
expect_eq "notifications" "$(grep -c '^{' /tmp/mon.json)" 3
expect_eq "vm_new of the guest's VM" "$(grep -c "^{\"event\":\"vm_new\",\"time_ns\":[0-9]*,\"vm\":\"$id\",\"serial\":[0-9]*,\"pid\":$pid,\"ppid\":[0-9]*,\"vcpus\":0}\$" /tmp/mon.json)" 1
expect_eq "vm_gone of the guest's VM" "$(grep -c "^{\"event\":\"vm_gone\",\"time_ns\":[0-9]*,\"vm\":\"$id\",\"serial\":[0-9]*,\"pid\":$pid,\"ppid\":[0-9]*,\"vcpus\":1}\$" /tmp/mon.json)" 1
th=$(grep '"event":"threshold"' /tmp/mon.json)
case $th in
"{\"event\":\"threshold\",\"time_ns\":"*",\"vm\":\"$id\",\"serial\":"*",\"pid\":$pid,\"vcpu\":0,\"isa\":\"$R_ISA\",\"reason\":\"$R_IO\",\"code\":$C_IO,\"rate\":"*",\"threshold\":10,\"suppressed\":0,\"interval_ns\":"*",\"portid\":"*"}")
	echo "ok: one threshold notification: $th" ;;
*)
	echo "FAIL: threshold notification: '$th'"; exit 1 ;;
esac
rate=$(echo "$th" | sed 's/.*"rate":\([0-9]*\),.*/\1/')
[ "$rate" -gt 10 ] || { echo "FAIL: rate $rate not above 10"; exit 1; }
echo "ok: measured rate $rate/s > 10/s"
expect_eq "vm_new, vm_gone, threshold in order" \
	"$(sed 's/^{"event":"\([a-z_]*\)".*/\1/' /tmp/mon.json | xargs)" \
	"vm_new threshold vm_gone"
grep -q "^kvmwatch monitor: 3 notifications (1 vm_new, 1 vm_gone, 1 threshold)\$" \
	/tmp/mon.err || { cat /tmp/mon.err; echo "FAIL: monitor's counts"; exit 1; }

# The second shows its own crossing of 20/s only (none for hlt: the guest
# does no HLT), not the first one's.
expect_eq "second monitor: events" \
	"$(sed 's/^{"event":"\([a-z_]*\)".*/\1/' /tmp/mon3.json | xargs)" \
	"vm_new threshold vm_gone"
th3=$(grep '"event":"threshold"' /tmp/mon3.json)
case $th3 in
*",\"vm\":\"$id\","*",\"vcpu\":0,\"isa\":\"$R_ISA\",\"reason\":\"$R_IO\",\"code\":$C_IO,\"rate\":"*",\"threshold\":20,\"suppressed\":0,"*)
	echo "ok: the second monitor's own threshold: $th3" ;;
*)
	echo "FAIL: the second monitor's threshold: '$th3'"; exit 1 ;;
esac
port1=$(echo "$th" | sed 's/.*"portid":\([0-9]*\)}$/\1/')
port3=$(echo "$th3" | sed 's/.*"portid":\([0-9]*\)}$/\1/')
[ "$port1" != "$port3" ] ||
	{ echo "FAIL: both thresholds name socket $port1"; exit 1; }
echo "ok: each threshold names its own socket ($port1, $port3)"

# The text monitor has no thresholds of its own: it shows every socket's.
expect_eq "text header" "$(head -n 1 /tmp/mon.txt)" \
	"TIME(ms)           EVENT      VM           PID      DETAILS"
expect_eq "text lines" \
	"$(awk 'NR > 1 { print $2, $3, $4 }' /tmp/mon.txt | sort | uniq -c | xargs)" \
	"2 threshold $id $pid 1 vm_gone $id $pid 1 vm_new $id $pid"
grep -q " threshold  $id *$pid *vcpu=0 reason=$R_IO rate=$rate threshold=10 suppressed=0 interval_ms=" \
	/tmp/mon.txt || { echo "FAIL: the text threshold line (10/s)"; exit 1; }
grep -q " threshold  $id *$pid *vcpu=0 reason=$R_IO rate=[0-9]* threshold=20 suppressed=0 interval_ms=" \
	/tmp/mon.txt || { echo "FAIL: the text threshold line (20/s)"; exit 1; }
echo "ok: the text monitor saw both sockets' thresholds"

echo "== 5. what a user is told: no CAP_NET_ADMIN, another network namespace"
# A new user namespace keeps the network namespace but has no
# capability over it: the family answers EPERM.
for cmd in "stat --via netlink --time 1" "monitor --time 1"; do
	rc=0
	# shellcheck disable=SC2086 # $cmd is words
	unshare -r kvmwatch $cmd >/tmp/perm.out 2>/tmp/perm.err || rc=$?
	expect_eq "$cmd without CAP_NET_ADMIN: exit status" "$rc" 1
	expect_eq "$cmd without CAP_NET_ADMIN: stdout" "$(cat /tmp/perm.out)" ""
	expect_eq "$cmd without CAP_NET_ADMIN: message" "$(cat /tmp/perm.err)" \
		"kvmwatch: netlink KVMW_NL_CMD_GET_VERSION: Operation not permitted (needs CAP_NET_ADMIN)"
done
# The family lives in the initial network namespace only.
rc=0
unshare -n kvmwatch stat --via netlink --time 1 >/tmp/ns.out 2>/tmp/ns.err ||
	rc=$?
expect_eq "in another network namespace: exit status" "$rc" 1
grep -q "^kvmwatch: no generic netlink family 'kvmwatch': module not loaded? " \
	/tmp/ns.err || { cat /tmp/ns.err; echo "FAIL: the message"; exit 1; }
echo "ok: in another network namespace: no family"

no_internal_error /tmp/dev.err /tmp/nl.err /tmp/mon.err /tmp/mon2.err \
	/tmp/mon3.err /tmp/perm.err /tmp/ns.err
