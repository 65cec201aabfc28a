// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch check: whether what the module assumes about KVM holds on the
 * running kernel, from its BTF (docs/design/exit-accounting.md 2.3, 4):
 * the prototypes of the six KVM tracepoints the module attaches to by
 * name, with no type check at run time; where struct vcpu_svm keeps the
 * VMCB pointer the SVM decoder reads at a compiled-in offset; the VMCB
 * fields it reads. A kernel whose KVM changed is caught here, before
 * kvmwatch reports garbage. The checks themselves are in lib/btf.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btf.h"
#include "cmd.h"
#include "dev.h"
#include "json.h"

#define DEFAULT_BTF_DIR	"/sys/kernel/btf"
#define SYS_MODULE_DIR	"/sys/module"

enum {
	OPT_BTF_DIR = 256,
	OPT_DEVICE,
};

const char kvmw_check_usage[] =
	"Usage: kvmwatch check [--json] [--btf-dir DIR] [--device PATH]\n"
	"\n"
	"Check what the kvmwatch module assumes about KVM against the running\n"
	"kernel's BTF: the prototypes of the tracepoints it attaches to\n"
	"(kvm_exit, kvm_entry, kvm_msr, kvm_pio, kvm_mmio, kvm_userspace_exit),\n"
	"the offset of the VMCB pointer in kvm_amd's struct vcpu_svm and the\n"
	"size of struct kvm_vcpu the module was compiled with, and the VMCB\n"
	"fields it reads. Each check is 'ok', 'MISMATCH' or 'unverifiable'\n"
	"(e.g. kvm_amd not loaded, or a module loaded without BTF).\n"
	"\n"
	"Options:\n"
	"  -j, --json           one JSON object on standard output\n"
	"      --btf-dir DIR    BTF files (vmlinux, kvm, kvm_amd) from DIR\n"
	"                       instead of " DEFAULT_BTF_DIR "\n"
	"      --device PATH    the module's device instead of /dev/kvmwatch\n"
	"                       (also $" KVMW_DEV_ENV ")\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 if no check failed (unverifiable ones are warned about\n"
	"on standard error), 1 on a MISMATCH or an unreadable or malformed BTF\n"
	"file, 2 on a usage error.\n";

/* The module's build, from KVMW_IOC_VERSION; why not, if unreachable. */
static void module_info(struct kvmw_check_module *m)
{
	const char *path = kvmw_dev_path();
	struct kvmw_version v;
	int fd, err;

	memset(m, 0, sizeof(*m));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		snprintf(m->why, sizeof(m->why), "cannot open %s: %s%s", path,
			 strerror(err),
			 err == ENOENT ? " (module not loaded?)" :
			 err == EACCES || err == EPERM ?
			 " (needs root, CAP_SYS_ADMIN)" : "");
		return;
	}
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	if (ioctl(fd, KVMW_IOC_VERSION, &v) < 0) {
		err = errno;
		snprintf(m->why, sizeof(m->why), "KVMW_IOC_VERSION on %s: %s",
			 path, strerror(err));
	} else if (v.abi != KVMW_ABI_VERSION) {
		snprintf(m->why, sizeof(m->why),
			 "module ABI %u, this kvmwatch speaks ABI %u", v.abi,
			 KVMW_ABI_VERSION);
	} else if (v.size < KVMW_VERSION_SIZE_VER1) {
		snprintf(m->why, sizeof(m->why),
			 "the module (%u.%u.%u) does not report svm_vmcb_offset and kvm_vcpu_size",
			 v.major, v.minor, v.patch);
	} else {
		m->known = true;
		m->svm_vmcb_offset = v.svm_vmcb_offset;
		m->kvm_vcpu_size = v.kvm_vcpu_size;
	}
	close(fd);
}

static void print_text(const struct kvmw_check_report *rep)
{
	unsigned int i;

	for (i = 0; i < rep->n; i++) {
		const struct kvmw_check *c = &rep->checks[i];

		printf("%-12s  %s: %s\n", kvmw_check_status_name(c->status),
		       c->name, c->detail);
	}
	printf("summary: %u ok, %u MISMATCH, %u unverifiable\n",
	       rep->count[KVMW_CHECK_OK], rep->count[KVMW_CHECK_MISMATCH],
	       rep->count[KVMW_CHECK_UNVERIFIABLE]);
}

static const char *json_status(enum kvmw_check_status s)
{
	switch (s) {
	case KVMW_CHECK_OK:
		return "ok";
	case KVMW_CHECK_MISMATCH:
		return "mismatch";
	default:
		return "unverifiable";
	}
}

static const char *result_name(const struct kvmw_check_report *rep)
{
	if (rep->count[KVMW_CHECK_MISMATCH])
		return "mismatch";
	if (rep->errors)
		return "error";
	if (rep->count[KVMW_CHECK_UNVERIFIABLE])
		return "unverifiable";
	return "ok";
}

