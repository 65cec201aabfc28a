// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed requests to the generic netlink family "kvmwatch" (issue 5):
 * wrong types and lengths, values out of range, unknown, misplaced or
 * missing attributes, unknown commands, bad header bytes and flags. Each
 * is sent on a socket whose configuration has something to lose, and
 * must be refused with the errno uapi/linux/kvmwatch_nl.h gives (EINVAL
 * unless it says otherwise; the genetlink core's own answers where the
 * module never sees the request), with an extended-ack message and the
 * offset of the offending attribute, and change nothing: GET_CONFIG
 * byte for byte, the statistics consumers and the module's buffers as
 * before. Requests at the edges of each range are accepted.
 *
 * Every line says what the kernel answered, so the log is the report.
 */
#include <signal.h>

#include "nl_kvmw.h"

/* =================================================================== */
/* malformed                                                            */
/* =================================================================== */

enum { MSG_NO, MSG_YES, MSG_ANY };

struct bad_case {
	const char *name;
	uint8_t cmd;
	uint16_t flags;			/* beyond NLM_F_REQUEST | NLM_F_ACK */
	/* builds the attributes; returns the offending offset or NO_OFFS */
	uint32_t (*build)(struct nlr_msg *m);
	int err;			/* expected, positive */
	int msg;			/* MSG_* */
	const char *why;		/* where the expectation comes from */
};

static uint32_t nest_with(struct nlr_msg *m, uint16_t type,
			  uint32_t (*inner)(struct nlr_msg *m))
{
	uint32_t nest = nlr_nest_start(m, type), off;

	off = inner(m);
	nlr_nest_end(m, nest);
	return off;
}

/* Valid attributes around the bad one: all-or-nothing is checked too. */
static void valid_prefix(struct nlr_msg *m)
{
	nlr_put_u64(m, KVMW_NL_ATTR_ENABLE, 0);
	nlr_put_u32(m, KVMW_NL_ATTR_RATELIMIT_MS, 2000);
}

static uint32_t b_enable_u32(struct nlr_msg *m)
{
	nlr_put_u32(m, KVMW_NL_ATTR_RATELIMIT_MS, 2000);
	return nlr_put_u32(m, KVMW_NL_ATTR_ENABLE, KVMW_ENABLE_STATS);
}

static uint32_t b_enable_u16(struct nlr_msg *m)
{
	return nlr_put_u16(m, KVMW_NL_ATTR_ENABLE, 0);
}

static uint32_t b_enable_unknown_bit(struct nlr_msg *m)
{
	nlr_put_u32(m, KVMW_NL_ATTR_RATELIMIT_MS, 2000);
	return nlr_put_u64(m, KVMW_NL_ATTR_ENABLE, 1ULL << 40);
}

static uint32_t b_enable_event(struct nlr_msg *m)
{
	nlr_put_u32(m, KVMW_NL_ATTR_RATELIMIT_MS, 2000);
	return nlr_put_u64(m, KVMW_NL_ATTR_ENABLE,
			   KVMW_ENABLE_STATS | KVMW_ENABLE_EXIT);
}

static uint32_t b_enable_nested_flag(struct nlr_msg *m)
{
	uint64_t v = 0;

	return nlr_put(m, KVMW_NL_ATTR_ENABLE | NLA_F_NESTED, &v, sizeof(v));
}

static uint32_t b_rl_low(struct nlr_msg *m)
{
	nlr_put_u64(m, KVMW_NL_ATTR_ENABLE, 0);
	return nlr_put_u32(m, KVMW_NL_ATTR_RATELIMIT_MS, 99);
}

static uint32_t b_rl_high(struct nlr_msg *m)
{
	nlr_put_u64(m, KVMW_NL_ATTR_ENABLE, 0);
	return nlr_put_u32(m, KVMW_NL_ATTR_RATELIMIT_MS, 3600001);
}

static uint32_t b_rl_zero(struct nlr_msg *m)
{
	return nlr_put_u32(m, KVMW_NL_ATTR_RATELIMIT_MS, 0);
}

static uint32_t b_rl_u64(struct nlr_msg *m)
{
	return nlr_put_u64(m, KVMW_NL_ATTR_RATELIMIT_MS, 2000);
}

static uint32_t i_filter_unknown(struct nlr_msg *m)
{
	nlr_put_s32(m, KVMW_NL_FILTER_PID, 1);
	return nlr_put_u32(m, KVMW_NL_FILTER_MAX + 1, 0);
}

