// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch record: the event stream into a file, for "kvmwatch report"
 * later or elsewhere (docs/record-format.md), as "perf kvm stat record"
 * does for perf.
 *
 * The file is prepared under a temporary name and renamed into place only
 * once the device accepted everything (rings, filter, enables), so a
 * refused recording leaves an existing FILE alone. From then on every
 * section is appended whole: a recorder killed at any point leaves a
 * reportable file (without its trailer, so without loss counts).
 *
 * Signals are blocked for the whole run and collected between two waits
 * on the rings (sigtimedwait() with no timeout), as in cmd_stat.c, so
 * they never land in the middle of a drain or a write.
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
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "dev.h"
#include "evfmt.h"
#include "recfile.h"
#include "ring.h"
#include "snapshot.h"
#include "vmname.h"

#define NSEC_PER_SEC	1000000000ULL
/* Longest wait on the rings: how late a signal or --time is seen. */
#define WAIT_MS		100
#define KVMW_PROC_ENV	"KVMWATCH_PROC"
/* Without -e: what "report" needs for its tables and VM names. */
#define DEFAULT_FAMILIES	(KVMW_ENABLE_EXIT | KVMW_ENABLE_IO | KVMW_ENABLE_VM)

enum {
	OPT_VM = 256,
	OPT_VCPU,
	OPT_PAGES,
	OPT_TIME,
};

const char kvmw_record_usage[] =
	"Usage: kvmwatch record [-e FAMILIES] [-p PID] [--vm ID] [--vcpu N]\n"
	"                       [--pages N] [--time SECS] -o FILE\n"
	"                       [-- COMMAND [ARGS...]]\n"
	"\n"
	"Record the event stream into FILE for 'kvmwatch report', until Ctrl-C,\n"
	"--time, or the end of COMMAND. Prints the events written and lost.\n"
	"\n"
	"Options:\n"
	"  -e, --events FAMILIES  comma-separated: exit, io, halt, dirty, sched,\n"
	"                         irq, pf, hcall, vm, all (default exit,io,vm;\n"
	"                         vm is always added: it names the VMs)\n"
	"  -o, --output FILE      the recording (replaced if it exists)\n"
	"  -p, --pid PID          only VMs created by PID\n"
	"      --vm ID            only the VM ID (\"<pid>-<fd>\")\n"
	"      --vcpu N           only vCPUs with vcpu_id N\n"
	"      --pages N          ring data pages per CPU, a power of two from\n"
	"                         2 to " KVMW_STR(KVMW_RING_PAGES_MAX)
	" (default: the module's, " KVMW_STR(KVMW_RING_PAGES_DEFAULT) ")\n"
	"      --time SECS        stop after SECS seconds\n"
	"  -h, --help             show this help\n"
	"\n"
	"  -- COMMAND [ARGS...]   run COMMAND and record the VMs it and its\n"
	"                         children create, for exactly its lifetime; exit\n"
	"                         with its status (127/126 if it cannot run)\n";

struct record_args {
	struct kvmw_filter filter;
	u64 families, time_ns;
	unsigned int pages;
	const char *output;
	char **command;
};

struct rec_run {
	const struct record_args *a;
	int fd;
	struct kvmw_ring *ring;
	struct kvmw_recf_writer w;
	int out_fd;
	char *tmp_path;		/* until renamed to a->output */
	pid_t child;
	struct kvmw_version version;
	/* VMs created while recording: named after each drain. */
	struct kvmw_recf_vm *new_vms;
	size_t nr_new, cap_new;
	int cb_err;
};

