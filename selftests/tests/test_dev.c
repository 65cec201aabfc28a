// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvmwatch as a caller sees it: the version ioctl, growable-struct
 * semantics, errors for bad input, and refusal of unprivileged callers
 * even when the node's mode is relaxed. The statistics ioctls (ENABLE,
 * SET_FILTER, RESET, SNAPSHOT): each error (unknown flags or bits: EINVAL;
 * unreadable memory: EFAULT; a larger structure with a nonzero tail:
 * E2BIG; smaller than its first version: EINVAL; RESET's argument not 0:
 * EINVAL; a buffer too small: ENOSPC with the size needed) and that a
 * failed call changed nothing; the probes attached only while a file has
 * statistics enabled.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvmwatch.h>

#include "../lib/kvmw.h"
#include "../../tools/lib/snapshot.h"

#define DEV "/dev/" KVMW_DEVICE_NAME

static int failures;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok: " __VA_ARGS__);				\
	} else {							\
		printf("FAIL (%s:%d): ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		failures++;						\
	}								\
	putchar('\n');							\
} while (0)

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror("open " DEV);
		exit(1);
	}
	return fd;
}

static void test_version(int fd)
{
	struct kvmw_version v = { .size = sizeof(v) };
	struct utsname u;

	uname(&u);
	CHECK(ioctl(fd, KVMW_IOC_VERSION, &v) == 0, "KVMW_IOC_VERSION");
	CHECK(v.size == sizeof(v), "version size %u == %zu", v.size, sizeof(v));
	CHECK(v.abi == KVMW_ABI_VERSION, "abi %u", v.abi);
	CHECK(!strcmp(v.release, u.release), "release '%s' == uname '%s'",
	      v.release, u.release);
	CHECK(v.caps & KVMW_CAP_TRACEPOINTS, "caps 0x%x has TRACEPOINTS", v.caps);
}

static void test_growable(int fd)
{
	unsigned char buf[256];
	struct kvmw_version *v = (void *)buf;
	size_t i;
	int untouched = 1;

	/* A newer caller with a larger struct: only the known part is written. */
	memset(buf, 0xa5, sizeof(buf));
	v->size = sizeof(buf);
	CHECK(ioctl(fd, KVMW_IOC_VERSION, v) == 0, "larger struct accepted");
	CHECK(v->size == sizeof(struct kvmw_version),
	      "kernel reports its size %u", v->size);
	for (i = sizeof(struct kvmw_version); i < sizeof(buf); i++)
		untouched &= buf[i] == 0xa5;
	CHECK(untouched, "bytes past the kernel's size untouched");

	/* Smaller than the first version: refused, nothing written. */
	memset(buf, 0xa5, sizeof(buf));
	v->size = KVMW_VERSION_SIZE_VER0 - 1;
	errno = 0;
	CHECK(ioctl(fd, KVMW_IOC_VERSION, v) == -1 && errno == EINVAL,
	      "size below VER0 -> EINVAL (errno %d)", errno);
	CHECK(v->size == KVMW_VERSION_SIZE_VER0 - 1 && buf[4] == 0xa5,
	      "nothing written on error");

	errno = 0;
	CHECK(ioctl(fd, KVMW_IOC_VERSION, (void *)16) == -1 && errno == EFAULT,
	      "bad pointer -> EFAULT (errno %d)", errno);
	errno = 0;
	CHECK(ioctl(fd, KVMW_IOC_COUNTERS, NULL) == -1 && errno == EFAULT,
	      "NULL counters -> EFAULT (errno %d)", errno);
	errno = 0;
	CHECK(ioctl(fd, _IO(KVMW_IOC_MAGIC, 0x7f), 0) == -1 && errno == ENOTTY,
	      "unknown ioctl -> ENOTTY (errno %d)", errno);
	errno = 0;
	CHECK(lseek(fd, 0, SEEK_SET) == -1 && errno == ESPIPE,
	      "not seekable (errno %d)", errno);
}