static uint32_t b_filter_unknown(struct nlr_msg *m)
{
	valid_prefix(m);
	return nest_with(m, KVMW_NL_ATTR_FILTER, i_filter_unknown);
}

static uint32_t b_filter_not_nested(struct nlr_msg *m)
{
	unsigned char inner[8];
	struct nlattr *a = (struct nlattr *)inner;
	int32_t pid = 1;

	a->nla_len = 8;
	a->nla_type = KVMW_NL_FILTER_PID;
	memcpy(inner + 4, &pid, 4);
	valid_prefix(m);
	return nlr_put(m, KVMW_NL_ATTR_FILTER, inner, sizeof(inner));
}

static uint32_t i_pid_zero(struct nlr_msg *m)
{
	return nlr_put_s32(m, KVMW_NL_FILTER_PID, 0);
}

static uint32_t i_pid_negative(struct nlr_msg *m)
{
	return nlr_put_s32(m, KVMW_NL_FILTER_PID, -7);
}

static uint32_t i_pid_u64(struct nlr_msg *m)
{
	return nlr_put_u64(m, KVMW_NL_FILTER_PID, 1);
}

static uint32_t i_vm_no_nul(struct nlr_msg *m)
{
	return nlr_put(m, KVMW_NL_FILTER_VM, "1234-56", 7);
}

static uint32_t i_vm_too_long(struct nlr_msg *m)
{
	/* 32 characters: struct kvmw_filter.vm holds 31 and the NUL */
	return nlr_put_str(m, KVMW_NL_FILTER_VM,
			   "12345678901234567890123456789012");
}

static uint32_t i_vm_empty(struct nlr_msg *m)
{
	return nlr_put_str(m, KVMW_NL_FILTER_VM, "");
}

static uint32_t i_tree_without_pid(struct nlr_msg *m)
{
	return nlr_put_flag(m, KVMW_NL_FILTER_PID_TREE);
}

static uint32_t i_vcpu_negative(struct nlr_msg *m)
{
	return nlr_put_u32(m, KVMW_NL_FILTER_VCPU, 0x80000000U);
}

static uint32_t i_live_with_payload(struct nlr_msg *m)
{
	return nlr_put_u32(m, KVMW_NL_FILTER_LIVE, 1);
}

#define FILTER_CASE(fn, inner)					\
static uint32_t fn(struct nlr_msg *m)				\
{								\
	valid_prefix(m);					\
	return nest_with(m, KVMW_NL_ATTR_FILTER, inner);	\
}
FILTER_CASE(b_pid_zero, i_pid_zero)
FILTER_CASE(b_pid_negative, i_pid_negative)
FILTER_CASE(b_pid_u64, i_pid_u64)
FILTER_CASE(b_vm_no_nul, i_vm_no_nul)
FILTER_CASE(b_vm_too_long, i_vm_too_long)
FILTER_CASE(b_vm_empty, i_vm_empty)
FILTER_CASE(b_tree_without_pid, i_tree_without_pid)
FILTER_CASE(b_vcpu_negative, i_vcpu_negative)
FILTER_CASE(b_live_with_payload, i_live_with_payload)

/*
 * A THRESHOLDS nest holding one threshold; which attribute is missing or
 * wrong is said by the arguments. Returns the offset of what the kernel
 * should name: the THRESHOLD nest (@bad == 0), its ISA (1) or RATE (2).
 */
static uint32_t th_case(struct nlr_msg *m, bool isa, bool code, bool rate,
			uint32_t isa_v, uint64_t rate_v, bool rate_u32,
			int bad)
{
	uint32_t ths, th, isa_off = NO_OFFS, rate_off = NO_OFFS;

	valid_prefix(m);
	ths = nlr_nest_start(m, KVMW_NL_ATTR_THRESHOLDS);
	th = nlr_nest_start(m, KVMW_NL_ATTR_THRESHOLD);
	if (isa)
		isa_off = nlr_put_u32(m, KVMW_NL_TH_ISA, isa_v);
	if (code)
		nlr_put_u32(m, KVMW_NL_TH_CODE, SVM_IOIO);
	if (rate)
		rate_off = rate_u32 ?
			nlr_put_u32(m, KVMW_NL_TH_RATE, (uint32_t)rate_v) :
			nlr_put_u64(m, KVMW_NL_TH_RATE, rate_v);
	nlr_nest_end(m, th);
	nlr_nest_end(m, ths);
	return bad == 0 ? th : bad == 1 ? isa_off : rate_off;
}

