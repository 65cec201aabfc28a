#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bench's table from a run directory (bench/run.sh fills it):
#   results.tsv  every timed run: the guest's monotonic seconds, QEMU's
#                host CPU seconds and host wall seconds over the same loop,
#                other QEMUs running on the host, exit counts, checks
#   summary.tsv  per configuration: median, min, max, spread and overhead
#                of the guest time, of QEMU's host CPU time and of the
#                loop's own CPU time (in the VM), exit counts
# and the table on stdout. Fails when the loop, the baseline or kvmwatch
# failed a check, a configuration has no good run, the VM did not finish,
# or its kernel log is not clean (a peer that lost events is only noted).
#
# Usage: report.sh RUNDIR
set -uo pipefail
. "$(dirname "$0")/../selftests/rig/lib.sh"

run=$1
tr -d '\r' <"$run/results.log" >"$run/results.txt"
tr -d '\r' <"$run/artifacts.log" >"$run/dmesg.txt" 2>/dev/null
touch "$run/host-marks.txt"
rc=0

# Join each R line with the host's marks of the same configuration and
# round: "T begin|end CFG REP CPU_NS WALL_US OTHER_QEMUS".
awk -v OFS='\t' '
FILENAME ~ /host-marks/ {
	k = $3 SUBSEP $4
	if ($2 == "begin") { c0[k] = $5; w0[k] = $6; o[k] = $7 }
	else { c1[k] = $5; w1[k] = $6; if ($7 > o[k]) o[k] = $7 }
	next
}
FNR == 1 { print "cfg", "rep", "guest_s", "host_cpu_s", "host_wall_s", "other_qemus", "tool_exits", "kvm_exits", "ok", "why", "loop_cpu_s", "all_busy_s", "lost" }
/^R / {
	delete v
	for (i = 2; i <= NF; i++) { j = index($i, "="); v[substr($i, 1, j - 1)] = substr($i, j + 1) }
	k = v["cfg"] SUBSEP v["rep"]
	hc = (k in c1) ? sprintf("%.6f", (c1[k] - c0[k]) / 1e9) : "-"
	hw = (k in w1) ? sprintf("%.6f", (w1[k] - w0[k]) / 1e6) : "-"
	print v["cfg"], v["rep"], v["secs"], hc, hw, (k in o) ? o[k] : "-", v["tool"], v["kvm"], v["ok"], v["why"],
		("cpu" in v) ? v["cpu"] : "-", ("busy" in v) ? v["busy"] : "-",
		("lost" in v) ? v["lost"] : "-"
}' "$run/host-marks.txt" "$run/results.txt" >"$run/results.tsv"

