/* host_xfrm.c - ask the running kernel, through XFRM netlink, whether it
 * can do ESP: an SA dump here, and a trial ESP state elsewhere.
 *
 * Module lists only say what might work; the decisive test is asking the
 * kernel.  So we add a real ESP transport state with rfc4106(gcm(aes))
 * through XFRM netlink (built with libmnl), in a scratch network namespace
 * created by a forked child (nothing on the host changes, the state dies
 * with the child), and reports the kernel's own errno and extended ACK.
 * The kernel looks the AEAD up before the ESP type (attach_aead() comes
 * before xfrm_init_state() in xfrm_state_construct()), so ENOSYS there
 * says nothing about ESP: then a cbc(aes)+hmac(sha256) state asks about
 * ESP alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "preflight/host.h"

#define TRIAL_SPI 0x74736e00u	/* "tsn\0": only ever in a scratch netns */

static struct mnl_socket *xfrm_open(int *err)
{
	struct timeval tv = { .tv_sec = 3 };
	struct mnl_socket *nl;
	int one = 1;

	nl = mnl_socket_open(NETLINK_XFRM);
	if (!nl) {
		*err = -errno;
		return NULL;
	}
	/* Ask for the kernel's reason in words, and only the header of our
	 * request echoed back; older kernels ignore both. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	/* a kernel that never answers must not hang preflight */
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		*err = -errno;
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static int count_sa(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == XFRM_MSG_NEWSA)
		(*(unsigned *)data)++;
	return MNL_CB_OK;
}

/* A real XFRM_MSG_GETSA dump: proves xfrm_user answers and that we may
 * ask (CAP_NET_ADMIN). */
static int xfrm_dump_sa(unsigned *n_sa)
{
	static char buf[32768];	/* libmnl's suggested dump size */
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned seq = (unsigned)time(NULL), portid;
	int ret = 0;
	ssize_t n;

	*n_sa = 0;
	nl = xfrm_open(&ret);
	if (!nl)
		return ret;
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_GETSA;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	/* A dump ends with NLMSG_DONE (MNL_CB_STOP); the cap only guards
	 * against a kernel that keeps talking. */
	for (int i = 0; i < 100000; i++) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, count_sa, n_sa);
		if (ret < 0) {
			ret = -errno;
			goto out;
		}
		if (ret == MNL_CB_STOP) {
			ret = 0;
			goto out;
		}
	}
	ret = -EOVERFLOW;
out:
	mnl_socket_close(nl);
	return ret;
}

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct tsn_xfrm_try *t = data;

	/* skip what we do not use; validate what we do */
	if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	snprintf(t->ext, sizeof(t->ext), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* Read the ACK for seq: t->err and t->ext.  0, or -errno of the read. */
static int read_ack(struct mnl_socket *nl, unsigned seq,
		    struct tsn_xfrm_try *t)
{
	char buf[8192];
	const struct nlmsghdr *nlh;
	ssize_t r;
	int n;

	r = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (r < 0)
		return -errno;
	n = (int)r;
	for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
	     nlh = mnl_nlmsg_next(nlh, &n)) {
		const struct nlmsgerr *e;
		size_t off = sizeof(*e);

		if (nlh->nlmsg_seq != seq || nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		/* too short to hold the error: not an answer we can read */
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
			return -EBADMSG;
		e = mnl_nlmsg_get_payload(nlh);
		t->err = e->error;
		if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
			return 0;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			/* the whole request is echoed before the TLVs */
			if (e->msg.nlmsg_len < sizeof(struct nlmsghdr) ||
			    e->msg.nlmsg_len > nlh->nlmsg_len)
				return 0;
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		}
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, (unsigned)off, ext_ack_cb, t);
		return 0;
	}
	return -EBADMSG;
}

/* An algorithm attribute: its header struct, then the key bytes. */
static void put_alg(struct nlmsghdr *nlh, uint16_t type, const void *hdr,
		    size_t hlen, size_t keylen)
{
	unsigned char buf[sizeof(struct xfrm_algo_aead) + 64];

	/* Fixed keys are fine: the state lives and dies in a scratch
	 * namespace and never protects a packet. */
	memcpy(buf, hdr, hlen);
	memset(buf + hlen, 0x5a, keylen);
	mnl_attr_put(nlh, type, hlen + keylen, buf);
}

