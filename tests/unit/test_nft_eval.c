/* test_nft_eval.c - the nftables evaluator on rulesets built in memory:
 * chains, priorities and hooks, ct state, jumps and their caps, forks on
 * what a flow cannot decide, marks, devices, NAT, fib.  Sets and maps are
 * in test_nft_sets.c.  The same shapes are loaded into the real kernel by
 * tests/integration/test_nft.sh.
 */
#include "lib/json.h"
#include "lib/util.h"
#include "tests/unit/nft_build.h"

TestSuite(nft, .init = setup, .fini = teardown);

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
	cr_assert_eq(tsn_nft_expr_set_data(rs, e, &one, NULL, 4), 0);
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
	c->rules[1].exprs[0]->verdict = NF_ACCEPT;
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "numgen (inet filter input handle 1)"), "%s",
		  v.why);
}

Test(nft, missing_device_ends_the_rule)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 1, NULL);

	/* oifname "eth0" drop in an input chain never matches: the kernel
	 * loads an empty name there */
	meta(r, NFT_META_OIFNAME, R1);
	cmp(r, R1, NFT_CMP_EQ, "eth0", 5);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	/* ... so oifname != "eth0" matches every packet there */
	r->exprs[1]->key = NFT_CMP_NEQ;
	cr_assert_eq(run("esp"), TSN_NFT_DROP, "oifname != on input");
	r->exprs[1]->key = NFT_CMP_EQ;
	/* oiftype: no device, no type: the rule ends */
	r->exprs[0]->key = NFT_META_OIFTYPE;
	r->exprs[1]->key = NFT_CMP_NEQ;
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT, "oiftype != on input");
	r->exprs[0]->key = NFT_META_OIFNAME;
	r->exprs[1]->key = NFT_CMP_EQ;
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
	r = &c->rules[0];
	r->exprs[0]->flags = NFTA_FIB_F_SADDR | NFTA_FIB_F_IIF |
			     NFTA_FIB_F_PRESENT;
	r->exprs[0]->key = NFT_FIB_RESULT_OIF;
	cmp(r, R1, NFT_CMP_EQ, &zero, 1);	/* replaces the cmp */
	free(r->exprs[1]);
	r->exprs[1] = r->exprs[3];
	r->exprs[2]->op = TSN_NFT_IMMEDIATE;
	r->exprs[2]->verdict = NF_DROP;
	r->n_exprs = 3;
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

Test(nft, verdict_json_names_the_rule)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	udp_dport(rule(c, 7, "no \"ike\""), 500);
	verdict(&c->rules[0], NF_DROP, NULL);
	cr_assert_eq(run("udp500"), TSN_NFT_DROP);
	tsn_json_init(&j, &b, false);
	tsn_nft_verdict_json(&j, &v);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_assert(strstr(b.p, "\"verdict\":\"drop\""), "%s", b.p);
	cr_assert(strstr(b.p, "\"handle\":7"), "%s", b.p);
	cr_assert(strstr(b.p, "\"comment\":\"no \\\"ike\\\"\""), "%s", b.p);
	cr_assert(strstr(b.p, "\"hook\":\"input\""), "%s", b.p);
	tsn_buf_free(&b);
}

/* ct state BITS accept */
static void ct_accept(struct tsn_nft_chain *c, uint64_t h, uint32_t bits)
{
	struct tsn_nft_rule *r = rule(c, h, NULL);
	uint32_t zero = 0;

	ct(r, NFT_CT_STATE, R1);
	bitwise(r, R1, &bits, &zero, 4);
	cmp(r, R1, NFT_CMP_NEQ, &zero, 4);
	verdict(r, NF_ACCEPT, NULL);
}

/* Before conntrack (priority raw, -300) a packet has no entry yet: ct
 * state is invalid there, not new, in the kernel. */
Test(nft, ct_state_before_conntrack_is_invalid)
{
	struct tsn_nft_chain *raw = base(NFPROTO_INET, "raw", "pre",
					 NF_INET_PRE_ROUTING, -300, NF_DROP);

	ct_accept(raw, 1, 8 /* new */);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert(v.where.policy);
	ct_accept(raw, 2, 1 /* invalid */);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	raw->prio = -150;	/* after conntrack: new */
	raw->rules[1].skip = true;
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT);
	raw->prio = -200;	/* conntrack's own: either */
	cr_assert_eq(run("esp"), TSN_NFT_UNDECIDABLE);
}

