/* test_util.c - strict numbers, buffers, atomic files, edit distance. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cur.h"
#include "lib/util.h"
#include "tests/unit/params.h"

struct num_case {
	char in[32];	/* an array: Criterion copies parameters across processes */
	uint64_t min, max;
	int ret;
	uint64_t want;
};

ParameterizedTestParameters(util, parse_u64)
{
	static struct num_case cases[] = {
		{ "0", 0, 10, 0, 0 },
		{ "10", 0, 10, 0, 10 },
		{ "11", 0, 10, -ERANGE, 0 },
		{ "", 0, 10, -EINVAL, 0 },
		{ "-1", 0, 10, -EINVAL, 0 },
		{ "+1", 0, 10, -EINVAL, 0 },
		{ " 1", 0, 10, -EINVAL, 0 },
		{ "1 ", 0, 10, -EINVAL, 0 },
		{ "1x", 0, 10, -EINVAL, 0 },
		{ "0x10", 0, 100, -EINVAL, 0 },
		{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, -ERANGE, 0 },
		{ "99999999999999999999999", 0, UINT64_MAX, -ERANGE, 0 },
		{ "5", 6, 10, -ERANGE, 0 },
		{ "007", 0, 10, 0, 7 },
	};
	return tsn_param_array(struct num_case, cases);
}

ParameterizedTest(struct num_case *c, util, parse_u64)
{
	uint64_t v = 12345;
	int ret = tsn_parse_u64(c->in, c->min, c->max, &v);

	cr_assert_eq(ret, c->ret, "'%s': ret %d, want %d", c->in, ret, c->ret);
	if (ret == 0)
		cr_assert_eq(v, c->want);
	else
		cr_assert_eq(v, 12345, "output untouched on error");
}

TSN_PARAM_ALL(struct num_case, util, parse_u64)

Test(util, parse_uint_null)
{
	unsigned v;

	cr_assert_eq(tsn_parse_uint(NULL, 0, 1, &v), -EINVAL);
	cr_assert_eq(tsn_parse_uint("65535", 1, 65535, &v), 0);
	cr_assert_eq(v, 65535);
	cr_assert_eq(tsn_parse_uint("65536", 1, 65535, &v), -ERANGE);
}

Test(util, buf_grows_and_terminates)
{
	struct tsn_buf b = { 0 };

	for (int i = 0; i < 1000; i++)
		cr_assert_eq(tsn_buf_printf(&b, "%04d", i), 0);
	cr_assert_eq(b.len, 4000);
	cr_assert_eq(strlen(b.p), 4000);
	cr_assert_eq(strncmp(b.p + 3996, "0999", 4), 0);
	tsn_buf_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(b.p, "");
	cr_assert_eq(tsn_buf_add(&b, "a\0b", 3), 0);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(memcmp(b.p, "a\0b", 4), 0);
	tsn_buf_wipe(&b);
	cr_assert_null(b.p);
}

