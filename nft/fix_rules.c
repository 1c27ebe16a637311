/* fix_rules.c - the nf_tables messages of `preflight --fix`, built with
 * libnftnl into a tsn_nfnl batch, and the same change as nft syntax.
 *
 * Rules carry the match nft itself would build, so `nft list ruleset`
 * prints them back as
 *   ip saddr @members4 udp dport { 500, 4500 } accept
 *   ip saddr @members4 meta l4proto esp accept
 * (with meta nfproto first in inet tables, and ip6 the same way).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "lib/nfnl.h"
#include "nft/fix.h"
#include "nft/nft.h"

#define TYPE_IPADDR 7		/* nft's datatype numbers, for printing */
#define TYPE_IP6ADDR 8
#define TYPE_INET_SERVICE 13
#define ELEMS_PER_MSG 1024	/* keeps each message well under 64 KiB */

struct owner_ctx {
	bool exists, ours;
};

static int owner_cb(const struct nlmsghdr *nlh, void *data)
{
	struct owner_ctx *o = data;
	struct nftnl_table *t = nftnl_table_alloc();
	const char *name;
	const void *ud;
	uint32_t len = 0;

	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) < 0)
		goto out;
	name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);
	if (!name || strcmp(name, TSN_FIX_TABLE) ||
	    nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY) != NFPROTO_INET)
		goto out;
	o->exists = true;
	/* Our comment is exactly one TLV: type 0, "tsnet\0". */
	ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
	o->ours = ud && len == 2 + sizeof(TSN_FIX_TABLE_TAG) &&
		  ((const uint8_t *)ud)[0] == NFTNL_UDATA_TABLE_COMMENT &&
		  ((const uint8_t *)ud)[1] == sizeof(TSN_FIX_TABLE_TAG) &&
		  !memcmp((const uint8_t *)ud + 2, TSN_FIX_TABLE_TAG,
			  sizeof(TSN_FIX_TABLE_TAG));
out:
	nftnl_table_free(t);
	return MNL_CB_OK;
}

int tsn_fix_table_owner(struct tsn_nfnl *nl, bool *exists, bool *ours)
{
	struct owner_ctx o = { 0 };
	int ret;

	ret = tsn_nfnl_dump(nl, NFT_MSG_GETTABLE, NFPROTO_INET, owner_cb, &o);
	*exists = o.exists;
	*ours = o.ours;
	return ret;
}

static int put_comment(void *obj, bool table, uint8_t type, const char *s)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(256);
	int ret = -ENOMEM;

	if (!u)
		return -ENOMEM;
	if (nftnl_udata_put_strz(u, type, s)) {
		if (table)
			nftnl_table_set_data(obj, NFTNL_TABLE_USERDATA,
					     nftnl_udata_buf_data(u),
					     nftnl_udata_buf_len(u));
		else
			nftnl_rule_set_data(obj, NFTNL_RULE_USERDATA,
					    nftnl_udata_buf_data(u),
					    nftnl_udata_buf_len(u));
		ret = 0;
	}
	nftnl_udata_buf_free(u);
	return ret;
}

/* One set: the set message, then its elements in chunks.  name may be
 * "__set%d" (anonymous, constant: bound to the rule that uses it). */
/* One NEWSETELEM message's elements, keys only, as the kernel reads
 * them: each an NFTA_LIST_ELEM holding its key in NFTA_SET_ELEM_KEY's
 * NFTA_DATA_VALUE.  Built here, three attributes an element, not as a
 * libnftnl element each (an allocation, a list entry and a free apiece:
 * most of the time of a batch with 3,000 of them). */
static void put_keys(struct nlmsghdr *nlh, const char *table,
		     const char *name, uint32_t id, uint32_t klen,
		     const uint8_t *keys, size_t n)
{
	struct nlattr *list;

	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, name);
	mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(id));
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (size_t i = 0; i < n; i++) {
		struct nlattr *el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		struct nlattr *key = mnl_attr_nest_start(nlh,
							 NFTA_SET_ELEM_KEY);

		mnl_attr_put(nlh, NFTA_DATA_VALUE, klen, keys + i * klen);
		mnl_attr_nest_end(nlh, key);
		mnl_attr_nest_end(nlh, el);
	}
	mnl_attr_nest_end(nlh, list);
}

static int put_set(struct tsn_nfnl *nl, int family, const char *table,
		   const char *name, uint32_t id, uint32_t type,
		   uint32_t klen, const uint8_t *keys, size_t n)
{
	bool anon = !strcmp(name, "__set%d");
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)family);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, klen);
	/* As nft does: an anonymous set says its size, and the kernel
	 * gives it a hash of that size instead of one that grows
	 * (rehashing) as a thousand members go in. */
	if (anon)
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS,
				  NFT_SET_ANONYMOUS | NFT_SET_CONSTANT);
	if (anon && n)
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, (uint32_t)n);
	nlh = tsn_nfnl_msg(nl, NFT_MSG_NEWSET, family, NLM_F_CREATE);
	if (nlh)
		nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	/* An anonymous set's name is a pattern the kernel fills in: its
	 * elements find it by the id, as nft's do. */
	for (size_t at = 0; nlh && at < n; at += ELEMS_PER_MSG) {
		nlh = tsn_nfnl_msg(nl, NFT_MSG_NEWSETELEM, family,
				   NLM_F_CREATE);
		if (nlh)
			put_keys(nlh, table, name, id, klen, keys + at * klen,
				 n - at < ELEMS_PER_MSG ? n - at :
							  ELEMS_PER_MSG);
	}
	return nlh ? 0 : -ENOSPC;
}

