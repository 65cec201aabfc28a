// SPDX-License-Identifier: GPL-2.0
/*
 * Consumers: per-file filters, enables and baselines, and the ioctls that
 * set them. Each ioctl validates everything before it changes anything,
 * so a failing call leaves the file as it was.
 *
 * Locking: kvmw_consumer.lock serialises one file's ioctls; it is taken
 * outside kvmw_attach_mutex (enable) and sleeps (allocations, copies).
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "consumer.h"
#include "snapshot.h"
#include "attach.h"
#include "counters.h"
#include "events.h"
#include "ring.h"

struct kvmw_consumer {
	struct mutex lock;		/* this file's ioctls */
	struct kvmw_filter filter;
	u64 families;
	struct kvmw_base *base;
	/*
	 * Set once by KVMW_IOC_RING_SETUP, freed with the file: mmap() and
	 * poll() read it without the lock (mmap_lock is taken inside it by
	 * the ioctls' user copies).
	 */
	struct kvmw_evc *evc;
};

struct kvmw_consumer *kvmw_consumer_new(void)
{
	struct kvmw_consumer *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (c)
		mutex_init(&c->lock);
	return c;
}

void kvmw_consumer_free(struct kvmw_consumer *c)
{
	kvmw_evc_destroy(c->evc);
	kvmw_attach_put(c->families & KVMW_ENABLE_STATS);
	kvmw_base_free(c->base);
	mutex_destroy(&c->lock);
	kfree(c);
}

/*
 * Read a growable structure the caller sized: below its first version
 * EINVAL, a larger one only if the extra bytes are zero (E2BIG), and
 * nothing larger than a page.
 */
int kvmw_get_struct(void *k, size_t ksize, const void __user *uarg, u32 ver0)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < ver0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(k, ksize, uarg, usize);
}

long kvmw_consumer_snapshot(struct kvmw_consumer *c, void __user *uarg)
{
	struct kvmw_base *newbase = NULL;
	struct kvmw_snapshot s;
	size_t need, len;
	u32 usize;
	void *buf;
	long ret;

	ret = kvmw_get_struct(&s, sizeof(s), uarg, KVMW_SNAPSHOT_SIZE_VER0);
	if (ret)
		return ret;
	usize = s.size;
	ret = -EINVAL;
	if (s.flags & ~KVMW_SNAP_FLAGS)
		return ret;
	if ((s.flags & KVMW_SNAP_RESET) && (s.flags & KVMW_SNAP_RAW))
		return ret;
	if (s.flags & KVMW_SNAP_RESET) {
		newbase = kvmw_base_alloc();
		if (!newbase)
			return -ENOMEM;
	}
	len = min_t(u64, s.buf_len, KVMW_SNAPSHOT_MAX);
	buf = len ? kvmalloc(len, GFP_KERNEL) : NULL;
	if (len && !buf) {
		kvmw_base_free(newbase);
		return -ENOMEM;
	}
	atomic64_inc(&kvmw_live.buffers);

	mutex_lock(&c->lock);
	s.time_ns = ktime_get_ns();
	need = kvmw_snapshot_fill(&c->filter, c->base, s.flags, buf, len,
				  &s.nr_vms, &s.nr_vcpus, newbase);

	ret = -ENOMEM;
	if (need == SIZE_MAX)
		goto out;
	ret = -E2BIG;
	if (need > KVMW_SNAPSHOT_MAX)
		goto out;
	if (need > len) {
		ret = -ENOSPC;
		if (put_user(need, &((struct kvmw_snapshot __user *)uarg)->used))
			ret = -EFAULT;
		goto out;
	}
	ret = -EFAULT;
	if (copy_to_user(u64_to_user_ptr(s.buf), buf, need))
		goto out;
	s.used = need;
	s.size = sizeof(s);
	if (copy_to_user(uarg, &s, min_t(u32, usize, sizeof(s))))
		goto out;
	ret = 0;
	if (newbase)
		swap(c->base, newbase);	/* the old one is freed below */
out:
	mutex_unlock(&c->lock);
	kvmw_base_free(newbase);
	kvfree(buf);
	atomic64_dec(&kvmw_live.buffers);
	return ret;
}

