// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching to kvm.ko without depending on it.
 *
 * Referencing any symbol of kvm.ko would make it a hard dependency:
 * kvmwatch could not load first and "rmmod kvm" would be refused. Instead,
 * KVM's tracepoints are found by name through the tracepoint module
 * notifier, which also replays modules already loaded, and the lifetime
 * kprobes are registered by "kvm:symbol" name from the same notifier:
 * attached on MODULE_STATE_COMING, detached on MODULE_STATE_GOING while
 * kvm.ko's text still exists.
 *
 * Lock order: kvmw_attach_mutex is taken inside the tracepoint core's
 * tracepoint_module_list_mutex (the notifier runs under it) and outside
 * kvmw_vm_lock.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/tracepoint.h>
#include <linux/kprobes.h>
#include <linux/kvm_host.h>

#include "attach.h"
#include "probes.h"
#include "vm.h"
#include "counters.h"
#include "../uapi/linux/kvmwatch.h"

struct kvmw_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;		/* non-NULL while attached */
};

static struct kvmw_tp kvmw_tps[] = {
	{ .name = "kvm_exit", .probe = kvmw_probe_kvm_exit },
	{ .name = "kvm_entry", .probe = kvmw_probe_kvm_entry },
};

static int kvmw_kp_vm_created(struct kprobe *p, struct pt_regs *regs)
{
	kvmw_vm_created((struct kvm *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static int kvmw_kp_vm_destroyed(struct kprobe *p, struct pt_regs *regs)
{
	kvmw_vm_destroyed((struct kvm *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static int kvmw_kp_vcpu_created(struct kprobe *p, struct pt_regs *regs)
{
	kvmw_vcpu_created((struct kvm_vcpu *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static int kvmw_kp_vcpu_destroyed(struct kprobe *p, struct pt_regs *regs)
{
	kvmw_vcpu_destroyed((struct kvm_vcpu *)regs_get_kernel_argument(regs, 0));
	return 0;
}

/*
 * Why these functions: all are arch hooks in x86.c called from
 * virt/kvm/kvm_main.c, so they cannot be inlined, and they exist with the
 * same prototype in 6.1 and 6.12.
 * - kvm_arch_post_init_vm(kvm): after the debugfs directory ("<pid>-<fd>")
 *   exists, before userspace has the VM fd.
 * - kvm_arch_destroy_vm(kvm): destroys the vCPUs, so it runs first.
 * - kvm_arch_vcpu_create(vcpu): before the vCPU fd exists, so the slot is
 *   ready before the first exit.
 * - kvm_arch_vcpu_destroy(vcpu): also on vCPU creation failure.
 */
static struct kprobe kvmw_kps[] = {
	{ .symbol_name = "kvm:kvm_arch_post_init_vm",
	  .pre_handler = kvmw_kp_vm_created },
	{ .symbol_name = "kvm:kvm_arch_destroy_vm",
	  .pre_handler = kvmw_kp_vm_destroyed },
	{ .symbol_name = "kvm:kvm_arch_vcpu_create",
	  .pre_handler = kvmw_kp_vcpu_created },
	{ .symbol_name = "kvm:kvm_arch_vcpu_destroy",
	  .pre_handler = kvmw_kp_vcpu_destroyed },
};

static DEFINE_MUTEX(kvmw_attach_mutex);
static bool kvmw_kvm_present;
static unsigned int kvmw_nr_kprobes;
static unsigned int kvmw_nr_tps;

static struct tracepoint *kvmw_find_tp(struct module *mod, const char *name)
{
	unsigned int i;

	for (i = 0; i < mod->num_tracepoints; i++) {
		struct tracepoint *tp = tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]);

		if (!strcmp(tp->name, name))
			return tp;
	}
	return NULL;
}

static void kvmw_detach_locked(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kvmw_tps); i++) {
		if (!kvmw_tps[i].tp)
			continue;
		WARN_ON_ONCE(tracepoint_probe_unregister(kvmw_tps[i].tp,
							 kvmw_tps[i].probe, NULL));
		kvmw_tps[i].tp = NULL;
	}
	kvmw_nr_tps = 0;
	if (kvmw_nr_kprobes) {
		struct kprobe *kps[ARRAY_SIZE(kvmw_kps)];

		for (i = 0; i < ARRAY_SIZE(kvmw_kps); i++)
			kps[i] = &kvmw_kps[i];
		unregister_kprobes(kps, ARRAY_SIZE(kvmw_kps));
		kvmw_nr_kprobes = 0;
	}
	/* No probe runs past this point, nor uses an object freed below. */
	tracepoint_synchronize_unregister();
	kvmw_vm_forget_all();
}

static void kvmw_attach_locked(struct module *mod)
{
	struct kprobe *kps[ARRAY_SIZE(kvmw_kps)];
	unsigned int i;
	int ret;

	/*
	 * Lifetime kprobes first: a vCPU must get its slot before the exit
	 * probes can see it. kprobe structs are reused across kvm reloads
	 * and must be clean for register_kprobes().
	 */
	for (i = 0; i < ARRAY_SIZE(kvmw_kps); i++) {
		const char *sym = kvmw_kps[i].symbol_name;
		kprobe_pre_handler_t pre = kvmw_kps[i].pre_handler;

		memset(&kvmw_kps[i], 0, sizeof(kvmw_kps[i]));
		kvmw_kps[i].symbol_name = sym;
		kvmw_kps[i].pre_handler = pre;
		kps[i] = &kvmw_kps[i];
	}
	ret = register_kprobes(kps, ARRAY_SIZE(kvmw_kps));
	if (ret) {
		pr_warn("kvmwatch: cannot register lifetime kprobes on kvm: %d\n",
			ret);
		return;
	}
	kvmw_nr_kprobes = ARRAY_SIZE(kvmw_kps);

	for (i = 0; i < ARRAY_SIZE(kvmw_tps); i++) {
		struct tracepoint *tp = kvmw_find_tp(mod, kvmw_tps[i].name);

		if (!tp) {
			pr_warn("kvmwatch: kvm has no tracepoint %s\n",
				kvmw_tps[i].name);
			continue;
		}
		ret = tracepoint_probe_register(tp, kvmw_tps[i].probe, NULL);
		if (ret) {
			pr_warn("kvmwatch: cannot attach to %s: %d\n",
				kvmw_tps[i].name, ret);
			continue;
		}
		kvmw_tps[i].tp = tp;
		kvmw_nr_tps++;
	}
}

static int kvmw_tp_module_notify(struct notifier_block *nb,
				 unsigned long val, void *data)
{
	struct tp_module *tp_mod = data;

	if (strcmp(tp_mod->mod->name, "kvm"))
		return NOTIFY_DONE;

	mutex_lock(&kvmw_attach_mutex);
	switch (val) {
	case MODULE_STATE_COMING:
		if (!kvmw_kvm_present) {
			kvmw_kvm_present = true;
			atomic64_inc(&kvmw_live.kvm_loads);
			kvmw_attach_locked(tp_mod->mod);
		}
		break;
	case MODULE_STATE_GOING:
		if (kvmw_kvm_present) {
			kvmw_detach_locked();
			kvmw_kvm_present = false;
			atomic64_inc(&kvmw_live.kvm_unloads);
		}
		break;
	}
	mutex_unlock(&kvmw_attach_mutex);
	return NOTIFY_OK;
}

static struct notifier_block kvmw_tp_nb = {
	.notifier_call = kvmw_tp_module_notify,
};

void kvmw_attach_state(u32 *state, u64 *tracepoints, u64 *kprobes)
{
	mutex_lock(&kvmw_attach_mutex);
	*tracepoints = kvmw_nr_tps;
	*kprobes = kvmw_nr_kprobes;
	if (!kvmw_kvm_present)
		*state = KVMW_ATTACH_NONE;
	else if (kvmw_nr_tps == ARRAY_SIZE(kvmw_tps) &&
		 kvmw_nr_kprobes == ARRAY_SIZE(kvmw_kps))
		*state = KVMW_ATTACH_FULL;
	else
		*state = KVMW_ATTACH_PARTIAL;
	mutex_unlock(&kvmw_attach_mutex);
}

int kvmw_attach_init(void)
{
	/* Replays MODULE_STATE_COMING for a kvm.ko already loaded. */
	return register_tracepoint_module_notifier(&kvmw_tp_nb);
}

void kvmw_attach_exit(void)
{
	/* Replays MODULE_STATE_GOING: detaches if kvm.ko is loaded. */
	unregister_tracepoint_module_notifier(&kvmw_tp_nb);
}
