/* ike.c - the IKEv2 IKE_SA_INIT request tsnet probes with, and the parser
 * for whatever comes back (RFC 7296).
 *
 * The request is genuine enough that a real responder (strongSwan's
 * charon) answers it with an IKE_SA_INIT response, INVALID_KE_PAYLOAD,
 * NO_PROPOSAL_CHOSEN or COOKIE; that answer is the proof that UDP 500 or
 * 4500 reaches an IKE daemon.  We never complete the exchange.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "lib/cur.h"
#include "lib/util.h"
#include "probe/packet.h"
#include "probe/sha.h"

/* Payload types (RFC 7296 3.2) */
enum {
	PL_NONE = 0,
	PL_SA = 33,
	PL_KE = 34,
	PL_NONCE = 40,
	PL_NOTIFY = 41,
	PL_VENDOR = 43,
	PL_SK = 46,
};

#define IKE_VERSION 0x20
#define ATTR_KEY_LENGTH 14	/* RFC 7296 3.3.5, TV format */
#define ATTR_TV 0x8000

#define GEN_HDR_LEN 4	/* next payload, critical, length */
#define PROP_HDR_LEN 8	/* last, reserved, length, num, proto, spi size, n */
#define TRANS_HDR_LEN 8	/* last, reserved, length, type, reserved, id */
#define KE_HDR_LEN 8	/* generic + group + reserved */
#define NOTIFY_HDR_LEN 8	/* generic + proto, spi size, type */
#define NATD_LEN TSN_SHA1_LEN

_Static_assert(TSN_IKE_HDR_LEN == 2 * TSN_IKE_SPI_LEN + 4 + 4 + 4,
	       "IKE header is 28 bytes (RFC 7296 3.1)");
_Static_assert(TSN_NON_ESP_MARKER_LEN == 4, "non-ESP marker (RFC 3948 2.2)");
_Static_assert(KE_HDR_LEN == GEN_HDR_LEN + 4 && NOTIFY_HDR_LEN == GEN_HDR_LEN + 4,
	       "KE and Notify headers (RFC 7296 3.4, 3.10)");

/* What we offer: one IKE proposal, AEAD only (so no INTEG transform, RFC
 * 5282 8), preferred first within each type. */
static const struct {
	uint8_t type;
	uint16_t id;
	uint16_t keylen;	/* 0: no key length attribute */
} offer[] = {
	{ TSN_IKE_TRANS_ENCR, 20, 256 },	/* ENCR_AES_GCM_16 */
	{ TSN_IKE_TRANS_ENCR, 20, 128 },
	{ TSN_IKE_TRANS_PRF, 5, 0 },		/* PRF_HMAC_SHA2_256 */
	{ TSN_IKE_TRANS_PRF, 6, 0 },		/* PRF_HMAC_SHA2_384 */
	{ TSN_IKE_TRANS_DH, 31, 0 },		/* curve25519 */
	{ TSN_IKE_TRANS_DH, 19, 0 },		/* ecp256 */
};
#define KE_GROUP 31

/* marker + header + SA (one proposal, 6 transforms, 2 with a key length
 * attribute) + KE + Nonce + two NAT-D notifies */
#define INIT_LEN (TSN_NON_ESP_MARKER_LEN + TSN_IKE_HDR_LEN + GEN_HDR_LEN + \
		  PROP_HDR_LEN + 6 * TRANS_HDR_LEN + 2 * 4 + \
		  KE_HDR_LEN + TSN_IKE_KE_LEN + GEN_HDR_LEN + TSN_IKE_NONCE_LEN + \
		  2 * (NOTIFY_HDR_LEN + NATD_LEN))
_Static_assert(INIT_LEN == 232, "IKE_SA_INIT request with marker");
_Static_assert(INIT_LEN <= TSN_IKE_INIT_MAX, "TSN_IKE_INIT_MAX fits it");

/* A writer that remembers it ran out of room instead of checking at
 * every call; the builder checks once at the end. */
struct wr {
	uint8_t *p;
	size_t size, len;
	bool full;
};

static void put(struct wr *w, const void *d, size_t n)
{
	if (w->full || w->size - w->len < n) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void put8(struct wr *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 2);
}

static void put32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 4);
}

/* Lengths are filled last: patch a 16-bit length at off once the
 * structure that starts at start is complete. */
static void patch16(struct wr *w, size_t off, size_t start)
{
	size_t n = w->len - start;

	if (w->full)
		return;
	w->p[off] = (uint8_t)(n >> 8);
	w->p[off + 1] = (uint8_t)n;
}

