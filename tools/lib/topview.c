// SPDX-License-Identifier: GPL-2.0
/*
 * "kvmwatch top"'s model and text, see topview.h. The layout strings
 * follow kvm_stat's (tools/kvm/kvm_stat/kvm_stat in the kernel tree), so
 * a screen or a log of either tool reads the same.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kvmstat.h"
#include "report.h"
#include "topview.h"
#include "util.h"

#define NSEC_PER_SEC		1000000000ULL
/* kvm_stat's column widths and truncations */
#define NAME_COL		40
#define MAX_REGEX_LEN		44

/* Hidden per-vCPU counters for the CPU split. */
#define ENT_EXIT_NS		"@exit_ns"
#define ENT_GUEST_NS		"@guest_ns"
#define ENT_USER_NS		"@user_ns"
#define KVM_HALT_WAIT		"halt_wait_ns"
#define KVM_POLL_OK		"halt_poll_success_ns"
#define KVM_POLL_FAIL		"halt_poll_fail_ns"

/* The parents kvmwatch always has, zero or not (batch and log keys). */
static const char *const std_parents[] = {
	"kvm_entry", "kvm_exit", "kvm_mmio", "kvm_msr", "kvm_pio",
	"kvm_userspace_exit",
};

/* ---- tally ---- */

static struct kvmw_top_ent *ent_add(struct kvmw_top_tally *t, u64 serial,
				    u32 vcpu_id, const char *name, u64 value,
				    u32 flags)
{
	struct kvmw_top_ent *e;

	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		void *p = realloc(t->ents, cap * sizeof(*t->ents));

		if (!p)
			return NULL;
		t->ents = p;
		t->cap = cap;
	}
	e = &t->ents[t->nr++];
	memset(e, 0, sizeof(*e));
	e->serial = serial;
	e->vcpu_id = vcpu_id;
	e->flags = flags;
	e->value = value;
	snprintf(e->name, sizeof(e->name), "%s", name);
	return e;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct kvmw_top_ent *x = a, *y = b;

	if (x->serial != y->serial)
		return x->serial < y->serial ? -1 : 1;
	if (x->vcpu_id != y->vcpu_id)
		return x->vcpu_id < y->vcpu_id ? -1 : 1;
	return strcmp(x->name, y->name);
}

static const char *breakdown_event(unsigned int kind)
{
	switch (kind) {
	case KVMW_STAT_IOPORT:
		return "kvm_pio";
	case KVMW_STAT_MMIO:
		return "kvm_mmio";
	case KVMW_STAT_MSR:
		return "kvm_msr";
	}
	return NULL;
}

/* guest_ns and user_ns: only in the records of a module that has them */
static bool vcpu_has_times(const struct kvmw_snap_vcpu *v)
{
	return v->rec_len >= KVMW_REC_VCPU_SIZE_VER1;
}

