// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch: userspace reader of /dev/kvmwatch. One binary, git-style
 * subcommands, each from the table below; everything about a command
 * (name, code, help) lives in its entry, so help and dispatch cannot
 * disagree.
 */
#include <getopt.h>
#include <string.h>

#include "cmd.h"

static int cmd_help(const struct kvmw_cmd *cmd, int argc, char **argv);

static const char help_usage[] =
	"Usage: kvmwatch help [COMMAND]\n"
	"\n"
	"Show the list of commands, or the help of COMMAND (the same as\n"
	"'kvmwatch COMMAND --help').\n"
	"\n"
	"Options:\n"
	"  -h, --help   show this help\n";

static const struct kvmw_cmd kvmw_cmds[] = {
	{ "version", kvmw_cmd_version,
	  "show the tool's and the module's versions", kvmw_version_usage },
	{ "counters", kvmw_cmd_counters,
	  "show live-object counters; save or check a baseline",
	  kvmw_counters_usage },
	{ "stat", kvmw_cmd_stat,
	  "account VM exits like perf kvm stat, live or for a command",
	  kvmw_stat_usage },
	{ "doctor", kvmw_cmd_doctor,
	  "watch VMs for a window and report known causes of wasted host CPU",
	  kvmw_doctor_usage },
	{ "trace", kvmw_cmd_trace,
	  "print KVM events as they happen, live or for a command",
	  kvmw_trace_usage },
	{ "record", kvmw_cmd_record,
	  "record the event stream into a file, for report",
	  kvmw_record_usage },
	{ "report", kvmw_cmd_report,
	  "report a recording like stat; compare two; dirty pages",
	  kvmw_report_usage },
	{ "monitor", kvmw_cmd_monitor,
	  "print VM and exit-rate threshold notifications (netlink)",
	  kvmw_monitor_usage },
	{ "top", kvmw_cmd_top,
	  "kvm_stat's live view of KVM events, and host CPU per VM",
	  kvmw_top_usage },
	{ "exporter", kvmw_cmd_exporter,
	  "serve the statistics to Prometheus, or write a textfile",
	  kvmw_exporter_usage },
	{ "check", kvmw_cmd_check,
	  "verify the module's assumptions about KVM against the kernel's BTF",
	  kvmw_check_usage },
	{ "help", cmd_help, "show help for a command", help_usage },
};

static void usage(FILE *out)
{
	size_t i;

	fputs("Usage: kvmwatch [--help] COMMAND [ARGS]\n"
	      "\n"
	      "KVM exit and event accounting without BPF: reads the kvmwatch\n"
	      "module through /dev/kvmwatch or its generic netlink family.\n"
	      "\n"
	      "Commands:\n", out);
	for (i = 0; i < ARRAY_SIZE(kvmw_cmds); i++)
		fprintf(out, "  %-10s %s\n", kvmw_cmds[i].name,
			kvmw_cmds[i].help);
	fputs("\n"
	      "Run 'kvmwatch help COMMAND' or 'kvmwatch COMMAND --help' for more.\n"
	      "\n"
	      "Exit status: 0 success, 1 runtime error or failed check,\n"
	      "2 usage error.\n", out);
}

static const struct kvmw_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kvmw_cmds); i++)
		if (!strcmp(kvmw_cmds[i].name, name))
			return &kvmw_cmds[i];
	return NULL;
}

static int cmd_help(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct kvmw_cmd *target;
	int c;

	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c != 'h')
			return kvmw_option_error(cmd, c, argv);
		fputs(cmd->usage, stdout);
		return KVMW_EXIT_OK;
	}
	if (optind == argc) {
		usage(stdout);
		return KVMW_EXIT_OK;
	}
	if (argc - optind > 1)
		return kvmw_usage_error(cmd, "unexpected argument '%s'",
					argv[optind + 1]);
	target = find_cmd(argv[optind]);
	if (!target)
		return kvmw_usage_error(cmd, "unknown command '%s'",
					argv[optind]);
	fputs(target->usage, stdout);
	return KVMW_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct kvmw_cmd *cmd;
	int c, first, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c != 'h')
			return kvmw_option_error(NULL, c, argv);
		usage(stdout);
		return KVMW_EXIT_OK;
	}
	if (optind == argc) {
		usage(stderr);
		return KVMW_EXIT_USAGE;
	}
	first = optind;
	cmd = find_cmd(argv[first]);
	if (!cmd)
		return kvmw_usage_error(NULL, "unknown command '%s'",
					argv[first]);

	/* 0, not 1: makes glibc's getopt forget the scan it just did. */
	optind = 0;
	ret = cmd->fn(cmd, argc - first, argv + first);

	/* Output that never reached its file is a failure (e.g. disk full). */
	if (fflush(stdout) || ferror(stdout)) {
		kvmw_err("error writing standard output");
		return KVMW_EXIT_ERROR;
	}
	return ret;
}
