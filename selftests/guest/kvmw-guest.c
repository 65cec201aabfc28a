// SPDX-License-Identifier: GPL-2.0
/*
 * kvmw-guest: run exact guest workloads from the shell (see usage()).
 * Prints the tally and exits 0 only if every count the guest reports
 * equals the one asked for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../lib/kvmw.h"

#define EXIT_MISMATCH	1
#define EXIT_USAGE	2
#define EXIT_SETUP	3
#define MAX_VMS		16
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static volatile sig_atomic_t got_signal;

static void usage(FILE *f)
{
	fprintf(f,
"usage: kvmw-guest [options] OP...\n"
"Runs guests doing exact counts of exit-causing operations; prints the tally.\n"
"\n"
"Ops (each vCPU runs them in command-line order; N = iterations):\n"
"  --cpuid N[:LEAF]        CPUID (leaf 0)\n"
"  --out PORT:N            1-byte OUT to PORT (exits to userspace)\n"
"  --in PORT:N             1-byte IN from PORT\n"
"  --rdmsr MSR:N           RDMSR, e.g. 0x1b, 0x6e0, 0x8b (0x174 is not\n"
"                          intercepted on AMD or Intel: no exit)\n"
"  --wrmsr MSR:N[:VALUE]   WRMSR VALUE (0), e.g. 0x6e0, 0x8b\n"
"  --hlt N[:NS]            HLT; with irqchip woken by the LAPIC one-shot\n"
"                          timer after NS ns (%d), else KVM_EXIT_HLT\n"
"  --hlt-tscdl N[:NS]      HLT woken by the TSC-deadline timer\n"
"  --spin-tscdl N[:NS]     TSC-deadline timer after NS ns awaited spinning,\n"
"                          not halted (VMX: PREEMPTION_TIMER exits)\n"
"  --mmio-read ADDR:N      4-byte read of ADDR (no memslot: KVM_EXIT_MMIO)\n"
"  --mmio-write ADDR:N     4-byte write, e.g. 0x%llx\n"
"  --hypercall N[:NR]      VMMCALL/VMCALL with EAX=NR (0: -KVM_ENOSYS)\n"
"  --pf N                  first touch of N fresh pages (nested page faults)\n"
"  --dirty N               write N pages of a dirty-logged slot; checked\n"
"                          against KVM_GET_DIRTY_LOG\n"
"  --irq-line N            N KVM_IRQ_LINE edges (IOAPIC pin 16+vCPU)\n"
"  --msi N                 N KVM_SIGNAL_MSI\n"
"  --x2apic-ipi N[:DEST]   N x2APIC ICR IPIs to DEST: self, next (default\n"
"                          with 2+ vCPUs) or a vCPU index\n"
"  --irq-dup-probe N       N INTs from inside the interrupt handlers, as\n"
"                          QEMU/TCG's repeated delivery looks: irq_dups=N\n"
"  --on VCPU|all           following ops only on that vCPU (default all)\n"
"\n"
"VMs and run:\n"
"  --vms N, --vcpus N      VMs (run at once) and vCPUs per VM (1, 1)\n"
"  --no-irqchip            no in-kernel irqchip (plain HLT exits only)\n"
"  --rounds N              repeat the ops N times (1)\n"
"  --duration SECS         repeat until SECS elapsed\n"
"  --forever               repeat until SIGTERM/SIGINT, then report\n"
"  --timeout SECS          abort a stuck run (600; 0 = never)\n"
"  --hold SECS             after reporting keep the VMs alive (idle)\n"
"  --json                  JSON instead of key=value lines\n"
"  --host-timer NS         a host timer interrupt every NS ns of each vCPU\n"
"                          thread's run time (a perf task-clock sampling\n"
"                          event, as profiling them does): external-\n"
"                          interrupt exits without waking or preempting\n"
"                          anything (their exit counts are not checked)\n"
"  --strict                also require KVM's io_exits, mmio_exits,\n"
"                          halt_exits, hypercalls to match the guest\n"
"\n"
"Prints vm<N>.ready=<pid>-<vmfd> (stderr with --json) when the counting\n"
"window opens. Exit: 0 exact, 1 mismatch or run failure, 2 usage, 3 setup.\n",
		KVMW_HLT_NS_DEFAULT, (unsigned long long)KVMW_MMIO_DEFAULT);
}

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
	kvmw_request_stop();
}

struct opts {
	unsigned int vms, vcpus, flags, rounds, duration, timeout, hold;
	unsigned int host_timer;	/* ns, 0: none */
	bool forever, json, strict, timeout_set;
	int on;				/* vCPU or -1 */
	struct kvmw_guest_spec spec;
	/* IPI destinations are resolved once --vcpus is known */
	unsigned int nr_ipi;
	struct { int vcpu; uint32_t count; long long dest; } ipi[64];
};

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && end != s && !*end;
}