static void gen_hdr(struct wr *w, uint8_t next)
{
	put8(w, next);
	put8(w, 0);	/* not critical */
	put16(w, 0);	/* length, patched */
}

static int ip_len(const struct tsn_ip_addr *ip)
{
	if (ip->family == AF_INET)
		return 4;
	if (ip->family == AF_INET6)
		return 16;
	return -1;
}

/* RFC 7296 2.23: SHA-1(SPIi | SPIr | IP address | port). */
static void natd_hash(const struct tsn_ike_init *ini,
		      const struct tsn_ip_addr *ip, uint16_t port,
		      uint8_t out[NATD_LEN])
{
	static const uint8_t spi_r[TSN_IKE_SPI_LEN];
	uint8_t pb[2] = { (uint8_t)(port >> 8), (uint8_t)port };
	struct tsn_sha1 s;

	tsn_sha1_init(&s);
	tsn_sha1_update(&s, ini->spi_i, sizeof(ini->spi_i));
	tsn_sha1_update(&s, spi_r, sizeof(spi_r));
	tsn_sha1_update(&s, ip->a, (size_t)ip_len(ip));
	tsn_sha1_update(&s, pb, sizeof(pb));
	tsn_sha1_final(&s, out);
}

static void put_sa(struct wr *w)
{
	size_t pl = w->len, prop, t;
	unsigned i;

	gen_hdr(w, PL_KE);
	prop = w->len;
	put8(w, 0);	/* last proposal */
	put8(w, 0);
	put16(w, 0);
	put8(w, 1);	/* proposal number */
	put8(w, 1);	/* protocol: IKE */
	put8(w, 0);	/* no SPI in an initial IKE proposal */
	put8(w, ARRAY_SIZE(offer));
	for (i = 0; i < ARRAY_SIZE(offer); i++) {
		t = w->len;
		put8(w, i + 1 < ARRAY_SIZE(offer) ? 3 : 0);	/* more? */
		put8(w, 0);
		put16(w, 0);
		put8(w, offer[i].type);
		put8(w, 0);
		put16(w, offer[i].id);
		if (offer[i].keylen) {
			put16(w, ATTR_TV | ATTR_KEY_LENGTH);
			put16(w, offer[i].keylen);
		}
		patch16(w, t + 2, t);
	}
	patch16(w, prop + 2, prop);
	patch16(w, pl + 2, pl);
}

static void put_notify(struct wr *w, uint8_t next, uint16_t type,
		       const uint8_t *data, size_t len)
{
	size_t pl = w->len;

	gen_hdr(w, next);
	put8(w, 0);	/* protocol id: none, it is about the IKE SA */
	put8(w, 0);	/* SPI size */
	put16(w, type);
	put(w, data, len);
	patch16(w, pl + 2, pl);
}

static int build(uint8_t *buf, size_t size, const struct tsn_ike_init *ini,
		 bool marker)
{
	struct wr w = { .p = buf, .size = size };
	uint8_t natd[NATD_LEN];
	size_t hdr, pl;

	if (!buf || !ini || ip_len(&ini->src) < 0 ||
	    ini->src.family != ini->dst.family)
		return -EINVAL;
	if (marker)
		put32(&w, 0);
	hdr = w.len;
	put(&w, ini->spi_i, sizeof(ini->spi_i));
	put32(&w, 0);	/* responder SPI: 0 until the responder picks one */
	put32(&w, 0);
	put8(&w, PL_SA);
	put8(&w, IKE_VERSION);
	put8(&w, TSN_IKE_SA_INIT);
	put8(&w, TSN_IKE_FLAG_INITIATOR);
	put32(&w, 0);	/* Message ID of IKE_SA_INIT is 0 (RFC 7296 2.2) */
	put32(&w, 0);	/* length, filled last */

	put_sa(&w);

	/* The KE value is random bytes, not a real curve25519 public key:
	 * the probe never completes the exchange, and any 32 bytes are a
	 * well-formed X25519 public value to a responder. */
	pl = w.len;
	gen_hdr(&w, PL_NONCE);
	put16(&w, KE_GROUP);
	put16(&w, 0);
	put(&w, ini->ke, sizeof(ini->ke));
	patch16(&w, pl + 2, pl);

	pl = w.len;
	gen_hdr(&w, PL_NOTIFY);
	put(&w, ini->nonce, sizeof(ini->nonce));
	patch16(&w, pl + 2, pl);

	natd_hash(ini, &ini->src, ini->sport, natd);
	put_notify(&w, PL_NOTIFY, TSN_IKE_N_NAT_DETECTION_SOURCE_IP, natd,
		   sizeof(natd));
	natd_hash(ini, &ini->dst, ini->dport, natd);
	put_notify(&w, PL_NONE, TSN_IKE_N_NAT_DETECTION_DESTINATION_IP, natd,
		   sizeof(natd));

	if (w.full)
		return -ENOSPC;
	pl = w.len - hdr;
	buf[hdr + 24] = (uint8_t)(pl >> 24);
	buf[hdr + 25] = (uint8_t)(pl >> 16);
	buf[hdr + 26] = (uint8_t)(pl >> 8);
	buf[hdr + 27] = (uint8_t)pl;
	return (int)w.len;
}

