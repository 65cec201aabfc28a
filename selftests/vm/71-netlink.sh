# SPDX-License-Identifier: GPL-2.0
# The generic netlink family "kvmwatch" (issue 5) at the protocol level,
# with raw sockets: the family and its group, malformed requests (errno,
# extended ack, nothing changed), privileges, per-socket state, a dump
# over 1,000+ vCPUs with VMs churning under it, netlink against
# /dev/kvmwatch, VM and threshold notifications; last, kvmwatch unloaded
# and loaded again by asking for the family. Every part runs even if an
# earlier one failed; the test fails if any did.
. /kvmw/vmlib.sh
rc=0

part() {
	echo "== $*"
	if "$@"; then
		echo "ok: $*"
	else
		echo "FAIL: $* (exit $?)"
		rc=1
	fi
}

part test_netlink resolve
part test_nl_malformed
part test_netlink unpriv
part test_netlink sockets
part test_nl_notify notify
part test_nl_stats same
part test_nl_stats dump 4 256
part test_nl_notify thresholds
part test_nl_notify th-starve
part test_nl_notify th-noenable
part test_nl_notify th-burst

echo "== autoload: asking for the family loads kvmwatch"
alias=net-pf-16-proto-16-family-kvmwatch
mdir=/lib/modules/$(uname -r)
expect_eq "kvmwatch.ko carries the alias" \
	"$(modinfo -F alias kvmwatch | grep -cx "$alias")" 1 || rc=1
expect_eq "modules.alias maps it to kvmwatch" \
	"$(grep -cx "alias $alias kvmwatch" "$mdir/modules.alias")" 1 || rc=1
expect_eq "modules.dep lists kvmwatch" \
	"$(grep -c '/kvmwatch\.ko:' "$mdir/modules.dep")" 1 || rc=1
# Nothing may hold the module: rmmod would fail (and must not be forced).
expect_eq "open /dev/kvmwatch files (the counters command's own)" \
	"$(counter files)" 1 || rc=1
expect_eq "stats consumers" "$(counter stats_consumers)" 0 || rc=1
rmmod kvmwatch
expect_eq "kvmwatch unloaded" "$(loaded kvmwatch && echo yes || echo no)" no
# request_module() runs kernel.modprobe (CONFIG_MODPROBE_PATH, Debian's
# /sbin/modprobe); the rig's busybox initramfs has modprobe in /bin only.
mp=$(cat /proc/sys/kernel/modprobe)
if [ -x "$mp" ]; then
	part test_netlink autoload
else
	echo "# kernel.modprobe is $mp, absent from this initramfs: the kernel's"
	echo "# request_module() cannot run it, so nothing could autoload here."
	part test_netlink noautoload
	echo "# Testing with kernel.modprobe=/bin/modprobe (busybox) instead."
	echo /bin/modprobe >/proc/sys/kernel/modprobe
	part test_netlink autoload
	echo "$mp" >/proc/sys/kernel/modprobe
fi
expect_eq "kernel.modprobe restored" "$(cat /proc/sys/kernel/modprobe)" "$mp"
# The state every test starts from: kvmwatch loaded with its defaults.
loaded kvmwatch || { echo "FAIL: kvmwatch not autoloaded"; rc=1; modprobe kvmwatch; }
expect_eq "tracepoints attached" "$(counter tracepoints)" 0 || rc=1
expect_eq "kprobes registered" "$(counter kprobes)" 4 || rc=1
exit $rc
