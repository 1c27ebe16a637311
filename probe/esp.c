/* esp.c - the ESP probe: a raw IP protocol 50 packet that looks like ESP
 * to every firewall on the way, and that a listener can prove came from
 * this probe run.
 *
 * Wire layout (all big-endian), TSN_ESP_PROBE_LEN bytes:
 *
 *	 0  SPI            4  0x7473xxxx, the probe range
 *	 4  sequence       4
 *	 8  IV             8  random, where AES-GCM ESP carries its IV
 *	16  magic         11  "TSNET-PROBE"
 *	27  version        1  1
 *	28  run id         8
 *	36  sender node    4  the sender's index in the inventory
 *	40  sent at        8  CLOCK_REALTIME nanoseconds
 *	48  tag           32  HMAC-SHA256(run key, bytes 0..47)
 *
 * The tag covers the SPI and sequence too, so a replayed probe with a
 * changed header is forged, and a stray ESP packet (a real SA, another
 * tool) is simply not ours.  There is no ESP trailer: to anyone without
 * the keys ESP's padding and next header are part of the ciphertext.
 */
#include <errno.h>
#include <string.h>

#include "lib/cur.h"
#include "lib/util.h"
#include "probe/packet.h"
#include "probe/sha.h"

#define PROBE_VERSION 1
#define MAGIC_LEN (sizeof(TSN_ESP_PROBE_MAGIC) - 1)
#define SIGNED_LEN (TSN_ESP_PROBE_LEN - TSN_ESP_PROBE_TAG_LEN)

_Static_assert(MAGIC_LEN == 11, "probe magic is 11 bytes");
_Static_assert(TSN_ESP_PROBE_LEN == 4 + 4 + TSN_ESP_PROBE_IV_LEN +
	       MAGIC_LEN + 1 + 8 + 4 + 8 + TSN_ESP_PROBE_TAG_LEN,
	       "ESP probe layout");
_Static_assert(TSN_ESP_PROBE_TAG_LEN == TSN_SHA256_LEN, "tag is HMAC-SHA256");

static uint8_t *be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static uint8_t *be64(uint8_t *p, uint64_t v)
{
	p = be32(p, (uint32_t)(v >> 32));
	return be32(p, (uint32_t)v);
}

int tsn_esp_run_new(struct tsn_esp_run *run)
{
	int ret;

	ret = tsn_random_bytes(run->key, sizeof(run->key));
	if (!ret)
		ret = tsn_random_bytes(&run->run_id, sizeof(run->run_id));
	return ret;
}

int tsn_esp_probe_random(struct tsn_esp_probe *pr)
{
	uint32_t r[2];
	int ret;

	ret = tsn_random_bytes(r, sizeof(r));
	if (!ret)
		ret = tsn_random_bytes(pr->iv, sizeof(pr->iv));
	if (ret)
		return ret;
	pr->spi = TSN_ESP_PROBE_SPI_BASE | (r[0] & ~TSN_ESP_PROBE_SPI_MASK);
	/* a sequence number of 0 is never sent (RFC 4303 3.3.3) */
	pr->seq = (r[1] & 0x7fffffff) | 1;
	return 0;
}

int tsn_esp_probe_build(uint8_t *buf, size_t size,
			const struct tsn_esp_probe *pr,
			const struct tsn_esp_run *run)
{
	uint8_t *p = buf;

	if (!buf || !pr || !run ||
	    (pr->spi & TSN_ESP_PROBE_SPI_MASK) != TSN_ESP_PROBE_SPI_BASE)
		return -EINVAL;
	if (size < TSN_ESP_PROBE_LEN)
		return -ENOSPC;
	p = be32(p, pr->spi);
	p = be32(p, pr->seq);
	memcpy(p, pr->iv, sizeof(pr->iv));
	p += sizeof(pr->iv);
	memcpy(p, TSN_ESP_PROBE_MAGIC, MAGIC_LEN);
	p += MAGIC_LEN;
	*p++ = PROBE_VERSION;
	p = be64(p, run->run_id);
	p = be32(p, pr->node);
	p = be64(p, pr->sent_ns);
	tsn_hmac_sha256(run->key, sizeof(run->key), buf, SIGNED_LEN, p);
	return TSN_ESP_PROBE_LEN;
}

/* Compare in time independent of where the first difference is, so the
 * check does not tell a forger how many tag bytes were right. */
static bool tag_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

enum tsn_esp_verdict tsn_esp_probe_check(const uint8_t *p, size_t len,
					 const struct tsn_esp_run *run,
					 struct tsn_esp_probe *out)
{
	uint8_t magic[MAGIC_LEN], tag[TSN_ESP_PROBE_TAG_LEN];
	struct tsn_esp_probe pr;
	struct cur c = cur_make(p, len);
	uint8_t version;

	/* exactly our length: an ESP packet of any other size (a real SA's,
	 * or ours with bytes added) is not ours; this also bounds every
	 * read below */
	if (!p || len != TSN_ESP_PROBE_LEN)
		return TSN_ESP_PROBE_NOT_OURS;
	cur_u32(&c, &pr.spi);
	cur_u32(&c, &pr.seq);
	cur_bytes(&c, pr.iv, sizeof(pr.iv));
	cur_bytes(&c, magic, sizeof(magic));
	cur_u8(&c, &version);
	cur_u64(&c, &pr.run_id);
	cur_u32(&c, &pr.node);
	cur_u64(&c, &pr.sent_ns);
	if ((pr.spi & TSN_ESP_PROBE_SPI_MASK) != TSN_ESP_PROBE_SPI_BASE ||
	    memcmp(magic, TSN_ESP_PROBE_MAGIC, MAGIC_LEN) ||
	    version != PROBE_VERSION)
		return TSN_ESP_PROBE_NOT_OURS;
	/* a probe of an earlier or concurrent run carries another run id:
	 * stray, not forged */
	if (pr.run_id != run->run_id)
		return TSN_ESP_PROBE_NOT_OURS;
	tsn_hmac_sha256(run->key, sizeof(run->key), p, SIGNED_LEN, tag);
	if (!tag_equal(tag, c.p, sizeof(tag)))
		return TSN_ESP_PROBE_FORGED;
	if (out)
		*out = pr;
	return TSN_ESP_PROBE_OK;
}

const char *tsn_esp_verdict_name(enum tsn_esp_verdict v)
{
	switch (v) {
	case TSN_ESP_PROBE_OK:
		return "ok";
	case TSN_ESP_PROBE_NOT_OURS:
		return "not-ours";
	case TSN_ESP_PROBE_FORGED:
		return "forged";
	}
	return "?";
}
