# SPDX-License-Identifier: GPL-2.0
# A real Linux guest boots nested under kvm_amd (variant "qemu" only) and
# kvmwatch sees its exits on tracked vCPUs, with nothing untracked.
[ -x /usr/bin/qemu-system-x86_64 ] || { echo "not the qemu variant"; exit 77; }
. /kvmw/vmlib.sh

before=$(counter exits)
rc=0
timeout 240 qemu-system-x86_64 -enable-kvm -cpu host -smp 1 -m 256 \
	-nodefaults -no-reboot -display none -serial stdio \
	-kernel /kvmw/guest/vmlinuz -initrd /kvmw/guest/initrd \
	-append "console=ttyS0 panic=-1 quiet kvmw.idle=2" >/tmp/guest.log 2>&1 ||
	rc=$?
after=$(counter exits)
echo "qemu exit status $rc; guest output:"
tr -d '\r' </tmp/guest.log | tail -n 30
grep -q 'kvmw-guest: done' /tmp/guest.log
echo "kvmwatch counted $((after - before)) exits"
[ $((after - before)) -gt 1000 ]
expect_eq untracked "$(counter untracked)" 0
