// SPDX-License-Identifier: GPL-2.0
/*
 * Rings of one consumer: allocation, mapping and poll(). The producer
 * side is ring_api.h.
 *
 * Each CPU's control page and data area are separate vmalloc_user()
 * areas, so each maps with remap_vmalloc_range() and its own permissions:
 * the reader may write the control page (its data_tail) but never the
 * data the kernel reads back in overwrite mode.
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/log2.h>
#include <linux/cpumask.h>

#include "ring.h"
#include "compat.h"
#include "counters.h"

int kvmw_rings_check(struct kvmw_ring_setup *s)
{
	u64 data_size;

	if (s->flags & ~KVMW_RING_FLAGS)
		return -EINVAL;
	if (!s->data_pages)
		s->data_pages = KVMW_RING_PAGES_DEFAULT;
	/* Two pages at least: see kvmw_ring_push_oldest(). */
	if (s->data_pages < 2 || s->data_pages > KVMW_RING_PAGES_MAX ||
	    !is_power_of_2(s->data_pages))
		return -EINVAL;
	data_size = (u64)s->data_pages * PAGE_SIZE;
	if (!s->watermark)
		s->watermark = data_size / 4;
	if (s->watermark > data_size / 2)
		return -EINVAL;
	s->nr_rings = nr_cpu_ids;
	s->page_size = PAGE_SIZE;
	s->data_size = data_size;
	s->mmap_stride = data_size + PAGE_SIZE;
	return 0;
}

static void kvmw_ring_cpu_free(struct kvmw_ring_cpu *rc)
{
	vfree(rc->ctrl);
	vfree(rc->data);
}

void kvmw_rings_free(struct kvmw_rings *r)
{
	unsigned int cpu;

	if (!r)
		return;
	/* No producer reaches @r any more; a queued wake-up may still run. */
	irq_work_sync(&r->wake);
	for (cpu = 0; cpu < r->nr; cpu++)
		kvmw_ring_cpu_free(&r->cpus[cpu]);
	kfree(r);
	atomic64_dec(&kvmw_live.buffers);
}

static void kvmw_rings_wake(struct irq_work *work)
{
	struct kvmw_rings *r = container_of(work, struct kvmw_rings, wake);

	wake_up_all(&r->wq);
}

struct kvmw_rings *kvmw_rings_alloc(const struct kvmw_ring_setup *s)
{
	struct kvmw_rings *r;
	unsigned int cpu;

	r = kzalloc(struct_size(r, cpus, nr_cpu_ids), GFP_KERNEL);
	if (!r)
		return NULL;
	atomic64_inc(&kvmw_live.buffers);
	r->data_size = s->data_size;
	r->data_pages = s->data_pages;
	r->watermark = s->watermark;
	r->flags = s->flags;
	r->nr = nr_cpu_ids;
	init_waitqueue_head(&r->wq);
	init_irq_work(&r->wake, kvmw_rings_wake);

	for_each_possible_cpu(cpu) {
		struct kvmw_ring_cpu *rc = &r->cpus[cpu];

		rc->ctrl = vmalloc_user(PAGE_SIZE);
		rc->data = vmalloc_user(r->data_size);
		if (!rc->ctrl || !rc->data)
			goto fail;
		rc->wake_at = r->watermark;
		rc->ctrl->version = KVMW_RING_CTRL_VERSION;
		rc->ctrl->flags = r->flags;
		rc->ctrl->cpu = cpu;
		rc->ctrl->data_size = r->data_size;
	}
	return r;

fail:
	kvmw_rings_free(r);
	return NULL;
}

/*
 * Ring @cpu's mmap space: its control page, then its data. A mapping is
 * exactly one of them; the data only without write permission, ever.
 */
int kvmw_rings_mmap(struct kvmw_rings *r, struct vm_area_struct *vma)
{
	unsigned long stride = r->data_pages + 1;
	unsigned long pgoff = vma->vm_pgoff;
	unsigned long cpu = pgoff / stride;
	unsigned long page = pgoff % stride;
	unsigned long pages = vma_pages(vma);
	struct kvmw_ring_cpu *rc;

	if (cpu >= r->nr || !cpu_possible(cpu))
		return -ENXIO;
	rc = &r->cpus[cpu];
	if (page == 0) {
		if (pages != 1)
			return -EINVAL;
		return remap_vmalloc_range(vma, rc->ctrl, 0);
	}
	if (page != 1 || pages != r->data_pages)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	kvmw_vm_flags_clear(vma, VM_MAYWRITE);
	return remap_vmalloc_range(vma, rc->data, 0);
}

/* Readable: some ring holds a watermark's worth past the reader's tail. */
__poll_t kvmw_rings_poll(struct kvmw_rings *r, struct file *file,
			 poll_table *pt)
{
	unsigned int cpu;

	poll_wait(file, &r->wq, pt);
	for_each_possible_cpu(cpu) {
		const struct kvmw_ring_ctrl *ctrl = r->cpus[cpu].ctrl;
		/* Pairs with kvmw_ring_publish(). */
		u64 head = smp_load_acquire(&ctrl->data_head);
		u64 tail = READ_ONCE(ctrl->data_tail);

		if (head - tail >= r->watermark && head - tail <= r->data_size)
			return EPOLLIN | EPOLLRDNORM;
		/* Overwrite mode: a lapped reader has everything to read. */
		if ((r->flags & KVMW_RING_OVERWRITE) &&
		    head - tail > r->data_size)
			return EPOLLIN | EPOLLRDNORM;
	}
	return 0;
}
