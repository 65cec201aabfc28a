// SPDX-License-Identifier: GPL-2.0
/*
 * A notification that lacks an attribute (an older or newer module) is
 * still printed, with "-" or null where the value would be: the monitor
 * never drops what it was told.
 */
#include <errno.h>
#include <string.h>

#include "../../uapi/linux/kvmwatch_nl.h"
#include "exit_reason.h"
#include "json.h"
#include "nlnote.h"
#include "nlrec.h"

const char *kvmw_note_name(enum kvmw_note_kind kind)
{
	switch (kind) {
	case KVMW_NOTE_VM_NEW:
		return "vm_new";
	case KVMW_NOTE_VM_GONE:
		return "vm_gone";
	case KVMW_NOTE_THRESHOLD:
		return "threshold";
	}
	return "unknown";
}

static int parse_vm(const struct kvmw_nla *nest, struct kvmw_note *n)
{
	struct kvmw_nla_iter it;
	struct kvmw_nla a;
	u32 v32 = 0;
	int ret, err = 0;

	kvmw_nla_iter_init(&it, nest->data, nest->len);
	while (!err && (ret = kvmw_nla_next(&it, &a)) > 0) {
		switch (a.type) {
		case KVMW_NL_VM_SERIAL:
			err = kvmw_nla_u64(&a, &n->serial);
			n->have |= KVMW_NOTE_HAVE_SERIAL;
			break;
		case KVMW_NL_VM_ID:
			err = kvmw_nla_str(&a, n->vm, sizeof(n->vm));
			n->have |= KVMW_NOTE_HAVE_VM;
			break;
		case KVMW_NL_VM_PID:
			err = kvmw_nla_u32(&a, &v32);
			n->pid = (int)v32;
			n->have |= KVMW_NOTE_HAVE_PID;
			break;
		case KVMW_NL_VM_PPID:
			err = kvmw_nla_u32(&a, &v32);
			n->ppid = (int)v32;
			n->have |= KVMW_NOTE_HAVE_PPID;
			break;
		case KVMW_NL_VM_NR_VCPUS:
			err = kvmw_nla_u32(&a, &n->nr_vcpus);
			n->have |= KVMW_NOTE_HAVE_VCPUS;
			break;
		}
	}
	return err ? err : ret;
}

static int parse_te(const struct kvmw_nla *nest, struct kvmw_note *n)
{
	struct kvmw_nla_iter it;
	struct kvmw_nla a;
	bool isa = false, code = false;
	u32 v32 = 0;
	int ret, err = 0;

	kvmw_nla_iter_init(&it, nest->data, nest->len);
	while (!err && (ret = kvmw_nla_next(&it, &a)) > 0) {
		switch (a.type) {
		case KVMW_NL_TE_PORTID:
			err = kvmw_nla_u32(&a, &n->portid);
			n->have |= KVMW_NOTE_HAVE_PORTID;
			break;
		case KVMW_NL_TE_VM_SERIAL:
			err = kvmw_nla_u64(&a, &n->serial);
			n->have |= KVMW_NOTE_HAVE_SERIAL;
			break;
		case KVMW_NL_TE_VM_ID:
			err = kvmw_nla_str(&a, n->vm, sizeof(n->vm));
			n->have |= KVMW_NOTE_HAVE_VM;
			break;
		case KVMW_NL_TE_PID:
			err = kvmw_nla_u32(&a, &v32);
			n->pid = (int)v32;
			n->have |= KVMW_NOTE_HAVE_PID;
			break;
		case KVMW_NL_TE_VCPU:
			err = kvmw_nla_u32(&a, &n->vcpu);
			n->have |= KVMW_NOTE_HAVE_VCPU;
			break;
		case KVMW_NL_TE_ISA:
			err = kvmw_nla_u32(&a, &n->isa);
			isa = true;
			break;
		case KVMW_NL_TE_CODE:
			err = kvmw_nla_u32(&a, &n->code);
			code = true;
			break;
		case KVMW_NL_TE_THRESHOLD:
			err = kvmw_nla_u64(&a, &n->threshold);
			n->have |= KVMW_NOTE_HAVE_THRESHOLD;
			break;
		case KVMW_NL_TE_RATE:
			err = kvmw_nla_u64(&a, &n->rate);
			n->have |= KVMW_NOTE_HAVE_RATE;
			break;
		case KVMW_NL_TE_INTERVAL_NS:
			err = kvmw_nla_u64(&a, &n->interval_ns);
			n->have |= KVMW_NOTE_HAVE_INTERVAL;
			break;
		case KVMW_NL_TE_SUPPRESSED:
			err = kvmw_nla_u32(&a, &n->suppressed);
			n->have |= KVMW_NOTE_HAVE_SUPPRESSED;
			break;
		}
	}
	if (isa && code)
		n->have |= KVMW_NOTE_HAVE_REASON;
	return err ? err : ret;
}

