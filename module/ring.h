/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_RING_H
#define KVMW_RING_H

#include <linux/types.h>
#include <linux/poll.h>

#include "ring_api.h"

struct vm_area_struct;

/*
 * A consumer's rings: created by KVMW_IOC_RING_SETUP from @setup (checked
 * and completed in place), freed with the file once no producer can reach
 * them any more.
 */
int kvmw_rings_check(struct kvmw_ring_setup *setup);
struct kvmw_rings *kvmw_rings_alloc(const struct kvmw_ring_setup *setup);
void kvmw_rings_free(struct kvmw_rings *r);

int kvmw_rings_mmap(struct kvmw_rings *r, struct vm_area_struct *vma);
__poll_t kvmw_rings_poll(struct kvmw_rings *r, struct file *file,
			 poll_table *pt);

#endif /* KVMW_RING_H */
