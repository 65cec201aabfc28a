/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the statistics tests (test_stats, test_readers, test_scope,
 * test_churn, test_dev): checks with exact expected values, kvmwatch files
 * with stats enabled, and the comparison of a VM's snapshot with what its
 * guest did (the workload library's tally) and with KVM's own counters.
 *
 * The counting window of a VM (see lib/kvmw.h) runs from READY to DONE.
 * A test resets a kvmwatch file in the VM's on_ready hook (every vCPU is
 * then stopped just after its READY exit, which is still open) and takes
 * a snapshot after kvmw_vm_wait() (every vCPU stopped after its DONE exit,
 * open while the VM lives, "unfinished" once it is destroyed). So, per
 * vCPU, over the window:
 *  - kvm_exit events = KVM's "exits" delta (READY's exit is before the
 *    reset, DONE's after), and each reason's timed count = the guest's
 *    tally (READY's io exit is timed inside the window, DONE's is not).
 *  - exits + open at reset = sum of reason rows + unfinished +
 *    negative_time + open now (the uapi counting contract, with the exit
 *    open at the reset).
 * Everything here is written for AMD SVM (the rig's TCG exposes only SVM).
 */
#ifndef KVMW_STATS_UTIL_H
#define KVMW_STATS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvmwatch.h>

#include "../lib/kvmw.h"
#include "../../tools/lib/snapshot.h"

#define SU_UNUSED __attribute__((unused))

/* SVM exit codes (uapi asm/svm.h); the C tests of AMD-only paths use them */
#define SVM_INTR	0x060
#define SVM_NMI		0x061
#define SVM_VINTR	0x064
#define SVM_CPUID	0x072
#define SVM_HLT		0x078
#define SVM_IOIO	0x07b
#define SVM_MSR		0x07c
#define SVM_VMMCALL	0x081
#define SVM_NPF		0x400

#define MSR_X2APIC_ICR	0x830

static int su_failures;
static const char *su_prefix = "";

#define su_ull(x)	((unsigned long long)(x))

/* Each check prints one line: "ok: ..." or "FAIL: ..." (counted). */
static SU_UNUSED bool su_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s%s", su_prefix, ok ? "ok: " : "FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		su_failures++;
	return ok;
}

/*
 * Exact equality; "quiet" checks print only failures (per-row checks
 * would flood the log otherwise).
 */
static bool su_quiet;

static SU_UNUSED bool su_eq(const char *what, unsigned long long got,
			    unsigned long long want)
{
	if (got == want) {
		if (!su_quiet)
			printf("%sok: %s = %llu\n", su_prefix, what, want);
		return true;
	}
	printf("%sFAIL: %s: got %llu, want %llu\n", su_prefix, what, got, want);
	su_failures++;
	return false;
}

