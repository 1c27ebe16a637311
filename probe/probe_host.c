/* probe_host.c - what the probe listener asks this host: which interface
 * routes to a peer (when the inventory names none), and who holds a UDP
 * port it could not bind (so "held by charon" can be said, not guessed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/sockdiag.h"
#include "lib/util.h"
#include "probe/probe.h"

/* connect() a UDP socket (nothing is sent) to learn the source address
 * the kernel would use, then find the interface that has it. */
int tsn_probe_route_ifname(const struct tsn_ip_addr *addr, char *ifname,
			   size_t len)
{
	struct sockaddr_storage ss = { 0 }, me = { 0 };
	socklen_t sl = addr->family == AF_INET ? sizeof(struct sockaddr_in) :
			sizeof(struct sockaddr_in6), ml = sizeof(me);
	struct ifaddrs *ifa = NULL, *i;
	int fd, ret = -ENODEV;

	ss.ss_family = addr->family;
	if (addr->family == AF_INET) {
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, addr->a, 4);
		((struct sockaddr_in *)&ss)->sin_port = htons(9);
	} else {
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, addr->a, 16);
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(9);
	}
	fd = socket(addr->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &ml) < 0 ||
	    getifaddrs(&ifa) < 0) {
		ret = -errno;
		goto out;
	}
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr *a = i->ifa_addr;
		bool same;

		if (!a || a->sa_family != addr->family)
			continue;
		if (a->sa_family == AF_INET)
			same = !memcmp(&((const struct sockaddr_in *)(const void *)a)->sin_addr,
				       &((struct sockaddr_in *)&me)->sin_addr, 4);
		else
			same = !memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
				       &((struct sockaddr_in6 *)&me)->sin6_addr, 16);
		if (same) {
			snprintf(ifname, len, "%s", i->ifa_name);
			ret = 0;
			break;
		}
	}
out:
	if (ifa)
		freeifaddrs(ifa);
	close(fd);
	return ret;
}

/* The first holder we can see, as "charon (pid 1234)". */
void tsn_probe_port_holder(uint16_t port, char *buf, size_t len)
{
	struct tsn_sock_owner o[8];
	int n = tsn_udp_owners(port, o, ARRAY_SIZE(o));

	snprintf(buf, len, "another process");
	for (int i = 0; i < n && (size_t)i < ARRAY_SIZE(o); i++)
		if (o[i].pid) {
			snprintf(buf, len, "%s (pid %d)",
				 o[i].comm[0] ? o[i].comm : "?", (int)o[i].pid);
			return;
		}
}
