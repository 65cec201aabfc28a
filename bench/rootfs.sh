#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bench VM's userland: Debian bookworm's linux-perf, trace-cmd, bpftrace,
# python3 (for kvm_stat), busybox, kmod and dash with their whole dependency
# closure, unpacked without root (apt-get download + dpkg-deb -x) and packed
# as an ext4 image (mke2fs -d, no root either). kvm_stat comes from the
# linux-source-6.12 tarball. Nothing per-run lives in the image: kernel
# modules, kvmwatch and the bench scripts come in the initramfs (run.sh),
# so the image is rebuilt only when the package set or versions change.
#
# Usage: rootfs.sh            prints the image's path
# Cache: $KVMW_CACHE/bench/{debs,root,rootfs.img,rootfs.key}
set -euo pipefail
. "$(dirname "$0")/../selftests/rig/lib.sh"

PKGS="linux-perf trace-cmd bpftrace python3 busybox kmod dash"
cache=$KVMW_CACHE/bench
mkdir -p "$cache/debs"

# Dependency closure (Depends and Pre-Depends), real packages only:
# apt-cache prints virtual ones as "<name>" and lists their providers.
closure=$(apt-cache depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances $PKGS |
	grep -E '^[a-z0-9]' | sort -u)
[ -n "$closure" ] || kvmw_die "apt-cache cannot resolve $PKGS (apt-get update?)"
# name=version, the cache key: a changed archive rebuilds the image.
pins=$(apt-cache policy $closure | awk '
	/^[^ ]/ { sub(/:$/, ""); name = $0 }
	/^  Candidate:/ && $2 != "(none)" { print name "=" $2 }')
src=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1) ||
	true
[ -n "$src" ] || kvmw_die "no /usr/src/linux-source-6.12.tar.*: apt-get install linux-source-6.12"
key=$( (echo "$pins"; ls -l "$src"; cat "$0") | sha256sum | cut -c1-16)

img=$cache/rootfs.img
if [ -f "$img" ] && [ "$(cat "$cache/rootfs.key" 2>/dev/null)" = "$key" ]; then
	echo "$img"
	exit 0
fi

deb() {	# the cached .deb of NAME=VERSION (apt escapes ":" as %3a)
	ls "$cache/debs/$(echo "$1" | sed 's/=/_/; s/:/%3a/')"_*.deb 2>/dev/null
}
get=$(for p in $pins; do deb "$p" >/dev/null || echo "$p"; done)
if [ -n "$get" ]; then
	echo "bench: fetching $(echo "$get" | wc -l) packages" >&2
	# As root, apt's download sandbox user could not write the cache.
	sandbox=""
	[ "$(id -u)" != 0 ] || sandbox="-o APT::Sandbox::User=root"
	(cd "$cache/debs" && apt-get download -q $sandbox $get >&2)
fi

root=$cache/root
rm -rf "$root"
mkdir -p "$root"
for p in $pins; do
	dpkg-deb -x "$(deb "$p")" "$root"
done

# What dpkg's maintainer scripts would have done, minus what we do not need.
[ -e "$root/bin/sh" ] || ln -s dash "$root/bin/sh"
mkdir -p "$root/bench/bb"
for a in $("$root/bin/busybox" --list); do
	ln -s /bin/busybox "$root/bench/bb/$a"
done
mkdir -p "$root"/{proc,sys,dev,tmp,run,root,kvmw,lib/modules,var/tmp}
mkdir -p "$root/usr/local/bin"
tar -xOf "$src" --wildcards '*/tools/kvm/kvm_stat/kvm_stat' \
	>"$root/usr/local/bin/kvm_stat"
chmod 755 "$root/usr/local/bin/kvm_stat"
echo "$pins" >"$root/bench/packages.txt"

# ext4 sized to the tree plus 20 % (mke2fs -d needs no root).
kb=$(du -sk "$root" | cut -f1)
rm -f "$img.tmp"
mke2fs -q -F -t ext4 -m 0 -L kvmw-bench -E root_owner=0:0 -d "$root" \
	"$img.tmp" "$((kb * 12 / 10 + 65536))k" >&2
mv "$img.tmp" "$img"
echo "$key" >"$cache/rootfs.key"
echo "$img"
