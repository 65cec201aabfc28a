// SPDX-License-Identifier: GPL-2.0
/* JSON writer: escaping (RFC 8259) and document structure, exact bytes. */
#include <stdint.h>

#include "json.h"
#include "tap.h"
#include "tests.h"

static void check_escape(const char *in, const char *want, const char *what)
{
	struct capture c;

	kvmw_json_write_string(capture_begin(&c), in);
	tap_eq_str(capture_end(&c), want, "escape: %s", what);
	capture_free(&c);
}

static void test_escape(void)
{
	check_escape("", "\"\"", "empty string");
	check_escape("abc 1.2/3", "\"abc 1.2/3\"", "plain ASCII, '/' as is");
	check_escape("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash");
	check_escape("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"",
		     "short escapes of control characters");
	check_escape("\x01\x1f", "\"\\u0001\\u001f\"",
		     "other control characters as \\u00XX");
	check_escape("\x7f", "\"\x7f\"", "DEL needs no escape");
	check_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		     "valid 2-, 3- and 4-byte UTF-8 kept");
	check_escape("a\xff" "b", "\"a\\ufffdb\"", "invalid byte replaced");
	check_escape("a\xc3", "\"a\\ufffd\"", "truncated sequence at the end");
	check_escape("\xc3(", "\"\\ufffd(\"", "bad continuation byte");
	check_escape("\xc0\xaf", "\"\\ufffd\\ufffd\"", "overlong '/' rejected");
	check_escape("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"",
		     "UTF-16 surrogate rejected");
	check_escape("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
		     "code point above U+10FFFF rejected");
}

static void test_document(void)
{
	struct kvmw_json j;
	struct capture c;

	kvmw_json_init(&j, capture_begin(&c));
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "a");
	kvmw_json_u64(&j, 1);
	kvmw_json_key(&j, "b\"");
	kvmw_json_string(&j, "x\n");
	kvmw_json_key(&j, "c");
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "d");
	kvmw_json_array_begin(&j);
	kvmw_json_u64(&j, 0);
	kvmw_json_u64(&j, UINT64_MAX);
	kvmw_json_string(&j, "y");
	kvmw_json_array_end(&j);
	kvmw_json_key(&j, "e");
	kvmw_json_object_begin(&j);
	kvmw_json_object_end(&j);
	kvmw_json_object_end(&j);
	kvmw_json_key(&j, "f");
	kvmw_json_array_begin(&j);
	kvmw_json_array_end(&j);
	kvmw_json_object_end(&j);
	tap_ok(kvmw_json_finish(&j) == 0, "document: finish succeeds");
	tap_eq_str(capture_end(&c),
		   "{\"a\":1,\"b\\\"\":\"x\\n\",\"c\":{\"d\":[0,"
		   "18446744073709551615,\"y\"],\"e\":{}},\"f\":[]}\n",
		   "document: nesting, commas, escaped key and value");
	capture_free(&c);
}

static void test_misuse(void)
{
	struct kvmw_json j;
	struct capture c;

	kvmw_json_init(&j, capture_begin(&c));
	kvmw_json_object_begin(&j);
	tap_ok(kvmw_json_finish(&j) == -1, "misuse: unclosed object");
	capture_end(&c);
	capture_free(&c);

	kvmw_json_init(&j, capture_begin(&c));
	kvmw_json_object_end(&j);
	tap_ok(kvmw_json_finish(&j) == -1,
	       "misuse: closing what was never opened");
	capture_end(&c);
	capture_free(&c);

	kvmw_json_init(&j, capture_begin(&c));
	kvmw_json_object_begin(&j);
	kvmw_json_key(&j, "k");
	kvmw_json_object_end(&j);
	tap_ok(kvmw_json_finish(&j) == -1, "misuse: key without value");
	capture_end(&c);
	capture_free(&c);
}

void test_json(void)
{
	test_escape();
	test_document();
	test_misuse();
}
