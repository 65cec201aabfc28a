// SPDX-License-Identifier: GPL-2.0
/*
 * KVMW_IOC_TEST_EVENTS: a producer of known records at a known rate, for
 * testing the rings' loss accounting and their nested producers without
 * depending on how fast a guest can exit. Off unless the module was
 * loaded with test_events=1.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "events.h"
#include "ring.h"
#include "consumer.h"

static bool test_events;
module_param(test_events, bool, 0444);
MODULE_PARM_DESC(test_events, "Allow KVMW_IOC_TEST_EVENTS (tests only)");

#define KVMW_TEST_MAX_COUNT	100000000ULL
#define KVMW_TEST_MAX_WORDS	16
#define KVMW_TEST_MIN_PERIOD	10000ULL
#define KVMW_TEST_BATCH		256
#define KVMW_TEST_GOLDEN	0x9e3779b97f4a7c15ULL

struct kvmw_test_rec {
	struct kvmw_ev_test t;
	u64 check[KVMW_TEST_MAX_WORDS];
};

struct kvmw_test_nest {
	struct hrtimer timer;
	struct kvmw_rings *rings;
	u64 period_ns;
	u32 words;
	u64 index;
};

static void kvmw_test_write(struct kvmw_rings *r, u32 producer, u64 index,
			    u32 max_words)
{
	struct kvmw_test_rec rec;
	u32 i, words = index % (max_words + 1);

	rec.t.hdr.type = KVMW_EV_TYPE_TEST;
	rec.t.hdr.size = sizeof(rec.t) + words * sizeof(u64);
	rec.t.hdr.vcpu_id = KVMW_EV_NO_VCPU;
	rec.t.hdr.time_ns = ktime_get_mono_fast_ns();
	rec.t.hdr.vm = 0;
	rec.t.hdr.pid = 0;
	rec.t.hdr.tid = task_pid_nr(current);
	rec.t.producer = producer;
	rec.t.words = words;
	rec.t.index = index;
	for (i = 0; i < words; i++)
		rec.check[i] = index * KVMW_TEST_GOLDEN + i;
	kvmw_ring_write(r, &rec.t.hdr);
}

static enum hrtimer_restart kvmw_test_nested(struct hrtimer *timer)
{
	struct kvmw_test_nest *n = container_of(timer, struct kvmw_test_nest,
						timer);

	kvmw_test_write(n->rings, 1, n->index++, n->words);
	hrtimer_forward_now(timer, ns_to_ktime(n->period_ns));
	return HRTIMER_RESTART;
}

static int kvmw_test_check(const struct kvmw_test_events *t)
{
	if (t->flags & ~KVMW_TEST_FLAGS)
		return -EINVAL;
	if (!t->count || t->count > KVMW_TEST_MAX_COUNT)
		return -EINVAL;
	if (t->words > KVMW_TEST_MAX_WORDS)
		return -EINVAL;
	if ((t->flags & KVMW_TEST_NESTED) &&
	    t->nested_period_ns < KVMW_TEST_MIN_PERIOD)
		return -EINVAL;
	/* One ring: the caller must not migrate (pin it to one CPU). */
	if (current->nr_cpus_allowed != 1)
		return -EINVAL;
	return 0;
}

long kvmw_evc_test(struct kvmw_evc *c, void __user *uarg)
{
	struct kvmw_test_nest nest = { };
	struct kvmw_test_events t;
	struct kvmw_rings *r;
	u64 i, start;
	u32 usize;
	long ret;

	if (!test_events)
		return -EPERM;
	ret = kvmw_get_struct(&t, sizeof(t), uarg, KVMW_TEST_EVENTS_SIZE_VER0);
	if (ret)
		return ret;
	usize = t.size;
	if (!c)
		return -EINVAL;
	ret = kvmw_test_check(&t);
	if (ret)
		return ret;
	r = kvmw_evc_rings(c);

	if (t.flags & KVMW_TEST_NESTED) {
		nest.rings = r;
		nest.period_ns = t.nested_period_ns;
		nest.words = t.words;
		hrtimer_init_on_stack(&nest.timer, CLOCK_MONOTONIC,
				      HRTIMER_MODE_REL_PINNED_HARD);
		nest.timer.function = kvmw_test_nested;
		hrtimer_start(&nest.timer, ns_to_ktime(nest.period_ns),
			      HRTIMER_MODE_REL_PINNED_HARD);
	}
	t.cpu = raw_smp_processor_id();
	start = ktime_get_ns();
	for (i = 0; i < t.count; ) {
		u64 end = min(t.count, i + KVMW_TEST_BATCH);

		preempt_disable();
		for (; i < end; i++)
			kvmw_test_write(r, 0, i, t.words);
		preempt_enable();
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	t.elapsed_ns = ktime_get_ns() - start;
	if (t.flags & KVMW_TEST_NESTED) {
		hrtimer_cancel(&nest.timer);
		destroy_hrtimer_on_stack(&nest.timer);
	}
	t.produced = i;
	t.nested = nest.index;
	t.size = sizeof(t);
	if (copy_to_user(uarg, &t, min_t(u32, usize, sizeof(t))))
		return -EFAULT;
	return i == t.count ? 0 : -EINTR;
}
