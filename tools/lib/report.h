/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "kvmwatch stat" reports from a parsed snapshot: the rows of the selected
 * vCPUs aggregated per reason (or per breakdown key), sorted as perf's
 * --key does, rendered as perf kvm stat's table, log2 histograms, top
 * guest RIPs, or the JSON document of docs/json-schema.md. Pure: it
 * writes to the FILE it is given, so the unit tests compare bytes.
 */
#ifndef KVMW_REPORT_H
#define KVMW_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "snapshot.h"
#include "types.h"

/* What a table is about: perf kvm stat's --event. */
enum kvmw_event {
	KVMW_EVENT_VMEXIT,
	KVMW_EVENT_IOPORT,
	KVMW_EVENT_MMIO,
	KVMW_EVENT_MSR,
};

/*
 * Sort order (--key), always descending like perf. KVMW_SORT_TIME is the
 * total handling time, as in perf 6.12 ("time" meant the mean in 6.1).
 */
enum kvmw_sort {
	KVMW_SORT_SAMPLE,
	KVMW_SORT_TIME,
	KVMW_SORT_MAX,
	KVMW_SORT_MIN,
	KVMW_SORT_MEAN,
};

/* "vmexit", "ioport", "mmio", "msr"; 0 or -1 for another word. */
int kvmw_event_parse(const char *s, enum kvmw_event *e);
const char *kvmw_event_name(enum kvmw_event e);
/* perf's column title: "VM-EXIT", "IO Port Access", "MMIO Access", ... */
const char *kvmw_event_title(enum kvmw_event e);
/* The struct kvmw_rec_stat.kind of the event's rows. */
unsigned int kvmw_event_kind(enum kvmw_event e);

/* "sample", "time", "max", "min", "mean"; 0 or -1 for another word. */
int kvmw_sort_parse(const char *s, enum kvmw_sort *k);

/* One row of the table: the same reason/key summed over vCPUs. */
struct kvmw_agg_row {
	u32 isa;
	u16 kind, sub;
	u32 code;
	u64 key;
	u64 count, total_ns, min_ns, max_ns, user;
	unsigned __int128 sumsq;
	bool sumsq_overflow;	/* the sum of squares did not fit */
	u32 flags;		/* KVMW_STAT_* of any summed row */
	u32 nr_buckets;
	u64 hist[KVMW_HIST_BUCKETS];
};

struct kvmw_agg {
	struct kvmw_agg_row *rows;
	size_t nr;
	/* Over the rows that are not child rows (msr read/write). */
	u64 total_count, total_ns;
};

/* A child row: the read or write half of an exit row (SVM "msr"). */
static inline bool kvmw_agg_is_child(const struct kvmw_agg_row *r)
{
	return r->kind == KVMW_STAT_EXIT && r->sub != KVMW_SUB_NONE;
}

/*
 * Sum the @e rows of every vCPU of @s: count, total and user add up, min
 * is the least of the mins, max the greatest of the maxes, histograms and
 * 128-bit sums of squares add up. Returns 0 or -ENOMEM.
 */
int kvmw_agg_build(const struct kvmw_snap *s, enum kvmw_event e,
		   struct kvmw_agg *a);
void kvmw_agg_free(struct kvmw_agg *a);

/*
 * Sort descending by @key; ties by code, key, direction ascending. Child
 * rows follow their parent (read before write), whatever their values.
 */
void kvmw_agg_sort(struct kvmw_agg *a, enum kvmw_sort key);

/*
 * Statistics from n, sum and the 128-bit sum of squares: the sum of
 * squared deviations sumsq - sum^2 / n, computed exactly in 128-bit
 * integers (sum^2 / n split into quotient and remainder) and returned as
 * a long double; the sample variance m2 / (n - 1) (0 below two samples,
 * as perf); perf's spread 100 * sqrt(variance / n) / mean (0 when the
 * mean is 0).
 */