int kvmw_note_parse(unsigned int cmd, const void *attrs, size_t len,
		    struct kvmw_note *n)
{
	unsigned int want;
	struct kvmw_nla_iter it;
	struct kvmw_nla a;
	bool found = false;
	int ret;

	memset(n, 0, sizeof(*n));
	switch (cmd) {
	case KVMW_NL_CMD_NOTIFY_VM_NEW:
		n->kind = KVMW_NOTE_VM_NEW;
		want = KVMW_NL_ATTR_VM;
		break;
	case KVMW_NL_CMD_NOTIFY_VM_GONE:
		n->kind = KVMW_NOTE_VM_GONE;
		want = KVMW_NL_ATTR_VM;
		break;
	case KVMW_NL_CMD_NOTIFY_THRESHOLD:
		n->kind = KVMW_NOTE_THRESHOLD;
		want = KVMW_NL_ATTR_THRESHOLD_EVENT;
		break;
	default:
		return -ENOENT;
	}
	kvmw_nla_iter_init(&it, attrs, len);
	while ((ret = kvmw_nla_next(&it, &a)) > 0) {
		if (a.type != want || found)
			continue;
		found = true;
		ret = want == KVMW_NL_ATTR_VM ? parse_vm(&a, n) :
						parse_te(&a, n);
		if (ret)
			return -EINVAL;
	}
	if (ret < 0 || !found)
		return -EINVAL;
	return 0;
}

void kvmw_note_header(FILE *out)
{
	fprintf(out, "%-18s %-10s %-12s %-8s %s\n", "TIME(ms)", "EVENT", "VM",
		"PID", "DETAILS");
}

/* perf's name of the reason, or its code in hex. */
static const char *reason_str(char *buf, size_t len, const struct kvmw_note *n)
{
	const char *name = kvmw_exit_reason_name(n->isa, n->code);

	if (name && !kvmw_exit_decode(n->isa, n->code).flags)
		return name;
	snprintf(buf, len, "0x%x", n->code);
	return buf;
}

static void detail_u64(FILE *out, const char *key, bool have, u64 v)
{
	if (have)
		fprintf(out, " %s=%llu", key, (unsigned long long)v);
	else
		fprintf(out, " %s=-", key);
}

void kvmw_note_text(FILE *out, const struct kvmw_note *n)
{
	char t[32], pid[16], reason[16];
	const char *vm = n->have & KVMW_NOTE_HAVE_VM ? n->vm : "-";

	snprintf(t, sizeof(t), "%llu.%06llu",
		 (unsigned long long)(n->time_ns / 1000000),
		 (unsigned long long)(n->time_ns % 1000000));
	if (n->have & KVMW_NOTE_HAVE_PID)
		snprintf(pid, sizeof(pid), "%d", n->pid);
	else
		snprintf(pid, sizeof(pid), "-");
	fprintf(out, "%-18s %-10s %-12s %-8s", t, kvmw_note_name(n->kind), vm,
		pid);
	if (n->kind == KVMW_NOTE_THRESHOLD) {
		detail_u64(out, "vcpu", n->have & KVMW_NOTE_HAVE_VCPU, n->vcpu);
		fprintf(out, " reason=%s", n->have & KVMW_NOTE_HAVE_REASON ?
			reason_str(reason, sizeof(reason), n) : "-");
		detail_u64(out, "rate", n->have & KVMW_NOTE_HAVE_RATE,
			   n->rate);
		detail_u64(out, "threshold",
			   n->have & KVMW_NOTE_HAVE_THRESHOLD, n->threshold);
		detail_u64(out, "suppressed",
			   n->have & KVMW_NOTE_HAVE_SUPPRESSED, n->suppressed);
		if (n->have & KVMW_NOTE_HAVE_INTERVAL)
			fprintf(out, " interval_ms=%llu.%03llu",
				(unsigned long long)(n->interval_ns / 1000000),
				(unsigned long long)(n->interval_ns % 1000000 /
						     1000));
		else
			fprintf(out, " interval_ms=-");
	} else {
		detail_u64(out, "serial", n->have & KVMW_NOTE_HAVE_SERIAL,
			   n->serial);
		if (n->have & KVMW_NOTE_HAVE_PPID)
			fprintf(out, " ppid=%d", n->ppid);
		else
			fprintf(out, " ppid=-");
		detail_u64(out, "vcpus", n->have & KVMW_NOTE_HAVE_VCPUS,
			   n->nr_vcpus);
	}
	fputc('\n', out);
}

