# SPDX-License-Identifier: GPL-2.0
# "kvmwatch stat --json -- COMMAND": the report lists exactly the VMs the
# command created (through a shell, so by a grandchild), none of a guest
# running beside it from before to after, each gone, with exact counts:
# exit reasons (default event), ports (--event ioport), MSRs (--event
# msr) and MMIO addresses (--event mmio). The expected values are the
# command's own tally (kvmw-guest's output). The report covers each VM's
# whole life, prologue included, so only what the workload library's
# prologue does not do is compared: CPUID, IO, HLT, VMMCALL, the ports,
# MSRs 0x6e0 and 0x8b, the MMIO addresses. The command's exit status is
# kvmwatch's. On AMD SVM (QEMU) and Intel VMX (bochs), with each one's
# reason names as perf prints them.
. /kvmw/vmlib.sh

# No in-kernel irqchip: HLT to userspace, no LAPIC timer.
CMD="kvmw-guest --vms 2 --vcpus 2 --strict --timeout 240 --no-irqchip \
	--on 0 --cpuid 120 \
	--out 0x80:30 --in 0x71:20 --wrmsr 0x6e0:15 --rdmsr 0x8b:5 \
	--hypercall 10 --mmio-write 0xd0000000:12 --mmio-read 0xd0001000:8 \
	--on 1 --hlt 10"
flat=/tmp/stat.flat

# val KEY: the command's tally
val() {
	sed -n "s/^$1=//p" /tmp/cmd.out
}

num() {
	v=$(val "$1")
	echo "${v:-0}"
}

# stat_run [--event EVENT]: run the command under kvmwatch stat
stat_run() {
	stat_cmd "$@"
	ids=$(sed -n 's/^vm[0-9]*\.id=//p' /tmp/cmd.out | sort | xargs)
	listed=$(awk -F'\t' '$1 ~ /^vms\[[0-9]+\]\.vm$/ { print $2 }' "$flat" |
		 sort | xargs)
	expect_eq "VMs listed (the command's two, not $beside_id)" "$listed" "$ids"
	for id in $ids; do
		expect_eq "$id gone" "$(jvm "$id" gone)" true
		expect_eq "$id vCPUs unfinished (their DONE)" \
			"$(jvcpus "$id" unfinished)" 2
		expect_eq "$id vCPUs open" "$(jvcpus "$id" open)" 0
		expect_eq "$id first entries" \
			"$(jvcpus "$id" counters.entry_without_exit)" 2
		for c in exit_without_entry negative_time orphan_events \
			decode_errors dropped_reasons user_without_exit; do
			expect_eq "$id $c" "$(jvcpus "$id" "counters.$c")" 0
		done
	done
}

vm_of() {	# N: the id of the command's vm<N>
	sed -n "s/^vm$1\.id=//p" /tmp/cmd.out
}

rm -f /tmp/beside.out
kvmw-guest --cpuid 5:3 --out 0x84:2 --hlt 2:20000000 --forever \
	>/tmp/beside.out 2>&1 &
beside=$!
trap 'kill $beside 2>/dev/null || true' EXIT
i=0
until grep -q '^vm0\.ready=' /tmp/beside.out; do
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "FAIL: the guest beside never got ready"; exit 1; }
	sleep 0.1
done
beside_id=$(sed -n 's/^vm0\.ready=//p' /tmp/beside.out)
echo "beside: pid $beside, VM $beside_id"

stat_run
for n in 0 1; do
	id=$(vm_of $n)
	expect_eq "$id cpuid" "$(jsum "$id" exits reason "$R_CPUID")" \
		"$(num "vm$n.total.cpuid")"
	expect_eq "$id io" "$(jsum "$id" exits reason "$R_IO")" \
		$(($(num "vm$n.total.out") + $(num "vm$n.total.in")))
	expect_eq "$id hlt" "$(jsum "$id" exits reason "$R_HLT")" \
		"$(num "vm$n.total.hlt")"
	expect_eq "$id hypercall" "$(jsum "$id" exits reason "$R_HCALL")" \
		"$(num "vm$n.total.hypercall")"
	expect_eq "$id io exits returned to the VMM" \
		"$(jsum "$id" exits reason "$R_IO" user)" \
		$(($(num "vm$n.total.out") + $(num "vm$n.total.in")))
	expect_eq "$id cpuid exits returned to the VMM" \
		"$(jsum "$id" exits reason "$R_CPUID" user)" 0
done
expect_eq "asked CPUIDs (vm0)" "$(num vm0.cpuid.0x0)" 120

stat_run --event ioport
for n in 0 1; do
	id=$(vm_of $n)
	expect_eq "$id 0x80:POUT" "$(jsum "$id" ioport key 0x80:POUT)" \
		"$(num "vm$n.out.0x80")"
	expect_eq "$id 0x71:PIN" "$(jsum "$id" ioport key 0x71:PIN)" \
		"$(num "vm$n.in.0x71")"
	expect_eq "$id 0xf4:POUT (READY timed, DONE unfinished)" \
		"$(jsum "$id" ioport key 0xf4:POUT)" "$(num "vm$n.out.0xf4")"
done
expect_eq "asked OUTs to 0x80 (vm0)" "$(num vm0.out.0x80)" 30

stat_run --event msr
for n in 0 1; do
	id=$(vm_of $n)
	expect_eq "$id 0x6e0:W" "$(jsum "$id" msr key 0x6e0:W)" \
		"$(num "vm$n.wrmsr.0x6e0")"
	expect_eq "$id 0x8b:R" "$(jsum "$id" msr key 0x8b:R)" \
		"$(num "vm$n.rdmsr.0x8b")"
done
expect_eq "asked WRMSR 0x6e0 (vm0)" "$(num vm0.wrmsr.0x6e0)" 15

stat_run --event mmio
for n in 0 1; do
	id=$(vm_of $n)
	expect_eq "$id 0xd0000000:W" "$(jsum "$id" mmio key 0xd0000000:W)" \
		"$(num "vm$n.mmio_wr.0xd0000000")"
	expect_eq "$id 0xd0001000:R" "$(jsum "$id" mmio key 0xd0001000:R)" \
		"$(num "vm$n.mmio_rd.0xd0001000")"
done
expect_eq "asked MMIO reads (vm0)" "$(num vm0.mmio_rd.0xd0001000)" 8

echo "== the command's exit status is kvmwatch's; no VM, empty report"
rc=0
kvmwatch stat --json -- sh -c 'exit 3' >/tmp/stat.json || rc=$?
expect_eq "exit status" "$rc" 3
json_flat </tmp/stat.json >"$flat"
expect_eq "VMs listed" "$(grep -c '^vms\[[0-9]*\]\.vm	' "$flat")" 0

# The guest beside ran from before the first command to after the last.
kill -0 $beside
echo "ok: the guest beside still runs"
kill -TERM $beside
rc=0
wait $beside || rc=$?
# Its own tally is not this test's subject.
case $rc in
0) echo "ok: the guest beside stopped on SIGTERM, exact" ;;
1) echo "ok: the guest beside stopped on SIGTERM;" \
	"its own check: $(sed -n 's/^vm0\.why=//p' /tmp/beside.out)" ;;
*) echo "FAIL: the guest beside ended with status $rc"; exit 1 ;;
esac