/* "A:B[:C]" into up to three numbers; returns how many were given. */
static int split(const char *arg, uint64_t *v, int max)
{
	char buf[128], *save, *tok;
	int n = 0;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save)) {
		if (n == max || !parse_u64(tok, &v[n]))
			return -1;
		n++;
	}
	return n;
}

static void die_usage(const char *opt, const char *arg)
{
	fprintf(stderr, "kvmw-guest: bad argument for --%s: '%s'\n", opt, arg);
	exit(EXIT_USAGE);
}

enum {
	O_CPUID = 256, O_OUT, O_IN, O_RDMSR, O_WRMSR, O_HLT, O_HLT_TSCDL,
	O_MMIO_R, O_MMIO_W, O_HCALL, O_PF, O_DIRTY, O_IRQ_LINE, O_MSI,
	O_IPI, O_ON, O_VMS, O_VCPUS, O_NO_IRQCHIP, O_ROUNDS, O_DURATION,
	O_FOREVER, O_TIMEOUT, O_HOLD, O_JSON, O_STRICT, O_HELP, O_HOST_TIMER,
	O_SPIN_TSCDL, O_IRQ_DUP
};

static const struct option long_opts[] = {
	{ "cpuid", 1, 0, O_CPUID }, { "out", 1, 0, O_OUT },
	{ "in", 1, 0, O_IN }, { "rdmsr", 1, 0, O_RDMSR },
	{ "wrmsr", 1, 0, O_WRMSR }, { "hlt", 1, 0, O_HLT },
	{ "hlt-tscdl", 1, 0, O_HLT_TSCDL }, { "mmio-read", 1, 0, O_MMIO_R },
	{ "mmio-write", 1, 0, O_MMIO_W }, { "hypercall", 1, 0, O_HCALL },
	{ "pf", 1, 0, O_PF }, { "dirty", 1, 0, O_DIRTY },
	{ "irq-line", 1, 0, O_IRQ_LINE }, { "msi", 1, 0, O_MSI },
	{ "x2apic-ipi", 1, 0, O_IPI }, { "on", 1, 0, O_ON },
	{ "vms", 1, 0, O_VMS }, { "vcpus", 1, 0, O_VCPUS },
	{ "no-irqchip", 0, 0, O_NO_IRQCHIP }, { "rounds", 1, 0, O_ROUNDS },
	{ "duration", 1, 0, O_DURATION }, { "forever", 0, 0, O_FOREVER },
	{ "timeout", 1, 0, O_TIMEOUT }, { "hold", 1, 0, O_HOLD },
	{ "json", 0, 0, O_JSON }, { "strict", 0, 0, O_STRICT },
	{ "help", 0, 0, O_HELP }, { "host-timer", 1, 0, O_HOST_TIMER },
	{ "spin-tscdl", 1, 0, O_SPIN_TSCDL },
	{ "irq-dup-probe", 1, 0, O_IRQ_DUP }, { 0 },
};

struct op_form {
	int opt;
	enum kvmw_op_kind kind;
	bool keyed;		/* KEY:N[:X] rather than N[:X] */
	int max;		/* numbers accepted */
};

static const struct op_form forms[] = {
	{ O_CPUID, KVMW_OP_CPUID, false, 2 },
	{ O_OUT, KVMW_OP_OUT, true, 2 },
	{ O_IN, KVMW_OP_IN, true, 2 },
	{ O_RDMSR, KVMW_OP_RDMSR, true, 2 },
	{ O_WRMSR, KVMW_OP_WRMSR, true, 3 },
	{ O_HLT, KVMW_OP_HLT, false, 2 },
	{ O_HLT_TSCDL, KVMW_OP_HLT_TSCDL, false, 2 },
	{ O_SPIN_TSCDL, KVMW_OP_SPIN_TSCDL, false, 2 },
	{ O_MMIO_R, KVMW_OP_MMIO_READ, true, 2 },
	{ O_MMIO_W, KVMW_OP_MMIO_WRITE, true, 2 },
	{ O_HCALL, KVMW_OP_HYPERCALL, false, 2 },
	{ O_PF, KVMW_OP_PF, false, 1 },
	{ O_DIRTY, KVMW_OP_DIRTY, false, 1 },
	{ O_IRQ_LINE, KVMW_OP_IRQ_LINE, false, 1 },
	{ O_MSI, KVMW_OP_MSI, false, 1 },
	{ O_IRQ_DUP, KVMW_OP_IRQ_DUP, false, 1 },
};

