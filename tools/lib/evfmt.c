// SPDX-License-Identifier: GPL-2.0
/*
 * Records to text and JSON. Times are printed from integer nanoseconds
 * (never through a double), so a line says exactly what the kernel
 * recorded. kvm_watcher's tables are reproduced as its sample output
 * (seed 004) shows them: the same widths, its "PID/TID" as "%-6d/%-8d",
 * the trailing blanks of its -n and -d rows and the spelling of its
 * header ("VAILD?"); the unit tests compare with those sample lines.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm_para.h>

#include "evfmt.h"
#include "exit_reason.h"
#include "json.h"
#include "names.h"
#include "report.h"
#include "util.h"

static const char *const type_names[] = {
	[KVMW_EV_TYPE_EXIT] = "exit",
	[KVMW_EV_TYPE_MSR] = "msr",
	[KVMW_EV_TYPE_PIO] = "pio",
	[KVMW_EV_TYPE_MMIO] = "mmio",
	[KVMW_EV_TYPE_WAKEUP] = "wakeup",
	[KVMW_EV_TYPE_HALT_POLL] = "halt_poll",
	[KVMW_EV_TYPE_DIRTY] = "dirty",
	[KVMW_EV_TYPE_LOAD] = "load",
	[KVMW_EV_TYPE_PUT] = "put",
	[KVMW_EV_TYPE_INJECT] = "inject",
	[KVMW_EV_TYPE_PAGE_FAULT] = "page_fault",
	[KVMW_EV_TYPE_HYPERCALL] = "hypercall",
	[KVMW_EV_TYPE_VM_CREATE] = "vm_create",
	[KVMW_EV_TYPE_VM_GONE] = "vm_gone",
	[KVMW_EV_TYPE_TEST] = "test",
};

static const u64 type_families[] = {
	[KVMW_EV_TYPE_EXIT] = KVMW_ENABLE_EXIT,
	[KVMW_EV_TYPE_MSR] = KVMW_ENABLE_IO,
	[KVMW_EV_TYPE_PIO] = KVMW_ENABLE_IO,
	[KVMW_EV_TYPE_MMIO] = KVMW_ENABLE_IO,
	[KVMW_EV_TYPE_WAKEUP] = KVMW_ENABLE_HALT,
	[KVMW_EV_TYPE_HALT_POLL] = KVMW_ENABLE_HALT,
	[KVMW_EV_TYPE_DIRTY] = KVMW_ENABLE_DIRTY,
	[KVMW_EV_TYPE_LOAD] = KVMW_ENABLE_SCHED,
	[KVMW_EV_TYPE_PUT] = KVMW_ENABLE_SCHED,
	[KVMW_EV_TYPE_INJECT] = KVMW_ENABLE_IRQ,
	[KVMW_EV_TYPE_PAGE_FAULT] = KVMW_ENABLE_PF,
	[KVMW_EV_TYPE_HYPERCALL] = KVMW_ENABLE_HCALL,
	[KVMW_EV_TYPE_VM_CREATE] = KVMW_ENABLE_VM,
	[KVMW_EV_TYPE_VM_GONE] = KVMW_ENABLE_VM,
};

static const struct {
	const char *name;
	u64 families;
} family_names[] = {
	{ "exit", KVMW_ENABLE_EXIT },
	{ "io", KVMW_ENABLE_IO },
	{ "halt", KVMW_ENABLE_HALT },
	{ "dirty", KVMW_ENABLE_DIRTY },
	{ "sched", KVMW_ENABLE_SCHED },
	{ "irq", KVMW_ENABLE_IRQ },
	{ "pf", KVMW_ENABLE_PF },
	{ "hcall", KVMW_ENABLE_HCALL },
	{ "vm", KVMW_ENABLE_VM },
	{ "all", KVMW_ENABLE_EVENTS },
};

const char *kvmw_ev_type_name(unsigned int type)
{
	return type < ARRAY_SIZE(type_names) ? type_names[type] : NULL;
}

u64 kvmw_ev_type_family(unsigned int type)
{
	return type < ARRAY_SIZE(type_families) ? type_families[type] : 0;
}

/* The record types of @families. */
static u32 family_types(u64 families)
{
	u32 types = 0;
	unsigned int t;

	for (t = 0; t < ARRAY_SIZE(type_families); t++)
		if (type_families[t] & families)
			types |= KVMW_EVT(t);
	return types;
}

