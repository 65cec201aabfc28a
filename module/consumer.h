/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_CONSUMER_H
#define KVMW_CONSUMER_H

#include <linux/types.h>
#include <linux/poll.h>

struct vm_area_struct;

struct kvmw_consumer;

/*
 * A consumer: what one open /dev/kvmwatch file selected, enabled and
 * reset. Nothing here is seen by another consumer.
 */
struct kvmw_consumer *kvmw_consumer_new(void);
void kvmw_consumer_free(struct kvmw_consumer *c);

long kvmw_consumer_snapshot(struct kvmw_consumer *c, void __user *uarg);
long kvmw_consumer_set_filter(struct kvmw_consumer *c, void __user *uarg);
long kvmw_consumer_enable(struct kvmw_consumer *c, void __user *uarg);
long kvmw_consumer_reset(struct kvmw_consumer *c, unsigned long arg);
long kvmw_consumer_ring_setup(struct kvmw_consumer *c, void __user *uarg);
long kvmw_consumer_test_events(struct kvmw_consumer *c, void __user *uarg);
int kvmw_consumer_mmap(struct kvmw_consumer *c, struct vm_area_struct *vma);
__poll_t kvmw_consumer_poll(struct kvmw_consumer *c, struct file *file,
			    poll_table *pt);

/*
 * Read a growable structure the caller sized (copy_struct_from_user()
 * semantics; nothing larger than a page).
 */
int kvmw_get_struct(void *k, size_t ksize, const void __user *uarg, u32 ver0);

#endif /* KVMW_CONSUMER_H */