/* Ops are collected per "--on" target; all-vCPU ops are expanded later. */
struct pending {
	int vcpu;
	struct kvmw_op op;
};

static struct pending pend[KVMW_MAX_OPS * 4];
static unsigned int nr_pend;

static void add_op(struct opts *o, const char *name, const char *arg,
		   const struct op_form *f)
{
	uint64_t v[3] = { 0, 0, 0 };
	int n = split(arg, v, f->max);
	struct kvmw_op op = { .kind = f->kind };

	if (n < (f->keyed ? 2 : 1) || nr_pend == ARRAY_SIZE(pend))
		die_usage(name, arg);
	if (f->keyed) {
		op.arg = v[0];
		op.count = v[1];
		op.arg2 = v[2];
	} else {
		op.count = v[0];
		/* CPUID leaf, HLT ns, hypercall nr */
		if (f->kind == KVMW_OP_HLT || f->kind == KVMW_OP_HLT_TSCDL ||
		    f->kind == KVMW_OP_SPIN_TSCDL)
			op.arg2 = v[1];
		else
			op.arg = v[1];
	}
	if (v[f->keyed] > UINT32_MAX)
		die_usage(name, arg);
	pend[nr_pend].vcpu = o->on;
	pend[nr_pend++].op = op;
}

static void add_ipi(struct opts *o, const char *arg)
{
	char buf[64], *colon;
	uint64_t n;
	long long dest = -2;		/* -2: default, -1: next */

	if (strlen(arg) >= sizeof(buf) || nr_pend == ARRAY_SIZE(pend))
		die_usage("x2apic-ipi", arg);
	strcpy(buf, arg);
	colon = strchr(buf, ':');
	if (colon) {
		*colon++ = 0;
		if (!strcmp(colon, "self"))
			dest = -3;
		else if (!strcmp(colon, "next"))
			dest = -1;
		else if (!parse_u64(colon, &n))
			die_usage("x2apic-ipi", arg);
		else
			dest = n;
	}
	if (!parse_u64(buf, &n) || n > UINT32_MAX)
		die_usage("x2apic-ipi", arg);
	pend[nr_pend].vcpu = o->on;
	pend[nr_pend].op.kind = KVMW_OP_IPI;
	pend[nr_pend].op.count = n;
	pend[nr_pend++].op.arg = (uint64_t)dest;
}

/* Expand pending ops into the spec now that the vCPU count is known. */
static void build_spec(struct opts *o)
{
	for (unsigned int p = 0; p < nr_pend; p++) {
		unsigned int first = pend[p].vcpu < 0 ? 0 : pend[p].vcpu;
		unsigned int last = pend[p].vcpu < 0 ? o->vcpus : first + 1;

		if (last > o->vcpus) {
			fprintf(stderr, "kvmw-guest: --on %d: only %u vCPUs\n",
				pend[p].vcpu, o->vcpus);
			exit(EXIT_USAGE);
		}
		for (unsigned int i = first; i < last; i++) {
			struct kvmw_op op = pend[p].op;

			if (op.kind == KVMW_OP_IPI) {
				long long d = (long long)op.arg;

				if (d == -3 || (d == -2 && o->vcpus == 1))
					op.arg = i;
				else if (d < 0)
					op.arg = (i + 1) % o->vcpus;
			}
			if (kvmw_spec_add(&o->spec, o->vcpus, i, op.kind, op.count,
					  op.arg, op.arg2) < 0) {
				fprintf(stderr, "kvmw-guest: more than %d ops on vCPU %u\n",
					KVMW_MAX_OPS, i);
				exit(EXIT_USAGE);
			}
		}
	}
}

