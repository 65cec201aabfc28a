// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch doctor: watch the selected VMs for a window with stat's
 * machinery (this consumer's baseline at the start, a snapshot at the
 * end: exactly the window's exits), then report the findings of
 * tools/lib/doctor.c, ranked by the host CPU time they cost. The event
 * families HALT, SCHED and DIRTY of the same VMs are read from this
 * file's rings during the window (drained every DRAIN_MS) and summed by
 * tools/lib/docagg.c for the halt-polling, preemption and dirty-rate
 * findings.
 *
 * Signals are blocked and taken with sigtimedwait(): Ctrl-C ends the
 * window early and the report covers the time actually watched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "docagg.h"
#include "doctor.h"
#include "ring.h"
#include "snapshot.h"
#include "source.h"
#include "vmname.h"

#define NSEC_PER_SEC	1000000000ULL
#define DEFAULT_SECONDS	10
#define KVMW_PROC_ENV	"KVMWATCH_PROC"
/* Drain often enough that 1 MiB rings hold a slice of DIRTY records. */
#define DRAIN_MS	100
#define DOCTOR_FAMILIES	(KVMW_ENABLE_HALT | KVMW_ENABLE_SCHED | \
			 KVMW_ENABLE_DIRTY)
/* --migration-bandwidth bounds: 1 MiB/s to 1 TiB/s */
#define MAX_BW_MIB	(1 << 20)

enum {
	OPT_VM = 256,
	OPT_ALL,
	OPT_TIME,
	OPT_BW,
	OPT_NO_EVENTS,
};

const char kvmw_doctor_usage[] =
	"Usage: kvmwatch doctor [-p PID | --vm ID | --all] [--time SECS]\n"
	"                       [--migration-bandwidth MIB/S] [--no-events]\n"
	"                       [--json]\n"
	"\n"
	"Watch VMs for a window and report known causes of wasted host CPU\n"
	"and stalls (idle vCPUs taking a timer tick, emulated clock port\n"
	"storms, MSR write storms, external-interrupt noise, halt polling in\n"
	"vain, preempted vCPU threads, dirty rates a live migration cannot\n"
	"keep up with), each with its evidence and advice, the costliest\n"
	"first. A healthy guest gets no finding. See docs/doctor.md.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID    only VMs created by PID\n"
	"      --vm ID      only the VM ID (\"<pid>-<fd>\", as in KVM's debugfs)\n"
	"      --all        every VM (the default)\n"
	"      --time SECS  length of the window (default 10; Ctrl-C ends it\n"
	"                   early)\n"
	"      --migration-bandwidth MIB/S\n"
	"                   the live-migration link, MiB/s, for dirty-rate\n"
	"                   (default 128: QEMU's default max-bandwidth)\n"
	"      --no-events  statistics only: no event rings, so no\n"
	"                   halt-poll-waste, vcpu-preemption or dirty-rate\n"
	"  -j, --json       one JSON object: {\"findings\":[...]}\n"
	"  -h, --help       show this help\n";

struct doctor_args {
	struct kvmw_filter filter;
	u64 time_ns;
	u64 migration_bw;	/* bytes/s */
	bool json, all, no_events;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
}

