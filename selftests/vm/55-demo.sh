# SPDX-License-Identifier: GPL-2.0
# "make demo"'s guests give exactly the expected findings: three real
# Linux guests nested under kvm_amd (variant "qemu" only), idle side by
# side. kvmwatch doctor --all must find, and find only:
#   nohz-off      timer-tick (IA32_TSC_DEADLINE writes paired with HLTs)
#   legacy-clock  clock-ioport-storm (the ACPI PM timer port) and
#                 timer-tick (it is booted with nohz=off too)
#   healthy       nothing
# The rates are the guests' own (HZ=250 ticks, clock reads per tick), not
# the rig's: TCG only stretches how long each exit takes.
[ -x /usr/bin/qemu-system-x86_64 ] || { echo "not the qemu variant"; exit 77; }
. /kvmw/vmlib.sh

rc=0
sh /kvmw/demo.sh >/tmp/demo.out 2>&1 || rc=$?
sed -n '/^Booting/,/^=== kvmwatch top/p' /tmp/demo.out | grep -v '^   advice'
expect_eq "demo exit status" "$rc" 0

pid_of() {
	sed -n "s/^$1 //p" /tmp/demo/pids
}
# kinds PID: the sorted kinds of the findings of the VM of QEMU PID
kinds() {
	grep -o "\"vm\":\"$1-[0-9]*\",[^{]*\"kind\":\"[a-z-]*\"" /tmp/demo/doctor.json |
		sed 's/.*"kind":"\([a-z-]*\)"/\1/' | sort | tr '\n' ' '
}

h=$(pid_of healthy) n=$(pid_of nohz-off) l=$(pid_of legacy-clock)
expect_eq "guests booted" "$(wc -l </tmp/demo/pids)" 3
expect_eq "all findings" "$(grep -o '"kind":' /tmp/demo/doctor.json | wc -l)" 3
expect_eq "healthy: findings" "$(kinds "$h")" ""
expect_eq "nohz-off: findings" "$(kinds "$n")" "timer-tick "
expect_eq "legacy-clock: findings" "$(kinds "$l")" \
	"clock-ioport-storm timer-tick "
# The evidence names the cause: the PM timer port for the clocksource
# (0x608: SeaBIOS puts the PIIX4/ICH9 PM block at 0x600), TSC_DEADLINE
# for the tick.
expect_eq "legacy-clock: PM timer evidence" \
	"$(grep -c '"kind":"clock-ioport-storm"[^]]*"keys":\[{"space":"ioport","key":"0x608",[^}]*"device":"ACPI PM timer","dir":"in"' /tmp/demo/doctor.json)" 1
expect_eq "tick evidence: IA32_TSC_DEADLINE, twice" \
	"$(grep -o '"kind":"timer-tick"[^]]*"keys":\[{"space":"msr","key":"0x6e0"' /tmp/demo/doctor.json | wc -l)" 2
expect_eq "names from QEMU's -name" \
	"$(grep -o '"name":"[a-z-]*","vcpu":0,"kind"' /tmp/demo/doctor.json | sort -u | tr '\n' ' ')" \
	'"name":"legacy-clock","vcpu":0,"kind" "name":"nohz-off","vcpu":0,"kind" '
expect_eq "text report: 3 findings" \
	"$(grep -c '^[0-9]\. [a-z-]*: VM ' /tmp/demo/doctor.txt)" 3
# top --once --cpu of the same window: the three VMs by name, and the one
# whose clock reads go to QEMU (PIO exits to userspace) is the one whose
# host CPU shows VMM time.
cpu() {	# cpu NAME COLUMN: the VM row's value (Guest 1 .. Polling 5)
	awk -v n="$1" -v c="$2" '$2 == n && $1 ~ /^[0-9]+-[0-9]+$/ { print $(2 + c) }' \
		/tmp/demo/top.txt
}
grep -E '^(kvm_exit|kvm_pio|io_exits|halt_exits) ' /tmp/demo/top.txt
grep -A6 '^ Host CPU' /tmp/demo/top.txt
for g in healthy nohz-off legacy-clock; do
	expect_eq "top --cpu: a row for $g" "$(cpu $g 1 | wc -l)" 1
done
expect_eq "top: kvm_exit counted in the window" \
	"$(awk '$1 == "kvm_exit" && $3 > 0' /tmp/demo/top.txt | wc -l)" 1
expect_eq "top --cpu: legacy-clock has the most VMM time" \
	"$(awk -v l="$(cpu legacy-clock 3)" -v n="$(cpu nohz-off 3)" \
	  -v h="$(cpu healthy 3)" 'BEGIN { print (l > n && l > h) }')" 1
