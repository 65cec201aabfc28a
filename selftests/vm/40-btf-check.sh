# SPDX-License-Identifier: GPL-2.0
# kvmwatch check: on Debian's kernels every assumption the module makes
# about KVM (the six tracepoint prototypes, the VMCB pointer's offset in
# struct vcpu_svm, the size of struct kvm_vcpu, the VMCB fields) holds
# against the running kernel's BTF, and none is unverifiable. Debian ships
# BTF for kvm and kvm_amd: a missing /sys/kernel/btf file fails the test.
. /kvmw/vmlib.sh

grep -q AuthenticAMD /proc/cpuinfo ||
	{ echo "not an AMD CPU: the vcpu_svm checks need kvm_amd"; exit 77; }
modprobe kvm_amd
loaded kvmwatch || modprobe kvmwatch

for f in vmlinux kvm kvm_amd; do
	if [ ! -s "/sys/kernel/btf/$f" ]; then
		echo "FAIL: no /sys/kernel/btf/$f on $(uname -r); present:"
		ls /sys/kernel/btf | head -n 20
		exit 1
	fi
	echo "ok: /sys/kernel/btf/$f, $(wc -c <"/sys/kernel/btf/$f") bytes"
done

echo "== kvmwatch check"
rc=0
kvmwatch check >/tmp/check.out 2>/tmp/check.err || rc=$?
cat /tmp/check.out /tmp/check.err
expect_eq "exit status" "$rc" 0
expect_eq "lines not ok" \
	"$(grep -cv -e '^ok  ' -e '^summary: ' /tmp/check.out)" 0
expect_eq "summary" "$(tail -n 1 /tmp/check.out)" \
	"summary: 14 ok, 0 MISMATCH, 0 unverifiable"
expect_eq "standard error" "$(cat /tmp/check.err)" ""

echo "== kvmwatch check --json"
kvmwatch check --json >/tmp/check.json
sed -n 's/.*\("module":{[^}]*}\).*/\1/p' /tmp/check.json
expect_eq "JSON result" \
	"$(sed -n 's/^{"result":"\([a-z]*\)".*/\1/p' /tmp/check.json)" ok
off=$(sed -n 's/.*"svm_vmcb_offset":\([0-9]*\).*/\1/p' /tmp/check.json)
size=$(sed -n 's/.*"kvm_vcpu_size":\([0-9]*\).*/\1/p' /tmp/check.json)
[ -n "$off" ] || { echo "FAIL: no svm_vmcb_offset in the JSON"; exit 1; }
# The VMCB pointer follows struct kvm_vcpu (pointer-aligned).
expect_eq "svm_vmcb_offset" "$off" "$(( (size + 7) / 8 * 8 ))"

# The same BTF copied elsewhere, then damaged: the check is not vacuous.
echo "== --btf-dir with copies of /sys/kernel/btf"
rm -rf /tmp/btf
mkdir /tmp/btf
cp /sys/kernel/btf/vmlinux /sys/kernel/btf/kvm /sys/kernel/btf/kvm_amd /tmp/btf/
kvmwatch check --btf-dir /tmp/btf >/tmp/check.out
expect_eq "copies: summary" "$(tail -n 1 /tmp/check.out)" \
	"summary: 14 ok, 0 MISMATCH, 0 unverifiable"

head -c 1000 /sys/kernel/btf/kvm >/tmp/btf/kvm
rc=0
kvmwatch check --btf-dir /tmp/btf >/tmp/check.out 2>&1 || rc=$?
grep 'tracepoint kvm_exit' /tmp/check.out
expect_eq "truncated kvm BTF: exit status" "$rc" 1
expect_eq "truncated kvm BTF: checks on it" \
	"$(grep -c '^unverifiable .*beyond the' /tmp/check.out)" 7

cp /sys/kernel/btf/kvm /tmp/btf/kvm
rm /tmp/btf/kvm_amd
rc=0
kvmwatch check --btf-dir /tmp/btf >/tmp/check.out 2>&1 || rc=$?
expect_eq "no kvm_amd BTF: exit status" "$rc" 0
expect_eq "no kvm_amd BTF: summary" \
	"$(grep '^summary: ' /tmp/check.out)" \
	"summary: 7 ok, 0 MISMATCH, 7 unverifiable"
rm -rf /tmp/btf

echo "== the module unreachable"
rc=0
kvmwatch check --device /dev/null >/tmp/check.out 2>&1 || rc=$?
grep 'vcpu_svm.vmcb' /tmp/check.out
expect_eq "no module values: exit status" "$rc" 0
expect_eq "no module values: summary" "$(grep '^summary: ' /tmp/check.out)" \
	"summary: 12 ok, 0 MISMATCH, 2 unverifiable"

echo "== kvm_amd unloaded"
rmmod kvm_amd
rc=0
kvmwatch check >/tmp/check.out 2>&1 || rc=$?
modprobe kvm_amd
grep 'vcpu_svm.vmcb' /tmp/check.out
expect_eq "kvm_amd unloaded: exit status" "$rc" 0
expect_eq "kvm_amd unloaded: reason" \
	"$(grep -c '^unverifiable .*: kvm_amd not loaded$' /tmp/check.out)" 7
