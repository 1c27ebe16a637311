/* host_route.c - where this node's packets to each peer leave: the
 * interface, the source address and the path MTU the kernel would use,
 * asked with RTM_GETROUTE through libmnl (what `ip route get PEER` asks),
 * and the check "route": every peer leaves by the inventory's interface
 * (or, where the inventory names none, the one the routes use) and from
 * the inventory's address, or IKE and the SAs would use another.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "preflight/host.h"

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

struct parsed {
	struct tsn_route *r;
	bool got;
};

static int metrics_cb(const struct nlattr *a, void *data)
{
	struct tsn_route *r = data;

	/* skip the metrics we do not use; validate the one we do */
	if (mnl_attr_get_type(a) == RTAX_MTU &&
	    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		r->mtu = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static void copy_addr(const struct nlattr *a, int family, uint8_t *out,
		      bool *has)
{
	if (mnl_attr_get_payload_len(a) == alen(family)) {
		memcpy(out, mnl_attr_get_payload(a), alen(family));
		*has = true;
	}
}

static int route_attr_cb(const struct nlattr *a, void *data)
{
	struct tsn_route *r = data;

	switch (mnl_attr_get_type(a)) {
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			r->ifindex = (int)mnl_attr_get_u32(a);
		break;
	case RTA_PREFSRC:
		copy_addr(a, r->family, r->src, &r->has_src);
		break;
	case RTA_GATEWAY:
		copy_addr(a, r->family, r->gw, &r->has_gw);
		break;
	case RTA_METRICS:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(a, metrics_cb, r);
		break;
	default:
		break;	/* unknown or unused: skipped */
	}
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct parsed *p = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	p->got = true;
	return mnl_attr_parse(nlh, sizeof(struct rtmsg), route_attr_cb, p->r);
}

static int dev_mtu(const char *ifname, unsigned *mtu)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		ret = -errno;
	else
		*mtu = (unsigned)ifr.ifr_mtu;
	close(fd);
	return ret;
}

/* The address bytes of an AF_INET or AF_INET6 sockaddr. */
static const uint8_t *sa_bytes(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (const uint8_t *)
			&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	return (const uint8_t *)
		&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
}

/* The prefix length of a local address, from its netmask. */
static unsigned prefix_of(int family, const uint8_t *a)
{
	struct ifaddrs *ifa, *i;
	unsigned len = 0;

	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i && !len; i = i->ifa_next) {
		const uint8_t *m;

		if (!i->ifa_addr || !i->ifa_netmask ||
		    i->ifa_addr->sa_family != family ||
		    memcmp(sa_bytes(i->ifa_addr), a, alen(family)))
			continue;
		m = sa_bytes(i->ifa_netmask);
		for (size_t k = 0; k < alen(family); k++)
			len += (unsigned)__builtin_popcount(m[k]);
	}
	freeifaddrs(ifa);
	return len;
}

static int ask(struct mnl_socket *nl, struct tsn_route *r, unsigned seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	struct parsed p = { r, false };
	unsigned portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)r->family;
	rtm->rtm_dst_len = (unsigned char)(alen(r->family) * 8);
	mnl_attr_put(nlh, RTA_DST, alen(r->family), r->dst);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, route_cb, &p);
	} while (ret > 0 && !p.got);
	if (ret < 0)
		return -errno;
	return p.got ? 0 : -ENOENT;
}

int tsn_route_get(struct tsn_route *r, size_t n)
{
	struct timeval tv = { .tv_sec = 3 };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	unsigned seq = (unsigned)time(NULL);

	if (!nl)
		return -errno;
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(nl);
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		r[i].err = ask(nl, &r[i], seq + (unsigned)i);
		if (r[i].err)
			continue;
		if (!if_indextoname((unsigned)r[i].ifindex, r[i].ifname)) {
			r[i].err = -ENODEV;
			continue;
		}
		dev_mtu(r[i].ifname, &r[i].dev_mtu);
		if (r[i].has_src)
			r[i].prefixlen = prefix_of(r[i].family, r[i].src);
	}
	mnl_socket_close(nl);
	return 0;
}

/* ---- the check ---- */

static const char *addr_text(int family, const uint8_t *a, char *buf,
			     size_t len)
{
	return inet_ntop(family, a, buf, (socklen_t)len) ? buf : "?";
}

