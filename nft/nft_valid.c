/* nft_valid.c - check a dump message's attributes before libnftnl sees it.
 *
 * libnftnl treats an attribute of the wrong size as a broken kernel ABI
 * and calls exit() (found by tests/fuzz/fuzz_nft.c), and it strdup()s
 * string attributes whether or not they end in NUL.  tsnet must neither
 * exit nor read past an attribute, so every attribute libnftnl will look
 * at is checked here first, with the types of the kernel's nla_policy:
 * integers of exactly their size, strings non-empty and NUL-terminated,
 * nests well-formed all the way down (expressions by name, data, set
 * elements).  Depth is capped: a set element's expressions can nest.
 * Rules are not libnftnl's to parse any more: nft_rule.c and nft_conv.c
 * check their attributes as they read them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft/nft_conv.h"

enum {
	T_NONE, T_U8, T_U16, T_U32, T_U64, T_STR, T_BIN,
	T_DATA,		/* NFTA_DATA_* nest */
	T_EXPR,		/* one expression: name + data */
	T_EXPRS,	/* a list of expressions */
	T_HOOK, T_DEVS, T_COUNTERS, T_DESC, T_ELEMS, T_ELEM,
	T_VERDICT, T_CONCAT, T_FIELD,
	T_VALUE,	/* NFTA_DATA_VALUE: at most NFT_DATA_VALUE_MAXLEN */
	T_ANY,		/* a nest libnftnl does not look into */
};

#define DEPTH_MAX 6

struct schema {
	const char *name;	/* expressions only */
	unsigned max;
	uint8_t t[20];
};

static const struct schema s_table = { NULL, 7,
	{ 0, T_STR, T_U32, T_U32, T_U64, 0, T_BIN, T_U32 } };
static const struct schema s_chain = { NULL, 12,
	{ 0, T_STR, T_U64, T_STR, T_HOOK, T_U32, T_U32, T_STR, T_COUNTERS,
	  0, T_U32, T_U32, T_BIN } };
static const struct schema s_hook = { NULL, 4,
	{ 0, T_U32, T_U32, T_STR, T_DEVS } };
static const struct schema s_devs = { NULL, 1, { 0, T_STR } };
static const struct schema s_counters = { NULL, 2, { 0, T_U64, T_U64 } };
static const struct schema s_set = { NULL, 18,
	{ 0, T_STR, T_STR, T_U32, T_U32, T_U32, T_U32, T_U32, T_U32, T_DESC,
	  T_U32, T_U64, T_U32, T_BIN, 0, T_U32, T_U64 } };
/* EXPR (17) and EXPRS (18) of a set are checked by set_exprs_cb. */
static const struct schema s_desc = { NULL, 2, { 0, T_U32, T_CONCAT } };
static const struct schema s_field = { NULL, 1, { 0, T_U32 } };
static const struct schema s_elems_msg = { NULL, 4,
	{ 0, T_STR, T_STR, T_ELEMS, T_U32 } };
static const struct schema s_elem = { NULL, 10,
	{ 0, T_DATA, T_DATA, T_U32, T_U64, T_U64, T_BIN, T_EXPR, T_STR, T_DATA,
	  T_EXPRS } };
static const struct schema s_data = { NULL, 2, { 0, T_VALUE, T_VERDICT } };
static const struct schema s_verdict = { NULL, 3, { 0, T_U32, T_STR, T_U32 } };
static const struct schema s_expr = { NULL, 2, { 0, T_STR, T_ANY } };

