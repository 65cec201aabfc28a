// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch monitor: the netlink family's notifications as they arrive:
 * VMs created and destroyed, and exit-rate thresholds crossed.
 *
 * The socket joins the "notify" group before it sets its thresholds, so
 * nothing that happens in between is missed (notifications that arrive
 * among the replies are queued by nlsnap.c). Thresholds belong to this
 * socket: the kernel evaluates them on this socket's filter and stops
 * when the socket closes. Every member of the group receives every
 * threshold notification; with thresholds of its own, the monitor shows
 * only those (the notification names the socket that set it), without,
 * every socket's.
 *
 * Signals are blocked and read from a signalfd, polled with the socket,
 * so a Ctrl-C is handled between two notifications, never inside one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "exit_reason.h"
#include "nlnote.h"
#include "nlsnap.h"
#include "source.h"
#include "threshold.h"

#define NSEC_PER_SEC	1000000000ULL
/* Longest --time: a year. */
#define RATELIMIT_MIN	100
#define RATELIMIT_MAX	3600000
/* Override /sys and /proc for the host's ISA, so tests can pick one. */
#define KVMW_SYS_ENV	"KVMWATCH_SYS"
#define KVMW_PROC_ENV	"KVMWATCH_PROC"

enum {
	OPT_VM = 256,
	OPT_RATELIMIT,
	OPT_TIME,
};

const char kvmw_monitor_usage[] =
	"Usage: kvmwatch monitor [-p PID] [--vm ID] [--threshold REASON:RATE]...\n"
	"                        [--ratelimit MS] [--time SECS] [--json]\n"
	"\n"
	"Print the module's notifications as they arrive: VMs created and\n"
	"destroyed and, with --threshold, vCPUs whose exit rate crosses a\n"
	"threshold. From the generic netlink family \"kvmwatch\", group\n"
	"\"notify\" (needs CAP_NET_ADMIN). Runs until Ctrl-C or --time.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID         only VMs created by PID\n"
	"      --vm ID           only the VM ID (\"<pid>-<fd>\", as in KVM's debugfs)\n"
	"  -t, --threshold REASON:RATE\n"
	"                        notify when a vCPU takes more than RATE exits per\n"
	"                        second of REASON, measured each second. REASON is\n"
	"                        perf's name (io, msr, hlt on AMD; IO_INSTRUCTION,\n"
	"                        MSR_WRITE, HLT on Intel; any case) or the exit\n"
	"                        code. Up to 16; then only these thresholds'\n"
	"                        notifications are shown, else every socket's\n"
	"      --ratelimit MS    at most one notification per vCPU and threshold\n"
	"                        every MS milliseconds (100 to 3600000, default\n"
	"                        1000); crossings in between are counted\n"
	"      --time SECS       stop after SECS seconds\n"
	"  -j, --json            one JSON object per notification, one per line\n"
	"  -h, --help            show this help\n";

struct monitor_args {
	struct kvmw_nl_config cfg;	/* thresholds, filter, rate limit */
	int pid;			/* -p, 0: any */
	const char *vm;			/* --vm, NULL: any */
	u64 time_ns;
	bool json;
};

struct monitor_counts {
	u64 shown[KVMW_NOTE_THRESHOLD + 1];
	u64 total;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
}

/* Seconds, decimal fractions allowed; > 0, at most a year. */