/* One word of -e: a family, or a record type that belongs to one. */
static int evsel_word(const char *w, size_t len, struct kvmw_evsel *sel)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(family_names); i++) {
		if (strlen(family_names[i].name) == len &&
		    !memcmp(family_names[i].name, w, len)) {
			sel->families |= family_names[i].families;
			sel->types |= family_types(family_names[i].families);
			return 0;
		}
	}
	for (i = 0; i < ARRAY_SIZE(type_families); i++) {
		if (type_families[i] && strlen(type_names[i]) == len &&
		    !memcmp(type_names[i], w, len)) {
			sel->families |= type_families[i];
			sel->types |= KVMW_EVT(i);
			return 0;
		}
	}
	return -1;
}

int kvmw_evsel_parse(const char *list, struct kvmw_evsel *sel, char *bad,
		     size_t badlen)
{
	const char *w = list;

	sel->families = 0;
	sel->types = 0;
	for (;;) {
		size_t len = strcspn(w, ",");

		if (!len || evsel_word(w, len, sel)) {
			snprintf(bad, badlen, "%.*s", (int)len, w);
			sel->families = 0;
			sel->types = 0;
			return -1;
		}
		if (!w[len])
			return 0;
		w += len + 1;
	}
}

enum kvmw_evfmt_view kvmw_evfmt_view_for(u32 types)
{
	u32 halt = KVMW_EVT(KVMW_EV_TYPE_WAKEUP) |
		   KVMW_EVT(KVMW_EV_TYPE_HALT_POLL);

	if (types == KVMW_EVT(KVMW_EV_TYPE_WAKEUP) || types == halt)
		return KVMW_VIEW_WAKEUP;
	if (types == KVMW_EVT(KVMW_EV_TYPE_HALT_POLL))
		return KVMW_VIEW_HALT_POLL;
	if (types == KVMW_EVT(KVMW_EV_TYPE_DIRTY))
		return KVMW_VIEW_DIRTY;
	return KVMW_VIEW_EVENTS;
}

/* ---- decoding ---- */

/* A record as this tool knows its type: zeros past what it carries. */
union rec {
	struct kvmw_ev hdr;
	struct kvmw_ev_exit exit;
	struct kvmw_ev_msr msr;
	struct kvmw_ev_pio pio;
	struct kvmw_ev_mmio mmio;
	struct kvmw_ev_wakeup wakeup;
	struct kvmw_ev_halt_poll halt_poll;
	struct kvmw_ev_dirty dirty;
	struct kvmw_ev_load load;
	struct kvmw_ev_put put;
	struct kvmw_ev_inject inject;
	struct kvmw_ev_page_fault pf;
	struct kvmw_ev_hypercall hcall;
	struct kvmw_ev_vm vm;
	struct kvmw_ev_test test;
	u64 raw[KVMW_EV_MAX_SIZE / sizeof(u64)];
};

static void decode(union rec *r, const struct kvmw_ev *ev)
{
	size_t n = ev->size < sizeof(*r) ? ev->size : sizeof(*r);

	memset(r, 0, sizeof(*r));
	if (n < sizeof(r->hdr))
		n = sizeof(r->hdr);
	memcpy(r, ev, n);
}

/* @ns in units of @unit ns with @decimals digits: 1234567, ms -> 1.234567 */
static const char *dec(char *buf, size_t len, u64 ns, u64 unit, int decimals)
{
	snprintf(buf, len, "%llu.%0*llu", (unsigned long long)(ns / unit),
		 decimals, (unsigned long long)(ns % unit));
	return buf;
}

#define MS(buf, ns)	dec(buf, sizeof(buf), ns, 1000000, 6)
#define US(buf, ns)	dec(buf, sizeof(buf), ns, 1000, 3)

static const char *put_how(u32 how)
{
	switch (how) {
	case KVMW_PUT_PREEMPTED:
		return "preempted";
	case KVMW_PUT_BLOCKED:
		return "blocked";
	case KVMW_PUT_USER:
		return "user";
	}
	return NULL;
}

