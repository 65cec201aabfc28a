// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "kvmwatch": requests and per-socket state.
 * The protocol is documented in uapi/linux/kvmwatch_nl.h.
 *
 * A socket's state is created by its first request that needs one and
 * freed from the netlink notifier when the socket is released, so it
 * lives exactly as long as the socket, like a /dev/kvmwatch file's.
 *
 * Lock order: kvmw_nl_mutex, then a socket's lock, then (through
 * kvmw_attach_get/put) kvmw_attach_mutex.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <linux/timekeeping.h>
#include <linux/mm.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "netlink.h"
#include "snapshot.h"
#include "attach.h"
#include "counters.h"
#include "compat.h"
#include "version.h"

/* The socket list; see netlink.h. */
DEFINE_MUTEX(kvmw_nl_mutex);
LIST_HEAD(kvmw_nl_socks);

/* Not const: 6.1's policy points at a non-const range. */
static struct netlink_range_validation kvmw_nl_vcpu_range = {
	.min = 0,
	.max = S32_MAX,
};

static struct netlink_range_validation kvmw_nl_ratelimit_range = {
	.min = 100,
	.max = 3600000,
};

static const struct nla_policy kvmw_nl_filter_policy[KVMW_NL_FILTER_MAX + 1] = {
	[KVMW_NL_FILTER_PID] = NLA_POLICY_MIN(NLA_S32, 1),
	[KVMW_NL_FILTER_PID_TREE] = { .type = NLA_FLAG },
	[KVMW_NL_FILTER_VM] = { .type = NLA_NUL_STRING, .len = 31 },
	[KVMW_NL_FILTER_VCPU] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &kvmw_nl_vcpu_range),
	[KVMW_NL_FILTER_LIVE] = { .type = NLA_FLAG },
};

static const struct nla_policy kvmw_nl_th_policy[KVMW_NL_TH_MAX + 1] = {
	[KVMW_NL_TH_ISA] = NLA_POLICY_RANGE(NLA_U32, KVMW_ISA_VMX,
					    KVMW_ISA_SVM),
	[KVMW_NL_TH_CODE] = { .type = NLA_U32 },
	[KVMW_NL_TH_RATE] = NLA_POLICY_MIN(NLA_U64, 1),
};

static const struct nla_policy kvmw_nl_ths_policy[KVMW_NL_ATTR_MAX + 1] = {
	[KVMW_NL_ATTR_THRESHOLD] = NLA_POLICY_NESTED(kvmw_nl_th_policy),
};

/*
 * SNAP_FLAGS is a u32, checked whole by the policy (6.1 gives a dump's
 * start callback no extended ack, so nothing is left for it to refuse).
 * Validation functions exist for binary attributes only.
 */
static int kvmw_nl_snap_flags_check(const struct nlattr *attr,
				    struct netlink_ext_ack *extack)
{
	u32 flags;

	if (nla_len(attr) != sizeof(u32)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "SNAP_FLAGS is a u32");
		return -EINVAL;
	}
	flags = nla_get_u32(attr);
	if (flags & ~KVMW_SNAP_FLAGS) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "unknown SNAP_FLAGS bits");
		return -EINVAL;
	}
	if ((flags & KVMW_SNAP_RESET) && (flags & KVMW_SNAP_RAW)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "RESET and RAW exclude each other");
		return -EINVAL;
	}
	return 0;
}

/* Each command's attributes; anything else (reply-only too) is refused. */
static const struct nla_policy kvmw_nl_stats_policy[KVMW_NL_ATTR_MAX + 1] = {
	/* No length in the policy: the function answers EINVAL for it. */
	[KVMW_NL_ATTR_SNAP_FLAGS] =
		NLA_POLICY_VALIDATE_FN(NLA_BINARY, kvmw_nl_snap_flags_check),
};

