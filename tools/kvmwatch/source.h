/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where "kvmwatch stat" reads statistics from: /dev/kvmwatch (ioctls on
 * one file) or the generic netlink family (requests on one socket). Both
 * hold the same per-consumer state (statistics enable, filter, baseline)
 * and give the same snapshot, so the command runs the same steps over
 * either. Every failure is reported here, naming the ioctl or the
 * netlink command; callers only learn "it failed".
 */
#ifndef KVMW_SOURCE_H
#define KVMW_SOURCE_H

#include <stdbool.h>

#include <linux/kvmwatch.h>

#include "nlsnap.h"
#include "snapshot.h"

enum kvmw_via {
	KVMW_VIA_DEV,
	KVMW_VIA_NETLINK,
};

struct kvmw_source {
	enum kvmw_via via;
	int fd;			/* KVMW_VIA_DEV */
	struct kvmw_nl nl;	/* KVMW_VIA_NETLINK */
};

/* "dev" or "netlink": 0, or -1. */
int kvmw_via_parse(const char *s, enum kvmw_via *via);

/*
 * Open a netlink socket, resolve the family and check the module speaks
 * this tool's ABI (GET_VERSION). 0, or -1 (reported).
 */
int kvmw_nl_open_checked(struct kvmw_nl *nl);

/*
 * Open the device or the socket and check the module speaks this tool's
 * ABI. 0, or -1 (reported).
 */
int kvmw_source_open(struct kvmw_source *src, enum kvmw_via via);
void kvmw_source_close(struct kvmw_source *src);

/* Each 0, or -1 (reported). */
int kvmw_source_enable(struct kvmw_source *src, u64 families);
int kvmw_source_filter(struct kvmw_source *src, const struct kvmw_filter *f);
int kvmw_source_reset(struct kvmw_source *src);
int kvmw_source_snap(struct kvmw_source *src, unsigned int flags,
		     struct kvmw_snap *out);

/*
 * The module-wide counters (KVMW_IOC_COUNTERS), silently: true if read.
 * The netlink family has no such command: always false there.
 */
bool kvmw_source_counters(struct kvmw_source *src, struct kvmw_counters *c);

#endif /* KVMW_SOURCE_H */
