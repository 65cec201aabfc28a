// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition of the statistics (docs/exporter.md).
 *
 * The counters are cumulative since each vCPU's creation (the exporter
 * reads with KVMW_SNAP_RAW), as Prometheus expects of a _total; rate()
 * takes care of windows. Each family is written whole (HELP, TYPE, then
 * every sample), as the format requires. Times are printed as exact
 * decimals of nanoseconds, so bucket bounds and sums carry no float
 * rounding.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "promfmt.h"
#include "report.h"
#include "util.h"

/* Label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* @ns nanoseconds as seconds, exactly: "0.000000256", "3", "1.5". */
static void put_seconds(FILE *f, u64 ns)
{
	char frac[10];
	int n;

	fprintf(f, "%llu", (unsigned long long)(ns / 1000000000ULL));
	ns %= 1000000000ULL;
	if (!ns)
		return;
	snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)ns);
	for (n = 9; frac[n - 1] == '0'; n--)
		;
	fprintf(f, ".%.*s", n, frac);
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static bool vm_skipped(const struct kvmw_snap_vm *vm)
{
	return vm->rec.flags & KVMW_VM_GONE;
}

static const char *vm_name(const struct kvmw_prom_in *in, size_t i)
{
	if (!in->vm_names || !in->vm_names[i])
		return "";
	return in->vm_names[i];
}

/* The VM's id, NUL terminated whatever the record holds. */
static const char *vm_id(const struct kvmw_snap_vm *vm, char *buf)
{
	memcpy(buf, vm->rec.id, sizeof(vm->rec.id));
	buf[sizeof(vm->rec.id)] = '\0';
	return buf;
}

/* vm="..",pid="..",name=".." */
static void vm_labels(FILE *f, const struct kvmw_prom_in *in, size_t i)
{
	const struct kvmw_snap_vm *vm = &in->snap->vms[i];
	char id[sizeof(vm->rec.id) + 1];

	fputs("vm=\"", f);
	put_label(f, vm_id(vm, id));
	fprintf(f, "\",pid=\"%d\",name=\"", vm->rec.pid);
	put_label(f, vm_name(in, i));
	fputc('"', f);
}

static void put_reason(FILE *f, u32 isa, u32 code)
{
	char label[96];

	kvmw_reason_label(label, sizeof(label), isa, code);
	put_label(f, label);
}

static void exits_total(FILE *f, const struct kvmw_prom_in *in)
{
	const struct kvmw_snap *s = in->snap;
	size_t i, j, k;

	family(f, "kvmwatch_exits_total", "counter",
	       "VM exits handled (timed exits: kvm_exit followed by kvm_entry), cumulative since the vCPU's creation.");
	for (i = 0; i < s->nr_vms; i++) {
		if (vm_skipped(&s->vms[i]))
			continue;
		for (j = 0; j < s->vms[i].nr_vcpus; j++) {
			const struct kvmw_snap_vcpu *v = &s->vms[i].vcpus[j];

			for (k = 0; k < v->nr_stats; k++) {
				const struct kvmw_rec_stat *r =
					&v->stats[k].rec;

				if (r->kind != KVMW_STAT_EXIT ||
				    r->sub != KVMW_SUB_NONE)
					continue;
				fputs("kvmwatch_exits_total{", f);
				vm_labels(f, in, i);
				fprintf(f, ",vcpu=\"%u\",reason=\"",
					v->rec.vcpu_id);
				put_reason(f, v->rec.isa, r->code);
				fprintf(f, "\"} %llu\n",
					(unsigned long long)r->count);
			}
		}
	}
}

/* One reason of one VM, summed over its vCPUs. */
struct reason_sum {
	u32 isa, code;
	u64 count, total_ns;
	u64 hist[KVMW_HIST_BUCKETS];
	bool have_hist;
};

static int cmp_reason(const void *a, const void *b)
{
	const struct reason_sum *x = a, *y = b;

	return x->code < y->code ? -1 : x->code > y->code;
}

