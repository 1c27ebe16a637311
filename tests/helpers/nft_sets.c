/* nft_sets.c - every set of this network namespace's ruleset, as the
 * kernel keeps it, one line each, for tests: what `nft list` does not
 * show, such as an anonymous set's declared size (NFTA_SET_DESC_SIZE).
 *
 *   nft_sets  ->  "inet filter __set0 anonymous size 3 keylen 4"
 *
 * Exit 0, or 3 when the socket or the dump fails (message on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

static const char *family(uint32_t f)
{
	switch (f) {
	case NFPROTO_INET: return "inet";
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	case NFPROTO_NETDEV: return "netdev";
	default: return "?";
	}
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t flags;

	(void)data;
	if (!s || nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	printf("%s %s %s %s size %u keylen %u\n",
	       family(nftnl_set_get_u32(s, NFTNL_SET_FAMILY)),
	       nftnl_set_get_str(s, NFTNL_SET_TABLE),
	       nftnl_set_get_str(s, NFTNL_SET_NAME),
	       flags & NFT_SET_ANONYMOUS ? "anonymous" : "named",
	       nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE) ?
		       nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE) : 0,
	       nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN));
	nftnl_set_free(s);
	return MNL_CB_OK;
}

int main(void)
{
	static char buf[1 << 16];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	struct nlmsghdr *nlh;
	unsigned int portid;
	int ret = MNL_CB_OK;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "nft_sets: netlink: %s\n", strerror(errno));
		return 3;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_UNSPEC,
				    NLM_F_DUMP, 1);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		ret = MNL_CB_ERROR;
	while (ret > MNL_CB_STOP) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			ret = MNL_CB_ERROR;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, 1, portid, set_cb, NULL);
	}
	mnl_socket_close(nl);
	if (ret < 0) {
		fprintf(stderr, "nft_sets: dump: %s\n", strerror(errno));
		return 3;
	}
	return 0;
}