static int tally_vcpu(struct kvmw_top_tally *t, u64 serial,
		      const struct kvmw_snap_vcpu *v)
{
	u32 id = v->rec.vcpu_id;
	u64 exit_ns = 0;
	unsigned int i;
	size_t j;

	if (!ent_add(t, serial, id, "kvm_entry", v->rec.entries, 0) ||
	    !ent_add(t, serial, id, "kvm_userspace_exit",
		     v->rec.user_returns, 0))
		return -ENOMEM;
	for (j = 0; j < v->nr_stats; j++) {
		const struct kvmw_rec_stat *r = &v->stats[j].rec;
		struct kvmw_agg_row row = {
			.isa = v->rec.isa, .kind = r->kind, .sub = r->sub,
			.code = r->code, .key = r->key,
		};
		struct kvmw_top_ent *e;
		char label[64], name[KVMW_TOP_NAME_LEN];
		const char *note = NULL;

		if (r->kind == KVMW_STAT_EXIT) {
			/* SVM msr's read/write halves are in the msr row. */
			if (r->sub != KVMW_SUB_NONE)
				continue;
			kvmw_reason_label(label, sizeof(label), row.isa,
					  row.code);
			snprintf(name, sizeof(name), "kvm_exit(%s)", label);
			exit_ns += r->total_ns;
		} else if (breakdown_event(r->kind)) {
			kvmw_row_label(label, sizeof(label), &row);
			snprintf(name, sizeof(name), "%s(%s)",
				 breakdown_event(r->kind), label);
			note = kvmw_row_key_name(&row);
		} else {
			continue;	/* a kind this tool does not know */
		}
		e = ent_add(t, serial, id, name, r->count, 0);
		if (!e)
			return -ENOMEM;
		if (note)
			snprintf(e->note, sizeof(e->note), "%s", note);
	}
	if (!ent_add(t, serial, id, ENT_EXIT_NS, exit_ns,
		     KVMW_TOP_ENT_HIDDEN | KVMW_TOP_ENT_NS))
		return -ENOMEM;
	if (vcpu_has_times(v)) {
		if (!ent_add(t, serial, id, ENT_GUEST_NS, v->rec.guest_ns,
			     KVMW_TOP_ENT_HIDDEN | KVMW_TOP_ENT_NS) ||
		    !ent_add(t, serial, id, ENT_USER_NS, v->rec.user_ns,
			     KVMW_TOP_ENT_HIDDEN | KVMW_TOP_ENT_NS))
			return -ENOMEM;
	} else {
		t->vcpus_without_times++;
	}
	if (!v->nr_kvm)
		t->vcpus_without_kvm++;
	for (i = 0; i < v->nr_kvm && i < KVMW_KVM_NR; i++) {
		const char *n = kvmw_kvm_stat_name(i);

		/* blocking, guest_mode: states, not events to count */
		if (kvmw_kvm_stat_is_gauge(i))
			continue;
		if (n && !ent_add(t, serial, id, n, v->kvm[i],
				  kvmw_kvm_stat_is_ns(i) ? KVMW_TOP_ENT_NS : 0))
			return -ENOMEM;
	}
	return 0;
}

int kvmw_top_tally(const struct kvmw_snap *s, const char *const *names,
		   struct kvmw_top_tally *t)
{
	size_t i, j;

	memset(t, 0, sizeof(*t));
	t->time_ns = s->hdr.time_ns;
	t->vms = calloc(s->nr_vms ? s->nr_vms : 1, sizeof(*t->vms));
	if (!t->vms)
		return -ENOMEM;
	for (i = 0; i < s->nr_vms; i++) {
		const struct kvmw_snap_vm *vm = &s->vms[i];
		struct kvmw_top_vm *tv;

		/*
		 * A live view, like kvm_stat's: a destroyed VM (the module
		 * keeps the last ones' statistics) is neither listed nor
		 * counted, as KVM's debugfs drops it.
		 */
		if (vm->rec.flags & KVMW_VM_GONE)
			continue;
		tv = &t->vms[t->nr_vms++];
		tv->serial = vm->rec.serial;
		tv->pid = vm->rec.pid;
		snprintf(tv->id, sizeof(tv->id), "%.*s",
			 (int)sizeof(vm->rec.id), vm->rec.id);
		if (names && names[i])
			snprintf(tv->name, sizeof(tv->name), "%s", names[i]);
		for (j = 0; j < vm->nr_vcpus; j++) {
			if (tally_vcpu(t, vm->rec.serial, &vm->vcpus[j])) {
				kvmw_top_tally_free(t);
				return -ENOMEM;
			}
		}
	}
	if (t->nr)
		qsort(t->ents, t->nr, sizeof(*t->ents), ent_cmp);
	return 0;
}

void kvmw_top_tally_free(struct kvmw_top_tally *t)
{
	free(t->ents);
	free(t->vms);
	memset(t, 0, sizeof(*t));
}

void kvmw_top_tally_move(struct kvmw_top_tally *to,
			 struct kvmw_top_tally *from)
{
	kvmw_top_tally_free(to);
	*to = *from;
	memset(from, 0, sizeof(*from));
}

int kvmw_top_tally_copy(struct kvmw_top_tally *to,
			const struct kvmw_top_tally *from)
{
	struct kvmw_top_tally t = *from;

	t.ents = malloc((from->nr ? from->nr : 1) * sizeof(*t.ents));
	t.vms = malloc((from->nr_vms ? from->nr_vms : 1) * sizeof(*t.vms));
	if (!t.ents || !t.vms) {
		free(t.ents);
		free(t.vms);
		return -ENOMEM;
	}
	memcpy(t.ents, from->ents, from->nr * sizeof(*t.ents));
	memcpy(t.vms, from->vms, from->nr_vms * sizeof(*t.vms));
	t.cap = from->nr;
	kvmw_top_tally_free(to);
	*to = t;
	return 0;
}

