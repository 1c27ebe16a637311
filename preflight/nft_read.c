/* nft_read.c - dump the nf_tables ruleset of this network namespace.
 *
 * Tables, chains, sets, each set's elements, then rules, each with an
 * NLM_F_DUMP request over one NETLINK_NETFILTER socket.  Tables,
 * chains, sets and elements are validated (nft_valid.c), then parsed by
 * libnftnl; rules are read straight from their attributes, each checked
 * as it is read (nft_rule.c, nft_conv.c).  The ruleset generation is read
 * before and after; if it moved, the dump is not one ruleset and is taken
 * again.  Reading needs CAP_NET_ADMIN; without it nfnetlink answers
 * -EPERM, which is passed up as is so the caller can say so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "lib/util.h"
#include "preflight/nft_conv.h"

#define ELEMS_MAX 2000000	/* per set: beyond this, undecidable */
#define READ_TRIES 3

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
	if (!tsn_nft_set_add(rs, (int)nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
			     table, name, nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
			     nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN),
			     nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE),
			     nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN)))
		goto out;
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

struct dump_ctx {
	struct tsn_nft_ruleset *rs;
	uint32_t gen;
	int err;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;

	d->err = tsn_nft_parse_msg(d->rs, nlh);
	return d->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (!g)
		return MNL_CB_ERROR;
	if (nftnl_gen_nlmsg_parse(nlh, g) < 0) {
		d->err = -EINVAL;
		nftnl_gen_free(g);
		return MNL_CB_ERROR;
	}
	d->gen = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

struct nl {
	struct mnl_socket *sk;
	uint32_t portid, seq;
	char *buf;
	size_t len;
};

/* Send one request and run every reply through cb until done. */
static int request(struct nl *nl, uint16_t type, uint16_t flags,
		   const struct nftnl_set *set, mnl_cb_t cb,
		   struct dump_ctx *d)
{
	struct nlmsghdr *nlh;
	uint32_t seq = ++nl->seq;
	ssize_t n;
	int ret;

	nlh = nftnl_nlmsg_build_hdr(nl->buf, type, set ?
			(uint16_t)nftnl_set_get_u32(set, NFTNL_SET_FAMILY) :
			NFPROTO_UNSPEC, (flags & NLM_F_DUMP) ? flags :
			flags | NLM_F_ACK, seq);
	if (set)
		nftnl_set_elems_nlmsg_build_payload(nlh,
						    (struct nftnl_set *)set);
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	d->err = 0;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sk, nl->buf, nl->len);
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, d);
		if (ret < 0)
			return d->err ? d->err : -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static int dump_elems(struct nl *nl, struct dump_ctx *d)
{
	struct tsn_nft_ruleset *rs = d->rs;
	int ret = 0;

	/* Sorted first: each reply finds its set with tsn_nft_set_find(),
	 * which sorts the array it is walked by.  Sorting after the first
	 * reply reordered it under this loop: a named set declared before
	 * an anonymous one ("allowed" after "__set0") was asked for twice
	 * and the other never, so "udp dport { 500, 4500 }" matched
	 * nothing. */
	tsn_nft_sort(rs);
	for (size_t i = 0; i < rs->n_sets && !ret; i++) {
		struct nftnl_set *s = nftnl_set_alloc();

		if (!s)
			return -ENOMEM;
		nftnl_set_set_str(s, NFTNL_SET_TABLE, rs->sets[i]->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, rs->sets[i]->name);
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY,
				  (uint32_t)rs->sets[i]->family);
		ret = request(nl, NFT_MSG_GETSETELEM, NLM_F_DUMP, s, dump_cb,
			      d);
		nftnl_set_free(s);
	}
	return ret;
}

static int read_once(struct nl *nl, struct tsn_nft_ruleset *rs,
		     const char **what, bool *moved)
{
	static const struct {
		uint16_t type;
		const char *what;
	} dumps[] = {
		{ NFT_MSG_GETTABLE, "tables" },
		{ NFT_MSG_GETCHAIN, "chains" },
		{ NFT_MSG_GETSET, "sets" },
		{ 0, "set elements" },
		{ NFT_MSG_GETRULE, "rules" },
	};
	struct dump_ctx d = { .rs = rs };
	uint32_t gen;
	int ret;

	*what = "ruleset generation";
	ret = request(nl, NFT_MSG_GETGEN, 0, NULL, gen_cb, &d);
	if (ret)
		return ret;
	gen = d.gen;
	for (size_t i = 0; i < ARRAY_SIZE(dumps); i++) {
		*what = dumps[i].what;
		ret = dumps[i].type ? request(nl, dumps[i].type, NLM_F_DUMP,
					      NULL, dump_cb, &d) :
				      dump_elems(nl, &d);
		if (ret)
			return ret;
	}
	*what = "ruleset generation";
	ret = request(nl, NFT_MSG_GETGEN, 0, NULL, gen_cb, &d);
	*moved = !ret && d.gen != gen;
	return ret;
}

int tsn_nft_read(struct tsn_nft_ruleset **out, char *err, size_t errlen)
{
	struct nl nl = { .len = 1 << 17 };
	struct tsn_nft_ruleset *rs = NULL;
	const char *what = "netlink socket";
	int rcvbuf = 1 << 22, ret = -ENOMEM;
	bool moved = true;

	*out = NULL;
	nl.buf = malloc(nl.len);
	if (!nl.buf)
		goto out;
	nl.sk = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl.sk || mnl_socket_bind(nl.sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	/* A 100,000-element set dumps faster than we parse: room. */
	setsockopt(mnl_socket_get_fd(nl.sk), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));
	nl.portid = mnl_socket_get_portid(nl.sk);
	nl.seq = (uint32_t)time(NULL);
	for (int i = 0; i < READ_TRIES && moved; i++) {
		tsn_nft_ruleset_free(rs);
		ret = -ENOMEM;
		rs = tsn_nft_ruleset_new();
		if (!rs)
			goto out;
		ret = read_once(&nl, rs, &what, &moved);
		if (ret)
			goto out;
	}
	what = "ruleset";
	ret = moved ? -EAGAIN : tsn_nft_finish(rs);
out:
	if (ret == -EPERM)
		what = "ruleset";	/* whichever dump asked first */
	if (ret && err)
		snprintf(err, errlen, "cannot read %s", what);
	if (ret)
		tsn_nft_ruleset_free(rs);
	else
		*out = rs;
	if (nl.sk)
		mnl_socket_close(nl.sk);
	free(nl.buf);
	return ret;
}
