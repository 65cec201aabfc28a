// SPDX-License-Identifier: GPL-2.0
/*
 * Running a spec: one pthread per vCPU looping on KVM_RUN, the READY and
 * end-of-round barriers, interrupt injection on the guest's request, and
 * stopping (rounds, duration, kvmw_request_stop(), timeout, failure).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

#define POLL_MS		100
#define STOP_GRACE_MS	10000	/* after a stop request, then abort */

static volatile sig_atomic_t stop_flag;
/* The kvm_run of the vCPU this thread runs, for the kick handler. */
static __thread struct kvm_run *kick_run;

void kvmw_request_stop(void)
{
	stop_flag = 1;
}

bool kvmw_stop_requested(void)
{
	return stop_flag;
}

/*
 * immediate_exit makes KVM_RUN return -EINTR even when the signal landed
 * just before the ioctl, where a bare signal would be lost.
 */
static void kick_handler(int sig)
{
	(void)sig;
	if (kick_run)
		kick_run->immediate_exit = 1;
}

static void install_kick_once(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;	/* no SA_RESTART: KVM_RUN -> EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(KVMW_KICK_SIGNAL, &sa, NULL);
}

static int64_t ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void fail_locked(struct kvmw_vm *vm, const char *fmt, va_list ap)
{
	if (!vm->err[0])
		vsnprintf(vm->err, sizeof(vm->err), fmt, ap);
	vm->abort = true;
	pthread_cond_broadcast(&vm->cond);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpu[i].thread_started &&
		    vm->vcpu[i].state != VS_EXITED)
			pthread_kill(vm->vcpu[i].thread, KVMW_KICK_SIGNAL);
}

static void vm_fail_locked(struct kvmw_vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_locked(vm, fmt, ap);
	va_end(ap);
}

void kvmw_vm_fail(struct kvmw_vm *vm, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->lock);
	va_start(ap, fmt);
	fail_locked(vm, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&vm->lock);
}

/*
 * All vCPUs meet; the last to arrive runs serial() with the lock held
 * while the others wait. False if the run was aborted meanwhile.
 */
static bool barrier(struct kvmw_vm *vm, void (*serial)(struct kvmw_vm *))
{
	bool ok;

	pthread_mutex_lock(&vm->lock);
	if (!vm->abort) {
		unsigned int gen = vm->bar_gen;

		if (++vm->bar_count == vm->nr_vcpus) {
			vm->bar_count = 0;
			serial(vm);
			vm->bar_gen++;
			pthread_cond_broadcast(&vm->cond);
		} else {
			while (gen == vm->bar_gen && !vm->abort)
				pthread_cond_wait(&vm->cond, &vm->lock);
		}
	}
	ok = !vm->abort;
	pthread_mutex_unlock(&vm->lock);
	return ok;
}

static void ready_serial(struct kvmw_vm *vm)
{
	clock_gettime(CLOCK_MONOTONIC, &vm->t_ready);
	if (vm->spec.on_ready)
		vm->spec.on_ready(vm, vm->spec.on_ready_arg);
}

static void round_serial(struct kvmw_vm *vm)
{
	const struct kvmw_guest_spec *s = &vm->spec;
	bool more;

	vm->rounds++;
	kvmw_tally_dirty(vm);
	kvmw_pf_refresh(vm);
	memset(vm->ram + G_BARRIER, 0, 4);
	if (stop_flag || vm->abort)
		more = false;
	else if (s->forever)
		more = true;
	else if (s->duration_ms)
		more = ms_since(&vm->t_ready) < s->duration_ms;
	else
		more = vm->rounds < (s->rounds ? s->rounds : 1);
	vm->more = more;
}

/* Returns 1 to go on running, 0 to stop. */
static int at_ready(struct kvmw_vcpu *v)
{
	/* the window starts here: forget the prologue's exits */
	memset(&v->tally, 0, sizeof(v->tally));
	kvmw_kstats_read(v, v->kstat0);
	v->state = VS_READY;
	if (!barrier(v->vm, ready_serial))
		return 0;
	v->state = VS_WORK;
	return 1;
}

static int at_done(struct kvmw_vcpu *v)
{
	struct kvmw_vm *vm = v->vm;
	uint64_t now[KVMW_KSTAT__NR];

	kvmw_tally_harvest(v);
	kvmw_kstats_read(v, now);
	for (int k = 0; k < KVMW_KSTAT__NR; k++)
		v->tally.kstat[k] = (now[k] == ~0ULL || v->kstat0[k] == ~0ULL) ?
				    ~0ULL : now[k] - v->kstat0[k];
	v->tally.rounds++;
	v->state = VS_DONE;
	if (!barrier(vm, round_serial))
		return 0;
	pthread_mutex_lock(&vm->lock);
	if (!vm->more) {
		pthread_mutex_unlock(&vm->lock);
		return 0;
	}
	pthread_mutex_unlock(&vm->lock);
	v->state = VS_WORK;
	if (kvmw_vcpu_reset_regs(v, v->work) < 0) {
		kvmw_vm_fail(vm, "vcpu %u: KVM_SET_REGS: %m", v->idx);
		return 0;
	}
	return 1;
}

static int at_fault(struct kvmw_vcpu *v)
{
	uint32_t *f = v->data + D_FAULT / 4;

	v->tally.faults++;
	kvmw_vm_fail(v->vm, "vcpu %u: guest exception %u, stack %#x %#x %#x (error code?, eip, cs)",
		     v->idx, f[0], f[1], f[2], f[3]);
	return 0;
}

/* The guest asked for one interrupt (KVMW_PORT_IRQREQ). */
static int inject(struct kvmw_vcpu *v, uint8_t what)
{
	struct kvmw_vm *vm = v->vm;

	if (what == IRQREQ_LINE) {
		struct kvm_irq_level l = {
			.irq = KVMW_GSI_BASE + v->idx, .level = 1,
		};

		/* an edge: raise and lower; status 0 would mean coalesced */
		if (ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &l) < 0 || l.status <= 0) {
			kvmw_vm_fail(vm, "vcpu %u: KVM_IRQ_LINE gsi %u: status %d: %m",
				     v->idx, KVMW_GSI_BASE + v->idx, l.status);
			return 0;
		}
		l.irq = KVMW_GSI_BASE + v->idx;
		l.level = 0;
		ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &l);
	} else if (what == IRQREQ_MSI) {
		struct kvm_msi m = {
			.address_lo = 0xfee00000 | (v->idx << 12),
			.data = KVMW_VEC_MSI,
		};
		int r = ioctl(vm->fd, KVM_SIGNAL_MSI, &m);

		if (r <= 0) {
			kvmw_vm_fail(vm, "vcpu %u: KVM_SIGNAL_MSI returned %d: %m",
				     v->idx, r);
			return 0;
		}
	}
	return 1;
}

