// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_bad_entry N: N failed VM entries on Intel VMX, for the exit decoder's
 * test of the full 32-bit exit reason (selftests/vm/90-vmx.sh).
 *
 * RFLAGS bit 3 is reserved and must be 0 on VM entry (SDM vol. 3, 27.3.1.4).
 * KVM_SET_REGS does not check it, so the processor refuses the entry with
 * exit reason 33 (invalid guest state) and bit 31 (VM-entry failure) set:
 * 0x80000021. KVM reports it as KVM_EXIT_FAIL_ENTRY and the state stays
 * invalid, so every KVM_RUN fails the same way.
 *
 * The VM gets one page of memory although the guest never runs: 6.1
 * sizes KVM's MMU page pool from the memslots, and without any KVM_RUN
 * fails with ENOSPC before it tries the entry.
 *
 * Prints "id=<pid>-<fd>" (KVM's debugfs name of the VM) and, per failed
 * entry, nothing; exits 0 only if all N KVM_RUNs returned
 * KVM_EXIT_FAIL_ENTRY with hardware reason 0x80000021.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define RFLAGS_FIXED		0x2ULL	/* bit 1: always 1 */
#define RFLAGS_RESERVED_3	0x8ULL
#define FAILED_INVALID_STATE	0x80000021ULL

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region = { .memory_size = 0x1000 };
	struct kvm_run *run;
	struct kvm_regs regs;
	void *mem;
	int kvm, vm, vcpu, size;
	long n, i;

	n = argc == 2 ? strtol(argv[1], NULL, 0) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: vmx_bad_entry N\n");
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	mem = mmap(NULL, region.memory_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm < 0 || mem == MAP_FAILED) {
		perror("vmx_bad_entry: VM");
		return 3;
	}
	region.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region)) {
		perror("vmx_bad_entry: memslot");
		return 3;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	size = vcpu < 0 ? -1 : ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0) {
		perror("vmx_bad_entry: VM");
		return 3;
	}
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED || ioctl(vcpu, KVM_GET_REGS, &regs)) {
		perror("vmx_bad_entry: vCPU");
		return 3;
	}
	regs.rflags = RFLAGS_FIXED | RFLAGS_RESERVED_3;
	if (ioctl(vcpu, KVM_SET_REGS, &regs)) {
		perror("vmx_bad_entry: KVM_SET_REGS");
		return 3;
	}
	printf("id=%d-%d\n", getpid(), vm);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		if (ioctl(vcpu, KVM_RUN, 0)) {
			fprintf(stderr, "vmx_bad_entry: KVM_RUN %ld: %s\n", i,
				strerror(errno));
			return 1;
		}
		if (run->exit_reason != KVM_EXIT_FAIL_ENTRY ||
		    run->fail_entry.hardware_entry_failure_reason !=
		    FAILED_INVALID_STATE) {
			fprintf(stderr,
				"vmx_bad_entry: KVM_RUN %ld: exit %u, reason %#llx\n",
				i, run->exit_reason,
				(unsigned long long)
				run->fail_entry.hardware_entry_failure_reason);
			return 1;
		}
	}
	printf("failed_entries=%ld\n", n);
	return 0;
}