/* A decimal int in [min, max]. */
static int parse_int(const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

static int parse_args(const struct kvmw_cmd *cmd, int argc, char **argv,
		      struct monitor_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "vm", required_argument, NULL, OPT_VM },
		{ "threshold", required_argument, NULL, 't' },
		{ "ratelimit", required_argument, NULL, OPT_RATELIMIT },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct kvmw_nl_config *cfg = &a->cfg;
	bool have_isa = false;
	u32 isa = 0;
	char why[256];
	int c, v;

	memset(a, 0, sizeof(*a));
	cfg->filter.size = sizeof(cfg->filter);
	*help = false;

	while ((c = getopt_long(argc, argv, "+:p:t:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_int(optarg, 1, INT_MAX, &v))
				return kvmw_usage_error(cmd,
					"invalid PID '%s'", optarg);
			a->pid = v;
			cfg->filter.flags |= KVMW_FILTER_PID;
			cfg->filter.pid = v;
			break;
		case OPT_VM:
			if (!*optarg ||
			    strlen(optarg) >= sizeof(cfg->filter.vm))
				return kvmw_usage_error(cmd,
					"invalid VM id '%s' (expected PID-FD, as in /sys/kernel/debug/kvm)",
					optarg);
			a->vm = optarg;
			cfg->filter.flags |= KVMW_FILTER_VM;
			snprintf(cfg->filter.vm, sizeof(cfg->filter.vm), "%s",
				 optarg);
			break;
		case 't':
			if (cfg->nr_th == KVMW_NL_THRESHOLDS_MAX)
				return kvmw_usage_error(cmd,
					"too many thresholds (at most %d)",
					KVMW_NL_THRESHOLDS_MAX);
			/* Looked up once, and only if a threshold needs it. */
			if (!have_isa) {
				isa = kvmw_host_isa(env_or(KVMW_SYS_ENV, "/sys"),
						    env_or(KVMW_PROC_ENV,
							   "/proc"));
				have_isa = true;
			}
			if (kvmw_threshold_parse(optarg, isa,
						 &cfg->th[cfg->nr_th], why,
						 sizeof(why)))
				return kvmw_usage_error(cmd, "%s", why);
			cfg->nr_th++;
			break;
		case OPT_RATELIMIT:
			if (parse_int(optarg, RATELIMIT_MIN, RATELIMIT_MAX, &v))
				return kvmw_usage_error(cmd,
					"invalid rate limit '%s' (milliseconds, %d to %d)",
					optarg, RATELIMIT_MIN, RATELIMIT_MAX);
			cfg->ratelimit_ms = (u32)v;
			cfg->fields |= KVMW_NLCFG_RATELIMIT;
			break;
		case OPT_TIME:
			if (kvmw_parse_seconds(optarg, &a->time_ns))
				return kvmw_usage_error(cmd,
					"invalid time '%s' (a positive number of seconds)",
					optarg);
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			*help = true;
			return KVMW_EXIT_OK;
		default:
			return kvmw_option_error(cmd, c, argv);
		}
	}
	if (kvmw_no_operands(cmd, argc, argv))
		return KVMW_EXIT_USAGE;
	if ((cfg->fields & KVMW_NLCFG_RATELIMIT) && !cfg->nr_th)
		return kvmw_usage_error(cmd,
			"--ratelimit needs --threshold: it limits threshold notifications");
	if (cfg->nr_th) {
		/* Thresholds are measured on statistics: enable them. */
		cfg->fields |= KVMW_NLCFG_ENABLE | KVMW_NLCFG_FILTER |
			       KVMW_NLCFG_THRESHOLDS;
		cfg->enable = KVMW_ENABLE_STATS;
	}
	return KVMW_EXIT_OK;
}

/* The one line on stderr that says the monitor is listening, and to what. */
static void say_listening(const struct kvmw_nl_config *held)
{
	u32 i;

	fputs("kvmwatch monitor: listening", stderr);
	for (i = 0; i < held->nr_th; i++) {
		const struct kvmw_threshold *th = &held->th[i];
		const char *name = kvmw_exit_reason_name(th->isa, th->code);

		fprintf(stderr, "%s ", i ? "," : "; thresholds");
		if (name)
			fprintf(stderr, "%s", name);
		else
			fprintf(stderr, "0x%x", th->code);
		fprintf(stderr, ">%llu/s", (unsigned long long)th->rate);
	}
	if (held->nr_th && (held->fields & KVMW_NLCFG_RATELIMIT))
		fprintf(stderr, "; rate limit %u ms", held->ratelimit_ms);
	fputc('\n', stderr);
}

/*
 * Thresholds set, and read back: what is printed is what the kernel
 * holds. 0, or -1 (reported).
 */
static int set_thresholds(struct kvmw_nl *nl, const struct monitor_args *a)
{
	struct kvmw_nl_config held;
	char why[256];

	if (kvmw_nl_set_config(nl, &a->cfg)) {
		kvmw_err("netlink KVMW_NL_CMD_SET_CONFIG: %s",
			 kvmw_nl_strerror(nl, why, sizeof(why)));
		return -1;
	}
	if (kvmw_nl_get_config(nl, &held)) {
		kvmw_err("netlink KVMW_NL_CMD_GET_CONFIG: %s",
			 kvmw_nl_strerror(nl, why, sizeof(why)));
		return -1;
	}
	if (held.nr_th != a->cfg.nr_th ||
	    memcmp(held.th, a->cfg.th, sizeof(held.th[0]) * held.nr_th)) {
		kvmw_err("netlink KVMW_NL_CMD_GET_CONFIG: the module holds %u thresholds, not the %u set",
			 held.nr_th, a->cfg.nr_th);
		return -1;
	}
	say_listening(&held);
	return 0;
}

static bool selected(const struct monitor_args *a, const struct kvmw_nl *nl,
		     const struct kvmw_note *n)
{
	if (a->pid && (!(n->have & KVMW_NOTE_HAVE_PID) || n->pid != a->pid))
		return false;
	if (a->vm && (!(n->have & KVMW_NOTE_HAVE_VM) || strcmp(n->vm, a->vm)))
		return false;
	if (n->kind == KVMW_NOTE_THRESHOLD && a->cfg.nr_th &&
	    (!(n->have & KVMW_NOTE_HAVE_PORTID) || n->portid != nl->portid))
		return false;
	return true;
}

/* Print what is queued. 0, or -1 when stdout failed. */
static int print_notes(const struct monitor_args *a, struct kvmw_nl *nl,
		       struct monitor_counts *cnt)
{
	struct kvmw_note n;

	while (kvmw_nl_next_note(nl, &n)) {
		if (!selected(a, nl, &n))
			continue;
		if (a->json) {
			if (kvmw_note_json(stdout, &n))
				return -1;
		} else {
			kvmw_note_text(stdout, &n);
		}
		cnt->shown[n.kind]++;
		cnt->total++;
	}
	/* Each line as it arrives, also into a pipe or a file. */
	return fflush(stdout) || ferror(stdout) ? -1 : 0;
}

static int sig_fd(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
	sigprocmask(SIG_BLOCK, mask, NULL);
	return signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int run(const struct monitor_args *a, struct kvmw_nl *nl, int sfd)
{
	struct monitor_counts cnt = { 0 };
	u64 end = a->time_ns ? now_ns() + a->time_ns : 0;
	char why[256];
	int ret = KVMW_EXIT_OK;

	if (!a->json) {
		kvmw_note_header(stdout);
		fflush(stdout);
	}
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = kvmw_nl_fd(nl), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		int timeout = -1, n;

		if (print_notes(a, nl, &cnt)) {
			ret = KVMW_EXIT_ERROR;
			break;
		}
		if (end) {
			u64 now = now_ns();

			if (now >= end)
				break;
			/* Rounded up: never wake just before the end. */
			timeout = (int)((end - now + 999999) / 1000000);
		}
		n = poll(fds, 2, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kvmw_err("poll: %s", strerror(errno));
			ret = KVMW_EXIT_ERROR;
			break;
		}
		if (fds[0].revents && kvmw_nl_recv_notes(nl)) {
			kvmw_err("netlink: receiving notifications: %s",
				 kvmw_nl_strerror(nl, why, sizeof(why)));
			ret = KVMW_EXIT_ERROR;
			break;
		}
		if (fds[1].revents & POLLIN)
			break;		/* SIGINT, SIGTERM, SIGHUP */
	}
	/* What arrived with the signal or at the end is still shown. */
	if (!ret && !kvmw_nl_recv_notes(nl) && print_notes(a, nl, &cnt))
		ret = KVMW_EXIT_ERROR;

	fprintf(stderr, "kvmwatch monitor: %llu notifications (%llu vm_new, %llu vm_gone, %llu threshold)",
		(unsigned long long)cnt.total,
		(unsigned long long)cnt.shown[KVMW_NOTE_VM_NEW],
		(unsigned long long)cnt.shown[KVMW_NOTE_VM_GONE],
		(unsigned long long)cnt.shown[KVMW_NOTE_THRESHOLD]);
	if (nl->overruns)
		fprintf(stderr, "; %llu receive overruns: some were lost",
			(unsigned long long)nl->overruns);
	if (nl->bad_notes)
		fprintf(stderr, "; %llu malformed, skipped",
			(unsigned long long)nl->bad_notes);
	fputc('\n', stderr);
	return ret;
}

int kvmw_cmd_monitor(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	struct monitor_args a;
	struct kvmw_nl nl;
	sigset_t mask;
	char why[256];
	bool help;
	int ret, sfd;

	ret = parse_args(cmd, argc, argv, &a, &help);
	if (ret)
		return ret;
	if (help) {
		fputs(cmd->usage, stdout);
		return KVMW_EXIT_OK;
	}

	sfd = sig_fd(&mask);
	if (sfd < 0) {
		kvmw_err("signalfd: %s", strerror(errno));
		return KVMW_EXIT_ERROR;
	}
	if (kvmw_nl_open_checked(&nl)) {
		close(sfd);
		return KVMW_EXIT_ERROR;
	}
	ret = KVMW_EXIT_ERROR;
	if (kvmw_nl_join_notify(&nl)) {
		kvmw_err("netlink: joining group '%s': %s",
			 KVMW_NL_MCGRP_NOTIFY,
			 kvmw_nl_strerror(&nl, why, sizeof(why)));
		goto out;
	}
	if (a.cfg.nr_th) {
		if (set_thresholds(&nl, &a))
			goto out;
	} else {
		say_listening(&a.cfg);
	}
	ret = run(&a, &nl, sfd);
out:
	kvmw_nl_close(&nl);
	close(sfd);
	return ret;
}
