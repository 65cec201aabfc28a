// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

static unsigned int tap_count, tap_failed;

static bool tap_vreport(bool ok, const char *directive, const char *fmt,
			va_list ap)
{
	printf("%sok %u - ", ok ? "" : "not ", ++tap_count);
	vprintf(fmt, ap);
	if (directive)
		printf(" # %s", directive);
	putchar('\n');
	if (!ok)
		tap_failed++;
	fflush(stdout);
	return ok;
}

bool tap_ok(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vreport(ok, NULL, fmt, ap);
	va_end(ap);
	return ok;
}

bool tap_eq_u64(u64 got, u64 want, const char *fmt, ...)
{
	bool ok = got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vreport(ok, NULL, fmt, ap);
	va_end(ap);
	if (!ok)
		tap_diag("got %llu (%#llx), want %llu (%#llx)",
			 (unsigned long long)got, (unsigned long long)got,
			 (unsigned long long)want, (unsigned long long)want);
	return ok;
}

/* Diagnostics quote strings line by line so TAP parsers stay in sync. */
static void tap_diag_text(const char *label, const char *s)
{
	const char *nl;

	if (!s) {
		tap_diag("%s (null)", label);
		return;
	}
	printf("# %s:\n", label);
	do {
		nl = strchr(s, '\n');
		printf("#   |%.*s|\n", nl ? (int)(nl - s) : (int)strlen(s), s);
		s = nl ? nl + 1 : NULL;
	} while (s && *s);
}

bool tap_eq_str(const char *got, const char *want, const char *fmt, ...)
{
	bool ok = got && want && !strcmp(got, want);
	va_list ap;

	if (!got && !want)
		ok = true;
	va_start(ap, fmt);
	tap_vreport(ok, NULL, fmt, ap);
	va_end(ap);
	if (!ok) {
		tap_diag_text("got", got);
		tap_diag_text("want", want);
	}
	return ok;
}

bool tap_contains(const char *hay, const char *needle, const char *fmt, ...)
{
	bool ok = hay && strstr(hay, needle);
	va_list ap;

	va_start(ap, fmt);
	tap_vreport(ok, NULL, fmt, ap);
	va_end(ap);
	if (!ok) {
		tap_diag_text("text", hay);
		tap_diag_text("lacks", needle);
	}
	return ok;
}

void tap_skip(const char *why, const char *fmt, ...)
{
	char directive[256];
	va_list ap;

	snprintf(directive, sizeof(directive), "SKIP %s", why);
	va_start(ap, fmt);
	tap_vreport(true, directive, fmt, ap);
	va_end(ap);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int tap_finish(void)
{
	printf("1..%u\n", tap_count);
	if (tap_failed)
		tap_diag("%u of %u checks failed", tap_failed, tap_count);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}
