// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

int kvmw_baseline_write(FILE *out, const struct kvmw_counters *c,
			u64 own_files)
{
	const char *state = kvmw_attach_state_name(c->attach_state);
	size_t i;

	fputs("# kvmwatch counters baseline\n"
	      "# files excludes the saving kvmwatch's own open file\n", out);
	if (state)
		fprintf(out, "attach_state %s\n", state);
	else
		fprintf(out, "attach_state %u\n", c->attach_state);
	for (i = 0; i < KVMW_COUNTER_NFIELDS; i++) {
		const struct kvmw_counter_field *f = &kvmw_counter_fields[i];

		if (!kvmw_counter_filled(c, f))
			continue;
		fprintf(out, "%s %llu\n", f->name, (unsigned long long)
			kvmw_counter_others(c, f, own_files));
	}
	return ferror(out) ? -1 : 0;
}

static int field_index(const char *name)
{
	size_t i;

	for (i = 0; i < KVMW_COUNTER_NFIELDS; i++)
		if (!strcmp(kvmw_counter_fields[i].name, name))
			return (int)i;
	return -1;
}

/* Strict decimal u64: digits only, no sign, no overflow. */
static int parse_u64(const char *s, u64 *v)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int kvmw_baseline_read(FILE *in, struct kvmw_baseline *b, char *err,
		       size_t errlen)
{
	bool *seen = b->have;
	char line[256];
	unsigned int lineno = 0;
	size_t i;

	memset(b, 0, sizeof(*b));
	while (fgets(line, sizeof(line), in)) {
		char *name, *value, *extra, *save;
		int idx;

		lineno++;
		if (!strchr(line, '\n') && !feof(in)) {
			snprintf(err, errlen, "line %u: too long", lineno);
			return -1;
		}
		name = strtok_r(line, " \t\r\n", &save);
		if (!name || name[0] == '#')
			continue;
		value = strtok_r(NULL, " \t\r\n", &save);
		extra = strtok_r(NULL, " \t\r\n", &save);
		if (!value || extra) {
			snprintf(err, errlen,
				 "line %u: expected \"name value\"", lineno);
			return -1;
		}
		idx = field_index(name);
		if (idx < 0 ||
		    kvmw_counter_fields[idx].check == KVMW_CHECK_NONE)
			continue;
		if (seen[idx]) {
			snprintf(err, errlen, "line %u: '%s' given twice",
				 lineno, name);
			return -1;
		}
		if (parse_u64(value, &b->value[idx])) {
			snprintf(err, errlen,
				 "line %u: '%s' is not a decimal count",
				 lineno, value);
			return -1;
		}
		seen[idx] = true;
	}
	if (ferror(in)) {
		snprintf(err, errlen, "read error");
		return -1;
	}
	for (i = 0; i < KVMW_COUNTER_NFIELDS; i++) {
		if (kvmw_counter_fields[i].check != KVMW_CHECK_NONE &&
		    kvmw_counter_required(&kvmw_counter_fields[i]) &&
		    !seen[i]) {
			snprintf(err, errlen, "no '%s' line",
				 kvmw_counter_fields[i].name);
			return -1;
		}
	}
	return 0;
}

size_t kvmw_baseline_diff(const struct kvmw_baseline *b,
			  const struct kvmw_counters *c, u64 own_files,
			  struct kvmw_baseline_diff *d, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < KVMW_COUNTER_NFIELDS; i++) {
		const struct kvmw_counter_field *f = &kvmw_counter_fields[i];
		u64 now;

		if (f->check == KVMW_CHECK_NONE || !b->have[i] ||
		    !kvmw_counter_filled(c, f))
			continue;
		now = kvmw_counter_others(c, f, own_files);
		if (f->check == KVMW_CHECK_EQUAL && now == b->value[i])
			continue;
		if (f->check == KVMW_CHECK_NO_GROWTH && now <= b->value[i])
			continue;
		if (n < max)
			d[n] = (struct kvmw_baseline_diff){
				.name = f->name,
				.baseline = b->value[i],
				.now = now,
			};
		n++;
	}
	return n;
}
