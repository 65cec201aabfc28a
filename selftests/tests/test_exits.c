// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch's exit count against KVM's own (KVM_GET_STATS_FD "exits"), in
 * the same window of the same run: they must be equal, exactly, and so
 * must kvmwatch's entries and exits (one entry per exit). Also: while
 * the guests exist, kvmwatch tracks exactly their VMs and vCPUs, and no
 * exit lands on an untracked vCPU. The test's kvmwatch file enables
 * statistics first: the exit probes are attached only while a file has.
 *
 * Usage: test_exits [VMS [VCPUS]]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvmwatch.h>

#include "../lib/kvmw.h"

#define MAX_VMS 4

static int failures;
static int kvmw_fd;

#define CHECK_EQ(what, got, want) do {					\
	unsigned long long g_ = (got), w_ = (want);			\
	if (g_ == w_) {							\
		printf("ok: %s = %llu\n", what, w_);			\
	} else {							\
		printf("FAIL: %s: got %llu, want %llu\n", what, g_, w_);\
		failures++;						\
	}								\
} while (0)

static void counters(struct kvmw_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	if (ioctl(kvmw_fd, KVMW_IOC_COUNTERS, c)) {
		perror("KVMW_IOC_COUNTERS");
		exit(1);
	}
}

struct window {
	struct kvmw_counters start;
	int started;
};

/* Every vCPU of this VM is at READY, stopped: the window opens. */
static void on_ready(struct kvmw_vm *vm, void *arg)
{
	struct window *w = arg;

	(void)vm;
	counters(&w->start);
	w->started = 1;
}

int main(int argc, char **argv)
{
	unsigned int nr_vms = argc > 1 ? atoi(argv[1]) : 2;
	unsigned int nr_vcpus = argc > 2 ? atoi(argv[2]) : 2;
	struct kvmw_guest_spec spec;
	struct kvmw_vm *vms[MAX_VMS];
	struct kvmw_counters before, during, after;
	struct window w = { 0 };
	unsigned long long kvm_exits = 0;
	unsigned int i, v;

	if (!nr_vms || nr_vms > MAX_VMS || !nr_vcpus) {
		fprintf(stderr, "usage: test_exits [VMS<=%d [VCPUS]]\n", MAX_VMS);
		return 2;
	}
	kvmw_fd = open("/dev/" KVMW_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (kvmw_fd < 0) {
		perror("open /dev/kvmwatch");
		return 1;
	}
	{
		struct kvmw_enable en = {
			.size = sizeof(en), .families = KVMW_ENABLE_STATS,
		};

		if (ioctl(kvmw_fd, KVMW_IOC_ENABLE, &en)) {
			perror("KVMW_IOC_ENABLE");
			return 1;
		}
	}
	counters(&before);
	CHECK_EQ("exit probes attached (kvm_exit, kvm_entry, kvm_msr, kvm_pio, kvm_mmio, kvm_userspace_exit)",
		 before.tracepoints, 6);

	for (i = 0; i < nr_vms; i++) {
		vms[i] = kvmw_vm_create(nr_vcpus, 0);
		if (!vms[i])
			return 1;
	}
	counters(&during);
	CHECK_EQ("VMs tracked", during.vms, before.vms + nr_vms);
	CHECK_EQ("vCPUs tracked", during.vcpus, before.vcpus + nr_vms * nr_vcpus);

	/*
	 * The VMs run one after the other so that one window covers exactly
	 * one VM's exits; the others exist (tracked) but do not run.
	 */
	memset(&spec, 0, sizeof(spec));
	kvmw_spec_add(&spec, nr_vcpus, -1, KVMW_OP_CPUID, 1500, 0, 0);
	kvmw_spec_add(&spec, nr_vcpus, -1, KVMW_OP_OUT, 200, 0x80, 0);
	kvmw_spec_add(&spec, nr_vcpus, -1, KVMW_OP_RDMSR, 100, 0x1b, 0);
	kvmw_spec_add(&spec, nr_vcpus, -1, KVMW_OP_WRMSR, 100, 0x6e0, 0);
	kvmw_spec_add(&spec, nr_vcpus, -1, KVMW_OP_HYPERCALL, 50, 0, 0);
	spec.on_ready = on_ready;
	spec.on_ready_arg = &w;
	spec.timeout_ms = 300000;

	for (i = 0; i < nr_vms; i++) {
		char what[64], why[256];
		const struct kvmw_tally *t;

		w.started = 0;
		if (kvmw_vm_run(vms[i], &spec) || !w.started) {
			fprintf(stderr, "run failed: %s\n", kvmw_vm_error(vms[i]));
			return 1;
		}
		counters(&after);
		if (kvmw_check(vms[i], false, why, sizeof(why))) {
			printf("FAIL: guest did not do what was asked: %s\n", why);
			failures++;
		}
		kvm_exits = 0;
		for (v = 0; v < nr_vcpus; v++) {
			t = kvmw_vm_tally(vms[i], v);
			kvm_exits += t->kstat[KVMW_KSTAT_EXITS];
		}
		snprintf(what, sizeof(what), "VM %s: kvmwatch exits == KVM's exits",
			 kvmw_vm_id(vms[i]));
		CHECK_EQ(what, after.exits - w.start.exits, kvm_exits);
		/* Every vCPU is out of the guest at both ends of the window. */
		CHECK_EQ("entries == exits in the window",
			 after.entries - w.start.entries,
			 after.exits - w.start.exits);
		if (kvm_exits < 1500ULL * nr_vcpus) {
			printf("FAIL: only %llu exits\n", kvm_exits);
			failures++;
		}
	}
	CHECK_EQ("untracked", after.untracked, before.untracked);

	for (i = 0; i < nr_vms; i++)
		kvmw_vm_destroy(vms[i]);
	counters(&after);
	CHECK_EQ("VMs tracked after destroy", after.vms, before.vms);
	CHECK_EQ("vCPUs tracked after destroy", after.vcpus, before.vcpus);
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
