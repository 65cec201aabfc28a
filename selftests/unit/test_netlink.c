// SPDX-License-Identifier: GPL-2.0
/*
 * The pure half of the netlink reader, fed attribute bytes built here as
 * the kernel lays them out (struct nlattr, 4-byte alignment, padding):
 * the attribute walker; a GET_STATS dump, however its records are split
 * over messages, assembled into exactly the snapshot the device's record
 * stream gives, and every malformed dump refused; GET_CONFIG's reply;
 * --threshold's REASON:RATE for both ISAs and the host ISA lookup; the
 * notifications parsed and printed by "monitor", byte for byte.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "exit_reason.h"
#include "nlnote.h"
#include "nlrec.h"
#include "snapbuild.h"
#include "tap.h"
#include "tests.h"
#include "threshold.h"
#include "../../uapi/linux/kvmwatch_nl.h"

/* Attributes as the kernel writes them. */
struct ab {
	unsigned char buf[1 << 16];
	size_t len;
	size_t nest[8];
	int depth;
};

static void ab_init(struct ab *a)
{
	a->len = 0;
	a->depth = 0;
}

static void ab_put(struct ab *a, u16 type, const void *data, size_t len)
{
	struct nlattr h = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	memcpy(a->buf + a->len, &h, sizeof(h));
	if (len)
		memcpy(a->buf + a->len + NLA_HDRLEN, data, len);
	memset(a->buf + a->len + NLA_HDRLEN + len, 0,
	       NLA_ALIGN(len) - len);
	a->len += NLA_HDRLEN + NLA_ALIGN(len);
}

static void ab_u32(struct ab *a, u16 type, u32 v)
{
	ab_put(a, type, &v, sizeof(v));
}

static void ab_u64(struct ab *a, u16 type, u64 v)
{
	ab_put(a, type, &v, sizeof(v));
}

static void ab_str(struct ab *a, u16 type, const char *s)
{
	ab_put(a, type, s, strlen(s) + 1);
}

static void ab_flag(struct ab *a, u16 type)
{
	ab_put(a, type, NULL, 0);
}

static void ab_begin(struct ab *a, u16 type)
{
	a->nest[a->depth++] = a->len;
	ab_put(a, type | NLA_F_NESTED, NULL, 0);
}

static void ab_end(struct ab *a)
{
	size_t start = a->nest[--a->depth];
	struct nlattr h;

	memcpy(&h, a->buf + start, sizeof(h));
	h.nla_len = a->len - start;
	memcpy(a->buf + start, &h, sizeof(h));
}

static struct ab ab, ab2;

static void test_walker(void)
{
	struct kvmw_nla_iter it;
	struct kvmw_nla a;
	char s[8];
	u32 v = 0;
	u64 w;

	ab_init(&ab);
	ab_u32(&ab, 5, 42);
	ab_str(&ab, 6, "abc");
	ab_begin(&ab, 7);
	ab_flag(&ab, 1);
	ab_end(&ab);
	kvmw_nla_iter_init(&it, ab.buf, ab.len);
	tap_ok(kvmw_nla_next(&it, &a) == 1 && a.type == 5 && a.len == 4 &&
	       !kvmw_nla_u32(&a, &v) && v == 42, "walker: u32 attribute");
	tap_ok(kvmw_nla_u64(&a, &w) == -EINVAL, "walker: u32 is not a u64");
	tap_ok(kvmw_nla_next(&it, &a) == 1 && a.type == 6 && a.len == 4 &&
	       !kvmw_nla_str(&a, s, sizeof(s)) && !strcmp(s, "abc"),
	       "walker: string, padded to 4");
	tap_ok(kvmw_nla_str(&a, s, 3) == -EINVAL,
	       "walker: string longer than the buffer refused");
	tap_ok(kvmw_nla_next(&it, &a) == 1 && a.type == 7 && a.len == 4,
	       "walker: NLA_F_NESTED masked off the type");
	tap_ok(kvmw_nla_next(&it, &a) == 0, "walker: end");

	/* The last attribute may come without its padding. */
	ab_init(&ab);
	ab_put(&ab, 3, "x", 1);
	kvmw_nla_iter_init(&it, ab.buf, NLA_HDRLEN + 1);
	tap_ok(kvmw_nla_next(&it, &a) == 1 && a.len == 1 &&
	       kvmw_nla_next(&it, &a) == 0, "walker: unpadded last attribute");
	tap_ok(kvmw_nla_str(&a, s, sizeof(s)) == -EINVAL,
	       "walker: string without its NUL refused");

	kvmw_nla_iter_init(&it, ab.buf, 3);
	tap_eq_u64((u64)kvmw_nla_next(&it, &a), (u64)-EINVAL,
		   "walker: truncated header refused");
	ab_init(&ab);
	ab_u32(&ab, 5, 1);
	kvmw_nla_iter_init(&it, ab.buf, ab.len - 1);
	tap_eq_u64((u64)kvmw_nla_next(&it, &a), (u64)-EINVAL,
		   "walker: length past the end refused");
	ab.buf[0] = 3;		/* nla_len 3 < NLA_HDRLEN */
	ab.buf[1] = 0;
	kvmw_nla_iter_init(&it, ab.buf, ab.len);
	tap_eq_u64((u64)kvmw_nla_next(&it, &a), (u64)-EINVAL,
		   "walker: length shorter than the header refused");
}

