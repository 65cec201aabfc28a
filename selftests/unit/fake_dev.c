// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD stand-in for /dev/kvmwatch, so the CLI's ioctl paths run
 * without a module or a VM. It answers on the path in $KVMW_FAKE_PATH only
 * and copies growable structures the way the module's kvmw_put_struct()
 * does (size < first version: EINVAL; copy min(user, kernel) bytes; size
 * set to the kernel's).
 *
 * Controls, all optional:
 *   KVMW_FAKE_OPEN_ERRNO  open() fails with this errno
 *   KVMW_FAKE_ABI         abi (default KVMW_ABI_VERSION)
 *   KVMW_FAKE_CAPS        caps (default tracepoints|kprobes)
 *   KVMW_FAKE_RELEASE     release (default "6.1.0-test")
 *   KVMW_FAKE_KSIZE       "kernel" sizeof of both structures
 *   KVMW_FAKE_COUNTERS    "name=value,..." (attach_state, vms, ... exits)
 *
 * Written independently of tools/lib on purpose: the tool's table is what
 * is under test.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kvmwatch.h>

static int fake_fd = -1;

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v ? strtoul(v, NULL, 0) : def;
}

static int fake_open(const char *path, int flags, mode_t mode,
		     const char *real_name)
{
	int (*real)(const char *path, int flags, ...) =
		dlsym(RTLD_NEXT, real_name);
	const char *fake = getenv("KVMW_FAKE_PATH");

	if (!fake || strcmp(path, fake))
		return real(path, flags, mode);
	if (getenv("KVMW_FAKE_OPEN_ERRNO")) {
		errno = (int)env_ul("KVMW_FAKE_OPEN_ERRNO", 0);
		return -1;
	}
	fake_fd = real("/dev/null", O_RDONLY | O_CLOEXEC);
	return fake_fd;
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return fake_open(path, flags, mode, "open");
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return fake_open(path, flags, mode, "open64");
}

static void set_counter(struct kvmw_counters *c, const char *name,
			unsigned long long v)
{
	static const struct {
		const char *name;
		size_t off;
	} f[] = {
#define F(n) { #n, offsetof(struct kvmw_counters, n) }
		F(vms), F(vcpus), F(buffers), F(files), F(tracepoints),
		F(kprobes), F(kvm_loads), F(kvm_unloads), F(untracked),
		F(exits), F(entries),
#undef F
	};
	size_t i;

	if (!strcmp(name, "attach_state")) {
		c->attach_state = (__u32)v;
		return;
	}
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!strcmp(f[i].name, name))
			*(__u64 *)((char *)c + f[i].off) = v;
}

static void fill_counters(struct kvmw_counters *c)
{
	const char *spec = getenv("KVMW_FAKE_COUNTERS");
	char *copy, *item, *save;

	if (!spec)
		return;
	copy = strdup(spec);
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (eq) {
			*eq = '\0';
			set_counter(c, item, strtoull(eq + 1, NULL, 0));
		}
	}
	free(copy);
}

static int put_struct(void *uarg, void *k, __u32 ksize, __u32 ver0)
{
	__u32 usize = *(__u32 *)uarg;

	if (usize < ver0) {
		errno = EINVAL;
		return -1;
	}
	ksize = (__u32)env_ul("KVMW_FAKE_KSIZE", ksize);
	*(__u32 *)k = ksize;
	memcpy(uarg, k, usize < ksize ? usize : ksize);
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	int (*real)(int fd, unsigned long req, ...) =
		dlsym(RTLD_NEXT, "ioctl");
	const char *release = getenv("KVMW_FAKE_RELEASE");
	/* Big enough for a "kernel" that claims larger structures. */
	union {
		struct kvmw_version v;
		struct kvmw_counters c;
		char pad[256];
	} k;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd != fake_fd)
		return real(fd, req, arg);

	memset(&k, 0, sizeof(k));
	switch (req) {
	case KVMW_IOC_VERSION:
		k.v.abi = (__u32)env_ul("KVMW_FAKE_ABI", KVMW_ABI_VERSION);
		k.v.major = 0;
		k.v.minor = 1;
		k.v.patch = 0;
		k.v.caps = (__u32)env_ul("KVMW_FAKE_CAPS", KVMW_CAP_TRACEPOINTS |
					 KVMW_CAP_KPROBES);
		strncpy(k.v.release, release ? release : "6.1.0-test",
			sizeof(k.v.release) - 1);
		return put_struct(arg, &k, sizeof(k.v), KVMW_VERSION_SIZE_VER0);
	case KVMW_IOC_COUNTERS:
		fill_counters(&k.c);
		return put_struct(arg, &k, sizeof(k.c),
				  KVMW_COUNTERS_SIZE_VER0);
	}
	errno = ENOTTY;
	return -1;
}
