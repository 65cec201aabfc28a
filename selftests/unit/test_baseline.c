// SPDX-License-Identifier: GPL-2.0
/* Baseline files: the exact text written, reading it back, diffs. */
#include <string.h>

#include "baseline.h"
#include "tap.h"
#include "tests.h"

static const struct kvmw_counters sample = {
	.size = sizeof(struct kvmw_counters),
	.attach_state = KVMW_ATTACH_FULL,
	.vms = 1, .vcpus = 2, .buffers = 5, .files = 3, .tracepoints = 9,
	.kprobes = 2, .kvm_loads = 1, .kvm_unloads = 0, .untracked = 0,
	.exits = 123456, .entries = 123455, .gone_vms = 2, .gone_vcpus = 3,
	.alloc_failures = 0, .stats_consumers = 1, .unbound = 4,
};

static const char sample_text[] =
	"# kvmwatch counters baseline\n"
	"# files excludes the saving kvmwatch's own open file\n"
	"attach_state full\n"
	"vms 1\n"
	"vcpus 2\n"
	"buffers 5\n"
	"files 2\n"
	"tracepoints 9\n"
	"kprobes 2\n"
	"kvm_loads 1\n"
	"kvm_unloads 0\n"
	"untracked 0\n"
	"exits 123456\n"
	"entries 123455\n"
	"gone_vms 2\n"
	"gone_vcpus 3\n"
	"alloc_failures 0\n"
	"stats_consumers 1\n"
	"unbound 4\n";

static int read_text(const char *text, struct kvmw_baseline *b, char *err,
		     size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	err[0] = '\0';
	ret = kvmw_baseline_read(f, b, err, len);
	fclose(f);
	return ret;
}

static void test_write_read(void)
{
	struct kvmw_counters odd = sample;
	struct kvmw_baseline_diff d[KVMW_COUNTER_NFIELDS];
	struct kvmw_baseline b;
	struct capture c;
	char err[128];

	tap_ok(kvmw_baseline_write(capture_begin(&c), &sample, 1) == 0,
	       "write succeeds");
	tap_eq_str(capture_end(&c), sample_text,
		   "written text, files without the writer's own");
	capture_free(&c);

	odd.attach_state = 7;
	kvmw_baseline_write(capture_begin(&c), &odd, 1);
	tap_contains(capture_end(&c), "\nattach_state 7\n",
		     "unknown attach state written as a number");
	capture_free(&c);

	tap_ok(read_text(sample_text, &b, err, sizeof(err)) == 0,
	       "written text reads back");
	tap_eq_u64(b.value[0], 1, "read: vms");
	tap_eq_u64(b.value[1], 2, "read: vcpus");
	tap_eq_u64(b.value[2], 5, "read: buffers");
	tap_eq_u64(b.value[3], 2, "read: files (others)");
	tap_eq_u64(b.value[8], 0, "read: untracked");
	tap_ok(b.have[13] && b.value[13] == 0, "read: alloc_failures");
	tap_ok(b.have[14] && b.value[14] == 1, "read: stats_consumers");
	tap_ok(!b.have[11] && !b.have[12] && !b.have[15],
	       "not compared: gone_vms, gone_vcpus, unbound not kept");
	tap_eq_u64(kvmw_baseline_diff(&b, &sample, 1, d, KVMW_COUNTER_NFIELDS),
		   0, "same counters: no difference");
}