static const char *inject_kind(u16 kind)
{
	switch (kind) {
	case KVMW_INJ_IRQ:
		return "irq";
	case KVMW_INJ_SOFT:
		return "soft";
	case KVMW_INJ_EXCEPTION:
		return "exception";
	}
	return NULL;
}

static const char *mmio_dir(u32 type)
{
	switch (type) {
	case KVMW_MMIO_READ_UNSATISFIED:
		return "read_unsatisfied";
	case KVMW_MMIO_READ:
		return "read";
	case KVMW_MMIO_WRITE:
		return "write";
	}
	return NULL;
}

static const char *hypercall_name(u64 nr)
{
	switch (nr) {
	case KVM_HC_VAPIC_POLL_IRQ:
		return "VAPIC_POLL_IRQ";
	case KVM_HC_MMU_OP:
		return "MMU_OP";
	case KVM_HC_FEATURES:
		return "FEATURES";
	case KVM_HC_PPC_MAP_MAGIC_PAGE:
		return "PPC_MAP_MAGIC_PAGE";
	case KVM_HC_KICK_CPU:
		return "KICK_CPU";
	case KVM_HC_MIPS_GET_CLOCK_FREQ:
		return "MIPS_GET_CLOCK_FREQ";
	case KVM_HC_MIPS_EXIT_VM:
		return "MIPS_EXIT_VM";
	case KVM_HC_MIPS_CONSOLE_OUTPUT:
		return "MIPS_CONSOLE_OUTPUT";
	case KVM_HC_CLOCK_PAIRING:
		return "CLOCK_PAIRING";
	case KVM_HC_SEND_IPI:
		return "SEND_IPI";
	case KVM_HC_SCHED_YIELD:
		return "SCHED_YIELD";
	case KVM_HC_MAP_GPA_RANGE:
		return "MAP_GPA_RANGE";
	}
	return NULL;
}

static const char *key_kind_name(u16 kind)
{
	switch (kind) {
	case KVMW_STAT_IOPORT:
		return "ioport";
	case KVMW_STAT_MMIO:
		return "mmio";
	case KVMW_STAT_MSR:
		return "msr";
	}
	return NULL;
}

/* An exit's key as "kvmwatch stat --event" labels it: "0x80:POUT". */
static struct kvmw_agg_row exit_key_row(const struct kvmw_ev_exit *e)
{
	struct kvmw_agg_row row;

	memset(&row, 0, sizeof(row));
	row.kind = e->key_kind;
	row.sub = e->key_sub;
	row.key = e->key;
	return row;
}

/* Every check word as KVMW_IOC_TEST_EVENTS writes it, within the record. */
static bool test_check_ok(const struct kvmw_ev *ev, const union rec *r)
{
	const struct kvmw_ev_test *t = &r->test;
	size_t room = (ev->size - sizeof(*t)) / sizeof(u64);
	u32 i;

	if (ev->size < sizeof(*t) || t->words > room)
		return false;
	for (i = 0; i < t->words; i++)
		if (t->check[i] != t->index * 0x9e3779b97f4a7c15ULL + i)
			return false;
	return true;
}

/* ---- text ---- */

void kvmw_evfmt_header(FILE *out, enum kvmw_evfmt_view view)
{
	switch (view) {
	case KVMW_VIEW_WAKEUP:
		fprintf(out, "%-18s %-20s %-15s %-15s %-10s %-10s %-10s\n",
			"TIME(ms)", "DUR_HALT(ms)", "COMM", "PID/TID",
			"VCPU_ID", "WAIT/POLL", "VAILD?");
		return;
	case KVMW_VIEW_HALT_POLL:
		fprintf(out, "%-18s %-15s %-15s %-10s %-7s %-11s %-10s\n",
			"TIME(ms)", "COMM", "PID/TID", "TYPE", "VCPU_ID",
			"OLD(ns)", "NEW(ns)");
		return;
	case KVMW_VIEW_DIRTY:
		fprintf(out, "%-18s %-15s %-15s %-10s %-10s %-10s %-15s %-10s\n",
			"TIME(ms)", "COMM", "PID/TID", "GFN", "REL_GFN",
			"NPAGES", "USERSPACE_ADDR", "SLOT_ID");
		return;
	case KVMW_VIEW_EVENTS:
		break;
	}
	fprintf(out, "%-18s %-12s %-15s %-5s %-10s %s\n", "TIME(ms)", "VM",
		"PID/TID", "VCPU", "EVENT", "DETAILS");
}

