/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "kvmwatch" for its tests, over nl_raw.h:
 * resolving it, requests with attributes built by hand, the socket's
 * configuration read back raw (to prove a failed request changed
 * nothing) and parsed, GET_STATS dumps checked message by message and
 * turned into the record stream /dev/kvmwatch would give, and that
 * stream read raw from the device for byte-for-byte comparisons.
 */
#ifndef NL_KVMW_H
#define NL_KVMW_H

#include <linux/kvmwatch_nl.h>

#include "nl_raw.h"
#include "stats_util.h"

#define KW_UNUSED	__attribute__((unused))
#define NO_OFFS		(~0U)

static struct nlr_family fam;
static uint32_t notify_grp;

/* ---- the family ---- */

static KW_UNUSED void kw_resolve(void)
{
	struct nlr_sock s;
	struct nlr_ack ack;
	int r;

	if (nlr_open(&s))
		su_die("netlink socket: %s", strerror(errno));
	r = nlr_resolve(&s, KVMW_NL_FAMILY_NAME, &fam, &ack);
	nlr_close(&s);
	if (r)
		su_die("resolving family \"%s\": %s", KVMW_NL_FAMILY_NAME,
		       strerror(-r));
	notify_grp = nlr_group(&fam, KVMW_NL_MCGRP_NOTIFY);
	if (!notify_grp)
		su_die("family \"%s\" has no group \"%s\"",
		       KVMW_NL_FAMILY_NAME, KVMW_NL_MCGRP_NOTIFY);
}

static KW_UNUSED void kw_msg(struct nlr_msg *m, uint8_t cmd, uint16_t flags)
{
	nlr_msg_init(m, fam.id, flags, cmd, KVMW_NL_VERSION);
}

static KW_UNUSED void kw_open(struct nlr_sock *s)
{
	int r = nlr_open(s);

	if (r)
		su_die("netlink socket: %s", strerror(-r));
}

/* A request with no attribute; its ack in @ack if not NULL. */
static KW_UNUSED int kw_cmd(struct nlr_sock *s, uint8_t cmd, struct nlr_ack *ack)
{
	struct nlr_reply rep;
	struct nlr_msg m;
	int r;

	kw_msg(&m, cmd, 0);
	r = nlr_request(s, &m, &rep);
	if (ack)
		*ack = rep.ack;
	nlr_reply_free(&rep);
	return r;
}

/* ---- configuration ---- */

#define KW_TH_MAX	(KVMW_NL_THRESHOLDS_MAX + 4)

struct kw_th {
	uint32_t isa, code;
	uint64_t rate;
};

struct kw_cfg {
	bool set_enable, set_filter, set_th, set_rl;
	uint64_t enable;
	struct kvmw_filter filter;	/* flags select the attributes */
	uint32_t rl;
	unsigned int nr_th;
	struct kw_th th[KW_TH_MAX];
};

static KW_UNUSED void kw_put_filter(struct nlr_msg *m, const struct kvmw_filter *f)
{
	uint32_t nest = nlr_nest_start(m, KVMW_NL_ATTR_FILTER);

	if (f->flags & KVMW_FILTER_PID)
		nlr_put_s32(m, KVMW_NL_FILTER_PID, f->pid);
	if (f->flags & KVMW_FILTER_PID_TREE)
		nlr_put_flag(m, KVMW_NL_FILTER_PID_TREE);
	if (f->flags & KVMW_FILTER_VM)
		nlr_put_str(m, KVMW_NL_FILTER_VM, f->vm);
	if (f->flags & KVMW_FILTER_VCPU)
		nlr_put_u32(m, KVMW_NL_FILTER_VCPU, (uint32_t)f->vcpu);
	if (f->flags & KVMW_FILTER_LIVE)
		nlr_put_flag(m, KVMW_NL_FILTER_LIVE);
	nlr_nest_end(m, nest);
}

static KW_UNUSED void kw_put_th(struct nlr_msg *m, const struct kw_th *t)
{
	uint32_t nest = nlr_nest_start(m, KVMW_NL_ATTR_THRESHOLD);

	nlr_put_u32(m, KVMW_NL_TH_ISA, t->isa);
	nlr_put_u32(m, KVMW_NL_TH_CODE, t->code);
	nlr_put_u64(m, KVMW_NL_TH_RATE, t->rate);
	nlr_nest_end(m, nest);
}

