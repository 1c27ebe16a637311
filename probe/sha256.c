/* sha256.c - a compact SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104),
 * for the tag on tsnet's ESP probes.
 */
#include <string.h>

#include "lib/util.h"
#include "probe/sha.h"

static const uint32_t k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static void sha256_block(struct tsn_sha256 *s, const uint8_t *blk)
{
	uint32_t w[64], v[8], t1, t2, s0, s1;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)blk[4 * i] << 24 |
		       (uint32_t)blk[4 * i + 1] << 16 |
		       (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
	for (i = 16; i < 64; i++) {
		s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
		     (w[i - 15] >> 3);
		s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
		     (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, s->h, sizeof(v));
	for (i = 0; i < 64; i++) {
		s1 = ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25);
		t1 = v[7] + s1 + ((v[4] & v[5]) ^ (~v[4] & v[6])) + k256[i] +
		     w[i];
		s0 = ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22);
		t2 = s0 + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		s->h[i] += v[i];
}

void tsn_sha256_init(struct tsn_sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->bytes = 0;
	s->fill = 0;
}

void tsn_sha256_update(struct tsn_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	s->bytes += len;
	while (len) {
		n = sizeof(s->buf) - s->fill;
		if (n > len)
			n = len;
		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill == sizeof(s->buf)) {
			sha256_block(s, s->buf);
			s->fill = 0;
		}
	}
}

void tsn_sha256_final(struct tsn_sha256 *s, uint8_t out[TSN_SHA256_LEN])
{
	uint64_t bits = s->bytes * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen;
	int i;

	padlen = (s->fill < 56 ? 56 : 120) - s->fill;
	for (i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	tsn_sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
	tsn_memzero(s, sizeof(*s));
}

void tsn_sha256(const void *data, size_t len, uint8_t out[TSN_SHA256_LEN])
{
	struct tsn_sha256 s;

	tsn_sha256_init(&s);
	tsn_sha256_update(&s, data, len);
	tsn_sha256_final(&s, out);
}

void tsn_hmac_sha256(const void *key, size_t keylen, const void *data,
		     size_t len, uint8_t out[TSN_SHA256_LEN])
{
	uint8_t k[TSN_SHA256_BLOCK] = { 0 }, pad[TSN_SHA256_BLOCK];
	uint8_t inner[TSN_SHA256_LEN];
	struct tsn_sha256 s;
	size_t i;

	/* keys longer than a block are hashed first (RFC 2104 section 2) */
	if (keylen > TSN_SHA256_BLOCK)
		tsn_sha256(key, keylen, k);
	else if (keylen)
		memcpy(k, key, keylen);

	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	tsn_sha256_init(&s);
	tsn_sha256_update(&s, pad, sizeof(pad));
	tsn_sha256_update(&s, data, len);
	tsn_sha256_final(&s, inner);

	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	tsn_sha256_init(&s);
	tsn_sha256_update(&s, pad, sizeof(pad));
	tsn_sha256_update(&s, inner, sizeof(inner));
	tsn_sha256_final(&s, out);

	tsn_memzero(k, sizeof(k));
	tsn_memzero(pad, sizeof(pad));
	tsn_memzero(inner, sizeof(inner));
}