static const struct nla_policy kvmw_nl_config_policy[KVMW_NL_ATTR_MAX + 1] = {
	[KVMW_NL_ATTR_ENABLE] = NLA_POLICY_MASK(NLA_U64, KVMW_ENABLE_ALL),
	[KVMW_NL_ATTR_FILTER] = NLA_POLICY_NESTED(kvmw_nl_filter_policy),
	[KVMW_NL_ATTR_THRESHOLDS] = NLA_POLICY_NESTED(kvmw_nl_ths_policy),
	[KVMW_NL_ATTR_RATELIMIT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &kvmw_nl_ratelimit_range),
};

#define KVMW_NL_RATELIMIT_DEFAULT	1000

static struct kvmw_nl_sock *kvmw_nl_sock_find_locked(u32 portid)
{
	struct kvmw_nl_sock *s;

	list_for_each_entry(s, &kvmw_nl_socks, node)
		if (s->portid == portid)
			return s;
	return NULL;
}

/* The sender's state, created on first use; NULL if out of memory. */
static struct kvmw_nl_sock *kvmw_nl_sock_get(u32 portid)
{
	struct kvmw_nl_sock *s;

	mutex_lock(&kvmw_nl_mutex);
	s = kvmw_nl_sock_find_locked(portid);
	if (!s) {
		s = kzalloc(sizeof(*s), GFP_KERNEL);
		if (s) {
			s->portid = portid;
			s->ratelimit_ms = KVMW_NL_RATELIMIT_DEFAULT;
			mutex_init(&s->lock);
			xa_init(&s->th_state);
			list_add_tail(&s->node, &kvmw_nl_socks);
			atomic64_inc(&kvmw_live.buffers);
		}
	}
	mutex_unlock(&kvmw_nl_mutex);
	return s;
}

static void kvmw_nl_sock_free(struct kvmw_nl_sock *s)
{
	mutex_lock(&s->lock);
	if (s->stats)
		kvmw_attach_put(KVMW_ENABLE_STATS);
	if (s->th_stats)
		kvmw_attach_put(KVMW_ENABLE_STATS);
	kvmw_nl_th_forget(s);
	kvmw_base_free(s->base);
	mutex_unlock(&s->lock);
	mutex_destroy(&s->lock);
	kfree(s);
	atomic64_dec(&kvmw_live.buffers);
}

/*
 * Every reply starts with the family header; @info is the request.
 * Returns NULL when out of memory (the message is freed).
 */
static struct sk_buff *kvmw_nl_reply_new(struct genl_info *info, u8 cmd,
					 void **hdr)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);

	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, &kvmw_nl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int kvmw_nl_get_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = kvmw_nl_reply_new(info, KVMW_NL_CMD_GET_VERSION, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, KVMW_NL_ATTR_ABI, KVMW_ABI_VERSION) ||
	    nla_put_string(msg, KVMW_NL_ATTR_VERSION, KVMW_VERSION_STRING) ||
	    nla_put_u32(msg, KVMW_NL_ATTR_CAPS,
			KVMW_CAPS | KVMW_NL_CAP_THRESHOLDS) ||
	    nla_put_string(msg, KVMW_NL_ATTR_RELEASE,
			   init_utsname()->release)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int kvmw_nl_reset(struct sk_buff *skb, struct genl_info *info)
{
	struct kvmw_base *base, *old;
	struct kvmw_nl_sock *s;

	s = kvmw_nl_sock_get(info->snd_portid);
	if (!s)
		return -ENOMEM;
	base = kvmw_base_take();
	if (!base)
		return -ENOMEM;
	mutex_lock(&s->lock);
	old = s->base;
	s->base = base;
	mutex_unlock(&s->lock);
	kvmw_base_free(old);
	return 0;
}

