// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvmwatch as a caller sees it: the version ioctl, growable-struct
 * semantics, errors for bad input, and refusal of unprivileged callers
 * even when the node's mode is relaxed.
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

int main(void)
{
	int fd = open_dev();

	test_version(fd);
	test_growable(fd);
	close(fd);
	test_files_counter();
	test_unprivileged();
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
