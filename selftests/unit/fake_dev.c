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
 *   KVMW_FAKE_COUNTERS    "name=value,..." (attach_state, vms, ... unbound)
 *   KVMW_FAKE_SNAPSHOT    "FILE[,FILE...]": record streams the n-th
 *                         KVMW_IOC_SNAPSHOT returns (the last one repeats;
 *                         none: an empty snapshot)
 *   KVMW_FAKE_SNAP_ERRNO  KVMW_IOC_SNAPSHOT fails with this errno
 *   KVMW_FAKE_LOG         append one line per statistics ioctl to this
 *                         file ("enable families=0x1", "filter flags=0x3
 *                         pid=12 vcpu=0 vm=", "reset", "snapshot
 *                         flags=0x7 buf_len=N", "snapshot ENOSPC used=N");
 *                         for the event stream, "ring_setup pages=N
 *                         flags=0x1" and "enable min_duration=N" (if not 0)
 *   KVMW_FAKE_EVENTS      a file of event records (struct kvmw_ev and
 *                         body, back to back) written into the rings when
 *                         event families are first enabled, in the ring
 *                         of CPU (the record's seq field) % 2, with the
 *                         discard-mode protocol: those that do not fit
 *                         are lost
 *
 * KVMW_IOC_RING_SETUP makes two CPUs' rings in a memfd, which mmap() of
 * the device maps; it validates as the module does (EINVAL, EBUSY).
 *
 * The statistics ioctls validate their argument as the module does:
 * structures smaller than their first version, unknown flags or families,
 * KVMW_FILTER_PID_TREE without KVMW_FILTER_PID, a pid <= 0 or vcpu < 0
 * that is selected, an unterminated vm, or a RESET argument other than 0
 * fail with EINVAL; a larger structure with non-zero extra bytes with
 * E2BIG (copy_struct_from_user()).
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

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
		F(exits), F(entries), F(gone_vms), F(gone_vcpus),
		F(alloc_failures), F(stats_consumers), F(unbound),
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

static void fake_log(const char *fmt, ...)
{
	const char *path = getenv("KVMW_FAKE_LOG");
	char line[256];
	va_list ap;
	int fd, n;

	if (!path)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fd = ((int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open"))(
		path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, n) != n)
		n = 0;
	close(fd);
}

/*
 * copy_struct_from_user(): the caller's @usize bytes into @k of @ksize,
 * zero-extended; a larger caller structure only with zero extra bytes.
 */
static int get_struct(void *k, size_t ksize, const void *uarg, __u32 ver0)
{
	__u32 usize = *(const __u32 *)uarg;
	const unsigned char *u = uarg;
	size_t i;

	if (usize < ver0) {
		errno = EINVAL;
		return -1;
	}
	for (i = ksize; i < usize; i++) {
		if (u[i]) {
			errno = E2BIG;
			return -1;
		}
	}
	memset(k, 0, ksize);
	memcpy(k, uarg, usize < ksize ? usize : ksize);
	return 0;
}

static unsigned char *snap_stream_file(const char *path, size_t *len);

/* The event rings: two CPUs' worth in a memfd. */
#define FAKE_RINGS	2
static int ring_fd = -1;
static struct kvmw_ring_setup ring_setup;
static __u64 ring_seq[FAKE_RINGS];
static int events_written;

static int fake_ring_setup(void *arg)
{
	__u32 usize = *(__u32 *)arg;
	long page = sysconf(_SC_PAGESIZE);
	struct kvmw_ring_setup s;
	struct kvmw_ring_ctrl c;
	unsigned int i;

	if (get_struct(&s, sizeof(s), arg, KVMW_RING_SETUP_SIZE_VER0))
		return -1;
	if (!s.data_pages)
		s.data_pages = KVMW_RING_PAGES_DEFAULT;
	s.data_size = (__u64)s.data_pages * page;
	if (!s.watermark)
		s.watermark = s.data_size / 4;
	if ((s.flags & ~KVMW_RING_FLAGS) || s.data_pages < 2 ||
	    s.data_pages > KVMW_RING_PAGES_MAX ||
	    (s.data_pages & (s.data_pages - 1)) ||
	    s.watermark > s.data_size / 2) {
		errno = EINVAL;
		return -1;
	}
	if (ring_fd >= 0) {
		errno = EBUSY;
		return -1;
	}
	s.nr_rings = FAKE_RINGS;
	s.page_size = page;
	s.mmap_stride = s.data_size + page;
	ring_fd = memfd_create("fake-rings", MFD_CLOEXEC);
	if (ring_fd < 0 || ftruncate(ring_fd, FAKE_RINGS * s.mmap_stride))
		return -1;
	for (i = 0; i < FAKE_RINGS; i++) {
		c = (struct kvmw_ring_ctrl){ .version = KVMW_RING_CTRL_VERSION,
			.flags = s.flags, .cpu = i, .data_size = s.data_size };
		if (pwrite(ring_fd, &c, sizeof(c), i * s.mmap_stride) !=
		    sizeof(c))
			return -1;
	}
	ring_setup = s;
	fake_log("ring_setup pages=%u flags=%#x", s.data_pages, s.flags);
	s.size = sizeof(s);
	memcpy(arg, &s, usize < sizeof(s) ? usize : sizeof(s));
	return 0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *(*real)(void *, size_t, int, int, int, off_t) =
		dlsym(RTLD_NEXT, "mmap");

	if (fd >= 0 && fd == fake_fd) {
		if (ring_fd < 0) {
			errno = ENODEV;
			return MAP_FAILED;
		}
		fd = ring_fd;
	}
	return real(addr, len, prot, flags, fd, off);
}

/* KVMW_FAKE_EVENTS into the rings, as a discard-mode producer. */
static void write_events(void)
{
	size_t len, off = 0, i, map_len = FAKE_RINGS * ring_setup.mmap_stride;
	unsigned char *buf = snap_stream_file(getenv("KVMW_FAKE_EVENTS"), &len);
	unsigned char *map, *ring;
	struct kvmw_ring_ctrl *c;
	struct kvmw_ev h;
	unsigned int cpu;

	map = buf ? mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 ring_fd, 0) : MAP_FAILED;
	while (map != MAP_FAILED && len - off >= sizeof(h)) {
		memcpy(&h, buf + off, sizeof(h));
		if (h.size < sizeof(h) || h.size > len - off)
			break;
		cpu = h.seq % FAKE_RINGS;
		c = (void *)(map + cpu * ring_setup.mmap_stride);
		ring = map + cpu * ring_setup.mmap_stride + ring_setup.page_size;
		h.seq = ring_seq[cpu]++;
		memcpy(buf + off, &h, sizeof(h));
		if (c->data_head + h.size - c->data_tail > ring_setup.data_size) {
			c->lost++;
		} else {
			for (i = 0; i < h.size; i++)
				ring[(c->data_head + i) % ring_setup.data_size] =
					buf[off + i];
			__atomic_store_n(&c->data_head, c->data_head + h.size,
					 __ATOMIC_RELEASE);
		}
		c->seq_next = ring_seq[cpu];
		off += h.size;
	}
	if (map != MAP_FAILED)
		munmap(map, map_len);
	free(buf);
}

static int fake_enable(void *arg)
{
	struct kvmw_enable e;

	if (get_struct(&e, sizeof(e), arg, KVMW_ENABLE_SIZE_VER0))
		return -1;
	if (e.flags || (e.families & ~KVMW_ENABLE_ALL) ||
	    ((e.families & KVMW_ENABLE_EVENTS) && ring_fd < 0)) {
		errno = EINVAL;
		return -1;
	}
	fake_log("enable families=%#llx", (unsigned long long)e.families);
	if (e.min_duration_ns)
		fake_log("enable min_duration=%llu",
			 (unsigned long long)e.min_duration_ns);
	if ((e.families & KVMW_ENABLE_EVENTS) && !events_written++)
		write_events();
	return 0;
}

static int fake_filter(void *arg)
{
	struct kvmw_filter f;

	if (get_struct(&f, sizeof(f), arg, KVMW_FILTER_SIZE_VER0))
		return -1;
	if ((f.flags & ~KVMW_FILTER_FLAGS) ||
	    ((f.flags & KVMW_FILTER_PID_TREE) && !(f.flags & KVMW_FILTER_PID)) ||
	    ((f.flags & KVMW_FILTER_PID) && f.pid <= 0) ||
	    ((f.flags & KVMW_FILTER_VCPU) && f.vcpu < 0) ||
	    ((f.flags & KVMW_FILTER_VM) && !memchr(f.vm, 0, sizeof(f.vm)))) {
		errno = EINVAL;
		return -1;
	}
	fake_log("filter flags=%#x pid=%d vcpu=%d vm=%.*s", f.flags, f.pid,
		 f.vcpu, (int)sizeof(f.vm), f.vm);
	return 0;
}

/* A whole file; NULL for none or an empty one. */
static unsigned char *snap_stream_file(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	FILE *f = path ? fopen(path, "rb") : NULL;
	long l;

	*len = 0;
	if (f && !fseek(f, 0, SEEK_END) && (l = ftell(f)) > 0 &&
	    !fseek(f, 0, SEEK_SET)) {
		buf = malloc(l);
		if (buf && fread(buf, 1, l, f) == (size_t)l)
			*len = l;
	}
	if (f)
		fclose(f);
	if (!*len) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/* The n-th file of KVMW_FAKE_SNAPSHOT, read whole; NULL for none. */
static unsigned char *snap_stream(unsigned int n, size_t *len)
{
	const char *spec = getenv("KVMW_FAKE_SNAPSHOT");
	char *copy, *item, *save, *pick = NULL;
	unsigned char *buf;
	unsigned int i = 0;

	*len = 0;
	if (!spec || !*spec)
		return NULL;
	copy = strdup(spec);
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		pick = item;
		if (i++ == n)
			break;
	}
	buf = snap_stream_file(pick, len);
	free(copy);
	return buf;
}

static int fake_snapshot(void *arg)
{
	static unsigned int calls;
	struct kvmw_snapshot s;
	struct timespec ts;
	unsigned char *stream;
	size_t len, off;
	__u32 usize = *(__u32 *)arg;

	if (get_struct(&s, sizeof(s), arg, KVMW_SNAPSHOT_SIZE_VER0))
		return -1;
	if ((s.flags & ~KVMW_SNAP_FLAGS) ||
	    ((s.flags & KVMW_SNAP_RESET) && (s.flags & KVMW_SNAP_RAW))) {
		errno = EINVAL;
		return -1;
	}
	if (getenv("KVMW_FAKE_SNAP_ERRNO")) {
		errno = (int)env_ul("KVMW_FAKE_SNAP_ERRNO", 0);
		return -1;
	}
	stream = snap_stream(calls, &len);
	if (s.buf_len < len) {
		/* Only "used" is written on an error. */
		((struct kvmw_snapshot *)arg)->used = len;
		fake_log("snapshot ENOSPC used=%zu", len);
		free(stream);
		errno = ENOSPC;
		return -1;
	}
	calls++;
	fake_log("snapshot flags=%#x buf_len=%llu", s.flags,
		 (unsigned long long)s.buf_len);
	if (len)
		memcpy((void *)(uintptr_t)s.buf, stream, len);
	s.used = len;
	s.nr_vms = s.nr_vcpus = 0;
	for (off = 0; off + sizeof(struct kvmw_rec) <= len;) {
		struct kvmw_rec r;

		memcpy(&r, stream + off, sizeof(r));
		if (r.len < sizeof(r))
			break;
		s.nr_vms += r.type == KVMW_REC_VM;
		s.nr_vcpus += r.type == KVMW_REC_VCPU;
		off += r.len;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s.time_ns = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	free(stream);
	s.size = sizeof(s);
	memcpy(arg, &s, usize < sizeof(s) ? usize : sizeof(s));
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
	case KVMW_IOC_ENABLE:
		return fake_enable(arg);
	case KVMW_IOC_SET_FILTER:
		return fake_filter(arg);
	case KVMW_IOC_SNAPSHOT:
		return fake_snapshot(arg);
	case KVMW_IOC_RING_SETUP:
		return fake_ring_setup(arg);
	case KVMW_IOC_RESET:
		if (arg) {
			errno = EINVAL;
			return -1;
		}
		fake_log("reset");
		return 0;
	}
	errno = ENOTTY;
	return -1;
}
