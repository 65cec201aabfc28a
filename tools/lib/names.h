/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of well-known x86 IO ports and MSRs, for the name column of
 * "kvmwatch stat --event ioport|msr": which device or register a hot key
 * is, without a datasheet at hand. Only what a KVM guest commonly touches
 * (PC platform devices as QEMU emulates them, architectural and AMD MSRs,
 * x2APIC registers, Hyper-V synthetic MSRs from the TLFS and KVM's own
 * paravirtual MSRs).
 */
#ifndef KVMW_NAMES_H
#define KVMW_NAMES_H

#include "types.h"

/* Name of IO port @port (e.g. "PIT_CH0", "COM1_LSR"), or NULL. */
const char *kvmw_ioport_name(u64 port);

/* Name of MSR @index (e.g. "IA32_TSC_DEADLINE", "X2APIC_ICR"), or NULL. */
const char *kvmw_msr_name(u64 index);

struct kvmw_key_name {
	u64 lo, hi;		/* inclusive range */
	const char *name;
};

/* The tables, sorted by @lo without overlaps (checked by the unit tests). */
extern const struct kvmw_key_name kvmw_ioport_names[];
extern const unsigned int kvmw_nr_ioport_names;
extern const struct kvmw_key_name kvmw_msr_names[];
extern const unsigned int kvmw_nr_msr_names;

#endif /* KVMW_NAMES_H */
