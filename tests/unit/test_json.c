/* test_json.c - the JSON writer: golden escapes, nesting, numbers, and
 * misuse (unbalanced or mismatched nesting, keys in arrays, values
 * without keys in objects).  The reader is tested in test_json_read.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

/* One value written on its own, compact. */
static char *write_str(const char *s)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	tsn_json_init(&j, &b, false);
	tsn_json_str(&j, s);
	cr_assert_eq(tsn_json_finish(&j), 0);
	return b.p;
}

Test(json_writer, escaping_table)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "", "\"\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "/", "\"/\"" },
		{ "\n\r\t", "\"\\n\\r\\t\"" },
		{ "\x01\x1f\b\f", "\"\\u0001\\u001f\\u0008\\u000c\"" },
		{ "\x1b[31m", "\"\\u001b[31m\"" },
		{ "del\x7f", "\"del\x7f\"" },
		{ "n\xc5\x93ud \xe2\x82\xac \xf0\x9f\x98\x80",
		  "\"n\xc5\x93ud \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ "\xef\xbf\xbf", "\"\xef\xbf\xbf\"" },	/* U+FFFF is valid */
		{ "\xff", "\"\\ufffd\"" },
		{ "a\xc3", "\"a\\ufffd\"" },		/* truncated */
		{ "\xc3(", "\"\\ufffd(\"" },		/* bad continuation */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },	/* overlong '/' */
		{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "\x80x", "\"\\ufffdx\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = write_str(cases[i].in);

		cr_expect_str_eq(got, cases[i].want, "case %zu", i);
		free(got);
	}
}

/* Whatever bytes go in, what comes out parses. */
Test(json_writer, output_always_parses)
{
	char in[256], err[128];
	struct tsn_jv v;

	for (int i = 0; i < 255; i++)
		in[i] = (char)(255 - i);	/* every byte but NUL */
	in[255] = '\0';
	char *out = write_str(in);
	cr_assert_eq(tsn_json_parse(out, strlen(out), &v, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(v.type, TSN_JSTR);
	tsn_jv_free(&v);
	free(out);
}

static void sample(struct tsn_json *j)
{
	tsn_json_obj_begin(j);
	tsn_json_kint(j, "a", -5);
	tsn_json_key(j, "b");
	tsn_json_arr_begin(j);
	tsn_json_bool(j, true);
	tsn_json_null(j);
	tsn_json_str(j, "x");
	tsn_json_str(j, NULL);
	tsn_json_arr_end(j);
	tsn_json_key(j, "c");
	tsn_json_obj_begin(j);
	tsn_json_obj_end(j);
	tsn_json_key(j, "d");
	tsn_json_arr_begin(j);
	tsn_json_arr_end(j);
	tsn_json_kuint(j, "u", 18446744073709551615ull);
	tsn_json_kbool(j, "f", false);
	tsn_json_kdouble(j, "g", 0.5);
	tsn_json_kstr(j, "k\"", "v");
	tsn_json_obj_end(j);
}

Test(json_writer, compact_golden)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	tsn_json_init(&j, &b, false);
	sample(&j);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_assert_str_eq(b.p, "{\"a\":-5,\"b\":[true,null,\"x\",null],\"c\":{},"
			 "\"d\":[],\"u\":18446744073709551615,\"f\":false,"
			 "\"g\":0.5,\"k\\\"\":\"v\"}");
	tsn_buf_free(&b);
}

Test(json_writer, pretty_golden)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	tsn_json_init(&j, &b, true);
	sample(&j);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_assert_str_eq(b.p,
		"{\n"
		"  \"a\": -5,\n"
		"  \"b\": [\n"
		"    true,\n"
		"    null,\n"
		"    \"x\",\n"
		"    null\n"
		"  ],\n"
		"  \"c\": {},\n"
		"  \"d\": [],\n"
		"  \"u\": 18446744073709551615,\n"
		"  \"f\": false,\n"
		"  \"g\": 0.5,\n"
		"  \"k\\\"\": \"v\"\n"
		"}");
	tsn_buf_free(&b);
}

