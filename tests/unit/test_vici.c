/* test_vici.c - VICI encoding against hand-written wire bytes, parsing,
 * and hostile messages (every truncation, bad lengths, deep nesting). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "enable/vici.h"

/* The wire bytes of:  version-request framing, and a message
 *   { a = "1", s { l = [x, yz] } }
 * written out by hand from the protocol description. */
static const uint8_t golden_msg[] = {
	3, 1, 'a', 0, 1, '1',			/* KEY_VALUE a=1 */
	1, 1, 's',				/* SECTION_START s */
	4, 1, 'l',				/* LIST_START l */
	5, 0, 1, 'x',				/* LIST_ITEM x */
	5, 0, 2, 'y', 'z',			/* LIST_ITEM yz */
	6,					/* LIST_END */
	2,					/* SECTION_END */
};

static void build_golden(struct tsn_vici_req *r)
{
	tsn_vici_req_init(r);
	tsn_vici_kvs(r, "a", "1");
	tsn_vici_section(r, "s");
	tsn_vici_list(r, "l");
	tsn_vici_item(r, "x");
	tsn_vici_item(r, "yz");
	tsn_vici_list_end(r);
	tsn_vici_end(r);
}

Test(vici, encode_golden)
{
	struct tsn_vici_req r;

	build_golden(&r);
	cr_assert_eq(tsn_vici_req_error(&r), 0);
	cr_assert_eq(r.b.len, sizeof(golden_msg));
	cr_assert_eq(memcmp(r.b.p, golden_msg, sizeof(golden_msg)), 0);
	tsn_vici_req_free(&r);
}

Test(vici, frame_golden)
{
	static const uint8_t want[] = {
		0, 0, 0, 9, 0, 7, 'v', 'e', 'r', 's', 'i', 'o', 'n',
	};
	struct tsn_buf b = { 0 };

	cr_assert_eq(tsn_vici_frame(&b, TSN_VICI_CMD_REQUEST, "version",
				    NULL), 0);
	cr_assert_eq(b.len, sizeof(want));
	cr_assert_eq(memcmp(b.p, want, sizeof(want)), 0);
	tsn_buf_free(&b);
}

Test(vici, parse_golden)
{
	struct tsn_vici_el root;
	const struct tsn_vici_el *s, *l;
	char err[128];

	cr_assert_eq(tsn_vici_parse(golden_msg, sizeof(golden_msg), &root,
				    err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(tsn_vici_str(&root, "a"), "1");
	s = tsn_vici_get(&root, "s");
	cr_assert_not_null(s);
	cr_assert_eq(s->kind, TSN_VICI_SECTION);
	l = tsn_vici_get(s, "l");
	cr_assert_not_null(l);
	cr_assert_eq(l->kind, TSN_VICI_LIST);
	cr_assert_eq(l->n_items, 2);
	cr_assert_str_eq(l->items[1], "yz");
	cr_assert_null(tsn_vici_str(&root, "s"), "a section is not a value");
	tsn_vici_el_free(&root);
}

Test(vici, every_truncation_fails_cleanly)
{
	/* Cutting the message anywhere but at an element boundary at depth
	 * 0 must be an error, never a crash or a read past the end. */
	for (size_t n = 1; n < sizeof(golden_msg); n++) {
		struct tsn_vici_el root;
		char err[128];
		int ret = tsn_vici_parse(golden_msg, n, &root, err,
					 sizeof(err));

		if (n == 6) {	/* exactly "a = 1" */
			cr_assert_eq(ret, 0);
			tsn_vici_el_free(&root);
			continue;
		}
		cr_assert_eq(ret, -EBADMSG, "prefix %zu parsed", n);
		cr_assert_not_null(strstr(err, "offset"));
	}
}

Test(vici, hostile_messages)
{
	static const struct {
		uint8_t b[16];
		size_t len;
	} bad[] = {
		{ { 3, 0 }, 2 },			/* empty name */
		{ { 3, 1, 'a', 0xff, 0xff, 'x' }, 6 },	/* value too long */
		{ { 2 }, 1 },				/* end without start */
		{ { 6 }, 1 },				/* list end, no list */
		{ { 5, 0, 0 }, 3 },			/* item, no list */
		{ { 4, 1, 'l', 3, 1, 'a', 0, 0 }, 8 },	/* kv inside list */
		{ { 9 }, 1 },				/* unknown type */
		{ { 3, 2, 'a', 0, 0, 0 }, 6 },		/* NUL in name */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tsn_vici_el root;

		cr_assert_eq(tsn_vici_parse(bad[i].b, bad[i].len, &root,
					    NULL, 0), -EBADMSG, "case %zu", i);
	}
}

Test(vici, nesting_capped)
{
	uint8_t msg[3 * (TSN_VICI_DEPTH_MAX + 2)];
	struct tsn_vici_el root;
	size_t n = 0;

	for (int i = 0; i < TSN_VICI_DEPTH_MAX + 2; i++) {
		msg[n++] = 1;
		msg[n++] = 1;
		msg[n++] = 's';
	}
	cr_assert_eq(tsn_vici_parse(msg, n, &root, NULL, 0), -EBADMSG);
}

Test(vici, builder_misuse)
{
	struct tsn_vici_req r;
	char big[300];

	tsn_vici_req_init(&r);
	tsn_vici_end(&r);
	cr_assert_eq(tsn_vici_req_error(&r), -EINVAL);
	tsn_vici_req_free(&r);

	tsn_vici_req_init(&r);
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tsn_vici_kvs(&r, big, "v");
	cr_assert_eq(tsn_vici_req_error(&r), -ENAMETOOLONG);
	tsn_vici_req_free(&r);

	tsn_vici_req_init(&r);
	tsn_vici_section(&r, "open");
	cr_assert_eq(tsn_vici_req_error(&r), -EINVAL, "unbalanced");
	tsn_vici_req_free(&r);
}
