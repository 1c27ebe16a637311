/* test_classify.c - the packet classifier of tsnet probe against crafted
 * frames (every link type and header it walks, every prefix of each) and
 * against real captures: the TESTLIST cases, a third party's IKE
 * requests, our own packets and ESP probes off the wire, and charon's
 * answers.
 */
#include <pcap/pcap.h>

#include "tests/unit/packet_fixtures.h"

/* ---- classifier: crafted frames ---------------------------------------- */

struct frame {
	uint8_t b[512];
	size_t len;
};

static void f_add(struct frame *f, const void *d, size_t n)
{
	if (n)
		memcpy(f->b + f->len, d, n);
	f->len += n;
}

static void f_eth(struct frame *f, uint16_t type)
{
	uint8_t h[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	put_be(h + 12, type, 2);
	f_add(f, h, sizeof(h));
}

static void f_ip4(struct frame *f, uint8_t proto, size_t l4len, uint16_t frag)
{
	uint8_t h[20] = { 0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0,
			  198, 18, 0, 1, 198, 18, 0, 2 };

	put_be(h + 2, (uint32_t)(20 + l4len), 2);
	put_be(h + 6, frag, 2);
	f_add(f, h, sizeof(h));
}

static void f_ip6(struct frame *f, uint8_t nh, size_t plen)
{
	uint8_t h[40] = { 0x60, 0, 0, 0, 0, 0, nh, 64,
			  0xfd, 0, 0x74, 0x73, [23] = 1,
			  0xfd, 0, 0x74, 0x73, [39] = 2 };

	put_be(h + 4, (uint32_t)plen, 2);
	f_add(f, h, sizeof(h));
}

static void f_udp(struct frame *f, uint16_t sp, uint16_t dp, const void *d,
		  size_t n)
{
	uint8_t h[8];

	put_be(h, sp, 2);
	put_be(h + 2, dp, 2);
	put_be(h + 4, (uint32_t)(8 + n), 2);
	put_be(h + 6, 0, 2);
	f_add(f, h, sizeof(h));
	f_add(f, d, n);
}

static const uint8_t esp_hdr[12] = { 0x74, 0x73, 0, 1, 0, 0, 0, 1, 9, 9, 9, 9 };
static const uint8_t ike_marked[32] = { 0, 0, 0, 0, 1, 2, 3, 4 };

/* Build case i into f; returns its dlt, or -1 past the last case. */
static int crafted(unsigned i, struct frame *f, enum tsn_pkt_class *cls,
		   const char **str)
{
	uint8_t ext[8] = { 0 }, tcp[20] = { 0, 22, 0x9c, 0x40 };
	uint8_t ff = 0xff;
	unsigned k;

	memset(f, 0, sizeof(*f));
	switch (i) {
	case 0:
		f_eth(f, 0x0800);
		f_ip4(f, 50, sizeof(esp_hdr), 0);
		f_add(f, esp_hdr, sizeof(esp_hdr));
		*cls = TSN_PKT_ESP;
		*str = "esp 198.18.0.1 > 198.18.0.2 spi 0x74730001";
		return 1;
	case 1:
		f_eth(f, 0x0800);
		f_ip4(f, 17, 9, 0);
		f_udp(f, 4500, 4500, &ff, 1);
		memset(f->b + f->len, 0, 60 - f->len);	/* Ethernet padding */
		f->len = 60;
		*cls = TSN_PKT_NAT_KEEPALIVE;
		*str = "nat-keepalive udp 198.18.0.1:4500 > 198.18.0.2:4500";
		return 1;
	case 2:
		f_eth(f, 0x0800);
		f_ip4(f, 17, 8 + sizeof(ike_marked), 0);
		f_udp(f, 4500, 4500, ike_marked, sizeof(ike_marked));
		*cls = TSN_PKT_IKE;
		*str = "ike udp 198.18.0.1:4500 > 198.18.0.2:4500";
		return 1;
	case 3:
		f_eth(f, 0x0800);
		f_ip4(f, 17, 8 + sizeof(esp_hdr), 0);
		f_udp(f, 40000, 4500, esp_hdr, sizeof(esp_hdr));
		*cls = TSN_PKT_ESP_IN_UDP;
		*str = "esp-in-udp 198.18.0.1:40000 > 198.18.0.2:4500 spi 0x74730001";
		return 1;
	case 4:
		f_eth(f, 0x0800);
		f_ip4(f, 17, 8 + 4, 0);
		f_udp(f, 500, 500, "abcd", 4);
		*cls = TSN_PKT_IKE;
		*str = "ike udp 198.18.0.1:500 > 198.18.0.2:500";
		return 1;
	case 5:
		f_eth(f, 0x0800);
		f_ip4(f, 6, sizeof(tcp), 0);
		f_add(f, tcp, sizeof(tcp));
		*cls = TSN_PKT_CLEARTEXT;
		*str = "cleartext tcp 198.18.0.1:22 > 198.18.0.2:40000";
		return 1;
	case 6:
		f_eth(f, 0x0806);
		f_add(f, tcp, sizeof(tcp));
		*cls = TSN_PKT_NOT_IP;
		*str = "not-ip: not an IP ethertype";
		return 1;
	case 7:	/* IPv6: hop-by-hop, destination options, then ESP */
		f_eth(f, 0x86dd);
		f_ip6(f, 0, 16 + sizeof(esp_hdr));
		ext[0] = 60;
		f_add(f, ext, 8);
		ext[0] = 50;
		f_add(f, ext, 8);
		f_add(f, esp_hdr, sizeof(esp_hdr));
		*cls = TSN_PKT_ESP;
		*str = "esp fd00:7473::1 > fd00:7473::2 spi 0x74730001";
		return 1;
	case 8:	/* nine destination options headers: over the cap */
		f_eth(f, 0x86dd);
		f_ip6(f, 60, 9 * 8 + 8);
		ext[0] = 60;
		for (k = 0; k < 9; k++)
			f_add(f, ext, 8);
		f_udp(f, 1, 2, NULL, 0);
		*cls = TSN_PKT_MALFORMED;
		*str = "malformed fd00:7473::1 > fd00:7473::2: too many IPv6 extension headers";
		return 1;
	case 9:	/* IHL 4 */
		f_eth(f, 0x0800);
		f_ip4(f, 17, 8, 0);
		f->b[14] = 0x44;
		f_udp(f, 1, 2, NULL, 0);
		*cls = TSN_PKT_MALFORMED;
		*str = "malformed 198.18.0.1 > 198.18.0.2: IPv4 header length below 20 or above total";
		return 1;
	case 10: /* a non-first IPv4 fragment of UDP 500: no ports to see */
		f_eth(f, 0x0800);
		f_ip4(f, 17, 8, 0x00b9);
		f_udp(f, 500, 500, NULL, 0);
		*cls = TSN_PKT_CLEARTEXT;
		*str = "cleartext udp 198.18.0.1 > 198.18.0.2 (fragment)";
		return 1;
	case 11: /* 802.1ad + 802.1Q tags */
		f_eth(f, 0x88a8);
		f_add(f, "\x00\x05\x81\x00\x00\x07\x08\x00", 8);
		f_ip4(f, 50, sizeof(esp_hdr), 0);
		f_add(f, esp_hdr, sizeof(esp_hdr));
		*cls = TSN_PKT_ESP;
		*str = "esp 198.18.0.1 > 198.18.0.2 spi 0x74730001";
		return 1;
	case 12: /* Linux cooked v1 */
		f_add(f, "\x00\x00\x00\x01\x00\x06\x02\x00\x00\x00\x00\x01\x00\x00\x08\x00", 16);
		f_ip4(f, 50, sizeof(esp_hdr), 0);
		f_add(f, esp_hdr, sizeof(esp_hdr));
		*cls = TSN_PKT_ESP;
		*str = "esp 198.18.0.1 > 198.18.0.2 spi 0x74730001";
		return 113;
	case 13: /* Linux cooked v2 */
		f_add(f, "\x86\xdd\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06\x02\x00\x00\x00\x00\x01\x00\x00", 20);
		f_ip6(f, 17, 8 + 4);
		f_udp(f, 5353, 53, "abcd", 4);
		*cls = TSN_PKT_CLEARTEXT;
		*str = "cleartext udp [fd00:7473::1]:5353 > [fd00:7473::2]:53";
		return 276;
	case 14: /* raw IP, ICMP */
		f_ip4(f, 1, 8, 0);
		f_add(f, "\x08\x00\x00\x00\x00\x01\x00\x01", 8);
		*cls = TSN_PKT_CLEARTEXT;
		*str = "cleartext icmp 198.18.0.1 > 198.18.0.2";
		return 12;
	case 15: /* IPv6 fragment header, offset 185 */
		f_ip6(f, 44, 16);
		f_add(f, "\x11\x00\x05\xc8\x00\x00\x00\x01", 8);
		f_add(f, "\x01\xf4\x01\xf4\x00\x10\x00\x00", 8);
		*cls = TSN_PKT_CLEARTEXT;
		*str = "cleartext udp fd00:7473::1 > fd00:7473::2 (fragment)";
		return 101;
	case 16: /* UDP length larger than the IP payload */
		f_eth(f, 0x0800);
		f_ip4(f, 17, 8, 0);
		f_udp(f, 1, 2, NULL, 0);
		f->b[14 + 20 + 5] = 99;
		*cls = TSN_PKT_MALFORMED;
		*str = "malformed udp 198.18.0.1:1 > 198.18.0.2:2: UDP length outside the IP payload";
		return 1;
	case 18: /* a non-first fragment of ESP is still ESP */
		f_eth(f, 0x0800);
		f_ip4(f, 50, sizeof(esp_hdr), 0x0010);
		f_add(f, esp_hdr, sizeof(esp_hdr));
		*cls = TSN_PKT_ESP;
		*str = "esp 198.18.0.1 > 198.18.0.2 (fragment)";
		return 1;
	case 17:
		f_add(f, "\x45\x00", 2);
		*cls = TSN_PKT_NOT_IP;
		*str = "not-ip: unsupported link type";
		return 147;
	}
	return -1;
}

Test(tq_classify, crafted_table_and_every_prefix)
{
	enum tsn_pkt_class want;
	struct tsn_pkt pkt;
	struct frame f;
	const char *str;
	char line[200];
	uint8_t *c;
	unsigned i;
	size_t n;
	int dlt;

	for (i = 0; (dlt = crafted(i, &f, &want, &str)) >= 0; i++) {
		cr_assert_eq(tsn_classify_frame(dlt, f.b, f.len, &pkt), 0);
		cr_expect_eq(pkt.cls, want, "case %u: %s", i,
			     tsn_pkt_str(&pkt, line, sizeof(line)));
		cr_expect_str_eq(tsn_pkt_str(&pkt, line, sizeof(line)), str,
				 "case %u", i);
		/* every prefix: the full verdict, or truncated; never a
		 * read past the prefix (heap copy of exactly n bytes) */
		for (n = 0; n < f.len; n++) {
			c = malloc(n ? n : 1);
			if (n)
				memcpy(c, f.b, n);
			tsn_classify_frame(dlt, c, n, &pkt);
			free(c);
			if (dlt == 147)
				continue;
			cr_assert(pkt.cls == want || pkt.cls == TSN_PKT_TRUNCATED,
				  "case %u prefix %zu: %s", i, n,
				  tsn_pkt_class_name(pkt.cls));
			if (n == 0)
				cr_assert_eq(pkt.cls, TSN_PKT_TRUNCATED);
		}
	}
	cr_expect_eq(i, 19);
}

Test(tq_classify, raw_socket_start)
{
	struct tsn_pkt pkt;
	struct frame f;
	enum tsn_pkt_class want;
	const char *str;

	crafted(0, &f, &want, &str);
	cr_assert_eq(tsn_classify_ip(f.b + 14, f.len - 14, &pkt), 0);
	cr_expect_eq(pkt.cls, TSN_PKT_ESP);
	cr_expect_eq(pkt.spi, 0x74730001);
	cr_expect_eq(pkt.ip_off, 0);
	cr_expect_eq(pkt.l4_off, 20);
	cr_assert_eq(tsn_classify_frame(1, f.b, f.len, &pkt), 0);
	cr_expect_eq(pkt.ip_off, 14);
	cr_expect_eq(pkt.l4_off, 34);
	cr_expect_eq(tsn_pkt_l4_len(&pkt, f.len), sizeof(esp_hdr));
	crafted(1, &f, &want, &str);	/* padded to 60 bytes */
	tsn_classify_frame(1, f.b, f.len, &pkt);
	cr_expect_eq(tsn_pkt_l4_len(&pkt, f.len), 9, "padding not counted");
	cr_expect_eq(tsn_pkt_l4_len(&pkt, 40), 6, "snapped");
	crafted(0, &f, &want, &str);
	f.b[14] = 0x55;
	tsn_classify_ip(f.b + 14, f.len - 14, &pkt);
	cr_expect_eq(pkt.cls, TSN_PKT_NOT_IP);
}

/* ---- classifier: real captures (TESTLIST) ------------------------------ */

/* Classify every packet of a pcap into one line each. */
static int pcap_lines(const char *path, struct tsn_buf *out)
{
	char err[PCAP_ERRBUF_SIZE], line[200];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct tsn_pkt pkt;
	pcap_t *p;
	int dlt;

	p = pcap_open_offline(path, err);
	if (!p)
		return -ENOENT;
	dlt = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &data) == 1) {
		tsn_classify_frame(dlt, data, h->caplen, &pkt);
		tsn_buf_printf(out, "%s\n", tsn_pkt_str(&pkt, line,
							sizeof(line)));
	}
	pcap_close(p);
	return 0;
}

