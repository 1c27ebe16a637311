/* pcapng.c - write a capture as pcapng into memory: what a node's live
 * capture travels to the coordinator as, and what `--write DIR` keeps.
 *
 * libpcap writes only the old pcap format; tshark and support tools
 * prefer pcapng, and three block types are all a capture needs: a
 * Section Header, one Interface Description (link type, snap length,
 * microsecond stamps by default) and an Enhanced Packet per frame.
 * Written in host byte order, which the section header's magic declares
 * (pcapng spec, section 4.1).
 */
#include <errno.h>
#include <string.h>

#include "verify/verify.h"

#define SHB_TYPE 0x0A0D0D0Au
#define SHB_MAGIC 0x1A2B3C4Du
#define IDB_TYPE 1u
#define EPB_TYPE 6u

static int put32(struct tsn_buf *b, uint32_t v)
{
	return tsn_buf_add(b, &v, 4);
}

int tsn_pcapng_begin(struct tsn_buf *b, int dlt, unsigned snaplen)
{
	uint64_t section_len = UINT64_MAX;	/* not given */
	uint16_t ver[2] = { 1, 0 };		/* pcapng 1.0 */
	uint16_t lt[2] = { (uint16_t)dlt, 0 };
	int ret = 0;

	ret |= put32(b, SHB_TYPE);
	ret |= put32(b, 28);
	ret |= put32(b, SHB_MAGIC);
	ret |= tsn_buf_add(b, ver, 4);
	ret |= tsn_buf_add(b, &section_len, 8);
	ret |= put32(b, 28);
	ret |= put32(b, IDB_TYPE);
	ret |= put32(b, 20);
	ret |= tsn_buf_add(b, lt, 4);
	ret |= put32(b, snaplen);
	ret |= put32(b, 20);
	return ret ? -ENOMEM : 0;
}

int tsn_pcapng_packet(struct tsn_buf *b, int64_t sec, uint32_t usec,
		      const uint8_t *data, uint32_t caplen, uint32_t len)
{
	static const uint8_t pad[4];
	uint64_t ts = (uint64_t)sec * 1000000u + usec;
	uint32_t padded = (caplen + 3) & ~3u;
	uint32_t total = 32 + padded;
	int ret = 0;

	ret |= put32(b, EPB_TYPE);
	ret |= put32(b, total);
	ret |= put32(b, 0);			/* interface 0 */
	ret |= put32(b, (uint32_t)(ts >> 32));
	ret |= put32(b, (uint32_t)ts);
	ret |= put32(b, caplen);
	ret |= put32(b, len);
	ret |= tsn_buf_add(b, data, caplen);
	ret |= tsn_buf_add(b, pad, padded - caplen);
	ret |= put32(b, total);
	return ret ? -ENOMEM : 0;
}
