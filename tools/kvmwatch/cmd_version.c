// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch version: what a bug report needs first. The tool's own version
 * is printed even when the module cannot be reached.
 */
#include <getopt.h>
#include <stdbool.h>
#include <unistd.h>

#include "caps.h"
#include "cmd.h"
#include "dev.h"
#include "json.h"

const char kvmw_version_usage[] =
	"Usage: kvmwatch version [--json]\n"
	"\n"
	"Print the version of this tool and, from /dev/kvmwatch, the module's\n"
	"ABI, version, capabilities and the running kernel's release.\n"
	"\n"
	"Options:\n"
	"  -j, --json   one JSON object on standard output\n"
	"  -h, --help   show this help\n";

static void print_text(const struct kvmw_version *v)
{
	unsigned int bit;

	printf("module   %u.%u.%u (abi %u)\n", v->major, v->minor, v->patch,
	       v->abi);
	printf("caps    ");
	for (bit = 0; bit < 32; bit++) {
		const char *name = kvmw_cap_name(bit);

		if (!(v->caps & (1U << bit)))
			continue;
		if (name)
			printf(" %s", name);
		else
			printf(" bit%u", bit);
	}
	printf("%s\n", v->caps ? "" : " none");
	printf("kernel   %.*s\n", (int)sizeof(v->release), v->release);
}

static int print_json(const struct kvmw_version *v)
{
	char release[sizeof(v->release) + 1];
	struct kvmw_json j;
	unsigned int bit;

	/* Do not trust the kernel to have terminated it. */
	snprintf(release, sizeof(release), "%.*s", (int)sizeof(v->release),
		 v->release);

	kvmw_json_init(&j, stdout);
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "tool");
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "version");
	kvmw_json_string(&j, KVMW_TOOL_VERSION);
	kvmw_json_key(&j, "abi");
	kvmw_json_u64(&j, KVMW_ABI_VERSION);
	kvmw_json_object_end(&j);
	kvmw_json_key(&j, "module");
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "abi");
	kvmw_json_u64(&j, v->abi);
	kvmw_json_key(&j, "major");
	kvmw_json_u64(&j, v->major);
	kvmw_json_key(&j, "minor");
	kvmw_json_u64(&j, v->minor);
	kvmw_json_key(&j, "patch");
	kvmw_json_u64(&j, v->patch);
	kvmw_json_key(&j, "caps");
	kvmw_json_u64(&j, v->caps);
	/* Names of the known bits; unknown ones are only in "caps". */
	kvmw_json_key(&j, "cap_names");
	kvmw_json_array_begin(&j);
	for (bit = 0; bit < 32; bit++)
		if ((v->caps & (1U << bit)) && kvmw_cap_name(bit))
			kvmw_json_string(&j, kvmw_cap_name(bit));
	kvmw_json_array_end(&j);
	kvmw_json_key(&j, "release");
	kvmw_json_string(&j, release);
	kvmw_json_object_end(&j);
	kvmw_json_object_end(&j);
	return kvmw_json_finish(&j);
}

int kvmw_cmd_version(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct kvmw_version v;
	bool json = false;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "+:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(cmd->usage, stdout);
			return KVMW_EXIT_OK;
		default:
			return kvmw_option_error(cmd, c, argv);
		}
	}
	ret = kvmw_no_operands(cmd, argc, argv);
	if (ret)
		return ret;

	/* JSON is all or nothing: no partial document on failure. */
	if (!json)
		printf("kvmwatch %s (abi %u)\n", KVMW_TOOL_VERSION,
		       KVMW_ABI_VERSION);

	fd = kvmw_dev_open();
	if (fd < 0)
		return KVMW_EXIT_ERROR;
	ret = kvmw_dev_version(fd, &v);
	close(fd);
	if (ret)
		return KVMW_EXIT_ERROR;

	if (json) {
		if (print_json(&v))
			return KVMW_EXIT_ERROR;
	} else {
		print_text(&v);
	}
	/* Reported, not fatal: this is the command that diagnoses it. */
	if (v.abi != KVMW_ABI_VERSION)
		kvmw_err("warning: module ABI %u differs from this tool's ABI %u",
			 v.abi, KVMW_ABI_VERSION);
	return KVMW_EXIT_OK;
}
