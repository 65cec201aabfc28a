// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes under churn (issue 4): N VMs (default 1000), one after the
 * other, each with one vCPU that runs a little (three OUTs to port 0x80,
 * then HLT to userspace, no in-kernel irqchip) and is destroyed, with
 * statistics enabled. Afterwards every live-object counter is back at its
 * baseline, nothing failed to allocate or went untracked, and the bounded
 * gone list holds the last min(N, gone_max) VMs, newest last, each with
 * its exact final numbers. With one job the test also notes the serials
 * of the first VM the list must keep and of the last VM while they live.
 *
 * Usage: test_churn [N [JOBS]]   JOBS processes share the N VMs (1)
 */
#include <linux/kvm.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "stats_util.h"

#define OUTS	3

/* 16-bit real mode at 0:0: "mov al, 1; out 0x80, al" x OUTS; hlt */
static const unsigned char code[] = {
	0xb0, 0x01, 0xe6, 0x80, 0xe6, 0x80, 0xe6, 0x80, 0xf4,
};

/* With one job: the serials of the VMs the gone list must end with. */
static int serial_fd = -1;
static unsigned int first_kept, last_kept;
static u64 serial_first, serial_last;

/* The serial of this process's only live VM, from a snapshot. */
static u64 live_serial(void)
{
	struct kvmw_snap s;
	u64 serial = 0;

	if (kvmw_snap_take(serial_fd, KVMW_SNAP_NO_HIST | KVMW_SNAP_NO_BREAKDOWN |
			   KVMW_SNAP_NO_RIPS, &s))
		return 0;
	for (size_t i = 0; i < s.nr_vms; i++)
		if (!(s.vms[i].rec.flags & KVMW_VM_GONE)) {
			if (serial)
				su_fail("more than one live VM");
			serial = s.vms[i].rec.serial;
		}
	kvmw_snap_free(&s);
	return serial;
}

/* One VM's whole life. Returns 0, or -1 with a message. */
static int one_vm(int kvm, long run_size, unsigned int idx)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run = MAP_FAILED;
	int vm, vcpu = -1, outs = 0, ret = -1;
	void *mem;

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		su_fail("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		goto out;
	memcpy(mem, code, sizeof(code));
	region = (struct kvm_userspace_memory_region){
		.memory_size = 0x1000, .userspace_addr = (unsigned long)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		goto out;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		goto out;
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs))
		goto out;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		goto out;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		goto out;
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0)) {
			if (errno == EINTR)
				continue;
			su_fail("KVM_RUN: %s", strerror(errno));
			goto out;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x80) {
			outs++;
			continue;
		}
		break;
	}
	if (run->exit_reason != KVM_EXIT_HLT || outs != OUTS) {
		su_fail("guest: exit %u after %d OUTs", run->exit_reason, outs);
		goto out;
	}
	if (serial_fd >= 0 && idx == first_kept)
		serial_first = live_serial();
	if (serial_fd >= 0 && idx == last_kept)
		serial_last = live_serial();
	ret = 0;
out:
	if (ret && !su_failures)
		su_fail("VM set-up: %s", strerror(errno));
	if (run != MAP_FAILED)
		munmap(run, run_size);
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	if (mem != MAP_FAILED)
		munmap(mem, 0x1000);
	return ret;
}

