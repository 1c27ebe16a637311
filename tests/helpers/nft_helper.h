/* nft_helper.h - the one nf_tables dump the helpers (nft_dump,
 * nft_record, nft_sets) each make, written once: a NETLINK_NETFILTER
 * socket, and an NLM_F_DUMP request run to its end with every message
 * to a callback.  The receive buffer is the reader's size
 * (nft/nft_fetch.c), so nft_dump measures the dump tsnet gets.
 */
#ifndef TSN_NFT_HELPER_H
#define TSN_NFT_HELPER_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

struct nft_helper {
	struct mnl_socket *nl;
	unsigned int portid, seq;
};

/* 0, or 3 (the helpers' exit code) with a line on stderr. */
static inline int nft_helper_open(struct nft_helper *h, const char *prog)
{
	h->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!h->nl || mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "%s: netlink: %s\n", prog, strerror(errno));
		return 3;
	}
	h->portid = mnl_socket_get_portid(h->nl);
	return 0;
}

/* One dump of type (of set's elements when set is given), every
 * message to cb: 0, or -1 with errno. */
static inline int nft_helper_dump(struct nft_helper *h, uint16_t type,
				  const struct nftnl_set *set, mnl_cb_t cb,
				  void *data)
{
	static char buf[1 << 17];
	struct nlmsghdr *nlh;
	int ret = MNL_CB_OK;

	nlh = nftnl_nlmsg_build_hdr(buf, type, set ? (uint16_t)
			nftnl_set_get_u32(set, NFTNL_SET_FAMILY) :
			NFPROTO_UNSPEC, NLM_F_DUMP, ++h->seq);
	if (set)
		nftnl_set_elems_nlmsg_build_payload(nlh,
						    (struct nftnl_set *)set);
	if (mnl_socket_sendto(h->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while (ret > MNL_CB_STOP) {
		ssize_t n = mnl_socket_recvfrom(h->nl, buf, sizeof(buf));

		if (n < 0)
			return -1;
		ret = mnl_cb_run(buf, (size_t)n, h->seq, h->portid, cb, data);
	}
	return ret < 0 ? -1 : 0;
}

#endif
