// SPDX-License-Identifier: GPL-2.0
/*
 * Output formats follow perf's builtin-kvm.c (print_result(),
 * print_vcpu_info()) and kvm-stat.c (child-mode keys), see
 * docs/design/exit-accounting.md section 5; histograms follow bpftrace's
 * print_hist().
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exit_reason.h"
#include "fmt.h"
#include "json.h"
#include "names.h"
#include "report.h"
#include "util.h"

#define HIST_BAR_WIDTH	52	/* bpftrace's */

static const struct {
	const char *name, *title;
	unsigned int kind;
} events[] = {
	[KVMW_EVENT_VMEXIT] = { "vmexit", "VM-EXIT", KVMW_STAT_EXIT },
	[KVMW_EVENT_IOPORT] = { "ioport", "IO Port Access", KVMW_STAT_IOPORT },
	[KVMW_EVENT_MMIO] = { "mmio", "MMIO Access", KVMW_STAT_MMIO },
	[KVMW_EVENT_MSR] = { "msr", "MSR Access", KVMW_STAT_MSR },
};

static const char *const sort_names[] = {
	[KVMW_SORT_SAMPLE] = "sample",
	[KVMW_SORT_TIME] = "time",
	[KVMW_SORT_MAX] = "max",
	[KVMW_SORT_MIN] = "min",
	[KVMW_SORT_MEAN] = "mean",
};

int kvmw_event_parse(const char *s, enum kvmw_event *e)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		if (!strcmp(s, events[i].name)) {
			*e = (enum kvmw_event)i;
			return 0;
		}
	}
	return -1;
}

const char *kvmw_event_name(enum kvmw_event e)
{
	return events[e].name;
}

const char *kvmw_event_title(enum kvmw_event e)
{
	return events[e].title;
}

unsigned int kvmw_event_kind(enum kvmw_event e)
{
	return events[e].kind;
}

int kvmw_sort_parse(const char *s, enum kvmw_sort *k)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sort_names); i++) {
		if (!strcmp(s, sort_names[i])) {
			*k = (enum kvmw_sort)i;
			return 0;
		}
	}
	return -1;
}

/* ---- statistics ---- */

long double kvmw_stat_m2(u64 n, u64 sum, unsigned __int128 sumsq)
{
	unsigned __int128 s2 = (unsigned __int128)sum * sum, q, r;

	if (!n)
		return 0;
	q = s2 / n;
	r = s2 % n;
	/*
	 * sumsq >= sum^2 / n always holds for real samples (Cauchy-
	 * Schwarz); a row that breaks it is inconsistent: no spread.
	 */
	if (sumsq < q)
		return 0;
	return (long double)(sumsq - q) - (long double)r / (long double)n;
}

long double kvmw_stat_variance(u64 n, u64 sum, unsigned __int128 sumsq)
{
	long double m2;

	if (n < 2)
		return 0;
	m2 = kvmw_stat_m2(n, sum, sumsq);
	return m2 > 0 ? m2 / (long double)(n - 1) : 0;
}

long double kvmw_stat_rel_stddev(u64 n, u64 sum, unsigned __int128 sumsq)
{
	long double mean;

	if (!n || !sum)
		return 0;
	mean = (long double)sum / (long double)n;
	return 100.0L * sqrtl(kvmw_stat_variance(n, sum, sumsq) /
			      (long double)n) / mean;
}

/* ---- aggregation ---- */

static bool same_row(const struct kvmw_agg_row *a, u32 isa,
		     const struct kvmw_rec_stat *r)
{
	return a->isa == isa && a->kind == r->kind && a->sub == r->sub &&
	       a->code == r->code && a->key == r->key;
}

static void add_row(struct kvmw_agg_row *a, const struct kvmw_snap_stat *st)
{
	const struct kvmw_rec_stat *r = &st->rec;
	unsigned __int128 sq = kvmw_sumsq(r);
	u32 i;

	if (r->count) {
		if (!a->count || r->min_ns < a->min_ns)
			a->min_ns = r->min_ns;
		if (r->max_ns > a->max_ns)
			a->max_ns = r->max_ns;
	}
	a->count += r->count;
	a->total_ns += r->total_ns;
	a->user += r->user;
	if (__builtin_add_overflow(a->sumsq, sq, &a->sumsq))
		a->sumsq_overflow = true;
	a->flags |= r->flags;
	if (r->nr_buckets > a->nr_buckets)
		a->nr_buckets = r->nr_buckets;
	for (i = 0; i < r->nr_buckets && i < KVMW_HIST_BUCKETS; i++)
		a->hist[i] += st->hist[i];
}

