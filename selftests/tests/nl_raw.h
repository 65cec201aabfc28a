/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink by hand, for test_netlink: no libnl, so that a test
 * controls every byte of a request, malformed ones included.
 *
 * A request is built in a struct nlr_msg: the netlink and genetlink
 * headers, then attributes appended one by one (nlr_put*() return the
 * attribute's offset from the start of the message, which is what the
 * kernel's extended ack reports in NLMSGERR_ATTR_OFFS). Nothing is
 * checked on the way in: a test may put a u32 where a u64 belongs, an
 * unterminated string or an attribute type the family does not know.
 *
 * Replies are read whole into struct nlr_reply: the genetlink messages
 * that answered the request, in order, and the final status (the ack's
 * error, or NLMSG_DONE's) with its extended-ack TLVs. Messages that are
 * not part of the answer (multicast notifications, sequence number 0)
 * are queued on the socket for nlr_notify().
 */
#ifndef NL_RAW_H
#define NL_RAW_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#define NLR_UNUSED	__attribute__((unused))
#define NLR_MSG_MAX	8192
/* Dump messages are at most 32 KiB (af_netlink.c); room for more. */
#define NLR_RX_MAX	(128 << 10)
#define NLR_MAX_ATTR	64

/* A received message, copied. */
struct nlr_rx {
	struct nlr_rx *next;
	size_t len;
	struct nlmsghdr nlh[];		/* nlh->nlmsg_len bytes */
};

struct nlr_sock {
	int fd;
	uint32_t portid;
	uint32_t seq;
	struct nlr_rx *queue, **queue_tail;	/* notifications */
	unsigned char *rx;			/* NLR_RX_MAX bytes */
	/*
	 * Send with write(), no destination address. The kernel then
	 * checks CAP_NET_ADMIN of the socket's opener as well as the
	 * sender's; with an address, only the sender's (NETLINK_SKB_DST).
	 */
	bool no_dest;
};

struct nlr_msg {
	union {
		struct nlmsghdr nlh;
		unsigned char buf[NLR_MSG_MAX];
	};
	size_t len;
	bool overflow;
};

struct nlr_ack {
	int error;			/* 0 or -errno */
	bool has_msg, has_offs, has_miss_type, has_miss_nest, has_policy;
	char msg[256];
	uint32_t offs;
	uint32_t miss_type;
	uint32_t miss_nest;
};

struct nlr_reply {
	struct nlr_rx *msgs, **tail;	/* genetlink messages of the answer */
	unsigned int nr_msgs;
	unsigned int nr_datagrams;	/* recv() calls it took */
	bool dump_intr;			/* NLM_F_DUMP_INTR on any message */
	bool multi_missing;		/* a dump message without NLM_F_MULTI */
	struct nlr_ack ack;
	bool got_status;		/* the ack or NLMSG_DONE arrived */
};

/* ---- sockets ---- */

static NLR_UNUSED void nlr_close(struct nlr_sock *s)
{
	struct nlr_rx *r, *n;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	for (r = s->queue; r; r = n) {
		n = r->next;
		free(r);
	}
	s->queue = NULL;
	s->queue_tail = &s->queue;
	free(s->rx);
	s->rx = NULL;
}

/*
 * Wrap an open NETLINK_GENERIC socket (bound or not): asks for extended
 * acks and learns the port id. 0 or -errno.
 */
static NLR_UNUSED int nlr_wrap(struct nlr_sock *s, int fd)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	socklen_t alen = sizeof(a);
	int one = 1, rcvbuf = 4 << 20;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->queue_tail = &s->queue;
	s->rx = malloc(NLR_RX_MAX);
	if (!s->rx)
		return -ENOMEM;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)))
		return -errno;
	/* best effort: notifications must not be lost to a small buffer */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (getsockname(fd, (struct sockaddr *)&a, &alen))
		return -errno;
	if (!a.nl_pid) {
		/* not bound yet: autobind, as the first sendmsg() would */
		a.nl_pid = 0;
		a.nl_groups = 0;
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
			return -errno;
		alen = sizeof(a);
		if (getsockname(fd, (struct sockaddr *)&a, &alen))
			return -errno;
	}
	s->portid = a.nl_pid;
	return 0;
}

