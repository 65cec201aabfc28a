/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event families: which consumers want which events, and the probe-side
 * helpers that build records and hand them to every consumer whose
 * families and filter accept them (events.c).
 */
#ifndef KVMW_EVENTS_H
#define KVMW_EVENTS_H

#include <linux/types.h>
#include <linux/poll.h>

#include "../uapi/linux/kvmwatch.h"

struct kvmw_vm;
struct kvmw_vcpu;
struct kvmw_evc;
struct kvm_vcpu;
struct vm_area_struct;

/* Union of the families some consumer has enabled; probes test it first. */
extern u64 kvmw_ev_families;

static __always_inline bool kvmw_ev_on(u64 families)
{
	return unlikely(READ_ONCE(kvmw_ev_families) & families);
}

/*
 * Hand @ev (type and size set by the caller; time_ns too, or 0 for now)
 * to every consumer with
 * @family whose filter passes @vm and @vcpu_id; @dur is compared with
 * consumers' min_duration_ns (U64_MAX: not a timed event). Preemption
 * disabled.
 */
void kvmw_ev_emit(u64 family, const struct kvmw_vm *vm, u32 vcpu_id,
		  struct kvmw_ev *ev, u64 dur);

/* Probe helpers (probes.c, probes_ev.c). */
void kvmw_ev_exit_begin(struct kvmw_vcpu *v, u32 isa, u32 code, u64 info1,
			u64 info2, u64 rip, bool decoded);
void kvmw_ev_exit_end(struct kvmw_vcpu *v, u64 now, u32 gen);
void kvmw_ev_vm(u16 type, const struct kvmw_vm *vm);

/* Consumer side (consumer.c), process context. */
struct kvmw_evc *kvmw_evc_create(struct kvmw_ring_setup *setup,
				 const struct kvmw_filter *filter);
void kvmw_evc_destroy(struct kvmw_evc *c);
/* Families of KVMW_ENABLE_EVENTS this consumer wants from now on. */
void kvmw_evc_enable(struct kvmw_evc *c, u64 families, u64 min_duration_ns);
int kvmw_evc_set_filter(struct kvmw_evc *c, const struct kvmw_filter *f);
int kvmw_evc_mmap(struct kvmw_evc *c, struct vm_area_struct *vma);
__poll_t kvmw_evc_poll(struct kvmw_evc *c, struct file *file,
		       poll_table *pt);
struct kvmw_rings *kvmw_evc_rings(struct kvmw_evc *c);

/* KVMW_IOC_TEST_EVENTS (events_test.c); EPERM unless test_events=1. */
long kvmw_evc_test(struct kvmw_evc *c, void __user *uarg);

#endif /* KVMW_EVENTS_H */
