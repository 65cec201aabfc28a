// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmname.h"

/* Copy one option value up to an unescaped ',' ; returns where it ended. */
static const char *opt_value(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	while (*s) {
		if (*s == ',') {
			if (s[1] != ',')
				break;
			s++;		/* ",," is a literal comma */
		}
		if (outlen && n + 1 < outlen)
			out[n++] = *s;
		s++;
	}
	if (outlen)
		out[n] = '\0';
	return s;
}

/* The guest name in one -name value; true if it has one. */
static bool parse_name_opts(const char *v, char *out, size_t outlen)
{
	bool found = false, first = true;

	while (*v) {
		const char *eq = NULL, *p;

		/* Find '=' before the element's unescaped ','. */
		for (p = v; *p; p++) {
			if (*p == ',' && p[1] != ',')
				break;
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p == '=' && !eq)
				eq = p;
		}
		if (!eq && first) {
			v = opt_value(v, out, outlen);
			found = true;
		} else if (eq && eq - v == 5 && !strncmp(v, "guest", 5)) {
			v = opt_value(eq + 1, out, outlen);
			found = true;
		} else {
			char skip[1];

			v = opt_value(v, skip, 0);
		}
		first = false;
		if (*v == ',')
			v++;
	}
	return found;
}

int kvmw_qemu_name(const char *cmdline, size_t len, char *out,
		   size_t outlen)
{
	const char *p = cmdline, *end = cmdline + len;
	bool found = false;

	if (!outlen)
		return -1;
	/* Each argument must be NUL-terminated inside @len. */
	while (p < end) {
		const char *arg = p, *nul = memchr(p, '\0', end - p);
		const char *val;

		if (!nul)
			break;
		p = nul + 1;
		if (strcmp(arg, "-name") && strcmp(arg, "--name"))
			continue;
		if (p >= end)
			break;
		val = p;
		nul = memchr(p, '\0', end - p);
		if (!nul)
			break;
		p = nul + 1;
		/* A later -name merges over an earlier one, as in QEMU. */
		{
			char tmp[256];

			if (parse_name_opts(val, tmp, sizeof(tmp))) {
				snprintf(out, outlen, "%s", tmp);
				found = true;
			}
		}
	}
	return found && out[0] ? 0 : -1;
}

/* Read a whole small file; returns its length or -1. */
static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (n < len && (r = read(fd, buf + n, len - n)) > 0)
		n += r;
	close(fd);
	return (ssize_t)n;
}

/* Start time of @pid in ns since boot (CLOCK_BOOTTIME), or 0. */
static u64 start_ns(const char *proc, int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;
	int field;

	snprintf(path, sizeof(path), "%s/%d/stat", proc, pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n <= 0 || hz <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and ')': fields restart after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	/* Field 3 (state) follows; starttime is field 22. */
	for (field = 2; field < 21 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &ticks) != 1)
		return 0;
	return (u64)ticks * (1000000000ULL / (u64)hz);
}

static u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

int kvmw_vm_name(const char *proc, int pid, u64 created_ns, char *out,
		 size_t outlen)
{
	char path[64], buf[8192];
	u64 start, start2, boot_minus_mono;
	ssize_t n;

	if (pid <= 0)
		return -1;
	start = start_ns(proc, pid);
	if (!start)
		return -1;
	/*
	 * The process started after the VM was created: the pid was
	 * reused. created_ns is CLOCK_MONOTONIC, start CLOCK_BOOTTIME,
	 * which runs ahead by the time suspended; adding today's gap
	 * only ever makes this test more lenient.
	 */
	boot_minus_mono = clock_ns(CLOCK_BOOTTIME) - clock_ns(CLOCK_MONOTONIC);
	if (created_ns && start > created_ns + boot_minus_mono)
		return -1;
	snprintf(path, sizeof(path), "%s/%d/cmdline", proc, pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	/* The same process still, after reading its command line. */
	start2 = start_ns(proc, pid);
	if (start2 != start)
		return -1;
	return kvmw_qemu_name(buf, (size_t)n, out, outlen);
}
