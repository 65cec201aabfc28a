// SPDX-License-Identifier: GPL-2.0
/*
 * Sends fake_dev.so the statistics ioctls a module must refuse, and prints
 * the errno of each, so the unit tests know the fake validates like the
 * module (a tool bug the module would reject must fail against the fake
 * too). Run with fake_dev.so preloaded and KVMW_FAKE_PATH set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvmwatch.h>

static void try(int fd, const char *what, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	printf("%s: %s\n", what, ret ? strerrorname_np(errno) : "ok");
}

int main(void)
{
	const char *path = getenv("KVMW_FAKE_PATH");
	union {
		struct kvmw_filter f;
		struct kvmw_enable e;
		struct kvmw_snapshot s;
		unsigned char big[128];
	} u;
	char buf[64];
	int fd = path ? open(path, O_RDONLY) : -1;

	if (fd < 0) {
		perror("open");
		return 2;
	}
#define RESET_U(type) do { memset(&u, 0, sizeof(u)); \
	u.type.size = sizeof(u.type); } while (0)
	RESET_U(e);
	u.e.families = KVMW_ENABLE_STATS;
	try(fd, "enable stats", KVMW_IOC_ENABLE, &u);
	u.e.size = KVMW_ENABLE_SIZE_VER0 - 8;
	try(fd, "enable size below VER0", KVMW_IOC_ENABLE, &u);
	RESET_U(e);
	u.e.flags = 1;
	try(fd, "enable flags", KVMW_IOC_ENABLE, &u);
	RESET_U(e);
	u.e.families = KVMW_ENABLE_ALL + 1;
	try(fd, "enable unknown family", KVMW_IOC_ENABLE, &u);
	RESET_U(e);
	u.e.families = KVMW_ENABLE_EXIT;
	try(fd, "enable events without rings", KVMW_IOC_ENABLE, &u);
	RESET_U(e);
	u.e.size = 32;
	u.big[28] = 1;
	try(fd, "enable larger, non-zero tail", KVMW_IOC_ENABLE, &u);
	u.big[28] = 0;
	try(fd, "enable larger, zero tail", KVMW_IOC_ENABLE, &u);

	RESET_U(f);
	try(fd, "filter none", KVMW_IOC_SET_FILTER, &u);
	u.f.flags = 0x20;
	try(fd, "filter unknown flag", KVMW_IOC_SET_FILTER, &u);
	u.f.flags = KVMW_FILTER_PID_TREE;
	u.f.pid = 5;
	try(fd, "filter tree without pid", KVMW_IOC_SET_FILTER, &u);
	u.f.flags = KVMW_FILTER_PID;
	u.f.pid = 0;
	try(fd, "filter pid 0", KVMW_IOC_SET_FILTER, &u);
	u.f.flags = KVMW_FILTER_VCPU;
	u.f.vcpu = -1;
	try(fd, "filter vcpu -1", KVMW_IOC_SET_FILTER, &u);
	RESET_U(f);
	u.f.flags = KVMW_FILTER_VM;
	memset(u.f.vm, 'x', sizeof(u.f.vm));
	try(fd, "filter vm unterminated", KVMW_IOC_SET_FILTER, &u);
	RESET_U(f);
	u.f.size = 40;
	try(fd, "filter size below VER0", KVMW_IOC_SET_FILTER, &u);

	RESET_U(s);
	u.s.buf = (unsigned long)buf;
	u.s.buf_len = sizeof(buf);
	try(fd, "snapshot", KVMW_IOC_SNAPSHOT, &u);
	u.s.flags = KVMW_SNAP_FLAGS + 1;
	try(fd, "snapshot unknown flag", KVMW_IOC_SNAPSHOT, &u);
	u.s.flags = 0;
	u.s.size = 40;
	try(fd, "snapshot size below VER0", KVMW_IOC_SNAPSHOT, &u);

	try(fd, "reset", KVMW_IOC_RESET, NULL);
	try(fd, "reset with an argument", KVMW_IOC_RESET, buf);
	close(fd);
	return 0;
}
