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

# Exit reason names as kvmwatch (and perf) prints them for this CPU's KVM:
# AMD SVM under QEMU, Intel VMX under bochs. R_ISA is the "isa" of JSON
# output, C_IO the IO exit's code (SVM_EXIT_IOIO, EXIT_REASON_IO_INSTRUCTION).
if [ "$(kvm_vendor_module)" = kvm_intel ]; then
	R_CPUID=CPUID R_IO=IO_INSTRUCTION R_HLT=HLT R_HCALL=VMCALL
	R_ISA=VMX C_IO=30
else
	R_CPUID=cpuid R_IO=io R_HLT=hlt R_HCALL=hypercall
	R_ISA=SVM C_IO=123
fi

# Readers of "kvmwatch stat --json" output flattened by json_flat into
# $flat (default /tmp/stat.flat): "path<TAB>value" lines.
# jsum VMID LIST FIELD VALUE [SUMMED]: sum of SUMMED (count) over the
# entries of the arrays named LIST whose FIELD is VALUE, within VM VMID
# (all its vCPUs)
jsum() {
	awk -F'\t' -v id="$1" -v list="$2" -v field="$3" -v want="$4" \
	    -v what="${5:-count}" '
	$1 ~ /^vms\[[0-9]+\]\.vm$/ { cur = $2; next }
	cur != id { next }
	{
		n = split($1, seg, ".")
		obj = seg[n - 1]
		sub(/\[[0-9]+\]$/, "", obj)
		if (obj != list)
			next
		key = $1
		sub(/\.[^.]*$/, "", key)
		if (seg[n] == field)
			f[key] = $2
		if (seg[n] == what && f[key] == want)
			s += $2
	}
	END { print s + 0 }' "${flat:-/tmp/stat.flat}"
}

# jvcpus VMID PATH: sum of vcpus[*].PATH within VM VMID
jvcpus() {
	awk -F'\t' -v id="$1" -v name="$2" '
	$1 ~ /^vms\[[0-9]+\]\.vm$/ { cur = $2; next }
	cur == id && $1 ~ ("^vms\\[[0-9]+\\]\\.vcpus\\[[0-9]+\\]\\." name "$") {
		s += $2
	}
	END { print s + 0 }' "${flat:-/tmp/stat.flat}"
}

# jvm VMID FIELD: a field of VM VMID
jvm() {
	awk -F'\t' -v id="$1" -v name="$2" '
	$1 ~ /^vms\[[0-9]+\]\.vm$/ { cur = $2; next }
	cur == id && $1 ~ ("^vms\\[[0-9]+\\]\\." name "$") { print $2 }' "${flat:-/tmp/stat.flat}"
}

# stat_cmd [STAT-OPTIONS]: run $CMD (kvmw-guest ..., its tally into
# /tmp/cmd.out) under "kvmwatch stat --json -- sh -c", require both exit
# statuses 0 and the guests exact, and flatten the report (stat_flatten;
# histograms and RIPs are left out: awk is slow on them).
stat_cmd() {
	echo "== kvmwatch stat --json $* -- sh -c 'kvmw-guest ...'"
	rc=0
	kvmwatch stat --json "$@" -- sh -c "$CMD >/tmp/cmd.out; exit \$?" \
		>/tmp/stat.json || rc=$?
	expect_eq "kvmwatch's exit status (the command's)" "$rc" 0
	grep -q '^result=ok' /tmp/cmd.out ||
		{ cat /tmp/cmd.out; echo "FAIL: the command's guests"; return 1; }
	stat_flatten
}

# stat_flatten: /tmp/stat.json into $flat, without histograms and RIPs
stat_flatten() {
	json_flat </tmp/stat.json | grep -v -e '\.hist\[' -e '\.rips\[' \
		>"${flat:-/tmp/stat.flat}"
}
