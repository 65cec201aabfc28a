// SPDX-License-Identifier: GPL-2.0
/*
 * "kvmwatch top"'s model and text: two hand-built snapshots two seconds
 * apart, the screen byte for byte (expected lines written with kvm_stat's
 * own format strings on numbers worked out here by hand), children and
 * %Total of the parent, regex filters pulling in parents, guest grouping,
 * pid filter, sort orders, CurAvg/s rounding half to even, batch, log and
 * CSV lines, and the host CPU split, with "-" where an older module's
 * vCPU record has no times and no KVM counters came.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmstat.h"
#include "snapbuild.h"
#include "snapshot.h"
#include "tap.h"
#include "tests.h"
#include "topview.h"

#define SVM	KVMW_ISA_SVM
#define HLT	0x78
#define IO	0x7b
#define MSR	0x7c
#define NS	1000000000ULL

/* @n samples of @ns each */
static void stats(struct sb *b, unsigned int kind, unsigned int sub,
		  u32 code, u64 key, size_t n, u64 ns)
{
	u64 *s = calloc(n ? n : 1, sizeof(*s));
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = ns;
	sb_stat(b, kind, sub, code, key, s, n, 0, 0);
	free(s);
}

static void kvm_rec(struct sb *b, const u64 *val, unsigned int nr)
{
	struct kvmw_rec_kvm r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = KVMW_REC_KVM;
	r.hdr.len = sizeof(r) + nr * 8;
	r.nr = nr;
	sb_raw(b, &r, sizeof(r));
	sb_raw(b, val, nr * 8);
}

struct vcpu1 {
	u64 entries, user_returns, guest_ns, user_ns;
	size_t hlt, io, msr, p80;
	u64 exits, halt_exits, wait, poll_ok, poll_fail;
};

/* VM 100-11 (serial 1): one vCPU with @c's counts. */
static void vm1(struct sb *b, const struct vcpu1 *c)
{
	struct kvmw_rec_vcpu v;
	u64 kvm[KVMW_KVM_NR] = { 0 };
	unsigned int nr = 3 + (c->msr ? 3 : 0);

	sb_vm(b, 100, "100-11", 1, 0, 1);
	memset(&v, 0, sizeof(v));
	v.vcpu_id = 0;
	v.tid = 101;
	v.isa = SVM;
	v.nr_stats = nr;
	v.entries = c->entries;
	v.user_returns = c->user_returns;
	v.guest_ns = c->guest_ns;
	v.user_ns = c->user_ns;
	sb_vcpu_rec(b, &v);
	stats(b, KVMW_STAT_EXIT, 0, HLT, 0, c->hlt, 50000000);
	stats(b, KVMW_STAT_EXIT, 0, IO, 0, c->io, 1000000);
	if (c->msr) {
		stats(b, KVMW_STAT_EXIT, 0, MSR, 0, c->msr, 1000);
		/* SVM msr's write half: in the msr row already */
		stats(b, KVMW_STAT_EXIT, KVMW_SUB_WRITE, MSR, 0, c->msr, 1000);
		stats(b, KVMW_STAT_MSR, KVMW_SUB_WRITE, 0, 0x6e0, c->msr,
		      1000);
	}
	stats(b, KVMW_STAT_IOPORT, KVMW_SUB_WRITE, 0, 0x80, c->p80, 1000000);
	kvm[KVMW_KVM_EXITS] = c->exits;
	kvm[KVMW_KVM_HALT_EXITS] = c->halt_exits;
	kvm[KVMW_KVM_HALT_WAIT_NS] = c->wait;
	kvm[KVMW_KVM_HALT_POLL_SUCCESS_NS] = c->poll_ok;
	kvm[KVMW_KVM_HALT_POLL_FAIL_NS] = c->poll_fail;
	kvm[KVMW_KVM_BLOCKING] = 1;	/* a state: never a row */
	kvm_rec(b, kvm, KVMW_KVM_NR);
}

/*
 * VM 200-12 (serial 2) from an older module: a vCPU record without
 * guest_ns/user_ns and no KVM record.
 */