static uint32_t b_th_no_rate(struct nlr_msg *m)
{
	return th_case(m, true, true, false, KVMW_ISA_SVM, 0, false, 0);
}

static uint32_t b_th_no_isa(struct nlr_msg *m)
{
	return th_case(m, false, true, true, 0, 10, false, 0);
}

static uint32_t b_th_no_code(struct nlr_msg *m)
{
	return th_case(m, true, false, true, KVMW_ISA_SVM, 10, false, 0);
}

static uint32_t b_th_rate_zero(struct nlr_msg *m)
{
	return th_case(m, true, true, true, KVMW_ISA_SVM, 0, false, 2);
}

static uint32_t b_th_rate_u32(struct nlr_msg *m)
{
	return th_case(m, true, true, true, KVMW_ISA_SVM, 10, true, 2);
}

static uint32_t b_th_isa_bad(struct nlr_msg *m)
{
	return th_case(m, true, true, true, 3, 10, false, 1);
}

static uint32_t b_th_too_many(struct nlr_msg *m)
{
	struct kw_th t = { KVMW_ISA_SVM, SVM_IOIO, 10 };
	uint32_t ths, off = NO_OFFS;

	valid_prefix(m);
	ths = nlr_nest_start(m, KVMW_NL_ATTR_THRESHOLDS);
	for (int i = 0; i <= KVMW_NL_THRESHOLDS_MAX; i++) {
		off = (uint32_t)m->len;
		t.code = SVM_IOIO + (uint32_t)i;
		kw_put_th(m, &t);
	}
	nlr_nest_end(m, ths);
	return off;	/* the 17th */
}

static uint32_t b_th_foreign(struct nlr_msg *m)
{
	uint32_t ths, off;

	valid_prefix(m);
	ths = nlr_nest_start(m, KVMW_NL_ATTR_THRESHOLDS);
	off = nlr_put_u32(m, KVMW_NL_ATTR_RATELIMIT_MS, 1000);
	nlr_nest_end(m, ths);
	return off;
}

static uint32_t b_top_unknown(struct nlr_msg *m)
{
	valid_prefix(m);
	return nlr_put_u32(m, KVMW_NL_ATTR_MAX + 1, 0);
}

static uint32_t b_top_reply_only(struct nlr_msg *m)
{
	valid_prefix(m);
	return nlr_put_u32(m, KVMW_NL_ATTR_ABI, KVMW_ABI_VERSION);
}

static uint32_t b_set_snap_flags(struct nlr_msg *m)
{
	valid_prefix(m);
	return nlr_put_u32(m, KVMW_NL_ATTR_SNAP_FLAGS, 0);
}

static uint32_t b_truncated(struct nlr_msg *m)
{
	uint64_t v = 0;

	valid_prefix(m);
	/* says 8 bytes of payload, the message ends after 4 */
	nlr_put_raw(m, KVMW_NL_ATTR_ENABLE, &v, 4, 8);
	return NO_OFFS;
}

static uint32_t b_snap_unknown(struct nlr_msg *m)
{
	return nlr_put_u32(m, KVMW_NL_ATTR_SNAP_FLAGS, KVMW_SNAP_FLAGS + 1);
}

static uint32_t b_snap_raw_reset(struct nlr_msg *m)
{
	return nlr_put_u32(m, KVMW_NL_ATTR_SNAP_FLAGS,
			   KVMW_SNAP_RAW | KVMW_SNAP_RESET);
}

static uint32_t b_snap_u64(struct nlr_msg *m)
{
	return nlr_put_u64(m, KVMW_NL_ATTR_SNAP_FLAGS, 0);
}

static uint32_t b_stats_enable(struct nlr_msg *m)
{
	nlr_put_u32(m, KVMW_NL_ATTR_SNAP_FLAGS, 0);
	return nlr_put_u64(m, KVMW_NL_ATTR_ENABLE, 0);
}

static uint32_t b_none(struct nlr_msg *m)
{
	(void)m;
	return NO_OFFS;
}

static uint32_t b_one_attr(struct nlr_msg *m)
{
	return nlr_put_u64(m, KVMW_NL_ATTR_ENABLE, 0);
}