static int handle_io(struct kvmw_vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	if (out && run->io.port == KVMW_PORT_CTRL && run->io.size == 4) {
		uint32_t code;

		memcpy(&code, data, 4);
		switch (code) {
		case CTRL_READY:
			return at_ready(v);
		case CTRL_DONE:
			kvmw_tally_row(&v->tally, KVMW_EV_OUT, KVMW_PORT_CTRL)->user++;
			return at_done(v);
		default:
			return at_fault(v);
		}
	}
	kvmw_tally_row(&v->tally, out ? KVMW_EV_OUT : KVMW_EV_IN,
		       run->io.port)->user += run->io.count;
	if (out && run->io.port == KVMW_PORT_IRQREQ)
		return inject(v, data[0]);
	if (!out)
		memset(data, 0xff, run->io.size * run->io.count);
	return 1;
}

static int handle_exit(struct kvmw_vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_io(v);
	case KVM_EXIT_MMIO:
		kvmw_tally_row(&v->tally, run->mmio.is_write ? KVMW_EV_MMIO_WR :
			       KVMW_EV_MMIO_RD, run->mmio.phys_addr)->user++;
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		return 1;
	case KVM_EXIT_HLT:
		kvmw_tally_row(&v->tally, KVMW_EV_HLT, 0)->user++;
		return 1;
	case KVM_EXIT_INTR:
		return 1;
	case KVM_EXIT_FAIL_ENTRY:
		kvmw_vm_fail(v->vm, "vcpu %u: VM entry failed, reason %#llx",
			     v->idx, (unsigned long long)
			     run->fail_entry.hardware_entry_failure_reason);
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		kvmw_vm_fail(v->vm, "vcpu %u: KVM internal error, suberror %u",
			     v->idx, run->internal.suberror);
		return 0;
	default:
		kvmw_vm_fail(v->vm, "vcpu %u: unexpected exit %s (%u)", v->idx,
			     kvmw_exit_name(run->exit_reason),
			     run->exit_reason);
		return 0;
	}
}

