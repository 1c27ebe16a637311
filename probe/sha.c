/* sha.c - the hashes of sha.h on nettle.  Each state is wiped once
 * its digest is out: a hash of a secret (a key file's text, the HMAC
 * key) must not stay on the stack.
 */
#include <nettle/hmac.h>

#include "lib/util.h"
#include "probe/sha.h"

void tsn_sha1_init(struct tsn_sha1 *s)
{
	sha1_init(&s->ctx);
}

void tsn_sha1_update(struct tsn_sha1 *s, const void *data, size_t len)
{
	sha1_update(&s->ctx, len, data);
}

void tsn_sha1_final(struct tsn_sha1 *s, uint8_t out[TSN_SHA1_LEN])
{
	sha1_digest(&s->ctx, TSN_SHA1_LEN, out);
	tsn_memzero(s, sizeof(*s));
}

void tsn_sha256(const void *data, size_t len, uint8_t out[TSN_SHA256_LEN])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, TSN_SHA256_LEN, out);
	tsn_memzero(&c, sizeof(c));
}

void tsn_hmac_sha256(const void *key, size_t keylen, const void *data,
		     size_t len, uint8_t out[TSN_SHA256_LEN])
{
	struct hmac_sha256_ctx c;

	hmac_sha256_set_key(&c, keylen, key);
	hmac_sha256_update(&c, len, data);
	hmac_sha256_digest(&c, TSN_SHA256_LEN, out);
	tsn_memzero(&c, sizeof(c));
}
