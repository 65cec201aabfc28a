// SPDX-License-Identifier: GPL-2.0
/*
 * KVMW_IOC_SNAPSHOT's record stream, parsed in two passes: the first
 * checks every length, the order and the counts and sizes the arrays, the
 * second copies. Nothing the kernel (or a corrupt buffer) says is trusted
 * before the first pass accepted the whole stream, so a bad stream leaves
 * nothing half built.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "snapshot.h"

/* First guess of a snapshot's size; grown from the kernel's "used". */
#define SNAP_INITIAL_LEN	(64U << 10)
/* VMs may come between two tries: ask for a bit more than needed. */
#define SNAP_SLACK		(16U << 10)
#define SNAP_TRIES		8

/* Sizes of the first version of each record: shorter ones are rejected. */
#define REC_VM_VER0	sizeof(struct kvmw_rec_vm)
#define REC_VCPU_VER0	KVMW_REC_VCPU_SIZE_VER0
#define REC_STAT_VER0	sizeof(struct kvmw_rec_stat)
#define REC_RIP_VER0	sizeof(struct kvmw_rec_rip)
#define REC_KVM_VER0	sizeof(struct kvmw_rec_kvm)

_Static_assert(offsetof(struct kvmw_rec_vcpu, guest_ns) ==
	       KVMW_REC_VCPU_SIZE_VER0, "rec_vcpu VER0 size");
_Static_assert(sizeof(struct kvmw_rec_vcpu) == KVMW_REC_VCPU_SIZE_VER1,
	       "rec_vcpu VER1 size");

_Static_assert(sizeof(struct kvmw_rec_vm) % 8 == 0, "rec_vm not 8-aligned");
_Static_assert(sizeof(struct kvmw_rec_vcpu) % 8 == 0, "rec_vcpu not 8-aligned");
_Static_assert(sizeof(struct kvmw_rec_stat) % 8 == 0, "rec_stat not 8-aligned");
_Static_assert(sizeof(struct kvmw_rec_rip) % 8 == 0, "rec_rip not 8-aligned");
_Static_assert(sizeof(struct kvmw_rec_kvm) % 8 == 0, "rec_kvm not 8-aligned");

struct walk {
	const unsigned char *p;
	size_t len, off;
};

/*
 * Next record, or NULL at the end. -EINVAL in *err for a header that does
 * not fit, a length that is not a multiple of 8 or smaller than the
 * header, or runs past the end.
 */
static const struct kvmw_rec *next_rec(struct walk *w, int *err)
{
	struct kvmw_rec h;

	if (w->off == w->len)
		return NULL;
	if (w->len - w->off < sizeof(h))
		goto bad;
	memcpy(&h, w->p + w->off, sizeof(h));
	if (h.len < sizeof(h) || h.len % 8 || h.len > w->len - w->off)
		goto bad;
	w->off += h.len;
	return (const struct kvmw_rec *)(w->p + w->off - h.len);
bad:
	*err = -EINVAL;
	return NULL;
}

/* The buffer need not be 8-aligned: headers are read with memcpy(). */
static u32 rec_len(const struct kvmw_rec *r)
{
	u32 len;

	memcpy(&len, (const char *)r + offsetof(struct kvmw_rec, len),
	       sizeof(len));
	return len;
}

/* Copy the known prefix of a record: newer kernels' records are longer. */
static void copy_rec(void *dst, size_t dst_size, const struct kvmw_rec *r)
{
	u32 len = rec_len(r);

	memset(dst, 0, dst_size);
	memcpy(dst, r, len < dst_size ? len : dst_size);
}

static u16 rec_type(const struct kvmw_rec *r)
{
	u16 type;

	memcpy(&type, (const char *)r + offsetof(struct kvmw_rec, type),
	       sizeof(type));
	return type;
}

/*
 * The histogram is the record's last nr_buckets * 8 bytes, so it is found
 * both in today's records (where it follows the fixed part) and in a
 * newer kernel's record whose fixed part grew.
 */
