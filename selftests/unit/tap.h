/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP producer: one "ok N - ..." line per check, the plan last
 * (valid TAP, and no test count to keep in sync by hand).
 */
#ifndef KVMW_TAP_H
#define KVMW_TAP_H

#include <stdbool.h>

#include "types.h"
#include "util.h"

/* Every check returns whether it passed, so callers can stop early. */
bool tap_ok(bool ok, const char *fmt, ...) __printf(2, 3);
bool tap_eq_u64(u64 got, u64 want, const char *fmt, ...) __printf(3, 4);
bool tap_eq_str(const char *got, const char *want, const char *fmt, ...)
	__printf(3, 4);
bool tap_contains(const char *hay, const char *needle, const char *fmt, ...)
	__printf(3, 4);
void tap_skip(const char *why, const char *fmt, ...) __printf(2, 3);
void tap_diag(const char *fmt, ...) __printf(1, 2);

/* Print the plan; returns the process exit status (1 if any failed). */
int tap_finish(void);

#endif /* KVMW_TAP_H */
