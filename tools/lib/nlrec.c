// SPDX-License-Identifier: GPL-2.0
/*
 * Attributes are walked by hand (struct nlattr from <linux/netlink.h>)
 * rather than with libnl so that this file links into the unit tests,
 * which have no libnl, and the kernel's bytes are checked by one walker
 * whatever received them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include "nlrec.h"
#include "../../uapi/linux/kvmwatch_nl.h"

void kvmw_nla_iter_init(struct kvmw_nla_iter *it, const void *buf,
			size_t len)
{
	it->p = buf;
	it->left = buf ? len : 0;
}

int kvmw_nla_next(struct kvmw_nla_iter *it, struct kvmw_nla *a)
{
	struct nlattr h;
	size_t step;

	if (!it->left)
		return 0;
	if (it->left < NLA_HDRLEN)
		return -EINVAL;
	memcpy(&h, it->p, sizeof(h));
	if (h.nla_len < NLA_HDRLEN || h.nla_len > it->left)
		return -EINVAL;
	a->type = h.nla_type & NLA_TYPE_MASK;
	a->len = h.nla_len - NLA_HDRLEN;
	a->data = it->p + NLA_HDRLEN;
	/* The last attribute's padding may be left out. */
	step = NLA_ALIGN(h.nla_len);
	if (step > it->left)
		step = it->left;
	it->p += step;
	it->left -= step;
	return 1;
}

int kvmw_nla_u32(const struct kvmw_nla *a, u32 *v)
{
	if (a->len != sizeof(*v))
		return -EINVAL;
	memcpy(v, a->data, sizeof(*v));
	return 0;
}

int kvmw_nla_u64(const struct kvmw_nla *a, u64 *v)
{
	if (a->len != sizeof(*v))
		return -EINVAL;
	memcpy(v, a->data, sizeof(*v));
	return 0;
}

