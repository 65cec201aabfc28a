// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus exposition (lib/promfmt.c): a hand-built snapshot's text
 * byte for byte (expected text computed independently, exact decimals of
 * the log2 bucket bounds), the histogram's shape (cumulative, monotone,
 * +Inf = _count), label escaping, gone VMs left out; then "promtool check
 * metrics" on the same text when promtool is installed (the rig's
 * check.sh installs Debian's prometheus package for it). The doctor
 * gauges over the difference of two snapshots (lib/snapdelta.c), and the
 * Grafana dashboard in contrib/grafana: every metric its queries name
 * must be one a full exposition has.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "promfmt.h"
#include "snapbuild.h"
#include "snapdelta.h"
#include "snapshot.h"
#include "tap.h"
#include "tests.h"

#define SVM	KVMW_ISA_SVM
#define HLT	0x78
#define IO	0x7b
#define MSR	0x7c
#define R	KVMW_SUB_READ
#define W	KVMW_SUB_WRITE

static const u64 io0[] = { 200, 300, 1000 };
static const u64 hlt0[] = { 5000 };
static const u64 msr0[] = { 400 };
static const u64 p80[] = { 300 };
static const u64 p70[] = { 700, 900 };
static const u64 pother[] = { 100 };
static const u64 m6e0[] = { 800 };
static const u64 mmio[] = { 2500 };
static const u64 io1[] = { 100 };
static const u64 other1[] = { 50 };
static const u64 gone_hlt[] = { 4000 };

#define S(kind, sub, code, key, x, hist) \
	sb_stat(b, kind, sub, code, key, x, ARRAY_SIZE(x), hist, 0)

/*
 * VM 100-11 (2 vCPUs; its name needs escaping), VM 200-12 (gone: left
 * out), VM 300-5 (no vCPUs, no name).
 */
static void build(struct sb *b)
{
	sb_vm(b, 100, "100-11", 2, 0, 1);
	sb_vcpu(b, 0, 101, SVM, 9, 0);
	S(KVMW_STAT_EXIT, 0, IO, 0, io0, 1);
	S(KVMW_STAT_EXIT, 0, HLT, 0, hlt0, 1);
	S(KVMW_STAT_EXIT, 0, MSR, 0, msr0, 1);
	/* A child row of msr: counted in its parent, not exported. */
	S(KVMW_STAT_EXIT, R, MSR, 0, msr0, 1);
	S(KVMW_STAT_IOPORT, W, 0, 0x80, p80, 0);
	S(KVMW_STAT_IOPORT, R, 0, 0x70, p70, 0);
	S(KVMW_STAT_IOPORT, W, 0, KVMW_KEY_OTHER, pother, 0);
	S(KVMW_STAT_MSR, W, 0, 0x6e0, m6e0, 0);
	S(KVMW_STAT_MMIO, R, 0, 0xfee00000, mmio, 0);
	sb_vcpu(b, 1, 102, SVM, 2, 0);
	S(KVMW_STAT_EXIT, 0, IO, 0, io1, 1);
	S(KVMW_STAT_EXIT, 0, KVMW_CODE_OTHER, 0, other1, 1);
	sb_vm(b, 200, "200-12", 1, KVMW_VM_GONE, 2);
	sb_vcpu(b, 0, 201, SVM, 1, 0);
	S(KVMW_STAT_EXIT, 0, HLT, 0, gone_hlt, 1);
	sb_vm(b, 300, "300-5", 0, 0, 3);
}

