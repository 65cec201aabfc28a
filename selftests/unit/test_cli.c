// SPDX-License-Identifier: GPL-2.0
/*
 * The kvmwatch command line, run as a user would: exit codes, messages,
 * help. Without the module, /dev/kvmwatch paths are exercised through
 * $KVMWATCH_DEVICE (a missing path, /dev/null, an unreadable file) and
 * through fake_dev.so preloaded into a dynamically linked build of the
 * same sources, which answers the ioctls like the module does.
 *
 * Environment (set by the Makefile): KVMW_TEST_BIN, the shipped static
 * binary; KVMW_TEST_DYN_BIN and KVMW_TEST_FAKE_DEV for the fake device.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snapbuild.h"
#include "tap.h"
#include "tests.h"

#define FAKE_PATH	"/fake/kvmwatch"
#define NOBODY		65534

enum {
	RUN_FAKE = 1 << 0,		/* dynamic build + fake device */
	RUN_NOBODY = 1 << 1,		/* drop root first */
	RUN_STDOUT_FULL = 1 << 2,	/* stdout is /dev/full */
	RUN_SIGINT = 1 << 3,		/* Ctrl-C once the fake logged "reset" */
	RUN_CHECKER = 1 << 4,		/* fake_check instead of kvmwatch */
};

struct run {
	int status;	/* exit code; 128 + signal when killed */
	char *out;
	char *err;
};

static const char *bin, *dyn_bin, *fake_dev, *fake_check;
static char tmpdir[] = "/tmp/kvmwatch-unit.XXXXXX";
/* The fake device's log that RUN_SIGINT watches. */
static char fake_log[sizeof(tmpdir) + 16];

static char *slurp_fd(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, len + 1);

	if (buf && len > 0 && pread(fd, buf, len, 0) != len)
		buf[0] = '\0';
	close(fd);
	return buf;
}

static int tmpfd(void)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);

	if (fd < 0) {
		perror("O_TMPFILE");
		exit(2);
	}
	return fd;
}

/* The child's environment: only what the test sets reaches kvmwatch. */
static void child_env(int flags, char *const *env)
{
	static const char *const clear[] = {
		"KVMWATCH_DEVICE", "LD_PRELOAD", "KVMW_FAKE_PATH",
		"KVMW_FAKE_OPEN_ERRNO", "KVMW_FAKE_ABI", "KVMW_FAKE_CAPS",
		"KVMW_FAKE_RELEASE", "KVMW_FAKE_KSIZE", "KVMW_FAKE_COUNTERS",
		"KVMW_FAKE_SNAPSHOT", "KVMW_FAKE_SNAP_ERRNO", "KVMW_FAKE_LOG",
		"KVMWATCH_PROC",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(clear); i++)
		unsetenv(clear[i]);
	if (flags & RUN_FAKE) {
		setenv("LD_PRELOAD", fake_dev, 1);
		setenv("KVMW_FAKE_PATH", FAKE_PATH, 1);
		setenv("KVMWATCH_DEVICE", FAKE_PATH, 1);
	}
	for (; env && *env; env++)
		putenv(*env);
}

static char *slurp_path(const char *path)
{
	int fd = open(path, O_RDONLY);

	return fd < 0 ? NULL : slurp_fd(fd);
}

/* Send SIGINT once kvmwatch took its baseline (at most 5 s). */
static void sigint_when_reset(pid_t pid)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 500; i++) {
		char *log = slurp_path(fake_log);
		bool reset = log && strstr(log, "reset\n");

		free(log);
		if (reset)
			break;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGINT);
}