long double kvmw_stat_m2(u64 n, u64 sum, unsigned __int128 sumsq);
long double kvmw_stat_variance(u64 n, u64 sum, unsigned __int128 sumsq);
long double kvmw_stat_rel_stddev(u64 n, u64 sum, unsigned __int128 sumsq);

static inline unsigned __int128 kvmw_sumsq(const struct kvmw_rec_stat *r)
{
	return (unsigned __int128)r->sumsq_hi << 64 | r->sumsq_lo;
}

/*
 * Name of exit @code of @isa as the table prints it: perf's name ("hlt",
 * "MSR_READ"); "other" for KVMW_CODE_OTHER; the basic reason plus
 * " FAILED_VMENTRY" (and " ENCLAVE_MODE") for flagged VMX codes;
 * "UNKNOWN(0x...)" for a code no table knows. snprintf() semantics.
 */
int kvmw_reason_label(char *buf, size_t len, u32 isa, u32 code);

/*
 * A row's label: its reason; "msr read"/"msr write" for child rows;
 * perf's child-mode keys for breakdowns ("0x608:PIN", "0x6e0:W",
 * "0xfee00000:R"); "other" (with the direction) for KVMW_KEY_OTHER.
 */
int kvmw_row_label(char *buf, size_t len, const struct kvmw_agg_row *r);

/* Well-known name of a breakdown row's port or MSR, or NULL. */
const char *kvmw_row_key_name(const struct kvmw_agg_row *r);

struct kvmw_report_opts {
	enum kvmw_event event;
	enum kvmw_sort sort;
	int name_width;		/* KVMW_STAT_NAME_WIDTH */
	const char *target;	/* "all VMs", "pid(s) 1234", ... */
	int vcpu;		/* -1: all */
	unsigned int top_rips;	/* RIPs per reason (table and JSON) */
};

/*
 * perf kvm stat report's output for @a (sorted), byte for byte: "Analyze
 * events for ...", the header, the rows, the "Total Samples" line. Port
 * and MSR tables add a name column after perf's columns.
 */
void kvmw_report_table(FILE *out, const struct kvmw_agg *a,
		       const struct kvmw_report_opts *o);

/* A bpftrace-style log2 histogram per row that has one. */
void kvmw_report_hist(FILE *out, const struct kvmw_agg *a,
		      const struct kvmw_report_opts *o);

/* The first/last bound in ns of histogram bucket @b (last: UINT64_MAX). */
u64 kvmw_hist_lo(unsigned int b);
u64 kvmw_hist_hi(unsigned int b);

/* The top guest RIPs of each reason of @a, summed over the vCPUs of @s. */
void kvmw_report_rips(FILE *out, const struct kvmw_snap *s,
		      const struct kvmw_agg *a,
		      const struct kvmw_report_opts *o);

/* What the JSON document says besides the snapshot. */
struct kvmw_json_meta {
	long long interval;	/* index in --interval mode, else -1 */
	u64 start_ns;		/* CLOCK_MONOTONIC of the window's start */
	/* One name per VM of the snapshot, NULL entries for none. */
	const char *const *vm_names;
	const struct kvmw_counters *counters;	/* NULL: left out */
};

/* The JSON document (one line). Returns 0, or -1 if writing failed. */
int kvmw_report_json(FILE *out, const struct kvmw_snap *s,
		     const struct kvmw_report_opts *o,
		     const struct kvmw_json_meta *m);

/* Sum of the anomaly counters of the vCPUs of a snapshot. */
struct kvmw_anomalies {
	u64 vcpus;		/* vCPUs with any of them non-zero */
	u64 orphan_events, exit_without_entry, decode_errors;
	u64 dropped_reasons, dropped_keys[KVMW_BD_NR], dropped_rips;
};

void kvmw_anomalies(const struct kvmw_snap *s, struct kvmw_anomalies *an);

/*
 * "orphan_events 1, dropped_keys[msr] 3": the non-zero ones, for the
 * warning line. snprintf() semantics; "" when there are none.
 */
int kvmw_anomalies_text(char *buf, size_t len,
			const struct kvmw_anomalies *an);

#endif /* KVMW_REPORT_H */
