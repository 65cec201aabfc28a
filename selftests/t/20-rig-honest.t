#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The rig's own test: a failing selftest, a kernel WARN (with and without
# panic_on_warn), a hung guest and a test that leaves a guest running must
# each make the run fail, for the reason expected; a WARN under bochs too.
# A rig that cannot fail proves nothing.
. "$(dirname "$0")/../rig/lib.sh"
boot=$KVMW_TOP/selftests/rig/boot.sh
# These boots fail on purpose: make check's digest (99-digest.t) is not
# theirs. The first writes one of its own, checked below.
unset KVMW_DIGEST_DIR
digest=$(mktemp -d)
trap 'rm -rf "$digest"' EXIT

n=0 failed=0
expect_failure() {	# DESCRIPTION PATTERN BOOT-ARGS...
	local what=$1 pattern=$2 out rc
	shift 2
	n=$((n + 1))
	out=$("$boot" -k 6.12 -t '00-*' -n "honest-$n" "$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -qE "$pattern" <<<"$out"; then
		echo "ok $n - rig fails on $what"
	else
		echo "not ok $n - rig fails on $what (exit $rc)"
		sed 's/^/#   /' <<<"$out"
		failed=$((failed + 1))
	fi
}

KVMW_DIGEST_DIR=$digest expect_failure "a failing selftest" \
	'^not ok [0-9]+ - .*: 99-injected-failure' -i fail
# the digest: the failed test with its FAIL line, and no other line
n=$((n + 1))
want="not ok - $(kvmw_release 6.12): 99-injected-failure (exit 1)
  FAIL: injected failure"
got=$(cat "$digest/honest-1.txt" 2>&1)
if [ "$got" = "$want" ]; then
	echo "ok $n - digest: the failed test and its FAIL line"
else
	echo "not ok $n - digest: the failed test and its FAIL line"
	sed 's/^/#   /' <<<"got:
$got
want:
$want"
	failed=$((failed + 1))
fi
expect_failure "a WARN with panic_on_warn=1" '^not ok [0-9]+ - .*: success marker' -i warn
expect_failure "a WARN seen only in dmesg" '^not ok [0-9]+ - .*: kernel log clean' \
	-i warn -a panic_on_warn=0
# bochs: /init sets panic_on_warn after the boot, and the one WARN the log
# checks excuse there (bochs-warnings.txt) excuses no other.
expect_failure "a WARN under bochs (panic_on_warn set by /init)" \
	'^not ok [0-9]+ - .*: success marker' -e bochs -i warn
expect_failure "a WARN under bochs seen only in dmesg" \
	'^not ok [0-9]+ - .*: kernel log clean' \
	-e bochs -i warn -a kvmw.panic_on_warn=0
expect_failure "a hung guest" '^not ok [0-9]+ - .*\(timed out\)' -i hang -T 60
expect_failure "a test leaving a guest running" \
	'^not ok [0-9]+ - .*: 99-injected-leak' -i leak
echo "1..$n"
[ $failed -eq 0 ]