static const char *vcpu_str(char *buf, size_t len, u32 vcpu)
{
	if (vcpu == KVMW_EV_NO_VCPU)
		return "-";
	snprintf(buf, len, "%u", vcpu);
	return buf;
}

/* kvm_watcher's rows: -w, -n, -d. */
static void text_watcher(FILE *out, const union rec *r, const char *comm)
{
	char t[32], d[32], v[16];
	const struct kvmw_ev *h = &r->hdr;

	MS(t, h->time_ns);
	vcpu_str(v, sizeof(v), h->vcpu_id);
	if (!comm)
		comm = "-";
	switch (h->type) {
	case KVMW_EV_TYPE_WAKEUP:
		fprintf(out, "%-18s %-20s %-15s %-6d/%-8d %-10s %-10s %-10s\n",
			t, MS(d, r->wakeup.halt_ns), comm, h->pid, h->tid, v,
			r->wakeup.waited ? "wait" : "poll",
			r->wakeup.valid ? "valid" : "invalid");
		return;
	case KVMW_EV_TYPE_HALT_POLL:
		fprintf(out, "%-18s %-15s %-6d/%-8d %-10s %-7s %-7u --> %u \n",
			t, comm, h->pid, h->tid,
			r->halt_poll.grow ? "grow" : "shrink", v,
			r->halt_poll.old_ns, r->halt_poll.new_ns);
		return;
	case KVMW_EV_TYPE_DIRTY:
		fprintf(out, "%-18s %-15s %-6d/%-8d %-10llx %-10llx %-10llu %-15llx %u \n",
			t, comm, h->pid, h->tid,
			(unsigned long long)r->dirty.gfn,
			(unsigned long long)r->dirty.rel_gfn,
			(unsigned long long)r->dirty.npages,
			(unsigned long long)r->dirty.hva, r->dirty.slot);
		return;
	}
}

static void text_exit(FILE *out, const struct kvmw_ev_exit *e)
{
	char reason[64], key[64], d[32];
	struct kvmw_agg_row row = exit_key_row(e);
	const char *name;

	kvmw_reason_label(reason, sizeof(reason), e->isa, e->code);
	fprintf(out, " reason=%s", reason);
	if (key_kind_name(e->key_kind)) {
		kvmw_row_label(key, sizeof(key), &row);
		fprintf(out, " key=%s", key);
		name = kvmw_row_key_name(&row);
		if (name)
			fprintf(out, " name=%s", name);
	}
	fprintf(out, " dur_us=%s rip=0x%llx info1=0x%llx info2=0x%llx",
		US(d, e->duration_ns), (unsigned long long)e->rip,
		(unsigned long long)e->info1, (unsigned long long)e->info2);
	if (e->flags & (KVMW_EXIT_USER | KVMW_EXIT_NEGATIVE |
			KVMW_EXIT_DECODE_ERROR)) {
		const char *sep = " flags=";

		if (e->flags & KVMW_EXIT_USER) {
			fprintf(out, "%suser", sep);
			sep = ",";
		}
		if (e->flags & KVMW_EXIT_NEGATIVE) {
			fprintf(out, "%snegative", sep);
			sep = ",";
		}
		if (e->flags & KVMW_EXIT_DECODE_ERROR)
			fprintf(out, "%sdecode_error", sep);
	}
}

/* " name=value" for a known enum, else its number. */
static void text_enum(FILE *out, const char *key, const char *name, u64 v)
{
	if (name)
		fprintf(out, " %s=%s", key, name);
	else
		fprintf(out, " %s=%llu", key, (unsigned long long)v);
}

