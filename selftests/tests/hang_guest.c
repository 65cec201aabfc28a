// SPDX-License-Identifier: GPL-2.0
/*
 * A guest that hangs for ever: "cli; hlt" with an in-kernel irqchip, so
 * the vCPU thread blocks inside KVM_RUN and nothing wakes it. The rig's
 * self-test (selftests/t/20-rig-honest.t) uses it to prove that a hung
 * guest fails the run.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

int main(void)
{
	static const unsigned char code[] = { 0xfa, 0xf4 };	/* cli; hlt */
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int kvm, vm, vcpu;
	void *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_CREATE_IRQCHIP, 0)) {
		perror("hang_guest: VM");
		return 1;
	}
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memcpy(mem, code, sizeof(code));
	region = (struct kvm_userspace_memory_region) {
		.memory_size = 0x1000,
		.userspace_addr = (unsigned long)mem,
	};
	vcpu = ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) ? -1 :
	       ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0 || ioctl(vcpu, KVM_GET_SREGS, &sregs)) {
		perror("hang_guest: vCPU");
		return 1;
	}
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ioctl(vcpu, KVM_SET_SREGS, &sregs);
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;
	ioctl(vcpu, KVM_SET_REGS, &regs);
	printf("hang_guest: entering cli; hlt\n");
	fflush(stdout);
	ioctl(vcpu, KVM_RUN, 0);
	printf("hang_guest: KVM_RUN returned: the guest did not hang\n");
	return 1;
}
