# SPDX-License-Identifier: GPL-2.0
# In-VM test harness, sourced by /init. Emits unnumbered TAP lines; the
# host (boot.sh) adds its own checks and the plan.

. /kvmw/vmlib.sh	# kvm_vendor_module

KVMW_TEST_TIMEOUT=${KVMW_TEST_TIMEOUT:-600}

# Kernel log lines that fail a run (the host's boot.sh uses the same list).
KVMW_BAD=/kvmw/dmesg-bad.txt

# The kernel log as judged: under bochs, without the reports of its known
# boot WARNs (exact text, emu-bochs.sh on the host), and nothing else.
kvmw_dmesg_judged() {
	if grep -q 'kvmw\.emu=bochs' /proc/cmdline; then
		dmesg | awk -v known=/kvmw/bochs-warnings.txt \
			-f /kvmw/known-warn.awk
	else
		dmesg
	fi
}

# Bad lines since line $KVMW_DMESG_FROM of the log (default: all of it).
kvmw_dmesg_bad() {
	kvmw_dmesg_judged | tail -n +"${KVMW_DMESG_FROM:-1}" |
		grep -E -f "$KVMW_BAD"
}

kvmw_dmesg_clean() {
	! kvmw_dmesg_bad >/dev/null
}

kvmw_kvm_module() {
	if grep -q '^kvm_amd ' /proc/modules; then
		echo kvm_amd
	elif grep -q '^kvm_intel ' /proc/modules; then
		echo kvm_intel
	fi
}

kvmw_setup() {
	modprobe "$(kvm_vendor_module)"
	modprobe kvmwatch
	echo "kernel $(uname -r), $(kvmw_kvm_module), $(nproc) CPUs"
}

kvmw_modules_ok() {
	[ -n "$(kvmw_kvm_module)" ] && grep -q '^kvmwatch ' /proc/modules
}

# Restore the state every test starts from: KVM and kvmwatch loaded.
kvmw_restore() {
	[ -n "$(kvmw_kvm_module)" ] || modprobe "$(kvm_vendor_module)"
	grep -q '^kvmwatch ' /proc/modules || modprobe kvmwatch
}

# After every test no VM, vCPU or buffer may remain tracked, and no file
# but the reader's own may be open: the module's leak check.
kvmw_baseline_ok() {
	kvmwatch counters --expect-baseline /kvmw/baseline.json
}

# User processes (a kernel thread's /proc/PID/exe leads nowhere).
# Redirect the output of this function to a file: it then forks nothing.
kvmw_pids() {
	for p in /proc/[0-9]*; do
		[ -e "$p/exe" ] && echo "${p#/proc/}"
	done
}

# Kill what a test left running (a guest in the background of a failed
# test would break the next one) and say so: that is a test bug. Not
# busybox timeout's own watchdog of test $1: it polls once a second and
# leaves by itself.
#
# A task with an empty command line is on its way out (its memory is
# gone), not left running. Seen once, after 35-churn under kvm_intel on
# 6.12 (a task of the test's own, probably a VM's NX huge page recovery
# worker, which exits after its VM; kvm_amd runs none).
kvmw_reap() {
	local p cmd left=""
	kvmw_pids >/tmp/pids.after
	for p in $(cat /tmp/pids.after); do
		grep -qx "$p" /tmp/pids.before && continue
		cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
		[ -n "$cmd" ] || continue
		[ "$cmd" = "timeout $KVMW_TEST_TIMEOUT sh -e $1 " ] && continue
		left="$left $p($(echo "$cmd" | cut -c1-40))"
		kill -9 "$p" 2>/dev/null
	done
	[ -z "$left" ] && return 0
	echo "test left processes running, killed:$left"
	sleep 1
	return 1
}

kvmw_run_test() {
	local t=$1 name rc out=/tmp/test.out t0 t1
	name=$(basename "$t" .sh)
	kvmw_restore >/dev/null 2>&1
	KVMW_DMESG_FROM=$(($(kvmw_dmesg_judged | wc -l) + 1))
	kvmw_pids >/tmp/pids.before
	t0=$(date +%s)
	( cd /tmp && timeout "$KVMW_TEST_TIMEOUT" sh -e "$t" ) >"$out" 2>&1
	rc=$?
	t1=$(date +%s)
	if ! kvmw_reap "$t" >>"$out" 2>&1 && [ $rc -eq 0 ]; then
		rc=1
	fi
	kvmw_restore >>"$out" 2>&1
	if [ $rc -eq 0 ] && ! kvmw_baseline_ok >>"$out" 2>&1; then
		echo "live-object counters not back at baseline" >>"$out"
		rc=1
	fi
	if [ $rc -eq 0 ] && ! kvmw_dmesg_clean; then
		echo "kernel log not clean after the test:" >>"$out"
		kvmw_dmesg_bad >>"$out"
		rc=1
	fi
	case $rc in
	0) echo "ok - $name" ;;
	77) echo "ok - $name # SKIP $(tail -n1 "$out")" ;;
	124 | 143) echo "not ok - $name (timed out after ${KVMW_TEST_TIMEOUT}s)" ;;
	*) echo "not ok - $name (exit $rc)" ;;
	esac
	[ $rc -eq 0 ] || sed 's/^/#   /' "$out"
	# Where a boot's time goes (the VM's clock: TCG runs it about as
	# fast as the host's).
	echo "# $name: $((t1 - t0)) s"
}
