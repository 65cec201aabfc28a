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
 * The lifetime kprobes stay registered while kvm.ko is loaded, so that
 * every vCPU has its statistics block before it first runs. Every other
 * probe is attached only while some consumer has a family enabled that
 * needs it (statistics, or an event family; or always_on is set): with
 * nobody reading, KVM costs nothing more than it does without kvmwatch.
 *
 * Lock order: kvmw_attach_mutex is taken inside the tracepoint core's
 * tracepoint_module_list_mutex (the notifier runs under it) and outside
 * kvmw_vm_lock.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/tracepoint.h>
#include <linux/kprobes.h>
#include <linux/kvm_host.h>

#include "attach.h"
#include "probes.h"
#include "events.h"
#include "vm.h"
#include "counters.h"
#include "../uapi/linux/kvmwatch.h"

static bool always_on;
module_param(always_on, bool, 0444);
MODULE_PARM_DESC(always_on,
		 "Account exits from load, without waiting for a consumer");

struct kvmw_tp {
	const char *name;
	void *probe;
	u64 families;			/* attached while one is wanted */
	struct tracepoint *tp;		/* found in kvm.ko while loaded */
	bool attached;
};

/*
 * kvm_exit and kvm_entry run for every family: the entry probe binds
 * threads to vCPUs, which every probe without a vCPU argument needs.
 */
#define KVMW_FAM_ANY	KVMW_ENABLE_ALL
#define KVMW_FAM_KEYS	(KVMW_ENABLE_STATS | KVMW_ENABLE_EXIT | KVMW_ENABLE_IO)

/* Breakdown probes before kvm_exit/kvm_entry: see kvmw_tps_attach(). */
static struct kvmw_tp kvmw_tps[] = {
	{ .name = "kvm_msr", .probe = kvmw_probe_kvm_msr,
	  .families = KVMW_FAM_KEYS },
	{ .name = "kvm_pio", .probe = kvmw_probe_kvm_pio,
	  .families = KVMW_FAM_KEYS },
	{ .name = "kvm_mmio", .probe = kvmw_probe_kvm_mmio,
	  .families = KVMW_FAM_KEYS },
	{ .name = "kvm_userspace_exit",
	  .probe = kvmw_probe_kvm_userspace_exit,
	  .families = KVMW_ENABLE_STATS | KVMW_ENABLE_EXIT },
	{ .name = "kvm_page_fault", .probe = kvmw_probe_kvm_page_fault,
	  .families = KVMW_ENABLE_PF },
	{ .name = "kvm_vcpu_wakeup", .probe = kvmw_probe_kvm_vcpu_wakeup,
	  .families = KVMW_ENABLE_HALT },
	{ .name = "kvm_halt_poll_ns", .probe = kvmw_probe_kvm_halt_poll_ns,
	  .families = KVMW_ENABLE_HALT },
	{ .name = "kvm_inj_virq", .probe = kvmw_probe_kvm_inj_virq,
	  .families = KVMW_ENABLE_IRQ },
	{ .name = "kvm_inj_exception", .probe = kvmw_probe_kvm_inj_exception,
	  .families = KVMW_ENABLE_IRQ },
	{ .name = "kvm_hypercall", .probe = kvmw_probe_kvm_hypercall,
	  .families = KVMW_ENABLE_HCALL },
	{ .name = "kvm_entry", .probe = kvmw_probe_kvm_entry,
	  .families = KVMW_FAM_ANY },
	{ .name = "kvm_exit", .probe = kvmw_probe_kvm_exit,
	  .families = KVMW_FAM_ANY },
};

/* The first exit probe attached: exits left open before are stale. */
#define KVMW_TP_EXIT	(ARRAY_SIZE(kvmw_tps) - 1)

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

/*
 * Event kprobes, registered while their family is wanted. All three are
 * non-static functions of x86.c or kvm_main.c called across files, so
 * they are not inlined; same prototypes in 6.1 and 6.12.
 * - mark_page_dirty_in_slot(kvm, memslot, gfn): every page KVM dirties.
 * - kvm_arch_vcpu_load(vcpu, cpu), kvm_arch_vcpu_put(vcpu): from
 *   vcpu_load()/vcpu_put() and from KVM's preempt notifiers, on SVM and
 *   VMX alike.
 */
