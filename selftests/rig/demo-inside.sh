#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside the test VM (variant "qemu"): two real Linux guests sit
# idle for the same time, one booted normally, one with "nohz=off" (seed
# 002: a guest that keeps its timer tick while idle). For each, kvmwatch
# reports over 5 s of idle what its exits were (perf kvm stat's table)
# and which MSRs they wrote; KVM's own debugfs exit counter of the same
# window is shown beside kvmwatch's as an independent check.
IDLE=${IDLE:-8}
WINDOW=5

# guest NAME APPEND: boot, wait for it to go idle, measure, wait for the end
guest() {
	log=/tmp/guest-$1.log
	: >"$log"
	qemu-system-x86_64 -enable-kvm -cpu host -smp 1 -m 256 \
		-name "guest=$1" \
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
	# Two consumers at once, each with its own window: they do not
	# disturb each other.
	d0=$(cat /sys/kernel/debug/kvm/exits)
	kvmwatch stat -p $pid --time $WINDOW --event msr >/tmp/msr-$1.txt &
	kvmwatch stat -p $pid --time $WINDOW >/tmp/stat-$1.txt
	d1=$(cat /sys/kernel/debug/kvm/exits)
	wait $!
	wait $pid
	echo "=== guest $1 ($2), idle, $WINDOW s: kvmwatch stat -p $pid"
	cat /tmp/stat-$1.txt
	echo "=== kvmwatch stat -p $pid --event msr"
	cat /tmp/msr-$1.txt
	k=$(sed -n 's/^Total Samples:\([0-9]*\),.*/\1/p' /tmp/stat-$1.txt)
	printf '%-10s %s\n' "$1" "exits/s: kvmwatch $((k / WINDOW)), KVM debugfs $(((d1 - d0) / WINDOW))" >>/tmp/summary.txt
}

: >/tmp/summary.txt
guest "healthy" ""
guest "nohz-off" "nohz=off"
echo
echo "Exits per second over $WINDOW s of idle (kvmwatch counts timed exits;"
echo "debugfs also counts the one still open at each end of the window):"
cat /tmp/summary.txt
echo
echo "The nohz=off guest keeps its timer tick while idle: every tick is a"
echo "WRMSR of IA32_TSC_DEADLINE (0x6e0) and a HLT, each a VM exit the host"
echo "pays for (seed 002). The fix: boot the guest without nohz=off."
