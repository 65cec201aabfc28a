// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink side of the command line, run as a user would, without the
 * module: "stat --via" and "monitor" usage errors (exit 2, exact messages,
 * before any socket is opened) and a family that is not there (exit 1,
 * "module not loaded?"), asked for under a name no module has
 * ($KVMWATCH_NL_FAMILY) so the host's own kvmwatch, if any, stays out of
 * it. The host's ISA is whatever $KVMWATCH_SYS and $KVMWATCH_PROC say.
 * And the static link: libnl's NSS lookups go to kvmwatch's stand-ins,
 * glibc's are not in the binary (tools/Makefile).
 *
 * Environment: KVMW_TEST_BIN (the static binary), as test_cli.c.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "tests.h"

#define ABSENT		"kvmwatch-unit-absent"
#define NOT_LOADED	"kvmwatch: no generic netlink family '" ABSENT \
	"': module not loaded? (the kernel loads it on demand once " \
	"installed; the family exists in the initial network namespace " \
	"only)\n"

struct run {
	int status;
	char *out, *err;
};

static const char *bin;
static char dir[] = "/tmp/kvmwatch-nlcli.XXXXXX";
static char env_sys[64], env_proc[64];

static char *slurp(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, len > 0 ? len + 1 : 1);

	if (buf && len > 0 && pread(fd, buf, len, 0) != len)
		buf[0] = '\0';
	close(fd);
	return buf;
}

