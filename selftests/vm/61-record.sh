# SPDX-License-Identifier: GPL-2.0
# "kvmwatch record" then "kvmwatch report", against the statistics and
# the guests' own counts:
#  1. one guest run observed by both: "record -- stat --json -- guest"
#     (record's filter is stat's process tree, stat's the guest's), so both
#     see exactly the same VMs for their whole lives. "report --json" must
#     equal "stat --json" value for value: every VM and vCPU, every exit
#     reason (count, time, min, max, mean, spread, user, histogram) and
#     every port, MSR and MMIO row (--event ioport, msr, mmio). Only what
#     records cannot know is left out: the vCPU counters (unfinished exits
#     have no record), RIPs (the module counts an unfinished exit's RIP
#     too), and creation times. Nothing lost; record's "N events" is the
#     report's "# records: N".
#  2. "report --diff" of 1000 against 3000 OUTs to port 0x80: exactly +2000
#     io exits (and the guests' own difference), and +2000 on 0x80:POUT.
#  3. "record -e dirty", "report --dirty": each page of the dirty-logged
#     slot once per round, as KVM_GET_DIRTY_LOG reported.
#  4. A recorder stopped by SIGINT or --time writes its trailer (lost: 0);
#     one killed by SIGKILL leaves a file report still reads, loss unknown.
. /kvmw/vmlib.sh

CMD="kvmw-guest --vms 2 --vcpus 2 --strict --timeout 240 --no-irqchip \
	--on 0 --cpuid 120 \
	--out 0x80:30 --in 0x71:20 --wrmsr 0x6e0:15 --rdmsr 0x8b:5 \
	--hypercall 10 --mmio-write 0xd0000000:12 --mmio-read 0xd0001000:8 \
	--on 1 --hlt 10"

