/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw KVM VMs for the netlink tests, without the workload library:
 * VMs with many vCPUs that never run (the library stops at
 * KVMW_MAX_VCPUS), and a two-vCPU VM whose guest loops on OUT while its
 * VMM threads pace it: as fast as it goes, one OUT per 100 ms, or not at
 * all, switched at run time (exit-rate thresholds).
 */
#ifndef NL_VMS_H
#define NL_VMS_H

#include <pthread.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "stats_util.h"

#define VMS_UNUSED	__attribute__((unused))

static int kvm_dev = -1;
static long kvm_run_size;

static VMS_UNUSED void kvm_init(void)
{
	if (kvm_dev >= 0)
		return;
	kvm_dev = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_dev < 0)
		su_die("/dev/kvm: %s", strerror(errno));
	kvm_run_size = ioctl(kvm_dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm_run_size <= 0)
		su_die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
}

struct rvm {
	int fd;
	char id[32];
	unsigned int nr_vcpus;
};

/*
 * A VM whose vCPUs never run: created, their files closed at once (KVM
 * keeps a vCPU until its VM goes), so 1,000 of them need few fds.
 */
static VMS_UNUSED int rvm_create(struct rvm *v, unsigned int nr_vcpus)
{
	v->fd = ioctl(kvm_dev, KVM_CREATE_VM, 0);
	v->nr_vcpus = 0;
	if (v->fd < 0)
		return -errno;
	snprintf(v->id, sizeof(v->id), "%d-%d", (int)getpid(), v->fd);
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		int fd = ioctl(v->fd, KVM_CREATE_VCPU, i);

		if (fd < 0) {
			int err = -errno;

			close(v->fd);
			v->fd = -1;
			return err;
		}
		close(fd);
		v->nr_vcpus++;
	}
	return 0;
}

static VMS_UNUSED void rvm_destroy(struct rvm *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}

/* 16-bit real mode at 0:0: "mov al, 1; l: out 0x80, al; jmp l" */
static const unsigned char out_loop[] = { 0xb0, 0x01, 0xe6, 0x80, 0xeb, 0xfc };

enum pace { PACE_PAUSE, PACE_FAST, PACE_SLOW, PACE_QUIT };
#define PACE_SLOW_US	100000		/* SLOW: one OUT per 100 ms */
#define PACE_VCPUS	2

struct pacer {
	int vm;
	char id[32];
	void *mem;
	struct {
		int fd;
		struct kvm_run *run;
		pthread_t thread;
		bool started;
		int mode;		/* enum pace, atomic */
		uint64_t outs;		/* written by its thread only */
		char err[128];
	} v[PACE_VCPUS];
};

static VMS_UNUSED void *pacer_thread(void *arg)
{
	struct pacer *p = ((void **)arg)[0];
	unsigned int i = (unsigned int)(uintptr_t)((void **)arg)[1];
	int mode;

	free(arg);
	while ((mode = __atomic_load_n(&p->v[i].mode, __ATOMIC_ACQUIRE)) !=
	       PACE_QUIT) {
		struct kvm_run *run = p->v[i].run;

		if (mode == PACE_PAUSE) {
			usleep(5000);
			continue;
		}
		if (ioctl(p->v[i].fd, KVM_RUN, 0)) {
			if (errno == EINTR)
				continue;
			snprintf(p->v[i].err, sizeof(p->v[i].err),
				 "KVM_RUN: %s", strerror(errno));
			break;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x80) {
			snprintf(p->v[i].err, sizeof(p->v[i].err),
				 "unexpected exit %u", run->exit_reason);
			break;
		}
		__atomic_store_n(&p->v[i].outs, p->v[i].outs + 1,
				 __ATOMIC_RELEASE);
		if (mode == PACE_SLOW)
			usleep(PACE_SLOW_US);
	}
	return NULL;
}

static VMS_UNUSED void pacer_create(struct pacer *p)
{
	struct kvm_userspace_memory_region region;

	memset(p, 0, sizeof(*p));
	kvm_init();
	p->vm = ioctl(kvm_dev, KVM_CREATE_VM, 0);
	if (p->vm < 0)
		su_die("KVM_CREATE_VM: %s", strerror(errno));
	snprintf(p->id, sizeof(p->id), "%d-%d", (int)getpid(), p->vm);
	p->mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->mem == MAP_FAILED)
		su_die("mmap: %s", strerror(errno));
	memcpy(p->mem, out_loop, sizeof(out_loop));
	region = (struct kvm_userspace_memory_region){
		.memory_size = 0x1000, .userspace_addr = (uintptr_t)p->mem,
	};
	if (ioctl(p->vm, KVM_SET_USER_MEMORY_REGION, &region))
		su_die("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	for (unsigned int i = 0; i < PACE_VCPUS; i++) {
		struct kvm_sregs sregs;
		struct kvm_regs regs;

		p->v[i].fd = ioctl(p->vm, KVM_CREATE_VCPU, i);
		if (p->v[i].fd < 0)
			su_die("KVM_CREATE_VCPU: %s", strerror(errno));
		p->v[i].run = mmap(NULL, kvm_run_size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, p->v[i].fd, 0);
		if (p->v[i].run == MAP_FAILED ||
		    ioctl(p->v[i].fd, KVM_GET_SREGS, &sregs))
			su_die("vCPU set-up: %s", strerror(errno));
		sregs.cs.base = 0;
		sregs.cs.selector = 0;
		if (ioctl(p->v[i].fd, KVM_SET_SREGS, &sregs))
			su_die("KVM_SET_SREGS: %s", strerror(errno));
		memset(&regs, 0, sizeof(regs));
		regs.rflags = 2;
		if (ioctl(p->v[i].fd, KVM_SET_REGS, &regs))
			su_die("KVM_SET_REGS: %s", strerror(errno));
	}
}

static VMS_UNUSED void pacer_start(struct pacer *p)
{
	for (unsigned int i = 0; i < PACE_VCPUS; i++) {
		void **arg = malloc(2 * sizeof(void *));

		if (!arg)
			su_die("out of memory");
		arg[0] = p;
		arg[1] = (void *)(uintptr_t)i;
		if (pthread_create(&p->v[i].thread, NULL, pacer_thread, arg))
			su_die("pthread_create");
		p->v[i].started = true;
	}
}

static VMS_UNUSED void pacer_mode(struct pacer *p, unsigned int vcpu, int mode)
{
	__atomic_store_n(&p->v[vcpu].mode, mode, __ATOMIC_RELEASE);
}

static VMS_UNUSED uint64_t pacer_outs(struct pacer *p, unsigned int vcpu)
{
	return __atomic_load_n(&p->v[vcpu].outs, __ATOMIC_ACQUIRE);
}

static VMS_UNUSED void pacer_destroy(struct pacer *p)
{
	for (unsigned int i = 0; i < PACE_VCPUS; i++)
		pacer_mode(p, i, PACE_QUIT);
	for (unsigned int i = 0; i < PACE_VCPUS; i++) {
		if (p->v[i].started)
			pthread_join(p->v[i].thread, NULL);
		if (p->v[i].err[0])
			su_fail("paced vCPU %u: %s", i, p->v[i].err);
		munmap(p->v[i].run, kvm_run_size);
		close(p->v[i].fd);
	}
	close(p->vm);
	munmap(p->mem, 0x1000);
}

#endif /* NL_VMS_H */
