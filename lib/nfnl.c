/* nfnl.c - nf_tables batches and dumps over one netlink socket. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "mnl_dump.h"
#include "nfnl.h"

/* A batch's buffer: 256 KiB at first (nft-fix for 1,000 members sends
 * 54 KB), doubled as needed up to 16 MiB (some 300,000 addresses). */
#define BATCH_FIRST ((size_t)256 << 10)
#define BATCH_MAX ((size_t)16 << 20)
/* Room left for one message, and past the limit for the batch's end. */
#define MSG_ROOM 65536
#define END_ROOM 4096

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

/* Netlink attribute padding is sent as it is in the buffer: zero it
 * ahead of the batch, up to end, as the batch reaches it, rather than
 * all of a buffer that a batch of a few KiB mostly leaves unused. */
static void zero_to(struct tsn_nfnl *n, size_t end)
{
	if (end > n->bufsize)
		end = n->bufsize;
	if (end > n->zeroed) {
		memset(n->buf + n->zeroed, 0, end - n->zeroed);
		n->zeroed = end;
	}
}

int tsn_nfnl_begin(struct tsn_nfnl *n)
{
	if (n->batch)
		mnl_nlmsg_batch_stop(n->batch);
	/* At the first batch, not at the open: a socket that only reads
	 * needs none. */
	if (!n->buf) {
		n->buf = malloc(BATCH_FIRST);	/* zeroed as used */
		if (!n->buf)
			return -ENOMEM;
		n->bufsize = BATCH_FIRST;
		n->zeroed = 0;
	}
	n->batch = mnl_nlmsg_batch_start(n->buf, n->bufsize - END_ROOM);
	if (!n->batch)
		return -ENOMEM;
	n->first_seq = n->seq;
	zero_to(n, END_ROOM);
	nftnl_batch_begin(mnl_nlmsg_batch_current(n->batch), n->seq++);
	mnl_nlmsg_batch_next(n->batch);
	return 0;
}

/* Twice the room: the messages move to a bigger buffer, and libmnl's
 * batch, which only steps forward, is walked over them again.  Out of
 * memory, the batch stays as it was. */
static int grow(struct tsn_nfnl *n)
{
	size_t used = mnl_nlmsg_batch_size(n->batch);
	size_t size = n->bufsize * 2;
	struct mnl_nlmsg_batch *b;
	char *p;

	if (size > BATCH_MAX)
		return -ENOSPC;
	p = malloc(size);
	b = p ? mnl_nlmsg_batch_start(p, size - END_ROOM) : NULL;
	if (!b) {
		free(p);
		return -ENOMEM;
	}
	memcpy(p, n->buf, n->zeroed);	/* the batch, and zeros past it */
	mnl_nlmsg_batch_stop(n->batch);
	free(n->buf);
	n->buf = p;
	n->bufsize = size;
	n->batch = b;
	while (mnl_nlmsg_batch_size(n->batch) < used)
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
	/* a message could overrun the buffer: more room, or none */
	while (mnl_nlmsg_batch_size(n->batch) + MSG_ROOM >
	       n->bufsize - END_ROOM)
		if (grow(n) < 0)
			return NULL;
	zero_to(n, mnl_nlmsg_batch_size(n->batch) + MSG_ROOM);
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

/* The kernel takes a batch only whole, in one send, and refuses one
 * bigger than the socket's send buffer (EMSGSIZE; 208 KiB by default,
 * some 4,000 members' fix): make it big enough.  SO_SNDBUFFORCE (we
 * have CAP_NET_ADMIN to change nf_tables anyway) passes wmem_max;
 * where that is refused, SO_SNDBUF gets what wmem_max allows, and a
 * batch still too big fails as it did. */
static void sndbuf_fit(struct tsn_nfnl *n, size_t len)
{
	int fd = mnl_socket_get_fd(n->nl), want, have = 0;
	socklen_t sl = sizeof(have);

	if (len > INT_MAX / 2 - 65536)
		return;
	want = (int)len + 65536;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &sl) == 0 &&
	    have >= want)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
}

int tsn_nfnl_commit(struct tsn_nfnl *n)
{
	uint32_t end_seq;
	int ret = 0;

	if (n->pending)
		mnl_nlmsg_batch_next(n->batch);
	n->pending = 0;
	end_seq = n->seq;
	zero_to(n, mnl_nlmsg_batch_size(n->batch) + END_ROOM);
	nftnl_batch_end(mnl_nlmsg_batch_current(n->batch), n->seq++);
	mnl_nlmsg_batch_next(n->batch);
	sndbuf_fit(n, mnl_nlmsg_batch_size(n->batch));
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

	nlh = nftnl_nlmsg_build_hdr(rbuf, type, family, NLM_F_DUMP, n->seq++);
	return tsn_mnl_dump(n->nl, nlh, rbuf, sizeof(rbuf), cb, data);
}