static int worker(unsigned int n)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	long run_size = kvm < 0 ? -1 : ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	if (run_size <= 0)
		su_die("/dev/kvm: %s", strerror(errno));
	for (unsigned int i = 0; i < n; i++)
		if (one_vm(kvm, run_size, i))
			return 1;
	close(kvm);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? (unsigned int)atoi(argv[1]) : 1000;
	unsigned int jobs = argc > 2 ? (unsigned int)atoi(argv[2]) : 1;
	long gone_max = su_param_long("/sys/module/kvmwatch/parameters/gone_max");
	struct kvmw_counters c0, c1;
	struct kvmw_filter f;
	struct kvmw_snap s;
	u64 want_gone, kept, prev_serial = 0;
	unsigned int bad_vm = 0, order = 0;
	double t0, dt;
	int fd, status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!n || !jobs || jobs > 16 || gone_max < 0) {
		printf("usage: test_churn [N [JOBS<=16]]; needs kvmwatch's gone_max (%ld)\n",
		       gone_max);
		return 2;
	}
	f = su_filter_pid(getpid(), true);
	fd = su_open_stats(&f);
	su_counters(fd, &c0);

	t0 = su_now();
	fflush(stdout);
	if (jobs == 1) {
		/* in this process, noting which VMs the gone list must keep */
		serial_fd = fd;
		last_kept = n - 1;
		first_kept = n > (u64)gone_max ? n - gone_max : 0;
		if (worker(n))
			su_fail("the churn failed");
	}
	for (unsigned int j = 0; jobs > 1 && j < jobs; j++) {
		pid_t pid = fork();

		if (pid < 0)
			su_die("fork");
		if (!pid)
			_exit(worker(n / jobs + (j < n % jobs)));
	}
	for (unsigned int j = 0; jobs > 1 && j < jobs; j++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			su_fail("a churn worker failed (status %#x)", status);
	dt = su_now() - t0;
	su_note("timing: %u VMs in %.1f s (%.1f ms each, %u job(s))", n, dt,
		dt * 1000 / n, jobs);

	su_counters(fd, &c1);
	su_eq("vms back at baseline", c1.vms, c0.vms);
	su_eq("vcpus back at baseline", c1.vcpus, c0.vcpus);
	su_eq("buffers back at baseline", c1.buffers, c0.buffers);
	su_eq("files back at baseline", c1.files, c0.files);
	su_eq("untracked", c1.untracked, c0.untracked);
	su_eq("unbound", c1.unbound, c0.unbound);
	su_eq("alloc_failures", c1.alloc_failures, 0);
	su_eq("stats_consumers", c1.stats_consumers, c0.stats_consumers);
	want_gone = c0.gone_vms + n < (u64)gone_max ? c0.gone_vms + n :
		    (u64)gone_max;
	su_eq("gone_vms = min(before + N, gone_max)", c1.gone_vms, want_gone);
	kept = n < (u64)gone_max ? n : (u64)gone_max;
	if (n >= (u64)gone_max)
		su_eq("gone_vcpus: the list holds only this test's 1-vCPU VMs",
		      c1.gone_vcpus, gone_max);
	else if (c0.gone_vms + n <= (u64)gone_max)
		su_eq("gone_vcpus: one more per VM", c1.gone_vcpus,
		      c0.gone_vcpus + n);
	/* each VM: entry, exit, ..., entry, exit (its HLT, unfinished) */
	su_eq("kvm_entry events = kvm_exit events during the churn",
	      c1.entries - c0.entries, c1.exits - c0.exits);

	/* the gone list: this test's last VMs, oldest first, final numbers */
	su_snap(fd, 0, &s);
	su_eq("gone VMs of this test listed", s.nr_vms, kept);
	su_quiet = true;
	for (size_t i = 0; i < s.nr_vms; i++) {
		const struct kvmw_snap_vm *vm = &s.vms[i];
		const struct kvmw_snap_vcpu *v = vm->nr_vcpus ? &vm->vcpus[0] : NULL;
		int before = su_failures;
		u64 to_vmm;

		order += vm->rec.serial <= prev_serial;
		prev_serial = vm->rec.serial;
		su_eq("gone", vm->rec.flags, KVMW_VM_GONE);
		su_eq("vCPUs", vm->nr_vcpus, 1);
		if (!v)
			continue;
		su_eq("io exits", su_why_count(v, SU_IO), OUTS);
		su_eq("port 0x80 OUT", su_count(v, KVMW_STAT_IOPORT,
						KVMW_SUB_WRITE, 0, 0x80), OUTS);
		su_why_rows(v, SU_IO, &to_vmm);
		su_eq("io exits returned to the VMM", to_vmm, OUTS);
		su_eq("hlt timed (the last exit is unfinished)",
		      su_why_count(v, SU_HLT), 0);
		su_eq("unfinished", v->rec.unfinished, 1);
		su_eq("open", v->rec.open, 0);
		su_eq("entry_without_exit", v->rec.entry_without_exit, 1);
		su_eq("KVM_RUN returns", v->rec.user_returns, OUTS + 1);
		su_eq("anomalies", v->rec.exit_without_entry +
		      v->rec.orphan_events + v->rec.decode_errors +
		      v->rec.user_without_exit + v->rec.dropped_reasons +
		      v->rec.dropped_rips, 0);
		{
			u64 sum0 = 0;

			for (size_t k = 0; k < v->nr_stats; k++)
				if (v->stats[k].rec.kind == KVMW_STAT_EXIT &&
				    !v->stats[k].rec.sub)
					sum0 += v->stats[k].rec.count;
			su_eq("exits = rows + unfinished + negative_time",
			      v->rec.exits, sum0 + v->rec.unfinished +
			      v->rec.negative_time);
		}
		bad_vm += su_failures != before;
	}
	su_quiet = false;
	su_eq("gone VMs with a wrong number", bad_vm, 0);
	su_eq("gone VMs out of creation order", order, 0);
	if (jobs == 1 && s.nr_vms) {
		su_eq("oldest gone VM kept: the Nth from last",
		      s.vms[0].rec.serial, serial_first);
		su_eq("newest gone VM: the last one", s.vms[s.nr_vms - 1].rec.serial,
		      serial_last);
	}
	kvmw_snap_free(&s);
	close(fd);
	return su_done();
}
