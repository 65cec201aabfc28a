# SPDX-License-Identifier: GPL-2.0
# "kvmwatch report --sched": the vCPU scheduling summary of a recording's
# LOAD/PUT records (seed 003's pinning question), checked exactly.
#
#  1. One guest run seen by two readers: "record -e sched,halt,vm --
#     trace -e sched,halt,vm --json -- kvmw-guest" (record's filter is
#     trace's process tree, trace's the guest's), one vCPU doing CPUIDs
#     and HLTs woken by a 20 ms LAPIC timer. Nothing lost by either. Then
#     "report --sched --json" of the recording is compared, vCPU by vCPU,
#     with what awk computes from trace's raw records (the same records,
#     written by the kernel into each reader's rings):
#     - the raw records chain, in time order: each LOAD's off_ns is its
#       time minus the previous PUT's, its prev_how and prev_pcpu that
#       PUT's how and pcpu; each PUT's run_ns is its time minus the LOAD's,
#       on the LOAD's pCPU; no LOAD follows a LOAD nor a PUT a PUT. So
#       sum(run_ns) + sum(off_ns) = last record's time - first's, exactly.
#       The report finds the same (gaps 0, mismatches 0);
#     - the VM is created and destroyed inside the window: its first record
#       is the creation's LOAD (no put before: first_loads 1), its last a
#       PUT; loads = puts for the vCPU and for each thread that loaded it;
#     - loads, puts, puts per how, migrations, the residency total (no stay
#       cut by the window), min, max, first and last times: equal;
#     - time off the CPU per how = the LOADs' off_ns of that how, plus,
#       for the last PUT's how, the time from it to the VM's destruction
#       (VM_GONE) if that comes later (it does not on 6.1 and 6.12: KVM
#       loads and puts each vCPU once more while destroying the VM, after
#       VM_GONE); unknown = before the first record + after the later of
#       the last record and VM_GONE; per-pCPU and per-thread running times
#       add up to running;
#     - the thread the report names is the one that halted (WAKEUP tid).
#     Not exact: BLOCKED puts vs WAKEUPs that waited. A halt may sleep
#     more than once, a vCPU can also sleep on a lock, and a wake-up that
#     lands before schedule() switches makes a waited halt with no put
#     (seen: 14 BLOCKED puts for 15 waited halts on 6.12); so only
#     "some BLOCKED put" is asserted, with waited WAKEUPs >= 1. How long
#     a vCPU is preempted depends on the host's scheduler: shown, not
#     asserted.
#  2. The same guest pinned with taskset to the last pCPU (1 of QEMU's
#     two, bochs's only one): every vCPU ran on it only: pcpus = [it]
#     with all the running time, pcpuid it,
#     migrations 0, in the JSON and in kvm_watcher -o's text columns.
#  3. A recording without LOAD/PUT records: exit 1, "no vCPU scheduling
#     records: record with -e sched", nothing on stdout.
. /kvmw/vmlib.sh

# The guest: one vCPU doing 200 CPUIDs and ten 20 ms HLTs.
VCPUS=1
GUEST="kvmw-guest --vcpus $VCPUS --timeout 240 --cpuid 200 --hlt 10:20000000"
HEADER="pid          tid          total_time   max_time     min_time     counts       vcpuid       pcpuid       preempted_ms blocked_ms   user_ms      migrations   pcpus"

guest_ok() {
	grep -q '^result=ok' "$1" || { cat "$1"; echo "FAIL: the guest ($1)"; exit 1; }
}

# summary FILE: "N L" from record's "kvmwatch record: N events (L lost)"
summary() {
	sed -n 's/^kvmwatch record: \([0-9]*\) events (\([0-9]*\) lost) written to .*/\1 \2/p' "$1"
}

# jv FLAT KEY: the value of KEY (a json_flat path) in FLAT
jv() {
	awk -F'\t' -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "none" }' "$1"
}

