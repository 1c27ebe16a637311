/* test_ike.c - IKE_SA_INIT requests built by tsnet probe against golden
 * bytes and hand-checked fields, and the IKE parser against crafted
 * answers: every notify tsnet names, truncated prefixes, hostile lengths
 * and SA contents.
 */
#include "tests/unit/packet_fixtures.h"

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
	cr_expect_eq(((uint32_t)buf[24] << 24 | buf[25] << 16 | buf[26] << 8 | buf[27]),
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

/* A size probe is exactly the size asked for, parses back as our
 * INFORMATIONAL request with its Message ID (what the listener reads), on
 * 500 and behind the marker on 4500; too small a size or a Message ID of
 * 0 (a real IKE_SA_INIT's) is refused, and no byte past size is written. */
Test(tq_ike_build, size_probe_exact_and_parses_back)
{
	static uint8_t buf[3000];
	struct tsn_ike_init ini;
	struct tsn_ike_info info;

	fixed_ike(&ini, AF_INET);
	for (int m = 0; m < 2; m++) {
		size_t total = m ? 1427 : 2600;
		int n = tsn_ike_build_size(buf, sizeof(buf), &ini, m,
					   0x74730001u + (uint32_t)m, total);

		cr_assert_eq(n, (int)total);
		cr_assert_eq(m ? tsn_ike_parse_natt(buf, total, &info) :
			     tsn_ike_parse(buf, total, &info), 0, "%s",
			     info.why ? info.why : "");
		cr_expect_eq(info.msg_id, 0x74730001u + (uint32_t)m);
		cr_expect_eq(info.exchange, TSN_IKE_INFORMATIONAL);
		cr_expect(!info.response);
		cr_expect_eq(info.length, total - (m ? 4 : 0));
		cr_expect_eq(memcmp(info.spi_i, ini.spi_i, 8), 0);
	}
	cr_expect_lt(tsn_ike_build_size(buf, sizeof(buf), &ini, false, 0, 2600),
		     0, "Message ID 0 would not mark it");
	cr_expect_lt(tsn_ike_build_size(buf, sizeof(buf), &ini, false, 1, 40),
		     0, "below header and filler");
	memset(buf, 0xee, sizeof(buf));
	cr_expect_lt(tsn_ike_build_size(buf, 100, &ini, false, 1, 2600), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0xee, "byte %zu written", i);
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