/* A new socket, bound to @portid (0: the kernel picks). 0 or -errno. */
static NLR_UNUSED int nlr_open_port(struct nlr_sock *s, uint32_t portid)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_pid = portid };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int r;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->queue_tail = &s->queue;
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		r = -errno;
		close(fd);
		return r;
	}
	r = nlr_wrap(s, fd);
	if (r)
		nlr_close(s);
	return r;
}

static NLR_UNUSED int nlr_open(struct nlr_sock *s)
{
	return nlr_open_port(s, 0);
}

/* Join or leave a multicast group. 0 or -errno. */
static NLR_UNUSED int nlr_join(struct nlr_sock *s, uint32_t group)
{
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)))
		return -errno;
	return 0;
}

static NLR_UNUSED int nlr_leave(struct nlr_sock *s, uint32_t group)
{
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group,
		       sizeof(group)))
		return -errno;
	return 0;
}

/* ---- building requests ---- */

static NLR_UNUSED void nlr_msg_init(struct nlr_msg *m, uint16_t type,
				    uint16_t flags, uint8_t cmd,
				    uint8_t version)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = flags;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

static NLR_UNUSED struct genlmsghdr *nlr_msg_genl(struct nlr_msg *m)
{
	return (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
}

/*
 * Append an attribute whose header says @hdr_len bytes of payload but
 * which carries @len bytes of @data (padded to 4): a test may make them
 * differ. Returns the attribute's offset in the message.
 */
static NLR_UNUSED uint32_t nlr_put_raw(struct nlr_msg *m, uint16_t type,
				       const void *data, size_t len,
				       size_t hdr_len)
{
	uint32_t off = (uint32_t)m->len;
	struct nlattr *a;

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf)) {
		m->overflow = true;
		return off;
	}
	a = (struct nlattr *)(m->buf + m->len);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + hdr_len);
	memset(m->buf + m->len + NLA_HDRLEN, 0, NLA_ALIGN(len));
	if (len)
		memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	return off;
}

static NLR_UNUSED uint32_t nlr_put(struct nlr_msg *m, uint16_t type,
				   const void *data, size_t len)
{
	return nlr_put_raw(m, type, data, len, len);
}

static NLR_UNUSED uint32_t nlr_put_u8(struct nlr_msg *m, uint16_t type,
				      uint8_t v)
{
	return nlr_put(m, type, &v, sizeof(v));
}

static NLR_UNUSED uint32_t nlr_put_u16(struct nlr_msg *m, uint16_t type,
				       uint16_t v)
{
	return nlr_put(m, type, &v, sizeof(v));
}

static NLR_UNUSED uint32_t nlr_put_u32(struct nlr_msg *m, uint16_t type,
				       uint32_t v)
{
	return nlr_put(m, type, &v, sizeof(v));
}

static NLR_UNUSED uint32_t nlr_put_s32(struct nlr_msg *m, uint16_t type,
				       int32_t v)
{
	return nlr_put(m, type, &v, sizeof(v));
}

static NLR_UNUSED uint32_t nlr_put_u64(struct nlr_msg *m, uint16_t type,
				       uint64_t v)
{
	return nlr_put(m, type, &v, sizeof(v));
}

/* A NUL-terminated string. */
static NLR_UNUSED uint32_t nlr_put_str(struct nlr_msg *m, uint16_t type,
				       const char *s)
{
	return nlr_put(m, type, s, strlen(s) + 1);
}

static NLR_UNUSED uint32_t nlr_put_flag(struct nlr_msg *m, uint16_t type)
{
	return nlr_put(m, type, NULL, 0);
}

/* Open a nest (NLA_F_NESTED set); close it with nlr_nest_end(). */
static NLR_UNUSED uint32_t nlr_nest_start(struct nlr_msg *m, uint16_t type)
{
	return nlr_put(m, type | NLA_F_NESTED, NULL, 0);
}

