/* SPDX-License-Identifier: GPL-2.0 */
/* Names of the KVMW_CAP_* bits of struct kvmw_version. */
#ifndef KVMW_CAPS_H
#define KVMW_CAPS_H

#include "types.h"

/* "tracepoints", "kprobes", "svm", "vmx"; NULL for an unknown bit. */
const char *kvmw_cap_name(unsigned int bit);

#endif /* KVMW_CAPS_H */
