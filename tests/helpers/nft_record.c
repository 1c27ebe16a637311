/* nft_record.c - record this network namespace's ruleset as the reader
 * receives it, for tests/fuzz/corpus/nft/NAME.bin (test_nft_read and
 * fuzz_nft's seeds): the dump messages of the tables, chains, sets, each
 * set's elements and the rules, in that order, as they came, without
 * the dumps' NLMSG_DONE.
 *
 *   ip netns exec NS nft_record >tests/fuzz/corpus/nft/NAME.bin
 *
 * Exit 0, or 3 when the socket or a dump fails (message on stderr).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#define SETS_MAX 256

static struct mnl_socket *nl;
static unsigned int portid, seq;
static struct {
	uint32_t family;
	char table[64], name[64];
} sets[SETS_MAX];
static int n_sets;

static int save_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s;

	if (fwrite(nlh, 1, NLMSG_ALIGN(nlh->nlmsg_len), stdout) !=
	    NLMSG_ALIGN(nlh->nlmsg_len))
		return MNL_CB_ERROR;
	if (!data || n_sets == SETS_MAX)
		return MNL_CB_OK;
	s = nftnl_set_alloc();	/* a set: remember it for its elements */
	if (!s || nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	sets[n_sets].family = nftnl_set_get_u32(s, NFTNL_SET_FAMILY);
	snprintf(sets[n_sets].table, sizeof(sets[n_sets].table), "%s",
		 nftnl_set_get_str(s, NFTNL_SET_TABLE));
	snprintf(sets[n_sets].name, sizeof(sets[n_sets].name), "%s",
		 nftnl_set_get_str(s, NFTNL_SET_NAME));
	n_sets++;
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* One dump, every message saved; sets (remember) also noted. */
static int dump(uint16_t type, const struct nftnl_set *set, bool remember)
{
	static char buf[1 << 17];
	struct nlmsghdr *nlh;
	int ret = MNL_CB_OK;

	nlh = nftnl_nlmsg_build_hdr(buf, type, set ? (uint16_t)
			nftnl_set_get_u32(set, NFTNL_SET_FAMILY) :
			NFPROTO_UNSPEC, NLM_F_DUMP, ++seq);
	if (set)
		nftnl_set_elems_nlmsg_build_payload(nlh,
						    (struct nftnl_set *)set);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while (ret > MNL_CB_STOP) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0)
			return -1;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, save_cb,
				 remember ? &n_sets : NULL);
	}
	return ret < 0 ? -1 : 0;
}

int main(void)
{
	int ret;

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "nft_record: netlink: %s\n", strerror(errno));
		return 3;
	}
	portid = mnl_socket_get_portid(nl);
	ret = dump(NFT_MSG_GETTABLE, NULL, false);
	if (!ret)
		ret = dump(NFT_MSG_GETCHAIN, NULL, false);
	if (!ret)
		ret = dump(NFT_MSG_GETSET, NULL, true);
	for (int i = 0; i < n_sets && !ret; i++) {
		struct nftnl_set *s = nftnl_set_alloc();

		if (!s)
			return 3;
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, sets[i].family);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, sets[i].table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, sets[i].name);
		ret = dump(NFT_MSG_GETSETELEM, s, false);
		nftnl_set_free(s);
	}
	if (!ret)
		ret = dump(NFT_MSG_GETRULE, NULL, false);
	mnl_socket_close(nl);
	if (ret || fflush(stdout)) {
		fprintf(stderr, "nft_record: dump: %s\n", strerror(errno));
		return 3;
	}
	return 0;
}
