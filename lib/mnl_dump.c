/* mnl_dump.c - one netlink dump loop (see mnl_dump.h).
 *
 * Each of lib/xfrm.c, lib/sockdiag.c, lib/nfnl.c and throughput/xfrm.c
 * had its own copy of this loop; the copies differed only in the request
 * they sent, and shared one weakness: a callback error that left errno
 * at 0 returned 0, a dump that had stopped part-way taken as whole.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include "lib/mnl_dump.h"

struct mnl_socket *tsn_mnl_open(int bus)
{
	struct timeval tv = { .tv_sec = 3 };
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	int err;

	if (!nl)
		return NULL;
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

/* mnl_cb_run() passes over bytes after the last whole message: here
 * they are an error, since a reader that skips them could miss the
 * NLMSG_ERROR or NLMSG_DONE they were the start of. */
static bool whole(const char *buf, size_t n)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)n;

	while (mnl_nlmsg_ok(nlh, left))
		nlh = mnl_nlmsg_next(nlh, &left);
	return left <= 0;	/* < 0: the last one's padding, not sent */
}

int tsn_mnl_run(const char *buf, size_t n, uint32_t seq, uint32_t portid,
		int (*cb)(const struct nlmsghdr *nlh, void *data),
		void *data)
{
	int ret;

	if (n > (size_t)INT32_MAX || !whole(buf, n))
		return -EBADMSG;
	errno = 0;
	ret = mnl_cb_run(buf, n, seq, portid, cb, data);
	if (ret < 0)	/* an error that names no errno is still one */
		return errno ? -errno : -EPROTO;
	return ret == MNL_CB_STOP;
}

int tsn_mnl_dump(struct mnl_socket *nl, struct nlmsghdr *req, char *buf,
		 size_t len, int (*cb)(const struct nlmsghdr *nlh, void *data),
		 void *data)
{
	uint32_t portid = mnl_socket_get_portid(nl), seq = req->nlmsg_seq;
	ssize_t n;
	int ret;

	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return -errno;
	for (int i = 0; i < TSN_MNL_DUMP_CAP; i++) {
		/* MSG_TRUNC, a datagram larger than buf: ENOSPC */
		n = mnl_socket_recvfrom(nl, buf, len);
		if (n < 0)
			return -errno;
		ret = tsn_mnl_run(buf, (size_t)n, seq, portid, cb, data);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	return -EOVERFLOW;
}
