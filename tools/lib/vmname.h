/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's human name, from its VMM's command line: QEMU's
 * "-name [guest=]NAME[,process=...][,debug-threads=on]" (libvirt passes
 * "-name guest=win10,debug-threads=on").
 */
#ifndef KVMW_VMNAME_H
#define KVMW_VMNAME_H

#include <stddef.h>

#include "types.h"

/*
 * The guest name in a command line as /proc/PID/cmdline holds it
 * (arguments each ended by NUL, @len bytes). Follows QEMU's option
 * syntax: "--name" is "-name", the value is the next argument, ",,"
 * stands for a comma, a first element without '=' is the guest name, and
 * the last -name and the last guest= win. Returns 0 with the name in @out
 * (truncated to @outlen), or -1 if there is none (or it is empty).
 */
int kvmw_qemu_name(const char *cmdline, size_t len, char *out,
		   size_t outlen);

/*
 * The name of the VM created by @pid at CLOCK_MONOTONIC @created_ns, from
 * /proc/@pid/cmdline. -1 when there is none, the process is gone, or
 * @pid now belongs to a process started after the VM was created (the
 * pid was reused). @proc is the procfs mount ("/proc" unless testing).
 */
int kvmw_vm_name(const char *proc, int pid, u64 created_ns, char *out,
		 size_t outlen);

#endif /* KVMW_VMNAME_H */