/* Generated from an independent computation (Python's Decimal). */
static const char expected[] =
	"# HELP kvmwatch_exits_total VM exits handled (timed exits: kvm_exit followed by kvm_entry), cumulative since the vCPU's creation.\n"
	"# TYPE kvmwatch_exits_total counter\n"
	"kvmwatch_exits_total{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",vcpu=\"0\",reason=\"io\"} 3\n"
	"kvmwatch_exits_total{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",vcpu=\"0\",reason=\"hlt\"} 1\n"
	"kvmwatch_exits_total{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",vcpu=\"0\",reason=\"msr\"} 1\n"
	"kvmwatch_exits_total{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",vcpu=\"1\",reason=\"io\"} 1\n"
	"kvmwatch_exits_total{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",vcpu=\"1\",reason=\"other\"} 1\n"
	"# HELP kvmwatch_exit_handling_seconds Time from kvm_exit to the next kvm_entry, per exit reason, summed over the VM's vCPUs (log2 buckets).\n"
	"# TYPE kvmwatch_exit_handling_seconds histogram\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000000256\"} 0\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000000512\"} 0\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000001024\"} 0\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000002048\"} 0\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000004096\"} 0\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000008192\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000016384\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000032768\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000065536\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000131072\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000262144\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.000524288\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.001048576\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.002097152\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.004194304\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.008388608\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.016777216\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.033554432\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.067108864\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.134217728\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.268435456\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"0.536870912\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"1.073741824\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"2.147483648\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"4.294967296\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"8.589934592\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"17.179869184\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"34.359738368\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"68.719476736\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"137.438953472\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"274.877906944\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\",le=\"+Inf\"} 1\n"
	"kvmwatch_exit_handling_seconds_sum{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\"} 0.000005\n"
	"kvmwatch_exit_handling_seconds_count{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"hlt\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000000256\"} 2\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000000512\"} 3\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000001024\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000002048\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000004096\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000008192\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000016384\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000032768\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000065536\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000131072\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000262144\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.000524288\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.001048576\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.002097152\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.004194304\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.008388608\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.016777216\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.033554432\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.067108864\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.134217728\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.268435456\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"0.536870912\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"1.073741824\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"2.147483648\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"4.294967296\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"8.589934592\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"17.179869184\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"34.359738368\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"68.719476736\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"137.438953472\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"274.877906944\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\",le=\"+Inf\"} 4\n"
	"kvmwatch_exit_handling_seconds_sum{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\"} 0.0000016\n"
	"kvmwatch_exit_handling_seconds_count{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"io\"} 4\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000000256\"} 0\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000000512\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000001024\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000002048\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000004096\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000008192\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000016384\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000032768\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000065536\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000131072\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000262144\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.000524288\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.001048576\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.002097152\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.004194304\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.008388608\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.016777216\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.033554432\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.067108864\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.134217728\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.268435456\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"0.536870912\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"1.073741824\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"2.147483648\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"4.294967296\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"8.589934592\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"17.179869184\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"34.359738368\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"68.719476736\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"137.438953472\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"274.877906944\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\",le=\"+Inf\"} 1\n"
	"kvmwatch_exit_handling_seconds_sum{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\"} 0.0000004\n"
	"kvmwatch_exit_handling_seconds_count{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"msr\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000000256\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000000512\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000001024\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000002048\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000004096\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000008192\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000016384\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000032768\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000065536\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000131072\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000262144\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.000524288\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.001048576\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.002097152\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.004194304\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.008388608\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.016777216\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.033554432\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.067108864\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.134217728\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.268435456\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"0.536870912\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"1.073741824\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"2.147483648\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"4.294967296\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"8.589934592\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"17.179869184\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"34.359738368\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"68.719476736\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"137.438953472\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"274.877906944\"} 1\n"
	"kvmwatch_exit_handling_seconds_bucket{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\",le=\"+Inf\"} 1\n"
	"kvmwatch_exit_handling_seconds_sum{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\"} 0.00000005\n"
	"kvmwatch_exit_handling_seconds_count{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\",reason=\"other\"} 1\n"
	"# HELP kvmwatch_ioport_exits_total IO port accesses that exited, per port and direction (read: IN, write: OUT).\n"
	"# TYPE kvmwatch_ioport_exits_total counter\n"
	"kvmwatch_ioport_exits_total{vm=\"100-11\",vcpu=\"0\",port=\"0x80\",dir=\"write\",port_name=\"POST_IODELAY\"} 1\n"
	"kvmwatch_ioport_exits_total{vm=\"100-11\",vcpu=\"0\",port=\"0x70\",dir=\"read\",port_name=\"RTC_CMOS_INDEX\"} 2\n"
	"kvmwatch_ioport_exits_total{vm=\"100-11\",vcpu=\"0\",port=\"other\",dir=\"write\",port_name=\"\"} 1\n"
	"# HELP kvmwatch_msr_exits_total MSR accesses that exited, per MSR index and direction (read: RDMSR, write: WRMSR).\n"
	"# TYPE kvmwatch_msr_exits_total counter\n"
	"kvmwatch_msr_exits_total{vm=\"100-11\",vcpu=\"0\",msr=\"0x6e0\",dir=\"write\",msr_name=\"IA32_TSC_DEADLINE\"} 1\n"
	"# HELP kvmwatch_mmio_exits_total MMIO accesses that exited, per guest physical address and direction.\n"
	"# TYPE kvmwatch_mmio_exits_total counter\n"
	"kvmwatch_mmio_exits_total{vm=\"100-11\",vcpu=\"0\",addr=\"0xfee00000\",dir=\"read\"} 1\n"
	"# HELP kvmwatch_vm_info A VM kvmwatch tracks: its id (\"<pid>-<fd>\", as in KVM's debugfs), creator and QEMU -name.\n"
	"# TYPE kvmwatch_vm_info gauge\n"
	"kvmwatch_vm_info{vm=\"100-11\",pid=\"100\",name=\"web \\\"prod\\\"\\\\x\\nline\"} 1\n"
	"kvmwatch_vm_info{vm=\"300-5\",pid=\"300\",name=\"\"} 1\n"
	"# HELP kvmwatch_vcpus vCPUs of the VM.\n"
	"# TYPE kvmwatch_vcpus gauge\n"
	"kvmwatch_vcpus{vm=\"100-11\"} 2\n"
	"kvmwatch_vcpus{vm=\"300-5\"} 0\n"
	"# HELP kvmwatch_module_vms VMs the module tracks (live).\n"
	"# TYPE kvmwatch_module_vms gauge\n"
	"kvmwatch_module_vms 10\n"
	"# HELP kvmwatch_module_vcpus vCPUs the module tracks (live).\n"
	"# TYPE kvmwatch_module_vcpus gauge\n"
	"kvmwatch_module_vcpus 11\n"
	"# HELP kvmwatch_module_buffers Buffers allocated for tracked objects and consumers.\n"
	"# TYPE kvmwatch_module_buffers gauge\n"
	"kvmwatch_module_buffers 12\n"
	"# HELP kvmwatch_module_files Open /dev/kvmwatch files.\n"
	"# TYPE kvmwatch_module_files gauge\n"
	"kvmwatch_module_files 13\n"
	"# HELP kvmwatch_module_tracepoints KVM tracepoint probes attached.\n"
	"# TYPE kvmwatch_module_tracepoints gauge\n"
	"kvmwatch_module_tracepoints 14\n"
	"# HELP kvmwatch_module_kprobes kprobes registered.\n"
	"# TYPE kvmwatch_module_kprobes gauge\n"
	"kvmwatch_module_kprobes 15\n"
	"# HELP kvmwatch_module_kvm_loads_total Times kvm.ko was seen loading.\n"
	"# TYPE kvmwatch_module_kvm_loads_total counter\n"
	"kvmwatch_module_kvm_loads_total 16\n"
	"# HELP kvmwatch_module_kvm_unloads_total Times kvm.ko was seen unloading.\n"
	"# TYPE kvmwatch_module_kvm_unloads_total counter\n"
	"kvmwatch_module_kvm_unloads_total 17\n"
	"# HELP kvmwatch_module_untracked_events_total Events from a vCPU with no statistics slot; should stay 0.\n"
	"# TYPE kvmwatch_module_untracked_events_total counter\n"
	"kvmwatch_module_untracked_events_total 18\n"
	"# HELP kvmwatch_module_exits_total kvm_exit events on tracked vCPUs since the module was loaded.\n"
	"# TYPE kvmwatch_module_exits_total counter\n"
	"kvmwatch_module_exits_total 19\n"
	"# HELP kvmwatch_module_entries_total kvm_entry events on tracked vCPUs since the module was loaded.\n"
	"# TYPE kvmwatch_module_entries_total counter\n"
	"kvmwatch_module_entries_total 20\n"
	"# HELP kvmwatch_module_gone_vms Destroyed VMs whose final statistics are still kept.\n"
	"# TYPE kvmwatch_module_gone_vms gauge\n"
	"kvmwatch_module_gone_vms 21\n"
	"# HELP kvmwatch_module_gone_vcpus vCPUs of those VMs.\n"
	"# TYPE kvmwatch_module_gone_vcpus gauge\n"
	"kvmwatch_module_gone_vcpus 22\n"
	"# HELP kvmwatch_module_alloc_failures_total Statistics blocks that could not be allocated; should stay 0.\n"
	"# TYPE kvmwatch_module_alloc_failures_total counter\n"
	"kvmwatch_module_alloc_failures_total 23\n"
	"# HELP kvmwatch_module_stats_consumers Open files with statistics enabled.\n"
	"# TYPE kvmwatch_module_stats_consumers gauge\n"
	"kvmwatch_module_stats_consumers 24\n"
	"# HELP kvmwatch_module_unbound_events_total IO, MMIO, MSR and userspace-exit events not attributable to a vCPU.\n"
	"# TYPE kvmwatch_module_unbound_events_total counter\n"
	"kvmwatch_module_unbound_events_total 25\n"
	"# HELP kvmwatch_scrape_duration_seconds Time taken to read the module for this exposition.\n"
	"# TYPE kvmwatch_scrape_duration_seconds gauge\n"
	"kvmwatch_scrape_duration_seconds 0.00125\n"
	;

