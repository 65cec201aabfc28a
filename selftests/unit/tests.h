/* SPDX-License-Identifier: GPL-2.0 */
/* The test groups run, in order, by unit.c. */
#ifndef KVMW_TESTS_H
#define KVMW_TESTS_H

#include <stddef.h>
#include <stdio.h>

void test_uapi(void);
void test_exit_reason(void);
void test_fmt(void);
void test_welford(void);
void test_json(void);
void test_counters(void);
void test_baseline(void);
void test_snapshot(void);
void test_key_names(void);
void test_report(void);
void test_doctor(void);
void test_cli(void);
void test_stats_api(void);
void test_btf(void);
void test_ring(void);
void test_evfmt(void);
void test_trace_cli(void);
void test_evagg(void);
void test_recfile(void);
void test_netlink(void);
void test_netlink_cli(void);
void test_promfmt(void);
void test_kvmstat(void);
void test_topview(void);

/*
 * Capture what a function writes to a FILE: open_memstream() based, so
 * tests compare the exact bytes.
 */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

FILE *capture_begin(struct capture *c);
/* Closes the stream; the text stays in c->buf until capture_free(). */
const char *capture_end(struct capture *c);
void capture_free(struct capture *c);

#endif /* KVMW_TESTS_H */
