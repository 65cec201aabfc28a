// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch: per-vCPU KVM exit and event accounting without BPF.
 */
#include <linux/module.h>
#include <linux/init.h>

#include "attach.h"
#include "dev.h"
#include "vm.h"
#include "counters.h"
#include "netlink.h"

struct kvmw_live kvmw_live;
DEFINE_PER_CPU(u64, kvmw_untracked);
DEFINE_PER_CPU(u64, kvmw_unbound);

static u64 kvmw_percpu_sum(u64 __percpu *counter)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(counter, cpu);
	return sum;
}

u64 kvmw_untracked_sum(void)
{
	return kvmw_percpu_sum(&kvmw_untracked);
}

u64 kvmw_unbound_sum(void)
{
	return kvmw_percpu_sum(&kvmw_unbound);
}

static int __init kvmw_init(void)
{
	int ret;

	ret = kvmw_vm_init();
	if (ret)
		goto out;
	ret = kvmw_dev_init();
	if (ret)
		goto out;
	ret = kvmw_nl_init();
	if (ret)
		goto err_dev;
	/* Last: probes may fire as soon as this returns. */
	ret = kvmw_attach_init();
	if (ret)
		goto err_nl;
	return 0;

err_nl:
	kvmw_nl_exit();
err_dev:
	kvmw_dev_exit();
out:
	return ret;
}

static void __exit kvmw_exit(void)
{
	kvmw_attach_exit();
	kvmw_nl_exit();
	kvmw_dev_exit();
	kvmw_vm_exit();
}

module_init(kvmw_init);
module_exit(kvmw_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kvmwatch developers");
MODULE_DESCRIPTION("KVM exit and event accounting without BPF");
MODULE_VERSION("0.1.0");