/*
 * Every histogram series in @text: buckets cumulative and non-decreasing,
 * ending with +Inf equal to the following _count. Returns the number of
 * series checked, or -1 on the first violation.
 */
static int check_histograms(const char *text)
{
	const char *p = text;
	unsigned long long prev = 0, inf = 0;
	int series = 0;
	bool in = false;

	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *val = eol;
		unsigned long long v;

		while (val > p && val[-1] != ' ')
			val--;
		v = strtoull(val, NULL, 10);
		if (!strncmp(p, "kvmwatch_exit_handling_seconds_bucket{", 38)) {
			if (in && v < prev)
				return -1;
			in = true;
			prev = v;
			if (strstr(p, "le=\"+Inf\"") &&
			    strstr(p, "le=\"+Inf\"") < eol)
				inf = v;
		} else if (!strncmp(p, "kvmwatch_exit_handling_seconds_count{",
				    37)) {
			if (!in || v != inf || v != prev)
				return -1;
			in = false;
			series++;
		}
		p = eol + 1;
	}
	return series;
}

static void promtool_check(const char *text)
{
	char path[] = "/tmp/kvmw-promfmt-XXXXXX";
	char cmd[256];
	int fd, st;

	if (system("command -v promtool >/dev/null 2>&1")) {
		tap_skip("promtool not installed (Debian: prometheus)",
			 "promtool check metrics");
		return;
	}
	fd = mkstemp(path);
	if (!tap_ok(fd >= 0, "promtool: temporary file"))
		return;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		tap_ok(false, "promtool: write the exposition");
		close(fd);
		unlink(path);
		return;
	}
	close(fd);
	/* Lint problems and parse errors both make it exit non-zero. */
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s >&2", path);
	st = system(cmd);
	tap_ok(st == 0, "promtool check metrics accepts the exposition");
	unlink(path);
}

