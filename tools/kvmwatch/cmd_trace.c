// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch trace: the module's event stream as text lines or JSON Lines,
 * from this file's own rings (tools/lib/ring.c), merged in time order.
 *
 * The run is set up before anything can happen that it should see: the
 * filter, the rings, the families, then "-- COMMAND" is released. It
 * ends on a signal, --time or the command's exit; the families are then
 * disabled, so the last drain reads everything written, and the counts
 * of events printed and lost are always reported.
 *
 * Signals are blocked for the whole run and collected between drains;
 * the rings are polled with a short timeout so that events below the
 * wake-up watermark are printed promptly too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "dev.h"
#include "evfmt.h"
#include "json.h"
#include "ring.h"
#include "snapshot.h"

#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_USEC	1000ULL
/* Longest --time and --min-duration: a year. */
/* Drain at least this often: events below the watermark wake nobody. */
#define POLL_MS		100
/* Overrides /proc for thread names, as for "kvmwatch stat". */
#define KVMW_PROC_ENV	"KVMWATCH_PROC"
/* Serials a snapshot did not name: not looked up again. */
#define MAX_UNNAMED	64

enum {
	OPT_VM = 256,
	OPT_VCPU,
	OPT_MIN_DURATION,
	OPT_OVERWRITE,
	OPT_PAGES,
	OPT_TIME,
};

const char kvmw_trace_usage[] =
	"Usage: kvmwatch trace [-e EVENTS] [-p PID] [--vm ID] [--vcpu N]\n"
	"                      [--min-duration USEC] [--json] [--overwrite]\n"
	"                      [--pages N] [--time SECS] [-- COMMAND [ARGS...]]\n"
	"\n"
	"Print KVM events as they happen, from the module's event rings, in\n"
	"time order. Runs until Ctrl-C, --time or the end of COMMAND, then\n"
	"prints on stderr how many events were printed and lost.\n"
	"\n"
	"Options:\n"
	"  -e, --events LIST     comma-separated families: exit (default), io,\n"
	"                        halt, dirty, sched, irq, pf, hcall, vm, all;\n"
	"                        or record types: msr, pio, mmio, wakeup,\n"
	"                        halt_poll, load, put, inject, page_fault,\n"
	"                        hypercall, vm_create, vm_gone. Only wakeups\n"
	"                        (halt), only halt_poll or only dirty print\n"
	"                        kvm_watcher's -w, -n or -d table.\n"
	"  -p, --pid PID         only VMs created by PID\n"
	"      --vm ID           only the VM ID (\"<pid>-<fd>\", as in KVM's debugfs)\n"
	"      --vcpu N          only vCPUs with vcpu_id N\n"
	"      --min-duration USEC\n"
	"                        leave out exits, page faults and wakeups shorter\n"
	"                        than USEC microseconds (in the kernel)\n"
	"  -j, --json            one JSON object per line, per event, then a\n"
	"                        {\"summary\":...} line\n"
	"      --overwrite       when the reader falls behind, the kernel\n"
	"                        overwrites the oldest events instead of\n"
	"                        dropping new ones\n"
	"      --pages N         ring size per CPU in pages: a power of two,\n"
	"                        2 to " KVMW_STR(KVMW_RING_PAGES_MAX)
	" (default " KVMW_STR(KVMW_RING_PAGES_DEFAULT) ")\n"
	"      --time SECS       stop after SECS seconds\n"
	"  -h, --help            show this help\n"
	"\n"
	"  -- COMMAND [ARGS...]  run COMMAND and trace the VMs it and its\n"
	"                        children create, for exactly its lifetime; exit\n"
	"                        with its status (127/126 if it cannot run)\n";

struct trace_args {
	struct kvmw_filter filter;
	struct kvmw_evsel sel;
	struct kvmw_ring_opts ring;
	u64 min_duration_ns, time_ns;
	bool json;
	char **command;
};

struct vm_name {
	u64 serial;
	char id[32];
};

struct trace_run {
	const struct trace_args *a;
	enum kvmw_evfmt_view view;
	int fd;
	struct kvmw_ring *ring;
	struct kvmw_comm_cache *comms;
	u64 printed;
	/* VM ids by serial, sorted; and serials no snapshot named. */
	struct vm_name *vms;
	size_t nr_vms, max_vms;
	u64 unnamed[MAX_UNNAMED];
	unsigned int nr_unnamed, next_unnamed;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
}

