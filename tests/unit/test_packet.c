/* test_packet.c - the packet layer of tsnet probe: hashes against their
 * standard vectors, built packets against golden bytes, the IKE parser
 * against crafted and truncated answers, the ESP probe check, and the
 * classifier against crafted frames and real captures (TESTLIST).
 *
 * Goldens live in tests/data/packets/.  After an intended change to a
 * builder, TSN_UPDATE_GOLDEN=1 rewrites them; review the diff (and run
 * tests/integration/test_packets.sh, which dissects them with tshark).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/util.h"
#include "probe/packet.h"
#include "probe/sha.h"

#define DATA "tests/data/packets/"

static void hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

/* ---- hashes --------------------------------------------------------- */

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

/* ---- golden files ---------------------------------------------------- */

static void check_golden(const char *name, const uint8_t *p, size_t n)
{
	char path[256], *old = NULL;
	size_t len = 0;
	int ret;

	snprintf(path, sizeof(path), DATA "%s", name);
	if (getenv("TSN_UPDATE_GOLDEN")) {
		ret = tsn_write_file_atomic(path, p, n, 0644);
		cr_assert_eq(ret, 0, "writing %s: %s", path, strerror(-ret));
	}
	ret = tsn_read_file(path, 1 << 16, &old, &len);
	cr_assert_eq(ret, 0, "reading golden %s: %s", path, strerror(-ret));
	cr_expect_eq(len, n, "%s: %zu bytes built, golden has %zu", name, n,
		     len);
	if (len == n)
		cr_expect_eq(memcmp(old, p, n), 0, "%s: bytes differ", name);
	free(old);
}

static void fixed_ike(struct tsn_ike_init *ini, int family)
{
	unsigned i;

	memset(ini, 0, sizeof(*ini));
	for (i = 0; i < sizeof(ini->spi_i); i++)
		ini->spi_i[i] = (uint8_t)(i + 1);
	for (i = 0; i < sizeof(ini->nonce); i++)
		ini->nonce[i] = (uint8_t)(0x10 + i);
	for (i = 0; i < sizeof(ini->ke); i++)
		ini->ke[i] = (uint8_t)(0x40 + i);
	if (family == AF_INET) {
		tsn_ip_addr_parse("198.18.0.1", &ini->src);
		tsn_ip_addr_parse("198.18.0.2", &ini->dst);
	} else {
		tsn_ip_addr_parse("fd00:7473::1", &ini->src);
		tsn_ip_addr_parse("fd00:7473::2", &ini->dst);
	}
	ini->sport = ini->dport = 500;
}

Test(tq_ike_build, golden_v4_v6_natt)
{
	struct tsn_ike_init ini;
	uint8_t buf[TSN_IKE_INIT_MAX];
	int n;

	fixed_ike(&ini, AF_INET);
	n = tsn_ike_build_sa_init(buf, sizeof(buf), &ini);
	cr_assert_gt(n, 0);
	check_golden("ike_sa_init_v4.bin", buf, (size_t)n);

	fixed_ike(&ini, AF_INET6);
	n = tsn_ike_build_sa_init(buf, sizeof(buf), &ini);
	cr_assert_gt(n, 0);
	check_golden("ike_sa_init_v6.bin", buf, (size_t)n);

	fixed_ike(&ini, AF_INET);
	ini.sport = ini.dport = 4500;
	n = tsn_ike_build_sa_init_natt(buf, sizeof(buf), &ini);
	cr_assert_gt(n, 0);
	check_golden("ike_sa_init_natt_v4.bin", buf, (size_t)n);
}

/* Fields checked by hand, not only against the golden: the header, and
 * NAT-D hashes computed independently (Python's hashlib.sha1 over
 * SPIi | 8 zero bytes | 198.18.0.x | 500). */
