// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch top: kvm_stat's screen, keys and batch/log modes over the
 * module's statistics (kvmwatch's exit events and KVM's own per-vCPU
 * counters, both read from /dev/kvmwatch, so nothing needs debugfs or
 * tracefs, closed under lockdown), plus the host CPU split per VM and
 * vCPU. Every number and line comes from lib/topview.c; this file takes
 * the snapshots, draws with ncurses and reads the keys.
 *
 * Totals count from the start (or the last 'r'), as kvm_stat's do; with
 * -i from the creation of each VM (what the module has counted since).
 */
#define _GNU_SOURCE
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvmwatch.h>

#include "cmd.h"
#include "dev.h"
#include "snapshot.h"
#include "topview.h"
#include "vmname.h"

#define NSEC_PER_SEC		1000000000ULL
/* kvm_stat's delays: the first screen, then every DELAY_DEFAULT s */
#define DELAY_INITIAL_NS	250000000ULL
#define DELAY_DEFAULT_NS	3000000000ULL
#define DELAY_MIN		0.1
#define DELAY_MAX		25.5
#define BATCH_NS		NSEC_PER_SEC	/* -1 counts for a second */
#define BANNER_REPEAT		20		/* log lines per banner */
/* Overrides /proc for VM names, so tests can provide command lines. */
#define KVMW_PROC_ENV		"KVMWATCH_PROC"

enum {
	OPT_CPU = 256,
};

const char kvmw_top_usage[] =
	"Usage: kvmwatch top [-1|-l|-L FILE] [-c] [-z] [-s SECS] [-p PID|-g GUEST]\n"
	"                    [-f REGEX] [-i] [-x] [-b] [--cpu]\n"
	"\n"
	"kvm_stat's live view of KVM events, from the module: exit reasons, IO\n"
	"ports, MMIO addresses and MSRs (kvm_exit, kvm_pio, kvm_mmio, kvm_msr and\n"
	"their child events), entries, returns to the VMM, and KVM's own per-vCPU\n"
	"counters (exits, halt_exits, ...), with Total, %Total and CurAvg/s;\n"
	"and the host CPU per VM and vCPU split into guest, exit handling, VMM,\n"
	"halted and polling time.\n"
	"\n"
	"Options:\n"
	"  -1, --once, --batch   print every event's total and delta over one\n"
	"                        second (or -s SECS), then exit\n"
	"  -l, --log             log the deltas every -s SECS, like vmstat\n"
	"  -L, --log-to-file FILE\n"
	"                        the same, appended to FILE (SIGHUP reopens it)\n"
	"  -c, --csv             log as CSV (with -l or -L)\n"
	"  -z, --skip-zero-records\n"
	"                        -l/-L: omit records whose deltas are all zero;\n"
	"                        -1: omit events with nothing counted\n"
	"  -s, --set-delay SECS  update interval (3; 0.1 to 25.5 on the screen)\n"
	"  -p, --pid PID         only the VMs of process PID\n"
	"  -g, --guest NAME      only the VM of the guest called NAME (QEMU -name)\n"
	"  -f, --fields REGEX    only events matching REGEX (anchored, as\n"
	"                        kvm_stat's); \"-f help\" lists the events\n"
	"  -i, --include-past    totals since each VM's creation, not since start\n"
	"  -x, --drilldown       show child events (exit reasons, ports, MSRs)\n"
	"  -b, --guests          start with a row per VM\n"
	"      --cpu             the host CPU split instead of the events\n"
	"                        (screen: key v; -1: after the events)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Keys: b group by guest, c clear filters, f filter events by regex,\n"
	"g filter by guest name, h help, o sort by Total or CurAvg/s, p filter\n"
	"by PID, q quit, r reset totals, s set the update interval, v host CPU\n"
	"split, x toggle child events; any other key refreshes.\n";

struct top_args {
	bool once, log, csv, skip_zero, include_past, cpu;
	bool children, by_guest;
	const char *log_file;
	const char *fields;	/* NULL: all */
	const char *guest;
	int pid;
	u64 delay_ns;
	bool delay_set;
};