static void test_files_counter(void)
{
	struct kvmw_counters c1 = { .size = sizeof(c1) };
	struct kvmw_counters c2 = { .size = sizeof(c2) };
	int a = open_dev(), b;

	CHECK(ioctl(a, KVMW_IOC_COUNTERS, &c1) == 0, "KVMW_IOC_COUNTERS");
	b = open_dev();
	CHECK(ioctl(a, KVMW_IOC_COUNTERS, &c2) == 0, "KVMW_IOC_COUNTERS again");
	CHECK(c2.files == c1.files + 1, "files %llu -> %llu after one open",
	      (unsigned long long)c1.files, (unsigned long long)c2.files);
	close(b);
	CHECK(ioctl(a, KVMW_IOC_COUNTERS, &c2) == 0 && c2.files == c1.files,
	      "files back to %llu after close", (unsigned long long)c1.files);
	close(a);
}

/* Even with the mode relaxed to 0666, an unprivileged caller is refused. */
static void test_unprivileged(void)
{
	struct stat st;
	int status;
	pid_t pid;

	if (stat(DEV, &st) != 0) {
		CHECK(0, "stat " DEV);
		return;
	}
	CHECK((st.st_mode & 0777) == 0600 && st.st_uid == 0,
	      "node is root-only (mode %o uid %u)", st.st_mode & 0777, st.st_uid);
	CHECK(chmod(DEV, 0666) == 0, "chmod 0666 " DEV);
	pid = fork();
	if (pid == 0) {
		/* Exit status: 0 refused with EPERM, else the errno seen. */
		if (setgid(65534) || setuid(65534))
			_exit(255);
		if (open(DEV, O_RDWR) >= 0)
			_exit(254);
		_exit(errno == EPERM ? 0 : errno);
	}
	waitpid(pid, &status, 0);
	chmod(DEV, st.st_mode & 0777);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "uid 65534 refused with EPERM (child: %d)", WEXITSTATUS(status));
}

static void counters(int fd, struct kvmw_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	if (ioctl(fd, KVMW_IOC_COUNTERS, c)) {
		perror("KVMW_IOC_COUNTERS");
		exit(1);
	}
}

/* The counters grew: a VER0 caller gets its 96 bytes, nothing more. */
static void test_counters_sizes(int fd)
{
	unsigned char buf[256];
	struct kvmw_counters *c = (void *)buf;
	int untouched = 1;
	size_t i;

	memset(buf, 0xa5, sizeof(buf));
	c->size = KVMW_COUNTERS_SIZE_VER0;
	CHECK(ioctl(fd, KVMW_IOC_COUNTERS, c) == 0, "counters with VER0 size");
	CHECK(c->size == sizeof(struct kvmw_counters) &&
	      c->size == KVMW_COUNTERS_SIZE_VER1,
	      "kernel's counters size %u == %u", c->size, KVMW_COUNTERS_SIZE_VER1);
	for (i = KVMW_COUNTERS_SIZE_VER0; i < sizeof(buf); i++)
		untouched &= buf[i] == 0xa5;
	CHECK(untouched, "bytes past a VER0 caller's size untouched");
}

static int stats_consumers(int fd)
{
	struct kvmw_counters c;

	counters(fd, &c);
	return (int)c.stats_consumers;
}

static int enable_raw(int fd, const void *arg)
{
	errno = 0;
	return ioctl(fd, KVMW_IOC_ENABLE, arg) ? errno : 0;
}