/* A failure already described; or just a note. */
static SU_UNUSED void su_fail(const char *fmt, ...)
{
	va_list ap;

	printf("%sFAIL: ", su_prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	su_failures++;
}

static SU_UNUSED void su_note(const char *fmt, ...)
{
	va_list ap;

	printf("%s# ", su_prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static SU_UNUSED void su_die(const char *fmt, ...)
{
	va_list ap;

	printf("%sFAIL (fatal): ", su_prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	exit(1);
}

static SU_UNUSED int su_done(void)
{
	printf("%s%d failure(s)\n", su_prefix, su_failures);
	fflush(stdout);
	return su_failures ? 1 : 0;
}

static SU_UNUSED double su_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static SU_UNUSED pid_t su_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* ---- the device ---- */

static SU_UNUSED int su_open(void)
{
	int fd = open("/dev/" KVMW_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		su_die("open /dev/" KVMW_DEVICE_NAME ": %s", strerror(errno));
	return fd;
}

/* A file with stats enabled (and the filter, if any). */
static SU_UNUSED int su_open_stats(const struct kvmw_filter *f)
{
	int fd = su_open(), r;

	r = kvmw_dev_enable(fd, KVMW_ENABLE_STATS);
	if (r)
		su_die("KVMW_IOC_ENABLE STATS: %s", strerror(-r));
	if (f) {
		r = kvmw_dev_filter(fd, f);
		if (r)
			su_die("KVMW_IOC_SET_FILTER: %s", strerror(-r));
	}
	return fd;
}

static SU_UNUSED struct kvmw_filter su_filter_pid(pid_t pid, bool tree)
{
	struct kvmw_filter f = { .size = sizeof(f) };

	f.flags = KVMW_FILTER_PID | (tree ? KVMW_FILTER_PID_TREE : 0);
	f.pid = pid;
	return f;
}

static SU_UNUSED struct kvmw_filter su_filter_vm(const char *id)
{
	struct kvmw_filter f = { .size = sizeof(f), .flags = KVMW_FILTER_VM };

	snprintf(f.vm, sizeof(f.vm), "%s", id);
	return f;
}

static SU_UNUSED void su_counters(int fd, struct kvmw_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	if (ioctl(fd, KVMW_IOC_COUNTERS, c))
		su_die("KVMW_IOC_COUNTERS: %s", strerror(errno));
	if (c->size < KVMW_COUNTERS_SIZE_VER1)
		su_die("module's kvmw_counters has %u bytes, want >= %u",
		       c->size, KVMW_COUNTERS_SIZE_VER1);
}

static SU_UNUSED void su_snap(int fd, unsigned int flags, struct kvmw_snap *s)
{
	int r = kvmw_snap_take(fd, flags, s);

	if (r)
		su_die("KVMW_IOC_SNAPSHOT (flags %#x): %s", flags, strerror(-r));
}

static SU_UNUSED const struct kvmw_snap_vm *
su_find_vm(const struct kvmw_snap *s, const char *id, pid_t pid)
{
	const struct kvmw_snap_vm *found = NULL;

	/* ids are reused once a VM's fd is: the newest match wins */
	for (size_t i = 0; i < s->nr_vms; i++)
		if (!strcmp(s->vms[i].rec.id, id) &&
		    (!pid || s->vms[i].rec.pid == pid) &&
		    (!found || s->vms[i].rec.serial > found->rec.serial))
			found = &s->vms[i];
	return found;
}

static SU_UNUSED const struct kvmw_snap_vcpu *
su_find_vcpu(const struct kvmw_snap_vm *vm, unsigned int id)
{
	for (size_t i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].rec.vcpu_id == id)
			return &vm->vcpus[i];
	return NULL;
}

static SU_UNUSED u64 su_count(const struct kvmw_snap_vcpu *v, unsigned int kind,
			      unsigned int sub, u32 code, u64 key)
{
	const struct kvmw_snap_stat *s = kvmw_snap_find(v, kind, sub, code, key);

	return s ? s->rec.count : 0;
}

static SU_UNUSED u64 su_exit_count(const struct kvmw_snap_vcpu *v, u32 code)
{
	return su_count(v, KVMW_STAT_EXIT, KVMW_SUB_NONE, code, 0);
}

/*
 * The exits the workloads cause, by what they are, in the codes of this
 * CPU's KVM: SVM exit codes or VMX basic reasons (SDM vol. 3 app. C).
 * SVM has one MSR reason with read and write child rows, and one NPF for
 * all MMIO; VMX has MSR_READ and MSR_WRITE, and an MMIO access is an
 * EPT_VIOLATION the first time a page is touched (KVM installs its MMIO
 * SPTE) and an EPT_MISCONFIG after. A VMX deadline that expires while
 * the vCPU runs is a PREEMPTION_TIMER exit (SVM has none: 0).
 */
enum su_why {
	SU_INTR, SU_VINTR, SU_CPUID, SU_HLT, SU_IO, SU_HCALL, SU_MSR_RD,
	SU_MSR_WR, SU_MMIO, SU_MMIO_FIRST, SU_TIMER, SU__NR
};

static const u32 su_svm_codes[SU__NR] = {
	SVM_INTR, SVM_VINTR, SVM_CPUID, SVM_HLT, SVM_IOIO, SVM_VMMCALL,
	SVM_MSR, SVM_MSR, SVM_NPF, SVM_NPF, 0,
};

static const u32 su_vmx_codes[SU__NR] = {
	1 /* EXTERNAL_INTERRUPT */, 7 /* INTERRUPT_WINDOW */, 10 /* CPUID */,
	12 /* HLT */, 30 /* IO_INSTRUCTION */, 18 /* VMCALL */,
	31 /* MSR_READ */, 32 /* MSR_WRITE */, 49 /* EPT_MISCONFIG */,
	48 /* EPT_VIOLATION */, 52 /* PREEMPTION_TIMER */,
};

static SU_UNUSED bool su_is_amd(void);

/* This CPU's ISA, from /proc/cpuinfo once. */
static SU_UNUSED u32 su_isa(void)
{
	static u32 isa;

	if (!isa)
		isa = su_is_amd() ? KVMW_ISA_SVM : KVMW_ISA_VMX;
	return isa;
}

static SU_UNUSED u32 su_code(enum su_why why)
{
	return (su_isa() == KVMW_ISA_SVM ? su_svm_codes : su_vmx_codes)[why];
}

/* Exits of one kind; MSR reads and writes apart on SVM and VMX alike. */
static SU_UNUSED u64 su_why_count(const struct kvmw_snap_vcpu *v,
				  enum su_why why)
{
	if (su_isa() == KVMW_ISA_SVM && why == SU_MSR_RD)
		return su_count(v, KVMW_STAT_EXIT, KVMW_SUB_READ, SVM_MSR, 0);
	if (su_isa() == KVMW_ISA_SVM && why == SU_MSR_WR)
		return su_count(v, KVMW_STAT_EXIT, KVMW_SUB_WRITE, SVM_MSR, 0);
	return su_exit_count(v, su_code(why));
}

/* The exit rows of one kind: the codes and, through @user, their returns. */
static SU_UNUSED u64 su_why_rows(const struct kvmw_snap_vcpu *v,
				 enum su_why why, u64 *user)
{
	u32 codes[2] = { su_code(why), su_code(why) };
	u64 n = 0;

	if (why == SU_MMIO && su_isa() == KVMW_ISA_VMX)
		codes[1] = su_code(SU_MMIO_FIRST);
	*user = 0;
	for (int i = 0; i < (codes[1] == codes[0] ? 1 : 2); i++) {
		const struct kvmw_snap_stat *s =
			kvmw_snap_find(v, KVMW_STAT_EXIT, 0, codes[i], 0);

		if (s) {
			n += s->rec.count;
			*user += s->rec.user;
		}
	}
	return n;
}

/* All MMIO exits: SVM's NPF; VMX's EPT_MISCONFIG and EPT_VIOLATION. */
static SU_UNUSED u64 su_mmio_count(const struct kvmw_snap_vcpu *v)
{
	u64 user;

	return su_why_rows(v, SU_MMIO, &user);
}

/* A reason the workloads may cause, and may it return to the VMM? */
static SU_UNUSED bool su_why_known(u32 code, bool *to_vmm)
{
	for (int w = 0; w < SU__NR; w++) {
		if (su_code(w) != code || !code)
			continue;
		*to_vmm = w == SU_IO || w == SU_MMIO || w == SU_MMIO_FIRST;
		return true;
	}
	return false;
}

/* ---- the kernel under test ---- */

/* 1 for "Y"/"1" in a module parameter file, 0 for "N"/"0", -1 absent. */
static SU_UNUSED int su_param_bool(const char *path)
{
	char buf[16] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

static SU_UNUSED long su_param_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* 6.1 SVM: the x2APIC ICR fastpath runs before kvm_exit (needs nrips). */
static SU_UNUSED bool su_icr_msr_early(void)
{
	struct utsname u;

	uname(&u);
	return !strncmp(u.release, "6.1.", 4) &&
	       su_param_bool("/sys/module/kvm_amd/parameters/nrips") == 1;
}

static SU_UNUSED bool su_is_amd(void)
{
	char line[256];
	bool amd = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (!amd && fgets(line, sizeof(line), f))
		amd = strstr(line, "AuthenticAMD") != NULL;
	fclose(f);
	return amd;
}

/* KVM's debugfs, per VM: sums over the VM's vCPUs. */
static SU_UNUSED void su_debugfs_mount(void)
{
	if (access("/sys/kernel/debug/kvm", R_OK) == 0)
		return;
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL))
		su_note("mount debugfs: %s", strerror(errno));
}

static SU_UNUSED long long su_debugfs(const char *vm_id, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%s/%s", vm_id, name);
	return su_param_long(path);
}

/*
 * The guest did what its spec asked (kvmw_check, strict: KVM's io_exits,
 * mmio_exits, halt_exits and hypercalls too). An interrupt QEMU/TCG
 * delivered twice is counted once, as KVM injected it (irq_dups, in
 * selftests/lib/kvmw.h), so there is no exception to allow for.
 */
static SU_UNUSED void su_check_guest(const char *tag, const struct kvmw_vm *vm)
{
	char why[512];
	int bad = kvmw_check(vm, true, why, sizeof(why));

	su_check(!bad, "%s: the guest did exactly what was asked (KVM strict)%s%s",
		 tag, bad ? ": " : "", bad ? why : "");
}

/* ---- rows: internal consistency of one statistics row ---- */

static SU_UNUSED unsigned int su_bucket(u64 ns)
{
	unsigned int b;

	if (ns < (1ULL << KVMW_HIST_SHIFT))
		return 0;
	b = 64 - __builtin_clzll(ns) - KVMW_HIST_SHIFT;	/* fls - shift */
	return b < KVMW_HIST_BUCKETS - 1 ? b : KVMW_HIST_BUCKETS - 1;
}

static SU_UNUSED void su_row_name(const struct kvmw_rec_stat *r, char *buf,
				  size_t len)
{
	static const char *const kinds[] = { "exit", "ioport", "mmio", "msr" };
	static const char *const subs[] = { "", ":R", ":W" };

	snprintf(buf, len, "%s %#x%s key %#llx",
		 r->kind < 4 ? kinds[r->kind] : "?", r->code,
		 r->sub < 3 ? subs[r->sub] : ":?", su_ull(r->key));
}

/*
 * min <= avg <= max, histogram sums to count (and holds min and max in its
 * outermost buckets), sum of squares within [total^2/n, n*max^2],
 * user <= count, no empty row.
 */
static SU_UNUSED void su_check_row(const char *where,
				   const struct kvmw_snap_stat *s, bool hist)
{
	const struct kvmw_rec_stat *r = &s->rec;
	unsigned __int128 sumsq = ((unsigned __int128)r->sumsq_hi << 64) |
				  r->sumsq_lo;
	unsigned __int128 tot2 = (unsigned __int128)r->total_ns * r->total_ns;
	unsigned __int128 n = r->count;
	u64 hsum = 0;
	int lo = -1, hi = -1;
	char name[80];

	su_row_name(r, name, sizeof(name));
	if (!r->count) {
		su_fail("%s: %s: row with count 0 listed", where, name);
		return;
	}
	if (!((unsigned __int128)r->min_ns * n <= r->total_ns &&
	      r->total_ns <= (unsigned __int128)r->max_ns * n))
		su_fail("%s: %s: min %llu <= avg %llu/%llu <= max %llu violated",
			where, name, su_ull(r->min_ns), su_ull(r->total_ns),
			su_ull(r->count), su_ull(r->max_ns));
	if (r->user > r->count)
		su_fail("%s: %s: user %llu > count %llu", where, name,
			su_ull(r->user), su_ull(r->count));
	/* n * sumsq >= total^2; both sides fit 128 bits for sane values */
	if (sumsq && sumsq * n / n == sumsq && sumsq * n < tot2)
		su_fail("%s: %s: sum of squares below total^2/count", where, name);
	if (!sumsq && r->total_ns)
		su_fail("%s: %s: sum of squares 0 with total %llu ns", where,
			name, su_ull(r->total_ns));
	if (r->max_ns < (1ULL << 32) &&
	    sumsq > n * r->max_ns * r->max_ns)
		su_fail("%s: %s: sum of squares above count*max^2", where, name);

	if (!hist) {
		if (r->nr_buckets)
			su_fail("%s: %s: %u histogram buckets on a breakdown row",
				where, name, r->nr_buckets);
		return;
	}
	if (r->nr_buckets != KVMW_HIST_BUCKETS) {
		su_fail("%s: %s: %u histogram buckets, want %u", where, name,
			r->nr_buckets, KVMW_HIST_BUCKETS);
		return;
	}
	for (int b = 0; b < KVMW_HIST_BUCKETS; b++) {
		hsum += s->hist[b];
		if (s->hist[b] && lo < 0)
			lo = b;
		if (s->hist[b])
			hi = b;
	}
	if (hsum != r->count)
		su_fail("%s: %s: histogram sums to %llu, count %llu", where, name,
			su_ull(hsum), su_ull(r->count));
	else if (!(r->flags & KVMW_STAT_MINMAX_BOUND) &&
		 (su_bucket(r->min_ns) != (unsigned int)lo ||
		  su_bucket(r->max_ns) != (unsigned int)hi))
		su_fail("%s: %s: min %llu ns (bucket %u) / max %llu ns (bucket %u) outside histogram buckets %d..%d",
			where, name, su_ull(r->min_ns), su_bucket(r->min_ns),
			su_ull(r->max_ns), su_bucket(r->max_ns), lo, hi);
}

/* ---- a VM's window against its tally ---- */

/* What each vCPU's window started from: set in the VM's on_ready. */
struct su_window {
	int fd;				/* the file reset at READY */
	bool done;			/* on_ready ran */
	int reset_err;
	pid_t ready_tid;		/* the vCPU thread that ran on_ready */
	unsigned int nr_vcpus;
	u32 open_at_reset[KVMW_MAX_VCPUS];
	u64 serial;			/* the VM's, from the raw snapshot */
};

/*
 * on_ready hook: reset the window's file, then record from a raw snapshot
 * which vCPUs had an exit open (their READY exit, normally all).
 */
static SU_UNUSED void su_on_ready(struct kvmw_vm *vm, void *arg)
{
	struct su_window *w = arg;
	const struct kvmw_snap_vm *sv;
	struct kvmw_snap s;
	int r;

	w->ready_tid = su_gettid();
	w->reset_err = kvmw_dev_reset(w->fd);
	r = kvmw_snap_take(w->fd, KVMW_SNAP_RAW | KVMW_SNAP_NO_HIST |
			   KVMW_SNAP_NO_BREAKDOWN | KVMW_SNAP_NO_RIPS, &s);
	if (r) {
		w->reset_err = w->reset_err ? w->reset_err : r;
	} else {
		sv = su_find_vm(&s, kvmw_vm_id(vm), getpid());
		w->nr_vcpus = sv ? sv->nr_vcpus : 0;
		w->serial = sv ? sv->rec.serial : 0;
		for (size_t i = 0; sv && i < sv->nr_vcpus; i++)
			if (sv->vcpus[i].rec.vcpu_id < KVMW_MAX_VCPUS)
				w->open_at_reset[sv->vcpus[i].rec.vcpu_id] =
					sv->vcpus[i].rec.open;
		kvmw_snap_free(&s);
	}
	w->done = true;
}

static SU_UNUSED u64 su_tally_sum(const struct kvmw_tally *t, enum kvmw_evkind ev)
{
	u64 n = 0;

	for (unsigned int i = 0; i < t->nr_counts; i++)
		if (t->counts[i].ev == ev)
			n += t->counts[i].guest;
	return n;
}

static SU_UNUSED u64 su_tally_user(const struct kvmw_tally *t, enum kvmw_evkind ev)
{
	u64 n = 0;

	for (unsigned int i = 0; i < t->nr_counts; i++)
		if (t->counts[i].ev == ev)
			n += t->counts[i].user;
	return n;
}

/* Distinct sites (RIPs) of an op kind on a vCPU: one per op with a count. */
static SU_UNUSED unsigned int su_spec_sites(const struct kvmw_guest_spec *spec,
					    unsigned int vcpu,
					    enum kvmw_op_kind kind)
{
	unsigned int n = 0;

	for (unsigned int k = 0; k < spec->nr_ops[vcpu]; k++)
		n += spec->ops[vcpu][k].kind == kind && spec->ops[vcpu][k].count;
	return n;
}

/* Breakdown kinds, directions and the tally's events behind them. */
static const struct {
	unsigned int kind, sub;
	enum kvmw_evkind ev;
	bool user;			/* every one returns to the VMM */
} su_bd[] = {
	{ KVMW_STAT_IOPORT, KVMW_SUB_WRITE, KVMW_EV_OUT, true },
	{ KVMW_STAT_IOPORT, KVMW_SUB_READ, KVMW_EV_IN, true },
	{ KVMW_STAT_MSR, KVMW_SUB_READ, KVMW_EV_RDMSR, false },
	{ KVMW_STAT_MSR, KVMW_SUB_WRITE, KVMW_EV_WRMSR, false },
	{ KVMW_STAT_MMIO, KVMW_SUB_READ, KVMW_EV_MMIO_RD, true },
	{ KVMW_STAT_MMIO, KVMW_SUB_WRITE, KVMW_EV_MMIO_WR, true },
};

static SU_UNUSED bool su_bd_expected(const struct kvmw_tally *t,
				     const struct kvmw_rec_stat *r)
{
	for (size_t b = 0; b < sizeof(su_bd) / sizeof(su_bd[0]); b++)
		if (su_bd[b].kind == r->kind && su_bd[b].sub == r->sub) {
			const struct kvmw_count *c =
				kvmw_tally_find(t, su_bd[b].ev, r->key);

			return c && c->guest;
		}
	return false;
}

struct su_vm_expect {
	const char *tag;		/* for messages */
	struct kvmw_vm *vm;		/* its last run: tally and spec */
	const struct kvmw_guest_spec *spec;
	const struct su_window *w;	/* NULL: window = lifetime */
	pid_t pid, ppid;
	bool gone;			/* destroyed before the snapshot */
	bool msr_early;			/* 6.1 SVM ICR fastpath expected */
};

/*
 * The snapshot of one VM over its window against the guest's tally and
 * KVM's per-vCPU statistics of the same window. See the top of this file.
 */
static SU_UNUSED void su_check_vm(const struct su_vm_expect *e,
				  const struct kvmw_snap *snap,
				  const struct kvmw_snap_vm *sv)
{
	unsigned int nr = kvmw_vm_nr_vcpus(e->vm);
	const struct kvmw_rec_vm *rv = &sv->rec;
	char what[160];
	pid_t tids[KVMW_MAX_VCPUS];
	bool ready_tid_seen = false;

#define W(...) (snprintf(what, sizeof(what), __VA_ARGS__), what)
	su_eq(W("%s: VM pid", e->tag), rv->pid, e->pid);
	su_eq(W("%s: VM ppid", e->tag), rv->ppid, e->ppid);
	su_eq(W("%s: VM nr_vcpus", e->tag), rv->nr_vcpus, nr);
	su_eq(W("%s: vCPU records", e->tag), sv->nr_vcpus, nr);
	su_eq(W("%s: VM flags (gone)", e->tag), rv->flags,
	      e->gone ? KVMW_VM_GONE : 0);
	su_check(e->gone ? rv->gone_ns >= rv->created_ns &&
			   rv->gone_ns <= snap->hdr.time_ns : rv->gone_ns == 0,
		 "%s: gone_ns %llu (created %llu, snapshot %llu)", e->tag,
		 su_ull(rv->gone_ns), su_ull(rv->created_ns),
		 su_ull(snap->hdr.time_ns));
	su_check(rv->created_ns && rv->created_ns <= snap->hdr.time_ns,
		 "%s: created_ns %llu <= snapshot time %llu", e->tag,
		 su_ull(rv->created_ns), su_ull(snap->hdr.time_ns));
	if (e->w)
		su_eq(W("%s: serial same as at READY", e->tag), rv->serial,
		      e->w->serial);

	for (unsigned int i = 0; i < nr; i++) {
		const struct kvmw_snap_vcpu *v = su_find_vcpu(sv, i);
		const struct kvmw_tally *t = kvmw_vm_tally(e->vm, i);
		const struct kvmw_rec_vcpu *rc;
		u64 cpuid, out, in, rd, wr, hlt, mmr, mmw, hc, sum0 = 0, rips = 0;
		u64 open0 = e->w ? e->w->open_at_reset[i] : 0;
		u64 user_returns = 0, want_early, to_vmm;
		char vt[64];

		snprintf(vt, sizeof(vt), "%s vcpu%u", e->tag, i);
		tids[i] = 0;
		if (!v) {
			su_fail("%s: no vCPU record", vt);
			continue;
		}
		rc = &v->rec;
		tids[i] = rc->tid;
		ready_tid_seen |= e->w && rc->tid == e->w->ready_tid;

		cpuid = su_tally_sum(t, KVMW_EV_CPUID);
		out = su_tally_sum(t, KVMW_EV_OUT);
		in = su_tally_sum(t, KVMW_EV_IN);
		rd = su_tally_sum(t, KVMW_EV_RDMSR);
		wr = su_tally_sum(t, KVMW_EV_WRMSR);
		hlt = su_tally_sum(t, KVMW_EV_HLT);
		mmr = su_tally_sum(t, KVMW_EV_MMIO_RD);
		mmw = su_tally_sum(t, KVMW_EV_MMIO_WR);
		hc = su_tally_sum(t, KVMW_EV_HYPERCALL);
		for (int r = 0; r < KVMW_NR_EXIT_REASONS; r++)
			user_returns += t->exit_reason[r];

		/* per reason: the guest's tally and KVM's own counters */
		su_eq(W("%s: cpuid exits", vt), su_why_count(v, SU_CPUID), cpuid);
		su_eq(W("%s: io exits = guest OUT+IN", vt),
		      su_why_count(v, SU_IO), out + in);
		su_eq(W("%s: io exits = KVM io_exits", vt),
		      su_why_count(v, SU_IO), t->kstat[KVMW_KSTAT_IO_EXITS]);
		if (su_isa() == KVMW_ISA_SVM)
			su_eq(W("%s: msr exits", vt),
			      su_exit_count(v, SVM_MSR), rd + wr);
		su_eq(W("%s: msr read exits", vt), su_why_count(v, SU_MSR_RD), rd);
		su_eq(W("%s: msr write exits", vt), su_why_count(v, SU_MSR_WR), wr);
		su_eq(W("%s: hlt exits = guest HLT", vt),
		      su_why_count(v, SU_HLT), hlt);
		su_eq(W("%s: hlt exits = KVM halt_exits", vt),
		      su_why_count(v, SU_HLT), t->kstat[KVMW_KSTAT_HALT_EXITS]);
		su_eq(W("%s: mmio exits (npf, ept) = guest MMIO", vt),
		      su_mmio_count(v), mmr + mmw);
		su_eq(W("%s: mmio exits (npf, ept) = KVM mmio_exits", vt),
		      su_mmio_count(v), t->kstat[KVMW_KSTAT_MMIO_EXITS]);
		su_eq(W("%s: hypercall exits = guest VMMCALL/VMCALL", vt),
		      su_why_count(v, SU_HCALL), hc);
		su_eq(W("%s: hypercall exits = KVM hypercalls", vt),
		      su_why_count(v, SU_HCALL), t->kstat[KVMW_KSTAT_HYPERCALLS]);
		su_eq(W("%s: interrupt exits = KVM irq_exits", vt),
		      su_why_count(v, SU_INTR), t->kstat[KVMW_KSTAT_IRQ_EXITS]);
		su_eq(W("%s: interrupt-window exits = KVM irq_window_exits", vt),
		      su_why_count(v, SU_VINTR),
		      t->kstat[KVMW_KSTAT_IRQ_WINDOW_EXITS]);
		su_eq(W("%s: kvm_exit events = KVM exits", vt), rc->exits,
		      t->kstat[KVMW_KSTAT_EXITS]);
		su_eq(W("%s: entries = exits", vt), rc->entries, rc->exits);
		/* exits that reached userspace: all IO and MMIO, nothing else */
		su_why_rows(v, SU_IO, &to_vmm);
		su_eq(W("%s: io exits returned to the VMM", vt), to_vmm,
		      su_tally_user(t, KVMW_EV_OUT) + su_tally_user(t, KVMW_EV_IN));
		su_why_rows(v, SU_MMIO, &to_vmm);
		su_eq(W("%s: mmio exits returned to the VMM", vt), to_vmm,
		      su_tally_user(t, KVMW_EV_MMIO_RD) +
		      su_tally_user(t, KVMW_EV_MMIO_WR));
		su_eq(W("%s: KVM_RUN returns", vt), rc->user_returns, user_returns);

		/* the counting contract, with the exit open at the reset */
		for (size_t s = 0; s < v->nr_stats; s++) {
			const struct kvmw_rec_stat *r = &v->stats[s].rec;
			bool may_return = false;

			if (r->kind != KVMW_STAT_EXIT || r->sub)
				continue;
			sum0 += r->count;
			if (!su_why_known(r->code, &may_return))
				su_fail("%s: unexpected exit reason %#x (%llu exits)",
					vt, r->code, su_ull(r->count));
			if (!r->user)
				continue;
			if (!may_return)
				su_fail("%s: exit reason %#x: %llu returned to the VMM, want 0",
					vt, r->code, su_ull(r->user));
		}
		su_eq(W("%s: exits + open at reset = rows + unfinished + negative_time + open",
			vt), rc->exits + open0,
		      sum0 + rc->unfinished + rc->negative_time + rc->open);
		if (e->w)
			su_eq(W("%s: exit open at READY", vt), open0, 1);
		su_eq(W("%s: exit open now", vt), rc->open, e->gone ? 0 : 1);
		su_eq(W("%s: unfinished", vt), rc->unfinished, e->gone ? 1 : 0);

		/* anomalies */
		su_eq(W("%s: exit_without_entry", vt), rc->exit_without_entry, 0);
		su_eq(W("%s: entry_without_exit", vt), rc->entry_without_exit,
		      e->w ? 0 : 1);
		su_eq(W("%s: user_without_exit", vt), rc->user_without_exit, 0);
		su_eq(W("%s: negative_time", vt), rc->negative_time, 0);
		su_eq(W("%s: orphan_events", vt), rc->orphan_events, 0);
		su_eq(W("%s: decode_errors", vt), rc->decode_errors, 0);
		su_eq(W("%s: dropped_reasons", vt), rc->dropped_reasons, 0);
		for (int b = 0; b < KVMW_BD_NR; b++)
			su_eq(W("%s: dropped_keys[%d]", vt, b),
			      rc->dropped_keys[b], 0);
		su_eq(W("%s: dropped_rips", vt), rc->dropped_rips, 0);
		su_eq(W("%s: isa", vt), rc->isa, su_isa());
		su_eq(W("%s: nr_stats = rows parsed", vt), rc->nr_stats, v->nr_stats);
		su_eq(W("%s: nr_rips = RIP records parsed", vt), rc->nr_rips,
		      v->nr_rips);
		su_check(rc->tid > 0, "%s: tid %d", vt, rc->tid);

		/* 6.1 SVM: every ICR write took the fastpath before kvm_exit */
		want_early = e->msr_early ? kvmw_tally_find(t, KVMW_EV_WRMSR,
					MSR_X2APIC_ICR) ?
			kvmw_tally_find(t, KVMW_EV_WRMSR, MSR_X2APIC_ICR)->guest : 0 : 0;
		su_eq(W("%s: msr_early (ICR fastpath before kvm_exit)", vt),
		      rc->msr_early, want_early);

		/* breakdowns: exactly the guest's ports, MSRs and addresses */
		for (size_t b = 0; b < sizeof(su_bd) / sizeof(su_bd[0]); b++) {
			for (unsigned int c = 0; c < t->nr_counts; c++) {
				const struct kvmw_count *k = &t->counts[c];
				const struct kvmw_snap_stat *s;

				if (k->ev != su_bd[b].ev || !k->guest)
					continue;
				s = kvmw_snap_find(v, su_bd[b].kind, su_bd[b].sub,
						   0, k->key);
				su_eq(W("%s: %s %#llx", vt, kvmw_ev_name(k->ev),
					su_ull(k->key)), s ? s->rec.count : 0,
				      k->guest);
				if (s)
					su_eq(W("%s: %s %#llx returned to the VMM",
						vt, kvmw_ev_name(k->ev),
						su_ull(k->key)), s->rec.user,
					      su_bd[b].user ? k->user : 0);
			}
		}

		/* every row consistent; no row the guest did not cause */
		for (size_t s = 0; s < v->nr_stats; s++) {
			const struct kvmw_snap_stat *st = &v->stats[s];
			char name[80];

			su_check_row(vt, st, st->rec.kind == KVMW_STAT_EXIT);
			if (st->rec.kind != KVMW_STAT_EXIT &&
			    !su_bd_expected(t, &st->rec)) {
				su_row_name(&st->rec, name, sizeof(name));
				su_fail("%s: breakdown row %s (%llu) the guest did not cause",
					vt, name, su_ull(st->rec.count));
			}
		}

		/* RIPs: counted per exit, at the sites of the program */
		for (size_t r = 0; r < v->nr_rips; r++)
			rips += v->rips[r].count;
		su_eq(W("%s: RIP counts sum to exits", vt), rips, rc->exits);
		if (e->spec) {
			const struct { u32 code; enum kvmw_op_kind op; }
			sites[] = { { su_code(SU_CPUID), KVMW_OP_CPUID },
				    { su_code(SU_HCALL), KVMW_OP_HYPERCALL } };

			for (size_t k = 0; k < 2; k++) {
				unsigned int n = 0;
				u64 c = 0;

				for (size_t r = 0; r < v->nr_rips; r++)
					if (v->rips[r].code == sites[k].code) {
						n++;
						c += v->rips[r].count;
					}
				su_eq(W("%s: RIPs of exit %#x", vt, sites[k].code),
				      n, su_spec_sites(e->spec, i, sites[k].op));
				su_eq(W("%s: RIP counts of exit %#x", vt,
					sites[k].code), c,
				      su_exit_count(v, sites[k].code));
			}
		}
	}
	if (e->w)
		su_check(ready_tid_seen,
			 "%s: the on_ready thread %d is one of the vCPU tids",
			 e->tag, e->w->ready_tid);
	for (unsigned int i = 0; i < nr; i++)
		for (unsigned int j = i + 1; j < nr; j++)
			if (tids[i] && tids[i] == tids[j])
				su_fail("%s: vcpu%u and vcpu%u share tid %d",
					e->tag, i, j, tids[i]);
#undef W
}

/* Two snapshots of the same stopped VM: every vCPU row identical. */
static SU_UNUSED void su_same_rows(const char *what,
				   const struct kvmw_snap_vm *a,
				   const struct kvmw_snap_vm *b)
{
	size_t bad = 0;

	if (a->nr_vcpus != b->nr_vcpus) {
		su_fail("%s: %zu vs %zu vCPUs", what, a->nr_vcpus, b->nr_vcpus);
		return;
	}
	for (size_t i = 0; i < a->nr_vcpus; i++) {
		const struct kvmw_snap_vcpu *x = &a->vcpus[i];
		const struct kvmw_snap_vcpu *y = su_find_vcpu(b, x->rec.vcpu_id);

		if (!y || x->nr_stats != y->nr_stats || x->nr_rips != y->nr_rips ||
		    x->rec.exits != y->rec.exits ||
		    x->rec.entries != y->rec.entries ||
		    x->rec.user_returns != y->rec.user_returns) {
			bad++;
			continue;
		}
		for (size_t s = 0; s < x->nr_stats; s++) {
			const struct kvmw_snap_stat *p = &x->stats[s];
			const struct kvmw_snap_stat *q =
				kvmw_snap_find(y, p->rec.kind, p->rec.sub,
					       p->rec.code, p->rec.key);

			if (!q || p->rec.count != q->rec.count ||
			    p->rec.total_ns != q->rec.total_ns ||
			    p->rec.min_ns != q->rec.min_ns ||
			    p->rec.max_ns != q->rec.max_ns ||
			    p->rec.sumsq_lo != q->rec.sumsq_lo ||
			    p->rec.user != q->rec.user ||
			    memcmp(p->hist, q->hist, sizeof(p->hist)))
				bad++;
		}
	}
	su_check(!bad, "%s (%zu differences)", what, bad);
}

#endif /* KVMW_STATS_UTIL_H */
