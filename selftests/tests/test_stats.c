// SPDX-License-Identifier: GPL-2.0
/*
 * Known workloads against kvmwatch's statistics, exactly (issue 7).
 *
 * One process runs two VMs of two vCPUs at once, each vCPU with its own mix
 * of CPUID, OUT and IN on distinct ports, RDMSR, WRMSR, MMIO reads and
 * writes, VMMCALL, x2APIC self-IPIs and (one vCPU only) timed HLTs; a
 * second process runs a third VM beside them, started before and stopped
 * after. Every VM has its own kvmwatch file, filtered to it (by VM name;
 * by pid for the other process) and reset in its on_ready hook; after the
 * run each file's snapshot must equal, per vCPU, per reason, per port, MSR
 * and MMIO address and direction, what the guest did (its tally) and what
 * KVM counted (KVM_GET_STATS_FD) in the same window. While the VMs still
 * exist, an unfiltered file's lifetime view must agree with KVM's debugfs
 * (exits, io_exits, halt_exits, mmio_exits, irq_exits, irq_window_exits,
 * hypercalls). Destroyed VMs stay readable, with the same numbers.
 *
 * On 6.1 with nrips, the x2APIC ICR writes go through KVM's fastpath
 * before kvm_exit: msr_early must count each, and MSR 0x830:W and the msr
 * write row must still equal the guest's IPIs.
 *
 * Usage: test_stats [SCALE]   (multiplies the op counts; default 1)
 */
#include <signal.h>
#include <sys/wait.h>

#include "stats_util.h"

static unsigned int scale = 1;

#define N(x)	((x) * scale)

/* vCPU 0 and 1 of VM A1, of VM A2, of the VM beside them (B) */
static void spec_a1(struct kvmw_guest_spec *s)
{
	memset(s, 0, sizeof(*s));
	kvmw_spec_add(s, 2, 0, KVMW_OP_CPUID, N(200), 0, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_OUT, N(60), 0x80, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_IN, N(40), 0x71, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_RDMSR, N(30), 0x1b, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_WRMSR, N(30), 0x6e0, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_MMIO_WRITE, N(20), 0xd0000000, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_MMIO_READ, N(20), 0xd0000000, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_HYPERCALL, N(25), 0, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_CPUID, N(30), 0x80000000, 0);

	kvmw_spec_add(s, 2, 1, KVMW_OP_IPI, N(30), 1, 0);	/* self */
	kvmw_spec_add(s, 2, 1, KVMW_OP_CPUID, N(100), 1, 0);
	kvmw_spec_add(s, 2, 1, KVMW_OP_OUT, N(50), 0x81, 0);
	kvmw_spec_add(s, 2, 1, KVMW_OP_OUT, N(10), 0x3f8, 0);
	kvmw_spec_add(s, 2, 1, KVMW_OP_RDMSR, N(20), 0x1b, 0);
	kvmw_spec_add(s, 2, 1, KVMW_OP_WRMSR, N(15), 0x277,
		      0x0007040600070406ULL);
	kvmw_spec_add(s, 2, 1, KVMW_OP_MMIO_READ, N(15), 0xd0001000, 0);
}

static void spec_a2(struct kvmw_guest_spec *s)
{
	memset(s, 0, sizeof(*s));
	kvmw_spec_add(s, 2, 0, KVMW_OP_CPUID, N(150), 0x80000000, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_OUT, N(40), 0x3f8, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_IN, N(30), 0x72, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_IN, N(10), 0x71, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_WRMSR, N(20), 0x8b, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_HYPERCALL, N(20), 0, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_MMIO_WRITE, N(25), 0xd0002000, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_IPI, N(20), 0, 0);	/* self */
	kvmw_spec_add(s, 2, 0, KVMW_OP_HYPERCALL, N(5), 0, 0);
	/* timed HLTs alone on vCPU 1 */
	kvmw_spec_add(s, 2, 1, KVMW_OP_HLT, N(20), 0, 0);
}

static void spec_b(struct kvmw_guest_spec *s)
{
	memset(s, 0, sizeof(*s));
	kvmw_spec_add(s, 2, 0, KVMW_OP_CPUID, 40, 2, 0);
	kvmw_spec_add(s, 2, 0, KVMW_OP_OUT, 20, 0x82, 0);
	kvmw_spec_add(s, 2, 1, KVMW_OP_IN, 20, 0x73, 0);
	kvmw_spec_add(s, 2, 1, KVMW_OP_RDMSR, 10, 0x1b, 0);
	kvmw_spec_add(s, 2, 1, KVMW_OP_HYPERCALL, 10, 0, 0);
	kvmw_spec_add(s, 2, 1, KVMW_OP_MMIO_WRITE, 10, 0xd0003000, 0);
}