Test(tq_ike_build, header_and_natd)
{
	static const uint8_t hdr[] = {
		1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0,
		33, 0x20, 34, 0x08, 0, 0, 0, 0,
	};
	struct tsn_ike_init ini;
	uint8_t buf[TSN_IKE_INIT_MAX];
	char h[41];
	int n;

	fixed_ike(&ini, AF_INET);
	n = tsn_ike_build_sa_init(buf, sizeof(buf), &ini);
	cr_assert_gt(n, 48);
	cr_expect_eq(memcmp(buf, hdr, sizeof(hdr)), 0);
	cr_expect_eq((buf[24] << 24 | buf[25] << 16 | buf[26] << 8 | buf[27]),
		     n, "IKE length field is the message length");
	/* the two notifies are the last 2 * (8 + 20) bytes */
	hex(buf + n - 56 + 8, 20, h);
	cr_expect_str_eq(h, "280f94959aee1ebe498f9dff32da1d081ab8d03e");
	hex(buf + n - 20, 20, h);
	cr_expect_str_eq(h, "31adab0e84a1d3f5f068dcb6ee991a3d60d5ef7b");
}

Test(tq_ike_build, enospc_at_every_short_size_and_no_overrun)
{
	struct tsn_ike_init ini;
	uint8_t buf[TSN_IKE_INIT_MAX + 16];
	int full, n;
	size_t sz;

	fixed_ike(&ini, AF_INET6);
	full = tsn_ike_build_sa_init_natt(buf, sizeof(buf), &ini);
	cr_assert_gt(full, 0);
	cr_assert_leq(full, TSN_IKE_INIT_MAX);
	for (sz = 0; sz < (size_t)full; sz++) {
		memset(buf, 0xa5, sizeof(buf));
		n = tsn_ike_build_sa_init_natt(buf, sz, &ini);
		cr_assert_eq(n, -ENOSPC, "size %zu", sz);
		cr_assert_eq(buf[sz], 0xa5, "wrote past size %zu", sz);
	}
	ini.dst.family = AF_INET;	/* mixed families */
	cr_expect_eq(tsn_ike_build_sa_init(buf, sizeof(buf), &ini), -EINVAL);
}

Test(tq_ike_build, parse_own_request_back)
{
	struct tsn_ike_init ini;
	struct tsn_ike_info info;
	uint8_t buf[TSN_IKE_INIT_MAX];
	char line[160];
	int n;

	fixed_ike(&ini, AF_INET);
	n = tsn_ike_build_sa_init(buf, sizeof(buf), &ini);
	cr_assert_eq(tsn_ike_parse(buf, (size_t)n, &info), 0, "%s", info.why);
	cr_expect_eq(info.exchange, TSN_IKE_SA_INIT);
	cr_expect_eq(info.flags, TSN_IKE_FLAG_INITIATOR);
	cr_expect_not(info.response);
	cr_expect_eq(info.version, 0x20);
	cr_expect_eq(info.msg_id, 0);
	cr_expect_eq(info.payloads, 5);
	cr_expect(info.has_sa && info.has_ke && info.has_nonce);
	cr_expect_eq(info.encr, 20);
	cr_expect_eq(info.encr_keylen, 256);
	cr_expect_eq(info.prf, 5);
	cr_expect_eq(info.integ, 0);
	cr_expect_eq(info.dh, 31);
	cr_expect_eq(info.ke_group, 31);
	cr_expect_eq(info.n_notify, 2);
	cr_expect(tsn_ike_has_notify(&info, 16388));
	cr_expect(tsn_ike_has_notify(&info, 16389));
	cr_expect_str_eq(tsn_ike_summary(&info, line, sizeof(line)),
			 "IKE_SA_INIT request: AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519");

	n = tsn_ike_build_sa_init_natt(buf, sizeof(buf), &ini);
	cr_expect_eq(tsn_ike_parse_natt(buf, (size_t)n, &info), 0);
	cr_expect_eq(info.payloads, 5);
	cr_expect_eq(tsn_ike_parse(buf, (size_t)n, &info), -EPROTO,
		     "the marker is not an IKE header");
	buf[0] = 0x74;
	cr_expect_eq(tsn_ike_parse_natt(buf, (size_t)n, &info), -ENOMSG);
}

