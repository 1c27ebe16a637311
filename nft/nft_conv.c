/* nft_conv.c - kernel rule messages into the evaluator's model.
 *
 * An expression of a rule message (nft_rule.c walks the rule) is read
 * straight from its netlink attributes with libmnl, each attribute
 * checked as it is read against the kernel's policy (integers of their
 * size, strings NUL-terminated; libmnl keeps every walk inside the
 * message).  Going through libnftnl objects, after a schema walk of the
 * whole message, meant an allocation per expression and per attribute:
 * for a ruleset of 10,000 rules that was most of `preflight --fix`.
 *
 * Each kernel expression becomes one model expression, its data copied
 * into the ruleset's arena.  Registers and data lengths come from
 * netlink, so they are checked here: a register number the kernel
 * cannot have, or data that would run past the register file, makes the
 * rule malformed (-EINVAL) rather than being trusted by the evaluator.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>

#include "nft/nft_conv.h"

#define ATTRS_MAX 16	/* the largest expression attribute read here */
#define ARRAY_LEN(a) (sizeof(a) / sizeof(*(a)))

static const char *const meta_keys[] = {
	"len", "protocol", "priority", "mark", "iif", "oif", "iifname",
	"oifname", "iiftype", "oiftype", "skuid", "skgid", "nftrace",
	"rtclassid", "secmark", "nfproto", "l4proto", "ibrname", "obrname",
	"pkttype", "cpu", "iifgroup", "oifgroup", "cgroup", "random",
	"secpath", "iifkind", "oifkind", "ibrpvid", "ibrvproto", "time",
	"day", "hour", "sdif", "sdifname",
};

static const char *const ct_keys[] = {
	"state", "direction", "status", "mark", "secmark", "expiration",
	"helper", "l3protocol", "saddr", "daddr", "protocol", "proto-src",
	"proto-dst", "label", "packets", "bytes", "avgpkt", "zone",
	"event", "ip saddr", "ip daddr", "ip6 saddr", "ip6 daddr", "id",
};

const char *tsn_nft_expr_name(const struct tsn_nft_expr *e, char *buf,
			      size_t len)
{
	static const char *const bases[] = { "ll", "nh", "th", "ih" };

	if (e->label)
		return e->label;
	switch (e->op) {
	case TSN_NFT_META:
	case TSN_NFT_META_SET:
		snprintf(buf, len, "meta %s", e->key < ARRAY_LEN(meta_keys) ?
					meta_keys[e->key] : "?");
		break;
	case TSN_NFT_CT:
		snprintf(buf, len, "ct %s", e->key < ARRAY_LEN(ct_keys) ?
					ct_keys[e->key] : "?");
		break;
	case TSN_NFT_PAYLOAD:
		snprintf(buf, len, "payload @%s,%u,%u",
			 e->base < 4 ? bases[e->base] : "?", e->offset * 8,
			 e->len * 8u);
		break;
	case TSN_NFT_LOOKUP:
	case TSN_NFT_DYNSET:
		snprintf(buf, len, "%s @%.40s", e->op == TSN_NFT_LOOKUP ?
			 "lookup" : "dynset", e->set_name ? e->set_name : "?");
		break;
	default:
		snprintf(buf, len, "?");
	}
	return buf;
}

/* One expression's attributes, and where its strings go.  Attributes
 * are checked as they are read (bad is then set): nothing before this
 * code has looked at a rule message but libmnl's bounds checks. */
struct ex {
	const struct nlattr *tb[ATTRS_MAX + 1];
	struct tsn_nft_ruleset *rs;
	struct tsn_nft_conv *cv;
	bool bad;
};

static bool has(struct ex *x, uint16_t a)
{
	return x->tb[a] != NULL;
}

static uint32_t u32(struct ex *x, uint16_t a)
{
	if (!x->tb[a])
		return 0;
	if (mnl_attr_validate(x->tb[a], MNL_TYPE_U32) < 0) {
		x->bad = true;
		return 0;
	}
	return ntohl(mnl_attr_get_u32(x->tb[a]));
}

