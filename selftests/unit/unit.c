// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch unit tests: everything that can be checked without a VM or the
 * module, as one TAP stream.
 */
#include <stdlib.h>

#include "tap.h"
#include "tests.h"

FILE *capture_begin(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	if (!c->f) {
		perror("open_memstream");
		exit(2);
	}
	return c->f;
}

const char *capture_end(struct capture *c)
{
	fclose(c->f);
	c->f = NULL;
	return c->buf;
}

void capture_free(struct capture *c)
{
	free(c->buf);
	c->buf = NULL;
}

int main(void)
{
	puts("TAP version 13");
	test_uapi();
	test_exit_reason();
	test_fmt();
	test_welford();
	test_json();
	test_counters();
	test_baseline();
	test_snapshot();
	test_key_names();
	test_report();
	test_doctor();
	test_cli();
	test_stats_api();
	test_btf();
	test_ring();
	test_evfmt();
	test_trace_cli();
	test_evagg();
	test_recfile();
	test_netlink();
	test_netlink_cli();
	test_promfmt();
	test_kvmstat();
	test_topview();
	return tap_finish();
}
