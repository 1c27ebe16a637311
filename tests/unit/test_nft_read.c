/* test_nft_read.c - the netlink reader on dumps recorded from the kernel.
 *
 * The files tests/fuzz/corpus/nft/NAME.bin hold the dump messages the kernel
 * sent for rulesets of tests/data/nft (loaded with the real nft), saved
 * as they came by tests/helpers/nft_record.  Parsing them needs no privileges and no kernel, so the
 * reader's conversion is checked here in every `make unit`, and the
 * verdicts must be those the integration test gets from the live kernel.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "lib/util.h"
#include "nft/nft.h"

static struct tsn_nft_ruleset *load(const char *name)
{
	char path[128], *buf;
	struct tsn_nft_ruleset *rs = tsn_nft_ruleset_new();
	size_t len, off = 0;

	snprintf(path, sizeof(path), "tests/fuzz/corpus/nft/%s.bin", name);
	cr_assert_eq(tsn_read_file(path, 1 << 20, &buf, &len), 0, "%s", path);
	while (len - off >= NLMSG_HDRLEN) {
		struct nlmsghdr nh;

		memcpy(&nh, buf + off, sizeof(nh));
		cr_assert(nh.nlmsg_len >= NLMSG_HDRLEN && nh.nlmsg_len <= len - off);
		cr_assert_eq(tsn_nft_parse_msg(rs, (struct nlmsghdr *)(buf + off)),
			     0, "%s: message at %zu", name, off);
		off += NLMSG_ALIGN(nh.nlmsg_len);
	}
	free(buf);
	cr_assert_eq(tsn_nft_finish(rs), 0);
	return rs;
}

static struct tsn_nft_verdict eval(struct tsn_nft_ruleset *rs, int dir,
				   const char *proto, bool est)
{
	struct tsn_nft_verdict v;
	struct tsn_nft_flow f;

	memset(&f, 0, sizeof(f));
	f.family = AF_INET;
	f.dir = (enum tsn_nft_dir)dir;
	f.established = est;
	inet_pton(AF_INET, "198.18.20.1", f.local);
	inet_pton(AF_INET, "198.18.20.2", f.peer);
	strcpy(f.ifname, "eth0");
	f.ifindex = 2;
	tsn_nft_flow_proto(&f, proto);
	cr_assert_eq(tsn_nft_eval(rs, &f, &v), 0);
	return v;
}

Test(nft_read, host_firewall)
{
	struct tsn_nft_ruleset *rs = load("hostfw-drop");
	struct tsn_nft_verdict v = eval(rs, TSN_NFT_IN, "esp", false);

	cr_assert_eq(rs->n_tables, 1);
	cr_assert_eq(v.result, TSN_NFT_DROP);
	cr_assert(v.where.policy);
	cr_assert_str_eq(v.where.chain, "input");
	cr_assert_eq(eval(rs, TSN_NFT_IN, "esp", true).result, TSN_NFT_ACCEPT);
	cr_assert_eq(eval(rs, TSN_NFT_OUT, "udp500", false).result,
		     TSN_NFT_ACCEPT);
	tsn_nft_ruleset_free(rs);
	rs = load("hostfw-ipsec");
	cr_assert_eq(eval(rs, TSN_NFT_IN, "esp", false).result, TSN_NFT_ACCEPT);
	cr_assert_eq(eval(rs, TSN_NFT_IN, "udp4500", false).result,
		     TSN_NFT_ACCEPT);
	tsn_nft_ruleset_free(rs);
}

Test(nft_read, firewalld_docker_kube_proxy)
{
	struct tsn_nft_ruleset *rs = load("firewalld");
	struct tsn_nft_verdict v = eval(rs, TSN_NFT_IN, "udp500", false);

	cr_assert_eq(v.result, TSN_NFT_DROP);
	cr_assert_str_eq(v.where.chain, "filter_INPUT");
	cr_assert_not(v.where.policy, "the final reject rule");
	tsn_nft_ruleset_free(rs);
	rs = load("docker");
	cr_assert_eq(eval(rs, TSN_NFT_IN, "esp", false).result, TSN_NFT_ACCEPT);
	cr_assert_eq(eval(rs, TSN_NFT_OUT, "udp4500", false).result,
		     TSN_NFT_ACCEPT);
	tsn_nft_ruleset_free(rs);
	rs = load("kube-proxy");
	for (int d = TSN_NFT_IN; d <= TSN_NFT_OUT; d++) {
		cr_assert_eq(eval(rs, d, "esp", false).result, TSN_NFT_ACCEPT);
		cr_assert_eq(eval(rs, d, "udp500", false).result,
			     TSN_NFT_ACCEPT);
	}
	tsn_nft_ruleset_free(rs);
}

Test(nft_read, undecidable_and_xt)
{
	struct tsn_nft_ruleset *rs = load("undecidable");
	struct tsn_nft_verdict v = eval(rs, TSN_NFT_IN, "udp500", false);

	cr_assert_eq(v.result, TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "numgen"), "%s", v.why);
	v = eval(rs, TSN_NFT_IN, "udp4500", false);
	cr_assert_eq(v.result, TSN_NFT_DROP);
	cr_assert_str_eq(v.where.comment, "marked nat-t");
	tsn_nft_ruleset_free(rs);
	rs = load("iptables-nft");
	v = eval(rs, TSN_NFT_IN, "esp", false);
	cr_assert_eq(v.result, TSN_NFT_UNDECIDABLE);
	cr_assert(strstr(v.why, "xt match conntrack"), "%s", v.why);
	cr_assert_eq(eval(rs, TSN_NFT_IN, "udp500", false).result,
		     TSN_NFT_DROP);
	tsn_nft_ruleset_free(rs);
}

/* Bytes the kernel never sends are refused, not trusted. */
Test(nft_read, malformed_messages_are_refused)
{
	struct tsn_nft_ruleset *rs = tsn_nft_ruleset_new();
	uint8_t buf[64] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	uint16_t alen = 4 + 3;	/* NFTA_TABLE_NAME "ab" without its NUL */

	nlh->nlmsg_len = NLMSG_HDRLEN + 4 + 8;
	nlh->nlmsg_type = 10 << 8;	/* NFNL_SUBSYS_NFTABLES, NEWTABLE */
	memcpy(buf + NLMSG_HDRLEN + 4, &alen, 2);
	buf[NLMSG_HDRLEN + 4 + 2] = 1;	/* NFTA_TABLE_NAME */
	memcpy(buf + NLMSG_HDRLEN + 8, "abc", 3);
	cr_assert_eq(tsn_nft_parse_msg(rs, nlh), -EINVAL);
	buf[NLMSG_HDRLEN + 8 + 2] = '\0';	/* "ab\0": now a string */
	cr_assert_eq(tsn_nft_parse_msg(rs, nlh), 0);
	cr_assert_eq(rs->n_tables, 1);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;	/* shorter than nfgenmsg */
	cr_assert_eq(tsn_nft_parse_msg(rs, nlh), -EINVAL);
	tsn_nft_ruleset_free(rs);
}