static const u64 s_hlt[] = { 1000, 3000 };
static const u64 s_io[] = { 2000 };
static const u64 s_msr[] = { 500, 700, 900 };

/* Two VMs, three vCPUs, every record kind, a histogram. */
static void build_stream(struct sb *b)
{
	sb_vm(b, 100, "100-11", 2, 0, 7);
	sb_vcpu(b, 0, 101, KVMW_ISA_SVM, 2, 1);
	sb_stat(b, KVMW_STAT_EXIT, 0, 0x78, 0, s_hlt, 2, 1, 0);
	sb_stat(b, KVMW_STAT_IOPORT, KVMW_SUB_READ, 0, 0x608, s_io, 1, 0, 0);
	sb_rip(b, 0x78, 0xffffffff81000000ULL, 2);
	sb_vcpu(b, 1, 102, KVMW_ISA_SVM, 0, 0);
	sb_vm(b, 200, "200-9", 1, KVMW_VM_GONE, 8);
	sb_vcpu(b, 0, 201, KVMW_ISA_SVM, 1, 0);
	sb_stat(b, KVMW_STAT_EXIT, 0, 0x7c, 0, s_msr, 3, 1, 0);
}

/* Offsets of the records of a stream, and how many. */
static size_t rec_offsets(const struct sb *b, size_t *off, size_t max)
{
	size_t n = 0, o = 0;

	while (o < b->len && n < max) {
		struct kvmw_rec h;

		memcpy(&h, b->buf + o, sizeof(h));
		off[n++] = o;
		o += h.len;
	}
	return n;
}

static bool snap_equal(const struct kvmw_snap *a, const struct kvmw_snap *b)
{
	size_t i, j;

	if (a->nr_vms != b->nr_vms)
		return false;
	for (i = 0; i < a->nr_vms; i++) {
		const struct kvmw_snap_vm *va = &a->vms[i], *vb = &b->vms[i];

		if (memcmp(&va->rec, &vb->rec, sizeof(va->rec)) ||
		    va->nr_vcpus != vb->nr_vcpus)
			return false;
		for (j = 0; j < va->nr_vcpus; j++) {
			const struct kvmw_snap_vcpu *ca = &va->vcpus[j];
			const struct kvmw_snap_vcpu *cb = &vb->vcpus[j];

			if (memcmp(&ca->rec, &cb->rec, sizeof(ca->rec)) ||
			    ca->nr_stats != cb->nr_stats ||
			    ca->nr_rips != cb->nr_rips ||
			    memcmp(ca->stats, cb->stats,
				   ca->nr_stats * sizeof(*ca->stats)) ||
			    memcmp(ca->rips, cb->rips,
				   ca->nr_rips * sizeof(*ca->rips)))
				return false;
		}
	}
	return true;
}

/* The first message's header attributes. */
static void put_hdr(struct ab *a, u64 time_ns, u32 vms, u32 vcpus)
{
	/* As nla_put_u64_64bit() on x86: a PAD attribute may precede. */
	ab_put(a, KVMW_NL_ATTR_PAD, NULL, 0);
	ab_u64(a, KVMW_NL_ATTR_TIME_NS, time_ns);
	ab_u32(a, KVMW_NL_ATTR_NR_VMS, vms);
	ab_u32(a, KVMW_NL_ATTR_NR_VCPUS, vcpus);
}

/*
 * Feed @b's records, @per records per message (0: the first message
 * carries the header only, then one record per message).
 */
static int feed(struct kvmw_nlsnap_acc *acc, const struct sb *b, size_t per,
		u32 vms, u32 vcpus)
{
	size_t off[64], n = rec_offsets(b, off, 64), i = 0;
	bool first = true;
	int err;

	while (first || i < n) {
		size_t k, take = per ? per : (first ? 0 : 1);

		ab_init(&ab);
		if (first)
			put_hdr(&ab, 123456789, vms, vcpus);
		for (k = 0; k < take && i < n; k++, i++) {
			size_t end = i + 1 < n ? off[i + 1] : b->len;

			ab_put(&ab, KVMW_NL_ATTR_REC, b->buf + off[i],
			       end - off[i]);
		}
		err = kvmw_nlsnap_acc_add(acc, ab.buf, ab.len);
		if (err)
			return err;
		first = false;
	}
	return 0;
}