int kvmw_agg_build(const struct kvmw_snap *s, enum kvmw_event e,
		   struct kvmw_agg *a)
{
	unsigned int kind = kvmw_event_kind(e);
	size_t i, j, k, l, cap = 0;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < s->nr_vms; i++) {
		const struct kvmw_snap_vm *vm = &s->vms[i];

		for (j = 0; j < vm->nr_vcpus; j++) {
			const struct kvmw_snap_vcpu *v = &vm->vcpus[j];

			for (k = 0; k < v->nr_stats; k++) {
				const struct kvmw_snap_stat *st = &v->stats[k];
				struct kvmw_agg_row *row = NULL;

				if (st->rec.kind != kind)
					continue;
				for (l = 0; l < a->nr; l++) {
					if (same_row(&a->rows[l], v->rec.isa,
						     &st->rec)) {
						row = &a->rows[l];
						break;
					}
				}
				if (!row) {
					if (a->nr == cap) {
						size_t ncap = cap ? cap * 2 : 32;
						void *p = realloc(a->rows,
							ncap * sizeof(*a->rows));

						if (!p) {
							kvmw_agg_free(a);
							return -ENOMEM;
						}
						a->rows = p;
						cap = ncap;
					}
					row = &a->rows[a->nr++];
					memset(row, 0, sizeof(*row));
					row->isa = v->rec.isa;
					row->kind = st->rec.kind;
					row->sub = st->rec.sub;
					row->code = st->rec.code;
					row->key = st->rec.key;
				}
				add_row(row, st);
				if (!kvmw_agg_is_child(row)) {
					a->total_count += st->rec.count;
					a->total_ns += st->rec.total_ns;
				}
			}
		}
	}
	return 0;
}

void kvmw_agg_free(struct kvmw_agg *a)
{
	free(a->rows);
	memset(a, 0, sizeof(*a));
}

static enum kvmw_sort sort_key;

static long double metric(const struct kvmw_agg_row *r)
{
	switch (sort_key) {
	case KVMW_SORT_SAMPLE:
		return r->count;
	case KVMW_SORT_TIME:
		return r->total_ns;
	case KVMW_SORT_MAX:
		return r->max_ns;
	case KVMW_SORT_MIN:
		return r->count ? r->min_ns : 0;
	case KVMW_SORT_MEAN:
		return r->count ? (long double)r->total_ns / r->count : 0;
	}
	return 0;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct kvmw_agg_row *a = pa, *b = pb;
	long double ma = metric(a), mb = metric(b);

	if (ma != mb)
		return ma > mb ? -1 : 1;
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->sub != b->sub)
		return a->sub < b->sub ? -1 : 1;
	return 0;
}

static int cmp_children(const void *pa, const void *pb)
{
	const struct kvmw_agg_row *a = pa, *b = pb;

	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	return a->sub < b->sub ? -1 : a->sub > b->sub;
}

void kvmw_agg_sort(struct kvmw_agg *a, enum kvmw_sort key)
{
	struct kvmw_agg_row *out, *kids;
	size_t i, j, n = 0, nkids = 0, nparents;
	bool *used;

	if (!a->nr)
		return;
	out = malloc(a->nr * sizeof(*out));
	kids = malloc(a->nr * sizeof(*kids));
	used = calloc(a->nr, sizeof(*used));
	if (!out || !kids || !used) {
		/* Unsorted beats nothing. */
		free(out);
		free(kids);
		free(used);
		return;
	}
	/* Parents first, sorted; then each parent's children after it. */
	for (i = 0; i < a->nr; i++) {
		if (kvmw_agg_is_child(&a->rows[i]))
			kids[nkids++] = a->rows[i];
		else
			out[n++] = a->rows[i];
	}
	nparents = n;
	sort_key = key;
	qsort(out, nparents, sizeof(*out), cmp_rows);
	qsort(kids, nkids, sizeof(*kids), cmp_children);
	n = 0;
	for (i = 0; i < nparents; i++) {
		a->rows[n++] = out[i];
		for (j = 0; j < nkids; j++) {
			if (!used[j] && kids[j].isa == out[i].isa &&
			    kids[j].code == out[i].code) {
				a->rows[n++] = kids[j];
				used[j] = true;
			}
		}
	}
	/* Children whose parent row is missing: at the end. */
	for (j = 0; j < nkids; j++)
		if (!used[j])
			a->rows[n++] = kids[j];
	free(out);
	free(kids);
	free(used);
}

/* ---- labels ---- */

