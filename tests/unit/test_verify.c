/* test_verify.c - tsnet verify's offline reader: every class on every link
 * type from crafted frames (and every prefix of each, read from a heap
 * copy of exactly that size so ASan sees a read past it), fragments
 * given their first fragment's class, the pair table's cap, and whole
 * files written here with libpcap (pcap_open_dead, pcap_dump_open) and
 * as pcapng bytes, read back through tsn_verify_read with exact counts.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/inventory.h"
#include "probe/packet.h"
#include "verify/verify.h"

/* ---- frames ------------------------------------------------------------ */

struct frame {
	uint8_t b[600];
	size_t len;
};

static void put(struct frame *f, const void *d, size_t n)
{
	memcpy(f->b + f->len, d, n);
	f->len += n;
}

static void put16(struct frame *f, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(f, b, 2);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

enum link { L_ETH, L_VLAN, L_QINQ, L_SLL, L_SLL_VLAN, L_SLL2, L_RAW,
	    L_LINKTYPE_RAW, L_IPV4_6, L_NULL_LE, L_NULL_BE, L_LOOP, L_N };

static const struct {
	const char *name;
	int dlt;
} links[L_N] = {
	[L_ETH] = { "ethernet", 1 },
	[L_VLAN] = { "802.1Q", 1 },
	[L_QINQ] = { "802.1ad+802.1Q", 1 },
	[L_SLL] = { "linux cooked v1", 113 },
	[L_SLL_VLAN] = { "linux cooked v1 + 802.1Q", 113 },
	[L_SLL2] = { "linux cooked v2", 276 },
	[L_RAW] = { "DLT_RAW", 12 },
	[L_LINKTYPE_RAW] = { "LINKTYPE_RAW", 101 },
	[L_IPV4_6] = { "DLT_IPV4/IPV6", 228 },	/* 229 for IPv6 */
	[L_NULL_LE] = { "BSD NULL (little-endian host)", 0 },
	[L_NULL_BE] = { "BSD NULL (big-endian host)", 0 },
	[L_LOOP] = { "OpenBSD LOOP", 108 },
};

static int link_hdr(struct frame *f, enum link l, bool v6)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	unsigned et = v6 ? 0x86dd : 0x0800;
	uint32_t af = v6 ? 28 : 2;	/* FreeBSD's AF_INET6 */

	switch (l) {
	case L_QINQ:
		put(f, mac, 12);
		put16(f, 0x88a8);
		put16(f, 100);
		put16(f, 0x8100);
		put16(f, 7);
		put16(f, et);
		break;
	case L_VLAN:
		put(f, mac, 12);
		put16(f, 0x8100);
		put16(f, 7);
		put16(f, et);
		break;
	case L_ETH:
		put(f, mac, 12);
		put16(f, et);
		break;
	case L_SLL:
	case L_SLL_VLAN:
		put16(f, 0);		/* to us */
		put16(f, 1);		/* ARPHRD_ETHER */
		put16(f, 6);
		put(f, mac, 8);
		if (l == L_SLL_VLAN) {
			put16(f, 0x8100);
			put16(f, 7);
		}
		put16(f, et);
		break;
	case L_SLL2:
		put16(f, et);
		put16(f, 0);
		put32(f, 2);
		put16(f, 1);
		put(f, "\x00\x06", 2);
		put(f, mac, 8);
		break;
	case L_NULL_LE:
		put(f, &af, 4);		/* this host's order: little */
		break;
	case L_NULL_BE:
	case L_LOOP:
		put32(f, af);
		break;
	case L_IPV4_6:
		return v6 ? 229 : 228;
	default:
		break;
	}
	return links[l].dlt;
}

/* What each class's packet is made of. */
enum kind { K_ESP, K_ESP_UDP, K_IKE500, K_IKE4500, K_NATK, K_AH, K_TCP,
	    K_UDP, K_ICMP, K_N };

