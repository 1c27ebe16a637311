/* test_fix.c - preflight --fix without a kernel: the shortcut that lets
 * peers share one evaluation must give exactly what evaluating each peer
 * gives (exact compares, sets, maps, and the shapes that turn it off),
 * and the reboot file says the same change in nft syntax.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nft/fix.h"
#include "nft/nft.h"
#include "nft_build.h"

#define NPEERS 40

static struct tsn_nft_flow flows[NPEERS * 6];
static size_t n_flows;

/* NPEERS peers 198.18.30.1..NPEERS, in and out, the three protocols. */
static void make_flows(void)
{
	static const char *const protos[] = { "udp500", "udp4500", "esp" };

	n_flows = 0;
	for (int i = 1; i <= NPEERS; i++)
		for (int d = 0; d < 2; d++)
			for (int p = 0; p < 3; p++) {
				struct tsn_nft_flow *f = &flows[n_flows++];
				char a[32];

				*f = fl;
				f->dir = d ? TSN_NFT_OUT : TSN_NFT_IN;
				snprintf(a, sizeof(a), "198.18.30.%d", i);
				inet_pton(AF_INET, a, f->peer);
				tsn_nft_flow_proto(f, protos[p]);
			}
}

/* The shortcut against one evaluation per flow. */
static void same_as_each(void)
{
	static struct tsn_nft_verdict got[NPEERS * 6];
	static uint32_t at[NPEERS * 6];
	struct tsn_nft_flow one;
	uint32_t next = 0;

	cr_assert_eq(tsn_nft_finish(rs), 0);
	make_flows();
	cr_assert_eq(tsn_fix_eval_flows(rs, flows, n_flows, got, at), 0);
	for (size_t i = 0; i < n_flows; i++) {
		const struct tsn_nft_verdict *g = &got[at[i]];

		/* numbered in order of first appearance */
		cr_assert_leq(at[i], next, "flow %zu", i);
		next += at[i] == next;
		/* each flow evaluated whole: no rule passed over */
		one = flows[i];
		one.skip_dead = 0;
		cr_assert_eq(tsn_nft_eval(rs, &one, &v), 0);
		cr_assert_eq(g->result, v.result, "flow %zu", i);
		cr_assert_eq(g->where.handle, v.where.handle, "flow %zu", i);
		cr_assert_str_eq(g->where.chain, v.where.chain);
	}
}

static void saddr_is(struct tsn_nft_chain *c, uint64_t h, const char *a,
		     int code)
{
	struct tsn_nft_rule *r = rule(c, h, NULL);
	uint8_t b[4];

	inet_pton(AF_INET, a, b);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	cmp(r, R1, NFT_CMP_EQ, b, 4);
	verdict(r, code, NULL);
}

/* "meta l4proto PROTO ip saddr OP A VERDICT" (nft's form, without the
 * nfproto check it adds in an inet table). */
static void proto_saddr(struct tsn_nft_chain *c, uint64_t h, uint8_t proto,
			uint32_t op, const uint8_t *a, int code)
{
	struct tsn_nft_rule *r = rule(c, h, NULL);

	meta(r, NFT_META_L4PROTO, R1);
	cmp8(r, R1, proto);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	cmp(r, R1, op, a, 4);
	verdict(r, code, NULL);
}

TestSuite(fix, .init = setup, .fini = teardown);

Test(fix, exact_compares_single_out_their_peer)
{
	struct tsn_nft_chain *c = input(NF_DROP);
	struct tsn_nft_rule *r;

	saddr_is(c, 2, "198.18.30.7", NF_ACCEPT);
	saddr_is(c, 3, "198.18.30.9", NF_DROP);
	r = rule(c, 4, NULL);
	udp_dport(r, 500);
	verdict(r, NF_ACCEPT, NULL);
	same_as_each();
}

Test(fix, set_membership_and_maps)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_set *s = set("bad", 0, 4, 0, 0);
	struct tsn_nft_set *m = set("vm", NFT_SET_MAP, 4, TSN_NFT_VERDICT_DATA,
				    0);
	struct tsn_nft_rule *r;
	uint8_t a[4];

	inet_pton(AF_INET, "198.18.30.3", a);
	elem(s, a, 0, 0, NULL);
	inet_pton(AF_INET, "198.18.30.5", a);
	elem(m, a, 0, NF_DROP, NULL);
	inet_pton(AF_INET, "198.18.30.6", a);
	elem(m, a, 0, NF_ACCEPT, NULL);
	r = rule(c, 2, "set");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	lookup(r, R1, "bad", false, false);
	verdict(r, NF_DROP, NULL);
	r = rule(c, 3, "vmap");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, R1);
	lookup(r, R1, "vm", false, false);
	same_as_each();
}