int tsn_ike_build_sa_init(uint8_t *buf, size_t size,
			  const struct tsn_ike_init *ini)
{
	return build(buf, size, ini, false);
}

int tsn_ike_build_sa_init_natt(uint8_t *buf, size_t size,
			       const struct tsn_ike_init *ini)
{
	return build(buf, size, ini, true);
}

/* A size probe: the header of an INFORMATIONAL request with a responder
 * SPI of 0, which names no IKE SA, so a responder drops it without
 * making one (an IKE_SA_INIT would be a half-open SA to charon, and
 * enough of them make it demand cookies), then one Vendor ID payload
 * that fills the message to total bytes (the marker included). */
int tsn_ike_build_size(uint8_t *buf, size_t size,
		       const struct tsn_ike_init *ini, bool marker,
		       uint32_t msg_id, size_t total)
{
	static const char vid[] = "tsnet size probe";
	struct wr w = { .p = buf, .size = size };
	size_t hdr, fill;

	if (!buf || !ini || !msg_id || total > size || total > 65507 ||
	    total < (marker ? 4u : 0u) + TSN_IKE_HDR_LEN + GEN_HDR_LEN +
		    sizeof(vid))
		return -EINVAL;
	if (marker)
		put32(&w, 0);
	hdr = w.len;
	put(&w, ini->spi_i, sizeof(ini->spi_i));
	put32(&w, 0);
	put32(&w, 0);
	put8(&w, PL_VENDOR);
	put8(&w, IKE_VERSION);
	put8(&w, TSN_IKE_INFORMATIONAL);
	put8(&w, TSN_IKE_FLAG_INITIATOR);
	put32(&w, msg_id);
	put32(&w, (uint32_t)(total - hdr));
	fill = total - w.len;
	put8(&w, PL_NONE);
	put8(&w, 0);
	put16(&w, (uint16_t)fill);
	put(&w, vid, sizeof(vid));
	memset(buf + w.len, 0, total - w.len);
	return w.full ? -ENOSPC : (int)total;
}

