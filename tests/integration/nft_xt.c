/* nft_xt.c - load what `iptables-nft` would for these rules, for
 * test_nft.sh on hosts without iptables-nft:
 *
 *   iptables-nft -P INPUT DROP
 *   iptables-nft -A INPUT -p udp --dport 500 -j DROP
 *   iptables-nft -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED \
 *                -j ACCEPT
 *   iptables-nft -A INPUT -p udp --dport 4500 -j ACCEPT
 *
 * -p/--dport compile to native payload and cmp expressions; -m conntrack
 * stays an xt match run by nft_compat in the kernel, as iptables-nft
 * leaves it.  Sent as one batch in the current network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_conntrack.h>

static void add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	nftnl_rule_add_expr(r, e);
}

static void payload_cmp(struct nftnl_rule *r, uint32_t base, uint32_t off,
			const void *val, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	add(r, e);
	e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, val, len);
	add(r, e);
}

static void verdict(struct nftnl_rule *r, int v)
{
	struct nftnl_expr *e = nftnl_expr_alloc("counter");

	add(r, e);
	e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	add(r, e);
}

static struct nftnl_rule *rule(void)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, "filter");
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "INPUT");
	return r;
}

static struct nftnl_rule *udp_port(uint16_t port, int v)
{
	struct nftnl_rule *r = rule();
	uint8_t udp = 17;
	uint16_t p = htons(port);

	payload_cmp(r, NFT_PAYLOAD_NETWORK_HEADER, 9, &udp, 1);
	payload_cmp(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, &p, 2);
	verdict(r, v);
	return r;
}

static struct nftnl_rule *conntrack_accept(void)
{
	struct xt_conntrack_mtinfo3 info;
	struct nftnl_rule *r = rule();
	struct nftnl_expr *e = nftnl_expr_alloc("match");
	size_t len = XT_ALIGN(sizeof(info));
	void *p = calloc(1, len);

	memset(&info, 0, sizeof(info));
	info.match_flags = XT_CONNTRACK_STATE;
	info.state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) |
			  XT_CONNTRACK_STATE_BIT(IP_CT_RELATED);
	memcpy(p, &info, sizeof(info));
	nftnl_expr_set_str(e, NFTNL_EXPR_MT_NAME, "conntrack");
	nftnl_expr_set_u32(e, NFTNL_EXPR_MT_REV, 3);
	/* libnftnl keeps (and later frees) the info buffer itself. */
	nftnl_expr_set_data(e, NFTNL_EXPR_MT_INFO, p, (uint32_t)len);
	add(r, e);
	verdict(r, NF_ACCEPT);
	return r;
}

int main(void)
{
	char *buf = calloc(1, 1 << 16);
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, 1 << 16);
	uint32_t seq = (uint32_t)time(NULL), portid;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nftnl_rule *rules[3] = { udp_port(500, NF_DROP),
					conntrack_accept(),
					udp_port(4500, NF_ACCEPT) };
	struct nlmsghdr *nlh;
	int ret;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("netlink");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_IPV4);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, "filter");
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "INPUT");
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_DROP);

	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	nlh = nftnl_table_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
			NFT_MSG_NEWTABLE, NFPROTO_IPV4, NLM_F_CREATE | NLM_F_ACK,
			seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	mnl_nlmsg_batch_next(b);
	nlh = nftnl_chain_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
			NFT_MSG_NEWCHAIN, NFPROTO_IPV4, NLM_F_CREATE | NLM_F_ACK,
			seq++);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	mnl_nlmsg_batch_next(b);
	for (int i = 0; i < 3; i++) {
		nlh = nftnl_rule_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
				NFT_MSG_NEWRULE, NFPROTO_IPV4,
				NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, seq++);
		nftnl_rule_nlmsg_build_payload(nlh, rules[i]);
		mnl_nlmsg_batch_next(b);
		nftnl_rule_free(rules[i]);
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b),
			      mnl_nlmsg_batch_size(b)) < 0) {
		perror("send");
		return 1;
	}
	/* One ACK per message (table, chain, three rules). */
	for (int acks = 0; acks < 5; acks++) {
		ret = (int)mnl_socket_recvfrom(nl, buf, 1 << 16);
		if (ret < 0 || mnl_cb_run(buf, (size_t)ret, 0, portid, NULL,
					  NULL) < 0) {
			fprintf(stderr, "nft_xt: %s\n", strerror(errno));
			return 1;
		}
	}
	mnl_nlmsg_batch_stop(b);
	nftnl_table_free(t);
	nftnl_chain_free(c);
	mnl_socket_close(nl);
	free(buf);
	return 0;
}
