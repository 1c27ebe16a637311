/* sendpkt.c - send one crafted packet, for the integration tests.
 *
 *   sendpkt esp DST SPI [COUNT]          raw IP protocol 50, given SPI
 *   sendpkt udp DST PORT HEX [COUNT]     UDP datagram with that payload
 *
 * DST is IPv4 or IPv6.  Tests send only to addresses in namespaces they
 * created.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/util.h"

static int to_sockaddr(const char *s, uint16_t port,
		       struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return AF_INET6;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	uint8_t buf[1500];
	socklen_t slen;
	size_t len;
	ssize_t got;
	int fam, fd, count = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: sendpkt esp DST SPI [COUNT] | "
			"udp DST PORT HEX [COUNT]\n");
		return 2;
	}
	if (!strcmp(argv[1], "esp")) {
		uint32_t spi = htonl((uint32_t)strtoul(argv[3], NULL, 0));

		fam = to_sockaddr(argv[2], 0, &ss, &slen);
		if (fam < 0)
			return 2;
		fd = socket(fam, SOCK_RAW, IPPROTO_ESP);
		memset(buf, 0xa5, 64);
		memcpy(buf, &spi, 4);
		memset(buf + 4, 0, 4);
		buf[7] = 1;	/* sequence number 1 */
		len = 64;
		if (argc > 4)
			count = atoi(argv[4]);
	} else if (!strcmp(argv[1], "udp") && argc >= 5) {
		fam = to_sockaddr(argv[2], (uint16_t)atoi(argv[3]), &ss, &slen);
		if (fam < 0)
			return 2;
		fd = socket(fam, SOCK_DGRAM, 0);
		got = tsn_hex_decode(argv[4], buf, sizeof(buf));
		if (got < 0) {
			fprintf(stderr, "sendpkt: payload '%s': %s\n", argv[4],
				strerror((int)-got));
			return 2;
		}
		len = (size_t)got;
		if (argc > 5)
			count = atoi(argv[5]);
	} else {
		return 2;
	}
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	for (int i = 0; i < count; i++)
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&ss, slen) < 0) {
			perror("sendto");
			return 1;
		}
	close(fd);
	return 0;
}