static void *vcpu_thread(void *arg)
{
	struct kvmw_vcpu *v = arg;
	struct kvmw_vm *vm = v->vm;

	kick_run = v->run;
	while (!__atomic_load_n(&vm->abort, __ATOMIC_ACQUIRE)) {
		int r = ioctl(v->fd, KVM_RUN, 0);

		v->exits++;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				continue;
			}
			kvmw_vm_fail(vm, "vcpu %u: KVM_RUN: %m", v->idx);
			break;
		}
		v->last_exit = v->run->exit_reason;
		if (v->last_exit < KVMW_NR_EXIT_REASONS)
			v->tally.exit_reason[v->last_exit]++;
		if (!handle_exit(v))
			break;
	}
	kick_run = NULL;
	pthread_mutex_lock(&vm->lock);
	v->state = VS_EXITED;
	vm->exited++;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

/* In-kernel devices answer these ports once KVM_CREATE_IRQCHIP ran. */
static bool port_in_kernel(uint64_t port)
{
	return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 ||
	       port == 0x4d0 || port == 0x4d1;
}

static bool mmio_ok(uint64_t a)
{
	return (a >= KVMW_RAM_SIZE && a + 4 <= KVMW_PF_BASE) ||
	       (a >= 0xc0000000ULL && a + 4 <= 0xfec00000ULL);
}

