/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KVMW_DEV_H
#define KVMW_DEV_H

int kvmw_dev_init(void);
void kvmw_dev_exit(void);

#endif /* KVMW_DEV_H */