/* Run kvmwatch with NULL-terminated arguments; env is "NAME=VALUE"s. */
static void run(struct run *r, int flags, char *const *env, ...)
{
	const char *path = flags & RUN_CHECKER ? fake_check :
			   flags & RUN_FAKE ? dyn_bin : bin;
	char *argv[16] = { "kvmwatch" };
	int out = tmpfd(), err = tmpfd(), argc = 1, st;
	va_list ap;
	pid_t pid;

	va_start(ap, env);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		child_env(flags, env);
		if (flags & RUN_STDOUT_FULL)
			out = open("/dev/full", O_WRONLY);
		dup2(out, 1);
		dup2(err, 2);
		if ((flags & RUN_NOBODY) &&
		    (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
			_exit(126);
		execv(path, argv);
		_exit(127);
	}
	if (flags & RUN_SIGINT)
		sigint_when_reset(pid);
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = slurp_fd(out);
	r->err = slurp_fd(err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static bool starts_with(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* No PT_INTERP program header: nothing for the initramfs to provide. */
static void test_static(void)
{
	int fd = open(bin, O_RDONLY);
	bool interp = false, ok = false;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int i;

	if (fd >= 0 && pread(fd, &eh, sizeof(eh), 0) == sizeof(eh) &&
	    !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64) {
		ok = true;
		for (i = 0; i < eh.e_phnum; i++) {
			if (pread(fd, &ph, sizeof(ph), eh.e_phoff +
				  (off_t)i * eh.e_phentsize) != sizeof(ph)) {
				ok = false;
				break;
			}
			interp |= ph.p_type == PT_INTERP;
		}
	}
	if (fd >= 0)
		close(fd);
	tap_ok(ok && !interp, "kvmwatch is statically linked (no PT_INTERP)");
}

static void test_usage_errors(void)
{
	struct run r;

	run(&r, 0, NULL, NULL);
	tap_eq_u64(r.status, 2, "no command: exit 2");
	tap_ok(starts_with(r.err, "Usage: kvmwatch "),
	       "no command: usage on stderr");
	tap_eq_str(r.out, "", "no command: nothing on stdout");
	run_free(&r);

	run(&r, 0, NULL, "bogus", NULL);
	tap_eq_u64(r.status, 2, "unknown command: exit 2");
	tap_eq_str(r.err, "kvmwatch: unknown command 'bogus'\n"
		   "Try 'kvmwatch --help'.\n", "unknown command: message");
	run_free(&r);

	run(&r, 0, NULL, "--bogus", NULL);
	tap_eq_u64(r.status, 2, "unknown global option: exit 2");
	tap_eq_str(r.err, "kvmwatch: unknown option '--bogus'\n"
		   "Try 'kvmwatch --help'.\n", "unknown global option: message");
	run_free(&r);

	run(&r, 0, NULL, "-x", "version", NULL);
	tap_eq_u64(r.status, 2, "unknown short global option: exit 2");
	tap_eq_str(r.err, "kvmwatch: unknown option '-x'\n"
		   "Try 'kvmwatch --help'.\n", "unknown short option: message");
	run_free(&r);

	run(&r, 0, NULL, "version", "--bogus", NULL);
	tap_eq_u64(r.status, 2, "version --bogus: exit 2");
	tap_eq_str(r.err, "kvmwatch version: unknown option '--bogus'\n"
		   "Try 'kvmwatch version --help'.\n",
		   "version --bogus: message names the command");
	run_free(&r);

	run(&r, 0, NULL, "counters", "-jq", NULL);
	tap_eq_u64(r.status, 2, "counters -jq: exit 2");
	tap_eq_str(r.err, "kvmwatch counters: unknown option '-q'\n"
		   "Try 'kvmwatch counters --help'.\n",
		   "counters -jq: the bad letter of a cluster");
	run_free(&r);

	run(&r, 0, NULL, "counters", "--json=yes", NULL);
	tap_eq_u64(r.status, 2, "counters --json=yes: exit 2");
	tap_eq_str(r.err, "kvmwatch counters: option '--json' takes no argument\n"
		   "Try 'kvmwatch counters --help'.\n",
		   "counters --json=yes: message");
	run_free(&r);

	run(&r, 0, NULL, "counters", "--save", NULL);
	tap_eq_u64(r.status, 2, "counters --save without FILE: exit 2");
	tap_eq_str(r.err, "kvmwatch counters: option '--save' needs an argument\n"
		   "Try 'kvmwatch counters --help'.\n",
		   "counters --save: message");
	run_free(&r);

	run(&r, 0, NULL, "counters", "--expect-baseline", NULL);
	tap_eq_u64(r.status, 2, "counters --expect-baseline without FILE: exit 2");
	run_free(&r);

	run(&r, 0, NULL, "version", "extra", NULL);
	tap_eq_u64(r.status, 2, "version extra: exit 2");
	tap_eq_str(r.err, "kvmwatch version: unexpected argument 'extra'\n"
		   "Try 'kvmwatch version --help'.\n", "version extra: message");
	run_free(&r);

	run(&r, 0, NULL, "help", "bogus", NULL);
	tap_eq_u64(r.status, 2, "help bogus: exit 2");
	tap_eq_str(r.err, "kvmwatch help: unknown command 'bogus'\n"
		   "Try 'kvmwatch help --help'.\n", "help bogus: message");
	run_free(&r);

	run(&r, 0, NULL, "help", "version", "counters", NULL);
	tap_eq_u64(r.status, 2, "help with two commands: exit 2");
	run_free(&r);

	/* Usage errors are found before the device is touched. */
	run(&r, 0, (char *[]){ "KVMWATCH_DEVICE=/nonexistent", NULL },
	    "counters", "--bogus", NULL);
	tap_eq_u64(r.status, 2, "usage error wins over a missing device");
	run_free(&r);
}

static void test_help(void)
{
	static char *const cmds[] = { "version", "counters", "stat", "help" };
	char want[64];
	struct run r, h, alt;
	size_t i;

	run(&r, 0, NULL, "--help", NULL);
	tap_eq_u64(r.status, 0, "--help: exit 0");
	tap_ok(starts_with(r.out, "Usage: kvmwatch [--help] COMMAND [ARGS]\n"),
	       "--help: usage on stdout");
	tap_eq_str(r.err, "", "--help: nothing on stderr");
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(want, sizeof(want), "\n  %-10s ", cmds[i]);
		tap_contains(r.out, want, "--help lists %s", cmds[i]);
	}
	tap_contains(r.out, "Exit status: 0 success, 1 runtime error",
		     "--help documents exit codes");

	run(&h, 0, NULL, "-h", NULL);
	tap_ok(h.status == 0 && !strcmp(h.out, r.out), "-h is --help");
	run_free(&h);
	run(&h, 0, NULL, "help", NULL);
	tap_ok(h.status == 0 && !strcmp(h.out, r.out), "help is --help");
	run_free(&h);
	run_free(&r);

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(want, sizeof(want), "Usage: kvmwatch %s", cmds[i]);
		run(&r, 0, NULL, cmds[i], "--help", NULL);
		tap_eq_u64(r.status, 0, "%s --help: exit 0", cmds[i]);
		tap_ok(starts_with(r.out, want), "%s --help: its usage",
		       cmds[i]);
		tap_eq_str(r.err, "", "%s --help: nothing on stderr", cmds[i]);

		run(&h, 0, NULL, "help", cmds[i], NULL);
		tap_ok(h.status == 0 && !strcmp(h.out, r.out),
		       "help %s is %s --help", cmds[i], cmds[i]);
		run(&alt, 0, NULL, cmds[i], "-h", NULL);
		tap_ok(alt.status == 0 && !strcmp(alt.out, r.out),
		       "%s -h is %s --help", cmds[i], cmds[i]);
		run_free(&alt);
		run_free(&h);
		run_free(&r);
	}
}

static void test_no_module(void)
{
	struct run r;

	run(&r, 0, (char *[]){ "KVMWATCH_DEVICE=/nonexistent/kvmwatch", NULL },
	    "version", NULL);
	tap_eq_u64(r.status, 1, "version, no device: exit 1");
	tap_eq_str(r.err, "kvmwatch: cannot open /nonexistent/kvmwatch: "
		   "No such file or directory; module not loaded?\n",
		   "version, no device: says module not loaded?");
	tap_eq_str(r.out, "kvmwatch " KVMW_TEST_VERSION " (abi 1)\n",
		   "version, no device: still prints the tool's version");
	run_free(&r);

	run(&r, 0, (char *[]){ "KVMWATCH_DEVICE=/nonexistent/kvmwatch", NULL },
	    "version", "--json", NULL);
	tap_eq_u64(r.status, 1, "version --json, no device: exit 1");
	tap_eq_str(r.out, "", "version --json, no device: no partial JSON");
	run_free(&r);

	run(&r, 0, (char *[]){ "KVMWATCH_DEVICE=/nonexistent/kvmwatch", NULL },
	    "counters", NULL);
	tap_eq_u64(r.status, 1, "counters, no device: exit 1");
	tap_contains(r.err, "; module not loaded?\n",
		     "counters, no device: says module not loaded?");
	run_free(&r);

	if (access("/dev/kvmwatch", F_OK) && errno == ENOENT) {
		run(&r, 0, NULL, "version", NULL);
		tap_eq_u64(r.status, 1, "version, default path: exit 1");
		tap_eq_str(r.err, "kvmwatch: cannot open /dev/kvmwatch: "
			   "No such file or directory; module not loaded?\n",
			   "version, default path: /dev/kvmwatch missing");
		run_free(&r);
	} else {
		tap_skip("/dev/kvmwatch exists", "version, default path: exit 1");
		tap_skip("/dev/kvmwatch exists", "version, default path: message");
	}

	run(&r, 0, (char *[]){ "KVMWATCH_DEVICE=/dev/null", NULL },
	    "version", NULL);
	tap_eq_u64(r.status, 1, "version on /dev/null: exit 1");
	tap_eq_str(r.err, "kvmwatch: KVMW_IOC_VERSION on /dev/null: "
		   "Inappropriate ioctl for device; not a kvmwatch device?\n",
		   "version on /dev/null: not a kvmwatch device");
	run_free(&r);

	run(&r, 0, (char *[]){ "KVMWATCH_DEVICE=/dev/null", NULL },
	    "counters", NULL);
	tap_eq_u64(r.status, 1, "counters on /dev/null: exit 1");
	run_free(&r);
}

/* EACCES from the file mode: as root, drop to nobody to see it. */
static void test_permission(void)
{
	char path[sizeof(tmpdir) + 16], env[sizeof(path) + 32];
	int flags = geteuid() == 0 ? RUN_NOBODY : 0;
	struct run r;
	int fd;

	snprintf(path, sizeof(path), "%s/dev", tmpdir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	chmod(path, flags ? 0600 : 0);
	snprintf(env, sizeof(env), "KVMWATCH_DEVICE=%s", path);

	run(&r, flags, (char *[]){ env, NULL }, "counters", NULL);
	if (r.status == 126 || r.status == 127) {
		tap_skip("cannot run kvmwatch as nobody", "EACCES: exit 1");
		tap_skip("cannot run kvmwatch as nobody", "EACCES: message");
	} else {
		tap_eq_u64(r.status, 1, "EACCES: exit 1");
		tap_contains(r.err, ": Permission denied; needs root "
			     "(CAP_SYS_ADMIN)\n", "EACCES: needs root");
	}
	run_free(&r);
	unlink(path);
}

static const char counters_spec[] =
	"KVMW_FAKE_COUNTERS=attach_state=2,vms=1,vcpus=2,buffers=5,files=1,"
	"tracepoints=9,kprobes=2,kvm_loads=1,kvm_unloads=0,untracked=0,"
	"exits=42,entries=41,gone_vms=3,gone_vcpus=4,stats_consumers=1";

static void test_fake_version(void)
{
	struct run r;

	run(&r, RUN_FAKE, NULL, "version", NULL);
	tap_eq_u64(r.status, 0, "fake version: exit 0");
	tap_eq_str(r.out, "kvmwatch " KVMW_TEST_VERSION " (abi 1)\n"
		   "module   0.1.0 (abi 1)\n"
		   "caps     tracepoints kprobes\n"
		   "kernel   6.1.0-test\n", "fake version: text");
	tap_eq_str(r.err, "", "fake version: nothing on stderr");
	run_free(&r);

	run(&r, RUN_FAKE, NULL, "version", "--json", NULL);
	tap_eq_u64(r.status, 0, "fake version --json: exit 0");
	tap_eq_str(r.out, "{\"tool\":{\"version\":\"" KVMW_TEST_VERSION
		   "\",\"abi\":1},\"module\":{\"abi\":1,\"major\":0,"
		   "\"minor\":1,\"patch\":0,\"caps\":3,\"cap_names\":"
		   "[\"tracepoints\",\"kprobes\"],\"release\":\"6.1.0-test\"}}\n",
		   "fake version --json: one object");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_CAPS=0x4c",
	    "KVMW_FAKE_RELEASE=6.1 \"q\" \\x", NULL }, "version", "-j", NULL);
	tap_contains(r.out, "\"caps\":76,\"cap_names\":[\"svm\",\"vmx\"],"
		     "\"release\":\"6.1 \\\"q\\\" \\\\x\"}",
		     "fake version -j: unknown cap bit only in mask, release escaped");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_CAPS=0x4c", NULL },
	    "version", NULL);
	tap_contains(r.out, "\ncaps     svm vmx bit6\n",
		     "fake version: unknown cap bit shown as bitN");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_CAPS=0", NULL }, "version",
	    NULL);
	tap_contains(r.out, "\ncaps     none\n", "fake version: no caps");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_ABI=2", NULL }, "version",
	    NULL);
	tap_eq_u64(r.status, 0, "fake version, other ABI: still exit 0");
	tap_contains(r.out, "\nmodule   0.1.0 (abi 2)\n",
		     "fake version, other ABI: shown");
	tap_eq_str(r.err, "kvmwatch: warning: module ABI 2 differs from "
		   "this tool's ABI 1\n", "fake version, other ABI: warned");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_KSIZE=40", NULL }, "version",
	    NULL);
	tap_eq_u64(r.status, 1, "fake version, short struct: exit 1");
	tap_eq_str(r.err, "kvmwatch: KVMW_IOC_VERSION on " FAKE_PATH
		   ": module filled 40 bytes, fewer than the 88 of the first "
		   "version\n", "fake version, short struct: message");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_KSIZE=120", NULL }, "version",
	    NULL);
	tap_eq_u64(r.status, 0, "fake version, newer module's bigger struct: ok");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_OPEN_ERRNO=1", NULL },
	    "version", NULL);
	tap_eq_u64(r.status, 1, "fake EPERM: exit 1");
	tap_eq_str(r.err, "kvmwatch: cannot open " FAKE_PATH ": Operation "
		   "not permitted; needs root (CAP_SYS_ADMIN)\n",
		   "fake EPERM (the module's capable() check): needs root");
	run_free(&r);

	run(&r, RUN_FAKE | RUN_STDOUT_FULL, NULL, "version", NULL);
	tap_eq_u64(r.status, 1, "stdout on /dev/full: exit 1");
	tap_eq_str(r.err, "kvmwatch: error writing standard output\n",
		   "stdout on /dev/full: reported");
	run_free(&r);
}

