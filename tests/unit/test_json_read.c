/* test_json_read.c - the bounded JSON reader: accepted documents, a
 * rejection table with the expected offsets, depth and size bombs, and
 * round trips through the writer.  The writer's own tests are in
 * test_json.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

/* One test over the whole table: a parameterised test forks once per
 * case, which costs seconds under ASan. */
static const struct {
	const char *in;
	size_t len;	/* 0: strlen(in) */
	const char *err;
} bad[] = {
	{ "", 0, "offset 0: unexpected end of input" },
	{ "   ", 0, "offset 3: unexpected end of input" },
	{ "[1,]", 0, "offset 3: trailing comma" },
	{ "{\"a\":1,}", 0, "offset 7: trailing comma" },
	{ "[,1]", 0, "offset 1: unexpected character" },
	{ "01", 0, "offset 0: leading zero in number" },
	{ "-01", 0, "offset 0: leading zero in number" },
	{ "1.", 0, "offset 2: digit expected after '.'" },
	{ "1.e5", 0, "offset 2: digit expected after '.'" },
	{ ".5", 0, "offset 0: unexpected character" },
	{ "+1", 0, "offset 0: unexpected character" },
	{ "1e", 0, "offset 2: digit expected in exponent" },
	{ "1e+", 0, "offset 3: digit expected in exponent" },
	{ "-", 0, "offset 1: digit expected in number" },
	{ "-a", 0, "offset 1: digit expected in number" },
	{ "0x10", 0, "offset 1: trailing characters" },
	{ "1e999", 0, "offset 0: number out of range" },
	{ "[-1e999]", 0, "offset 1: number out of range" },
	{ "NaN", 0, "offset 0: unexpected character" },
	{ "// c\n1", 0, "offset 0: unexpected character" },
	{ "/* c */ 1", 0, "offset 0: unexpected character" },
	{ "[1 2]", 0, "offset 3: expected ',' or ']'" },
	{ "{\"a\" 1}", 0, "offset 5: expected ':'" },
	{ "{a:1}", 0, "offset 1: expected string key" },
	{ "{\"a\":1 \"b\":2}", 0, "offset 7: expected ',' or '}'" },
	{ "{\"a\":1,\"a\":2}", 0, "offset 7: duplicate key" },
	{ "{\"b\":1,\"a\":2,\"b\":3}", 0, "offset 13: duplicate key" },
	{ "['a']", 0, "offset 1: unexpected character" },
	{ "\"abc", 0, "offset 4: unterminated string" },
	{ "\"a\\x\"", 0, "offset 2: invalid escape in string" },
	{ "\"\\u12g4\"", 0, "offset 5: invalid \\u escape" },
	{ "\"\\u12", 0, "offset 5: unexpected end of input" },
	{ "\"\\", 0, "offset 2: unexpected end of input" },
	{ "\"\\ud800\"", 0, "offset 1: lone surrogate in string" },
	{ "\"\\udc00\"", 0, "offset 1: lone surrogate in string" },
	{ "\"x\\ud800\\u0041\"", 0, "offset 2: lone surrogate in string" },
	{ "\"\\ud800\\ud800\"", 0, "offset 1: lone surrogate in string" },
	{ "\"\\u0000\"", 0, "offset 1: NUL in string" },
	{ "\"a\0b\"", 5, "offset 2: NUL in string" },
	{ "1\0", 2, "offset 1: trailing characters" },
	{ "\"a\nb\"", 0, "offset 2: control character in string" },
	{ "\"\t\"", 0, "offset 1: control character in string" },
	{ "\"\xff\"", 0, "offset 1: invalid UTF-8 in string" },
	{ "\"ab\xc0\xaf\"", 0, "offset 3: invalid UTF-8 in string" },
	{ "\"\xed\xa0\x80\"", 0, "offset 1: invalid UTF-8 in string" },
	{ "\"\xe2\x82\"", 0, "offset 1: invalid UTF-8 in string" },
	{ "\xef\xbb\xbf" "1", 0, "offset 0: unexpected character" },
	{ "tru", 0, "offset 0: unexpected character" },
	{ "True", 0, "offset 0: unexpected character" },
	{ "nulll", 0, "offset 4: trailing characters" },
	{ "[1]]", 0, "offset 3: trailing characters" },
	{ "1 2", 0, "offset 2: trailing characters" },
	{ "[", 0, "offset 1: unexpected end of input" },
	{ "[1,", 0, "offset 3: unexpected end of input" },
	{ "{", 0, "offset 1: unexpected end of input" },
	{ "{\"a\":", 0, "offset 5: unexpected end of input" },
	{ "[\"a\",{\"b\":[tru]}]", 0, "offset 11: unexpected character" },
	{ "true", 3, "offset 0: unexpected character" },	/* len honoured */
};

