// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU creation: memory slots, in-kernel irqchip, CPUID, the
 * protected-mode register state, and per-run resources (first-touch and
 * dirty-logged slots, IOAPIC pins).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define PAGE		4096ULL
#define CPUID_MAX_ENT	256

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + CPUID_MAX_ENT * sizeof(c->entries[0]));
	if (!c)
		return NULL;
	c->nent = CPUID_MAX_ENT;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		kvmw_err("KVM_GET_SUPPORTED_CPUID: %m");
		free(c);
		return NULL;
	}
	return c;
}

/* "AuthenticAMD" and "HygonGenuine" take VMMCALL, Intel VMCALL. */
static bool vendor_is_amd(const struct kvm_cpuid2 *c)
{
	for (unsigned int i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0)
			return c->entries[i].ebx == 0x68747541 ||   /* Auth */
			       c->entries[i].ebx == 0x6f677948;     /* Hygo */
	return false;
}

/*
 * The guest sees what KVM supports, with this vCPU's APIC ID, and the
 * TSC-deadline bit that KVM leaves for userspace to set: without it the
 * LVT timer cannot enter TSC-deadline mode.
 */
static int set_cpuid(struct kvmw_vm *vm, struct kvmw_vcpu *v)
{
	size_t sz = sizeof(*vm->cpuid) +
		    vm->cpuid->nent * sizeof(vm->cpuid->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int r;

	if (!c)
		return -1;
	memcpy(c, vm->cpuid, sz);
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffff) | (v->idx << 24);
			if (vm->irqchip &&
			    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_TSC_DEADLINE_TIMER) > 0)
				e->ecx |= 1U << 24;
		}
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = v->idx;
	}
	r = ioctl(v->fd, KVM_SET_CPUID2, c);
	if (r < 0)
		kvmw_err("vcpu %u: KVM_SET_CPUID2: %m", v->idx);
	free(c);
	return r;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint64_t base,
		uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->db = 1;
	s->s = 1;
	s->g = 1;
}

/* 32-bit protected mode, paging off, flat except FS = this vCPU's data. */
static int set_sregs(struct kvmw_vcpu *v)
{
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	seg(&s.cs, SEL_CODE, 0, 0xb);
	seg(&s.ds, SEL_DATA, 0, 0x3);
	s.es = s.ss = s.gs = s.ds;
	seg(&s.fs, SEL_FS(v->idx), G_DATA(v->idx), 0x3);
	/* VMX checks TR and LDTR even when nothing uses them */
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.limit = 0x67;
	s.tr.type = 11;
	s.tr.present = 1;
	memset(&s.ldt, 0, sizeof(s.ldt));
	s.ldt.unusable = 1;
	s.gdt.base = G_GDT;
	s.gdt.limit = SEL_FS(KVMW_MAX_VCPUS) - 1;
	s.idt.base = G_IDT;
	s.idt.limit = 256 * 8 - 1;
	s.cr0 = 0x11;		/* PE | ET */
	s.cr4 = 0;
	s.efer = 0;
	return ioctl(v->fd, KVM_SET_SREGS, &s);
}

int kvmw_vcpu_reset_regs(struct kvmw_vcpu *v, uint32_t rip)
{
	struct kvm_regs r;

	memset(&r, 0, sizeof(r));
	r.rip = rip;
	r.rsp = G_STACK(v->idx) + G_STACK_SIZE;
	r.rflags = 0x2;		/* interrupts off */
	return ioctl(v->fd, KVM_SET_REGS, &r);
}

static int vcpu_create(struct kvmw_vm *vm, struct kvmw_vcpu *v)
{
	int sz;

	v->vm = vm;
	v->stats_fd = -1;
	v->data = (uint32_t *)(vm->ram + G_DATA(v->idx));
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, v->idx);
	if (v->fd < 0) {
		kvmw_err("KVM_CREATE_VCPU %u: %m", v->idx);
		return -1;
	}
	sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return -1;
	v->run_size = sz;
	v->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -1;
	}
	if (set_cpuid(vm, v) < 0 || set_sregs(v) < 0)
		return -1;
	/* With an in-kernel LAPIC, APs wait for INIT/SIPI: start them now. */
	if (vm->irqchip) {
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

		if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0) {
			kvmw_err("vcpu %u: KVM_SET_MP_STATE: %m", v->idx);
			return -1;
		}
	}
	kvmw_kstats_open(v);
	return 0;
}

/*
 * Anonymous memory userspace never touches, without transparent huge
 * pages (Debian's kernels default to "always"): the guest's first write to
 * each 4K page is then exactly one nested page fault.
 */
static void *fresh_mem(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

static int set_slot(struct kvmw_vm *vm, uint32_t slot, uint32_t flags,
		    uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		kvmw_err("memslot %u at 0x%llx: %m", slot,
			 (unsigned long long)gpa);
		return -1;
	}
	return 0;
}

