// SPDX-License-Identifier: GPL-2.0
/*
 * "kvmwatch stat" reports: aggregation over vCPUs and VMs (exact counts,
 * totals, min, max; the pooled variance from 128-bit sums of squares
 * equal to a two-pass computation over the same samples), perf's table
 * byte for byte (expected text written with perf's format strings on the
 * same numbers), sort keys, histograms, RIPs, JSON shape, anomalies.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "report.h"
#include "snapbuild.h"
#include "snapshot.h"
#include "tap.h"
#include "tests.h"

#define SVM	KVMW_ISA_SVM
#define HLT	0x78
#define IO	0x7b
#define MSR	0x7c
#define NPF	0x400
#define R	KVMW_SUB_READ
#define W	KVMW_SUB_WRITE

static const u64 a0_hlt[] = { 1000, 3000 };
static const u64 a0_msr[] = { 500, 700, 900 };
static const u64 a0_msr_r[] = { 500, 900 };
static const u64 a0_msr_w[] = { 700 };
static const u64 a0_io[] = { 2000 };
static const u64 a1_hlt[] = { 2000, 6000 };
static const u64 a1_other[] = { 100 };
static const u64 b0_hlt[] = { 4000 };
static const u64 b0_npf[] = { 10000, 20000 };
static const u64 p608[] = { 3000, 5000 };
static const u64 p70[] = { 1000 };
static const u64 p1234[] = { 500 };
static const u64 pother[] = { 100 };
static const u64 m6e0[] = { 800, 1200 };
static const u64 mhv[] = { 400 };
static const u64 mmio[] = { 2500 };

#define S(kind, sub, code, key, x) \
	sb_stat(b, kind, sub, code, key, x, ARRAY_SIZE(x), 1, 0)

/*
 * VM 100-11: vCPU 0 (hlt, msr with its read/write halves, io, and port,
 * MSR and MMIO rows), vCPU 1 (hlt, other); VM 200-12, gone: vCPU 0 (hlt,
 * npf).
 */
static void build(struct sb *b)
{
	sb_vm(b, 100, "100-11", 2, 0, 1);
	sb_vcpu(b, 0, 101, SVM, 12, 2);
	S(KVMW_STAT_EXIT, 0, HLT, 0, a0_hlt);
	S(KVMW_STAT_EXIT, 0, MSR, 0, a0_msr);
	S(KVMW_STAT_EXIT, R, MSR, 0, a0_msr_r);
	S(KVMW_STAT_EXIT, W, MSR, 0, a0_msr_w);
	S(KVMW_STAT_EXIT, 0, IO, 0, a0_io);
	sb_stat(b, KVMW_STAT_IOPORT, R, 0, 0x608, p608, 2, 0, 0);
	sb_stat(b, KVMW_STAT_IOPORT, W, 0, 0x70, p70, 1, 0, 0);
	sb_stat(b, KVMW_STAT_IOPORT, R, 0, 0x1234, p1234, 1, 0, 0);
	sb_stat(b, KVMW_STAT_IOPORT, R, 0, KVMW_KEY_OTHER, pother, 1, 0, 0);
	sb_stat(b, KVMW_STAT_MSR, W, 0, 0x6e0, m6e0, 2, 0, 0);
	sb_stat(b, KVMW_STAT_MSR, R, 0, 0x40000020, mhv, 1, 0, 0);
	sb_stat(b, KVMW_STAT_MMIO, W, 0, 0xfee00000, mmio, 1, 0, 0);
	sb_rip(b, HLT, 0xffffffff81000010ULL, 2);
	sb_rip(b, MSR, 0xffffffff81000020ULL, 3);
	sb_vcpu(b, 1, 102, SVM, 2, 2);
	S(KVMW_STAT_EXIT, 0, HLT, 0, a1_hlt);
	S(KVMW_STAT_EXIT, 0, KVMW_CODE_OTHER, 0, a1_other);
	sb_rip(b, HLT, 0xffffffff81000010ULL, 1);
	sb_rip(b, HLT, 0xffffffff81000030ULL, 1);
	sb_vm(b, 200, "200-12", 1, KVMW_VM_GONE, 2);
	sb_vcpu(b, 0, 201, SVM, 2, 0);
	S(KVMW_STAT_EXIT, 0, HLT, 0, b0_hlt);
	S(KVMW_STAT_EXIT, 0, NPF, 0, b0_npf);
}