/* ---- doctor gauges: findings over the difference of two snapshots ---- */

#define TICKS	2500

static u64 tick_hlt[TICKS + 10], tick_msr[TICKS + 10];

/*
 * VM 100-11 (serial 1), vCPU 0: @n HLTs of 3.8 ms and @n TSC_DEADLINE
 * writes of 2 us, after 10 of each of 100 ns (the earlier window).
 * With @other a second VM, 400-3 (serial 4), that only the later
 * snapshot has, and VM 200-12 gone.
 */
static void build_tick(struct sb *b, unsigned int n, bool other)
{
	unsigned int i;

	for (i = 0; i < 10 + n; i++) {
		tick_hlt[i] = i < 10 ? 100 : 3800000;
		tick_msr[i] = i < 10 ? 100 : 2000;
	}
	sb_vm(b, 100, "100-11", 1, 0, 1);
	sb_vcpu(b, 0, 101, SVM, 3, 0);
	sb_stat(b, KVMW_STAT_EXIT, 0, HLT, 0, tick_hlt, 10 + n, 1, 0);
	sb_stat(b, KVMW_STAT_EXIT, 0, MSR, 0, tick_msr, 10 + n, 1, 0);
	sb_stat(b, KVMW_STAT_MSR, W, 0, 0x6e0, tick_msr, 10 + n, 0, 0);
	sb_vm(b, 200, "200-12", 1, KVMW_VM_GONE, 2);
	sb_vcpu(b, 0, 201, SVM, 2, 0);
	sb_stat(b, KVMW_STAT_EXIT, 0, HLT, 0, tick_hlt, 10 + n, 1, 0);
	sb_stat(b, KVMW_STAT_MSR, W, 0, 0x6e0, tick_msr, 10 + n, 0, 0);
	if (other) {
		sb_vm(b, 400, "400-3", 1, 0, 4);
		sb_vcpu(b, 2, 401, SVM, 1, 0);
		sb_stat(b, KVMW_STAT_EXIT, 0, IO, 0, io0, ARRAY_SIZE(io0), 1, 0);
	}
}