static int kvmw_nl_parse_filter(const struct nlattr *nest,
				struct kvmw_filter *f,
				struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KVMW_NL_FILTER_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, KVMW_NL_FILTER_MAX, nest,
			       kvmw_nl_filter_policy, extack);
	if (ret)
		return ret;
	memset(f, 0, sizeof(*f));
	f->size = sizeof(*f);
	if (tb[KVMW_NL_FILTER_PID]) {
		f->flags |= KVMW_FILTER_PID;
		f->pid = nla_get_s32(tb[KVMW_NL_FILTER_PID]);
	}
	if (tb[KVMW_NL_FILTER_PID_TREE]) {
		if (!tb[KVMW_NL_FILTER_PID]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KVMW_NL_FILTER_PID_TREE],
					    "PID_TREE needs PID");
			return -EINVAL;
		}
		f->flags |= KVMW_FILTER_PID_TREE;
	}
	if (tb[KVMW_NL_FILTER_VM]) {
		if (!nla_len(tb[KVMW_NL_FILTER_VM]) ||
		    !*(char *)nla_data(tb[KVMW_NL_FILTER_VM])) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KVMW_NL_FILTER_VM],
					    "empty VM id");
			return -EINVAL;
		}
		f->flags |= KVMW_FILTER_VM;
		nla_strscpy(f->vm, tb[KVMW_NL_FILTER_VM], sizeof(f->vm));
	}
	if (tb[KVMW_NL_FILTER_VCPU]) {
		f->flags |= KVMW_FILTER_VCPU;
		f->vcpu = nla_get_u32(tb[KVMW_NL_FILTER_VCPU]);
	}
	if (tb[KVMW_NL_FILTER_LIVE])
		f->flags |= KVMW_FILTER_LIVE;
	return 0;
}

static int kvmw_nl_parse_thresholds(const struct nlattr *nest,
				    struct kvmw_nl_thr *th, u32 *nr,
				    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KVMW_NL_TH_MAX + 1];
	const struct nlattr *a;
	int rem, ret;

	*nr = 0;
	nla_for_each_nested(a, nest, rem) {
		/* The nest's policy admits KVMW_NL_ATTR_THRESHOLD only. */
		if (*nr == KVMW_NL_THRESHOLDS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, a, "too many thresholds");
			return -E2BIG;
		}
		ret = nla_parse_nested(tb, KVMW_NL_TH_MAX, a,
				       kvmw_nl_th_policy, extack);
		if (ret)
			return ret;
		if (!tb[KVMW_NL_TH_ISA] || !tb[KVMW_NL_TH_CODE] ||
		    !tb[KVMW_NL_TH_RATE]) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "a threshold needs ISA, CODE and RATE");
			return -EINVAL;
		}
		th[*nr].isa = nla_get_u32(tb[KVMW_NL_TH_ISA]);
		th[*nr].code = nla_get_u32(tb[KVMW_NL_TH_CODE]);
		th[*nr].rate = nla_get_u64(tb[KVMW_NL_TH_RATE]);
		(*nr)++;
	}
	return 0;
}

/* Everything is parsed and checked before anything changes. */
static int kvmw_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct kvmw_nl_thr th[KVMW_NL_THRESHOLDS_MAX];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct kvmw_filter filter;
	struct kvmw_nl_sock *s;
	u64 enable = 0;
	u32 nr_th = 0;
	int ret;

	if (attrs[KVMW_NL_ATTR_ENABLE]) {
		enable = nla_get_u64(attrs[KVMW_NL_ATTR_ENABLE]);
		if (enable & ~KVMW_ENABLE_STATS) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[KVMW_NL_ATTR_ENABLE],
					    "event families need a /dev/kvmwatch ring");
			return -EOPNOTSUPP;
		}
	}
	if (attrs[KVMW_NL_ATTR_FILTER]) {
		ret = kvmw_nl_parse_filter(attrs[KVMW_NL_ATTR_FILTER], &filter,
					   extack);
		if (ret)
			return ret;
	}
	if (attrs[KVMW_NL_ATTR_THRESHOLDS]) {
		ret = kvmw_nl_parse_thresholds(attrs[KVMW_NL_ATTR_THRESHOLDS],
					       th, &nr_th, extack);
		if (ret)
			return ret;
	}

	s = kvmw_nl_sock_get(info->snd_portid);
	if (!s)
		return -ENOMEM;
	mutex_lock(&s->lock);
	if (attrs[KVMW_NL_ATTR_ENABLE]) {
		if (enable && !s->stats)
			kvmw_attach_get(KVMW_ENABLE_STATS);
		else if (!enable && s->stats)
			kvmw_attach_put(KVMW_ENABLE_STATS);
		s->stats = enable;
	}
	if (attrs[KVMW_NL_ATTR_FILTER])
		s->filter = filter;
	if (attrs[KVMW_NL_ATTR_RATELIMIT_MS])
		s->ratelimit_ms = nla_get_u32(attrs[KVMW_NL_ATTR_RATELIMIT_MS]);
	if (attrs[KVMW_NL_ATTR_THRESHOLDS]) {
		kvmw_nl_th_forget(s);
		memcpy(s->th, th, sizeof(th[0]) * nr_th);
		s->nr_th = nr_th;
		/* Rates need exits counted: thresholds hold the exit probes. */
		if (nr_th && !s->th_stats)
			kvmw_attach_get(KVMW_ENABLE_STATS);
		else if (!nr_th && s->th_stats)
			kvmw_attach_put(KVMW_ENABLE_STATS);
		s->th_stats = nr_th;
	}
	mutex_unlock(&s->lock);
	if (attrs[KVMW_NL_ATTR_THRESHOLDS])
		kvmw_nl_th_changed();
	return 0;
}