static void test_fake_counters(void)
{
	char *env[] = { (char *)counters_spec, NULL };
	struct run r;

	run(&r, RUN_FAKE, env, "counters", NULL);
	tap_eq_u64(r.status, 0, "fake counters: exit 0");
	tap_eq_str(r.out, "attach_state    full\n"
		   "vms             1\n"
		   "vcpus           2\n"
		   "buffers         5\n"
		   "files           1\n"
		   "tracepoints     9\n"
		   "kprobes         2\n"
		   "kvm_loads       1\n"
		   "kvm_unloads     0\n"
		   "untracked       0\n"
		   "exits           42\n"
		   "entries         41\n"
		   "gone_vms        3\n"
		   "gone_vcpus      4\n"
		   "alloc_failures  0\n"
		   "stats_consumers 1\n"
		   "unbound         0\n", "fake counters: text");
	run_free(&r);

	run(&r, RUN_FAKE, env, "counters", "--json", NULL);
	tap_eq_u64(r.status, 0, "fake counters --json: exit 0");
	tap_eq_str(r.out, "{\"attach_state\":\"full\",\"vms\":1,\"vcpus\":2,"
		   "\"buffers\":5,\"files\":1,\"tracepoints\":9,\"kprobes\":2,"
		   "\"kvm_loads\":1,\"kvm_unloads\":0,\"untracked\":0,"
		   "\"exits\":42,\"entries\":41,\"gone_vms\":3,"
		   "\"gone_vcpus\":4,\"alloc_failures\":0,"
		   "\"stats_consumers\":1,\"unbound\":0}\n",
		   "fake counters --json: one object");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ (char *)counters_spec,
	    "KVMW_FAKE_KSIZE=96", NULL }, "counters", NULL);
	tap_eq_u64(r.status, 0, "fake counters, older module (96 bytes): exit 0");
	tap_ok(strstr(r.out, "entries         41\n") &&
	       !strstr(r.out, "gone_vms"),
	       "fake counters, older module: only the fields it filled");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_COUNTERS=attach_state=5",
	    NULL }, "counters", NULL);
	tap_ok(starts_with(r.out, "attach_state    unknown (5)\n"),
	       "fake counters: unknown attach state");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_ABI=2", NULL }, "counters",
	    NULL);
	tap_eq_u64(r.status, 1, "fake counters, other ABI: exit 1");
	tap_eq_str(r.err, "kvmwatch: module ABI 2, this kvmwatch speaks ABI "
		   "1; install matching versions\n",
		   "fake counters, other ABI: refused");
	tap_eq_str(r.out, "", "fake counters, other ABI: nothing printed");
	run_free(&r);
}

