// SPDX-License-Identifier: GPL-2.0
#include <math.h>

#include "json.h"

void kvmw_json_init(struct kvmw_json *j, FILE *out)
{
	*j = (struct kvmw_json){ .out = out };
	j->first[0] = true;
}

/* Separator before a value (or a key) at the current level. */
static void kvmw_json_sep(struct kvmw_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
}

static void kvmw_json_open(struct kvmw_json *j, char c)
{
	kvmw_json_sep(j);
	if (j->depth + 1 >= KVMW_JSON_MAX_DEPTH) {
		j->misuse = true;
		return;
	}
	fputc(c, j->out);
	j->first[++j->depth] = true;
}

static void kvmw_json_close(struct kvmw_json *j, char c)
{
	if (j->depth == 0 || j->after_key) {
		j->misuse = true;
		return;
	}
	j->depth--;
	fputc(c, j->out);
}

void kvmw_json_object_begin(struct kvmw_json *j)
{
	kvmw_json_open(j, '{');
}

void kvmw_json_object_end(struct kvmw_json *j)
{
	kvmw_json_close(j, '}');
}

void kvmw_json_array_begin(struct kvmw_json *j)
{
	kvmw_json_open(j, '[');
}

void kvmw_json_array_end(struct kvmw_json *j)
{
	kvmw_json_close(j, ']');
}

void kvmw_json_key(struct kvmw_json *j, const char *key)
{
	if (j->after_key)
		j->misuse = true;
	kvmw_json_sep(j);
	kvmw_json_write_string(j->out, key);
	fputc(':', j->out);
	j->after_key = true;
}

void kvmw_json_string(struct kvmw_json *j, const char *s)
{
	kvmw_json_sep(j);
	kvmw_json_write_string(j->out, s);
}

void kvmw_json_u64(struct kvmw_json *j, u64 v)
{
	kvmw_json_sep(j);
	fprintf(j->out, "%llu", (unsigned long long)v);
}

void kvmw_json_i64(struct kvmw_json *j, long long v)
{
	kvmw_json_sep(j);
	fprintf(j->out, "%lld", v);
}

void kvmw_json_bool(struct kvmw_json *j, bool v)
{
	kvmw_json_sep(j);
	fputs(v ? "true" : "false", j->out);
}

void kvmw_json_null(struct kvmw_json *j)
{
	kvmw_json_sep(j);
	fputs("null", j->out);
}

void kvmw_json_double(struct kvmw_json *j, double v, int decimals)
{
	kvmw_json_sep(j);
	if (!isfinite(v))
		fputs("null", j->out);
	else
		fprintf(j->out, "%.*f", decimals, v);
}

int kvmw_json_finish(struct kvmw_json *j)
{
	if (j->depth != 0 || j->after_key)
		j->misuse = true;
	fputc('\n', j->out);
	return j->misuse || ferror(j->out) ? -1 : 0;
}

/*
 * Length of the valid UTF-8 sequence at @s, or 0 if it is not one
 * (overlong forms, surrogates and code points above U+10FFFF included).
 */
static int utf8_len(const unsigned char *s)
{
	unsigned int cp, min;
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	/* A NUL terminator fails the continuation test: no overrun. */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void kvmw_json_write_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	fputc('"', out);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*s < 0x20) {
				fprintf(out, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", out);
				break;
			}
			fwrite(s, 1, n, out);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', out);
}
