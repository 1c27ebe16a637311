/* nft_conv.c - libnftnl expressions into the evaluator's model.
 *
 * Each kernel expression becomes one model expression.  Registers and
 * data lengths come from netlink, so they are checked here: a register
 * number the kernel cannot have, or data that would run past the
 * register file, makes the rule malformed (-EINVAL) rather than being
 * trusted by the evaluator.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "preflight/nft_conv.h"

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

static int reg(const struct nftnl_expr *ne, uint16_t attr, uint8_t *out)
{
	int off = tsn_nft_reg_offset(nftnl_expr_get_u32(ne, attr));

	if (off < 0)
		return -EINVAL;	/* not a register the kernel has */
	*out = (uint8_t)off;
	return 0;
}

/* Copy a data attribute of at most TSN_NFT_DATA_MAX bytes. */
static int data(const struct nftnl_expr *ne, uint16_t attr, uint8_t *dst,
		uint8_t *len)
{
	uint32_t n = 0;
	const void *p = nftnl_expr_get(ne, attr, &n);

	if (!p || n == 0 || n > TSN_NFT_DATA_MAX)
		return -EINVAL;
	memcpy(dst, p, n);
	if (len)
		*len = (uint8_t)n;
	return 0;
}

static int conv_meta(struct tsn_nft_conv *cv, const struct nftnl_expr *ne,
		     struct tsn_nft_expr *e)
{
	uint32_t key = nftnl_expr_get_u32(ne, NFTNL_EXPR_META_KEY);

	snprintf(e->name, sizeof(e->name), "meta %s",
		 key < sizeof(meta_keys) / sizeof(*meta_keys) ?
			 meta_keys[key] : "?");
	e->key = key;
	if (nftnl_expr_is_set(ne, NFTNL_EXPR_META_SREG)) {
		e->op = TSN_NFT_META_SET;
		return reg(ne, NFTNL_EXPR_META_SREG, &e->sreg);
	}
	e->op = TSN_NFT_META;
	return reg(ne, NFTNL_EXPR_META_DREG, &e->dreg);
}

static int conv_ct(struct tsn_nft_conv *cv, const struct nftnl_expr *ne,
		   struct tsn_nft_expr *e)
{
	uint32_t key = nftnl_expr_get_u32(ne, NFTNL_EXPR_CT_KEY);

	snprintf(e->name, sizeof(e->name), "ct %s",
		 key < sizeof(ct_keys) / sizeof(*ct_keys) ? ct_keys[key] :
							    "?");
	e->key = key;
	if (nftnl_expr_is_set(ne, NFTNL_EXPR_CT_SREG)) {
		e->op = TSN_NFT_NOP;	/* ct mark set, ct helper set... */
		if (key == NFT_CT_MARK)
			cv->writes_ct_mark = true;
		return 0;
	}
	e->op = TSN_NFT_CT;
	if (nftnl_expr_is_set(ne, NFTNL_EXPR_CT_DIR))
		e->flags = 1 + nftnl_expr_get_u8(ne, NFTNL_EXPR_CT_DIR);
	return reg(ne, NFTNL_EXPR_CT_DREG, &e->dreg);
}

static int conv_payload(const struct nftnl_expr *ne, struct tsn_nft_expr *e)
{
	static const char *const bases[] = { "ll", "nh", "th", "ih" };

	e->base = nftnl_expr_get_u32(ne, NFTNL_EXPR_PAYLOAD_BASE);
	e->offset = nftnl_expr_get_u32(ne, NFTNL_EXPR_PAYLOAD_OFFSET);
	e->len = (uint8_t)nftnl_expr_get_u32(ne, NFTNL_EXPR_PAYLOAD_LEN);
	snprintf(e->name, sizeof(e->name), "payload @%s,%u,%u",
		 e->base < 4 ? bases[e->base] : "?", e->offset * 8,
		 e->len * 8u);
	if (nftnl_expr_is_set(ne, NFTNL_EXPR_PAYLOAD_SREG)) {
		e->op = TSN_NFT_NOP;	/* a rewrite, not a match */
		return 0;
	}
	if (nftnl_expr_get_u32(ne, NFTNL_EXPR_PAYLOAD_LEN) > TSN_NFT_DATA_MAX)
		return -EINVAL;
	e->op = TSN_NFT_PAYLOAD;
	return reg(ne, NFTNL_EXPR_PAYLOAD_DREG, &e->dreg);
}

