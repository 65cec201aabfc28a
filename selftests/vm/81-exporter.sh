# SPDX-License-Identifier: GPL-2.0
# "kvmwatch exporter": bad --listen values are usage errors (2), a busy
# port a runtime error (1); GET /metrics serves the exposition, HEAD its
# headers only, anything else 404/405. While a guest doing OUT 0x80 holds
# its VM alive, a scrape's kvmwatch_exits_total{reason="io"} for that VM
# equals what a "kvmwatch stat --json -- COMMAND" running at the same time
# reports for it, and the port 0x80 write rows equal the guest's own
# tally: the exporter's cumulative reads do not disturb stat's window
# (stat's counts are exact). The textfile is replaced atomically (no
# temporary left behind). The doctor gauges: with 80-doctor's ticking
# guest (an idle vCPU woken by its TSC-deadline timer every 4 ms) alive
# for a few seconds, a scrape has exactly one kvmwatch_doctor_finding,
# timer-tick for that VM's vCPU 0, and its cost. SIGTERM stops the
# exporter with status 0 and the module's files and statistics consumers
# return to their baseline.
. /kvmw/vmlib.sh

PORT=9745
URL=http://127.0.0.1:$PORT/metrics
N=40
TF=/tmp/textfile

scrape() {
	wget -q -O "$1" "$URL"
}

# exported VM LINE-PREFIX PATTERN: sum of the samples of VM whose line
# starts with LINE-PREFIX{vm="VM" and matches PATTERN
exported() {
	awk -v pre="$2{vm=\"$1\"" -v pat="$3" '
	index($0, pre) == 1 && index($0, pat) { s += $NF }
	END { print s + 0 }' "$4"
}

# jsum VMID REASON: count of exit reason REASON in VM VMID, all vCPUs,
# from stat's flattened JSON
jsum() {
	awk -F'\t' -v id="$1" -v want="$2" '
	$1 ~ /^vms\[[0-9]+\]\.vm$/ { cur = $2; next }
	cur != id { next }
	$1 ~ /\.exits\[[0-9]+\]\.reason$/ { r[substr($1, 1, length($1) - 7)] = $2 }
	$1 ~ /\.exits\[[0-9]+\]\.count$/ &&
	    r[substr($1, 1, length($1) - 6)] == want { s += $2 }
	END { print s + 0 }' /tmp/exp-stat.flat
}

files0=$(counter files)
consumers0=$(counter stats_consumers)

for bad in 127.0.0.1 127.0.0.1:0 127.0.0.1:65536 localhost:9745 \
	   '[::1]9745' 300.1.1.1:80 127.0.0.1:80x; do
	rc=0
	kvmwatch exporter --listen "$bad" 2>/tmp/exp-bad.err || rc=$?
	expect_eq "exporter --listen '$bad': exit status" "$rc" 2
	grep -q "invalid --listen" /tmp/exp-bad.err ||
		{ cat /tmp/exp-bad.err; echo "FAIL: no clear error"; exit 1; }
done

rm -rf $TF
mkdir -p $TF
kvmwatch exporter --listen 127.0.0.1:$PORT --textfile $TF --interval 1 \
	2>/tmp/exporter.err &
EXP=$!
i=0
until scrape /tmp/exp-m0 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		cat /tmp/exporter.err
		echo "FAIL: the exporter does not answer"
		exit 1
	fi
	sleep 0.1
done
echo "ok: the exporter answers on $URL"
expect_eq "exporter's own file counted" "$(counter files)" $((files0 + 1))

rc=0
kvmwatch exporter --listen 127.0.0.1:$PORT 2>/tmp/exp-busy.err || rc=$?
expect_eq "second exporter on the busy port: exit status" "$rc" 1
grep -q "cannot listen on 127.0.0.1:$PORT: Address already in use" \
	/tmp/exp-busy.err ||
	{ cat /tmp/exp-busy.err; echo "FAIL: no clear error"; exit 1; }

printf 'GET / HTTP/1.0\r\n\r\n' | nc 127.0.0.1 $PORT >/tmp/exp-404
expect_eq "GET /" "$(head -n 1 /tmp/exp-404 | tr -d '\r')" \
	"HTTP/1.1 404 Not Found"
printf 'POST /metrics HTTP/1.0\r\n\r\n' | nc 127.0.0.1 $PORT >/tmp/exp-405
expect_eq "POST /metrics" "$(head -n 1 /tmp/exp-405 | tr -d '\r')" \
	"HTTP/1.1 405 Method Not Allowed"
printf 'HEAD /metrics HTTP/1.0\r\n\r\n' | nc 127.0.0.1 $PORT >/tmp/exp-head
expect_eq "HEAD /metrics" "$(head -n 1 /tmp/exp-head | tr -d '\r')" \
	"HTTP/1.1 200 OK"
expect_eq "HEAD Content-Type" \
	"$(sed -n 's/^Content-Type: //p' /tmp/exp-head | tr -d '\r')" \
	"text/plain; version=0.0.4; charset=utf-8"
expect_eq "HEAD: headers only" "$(tail -c 4 /tmp/exp-head | od -An -c | tr -d ' ')" \
	'\r\n\r\n'