static void test_assembly(void)
{
	static const size_t splits[] = { 0, 1, 3, 64 };
	struct kvmw_nlsnap_acc acc;
	struct kvmw_snap want, got;
	struct sb b;
	size_t i;

	sb_init(&b);
	build_stream(&b);
	if (!tap_ok(!kvmw_snap_parse(b.buf, b.len, &want),
		    "assembly: the device's stream parses"))
		return;

	for (i = 0; i < ARRAY_SIZE(splits); i++) {
		int err;

		kvmw_nlsnap_acc_init(&acc);
		err = feed(&acc, &b, splits[i], 2, 3);
		tap_eq_u64((u64)err, 0, "assembly, %zu per message: fed",
			   splits[i]);
		tap_eq_u64(acc.len, b.len,
			   "assembly, %zu per message: every record kept",
			   splits[i]);
		tap_ok(!memcmp(acc.buf, b.buf, b.len),
		       "assembly, %zu per message: records in order",
		       splits[i]);
		err = kvmw_nlsnap_acc_finish(&acc, KVMW_SNAP_NO_HIST, &got);
		tap_eq_u64((u64)err, 0, "assembly, %zu per message: parses",
			   splits[i]);
		tap_ok(!err && snap_equal(&got, &want),
		       "assembly, %zu per message: the device's snapshot",
		       splits[i]);
		tap_ok(got.hdr.size == sizeof(got.hdr) &&
		       got.hdr.flags == KVMW_SNAP_NO_HIST &&
		       got.hdr.used == b.len && got.hdr.time_ns == 123456789 &&
		       got.hdr.nr_vms == 2 && got.hdr.nr_vcpus == 3 &&
		       got.hdr.buf == 0,
		       "assembly, %zu per message: header as the ioctl's",
		       splits[i]);
		kvmw_snap_free(&got);
		kvmw_nlsnap_acc_free(&acc);
	}

	/* Only the first message says what the snapshot holds. */
	kvmw_nlsnap_acc_init(&acc);
	ab_init(&ab);
	put_hdr(&ab, 5, 2, 3);
	kvmw_nlsnap_acc_add(&acc, ab.buf, ab.len);
	ab_init(&ab);
	put_hdr(&ab, 6, 99, 99);
	ab_u32(&ab, 200, 1);		/* a newer module's attribute */
	tap_eq_u64((u64)kvmw_nlsnap_acc_add(&acc, ab.buf, ab.len), 0,
		   "assembly: unknown attribute skipped");
	tap_ok(acc.time_ns == 5 && acc.nr_vms == 2 && acc.nr_vcpus == 3,
	       "assembly: a later message's TIME_NS/NR_* ignored");
	kvmw_nlsnap_acc_free(&acc);

	/* An empty snapshot is one message with the header only. */
	kvmw_nlsnap_acc_init(&acc);
	ab_init(&ab);
	put_hdr(&ab, 7, 0, 0);
	kvmw_nlsnap_acc_add(&acc, ab.buf, ab.len);
	tap_ok(!kvmw_nlsnap_acc_finish(&acc, 0, &got) && !got.nr_vms &&
	       got.hdr.time_ns == 7, "assembly: empty snapshot");
	kvmw_snap_free(&got);
	kvmw_nlsnap_acc_free(&acc);

	kvmw_snap_free(&want);
	sb_free(&b);
}

/* One bad REC attribute: refused, nothing appended. */
static void bad_rec(const void *rec, size_t len, const char *what)
{
	struct kvmw_nlsnap_acc acc;
	struct kvmw_rec_vm vm;

	kvmw_nlsnap_acc_init(&acc);
	memset(&vm, 0, sizeof(vm));
	vm.hdr.type = KVMW_REC_VM;
	vm.hdr.len = sizeof(vm);
	ab_init(&ab);
	put_hdr(&ab, 1, 1, 0);
	ab_put(&ab, KVMW_NL_ATTR_REC, &vm, sizeof(vm));
	kvmw_nlsnap_acc_add(&acc, ab.buf, ab.len);
	ab_init(&ab);
	ab_put(&ab, KVMW_NL_ATTR_REC, rec, len);
	tap_eq_u64((u64)kvmw_nlsnap_acc_add(&acc, ab.buf, ab.len),
		   (u64)-EINVAL, "assembly refuses: %s", what);
	tap_eq_u64(acc.len, sizeof(vm), "assembly refuses, keeps the rest: %s",
		   what);
	kvmw_nlsnap_acc_free(&acc);
}

static void finish_fails(struct kvmw_nlsnap_acc *acc, int want,
			 const char *what)
{
	struct kvmw_snap s;
	int err = kvmw_nlsnap_acc_finish(acc, 0, &s);

	tap_eq_u64((u64)err, (u64)want, "assembly refuses: %s", what);
	tap_ok(!s.vms && !s.nr_vms, "assembly refuses, nothing left: %s",
	       what);
	kvmw_nlsnap_acc_free(acc);
}