struct top {
	const struct top_args *a;
	int fd;
	unsigned int snap_flags;
	const char *proc;
	struct kvmw_top_tally base, prev, cur;
	bool have_base, have_prev;
	struct kvmw_top_opts o;
	regex_t re;
	char regex[256];	/* "" for none */
	char gname[64];		/* the guest 'g'/-g selected */
	bool cpu_view;
	u64 delay_ns;
};

static volatile sig_atomic_t got_quit, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_quit = 1;
}

/* Sleep @ns unless a signal comes. */
static void nap(u64 ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / NSEC_PER_SEC),
		.tv_nsec = (long)(ns % NSEC_PER_SEC),
	};

	nanosleep(&ts, NULL);
}

static bool pid_exists(int pid)
{
	return !kill(pid, 0) || errno == EPERM;
}

static int parse_args(const struct kvmw_cmd *cmd, int argc, char **argv,
		      struct top_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, '1' },
		{ "batch", no_argument, NULL, '1' },
		{ "log", no_argument, NULL, 'l' },
		{ "log-to-file", required_argument, NULL, 'L' },
		{ "csv", no_argument, NULL, 'c' },
		{ "skip-zero-records", no_argument, NULL, 'z' },
		{ "skip-zero", no_argument, NULL, 'z' },
		{ "set-delay", required_argument, NULL, 's' },
		{ "pid", required_argument, NULL, 'p' },
		{ "guest", required_argument, NULL, 'g' },
		{ "fields", required_argument, NULL, 'f' },
		{ "include-past", no_argument, NULL, 'i' },
		{ "debugfs-include-past", no_argument, NULL, 'i' },
		{ "drilldown", no_argument, NULL, 'x' },
		{ "guests", no_argument, NULL, 'b' },
		{ "cpu", no_argument, NULL, OPT_CPU },
		{ "debugfs", no_argument, NULL, 'd' },
		{ "tracepoints", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	regex_t re;
	int c;

	memset(a, 0, sizeof(*a));
	a->delay_ns = DELAY_DEFAULT_NS;
	*help = false;
	while ((c = getopt_long(argc, argv, ":1lL:czs:p:g:f:ixbdth", opts,
				NULL)) != -1) {
		switch (c) {
		case '1':
			a->once = true;
			break;
		case 'l':
			a->log = true;
			break;
		case 'L':
			if (!*optarg)
				return kvmw_usage_error(cmd, "empty log file name");
			a->log_file = optarg;
			break;
		case 'c':
			a->csv = true;
			break;
		case 'z':
			a->skip_zero = true;
			break;
		case 's':
			if (kvmw_parse_seconds(optarg, &a->delay_ns) ||
			    a->delay_ns < (u64)(DELAY_MIN * NSEC_PER_SEC))
				return kvmw_usage_error(cmd,
					"invalid delay '%s' (seconds, at least %.1f)",
					optarg, DELAY_MIN);
			a->delay_set = true;
			break;
		case 'p':
			if (kvmw_parse_int(optarg, 1, &a->pid))
				return kvmw_usage_error(cmd,
					"invalid PID '%s'", optarg);
			break;
		case 'g':
			if (!*optarg)
				return kvmw_usage_error(cmd, "empty guest name");
			a->guest = optarg;
			break;
		case 'f':
			a->fields = optarg;
			break;
		case 'i':
			a->include_past = true;
			break;
		case 'x':
			a->children = true;
			break;
		case 'b':
			a->by_guest = true;
			break;
		case OPT_CPU:
			a->cpu = true;
			break;
		case 'd':
		case 't':
			return kvmw_usage_error(cmd,
				"-%c/--%s does not apply: kvmwatch top reads the kvmwatch module, not debugfs or tracepoints",
				c, c == 'd' ? "debugfs" : "tracepoints");
		case 'h':
			*help = true;
			return KVMW_EXIT_OK;
		default:
			return kvmw_option_error(cmd, c, argv);
		}
	}
	if (kvmw_no_operands(cmd, argc, argv))
		return KVMW_EXIT_USAGE;
	if (a->once + a->log + !!a->log_file > 1)
		return kvmw_usage_error(cmd,
			"-1, -l and -L are different modes: pick one");
	if (a->csv && !a->log && !a->log_file)
		return kvmw_usage_error(cmd, "-c/--csv requires -l/--log or -L/--log-to-file");
	if (a->skip_zero && !a->log && !a->log_file && !a->once)
		return kvmw_usage_error(cmd,
			"-z/--skip-zero-records requires -1, -l or -L");
	if (a->pid && a->guest)
		return kvmw_usage_error(cmd, "-p and -g both select the VMs: pick one");
	if (a->cpu && (a->log || a->log_file))
		return kvmw_usage_error(cmd, "--cpu has no log format: use it with -1 or on the screen");
	if (a->fields && strcmp(a->fields, "help")) {
		if (kvmw_top_regcomp(&re, a->fields))
			return kvmw_usage_error(cmd,
				"\"%s\" is not a valid regular expression",
				a->fields);
		regfree(&re);
	}
	if (a->pid && !pid_exists(a->pid))
		return kvmw_usage_error(cmd, "no process with PID %d", a->pid);
	return KVMW_EXIT_OK;
}

