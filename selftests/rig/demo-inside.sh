#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, inside the test VM (variant "qemu", one CPU): three real Linux
# guests, booted one after another and then left idle side by side:
#   healthy       the distribution kernel as it boots by default
#   nohz-off      booted with nohz=off: it keeps its timer tick while
#                 idle (seed 002)
#   legacy-clock  booted with clocksource=acpi_pm nohz=off: every clock
#                 read is an IN from the ACPI PM timer port, the Linux
#                 twin of seed 001's Windows guest without HPET
# kvmwatch doctor then watches all of them for one window and says which
# guest is sick and why; kvmwatch top --once shows the same window the
# kvm_stat way. KVM's own debugfs exit counter is shown beside kvmwatch's
# as an independent check.
#
# Results are also left in /tmp/demo/ (doctor.json, doctor.txt, top.txt,
# pids) for selftests/vm/55-demo.sh, which asserts on them.
WINDOW=${WINDOW:-5}
# Each guest idles long enough for the later ones to boot and for the
# window; the demo powers them off itself when it is done.
IDLE=600
out=/tmp/demo
rm -rf "$out"
mkdir -p "$out"

# boot NAME APPEND: start a guest, wait until its init reports
boot() {
	log=$out/guest-$1.log
	: >"$log"
	qemu-system-x86_64 -enable-kvm -cpu host -smp 1 -m 256 \
		-name "guest=$1" \
		-nodefaults -no-reboot -display none -serial "file:$log" \
		-kernel /kvmw/guest/vmlinuz -initrd /kvmw/guest/initrd \
		-append "console=ttyS0 quiet panic=-1 kvmw.idle=$IDLE $2" \
		2>"$out/qemu-$1.err" &
	pid=$!
	echo "$1 $pid" >>"$out/pids"
	n=0
	until grep -q 'kvmw-guest: up' "$log"; do
		n=$((n + 1))
		if [ $n -gt 900 ] || ! kill -0 $pid 2>/dev/null; then
			echo "guest $1 did not come up:"
			cat "$log"
			return 1
		fi
		sleep 0.2
	done
	printf '%-13s pid %-5s %s\n' "$1" "$pid" \
		"$(tr -d '\r' <"$log" | sed -n 's/^kvmw-guest: up //p')"
}

stop_all() {
	while read -r name pid; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done <"$out/pids"
}

echo "Booting three Linux guests under kvm_amd, one after another:"
boot healthy "" || { stop_all; exit 1; }
boot nohz-off "nohz=off" || { stop_all; exit 1; }
boot legacy-clock "clocksource=acpi_pm nohz=off" || { stop_all; exit 1; }
# Let the last boot's work settle: the window is steady-state idle.
sleep 2

echo
echo "=== kvmwatch doctor --all --time $WINDOW"
d0=$(cat /sys/kernel/debug/kvm/exits)
# Three consumers at once, each with its own window and baseline: they
# do not disturb each other.
kvmwatch doctor --all --time "$WINDOW" --json >"$out/doctor.json" &
j=$!
kvmwatch top --once --set-delay "$WINDOW" --skip-zero-records --cpu \
	>"$out/top.txt" 2>&1 &
t=$!
kvmwatch doctor --all --time "$WINDOW" >"$out/doctor.txt"
rc=$?
d1=$(cat /sys/kernel/debug/kvm/exits)
wait $j || rc=1
wait $t || rc=1
cat "$out/doctor.txt"
echo
echo "=== kvmwatch top --once --set-delay $WINDOW --skip-zero-records --cpu"
cat "$out/top.txt"
stop_all
echo
k=$(sed -n 's/^kvm_exit  *[0-9]*  *\([0-9]*\)$/\1/p' "$out/top.txt")
echo "Exits per second of the three guests over the window: kvmwatch top"
echo "$((${k:-0} / WINDOW)), KVM's own debugfs counter $(((d1 - d0) / WINDOW)) (read around"
echo "doctor's window, so a little wider)."
cat <<'EOF'

What you just saw
-----------------
Three idle Linux guests ran side by side on this (nested) KVM host.
kvmwatch watched them for a few seconds from tracepoints inside the
kernel (no BPF, no debugfs) and diagnosed two of them:

- nohz-off keeps its periodic timer tick while idle. Every tick is a
  WRMSR of IA32_TSC_DEADLINE and a HLT: two VM exits the host pays for,
  hundreds of times a second per vCPU (seed 002). Fix: boot the guest
  without nohz=off.
- legacy-clock reads its clock from the ACPI PM timer port: every clock
  read is an IO exit to the VMM (seed 001, the Windows guest without
  HPET burning 130% of a host CPU). Fix: kvm-clock for Linux, HPET or
  Hyper-V enlightenments for Windows. It keeps its tick too (nohz=off).
- healthy got no finding: an idle guest with a good clocksource and a
  tickless kernel costs the host almost nothing.

The top view is kvm_stat's: each event with its total and rate, and the
host CPU of each guest split into guest time, exit handling, VMM
userspace, halted and polling. Try them on your own host:
  kvmwatch doctor --all     kvmwatch top     kvmwatch stat -p PID
EOF
exit $rc
