/* fuzz_nft.c - arbitrary bytes as an nf_tables ruleset dump.
 *
 * The input is a run of netlink messages fed to tsn_nft_parse_msg() the
 * way the reader feeds a dump; a message whose type is not nf_tables gets
 * one of the five dump types, so the fuzzer need not discover the
 * subsystem number.  Whatever parses is then finished, evaluated and
 * written as the snapshot's text, so the model's checks of registers and
 * lengths are exercised too.  Seeds in corpus/nft are real dumps of the
 * test rulesets, recorded with tests/helpers/nft_record.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "lib/util.h"
#include "nft/fix.h"
#include "nft/nft.h"

static const uint16_t types[] = {
	NFT_MSG_NEWTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_NEWSET,
	NFT_MSG_NEWSETELEM, NFT_MSG_NEWRULE,
};

static void eval_all(const struct tsn_nft_ruleset *rs)
{
	static const char *const protos[] = { "udp500", "udp4500", "esp" };
	struct tsn_nft_verdict v;
	struct tsn_nft_flow f;

	memset(&f, 0, sizeof(f));
	f.family = AF_INET;
	inet_pton(AF_INET, "198.18.20.1", f.local);
	inet_pton(AF_INET, "198.18.20.2", f.peer);
	strcpy(f.ifname, "eth0");
	f.ifindex = 2;
	for (int d = 0; d < 2; d++)
		for (int p = 0; p < 3; p++) {
			f.dir = (enum tsn_nft_dir)d;
			tsn_nft_flow_proto(&f, protos[p]);
			tsn_nft_eval(rs, &f, &v);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsn_nft_ruleset *rs = tsn_nft_ruleset_new();
	uint8_t *buf = malloc(size + 1);
	size_t off = 0;

	if (!rs || !buf)
		goto out;
	memcpy(buf, data, size);
	/* Aligned walk; a length below the header or past the end stops
	 * it, as mnl_nlmsg_ok() would. */
	while (size - off >= NLMSG_HDRLEN) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + off);
		uint32_t len;

		memcpy(&len, buf + off, sizeof(len));
		if (len < NLMSG_HDRLEN || len > size - off)
			break;
		if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES)
			nlh->nlmsg_type = (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 |
				types[nlh->nlmsg_type % 5]);
		tsn_nft_parse_msg(rs, nlh);
		off += NLMSG_ALIGN(len);
		if (off > size)
			break;
	}
	tsn_nft_finish(rs);
	eval_all(rs);
	{
		struct tsn_buf b = { 0 };

		tsn_fix_ruleset_text(rs, &b, NULL);
		tsn_buf_free(&b);
	}
out:
	tsn_nft_ruleset_free(rs);
	free(buf);
	return 0;
}
