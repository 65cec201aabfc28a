/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmw: guest workload library for kvmwatch's tests.
 *
 * Runs tiny guests on /dev/kvm that perform EXACT, configurable counts of
 * exit-causing operations, so tests can compare kvmwatch's numbers with
 * what the guest really did.
 *
 * The guest
 * ---------
 * 32-bit protected mode, flat segments, no paging, generated at run time
 * (asm.h). Each vCPU runs its own program: a prologue (touches every page
 * it will use, enables x2APIC when the VM has an in-kernel irqchip), a
 * READY signal, then its ops in order, each op a loop of exactly "count"
 * iterations, then a DONE signal. Every exit-causing instruction the guest
 * executes is followed by an increment of its own counter in guest memory,
 * so the tally is what the guest did, not what was asked.
 *
 * The counting window
 * -------------------
 * Tallies cover READY .. DONE. When every vCPU of a VM has reached READY,
 * spec->on_ready runs (in one vCPU thread, all vCPUs stopped); a test
 * snapshots kvmwatch there and after kvmw_vm_wait(), and the difference
 * must equal the tally. The window also holds the library's own exits,
 * which the tally lists like any other (see "Reserved resources").
 * Exits nobody can predict (host interrupts while in the guest, "intr"
 * on AMD; interrupt windows) are not in the tally.
 *
 * Reserved resources (part of the contract with tests)
 * ----------------------------------------------------
 * - Port KVMW_PORT_CTRL: one 4-byte OUT per vCPU and round (DONE; READY
 *   and FAULT happen outside the window). Port KVMW_PORT_IRQREQ: one
 *   1-byte OUT per KVMW_OP_IRQ_LINE / KVMW_OP_MSI iteration: the guest
 *   asks its vCPU thread to inject one interrupt and waits for it.
 * - With an irqchip, every interrupt handled (except the spurious vector)
 *   writes x2APIC EOI, MSR 0x80b; HLT ops write LVTT 0x832 twice per op
 *   and TMICT 0x838 (or TSC_DEADLINE 0x6e0) once per iteration.
 * - Vectors: KVMW_VEC_* below; IOAPIC pin KVMW_GSI_BASE + vCPU index.
 * - Guest-physical memory: RAM 0..KVMW_RAM_SIZE, the first-touch slot at
 *   KVMW_PF_BASE, the dirty-logged slot at KVMW_DIRTY_BASE. MMIO ops must
 *   use addresses outside these and outside 0xfec00000..0xfeefffff.
 *
 * What KVM counts for it (AMD, measured on Debian 6.1 and 6.12)
 * -------------------------------------------------------------
 * Per vCPU over the window, KVM's io_exits = OUT + IN rows (control ports
 * included), mmio_exits = MMIO rows, halt_exits = HLT row, hypercalls =
 * HYPERCALL rows, exactly (kvmw_check(strict) asserts these). pf_taken =
 * PF + DIRTY + one per MMIO address first used (KVM then caches an MMIO
 * SPTE); every MMIO access is still an NPF exit on AMD. irq_injections is
 * at least the interrupts handled (KVM re-injects one whose delivery an
 * exit interrupted: seen 261 for 260). "exits" also holds host interrupts
 * and interrupt windows: never exact.
 *
 * Threads
 * -------
 * kvmw_vm_start() runs each vCPU in its own pthread and returns;
 * kvmw_vm_wait() joins them. Several VMs may run at once in one process.
 * A signal (KVMW_KICK_SIGNAL) is used internally to kick vCPU threads out
 * of KVM_RUN on abort: do not block it in threads that call kvmw_vm_start.
 */
#ifndef KVMW_H
#define KVMW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>

#define KVMW_MAX_VCPUS		32
#define KVMW_MAX_OPS		32	/* per vCPU */
#define KVMW_MAX_COUNTS		160	/* per-key rows in one tally */
#define KVMW_NR_EXIT_REASONS	64	/* KVM_EXIT_* values tracked */
#define KVMW_KICK_SIGNAL	SIGUSR2