static void now2(u64 *mono, u64 *real)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	*mono = (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
	if (real) {
		clock_gettime(CLOCK_REALTIME, &ts);
		*real = (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
	}
}

static u64 now_ns(void)
{
	u64 t;

	now2(&t, NULL);
	return t;
}

static int parse_args(const struct kvmw_cmd *cmd, int argc, char **argv,
		      struct record_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "vm", required_argument, NULL, OPT_VM },
		{ "vcpu", required_argument, NULL, OPT_VCPU },
		{ "pages", required_argument, NULL, OPT_PAGES },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct kvmw_evsel sel;
	char bad[64];
	int c, v;

	memset(a, 0, sizeof(*a));
	a->filter.size = sizeof(a->filter);
	a->families = DEFAULT_FAMILIES;
	*help = false;

	while ((c = getopt_long(argc, argv, "+:e:o:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			/* As "trace -e"; a record type records its family. */
			if (kvmw_evsel_parse(optarg, &sel, bad, sizeof(bad)))
				return kvmw_usage_error(cmd,
					"unknown event family '%s' (exit, io, halt, dirty, sched, irq, pf, hcall, vm or all)",
					bad);
			a->families = sel.families;
			break;
		case 'o':
			if (!*optarg)
				return kvmw_usage_error(cmd,
					"empty output file name");
			a->output = optarg;
			break;
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
		case OPT_PAGES:
			if (kvmw_parse_int(optarg, 2, &v) ||
			    v > KVMW_RING_PAGES_MAX || (v & (v - 1)))
				return kvmw_usage_error(cmd,
					"invalid page count '%s' (a power of two from 2 to %u)",
					optarg, KVMW_RING_PAGES_MAX);
			a->pages = (unsigned int)v;
			break;
		case OPT_TIME:
			if (kvmw_parse_seconds(optarg, &a->time_ns))
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
		if (strcmp(argv[optind - 1], "--"))
			return kvmw_usage_error(cmd,
				"unexpected argument '%s' (a command goes after --)",
				argv[optind]);
		a->command = argv + optind;
	} else if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
		return kvmw_usage_error(cmd, "'--' must be followed by a command");
	}
	if (!a->output)
		return kvmw_usage_error(cmd, "missing -o FILE");
	if (a->command && (a->filter.flags & KVMW_FILTER_PID))
		return kvmw_usage_error(cmd,
			"-p and -- COMMAND conflict: COMMAND selects its own VMs");
	if (a->command && a->time_ns)
		return kvmw_usage_error(cmd,
			"--time and -- COMMAND conflict: the command's lifetime is the window");
	/* VM records name the VMs the report lists. */
	a->families |= KVMW_ENABLE_VM;
	return KVMW_EXIT_OK;
}

static int dev_step(int err, const char *what)
{
	if (!err)
		return 0;
	kvmw_err("%s on %s: %s", what, kvmw_dev_path(), strerror(-err));
	return -1;
}

static const char *proc_dir(void)
{
	const char *proc = getenv(KVMW_PROC_ENV);

	return proc && *proc ? proc : "/proc";
}

/* /proc/cpuinfo's first vendor_id, or "". */
static void cpu_vendor(char *buf, size_t len)
{
	char path[4096], line[256];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/cpuinfo", proc_dir());
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "vendor_id", 9) || !colon)
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

/* @src into @dst, cut to fit: header fields are fixed-size. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void join_words(char *buf, size_t len, char **words)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; words && *words && n < len; words++)
		n += snprintf(buf + n, len - n, "%s%s", n ? " " : "", *words);
}

static void fill_header(struct rec_run *r, struct kvmw_recf_header *h,
			const struct kvmw_filter *f, u64 mono, u64 real)
{
	const struct kvmw_version v = r->version;
	struct utsname u;

	memset(h, 0, sizeof(*h));
	h->abi = v.abi;
	h->mod_major = v.major;
	h->mod_minor = v.minor;
	h->mod_patch = v.patch;
	h->caps = v.caps;
	h->nr_rings = kvmw_ring_nr_cpus(r->ring);
	h->data_pages = r->a->pages;
	h->families = r->a->families;
	h->start_mono_ns = mono;
	h->start_real_ns = real;
	h->command_pid = r->child > 0 ? r->child : 0;
	h->filter = *f;
	memcpy(h->release, v.release, sizeof(h->release));
	h->release[sizeof(h->release) - 1] = '\0';
	cpu_vendor(h->vendor, sizeof(h->vendor));
	if (!uname(&u))
		copy_str(h->hostname, sizeof(h->hostname), u.nodename);
	snprintf(h->tool_version, sizeof(h->tool_version), "%s",
		 KVMW_TOOL_VERSION);
	join_words(h->command, sizeof(h->command), r->a->command);
}

/* The VM's -name (truncated), or "". */
static void vm_name(struct kvmw_recf_vm *vm)
{
	if (kvmw_vm_name(proc_dir(), vm->pid, vm->created_ns, vm->name,
			 sizeof(vm->name)))
		vm->name[0] = '\0';
}

