/* nft_rule.c - NFT_MSG_NEWRULE messages into the model.
 *
 * The rule's own attributes (table, chain, handle, comment) are checked
 * here; each expression goes through nft_conv.c, or comes from a cache
 * of expressions already converted: a big ruleset repeats the same few
 * expressions ("meta nfproto ipv4", "tcp dport 22", "accept") with an
 * address here and there, and the rules that have the same bytes share
 * one model expression.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "lib/cur.h"
#include "nft/nft_conv.h"

/* Expressions already converted, by their bytes: a repeat is a hash, a
 * compare and the same expression, shared, instead of a conversion and
 * 56 more bytes.  Only expressions that own nothing are shared (not
 * jumps, not lookups: their names are theirs to free and tsn_nft_finish
 * resolves them per table). */
#define CACHE_SLOTS 1024	/* direct-mapped */
#define CACHE_RAW 120		/* longer expressions are not kept */

struct tsn_nft_conv_cache {
	struct {
		uint16_t len;
		uint8_t raw[CACHE_RAW];
		struct tsn_nft_expr *e;
	} slot[CACHE_SLOTS];
};

static uint32_t hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return (uint32_t)(h ^ (h >> 29));
}

/* One NFTA_LIST_ELEM of a rule into *out: the cache's, or a new one. */
static int conv_expr(struct tsn_nft_ruleset *rs, struct tsn_nft_conv *cv,
		     struct tsn_nft_expr **out, const struct nlattr *elem)
{
	struct tsn_nft_conv_cache *c = rs->conv_cache;
	uint16_t len = mnl_attr_get_payload_len(elem);
	const uint8_t *raw = mnl_attr_get_payload(elem);
	struct tsn_nft_expr *e;
	uint32_t k = 0;
	int ret;

	if (!c && (c = calloc(1, sizeof(*c))))
		rs->conv_cache = c;
	if (c && len <= CACHE_RAW) {
		k = hash(raw, len) % CACHE_SLOTS;
		if (c->slot[k].e && c->slot[k].len == len &&
		    !memcmp(c->slot[k].raw, raw, len) &&
		    mnl_attr_get_type(elem) == NFTA_LIST_ELEM) {
			*out = c->slot[k].e;
			return 0;
		}
	}
	e = tsn_nft_alloc(rs, sizeof(*e));
	if (!e)
		return -ENOMEM;
	ret = tsn_nft_conv_expr(rs, cv, e, elem);
	if (ret) {
		free(e->target);	/* or set_name */
		return ret;
	}
	*out = e;
	if (c && len <= CACHE_RAW && !e->target /* nor set_name */) {
		c->slot[k].len = len;
		memcpy(c->slot[k].raw, raw, len);
		c->slot[k].e = e;
	}
	return 0;
}

/* The rule comment from userdata (type-length-value, one byte each).
 * Read with a cursor: nothing about the length bytes is trusted. */
static const char *rule_comment(const struct nlattr *ud)
{
	struct cur c, v;
	const char *comment = NULL;
	uint8_t type, vlen;

	if (!ud)
		return NULL;
	c = cur_make(mnl_attr_get_payload(ud), mnl_attr_get_payload_len(ud));
	while (cur_u8(&c, &type) == 0 && cur_u8(&c, &vlen) == 0) {
		if (cur_sub(&c, vlen, &v) < 0)
			break;	/* a length past the end ends the walk */
		/* Only a NUL-terminated string is a comment. */
		if (type == 0 /* NFTNL_UDATA_RULE_COMMENT */ && vlen > 0 &&
		    v.p[vlen - 1] == '\0')
			comment = (const char *)v.p;
	}
	return comment;
}

/* A rule whose expressions cannot be modelled stays in its chain as one
 * expression of unknown outcome, so the verdict says where it is. */
static int unknown_rule(struct tsn_nft_rule *r, const char *what)
{
	for (size_t i = 0; i < r->n_exprs; i++)
		free(r->exprs[i]->target);	/* or set_name: a union */
	r->exprs = NULL;	/* the arena's block is dropped */
	r->n_exprs = 0;
	r->own_names = false;
	return tsn_nft_expr_add(r, TSN_NFT_TERM_UNKNOWN, what) ? 0 : -ENOMEM;
}

/* A NUL-terminated string attribute, or NULL. */
static const char *str(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 ?
		       mnl_attr_get_str(a) : NULL;
}

static int rule_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= NFTA_RULE_USERDATA)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

int tsn_nft_parse_rule(struct tsn_nft_ruleset *rs, const struct nlmsghdr *nlh,
		       struct tsn_nft_conv *cv)
{
	const struct nlattr *tb[NFTA_RULE_USERDATA + 1] = { 0 }, *a;
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const char *table, *chain;
	const struct nlattr *exprs;
	struct tsn_nft_chain *c;
	struct tsn_nft_rule *r;
	size_t n = 0;
	int ret;

	if (mnl_attr_parse(nlh, sizeof(*g), rule_cb, tb) < 0)
		return -EINVAL;
	table = str(tb[NFTA_RULE_TABLE]);
	chain = str(tb[NFTA_RULE_CHAIN]);
	exprs = tb[NFTA_RULE_EXPRESSIONS];
	if (!table || !chain || !tb[NFTA_RULE_HANDLE] ||
	    mnl_attr_validate(tb[NFTA_RULE_HANDLE], MNL_TYPE_U64) < 0 ||
	    (exprs && mnl_attr_validate(exprs, MNL_TYPE_NESTED) < 0))
		return -EINVAL;
	c = tsn_nft_chain_find(rs, g->nfgen_family, table, chain);
	if (!c)
		return -EINVAL;	/* a rule of a chain the dump did not have */
	r = tsn_nft_rule_add(rs, c, be64toh(mnl_attr_get_u64(tb[NFTA_RULE_HANDLE])),
			     rule_comment(tb[NFTA_RULE_USERDATA]));
	if (!r)
		return -ENOMEM;
	if (exprs)
		mnl_attr_for_each_nested(a, exprs)
			n++;
	if (!n)
		return 0;
	if (n > TSN_NFT_EXPRS_MAX)
		return unknown_rule(r, "more expressions than the kernel allows");
	if (!tsn_nft_rule_exprs(rs, r, n))
		return -ENOMEM;
	mnl_attr_for_each_nested(a, exprs) {
		ret = conv_expr(rs, cv, &r->exprs[r->n_exprs], a);
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			return unknown_rule(r, "a malformed expression");
		r->own_names |= r->exprs[r->n_exprs]->target != NULL;
		r->n_exprs++;
	}
	return 0;
}
