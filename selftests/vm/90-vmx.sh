# SPDX-License-Identifier: GPL-2.0
# Intel VMX at run time (the rig's bochs back end; skipped on AMD): one
# VM of two vCPUs under "kvmwatch stat --json -- COMMAND", every count
# exact against the command's own tally, under the VMX reason names perf
# uses:
# - CPUID, IO_INSTRUCTION, HLT, VMCALL, and IO exits returned to the VMM;
# - MSR_READ and MSR_WRITE as two reasons, each the sum of its MSR rows,
#   and the MSR rows (0x8b:R, 0x6e0:W, the x2APIC ICR 0x830:W, EOI, timer)
#   equal to what the guest did;
# - PREEMPTION_TIMER: one per TSC deadline the guest awaited running;
# - MMIO: the first access to each MMIO page is an EPT_VIOLATION that
#   installs KVM's MMIO SPTE, every later one an EPT_MISCONFIG; the
#   address rows equal the guest's accesses and KVM's mmio_exits;
# - a failed VM entry is counted under its full 32-bit reason,
#   "INVALID_STATE FAILED_VMENTRY" (0x80000021), never as basic reason 33
#   (vmx_bad_entry: RFLAGS with a reserved bit set);
# - the exit event stream shows the same PREEMPTION_TIMER count, the exit
#   qualification (IO port and direction; EPT write access) and the GPA
#   of EPT exits; the halt family one wakeup per HLT and the poll
#   window's first growth.
. /kvmw/vmlib.sh

[ "$(kvm_vendor_module)" = kvm_intel ] ||
	{ echo "not an Intel CPU: the VMX checks need kvm_intel"; exit 77; }
expect_eq "kvm_intel preemption_timer" \
	"$(cat /sys/module/kvm_intel/parameters/preemption_timer)" Y
expect_eq "kvm_intel ept" "$(cat /sys/module/kvm_intel/parameters/ept)" Y

flat=/tmp/stat.flat
MMIO_PAGES=2
CMD="kvmw-guest --vcpus 2 --strict --timeout 300 \
	--cpuid 150 --out 0x80:60 --in 0x71:40 --rdmsr 0x8b:30 \
	--wrmsr 0x6e0:25 --hypercall 20 \
	--mmio-write 0xd0000000:25 --mmio-read 0xd0001000:15 \
	--x2apic-ipi 12 --hlt 10 --spin-tscdl 10:300000"

val() {
	v=$(sed -n "s/^vm0\.$1=//p" /tmp/cmd.out)
	echo "${v:-0}"
}

# stat_run [--event EVENT]: the command under kvmwatch stat, flattened
stat_run() {
	stat_cmd "$@"
	id=$(val id)
	expect_eq "VMs listed" \
		"$(awk -F'\t' '$1 ~ /^vms\[[0-9]+\]\.vm$/ { print $2 }' "$flat" | xargs)" \
		"$id"
	expect_eq "vCPUs with isa VMX" \
		"$(grep -c '\.vcpus\[[0-9]*\]\.isa	VMX$' "$flat")" 2
	for c in decode_errors dropped_reasons negative_time; do
		expect_eq "$c" "$(jvcpus "$id" "counters.$c")" 0
	done
}

stat_run
expect_eq "asked CPUIDs" "$(val op.cpuid)" 300
expect_eq "CPUID" "$(jsum "$id" exits reason CPUID)" "$(val total.cpuid)"
expect_eq "IO_INSTRUCTION" "$(jsum "$id" exits reason IO_INSTRUCTION)" \
	$(($(val total.out) + $(val total.in)))
expect_eq "IO_INSTRUCTION returned to the VMM" \
	"$(jsum "$id" exits reason IO_INSTRUCTION user)" \
	$(($(val out.0x80.user) + $(val out.0xf4.user) + $(val in.0x71.user)))
expect_eq "HLT" "$(jsum "$id" exits reason HLT)" "$(val total.hlt)"
expect_eq "VMCALL" "$(jsum "$id" exits reason VMCALL)" \
	"$(val total.hypercall)"
expect_eq "PREEMPTION_TIMER" "$(jsum "$id" exits reason PREEMPTION_TIMER)" \
	"$(val op.spin-tscdl)"