int kvmw_reason_label(char *buf, size_t len, u32 isa, u32 code)
{
	const char *name;
	struct kvmw_exit e;

	if (code == KVMW_CODE_OTHER)
		return snprintf(buf, len, "other");
	name = kvmw_exit_reason_name(isa, code);
	if (!name)
		return snprintf(buf, len, "%s(%#x)", KVMW_EXIT_UNKNOWN, code);
	e = kvmw_exit_decode(isa, code);
	return snprintf(buf, len, "%s%s%s", name,
			e.flags & KVMW_VMX_FAILED_VMENTRY ?
			" FAILED_VMENTRY" : "",
			e.flags & KVMW_VMX_ENCLAVE_MODE ? " ENCLAVE_MODE" : "");
}

int kvmw_row_label(char *buf, size_t len, const struct kvmw_agg_row *r)
{
	const char *dir = "";
	char reason[64];

	switch (r->kind) {
	case KVMW_STAT_EXIT:
		kvmw_reason_label(reason, sizeof(reason), r->isa, r->code);
		if (r->sub == KVMW_SUB_READ)
			dir = " read";
		else if (r->sub == KVMW_SUB_WRITE)
			dir = " write";
		return snprintf(buf, len, "%s%s", reason, dir);
	case KVMW_STAT_IOPORT:
		if (r->sub == KVMW_SUB_READ)
			dir = ":PIN";
		else if (r->sub == KVMW_SUB_WRITE)
			dir = ":POUT";
		break;
	default:
		if (r->sub == KVMW_SUB_READ)
			dir = ":R";
		else if (r->sub == KVMW_SUB_WRITE)
			dir = ":W";
		break;
	}
	if (r->key == KVMW_KEY_OTHER)
		return snprintf(buf, len, "other%s", dir);
	return snprintf(buf, len, "%#llx%s", (unsigned long long)r->key, dir);
}

const char *kvmw_row_key_name(const struct kvmw_agg_row *r)
{
	if (r->key == KVMW_KEY_OTHER)
		return NULL;
	if (r->kind == KVMW_STAT_IOPORT)
		return kvmw_ioport_name(r->key);
	if (r->kind == KVMW_STAT_MSR)
		return kvmw_msr_name(r->key);
	return NULL;
}

/* ---- text ---- */

static bool has_name_column(enum kvmw_event e)
{
	return e == KVMW_EVENT_IOPORT || e == KVMW_EVENT_MSR;
}

static double row_rel(const struct kvmw_agg_row *r)
{
	if (r->sumsq_overflow)
		return NAN;
	return (double)kvmw_stat_rel_stddev(r->count, r->total_ns, r->sumsq);
}

void kvmw_report_table(FILE *out, const struct kvmw_agg *a,
		       const struct kvmw_report_opts *o)
{
	char line[512], label[128];
	int hdr_len, row_len = 0;
	size_t i;

	/* print_vcpu_info() */
	fprintf(out, "\n\nAnalyze events for %s, ", o->target);
	if (o->vcpu < 0)
		fputs("all VCPUs:\n\n", out);
	else
		fprintf(out, "VCPU %d:\n\n", o->vcpu);

	hdr_len = kvmw_fmt_stat_header(line, sizeof(line), o->name_width,
				       kvmw_event_title(o->event));
	fputs(line, out);
	if (has_name_column(o->event)) {
		/* Where the name follows a row: after "( +- x% )" and 2. */
		row_len = kvmw_fmt_stat_row_n(line, sizeof(line),
					      o->name_width, "", 0, 0, 0, 0,
					      0, 0, 0) + 2;
		fprintf(out, "%*sName", row_len > hdr_len ?
			row_len - hdr_len : 1, "");
	}
	fputs("\n\n", out);

	for (i = 0; i < a->nr; i++) {
		const struct kvmw_agg_row *r = &a->rows[i];
		const char *name;

		kvmw_row_label(label, sizeof(label), r);
		kvmw_fmt_stat_row_n(line, sizeof(line), o->name_width, label,
				    r->count, r->total_ns, r->min_ns,
				    r->max_ns, row_rel(r), a->total_count,
				    a->total_ns);
		fputs(line, out);
		name = has_name_column(o->event) ? kvmw_row_key_name(r) : NULL;
		if (name)
			fprintf(out, "  %s", name);
		fputc('\n', out);
	}
	/* perf: "\nTotal Samples:...us.\n\n" (a blank line after it too). */
	kvmw_fmt_stat_total(line, sizeof(line), a->total_count, a->total_ns);
	fprintf(out, "\n%s\n\n", line);
}

u64 kvmw_hist_lo(unsigned int b)
{
	return b ? 1ULL << (b + KVMW_HIST_SHIFT - 1) : 0;
}