/* udp dport 500 notrack, at raw priority: the input chain's ct state is
 * untracked for IKE, new for the rest. */
Test(nft, notrack_before_conntrack_leaves_it_untracked)
{
	struct tsn_nft_chain *raw = base(NFPROTO_INET, "raw", "pre",
					 NF_INET_PRE_ROUTING, -300, NF_ACCEPT);
	struct tsn_nft_chain *in = input(NF_DROP);
	struct tsn_nft_rule *r;

	udp_dport(r = rule(raw, 1, NULL), 500);
	ex(r, TSN_NFT_NOTRACK, "notrack");
	ct_accept(in, 2, 64 /* untracked */);
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT);
	cr_assert_eq(run("udp4500"), TSN_NFT_DROP, "tracked: new");
	raw->prio = 0;	/* after conntrack, notrack does nothing */
	cr_assert_eq(run("udp500"), TSN_NFT_DROP);
}

/* An ingress chain runs before conntrack too; a ct key other than the
 * state ends the rule there. */
Test(nft, ct_at_ingress)
{
	struct tsn_nft_chain *ing = base(NFPROTO_INET, "filter", "ing",
					 NF_INET_INGRESS, 0, NF_ACCEPT);
	struct tsn_nft_rule *r;
	uint32_t zero = 0;

	cr_assert_eq(tsn_nft_chain_set_base(ing, NF_INET_INGRESS, 0,
					    NF_ACCEPT, "filter", "eth0"), 0);
	r = rule(ing, 1, "ct mark");
	ct(r, NFT_CT_MARK, R1);
	cmp(r, R1, NFT_CMP_EQ, &zero, 4);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT, "no entry: the rule ends");
	ct_accept(ing, 2, 8 /* new */);
	r = rule(ing, 3, "not new");
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("esp"), TSN_NFT_DROP);
	cr_assert_eq(v.where.handle, 3);
}

/* After decryption a packet has a secpath: `meta ipsec exists drop`
 * drops the decrypted flow and not its cleartext twin, nor IKE. */
Test(nft, secpath_only_on_decrypted)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 3, "no decrypted");

	meta(r, NFT_META_SECPATH, R1);
	cmp8(r, R1, 1);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("decrypted"), TSN_NFT_DROP);
	cr_assert_eq(v.where.handle, 3);
	cr_assert_eq(run("cleartext"), TSN_NFT_ACCEPT);
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT);
}

/* `ipsec in ip saddr X drop` (nft_xfrm): the SA's source is the peer
 * for a decrypted packet; a packet without a secpath ends the rule, as
 * the kernel's NFT_BREAK; reqid is the SA's own (unknown: undecidable). */
Test(nft, xfrm_in_addresses_of_the_sa)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 4, NULL);
	struct tsn_nft_expr *e = ex(r, TSN_NFT_LOAD_UNKNOWN, "xfrm");

	e->dreg = R1;
	e->len = 16;
	e->key = NFT_XFRM_KEY_SADDR_IP4;
	e->flags = TSN_NFT_XFRM_DIR(0);
	cmp(r, R1, NFT_CMP_EQ, fl.peer, 4);
	verdict(r, NF_DROP, NULL);
	cr_assert_eq(run("decrypted"), TSN_NFT_DROP);
	cr_assert_eq(run("cleartext"), TSN_NFT_ACCEPT, "no secpath: break");
	e->key = NFT_XFRM_KEY_REQID;
	cr_assert_eq(run("decrypted"), TSN_NFT_UNDECIDABLE);
}

/* An ICMP error is related to the flow it is about: accepted by ct state
 * related, dropped by a policy that accepts only established ones. */
