/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_CONSUMER_H
#define KVMW_CONSUMER_H

#include <linux/types.h>

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

#endif /* KVMW_CONSUMER_H */