static KW_UNUSED void kw_put_cfg(struct nlr_msg *m, const struct kw_cfg *c)
{
	if (c->set_enable)
		nlr_put_u64(m, KVMW_NL_ATTR_ENABLE, c->enable);
	if (c->set_filter)
		kw_put_filter(m, &c->filter);
	if (c->set_th) {
		uint32_t nest = nlr_nest_start(m, KVMW_NL_ATTR_THRESHOLDS);

		for (unsigned int i = 0; i < c->nr_th; i++)
			kw_put_th(m, &c->th[i]);
		nlr_nest_end(m, nest);
	}
	if (c->set_rl)
		nlr_put_u32(m, KVMW_NL_ATTR_RATELIMIT_MS, c->rl);
}

static KW_UNUSED int kw_set(struct nlr_sock *s, const struct kw_cfg *c,
		  struct nlr_ack *ack)
{
	struct nlr_reply rep;
	struct nlr_msg m;
	int r;

	kw_msg(&m, KVMW_NL_CMD_SET_CONFIG, 0);
	kw_put_cfg(&m, c);
	r = nlr_request(s, &m, &rep);
	if (ack)
		*ack = rep.ack;
	nlr_reply_free(&rep);
	return r;
}

static KW_UNUSED void kw_set_ok(struct nlr_sock *s, const struct kw_cfg *c,
		      const char *what)
{
	struct nlr_ack ack;
	int r = kw_set(s, c, &ack);

	if (r)
		su_die("SET_CONFIG (%s): %s%s%s", what, strerror(-r),
		       ack.has_msg ? ": " : "", ack.msg);
}

/* GET_CONFIG: the reply's attributes raw (for "changed nothing") and parsed. */
struct kw_conf {
	unsigned char raw[4096];
	size_t raw_len;
	uint64_t enable;
	struct kvmw_filter filter;
	uint32_t rl;
	unsigned int nr_th;
	struct kw_th th[KW_TH_MAX];
	bool well_formed;
	char why[128];
};

static KW_UNUSED bool kw_parse_filter(const struct nlattr *nest, struct kvmw_filter *f)
{
	const struct nlattr *tb[KVMW_NL_FILTER_MAX + 1];
	unsigned int unknown;

	memset(f, 0, sizeof(*f));
	if (!nlr_parse(nlr_data(nest), nlr_len(nest), tb, KVMW_NL_FILTER_MAX,
		       &unknown) || unknown)
		return false;
	if (tb[KVMW_NL_FILTER_PID]) {
		f->flags |= KVMW_FILTER_PID;
		f->pid = (int32_t)nlr_u32(tb[KVMW_NL_FILTER_PID]);
	}
	if (tb[KVMW_NL_FILTER_PID_TREE])
		f->flags |= KVMW_FILTER_PID_TREE;
	if (tb[KVMW_NL_FILTER_VM]) {
		if (!nlr_str(tb[KVMW_NL_FILTER_VM]))
			return false;
		f->flags |= KVMW_FILTER_VM;
		snprintf(f->vm, sizeof(f->vm), "%s",
			 nlr_str(tb[KVMW_NL_FILTER_VM]));
	}
	if (tb[KVMW_NL_FILTER_VCPU]) {
		f->flags |= KVMW_FILTER_VCPU;
		f->vcpu = (int32_t)nlr_u32(tb[KVMW_NL_FILTER_VCPU]);
	}
	if (tb[KVMW_NL_FILTER_LIVE])
		f->flags |= KVMW_FILTER_LIVE;
	return true;
}