u64 kvmw_hist_hi(unsigned int b)
{
	if (b >= KVMW_HIST_BUCKETS - 1)
		return UINT64_MAX;
	return 1ULL << (b + KVMW_HIST_SHIFT);
}

/* bpftrace's bound labels: 256, 512, 1K, ..., 256G. */
static void hist_bound(char *buf, size_t len, u64 v)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (v >= 1024 && !(v % 1024) && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)v, units[u]);
}

void kvmw_report_hist(FILE *out, const struct kvmw_agg *a,
		      const struct kvmw_report_opts *o)
{
	char label[128], lo[24], hi[24], range[64], bar[HIST_BAR_WIDTH + 1];
	size_t i;
	(void)o;

	for (i = 0; i < a->nr; i++) {
		const struct kvmw_agg_row *r = &a->rows[i];
		unsigned int b, first = KVMW_HIST_BUCKETS, last = 0;
		u64 max = 0;

		for (b = 0; b < r->nr_buckets; b++) {
			if (!r->hist[b])
				continue;
			if (first == KVMW_HIST_BUCKETS)
				first = b;
			last = b;
			if (r->hist[b] > max)
				max = r->hist[b];
		}
		if (!max)
			continue;
		kvmw_row_label(label, sizeof(label), r);
		fprintf(out, "\n@%s: handling time, ns; %llu samples\n", label,
			(unsigned long long)r->count);
		for (b = first; b <= last; b++) {
			size_t w = (size_t)(r->hist[b] * HIST_BAR_WIDTH / max);

			hist_bound(lo, sizeof(lo), kvmw_hist_lo(b));
			if (b == KVMW_HIST_BUCKETS - 1) {
				snprintf(range, sizeof(range), "[%s, ...)", lo);
			} else {
				hist_bound(hi, sizeof(hi), kvmw_hist_hi(b));
				snprintf(range, sizeof(range), "[%s, %s)", lo,
					 hi);
			}
			memset(bar, '@', w);
			memset(bar + w, ' ', HIST_BAR_WIDTH - w);
			bar[HIST_BAR_WIDTH] = '\0';
			fprintf(out, "%-16s%8llu |%s|\n", range,
				(unsigned long long)r->hist[b], bar);
		}
	}
}

struct rip_sum {
	u32 isa, code;
	u64 rip, count;
};

static int cmp_rip(const void *pa, const void *pb)
{
	const struct rip_sum *a = pa, *b = pb;

	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return a->rip < b->rip ? -1 : a->rip > b->rip;
}

/* Every RIP record of @s, summed per (isa, code, rip), sorted. */
static struct rip_sum *sum_rips(const struct kvmw_snap *s, size_t *nr)
{
	size_t i, j, k, l, n = 0, cap = 0;
	struct rip_sum *t = NULL;

	for (i = 0; i < s->nr_vms; i++) {
		for (j = 0; j < s->vms[i].nr_vcpus; j++) {
			const struct kvmw_snap_vcpu *v = &s->vms[i].vcpus[j];

			for (k = 0; k < v->nr_rips; k++) {
				const struct kvmw_rec_rip *r = &v->rips[k];

				for (l = 0; l < n; l++)
					if (t[l].isa == v->rec.isa &&
					    t[l].code == r->code &&
					    t[l].rip == r->rip)
						break;
				if (l == n) {
					if (n == cap) {
						size_t nc = cap ? cap * 2 : 64;
						void *p = realloc(t,
							nc * sizeof(*t));

						if (!p) {
							free(t);
							*nr = 0;
							return NULL;
						}
						t = p;
						cap = nc;
					}
					t[n++] = (struct rip_sum){
						.isa = v->rec.isa,
						.code = r->code,
						.rip = r->rip,
					};
				}
				t[l].count += r->count;
			}
		}
	}
	if (n)
		qsort(t, n, sizeof(*t), cmp_rip);
	*nr = n;
	return t;
}