/* KVMW_IOC_ENABLE: errors change nothing; consumers and probes follow. */
static void test_enable(void)
{
	unsigned char big[64];
	struct kvmw_enable *e = (void *)big;
	struct kvmw_counters c;
	int a = open_dev(), b, n0, always_on;
	FILE *f = fopen("/sys/module/kvmwatch/parameters/always_on", "r");
	char p[8] = "";

	always_on = f && fgets(p, sizeof(p), f) && (p[0] == 'Y' || p[0] == '1');
	if (f)
		fclose(f);
	n0 = stats_consumers(a);
	memset(big, 0, sizeof(big));
	e->size = sizeof(*e);

	e->families = KVMW_ENABLE_ALL << 1;
	CHECK(enable_raw(a, e) == EINVAL, "ENABLE unknown family -> EINVAL");
	e->families = KVMW_ENABLE_STATS;
	e->flags = 1;
	CHECK(enable_raw(a, e) == EINVAL, "ENABLE flags 1 -> EINVAL");
	e->flags = 0;
	e->size = KVMW_ENABLE_SIZE_VER0 - 1;
	CHECK(enable_raw(a, e) == EINVAL, "ENABLE size below VER0 -> EINVAL");
	e->size = sizeof(big);
	big[sizeof(big) - 1] = 1;
	CHECK(enable_raw(a, e) == E2BIG, "ENABLE larger, nonzero tail -> E2BIG");
	big[sizeof(big) - 1] = 0;
	CHECK(enable_raw(a, (void *)16) == EFAULT, "ENABLE bad pointer -> EFAULT");
	CHECK(enable_raw(a, NULL) == EFAULT, "ENABLE NULL -> EFAULT");
	CHECK(stats_consumers(a) == n0, "failed ENABLEs changed nothing (%d)",
	      stats_consumers(a));

	CHECK(enable_raw(a, e) == 0, "ENABLE larger struct, zero tail");
	counters(a, &c);
	CHECK((int)c.stats_consumers == n0 + 1, "stats_consumers %llu == %d",
	      (unsigned long long)c.stats_consumers, n0 + 1);
	CHECK(c.attach_state != KVMW_ATTACH_FULL || c.tracepoints == 6,
	      "with a consumer: 6 tracepoints attached (%llu, state %u)",
	      (unsigned long long)c.tracepoints, c.attach_state);
	e->size = sizeof(*e);
	CHECK(enable_raw(a, e) == 0 && stats_consumers(a) == n0 + 1,
	      "ENABLE twice: still one consumer");

	b = open_dev();
	CHECK(enable_raw(b, e) == 0 && stats_consumers(a) == n0 + 2,
	      "a second file: two consumers");
	close(b);
	CHECK(stats_consumers(a) == n0 + 1, "closing it: one consumer");

	e->families = 0;
	CHECK(enable_raw(a, e) == 0, "ENABLE 0 disables");
	counters(a, &c);
	CHECK((int)c.stats_consumers == n0, "stats_consumers back to %d", n0);
	if (n0 == 0 && !always_on)
		CHECK(c.tracepoints == 0,
		      "no consumer: no tracepoint attached (%llu)",
		      (unsigned long long)c.tracepoints);
	close(a);
}

static int filter_raw(int fd, const void *arg)
{
	errno = 0;
	return ioctl(fd, KVMW_IOC_SET_FILTER, arg) ? errno : 0;
}

/* VMs named @id in this file's snapshot; -1 if the snapshot failed. */
static int visible(int fd, const char *id, unsigned int *nr_vcpus)
{
	struct kvmw_snap s;
	int n = 0;

	if (kvmw_snap_take(fd, 0, &s))
		return -1;
	for (size_t i = 0; i < s.nr_vms; i++) {
		if (strcmp(s.vms[i].rec.id, id) || s.vms[i].rec.pid != getpid())
			continue;
		n++;
		if (nr_vcpus)
			*nr_vcpus = s.vms[i].nr_vcpus;
	}
	kvmw_snap_free(&s);
	return n;
}

