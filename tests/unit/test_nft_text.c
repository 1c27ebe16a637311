/* test_nft_text.c - the ruleset snapshot's text (nft_text.c): every
 * value of an expression is in it, in the register machine's shape, and
 * interval sets read as the ranges they hold.
 */
#include "lib/util.h"
#include "tests/unit/nft_build.h"

static struct tsn_buf b;

static void fini(void)
{
	tsn_buf_free(&b);
	teardown();
}

TestSuite(nft_text, .init = setup, .fini = fini);

/* Rule r's expressions as the snapshot writes them, "; " between. */
static const char *text(const struct tsn_nft_rule *r)
{
	b.len = 0;
	for (size_t i = 0; i < r->n_exprs; i++) {
		if (i)
			cr_assert_eq(tsn_buf_puts(&b, "; "), 0);
		cr_assert_eq(tsn_nft_expr_text(r->exprs[i], &b), 0);
	}
	cr_assert_eq(tsn_buf_add(&b, "", 0), 0);	/* NUL-terminated */
	return b.p;
}

Test(nft_text, loads_compares_and_verdicts)
{
	struct tsn_nft_chain *c = input(NF_DROP);
	struct tsn_nft_rule *r = rule(c, 2, NULL);
	uint8_t a[4] = { 10, 0, 0, 1 };

	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	r->exprs[0]->label = NULL;	/* as the reader leaves it */
	cmp(r, R1, NFT_CMP_EQ, a, 4);
	udp_dport(r, 500);
	r->exprs[2]->label = NULL;
	r->exprs[4]->label = NULL;
	verdict(r, NFT_JUMP, "allow");
	cr_assert_str_eq(text(r), "payload @nh,96,32 => reg 1; "
			 "cmp eq reg 1 0a000001; meta l4proto => reg 1; "
			 "cmp eq reg 1 11; payload @th,16,16 => reg 1; "
			 "cmp eq reg 1 01f4; jump allow");
}

Test(nft_text, masks_ranges_lookups_and_marks)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 3, NULL);
	uint8_t m[4] = { 255, 255, 255, 0 }, z[4] = { 0 };
	uint8_t lo[2] = { 0x03, 0xe8 }, hi[2] = { 0x07, 0xd0 };
	struct tsn_nft_expr *e;

	bitwise(r, R32(2), m, z, 4);
	e = ex(r, TSN_NFT_RANGE, "range");
	e->sreg = R1;
	e->key = NFT_RANGE_NEQ;
	e->len = 2;
	cr_assert_eq(tsn_nft_expr_set_data(rs, e, lo, hi, 2), 0);
	lookup(r, R1, "vm", true, false);
	r->exprs[2]->dreg = 0;
	lookup(r, R32(3), "bad", false, true);
	e = ex(r, TSN_NFT_IMMEDIATE, "immediate");
	e->dreg = R32(1);
	e->len = 4;
	cr_assert_eq(tsn_nft_expr_set_data(rs, e, m, NULL, 4), 0);
	e = ex(r, TSN_NFT_META_SET, NULL);
	e->key = NFT_META_MARK;
	e->sreg = R32(1);
	e = ex(r, TSN_NFT_DYNSET, NULL);
	e->key = NFT_DYNSET_OP_UPDATE;
	e->sreg = R1;
	cr_assert_eq(tsn_nft_expr_set_set(e, "seen"), 0);
	e = ex(r, TSN_NFT_DYNSET, NULL);
	e->key = NFT_DYNSET_OP_DELETE;
	e->sreg = R32(3);
	cr_assert_eq(tsn_nft_expr_set_set(e, "gone"), 0);
	ex(r, TSN_NFT_NOTRACK, NULL);
	ex(r, TSN_NFT_NOP, "counter");
	cr_assert_str_eq(text(r), "bitwise reg 10 = (reg 10 & ffffff00) ^ "
			 "00000000; range neq reg 1 03e8-07d0; "
			 "lookup reg 1 in @vm => reg 0; "
			 "lookup reg 11 not in @bad; "
			 "immediate reg 9 = ffffff00; meta mark set reg 9; "
			 "dynset update reg 1 @seen; dynset delete reg 11 @gone; "
			 "notrack; counter");
}

Test(nft_text, set_elements_as_ranges_and_map_data)
{
	struct tsn_nft_set *iv = set("nets", NFT_SET_INTERVAL, 4, 0, 0);
	struct tsn_nft_set *vm = set("vm", NFT_SET_MAP, 4,
				     TSN_NFT_VERDICT_DATA, 0);
	uint8_t k[4] = { 10, 0, 0, 0 }, end[4] = { 10, 0, 1, 0 };
	uint8_t one[4] = { 192, 0, 2, 7 }, one_end[4] = { 192, 0, 2, 8 };

	/* 10.0.0.0/24 and 192.0.2.7 as the rbtree dumps them */
	elem(iv, k, 0, 0, NULL);
	elem(iv, end, NFT_SET_ELEM_INTERVAL_END, 0, NULL);
	elem(iv, one, 0, 0, NULL);
	elem(iv, one_end, NFT_SET_ELEM_INTERVAL_END, 0, NULL);
	elem(vm, one, 0, NFT_JUMP, "sub");
	cr_assert_eq(tsn_nft_finish(rs), 0);
	cr_assert_eq(iv->n_elems, 2);
	cr_assert_eq(tsn_nft_elem_text(iv, &iv->elems[0], &b), 0);
	cr_assert_eq(tsn_buf_puts(&b, ", "), 0);
	cr_assert_eq(tsn_nft_elem_text(iv, &iv->elems[1], &b), 0);
	cr_assert_eq(tsn_buf_puts(&b, ", "), 0);
	cr_assert_eq(tsn_nft_elem_text(vm, &vm->elems[0], &b), 0);
	cr_assert_str_eq(b.p, "0a000000-0a0000ff, c0000207, c0000207 : "
			 "jump sub");
}

/* A rule's line, and the same line again from the cache of shared
 * expressions' text. */
Test(nft_text, rule_lines_with_and_without_the_cache)
{
	struct tsn_nft_chain *c = input(NF_DROP);
	struct tsn_nft_rule *r = rule(c, 42, "no esp");
	struct tsn_nft_text_cache *cache = tsn_nft_text_cache_new();
	static const char want[] = "\t\thandle 42: meta l4proto => reg 1; "
				   "cmp eq reg 1 32; drop  # \"no esp\"\n";

	cr_assert(cache);
	meta(r, NFT_META_L4PROTO, R1);
	r->exprs[0]->label = NULL;
	cmp8(r, R1, IPPROTO_ESP);
	verdict(r, NF_DROP, NULL);
	for (int pass = 0; pass < 3; pass++) {
		b.len = 0;
		cr_assert_eq(tsn_nft_rule_text(r, pass ? cache : NULL, &b), 0);
		cr_assert_eq(tsn_buf_add(&b, "", 0), 0);
		cr_assert_str_eq(b.p, want, "pass %d", pass);
	}
	free(cache);
}
