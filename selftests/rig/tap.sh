# SPDX-License-Identifier: GPL-2.0
# In-VM test harness, sourced by /init. Emits unnumbered TAP lines; the
# host (boot.sh) adds its own checks and the plan.

KVMW_TEST_TIMEOUT=${KVMW_TEST_TIMEOUT:-600}

# Kernel log lines that fail a run (the host's boot.sh uses the same list).
KVMW_BAD=/kvmw/dmesg-bad.txt

# Bad lines since line $KVMW_DMESG_FROM of the log (default: all of it).
kvmw_dmesg_bad() {
	dmesg | tail -n +"${KVMW_DMESG_FROM:-1}" | grep -E -f "$KVMW_BAD"
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
	modprobe kvm_amd 2>/dev/null || modprobe kvm_intel
	modprobe kvmwatch
	echo "kernel $(uname -r), $(kvmw_kvm_module), $(nproc) CPUs"
}

kvmw_modules_ok() {
	[ -n "$(kvmw_kvm_module)" ] && grep -q '^kvmwatch ' /proc/modules
}

# Restore the state every test starts from: KVM and kvmwatch loaded.
kvmw_restore() {
	[ -n "$(kvmw_kvm_module)" ] || modprobe kvm_amd 2>/dev/null ||
		modprobe kvm_intel
	grep -q '^kvmwatch ' /proc/modules || modprobe kvmwatch
}

# After every test no VM, vCPU or buffer may remain tracked, and no file
# but the reader's own may be open: the module's leak check.
kvmw_baseline_ok() {
	kvmwatch counters --expect-baseline /kvmw/baseline.json
}

kvmw_run_test() {
	local t=$1 name rc out=/tmp/test.out
	name=$(basename "$t" .sh)
	kvmw_restore >/dev/null 2>&1
	KVMW_DMESG_FROM=$(($(dmesg | wc -l) + 1))
	( cd /tmp && timeout "$KVMW_TEST_TIMEOUT" sh -e "$t" ) >"$out" 2>&1
	rc=$?
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
}
