/* nfnl.c - nf_tables batches and dumps over one netlink socket. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "nfnl.h"

#define BATCH_SIZE (2u << 20)	/* 2 MiB: a 1,000-address set fits */

int tsn_nfnl_open(struct tsn_nfnl *n)
{
	memset(n, 0, sizeof(*n));
	n->failed_at = -1;
	n->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!n->nl)
		return -errno;
	if (mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int ret = -errno;

		mnl_socket_close(n->nl);
		n->nl = NULL;
		return ret;
	}
	n->portid = mnl_socket_get_portid(n->nl);
	{
		struct timeval tv = { .tv_sec = 5 };

		setsockopt(mnl_socket_get_fd(n->nl), SOL_SOCKET, SO_RCVTIMEO,
			   &tv, sizeof(tv));
	}
	n->seq = (uint32_t)time(NULL);
	n->bufsize = BATCH_SIZE;
	/* zeroed: netlink attribute padding is sent as it is in the buffer */
	n->buf = calloc(1, n->bufsize);
	if (!n->buf) {
		tsn_nfnl_close(n);
		return -ENOMEM;
	}
	return 0;
}

void tsn_nfnl_close(struct tsn_nfnl *n)
{
	if (n->batch)
		mnl_nlmsg_batch_stop(n->batch);
	if (n->nl)
		mnl_socket_close(n->nl);
	free(n->buf);
	memset(n, 0, sizeof(*n));
}

int tsn_nfnl_begin(struct tsn_nfnl *n)
{
	if (n->batch)
		mnl_nlmsg_batch_stop(n->batch);
	/* leave room for the batch end message past the limit */
	n->batch = mnl_nlmsg_batch_start(n->buf, n->bufsize - 4096);
	if (!n->batch)
		return -ENOMEM;
	n->first_seq = n->seq;
	nftnl_batch_begin(mnl_nlmsg_batch_current(n->batch), n->seq++);
	mnl_nlmsg_batch_next(n->batch);
	return 0;
}

struct nlmsghdr *tsn_nfnl_msg(struct tsn_nfnl *n, uint16_t type,
			      uint16_t family, uint16_t flags)
{
	struct nlmsghdr *nlh;

	/* the previous message is complete now: step past it */
	if (n->pending)
		mnl_nlmsg_batch_next(n->batch);
	n->pending = 0;
	if (mnl_nlmsg_batch_size(n->batch) + 65536 > n->bufsize - 4096)
		return NULL;	/* a message could overrun the buffer */
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(n->batch), type,
				    family, flags | NLM_F_ACK, n->seq++);
	n->pending = 1;
	return nlh;
}

/* Read the acknowledgements of messages first..last; the first error
 * wins.  After an error the kernel aborts the batch, so a quiet socket
 * (the receive timeout) ends the wait instead of hanging. */
static int read_acks(struct tsn_nfnl *n, uint32_t first, uint32_t last)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	int err = 0, cb_err = 0;

	for (;;) {
		ssize_t len = mnl_socket_recvfrom(n->nl, rbuf, sizeof(rbuf));
		int left = (int)len;

		if (len < 0) {
			if (err && (errno == EAGAIN || errno == EWOULDBLOCK))
				return err;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		for (const struct nlmsghdr *nlh = (void *)rbuf;
		     mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e;

			if (nlh->nlmsg_type != NLMSG_ERROR) {
				int r = n->echo_cb && nlh->nlmsg_type !=
					NLMSG_DONE ? n->echo_cb(nlh,
							n->echo_data) : 0;

				if (r < 0 && !cb_err)
					cb_err = r;
				continue;
			}
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error && !err) {
				err = e->error;
				n->failed_at = (int)(nlh->nlmsg_seq - first);
			}
			if (nlh->nlmsg_seq == last)
				return err ? err : cb_err;
		}
	}
}

int tsn_nfnl_commit(struct tsn_nfnl *n)
{
	uint32_t end_seq;
	int ret = 0;

	if (n->pending)
		mnl_nlmsg_batch_next(n->batch);
	n->pending = 0;
	end_seq = n->seq;
	nftnl_batch_end(mnl_nlmsg_batch_current(n->batch), n->seq++);
	mnl_nlmsg_batch_next(n->batch);
	if (mnl_socket_sendto(n->nl, mnl_nlmsg_batch_head(n->batch),
			      mnl_nlmsg_batch_size(n->batch)) < 0) {
		ret = -errno;
		goto out;
	}
	if (end_seq == n->first_seq + 1)
		goto out;	/* an empty batch: nothing to acknowledge */
	ret = read_acks(n, n->first_seq + 1, end_seq - 1);
out:
	mnl_nlmsg_batch_stop(n->batch);
	n->batch = NULL;
	return ret;
}

int tsn_nfnl_dump(struct tsn_nfnl *n, uint16_t type, uint16_t family,
		  int (*cb)(const struct nlmsghdr *nlh, void *data),
		  void *data)
{
	char rbuf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	uint32_t seq = n->seq++;
	ssize_t len;
	int ret;

	nlh = nftnl_nlmsg_build_hdr(rbuf, type, family, NLM_F_DUMP, seq);
	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = mnl_socket_recvfrom(n->nl, rbuf, sizeof(rbuf));
		if (len < 0)
			return -errno;
		ret = mnl_cb_run(rbuf, (size_t)len, seq, n->portid, cb, data);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}