static void test_assembly_errors(void)
{
	struct kvmw_nlsnap_acc acc;
	struct kvmw_rec_vm vm;
	unsigned char raw[96];
	struct sb b;

	memset(&vm, 0, sizeof(vm));
	vm.hdr.type = KVMW_REC_VM;
	vm.hdr.len = sizeof(vm) + 8;	/* says more than it carries */
	bad_rec(&vm, sizeof(vm), "record length above the attribute's");
	vm.hdr.len = sizeof(vm) - 8;
	bad_rec(&vm, sizeof(vm), "record length below the attribute's");
	memset(raw, 0, sizeof(raw));
	((struct kvmw_rec *)raw)->len = 12;
	bad_rec(raw, 12, "length not a multiple of 8");
	bad_rec(raw, 4, "shorter than a record header");
	((struct kvmw_rec *)raw)->len = 96;
	bad_rec(raw, 88, "two records' bytes in one attribute");

	/* A malformed header attribute: the message is refused whole. */
	kvmw_nlsnap_acc_init(&acc);
	ab_init(&ab);
	ab_u32(&ab, KVMW_NL_ATTR_TIME_NS, 1);
	vm.hdr.len = sizeof(vm);
	ab_put(&ab, KVMW_NL_ATTR_REC, &vm, sizeof(vm));
	tap_eq_u64((u64)kvmw_nlsnap_acc_add(&acc, ab.buf, ab.len),
		   (u64)-EINVAL, "assembly refuses: TIME_NS of 4 bytes");
	tap_ok(acc.len == 0 && !acc.have_time && acc.msgs == 0,
	       "assembly refuses TIME_NS of 4 bytes, takes nothing of it");
	ab_init(&ab);
	ab_u64(&ab, KVMW_NL_ATTR_NR_VMS, 1);
	tap_eq_u64((u64)kvmw_nlsnap_acc_add(&acc, ab.buf, ab.len),
		   (u64)-EINVAL, "assembly refuses: NR_VMS of 8 bytes");
	ab_init(&ab);
	ab_u32(&ab, KVMW_NL_ATTR_NR_VCPUS, 1);
	tap_eq_u64((u64)kvmw_nlsnap_acc_add(&acc, ab.buf, ab.len - 2),
		   (u64)-EINVAL, "assembly refuses: a truncated attribute");
	kvmw_nlsnap_acc_free(&acc);

	kvmw_nlsnap_acc_init(&acc);
	finish_fails(&acc, -EPROTO, "no message at all");

	kvmw_nlsnap_acc_init(&acc);
	ab_init(&ab);
	ab_u64(&ab, KVMW_NL_ATTR_TIME_NS, 1);
	ab_u32(&ab, KVMW_NL_ATTR_NR_VMS, 0);
	kvmw_nlsnap_acc_add(&acc, ab.buf, ab.len);
	finish_fails(&acc, -EPROTO, "first message without NR_VCPUS");

	sb_init(&b);
	build_stream(&b);
	kvmw_nlsnap_acc_init(&acc);
	feed(&acc, &b, 2, 3, 3);
	finish_fails(&acc, -EINVAL, "NR_VMS says 3 of 2 VMs");
	kvmw_nlsnap_acc_init(&acc);
	feed(&acc, &b, 2, 2, 4);
	finish_fails(&acc, -EINVAL, "NR_VCPUS says 4 of 3 vCPUs");
	sb_free(&b);

	/* Whole records, in the wrong order: the stream parser's call. */
	sb_init(&b);
	sb_vcpu(&b, 0, 1, KVMW_ISA_SVM, 0, 0);
	kvmw_nlsnap_acc_init(&acc);
	feed(&acc, &b, 1, 0, 1);
	finish_fails(&acc, -EINVAL, "a vCPU before any VM");
	sb_free(&b);
}

