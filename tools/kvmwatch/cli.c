// SPDX-License-Identifier: GPL-2.0
/*
 * Error reporting for the command line. opterr is 0 so that messages name
 * the subcommand ("kvmwatch counters: ...") instead of getopt's argv[0].
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#include "cmd.h"

/*
 * One write per message: stderr is unbuffered, and two commands sharing a
 * terminal (make demo runs two "stat"s at once) would otherwise interleave
 * each other's prefix and text.
 */
void kvmw_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "kvmwatch: %s\n", msg);
}

int kvmw_usage_error(const struct kvmw_cmd *cmd, const char *fmt, ...)
{
	const char *name = cmd ? cmd->name : NULL;
	va_list ap;

	fprintf(stderr, "kvmwatch%s%s: ", name ? " " : "", name ? name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'kvmwatch%s%s --help'.\n",
		name ? " " : "", name ? name : "");
	return KVMW_EXIT_USAGE;
}

int kvmw_option_error(const struct kvmw_cmd *cmd, int c, char **argv)
{
	/*
	 * A long option is named by its argv word (getopt has moved past
	 * it); a short one by optopt, as it may sit inside "-ab".
	 */
	const char *word = optind > 0 ? argv[optind - 1] : NULL;
	char opt[3] = { '-', (char)optopt, '\0' };
	const char *name = word && !strncmp(word, "--", 2) ? word : opt;
	const char *eq = name == word ? strchr(word, '=') : NULL;

	if (c == ':')
		return kvmw_usage_error(cmd, "option '%s' needs an argument",
					name);
	/* A known long option (optopt set) given "=value" it cannot take. */
	if (optopt && eq)
		return kvmw_usage_error(cmd, "option '%.*s' takes no argument",
					(int)(eq - word), word);
	return kvmw_usage_error(cmd, "unknown option '%s'", name);
}

int kvmw_no_operands(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	if (optind < argc)
		return kvmw_usage_error(cmd, "unexpected argument '%s'",
					argv[optind]);
	return KVMW_EXIT_OK;
}

int kvmw_parse_seconds(const char *s, u64 *ns)
{
	char *end;
	double v;

	if (!*s || (*s != '.' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > KVMW_MAX_SECONDS)
		return -1;
	*ns = (u64)llround(v * 1e9);
	return *ns ? 0 : -1;
}

int kvmw_parse_int(const char *s, int min, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}