/* kvmwatch ARGV... on an SVM host (fake sysfs), the family absent. */
static void run(struct run *r, char *const *argv)
{
	int out = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	int err = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		unsetenv("LD_PRELOAD");
		setenv("KVMWATCH_DEVICE", "/nonexistent/kvmwatch", 1);
		setenv("KVMWATCH_NL_FAMILY", ABSENT, 1);
		putenv(env_sys);
		putenv(env_proc);
		dup2(out, 1);
		dup2(err, 2);
		execv(bin, argv);
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

/* A usage error of CMD: exit 2, exactly the message and the hint. */
static void usage_error(const char *msg, char *const *argv)
{
	char want[768], what[256];
	const char *cmd = argv[1];
	size_t n = 0;
	struct run r;
	int i;

	for (i = 2; argv[i] && n < sizeof(what) - 1; i++)
		n += snprintf(what + n, sizeof(what) - n, " %s", argv[i]);
	what[n] = '\0';
	run(&r, argv);
	snprintf(want, sizeof(want), "kvmwatch %s: %s\n"
		 "Try 'kvmwatch %s --help'.\n", cmd, msg, cmd);
	tap_ok(r.status == 2 && !strcmp(r.err, want) && !*r.out,
	       "%s%.60s: exit 2, \"%.70s\"", cmd, what, msg);
	if (r.status != 2 || strcmp(r.err, want))
		tap_diag("status %d, stderr: %s", r.status, r.err);
	run_free(&r);
}

#define ARGS(...)	((char *[]){ "kvmwatch", __VA_ARGS__, NULL })

static void test_stat_via(void)
{
	struct run r;

	usage_error("unknown source 'bogus' for --via (dev or netlink)",
		    ARGS("stat", "--via", "bogus"));
	usage_error("unknown source '' for --via (dev or netlink)",
		    ARGS("stat", "--via="));
	usage_error("unknown source 'NETLINK' for --via (dev or netlink)",
		    ARGS("stat", "--via", "NETLINK", "--", "true"));
	usage_error("option '--via' needs an argument", ARGS("stat", "--via"));

	run(&r, ARGS("stat", "--via", "netlink", "--time", "1"));
	tap_ok(r.status == 1 && !strcmp(r.err, NOT_LOADED) && !*r.out,
	       "stat --via netlink, no family: exit 1, module not loaded?");
	if (strcmp(r.err, NOT_LOADED))
		tap_diag("stderr: %s", r.err);
	run_free(&r);

	/* The command is not run when the source cannot be opened. */
	run(&r, ARGS("stat", "--via", "netlink", "--", "sh", "-c",
		      "echo ran"));
	tap_ok(r.status == 1 && !strcmp(r.err, NOT_LOADED) && !*r.out,
	       "stat --via netlink -- COMMAND, no family: COMMAND not run");
	run_free(&r);

	run(&r, ARGS("stat", "--via", "dev", "--time", "1"));
	tap_ok(r.status == 1 && strstr(r.err, "/nonexistent/kvmwatch") &&
	       strstr(r.err, "module not loaded?"),
	       "stat --via dev: the device, as without --via");
	run_free(&r);

	run(&r, ARGS("stat", "--help"));
	tap_ok(r.status == 0 && strstr(r.out, "[--via dev|netlink]") &&
	       strstr(r.out, "      --via SOURCE "),
	       "stat --help documents --via");
	run_free(&r);
}

static void test_monitor_usage(void)
{
	const char *unknown = "unknown exit reason 'bogus' (perf's names, "
		"e.g. io, msr, hlt on SVM or IO_INSTRUCTION, MSR_WRITE, HLT on "
		"VMX, or a number)";
	char *many[40] = { "kvmwatch", "monitor" };
	struct run r;
	int i;

	usage_error("invalid threshold 'io' (expected REASON:RATE, e.g. "
		    "io:1000)", ARGS("monitor", "--threshold", "io"));
	usage_error("invalid threshold 'io:' (expected REASON:RATE, e.g. "
		    "io:1000)", ARGS("monitor", "-t", "io:"));
	usage_error("invalid rate 'x' in 'io:x' (exits per second, 1 or "
		    "more)", ARGS("monitor", "-t", "io:x"));
	usage_error("invalid rate '0' in 'hlt:0' (exits per second, 1 or "
		    "more)", ARGS("monitor", "--threshold=hlt:0"));
	usage_error(unknown, ARGS("monitor", "-t", "bogus:10"));
	usage_error("exit reason 'MSR_WRITE' is VMX's; this host's KVM is "
		    "SVM", ARGS("monitor", "-t", "io:5", "-t",
				"MSR_WRITE:10"));
	usage_error("invalid exit reason '0x100000000' (a name, or a number "
		    "up to 0xffffffff)",
		    ARGS("monitor", "-t", "0x100000000:1"));
	usage_error("invalid rate limit '99' (milliseconds, 100 to 3600000)",
		    ARGS("monitor", "-t", "io:1", "--ratelimit", "99"));
	usage_error("invalid rate limit '3600001' (milliseconds, 100 to "
		    "3600000)", ARGS("monitor", "-t", "io:1", "--ratelimit",
				     "3600001"));
	usage_error("invalid rate limit '1s' (milliseconds, 100 to 3600000)",
		    ARGS("monitor", "-t", "io:1", "--ratelimit", "1s"));
	usage_error("--ratelimit needs --threshold: it limits threshold "
		    "notifications", ARGS("monitor", "--ratelimit", "500"));
	usage_error("invalid time '0' (a positive number of seconds)",
		    ARGS("monitor", "--time", "0"));
	usage_error("invalid PID '0'", ARGS("monitor", "-p", "0"));
	usage_error("invalid VM id '' (expected PID-FD, as in "
		    "/sys/kernel/debug/kvm)", ARGS("monitor", "--vm", ""));
	usage_error("unexpected argument 'extra'", ARGS("monitor", "extra"));
	usage_error("unknown option '--bogus'", ARGS("monitor", "--bogus"));
	usage_error("option '--json' takes no argument",
		    ARGS("monitor", "--json=1"));

	for (i = 0; i < 17; i++) {
		many[2 + 2 * i] = "-t";
		many[3 + 2 * i] = "io:1";
	}
	many[36] = NULL;
	usage_error("too many thresholds (at most 16)", many);

	/* 16 parse, and the run goes on to the (absent) family. */
	many[34] = NULL;
	run(&r, many);
	tap_ok(r.status == 1 && !strcmp(r.err, NOT_LOADED) && !*r.out,
	       "monitor with 16 thresholds: parsed, then module not loaded?");
	run_free(&r);

	run(&r, ARGS("monitor", "--json", "-p", "42", "--vm", "42-7", "-t",
		     "IO:1000", "-t", "0x7c:5", "--ratelimit", "250", "--time",
		     "0.5"));
	tap_ok(r.status == 1 && !strcmp(r.err, NOT_LOADED) && !*r.out,
	       "monitor, every option valid: module not loaded?");
	run_free(&r);

	run(&r, ARGS("monitor", "--help"));
	tap_ok(r.status == 0 && !strncmp(r.out, "Usage: kvmwatch monitor ",
					 24) &&
	       strstr(r.out, "--threshold REASON:RATE") && !*r.err,
	       "monitor --help: usage on stdout, exit 0");
	run_free(&r);

	run(&r, ARGS("--help"));
	tap_ok(r.status == 0 && strstr(r.out, "\n  monitor    "),
	       "kvmwatch --help lists monitor");
	run_free(&r);
}

/*
 * Which of @names the binary's symbol table defines: bit i for names[i].
 * -1 if it cannot be read (stripped, not ELF64).
 */
static long defined_symbols(const char *path, const char *const *names,
			    int n)
{
	int fd = open(path, O_RDONLY);
	off_t len = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
	unsigned char *img = len > 0 ? malloc(len) : NULL;
	const Elf64_Ehdr *eh = (const void *)img;
	long found = -1;
	int i, k;

	if (!img || pread(fd, img, len, 0) != len ||
	    memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (u64)eh->e_shnum * sizeof(Elf64_Shdr) > (u64)len)
		goto out;
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *shdrs = (const void *)(img + eh->e_shoff);
		const Elf64_Shdr *sh = &shdrs[i], *str;
		const Elf64_Sym *sym;
		size_t j, nsym;

		if (sh->sh_type != SHT_SYMTAB || sh->sh_link >= eh->e_shnum)
			continue;
		str = &shdrs[sh->sh_link];
		if (sh->sh_offset + sh->sh_size > (u64)len ||
		    str->sh_offset + str->sh_size > (u64)len)
			goto out;
		sym = (const void *)(img + sh->sh_offset);
		nsym = sh->sh_size / sizeof(*sym);
		found = 0;
		for (j = 0; j < nsym; j++) {
			const char *name;

			if (sym[j].st_shndx == SHN_UNDEF ||
			    sym[j].st_name >= str->sh_size)
				continue;
			name = (const char *)img + str->sh_offset +
			       sym[j].st_name;
			for (k = 0; k < n; k++)
				if (!strcmp(name, names[k]))
					found |= 1L << k;
		}
	}
out:
	free(img);
	if (fd >= 0)
		close(fd);
	return found;
}