expect_eq "asked deadlines awaited running" "$(val op.spin-tscdl)" 20
mmio=$(($(val total.mmio_rd) + $(val total.mmio_wr)))
expect_eq "KVM's mmio_exits" "$(val kvm.mmio_exits)" "$mmio"
expect_eq "EPT_MISCONFIG (all MMIO but each page's first)" \
	"$(jsum "$id" exits reason EPT_MISCONFIG)" $((mmio - MMIO_PAGES))
expect_eq "EPT_MISCONFIG returned to the VMM" \
	"$(jsum "$id" exits reason EPT_MISCONFIG user)" $((mmio - MMIO_PAGES))
msr_r=$(jsum "$id" exits reason MSR_READ)
msr_w=$(jsum "$id" exits reason MSR_WRITE)

stat_run --event msr
for k in 0x8b:R 0x6e0:W 0x830:W 0x80b:W 0x838:W 0x832:W; do
	case $k in
	*:R) t=rdmsr.${k%:R} ;;
	*) t=wrmsr.${k%:W} ;;
	esac
	expect_eq "MSR $k" "$(jsum "$id" msr key "$k")" "$(val "$t")"
done
expect_eq "x2APIC ICR writes" "$(val wrmsr.0x830)" 24
sum_r=$(awk -F'\t' '$1 ~ /\.msr\[[0-9]+\]\.key$/ { r = ($2 ~ /:R$/) }
	$1 ~ /\.msr\[[0-9]+\]\.count$/ && r { s += $2 } END { print s + 0 }' "$flat")
sum_w=$(awk -F'\t' '$1 ~ /\.msr\[[0-9]+\]\.key$/ { w = ($2 ~ /:W$/) }
	$1 ~ /\.msr\[[0-9]+\]\.count$/ && w { s += $2 } END { print s + 0 }' "$flat")
expect_eq "MSR_READ = its MSR rows" "$msr_r" "$sum_r"
expect_eq "MSR_WRITE = its MSR rows" "$msr_w" "$sum_w"

stat_run --event mmio
expect_eq "MMIO 0xd0000000:W" "$(jsum "$id" mmio key 0xd0000000:W)" \
	"$(val mmio_wr.0xd0000000)"
expect_eq "MMIO 0xd0001000:R" "$(jsum "$id" mmio key 0xd0001000:R)" \
	"$(val mmio_rd.0xd0001000)"

echo "== failed VM entries: the full exit reason"
rc=0
kvmwatch stat --json -- sh -c 'vmx_bad_entry 7 >/tmp/bad.out' \
	>/tmp/stat.json || rc=$?
cat /tmp/bad.out
expect_eq "exit status" "$rc" 0
stat_flatten
id=$(awk -F'\t' '$1 ~ /^vms\[[0-9]+\]\.vm$/ { print $2 }' "$flat")
# Like perf, an exit counts when its entry closes it: the last failed
# entry of each run is never followed by one (the VMM gives up) and is
# the vCPU's one unfinished exit.
expect_eq "INVALID_STATE FAILED_VMENTRY" \
	"$(jsum "$id" exits reason 'INVALID_STATE FAILED_VMENTRY')" 6
expect_eq "unfinished" "$(jvcpus "$id" unfinished)" 1
expect_eq "its code" \
	"$(jsum "$id" exits reason 'INVALID_STATE FAILED_VMENTRY' code)" \
	$((0x80000021))
expect_eq "rows of basic INVALID_STATE (33)" \
	"$(jsum "$id" exits reason INVALID_STATE)" 0
expect_eq "decode errors" "$(jvcpus "$id" counters.decode_errors)" 0
kvmwatch stat -- sh -c 'vmx_bad_entry 3 >/tmp/bad.out' >/tmp/stat.txt
grep -E 'INVALID_STATE|VM-EXIT' /tmp/stat.txt
expect_eq "text row" \
	"$(awk '$1 == "INVALID_STATE" && $2 == "FAILED_VMENTRY" { print $3 }' /tmp/stat.txt)" 2

echo "== exit events: PREEMPTION_TIMER in the stream"
kvmwatch trace -e exit --json -- \
	sh -c 'kvmw-guest --strict --spin-tscdl 15:300000 >/tmp/cmd.out' \
	>/tmp/trace.json 2>/tmp/trace.err
tail -n 1 /tmp/trace.err
expect_eq "PREEMPTION_TIMER events" \
	"$(grep -c '"reason":"PREEMPTION_TIMER"' /tmp/trace.json)" 15
expect_eq "lost events" \
	"$(sed -n 's/^{"summary":{"events":[0-9]*,"lost":\([0-9]*\),.*/\1/p' /tmp/trace.json)" 0

echo "== exit events: the exit qualification and guest-physical address"
# IO_INSTRUCTION: port in bits 31:16, IN in bit 3, size - 1 in bits 2:0.
# EPT exits: the GPA; an EPT violation's qualification has bit 1 set for
# a write. 0xd0000000 is 3489660928, OUT 0x80 byte: 0x800000 = 8388608.
kvmwatch trace -e exit --json -- \
	sh -c 'kvmw-guest --strict --out 0x80:4 --mmio-write 0xd0000000:5 \
	       >/tmp/cmd.out' >/tmp/trace.json 2>/tmp/trace.err
tail -n 1 /tmp/trace.err
grep '"reason":"IO_INSTRUCTION"' /tmp/trace.json | grep '"key":"0x80:POUT"' |
	head -n 1
expect_eq "IO_INSTRUCTION to 0x80 with qualification 0x800000" \
	"$(grep '"reason":"IO_INSTRUCTION"' /tmp/trace.json |
	   grep -c '"key":"0x80:POUT",.*"info1":8388608,' || true)" 4
expect_eq "EPT_MISCONFIG at GPA 0xd0000000" \
	"$(grep '"reason":"EPT_MISCONFIG"' /tmp/trace.json |
	   grep -c '"info2":3489660928,' || true)" 4
