// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch report: a recording ("kvmwatch record") as "kvmwatch stat"
 * would have printed it. The EXIT records are aggregated into the same
 * snapshot tree the module hands "stat" (tools/lib/evagg.c) and printed by
 * the same code (tools/lib/report.c); the recording's own header, with its
 * loss counts, comes first. --diff compares two recordings reason by
 * reason, --dirty summarises DIRTY records as kvm_watcher does, --sched
 * the LOAD/PUT records per vCPU as kvm_watcher -o does, with where the rest
 * of the time went (preempted, blocked, back in the VMM).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "evagg.h"
#include "exit_reason.h"
#include "fmt.h"
#include "json.h"
#include "recfile.h"
#include "report.h"

#define TOP_RIPS	10
#define DIRTY_TOP	20
/* pCPUs listed in --sched's text column before "+N". */
#define SCHED_PCPUS	8
/* Rows of the per-CPU loss table before it is summed up instead. */
#define CPU_LINES	64

enum {
	OPT_VM = 256,
	OPT_VCPU,
	OPT_EVENT,
	OPT_KEY,
	OPT_HIST,
	OPT_RIPS,
	OPT_DIFF,
	OPT_DIRTY,
	OPT_TOP,
	OPT_SCHED,
};

const char kvmw_report_usage[] =
	"Usage: kvmwatch report [-p PID] [--vm ID] [--vcpu N]\n"
	"                       [--event vmexit|ioport|mmio|msr]\n"
	"                       [--key sample|time|max|min|mean] [--hist] [--rips]\n"
	"                       [--json] FILE\n"
	"       kvmwatch report --diff [--event EVENT] [--json] A B\n"
	"       kvmwatch report --dirty [--top N] [-p PID] [--vm ID] [--vcpu N]\n"
	"                       [--json] FILE\n"
	"       kvmwatch report --sched [-p PID] [--vm ID] [--vcpu N] [--json] FILE\n"
	"\n"
	"Report a recording made by 'kvmwatch record' as 'kvmwatch stat' reports\n"
	"live: the same table, histograms, RIPs and JSON, from its EXIT events,\n"
	"after the recording's header and its lost events per CPU.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID         only VMs created by PID\n"
	"      --vm ID           only the VM ID (\"<pid>-<fd>\")\n"
	"      --vcpu N          only vCPUs with vcpu_id N\n"
	"      --event EVENT     vmexit (default), or the ioport, mmio or msr\n"
	"                        accesses, keyed as perf does (0x608:PIN, 0x6e0:W)\n"
	"      --key KEY         sort by sample (default), time, max, min or mean\n"
	"      --hist            add a log2 histogram of handling times per reason\n"
	"      --rips            add the top guest RIPs per reason\n"
	"      --diff A B        compare two recordings: counts and rates per\n"
	"                        second per reason (or key, with --event), their\n"
	"                        change and ratio, largest change of rate first\n"
	"      --dirty           the most dirtied guest pages (DIRTY events) and\n"
	"                        dirty pages per second per VM\n"
	"      --top N           with --dirty: the N most dirtied pages (20;\n"
	"                        0: all)\n"
	"      --sched           per vCPU, from LOAD/PUT events (record -e sched):\n"
	"                        time on its CPUs (kvm_watcher -o's columns), time\n"
	"                        preempted, blocked and back in the VMM, migrations\n"
	"                        and the physical CPUs it ran on\n"
	"  -j, --json            one JSON object; see docs/record-format.md\n"
	"  -h, --help            show this help\n";

enum mode { MODE_STAT, MODE_DIFF, MODE_DIRTY, MODE_SCHED };

static const char *const mode_opt[] = {
	[MODE_STAT] = "",
	[MODE_DIFF] = "--diff",
	[MODE_DIRTY] = "--dirty",
	[MODE_SCHED] = "--sched",
};

struct report_args {
	enum mode mode;
	struct kvmw_evagg_sel sel;
	struct kvmw_report_opts ro;
	bool hist, rips, json, event_set, key_set;
	unsigned int top;
	bool top_set;
	const char *files[2];
};

/* A decimal int in [min, INT_MAX]. */

static int check_args(const struct kvmw_cmd *cmd, struct report_args *a)
{
	bool diff = a->mode == MODE_DIFF, dirty = a->mode == MODE_DIRTY;
	bool sched = a->mode == MODE_SCHED;

	if (a->top_set && !dirty)
		return kvmw_usage_error(cmd, "--top needs --dirty");
	if ((diff || dirty || sched) && (a->hist || a->rips))
		return kvmw_usage_error(cmd,
			"--hist and --rips do not apply to %s",
			mode_opt[a->mode]);
	if (diff && a->key_set)
		return kvmw_usage_error(cmd,
			"--key does not apply to --diff (sorted by the change of rate)");
	if ((dirty || sched) && (a->event_set || a->key_set))
		return kvmw_usage_error(cmd,
			"--event and --key do not apply to %s",
			mode_opt[a->mode]);
	if (a->hist && a->ro.event != KVMW_EVENT_VMEXIT)
		return kvmw_usage_error(cmd,
			"--hist needs --event vmexit: only exit rows have histograms");
	if (a->rips && a->ro.event != KVMW_EVENT_VMEXIT)
		return kvmw_usage_error(cmd,
			"--rips needs --event vmexit: RIPs are counted per exit reason");
	return KVMW_EXIT_OK;
}

