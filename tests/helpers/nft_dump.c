/* nft_dump.c - the floor under reading a ruleset, for bench/fix.sh: ask
 * the kernel for every rule of this network namespace (the same
 * NFT_MSG_GETRULE dump tsnet's reader sends, same receive buffer) and
 * count the messages and bytes, parsing nothing.
 *
 *   nft_dump  ->  "10000 rules 4719988 bytes" (of rule messages)
 *
 * Exit 0, or 3 when the socket or the dump fails (message on stderr).
 */
#include "tests/helpers/nft_helper.h"

struct tally {
	unsigned long rules, bytes;
};

static int count(const struct nlmsghdr *nlh, void *data)
{
	struct tally *t = data;

	t->rules++;
	t->bytes += NLMSG_ALIGN(nlh->nlmsg_len);
	return MNL_CB_OK;
}

int main(void)
{
	struct nft_helper h = { 0 };
	struct tally t = { 0, 0 };
	int ret = nft_helper_open(&h, "nft_dump");

	if (ret)
		return ret;
	ret = nft_helper_dump(&h, NFT_MSG_GETRULE, NULL, count, &t);
	if (ret < 0)
		fprintf(stderr, "nft_dump: dump: %s\n", strerror(errno));
	mnl_socket_close(h.nl);
	if (ret < 0)
		return 3;
	printf("%lu rules %lu bytes\n", t.rules, t.bytes);
	return 0;
}