static int kvmw_nl_put_filter(struct sk_buff *msg, const struct kvmw_filter *f)
{
	struct nlattr *nest = nla_nest_start(msg, KVMW_NL_ATTR_FILTER);

	if (!nest)
		return -EMSGSIZE;
	if ((f->flags & KVMW_FILTER_PID) &&
	    nla_put_s32(msg, KVMW_NL_FILTER_PID, f->pid))
		return -EMSGSIZE;
	if ((f->flags & KVMW_FILTER_PID_TREE) &&
	    nla_put_flag(msg, KVMW_NL_FILTER_PID_TREE))
		return -EMSGSIZE;
	if ((f->flags & KVMW_FILTER_VM) &&
	    nla_put_string(msg, KVMW_NL_FILTER_VM, f->vm))
		return -EMSGSIZE;
	if ((f->flags & KVMW_FILTER_VCPU) &&
	    nla_put_u32(msg, KVMW_NL_FILTER_VCPU, f->vcpu))
		return -EMSGSIZE;
	if ((f->flags & KVMW_FILTER_LIVE) &&
	    nla_put_flag(msg, KVMW_NL_FILTER_LIVE))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int kvmw_nl_put_config(struct sk_buff *msg, struct kvmw_nl_sock *s)
{
	struct nlattr *ths, *th;
	u32 i;

	if (nla_put_u64_64bit(msg, KVMW_NL_ATTR_ENABLE,
			      s->stats ? KVMW_ENABLE_STATS : 0,
			      KVMW_NL_ATTR_PAD) ||
	    kvmw_nl_put_filter(msg, &s->filter) ||
	    nla_put_u32(msg, KVMW_NL_ATTR_RATELIMIT_MS, s->ratelimit_ms))
		return -EMSGSIZE;
	ths = nla_nest_start(msg, KVMW_NL_ATTR_THRESHOLDS);
	if (!ths)
		return -EMSGSIZE;
	for (i = 0; i < s->nr_th; i++) {
		th = nla_nest_start(msg, KVMW_NL_ATTR_THRESHOLD);
		if (!th ||
		    nla_put_u32(msg, KVMW_NL_TH_ISA, s->th[i].isa) ||
		    nla_put_u32(msg, KVMW_NL_TH_CODE, s->th[i].code) ||
		    nla_put_u64_64bit(msg, KVMW_NL_TH_RATE, s->th[i].rate,
				      KVMW_NL_TH_PAD))
			return -EMSGSIZE;
		nla_nest_end(msg, th);
	}
	nla_nest_end(msg, ths);
	return 0;
}

static int kvmw_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct kvmw_nl_sock *s;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	s = kvmw_nl_sock_get(info->snd_portid);
	if (!s)
		return -ENOMEM;
	msg = kvmw_nl_reply_new(info, KVMW_NL_CMD_GET_CONFIG, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&s->lock);
	ret = kvmw_nl_put_config(msg, s);
	mutex_unlock(&s->lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * GET_STATS: one snapshot, taken at .start, sent record by record over
 * as many messages as it takes, freed at .done.
 */
struct kvmw_nl_dump {
	void *buf;
	size_t len;
	size_t off;
	u64 time_ns;
	u32 nr_vms;
	u32 nr_vcpus;
	bool first_sent;
};

static int kvmw_nl_stats_start(struct netlink_callback *cb)
{
	const struct nlattr *flags_attr =
		kvmw_genl_dump_attrs(cb)[KVMW_NL_ATTR_SNAP_FLAGS];
	u32 portid = NETLINK_CB(cb->skb).portid;
	struct kvmw_base *newbase = NULL;
	struct kvmw_nl_sock *s;
	struct kvmw_nl_dump *d;
	size_t need, len;
	u32 flags = flags_attr ? nla_get_u32(flags_attr) : 0;
	int ret;

	/* The policy checked the flags (kvmw_nl_snap_flags_check()). */
	s = kvmw_nl_sock_get(portid);
	if (!s)
		return -ENOMEM;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	if (flags & KVMW_SNAP_RESET) {
		newbase = kvmw_base_alloc();
		ret = -ENOMEM;
		if (!newbase)
			goto err;
	}

	mutex_lock(&s->lock);
	/* Size it, then fill it: VMs may come in between, so loop. */
	len = PAGE_SIZE;
	for (;;) {
		ret = -ENOMEM;
		d->buf = kvmalloc(len, GFP_KERNEL);
		if (!d->buf)
			break;
		d->time_ns = ktime_get_ns();
		need = kvmw_snapshot_fill(&s->filter, s->base, flags, d->buf,
					  len, &d->nr_vms, &d->nr_vcpus,
					  newbase);
		if (need == SIZE_MAX)
			break;
		ret = -E2BIG;
		if (need > KVMW_SNAPSHOT_MAX)
			break;
		if (need <= len) {
			d->len = need;
			ret = 0;
			break;
		}
		kvfree(d->buf);
		d->buf = NULL;
		len = need + need / 8;
	}
	if (!ret && newbase)
		swap(s->base, newbase);
	mutex_unlock(&s->lock);
	kvmw_base_free(newbase);
	if (ret)
		goto err;
	atomic64_inc(&kvmw_live.buffers);
	cb->args[0] = (long)d;
	return 0;

err:
	kvfree(d->buf);
	kfree(d);
	return ret;
}

static int kvmw_nl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvmw_nl_dump *d = (void *)cb->args[0];
	const struct kvmw_rec *rec;
	unsigned int added = 0;
	void *hdr;

	if (d->off >= d->len && d->first_sent)
		return 0;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
			  cb->nlh->nlmsg_seq, &kvmw_nl_family, NLM_F_MULTI,
			  KVMW_NL_CMD_GET_STATS);
	if (!hdr)
		return -EMSGSIZE;
	if (!d->first_sent) {
		if (nla_put_u64_64bit(skb, KVMW_NL_ATTR_TIME_NS, d->time_ns,
				      KVMW_NL_ATTR_PAD) ||
		    nla_put_u32(skb, KVMW_NL_ATTR_NR_VMS, d->nr_vms) ||
		    nla_put_u32(skb, KVMW_NL_ATTR_NR_VCPUS, d->nr_vcpus)) {
			genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
		d->first_sent = true;
	}
	while (d->off < d->len) {
		rec = d->buf + d->off;
		if (nla_put(skb, KVMW_NL_ATTR_REC, rec->len, rec))
			break;
		d->off += rec->len;
		added++;
	}
	/* A record that does not fit an empty message never will. */
	if (!added && d->off < d->len && skb->len <= NLMSG_HDRLEN + GENL_HDRLEN) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return skb->len;
}

static int kvmw_nl_stats_done(struct netlink_callback *cb)
{
	struct kvmw_nl_dump *d = (void *)cb->args[0];

	if (d) {
		kvfree(d->buf);
		kfree(d);
		atomic64_dec(&kvmw_live.buffers);
	}
	return 0;
}

/*
 * GET_VERSION, RESET and GET_CONFIG have no policy: the core refuses any
 * attribute for them (resv_start_op below).
 */
static const struct genl_ops kvmw_nl_ops[] = {
	{
		.cmd = KVMW_NL_CMD_GET_VERSION,
		.flags = GENL_ADMIN_PERM,
		.doit = kvmw_nl_get_version,
	},
	{
		.cmd = KVMW_NL_CMD_GET_STATS,
		.flags = GENL_ADMIN_PERM,
		.policy = kvmw_nl_stats_policy,
		.maxattr = KVMW_NL_ATTR_MAX,
		.start = kvmw_nl_stats_start,
		.dumpit = kvmw_nl_stats_dump,
		.done = kvmw_nl_stats_done,
	},
	{
		.cmd = KVMW_NL_CMD_RESET,
		.flags = GENL_ADMIN_PERM,
		.doit = kvmw_nl_reset,
	},
	{
		.cmd = KVMW_NL_CMD_SET_CONFIG,
		.flags = GENL_ADMIN_PERM,
		.policy = kvmw_nl_config_policy,
		.maxattr = KVMW_NL_ATTR_MAX,
		.doit = kvmw_nl_set_config,
	},
	{
		.cmd = KVMW_NL_CMD_GET_CONFIG,
		.flags = GENL_ADMIN_PERM,
		.doit = kvmw_nl_get_config,
	},
};

static const struct genl_multicast_group kvmw_nl_mcgrps[] = {
	{ .name = KVMW_NL_MCGRP_NOTIFY, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family kvmw_nl_family __ro_after_init = {
	.name = KVMW_NL_FAMILY_NAME,
	.version = KVMW_NL_VERSION,
	.maxattr = KVMW_NL_ATTR_MAX,
	.netnsok = false,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = kvmw_nl_ops,
	.n_ops = ARRAY_SIZE(kvmw_nl_ops),
	.mcgrps = kvmw_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(kvmw_nl_mcgrps),
	/* Strict: policies and zero reserved bytes for every command. */
	.resv_start_op = KVMW_NL_CMD_GET_VERSION,
};

/* A generic netlink socket is released: drop its state. */
static int kvmw_nl_release(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct netlink_notify *n = ptr;
	struct kvmw_nl_sock *s;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net))
		return NOTIFY_DONE;
	mutex_lock(&kvmw_nl_mutex);
	s = kvmw_nl_sock_find_locked(n->portid);
	if (s)
		list_del(&s->node);
	mutex_unlock(&kvmw_nl_mutex);
	if (s)
		kvmw_nl_sock_free(s);
	return NOTIFY_OK;
}

static struct notifier_block kvmw_nl_notifier = {
	.notifier_call = kvmw_nl_release,
};

int kvmw_nl_init(void)
{
	int ret;

	ret = netlink_register_notifier(&kvmw_nl_notifier);
	if (ret)
		goto out;
	ret = genl_register_family(&kvmw_nl_family);
	if (ret)
		goto err_notifier;
	kvmw_nl_notify_start();
	return 0;

err_notifier:
	netlink_unregister_notifier(&kvmw_nl_notifier);
out:
	return ret;
}

void kvmw_nl_exit(void)
{
	struct kvmw_nl_sock *s, *tmp;

	kvmw_nl_notify_stop();
	/* No request runs, and none can come, after this. */
	genl_unregister_family(&kvmw_nl_family);
	kvmw_nl_notify_flush();
	netlink_unregister_notifier(&kvmw_nl_notifier);
	mutex_lock(&kvmw_nl_mutex);
	list_for_each_entry_safe(s, tmp, &kvmw_nl_socks, node) {
		list_del(&s->node);
		kvmw_nl_sock_free(s);
	}
	mutex_unlock(&kvmw_nl_mutex);
}

MODULE_ALIAS_GENL_FAMILY(KVMW_NL_FAMILY_NAME);