static int parse_args(const struct kvmw_cmd *cmd, int argc, char **argv,
		      struct report_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "vm", required_argument, NULL, OPT_VM },
		{ "vcpu", required_argument, NULL, OPT_VCPU },
		{ "event", required_argument, NULL, OPT_EVENT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "hist", no_argument, NULL, OPT_HIST },
		{ "rips", no_argument, NULL, OPT_RIPS },
		{ "diff", no_argument, NULL, OPT_DIFF },
		{ "dirty", no_argument, NULL, OPT_DIRTY },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "sched", no_argument, NULL, OPT_SCHED },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, v, want;

	memset(a, 0, sizeof(*a));
	a->sel.vcpu = -1;
	a->ro.event = KVMW_EVENT_VMEXIT;
	a->ro.sort = KVMW_SORT_SAMPLE;
	a->ro.name_width = KVMW_STAT_NAME_WIDTH;
	a->ro.vcpu = -1;
	a->ro.top_rips = TOP_RIPS;
	a->top = DIRTY_TOP;
	*help = false;

	while ((c = getopt_long(argc, argv, "+:p:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (kvmw_parse_int(optarg, 1, &v))
				return kvmw_usage_error(cmd,
					"invalid PID '%s'", optarg);
			a->sel.pid = v;
			break;
		case OPT_VM:
			if (!*optarg || strlen(optarg) >= 32)
				return kvmw_usage_error(cmd,
					"invalid VM id '%s' (expected PID-FD, as in /sys/kernel/debug/kvm)",
					optarg);
			a->sel.vm = optarg;
			break;
		case OPT_VCPU:
			if (kvmw_parse_int(optarg, 0, &v))
				return kvmw_usage_error(cmd,
					"invalid vCPU '%s'", optarg);
			a->sel.vcpu = v;
			a->ro.vcpu = v;
			break;
		case OPT_EVENT:
			if (kvmw_event_parse(optarg, &a->ro.event))
				return kvmw_usage_error(cmd,
					"unknown event '%s' (vmexit, ioport, mmio or msr)",
					optarg);
			a->event_set = true;
			break;
		case OPT_KEY:
			if (kvmw_sort_parse(optarg, &a->ro.sort))
				return kvmw_usage_error(cmd,
					"unknown key '%s' (sample, time, max, min or mean)",
					optarg);
			a->key_set = true;
			break;
		case OPT_HIST:
			a->hist = true;
			break;
		case OPT_RIPS:
			a->rips = true;
			break;
		case OPT_DIFF:
		case OPT_DIRTY:
		case OPT_SCHED:
			want = c == OPT_DIFF ? MODE_DIFF : c == OPT_DIRTY ?
			       MODE_DIRTY : MODE_SCHED;
			if (a->mode != MODE_STAT && a->mode != (enum mode)want)
				return kvmw_usage_error(cmd, "%s and %s conflict",
					mode_opt[a->mode], mode_opt[want]);
			a->mode = want;
			break;
		case OPT_TOP:
			if (kvmw_parse_int(optarg, 0, &v))
				return kvmw_usage_error(cmd,
					"invalid count '%s' for --top", optarg);
			a->top = (unsigned int)v;
			a->top_set = true;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			*help = true;
			return KVMW_EXIT_OK;
		default:
			return kvmw_option_error(cmd, c, argv);
		}
	}

	want = a->mode == MODE_DIFF ? 2 : 1;
	if (argc - optind < want)
		return kvmw_usage_error(cmd, want == 2 ?
			"--diff needs two recordings (A B)" :
			"missing FILE (a recording made by 'kvmwatch record')");
	if (argc - optind > want)
		return kvmw_usage_error(cmd, "unexpected argument '%s'",
					argv[optind + want]);
	a->files[0] = argv[optind];
	a->files[1] = want == 2 ? argv[optind + 1] : NULL;
	return check_args(cmd, a);
}

/* ---- the recording's header ---- */

struct loaded {
	const char *path;
	struct kvmw_recf rf;
	struct kvmw_evagg agg;
};

/* Open, check and aggregate a recording; 0 or -1 (reported). */
static int load(struct loaded *l, const char *path)
{
	char err[256];
	int ret;

	memset(l, 0, sizeof(*l));
	l->path = path;
	ret = kvmw_recf_open(&l->rf, path, err, sizeof(err));
	if (ret) {
		if (ret == -EINVAL)
			kvmw_err("%s: %s", path, err);
		else
			kvmw_err("%s", err);
		return -1;
	}
	if (l->rf.warning[0])
		kvmw_err("warning: %s: %s", path, l->rf.warning);
	if (kvmw_evagg_file(&l->agg, &l->rf)) {
		kvmw_err("out of memory");
		kvmw_recf_close(&l->rf);
		return -1;
	}
	if (l->agg.counts.short_records)
		kvmw_err("warning: %s: %llu records shorter than their type (ignored)",
			 path, (unsigned long long)l->agg.counts.short_records);
	return 0;
}

static void unload(struct loaded *l)
{
	kvmw_evagg_free(&l->agg);
	kvmw_recf_close(&l->rf);
}

static u64 end_ns(const struct kvmw_recf *r)
{
	return r->hdr.start_mono_ns + kvmw_recf_duration_ns(r);
}

static void filter_text(char *buf, size_t len, const struct kvmw_recf *r)
{
	const struct kvmw_filter *f = &r->hdr.filter;
	size_t n = 0;

	buf[0] = '\0';
	if (f->flags & KVMW_FILTER_PID)
		n += snprintf(buf + n, len - n, "pid %d%s", f->pid,
			      f->flags & KVMW_FILTER_PID_TREE ?
			      " and its descendants" : "");
	if ((f->flags & KVMW_FILTER_VM) && n < len)
		n += snprintf(buf + n, len - n, "%sVM %s", n ? ", " : "",
			      f->vm);
	if ((f->flags & KVMW_FILTER_VCPU) && n < len)
		n += snprintf(buf + n, len - n, "%svCPU %d", n ? ", " : "",
			      f->vcpu);
	if ((f->flags & KVMW_FILTER_LIVE) && n < len)
		n += snprintf(buf + n, len - n, "%slive VMs", n ? ", " : "");
	if (!buf[0])
		snprintf(buf, len, "all VMs");
}

static void print_cpu_line(FILE *out, const char *label,
			   const struct kvmw_recf_cpu *c)
{
	fprintf(out, "# %8s %12llu %12llu %12llu %12llu\n", label,
		(unsigned long long)c->produced,
		(unsigned long long)c->received,
		(unsigned long long)c->missed, (unsigned long long)c->lost);
}

/*
 * What was recorded, where, and what was lost, as perf report's "#"
 * header. Loss is never left out: unknown says unknown.
 */
