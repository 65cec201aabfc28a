/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client of the generic netlink family "kvmwatch"
 * (uapi/linux/kvmwatch_nl.h), over libnl-genl-3: what /dev/kvmwatch's
 * ioctls do for statistics (GET_VERSION, RESET, SET_CONFIG, GET_CONFIG,
 * GET_STATS into a struct kvmw_snap like kvmw_snap_take()'s), and the
 * "notify" group's notifications.
 *
 * Every function returns 0 or -errno. A failure the kernel reported keeps
 * the kernel's errno and its extended-ack message; a failure inside libnl
 * keeps libnl's code. kvmw_nl_strerror() says all of it in one line.
 */
#ifndef KVMW_NLSNAP_H
#define KVMW_NLSNAP_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/kvmwatch.h>

#include "nlnote.h"
#include "nlrec.h"
#include "snapshot.h"
#include "threshold.h"
#include "types.h"
#include "../../uapi/linux/kvmwatch_nl.h"

/* Overrides the family's name, so tests can ask for one that is absent. */
#define KVMW_NL_FAMILY_ENV	"KVMWATCH_NL_FAMILY"

/* GET_STATS dumps that came back NLM_F_DUMP_INTR are retried this often. */
#define KVMW_NL_DUMP_TRIES	3

struct nl_sock;

struct kvmw_nl {
	struct nl_sock *sk;
	const char *family_name;
	int family;		/* generic netlink family id */
	u32 portid;		/* this socket's port id */
	/* The last failure, for kvmw_nl_strerror(). */
	int err;		/* errno, positive; 0: none */
	int nlerr;		/* libnl's NLE_* code, positive; 0: none */
	char ext_msg[128];	/* the kernel's extended-ack message */
	bool from_kernel;	/* err is the kernel's answer to a request */
	int dump_tries;		/* GET_STATS dumps the last snapshot took */
	/* Notifications received, not yet taken (kvmw_nl_next_note()). */
	struct kvmw_note *notes;
	size_t nr_notes, first_note, cap_notes;
	u64 overruns;		/* receive buffer overruns (ENOBUFS) */
	u64 bad_notes;		/* malformed notifications, skipped */
};

/*
 * Open a generic netlink socket and resolve the family (which loads the
 * module when it is installed but not loaded). -ENOENT when there is no
 * such family.
 */
int kvmw_nl_open(struct kvmw_nl *nl);
void kvmw_nl_close(struct kvmw_nl *nl);

/*
 * The last failure in words: "Operation not permitted (needs
 * CAP_NET_ADMIN)", with libnl's message or the kernel's extended-ack
 * message added when there is one.
 */
const char *kvmw_nl_strerror(const struct kvmw_nl *nl, char *buf,
			     size_t len);

struct kvmw_nl_version {
	u32 abi;
	u32 caps;
	char version[32];
	char release[65];
};

int kvmw_nl_get_version(struct kvmw_nl *nl, struct kvmw_nl_version *v);

/* KVMW_NL_CMD_RESET: this socket's baseline. */
int kvmw_nl_reset(struct kvmw_nl *nl);

int kvmw_nl_set_config(struct kvmw_nl *nl, const struct kvmw_nl_config *c);
int kvmw_nl_get_config(struct kvmw_nl *nl, struct kvmw_nl_config *c);

/* Shorthands for SET_CONFIG with one field. */
int kvmw_nl_enable(struct kvmw_nl *nl, u64 families);
int kvmw_nl_filter(struct kvmw_nl *nl, const struct kvmw_filter *f);

/*
 * GET_STATS with KVMW_SNAP_* @flags, as one snapshot in @out. A dump the
 * kernel marked interrupted (NLM_F_DUMP_INTR) is retried, up to
 * KVMW_NL_DUMP_TRIES dumps in all, then fails with -EAGAIN; with
 * KVMW_SNAP_RESET it is not retried (its baseline was taken: a retry
 * would lose its counts). A malformed dump fails with -EINVAL or -EPROTO.
 */
int kvmw_nl_snap_take(struct kvmw_nl *nl, unsigned int flags,
		      struct kvmw_snap *out);

/* Join the "notify" multicast group (needs CAP_NET_ADMIN). */
int kvmw_nl_join_notify(struct kvmw_nl *nl);

/* The socket's file descriptor, for poll(). */
int kvmw_nl_fd(const struct kvmw_nl *nl);

/*
 * Read every notification waiting on the socket without blocking; each
 * is stamped with CLOCK_MONOTONIC and queued. 0, or -errno. An overrun
 * (notifications the kernel dropped) is counted in nl->overruns, not
 * returned.
 */
int kvmw_nl_recv_notes(struct kvmw_nl *nl);

/* The oldest queued notification: true and *n, or false. */
bool kvmw_nl_next_note(struct kvmw_nl *nl, struct kvmw_note *n);

#endif /* KVMW_NLSNAP_H */
