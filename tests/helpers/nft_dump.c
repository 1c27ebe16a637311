/* nft_dump.c - the floor under reading a ruleset, for bench/fix.sh: ask
 * the kernel for every rule of this network namespace (the same
 * NFT_MSG_GETRULE dump tsnet's reader sends, same receive buffer) and
 * count the messages and bytes, parsing nothing.
 *
 *   nft_dump  ->  "10000 rules 4720008 bytes"
 *
 * Exit 0, or 3 when the socket or the dump fails (message on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

static int count(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(unsigned long *)data)++;
	return MNL_CB_OK;
}

int main(void)
{
	static char buf[1 << 17];	/* as preflight/nft_read.c */
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	unsigned long rules = 0, bytes = 0;
	struct nlmsghdr *nlh;
	unsigned int portid;
	int ret = MNL_CB_OK;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "nft_dump: netlink: %s\n", strerror(errno));
		return 3;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_UNSPEC,
				    NLM_F_DUMP, 1);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		ret = MNL_CB_ERROR;
	while (ret > MNL_CB_STOP) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			ret = MNL_CB_ERROR;
			break;
		}
		bytes += (unsigned long)n;
		ret = mnl_cb_run(buf, (size_t)n, 1, portid, count, &rules);
	}
	mnl_socket_close(nl);
	if (ret < 0) {
		fprintf(stderr, "nft_dump: dump: %s\n", strerror(errno));
		return 3;
	}
	printf("%lu rules %lu bytes\n", rules, bytes);
	return 0;
}
