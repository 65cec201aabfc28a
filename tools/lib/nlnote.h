/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Notifications of the kvmwatch netlink family's "notify" group
 * (KVMW_NL_CMD_NOTIFY_VM_NEW, _VM_GONE, _THRESHOLD) parsed from their
 * attributes, and printed by "kvmwatch monitor" as text lines or JSON
 * objects. Pure: the unit tests build the attributes and compare bytes.
 */
#ifndef KVMW_NLNOTE_H
#define KVMW_NLNOTE_H

#include <stdio.h>

#include "types.h"

enum kvmw_note_kind {
	KVMW_NOTE_VM_NEW = 1,
	KVMW_NOTE_VM_GONE,
	KVMW_NOTE_THRESHOLD,
};

/* struct kvmw_note.have: which attributes the notification carried */
#define KVMW_NOTE_HAVE_SERIAL		(1U << 0)
#define KVMW_NOTE_HAVE_VM		(1U << 1)
#define KVMW_NOTE_HAVE_PID		(1U << 2)
#define KVMW_NOTE_HAVE_PPID		(1U << 3)
#define KVMW_NOTE_HAVE_VCPUS		(1U << 4)
#define KVMW_NOTE_HAVE_PORTID		(1U << 5)
#define KVMW_NOTE_HAVE_VCPU		(1U << 6)
#define KVMW_NOTE_HAVE_REASON		(1U << 7)	/* ISA and CODE */
#define KVMW_NOTE_HAVE_THRESHOLD	(1U << 8)
#define KVMW_NOTE_HAVE_RATE		(1U << 9)
#define KVMW_NOTE_HAVE_INTERVAL		(1U << 10)
#define KVMW_NOTE_HAVE_SUPPRESSED	(1U << 11)

struct kvmw_note {
	enum kvmw_note_kind kind;
	u64 time_ns;		/* CLOCK_MONOTONIC when it was received */
	u32 have;		/* KVMW_NOTE_HAVE_* */
	u64 serial;		/* VM serial */
	char vm[32];		/* "<pid>-<fd>" */
	int pid, ppid;
	u32 nr_vcpus;
	/* threshold */
	u32 portid;		/* the socket whose threshold fired */
	u32 vcpu;
	u32 isa, code;
	u64 threshold, rate, interval_ns;
	u32 suppressed;
};

/*
 * Parse a notification: @cmd from its genlmsghdr, @attrs/@len what
 * follows it. Returns 0; -ENOENT for a command that is not a
 * notification (a newer module's: skip it); -EINVAL for malformed
 * attributes or a notification without its VM or THRESHOLD_EVENT nest.
 * Unknown attributes are skipped. n->time_ns is left to the caller.
 */
int kvmw_note_parse(unsigned int cmd, const void *attrs, size_t len,
		    struct kvmw_note *n);

/* "vm_new", "vm_gone", "threshold" */
const char *kvmw_note_name(enum kvmw_note_kind kind);

/* The column header of the text lines. */
void kvmw_note_header(FILE *out);

/*
 * One line: TIME(ms) EVENT VM PID then key=value details; "-" for what
 * the notification did not carry. The reason is perf's name for it.
 */
void kvmw_note_text(FILE *out, const struct kvmw_note *n);

/* One JSON object on one line; null for what was not carried. */
int kvmw_note_json(FILE *out, const struct kvmw_note *n);

#endif /* KVMW_NLNOTE_H */
