// SPDX-License-Identifier: GPL-2.0
/*
 * "kvmwatch trace" run as a user would: usage errors (exit 2, exact
 * messages, before the device is touched), a module without the event
 * stream, and whole runs against fake_dev.so, whose rings (a memfd) hold
 * the records of $KVMW_FAKE_EVENTS: the lines printed, the JSON, the
 * final counts with and without losses, "-- COMMAND", and the ioctls
 * trace made (the fake's log).
 *
 * Environment: as test_cli.c (KVMW_TEST_BIN, KVMW_TEST_DYN_BIN,
 * KVMW_TEST_FAKE_DEV).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snapbuild.h"
#include "tap.h"
#include "tests.h"

#define FAKE_PATH	"/fake/kvmwatch"
#define CAPS_EVENTS	"KVMW_FAKE_CAPS=0x1f"

struct run {
	int status;
	char *out, *err;
};

static const char *bin, *dyn_bin, *fake_dev;
static char dir[] = "/tmp/kvmwatch-trace.XXXXXX";

static char *path_in(const char *name)
{
	static char buf[4][sizeof(dir) + 32];
	static unsigned int n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static char *slurp(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, len > 0 ? len + 1 : 1);

	if (buf && len > 0 && pread(fd, buf, len, 0) != len)
		buf[0] = '\0';
	close(fd);
	return buf;
}

static char *slurp_path(const char *path)
{
	int fd = open(path, O_RDONLY);

	return fd < 0 ? calloc(1, 1) : slurp(fd);
}

/* kvmwatch trace ARGS...; @fake: the dynamic build with the fake device. */
static void run(struct run *r, bool fake, char *const *env, ...)
{
	char *argv[24] = { "kvmwatch", "trace" };
	int out = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	int err = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	int argc = 2, st;
	va_list ap;
	pid_t pid;

	va_start(ap, env);
	while (argc < 23 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		unsetenv("KVMWATCH_DEVICE");
		unsetenv("LD_PRELOAD");
		unsetenv("KVMWATCH_PROC");
		if (fake) {
			setenv("LD_PRELOAD", fake_dev, 1);
			setenv("KVMW_FAKE_PATH", FAKE_PATH, 1);
			setenv("KVMWATCH_DEVICE", FAKE_PATH, 1);
		}
		for (; env && *env; env++)
			putenv(*env);
		dup2(out, 1);
		dup2(err, 2);
		execv(fake ? dyn_bin : bin, argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = slurp(out);
	r->err = slurp(err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* A usage error: exit 2, the message and the hint, nothing on stdout. */
static void usage_error(const char *msg, ...)
{
	char want[512], *args[8] = { NULL };
	struct run r;
	va_list ap;
	int n = 0;

	va_start(ap, msg);
	while (n < 7 && (args[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	/* Usage errors come before the device: none here. */
	run(&r, false, (char *[]){ "KVMWATCH_DEVICE=/nonexistent", NULL },
	    args[0], args[1], args[2], args[3], args[4], args[5], args[6],
	    NULL);
	snprintf(want, sizeof(want), "kvmwatch trace: %s\n"
		 "Try 'kvmwatch trace --help'.\n", msg);
	tap_ok(r.status == 2 && !strcmp(r.err, want) && !*r.out,
	       "trace %s %s: exit 2, \"%s\"", args[0], args[1] ? args[1] : "",
	       msg);
	if (r.status != 2 || strcmp(r.err, want))
		tap_diag("status %d, stderr: %s", r.status, r.err);
	run_free(&r);
}

static void test_usage(void)
{
	struct run r;

	usage_error("unknown event 'bogus' (exit, io, halt, dirty, sched, "
		    "irq, pf, hcall, vm, all, or a record type)",
		    "-e", "bogus", NULL);
	usage_error("unknown event 'exits' in 'io,exits' (exit, io, halt, "
		    "dirty, sched, irq, pf, hcall, vm, all, or a record type)",
		    "-e", "io,exits", NULL);
	usage_error("empty event name in 'exit,,io'", "--events=exit,,io",
		    NULL);
	usage_error("empty event name in ''", "-e", "", NULL);
	usage_error("invalid page count '3' (a power of two from 2 to 4096)",
		    "--pages", "3", NULL);
	usage_error("invalid page count '8192' (a power of two from 2 to "
		    "4096)", "--pages", "8192", NULL);
	usage_error("invalid page count '1' (a power of two from 2 to 4096)",
		    "--pages", "1", NULL);
	usage_error("invalid duration '-1' (microseconds, 0 or more)",
		    "--min-duration", "-1", NULL);
	usage_error("invalid duration '5us' (microseconds, 0 or more)",
		    "--min-duration", "5us", NULL);
	usage_error("--min-duration applies to exit, pf and halt events only",
		    "-e", "io,sched", "--min-duration", "5", NULL);
	usage_error("invalid time '0' (a positive number of seconds)",
		    "--time", "0", NULL);
	usage_error("invalid PID '0'", "-p", "0", NULL);
	usage_error("invalid vCPU '-1'", "--vcpu", "-1", NULL);
	usage_error("invalid VM id '' (expected PID-FD, as in "
		    "/sys/kernel/debug/kvm)", "--vm", "", NULL);
	usage_error("unknown option '--bogus'", "--bogus", NULL);
	usage_error("unknown option '-x'", "-jx", NULL);
	usage_error("option '--json' takes no argument", "--json=yes", NULL);
	usage_error("option '--pages' needs an argument", "--pages", NULL);
	usage_error("unexpected argument 'extra' (a command goes after --)",
		    "extra", NULL);
	usage_error("'--' must be followed by a command", "--", NULL);
	usage_error("-p and -- COMMAND conflict: COMMAND selects its own VMs",
		    "-p", "1", "--", "true", NULL);
	usage_error("--time and -- COMMAND conflict: the command's lifetime "
		    "is the window", "--time", "1", "--", "true", NULL);

	run(&r, false, NULL, "--help", NULL);
	tap_ok(r.status == 0 && !strncmp(r.out, "Usage: kvmwatch trace ", 22) &&
	       strstr(r.out, "--min-duration USEC") && !*r.err,
	       "trace --help: usage on stdout, exit 0");
	run_free(&r);

	run(&r, false, (char *[]){ "KVMWATCH_DEVICE=/nonexistent/kvmwatch",
	    NULL }, "--time", "0.01", NULL);
	tap_ok(r.status == 1 && strstr(r.err, "module not loaded?") && !*r.out,
	       "trace, no device: exit 1, nothing printed");
	run_free(&r);
}

/* Records for the fake's rings; hdr.seq picks the CPU (see fake_dev.c). */
struct evfile {
	unsigned char buf[64 << 10];
	size_t len;
};

static void ev_add(struct evfile *f, const void *rec)
{
	const struct kvmw_ev *h = rec;

	memcpy(f->buf + f->len, rec, h->size);
	f->len += h->size;
}

static void ev_hdr(struct kvmw_ev *h, u16 type, u16 size, unsigned int cpu,
		   u64 time_ns, u32 vcpu)
{
	memset(h, 0, size);
	h->type = type;
	h->size = size;
	h->seq = cpu;
	h->time_ns = time_ns;
	h->vcpu_id = vcpu;
	h->vm = 3;
	h->pid = 4242;
	h->tid = 4243;
}

static void ev_exit(struct evfile *f, unsigned int cpu, u64 t, u32 code,
		    u16 port)
{
	struct kvmw_ev_exit e;

	ev_hdr(&e.hdr, KVMW_EV_TYPE_EXIT, sizeof(e), cpu, t, 0);
	e.isa = KVMW_ISA_SVM;
	e.code = code;
	e.rip = 0x1000;
	e.duration_ns = 1500;
	if (port) {
		e.key = port;
		e.key_kind = KVMW_STAT_IOPORT;
		e.key_sub = KVMW_SUB_WRITE;
		e.flags = KVMW_EXIT_USER;
	}
	ev_add(f, &e);
}

static void ev_save(const struct evfile *f, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, f->buf, f->len) != (ssize_t)f->len)
		tap_diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static char env_events[sizeof(dir) + 64], env_log[sizeof(dir) + 64];
static char env_snap[sizeof(dir) + 64], env_proc[sizeof(dir) + 64];

static void test_fake_runs(void)
{
	struct evfile *f = calloc(1, sizeof(*f));
	struct kvmw_ev_wakeup w;
	struct kvmw_ev_halt_poll hp;
	struct kvmw_ev_pio pio;
	char *log, want[128];
	struct run r;
	struct sb b;
	int i, fit;

	if (!f)
		return;
	/* A VM the snapshot names; the records' VM serial is 3. */
	sb_init(&b);
	sb_vm(&b, 4242, "4242-9", 0, 0, 3);
	sb_save(&b, path_in("snap"));
	sb_free(&b);
	snprintf(env_snap, sizeof(env_snap), "KVMW_FAKE_SNAPSHOT=%s",
		 path_in("snap"));
	snprintf(env_events, sizeof(env_events), "KVMW_FAKE_EVENTS=%s",
		 path_in("events"));
	snprintf(env_log, sizeof(env_log), "KVMW_FAKE_LOG=%s", path_in("log"));
	/* No thread of the records exists there: COMM is "-". */
	snprintf(env_proc, sizeof(env_proc), "KVMWATCH_PROC=%s", dir);

	/* CPU 1's first event is the oldest: the output is in time order. */
	ev_exit(f, 0, 2000001000, 0x7b, 0x80);
	ev_exit(f, 1, 2000000500, 0x72, 0);
	ev_hdr(&pio.hdr, KVMW_EV_TYPE_PIO, sizeof(pio), 0, 2000002000, 0);
	pio.port = 0x80;
	pio.size = 1;
	pio.count = 1;
	pio.value = 7;
	ev_add(f, &pio);
	ev_save(f, path_in("events"));

	run(&r, true, (char *[]){ CAPS_EVENTS, env_events, env_snap, env_log,
	    NULL }, "-e", "exit,io", "--time", "0.2", NULL);
	tap_eq_u64(r.status, 0, "trace -e exit,io: exit 0");
	tap_eq_str(r.out,
		   "TIME(ms)           VM           PID/TID         VCPU  EVENT"
		   "      DETAILS\n"
		   "2000.000500        4242-9       4242/4243       0     exit"
		   "       reason=cpuid dur_us=1.500 rip=0x1000 info1=0x0 "
		   "info2=0x0\n"
		   "2000.001000        4242-9       4242/4243       0     exit"
		   "       reason=io key=0x80:POUT name=POST_IODELAY "
		   "dur_us=1.500 rip=0x1000 info1=0x0 info2=0x0 flags=user\n"
		   "2000.002000        4242-9       4242/4243       0     pio"
		   "        port=0x80 dir=out size=1 count=1 value=0x7 "
		   "name=POST_IODELAY\n",
		   "trace -e exit,io: header, then the events in time order");
	tap_eq_str(r.err, "kvmwatch trace: 3 events, 0 lost (cpu0: 0, "
		   "cpu1: 0)\n", "trace: the counts on stderr");
	run_free(&r);
	log = slurp_path(path_in("log"));
	tap_eq_str(log, "ring_setup pages=256 flags=0\n"
		   "snapshot flags=0x7 buf_len=65536\n"
		   "enable families=0x6\n"
		   "enable families=0\n",
		   "trace: rings, VM names, families, and off before the "
		   "last drain");
	free(log);
	unlink(path_in("log"));

	/* Only the types asked for; the fake's enable log. */
	run(&r, true, (char *[]){ CAPS_EVENTS, env_events, env_log, env_proc,
	    NULL }, "-e", "pio", "--json", "--overwrite", "--pages", "2",
	    "--min-duration", "0", "--time", "0.1", "--vcpu", "0", NULL);
	tap_eq_str(r.out,
		   "{\"event\":\"pio\",\"time_ns\":2000002000,\"seq\":1,"
		   "\"cpu\":0,\"vm\":null,\"vm_serial\":3,\"pid\":4242,"
		   "\"tid\":4243,\"comm\":null,\"vcpu\":0,\"port\":128,"
		   "\"dir\":\"out\",\"size\":1,\"count\":1,\"value\":7,"
		   "\"name\":\"POST_IODELAY\"}\n"
		   "{\"summary\":{\"events\":1,\"lost\":0,\"produced\":3,"
		   "\"received\":3,\"torn\":0,\"cpus\":[{\"cpu\":0,"
		   "\"produced\":2,\"received\":2,\"lost\":0,\"torn\":0},"
		   "{\"cpu\":1,\"produced\":1,\"received\":1,\"lost\":0,"
		   "\"torn\":0}]}}\n",
		   "trace -e pio --json: the PIO record only, then the summary");
	tap_eq_str(r.err, "kvmwatch trace: 1 events, 0 lost (cpu0: 0, "
		   "cpu1: 0)\n", "trace --json: the counts on stderr too");
	run_free(&r);
	log = slurp_path(path_in("log"));
	tap_eq_str(log, "filter flags=0x8 pid=0 vcpu=0 vm=\n"
		   "ring_setup pages=2 flags=0x1\n"
		   "snapshot flags=0x7 buf_len=65536\n"
		   "enable families=0x4\n"
		   "snapshot flags=0x7 buf_len=65536\n"
		   "enable families=0\n",
		   "trace --vcpu --overwrite --pages 2: filter, rings, "
		   "one more snapshot for the unnamed VM");
	free(log);
	unlink(path_in("log"));

	/* More than a 2-page ring holds on CPU 1: the rest is lost. */
	f->len = 0;
	for (i = 0; i < 150; i++)
		ev_exit(f, 1, 1000 + i, 0x72, 0);
	ev_save(f, path_in("events"));
	run(&r, true, (char *[]){ CAPS_EVENTS, env_events, env_snap, NULL },
	    "--pages", "2", "--time", "0.1", NULL);
	fit = 2 * sysconf(_SC_PAGESIZE) / sizeof(struct kvmw_ev_exit);
	snprintf(want, sizeof(want), "kvmwatch trace: %d events, %d lost "
		 "(cpu0: 0, cpu1: %d)\n", fit, 150 - fit, 150 - fit);
	tap_eq_str(r.err, want, "trace, full ring: %d fit, the rest counted "
		   "lost on its CPU", fit);
	tap_eq_u64(r.status, 0, "trace, full ring: still exit 0");
	run_free(&r);

	/* kvm_watcher's -w table; halt_poll records left out. */
	f->len = 0;
	ev_hdr(&w.hdr, KVMW_EV_TYPE_WAKEUP, sizeof(w), 0, 879542671234831ULL,
	       2);
	w.halt_ns = 59877982;
	w.waited = 1;
	w.valid = 1;
	ev_add(f, &w);
	ev_hdr(&hp.hdr, KVMW_EV_TYPE_HALT_POLL, sizeof(hp), 0,
	       879542671234832ULL, 2);
	ev_add(f, &hp);
	ev_save(f, path_in("events"));
	run(&r, true, (char *[]){ CAPS_EVENTS, env_events, env_log, env_proc,
	    NULL }, "-e", "wakeup", "--min-duration", "2.5", "--time", "0.1", NULL);
	tap_eq_str(r.out,
		   "TIME(ms)           DUR_HALT(ms)         COMM            "
		   "PID/TID         VCPU_ID    WAIT/POLL  VAILD?    \n"
		   "879542671.234831   59.877982            -               "
		   "4242  /4243     2          wait       valid     \n",
		   "trace -e wakeup: kvm_watcher -w, no halt_poll row");
	tap_eq_str(r.err, "kvmwatch trace: 1 events, 0 lost (cpu0: 0, "
		   "cpu1: 0)\n", "trace -e wakeup: counts");
	run_free(&r);
	log = slurp_path(path_in("log"));
	tap_contains(log, "enable families=0x8\nenable min_duration=2500\n",
		     "trace --min-duration 2.5: 2500 ns, halt family");
	free(log);
	unlink(path_in("log"));

	/* -- COMMAND: its exit status; the filter is its process tree. */
	run(&r, true, (char *[]){ CAPS_EVENTS, env_events, env_log, env_proc,
	    NULL }, "-e", "halt", "--", "sh", "-c", "exit 3", NULL);
	tap_eq_u64(r.status, 3, "trace -- COMMAND: its exit status");
	tap_ok(!strncmp(r.out, "TIME(ms)           DUR_HALT(ms) ", 32) &&
	       strstr(r.out, "--> 0 \n"),
	       "trace -e halt: the -w header, halt_poll as an -n row");
	run_free(&r);
	log = slurp_path(path_in("log"));
	tap_ok(!strncmp(log, "filter flags=0x3 pid=", 21),
	       "trace -- COMMAND: filter on its pid and descendants");
	free(log);
	unlink(path_in("log"));
	run(&r, true, (char *[]){ CAPS_EVENTS, NULL }, "--",
	    "/nonexistent/cmd", NULL);
	tap_ok(r.status == 127 &&
	       strstr(r.err, "cannot run '/nonexistent/cmd'") &&
	       strstr(r.err, "kvmwatch trace: 0 events, 0 lost"),
	       "trace -- missing command: 127, counts still printed");
	run_free(&r);
	free(f);
}

static void test_fake_errors(void)
{
	struct run r;

	run(&r, true, NULL, "--time", "0.01", NULL);
	tap_ok(r.status == 1 && !*r.out &&
	       !strcmp(r.err, "kvmwatch: the module on /fake/kvmwatch has no "
		       "event stream (KVMW_CAP_EVENTS); install a matching "
		       "kvmwatch module\n"),
	       "trace, module without events: exit 1, one message");
	run_free(&r);

	run(&r, true, (char *[]){ CAPS_EVENTS, "KVMW_FAKE_ABI=2", NULL },
	    "--time", "0.01", NULL);
	tap_ok(r.status == 1 && strstr(r.err, "ABI"),
	       "trace, module of another ABI: exit 1");
	run_free(&r);
}

void test_trace_cli(void)
{
	bin = getenv("KVMW_TEST_BIN");
	dyn_bin = getenv("KVMW_TEST_DYN_BIN");
	fake_dev = getenv("KVMW_TEST_FAKE_DEV");

	if (!bin || access(bin, X_OK)) {
		tap_skip("KVMW_TEST_BIN not set", "trace command-line tests");
		return;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	test_usage();
	if (dyn_bin && fake_dev) {
		test_fake_runs();
		test_fake_errors();
	} else {
		tap_skip("KVMW_TEST_DYN_BIN/KVMW_TEST_FAKE_DEV not set",
			 "trace against the fake device");
	}
	unlink(path_in("snap"));
	unlink(path_in("events"));
	unlink(path_in("log"));
	rmdir(dir);
}