static void text_details(FILE *out, const struct kvmw_ev *ev,
			 const union rec *r)
{
	char d[32];
	const char *name;

	switch (r->hdr.type) {
	case KVMW_EV_TYPE_EXIT:
		text_exit(out, &r->exit);
		return;
	case KVMW_EV_TYPE_MSR:
		fprintf(out, " msr=0x%x dir=%s value=0x%llx", r->msr.index,
			r->msr.write ? "write" : "read",
			(unsigned long long)r->msr.value);
		name = kvmw_msr_name(r->msr.index);
		if (name)
			fprintf(out, " name=%s", name);
		if (r->msr.exception)
			fputs(" exception=gp", out);
		return;
	case KVMW_EV_TYPE_PIO:
		fprintf(out, " port=0x%x dir=%s size=%u count=%u value=0x%llx",
			r->pio.port, r->pio.in ? "in" : "out", r->pio.size,
			r->pio.count, (unsigned long long)r->pio.value);
		name = kvmw_ioport_name(r->pio.port);
		if (name)
			fprintf(out, " name=%s", name);
		return;
	case KVMW_EV_TYPE_MMIO:
		fprintf(out, " gpa=0x%llx", (unsigned long long)r->mmio.gpa);
		text_enum(out, "dir", mmio_dir(r->mmio.type), r->mmio.type);
		fprintf(out, " len=%u value=0x%llx", r->mmio.len,
			(unsigned long long)r->mmio.value);
		return;
	case KVMW_EV_TYPE_WAKEUP:
		fprintf(out, " halt_ms=%s how=%s valid=%s",
			MS(d, r->wakeup.halt_ns),
			r->wakeup.waited ? "wait" : "poll",
			r->wakeup.valid ? "yes" : "no");
		return;
	case KVMW_EV_TYPE_HALT_POLL:
		fprintf(out, " type=%s old_ns=%u new_ns=%u",
			r->halt_poll.grow ? "grow" : "shrink",
			r->halt_poll.old_ns, r->halt_poll.new_ns);
		return;
	case KVMW_EV_TYPE_DIRTY:
		fprintf(out, " gfn=0x%llx rel_gfn=0x%llx npages=%llu hva=0x%llx slot=%u as=%u",
			(unsigned long long)r->dirty.gfn,
			(unsigned long long)r->dirty.rel_gfn,
			(unsigned long long)r->dirty.npages,
			(unsigned long long)r->dirty.hva,
			r->dirty.slot & 0xffff, r->dirty.slot >> 16);
		return;
	case KVMW_EV_TYPE_LOAD:
		fprintf(out, " pcpu=%u", r->load.pcpu);
		if (!r->load.prev_how) {
			fputs(" prev=none", out);
			return;
		}
		text_enum(out, "prev", put_how(r->load.prev_how),
			  r->load.prev_how);
		if (r->load.prev_pcpu != ~0U)
			fprintf(out, " prev_pcpu=%u", r->load.prev_pcpu);
		fprintf(out, " off_ms=%s", MS(d, r->load.off_ns));
		return;
	case KVMW_EV_TYPE_PUT:
		fprintf(out, " pcpu=%u", r->put.pcpu);
		text_enum(out, "how", put_how(r->put.how), r->put.how);
		fprintf(out, " run_ms=%s", MS(d, r->put.run_ns));
		return;
	case KVMW_EV_TYPE_INJECT:
		text_enum(out, "kind", inject_kind(r->inject.kind),
			  r->inject.kind);
		fprintf(out, " vector=0x%x reinjected=%s", r->inject.vector,
			r->inject.reinjected ? "yes" : "no");
		if (r->inject.has_error)
			fprintf(out, " error_code=0x%x", r->inject.error_code);
		return;
	case KVMW_EV_TYPE_PAGE_FAULT:
		fprintf(out, " gpa=0x%llx error_code=0x%llx dur_us=%s",
			(unsigned long long)r->pf.gpa,
			(unsigned long long)r->pf.error_code,
			US(d, r->pf.duration_ns));
		return;
	case KVMW_EV_TYPE_HYPERCALL:
		fprintf(out, " nr=%llu", (unsigned long long)r->hcall.nr);
		name = hypercall_name(r->hcall.nr);
		if (name)
			fprintf(out, " name=%s", name);
		fprintf(out, " a0=0x%llx a1=0x%llx a2=0x%llx a3=0x%llx",
			(unsigned long long)r->hcall.args[0],
			(unsigned long long)r->hcall.args[1],
			(unsigned long long)r->hcall.args[2],
			(unsigned long long)r->hcall.args[3]);
		return;
	case KVMW_EV_TYPE_VM_CREATE:
	case KVMW_EV_TYPE_VM_GONE:
		fprintf(out, " id=%.*s ppid=%d vcpus=%u",
			(int)strnlen(r->vm.id, sizeof(r->vm.id)), r->vm.id,
			r->vm.ppid, r->vm.nr_vcpus);
		return;
	case KVMW_EV_TYPE_TEST:
		fprintf(out, " producer=%u index=%llu words=%u check=%s",
			r->test.producer, (unsigned long long)r->test.index,
			r->test.words, test_check_ok(ev, r) ? "ok" : "bad");
		return;
	}
	fprintf(out, " type=%u size=%u", ev->type, ev->size);
}

