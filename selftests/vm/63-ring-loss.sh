# SPDX-License-Identifier: GPL-2.0
# Event rings under overload: a producer on CPU 0 writes millions of
# records as fast as it can into a 16 KiB ring, with and without an
# interrupting nested producer, while the reader on CPU 1 stalls 100 ms;
# in discard and overwrite mode, lost + received = produced exactly and
# no record is torn or misaligned. Also the errors of RING_SETUP, mmap
# and TEST_EVENTS, and a reader's garbage data_tail (test_ring_loss).
# The producer's rate is printed; bench/ring-rate.sh measures it.
#
# KVMW_IOC_TEST_EVENTS needs kvmwatch loaded with test_events=1: the test
# reloads it so, then loads it again as every other test expects it (no
# parameter), also when the test failed.
. /kvmw/vmlib.sh
PARAM=/sys/module/kvmwatch/parameters/test_events

echo "== loaded as usual: KVMW_IOC_TEST_EVENTS refused"
test_ring_loss --eperm

echo "== reloaded with test_events=1"
rmmod kvmwatch
modprobe kvmwatch test_events=1
rc=0
test_ring_loss || rc=$?

echo "== reloaded as usual"
rmmod kvmwatch
modprobe kvmwatch
if [ -r $PARAM ]; then
	case $(cat $PARAM) in
	N | 0) echo "ok: test_events off again" ;;
	*) echo "FAIL: test_events is $(cat $PARAM) after the reload"; exit 1 ;;
	esac
fi
exit $rc
