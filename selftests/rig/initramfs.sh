#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs for one kernel release:
#   /init                   the rig's init (selftests/rig/init)
#   /bin                    busybox-static and its applets
#   /lib/modules/REL        kvm, kvm_amd, kvm_intel and their dependencies,
#                           kvmwatch.ko and kvmw_fault.ko, with modules.dep
#   /kvmw/bin               tools/build/* and selftests/build/*
#   /kvmw/vm                the in-VM tests (selftests/vm/*)
# Variant "qemu" adds qemu-system-x86_64, its libraries and firmware, and a
# guest kernel + initramfs, for tests that boot real nested Linux guests.
#
# Usage: initramfs.sh RELEASE VARIANT OUTPUT.cpio
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rel=$1 variant=$2 out=$3
kroot=$KVMW_CACHE/kernels/$rel
kbuild=$KVMW_CACHE/build/$rel
[ -f "$kroot/.done" ] || kvmw_die "kernel $rel not fetched"
[ -f "$kbuild/src/kvmwatch.ko" ] || kvmw_die "kvmwatch.ko not built for $rel"

root=$(mktemp -d "$KVMW_CACHE/initramfs.XXXXXX")
chmod 755 "$root"	# mktemp makes it 0700: / must be searchable
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,root,kvmw/bin,kvmw/vm}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# Kernel modules: the KVM stack's dependency closure, decompressed so
# busybox's modprobe needs no decompressor.
[ -f "$kroot/lib/modules/$rel/modules.dep" ] || /sbin/depmod -b "$kroot" "$rel"
mdir=$root/lib/modules/$rel
mkdir -p "$mdir"
closure() {
	local name=$1
	awk -v m="$name" -F': ' '
		{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n) }
		n == m { print $1; if ($2 != "") print $2 }
	' "$kroot/lib/modules/$rel/modules.dep" | tr ' ' '\n'
}
for m in kvm_amd kvm_intel; do closure "$m"; done | sort -u | while read -r ko; do
	[ -n "$ko" ] || continue
	mkdir -p "$mdir/$(dirname "$ko")"
	case "$ko" in
	*.xz) xz -dc "$kroot/lib/modules/$rel/$ko" >"$mdir/${ko%.xz}" ;;
	*.zst) zstd -qdc "$kroot/lib/modules/$rel/$ko" >"$mdir/${ko%.zst}" ;;
	*) cp "$kroot/lib/modules/$rel/$ko" "$mdir/$ko" ;;
	esac
done
cp "$kroot/lib/modules/$rel"/modules.{builtin,builtin.modinfo,order} "$mdir/"
mkdir -p "$mdir/extra"
cp "$kbuild/src/kvmwatch.ko" "$kbuild/fault/kvmw_fault.ko" "$mdir/extra/"
/sbin/depmod -b "$root" "$rel"

cp "$KVMW_TOP/selftests/rig/init" "$root/init"
cp "$KVMW_TOP"/selftests/rig/{tap.sh,vmlib.sh,dmesg-bad.txt} "$root/kvmw/"
cp "$KVMW_TOP"/selftests/rig/{known-warn.awk,bochs-warnings.txt} "$root/kvmw/"
cp "$KVMW_TOP"/selftests/rig/demo-inside.sh "$root/kvmw/demo.sh"
for d in tools/build selftests/build; do
	if [ -d "$KVMW_TOP/$d" ]; then
		find "$KVMW_TOP/$d" -maxdepth 1 -type f -perm -u+x \
			-exec cp {} "$root/kvmw/bin/" \;
	fi
done
cp "$KVMW_TOP"/selftests/vm/* "$root/kvmw/vm/" 2>/dev/null || true
chmod +x "$root/init"

# tmux, for the pseudo-terminal test of "kvmwatch top" (82-top.sh): the
# program, its libraries (as nested.sh copies qemu's), its locale, and
# the terminal descriptions tmux (of TERM=linux, the console's) and the
# static kvmwatch look up at ncurses' built-in path /lib/terminfo (no
# TERMINFO needed).
if tmux=$(command -v tmux); then
	mkdir -p "$root/usr/bin" "$root/lib64"
	cp "$tmux" "$root/usr/bin/"
	ldd "$tmux" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' |
		while read -r lib; do
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
	# tmux refuses to start without a UTF-8 locale: glibc's C.UTF-8
	if [ -d /usr/lib/locale/C.utf8 ]; then
		mkdir -p "$root/usr/lib/locale"
		cp -a /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
	fi
	for t in l/linux s/screen t/tmux t/tmux-256color x/xterm; do
		for d in /lib/terminfo /usr/share/terminfo; do
			if [ -f "$d/$t" ]; then
				mkdir -p "$root/lib/terminfo/${t%/*}"
				cp -L "$d/$t" "$root/lib/terminfo/$t"
				break
			fi
		done
	done
fi

if [ "$variant" = qemu ]; then
	"$KVMW_TOP/selftests/rig/nested.sh" "$rel" "$root"
fi

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