static unsigned int num(const char *opt, const char *arg)
{
	uint64_t v;

	if (!parse_u64(arg, &v) || v > UINT32_MAX)
		die_usage(opt, arg);
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	int c;

	o->vms = o->vcpus = 1;
	o->on = -1;
	o->timeout = 600;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		const char *name = long_opts[0].name;

		for (const struct option *l = long_opts; l->name; l++)
			if (l->val == c)
				name = l->name;
		for (size_t i = 0; i < ARRAY_SIZE(forms); i++)
			if (forms[i].opt == c) {
				add_op(o, name, optarg, &forms[i]);
				goto next;
			}
		switch (c) {
		case O_IPI:
			add_ipi(o, optarg);
			break;
		case O_ON:
			o->on = strcmp(optarg, "all") ? (int)num(name, optarg) : -1;
			break;
		case O_VMS:
			o->vms = num(name, optarg);
			break;
		case O_VCPUS:
			o->vcpus = num(name, optarg);
			break;
		case O_NO_IRQCHIP:
			o->flags |= KVMW_VM_NO_IRQCHIP;
			break;
		case O_ROUNDS:
			o->rounds = num(name, optarg);
			break;
		case O_DURATION:
			o->duration = num(name, optarg);
			break;
		case O_FOREVER:
			o->forever = true;
			break;
		case O_TIMEOUT:
			o->timeout = num(name, optarg);
			o->timeout_set = true;
			break;
		case O_HOLD:
			o->hold = num(name, optarg);
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_HOST_TIMER:
			o->host_timer = num(name, optarg);
			/* perf's default maximum sample rate: 100 kHz */
			if (o->host_timer < 10000)
				die_usage(name, optarg);
			break;
		case O_STRICT:
			o->strict = true;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
next:
		;
	}
	if (optind < argc || !o->vms || o->vms > MAX_VMS || !o->vcpus ||
	    o->vcpus > KVMW_MAX_VCPUS) {
		usage(stderr);
		exit(EXIT_USAGE);
	}
	build_spec(o);
	o->spec.rounds = o->rounds;
	o->spec.duration_ms = o->duration * 1000;
	o->spec.forever = o->forever;
	if (!o->timeout_set && o->forever)
		o->timeout = 0;
	else if (!o->timeout_set)
		o->timeout += o->duration;
	o->spec.timeout_ms = o->timeout * 1000;
}

static FILE *ready_out;

/*
 * --host-timer: a task-clock sampling event on this thread, inherited by
 * the vCPU threads created after it. Its hrtimer fires on whatever CPU a
 * thread runs, only while it runs, in interrupt context: nothing is
 * woken. The samples have no buffer and are dropped. -1 on error.
 */
static int host_timer(unsigned int period_ns)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.sample_period = period_ns;
	a.inherit = 1;
	a.exclude_idle = 1;
	if (syscall(SYS_perf_event_open, &a, 0, -1, -1, 0) < 0) {
		fprintf(stderr, "kvmw-guest: --host-timer: perf_event_open: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;	/* the fd stays open until exit */
}

static void on_ready(struct kvmw_vm *vm, void *arg)
{
	fprintf(ready_out, "vm%u.ready=%s\n", (unsigned int)(uintptr_t)arg,
		kvmw_vm_id(vm));
	fflush(ready_out);
}

int main(int argc, char **argv)
{
	struct kvmw_vm *vms[MAX_VMS] = { 0 };
	struct sigaction sa;
	struct opts o;
	int rc = 0, failed;

	memset(&o, 0, sizeof(o));
	parse(argc, argv, &o);
	ready_out = o.json ? stderr : stdout;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	for (unsigned int i = 0; i < o.vms; i++) {
		vms[i] = kvmw_vm_create(o.vcpus, o.flags);
		if (!vms[i]) {
			rc = EXIT_SETUP;
			goto out;
		}
	}
	if (o.host_timer && host_timer(o.host_timer)) {
		rc = EXIT_SETUP;
		goto out;
	}
	o.spec.on_ready = on_ready;
	for (unsigned int i = 0; i < o.vms; i++) {
		o.spec.on_ready_arg = (void *)(uintptr_t)i;
		if (kvmw_vm_start(vms[i], &o.spec) < 0) {
			fprintf(stderr, "kvmw-guest: vm%u: cannot start: %s\n", i,
				kvmw_vm_error(vms[i])[0] ?
				kvmw_vm_error(vms[i]) : strerror(errno));
			kvmw_request_stop();
			rc = EXIT_SETUP;
			for (unsigned int j = 0; j < i; j++)
				kvmw_vm_wait(vms[j]);
			goto out;
		}
	}
	for (unsigned int i = 0; i < o.vms; i++)
		if (kvmw_vm_wait(vms[i]) < 0)
			fprintf(stderr, "kvmw-guest: vm%u (%s): %s\n", i,
				kvmw_vm_id(vms[i]), kvmw_vm_error(vms[i]));

	if (o.json)
		failed = kvmw_print_json(stdout, vms, o.vms, o.strict);
	else
		failed = kvmw_print_text(stdout, vms, o.vms, o.strict);
	rc = failed ? EXIT_MISMATCH : 0;

	if (o.hold) {
		struct timespec t = { .tv_sec = 0, .tv_nsec = 100000000 };

		if (!o.json)
			printf("hold=%u\n", o.hold);
		fflush(stdout);
		for (unsigned int i = 0; i < o.hold * 10 && !got_signal; i++)
			nanosleep(&t, NULL);
	}
out:
	fflush(stdout);
	for (unsigned int i = 0; i < o.vms; i++)
		kvmw_vm_destroy(vms[i]);
	return rc;
}
