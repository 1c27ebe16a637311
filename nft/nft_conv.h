/* nft_conv.h - netlink messages into the model (nft_conv.c, nft_rule.c,
 * nft_read.c, fed by nft_fetch.c). */
#ifndef TSN_NFT_CONV_H
#define TSN_NFT_CONV_H

#include <stdbool.h>

#include "nft/nft.h"

struct nlmsghdr;

struct tsn_nft_conv {
	bool writes_ct_mark;	/* some rule sets ct mark */
};

/* nft_conv.c: one NFTA_LIST_ELEM of a rule message (an expression) into
 * e, checking every attribute it reads: 0, -EINVAL (malformed) or
 * -ENOMEM.  An expression this code does not know is one of unknown
 * outcome, named. */
struct nlattr;
int tsn_nft_conv_expr(struct tsn_nft_ruleset *rs, struct tsn_nft_conv *cv,
		      struct tsn_nft_expr *e, const struct nlattr *elem);

/* nft_rule.c: one NFT_MSG_NEWRULE message (its attributes are checked
 * there, not by tsn_nft_validate_msg) appended to its chain in rs: 0, -EINVAL (no such chain, malformed) or
 * -ENOMEM.  A rule with a malformed expression is kept as one expression
 * of unknown outcome. */
int tsn_nft_parse_rule(struct tsn_nft_ruleset *rs, const struct nlmsghdr *nlh,
		       struct tsn_nft_conv *cv);

/* Check every attribute of an nf_tables dump message that libnftnl will
 * read (which exits on a malformed one): 0 or -EINVAL.  Rules are not
 * libnftnl's to read: they pass (tsn_nft_parse_rule checks them). */
int tsn_nft_validate_msg(const struct nlmsghdr *nlh);

#endif