static int parse_args(const struct kvmw_cmd *cmd, int argc, char **argv,
		      struct doctor_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "vm", required_argument, NULL, OPT_VM },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "migration-bandwidth", required_argument, NULL, OPT_BW },
		{ "no-events", no_argument, NULL, OPT_NO_EVENTS },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	long v;
	int c, bw;

	memset(a, 0, sizeof(*a));
	a->filter.size = sizeof(a->filter);
	a->time_ns = DEFAULT_SECONDS * NSEC_PER_SEC;
	a->migration_bw = KVMW_DOCTOR_MIGRATION_BW_DEFAULT;
	*help = false;

	while ((c = getopt_long(argc, argv, ":p:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || errno || *end ||
			    v < 1 || v > INT_MAX)
				return kvmw_usage_error(cmd,
					"invalid PID '%s'", optarg);
			a->filter.flags |= KVMW_FILTER_PID;
			a->filter.pid = (int)v;
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
		case OPT_ALL:
			a->all = true;
			break;
		case OPT_TIME:
			if (kvmw_parse_seconds(optarg, &a->time_ns))
				return kvmw_usage_error(cmd,
					"invalid time '%s' (a positive number of seconds)",
					optarg);
			break;
		case OPT_BW:
			if (kvmw_parse_int(optarg, 1, &bw) || bw > MAX_BW_MIB)
				return kvmw_usage_error(cmd,
					"invalid migration bandwidth '%s' (MiB/s, 1 to %d)",
					optarg, MAX_BW_MIB);
			a->migration_bw = (u64)bw << 20;
			break;
		case OPT_NO_EVENTS:
			a->no_events = true;
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
	if (optind < argc)
		return kvmw_usage_error(cmd, "unexpected argument '%s'",
					argv[optind]);
	if (a->all && a->filter.flags)
		return kvmw_usage_error(cmd,
			"--all conflicts with -p and --vm");
	if ((a->filter.flags & KVMW_FILTER_PID) &&
	    (a->filter.flags & KVMW_FILTER_VM))
		return kvmw_usage_error(cmd, "-p and --vm conflict: choose one");
	return KVMW_EXIT_OK;
}

struct ev_sink {
	struct kvmw_docagg agg;
	u64 start, end;		/* records outside are not the window's */
	bool nomem;
};

static int sink(void *arg, unsigned int cpu, const struct kvmw_ev *ev)
{
	struct ev_sink *k = arg;

	(void)cpu;
	if (ev->time_ns < k->start || ev->time_ns > k->end)
		return 0;
	if (kvmw_docagg_add(&k->agg, ev)) {
		k->nomem = true;
		return -ENOMEM;
	}
	return 0;
}

/* Drain @r into @k (if any); 0, or -1 (reported). */
static int drain(struct kvmw_ring *r, struct ev_sink *k)
{
	long n;

	if (!r)
		return 0;
	/* In time order: the poll window is tracked across records. */
	n = kvmw_ring_drain_sorted(r, sink, k);
	if (n >= 0)
		return 0;
	if (k->nomem)
		kvmw_err("out of memory");
	else
		kvmw_err("reading the event rings: %s", strerror((int)-n));
	return -1;
}

/*
 * Wait for the window's end or a signal, draining @r every DRAIN_MS;
 * 0, or -1 (reported).
 */
static int wait_window(u64 end, struct kvmw_ring *r, struct ev_sink *k)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	for (;;) {
		u64 now = now_ns(), left;
		struct timespec ts;

		if (now >= end)
			return 0;
		left = end - now;
		if (r && left > DRAIN_MS * 1000000ULL)
			left = DRAIN_MS * 1000000ULL;
		ts.tv_sec = (time_t)(left / NSEC_PER_SEC);
		ts.tv_nsec = (long)(left % NSEC_PER_SEC);
		if (sigtimedwait(&mask, NULL, &ts) >= 0)
			return 0;	/* Ctrl-C: report what we have */
		if (errno != EAGAIN && errno != EINTR) {
			kvmw_err("sigtimedwait: %s", strerror(errno));
			return -1;
		}
		if (drain(r, k))
			return -1;
	}
}

/* VM names from /proc (or $KVMWATCH_PROC); NULL entries for none. */
static char **vm_names(const struct kvmw_snap *s)
{
	const char *proc = getenv(KVMW_PROC_ENV);
	char **names;
	size_t i;

	if (!proc || !*proc)
		proc = "/proc";
	names = calloc(s->nr_vms ? s->nr_vms : 1, sizeof(*names));
	for (i = 0; names && i < s->nr_vms; i++) {
		char buf[256];

		if (!kvmw_vm_name(proc, s->vms[i].rec.pid,
				  s->vms[i].rec.created_ns, buf, sizeof(buf)))
			names[i] = strdup(buf);
	}
	return names;
}

