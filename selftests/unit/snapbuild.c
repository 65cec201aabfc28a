// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapbuild.h"

void sb_init(struct sb *b)
{
	memset(b, 0, sizeof(*b));
}

void sb_free(struct sb *b)
{
	free(b->buf);
	sb_init(b);
}

void sb_raw(struct sb *b, const void *p, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 256;
		b->buf = realloc(b->buf, b->cap);
		if (!b->buf) {
			perror("realloc");
			exit(2);
		}
	}
	memcpy(b->buf + b->len, p, len);
	b->len += len;
}

void sb_vm(struct sb *b, int pid, const char *id, unsigned int nr_vcpus,
	   unsigned int flags, u64 serial)
{
	struct kvmw_rec_vm r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = KVMW_REC_VM;
	r.hdr.len = sizeof(r);
	r.pid = pid;
	r.ppid = 1;
	r.flags = flags;
	r.serial = serial;
	r.created_ns = 1000;
	/* Gone "later" than any window's start, unless told otherwise. */
	r.gone_ns = flags & KVMW_VM_GONE ? SB_GONE_NS : 0;
	r.nr_vcpus = nr_vcpus;
	snprintf(r.id, sizeof(r.id), "%s", id);
	sb_raw(b, &r, sizeof(r));
}

void sb_vcpu_rec(struct sb *b, const struct kvmw_rec_vcpu *v)
{
	struct kvmw_rec_vcpu r = *v;

	r.hdr.type = KVMW_REC_VCPU;
	r.hdr.len = sizeof(r);
	sb_raw(b, &r, sizeof(r));
}

void sb_vcpu(struct sb *b, unsigned int vcpu_id, int tid, unsigned int isa,
	     unsigned int nr_stats, unsigned int nr_rips)
{
	struct kvmw_rec_vcpu r;

	memset(&r, 0, sizeof(r));
	r.vcpu_id = vcpu_id;
	r.tid = tid;
	r.isa = isa;
	r.nr_stats = nr_stats;
	r.nr_rips = nr_rips;
	sb_vcpu_rec(b, &r);
}

unsigned int sb_bucket(u64 ns)
{
	unsigned int b = 0;

	if (ns < (1ULL << KVMW_HIST_SHIFT))
		return 0;
	/* [2^(b + SHIFT - 1), 2^(b + SHIFT)) */
	while (b < KVMW_HIST_BUCKETS - 1 &&
	       ns >= (1ULL << (b + KVMW_HIST_SHIFT)))
		b++;
	return b;
}

void sb_stat(struct sb *b, unsigned int kind, unsigned int sub, u32 code,
	     u64 key, const u64 *samples, size_t n, int hist, size_t extra)
{
	u64 h[KVMW_HIST_BUCKETS] = { 0 };
	unsigned __int128 sq = 0;
	struct kvmw_rec_stat r;
	size_t i;
	static const unsigned char zeros[256];

	memset(&r, 0, sizeof(r));
	r.hdr.type = KVMW_REC_STAT;
	r.kind = kind;
	r.sub = sub;
	r.code = code;
	r.key = key;
	for (i = 0; i < n; i++) {
		u64 x = samples[i];

		if (!r.count || x < r.min_ns)
			r.min_ns = x;
		if (x > r.max_ns)
			r.max_ns = x;
		r.count++;
		r.total_ns += x;
		sq += (unsigned __int128)x * x;
		h[sb_bucket(x)]++;
	}
	r.sumsq_lo = (u64)sq;
	r.sumsq_hi = (u64)(sq >> 64);
	r.nr_buckets = hist ? KVMW_HIST_BUCKETS : 0;
	r.hdr.len = sizeof(r) + extra + (hist ? sizeof(h) : 0);
	sb_raw(b, &r, sizeof(r));
	if (extra)
		sb_raw(b, zeros, extra);
	if (hist)
		sb_raw(b, h, sizeof(h));
}

void sb_rip(struct sb *b, u32 code, u64 rip, u64 count)
{
	struct kvmw_rec_rip r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = KVMW_REC_RIP;
	r.hdr.len = sizeof(r);
	r.code = code;
	r.rip = rip;
	r.count = count;
	sb_raw(b, &r, sizeof(r));
}

int sb_save(const struct sb *b, const char *path)
{
	FILE *f = fopen(path, "wb");
	int ret = 0;

	if (!f)
		return -1;
	if (b->len && fwrite(b->buf, 1, b->len, f) != b->len)
		ret = -1;
	if (fclose(f))
		ret = -1;
	return ret;
}