Test(json_reader, rejects)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].in);
		char err[128] = "unset";
		struct tsn_jv v;
		int ret = tsn_json_parse(bad[i].in, len, &v, err, sizeof(err));

		cr_expect_eq(ret, -EINVAL, "'%s' accepted", bad[i].in);
		cr_expect_str_eq(err, bad[i].err, "'%s'", bad[i].in);
		/* Nothing left to free. */
		cr_expect(v.type == TSN_JNULL && !v.items && !v.str);
		tsn_jv_free(&v);
	}
}

Test(json_reader, accepts)
{
	static const char *const ok[] = {
		"0", "-0", "1.5e-3", "1E+2", "-12.5E-1", "[]", "{}",
		" \t\n\r[ ] \n", "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"", "\"\x7f\"",
		"\"\\ud83d\\ude00\"", "true", "false", "null", "[[[]]]",
		"{\"a\":{\"b\":[1,{\"c\":null}]},\"\":\"\"}", "\"\xef\xbf\xbf\"",
		"123456789012345678901234567890",
	};
	char err[128];
	struct tsn_jv v;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		err[0] = 0;
		cr_expect_eq(tsn_json_parse(ok[i], strlen(ok[i]), &v, err,
					    sizeof(err)), 0, "%s: %s", ok[i], err);
		tsn_jv_free(&v);
	}
}

Test(json_reader, values_and_lookups)
{
	const char *t = "{\"s\":\"a\\u00e9\\ud83d\\ude00\",\"n\":-2.5e1,"
			"\"b\":true,\"z\":null,\"a\":[1,\"x\"],\"o\":{}}";
	struct tsn_jv v;
	double d = 0;
	bool b = false;

	cr_assert_eq(tsn_json_parse(t, strlen(t), &v, NULL, 0), 0);
	cr_assert_eq(v.type, TSN_JOBJ);
	cr_assert_eq(v.n, 6);
	cr_assert_str_eq(tsn_jv_getstr(&v, "s"), "a\xc3\xa9\xf0\x9f\x98\x80");
	cr_assert(tsn_jv_getnum(&v, "n", &d));
	cr_assert_eq(d, -25.0);
	cr_assert(tsn_jv_getbool(&v, "b", &b));
	cr_assert(b);
	cr_assert_eq(tsn_jv_get(&v, "z")->type, TSN_JNULL);
	cr_assert_eq(tsn_jv_get(&v, "a")->n, 2);
	cr_assert_str_eq(tsn_jv_get(&v, "a")->items[1].str, "x");
	/* Missing, mistyped and NULL all answer "not there". */
	cr_assert_null(tsn_jv_getstr(&v, "n"));
	cr_assert_null(tsn_jv_getstr(&v, "missing"));
	cr_assert_not(tsn_jv_getnum(&v, "s", &d));
	cr_assert_not(tsn_jv_getbool(&v, "z", &b));
	cr_assert_null(tsn_jv_get(NULL, "s"));
	cr_assert_null(tsn_jv_get(&v, NULL));
	cr_assert_null(tsn_jv_get(tsn_jv_get(&v, "a"), "s"));
	cr_assert_null(tsn_jv_getstr(NULL, "s"));
	cr_assert_not(tsn_jv_getnum(NULL, "n", NULL));
	cr_assert_not(tsn_jv_getbool(NULL, "b", NULL));
	tsn_jv_free(&v);
	tsn_jv_free(&v);	/* freed values are empty: safe twice */
	tsn_jv_free(NULL);
}

static bool jv_equal(const struct tsn_jv *a, const struct tsn_jv *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case TSN_JNULL:
		return true;
	case TSN_JBOOL:
		return a->b == b->b;
	case TSN_JNUM:
		return a->num == b->num;
	case TSN_JSTR:
		return !strcmp(a->str, b->str);
	default:
		if (a->n != b->n)
			return false;
		for (size_t i = 0; i < a->n; i++)
			if ((a->keys && strcmp(a->keys[i], b->keys[i])) ||
			    !jv_equal(&a->items[i], &b->items[i]))
				return false;
		return true;
	}
}

