#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Add what nested Linux guests need to an initramfs tree (variant "qemu"):
# qemu-system-x86_64 with its libraries and firmware from the host, and a
# guest: the same kernel with a busybox initramfs whose init reports on the
# guest's serial port and powers off. Tests boot it with kvmw-linux-guest.
#
# Usage: nested.sh RELEASE ROOT
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rel=$1 root=$2
qemu=$(command -v qemu-system-x86_64) || kvmw_die "qemu-system-x86_64 missing"

mkdir -p "$root/usr/bin" "$root/usr/share" "$root/kvmw/guest"
cp "$qemu" "$root/usr/bin/"
# The program's libraries, at the paths the dynamic loader looks for them.
ldd "$qemu" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' |
	while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
# lib64 -> the loader path x86-64 binaries name
mkdir -p "$root/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
mkdir -p "$root/usr/share/qemu" "$root/usr/share/seabios"
cp -L /usr/share/seabios/bios-256k.bin "$root/usr/share/seabios/"
for fw in linuxboot_dma.bin kvmvapic.bin; do
	cp -L "/usr/share/qemu/$fw" "$root/usr/share/qemu/"
done

# The guest: a second, minimal initramfs.
cp "$KVMW_CACHE/kernels/$rel/boot/vmlinuz-$rel" "$root/kvmw/guest/vmlinuz"
g=$(mktemp -d)
mkdir -p "$g"/{bin,proc,sys,dev}
cp /bin/busybox "$g/bin/"
ln -s busybox "$g/bin/sh"
cp "$KVMW_TOP/selftests/rig/guest-init" "$g/init"
chmod +x "$g/init"
(cd "$g" && find . -print0 | cpio --null -o -H newc --quiet) |
	gzip -1 >"$root/kvmw/guest/initrd"
rm -rf "$g"