Test(tq_pcap, testlist)
{
	char line[512], pcapf[128], outf[128], path[300], *want = NULL;
	struct tsn_buf got = { 0 };
	unsigned cases = 0;
	size_t len;
	FILE *f;

	f = fopen(DATA "TESTLIST", "r");
	cr_assert_not_null(f, "cannot open " DATA "TESTLIST");
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%127s %127s", pcapf, outf) != 2)
			continue;
		tsn_buf_reset(&got);
		snprintf(path, sizeof(path), DATA "%s", pcapf);
		cr_assert_eq(pcap_lines(path, &got), 0, "cannot read %s", path);
		snprintf(path, sizeof(path), DATA "%s", outf);
		update_golden(path, got.p, got.len);
		cr_assert_eq(tsn_read_file(path, 1 << 16, &want, &len), 0,
			     "cannot read %s", path);
		cr_expect_str_eq(got.p, want, "%s", pcapf);
		free(want);
		want = NULL;
		cases++;
	}
	fclose(f);
	tsn_buf_free(&got);
	cr_expect_eq(cases, 22);
}

/* The UDP payload of the first packet of a pcap, as the classifier
 * locates it. */
static size_t first_udp_payload(const char *path, uint8_t *buf, size_t size,
				struct tsn_pkt *pkt)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t n = 0;
	pcap_t *p;

	p = pcap_open_offline(path, err);
	cr_assert_not_null(p, "%s: %s", path, err);
	cr_assert_eq(pcap_next_ex(p, &h, &data), 1);
	tsn_classify_frame(pcap_datalink(p), data, h->caplen, pkt);
	if (pkt->cls == TSN_PKT_IKE && h->caplen > pkt->l4_off + 8) {
		n = h->caplen - pkt->l4_off - 8;
		cr_assert_leq(n, size);
		memcpy(buf, data + pkt->l4_off + 8, n);
	}
	pcap_close(p);
	return n;
}

