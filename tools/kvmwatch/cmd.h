/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subcommand table's entry type, exit codes, and the command-line
 * helpers every subcommand shares so errors read the same everywhere.
 */
#ifndef KVMW_CMD_H
#define KVMW_CMD_H

#include <stdio.h>

#include "types.h"
#include "util.h"

/* Exit status of every command; scripts and tests rely on these. */
enum {
	KVMW_EXIT_OK = 0,
	KVMW_EXIT_ERROR = 1,	/* runtime: device, file, failed check */
	KVMW_EXIT_USAGE = 2,	/* bad command line */
};

struct kvmw_cmd {
	const char *name;
	/* argv[0] is the command's name; getopt is reset before the call. */
	int (*fn)(const struct kvmw_cmd *cmd, int argc, char **argv);
	const char *help;	/* one line, for the command list */
	const char *usage;	/* "kvmwatch CMD --help" */
};

int kvmw_cmd_version(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_version_usage[];

int kvmw_cmd_counters(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_counters_usage[];

int kvmw_cmd_stat(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_stat_usage[];
int kvmw_cmd_doctor(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_doctor_usage[];
int kvmw_cmd_trace(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_trace_usage[];
int kvmw_cmd_record(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_record_usage[];
int kvmw_cmd_report(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_report_usage[];
int kvmw_cmd_check(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_check_usage[];
int kvmw_cmd_monitor(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_monitor_usage[];
int kvmw_cmd_exporter(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_exporter_usage[];
int kvmw_cmd_top(const struct kvmw_cmd *cmd, int argc, char **argv);
extern const char kvmw_top_usage[];

/* "kvmwatch: ..." on stderr. */
void kvmw_err(const char *fmt, ...) __printf(1, 2);

/* "kvmwatch CMD: ...", then where to find help; returns KVMW_EXIT_USAGE. */
int kvmw_usage_error(const struct kvmw_cmd *cmd, const char *fmt, ...)
	__printf(2, 3);

/*
 * Report what getopt_long() (opterr = 0, optstring starting with ':')
 * rejected; returns KVMW_EXIT_USAGE.
 */
int kvmw_option_error(const struct kvmw_cmd *cmd, int c, char **argv);

/* The longest --time or interval a command accepts: a leap year. */
#define KVMW_MAX_SECONDS	(366.0 * 24 * 3600)

/* A positive number of seconds (fractions allowed) to ns; 0 or -1. */
int kvmw_parse_seconds(const char *s, u64 *ns);
/* A decimal integer >= @min; 0 or -1. */
int kvmw_parse_int(const char *s, int min, int *out);

/* Commands without operands: reject any left after the options. */
int kvmw_no_operands(const struct kvmw_cmd *cmd, int argc, char **argv);

#endif /* KVMW_CMD_H */