/* A NUL-terminated string attribute, or NULL. */
static const char *str(struct ex *x, const struct nlattr *a)
{
	if (!a)
		return NULL;
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0) {
		x->bad = true;
		return NULL;
	}
	return mnl_attr_get_str(a);
}

static int reg(struct ex *x, uint16_t a, uint8_t *out)
{
	int off = tsn_nft_reg_offset(u32(x, a));

	if (off < 0 || x->bad)
		return -EINVAL;	/* not a register the kernel has */
	*out = (uint8_t)off;
	return 0;
}

/* The NFTA_DATA_VALUE (or _VERDICT) inside the NFTA_DATA nest a. */
static const struct nlattr *nested(const struct nlattr *a, uint16_t type)
{
	const struct nlattr *i;

	if (!a)
		return NULL;
	mnl_attr_for_each_nested(i, a)
		if (mnl_attr_get_type(i) == type)
			return i;
	return NULL;
}

static int value(const struct nlattr *a, const uint8_t **p, uint16_t *len)
{
	const struct nlattr *v = nested(a, NFTA_DATA_VALUE);

	if (!v || !mnl_attr_get_payload_len(v) ||
	    mnl_attr_get_payload_len(v) > TSN_NFT_DATA_MAX)
		return -EINVAL;
	*p = mnl_attr_get_payload(v);
	*len = mnl_attr_get_payload_len(v);
	return 0;
}

/* Data, and for range/bitwise data2 of the same length, into the arena
 * (zeroed: a shorter value reads zero-padded, as the kernel's own
 * registers would hold it).  set_len: the value's length is e->len. */
static int data(struct ex *x, struct tsn_nft_expr *e, uint16_t a,
		uint16_t a2, bool set_len)
{
	const uint8_t *v, *v2 = NULL;
	uint16_t n, n2 = 0, len;
	uint8_t *p;

	if (value(x->tb[a], &v, &n) || (a2 && value(x->tb[a2], &v2, &n2)))
		return -EINVAL;
	if (set_len)
		e->len = (uint8_t)n;
	len = e->len;
	p = tsn_nft_alloc(x->rs, 2 * (size_t)len);
	if (!p)
		return -ENOMEM;
	memcpy(p, v, n < len ? n : len);
	if (v2)
		memcpy(p + len, v2, n2 < len ? n2 : len);
	e->data = p;
	return 0;
}

static int conv_meta(struct ex *x, struct tsn_nft_expr *e)
{
	e->label = NULL;	/* "meta mark", from the key */
	e->key = u32(x, NFTA_META_KEY);
	if (has(x, NFTA_META_SREG)) {
		e->op = TSN_NFT_META_SET;
		return reg(x, NFTA_META_SREG, &e->sreg);
	}
	e->op = TSN_NFT_META;
	return reg(x, NFTA_META_DREG, &e->dreg);
}

static int conv_ct(struct ex *x, struct tsn_nft_expr *e)
{
	e->label = NULL;	/* "ct state", from the key */
	e->key = u32(x, NFTA_CT_KEY);
	if (has(x, NFTA_CT_SREG)) {
		e->op = TSN_NFT_NOP;	/* ct mark set, ct helper set... */
		e->label = tsn_nft_label(x->rs, "ct set", "ct %s set",
					 e->key < ARRAY_LEN(ct_keys) ?
						 ct_keys[e->key] : "?");
		if (e->key == NFT_CT_MARK)
			x->cv->writes_ct_mark = true;
		return 0;
	}
	e->op = TSN_NFT_CT;
	if (has(x, NFTA_CT_DIRECTION)) {
		if (mnl_attr_validate(x->tb[NFTA_CT_DIRECTION],
				      MNL_TYPE_U8) < 0)
			return -EINVAL;
		e->flags = 1u + mnl_attr_get_u8(x->tb[NFTA_CT_DIRECTION]);
	}
	return reg(x, NFTA_CT_DREG, &e->dreg);
}

