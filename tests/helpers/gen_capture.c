/* gen_capture.c - write a capture of known content for `tsnet verify
 * --read`: bench/verify.sh's 10 million packets and the integration
 * test's captures on every link type.  Prints what it wrote as JSON, the
 * counts verify must find:
 *
 *   gen_capture -n 1000000 -H 64 -o big.pcap
 *   {"packets":1000000,"totals":{"esp":..,..},"pairs":2016,"leak_pairs":3}
 *
 * Traffic among HOSTS hosts (198.18.0.1.., or fd00:7473::1.. with -6):
 * each packet is, by weight, ESP (60), ESP in UDP 4500 (15), IKE on 500
 * or behind the non-ESP marker on 4500 (5), a NAT keepalive (5), or
 * cleartext (15: TCP, UDP or ICMP); cleartext only between host 1 and
 * hosts 2..1+LEAKY, so a report has a few leaking pairs to name.  With
 * -f every 50th ESP-in-UDP packet is sent as two IP fragments (both are
 * esp_in_udp to verify); with -a every 20th ESP packet is AH instead.
 * With -e there is no cleartext (those packets are ESP): every pair is
 * encrypted.  Lengths vary from 60 to about 250 bytes; time steps 10 us
 * a packet.
 *
 *   -l eth|vlan|qinq|sll|sll2|raw|null|loop   link type (default eth)
 *   -s SEED   the same seed writes the same file (a prefix for a smaller
 *             -n); default 1
 *
 * Exit 0, 2 on bad arguments, 3 when the file cannot be written.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

enum cls { ESP, ESP_UDP, IKE, NATK, AH, CLEAR, NCLS };
static const char *const keys[NCLS] = {
	"esp", "esp_in_udp", "ike", "nat_keepalive", "ah", "cleartext",
};

struct gen {
	uint64_t rng;
	unsigned hosts, leaky;
	bool v6, frag, ah, no_clear;
	const char *link;
	int dlt;
	uint64_t n[NCLS], packets;
	uint8_t *seen;		/* hosts * hosts: 1 traffic, 2 cleartext */
	pcap_dumper_t *d;
	struct pcap_pkthdr h;
	uint64_t t_us;
	uint16_t ip_id;
	unsigned esp_udp_count, esp_count;
};

static uint32_t rnd(struct gen *g)
{
	/* xorshift64*: fast, and the same sequence for the same seed */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return (uint32_t)((g->rng * 0x2545f4914f6cdd1dULL) >> 32);
}

static void be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

static void host_addr(const struct gen *g, unsigned h, uint8_t *a)
{
	if (g->v6) {
		static const uint8_t pre[14] = { 0xfd, 0, 0x74, 0x73 };

		memcpy(a, pre, 14);
		be16(a + 14, h + 1);
	} else {
		a[0] = 198;
		a[1] = 18;
		a[2] = (uint8_t)((h + 1) >> 8);
		a[3] = (uint8_t)(h + 1);
	}
}

/* The link header for an IP packet of the given version, at f; returns
 * its length. */
static size_t link_hdr(const struct gen *g, uint8_t *f)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	unsigned et = g->v6 ? 0x86dd : 0x0800;
	size_t o = 0;

	if (!strcmp(g->link, "eth") || !strcmp(g->link, "vlan") ||
	    !strcmp(g->link, "qinq")) {
		memcpy(f, mac, 12);
		o = 12;
		if (!strcmp(g->link, "qinq")) {
			be16(f + o, 0x88a8);
			be16(f + o + 2, 100);
			o += 4;
		}
		if (strcmp(g->link, "eth")) {
			be16(f + o, 0x8100);
			be16(f + o + 2, 7);
			o += 4;
		}
		be16(f + o, et);
		return o + 2;
	}
	if (!strcmp(g->link, "sll")) {	/* incoming, ARPHRD_ETHER, 6 */
		memset(f, 0, 16);
		be16(f + 2, 1);
		be16(f + 4, 6);
		memcpy(f + 6, mac, 6);
		be16(f + 14, et);
		return 16;
	}
	if (!strcmp(g->link, "sll2")) {
		memset(f, 0, 20);
		be16(f, et);
		be32(f + 4, 2);		/* ifindex */
		be16(f + 8, 1);
		f[11] = 6;
		memcpy(f + 12, mac, 6);
		return 20;
	}
	if (!strcmp(g->link, "null")) {	/* this host's order: little */
		uint32_t af = g->v6 ? 24 : 2;

		memcpy(f, &af, 4);
		return 4;
	}
	if (!strcmp(g->link, "loop")) {
		be32(f, g->v6 ? 24 : 2);
		return 4;
	}
	return 0;			/* raw */
}

