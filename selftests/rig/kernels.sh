#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Resolve the current Debian 6.1 and 6.12 kernel ABIs from apt, fetch their
# images and modules once into the cache, and install the matching headers.
# ABIs are never hard-coded: old ones vanish from the archive.
#
# Usage: kernels.sh resolve          print "<series> <release>" lines
#        kernels.sh fetch [SERIES..] unpack images into $KVMW_CACHE/kernels/
set -euo pipefail

: "${KVMW_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/kvmwatch}"

resolve_61() {
	# The metapackage always points at the current 6.1 ABI.
	apt-cache depends linux-headers-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-headers-\(6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' |
		head -n1
}

resolve_612() {
	# Newest 6.12 release for which both headers and unsigned image exist.
	local rel
	for rel in $(apt-cache pkgnames linux-headers-6.12. 2>/dev/null |
		     sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb[0-9]*-amd64\)$/\1/p' |
		     sort -rV); do
		if apt-cache show "linux-image-$rel-unsigned" >/dev/null 2>&1; then
			echo "$rel"
			return
		fi
	done
}

resolve() {
	local r61 r612
	r61=$(resolve_61)
	r612=$(resolve_612)
	if [ -z "$r61" ] || [ -z "$r612" ]; then
		echo "kernels.sh: cannot resolve Debian kernels from apt (run apt-get update?)" >&2
		exit 1
	fi
	echo "6.1 $r61"
	echo "6.12 $r612"
}

fetch_one() {
	local rel=$1 dir="$KVMW_CACHE/kernels/$1" tmp
	if [ ! -f "$dir/.done" ]; then
		tmp=$(mktemp -d "$KVMW_CACHE/dl.XXXXXX")
		(cd "$tmp" && apt-get download -q "linux-image-$rel-unsigned" >&2)
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$tmp"/linux-image-*.deb "$dir"
		rm -rf "$tmp"
		touch "$dir/.done"
	fi
	if [ ! -e "/lib/modules/$rel/build/Makefile" ]; then
		if [ "$(id -u)" != 0 ]; then
			echo "kernels.sh: linux-headers-$rel is missing; install it as root" >&2
			exit 1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"linux-headers-$rel" >&2
	fi
	echo "$dir"
}

cmd=${1:-resolve}
shift || true
case "$cmd" in
resolve)
	resolve
	;;
fetch)
	mkdir -p "$KVMW_CACHE/kernels"
	want=" ${*:-6.1 6.12} "
	resolve | while read -r series rel; do
		case "$want" in *" $series "*) fetch_one "$rel" >/dev/null ;; esac
	done
	;;
*)
	echo "usage: $0 resolve | fetch [SERIES...]" >&2
	exit 2
	;;
esac