static void vm2(struct sb *b)
{
	struct kvmw_rec_vcpu v;

	sb_vm(b, 200, "200-12", 1, 0, 2);
	memset(&v, 0, sizeof(v));
	v.hdr.type = KVMW_REC_VCPU;
	v.hdr.len = KVMW_REC_VCPU_SIZE_VER0;
	v.isa = SVM;
	v.nr_stats = 1;
	v.entries = 3;
	sb_raw(b, &v, KVMW_REC_VCPU_SIZE_VER0);
	stats(b, KVMW_STAT_EXIT, 0, HLT, 0, 3, 1000);
}

static const struct vcpu1 a1 = {
	.entries = 10, .user_returns = 2, .guest_ns = 1 * NS,
	.user_ns = 1000000, .hlt = 4, .io = 6, .msr = 0, .p80 = 6,
	.exits = 10, .halt_exits = 9, .wait = 100000000,
};

static const struct vcpu1 b1 = {
	.entries = 30, .user_returns = 7, .guest_ns = 1800000000,
	.user_ns = 5000000, .hlt = 10, .io = 16, .msr = 4, .p80 = 16,
	.exits = 30, .halt_exits = 10, .wait = 350000000,
	.poll_ok = 20000000, .poll_fail = 10000000,
};

/* A at 10 s: VM 1; B at 12 s: VM 1 and the new VM 2. */
static void tallies(struct kvmw_top_tally *ta, struct kvmw_top_tally *tb)
{
	static const char *const names[] = { "vm-one", NULL };
	struct kvmw_snap sa, sbs;
	struct sb b;

	sb_init(&b);
	vm1(&b, &a1);
	tap_ok(!kvmw_snap_parse(b.buf, b.len, &sa), "topview: snapshot A parses");
	sb_free(&b);
	sb_init(&b);
	vm1(&b, &b1);
	vm2(&b);
	tap_ok(!kvmw_snap_parse(b.buf, b.len, &sbs), "topview: snapshot B parses");
	sb_free(&b);
	sa.hdr.time_ns = 10 * NS;
	sbs.hdr.time_ns = 12 * NS;
	tap_ok(!kvmw_top_tally(&sa, names, ta) && !kvmw_top_tally(&sbs, names, tb),
	   "topview: tallies");
	tap_ok(ta->vcpus_without_times == 0 && tb->vcpus_without_times == 1 &&
	   tb->vcpus_without_kvm == 1,
	   "topview: the old vCPU record and the missing KVM record are seen");
	kvmw_snap_free(&sa);
	kvmw_snap_free(&sbs);
}

/* kvm_stat's row: ' %-40s %10d%7.1f %8s' */
static void row(FILE *f, const char *name, u64 total, double pct,
		const char *cur)
{
	fprintf(f, " %-40s %10llu%7.1f %8s\n", name,
		(unsigned long long)total, pct, cur);
}

static void ns_row(FILE *f, const char *name, u64 total, const char *cur)
{
	fprintf(f, " %-40s %10llu%7s %8s\n", name, (unsigned long long)total,
		"", cur);
}

static void head(FILE *f, const char *headline, const char *regex,
		 const char *col)
{
	fprintf(f, "%s\n", headline);
	if (regex)
		fprintf(f, "%17sregex filter: %s\n", "", regex);
	else
		fputc('\n', f);
	fprintf(f, " %-40s %10s%7s %8s\n", col, "Total", "%Total", "CurAvg/s");
}

static void total(FILE *f, u64 t, const char *avg)
{
	fprintf(f, " %-40s %10llu        %8s\n", "Total", (unsigned long long)t,
		avg);
}

static void check_screen(const char *what, const struct kvmw_top_tally *ta,
			 const struct kvmw_top_tally *tb,
			 const struct kvmw_top_opts *o, const char *regex,
			 const char *want)
{
	struct kvmw_top_view v;
	struct capture c;
	FILE *f;

	if (kvmw_top_view(ta, ta, tb, o, &v)) {
		tap_ok(0, "topview: %s: view", what);
		return;
	}
	f = capture_begin(&c);
	kvmw_top_screen(f, &v, o, "kvm statistics - summary", regex, 50);
	tap_ok(!strcmp(capture_end(&c), want), "topview: %s", what);
	if (strcmp(c.buf, want))
		tap_diag("got:\n%swant:\n%s", c.buf, want);
	capture_free(&c);
	kvmw_top_view_free(&v);
}