static void test_filter(int fd, const char *id)
{
	unsigned char big[96];
	struct kvmw_filter *f = (void *)big;
	unsigned int nv = 99;

	memset(big, 0, sizeof(big));
	f->size = sizeof(*f);
	CHECK(visible(fd, id, NULL) == 1, "no filter: VM %s listed", id);
	f->flags = KVMW_FILTER_PID;
	f->pid = getpid();
	CHECK(filter_raw(fd, f) == 0 && visible(fd, id, NULL) == 1,
	      "filter pid %d: listed", getpid());
	f->pid = 1;
	CHECK(filter_raw(fd, f) == 0 && visible(fd, id, NULL) == 0,
	      "filter pid 1: not listed");

	/* every bad filter fails and leaves "pid 1" in place */
	f->flags = KVMW_FILTER_FLAGS + 1;
	f->pid = getpid();
	CHECK(filter_raw(fd, f) == EINVAL, "unknown filter flag -> EINVAL");
	f->flags = KVMW_FILTER_PID_TREE;
	CHECK(filter_raw(fd, f) == EINVAL, "PID_TREE without PID -> EINVAL");
	f->flags = KVMW_FILTER_PID;
	f->pid = 0;
	CHECK(filter_raw(fd, f) == EINVAL, "pid 0 -> EINVAL");
	f->pid = -5;
	CHECK(filter_raw(fd, f) == EINVAL, "pid -5 -> EINVAL");
	f->flags = KVMW_FILTER_VCPU;
	f->vcpu = -1;
	CHECK(filter_raw(fd, f) == EINVAL, "vcpu -1 -> EINVAL");
	f->flags = KVMW_FILTER_VM;
	memset(f->vm, 'x', sizeof(f->vm));
	CHECK(filter_raw(fd, f) == EINVAL, "VM name without NUL -> EINVAL");
	memset(f->vm, 0, sizeof(f->vm));
	f->flags = KVMW_FILTER_PID;
	f->pid = getpid();
	f->size = KVMW_FILTER_SIZE_VER0 - 1;
	CHECK(filter_raw(fd, f) == EINVAL, "filter size below VER0 -> EINVAL");
	f->size = sizeof(big);
	big[sizeof(big) - 1] = 1;
	CHECK(filter_raw(fd, f) == E2BIG, "filter larger, nonzero tail -> E2BIG");
	big[sizeof(big) - 1] = 0;
	CHECK(filter_raw(fd, (void *)16) == EFAULT, "filter bad pointer -> EFAULT");
	CHECK(visible(fd, id, NULL) == 0,
	      "after the failed filters, still filtered to pid 1");

	CHECK(filter_raw(fd, f) == 0 && visible(fd, id, NULL) == 1,
	      "filter larger struct, zero tail: pid %d again", getpid());
	f->size = sizeof(*f);
	f->flags = KVMW_FILTER_VM;
	snprintf(f->vm, sizeof(f->vm), "%s", id);
	CHECK(filter_raw(fd, f) == 0 && visible(fd, id, &nv) == 1 && nv == 1,
	      "filter VM %s: listed with its vCPU (%u)", id, nv);
	snprintf(f->vm, sizeof(f->vm), "0-0");
	CHECK(filter_raw(fd, f) == 0 && visible(fd, id, NULL) == 0,
	      "filter VM 0-0: not listed");
	f->flags = KVMW_FILTER_VCPU;
	f->vcpu = 0;
	nv = 99;
	CHECK(filter_raw(fd, f) == 0 && visible(fd, id, &nv) == 1 && nv == 1,
	      "filter vCPU 0: VM with its vCPU 0 (%u)", nv);
	f->flags = 0;
	CHECK(filter_raw(fd, f) == 0 && visible(fd, id, NULL) == 1,
	      "filter flags 0: everything");
}

static int snap_raw(int fd, struct kvmw_snapshot *s)
{
	errno = 0;
	return ioctl(fd, KVMW_IOC_SNAPSHOT, s) ? errno : 0;
}

/* Sum of the VM's vCPUs' exit rows, and its vCPUs' exits. */
static void vm_sums(int fd, unsigned int flags, const char *id,
		    unsigned long long *rows, unsigned long long *exits)
{
	struct kvmw_snap s;

	*rows = *exits = ~0ULL;
	if (kvmw_snap_take(fd, flags, &s))
		return;
	*rows = *exits = 0;
	for (size_t i = 0; i < s.nr_vms; i++) {
		if (strcmp(s.vms[i].rec.id, id) || s.vms[i].rec.pid != getpid())
			continue;
		for (size_t j = 0; j < s.vms[i].nr_vcpus; j++) {
			const struct kvmw_snap_vcpu *v = &s.vms[i].vcpus[j];

			*exits += v->rec.exits;
			for (size_t k = 0; k < v->nr_stats; k++)
				*rows += v->stats[k].rec.count;
		}
	}
	kvmw_snap_free(&s);
}