static int stat_hist_ok(const struct kvmw_rec *r)
{
	struct kvmw_rec_stat st;

	memcpy(&st, r, sizeof(st));
	if ((u64)st.nr_buckets * 8 > rec_len(r) - REC_STAT_VER0)
		return -EINVAL;
	return 0;
}

static void copy_stat(struct kvmw_snap_stat *dst, const struct kvmw_rec *r)
{
	const unsigned char *hist;
	u32 i, n;

	copy_rec(&dst->rec, sizeof(dst->rec), r);
	memset(dst->hist, 0, sizeof(dst->hist));
	n = dst->rec.nr_buckets;
	hist = (const unsigned char *)r + rec_len(r) - (size_t)n * 8;
	for (i = 0; i < n; i++) {
		u64 v;

		memcpy(&v, hist + (size_t)i * 8, sizeof(v));
		/*
		 * More buckets than this tool knows: the last one counts
		 * "everything above", so fold the rest into it and the
		 * buckets still sum to the count.
		 */
		dst->hist[i < KVMW_HIST_BUCKETS ? i : KVMW_HIST_BUCKETS - 1] +=
			v;
	}
	if (n > KVMW_HIST_BUCKETS)
		dst->rec.nr_buckets = KVMW_HIST_BUCKETS;
}

/*
 * KVM's values: as many as both sides know. The values start right after
 * the record's first version (checked: @nr of them fit the record).
 */
static void copy_kvm(struct kvmw_snap_vcpu *v, const struct kvmw_rec *r)
{
	struct kvmw_rec_kvm k;
	u32 i;

	memcpy(&k, r, sizeof(k));
	v->nr_kvm = k.nr < KVMW_KVM_NR ? k.nr : KVMW_KVM_NR;
	memset(v->kvm, 0, sizeof(v->kvm));
	for (i = 0; i < v->nr_kvm; i++)
		memcpy(&v->kvm[i], (const char *)r + REC_KVM_VER0 + i * 8, 8);
}

/* Where the first pass is: what the next record may be. */
enum state {
	ST_START,	/* nothing yet: a VM */
	ST_VM,		/* in a VM: its vCPUs, or the next VM once complete */
	ST_STATS,	/* in a vCPU: its stats, then rips */
	ST_RIPS,	/* in a vCPU's rips */
	ST_KVM,		/* after a vCPU's KVM record: nothing more of it */
};

struct counts {
	size_t vms, vcpus, stats, rips;
};

/* Check the stream and count what it holds. */
static int check_stream(const void *buf, size_t len, struct counts *c)
{
	struct walk w = { .p = buf, .len = len };
	u32 want_vcpus = 0, want_stats = 0, want_rips = 0;
	u32 got_vcpus = 0, got_stats = 0, got_rips = 0;
	enum state st = ST_START;
	const struct kvmw_rec *r;
	int err = 0;

	memset(c, 0, sizeof(*c));
	while ((r = next_rec(&w, &err))) {
		u32 rlen = rec_len(r);

		switch (rec_type(r)) {
		case KVMW_REC_VM: {
			struct kvmw_rec_vm vm;

			if (rlen < REC_VM_VER0)
				return -EINVAL;
			/* The previous VM and vCPU must be complete. */
			if (got_vcpus != want_vcpus || got_stats != want_stats ||
			    got_rips != want_rips)
				return -EINVAL;
			copy_rec(&vm, sizeof(vm), r);
			want_vcpus = vm.nr_vcpus;
			got_vcpus = 0;
			want_stats = got_stats = want_rips = got_rips = 0;
			c->vms++;
			st = ST_VM;
			break;
		}
		case KVMW_REC_VCPU: {
			struct kvmw_rec_vcpu v;

			if (rlen < REC_VCPU_VER0 || st == ST_START)
				return -EINVAL;
			if (got_vcpus == want_vcpus || got_stats != want_stats ||
			    got_rips != want_rips)
				return -EINVAL;
			memcpy(&v, r, REC_VCPU_VER0);
			got_vcpus++;
			want_stats = v.nr_stats;
			want_rips = v.nr_rips;
			got_stats = got_rips = 0;
			c->vcpus++;
			st = ST_STATS;
			break;
		}
		case KVMW_REC_STAT:
			if (rlen < REC_STAT_VER0 || st != ST_STATS ||
			    got_stats == want_stats || stat_hist_ok(r))
				return -EINVAL;
			got_stats++;
			c->stats++;
			break;
		case KVMW_REC_RIP:
			if (rlen < REC_RIP_VER0 ||
			    (st != ST_STATS && st != ST_RIPS) ||
			    got_stats != want_stats || got_rips == want_rips)
				return -EINVAL;
			got_rips++;
			c->rips++;
			st = ST_RIPS;
			break;
		case KVMW_REC_KVM: {
			struct kvmw_rec_kvm k;

			/* One per vCPU, after all its stats and rips. */
			if (rlen < REC_KVM_VER0 ||
			    (st != ST_STATS && st != ST_RIPS) ||
			    got_stats != want_stats || got_rips != want_rips)
				return -EINVAL;
			memcpy(&k, r, sizeof(k));
			if (k.nr > (rlen - REC_KVM_VER0) / 8)
				return -EINVAL;
			st = ST_KVM;
			break;
		}
		default:
			/* A newer kernel's record: skipped, length checked. */
			break;
		}
	}
	if (err)
		return err;
	if (got_vcpus != want_vcpus || got_stats != want_stats ||
	    got_rips != want_rips)
		return -EINVAL;
	return 0;
}