long kvmw_consumer_set_filter(struct kvmw_consumer *c, void __user *uarg)
{
	struct kvmw_filter f;
	long ret;

	ret = kvmw_get_struct(&f, sizeof(f), uarg, KVMW_FILTER_SIZE_VER0);
	if (ret)
		return ret;
	ret = -EINVAL;
	if (f.flags & ~KVMW_FILTER_FLAGS)
		return ret;
	if ((f.flags & KVMW_FILTER_PID) && f.pid <= 0)
		return ret;
	if ((f.flags & KVMW_FILTER_PID_TREE) && !(f.flags & KVMW_FILTER_PID))
		return ret;
	if ((f.flags & KVMW_FILTER_VCPU) && f.vcpu < 0)
		return ret;
	if ((f.flags & KVMW_FILTER_VM) &&
	    (!f.vm[0] || !memchr(f.vm, 0, sizeof(f.vm))))
		return ret;
	if (!(f.flags & KVMW_FILTER_VM))
		memset(f.vm, 0, sizeof(f.vm));

	mutex_lock(&c->lock);
	ret = c->evc ? kvmw_evc_set_filter(c->evc, &f) : 0;
	if (!ret)
		c->filter = f;
	mutex_unlock(&c->lock);
	return ret;
}

long kvmw_consumer_enable(struct kvmw_consumer *c, void __user *uarg)
{
	struct kvmw_enable e;
	long ret;

	ret = kvmw_get_struct(&e, sizeof(e), uarg, KVMW_ENABLE_SIZE_VER0);
	if (ret)
		return ret;
	if (e.flags || (e.families & ~KVMW_ENABLE_ALL))
		return -EINVAL;

	mutex_lock(&c->lock);
	ret = -EINVAL;
	if ((e.families & KVMW_ENABLE_EVENTS) && !c->evc)
		goto out;
	kvmw_attach_get(e.families & ~c->families & KVMW_ENABLE_STATS);
	if (c->evc)
		kvmw_evc_enable(c->evc, e.families & KVMW_ENABLE_EVENTS,
				e.min_duration_ns);
	kvmw_attach_put(c->families & ~e.families & KVMW_ENABLE_STATS);
	c->families = e.families;
	ret = 0;
out:
	mutex_unlock(&c->lock);
	return ret;
}

long kvmw_consumer_ring_setup(struct kvmw_consumer *c, void __user *uarg)
{
	struct kvmw_ring_setup s;
	struct kvmw_evc *evc;
	u32 usize;
	long ret;

	ret = kvmw_get_struct(&s, sizeof(s), uarg, KVMW_RING_SETUP_SIZE_VER0);
	if (ret)
		return ret;
	usize = s.size;
	ret = kvmw_rings_check(&s);
	if (ret)
		return ret;

	mutex_lock(&c->lock);
	ret = -EBUSY;
	if (c->evc)
		goto out;
	ret = -ENOMEM;
	evc = kvmw_evc_create(&s, &c->filter);
	if (!evc)
		goto out;
	s.size = sizeof(s);
	ret = -EFAULT;
	if (copy_to_user(uarg, &s, min_t(u32, usize, sizeof(s)))) {
		kvmw_evc_destroy(evc);
		goto out;
	}
	/* Pairs with mmap()/poll(): they see the rings fully set up. */
	smp_store_release(&c->evc, evc);
	ret = 0;
out:
	mutex_unlock(&c->lock);
	return ret;
}

int kvmw_consumer_mmap(struct kvmw_consumer *c, struct vm_area_struct *vma)
{
	/* Pairs with kvmw_consumer_ring_setup(). */
	struct kvmw_evc *evc = smp_load_acquire(&c->evc);

	return evc ? kvmw_evc_mmap(evc, vma) : -ENODEV;
}

__poll_t kvmw_consumer_poll(struct kvmw_consumer *c, struct file *file,
			    poll_table *pt)
{
	/* Pairs with kvmw_consumer_ring_setup(). */
	struct kvmw_evc *evc = smp_load_acquire(&c->evc);

	return evc ? kvmw_evc_poll(evc, file, pt) : EPOLLERR;
}

long kvmw_consumer_test_events(struct kvmw_consumer *c, void __user *uarg)
{
	/* Pairs with kvmw_consumer_ring_setup(). */
	return kvmw_evc_test(smp_load_acquire(&c->evc), uarg);
}

long kvmw_consumer_reset(struct kvmw_consumer *c, unsigned long arg)
{
	struct kvmw_base *base, *old;

	if (arg)
		return -EINVAL;
	base = kvmw_base_take();
	if (!base)
		return -ENOMEM;
	mutex_lock(&c->lock);
	old = c->base;
	c->base = base;
	mutex_unlock(&c->lock);
	kvmw_base_free(old);
	return 0;
}