static void test_diff(void)
{
	struct kvmw_baseline_diff d[KVMW_COUNTER_NFIELDS];
	struct kvmw_counters now = sample;
	struct kvmw_baseline b;
	char err[128];
	size_t n;

	read_text(sample_text, &b, err, sizeof(err));

	/* Not baseline: these change legitimately during a test. */
	now.exits += 1000;
	now.tracepoints = 0;
	now.kprobes = 0;
	now.kvm_loads = 2;
	now.kvm_unloads = 1;
	now.attach_state = KVMW_ATTACH_NONE;
	tap_eq_u64(kvmw_baseline_diff(&b, &now, 1, d, KVMW_COUNTER_NFIELDS),
		   0, "exits, probes, kvm loads and attach state are ignored");

	now.vms = 2;
	now.buffers = 4;
	now.files = 4;
	now.untracked = 1;
	n = kvmw_baseline_diff(&b, &now, 1, d, KVMW_COUNTER_NFIELDS);
	tap_eq_u64(n, 4, "four baseline counters differ");
	tap_eq_str(d[0].name, "vms", "diff 0 is vms");
	tap_ok(d[0].baseline == 1 && d[0].now == 2, "vms: 1 -> 2");
	tap_eq_str(d[1].name, "buffers", "diff 1 is buffers");
	tap_ok(d[1].baseline == 5 && d[1].now == 4, "buffers: 5 -> 4");
	tap_eq_str(d[2].name, "files", "diff 2 is files");
	tap_ok(d[2].baseline == 2 && d[2].now == 3,
	       "files: 2 -> 3, own file excluded");
	tap_eq_str(d[3].name, "untracked", "diff 3 is untracked");
	tap_ok(d[3].baseline == 0 && d[3].now == 1, "untracked: 0 -> 1");

	memset(d, 0, sizeof(d));
	n = kvmw_baseline_diff(&b, &now, 1, d, 1);
	tap_eq_u64(n, 4, "limited to 1 slot: still counts all 4");
	tap_ok(d[0].name && !d[1].name, "limited to 1 slot: fills only 1");

	now = sample;
	now.files = 2;
	tap_eq_u64(kvmw_baseline_diff(&b, &now, 0, d, KVMW_COUNTER_NFIELDS),
		   0, "own_files 0: files compared as reported");

	/* Destroyed VMs kept for readers are not leaks. */
	now = sample;
	now.gone_vms = 40;
	now.gone_vcpus = 80;
	now.unbound = 100;
	tap_eq_u64(kvmw_baseline_diff(&b, &now, 1, d, KVMW_COUNTER_NFIELDS),
		   0, "gone_*, unbound are ignored");

	/* A consumer left with statistics enabled keeps probes attached. */
	now = sample;
	now.stats_consumers = 2;
	tap_eq_u64(kvmw_baseline_diff(&b, &now, 1, d, KVMW_COUNTER_NFIELDS),
		   1, "stats_consumers above baseline: a difference");

	now = sample;
	now.alloc_failures = 1;
	n = kvmw_baseline_diff(&b, &now, 1, d, KVMW_COUNTER_NFIELDS);
	tap_eq_u64(n, 1, "alloc_failures grew: one difference");
	tap_ok(n == 1 && !strcmp(d[0].name, "alloc_failures") &&
	       d[0].baseline == 0 && d[0].now == 1, "alloc_failures: 0 -> 1");

	b.value[13] = 5;
	now.alloc_failures = 3;
	tap_eq_u64(kvmw_baseline_diff(&b, &now, 1, d, KVMW_COUNTER_NFIELDS),
		   0, "alloc_failures below its baseline (module reloaded): ok");

	/* An older module: fields past its size are neither there nor compared. */
	now = sample;
	now.size = KVMW_COUNTERS_SIZE_VER0;
	now.alloc_failures = 9;
	tap_eq_u64(kvmw_baseline_diff(&b, &now, 1, d, KVMW_COUNTER_NFIELDS),
		   0, "module without alloc_failures: not compared");
}

static void test_old_module(void)
{
	struct kvmw_counters old = sample;
	struct kvmw_baseline b;
	struct capture c;
	const char *text;
	char err[128];

	old.size = KVMW_COUNTERS_SIZE_VER0;
	kvmw_baseline_write(capture_begin(&c), &old, 1);
	text = capture_end(&c);
	tap_ok(text && !strstr(text, "gone_vms") &&
	       !strstr(text, "alloc_failures") && strstr(text, "entries"),
	       "older module: only the fields it filled are written");
	tap_ok(read_text(text, &b, err, sizeof(err)) == 0 && !b.have[13],
	       "a file without alloc_failures reads; it is not compared");
	capture_free(&c);
}

static void check_bad(const char *text, const char *want_err,
		      const char *what)
{
	struct kvmw_baseline b;
	char err[128];

	tap_ok(read_text(text, &b, err, sizeof(err)) == -1,
	       "rejected: %s", what);
	tap_eq_str(err, want_err, "message: %s", what);
}

static void test_read(void)
{
	struct kvmw_baseline b;
	char err[128];

	tap_ok(read_text("\n# c\nvms 1\r\nvcpus 2\n  buffers\t3\nfiles 4\n"
			 "untracked 5\nfuture_counter 7\nexits not-a-number\n",
			 &b, err, sizeof(err)) == 0,
	       "blank lines, comments, CRLF, tabs, unknown names accepted");
	tap_ok(b.value[0] == 1 && b.value[1] == 2 && b.value[2] == 3 &&
	       b.value[3] == 4 && b.value[8] == 5, "values read");
	tap_ok(read_text("vms 18446744073709551615\nvcpus 0\nbuffers 0\n"
			 "files 0\nuntracked 0", &b, err, sizeof(err)) == 0 &&
	       b.value[0] == 18446744073709551615ULL,
	       "UINT64_MAX, no final newline");

	check_bad("vms 1\nvcpus 2\nbuffers 3\nfiles 4\n", "no 'untracked' line",
		  "missing counter");
	check_bad("", "no 'vms' line", "empty file");
	check_bad("vms 1\nvcpus 2\nvms 1\n", "line 3: 'vms' given twice",
		  "duplicate");
	check_bad("vms -1\n", "line 1: '-1' is not a decimal count",
		  "negative");
	check_bad("vms 12x\n", "line 1: '12x' is not a decimal count",
		  "trailing junk");
	check_bad("vms 18446744073709551616\n",
		  "line 1: '18446744073709551616' is not a decimal count",
		  "overflow");
	check_bad("# ok\nvms\n", "line 2: expected \"name value\"",
		  "missing value");
	check_bad("vms 1 2\n", "line 1: expected \"name value\"",
		  "extra word");
}

static void test_long_line(void)
{
	char text[600];

	memset(text, 'x', sizeof(text) - 2);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	check_bad(text, "line 1: too long", "line longer than 255 bytes");
}

void test_baseline(void)
{
	test_write_read();
	test_diff();
	test_read();
	test_long_line();
	test_old_module();
}