static int conv_payload(struct ex *x, struct tsn_nft_expr *e)
{
	uint32_t len = u32(x, NFTA_PAYLOAD_LEN);
	uint32_t base = u32(x, NFTA_PAYLOAD_BASE);
	uint32_t off = u32(x, NFTA_PAYLOAD_OFFSET);

	if (base > UINT8_MAX || off > UINT16_MAX)
		return -EINVAL;	/* beyond what the kernel accepts */
	e->base = (uint8_t)base;
	e->offset = (uint16_t)off;
	e->len = (uint8_t)len;
	e->label = NULL;	/* "payload @nh,96,32", from the fields */
	if (has(x, NFTA_PAYLOAD_SREG)) {
		e->op = TSN_NFT_NOP;	/* a rewrite, not a match */
		e->label = "payload set";
		return 0;
	}
	if (len > TSN_NFT_DATA_MAX)
		return -EINVAL;
	e->op = TSN_NFT_PAYLOAD;
	return reg(x, NFTA_PAYLOAD_DREG, &e->dreg);
}

static int conv_cmp(struct ex *x, struct tsn_nft_expr *e)
{
	e->op = TSN_NFT_CMP;
	e->key = u32(x, NFTA_CMP_OP);
	if (data(x, e, NFTA_CMP_DATA, 0, true))
		return -EINVAL;
	return reg(x, NFTA_CMP_SREG, &e->sreg);
}

static int conv_range(struct ex *x, struct tsn_nft_expr *e)
{
	e->op = TSN_NFT_RANGE;
	e->key = u32(x, NFTA_RANGE_OP);
	if (data(x, e, NFTA_RANGE_FROM_DATA, NFTA_RANGE_TO_DATA, true))
		return -EINVAL;
	return reg(x, NFTA_RANGE_SREG, &e->sreg);
}

static int conv_bitwise(struct ex *x, struct tsn_nft_expr *e)
{
	uint32_t len = u32(x, NFTA_BITWISE_LEN);

	if (len == 0 || len > TSN_NFT_DATA_MAX)
		return -EINVAL;
	e->op = TSN_NFT_BITWISE;
	e->len = (uint8_t)len;
	if (reg(x, NFTA_BITWISE_SREG, &e->sreg) ||
	    reg(x, NFTA_BITWISE_DREG, &e->dreg))
		return -EINVAL;
	if (has(x, NFTA_BITWISE_OP) &&
	    u32(x, NFTA_BITWISE_OP) != NFT_BITWISE_BOOL) {
		/* Shifts (mark tricks) are not modelled: unknown result. */
		e->op = TSN_NFT_LOAD_UNKNOWN;
		e->label = "bitwise shift";
		return 0;
	}
	return data(x, e, NFTA_BITWISE_MASK, NFTA_BITWISE_XOR, false);
}

static int conv_byteorder(struct ex *x, struct tsn_nft_expr *e)
{
	e->op = TSN_NFT_BYTEORDER;
	e->key = u32(x, NFTA_BYTEORDER_OP);
	e->flags = u32(x, NFTA_BYTEORDER_SIZE);
	if (u32(x, NFTA_BYTEORDER_LEN) > TSN_NFT_DATA_MAX)
		return -EINVAL;
	e->len = (uint8_t)u32(x, NFTA_BYTEORDER_LEN);
	if (reg(x, NFTA_BYTEORDER_SREG, &e->sreg) ||
	    reg(x, NFTA_BYTEORDER_DREG, &e->dreg))
		return -EINVAL;
	return 0;
}