struct kvmw_ekp {
	struct kprobe kp;
	u64 families;
	bool registered;
};

static struct kvmw_ekp kvmw_ekps[] = {
	{ .kp = { .symbol_name = "kvm:mark_page_dirty_in_slot",
		  .pre_handler = kvmw_kp_dirty },
	  .families = KVMW_ENABLE_DIRTY },
	{ .kp = { .symbol_name = "kvm:kvm_arch_vcpu_load",
		  .pre_handler = kvmw_kp_vcpu_load },
	  .families = KVMW_ENABLE_SCHED },
	{ .kp = { .symbol_name = "kvm:kvm_arch_vcpu_put",
		  .pre_handler = kvmw_kp_vcpu_put },
	  .families = KVMW_ENABLE_SCHED },
};

static DEFINE_MUTEX(kvmw_attach_mutex);
static bool kvmw_kvm_present;
static unsigned int kvmw_nr_kprobes;
static unsigned int kvmw_nr_tps;
static unsigned int kvmw_nr_ekps;
/* Consumers per family bit (bit 0: KVMW_ENABLE_STATS). */
static unsigned int kvmw_family_users[64];

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

static u64 kvmw_wanted(void)
{
	u64 want = always_on ? KVMW_ENABLE_STATS : 0;
	unsigned int bit;

	if (!kvmw_kvm_present)
		return 0;
	for (bit = 0; bit < ARRAY_SIZE(kvmw_family_users); bit++)
		if (kvmw_family_users[bit])
			want |= BIT_ULL(bit);
	return want;
}

/*
 * Attach the tracepoint probes and event kprobes the wanted families
 * need, detach the others. Attach order matters only for the first
 * events seen: every probe copes with an entry without an exit, and a
 * breakdown event without an open exit is counted, so the exit probe
 * goes last.
 */
static void kvmw_tps_detach_locked(void);

static void kvmw_ekps_sync_locked(u64 want)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(kvmw_ekps); i++) {
		struct kvmw_ekp *e = &kvmw_ekps[i];
		bool need = want & e->families;

		if (need && !e->registered) {
			const char *sym = e->kp.symbol_name;
			kprobe_pre_handler_t pre = e->kp.pre_handler;

			/* register_kprobe() wants a clean struct each time. */
			memset(&e->kp, 0, sizeof(e->kp));
			e->kp.symbol_name = sym;
			e->kp.pre_handler = pre;
			/* Times a vCPU kept from an earlier session are stale. */
			if (e->families & KVMW_ENABLE_SCHED)
				WRITE_ONCE(kvmw_sched_gen, kvmw_sched_gen + 1);
			ret = register_kprobe(&e->kp);
			if (ret) {
				pr_warn("kvmwatch: cannot register kprobe on %s: %d\n",
					sym, ret);
				continue;
			}
			e->registered = true;
			kvmw_nr_ekps++;
		} else if (!need && e->registered) {
			/* Waits for running handlers (synchronize_rcu). */
			unregister_kprobe(&e->kp);
			e->registered = false;
			kvmw_nr_ekps--;
		}
	}
}

static void kvmw_sync_locked(void)
{
	u64 want = kvmw_wanted();
	bool detached = false;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(kvmw_tps); i++) {
		struct kvmw_tp *t = &kvmw_tps[i];

		if (!t->attached || (want & t->families))
			continue;
		WARN_ON_ONCE(tracepoint_probe_unregister(t->tp, t->probe,
							 NULL));
		t->attached = false;
		kvmw_nr_tps--;
		detached = true;
	}
	if (detached)
		tracepoint_synchronize_unregister();
	kvmw_ekps_sync_locked(want);

	for (i = 0; i < ARRAY_SIZE(kvmw_tps); i++) {
		struct kvmw_tp *t = &kvmw_tps[i];

		if (!t->tp || t->attached || !(want & t->families))
			continue;
		/* Exits opened before a detach are never paired after this. */
		if (i == KVMW_TP_EXIT)
			WRITE_ONCE(kvmw_attach_gen, kvmw_attach_gen + 1);
		ret = tracepoint_probe_register(t->tp, t->probe, NULL);
		if (ret) {
			pr_warn("kvmwatch: cannot attach to %s: %d\n",
				t->name, ret);
			continue;
		}
		t->attached = true;
		kvmw_nr_tps++;
	}
}