/* A decimal number in [0, max], fractions allowed, times @unit ns. */
static int parse_decimal(const char *s, double max, u64 unit, u64 *ns)
{
	char *end;
	double v;

	if (!*s || (*s != '.' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > max)
		return -1;
	*ns = (u64)llround(v * (double)unit);
	return 0;
}

/* A decimal int in [min, INT_MAX]. */

static int parse_args(const struct kvmw_cmd *cmd, int argc, char **argv,
		      struct trace_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "pid", required_argument, NULL, 'p' },
		{ "vm", required_argument, NULL, OPT_VM },
		{ "vcpu", required_argument, NULL, OPT_VCPU },
		{ "min-duration", required_argument, NULL, OPT_MIN_DURATION },
		{ "json", no_argument, NULL, 'j' },
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "pages", required_argument, NULL, OPT_PAGES },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char bad[64];
	int c, v;

	memset(a, 0, sizeof(*a));
	a->filter.size = sizeof(a->filter);
	kvmw_evsel_parse("exit", &a->sel, bad, sizeof(bad));
	*help = false;

	while ((c = getopt_long(argc, argv, "+:e:p:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (!kvmw_evsel_parse(optarg, &a->sel, bad,
					      sizeof(bad)))
				break;
			if (!*bad)
				return kvmw_usage_error(cmd,
					"empty event name in '%s'", optarg);
			return kvmw_usage_error(cmd,
				"unknown event '%s'%s%s%s (exit, io, halt, dirty, sched, irq, pf, hcall, vm, all, or a record type)",
				bad, strcmp(bad, optarg) ? " in '" : "",
				strcmp(bad, optarg) ? optarg : "",
				strcmp(bad, optarg) ? "'" : "");
		case 'p':
			if (kvmw_parse_int(optarg, 1, &v))
				return kvmw_usage_error(cmd,
					"invalid PID '%s'", optarg);
			a->filter.flags |= KVMW_FILTER_PID;
			a->filter.pid = v;
			break;
		case OPT_VM:
			if (!*optarg || strlen(optarg) >= sizeof(a->filter.vm))
				return kvmw_usage_error(cmd,
					"invalid VM id '%s' (expected PID-FD, as in /sys/kernel/debug/kvm)",
					optarg);
			a->filter.flags |= KVMW_FILTER_VM;
			snprintf(a->filter.vm, sizeof(a->filter.vm), "%s",
				 optarg);
			break;
		case OPT_VCPU:
			if (kvmw_parse_int(optarg, 0, &v))
				return kvmw_usage_error(cmd,
					"invalid vCPU '%s'", optarg);
			a->filter.flags |= KVMW_FILTER_VCPU;
			a->filter.vcpu = v;
			break;
		case OPT_MIN_DURATION:
			if (parse_decimal(optarg, KVMW_MAX_SECONDS * 1e6,
					  NSEC_PER_USEC, &a->min_duration_ns))
				return kvmw_usage_error(cmd,
					"invalid duration '%s' (microseconds, 0 or more)",
					optarg);
			break;
		case 'j':
			a->json = true;
			break;
		case OPT_OVERWRITE:
			a->ring.overwrite = true;
			break;
		case OPT_PAGES:
			if (kvmw_parse_int(optarg, 2, &v) ||
			    v > KVMW_RING_PAGES_MAX || (v & (v - 1)))
				return kvmw_usage_error(cmd,
					"invalid page count '%s' (a power of two from 2 to %d)",
					optarg, KVMW_RING_PAGES_MAX);
			a->ring.data_pages = v;
			break;
		case OPT_TIME:
			if (parse_decimal(optarg, KVMW_MAX_SECONDS, NSEC_PER_SEC,
					  &a->time_ns) || !a->time_ns)
				return kvmw_usage_error(cmd,
					"invalid time '%s' (a positive number of seconds)",
					optarg);
			break;
		case 'h':
			*help = true;
			return KVMW_EXIT_OK;
		default:
			return kvmw_option_error(cmd, c, argv);
		}
	}

	if (optind < argc) {
		/* getopt consumed "--": the command follows it. */
		if (strcmp(argv[optind - 1], "--"))
			return kvmw_usage_error(cmd,
				"unexpected argument '%s' (a command goes after --)",
				argv[optind]);
		a->command = argv + optind;
	} else if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
		return kvmw_usage_error(cmd, "'--' must be followed by a command");
	}
	if (a->command && (a->filter.flags & KVMW_FILTER_PID))
		return kvmw_usage_error(cmd,
			"-p and -- COMMAND conflict: COMMAND selects its own VMs");
	if (a->command && a->time_ns)
		return kvmw_usage_error(cmd,
			"--time and -- COMMAND conflict: the command's lifetime is the window");
	if (a->min_duration_ns &&
	    !(a->sel.families & (KVMW_ENABLE_EXIT | KVMW_ENABLE_PF |
				 KVMW_ENABLE_HALT)))
		return kvmw_usage_error(cmd,
			"--min-duration applies to exit, pf and halt events only");
	return KVMW_EXIT_OK;
}

