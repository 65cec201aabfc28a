// SPDX-License-Identifier: GPL-2.0
/*
 * stats_hold -- COMMAND [ARG...]
 *
 * Run COMMAND while holding a /dev/kvmwatch file with KVMW_ENABLE_STATS,
 * so that kvmwatch's exit probes are attached meanwhile (they are only
 * while some file has statistics enabled). For shell tests. Exits with
 * COMMAND's status, 126 if the file could not be set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvmwatch.h>

int main(int argc, char **argv)
{
	struct kvmw_enable en = { .size = sizeof(en),
				  .families = KVMW_ENABLE_STATS };
	int fd, status;
	pid_t pid;

	if (argc < 3 || strcmp(argv[1], "--")) {
		fprintf(stderr, "usage: stats_hold -- COMMAND [ARG...]\n");
		return 2;
	}
	fd = open("/dev/" KVMW_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, KVMW_IOC_ENABLE, &en)) {
		fprintf(stderr, "stats_hold: /dev/kvmwatch: %s\n", strerror(errno));
		return 126;
	}
	pid = fork();
	if (pid < 0)
		return 126;
	if (!pid) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "stats_hold: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 126;
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