void kvmw_evfmt_text(FILE *out, enum kvmw_evfmt_view view,
		     const struct kvmw_ev *ev,
		     const struct kvmw_evfmt_info *info)
{
	char t[32], vm[32], v[16], who[32];
	const char *type = kvmw_ev_type_name(ev->type);
	union rec r;

	decode(&r, ev);
	if ((view == KVMW_VIEW_WAKEUP &&
	     (ev->type == KVMW_EV_TYPE_WAKEUP ||
	      ev->type == KVMW_EV_TYPE_HALT_POLL)) ||
	    (view == KVMW_VIEW_HALT_POLL &&
	     ev->type == KVMW_EV_TYPE_HALT_POLL) ||
	    (view == KVMW_VIEW_DIRTY && ev->type == KVMW_EV_TYPE_DIRTY)) {
		text_watcher(out, &r, info->comm);
		return;
	}
	if (info->vm)
		snprintf(vm, sizeof(vm), "%s", info->vm);
	else if (ev->vm)
		snprintf(vm, sizeof(vm), "#%llu", (unsigned long long)ev->vm);
	else
		snprintf(vm, sizeof(vm), "-");
	snprintf(who, sizeof(who), "%d/%d", ev->pid, ev->tid);
	fprintf(out, "%-18s %-12s %-15s %-5s %-10s", MS(t, ev->time_ns), vm,
		who, vcpu_str(v, sizeof(v), ev->vcpu_id), type ? type : "unknown");
	text_details(out, ev, &r);
	fputc('\n', out);
}

/* ---- JSON ---- */

static void json_str_or_null(struct kvmw_json *j, const char *key,
			     const char *s)
{
	kvmw_json_key(j, key);
	if (s)
		kvmw_json_string(j, s);
	else
		kvmw_json_null(j);
}

static void json_u64(struct kvmw_json *j, const char *key, u64 v)
{
	kvmw_json_key(j, key);
	kvmw_json_u64(j, v);
}

static void json_bool(struct kvmw_json *j, const char *key, bool v)
{
	kvmw_json_key(j, key);
	kvmw_json_bool(j, v);
}

static void json_exit(struct kvmw_json *j, const struct kvmw_ev_exit *e)
{
	struct kvmw_agg_row row = exit_key_row(e);
	const char *kind = key_kind_name(e->key_kind);
	char reason[64], key[64];

	kvmw_reason_label(reason, sizeof(reason), e->isa, e->code);
	json_str_or_null(j, "isa", kvmw_isa_name(e->isa));
	json_u64(j, "code", e->code);
	json_str_or_null(j, "reason", reason);
	json_str_or_null(j, "key_kind", kind);
	if (kind) {
		kvmw_row_label(key, sizeof(key), &row);
		json_str_or_null(j, "key", key);
		json_str_or_null(j, "dir", e->key_sub == KVMW_SUB_READ ?
				 "read" : e->key_sub == KVMW_SUB_WRITE ?
				 "write" : NULL);
		json_str_or_null(j, "name", kvmw_row_key_name(&row));
	} else {
		json_str_or_null(j, "key", NULL);
		json_str_or_null(j, "dir", NULL);
		json_str_or_null(j, "name", NULL);
	}
	json_u64(j, "duration_ns", e->duration_ns);
	json_u64(j, "rip", e->rip);
	json_u64(j, "info1", e->info1);
	json_u64(j, "info2", e->info2);
	json_bool(j, "user", e->flags & KVMW_EXIT_USER);
	json_bool(j, "negative", e->flags & KVMW_EXIT_NEGATIVE);
	json_bool(j, "decode_error", e->flags & KVMW_EXIT_DECODE_ERROR);
}