#define KVMW_PORT_CTRL		0xf4
#define KVMW_PORT_IRQREQ	0xf5
#define KVMW_VEC_TIMER		0x20	/* LAPIC timer, one-shot or TSC-deadline */
#define KVMW_VEC_IRQ_LINE	0x21	/* KVM_IRQ_LINE via the IOAPIC */
#define KVMW_VEC_MSI		0x22	/* KVM_SIGNAL_MSI */
#define KVMW_VEC_IPI(sender)	(0x40 + (sender))	/* x2APIC IPI */
#define KVMW_VEC_DUP_PROBE	0x30	/* KVMW_OP_IRQ_DUP's software INT */
#define KVMW_VEC_SPURIOUS	0xff
#define KVMW_GSI_BASE		16	/* IOAPIC-only pins: no i8259 copy */
#define KVMW_RAM_SIZE		0x400000ULL
#define KVMW_PF_BASE		0x40000000ULL
#define KVMW_DIRTY_BASE		0x80000000ULL
#define KVMW_MMIO_DEFAULT	0xd0000000ULL
#define KVMW_HLT_NS_DEFAULT	50000	/* timed HLT wake-up after 50 us */

/* Flags of kvmw_vm_create(). */
#define KVMW_VM_NO_IRQCHIP	(1U << 0)	/* no KVM_CREATE_IRQCHIP: HLT
						 * exits to userspace and the
						 * interrupt ops are refused */

/* One op = one loop of "count" iterations, each doing one such thing. */
enum kvmw_op_kind {
	KVMW_OP_CPUID,		/* arg: leaf (EAX), ECX = 0 */
	KVMW_OP_OUT,		/* arg: port; 1-byte OUT, to userspace */
	KVMW_OP_IN,		/* arg: port; 1-byte IN, to userspace */
	KVMW_OP_RDMSR,		/* arg: MSR index */
	KVMW_OP_WRMSR,		/* arg: MSR index, arg2: value. Exiting and
				 * handled in the kernel, no #GP: 0x1b (read),
				 * 0x6e0 (0 disarms), 0x8b, 0x277 (valid PAT).
				 * SYSENTER_CS 0x174 is passed through on SVM
				 * and VMX: the guest counts it, KVM sees no
				 * exit. A #GP aborts the run (a fault). */
	KVMW_OP_HLT,		/* irqchip: woken by a LAPIC one-shot timer
				 * after arg2 ns (0: default); else plain HLT,
				 * KVM_EXIT_HLT to userspace */
	KVMW_OP_HLT_TSCDL,	/* HLT woken by the TSC-deadline timer after
				 * arg2 ns (irqchip required) */
	KVMW_OP_MMIO_READ,	/* arg: guest-physical address; 4 bytes */
	KVMW_OP_MMIO_WRITE,	/* arg: guest-physical address; 4 bytes */
	KVMW_OP_HYPERCALL,	/* arg: nr in EAX; VMMCALL (AMD) or VMCALL;
				 * KVM answers -KVM_ENOSYS to unknown nrs */
	KVMW_OP_PF,		/* write one dword to each of count fresh pages
				 * of the first-touch slot */
	KVMW_OP_DIRTY,		/* write one dword to each of count distinct
				 * pages of the dirty-logged slot */
	KVMW_OP_IRQ_LINE,	/* KVM_IRQ_LINE edge on GSI 16 + vCPU index,
				 * handled by the guest (irqchip) */
	KVMW_OP_MSI,		/* KVM_SIGNAL_MSI to this vCPU (irqchip) */
	KVMW_OP_IPI,		/* x2APIC ICR write: fixed IPI to vCPU arg
				 * (itself: a self-IPI); the sender waits
				 * until the target handled it (irqchip) */
	KVMW_OP_SPIN_TSCDL,	/* TSC-deadline timer after arg2 ns, awaited
				 * running with interrupts on, not in HLT: on
				 * VMX with the preemption timer, one
				 * PREEMPTION_TIMER exit each (irqchip) */
	KVMW_OP_IRQ_DUP,	/* "int" from inside the interrupt handlers, as
				 * QEMU/TCG's repeated delivery looks to the
				 * guest: one irq_dup each, no interrupt
				 * counted, no EOI, no exit */
	KVMW_OP__NR
};

struct kvmw_op {
	enum kvmw_op_kind kind;
	uint32_t count;
	uint64_t arg;
	uint64_t arg2;
};