void kvmw_report_rips(FILE *out, const struct kvmw_snap *s,
		      const struct kvmw_agg *a,
		      const struct kvmw_report_opts *o)
{
	size_t i, j, n;
	struct rip_sum *t = sum_rips(s, &n);
	char label[128];
	bool *shown;

	fprintf(out, "\n%*s %18s %10s %9s\n\n", o->name_width,
		kvmw_event_title(KVMW_EVENT_VMEXIT), "Guest RIP", "Samples",
		"Samples%");
	shown = calloc(n ? n : 1, sizeof(*shown));
	if (!shown) {
		free(t);
		return;
	}
	/* Reasons in the table's order, then any the table lacks. */
	for (i = 0; i <= a->nr; i++) {
		for (j = 0; j < n; j++) {
			size_t first = j, k, m;
			u64 total = 0;

			if (shown[j])
				continue;
			if (i < a->nr &&
			    (kvmw_agg_is_child(&a->rows[i]) ||
			     t[j].isa != a->rows[i].isa ||
			     t[j].code != a->rows[i].code))
				continue;
			for (m = first; m < n && t[m].isa == t[first].isa &&
			     t[m].code == t[first].code; m++)
				total += t[m].count;
			kvmw_reason_label(label, sizeof(label), t[first].isa,
					  t[first].code);
			for (k = first; k < m; k++) {
				shown[k] = true;
				if (k - first >= o->top_rips)
					continue;
				fprintf(out, "%*s %#18llx %10llu %8.2f%%\n",
					o->name_width, label,
					(unsigned long long)t[k].rip,
					(unsigned long long)t[k].count,
					total ? (double)t[k].count /
					(double)total * 100 : 0.0);
			}
			j = m - 1;
		}
	}
	free(shown);
	free(t);
}

/* ---- JSON ---- */

static void json_stats(struct kvmw_json *j, const struct kvmw_rec_stat *r)
{
	unsigned __int128 sq = kvmw_sumsq(r);

	kvmw_json_key(j, "count");
	kvmw_json_u64(j, r->count);
	kvmw_json_key(j, "time_ns");
	kvmw_json_u64(j, r->total_ns);
	kvmw_json_key(j, "min_ns");
	kvmw_json_u64(j, r->count ? r->min_ns : 0);
	kvmw_json_key(j, "max_ns");
	kvmw_json_u64(j, r->max_ns);
	kvmw_json_key(j, "mean_ns");
	kvmw_json_double(j, r->count ? (double)r->total_ns /
			 (double)r->count : 0.0, 2);
	kvmw_json_key(j, "stddev_pct");
	kvmw_json_double(j, (double)kvmw_stat_rel_stddev(r->count,
			 r->total_ns, sq), 2);
	kvmw_json_key(j, "user");
	kvmw_json_u64(j, r->user);
	kvmw_json_key(j, "minmax_bound");
	kvmw_json_bool(j, r->flags & KVMW_STAT_MINMAX_BOUND);
}

static void json_hist(struct kvmw_json *j, const struct kvmw_snap_stat *st)
{
	unsigned int b;

	kvmw_json_key(j, "hist");
	kvmw_json_array_begin(j);
	/* Always every bucket: the index is the bucket. */
	for (b = 0; b < KVMW_HIST_BUCKETS; b++)
		kvmw_json_u64(j, b < st->rec.nr_buckets ? st->hist[b] : 0);
	kvmw_json_array_end(j);
}

static const char *dir_name(unsigned int sub)
{
	switch (sub) {
	case KVMW_SUB_READ:
		return "read";
	case KVMW_SUB_WRITE:
		return "write";
	}
	return NULL;
}

/* Indexes of @v's rows of @kind, sorted like the table. */
static size_t sorted_rows(const struct kvmw_snap_vcpu *v, unsigned int kind,
			  bool children, enum kvmw_sort key, size_t *idx)
{
	size_t i, j, n = 0;

	for (i = 0; i < v->nr_stats; i++) {
		const struct kvmw_rec_stat *r = &v->stats[i].rec;

		if (r->kind != kind)
			continue;
		if (kind == KVMW_STAT_EXIT &&
		    (r->sub != KVMW_SUB_NONE) != children)
			continue;
		idx[n++] = i;
	}
	/* Insertion sort: a vCPU has tens of rows. */
	sort_key = key;
	for (i = 1; i < n; i++) {
		size_t x = idx[i];
		struct kvmw_agg_row rx = { 0 };

		rx.isa = v->rec.isa;
		rx.kind = v->stats[x].rec.kind;
		rx.sub = v->stats[x].rec.sub;
		rx.code = v->stats[x].rec.code;
		rx.key = v->stats[x].rec.key;
		rx.count = v->stats[x].rec.count;
		rx.total_ns = v->stats[x].rec.total_ns;
		rx.min_ns = v->stats[x].rec.min_ns;
		rx.max_ns = v->stats[x].rec.max_ns;
		for (j = i; j > 0; j--) {
			const struct kvmw_rec_stat *p =
				&v->stats[idx[j - 1]].rec;
			struct kvmw_agg_row rp = {
				.isa = v->rec.isa, .kind = p->kind,
				.sub = p->sub, .code = p->code, .key = p->key,
				.count = p->count, .total_ns = p->total_ns,
				.min_ns = p->min_ns, .max_ns = p->max_ns,
			};

			if (cmp_rows(&rp, &rx) <= 0)
				break;
			idx[j] = idx[j - 1];
		}
		idx[j] = x;
	}
	return n;
}