/* A third-party IKE_SA_INIT (ike-scan 1.9.5) read the way tshark reads
 * it: tshark -V shows the SPI, length 296, 11 transforms, first
 * ENCR_AES_CBC-256, PRF_HMAC_SHA1, AUTH_HMAC_SHA1_96, MODP 1024. */
Test(tq_pcap, ikescan_request_parsed)
{
	static const struct {
		const char *file;
		const char *spi;
		bool natt;
	} v[] = {
		{ DATA "ikescan_v2.pcap", "9d537a716a03ae16", false },
		{ DATA "ikescan_v2_natt.pcap", "0878db6dea321f96", true },
	};
	struct tsn_ike_info info;
	struct tsn_pkt pkt;
	uint8_t buf[2048];
	char h[17], line[160];
	unsigned i;
	size_t n;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		n = first_udp_payload(v[i].file, buf, sizeof(buf), &pkt);
		cr_assert_gt(n, 0, "%s", v[i].file);
		if (v[i].natt)
			cr_assert_eq(tsn_ike_parse_natt(buf, n, &info), 0, "%s",
				     info.why);
		else
			cr_assert_eq(tsn_ike_parse(buf, n, &info), 0, "%s",
				     info.why);
		hex(info.spi_i, 8, h);
		cr_expect_str_eq(h, v[i].spi);
		cr_expect_eq(info.length, 296);
		cr_expect_eq(info.version, 0x20);
		cr_expect_eq(info.exchange, TSN_IKE_SA_INIT);
		cr_expect_eq(info.flags, TSN_IKE_FLAG_INITIATOR);
		cr_expect_eq(info.msg_id, 0);
		cr_expect(info.has_ke && info.has_nonce);
		cr_expect_eq(info.ke_group, 2);
		cr_expect_eq(info.payloads, 3);
		cr_expect_str_eq(tsn_ike_summary(&info, line, sizeof(line)),
				 "IKE_SA_INIT request: AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024");
	}
}