static const struct {
	const char *name;
	enum tsn_pkt_class cls;
	uint8_t proto;
	uint16_t sport, dport;
	bool ports;
	uint32_t spi;
} kinds[K_N] = {
	[K_ESP] = { "esp", TSN_PKT_ESP, 50, 0, 0, false, 0xc0ffee01 },
	[K_ESP_UDP] = { "esp-in-udp", TSN_PKT_ESP_IN_UDP, 17, 4500, 4500, true,
			0xc0ffee02 },
	[K_IKE500] = { "ike 500", TSN_PKT_IKE, 17, 500, 500, true, 0 },
	[K_IKE4500] = { "ike 4500", TSN_PKT_IKE, 17, 40001, 4500, true, 0 },
	[K_NATK] = { "keepalive", TSN_PKT_NAT_KEEPALIVE, 17, 4500, 4500, true, 0 },
	[K_AH] = { "ah", TSN_PKT_AH, 51, 0, 0, false, 0xc0ffee03 },
	[K_TCP] = { "tcp", TSN_PKT_CLEARTEXT, 6, 40000, 5432, true, 0 },
	[K_UDP] = { "udp", TSN_PKT_CLEARTEXT, 17, 40000, 53, true, 0 },
	[K_ICMP] = { "icmp", TSN_PKT_CLEARTEXT, 1, 0, 0, false, 0 },
};

/* The L4 bytes of a kind. */
static size_t l4(enum kind k, uint8_t *b)
{
	struct frame f = { .len = 0 };
	size_t body;

	switch (k) {
	case K_ESP:
		put32(&f, kinds[k].spi);
		put32(&f, 1);
		put(&f, "encrypted-bytes!", 16);
		break;
	case K_AH:
		put(&f, "\x06\x04\x00\x00", 4);
		put32(&f, kinds[k].spi);
		put32(&f, 1);
		put(&f, "integrity-check!", 16);
		break;
	case K_TCP:
		put16(&f, kinds[k].sport);
		put16(&f, kinds[k].dport);
		put(&f, "\0\0\0\1\0\0\0\0\x50\x02\xff\xff\0\0\0\0", 16);
		break;
	case K_ICMP:
		put(&f, "\x08\x00\x00\x00\x00\x01\x00\x01", 8);
		break;
	default:	/* UDP */
		body = k == K_NATK ? 1 : k == K_IKE500 ? 28 :
		       k == K_IKE4500 ? 32 : 20;
		put16(&f, kinds[k].sport);
		put16(&f, kinds[k].dport);
		put16(&f, (unsigned)(8 + body));
		put16(&f, 0);
		if (k == K_NATK)
			put(&f, "\xff", 1);
		else if (k == K_ESP_UDP)
			put32(&f, kinds[k].spi);
		else if (k == K_IKE4500)
			put32(&f, 0);	/* the non-ESP marker */
		while (f.len < 8 + body)
			put(&f, "\x21", 1);
		break;
	}
	memcpy(b, f.b, f.len);
	return f.len;
}

static const uint8_t A4[4] = { 198, 18, 0, 1 }, B4[4] = { 198, 18, 0, 2 };
static const uint8_t A6[16] = { 0xfd, 0, 0x74, 0x73, [15] = 1 };
static const uint8_t B6[16] = { 0xfd, 0, 0x74, 0x73, [15] = 2 };

/* IP header for an L4 of n bytes; frag as IPv4's flags/offset word (for
 * IPv6 a fragment header carries the same offset and M bit). */
static void ip_hdr(struct frame *f, bool v6, uint8_t proto, size_t n,
		   unsigned frag, uint32_t id, bool swap)
{
	if (v6) {
		put32(f, 0x60000000);
		put16(f, (unsigned)(n + (frag ? 8 : 0)));
		put(f, frag ? "\x2c" : (const char *)&proto, 1);
		put(f, "\x40", 1);
		put(f, swap ? B6 : A6, 16);
		put(f, swap ? A6 : B6, 16);
		if (frag) {
			put(f, &proto, 1);
			put(f, "\0", 1);
			put16(f, ((frag & 0x1fff) << 3) | !!(frag & 0x2000));
			put32(f, id);
		}
		return;
	}
	put16(f, 0x4500);
	put16(f, (unsigned)(20 + n));
	put16(f, id & 0xffff);
	put16(f, frag);
	put(f, "\x40", 1);
	put(f, &proto, 1);
	put16(f, 0);
	put(f, swap ? B4 : A4, 4);
	put(f, swap ? A4 : B4, 4);
}