static uint32_t b_set_valid(struct nlr_msg *m)
{
	valid_prefix(m);
	return NO_OFFS;
}

#define SPEC	"uapi: EINVAL"
#define RANGE	"uapi: ERANGE"
static const struct bad_case bad_cases[] = {
	{ "ENABLE as u32", KVMW_NL_CMD_SET_CONFIG, 0, b_enable_u32,
	  EINVAL, MSG_YES, SPEC " (wrong length)" },
	{ "ENABLE as u16", KVMW_NL_CMD_SET_CONFIG, 0, b_enable_u16,
	  EINVAL, MSG_YES, SPEC " (wrong length)" },
	{ "ENABLE with an unknown bit", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_enable_unknown_bit, EINVAL, MSG_YES, SPEC },
	{ "ENABLE with an event family", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_enable_event, EOPNOTSUPP, MSG_YES, "uapi: EOPNOTSUPP" },
	{ "ENABLE flagged NLA_F_NESTED", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_enable_nested_flag, EINVAL, MSG_YES, SPEC " (wrong type)" },
	{ "RATELIMIT_MS 99", KVMW_NL_CMD_SET_CONFIG, 0, b_rl_low,
	  ERANGE, MSG_YES, RANGE " (out of range 100..3600000)" },
	{ "RATELIMIT_MS 3600001", KVMW_NL_CMD_SET_CONFIG, 0, b_rl_high,
	  ERANGE, MSG_YES, RANGE " (out of range)" },
	{ "RATELIMIT_MS 0", KVMW_NL_CMD_SET_CONFIG, 0, b_rl_zero,
	  ERANGE, MSG_YES, RANGE " (out of range)" },
	{ "RATELIMIT_MS as u64", KVMW_NL_CMD_SET_CONFIG, 0, b_rl_u64,
	  EINVAL, MSG_YES, SPEC " (wrong length)" },
	{ "FILTER with an unknown attribute", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_filter_unknown, EINVAL, MSG_YES, SPEC " (unknown attribute)" },
	{ "FILTER without NLA_F_NESTED", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_filter_not_nested, EINVAL, MSG_YES, SPEC " (wrong type)" },
	{ "FILTER_PID 0", KVMW_NL_CMD_SET_CONFIG, 0, b_pid_zero,
	  ERANGE, MSG_YES, RANGE " (s32 > 0)" },
	{ "FILTER_PID -7", KVMW_NL_CMD_SET_CONFIG, 0, b_pid_negative,
	  ERANGE, MSG_YES, RANGE " (s32 > 0)" },
	{ "FILTER_PID as u64", KVMW_NL_CMD_SET_CONFIG, 0, b_pid_u64,
	  EINVAL, MSG_YES, SPEC " (wrong length)" },
	{ "FILTER_VM not NUL-terminated", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_vm_no_nul, EINVAL, MSG_YES, SPEC },
	{ "FILTER_VM of 32 characters", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_vm_too_long, EINVAL, MSG_YES, SPEC " (too long)" },
	{ "FILTER_VM empty", KVMW_NL_CMD_SET_CONFIG, 0, b_vm_empty,
	  EINVAL, MSG_YES, SPEC " (as KVMW_IOC_SET_FILTER)" },
	{ "FILTER_PID_TREE without PID", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_tree_without_pid, EINVAL, MSG_YES, SPEC " (as KVMW_IOC_SET_FILTER)" },
	{ "FILTER_VCPU 0x80000000", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_vcpu_negative, ERANGE, MSG_YES, RANGE " (vcpu >= 0, as the device)" },
	/* the kernel's flag validation answers ERANGE for a payload */
	{ "FILTER_LIVE flag with a payload", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_live_with_payload, ERANGE, MSG_YES, "kernel policy: ERANGE" },
	{ "THRESHOLD without RATE", KVMW_NL_CMD_SET_CONFIG, 0, b_th_no_rate,
	  EINVAL, MSG_YES, SPEC " (missing attribute)" },
	{ "THRESHOLD without ISA", KVMW_NL_CMD_SET_CONFIG, 0, b_th_no_isa,
	  EINVAL, MSG_YES, SPEC " (missing attribute)" },
	{ "THRESHOLD without CODE", KVMW_NL_CMD_SET_CONFIG, 0, b_th_no_code,
	  EINVAL, MSG_YES, SPEC " (missing attribute)" },
	{ "THRESHOLD RATE 0", KVMW_NL_CMD_SET_CONFIG, 0, b_th_rate_zero,
	  ERANGE, MSG_YES, RANGE " (u64 >= 1)" },
	{ "THRESHOLD RATE as u32", KVMW_NL_CMD_SET_CONFIG, 0, b_th_rate_u32,
	  EINVAL, MSG_YES, SPEC " (wrong length)" },
	{ "THRESHOLD ISA 3", KVMW_NL_CMD_SET_CONFIG, 0, b_th_isa_bad,
	  ERANGE, MSG_YES, RANGE " (SVM or VMX)" },
	{ "17 thresholds", KVMW_NL_CMD_SET_CONFIG, 0, b_th_too_many,
	  E2BIG, MSG_YES, "uapi: E2BIG" },
	{ "THRESHOLDS holding a non-THRESHOLD", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_th_foreign, EINVAL, MSG_YES, SPEC " (unknown attribute)" },
	{ "unknown top-level attribute", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_top_unknown, EINVAL, MSG_YES, SPEC },
	{ "reply-only attribute ABI in a request", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_top_reply_only, EINVAL, MSG_YES, SPEC },
	{ "SET_CONFIG with SNAP_FLAGS", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_set_snap_flags, EINVAL, MSG_YES, SPEC },
	{ "attribute running past the message", KVMW_NL_CMD_SET_CONFIG, 0,
	  b_truncated, EINVAL, MSG_YES, SPEC " (wrong length)" },
	{ "SNAP_FLAGS with an unknown bit", KVMW_NL_CMD_GET_STATS,
	  NLM_F_DUMP, b_snap_unknown, EINVAL, MSG_YES, SPEC },
	{ "SNAP_FLAGS RAW | RESET", KVMW_NL_CMD_GET_STATS, NLM_F_DUMP,
	  b_snap_raw_reset, EINVAL, MSG_YES, "as KVMW_IOC_SNAPSHOT: EINVAL" },
	{ "SNAP_FLAGS as u64", KVMW_NL_CMD_GET_STATS, NLM_F_DUMP, b_snap_u64,
	  EINVAL, MSG_YES, SPEC " (wrong length)" },
	{ "GET_STATS with ENABLE", KVMW_NL_CMD_GET_STATS, NLM_F_DUMP,
	  b_stats_enable, EINVAL, MSG_YES, SPEC },
	{ "GET_STATS without NLM_F_DUMP", KVMW_NL_CMD_GET_STATS, 0, b_none,
	  EOPNOTSUPP, MSG_ANY, "genetlink core: no doit" },
	{ "SET_CONFIG as a dump", KVMW_NL_CMD_SET_CONFIG, NLM_F_DUMP,
	  b_set_valid, EOPNOTSUPP, MSG_ANY, "genetlink core: no dumpit" },
	{ "GET_VERSION with an attribute", KVMW_NL_CMD_GET_VERSION, 0,
	  b_one_attr, EINVAL, MSG_YES, SPEC },
	{ "GET_CONFIG with an attribute", KVMW_NL_CMD_GET_CONFIG, 0,
	  b_one_attr, EINVAL, MSG_YES, SPEC },
	{ "RESET with an attribute", KVMW_NL_CMD_RESET, 0, b_one_attr,
	  EINVAL, MSG_YES, SPEC },
	{ "unknown command 9", KVMW_NL_CMD_MAX + 1, 0, b_none,
	  EOPNOTSUPP, MSG_ANY, "genetlink core" },
	{ "unknown command 255", 255, 0, b_none,
	  EOPNOTSUPP, MSG_ANY, "genetlink core" },
	{ "NOTIFY_THRESHOLD sent as a request", KVMW_NL_CMD_NOTIFY_THRESHOLD,
	  0, b_none, EOPNOTSUPP, MSG_ANY, "genetlink core: kernel-only" },
	{ "command 0 (UNSPEC)", KVMW_NL_CMD_UNSPEC, 0, b_none,
	  EOPNOTSUPP, MSG_ANY, "genetlink core" },
	{ "NLM_F_ROOT without NLM_F_MATCH", KVMW_NL_CMD_GET_CONFIG,
	  NLM_F_ROOT, b_none, EINVAL, MSG_YES, "genetlink core (strict family)" },
	{ "NLM_F_CREATE on SET_CONFIG", KVMW_NL_CMD_SET_CONFIG,
	  NLM_F_CREATE, b_set_valid, EINVAL, MSG_YES,
	  "genetlink core (strict family)" },
};