static void test_config(void)
{
	struct kvmw_nl_config c;
	int i;

	ab_init(&ab);
	ab_put(&ab, KVMW_NL_ATTR_PAD, NULL, 0);
	ab_u64(&ab, KVMW_NL_ATTR_ENABLE, KVMW_ENABLE_STATS);
	ab_begin(&ab, KVMW_NL_ATTR_FILTER);
	ab_u32(&ab, KVMW_NL_FILTER_PID, 4242);
	ab_flag(&ab, KVMW_NL_FILTER_PID_TREE);
	ab_str(&ab, KVMW_NL_FILTER_VM, "4242-13");
	ab_u32(&ab, KVMW_NL_FILTER_VCPU, 3);
	ab_flag(&ab, KVMW_NL_FILTER_LIVE);
	ab_end(&ab);
	ab_u32(&ab, KVMW_NL_ATTR_RATELIMIT_MS, 250);
	ab_begin(&ab, KVMW_NL_ATTR_THRESHOLDS);
	ab_begin(&ab, KVMW_NL_ATTR_THRESHOLD);
	ab_u32(&ab, KVMW_NL_TH_ISA, KVMW_ISA_SVM);
	ab_u32(&ab, KVMW_NL_TH_CODE, 0x7b);
	ab_u64(&ab, KVMW_NL_TH_RATE, 1000);
	ab_end(&ab);
	ab_begin(&ab, KVMW_NL_ATTR_THRESHOLD);
	ab_u32(&ab, KVMW_NL_TH_ISA, KVMW_ISA_VMX);
	ab_u32(&ab, KVMW_NL_TH_CODE, 32);
	ab_u64(&ab, KVMW_NL_TH_RATE, 1ULL << 40);
	ab_end(&ab);
	ab_end(&ab);
	tap_eq_u64((u64)kvmw_nlcfg_parse(ab.buf, ab.len, &c), 0,
		   "GET_CONFIG reply parses");
	tap_eq_u64(c.fields, KVMW_NLCFG_ENABLE | KVMW_NLCFG_FILTER |
		   KVMW_NLCFG_THRESHOLDS | KVMW_NLCFG_RATELIMIT,
		   "GET_CONFIG: every field seen");
	tap_eq_u64(c.enable, KVMW_ENABLE_STATS, "GET_CONFIG: enable");
	tap_ok(c.filter.flags == (KVMW_FILTER_PID | KVMW_FILTER_PID_TREE |
				  KVMW_FILTER_VM | KVMW_FILTER_VCPU |
				  KVMW_FILTER_LIVE) &&
	       c.filter.pid == 4242 && c.filter.vcpu == 3 &&
	       !strcmp(c.filter.vm, "4242-13") &&
	       c.filter.size == sizeof(c.filter), "GET_CONFIG: filter");
	tap_eq_u64(c.ratelimit_ms, 250, "GET_CONFIG: rate limit");
	tap_ok(c.nr_th == 2 && c.th[0].isa == KVMW_ISA_SVM &&
	       c.th[0].code == 0x7b && c.th[0].rate == 1000 &&
	       c.th[1].isa == KVMW_ISA_VMX && c.th[1].code == 32 &&
	       c.th[1].rate == 1ULL << 40, "GET_CONFIG: two thresholds");

	/* No filter, no thresholds: empty nests. */
	ab_init(&ab);
	ab_u64(&ab, KVMW_NL_ATTR_ENABLE, 0);
	ab_begin(&ab, KVMW_NL_ATTR_FILTER);
	ab_end(&ab);
	ab_begin(&ab, KVMW_NL_ATTR_THRESHOLDS);
	ab_end(&ab);
	tap_ok(!kvmw_nlcfg_parse(ab.buf, ab.len, &c) && !c.filter.flags &&
	       !c.nr_th && !c.enable &&
	       c.fields == (KVMW_NLCFG_ENABLE | KVMW_NLCFG_FILTER |
			    KVMW_NLCFG_THRESHOLDS),
	       "GET_CONFIG: empty filter and thresholds");

	ab_init(&ab);
	ab_begin(&ab, KVMW_NL_ATTR_THRESHOLDS);
	ab_begin(&ab, KVMW_NL_ATTR_THRESHOLD);
	ab_u32(&ab, KVMW_NL_TH_ISA, KVMW_ISA_SVM);
	ab_u32(&ab, KVMW_NL_TH_CODE, 0x7b);
	ab_end(&ab);
	ab_end(&ab);
	tap_eq_u64((u64)kvmw_nlcfg_parse(ab.buf, ab.len, &c), (u64)-EINVAL,
		   "GET_CONFIG: a threshold without RATE refused");

	ab_init(&ab);
	ab_begin(&ab, KVMW_NL_ATTR_THRESHOLDS);
	for (i = 0; i <= KVMW_NL_THRESHOLDS_MAX; i++) {
		ab_begin(&ab, KVMW_NL_ATTR_THRESHOLD);
		ab_u32(&ab, KVMW_NL_TH_ISA, KVMW_ISA_SVM);
		ab_u32(&ab, KVMW_NL_TH_CODE, i);
		ab_u64(&ab, KVMW_NL_TH_RATE, 1);
		ab_end(&ab);
	}
	ab_end(&ab);
	tap_eq_u64((u64)kvmw_nlcfg_parse(ab.buf, ab.len, &c), (u64)-EINVAL,
		   "GET_CONFIG: %d thresholds refused",
		   KVMW_NL_THRESHOLDS_MAX + 1);

	ab_init(&ab);
	ab_begin(&ab, KVMW_NL_ATTR_FILTER);
	ab_u64(&ab, KVMW_NL_FILTER_PID, 1);
	ab_end(&ab);
	tap_eq_u64((u64)kvmw_nlcfg_parse(ab.buf, ab.len, &c), (u64)-EINVAL,
		   "GET_CONFIG: a 64-bit PID refused");
}

static void th_ok(const char *arg, u32 isa, u32 code, u64 rate)
{
	struct kvmw_threshold th;
	char why[256] = "";
	int ret = kvmw_threshold_parse(arg, isa, &th, why, sizeof(why));

	tap_ok(!ret && th.isa == isa && th.code == code && th.rate == rate,
	       "--threshold %s on %s: code 0x%x, %llu/s", arg,
	       kvmw_isa_name(isa), code, (unsigned long long)rate);
	if (ret)
		tap_diag("%s", why);
}