/* What our own builders sent through real sockets arrived byte for byte
 * as the goldens hold them. */
Test(tq_pcap, own_packets_arrive_as_built)
{
	static const struct {
		const char *pcap, *bin;
	} v[] = {
		{ DATA "ike_sa_init_v4.pcap", "ike_sa_init_v4.bin" },
		{ DATA "ike_sa_init_v6.pcap", "ike_sa_init_v6.bin" },
		{ DATA "ike_natt_v4.pcap", "ike_sa_init_natt_v4.bin" },
	};
	struct tsn_ike_init ini;
	struct tsn_pkt pkt;
	uint8_t buf[2048], built[TSN_IKE_INIT_MAX];
	unsigned i;
	size_t n;
	int b;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		n = first_udp_payload(v[i].pcap, buf, sizeof(buf), &pkt);
		fixed_ike(&ini, i == 1 ? AF_INET6 : AF_INET);
		if (i == 2) {
			ini.sport = ini.dport = 4500;
			b = tsn_ike_build_sa_init_natt(built, sizeof(built), &ini);
		} else {
			b = tsn_ike_build_sa_init(built, sizeof(built), &ini);
		}
		cr_assert_eq(n, (size_t)b, "%s", v[i].pcap);
		cr_expect_eq(memcmp(buf, built, n), 0, "%s", v[i].pcap);
	}
}

