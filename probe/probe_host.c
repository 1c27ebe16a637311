/* probe_host.c - what the probe listener asks this host: which interface
 * routes to a peer (when the inventory names none), and who holds a UDP
 * port it could not bind (so "held by charon" can be said, not guessed).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* The inode of the socket bound to UDP port in /proc/net/FILE, or 0. */
static unsigned long port_inode(const char *file, uint16_t port)
{
	char line[512], local[64];
	unsigned long inode = 0, ino;
	unsigned p;
	FILE *f = fopen(file, "re");

	if (!f)
		return 0;
	while (!inode && fgets(line, sizeof(line), f)) {
		char *colon;

		if (sscanf(line, " %*s %63s %*s %*s %*s %*s %*s %*s %*s %lu",
			   local, &ino) != 2)
			continue;
		colon = strrchr(local, ':');
		if (colon && sscanf(colon + 1, "%x", &p) == 1 && p == port)
			inode = ino;
	}
	fclose(f);
	return inode;
}

static bool pid_has_inode(const char *pid, const char *want)
{
	char path[320], link[64];
	struct dirent *d;
	bool found = false;
	DIR *dir;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%.16s/fd", pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/%.16s/fd/%.32s", pid,
			 d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			found = !strcmp(link, want);
		}
	}
	closedir(dir);
	return found;
}

void tsn_probe_port_holder(uint16_t port, char *buf, size_t len)
{
	char want[48], path[64], comm[32] = "?";
	unsigned long inode = port_inode("/proc/net/udp", port);
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(buf, len, "another process");
	if (!inode)
		inode = port_inode("/proc/net/udp6", port);
	if (!inode || !(dir = opendir("/proc")))
		return;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	while ((d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]) ||
		    !pid_has_inode(d->d_name, want))
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/comm", d->d_name);
		f = fopen(path, "re");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		snprintf(buf, len, "%s (pid %.16s)", comm, d->d_name);
		break;
	}
	closedir(dir);
}