static void opts_init(struct kvmw_report_opts *o, enum kvmw_event e)
{
	memset(o, 0, sizeof(*o));
	o->event = e;
	o->sort = KVMW_SORT_SAMPLE;
	o->name_width = 20;
	o->target = "all VMs";
	o->vcpu = -1;
	o->top_rips = 10;
}

static const struct kvmw_agg_row *find(const struct kvmw_agg *a,
				       unsigned int sub, u32 code)
{
	size_t i;

	for (i = 0; i < a->nr; i++)
		if (a->rows[i].sub == sub && a->rows[i].code == code)
			return &a->rows[i];
	return NULL;
}

/* Two passes over the samples: mean, then squared deviations. */
static long double two_pass_variance(const u64 *const *sets,
				     const size_t *lens, size_t nsets)
{
	long double sum = 0, mean, m2 = 0;
	size_t i, j, n = 0;

	for (i = 0; i < nsets; i++)
		for (j = 0; j < lens[i]; j++) {
			sum += sets[i][j];
			n++;
		}
	mean = sum / n;
	for (i = 0; i < nsets; i++)
		for (j = 0; j < lens[i]; j++)
			m2 += (sets[i][j] - mean) * (sets[i][j] - mean);
	return m2 / (n - 1);
}

static void test_aggregate(void)
{
	static const u64 *const hlt_sets[] = { a0_hlt, a1_hlt, b0_hlt };
	static const size_t hlt_lens[] = { 2, 2, 1 };
	const struct kvmw_agg_row *r;
	struct kvmw_snap s;
	struct kvmw_agg a;
	struct sb b;
	long double v, want;
	u64 hsum = 0;
	unsigned int i;

	sb_init(&b);
	build(&b);
	if (!tap_ok(kvmw_snap_parse(b.buf, b.len, &s) == 0,
		    "report stream parses"))
		return;
	tap_ok(kvmw_agg_build(&s, KVMW_EVENT_VMEXIT, &a) == 0, "aggregate");
	tap_eq_u64(a.nr, 7, "7 exit rows (hlt msr msr:r msr:w io other npf)");
	tap_eq_u64(a.total_count, 12, "total count excludes msr read/write");
	tap_eq_u64(a.total_ns, 50200, "total time excludes msr read/write");
	r = find(&a, 0, HLT);
	if (tap_ok(r != NULL, "hlt row")) {
		tap_eq_u64(r->count, 5, "hlt: count summed over 3 vCPUs, 2 VMs");
		tap_eq_u64(r->total_ns, 16000, "hlt: total");
		tap_eq_u64(r->min_ns, 1000, "hlt: min of mins");
		tap_eq_u64(r->max_ns, 6000, "hlt: max of maxes");
		tap_ok(r->sumsq == 66000000, "hlt: sum of squares");
		for (i = 0; i < KVMW_HIST_BUCKETS; i++)
			hsum += r->hist[i];
		tap_eq_u64(hsum, 5, "hlt: histograms summed");
		tap_eq_u64(r->hist[sb_bucket(3000)], 2,
			   "hlt: 3000 and 4000 ns (two VMs) share a bucket");
		v = kvmw_stat_variance(r->count, r->total_ns, r->sumsq);
		want = two_pass_variance(hlt_sets, hlt_lens, 3);
		tap_ok(v == want && v == 3700000,
		       "hlt: pooled variance %.1Lf equals two-pass %.1Lf", v,
		       want);
		tap_ok(fabsl(kvmw_stat_rel_stddev(r->count, r->total_ns,
						  r->sumsq) -
			     100 * sqrtl(3700000.0L / 5) / 3200) < 1e-12,
		       "hlt: spread 100 * sqrt(var / n) / mean");
	}
	r = find(&a, R, MSR);
	tap_ok(r && r->count == 2 && r->total_ns == 1400,
	       "msr read child row kept apart");
	r = find(&a, 0, KVMW_CODE_OTHER);
	tap_ok(r && r->count == 1, "other row");
	kvmw_agg_free(&a);
	kvmw_snap_free(&s);
	sb_free(&b);
}