static void snap_vm_free(struct kvmw_snap_vm *vm)
{
	size_t j;

	for (j = 0; vm->vcpus && j < vm->nr_vcpus; j++) {
		free(vm->vcpus[j].stats);
		free(vm->vcpus[j].rips);
	}
	free(vm->vcpus);
}

void kvmw_snap_free(struct kvmw_snap *s)
{
	size_t i;

	for (i = 0; s->vms && i < s->nr_vms; i++)
		snap_vm_free(&s->vms[i]);
	free(s->vms);
	s->vms = NULL;
	s->nr_vms = 0;
}

void kvmw_snap_drop_gone_before(struct kvmw_snap *s, u64 start_ns)
{
	size_t i, n = 0;

	for (i = 0; i < s->nr_vms; i++) {
		struct kvmw_snap_vm *vm = &s->vms[i];

		if ((vm->rec.flags & KVMW_VM_GONE) && vm->rec.gone_ns &&
		    vm->rec.gone_ns < start_ns) {
			snap_vm_free(vm);
			continue;
		}
		s->vms[n++] = *vm;
	}
	s->nr_vms = n;
}

/* calloc() that also returns a valid pointer for 0 elements. */
static void *zalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

int kvmw_snap_parse(const void *buf, size_t len, struct kvmw_snap *out)
{
	struct walk w = { .p = buf, .len = len };
	struct kvmw_snap_vcpu *vcpu = NULL;
	struct kvmw_snap_vm *vm = NULL;
	const struct kvmw_rec *r;
	struct counts c;
	int err;

	out->vms = NULL;
	out->nr_vms = 0;
	if (len && !buf)
		return -EINVAL;
	err = check_stream(buf, len, &c);
	if (err)
		return err;

	out->vms = zalloc(c.vms, sizeof(*out->vms));
	if (!out->vms)
		return -ENOMEM;
	/* Checked: every record below is whole, in order, and counted. */
	while ((r = next_rec(&w, &err))) {
		switch (rec_type(r)) {
		case KVMW_REC_VM:
			vm = &out->vms[out->nr_vms++];
			copy_rec(&vm->rec, sizeof(vm->rec), r);
			vm->rec.id[sizeof(vm->rec.id) - 1] = '\0';
			vm->vcpus = zalloc(vm->rec.nr_vcpus,
					   sizeof(*vm->vcpus));
			if (!vm->vcpus)
				goto nomem;
			break;
		case KVMW_REC_VCPU:
			vcpu = &vm->vcpus[vm->nr_vcpus++];
			copy_rec(&vcpu->rec, sizeof(vcpu->rec), r);
			vcpu->rec_len = rec_len(r);
			vcpu->stats = zalloc(vcpu->rec.nr_stats,
					     sizeof(*vcpu->stats));
			vcpu->rips = zalloc(vcpu->rec.nr_rips,
					    sizeof(*vcpu->rips));
			if (!vcpu->stats || !vcpu->rips)
				goto nomem;
			break;
		case KVMW_REC_STAT:
			copy_stat(&vcpu->stats[vcpu->nr_stats++], r);
			break;
		case KVMW_REC_RIP:
			copy_rec(&vcpu->rips[vcpu->nr_rips++],
				 sizeof(*vcpu->rips), r);
			break;
		case KVMW_REC_KVM:
			copy_kvm(vcpu, r);
			break;
		}
	}
	return 0;
nomem:
	kvmw_snap_free(out);
	return -ENOMEM;
}

