/* test_nft_eval.c - the nftables evaluator on rulesets built in memory.
 *
 * Rules are written here the way nft compiles them (payload/meta/ct loads
 * into registers, bitwise, cmp, lookup, immediate verdicts), through the
 * same model functions the netlink reader uses.  The same shapes are
 * loaded into the real kernel by tests/integration/test_nft.sh.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "preflight/nft.h"

#define R1 16		/* NFT_REG_1 as a byte offset */
#define R32(n) (16 + 4 * (n))	/* NFT_REG32_n */

static struct tsn_nft_ruleset *rs;
static struct tsn_nft_flow fl;
static struct tsn_nft_verdict v;

static void setup(void)
{
	rs = tsn_nft_ruleset_new();
	cr_assert(rs);
	memset(&fl, 0, sizeof(fl));
	fl.family = AF_INET;
	fl.dir = TSN_NFT_IN;
	inet_pton(AF_INET, "198.18.20.1", fl.local);
	inet_pton(AF_INET, "198.18.20.2", fl.peer);
	strcpy(fl.ifname, "eth0");
	fl.ifindex = 2;
	fl.iftype = 1;
	tsn_nft_flow_proto(&fl, "udp500");
}

static void teardown(void)
{
	tsn_nft_ruleset_free(rs);
}

TestSuite(nft, .init = setup, .fini = teardown);

static struct tsn_nft_chain *base(int fam, const char *table,
				  const char *name, uint32_t hook, int prio,
				  int policy)
{
	struct tsn_nft_chain *c = tsn_nft_chain_add(rs, fam, table, name);

	cr_assert(c);
	cr_assert_eq(tsn_nft_chain_set_base(c, hook, prio, policy, "filter",
					    NULL), 0);
	return c;
}

static struct tsn_nft_chain *input(int policy)
{
	return base(NFPROTO_INET, "filter", "input", NF_INET_LOCAL_IN, 0,
		    policy);
}

static struct tsn_nft_expr *ex(struct tsn_nft_rule *r, enum tsn_nft_op op,
			       const char *name)
{
	struct tsn_nft_expr *e = tsn_nft_expr_add(r, op, name);

	cr_assert(e);
	return e;
}

static void payload(struct tsn_nft_rule *r, uint32_t b, uint32_t off,
		    uint8_t len, uint8_t reg)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_PAYLOAD, "payload");

	e->base = b;
	e->offset = off;
	e->len = len;
	e->dreg = reg;
}

static void meta(struct tsn_nft_rule *r, uint32_t key, uint8_t reg)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_META, "meta");

	e->key = key;
	e->dreg = reg;
}

static void ct(struct tsn_nft_rule *r, uint32_t key, uint8_t reg)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_CT, "ct");

	e->key = key;
	e->dreg = reg;
}

static void cmp(struct tsn_nft_rule *r, uint8_t reg, uint32_t op,
		const void *data, uint8_t len)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_CMP, "cmp");

	e->sreg = reg;
	e->key = op;
	e->len = len;
	memcpy(e->data, data, len);
}

static void cmp8(struct tsn_nft_rule *r, uint8_t reg, uint8_t val)
{
	cmp(r, reg, NFT_CMP_EQ, &val, 1);
}

static void bitwise(struct tsn_nft_rule *r, uint8_t reg, const void *mask,
		    const void *xor, uint8_t len)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_BITWISE, "bitwise");

	e->sreg = e->dreg = reg;
	e->len = len;
	memcpy(e->data, mask, len);
	memcpy(e->data2, xor, len);
}

static void verdict(struct tsn_nft_rule *r, int code, const char *chain)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_IMMEDIATE, "immediate");

	e->verdict = code;
	if (chain)
		cr_assert_eq(tsn_nft_expr_set_target(e, chain), 0);
}

static void lookup(struct tsn_nft_rule *r, uint8_t reg, const char *set,
		   bool map, bool inv)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_LOOKUP, "lookup");

	e->sreg = reg;
	e->flags = map ? TSN_NFT_LOOKUP_MAP : 0;
	e->inv = inv;
	cr_assert_eq(tsn_nft_expr_set_set(e, set), 0);
}

/* udp dport PORT: what nft emits for it. */
static void udp_dport(struct tsn_nft_rule *r, uint16_t port)
{
	uint16_t p = htons(port);

	meta(r, NFT_META_L4PROTO, R1);
	cmp8(r, R1, IPPROTO_UDP);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, R1);
	cmp(r, R1, NFT_CMP_EQ, &p, 2);
}