static void print_header(FILE *out, const struct loaded *l)
{
	const struct kvmw_recf *r = &l->rf;
	const struct kvmw_recf_header *h = &r->hdr;
	char fam[128], filt[128], date[64] = "?";
	time_t secs = (time_t)(h->start_real_ns / 1000000000ULL);
	struct kvmw_recf_cpu sum;
	struct tm tm;
	size_t i, shown = 0;

	if (localtime_r(&secs, &tm))
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %z", &tm);
	kvmw_families_text(fam, sizeof(fam), h->families);
	filter_text(filt, sizeof(filt), r);
	fprintf(out, "# recording: %s\n", l->path);
	fprintf(out, "# host: %s, %s, kernel %s, module %u.%u.%u\n",
		h->hostname[0] ? h->hostname : "?",
		h->vendor[0] ? h->vendor : "?",
		h->release[0] ? h->release : "?", h->mod_major, h->mod_minor,
		h->mod_patch);
	fprintf(out, "# recorded by kvmwatch %s on %s, for %.3f s\n",
		h->tool_version[0] ? h->tool_version : "?", date,
		(double)kvmw_recf_duration_ns(r) / 1e9);
	fprintf(out, "# events: %s; selected: %s\n", fam[0] ? fam : "none",
		filt);
	if (h->command_pid)
		fprintf(out, "# command: %s (pid %d)\n", h->command,
			h->command_pid);
	fprintf(out, "# records: %llu in %llu chunks\n",
		(unsigned long long)r->nr_events,
		(unsigned long long)r->nr_chunks);
	if (!r->has_trailer) {
		fprintf(out, "# lost: unknown (%s)\n", r->warning);
		return;
	}
	kvmw_recf_loss(r, &sum);
	fprintf(out, "# lost: %llu of %llu records produced\n",
		(unsigned long long)sum.missed,
		(unsigned long long)sum.produced);
	fprintf(out, "# %8s %12s %12s %12s %12s\n", "CPU", "produced",
		"received", "missed", "lost");
	for (i = 0; i < r->nr_cpus; i++) {
		char cpu[16];

		if (!r->cpus[i].produced && !r->cpus[i].missed)
			continue;
		if (++shown > CPU_LINES)
			continue;
		snprintf(cpu, sizeof(cpu), "%u", r->cpus[i].cpu);
		print_cpu_line(out, cpu, &r->cpus[i]);
	}
	if (shown > CPU_LINES)
		fprintf(out, "# %8s (%zu more CPUs)\n", "",
			shown - CPU_LINES);
	print_cpu_line(out, "all", &sum);
}

static void json_cpu(struct kvmw_json *j, const struct kvmw_recf_cpu *c)
{
	kvmw_json_key(j, "produced");
	kvmw_json_u64(j, c->produced);
	kvmw_json_key(j, "received");
	kvmw_json_u64(j, c->received);
	kvmw_json_key(j, "missed");
	kvmw_json_u64(j, c->missed);
	kvmw_json_key(j, "lost");
	kvmw_json_u64(j, c->lost);
	kvmw_json_key(j, "torn");
	kvmw_json_u64(j, c->torn);
}

static void json_str_or_null(struct kvmw_json *j, const char *s)
{
	if (s && *s)
		kvmw_json_string(j, s);
	else
		kvmw_json_null(j);
}

/* The "recording" object: header and loss, null loss without a trailer. */
static void json_recording(struct kvmw_json *j, const struct loaded *l)
{
	const struct kvmw_recf *r = &l->rf;
	const struct kvmw_recf_header *h = &r->hdr;
	char buf[128];
	struct kvmw_recf_cpu sum;
	size_t i;

	kvmw_json_object_begin(j);
	kvmw_json_key(j, "file");
	kvmw_json_string(j, l->path);
	kvmw_json_key(j, "host");
	json_str_or_null(j, h->hostname);
	kvmw_json_key(j, "vendor");
	json_str_or_null(j, h->vendor);
	kvmw_json_key(j, "release");
	json_str_or_null(j, h->release);
	snprintf(buf, sizeof(buf), "%u.%u.%u", h->mod_major, h->mod_minor,
		 h->mod_patch);
	kvmw_json_key(j, "module");
	kvmw_json_string(j, buf);
	kvmw_json_key(j, "tool_version");
	json_str_or_null(j, h->tool_version);
	kvmw_json_key(j, "start_ns");
	kvmw_json_u64(j, h->start_mono_ns);
	kvmw_json_key(j, "start_realtime_ns");
	kvmw_json_u64(j, h->start_real_ns);
	kvmw_json_key(j, "end_ns");
	kvmw_json_u64(j, end_ns(r));
	kvmw_json_key(j, "duration_ns");
	kvmw_json_u64(j, kvmw_recf_duration_ns(r));
	kvmw_families_text(buf, sizeof(buf), h->families);
	kvmw_json_key(j, "families");
	kvmw_json_string(j, buf);
	filter_text(buf, sizeof(buf), r);
	kvmw_json_key(j, "selected");
	kvmw_json_string(j, buf);
	kvmw_json_key(j, "command");
	json_str_or_null(j, h->command_pid ? h->command : NULL);
	kvmw_json_key(j, "command_pid");
	kvmw_json_i64(j, h->command_pid);
	kvmw_json_key(j, "records");
	kvmw_json_u64(j, r->nr_events);
	kvmw_json_key(j, "complete");
	kvmw_json_bool(j, r->has_trailer);
	kvmw_json_key(j, "warning");
	json_str_or_null(j, r->warning);
	kvmw_json_key(j, "lost");
	if (r->has_trailer) {
		kvmw_recf_loss(r, &sum);
		kvmw_json_object_begin(j);
		json_cpu(j, &sum);
		kvmw_json_object_end(j);
	} else {
		kvmw_json_null(j);
	}
	kvmw_json_key(j, "cpus");
	if (r->has_trailer) {
		kvmw_json_array_begin(j);
		for (i = 0; i < r->nr_cpus; i++) {
			kvmw_json_object_begin(j);
			kvmw_json_key(j, "cpu");
			kvmw_json_u64(j, r->cpus[i].cpu);
			json_cpu(j, &r->cpus[i]);
			kvmw_json_object_end(j);
		}
		kvmw_json_array_end(j);
	} else {
		kvmw_json_null(j);
	}
	kvmw_json_object_end(j);
}

/* ---- the stat report ---- */

static void set_target(char *buf, size_t len, const struct report_args *a,
		       const struct kvmw_recf *r)
{
	const struct kvmw_filter *f = &r->hdr.filter;
	int pid = a->sel.pid;
	const char *vm = a->sel.vm;
	size_t n = 0;

	/* What the report selects, else what the recording did. */
	if (!pid && !vm) {
		if (r->hdr.command_pid)
			pid = r->hdr.command_pid;
		else if (f->flags & KVMW_FILTER_PID)
			pid = f->pid;
		if (f->flags & KVMW_FILTER_VM)
			vm = f->vm;
	}
	buf[0] = '\0';
	if (pid > 0)
		n += snprintf(buf, len, "pid(s) %d", pid);
	if (vm)
		snprintf(buf + n, len - n, "%sVM %s", n ? ", " : "", vm);
	if (!buf[0])
		snprintf(buf, len, "all VMs");
}

/*
 * kvmw_report_json()'s document with the "recording" object added as its
 * last key, so that the rest stays byte for byte what "stat" prints.
 */