struct kvmw_vm *kvmw_vm_create(unsigned int nr_vcpus, unsigned int flags)
{
	struct kvmw_vm *vm;
	unsigned int i;

	if (!nr_vcpus || nr_vcpus > KVMW_MAX_VCPUS) {
		kvmw_err("%u vCPUs: 1..%d supported", nr_vcpus, KVMW_MAX_VCPUS);
		errno = EINVAL;
		return NULL;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	vm->fd = -1;
	vm->kvm_fd = -1;
	vm->nr_vcpus = nr_vcpus;
	vm->flags = flags;
	vm->irqchip = !(flags & KVMW_VM_NO_IRQCHIP);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	vm->vcpu = calloc(nr_vcpus, sizeof(*vm->vcpu));
	if (!vm->vcpu)
		goto fail;
	for (i = 0; i < nr_vcpus; i++) {
		vm->vcpu[i].fd = -1;
		vm->vcpu[i].stats_fd = -1;
		vm->vcpu[i].idx = i;
	}

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		kvmw_err("/dev/kvm: %m");
		goto fail;
	}
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		kvmw_err("unexpected KVM API version");
		goto fail;
	}
	vm->cpuid = supported_cpuid(vm->kvm_fd);
	if (!vm->cpuid)
		goto fail;
	vm->amd = vendor_is_amd(vm->cpuid);

	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		kvmw_err("KVM_CREATE_VM: %m");
		goto fail;
	}
	snprintf(vm->id, sizeof(vm->id), "%d-%d", (int)getpid(), vm->fd);

	/* Intel without unrestricted guest needs both; AMD ignores them. */
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		uint64_t a = G_IDMAP;

		ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &a);
	}
	ioctl(vm->fd, KVM_SET_TSS_ADDR, G_TSS);

	if (vm->irqchip && ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		kvmw_err("KVM_CREATE_IRQCHIP: %m");
		goto fail;
	}

	vm->ram = fresh_mem(KVMW_RAM_SIZE);
	if (!vm->ram ||
	    set_slot(vm, SLOT_RAM, 0, 0, KVMW_RAM_SIZE, vm->ram) < 0)
		goto fail;
	kvmw_gen_tables(vm);

	for (i = 0; i < nr_vcpus; i++)
		if (vcpu_create(vm, &vm->vcpu[i]) < 0)
			goto fail;
	vm->tsc_khz = ioctl(vm->vcpu[0].fd, KVM_GET_TSC_KHZ, 0);
	if ((int64_t)vm->tsc_khz <= 0)
		vm->tsc_khz = 1000000;	/* only scales TSC-deadline waits */
	return vm;

fail:
	i = errno;
	kvmw_vm_destroy(vm);
	errno = i ? i : EIO;
	return NULL;
}

/* Slots 1 and 2 are sized for the run; recreate them only when needed. */
static int setup_pages(struct kvmw_vm *vm)
{
	const struct kvmw_guest_spec *s = &vm->spec;
	uint64_t pf = 0, dirty = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		for (unsigned int k = 0; k < s->nr_ops[i]; k++) {
			const struct kvmw_op *op = &s->ops[i][k];

			if (op->kind == KVMW_OP_PF) {
				vm->vcpu[i].op_base[k] = KVMW_PF_BASE + pf * PAGE;
				pf += op->count;
			} else if (op->kind == KVMW_OP_DIRTY) {
				vm->vcpu[i].op_base[k] = KVMW_DIRTY_BASE + dirty * PAGE;
				dirty += op->count;
			}
		}
	}
	if (pf * PAGE > KVMW_DIRTY_BASE - KVMW_PF_BASE ||
	    dirty * PAGE > KVMW_MMIO_DEFAULT - KVMW_DIRTY_BASE) {
		kvmw_err("too many pages for the first-touch or dirty slot");
		errno = E2BIG;
		return -1;
	}

	/* A deleted slot takes its nested page tables with it. */
	if (vm->pf_mem) {
		set_slot(vm, SLOT_PF, 0, KVMW_PF_BASE, 0, NULL);
		munmap(vm->pf_mem, vm->pf_size);
		vm->pf_mem = NULL;
	}
	if (vm->dirty_mem) {
		set_slot(vm, SLOT_DIRTY, 0, KVMW_DIRTY_BASE, 0, NULL);
		munmap(vm->dirty_mem, vm->dirty_size);
		vm->dirty_mem = NULL;
	}
	free(vm->dirty_bitmap);
	free(vm->dirty_expect);
	vm->dirty_bitmap = vm->dirty_expect = NULL;

	vm->pf_size = pf * PAGE;
	if (pf) {
		vm->pf_mem = fresh_mem(vm->pf_size);
		if (!vm->pf_mem ||
		    set_slot(vm, SLOT_PF, 0, KVMW_PF_BASE, vm->pf_size,
			     vm->pf_mem) < 0)
			return -1;
	}
	vm->dirty_size = dirty * PAGE;
	if (dirty) {
		size_t words = (dirty + 63) / 64;

		vm->dirty_mem = fresh_mem(vm->dirty_size);
		vm->dirty_bitmap = calloc(words, 8);
		vm->dirty_expect = calloc(words, 8);
		if (!vm->dirty_mem || !vm->dirty_bitmap || !vm->dirty_expect ||
		    set_slot(vm, SLOT_DIRTY, KVM_MEM_LOG_DIRTY_PAGES,
			     KVMW_DIRTY_BASE, vm->dirty_size, vm->dirty_mem) < 0)
			return -1;
		/* every dirty op writes all of its pages, each round */
		for (uint64_t p = 0; p < dirty; p++)
			vm->dirty_expect[p / 64] |= 1ULL << (p % 64);
	}
	return 0;
}