/* A known enum's name, else its number. */
static void json_enum(struct kvmw_json *j, const char *key, const char *name,
		      u64 v)
{
	kvmw_json_key(j, key);
	if (name)
		kvmw_json_string(j, name);
	else
		kvmw_json_u64(j, v);
}

static void json_details(struct kvmw_json *j, const struct kvmw_ev *ev,
			 const union rec *r)
{
	unsigned int i;

	switch (r->hdr.type) {
	case KVMW_EV_TYPE_EXIT:
		json_exit(j, &r->exit);
		return;
	case KVMW_EV_TYPE_MSR:
		json_u64(j, "msr", r->msr.index);
		json_str_or_null(j, "dir", r->msr.write ? "write" : "read");
		json_u64(j, "value", r->msr.value);
		json_bool(j, "exception", r->msr.exception);
		json_str_or_null(j, "name", kvmw_msr_name(r->msr.index));
		return;
	case KVMW_EV_TYPE_PIO:
		json_u64(j, "port", r->pio.port);
		json_str_or_null(j, "dir", r->pio.in ? "in" : "out");
		json_u64(j, "size", r->pio.size);
		json_u64(j, "count", r->pio.count);
		json_u64(j, "value", r->pio.value);
		json_str_or_null(j, "name", kvmw_ioport_name(r->pio.port));
		return;
	case KVMW_EV_TYPE_MMIO:
		json_u64(j, "gpa", r->mmio.gpa);
		json_enum(j, "dir", mmio_dir(r->mmio.type), r->mmio.type);
		json_u64(j, "len", r->mmio.len);
		json_u64(j, "value", r->mmio.value);
		return;
	case KVMW_EV_TYPE_WAKEUP:
		json_u64(j, "halt_ns", r->wakeup.halt_ns);
		json_bool(j, "waited", r->wakeup.waited);
		json_bool(j, "valid", r->wakeup.valid);
		return;
	case KVMW_EV_TYPE_HALT_POLL:
		json_bool(j, "grow", r->halt_poll.grow);
		json_u64(j, "old_ns", r->halt_poll.old_ns);
		json_u64(j, "new_ns", r->halt_poll.new_ns);
		return;
	case KVMW_EV_TYPE_DIRTY:
		json_u64(j, "gfn", r->dirty.gfn);
		json_u64(j, "rel_gfn", r->dirty.rel_gfn);
		json_u64(j, "npages", r->dirty.npages);
		json_u64(j, "hva", r->dirty.hva);
		json_u64(j, "slot", r->dirty.slot & 0xffff);
		json_u64(j, "as", r->dirty.slot >> 16);
		return;
	case KVMW_EV_TYPE_LOAD:
		json_u64(j, "pcpu", r->load.pcpu);
		if (r->load.prev_how)
			json_enum(j, "prev_how", put_how(r->load.prev_how),
				  r->load.prev_how);
		else
			json_str_or_null(j, "prev_how", NULL);
		kvmw_json_key(j, "prev_pcpu");
		if (r->load.prev_pcpu != ~0U && r->load.prev_how)
			kvmw_json_u64(j, r->load.prev_pcpu);
		else
			kvmw_json_null(j);
		json_u64(j, "off_ns", r->load.off_ns);
		return;
	case KVMW_EV_TYPE_PUT:
		json_u64(j, "pcpu", r->put.pcpu);
		json_enum(j, "how", put_how(r->put.how), r->put.how);
		json_u64(j, "run_ns", r->put.run_ns);
		return;
	case KVMW_EV_TYPE_INJECT:
		json_enum(j, "kind", inject_kind(r->inject.kind),
			  r->inject.kind);
		json_u64(j, "vector", r->inject.vector);
		json_bool(j, "reinjected", r->inject.reinjected);
		kvmw_json_key(j, "error_code");
		if (r->inject.has_error)
			kvmw_json_u64(j, r->inject.error_code);
		else
			kvmw_json_null(j);
		return;
	case KVMW_EV_TYPE_PAGE_FAULT:
		json_u64(j, "gpa", r->pf.gpa);
		json_u64(j, "error_code", r->pf.error_code);
		json_u64(j, "duration_ns", r->pf.duration_ns);
		return;
	case KVMW_EV_TYPE_HYPERCALL:
		json_u64(j, "nr", r->hcall.nr);
		json_str_or_null(j, "name", hypercall_name(r->hcall.nr));
		kvmw_json_key(j, "args");
		kvmw_json_array_begin(j);
		for (i = 0; i < ARRAY_SIZE(r->hcall.args); i++)
			kvmw_json_u64(j, r->hcall.args[i]);
		kvmw_json_array_end(j);
		return;
	case KVMW_EV_TYPE_VM_CREATE:
	case KVMW_EV_TYPE_VM_GONE: {
		char id[sizeof(r->vm.id) + 1];

		snprintf(id, sizeof(id), "%.*s",
			 (int)strnlen(r->vm.id, sizeof(r->vm.id)), r->vm.id);
		json_str_or_null(j, "id", id);
		kvmw_json_key(j, "ppid");
		kvmw_json_i64(j, r->vm.ppid);
		json_u64(j, "nr_vcpus", r->vm.nr_vcpus);
		return;
	}
	case KVMW_EV_TYPE_TEST:
		json_u64(j, "producer", r->test.producer);
		json_u64(j, "index", r->test.index);
		json_u64(j, "words", r->test.words);
		json_bool(j, "check_ok", test_check_ok(ev, r));
		return;
	}
	json_u64(j, "type", ev->type);
	json_u64(j, "size", ev->size);
}