struct kvmw_vm;

/*
 * What each vCPU does, and how long. Rounds repeat every vCPU's ops from
 * the first one (the prologue runs once); between rounds all vCPUs are out
 * of the guest, the first-touch slot is replaced by fresh memory and the
 * dirty log is harvested, so every round is exact on its own.
 */
struct kvmw_guest_spec {
	unsigned int nr_ops[KVMW_MAX_VCPUS];
	struct kvmw_op ops[KVMW_MAX_VCPUS][KVMW_MAX_OPS];
	unsigned int rounds;		/* 0 means 1 */
	unsigned int duration_ms;	/* if set: rounds until this elapsed */
	bool forever;			/* rounds until kvmw_request_stop() */
	unsigned int timeout_ms;	/* 0: none; else abort a stuck run */
	/* Called once per run, every vCPU at READY; see "counting window". */
	void (*on_ready)(struct kvmw_vm *vm, void *arg);
	void *on_ready_arg;
};

/* Exit-causing things the guest does, for the per-key rows of a tally. */
enum kvmw_evkind {
	KVMW_EV_CPUID,		/* key: leaf */
	KVMW_EV_OUT,		/* key: port */
	KVMW_EV_IN,		/* key: port */
	KVMW_EV_RDMSR,		/* key: MSR index */
	KVMW_EV_WRMSR,		/* key: MSR index */
	KVMW_EV_HLT,		/* key: 0 */
	KVMW_EV_MMIO_RD,	/* key: guest-physical address */
	KVMW_EV_MMIO_WR,	/* key: guest-physical address */
	KVMW_EV_HYPERCALL,	/* key: nr */
	KVMW_EV_PF,		/* key: 0; a fresh page touched */
	KVMW_EV_DIRTY,		/* key: 0; a dirty-logged page written */
	KVMW_EV_IRQ,		/* key: vector; an interrupt handled */
	KVMW_EV__NR
};

struct kvmw_count {
	enum kvmw_evkind ev;
	uint64_t key;
	uint64_t guest;		/* times the guest did it */
	uint64_t user;		/* times KVM_RUN returned its exit to us
				 * (OUT, IN, MMIO, HLT without irqchip) */
};

/* KVM's own per-vCPU statistics (KVM_GET_STATS_FD), window deltas. */
enum kvmw_kstat {
	KVMW_KSTAT_EXITS,
	KVMW_KSTAT_IO_EXITS,
	KVMW_KSTAT_MMIO_EXITS,
	KVMW_KSTAT_HALT_EXITS,
	KVMW_KSTAT_HYPERCALLS,
	KVMW_KSTAT_IRQ_INJECTIONS,
	KVMW_KSTAT_IRQ_WINDOW_EXITS,
	KVMW_KSTAT_IRQ_EXITS,
	KVMW_KSTAT_PF_TAKEN,
	KVMW_KSTAT_PF_FIXED,
	KVMW_KSTAT_INSN_EMULATION,
	KVMW_KSTAT__NR
};

struct kvmw_tally {
	uint64_t rounds;		/* rounds completed */
	uint64_t ops[KVMW_OP__NR];	/* iterations done, by op kind */
	uint64_t ev[KVMW_EV__NR];	/* sum of counts[].guest by kind */
	unsigned int nr_counts;
	struct kvmw_count counts[KVMW_MAX_COUNTS];
	uint64_t exit_reason[KVMW_NR_EXIT_REASONS]; /* KVM_EXIT_* seen */
	uint64_t kstat[KVMW_KSTAT__NR];	/* KVM's counters; ~0 if absent */
	/* VM-wide only (kvmw_vm_tally(vm, -1)): KVM_GET_DIRTY_LOG results */
	uint64_t dirty_pages;		/* bits set, all rounds */
	uint64_t dirty_wrong;		/* bits set that should not be, plus
					 * bits missing, all rounds */
	uint64_t faults;		/* guest exceptions; must be 0 */
	/*
	 * Timer interrupts that arrived between "sti" and "hlt", inside the
	 * STI shadow, which hardware never does but QEMU/TCG's nested SVM
	 * occasionally did. The guest skipped that HLT (it would have slept
	 * forever) and re-armed: each costs one extra timer interrupt, EOI
	 * and TMICT (or TSC_DEADLINE) write; HLT counts stay exact.
	 */
	uint64_t hlt_skips;
	/*
	 * Interrupts QEMU/TCG's nested SVM delivered a second time (see
	 * guest_code.c, gen_irq_common()): KVM injected each once, and the
	 * guest counts it once; never seen on hardware.
	 */
	uint64_t irq_dups;
};

