/* test_nft_sets.c - sets and maps in the nftables evaluator: anonymous
 * and named sets, rbtree intervals, verdict maps (plain, interval,
 * concatenated), keys only partly known, and the size caps (10,000 rules
 * and a 100,000-element set in milliseconds).
 */
#include "nft/nft_vm.h"
#include "tests/unit/nft_build.h"

TestSuite(nft_sets, .init = setup, .fini = teardown);

Test(nft_sets, anonymous_set_and_inverted_lookup)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_set *s = set("__set0", NFT_SET_ANONYMOUS, 2, 0, 0);
	uint16_t p500 = htons(500), p4500 = htons(4500);
	struct tsn_nft_rule *r;

	elem(s, &p500, 0, 0, NULL);
	elem(s, &p4500, 0, 0, NULL);
	r = rule(c, 1, "ike");
	meta(r, NFT_META_L4PROTO, R1);
	cmp8(r, R1, IPPROTO_UDP);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, R1);
	lookup(r, R1, "__set0", false, false);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("udp500"), TSN_NFT_DROP);
	cr_assert_eq(run("udp4500"), TSN_NFT_DROP);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	c->rules[0].exprs[3]->inv = true;	/* udp dport != { 500, 4500 } */
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT);
}

/* ip saddr in an rbtree interval set: start elements and end elements
 * one past each range, in the scrambled order a dump may give. */
Test(nft_sets, interval_set_from_rbtree_elements)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_set *s = set("cluster", NFT_SET_INTERVAL, 4, 0, 0);
	uint8_t a[4], b[4], top[4];
	struct tsn_nft_rule *r;

	inet_pton(AF_INET, "198.18.21.0", a);	/* end of 198.18.20.0/24 */
	elem(s, a, NFT_SET_ELEM_INTERVAL_END, 0, NULL);
	inet_pton(AF_INET, "198.18.20.0", b);
	elem(s, b, 0, 0, NULL);
	inet_pton(AF_INET, "240.0.0.0", top);	/* open to the top */
	elem(s, top, 0, 0, NULL);
	r = rule(c, 1, "cluster");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	lookup(r, R1, "cluster", false, false);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	inet_pton(AF_INET, "198.18.21.0", fl.peer);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT, "the end key is exclusive");
	inet_pton(AF_INET, "198.18.19.255", fl.peer);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	inet_pton(AF_INET, "255.255.255.254", fl.peer);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
}

Test(nft_sets, iifname_vmap_and_wildcard)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_set *m = set("__map0", NFT_SET_MAP, 16,
				    TSN_NFT_VERDICT_DATA, 0);
	char eth0[16] = "eth0", lo[16] = "lo";
	struct tsn_nft_rule *r;

	elem(m, eth0, 0, NFT_GOTO, "zone");
	elem(m, lo, 0, NF_ACCEPT, NULL);
	tsn_nft_chain_add(rs, NFPROTO_INET, "filter", "zone");
	r = rule(c, 1, NULL);
	meta(r, NFT_META_IIFNAME, R1);
	lookup(r, R1, "__map0", true, false);
	r = rule(c, 2, "after the map");
	verdict(r, NF_DROP, NULL);
	/* zone: iifname "eth*" drop, as nft compiles a wildcard */
	r = rule(tsn_nft_chain_find(rs, NFPROTO_INET, "filter", "zone"), 3,
		 "eth*");
	meta(r, NFT_META_IIFNAME, R1);
	cmp(r, R1, NFT_CMP_EQ, "eth", 3);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert_str_eq(v.where.comment, "eth*");
	strcpy(fl.ifname, "ens3");
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert_str_eq(v.where.comment, "after the map");
	strcpy(fl.ifname, "lo");
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
}

Test(nft_sets, interval_vmap)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_set *m = set("ranges", NFT_SET_MAP | NFT_SET_INTERVAL,
				    4, TSN_NFT_VERDICT_DATA, 0);
	uint8_t lo1[4], end1[4], lo2[4], end2[4];
	struct tsn_nft_rule *r;

	inet_pton(AF_INET, "198.18.20.0", lo1);
	inet_pton(AF_INET, "198.18.20.128", end1);
	inet_pton(AF_INET, "198.18.20.128", lo2);
	inet_pton(AF_INET, "198.18.21.0", end2);
	elem(m, lo1, 0, NF_DROP, NULL);
	elem(m, end1, NFT_SET_ELEM_INTERVAL_END, 0, NULL);
	elem(m, lo2, 0, NF_ACCEPT, NULL);
	elem(m, end2, NFT_SET_ELEM_INTERVAL_END, 0, NULL);
	r = rule(c, 1, "by range");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	lookup(r, R1, "ranges", true, false);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	inet_pton(AF_INET, "198.18.20.200", fl.peer);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
}

