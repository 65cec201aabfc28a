# SPDX-License-Identifier: GPL-2.0
# Shared settings for the rig scripts. Sourced, not run.

KVMW_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${KVMW_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/kvmwatch}"
export KVMW_CACHE

# Release of a series ("6.1", "6.12") as resolved from apt.
kvmw_release() {
	"$KVMW_TOP/selftests/rig/kernels.sh" resolve | awk -v s="$1" '$1 == s { print $2 }'
}

kvmw_die() {
	echo "rig: $*" >&2
	exit 1
}

# tap_merge: run each argument (a command line) in turn; they print
# unnumbered TAP without a plan. Print it all, then the plan; fail if any
# command failed.
tap_merge() {
	local out rc=0 cmd

	out=$(mktemp)
	for cmd in "$@"; do
		eval "$cmd" | tee -a "$out" || rc=1
	done
	echo "1..$(grep -cE '^(not )?ok' "$out")"
	rm -f "$out"
	return $rc
}

# The in-VM tests the bochs back end runs (Intel VMX, kvm_intel), as
# boot.sh -t globs: every test whose checks apply to VMX, 90-vmx being the
# VMX-only one. Left out (docs/testing.md): 63-ring-loss (needs two
# CPUs), 83-doctor-more.
KVMW_VMX_TESTS="00-*,01-*,05-*,10-*,20-*,30-*,31-*,32-*,33-*,35-*,36-*"
KVMW_VMX_TESTS+=",60-*,61-*,62-*,64-*,70-*,71-*,80-*,81-*,82-*,90-*"