static int print_json(const struct kvmw_snap *s, const struct report_args *a,
		      const struct kvmw_json_meta *m, const struct loaded *l)
{
	char *doc = NULL, *rec = NULL;
	size_t doc_len = 0, rec_len = 0;
	FILE *f = open_memstream(&doc, &doc_len);
	struct kvmw_json j;
	int ret = -1;

	if (!f)
		return -1;
	if (kvmw_report_json(f, s, &a->ro, m)) {
		fclose(f);
		goto out;
	}
	fclose(f);
	f = open_memstream(&rec, &rec_len);
	if (!f)
		goto out;
	kvmw_json_init(&j, f);
	json_recording(&j, l);
	if (kvmw_json_finish(&j)) {
		fclose(f);
		goto out;
	}
	fclose(f);
	/* "{...}\n" and "{...}\n": drop the first's "}\n", the second's "\n". */
	if (doc_len < 2 || doc[doc_len - 2] != '}' || rec_len < 1)
		goto out;
	fwrite(doc, 1, doc_len - 2, stdout);
	fputs(",\"recording\":", stdout);
	fwrite(rec, 1, rec_len - 1, stdout);
	fputs("}\n", stdout);
	ret = 0;
out:
	free(doc);
	free(rec);
	return ret;
}

/* Names the recording knows and this tool does not, under the table. */
static void print_unknown_names(FILE *out, const struct kvmw_agg *agg,
				const struct kvmw_recf *r)
{
	char mine[64], theirs[64];
	size_t i;

	for (i = 0; i < agg->nr; i++) {
		const struct kvmw_agg_row *row = &agg->rows[i];

		if (row->kind != KVMW_STAT_EXIT || kvmw_agg_is_child(row))
			continue;
		kvmw_row_label(mine, sizeof(mine), row);
		kvmw_evagg_label(theirs, sizeof(theirs), row, r);
		if (strcmp(mine, theirs))
			fprintf(out, "%s is %s in the recording's table\n",
				mine, theirs);
	}
}

static int report_stat(const struct report_args *a)
{
	struct report_args ra = *a;
	struct kvmw_json_meta m = { .interval = -1 };
	const char **names = NULL;
	struct kvmw_snap s;
	struct kvmw_agg agg;
	struct loaded l;
	char target[96];
	int ret = KVMW_EXIT_ERROR;

	if (load(&l, a->files[0]))
		return KVMW_EXIT_ERROR;
	if (kvmw_evagg_snap(&l.agg, &a->sel, end_ns(&l.rf), &s, &names)) {
		kvmw_err("out of memory");
		goto out;
	}
	set_target(target, sizeof(target), a, &l.rf);
	ra.ro.target = target;
	if (a->json) {
		m.start_ns = l.rf.hdr.start_mono_ns;
		m.vm_names = names;
		if (print_json(&s, &ra, &m, &l)) {
			kvmw_err("out of memory");
			goto out_snap;
		}
		ret = KVMW_EXIT_OK;
		goto out_snap;
	}
	if (kvmw_agg_build(&s, a->ro.event, &agg)) {
		kvmw_err("out of memory");
		goto out_snap;
	}
	kvmw_agg_sort(&agg, a->ro.sort);
	print_header(stdout, &l);
	kvmw_report_table(stdout, &agg, &ra.ro);
	print_unknown_names(stdout, &agg, &l.rf);
	if (a->hist)
		kvmw_report_hist(stdout, &agg, &ra.ro);
	if (a->rips)
		kvmw_report_rips(stdout, &s, &agg, &ra.ro);
	kvmw_agg_free(&agg);
	ret = KVMW_EXIT_OK;
out_snap:
	free(names);
	kvmw_snap_free(&s);
out:
	unload(&l);
	return ret;
}

/* ---- --diff ---- */

static void print_num(FILE *out, int width, double v, bool sign)
{
	if (isnan(v))
		fprintf(out, " %*s", width, "-");
	else
		fprintf(out, sign ? " %+*.2f" : " %*.2f", width, v);
}

static void print_diff_row(FILE *out, const char *label, u64 ca, u64 cb,
			   long long delta, double ra, double rb, double dr,
			   double ratio)
{
	fprintf(out, "%*s %10llu %10llu %+10lld", KVMW_STAT_NAME_WIDTH, label,
		(unsigned long long)ca, (unsigned long long)cb, delta);
	print_num(out, 12, ra, false);
	print_num(out, 12, rb, false);
	print_num(out, 12, dr, true);
	print_num(out, 8, ratio, false);
	fputc('\n', out);
}

static void print_side(FILE *out, const char *name, const struct loaded *l)
{
	const struct kvmw_recf *r = &l->rf;
	struct kvmw_recf_cpu sum;

	kvmw_recf_loss(r, &sum);
	fprintf(out, "# %s: %s, %.3f s, %llu records, ", name, l->path,
		(double)kvmw_recf_duration_ns(r) / 1e9,
		(unsigned long long)r->nr_events);
	if (r->has_trailer)
		fprintf(out, "%llu lost\n", (unsigned long long)sum.missed);
	else
		fprintf(out, "lost unknown (no trailer)\n");
}

static void diff_text(FILE *out, const struct kvmw_diff *d,
		      const struct loaded *la, const struct loaded *lb,
		      enum kvmw_event e)
{
	char label[128];
	size_t i;

	print_side(out, "A", la);
	print_side(out, "B", lb);
	fprintf(out, "\n%*s %10s %10s %10s %12s %12s %12s %8s\n\n",
		KVMW_STAT_NAME_WIDTH, kvmw_event_title(e), "Count A",
		"Count B", "Delta", "Rate A/s", "Rate B/s", "Delta/s",
		"Ratio");
	for (i = 0; i < d->nr; i++) {
		const struct kvmw_diff_row *r = &d->rows[i];
		struct kvmw_agg_row id = {
			.isa = r->isa, .kind = r->kind, .sub = r->sub,
			.code = r->code, .key = r->key,
		};

		/* The name from either recording's table, if this tool has none. */
		kvmw_evagg_label(label, sizeof(label), &id, r->count_a ?
				 &la->rf : &lb->rf);
		print_diff_row(out, label, r->count_a, r->count_b, r->delta,
			       r->rate_a, r->rate_b, r->delta_rate, r->ratio);
	}
	print_diff_row(out, "Total", d->total_a, d->total_b,
		       d->total_b >= d->total_a ?
		       (long long)(d->total_b - d->total_a) :
		       -(long long)(d->total_a - d->total_b),
		       d->rate_a, d->rate_b, d->rate_b - d->rate_a,
		       d->rate_a > 0 ? d->rate_b / d->rate_a : NAN);
	fputc('\n', out);
}