static void test_variance_math(void)
{
	/* Around 100 s: the squares need more than 64 bits. */
	static const u64 big[] = { 100000000000ULL, 100000000001ULL,
				   100000000002ULL };
	static const u64 *const sets[] = { big };
	static const size_t lens[] = { 3 };
	unsigned __int128 sq = 0;
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		sum += big[i];
		sq += (unsigned __int128)big[i] * big[i];
	}
	tap_ok(sq >> 64, "100 s samples: sum of squares above 2^64");
	tap_ok(kvmw_stat_m2(3, sum, sq) == 2,
	       "m2 exact despite 10^22 squares (catastrophic in double)");
	tap_ok(kvmw_stat_variance(3, sum, sq) == 1, "variance 1");
	tap_ok(kvmw_stat_variance(3, sum, sq) == two_pass_variance(sets, lens,
								   1),
	       "equals the two-pass variance");
	tap_ok(kvmw_stat_variance(1, 5, 25) == 0, "one sample: variance 0");
	tap_ok(kvmw_stat_rel_stddev(1, 5, 25) == 0, "one sample: spread 0");
	tap_ok(kvmw_stat_rel_stddev(0, 0, 0) == 0, "no sample: spread 0");
	tap_ok(kvmw_stat_m2(2, 10, 1) == 0,
	       "inconsistent sumsq < sum^2/n: 0, not a wrap");
	/* sum^2 / n with a remainder: 1, 2 -> m2 = 5 - 9/2 = 0.5 */
	tap_ok(kvmw_stat_m2(2, 3, 5) == 0.5L, "m2 with a remainder: 0.5");
}

static void check_table(enum kvmw_event e, enum kvmw_sort key,
			const char *target, int vcpu, const char *want,
			const char *what)
{
	struct kvmw_report_opts o;
	struct kvmw_snap s;
	struct kvmw_agg a;
	struct capture c;
	struct sb b;

	sb_init(&b);
	build(&b);
	kvmw_snap_parse(b.buf, b.len, &s);
	opts_init(&o, e);
	o.sort = key;
	o.target = target;
	o.vcpu = vcpu;
	kvmw_agg_build(&s, e, &a);
	kvmw_agg_sort(&a, key);
	kvmw_report_table(capture_begin(&c), &a, &o);
	tap_eq_str(capture_end(&c), want, "%s", what);
	capture_free(&c);
	kvmw_agg_free(&a);
	kvmw_snap_free(&s);
	sb_free(&b);
}