/* Expression attributes by name, from the kernel's policies. */
static const struct schema s_exprs[] = {
	{ "payload", 8, { 0, T_U32, T_U32, T_U32, T_U32, T_U32, T_U32, T_U32,
			  T_U32 } },
	{ "meta", 3, { 0, T_U32, T_U32, T_U32 } },
	{ "ct", 4, { 0, T_U32, T_U32, T_U8, T_U32 } },
	{ "cmp", 3, { 0, T_U32, T_U32, T_DATA } },
	{ "range", 4, { 0, T_U32, T_U32, T_DATA, T_DATA } },
	{ "bitwise", 7, { 0, T_U32, T_U32, T_U32, T_DATA, T_DATA, T_U32,
			  T_DATA } },
	{ "byteorder", 5, { 0, T_U32, T_U32, T_U32, T_U32, T_U32 } },
	{ "lookup", 5, { 0, T_STR, T_U32, T_U32, T_U32, T_U32 } },
	{ "immediate", 2, { 0, T_U32, T_DATA } },
	{ "counter", 2, { 0, T_U64, T_U64 } },
	{ "log", 6, { 0, T_U16, T_STR, T_U32, T_U16, T_U32, T_U32 } },
	{ "limit", 5, { 0, T_U64, T_U64, T_U32, T_U32, T_U32 } },
	{ "quota", 4, { 0, T_U64, T_U32, 0, T_U64 } },
	{ "connlimit", 2, { 0, T_U32, T_U32 } },
	{ "reject", 2, { 0, T_U32, T_U8 } },
	{ "fib", 3, { 0, T_U32, T_U32, T_U32 } },
	{ "match", 3, { 0, T_STR, T_U32, T_BIN } },
	{ "target", 3, { 0, T_STR, T_U32, T_BIN } },
	{ "objref", 5, { 0, T_U32, T_STR, T_U32, T_STR, T_U32 } },
	{ "dynset", 10, { 0, T_STR, T_U32, T_U32, T_U32, T_U32, T_U64, T_EXPR,
			  0, T_U32, T_EXPRS } },
	{ "socket", 3, { 0, T_U32, T_U32, T_U32 } },
	{ "numgen", 6, { 0, T_U32, T_U32, T_U32, T_U32, T_STR, T_U32 } },
	{ "hash", 9, { 0, T_U32, T_U32, T_U32, T_U32, T_U32, T_U32, T_U32,
		       T_STR, T_U32 } },
	{ "rt", 2, { 0, T_U32, T_U32 } },
	{ "xfrm", 4, { 0, T_U32, T_U32, T_U8, T_U32 } },
	{ "exthdr", 7, { 0, T_U32, T_U8, T_U32, T_U32, T_U32, T_U32, T_U32 } },
	{ "queue", 4, { 0, T_U16, T_U16, T_U16, T_U32 } },
	{ "nat", 7, { 0, T_U32, T_U32, T_U32, T_U32, T_U32, T_U32, T_U32 } },
	{ "masq", 3, { 0, T_U32, T_U32, T_U32 } },
	{ "redir", 3, { 0, T_U32, T_U32, T_U32 } },
	{ "tproxy", 3, { 0, T_U32, T_U32, T_U32 } },
	{ "dup", 2, { 0, T_U32, T_U32 } },
	{ "fwd", 3, { 0, T_U32, T_U32, T_U32 } },
	{ "notrack", 0, { 0 } },
	{ "last", 2, { 0, T_U64, T_U32 } },
	{ "osf", 3, { 0, T_U32, T_U8, T_U32 } },
	{ "synproxy", 3, { 0, T_U16, T_U8, T_U32 } },
	{ "tunnel", 2, { 0, T_U32, T_U32 } },
	{ "flow_offload", 1, { 0, T_STR } },
};

struct walk {
	const struct schema *s;
	unsigned depth;
	int err;
};

static int check_attr(const struct nlattr *a, unsigned t, unsigned depth);

static int walk_cb(const struct nlattr *a, void *data)
{
	struct walk *w = data;
	unsigned type = mnl_attr_get_type(a);

	/* Unknown types are skipped by libnftnl: skip them too, except in
	 * a set element, where libnftnl 1.2 bounds the type by the set's
	 * larger maximum and writes past its table on the stack. */
	if (type > w->s->max && w->s == &s_elem) {
		w->err = -EINVAL;
		return MNL_CB_ERROR;
	}
	if (type > w->s->max || type >= sizeof(w->s->t))
		return MNL_CB_OK;
	w->err = check_attr(a, w->s->t[type], w->depth);
	return w->err ? MNL_CB_ERROR : MNL_CB_OK;
}

/* Every attribute of the nest a (or of a message at offset) by s. */
static int walk_nest(const struct nlattr *a, const struct schema *s,
		     unsigned depth)
{
	struct walk w = { s, depth + 1, 0 };

	if (depth >= DEPTH_MAX)
		return -EINVAL;	/* no bottomless nesting */
	if (mnl_attr_parse_nested(a, walk_cb, &w) < 0)
		return w.err ? w.err : -EINVAL;
	return 0;
}

/* libnftnl strdup()s the chain of a jump or goto without asking whether
 * there is one. */
static int check_verdict(const struct nlattr *a, unsigned depth)
{
	const struct nlattr *i;
	bool chain = false;
	int32_t code = 0;

	if (walk_nest(a, &s_verdict, depth))
		return -EINVAL;
	mnl_attr_for_each_nested(i, a) {
		if (mnl_attr_get_type(i) == NFTA_VERDICT_CODE)
			code = (int32_t)ntohl(mnl_attr_get_u32(i));
		else if (mnl_attr_get_type(i) == NFTA_VERDICT_CHAIN)
			chain = true;
	}
	return (code == NFT_JUMP || code == NFT_GOTO) && !chain ? -EINVAL : 0;
}