static void json_u64_or_null(struct kvmw_json *j, const char *key, bool have,
			     u64 v)
{
	kvmw_json_key(j, key);
	if (have)
		kvmw_json_u64(j, v);
	else
		kvmw_json_null(j);
}

static void json_int_or_null(struct kvmw_json *j, const char *key, bool have,
			     int v)
{
	kvmw_json_key(j, key);
	if (have)
		kvmw_json_i64(j, v);
	else
		kvmw_json_null(j);
}

static void json_str_or_null(struct kvmw_json *j, const char *key,
			     const char *s)
{
	kvmw_json_key(j, key);
	if (s)
		kvmw_json_string(j, s);
	else
		kvmw_json_null(j);
}

int kvmw_note_json(FILE *out, const struct kvmw_note *n)
{
	bool reason = n->have & KVMW_NOTE_HAVE_REASON;
	struct kvmw_json j;

	kvmw_json_init(&j, out);
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "event");
	kvmw_json_string(&j, kvmw_note_name(n->kind));
	kvmw_json_key(&j, "time_ns");
	kvmw_json_u64(&j, n->time_ns);
	json_str_or_null(&j, "vm", n->have & KVMW_NOTE_HAVE_VM ? n->vm : NULL);
	json_u64_or_null(&j, "serial", n->have & KVMW_NOTE_HAVE_SERIAL,
			 n->serial);
	json_int_or_null(&j, "pid", n->have & KVMW_NOTE_HAVE_PID, n->pid);
	if (n->kind == KVMW_NOTE_THRESHOLD) {
		char buf[16];

		json_u64_or_null(&j, "vcpu", n->have & KVMW_NOTE_HAVE_VCPU,
				 n->vcpu);
		json_str_or_null(&j, "isa",
				 reason ? kvmw_isa_name(n->isa) : NULL);
		json_str_or_null(&j, "reason", reason ?
				 reason_str(buf, sizeof(buf), n) : NULL);
		json_u64_or_null(&j, "code", reason, n->code);
		json_u64_or_null(&j, "rate", n->have & KVMW_NOTE_HAVE_RATE,
				 n->rate);
		json_u64_or_null(&j, "threshold",
				 n->have & KVMW_NOTE_HAVE_THRESHOLD,
				 n->threshold);
		json_u64_or_null(&j, "suppressed",
				 n->have & KVMW_NOTE_HAVE_SUPPRESSED,
				 n->suppressed);
		json_u64_or_null(&j, "interval_ns",
				 n->have & KVMW_NOTE_HAVE_INTERVAL,
				 n->interval_ns);
		json_u64_or_null(&j, "portid", n->have & KVMW_NOTE_HAVE_PORTID,
				 n->portid);
	} else {
		json_int_or_null(&j, "ppid", n->have & KVMW_NOTE_HAVE_PPID,
				 n->ppid);
		json_u64_or_null(&j, "vcpus", n->have & KVMW_NOTE_HAVE_VCPUS,
				 n->nr_vcpus);
	}
	kvmw_json_object_end(&j);
	return kvmw_json_finish(&j);
}