# Per configuration, in first-seen order, over the runs that passed their
# checks: median, min, max, spread = (max - min) / median and overhead =
# median / median(none) - 1, for the guest clock and QEMU's CPU time;
# paired overhead = median over rounds of t(config) / t(none, same round)
# - 1 (cancels drift between rounds); bg = median CPU seconds that other
# work than the loop used during it (all CPUs' busy time - the loop's);
# lost = events the tool lost, summed over all its runs (excluded ones
# too), and how many runs lost any ("-": the tool cannot lose events);
# all_* = the loop's CPU time over every run whose loop was good and whose
# tool attached, those that lost events or miscounted included (what the
# tool cost while doing less than its work).
awk -F'\t' -v OFS='\t' '
function med(s,   a, i, j, t, n) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function stats(k, c,   m, b) {
	if (!cnt[k, c] || bad[k, c]) return "-\t-\t-\t-\t-\t-"
	m = med(vals[k, c])
	b = (cnt[k, "none"] && !bad[k, "none"]) ? med(vals[k, "none"]) : 0
	return sprintf("%.3f\t%.3f\t%.3f\t%.1f\t%s\t%s", m, lo[k, c], hi[k, c],
		(hi[k, c] - lo[k, c]) / m * 100,
		b ? sprintf("%.1f", (m / b - 1) * 100) : "-", paired(k, c))
}
function paired(k, c,   r, s) {
	s = ""
	for (r = 1; r <= maxrep; r++)
		if (((k, c, r) in t) && ((k, "none", r) in t) && t[k, "none", r] > 0)
			s = s " " t[k, c, r] / t[k, "none", r]
	return s == "" ? "-" : sprintf("%.1f", (med(s) - 1) * 100)
}
function add(k, c, r, x) {
	cnt[k, c]++
	vals[k, c] = vals[k, c] " " x
	if (x == "-") { bad[k, c] = 1; return }
	t[k, c, r] = x
	if (!((k, c) in lo) || x + 0 < lo[k, c]) lo[k, c] = x + 0
	if (!((k, c) in hi) || x + 0 > hi[k, c]) hi[k, c] = x + 0
}
NR == 1 { next }
!($1 in seen) { seen[$1] = 1; order[++nc] = $1 }
{ tot[$1]++; if ($2 > maxrep) maxrep = $2 }
$13 ~ /^[0-9]+$/ { lost[$1] += $13; haslost[$1] = 1; if ($13 > 0) lostruns[$1]++ }
$10 !~ /loop-failed|kvm-exits-low|attach-failed/ { add("a", $1, $2, $11) }
$9 == 1 {
	n[$1]++; add("g", $1, $2, $3); add("h", $1, $2, $4); add("l", $1, $2, $11)
	te[$1] = te[$1] " " $7; ke[$1] = ke[$1] " " $8
	if ($11 != "-" && $12 != "-") bg[$1] = bg[$1] " " ($12 - $11)
}
END {
	print "cfg", "runs_ok", "runs",
		"guest_median_s", "guest_min_s", "guest_max_s", "guest_spread_pct", "guest_overhead_pct", "guest_paired_overhead_pct",
		"cpu_median_s", "cpu_min_s", "cpu_max_s", "cpu_spread_pct", "cpu_overhead_pct", "cpu_paired_overhead_pct",
		"tool_exits", "kvm_exits", "bg_cpu_s",
		"loop_cpu_median_s", "loop_cpu_min_s", "loop_cpu_max_s", "loop_cpu_spread_pct", "loop_cpu_overhead_pct", "loop_cpu_paired_overhead_pct",
		"lost", "runs_lost",
		"all_runs", "all_loop_cpu_median_s", "all_loop_cpu_min_s", "all_loop_cpu_max_s", "all_loop_cpu_spread_pct", "all_loop_cpu_overhead_pct", "all_loop_cpu_paired_overhead_pct"
	for (i = 1; i <= nc; i++) {
		c = order[i]
		print c, n[c] + 0, tot[c], stats("g", c), stats("h", c),
			n[c] ? med(te[c]) : "-", n[c] ? med(ke[c]) : "-",
			bg[c] != "" ? sprintf("%.2f", med(bg[c])) : "-", stats("l", c),
			haslost[c] ? lost[c] : "-", haslost[c] ? lostruns[c] + 0 : "-",
			cnt["a", c] + 0, stats("a", c)
	}
}' "$run/results.tsv" >"$run/summary.tsv"

sed -n 's/^M /# /p' "$run/results.txt"
sed 's/^H /# host: /' "$run/host.txt" 2>/dev/null
echo "# other QEMUs on the host during the timed loops: $(awk -F'\t' 'NR > 1 && $6 != "-" { s[$6]++ } END { for (k in s) printf "%s (%d runs) ", k, s[k] }' "$run/results.tsv")"
echo
printf '%-21s %5s | %-33s | %-25s | %5s | %9s %9s | %-11s | %s\n' "" "" "guest clock (CLOCK_MONOTONIC)" "loop's own CPU time" "other" "exits" "exits" "lost" "all runs"
awk -F'\t' 'NR == 1 { printf "%-21s %5s | %8s %7s %7s %7s | %8s %7s %8s | %5s | %9s %9s | %-11s | %s\n",
		"config", "runs", "median", "spread", "overhd", "paired", "median", "spread", "overhd", "CPU s", "tool", "KVM", "(runs)", "loop CPU overhd"; next }
	{ printf "%-21s %2s/%-2s | %7ss %6s%% %6s%% %6s%% | %7ss %6s%% %7s%% | %5s | %9s %9s | %-11s | %s%% (%s)\n",
		$1, $2, $3, $4, $7, $8, $9, $19, $22, $23, $18, $16, $17,
		$25 == "-" ? "-" : $25 " (" $26 ")", $32, $27 }' "$run/summary.tsv"

