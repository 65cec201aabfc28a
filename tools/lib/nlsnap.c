// SPDX-License-Identifier: GPL-2.0
/*
 * libnl does the socket, the family lookup and message building; replies
 * are read through one set of callbacks that keeps what libnl would
 * otherwise lose: the kernel's errno (libnl maps it to its own codes),
 * its extended-ack message (libnl 3.7 has no API for it), an error that
 * ends a dump (in NLMSG_DONE, which libnl 3.7 does not read) and
 * NLM_F_DUMP_INTR. Attributes are read by nlrec.c's walker, the code the
 * unit tests check.
 *
 * The monitor's socket gets notifications (sequence number 0) between
 * the replies to its own requests: they are queued, not mistaken for
 * replies, so the group can be joined before the thresholds are set and
 * nothing that happens in between is missed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nlsnap.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* Multicast bursts (VMs coming and going by the hundred) fit in this. */
#define NOTIFY_RCVBUF	(4 << 20)
#define NOTIFY_BUF	(64 << 10)

/* One request in flight: what its replies go to. */
struct req {
	struct kvmw_nl *nl;
	u32 seq;
	unsigned int cmd;
	/* Each reply message's attributes; returns 0 or -errno. */
	int (*reply)(struct req *r, const void *attrs, size_t len);
	void *arg;
	int err;		/* -errno from the kernel or reply() */
	bool from_kernel;	/* err is the kernel's */
	bool done;
	bool intr;		/* NLM_F_DUMP_INTR was seen */
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

/* Every public function starts with no failure recorded. */
static void clear_err(struct kvmw_nl *nl)
{
	nl->err = 0;
	nl->nlerr = 0;
	nl->ext_msg[0] = '\0';
	nl->from_kernel = false;
}

/* libnl's codes for what a system call or the kernel said, as errno. */
static int nlerr_errno(int nlerr)
{
	switch (nlerr) {
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_PERM:
		return EPERM;
	case NLE_OBJ_NOTFOUND:
		return ENOENT;
	case NLE_INVAL:
		return EINVAL;
	case NLE_AGAIN:
		return EAGAIN;
	case NLE_BUSY:
		return EBUSY;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	case NLE_PROTO_MISMATCH:
	case NLE_NOADDR:
		return EPROTONOSUPPORT;
	case NLE_MSGSIZE:
		return EMSGSIZE;
	case NLE_RANGE:
		return ERANGE;
	}
	return EPROTO;
}

/* A libnl failure: keep its code, and the errno it stands for. */
static int fail_nl(struct kvmw_nl *nl, int ret)
{
	nl->nlerr = ret < 0 ? -ret : ret;
	nl->err = nlerr_errno(nl->nlerr);
	return -nl->err;
}

/* Any other failure; the kernel's message, if it sent one, stays. */
static int fail(struct kvmw_nl *nl, int err)
{
	nl->err = err < 0 ? -err : err;
	nl->nlerr = 0;
	return -nl->err;
}

const char *kvmw_nl_strerror(const struct kvmw_nl *nl, char *buf,
			     size_t len)
{
	size_t n;

	n = snprintf(buf, len, "%s", strerror(nl->err));
	if (nl->err == EPERM && n < len)
		n += snprintf(buf + n, len - n, " (needs CAP_NET_ADMIN)");
	if (nl->nlerr && n < len)
		n += snprintf(buf + n, len - n, " (libnl: %s, error %d)",
			      nl_geterror(nl->nlerr), -nl->nlerr);
	if (nl->ext_msg[0] && n < len)
		snprintf(buf + n, len - n, "; kernel: %s", nl->ext_msg);
	return buf;
}

/*
 * The extended-ack attributes of an error or DONE message @h, from byte
 * @off of it: keep the kernel's message.
 */
static void take_ext_ack(struct kvmw_nl *nl, const struct nlmsghdr *h,
			 size_t off)
{
	struct kvmw_nla_iter it;
	struct kvmw_nla a;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || off > h->nlmsg_len)
		return;
	kvmw_nla_iter_init(&it, (const char *)h + off, h->nlmsg_len - off);
	while (kvmw_nla_next(&it, &a) > 0)
		if (a.type == NLMSGERR_ATTR_MSG &&
		    kvmw_nla_str(&a, nl->ext_msg, sizeof(nl->ext_msg)))
			snprintf(nl->ext_msg, sizeof(nl->ext_msg),
				 "(unreadable message)");
}

