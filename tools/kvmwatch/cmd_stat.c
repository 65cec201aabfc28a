// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch stat: perf kvm stat's report from the module's per-vCPU
 * statistics, read from /dev/kvmwatch or over netlink (source.c: the same
 * steps over either). The window is set with this consumer's baseline
 * (KVMW_IOC_RESET, KVMW_NL_CMD_RESET): from the start until Ctrl-C,
 * --time, each --interval, or the lifetime of "-- COMMAND".
 *
 * Signals are blocked for the whole run and taken with sigtimedwait(), so
 * a Ctrl-C, the end of an interval and the command's exit are handled in
 * one place, between two requests, never inside one.
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
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "counters.h"
#include "fmt.h"
#include "report.h"
#include "snapshot.h"
#include "source.h"
#include "vmname.h"

#define NSEC_PER_SEC	1000000000ULL
#define TOP_RIPS	10
/* Longest --interval/--time: a year, far below u64 nanoseconds. */
/* Overrides /proc for VM names, so tests can provide command lines. */
#define KVMW_PROC_ENV	"KVMWATCH_PROC"

enum {
	OPT_VM = 256,
	OPT_VCPU,
	OPT_EVENT,
	OPT_KEY,
	OPT_TIME,
	OPT_HIST,
	OPT_RIPS,
	OPT_VIA,
};

const char kvmw_stat_usage[] =
	"Usage: kvmwatch stat [-p PID] [--vm ID] [--vcpu N]\n"
	"                     [--event vmexit|ioport|mmio|msr]\n"
	"                     [--key sample|time|max|min|mean]\n"
	"                     [-d|--interval SECS] [--time SECS] [--hist] [--rips]\n"
	"                     [--json] [--via dev|netlink] [-- COMMAND [ARGS...]]\n"
	"\n"
	"Account VM exits like 'perf kvm stat', from the module's statistics.\n"
	"Without COMMAND, --interval or --time: from now until Ctrl-C.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID         only VMs created by PID\n"
	"      --vm ID           only the VM ID (\"<pid>-<fd>\", as in KVM's debugfs)\n"
	"      --vcpu N          only vCPUs with vcpu_id N\n"
	"      --event EVENT     vmexit (default), or the ioport, mmio or msr\n"
	"                        accesses, keyed as perf does (0x608:PIN, 0x6e0:W)\n"
	"      --key KEY         sort by sample (count, default), time (total\n"
	"                        time, as perf 6.12), max, min or mean\n"
	"  -d, --interval SECS   print a table every SECS seconds, each counting\n"
	"                        only its own interval\n"
	"      --time SECS       stop after SECS seconds\n"
	"      --hist            add a log2 histogram of handling times per reason\n"
	"      --rips            add the top guest RIPs per reason\n"
	"  -j, --json            one JSON object (per interval, one per line);\n"
	"                        see docs/json-schema.md\n"
	"      --via SOURCE      read the module through dev (/dev/kvmwatch,\n"
	"                        default) or netlink (the generic netlink family\n"
	"                        \"kvmwatch\", CAP_NET_ADMIN); same output\n"
	"  -h, --help            show this help\n"
	"\n"
	"  -- COMMAND [ARGS...]  run COMMAND and report the VMs it and its\n"
	"                        children create, for exactly its lifetime; exit\n"
	"                        with its status (127/126 if it cannot run)\n";

struct stat_args {
	struct kvmw_filter filter;
	struct kvmw_report_opts ro;
	u64 interval_ns, time_ns;
	bool hist, rips, json;
	enum kvmw_via via;
	char **command;
};

struct stat_run {
	const struct stat_args *a;
	struct kvmw_source src;
	pid_t child;
	char target[96];
	u64 start_ns;		/* CLOCK_MONOTONIC of the last baseline */
	long long interval;	/* index of the next interval, from 1 */
	struct kvmw_counters counters;
	bool have_counters;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
}

/* Seconds, decimal fractions allowed; > 0, at most a year. */

/* A decimal int in [min, INT_MAX]. */