static int add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e);
	return 0;
}

static struct nftnl_expr *load(const char *kind, uint32_t a, uint32_t b,
			       uint32_t c)
{
	struct nftnl_expr *e = nftnl_expr_alloc(kind);

	if (!e)
		return NULL;
	if (!strcmp(kind, "meta")) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, a);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	} else {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, a);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, b);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, c);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	return e;
}

static struct nftnl_expr *cmp_u8(uint8_t v)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &v, 1);
	}
	return e;
}

static struct nftnl_expr *lookup(const char *set, uint32_t id)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	}
	return e;
}

static struct nftnl_expr *imm_accept(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	}
	return e;
}

/* What one rule matches: the address family (nfproto, for inet), the
 * peer address in a set, and either ESP or UDP ports in a set. */
struct match {
	int table_family;
	int af;			/* AF_INET or AF_INET6 */
	bool input;		/* source address, else destination */
	const char *addr_set;
	uint32_t addr_id;
	const char *port_set;	/* NULL: ESP */
	uint32_t port_id;
};

static int build_match(struct nftnl_rule *r, const struct match *m)
{
	bool v4 = m->af == AF_INET;
	uint32_t off = v4 ? (m->input ? 12 : 16) : (m->input ? 8 : 24);
	int ret = 0;

	if (m->table_family == NFPROTO_INET) {
		ret |= add_expr(r, load("meta", NFT_META_NFPROTO, 0, 0));
		ret |= add_expr(r, cmp_u8(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6));
	}
	ret |= add_expr(r, load("payload", NFT_PAYLOAD_NETWORK_HEADER, off,
				v4 ? 4 : 16));
	ret |= add_expr(r, lookup(m->addr_set, m->addr_id));
	ret |= add_expr(r, load("meta", NFT_META_L4PROTO, 0, 0));
	if (m->port_set) {
		ret |= add_expr(r, cmp_u8(IPPROTO_UDP));
		ret |= add_expr(r, load("payload",
					NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2));
		ret |= add_expr(r, lookup(m->port_set, m->port_id));
	} else {
		ret |= add_expr(r, cmp_u8(IPPROTO_ESP));
	}
	ret |= add_expr(r, imm_accept());
	return ret ? -ENOMEM : 0;
}

/* append: at the end of our own chains; else at the head (no position,
 * no NLM_F_APPEND), ahead of whatever would drop.  NLM_F_ECHO: the
 * kernel sends the rule back with its handle, so --fix learns the
 * handles without reading the ruleset again. */
static int put_rule(struct tsn_nfnl *nl, const char *table,
		    const char *chain, bool append, const struct match *m)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)m->table_family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	ret = build_match(r, m);
	if (!ret && !append)
		ret = put_comment(r, false, NFTNL_UDATA_RULE_COMMENT,
				  TSN_FIX_TAG);
	if (!ret) {
		nlh = tsn_nfnl_msg(nl, NFT_MSG_NEWRULE,
				   (uint16_t)m->table_family,
				   NLM_F_CREATE | NLM_F_ECHO |
				   (append ? NLM_F_APPEND : 0));
		if (nlh)
			nftnl_rule_nlmsg_build_payload(nlh, r);
		else
			ret = -ENOSPC;
	}
	nftnl_rule_free(r);
	return ret;
}

/* Keys of one family, packed, for put_set. */
static uint8_t *pack(const struct tsn_addr *m, size_t n, int af, size_t *cnt)
{
	size_t klen = af == AF_INET ? 4 : 16, k = 0;
	uint8_t *keys = malloc(n * klen + 1);

	if (!keys)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (m[i].family == af)
			memcpy(keys + klen * k++, af == AF_INET ?
			       (const void *)&m[i].v4 : (const void *)&m[i].v6,
			       klen);
	*cnt = k;
	return keys;
}

static int put_ports(struct tsn_nfnl *nl, int family, const char *table,
		     uint32_t id)
{
	uint16_t ports[2] = { htons(500), htons(4500) };

	return put_set(nl, family, table, "__set%d", id, TYPE_INET_SERVICE,
		       2, (const uint8_t *)ports, 2);
}

/* One rule; an inserted one gets its own anonymous address set, as an
 * anonymous set can be bound to one rule only. */