/*
 * Deltas over the 2 s (Totals are the same: base = prev = A):
 * VM 1: kvm_entry 20, kvm_userspace_exit 5, hlt 6, io 10, msr 4,
 * pio 0x80 10, msr 0x6e0 4, exits 20, halt_exits 1, halt_wait_ns 2.5e8,
 * poll 2e7 + 1e7. VM 2 (new): kvm_entry 3, hlt 3.
 * kvm_entry 23, kvm_exit 9 + 10 + 4 = 23, Total 23 + 23 + 20 + 10 + 1 +
 * 4 + 5 = 86. CurAvg/s: 23 / 2 = 11.5 -> 12, 5 / 2 = 2.5 -> 2 and
 * 1 / 2 = 0.5 -> 0 (half to even, Python's round()).
 */
static void test_screens(const struct kvmw_top_tally *ta,
			 const struct kvmw_top_tally *tb)
{
	struct kvmw_top_opts o = { 0 };
	struct capture c;
	regex_t re;
	FILE *f;

	f = capture_begin(&c);
	head(f, "kvm statistics - summary", NULL, "Event");
	row(f, "kvm_entry", 23, 23 * 100.0 / 86, "12");
	row(f, "kvm_exit", 23, 23 * 100.0 / 86, "12");
	row(f, "exits", 20, 20 * 100.0 / 86, "10");
	row(f, "kvm_pio", 10, 10 * 100.0 / 86, "5");
	row(f, "kvm_userspace_exit", 5, 5 * 100.0 / 86, "2");
	row(f, "kvm_msr", 4, 4 * 100.0 / 86, "2");
	row(f, "halt_exits", 1, 1 * 100.0 / 86, "0");
	ns_row(f, "halt_wait_ns", 250000000, "125000000");
	ns_row(f, "halt_poll_success_ns", 20000000, "10000000");
	ns_row(f, "halt_poll_fail_ns", 10000000, "5000000");
	total(f, 86, "43");
	capture_end(&c);
	check_screen("events screen", ta, tb, &o, NULL, c.buf);
	capture_free(&c);

	/* x: children under their parents, % of the parent */
	o.children = true;
	f = capture_begin(&c);
	head(f, "kvm statistics - summary", NULL, "Event");
	row(f, "kvm_entry", 23, 23 * 100.0 / 86, "12");
	row(f, "kvm_exit", 23, 23 * 100.0 / 86, "12");
	row(f, "  kvm_exit(io)", 10, 10 * 100.0 / 23, "5");
	row(f, "  kvm_exit(hlt)", 9, 9 * 100.0 / 23, "4");
	row(f, "  kvm_exit(msr)", 4, 4 * 100.0 / 23, "2");
	row(f, "exits", 20, 20 * 100.0 / 86, "10");
	row(f, "kvm_pio", 10, 10 * 100.0 / 86, "5");
	row(f, "  kvm_pio(0x80:POUT) POST_IODELAY", 10, 100.0, "5");
	row(f, "kvm_userspace_exit", 5, 5 * 100.0 / 86, "2");
	row(f, "kvm_msr", 4, 4 * 100.0 / 86, "2");
	row(f, "  kvm_msr(0x6e0:W) IA32_TSC_DEADLINE", 4, 100.0, "2");
	row(f, "halt_exits", 1, 1 * 100.0 / 86, "0");
	ns_row(f, "halt_wait_ns", 250000000, "125000000");
	ns_row(f, "halt_poll_success_ns", 20000000, "10000000");
	ns_row(f, "halt_poll_fail_ns", 10000000, "5000000");
	total(f, 86, "43");
	capture_end(&c);
	check_screen("children (x)", ta, tb, &o, NULL, c.buf);
	capture_free(&c);

	/* f: a child pulls in its parent; siblings that do not match stay out */
	tap_ok(!kvmw_top_regcomp(&re, "kvm_exit\\(io|kvm_msr"),
	   "topview: regex compiles");
	o.filter = &re;
	f = capture_begin(&c);
	head(f, "kvm statistics - summary", "kvm_exit\\(io|kvm_msr", "Event");
	row(f, "kvm_exit", 23, 23 * 100.0 / 27, "12");
	row(f, "  kvm_exit(io)", 10, 10 * 100.0 / 23, "5");
	row(f, "kvm_msr", 4, 4 * 100.0 / 27, "2");
	row(f, "  kvm_msr(0x6e0:W) IA32_TSC_DEADLINE", 4, 100.0, "2");
	total(f, 27, "14");
	capture_end(&c);
	check_screen("regex filter", ta, tb, &o, "kvm_exit\\(io|kvm_msr", c.buf);
	capture_free(&c);
	regfree(&re);
	/* anchored at the start, as Python's re.match */
	tap_ok(!kvmw_top_regcomp(&re, "exits"), "topview: regex 'exits' compiles");
	tap_ok(!regexec(&re, "exits", 0, NULL, 0) &&
	   regexec(&re, "halt_exits", 0, NULL, 0),
	   "topview: regex anchored at the start");
	regfree(&re);
	tap_ok(kvmw_top_regcomp(&re, "(") == -1, "topview: bad regex refused");
	o.filter = NULL;

	/* p: VMs of pid 200 only */
	o.children = false;
	o.pid = 200;
	f = capture_begin(&c);
	head(f, "kvm statistics - summary", NULL, "Event");
	row(f, "kvm_entry", 3, 50.0, "2");
	row(f, "kvm_exit", 3, 50.0, "2");
	total(f, 6, "3");
	capture_end(&c);
	check_screen("pid filter", ta, tb, &o, NULL, c.buf);
	capture_free(&c);
	o.pid = 0;

	/* o: by Total; with base != prev the two orders differ */
	o.sort_total = true;
	{
		struct kvmw_top_view v;

		/* lifetime totals: halt_exits 10 (delta 1) above 7 and 4 */
		tap_ok(!kvmw_top_view(NULL, ta, tb, &o, &v) && v.nr >= 7 &&
		   !strcmp(v.rows[0].name, "kvm_entry") &&
		   v.rows[0].total == 33 &&
		   !strcmp(v.rows[1].name, "kvm_exit") &&
		   v.rows[1].total == 33 &&
		   !strcmp(v.rows[4].name, "halt_exits") &&
		   v.rows[4].total == 10 &&
		   !strcmp(v.rows[6].name, "kvm_msr"),
		   "topview: sort by Total (o)");
		kvmw_top_view_free(&v);
		o.sort_total = false;
		tap_ok(!kvmw_top_view(NULL, ta, tb, &o, &v) && v.nr >= 7 &&
		   !strcmp(v.rows[4].name, "kvm_userspace_exit") &&
		   !strcmp(v.rows[6].name, "halt_exits") &&
		   v.rows[6].delta == 1,
		   "topview: sort by CurAvg/s");
		kvmw_top_view_free(&v);
	}

	/* b: a row per VM, with its name; x: its events under it */
	o.by_guest = true;
	f = capture_begin(&c);
	head(f, "kvm statistics - summary", NULL, "Guest Name");
	row(f, "100-11 vm-one", 80, 80 * 100.0 / 86, "40");
	row(f, "200-12", 6, 6 * 100.0 / 86, "3");
	total(f, 86, "43");
	capture_end(&c);
	check_screen("by guest (b)", ta, tb, &o, NULL, c.buf);
	capture_free(&c);
	o.children = true;
	f = capture_begin(&c);
	head(f, "kvm statistics - summary", NULL, "Guest Name");
	row(f, "200-12", 6, 100.0, "3");
	row(f, "  kvm_entry", 3, 50.0, "2");
	row(f, "  kvm_exit", 3, 50.0, "2");
	total(f, 6, "3");
	capture_end(&c);
	o.pid = 200;
	check_screen("by guest, pid 200, children", ta, tb, &o, NULL, c.buf);
	capture_free(&c);
}