Test(fix, prefixes_turn_the_shortcut_off)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 2, "a /24");
	uint8_t mask[4] = { 255, 255, 255, 0 }, zero[4] = { 0 };
	uint8_t net[4] = { 198, 18, 30, 0 }, one[2] = { 198, 18 };

	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	bitwise(r, R1, mask, zero, 4);
	cmp(r, R1, NFT_CMP_EQ, net, 4);
	verdict(r, NF_DROP, NULL);
	r = rule(c, 3, "a /16 as nft emits it");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 2, R1);
	cmp(r, R1, NFT_CMP_NEQ, one, 2);
	verdict(r, NF_DROP, NULL);
	same_as_each();
}

Test(fix, ct_addresses_and_registers_read_twice)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 2, "ct original saddr");
	uint8_t a[4] = { 198, 18, 30, 4 };

	ct(r, NFT_CT_SRC_IP, R1);
	cmp(r, R1, NFT_CMP_EQ, a, 4);
	verdict(r, NF_DROP, NULL);
	r = rule(c, 3, "read twice");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	cmp(r, R1, NFT_CMP_NEQ, a, 4);
	cmp(r, R1, NFT_CMP_EQ, a, 4);
	verdict(r, NF_DROP, NULL);
	same_as_each();
}

/* The rules an evaluation passes over for a peer no constant names:
 * those whose address test is "== another address" with only pure
 * expressions before it, and those of the other family; not one with a
 * mark set first, nor "!=", nor one without an address test.  The peer
 * a constant names passes over none. */
Test(fix, rules_passed_over_for_unnamed_peers)
{
	static const uint8_t in4 = TSN_NFT_DEAD(AF_INET, TSN_NFT_IN);
	static const uint8_t out4 = TSN_NFT_DEAD(AF_INET, TSN_NFT_OUT);
	struct tsn_nft_chain *c = input(NF_DROP);
	uint8_t other[4] = { 10, 9, 9, 9 }, mark[4] = { 0, 0, 0, 7 };
	uint8_t five[4] = { 198, 18, 30, 5 };
	struct tsn_nft_expr *e;
	struct tsn_nft_rule *r;

	proto_saddr(c, 2, IPPROTO_UDP, NFT_CMP_EQ, other, NF_ACCEPT);
	saddr_is(c, 3, "198.18.30.5", NF_DROP);
	r = rule(c, 4, "ipv6 only");
	meta(r, NFT_META_NFPROTO, R1);
	cmp8(r, R1, NFPROTO_IPV6);
	verdict(r, NF_ACCEPT, NULL);
	r = rule(c, 5, "a mark set first");
	e = ex(r, TSN_NFT_IMMEDIATE, "immediate");
	e->dreg = R1;
	e->len = 4;
	cr_assert_eq(tsn_nft_expr_set_data(rs, e, mark, NULL, 4), 0);
	e = ex(r, TSN_NFT_META_SET, "meta set");
	e->key = NFT_META_MARK;
	e->sreg = R1;
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	cmp(r, R1, NFT_CMP_EQ, other, 4);
	verdict(r, NF_ACCEPT, NULL);
	proto_saddr(c, 6, IPPROTO_ESP, NFT_CMP_NEQ, other, NF_DROP);
	r = rule(c, 7, NULL);
	udp_dport(r, 500);
	verdict(r, NF_ACCEPT, NULL);
	same_as_each();
	cr_expect(c->rules[0].dead & in4, "== another address");
	cr_expect(c->rules[1].dead & in4, "== the named peer");
	cr_expect(c->rules[2].dead & in4, "the other family");
	cr_expect_not(c->rules[3].dead & in4, "a mark set first");
	cr_expect_not(c->rules[4].dead & in4, "!=");
	cr_expect_not(c->rules[5].dead & in4, "no address test");
	cr_expect_not(c->rules[0].dead & out4, "saddr is not the peer out");
	cr_expect(c->rules[2].dead & out4, "the other family, out too");
	for (size_t i = 0; i < n_flows; i++) {
		bool named = flows[i].dir == TSN_NFT_IN &&
			     !memcmp(flows[i].peer, five, 4);

		cr_expect_eq(flows[i].skip_dead, named ? 0 :
			     TSN_NFT_DEAD(AF_INET, flows[i].dir),
			     "flow %zu", i);
	}
}

/* The scan in steps, as nft-fix runs it while the rules are read
 * (lookups and our own tagged accepts wait for tsn_nft_finish), gives
 * what the scan at once gives: the same classes, the same rules passed
 * over.  A second ruleset (a read tried again) starts over. */