/* The frame of kind k on link l; its dlt. */
static int build(struct frame *f, enum link l, bool v6, enum kind k)
{
	uint8_t body[128];
	size_t n = l4(k, body);
	int dlt;

	f->len = 0;
	dlt = link_hdr(f, l, v6);
	ip_hdr(f, v6, kinds[k].proto, n, 0, 7, false);
	put(f, body, n);
	return dlt;
}

/* ---- every class on every link type ------------------------------------ */

static void check_prefixes(int dlt, const struct frame *f, enum tsn_pkt_class want,
			   const char *what)
{
	struct tsn_pkt pkt;
	uint8_t *c;

	for (size_t n = 0; n < f->len; n++) {
		c = malloc(n ? n : 1);
		cr_assert_not_null(c);
		memcpy(c, f->b, n);
		tsn_classify_frame(dlt, c, n, &pkt);
		free(c);
		cr_assert(pkt.cls == want || pkt.cls == TSN_PKT_TRUNCATED,
			  "%s, first %zu bytes: %s", what, n,
			  tsn_pkt_class_name(pkt.cls));
		cr_assert(pkt.l4_off <= n && pkt.ip_off <= n, "%s", what);
	}
}

Test(verify_classes, every_class_on_every_link_type)
{
	unsigned cases = 0;

	for (int l = 0; l < L_N; l++) {
		for (int v6 = 0; v6 < 2; v6++) {
			for (int k = 0; k < K_N; k++) {
				struct tsn_pkt pkt;
				struct frame f;
				char what[120];
				int dlt = build(&f, (enum link)l, v6, (enum kind)k);

				snprintf(what, sizeof(what), "%s, %s, %s",
					 links[l].name, v6 ? "IPv6" : "IPv4",
					 kinds[k].name);
				cr_assert_eq(tsn_classify_frame(dlt, f.b, f.len,
								&pkt), 0);
				cr_expect_eq(pkt.cls, kinds[k].cls, "%s: %s",
					     what, tsn_pkt_class_name(pkt.cls));
				cr_expect_eq(pkt.src.family, v6 ? AF_INET6 : AF_INET,
					     "%s", what);
				cr_expect_eq(memcmp(pkt.src.a, v6 ? A6 : A4,
						    v6 ? 16 : 4), 0, "%s", what);
				cr_expect_eq(memcmp(pkt.dst.a, v6 ? B6 : B4,
						    v6 ? 16 : 4), 0, "%s", what);
				cr_expect_eq(pkt.has_ports, kinds[k].ports, "%s",
					     what);
				if (kinds[k].ports) {
					cr_expect_eq(pkt.sport, kinds[k].sport,
						     "%s", what);
					cr_expect_eq(pkt.dport, kinds[k].dport,
						     "%s", what);
				}
				if (kinds[k].spi)
					cr_expect_eq(pkt.spi, kinds[k].spi,
						     "%s", what);
				check_prefixes(dlt, &f, kinds[k].cls, what);
				cases++;
			}
		}
	}
	cr_expect_eq(cases, L_N * 2 * K_N);
}