static void test_tables(void)
{
	check_table(KVMW_EVENT_VMEXIT, KVMW_SORT_SAMPLE, "all VMs", -1,
	"\n"
	"\n"
	"Analyze events for all VMs, all VCPUs:\n"
	"\n"
	"             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time         Avg time \n"
	"\n"
	"                 hlt          5    41.67%    31.87%      1.00us      6.00us      3.20us ( +-  26.88% )\n"
	"                 msr          3    25.00%     4.18%      0.50us      0.90us      0.70us ( +-  16.50% )\n"
	"            msr read          2    16.67%     2.79%      0.50us      0.90us      0.70us ( +-  28.57% )\n"
	"           msr write          1     8.33%     1.39%      0.70us      0.70us      0.70us ( +-   0.00% )\n"
	"                 npf          2    16.67%    59.76%     10.00us     20.00us     15.00us ( +-  33.33% )\n"
	"                  io          1     8.33%     3.98%      2.00us      2.00us      2.00us ( +-   0.00% )\n"
	"               other          1     8.33%     0.20%      0.10us      0.10us      0.10us ( +-   0.00% )\n"
	"\n"
	"Total Samples:12, Total events handled time:50.20us.\n\n",
		    "VM-EXIT table, byte for byte as perf");
	check_table(KVMW_EVENT_IOPORT, KVMW_SORT_SAMPLE, "pid(s) 100", 0,
	"\n"
	"\n"
	"Analyze events for pid(s) 100, VCPU 0:\n"
	"\n"
	"      IO Port Access    Samples  Samples%     Time%    Min Time    Max Time         Avg time            Name\n"
	"\n"
	"           0x608:PIN          2    40.00%    83.33%      3.00us      5.00us      4.00us ( +-  25.00% )  ACPI_PM_TMR\n"
	"           0x70:POUT          1    20.00%    10.42%      1.00us      1.00us      1.00us ( +-   0.00% )  RTC_CMOS_INDEX\n"
	"          0x1234:PIN          1    20.00%     5.21%      0.50us      0.50us      0.50us ( +-   0.00% )\n"
	"           other:PIN          1    20.00%     1.04%      0.10us      0.10us      0.10us ( +-   0.00% )\n"
	"\n"
	"Total Samples:5, Total events handled time:9.60us.\n\n",
		    "IO port table: perf keys, name column, other row");
	check_table(KVMW_EVENT_MSR, KVMW_SORT_SAMPLE, "all VMs", -1,
	"\n"
	"\n"
	"Analyze events for all VMs, all VCPUs:\n"
	"\n"
	"          MSR Access    Samples  Samples%     Time%    Min Time    Max Time         Avg time            Name\n"
	"\n"
	"             0x6e0:W          2    66.67%    83.33%      0.80us      1.20us      1.00us ( +-  20.00% )  IA32_TSC_DEADLINE\n"
	"        0x40000020:R          1    33.33%    16.67%      0.40us      0.40us      0.40us ( +-   0.00% )  HV_X64_MSR_TIME_REF_COUNT\n"
	"\n"
	"Total Samples:3, Total events handled time:2.40us.\n\n",
		    "MSR table: perf keys, Hyper-V name");
	check_table(KVMW_EVENT_MMIO, KVMW_SORT_SAMPLE, "all VMs", -1,
	"\n"
	"\n"
	"Analyze events for all VMs, all VCPUs:\n"
	"\n"
	"         MMIO Access    Samples  Samples%     Time%    Min Time    Max Time         Avg time \n"
	"\n"
	"        0xfee00000:W          1   100.00%   100.00%      2.50us      2.50us      2.50us ( +-   0.00% )\n"
	"\n"
	"Total Samples:1, Total events handled time:2.50us.\n\n",
		    "MMIO table: %#lx:W keys, no name column");
}

/* Row labels in table order for a sort key. */
static void check_order(enum kvmw_sort key, const char *want)
{
	static const char *const names[] = { "sample", "time", "max", "min",
					     "mean" };
	char got[256] = "", label[64];
	struct kvmw_snap s;
	struct kvmw_agg a;
	struct sb b;
	size_t i;

	sb_init(&b);
	build(&b);
	kvmw_snap_parse(b.buf, b.len, &s);
	kvmw_agg_build(&s, KVMW_EVENT_VMEXIT, &a);
	kvmw_agg_sort(&a, key);
	for (i = 0; i < a.nr; i++) {
		kvmw_row_label(label, sizeof(label), &a.rows[i]);
		strcat(got, i ? "," : "");
		strcat(got, label);
	}
	tap_eq_str(got, want, "--key %s order", names[key]);
	kvmw_agg_free(&a);
	kvmw_snap_free(&s);
	sb_free(&b);
}

static void test_sort(void)
{
	enum kvmw_sort k;
	enum kvmw_event e;

	check_order(KVMW_SORT_SAMPLE,
		    "hlt,msr,msr read,msr write,npf,io,other");
	check_order(KVMW_SORT_TIME,
		    "npf,hlt,msr,msr read,msr write,io,other");
	check_order(KVMW_SORT_MAX, "npf,hlt,io,msr,msr read,msr write,other");
	check_order(KVMW_SORT_MIN, "npf,io,hlt,msr,msr read,msr write,other");
	check_order(KVMW_SORT_MEAN, "npf,hlt,io,msr,msr read,msr write,other");

	tap_ok(kvmw_sort_parse("time", &k) == 0 && k == KVMW_SORT_TIME,
	       "--key time parses");
	tap_ok(kvmw_sort_parse("mean_t", &k) == -1, "--key mean_t rejected");
	tap_ok(kvmw_event_parse("ioport", &e) == 0 && e == KVMW_EVENT_IOPORT,
	       "--event ioport parses");
	tap_ok(kvmw_event_parse("IOPORT", &e) == -1, "--event is case-sensitive");
}