static const struct kvmw_top_ent *lookup(const struct kvmw_top_tally *t,
					 u64 serial, u32 vcpu_id,
					 const char *name)
{
	struct kvmw_top_ent key;

	if (!t || !t->nr)
		return NULL;
	key.serial = serial;
	key.vcpu_id = vcpu_id;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, t->ents, t->nr, sizeof(*t->ents), ent_cmp);
}

/* @e's value minus the same counter's in @then (0 if absent), floored at 0. */
static u64 since(const struct kvmw_top_ent *e, const struct kvmw_top_tally *then)
{
	const struct kvmw_top_ent *b = lookup(then, e->serial, e->vcpu_id,
					      e->name);
	u64 old = b ? b->value : 0;

	return e->value > old ? e->value - old : 0;
}

static const struct kvmw_top_vm *find_vm(const struct kvmw_top_tally *t,
					 u64 serial)
{
	size_t i;

	for (i = 0; i < t->nr_vms; i++)
		if (t->vms[i].serial == serial)
			return &t->vms[i];
	return NULL;
}

/* ---- view ---- */

/* An event summed over the selected vCPUs. */
struct agg {
	char name[KVMW_TOP_NAME_LEN];
	char note[KVMW_TOP_NOTE_LEN];
	bool ns, child, shown;
	u64 total, delta;
	struct agg *parent;
};

struct aggs {
	struct agg *a;
	size_t nr, cap;
};

static struct agg *agg_get(struct aggs *s, const char *name)
{
	struct agg *g;
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->a[i].name, name))
			return &s->a[i];
	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		void *p = realloc(s->a, cap * sizeof(*s->a));

		if (!p)
			return NULL;
		s->a = p;
		s->cap = cap;
	}
	g = &s->a[s->nr++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	return g;
}

static bool matches(const regex_t *re, const char *name)
{
	return !re || !regexec(re, name, 0, NULL, 0);
}

/*
 * The events of the VMs @serial (or all, with @all) that pass the pid
 * filter: children summed into parents, filtered, parents' @shown set.
 */
static int collect(const struct kvmw_top_tally *base,
		   const struct kvmw_top_tally *prev,
		   const struct kvmw_top_tally *cur,
		   const struct kvmw_top_opts *o, bool all, u64 serial,
		   bool keep_zero, struct aggs *s)
{
	size_t i, nr;

	memset(s, 0, sizeof(*s));
	if (keep_zero)
		for (i = 0; i < ARRAY_SIZE(std_parents); i++)
			if (!agg_get(s, std_parents[i]))
				return -ENOMEM;
	for (i = 0; i < cur->nr; i++) {
		const struct kvmw_top_ent *e = &cur->ents[i];
		const struct kvmw_top_vm *vm;
		struct agg *g;

		if (e->flags & KVMW_TOP_ENT_HIDDEN)
			continue;
		if (!all && e->serial != serial)
			continue;
		vm = find_vm(cur, e->serial);
		if (o->pid && (!vm || vm->pid != o->pid))
			continue;
		g = agg_get(s, e->name);
		if (!g)
			return -ENOMEM;
		g->total += since(e, base);
		g->delta += since(e, prev);
		g->ns = e->flags & KVMW_TOP_ENT_NS;
		if (e->note[0])
			snprintf(g->note, sizeof(g->note), "%s", e->note);
	}
	/* Parents of the children; pointers are stable once all exist. */
	nr = s->nr;
	for (i = 0; i < nr; i++) {
		char pname[KVMW_TOP_NAME_LEN];
		char *paren = strchr(s->a[i].name, '(');

		if (!paren)
			continue;
		snprintf(pname, sizeof(pname), "%.*s",
			 (int)(paren - s->a[i].name), s->a[i].name);
		if (!agg_get(s, pname))
			return -ENOMEM;
	}
	for (i = 0; i < s->nr; i++) {
		struct agg *c = &s->a[i];
		char *paren = strchr(c->name, '(');
		size_t j;

		if (!paren)
			continue;
		c->child = true;
		for (j = 0; j < s->nr; j++) {
			struct agg *p = &s->a[j];

			if (!strchr(p->name, '(') &&
			    strlen(p->name) == (size_t)(paren - c->name) &&
			    !strncmp(p->name, c->name, paren - c->name)) {
				c->parent = p;
				p->total += c->total;
				p->delta += c->delta;
			}
		}
	}
	/* Child events pull in their parents (kvm_stat's filter rule). */
	for (i = 0; i < s->nr; i++) {
		struct agg *g = &s->a[i];

		if (!matches(o->filter, g->name))
			continue;
		g->shown = true;
		if (g->parent)
			g->parent->shown = true;
	}
	return 0;
}