static int parse_args(const struct kvmw_cmd *cmd, int argc, char **argv,
		      struct stat_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "vm", required_argument, NULL, OPT_VM },
		{ "vcpu", required_argument, NULL, OPT_VCPU },
		{ "event", required_argument, NULL, OPT_EVENT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "interval", required_argument, NULL, 'd' },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "hist", no_argument, NULL, OPT_HIST },
		{ "rips", no_argument, NULL, OPT_RIPS },
		{ "json", no_argument, NULL, 'j' },
		{ "via", required_argument, NULL, OPT_VIA },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, v;

	memset(a, 0, sizeof(*a));
	a->filter.size = sizeof(a->filter);
	a->ro.event = KVMW_EVENT_VMEXIT;
	a->ro.sort = KVMW_SORT_SAMPLE;
	a->ro.name_width = KVMW_STAT_NAME_WIDTH;
	a->ro.vcpu = -1;
	a->ro.top_rips = TOP_RIPS;
	*help = false;

	while ((c = getopt_long(argc, argv, "+:p:d:jh", opts, NULL)) != -1) {
		switch (c) {
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
			a->ro.vcpu = v;
			break;
		case OPT_EVENT:
			if (kvmw_event_parse(optarg, &a->ro.event))
				return kvmw_usage_error(cmd,
					"unknown event '%s' (vmexit, ioport, mmio or msr)",
					optarg);
			break;
		case OPT_KEY:
			if (kvmw_sort_parse(optarg, &a->ro.sort))
				return kvmw_usage_error(cmd,
					"unknown key '%s' (sample, time, max, min or mean)",
					optarg);
			break;
		case 'd':
			if (kvmw_parse_seconds(optarg, &a->interval_ns))
				return kvmw_usage_error(cmd,
					"invalid interval '%s' (a positive number of seconds)",
					optarg);
			break;
		case OPT_TIME:
			if (kvmw_parse_seconds(optarg, &a->time_ns))
				return kvmw_usage_error(cmd,
					"invalid time '%s' (a positive number of seconds)",
					optarg);
			break;
		case OPT_HIST:
			a->hist = true;
			break;
		case OPT_RIPS:
			a->rips = true;
			break;
		case 'j':
			a->json = true;
			break;
		case OPT_VIA:
			if (kvmw_via_parse(optarg, &a->via))
				return kvmw_usage_error(cmd,
					"unknown source '%s' for --via (dev or netlink)",
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
	if (a->hist && a->ro.event != KVMW_EVENT_VMEXIT)
		return kvmw_usage_error(cmd,
			"--hist needs --event vmexit: only exit rows have histograms");
	if (a->rips && a->ro.event != KVMW_EVENT_VMEXIT)
		return kvmw_usage_error(cmd,
			"--rips needs --event vmexit: RIPs are counted per exit reason");
	return KVMW_EXIT_OK;
}

static void set_target(struct stat_run *r, pid_t pid)
{
	const struct kvmw_filter *f = &r->a->filter;
	size_t n = 0;

	r->target[0] = '\0';
	if (pid > 0)
		n += snprintf(r->target, sizeof(r->target), "pid(s) %d",
			      (int)pid);
	if (f->flags & KVMW_FILTER_VM)
		snprintf(r->target + n, sizeof(r->target) - n, "%sVM %s",
			 n ? ", " : "", f->vm);
	if (!r->target[0])
		snprintf(r->target, sizeof(r->target), "all VMs");
}

/* Warn once per window about counts that are not the whole truth. */
static void warn_anomalies(struct stat_run *r, const struct kvmw_snap *s)
{
	struct kvmw_anomalies an;
	struct kvmw_counters c;
	char text[512];

	kvmw_anomalies(s, &an);
	if (an.vcpus) {
		kvmw_anomalies_text(text, sizeof(text), &an);
		kvmw_err("warning: %llu vCPU%s with anomalies (%s); see kvmwatch-stat(8)",
			 (unsigned long long)an.vcpus,
			 an.vcpus == 1 ? "" : "s", text);
	}
	/*
	 * Events no vCPU could be charged with: module-wide, from the
	 * device only (the netlink family has no counters).
	 */
	if (!kvmw_source_counters(&r->src, &c))
		return;
	if (r->have_counters) {
		u64 untracked = c.untracked - r->counters.untracked;
		u64 allocf = 0;

		if (c.size >= KVMW_COUNTERS_SIZE_VER1 &&
		    r->counters.size >= KVMW_COUNTERS_SIZE_VER1)
			allocf = c.alloc_failures - r->counters.alloc_failures;
		if (untracked || allocf)
			kvmw_err("warning: module-wide, %llu untracked event%s and %llu statistics allocation failure%s in this window",
				 (unsigned long long)untracked,
				 untracked == 1 ? "" : "s",
				 (unsigned long long)allocf,
				 allocf == 1 ? "" : "s");
	}
	r->counters = c;
	r->have_counters = true;
}

static void print_timeofday(void)
{
	char date[32];
	struct timeval tv;
	struct tm ltime;

	/* perf kvm stat live's show_timeofday() */
	gettimeofday(&tv, NULL);
	if (localtime_r(&tv.tv_sec, &ltime)) {
		strftime(date, sizeof(date), "%H:%M:%S", &ltime);
		printf("%s.%06ld", date, (long)tv.tv_usec);
	}
}

/* Snapshot the window, print it. 0, or -1 (reported). */
/*
 * With @reset, the statistics read become the file's baseline in the same
 * ioctl (KVMW_SNAP_RESET): consecutive intervals lose and repeat nothing.
 */
static int report(struct stat_run *r, bool reset)
{
	const struct stat_args *a = r->a;
	unsigned int flags = 0;
	struct kvmw_snap s;
	struct kvmw_agg agg;
	u64 next_start;
	char **names = NULL;
	size_t i;
	int ret = 0;

	if (!a->json && !a->hist)
		flags |= KVMW_SNAP_NO_HIST;
	if (a->ro.event == KVMW_EVENT_VMEXIT)
		flags |= KVMW_SNAP_NO_BREAKDOWN;
	if (!a->json && !a->rips)
		flags |= KVMW_SNAP_NO_RIPS;
	if (reset)
		flags |= KVMW_SNAP_RESET;
	next_start = now_ns();
	if (kvmw_source_snap(&r->src, flags, &s))
		return -1;
	kvmw_snap_drop_gone_before(&s, r->start_ns);

	if (a->json) {
		const char *proc = getenv(KVMW_PROC_ENV);
		struct kvmw_json_meta m = {
			.interval = a->interval_ns ? r->interval : -1,
			.start_ns = r->start_ns,
			.counters = NULL,
		};

		if (!proc || !*proc)
			proc = "/proc";
		names = calloc(s.nr_vms ? s.nr_vms : 1, sizeof(*names));
		for (i = 0; names && i < s.nr_vms; i++) {
			char buf[256];

			if (!kvmw_vm_name(proc, s.vms[i].rec.pid,
					  s.vms[i].rec.created_ns, buf,
					  sizeof(buf)))
				names[i] = strdup(buf);
		}
		m.vm_names = (const char *const *)names;
		if (kvmw_report_json(stdout, &s, &a->ro, &m))
			ret = -1;
	} else {
		if (kvmw_agg_build(&s, a->ro.event, &agg)) {
			kvmw_err("out of memory");
			kvmw_snap_free(&s);
			return -1;
		}
		kvmw_agg_sort(&agg, a->ro.sort);
		if (a->interval_ns)
			print_timeofday();
		kvmw_report_table(stdout, &agg, &a->ro);
		if (a->hist)
			kvmw_report_hist(stdout, &agg, &a->ro);
		if (a->rips)
			kvmw_report_rips(stdout, &s, &agg, &a->ro);
		kvmw_agg_free(&agg);
	}
	fflush(stdout);
	warn_anomalies(r, &s);
	for (i = 0; names && i < s.nr_vms; i++)
		free(names[i]);
	free(names);
	kvmw_snap_free(&s);
	if (reset)
		r->start_ns = next_start;
	return ret;
}

static int baseline(struct stat_run *r)
{
	r->start_ns = now_ns();
	return kvmw_source_reset(&r->src);
}

/*
 * Start COMMAND stopped on a pipe: the filter (its pid, and its
 * descendants) and the baseline are in place before it can create a VM.
 * Returns its pid, or -1 (reported).
 */
static pid_t start_command(struct stat_run *r, const sigset_t *oldmask)
{
	struct kvmw_filter f = r->a->filter;
	int go[2], ex[2], e;
	char c;
	ssize_t n;
	pid_t pid;

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
		close(go[1]);
		close(ex[0]);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		/* Nothing read: the parent failed; don't run. */
		do {
			n = read(go[0], &c, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(KVMW_EXIT_ERROR);
		execvp(r->a->command[0], r->a->command);
		e = errno;
		if (write(ex[1], &e, sizeof(e)) != sizeof(e))
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);

	f.flags |= KVMW_FILTER_PID | KVMW_FILTER_PID_TREE;
	f.pid = pid;
	if (kvmw_source_filter(&r->src, &f) || baseline(r)) {
		close(go[1]);	/* the child exits without running */
		close(ex[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	/* Go. */
	if (write(go[1], "g", 1) != 1) {
		kvmw_err("cannot start '%s': %s", r->a->command[0],
			 strerror(errno));
		close(go[1]);
		close(ex[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(go[1]);
	/* exec succeeded when the pipe closes empty. */
	do {
		n = read(ex[0], &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(ex[0]);
	if (n == sizeof(e)) {
		kvmw_err("cannot run '%s': %s", r->a->command[0], strerror(e));
		waitpid(pid, NULL, 0);
		errno = e;
		return -2;
	}
	return pid;
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return KVMW_EXIT_ERROR;
}

int kvmw_cmd_stat(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	struct stat_args a;
	struct stat_run r = { .a = &a, .interval = 1 };
	sigset_t mask, oldmask;
	u64 next = 0, end = 0;
	bool help, done = false;
	int ret, child_status = 0;

	ret = parse_args(cmd, argc, argv, &a, &help);
	if (ret)
		return ret;
	if (help) {
		fputs(cmd->usage, stdout);
		return KVMW_EXIT_OK;
	}

	/* From here, Ctrl-C waits for us, whatever we are doing. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);

	if (kvmw_source_open(&r.src, a.via))
		return KVMW_EXIT_ERROR;
	if (kvmw_source_enable(&r.src, KVMW_ENABLE_STATS))
		goto err;
	/* Module-wide counters at the start, for warn_anomalies(). */
	r.have_counters = kvmw_source_counters(&r.src, &r.counters);

	if (a.command) {
		r.child = start_command(&r, &oldmask);
		if (r.child == -2) {
			/* As shells do: not found, or found but not run. */
			int e = errno;

			kvmw_source_close(&r.src);
			return e == ENOENT ? 127 : 126;
		}
		if (r.child < 0)
			goto err;
		set_target(&r, r.child);
	} else {
		if (a.filter.flags && kvmw_source_filter(&r.src, &a.filter))
			goto err;
		if (baseline(&r))
			goto err;
		set_target(&r, a.filter.flags & KVMW_FILTER_PID ?
			   a.filter.pid : 0);
	}
	a.ro.target = r.target;

	if (a.interval_ns)
		next = r.start_ns + a.interval_ns;
	if (a.time_ns)
		end = r.start_ns + a.time_ns;

	while (!done) {
		u64 now = now_ns(), deadline = 0;
		struct timespec ts, *tsp = NULL;
		siginfo_t si;
		int sig;

		if (next)
			deadline = next;
		if (end && (!deadline || end < deadline))
			deadline = end;
		if (deadline) {
			u64 left = deadline > now ? deadline - now : 0;

			ts.tv_sec = (time_t)(left / NSEC_PER_SEC);
			ts.tv_nsec = (long)(left % NSEC_PER_SEC);
			tsp = &ts;
		}
		sig = tsp ? sigtimedwait(&mask, &si, tsp) :
			    sigwaitinfo(&mask, &si);
		if (sig < 0 && errno == EINTR)
			continue;
		if (sig < 0 && errno != EAGAIN) {
			kvmw_err("sigtimedwait: %s", strerror(errno));
			goto err;
		}
		if (sig < 0) {
			now = now_ns();
			if (end && now >= end) {
				done = true;
				break;
			}
			if (next && now >= next) {
				if (report(&r, true))
					goto err;
				r.interval++;
				next += a.interval_ns;
				/* Fell behind (stopped, slow output): skip. */
				if (next <= r.start_ns)
					next = r.start_ns + a.interval_ns;
			}
			continue;
		}
		if (sig == SIGCHLD) {
			int st;

			if (r.child > 0 && waitpid(r.child, &st, WNOHANG) ==
			    r.child) {
				child_status = exit_status(st);
				done = true;
			}
			continue;
		}
		/* SIGINT, SIGTERM, SIGHUP */
		if (r.child > 0) {
			/*
			 * Ctrl-C reached the command too (same process
			 * group); a signal sent to us alone is passed on.
			 * Either way the report waits for its end.
			 */
			if (si.si_code == SI_USER || si.si_code == SI_QUEUE)
				kill(r.child, sig);
			continue;
		}
		done = true;
	}

	if (report(&r, false))
		goto err;
	kvmw_source_close(&r.src);
	return r.child > 0 ? child_status : KVMW_EXIT_OK;
err:
	if (r.child > 0) {
		/* Never leave the command behind unwaited. */
		int st;

		if (waitpid(r.child, &st, 0) == r.child)
			child_status = exit_status(st);
	}
	kvmw_source_close(&r.src);
	return KVMW_EXIT_ERROR;
}