# keyed FILE.json: the flat JSON, rows named by VM id and vCPU id instead
# of array positions, sorted, without what only the statistics know
keyed() {
	json_flat <"$1" | awk -F'\t' '
	$1 ~ /^vms\[[0-9]+\]\.vm$/ { vm = $2 }
	$1 ~ /^vms\[[0-9]+\]\.vcpus\[[0-9]+\]\.vcpu$/ { vc = $2 }
	{
		p = $1
		if (sub(/^vms\[[0-9]+\]\.vcpus\[[0-9]+\]\./, "", p))
			p = "vm " vm " vcpu " vc " " p
		else if (sub(/^vms\[[0-9]+\]\./, "", p))
			p = "vm " vm " " p
		print p "\t" $2
	}' | grep -v -e ' counters\.' -e ' unfinished	' -e ' open	' \
		-e '\.rips\[' -e ' created_ns	' -e ' gone_ns	' \
		-e '^start_ns	' -e '^time_ns	' -e '^recording\.' | sort
}

# sum FILE.json PATTERN: the sum of the values whose path matches
sum() {
	json_flat <"$1" | awk -F'\t' -v re="$2" '$1 ~ re { s += $2 } END { print s + 0 }'
}

# summary FILE: "N L" from record's "kvmwatch record: N events (L lost)"
summary() {
	sed -n 's/^kvmwatch record: \([0-9]*\) events (\([0-9]*\) lost) written to .*/\1 \2/p' "$1"
}

# jrow FLAT FIELD VALUE WANT: WANT of the rows[] entry whose FIELD is VALUE
jrow() {
	awk -F'\t' -v field="$2" -v val="$3" -v want="$4" '
	{
		k = $1
		if (k !~ /^rows\[[0-9]+\]\./)
			next
		idx = k
		sub(/\..*/, "", idx)
		f = k
		sub(/^rows\[[0-9]+\]\./, "", f)
		v[idx, f] = $2
		rows[idx] = 1
	}
	END {
		for (r in rows)
			if (v[r, field] == val)
				print v[r, want]
	}' "$1"
}

val() {	# FILE KEY: a kvmw-guest tally value, 0 if absent
	v=$(sed -n "s/^$2=//p" "$1")
	echo "${v:-0}"
}

guest_ok() {
	grep -q '^result=ok' "$1" || { cat "$1"; echo "FAIL: the guest ($1)"; exit 1; }
}

echo "== 1. the same run, recorded and counted"
for ev in ioport msr mmio; do
	echo "-- kvmwatch record -- kvmwatch stat --json --event $ev -- sh -c 'kvmw-guest ...'"
	rc=0
	kvmwatch record -o /tmp/same.rec -- kvmwatch stat --json --event $ev \
		-- sh -c "$CMD >/tmp/cmd.out; exit \$?" \
		>/tmp/stat.json 2>/tmp/rec.err || rc=$?
	cat /tmp/rec.err
	expect_eq "exit status (the guest's, through stat and record)" "$rc" 0
	guest_ok /tmp/cmd.out
	set -- $(summary /tmp/rec.err)
	expect_eq "records lost" "${2:-none}" 0
	kvmwatch report /tmp/same.rec >/tmp/report.txt
	expect_eq "record's events = report's records" \
		"$(sed -n 's/^# records: \([0-9]*\) in .*/\1/p' /tmp/report.txt)" "$1"
	grep -q '^# lost: 0 of [0-9]* records produced$' /tmp/report.txt ||
		{ head -20 /tmp/report.txt; echo "FAIL: report's lost line"; exit 1; }
	kvmwatch report --json --event $ev /tmp/same.rec >/tmp/report.json
	keyed /tmp/stat.json >/tmp/stat.keyed
	keyed /tmp/report.json >/tmp/report.keyed
	rows=$(grep -c ' exits\[[0-9]*\]\.count	' /tmp/stat.keyed || true)
	keys=$(grep -c " $ev\[[0-9]*\]\.count	" /tmp/stat.keyed || true)
	vms=$(grep -c '^vm [^ ]* vm	' /tmp/stat.keyed || true)
	expect_eq "VMs in stat's report (the command's two)" "$vms" 2
	[ "$rows" -gt 8 ] && [ "$keys" -gt 0 ] ||
		{ echo "FAIL: stat has $rows exit rows, $keys $ev rows"; exit 1; }
	if ! diff /tmp/stat.keyed /tmp/report.keyed; then
		echo "FAIL: report --json differs from stat --json (above)"
		exit 1
	fi
	echo "ok: --event $ev: report = stat, $(wc -l </tmp/report.keyed) values ($rows exit rows, $keys $ev rows, histograms included)"
	# The statistics count the RIP of each vCPU's last, unfinished exit
	# (its DONE), which no entry closed and so has no record.
	expect_eq "RIP counts: stat's - report's = unfinished exits" \
		$(($(sum /tmp/stat.json '\.rips\[[0-9]+\]\.count$') - \
		   $(sum /tmp/report.json '\.rips\[[0-9]+\]\.count$'))) \
		"$(sum /tmp/stat.json '\.unfinished$')"
done

echo "== 2. report --diff: 1000 against 3000 OUTs to port 0x80"
for n in 1000 3000; do
	rc=0
	kvmwatch record -o /tmp/out$n.rec -- kvmw-guest --timeout 240 \
		--no-irqchip --out 0x80:$n >/tmp/out$n.txt 2>/tmp/out$n.err || rc=$?
	cat /tmp/out$n.err
	expect_eq "record of $n OUTs: exit status" "$rc" 0
	guest_ok /tmp/out$n.txt
	set -- $(summary /tmp/out$n.err)
	expect_eq "record of $n OUTs: lost" "${2:-none}" 0
	expect_eq "OUTs to 0x80 the guest did" \
		"$(val /tmp/out$n.txt vm0.out.0x80)" $n
done
io_a=$(($(val /tmp/out1000.txt vm0.total.out) + $(val /tmp/out1000.txt vm0.total.in)))
io_b=$(($(val /tmp/out3000.txt vm0.total.out) + $(val /tmp/out3000.txt vm0.total.in)))
kvmwatch report --diff /tmp/out1000.rec /tmp/out3000.rec | tee /tmp/diff.txt
grep -Eq "^ +$R_IO +[0-9]+ +[0-9]+ +\\+2000 " /tmp/diff.txt ||
	{ echo "FAIL: no $R_IO row with +2000 in the text"; exit 1; }
kvmwatch report --diff --json /tmp/out1000.rec /tmp/out3000.rec |
	json_flat >/tmp/diff.flat
expect_eq "io exits, B - A" "$(jrow /tmp/diff.flat reason "$R_IO" delta)" 2000
expect_eq "io exits, B - A = the guests' own difference" \
	"$(jrow /tmp/diff.flat reason "$R_IO" delta)" $((io_b - io_a))
kvmwatch report --diff --event ioport --json /tmp/out1000.rec \
	/tmp/out3000.rec | json_flat >/tmp/diff.flat
expect_eq "0x80:POUT in A" "$(jrow /tmp/diff.flat key 0x80:POUT count_a)" 1000
expect_eq "0x80:POUT in B" "$(jrow /tmp/diff.flat key 0x80:POUT count_b)" 3000
expect_eq "0x80:POUT, B - A" "$(jrow /tmp/diff.flat key 0x80:POUT delta)" 2000

echo "== 3. record -e dirty, report --dirty"
PAGES=64 ROUNDS=3
rc=0
kvmwatch record -e dirty -o /tmp/dirty.rec -- kvmw-guest --timeout 240 \
	--dirty $PAGES --rounds $ROUNDS >/tmp/dirty.txt 2>/tmp/dirty.err || rc=$?
cat /tmp/dirty.err
expect_eq "record -e dirty: exit status" "$rc" 0
guest_ok /tmp/dirty.txt
set -- $(summary /tmp/dirty.err)
expect_eq "record -e dirty: lost" "${2:-none}" 0
kvmwatch report --dirty --top 0 --json /tmp/dirty.rec | json_flat >/tmp/dirty.flat
jv() { sed -n "s/^$1	//p" /tmp/dirty.flat; }
expect_eq "dirty marks = KVM_GET_DIRTY_LOG's pages, all rounds" \
	"$(jv marks)" "$(val /tmp/dirty.txt vm0.dirty.pages)"
expect_eq "dirty marks" "$(jv marks)" $((PAGES * ROUNDS))
expect_eq "distinct dirty pages" "$(jv pages)" $PAGES
expect_eq "pages listed" "$(grep -c '^top\[[0-9]*\]\.count	' /tmp/dirty.flat)" $PAGES
expect_eq "pages not marked once per round" \
	"$(grep '^top\[[0-9]*\]\.count	' /tmp/dirty.flat | grep -vc "	$ROUNDS\$" || true)" 0
expect_eq "pages outside 0..$((PAGES - 1)) of the slot" \
	"$(grep '^top\[[0-9]*\]\.rel_gfn	' /tmp/dirty.flat |
	   awk -F'\t' -v n=$PAGES '$2 < 0 || $2 >= n' | wc -l)" 0