static struct tsn_nft_rule *rule(struct tsn_nft_chain *c, uint64_t h,
				 const char *comment)
{
	struct tsn_nft_rule *r = tsn_nft_rule_add(c, h, comment);

	cr_assert(r);
	return r;
}

static enum tsn_nft_result run(const char *proto)
{
	cr_assert_eq(tsn_nft_finish(rs), 0);
	cr_assert_eq(tsn_nft_flow_proto(&fl, proto), 0);
	cr_assert_eq(tsn_nft_eval(rs, &fl, &v), 0);
	return v.result;
}

Test(nft, empty_ruleset_accepts_everything)
{
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT);
	fl.dir = TSN_NFT_OUT;
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
}

Test(nft, policy_drop_is_named)
{
	input(NF_DROP);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert(v.where.policy);
	cr_assert_str_eq(v.where.chain, "input");
	cr_assert_str_eq(v.where.hook, "input");
	fl.dir = TSN_NFT_OUT;
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT, "input chain, output flow");
}

Test(nft, rule_drop_names_handle_and_comment)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	char text[300];

	udp_dport(rule(c, 7, "no ike"), 500);
	verdict(&c->rules[0], NF_DROP, NULL);
	cr_assert_eq(run("udp500"), TSN_NFT_DROP);
	cr_assert_eq(v.where.handle, 7);
	cr_assert_str_eq(v.where.comment, "no ike");
	tsn_nft_verdict_text(&v, text, sizeof(text));
	cr_assert_str_eq(text, "dropped by inet filter input handle 7 "
			       "\"no ike\" (input hook)");
	cr_assert_eq(run("udp4500"), TSN_NFT_ACCEPT);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT, "th dport on ESP is the SPI, "
		     "but l4proto udp failed first");
}

Test(nft, accept_in_one_base_chain_does_not_stop_another)
{
	struct tsn_nft_chain *a = base(NFPROTO_INET, "a", "in", NF_INET_LOCAL_IN,
				       -10, NF_ACCEPT);
	struct tsn_nft_chain *b = base(NFPROTO_IPV4, "b", "in", NF_INET_LOCAL_IN,
				       10, NF_ACCEPT);
	struct tsn_nft_rule *r;

	verdict(rule(a, 1, NULL), NF_ACCEPT, NULL);
	r = rule(b, 2, "esp");
	meta(r, NFT_META_L4PROTO, R1);
	cmp8(r, R1, IPPROTO_ESP);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert_str_eq(v.where.table, "b");
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT);
	fl.family = AF_INET6;
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT, "table b is ip, not ip6");
}

Test(nft, prerouting_drop_stops_before_input)
{
	struct tsn_nft_chain *p = base(NFPROTO_IPV4, "raw", "pre",
				       NF_INET_PRE_ROUTING, -300, NF_DROP);

	(void)p;
	input(NF_ACCEPT);
	cr_assert_eq(run("udp500"), TSN_NFT_DROP);
	cr_assert_str_eq(v.where.hook, "prerouting");
}

/* ct state established,related accept; ct state invalid drop */
static void ct_rules(struct tsn_nft_chain *c)
{
	uint32_t est_rel = 2 | 4, invalid = 1, zero = 0;
	struct tsn_nft_rule *r = rule(c, 1, NULL);

	ct(r, NFT_CT_STATE, R1);
	bitwise(r, R1, &est_rel, &zero, 4);
	cmp(r, R1, NFT_CMP_NEQ, &zero, 4);
	verdict(r, NF_ACCEPT, NULL);
	r = rule(c, 2, "invalid");
	ct(r, NFT_CT_STATE, R1);
	bitwise(r, R1, &invalid, &zero, 4);
	cmp(r, R1, NFT_CMP_NEQ, &zero, 4);
	verdict(r, NF_DROP, NULL);
}

Test(nft, ct_state_new_and_established)
{
	ct_rules(input(NF_DROP));
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert(v.where.policy, "new ESP is not invalid: policy drops it");
	fl.established = true;
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
}