/* ip daddr . meta l4proto . th dport vmap: kube-proxy's service maps. */
static void concat_rule(struct tsn_nft_chain *c, const char *map)
{
	struct tsn_nft_rule *r = rule(c, 9, "services");

	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, R32(0));
	meta(r, NFT_META_L4PROTO, R32(1));
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, R32(2));
	lookup(r, R32(0), map, true, false);
}

static void concat_key(uint8_t *k, const char *ip, uint8_t proto,
		       uint16_t port)
{
	memset(k, 0, 12);
	inet_pton(AF_INET, ip, k);
	k[4] = proto;
	k[8] = port >> 8;
	k[9] = port & 0xff;
}

Test(nft_sets, concatenation_vmap)
{
	struct tsn_nft_set *m = set("svc", NFT_SET_MAP | NFT_SET_CONCAT, 12,
				    TSN_NFT_VERDICT_DATA, 0);
	uint8_t k[12];

	concat_key(k, "198.18.20.1", IPPROTO_UDP, 500);
	elem(m, k, 0, NF_DROP, NULL);
	concat_key(k, "198.18.20.1", IPPROTO_TCP, 4500);
	elem(m, k, 0, NF_DROP, NULL);
	concat_rule(input(NF_ACCEPT), "svc");
	cr_assert_eq(run("udp500"), TSN_NFT_DROP);
	cr_assert_eq(run("udp4500"), TSN_NFT_ACCEPT, "tcp 4500 only");
	/* ESP's "port" is SPI bytes nobody knows, but no element has
	 * protocol 50: a certain miss. */
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	concat_key(k, "198.18.20.1", IPPROTO_ESP, 0);
	elem(rs->sets[0], k, 0, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "payload"), "%s", v.why);
}

Test(nft_sets, interval_concatenation_is_undecidable)
{
	struct tsn_nft_set *m = set("svc", NFT_SET_MAP | NFT_SET_CONCAT |
				    NFT_SET_INTERVAL, 12,
				    TSN_NFT_VERDICT_DATA, 0);
	uint8_t k[12], k2[12];

	concat_key(k, "198.18.0.0", IPPROTO_UDP, 0);
	concat_key(k2, "198.18.255.255", IPPROTO_UDP, 65535);
	cr_assert_eq(tsn_nft_elem_add(m, k, k2, 0, NF_DROP, NULL, NULL, 0), 0);
	concat_rule(input(NF_ACCEPT), "svc");
	cr_assert_eq(run("udp500"), TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "lookup"), "%s", v.why);
}

/* 10,000 rules and a 100,000-element set: milliseconds, not seconds. */
Test(nft_sets, large_rulesets_are_fast)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_set *s = set("block", 0, 4, 0, 0);
	struct timespec t0, t1;
	struct tsn_nft_rule *r;
	double ms;

	for (uint32_t i = 0; i < 100000; i++) {
		uint32_t a = htonl(0xc6130000u + i);	/* 198.19.x.y */

		elem(s, &a, 0, 0, NULL);
	}
	elem(s, fl.peer, 0, 0, NULL);
	for (uint32_t i = 0; i < 10000; i++) {
		uint32_t a = htonl(0xc6130000u + i);

		r = rule(c, i + 1, NULL);
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
		cmp(r, R1, NFT_CMP_EQ, &a, 4);
		verdict(r, NF_DROP, NULL);
	}
	r = rule(c, 20000, "blocked");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	lookup(r, R1, "block", false, false);
	verdict(r, NF_DROP, NULL);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert_eq(run("udp500"), TSN_NFT_DROP);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	cr_assert_str_eq(v.where.comment, "blocked");
	cr_assert_lt(ms, 500, "finish + 2 evaluations took %.1f ms", ms);
}