/* A rule of more expressions than the kernel allows (128; the model
 * keeps 16 bits of count and takes up to 1,024) is read as one unknown
 * expression that says so, not cut short or refused. */
Test(nft_read, too_many_expressions)
{
	static char buf[1 << 16];
	struct tsn_nft_ruleset *rs = tsn_nft_ruleset_new();
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nftnl_rule *r = nftnl_rule_alloc();
	const struct tsn_nft_rule *got;
	struct nlmsghdr *nlh;
	char name[TSN_NFT_NAME_MAX];

	cr_assert(rs && t && c && r);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, "filter");
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWTABLE, NFPROTO_INET, 0, 1);
	nftnl_table_nlmsg_build_payload(nlh, t);
	cr_assert_eq(tsn_nft_parse_msg(rs, nlh), 0);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, "filter");
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "input");
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWCHAIN, NFPROTO_INET, 0, 2);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	cr_assert_eq(tsn_nft_parse_msg(rs, nlh), 0);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, "filter");
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "input");
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, 7);
	for (int i = 0; i < TSN_NFT_EXPRS_MAX + 1; i++)
		nftnl_rule_add_expr(r, nftnl_expr_alloc("counter"));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWRULE, NFPROTO_INET, 0, 3);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	cr_assert_lt(nlh->nlmsg_len, sizeof(buf));
	cr_assert_eq(tsn_nft_parse_msg(rs, nlh), 0);
	cr_assert_eq(tsn_nft_finish(rs), 0);
	cr_assert_eq(rs->n_chains, 1);
	cr_assert_eq(rs->chains[0]->n_rules, 1);
	got = &rs->chains[0]->rules[0];
	cr_assert_eq(got->handle, 7);
	cr_assert_eq(got->n_exprs, 1);
	cr_assert_eq(got->exprs[0]->op, TSN_NFT_TERM_UNKNOWN);
	cr_assert_str_eq(tsn_nft_expr_name(got->exprs[0], name, sizeof(name)),
			 "more expressions than the kernel allows");
	nftnl_rule_free(r);
	nftnl_chain_free(c);
	nftnl_table_free(t);
	tsn_nft_ruleset_free(rs);
}

/* Sets written from the packet path, recorded from the kernel: the
 * same verdicts test_nft gets from real packets. */
Test(nft_read, dynsets)
{
	struct tsn_nft_ruleset *rs = load("dynset");
	struct tsn_nft_verdict v = eval(rs, TSN_NFT_IN, "udp500", false);

	cr_assert_eq(v.result, TSN_NFT_DROP, "added, then looked up");
	cr_assert_str_eq(v.where.comment, "seen4");
	cr_assert_eq(eval(rs, TSN_NFT_IN, "udp4500", false).result,
		     TSN_NFT_ACCEPT, "deleted before the lookup");
	cr_assert_eq(eval(rs, TSN_NFT_IN, "esp", false).result,
		     TSN_NFT_ACCEPT);
	tsn_nft_ruleset_free(rs);
}

/* Ingress and raw priority, before conntrack; notrack there. */
Test(nft_read, before_conntrack)
{
	struct tsn_nft_ruleset *rs = load("before-conntrack");
	struct tsn_nft_verdict v = eval(rs, TSN_NFT_IN, "udp4500", false);

	cr_assert_eq(v.result, TSN_NFT_DROP);
	cr_assert_str_eq(v.where.comment, "invalid before conntrack");
	cr_assert_eq(eval(rs, TSN_NFT_IN, "udp500", false).result,
		     TSN_NFT_ACCEPT, "untracked after notrack");
	cr_assert_eq(eval(rs, TSN_NFT_IN, "esp", false).result,
		     TSN_NFT_ACCEPT, "never new at ingress");
	tsn_nft_ruleset_free(rs);
}