static void th_bad(const char *arg, u32 isa, const char *want)
{
	struct kvmw_threshold th;
	char why[256] = "";
	int ret = kvmw_threshold_parse(arg, isa, &th, why, sizeof(why));

	tap_ok(ret == -1 && !strcmp(why, want), "--threshold '%s' refused: %s",
	       arg, want);
	if (strcmp(why, want))
		tap_diag("got: %s", why);
}

/* Every name of an ISA's table resolves to its own code, any case. */
static void names_round_trip(u32 isa)
{
	const struct kvmw_exit_name *t;
	size_t i, n = kvmw_exit_reasons(isa, &t), bad = 0;

	for (i = 0; i < n; i++) {
		char upper[64];
		size_t k;
		u32 code;

		for (k = 0; t[i].name[k] && k < sizeof(upper) - 1; k++)
			upper[k] = (char)toupper((unsigned char)t[i].name[k]);
		upper[k] = '\0';
		if (kvmw_exit_reason_code(isa, t[i].name, &code) ||
		    code != t[i].code ||
		    kvmw_exit_reason_code(isa, upper, &code) ||
		    code != t[i].code) {
			tap_diag("%s: '%s' does not resolve to 0x%x",
				 kvmw_isa_name(isa), t[i].name, t[i].code);
			bad++;
		}
	}
	tap_ok(n > 50 && !bad,
	       "%s: all %zu perf names resolve to their code, any case",
	       kvmw_isa_name(isa), n);
}

static char dir[] = "/tmp/kvmwatch-nl.XXXXXX";

static void put_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_threshold(void)
{
	const char *unknown_tail = "' (perf's names, e.g. io, msr, hlt on SVM "
		"or IO_INSTRUCTION, MSR_WRITE, HLT on VMX, or a number)";
	char want[256], sys[64], proc[64];

	th_ok("io:1000", KVMW_ISA_SVM, 0x7b, 1000);
	th_ok("msr:5", KVMW_ISA_SVM, 0x7c, 5);
	th_ok("hlt:1", KVMW_ISA_SVM, 0x78, 1);
	th_ok("HLT:1", KVMW_ISA_SVM, 0x78, 1);
	th_ok("IO_INSTRUCTION:250", KVMW_ISA_VMX, 30, 250);
	th_ok("MSR_WRITE:18446744073709551615", KVMW_ISA_VMX, 32,
	      18446744073709551615ULL);
	th_ok("hlt:7", KVMW_ISA_VMX, 12, 7);
	th_ok("0x7b:3", KVMW_ISA_SVM, 0x7b, 3);
	th_ok("123:3", KVMW_ISA_SVM, 123, 3);
	th_ok("0xffffffff:3", KVMW_ISA_VMX, 0xffffffff, 3);
	names_round_trip(KVMW_ISA_SVM);
	names_round_trip(KVMW_ISA_VMX);

	th_bad("io", KVMW_ISA_SVM,
	       "invalid threshold 'io' (expected REASON:RATE, e.g. io:1000)");
	th_bad(":5", KVMW_ISA_SVM,
	       "invalid threshold ':5' (expected REASON:RATE, e.g. io:1000)");
	th_bad("io:", KVMW_ISA_SVM,
	       "invalid threshold 'io:' (expected REASON:RATE, e.g. io:1000)");
	th_bad("io:0", KVMW_ISA_SVM,
	       "invalid rate '0' in 'io:0' (exits per second, 1 or more)");
	th_bad("io:-5", KVMW_ISA_SVM,
	       "invalid rate '-5' in 'io:-5' (exits per second, 1 or more)");
	th_bad("io:1k", KVMW_ISA_SVM,
	       "invalid rate '1k' in 'io:1k' (exits per second, 1 or more)");
	th_bad("io:18446744073709551616", KVMW_ISA_SVM,
	       "invalid rate '18446744073709551616' in "
	       "'io:18446744073709551616' (exits per second, 1 or more)");
	snprintf(want, sizeof(want), "unknown exit reason 'bogus%s",
		 unknown_tail);
	th_bad("bogus:5", KVMW_ISA_SVM, want);
	snprintf(want, sizeof(want), "unknown exit reason 'msr read%s",
		 unknown_tail);
	th_bad("msr read:5", KVMW_ISA_SVM, want);
	th_bad("MSR_WRITE:5", KVMW_ISA_SVM,
	       "exit reason 'MSR_WRITE' is VMX's; this host's KVM is SVM");
	th_bad("npf:5", KVMW_ISA_VMX,
	       "exit reason 'npf' is SVM's; this host's KVM is VMX");
	th_bad("io:5", 0, "cannot tell whether this host's KVM is SVM or VMX "
	       "(neither kvm_amd nor kvm_intel is loaded)");
	th_bad("0x1ffffffff:5", KVMW_ISA_SVM, "invalid exit reason "
	       "'0x1ffffffff' (a name, or a number up to 0xffffffff)");
	th_bad("12z:5", KVMW_ISA_SVM, "invalid exit reason '12z' (a name, or "
	       "a number up to 0xffffffff)");

	/* The host's ISA: the loaded KVM module, else the CPU's flag. */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	mkdir(sys, 0700);
	mkdir(proc, 0700);
	snprintf(want, sizeof(want), "%s/module", sys);
	mkdir(want, 0700);
	tap_eq_u64(kvmw_host_isa(sys, proc), 0, "host ISA: nothing says");
	put_file("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n"
		 "flags\t\t: fpu vme de vmx sse\n\nprocessor\t: 1\n"
		 "flags\t\t: fpu svm\n");
	tap_eq_u64(kvmw_host_isa(sys, proc), KVMW_ISA_VMX,
		   "host ISA: cpuinfo's first flags line says vmx");
	snprintf(want, sizeof(want), "%s/module/kvm_amd", sys);
	mkdir(want, 0700);
	tap_eq_u64(kvmw_host_isa(sys, proc), KVMW_ISA_SVM,
		   "host ISA: kvm_amd loaded wins over cpuinfo");
	snprintf(want, sizeof(want), "%s/module/kvm_intel", sys);
	mkdir(want, 0700);
	tap_eq_u64(kvmw_host_isa(sys, proc), KVMW_ISA_VMX,
		   "host ISA: both modules loaded: cpuinfo decides");
	rmdir(want);
	snprintf(want, sizeof(want), "%s/module/kvm_amd", sys);
	rmdir(want);
	snprintf(want, sizeof(want), "%s/module", sys);
	rmdir(want);
	snprintf(want, sizeof(want), "%s/cpuinfo", proc);
	unlink(want);
	rmdir(sys);
	rmdir(proc);
	rmdir(dir);
}