/* A snapshot, as a tally with the VMs' names. 0, or -1 (reported). */
static int take(struct top *t, struct kvmw_top_tally *out)
{
	struct kvmw_snap s;
	char **names;
	size_t i;
	int ret;

	ret = kvmw_snap_take(t->fd, t->snap_flags, &s);
	if (ret == -EINVAL && (t->snap_flags & KVMW_SNAP_KVM)) {
		/* A module without KVM's counters: the columns show "-". */
		t->snap_flags &= ~KVMW_SNAP_KVM;
		ret = kvmw_snap_take(t->fd, t->snap_flags, &s);
	}
	if (ret) {
		kvmw_err("snapshot: %s", strerror(-ret));
		return -1;
	}
	names = calloc(s.nr_vms ? s.nr_vms : 1, sizeof(*names));
	for (i = 0; names && i < s.nr_vms; i++) {
		char buf[256];

		if (!kvmw_vm_name(t->proc, s.vms[i].rec.pid,
				  s.vms[i].rec.created_ns, buf, sizeof(buf)))
			names[i] = strdup(buf);
	}
	ret = names ? kvmw_top_tally(&s, (const char *const *)names, out) :
		      -ENOMEM;
	for (i = 0; names && i < s.nr_vms; i++)
		free(names[i]);
	free(names);
	kvmw_snap_free(&s);
	if (ret) {
		kvmw_err("out of memory");
		return -1;
	}
	return 0;
}

/* Advance: cur becomes prev, a new snapshot cur. */
static int step(struct top *t)
{
	struct kvmw_top_tally n;

	if (take(t, &n))
		return -1;
	if (t->have_prev || t->cur.time_ns)
		kvmw_top_tally_move(&t->prev, &t->cur);
	t->have_prev = t->prev.time_ns != 0;
	kvmw_top_tally_move(&t->cur, &n);
	return 0;
}

static const struct kvmw_top_tally *base_of(const struct top *t)
{
	return t->have_base ? &t->base : NULL;
}

static const struct kvmw_top_tally *prev_of(const struct top *t)
{
	return t->have_prev ? &t->prev : NULL;
}

/* The pids of the VMs named @name in @tl: how many, the first in @pid. */
static int guest_pids(const struct kvmw_top_tally *tl, const char *name,
		      int *pid)
{
	int n = 0;
	size_t i;

	for (i = 0; i < tl->nr_vms; i++) {
		if (strcmp(tl->vms[i].name, name))
			continue;
		if (n && tl->vms[i].pid == *pid)
			continue;
		*pid = tl->vms[i].pid;
		n++;
	}
	return n;
}

static int set_regex(struct top *t, const char *pattern)
{
	regex_t re;

	if (!pattern || !*pattern) {
		if (t->o.filter)
			regfree(&t->re);
		t->o.filter = NULL;
		t->regex[0] = '\0';
		return 0;
	}
	if (kvmw_top_regcomp(&re, pattern))
		return -1;
	if (t->o.filter)
		regfree(&t->re);
	t->re = re;
	t->o.filter = &t->re;
	snprintf(t->regex, sizeof(t->regex), "%s", pattern);
	return 0;
}

/* ---- batch and log ---- */

