// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: any bytes as a recording. The reader must refuse or
 * accept them without a sanitizer report; whatever it accepts goes
 * through everything "kvmwatch report" does with a file: the events into
 * statistics, the snapshot tree, each event's table and JSON, the dirty
 * summary and a diff of the file with itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evagg.h"
#include "fmt.h"
#include "recfile.h"
#include "report.h"
#include "util.h"

static FILE *sink;

static void print_all(const struct kvmw_snap *s, const struct kvmw_snap *sel,
		      const char **names, const struct kvmw_recf *r)
{
	static const enum kvmw_event evs[] = {
		KVMW_EVENT_VMEXIT, KVMW_EVENT_IOPORT, KVMW_EVENT_MMIO,
		KVMW_EVENT_MSR,
	};
	struct kvmw_json_meta m = { .interval = -1, .vm_names = names };
	struct kvmw_report_opts o = {
		.sort = KVMW_SORT_MEAN, .name_width = KVMW_STAT_NAME_WIDTH,
		.target = "all VMs", .vcpu = -1, .top_rips = 10,
	};
	u64 dur = kvmw_recf_duration_ns(r);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(evs); i++) {
		struct kvmw_agg agg, part;
		struct kvmw_diff d;

		o.event = evs[i];
		if (kvmw_agg_build(s, o.event, &agg))
			continue;
		/* Against a selection of itself: rows only on one side. */
		if (!kvmw_agg_build(sel, o.event, &part)) {
			if (!kvmw_diff_build(&part, dur, &agg, 0, &d))
				kvmw_diff_free(&d);
			kvmw_agg_free(&part);
		}
		kvmw_agg_sort(&agg, o.sort);
		kvmw_report_table(sink, &agg, &o);
		kvmw_report_hist(sink, &agg, &o);
		kvmw_report_rips(sink, s, &agg, &o);
		kvmw_report_json(sink, s, &o, &m);
		if (!kvmw_diff_build(&agg, dur, &agg, dur / 2, &d)) {
			size_t k;
			char label[128];

			for (k = 0; k < d.nr; k++) {
				struct kvmw_agg_row id = {
					.isa = d.rows[k].isa,
					.kind = d.rows[k].kind,
					.sub = d.rows[k].sub,
					.code = d.rows[k].code,
					.key = d.rows[k].key,
				};

				kvmw_evagg_label(label, sizeof(label), &id, r);
				fputs(label, sink);
			}
			kvmw_diff_free(&d);
		}
		kvmw_agg_free(&agg);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvmw_evagg_sel sel = { .vm = "1-2", .vcpu = 0 };
	struct kvmw_recf r;
	struct kvmw_evagg a;
	struct kvmw_snap s, part;
	struct kvmw_dirty d;
	struct kvmw_recf_cpu loss;
	const char **names;
	char err[256];

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (kvmw_recf_parse(&r, data, size, err, sizeof(err))) {
		/* A refusal always says why. */
		if (!err[0])
			abort();
		return 0;
	}
	/* What the report's header prints. */
	kvmw_recf_loss(&r, &loss);
	kvmw_families_text(err, sizeof(err), r.hdr.families);
	if (kvmw_evagg_file(&a, &r))
		goto out;
	if (!kvmw_evagg_snap(&a, &sel, 0, &part, NULL)) {
		if (!kvmw_evagg_snap(&a, NULL, kvmw_recf_duration_ns(&r), &s,
				     &names)) {
			print_all(&s, &part, names, &r);
			free(names);
			kvmw_snap_free(&s);
		}
		kvmw_snap_free(&part);
	}
	if (!kvmw_evagg_dirty(&a, NULL, &d))
		kvmw_dirty_free(&d);
	if (!kvmw_evagg_dirty(&a, &sel, &d))
		kvmw_dirty_free(&d);
	kvmw_evagg_free(&a);
out:
	kvmw_recf_close(&r);
	return 0;
}