static void test_fake_baseline(void)
{
	char file[sizeof(tmpdir) + 16], want[256];
	char *env[] = { (char *)counters_spec, NULL };
	char *saved = NULL;
	struct run r;
	int fd;

	snprintf(file, sizeof(file), "%s/base", tmpdir);
	run(&r, RUN_FAKE, env, "counters", "--save", file, NULL);
	tap_eq_u64(r.status, 0, "--save: exit 0");
	run_free(&r);
	fd = open(file, O_RDONLY);
	if (fd >= 0)
		saved = slurp_fd(fd);
	tap_eq_str(saved,
		   "# kvmwatch counters baseline\n"
		   "# files excludes the saving kvmwatch's own open file\n"
		   "attach_state full\nvms 1\nvcpus 2\nbuffers 5\nfiles 0\n"
		   "tracepoints 9\nkprobes 2\nkvm_loads 1\nkvm_unloads 0\n"
		   "untracked 0\nexits 42\nentries 41\ngone_vms 3\n"
		   "gone_vcpus 4\nalloc_failures 0\nstats_consumers 1\n"
		   "unbound 0\n",
		   "--save: file content");
	free(saved);

	run(&r, RUN_FAKE, env, "counters", "--expect-baseline", file, NULL);
	tap_eq_u64(r.status, 0, "--expect-baseline, unchanged: exit 0");
	tap_eq_str(r.err, "", "--expect-baseline, unchanged: silent");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_COUNTERS=attach_state=0,"
	    "vms=1,vcpus=2,buffers=5,files=1,exits=99,kvm_loads=3,stats_consumers=1", NULL },
	    "counters", "--expect-baseline", file, NULL);
	tap_eq_u64(r.status, 0,
		   "--expect-baseline: non-baseline changes pass");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_COUNTERS=attach_state=2,"
	    "vms=2,vcpus=2,buffers=5,files=2,untracked=1,stats_consumers=1", NULL },
	    "counters", "--json", "--expect-baseline", file, NULL);
	tap_eq_u64(r.status, 1, "--expect-baseline, leak: exit 1");
	snprintf(want, sizeof(want),
		 "kvmwatch: counters differ from baseline %s:\n"
		 "  vms: baseline 1, now 2\n"
		 "  files: baseline 0, now 1\n"
		 "  untracked: baseline 0, now 1\n", file);
	tap_eq_str(r.err, want, "--expect-baseline, leak: lists each one");
	tap_ok(starts_with(r.out, "{\"attach_state\":"),
	       "--expect-baseline, leak: counters still printed");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_COUNTERS=vms=1,vcpus=2,"
	    "buffers=5,files=1,gone_vms=9,gone_vcpus=9,stats_consumers=1",
	    NULL }, "counters", "--expect-baseline", file, NULL);
	tap_eq_u64(r.status, 0,
		   "--expect-baseline: gone VMs kept for readers are no leak");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_COUNTERS=vms=1,vcpus=2,"
	    "buffers=5,files=1,alloc_failures=2,stats_consumers=1", NULL },
	    "counters", "--expect-baseline", file, NULL);
	tap_eq_u64(r.status, 1, "--expect-baseline, alloc_failures grew: exit 1");
	snprintf(want, sizeof(want),
		 "kvmwatch: counters differ from baseline %s:\n"
		 "  alloc_failures: baseline 0, now 2\n", file);
	tap_eq_str(r.err, want, "--expect-baseline, alloc_failures: listed");
	run_free(&r);

	run(&r, RUN_FAKE, env, "counters", "--save", "/dev/full", NULL);
	tap_eq_u64(r.status, 1, "--save to a full disk: exit 1");
	tap_eq_str(r.err, "kvmwatch: cannot write /dev/full: No space left "
		   "on device\n", "--save to a full disk: reported");
	run_free(&r);

	run(&r, RUN_FAKE, env, "counters", "--expect-baseline",
	    "/nonexistent", NULL);
	tap_eq_u64(r.status, 1, "--expect-baseline, no file: exit 1");
	tap_eq_str(r.err, "kvmwatch: cannot read baseline /nonexistent: No "
		   "such file or directory\n",
		   "--expect-baseline, no file: message");
	run_free(&r);

	fd = open(file, O_WRONLY | O_TRUNC);
	if (write(fd, "vms 1\nvcpus x\n", 14) != 14)
		tap_diag("short write to %s", file);
	close(fd);
	/* A bad baseline is reported even without a device. */
	run(&r, 0, (char *[]){ "KVMWATCH_DEVICE=/nonexistent", NULL },
	    "counters", "--expect-baseline", file, NULL);
	tap_eq_u64(r.status, 1, "--expect-baseline, bad file: exit 1");
	snprintf(want, sizeof(want), "kvmwatch: baseline %s: line 2: 'x' is "
		 "not a decimal count\n", file);
	tap_eq_str(r.err, want, "--expect-baseline, bad file: names the line");
	run_free(&r);
	unlink(file);
}