static char *write_double(double d)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	tsn_json_init(&j, &b, false);
	tsn_json_double(&j, d);
	cr_assert_eq(tsn_json_finish(&j), 0);
	return b.p;
}

Test(json_writer, doubles)
{
	static const struct {
		double d;
		const char *want;
	} golden[] = {
		{ 0.1, "0.1" }, { 1.5, "1.5" }, { 3.0, "3" }, { -0.0, "-0" },
		{ 1e300, "1e+300" }, { 123456789012.0, "123456789012" },
		{ NAN, "null" }, { INFINITY, "null" }, { -INFINITY, "null" },
	};
	static const double trip[] = {
		1.0 / 3, 2.0 / 3, 5e-324, 1.7976931348623157e308, -1e-300,
		0.30000000000000004, 9007199254740993.0, 123.456,
	};

	for (size_t i = 0; i < ARRAY_SIZE(golden); i++) {
		char *s = write_double(golden[i].d);

		cr_expect_str_eq(s, golden[i].want, "case %zu", i);
		free(s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(trip); i++) {
		char *s = write_double(trip[i]);
		struct tsn_jv v;

		cr_assert_eq(tsn_json_parse(s, strlen(s), &v, NULL, 0), 0, "%s", s);
		cr_expect_eq(v.num, trip[i], "%s does not read back", s);
		free(s);
	}
}

/* Each sequence of calls is misuse; the error sticks through later calls
 * that would have balanced it. */
Test(json_writer, misuse_is_sticky_einval)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	for (int c = 0; c < 8; c++) {
		tsn_buf_reset(&b);
		tsn_json_init(&j, &b, c & 1);
		switch (c) {
		case 0:	/* close without open */
			tsn_json_obj_end(&j);
			tsn_json_obj_begin(&j);
			tsn_json_obj_end(&j);
			break;
		case 1:	/* left open */
			tsn_json_arr_begin(&j);
			break;
		case 2:	/* key at top level */
			tsn_json_key(&j, "k");
			break;
		case 3:	/* two keys in a row */
			tsn_json_obj_begin(&j);
			tsn_json_key(&j, "a");
			tsn_json_key(&j, "b");
			tsn_json_int(&j, 1);
			tsn_json_obj_end(&j);
			break;
		case 4:	/* two top-level values */
			tsn_json_int(&j, 1);
			tsn_json_int(&j, 2);
			break;
		case 5:	/* nothing at all */
			break;
		case 6:	/* dangling key */
			tsn_json_obj_begin(&j);
			tsn_json_key(&j, "a");
			tsn_json_obj_end(&j);
			break;
		case 7:	/* NULL key */
			tsn_json_obj_begin(&j);
			tsn_json_kint(&j, NULL, 1);
			tsn_json_obj_end(&j);
			break;
		}
		cr_expect_eq(tsn_json_finish(&j), -EINVAL, "case %d", c);
	}
	tsn_buf_free(&b);
}

/* The writer knows which kind of container it is in at every depth: a key
 * inside an array is misuse at once, and nothing more is written after
 * it, even calls that would be valid on their own. */
Test(json_writer, key_inside_array_is_einval)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	for (int pretty = 0; pretty < 2; pretty++) {
		tsn_buf_reset(&b);
		tsn_json_init(&j, &b, pretty);
		tsn_json_obj_begin(&j);
		tsn_json_key(&j, "list");
		tsn_json_arr_begin(&j);
		tsn_json_int(&j, 1);
		cr_assert_eq(j.error, 0);
		tsn_json_kint(&j, "k", 2);	/* key inside the array */
		cr_expect_eq(j.error, -EINVAL);
		tsn_json_arr_end(&j);
		tsn_json_obj_end(&j);
		cr_expect_eq(tsn_json_finish(&j), -EINVAL);
		cr_expect_null(strstr(b.p, "\"k\""), "key written: %s", b.p);

		/* First thing in an array, and in a nested array. */
		tsn_buf_reset(&b);
		tsn_json_init(&j, &b, pretty);
		tsn_json_arr_begin(&j);
		tsn_json_arr_begin(&j);
		tsn_json_key(&j, "k");
		tsn_json_int(&j, 1);
		tsn_json_arr_end(&j);
		tsn_json_arr_end(&j);
		cr_expect_eq(tsn_json_finish(&j), -EINVAL);
	}
	tsn_buf_free(&b);
}

