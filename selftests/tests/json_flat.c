// SPDX-License-Identifier: GPL-2.0
/*
 * json_flat: JSON on standard input to one "PATH<TAB>VALUE" line per
 * scalar, in document order, for shell tests (the test VM has no jq):
 *
 *   {"vms":[{"vm":"163-6","gone":true}]}  ->  vms[0].vm<TAB>163-6
 *                                            vms[0].gone<TAB>true
 *
 * Strings are printed unquoted with \" \\ \/ \n \t unescaped (other
 * escapes as written). After the first top-level value, each further
 * one (JSON lines) gets a "[N]" prefix: "[1].vms[0].vm". Exit 1 on
 * malformed input.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *p;

static void fail(const char *what)
{
	fprintf(stderr, "json_flat: %s at \"%.20s\"\n", what, p);
	exit(1);
}

static void ws(void)
{
	while (isspace((unsigned char)*p))
		p++;
}

/* A string at p (after the quote) into buf; p after the closing quote. */
static void string(char *buf, size_t len)
{
	size_t n = 0;

	for (; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case '"':
			case '\\':
			case '/':
				c = *p;
				break;
			default:
				if (n + 1 < len)
					buf[n++] = '\\';
				c = *p;
				break;
			}
		}
		if (n + 1 < len)
			buf[n++] = c;
	}
	if (*p != '"')
		fail("unterminated string");
	p++;
	buf[n] = 0;
}

static void value(char *path, size_t plen);

static void member_path(char *path, size_t plen, size_t base, const char *key)
{
	snprintf(path + base, plen - base, "%s%s", base ? "." : "", key);
}

static void object(char *path, size_t plen)
{
	size_t base = strlen(path);
	char key[256];

	p++;
	ws();
	if (*p == '}') {
		p++;
		return;
	}
	for (;;) {
		ws();
		if (*p != '"')
			fail("expected a key");
		p++;
		string(key, sizeof(key));
		ws();
		if (*p != ':')
			fail("expected ':'");
		p++;
		member_path(path, plen, base, key);
		value(path, plen);
		path[base] = 0;
		ws();
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}') {
			p++;
			return;
		}
		fail("expected ',' or '}'");
	}
}

static void array(char *path, size_t plen)
{
	size_t base = strlen(path);
	unsigned int i = 0;

	p++;
	ws();
	if (*p == ']') {
		p++;
		return;
	}
	for (;; i++) {
		snprintf(path + base, plen - base, "[%u]", i);
		value(path, plen);
		path[base] = 0;
		ws();
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ']') {
			p++;
			return;
		}
		fail("expected ',' or ']'");
	}
}

static void value(char *path, size_t plen)
{
	char buf[4096];
	const char *s;

	ws();
	switch (*p) {
	case '{':
		object(path, plen);
		return;
	case '[':
		array(path, plen);
		return;
	case '"':
		p++;
		string(buf, sizeof(buf));
		printf("%s\t%s\n", path, buf);
		return;
	default:
		s = p;
		while (*p && (isalnum((unsigned char)*p) || strchr("+-.", *p)))
			p++;
		if (p == s)
			fail("expected a value");
		printf("%s\t%.*s\n", path, (int)(p - s), s);
		return;
	}
}

int main(void)
{
	size_t cap = 1 << 16, len = 0, r;
	char *in = malloc(cap), path[1024];
	unsigned int n;

	while (in && (r = fread(in + len, 1, cap - len - 1, stdin)) > 0) {
		len += r;
		if (len + 1 == cap)
			in = realloc(in, cap *= 2);
	}
	if (!in)
		return 1;
	in[len] = 0;
	p = in;
	ws();
	if (!*p)
		fail("no JSON value");
	/* the first value unprefixed, any later one (JSON lines) as [N] */
	for (n = 0; *p; n++) {
		if (n)
			snprintf(path, sizeof(path), "[%u]", n);
		else
			path[0] = 0;
		value(path, sizeof(path));
		ws();
	}
	return 0;
}