static void put_algs(struct nlmsghdr *nlh, bool aead)
{
	struct xfrm_algo_aead g;
	struct xfrm_algo c;
	struct xfrm_algo_auth h;

	if (aead) {
		memset(&g, 0, sizeof(g));
		snprintf(g.alg_name, sizeof(g.alg_name), "rfc4106(gcm(aes))");
		g.alg_key_len = 36 * 8;	/* AES-256 key + 4-byte salt */
		g.alg_icv_len = 128;
		put_alg(nlh, XFRMA_ALG_AEAD, &g, sizeof(g), 36);
		return;
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.alg_name, sizeof(c.alg_name), "cbc(aes)");
	c.alg_key_len = 16 * 8;
	put_alg(nlh, XFRMA_ALG_CRYPT, &c, sizeof(c), 16);
	memset(&h, 0, sizeof(h));
	snprintf(h.alg_name, sizeof(h.alg_name), "hmac(sha256)");
	h.alg_key_len = 32 * 8;
	h.alg_trunc_len = 128;
	put_alg(nlh, XFRMA_ALG_AUTH_TRUNC, &h, sizeof(h), 32);
}

/* XFRM_MSG_NEWSA: an ESP transport state between two test addresses. */
static void try_newsa(struct mnl_socket *nl, int family, bool aead,
		      unsigned seq, struct tsn_xfrm_try *t)
{
	char buf[1024];
	struct xfrm_usersa_info *sa;
	struct nlmsghdr *nlh;
	int ret;

	t->tried = true;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			   NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	sa = mnl_nlmsg_put_extra_header(nlh, sizeof(*sa));
	sa->family = (uint16_t)family;
	sa->sel.family = (uint16_t)family;
	sa->mode = XFRM_MODE_TRANSPORT;
	sa->id.proto = IPPROTO_ESP;
	sa->id.spi = htonl(TRIAL_SPI | seq);
	sa->reqid = 1;
	sa->lft.soft_byte_limit = XFRM_INF;
	sa->lft.hard_byte_limit = XFRM_INF;
	sa->lft.soft_packet_limit = XFRM_INF;
	sa->lft.hard_packet_limit = XFRM_INF;
	if (family == AF_INET) {
		inet_pton(AF_INET, "198.18.0.1", &sa->saddr.a4);
		inet_pton(AF_INET, "198.18.0.2", &sa->id.daddr.a4);
	} else {
		inet_pton(AF_INET6, "fd00:7473::1", &sa->saddr.a6);
		inet_pton(AF_INET6, "fd00:7473::2", &sa->id.daddr.a6);
	}
	put_algs(nlh, aead);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		t->err = -errno;
		return;
	}
	ret = read_ack(nl, seq, t);
	if (ret < 0)
		t->err = ret;
}

/* In the forked child, already in its own network namespace. */
static void trial_in_netns(struct tsn_xfrm_trial *r)
{
	struct mnl_socket *nl;
	bool aead;

	nl = xfrm_open(&r->netns_err);
	if (!nl)
		return;
	try_newsa(nl, AF_INET, true, 1, &r->gcm4);
	if (r->gcm4.err == -ENOSYS)
		try_newsa(nl, AF_INET, false, 2, &r->cbc4);
	/* IPv6 with whichever algorithm the kernel knows */
	aead = r->gcm4.err == 0;
	if (aead || (r->cbc4.tried && r->cbc4.err == 0))
		try_newsa(nl, AF_INET6, aead, 3, &r->esp6);
	mnl_socket_close(nl);
}

static void trial_scratch(struct tsn_xfrm_trial *t)
{
	struct tsn_xfrm_trial r;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		t->netns_err = -errno;
		return;
	}
	pid = fork();
	if (pid < 0) {
		t->netns_err = -errno;
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		/* A child, so that only it moves to the new namespace. */
		memset(&r, 0, sizeof(r));
		close(fds[0]);
		if (unshare(CLONE_NEWNET) < 0)
			r.netns_err = -errno;
		else
			trial_in_netns(&r);
		n = write(fds[1], &r, sizeof(r));
		_exit(n == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	do
		n = read(fds[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(r)) {
		t->netns_err = -EPIPE;	/* the child died before answering */
		return;
	}
	t->netns_err = r.netns_err;
	t->gcm4 = r.gcm4;
	t->cbc4 = r.cbc4;
	t->esp6 = r.esp6;
}

int tsn_xfrm_trial_run(struct tsn_xfrm_trial *t)
{
	memset(t, 0, sizeof(*t));
	t->dump_err = xfrm_dump_sa(&t->n_sa);
	trial_scratch(t);
	return 0;
}