static int conv_cmp(const struct nftnl_expr *ne, struct tsn_nft_expr *e,
		    bool range)
{
	if (range) {
		e->key = nftnl_expr_get_u32(ne, NFTNL_EXPR_RANGE_OP);
		if (data(ne, NFTNL_EXPR_RANGE_FROM_DATA, e->data, &e->len) ||
		    data(ne, NFTNL_EXPR_RANGE_TO_DATA, e->data2, NULL))
			return -EINVAL;
		return reg(ne, NFTNL_EXPR_RANGE_SREG, &e->sreg);
	}
	e->key = nftnl_expr_get_u32(ne, NFTNL_EXPR_CMP_OP);
	if (data(ne, NFTNL_EXPR_CMP_DATA, e->data, &e->len))
		return -EINVAL;
	return reg(ne, NFTNL_EXPR_CMP_SREG, &e->sreg);
}

static int conv_bitwise(const struct nftnl_expr *ne, struct tsn_nft_expr *e)
{
	uint32_t len = nftnl_expr_get_u32(ne, NFTNL_EXPR_BITWISE_LEN);

	if (len == 0 || len > TSN_NFT_DATA_MAX)
		return -EINVAL;
	e->len = (uint8_t)len;
	if (reg(ne, NFTNL_EXPR_BITWISE_SREG, &e->sreg) ||
	    reg(ne, NFTNL_EXPR_BITWISE_DREG, &e->dreg))
		return -EINVAL;
	if (nftnl_expr_is_set(ne, NFTNL_EXPR_BITWISE_OP) &&
	    nftnl_expr_get_u32(ne, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL) {
		/* Shifts (mark tricks) are not modelled: unknown result. */
		e->op = TSN_NFT_LOAD_UNKNOWN;
		snprintf(e->name, sizeof(e->name), "bitwise shift");
		return 0;
	}
	if (data(ne, NFTNL_EXPR_BITWISE_MASK, e->data, NULL) ||
	    data(ne, NFTNL_EXPR_BITWISE_XOR, e->data2, NULL))
		return -EINVAL;
	return 0;
}

static int conv_lookup(const struct nftnl_expr *ne, struct tsn_nft_expr *e)
{
	const char *set = nftnl_expr_get_str(ne, NFTNL_EXPR_LOOKUP_SET);

	if (!set)
		return -EINVAL;
	snprintf(e->name, sizeof(e->name), "lookup @%.40s", set);
	e->inv = nftnl_expr_is_set(ne, NFTNL_EXPR_LOOKUP_FLAGS) &&
		 (nftnl_expr_get_u32(ne, NFTNL_EXPR_LOOKUP_FLAGS) &
		  NFT_LOOKUP_F_INV);
	if (nftnl_expr_is_set(ne, NFTNL_EXPR_LOOKUP_DREG)) {
		e->flags = TSN_NFT_LOOKUP_MAP;
		if (reg(ne, NFTNL_EXPR_LOOKUP_DREG, &e->dreg))
			return -EINVAL;
	}
	if (reg(ne, NFTNL_EXPR_LOOKUP_SREG, &e->sreg))
		return -EINVAL;
	return tsn_nft_expr_set_set(e, set);
}

static int conv_imm(const struct nftnl_expr *ne, struct tsn_nft_expr *e)
{
	const char *chain;

	if (reg(ne, NFTNL_EXPR_IMM_DREG, &e->dreg))
		return -EINVAL;
	if (e->dreg)
		return data(ne, NFTNL_EXPR_IMM_DATA, e->data, &e->len);
	if (!nftnl_expr_is_set(ne, NFTNL_EXPR_IMM_VERDICT))
		return -EINVAL;
	e->verdict = (int)nftnl_expr_get_u32(ne, NFTNL_EXPR_IMM_VERDICT);
	if (e->verdict != NFT_JUMP && e->verdict != NFT_GOTO)
		return 0;
	chain = nftnl_expr_get_str(ne, NFTNL_EXPR_IMM_CHAIN);
	if (!chain)
		return -EINVAL;
	return tsn_nft_expr_set_target(e, chain);
}

/* "may not pass" rate-style expressions: a single first packet is within
 * any rate, quota or connection count; the inverted ("over") form never
 * matches it. */
static void conv_inv_flag(const struct nftnl_expr *ne, struct tsn_nft_expr *e,
			  uint16_t attr, uint32_t inv)
{
	bool over = nftnl_expr_is_set(ne, attr) &&
		    (nftnl_expr_get_u32(ne, attr) & inv);

	e->op = over ? TSN_NFT_BREAK : TSN_NFT_NOP;
}

static int conv_xt(struct tsn_nft_conv *cv, const struct nftnl_expr *ne,
		   struct tsn_nft_expr *e, bool target)
{
	const char *n = nftnl_expr_get_str(ne, target ? NFTNL_EXPR_TG_NAME :
							NFTNL_EXPR_MT_NAME);

	if (!n)
		n = "?";
	snprintf(e->name, sizeof(e->name), "xt %s %.24s",
		 target ? "target" : "match", n);
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
		cv->writes_ct_mark |= n[0] == 'C';
		e->op = TSN_NFT_META_SET;
		e->key = NFT_META_MARK;
		e->sreg = 0;
	} else
		e->op = TSN_NFT_TERM_UNKNOWN;
	return 0;
}