void kvmw_evfmt_json(FILE *out, const struct kvmw_ev *ev,
		     const struct kvmw_evfmt_info *info)
{
	const char *type = kvmw_ev_type_name(ev->type);
	struct kvmw_json j;
	union rec r;

	decode(&r, ev);
	kvmw_json_init(&j, out);
	kvmw_json_object_begin(&j);
	json_str_or_null(&j, "event", type ? type : "unknown");
	json_u64(&j, "time_ns", ev->time_ns);
	json_u64(&j, "seq", ev->seq);
	json_u64(&j, "cpu", info->cpu);
	json_str_or_null(&j, "vm", info->vm);
	json_u64(&j, "vm_serial", ev->vm);
	kvmw_json_key(&j, "pid");
	kvmw_json_i64(&j, ev->pid);
	kvmw_json_key(&j, "tid");
	kvmw_json_i64(&j, ev->tid);
	json_str_or_null(&j, "comm", info->comm);
	kvmw_json_key(&j, "vcpu");
	if (ev->vcpu_id == KVMW_EV_NO_VCPU)
		kvmw_json_null(&j);
	else
		kvmw_json_u64(&j, ev->vcpu_id);
	json_details(&j, ev, &r);
	kvmw_json_object_end(&j);
	kvmw_json_finish(&j);
}

/* ---- thread names ---- */

#define COMM_SLOTS	1024	/* direct-mapped by tid */
#define COMM_LEN	64	/* TASK_COMM_LEN is 16; room to spare */

struct comm_slot {
	int pid, tid;		/* tid 0: empty */
	bool known;
	char comm[COMM_LEN];
};

struct kvmw_comm_cache {
	char *proc;
	struct comm_slot slot[COMM_SLOTS];
};

struct kvmw_comm_cache *kvmw_comm_cache_new(const char *proc)
{
	struct kvmw_comm_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->proc = strdup(proc);
	if (!c->proc) {
		free(c);
		return NULL;
	}
	return c;
}

void kvmw_comm_cache_free(struct kvmw_comm_cache *c)
{
	if (!c)
		return;
	free(c->proc);
	free(c);
}

static bool read_comm(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, out, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return true;
}

const char *kvmw_comm(struct kvmw_comm_cache *c, int pid, int tid)
{
	struct comm_slot *s;
	char path[128];

	if (!c || tid <= 0)
		return NULL;
	s = &c->slot[(unsigned int)tid % COMM_SLOTS];
	if (s->tid == tid && s->pid == pid)
		return s->known ? s->comm : NULL;
	s->pid = pid;
	s->tid = tid;
	snprintf(path, sizeof(path), "%s/%d/task/%d/comm", c->proc, pid, tid);
	s->known = pid > 0 && read_comm(path, s->comm, sizeof(s->comm));
	if (!s->known) {
		snprintf(path, sizeof(path), "%s/%d/comm", c->proc, tid);
		s->known = read_comm(path, s->comm, sizeof(s->comm));
	}
	return s->known ? s->comm : NULL;
}