static const char want_batch[] =
	"exits                                             20        20\n"
	"halt_exits                                         1         1\n"
	"halt_poll_fail_ns                           10000000  10000000\n"
	"halt_poll_success_ns                        20000000  20000000\n"
	"halt_wait_ns                               250000000 250000000\n"
	"kvm_entry                                         23        23\n"
	"kvm_exit                                          23        23\n"
	"kvm_exit(hlt)                                      9         9\n"
	"kvm_exit(io)                                      10        10\n"
	"kvm_exit(msr)                                      4         4\n"
	"kvm_msr                                            4         4\n"
	"kvm_msr(0x6e0:W)                                   4         4\n"
	"kvm_pio                                           10        10\n"
	"kvm_pio(0x80:POUT)                                10        10\n"
	"kvm_userspace_exit                                 5         5\n";

static void test_text(const struct kvmw_top_tally *ta,
		      const struct kvmw_top_tally *tb)
{
	struct kvmw_top_opts o = { .children = true };
	struct kvmw_top_view v;
	struct capture c;
	char **keys;
	int n, i;
	FILE *f;

	/* -1 -z -x: name order, children after their parent, no zero rows */
	tap_ok(!kvmw_top_view_batch(ta, ta, tb, &o, &v), "topview: batch view");
	f = capture_begin(&c);
	kvmw_top_batch(f, &v, true);
	capture_end(&c);
	tap_ok(!strcmp(c.buf, want_batch), "topview: batch -z -x");
	if (strcmp(c.buf, want_batch))
		tap_diag("got:\n%s", c.buf);
	capture_free(&c);
	/* without -z: every KVM counter but the two states, and kvm_mmio */
	f = capture_begin(&c);
	kvmw_top_batch(f, &v, false);
	capture_end(&c);
	n = 0;
	for (i = 0; c.buf[i]; i++)
		n += c.buf[i] == '\n';
	tap_ok(n == 15 + 1 + (KVMW_KVM_NR - 2 - 5),
	   "topview: batch without -z keeps zero rows (%d lines)", n);
	tap_ok(strstr(c.buf, "kvm_mmio                                           0         0\n") != NULL,
	   "topview: batch has kvm_mmio at zero");
	capture_free(&c);
	kvmw_top_view_free(&v);

	/* -l: fixed keys, banner, a record; -z drops an all-zero record */
	o.children = false;
	o.filter = NULL;
	tap_ok(!kvmw_top_view_batch(NULL, NULL, tb, &o, &v), "topview: log keys view");
	n = kvmw_top_keys(&v, &keys);
	kvmw_top_view_free(&v);
	tap_ok(n == 6 + KVMW_KVM_NR - 2, "topview: log keys (%d)", n);
	{
		regex_t re;
		char **k2;
		int n2;

		tap_ok(!kvmw_top_regcomp(&re, "kvm_(entry|exit|pio)$"), "topview: regex");
		o.filter = &re;
		tap_ok(!kvmw_top_view_batch(NULL, NULL, tb, &o, &v), "topview: filtered keys");
		n2 = kvmw_top_keys(&v, &k2);
		kvmw_top_view_free(&v);
		tap_ok(n2 == 3 && !strcmp(k2[0], "kvm_entry") &&
		   !strcmp(k2[1], "kvm_exit") && !strcmp(k2[2], "kvm_pio"),
		   "topview: -f selects the log's keys");
		tap_ok(!kvmw_top_view_batch(ta, ta, tb, &o, &v), "topview: log view");
		f = capture_begin(&c);
		kvmw_top_log_banner(f, k2, n2, false);
		kvmw_top_log_line(f, &v, k2, n2, "2026-11-22 11:00:00", false,
				  true);
		kvmw_top_log_banner(f, k2, n2, true);
		kvmw_top_log_line(f, &v, k2, n2, "2026-11-22 11:00:00", true,
				  false);
		capture_end(&c);
		tap_ok(!strcmp(c.buf,
			   "kvm_entry kvm_exit kvm_pio \n"
			   "2026-11-22 11:00:00        23        23        10\n"
			   "timestamp,kvm_entry,kvm_exit,kvm_pio\n"
			   "2026-11-22 11:00:00,23,23,10\n"),
		   "topview: log and CSV lines");
		capture_free(&c);
		kvmw_top_view_free(&v);
		/* nothing happened between tb and tb */
		tap_ok(!kvmw_top_view_batch(tb, tb, tb, &o, &v), "topview: zero view");
		f = capture_begin(&c);
		tap_ok(!kvmw_top_log_line(f, &v, k2, n2, "x", false, true),
		   "topview: -z skips an all-zero record");
		tap_ok(kvmw_top_log_line(f, &v, k2, n2, "x", true, false),
		   "topview: without -z it is written");
		capture_end(&c);
		tap_ok(!strcmp(c.buf, "x,0,0,0\n"), "topview: zero CSV record");
		capture_free(&c);
		kvmw_top_view_free(&v);
		kvmw_top_keys_free(k2, n2);
		regfree(&re);
	}
	kvmw_top_keys_free(keys, n);
}