/* The genl reserved byte and a message without genl header: by hand. */
static void bad_header_cases(struct nlr_sock *s, int dev)
{
	struct kw_conf before, after;
	struct kvmw_counters c0, c1;
	struct nlr_reply rep;
	struct nlr_msg m;
	char buf[512];
	int r;

	for (int cmd = 0; cmd < 2; cmd++) {
		uint8_t c = cmd ? KVMW_NL_CMD_GET_VERSION : KVMW_NL_CMD_SET_CONFIG;

		kw_conf(s, &before);
		su_counters(dev, &c0);
		kw_msg(&m, c, 0);
		nlr_msg_genl(&m)->reserved = 0x5a;
		if (!cmd)
			valid_prefix(&m);
		r = nlr_request(s, &m, &rep);
		su_check(r == -EINVAL && rep.ack.has_msg && !rep.ack.has_offs,
			 "%s with genlmsghdr.reserved 0x5a: %s (want EINVAL with a message; %s)",
			 cmd ? "GET_VERSION" : "SET_CONFIG",
			 ack_str(&rep.ack, buf, sizeof(buf)), SPEC);
		su_check(!rep.nr_msgs, "  ... and no reply message (%u)",
			 rep.nr_msgs);
		nlr_reply_free(&rep);
		kw_conf(s, &after);
		su_counters(dev, &c1);
		su_check(kw_same_conf(&before, &after) &&
			 c1.stats_consumers == c0.stats_consumers,
			 "  ... configuration unchanged");
	}

	/* nlmsg_len too short for a genetlink header */
	kw_conf(s, &before);
	kw_msg(&m, KVMW_NL_CMD_GET_CONFIG, 0);
	m.len = NLMSG_HDRLEN + 2;
	r = nlr_request(s, &m, &rep);
	su_check(r == -EINVAL && !rep.nr_msgs,
		 "message shorter than the genetlink header: %s (want EINVAL, genetlink core)",
		 ack_str(&rep.ack, buf, sizeof(buf)));
	nlr_reply_free(&rep);
	kw_conf(s, &after);
	su_check(kw_same_conf(&before, &after), "  ... configuration unchanged");
}