/* Path of a file in the test's directory. */
static char *tmp_path(const char *name)
{
	static char paths[8][sizeof(tmpdir) + 32];
	static unsigned int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return p;
}

static const u64 c_hlt_a[] = { 1000, 3000 };
static const u64 c_hlt_b[] = { 4000 };
static const u64 c_io[] = { 2000 };
static const u64 c_pm[] = { 3000, 5000 };

/* VM 100-11 (hlt, io, a port; a RIP), VM 200-12 gone (hlt). */
static void save_stream(const char *path)
{
	struct sb b;

	sb_init(&b);
	sb_vm(&b, 100, "100-11", 1, 0, 1);
	sb_vcpu(&b, 0, 101, KVMW_ISA_SVM, 3, 1);
	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x78, 0, c_hlt_a, 2, 1, 0);
	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x7b, 0, c_io, 1, 1, 0);
	sb_stat(&b, KVMW_STAT_IOPORT, KVMW_SUB_READ, 0, 0x608, c_pm, 2, 0, 0);
	sb_rip(&b, 0x78, 0xffffffff81000010ULL, 2);
	sb_vm(&b, 200, "200-12", 1, KVMW_VM_GONE, 2);
	sb_vcpu(&b, 0, 201, KVMW_ISA_SVM, 1, 0);
	sb_stat(&b, KVMW_STAT_EXIT, 0, 0x78, 0, c_hlt_b, 1, 1, 0);
	if (sb_save(&b, path))
		tap_diag("cannot write %s", path);
	sb_free(&b);
}

/* One VM with @rows exit rows with histograms: bigger than 64 KiB. */
static void save_big_stream(const char *path, unsigned int rows)
{
	struct sb b;
	unsigned int i;

	sb_init(&b);
	sb_vm(&b, 300, "300-1", 1, 0, 3);
	sb_vcpu(&b, 0, 301, KVMW_ISA_SVM, rows, 0);
	for (i = 0; i < rows; i++)
		sb_stat(&b, KVMW_STAT_EXIT, 0, 0x1000 + i, 0, c_io, 1, 1, 0);
	if (sb_save(&b, path))
		tap_diag("cannot write %s", path);
	sb_free(&b);
}

static const char stat_table[] =
	"\n\nAnalyze events for all VMs, all VCPUs:\n\n"
	"             VM-EXIT    Samples  Samples%     Time%    Min Time"
	"    Max Time         Avg time \n\n"
	"                 hlt          3    75.00%    80.00%      1.00us"
	"      4.00us      2.67us ( +-  33.07% )\n"
	"                  io          1    25.00%    20.00%      2.00us"
	"      2.00us      2.00us ( +-   0.00% )\n"
	"\nTotal Samples:4, Total events handled time:10.00us.\n\n";

static char env_snap[sizeof(tmpdir) + 64], env_log[sizeof(tmpdir) + 64];

static void stat_usage_error(const char *what, const char *want_err, ...)
{
	char *argv[12] = { "stat" };
	int argc = 1;
	struct run r;
	va_list ap;

	va_start(ap, want_err);
	while (argc < 11 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	/* The device must not matter: usage errors come first. */
	run(&r, 0, (char *[]){ "KVMWATCH_DEVICE=/nonexistent", NULL },
	    argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6],
	    argv[7], argv[8], argv[9], argv[10], NULL);
	tap_eq_u64(r.status, 2, "stat %s: exit 2", what);
	tap_contains(r.err, want_err, "stat %s: message", what);
	tap_contains(r.err, "Try 'kvmwatch stat --help'.\n",
		     "stat %s: points to --help", what);
	run_free(&r);
}

