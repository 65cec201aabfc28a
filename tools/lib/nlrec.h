/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure half of the netlink reader (uapi/linux/kvmwatch_nl.h): walking
 * a generic netlink message's attributes, and assembling a GET_STATS dump
 * into the same struct kvmw_snap that KVMW_IOC_SNAPSHOT gives. No libnl
 * here: nlsnap.c feeds these the payloads libnl received, and the unit
 * tests feed them attribute bytes they built, so both read the same code.
 */
#ifndef KVMW_NLREC_H
#define KVMW_NLREC_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"
#include "threshold.h"
#include "types.h"
#include "../../uapi/linux/kvmwatch_nl.h"

/* One attribute: its type (flag bits masked off) and payload. */
struct kvmw_nla {
	u16 type;
	u16 len;		/* payload bytes */
	const void *data;	/* not aligned beyond 4 bytes: memcpy() it */
};

/* An attribute stream being walked. */
struct kvmw_nla_iter {
	const unsigned char *p;
	size_t left;
};

void kvmw_nla_iter_init(struct kvmw_nla_iter *it, const void *buf,
			size_t len);

/*
 * The next attribute: 1, 0 at the end, -EINVAL when an attribute header
 * does not fit or says a length shorter than itself or past the end.
 */
int kvmw_nla_next(struct kvmw_nla_iter *it, struct kvmw_nla *a);

/* Fixed-size payloads: 0, or -EINVAL for a payload of another size. */
int kvmw_nla_u32(const struct kvmw_nla *a, u32 *v);
int kvmw_nla_u64(const struct kvmw_nla *a, u64 *v);
/* A NUL-terminated string that fits @size bytes with its NUL; -EINVAL. */
int kvmw_nla_str(const struct kvmw_nla *a, char *buf, size_t size);

/*
 * A GET_STATS dump being assembled: every KVMW_NL_ATTR_REC of every
 * message appended in order, and the first message's TIME_NS, NR_VMS
 * and NR_VCPUS.
 */
struct kvmw_nlsnap_acc {
	unsigned char *buf;
	size_t len, cap;
	size_t msgs;
	bool have_time, have_vms, have_vcpus;
	u64 time_ns;
	u32 nr_vms, nr_vcpus;
};

void kvmw_nlsnap_acc_init(struct kvmw_nlsnap_acc *acc);
void kvmw_nlsnap_acc_free(struct kvmw_nlsnap_acc *acc);

/*
 * Add one message's attributes (what follows its genlmsghdr). A REC must
 * hold exactly one record: its header's len equal to the payload, a
 * multiple of 8. Unknown attributes are skipped (a newer module's).
 * Returns 0, -EINVAL for a malformed message, -E2BIG past
 * KVMW_SNAPSHOT_MAX bytes of records, -ENOMEM.
 */
int kvmw_nlsnap_acc_add(struct kvmw_nlsnap_acc *acc, const void *attrs,
			size_t len);

/*
 * Parse what was assembled into @out, as kvmw_snap_take() does for the
 * device: out->hdr as the ioctl fills it (size, @flags, used, time_ns,
 * nr_vms, nr_vcpus), and the VM and vCPU counts checked against the
 * records. Returns 0, -EPROTO when the first message lacked TIME_NS,
 * NR_VMS or NR_VCPUS (or no message came), -EINVAL for a malformed
 * record stream or counts that disagree, -ENOMEM. @acc is left as it was.
 */
int kvmw_nlsnap_acc_finish(const struct kvmw_nlsnap_acc *acc,
			   unsigned int flags, struct kvmw_snap *out);

/* struct kvmw_nl_config.fields: what SET_CONFIG sends, GET_CONFIG got */
#define KVMW_NLCFG_ENABLE	(1U << 0)
#define KVMW_NLCFG_FILTER	(1U << 1)
#define KVMW_NLCFG_THRESHOLDS	(1U << 2)
#define KVMW_NLCFG_RATELIMIT	(1U << 3)

struct kvmw_nl_config {
	u32 fields;			/* KVMW_NLCFG_* */
	u64 enable;			/* KVMW_ENABLE_STATS or 0 */
	struct kvmw_filter filter;	/* flags 0: no filter */
	u32 nr_th;
	struct kvmw_threshold th[KVMW_NL_THRESHOLDS_MAX];
	u32 ratelimit_ms;
};

/*
 * GET_CONFIG's reply: the fields it carried in c->fields. 0, or -EINVAL
 * for malformed attributes or more than KVMW_NL_THRESHOLDS_MAX thresholds.
 */
int kvmw_nlcfg_parse(const void *attrs, size_t len, struct kvmw_nl_config *c);

#endif /* KVMW_NLREC_H */