static int put_one(struct tsn_nfnl *nl, struct match *m, const char *table,
		   const char *chain, bool append, const uint8_t *keys,
		   size_t cnt, uint32_t *set_id)
{
	int ret = 0;

	if (!append) {
		m->addr_set = "__set%d";
		m->addr_id = ++*set_id;
		ret = put_set(nl, m->table_family, table, "__set%d",
			      m->addr_id, m->af == AF_INET ? TYPE_IPADDR :
			      TYPE_IP6ADDR, m->af == AF_INET ? 4 : 16, keys,
			      cnt);
	}
	if (!ret && m->port_set) {
		m->port_id = ++*set_id;
		ret = put_ports(nl, m->table_family, table, m->port_id);
	}
	if (!ret)
		ret = put_rule(nl, table, chain, append, m);
	return ret;
}

/* Two rules (UDP ports, ESP) per address family the chain sees. */
static int put_family_rules(struct tsn_nfnl *nl, struct match *m,
			    const char *table, const char *chain,
			    bool append, const struct tsn_addr *a, size_t n,
			    uint32_t *set_id, size_t *n_rules)
{
	size_t cnt;
	uint8_t *keys = pack(a, n, m->af, &cnt);
	int ret;

	if (!keys)
		return -ENOMEM;
	/* Inserted at the head, each goes before the last: ESP first so
	 * the chain reads UDP, ESP as in our own table. */
	m->port_set = append ? "__set%d" : NULL;
	ret = put_one(nl, m, table, chain, append, keys, cnt, set_id);
	m->port_set = append ? NULL : "__set%d";
	if (!ret)
		ret = put_one(nl, m, table, chain, append, keys, cnt, set_id);
	free(keys);
	if (!ret)
		*n_rules += 2;
	return ret;
}

static int put_chain(struct tsn_nfnl *nl, const char *name, uint32_t hook)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, TSN_FIX_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = tsn_nfnl_msg(nl, NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE);
	if (nlh)
		nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return nlh ? 0 : -ENOSPC;
}

int tsn_fix_put_table(struct tsn_nfnl *nl, const struct tsn_addr *m,
		      size_t n, uint32_t *set_id)
{
	static const char *const chains[] = { "input", "output" };
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	size_t rules = 0;
	int ret = -ENOMEM;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, TSN_FIX_TABLE);
	if (put_comment(t, true, NFTNL_UDATA_TABLE_COMMENT, TSN_FIX_TABLE_TAG))
		goto out;
	ret = -ENOSPC;
	nlh = tsn_nfnl_msg(nl, NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE);
	if (!nlh)
		goto out;
	nftnl_table_nlmsg_build_payload(nlh, t);
	ret = 0;
	for (int f = 0; f < 2 && !ret; f++) {
		int af = f ? AF_INET6 : AF_INET;
		size_t cnt;
		uint8_t *keys = pack(m, n, af, &cnt);

		if (!keys) {
			ret = -ENOMEM;
			break;
		}
		ret = put_set(nl, NFPROTO_INET, TSN_FIX_TABLE,
			      f ? "members6" : "members4", ++*set_id,
			      f ? TYPE_IP6ADDR : TYPE_IPADDR, f ? 16 : 4, keys,
			      cnt);
		free(keys);
	}
	for (int c = 0; c < 2 && !ret; c++) {
		ret = put_chain(nl, chains[c], c ? NF_INET_LOCAL_OUT :
					       NF_INET_LOCAL_IN);
		for (int f = 0; f < 2 && !ret; f++) {
			struct match mt = {
				.table_family = NFPROTO_INET,
				.af = f ? AF_INET6 : AF_INET,
				.input = c == 0,
				.addr_set = f ? "members6" : "members4",
			};

			ret = put_family_rules(nl, &mt, TSN_FIX_TABLE,
					       chains[c], true, m, n, set_id,
					       &rules);
		}
	}
out:
	nftnl_table_free(t);
	return ret;
}

int tsn_fix_put_accepts(struct tsn_nfnl *nl, int family, const char *table,
			const char *chain, bool input,
			const struct tsn_addr *m, size_t n, uint32_t *set_id,
			size_t *n_rules)
{
	int ret = 0;

	for (int f = 0; f < 2 && !ret; f++) {
		struct match mt = {
			.table_family = family,
			.af = f ? AF_INET6 : AF_INET,
			.input = input,
		};
		size_t cnt = 0;

		if ((family == NFPROTO_IPV4 && f) ||
		    (family == NFPROTO_IPV6 && !f))
			continue;
		for (size_t i = 0; i < n; i++)
			cnt += m[i].family == mt.af;
		if (!cnt)
			continue;	/* no members of this family */
		ret = put_family_rules(nl, &mt, table, chain, false, m, n,
				       set_id, n_rules);
	}
	return ret;
}

int tsn_fix_del_table(struct tsn_nfnl *nl)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, TSN_FIX_TABLE);
	nlh = tsn_nfnl_msg(nl, NFT_MSG_DELTABLE, NFPROTO_INET, 0);
	if (nlh)
		nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return nlh ? 0 : -ENOSPC;
}

int tsn_fix_del_rule(struct tsn_nfnl *nl, int family, const char *table,
		     const char *chain, uint64_t handle)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	nlh = tsn_nfnl_msg(nl, NFT_MSG_DELRULE, (uint16_t)family, 0);
	if (nlh)
		nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return nlh ? 0 : -ENOSPC;
}