int kvmw_snap_take(int fd, unsigned int flags, struct kvmw_snap *out)
{
	size_t len = SNAP_INITIAL_LEN;
	struct kvmw_snapshot h;
	void *buf = NULL;
	int tries, err;

	memset(out, 0, sizeof(*out));
	for (tries = 0; tries < SNAP_TRIES; tries++) {
		void *nbuf = realloc(buf, len);

		if (!nbuf) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		memset(&h, 0, sizeof(h));
		h.size = sizeof(h);
		h.flags = flags;
		h.buf = (u64)(uintptr_t)buf;
		h.buf_len = len;
		if (!ioctl(fd, KVMW_IOC_SNAPSHOT, &h))
			break;
		err = -errno;
		if (err != -ENOSPC) {
			free(buf);
			return err;
		}
		/* "used" is what it needed; more VMs may come meanwhile. */
		if (h.used <= len || h.used > KVMW_SNAPSHOT_MAX) {
			free(buf);
			return -EPROTO;
		}
		len = h.used + SNAP_SLACK;
		if (len > KVMW_SNAPSHOT_MAX)
			len = KVMW_SNAPSHOT_MAX;
	}
	if (tries == SNAP_TRIES) {
		free(buf);
		return -ENOSPC;
	}
	if (h.size < KVMW_SNAPSHOT_SIZE_VER0 || h.used > len) {
		free(buf);
		return -EPROTO;
	}
	err = kvmw_snap_parse(buf, h.used, out);
	free(buf);
	if (err)
		return err;
	h.buf = 0;		/* freed: nobody may follow it */
	out->hdr = h;
	if (out->nr_vms != h.nr_vms) {
		kvmw_snap_free(out);
		return -EINVAL;
	}
	{
		size_t i, n = 0;

		for (i = 0; i < out->nr_vms; i++)
			n += out->vms[i].nr_vcpus;
		if (n != h.nr_vcpus) {
			kvmw_snap_free(out);
			return -EINVAL;
		}
	}
	return 0;
}

const struct kvmw_snap_stat *kvmw_snap_find(const struct kvmw_snap_vcpu *v,
					    unsigned int kind, unsigned int sub,
					    u32 code, u64 key)
{
	size_t i;

	for (i = 0; i < v->nr_stats; i++) {
		const struct kvmw_rec_stat *r = &v->stats[i].rec;

		if (r->kind == kind && r->sub == sub && r->code == code &&
		    r->key == key)
			return &v->stats[i];
	}
	return NULL;
}

int kvmw_dev_enable(int fd, u64 families)
{
	struct kvmw_enable e = {
		.size = sizeof(e),
		.families = families,
	};

	return ioctl(fd, KVMW_IOC_ENABLE, &e) ? -errno : 0;
}

int kvmw_dev_filter(int fd, const struct kvmw_filter *f)
{
	struct kvmw_filter copy = *f;

	copy.size = sizeof(copy);
	return ioctl(fd, KVMW_IOC_SET_FILTER, &copy) ? -errno : 0;
}

int kvmw_dev_reset(int fd)
{
	return ioctl(fd, KVMW_IOC_RESET, 0) ? -errno : 0;
}
