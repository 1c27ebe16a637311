/* pcap_floor.c - the floor under `tsnet verify --read`, for
 * bench/verify.sh: libpcap reading every record of a capture with
 * pcap_next_ex and doing nothing with it.  No reader built on libpcap
 * can be faster.
 *
 *   pcap_floor FILE  ->  "10000000 packets"
 *
 * Exit 0, or 3 when the file cannot be read (libpcap's reason on
 * stderr).
 */
#include <stdio.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long long n = 0;
	pcap_t *p;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_floor FILE\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "pcap_floor: %s\n", err);
		return 3;
	}
	while ((ret = pcap_next_ex(p, &h, &data)) == 1)
		n++;
	if (ret == -1) {
		fprintf(stderr, "pcap_floor: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 3;
	}
	pcap_close(p);
	printf("%llu packets\n", n);
	return 0;
}