static NLR_UNUSED void nlr_nest_end(struct nlr_msg *m, uint32_t off)
{
	struct nlattr *a = (struct nlattr *)(m->buf + off);

	if (!m->overflow)
		a->nla_len = (uint16_t)(m->len - off);
}

/* Send as is (sequence number and length filled in). 0 or -errno. */
static NLR_UNUSED int nlr_send(struct nlr_sock *s, struct nlr_msg *m)
{
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	ssize_t n;

	if (m->overflow)
		return -EMSGSIZE;
	m->nlh.nlmsg_len = (uint32_t)m->len;
	m->nlh.nlmsg_seq = ++s->seq;
	m->nlh.nlmsg_pid = 0;
	if (s->no_dest)
		n = write(s->fd, m->buf, m->len);
	else
		n = sendto(s->fd, m->buf, m->len, 0, (struct sockaddr *)&k,
			   sizeof(k));
	if (n < 0)
		return -errno;
	return n == (ssize_t)m->len ? 0 : -EIO;
}

/* ---- attributes of received messages ---- */

/*
 * Index the attributes in [p, p + len) by type (flags stripped), at most
 * @max. Returns false if they do not tile the area exactly, a length is
 * short, or a type repeats (@dups counts them; NULL: a repeat is an
 * error). Types above @max are counted in @unknown if not NULL.
 */
static NLR_UNUSED bool nlr_parse(const void *p, size_t len,
				 const struct nlattr **tb, unsigned int max,
				 unsigned int *unknown)
{
	const unsigned char *b = p;
	size_t off = 0;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (unknown)
		*unknown = 0;
	while (off < len) {
		const struct nlattr *a = (const void *)(b + off);
		unsigned int type;

		if (len - off < NLA_HDRLEN || a->nla_len < NLA_HDRLEN ||
		    a->nla_len > len - off)
			return false;
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max && tb[type])
			return false;
		if (type <= max)
			tb[type] = a;
		else if (unknown)
			(*unknown)++;
		off += NLA_ALIGN(a->nla_len);
	}
	return off == len || off == NLA_ALIGN(len);
}

static NLR_UNUSED const void *nlr_data(const struct nlattr *a)
{
	return (const unsigned char *)a + NLA_HDRLEN;
}

static NLR_UNUSED size_t nlr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* Typed reads that insist on the exact size: ~0 when absent or wrong. */
static NLR_UNUSED uint64_t nlr_u64(const struct nlattr *a)
{
	uint64_t v;

	if (!a || nlr_len(a) != 8)
		return ~0ULL;
	memcpy(&v, nlr_data(a), 8);
	return v;
}

static NLR_UNUSED uint32_t nlr_u32(const struct nlattr *a)
{
	uint32_t v;

	if (!a || nlr_len(a) != 4)
		return ~0U;
	memcpy(&v, nlr_data(a), 4);
	return v;
}

static NLR_UNUSED uint16_t nlr_u16(const struct nlattr *a)
{
	uint16_t v;

	if (!a || nlr_len(a) != 2)
		return 0xffff;
	memcpy(&v, nlr_data(a), 2);
	return v;
}

/* A NUL-terminated string attribute, or NULL. */
static NLR_UNUSED const char *nlr_str(const struct nlattr *a)
{
	if (!a || !nlr_len(a) ||
	    !memchr(nlr_data(a), 0, nlr_len(a)))
		return NULL;
	return nlr_data(a);
}

/* The genetlink header and attributes of a received message. */
static NLR_UNUSED const struct genlmsghdr *nlr_genl(const struct nlr_rx *r)
{
	return (const struct genlmsghdr *)NLMSG_DATA(r->nlh);
}

static NLR_UNUSED const void *nlr_attrs(const struct nlr_rx *r, size_t *len)
{
	size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN;

	*len = r->nlh->nlmsg_len > hdr ? r->nlh->nlmsg_len - hdr : 0;
	return (const unsigned char *)r->nlh + hdr;
}