static int validate(const struct kvmw_vm *vm, const struct kvmw_guest_spec *s)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (s->nr_ops[i] > KVMW_MAX_OPS)
			goto bad;
		for (unsigned int k = 0; k < s->nr_ops[i]; k++) {
			const struct kvmw_op *op = &s->ops[i][k];

			switch (op->kind) {
			case KVMW_OP_OUT:
			case KVMW_OP_IN:
				if (op->arg > 0xffff || op->arg == KVMW_PORT_CTRL ||
				    op->arg == KVMW_PORT_IRQREQ ||
				    (vm->irqchip && port_in_kernel(op->arg))) {
					kvmw_err("port %#llx is reserved or handled in the kernel",
						 (unsigned long long)op->arg);
					goto bad;
				}
				break;
			case KVMW_OP_MMIO_READ:
			case KVMW_OP_MMIO_WRITE:
				if (!mmio_ok(op->arg)) {
					kvmw_err("MMIO address %#llx: use %#llx..%#llx or 0xc0000000..0xfebffffc",
						 (unsigned long long)op->arg,
						 KVMW_RAM_SIZE, KVMW_PF_BASE - 4);
					goto bad;
				}
				break;
			case KVMW_OP_IRQ_LINE:
				if (KVMW_GSI_BASE + i >= KVM_IOAPIC_NUM_PINS) {
					kvmw_err("irq-line: vCPUs 0..%d only",
						 KVM_IOAPIC_NUM_PINS - KVMW_GSI_BASE - 1);
					goto bad;
				}
				goto irqchip;
			case KVMW_OP_IPI:
				if (op->arg >= vm->nr_vcpus) {
					kvmw_err("IPI to vCPU %llu of %u",
						 (unsigned long long)op->arg,
						 vm->nr_vcpus);
					goto bad;
				}
				goto irqchip;
			case KVMW_OP_HLT_TSCDL:
			case KVMW_OP_SPIN_TSCDL:
			case KVMW_OP_MSI:
irqchip:
				if (!vm->irqchip) {
					kvmw_err("%s needs the in-kernel irqchip",
						 kvmw_op_name(op->kind));
					goto bad;
				}
				break;
			case KVMW_OP__NR:
				goto bad;
			default:
				break;
			}
		}
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int kvmw_vm_start(struct kvmw_vm *vm, const struct kvmw_guest_spec *spec)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (vm->running || validate(vm, spec) < 0)
		return -1;
	vm->spec = *spec;
	if (kvmw_vm_setup_run(vm) < 0)
		return -1;
	pthread_once(&once, install_kick_once);

	vm->bar_count = 0;
	vm->exited = 0;
	vm->abort = false;
	vm->more = false;
	vm->rounds = 0;
	vm->err[0] = 0;
	memset(&vm->total, 0, sizeof(vm->total));
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		memset(&vm->vcpu[i].tally, 0, sizeof(vm->vcpu[i].tally));
		vm->vcpu[i].state = VS_PROLOGUE;
		vm->vcpu[i].exits = 0;
		vm->vcpu[i].thread_started = false;
	}
	clock_gettime(CLOCK_MONOTONIC, &vm->t_start);
	vm->t_ready = vm->t_start;
	vm->running = true;

	pthread_mutex_lock(&vm->lock);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct kvmw_vcpu *v = &vm->vcpu[i];
		int r = pthread_create(&v->thread, NULL, vcpu_thread, v);

		if (r) {
			/* the others will stop at their first barrier */
			vm->exited += vm->nr_vcpus - i;
			errno = r;
			vm_fail_locked(vm, "pthread_create: %m");
			break;
		}
		v->thread_started = true;
	}
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

static const char *const state_names[] = {
	[VS_PROLOGUE] = "prologue", [VS_READY] = "ready", [VS_WORK] = "work",
	[VS_DONE] = "done", [VS_EXITED] = "exited",
};

static uint32_t lapic_reg(const struct kvm_lapic_state *l, unsigned int off)
{
	uint32_t v;

	memcpy(&v, l->regs + off, 4);
	return v;
}

/*
 * " NAME=0x20,0x41" (or " NAME=0x20:3,0x41:1" with @show) for the vectors
 * whose @count is not 0; " NAME=none" if there are none.
 */
static int describe_vectors(const char *name, const uint32_t *count,
			    bool show, char *buf, size_t len)
{
	const char *sep = "=";
	int n = snprintf(buf, len, " %s", name);

	for (unsigned int vec = 0; vec < 256 && n < (int)len; vec++) {
		if (!count[vec])
			continue;
		n += show ? snprintf(buf + n, len - n, "%s%#x:%u", sep, vec,
				     count[vec]) :
			    snprintf(buf + n, len - n, "%s%#x", sep, vec);
		sep = ",";
	}
	if (*sep == '=' && n < (int)len)
		n += snprintf(buf + n, len - n, "=none");
	return n;
}

/*
 * The LAPIC state that decides whether a waiting vCPU can ever go on: every
 * vector pending (IRR) or in service (ISR), and how many of each the guest
 * handled. An interrupt in neither and not counted never reached the vCPU.
 */