static void test_labels(void)
{
	char b[64];
	struct kvmw_agg_row r = { .isa = KVMW_ISA_VMX,
				  .kind = KVMW_STAT_EXIT };

	kvmw_reason_label(b, sizeof(b), KVMW_ISA_SVM, HLT);
	tap_eq_str(b, "hlt", "SVM 0x78 is hlt");
	kvmw_reason_label(b, sizeof(b), KVMW_ISA_SVM, KVMW_CODE_OTHER);
	tap_eq_str(b, "other", "KVMW_CODE_OTHER is other");
	kvmw_reason_label(b, sizeof(b), KVMW_ISA_VMX, 12);
	tap_eq_str(b, "HLT", "VMX 12 is HLT");
	kvmw_reason_label(b, sizeof(b), KVMW_ISA_VMX, 0x80000021);
	tap_eq_str(b, "INVALID_STATE FAILED_VMENTRY",
		   "VMX flagged code: basic name plus FAILED_VMENTRY");
	kvmw_reason_label(b, sizeof(b), KVMW_ISA_SVM, 0x7ff);
	tap_eq_str(b, "UNKNOWN(0x7ff)", "unknown code: UNKNOWN(code)");
	r.code = 32;
	r.sub = W;
	kvmw_row_label(b, sizeof(b), &r);
	tap_eq_str(b, "MSR_WRITE write", "child row label");
	r = (struct kvmw_agg_row){ .kind = KVMW_STAT_IOPORT, .sub = W,
				   .key = 0x3f8 };
	kvmw_row_label(b, sizeof(b), &r);
	tap_eq_str(b, "0x3f8:POUT", "port write is POUT");
	tap_eq_str(kvmw_row_key_name(&r), "COM1_DATA", "port 0x3f8 name");
	r.key = 0;
	kvmw_row_label(b, sizeof(b), &r);
	tap_eq_str(b, "0:POUT", "port 0 prints as perf's %%#llx: 0");
	r = (struct kvmw_agg_row){ .kind = KVMW_STAT_MMIO, .sub = R,
				   .key = 0xfed00000 };
	kvmw_row_label(b, sizeof(b), &r);
	tap_eq_str(b, "0xfed00000:R", "MMIO read is R");
	tap_ok(!kvmw_row_key_name(&r), "MMIO rows have no name");
}

static void test_hist(void)
{
	static const u64 x[] = { 100, 300, 400, 3000, 3000, 3000, 3000 };
	struct kvmw_report_opts o;
	struct kvmw_snap s;
	struct kvmw_agg a;
	struct capture c;
	struct sb b;

	tap_eq_u64(kvmw_hist_lo(0), 0, "bucket 0 starts at 0");
	tap_eq_u64(kvmw_hist_hi(0), 256, "bucket 0 ends at 256 ns");
	tap_eq_u64(kvmw_hist_lo(1), 256, "bucket 1 starts at 256 ns");
	tap_eq_u64(kvmw_hist_hi(1), 512, "bucket 1 ends at 512 ns");
	tap_eq_u64(kvmw_hist_lo(31), 1ULL << 38, "last bucket from 2^38 ns");
	tap_eq_u64(kvmw_hist_hi(31), UINT64_MAX, "last bucket open-ended");

	sb_init(&b);
	sb_vm(&b, 1, "1-1", 1, 0, 1);
	sb_vcpu(&b, 0, 1, SVM, 1, 0);
	sb_stat(&b, KVMW_STAT_EXIT, 0, HLT, 0, x, ARRAY_SIZE(x), 1, 0);
	kvmw_snap_parse(b.buf, b.len, &s);
	kvmw_agg_build(&s, KVMW_EVENT_VMEXIT, &a);
	opts_init(&o, KVMW_EVENT_VMEXIT);
	kvmw_report_hist(capture_begin(&c), &a, &o);
	tap_eq_str(capture_end(&c),
		   "\n@hlt: handling time, ns; 7 samples\n"
		   "[0, 256)               1 |@@@@@@@@@@@@@                                       |\n"
		   "[256, 512)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		   "[512, 1K)              0 |                                                    |\n"
		   "[1K, 2K)               0 |                                                    |\n"
		   "[2K, 4K)               4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n",
		   "histogram: bpftrace's layout, first to last non-empty bucket");
	capture_free(&c);
	kvmw_agg_free(&a);
	kvmw_snap_free(&s);
	sb_free(&b);
}