static int dev_step(int err, const char *what)
{
	if (!err)
		return 0;
	kvmw_err("%s on %s: %s", what, kvmw_dev_path(), strerror(-err));
	return -1;
}

static int enable(int fd, u64 families, u64 min_duration_ns)
{
	struct kvmw_enable e = {
		.size = sizeof(e),
		.families = families,
		.min_duration_ns = min_duration_ns,
	};

	return ioctl(fd, KVMW_IOC_ENABLE, &e) ? -errno : 0;
}

/* ---- VM ids ---- */

static struct vm_name *vm_find(struct trace_run *t, u64 serial)
{
	size_t lo = 0, hi = t->nr_vms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->vms[mid].serial == serial)
			return &t->vms[mid];
		if (t->vms[mid].serial < serial)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void vm_add(struct trace_run *t, u64 serial, const char *id,
		   size_t idlen)
{
	struct vm_name *v = vm_find(t, serial);
	size_t i;

	if (!v) {
		if (t->nr_vms == t->max_vms) {
			size_t max = t->max_vms ? 2 * t->max_vms : 16;
			struct vm_name *n = realloc(t->vms, max * sizeof(*n));

			if (!n)
				return;	/* shown by serial: not fatal */
			t->vms = n;
			t->max_vms = max;
		}
		for (i = t->nr_vms; i > 0 && t->vms[i - 1].serial > serial; i--)
			t->vms[i] = t->vms[i - 1];
		v = &t->vms[i];
		t->nr_vms++;
		v->serial = serial;
	}
	snprintf(v->id, sizeof(v->id), "%.*s", (int)strnlen(id, idlen), id);
}

/* Every VM the filter selects, from a snapshot (gone ones included). */
static void vm_refresh(struct trace_run *t)
{
	struct kvmw_snap s;
	size_t i;

	if (kvmw_snap_take(t->fd, KVMW_SNAP_NO_HIST | KVMW_SNAP_NO_BREAKDOWN |
			   KVMW_SNAP_NO_RIPS, &s))
		return;
	for (i = 0; i < s.nr_vms; i++)
		vm_add(t, s.vms[i].rec.serial, s.vms[i].rec.id,
		       sizeof(s.vms[i].rec.id));
	kvmw_snap_free(&s);
}

/* The id of VM @serial; one snapshot for a serial not seen before. */
static const char *vm_id(struct trace_run *t, u64 serial)
{
	struct vm_name *v;
	unsigned int i;

	if (!serial)
		return NULL;
	v = vm_find(t, serial);
	if (v)
		return v->id;
	for (i = 0; i < t->nr_unnamed; i++)
		if (t->unnamed[i] == serial)
			return NULL;
	vm_refresh(t);
	v = vm_find(t, serial);
	if (v)
		return v->id;
	t->unnamed[t->next_unnamed] = serial;
	t->next_unnamed = (t->next_unnamed + 1) % MAX_UNNAMED;
	if (t->nr_unnamed < MAX_UNNAMED)
		t->nr_unnamed++;
	return NULL;
}

/* ---- events ---- */

