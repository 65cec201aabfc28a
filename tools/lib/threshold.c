// SPDX-License-Identifier: GPL-2.0
/*
 * Names come from exit_reason.c's tables, the ones reports print, so a
 * reason read off "kvmwatch stat" is accepted here as printed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <linux/kvmwatch.h>

#include "exit_reason.h"
#include "threshold.h"

int kvmw_exit_reason_code(u32 isa, const char *name, u32 *code)
{
	const struct kvmw_exit_name *table;
	size_t i, n = kvmw_exit_reasons(isa, &table);

	for (i = 0; i < n; i++) {
		if (!strcasecmp(table[i].name, name)) {
			*code = table[i].code;
			return 0;
		}
	}
	return -1;
}

/* A plain unsigned decimal, or 0x hex when @hex; no sign, no spaces. */
static int parse_u64(const char *s, bool hex, u64 *v)
{
	unsigned long long x;
	char *end;
	int base = 10;

	if (hex && (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))) {
		base = 16;
		s += 2;
	}
	if (base == 10 ? (*s < '0' || *s > '9') : !isxdigit((unsigned char)*s))
		return -1;
	errno = 0;
	x = strtoull(s, &end, base);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

static u32 other_isa(u32 isa)
{
	return isa == KVMW_ISA_SVM ? KVMW_ISA_VMX : KVMW_ISA_SVM;
}

int kvmw_threshold_parse(const char *arg, u32 isa, struct kvmw_threshold *th,
			 char *why, size_t whylen)
{
	const char *colon = strrchr(arg, ':');
	char reason[64];
	size_t rlen;
	u32 code, found_isa = 0;
	u64 v;

	if (!colon || colon == arg || !colon[1]) {
		snprintf(why, whylen,
			 "invalid threshold '%s' (expected REASON:RATE, e.g. io:1000)",
			 arg);
		return -1;
	}
	rlen = colon - arg;
	if (rlen >= sizeof(reason)) {
		snprintf(why, whylen, "unknown exit reason '%.*s'", (int)rlen,
			 arg);
		return -1;
	}
	memcpy(reason, arg, rlen);
	reason[rlen] = '\0';

	if (parse_u64(colon + 1, false, &th->rate) || !th->rate) {
		snprintf(why, whylen,
			 "invalid rate '%s' in '%s' (exits per second, 1 or more)",
			 colon + 1, arg);
		return -1;
	}

	if (reason[0] >= '0' && reason[0] <= '9') {
		if (parse_u64(reason, true, &v) || v > 0xffffffffULL) {
			snprintf(why, whylen,
				 "invalid exit reason '%s' (a name, or a number up to 0xffffffff)",
				 reason);
			return -1;
		}
		code = (u32)v;
		found_isa = isa;
	} else if (isa && !kvmw_exit_reason_code(isa, reason, &code)) {
		found_isa = isa;
	} else if (!kvmw_exit_reason_code(KVMW_ISA_SVM, reason, &code)) {
		found_isa = KVMW_ISA_SVM;
	} else if (!kvmw_exit_reason_code(KVMW_ISA_VMX, reason, &code)) {
		found_isa = KVMW_ISA_VMX;
	} else {
		snprintf(why, whylen,
			 "unknown exit reason '%s' (perf's names, e.g. io, msr, hlt on SVM or IO_INSTRUCTION, MSR_WRITE, HLT on VMX, or a number)",
			 reason);
		return -1;
	}
	if (!isa) {
		snprintf(why, whylen,
			 "cannot tell whether this host's KVM is SVM or VMX (neither kvm_amd nor kvm_intel is loaded)");
		return -1;
	}
	if (found_isa != isa) {
		snprintf(why, whylen, "exit reason '%s' is %s's; this host's KVM is %s",
			 reason, kvmw_isa_name(other_isa(isa)),
			 kvmw_isa_name(isa));
		return -1;
	}
	th->isa = isa;
	th->code = code;
	return 0;
}

static bool module_loaded(const char *sys, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/module/%s", sys, name);
	return !access(path, F_OK);
}

/* The svm or vmx flag on cpuinfo's first "flags" line. */
static u32 cpuinfo_isa(const char *proc)
{
	char path[256], *line = NULL;
	size_t cap = 0;
	u32 isa = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpuinfo", proc);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		char *colon, *tok, *save = NULL;

		colon = strchr(line, ':');
		if (strncmp(line, "flags", 5) || !colon)
			continue;
		for (tok = strtok_r(colon + 1, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			if (!strcmp(tok, "svm"))
				isa = KVMW_ISA_SVM;
			else if (!strcmp(tok, "vmx"))
				isa = KVMW_ISA_VMX;
		}
		break;
	}
	free(line);
	fclose(f);
	return isa;
}

u32 kvmw_host_isa(const char *sys, const char *proc)
{
	bool amd = module_loaded(sys, "kvm_amd");
	bool intel = module_loaded(sys, "kvm_intel");

	if (amd != intel)
		return amd ? KVMW_ISA_SVM : KVMW_ISA_VMX;
	return cpuinfo_isa(proc);
}