static void test_stat_usage(void)
{
	stat_usage_error("--interval 0", "kvmwatch stat: invalid interval '0' "
			 "(a positive number of seconds)\n", "--interval", "0",
			 NULL);
	stat_usage_error("-d x", "invalid interval 'x'", "-d", "x", NULL);
	stat_usage_error("-d -1", "invalid interval '-1'", "-d", "-1", NULL);
	stat_usage_error("-d inf", "invalid interval 'inf'", "-d", "inf", NULL);
	stat_usage_error("--time 1e9", "invalid time '1e9'", "--time", "1e9",
			 NULL);
	stat_usage_error("--time 2s", "invalid time '2s'", "--time", "2s",
			 NULL);
	stat_usage_error("--event foo", "kvmwatch stat: unknown event 'foo' "
			 "(vmexit, ioport, mmio or msr)\n", "--event", "foo",
			 NULL);
	stat_usage_error("--key total", "kvmwatch stat: unknown key 'total' "
			 "(sample, time, max, min or mean)\n", "--key", "total",
			 NULL);
	stat_usage_error("-p 0", "invalid PID '0'", "-p", "0", NULL);
	stat_usage_error("-p 12x", "invalid PID '12x'", "-p", "12x", NULL);
	stat_usage_error("-p 99999999999", "invalid PID '99999999999'", "-p",
			 "99999999999", NULL);
	stat_usage_error("--vcpu -1", "invalid vCPU '-1'", "--vcpu", "-1",
			 NULL);
	stat_usage_error("--vm too long", "invalid VM id", "--vm",
			 "123456789012345678901234567890123", NULL);
	stat_usage_error("--vm ''", "invalid VM id", "--vm", "", NULL);
	stat_usage_error("-p with --", "-p and -- COMMAND conflict", "-p", "1",
			 "--", "true", NULL);
	stat_usage_error("--time with --", "--time and -- COMMAND conflict",
			 "--time", "1", "--", "true", NULL);
	stat_usage_error("--hist --event msr", "--hist needs --event vmexit",
			 "--hist", "--event", "msr", NULL);
	stat_usage_error("--rips --event ioport", "--rips needs --event vmexit",
			 "--rips", "--event", "ioport", NULL);
	stat_usage_error("operand without --", "unexpected argument 'true' "
			 "(a command goes after --)", "true", NULL);
	stat_usage_error("-- alone", "'--' must be followed by a command", "--",
			 NULL);
	stat_usage_error("--event without value", "option '--event' needs an "
			 "argument", "--event", NULL);
	stat_usage_error("--bogus", "unknown option '--bogus'", "--bogus", NULL);
}

static char *fake_log_text(void)
{
	char *t = slurp_path(fake_log);

	unlink(fake_log);
	return t;
}