enum tsn_route_fault tsn_route_fault(const struct tsn_host_opts *o,
				     const struct tsn_route *r)
{
	if (r->err)
		return TSN_ROUTE_NONE;
	if (o->ifname && !o->ifname_derived && strcmp(r->ifname, o->ifname))
		return TSN_ROUTE_IFACE;
	if (o->self_family == r->family && r->has_src &&
	    memcmp(r->src, o->self, alen(r->family)))
		return TSN_ROUTE_SRC;
	return TSN_ROUTE_OK;
}

/* One route's fault in words: no route, another interface, another
 * source address. */
static int route_fault(const struct tsn_host_opts *o, const struct tsn_route *r,
		       struct tsn_buf *d, struct tsn_buf *fix)
{
	enum tsn_route_fault f = tsn_route_fault(o, r);
	char a[64], s[64], e[96];

	addr_text(r->family, r->dst, a, sizeof(a));
	if (f == TSN_ROUTE_NONE)
		return tsn_buf_printf(d, "%sno route to %s (%s): %s",
				      d->len ? "; " : "", r->peer, a,
				      tsn_errno_str(r->err, e, sizeof(e)));
	if (f == TSN_ROUTE_IFACE) {
		if (!fix->len)
			tsn_buf_printf(fix, "route %s by %s (ip route get %s "
				       "shows the route the kernel takes), or "
				       "set interface = %s for this node in "
				       "the inventory", a, o->ifname, a,
				       r->ifname);
		return tsn_buf_printf(d, "%s%s (%s) is reached by %s, not %s "
				      "(the inventory's interface)", d->len ?
				      "; " : "", r->peer, a, r->ifname,
				      o->ifname);
	}
	if (f == TSN_ROUTE_SRC) {
		char self[64];

		addr_text(r->family, o->self, self, sizeof(self));
		addr_text(r->family, r->src, s, sizeof(s));
		if (!fix->len)
			tsn_buf_printf(fix, "make %s the source of the route "
				       "to %s (ip route change ... src %s), or "
				       "put the address the node uses in the "
				       "inventory", self, a, self);
		return tsn_buf_printf(d, "%sto %s (%s) the kernel sends from "
				      "%s, not %s (the inventory's address): "
				      "IKE and the SAs would use another "
				      "address", d->len ? "; " : "", r->peer,
				      a, s, self);
	}
	return 0;
}

/* "3 peers via eth0 from 198.18.1.1" (or per interface when several). */
static int route_summary(const struct tsn_host_opts *o, struct tsn_buf *d)
{
	char s[64];
	int ret = 0;

	for (size_t i = 0; i < o->n_routes && !ret; i++) {
		const struct tsn_route *r = &o->routes[i];
		size_t k = 0;
		bool first = true;

		for (size_t j = 0; j < i && first; j++)
			first = strcmp(o->routes[j].ifname, r->ifname) ||
				o->routes[j].family != r->family;
		if (!first)
			continue;
		for (size_t j = i; j < o->n_routes; j++)
			k += !strcmp(o->routes[j].ifname, r->ifname) &&
			     o->routes[j].family == r->family;
		ret = tsn_buf_printf(d, "%s%zu peer address%s via %s from %s",
				     d->len ? "; " : "", k, k == 1 ? "" : "es",
				     r->ifname, r->has_src ?
				     addr_text(r->family, r->src, s, sizeof(s)) :
				     "?");
	}
	return ret;
}

int tsn_host_route_check(const struct tsn_host_opts *o,
			 struct tsn_node_report *n)
{
	struct tsn_buf d = { 0 }, fix = { 0 };
	int ret = 0;

	if (!o->routes)
		return tsn_node_check(n, "route", TSN_ST_SKIP, NULL, "no peer "
				      "to route to");
	for (size_t i = 0; i < o->n_routes && !ret; i++)
		ret = route_fault(o, &o->routes[i], &d, &fix);
	if (!ret && d.len)
		ret = tsn_node_check(n, "route", TSN_ST_FAIL, fix.len ? fix.p :
				     "add a route to that peer", "%s", d.p);
	else if (!ret && !(ret = route_summary(o, &d)))
		ret = tsn_node_check(n, "route", TSN_ST_OK, NULL, "%s%s", d.p,
				     o->ifname_derived ? " (no interface in "
				     "the inventory: the routes')" : "");
	tsn_buf_free(&d);
	tsn_buf_free(&fix);
	return ret;
}