static int conv_lookup(struct ex *x, struct tsn_nft_expr *e)
{
	const char *set = str(x, x->tb[NFTA_LOOKUP_SET]);

	if (!set)
		return -EINVAL;
	e->op = TSN_NFT_LOOKUP;
	e->label = NULL;	/* "lookup @set", from the set's name */
	e->inv = u32(x, NFTA_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV;
	if (has(x, NFTA_LOOKUP_DREG)) {
		e->flags = TSN_NFT_LOOKUP_MAP;
		if (reg(x, NFTA_LOOKUP_DREG, &e->dreg))
			return -EINVAL;
	}
	if (reg(x, NFTA_LOOKUP_SREG, &e->sreg))
		return -EINVAL;
	return tsn_nft_expr_set_set(e, set);
}

static int conv_imm(struct ex *x, struct tsn_nft_expr *e)
{
	const struct nlattr *v, *i;
	const char *chain = NULL;

	e->op = TSN_NFT_IMMEDIATE;
	if (reg(x, NFTA_IMMEDIATE_DREG, &e->dreg))
		return -EINVAL;
	if (e->dreg)
		return data(x, e, NFTA_IMMEDIATE_DATA, 0, true);
	v = nested(x->tb[NFTA_IMMEDIATE_DATA], NFTA_DATA_VERDICT);
	if (!v || !nested(v, NFTA_VERDICT_CODE))
		return -EINVAL;
	mnl_attr_for_each_nested(i, v) {
		if (mnl_attr_get_type(i) == NFTA_VERDICT_CODE) {
			if (mnl_attr_validate(i, MNL_TYPE_U32) < 0)
				return -EINVAL;
			e->verdict = (int)ntohl(mnl_attr_get_u32(i));
		} else if (mnl_attr_get_type(i) == NFTA_VERDICT_CHAIN) {
			chain = str(x, i);
		}
	}
	if (e->verdict != NFT_JUMP && e->verdict != NFT_GOTO)
		return 0;
	if (!chain)
		return -EINVAL;
	return tsn_nft_expr_set_target(e, chain);
}

static int conv_fib(struct ex *x, struct tsn_nft_expr *e)
{
	e->op = TSN_NFT_FIB;
	e->key = u32(x, NFTA_FIB_RESULT);
	e->flags = u32(x, NFTA_FIB_FLAGS);
	return reg(x, NFTA_FIB_DREG, &e->dreg);
}

/* "may not pass" rate-style expressions: a single first packet is within
 * any rate, quota or connection count; the inverted ("over") form never
 * matches it. */
static void inv_flag(struct ex *x, struct tsn_nft_expr *e,
		     uint16_t attr, uint32_t inv)
{
	e->op = u32(x, attr) & inv ? TSN_NFT_BREAK : TSN_NFT_NOP;
}

static int conv_limit(struct ex *x, struct tsn_nft_expr *e)
{
	inv_flag(x, e, NFTA_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	return 0;
}

static int conv_quota(struct ex *x, struct tsn_nft_expr *e)
{
	inv_flag(x, e, NFTA_QUOTA_FLAGS, NFT_QUOTA_F_INV);
	return 0;
}

static int conv_connlimit(struct ex *x, struct tsn_nft_expr *e)
{
	inv_flag(x, e, NFTA_CONNLIMIT_FLAGS, NFT_CONNLIMIT_F_INV);
	return 0;
}

static int conv_xt(struct ex *x, struct tsn_nft_expr *e, bool target)
{
	const char *n = str(x, x->tb[NFTA_MATCH_NAME]);

	if (x->bad)
		return -EINVAL;
	if (!n)
		n = "?";

	e->label = tsn_nft_label(x->rs, target ? "xt target" : "xt match",
				 "xt %s %.24s", target ? "target" : "match",
				 n);
	if (!target) {
		e->op = TSN_NFT_MATCH_UNKNOWN;
		return 0;
	}
	if (!strcmp(n, "REJECT"))
		e->op = TSN_NFT_REJECT;
	else if (!strcmp(n, "LOG") || !strcmp(n, "NFLOG"))
		e->op = TSN_NFT_NOP;
	else if (!strcmp(n, "MARK") || !strcmp(n, "CONNMARK")) {
		/* Sets the mark to something we do not decode: from here on
		 * the mark is unknown (sreg 0 is no data register). */
		x->cv->writes_ct_mark |= n[0] == 'C';
		e->op = TSN_NFT_META_SET;
		e->key = NFT_META_MARK;
		e->sreg = 0;
	} else {
		e->op = TSN_NFT_TERM_UNKNOWN;
	}
	return 0;
}

static int conv_match(struct ex *x, struct tsn_nft_expr *e)
{
	return conv_xt(x, e, false);
}

static int conv_target(struct ex *x, struct tsn_nft_expr *e)
{
	return conv_xt(x, e, true);
}

static int conv_objref(struct ex *x, struct tsn_nft_expr *e)
{
	e->op = u32(x, NFTA_OBJREF_IMM_TYPE) == NFT_OBJECT_COUNTER ?
			TSN_NFT_NOP : TSN_NFT_MATCH_UNKNOWN;
	return 0;
}

/* add/update/delete @set { key }: the evaluator keeps the element for
 * the rest of the packet's path (nft_dyn.c).  An element with its own
 * expressions (a meter: a limit per address) may or may not match. */
static int conv_dynset(struct ex *x, struct tsn_nft_expr *e)
{
	const char *set = str(x, x->tb[NFTA_DYNSET_SET_NAME]);

	if (has(x, NFTA_DYNSET_EXPR) || has(x, NFTA_DYNSET_EXPRESSIONS)) {
		e->op = TSN_NFT_MATCH_UNKNOWN;
		return 0;
	}
	if (!set)
		return -EINVAL;
	e->op = TSN_NFT_DYNSET;
	e->label = NULL;	/* "dynset @set", from the set's name */
	e->key = u32(x, NFTA_DYNSET_OP);
	if (has(x, NFTA_DYNSET_SREG_DATA))
		e->flags = TSN_NFT_DYNSET_DATA;
	if (reg(x, NFTA_DYNSET_SREG_KEY, &e->sreg))
		return -EINVAL;
	return tsn_nft_expr_set_set(e, set);
}

static int conv_reject(struct ex *x, struct tsn_nft_expr *e)
{
	(void)x;
	e->op = TSN_NFT_REJECT;
	return 0;
}

static int conv_notrack(struct ex *x, struct tsn_nft_expr *e)
{
	(void)x;
	e->op = TSN_NFT_NOTRACK;
	return 0;
}

static int conv_nop(struct ex *x, struct tsn_nft_expr *e)
{
	(void)x;
	e->op = TSN_NFT_NOP;
	return 0;
}

static int conv_terminal(struct ex *x, struct tsn_nft_expr *e)
{
	(void)x;
	e->op = TSN_NFT_TERM_UNKNOWN;	/* queue, nat, tproxy... */
	return 0;
}

/* Loads of a value we cannot know into dreg (none: an exthdr write). */
static int load_unknown(struct ex *x, struct tsn_nft_expr *e,
			uint16_t dreg)
{
	if (!has(x, dreg))
		return 0;
	e->op = TSN_NFT_LOAD_UNKNOWN;
	e->len = 16;
	if (reg(x, dreg, &e->dreg))
		return -EINVAL;
	if (e->dreg + e->len > TSN_NFT_REGS_LEN)
		e->len = (uint8_t)(TSN_NFT_REGS_LEN - e->dreg);
	return 0;
}

#define LOAD(fn, attr) \
	static int fn(struct ex *x, struct tsn_nft_expr *e) \
	{ return load_unknown(x, e, attr); }
LOAD(conv_socket, NFTA_SOCKET_DREG)
LOAD(conv_osf, NFTA_OSF_DREG)
LOAD(conv_numgen, NFTA_NG_DREG)
LOAD(conv_hash, NFTA_HASH_DREG)
LOAD(conv_rt, NFTA_RT_DREG)
LOAD(conv_exthdr, NFTA_EXTHDR_DREG)
LOAD(conv_tunnel, NFTA_TUNNEL_DREG)
#undef LOAD

/* `ipsec in|out ...` (nft_xfrm): key and direction kept, so the evaluator
 * can answer for a packet with or without a secpath; key 0 (an
 * unknown load) when absent. */
static int conv_xfrm(struct ex *x, struct tsn_nft_expr *e)
{
	int ret = load_unknown(x, e, NFTA_XFRM_DREG);

	if (ret || !has(x, NFTA_XFRM_KEY) || !has(x, NFTA_XFRM_DIR))
		return ret;
	if (mnl_attr_validate(x->tb[NFTA_XFRM_DIR], MNL_TYPE_U8) < 0)
		return -EINVAL;
	e->key = u32(x, NFTA_XFRM_KEY);
	e->flags = TSN_NFT_XFRM_DIR(mnl_attr_get_u8(x->tb[NFTA_XFRM_DIR]));
	if (has(x, NFTA_XFRM_SPNUM) && u32(x, NFTA_XFRM_SPNUM))
		e->key = 0;	/* a later SA of a bundle: not modelled */
	return 0;
}

/* Every expression the kernel can dump, by name; the name string here is
 * the model's label unless the converter makes a better one. */
static const struct {
	const char *name;
	int (*conv)(struct ex *x, struct tsn_nft_expr *e);
} convs[] = {
	{ "payload", conv_payload }, { "meta", conv_meta },
	{ "cmp", conv_cmp }, { "immediate", conv_imm },
	{ "lookup", conv_lookup }, { "ct", conv_ct },
	{ "bitwise", conv_bitwise }, { "counter", conv_nop },
	{ "range", conv_range }, { "byteorder", conv_byteorder },
	{ "fib", conv_fib }, { "reject", conv_reject },
	{ "limit", conv_limit }, { "quota", conv_quota },
	{ "connlimit", conv_connlimit }, { "match", conv_match },
	{ "target", conv_target }, { "objref", conv_objref },
	{ "dynset", conv_dynset }, { "log", conv_nop },
	{ "last", conv_nop }, { "notrack", conv_notrack }, { "dup", conv_nop },
	{ "flow_offload", conv_nop }, { "secmark", conv_nop },
	{ "socket", conv_socket }, { "osf", conv_osf },
	{ "numgen", conv_numgen }, { "hash", conv_hash }, { "rt", conv_rt },
	{ "xfrm", conv_xfrm }, { "exthdr", conv_exthdr },
	{ "tunnel", conv_tunnel }, { "queue", conv_terminal },
	{ "nat", conv_terminal }, { "masq", conv_terminal },
	{ "redir", conv_terminal }, { "tproxy", conv_terminal },
	{ "fwd", conv_terminal }, { "synproxy", conv_terminal },
};

/* The attributes of the nest a, by type, into tb[0..max]: -EINVAL when
 * an attribute runs past the nest or leaves bytes after it unread.  A loop rather
 * than mnl_attr_parse_nested's callback: this runs for every expression
 * of every rule. */
static int attrs(const struct nlattr *a, const struct nlattr **tb,
		 unsigned max)
{
	const struct nlattr *i;
	size_t seen = 0;

	mnl_attr_for_each_nested(i, a) {
		if (mnl_attr_get_type(i) <= max)
			tb[mnl_attr_get_type(i)] = i;
		seen += MNL_ALIGN(i->nla_len);
	}
	return seen >= mnl_attr_get_payload_len(a) ? 0 : -EINVAL;
}

/* The expression's name picks its converter; the data nest holds its
 * attributes. */
int tsn_nft_conv_expr(struct tsn_nft_ruleset *rs, struct tsn_nft_conv *cv,
		      struct tsn_nft_expr *e, const struct nlattr *elem)
{
	const struct nlattr *tb[NFTA_EXPR_DATA + 1] = { 0 };
	struct ex ex = { .rs = rs, .cv = cv }, *x = &ex;
	const char *n;
	int ret;

	if (mnl_attr_get_type(elem) != NFTA_LIST_ELEM ||
	    attrs(elem, tb, NFTA_EXPR_DATA) < 0 ||
	    !(n = str(x, tb[NFTA_EXPR_NAME])) ||
	    (tb[NFTA_EXPR_DATA] &&
	     attrs(tb[NFTA_EXPR_DATA], x->tb, ATTRS_MAX) < 0))
		return -EINVAL;
	for (size_t k = 0; k < ARRAY_LEN(convs); k++) {
		if (strcmp(n, convs[k].name))
			continue;
		e->label = convs[k].name;
		ret = convs[k].conv(x, e);
		return ret ? ret : x->bad ? -EINVAL : 0;
	}
	/* Newer than this code: it may decide anything. */
	e->op = TSN_NFT_TERM_UNKNOWN;
	e->label = tsn_nft_label(x->rs, "an unknown expression",
				 "%.40s (an expression tsnet does not know)",
				 n);
	return 0;
}

