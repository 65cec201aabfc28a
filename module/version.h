/* SPDX-License-Identifier: GPL-2.0 */
/* The module's release and capabilities, as both interfaces report them. */
#ifndef KVMW_VERSION_H
#define KVMW_VERSION_H

#include "../uapi/linux/kvmwatch.h"

#define KVMW_MAJOR	0
#define KVMW_MINOR	1
#define KVMW_PATCH	0
#define KVMW_VERSION_STRING	"0.1.0"

#define KVMW_CAPS	(KVMW_CAP_TRACEPOINTS | KVMW_CAP_KPROBES | \
			 KVMW_CAP_SVM | KVMW_CAP_VMX | KVMW_CAP_EVENTS | \
			 KVMW_CAP_NETLINK)

#endif /* KVMW_VERSION_H */