static void list_events(struct top *t)
{
	struct kvmw_top_view v;
	size_t i;

	t->o.children = false;
	if (kvmw_top_view_batch(NULL, NULL, &t->cur, &t->o, &v))
		return;
	for (i = 0; i < v.nr; i++)
		printf("  %s\n", v.rows[i].name);
	kvmw_top_view_free(&v);
}

static int run_once(struct top *t)
{
	struct kvmw_top_view v;

	nap(t->a->delay_set ? t->delay_ns : BATCH_NS);
	if (step(t))
		return KVMW_EXIT_ERROR;
	if (kvmw_top_view_batch(base_of(t), prev_of(t), &t->cur, &t->o, &v)) {
		kvmw_err("out of memory");
		return KVMW_EXIT_ERROR;
	}
	kvmw_top_batch(stdout, &v, t->a->skip_zero);
	kvmw_top_view_free(&v);
	if (t->a->cpu) {
		putchar('\n');
		kvmw_top_cpu(stdout, prev_of(t), &t->cur, &t->o);
	}
	return fflush(stdout) ? KVMW_EXIT_ERROR : KVMW_EXIT_OK;
}

/* @path for appending; *@empty: it has nothing yet (gets the banner). */
static FILE *open_log(const char *path, bool *empty)
{
	FILE *f = fopen(path, "a");
	struct stat st;

	if (!f) {
		kvmw_err("cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	*empty = !fstat(fileno(f), &st) && !st.st_size;
	return f;
}

static int run_log(struct top *t)
{
	const struct top_args *a = t->a;
	struct kvmw_top_view v;
	char **keys;
	int nkeys, line = 0, ret = KVMW_EXIT_OK;
	bool banner_done = false;
	FILE *out = stdout;

	/* The columns: fixed now, as kvm_stat's. */
	if (kvmw_top_view_batch(NULL, NULL, &t->cur, &t->o, &v)) {
		kvmw_err("out of memory");
		return KVMW_EXIT_ERROR;
	}
	nkeys = kvmw_top_keys(&v, &keys);
	kvmw_top_view_free(&v);
	if (nkeys < 0) {
		kvmw_err("out of memory");
		return KVMW_EXIT_ERROR;
	}
	if (a->log_file) {
		bool empty;

		out = open_log(a->log_file, &empty);
		if (!out) {
			kvmw_top_keys_free(keys, nkeys);
			return KVMW_EXIT_ERROR;
		}
		/* A file gets its banner once, at its start (CSV stays CSV). */
		if (empty)
			kvmw_top_log_banner(out, keys, nkeys, a->csv);
	}
	while (!got_quit) {
		char stamp[32];
		time_t now;
		struct tm tm;

		nap(t->delay_ns);
		if (got_quit)
			break;
		if (got_hup && a->log_file) {
			/* logrotate moved the file away: a new one */
			bool empty;

			got_hup = 0;
			fclose(out);
			out = open_log(a->log_file, &empty);
			if (!out) {
				ret = KVMW_EXIT_ERROR;
				break;
			}
			if (empty)
				kvmw_top_log_banner(out, keys, nkeys, a->csv);
		}
		if (step(t)) {
			ret = KVMW_EXIT_ERROR;
			break;
		}
		if (kvmw_top_view_batch(base_of(t), prev_of(t), &t->cur,
					&t->o, &v)) {
			kvmw_err("out of memory");
			ret = KVMW_EXIT_ERROR;
			break;
		}
		if (!a->log_file && line % BANNER_REPEAT == 0 && !banner_done) {
			kvmw_top_log_banner(out, keys, nkeys, a->csv);
			banner_done = true;
		}
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		if (kvmw_top_log_line(out, &v, keys, nkeys, stamp, a->csv,
				      a->skip_zero)) {
			line++;
			if (!a->log_file)
				banner_done = false;
		}
		kvmw_top_view_free(&v);
		fflush(out);
	}
	if (out != stdout && out)
		fclose(out);
	kvmw_top_keys_free(keys, nkeys);
	return ret;
}

/* ---- the screen ---- */

static void headline(const struct top *t, char *buf, size_t len)
{
	const char *name = "";
	size_t i;

	if (!t->o.pid) {
		snprintf(buf, len, "kvm statistics - summary");
		return;
	}
	for (i = 0; i < t->cur.nr_vms; i++)
		if (t->cur.vms[i].pid == t->o.pid && t->cur.vms[i].name[0])
			name = t->cur.vms[i].name;
	if (*name)
		snprintf(buf, len, "kvm statistics - pid %d (%s)", t->o.pid,
			 name);
	else
		snprintf(buf, len, "kvm statistics - pid %d", t->o.pid);
}

/* Draw @text's lines from screen line @y; @bold/@standout: line numbers. */
static void draw_text(const char *text, int y, int bold, int standout,
		      bool bold_total)
{
	const char *p = text;
	int rows = LINES, cols = COLS;

	while (*p && y < rows) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		attr_t at = A_NORMAL;

		if (y == bold || (bold_total && !strncmp(p, " Total ", 7)))
			at = A_BOLD;
		else if (y == standout)
			at = A_STANDOUT;
		attrset(at);
		mvaddnstr(y, 0, p, n < cols ? n : cols);
		attrset(A_NORMAL);
		y++;
		p += n + (nl ? 1 : 0);
	}
}

static void draw(struct top *t)
{
	struct kvmw_top_view v;
	char head[160], *text = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return;
	headline(t, head, sizeof(head));
	if (t->cpu_view) {
		fprintf(f, "%s\n\n", head);
		kvmw_top_cpu(f, prev_of(t), &t->cur, &t->o);
	} else if (!kvmw_top_view(base_of(t), prev_of(t), &t->cur, &t->o,
				  &v)) {
		kvmw_top_screen(f, &v, &t->o, head, t->regex, LINES);
		kvmw_top_view_free(&v);
	}
	fclose(f);
	erase();
	draw_text(text, 0, 0, 2, !t->cpu_view);
	refresh();
	free(text);
}

/*
 * kvm_stat's prompt screens: @title in bold, @line1 and @line2 under it,
 * the error of the last answer on line 5, the question on line 3; the
 * answer in @buf.
 */
static void prompt(const char *title, const char *line1, const char *msg,
		   const char *line2, const char *ask, char *buf, int len)
{
	erase();
	attrset(A_BOLD);
	mvaddstr(0, 0, title);
	attrset(A_NORMAL);
	if (line1)
		mvaddstr(1, 0, line1);
	if (line2)
		mvaddstr(2, 0, line2);
	mvaddstr(5, 0, msg);
	mvaddstr(3, 0, ask);
	refresh();
	curs_set(1);
	echo();
	timeout(-1);
	if (getnstr(buf, len - 1) == ERR)
		buf[0] = '\0';
	noecho();
	curs_set(0);
}

static void ask_regex(struct top *t)
{
	char buf[256], msg[320] = "", cur[300];

	for (;;) {
		snprintf(cur, sizeof(cur), "Current regex: %s", t->regex);
		prompt("Show statistics for events matching a regex.", NULL,
		       msg, cur, "New regex: ", buf, sizeof(buf));
		if (!set_regex(t, buf))
			return;
		snprintf(msg, sizeof(msg),
			 "\"%s\": Not a valid regular expression", buf);
	}
}

static void ask_pid(struct top *t)
{
	char buf[32], msg[96] = "";
	int pid;

	for (;;) {
		prompt("Show statistics for specific pid.", NULL, msg, NULL,
		       "Pid [0 or pid]: ", buf, sizeof(buf));
		if (!buf[0] || !strcmp(buf, "0")) {
			t->o.pid = 0;
			t->gname[0] = '\0';
			return;
		}
		if (kvmw_parse_int(buf, 1, &pid)) {
			snprintf(msg, sizeof(msg), "\"%s\": Not a valid pid",
				 buf);
			continue;
		}
		if (!pid_exists(pid)) {
			snprintf(msg, sizeof(msg),
				 "\"%s\": Not a running process", buf);
			continue;
		}
		t->o.pid = pid;
		t->gname[0] = '\0';
		return;
	}
}

static void ask_guest(struct top *t)
{
	char buf[64], msg[128] = "";
	int pid = 0, n;

	for (;;) {
		prompt("Show statistics for specific guest.", NULL, msg, NULL,
		       "Guest [ENTER or guest]: ", buf,
		       sizeof(buf));
		if (!buf[0]) {
			t->o.pid = 0;
			t->gname[0] = '\0';
			return;
		}
		n = guest_pids(&t->cur, buf, &pid);
		if (!n) {
			snprintf(msg, sizeof(msg), "\"%s\": Not an active guest",
				 buf);
			continue;
		}
		if (n > 1) {
			snprintf(msg, sizeof(msg),
				 "\"%s\": Multiple matches found, use pid filter instead",
				 buf);
			continue;
		}
		t->o.pid = pid;
		snprintf(t->gname, sizeof(t->gname), "%s", buf);
		return;
	}
}

static void ask_delay(struct top *t)
{
	char buf[32], msg[96] = "", line[64];
	double d;
	char *end;

	for (;;) {
		snprintf(line, sizeof(line), "Change delay from %.1fs to ",
			 (double)t->delay_ns / NSEC_PER_SEC);
		erase();
		attrset(A_BOLD);
		mvaddstr(0, 0, "Set update interval (defaults to 3.0s).");
		attrset(A_NORMAL);
		mvaddstr(4, 0, msg);
		mvaddstr(2, 0, line);
		refresh();
		curs_set(1);
		echo();
		timeout(-1);
		if (getnstr(buf, sizeof(buf) - 1) == ERR)
			buf[0] = '\0';
		noecho();
		curs_set(0);
		if (!buf[0]) {
			t->delay_ns = DELAY_DEFAULT_NS;
			return;
		}
		errno = 0;
		d = strtod(buf, &end);
		if (errno || end == buf || *end) {
			snprintf(msg, sizeof(msg), "\"%s\": Invalid value", buf);
			continue;
		}
		if (d < DELAY_MIN) {
			snprintf(msg, sizeof(msg),
				 "\"%s\": Value must be >=0.1", buf);
			continue;
		}
		if (d > DELAY_MAX) {
			snprintf(msg, sizeof(msg),
				 "\"%s\": Value must be <=25.5", buf);
			continue;
		}
		t->delay_ns = (u64)(d * NSEC_PER_SEC + 0.5);
		return;
	}
}

static const char *const help_lines[] = {
	"Interactive Commands:",
	"   b     toggle events by guests (honors filters)",
	"   c     clear filter",
	"   f     filter by regular expression",
	"   g     filter by guest name",
	"   h     display interactive commands reference",
	"   o     toggle sorting order (Total vs CurAvg/s)",
	"   p     filter by PID",
	"   q     quit",
	"   r     reset stats",
	"   s     set update interval",
	"   v     toggle the host CPU split (guest, exits, VMM, halted, polling)",
	"   x     toggle reporting of stats for individual child trace events",
	"Any other key refreshes statistics immediately.",
	"",
	"Press any key to continue.",
};

static void show_help(void)
{
	size_t i;

	erase();
	attrset(A_BOLD);
	mvaddstr(0, 0, "kvmwatch top - interactive commands");
	attrset(A_NORMAL);
	for (i = 0; i < ARRAY_SIZE(help_lines); i++)
		mvaddstr((int)i + 2, 0, help_lines[i]);
	refresh();
	timeout(-1);
	while (getch() == ERR && !got_quit)
		;
}

static int run_screen(struct top *t)
{
	u64 wait_ns = DELAY_INITIAL_NS;
	int ret = KVMW_EXIT_OK;

	if (!newterm(NULL, stdout, stdin)) {
		kvmw_err("cannot drive the terminal (TERM=%s): use -1, -l or -L",
			 getenv("TERM") ? getenv("TERM") : "");
		return KVMW_EXIT_ERROR;
	}
	noecho();
	cbreak();
	curs_set(0);
	keypad(stdscr, TRUE);
	draw(t);
	/* SIGHUP: the terminal is gone */
	while (!got_quit && !got_hup) {
		int ch;

		timeout((int)(wait_ns / 1000000));
		ch = getch();
		if (got_quit)
			break;
		wait_ns = t->delay_ns;
		switch (ch) {
		case 'q':
			got_quit = 1;
			continue;
		case 'b':
			t->o.by_guest = !t->o.by_guest;
			break;
		case 'c':
			set_regex(t, NULL);
			t->o.pid = 0;
			t->gname[0] = '\0';
			break;
		case 'f':
			ask_regex(t);
			wait_ns = DELAY_INITIAL_NS;
			break;
		case 'g':
			ask_guest(t);
			wait_ns = DELAY_INITIAL_NS;
			break;
		case 'h':
			show_help();
			break;
		case 'o':
			t->o.sort_total = !t->o.sort_total;
			break;
		case 'p':
			ask_pid(t);
			wait_ns = DELAY_INITIAL_NS;
			break;
		case 'r':
			/*
			 * Totals from now: the snapshot the refresh below
			 * takes is the base.
			 */
			if (step(t) || kvmw_top_tally_copy(&t->base, &t->cur)) {
				ret = KVMW_EXIT_ERROR;
				got_quit = 1;
				continue;
			}
			t->have_base = true;
			break;
		case 's':
			ask_delay(t);
			wait_ns = DELAY_INITIAL_NS;
			break;
		case 'v':
			t->cpu_view = !t->cpu_view;
			break;
		case 'x':
			t->o.children = !t->o.children;
			break;
		default:
			break;
		}
		/*
		 * The interval is over (ERR), or a key: refresh now with the
		 * counts up to now, as kvm_stat does.
		 */
		if (step(t)) {
			ret = KVMW_EXIT_ERROR;
			break;
		}
		draw(t);
	}
	endwin();
	return ret;
}

int kvmw_cmd_top(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	struct top_args a;
	struct top t;
	struct sigaction sa;
	bool help;
	int ret;

	ret = parse_args(cmd, argc, argv, &a, &help);
	if (ret)
		return ret;
	if (help) {
		fputs(cmd->usage, stdout);
		return KVMW_EXIT_OK;
	}
	memset(&t, 0, sizeof(t));
	t.a = &a;
	t.delay_ns = a.delay_ns;
	t.o.pid = a.pid;
	t.o.children = a.children;
	t.o.by_guest = a.by_guest;
	t.cpu_view = a.cpu;
	t.snap_flags = KVMW_SNAP_NO_HIST | KVMW_SNAP_NO_RIPS | KVMW_SNAP_KVM;
	t.proc = getenv(KVMW_PROC_ENV);
	if (!t.proc || !*t.proc)
		t.proc = "/proc";
	if (a.fields && strcmp(a.fields, "help") && set_regex(&t, a.fields))
		return KVMW_EXIT_USAGE;	/* checked in parse_args() */

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	t.fd = kvmw_dev_open_checked();
	if (t.fd < 0)
		return KVMW_EXIT_ERROR;
	ret = kvmw_dev_enable(t.fd, KVMW_ENABLE_STATS);
	if (ret) {
		kvmw_err("cannot enable statistics: %s", strerror(-ret));
		ret = KVMW_EXIT_ERROR;
		goto out;
	}
	ret = KVMW_EXIT_ERROR;
	if (step(&t))
		goto out;
	if (!a.include_past) {
		/* Totals from now: the first snapshot is the base. */
		if (kvmw_top_tally_copy(&t.base, &t.cur)) {
			kvmw_err("out of memory");
			goto out;
		}
		t.have_base = true;
	}
	if (a.guest) {
		int pid = 0, n = guest_pids(&t.cur, a.guest, &pid);

		if (n != 1) {
			ret = kvmw_usage_error(cmd, n ?
				"several processes run a guest named \"%s\": use -p" :
				"no guest named \"%s\" (QEMU -name)", a.guest);
			goto out;
		}
		t.o.pid = pid;
		snprintf(t.gname, sizeof(t.gname), "%s", a.guest);
	}
	if (a.fields && !strcmp(a.fields, "help")) {
		list_events(&t);
		ret = KVMW_EXIT_OK;
	} else if (a.once) {
		ret = run_once(&t);
	} else if (a.log || a.log_file) {
		ret = run_log(&t);
	} else {
		ret = run_screen(&t);
	}
out:
	set_regex(&t, NULL);
	kvmw_top_tally_free(&t.base);
	kvmw_top_tally_free(&t.prev);
	kvmw_top_tally_free(&t.cur);
	close(t.fd);
	return ret;
}