/* Queue a notification received now. */
static void queue_note(struct kvmw_nl *nl, const struct nlmsghdr *h)
{
	const struct genlmsghdr *g = NLMSG_DATA(h);
	size_t hlen = NLMSG_LENGTH(GENL_HDRLEN);
	struct kvmw_note n;

	if (h->nlmsg_len < hlen) {
		nl->bad_notes++;
		return;
	}
	switch (kvmw_note_parse(g->cmd, (const char *)h + hlen,
				h->nlmsg_len - hlen, &n)) {
	case 0:
		break;
	case -ENOENT:		/* a newer module's kind: not ours to show */
		return;
	default:
		nl->bad_notes++;
		return;
	}
	n.time_ns = now_ns();
	if (nl->first_note && nl->first_note == nl->nr_notes) {
		nl->first_note = 0;
		nl->nr_notes = 0;
	}
	if (nl->nr_notes == nl->cap_notes) {
		size_t cap = nl->cap_notes ? nl->cap_notes * 2 : 64;
		struct kvmw_note *p = realloc(nl->notes, cap * sizeof(*p));

		if (!p) {
			nl->bad_notes++;
			return;
		}
		nl->notes = p;
		nl->cap_notes = cap;
	}
	nl->notes[nl->nr_notes++] = n;
}

bool kvmw_nl_next_note(struct kvmw_nl *nl, struct kvmw_note *n)
{
	if (nl->first_note == nl->nr_notes)
		return false;
	*n = nl->notes[nl->first_note++];
	return true;
}

static bool is_notification(const struct nlmsghdr *h)
{
	return h->nlmsg_seq == 0 && h->nlmsg_pid == 0;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	const struct genlmsghdr *g;
	size_t hlen = NLMSG_LENGTH(GENL_HDRLEN);
	int err;

	if (h->nlmsg_type != r->nl->family)
		return NL_SKIP;
	if (is_notification(h)) {
		queue_note(r->nl, h);
		return NL_SKIP;
	}
	if (h->nlmsg_seq != r->seq)
		return NL_SKIP;		/* a late reply to an older request */
	if (h->nlmsg_len < hlen) {
		r->err = -EPROTO;
		return NL_STOP;
	}
	g = NLMSG_DATA(h);
	if (g->cmd != r->cmd || !r->reply) {
		r->err = -EPROTO;
		return NL_STOP;
	}
	err = r->reply(r, (const char *)h + hlen, h->nlmsg_len - hlen);
	if (err) {
		r->err = err;
		return NL_STOP;
	}
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	if (nlmsg_hdr(msg)->nlmsg_seq != r->seq)
		return NL_SKIP;
	r->done = true;
	return NL_STOP;
}

/* The end of a dump: its payload is the dump's error, 0 if it worked. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int err = 0;

	if (h->nlmsg_seq != r->seq)
		return NL_SKIP;
	if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
		memcpy(&err, NLMSG_DATA(h), sizeof(err));
	if (err < 0) {
		r->err = err;
		r->from_kernel = true;
		take_ext_ack(r->nl, h, NLMSG_LENGTH(sizeof(err)));
	}
	r->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	/* libnl hands over the payload of the NLMSG_ERROR message. */
	const struct nlmsghdr *h = (const void *)((char *)e - NLMSG_HDRLEN);
	struct req *r = arg;
	size_t off;

	(void)who;
	if (e->msg.nlmsg_seq != r->seq)
		return NL_SKIP;
	r->err = e->error;
	r->from_kernel = true;
	r->done = true;
	off = NLMSG_LENGTH(sizeof(*e));
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	take_ext_ack(r->nl, h, off);
	return NL_STOP;
}

static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	if (nlmsg_hdr(msg)->nlmsg_seq == r->seq)
		r->intr = true;
	return NL_OK;		/* read on to NLMSG_DONE */
}