Test(tq_ike_build, random_fields_differ)
{
	struct tsn_ike_init a, b;

	cr_assert_eq(tsn_ike_init_random(&a), 0);
	cr_assert_eq(tsn_ike_init_random(&b), 0);
	cr_expect_neq(memcmp(a.spi_i, b.spi_i, sizeof(a.spi_i)), 0);
	cr_expect_neq(memcmp(a.nonce, b.nonce, sizeof(a.nonce)), 0);
}

/* ---- parsing crafted answers ------------------------------------------ */

/* A tiny message writer for the tests: payloads chain themselves. */
struct msg {
	uint8_t b[8192];
	size_t len;
	size_t np;	/* offset of the next-payload byte to set */
};

static void put_be(uint8_t *p, uint32_t v, int n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static void m_begin(struct msg *m, uint8_t exch, uint8_t flags, uint8_t ver)
{
	memset(m, 0, sizeof(*m));
	memset(m->b, 0x11, 8);
	memset(m->b + 8, 0x22, 8);
	m->b[17] = ver;
	m->b[18] = exch;
	m->b[19] = flags;
	m->np = 16;
	m->len = 28;
}

static void m_payload(struct msg *m, uint8_t type, const void *d, size_t n)
{
	m->b[m->np] = type;
	m->np = m->len;
	put_be(m->b + m->len + 2, (uint32_t)(n + 4), 2);
	if (n)
		memcpy(m->b + m->len + 4, d, n);
	m->len += 4 + n;
}

static void m_notify(struct msg *m, uint16_t type, const void *d, size_t n)
{
	uint8_t b[64] = { 0, 0, (uint8_t)(type >> 8), (uint8_t)type };

	if (n)
		memcpy(b + 4, d, n);
	m_payload(m, 41, b, 4 + n);
}

static size_t m_end(struct msg *m)
{
	put_be(m->b + 24, (uint32_t)m->len, 4);
	return m->len;
}

/* SA with one proposal: AES_GCM_16 (256), PRF_HMAC_SHA2_384, CURVE_25519 */
static const uint8_t sa_chosen[] = {
	0, 0, 0, 36, 1, 1, 0, 3,
	3, 0, 0, 12, 1, 0, 0, 20, 0x80, 14, 0x01, 0x00,
	3, 0, 0, 8, 2, 0, 0, 6,
	0, 0, 0, 8, 4, 0, 0, 31,
};

static size_t resp_ok(struct msg *m)
{
	uint8_t ke[36] = { 0, 31, 0, 0 }, nonce[32] = { 0 }, natd[20] = { 0 };
	static const uint8_t frag[] = { 0 };

	m_begin(m, 34, 0x20, 0x20);
	m_payload(m, 33, sa_chosen, sizeof(sa_chosen));
	m_payload(m, 34, ke, sizeof(ke));
	m_payload(m, 40, nonce, sizeof(nonce));
	m_notify(m, 16388, natd, sizeof(natd));
	m_notify(m, 16389, natd, sizeof(natd));
	m_notify(m, 16430, frag, 0);
	return m_end(m);
}

static size_t resp_notify(struct msg *m, uint16_t type, const void *d,
			  size_t n)
{
	m_begin(m, 34, 0x20, 0x20);
	m_notify(m, type, d, n);
	return m_end(m);
}

/* Parse a heap copy of exactly n bytes, so ASan sees any over-read. */
static int parse_exact(const uint8_t *p, size_t n, struct tsn_ike_info *info)
{
	uint8_t *c = malloc(n ? n : 1);
	int ret;

	if (n)
		memcpy(c, p, n);
	ret = tsn_ike_parse(c, n, info);
	free(c);
	return ret;
}

Test(tq_ike_parse, answers_table)
{
	static const uint8_t g19[] = { 0, 19 }, cookie[16] = { 1 };
	struct msg m;
	struct tsn_ike_info info;
	char line[160];
	size_t n;

	n = resp_ok(&m);
	cr_assert_eq(parse_exact(m.b, n, &info), 0, "%s", info.why);
	cr_expect(info.response);
	cr_expect_eq(info.payloads, 6);
	cr_expect_eq(info.notify_total, 3);
	cr_expect_str_eq(tsn_ike_summary(&info, line, sizeof(line)),
			 "IKE_SA_INIT response: AES_GCM_16-256/PRF_HMAC_SHA2_384/CURVE_25519");
	cr_expect_eq(memcmp(info.spi_r, "\x22\x22\x22\x22\x22\x22\x22\x22", 8), 0);

	n = resp_notify(&m, 17, g19, sizeof(g19));
	cr_assert_eq(parse_exact(m.b, n, &info), 0);
	cr_expect_eq(info.want_group, 19);
	cr_expect_str_eq(tsn_ike_summary(&info, line, sizeof(line)),
			 "INVALID_KE_PAYLOAD (wants ECP_256)");

	n = resp_notify(&m, 14, NULL, 0);
	cr_assert_eq(parse_exact(m.b, n, &info), 0);
	cr_expect_str_eq(tsn_ike_summary(&info, line, sizeof(line)),
			 "NO_PROPOSAL_CHOSEN");

	n = resp_notify(&m, 16390, cookie, sizeof(cookie));
	cr_assert_eq(parse_exact(m.b, n, &info), 0);
	cr_expect_str_eq(tsn_ike_summary(&info, line, sizeof(line)), "COOKIE");

	n = resp_notify(&m, 7, NULL, 0);
	cr_assert_eq(parse_exact(m.b, n, &info), 0);
	cr_expect_str_eq(tsn_ike_summary(&info, line, sizeof(line)),
			 "INVALID_SYNTAX");

	n = resp_notify(&m, 9999, NULL, 0);
	cr_assert_eq(parse_exact(m.b, n, &info), 0);
	cr_expect_str_eq(tsn_ike_summary(&info, line, sizeof(line)),
			 "notify 9999");

	/* IKE_AUTH: the walk stops at SK, whose content is opaque */
	m_begin(&m, 35, 0x20, 0x20);
	m_payload(&m, 46, "\x25\x25\x25\x25\x25\x25\x25\x25", 8);
	m.b[m.np] = 35;	/* SK names the encrypted first payload, IDr */
	n = m_end(&m);
	cr_assert_eq(parse_exact(m.b, n, &info), 0, "%s", info.why);
	cr_expect(info.encrypted);
	cr_expect_str_eq(tsn_ike_summary(&info, line, sizeof(line)),
			 "IKE_AUTH response (encrypted)");
}

/* Every prefix of every valid message is reported as truncated, and
 * reading it never touches a byte past the prefix. */
Test(tq_ike_parse, every_prefix_is_truncated)
{
	static const uint8_t g19[] = { 0, 19 };
	struct tsn_ike_init ini;
	struct tsn_ike_info info;
	struct msg m[3];
	size_t lens[4], k, n;
	uint8_t req[TSN_IKE_INIT_MAX];
	const uint8_t *msgs[4];
	int ret;

	lens[0] = resp_ok(&m[0]);
	lens[1] = resp_notify(&m[1], 17, g19, sizeof(g19));
	lens[2] = resp_notify(&m[2], 14, NULL, 0);
	fixed_ike(&ini, AF_INET6);
	lens[3] = (size_t)tsn_ike_build_sa_init(req, sizeof(req), &ini);
	msgs[0] = m[0].b;
	msgs[1] = m[1].b;
	msgs[2] = m[2].b;
	msgs[3] = req;
	for (k = 0; k < 4; k++) {
		for (n = 0; n < lens[k]; n++) {
			ret = parse_exact(msgs[k], n, &info);
			cr_assert_eq(ret, -EMSGSIZE, "message %zu, prefix %zu: %d",
				     k, n, ret);
			cr_assert_not_null(info.why);
			cr_assert(strstr(info.why, "truncated"), "%s", info.why);
		}
		cr_assert_eq(parse_exact(msgs[k], lens[k], &info), 0);
	}
}

Test(tq_ike_parse, hostile_lengths_table)
{
	struct msg m;
	struct tsn_ike_info info;
	uint8_t vid[4] = { 0 };
	size_t n, i;

	/* zero-length payload: would never advance the walk */
	m_begin(&m, 34, 0x20, 0x20);
	m_payload(&m, 43, vid, 4);
	m.b[28 + 2] = 0;
	m.b[28 + 3] = 0;
	n = m_end(&m);
	cr_expect_eq(parse_exact(m.b, n, &info), -EBADMSG);
	cr_expect_eq(info.err_off, 32, "error at the bad payload's end");

	/* payload length 3 (below its own header) */
	m.b[28 + 3] = 3;
	cr_expect_eq(parse_exact(m.b, n, &info), -EBADMSG);

	/* huge payload length */
	m.b[28 + 2] = 0xff;
	m.b[28 + 3] = 0xff;
	cr_expect_eq(parse_exact(m.b, n, &info), -EBADMSG);

	/* huge message length: truncated, never read */
	put_be(m.b + 24, 0xffffffff, 4);
	cr_expect_eq(parse_exact(m.b, n, &info), -EMSGSIZE);

	/* message length below the header */
	put_be(m.b + 24, 27, 4);
	cr_expect_eq(parse_exact(m.b, n, &info), -EBADMSG);

	/* IKEv1 */
	m_begin(&m, 2, 0, 0x10);
	n = m_end(&m);
	cr_expect_eq(parse_exact(m.b, n, &info), -EPROTO);

	/* 1000 chained empty payloads: the cap ends the walk */
	m_begin(&m, 34, 0x20, 0x20);
	for (i = 0; i < 1000; i++)
		m_payload(&m, 43, NULL, 0);
	n = m_end(&m);
	cr_expect_eq(parse_exact(m.b, n, &info), -ELOOP);
	cr_expect_eq(info.payloads, 64);

	/* chain says more, message ends */
	m_begin(&m, 34, 0x20, 0x20);
	m_payload(&m, 43, vid, 4);
	m.b[m.np] = 43;
	n = m_end(&m);
	cr_expect_eq(parse_exact(m.b, n, &info), -EBADMSG);

	/* bytes after the last payload */
	m_begin(&m, 34, 0x20, 0x20);
	m_payload(&m, 43, vid, 4);
	m.len += 3;
	n = m_end(&m);
	cr_expect_eq(parse_exact(m.b, n, &info), -EBADMSG);
}

Test(tq_ike_parse, hostile_sa_table)
{
	struct {
		const char *what;
		size_t at;	/* byte of sa_chosen to change */
		uint8_t val;
		int want;
	} v[] = {
		{ "proposal length 0", 3, 0, -EBADMSG },
		{ "proposal length past SA", 3, 200, -EBADMSG },
		{ "transform length 0", 11, 0, -EBADMSG },
		{ "transform length past proposal", 11, 100, -EBADMSG },
		{ "TLV attribute past transform", 16, 0x00, -EBADMSG },
		{ "SPI size past proposal", 6, 50, -EBADMSG },
		{ "unknown attribute is skipped", 17, 99, 0 },
	};
	struct tsn_ike_info info;
	uint8_t sa[sizeof(sa_chosen)];
	struct msg m;
	unsigned i;
	size_t n;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		memcpy(sa, sa_chosen, sizeof(sa));
		sa[v[i].at] = v[i].val;
		if (v[i].at == 16)	/* TV bit off: 256-byte TLV value */
			sa[18] = 1;
		m_begin(&m, 34, 0x20, 0x20);
		m_payload(&m, 33, sa, sizeof(sa));
		n = m_end(&m);
		cr_expect_eq(parse_exact(m.b, n, &info), v[i].want, "%s: %s",
			     v[i].what, info.why ? info.why : "ok");
	}
}

