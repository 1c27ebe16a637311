/* route_mtu.c - the MTU of the route the kernel's FIB holds to an
 * address: its mtu metric where it sets one, else its interface's.
 * Asked with RTM_GETROUTE and RTM_F_FIB_MATCH (`ip route get fibmatch`):
 * the FIB's route, never the cached one a path MTU learned from ICMP
 * lowers.  The probe sizes its DF probe by it (probe/send.c).
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/mnl_dump.h"
#include "lib/route_mtu.h"

struct fib_route {
	unsigned mtu;		/* the metric, 0: none */
	int oif;
	bool got;
};

static int metric_cb(const struct nlattr *a, void *data)
{
	struct fib_route *r = data;

	/* skip the metrics we do not use; validate the one we do */
	if (mnl_attr_get_type(a) == RTAX_MTU &&
	    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		r->mtu = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	struct fib_route *r = data;

	if (mnl_attr_get_type(a) == RTA_OIF &&
	    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		r->oif = (int)mnl_attr_get_u32(a);
	else if (mnl_attr_get_type(a) == RTA_METRICS &&
		 mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
		mnl_attr_parse_nested(a, metric_cb, r);
	return MNL_CB_OK;	/* unknown or unused: skipped */
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fib_route *r = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	r->got = true;
	return mnl_attr_parse(nlh, sizeof(struct rtmsg), attr_cb, r);
}

static int ask(int family, const uint8_t *dst, struct fib_route *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct mnl_socket *nl = tsn_mnl_open(NETLINK_ROUTE);
	size_t alen = family == AF_INET ? 4 : 16;
	unsigned seq = (unsigned)time(NULL);
	struct rtmsg *rtm;
	ssize_t n;
	int ret;

	if (!nl)
		return -errno;
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)(alen * 8);
	rtm->rtm_flags = RTM_F_FIB_MATCH;
	mnl_attr_put(nlh, RTA_DST, alen, dst);
	ret = mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
	/* one answer (or an error): at most a few datagrams to it */
	for (int i = 0; !ret && !r->got && i < 8; i++) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		ret = n < 0 ? -errno :
		      tsn_mnl_run(buf, (size_t)n, seq,
				  mnl_socket_get_portid(nl), route_cb, r);
		ret = ret < 0 ? ret : 0;
	}
	mnl_socket_close(nl);
	return ret ? ret : r->got ? 0 : -ENOENT;
}

static int dev_mtu(int ifindex, unsigned *mtu)
{
	struct ifreq ifr = { 0 };
	int fd, ret = 0;

	if (!if_indextoname((unsigned)ifindex, ifr.ifr_name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		ret = -errno;
	else
		*mtu = ifr.ifr_mtu > 0 ? (unsigned)ifr.ifr_mtu : 0;
	close(fd);
	return ret;
}

int tsn_route_fib_mtu(int family, const uint8_t *dst, unsigned *mtu)
{
	struct fib_route r = { 0 };
	int ret = ask(family, dst, &r);

	if (ret < 0)
		return ret;
	if (r.mtu) {
		*mtu = r.mtu;
		return 0;
	}
	return r.oif ? dev_mtu(r.oif, mtu) : -ENODEV;
}
