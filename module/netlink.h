/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "kvmwatch" (uapi/linux/kvmwatch_nl.h):
 * requests and per-socket state in netlink.c, notifications and
 * thresholds in nl_notify.c.
 */
#ifndef KVMW_NETLINK_H
#define KVMW_NETLINK_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/xarray.h>
#include <net/genetlink.h>

#include "../uapi/linux/kvmwatch.h"
#include "../uapi/linux/kvmwatch_nl.h"

struct kvmw_vm;
struct kvmw_base;

struct kvmw_nl_thr {
	u32 isa;
	u32 code;
	u64 rate;
};

/*
 * One socket's state, like one /dev/kvmwatch file's. Found by port id;
 * freed when the socket is released (NETLINK_URELEASE).
 */
struct kvmw_nl_sock {
	struct list_head node;		/* kvmw_nl_socks; kvmw_nl_mutex */
	u32 portid;
	struct mutex lock;		/* everything below */
	struct kvmw_filter filter;
	bool stats;			/* KVMW_ENABLE_STATS held (ENABLE) */
	bool th_stats;			/* ... held for the thresholds */
	struct kvmw_base *base;
	u32 ratelimit_ms;
	u32 nr_th;
	struct kvmw_nl_thr th[KVMW_NL_THRESHOLDS_MAX];
	struct xarray th_state;		/* vCPU serial -> struct kvmw_nl_ths */
	u64 th_gen;			/* evaluation that last saw a vCPU */
};

extern struct genl_family kvmw_nl_family;

/*
 * kvmw_nl_mutex: the socket list and every socket's creation and
 * release. Taken outside a socket's lock.
 */
extern struct mutex kvmw_nl_mutex;
extern struct list_head kvmw_nl_socks;

int kvmw_nl_init(void);
void kvmw_nl_exit(void);

/* nl_notify.c */
void kvmw_nl_notify_vm(u8 cmd, const struct kvmw_vm *vm);	/* atomic */
void kvmw_nl_th_changed(void);		/* thresholds were set somewhere */
void kvmw_nl_th_forget(struct kvmw_nl_sock *s);	/* s->lock held */
/* Notifications flow between start and stop; flush frees what is queued. */
void kvmw_nl_notify_start(void);
void kvmw_nl_notify_stop(void);
void kvmw_nl_notify_flush(void);

#endif /* KVMW_NETLINK_H */
