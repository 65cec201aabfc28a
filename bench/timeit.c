// SPDX-License-Identifier: GPL-2.0
/*
 * bench-timeit OUT CMD [ARG...]: run CMD; write to the file OUT one line
 *   SECS CHILD_CPU ALL_BUSY
 * SECS: its wall time (CLOCK_MONOTONIC, from before fork to after reaping);
 * CHILD_CPU: the CPU seconds CMD used (user + system, guest time included);
 * ALL_BUSY: the busy seconds of all CPUs together over the same window
 * (/proc/stat, everything but idle and iowait): what else ran beside it.
 * Exits with CMD's status. Built static by bench/run.sh: the bench VM's
 * shell has no monotonic clock of sub-10 ms resolution.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Busy clock ticks of all CPUs: the "cpu" line of /proc/stat. */
static unsigned long long busy_ticks(void)
{
	unsigned long long v[10] = { 0 }, sum = 0;
	FILE *f = fopen("/proc/stat", "r");
	int i, n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]);
	fclose(f);
	/*
	 * user nice system [idle iowait] irq softirq steal; guest and
	 * guest_nice are already inside user and nice.
	 */
	for (i = 0; i < n && i < 8; i++)
		if (i != 3 && i != 4)
			sum += v[i];
	return sum;
}

int main(int argc, char **argv)
{
	unsigned long long b0, b1;
	struct timespec a, b;
	struct rusage ru;
	int status;
	pid_t pid;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: bench-timeit OUT CMD [ARG...]\n");
		return 2;
	}
	b0 = busy_ticks();
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 127;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	b1 = busy_ticks();
	getrusage(RUSAGE_CHILDREN, &ru);
	f = fopen(argv[1], "w");
	if (!f) {
		perror(argv[1]);
		return 127;
	}
	fprintf(f, "%.6f %.3f %.3f\n",
		(double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
		ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
		(double)(b1 - b0) / sysconf(_SC_CLK_TCK));
	if (fclose(f))
		return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
