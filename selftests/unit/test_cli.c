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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "tests.h"

#define FAKE_PATH	"/fake/kvmwatch"
#define NOBODY		65534

enum {
	RUN_FAKE = 1 << 0,		/* dynamic build + fake device */
	RUN_NOBODY = 1 << 1,		/* drop root first */
	RUN_STDOUT_FULL = 1 << 2,	/* stdout is /dev/full */
};

struct run {
	int status;	/* exit code; 128 + signal when killed */
	char *out;
	char *err;
};

static const char *bin, *dyn_bin, *fake_dev;
static char tmpdir[] = "/tmp/kvmwatch-unit.XXXXXX";

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

/* Run kvmwatch with NULL-terminated arguments; env is "NAME=VALUE"s. */
static void run(struct run *r, int flags, char *const *env, ...)
{
	const char *path = flags & RUN_FAKE ? dyn_bin : bin;
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
	static char *const cmds[] = { "version", "counters", "help" };
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
	"exits=42,entries=41";

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

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_CAPS=0x1c",
	    "KVMW_FAKE_RELEASE=6.1 \"q\" \\x", NULL }, "version", "-j", NULL);
	tap_contains(r.out, "\"caps\":28,\"cap_names\":[\"svm\",\"vmx\"],"
		     "\"release\":\"6.1 \\\"q\\\" \\\\x\"}",
		     "fake version -j: unknown cap bit only in mask, release escaped");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_CAPS=0x1c", NULL },
	    "version", NULL);
	tap_contains(r.out, "\ncaps     svm vmx bit4\n",
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
	tap_eq_str(r.out, "attach_state full\n"
		   "vms          1\n"
		   "vcpus        2\n"
		   "buffers      5\n"
		   "files        1\n"
		   "tracepoints  9\n"
		   "kprobes      2\n"
		   "kvm_loads    1\n"
		   "kvm_unloads  0\n"
		   "untracked    0\n"
		   "exits        42\n"
		   "entries      41\n", "fake counters: text");
	run_free(&r);

	run(&r, RUN_FAKE, env, "counters", "--json", NULL);
	tap_eq_u64(r.status, 0, "fake counters --json: exit 0");
	tap_eq_str(r.out, "{\"attach_state\":\"full\",\"vms\":1,\"vcpus\":2,"
		   "\"buffers\":5,\"files\":1,\"tracepoints\":9,\"kprobes\":2,"
		   "\"kvm_loads\":1,\"kvm_unloads\":0,\"untracked\":0,"
		   "\"exits\":42,\"entries\":41}\n",
		   "fake counters --json: one object");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_COUNTERS=attach_state=5",
	    NULL }, "counters", NULL);
	tap_ok(starts_with(r.out, "attach_state unknown (5)\n"),
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
		   "untracked 0\nexits 42\nentries 41\n",
		   "--save: file content");
	free(saved);

	run(&r, RUN_FAKE, env, "counters", "--expect-baseline", file, NULL);
	tap_eq_u64(r.status, 0, "--expect-baseline, unchanged: exit 0");
	tap_eq_str(r.err, "", "--expect-baseline, unchanged: silent");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_COUNTERS=attach_state=0,"
	    "vms=1,vcpus=2,buffers=5,files=1,exits=99,kvm_loads=3", NULL },
	    "counters", "--expect-baseline", file, NULL);
	tap_eq_u64(r.status, 0,
		   "--expect-baseline: non-baseline changes pass");
	run_free(&r);

	run(&r, RUN_FAKE, (char *[]){ "KVMW_FAKE_COUNTERS=attach_state=2,"
	    "vms=2,vcpus=2,buffers=5,files=2,untracked=1", NULL },
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

void test_cli(void)
{
	bin = getenv("KVMW_TEST_BIN");
	dyn_bin = getenv("KVMW_TEST_DYN_BIN");
	fake_dev = getenv("KVMW_TEST_FAKE_DEV");

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
	if (dyn_bin && fake_dev) {
		test_fake_version();
		test_fake_counters();
		test_fake_baseline();
	} else {
		tap_skip("KVMW_TEST_DYN_BIN/KVMW_TEST_FAKE_DEV not set",
			 "fake-device tests");
	}
	rmdir(tmpdir);
}