static bool parse_sb(struct sb *b, struct kvmw_snap *s)
{
	return !kvmw_snap_parse(b->buf, b->len, s);
}

static const char doctor_expected[] =
	"# HELP kvmwatch_doctor_window_seconds Length of the window the doctor findings cover (the statistics between two evaluations); 0 until the first window closed.\n"
	"# TYPE kvmwatch_doctor_window_seconds gauge\n"
	"kvmwatch_doctor_window_seconds 10\n"
	"# HELP kvmwatch_doctor_finding A kvmwatch doctor finding of the last window (statistics kinds; docs/doctor.md): 1 while present.\n"
	"# TYPE kvmwatch_doctor_finding gauge\n"
	"kvmwatch_doctor_finding{vm=\"100-11\",pid=\"100\",name=\"web\",vcpu=\"0\",kind=\"timer-tick\"} 1\n"
	"# HELP kvmwatch_doctor_cost_seconds_per_second Host CPU time the finding's cause costs per second of the window (doctor's cost_ns_per_s / 1e9).\n"
	"# TYPE kvmwatch_doctor_cost_seconds_per_second gauge\n"
	"kvmwatch_doctor_cost_seconds_per_second{vm=\"100-11\",pid=\"100\",name=\"web\",vcpu=\"0\",kind=\"timer-tick\"} 0.0005\n";

static void test_doctor_gauges(char **expo)
{
	static const char *const names[] = { "web", "gone", "" };
	struct kvmw_snap prev, cur, d;
	struct kvmw_prom_in in = { 0 };
	const struct kvmw_snap_stat *st;
	struct kvmw_findings fs;
	struct capture cap;
	struct sb b1, b2;
	const char *text;

	*expo = NULL;
	sb_init(&b1);
	sb_init(&b2);
	build_tick(&b1, 0, false);
	build_tick(&b2, TICKS, true);
	if (!tap_ok(parse_sb(&b1, &prev) && parse_sb(&b2, &cur),
		    "doctor gauges: snapshots parse"))
		goto out_sb;
	if (!tap_ok(!kvmw_snap_delta(&prev, &cur, &d), "snapdelta: runs"))
		goto out_snap;
	st = kvmw_snap_find(&d.vms[0].vcpus[0], KVMW_STAT_EXIT, 0, HLT, 0);
	tap_ok(st && st->rec.count == TICKS &&
	       st->rec.total_ns == TICKS * 3800000ULL &&
	       st->hist[0] == 0 && st->rec.min_ns == 0,
	       "snapdelta: counts, times and buckets of the window only");
	tap_ok(d.nr_vms == 3 && d.vms[2].rec.serial == 4 &&
	       d.vms[2].vcpus[0].stats[0].rec.count == ARRAY_SIZE(io0),
	       "snapdelta: a VM new in the window is kept whole");
	if (!tap_ok(!kvmw_doctor_run(&d, 10000000000ULL, NULL, &fs),
		    "doctor gauges: doctor runs"))
		goto out_delta;
	/* The gone VM ticks too: found, but not exported. */
	tap_eq_u64(fs.nr, 2, "doctor gauges: the tick of both VMs found");
	in.snap = &cur;
	in.vm_names = names;
	in.scrape_seconds = -1;
	in.doctor = &fs;
	in.doctor_snap = &d;
	in.doctor_names = names;
	kvmw_prom_write(capture_begin(&cap), &in);
	text = capture_end(&cap);
	tap_contains(text, doctor_expected,
		     "doctor gauges: exposition of the live VM's finding");
	tap_ok(!strstr(text, "200-12"), "doctor gauges: gone VM left out");
	*expo = strdup(text);
	capture_free(&cap);
	kvmw_findings_free(&fs);

	/* Before the first window: the families, no samples. */
	memset(&fs, 0, sizeof(fs));
	kvmw_prom_write(capture_begin(&cap), &in);
	text = capture_end(&cap);
	tap_contains(text,
		"kvmwatch_doctor_window_seconds 0\n"
		"# HELP kvmwatch_doctor_finding ",
		"doctor gauges: no window yet: 0, no finding");
	capture_free(&cap);
out_delta:
	kvmw_snap_free(&d);
out_snap:
	kvmw_snap_free(&prev);
	kvmw_snap_free(&cur);
out_sb:
	sb_free(&b1);
	sb_free(&b2);
}