expect_eq "per VM: marks" "$(jv 'vms\[0\]\.marks')" $((PAGES * ROUNDS))
kvmwatch report --dirty --top 3 /tmp/dirty.rec >/tmp/dirty.out
grep -q '^PID        GFN        REL_GFN    SLOT_ID    COUNTS' /tmp/dirty.out ||
	{ cat /tmp/dirty.out; echo "FAIL: kvm_watcher's header"; exit 1; }
expect_eq "--top 3: rows" "$(grep -Ec '^[0-9]+ +[0-9a-f]+ +[0-9a-f]+ +[0-9]+ +3$' /tmp/dirty.out)" 3

echo "== 4. stopped by SIGINT, killed by SIGKILL"
kvmw-guest --out 0x80:2 --hlt 2:20000000 --forever >/tmp/beside.out 2>&1 &
beside=$!
trap 'kill $beside 2>/dev/null || true' EXIT
i=0
until grep -q '^vm0\.ready=' /tmp/beside.out; do
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "FAIL: the guest never got ready"; exit 1; }
	sleep 0.1
done
kvmwatch record -p $beside -o /tmp/int.rec 2>/tmp/int.err &
rec=$!
sleep 3
kill -INT $rec
rc=0
wait $rec || rc=$?
cat /tmp/int.err
expect_eq "record stopped by SIGINT: exit status" "$rc" 0
set -- $(summary /tmp/int.err)
[ "${1:-0}" -gt 0 ] || { echo "FAIL: nothing recorded"; exit 1; }
expect_eq "record stopped by SIGINT: lost" "${2:-none}" 0
kvmwatch report /tmp/int.rec >/tmp/int.txt 2>/tmp/int.rep.err
expect_eq "its report: no warning" "$(cat /tmp/int.rep.err)" ""
grep -q "^# lost: 0 of $1 records produced\$" /tmp/int.txt ||
	{ head -12 /tmp/int.txt; echo "FAIL: the trailer's counts"; exit 1; }
grep -Eq "^ +$R_IO +[0-9]+ " /tmp/int.txt ||
	{ cat /tmp/int.txt; echo "FAIL: no $R_IO row"; exit 1; }
echo "ok: SIGINT: $1 events, trailer written"

rc=0
kvmwatch record -p $beside --time 2 -o /tmp/time.rec 2>/tmp/time.err || rc=$?
cat /tmp/time.err
expect_eq "record --time 2: exit status" "$rc" 0
set -- $(summary /tmp/time.err)
expect_eq "record --time 2: lost" "${2:-none}" 0
secs=$(kvmwatch report --json /tmp/time.rec | json_flat |
	sed -n 's/^recording\.duration_ns	//p')
[ "$secs" -ge 2000000000 ] && [ "$secs" -lt 4000000000 ] ||
	{ echo "FAIL: --time 2 recorded for $secs ns"; exit 1; }
echo "ok: --time 2: $1 events in $secs ns"

kvmwatch record -p $beside -o /tmp/kill.rec 2>/tmp/kill.err &
rec=$!
sleep 3
kill -KILL $rec
{ wait $rec; } 2>/dev/null || true
rc=0
kvmwatch report /tmp/kill.rec >/tmp/kill.txt 2>/tmp/kill.rep.err || rc=$?
expect_eq "report of a killed recording: exit status" "$rc" 0
grep -q 'loss counts are unknown' /tmp/kill.rep.err ||
	{ cat /tmp/kill.rep.err; echo "FAIL: no warning"; exit 1; }
grep -q '^# lost: unknown (' /tmp/kill.txt ||
	{ head -12 /tmp/kill.txt; echo "FAIL: loss not said unknown"; exit 1; }
grep -Eq "^ +$R_IO +[0-9]+ " /tmp/kill.txt ||
	{ cat /tmp/kill.txt; echo "FAIL: no $R_IO row"; exit 1; }
echo "ok: SIGKILL: reported without trailer, loss unknown"
kill -TERM $beside
wait $beside || true
trap - EXIT