static void test_rips(void)
{
	struct kvmw_report_opts o;
	struct kvmw_snap s;
	struct kvmw_agg a;
	struct capture c;
	struct sb b;

	sb_init(&b);
	build(&b);
	kvmw_snap_parse(b.buf, b.len, &s);
	kvmw_agg_build(&s, KVMW_EVENT_VMEXIT, &a);
	kvmw_agg_sort(&a, KVMW_SORT_SAMPLE);
	opts_init(&o, KVMW_EVENT_VMEXIT);
	kvmw_report_rips(capture_begin(&c), &s, &a, &o);
	tap_eq_str(capture_end(&c),
		   "\n             VM-EXIT          Guest RIP    Samples  Samples%\n\n"
		   "                 hlt 0xffffffff81000010          3    75.00%\n"
		   "                 hlt 0xffffffff81000030          1    25.00%\n"
		   "                 msr 0xffffffff81000020          3   100.00%\n",
		   "RIPs: summed over vCPUs, per reason in table order");
	capture_free(&c);
	o.top_rips = 1;
	kvmw_report_rips(capture_begin(&c), &s, &a, &o);
	tap_ok(!strstr(capture_end(&c), "0xffffffff81000030"),
	       "RIPs: top N per reason");
	capture_free(&c);
	kvmw_agg_free(&a);
	kvmw_snap_free(&s);
	sb_free(&b);
}