grep '"reason":"EPT_VIOLATION"' /tmp/trace.json |
	grep '"info2":3489660928,' >/tmp/eptv.json || true
expect_eq "EPT_VIOLATION at GPA 0xd0000000 (the first write)" \
	"$(wc -l </tmp/eptv.json)" 1
q=$(sed -n 's/.*"info1":\([0-9]*\),.*/\1/p' /tmp/eptv.json)
expect_eq "its qualification: a write (bit 1)" $(((${q:-0} >> 1) & 1)) 1

echo "== halt events: one wakeup per HLT"
kvmwatch trace -e halt --json -- \
	sh -c 'kvmw-guest --strict --hlt 12:1000000 >/tmp/cmd.out' \
	>/tmp/trace.json 2>/tmp/trace.err
tail -n 1 /tmp/trace.err
expect_eq "HLTs" "$(val total.hlt)" 12
expect_eq "wakeup events" "$(grep -c '^{"event":"wakeup",' /tmp/trace.json)" 12
expect_eq "wakeups with valid=false" \
	"$(grep '^{"event":"wakeup",' /tmp/trace.json | grep -c '"valid":false' || true)" 0

echo "== halt-poll window: grows from 0 to halt_poll_ns_grow_start"
# HLTs of 50 us, under KVM's 200 us halt_poll_ns: a valid wakeup after a
# short block grows the vCPU's poll window, from 0 straight to
# halt_poll_ns_grow_start (KVM's grow_halt_poll_ns()).
start=$(cat /sys/module/kvm/parameters/halt_poll_ns_grow_start)
kvmwatch trace -e halt_poll --json -- \
	sh -c 'kvmw-guest --strict --hlt 12:50000 >/tmp/cmd.out' \
	>/tmp/trace.json 2>/tmp/trace.err
tail -n 1 /tmp/trace.err
grep -m 1 '^{"event":"halt_poll",' /tmp/trace.json
expect_eq "first window change" \
	"$(grep -m 1 '^{"event":"halt_poll",' /tmp/trace.json |
	   sed -n 's/.*"grow":\([a-z]*\),"old_ns":\([0-9]*\),"new_ns":\([0-9]*\).*/\1 \2 \3/p')" \
	"true 0 $start"
