// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot differences for the exporter's doctor window (snapdelta.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapdelta.h"

static u64 sub(u64 now, u64 before)
{
	return now >= before ? now - before : now;
}

static const struct kvmw_snap_vm *find_vm(const struct kvmw_snap *s, u64 serial)
{
	size_t i;

	for (i = 0; i < s->nr_vms; i++)
		if (s->vms[i].rec.serial == serial)
			return &s->vms[i];
	return NULL;
}

static const struct kvmw_snap_vcpu *find_vcpu(const struct kvmw_snap_vm *vm,
					      u32 id)
{
	size_t i;

	for (i = 0; vm && i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].rec.vcpu_id == id)
			return &vm->vcpus[i];
	return NULL;
}

static void delta_stat(struct kvmw_snap_stat *d,
		       const struct kvmw_snap_stat *p)
{
	unsigned int b;

	d->rec.min_ns = 0;
	d->rec.max_ns = 0;
	d->rec.sumsq_lo = 0;
	d->rec.sumsq_hi = 0;
	if (!p || p->rec.count > d->rec.count)
		return;
	d->rec.count -= p->rec.count;
	d->rec.total_ns = sub(d->rec.total_ns, p->rec.total_ns);
	d->rec.user = sub(d->rec.user, p->rec.user);
	for (b = 0; b < d->rec.nr_buckets && b < KVMW_HIST_BUCKETS; b++)
		d->hist[b] = sub(d->hist[b],
				 b < p->rec.nr_buckets ? p->hist[b] : 0);
}

static int delta_vcpu(struct kvmw_snap_vcpu *d, const struct kvmw_snap_vcpu *c,
		      const struct kvmw_snap_vcpu *p)
{
	size_t i, j;

	*d = *c;
	d->stats = calloc(c->nr_stats ? c->nr_stats : 1, sizeof(*d->stats));
	d->rips = calloc(c->nr_rips ? c->nr_rips : 1, sizeof(*d->rips));
	if (!d->stats || !d->rips)
		return -ENOMEM;
	for (i = 0; i < c->nr_stats; i++) {
		const struct kvmw_rec_stat *r = &c->stats[i].rec;

		d->stats[i] = c->stats[i];
		delta_stat(&d->stats[i],
			   p ? kvmw_snap_find(p, r->kind, r->sub, r->code,
					      r->key) : NULL);
	}
	for (i = 0; i < c->nr_rips; i++) {
		d->rips[i] = c->rips[i];
		for (j = 0; p && j < p->nr_rips; j++) {
			if (p->rips[j].code == c->rips[i].code &&
			    p->rips[j].rip == c->rips[i].rip) {
				d->rips[i].count = sub(c->rips[i].count,
						       p->rips[j].count);
				break;
			}
		}
	}
	if (p) {
		d->rec.exits = sub(c->rec.exits, p->rec.exits);
		d->rec.entries = sub(c->rec.entries, p->rec.entries);
		d->rec.guest_ns = sub(c->rec.guest_ns, p->rec.guest_ns);
		d->rec.user_ns = sub(c->rec.user_ns, p->rec.user_ns);
	}
	return 0;
}

int kvmw_snap_delta(const struct kvmw_snap *prev, const struct kvmw_snap *cur,
		    struct kvmw_snap *out)
{
	size_t i, j;

	memset(out, 0, sizeof(*out));
	out->hdr = cur->hdr;
	out->vms = calloc(cur->nr_vms ? cur->nr_vms : 1, sizeof(*out->vms));
	if (!out->vms)
		return -ENOMEM;
	for (i = 0; i < cur->nr_vms; i++) {
		const struct kvmw_snap_vm *c = &cur->vms[i];
		const struct kvmw_snap_vm *p = find_vm(prev, c->rec.serial);
		struct kvmw_snap_vm *d = &out->vms[i];

		d->rec = c->rec;
		d->vcpus = calloc(c->nr_vcpus ? c->nr_vcpus : 1,
				  sizeof(*d->vcpus));
		out->nr_vms = i + 1;
		if (!d->vcpus)
			goto nomem;
		for (j = 0; j < c->nr_vcpus; j++) {
			d->nr_vcpus = j + 1;
			if (delta_vcpu(&d->vcpus[j], &c->vcpus[j],
				       find_vcpu(p, c->vcpus[j].rec.vcpu_id)))
				goto nomem;
		}
	}
	return 0;
nomem:
	kvmw_snap_free(out);
	return -ENOMEM;
}
