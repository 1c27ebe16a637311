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
#include <stdbool.h>

#include "tests/helpers/nft_helper.h"

#define SETS_MAX 256

static struct nft_helper h;
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
	return nft_helper_dump(&h, type, set, save_cb,
			       remember ? &n_sets : NULL);
}

int main(void)
{
	int ret = nft_helper_open(&h, "nft_record");

	if (ret)
		return ret;
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
	mnl_socket_close(h.nl);
	if (ret || fflush(stdout)) {
		fprintf(stderr, "nft_record: dump: %s\n", strerror(errno));
		return 3;
	}
	return 0;
}
