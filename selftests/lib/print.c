// SPDX-License-Identifier: GPL-2.0
/*
 * Tally output for shell tests: "vm<N>.<what>=<value>" lines that grep
 * and cut handle, or one JSON object for anything richer.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int cmp_count(const void *a, const void *b)
{
	const struct kvmw_count *x = a, *y = b;

	if (x->ev != y->ev)
		return x->ev < y->ev ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Rows sorted by event then key, so output is stable. */
static struct kvmw_count *sorted_rows(const struct kvmw_tally *t)
{
	struct kvmw_count *c = calloc(t->nr_counts + 1, sizeof(*c));

	if (!c)
		return NULL;
	memcpy(c, t->counts, t->nr_counts * sizeof(*c));
	qsort(c, t->nr_counts, sizeof(*c), cmp_count);
	return c;
}

static bool has_user(const struct kvmw_count *c)
{
	return c->ev == KVMW_EV_OUT || c->ev == KVMW_EV_IN ||
	       c->ev == KVMW_EV_MMIO_RD || c->ev == KVMW_EV_MMIO_WR ||
	       c->ev == KVMW_EV_HLT;
}

int kvmw_print_text(FILE *f, struct kvmw_vm *const *vms, unsigned int n,
		    bool strict)
{
	int failed = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct kvmw_vm *vm = vms[i];
		const struct kvmw_tally *t = &vm->total;
		struct kvmw_count *rows = sorted_rows(t);
		char why[1024];
		int bad = kvmw_check(vm, strict, why, sizeof(why));

		failed += !!bad;
		fprintf(f, "vm%u.id=%s\nvm%u.vcpus=%u\nvm%u.irqchip=%d\nvm%u.rounds=%llu\n",
			i, vm->id, i, vm->nr_vcpus, i, vm->irqchip, i,
			(unsigned long long)t->rounds);
		for (int k = 0; k < KVMW_OP__NR; k++)
			if (t->ops[k])
				fprintf(f, "vm%u.op.%s=%llu\n", i, kvmw_op_name(k),
					(unsigned long long)t->ops[k]);
		for (int e = 0; e < KVMW_EV__NR; e++)
			if (t->ev[e])
				fprintf(f, "vm%u.total.%s=%llu\n", i,
					kvmw_ev_name(e),
					(unsigned long long)t->ev[e]);
		for (unsigned int r = 0; rows && r < t->nr_counts; r++) {
			const struct kvmw_count *c = &rows[r];

			fprintf(f, "vm%u.%s.0x%llx=%llu\n", i, kvmw_ev_name(c->ev),
				(unsigned long long)c->key,
				(unsigned long long)c->guest);
			if (has_user(c))
				fprintf(f, "vm%u.%s.0x%llx.user=%llu\n", i,
					kvmw_ev_name(c->ev),
					(unsigned long long)c->key,
					(unsigned long long)c->user);
		}
		for (int r = 0; r < KVMW_NR_EXIT_REASONS; r++)
			if (t->exit_reason[r])
				fprintf(f, "vm%u.exit.%s=%llu\n", i,
					kvmw_exit_name(r),
					(unsigned long long)t->exit_reason[r]);
		for (int k = 0; k < KVMW_KSTAT__NR; k++)
			if (t->kstat[k] != ~0ULL)
				fprintf(f, "vm%u.kvm.%s=%llu\n", i,
					kvmw_kstat_name(k),
					(unsigned long long)t->kstat[k]);
		fprintf(f, "vm%u.dirty.pages=%llu\nvm%u.dirty.wrong=%llu\n",
			i, (unsigned long long)t->dirty_pages,
			i, (unsigned long long)t->dirty_wrong);
		fprintf(f, "vm%u.faults=%llu\nvm%u.hlt_skips=%llu\nvm%u.irq_dups=%llu\n",
			i, (unsigned long long)t->faults,
			i, (unsigned long long)t->hlt_skips,
			i, (unsigned long long)t->irq_dups);
		fprintf(f, "vm%u.result=%s\n", i, bad ? "fail" : "ok");
		if (bad)
			fprintf(f, "vm%u.why=%s (%d mismatches)\n", i, why, bad);
		free(rows);
	}
	fprintf(f, "result=%s\n", failed ? "fail" : "ok");
	return failed;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_vm(FILE *f, const struct kvmw_vm *vm, bool strict, int *failed)
{
	const struct kvmw_tally *t = &vm->total;
	struct kvmw_count *rows = sorted_rows(t);
	const char *sep = "";
	char why[1024];
	int bad = kvmw_check(vm, strict, why, sizeof(why));

	*failed += !!bad;
	fprintf(f, "{\"id\":\"%s\",\"vcpus\":%u,\"irqchip\":%s,\"rounds\":%llu,",
		vm->id, vm->nr_vcpus, vm->irqchip ? "true" : "false",
		(unsigned long long)t->rounds);
	fprintf(f, "\"ok\":%s,\"why\":", bad ? "false" : "true");
	json_str(f, bad ? why : "");
	fprintf(f, ",\"ops\":{");
	for (int k = 0; k < KVMW_OP__NR; k++) {
		if (!t->ops[k])
			continue;
		fprintf(f, "%s\"%s\":%llu", sep, kvmw_op_name(k),
			(unsigned long long)t->ops[k]);
		sep = ",";
	}
	fprintf(f, "},\"totals\":{");
	sep = "";
	for (int e = 0; e < KVMW_EV__NR; e++) {
		if (!t->ev[e])
			continue;
		fprintf(f, "%s\"%s\":%llu", sep, kvmw_ev_name(e),
			(unsigned long long)t->ev[e]);
		sep = ",";
	}
	fprintf(f, "},\"counts\":[");
	for (unsigned int r = 0; rows && r < t->nr_counts; r++)
		fprintf(f, "%s{\"ev\":\"%s\",\"key\":%llu,\"guest\":%llu,\"user\":%llu}",
			r ? "," : "", kvmw_ev_name(rows[r].ev),
			(unsigned long long)rows[r].key,
			(unsigned long long)rows[r].guest,
			(unsigned long long)rows[r].user);
	fprintf(f, "],\"exits\":{");
	sep = "";
	for (int r = 0; r < KVMW_NR_EXIT_REASONS; r++) {
		if (!t->exit_reason[r])
			continue;
		fprintf(f, "%s\"%s\":%llu", sep, kvmw_exit_name(r),
			(unsigned long long)t->exit_reason[r]);
		sep = ",";
	}
	fprintf(f, "},\"kvm\":{");
	sep = "";
	for (int k = 0; k < KVMW_KSTAT__NR; k++) {
		if (t->kstat[k] == ~0ULL)
			continue;
		fprintf(f, "%s\"%s\":%llu", sep, kvmw_kstat_name(k),
			(unsigned long long)t->kstat[k]);
		sep = ",";
	}
	fprintf(f, "},\"dirty\":{\"pages\":%llu,\"wrong\":%llu},\"faults\":%llu,\"hlt_skips\":%llu,\"irq_dups\":%llu}",
		(unsigned long long)t->dirty_pages,
		(unsigned long long)t->dirty_wrong,
		(unsigned long long)t->faults,
		(unsigned long long)t->hlt_skips,
		(unsigned long long)t->irq_dups);
	free(rows);
}

int kvmw_print_json(FILE *f, struct kvmw_vm *const *vms, unsigned int n,
		    bool strict)
{
	int failed = 0;

	fprintf(f, "{\"vms\":[");
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_vm(f, vms[i], strict, &failed);
	}
	fprintf(f, "],\"ok\":%s}\n", failed ? "false" : "true");
	return failed;
}