static int cmp_rec_rip(const void *pa, const void *pb)
{
	const struct kvmw_rec_rip *a = *(const struct kvmw_rec_rip *const *)pa;
	const struct kvmw_rec_rip *b = *(const struct kvmw_rec_rip *const *)pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return a->rip < b->rip ? -1 : a->rip > b->rip;
}

static void json_rips(struct kvmw_json *j, const struct kvmw_snap_vcpu *v,
		      u32 code, unsigned int top)
{
	const struct kvmw_rec_rip **p = calloc(v->nr_rips ? v->nr_rips : 1,
					       sizeof(*p));
	size_t i, n = 0;

	kvmw_json_key(j, "rips");
	kvmw_json_array_begin(j);
	if (p) {
		for (i = 0; i < v->nr_rips; i++)
			if (v->rips[i].code == code)
				p[n++] = &v->rips[i];
		qsort(p, n, sizeof(*p), cmp_rec_rip);
		for (i = 0; i < n && i < top; i++) {
			kvmw_json_object_begin(j);
			kvmw_json_key(j, "rip");
			kvmw_json_u64(j, p[i]->rip);
			kvmw_json_key(j, "count");
			kvmw_json_u64(j, p[i]->count);
			kvmw_json_object_end(j);
		}
		free(p);
	}
	kvmw_json_array_end(j);
}

static void json_exits(struct kvmw_json *j, const struct kvmw_snap_vcpu *v,
		       const struct kvmw_report_opts *o, size_t *idx,
		       size_t *kid_idx)
{
	size_t i, k, n, nk;
	char label[64];

	n = sorted_rows(v, KVMW_STAT_EXIT, false, o->sort, idx);
	nk = sorted_rows(v, KVMW_STAT_EXIT, true, KVMW_SORT_SAMPLE, kid_idx);
	kvmw_json_key(j, "exits");
	kvmw_json_array_begin(j);
	for (i = 0; i < n; i++) {
		const struct kvmw_snap_stat *st = &v->stats[idx[i]];
		bool any = false;

		kvmw_json_object_begin(j);
		kvmw_reason_label(label, sizeof(label), v->rec.isa,
				  st->rec.code);
		kvmw_json_key(j, "reason");
		kvmw_json_string(j, label);
		kvmw_json_key(j, "code");
		kvmw_json_u64(j, st->rec.code);
		json_stats(j, &st->rec);
		json_hist(j, st);
		json_rips(j, v, st->rec.code, o->top_rips);
		/* SVM "msr": its read and write halves. */
		for (k = 0; k < nk; k++) {
			const struct kvmw_snap_stat *c = &v->stats[kid_idx[k]];

			if (c->rec.code != st->rec.code)
				continue;
			if (!any) {
				kvmw_json_key(j, "by_dir");
				kvmw_json_array_begin(j);
				any = true;
			}
			kvmw_json_object_begin(j);
			kvmw_json_key(j, "dir");
			kvmw_json_string(j, dir_name(c->rec.sub) ?
					 dir_name(c->rec.sub) : "unknown");
			json_stats(j, &c->rec);
			json_hist(j, c);
			kvmw_json_object_end(j);
		}
		if (any)
			kvmw_json_array_end(j);
		kvmw_json_object_end(j);
	}
	kvmw_json_array_end(j);
}

static void json_breakdown(struct kvmw_json *j,
			   const struct kvmw_snap_vcpu *v,
			   const struct kvmw_report_opts *o, size_t *idx)
{
	static const char *const key_field[] = {
		[KVMW_STAT_IOPORT] = "port",
		[KVMW_STAT_MMIO] = "address",
		[KVMW_STAT_MSR] = "index",
	};
	unsigned int kind = kvmw_event_kind(o->event);
	size_t i, n = sorted_rows(v, kind, false, o->sort, idx);
	char label[64];

	kvmw_json_key(j, kvmw_event_name(o->event));
	kvmw_json_array_begin(j);
	for (i = 0; i < n; i++) {
		const struct kvmw_snap_stat *st = &v->stats[idx[i]];
		struct kvmw_agg_row r = {
			.isa = v->rec.isa, .kind = st->rec.kind,
			.sub = st->rec.sub, .key = st->rec.key,
		};
		const char *name = kvmw_row_key_name(&r);

		kvmw_json_object_begin(j);
		kvmw_json_key(j, key_field[kind]);
		kvmw_json_u64(j, st->rec.key);
		kvmw_json_key(j, "dir");
		if (dir_name(st->rec.sub))
			kvmw_json_string(j, dir_name(st->rec.sub));
		else
			kvmw_json_null(j);
		kvmw_row_label(label, sizeof(label), &r);
		kvmw_json_key(j, "key");
		kvmw_json_string(j, label);
		kvmw_json_key(j, "name");
		if (name)
			kvmw_json_string(j, name);
		else
			kvmw_json_null(j);
		json_stats(j, &st->rec);
		kvmw_json_object_end(j);
	}
	kvmw_json_array_end(j);
}

