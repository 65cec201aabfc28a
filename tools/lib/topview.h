/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "kvmwatch top": kvm_stat's screen, batch, log and CSV output computed
 * from parsed snapshots. Pure: the command takes the snapshots and draws;
 * everything between (event counters, totals since the start, deltas,
 * rates, filters, sort orders, guest grouping, the host CPU split) is
 * here, so the unit tests compare exact text.
 *
 * Events are named as kvm_stat names them: a parent event ("kvm_exit")
 * and its child events ("kvm_exit(hlt)"), the parent being the child's
 * name up to '('. The parent's count is the sum of its children's.
 * kvmwatch's own events are kvm_exit (children: exit reasons, perf's
 * names), kvm_entry, kvm_userspace_exit, kvm_pio, kvm_mmio, kvm_msr
 * (children: port, address or MSR index with direction, as "kvmwatch stat
 * --event" keys them); KVM's own struct kvm_vcpu_stat counters follow
 * under the names KVM's debugfs gives them ("exits", "halt_exits", ...).
 */
#ifndef KVMW_TOPVIEW_H
#define KVMW_TOPVIEW_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "snapshot.h"
#include "types.h"

#define KVMW_TOP_NAME_LEN	80
#define KVMW_TOP_NOTE_LEN	32

/* One counter of one vCPU of one VM, as read from one snapshot. */
struct kvmw_top_ent {
	u64 serial;		/* struct kvmw_rec_vm.serial */
	u32 vcpu_id;
	u32 flags;		/* KVMW_TOP_ENT_* */
	char name[KVMW_TOP_NAME_LEN];
	char note[KVMW_TOP_NOTE_LEN];	/* port/MSR name, or "" */
	u64 value;
};

/* Nanoseconds, not events: kept out of Total and %Total. */
#define KVMW_TOP_ENT_NS		(1U << 0)
/* Internal, for the CPU split (name starts with '@'): never an event. */
#define KVMW_TOP_ENT_HIDDEN	(1U << 1)

/* A VM as the last snapshot showed it. */
struct kvmw_top_vm {
	u64 serial;
	int pid;
	char id[32];		/* "<pid>-<fd>" */
	char name[64];		/* QEMU -name, or "" */
};

/* All counters of a snapshot, sorted by (serial, vcpu_id, name). */
struct kvmw_top_tally {
	struct kvmw_top_ent *ents;
	size_t nr, cap;
	struct kvmw_top_vm *vms;
	size_t nr_vms;
	u64 time_ns;		/* the snapshot's CLOCK_MONOTONIC */
	/* vCPUs whose record had no guest_ns/user_ns, or no KVM counters */
	size_t vcpus_without_times, vcpus_without_kvm;
};

/*
 * Flatten @s into @t. @names: NULL, or one name per VM of @s (NULL
 * entries for none). Returns 0 or -ENOMEM.
 */
int kvmw_top_tally(const struct kvmw_snap *s, const char *const *names,
		   struct kvmw_top_tally *t);
void kvmw_top_tally_free(struct kvmw_top_tally *t);
/* @to becomes a copy of @from (what @to held is freed); 0 or -ENOMEM. */
int kvmw_top_tally_copy(struct kvmw_top_tally *to,
			const struct kvmw_top_tally *from);
/* Move @from into @to (freeing what @to held); @from is left empty. */
void kvmw_top_tally_move(struct kvmw_top_tally *to,
			 struct kvmw_top_tally *from);

/* What the screen shows; kvm_stat's state. */
struct kvmw_top_opts {
	int pid;		/* only VMs created by @pid; 0: all */
	const regex_t *filter;	/* event names to show (anchored); NULL: all */
	bool children;		/* 'x': child events under their parents */
	bool by_guest;		/* 'b': a row per VM instead of per event */
	bool sort_total;	/* 'o': by Total, not by CurAvg/s */
};

struct kvmw_top_row {
	char name[KVMW_TOP_NAME_LEN + 80];	/* event, or "id name" */
	char note[KVMW_TOP_NOTE_LEN];
	int depth;		/* 0 parent (or VM), 1 child */
	bool ns;		/* KVMW_TOP_ENT_NS */
	u64 total, delta;
	u64 of;			/* %Total is of this: Total, or the parent's */
};

struct kvmw_top_view {
	struct kvmw_top_row *rows;
	size_t nr;
	u64 total, delta;	/* over the depth-0 rows that are events */
	u64 interval_ns;	/* between @prev and @cur */
};

/*
 * The rows of @cur: Total counted since @base, the delta since @prev
 * (either may be NULL: nothing before). A counter that went down (a vCPU
 * recreated under the same serial cannot happen; a reset can) counts 0.
 * Rows with neither total nor delta are left out, as kvm_stat does.
 * Returns 0 or -ENOMEM.
 */
int kvmw_top_view(const struct kvmw_top_tally *base,
		  const struct kvmw_top_tally *prev,
		  const struct kvmw_top_tally *cur,
		  const struct kvmw_top_opts *o, struct kvmw_top_view *v);
void kvmw_top_view_free(struct kvmw_top_view *v);

/*
 * The same for kvm_stat -1 and -l: events only (never by guest), sorted
 * by name, and kvmwatch's own parent events and every counter the
 * snapshot has kept even when zero, so the set of rows is fixed.
 */
int kvmw_top_view_batch(const struct kvmw_top_tally *base,
			const struct kvmw_top_tally *prev,
			const struct kvmw_top_tally *cur,
			const struct kvmw_top_opts *o,
			struct kvmw_top_view *v);

/*
 * Compile a kvm_stat field regex (Python's re.match: anchored at the
 * start) as a POSIX extended regex. 0, or -1 if it is not valid.
 */
int kvmw_top_regcomp(regex_t *re, const char *pattern);

/* kvm_stat's CurAvg/s: delta per second, rounded half to even. */
u64 kvmw_top_rate(u64 delta, u64 interval_ns);

/*
 * The interactive screen as text lines, kvm_stat's layout: line 0 the
 * headline, line 1 the regex filter (or empty), line 2 the column titles,
 * then the rows and the Total row; at most @height lines (kvm_stat stops
 * one line short of the bottom). @headline: "kvm statistics - summary" or
 * "... - pid N (name)". Each line ends with '\n'.
 */
void kvmw_top_screen(FILE *out, const struct kvmw_top_view *v,
		     const struct kvmw_top_opts *o, const char *headline,
		     const char *regex, int height);

/* kvm_stat -1: "%-42s%10d%10d" name, total, delta; sorted by name. */
void kvmw_top_batch(FILE *out, const struct kvmw_top_view *v,
		    bool skip_zero);

/*
 * Logging mode's columns: the names of the depth-0 event rows of @v that
 * pass @o's filter, sorted, fixed when logging starts (kvm_stat too reads
 * its key set once). Returns the number, or -ENOMEM; free with
 * kvmw_top_keys_free().
 */
int kvmw_top_keys(const struct kvmw_top_view *v, char ***keys);
void kvmw_top_keys_free(char **keys, int nr);

/* kvm_stat -l's banner ("key key ... ") and CSV's ("timestamp,key,..."). */
void kvmw_top_log_banner(FILE *out, char *const *keys, int nr, bool csv);
/*
 * One record: @stamp ("%Y-%m-%d %H:%M:%S") then " %9d" per key, or
 * ",N" per key for CSV; the deltas of @v. Returns false (nothing written)
 * when @skip_zero and every delta is 0.
 */
bool kvmw_top_log_line(FILE *out, const struct kvmw_top_view *v,
		       char *const *keys, int nr, const char *stamp, bool csv,
		       bool skip_zero);

/*
 * Host CPU per VM and vCPU over [@prev, @cur]: guest mode, exit handling
 * in the kernel, the VMM in userspace, halted and polling, each in % of
 * the interval's wall time ("-" where the module did not send the times
 * or KVM's counters). Written as a table; rows of @o->pid's VMs only.
 */
void kvmw_top_cpu(FILE *out, const struct kvmw_top_tally *prev,
		  const struct kvmw_top_tally *cur,
		  const struct kvmw_top_opts *o);

#endif /* KVMW_TOPVIEW_H */
