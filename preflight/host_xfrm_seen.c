/* host_xfrm_seen.c - "xfrm.foreign": IPsec states and policies already in
 * the kernel that tsnet did not make (Libreswan, an older setup).  A
 * policy of someone else's that covers the traffic between this node and
 * a peer takes that traffic over: IKE may still work while the packets
 * go to another SA or are dropped.
 *
 * XFRM_MSG_GETSA and XFRM_MSG_GETPOLICY dumps through libmnl; each
 * message's fixed part is copied out after its length is checked, never
 * read through a cast pointer.  Per-socket policies (charon's bypass for
 * its own IKE sockets) are not the SPD's and are left out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "preflight/host.h"

#define DUMP_CAP 100000		/* messages: a kernel that keeps talking */

static void keep(struct tsn_xfrm_list *l, const struct tsn_xfrm_seen *s)
{
	if (l->n < TSN_XFRM_SEEN_MAX)
		l->s[l->n++] = *s;
}

static void addr_copy(uint8_t *out, const xfrm_address_t *a, int family)
{
	memcpy(out, a, family == AF_INET ? 4 : 16);
}

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tsn_xfrm_list *l = data;
	struct xfrm_usersa_info info;
	struct tsn_xfrm_seen s = { 0 };

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(info))
		return MNL_CB_OK;	/* short: not an SA we can read */
	memcpy(&info, mnl_nlmsg_get_payload(nlh), sizeof(info));
	if (info.family != AF_INET && info.family != AF_INET6)
		return MNL_CB_OK;
	l->total_sa++;
	s.family = info.family;
	addr_copy(s.src, &info.saddr, s.family);
	addr_copy(s.dst, &info.id.daddr, s.family);
	s.src_len = s.dst_len = s.family == AF_INET ? 32 : 128;
	s.proto = info.id.proto;
	s.spi = ntohl(info.id.spi);
	keep(l, &s);
	return MNL_CB_OK;
}

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tsn_xfrm_list *l = data;
	struct xfrm_userpolicy_info info;
	struct tsn_xfrm_seen s = { .policy = true };

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(info))
		return MNL_CB_OK;
	memcpy(&info, mnl_nlmsg_get_payload(nlh), sizeof(info));
	/* a socket's own policy (dir past the SPD's), charon's bypass */
	if (info.dir >= XFRM_POLICY_MAX ||
	    (info.sel.family != AF_INET && info.sel.family != AF_INET6 &&
	     info.sel.family != AF_UNSPEC))
		return MNL_CB_OK;
	l->total_pol++;
	s.family = info.sel.family == AF_UNSPEC ? AF_INET : info.sel.family;
	addr_copy(s.src, &info.sel.saddr, s.family);
	addr_copy(s.dst, &info.sel.daddr, s.family);
	s.src_len = info.sel.prefixlen_s;
	s.dst_len = info.sel.prefixlen_d;
	s.dir = info.dir;
	s.proto = info.sel.proto;
	keep(l, &s);
	return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, uint16_t type, mnl_cb_t cb,
		struct tsn_xfrm_list *l, unsigned seq)
{
	static char buf[32768];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (int i = 0; i < DUMP_CAP; i++) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, l);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
	return -EOVERFLOW;
}

int tsn_xfrm_list_run(struct tsn_xfrm_list *l)
{
	struct timeval tv = { .tv_sec = 3 };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_XFRM);
	unsigned seq = (unsigned)time(NULL);

	memset(l, 0, sizeof(*l));
	if (!nl)
		return l->err = -errno;
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		l->err = -errno;
	if (!l->err)
		l->err = dump(nl, XFRM_MSG_GETSA, sa_cb, l, seq);
	if (!l->err)
		l->err = dump(nl, XFRM_MSG_GETPOLICY, policy_cb, l, seq + 1);
	mnl_socket_close(nl);
	return l->err;
}

/* ---- the check ---- */

static bool in_prefix(const uint8_t *net, unsigned len, const uint8_t *a,
		      int family)
{
	unsigned max = family == AF_INET ? 32 : 128, k;

	if (len > max)
		return false;
	for (k = 0; k + 8 <= len; k += 8)
		if (net[k / 8] != a[k / 8])
			return false;
	return k == len ||
	       !((net[k / 8] ^ a[k / 8]) & (uint8_t)(0xff << (8 - len % 8)));
}

/* Whether s is about this node and peer r (either way round). */
static bool between(const struct tsn_xfrm_seen *s, const struct tsn_host_opts *o,
		    const struct tsn_route *r)
{
	if (s->family != r->family || o->self_family != r->family)
		return false;
	return (in_prefix(s->src, s->src_len, o->self, s->family) &&
		in_prefix(s->dst, s->dst_len, r->dst, s->family)) ||
	       (in_prefix(s->src, s->src_len, r->dst, s->family) &&
		in_prefix(s->dst, s->dst_len, o->self, s->family));
}