static int print_event(void *arg, unsigned int cpu, const struct kvmw_ev *ev)
{
	struct trace_run *t = arg;
	struct kvmw_evfmt_info info = { .cpu = cpu };

	/* VM records name the VM they are about: remember it first. */
	if ((ev->type == KVMW_EV_TYPE_VM_CREATE ||
	     ev->type == KVMW_EV_TYPE_VM_GONE) &&
	    ev->size >= sizeof(struct kvmw_ev_vm) && ev->vm) {
		const struct kvmw_ev_vm *vm = (const struct kvmw_ev_vm *)ev;

		vm_add(t, ev->vm, vm->id, sizeof(vm->id));
	}
	if (ev->type >= 32 || !(t->a->sel.types & KVMW_EVT(ev->type)))
		return 0;
	info.vm = vm_id(t, ev->vm);
	/* The kvm_watcher tables and JSON have a COMM column. */
	if (t->a->json || t->view != KVMW_VIEW_EVENTS)
		info.comm = kvmw_comm(t->comms, ev->pid, ev->tid);
	if (t->a->json)
		kvmw_evfmt_json(stdout, ev, &info);
	else
		kvmw_evfmt_text(stdout, t->view, ev, &info);
	t->printed++;
	return 0;
}

/* Print what the rings hold; 0, or -1 (reported). */
static int drain(struct trace_run *t)
{
	long n = kvmw_ring_drain_sorted(t->ring, print_event, t);

	fflush(stdout);
	if (n >= 0)
		return 0;
	if (n == -EPROTO)
		kvmw_err("reading the event rings of %s: malformed record; module and tool disagree",
			 kvmw_dev_path());
	else
		kvmw_err("reading the event rings of %s: %s", kvmw_dev_path(),
			 strerror((int)-n));
	return -1;
}

static void summary(struct trace_run *t)
{
	unsigned int i, nr = kvmw_ring_nr_cpus(t->ring);
	struct kvmw_ring_cpu_stats all, one;
	struct kvmw_json j;

	kvmw_ring_stats(t->ring, &all);
	fprintf(stderr, "kvmwatch trace: %llu events, %llu lost (",
		(unsigned long long)t->printed,
		(unsigned long long)all.missed);
	for (i = 0; i < nr; i++) {
		kvmw_ring_cpu_stats(t->ring, i, &one);
		fprintf(stderr, "%scpu%u: %llu", i ? ", " : "", i,
			(unsigned long long)one.missed);
	}
	fputs(")\n", stderr);
	if (!t->a->json)
		return;

	kvmw_json_init(&j, stdout);
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "summary");
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "events");
	kvmw_json_u64(&j, t->printed);
	kvmw_json_key(&j, "lost");
	kvmw_json_u64(&j, all.missed);
	kvmw_json_key(&j, "produced");
	kvmw_json_u64(&j, all.produced);
	kvmw_json_key(&j, "received");
	kvmw_json_u64(&j, all.received);
	kvmw_json_key(&j, "torn");
	kvmw_json_u64(&j, all.torn);
	kvmw_json_key(&j, "cpus");
	kvmw_json_array_begin(&j);
	for (i = 0; i < nr; i++) {
		kvmw_ring_cpu_stats(t->ring, i, &one);
		kvmw_json_object_begin(&j);
		kvmw_json_key(&j, "cpu");
		kvmw_json_u64(&j, i);
		kvmw_json_key(&j, "produced");
		kvmw_json_u64(&j, one.produced);
		kvmw_json_key(&j, "received");
		kvmw_json_u64(&j, one.received);
		kvmw_json_key(&j, "lost");
		kvmw_json_u64(&j, one.missed);
		kvmw_json_key(&j, "torn");
		kvmw_json_u64(&j, one.torn);
		kvmw_json_object_end(&j);
	}
	kvmw_json_array_end(&j);
	kvmw_json_object_end(&j);
	kvmw_json_object_end(&j);
	kvmw_json_finish(&j);
	fflush(stdout);
}

/* ---- the command ---- */

/*
 * Fork COMMAND, held on a pipe until release(): the filter, the rings and
 * the families are in place before it can create a VM. Returns its pid
 * with the pipe's write end in *go, or -1 (reported).
 */
