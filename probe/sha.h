/* sha.h - SHA-1, SHA-256 and HMAC-SHA256 for the probe packets.
 *
 * tsnet links only libmnl, libnftnl and libpcap, so the two hashes the
 * probes need are written here: SHA-1 for IKEv2's NAT detection notifies
 * (RFC 7296 2.23 fixes SHA-1 there) and HMAC-SHA256 for the tag that lets
 * a listener tell our ESP probes from forged or stray ones.  Neither is
 * used for anything secret beyond that tag; both are checked against the
 * FIPS 180 and RFC 4231 test vectors in tests/unit/test_sha.c.
 */
#ifndef TSN_SHA_H
#define TSN_SHA_H

#include <stddef.h>
#include <stdint.h>

#define TSN_SHA1_LEN 20
#define TSN_SHA256_LEN 32
#define TSN_SHA256_BLOCK 64

struct tsn_sha1 {
	uint32_t h[5];
	uint64_t bytes;
	uint8_t buf[64];
	size_t fill;
};

struct tsn_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t buf[64];
	size_t fill;
};

void tsn_sha1_init(struct tsn_sha1 *s);
void tsn_sha1_update(struct tsn_sha1 *s, const void *data, size_t len);
void tsn_sha1_final(struct tsn_sha1 *s, uint8_t out[TSN_SHA1_LEN]);

void tsn_sha256_init(struct tsn_sha256 *s);
void tsn_sha256_update(struct tsn_sha256 *s, const void *data, size_t len);
void tsn_sha256_final(struct tsn_sha256 *s, uint8_t out[TSN_SHA256_LEN]);
void tsn_sha256(const void *data, size_t len, uint8_t out[TSN_SHA256_LEN]);

/* HMAC-SHA256 (RFC 2104) of data under a key of any length. */
void tsn_hmac_sha256(const void *key, size_t keylen, const void *data,
		     size_t len, uint8_t out[TSN_SHA256_LEN]);

#endif