/* ---- receiving ---- */

static NLR_UNUSED struct nlr_rx *nlr_copy(const struct nlmsghdr *h)
{
	struct nlr_rx *r = malloc(sizeof(*r) + h->nlmsg_len);

	if (!r)
		return NULL;
	r->next = NULL;
	r->len = h->nlmsg_len;
	memcpy(r->nlh, h, h->nlmsg_len);
	return r;
}

static NLR_UNUSED void nlr_reply_free(struct nlr_reply *rep)
{
	struct nlr_rx *r, *n;

	for (r = rep->msgs; r; r = n) {
		n = r->next;
		free(r);
	}
	memset(rep, 0, sizeof(*rep));
}

/* The extended-ack TLVs of an NLMSG_ERROR or NLMSG_DONE message. */
static NLR_UNUSED void nlr_parse_ack(const struct nlmsghdr *h, int error,
				     size_t tlv_off, struct nlr_ack *ack)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const unsigned char *p = (const unsigned char *)h + tlv_off;

	memset(ack, 0, sizeof(*ack));
	ack->error = error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || tlv_off >= h->nlmsg_len)
		return;
	if (!nlr_parse(p, h->nlmsg_len - tlv_off, tb, NLMSGERR_ATTR_MAX, NULL))
		return;
	if (nlr_str(tb[NLMSGERR_ATTR_MSG])) {
		ack->has_msg = true;
		snprintf(ack->msg, sizeof(ack->msg), "%s",
			 nlr_str(tb[NLMSGERR_ATTR_MSG]));
	}
	if (tb[NLMSGERR_ATTR_OFFS]) {
		ack->has_offs = true;
		ack->offs = nlr_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE]) {
		ack->has_miss_type = true;
		ack->miss_type = nlr_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	}
	if (tb[NLMSGERR_ATTR_MISS_NEST]) {
		ack->has_miss_nest = true;
		ack->miss_nest = nlr_u32(tb[NLMSGERR_ATTR_MISS_NEST]);
	}
	ack->has_policy = !!tb[NLMSGERR_ATTR_POLICY];
}

/*
 * One datagram, waiting at most @timeout_ms (< 0: for ever). Returns its
 * length, 0 on timeout, or -errno.
 */