static KW_UNUSED int kw_get_config(struct nlr_sock *s, struct kw_conf *c)
{
	const struct nlattr *tb[KVMW_NL_ATTR_MAX + 1];
	struct nlr_reply rep;
	struct nlr_msg m;
	const void *p;
	size_t len;
	unsigned int unknown;
	int r;

	memset(c, 0, sizeof(*c));
	kw_msg(&m, KVMW_NL_CMD_GET_CONFIG, 0);
	r = nlr_request(s, &m, &rep);
	if (r)
		goto out;
	snprintf(c->why, sizeof(c->why), "%u reply messages", rep.nr_msgs);
	if (rep.nr_msgs != 1)
		goto out;
	snprintf(c->why, sizeof(c->why), "reply cmd %u version %u",
		 nlr_genl(rep.msgs)->cmd, nlr_genl(rep.msgs)->version);
	if (nlr_genl(rep.msgs)->cmd != KVMW_NL_CMD_GET_CONFIG ||
	    nlr_genl(rep.msgs)->version != KVMW_NL_VERSION)
		goto out;
	p = nlr_attrs(rep.msgs, &len);
	if (len > sizeof(c->raw))
		goto out;
	memcpy(c->raw, p, len);
	c->raw_len = len;
	snprintf(c->why, sizeof(c->why), "attributes malformed or unknown");
	if (!nlr_parse(p, len, tb, KVMW_NL_ATTR_MAX, &unknown) || unknown)
		goto out;
	snprintf(c->why, sizeof(c->why), "ENABLE, FILTER, THRESHOLDS or RATELIMIT_MS missing");
	if (!tb[KVMW_NL_ATTR_ENABLE] || !tb[KVMW_NL_ATTR_FILTER] ||
	    !tb[KVMW_NL_ATTR_THRESHOLDS] || !tb[KVMW_NL_ATTR_RATELIMIT_MS])
		goto out;
	c->enable = nlr_u64(tb[KVMW_NL_ATTR_ENABLE]);
	c->rl = nlr_u32(tb[KVMW_NL_ATTR_RATELIMIT_MS]);
	snprintf(c->why, sizeof(c->why), "FILTER malformed");
	if (!kw_parse_filter(tb[KVMW_NL_ATTR_FILTER], &c->filter))
		goto out;
	{
		const struct nlattr *a = nlr_data(tb[KVMW_NL_ATTR_THRESHOLDS]);
		size_t left = nlr_len(tb[KVMW_NL_ATTR_THRESHOLDS]);

		snprintf(c->why, sizeof(c->why), "THRESHOLDS malformed");
		while (left) {
			const struct nlattr *th[KVMW_NL_TH_MAX + 1];

			if (left < NLA_HDRLEN || a->nla_len < NLA_HDRLEN ||
			    a->nla_len > left || c->nr_th == KW_TH_MAX ||
			    (a->nla_type & NLA_TYPE_MASK) !=
			    KVMW_NL_ATTR_THRESHOLD ||
			    !nlr_parse(nlr_data(a), nlr_len(a), th,
				       KVMW_NL_TH_MAX, &unknown) || unknown ||
			    !th[KVMW_NL_TH_ISA] || !th[KVMW_NL_TH_CODE] ||
			    !th[KVMW_NL_TH_RATE])
				goto out;
			c->th[c->nr_th].isa = nlr_u32(th[KVMW_NL_TH_ISA]);
			c->th[c->nr_th].code = nlr_u32(th[KVMW_NL_TH_CODE]);
			c->th[c->nr_th++].rate = nlr_u64(th[KVMW_NL_TH_RATE]);
			if ((size_t)NLA_ALIGN(a->nla_len) >= left)
				break;
			left -= NLA_ALIGN(a->nla_len);
			a = (const void *)((const char *)a +
					   NLA_ALIGN(a->nla_len));
		}
	}
	c->well_formed = true;
	c->why[0] = 0;
out:
	nlr_reply_free(&rep);
	return r;
}

static KW_UNUSED void kw_conf(struct nlr_sock *s, struct kw_conf *c)
{
	int r = kw_get_config(s, c);

	if (r)
		su_die("GET_CONFIG: %s", strerror(-r));
	if (!c->well_formed)
		su_fail("GET_CONFIG reply: %s", c->why);
}

static KW_UNUSED bool kw_same_conf(const struct kw_conf *a, const struct kw_conf *b)
{
	return a->raw_len == b->raw_len && !memcmp(a->raw, b->raw, a->raw_len);
}

/* ---- GET_STATS dumps ---- */

struct kw_dump {
	int err;			/* 0 or -errno (the dump's status) */
	struct nlr_ack ack;
	unsigned int nr_msgs, nr_datagrams;
	bool intr, multi_missing;
	char bad[160];			/* first layout problem, "" if none */
	bool has_hdr;
	uint64_t time_ns;
	uint32_t nr_vms, nr_vcpus;
	unsigned char *recs;		/* the REC payloads, in order */
	size_t len, cap;
	unsigned int nr_recs;
};

static KW_UNUSED void kw_dump_free(struct kw_dump *d)
{
	free(d->recs);
	memset(d, 0, sizeof(*d));
}

static KW_UNUSED void kw_dump_bad(struct kw_dump *d, const char *fmt, ...)
{
	va_list ap;

	if (d->bad[0])
		return;
	va_start(ap, fmt);
	vsnprintf(d->bad, sizeof(d->bad), fmt, ap);
	va_end(ap);
}

