/* conntrack.c - exact ctnetlink GET and DELETE, pipelined: a chunk of
 * requests in one send, then every answer read back by its sequence
 * number (each request carries NLM_F_ACK, so each gets one). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "conntrack.h"

#define CHUNK 64		/* requests per send */
#define MSG_MAX 160		/* one request: header and tuple, rounded up */
#define RECV_TIMEOUT_MS 2000	/* the kernel answers at once, or never */

struct tsn_ct {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
};

int tsn_ct_open(struct tsn_ct **out)
{
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_MS / 1000,
			      .tv_usec = RECV_TIMEOUT_MS % 1000 * 1000 };
	struct tsn_ct *ct = calloc(1, sizeof(*ct));
	int ret;

	if (!ct)
		return -ENOMEM;
	ct->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!ct->nl || mnl_socket_bind(ct->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(ct->nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		       sizeof(tv)) < 0) {
		ret = -errno;
		tsn_ct_close(ct);
		return ret;
	}
	ct->portid = mnl_socket_get_portid(ct->nl);
	ct->seq = (uint32_t)time(NULL);
	*out = ct;
	return 0;
}

void tsn_ct_close(struct tsn_ct *ct)
{
	if (!ct)
		return;
	if (ct->nl)
		mnl_socket_close(ct->nl);
	free(ct);
}

static void put_tuple(struct nlmsghdr *nlh, const struct tsn_ct_tuple *t)
{
	struct nlattr *tup, *ip, *proto;
	bool v4 = t->family == AF_INET;

	tup = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, v4 ? 4 : 16,
		     t->src);
	mnl_attr_put(nlh, v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, v4 ? 4 : 16,
		     t->dst);
	mnl_attr_nest_end(nlh, ip);
	proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, t->proto);
	/* Ports only where conntrack keys on them: a port attribute for a
	 * protocol tracked without ports is refused. */
	if (t->proto == IPPROTO_UDP || t->proto == IPPROTO_TCP) {
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(t->sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
	}
	mnl_attr_nest_end(nlh, proto);
	mnl_attr_nest_end(nlh, tup);
}

static void build(struct tsn_ct *ct, char *buf, enum tsn_ct_op op,
		  const struct tsn_ct_tuple *t, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
			  (op == TSN_CT_GET ? IPCTNL_MSG_CT_GET :
			   IPCTNL_MSG_CT_DELETE);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)t->family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	put_tuple(nlh, t);
	(void)ct;
}

/* CTA_ID of an entry the kernel sent back for a GET. */
static uint32_t entry_id(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		/* skip what is not the id, or is too short to be one */
		if (mnl_attr_get_type(a) == CTA_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			return ntohl(mnl_attr_get_u32(a));
	}
	return 0;
}

/* Read until each of the n requests from seq0 on has its ack or error. */
static int read_answers(struct tsn_ct *ct, uint32_t seq0, size_t n, int *res,
			uint32_t *ids)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t left = n;
	ssize_t got;
	int len;

	while (left) {
		got = mnl_socket_recvfrom(ct->nl, buf, sizeof(buf));
		if (got < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		len = (int)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			uint32_t k = h->nlmsg_seq - seq0;

			/* an answer to something else (an old request) */
			if (h->nlmsg_pid != ct->portid || k >= n)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				if (h->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
					return -EBADMSG;
				if (res[k] == 1) {
					res[k] = e->error;
					left--;
				}
			} else if (ids && res[k] == 1) {
				ids[k] = entry_id(h);
			}
		}
	}
	return 0;
}

int tsn_ct_batch(struct tsn_ct *ct, enum tsn_ct_op op,
		 const struct tsn_ct_tuple *t, size_t n, int *res,
		 uint32_t *ids)
{
	char buf[CHUNK * MSG_MAX];
	size_t len;
	int ret;

	for (size_t i = 0; i < n; i += CHUNK) {
		size_t m = n - i < CHUNK ? n - i : CHUNK;
		uint32_t seq0 = ct->seq;

		len = 0;
		for (size_t k = 0; k < m; k++) {
			memset(buf + len, 0, MSG_MAX);
			build(ct, buf + len, op, &t[i + k], ct->seq++);
			len += ((struct nlmsghdr *)(buf + len))->nlmsg_len;
			res[i + k] = 1;		/* waiting */
			if (ids)
				ids[i + k] = 0;
		}
		if (mnl_socket_sendto(ct->nl, buf, len) < 0)
			return -errno;
		ret = read_answers(ct, seq0, m, res + i, ids ? ids + i : NULL);
		if (ret < 0)
			return ret;
	}
	return 0;
}
