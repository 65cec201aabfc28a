# SPDX-License-Identifier: GPL-2.0
# Helpers for the in-VM tests (selftests/vm/*.sh), which run under "sh -e".

# expect_eq WHAT GOT WANT: exact equality or the test fails.
expect_eq() {
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1: got '$2', want '$3'"
		return 1
	fi
	echo "ok: $1 = $3"
}

# counter NAME: one of kvmwatch's live-object counters.
counter() {
	kvmwatch counters --json | sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p"
}

# attach_state: none | partial | full
attach_state() {
	kvmwatch counters --json | sed -n 's/.*"attach_state": *"\([a-z]*\)".*/\1/p'
}

# kvm_stat NAME: KVM's own global debugfs counter (live VMs only).
kvm_stat() {
	cat "/sys/kernel/debug/kvm/$1"
}

loaded() {
	grep -q "^$1 " /proc/modules
}

kvm_vendor_module() {
	if grep -q AuthenticAMD /proc/cpuinfo; then
		echo kvm_amd
	else
		echo kvm_intel
	fi
}