/* Requests at the edges of the valid ranges are accepted. */
static void good_cases(struct nlr_sock *s, const struct kw_cfg *preset)
{
	struct kw_cfg c = { 0 };
	struct kw_conf conf;
	struct nlr_ack ack;
	char buf[512];
	int r;

	c.set_rl = true;
	for (int i = 0; i < 2; i++) {
		c.rl = i ? 3600000 : 100;
		r = kw_set(s, &c, &ack);
		kw_conf(s, &conf);
		su_check(!r && conf.rl == c.rl, "RATELIMIT_MS %u accepted: %s, now %u",
			 c.rl, ack_str(&ack, buf, sizeof(buf)), conf.rl);
	}
	memset(&c, 0, sizeof(c));
	c.set_th = true;
	c.nr_th = KVMW_NL_THRESHOLDS_MAX;
	for (unsigned int i = 0; i < c.nr_th; i++)
		c.th[i] = (struct kw_th){ i % 2 ? KVMW_ISA_VMX : KVMW_ISA_SVM,
					  0x60 + i, 1 + i * 1000000000ULL };
	r = kw_set(s, &c, &ack);
	kw_conf(s, &conf);
	{
		bool same = conf.nr_th == c.nr_th;

		for (unsigned int i = 0; same && i < c.nr_th; i++)
			same = conf.th[i].isa == c.th[i].isa &&
			       conf.th[i].code == c.th[i].code &&
			       conf.th[i].rate == c.th[i].rate;
		su_check(!r && same,
			 "16 thresholds accepted and read back in order: %s, %u",
			 ack_str(&ack, buf, sizeof(buf)), conf.nr_th);
	}
	memset(&c, 0, sizeof(c));
	c.set_filter = true;
	c.filter = su_filter_vm("1234567-1234567890123456789012"); /* 30 */
	c.filter.flags |= KVMW_FILTER_VCPU | KVMW_FILTER_LIVE;
	c.filter.vcpu = 0x7fffffff;
	r = kw_set(s, &c, &ack);
	kw_conf(s, &conf);
	su_check(!r && conf.filter.flags == c.filter.flags &&
		 !strcmp(conf.filter.vm, c.filter.vm) &&
		 conf.filter.vcpu == 0x7fffffff,
		 "FILTER VM of 30 characters, VCPU 0x7fffffff, LIVE: %s",
		 ack_str(&ack, buf, sizeof(buf)));
	c.filter = (struct kvmw_filter){ 0 };
	r = kw_set(s, &c, &ack);
	kw_conf(s, &conf);
	su_check(!r && conf.filter.flags == 0, "an empty FILTER nest clears it: %s",
		 ack_str(&ack, buf, sizeof(buf)));
	memset(&c, 0, sizeof(c));
	c.set_th = true;
	r = kw_set(s, &c, &ack);
	kw_conf(s, &conf);
	su_check(!r && conf.nr_th == 0, "an empty THRESHOLDS nest clears them: %s",
		 ack_str(&ack, buf, sizeof(buf)));
	kw_set_ok(s, preset, "restore preset");
}