static void json_diff_side(struct kvmw_json *j, const char *key,
			   const struct loaded *l, u64 total, double rate)
{
	kvmw_json_key(j, key);
	kvmw_json_object_begin(j);
	kvmw_json_key(j, "total");
	kvmw_json_u64(j, total);
	kvmw_json_key(j, "rate");
	kvmw_json_double(j, rate, 2);
	kvmw_json_key(j, "recording");
	json_recording(j, l);
	kvmw_json_object_end(j);
}

static int diff_json(FILE *out, const struct kvmw_diff *d,
		     const struct loaded *la, const struct loaded *lb,
		     enum kvmw_event e)
{
	static const char *const key_field[] = {
		[KVMW_STAT_IOPORT] = "port",
		[KVMW_STAT_MMIO] = "address",
		[KVMW_STAT_MSR] = "index",
	};
	struct kvmw_json j;
	char label[128];
	size_t i;

	kvmw_json_init(&j, out);
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "event");
	kvmw_json_string(&j, kvmw_event_name(e));
	json_diff_side(&j, "a", la, d->total_a, d->rate_a);
	json_diff_side(&j, "b", lb, d->total_b, d->rate_b);
	kvmw_json_key(&j, "rows");
	kvmw_json_array_begin(&j);
	for (i = 0; i < d->nr; i++) {
		const struct kvmw_diff_row *r = &d->rows[i];
		struct kvmw_agg_row id = {
			.isa = r->isa, .kind = r->kind, .sub = r->sub,
			.code = r->code, .key = r->key,
		};

		kvmw_evagg_label(label, sizeof(label), &id, r->count_a ?
				 &la->rf : &lb->rf);
		kvmw_json_object_begin(&j);
		if (r->kind == KVMW_STAT_EXIT) {
			kvmw_json_key(&j, "reason");
			kvmw_json_string(&j, label);
			kvmw_json_key(&j, "code");
			kvmw_json_u64(&j, r->code);
			kvmw_json_key(&j, "isa");
			json_str_or_null(&j, kvmw_isa_name(r->isa));
			kvmw_json_key(&j, "dir");
		} else {
			kvmw_json_key(&j, "key");
			kvmw_json_string(&j, label);
			kvmw_json_key(&j, key_field[r->kind]);
			kvmw_json_u64(&j, r->key);
			kvmw_json_key(&j, "dir");
		}
		json_str_or_null(&j, r->sub == KVMW_SUB_READ ? "read" :
				 r->sub == KVMW_SUB_WRITE ? "write" : NULL);
		kvmw_json_key(&j, "count_a");
		kvmw_json_u64(&j, r->count_a);
		kvmw_json_key(&j, "count_b");
		kvmw_json_u64(&j, r->count_b);
		kvmw_json_key(&j, "delta");
		kvmw_json_i64(&j, r->delta);
		kvmw_json_key(&j, "rate_a");
		kvmw_json_double(&j, r->rate_a, 2);
		kvmw_json_key(&j, "rate_b");
		kvmw_json_double(&j, r->rate_b, 2);
		kvmw_json_key(&j, "delta_rate");
		kvmw_json_double(&j, r->delta_rate, 2);
		kvmw_json_key(&j, "ratio");
		kvmw_json_double(&j, r->ratio, 4);
		kvmw_json_object_end(&j);
	}
	kvmw_json_array_end(&j);
	kvmw_json_object_end(&j);
	return kvmw_json_finish(&j);
}

static int report_diff(const struct report_args *a)
{
	struct kvmw_agg agg_a, agg_b;
	struct kvmw_snap sa, sb;
	struct kvmw_diff d;
	struct loaded la, lb;
	int ret = KVMW_EXIT_ERROR;

	if (load(&la, a->files[0]))
		return KVMW_EXIT_ERROR;
	if (load(&lb, a->files[1])) {
		unload(&la);
		return KVMW_EXIT_ERROR;
	}
	if (kvmw_evagg_snap(&la.agg, &a->sel, end_ns(&la.rf), &sa, NULL))
		goto nomem;
	if (kvmw_evagg_snap(&lb.agg, &a->sel, end_ns(&lb.rf), &sb, NULL)) {
		kvmw_snap_free(&sa);
		goto nomem;
	}
	if (kvmw_agg_build(&sa, a->ro.event, &agg_a))
		goto nomem_snaps;
	if (kvmw_agg_build(&sb, a->ro.event, &agg_b)) {
		kvmw_agg_free(&agg_a);
		goto nomem_snaps;
	}
	if (!kvmw_diff_build(&agg_a, kvmw_recf_duration_ns(&la.rf), &agg_b,
			     kvmw_recf_duration_ns(&lb.rf), &d)) {
		ret = KVMW_EXIT_OK;
		if (!a->json)
			diff_text(stdout, &d, &la, &lb, a->ro.event);
		else if (diff_json(stdout, &d, &la, &lb, a->ro.event))
			ret = KVMW_EXIT_ERROR;
		kvmw_diff_free(&d);
	} else {
		kvmw_err("out of memory");
	}
	kvmw_agg_free(&agg_a);
	kvmw_agg_free(&agg_b);
	kvmw_snap_free(&sa);
	kvmw_snap_free(&sb);
	goto out;
nomem_snaps:
	kvmw_snap_free(&sa);
	kvmw_snap_free(&sb);
nomem:
	kvmw_err("out of memory");
out:
	unload(&la);
	unload(&lb);
	return ret;
}

/* ---- --dirty ---- */

static double per_sec(u64 n, u64 ns)
{
	return ns ? (double)n * 1e9 / (double)ns : NAN;
}