static int link_dlt(const char *link)
{
	static const struct {
		const char *name;
		int dlt;
	} t[] = {
		{ "eth", DLT_EN10MB }, { "vlan", DLT_EN10MB },
		{ "qinq", DLT_EN10MB }, { "sll", DLT_LINUX_SLL },
		{ "sll2", 276 }, { "raw", DLT_RAW }, { "null", DLT_NULL },
		{ "loop", DLT_LOOP },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, link))
			return t[i].dlt;
	return -1;
}

/* An IP header for src -> dst, protocol proto, payload bytes of L4 after
 * it; frag is IPv4's flags/offset word (IPv6: a fragment header is added
 * when frag is non-zero, offset in 8-byte units and M as in IPv4). */
static size_t ip_hdr(struct gen *g, uint8_t *f, unsigned s, unsigned d,
		     uint8_t proto, size_t payload, unsigned frag, uint16_t id)
{
	if (g->v6) {
		size_t ext = frag ? 8 : 0;

		memset(f, 0, 40);
		f[0] = 0x60;
		be16(f + 4, (unsigned)(payload + ext));
		f[6] = frag ? 44 : proto;
		f[7] = 64;
		host_addr(g, s, f + 8);
		host_addr(g, d, f + 24);
		if (frag) {
			memset(f + 40, 0, 8);
			f[40] = proto;
			/* offset in bits 15..3, M in bit 0 */
			be16(f + 42, ((frag & 0x1fff) << 3) |
			     ((frag & 0x2000) ? 1 : 0));
			be32(f + 44, id);
		}
		return 40 + ext;
	}
	memset(f, 0, 20);
	f[0] = 0x45;
	be16(f + 2, (unsigned)(20 + payload));
	be16(f + 4, id);
	be16(f + 6, frag);
	f[8] = 64;
	f[9] = proto;
	host_addr(g, s, f + 12);
	host_addr(g, d, f + 16);
	return 20;
}

static void emit(struct gen *g, uint8_t *f, size_t len)
{
	if (len < 60 && !strcmp(g->link, "eth")) {	/* Ethernet padding */
		memset(f + len, 0, 60 - len);
		len = 60;
	}
	g->h.ts.tv_sec = (time_t)(1700000000 + g->t_us / 1000000);
	g->h.ts.tv_usec = (suseconds_t)(g->t_us % 1000000);
	g->h.caplen = g->h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)g->d, &g->h, f);
	g->t_us += 10;
	g->packets++;
}

static void fill(struct gen *g, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 1);
	if (n >= 4)
		be32(p, rnd(g) | 0x10000);	/* never a zero SPI */
}

/* UDP header with the datagram's full length. */
static void udp(uint8_t *p, unsigned sp, unsigned dp, size_t len)
{
	be16(p, sp);
	be16(p + 2, dp);
	be16(p + 4, (unsigned)len);
	be16(p + 6, 0);
}

/* An ESP-in-UDP datagram as two fragments: the first with the UDP
 * header and the SPI, the second with the rest. */
static void esp_udp_frags(struct gen *g, uint8_t *f, size_t lh, unsigned s,
			  unsigned d, size_t body)
{
	size_t first = 8 + 48, o;	/* a multiple of 8 */
	uint16_t id = ++g->ip_id;

	o = lh + ip_hdr(g, f + lh, s, d, 17, first, 0x2000, id);
	udp(f + o, 4500, 4500, 8 + 48 + body);
	fill(g, f + o + 8, 48);
	emit(g, f, o + first);
	o = lh + ip_hdr(g, f + lh, s, d, 17, body, first / 8, id);
	fill(g, f + o, body);
	emit(g, f, o + body);
	g->n[ESP_UDP] += 2;
}

static enum cls pick(struct gen *g)
{
	unsigned r = rnd(g) % 100;

	if (r < 60)
		return ESP;
	if (r < 75)
		return ESP_UDP;
	if (r < 80)
		return IKE;
	if (r < 85)
		return NATK;
	return g->no_clear ? ESP : CLEAR;
}