static int print_json(const struct kvmw_check_report *rep,
		      const struct kvmw_check_module *mod,
		      const char *btf_dir)
{
	struct kvmw_json j;
	unsigned int i;

	kvmw_json_init(&j, stdout);
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "result");
	kvmw_json_string(&j, result_name(rep));
	kvmw_json_key(&j, "ok");
	kvmw_json_u64(&j, rep->count[KVMW_CHECK_OK]);
	kvmw_json_key(&j, "mismatch");
	kvmw_json_u64(&j, rep->count[KVMW_CHECK_MISMATCH]);
	kvmw_json_key(&j, "unverifiable");
	kvmw_json_u64(&j, rep->count[KVMW_CHECK_UNVERIFIABLE]);
	kvmw_json_key(&j, "btf_dir");
	kvmw_json_string(&j, btf_dir);
	kvmw_json_key(&j, "module");
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "known");
	kvmw_json_bool(&j, mod->known);
	if (mod->known) {
		kvmw_json_key(&j, "svm_vmcb_offset");
		kvmw_json_u64(&j, mod->svm_vmcb_offset);
		kvmw_json_key(&j, "kvm_vcpu_size");
		kvmw_json_u64(&j, mod->kvm_vcpu_size);
	} else {
		kvmw_json_key(&j, "why");
		kvmw_json_string(&j, mod->why);
	}
	kvmw_json_object_end(&j);
	kvmw_json_key(&j, "checks");
	kvmw_json_array_begin(&j);
	for (i = 0; i < rep->n; i++) {
		const struct kvmw_check *c = &rep->checks[i];

		kvmw_json_object_begin(&j);
		kvmw_json_key(&j, "name");
		kvmw_json_string(&j, c->name);
		kvmw_json_key(&j, "status");
		kvmw_json_string(&j, json_status(c->status));
		kvmw_json_key(&j, "error");
		kvmw_json_bool(&j, c->error);
		kvmw_json_key(&j, "detail");
		kvmw_json_string(&j, c->detail);
		kvmw_json_object_end(&j);
	}
	kvmw_json_array_end(&j);
	kvmw_json_object_end(&j);
	return kvmw_json_finish(&j);
}

int kvmw_cmd_check(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "btf-dir", required_argument, NULL, OPT_BTF_DIR },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *btf_dir = DEFAULT_BTF_DIR;
	struct kvmw_check_report *rep;
	struct kvmw_check_module mod;
	bool json = false, own_dir = false;
	struct stat st;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "+:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case OPT_BTF_DIR:
			if (!*optarg)
				return kvmw_usage_error(cmd,
							"--btf-dir needs a directory");
			btf_dir = optarg;
			own_dir = true;
			break;
		case OPT_DEVICE:
			if (!*optarg)
				return kvmw_usage_error(cmd,
							"--device needs a path");
			/* Where every device message takes the path from. */
			if (setenv(KVMW_DEV_ENV, optarg, 1)) {
				kvmw_err("setenv: %s", strerror(errno));
				return KVMW_EXIT_ERROR;
			}
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
	/* A mistyped --btf-dir is an error, not an unverifiable kernel. */
	if (own_dir && stat(btf_dir, &st)) {
		kvmw_err("--btf-dir %s: %s", btf_dir, strerror(errno));
		return KVMW_EXIT_ERROR;
	}
	if (own_dir && !S_ISDIR(st.st_mode)) {
		kvmw_err("--btf-dir %s: not a directory", btf_dir);
		return KVMW_EXIT_ERROR;
	}

	rep = malloc(sizeof(*rep));
	if (!rep) {
		kvmw_err("out of memory");
		return KVMW_EXIT_ERROR;
	}
	module_info(&mod);
	/*
	 * Whether a module without BTF is loaded at all: only the running
	 * kernel's /sys/module describes the default directory's files.
	 */
	kvmw_btf_check_dir(btf_dir, own_dir ? NULL : SYS_MODULE_DIR, &mod, rep);

	if (json) {
		if (print_json(rep, &mod, btf_dir)) {
			free(rep);
			return KVMW_EXIT_ERROR;
		}
	} else {
		print_text(rep);
	}

	ret = KVMW_EXIT_OK;
	if (rep->count[KVMW_CHECK_MISMATCH]) {
		kvmw_err("%u MISMATCH: the module's assumptions about KVM do not hold on this kernel; do not trust its exit reasons",
			 rep->count[KVMW_CHECK_MISMATCH]);
		ret = KVMW_EXIT_ERROR;
	}
	if (rep->errors) {
		kvmw_err("%u check%s failed on unreadable or malformed BTF",
			 rep->errors, rep->errors == 1 ? "" : "s");
		ret = KVMW_EXIT_ERROR;
	}
	if (ret == KVMW_EXIT_OK && rep->count[KVMW_CHECK_UNVERIFIABLE])
		kvmw_err("warning: %u check%s unverifiable; what they cover is unchecked on this kernel",
			 rep->count[KVMW_CHECK_UNVERIFIABLE],
			 rep->count[KVMW_CHECK_UNVERIFIABLE] == 1 ? "" : "s");
	free(rep);
	return ret;
}
