/* nft_sets.c - every set of this network namespace's ruleset, as the
 * kernel keeps it, one line each, for tests: what `nft list` does not
 * show, such as an anonymous set's declared size (NFTA_SET_DESC_SIZE).
 *
 *   nft_sets  ->  "inet filter __set0 anonymous size 3 keylen 4"
 *
 * Exit 0, or 3 when the socket or the dump fails (message on stderr).
 */
#include "tests/helpers/nft_helper.h"

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
	struct nft_helper h = { 0 };
	int ret = nft_helper_open(&h, "nft_sets");

	if (ret)
		return ret;
	ret = nft_helper_dump(&h, NFT_MSG_GETSET, NULL, set_cb, NULL);
	if (ret < 0)
		fprintf(stderr, "nft_sets: dump: %s\n", strerror(errno));
	mnl_socket_close(h.nl);
	return ret < 0 ? 3 : 0;
}
