/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event-stream records (struct kvmw_ev_* of uapi/linux/kvmwatch.h) as
 * text lines and JSON objects, for "kvmwatch trace". Pure: every function
 * writes to the FILE it is given from the record and what the caller
 * looked up (VM id, thread name), so the unit tests compare bytes.
 *
 * Text views. Records of all types share one line shape:
 *   TIME(ms) VM PID/TID VCPU EVENT key=value...
 * A selection of only wakeups, only halt-polling changes or only dirty
 * pages prints instead the table kvm_watcher prints for -w, -n or -d,
 * header and columns alike, so its users' scripts keep working.
 */
#ifndef KVMW_EVFMT_H
#define KVMW_EVFMT_H

#include <stdbool.h>
#include <stdio.h>

#include <linux/kvmwatch.h>

#include "types.h"

/* Record types as a mask: bit KVMW_EV_TYPE_x. */
#define KVMW_EVT(type)		(1U << (type))
#define KVMW_EVT_ALL		0xfffeU		/* types 1..15 */

/* "exit", "msr", ..., "halt_poll", "vm_gone", "test"; NULL if unknown. */
const char *kvmw_ev_type_name(unsigned int type);

/* The KVMW_ENABLE_* family a record type belongs to; 0 for none (test). */
u64 kvmw_ev_type_family(unsigned int type);

/* What -e selects: families to enable, and the record types to show. */
struct kvmw_evsel {
	u64 families;		/* KVMW_ENABLE_* */
	u32 types;		/* KVMW_EVT() mask */
};

/*
 * Parse a comma-separated list of families (exit, io, halt, dirty, sched,
 * irq, pf, hcall, vm, all) and record types (msr, pio, mmio, wakeup,
 * halt_poll, load, put, inject, page_fault, hypercall, vm_create,
 * vm_gone): a type enables its family but shows only its records.
 * Returns 0, or -1 with the offending word (or "" for an empty one)
 * copied to @bad.
 */
int kvmw_evsel_parse(const char *list, struct kvmw_evsel *sel, char *bad,
		     size_t badlen);

enum kvmw_evfmt_view {
	KVMW_VIEW_EVENTS,	/* the common line shape, any record */
	KVMW_VIEW_WAKEUP,	/* kvm_watcher -w (halt-polling rows as -n) */
	KVMW_VIEW_HALT_POLL,	/* kvm_watcher -n */
	KVMW_VIEW_DIRTY,	/* kvm_watcher -d */
};

/*
 * The view for a set of shown types: a kvm_watcher table when the types
 * are only wakeups (with or without halt-polling changes), only
 * halt-polling changes, or only dirty pages.
 */
enum kvmw_evfmt_view kvmw_evfmt_view_for(u32 types);

/* What a record does not say, looked up by the caller. */
struct kvmw_evfmt_info {
	unsigned int cpu;	/* the ring the record came from */
	const char *vm;		/* the VM's id "<pid>-<fd>", NULL: unknown */
	const char *comm;	/* the thread's name, NULL: unknown */
};

/* The header line of a view. */
void kvmw_evfmt_header(FILE *out, enum kvmw_evfmt_view view);

/*
 * One line for @ev (ev->size bytes, at least a header; a record shorter
 * than its type's structure reads as zeros past its end, a longer one is
 * read as far as this tool knows). Records a view has no row for are
 * printed in the common shape.
 */
void kvmw_evfmt_text(FILE *out, enum kvmw_evfmt_view view,
		     const struct kvmw_ev *ev,
		     const struct kvmw_evfmt_info *info);

/* One JSON object on one line (see kvmwatch-trace(8)). */
void kvmw_evfmt_json(FILE *out, const struct kvmw_ev *ev,
		     const struct kvmw_evfmt_info *info);

/*
 * Thread names from procfs (@proc: "/proc" unless testing), cached per
 * thread: /proc/PID/task/TID/comm, else /proc/TID/comm. A thread gone
 * before its first lookup has no name (NULL), and keeps none.
 */
struct kvmw_comm_cache;

struct kvmw_comm_cache *kvmw_comm_cache_new(const char *proc);
const char *kvmw_comm(struct kvmw_comm_cache *c, int pid, int tid);
void kvmw_comm_cache_free(struct kvmw_comm_cache *c);

#endif /* KVMW_EVFMT_H */