static void test_reset(int fd, const char *id)
{
	unsigned long long r1, e1, r2, e2;

	vm_sums(fd, 0, id, &r1, &e1);
	CHECK(r1 && r1 != ~0ULL && e1 >= 1000,
	      "before reset: %llu exits, rows sum %llu", e1, r1);
	errno = 0;
	CHECK(ioctl(fd, KVMW_IOC_RESET, 1) == -1 && errno == EINVAL,
	      "RESET with argument 1 -> EINVAL (errno %d)", errno);
	vm_sums(fd, 0, id, &r2, &e2);
	CHECK(r2 == r1 && e2 == e1, "failed RESET changed nothing (%llu, %llu)",
	      e2, r2);
	CHECK(ioctl(fd, KVMW_IOC_RESET, 0) == 0, "RESET");
	vm_sums(fd, 0, id, &r2, &e2);
	CHECK(r2 == 0 && e2 == 0, "after RESET: nothing since (%llu exits, rows %llu)",
	      e2, r2);
	vm_sums(fd, KVMW_SNAP_RAW, id, &r2, &e2);
	CHECK(r2 == r1 && e2 == e1, "KVMW_SNAP_RAW ignores the reset (%llu, %llu)",
	      e2, r2);
}

static void test_snapshot(int fd)
{
	unsigned char big[128];
	struct kvmw_snapshot *s = (void *)big;
	struct kvmw_snap parsed;
	unsigned long long need;
	void *buf;

	memset(big, 0, sizeof(big));
	s->size = sizeof(*s);
	s->flags = KVMW_SNAP_FLAGS + 1;
	CHECK(snap_raw(fd, s) == EINVAL, "SNAPSHOT unknown flag -> EINVAL");
	s->flags = 0;
	s->size = KVMW_SNAPSHOT_SIZE_VER0 - 1;
	CHECK(snap_raw(fd, s) == EINVAL, "SNAPSHOT size below VER0 -> EINVAL");
	s->size = sizeof(big);
	big[sizeof(big) - 1] = 1;
	CHECK(snap_raw(fd, s) == E2BIG, "SNAPSHOT larger, nonzero tail -> E2BIG");
	big[sizeof(big) - 1] = 0;
	CHECK(snap_raw(fd, (void *)16) == EFAULT, "SNAPSHOT bad pointer -> EFAULT");

	/* no buffer: ENOSPC, only "used" written */
	s->size = sizeof(*s);
	s->buf = 0;
	s->buf_len = 0;
	s->time_ns = 12345;
	s->nr_vms = 777;
	CHECK(snap_raw(fd, s) == ENOSPC && s->used > 0 && s->used % 8 == 0,
	      "SNAPSHOT without a buffer -> ENOSPC, %llu bytes needed",
	      (unsigned long long)s->used);
	CHECK(s->time_ns == 12345 && s->nr_vms == 777,
	      "ENOSPC wrote only \"used\"");
	need = s->used;
	buf = calloc(1, need + 4096);
	s->buf = (unsigned long)buf;
	s->buf_len = need - 8;
	CHECK(snap_raw(fd, s) == ENOSPC && s->used == need,
	      "buffer 8 bytes short -> ENOSPC, %llu needed",
	      (unsigned long long)s->used);
	s->buf = 16;
	s->buf_len = need;
	CHECK(snap_raw(fd, s) == EFAULT, "unwritable buffer -> EFAULT");
	s->buf = (unsigned long)buf;
	s->buf_len = need;
	CHECK(snap_raw(fd, s) == 0 && s->used == need,
	      "buffer of exactly %llu bytes: fits", need);
	CHECK(s->size == KVMW_SNAPSHOT_SIZE_VER0 && s->time_ns > 0,
	      "snapshot size %u, time %llu", s->size,
	      (unsigned long long)s->time_ns);
	if (kvmw_snap_parse(buf, s->used, &parsed) == 0) {
		CHECK(parsed.nr_vms == s->nr_vms, "records: %zu VMs == nr_vms %u",
		      parsed.nr_vms, s->nr_vms);
		kvmw_snap_free(&parsed);
	} else {
		CHECK(0, "record stream parses");
	}
	free(buf);

	/* KVMW_SNAP_NO_*: what they leave out is out */
	if (kvmw_snap_take(fd, KVMW_SNAP_NO_HIST | KVMW_SNAP_NO_BREAKDOWN |
			   KVMW_SNAP_NO_RIPS, &parsed) == 0) {
		size_t hist = 0, bd = 0, rips = 0, rows = 0;

		for (size_t i = 0; i < parsed.nr_vms; i++)
			for (size_t j = 0; j < parsed.vms[i].nr_vcpus; j++) {
				const struct kvmw_snap_vcpu *v =
					&parsed.vms[i].vcpus[j];

				rips += v->nr_rips;
				for (size_t k = 0; k < v->nr_stats; k++) {
					rows++;
					hist += v->stats[k].rec.nr_buckets;
					bd += v->stats[k].rec.kind != KVMW_STAT_EXIT;
				}
			}
		CHECK(rows && !hist && !bd && !rips,
		      "NO_HIST|NO_BREAKDOWN|NO_RIPS: %zu rows, %zu buckets, %zu breakdown rows, %zu RIPs",
		      rows, hist, bd, rips);
		kvmw_snap_free(&parsed);
	} else {
		CHECK(0, "snapshot with NO_* flags");
	}
}

