/* test_sha.c - SHA-1, SHA-256 and HMAC-SHA-256 of tsnet probe against
 * their standard vectors (FIPS 180, RFC 4231).
 */
#include "tests/unit/packet_fixtures.h"

Test(tq_sha, sha1_fips_vectors)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	};
	uint8_t d[TSN_SHA1_LEN];
	char h[2 * TSN_SHA1_LEN + 1];
	struct tsn_sha1 s;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		tsn_sha1_init(&s);
		tsn_sha1_update(&s, v[i].in, strlen(v[i].in));
		tsn_sha1_final(&s, d);
		hex(d, sizeof(d), h);
		cr_expect_str_eq(h, v[i].out, "sha1(\"%s\")", v[i].in);
	}
	/* a million 'a', fed in uneven pieces across block boundaries */
	{
		char a[1000];

		memset(a, 'a', sizeof(a));
		tsn_sha1_init(&s);
		for (i = 0; i < 1000; i++) {
			tsn_sha1_update(&s, a, 333);
			tsn_sha1_update(&s, a, 667);
		}
		tsn_sha1_final(&s, d);
		hex(d, sizeof(d), h);
		cr_expect_str_eq(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	}
}

Test(tq_sha, sha256_fips_vectors)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	uint8_t d[TSN_SHA256_LEN];
	char h[2 * TSN_SHA256_LEN + 1];
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		tsn_sha256(v[i].in, strlen(v[i].in), d);
		hex(d, sizeof(d), h);
		cr_expect_str_eq(h, v[i].out, "sha256(\"%s\")", v[i].in);
	}
}

Test(tq_sha, hmac_sha256_rfc4231)
{
	uint8_t k20[20], kaa[131], d50[50], key4[25], out[TSN_SHA256_LEN];
	char h[2 * TSN_SHA256_LEN + 1];
	const struct {
		const uint8_t *key;
		size_t keylen;
		const void *data;
		size_t len;
		const char *mac;
	} *t, v[] = {
		{ k20, 20, "Hi There", 8,
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ (const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ kaa, 20, d50, 50,
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ key4, 25, NULL, 50,
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ kaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ kaa, 131, "This is a test using a larger than block-size key and a "
		  "larger than block-size data. The key needs to be hashed "
		  "before being used by the HMAC algorithm.", 152,
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};
	uint8_t dcd[50];
	unsigned i;

	memset(k20, 0x0b, sizeof(k20));
	memset(kaa, 0xaa, sizeof(kaa));
	memset(d50, 0xdd, sizeof(d50));
	memset(dcd, 0xcd, sizeof(dcd));
	for (i = 0; i < sizeof(key4); i++)
		key4[i] = (uint8_t)(i + 1);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		t = &v[i];
		tsn_hmac_sha256(t->key, t->keylen, t->data ? t->data : dcd,
				t->len, out);
		hex(out, sizeof(out), h);
		cr_expect_str_eq(h, t->mac, "RFC 4231 case %u", i + 1);
	}
	/* case 5: truncation to 128 bits */
	memset(k20, 0x0c, sizeof(k20));
	tsn_hmac_sha256(k20, 20, "Test With Truncation", 20, out);
	hex(out, 16, h);
	cr_expect_str_eq(h, "a3b6167473100ee06e0c796c2955552b");
}
