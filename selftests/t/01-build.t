#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds and packaging, on the host: checkpatch, and for both Debian kernels
# W=1 warning-free, no dependency on kvm.ko, probes typed like KVM's
# tracepoints (protocheck.sh), "make install" into DESTDIR
# (6.12 compresses installed modules: kvmwatch.ko.xz),
# and DKMS add/build/install/status/remove.
. "$(dirname "$0")/../rig/lib.sh"
cd "$KVMW_TOP"

n=0 failed=0
check() {	# DESCRIPTION COMMAND...
	local what=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		sed 's/^/#   /' <<<"$out" | tail -n 40
		failed=$((failed + 1))
	fi
}

version=$(sed -n 's/^VERSION := //p' Makefile)
rels=$(selftests/rig/kernels.sh resolve | awk '{ print $2 }')
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

installed() {	# RELEASE
	make install KVER="$1" DESTDIR="$dest" PREFIX=/usr &&
		make clean-module KVER="$1" >/dev/null &&
		ls "$dest/lib/modules/$1/updates/kvmwatch.ko"* &&
		test -x "$dest/usr/sbin/kvmwatch" &&
		test -f "$dest/usr/share/man/man8/kvmwatch.8"
}

dkms_state() {	# RELEASE STATE
	dkms status kvmwatch/"$version" -k "$1" | grep -q ": $2\$"
}

# systemd-analyze verify UNIT: no error and no warning (it exits 0 on
# unknown keys and bad values, printing them). The exporter's unit as
# installed, its ExecStart pointed at the tool just built; and a copy with
# a misspelt key, which must be refused, so the check can fail.
unit_verify() {	# UNIT
	local err
	err=$(systemd-analyze verify --man=no "$1" 2>&1) || { echo "$err"; return 1; }
	[ -z "$err" ] || { echo "$err"; return 1; }
}
exporter_unit() {
	local u=$dest/kvmwatch-exporter.service bad=$dest/bad.service
	sed "s#^ExecStart=/usr/local/sbin/kvmwatch #ExecStart=$KVMW_TOP/tools/build/kvmwatch #" \
		contrib/kvmwatch-exporter.service >"$u"
	grep -q "^ExecStart=$KVMW_TOP/tools/build/kvmwatch exporter " "$u" ||
		{ echo "no ExecStart to point at the built tool"; return 1; }
	sed 's/^ProtectSystem=/ProtectSytem=/' "$u" >"$bad"
	if unit_verify "$bad" >/dev/null; then
		echo "a misspelt key passed: the check cannot fail"
		return 1
	fi
	unit_verify "$u"
}

check "checkpatch.pl (linux-source-6.12) is clean on module/ and uapi/" \
	selftests/rig/checkpatch.sh
check "contrib/kvmwatch-exporter.service: systemd-analyze verify, no warning" \
	exporter_unit

for rel in $rels; do
	check "$rel: W=1 build is warning-free, modinfo depends is empty" \
		selftests/rig/build-module.sh "$rel"
	check "$rel: make install DESTDIR=... installs module, tool, man pages" \
		installed "$rel"
	check "$rel: probe prototypes match KVM's trace.h (linux-source)" \
		selftests/rig/protocheck.sh "$rel"
done

# DKMS writes to the host's /usr/src and /lib/modules: CI machines only.
if [ "$(id -u)" = 0 ]; then
	make -s dkms-uninstall >/dev/null 2>&1
	first=$(head -n1 <<<"$rels")
	check "make dkms-install (KVER=$first)" make dkms-install KVER="$first"
	check "dkms status: installed for $first" dkms_state "$first" installed
	for rel in $(tail -n +2 <<<"$rels"); do
		check "dkms build -k $rel" dkms build kvmwatch/"$version" -k "$rel"
		check "dkms status: built for $rel" dkms_state "$rel" built
	done
	check "make dkms-uninstall" make dkms-uninstall
else
	n=$((n + 1))
	echo "ok $n # SKIP DKMS needs root"
fi
echo "1..$n"
[ $failed -eq 0 ]
