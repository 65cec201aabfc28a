// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvmwatch: one open file is one consumer. See uapi/linux/kvmwatch.h
 * for the protocol.
 */
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/utsname.h>

#include "dev.h"
#include "attach.h"
#include "vm.h"
#include "counters.h"
#include "consumer.h"
#include "decode.h"
#include "version.h"
#include "../uapi/linux/kvmwatch.h"

/*
 * Copy a kernel-filled growable struct to userspace: the caller's leading
 * "__u32 size" says how much it can take; "size" is returned as the
 * kernel's size.
 */
static int kvmw_put_struct(void __user *uarg, void *kstruct, u32 ksize,
			   u32 ver0)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < ver0)
		return -EINVAL;
	*(u32 *)kstruct = ksize;
	if (copy_to_user(uarg, kstruct, min(usize, ksize)))
		return -EFAULT;
	return 0;
}

static long kvmw_ioc_version(void __user *uarg)
{
	struct kvmw_version v = {
		.abi = KVMW_ABI_VERSION,
		.major = KVMW_MAJOR,
		.minor = KVMW_MINOR,
		.patch = KVMW_PATCH,
		.caps = KVMW_CAPS,
	};

	strscpy(v.release, init_utsname()->release, sizeof(v.release));
	v.svm_vmcb_offset = KVMW_SVM_VMCB_OFFSET;
	v.kvm_vcpu_size = sizeof(struct kvm_vcpu);
	return kvmw_put_struct(uarg, &v, sizeof(v), KVMW_VERSION_SIZE_VER0);
}

static long kvmw_ioc_counters(void __user *uarg)
{
	struct kvmw_counters c = {
		.vms = atomic64_read(&kvmw_live.vms),
		.vcpus = atomic64_read(&kvmw_live.vcpus),
		.buffers = atomic64_read(&kvmw_live.buffers),
		.files = atomic64_read(&kvmw_live.files),
		.kvm_loads = atomic64_read(&kvmw_live.kvm_loads),
		.kvm_unloads = atomic64_read(&kvmw_live.kvm_unloads),
		.untracked = kvmw_untracked_sum(),
		.gone_vms = atomic64_read(&kvmw_live.gone_vms),
		.gone_vcpus = atomic64_read(&kvmw_live.gone_vcpus),
		.alloc_failures = atomic64_read(&kvmw_live.alloc_failures),
		.unbound = kvmw_unbound_sum(),
	};

	kvmw_exits_sum(&c.exits, &c.entries);
	kvmw_attach_state(&c.attach_state, &c.tracepoints, &c.kprobes,
			  &c.stats_consumers);
	return kvmw_put_struct(uarg, &c, sizeof(c), KVMW_COUNTERS_SIZE_VER0);
}

/*
 * Every structure carries its own size, so the size field of an ioctl
 * number is not part of the ABI: a caller built against an older or a
 * newer header, whose structure had another size, reaches the same ioctl.
 * Type, number and direction must match.
 */
#define KVMW_IOC_NOSIZE(cmd)	((cmd) & ~IOCSIZE_MASK)

static long kvmw_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kvmw_consumer *c = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (KVMW_IOC_NOSIZE(cmd)) {
	case KVMW_IOC_NOSIZE(KVMW_IOC_VERSION):
		return kvmw_ioc_version(uarg);
	case KVMW_IOC_NOSIZE(KVMW_IOC_COUNTERS):
		return kvmw_ioc_counters(uarg);
	case KVMW_IOC_NOSIZE(KVMW_IOC_SNAPSHOT):
		return kvmw_consumer_snapshot(c, uarg);
	case KVMW_IOC_NOSIZE(KVMW_IOC_SET_FILTER):
		return kvmw_consumer_set_filter(c, uarg);
	case KVMW_IOC_NOSIZE(KVMW_IOC_ENABLE):
		return kvmw_consumer_enable(c, uarg);
	case KVMW_IOC_RESET:
		return kvmw_consumer_reset(c, arg);
	case KVMW_IOC_NOSIZE(KVMW_IOC_RING_SETUP):
		return kvmw_consumer_ring_setup(c, uarg);
	case KVMW_IOC_NOSIZE(KVMW_IOC_TEST_EVENTS):
		return kvmw_consumer_test_events(c, uarg);
	default:
		return -ENOTTY;
	}
}

static int kvmw_open(struct inode *inode, struct file *file)
{
	struct kvmw_consumer *c;

	/* The mode is 0600, but an admin may relax it: stay root-only. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	c = kvmw_consumer_new();
	if (!c)
		return -ENOMEM;
	file->private_data = c;
	atomic64_inc(&kvmw_live.files);
	return nonseekable_open(inode, file);
}

static int kvmw_release(struct inode *inode, struct file *file)
{
	kvmw_consumer_free(file->private_data);
	atomic64_dec(&kvmw_live.files);
	return 0;
}

static int kvmw_mmap(struct file *file, struct vm_area_struct *vma)
{
	return kvmw_consumer_mmap(file->private_data, vma);
}

static __poll_t kvmw_poll(struct file *file, poll_table *pt)
{
	return kvmw_consumer_poll(file->private_data, file, pt);
}

static const struct file_operations kvmw_fops = {
	.owner = THIS_MODULE,
	.open = kvmw_open,
	.release = kvmw_release,
	.unlocked_ioctl = kvmw_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = kvmw_mmap,
	.poll = kvmw_poll,
};

static struct miscdevice kvmw_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KVMW_DEVICE_NAME,
	.fops = &kvmw_fops,
	.mode = 0600,
};

int kvmw_dev_init(void)
{
	return misc_register(&kvmw_misc);
}

void kvmw_dev_exit(void)
{
	misc_deregister(&kvmw_misc);
}
