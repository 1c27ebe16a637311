/* test_pcapng.c - the pcapng a live verify's capture travels as
 * (verify/pcapng.c): what it writes, libpcap reads back record for
 * record (time stamps, captured and original lengths, bytes, link type),
 * and verify's reader counts it with every packet handed to the live
 * mode's hook (tsn_verify.on_packet) after it is classified.
 */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "probe/packet.h"
#include "verify/verify.h"

/* An IPv4 header (checksum not needed by the classifier) + L4 bytes. */
static size_t ipv4(uint8_t *b, uint8_t proto, const uint8_t *l4, size_t n)
{
	static const uint8_t hdr[20] = { 0x45, 0, 0, 0, 0, 1, 0, 0, 64, 0, 0,
					 0, 198, 18, 0, 1, 198, 18, 0, 2 };

	memcpy(b, hdr, 20);
	b[2] = (uint8_t)((20 + n) >> 8);
	b[3] = (uint8_t)(20 + n);
	b[9] = proto;
	memcpy(b + 20, l4, n);
	return 20 + n;
}

struct seen {
	unsigned n, esp, clear;
	uint32_t spi;
};

static void hook(void *arg, const struct tsn_vpend *q)
{
	struct seen *s = arg;

	s->n++;
	if (q->c == TSN_V_ESP) {
		s->esp++;
		s->spi = q->pkt.spi;
	}
	if (q->c == TSN_V_CLEARTEXT)
		s->clear++;
}

Test(pcapng, written_then_read_by_libpcap_and_verify)
{
	static const uint8_t esp[16] = { 0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 1 };
	static const uint8_t udp[12] = { 0x9c, 0x40, 0x1b, 0x58, 0, 12 };
	struct tsn_buf b = { 0 };
	uint8_t f[3][64];
	size_t len[3];
	struct tsn_verify v;
	struct seen s = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	FILE *fp;

	len[0] = ipv4(f[0], 50, esp, sizeof(esp));
	len[1] = ipv4(f[1], 17, udp, sizeof(udp));
	len[2] = ipv4(f[2], 17, udp, sizeof(udp));
	cr_assert_eq(tsn_pcapng_begin(&b, 12 /* DLT_RAW */, 256), 0);
	for (int i = 0; i < 3; i++)	/* odd lengths: padding to 4 */
		cr_assert_eq(tsn_pcapng_packet(&b, 1700000000 + i, 123456,
					       f[i], (uint32_t)len[i] - (i == 2),
					       (uint32_t)len[i]), 0);
	cr_assert_eq(b.len % 4, 0);

	fp = fmemopen(b.p, b.len, "r");
	p = pcap_fopen_offline(fp, err);
	cr_assert(p, "libpcap refuses it: %s", err);
	cr_assert_eq(pcap_datalink(p), 12);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(pcap_next_ex(p, &h, &data), 1, "record %d", i);
		cr_assert_eq(h->ts.tv_sec, 1700000000 + i);
		cr_assert_eq(h->ts.tv_usec, 123456);
		cr_assert_eq(h->len, len[i]);
		cr_assert_eq(h->caplen, len[i] - (i == 2));
		cr_assert_eq(memcmp(data, f[i], h->caplen), 0);
	}
	cr_assert_eq(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);

	cr_assert_eq(tsn_verify_init(&v, NULL, true), 0);
	v.on_packet = hook;
	v.on_packet_arg = &s;
	fp = fmemopen(b.p, b.len, "r");
	cr_assert_eq(tsn_verify_read_fp(&v, fp, err, sizeof(err)), 0);
	cr_assert_eq(v.packets, 3);
	cr_assert_eq(v.totals[TSN_V_ESP], 1);
	cr_assert_eq(v.totals[TSN_V_CLEARTEXT], 2);
	cr_assert_eq(s.n, 3, "the hook saw every packet");
	cr_assert_eq(s.esp, 1);
	cr_assert_eq(s.clear, 2);
	cr_assert_eq(s.spi, 0xc0ffee01, "the hook's packet is classified");
	tsn_verify_free(&v);
	tsn_buf_free(&b);
}
