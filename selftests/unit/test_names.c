// SPDX-License-Identifier: GPL-2.0
/*
 * Port and MSR names (the tables are sorted and disjoint, so the binary
 * search finds every entry), and VM names from a VMM's command line.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "names.h"
#include "tap.h"
#include "tests.h"
#include "vmname.h"

static void check_table(const char *what, const struct kvmw_key_name *t,
			unsigned int n, const char *(*lookup)(u64))
{
	unsigned int i, bad_order = 0, bad_lookup = 0;

	for (i = 0; i < n; i++) {
		if (t[i].lo > t[i].hi || (i && t[i].lo <= t[i - 1].hi))
			bad_order++;
		if (lookup(t[i].lo) != t[i].name ||
		    lookup(t[i].hi) != t[i].name)
			bad_lookup++;
	}
	tap_ok(n > 20, "%s table has entries (%u)", what, n);
	tap_eq_u64(bad_order, 0, "%s table sorted, ranges disjoint", what);
	tap_eq_u64(bad_lookup, 0, "%s: every entry found at both ends", what);
}

static void test_ports(void)
{
	static const struct {
		u64 port;
		const char *name;
	} k[] = {
		{ 0x20, "PIC1_CMD" }, { 0x21, "PIC1_DATA" },
		{ 0xa0, "PIC2_CMD" }, { 0xa1, "PIC2_DATA" },
		{ 0x40, "PIT_CH0" }, { 0x43, "PIT_MODE" },
		{ 0x61, "NMI_SC_PORT61" },
		{ 0x70, "RTC_CMOS_INDEX" }, { 0x71, "RTC_CMOS_DATA" },
		{ 0x3f8, "COM1_DATA" }, { 0x3fd, "COM1_LSR" },
		{ 0x3ff, "COM1_SCR" }, { 0x2f8, "COM2_DATA" },
		{ 0x2fd, "COM2_LSR" },
		{ 0xcf8, "PCI_CONFIG_ADDR" }, { 0xcfc, "PCI_CONFIG_DATA" },
		{ 0xcfe, "PCI_CONFIG_DATA" },
		{ 0x608, "ACPI_PM_TMR" }, { 0xb008, "ACPI_PM_TMR" },
		{ 0x510, "FW_CFG_CTL" },
	};
	size_t i;

	check_table("IO port", kvmw_ioport_names, kvmw_nr_ioport_names,
		    kvmw_ioport_name);
	for (i = 0; i < ARRAY_SIZE(k); i++)
		tap_eq_str(kvmw_ioport_name(k[i].port), k[i].name,
			   "port %#llx is %s", (unsigned long long)k[i].port,
			   k[i].name);
	tap_ok(!kvmw_ioport_name(0x1234), "port 0x1234 unknown");
	tap_ok(!kvmw_ioport_name(0x44), "port 0x44 unknown (after the PIT)");
	tap_ok(!kvmw_ioport_name(~0ULL), "port KVMW_KEY_OTHER unknown");
}

static void test_msrs(void)
{
	static const struct {
		u64 msr;
		const char *name;
	} k[] = {
		{ 0x6e0, "IA32_TSC_DEADLINE" }, { 0x1b, "IA32_APIC_BASE" },
		{ 0x830, "X2APIC_ICR" }, { 0x832, "X2APIC_LVTT" },
		{ 0x838, "X2APIC_TMICT" }, { 0x80b, "X2APIC_EOI" },
		{ 0x808, "X2APIC_TPR" }, { 0x83f, "X2APIC_SELF_IPI" },
		{ 0x40000000, "HV_X64_MSR_GUEST_OS_ID" },
		{ 0x40000001, "HV_X64_MSR_HYPERCALL" },
		{ 0x40000002, "HV_X64_MSR_VP_INDEX" },
		{ 0x40000020, "HV_X64_MSR_TIME_REF_COUNT" },
		{ 0x40000021, "HV_X64_MSR_REFERENCE_TSC" },
		{ 0x40000080, "HV_X64_MSR_SCONTROL" },
		{ 0x40000082, "HV_X64_MSR_SIEFP" },
		{ 0x40000083, "HV_X64_MSR_SIMP" },
		{ 0x40000084, "HV_X64_MSR_EOM" },
		{ 0x40000090, "HV_X64_MSR_SINT0" },
		{ 0x4000009f, "HV_X64_MSR_SINT15" },
		{ 0x400000b0, "HV_X64_MSR_STIMER0_CONFIG" },
		{ 0x400000b1, "HV_X64_MSR_STIMER0_COUNT" },
		{ 0x400000b7, "HV_X64_MSR_STIMER3_COUNT" },
		{ 0x4b564d00, "MSR_KVM_WALL_CLOCK_NEW" },
		{ 0x4b564d01, "MSR_KVM_SYSTEM_TIME_NEW" },
		{ 0x4b564d02, "MSR_KVM_ASYNC_PF_EN" },
		{ 0x4b564d03, "MSR_KVM_STEAL_TIME" },
		{ 0x4b564d04, "MSR_KVM_PV_EOI_EN" },
		{ 0x4b564d07, "MSR_KVM_ASYNC_PF_ACK" },
		{ 0x11, "MSR_KVM_WALL_CLOCK" }, { 0x12, "MSR_KVM_SYSTEM_TIME" },
		{ 0xc0000080, "EFER" }, { 0x812, "X2APIC_ISR" },
	};
	size_t i;

	check_table("MSR", kvmw_msr_names, kvmw_nr_msr_names, kvmw_msr_name);
	for (i = 0; i < ARRAY_SIZE(k); i++)
		tap_eq_str(kvmw_msr_name(k[i].msr), k[i].name,
			   "MSR %#llx is %s", (unsigned long long)k[i].msr,
			   k[i].name);
	tap_ok(!kvmw_msr_name(0x831), "MSR 0x831 (reserved x2APIC) unknown");
	tap_ok(!kvmw_msr_name(0x40000004), "MSR 0x40000004 unknown");
	tap_ok(!kvmw_msr_name(~0ULL), "MSR KVMW_KEY_OTHER unknown");
}

/* A command line as /proc/PID/cmdline holds it, from '|'-separated text. */
static size_t cmdline(char *buf, size_t len, const char *text)
{
	size_t n = strlen(text) + 1, i;

	if (n > len)
		n = len;
	memcpy(buf, text, n);
	for (i = 0; i < n; i++)
		if (buf[i] == '|')
			buf[i] = '\0';
	return n;
}

