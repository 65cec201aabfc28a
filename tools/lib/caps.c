// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>

#include <linux/kvmwatch.h>

#include "caps.h"

const char *kvmw_cap_name(unsigned int bit)
{
	if (bit >= 32)
		return NULL;
	switch (1U << bit) {
	case KVMW_CAP_TRACEPOINTS:
		return "tracepoints";
	case KVMW_CAP_KPROBES:
		return "kprobes";
	case KVMW_CAP_SVM:
		return "svm";
	case KVMW_CAP_VMX:
		return "vmx";
	case KVMW_CAP_EVENTS:
		return "events";
	case KVMW_CAP_NETLINK:
		return "netlink";
	}
	return NULL;
}