/* Sequence numbers are checked per callback: notifications have none. */
static int on_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/*
 * Send @msg (freed here) and read until its ACK, error or the end of its
 * dump. 0, or -errno with the details in nl.
 */
static int transact(struct req *r, struct nl_msg *msg)
{
	struct kvmw_nl *nl = r->nl;
	struct nl_cb *cb;
	int ret;

	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		nlmsg_free(msg);
		return fail(nl, ENOMEM);
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, r);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, r);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, r);

	ret = nl_send_auto(nl->sk, msg);
	if (ret < 0) {
		nlmsg_free(msg);
		nl_cb_put(cb);
		return fail_nl(nl, ret);
	}
	r->seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);

	while (!r->done && !r->err) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (r->err || r->done)
			break;
		if (ret < 0) {
			nl_cb_put(cb);
			return fail_nl(nl, ret);
		}
	}
	nl_cb_put(cb);
	if (!r->err)
		return 0;
	fail(nl, r->err);
	nl->from_kernel = r->from_kernel;
	return -nl->err;
}

/* A request of the family: @flags NLM_F_DUMP or 0. */
static struct nl_msg *new_req(struct kvmw_nl *nl, unsigned int cmd, int flags)
{
	struct nl_msg *msg;

	clear_err(nl);
	msg = nlmsg_alloc();
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, KVMW_NL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int kvmw_nl_open(struct kvmw_nl *nl)
{
	const char *name = getenv(KVMW_NL_FAMILY_ENV);
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->family_name = name && *name ? name : KVMW_NL_FAMILY_NAME;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return fail(nl, ENOMEM);
	ret = genl_connect(nl->sk);
	if (ret < 0)
		goto err_nl;
	/* Replies larger than a page (dumps) are read whole. */
	nl_socket_enable_msg_peek(nl->sk);
	/* The kernel's reasons for refusing a request; optional. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	ret = genl_ctrl_resolve(nl->sk, nl->family_name);
	if (ret < 0)
		goto err_nl;
	nl->family = ret;
	nl->portid = nl_socket_get_local_port(nl->sk);
	return 0;
err_nl:
	fail_nl(nl, ret);
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return -nl->err;
}

void kvmw_nl_close(struct kvmw_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
	free(nl->notes);
	nl->notes = NULL;
	nl->nr_notes = nl->first_note = nl->cap_notes = 0;
}

static int version_reply(struct req *r, const void *attrs, size_t len)
{
	struct kvmw_nl_version *v = r->arg;
	struct kvmw_nla_iter it;
	struct kvmw_nla a;
	bool abi = false;
	int ret, err = 0;

	kvmw_nla_iter_init(&it, attrs, len);
	while (!err && (ret = kvmw_nla_next(&it, &a)) > 0) {
		switch (a.type) {
		case KVMW_NL_ATTR_ABI:
			err = kvmw_nla_u32(&a, &v->abi);
			abi = true;
			break;
		case KVMW_NL_ATTR_CAPS:
			err = kvmw_nla_u32(&a, &v->caps);
			break;
		case KVMW_NL_ATTR_VERSION:
			err = kvmw_nla_str(&a, v->version, sizeof(v->version));
			break;
		case KVMW_NL_ATTR_RELEASE:
			err = kvmw_nla_str(&a, v->release, sizeof(v->release));
			break;
		}
	}
	if (err || ret < 0 || !abi)
		return -EPROTO;
	return 0;
}

int kvmw_nl_get_version(struct kvmw_nl *nl, struct kvmw_nl_version *v)
{
	struct req r = {
		.nl = nl, .cmd = KVMW_NL_CMD_GET_VERSION,
		.reply = version_reply, .arg = v,
	};
	struct nl_msg *msg = new_req(nl, r.cmd, 0);
	int ret;

	memset(v, 0, sizeof(*v));
	if (!msg)
		return fail(nl, ENOMEM);
	ret = transact(&r, msg);
	/* An ACK with no reply before it is not an answer. */
	if (!ret && !v->abi && !v->version[0])
		return fail(nl, EPROTO);
	return ret;
}

int kvmw_nl_reset(struct kvmw_nl *nl)
{
	struct req r = { .nl = nl, .cmd = KVMW_NL_CMD_RESET };
	struct nl_msg *msg = new_req(nl, r.cmd, 0);

	if (!msg)
		return fail(nl, ENOMEM);
	return transact(&r, msg);
}

static int put_filter(struct nl_msg *msg, const struct kvmw_filter *f)
{
	struct nlattr *nest = nla_nest_start(msg, KVMW_NL_ATTR_FILTER);

	if (!nest)
		return -1;
	if ((f->flags & KVMW_FILTER_PID) &&
	    nla_put_s32(msg, KVMW_NL_FILTER_PID, f->pid))
		return -1;
	if ((f->flags & KVMW_FILTER_PID_TREE) &&
	    nla_put_flag(msg, KVMW_NL_FILTER_PID_TREE))
		return -1;
	if ((f->flags & KVMW_FILTER_VM) &&
	    nla_put_string(msg, KVMW_NL_FILTER_VM, f->vm))
		return -1;
	if ((f->flags & KVMW_FILTER_VCPU) &&
	    nla_put_u32(msg, KVMW_NL_FILTER_VCPU, (u32)f->vcpu))
		return -1;
	if ((f->flags & KVMW_FILTER_LIVE) &&
	    nla_put_flag(msg, KVMW_NL_FILTER_LIVE))
		return -1;
	return nla_nest_end(msg, nest) ? -1 : 0;
}

static int put_thresholds(struct nl_msg *msg, const struct kvmw_nl_config *c)
{
	struct nlattr *ths = nla_nest_start(msg, KVMW_NL_ATTR_THRESHOLDS);
	u32 i;

	if (!ths)
		return -1;
	for (i = 0; i < c->nr_th; i++) {
		struct nlattr *th = nla_nest_start(msg, KVMW_NL_ATTR_THRESHOLD);

		if (!th ||
		    nla_put_u32(msg, KVMW_NL_TH_ISA, c->th[i].isa) ||
		    nla_put_u32(msg, KVMW_NL_TH_CODE, c->th[i].code) ||
		    nla_put_u64(msg, KVMW_NL_TH_RATE, c->th[i].rate) ||
		    nla_nest_end(msg, th))
			return -1;
	}
	return nla_nest_end(msg, ths) ? -1 : 0;
}

int kvmw_nl_set_config(struct kvmw_nl *nl, const struct kvmw_nl_config *c)
{
	struct req r = { .nl = nl, .cmd = KVMW_NL_CMD_SET_CONFIG };
	struct nl_msg *msg;

	clear_err(nl);
	if (c->nr_th > KVMW_NL_THRESHOLDS_MAX)
		return fail(nl, E2BIG);
	msg = new_req(nl, r.cmd, 0);
	if (!msg)
		return fail(nl, ENOMEM);
	if (((c->fields & KVMW_NLCFG_ENABLE) &&
	     nla_put_u64(msg, KVMW_NL_ATTR_ENABLE, c->enable)) ||
	    ((c->fields & KVMW_NLCFG_FILTER) && put_filter(msg, &c->filter)) ||
	    ((c->fields & KVMW_NLCFG_THRESHOLDS) && put_thresholds(msg, c)) ||
	    ((c->fields & KVMW_NLCFG_RATELIMIT) &&
	     nla_put_u32(msg, KVMW_NL_ATTR_RATELIMIT_MS, c->ratelimit_ms))) {
		nlmsg_free(msg);
		return fail(nl, EMSGSIZE);
	}
	return transact(&r, msg);
}

int kvmw_nl_enable(struct kvmw_nl *nl, u64 families)
{
	struct kvmw_nl_config c = {
		.fields = KVMW_NLCFG_ENABLE,
		.enable = families,
	};

	return kvmw_nl_set_config(nl, &c);
}

int kvmw_nl_filter(struct kvmw_nl *nl, const struct kvmw_filter *f)
{
	struct kvmw_nl_config c = {
		.fields = KVMW_NLCFG_FILTER,
		.filter = *f,
	};

	return kvmw_nl_set_config(nl, &c);
}

static int config_reply(struct req *r, const void *attrs, size_t len)
{
	return kvmw_nlcfg_parse(attrs, len, r->arg) ? -EPROTO : 0;
}

int kvmw_nl_get_config(struct kvmw_nl *nl, struct kvmw_nl_config *c)
{
	struct req r = {
		.nl = nl, .cmd = KVMW_NL_CMD_GET_CONFIG,
		.reply = config_reply, .arg = c,
	};
	struct nl_msg *msg = new_req(nl, r.cmd, 0);
	int ret;

	memset(c, 0, sizeof(*c));
	if (!msg)
		return fail(nl, ENOMEM);
	ret = transact(&r, msg);
	if (!ret && !c->fields)
		return fail(nl, EPROTO);
	return ret;
}

static int stats_reply(struct req *r, const void *attrs, size_t len)
{
	return kvmw_nlsnap_acc_add(r->arg, attrs, len);
}

int kvmw_nl_snap_take(struct kvmw_nl *nl, unsigned int flags,
		      struct kvmw_snap *out)
{
	struct kvmw_nlsnap_acc acc;
	int tries, ret;