Test(json_writer, value_without_key_in_object_is_einval)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	for (int c = 0; c < 6; c++) {
		tsn_buf_reset(&b);
		tsn_json_init(&j, &b, c & 1);
		tsn_json_obj_begin(&j);
		if (c >= 2) {		/* after a complete member */
			tsn_json_kint(&j, "a", 1);
			cr_assert_eq(j.error, 0);
		}
		if (c >= 4) {		/* inside an object in an array */
			tsn_json_key(&j, "o");
			tsn_json_arr_begin(&j);
			tsn_json_obj_begin(&j);
		}
		tsn_json_str(&j, "v");	/* no key */
		cr_expect_eq(j.error, -EINVAL, "case %d", c);
		if (c >= 4) {
			tsn_json_obj_end(&j);
			tsn_json_arr_end(&j);
		}
		tsn_json_obj_end(&j);
		cr_expect_eq(tsn_json_finish(&j), -EINVAL, "case %d", c);
		cr_expect_null(strstr(b.p, "\"v\""), "value written: %s", b.p);
	}
	/* Containers need a key in an object too. */
	tsn_buf_reset(&b);
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_arr_begin(&j);
	tsn_json_arr_end(&j);
	tsn_json_obj_end(&j);
	cr_expect_eq(tsn_json_finish(&j), -EINVAL);
	tsn_buf_free(&b);
}

/* Closing with the other kind of bracket is unbalanced nesting too. */
Test(json_writer, mismatched_close_is_einval)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_arr_end(&j);
	cr_expect_eq(tsn_json_finish(&j), -EINVAL);

	tsn_buf_reset(&b);
	tsn_json_init(&j, &b, false);
	tsn_json_arr_begin(&j);
	tsn_json_obj_end(&j);
	cr_expect_eq(tsn_json_finish(&j), -EINVAL);

	/* The same shapes closed properly are fine. */
	tsn_buf_reset(&b);
	tsn_json_init(&j, &b, false);
	tsn_json_arr_begin(&j);
	tsn_json_obj_begin(&j);
	tsn_json_key(&j, "a");
	tsn_json_arr_begin(&j);
	tsn_json_arr_end(&j);
	tsn_json_obj_end(&j);
	tsn_json_arr_end(&j);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_expect_str_eq(b.p, "[{\"a\":[]}]");
	tsn_buf_free(&b);
}

Test(json_writer, depth_limit)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	struct tsn_jv v;

	tsn_json_init(&j, &b, false);
	for (int i = 0; i < TSN_JSON_DEPTH_MAX; i++)
		tsn_json_arr_begin(&j);
	for (int i = 0; i < TSN_JSON_DEPTH_MAX; i++)
		tsn_json_arr_end(&j);
	cr_assert_eq(tsn_json_finish(&j), 0);
	/* What the writer can nest, the reader accepts. */
	cr_assert_eq(tsn_json_parse(b.p, b.len, &v, NULL, 0), 0);
	tsn_jv_free(&v);

	tsn_buf_reset(&b);
	tsn_json_init(&j, &b, false);
	for (int i = 0; i <= TSN_JSON_DEPTH_MAX; i++)
		tsn_json_arr_begin(&j);
	for (int i = 0; i <= TSN_JSON_DEPTH_MAX; i++)
		tsn_json_arr_end(&j);
	cr_assert_eq(tsn_json_finish(&j), -EINVAL);
	tsn_buf_free(&b);
}