Test(json_reader, round_trip)
{
	const char *t = "{\"nodes\":[{\"node\":\"n1\",\"x\":[0.1,-3,1e-7,"
			"true,false,null,\"\\u001b\\\"\\\\\xe2\x82\xac\"]}],"
			"\"empty\":{},\"deep\":[[[[{\"k\":[]}]]]]}";
	struct tsn_jv a, b;

	cr_assert_eq(tsn_json_parse(t, strlen(t), &a, NULL, 0), 0);
	for (int pretty = 0; pretty < 2; pretty++) {
		struct tsn_buf buf = { 0 };
		struct tsn_json j;

		tsn_json_init(&j, &buf, pretty);
		tsn_json_jv(&j, &a);
		cr_assert_eq(tsn_json_finish(&j), 0);
		cr_assert_eq(tsn_json_parse(buf.p, buf.len, &b, NULL, 0), 0,
			     "%s", buf.p);
		cr_assert(jv_equal(&a, &b), "%s", buf.p);
		tsn_jv_free(&b);
		tsn_buf_free(&buf);
	}
	tsn_jv_free(&a);
}

static char *repeat(const char *head, const char *unit, size_t n,
		    const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1), *p = s;

	cr_assert_not_null(s);
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

Test(json_reader, depth_bomb)
{
	char err[128];
	struct tsn_jv v;
	char *s = repeat("", "[", 100000, "");

	cr_assert_eq(tsn_json_parse(s, strlen(s), &v, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "offset 32: nesting too deep");
	free(s);
	/* A bomb that closes is rejected the same way and frees what it
	 * built (ASan checks the leak). */
	s = repeat("", "{\"a\":[", 40, "");
	cr_assert_eq(tsn_json_parse(s, strlen(s), &v, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "offset 96: nesting too deep");
	free(s);
}

Test(json_reader, item_cap)
{
	char err[128];
	struct tsn_jv v;
	/* The array itself plus 999,999 numbers: exactly the cap. */
	char *s = repeat("[", "0,", 999998, "0]");

	cr_assert_eq(tsn_json_parse(s, strlen(s), &v, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(v.n, 999999);
	tsn_jv_free(&v);
	free(s);
	s = repeat("[", "0,", 999999, "0]");
	cr_assert_eq(tsn_json_parse(s, strlen(s), &v, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "offset 1999999: too many values");
	free(s);
}

Test(json_reader, string_cap)
{
	size_t max = 16u << 20;
	char *s = malloc(max + 4);
	char err[128];
	struct tsn_jv v;

	cr_assert_not_null(s);
	s[0] = '"';
	memset(s + 1, 'a', max);
	s[max + 1] = '"';
	cr_assert_eq(tsn_json_parse(s, max + 2, &v, err, sizeof(err)), 0);
	cr_assert_eq(strlen(v.str), max);
	tsn_jv_free(&v);
	s[max + 1] = 'a';
	s[max + 2] = '"';
	cr_assert_eq(tsn_json_parse(s, max + 3, &v, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "offset 0: string too long");
	free(s);
}

Test(json_reader, long_number_and_big_object)
{
	char err[128];
	struct tsn_jv v;
	char *s = repeat("", "1", 1025, "");

	cr_assert_eq(tsn_json_parse(s, strlen(s), &v, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "offset 0: number too long");
	free(s);

	/* Many distinct keys: the duplicate check must not be quadratic
	 * enough to matter, and must find none. */
	struct tsn_buf b = { 0 };
	tsn_buf_puts(&b, "{");
	for (int i = 0; i < 50000; i++)
		tsn_buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
	tsn_buf_puts(&b, "}");
	cr_assert_eq(tsn_json_parse(b.p, b.len, &v, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(v.n, 50000);
	double d;
	cr_assert(tsn_jv_getnum(&v, "k49999", &d));
	cr_assert_eq(d, 49999);
	tsn_jv_free(&v);
	tsn_buf_free(&b);
}

Test(json_reader, escapes_decode)
{
	const char *t = "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\\u0041\\u00e9\\u20ac"
			"\\uD834\\uDD1E\"";
	struct tsn_jv v;

	cr_assert_eq(tsn_json_parse(t, strlen(t), &v, NULL, 0), 0);
	cr_assert_str_eq(v.str, "/\b\f\n\r\t\"\\A\xc3\xa9\xe2\x82\xac"
			 "\xf0\x9d\x84\x9e");
	tsn_jv_free(&v);
}

/* A short error buffer is truncated, never overrun; none at all is fine. */
Test(json_reader, error_buffer_sizes)
{
	char err[9];
	struct tsn_jv v;

	memset(err, 'x', sizeof(err));
	cr_assert_eq(tsn_json_parse("[1,]", 4, &v, err, 8), -EINVAL);
	cr_assert_str_eq(err, "offset ");
	cr_assert_eq(err[8], 'x');
	cr_assert_eq(tsn_json_parse("[1,]", 4, &v, NULL, 0), -EINVAL);
	cr_assert_eq(tsn_json_parse(NULL, 10, &v, err, 1), -EINVAL);
	cr_assert_str_eq(err, "");
}
