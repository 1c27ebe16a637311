/* nft_probe.c - send and receive the three IPsec flows, for test_nft.sh.
 *
 *   nft_probe listen 4|6 READY DONE     print udp500/udp4500/esp for each
 *                                       flow that reached a socket; READY
 *                                       is created once listening, and the
 *                                       listener ends 200 ms after DONE
 *                                       appears (what was sent has landed
 *                                       by then on a veth), or after 10 s
 *   nft_probe send SRC DST              send one of each from SRC to DST
 *   nft_probe ctflush                   forget this namespace's conntrack
 *                                       entries, so the next packets are
 *                                       new again: UDP 500 -> 500 sent
 *                                       back out would otherwise be the
 *                                       reply of the one that came in,
 *                                       "ct state established"
 *
 * A bound UDP socket and a raw IPPROTO_ESP socket only see a packet after
 * the input hook accepted it, so what the listener prints is what the
 * ruleset let through.  The kernel here has no ESP, so the raw socket gets
 * every protocol-50 packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

static int fam_of(const char *s)
{
	return strchr(s, ':') ? AF_INET6 : AF_INET;
}

static socklen_t mkaddr(int fam, const char *ip, int port,
			struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		if (ip)
			inet_pton(AF_INET, ip, &a->sin_addr);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(port);
	if (ip)
		inet_pton(AF_INET6, ip, &a6->sin6_addr);
	return sizeof(*a6);
}

static int udp_sock(int fam, const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t sl = mkaddr(fam, ip, port, &ss);
	int one = 1, fd = socket(fam, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("bind");
		close(fd);
		return -1;
	}
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int do_listen(int fam, const char *ready, const char *done)
{
	double start = now(), done_at = 0;
	const char *names[3] = { "udp500", "udp4500", "esp" };
	struct pollfd pfd[3];
	int seen[3] = { 0 }, n_seen = 0;
	char buf[2048];
	FILE *f;

	pfd[0].fd = udp_sock(fam, NULL, 500);
	pfd[1].fd = udp_sock(fam, NULL, 4500);
	pfd[2].fd = socket(fam, SOCK_RAW, IPPROTO_ESP);
	for (int i = 0; i < 3; i++) {
		if (pfd[i].fd < 0) {
			perror("socket");
			return 2;
		}
		pfd[i].events = POLLIN;
	}
	f = fopen(ready, "w");
	if (!f)
		return 2;
	fclose(f);
	while (n_seen < 3 && now() - start < 10) {
		if (!done_at && access(done, F_OK) == 0)
			done_at = now();
		if (done_at && now() - done_at > 0.2)
			break;
		if (poll(pfd, 3, 20) <= 0)
			continue;
		for (int i = 0; i < 3; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (recv(pfd[i].fd, buf, sizeof(buf), 0) >= 0 &&
			    !seen[i]) {
				seen[i] = 1;
				n_seen++;
				printf("%s\n", names[i]);
				fflush(stdout);
			}
		}
	}
	return 0;
}

static int do_send(const char *src, const char *dst)
{
	/* ESP: SPI, sequence number, then bytes that look encrypted. */
	static const unsigned char esp[24] = { 0, 0, 0x12, 0x34, 0, 0, 0, 1,
					       0xde, 0xad, 0xbe, 0xef };
	static const unsigned char ike[8] = { 0x11, 0x22, 0x33, 0x44 };
	struct sockaddr_storage ss;
	int fam = fam_of(dst), ports[2] = { 500, 4500 }, fd;
	socklen_t sl;

	for (int i = 0; i < 2; i++) {
		fd = udp_sock(fam, src, ports[i]);
		if (fd < 0)
			return 2;
		sl = mkaddr(fam, dst, ports[i], &ss);
		if (sendto(fd, ike, sizeof(ike), 0, (struct sockaddr *)&ss,
			   sl) < 0)
			fprintf(stderr, "udp%d: %s\n", ports[i],
				strerror(errno));
		close(fd);
	}
	fd = socket(fam, SOCK_RAW, IPPROTO_ESP);
	if (fd < 0) {
		perror("raw");
		return 2;
	}
	sl = mkaddr(fam, src, 0, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		perror("bind raw");
	sl = mkaddr(fam, dst, 0, &ss);
	if (sendto(fd, esp, sizeof(esp), 0, (struct sockaddr *)&ss, sl) < 0)
		fprintf(stderr, "esp: %s\n", strerror(errno));
	close(fd);
	return 0;
}

/* IPCTNL_MSG_CT_DELETE without a tuple: ctnetlink flushes the table. */
static int do_ctflush(void)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg g;
	} req = {
		.nh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 |
				      IPCTNL_MSG_CT_DELETE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		},
		.g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[512];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	ssize_t n;

	if (fd < 0 || sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa,
			     sizeof(sa)) < 0) {
		perror("ctflush");
		return 1;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n < (ssize_t)(sizeof(*nh) + sizeof(int)) ||
	    nh->nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "ctflush: no answer\n");
		return 1;
	}
	/* ENOENT: conntrack was never loaded here, nothing to forget */
	n = *(int *)NLMSG_DATA(nh);
	if (n && n != -ENOENT) {
		fprintf(stderr, "ctflush: %s\n", strerror((int)-n));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "ctflush"))
		return do_ctflush();
	if (argc == 5 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2][0] == '6' ? AF_INET6 : AF_INET,
				 argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "send"))
		return do_send(argv[2], argv[3]);
	fprintf(stderr, "usage: nft_probe listen 4|6 READY DONE | "
			"send SRC DST | ctflush\n");
	return 2;
}
