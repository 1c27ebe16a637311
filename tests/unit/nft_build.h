/* nft_build.h - building rulesets in memory for the nftables unit tests.
 *
 * Rules are written the way nft compiles them (payload/meta/ct loads into
 * registers, bitwise, cmp, lookup, immediate verdicts), through the same
 * model functions the netlink reader uses.  Shared by test_nft_eval.c and
 * test_nft_sets.c; each test gets a fresh ruleset and flow (setup()).
 */
#ifndef TSN_TEST_NFT_BUILD_H
#define TSN_TEST_NFT_BUILD_H

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

#include "nft/nft.h"

#define R1 16		/* NFT_REG_1 as a byte offset */
#define R32(n) (16 + 4 * (n))	/* NFT_REG32_n */

static struct tsn_nft_ruleset *rs;
static struct tsn_nft_flow fl;
static struct tsn_nft_verdict v;

static inline void setup(void)
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

static inline void teardown(void)
{
	tsn_nft_ruleset_free(rs);
}


static inline struct tsn_nft_chain *base(int fam, const char *table,
				  const char *name, uint32_t hook, int prio,
				  int policy)
{
	struct tsn_nft_chain *c = tsn_nft_chain_add(rs, fam, table, name);

	cr_assert(c);
	cr_assert_eq(tsn_nft_chain_set_base(c, hook, prio, policy, "filter",
					    NULL), 0);
	return c;
}

static inline struct tsn_nft_chain *input(int policy)
{
	return base(NFPROTO_INET, "filter", "input", NF_INET_LOCAL_IN, 0,
		    policy);
}

static inline struct tsn_nft_expr *ex(struct tsn_nft_rule *r, enum tsn_nft_op op,
			       const char *name)
{
	struct tsn_nft_expr *e = tsn_nft_expr_add(r, op, name);

	cr_assert(e);
	return e;
}

static inline void payload(struct tsn_nft_rule *r, uint32_t b, uint32_t off,
		    uint8_t len, uint8_t reg)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_PAYLOAD, "payload");

	e->base = b;
	e->offset = off;
	e->len = len;
	e->dreg = reg;
}

static inline void meta(struct tsn_nft_rule *r, uint32_t key, uint8_t reg)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_META, "meta");

	e->key = key;
	e->dreg = reg;
}

static inline void ct(struct tsn_nft_rule *r, uint32_t key, uint8_t reg)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_CT, "ct");

	e->key = key;
	e->dreg = reg;
}

static inline void cmp(struct tsn_nft_rule *r, uint8_t reg, uint32_t op,
		const void *data, uint8_t len)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_CMP, "cmp");

	e->sreg = reg;
	e->key = op;
	e->len = len;
	cr_assert_eq(tsn_nft_expr_set_data(rs, e, data, NULL, len), 0);
}

static inline void cmp8(struct tsn_nft_rule *r, uint8_t reg, uint8_t val)
{
	cmp(r, reg, NFT_CMP_EQ, &val, 1);
}

static inline void bitwise(struct tsn_nft_rule *r, uint8_t reg, const void *mask,
		    const void *xor, uint8_t len)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_BITWISE, "bitwise");

	e->sreg = e->dreg = reg;
	e->len = len;
	cr_assert_eq(tsn_nft_expr_set_data(rs, e, mask, xor, len), 0);
}

static inline void verdict(struct tsn_nft_rule *r, int code, const char *chain)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_IMMEDIATE, "immediate");

	e->verdict = code;
	if (chain)
		cr_assert_eq(tsn_nft_expr_set_target(e, chain), 0);
}

static inline void lookup(struct tsn_nft_rule *r, uint8_t reg, const char *set,
		   bool map, bool inv)
{
	struct tsn_nft_expr *e = ex(r, TSN_NFT_LOOKUP, "lookup");

	e->sreg = reg;
	e->flags = map ? TSN_NFT_LOOKUP_MAP : 0;
	e->inv = inv;
	cr_assert_eq(tsn_nft_expr_set_set(e, set), 0);
}

/* udp dport PORT: what nft emits for it. */
static inline void udp_dport(struct tsn_nft_rule *r, uint16_t port)
{
	uint16_t p = htons(port);

	meta(r, NFT_META_L4PROTO, R1);
	cmp8(r, R1, IPPROTO_UDP);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, R1);
	cmp(r, R1, NFT_CMP_EQ, &p, 2);
}

static inline struct tsn_nft_rule *rule(struct tsn_nft_chain *c, uint64_t h,
				 const char *comment)
{
	struct tsn_nft_rule *r = tsn_nft_rule_add(rs, c, h, comment);

	cr_assert(r);
	return r;
}

static inline enum tsn_nft_result run(const char *proto)
{
	cr_assert_eq(tsn_nft_finish(rs), 0);
	cr_assert_eq(tsn_nft_flow_proto(&fl, proto), 0);
	cr_assert_eq(tsn_nft_eval(rs, &fl, &v), 0);
	return v.result;
}

static inline struct tsn_nft_set *set(const char *name, uint32_t flags,
			       uint32_t klen, uint32_t dtype, uint32_t dlen)
{
	struct tsn_nft_set *s = tsn_nft_set_add(rs, NFPROTO_INET, "filter",
						name, flags, klen, dtype, dlen);

	cr_assert(s);
	return s;
}

static inline void elem(struct tsn_nft_set *s, const void *key, uint32_t flags,
		 int vcode, const char *chain)
{
	cr_assert_eq(tsn_nft_elem_add(s, key, NULL, flags, vcode, chain, NULL,
				      0), 0);
}


#endif