/*
 * CPU over 2 s, VM 1 vCPU 0: guest 8e8 = 40.0%; VMM (user_ns) 4e6 =
 * 0.2%; halted 2.5e8 = 12.5%; polling 3e7 = 1.5%; exits: handling time
 * 6 * 5e7 + 10 * 1e6 + 4 * 1e3 = 310004000 minus VMM, halted and
 * polling = 26004000 = 1.3%. VM 2: an old record, no KVM counters: "-".
 */
static void test_cpu(const struct kvmw_top_tally *ta,
		     const struct kvmw_top_tally *tb)
{
	struct kvmw_top_opts o = { 0 };
	struct capture c;
	const char *fmt = " %-40s %8s %8s %8s %8s %8s\n";
	char want[1024];
	size_t n = 0;
	FILE *f;

	n += snprintf(want + n, sizeof(want) - n, fmt,
		      "Host CPU % (VM / vCPU)", "Guest", "Exits", "VMM",
		      "Halted", "Polling");
	n += snprintf(want + n, sizeof(want) - n, fmt, "100-11 vm-one", "40.0",
		      "1.3", "0.2", "12.5", "1.5");
	n += snprintf(want + n, sizeof(want) - n, fmt, "  vCPU 0", "40.0",
		      "1.3", "0.2", "12.5", "1.5");
	n += snprintf(want + n, sizeof(want) - n, fmt, "200-12", "-", "-", "-",
		      "-", "-");
	snprintf(want + n, sizeof(want) - n, fmt, "  vCPU 0", "-", "-", "-",
		 "-", "-");
	f = capture_begin(&c);
	kvmw_top_cpu(f, ta, tb, &o);
	capture_end(&c);
	tap_ok(!strcmp(c.buf, want), "topview: host CPU split");
	if (strcmp(c.buf, want))
		tap_diag("got:\n%swant:\n%s", c.buf, want);
	capture_free(&c);

	o.pid = 100;
	n = snprintf(want, sizeof(want), fmt, "Host CPU % (VM / vCPU)", "Guest",
		     "Exits", "VMM", "Halted", "Polling");
	n += snprintf(want + n, sizeof(want) - n, fmt, "100-11 vm-one", "-",
		      "-", "-", "-", "-");
	snprintf(want + n, sizeof(want) - n, fmt, "  vCPU 0", "-", "-", "-",
		 "-", "-");
	f = capture_begin(&c);
	kvmw_top_cpu(f, NULL, tb, &o);
	capture_end(&c);
	tap_ok(!strcmp(c.buf, want),
	       "topview: CPU split needs an interval; -p applies");
	capture_free(&c);
}