static int describe_lapic(struct kvmw_vcpu *v, char *buf, size_t len)
{
	struct kvm_lapic_state l;
	uint32_t irr[256], isr[256];
	int n;

	if (ioctl(v->fd, KVM_GET_LAPIC, &l) < 0)
		return 0;
	for (unsigned int vec = 0; vec < 256; vec++) {
		unsigned int off = vec / 32 * 0x10, bit = vec % 32;

		irr[vec] = (lapic_reg(&l, 0x200 + off) >> bit) & 1;
		isr[vec] = (lapic_reg(&l, 0x100 + off) >> bit) & 1;
	}
	n = snprintf(buf, len,
		     " lapic: svr=%#x lvtt=%#x tmict=%#x tmcct=%#x tpr=%#x",
		     lapic_reg(&l, 0xf0), lapic_reg(&l, 0x320),
		     lapic_reg(&l, 0x380), lapic_reg(&l, 0x390),
		     lapic_reg(&l, 0x80));
	if (n < (int)len)
		n += describe_vectors("irr", irr, false, buf + n, len - n);
	if (n < (int)len)
		n += describe_vectors("isr", isr, false, buf + n, len - n);
	if (n < (int)len)
		n += describe_vectors("handled", v->data + D_IRQ / 4, true,
				      buf + n, len - n);
	return n;
}

/* After an abort: where each vCPU was, to tell a hang from a bug. */
static void describe_vcpus(struct kvmw_vm *vm)
{
	size_t n = strlen(vm->err);

	for (unsigned int i = 0; i < vm->nr_vcpus && n < sizeof(vm->err); i++) {
		struct kvmw_vcpu *v = &vm->vcpu[i];
		struct kvm_regs r = { 0 };
		struct kvm_mp_state mp = { 0 };

		ioctl(v->fd, KVM_GET_REGS, &r);
		ioctl(v->fd, KVM_GET_MP_STATE, &mp);
		n += snprintf(vm->err + n, sizeof(vm->err) - n,
			      "; vcpu%u %s exits=%llu last=%s rip=%#llx rflags=%#llx mp_state=%u",
			      i, state_names[v->state],
			      (unsigned long long)v->exits,
			      kvmw_exit_name(v->last_exit),
			      (unsigned long long)r.rip,
			      (unsigned long long)r.rflags, mp.mp_state);
		if (vm->irqchip && n < sizeof(vm->err))
			n += describe_lapic(v, vm->err + n, sizeof(vm->err) - n);
	}
}

int kvmw_vm_wait(struct kvmw_vm *vm)
{
	const struct kvmw_guest_spec *s = &vm->spec;
	struct timespec stop_at = { 0 };
	unsigned int stuck_state[KVMW_MAX_VCPUS];
	bool timed_out = false;

	if (!vm->running)
		return vm->err[0] ? -1 : 0;
	pthread_mutex_lock(&vm->lock);
	while (vm->exited < vm->nr_vcpus) {
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += POLL_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&vm->cond, &vm->lock, &t);
		if (vm->abort)
			continue;
		if (s->timeout_ms && ms_since(&vm->t_start) > s->timeout_ms) {
			timed_out = true;
			vm_fail_locked(vm, "timeout after %u ms", s->timeout_ms);
		} else if (stop_flag && !stop_at.tv_sec) {
			clock_gettime(CLOCK_MONOTONIC, &stop_at);
		} else if (stop_flag && ms_since(&stop_at) > STOP_GRACE_MS) {
			timed_out = true;
			vm_fail_locked(vm, "stop requested, round not finished after %d ms",
				       STOP_GRACE_MS);
		}
		if (timed_out)
			for (unsigned int i = 0; i < vm->nr_vcpus; i++)
				stuck_state[i] = vm->vcpu[i].state;
	}
	pthread_mutex_unlock(&vm->lock);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpu[i].thread_started)
			pthread_join(vm->vcpu[i].thread, NULL);
	vm->running = false;
	if (timed_out) {
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			vm->vcpu[i].state = stuck_state[i];
		describe_vcpus(vm);
	}
	kvmw_tally_total(vm);
	return vm->err[0] ? -1 : 0;
}

int kvmw_vm_run(struct kvmw_vm *vm, const struct kvmw_guest_spec *spec)
{
	if (kvmw_vm_start(vm, spec) < 0)
		return -1;
	return kvmw_vm_wait(vm);
}

const char *kvmw_vm_error(const struct kvmw_vm *vm)
{
	return vm->err;
}