/* Expressions that load a value we cannot know into a register. */
static const struct {
	const char *name;
	uint16_t dreg;
} unknown_loads[] = {
	{ "socket", NFTNL_EXPR_SOCKET_DREG },
	{ "osf", NFTNL_EXPR_OSF_DREG },
	{ "numgen", NFTNL_EXPR_NG_DREG },
	{ "hash", NFTNL_EXPR_HASH_DREG },
	{ "rt", NFTNL_EXPR_RT_DREG },
	{ "xfrm", NFTNL_EXPR_XFRM_DREG },
	{ "exthdr", NFTNL_EXPR_EXTHDR_DREG },
	{ "tunnel", NFTNL_EXPR_TUNNEL_DREG },
};

static const char *const terminal_unknown[] = {
	"queue", "nat", "masq", "redir", "tproxy", "fwd", "synproxy",
};

static const char *const noops[] = {
	"counter", "log", "last", "notrack", "dup", "flow_offload",
	"secmark",
};

static int conv_other(const char *n, const struct nftnl_expr *ne,
		      struct tsn_nft_expr *e)
{
	for (size_t i = 0; i < sizeof(noops) / sizeof(*noops); i++)
		if (!strcmp(n, noops[i]))
			return 0;
	for (size_t i = 0; i < sizeof(unknown_loads) / sizeof(*unknown_loads);
	     i++) {
		if (strcmp(n, unknown_loads[i].name))
			continue;
		if (!nftnl_expr_is_set(ne, unknown_loads[i].dreg))
			return 0;	/* exthdr write: not a match */
		e->op = TSN_NFT_LOAD_UNKNOWN;
		e->len = 16;
		if (reg(ne, unknown_loads[i].dreg, &e->dreg))
			return -EINVAL;
		if (e->dreg + e->len > TSN_NFT_REGS_LEN)
			e->len = (uint8_t)(TSN_NFT_REGS_LEN - e->dreg);
		return 0;
	}
	for (size_t i = 0;
	     i < sizeof(terminal_unknown) / sizeof(*terminal_unknown); i++)
		if (!strcmp(n, terminal_unknown[i])) {
			e->op = TSN_NFT_TERM_UNKNOWN;
			return 0;
		}
	e->op = TSN_NFT_MATCH_UNKNOWN;	/* may match, may not */
	return 0;
}

