/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/kvmwatch access. Every failure is reported here, with the likely
 * cause, so commands only pass on "it failed".
 */
#ifndef KVMW_DEV_H
#define KVMW_DEV_H

#include <linux/kvmwatch.h>

/* Overrides the device path, so tests can run without the module. */
#define KVMW_DEV_ENV	"KVMWATCH_DEVICE"

const char *kvmw_dev_path(void);

/* Open the device; -1 (reported) on failure. */
int kvmw_dev_open(void);

/* KVMW_IOC_VERSION / KVMW_IOC_COUNTERS; 0, or -1 (reported). */
int kvmw_dev_version(int fd, struct kvmw_version *v);
int kvmw_dev_counters(int fd, struct kvmw_counters *c);

/*
 * Open the device and make sure it speaks this tool's ABI, so no command
 * misreads a module whose fields changed meaning. -1 (reported) on failure.
 */
int kvmw_dev_open_checked(void);

#endif /* KVMW_DEV_H */