/* VM lifetime. Errors: NULL or negative, errno set, reason on stderr. */
struct kvmw_vm *kvmw_vm_create(unsigned int nr_vcpus, unsigned int flags);
void kvmw_vm_destroy(struct kvmw_vm *vm);
/*
 * Close every KVM file of a stopped VM: KVM destroys it (its debugfs
 * directory goes) while the last run's tallies and the id stay readable
 * until kvmw_vm_destroy(). The VM cannot run again. 0, or -1 if running.
 */
int kvmw_vm_close(struct kvmw_vm *vm);
/* KVM's debugfs name of the VM: "<pid>-<vm fd>". */
const char *kvmw_vm_id(const struct kvmw_vm *vm);
int kvmw_vm_fd(const struct kvmw_vm *vm);
int kvmw_vcpu_fd(const struct kvmw_vm *vm, unsigned int vcpu);
unsigned int kvmw_vm_nr_vcpus(const struct kvmw_vm *vm);

/*
 * Run a spec: start returns once the vCPU threads run; wait returns when
 * all finished. 0 on success; -1 if the run was aborted (timeout, guest
 * fault, KVM error), with the reason in kvmw_vm_error(). A VM may run
 * several specs one after the other. The VM stays alive after wait, so
 * its statistics can be read, until kvmw_vm_destroy().
 */
int kvmw_vm_start(struct kvmw_vm *vm, const struct kvmw_guest_spec *spec);
int kvmw_vm_wait(struct kvmw_vm *vm);
int kvmw_vm_run(struct kvmw_vm *vm, const struct kvmw_guest_spec *spec);
const char *kvmw_vm_error(const struct kvmw_vm *vm);

/* Make every running VM finish its current round and stop. Signal safe. */
void kvmw_request_stop(void);
bool kvmw_stop_requested(void);

/* Results of the last run: vcpu >= 0 for one vCPU, -1 for the VM. */
const struct kvmw_tally *kvmw_vm_tally(const struct kvmw_vm *vm, int vcpu);
/* The row for (ev, key), or NULL. */
const struct kvmw_count *kvmw_tally_find(const struct kvmw_tally *t,
					 enum kvmw_evkind ev, uint64_t key);

/*
 * Compare the last run with its spec: every op's iterations, interrupts by
 * vector, userspace's view of OUT/IN/MMIO/HLT, the dirty log, no faults.
 * With strict, also KVM's io_exits, mmio_exits, halt_exits and hypercalls
 * (exact on AMD; Intel with APICv or PML differs). Returns the number of
 * mismatches; the first is described in why.
 */
int kvmw_check(const struct kvmw_vm *vm, bool strict, char *why, size_t len);

/* Spec helpers. vcpu < 0: every vCPU. -1 and errno on a full op list. */
int kvmw_spec_add(struct kvmw_guest_spec *spec, unsigned int nr_vcpus,
		  int vcpu, enum kvmw_op_kind kind, uint32_t count,
		  uint64_t arg, uint64_t arg2);

/* Names, for output and tests. */
const char *kvmw_op_name(enum kvmw_op_kind kind);
const char *kvmw_ev_name(enum kvmw_evkind ev);
const char *kvmw_kstat_name(enum kvmw_kstat k);
const char *kvmw_exit_name(unsigned int reason);

/*
 * Print the last run of each VM with its kvmw_check() verdict, as
 * "vm<N>.<what>=<value>" lines or one JSON object. Returns how many VMs
 * failed the check.
 */
int kvmw_print_text(FILE *f, struct kvmw_vm *const *vms, unsigned int n,
		    bool strict);
int kvmw_print_json(FILE *f, struct kvmw_vm *const *vms, unsigned int n,
		    bool strict);

#endif /* KVMW_H */