static void one(struct gen *g)
{
	uint8_t f[600], *p;
	size_t lh = link_hdr(g, f), body = 32 + rnd(g) % 160, o;
	enum cls c = pick(g);
	unsigned s, d, r;

	if (c == CLEAR) {		/* host 1 and one of the leaky ones */
		s = 0;
		d = 1 + rnd(g) % g->leaky;
	} else {
		s = rnd(g) % g->hosts;
		d = (s + 1 + rnd(g) % (g->hosts - 1)) % g->hosts;
	}
	if (rnd(g) & 1) {		/* both directions */
		r = s;
		s = d;
		d = r;
	}
	g->seen[s * g->hosts + d] |= c == CLEAR ? 2 : 1;
	g->seen[d * g->hosts + s] |= c == CLEAR ? 2 : 1;
	if (c == ESP && g->ah && ++g->esp_count % 20 == 0)
		c = AH;
	if (c == ESP_UDP && g->frag && ++g->esp_udp_count % 50 == 0) {
		esp_udp_frags(g, f, lh, s, d, body);
		return;
	}
	switch (c) {
	case ESP:
	case AH:
		o = lh + ip_hdr(g, f + lh, s, d, c == ESP ? 50 : 51, body, 0,
				++g->ip_id);
		fill(g, f + o, body);
		if (c == AH)	/* next header, length, reserved, SPI */
			memcpy(f + o, "\x06\x04\x00\x00", 4);
		o += body;
		break;
	case ESP_UDP:
	case IKE:
	case NATK:
		if (c == NATK)
			body = 1;
		o = lh + ip_hdr(g, f + lh, s, d, 17, 8 + body, 0, ++g->ip_id);
		r = c == IKE && (rnd(g) & 1) ? 500 : 4500;
		udp(f + o, r, r, 8 + body);
		p = f + o + 8;
		fill(g, p, body);
		if (c == NATK)
			p[0] = 0xff;
		else if (c == IKE && r == 4500)
			memset(p, 0, 4);	/* the non-ESP marker */
		o += 8 + body;
		break;
	default:
		r = rnd(g) % 3;
		o = lh + ip_hdr(g, f + lh, s, d, r == 0 ? 6 : r == 1 ? 17 :
				g->v6 ? 58 : 1, 20 + body, 0, ++g->ip_id);
		fill(g, f + o, 20 + body);
		be16(f + o, 40000 + (rnd(g) % 1000));
		be16(f + o + 2, r == 1 ? 53 : 5432);
		if (r == 1)
			be16(f + o + 4, 20 + (unsigned)body);
		o += 20 + body;
		break;
	}
	g->n[c]++;
	emit(g, f, o);
}

static void report(const struct gen *g)
{
	unsigned pairs = 0, leaks = 0;

	printf("{\"packets\":%llu,\"totals\":{", (unsigned long long)g->packets);
	for (int c = 0; c < NCLS; c++)
		printf("%s\"%s\":%llu", c ? "," : "", keys[c],
		       (unsigned long long)g->n[c]);
	printf(",\"non_ip\":0,\"truncated\":0}");
	for (unsigned i = 0; i < g->hosts; i++)
		for (unsigned j = i + 1; j < g->hosts; j++) {
			pairs += g->seen[i * g->hosts + j] != 0;
			leaks += (g->seen[i * g->hosts + j] & 2) != 0;
		}
	printf(",\"pairs\":%u,\"leak_pairs\":%u}\n", pairs, leaks);
}

static int usage(void)
{
	fprintf(stderr, "usage: gen_capture [-n PACKETS] [-H HOSTS] [-L LEAKY] "
		"[-s SEED] [-l LINK] [-6] [-f] [-a] [-e] -o FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct gen g = { .rng = 1, .hosts = 64, .leaky = 3, .link = "eth" };
	unsigned long long n = 1000;
	const char *out = NULL;
	pcap_t *p;
	int opt;

	while ((opt = getopt(argc, argv, "n:H:L:s:l:6faeo:")) != -1) {
		switch (opt) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'H': g.hosts = (unsigned)atoi(optarg); break;
		case 'L': g.leaky = (unsigned)atoi(optarg); break;
		case 's': g.rng = strtoull(optarg, NULL, 10) | 1; break;
		case 'l': g.link = optarg; break;
		case '6': g.v6 = true; break;
		case 'f': g.frag = true; break;
		case 'a': g.ah = true; break;
		case 'e': g.no_clear = true; break;
		case 'o': out = optarg; break;
		default: return usage();
		}
	}
	g.dlt = link_dlt(g.link);
	if (!out || g.dlt < 0 || g.hosts < 2 || g.hosts > 60000 ||
	    !g.leaky || g.leaky >= g.hosts || optind < argc)
		return usage();
	g.seen = calloc((size_t)g.hosts * g.hosts, 1);
	p = pcap_open_dead(g.dlt, 65535);
	if (!g.seen || !p || !(g.d = pcap_dump_open(p, out))) {
		fprintf(stderr, "gen_capture: %s: %s\n", out,
			p ? pcap_geterr(p) : "out of memory");
		return 3;
	}
	while (g.packets < n)
		one(&g);
	if (pcap_dump_flush(g.d) < 0) {
		fprintf(stderr, "gen_capture: %s: write failed\n", out);
		return 3;
	}
	pcap_dump_close(g.d);
	pcap_close(p);
	report(&g);
	free(g.seen);
	return 0;
}
