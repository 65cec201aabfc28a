# SPDX-License-Identifier: GPL-2.0
# kvmwatch loads and unloads in every order with kvm/kvm_amd, with and
# without guests running, attaching by name each time kvm.ko comes back.
. /kvmw/vmlib.sh
vendor=$(kvm_vendor_module)

expect_attached() {	# STATE TRACEPOINTS KPROBES
	expect_eq "attach state" "$(attach_state)" "$1"
	expect_eq "tracepoints attached" "$(counter tracepoints)" "$2"
	expect_eq "kprobes registered" "$(counter kprobes)" "$3"
}

# No symbol of kvm.ko is referenced: no module dependency.
expect_eq "modinfo depends" "$(modinfo -F depends kvmwatch)" ""

echo "== kvmwatch first, then kvm"
rmmod kvmwatch
rmmod "$vendor" kvm
modprobe kvmwatch
expect_attached none 0 0
modprobe "$vendor"
expect_attached full 2 4
expect_eq "kvm loads seen" "$(counter kvm_loads)" 1
kvmw-guest --cpuid 1000 >/dev/null
expect_eq "vms after guest" "$(counter vms)" 0
expect_eq "vcpus after guest" "$(counter vcpus)" 0
expect_eq "untracked" "$(counter untracked)" 0

echo "== rmmod kvm_amd kvm under kvmwatch, then reload kvm"
rmmod "$vendor" kvm
expect_attached none 0 0
expect_eq "kvm unloads seen" "$(counter kvm_unloads)" 1
modprobe "$vendor"
expect_attached full 2 4
expect_eq "kvm loads seen" "$(counter kvm_loads)" 2
kvmw-guest --cpuid 1000 >/dev/null

echo "== kvmwatch after kvm"
rmmod kvmwatch
modprobe kvmwatch
expect_attached full 2 4

echo "== kvmwatch unloaded and reloaded 10 times under a running guest"
kvmw-guest --cpuid 100 --duration 30 >/tmp/loop.out 2>&1 &
guest=$!
sleep 1
i=0
while [ $i -lt 10 ]; do
	rmmod kvmwatch
	modprobe kvmwatch
	expect_attached full 2 4 >/dev/null
	i=$((i + 1))
done
echo "ok: 10 reloads under a running guest"
kill -TERM $guest
wait $guest || { cat /tmp/loop.out; exit 1; }

echo "== a guest started after the reload is fully tracked"
rmmod kvmwatch
modprobe kvmwatch
kvmw-guest --cpuid 500 >/dev/null
expect_eq "untracked" "$(counter untracked)" 0
expect_eq "vms after guest" "$(counter vms)" 0