int kvmw_cmd_doctor(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	struct kvmw_ring_opts ro = { 0 };
	struct kvmw_doctor_events dev = { 0 };
	struct ev_sink k = { .end = ~0ULL };
	struct kvmw_ring *ring = NULL;
	struct kvmw_ring_cpu_stats rs;
	struct doctor_args a;
	struct kvmw_source src;
	struct kvmw_findings fs;
	struct kvmw_snap s;
	sigset_t mask, oldmask;
	u64 start, end;
	char **names;
	bool help;
	size_t i;
	int ret;

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
	sigprocmask(SIG_BLOCK, &mask, &oldmask);

	if (kvmw_source_open(&src, KVMW_VIA_DEV))
		return KVMW_EXIT_ERROR;
	/* The filter first: no other VM's records enter the rings. */
	if (a.filter.flags && kvmw_source_filter(&src, &a.filter))
		goto err;
	if (!a.no_events) {
		ret = kvmw_ring_open(src.fd, &ro, &ring);
		if (ret) {
			kvmw_err("KVMW_IOC_RING_SETUP: %s", strerror(-ret));
			ring = NULL;
			goto err;
		}
	}
	if (kvmw_source_enable(&src, KVMW_ENABLE_STATS |
				     (ring ? DOCTOR_FAMILIES : 0)))
		goto err;
	start = now_ns();
	k.start = start;
	if (kvmw_source_reset(&src))
		goto err;
	if (wait_window(start + a.time_ns, ring, &k))
		goto err;
	end = now_ns();
	k.end = end;
	/* Histograms are not evidence; breakdowns and RIPs are. */
	if (kvmw_source_snap(&src, KVMW_SNAP_NO_HIST, &s))
		goto err;
	if (drain(ring, &k)) {
		kvmw_snap_free(&s);
		goto err;
	}
	if (ring) {
		kvmw_ring_stats(ring, &rs);
		/* Discard mode: records that found a ring full. */
		if (rs.lost)
			fprintf(stderr,
				"kvmwatch doctor: %llu event records lost: halt-poll-waste, vcpu-preemption and dirty-rate may be understated\n",
				(unsigned long long)rs.lost);
		kvmw_ring_close(ring);
		ring = NULL;
		dev.agg = &k.agg;
		dev.migration_bw = a.migration_bw;
	}
	kvmw_source_close(&src);
	/*
	 * VMs created or destroyed within the window are diagnosed over
	 * the whole window, which can only understate their rates.
	 */
	kvmw_snap_drop_gone_before(&s, start);

	if (kvmw_doctor_run(&s, end - start, dev.agg ? &dev : NULL, &fs)) {
		kvmw_err("out of memory");
		kvmw_snap_free(&s);
		kvmw_docagg_free(&k.agg);
		return KVMW_EXIT_ERROR;
	}
	names = vm_names(&s);
	ret = KVMW_EXIT_OK;
	if (a.json) {
		if (kvmw_doctor_json(stdout, &s, &fs,
				     (const char *const *)names))
			ret = KVMW_EXIT_ERROR;
	} else {
		kvmw_doctor_text(stdout, &s, &fs,
				 (const char *const *)names);
	}
	if (fflush(stdout))
		ret = KVMW_EXIT_ERROR;
	for (i = 0; names && i < s.nr_vms; i++)
		free(names[i]);
	free(names);
	kvmw_findings_free(&fs);
	kvmw_snap_free(&s);
	kvmw_docagg_free(&k.agg);
	return ret;
err:
	if (ring)
		kvmw_ring_close(ring);
	kvmw_source_close(&src);
	kvmw_docagg_free(&k.agg);
	return KVMW_EXIT_ERROR;
}