/* tsnet's own: IPsec enabled here by tsnet, and exactly this node and a
 * peer (a host-to-host SA or policy, what enable-ipsec makes). */
static bool ours(const struct tsn_xfrm_seen *s, const struct tsn_host_opts *o,
		 bool enabled)
{
	unsigned full = s->family == AF_INET ? 32 : 128;

	if (!enabled || s->src_len != full || s->dst_len != full)
		return false;
	for (size_t i = 0; i < o->n_routes; i++)
		if (between(s, o, &o->routes[i]))
			return true;
	return false;
}

/* A policy over the traffic between this node and a peer. */
static bool takes_over(const struct tsn_xfrm_seen *s,
		       const struct tsn_host_opts *o)
{
	for (size_t i = 0; s->policy && i < o->n_routes; i++)
		if (between(s, o, &o->routes[i]))
			return true;
	return false;
}

static int describe(const struct tsn_xfrm_seen *s, const struct tsn_host_opts *o,
		    struct tsn_buf *d, bool *covers)
{
	static const char *const dirs[] = { "in", "out", "fwd" };
	char a[64], b[64];
	size_t k = 0;
	int ret;

	inet_ntop(s->family, s->src, a, sizeof(a));
	inet_ntop(s->family, s->dst, b, sizeof(b));
	if (!s->policy)
		return tsn_buf_printf(d, "%sstate %s %s -> %s spi 0x%08x",
				      d->len ? "; " : "", s->proto ==
				      IPPROTO_ESP ? "esp" : s->proto ==
				      IPPROTO_AH ? "ah" : "other", a, b, s->spi);
	ret = tsn_buf_printf(d, "%spolicy %s %s/%u -> %s/%u", d->len ? "; " :
			     "", dirs[s->dir % 3], a, s->src_len, b, s->dst_len);
	for (size_t i = 0; i < o->n_routes && !ret; i++) {
		if (!between(s, o, &o->routes[i]))
			continue;
		*covers = true;
		ret = tsn_buf_printf(d, "%s%s", k++ ? ", " : " (covers the "
				     "traffic with ", o->routes[i].peer);
	}
	return ret ? ret : k ? tsn_buf_puts(d, ")") : 0;
}

bool tsn_xfrm_foreign_covers(const struct tsn_host_opts *o,
			     const struct tsn_xfrm_list *l,
			     const struct tsn_route *r)
{
	bool enabled = tsn_host_exists(o, "/var/lib/tsnet/ipsec.json");

	for (unsigned i = 0; i < l->n; i++)
		if (l->s[i].policy && !ours(&l->s[i], o, enabled) &&
		    between(&l->s[i], o, r))
			return true;
	return false;
}

int tsn_host_xfrm_foreign_check(const struct tsn_host_opts *o,
				struct tsn_node_report *n)
{
	const char *id = "xfrm.foreign";
	struct tsn_xfrm_list live;
	const struct tsn_xfrm_list *l = o->xfrm_list;
	bool enabled = tsn_host_exists(o, "/var/lib/tsnet/ipsec.json");
	bool covers = false;
	struct tsn_buf d = { 0 };
	unsigned foreign = 0;
	char e[96];
	int ret = 0;

	if (!l) {
		tsn_xfrm_list_run(&live);
		l = &live;
	}
	if (l->err)
		return tsn_node_check(n, id, TSN_ST_SKIP, "run as root "
				      "(CAP_NET_ADMIN)", "cannot list the "
				      "kernel's IPsec states and policies: %s",
				      tsn_errno_str(l->err, e, sizeof(e)));
	/* what takes the nodes' traffic over first, the rest after */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < l->n && !ret; i++)
			if (!ours(&l->s[i], o, enabled) &&
			    takes_over(&l->s[i], o) == !pass &&
			    foreign++ < 4)
				ret = describe(&l->s[i], o, &d, &covers);
	if (!ret && !foreign)
		ret = tsn_node_check(n, id, TSN_ST_OK, NULL, "no IPsec state or "
				     "policy but tsnet's (%u SAs, %u policies)",
				     l->total_sa, l->total_pol);
	else if (!ret)
		ret = tsn_node_check(n, id, covers ? TSN_ST_FAIL : TSN_ST_WARN,
				     "they are another IPsec setup's (Libreswan's "
				     "ipsec.service, an older tunnel): stop it, "
				     "then ip xfrm policy flush; ip xfrm state "
				     "flush", "%u of the kernel's IPsec states "
				     "and policies %s not tsnet's%s: %s%s",
				     foreign, foreign == 1 ? "is" : "are",
				     covers ? ", taking over the traffic "
				     "between the nodes" : "", d.p,
				     foreign > 4 ? "; ..." : "");
	tsn_buf_free(&d);
	return ret;
}