/* The VMs that exist now (and pass the filter), for the VMS section. */
static int start_vms(struct rec_run *r)
{
	unsigned int flags = KVMW_SNAP_NO_HIST | KVMW_SNAP_NO_RIPS |
			     KVMW_SNAP_NO_BREAKDOWN;
	struct kvmw_recf_vm *vms;
	struct kvmw_snap s;
	size_t i, n = 0;
	int err;

	err = kvmw_snap_take(r->fd, flags, &s);
	if (dev_step(err, "KVMW_IOC_SNAPSHOT"))
		return -1;
	vms = calloc(s.nr_vms ? s.nr_vms : 1, sizeof(*vms));
	if (!vms) {
		kvmw_snap_free(&s);
		kvmw_err("out of memory");
		return -1;
	}
	for (i = 0; i < s.nr_vms; i++) {
		const struct kvmw_rec_vm *v = &s.vms[i].rec;
		struct kvmw_recf_vm *o;

		/* Destroyed before we started: nothing of it is recorded. */
		if (v->flags & KVMW_VM_GONE)
			continue;
		o = &vms[n++];
		o->serial = v->serial;
		o->pid = v->pid;
		o->ppid = v->ppid;
		o->created_ns = v->created_ns;
		o->flags = v->flags;
		o->nr_vcpus = v->nr_vcpus;
		memcpy(o->id, v->id, sizeof(o->id));
		o->id[sizeof(o->id) - 1] = '\0';
		vm_name(o);
	}
	kvmw_snap_free(&s);
	err = kvmw_recw_vms(&r->w, vms, n);
	free(vms);
	if (err) {
		kvmw_err("cannot write %s: %s", r->a->output, strerror(-err));
		return -1;
	}
	return 0;
}

static int on_event(void *arg, unsigned int cpu, const struct kvmw_ev *ev)
{
	struct rec_run *r = arg;
	int err;

	err = kvmw_recw_event(&r->w, cpu, ev);
	if (err)
		return err;
	if (ev->type == KVMW_EV_TYPE_VM_CREATE &&
	    ev->size >= sizeof(struct kvmw_ev_vm)) {
		const struct kvmw_ev_vm *e = (const struct kvmw_ev_vm *)ev;
		struct kvmw_recf_vm *vm;

		if (r->nr_new == r->cap_new) {
			size_t cap = r->cap_new ? r->cap_new * 2 : 16;
			void *p = realloc(r->new_vms, cap * sizeof(*vm));

			if (!p)
				return -ENOMEM;
			r->new_vms = p;
			r->cap_new = cap;
		}
		vm = &r->new_vms[r->nr_new++];
		memset(vm, 0, sizeof(*vm));
		vm->serial = ev->vm;
		vm->pid = ev->pid;
		vm->ppid = e->ppid;
		vm->created_ns = ev->time_ns;
		memcpy(vm->id, e->id, sizeof(vm->id));
		vm->id[sizeof(vm->id) - 1] = '\0';
	}
	return 0;
}

/* Drain every ring into the file, then name the VMs created meanwhile. */
static int drain(struct rec_run *r)
{
	long n = kvmw_ring_drain(r->ring, on_event, r);
	size_t i;
	int err;

	if (n < 0) {
		if (n == -EPROTO)
			kvmw_err("malformed record in the event rings; module and tool disagree");
		else
			kvmw_err("cannot write %s: %s", r->a->output,
				 strerror((int)-n));
		return -1;
	}
	err = kvmw_recw_flush(&r->w);
	if (!err && r->nr_new) {
		/* Its process may be gone by the report: look now. */
		for (i = 0; i < r->nr_new; i++)
			vm_name(&r->new_vms[i]);
		err = kvmw_recw_vms(&r->w, r->new_vms, r->nr_new);
		r->nr_new = 0;
	}
	if (err) {
		kvmw_err("cannot write %s: %s", r->a->output, strerror(-err));
		return -1;
	}
	return 0;
}

/*
 * A temporary file beside FILE, with the file header, the recording's
 * header, the reason names and the VMs of now. 0 or -1 (reported).
 */
static int open_output(struct rec_run *r, const struct kvmw_recf_header *h)
{
	size_t len = strlen(r->a->output) + sizeof(".XXXXXX");
	int err;

	r->tmp_path = malloc(len);
	if (!r->tmp_path) {
		kvmw_err("out of memory");
		return -1;
	}
	snprintf(r->tmp_path, len, "%s.XXXXXX", r->a->output);
	r->out_fd = mkostemp(r->tmp_path, O_CLOEXEC);
	if (r->out_fd < 0) {
		kvmw_err("cannot create %s: %s", r->a->output,
			 strerror(errno));
		free(r->tmp_path);
		r->tmp_path = NULL;
		return -1;
	}
	err = kvmw_recw_init(&r->w, r->out_fd);
	if (!err)
		err = kvmw_recw_header(&r->w, h);
	if (!err)
		err = kvmw_recw_reasons(&r->w);
	if (err) {
		kvmw_err("cannot write %s: %s", r->a->output, strerror(-err));
		return -1;
	}
	if (start_vms(r))
		return -1;
	if (rename(r->tmp_path, r->a->output)) {
		kvmw_err("cannot create %s: %s", r->a->output,
			 strerror(errno));
		return -1;
	}
	free(r->tmp_path);
	r->tmp_path = NULL;
	return 0;
}