static void note_vm(struct ab *a, u16 cmd_attr, bool full)
{
	ab_init(a);
	ab_begin(a, cmd_attr);
	ab_put(a, KVMW_NL_VM_PAD, NULL, 0);
	ab_u64(a, KVMW_NL_VM_SERIAL, 7);
	ab_str(a, KVMW_NL_VM_ID, "158-6");
	ab_u32(a, KVMW_NL_VM_PID, 158);
	if (full) {
		ab_u32(a, KVMW_NL_VM_PPID, 150);
		ab_u32(a, KVMW_NL_VM_NR_VCPUS, 2);
	}
	ab_u32(a, 99, 1);		/* a newer module's attribute */
	ab_end(a);
}

static void note_th(struct ab *a, u32 code)
{
	ab_init(a);
	ab_u32(a, 77, 0);		/* an unknown top-level attribute */
	ab_begin(a, KVMW_NL_ATTR_THRESHOLD_EVENT);
	ab_u32(a, KVMW_NL_TE_PORTID, 4001);
	ab_put(a, KVMW_NL_TE_PAD, NULL, 0);
	ab_u64(a, KVMW_NL_TE_VM_SERIAL, 7);
	ab_str(a, KVMW_NL_TE_VM_ID, "158-6");
	ab_u32(a, KVMW_NL_TE_PID, 158);
	ab_u32(a, KVMW_NL_TE_VCPU, 1);
	ab_u32(a, KVMW_NL_TE_ISA, KVMW_ISA_SVM);
	ab_u32(a, KVMW_NL_TE_CODE, code);
	ab_u64(a, KVMW_NL_TE_THRESHOLD, 1000);
	ab_u64(a, KVMW_NL_TE_RATE, 4321);
	ab_u64(a, KVMW_NL_TE_INTERVAL_NS, 1000123456);
	ab_u32(a, KVMW_NL_TE_SUPPRESSED, 2);
	ab_end(a);
}

static void expect_note(const struct kvmw_note *n, const char *text,
			const char *json, const char *what)
{
	struct capture c;

	kvmw_note_text(capture_begin(&c), n);
	tap_eq_str(capture_end(&c), text, "monitor line: %s", what);
	capture_free(&c);
	kvmw_note_json(capture_begin(&c), n);
	tap_eq_str(capture_end(&c), json, "monitor JSON: %s", what);
	capture_free(&c);
}