int tsn_random_bytes(void *p, size_t n)
{
	uint8_t *b = p;
	ssize_t r;

	while (n) {
		r = getrandom(b, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

int tsn_ike_init_random(struct tsn_ike_init *ini)
{
	int ret;

	ret = tsn_random_bytes(ini->spi_i, sizeof(ini->spi_i));
	if (!ret)
		ret = tsn_random_bytes(ini->nonce, sizeof(ini->nonce));
	if (!ret)
		ret = tsn_random_bytes(ini->ke, sizeof(ini->ke));
	return ret;
}

/* ---- parsing ---------------------------------------------------------
 *
 * Everything below reads bytes an unknown host sent.  Each structure is
 * split off with cur_sub() after its length was checked against what
 * remains, so an inner length can never reach past its parent; every
 * loop has a cap.
 */

#define MAX_PAYLOADS 64
#define MAX_PROPOSALS 64
#define MAX_TRANSFORMS 64
#define MAX_ATTRS 16

struct pctx {
	const uint8_t *base;	/* the IKE header, for error offsets */
	struct tsn_ike_info *info;
};

static int fail(struct pctx *x, const struct cur *c, int err,
		const char *why)
{
	x->info->err_off = (size_t)(c->p - x->base);
	x->info->why = why;
	return err;
}

/* Split off a structure whose 16-bit length (at the start, after hdr-2
 * bytes already read) counts its whole header of hdr bytes.  A length
 * below the header would leave the cursor where it was: that check is
 * what stops a zero-length payload from looping forever. */
static int sub_struct(struct pctx *x, struct cur *c, uint16_t len,
		      size_t read, size_t hdr, struct cur *sub,
		      const char *what)
{
	if (len < hdr)
		return fail(x, c, -EBADMSG, what);
	if (cur_sub(c, len - read, sub))	/* never past the parent */
		return fail(x, c, -EBADMSG, what);
	return 0;
}

static int parse_attrs(struct pctx *x, struct cur *c, uint16_t *keylen)
{
	uint16_t type, val;
	unsigned n;

	for (n = 0; c->left; n++) {
		if (n >= MAX_ATTRS)
			return fail(x, c, -ELOOP, "too many transform attributes");
		if (cur_u16(c, &type) || cur_u16(c, &val))
			return fail(x, c, -EBADMSG, "transform attribute cut short");
		if (type & ATTR_TV) {
			if ((type & ~ATTR_TV) == ATTR_KEY_LENGTH)
				*keylen = val;
		} else if (cur_skip(c, val)) {	/* TLV value within transform */
			return fail(x, c, -EBADMSG,
				    "transform attribute length past the transform");
		}
	}
	return 0;
}

static int parse_transform(struct pctx *x, struct cur *t, bool record)
{
	struct tsn_ike_info *info = x->info;
	uint16_t id, keylen = 0;
	uint8_t type, res;
	int ret;

	if (cur_u8(t, &type) || cur_u8(t, &res) || cur_u16(t, &id))
		return fail(x, t, -EBADMSG, "transform header cut short");
	ret = parse_attrs(x, t, &keylen);
	if (ret || !record)
		return ret;
	/* the first transform of each type is the one chosen (response) or
	 * the most preferred (request) */
	if (type == TSN_IKE_TRANS_ENCR && !info->encr) {
		info->encr = id;
		info->encr_keylen = keylen;
	} else if (type == TSN_IKE_TRANS_PRF && !info->prf) {
		info->prf = id;
	} else if (type == TSN_IKE_TRANS_INTEG && !info->integ) {
		info->integ = id;
	} else if (type == TSN_IKE_TRANS_DH && !info->dh) {
		info->dh = id;
	}
	return 0;
}

static int parse_proposal(struct pctx *x, struct cur *p, bool record)
{
	uint8_t num, proto, spisize, ntrans, last, res;
	struct cur t;
	uint16_t len;
	unsigned n;
	int ret;

	if (cur_u8(p, &num) || cur_u8(p, &proto) || cur_u8(p, &spisize) ||
	    cur_u8(p, &ntrans) || cur_skip(p, spisize))
		return fail(x, p, -EBADMSG, "proposal header cut short");
	for (n = 0; p->left; n++) {
		if (n >= MAX_TRANSFORMS)
			return fail(x, p, -ELOOP, "too many transforms");
		if (cur_u8(p, &last) || cur_u8(p, &res) || cur_u16(p, &len))
			return fail(x, p, -EBADMSG, "transform header cut short");
		ret = sub_struct(x, p, len, 4, TRANS_HDR_LEN, &t,
				 "transform length out of bounds");
		if (ret)
			return ret;
		ret = parse_transform(x, &t, record);
		if (ret)
			return ret;
		if (last == 0)
			break;
	}
	return 0;
}

static int parse_sa(struct pctx *x, struct cur *pl)
{
	uint8_t last, res;
	struct cur p;
	uint16_t len;
	unsigned n;
	int ret;

	x->info->has_sa = true;
	for (n = 0; pl->left; n++) {
		if (n >= MAX_PROPOSALS)
			return fail(x, pl, -ELOOP, "too many proposals");
		if (cur_u8(pl, &last) || cur_u8(pl, &res) || cur_u16(pl, &len))
			return fail(x, pl, -EBADMSG, "proposal header cut short");
		ret = sub_struct(x, pl, len, 4, PROP_HDR_LEN, &p,
				 "proposal length out of bounds");
		if (ret)
			return ret;
		ret = parse_proposal(x, &p, n == 0);
		if (ret)
			return ret;
		if (last == 0)
			break;
	}
	return 0;
}

static int parse_notify(struct pctx *x, struct cur *pl)
{
	struct tsn_ike_info *info = x->info;
	uint8_t proto, spisize;
	uint16_t type, group;

	if (cur_u8(pl, &proto) || cur_u8(pl, &spisize) ||
	    cur_u16(pl, &type) || cur_skip(pl, spisize))
		return fail(x, pl, -EBADMSG, "notify payload cut short");
	if (info->n_notify < TSN_IKE_MAX_NOTIFY)
		info->notify[info->n_notify++] = type;
	info->notify_total++;
	/* RFC 7296 3.10.1: the data is the DH group the responder wants */
	if (type == TSN_IKE_N_INVALID_KE_PAYLOAD && !cur_u16(pl, &group))
		info->want_group = group;
	return 0;
}

static int parse_payload(struct pctx *x, uint8_t type, struct cur *pl)
{
	uint16_t group;

	switch (type) {
	case PL_SA:
		return parse_sa(x, pl);
	case PL_KE:
		if (cur_u16(pl, &group))
			return fail(x, pl, -EBADMSG, "KE payload cut short");
		x->info->has_ke = true;
		x->info->ke_group = group;
		return 0;
	case PL_NONCE:
		x->info->has_nonce = true;
		return 0;
	case PL_NOTIFY:
		return parse_notify(x, pl);
	case PL_SK:
		x->info->encrypted = true;
		return 0;
	}
	return 0;	/* payloads we need nothing from are skipped whole */
}

static int parse_header(struct pctx *x, struct cur *c, uint8_t *np)
{
	struct tsn_ike_info *info = x->info;

	if (!cur_has(c, TSN_IKE_HDR_LEN))
		return fail(x, c, -EMSGSIZE, "truncated: shorter than the IKE header");
	cur_bytes(c, info->spi_i, sizeof(info->spi_i));
	cur_bytes(c, info->spi_r, sizeof(info->spi_r));
	cur_u8(c, np);
	cur_u8(c, &info->version);
	cur_u8(c, &info->exchange);
	cur_u8(c, &info->flags);
	cur_u32(c, &info->msg_id);
	cur_u32(c, &info->length);
	info->response = info->flags & TSN_IKE_FLAG_RESPONSE;
	if (info->version >> 4 != 2)
		return fail(x, c, -EPROTO, "not IKEv2 (major version is not 2)");
	if (info->length < TSN_IKE_HDR_LEN)
		return fail(x, c, -EBADMSG, "IKE length below the header size");
	/* bound by what was captured, never by what the header claims */
	if (info->length - TSN_IKE_HDR_LEN > c->left)
		return fail(x, c, -EMSGSIZE,
			    "truncated: fewer bytes captured than the IKE length");
	return 0;
}

int tsn_ike_parse(const uint8_t *p, size_t caplen, struct tsn_ike_info *info)
{
	struct pctx x = { .base = p, .info = info };
	struct cur c = cur_make(p, caplen), body, pl;
	uint8_t np, next, crit;
	uint16_t len;
	int ret;

	memset(info, 0, sizeof(*info));
	ret = parse_header(&x, &c, &np);
	if (ret)
		return ret;
	cur_sub(&c, info->length - TSN_IKE_HDR_LEN, &body);
	while (np != PL_NONE) {
		if (info->payloads >= MAX_PAYLOADS)
			return fail(&x, &body, -ELOOP, "more than 64 payloads");
		if (cur_u8(&body, &next) || cur_u8(&body, &crit) ||
		    cur_u16(&body, &len))
			return fail(&x, &body, -EBADMSG,
				    "payload header past the end of the message");
		/* length < 4 would not move the cursor; > remaining would
		 * read past the message */
		ret = sub_struct(&x, &body, len, GEN_HDR_LEN, GEN_HDR_LEN, &pl,
				 "payload length out of bounds");
		if (ret)
			return ret;
		info->payloads++;
		ret = parse_payload(&x, np, &pl);
		if (ret)
			return ret;
		/* SK's next payload names the first payload inside it, which
		 * is encrypted (RFC 7296 3.14): the walk ends here */
		if (np == PL_SK)
			break;
		np = next;
	}
	if (body.left)
		return fail(&x, &body, -EBADMSG, "bytes after the last payload");
	return 0;
}

int tsn_ike_parse_natt(const uint8_t *p, size_t caplen,
		       struct tsn_ike_info *info)
{
	static const uint8_t marker[TSN_NON_ESP_MARKER_LEN];

	memset(info, 0, sizeof(*info));
	if (caplen < sizeof(marker)) {
		info->why = "truncated: shorter than the non-ESP marker";
		return -EMSGSIZE;
	}
	if (memcmp(p, marker, sizeof(marker))) {
		info->why = "no non-ESP marker: ESP or a NAT keepalive";
		return -ENOMSG;
	}
	return tsn_ike_parse(p + sizeof(marker), caplen - sizeof(marker), info);
}

bool tsn_ike_has_notify(const struct tsn_ike_info *info, uint16_t type)
{
	unsigned i;

	for (i = 0; i < info->n_notify; i++)
		if (info->notify[i] == type)
			return true;
	return false;
}