/* ---- ESP probes -------------------------------------------------------- */

static void fixed_esp(struct tsn_esp_probe *pr, struct tsn_esp_run *run)
{
	unsigned i;

	memset(pr, 0, sizeof(*pr));
	for (i = 0; i < sizeof(run->key); i++)
		run->key[i] = (uint8_t)(0xa0 + i);
	run->run_id = 0x0123456789abcdefULL;
	pr->spi = 0x74730042;
	pr->seq = 1;
	for (i = 0; i < sizeof(pr->iv); i++)
		pr->iv[i] = (uint8_t)(0xe0 + i);
	pr->node = 3;
	pr->sent_ns = 1764292800000000000ULL;
}

Test(tq_esp, golden_and_check)
{
	struct tsn_esp_probe pr, seen;
	struct tsn_esp_run run;
	uint8_t buf[128];
	char h[65];
	int n;

	fixed_esp(&pr, &run);
	n = tsn_esp_probe_build(buf, sizeof(buf), &pr, &run);
	cr_assert_eq(n, TSN_ESP_PROBE_LEN);
	check_golden("esp_probe.bin", buf, (size_t)n);
	cr_expect_eq(memcmp(buf, "\x74\x73\x00\x42\x00\x00\x00\x01", 8), 0);
	cr_expect_eq(memcmp(buf + 16, "TSNET-PROBE\x01", 12), 0);
	/* the tag, recomputed with Python's hmac over bytes 0..47 */
	hex(buf + 48, 32, h);
	cr_expect_str_eq(h, "7be6e9beb8aca1f0d975447a75b429765776a7c9cf4be3a32fbf9868a3ef493d");
	memset(&seen, 0, sizeof(seen));
	cr_assert_eq(tsn_esp_probe_check(buf, (size_t)n, &run, &seen),
		     TSN_ESP_PROBE_OK);
	cr_expect_eq(seen.node, 3);
	cr_expect_eq(seen.sent_ns, pr.sent_ns);
	cr_expect_eq(seen.run_id, run.run_id);
	cr_expect_eq(seen.spi, pr.spi);
	cr_expect_eq(seen.seq, 1);
}