static void test_stat_fake(void)
{
	char *env[] = { env_snap, env_log, NULL };
	char want[512], *log;
	struct run r;
	pid_t pid;

	save_stream(tmp_path("snap"));
	snprintf(env_snap, sizeof(env_snap), "KVMW_FAKE_SNAPSHOT=%s",
		 tmp_path("snap"));
	snprintf(fake_log, sizeof(fake_log), "%s/log", tmpdir);
	snprintf(env_log, sizeof(env_log), "KVMW_FAKE_LOG=%s", fake_log);
	unlink(fake_log);

	run(&r, RUN_FAKE, env, "stat", "--time", "0.05", NULL);
	tap_eq_u64(r.status, 0, "stat --time: exit 0");
	tap_eq_str(r.out, stat_table, "stat --time: perf's table");
	tap_eq_str(r.err, "", "stat --time: nothing on stderr");
	log = fake_log_text();
	tap_eq_str(log, "enable families=0x1\nreset\n"
		   "snapshot flags=0x7 buf_len=65536\n",
		   "stat --time: enable, baseline, one snapshot without "
		   "histograms, breakdowns or RIPs");
	free(log);
	run_free(&r);

	run(&r, RUN_FAKE | RUN_SIGINT, env, "stat", NULL);
	tap_eq_u64(r.status, 0, "stat until Ctrl-C: exit 0");
	tap_eq_str(r.out, stat_table, "stat until Ctrl-C: the report");
	free(fake_log_text());
	run_free(&r);

	run(&r, RUN_FAKE, env, "stat", "-p", "100", "--vm", "100-11",
	    "--vcpu", "0", "--time", "0.01", NULL);
	tap_eq_u64(r.status, 0, "stat -p --vm --vcpu: exit 0");
	tap_ok(starts_with(r.out, "\n\nAnalyze events for pid(s) 100, VM "
			   "100-11, VCPU 0:\n"), "stat -p --vm --vcpu: header");
	log = fake_log_text();
	tap_contains(log, "enable families=0x1\nfilter flags=0xd pid=100 "
		     "vcpu=0 vm=100-11\nreset\n",
		     "stat -p --vm --vcpu: filter set before the baseline");
	free(log);
	run_free(&r);

	run(&r, RUN_FAKE, env, "stat", "--event", "ioport", "--key", "time",
	    "--time", "0.01", NULL);
	tap_contains(r.out, "      IO Port Access    Samples", "--event ioport: "
		     "perf's header");
	tap_contains(r.out, "           0x608:PIN          2   100.00%   "
		     "100.00%      3.00us      5.00us      4.00us ( +-  25.00% )"
		     "  ACPI_PM_TMR\n", "--event ioport: row with its name");
	log = fake_log_text();
	tap_contains(log, "snapshot flags=0x5 ", "--event ioport: breakdowns "
		     "asked for");
	free(log);
	run_free(&r);

	run(&r, RUN_FAKE, env, "stat", "--hist", "--rips", "--time", "0.01",
	    NULL);
	tap_contains(r.out, "\n@hlt: handling time, ns; 3 samples\n"
		     "[512, 1K)              1 |", "--hist: per-reason histogram");
	tap_contains(r.out, "                 hlt 0xffffffff81000010          2"
		     "   100.00%\n", "--rips: top RIPs");
	free(fake_log_text());
	run_free(&r);

	run(&r, RUN_FAKE, env, "stat", "--json", "--time", "0.01", NULL);
	tap_eq_u64(r.status, 0, "stat --json: exit 0");
	tap_ok(starts_with(r.out, "{\"event\":\"vmexit\",\"start_ns\":"),
	       "stat --json: one object");
	tap_contains(r.out, "\"vm\":\"200-12\",\"pid\":200,\"ppid\":1,"
		     "\"name\":null,", "stat --json: gone VM listed, name null");
	tap_contains(r.out, "\"gone\":true,", "stat --json: gone flag");
	tap_ok(r.out && strchr(r.out, '\n') == r.out + strlen(r.out) - 1,
	       "stat --json: a single line");
	log = fake_log_text();
	tap_contains(log, "snapshot flags=0x2 ", "--json: histograms and RIPs "
		     "asked for");
	free(log);
	run_free(&r);

	run(&r, RUN_FAKE, env, "stat", "--json", "-d", "0.04", "--time", "0.1",
	    NULL);
	tap_eq_u64(r.status, 0, "stat --json -d: exit 0");
	tap_ok(starts_with(r.out, "{\"interval\":1,") &&
	       strstr(r.out, "}\n{\"interval\":2,") &&
	       strstr(r.out, "}\n{\"interval\":3,") &&
	       !strstr(r.out, "\"interval\":4,"),
	       "stat --json -d 0.04 --time 0.1: intervals 1, 2 and a last "
	       "partial 3, one per line");
	log = fake_log_text();
	tap_ok(log && !strncmp(log, "enable families=0x1\nreset\nsnapshot",
			       34) && strstr(log, "snapshot flags=0x12 ") &&
	       strstr(strstr(log, "snapshot flags=0x12 ") + 1,
		      "snapshot flags=0x12 ") &&
	       !strstr(strstr(log, "snapshot") + 1, "\nreset\n"),
	       "stat -d: each interval's snapshot resets in the same ioctl");
	free(log);
	run_free(&r);

	run(&r, RUN_FAKE, env, "stat", "-d", "0.05", "--time", "0.07", NULL);
	tap_ok(r.out && r.out[2] == ':' && r.out[5] == ':' && r.out[8] == '.' &&
	       strstr(r.out, "\n\nAnalyze events for all VMs"),
	       "stat -d: each table after perf live's HH:MM:SS.uuuuuu");
	free(fake_log_text());
	run_free(&r);

	/* -- COMMAND: filter and baseline before the command runs. */
	snprintf(want, sizeof(want), "echo child >> %s; exit 7", fake_log);
	run(&r, RUN_FAKE, env, "stat", "--", "sh", "-c", want, NULL);
	tap_eq_u64(r.status, 7, "stat -- COMMAND: the command's exit status");
	tap_ok(starts_with(r.out, "\n\nAnalyze events for pid(s) "),
	       "stat -- COMMAND: its VMs, by pid");
	log = fake_log_text();
	pid = 0;
	tap_ok(log && sscanf(log, "enable families=0x1\nfilter flags=0x3 "
			     "pid=%d ", &pid) == 1 && pid > 0,
	       "stat -- COMMAND: filter on its pid and descendants");
	tap_ok(log && strstr(log, " vm=\nreset\nchild\nsnapshot "),
	       "stat -- COMMAND: filter, baseline, then the command, then "
	       "the snapshot");
	free(log);
	run_free(&r);

	run(&r, RUN_FAKE, env, "stat", "--", "sh", "-c", "kill -TERM $$",
	    NULL);
	tap_eq_u64(r.status, 128 + SIGTERM,
		   "stat -- COMMAND killed by SIGTERM: 128 + 15");
	free(fake_log_text());
	run_free(&r);

	run(&r, RUN_FAKE, env, "stat", "--", "/nonexistent/cmd", NULL);
	tap_eq_u64(r.status, 127, "stat -- missing command: exit 127");
	tap_eq_str(r.err, "kvmwatch: cannot run '/nonexistent/cmd': No such "
		   "file or directory\n", "stat -- missing command: message");
	free(fake_log_text());
	run_free(&r);

	run(&r, RUN_FAKE | RUN_SIGINT, env, "stat", "--", "sleep", "0.3",
	    NULL);
	tap_eq_u64(r.status, 128 + SIGINT,
		   "stat -- COMMAND: SIGINT sent to kvmwatch alone reaches "
		   "the command; its status is returned");
	tap_contains(r.out, "Total Samples:", "... and the report is printed");
	free(fake_log_text());
	run_free(&r);
}

static void test_stat_fake_errors(void)
{
	char env_big[sizeof(tmpdir) + 64], env_bad[sizeof(tmpdir) + 64];
	char *log;
	struct run r;
	int fd;

	save_big_stream(tmp_path("big"), 250);
	snprintf(env_big, sizeof(env_big), "KVMW_FAKE_SNAPSHOT=%s",
		 tmp_path("big"));
	run(&r, RUN_FAKE, (char *[]){ env_big, env_log, NULL }, "stat",
	    "--time", "0.01", NULL);
	tap_eq_u64(r.status, 0, "snapshot above 64 KiB: exit 0");
	tap_contains(r.out, "Total Samples:250,", "snapshot above 64 KiB: all rows");
	log = fake_log_text();
	tap_ok(log && strstr(log, "snapshot ENOSPC used=") &&
	       strstr(log, "\nsnapshot flags=0x7 buf_len=") &&
	       !strstr(log, "buf_len=65536"),
	       "snapshot above 64 KiB: ENOSPC, retried with the size needed");
	free(log);
	run_free(&r);

	fd = open(tmp_path("bad"), O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (write(fd, "\x01\x00\x00\x00\x0c\x00\x00\x00", 8) != 8)
		tap_diag("short write");
	close(fd);
	snprintf(env_bad, sizeof(env_bad), "KVMW_FAKE_SNAPSHOT=%s",
		 tmp_path("bad"));
	run(&r, RUN_FAKE, (char *[]){ env_bad, NULL }, "stat", "--time",
	    "0.01", NULL);
	tap_eq_u64(r.status, 1, "malformed stream: exit 1");
	tap_eq_str(r.err, "kvmwatch: KVMW_IOC_SNAPSHOT on /fake/kvmwatch: "
		   "malformed record stream; module and tool disagree\n",
		   "malformed stream: message");
	tap_eq_str(r.out, "", "malformed stream: no partial report");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ env_snap, "KVMW_FAKE_SNAP_ERRNO=7", NULL },
	    "stat", "--time", "0.01", NULL);
	tap_eq_u64(r.status, 1, "snapshot E2BIG: exit 1");
	tap_eq_str(r.err, "kvmwatch: KVMW_IOC_SNAPSHOT on /fake/kvmwatch: "
		   "Argument list too long\n", "snapshot E2BIG: message");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ env_snap, "KVMW_FAKE_ABI=2", NULL },
	    "stat", "--time", "0.01", NULL);
	tap_eq_u64(r.status, 1, "stat, other ABI: exit 1");
	run_free(&r);

	run(&r, 0, (char *[]){ "KVMWATCH_DEVICE=/nonexistent/kvmwatch", NULL },
	    "stat", "--time", "0.01", NULL);
	tap_eq_u64(r.status, 1, "stat, no device: exit 1");
	tap_contains(r.err, "module not loaded?", "stat, no device: message");
	run_free(&r);
}

