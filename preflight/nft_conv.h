/* nft_conv.h - libnftnl objects into the model (nft_conv.c, nft_read.c). */
#ifndef TSN_NFT_CONV_H
#define TSN_NFT_CONV_H

#include <stdbool.h>

#include "preflight/nft.h"

struct nftnl_expr;

struct tsn_nft_conv {
	bool writes_ct_mark;	/* some rule sets ct mark */
};

/* Append the model of ne to r: 0, -EINVAL (malformed) or -ENOMEM. */
int tsn_nft_conv_expr(struct tsn_nft_conv *cv, struct tsn_nft_rule *r,
		      const struct nftnl_expr *ne);

/* Check every attribute of an nf_tables dump message that libnftnl will
 * read (which exits on a malformed one): 0 or -EINVAL. */
struct nlmsghdr;
int tsn_nft_validate_msg(const struct nlmsghdr *nlh);

#endif