/* @vm's exit reasons, sorted by code; NULL with *n = 0 if it has none. */
static struct reason_sum *sum_reasons(const struct kvmw_snap_vm *vm,
				      size_t *n, bool *nomem)
{
	struct reason_sum *t = NULL;
	size_t cap = 0, j, k, x, b;

	*n = 0;
	for (j = 0; j < vm->nr_vcpus; j++) {
		const struct kvmw_snap_vcpu *v = &vm->vcpus[j];

		for (k = 0; k < v->nr_stats; k++) {
			const struct kvmw_snap_stat *st = &v->stats[k];
			const struct kvmw_rec_stat *r = &st->rec;

			if (r->kind != KVMW_STAT_EXIT ||
			    r->sub != KVMW_SUB_NONE)
				continue;
			for (x = 0; x < *n && t[x].code != r->code; x++)
				;
			if (x == *n) {
				if (*n == cap) {
					struct reason_sum *nt;

					cap = cap ? 2 * cap : 16;
					nt = realloc(t, cap * sizeof(*t));
					if (!nt) {
						free(t);
						*nomem = true;
						*n = 0;
						return NULL;
					}
					t = nt;
				}
				memset(&t[x], 0, sizeof(t[x]));
				t[x].isa = v->rec.isa;
				t[x].code = r->code;
				(*n)++;
			}
			t[x].count += r->count;
			t[x].total_ns += r->total_ns;
			if (r->nr_buckets)
				t[x].have_hist = true;
			for (b = 0; b < r->nr_buckets && b < KVMW_HIST_BUCKETS;
			     b++)
				t[x].hist[b] += st->hist[b];
		}
	}
	if (*n)
		qsort(t, *n, sizeof(*t), cmp_reason);
	return t;
}

static void hist_sample(FILE *f, const struct kvmw_prom_in *in, size_t i,
			const struct reason_sum *r, const char *suffix)
{
	fprintf(f, "kvmwatch_exit_handling_seconds%s{", suffix);
	vm_labels(f, in, i);
	fputs(",reason=\"", f);
	put_reason(f, r->isa, r->code);
	fputc('"', f);
}

/*
 * Bucket b of the module counts times below 2^(b + KVMW_HIST_SHIFT) ns,
 * the last one everything above: le="2^(b + 8) ns" for all but the last,
 * whose samples only +Inf (= _count) holds.
 */
static int exit_histograms(FILE *f, const struct kvmw_prom_in *in)
{
	const struct kvmw_snap *s = in->snap;
	bool nomem = false;
	size_t i, x, n;
	unsigned int b;

	family(f, "kvmwatch_exit_handling_seconds", "histogram",
	       "Time from kvm_exit to the next kvm_entry, per exit reason, summed over the VM's vCPUs (log2 buckets).");
	for (i = 0; i < s->nr_vms; i++) {
		struct reason_sum *t;

		if (vm_skipped(&s->vms[i]))
			continue;
		t = sum_reasons(&s->vms[i], &n, &nomem);
		if (nomem)
			return -1;
		for (x = 0; x < n; x++) {
			u64 cum = 0;

			if (!t[x].have_hist)
				continue;
			for (b = 0; b < KVMW_HIST_BUCKETS - 1; b++) {
				cum += t[x].hist[b];
				hist_sample(f, in, i, &t[x], "_bucket");
				fputs(",le=\"", f);
				put_seconds(f, 1ULL << (b + KVMW_HIST_SHIFT));
				fprintf(f, "\"} %llu\n",
					(unsigned long long)cum);
			}
			hist_sample(f, in, i, &t[x], "_bucket");
			fprintf(f, ",le=\"+Inf\"} %llu\n",
				(unsigned long long)t[x].count);
			hist_sample(f, in, i, &t[x], "_sum");
			fputs("} ", f);
			put_seconds(f, t[x].total_ns);
			fputc('\n', f);
			hist_sample(f, in, i, &t[x], "_count");
			fprintf(f, "} %llu\n", (unsigned long long)t[x].count);
		}
		free(t);
	}
	return 0;
}

static const char *dir_name(unsigned int sub)
{
	switch (sub) {
	case KVMW_SUB_READ:
		return "read";
	case KVMW_SUB_WRITE:
		return "write";
	}
	return "";
}

struct breakdown {
	unsigned int kind;
	const char *metric, *key, *help;
	const char *(*name)(u64 key);	/* NULL: no name label */
};

static const struct breakdown breakdowns[] = {
	{ KVMW_STAT_IOPORT, "kvmwatch_ioport_exits_total", "port",
	  "IO port accesses that exited, per port and direction (read: IN, write: OUT).",
	  kvmw_ioport_name },
	{ KVMW_STAT_MSR, "kvmwatch_msr_exits_total", "msr",
	  "MSR accesses that exited, per MSR index and direction (read: RDMSR, write: WRMSR).",
	  kvmw_msr_name },
	{ KVMW_STAT_MMIO, "kvmwatch_mmio_exits_total", "addr",
	  "MMIO accesses that exited, per guest physical address and direction.",
	  NULL },
};