#define JSON_U64(j, s, f) do {			\
	kvmw_json_key(j, #f);			\
	kvmw_json_u64(j, (s)->f);		\
} while (0)

static void json_vcpu(struct kvmw_json *j, const struct kvmw_snap_vcpu *v,
		      const struct kvmw_report_opts *o, size_t *idx,
		      size_t *kid_idx)
{
	const struct kvmw_rec_vcpu *r = &v->rec;
	const char *isa = kvmw_isa_name(r->isa);
	static const char *const bd[KVMW_BD_NR] = { "ioport", "mmio", "msr" };
	unsigned int b;

	kvmw_json_object_begin(j);
	kvmw_json_key(j, "vcpu");
	kvmw_json_u64(j, r->vcpu_id);
	kvmw_json_key(j, "tid");
	kvmw_json_i64(j, r->tid);
	kvmw_json_key(j, "isa");
	if (isa)
		kvmw_json_string(j, isa);
	else
		kvmw_json_null(j);
	JSON_U64(j, r, open);
	JSON_U64(j, r, unfinished);
	json_exits(j, v, o, idx, kid_idx);
	if (o->event != KVMW_EVENT_VMEXIT)
		json_breakdown(j, v, o, idx);
	kvmw_json_key(j, "counters");
	kvmw_json_object_begin(j);
	JSON_U64(j, r, exits);
	JSON_U64(j, r, entries);
	JSON_U64(j, r, entry_without_exit);
	JSON_U64(j, r, exit_without_entry);
	JSON_U64(j, r, negative_time);
	JSON_U64(j, r, user_returns);
	JSON_U64(j, r, user_without_exit);
	JSON_U64(j, r, msr_early);
	JSON_U64(j, r, orphan_events);
	JSON_U64(j, r, decode_errors);
	JSON_U64(j, r, dropped_reasons);
	kvmw_json_key(j, "dropped_keys");
	kvmw_json_object_begin(j);
	for (b = 0; b < KVMW_BD_NR; b++) {
		kvmw_json_key(j, bd[b]);
		kvmw_json_u64(j, r->dropped_keys[b]);
	}
	kvmw_json_object_end(j);
	JSON_U64(j, r, dropped_rips);
	kvmw_json_object_end(j);
	kvmw_json_object_end(j);
}

static void json_counters(struct kvmw_json *j, const struct kvmw_counters *c)
{
	kvmw_json_key(j, "counters");
	kvmw_json_object_begin(j);
	JSON_U64(j, c, vms);
	JSON_U64(j, c, vcpus);
	JSON_U64(j, c, untracked);
	if (c->size >= offsetof(struct kvmw_counters, gone_vms) + 8) {
		JSON_U64(j, c, gone_vms);
		JSON_U64(j, c, gone_vcpus);
		JSON_U64(j, c, alloc_failures);
		JSON_U64(j, c, stats_consumers);
	}
	if (c->size >= offsetof(struct kvmw_counters, unbound) + 8)
		JSON_U64(j, c, unbound);
	kvmw_json_object_end(j);
}

