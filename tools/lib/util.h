/* SPDX-License-Identifier: GPL-2.0 */
/* The few kernel helpers userspace lacks, under their kernel names. */
#ifndef KVMW_UTIL_H
#define KVMW_UTIL_H

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* A macro's value as a string literal: help texts quote uapi defaults. */
#define KVMW_STR_(x)	#x
#define KVMW_STR(x)	KVMW_STR_(x)
#define __printf(a, b)	__attribute__((format(printf, a, b)))

#endif /* KVMW_UTIL_H */
