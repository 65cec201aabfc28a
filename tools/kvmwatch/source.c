// SPDX-License-Identifier: GPL-2.0
/*
 * The device's messages are the ones "stat" always printed; the netlink
 * ones name the command and add what the kernel said about it.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd.h"
#include "dev.h"
#include "source.h"

int kvmw_via_parse(const char *s, enum kvmw_via *via)
{
	if (!strcmp(s, "dev"))
		*via = KVMW_VIA_DEV;
	else if (!strcmp(s, "netlink"))
		*via = KVMW_VIA_NETLINK;
	else
		return -1;
	return 0;
}

static int dev_step(int err, const char *what)
{
	if (!err)
		return 0;
	kvmw_err("%s on %s: %s", what, kvmw_dev_path(), strerror(-err));
	return -1;
}

static int nl_step(struct kvmw_nl *nl, int err, const char *what)
{
	char why[256];

	if (!err)
		return 0;
	kvmw_err("netlink %s: %s", what, kvmw_nl_strerror(nl, why,
							  sizeof(why)));
	return -1;
}

int kvmw_nl_open_checked(struct kvmw_nl *nl)
{
	struct kvmw_nl_version v;
	char why[256];
	int err;

	err = kvmw_nl_open(nl);
	if (err == -ENOENT) {
		kvmw_err("no generic netlink family '%s': module not loaded? (the kernel loads it on demand once installed; the family exists in the initial network namespace only)",
			 nl->family_name);
		return -1;
	}
	if (err) {
		kvmw_err("cannot open a generic netlink socket for '%s': %s",
			 nl->family_name, kvmw_nl_strerror(nl, why,
							   sizeof(why)));
		return -1;
	}
	err = kvmw_nl_get_version(nl, &v);
	if (nl_step(nl, err, "KVMW_NL_CMD_GET_VERSION"))
		goto err;
	if (v.abi != KVMW_ABI_VERSION) {
		kvmw_err("module ABI %u, this kvmwatch speaks ABI %u; install matching versions",
			 v.abi, KVMW_ABI_VERSION);
		goto err;
	}
	return 0;
err:
	kvmw_nl_close(nl);
	return -1;
}

int kvmw_source_open(struct kvmw_source *src, enum kvmw_via via)
{
	memset(src, 0, sizeof(*src));
	src->via = via;
	src->fd = -1;
	if (via == KVMW_VIA_NETLINK)
		return kvmw_nl_open_checked(&src->nl);
	src->fd = kvmw_dev_open_checked();
	return src->fd < 0 ? -1 : 0;
}

void kvmw_source_close(struct kvmw_source *src)
{
	if (src->via == KVMW_VIA_NETLINK)
		kvmw_nl_close(&src->nl);
	else if (src->fd >= 0)
		close(src->fd);
	src->fd = -1;
}

int kvmw_source_enable(struct kvmw_source *src, u64 families)
{
	if (src->via == KVMW_VIA_NETLINK)
		return nl_step(&src->nl, kvmw_nl_enable(&src->nl, families),
			       "KVMW_NL_CMD_SET_CONFIG (enable)");
	return dev_step(kvmw_dev_enable(src->fd, families), "KVMW_IOC_ENABLE");
}

int kvmw_source_filter(struct kvmw_source *src, const struct kvmw_filter *f)
{
	if (src->via == KVMW_VIA_NETLINK)
		return nl_step(&src->nl, kvmw_nl_filter(&src->nl, f),
			       "KVMW_NL_CMD_SET_CONFIG (filter)");
	return dev_step(kvmw_dev_filter(src->fd, f), "KVMW_IOC_SET_FILTER");
}

int kvmw_source_reset(struct kvmw_source *src)
{
	if (src->via == KVMW_VIA_NETLINK)
		return nl_step(&src->nl, kvmw_nl_reset(&src->nl),
			       "KVMW_NL_CMD_RESET");
	return dev_step(kvmw_dev_reset(src->fd), "KVMW_IOC_RESET");
}

int kvmw_source_snap(struct kvmw_source *src, unsigned int flags,
		     struct kvmw_snap *out)
{
	int err;

	if (src->via == KVMW_VIA_NETLINK) {
		err = kvmw_nl_snap_take(&src->nl, flags, out);
		/* What the kernel sent did not parse: not the kernel's errno. */
		if ((err == -EINVAL || err == -EPROTO) &&
		    !src->nl.from_kernel) {
			kvmw_err("netlink KVMW_NL_CMD_GET_STATS: malformed record stream; module and tool disagree");
			return -1;
		}
		if (err == -EAGAIN && !src->nl.from_kernel) {
			kvmw_err("netlink KVMW_NL_CMD_GET_STATS: dump interrupted (NLM_F_DUMP_INTR) %d time%s%s; retry",
				 src->nl.dump_tries,
				 src->nl.dump_tries == 1 ? "" : "s",
				 flags & KVMW_SNAP_RESET ?
				 ", its baseline taken" : "");
			return -1;
		}
		return nl_step(&src->nl, err, "KVMW_NL_CMD_GET_STATS");
	}
	err = kvmw_snap_take(src->fd, flags, out);
	if (err == -EINVAL || err == -EPROTO) {
		kvmw_err("KVMW_IOC_SNAPSHOT on %s: malformed record stream; module and tool disagree",
			 kvmw_dev_path());
		return -1;
	}
	return dev_step(err, "KVMW_IOC_SNAPSHOT");
}

bool kvmw_source_counters(struct kvmw_source *src, struct kvmw_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	if (src->via == KVMW_VIA_NETLINK)
		return false;
	return !ioctl(src->fd, KVMW_IOC_COUNTERS, c) &&
	       c->size >= KVMW_COUNTERS_SIZE_VER0;
}