/* The ESP probes captured off the wire verify with the run's key, and
 * fail with any other. */
Test(tq_pcap, captured_esp_probes_verify)
{
	static const char *const files[] = {
		DATA "esp_probe_v4.pcap", DATA "esp_probe_v6_opts.pcap",
		DATA "any_sll2_esp_v4.pcap", DATA "esp_in_udp_v4.pcap",
	};
	char err[PCAP_ERRBUF_SIZE];
	struct tsn_esp_probe pr, seen;
	struct tsn_esp_run run, other;
	struct pcap_pkthdr *h;
	const u_char *data;
	struct tsn_pkt pkt;
	size_t off, n;
	unsigned i;
	pcap_t *p;

	fixed_esp(&pr, &run);
	other = run;
	other.key[31] ^= 0x80;
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		p = pcap_open_offline(files[i], err);
		cr_assert_not_null(p, "%s: %s", files[i], err);
		cr_assert_eq(pcap_next_ex(p, &h, &data), 1);
		tsn_classify_frame(pcap_datalink(p), data, h->caplen, &pkt);
		cr_assert(pkt.cls == TSN_PKT_ESP || pkt.cls == TSN_PKT_ESP_IN_UDP);
		off = pkt.l4_off + (pkt.cls == TSN_PKT_ESP_IN_UDP ? 8 : 0);
		n = tsn_pkt_l4_len(&pkt, h->caplen) - (off - pkt.l4_off);
		cr_expect_eq(tsn_esp_probe_check(data + off, n, &run, &seen),
			     TSN_ESP_PROBE_OK, "%s", files[i]);
		cr_expect_eq(seen.node, 3);
		cr_expect_eq(tsn_esp_probe_check(data + off, n, &other, NULL),
			     TSN_ESP_PROBE_FORGED, "%s", files[i]);
		pcap_close(p);
	}
}

