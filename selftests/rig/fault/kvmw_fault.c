// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the rig's own self-test: proves that a kernel
 * warning makes "make check" fail. Never shipped, never built by DKMS.
 *
 *   insmod kvmw_fault.ko warn=1   raises one WARN() at load
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/bug.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "raise a WARN() at load");

static int __init kvmw_fault_init(void)
{
	WARN(warn, "kvmw_fault: injected warning\n");
	return 0;
}

static void __exit kvmw_fault_exit(void)
{
}

module_init(kvmw_fault_init);
module_exit(kvmw_fault_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvmwatch rig self-test fault injection");
