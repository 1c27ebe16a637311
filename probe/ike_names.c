/* ike_names.c - names from the IANA IKEv2 registries, and the one-line
 * summary of an IKE answer that `tsnet probe` reports as its detail.
 */
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "probe/packet.h"

struct name {
	unsigned id;
	const char *name;
};

static const char *lookup(const struct name *t, size_t n, unsigned id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

static const struct name exchanges[] = {
	{ 34, "IKE_SA_INIT" }, { 35, "IKE_AUTH" },
	{ 36, "CREATE_CHILD_SA" }, { 37, "INFORMATIONAL" },
	{ 43, "IKE_INTERMEDIATE" },
};

static const struct name notifies[] = {
	{ 1, "UNSUPPORTED_CRITICAL_PAYLOAD" }, { 4, "INVALID_IKE_SPI" },
	{ 5, "INVALID_MAJOR_VERSION" }, { 7, "INVALID_SYNTAX" },
	{ 9, "INVALID_MESSAGE_ID" }, { 11, "INVALID_SPI" },
	{ 14, "NO_PROPOSAL_CHOSEN" }, { 17, "INVALID_KE_PAYLOAD" },
	{ 24, "AUTHENTICATION_FAILED" }, { 34, "SINGLE_PAIR_REQUIRED" },
	{ 35, "NO_ADDITIONAL_SAS" }, { 36, "INTERNAL_ADDRESS_FAILURE" },
	{ 37, "FAILED_CP_REQUIRED" }, { 38, "TS_UNACCEPTABLE" },
	{ 39, "INVALID_SELECTORS" }, { 43, "TEMPORARY_FAILURE" },
	{ 44, "CHILD_SA_NOT_FOUND" },
	{ 16384, "INITIAL_CONTACT" }, { 16385, "SET_WINDOW_SIZE" },
	{ 16386, "ADDITIONAL_TS_POSSIBLE" }, { 16387, "IPCOMP_SUPPORTED" },
	{ 16388, "NAT_DETECTION_SOURCE_IP" },
	{ 16389, "NAT_DETECTION_DESTINATION_IP" }, { 16390, "COOKIE" },
	{ 16391, "USE_TRANSPORT_MODE" }, { 16393, "REKEY_SA" },
	{ 16394, "ESP_TFC_PADDING_NOT_SUPPORTED" },
	{ 16395, "NON_FIRST_FRAGMENTS_ALSO" }, { 16396, "MOBIKE_SUPPORTED" },
	{ 16404, "MULTIPLE_AUTH_SUPPORTED" }, { 16406, "REDIRECT_SUPPORTED" },
	{ 16418, "CHILDLESS_IKEV2_SUPPORTED" },
	{ 16430, "IKEV2_FRAGMENTATION_SUPPORTED" },
	{ 16431, "SIGNATURE_HASH_ALGORITHMS" },
};

static const struct name encrs[] = {
	{ 3, "3DES" }, { 12, "AES_CBC" }, { 13, "AES_CTR" },
	{ 14, "AES_CCM_8" }, { 15, "AES_CCM_12" }, { 16, "AES_CCM_16" },
	{ 18, "AES_GCM_8" }, { 19, "AES_GCM_12" }, { 20, "AES_GCM_16" },
	{ 23, "CAMELLIA_CBC" }, { 28, "CHACHA20_POLY1305" },
};

static const struct name prfs[] = {
	{ 1, "PRF_HMAC_MD5" }, { 2, "PRF_HMAC_SHA1" },
	{ 4, "PRF_AES128_XCBC" }, { 5, "PRF_HMAC_SHA2_256" },
	{ 6, "PRF_HMAC_SHA2_384" }, { 7, "PRF_HMAC_SHA2_512" },
	{ 8, "PRF_AES128_CMAC" },
};

static const struct name integs[] = {
	{ 1, "HMAC_MD5_96" }, { 2, "HMAC_SHA1_96" }, { 5, "AES_XCBC_96" },
	{ 8, "AES_CMAC_96" }, { 12, "HMAC_SHA2_256_128" },
	{ 13, "HMAC_SHA2_384_192" }, { 14, "HMAC_SHA2_512_256" },
};

static const struct name groups[] = {
	{ 1, "MODP_768" }, { 2, "MODP_1024" }, { 5, "MODP_1536" },
	{ 14, "MODP_2048" }, { 15, "MODP_3072" }, { 16, "MODP_4096" },
	{ 17, "MODP_6144" }, { 18, "MODP_8192" }, { 19, "ECP_256" },
	{ 20, "ECP_384" }, { 21, "ECP_521" }, { 31, "CURVE_25519" },
	{ 32, "CURVE_448" },
};

const char *tsn_ike_exchange_name(unsigned type)
{
	return lookup(exchanges, ARRAY_SIZE(exchanges), type);
}

const char *tsn_ike_notify_name(unsigned type)
{
	return lookup(notifies, ARRAY_SIZE(notifies), type);
}

const char *tsn_ike_transform_name(unsigned type, unsigned id)
{
	switch (type) {
	case TSN_IKE_TRANS_ENCR:
		return lookup(encrs, ARRAY_SIZE(encrs), id);
	case TSN_IKE_TRANS_PRF:
		return lookup(prfs, ARRAY_SIZE(prfs), id);
	case TSN_IKE_TRANS_INTEG:
		return lookup(integs, ARRAY_SIZE(integs), id);
	case TSN_IKE_TRANS_DH:
		return lookup(groups, ARRAY_SIZE(groups), id);
	}
	return NULL;
}

/* "NAME" or "TYPE_ID" for a number we have no name for. */
static void add_trans(struct tsn_buf *b, unsigned type, unsigned id,
		      const char *unknown)
{
	const char *n = tsn_ike_transform_name(type, id);

	if (b->len)
		tsn_buf_puts(b, "/");
	if (n)
		tsn_buf_puts(b, n);
	else
		tsn_buf_printf(b, "%s_%u", unknown, id);
}

static void proposal_str(const struct tsn_ike_info *info, struct tsn_buf *b)
{
	if (info->encr) {
		add_trans(b, TSN_IKE_TRANS_ENCR, info->encr, "ENCR");
		if (info->encr_keylen)
			tsn_buf_printf(b, "-%u", info->encr_keylen);
	}
	if (info->integ)
		add_trans(b, TSN_IKE_TRANS_INTEG, info->integ, "INTEG");
	if (info->prf)
		add_trans(b, TSN_IKE_TRANS_PRF, info->prf, "PRF");
	if (info->dh)
		add_trans(b, TSN_IKE_TRANS_DH, info->dh, "DH");
}

/* The notify that explains a refusal, if any: the first error type
 * (below 16384, RFC 7296 3.10.1), else COOKIE. */
static int refusal(const struct tsn_ike_info *info)
{
	unsigned i;

	for (i = 0; i < info->n_notify; i++)
		if (info->notify[i] < 16384)
			return info->notify[i];
	if (tsn_ike_has_notify(info, TSN_IKE_N_COOKIE))
		return TSN_IKE_N_COOKIE;
	return -1;
}

static void summarize(const struct tsn_ike_info *info, struct tsn_buf *b)
{
	struct tsn_buf prop = { 0 };
	const char *n, *g;
	int r = refusal(info);

	if (r >= 0) {
		n = tsn_ike_notify_name((unsigned)r);
		if (n)
			tsn_buf_puts(b, n);
		else
			tsn_buf_printf(b, "notify %d", r);
		if (r == TSN_IKE_N_INVALID_KE_PAYLOAD && info->want_group) {
			g = tsn_ike_transform_name(TSN_IKE_TRANS_DH,
						   info->want_group);
			if (g)
				tsn_buf_printf(b, " (wants %s)", g);
			else
				tsn_buf_printf(b, " (wants group %u)",
					       info->want_group);
		}
		return;
	}
	n = tsn_ike_exchange_name(info->exchange);
	if (n)
		tsn_buf_puts(b, n);
	else
		tsn_buf_printf(b, "exchange %u", info->exchange);
	tsn_buf_puts(b, info->response ? " response" : " request");
	if (info->encrypted)
		tsn_buf_puts(b, " (encrypted)");
	proposal_str(info, &prop);
	if (prop.len)
		tsn_buf_printf(b, ": %s", prop.p);
	tsn_buf_free(&prop);
}

const char *tsn_ike_summary(const struct tsn_ike_info *info, char *buf,
			    size_t size)
{
	struct tsn_buf b = { 0 };

	if (!size)
		return buf;
	summarize(info, &b);
	snprintf(buf, size, "%s", b.p ? b.p : "");
	tsn_buf_free(&b);
	return buf;
}