static void part_malformed(void)
{
	struct kw_cfg preset = { 0 };
	struct kw_conf before, after;
	struct kvmw_counters c0, c1;
	unsigned int exact = 0;
	struct nlr_sock s;
	char buf[512];
	int dev = dev_open();

	kw_open(&s);
	/* something to lose: every failed request must leave it alone */
	preset.set_enable = preset.set_filter = preset.set_th = true;
	preset.set_rl = true;
	preset.enable = KVMW_ENABLE_STATS;
	preset.filter = su_filter_pid(getpid(), false);
	preset.filter.flags |= KVMW_FILTER_LIVE;
	preset.nr_th = 1;
	preset.th[0] = (struct kw_th){ su_isa(), su_code(SU_IO), 1000000 };
	preset.rl = 500;
	kw_set_ok(&s, &preset, "preset");
	kw_conf(&s, &before);
	su_check(before.enable == KVMW_ENABLE_STATS && before.rl == 500 &&
		 before.nr_th == 1 && before.filter.pid == getpid() &&
		 before.filter.flags == (KVMW_FILTER_PID | KVMW_FILTER_LIVE),
		 "preset configuration read back");

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct nlr_reply rep;
		struct nlr_msg m;
		uint32_t off;
		bool ok_err, ok_msg, ok_offs;
		int r;

		kw_conf(&s, &before);
		su_counters(dev, &c0);
		kw_msg(&m, bc->cmd, bc->flags);
		off = bc->build(&m);
		r = nlr_request(&s, &m, &rep);
		ok_err = r == -bc->err && rep.got_status;
		ok_msg = bc->msg == MSG_ANY ||
			 rep.ack.has_msg == (bc->msg == MSG_YES);
		ok_offs = off == NO_OFFS ? !rep.ack.has_offs :
			  rep.ack.has_offs && rep.ack.offs == off;
		su_check(ok_err && ok_msg && ok_offs,
			 "%s: %s; want %s%s%s (%s)", bc->name,
			 ack_str(&rep.ack, buf, sizeof(buf)), errname(bc->err),
			 bc->msg == MSG_YES ? " with a message" : "",
			 off == NO_OFFS ? "" : ", offs of the attribute",
			 bc->why);
		if (off != NO_OFFS && !ok_offs)
			su_note("  the offending attribute is at offset %u", off);
		exact += ok_err && ok_msg && ok_offs;
		su_check(!rep.nr_msgs, "  ... no reply message (%u)",
			 rep.nr_msgs);
		nlr_reply_free(&rep);
		kw_conf(&s, &after);
		su_counters(dev, &c1);
		su_check(kw_same_conf(&before, &after) &&
			 c1.stats_consumers == c0.stats_consumers &&
			 c1.buffers == c0.buffers,
			 "  ... changed nothing (configuration, stats consumers %llu, buffers %llu)",
			 su_ull(c1.stats_consumers), su_ull(c1.buffers));
	}
	su_note("%u of %zu malformed requests answered exactly as expected",
		exact, sizeof(bad_cases) / sizeof(bad_cases[0]));
	bad_header_cases(&s, dev);
	good_cases(&s, &preset);
	kw_conf(&s, &after);
	su_check(after.enable == KVMW_ENABLE_STATS && after.rl == 500 &&
		 after.nr_th == 1, "preset intact at the end");
	nlr_close(&s);
	close(dev);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	kw_resolve();
	part_malformed();
	return su_done();
}