/* Any single changed byte makes the probe forged or not ours, never ok. */
Test(tq_esp, every_byte_flip_rejected)
{
	struct tsn_esp_probe pr;
	struct tsn_esp_run run;
	enum tsn_esp_verdict v;
	uint8_t buf[TSN_ESP_PROBE_LEN];
	size_t i;

	fixed_esp(&pr, &run);
	tsn_esp_probe_build(buf, sizeof(buf), &pr, &run);
	for (i = 0; i < sizeof(buf); i++) {
		buf[i] ^= 0x01;
		v = tsn_esp_probe_check(buf, sizeof(buf), &run, NULL);
		cr_assert_neq(v, TSN_ESP_PROBE_OK, "byte %zu flipped", i);
		/* header fields a listener pre-filters on: not ours; the
		 * rest (seq, IV, node, time, tag): forged */
		if (i < 2 || (i >= 16 && i < 36))
			cr_assert_eq(v, TSN_ESP_PROBE_NOT_OURS, "byte %zu", i);
		else
			cr_assert_eq(v, TSN_ESP_PROBE_FORGED, "byte %zu", i);
		buf[i] ^= 0x01;
	}
	cr_assert_eq(tsn_esp_probe_check(buf, sizeof(buf), &run, NULL),
		     TSN_ESP_PROBE_OK);
}