Test(nft, jump_return_and_goto)
{
	struct tsn_nft_chain *c = input(NF_DROP);
	struct tsn_nft_chain *sub = tsn_nft_chain_add(rs, NFPROTO_INET,
						      "filter", "sub");
	struct tsn_nft_chain *gt = tsn_nft_chain_add(rs, NFPROTO_INET,
						     "filter", "gt");
	struct tsn_nft_rule *r;

	verdict(rule(c, 1, NULL), NFT_JUMP, "sub");
	verdict(rule(c, 2, NULL), NF_ACCEPT, NULL);
	/* sub: udp/500 returns, udp/4500 goes to gt, the rest drops */
	udp_dport(r = rule(sub, 3, NULL), 500);
	verdict(r, NFT_RETURN, NULL);
	udp_dport(r = rule(sub, 4, NULL), 4500);
	verdict(r, NFT_GOTO, "gt");
	verdict(rule(sub, 5, "sub drop"), NF_DROP, NULL);
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert_str_eq(v.where.comment, "sub drop");
	/* gt is empty: falling off it returns to where sub was jumped to
	 * from (goto replaced sub), so input's accept runs and sub's drop
	 * does not. */
	cr_assert_eq(run("udp4500"), TSN_NFT_ACCEPT);
	cr_assert(gt);
}

Test(nft, deep_jump_chains_hit_the_cap)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	char name[16], next[16];

	verdict(rule(c, 1, NULL), NFT_JUMP, "c1");
	for (int i = 1; i <= 100; i++) {
		struct tsn_nft_chain *d;

		snprintf(name, sizeof(name), "c%d", i);
		snprintf(next, sizeof(next), "c%d", i + 1);
		d = tsn_nft_chain_add(rs, NFPROTO_INET, "filter", name);
		if (i < 100)
			verdict(rule(d, 10 + i, NULL), NFT_JUMP, next);
		else
			verdict(rule(d, 10 + i, NULL), NF_DROP, NULL);
	}
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "deeper than 16"), "%s", v.why);
}

Test(nft, jump_loop_terminates)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_chain *x = tsn_nft_chain_add(rs, NFPROTO_INET,
						    "filter", "x");
	struct tsn_nft_chain *y = tsn_nft_chain_add(rs, NFPROTO_INET,
						    "filter", "y");

	verdict(rule(c, 1, NULL), NFT_JUMP, "x");
	verdict(rule(x, 2, NULL), NFT_JUMP, "y");
	verdict(rule(y, 3, NULL), NFT_GOTO, "x");
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
}

Test(nft, missing_jump_target_is_undecidable)
{
	verdict(rule(input(NF_ACCEPT), 1, NULL), NFT_JUMP, "nowhere");
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "missing chain nowhere"), "%s", v.why);
}

static void xt_match(struct tsn_nft_rule *r)
{
	ex(r, TSN_NFT_MATCH_UNKNOWN, "xt match conntrack");
}

Test(nft, xt_match_forks_and_names_itself)
{
	struct tsn_nft_chain *c = input(NF_DROP);
	struct tsn_nft_rule *r;

	udp_dport(r = rule(c, 2, NULL), 500);
	verdict(r, NF_DROP, NULL);
	xt_match(r = rule(c, 3, NULL));
	verdict(r, NF_ACCEPT, NULL);
	udp_dport(r = rule(c, 4, NULL), 4500);
	verdict(r, NF_ACCEPT, NULL);
	cr_assert_eq(run("udp500"), TSN_NFT_DROP, "decided before the xt match");
	cr_assert_eq(run("udp4500"), TSN_NFT_ACCEPT, "accepted either way");
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "xt match conntrack (inet filter input handle 3)"),
		  "%s", v.why);
}

Test(nft, many_forks_stay_linear)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);

	/* 2^200 paths if every fork ran the rest of the chain. */
	for (int i = 0; i < 200; i++)
		xt_match(rule(c, (uint64_t)i + 1, NULL));
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	cr_assert_lt(v.steps, 10000);
}

static struct tsn_nft_set *set(const char *name, uint32_t flags,
			       uint32_t klen, uint32_t dtype, uint32_t dlen)
{
	struct tsn_nft_set *s = tsn_nft_set_add(rs, NFPROTO_INET, "filter",
						name, flags, klen, dtype, dlen);

	cr_assert(s);
	return s;
}

static void elem(struct tsn_nft_set *s, const void *key, uint32_t flags,
		 int vcode, const char *chain)
{
	cr_assert_eq(tsn_nft_elem_add(s, key, NULL, flags, vcode, chain, NULL,
				      0), 0);
}

Test(nft, anonymous_set_and_inverted_lookup)
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
	c->rules[0].exprs[3].inv = true;	/* udp dport != { 500, 4500 } */
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT);
}

/* ip saddr in an rbtree interval set: start elements and end elements
 * one past each range, in the scrambled order a dump may give. */