static void check_name(const char *text, const char *want)
{
	char buf[512], out[64];
	size_t n = cmdline(buf, sizeof(buf), text);
	int ret = kvmw_qemu_name(buf, n, out, sizeof(out));

	if (want)
		tap_ok(ret == 0 && !strcmp(out, want), "name of \"%s\" is %s",
		       text, want);
	else
		tap_ok(ret == -1, "\"%s\" has no name", text);
}

static void test_qemu_names(void)
{
	check_name("qemu-system-x86_64|-m|1G|-name|win10", "win10");
	check_name("qemu-system-x86_64|-name|guest=win10,debug-threads=on",
		   "win10");
	check_name("qemu|-name|debug-threads=on,guest=web1", "web1");
	check_name("qemu|-name|db2,process=qemu:db2", "db2");
	check_name("qemu|--name|guest=a,,b", "a,b");
	check_name("qemu|-name|a|-name|b", "b");
	check_name("qemu|-name|guest=x,guest=y", "y");
	check_name("qemu|-name|process=p", NULL);
	check_name("qemu|-name", NULL);
	check_name("qemu|-name|", NULL);
	check_name("qemu|-m|1G", NULL);
	check_name("kvmw-guest|--cpuid|100", NULL);
	check_name("qemu|-nameX|foo", NULL);
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		tap_diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

/* A fake /proc/PID with a command line and a start time. */
static void fake_proc(const char *root, int pid, const char *cmd,
		      unsigned long long start_ticks)
{
	char path[256], stat[256], buf[512];
	size_t n;

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/cmdline", root, pid);
	n = cmdline(buf, sizeof(buf), cmd);
	write_file(path, buf, n);
	snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
	/* comm with a space and a ')' must not shift the fields. */
	snprintf(stat, sizeof(stat), "%d (qemu) x) S 1 1 1 0 -1 0 0 0 0 0 0 "
		 "0 0 0 20 0 1 0 %llu 0 0\n", pid, start_ticks);
	write_file(path, stat, strlen(stat));
}

static void test_vm_names(void)
{
	char root[] = "/tmp/kvmwatch-proc.XXXXXX", out[64], path[300];
	long hz = sysconf(_SC_CLK_TCK);
	struct timespec ts;
	u64 mono;

	if (!mkdtemp(root)) {
		tap_skip("mkdtemp failed", "VM names from a fake /proc");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	mono = (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	/* Started at boot + 1 tick, long before "now". */
	fake_proc(root, 4242, "qemu|-name|guest=db,debug-threads=on", 1);
	tap_ok(kvmw_vm_name(root, 4242, mono, out, sizeof(out)) == 0 &&
	       !strcmp(out, "db"), "VM name from /proc/PID/cmdline");
	/* A process started after the VM was created: the pid was reused. */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	fake_proc(root, 4545, "qemu|-name|late", ((u64)ts.tv_sec +
		  2) * (u64)hz);
	tap_ok(kvmw_vm_name(root, 4545, mono, out, sizeof(out)) == -1,
	       "pid started after the VM's creation: no name");
	fake_proc(root, 4343, "qemu|-m|1G", 1);
	tap_ok(kvmw_vm_name(root, 4343, mono, out, sizeof(out)) == -1,
	       "no -name: no name");
	tap_ok(kvmw_vm_name(root, 4444, mono, out, sizeof(out)) == -1,
	       "process gone: no name");
	tap_ok(kvmw_vm_name(root, 0, mono, out, sizeof(out)) == -1,
	       "pid 0: no name");
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path))
		tap_diag("cannot remove %s", root);
}

void test_key_names(void)
{
	test_ports();
	test_msrs();
	test_qemu_names();
	test_vm_names();
}
