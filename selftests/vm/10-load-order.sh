# SPDX-License-Identifier: GPL-2.0
# kvmwatch loads and unloads in every order with kvm/kvm_amd, with and
# without guests running, attaching by name each time kvm.ko comes back.
# The lifetime kprobes (4) are attached whenever kvm.ko is; the exit
# tracepoints (6: kvm_exit, kvm_entry, kvm_msr, kvm_pio, kvm_mmio,
# kvm_userspace_exit) only while some file has statistics enabled, or
# always with always_on=1.
. /kvmw/vmlib.sh
vendor=$(kvm_vendor_module)
TPS=6

expect_attached() {	# STATE TRACEPOINTS KPROBES
	expect_eq "attach state" "$(attach_state)" "$1"
	expect_eq "tracepoints attached" "$(counter tracepoints)" "$2"
	expect_eq "kprobes registered" "$(counter kprobes)" "$3"
}

# jcounter FILE NAME: a counter from saved "kvmwatch counters --json"
jcounter() {
	sed -n "s/.*\"$2\": *\([0-9]*\).*/\1/p" "$1"
}

# No symbol of kvm.ko is referenced: no module dependency.
expect_eq "modinfo depends" "$(modinfo -F depends kvmwatch)" ""

echo "== kvmwatch first, then kvm"
rmmod kvmwatch
rmmod "$vendor" kvm
modprobe kvmwatch
expect_attached none 0 0
modprobe "$vendor"
expect_attached full 0 4
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
expect_attached full 0 4
expect_eq "kvm loads seen" "$(counter kvm_loads)" 2
kvmw-guest --cpuid 1000 >/dev/null

echo "== kvmwatch after kvm"
rmmod kvmwatch
modprobe kvmwatch
expect_attached full 0 4

echo "== kvmwatch unloaded and reloaded 10 times under a running guest"
kvmw-guest --cpuid 100 --duration 30 >/tmp/loop.out 2>&1 &
guest=$!
sleep 1
i=0
while [ $i -lt 10 ]; do
	rmmod kvmwatch
	modprobe kvmwatch
	expect_attached full 0 4 >/dev/null
	i=$((i + 1))
done
echo "ok: 10 reloads under a running guest"
kill -TERM $guest
wait $guest || { cat /tmp/loop.out; exit 1; }

echo "== a guest started after the reload is fully tracked"
rmmod kvmwatch
modprobe kvmwatch
stats_hold -- kvmw-guest --cpuid 500 >/dev/null
expect_eq "untracked" "$(counter untracked)" 0
expect_eq "vms after guest" "$(counter vms)" 0

echo "== a stats consumer attaches the exit probes, also across kvm reloads"
expect_eq "stats consumers" "$(counter stats_consumers)" 0
exits0=$(counter exits)
stats_hold -- sh -ec "
	kvmwatch counters --json >/tmp/held1.json
	kvmw-guest --cpuid 200 >/dev/null
	rmmod $vendor kvm
	kvmwatch counters --json >/tmp/held2.json
	modprobe $vendor
	kvmwatch counters --json >/tmp/held3.json
	kvmw-guest --cpuid 200 >/dev/null
	kvmwatch counters --json >/tmp/held4.json"
expect_eq "held: stats consumers" "$(jcounter /tmp/held1.json stats_consumers)" 1
expect_eq "held: tracepoints" "$(jcounter /tmp/held1.json tracepoints)" $TPS
expect_eq "held: kprobes" "$(jcounter /tmp/held1.json kprobes)" 4
expect_eq "held, kvm unloaded: tracepoints" \
	"$(jcounter /tmp/held2.json tracepoints)" 0
expect_eq "held, kvm unloaded: kprobes" "$(jcounter /tmp/held2.json kprobes)" 0
expect_eq "held, kvm back: tracepoints" \
	"$(jcounter /tmp/held3.json tracepoints)" $TPS
expect_eq "held, kvm back: kprobes" "$(jcounter /tmp/held3.json kprobes)" 4
expect_eq "held: untracked" "$(jcounter /tmp/held4.json untracked)" 0
# Two guests of CPUID 200 and more: the exits were counted while held.
[ $(($(jcounter /tmp/held4.json exits) - exits0)) -ge 400 ] ||
	{ echo "FAIL: exits counted while held: $(jcounter /tmp/held4.json exits) - $exits0"; exit 1; }
echo "ok: exits counted while held"
expect_attached full 0 4
expect_eq "stats consumers after" "$(counter stats_consumers)" 0
exits1=$(counter exits)
kvmw-guest --cpuid 200 >/dev/null
expect_eq "no consumer: no exit counted" "$(counter exits)" "$exits1"

echo "== always_on=1: the exit probes from load, with no consumer"
rmmod kvmwatch
modprobe kvmwatch always_on=1
expect_attached full $TPS 4
exits2=$(counter exits)
kvmw-guest --cpuid 200 >/dev/null
[ $(($(counter exits) - exits2)) -ge 200 ] ||
	{ echo "FAIL: always_on: $(counter exits) - $exits2 exits counted"; exit 1; }
echo "ok: always_on: exits counted with no consumer"
expect_eq "always_on: entries = exits" "$(counter entries)" "$(counter exits)"
expect_eq "always_on: untracked" "$(counter untracked)" 0
rmmod kvmwatch
modprobe kvmwatch
expect_attached full 0 4
