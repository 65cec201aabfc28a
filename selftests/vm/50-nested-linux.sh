# SPDX-License-Identifier: GPL-2.0
# A real Linux guest boots nested under kvm_amd (variant "qemu" only) and
# "kvmwatch stat -- qemu ..." sees the whole life of its VM: its boot's
# IO, NPT faults, MSR writes and HLTs, every exit on a tracked vCPU.
# (KVM's debugfs totals cannot check the count here: they cover live VMs
# only, and the VM is gone when stat reports. 20-exits-vs-kvm and
# 55-demo compare with KVM's own counters.)
[ -x /usr/bin/qemu-system-x86_64 ] || { echo "not the qemu variant"; exit 77; }
. /kvmw/vmlib.sh

u0=$(counter untracked)
rc=0
# No timeout(1) around QEMU: busybox's leaves a watchdog process behind
# for up to a second; the harness's own test timeout covers a hang.
kvmwatch stat -- qemu-system-x86_64 -enable-kvm -cpu host \
	-smp 1 -m 256 -nodefaults -no-reboot -display none \
	-serial file:/tmp/guest.log \
	-kernel /kvmw/guest/vmlinuz -initrd /kvmw/guest/initrd \
	-append "console=ttyS0 panic=-1 quiet kvmw.idle=2" \
	>/tmp/stat.txt 2>/tmp/stat.err || rc=$?
tr -d '\r' </tmp/guest.log | grep '^kvmw-guest:'
grep -E '^ +(hlt|msr write|io|npf) |^Total' /tmp/stat.txt
expect_eq "stat -- qemu exit status" "$rc" 0
expect_eq "guest finished" "$(grep -c 'kvmw-guest: done' /tmp/guest.log)" 1
for reason in io npf "msr write" hlt; do
	expect_eq "a '$reason' row" \
		"$(grep -cE "^ +$reason +[1-9][0-9]* " /tmp/stat.txt)" 1
done
k=$(sed -n 's/^Total Samples:\([0-9]*\),.*/\1/p' /tmp/stat.txt)
echo "exits: $k"
[ "$k" -gt 10000 ] || { echo "FAIL: a Linux boot takes more than 10000 exits"; exit 1; }
expect_eq untracked "$(($(counter untracked) - u0))" 0