static void breakdown_rows(FILE *f, const struct kvmw_prom_in *in,
			   const struct breakdown *bd)
{
	const struct kvmw_snap *s = in->snap;
	char id[sizeof(s->vms[0].rec.id) + 1];
	size_t i, j, k;

	family(f, bd->metric, "counter", bd->help);
	for (i = 0; i < s->nr_vms; i++) {
		if (vm_skipped(&s->vms[i]))
			continue;
		for (j = 0; j < s->vms[i].nr_vcpus; j++) {
			const struct kvmw_snap_vcpu *v = &s->vms[i].vcpus[j];

			for (k = 0; k < v->nr_stats; k++) {
				const struct kvmw_rec_stat *r =
					&v->stats[k].rec;
				const char *name = NULL;

				if (r->kind != bd->kind)
					continue;
				fprintf(f, "%s{vm=\"", bd->metric);
				put_label(f, vm_id(&s->vms[i], id));
				fprintf(f, "\",vcpu=\"%u\",%s=\"",
					v->rec.vcpu_id, bd->key);
				if (r->key == KVMW_KEY_OTHER)
					fputs("other", f);
				else
					fprintf(f, "%#llx",
						(unsigned long long)r->key);
				fprintf(f, "\",dir=\"%s\"", dir_name(r->sub));
				if (bd->name) {
					if (r->key != KVMW_KEY_OTHER)
						name = bd->name(r->key);
					fprintf(f, ",%s_name=\"", bd->key);
					put_label(f, name ? name : "");
					fputc('"', f);
				}
				fprintf(f, "} %llu\n",
					(unsigned long long)r->count);
			}
		}
	}
}

static void vm_info(FILE *f, const struct kvmw_prom_in *in)
{
	const struct kvmw_snap *s = in->snap;
	char id[sizeof(s->vms[0].rec.id) + 1];
	size_t i;

	family(f, "kvmwatch_vm_info", "gauge",
	       "A VM kvmwatch tracks: its id (\"<pid>-<fd>\", as in KVM's debugfs), creator and QEMU -name.");
	for (i = 0; i < s->nr_vms; i++) {
		if (vm_skipped(&s->vms[i]))
			continue;
		fputs("kvmwatch_vm_info{", f);
		vm_labels(f, in, i);
		fputs("} 1\n", f);
	}
	family(f, "kvmwatch_vcpus", "gauge", "vCPUs of the VM.");
	for (i = 0; i < s->nr_vms; i++) {
		if (vm_skipped(&s->vms[i]))
			continue;
		fputs("kvmwatch_vcpus{vm=\"", f);
		put_label(f, vm_id(&s->vms[i], id));
		fprintf(f, "\"} %zu\n", s->vms[i].nr_vcpus);
	}
}

/* The module's counters (struct kvmw_counters), by metric. */
struct module_metric {
	const char *metric;
	size_t offset;
	bool counter;
	const char *help;
};

#define MM(field, name, counter, help) \
	{ "kvmwatch_module_" name, offsetof(struct kvmw_counters, field), \
	  counter, help }

static const struct module_metric module_metrics[] = {
	MM(vms, "vms", false, "VMs the module tracks (live)."),
	MM(vcpus, "vcpus", false, "vCPUs the module tracks (live)."),
	MM(buffers, "buffers", false,
	   "Buffers allocated for tracked objects and consumers."),
	MM(files, "files", false, "Open /dev/kvmwatch files."),
	MM(tracepoints, "tracepoints", false,
	   "KVM tracepoint probes attached."),
	MM(kprobes, "kprobes", false, "kprobes registered."),
	MM(kvm_loads, "kvm_loads_total", true,
	   "Times kvm.ko was seen loading."),
	MM(kvm_unloads, "kvm_unloads_total", true,
	   "Times kvm.ko was seen unloading."),
	MM(untracked, "untracked_events_total", true,
	   "Events from a vCPU with no statistics slot; should stay 0."),
	MM(exits, "exits_total", true,
	   "kvm_exit events on tracked vCPUs since the module was loaded."),
	MM(entries, "entries_total", true,
	   "kvm_entry events on tracked vCPUs since the module was loaded."),
	MM(gone_vms, "gone_vms", false,
	   "Destroyed VMs whose final statistics are still kept."),
	MM(gone_vcpus, "gone_vcpus", false, "vCPUs of those VMs."),
	MM(alloc_failures, "alloc_failures_total", true,
	   "Statistics blocks that could not be allocated; should stay 0."),
	MM(stats_consumers, "stats_consumers", false,
	   "Open files with statistics enabled."),
	MM(unbound, "unbound_events_total", true,
	   "IO, MMIO, MSR and userspace-exit events not attributable to a vCPU."),
};

