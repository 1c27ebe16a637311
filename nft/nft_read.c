/* nft_read.c - one message of an nf_tables dump into the model.
 *
 * Tables, chains, sets and elements are validated (nft_valid.c), then
 * parsed by libnftnl; rules are read straight from their attributes, each
 * checked as it is read (nft_rule.c, nft_conv.c).  The dumps themselves
 * are nft_fetch.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "lib/util.h"
#include "nft/nft_conv.h"

#define ELEMS_MAX 2000000	/* per set: beyond this, undecidable */

static int parse_table(struct tsn_nft_ruleset *rs, const struct nlmsghdr *nlh)
{
	struct nftnl_table *t = nftnl_table_alloc();
	char **d;
	int ret = -EINVAL;

	if (!t)
		return -ENOMEM;
	if (nftnl_table_nlmsg_parse(nlh, t) < 0 ||
	    !nftnl_table_get_str(t, NFTNL_TABLE_NAME))
		goto out;
	rs->n_tables++;
	ret = 0;
	/* A dormant table's base chains are not hooked. */
	if (!(nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS) & NFT_TABLE_F_DORMANT))
		goto out;
	ret = -ENOMEM;
	d = realloc(rs->dormant, (rs->n_dormant + 1) * sizeof(*d));
	if (!d)
		goto out;
	rs->dormant = d;
	if (asprintf(&d[rs->n_dormant], "%u %s",
		     nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY),
		     nftnl_table_get_str(t, NFTNL_TABLE_NAME)) < 0)
		goto out;
	rs->n_dormant++;
	ret = 0;
out:
	nftnl_table_free(t);
	return ret;
}

static bool dormant(const struct tsn_nft_ruleset *rs, int family,
		    const char *table)
{
	char key[300];

	snprintf(key, sizeof(key), "%d %s", family, table);
	for (size_t i = 0; i < rs->n_dormant; i++)
		if (!strcmp(rs->dormant[i], key))
			return true;
	return false;
}

static const char *chain_dev(const struct nftnl_chain *c)
{
	const char *const *devs;

	if (nftnl_chain_is_set(c, NFTNL_CHAIN_DEV))
		return nftnl_chain_get_str(c, NFTNL_CHAIN_DEV);
	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_DEVICES))
		return NULL;
	devs = nftnl_chain_get_array(c, NFTNL_CHAIN_DEVICES);
	return devs ? devs[0] : NULL;	/* first device of a multi-dev */
}

static int parse_chain(struct tsn_nft_ruleset *rs, const struct nlmsghdr *nlh)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct tsn_nft_chain *m;
	const char *table, *name;
	int family, ret = -EINVAL;

	if (!c)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
		goto out;
	table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
	name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	family = (int)nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	if (!table || !name)
		goto out;
	ret = -ENOMEM;
	m = tsn_nft_chain_add(rs, family, table, name);
	if (!m)
		goto out;
	ret = 0;
	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) ||
	    dormant(rs, family, table))
		goto out;
	ret = tsn_nft_chain_set_base(m,
		nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM),
		nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO),
		nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) ?
			(int)nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) :
			NF_ACCEPT,
		nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), chain_dev(c));
out:
	nftnl_chain_free(c);
	return ret;
}

static int parse_rule(struct tsn_nft_ruleset *rs, const struct nlmsghdr *nlh)
{
	struct tsn_nft_conv cv = { 0 };
	int ret = tsn_nft_parse_rule(rs, nlh, &cv);

	rs->writes_ct_mark |= cv.writes_ct_mark;
	return ret;
}

static int parse_set(struct tsn_nft_ruleset *rs, const struct nlmsghdr *nlh)
{
	struct nftnl_set *s = nftnl_set_alloc();
	const char *table, *name;
	struct tsn_nft_set *m;
	int ret = -EINVAL;

	if (!s)
		return -ENOMEM;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0)
		goto out;
	table = nftnl_set_get_str(s, NFTNL_SET_TABLE);
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	if (!table || !name || !nftnl_set_is_set(s, NFTNL_SET_KEY_LEN))
		goto out;
	ret = -EINVAL;	/* key or data longer than a register file */
	m = tsn_nft_set_add(rs, (int)nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
			    table, name, nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
			    nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN),
			    nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE),
			    nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN));
	if (!m)
		goto out;
	/* where a dynset adds to it: full at this size */
	if (nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE))
		m->size = nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE);
	ret = 0;
out:
	nftnl_set_free(s);
	return ret;
}

/* nftnl_set_elem_get_u32() reads through NULL when the attribute is
 * missing: go through the checked getter. */
static uint32_t elem_u32(struct nftnl_set_elem *e, uint16_t attr)
{
	uint32_t len = 0, v = 0;
	const void *p = nftnl_set_elem_get(e, attr, &len);

	if (p && len == sizeof(v))
		memcpy(&v, p, sizeof(v));
	return v;
}

static int elem_cb(struct nftnl_set_elem *e, void *data)
{
	struct tsn_nft_set *s = data;
	uint32_t klen = 0, kelen = 0, dlen = 0;
	const uint8_t *key, *kend, *d;
	const char *chain = NULL;
	int verdict = 0;

	if (s->n_elems >= ELEMS_MAX) {
		s->undecidable = "set larger than the evaluator's cap";
		return 0;
	}
	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	kend = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &kelen);
	d = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen);
	/* The catch-all element has no key. */
	if (!key && (elem_u32(e, NFTNL_SET_ELEM_FLAGS) &
		     NFT_SET_ELEM_CATCHALL)) {
		static const uint8_t zero[TSN_NFT_DATA_MAX];

		key = zero;
		klen = s->key_len;
	}
	if (!key || klen != s->key_len || (kend && kelen != s->key_len) ||
	    (d && dlen > TSN_NFT_DATA_MAX))
		return -1;
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT)) {
		verdict = (int)elem_u32(e, NFTNL_SET_ELEM_VERDICT);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN))
			chain = nftnl_set_elem_get_str(e,
						       NFTNL_SET_ELEM_CHAIN);
	}
	return tsn_nft_elem_add(s, key, kend,
		elem_u32(e, NFTNL_SET_ELEM_FLAGS), verdict,
		chain, d, d ? dlen : 0) ? -1 : 0;
}

static int parse_elems(struct tsn_nft_ruleset *rs,
		       const struct nlmsghdr *nlh)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct tsn_nft_set *m;
	const char *table, *name;
	int ret = -EINVAL;

	if (!s)
		return -ENOMEM;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
		goto out;
	table = nftnl_set_get_str(s, NFTNL_SET_TABLE);
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	if (!table || !name)
		goto out;
	m = tsn_nft_set_find(rs, (int)nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
			     table, name);
	if (!m)
		goto out;
	ret = nftnl_set_elem_foreach(s, elem_cb, m) < 0 ? -EINVAL : 0;
out:
	nftnl_set_free(s);
	return ret;
}

int tsn_nft_parse_msg(struct tsn_nft_ruleset *rs, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nfgenmsg) ||
	    (nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES ||
	    tsn_nft_validate_msg(nlh))
		return -EINVAL;
	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWTABLE:
		return parse_table(rs, nlh);
	case NFT_MSG_NEWCHAIN:
		return parse_chain(rs, nlh);
	case NFT_MSG_NEWRULE:
		return parse_rule(rs, nlh);
	case NFT_MSG_NEWSET:
		return parse_set(rs, nlh);
	case NFT_MSG_NEWSETELEM:
		return parse_elems(rs, nlh);
	default:
		return 0;	/* not ours to read: skip */
	}
}
