/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Library internals shared by the lib/ sources: the guest-physical layout, the
 * per-vCPU data page the guest counts into, and the VM/vCPU structures.
 */
#ifndef KVMW_INTERNAL_H
#define KVMW_INTERNAL_H

#include <pthread.h>
#include <time.h>
#include <linux/kvm.h>

#include "kvmw.h"

/*
 * Guest-physical layout of RAM (memslot 0, KVMW_RAM_SIZE bytes). Everything
 * the guest uses outside the first-touch and dirty slots lives here and is
 * touched by each vCPU's prologue, before READY.
 */
#define G_GDT		0x1000
#define G_IDT		0x2000
#define G_SHARED	0x3000
#define G_BARRIER	(G_SHARED + 0x000)	/* end-of-round guest barrier */
#define G_TOUCH		(G_SHARED + 0x800)	/* prologue scratch */
#define G_HANDLERS	0x4000
#define G_HANDLERS_SIZE	0x4000
#define G_PROG_SIZE	0x4000
#define G_PROG(i)	(0x10000 + (i) * G_PROG_SIZE)
#define G_DATA(i)	(0x100000 + (i) * 0x1000)
#define G_STACK_SIZE	0x2000
#define G_STACK(i)	(0x200000 + (i) * G_STACK_SIZE)
#define G_IDMAP		0xfffbc000	/* VMX without unrestricted guest */
#define G_TSS		0xfffbd000

#define SLOT_RAM	0
#define SLOT_PF		1
#define SLOT_DIRTY	2

#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_FS(i)	(0x18 + 8 * (i))

/* Per-vCPU data page, the vCPU's FS base: counters the guest increments. */
#define D_IRQ		0x000	/* u32 per vector: interrupts handled */
#define D_SITE		0x400	/* u32 per site: times it executed */
#define D_OPITER	0x700	/* u32 per op: iterations completed */
#define D_HLTSKIP	0x780	/* u32: wait-HLTs the handler skipped */
#define D_SKIPFLAG	0x784	/* set by the handler when it skips one */
#define D_IRQDUP	0x788	/* u32: deliveries the emulator repeated */
#define D_COUNTERS_END	0x7e0	/* counters above, zeroed at each DONE */
#define D_FAULT		0x7e0	/* vector, then three stack words */
#define D_TOUCH		0xffc	/* prologue scratch */
#define KVMW_MAX_SITES	((D_OPITER - D_SITE) / 4)

/* Values OUT to KVMW_PORT_CTRL (4 bytes) and KVMW_PORT_IRQREQ (1 byte). */
#define CTRL_READY	1
#define CTRL_DONE	2
#define CTRL_FAULT	3
#define IRQREQ_LINE	1
#define IRQREQ_MSI	2

/* x2APIC MSRs and LVT bits */
#define MSR_APIC_BASE	0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define X2APIC_EOI	0x80b
#define X2APIC_SVR	0x80f
#define X2APIC_ICR	0x830
#define X2APIC_LVTT	0x832
#define X2APIC_TMICT	0x838
#define X2APIC_TDCR	0x83e
#define LVT_MASKED	(1U << 16)
#define LVTT_TSCDL	(2U << 17)

/* An exit-causing instruction in a vCPU's program and its counter. */
struct kvmw_site {
	enum kvmw_evkind ev;
	uint64_t key;
};

enum kvmw_vcpu_state {
	VS_PROLOGUE, VS_READY, VS_WORK, VS_DONE, VS_EXITED
};

struct kvmw_vcpu {
	struct kvmw_vm *vm;
	unsigned int idx;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	enum kvmw_vcpu_state state;
	uint32_t entry;			/* prologue */
	uint32_t work;			/* first op: rounds restart here */
	uint64_t op_base[KVMW_MAX_OPS];	/* PF / DIRTY: first page's GPA */
	unsigned int nr_sites;
	struct kvmw_site site[KVMW_MAX_SITES];
	uint32_t *data;			/* host view of the data page */
	uint64_t exits;			/* KVM_RUN returns */
	uint32_t last_exit;
	struct kvmw_tally tally;
	int stats_fd;
	uint64_t stats_data_off;
	int64_t stats_off[KVMW_KSTAT__NR];	/* -1: not offered */
	uint64_t kstat0[KVMW_KSTAT__NR];	/* at READY */
};

struct kvmw_vm {
	int kvm_fd;
	int fd;
	char id[32];
	unsigned int nr_vcpus;
	unsigned int flags;
	bool irqchip;
	bool amd;			/* VMMCALL rather than VMCALL */
	uint64_t tsc_khz;
	struct kvm_cpuid2 *cpuid;
	uint8_t *ram;
	uint8_t *pf_mem;
	uint64_t pf_size;
	uint8_t *dirty_mem;
	uint64_t dirty_size;
	uint64_t *dirty_bitmap;		/* KVM_GET_DIRTY_LOG buffer */
	uint64_t *dirty_expect;		/* pages the ops write */
	struct kvmw_vcpu *vcpu;		/* nr_vcpus of them */
	uint32_t dup_probe;		/* guest address: "int; ret" */
	struct kvmw_guest_spec spec;	/* of the current run */
	struct kvmw_tally total;

	/* run control, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running;
	unsigned int bar_count;
	unsigned int bar_gen;
	unsigned int exited;
	bool abort;
	bool more;			/* another round after this one */
	uint64_t rounds;
	struct timespec t_ready;
	struct timespec t_start;
	char err[1024];
};

/* guest_code.c */
void kvmw_gen_tables(struct kvmw_vm *vm);
int kvmw_gen_program(struct kvmw_vm *vm, struct kvmw_vcpu *v);

/* vm.c */
int kvmw_vm_setup_run(struct kvmw_vm *vm);
int kvmw_vcpu_reset_regs(struct kvmw_vcpu *v, uint32_t rip);
void kvmw_pf_refresh(struct kvmw_vm *vm);

/* kstats.c */
void kvmw_kstats_open(struct kvmw_vcpu *v);
void kvmw_kstats_read(struct kvmw_vcpu *v, uint64_t *out);

/* tally.c */
struct kvmw_count *kvmw_tally_row(struct kvmw_tally *t, enum kvmw_evkind ev,
				  uint64_t key);
void kvmw_tally_harvest(struct kvmw_vcpu *v);
void kvmw_tally_dirty(struct kvmw_vm *vm);
void kvmw_tally_total(struct kvmw_vm *vm);

/* run.c */
void kvmw_vm_fail(struct kvmw_vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define kvmw_err(fmt, ...) fprintf(stderr, "kvmw: " fmt "\n", ##__VA_ARGS__)

#endif /* KVMW_INTERNAL_H */