/* The statistics ABI on one VM of this process that ran a little. */
static void test_stats_abi(void)
{
	struct kvmw_guest_spec spec;
	struct kvmw_enable en = { .size = sizeof(en),
				  .families = KVMW_ENABLE_STATS };
	struct kvmw_vm *vm;
	char id[32];
	int fd = open_dev();

	if (ioctl(fd, KVMW_IOC_ENABLE, &en)) {
		CHECK(0, "ENABLE STATS: %s", strerror(errno));
		close(fd);
		return;
	}
	vm = kvmw_vm_create(1, 0);
	if (!vm) {
		CHECK(0, "kvmw_vm_create");
		close(fd);
		return;
	}
	snprintf(id, sizeof(id), "%s", kvmw_vm_id(vm));
	memset(&spec, 0, sizeof(spec));
	kvmw_spec_add(&spec, 1, 0, KVMW_OP_CPUID, 1000, 0, 0);
	kvmw_spec_add(&spec, 1, 0, KVMW_OP_OUT, 20, 0x80, 0);
	spec.timeout_ms = 120000;
	CHECK(kvmw_vm_run(vm, &spec) == 0, "a VM ran (%s)", kvmw_vm_error(vm));

	test_filter(fd, id);
	test_snapshot(fd);
	test_reset(fd, id);

	/* a gone VM: listed unless KVMW_FILTER_LIVE */
	kvmw_vm_close(vm);
	{
		struct kvmw_filter f = { .size = sizeof(f) };

		CHECK(visible(fd, id, NULL) == 1, "gone VM still listed");
		f.flags = KVMW_FILTER_LIVE;
		CHECK(filter_raw(fd, &f) == 0 && visible(fd, id, NULL) == 0,
		      "FILTER_LIVE: gone VM not listed");
	}
	kvmw_vm_destroy(vm);
	close(fd);
}

int main(void)
{
	int fd = open_dev();

	test_version(fd);
	test_growable(fd);
	test_counters_sizes(fd);
	close(fd);
	test_files_counter();
	test_unprivileged();
	test_enable();
	test_stats_abi();
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