# A concurrent stat, over exactly the guest's lifetime.
rm -f /tmp/exp-guest.out
kvmwatch stat --json -- sh -c "kvmw-guest --no-irqchip --vcpus 2 \
	--out 0x80:$N --hold 120 >/tmp/exp-guest.out; exit \$?" \
	>/tmp/exp-stat.json &
STAT=$!
i=0
until grep -q '^hold=' /tmp/exp-guest.out 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 1800 ]; then
		cat /tmp/exp-guest.out
		echo "FAIL: the guest did not finish its work"
		exit 1
	fi
	sleep 0.1
done
grep -q '^result=ok' /tmp/exp-guest.out ||
	{ cat /tmp/exp-guest.out; echo "FAIL: the guest"; exit 1; }
ID=$(sed -n 's/^vm0\.id=//p' /tmp/exp-guest.out)
tally=$(sed -n 's/^vm0\.out\.0x80=//p' /tmp/exp-guest.out)
expect_eq "the guest's OUT 0x80 tally" "$tally" $((2 * N))

scrape /tmp/exp-m1
sleep 1.5	# at least one textfile write with the VM in it
cp $TF/kvmwatch.prom /tmp/exp-tf

# The guest is idle: nothing changes until it is stopped.
kill -TERM "$(pidof kvmw-guest)"
rc=0
wait $STAT || rc=$?
expect_eq "kvmwatch stat's exit status (the guest's)" "$rc" 0
json_flat </tmp/exp-stat.json >/tmp/exp-stat.flat

io=$(exported "$ID" kvmwatch_exits_total "reason=\"$R_IO\"}" /tmp/exp-m1)
expect_eq "exporter: $ID io exits = stat's" "$io" "$(jsum "$ID" "$R_IO")"
[ "$io" -ge $((2 * N)) ] || { echo "FAIL: io $io < $((2 * N))"; exit 1; }
expect_eq "exporter: $ID port 0x80 writes = the guest's tally" \
	"$(exported "$ID" kvmwatch_ioport_exits_total \
		'port="0x80",dir="write",port_name="POST_IODELAY"}' \
		/tmp/exp-m1)" "$tally"
expect_eq "exporter: $ID io histogram count" \
	"$(exported "$ID" kvmwatch_exit_handling_seconds_count \
		"reason=\"$R_IO\"}" /tmp/exp-m1)" "$io"
expect_eq "exporter: $ID io histogram +Inf bucket" \
	"$(exported "$ID" kvmwatch_exit_handling_seconds_bucket \
		"reason=\"$R_IO\",le=\"+Inf\"}" /tmp/exp-m1)" "$io"
expect_eq "exporter: $ID vCPUs" \
	"$(exported "$ID" kvmwatch_vcpus '}' /tmp/exp-m1)" 2
expect_eq "textfile: $ID io exits" \
	"$(exported "$ID" kvmwatch_exits_total "reason=\"$R_IO\"}" /tmp/exp-tf)" \
	"$io"
expect_eq "textfile directory: no temporary left" "$(ls -A $TF)" \
	kvmwatch.prom

# Doctor gauges. The exporter evaluates doctor at most once a second
# (the textfile's 1 s interval does too): after 3 s of ticking, the
# last window lies within the guest's life.
kvmw-guest --timeout 60 --duration 30 --hlt-tscdl 1:4000000 \
	>/tmp/exp-tick.out 2>&1 &
TICK=$!
TID=
for i in $(seq 1 200); do
	TID=$(sed -n 's/^vm0\.ready=//p' /tmp/exp-tick.out)
	[ -n "$TID" ] && break
	sleep 0.1
done
[ -n "$TID" ] || { tail -5 /tmp/exp-tick.out; echo "FAIL: tick guest"; exit 1; }
sleep 3
scrape /tmp/exp-d1
kill $TICK
wait $TICK 2>/dev/null || true
echo "== doctor gauges: $(grep '^kvmwatch_doctor_' /tmp/exp-d1 | tr '\n' ' ' | cut -c1-400)"
expect_eq "doctor gauge: timer-tick of $TID vCPU 0" \
	"$(grep -c "^kvmwatch_doctor_finding{vm=\"$TID\",pid=\"$TICK\",name=\"[^\"]*\",vcpu=\"0\",kind=\"timer-tick\"} 1\$" /tmp/exp-d1)" 1
expect_eq "doctor gauge: no other finding" \
	"$(grep -c '^kvmwatch_doctor_finding{' /tmp/exp-d1)" 1
expect_eq "doctor gauge: its cost" \
	"$(grep -c "^kvmwatch_doctor_cost_seconds_per_second{vm=\"$TID\",.*kind=\"timer-tick\"} 0\.[0-9]*\$" /tmp/exp-d1)" 1
w=$(sed -n 's/^kvmwatch_doctor_window_seconds //p' /tmp/exp-d1)
expect_eq "doctor window: at least 1 s" "$(echo "$w" | awk '{ print ($1 >= 1) }')" 1

kill -TERM $EXP
rc=0
wait $EXP || rc=$?
expect_eq "exporter's exit status on SIGTERM" "$rc" 0
[ ! -s /tmp/exporter.err ] ||
	{ cat /tmp/exporter.err; echo "FAIL: exporter wrote errors"; exit 1; }
expect_eq "files back at baseline" "$(counter files)" "$files0"
expect_eq "stats consumers back at baseline" "$(counter stats_consumers)" \
	"$consumers0"