Test(tq_esp, stray_and_short)
{
	struct tsn_esp_probe pr;
	struct tsn_esp_run run, other;
	uint8_t buf[TSN_ESP_PROBE_LEN + 8], *c;
	size_t n;

	fixed_esp(&pr, &run);
	tsn_esp_probe_build(buf, sizeof(buf), &pr, &run);
	other = run;
	other.run_id++;
	cr_expect_eq(tsn_esp_probe_check(buf, TSN_ESP_PROBE_LEN, &other, NULL),
		     TSN_ESP_PROBE_NOT_OURS, "a probe of another run");
	other = run;
	other.key[0] ^= 1;
	cr_expect_eq(tsn_esp_probe_check(buf, TSN_ESP_PROBE_LEN, &other, NULL),
		     TSN_ESP_PROBE_FORGED, "right run id, wrong key");
	cr_expect_eq(tsn_esp_probe_check(buf, TSN_ESP_PROBE_LEN + 8, &run,
					 NULL), TSN_ESP_PROBE_NOT_OURS);
	for (n = 0; n < TSN_ESP_PROBE_LEN; n++) {
		c = malloc(n ? n : 1);
		if (n)
			memcpy(c, buf, n);
		cr_assert_eq(tsn_esp_probe_check(c, n, &run, NULL),
			     TSN_ESP_PROBE_NOT_OURS, "prefix %zu", n);
		free(c);
	}
	cr_expect_eq(tsn_esp_probe_build(buf, TSN_ESP_PROBE_LEN - 1, &pr, &run),
		     -ENOSPC);
	pr.spi = 0x100;
	cr_expect_eq(tsn_esp_probe_build(buf, sizeof(buf), &pr, &run), -EINVAL,
		     "SPI outside the probe range");
	cr_expect_str_eq(tsn_esp_verdict_name(TSN_ESP_PROBE_FORGED), "forged");
}