static void test_notes(void)
{
	struct kvmw_note n;
	struct capture c;

	kvmw_note_header(capture_begin(&c));
	tap_eq_str(capture_end(&c),
		   "TIME(ms)           EVENT      VM           PID      DETAILS\n",
		   "monitor header");
	capture_free(&c);

	note_vm(&ab, KVMW_NL_ATTR_VM, true);
	tap_eq_u64((u64)kvmw_note_parse(KVMW_NL_CMD_NOTIFY_VM_NEW, ab.buf,
					ab.len, &n), 0, "VM_NEW parses");
	n.time_ns = 10428301536123ULL;
	expect_note(&n,
		    "10428301.536123    vm_new     158-6        158      serial=7 ppid=150 vcpus=2\n",
		    "{\"event\":\"vm_new\",\"time_ns\":10428301536123,\"vm\":\"158-6\",\"serial\":7,\"pid\":158,\"ppid\":150,\"vcpus\":2}\n",
		    "vm_new");

	note_vm(&ab, KVMW_NL_ATTR_VM, false);
	tap_eq_u64((u64)kvmw_note_parse(KVMW_NL_CMD_NOTIFY_VM_GONE, ab.buf,
					ab.len, &n), 0, "VM_GONE parses");
	n.time_ns = 5;
	expect_note(&n,
		    "0.000005           vm_gone    158-6        158      serial=7 ppid=- vcpus=-\n",
		    "{\"event\":\"vm_gone\",\"time_ns\":5,\"vm\":\"158-6\",\"serial\":7,\"pid\":158,\"ppid\":null,\"vcpus\":null}\n",
		    "vm_gone without PPID and NR_VCPUS");

	note_th(&ab, 0x7b);
	tap_eq_u64((u64)kvmw_note_parse(KVMW_NL_CMD_NOTIFY_THRESHOLD, ab.buf,
					ab.len, &n), 0, "THRESHOLD parses");
	n.time_ns = 2000000000;
	expect_note(&n,
		    "2000.000000        threshold  158-6        158      vcpu=1 reason=io rate=4321 threshold=1000 suppressed=2 interval_ms=1000.123\n",
		    "{\"event\":\"threshold\",\"time_ns\":2000000000,\"vm\":\"158-6\",\"serial\":7,\"pid\":158,\"vcpu\":1,\"isa\":\"SVM\",\"reason\":\"io\",\"code\":123,\"rate\":4321,\"threshold\":1000,\"suppressed\":2,\"interval_ns\":1000123456,\"portid\":4001}\n",
		    "threshold");

	note_th(&ab, 0x1234);
	kvmw_note_parse(KVMW_NL_CMD_NOTIFY_THRESHOLD, ab.buf, ab.len, &n);
	n.time_ns = 0;
	expect_note(&n,
		    "0.000000           threshold  158-6        158      vcpu=1 reason=0x1234 rate=4321 threshold=1000 suppressed=2 interval_ms=1000.123\n",
		    "{\"event\":\"threshold\",\"time_ns\":0,\"vm\":\"158-6\",\"serial\":7,\"pid\":158,\"vcpu\":1,\"isa\":\"SVM\",\"reason\":\"0x1234\",\"code\":4660,\"rate\":4321,\"threshold\":1000,\"suppressed\":2,\"interval_ns\":1000123456,\"portid\":4001}\n",
		    "threshold of a code perf has no name for");

	ab_init(&ab);
	ab_begin(&ab, KVMW_NL_ATTR_THRESHOLD_EVENT);
	ab_end(&ab);
	kvmw_note_parse(KVMW_NL_CMD_NOTIFY_THRESHOLD, ab.buf, ab.len, &n);
	expect_note(&n,
		    "0.000000           threshold  -            -        vcpu=- reason=- rate=- threshold=- suppressed=- interval_ms=-\n",
		    "{\"event\":\"threshold\",\"time_ns\":0,\"vm\":null,\"serial\":null,\"pid\":null,\"vcpu\":null,\"isa\":null,\"reason\":null,\"code\":null,\"rate\":null,\"threshold\":null,\"suppressed\":null,\"interval_ns\":null,\"portid\":null}\n",
		    "an empty threshold event");

	note_vm(&ab, KVMW_NL_ATTR_VM, true);
	tap_eq_u64((u64)kvmw_note_parse(KVMW_NL_CMD_GET_STATS, ab.buf, ab.len,
					&n), (u64)-ENOENT,
		   "a command that is no notification: -ENOENT");
	tap_eq_u64((u64)kvmw_note_parse(KVMW_NL_CMD_NOTIFY_THRESHOLD, ab.buf,
					ab.len, &n), (u64)-EINVAL,
		   "THRESHOLD without its nest refused");
	ab_init(&ab);
	ab_begin(&ab, KVMW_NL_ATTR_VM);
	ab_u64(&ab, KVMW_NL_VM_PID, 1);
	ab_end(&ab);
	tap_eq_u64((u64)kvmw_note_parse(KVMW_NL_CMD_NOTIFY_VM_NEW, ab.buf,
					ab.len, &n), (u64)-EINVAL,
		   "VM_NEW with a 64-bit PID refused");
	ab_init(&ab);
	ab_begin(&ab, KVMW_NL_ATTR_VM);
	ab_put(&ab, KVMW_NL_VM_ID, "158-6", 5);		/* no NUL */
	ab_end(&ab);
	tap_eq_u64((u64)kvmw_note_parse(KVMW_NL_CMD_NOTIFY_VM_GONE, ab.buf,
					ab.len, &n), (u64)-EINVAL,
		   "VM_GONE with an unterminated id refused");
	note_vm(&ab2, KVMW_NL_ATTR_VM, true);
	tap_eq_u64((u64)kvmw_note_parse(KVMW_NL_CMD_NOTIFY_VM_NEW, ab2.buf,
					ab2.len - 1, &n), (u64)-EINVAL,
		   "a truncated notification refused");
}

void test_netlink(void)
{
	test_walker();
	test_assembly();
	test_assembly_errors();
	test_config();
	test_threshold();
	test_notes();
}