struct sort_ctx {
	bool total, name;
};

static int sort_cmp(const void *a, const void *b, void *arg)
{
	const struct agg *x = *(const struct agg *const *)a;
	const struct agg *y = *(const struct agg *const *)b;
	const struct sort_ctx *c = arg;

	if (!c->name) {
		/* nanoseconds are not events: after them */
		if (x->ns != y->ns)
			return x->ns ? 1 : -1;
		/* kvm_stat: by (delta, total), or by total; descending */
		if (!c->total && x->delta != y->delta)
			return x->delta > y->delta ? -1 : 1;
		if (x->total != y->total)
			return x->total > y->total ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

static int row_add(struct kvmw_top_view *v, size_t *cap)
{
	if (v->nr == *cap) {
		size_t n = *cap ? *cap * 2 : 32;
		void *p = realloc(v->rows, n * sizeof(*v->rows));

		if (!p)
			return -ENOMEM;
		v->rows = p;
		*cap = n;
	}
	memset(&v->rows[v->nr], 0, sizeof(v->rows[0]));
	v->nr++;
	return 0;
}

static bool visible(const struct agg *g, bool keep_zero)
{
	return g->shown && (keep_zero || g->total || g->delta);
}

/*
 * Append the rows of @s (parents sorted, each followed by its shown
 * children when @children) at @depth; the sums of the parents that count
 * towards Total go to @total and @delta.
 */
static int emit(struct kvmw_top_view *v, size_t *cap, struct aggs *s,
		const struct sort_ctx *sc, bool children, int depth,
		bool keep_zero, u64 of, u64 *total, u64 *delta)
{
	struct agg **p;
	size_t i, j, n = 0;
	int ret = 0;

	p = calloc(s->nr ? s->nr : 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++)
		p[n++] = &s->a[i];
	qsort_r(p, n, sizeof(*p), sort_cmp, (void *)sc);

	*total = *delta = 0;
	for (i = 0; i < n; i++) {
		if (p[i]->child || !visible(p[i], keep_zero) || p[i]->ns)
			continue;
		*total += p[i]->total;
		*delta += p[i]->delta;
	}
	if (!of)
		of = *total;
	for (i = 0; i < n && !ret; i++) {
		struct kvmw_top_row *r;

		if (p[i]->child || !visible(p[i], keep_zero))
			continue;
		ret = row_add(v, cap);
		if (ret)
			break;
		r = &v->rows[v->nr - 1];
		snprintf(r->name, sizeof(r->name), "%s", p[i]->name);
		r->depth = depth;
		r->ns = p[i]->ns;
		r->total = p[i]->total;
		r->delta = p[i]->delta;
		r->of = of;
		for (j = 0; children && j < n && !ret; j++) {
			struct kvmw_top_row *c;

			if (p[j]->parent != p[i] ||
			    !visible(p[j], keep_zero))
				continue;
			ret = row_add(v, cap);
			if (ret)
				break;
			c = &v->rows[v->nr - 1];
			snprintf(c->name, sizeof(c->name), "%s", p[j]->name);
			snprintf(c->note, sizeof(c->note), "%s", p[j]->note);
			c->depth = depth + 1;
			c->total = p[j]->total;
			c->delta = p[j]->delta;
			c->of = p[i]->total;
		}
	}
	free(p);
	return ret;
}

static int view_events(const struct kvmw_top_tally *base,
		       const struct kvmw_top_tally *prev,
		       const struct kvmw_top_tally *cur,
		       const struct kvmw_top_opts *o,
		       const struct sort_ctx *sc, bool keep_zero,
		       struct kvmw_top_view *v, size_t *cap)
{
	struct aggs s;
	int ret;

	ret = collect(base, prev, cur, o, true, 0, keep_zero, &s);
	if (!ret)
		ret = emit(v, cap, &s, sc, o->children, 0, keep_zero, 0,
			   &v->total, &v->delta);
	free(s.a);
	return ret;
}

/* A VM row per VM; with children, its events under it. */
static int view_guests(const struct kvmw_top_tally *base,
		       const struct kvmw_top_tally *prev,
		       const struct kvmw_top_tally *cur,
		       const struct kvmw_top_opts *o,
		       const struct sort_ctx *sc, struct kvmw_top_view *v,
		       size_t *cap)
{
	struct {
		size_t vm;
		struct aggs s;
		u64 total, delta;
	} *g;
	struct aggs vms = { 0 };
	struct kvmw_top_view sub = { 0 };
	struct agg **order = NULL;
	size_t i, n = 0, subcap = 0;
	int ret = 0;

	g = calloc(cur->nr_vms ? cur->nr_vms : 1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (i = 0; i < cur->nr_vms && !ret; i++) {
		const struct kvmw_top_vm *vm = &cur->vms[i];

		if (o->pid && vm->pid != o->pid)
			continue;
		g[n].vm = i;
		ret = collect(base, prev, cur, o, false, vm->serial, false,
			      &g[n].s);
		if (!ret) {
			/*
			 * The VM's total is its Total row as the events
			 * view would show it (filters applied): emit()
			 * computes it; its rows are thrown away.
			 */
			sub.nr = 0;
			ret = emit(&sub, &subcap, &g[n].s, sc, false, 1,
				   false, 0, &g[n].total, &g[n].delta);
		}
		n++;
	}
	/* Sort the VMs as events are sorted: through struct agg. */
	vms.a = calloc(n ? n : 1, sizeof(*vms.a));
	order = calloc(n ? n : 1, sizeof(*order));
	if (!ret && (!vms.a || !order))
		ret = -ENOMEM;
	for (i = 0; !ret && i < n; i++) {
		const struct kvmw_top_vm *vm = &cur->vms[g[i].vm];
		struct agg *a = &vms.a[i];

		snprintf(a->name, sizeof(a->name), "%s", vm->id);
		a->total = g[i].total;
		a->delta = g[i].delta;
		order[i] = a;	/* order[i] - vms.a indexes g */
	}
	if (!ret)
		qsort_r(order, n, sizeof(*order), sort_cmp, (void *)sc);
	v->total = v->delta = 0;
	for (i = 0; !ret && i < n; i++) {
		size_t k = order[i] - vms.a;

		if (!g[k].total && !g[k].delta)
			continue;
		v->total += g[k].total;
		v->delta += g[k].delta;
	}
	for (i = 0; !ret && i < n; i++) {
		size_t k = order[i] - vms.a;
		const struct kvmw_top_vm *vm = &cur->vms[g[k].vm];
		struct kvmw_top_row *r;
		u64 t, d;

		if (!g[k].total && !g[k].delta)
			continue;
		ret = row_add(v, cap);
		if (ret)
			break;
		r = &v->rows[v->nr - 1];
		if (vm->name[0])
			snprintf(r->name, sizeof(r->name), "%s %s", vm->id,
				 vm->name);
		else
			snprintf(r->name, sizeof(r->name), "%s", vm->id);
		r->total = g[k].total;
		r->delta = g[k].delta;
		r->of = v->total;
		if (o->children)
			ret = emit(v, cap, &g[k].s, sc, false, 1, false,
				   g[k].total, &t, &d);
	}
	for (i = 0; i < n; i++)
		free(g[i].s.a);
	free(g);
	free(vms.a);
	free(order);
	free(sub.rows);
	return ret;
}

static int view(const struct kvmw_top_tally *base,
		const struct kvmw_top_tally *prev,
		const struct kvmw_top_tally *cur,
		const struct kvmw_top_opts *o, bool by_name, bool keep_zero,
		struct kvmw_top_view *v)
{
	struct sort_ctx sc = { .total = o->sort_total, .name = by_name };
	size_t cap = 0;
	int ret;

	memset(v, 0, sizeof(*v));
	if (prev && cur->time_ns > prev->time_ns)
		v->interval_ns = cur->time_ns - prev->time_ns;
	if (o->by_guest)
		ret = view_guests(base, prev, cur, o, &sc, v, &cap);
	else
		ret = view_events(base, prev, cur, o, &sc, keep_zero, v,
				  &cap);
	if (ret)
		kvmw_top_view_free(v);
	return ret;
}

int kvmw_top_view(const struct kvmw_top_tally *base,
		  const struct kvmw_top_tally *prev,
		  const struct kvmw_top_tally *cur,
		  const struct kvmw_top_opts *o, struct kvmw_top_view *v)
{
	return view(base, prev, cur, o, false, false, v);
}

int kvmw_top_view_batch(const struct kvmw_top_tally *base,
			const struct kvmw_top_tally *prev,
			const struct kvmw_top_tally *cur,
			const struct kvmw_top_opts *o,
			struct kvmw_top_view *v)
{
	struct kvmw_top_opts eo = *o;

	eo.by_guest = false;
	return view(base, prev, cur, &eo, true, true, v);
}

void kvmw_top_view_free(struct kvmw_top_view *v)
{
	free(v->rows);
	memset(v, 0, sizeof(*v));
}

int kvmw_top_regcomp(regex_t *re, const char *pattern)
{
	size_t n = strlen(pattern) + 8;
	char *p = malloc(n);
	int ret;

	if (!p)
		return -1;
	snprintf(p, n, "^(%s)", pattern);
	ret = regcomp(re, p, REG_EXTENDED | REG_NOSUB);
	free(p);
	return ret ? -1 : 0;
}

u64 kvmw_top_rate(u64 delta, u64 interval_ns)
{
	if (!interval_ns)
		return 0;
	/* Python's round(): half to even, as rint() in the default mode */
	return (u64)rint((double)delta * NSEC_PER_SEC / (double)interval_ns);
}

/* ---- text ---- */

static void fmt_name(char *buf, size_t len, const struct kvmw_top_row *r)
{
	const char *indent = r->depth ? "  " : "";

	if (r->note[0])
		snprintf(buf, len, "%s%.*s %s", indent, NAME_COL, r->name,
			 r->note);
	else
		snprintf(buf, len, "%s%.*s", indent, NAME_COL, r->name);
	/* kvm_stat lets long names push the columns; keep them aligned */
	if (strlen(buf) > NAME_COL)
		buf[NAME_COL] = '\0';
}

void kvmw_top_screen(FILE *out, const struct kvmw_top_view *v,
		     const struct kvmw_top_opts *o, const char *headline,
		     const char *regex, int height)
{
	char name[2 * NAME_COL + KVMW_TOP_NOTE_LEN], pct[16], cur[24];
	int line = 3;
	size_t i;

	fprintf(out, "%s\n", headline);
	if (regex && *regex) {
		if (strlen(regex) > MAX_REGEX_LEN)
			fprintf(out, "%17sregex filter: %.*s...\n", "",
				MAX_REGEX_LEN, regex);
		else
			fprintf(out, "%17sregex filter: %s\n", "", regex);
	} else {
		fputc('\n', out);
	}
	fprintf(out, " %-40s %10s%7s %8s\n",
		o->by_guest ? "Guest Name" : "Event", "Total", "%Total",
		"CurAvg/s");
	for (i = 0; i < v->nr && line < height - 1; i++, line++) {
		const struct kvmw_top_row *r = &v->rows[i];

		fmt_name(name, sizeof(name), r);
		if (r->ns || !r->of)
			snprintf(pct, sizeof(pct), "%7s", r->ns ? "" : "0.0");
		else
			snprintf(pct, sizeof(pct), "%7.1f",
				 (double)r->total * 100 / (double)r->of);
		snprintf(cur, sizeof(cur), "%llu", (unsigned long long)
			 kvmw_top_rate(r->delta, v->interval_ns));
		fprintf(out, " %-40s %10llu%s %8s\n", name,
			(unsigned long long)r->total, pct, cur);
	}
	if (!v->nr) {
		fprintf(out, "\n No data\n");
		return;
	}
	if (line < height) {
		u64 tavg = kvmw_top_rate(v->delta, v->interval_ns);

		snprintf(cur, sizeof(cur), "%llu", (unsigned long long)tavg);
		fprintf(out, " %-40s %10llu        %8s\n", "Total",
			(unsigned long long)v->total, tavg ? cur : "");
	}
}

void kvmw_top_batch(FILE *out, const struct kvmw_top_view *v,
		    bool skip_zero)
{
	size_t i;

	for (i = 0; i < v->nr; i++) {
		const struct kvmw_top_row *r = &v->rows[i];

		if (skip_zero && !r->total && !r->delta)
			continue;
		/*
		 * kvm_stat's "%-42s%10d%10d", with a space that is always
		 * there: the same line up to 9 digits, and nanosecond
		 * counters that outgrow the column stay two numbers.
		 */
		fprintf(out, "%-42s %9llu %9llu\n", r->name,
			(unsigned long long)r->total,
			(unsigned long long)r->delta);
	}
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kvmw_top_keys(const struct kvmw_top_view *v, char ***keys)
{
	char **k = calloc(v->nr ? v->nr : 1, sizeof(*k));
	int n = 0;
	size_t i;

	if (!k)
		return -ENOMEM;
	for (i = 0; i < v->nr; i++) {
		if (v->rows[i].depth)
			continue;
		k[n] = strdup(v->rows[i].name);
		if (!k[n]) {
			kvmw_top_keys_free(k, n);
			return -ENOMEM;
		}
		n++;
	}
	qsort(k, n, sizeof(*k), key_cmp);
	*keys = k;
	return n;
}

void kvmw_top_keys_free(char **keys, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		free(keys[i]);
	free(keys);
}

void kvmw_top_log_banner(FILE *out, char *const *keys, int nr, bool csv)
{
	int i;

	if (csv)
		fputs("timestamp", out);
	for (i = 0; i < nr; i++)
		fprintf(out, csv ? ",%s" : "%s ", keys[i]);
	fputc('\n', out);
}

static u64 row_delta(const struct kvmw_top_view *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->nr; i++)
		if (!v->rows[i].depth && !strcmp(v->rows[i].name, name))
			return v->rows[i].delta;
	return 0;
}

bool kvmw_top_log_line(FILE *out, const struct kvmw_top_view *v,
		       char *const *keys, int nr, const char *stamp, bool csv,
		       bool skip_zero)
{
	bool any = false;
	int i;

	for (i = 0; i < nr; i++)
		any |= row_delta(v, keys[i]) != 0;
	if (skip_zero && !any)
		return false;
	fputs(stamp, out);
	for (i = 0; i < nr; i++)
		fprintf(out, csv ? ",%llu" : " %9llu",
			(unsigned long long)row_delta(v, keys[i]));
	fputc('\n', out);
	return true;
}

/* ---- host CPU split ---- */

enum { CPU_GUEST, CPU_EXITS, CPU_VMM, CPU_HALTED, CPU_POLLING, CPU_NR };

struct cpu_split {
	u64 ns[CPU_NR];
	bool have[CPU_NR];
};

/* The counter @name of vCPU (@serial, @id) over [prev, cur]; false if absent. */
static bool cpu_delta(const struct kvmw_top_tally *prev,
		      const struct kvmw_top_tally *cur, u64 serial, u32 id,
		      const char *name, u64 *out)
{
	const struct kvmw_top_ent *e = lookup(cur, serial, id, name);

	if (!e)
		return false;
	*out = since(e, prev);
	return true;
}

static void cpu_vcpu(const struct kvmw_top_tally *prev,
		     const struct kvmw_top_tally *cur, u64 serial, u32 id,
		     struct cpu_split *c)
{
	u64 exit_ns = 0, ok = 0, fail = 0, kernel;
	bool ex, pk, pf;

	memset(c, 0, sizeof(*c));
	ex = cpu_delta(prev, cur, serial, id, ENT_EXIT_NS, &exit_ns);
	c->have[CPU_GUEST] = cpu_delta(prev, cur, serial, id, ENT_GUEST_NS,
				       &c->ns[CPU_GUEST]);
	c->have[CPU_VMM] = cpu_delta(prev, cur, serial, id, ENT_USER_NS,
				     &c->ns[CPU_VMM]);
	c->have[CPU_HALTED] = cpu_delta(prev, cur, serial, id, KVM_HALT_WAIT,
					&c->ns[CPU_HALTED]);
	pk = cpu_delta(prev, cur, serial, id, KVM_POLL_OK, &ok);
	pf = cpu_delta(prev, cur, serial, id, KVM_POLL_FAIL, &fail);
	c->have[CPU_POLLING] = pk && pf;
	c->ns[CPU_POLLING] = ok + fail;
	/*
	 * An exit's handling time runs from kvm_exit to the next kvm_entry:
	 * it holds the VMM's time in userspace and the halted and polling
	 * time; what is left is the kernel's own exit handling.
	 */
	c->have[CPU_EXITS] = ex && c->have[CPU_VMM] && c->have[CPU_HALTED] &&
			     c->have[CPU_POLLING];
	kernel = exit_ns;
	kernel = kernel > c->ns[CPU_VMM] ? kernel - c->ns[CPU_VMM] : 0;
	kernel = kernel > c->ns[CPU_HALTED] ? kernel - c->ns[CPU_HALTED] : 0;
	kernel = kernel > c->ns[CPU_POLLING] ? kernel - c->ns[CPU_POLLING] : 0;
	c->ns[CPU_EXITS] = kernel;
}

static void cpu_line(FILE *out, const char *name, const struct cpu_split *c,
		     u64 wall)
{
	char cell[CPU_NR][16];
	int i;

	for (i = 0; i < CPU_NR; i++) {
		if (!c->have[i] || !wall)
			snprintf(cell[i], sizeof(cell[i]), "-");
		else
			snprintf(cell[i], sizeof(cell[i]), "%.1f",
				 (double)c->ns[i] * 100 / (double)wall);
	}
	fprintf(out, " %-40s %8s %8s %8s %8s %8s\n", name, cell[CPU_GUEST],
		cell[CPU_EXITS], cell[CPU_VMM], cell[CPU_HALTED],
		cell[CPU_POLLING]);
}

void kvmw_top_cpu(FILE *out, const struct kvmw_top_tally *prev,
		  const struct kvmw_top_tally *cur,
		  const struct kvmw_top_opts *o)
{
	u64 wall = prev && cur->time_ns > prev->time_ns ?
		   cur->time_ns - prev->time_ns : 0;
	char name[KVMW_TOP_NAME_LEN + 80];
	size_t i, j;
	int k;

	fprintf(out, " %-40s %8s %8s %8s %8s %8s\n", "Host CPU % (VM / vCPU)",
		"Guest", "Exits", "VMM", "Halted", "Polling");
	for (i = 0; i < cur->nr_vms; i++) {
		const struct kvmw_top_vm *vm = &cur->vms[i];
		struct cpu_split sum = { 0 }, c;
		size_t first = cur->nr;

		if (o->pid && vm->pid != o->pid)
			continue;
		/* The VM's row sums its vCPUs; a column any vCPU lacks is "-". */
		for (k = 0; k < CPU_NR; k++)
			sum.have[k] = true;
		for (j = 0; j < cur->nr; j++) {
			const struct kvmw_top_ent *e = &cur->ents[j];

			if (e->serial != vm->serial ||
			    strcmp(e->name, ENT_EXIT_NS))
				continue;
			if (first == cur->nr)
				first = j;
			cpu_vcpu(prev, cur, vm->serial, e->vcpu_id, &c);
			for (k = 0; k < CPU_NR; k++) {
				sum.ns[k] += c.ns[k];
				sum.have[k] &= c.have[k];
			}
		}
		if (first == cur->nr)
			continue;	/* no vCPU yet */
		if (vm->name[0])
			snprintf(name, sizeof(name), "%s %s", vm->id, vm->name);
		else
			snprintf(name, sizeof(name), "%s", vm->id);
		if (strlen(name) > NAME_COL)
			name[NAME_COL] = '\0';
		cpu_line(out, name, &sum, wall);
		for (j = first; j < cur->nr; j++) {
			const struct kvmw_top_ent *e = &cur->ents[j];

			if (e->serial != vm->serial)
				break;
			if (strcmp(e->name, ENT_EXIT_NS))
				continue;
			cpu_vcpu(prev, cur, vm->serial, e->vcpu_id, &c);
			snprintf(name, sizeof(name), "  vCPU %u", e->vcpu_id);
			cpu_line(out, name, &c, wall);
		}
	}
}