/* ---- the Grafana dashboard names only metrics the exporter writes ---- */

#define DASHBOARD	"../../contrib/grafana/kvmwatch-dashboard.json"

/* Is @name (a whole metric name) a family of @expo, or a histogram's series? */
static bool exported(const char *expo, const char *name)
{
	static const char *const hist_sfx[] = { "_bucket", "_sum", "_count" };
	char line[200];
	size_t n = strlen(name), i;

	snprintf(line, sizeof(line), "# TYPE %s ", name);
	if (strstr(expo, line))
		return true;
	for (i = 0; i < ARRAY_SIZE(hist_sfx); i++) {
		size_t k = strlen(hist_sfx[i]);

		if (n > k && !strcmp(name + n - k, hist_sfx[i])) {
			snprintf(line, sizeof(line), "# TYPE %.*s histogram\n",
				 (int)(n - k), name);
			if (strstr(expo, line))
				return true;
		}
	}
	return false;
}

/*
 * Every kvmwatch_* identifier in the JSON strings of @json keyed "expr",
 * "query" or "definition" (PromQL and Grafana's label_values()). Returns
 * how many names were checked; each unknown one is reported and counted
 * in *bad.
 */
static unsigned int check_queries(const char *json, const char *expo,
				   unsigned int *bad, unsigned int *exprs)
{
	static const char *const keys[] = {
		"\"expr\"", "\"query\"", "\"definition\"",
	};
	unsigned int names = 0, k;

	*bad = *exprs = 0;
	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		const char *p = json;

		while ((p = strstr(p, keys[k]))) {
			char q[2048], id[128];
			size_t n = 0, i;

			p += strlen(keys[k]);
			while (*p == ' ' || *p == ':')
				p++;
			if (*p != '"')
				continue;	/* an object: its "query" comes */
			for (p++; *p && *p != '"' && n < sizeof(q) - 1; p++) {
				if (*p == '\\' && p[1])
					p++;	/* \" and \\ */
				q[n++] = *p;
			}
			q[n] = '\0';
			(*exprs)++;
			for (i = 0; q[i]; i++) {
				size_t j = 0;

				if (strncmp(q + i, "kvmwatch_", 9) ||
				    (i && (isalnum((unsigned char)q[i - 1]) ||
					   q[i - 1] == '_' || q[i - 1] == ':')))
					continue;
				while ((isalnum((unsigned char)q[i + j]) ||
					q[i + j] == '_' || q[i + j] == ':') &&
				       j < sizeof(id) - 1) {
					id[j] = q[i + j];
					j++;
				}
				id[j] = '\0';
				i += j - 1;
				names++;
				if (!exported(expo, id)) {
					tap_diag("dashboard: unknown metric %s in \"%s\"",
						 id, q);
					(*bad)++;
				}
			}
		}
	}
	return names;
}