/* Check one dump message and append its records. */
static KW_UNUSED void kw_dump_msg(struct kw_dump *d, const struct nlr_rx *r,
			unsigned int idx)
{
	const struct genlmsghdr *g = nlr_genl(r);
	const unsigned char *p;
	size_t len, off = 0;

	if (g->cmd != KVMW_NL_CMD_GET_STATS || g->version != KVMW_NL_VERSION)
		kw_dump_bad(d, "message %u: cmd %u version %u", idx, g->cmd,
			    g->version);
	p = nlr_attrs(r, &len);
	while (off < len) {
		const struct nlattr *a = (const void *)(p + off);
		unsigned int type = a->nla_type & NLA_TYPE_MASK;
		const struct kvmw_rec *rec = nlr_data(a);

		if (len - off < NLA_HDRLEN || a->nla_len < NLA_HDRLEN ||
		    a->nla_len > len - off) {
			kw_dump_bad(d, "message %u: attribute at %zu overruns",
				    idx, off);
			return;
		}
		off += NLA_ALIGN(a->nla_len);
		switch (type) {
		case KVMW_NL_ATTR_PAD:
			continue;
		case KVMW_NL_ATTR_TIME_NS:
		case KVMW_NL_ATTR_NR_VMS:
		case KVMW_NL_ATTR_NR_VCPUS:
			if (idx)
				kw_dump_bad(d, "message %u carries attribute %u (first message only)",
					    idx, type);
			d->has_hdr = true;
			if (type == KVMW_NL_ATTR_TIME_NS)
				d->time_ns = nlr_u64(a);
			else if (type == KVMW_NL_ATTR_NR_VMS)
				d->nr_vms = nlr_u32(a);
			else
				d->nr_vcpus = nlr_u32(a);
			continue;
		case KVMW_NL_ATTR_REC:
			break;
		default:
			kw_dump_bad(d, "message %u: unexpected attribute %u",
				    idx, type);
			continue;
		}
		if (nlr_len(a) < sizeof(*rec) || nlr_len(a) % 8 ||
		    rec->len != nlr_len(a)) {
			kw_dump_bad(d, "message %u: REC of %zu bytes, record says %u",
				    idx, nlr_len(a),
				    nlr_len(a) >= sizeof(*rec) ? rec->len : 0);
			continue;
		}
		if (d->len + nlr_len(a) > d->cap) {
			size_t cap = (d->cap ? d->cap * 2 : 1 << 20) +
				     nlr_len(a);
			unsigned char *n = realloc(d->recs, cap);

			if (!n)
				su_die("out of memory");
			d->recs = n;
			d->cap = cap;
		}
		memcpy(d->recs + d->len, rec, nlr_len(a));
		d->len += nlr_len(a);
		d->nr_recs++;
	}
}

/*
 * GET_STATS as a dump, with SNAP_FLAGS @flags if @with_flags. @between,
 * if set, runs after each datagram of the answer but the last, before
 * the next is read (the kernel fills the next message only then).
 */
static KW_UNUSED int kw_dump(struct nlr_sock *s, uint32_t flags, bool with_flags,
		   struct kw_dump *d,
		   void (*between)(void *arg, unsigned int datagram),
		   void *arg)
{
	struct nlr_reply rep;
	struct nlr_msg m;
	unsigned int i = 0;
	struct nlr_rx *r;
	int ret;

	memset(d, 0, sizeof(*d));
	memset(&rep, 0, sizeof(rep));
	kw_msg(&m, KVMW_NL_CMD_GET_STATS, NLM_F_REQUEST | NLM_F_DUMP);
	if (with_flags)
		nlr_put_u32(&m, KVMW_NL_ATTR_SNAP_FLAGS, flags);
	ret = nlr_send(s, &m);
	if (ret)
		return d->err = ret;
	while ((ret = nlr_read_reply(s, s->seq, true, &rep, true, 10000)) == 1)
		if (between)
			between(arg, rep.nr_datagrams);
	d->nr_msgs = rep.nr_msgs;
	d->nr_datagrams = rep.nr_datagrams;
	d->intr = rep.dump_intr;
	d->multi_missing = rep.multi_missing;
	d->ack = rep.ack;
	d->err = ret ? ret : rep.ack.error;
	for (r = rep.msgs; r; r = r->next)
		kw_dump_msg(d, r, i++);
	if (!d->err && !d->has_hdr)
		kw_dump_bad(d, "no TIME_NS/NR_VMS/NR_VCPUS in the first message");
	nlr_reply_free(&rep);
	return d->err;
}

static KW_UNUSED void kw_dump_ok(struct nlr_sock *s, uint32_t flags, struct kw_dump *d,
		       const char *what)
{
	int r = kw_dump(s, flags, true, d, NULL, NULL);

	if (r)
		su_die("GET_STATS dump (%s): %s%s%s", what, strerror(-r),
		       d->ack.has_msg ? ": " : "", d->ack.msg);
	if (d->bad[0])
		su_fail("GET_STATS dump (%s): %s", what, d->bad);
}