/*
 * Drop the first-touch pages (host page tables and, through KVM's MMU
 * notifier, only their nested page table entries) so the next round faults
 * on fresh pages again. Deleting the slot instead would make KVM zap every
 * root and refault all of RAM inside the window.
 */
void kvmw_pf_refresh(struct kvmw_vm *vm)
{
	if (vm->pf_mem)
		madvise(vm->pf_mem, vm->pf_size, MADV_DONTNEED);
}

/* IOAPIC pin KVMW_GSI_BASE + i: edge, fixed, to vCPU i, unmasked. */
static int setup_ioapic(struct kvmw_vm *vm)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_ioapic_state *io = &chip.chip.ioapic;

	if (ioctl(vm->fd, KVM_GET_IRQCHIP, &chip) < 0) {
		kvmw_err("KVM_GET_IRQCHIP: %m");
		return -1;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		unsigned int pin = KVMW_GSI_BASE + i;

		if (pin >= KVM_IOAPIC_NUM_PINS)
			break;
		memset(&io->redirtbl[pin], 0, sizeof(io->redirtbl[pin]));
		io->redirtbl[pin].fields.vector = KVMW_VEC_IRQ_LINE;
		io->redirtbl[pin].fields.dest_id = i;
	}
	if (ioctl(vm->fd, KVM_SET_IRQCHIP, &chip) < 0) {
		kvmw_err("KVM_SET_IRQCHIP: %m");
		return -1;
	}
	return 0;
}

int kvmw_vm_setup_run(struct kvmw_vm *vm)
{
	if (setup_pages(vm) < 0)
		return -1;
	if (vm->irqchip && setup_ioapic(vm) < 0)
		return -1;
	memset(vm->ram + G_SHARED, 0, 0x1000);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct kvmw_vcpu *v = &vm->vcpu[i];

		memset(v->data, 0, 0x1000);
		if (kvmw_gen_program(vm, v) < 0 ||
		    kvmw_vcpu_reset_regs(v, v->entry) < 0)
			return -1;
	}
	return 0;
}

/* Everything that holds a reference on KVM's VM. */
static void close_kvm_files(struct kvmw_vm *vm)
{
	for (unsigned int i = 0; vm->vcpu && i < vm->nr_vcpus; i++) {
		struct kvmw_vcpu *v = &vm->vcpu[i];

		if (v->run)
			munmap(v->run, v->run_size);
		v->run = NULL;
		if (v->stats_fd >= 0)
			close(v->stats_fd);
		v->stats_fd = -1;
		if (v->fd >= 0)
			close(v->fd);
		v->fd = -1;
	}
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->kvm_fd = -1;
}

int kvmw_vm_close(struct kvmw_vm *vm)
{
	if (vm->running) {
		errno = EBUSY;
		return -1;
	}
	close_kvm_files(vm);
	return 0;
}

void kvmw_vm_destroy(struct kvmw_vm *vm)
{
	if (!vm)
		return;
	if (vm->running) {
		kvmw_vm_fail(vm, "destroyed while running");
		kvmw_vm_wait(vm);
	}
	close_kvm_files(vm);
	if (vm->ram)
		munmap(vm->ram, KVMW_RAM_SIZE);
	if (vm->pf_mem)
		munmap(vm->pf_mem, vm->pf_size);
	if (vm->dirty_mem)
		munmap(vm->dirty_mem, vm->dirty_size);
	free(vm->dirty_bitmap);
	free(vm->dirty_expect);
	free(vm->cpuid);
	free(vm->vcpu);
	pthread_mutex_destroy(&vm->lock);
	pthread_cond_destroy(&vm->cond);
	free(vm);
}

const char *kvmw_vm_id(const struct kvmw_vm *vm)
{
	return vm->id;
}

int kvmw_vm_fd(const struct kvmw_vm *vm)
{
	return vm->fd;
}

int kvmw_vcpu_fd(const struct kvmw_vm *vm, unsigned int vcpu)
{
	return vcpu < vm->nr_vcpus ? vm->vcpu[vcpu].fd : -1;
}

unsigned int kvmw_vm_nr_vcpus(const struct kvmw_vm *vm)
{
	return vm->nr_vcpus;
}