/* The fake refuses what the module refuses (copy_struct_from_user()). */
static void test_fake_validates(void)
{
	struct run r;

	if (!fake_check) {
		tap_skip("KVMW_TEST_FAKE_CHECK not set", "fake device validation");
		return;
	}
	run(&r, RUN_FAKE | RUN_CHECKER, NULL, NULL);
	tap_eq_str(r.out,
		   "enable stats: ok\n"
		   "enable size below VER0: EINVAL\n"
		   "enable flags: EINVAL\n"
		   "enable unknown family: EINVAL\n"
		   "enable events without rings: EINVAL\n"
		   "enable larger, non-zero tail: E2BIG\n"
		   "enable larger, zero tail: ok\n"
		   "filter none: ok\n"
		   "filter unknown flag: EINVAL\n"
		   "filter tree without pid: EINVAL\n"
		   "filter pid 0: EINVAL\n"
		   "filter vcpu -1: EINVAL\n"
		   "filter vm unterminated: EINVAL\n"
		   "filter size below VER0: EINVAL\n"
		   "snapshot: ok\n"
		   "snapshot unknown flag: EINVAL\n"
		   "snapshot size below VER0: EINVAL\n"
		   "reset: ok\n"
		   "reset with an argument: EINVAL\n",
		   "fake device validates sizes, flags and fields like the "
		   "module");
	run_free(&r);
}

/* A VM destroyed before the window opened is left out. */
static void test_stat_gone_before(void)
{
	char env_g[sizeof(tmpdir) + 64];
	struct kvmw_rec_vm vm;
	struct run r;
	struct sb b;

	sb_init(&b);
	memset(&vm, 0, sizeof(vm));
	vm.hdr.type = KVMW_REC_VM;
	vm.hdr.len = sizeof(vm);
	vm.pid = 9;
	vm.flags = KVMW_VM_GONE;
	vm.created_ns = 1;
	vm.gone_ns = 2;
	snprintf(vm.id, sizeof(vm.id), "9-9");
	sb_raw(&b, &vm, sizeof(vm));
	sb_vm(&b, 100, "100-11", 0, 0, 1);
	sb_save(&b, tmp_path("gone"));
	sb_free(&b);
	snprintf(env_g, sizeof(env_g), "KVMW_FAKE_SNAPSHOT=%s", tmp_path("gone"));
	run(&r, RUN_FAKE, (char *[]){ env_g, NULL }, "stat", "--json", "--time",
	    "0.01", NULL);
	tap_ok(r.status == 0 && r.out && !strstr(r.out, "\"9-9\"") &&
	       strstr(r.out, "\"100-11\""),
	       "VM destroyed before the window: left out of the report");
	run_free(&r);
	unlink(tmp_path("gone"));
}

static void test_stat_anomalies(void)
{
	char env_an[sizeof(tmpdir) + 64];
	struct kvmw_rec_vcpu v;
	struct run r;
	struct sb b;

	sb_init(&b);
	sb_vm(&b, 1, "1-1", 1, 0, 1);
	memset(&v, 0, sizeof(v));
	v.isa = KVMW_ISA_SVM;
	v.nr_stats = 1;
	v.decode_errors = 4;
	sb_vcpu_rec(&b, &v);
	sb_stat(&b, KVMW_STAT_EXIT, 0, KVMW_CODE_OTHER, 0, c_io, 1, 0, 0);
	sb_save(&b, tmp_path("anomalies"));
	sb_free(&b);
	snprintf(env_an, sizeof(env_an), "KVMW_FAKE_SNAPSHOT=%s",
		 tmp_path("anomalies"));
	run(&r, RUN_FAKE, (char *[]){ env_an, NULL }, "stat", "--time",
	    "0.01", NULL);
	tap_eq_u64(r.status, 0, "anomalies: still exit 0");
	tap_contains(r.out, "               other          1   100.00%",
		     "anomalies: KVMW_CODE_OTHER row printed as other");
	tap_eq_str(r.err, "kvmwatch: warning: 1 vCPU with anomalies "
		   "(decode_errors 4); see kvmwatch-stat(8)\n",
		   "anomalies: one warning line");
	run_free(&r);
}

void test_cli(void)
{
	bin = getenv("KVMW_TEST_BIN");
	dyn_bin = getenv("KVMW_TEST_DYN_BIN");
	fake_dev = getenv("KVMW_TEST_FAKE_DEV");
	fake_check = getenv("KVMW_TEST_FAKE_CHECK");

	if (!bin || access(bin, X_OK)) {
		tap_skip("KVMW_TEST_BIN not set", "command-line tests");
		return;
	}
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(2);
	}
	test_static();
	test_usage_errors();
	test_help();
	test_no_module();
	test_permission();
	test_stat_usage();
	if (dyn_bin && fake_dev) {
		test_fake_version();
		test_fake_counters();
		test_fake_baseline();
		test_stat_fake();
		test_stat_fake_errors();
		test_stat_anomalies();
		test_stat_gone_before();
		test_fake_validates();
	} else {
		tap_skip("KVMW_TEST_DYN_BIN/KVMW_TEST_FAKE_DEV not set",
			 "fake-device tests");
	}
	unlink(tmp_path("snap"));
	unlink(tmp_path("big"));
	unlink(tmp_path("bad"));
	unlink(tmp_path("anomalies"));
	unlink(fake_log);
	rmdir(tmpdir);
}