Test(fix, scan_in_steps_is_the_scan_at_once)
{
	static uint32_t steps[NPEERS * 6], once[NPEERS * 6];
	static uint8_t dead_steps[NPEERS * 6];
	struct tsn_nft_chain *c = input(NF_DROP);
	struct tsn_nft_set *bad = set("bad", 0, 4, 0, 0);
	struct tsn_nft_ruleset *first;
	struct tsn_fix_scan *sc;
	struct tsn_nft_rule *r;
	uint8_t a[4] = { 198, 18, 30, 3 };
	long n_steps, n_once;

	elem(bad, a, 0, 0, NULL);
	make_flows();
	sc = tsn_fix_scan_new(flows, n_flows);
	cr_assert_not_null(sc);
	/* a ruleset the read gave up on: scanned, then dropped */
	first = rs;
	saddr_is(c, 2, "198.18.30.9", NF_DROP);
	tsn_fix_scan_rules(sc, first);
	rs = tsn_nft_ruleset_new();
	cr_assert(rs);
	c = input(NF_DROP);
	bad = set("bad", 0, 4, 0, 0);
	elem(bad, a, 0, 0, NULL);
	saddr_is(c, 2, "198.18.30.7", NF_ACCEPT);
	tsn_fix_scan_rules(sc, rs);
	r = rule(c, 3, "in the set");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	lookup(r, R1, "bad", false, false);
	verdict(r, NF_DROP, NULL);
	r = rule(c, 4, TSN_FIX_TAG);	/* one of ours: it names .13 */
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	cmp(r, R1, NFT_CMP_EQ, (uint8_t[]){ 198, 18, 30, 13 }, 4);
	verdict(r, NF_ACCEPT, NULL);
	saddr_is(c, 5, "198.18.30.11", NF_DROP);
	tsn_fix_scan_rules(sc, rs);
	r = rule(c, 6, NULL);
	udp_dport(r, 500);
	verdict(r, NF_ACCEPT, NULL);
	cr_assert_eq(tsn_nft_finish(rs), 0);
	cr_assert_str_eq(c->rules[2].comment, TSN_FIX_TAG);
	c->rules[2].skip = true;	/* as the planner marks our own */
	n_steps = tsn_fix_scan_classes(sc, rs, flows, n_flows, steps);
	tsn_fix_scan_free(sc);
	for (size_t i = 0; i < n_flows; i++)
		dead_steps[i] = flows[i].skip_dead;
	n_once = tsn_fix_classes(rs, flows, n_flows, once);
	cr_assert_gt(n_steps, 1);
	cr_assert_eq(n_steps, n_once, "%ld classes in steps, %ld at once",
		     n_steps, n_once);
	for (size_t i = 0; i < n_flows; i++) {
		cr_assert_eq(steps[i], once[i], "flow %zu", i);
		cr_assert_eq(dead_steps[i], flows[i].skip_dead, "flow %zu", i);
	}
	/* 198.18.30.9 was named only in the ruleset dropped */
	for (size_t i = 0; i < n_flows; i++)
		if (flows[i].dir == TSN_NFT_IN && flows[i].peer[3] == 9)
			cr_expect_neq(flows[i].skip_dead, 0, "flow %zu", i);
	tsn_nft_ruleset_free(first);
	same_as_each();
}

Test(fix, nft_text_says_the_same_change)
{
	struct tsn_addr m[3];
	struct tsn_fix_insert ins = { .family = NFPROTO_IPV4, .input = true };
	struct tsn_buf b = { 0 };

	cr_assert_eq(tsn_addr_parse("198.18.1.1", &m[0]), 0);
	cr_assert_eq(tsn_addr_parse("198.18.1.2", &m[1]), 0);
	cr_assert_eq(tsn_addr_parse("fd00:7473::2", &m[2]), 0);
	strcpy(ins.table, "filter");
	strcpy(ins.chain, "INPUT");
	cr_assert_eq(tsn_fix_nft_text(m, 3, &ins, 1, &b), 0);
	cr_assert(strstr(b.p, "table inet tsnet\ndelete table inet tsnet\n"));
	cr_assert(strstr(b.p, "elements = { 198.18.1.1, 198.18.1.2 }"));
	cr_assert(strstr(b.p, "elements = { fd00:7473::2 }"));
	cr_assert(strstr(b.p, "ip daddr @members4 meta l4proto esp accept"));
	cr_assert(strstr(b.p, "insert rule ip filter INPUT ip saddr { "
			      "198.18.1.1, 198.18.1.2 } meta l4proto esp "
			      "accept comment \"" TSN_FIX_TAG "\"\n"));
	/* an ip table sees IPv4 only: no ip6 accept inserted there */
	cr_assert_null(strstr(b.p, "insert rule ip filter INPUT ip6"));
	tsn_buf_free(&b);
}