Test(nft, interval_set_from_rbtree_elements)
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

Test(nft, iifname_vmap_and_wildcard)
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

Test(nft, interval_vmap)
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

Test(nft, concatenation_vmap)
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

Test(nft, interval_concatenation_is_undecidable)
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

Test(nft, mark_follows_the_path)
{
	struct tsn_nft_chain *pre = base(NFPROTO_INET, "m", "pre",
					 NF_INET_PRE_ROUTING, -150, NF_ACCEPT);
	struct tsn_nft_chain *in = input(NF_ACCEPT);
	uint32_t one = 1;
	struct tsn_nft_rule *r;
	struct tsn_nft_expr *e;

	/* udp dport 4500 meta mark set 0x1 */
	udp_dport(r = rule(pre, 1, NULL), 4500);
	e = ex(r, TSN_NFT_IMMEDIATE, "immediate");
	e->dreg = R1;
	e->len = 4;
	memcpy(e->data, &one, 4);
	e = ex(r, TSN_NFT_META_SET, "meta mark");
	e->key = NFT_META_MARK;
	e->sreg = R1;
	/* meta mark 0x1 drop */
	r = rule(in, 2, "marked");
	meta(r, NFT_META_MARK, R1);
	cmp(r, R1, NFT_CMP_EQ, &one, 4);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("udp4500"), TSN_NFT_DROP);
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT, "mark stays 0");
	/* An xt MARK target sets something we cannot read. */
	e = ex(&pre->rules[0], TSN_NFT_META_SET, "xt target MARK");
	e->key = NFT_META_MARK;
	cr_assert_eq(run("udp4500"), TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "meta"), "%s", v.why);
}

Test(nft, limit_quota_reject_queue)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r;

	/* limit rate over 10/second drop: one packet is never over */
	udp_dport(r = rule(c, 1, NULL), 500);
	ex(r, TSN_NFT_BREAK, "limit");
	verdict(r, NF_DROP, NULL);
	/* limit rate 10/second reject: one packet is within */
	udp_dport(r = rule(c, 2, "rejected"), 500);
	ex(r, TSN_NFT_NOP, "limit");
	ex(r, TSN_NFT_NOP, "counter");
	ex(r, TSN_NFT_REJECT, "reject");
	/* queue */
	meta(r = rule(c, 3, NULL), NFT_META_L4PROTO, R1);
	cmp8(r, R1, IPPROTO_ESP);
	ex(r, TSN_NFT_TERM_UNKNOWN, "queue");
	cr_assert_eq(run("udp500"), TSN_NFT_DROP);
	cr_assert_eq(v.where.handle, 2);
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "queue"), "%s", v.why);
	cr_assert_eq(run("udp4500"), TSN_NFT_ACCEPT);
}

static void numgen(struct tsn_nft_rule *r)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_LOAD_UNKNOWN, "numgen");
	uint32_t zero = 0;

	e->dreg = R1;
	e->len = 4;
	cmp(r, R1, NFT_CMP_EQ, &zero, 4);
}

Test(nft, random_numbers_decide_only_when_both_ways_agree)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r;

	numgen(r = rule(c, 1, NULL));
	verdict(r, NF_DROP, NULL);
	verdict(rule(c, 2, "all"), NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_DROP, "dropped on both paths");
	c->rules[1].exprs[0].verdict = NF_ACCEPT;
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "numgen (inet filter input handle 1)"), "%s",
		  v.why);
}

Test(nft, missing_device_ends_the_rule)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 1, NULL);

	/* oifname "eth0" drop in an input chain never matches */
	meta(r, NFT_META_OIFNAME, R1);
	cmp(r, R1, NFT_CMP_EQ, "eth0", 5);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	/* iif index */
	r = rule(c, 2, "iif 2");
	meta(r, NFT_META_IIF, R1);
	cmp(r, R1, NFT_CMP_EQ, &fl.ifindex, 4);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	fl.ifindex = 0;
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE, "index not known");
}