static void dirty_text(FILE *out, const struct kvmw_dirty *d,
		       const struct loaded *l, unsigned int top)
{
	u64 dur = kvmw_recf_duration_ns(&l->rf);
	size_t i, n = top && top < d->nr_pages ? top : d->nr_pages;

	print_header(out, l);
	if (!(l->rf.hdr.families & KVMW_ENABLE_DIRTY))
		fprintf(out, "# (recorded without the dirty family: -e dirty)\n");
	fprintf(out, "\nDirty pages: %llu marks of %zu pages in %.3f s; top %zu:\n\n",
		(unsigned long long)d->marks, d->nr_pages, (double)dur / 1e9,
		n);
	/* kvm_watcher's columns and widths */
	fprintf(out, "%-10s %-10s %-10s %-10s %s\n", "PID", "GFN",
		"REL_GFN", "SLOT_ID", "COUNTS");
	for (i = 0; i < n; i++) {
		const struct kvmw_dirty_page *p = &d->pages[i];

		fprintf(out, "%-10d %-10llx %-10llx %-10u %llu\n", p->pid,
			(unsigned long long)p->gfn,
			(unsigned long long)p->rel_gfn, p->slot,
			(unsigned long long)p->count);
	}
	fprintf(out, "\n%-16s %-10s %12s %12s %12s %12s  %s\n", "VM", "PID",
		"DIRTY", "PAGES", "DIRTY/s", "PAGES/s", "NAME");
	for (i = 0; i < d->nr_vms; i++) {
		const struct kvmw_dirty_vm *v = &d->vms[i];
		char id[32];

		snprintf(id, sizeof(id), "%s", v->id ? v->id : "?");
		fprintf(out, "%-16s %-10d %12llu %12llu", id, v->pid,
			(unsigned long long)v->marks,
			(unsigned long long)v->pages);
		print_num(out, 12, per_sec(v->marks, dur), false);
		print_num(out, 12, per_sec(v->pages, dur), false);
		fprintf(out, "  %s\n", v->name ? v->name : "-");
	}
}

static int dirty_json(FILE *out, const struct kvmw_dirty *d,
		      const struct loaded *l, unsigned int top)
{
	u64 dur = kvmw_recf_duration_ns(&l->rf);
	size_t i, n = top && top < d->nr_pages ? top : d->nr_pages;
	struct kvmw_json j;

	kvmw_json_init(&j, out);
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "recording");
	json_recording(&j, l);
	kvmw_json_key(&j, "marks");
	kvmw_json_u64(&j, d->marks);
	kvmw_json_key(&j, "pages");
	kvmw_json_u64(&j, d->nr_pages);
	kvmw_json_key(&j, "vms");
	kvmw_json_array_begin(&j);
	for (i = 0; i < d->nr_vms; i++) {
		const struct kvmw_dirty_vm *v = &d->vms[i];

		kvmw_json_object_begin(&j);
		kvmw_json_key(&j, "vm");
		json_str_or_null(&j, v->id);
		kvmw_json_key(&j, "pid");
		kvmw_json_i64(&j, v->pid);
		kvmw_json_key(&j, "name");
		json_str_or_null(&j, v->name);
		kvmw_json_key(&j, "serial");
		kvmw_json_u64(&j, v->serial);
		kvmw_json_key(&j, "marks");
		kvmw_json_u64(&j, v->marks);
		kvmw_json_key(&j, "pages");
		kvmw_json_u64(&j, v->pages);
		kvmw_json_key(&j, "marks_per_sec");
		kvmw_json_double(&j, per_sec(v->marks, dur), 2);
		kvmw_json_key(&j, "pages_per_sec");
		kvmw_json_double(&j, per_sec(v->pages, dur), 2);
		kvmw_json_object_end(&j);
	}
	kvmw_json_array_end(&j);
	kvmw_json_key(&j, "top");
	kvmw_json_array_begin(&j);
	for (i = 0; i < n; i++) {
		const struct kvmw_dirty_page *p = &d->pages[i];

		kvmw_json_object_begin(&j);
		kvmw_json_key(&j, "pid");
		kvmw_json_i64(&j, p->pid);
		kvmw_json_key(&j, "serial");
		kvmw_json_u64(&j, p->vm);
		kvmw_json_key(&j, "gfn");
		kvmw_json_u64(&j, p->gfn);
		kvmw_json_key(&j, "rel_gfn");
		kvmw_json_u64(&j, p->rel_gfn);
		kvmw_json_key(&j, "slot");
		kvmw_json_u64(&j, p->slot);
		kvmw_json_key(&j, "npages");
		kvmw_json_u64(&j, p->npages);
		kvmw_json_key(&j, "count");
		kvmw_json_u64(&j, p->count);
		kvmw_json_object_end(&j);
	}
	kvmw_json_array_end(&j);
	kvmw_json_object_end(&j);
	return kvmw_json_finish(&j);
}

static int report_dirty(const struct report_args *a)
{
	struct kvmw_dirty d;
	struct loaded l;
	int ret = KVMW_EXIT_OK;

	if (load(&l, a->files[0]))
		return KVMW_EXIT_ERROR;
	if (kvmw_evagg_dirty(&l.agg, &a->sel, &d)) {
		kvmw_err("out of memory");
		unload(&l);
		return KVMW_EXIT_ERROR;
	}
	if (a->json) {
		if (dirty_json(stdout, &d, &l, a->top))
			ret = KVMW_EXIT_ERROR;
	} else {
		dirty_text(stdout, &d, &l, a->top);
	}
	kvmw_dirty_free(&d);
	unload(&l);
	return ret;
}

/* ---- --sched ---- */

static double pct(u64 part, u64 whole)
{
	return whole ? 100.0 * (double)part / (double)whole : NAN;
}

static double ms(u64 ns)
{
	return (double)ns / 1e6;
}

/*
 * "2:91%,0:9%": each pCPU's share of the vCPU's time on a CPU ("<1%" for
 * one it ran on only briefly), the first SCHED_PCPUS, then "+N".
 */
static void pcpus_text(char *buf, size_t len, const struct kvmw_sched_vcpu *v)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < v->nr_pcpus && n < len; i++) {
		const struct kvmw_sched_pcpu *p = &v->pcpus[i];
		double share = pct(p->running_ns, v->running_ns);

		if (i == SCHED_PCPUS) {
			snprintf(buf + n, len - n, ",+%zu", v->nr_pcpus - i);
			return;
		}
		n += snprintf(buf + n, len - n, "%s%u", i ? "," : "", p->cpu);
		if (n >= len || !v->running_ns)
			continue;
		if (p->running_ns && share < 0.5)
			n += snprintf(buf + n, len - n, ":<1%%");
		else
			n += snprintf(buf + n, len - n, ":%.0f%%", share);
	}
}

static const char *vm_label(const struct kvmw_sched_vcpu *v, char *buf,
			    size_t len)
{
	if (v->id)
		return v->id;
	snprintf(buf, len, "%d-?", (int)v->pid);
	return buf;
}

