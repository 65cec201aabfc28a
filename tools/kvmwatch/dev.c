// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd.h"
#include "dev.h"

const char *kvmw_dev_path(void)
{
	const char *path = getenv(KVMW_DEV_ENV);

	return path && *path ? path : "/dev/" KVMW_DEVICE_NAME;
}

int kvmw_dev_open(void)
{
	const char *path = kvmw_dev_path();
	/* Read-write: readers of the event stream map the control pages. */
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int err = errno;

	if (fd >= 0)
		return fd;
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		kvmw_err("cannot open %s: %s; module not loaded?", path,
			 strerror(err));
		break;
	case EPERM:
	case EACCES:
		kvmw_err("cannot open %s: %s; needs root (CAP_SYS_ADMIN)",
			 path, strerror(err));
		break;
	default:
		kvmw_err("cannot open %s: %s", path, strerror(err));
	}
	return -1;
}

/*
 * One growable kernel-filled structure: announce our size, and check the
 * kernel filled at least the first version (it says how much it knows).
 */
static int kvmw_dev_get(int fd, unsigned long req, const char *req_name,
			void *arg, __u32 size, __u32 ver0)
{
	__u32 *psize = arg;
	int err;

	memset(arg, 0, size);
	*psize = size;
	if (ioctl(fd, req, arg) < 0) {
		err = errno;
		kvmw_err("%s on %s: %s%s", req_name, kvmw_dev_path(),
			 strerror(err),
			 err == ENOTTY ? "; not a kvmwatch device?" : "");
		return -1;
	}
	if (*psize < ver0) {
		kvmw_err("%s on %s: module filled %u bytes, fewer than the %u of the first version",
			 req_name, kvmw_dev_path(), *psize, ver0);
		return -1;
	}
	return 0;
}

int kvmw_dev_version(int fd, struct kvmw_version *v)
{
	return kvmw_dev_get(fd, KVMW_IOC_VERSION, "KVMW_IOC_VERSION", v,
			    sizeof(*v), KVMW_VERSION_SIZE_VER0);
}

int kvmw_dev_counters(int fd, struct kvmw_counters *c)
{
	return kvmw_dev_get(fd, KVMW_IOC_COUNTERS, "KVMW_IOC_COUNTERS", c,
			    sizeof(*c), KVMW_COUNTERS_SIZE_VER0);
}

int kvmw_dev_open_checked(void)
{
	struct kvmw_version v;
	int fd = kvmw_dev_open();

	if (fd < 0)
		return -1;
	if (kvmw_dev_version(fd, &v))
		goto err;
	if (v.abi != KVMW_ABI_VERSION) {
		kvmw_err("module ABI %u, this kvmwatch speaks ABI %u; install matching versions",
			 v.abi, KVMW_ABI_VERSION);
		goto err;
	}
	return fd;
err:
	close(fd);
	return -1;
}