static int check_expr(const struct nlattr *a, unsigned depth)
{
	const struct nlattr *name = NULL, *data = NULL, *i;

	if (walk_nest(a, &s_expr, depth))
		return -EINVAL;
	mnl_attr_for_each_nested(i, a) {
		if (mnl_attr_get_type(i) == NFTA_EXPR_NAME)
			name = i;
		else if (mnl_attr_get_type(i) == NFTA_EXPR_DATA)
			data = i;
	}
	if (!name)
		return -EINVAL;
	for (size_t k = 0; k < sizeof(s_exprs) / sizeof(*s_exprs); k++)
		if (!strcmp(mnl_attr_get_str(name), s_exprs[k].name))
			return data ? walk_nest(data, &s_exprs[k], depth) : 0;
	return 0;	/* unknown to libnftnl too: it refuses, not exits */
}

/* A nest of NFTA_LIST_ELEM items, each checked as t. */
static int check_list(const struct nlattr *a, unsigned t, unsigned depth)
{
	const struct nlattr *i;

	if (depth >= DEPTH_MAX)
		return -EINVAL;
	mnl_attr_for_each_nested(i, a) {
		if (mnl_attr_validate(i, MNL_TYPE_NESTED) < 0 ||
		    check_attr(i, t, depth + 1))
			return -EINVAL;
	}
	return 0;
}

static int check_attr(const struct nlattr *a, unsigned t, unsigned depth)
{
	static const enum mnl_attr_data_type ints[] = {
		[T_U8] = MNL_TYPE_U8, [T_U16] = MNL_TYPE_U16,
		[T_U32] = MNL_TYPE_U32, [T_U64] = MNL_TYPE_U64,
	};

	switch (t) {
	case T_NONE:
	case T_BIN:
		return 0;
	case T_U8: case T_U16: case T_U32: case T_U64:
		return mnl_attr_validate(a, ints[t]) < 0 ? -EINVAL : 0;
	case T_STR:
		/* Non-empty and NUL-terminated: libnftnl strdup()s it. */
		return mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ?
			       -EINVAL : 0;
	case T_VALUE:
		return mnl_attr_get_payload_len(a) > NFT_DATA_VALUE_MAXLEN ?
			       -EINVAL : 0;
	}
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
		return -EINVAL;
	switch (t) {
	case T_DATA: return walk_nest(a, &s_data, depth);
	case T_VERDICT: return check_verdict(a, depth);
	case T_EXPR: return check_expr(a, depth);
	case T_EXPRS: return check_list(a, T_EXPR, depth);
	case T_HOOK: return walk_nest(a, &s_hook, depth);
	case T_DEVS: return walk_nest(a, &s_devs, depth);
	case T_COUNTERS: return walk_nest(a, &s_counters, depth);
	case T_DESC: return walk_nest(a, &s_desc, depth);
	case T_ELEMS: return check_list(a, T_ELEM, depth);
	case T_ELEM: return walk_nest(a, &s_elem, depth);
	case T_CONCAT: return check_list(a, T_FIELD, depth);
	case T_FIELD: return walk_nest(a, &s_field, depth);
	default: return 0;	/* T_ANY */
	}
}

static int walk_msg(const struct nlmsghdr *nlh, const struct schema *s)
{
	struct walk w = { s, 0, 0 };

	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), walk_cb, &w) < 0)
		return w.err ? w.err : -EINVAL;
	return 0;
}

static int set_exprs_cb(const struct nlattr *a, void *data)
{
	int *err = data;

	if (mnl_attr_get_type(a) == NFTA_SET_EXPR)
		*err = check_attr(a, T_EXPR, 0);
	else if (mnl_attr_get_type(a) == NFTA_SET_EXPRESSIONS)
		*err = check_attr(a, T_EXPRS, 0);
	return *err ? MNL_CB_ERROR : MNL_CB_OK;
}

int tsn_nft_validate_msg(const struct nlmsghdr *nlh)
{
	int err = 0;

	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWTABLE:
		return walk_msg(nlh, &s_table);
	case NFT_MSG_NEWCHAIN:
		return walk_msg(nlh, &s_chain);
	case NFT_MSG_NEWSETELEM:
		return walk_msg(nlh, &s_elems_msg);
	case NFT_MSG_NEWSET:
		if (walk_msg(nlh, &s_set))
			return -EINVAL;
		if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), set_exprs_cb,
				   &err) < 0)
			return err ? err : -EINVAL;
		return 0;
	default:
		return 0;
	}
}