/* Parse a dump's records as the device's would be; su_die on failure. */
static KW_UNUSED void kw_dump_parse(const struct kw_dump *d, struct kvmw_snap *s)
{
	int r = kvmw_snap_parse(d->recs, d->len, s);

	if (r)
		su_die("the dump's records do not parse as a snapshot stream");
	s->hdr.time_ns = d->time_ns;
	s->hdr.nr_vms = d->nr_vms;
	s->hdr.nr_vcpus = d->nr_vcpus;
	s->hdr.used = d->len;
}

/* ---- /dev/kvmwatch's record stream, raw ---- */

struct dev_snap {
	struct kvmw_snapshot hdr;
	unsigned char *buf;
};

static KW_UNUSED void dev_snap(int fd, uint32_t flags, struct dev_snap *d)
{
	size_t cap = 1 << 20;

	for (int tries = 0; tries < 8; tries++) {
		memset(&d->hdr, 0, sizeof(d->hdr));
		d->buf = malloc(cap);
		if (!d->buf)
			su_die("out of memory");
		d->hdr.size = sizeof(d->hdr);
		d->hdr.flags = flags;
		d->hdr.buf = (uintptr_t)d->buf;
		d->hdr.buf_len = cap;
		if (!ioctl(fd, KVMW_IOC_SNAPSHOT, &d->hdr))
			return;
		free(d->buf);
		if (errno != ENOSPC)
			su_die("KVMW_IOC_SNAPSHOT: %s", strerror(errno));
		cap = d->hdr.used + (64 << 10);
	}
	su_die("KVMW_IOC_SNAPSHOT: never fits");
}

/* Byte-identical record streams; else say where they part. */
static KW_UNUSED bool same_stream(const char *what, const void *a, size_t alen,
			const void *b, size_t blen)
{
	const unsigned char *x = a, *y = b;
	size_t off = 0;
	unsigned int idx = 0;

	if (alen == blen && !memcmp(a, b, alen)) {
		su_check(true, "%s: byte-identical (%zu bytes)", what, alen);
		return true;
	}
	while (off + sizeof(struct kvmw_rec) <= alen &&
	       off + sizeof(struct kvmw_rec) <= blen) {
		const struct kvmw_rec *p = (const void *)(x + off);
		const struct kvmw_rec *q = (const void *)(y + off);

		if (p->len != q->len || p->len < sizeof(*p) ||
		    off + p->len > alen || off + q->len > blen ||
		    memcmp(p, q, p->len))
			break;
		off += p->len;
		idx++;
	}
	su_fail("%s: %zu vs %zu bytes, first different record #%u at offset %zu (type %u vs %u)",
		what, alen, blen, idx, off,
		off + 8 <= alen ? ((const struct kvmw_rec *)(x + off))->type : 0,
		off + 8 <= blen ? ((const struct kvmw_rec *)(y + off))->type : 0);
	return false;
}

/* ---- small things ---- */

static KW_UNUSED void sleep_s(double s)
{
	struct timespec t = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

static KW_UNUSED const char *errname(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case E2BIG: return "E2BIG";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EMSGSIZE: return "EMSGSIZE";
	case ENOMEM: return "ENOMEM";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EBADMSG: return "EBADMSG";
	default: return strerror(err < 0 ? -err : err);
	}
}

/* How an ack reads in a report line. */
static KW_UNUSED const char *ack_str(const struct nlr_ack *a, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s", errname(a->error));

	if (a->has_msg && n < (int)len)
		n += snprintf(buf + n, len - n, ", msg \"%s\"", a->msg);
	if (a->has_offs && n < (int)len)
		n += snprintf(buf + n, len - n, ", offs %u", a->offs);
	if (a->has_miss_type && n < (int)len)
		n += snprintf(buf + n, len - n, ", miss_type %u", a->miss_type);
	if (a->has_miss_nest && n < (int)len)
		n += snprintf(buf + n, len - n, ", miss_nest %u", a->miss_nest);
	if (a->has_policy && n < (int)len)
		snprintf(buf + n, len - n, ", policy");
	return buf;
}

static KW_UNUSED int dev_open(void)
{
	return su_open();
}

/* counters.buffers back to @want within @secs; returns the time it took. */
static KW_UNUSED double wait_buffers(int dev, uint64_t want, double secs)
{
	struct kvmw_counters c;
	double t0 = su_now();

	for (;;) {
		su_counters(dev, &c);
		if (c.buffers == want || su_now() - t0 > secs)
			break;
		usleep(10000);
	}
	su_eq("buffers back at baseline", c.buffers, want);
	return su_now() - t0;
}

#endif /* NL_KVMW_H */