int kvmw_nla_str(const struct kvmw_nla *a, char *buf, size_t size)
{
	const char *s = a->data;
	size_t n;

	/* NUL-terminated within the payload (padding after it is fine). */
	n = a->len ? strnlen(s, a->len) : 0;
	if (!a->len || n == a->len || n >= size)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

void kvmw_nlsnap_acc_init(struct kvmw_nlsnap_acc *acc)
{
	memset(acc, 0, sizeof(*acc));
}

void kvmw_nlsnap_acc_free(struct kvmw_nlsnap_acc *acc)
{
	free(acc->buf);
	kvmw_nlsnap_acc_init(acc);
}

/* One record, checked to be exactly one. */
static int append_rec(struct kvmw_nlsnap_acc *acc, const struct kvmw_nla *a)
{
	struct kvmw_rec h;

	if (a->len < sizeof(h) || a->len % 8)
		return -EINVAL;
	memcpy(&h, a->data, sizeof(h));
	if (h.len != a->len)
		return -EINVAL;
	if (a->len > KVMW_SNAPSHOT_MAX - acc->len)
		return -E2BIG;
	if (acc->len + a->len > acc->cap) {
		size_t cap = acc->cap ? acc->cap : 64U << 10;
		unsigned char *nbuf;

		while (cap < acc->len + a->len)
			cap *= 2;
		nbuf = realloc(acc->buf, cap);
		if (!nbuf)
			return -ENOMEM;
		acc->buf = nbuf;
		acc->cap = cap;
	}
	memcpy(acc->buf + acc->len, a->data, a->len);
	acc->len += a->len;
	return 0;
}

int kvmw_nlsnap_acc_add(struct kvmw_nlsnap_acc *acc, const void *attrs,
			size_t len)
{
	bool first = acc->msgs == 0;
	struct kvmw_nla_iter it;
	struct kvmw_nla a;
	int ret;

	/*
	 * Check the whole message before taking anything from it, so a bad
	 * one leaves the records of the good ones as they were.
	 */
	kvmw_nla_iter_init(&it, attrs, len);
	while ((ret = kvmw_nla_next(&it, &a)) > 0) {
		u32 v32;
		u64 v64;

		switch (a.type) {
		case KVMW_NL_ATTR_TIME_NS:
			if (kvmw_nla_u64(&a, &v64))
				return -EINVAL;
			break;
		case KVMW_NL_ATTR_NR_VMS:
		case KVMW_NL_ATTR_NR_VCPUS:
			if (kvmw_nla_u32(&a, &v32))
				return -EINVAL;
			break;
		}
	}
	if (ret < 0)
		return ret;

	kvmw_nla_iter_init(&it, attrs, len);
	while (kvmw_nla_next(&it, &a) > 0) {
		switch (a.type) {
		case KVMW_NL_ATTR_REC:
			ret = append_rec(acc, &a);
			if (ret)
				return ret;
			break;
		/* Only the first message says what the snapshot holds. */
		case KVMW_NL_ATTR_TIME_NS:
			if (first && !kvmw_nla_u64(&a, &acc->time_ns))
				acc->have_time = true;
			break;
		case KVMW_NL_ATTR_NR_VMS:
			if (first && !kvmw_nla_u32(&a, &acc->nr_vms))
				acc->have_vms = true;
			break;
		case KVMW_NL_ATTR_NR_VCPUS:
			if (first && !kvmw_nla_u32(&a, &acc->nr_vcpus))
				acc->have_vcpus = true;
			break;
		}
	}
	acc->msgs++;
	return 0;
}

int kvmw_nlsnap_acc_finish(const struct kvmw_nlsnap_acc *acc,
			   unsigned int flags, struct kvmw_snap *out)
{
	size_t i, vcpus = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (!acc->have_time || !acc->have_vms || !acc->have_vcpus)
		return -EPROTO;
	err = kvmw_snap_parse(acc->buf, acc->len, out);
	if (err)
		return err;
	for (i = 0; i < out->nr_vms; i++)
		vcpus += out->vms[i].nr_vcpus;
	if (out->nr_vms != acc->nr_vms || vcpus != acc->nr_vcpus) {
		kvmw_snap_free(out);
		return -EINVAL;
	}
	out->hdr.size = sizeof(out->hdr);
	out->hdr.flags = flags;
	out->hdr.used = acc->len;
	out->hdr.time_ns = acc->time_ns;
	out->hdr.nr_vms = acc->nr_vms;
	out->hdr.nr_vcpus = acc->nr_vcpus;
	return 0;
}

static int parse_filter(const struct kvmw_nla *nest, struct kvmw_filter *f)
{
	struct kvmw_nla_iter it;
	struct kvmw_nla a;
	int ret, err = 0;
	u32 v = 0;

	memset(f, 0, sizeof(*f));
	f->size = sizeof(*f);
	kvmw_nla_iter_init(&it, nest->data, nest->len);
	while (!err && (ret = kvmw_nla_next(&it, &a)) > 0) {
		switch (a.type) {
		case KVMW_NL_FILTER_PID:
			err = kvmw_nla_u32(&a, &v);
			f->pid = (int)v;
			f->flags |= KVMW_FILTER_PID;
			break;
		case KVMW_NL_FILTER_PID_TREE:
			err = a.len ? -EINVAL : 0;
			f->flags |= KVMW_FILTER_PID_TREE;
			break;
		case KVMW_NL_FILTER_VM:
			err = kvmw_nla_str(&a, f->vm, sizeof(f->vm));
			f->flags |= KVMW_FILTER_VM;
			break;
		case KVMW_NL_FILTER_VCPU:
			err = kvmw_nla_u32(&a, &v);
			f->vcpu = (int)v;
			f->flags |= KVMW_FILTER_VCPU;
			break;
		case KVMW_NL_FILTER_LIVE:
			err = a.len ? -EINVAL : 0;
			f->flags |= KVMW_FILTER_LIVE;
			break;
		}
	}
	return err ? err : ret;
}

static int parse_threshold(const struct kvmw_nla *nest,
			   struct kvmw_threshold *th)
{
	struct kvmw_nla_iter it;
	struct kvmw_nla a;
	unsigned int seen = 0;
	int ret, err = 0;

	kvmw_nla_iter_init(&it, nest->data, nest->len);
	while (!err && (ret = kvmw_nla_next(&it, &a)) > 0) {
		switch (a.type) {
		case KVMW_NL_TH_ISA:
			err = kvmw_nla_u32(&a, &th->isa);
			break;
		case KVMW_NL_TH_CODE:
			err = kvmw_nla_u32(&a, &th->code);
			break;
		case KVMW_NL_TH_RATE:
			err = kvmw_nla_u64(&a, &th->rate);
			break;
		default:
			continue;
		}
		seen |= 1U << a.type;
	}
	if (err || ret)
		return err ? err : ret;
	/* A threshold is all three or nothing (the kernel refuses less). */
	if (seen != (1U << KVMW_NL_TH_ISA | 1U << KVMW_NL_TH_CODE |
		     1U << KVMW_NL_TH_RATE))
		return -EINVAL;
	return 0;
}

static int parse_thresholds(const struct kvmw_nla *nest,
			    struct kvmw_nl_config *c)
{
	struct kvmw_nla_iter it;
	struct kvmw_nla a;
	int ret;

	c->nr_th = 0;
	kvmw_nla_iter_init(&it, nest->data, nest->len);
	while ((ret = kvmw_nla_next(&it, &a)) > 0) {
		if (a.type != KVMW_NL_ATTR_THRESHOLD)
			continue;
		if (c->nr_th == KVMW_NL_THRESHOLDS_MAX ||
		    parse_threshold(&a, &c->th[c->nr_th]))
			return -EINVAL;
		c->nr_th++;
	}
	return ret;
}

int kvmw_nlcfg_parse(const void *attrs, size_t len, struct kvmw_nl_config *c)
{
	struct kvmw_nla_iter it;
	struct kvmw_nla a;
	int ret, err = 0;

	memset(c, 0, sizeof(*c));
	c->filter.size = sizeof(c->filter);
	kvmw_nla_iter_init(&it, attrs, len);
	while (!err && (ret = kvmw_nla_next(&it, &a)) > 0) {
		switch (a.type) {
		case KVMW_NL_ATTR_ENABLE:
			err = kvmw_nla_u64(&a, &c->enable);
			c->fields |= KVMW_NLCFG_ENABLE;
			break;
		case KVMW_NL_ATTR_FILTER:
			err = parse_filter(&a, &c->filter);
			c->fields |= KVMW_NLCFG_FILTER;
			break;
		case KVMW_NL_ATTR_THRESHOLDS:
			err = parse_thresholds(&a, c);
			c->fields |= KVMW_NLCFG_THRESHOLDS;
			break;
		case KVMW_NL_ATTR_RATELIMIT_MS:
			err = kvmw_nla_u32(&a, &c->ratelimit_ms);
			c->fields |= KVMW_NLCFG_RATELIMIT;
			break;
		}
	}
	if (err || ret < 0)
		return -EINVAL;
	return 0;
}