static NLR_UNUSED ssize_t nlr_recv_one(struct nlr_sock *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	ssize_t n;
	int r;

	do {
		r = poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (!r)
		return 0;
	n = recv(s->fd, s->rx, NLR_RX_MAX, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n;
}

/*
 * Read the answer to the request with sequence number @seq: every
 * message of it, up to its ack (or NLMSG_DONE of a dump). With
 * @one_datagram, stop after the first datagram that held part of it
 * (for tests that act in the middle of a dump: call again to go on).
 * 0 when complete, 1 when stopped early, -errno (e.g. -ETIMEDOUT).
 */
static NLR_UNUSED int nlr_read_reply(struct nlr_sock *s, uint32_t seq,
				     bool dump, struct nlr_reply *rep,
				     bool one_datagram, int timeout_ms)
{
	if (!rep->tail)
		rep->tail = &rep->msgs;
	while (!rep->got_status) {
		ssize_t n = nlr_recv_one(s, timeout_ms);
		const struct nlmsghdr *h;
		bool ours = false;
		size_t left;

		if (n < 0)
			return (int)n;
		if (!n)
			return -ETIMEDOUT;
		left = (size_t)n;
		for (h = (const void *)s->rx; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			struct nlr_rx *r;

			if (h->nlmsg_seq != seq || h->nlmsg_pid != s->portid) {
				/* a notification: keep it for later */
				r = nlr_copy(h);
				if (!r)
					return -ENOMEM;
				*s->queue_tail = r;
				s->queue_tail = &r->next;
				continue;
			}
			ours = true;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				rep->dump_intr = true;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				size_t tlv = NLMSG_HDRLEN + sizeof(*e);

				if (h->nlmsg_len < tlv)
					return -EBADMSG;
				if (!(h->nlmsg_flags & NLM_F_CAPPED))
					tlv += NLMSG_ALIGN(e->msg.nlmsg_len) -
					       NLMSG_HDRLEN;
				nlr_parse_ack(h, e->error, tlv, &rep->ack);
				rep->got_status = true;
				continue;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (h->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
					memcpy(&err, NLMSG_DATA(h), sizeof(int));
				nlr_parse_ack(h, err, NLMSG_HDRLEN +
					      NLMSG_ALIGN(sizeof(int)),
					      &rep->ack);
				rep->got_status = true;
				continue;
			}
			if (dump && !(h->nlmsg_flags & NLM_F_MULTI))
				rep->multi_missing = true;
			r = nlr_copy(h);
			if (!r)
				return -ENOMEM;
			*rep->tail = r;
			rep->tail = &r->next;
			rep->nr_msgs++;
		}
		if (ours)
			rep->nr_datagrams++;
		if (ours && one_datagram && !rep->got_status)
			return 1;
	}
	return 0;
}

/*
 * Send @m as a request (NLM_F_REQUEST | NLM_F_ACK added to its flags)
 * and read the whole answer. Returns the ack's error (0 or -errno), or a
 * transport error (-ETIMEDOUT, ...) with rep->got_status false.
 */
static NLR_UNUSED int nlr_request(struct nlr_sock *s, struct nlr_msg *m,
				  struct nlr_reply *rep)
{
	bool dump = (m->nlh.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	int r;

	memset(rep, 0, sizeof(*rep));
	rep->tail = &rep->msgs;
	m->nlh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r = nlr_send(s, m);
	if (r)
		return r;
	r = nlr_read_reply(s, s->seq, dump, rep, false, 10000);
	if (r)
		return r;
	return rep->ack.error;
}

/*
 * The next notification: queued, or received within @timeout_ms.
 * Caller frees it. NULL on timeout (errno ETIMEDOUT) or error.
 */
static NLR_UNUSED struct nlr_rx *nlr_notify(struct nlr_sock *s,
					    int timeout_ms)
{
	struct timespec t0, t1;
	int left = timeout_ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		const struct nlmsghdr *h;
		struct nlr_rx *r = s->queue;
		ssize_t n;
		size_t len;

		if (r) {
			s->queue = r->next;
			if (!s->queue)
				s->queue_tail = &s->queue;
			r->next = NULL;
			return r;
		}
		n = nlr_recv_one(s, left);
		if (n < 0) {
			errno = (int)-n;
			return NULL;
		}
		len = (size_t)n;
		for (h = (const void *)s->rx; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			r = nlr_copy(h);
			if (!r)
				return NULL;
			*s->queue_tail = r;
			s->queue_tail = &r->next;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = timeout_ms - (int)((t1.tv_sec - t0.tv_sec) * 1000 +
					  (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (!s->queue && (n == 0 || left <= 0)) {
			errno = ETIMEDOUT;
			return NULL;
		}
		if (left < 0)
			left = 0;
	}
}

/* ---- the generic netlink controller ---- */

#define NLR_MAX_GROUPS	8
#define NLR_MAX_OPS	32

struct nlr_family {
	uint16_t id;
	uint32_t version;
	uint32_t hdrsize;
	uint32_t maxattr;
	unsigned int nr_groups;
	struct {
		char name[GENL_NAMSIZ];
		uint32_t id;
	} groups[NLR_MAX_GROUPS];
	unsigned int nr_ops;
	struct {
		uint32_t id;
		uint32_t flags;		/* GENL_ADMIN_PERM, GENL_CMD_CAP_* */
	} ops[NLR_MAX_OPS];
};

/* CTRL_CMD_GETFAMILY by name. 0, or -errno (-ENOENT: no such family). */
static NLR_UNUSED int nlr_resolve(struct nlr_sock *s, const char *name,
				  struct nlr_family *f, struct nlr_ack *ack)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct nlr_reply rep;
	struct nlr_msg m;
	const void *p;
	size_t len;
	int r;

	memset(f, 0, sizeof(*f));
	nlr_msg_init(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
	nlr_put_str(&m, CTRL_ATTR_FAMILY_NAME, name);
	r = nlr_request(s, &m, &rep);
	if (ack)
		*ack = rep.ack;
	if (r)
		goto out;
	r = -EBADMSG;
	if (rep.nr_msgs != 1)
		goto out;
	p = nlr_attrs(rep.msgs, &len);
	if (!nlr_parse(p, len, tb, CTRL_ATTR_MAX, NULL) ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		goto out;
	f->id = nlr_u16(tb[CTRL_ATTR_FAMILY_ID]);
	f->version = nlr_u32(tb[CTRL_ATTR_VERSION]);
	f->hdrsize = nlr_u32(tb[CTRL_ATTR_HDRSIZE]);
	f->maxattr = nlr_u32(tb[CTRL_ATTR_MAXATTR]);
	if (tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *g = nlr_data(tb[CTRL_ATTR_MCAST_GROUPS]);
		size_t left = nlr_len(tb[CTRL_ATTR_MCAST_GROUPS]);

		while (left >= NLA_HDRLEN && g->nla_len >= NLA_HDRLEN &&
		       g->nla_len <= left && f->nr_groups < NLR_MAX_GROUPS) {
			const struct nlattr *gb[CTRL_ATTR_MCAST_GRP_MAX + 1];

			if (nlr_parse(nlr_data(g), nlr_len(g), gb,
				      CTRL_ATTR_MCAST_GRP_MAX, NULL) &&
			    nlr_str(gb[CTRL_ATTR_MCAST_GRP_NAME])) {
				snprintf(f->groups[f->nr_groups].name,
					 GENL_NAMSIZ, "%s",
					 nlr_str(gb[CTRL_ATTR_MCAST_GRP_NAME]));
				f->groups[f->nr_groups++].id =
					nlr_u32(gb[CTRL_ATTR_MCAST_GRP_ID]);
			}
			left -= (size_t)NLA_ALIGN(g->nla_len) < left ?
				(size_t)NLA_ALIGN(g->nla_len) : left;
			g = (const void *)((const unsigned char *)g +
					   NLA_ALIGN(g->nla_len));
		}
	}
	if (tb[CTRL_ATTR_OPS]) {
		const struct nlattr *o = nlr_data(tb[CTRL_ATTR_OPS]);
		size_t left = nlr_len(tb[CTRL_ATTR_OPS]);

		while (left >= NLA_HDRLEN && o->nla_len >= NLA_HDRLEN &&
		       o->nla_len <= left && f->nr_ops < NLR_MAX_OPS) {
			const struct nlattr *ob[CTRL_ATTR_OP_MAX + 1];

			if (nlr_parse(nlr_data(o), nlr_len(o), ob,
				      CTRL_ATTR_OP_MAX, NULL)) {
				f->ops[f->nr_ops].id =
					nlr_u32(ob[CTRL_ATTR_OP_ID]);
				f->ops[f->nr_ops++].flags =
					ob[CTRL_ATTR_OP_FLAGS] ?
					nlr_u32(ob[CTRL_ATTR_OP_FLAGS]) : 0;
			}
			left -= (size_t)NLA_ALIGN(o->nla_len) < left ?
				(size_t)NLA_ALIGN(o->nla_len) : left;
			o = (const void *)((const unsigned char *)o +
					   NLA_ALIGN(o->nla_len));
		}
	}
	r = 0;
out:
	nlr_reply_free(&rep);
	return r;
}

/* The id of multicast group @name, or 0. */
static NLR_UNUSED uint32_t nlr_group(const struct nlr_family *f,
				     const char *name)
{
	for (unsigned int i = 0; i < f->nr_groups; i++)
		if (!strcmp(f->groups[i].name, name))
			return f->groups[i].id;
	return 0;
}

#endif /* NL_RAW_H */