int tsn_nft_conv_expr(struct tsn_nft_conv *cv, struct tsn_nft_rule *r,
		      const struct nftnl_expr *ne)
{
	const char *n = nftnl_expr_get_str(ne, NFTNL_EXPR_NAME);
	struct tsn_nft_expr *e;

	if (!n)
		return -EINVAL;
	e = tsn_nft_expr_add(r, TSN_NFT_NOP, n);
	if (!e)
		return -ENOMEM;
	if (!strcmp(n, "meta"))
		return conv_meta(cv, ne, e);
	if (!strcmp(n, "ct"))
		return conv_ct(cv, ne, e);
	if (!strcmp(n, "payload"))
		return conv_payload(ne, e);
	if (!strcmp(n, "cmp") || !strcmp(n, "range")) {
		e->op = n[0] == 'c' ? TSN_NFT_CMP : TSN_NFT_RANGE;
		return conv_cmp(ne, e, e->op == TSN_NFT_RANGE);
	}
	if (!strcmp(n, "bitwise")) {
		e->op = TSN_NFT_BITWISE;
		return conv_bitwise(ne, e);
	}
	if (!strcmp(n, "byteorder")) {
		e->op = TSN_NFT_BYTEORDER;
		e->key = nftnl_expr_get_u32(ne, NFTNL_EXPR_BYTEORDER_OP);
		e->flags = nftnl_expr_get_u32(ne, NFTNL_EXPR_BYTEORDER_SIZE);
		if (nftnl_expr_get_u32(ne, NFTNL_EXPR_BYTEORDER_LEN) >
		    TSN_NFT_DATA_MAX)
			return -EINVAL;
		e->len = (uint8_t)nftnl_expr_get_u32(ne,
						NFTNL_EXPR_BYTEORDER_LEN);
		if (reg(ne, NFTNL_EXPR_BYTEORDER_SREG, &e->sreg) ||
		    reg(ne, NFTNL_EXPR_BYTEORDER_DREG, &e->dreg))
			return -EINVAL;
		return 0;
	}
	if (!strcmp(n, "lookup")) {
		e->op = TSN_NFT_LOOKUP;
		return conv_lookup(ne, e);
	}
	if (!strcmp(n, "immediate")) {
		e->op = TSN_NFT_IMMEDIATE;
		return conv_imm(ne, e);
	}
	if (!strcmp(n, "fib")) {
		e->op = TSN_NFT_FIB;
		e->key = nftnl_expr_get_u32(ne, NFTNL_EXPR_FIB_RESULT);
		e->flags = nftnl_expr_get_u32(ne, NFTNL_EXPR_FIB_FLAGS);
		return reg(ne, NFTNL_EXPR_FIB_DREG, &e->dreg);
	}
	if (!strcmp(n, "reject")) {
		e->op = TSN_NFT_REJECT;
		return 0;
	}
	if (!strcmp(n, "limit"))
		conv_inv_flag(ne, e, NFTNL_EXPR_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	else if (!strcmp(n, "quota"))
		conv_inv_flag(ne, e, NFTNL_EXPR_QUOTA_FLAGS, NFT_QUOTA_F_INV);
	else if (!strcmp(n, "connlimit"))
		conv_inv_flag(ne, e, NFTNL_EXPR_CONNLIMIT_FLAGS,
			      NFT_CONNLIMIT_F_INV);
	else if (!strcmp(n, "match") || !strcmp(n, "target"))
		return conv_xt(cv, ne, e, n[0] == 't');
	else if (!strcmp(n, "objref"))
		e->op = nftnl_expr_get_u32(ne, NFTNL_EXPR_OBJREF_IMM_TYPE) ==
				NFT_OBJECT_COUNTER ? TSN_NFT_NOP :
						     TSN_NFT_MATCH_UNKNOWN;
	else if (!strcmp(n, "dynset"))
		/* add/update @set is a no-op for the verdict unless the
		 * element carries its own expressions (a meter). */
		e->op = nftnl_expr_is_set(ne, NFTNL_EXPR_DYNSET_EXPR) ||
				nftnl_expr_is_set(ne,
					NFTNL_EXPR_DYNSET_EXPRESSIONS) ?
			TSN_NFT_MATCH_UNKNOWN : TSN_NFT_NOP;
	else
		return conv_other(n, ne, e);
	return 0;
}