Test(verify_classes, link_layer_refusals)
{
	struct tsn_pkt pkt;
	struct frame f = { .len = 0 };

	/* five stacked VLAN tags: past the cap, said so */
	put(&f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	for (int i = 0; i < 5; i++) {
		put16(&f, 0x8100);
		put16(&f, (unsigned)i);
	}
	put16(&f, 0x0800);
	ip_hdr(&f, false, 50, 8, 0, 1, false);
	put(&f, "\1\2\3\4\0\0\0\1", 8);
	tsn_classify_frame(1, f.b, f.len, &pkt);
	cr_expect_eq(pkt.cls, TSN_PKT_NOT_IP);
	cr_expect_str_eq(pkt.why, "more than 4 VLAN tags");
	/* four are walked */
	memmove(f.b + 12 + 16, f.b + 12 + 20, f.len - 32);
	f.len -= 4;
	tsn_classify_frame(1, f.b, f.len, &pkt);
	cr_expect_eq(pkt.cls, TSN_PKT_ESP);
	/* a loopback header of another family (AF_APPLETALK) */
	f.len = 0;
	put32(&f, 16);
	ip_hdr(&f, false, 50, 8, 0, 1, false);
	tsn_classify_frame(108, f.b, f.len, &pkt);
	cr_expect_eq(pkt.cls, TSN_PKT_NOT_IP);
	cr_expect_str_eq(pkt.why, "loopback family not IP");
}

/* ---- fragments ---------------------------------------------------------- */

/* The two fragments of an ESP-in-UDP datagram: first (UDP header, SPI)
 * and second (the rest), over Ethernet. */
static void frag_pair(struct frame *first, struct frame *second, bool v6,
		      uint32_t id, bool swap)
{
	uint8_t body[64];

	first->len = second->len = 0;
	link_hdr(first, L_ETH, v6);
	ip_hdr(first, v6, 17, 16, 0x2000, id, swap);
	put16(first, 4500);
	put16(first, 4500);
	put16(first, 8 + 8 + 40);	/* the whole datagram */
	put16(first, 0);
	put32(first, 0xc0ffee04);
	put32(first, 9);
	memset(body, 0x5a, sizeof(body));
	link_hdr(second, L_ETH, v6);
	ip_hdr(second, v6, 17, 40, 2, id, swap);	/* offset 16 bytes */
	put(second, body, 40);
}

Test(verify_frag, later_fragment_takes_first_fragments_class)
{
	static struct tsn_frags fr;
	struct frame a, b;
	struct tsn_pkt pkt;

	for (int v6 = 0; v6 < 2; v6++) {
		memset(&fr, 0, sizeof(fr));
		frag_pair(&a, &b, v6, 0x1234, false);
		tsn_classify_frame(1, a.b, a.len, &pkt);
		cr_assert_eq(pkt.cls, TSN_PKT_ESP_IN_UDP, "first fragment: %s",
			     tsn_pkt_class_name(pkt.cls));
		cr_expect(!pkt.fragment && pkt.more_frags);
		cr_expect_not(tsn_frag_attribute(&fr, &pkt, 100));
		tsn_classify_frame(1, b.b, b.len, &pkt);
		cr_expect_eq(pkt.cls, TSN_PKT_CLEARTEXT, "alone, UDP is clear");
		cr_expect(tsn_frag_attribute(&fr, &pkt, 130));
		cr_expect_eq(pkt.cls, TSN_PKT_ESP_IN_UDP);
		cr_expect(pkt.has_ports && pkt.sport == 4500 && pkt.dport == 4500);
		cr_expect_eq(pkt.spi, 0xc0ffee04);
		cr_expect_not(pkt.orphan);
		/* another id, the other direction, or too late: orphans */
		frag_pair(&a, &b, v6, 0x1235, false);
		tsn_classify_frame(1, b.b, b.len, &pkt);
		cr_expect_not(tsn_frag_attribute(&fr, &pkt, 130));
		cr_expect(pkt.orphan && pkt.cls == TSN_PKT_CLEARTEXT);
		frag_pair(&a, &b, v6, 0x1234, true);
		tsn_classify_frame(1, b.b, b.len, &pkt);
		cr_expect_not(tsn_frag_attribute(&fr, &pkt, 130));
		frag_pair(&a, &b, v6, 0x1234, false);
		tsn_classify_frame(1, b.b, b.len, &pkt);
		cr_expect_not(tsn_frag_attribute(&fr, &pkt, 100 + TSN_FRAG_TTL + 1));
		cr_expect(pkt.orphan);
	}
}

/* ---- files -------------------------------------------------------------- */

struct rec {
	enum kind k;
	bool swap;		/* B -> A */
	bool v6;
};

/* Write recs as a pcap of link l into path with libpcap. */
static void write_pcap(const char *path, enum link l, const struct rec *r,
		       size_t n)
{
	struct pcap_pkthdr h = { .ts = { 1700000000, 0 } };
	pcap_dumper_t *d;
	struct frame f;
	pcap_t *p;
	int dlt;

	f.len = 0;
	dlt = link_hdr(&f, l, false);
	p = pcap_open_dead(dlt, 65535);
	cr_assert_not_null(p);
	d = pcap_dump_open(p, path);
	cr_assert_not_null(d, "%s", pcap_geterr(p));
	for (size_t i = 0; i < n; i++) {
		uint8_t body[128];
		size_t m = l4(r[i].k, body);

		f.len = 0;
		link_hdr(&f, l, r[i].v6);
		ip_hdr(&f, r[i].v6, kinds[r[i].k].proto, m, 0, (uint32_t)i,
		       r[i].swap);
		put(&f, body, m);
		h.ts.tv_usec = (suseconds_t)i;
		h.caplen = h.len = (bpf_u_int32)f.len;
		pcap_dump((u_char *)d, &h, f.b);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

static const struct rec mix[] = {
	{ K_ESP, false, false }, { K_ESP, true, false },
	{ K_ESP_UDP, false, false }, { K_IKE500, true, false },
	{ K_IKE4500, false, false }, { K_NATK, true, false },
	{ K_AH, false, false }, { K_TCP, true, false },
	{ K_ESP, false, true }, { K_UDP, false, true }, { K_ICMP, true, true },
};

static void tmpname(char *buf, size_t size, const char *ext)
{
	static unsigned seq;

	snprintf(buf, size, "/tmp/tq-verify-%d-%u.%s", (int)getpid(), seq++,
		 ext);
}

static void read_ok(struct tsn_verify *v, const char *path,
		    const struct tsn_inventory *inv)
{
	char err[300] = "";

	cr_assert_eq(tsn_verify_init(v, inv, false), 0);
	cr_assert_eq(tsn_verify_read(v, path, err, sizeof(err)), 0, "%s: %s",
		     path, err);
}

static void expect_mix(const struct tsn_verify *v, const char *what)
{
	const struct tsn_vpair *p4, *p6;
	struct tsn_ip_addr a4 = { .family = AF_INET }, b4 = { .family = AF_INET };
	struct tsn_ip_addr a6 = { .family = AF_INET6 };
	struct tsn_ip_addr b6 = { .family = AF_INET6 };

	memcpy(a4.a, A4, 4);
	memcpy(b4.a, B4, 4);
	memcpy(a6.a, A6, 16);
	memcpy(b6.a, B6, 16);
	cr_expect_eq(v->packets, ARRAY_SIZE(mix), "%s", what);
	cr_expect_eq(v->totals[TSN_V_ESP], 3, "%s", what);
	cr_expect_eq(v->totals[TSN_V_ESP_IN_UDP], 1, "%s", what);
	cr_expect_eq(v->totals[TSN_V_IKE], 2, "%s", what);
	cr_expect_eq(v->totals[TSN_V_NAT_KEEPALIVE], 1, "%s", what);
	cr_expect_eq(v->totals[TSN_V_AH], 1, "%s", what);
	cr_expect_eq(v->totals[TSN_V_CLEARTEXT], 3, "%s", what);
	cr_expect_eq(v->totals[TSN_V_NON_IP] + v->totals[TSN_V_TRUNCATED], 0);
	cr_expect_eq(v->pairs.n, 2, "%s: one IPv4 and one IPv6 pair", what);
	p4 = tsn_vpairs_find(&v->pairs, &b4, &a4);
	p6 = tsn_vpairs_find(&v->pairs, &a6, &b6);
	cr_assert(p4 && p6, "%s", what);
	cr_expect_eq(p4->n[TSN_V_ESP], 2);
	cr_expect_eq(p4->n[TSN_V_CLEARTEXT], 1);
	cr_expect_eq(tsn_vpair_verdict(p4), TSN_VV_LEAK);
	/* the first cleartext: packet 8, TCP from B to A */
	cr_expect_eq(p4->first.packet, 8);
	cr_expect_eq(p4->first.proto, 6);
	cr_expect_not(p4->first.a_to_b, "B > A, and A sorts first");
	cr_expect_eq(p4->first.sport, 40000);
	cr_expect_eq(p4->first.dport, 5432);
	cr_expect_eq(p4->first.usec, 7);
	cr_expect_eq(p6->n[TSN_V_CLEARTEXT], 2);
	cr_expect_eq(p6->first.packet, 10);
	cr_expect(p6->first.a_to_b);
	cr_expect_eq(tsn_verify_exit(v), TSN_EXIT_PROBLEM);
}

Test(verify_read, pcap_of_every_link_type)
{
	for (int l = 0; l < L_N; l++) {
		struct tsn_verify v;
		char path[80];

		/* one family per link type; LINKTYPE_RAW is DLT_RAW in a
		 * file's header, which libpcap writes for L_RAW */
		if (l == L_IPV4_6 || l == L_LINKTYPE_RAW)
			continue;
		tmpname(path, sizeof(path), "pcap");
		write_pcap(path, (enum link)l, mix, ARRAY_SIZE(mix));
		read_ok(&v, path, NULL);
		expect_mix(&v, links[l].name);
		tsn_verify_free(&v);
		unlink(path);
	}
}

/* pcapng by hand: a section header, an interface (Ethernet), and one
 * enhanced packet block per record (RFC draft-ietf-opsawg-pcapng). */
static void le32(struct frame *f, uint32_t v)
{
	put(f, &v, 4);		/* this host is little-endian, as the file */
}

static void write_pcapng(const char *path, const struct rec *r, size_t n)
{
	static struct frame out;
	struct frame f;
	FILE *fp;

	out.len = 0;
	le32(&out, 0x0a0d0d0a);	/* SHB */
	le32(&out, 28);
	le32(&out, 0x1a2b3c4d);
	put(&out, "\x01\x00\x00\x00", 4);	/* version 1.0 */
	put(&out, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	le32(&out, 28);
	le32(&out, 1);		/* IDB */
	le32(&out, 20);
	put(&out, "\x01\x00\x00\x00", 4);	/* Ethernet, reserved */
	le32(&out, 65535);
	le32(&out, 20);
	fp = fopen(path, "wb");
	cr_assert_not_null(fp);
	fwrite(out.b, 1, out.len, fp);
	for (size_t i = 0; i < n; i++) {
		uint8_t body[128], zero[4] = { 0 };
		size_t m = l4(r[i].k, body), pad;
		uint64_t ts = 1700000000000000ull + i;
		struct frame blk = { .len = 0 };

		f.len = 0;
		link_hdr(&f, L_ETH, r[i].v6);
		ip_hdr(&f, r[i].v6, kinds[r[i].k].proto, m, 0, (uint32_t)i,
		       r[i].swap);
		put(&f, body, m);
		pad = (4 - f.len % 4) % 4;
		le32(&blk, 6);	/* EPB */
		le32(&blk, (uint32_t)(32 + f.len + pad));
		le32(&blk, 0);	/* interface 0 */
		le32(&blk, (uint32_t)(ts >> 32));
		le32(&blk, (uint32_t)ts);
		le32(&blk, (uint32_t)f.len);
		le32(&blk, (uint32_t)f.len);
		put(&blk, f.b, f.len);
		put(&blk, zero, pad);
		le32(&blk, (uint32_t)(32 + f.len + pad));
		fwrite(blk.b, 1, blk.len, fp);
	}
	fclose(fp);
}

Test(verify_read, pcapng)
{
	struct tsn_verify v;
	char path[80];

	tmpname(path, sizeof(path), "pcapng");
	write_pcapng(path, mix, ARRAY_SIZE(mix));
	read_ok(&v, path, NULL);
	cr_expect_eq(v.dlt, 1);
	expect_mix(&v, "pcapng");
	/* the first leak's time, from the block's microseconds */
	cr_expect_eq(v.pairs.pair[0].first.sec, 1700000000);
	cr_expect_eq(v.pairs.pair[0].first.usec, 7);
	tsn_verify_free(&v);
	unlink(path);
}

Test(verify_read, damaged_and_unreadable_files)
{
	struct tsn_verify v;
	char path[80], err[300] = "";
	FILE *fp;
	long size;

	tmpname(path, sizeof(path), "pcap");
	write_pcap(path, L_ETH, mix, ARRAY_SIZE(mix));
	/* cut in the middle of the last record */
	fp = fopen(path, "r+");
	cr_assert_not_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	cr_assert_eq(ftruncate(fileno(fp), size - 10), 0);
	fclose(fp);
	cr_assert_eq(tsn_verify_init(&v, NULL, false), 0);
	cr_expect_eq(tsn_verify_read(&v, path, err, sizeof(err)), -EIO);
	cr_expect_eq(v.packets, ARRAY_SIZE(mix) - 1);
	cr_expect(strstr(v.read_error, "after packet 10: truncated dump file"),
		  "%s", v.read_error);
	tsn_verify_free(&v);
	/* not a capture: libpcap's reason, without the file name twice */
	fp = fopen(path, "w");
	fputs("not a capture at all, just text\n", fp);
	fclose(fp);
	cr_assert_eq(tsn_verify_init(&v, NULL, false), 0);
	cr_expect_eq(tsn_verify_read(&v, path, err, sizeof(err)), -ENOENT);
	cr_expect_str_eq(err, "unknown file format");
	tsn_verify_free(&v);
	unlink(path);
	cr_assert_eq(tsn_verify_init(&v, NULL, false), 0);
	cr_expect_eq(tsn_verify_read(&v, path, err, sizeof(err)), -ENOENT);
	cr_expect_str_eq(err, "No such file or directory");
	tsn_verify_free(&v);
}

/* ---- inventory and the pair table --------------------------------------- */

static const char inv_text[] =
	"[cluster]\nname = t\ntransport = local\n"
	"[node n1]\naddress = 198.18.0.1\n"
	"[node n2]\naddress = 198.18.0.2\naddress6 = fd00:7473::2\n"
	"[node n3]\naddress = 198.18.0.3\n";

Test(verify_pairs, inventory_reports_members_pairs_only)
{
	struct tsn_inv_diag diag = { .error = "" };
	struct tsn_inventory inv;
	struct tsn_verify v;
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	struct tsn_jv doc;
	const struct tsn_jv *pairs;
	char path[80], err[200];
	static const struct rec r[] = {
		{ K_ESP, false, false }, { K_ESP, true, false },
		{ K_TCP, false, true },	/* A6 is no member's: not a pair */
	};

	cr_assert_eq(tsn_inventory_parse("t.conf", inv_text, strlen(inv_text),
					 &inv, &diag), 0, "%s", diag.error);
	tmpname(path, sizeof(path), "pcap");
	write_pcap(path, L_ETH, r, ARRAY_SIZE(r));
	read_ok(&v, path, &inv);
	cr_expect_eq(v.pairs.n, 1, "only n1-n2 has packets");
	cr_expect_eq(v.totals[TSN_V_CLEARTEXT], 1, "the totals count it");
	cr_expect_eq(tsn_verify_exit(&v), TSN_EXIT_OK);
	tsn_json_init(&j, &b, false);
	tsn_verify_json(&v, &j);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_assert_eq(tsn_json_parse(b.p, b.len, &doc, err, sizeof(err)), 0,
		     "%s", err);
	pairs = tsn_jv_get(&doc, "pairs");
	/* n1-n2, n1-n3, n2-n3 over IPv4; no IPv6 pair (one node has one) */
	cr_assert_eq(pairs->n, 3);
	cr_expect_str_eq(tsn_jv_getstr(&pairs->items[0], "a_node"), "n1");
	cr_expect_str_eq(tsn_jv_getstr(&pairs->items[0], "verdict"),
			 "encrypted");
	cr_expect_str_eq(tsn_jv_getstr(&pairs->items[1], "b_node"), "n3");
	cr_expect_str_eq(tsn_jv_getstr(&pairs->items[1], "verdict"),
			 "no-traffic");
	cr_expect_eq(tsn_jv_get(&pairs->items[1], "first_cleartext")->type,
		     TSN_JNULL);
	tsn_jv_free(&doc);
	tsn_buf_free(&b);
	tsn_verify_free(&v);
	/* --all-pairs: the non-member's pair too */
	cr_assert_eq(tsn_verify_init(&v, &inv, true), 0);
	cr_assert_eq(tsn_verify_read(&v, path, err, sizeof(err)), 0);
	cr_expect_eq(v.pairs.n, 2);
	cr_expect_eq(tsn_verify_exit(&v), TSN_EXIT_PROBLEM);
	tsn_verify_free(&v);
	tsn_inventory_free(&inv);
	unlink(path);
}

/* A frame from host i to host j (198.i and 198.j as 24-bit numbers),
 * counted directly. */
static void count_pair(struct tsn_verify *v, unsigned i, unsigned j,
		       enum kind k)
{
	uint8_t body[128];
	struct frame f = { .len = 0 };
	size_t m = l4(k, body);

	link_hdr(&f, L_ETH, false);
	ip_hdr(&f, false, kinds[k].proto, m, 0, 1, false);
	for (int b = 0; b < 3; b++) {
		f.b[14 + 13 + b] = (uint8_t)(i >> (16 - 8 * b));
		f.b[14 + 17 + b] = (uint8_t)(j >> (16 - 8 * b));
	}
	put(&f, body, m);
	tsn_verify_frame(v, f.b, f.len, 1700000000, 0);
}

Test(verify_pairs, cap_sums_the_rest_and_keeps_their_leaks)
{
	struct tsn_verify v;
	unsigned n = 0;

	cr_assert_eq(tsn_verify_init(&v, NULL, true), 0);
	v.dlt = 1;
	/* host 1 with hosts 2.. until the cap, and 10 more pairs */
	for (unsigned j = 2; n < TSN_VERIFY_PAIRS_MAX + 10; j++, n++) {
		count_pair(&v, 1, j, K_ESP);
		count_pair(&v, j, 1, K_ESP);
	}
	count_pair(&v, 1, 5, K_ESP);	/* a tracked pair still counts */
	count_pair(&v, 1, 2 + TSN_VERIFY_PAIRS_MAX + 3, K_TCP);
	tsn_verify_settle(&v);
	cr_expect_eq(v.pairs.n, TSN_VERIFY_PAIRS_MAX);
	cr_expect_eq(v.pairs.over_pairs_packets, 21);
	cr_expect_eq(v.pairs.over.n[TSN_V_ESP], 20);
	cr_expect_eq(v.pairs.over.n[TSN_V_CLEARTEXT], 1);
	cr_expect_eq(v.pairs.over.first.packet, v.packets);
	cr_expect_eq(v.pairs.pair[3].n[TSN_V_ESP], 3, "1 <-> 5");
	cr_expect_eq(v.pairs.pair[0].n[TSN_V_ESP], 2);
	cr_expect_eq(tsn_verify_exit(&v), TSN_EXIT_PROBLEM,
		     "a leak past the cap is a leak");
	tsn_verify_free(&v);
}

Test(verify_pairs, growth_keeps_counts_and_ipv6)
{
	struct tsn_verify v;
	struct frame f;
	uint64_t esp = 0;

	cr_assert_eq(tsn_verify_init(&v, NULL, true), 0);
	v.dlt = 1;
	for (unsigned r = 0; r < 3; r++)
		for (unsigned j = 2; j < 3000; j++)
			count_pair(&v, 1, j, K_ESP);
	build(&f, L_ETH, true, K_ESP_UDP);
	tsn_verify_frame(&v, f.b, f.len, 0, 0);
	build(&f, L_ETH, true, K_ESP_UDP);
	tsn_verify_frame(&v, f.b, f.len, 0, 0);
	tsn_verify_settle(&v);
	cr_expect_eq(v.pairs.n, 2998 + 1);
	for (size_t i = 0; i < v.pairs.n; i++)
		esp += v.pairs.pair[i].n[TSN_V_ESP];
	cr_expect_eq(esp, 3 * 2998);
	cr_expect_eq(v.pairs.pair[2998].n[TSN_V_ESP_IN_UDP], 2);
	tsn_verify_free(&v);
}

/* ---- the agent's capture as hex ---------------------------------------- */

Test(verify_live, unhex_takes_hex_digits_only)
{
	static const char *const bad[] = { " f", "+f", "-1", "0x", "g0",
					   "0", "abc", "1 ", "\t1" };
	uint8_t *b = NULL;
	size_t len = 0;

	cr_assert_eq(tsn_vl_unhex("00fFa5", &b, &len), 0);
	cr_assert_eq(len, 3);
	cr_assert(b[0] == 0 && b[1] == 0xff && b[2] == 0xa5);
	free(b);
	cr_assert_eq(tsn_vl_unhex("", &b, &len), 0);
	cr_assert_eq(len, 0);
	free(b);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(tsn_vl_unhex(bad[i], &b, &len), -EINVAL,
			     "'%s' taken as hex", bad[i]);
}
