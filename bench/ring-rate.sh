#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The event rings' producer rate (issue 4's "at least 1 million records
# per second per CPU"), measured rather than asserted by 63-ring-loss:
# test_ring_loss --loss-only, ROUNDS times in one rig boot of each kernel.
# Each round is its four loss runs: KVMW_IOC_TEST_EVENTS writes 3,000,000
# records of 56-184 bytes on CPU 0 into a 16 KiB ring that a reader on
# CPU 1 drains (stalling once for 100 ms), in discard and overwrite mode,
# each alone and with a hard-IRQ hrtimer producer every 50 us. Prints
# min, median and max records/s per run and kernel (nested records
# included), the test VM's clocksource, and the slowest round's ratio to
# the 1 M/s target.
#
# Under QEMU's -icount (-I, shift=0) the guest's clock counts its own
# instructions, one per ns: the rate is then records per 10^9 guest
# instructions, whatever else runs on the host. Without -I it follows
# the host's speed, as the test's own printout does.
#
# -a APPEND adds to the test VM's kernel command line: "-a tsc=reliable"
# keeps 6.1 on the TSC, which it otherwise marks unstable in the rig
# ("TSCs unsynchronized"), leaving every record's timestamp an emulated
# HPET read.
#
# Usage: ring-rate.sh [-k "SERIES..."] [-r ROUNDS] [-a APPEND] [-I] [-N]
set -uo pipefail
. "$(dirname "$0")/../selftests/rig/lib.sh"

series_list="6.1 6.12" rounds=5 icount="" prepare="" append=""
while getopts "k:r:a:IN" opt; do
	case $opt in
	k) series_list=$OPTARG ;;
	r) rounds=$OPTARG ;;
	a) append=$OPTARG ;;
	I) icount=1 ;;
	N) prepare=-N ;;
	*) exit 2 ;;
	esac
done
case "$rounds" in
'' | *[!0-9]*) kvmw_die "-r: a number of rounds, not '$rounds'" ;;
esac
[ "$rounds" -ge 1 ] || kvmw_die "-r: at least 1 round"
if [ -n "$icount" ]; then
	export KVMW_QEMU_EXTRA="-icount shift=0,sleep=off"
fi

# In the VM: reload kvmwatch with test_events=1, the rounds, and kvmwatch
# back as the rig loads it.
cmd="rmmod kvmwatch && modprobe kvmwatch test_events=1 || exit 1
echo \"# clocksource \$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)\"
rc=0
i=0
while [ \$i -lt $rounds ]; do
	i=\$((i + 1))
	test_ring_loss --loss-only >/tmp/rl.out 2>&1 || rc=1
	grep -E '^# [a-z, ]+: rate ' /tmp/rl.out
	grep FAIL /tmp/rl.out
done
rmmod kvmwatch && modprobe kvmwatch
exit \$rc"

printf '%-8s %-12s %-18s %6s %12s %12s %12s %8s\n' kernel clocksource run \
	rounds min median max 'min/1M'
for series in $series_list; do
	out=$(mktemp)
	if ! "$KVMW_TOP/selftests/rig/run.sh" $prepare -k "$series" -T 1800 \
	     -a "$append" -c "$cmd" >"$out" 2>&1; then
		cat "$out" >&2
		rm -f "$out"
		kvmw_die "$series: the loss runs failed"
	fi
	# "# discard, nested: rate 1097069 records/s (...)"
	rates=$(sed -n 's/^# \([a-z, ]*\): rate \([0-9]*\) records.*/\1:\2/p' "$out")
	if [ "$(echo "$rates" | grep -c .)" -ne $((4 * rounds)) ]; then
		cat "$out" >&2
		rm -f "$out"
		kvmw_die "$series: not $((4 * rounds)) rates in the output"
	fi
	cs=$(sed -n 's/^# clocksource //p' "$out")
	echo "$rates" |
	awk -F: -v k="$series" -v cs="$cs" '
	{ v[$1, ++n[$1]] = $2; if (!($1 in seen)) { seen[$1] = 1; ord[++m] = $1 } }
	END {
		for (j = 1; j <= m; j++) {
			r = ord[j]
			c = n[r]
			for (a = 1; a <= c; a++)
				s[a] = v[r, a]
			for (a = 2; a <= c; a++)
				for (b = a; b > 1 && s[b - 1] > s[b]; b--) {
					t = s[b]; s[b] = s[b - 1]; s[b - 1] = t
				}
			med = c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
			name = r
			gsub(/ /, "", name)
			printf "%-8s %-12s %-18s %6d %12d %12d %12d %8.2f\n", k,
			       cs, name, c, s[1], med, s[c], s[1] / 1000000
		}
	}'
	rm -f "$out"
done