/* What the table cannot show: records missing or inconsistent. */
static void sched_notes(FILE *out, const struct kvmw_sched_vcpu *v)
{
	char id[32];
	const char *vm = vm_label(v, id, sizeof(id));

	if (v->gaps)
		fprintf(out, "# VM %s vCPU %u: gaps: %llu (a LOAD after a LOAD or a PUT after a PUT: records lost; the time between is unknown)\n",
			vm, v->vcpu_id, (unsigned long long)v->gaps);
	if (v->mismatches)
		fprintf(out, "# VM %s vCPU %u: mismatches: %llu (records whose time, CPU or kind disagrees with the record before them)\n",
			vm, v->vcpu_id, (unsigned long long)v->mismatches);
	if (v->off_ns[KVMW_SCHED_OTHER])
		fprintf(out, "# VM %s vCPU %u: %.4f ms off the CPU for a reason this tool does not know\n",
			vm, v->vcpu_id, ms(v->off_ns[KVMW_SCHED_OTHER]));
}

static void sched_text(FILE *out, const struct kvmw_sched *s,
		       const struct loaded *l)
{
	u64 window = s->end_ns - s->start_ns;
	char buf[160], id[32];
	size_t i;

	print_header(out, l);
	fprintf(out, "\nvCPU scheduling: %llu LOAD/PUT records, %zu vCPUs, %.3f s; times in ms\n",
		(unsigned long long)s->records, s->nr, (double)window / 1e9);
	fputs("total_time, max_time, min_time, counts: its stays on a CPU (one per PUT)\n"
	      "pcpuid: the physical CPU it ran on longest; pcpus: each, with its share\n"
	      "preempted_ms: runnable, not running; blocked_ms: asleep in KVM_RUN (halted);\n"
	      "user_ms: back in the VMM\n\n", out);
	/* kvm_watcher -o's columns and widths, then ours */
	fprintf(out, "%-12s %-12s %-12s %-12s %-12s %-12s %-12s %-12s %-12s %-12s %-12s %-12s %s\n",
		"pid", "tid", "total_time", "max_time", "min_time", "counts",
		"vcpuid", "pcpuid", "preempted_ms", "blocked_ms", "user_ms",
		"migrations", "pcpus");
	for (i = 0; i < 13; i++)
		fprintf(out, "%s------------", i ? " " : "");
	fputc('\n', out);
	for (i = 0; i < s->nr; i++) {
		const struct kvmw_sched_vcpu *v = &s->vcpus[i];

		pcpus_text(buf, sizeof(buf), v);
		fprintf(out, "%-12d %-12d %-12.4f %-12.4f %-12.4f %-12llu %-12u %-12u %-12.4f %-12.4f %-12.4f %-12llu %s\n",
			(int)v->pid, (int)v->tid, ms(v->run_total_ns),
			ms(v->run_max_ns), ms(v->run_min_ns),
			(unsigned long long)v->run_count, v->vcpu_id,
			v->pcpu_most, ms(v->off_ns[KVMW_PUT_PREEMPTED]),
			ms(v->off_ns[KVMW_PUT_BLOCKED]),
			ms(v->off_ns[KVMW_PUT_USER]),
			(unsigned long long)v->migrations, buf);
	}
	fputs("\nShare of the window, %; unknown: no record covers it (before the vCPU's\n"
	      "first load, after its VM is gone, records lost)\n\n", out);
	fprintf(out, "%-16s %-8s %10s %10s %10s %10s %10s %12s\n", "VM",
		"vcpuid", "running", "preempted", "blocked", "user", "unknown",
		"mean_ms");
	for (i = 0; i < s->nr; i++) {
		const struct kvmw_sched_vcpu *v = &s->vcpus[i];

		fprintf(out, "%-16s %-8u", vm_label(v, id, sizeof(id)),
			v->vcpu_id);
		print_num(out, 10, pct(v->running_ns, window), false);
		print_num(out, 10, pct(v->off_ns[KVMW_PUT_PREEMPTED], window),
			  false);
		print_num(out, 10, pct(v->off_ns[KVMW_PUT_BLOCKED], window),
			  false);
		print_num(out, 10, pct(v->off_ns[KVMW_PUT_USER], window),
			  false);
		print_num(out, 10, pct(v->unknown_ns, window), false);
		if (v->run_count)
			fprintf(out, " %12.4f\n",
				ms(v->run_total_ns) / (double)v->run_count);
		else
			fprintf(out, " %12s\n", "-");
	}
	for (i = 0; i < s->nr; i++)
		sched_notes(out, &s->vcpus[i]);
	if (s->outside)
		fprintf(out, "# %llu LOAD/PUT records outside the recording's window (left out)\n",
			(unsigned long long)s->outside);
}

/* {"preempted":..,"blocked":..,"user":..,"other":..} of a per-how array. */
static void json_hows(struct kvmw_json *j, const char *key, const u64 *by,
		      const char *suffix)
{
	static const char *const names[KVMW_SCHED_HOWS] = {
		[KVMW_SCHED_OTHER] = "other",
		[KVMW_PUT_PREEMPTED] = "preempted",
		[KVMW_PUT_BLOCKED] = "blocked",
		[KVMW_PUT_USER] = "user",
	};
	static const unsigned int order[] = {
		KVMW_PUT_PREEMPTED, KVMW_PUT_BLOCKED, KVMW_PUT_USER,
		KVMW_SCHED_OTHER,
	};
	char name[32];
	size_t i;

	kvmw_json_key(j, key);
	kvmw_json_object_begin(j);
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		snprintf(name, sizeof(name), "%s%s", names[order[i]], suffix);
		kvmw_json_key(j, name);
		kvmw_json_u64(j, by[order[i]]);
	}
	kvmw_json_object_end(j);
}

static void json_u64_key(struct kvmw_json *j, const char *key, u64 v)
{
	kvmw_json_key(j, key);
	kvmw_json_u64(j, v);
}

static void json_pct_key(struct kvmw_json *j, const char *key, u64 part,
			 u64 whole)
{
	kvmw_json_key(j, key);
	kvmw_json_double(j, pct(part, whole), 2);
}

static void json_sched_run(struct kvmw_json *j,
			   const struct kvmw_sched_vcpu *v)
{
	kvmw_json_key(j, "run");
	kvmw_json_object_begin(j);
	json_u64_key(j, "count", v->run_count);
	json_u64_key(j, "total_ns", v->run_total_ns);
	json_u64_key(j, "min_ns", v->run_min_ns);
	json_u64_key(j, "max_ns", v->run_max_ns);
	kvmw_json_key(j, "mean_ns");
	if (v->run_count)
		kvmw_json_u64(j, v->run_total_ns / v->run_count);
	else
		kvmw_json_null(j);
	json_u64_key(j, "cut", v->run_cut);
	json_u64_key(j, "open_ns", v->open_ns);
	kvmw_json_object_end(j);
}

