/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer for --json output: one compact document,
 * commas and nesting tracked here so commands only say what they emit.
 */
#ifndef KVMW_JSON_H
#define KVMW_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "types.h"

#define KVMW_JSON_MAX_DEPTH	16

struct kvmw_json {
	FILE *out;
	int depth;
	bool first[KVMW_JSON_MAX_DEPTH];	/* next value opens its container */
	bool after_key;				/* a key awaits its value */
	bool misuse;				/* unbalanced or too deep */
};

void kvmw_json_init(struct kvmw_json *j, FILE *out);

void kvmw_json_object_begin(struct kvmw_json *j);
void kvmw_json_object_end(struct kvmw_json *j);
void kvmw_json_array_begin(struct kvmw_json *j);
void kvmw_json_array_end(struct kvmw_json *j);

/* Inside an object: the key of the next value. */
void kvmw_json_key(struct kvmw_json *j, const char *key);

void kvmw_json_string(struct kvmw_json *j, const char *s);
void kvmw_json_u64(struct kvmw_json *j, u64 v);
void kvmw_json_i64(struct kvmw_json *j, long long v);
void kvmw_json_bool(struct kvmw_json *j, bool v);
void kvmw_json_null(struct kvmw_json *j);
/* A number with @decimals fixed decimals; null if @v is not finite. */
void kvmw_json_double(struct kvmw_json *j, double v, int decimals);

/*
 * End the document with a newline. Returns 0, or -1 if the document was
 * malformed (a bug in the caller) or writing failed.
 */
int kvmw_json_finish(struct kvmw_json *j);

/*
 * Write @s as a quoted JSON string: ", \ and control characters escaped,
 * bytes that are not valid UTF-8 replaced by U+FFFD so the output is
 * always valid JSON whatever the kernel or a file handed us.
 */
void kvmw_json_write_string(FILE *out, const char *s);

#endif /* KVMW_JSON_H */