# sum FLAT LIST FIELD: the sum of FIELD over the entries of the array LIST
# (a path with brackets, e.g. vcpus[0].pcpus), and their number: "SUM N"
sum() {
	awk -F'\t' -v l="$2[" -v f="$3" '
	index($1, l) == 1 && substr($1, length($1) - length(f)) == "." f {
		s += $2
		n++
	}
	END { print s + 0, n + 0 }' "$1"
}

# records TRACE.json: trace's LOAD, PUT, WAKEUP and VM_GONE records, one
# line each, "event vcpu time tid pcpu prev_pcpu prev_how off how run
# waited cpu seq rank", sorted per vCPU in time order; on equal times a
# PUT first (a vCPU is put on one CPU before it is loaded on another),
# then by ring and sequence.
records() {
	json_flat <"$1" | awk -F'\t' '
	{
		k = $1
		i = 0
		if (k ~ /^\[[0-9]+\]\./) {
			i = substr(k, 2, index(k, "]") - 2) + 0
			k = substr(k, index(k, "]") + 2)
		}
		if (k ~ /[.[]/)
			next
		v[i, k] = $2
		if (i > n)
			n = i
	}
	END {
		split("vcpu time_ns tid pcpu prev_pcpu prev_how off_ns how run_ns waited cpu seq", f, " ")
		for (i = 0; i <= n; i++) {
			e = v[i, "event"]
			if (e != "load" && e != "put" && e != "wakeup" && e != "vm_gone")
				continue
			line = e
			for (j = 1; j <= 12; j++)
				line = line " " ((i, f[j]) in v ? v[i, f[j]] : "-")
			print line " " (e == "load" ? 1 : 0)
		}
	}' | sort -k2,2n -k3,3n -k14,14n -k12,12n -k13,13n
}

# check RECORDS: per vCPU, "vN.key=value" lines from the raw records
check() {
	awk '
	$1 == "vm_gone" { gone = $3; next }
	$1 == "wakeup" {
		waited[$2] += $11 == "true"
		if (!(($2, "tid") in wt))
			wt[$2, "tid"] = $4
		else if (wt[$2, "tid"] != $4)
			wt[$2, "tid"] = "several"
		next
	}
	$1 != "load" && $1 != "put" { next }
	{
		c = $2
		if (!(c in seen)) {
			seen[c] = 1
			list = list " " c
			first[c] = $3
			firstok[c] = $1 == "load" && $7 == "null"
		}
		if (c in pev) {
			if (pev[c] == $1)
				gaps[c]++
			else if ($1 == "load")
				bad[c] += $8 != $3 - pt[c] || $7 != phow[c] || $6 != ppcpu[c]
			else
				bad[c] += $10 != $3 - pt[c] || $5 != ppcpu[c]
		}
		if ($1 == "load") {
			loads[c]++
			tl[c, $4]++
			if ($7 == "null") {
				fl[c]++
			} else {
				off[c, $7] += $8
				offall[c] += $8
				mig[c] += $6 != $5
			}
		} else {
			puts[c]++
			tp[c, $4]++
			run[c] += $10
			ph[c, $9]++
			if (!(c in rmin) || $10 < rmin[c])
				rmin[c] = $10
			if ($10 > rmax[c])
				rmax[c] = $10
		}
		pev[c] = $1
		pt[c] = $3
		phow[c] = $9
		ppcpu[c] = $5
		threads[c, $4] = 1
	}
	END {
		nh = split("preempted blocked user", how, " ")
		nv = split(list, vs, " ")
		for (x = 1; x <= nv; x++) {
			c = vs[x]
			p = "v" c "."
			print p "loads=" loads[c] + 0
			print p "puts=" puts[c] + 0
			print p "first_ns=" first[c]
			print p "last_ns=" pt[c]
			print p "first_is_creation=" firstok[c]
			print p "last_is_put=" (pev[c] == "put")
			print p "first_loads=" fl[c] + 0
			print p "gaps=" gaps[c] + 0
			print p "mismatches=" bad[c] + 0
			print p "migrations=" mig[c] + 0
			print p "run_total=" run[c] + 0
			print p "run_min=" rmin[c] + 0
			print p "run_max=" rmax[c] + 0
			print p "span=" pt[c] - first[c]
			print p "run_plus_off=" run[c] + offall[c]
			print p "waited=" waited[c] + 0
			print p "wakeup_tid=" wt[c, "tid"]
			# from the last PUT to the VM destruction, of its how
			tail = gone > pt[c] ? gone - pt[c] : 0
			print p "tail=" tail
			print p "last_how=" phow[c]
			for (h = 1; h <= nh; h++) {
				print p "puts_" how[h] "=" ph[c, how[h]] + 0
				print p "off_" how[h] "=" off[c, how[h]] + tail * (phow[c] == how[h])
			}
			unb = 0
			for (k in threads) {
				split(k, kk, SUBSEP)
				if (kk[1] == c && tl[k] + 0 != tp[k] + 0)
					unb++
			}
			print p "threads_unbalanced=" unb
		}
		print "gone=" gone
	}' "$1"
}

echo "== 1. record -- trace -- a guest: report --sched against the raw records"
rc=0
kvmwatch record -e sched,halt,vm -o /tmp/sched.rec -- \
	kvmwatch trace -e sched,halt,vm --json -- \
	sh -c "$GUEST >/tmp/cmd.out; exit \$?" \
	>/tmp/trace.json 2>/tmp/rec.err || rc=$?
cat /tmp/rec.err
expect_eq "exit status (the guest's, through trace and record)" "$rc" 0
guest_ok /tmp/cmd.out
set -- $(summary /tmp/rec.err)
expect_eq "record: records lost" "${2:-none}" 0
grep -q '^kvmwatch trace: [0-9]* events, 0 lost (' /tmp/rec.err ||
	{ echo "FAIL: trace lost records"; exit 1; }

kvmwatch report --sched --json /tmp/sched.rec | json_flat >/tmp/sched.flat
records /tmp/trace.json >/tmp/raw.txt
check /tmp/raw.txt >/tmp/raw.kv
cat /tmp/raw.kv
r() { sed -n "s/^$1=//p" /tmp/raw.kv; }

expect_eq "LOAD/PUT records: report's = trace's" "$(jv /tmp/sched.flat records)" \
	"$(grep -cE '^(load|put) ' /tmp/raw.txt)"
expect_eq "vCPUs in the report" \
	"$(grep -c '^vcpus\[[0-9]*\]\.vcpu	' /tmp/sched.flat)" $VCPUS
[ -n "$(r gone)" ] || { echo "FAIL: no VM_GONE record"; exit 1; }
start=$(jv /tmp/sched.flat start_ns)
end=$(jv /tmp/sched.flat end_ns)
window=$(jv /tmp/sched.flat window_ns)
expect_eq "window = end - start" "$window" $((end - start))

i=0
while [ $i -lt $VCPUS ]; do
	p="vcpus[$i]"
	j() { jv /tmp/sched.flat "$p.$1"; }
	echo "-- vCPU $i"
	expect_eq "vCPU $i: vcpu" "$(j vcpu)" $i
	# the raw records, by themselves
	expect_eq "vCPU $i raw: first record is its creation's LOAD" \
		"$(r v$i.first_is_creation)" 1
	expect_eq "vCPU $i raw: last record is a PUT" "$(r v$i.last_is_put)" 1
	expect_eq "vCPU $i raw: LOAD after LOAD or PUT after PUT" "$(r v$i.gaps)" 0
	expect_eq "vCPU $i raw: off_ns/run_ns/prev_how/pcpu not the previous record's" \
		"$(r v$i.mismatches)" 0
	expect_eq "vCPU $i raw: sum(run_ns) + sum(off_ns) = last - first" \
		"$(r v$i.run_plus_off)" "$(r v$i.span)"
	expect_eq "vCPU $i raw: loads = puts" "$(r v$i.loads)" "$(r v$i.puts)"
	expect_eq "vCPU $i raw: threads with loads != puts" \
		"$(r v$i.threads_unbalanced)" 0
	# the report, against them
	for k in loads puts first_loads gaps mismatches migrations first_ns \
		 last_ns; do
		expect_eq "vCPU $i: $k" "$(j $k)" "$(r v$i.$k)"
	done
	for h in preempted blocked user; do
		expect_eq "vCPU $i: PUTs $h" "$(j puts_how.$h)" "$(r v$i.puts_$h)"
		expect_eq "vCPU $i: off the CPU, $h (ns)" "$(j off.${h}_ns)" \
			"$(r v$i.off_$h)"
	done
	expect_eq "vCPU $i: PUTs of another how" "$(j puts_how.other)" 0
	expect_eq "vCPU $i: stays = PUTs" "$(j run.count)" "$(r v$i.puts)"
	expect_eq "vCPU $i: stays cut by the window" "$(j run.cut)" 0
	expect_eq "vCPU $i: on a CPU at the end" "$(j run.open_ns)" 0
	expect_eq "vCPU $i: residency total = sum(run_ns)" "$(j run.total_ns)" \
		"$(r v$i.run_total)"
	expect_eq "vCPU $i: running = residency total" "$(j running_ns)" \
		"$(r v$i.run_total)"
	expect_eq "vCPU $i: residency min" "$(j run.min_ns)" "$(r v$i.run_min)"
	expect_eq "vCPU $i: residency max" "$(j run.max_ns)" "$(r v$i.run_max)"
	expect_eq "vCPU $i: off the CPU for another how" "$(j off.other_ns)" 0
	expect_eq "vCPU $i: unknown = before its creation + after its VM is gone" \
		"$(j unknown_ns)" \
		$(($(r v$i.first_ns) - start + end - $(r v$i.last_ns) - $(r v$i.tail)))
	expect_eq "vCPU $i: running + off + unknown = window" \
		$(($(j running_ns) + $(j off.preempted_ns) + $(j off.blocked_ns) + \
		   $(j off.user_ns) + $(j unknown_ns))) "$window"
	set -- $(sum /tmp/sched.flat "$p.pcpus" running_ns)
	expect_eq "vCPU $i: pCPUs' running time = running" "$1" "$(j running_ns)"
	set -- $(sum /tmp/sched.flat "$p.threads" running_ns)
	expect_eq "vCPU $i: threads' running time = running" "$1" "$(j running_ns)"
	set -- $(sum /tmp/sched.flat "$p.threads" loads)
	expect_eq "vCPU $i: threads' loads = loads" "$1" "$(j loads)"
	expect_eq "vCPU $i: the pCPU named (pcpu_most) is the first listed" \
		"$(j pcpu_most)" "$(j 'pcpus[0].cpu')"
	expect_eq "vCPU $i: its thread is the one that halted" "$(j tid)" \
		"$(r v$i.wakeup_tid)"
	waited=$(r v$i.waited)
	blocked=$(j puts_how.blocked)
	[ "$waited" -ge 1 ] ||
		{ echo "FAIL: vCPU $i: no halt waited (the bound below is empty)"; exit 1; }
	# Not an equality, nor a bound either way: a halt that waited may
	# sleep more than once, or find its wake-up already there and never
	# be switched out (no sched-out notifier, no put).
	[ "$blocked" -ge 1 ] ||
		{ echo "FAIL: vCPU $i: no BLOCKED put, $waited WAKEUPs waited"; exit 1; }
	echo "ok: vCPU $i: $blocked BLOCKED puts, $waited WAKEUPs that waited"
	echo "note: vCPU $i: running $(j pct.running)%, preempted $(j pct.preempted)%, blocked $(j pct.blocked)%, user $(j pct.user)%, unknown $(j pct.unknown)%; $(j migrations) migrations"
	i=$((i + 1))
done

kvmwatch report --sched /tmp/sched.rec >/tmp/sched.txt
grep -qxF "$HEADER" /tmp/sched.txt ||
	{ cat /tmp/sched.txt; echo "FAIL: kvm_watcher -o's header, then ours"; exit 1; }
pid=$(sed -n 's/^vm0\.id=\([0-9]*\)-.*/\1/p' /tmp/cmd.out)
expect_eq "text rows of the guest's vCPUs" \
	"$(grep -cE "^$pid +[0-9]+ +[0-9]+\.[0-9]{4} +[0-9]+\.[0-9]{4} +[0-9]+\.[0-9]{4} +[0-9]+ +[01] +[0-9]+ " /tmp/sched.txt)" \
	$VCPUS

# The last pCPU: 1 under QEMU (two CPUs), 0 under bochs (one).
PIN=$(($(nproc) - 1))
echo "== 2. pinned to pCPU $PIN with taskset"
rc=0
kvmwatch record -e sched -o /tmp/pinned.rec -- \
	sh -c "taskset -c $PIN $GUEST >/tmp/pin.out; exit \$?" 2>/tmp/pin.err || rc=$?
cat /tmp/pin.err
expect_eq "pinned: exit status" "$rc" 0
guest_ok /tmp/pin.out
set -- $(summary /tmp/pin.err)
expect_eq "pinned: records lost" "${2:-none}" 0
kvmwatch report --sched --json /tmp/pinned.rec | json_flat >/tmp/pinned.flat
i=0
while [ $i -lt $VCPUS ]; do
	p="vcpus[$i]"
	set -- $(sum /tmp/pinned.flat "$p.pcpus" cpu)
	expect_eq "pinned vCPU $i: pCPUs it ran on" "$2" 1
	expect_eq "pinned vCPU $i: that pCPU" "$(jv /tmp/pinned.flat "$p.pcpus[0].cpu")" $PIN
	expect_eq "pinned vCPU $i: its share" "$(jv /tmp/pinned.flat "$p.pcpus[0].share")" 100.00
	expect_eq "pinned vCPU $i: pcpu_most" "$(jv /tmp/pinned.flat "$p.pcpu_most")" $PIN
	expect_eq "pinned vCPU $i: pcpu_last" "$(jv /tmp/pinned.flat "$p.pcpu_last")" $PIN
	expect_eq "pinned vCPU $i: migrations" "$(jv /tmp/pinned.flat "$p.migrations")" 0
	echo "note: pinned vCPU $i: preempted $(jv /tmp/pinned.flat "$p.pct.preempted")% (unpinned: $(jv /tmp/sched.flat "$p.pct.preempted")%)"
	i=$((i + 1))
done
kvmwatch report --sched /tmp/pinned.rec >/tmp/pinned.txt
pid=$(sed -n 's/^vm0\.id=\([0-9]*\)-.*/\1/p' /tmp/pin.out)
expect_eq "pinned: text rows with pcpuid $PIN, 0 migrations, pcpus $PIN:100%" \
	"$(grep -cE "^$pid +[0-9]+ +([0-9.]+ +){3}[0-9]+ +[01] +$PIN +([0-9.]+ +){3}0 +$PIN:100%\$" /tmp/pinned.txt)" \
	$VCPUS

echo "== 3. a recording without LOAD/PUT records"
rc=0
kvmwatch record -o /tmp/nosched.rec -- kvmw-guest --timeout 240 --cpuid 10 \
	>/dev/null 2>&1 || rc=$?
expect_eq "record (exit,io,vm): exit status" "$rc" 0
rc=0
kvmwatch report --sched /tmp/nosched.rec >/tmp/nosched.out 2>/tmp/nosched.err || rc=$?
expect_eq "report --sched: exit status" "$rc" 1
expect_eq "report --sched: message" "$(cat /tmp/nosched.err)" \
	"kvmwatch: /tmp/nosched.rec: no vCPU scheduling records: record with -e sched"
expect_eq "report --sched: stdout" "$(cat /tmp/nosched.out)" ""
rm -f /tmp/sched.rec /tmp/pinned.rec /tmp/nosched.rec /tmp/trace.json
