// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's own per-vCPU statistics through the binary stats interface
 * (KVM_GET_STATS_FD, Linux 5.14+): the same counters debugfs shows, read
 * without debugfs and per vCPU, to cross-check the guest's tally.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

static const char *const kstat_names[KVMW_KSTAT__NR] = {
	[KVMW_KSTAT_EXITS]		= "exits",
	[KVMW_KSTAT_IO_EXITS]		= "io_exits",
	[KVMW_KSTAT_MMIO_EXITS]		= "mmio_exits",
	[KVMW_KSTAT_HALT_EXITS]		= "halt_exits",
	[KVMW_KSTAT_HYPERCALLS]		= "hypercalls",
	[KVMW_KSTAT_IRQ_INJECTIONS]	= "irq_injections",
	[KVMW_KSTAT_IRQ_WINDOW_EXITS]	= "irq_window_exits",
	[KVMW_KSTAT_IRQ_EXITS]		= "irq_exits",
	[KVMW_KSTAT_PF_TAKEN]		= "pf_taken",
	[KVMW_KSTAT_PF_FIXED]		= "pf_fixed",
	[KVMW_KSTAT_INSN_EMULATION]	= "insn_emulation",
};

const char *kvmw_kstat_name(enum kvmw_kstat k)
{
	return k < KVMW_KSTAT__NR ? kstat_names[k] : "?";
}

void kvmw_kstats_open(struct kvmw_vcpu *v)
{
	struct kvm_stats_header h;
	size_t dsz;
	char *descs = NULL;

	for (int k = 0; k < KVMW_KSTAT__NR; k++)
		v->stats_off[k] = -1;
	v->stats_fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	if (v->stats_fd < 0)
		return;		/* old kernel: tallies show ~0 */
	if (pread(v->stats_fd, &h, sizeof(h), 0) != sizeof(h))
		goto out;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = calloc(h.num_desc, dsz);
	if (!descs ||
	    pread(v->stats_fd, descs, h.num_desc * dsz, h.desc_offset) !=
	    (ssize_t)(h.num_desc * dsz))
		goto out;
	v->stats_data_off = h.data_offset;
	for (unsigned int i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsz);

		for (int k = 0; k < KVMW_KSTAT__NR; k++)
			if (!strncmp(d->name, kstat_names[k], h.name_size))
				v->stats_off[k] = d->offset;
	}
out:
	free(descs);
}

void kvmw_kstats_read(struct kvmw_vcpu *v, uint64_t *out)
{
	for (int k = 0; k < KVMW_KSTAT__NR; k++) {
		out[k] = ~0ULL;
		if (v->stats_off[k] >= 0 &&
		    pread(v->stats_fd, &out[k], 8,
			  v->stats_data_off + v->stats_off[k]) != 8)
			out[k] = ~0ULL;
	}
}