/* add/update/delete @set { key } from the packet. */
static void dynset(struct tsn_nft_rule *r, uint32_t op, uint8_t reg,
		   const char *set)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_DYNSET, NULL);

	e->key = op;
	e->sreg = reg;
	cr_assert_eq(tsn_nft_expr_set_set(e, set), 0);
}

/* udp dport 500 add @seen { ip saddr }; ip saddr @seen drop: the first
 * IKE packet is dropped by the second rule, in the kernel, though the
 * set was empty when read.  A no-op dynset said accept. */
static struct tsn_nft_chain *seen_rules(uint32_t op)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r;

	set("seen", NFT_SET_EVAL, 4, 0, 0);
	udp_dport(r = rule(c, 1, NULL), 500);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	dynset(r, op, R1, "seen");
	r = rule(c, 2, "seen");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	lookup(r, R1, "seen", false, false);
	verdict(r, NF_DROP, NULL);
	return c;
}

Test(nft_sets, dynset_add_is_seen_by_a_later_lookup)
{
	seen_rules(NFT_DYNSET_OP_ADD);
	cr_assert_eq(run("udp500"), TSN_NFT_DROP);
	cr_assert_eq(v.where.handle, 2);
	cr_assert_eq(run("udp4500"), TSN_NFT_ACCEPT, "not added: not seen");
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
}

Test(nft_sets, dynset_update_adds_and_delete_removes)
{
	struct tsn_nft_chain *c = seen_rules(NFT_DYNSET_OP_UPDATE);
	uint8_t peer[4];
	struct tsn_nft_rule *r;

	cr_assert_eq(run("udp500"), TSN_NFT_DROP, "update adds as add does");
	/* the peer is in the set as read; a delete ahead of the lookup
	 * takes it out for this packet */
	memcpy(peer, fl.peer, 4);
	elem(rs->sets[0], peer, 0, 0, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_DROP, "in the set as read");
	r = tsn_nft_rule_add(rs, c, 9, NULL);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	dynset(r, NFT_DYNSET_OP_DELETE, R1, "seen");
	/* move the delete ahead of the lookup rule */
	{
		struct tsn_nft_rule tmp = c->rules[2];

		c->rules[2] = c->rules[1];
		c->rules[1] = tmp;
	}
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT, "deleted before the lookup");
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT, "added, then deleted");
}

/* The key has unknown bits (ESP's "port" is its SPI): which element was
 * added is not known, so a later lookup may or may not match. */
Test(nft_sets, dynset_of_an_unknown_key_makes_lookups_unsure)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r;

	set("ports", NFT_SET_EVAL, 2, 0, 0);
	r = rule(c, 1, NULL);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, R1);
	dynset(r, NFT_DYNSET_OP_ADD, R1, "ports");
	r = rule(c, 2, "ports");
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, R1);
	lookup(r, R1, "ports", false, false);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("udp500"), TSN_NFT_DROP, "UDP: the port is known");
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
}

/* A set at its size takes no new element: the kernel ends the rule,
 * and whether the key is new decides; near it, both are possible. */
Test(nft_sets, dynset_into_a_full_set_may_end_the_rule)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	uint8_t other[4] = { 198, 18, 99, 1 };
	struct tsn_nft_rule *r;

	set("seen", NFT_SET_EVAL, 4, 0, 0)->size = 1;
	elem(rs->sets[0], other, 0, 0, NULL);
	r = rule(c, 1, "add, then drop");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	dynset(r, NFT_DYNSET_OP_ADD, R1, "seen");
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
	rs->sets[0]->size = 0;
	cr_assert_eq(run("esp"), TSN_NFT_DROP, "no size: the add goes on");
}

/* More dynsets on one path than the evaluator keeps: lookups in
 * dynamic sets are unsure, not wrong. */
Test(nft_sets, dynsets_past_the_cap_make_lookups_unsure)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r;
	char name[16];

	for (unsigned i = 0; i <= TSN_NFT_DYN_MAX; i++) {
		snprintf(name, sizeof(name), "d%u", i);
		set(name, NFT_SET_EVAL, 4, 0, 0);
		r = rule(c, (uint64_t)i + 1, NULL);
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, R1);
		dynset(r, NFT_DYNSET_OP_ADD, R1, name);
	}
	set("seen", NFT_SET_EVAL, 4, 0, 0);
	r = rule(c, 99, "seen");
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, R1);
	lookup(r, R1, "seen", false, false);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
}