static pid_t spawn_held(char **command, const sigset_t *oldmask, int *go,
			int *ex)
{
	int gp[2], ep[2], e;
	char c;
	ssize_t n;
	pid_t pid;

	if (pipe2(gp, O_CLOEXEC))
		goto err_pipe;
	if (pipe2(ep, O_CLOEXEC)) {
		close(gp[0]);
		close(gp[1]);
		goto err_pipe;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		kvmw_err("fork: %s", strerror(errno));
		close(gp[0]);
		close(gp[1]);
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (!pid) {
		close(gp[1]);
		close(ep[0]);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		/* Nothing read: the parent failed; don't run. */
		do {
			n = read(gp[0], &c, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(KVMW_EXIT_ERROR);
		execvp(command[0], command);
		e = errno;
		if (write(ep[1], &e, sizeof(e)) != sizeof(e))
			_exit(127);
		_exit(127);
	}
	close(gp[0]);
	close(ep[1]);
	*go = gp[1];
	*ex = ep[0];
	return pid;
err_pipe:
	kvmw_err("pipe: %s", strerror(errno));
	return -1;
}

/*
 * Let the held command run (@run) or exit without running. 0 once it
 * runs; -1 (reported) if it could not be started; -2 with errno if exec
 * failed.
 */
static int release(pid_t pid, char **command, int go, int ex, bool run)
{
	ssize_t n;
	int e;

	if (run && write(go, "g", 1) != 1) {
		kvmw_err("cannot start '%s': %s", command[0], strerror(errno));
		run = false;
	}
	close(go);
	if (!run) {
		close(ex);
		waitpid(pid, NULL, 0);
		return -1;
	}
	/* exec succeeded when the pipe closes empty. */
	do {
		n = read(ex, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(ex);
	if (n == sizeof(e)) {
		kvmw_err("cannot run '%s': %s", command[0], strerror(e));
		waitpid(pid, NULL, 0);
		errno = e;
		return -2;
	}
	return 0;
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return KVMW_EXIT_ERROR;
}

/*
 * The signals that arrived since the last call: whether the run is over.
 * With a command, a signal sent to kvmwatch alone is passed on and the
 * run lasts until the command exits (a Ctrl-C reaches both).
 */
static bool collect_signals(const sigset_t *mask, pid_t child,
			    int *child_status)
{
	struct timespec zero = { 0, 0 };
	bool done = false;
	siginfo_t si;
	int sig, st;

	while ((sig = sigtimedwait(mask, &si, &zero)) > 0) {
		if (sig == SIGCHLD) {
			if (child > 0 && waitpid(child, &st, WNOHANG) == child) {
				*child_status = exit_status(st);
				done = true;
			}
			continue;
		}
		if (child > 0) {
			if (si.si_code == SI_USER || si.si_code == SI_QUEUE)
				kill(child, sig);
			continue;
		}
		done = true;
	}
	return done;
}

/*
 * The device, checked (reported if unusable), open for reading and
 * writing: the rings' control pages are mapped shared and writable, which
 * mmap() refuses on a file open read-only. -1 (reported) on failure.
 */
static int open_rw(void)
{
	struct kvmw_version ver;
	int ro = kvmw_dev_open_checked(), fd;

	if (ro < 0)
		return -1;
	if (kvmw_dev_version(ro, &ver)) {
		close(ro);
		return -1;
	}
	if (!(ver.caps & KVMW_CAP_EVENTS)) {
		kvmw_err("the module on %s has no event stream (KVMW_CAP_EVENTS); install a matching kvmwatch module",
			 kvmw_dev_path());
		close(ro);
		return -1;
	}
	fd = open(kvmw_dev_path(), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		kvmw_err("cannot open %s for writing: %s", kvmw_dev_path(),
			 strerror(errno));
	close(ro);
	return fd;
}

/* Milliseconds to wait: POLL_MS, or less before @end. */
static int wait_ms(u64 end)
{
	u64 now, left;

	if (!end)
		return POLL_MS;
	now = now_ns();
	if (now >= end)
		return 0;
	left = (end - now + 999999) / 1000000;
	return left < POLL_MS ? (int)left : POLL_MS;
}

int kvmw_cmd_trace(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	struct trace_args a;
	struct trace_run t = { .a = &a, .fd = -1 };
	sigset_t mask, oldmask;
	const char *proc = getenv(KVMW_PROC_ENV);
	int ret, go = -1, ex = -1, child_status = 0, err;
	pid_t child = 0;
	bool help, done = false, failed = false;
	u64 end = 0;

	ret = parse_args(cmd, argc, argv, &a, &help);
	if (ret)
		return ret;
	if (help) {
		fputs(cmd->usage, stdout);
		return KVMW_EXIT_OK;
	}
	t.view = a.json ? KVMW_VIEW_EVENTS : kvmw_evfmt_view_for(a.sel.types);

	/* From here, Ctrl-C waits for us, whatever we are doing. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);

	t.fd = open_rw();
	if (t.fd < 0)
		return KVMW_EXIT_ERROR;
	t.comms = kvmw_comm_cache_new(proc && *proc ? proc : "/proc");
	if (!t.comms) {
		kvmw_err("out of memory");
		goto err;
	}

	if (a.command) {
		struct kvmw_filter f = a.filter;

		child = spawn_held(a.command, &oldmask, &go, &ex);
		if (child < 0)
			goto err;
		f.flags |= KVMW_FILTER_PID | KVMW_FILTER_PID_TREE;
		f.pid = child;
		if (dev_step(kvmw_dev_filter(t.fd, &f), "KVMW_IOC_SET_FILTER"))
			goto err;
	} else if (a.filter.flags &&
		   dev_step(kvmw_dev_filter(t.fd, &a.filter),
			    "KVMW_IOC_SET_FILTER")) {
		goto err;
	}
	/* KVMW_IOC_RING_SETUP and the mappings. */
	err = kvmw_ring_open(t.fd, &a.ring, &t.ring);
	if (err) {
		kvmw_err("setting up the event rings on %s: %s%s",
			 kvmw_dev_path(), strerror(-err), err == -EPROTO ?
			 "; module and tool disagree" : "");
		goto err;
	}
	/* The VMs that exist already; later ones are looked up when seen. */
	vm_refresh(&t);
	if (dev_step(enable(t.fd, a.sel.families, a.min_duration_ns),
		     "KVMW_IOC_ENABLE"))
		goto err;
	if (!a.json)
		kvmw_evfmt_header(stdout, t.view);
	fflush(stdout);

	if (child > 0) {
		ret = release(child, a.command, go, ex, true);
		go = ex = -1;
		if (ret == -2) {
			/* As shells do: not found, or found but not run. */
			child_status = errno == ENOENT ? 127 : 126;
			child = 0;
			done = true;
		} else if (ret) {
			child = 0;
			goto err;
		}
	}
	if (a.time_ns)
		end = now_ns() + a.time_ns;

	while (!done) {
		ret = kvmw_ring_wait(t.ring, wait_ms(end));
		if (ret < 0 && ret != -EINTR) {
			dev_step(ret, "poll");
			goto err;
		}
		if (drain(&t))
			goto err;
		done = collect_signals(&mask, child, &child_status);
		if (end && now_ns() >= end)
			done = true;
	}

	/* Stop the producers, so the last drain gets everything. */
	if (dev_step(enable(t.fd, 0, 0), "KVMW_IOC_ENABLE"))
		failed = true;
	if (drain(&t))
		failed = true;
	summary(&t);
	kvmw_ring_close(t.ring);
	kvmw_comm_cache_free(t.comms);
	free(t.vms);
	close(t.fd);
	if (failed)
		return KVMW_EXIT_ERROR;
	return a.command ? child_status : KVMW_EXIT_OK;

err:
	if (go >= 0)
		release(child, a.command, go, ex, false);
	else if (child > 0) {
		/* Never leave the command behind unwaited. */
		int st;

		if (waitpid(child, &st, 0) == child)
			child_status = exit_status(st);
	}
	/* Closing the file ends its enables; report what was read. */
	if (t.ring) {
		summary(&t);
		kvmw_ring_close(t.ring);
	}
	kvmw_comm_cache_free(t.comms);
	free(t.vms);
	if (t.fd >= 0)
		close(t.fd);
	return KVMW_EXIT_ERROR;
}