static void json_sched_pct(struct kvmw_json *j,
			   const struct kvmw_sched_vcpu *v, u64 window)
{
	kvmw_json_key(j, "pct");
	kvmw_json_object_begin(j);
	json_pct_key(j, "running", v->running_ns, window);
	json_pct_key(j, "preempted", v->off_ns[KVMW_PUT_PREEMPTED], window);
	json_pct_key(j, "blocked", v->off_ns[KVMW_PUT_BLOCKED], window);
	json_pct_key(j, "user", v->off_ns[KVMW_PUT_USER], window);
	json_pct_key(j, "other", v->off_ns[KVMW_SCHED_OTHER], window);
	json_pct_key(j, "unknown", v->unknown_ns, window);
	kvmw_json_object_end(j);
}

static void json_sched_lists(struct kvmw_json *j,
			     const struct kvmw_sched_vcpu *v)
{
	size_t i;

	kvmw_json_key(j, "pcpus");
	kvmw_json_array_begin(j);
	for (i = 0; i < v->nr_pcpus; i++) {
		kvmw_json_object_begin(j);
		json_u64_key(j, "cpu", v->pcpus[i].cpu);
		json_u64_key(j, "loads", v->pcpus[i].loads);
		json_u64_key(j, "running_ns", v->pcpus[i].running_ns);
		json_pct_key(j, "share", v->pcpus[i].running_ns,
			     v->running_ns);
		kvmw_json_object_end(j);
	}
	kvmw_json_array_end(j);
	kvmw_json_key(j, "threads");
	kvmw_json_array_begin(j);
	for (i = 0; i < v->nr_threads; i++) {
		kvmw_json_object_begin(j);
		kvmw_json_key(j, "tid");
		kvmw_json_i64(j, v->threads[i].tid);
		json_u64_key(j, "loads", v->threads[i].loads);
		json_u64_key(j, "puts", v->threads[i].puts);
		json_u64_key(j, "running_ns", v->threads[i].running_ns);
		kvmw_json_object_end(j);
	}
	kvmw_json_array_end(j);
}

static void json_sched_vcpu(struct kvmw_json *j,
			    const struct kvmw_sched_vcpu *v, u64 window)
{
	kvmw_json_object_begin(j);
	kvmw_json_key(j, "vm");
	json_str_or_null(j, v->id);
	kvmw_json_key(j, "pid");
	kvmw_json_i64(j, v->pid);
	kvmw_json_key(j, "name");
	json_str_or_null(j, v->name);
	json_u64_key(j, "serial", v->vm);
	json_u64_key(j, "vcpu", v->vcpu_id);
	kvmw_json_key(j, "tid");
	kvmw_json_i64(j, v->tid);
	json_u64_key(j, "loads", v->loads);
	json_u64_key(j, "puts", v->puts);
	json_hows(j, "puts_how", v->puts_how, "");
	json_sched_run(j, v);
	json_u64_key(j, "running_ns", v->running_ns);
	json_hows(j, "off", v->off_ns, "_ns");
	json_u64_key(j, "unknown_ns", v->unknown_ns);
	json_sched_pct(j, v, window);
	json_u64_key(j, "migrations", v->migrations);
	json_u64_key(j, "first_loads", v->first_loads);
	json_u64_key(j, "gaps", v->gaps);
	json_u64_key(j, "mismatches", v->mismatches);
	json_u64_key(j, "first_ns", v->first_ns);
	json_u64_key(j, "last_ns", v->last_ns);
	json_u64_key(j, "pcpu_last", v->pcpu_last);
	json_u64_key(j, "pcpu_most", v->pcpu_most);
	json_sched_lists(j, v);
	kvmw_json_object_end(j);
}

static int sched_json(FILE *out, const struct kvmw_sched *s,
		      const struct loaded *l)
{
	u64 window = s->end_ns - s->start_ns;
	struct kvmw_json j;
	size_t i;

	kvmw_json_init(&j, out);
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "recording");
	json_recording(&j, l);
	json_u64_key(&j, "start_ns", s->start_ns);
	json_u64_key(&j, "end_ns", s->end_ns);
	json_u64_key(&j, "window_ns", window);
	json_u64_key(&j, "records", s->records);
	json_u64_key(&j, "outside", s->outside);
	kvmw_json_key(&j, "vcpus");
	kvmw_json_array_begin(&j);
	for (i = 0; i < s->nr; i++)
		json_sched_vcpu(&j, &s->vcpus[i], window);
	kvmw_json_array_end(&j);
	kvmw_json_object_end(&j);
	return kvmw_json_finish(&j);
}

static int report_sched(const struct report_args *a)
{
	struct kvmw_sched s;
	struct loaded l;
	int ret = KVMW_EXIT_OK;

	if (load(&l, a->files[0]))
		return KVMW_EXIT_ERROR;
	if (!l.agg.nr_sched) {
		/* Recorded with the family, yet none: say so, not "use -e". */
		kvmw_err("%s: no vCPU scheduling records: %s", l.path,
			 l.rf.hdr.families & KVMW_ENABLE_SCHED ?
			 "no selected vCPU was loaded while recording" :
			 "record with -e sched");
		unload(&l);
		return KVMW_EXIT_ERROR;
	}
	if (kvmw_evagg_sched(&l.agg, &a->sel, l.rf.hdr.start_mono_ns,
			     end_ns(&l.rf), &s)) {
		kvmw_err("out of memory");
		unload(&l);
		return KVMW_EXIT_ERROR;
	}
	if (a->json) {
		if (sched_json(stdout, &s, &l))
			ret = KVMW_EXIT_ERROR;
	} else {
		sched_text(stdout, &s, &l);
	}
	kvmw_sched_free(&s);
	unload(&l);
	return ret;
}

int kvmw_cmd_report(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	struct report_args a;
	bool help;
	int ret;

	ret = parse_args(cmd, argc, argv, &a, &help);
	if (ret)
		return ret;
	if (help) {
		fputs(cmd->usage, stdout);
		return KVMW_EXIT_OK;
	}
	switch (a.mode) {
	case MODE_DIFF:
		return report_diff(&a);
	case MODE_DIRTY:
		return report_dirty(&a);
	case MODE_SCHED:
		return report_sched(&a);
	default:
		return report_stat(&a);
	}
}