Test(tq_esp, random_in_range)
{
	struct tsn_esp_probe pr;
	struct tsn_esp_run run;
	uint8_t buf[TSN_ESP_PROBE_LEN];
	unsigned i;

	cr_assert_eq(tsn_esp_run_new(&run), 0);
	for (i = 0; i < 64; i++) {
		memset(&pr, 0, sizeof(pr));
		cr_assert_eq(tsn_esp_probe_random(&pr), 0);
		cr_assert_eq(pr.spi & 0xffff0000u, 0x74730000u);
		cr_assert_neq(pr.seq, 0);
		cr_assert_eq(tsn_esp_probe_build(buf, sizeof(buf), &pr, &run),
			     TSN_ESP_PROBE_LEN);
		cr_assert_eq(tsn_esp_probe_check(buf, sizeof(buf), &run, NULL),
			     TSN_ESP_PROBE_OK);
	}
}

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
		if (getenv("TSN_UPDATE_GOLDEN"))
			tsn_write_file_atomic(path, got.p, got.len, 0644);
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

Test(tq_ike_parse, notify_cap_and_trailing_capture)
{
	struct tsn_ike_info info;
	struct msg m;
	unsigned i;
	size_t n;

	/* 20 notifies: 16 kept in order, all counted */
	m_begin(&m, 34, 0x20, 0x20);
	for (i = 0; i < 20; i++)
		m_notify(&m, (uint16_t)(16384 + i), NULL, 0);
	n = m_end(&m);
	cr_assert_eq(parse_exact(m.b, n, &info), 0);
	cr_expect_eq(info.n_notify, TSN_IKE_MAX_NOTIFY);
	cr_expect_eq(info.notify_total, 20);
	cr_expect_eq(info.notify[15], 16384 + 15);

	/* captured bytes past the IKE length (padding) are not read */
	n = resp_ok(&m);
	memset(m.b + n, 0xee, 10);
	cr_expect_eq(parse_exact(m.b, n + 10, &info), 0);
	cr_expect_eq(info.length, n);
}