/* Real answers from strongSwan's charon to our golden request (captured
 * by make-pcaps.sh): each is parsed and named as `tsnet probe` reports
 * it. */
Test(tq_pcap, charon_answers_parsed)
{
	static const struct {
		const char *file, *summary;
		uint16_t notify, want_group;
	} v[] = {
		{ DATA "ike_charon_invalid_ke.pcap",
		  "INVALID_KE_PAYLOAD (wants ECP_256)", 17, 19 },
		{ DATA "ike_charon_no_proposal.pcap", "NO_PROPOSAL_CHOSEN", 14, 0 },
		{ DATA "ike_charon_response.pcap",
		  "IKE_SA_INIT response: AES_GCM_16-256/PRF_HMAC_SHA2_384/CURVE_25519",
		  16388, 0 },
		{ DATA "ike_charon_cookie.pcap", "COOKIE", 16390, 0 },
	};
	static const uint8_t zero[8];
	char err[PCAP_ERRBUF_SIZE], line[160];
	struct tsn_ike_info info;
	struct pcap_pkthdr *h;
	const u_char *data;
	struct tsn_pkt pkt;
	unsigned i;
	size_t off;
	pcap_t *p;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		p = pcap_open_offline(v[i].file, err);
		cr_assert_not_null(p, "%s: %s", v[i].file, err);
		cr_assert_eq(pcap_next_ex(p, &h, &data), 1);	/* our request */
		cr_assert_eq(pcap_next_ex(p, &h, &data), 1);	/* the answer */
		tsn_classify_frame(pcap_datalink(p), data, h->caplen, &pkt);
		cr_assert_eq(pkt.cls, TSN_PKT_IKE, "%s", v[i].file);
		cr_assert_eq(pkt.sport, 500);
		off = pkt.l4_off + 8;
		cr_assert_eq(tsn_ike_parse(data + off, h->caplen - off, &info), 0,
			     "%s: %s", v[i].file, info.why);
		cr_expect(info.response, "%s", v[i].file);
		cr_expect_eq(info.exchange, TSN_IKE_SA_INIT);
		cr_expect_eq(memcmp(info.spi_i, "\x01\x02\x03\x04\x05\x06\x07\x08", 8),
			     0, "our SPI echoed");
		cr_expect(tsn_ike_has_notify(&info, v[i].notify), "%s", v[i].file);
		cr_expect_eq(info.want_group, v[i].want_group);
		cr_expect_str_eq(tsn_ike_summary(&info, line, sizeof(line)),
				 v[i].summary);
		if (v[i].notify == 16388) {	/* the accepted proposal */
			cr_expect_neq(memcmp(info.spi_r, zero, 8), 0);
			cr_expect(info.has_ke && info.has_nonce);
			cr_expect_eq(info.ke_group, 31);
			cr_expect_eq(info.encr_keylen, 256);
			cr_expect_eq(info.prf, 6);
		}
		pcap_close(p);
	}
}