static void test_report_json(void)
{
	static const u64 hlt[] = { 1000, 3000 };
	static const u64 msr[] = { 500 };
	const char *names[] = { "web" };
	struct kvmw_json_meta m = { .interval = -1, .start_ns = 5,
				    .vm_names = names };
	struct kvmw_report_opts o;
	struct kvmw_snap s;
	struct capture c;
	struct sb b;

	sb_init(&b);
	sb_vm(&b, 100, "100-11", 1, KVMW_VM_GONE, 3);
	sb_vcpu(&b, 0, 101, SVM, 4, 1);
	sb_stat(&b, KVMW_STAT_EXIT, 0, HLT, 0, hlt, 2, 1, 0);
	sb_stat(&b, KVMW_STAT_EXIT, 0, MSR, 0, msr, 1, 1, 0);
	sb_stat(&b, KVMW_STAT_EXIT, R, MSR, 0, msr, 1, 1, 0);
	sb_stat(&b, KVMW_STAT_IOPORT, R, 0, 0x608, msr, 1, 0, 0);
	sb_rip(&b, HLT, 0x1000, 2);
	kvmw_snap_parse(b.buf, b.len, &s);
	s.hdr.time_ns = 77;
	opts_init(&o, KVMW_EVENT_VMEXIT);
	kvmw_report_json(capture_begin(&c), &s, &o, &m);
	tap_eq_str(capture_end(&c), "{\"event\":\"vmexit\",\"start_ns\":5,\"time_ns\":77,"
		   "\"isa\":\"SVM\",\"vms\":[{\"vm\":\"100-11\",\"pid\":100,"
		   "\"ppid\":1,\"name\":\"web\",\"serial\":3,\"gone\":true,"
		   "\"created_ns\":1000,\"gone_ns\":4611686018427387904,\"vcpus\":[{\"vcpu\":0,"
		   "\"tid\":101,\"isa\":\"SVM\",\"open\":0,\"unfinished\":0,"
		   "\"exits\":[{\"reason\":\"hlt\",\"code\":120,\"count\":2,"
		   "\"time_ns\":4000,\"min_ns\":1000,\"max_ns\":3000,"
		   "\"mean_ns\":2000.00,\"stddev_pct\":50.00,\"user\":0,"
		   "\"minmax_bound\":false,\"hist\":[0,0,1,0,1,0,0,0,0,0,0,0,0,0,"
		   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],\"rips\":[{\"rip\":4096,"
		   "\"count\":2}]},{\"reason\":\"msr\",\"code\":124,\"count\":1,"
		   "\"time_ns\":500,\"min_ns\":500,\"max_ns\":500,"
		   "\"mean_ns\":500.00,\"stddev_pct\":0.00,\"user\":0,"
		   "\"minmax_bound\":false,\"hist\":[0,1,0,0,0,0,0,0,0,0,0,0,0,0,"
		   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],\"rips\":[],"
		   "\"by_dir\":[{\"dir\":\"read\",\"count\":1,\"time_ns\":500,"
		   "\"min_ns\":500,\"max_ns\":500,\"mean_ns\":500.00,"
		   "\"stddev_pct\":0.00,\"user\":0,\"minmax_bound\":false,"
		   "\"hist\":[0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
		   "0,0,0,0,0,0]}]}],\"counters\":{\"exits\":0,\"entries\":0,"
		   "\"entry_without_exit\":0,\"exit_without_entry\":0,"
		   "\"negative_time\":0,\"user_returns\":0,"
		   "\"user_without_exit\":0,\"msr_early\":0,\"orphan_events\":0,"
		   "\"decode_errors\":0,\"dropped_reasons\":0,"
		   "\"dropped_keys\":{\"ioport\":0,\"mmio\":0,\"msr\":0},"
		   "\"dropped_rips\":0}}]}]}\n",
		   "JSON: the issue's shape plus extras, one line");
	capture_free(&c);

	o.event = KVMW_EVENT_IOPORT;
	m.interval = 3;
	m.vm_names = NULL;
	kvmw_report_json(capture_begin(&c), &s, &o, &m);
	capture_end(&c);
	tap_ok(!strncmp(c.buf, "{\"interval\":3,\"event\":\"ioport\",", 31),
	       "JSON --interval: the interval's index first");
	tap_contains(c.buf, "\"name\":null,", "JSON: no VM name is null");
	tap_contains(c.buf, "\"ioport\":[{\"port\":1544,\"dir\":\"read\","
		     "\"key\":\"0x608:PIN\",\"name\":\"ACPI_PM_TMR\","
		     "\"count\":1,", "JSON --event ioport: rows under \"ioport\"");
	capture_free(&c);
	kvmw_snap_free(&s);
	sb_free(&b);
}

static void test_anomalies(void)
{
	struct kvmw_rec_vcpu v = { .nr_stats = 0 };
	struct kvmw_anomalies an;
	struct kvmw_snap s;
	struct sb b;
	char text[256];

	sb_init(&b);
	sb_vm(&b, 1, "1-1", 2, 0, 1);
	sb_vcpu(&b, 0, 1, SVM, 0, 0);
	v.vcpu_id = 1;
	v.orphan_events = 2;
	v.dropped_keys[KVMW_BD_MSR] = 3;
	sb_vcpu_rec(&b, &v);
	kvmw_snap_parse(b.buf, b.len, &s);
	kvmw_anomalies(&s, &an);
	tap_eq_u64(an.vcpus, 1, "anomalies: one vCPU");
	kvmw_anomalies_text(text, sizeof(text), &an);
	tap_eq_str(text, "orphan_events 2, dropped_keys[msr] 3",
		   "anomalies: the non-zero counters");
	kvmw_snap_free(&s);
	sb_free(&b);
}

void test_report(void)
{
	test_aggregate();
	test_variance_math();
	test_tables();
	test_sort();
	test_labels();
	test_hist();
	test_rips();
	test_report_json();
	test_anomalies();
}
