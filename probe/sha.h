/* sha.h - SHA-1, SHA-256 and HMAC-SHA256 for the probe packets and the
 * records, from nettle (Debian's libnettle8, which GnuTLS and so apt
 * already bring to every node).
 *
 * SHA-1 only where RFC 7296 2.23 fixes it (IKEv2's NAT detection
 * notifies), HMAC-SHA256 for the tag that lets a listener tell our ESP
 * probes from forged or stray ones, SHA-256 for the plan hash and the
 * records' checksums.  tests/unit/test_sha.c holds them to the FIPS 180
 * and RFC 4231 vectors.
 */
#ifndef TSN_SHA_H
#define TSN_SHA_H

#include <stddef.h>
#include <stdint.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#define TSN_SHA1_LEN SHA1_DIGEST_SIZE
#define TSN_SHA256_LEN SHA256_DIGEST_SIZE

struct tsn_sha1 {
	struct sha1_ctx ctx;
};

void tsn_sha1_init(struct tsn_sha1 *s);
void tsn_sha1_update(struct tsn_sha1 *s, const void *data, size_t len);
void tsn_sha1_final(struct tsn_sha1 *s, uint8_t out[TSN_SHA1_LEN]);

void tsn_sha256(const void *data, size_t len, uint8_t out[TSN_SHA256_LEN]);

/* HMAC-SHA256 (RFC 2104) of data under a key of any length. */
void tsn_hmac_sha256(const void *key, size_t keylen, const void *data,
		     size_t len, uint8_t out[TSN_SHA256_LEN]);

#endif