static void test_dashboard(const char *expo)
{
	unsigned int bad, exprs, names;
	FILE *f = fopen(DASHBOARD, "r");
	char *json = NULL;
	size_t len = 0;

	if (!tap_ok(f != NULL, "dashboard: " DASHBOARD " readable"))
		return;
	if (getdelim(&json, &len, '\0', f) < 0) {
		free(json);
		json = NULL;
	}
	fclose(f);
	if (!tap_ok(json && expo, "dashboard: read, exposition made")) {
		free(json);
		return;
	}
	names = check_queries(json, expo, &bad, &exprs);
	tap_ok(exprs >= 20 && names >= exprs,
	       "dashboard: every panel query and variable names a metric");
	tap_eq_u64(bad, 0, "dashboard: every metric it names is exported");
	/* The check itself: a misspelt name must be caught. */
	check_queries("{\"expr\": \"rate(kvmwatch_exits_totl[5m]) + kvmwatch_exit_handling_seconds_bucket\"}",
		      expo, &bad, &exprs);
	tap_eq_u64(bad, 1, "dashboard check catches an unknown metric");
	if (system("command -v python3 >/dev/null 2>&1")) {
		tap_skip("python3 not installed", "dashboard: valid JSON");
	} else {
		tap_ok(!system("python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
			       "assert d[\"panels\"] and d[\"templating\"][\"list\"][0][\"type\"] == \"datasource\"' "
			       DASHBOARD),
		       "dashboard: valid JSON, panels, datasource variable");
	}
	free(json);
}

void test_promfmt(void)
{
	static const char *const names[] = {
		"web \"prod\"\\x\nline", "gone", NULL,
	};
	struct kvmw_counters c;
	struct kvmw_prom_in in = { 0 };
	struct capture cap;
	struct kvmw_snap s;
	struct sb b;
	const char *text;
	char *full = NULL;
	unsigned int i;
	u64 *v;

	sb_init(&b);
	build(&b);
	if (!tap_ok(!kvmw_snap_parse(b.buf, b.len, &s),
		    "promfmt: snapshot parses")) {
		sb_free(&b);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	for (i = 0, v = &c.vms; v <= &c.unbound; v++, i++)
		*v = 10 + i;
	in.snap = &s;
	in.vm_names = names;
	in.counters = &c;
	in.scrape_seconds = 0.00125;

	tap_ok(!kvmw_prom_write(capture_begin(&cap), &in),
	       "promfmt: write succeeds");
	text = capture_end(&cap);
	tap_eq_str(text, expected, "promfmt: exposition byte for byte");
	tap_eq_u64(check_histograms(text), 4,
		   "promfmt: 4 histograms, cumulative, +Inf = _count");
	tap_ok(!strstr(text, "200-12"), "promfmt: gone VM left out");
	promtool_check(text);
	capture_free(&cap);

	/* An older module's shorter counters: its unknown fields left out. */
	c.size = KVMW_COUNTERS_SIZE_VER0;
	in.counters = &c;
	in.scrape_seconds = -1;
	kvmw_prom_write(capture_begin(&cap), &in);
	text = capture_end(&cap);
	tap_ok(strstr(text, "kvmwatch_module_entries_total 20\n") &&
	       !strstr(text, "kvmwatch_module_gone_vms") &&
	       !strstr(text, "kvmwatch_scrape_duration_seconds"),
	       "promfmt: VER0 counters: later fields and scrape time left out");
	capture_free(&cap);

	/* No names at all: every name label empty. */
	in.vm_names = NULL;
	in.counters = NULL;
	kvmw_prom_write(capture_begin(&cap), &in);
	text = capture_end(&cap);
	tap_ok(strstr(text, "kvmwatch_vm_info{vm=\"100-11\",pid=\"100\",name=\"\"} 1\n") &&
	       !strstr(text, "kvmwatch_module_"),
	       "promfmt: no names, no counters");
	capture_free(&cap);

	/* Doctor gauges; the full exposition for promtool and Grafana. */
	test_doctor_gauges(&full);
	if (full) {
		size_t n = strlen(full) + strlen(expected) + 1;
		char *all = malloc(n);

		/* the module counters and scrape time of the first one */
		if (all) {
			snprintf(all, n, "%s%s", expected, strstr(full,
				 "# HELP kvmwatch_doctor_window_seconds"));
			promtool_check(all);
			test_dashboard(all);
			free(all);
		}
		free(full);
	} else {
		test_dashboard(NULL);
	}

	kvmw_snap_free(&s);
	sb_free(&b);
}