static void test_static_nss(void)
{
	static const char *const names[] = {
		"__wrap_getaddrinfo", "__wrap_getprotobyname",
		"__wrap_getprotobynumber", "getaddrinfo", "getprotobyname",
		"getprotobynumber", "genl_ctrl_resolve",
	};
	long got = defined_symbols(bin, names, ARRAY_SIZE(names));

	tap_ok(got >= 0 && (got & 1L << 6),
	       "static kvmwatch has a symbol table and libnl-genl-3 in it");
	tap_ok(got >= 0 && (got & 7) == 7,
	       "libnl's NSS lookups resolve to kvmwatch's stand-ins");
	tap_ok(got >= 0 && !(got & 0x38),
	       "glibc's getaddrinfo/getprotobyname/getprotobynumber not linked");
}

/* No kvm_amd, kvm_intel, svm or vmx: names cannot be resolved. */
static void test_monitor_no_isa(void)
{
	char path[128];
	struct run r;

	snprintf(path, sizeof(path), "%s/sys/module/kvm_amd", dir);
	rmdir(path);
	run(&r, ARGS("monitor", "-t", "io:5"));
	tap_ok(r.status == 2 &&
	       strstr(r.err, "kvmwatch monitor: cannot tell whether this "
		      "host's KVM is SVM or VMX (neither kvm_amd nor kvm_intel "
		      "is loaded)\n"), "monitor -t, unknown ISA: exit 2");
	run_free(&r);
	/* Nothing to resolve without a threshold. */
	run(&r, ARGS("monitor", "--time", "1"));
	tap_ok(r.status == 1 && !strcmp(r.err, NOT_LOADED),
	       "monitor without -t needs no ISA");
	run_free(&r);
}

void test_netlink_cli(void)
{
	char path[128];

	bin = getenv("KVMW_TEST_BIN");
	if (!bin || access(bin, X_OK)) {
		tap_skip("KVMW_TEST_BIN not set", "netlink command-line tests");
		return;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	/* An AMD host: kvm_amd loaded. */
	snprintf(path, sizeof(path), "%s/sys", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sys/module", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sys/module/kvm_amd", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/proc", dir);
	mkdir(path, 0700);
	snprintf(env_sys, sizeof(env_sys), "KVMWATCH_SYS=%s/sys", dir);
	snprintf(env_proc, sizeof(env_proc), "KVMWATCH_PROC=%s/proc", dir);

	test_static_nss();
	test_stat_via();
	test_monitor_usage();
	test_monitor_no_isa();

	snprintf(path, sizeof(path), "%s/sys/module", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/sys", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/proc", dir);
	rmdir(path);
	rmdir(dir);
}