	memset(out, 0, sizeof(*out));
	for (tries = 1; tries <= KVMW_NL_DUMP_TRIES; tries++) {
		struct req r = {
			.nl = nl, .cmd = KVMW_NL_CMD_GET_STATS,
			.reply = stats_reply, .arg = &acc,
		};
		struct nl_msg *msg = new_req(nl, r.cmd, NLM_F_DUMP);

		if (!msg)
			return fail(nl, ENOMEM);
		nl->dump_tries = tries;
		if (flags && nla_put_u32(msg, KVMW_NL_ATTR_SNAP_FLAGS, flags)) {
			nlmsg_free(msg);
			return fail(nl, EMSGSIZE);
		}
		kvmw_nlsnap_acc_init(&acc);
		ret = transact(&r, msg);
		if (!ret && !r.intr)
			ret = kvmw_nlsnap_acc_finish(&acc, flags, out);
		kvmw_nlsnap_acc_free(&acc);
		if (ret)
			return nl->err ? ret : fail(nl, ret);
		if (!r.intr)
			return 0;
		/*
		 * Never from this module (one snapshot per dump). With
		 * KVMW_SNAP_RESET the interrupted dump took its baseline: a
		 * retry would silently leave its counts out.
		 */
		if (flags & KVMW_SNAP_RESET)
			break;
	}
	return fail(nl, EAGAIN);
}

int kvmw_nl_join_notify(struct kvmw_nl *nl)
{
	int grp, ret, size = NOTIFY_RCVBUF;

	clear_err(nl);
	grp = genl_ctrl_resolve_grp(nl->sk, nl->family_name,
				    KVMW_NL_MCGRP_NOTIFY);
	if (grp < 0)
		return fail_nl(nl, grp);
	/* Past rmem_max with CAP_NET_ADMIN, which joining needs anyway. */
	if (setsockopt(kvmw_nl_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)))
		setsockopt(kvmw_nl_fd(nl), SOL_SOCKET, SO_RCVBUF, &size,
			   sizeof(size));
	ret = nl_socket_add_membership(nl->sk, grp);
	if (ret < 0)
		return fail_nl(nl, ret);
	return 0;
}

int kvmw_nl_fd(const struct kvmw_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

int kvmw_nl_recv_notes(struct kvmw_nl *nl)
{
	static unsigned char buf[NOTIFY_BUF];
	int fd = kvmw_nl_fd(nl);

	clear_err(nl);
	for (;;) {
		const struct nlmsghdr *h;
		ssize_t n;
		int len;

		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			nl->overruns++;
			continue;
		}
		if (n < 0)
			return fail(nl, errno);
		if ((size_t)n > sizeof(buf)) {
			/* Notifications are small: this is none of ours. */
			nl->bad_notes++;
			continue;
		}
		len = (int)n;
		for (h = (const void *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == nl->family && is_notification(h))
				queue_note(nl, h);
		}
	}
}