Test(nft, icmp_ptb_is_related)
{
	static const uint32_t est = 2, rel_est = 2 | 4;
	struct tsn_nft_chain *c = input(NF_DROP);
	struct tsn_nft_rule *r = rule(c, 5, NULL);

	ct(r, NFT_CT_STATE, R1);
	cmp(r, R1, NFT_CMP_EQ, &est, 4);
	verdict(r, NF_ACCEPT, NULL);
	cr_assert_eq(run("icmp-ptb"), TSN_NFT_DROP);
	cr_assert(v.where.policy);
	cr_assert_eq(fl.proto, IPPROTO_ICMP);
	r = rule(c, 6, NULL);
	ct(r, NFT_CT_STATE, R1);
	bitwise(r, R1, &rel_est, &(uint32_t){ 0 }, 4);
	cmp(r, R1, NFT_CMP_NEQ, &(uint32_t){ 0 }, 4);
	verdict(r, NF_ACCEPT, NULL);
	cr_assert_eq(run("icmp-ptb"), TSN_NFT_ACCEPT);
	fl.family = AF_INET6;
	cr_assert_eq(tsn_nft_flow_proto(&fl, "icmp-ptb"), 0);
	cr_assert_eq(fl.proto, IPPROTO_ICMPV6);
	cr_assert_eq(fl.icmp_type, 2, "packet-too-big");
}

/* `ipsec out reqid 7 drop` in output: IKE leaves through charon's
 * sockets, which bypass the policies, and ESP has left its SA: the
 * kernel finds no xfrm on their route and ends the rule, so they pass
 * (was undecidable: an SA was assumed on every outbound flow).  The
 * members' traffic under IPsec (a decrypted flow's outbound twin) has
 * one, sent from here to the peer. */
Test(nft, xfrm_out_breaks_for_ike_and_esp)
{
	struct tsn_nft_chain *c = base(NFPROTO_INET, "filter", "output",
				       NF_INET_LOCAL_OUT, 0, NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 7, "no sa out");
	struct tsn_nft_expr *e = ex(r, TSN_NFT_LOAD_UNKNOWN, "xfrm");

	e->dreg = R1;
	e->len = 4;
	e->key = NFT_XFRM_KEY_REQID;
	e->flags = TSN_NFT_XFRM_DIR(1);
	cmp(r, R1, NFT_CMP_EQ, &(uint32_t){ 7 }, 4);
	verdict(r, NF_DROP, NULL);
	fl.dir = TSN_NFT_OUT;
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT, "%s", v.why);
	cr_assert_eq(run("udp4500"), TSN_NFT_ACCEPT, "%s", v.why);
	cr_assert_eq(run("esp"), TSN_NFT_ACCEPT, "%s", v.why);
	cr_assert_eq(run("cleartext"), TSN_NFT_ACCEPT, "no SA without IPsec");
	cr_assert_eq(run("decrypted"), TSN_NFT_UNDECIDABLE, "the SA's reqid");
	cr_assert(strstr(v.why, "handle 7"), "%s", v.why);
}

/* On the output path the SA runs from here to the peer: `ipsec out ip
 * daddr PEER` matches the members' traffic under IPsec, `ipsec out ip
 * saddr PEER` does not (the addresses were the input path's). */
Test(nft, xfrm_out_addresses_from_here)
{
	struct tsn_nft_chain *c = base(NFPROTO_INET, "filter", "output",
				       NF_INET_LOCAL_OUT, 0, NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 8, NULL);
	struct tsn_nft_expr *e = ex(r, TSN_NFT_LOAD_UNKNOWN, "xfrm");

	e->dreg = R1;
	e->len = 4;
	e->key = NFT_XFRM_KEY_SADDR_IP4;
	e->flags = TSN_NFT_XFRM_DIR(1);
	cmp(r, R1, NFT_CMP_EQ, fl.peer, 4);
	verdict(r, NF_DROP, NULL);
	fl.dir = TSN_NFT_OUT;
	cr_assert_eq(run("decrypted"), TSN_NFT_ACCEPT);
	e->key = NFT_XFRM_KEY_DADDR_IP4;
	cr_assert_eq(run("decrypted"), TSN_NFT_DROP);
	cr_assert_eq(v.where.handle, 8);
	cr_assert_eq(run("udp500"), TSN_NFT_ACCEPT, "IKE bypasses the SA");
}
