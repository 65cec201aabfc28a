// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch counters: the module's live-object counters, and the leak check
 * built on them (--save before a test, --expect-baseline after it).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "cmd.h"
#include "counters.h"
#include "dev.h"
#include "json.h"

/* This command holds exactly one /dev/kvmwatch file while it reads. */
#define OWN_FILES	1

enum {
	OPT_SAVE = 256,
	OPT_EXPECT,
};

const char kvmw_counters_usage[] =
	"Usage: kvmwatch counters [--json] [--save FILE] [--expect-baseline FILE]\n"
	"\n"
	"Print the module's live-object counters (KVMW_IOC_COUNTERS). 'files'\n"
	"includes the file this command holds open.\n"
	"\n"
	"Options:\n"
	"  -j, --json                  one JSON object on standard output\n"
	"      --save FILE             also write the counters to FILE, as a\n"
	"                              baseline for --expect-baseline\n"
	"      --expect-baseline FILE  fail (exit 1) unless vms, vcpus, buffers,\n"
	"                              files (without this command's own) and\n"
	"                              untracked equal those saved in FILE and\n"
	"                              alloc_failures has not grown\n"
	"  -h, --help                  show this help\n";

static void print_text(const struct kvmw_counters *c)
{
	const char *state = kvmw_attach_state_name(c->attach_state);
	size_t i;

	if (state)
		printf("%-*s %s\n", KVMW_COUNTER_NAME_WIDTH, "attach_state",
		       state);
	else
		printf("%-*s unknown (%u)\n", KVMW_COUNTER_NAME_WIDTH,
		       "attach_state", c->attach_state);
	for (i = 0; i < KVMW_COUNTER_NFIELDS; i++) {
		const struct kvmw_counter_field *f = &kvmw_counter_fields[i];

		/* An older module's shorter structure: not its fields. */
		if (!kvmw_counter_filled(c, f))
			continue;
		printf("%-*s %llu\n", KVMW_COUNTER_NAME_WIDTH, f->name,
		       (unsigned long long)kvmw_counter_value(c, f));
	}
}

static int print_json(const struct kvmw_counters *c)
{
	const char *state = kvmw_attach_state_name(c->attach_state);
	struct kvmw_json j;
	size_t i;

	kvmw_json_init(&j, stdout);
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "attach_state");
	kvmw_json_string(&j, state ? state : "unknown");
	for (i = 0; i < KVMW_COUNTER_NFIELDS; i++) {
		const struct kvmw_counter_field *f = &kvmw_counter_fields[i];

		if (!kvmw_counter_filled(c, f))
			continue;
		kvmw_json_key(&j, f->name);
		kvmw_json_u64(&j, kvmw_counter_value(c, f));
	}
	kvmw_json_object_end(&j);
	return kvmw_json_finish(&j);
}

static int load_baseline(const char *path, struct kvmw_baseline *b)
{
	char err[128];
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		kvmw_err("cannot read baseline %s: %s", path, strerror(errno));
		return -1;
	}
	ret = kvmw_baseline_read(f, b, err, sizeof(err));
	fclose(f);
	if (ret)
		kvmw_err("baseline %s: %s", path, err);
	return ret;
}

static int save_baseline(const char *path, const struct kvmw_counters *c)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f) {
		kvmw_err("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	ret = kvmw_baseline_write(f, c, OWN_FILES);
	/* fclose() flushes: its failure is a write failure too. */
	if (fclose(f) || ret) {
		kvmw_err("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int check_baseline(const char *path, const struct kvmw_baseline *b,
			  const struct kvmw_counters *c)
{
	struct kvmw_baseline_diff d[KVMW_COUNTER_NFIELDS];
	size_t i, n = kvmw_baseline_diff(b, c, OWN_FILES, d,
					 KVMW_COUNTER_NFIELDS);

	if (!n)
		return 0;
	kvmw_err("counters differ from baseline %s:", path);
	for (i = 0; i < n; i++)
		fprintf(stderr, "  %s: baseline %llu, now %llu\n", d[i].name,
			(unsigned long long)d[i].baseline,
			(unsigned long long)d[i].now);
	return -1;
}

int kvmw_cmd_counters(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "save", required_argument, NULL, OPT_SAVE },
		{ "expect-baseline", required_argument, NULL, OPT_EXPECT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *save = NULL, *expect = NULL;
	struct kvmw_baseline base;
	struct kvmw_counters c;
	bool json = false;
	int opt, fd, ret;

	while ((opt = getopt_long(argc, argv, "+:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case OPT_SAVE:
			save = optarg;
			break;
		case OPT_EXPECT:
			expect = optarg;
			break;
		case 'h':
			fputs(cmd->usage, stdout);
			return KVMW_EXIT_OK;
		default:
			return kvmw_option_error(cmd, opt, argv);
		}
	}
	ret = kvmw_no_operands(cmd, argc, argv);
	if (ret)
		return ret;

	/*
	 * Read the baseline before anything else: a bad file fails fast,
	 * and --save may overwrite the very file being compared against.
	 */
	if (expect && load_baseline(expect, &base))
		return KVMW_EXIT_ERROR;

	fd = kvmw_dev_open_checked();
	if (fd < 0)
		return KVMW_EXIT_ERROR;
	ret = kvmw_dev_counters(fd, &c);
	close(fd);
	if (ret)
		return KVMW_EXIT_ERROR;

	if (json) {
		if (print_json(&c))
			return KVMW_EXIT_ERROR;
	} else {
		print_text(&c);
	}
	if (save && save_baseline(save, &c))
		return KVMW_EXIT_ERROR;
	if (expect && check_baseline(expect, &base, &c))
		return KVMW_EXIT_ERROR;
	return KVMW_EXIT_OK;
}