static void check_guest(const char *tag, struct kvmw_vm *vm)
{
	su_check_guest(tag, vm);
}

/* ---- the VM beside: another process, rounds until told to stop ---- */

static int beside(int ready_w, int stop_r)
{
	struct kvmw_filter f = su_filter_pid(getpid(), false);
	struct su_window w = { 0 };
	struct su_vm_expect e = { .tag = "B" };
	const struct kvmw_snap_vm *sv;
	struct kvmw_guest_spec spec;
	struct kvmw_snap s;
	struct kvmw_vm *vm;
	char c;

	su_prefix = "[B] ";
	w.fd = su_open_stats(&f);
	vm = kvmw_vm_create(2, 0);
	if (!vm)
		su_die("kvmw_vm_create");
	spec_b(&spec);
	spec.forever = true;
	spec.timeout_ms = 300000;
	spec.on_ready = su_on_ready;
	spec.on_ready_arg = &w;
	if (kvmw_vm_start(vm, &spec))
		su_die("start: %s", kvmw_vm_error(vm));
	while (!__atomic_load_n(&w.done, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (write(ready_w, "R", 1) != 1)
		su_die("pipe");
	/* the parent's VMs run now; stop when told (or when it died) */
	if (read(stop_r, &c, 1) < 0)
		su_note("stop pipe: %s", strerror(errno));
	kvmw_request_stop();
	if (kvmw_vm_wait(vm))
		su_fail("B: run: %s", kvmw_vm_error(vm));
	su_check(!w.reset_err, "B: reset at READY (%d)", w.reset_err);
	su_note("B: %llu rounds", su_ull(kvmw_vm_tally(vm, -1)->rounds));
	check_guest("B", vm);

	e.vm = vm;
	e.spec = &spec;
	e.w = &w;
	e.pid = getpid();
	e.ppid = getppid();
	e.msr_early = su_icr_msr_early();
	su_snap(w.fd, 0, &s);
	su_eq("B: the pid filter lists one VM", s.nr_vms, 1);
	sv = su_find_vm(&s, kvmw_vm_id(vm), getpid());
	if (sv)
		su_check_vm(&e, &s, sv);
	else
		su_fail("B: VM %s not in its snapshot", kvmw_vm_id(vm));
	kvmw_snap_free(&s);
	kvmw_vm_destroy(vm);
	close(w.fd);
	return su_done();
}

/* ---- the two VMs of this process ---- */

struct vm_run {
	const char *tag;
	struct kvmw_vm *vm;
	struct kvmw_guest_spec spec;
	struct su_window w;
	struct kvmw_snap alive;		/* own file, after the run */
};

/* An unfiltered lifetime view of a stopped, live VM against debugfs. */
static void check_debugfs(const struct vm_run *r, const struct kvmw_snap *all)
{
	const struct kvmw_snap_vm *sv = su_find_vm(all, kvmw_vm_id(r->vm),
						   getpid());
	u64 exits = 0, io = 0, open = 0, hlt = 0, mmio = 0, irq = 0, win = 0;
	u64 hc = 0, wew = 0;
	char what[128];

	if (!sv) {
		su_fail("%s: not in the unfiltered snapshot", r->tag);
		return;
	}
	for (size_t i = 0; i < sv->nr_vcpus; i++) {
		const struct kvmw_snap_vcpu *v = &sv->vcpus[i];
		u64 sum0 = 0;

		exits += v->rec.exits;
		open += v->rec.open;
		io += su_why_count(v, SU_IO);
		hlt += su_why_count(v, SU_HLT);
		irq += su_why_count(v, SU_INTR);
		win += su_why_count(v, SU_VINTR);
		hc += su_why_count(v, SU_HCALL);
		wew += v->rec.entry_without_exit;
		for (size_t s = 0; s < v->nr_stats; s++) {
			const struct kvmw_rec_stat *st = &v->stats[s].rec;

			if (st->kind == KVMW_STAT_MMIO)
				mmio += st->count;
			if (st->kind == KVMW_STAT_EXIT && !st->sub)
				sum0 += st->count;
		}
		snprintf(what, sizeof(what),
			 "%s vcpu%u lifetime: exits = rows + unfinished + negative_time + open",
			 r->tag, v->rec.vcpu_id);
		su_eq(what, v->rec.exits, sum0 + v->rec.unfinished +
		      v->rec.negative_time + v->rec.open);
		snprintf(what, sizeof(what),
			 "%s vcpu%u lifetime: entries + open = exits + entry_without_exit",
			 r->tag, v->rec.vcpu_id);
		su_eq(what, v->rec.entries + v->rec.open,
		      v->rec.exits + v->rec.entry_without_exit);
	}
#define DBG(name, got) do {						\
	snprintf(what, sizeof(what), "%s: lifetime %s = debugfs %s/%s",	\
		 r->tag, #got, kvmw_vm_id(r->vm), name);		\
	su_eq(what, got, su_debugfs(kvmw_vm_id(r->vm), name));		\
} while (0)
	DBG("exits", exits);
	/* the open exit of each vCPU is its DONE OUT, already in io_exits */
	snprintf(what, sizeof(what), "%s: lifetime io + open = debugfs io_exits",
		 r->tag);
	su_eq(what, io + open, su_debugfs(kvmw_vm_id(r->vm), "io_exits"));
	DBG("halt_exits", hlt);
	DBG("mmio_exits", mmio);
	DBG("irq_exits", irq);
	DBG("irq_window_exits", win);
	DBG("hypercalls", hc);
#undef DBG
	snprintf(what, sizeof(what), "%s: first entries (one per vCPU)", r->tag);
	su_eq(what, wew, sv->nr_vcpus);
}

int main(int argc, char **argv)
{
	struct vm_run run[2] = { { .tag = "A1" }, { .tag = "A2" } };
	int ready[2], stop[2], all, status;
	struct kvmw_counters c0, c1;
	struct kvmw_snap s_all, s;
	long gone_max;
	double t0 = su_now(), t_run;
	bool early = su_icr_msr_early();
	pid_t child;
	char c;

	if (argc > 1)
		scale = atoi(argv[1]) > 0 ? atoi(argv[1]) : 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	su_debugfs_mount();
	gone_max = su_param_long("/sys/module/kvmwatch/parameters/gone_max");
	su_note("kvm_amd nrips=%d: ICR fastpath before kvm_exit expected: %s",
		su_param_bool("/sys/module/kvm_amd/parameters/nrips"),
		early ? "yes" : "no");

	/* the unfiltered file: enabled before any VM exists */
	all = su_open_stats(NULL);
	su_counters(all, &c0);

	if (pipe(ready) || pipe(stop))
		su_die("pipe");
	fflush(stdout);
	child = fork();
	if (child < 0)
		su_die("fork");
	if (!child) {
		close(ready[0]);
		close(stop[1]);
		close(all);
		_exit(beside(ready[1], stop[0]));
	}
	close(ready[1]);
	close(stop[0]);
	if (read(ready[0], &c, 1) != 1)
		su_die("the VM beside never became ready");

	spec_a1(&run[0].spec);
	spec_a2(&run[1].spec);
	for (int i = 0; i < 2; i++) {
		struct kvmw_filter f;

		run[i].vm = kvmw_vm_create(2, 0);
		if (!run[i].vm)
			su_die("kvmw_vm_create");
		f = su_filter_vm(kvmw_vm_id(run[i].vm));
		run[i].w.fd = su_open_stats(&f);
		run[i].spec.timeout_ms = 300000;
		run[i].spec.on_ready = su_on_ready;
		run[i].spec.on_ready_arg = &run[i].w;
	}
	for (int i = 0; i < 2; i++)
		if (kvmw_vm_start(run[i].vm, &run[i].spec))
			su_die("%s: start: %s", run[i].tag,
			       kvmw_vm_error(run[i].vm));
	for (int i = 0; i < 2; i++)
		if (kvmw_vm_wait(run[i].vm))
			su_fail("%s: run: %s", run[i].tag,
				kvmw_vm_error(run[i].vm));
	t_run = su_now() - t0;

	/* both VMs alive and stopped: KVM's debugfs against the lifetime view */
	su_snap(all, KVMW_SNAP_RAW, &s_all);
	for (int i = 0; i < 2; i++)
		check_debugfs(&run[i], &s_all);
	{
		unsigned int n = 0;

		for (size_t i = 0; i < s_all.nr_vms; i++)
			n += s_all.vms[i].rec.pid == child &&
			     !(s_all.vms[i].rec.flags & KVMW_VM_GONE);
		su_eq("unfiltered view: the live VM beside (other process)", n, 1);
	}
	kvmw_snap_free(&s_all);

	/* each VM's own window, alive */
	for (int i = 0; i < 2; i++) {
		struct su_vm_expect e = {
			.tag = run[i].tag, .vm = run[i].vm, .spec = &run[i].spec,
			.w = &run[i].w, .pid = getpid(), .ppid = getppid(),
			.msr_early = early,
		};
		const struct kvmw_snap_vm *sv;

		check_guest(run[i].tag, run[i].vm);
		su_check(run[i].w.done && !run[i].w.reset_err,
			 "%s: reset at READY (%d)", run[i].tag, run[i].w.reset_err);
		su_snap(run[i].w.fd, 0, &run[i].alive);
		su_eq("VM filter lists one VM", run[i].alive.nr_vms, 1);
		sv = su_find_vm(&run[i].alive, kvmw_vm_id(run[i].vm), getpid());
		if (sv)
			su_check_vm(&e, &run[i].alive, sv);
		else
			su_fail("%s: not in its own snapshot", run[i].tag);
	}

	/* destroyed: still listed, same numbers, the open exit unfinished */
	for (int i = 1; i >= 0; i--) {
		struct su_vm_expect e = {
			.vm = run[i].vm, .spec = &run[i].spec, .w = &run[i].w,
			.pid = getpid(), .ppid = getppid(), .msr_early = early,
			.gone = true,
		};
		const struct kvmw_snap_vm *sv, *old;
		char tag[32], id[32];

		snprintf(tag, sizeof(tag), "%s gone", run[i].tag);
		snprintf(id, sizeof(id), "%s", kvmw_vm_id(run[i].vm));
		e.tag = tag;
		kvmw_vm_close(run[i].vm);	/* KVM destroys it; tally kept */
		su_snap(run[i].w.fd, 0, &s);
		su_eq("VM filter lists the gone VM", s.nr_vms, 1);
		sv = su_find_vm(&s, id, getpid());
		old = su_find_vm(&run[i].alive, id, getpid());
		if (sv && old) {
			su_check_vm(&e, &s, sv);
			su_same_rows(tag, old, sv);
		} else {
			su_fail("%s: not listed after destroy", tag);
		}
		kvmw_snap_free(&s);
		kvmw_snap_free(&run[i].alive);
	}

	if (write(stop[1], "S", 1) != 1)
		su_fail("stop pipe");
	if (waitpid(child, &status, 0) != child ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		su_fail("the VM beside (pid %d) failed its own checks, status %#x",
			child, status);
	else
		su_check(true, "the VM beside passed its own checks");

	/* all three gone, still listed; live objects back */
	su_snap(all, 0, &s);
	{
		unsigned int gone = 0;

		for (size_t i = 0; i < s.nr_vms; i++)
			gone += (s.vms[i].rec.pid == getpid() ||
				 s.vms[i].rec.pid == child) &&
				(s.vms[i].rec.flags & KVMW_VM_GONE);
		su_eq("this test's gone VMs listed", gone, 3);
	}
	kvmw_snap_free(&s);
	for (int i = 0; i < 2; i++) {
		close(run[i].w.fd);
		kvmw_vm_destroy(run[i].vm);
	}
	su_counters(all, &c1);
	su_eq("vms back", c1.vms, c0.vms);
	su_eq("vcpus back", c1.vcpus, c0.vcpus);
	su_eq("untracked", c1.untracked, c0.untracked);
	su_eq("unbound", c1.unbound, c0.unbound);
	su_eq("alloc_failures", c1.alloc_failures, 0);
	su_eq("stats_consumers back (this file only)", c1.stats_consumers,
	      c0.stats_consumers);
	if (gone_max >= 0)
		su_eq("gone_vms", c1.gone_vms,
		      c0.gone_vms + 3 < (u64)gone_max ? c0.gone_vms + 3 :
		      (u64)gone_max);
	else
		su_fail("no /sys/module/kvmwatch/parameters/gone_max");
	if (c0.gone_vms + 3 <= (u64)gone_max)
		su_eq("gone_vcpus", c1.gone_vcpus, c0.gone_vcpus + 6);
	close(all);
	su_note("timing: VMs ran in %.1f s, whole test %.1f s", t_run,
		su_now() - t0);
	return su_done();
}