# kvmwatch's overhead against the cheapest peer's, on each clock: stats
# mode (kvmwatch) against every peer, events mode (kvmwatch-record)
# against the recorders of the same events, trace-cmd-all and perf-kvm.
ratio() {	# MINE "PEER..." TARGET MODE [COLUMN:NAME...]
	local col mine=$1 peers=$2 target=$3 mode=$4
	shift 4
	for col in 8:guest-clock 9:guest-clock-paired 23:loop-cpu "$@"; do
		awk -F'\t' -v c="${col%%:*}" -v name="$mode ${col#*:}" -v mine="$mine" \
			-v peers=" $peers " -v target="$target" 'NR > 1 && $c != "-" {
			if ($1 == mine) k = $c
			else if (index(peers, " " $1 " ") && (p == "" || $c + 0 < min + 0)) { p = $1; min = $c }
		}
		END {
			if (k == "" || p == "") { printf "%s: ratio not computed (no figure for %s or for its peers)\n", name, mine; exit }
			n = split(peers, all, " ")
			printf "%s: cheapest of %d peers (%s) %s +%s%%, %s +%s%%", name, n, substr(peers, 2, length(peers) - 2), p, min, mine, k
			if (min + 0 > 0) printf ", ratio %.2f (target <= %s)\n", k / min, target
			else printf ", ratio undefined\n"
		}' "$run/summary.tsv"
	done
}
cfgs=$(awk -F'\t' 'NR > 1 { print $1 }' "$run/summary.tsv")
{
	if echo "$cfgs" | grep -qx kvmwatch; then
		ratio kvmwatch "$(echo "$cfgs" | grep -vxE 'none|kvmwatch|kvmwatch-record(-p[0-9]+)?|spin-cpu1' | paste -sd' ')" 0.33 stats
	fi
	for c in $(echo "$cfgs" | grep -x 'kvmwatch-record\(-p[0-9]*\)\?'); do
		ratio "$c" "trace-cmd-all perf-kvm" 1.00 events \
			32:loop-cpu-all-runs
	done
} | tee "$run/ratio.txt"

echo
# A peer that lost events (its counts short) is excluded, not fatal: that
# is the peer's behaviour. Fatal: a failed loop, a failed kvmwatch (stats
# or events mode: a recording that lost events or is not exactly the
# loop's) or baseline run, a configuration without one good run.
if grep -q '^R .* ok=0' "$run/results.txt"; then
	echo "bench: runs failed their checks (excluded above):"
	grep '^R .* ok=0' "$run/results.txt"
	if grep -E '^R cfg=(none|kvmwatch|kvmwatch-record(-p[0-9]+)?) .* ok=0|^R .*why=.*(loop-failed|kvm-exits-low|attach-failed)' \
		"$run/results.txt" >/dev/null; then
		rc=1
	fi
fi
if awk -F'\t' 'NR > 1 && $2 == 0 { bad = 1 } END { exit !bad }' "$run/summary.tsv"; then
	echo "bench: a configuration has no run that passed its checks"
	rc=1
fi
grep -q '^M done=1' "$run/results.txt" || { echo "bench: the VM did not finish (see $run/console.log)"; rc=1; }
grep '^# ' "$run/results.txt" >"$run/vm-log.txt"
if ! grep -q '^kvmw-artifacts-end' "$run/dmesg.txt" 2>/dev/null; then
	echo "bench: no kernel log collected"
	rc=1
elif grep -qE -f "$KVMW_TOP/selftests/rig/dmesg-bad.txt" "$run/dmesg.txt"; then
	echo "bench: kernel log has bad lines:"
	grep -E -f "$KVMW_TOP/selftests/rig/dmesg-bad.txt" "$run/dmesg.txt" | head
	rc=1
fi
echo "bench: $run/{summary,results}.tsv; VM's log $run/vm-log.txt"
exit $rc