/*
 * The command itself, on fake_dev.so serving snapshots A then B: -1
 * prints B - A (the totals since its first snapshot, and the count of its
 * one-second window), byte for byte.
 */
static void test_cli_once(void)
{
	const char *bin = getenv("KVMW_TEST_DYN_BIN");
	const char *fake = getenv("KVMW_TEST_FAKE_DEV");
	char pa[] = "/tmp/kvmw-top-a.XXXXXX", pb[] = "/tmp/kvmw-top-b.XXXXXX";
	char snaps[64], out[4096];
	struct sb b;
	int fds[2], st, fa, fb;
	ssize_t n, len = 0;
	pid_t pid;

	if (!bin || !fake) {
		tap_skip("KVMW_TEST_DYN_BIN or KVMW_TEST_FAKE_DEV unset",
			 "topview: kvmwatch top -1 on the fake device");
		return;
	}
	fa = mkstemp(pa);
	fb = mkstemp(pb);
	if (fa < 0 || fb < 0 || pipe(fds)) {
		tap_ok(0, "topview: temporary files");
		return;
	}
	close(fa);
	close(fb);
	sb_init(&b);
	vm1(&b, &a1);
	sb_save(&b, pa);
	sb_free(&b);
	sb_init(&b);
	vm1(&b, &b1);
	vm2(&b);
	sb_save(&b, pb);
	sb_free(&b);
	snprintf(snaps, sizeof(snaps), "%s,%s", pa, pb);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		dup2(fds[1], 1);
		close(fds[0]);
		setenv("LD_PRELOAD", fake, 1);
		setenv("KVMW_FAKE_PATH", "/tmp/kvmw-top-fake", 1);
		setenv("KVMWATCH_DEVICE", "/tmp/kvmw-top-fake", 1);
		setenv("KVMW_FAKE_SNAPSHOT", snaps, 1);
		setenv("KVMWATCH_PROC", "/nonexistent", 1);
		execl(bin, "kvmwatch", "top", "-1", "-x", "-z", "-s", "0.1",
		      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(fds[0]);
	waitpid(pid, &st, 0);
	unlink(pa);
	unlink(pb);
	tap_ok(WIFEXITED(st) && !WEXITSTATUS(st),
	       "topview: kvmwatch top -1 exits 0");
	tap_ok(!strcmp(out, want_batch), "topview: kvmwatch top -1 -x -z output");
	if (strcmp(out, want_batch))
		tap_diag("got:\n%s", out);
}

/*
 * A destroyed VM (the module keeps its statistics for a while) is not in
 * the live view: not listed, not counted, as kvm_stat's debugfs drops it.
 */
static void test_gone_vm(void)
{
	struct kvmw_top_tally t;
	struct kvmw_snap sn;
	struct sb b;

	sb_init(&b);
	vm2(&b);
	sb_vm(&b, 300, "300-12", 1, KVMW_VM_GONE, 3);
	sb_vcpu(&b, 0, 301, SVM, 1, 0);
	stats(&b, KVMW_STAT_EXIT, 0, HLT, 0, 5, 1000);
	tap_ok(!kvmw_snap_parse(b.buf, b.len, &sn) && sn.nr_vms == 2,
	       "topview: snapshot with a gone VM parses");
	sb_free(&b);
	tap_ok(!kvmw_top_tally(&sn, NULL, &t), "topview: gone VM: tally");
	tap_ok(t.nr_vms == 1 && t.vms[0].pid == 200,
	       "topview: a gone VM is not listed");
	kvmw_top_tally_free(&t);
	kvmw_snap_free(&sn);
}

/* A nanosecond counter wider than kvm_stat's column stays two numbers. */
static void test_batch_wide(void)
{
	struct kvmw_top_row r = {
		.name = "halt_wait_ns", .ns = true,
		.total = 11991548599ULL, .delta = 999999999ULL,
	};
	struct kvmw_top_view v = { .rows = &r, .nr = 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	kvmw_top_batch(f, &v, false);
	fclose(f);
	tap_eq_str(buf, "halt_wait_ns                               "
		   "11991548599 999999999\n",
		   "topview: -1 keeps a space between wide numbers");
	free(buf);
}

void test_topview(void)
{
	struct kvmw_top_tally ta, tb;

	tallies(&ta, &tb);
	test_screens(&ta, &tb);
	test_text(&ta, &tb);
	test_cpu(&ta, &tb);
	test_cli_once();
	test_batch_wide();
	test_gone_vm();
	tap_ok(kvmw_top_rate(5, 2 * NS) == 2 && kvmw_top_rate(7, 2 * NS) == 4 &&
	   kvmw_top_rate(3, 0) == 0 && kvmw_top_rate(1, NS / 2) == 2,
	   "topview: CurAvg/s rounds half to even");
	kvmw_top_tally_free(&ta);
	kvmw_top_tally_free(&tb);
}
