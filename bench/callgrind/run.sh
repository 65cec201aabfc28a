#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Ir (instructions executed) per exit+entry pair of kvmwatch's accounting
# fast path (module/stats_api.h): callgrind with collection toggled on
# only inside harness.c's hot_* wrappers (--collect-atstart=no
# --toggle-collect=...). Each figure is (Ir(2N pairs) - Ir(N pairs)) / N,
# so one-off costs (first-use row claims) cancel out. The wrappers' own
# call cost is the empty wrapper's (hot_null), shown and subtracted in the
# "net" column.
#
# Usage: run.sh BUILD_DIR     (make -C bench/callgrind calls it)
set -euo pipefail
dir=${1:-build}
n=${KVMW_CG_N:-100000}
if ! command -v valgrind >/dev/null; then
	# As make check does for its packages: install when root, else say so.
	[ "$(id -u)" = 0 ] ||
		{ echo "callgrind: valgrind missing: apt-get install valgrind" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		valgrind >/dev/null
fi

ir() {	# ir FUNCS MODE PAIRS: Ir collected inside FUNCS (a glob)
	local out
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--collect-atstart=no --toggle-collect="$1" \
		"$dir/harness" "$2" "$3" >/dev/null 2>&1 ||
		{ echo "callgrind: harness $2 $3 failed" >&2; rm -f "$out"; exit 1; }
	awk '/^(summary|totals):/ { print $2; exit }' "$out"
	rm -f "$out"
}

per_pair() {	# per_pair FUNCS MODE: Ir per pair, two decimals
	local a b
	a=$(ir "$1" "$2" "$n")
	b=$(ir "$1" "$2" $((2 * n)))
	awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n }'
}

call=$(per_pair 'hot_null' null)	# two empty calls per pair
call=$(awk -v c="$call" 'BEGIN { printf "%.2f", c / 2 }')
row() {	# row LABEL FUNCS MODE CALLS [DIVISOR]
	local x
	x=$(per_pair "$2" "$3")
	awk -v l="$1" -v x="$x" -v k="$4" -v c="$call" -v d="${5:-1}" \
		'BEGIN { printf "%-40s %8.2f %8.2f\n", l, x / d, (x - k * c) / d }'
}

echo "callgrind: $(valgrind --version), $(${CC:-cc} --version | head -n1), N=$n"
printf '%-40s %8s %8s\n' "Ir per exit+entry pair" "Ir" "net Ir"
row "CPUID: kvm_exit + kvm_entry" 'hot_*' cpuid 2
row "  kvm_exit (kvmw_stats_exit)" hot_exit cpuid 1
row "  kvm_entry (kvmw_stats_entry)" hot_entry cpuid 1
row "OUT: exit + pio + userspace exit + entry" 'hot_*' io 4
row "  kvm_exit" hot_exit io 1
row "  kvm_pio (kvmw_stats_key)" hot_key io 1
row "  kvm_userspace_exit (kvmw_stats_user)" hot_user io 1
row "  kvm_entry" hot_entry io 1
row "the bench loop (CPUID, OUT alternating)" 'hot_*' mix 6 2
printf '%-40s %8s\n' "one wrapper call (subtracted for net)" "$call"
echo "target: CPUID exit + entry <= 60 Ir"
