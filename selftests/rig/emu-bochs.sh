# SPDX-License-Identifier: GPL-2.0
# The rig's bochs back end, sourced by boot.sh: Intel VMX with EPT for
# kvm_intel, which QEMU/TCG cannot give (docs/testing.md, "bochs").
#
# - bochs boots no bzImage: a GRUB ISO (grub-mkrescue) carries the kernel,
#   the initramfs and the command line.
# - The model is a Haswell (corei7_haswell_4770): VMX with EPT, VPID,
#   unrestricted guest and the preemption timer. It reports several cores
#   per package with one CPU, which 6.12's topology parser WARNs about
#   while booting; that WARN, by its exact text in bochs-warnings.txt, is
#   the only one the kernel log checks excuse (known-warn.awk), and only
#   under bochs. panic_on_warn is set by /init once the boot is over.
# - ips matches tsc_early_khz so that the guest's TSC calibration needs no
#   reference timer; the guest's clocks follow emulated instructions, not
#   the host's (clock: sync=none), which keeps runs deterministic.
# - bochs exits with status 1 even after a clean power-off: boot.sh judges
#   by the success marker, as for QEMU.
# - Only one bochs at a time: two on this 2-core host each ran half speed.

KVMW_BOCHS_MODEL=${KVMW_BOCHS_MODEL:-corei7_haswell_4770}
KVMW_BOCHS_IPS=100000000

kvmw_bochs_cmdline() {
	echo "tsc=reliable tsc_early_khz=$((KVMW_BOCHS_IPS / 1000))" \
	     "no_timer_check cryptomgr.notests kvmw.emu=bochs"
}

# kvmw_bochs_run RUNDIR TIMEOUT VMLINUZ INITRD CMDLINE
kvmw_bochs_run() {
	local run=$1 timeout=$2 kernel=$3 initrd=$4 cmdline=$5 iso=$1/iso

	mkdir -p "$iso/boot/grub"
	ln -f "$kernel" "$iso/boot/vmlinuz" 2>/dev/null ||
		cp "$kernel" "$iso/boot/vmlinuz"
	ln -f "$initrd" "$iso/boot/initrd" 2>/dev/null ||
		cp "$initrd" "$iso/boot/initrd"
	cat >"$iso/boot/grub/grub.cfg" <<-CFG
	set timeout=0
	set default=0
	menuentry kvmw {
		linux /boot/vmlinuz $cmdline
		initrd /boot/initrd
	}
	CFG
	if ! grub-mkrescue -o "$run/boot.iso" "$iso" >"$run/grub.log" 2>&1; then
		cat "$run/grub.log" >&2
		return 1
	fi
	rm -rf "$iso"

	# sound: driver=dummy: the default ALSA mixer thread of Debian's
	# bochs 2.7 aborts ("buffer overflow detected") on a host without
	# a sound card. rfb with timeout=0: no GUI, no waiting for a client.
	# Errors not logged: bochs reports every RDMSR of an MSR its model
	# lacks (the kernel probes many), 60 MB in one run.
	cat >"$run/bochsrc" <<-RC
	megs: 1024
	cpu: model=$KVMW_BOCHS_MODEL, count=1, ips=$KVMW_BOCHS_IPS
	romimage: file=/usr/share/bochs/BIOS-bochs-latest
	vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
	ata0-master: type=cdrom, path=$run/boot.iso, status=inserted
	boot: cdrom
	display_library: rfb, options="timeout=0"
	sound: driver=dummy
	com1: enabled=1, mode=file, dev=$run/console.log
	com2: enabled=1, mode=file, dev=$run/tap.log
	com3: enabled=1, mode=file, dev=$run/artifacts.log
	log: $run/bochs.log
	panic: action=fatal
	error: action=ignore
	info: action=ignore
	debug: action=ignore
	clock: sync=none, time0=local
	RC
	# The built-in debugger stops at reset; its command file says go.
	echo c >"$run/bochs.rc"
	timeout --kill-after=10 "$timeout" \
		bochs-bin -q -f "$run/bochsrc" -rc "$run/bochs.rc" \
		>"$run/emu.log" 2>&1
	local rc=$?
	rm -f "$run/boot.iso"
	# Timeouts as timeout(1) reports them; any other status is bochs's
	# own and means nothing (see above).
	case $rc in
	124 | 137) return $rc ;;
	esac
	return 0
}