/*
 * Detach every tracepoint probe and event kprobe; returns with no probe
 * running. The objects probes use stay valid: freeing them is the
 * caller's business.
 */
static void kvmw_tps_detach_locked(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kvmw_tps); i++) {
		if (!kvmw_tps[i].attached)
			continue;
		WARN_ON_ONCE(tracepoint_probe_unregister(kvmw_tps[i].tp,
							 kvmw_tps[i].probe,
							 NULL));
		kvmw_tps[i].attached = false;
	}
	kvmw_nr_tps = 0;
	tracepoint_synchronize_unregister();
	kvmw_ekps_sync_locked(0);
}

static void kvmw_detach_locked(void)
{
	unsigned int i;

	kvmw_tps_detach_locked();
	for (i = 0; i < ARRAY_SIZE(kvmw_tps); i++)
		kvmw_tps[i].tp = NULL;
	if (kvmw_nr_kprobes) {
		struct kprobe *kps[ARRAY_SIZE(kvmw_kps)];

		for (i = 0; i < ARRAY_SIZE(kvmw_kps); i++)
			kps[i] = &kvmw_kps[i];
		/* Waits for running handlers (synchronize_rcu). */
		unregister_kprobes(kps, ARRAY_SIZE(kvmw_kps));
		kvmw_nr_kprobes = 0;
	}
	/* No probe runs past this point, nor uses an object freed below. */
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
		kvmw_tps[i].tp = kvmw_find_tp(mod, kvmw_tps[i].name);
		if (!kvmw_tps[i].tp)
			pr_warn("kvmwatch: kvm has no tracepoint %s\n",
				kvmw_tps[i].name);
	}
	kvmw_sync_locked();
}

/* A consumer enables @families: attach what the first user of one needs. */
void kvmw_attach_get(u64 families)
{
	unsigned int bit;

	if (!families)
		return;
	mutex_lock(&kvmw_attach_mutex);
	for (bit = 0; bit < ARRAY_SIZE(kvmw_family_users); bit++)
		if (families & BIT_ULL(bit))
			kvmw_family_users[bit]++;
	kvmw_sync_locked();
	mutex_unlock(&kvmw_attach_mutex);
}

/* ... and disables them (or is closed): detach after the last user. */
void kvmw_attach_put(u64 families)
{
	unsigned int bit;

	if (!families)
		return;
	mutex_lock(&kvmw_attach_mutex);
	for (bit = 0; bit < ARRAY_SIZE(kvmw_family_users); bit++)
		if (families & BIT_ULL(bit))
			kvmw_family_users[bit]--;
	kvmw_sync_locked();
	mutex_unlock(&kvmw_attach_mutex);
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

void kvmw_attach_state(u32 *state, u64 *tracepoints, u64 *kprobes,
		       u64 *stats_users)
{
	unsigned int i, wanted_tps, wanted_ekps;
	u64 want;

	mutex_lock(&kvmw_attach_mutex);
	*tracepoints = kvmw_nr_tps;
	*kprobes = kvmw_nr_kprobes + kvmw_nr_ekps;
	*stats_users = kvmw_family_users[0];
	want = kvmw_wanted();
	wanted_tps = 0;
	for (i = 0; i < ARRAY_SIZE(kvmw_tps); i++)
		if (kvmw_tps[i].tp && (want & kvmw_tps[i].families))
			wanted_tps++;
	wanted_ekps = 0;
	for (i = 0; i < ARRAY_SIZE(kvmw_ekps); i++)
		if (want & kvmw_ekps[i].families)
			wanted_ekps++;
	if (!kvmw_kvm_present)
		*state = KVMW_ATTACH_NONE;
	else if (kvmw_nr_tps == wanted_tps && kvmw_nr_ekps == wanted_ekps &&
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