_Static_assert(ARRAY_SIZE(module_metrics) ==
	       (sizeof(struct kvmw_counters) -
		offsetof(struct kvmw_counters, vms)) / sizeof(__u64),
	       "struct kvmw_counters grew: add its fields to module_metrics");

static void module_counters(FILE *f, const struct kvmw_counters *c)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(module_metrics); i++) {
		const struct module_metric *m = &module_metrics[i];
		u64 v;

		/* An older module fills less: leave its unknowns out. */
		if (m->offset + sizeof(v) > c->size)
			continue;
		memcpy(&v, (const char *)c + m->offset, sizeof(v));
		family(f, m->metric, m->counter ? "counter" : "gauge",
		       m->help);
		fprintf(f, "%s %llu\n", m->metric, (unsigned long long)v);
	}
}

/*
 * Doctor's findings of the last window (docs/doctor.md): one gauge per
 * finding, set to 1, and its cost in host CPU seconds per second. The
 * labels identify the VM as elsewhere, the vCPU ("" for a VM-wide
 * finding) and the kind.
 */
static void doctor_labels(FILE *f, const struct kvmw_prom_in *in,
			  const struct kvmw_finding *d)
{
	const struct kvmw_snap_vm *vm = &in->doctor_snap->vms[d->vm];
	const char *name = in->doctor_names ? in->doctor_names[d->vm] : NULL;
	char id[sizeof(vm->rec.id) + 1];

	fputs("{vm=\"", f);
	put_label(f, vm_id(vm, id));
	fprintf(f, "\",pid=\"%d\",name=\"", vm->rec.pid);
	put_label(f, name ? name : "");
	fputs("\",vcpu=\"", f);
	if (d->vcpu)
		fprintf(f, "%u", d->vcpu->rec.vcpu_id);
	fprintf(f, "\",kind=\"%s\"}", kvmw_finding_kind_name(d->kind));
}

static void doctor_findings(FILE *f, const struct kvmw_prom_in *in)
{
	const struct kvmw_findings *fs = in->doctor;
	size_t i;

	family(f, "kvmwatch_doctor_window_seconds", "gauge",
	       "Length of the window the doctor findings cover (the statistics between two evaluations); 0 until the first window closed.");
	fputs("kvmwatch_doctor_window_seconds ", f);
	put_seconds(f, fs->window_ns);
	fputc('\n', f);
	family(f, "kvmwatch_doctor_finding", "gauge",
	       "A kvmwatch doctor finding of the last window (statistics kinds; docs/doctor.md): 1 while present.");
	for (i = 0; i < fs->nr; i++) {
		if (vm_skipped(&in->doctor_snap->vms[fs->f[i].vm]))
			continue;
		fputs("kvmwatch_doctor_finding", f);
		doctor_labels(f, in, &fs->f[i]);
		fputs(" 1\n", f);
	}
	family(f, "kvmwatch_doctor_cost_seconds_per_second", "gauge",
	       "Host CPU time the finding's cause costs per second of the window (doctor's cost_ns_per_s / 1e9).");
	for (i = 0; i < fs->nr; i++) {
		if (vm_skipped(&in->doctor_snap->vms[fs->f[i].vm]))
			continue;
		fputs("kvmwatch_doctor_cost_seconds_per_second", f);
		doctor_labels(f, in, &fs->f[i]);
		fputc(' ', f);
		put_seconds(f, fs->f[i].cost_ns_per_s);
		fputc('\n', f);
	}
}

int kvmw_prom_write(FILE *f, const struct kvmw_prom_in *in)
{
	size_t i;

	exits_total(f, in);
	if (exit_histograms(f, in))
		return -1;
	for (i = 0; i < ARRAY_SIZE(breakdowns); i++)
		breakdown_rows(f, in, &breakdowns[i]);
	vm_info(f, in);
	if (in->counters)
		module_counters(f, in->counters);
	if (in->doctor && in->doctor_snap)
		doctor_findings(f, in);
	if (in->scrape_seconds >= 0) {
		family(f, "kvmwatch_scrape_duration_seconds", "gauge",
		       "Time taken to read the module for this exposition.");
		fprintf(f, "kvmwatch_scrape_duration_seconds %.9g\n",
			in->scrape_seconds);
	}
	fflush(f);
	return ferror(f) ? -1 : 0;
}