Test(util, atomic_write_mode_and_content)
{
	char dir[] = "/tmp/tsnet-test-XXXXXX";
	char path[256], *data = NULL;
	struct stat st;
	size_t len;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/secret", dir);
	cr_assert_eq(tsn_write_file_atomic(path, "key=1\n", 6, 0600), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(tsn_read_file(path, 100, &data, &len), 0);
	cr_assert_eq(len, 6);
	cr_assert_str_eq(data, "key=1\n");
	free(data);
	/* replacing keeps the new mode and leaves no temp file behind */
	cr_assert_eq(tsn_write_file_atomic(path, "x", 1, 0644), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644);
	cr_assert_eq(tsn_read_file(path, 0, &data, &len), -EFBIG);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(rmdir(dir), 0, "directory must be empty: no temp left");
}

Test(util, atomic_write_missing_dir)
{
	cr_assert_eq(tsn_write_file_atomic("/nonexistent-dir/x", "x", 1,
					   0600), -ENOENT);
}

Test(util, read_missing)
{
	char *p;

	cr_assert_eq(tsn_read_file("/nonexistent-file", 10, &p, NULL),
		     -ENOENT);
}

/* From a socket, as an agent's stdin may be: several reads to the end,
 * and the limit holds. */
Test(util, read_fd_socket)
{
	char big[20000], *p = NULL;
	size_t len = 0;
	int sv[2];

	memset(big, 'a', sizeof(big));
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(write(sv[0], big, sizeof(big)), (ssize_t)sizeof(big));
	close(sv[0]);
	cr_assert_eq(tsn_read_fd(sv[1], sizeof(big), &p, &len), 0);
	cr_assert_eq(len, sizeof(big));
	cr_assert_eq(memcmp(p, big, len), 0);
	cr_assert_eq(p[len], '\0');
	free(p);
	close(sv[1]);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(write(sv[0], big, sizeof(big)), (ssize_t)sizeof(big));
	close(sv[0]);
	cr_assert_eq(tsn_read_fd(sv[1], sizeof(big) - 1, &p, &len), -EFBIG);
	close(sv[1]);
}

Test(util, mkdir_p)
{
	char dir[] = "/tmp/tsnet-test-XXXXXX", path[256];
	struct stat st;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	cr_assert_eq(tsn_mkdir_p(path, 0700), 0);
	cr_assert_eq(tsn_mkdir_p(path, 0700), 0, "idempotent");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a", dir);
	rmdir(path);
	cr_assert_eq(rmdir(dir), 0);
}

Test(util, edit_distance)
{
	cr_assert_eq(tsn_edit_distance("address", "adress"), 1);
	cr_assert_eq(tsn_edit_distance("", "abc"), 3);
	cr_assert_eq(tsn_edit_distance("kitten", "sitting"), 3);
	cr_assert_eq(tsn_edit_distance("same", "same"), 0);
}

Test(cur, bounds)
{
	static const uint8_t pkt[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct cur c = cur_make(pkt, sizeof(pkt)), sub;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	cr_assert_eq(cur_u16(&c, &v16), 0);
	cr_assert_eq(v16, 0x0102);
	cr_assert_eq(cur_sub(&c, 3, &sub), 0);
	cr_assert_eq(cur_u32(&sub, &v32), -1, "sub-cursor stops at its end");
	cr_assert_eq(sub.left, 3, "a failed read does not move");
	cr_assert_eq(cur_u8(&sub, &v8), 0);
	cr_assert_eq(v8, 3);
	cr_assert_eq(cur_u16(&c, &v16), 0);
	cr_assert_eq(v16, 0x0607);
	cr_assert_eq(cur_u8(&c, &v8), -1);
	cr_assert_eq(cur_skip(&c, 1), -1);
	cr_assert_eq(cur_sub(&c, 1, &sub), -1);
}

Test(util, hex_is_lowercase_pairs_without_nul)
{
	static const uint8_t b[] = { 0x00, 0x0f, 0xa0, 0xff, 0x5c };
	char out[12];

	memset(out, '#', sizeof(out));
	tsn_hex(out, b, sizeof(b));
	cr_assert_eq(memcmp(out, "000fa0ff5c##", 12), 0, "%.12s", out);
}

/* ---- hex: one decoder for keys, SPIs, payloads and \u escapes ---- */

Test(util, hexval_digits_only)
{
	cr_expect_eq(tsn_hexval('0'), 0);
	cr_expect_eq(tsn_hexval('9'), 9);
	cr_expect_eq(tsn_hexval('a'), 10);
	cr_expect_eq(tsn_hexval('F'), 15);
	for (int c = -1; c < 256; c++)
		if (!strchr("0123456789abcdefABCDEF", c) || !c)
			cr_expect_eq(tsn_hexval(c), -1, "%d", c);
}

struct hex_case {
	char in[24];
	size_t max;
	ssize_t ret;
	uint8_t want[4];
};

ParameterizedTestParameters(util, hex_decode)
{
	static struct hex_case cases[] = {
		{ "00fFa5", 4, 3, { 0x00, 0xff, 0xa5 } },
		{ "", 4, 0, { 0 } },
		{ "0", 4, -EINVAL, { 0 } },		/* odd length */
		{ "abc", 4, -EINVAL, { 0 } },
		{ "0g", 4, -EINVAL, { 0 } },		/* not hex */
		{ "g0", 4, -EINVAL, { 0 } },
		{ " f", 4, -EINVAL, { 0 } },		/* what %2x took */
		{ "+f", 4, -EINVAL, { 0 } },
		{ "-1", 4, -EINVAL, { 0 } },
		{ "0x", 4, -EINVAL, { 0 } },
		{ "0x12", 4, -EINVAL, { 0 } },
		{ "12 ", 4, -EINVAL, { 0 } },
		{ "1\n", 4, -EINVAL, { 0 } },
		{ "0102030405", 4, -E2BIG, { 0 } },	/* overlong */
		{ "01020304", 4, 4, { 1, 2, 3, 4 } },	/* exactly max */
		{ "01", 0, -E2BIG, { 0 } },
	};

	return cr_make_param_array(struct hex_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct hex_case *c, util, hex_decode)
{
	uint8_t out[5];
	ssize_t ret;

	memset(out, 0xee, sizeof(out));
	ret = tsn_hex_decode(c->in, out, c->max);
	cr_expect_eq(ret, c->ret, "'%s': %zd, want %zd", c->in, ret, c->ret);
	if (ret > 0)
		cr_expect_arr_eq(out, c->want, (size_t)ret, "'%s'", c->in);
	/* never past max, and nothing at all when too long */
	cr_expect_eq(out[c->max], 0xee, "'%s' wrote past max", c->in);
	if (c->ret == -E2BIG)
		cr_expect_eq(out[0], 0xee, "'%s' wrote before refusing", c->in);
}

Test(util, hex_decode_null)
{
	uint8_t out[2];

	cr_expect_eq(tsn_hex_decode(NULL, out, sizeof(out)), -EINVAL);
}