int kvmw_report_json(FILE *out, const struct kvmw_snap *s,
		     const struct kvmw_report_opts *o,
		     const struct kvmw_json_meta *m)
{
	size_t i, k, max_stats = 1;
	size_t *idx, *kid_idx;
	struct kvmw_json j;
	u32 isa = 0;
	int ret;

	for (i = 0; i < s->nr_vms; i++)
		for (k = 0; k < s->vms[i].nr_vcpus; k++) {
			const struct kvmw_snap_vcpu *v = &s->vms[i].vcpus[k];

			if (v->nr_stats > max_stats)
				max_stats = v->nr_stats;
			if (!isa)
				isa = v->rec.isa;
		}
	idx = calloc(max_stats, sizeof(*idx));
	kid_idx = calloc(max_stats, sizeof(*kid_idx));
	if (!idx || !kid_idx) {
		free(idx);
		free(kid_idx);
		return -1;
	}

	kvmw_json_init(&j, out);
	kvmw_json_object_begin(&j);
	if (m->interval >= 0) {
		kvmw_json_key(&j, "interval");
		kvmw_json_i64(&j, m->interval);
	}
	kvmw_json_key(&j, "event");
	kvmw_json_string(&j, kvmw_event_name(o->event));
	kvmw_json_key(&j, "start_ns");
	kvmw_json_u64(&j, m->start_ns);
	kvmw_json_key(&j, "time_ns");
	kvmw_json_u64(&j, s->hdr.time_ns);
	kvmw_json_key(&j, "isa");
	if (kvmw_isa_name(isa))
		kvmw_json_string(&j, kvmw_isa_name(isa));
	else
		kvmw_json_null(&j);
	kvmw_json_key(&j, "vms");
	kvmw_json_array_begin(&j);
	for (i = 0; i < s->nr_vms; i++) {
		const struct kvmw_snap_vm *vm = &s->vms[i];
		const char *name = m->vm_names ? m->vm_names[i] : NULL;

		kvmw_json_object_begin(&j);
		kvmw_json_key(&j, "vm");
		kvmw_json_string(&j, vm->rec.id);
		kvmw_json_key(&j, "pid");
		kvmw_json_i64(&j, vm->rec.pid);
		kvmw_json_key(&j, "ppid");
		kvmw_json_i64(&j, vm->rec.ppid);
		kvmw_json_key(&j, "name");
		if (name)
			kvmw_json_string(&j, name);
		else
			kvmw_json_null(&j);
		kvmw_json_key(&j, "serial");
		kvmw_json_u64(&j, vm->rec.serial);
		kvmw_json_key(&j, "gone");
		kvmw_json_bool(&j, vm->rec.flags & KVMW_VM_GONE);
		kvmw_json_key(&j, "created_ns");
		kvmw_json_u64(&j, vm->rec.created_ns);
		kvmw_json_key(&j, "gone_ns");
		kvmw_json_u64(&j, vm->rec.gone_ns);
		kvmw_json_key(&j, "vcpus");
		kvmw_json_array_begin(&j);
		for (k = 0; k < vm->nr_vcpus; k++)
			json_vcpu(&j, &vm->vcpus[k], o, idx, kid_idx);
		kvmw_json_array_end(&j);
		kvmw_json_object_end(&j);
	}
	kvmw_json_array_end(&j);
	if (m->counters)
		json_counters(&j, m->counters);
	kvmw_json_object_end(&j);
	ret = kvmw_json_finish(&j);
	free(idx);
	free(kid_idx);
	return ret;
}

/* ---- anomalies ---- */

void kvmw_anomalies(const struct kvmw_snap *s, struct kvmw_anomalies *an)
{
	size_t i, k;
	unsigned int b;

	memset(an, 0, sizeof(*an));
	for (i = 0; i < s->nr_vms; i++) {
		for (k = 0; k < s->vms[i].nr_vcpus; k++) {
			const struct kvmw_rec_vcpu *r =
				&s->vms[i].vcpus[k].rec;
			u64 any = r->orphan_events | r->exit_without_entry |
				  r->decode_errors | r->dropped_reasons |
				  r->dropped_rips;

			an->orphan_events += r->orphan_events;
			an->exit_without_entry += r->exit_without_entry;
			an->decode_errors += r->decode_errors;
			an->dropped_reasons += r->dropped_reasons;
			an->dropped_rips += r->dropped_rips;
			for (b = 0; b < KVMW_BD_NR; b++) {
				an->dropped_keys[b] += r->dropped_keys[b];
				any |= r->dropped_keys[b];
			}
			if (any)
				an->vcpus++;
		}
	}
}

int kvmw_anomalies_text(char *buf, size_t len,
			const struct kvmw_anomalies *an)
{
	const struct {
		const char *name;
		u64 v;
	} f[] = {
		{ "orphan_events", an->orphan_events },
		{ "exit_without_entry", an->exit_without_entry },
		{ "decode_errors", an->decode_errors },
		{ "dropped_reasons", an->dropped_reasons },
		{ "dropped_keys[ioport]", an->dropped_keys[KVMW_BD_IOPORT] },
		{ "dropped_keys[mmio]", an->dropped_keys[KVMW_BD_MMIO] },
		{ "dropped_keys[msr]", an->dropped_keys[KVMW_BD_MSR] },
		{ "dropped_rips", an->dropped_rips },
	};
	size_t i, n = 0;
	int total = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		int w;

		if (!f[i].v)
			continue;
		w = snprintf(buf + (total < (int)len ? total : (int)len),
			     total < (int)len ? len - total : 0, "%s%s %llu",
			     n ? ", " : "", f[i].name,
			     (unsigned long long)f[i].v);
		total += w;
		n++;
	}
	return total;
}