static void drop_output(struct rec_run *r)
{
	if (r->tmp_path) {
		unlink(r->tmp_path);
		free(r->tmp_path);
		r->tmp_path = NULL;
	}
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return KVMW_EXIT_ERROR;
}

/* Fork COMMAND, held on a pipe until released. Its pid, or -1. */
static pid_t fork_command(const struct record_args *a,
			  const sigset_t *oldmask, int go[2], int ex[2])
{
	pid_t pid;
	char c;
	int e;

	if (pipe2(go, O_CLOEXEC) || pipe2(ex, O_CLOEXEC)) {
		kvmw_err("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		kvmw_err("fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		ssize_t n;

		close(go[1]);
		close(ex[0]);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		do {
			n = read(go[0], &c, 1);
		} while (n < 0 && errno == EINTR);
		/* Nothing read: the recorder failed; don't run. */
		if (n != 1)
			_exit(KVMW_EXIT_ERROR);
		execvp(a->command[0], a->command);
		e = errno;
		if (write(ex[1], &e, sizeof(e)) != sizeof(e))
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	return pid;
}

/* Release the held command: 0, -1 (reported), or 127/126 if exec failed. */
static int release_command(struct rec_run *r, int go[2], int ex[2])
{
	ssize_t n;
	int e;

	if (write(go[1], "g", 1) != 1) {
		kvmw_err("cannot start '%s': %s", r->a->command[0],
			 strerror(errno));
		close(go[1]);
		close(ex[0]);
		return -1;
	}
	close(go[1]);
	do {
		n = read(ex[0], &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(ex[0]);
	if (n == sizeof(e)) {
		kvmw_err("cannot run '%s': %s", r->a->command[0], strerror(e));
		return e == ENOENT ? 127 : 126;
	}
	return 0;
}

/*
 * Everything before the first event: rings, the command held, filter,
 * enables, the file. 0, -1 (reported) or an exec status (127/126).
 */
static int setup(struct rec_run *r, const sigset_t *oldmask)
{
	const struct record_args *a = r->a;
	struct kvmw_ring_opts o = { .data_pages = a->pages };
	struct kvmw_enable en = {
		.size = sizeof(en),
		.families = a->families,
	};
	struct kvmw_filter f = a->filter;
	struct kvmw_recf_header h;
	int go[2] = { -1, -1 }, ex[2] = { -1, -1 }, ret;
	u64 mono, real;

	if (kvmw_dev_version(r->fd, &r->version))
		return -1;
	if (!(r->version.caps & KVMW_CAP_EVENTS)) {
		kvmw_err("the module on %s has no event stream (capability events); it is older than this kvmwatch",
			 kvmw_dev_path());
		return -1;
	}
	if (dev_step(kvmw_ring_open(r->fd, &o, &r->ring),
		     "KVMW_IOC_RING_SETUP"))
		return -1;
	if (a->command) {
		r->child = fork_command(a, oldmask, go, ex);
		if (r->child < 0)
			return -1;
		f.flags |= KVMW_FILTER_PID | KVMW_FILTER_PID_TREE;
		f.pid = r->child;
	}
	ret = -1;
	if (f.flags && dev_step(kvmw_dev_filter(r->fd, &f),
				"KVMW_IOC_SET_FILTER"))
		goto fail;
	now2(&mono, &real);
	if (ioctl(r->fd, KVMW_IOC_ENABLE, &en)) {
		dev_step(-errno, "KVMW_IOC_ENABLE");
		goto fail;
	}
	fill_header(r, &h, &f, mono, real);
	if (open_output(r, &h))
		goto fail;
	if (r->child > 0) {
		ret = release_command(r, go, ex);
		if (ret) {
			/* It never ran: no recording of it either. */
			waitpid(r->child, NULL, 0);
			r->child = 0;
			unlink(a->output);
			return ret;
		}
	}
	return 0;
fail:
	if (r->child > 0) {
		/* Closing the pipe makes the held command exit unrun. */
		close(go[1]);
		close(ex[0]);
		waitpid(r->child, NULL, 0);
		r->child = 0;
	}
	return ret;
}

/* The trailer: what each ring produced, what we got, what we missed. */
static int finish(struct rec_run *r, struct kvmw_recf_cpu *sum)
{
	unsigned int cpu, nr = kvmw_ring_nr_cpus(r->ring);
	struct kvmw_recf_trailer t;
	struct kvmw_recf_cpu *cpus = calloc(nr ? nr : 1, sizeof(*cpus));
	size_t n = 0;
	int err;

	if (!cpus) {
		kvmw_err("out of memory");
		return -1;
	}
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < nr; cpu++) {
		struct kvmw_ring_cpu_stats s;

		kvmw_ring_cpu_stats(r->ring, cpu, &s);
		if (!s.produced && !s.received && !s.missed && !s.lost &&
		    !s.torn)
			continue;
		cpus[n] = (struct kvmw_recf_cpu){
			.cpu = cpu, .produced = s.produced,
			.received = s.received, .missed = s.missed,
			.lost = s.lost, .torn = s.torn,
		};
		sum->produced += s.produced;
		sum->received += s.received;
		sum->missed += s.missed;
		sum->lost += s.lost;
		n++;
	}
	memset(&t, 0, sizeof(t));
	now2(&t.end_mono_ns, &t.end_real_ns);
	err = kvmw_recw_trailer(&r->w, &t, cpus, n);
	free(cpus);
	if (err) {
		kvmw_err("cannot write %s: %s", r->a->output, strerror(-err));
		return -1;
	}
	return 0;
}

/* Wait, drain, repeat; until a signal, --time or the command's end. */
static int loop(struct rec_run *r, const sigset_t *mask, int *child_status)
{
	u64 end = r->a->time_ns ? now_ns() + r->a->time_ns : 0;
	const struct timespec zero = { 0, 0 };

	for (;;) {
		siginfo_t si;
		int sig, n;

		n = kvmw_ring_wait(r->ring, WAIT_MS);
		if (n < 0 && n != -EINTR) {
			dev_step(n, "poll");
			return -1;
		}
		if (drain(r))
			return -1;
		while ((sig = sigtimedwait(mask, &si, &zero)) > 0) {
			int st;

			if (sig == SIGCHLD) {
				if (r->child > 0 &&
				    waitpid(r->child, &st, WNOHANG) ==
				    r->child) {
					*child_status = exit_status(st);
					r->child = 0;
					return 0;
				}
				continue;
			}
			if (r->child <= 0)
				return 0;
			/* As stat: the command's end ends the recording. */
			if (si.si_code == SI_USER || si.si_code == SI_QUEUE)
				kill(r->child, sig);
		}
		if (end && now_ns() >= end)
			return 0;
	}
}

int kvmw_cmd_record(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	struct record_args a;
	struct rec_run r = { .a = &a, .fd = -1, .out_fd = -1 };
	struct kvmw_enable off = { .size = sizeof(off) };
	struct kvmw_recf_cpu sum;
	sigset_t mask, oldmask;
	int ret, child_status = 0;
	bool help;

	ret = parse_args(cmd, argc, argv, &a, &help);
	if (ret)
		return ret;
	if (help) {
		fputs(cmd->usage, stdout);
		return KVMW_EXIT_OK;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);

	r.fd = kvmw_dev_open_checked();
	if (r.fd < 0)
		return KVMW_EXIT_ERROR;
	ret = setup(&r, &oldmask);
	if (ret) {
		drop_output(&r);
		/* 127/126: the command could not be run, as shells say. */
		if (ret < 0)
			ret = KVMW_EXIT_ERROR;
		goto out;
	}
	ret = KVMW_EXIT_ERROR;
	if (loop(&r, &mask, &child_status))
		goto out_child;
	/* Nothing more is produced for us: the last drain is complete. */
	if (ioctl(r.fd, KVMW_IOC_ENABLE, &off)) {
		dev_step(-errno, "KVMW_IOC_ENABLE");
		goto out_child;
	}
	if (drain(&r) || finish(&r, &sum))
		goto out_child;
	if (close(r.out_fd)) {
		r.out_fd = -1;
		kvmw_err("cannot write %s: %s", a.output, strerror(errno));
		goto out_child;
	}
	r.out_fd = -1;
	fprintf(stderr, "kvmwatch record: %llu events (%llu lost) written to %s\n",
		(unsigned long long)r.w.events,
		(unsigned long long)sum.missed, a.output);
	ret = a.command ? child_status : KVMW_EXIT_OK;
out_child:
	if (r.child > 0) {
		/* Never leave the command behind unwaited. */
		int st;

		if (waitpid(r.child, &st, 0) == r.child)
			child_status = exit_status(st);
	}
out:
	kvmw_recw_free(&r.w);
	free(r.new_vms);
	if (r.out_fd >= 0)
		close(r.out_fd);
	if (r.ring)
		kvmw_ring_close(r.ring);
	close(r.fd);
	return ret;
}
