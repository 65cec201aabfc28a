#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside the test VM (variant "qemu"): two real Linux guests sit
# idle for the same time, one booted normally, one with "nohz=off" (seed
# 002: a guest that keeps its timer tick while idle). kvmwatch counts the
# exits each guest costs the host while idle; KVM's own debugfs counter is
# shown beside it as an independent check.
IDLE=${IDLE:-8}

exits() {
	kvmwatch counters --json | sed -n 's/.*"exits": *\([0-9]*\).*/\1/p'
}

# guest NAME APPEND: boot, wait for it to go idle, measure, wait for the end
guest() {
	log=/tmp/guest-$1.log
	: >"$log"
	qemu-system-x86_64 -enable-kvm -cpu host -smp 1 -m 256 -name "$1" \
		-nodefaults -no-reboot -display none -serial "file:$log" \
		-kernel /kvmw/guest/vmlinuz -initrd /kvmw/guest/initrd \
		-append "console=ttyS0 quiet panic=-1 kvmw.idle=$IDLE $2" &
	pid=$!
	n=0
	until grep -q 'kvmw-guest: up' "$log"; do
		n=$((n + 1))
		if [ $n -gt 600 ] || ! kill -0 $pid 2>/dev/null; then
			echo "guest $1 did not come up:"
			cat "$log"
			exit 1
		fi
		sleep 0.2
	done
	sleep 1
	k0=$(exits)
	d0=$(cat /sys/kernel/debug/kvm/exits)
	sleep 5
	k1=$(exits)
	d1=$(cat /sys/kernel/debug/kvm/exits)
	wait $pid
	printf '%-22s %10d %14d\n' "$1" $(((k1 - k0) / 5)) $(((d1 - d0) / 5))
}

echo
echo "Two idle Linux guests, exits per second over 5 s of idle:"
echo
printf '%-22s %10s %14s\n' "guest" "kvmwatch" "KVM debugfs"
guest "healthy" ""
guest "nohz-off" "nohz=off"
echo
echo "The nohz=off guest keeps its timer tick while idle (HZ=250 here), and"
echo "every tick costs the host VM exits. Seed 002 traced them to TSC_DEADLINE"
echo "MSR writes; the fix is to boot the guest without nohz=off."
echo
kvmwatch counters