Test(nft, ip6_prefix_match)
{
	struct tsn_nft_chain *c = base(NFPROTO_IPV6, "f6", "input",
				       NF_INET_LOCAL_IN, 0, NF_DROP);
	uint8_t mask[16], zero[16] = { 0 }, pfx[16];
	struct tsn_nft_rule *r = rule(c, 1, "cluster6");

	memset(mask, 0xff, 8);
	memset(mask + 8, 0, 8);
	inet_pton(AF_INET6, "fd00:7473:20::", pfx);
	payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, R1);
	bitwise(r, R1, mask, zero, 16);
	cmp(r, R1, NFT_CMP_EQ, pfx, 16);
	verdict(r, NF_ACCEPT, NULL);
	fl.family = AF_INET6;
	inet_pton(AF_INET6, "fd00:7473:20::1", fl.local);
	inet_pton(AF_INET6, "fd00:7473:20::2", fl.peer);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	inet_pton(AF_INET6, "fd00:7473:21::2", fl.peer);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	fl.family = AF_INET;
	inet_pton(AF_INET, "198.18.20.2", fl.peer);
	inet_pton(AF_INET, "198.18.20.1", fl.local);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT, "ip6 table, ip flow");
}

Test(nft, output_and_postrouting)
{
	struct tsn_nft_chain *c = base(NFPROTO_IPV4, "f", "post",
				       NF_INET_POST_ROUTING, 100, NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 4, "no esp out");

	meta(r, NFT_META_L4PROTO, R1);
	cmp8(r, R1, IPPROTO_ESP);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	fl.dir = TSN_NFT_OUT;
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert_str_eq(v.where.hook, "postrouting");
}

Test(nft, nat_chains_see_only_new_connections)
{
	struct tsn_nft_chain *c = base(NFPROTO_IPV4, "nat", "pre",
				       NF_INET_PRE_ROUTING, -100, NF_ACCEPT);

	free(c->type);
	c->type = strdup("nat");
	ex(rule(c, 1, NULL), TSN_NFT_TERM_UNKNOWN, "nat");
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
	fl.established = true;
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
}

Test(nft, fib_daddr_type_local_and_rpfilter)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 1, "to me");
	struct tsn_nft_expr *e = ex(r, TSN_NFT_FIB, "fib");
	uint32_t local = 2;	/* RTN_LOCAL */
	uint8_t zero = 0;

	e->key = NFT_FIB_RESULT_ADDRTYPE;
	e->flags = NFTA_FIB_F_DADDR;
	e->dreg = R1;
	cmp(r, R1, NFT_CMP_EQ, &local, 4);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	/* fib saddr . iif oif missing drop: the peer is routable */
	c->rules[0].exprs[0].flags = NFTA_FIB_F_SADDR | NFTA_FIB_F_IIF |
				     NFTA_FIB_F_PRESENT;
	c->rules[0].exprs[0].key = NFT_FIB_RESULT_OIF;
	cmp(&c->rules[0], R1, NFT_CMP_EQ, &zero, 1);
	memmove(&c->rules[0].exprs[1], &c->rules[0].exprs[3],
		sizeof(c->rules[0].exprs[1]));
	memset(&c->rules[0].exprs[3], 0, sizeof(c->rules[0].exprs[3]));
	c->rules[0].exprs[2].op = TSN_NFT_IMMEDIATE;
	c->rules[0].exprs[2].verdict = NF_DROP;
	c->rules[0].n_exprs = 3;
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
}

Test(nft, netdev_ingress_only_on_its_device)
{
	struct tsn_nft_chain *c = tsn_nft_chain_add(rs, NFPROTO_NETDEV, "nd",
						    "ingress");

	cr_assert_eq(tsn_nft_chain_set_base(c, NF_NETDEV_INGRESS, 0, NF_DROP,
					    "filter", "eth1"), 0);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	strcpy(fl.ifname, "eth1");
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert_str_eq(v.where.hook, "ingress");
}

/* 10,000 rules and a 100,000-element set: milliseconds, not seconds. */
Test(nft, large_rulesets_are_fast)
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

Test(nft, flow_proto_names)
{
	struct tsn_nft_flow f;

	cr_assert_eq(tsn_nft_flow_proto(&f, "udp4500"), 0);
	cr_assert_eq(f.dport, 4500);
	cr_assert_eq(tsn_nft_flow_proto(&f, "udp500"), 0);
	cr_assert_eq(f.sport, 500);
	cr_assert_eq(tsn_nft_flow_proto(&f, "esp"), 0);
	cr_assert_eq(f.proto, IPPROTO_ESP);
	cr_assert_eq(tsn_nft_flow_proto(&f, "gre"), -EINVAL);
	cr_assert_eq(tsn_nft_reg_offset(NFT_REG_1), 16);
	cr_assert_eq(tsn_nft_reg_offset(NFT_REG32_15), 76);
	cr_assert_eq(tsn_nft_reg_offset(99), -1);
}
