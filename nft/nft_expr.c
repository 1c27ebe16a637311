/* nft_expr.c - one nf_tables expression on the register VM.
 *
 * Loads write register bytes the way the kernel does (payload and meta
 * zero the rest of the last 32-bit word, so concatenations compare like
 * the kernel's set keys), with a known-bits mask beside them.  What one
 * flow cannot decide stays unknown, and a comparison on unknown bits asks
 * the caller to fork rather than guess.  Modelled, and why:
 *   - ct state is NEW (or ESTABLISHED when the flow says so);
 *   - meta mark starts at 0 (a fresh skb) and follows meta mark set on
 *     the path; an xt MARK target makes it unknown.  ct mark is 0 unless
 *     some rule sets a ct mark (then unknown);
 *   - ct status of a new connection is 0 (no NAT has run: NAT itself is
 *     undecidable), of an established one seen-reply|assured|confirmed;
 *   - fib: address type of the local address is local, of the peer
 *     unicast; fib saddr . iif oif is the arrival interface (symmetric
 *     routing, which strict rp_filter needs anyway); anything else unknown;
 *   - iif on the output path and oif on the input path do not exist: the
 *     kernel ends the rule there (NFT_BREAK), and so do we;
 *   - a decrypted flow has a secpath (meta ipsec exists) and `ipsec in`
 *     sees its SA's addresses (transport mode: the peer's and ours; reqid
 *     and spi unknown); any other packet has none, and `ipsec in`, like
 *     `ipsec out` on the input path, ends the rule as the kernel does;
 *     so does `ipsec out` for IKE and ESP on the output path (charon's
 *     sockets bypass the policies, ESP has left its SA already): only
 *     a decrypted flow's outbound twin has an SA there;
 *   - an ICMP error is related to the flow it is about (ct state
 *     related, that flow's status);
 *   - before conntrack (ingress, or a chain under priority -200) a packet
 *     has no entry: ct state is invalid and other ct keys end the rule;
 *     after notrack there it stays without one: ct state untracked.
 */
#include <string.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nft/nft_vm.h"

#define CT_INVALID	1	/* NF_CT_STATE_INVALID_BIT */
#define CT_UNTRACKED	64	/* NF_CT_STATE_UNTRACKED_BIT */
#define CT_NEW		8	/* NF_CT_STATE_BIT(IP_CT_NEW) */
#define CT_ESTABLISHED	2	/* NF_CT_STATE_BIT(IP_CT_ESTABLISHED) */
#define CT_RELATED	4	/* NF_CT_STATE_BIT(IP_CT_RELATED) */
#define CT_STATUS_EST	(2 | 4 | 8) /* IPS_SEEN_REPLY | ASSURED | CONFIRMED */
#define CT_DIR_ORIGINAL	0	/* IP_CT_DIR_ORIGINAL */
#define CT_DIR_REPLY	1

void tsn_nft_pkt_build(struct tsn_nft_pkt *p, const struct tsn_nft_flow *f,
		       bool ct_mark_written)
{
	const uint8_t *src = f->dir == TSN_NFT_IN ? f->peer : f->local;
	const uint8_t *dst = f->dir == TSN_NFT_IN ? f->local : f->peer;
	uint8_t *h, *k;

	memset(p, 0, sizeof(*p));
	p->f = f;
	p->in = f->dir == TSN_NFT_IN;
	p->ct_mark_written = ct_mark_written;
	h = p->nh;
	k = p->nh_known;
	if (f->family == AF_INET) {
		p->nh_len = 20;
		h[0] = 0x45;
		k[0] = 0xff;
		k[6] = 0x3f;	/* MF and offset known 0; DF unknown */
		k[7] = 0xff;
		h[9] = f->proto;
		k[9] = 0xff;
		memcpy(h + 12, src, 4);
		memcpy(h + 16, dst, 4);
		memset(k + 12, 0xff, 8);
	} else {
		p->nh_len = 40;
		h[0] = 0x60;
		k[0] = 0xf0;	/* version; traffic class unknown */
		h[6] = f->proto;	/* no extension headers */
		k[6] = 0xff;
		memcpy(h + 8, src, 16);
		memcpy(h + 24, dst, 16);
		memset(k + 8, 0xff, 32);
	}
	if (f->proto == IPPROTO_ICMP || f->proto == IPPROTO_ICMPV6) {
		p->th[0] = f->icmp_type;
		p->th[1] = f->icmp_code;
		memset(p->th_known, 0xff, 2);	/* checksum, rest unknown */
	}
	if (f->proto == IPPROTO_UDP) {
		p->th[0] = f->sport >> 8;
		p->th[1] = f->sport & 0xff;
		p->th[2] = f->dport >> 8;
		p->th[3] = f->dport & 0xff;
		memset(p->th_known, 0xff, 4);	/* length, csum unknown */
	}
	/* ESP: SPI and sequence number are not known. */
}

void tsn_nft_regs_init(struct tsn_nft_regs *r, const struct tsn_nft_pkt *p)
{
	memset(r, 0, sizeof(*r));
	r->c.mark_known = true;	/* a fresh skb has mark 0 */
}

/* Write len bytes (known mask km, NULL = all known) to dreg and zero the
 * rest of the last 32-bit word, as the kernel's loads do. */
static bool load(struct tsn_nft_regs *r, const struct tsn_nft_expr *e,
		 const uint8_t *v, const uint8_t *km, unsigned len)
{
	unsigned d = e->dreg, pad = (4 - len % 4) % 4;

	if (!tsn_nft_in_regs(d, len + pad))
		return false;
	memcpy(r->v + d, v, len);
	if (km)
		memcpy(r->k + d, km, len);
	else
		memset(r->k + d, 0xff, len);
	memset(r->v + d + len, 0, pad);
	memset(r->k + d + len, 0xff, pad);
	for (unsigned w = d / 4; w < (d + len + pad) / 4; w++)
		r->src[w] = e;
	return true;
}

static bool load_unknown(struct tsn_nft_regs *r, const struct tsn_nft_expr *e,
			 unsigned len)
{
	static const uint8_t zero[TSN_NFT_DATA_MAX];

	if (len > TSN_NFT_DATA_MAX)
		return false;
	return load(r, e, zero, zero, len);
}

static bool load_u32(struct tsn_nft_regs *r, const struct tsn_nft_expr *e,
		     uint32_t v)
{
	return load(r, e, (const uint8_t *)&v, NULL, 4);
}

static bool load_u16(struct tsn_nft_regs *r, const struct tsn_nft_expr *e,
		     uint16_t v)
{
	return load(r, e, (const uint8_t *)&v, NULL, 2);
}

static bool load_u8(struct tsn_nft_regs *r, const struct tsn_nft_expr *e,
		    uint8_t v)
{
	return load(r, e, &v, NULL, 1);
}

static enum tsn_nft_step exec_payload(const struct tsn_nft_pkt *p,
				      struct tsn_nft_regs *r,
				      const struct tsn_nft_expr *e)
{
	uint8_t v[TSN_NFT_DATA_MAX], k[TSN_NFT_DATA_MAX];
	/* The network header then the transport header, as the kernel
	 * sees them; the transport header alone from its base. */
	size_t nh = e->base == NFT_PAYLOAD_NETWORK_HEADER ? p->nh_len : 0;
	bool th = e->base == NFT_PAYLOAD_NETWORK_HEADER ||
		  e->base == NFT_PAYLOAD_TRANSPORT_HEADER;

	if (e->len > TSN_NFT_DATA_MAX)
		return TSN_NFT_STEP_UNKNOWN;
	/* Bytes past the headers we model (the IKE or ESP payload, the
	 * link layer) exist but are not known. */
	for (size_t i = 0, at = e->offset; i < e->len; i++, at++) {
		if (at < nh) {
			v[i] = p->nh[at];
			k[i] = p->nh_known[at];
		} else if (th && at - nh < sizeof(p->th)) {
			v[i] = p->th[at - nh];
			k[i] = p->th_known[at - nh];
		} else {
			v[i] = k[i] = 0;
		}
	}
	return load(r, e, v, k, e->len) ? TSN_NFT_STEP_CONT :
					   TSN_NFT_STEP_UNKNOWN;
}

static bool load_ifname(struct tsn_nft_regs *r, const struct tsn_nft_expr *e,
			const char *name)
{
	char n[16] = { 0 };

	memcpy(n, name, strnlen(name, sizeof(n) - 1));
	return load(r, e, (const uint8_t *)n, NULL, 16);
}

/* 1 loaded, 0 not present (NFT_BREAK), -1 unknown/out of range. */
static int meta_value(const struct tsn_nft_pkt *p, struct tsn_nft_regs *r,
		      const struct tsn_nft_expr *e)
{
	const struct tsn_nft_flow *f = p->f;
	bool own = e->key == NFT_META_IIF || e->key == NFT_META_IIFNAME ||
		   e->key == NFT_META_IIFTYPE;
	bool other = e->key == NFT_META_OIF || e->key == NFT_META_OIFNAME ||
		     e->key == NFT_META_OIFTYPE;

	/* A device this path does not have (no input device on output):
	 * the kernel loads index 0 and an empty name, so "iifname !=
	 * eth0" matches there; only the type ends the rule. */
	if ((own && !p->in) || (other && p->in)) {
		if (e->key == NFT_META_IIF || e->key == NFT_META_OIF)
			return load_u32(r, e, 0);
		if (e->key == NFT_META_IIFNAME || e->key == NFT_META_OIFNAME)
			return load_ifname(r, e, "");
		return 0;	/* NFT_BREAK */
	}
	switch (e->key) {
	case NFT_META_PROTOCOL:
		return load_u16(r, e, htons(f->family == AF_INET ? 0x0800 :
							      0x86dd));
	case NFT_META_NFPROTO:
		return load_u8(r, e, f->family == AF_INET ? NFPROTO_IPV4 :
							    NFPROTO_IPV6);
	case NFT_META_L4PROTO:
		return load_u8(r, e, f->proto);
	case NFT_META_MARK:
		if (!r->c.mark_known)
			return load_unknown(r, e, 4) ? 1 : -1;
		return load_u32(r, e, r->c.mark);
	case NFT_META_IIF:
	case NFT_META_OIF:
		if (!f->ifindex)
			return load_unknown(r, e, 4) ? 1 : -1;
		return load_u32(r, e, f->ifindex);
	case NFT_META_IIFNAME:
	case NFT_META_OIFNAME:
		return load_ifname(r, e, f->ifname);
	case NFT_META_IIFTYPE:
	case NFT_META_OIFTYPE:
		if (!f->iftype)
			return load_unknown(r, e, 2) ? 1 : -1;
		return load_u16(r, e, f->iftype);
	case NFT_META_SECPATH:	/* IKE and raw ESP carry none */
		return load_u8(r, e, p->in && f->decrypted);
	case NFT_META_PKTTYPE:	/* unicast to or from this host */
	case NFT_META_NFTRACE:
		return load_u8(r, e, 0);
	default:
		return load_unknown(r, e, 16) ? 1 : -1;
	}
}

static const uint8_t *ct_addr(const struct tsn_nft_pkt *p, bool src)
{
	/* The original direction of the flow is the packet's. */
	return src ? (p->in ? p->f->peer : p->f->local) :
		     (p->in ? p->f->local : p->f->peer);
}

static int ct_value(const struct tsn_nft_pkt *p, struct tsn_nft_regs *r,
		    const struct tsn_nft_expr *e)
{
	const struct tsn_nft_flow *f = p->f;
	bool reply = e->flags == 1 + CT_DIR_REPLY;
	bool v4 = f->family == AF_INET;

	if (r->c.ct == TSN_NFT_CT_UNSURE || r->before_ct < 0)
		return load_unknown(r, e, e->key == NFT_CT_STATE ? 4 : 16) ?
		       1 : -1;
	if (r->c.ct == TSN_NFT_CT_UNTRACKED || r->before_ct) {
		/* No entry: the kernel ends the rule on anything but the
		 * state. */
		if (e->key != NFT_CT_STATE)
			return 0;
		return load_u32(r, e, r->c.ct == TSN_NFT_CT_UNTRACKED ?
				      CT_UNTRACKED : CT_INVALID);
	}
	switch (e->key) {
	case NFT_CT_STATE:
		return load_u32(r, e, f->related ? CT_RELATED :
				f->established ? CT_ESTABLISHED : CT_NEW);
	case NFT_CT_DIRECTION:
		return load_u8(r, e, CT_DIR_ORIGINAL);
	case NFT_CT_MARK:
		if (p->ct_mark_written)
			return load_unknown(r, e, 4) ? 1 : -1;
		return load_u32(r, e, 0);
	case NFT_CT_STATUS:
		return load_u32(r, e, f->established || f->related ?
				CT_STATUS_EST : 0);
	case NFT_CT_L3PROTOCOL:
		return load_u8(r, e, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	case NFT_CT_PROTOCOL:
		return load_u8(r, e, f->proto);
	case NFT_CT_SRC_IP:
	case NFT_CT_DST_IP:
	case NFT_CT_SRC_IP6:
	case NFT_CT_DST_IP6: {
		bool src = (e->key == NFT_CT_SRC_IP ||
			    e->key == NFT_CT_SRC_IP6) != reply;
		bool want4 = e->key == NFT_CT_SRC_IP ||
			     e->key == NFT_CT_DST_IP;

		if (want4 != v4)
			return 0;	/* the kernel breaks on a mismatch */
		return load(r, e, ct_addr(p, src), NULL, v4 ? 4 : 16) ? 1 :
									-1;
	}
	case NFT_CT_PROTO_SRC:
	case NFT_CT_PROTO_DST:
		if (f->proto != IPPROTO_UDP)
			return load_unknown(r, e, 2) ? 1 : -1;
		return load(r, e, p->th + ((e->key == NFT_CT_PROTO_DST) !=
					   reply ? 2 : 0), NULL, 2) ? 1 : -1;
	default:
		return load_unknown(r, e, 16) ? 1 : -1;
	}
}

static int fib_value(const struct tsn_nft_pkt *p, struct tsn_nft_regs *r,
		     const struct tsn_nft_expr *e)
{
	bool saddr = e->flags & NFTA_FIB_F_SADDR;
	bool local = saddr != p->in;	/* is the looked-up address ours */

	if (e->key == NFT_FIB_RESULT_ADDRTYPE)
		return load_u32(r, e, local ? 2 /* RTN_LOCAL */ :
					      1 /* RTN_UNICAST */);
	if (p->in && saddr && (e->flags & NFTA_FIB_F_PRESENT))
		return load_u8(r, e, 1);
	if (p->in && saddr && e->key == NFT_FIB_RESULT_OIF &&
	    p->f->ifindex)
		return load_u32(r, e, p->f->ifindex);
	if (p->in && saddr && e->key == NFT_FIB_RESULT_OIFNAME)
		return load_ifname(r, e, p->f->ifname);
	return load_unknown(r, e, e->key == NFT_FIB_RESULT_OIFNAME ? 16 : 4) ?
		       1 : -1;
}

/* Whether a packet of f has an SA for `ipsec in|out` on this path: in,
 * its secpath (a decrypted flow); out, its route's xfrm, which only the
 * members' own traffic under IPsec has (a decrypted flow's outbound
 * twin).  IKE (UDP 500, and 4500 with its ESP-in-UDP) leaves through
 * charon's sockets, which bypass the policies (a per-socket bypass
 * policy), and an ESP packet has left its SA already (the kernel pops
 * the route's xfrm before the packet meets the output hooks again): for
 * them the kernel's nft_xfrm finds no xfrm and breaks. */
static bool has_sa(const struct tsn_nft_pkt *p, bool in)
{
	return in == p->in && p->f->decrypted;
}

/* `ipsec in|out KEY` (nft_xfrm): 1 loaded, 0 NFT_BREAK, -1 unknown. */
static int xfrm_value(const struct tsn_nft_pkt *p, struct tsn_nft_regs *r,
		      const struct tsn_nft_expr *e)
{
	const struct tsn_nft_flow *f = p->f;
	bool in = e->flags == TSN_NFT_XFRM_DIR(0);	/* XFRM_POLICY_IN */
	bool v4 = f->family == AF_INET;
	/* transport mode: the SA's source is the sender, in the peer */
	const uint8_t *src = in ? f->peer : f->local;
	const uint8_t *dst = in ? f->local : f->peer;

	if (!has_sa(p, in))
		return 0;
	switch (e->key) {
	case NFT_XFRM_KEY_DADDR_IP4:
	case NFT_XFRM_KEY_SADDR_IP4:
		if (!v4)
			return 0;	/* the kernel's family check breaks */
		return load(r, e, e->key == NFT_XFRM_KEY_SADDR_IP4 ? src : dst,
			    NULL, 4);
	case NFT_XFRM_KEY_DADDR_IP6:
	case NFT_XFRM_KEY_SADDR_IP6:
		if (v4)
			return 0;
		return load(r, e, e->key == NFT_XFRM_KEY_SADDR_IP6 ? src : dst,
			    NULL, 16);
	default:		/* reqid, spi: the SA's own */
		return load_unknown(r, e, 4) ? 1 : -1;
	}
}

/* -1, 0, 1 like memcmp; 2 undecidable. */
static int cmp_known(const struct tsn_nft_regs *r, unsigned off,
		     const uint8_t *d, unsigned len, bool eq_only)
{
	bool unknown = false;

	for (unsigned i = 0; i < len; i++) {
		uint8_t k = r->k[off + i];

		if (k != 0xff) {
			/* Known bits that differ settle equality. */
			if (eq_only && ((r->v[off + i] ^ d[i]) & k))
				return 1;
			unknown = true;
			continue;
		}
		if (!unknown && r->v[off + i] != d[i])
			return r->v[off + i] < d[i] ? -1 : 1;
	}
	return unknown ? 2 : 0;
}

static enum tsn_nft_step exec_cmp(struct tsn_nft_regs *r,
				  const struct tsn_nft_expr *e,
				  const struct tsn_nft_expr **why)
{
	bool eq = e->op == TSN_NFT_CMP &&
		  (e->key == NFT_CMP_EQ || e->key == NFT_CMP_NEQ);
	int d, d2 = 0;
	bool m;

	if (!tsn_nft_in_regs(e->sreg, e->len))
		return TSN_NFT_STEP_UNKNOWN;
	d = cmp_known(r, e->sreg, e->data, e->len, eq);
	if (e->op == TSN_NFT_RANGE) {
		d2 = cmp_known(r, e->sreg, tsn_nft_data2(e), e->len, false);
		if (d == 2 || d2 == 2)
			d = 2;
	}
	if (d == 2) {
		*why = tsn_nft_unknown_src(r, e->sreg, e->len);
		return TSN_NFT_STEP_FORK;
	}
	if (e->op == TSN_NFT_RANGE) {
		m = d >= 0 && d2 <= 0;
		m = e->key == NFT_RANGE_NEQ ? !m : m;
		return m ? TSN_NFT_STEP_CONT : TSN_NFT_STEP_BREAK;
	}
	switch (e->key) {
	case NFT_CMP_EQ: m = d == 0; break;
	case NFT_CMP_NEQ: m = d != 0; break;
	case NFT_CMP_LT: m = d < 0; break;
	case NFT_CMP_LTE: m = d <= 0; break;
	case NFT_CMP_GT: m = d > 0; break;
	case NFT_CMP_GTE: m = d >= 0; break;
	default: return TSN_NFT_STEP_UNKNOWN;
	}
	return m ? TSN_NFT_STEP_CONT : TSN_NFT_STEP_BREAK;
}

static enum tsn_nft_step exec_bitwise(struct tsn_nft_regs *r,
				      const struct tsn_nft_expr *e)
{
	uint8_t v[TSN_NFT_DATA_MAX], k[TSN_NFT_DATA_MAX];

	if (!tsn_nft_in_regs(e->sreg, e->len) ||
	    !tsn_nft_in_regs(e->dreg, e->len))
		return TSN_NFT_STEP_UNKNOWN;
	for (unsigned i = 0; i < e->len; i++) {
		v[i] = (r->v[e->sreg + i] & e->data[i]) ^ tsn_nft_data2(e)[i];
		/* Bits masked to 0 are known whatever they were. */
		k[i] = r->k[e->sreg + i] | (uint8_t)~e->data[i];
	}
	memcpy(r->v + e->dreg, v, e->len);
	memcpy(r->k + e->dreg, k, e->len);
	if (e->dreg != e->sreg)
		for (unsigned i = 0; i < (e->len + 3u) / 4; i++)
			r->src[e->dreg / 4 + i] = r->src[e->sreg / 4 + i];
	return TSN_NFT_STEP_CONT;
}

static enum tsn_nft_step exec_byteorder(struct tsn_nft_regs *r,
					const struct tsn_nft_expr *e)
{
	unsigned size = e->flags;
	uint8_t v[TSN_NFT_DATA_MAX], k[TSN_NFT_DATA_MAX];

	if ((size != 2 && size != 4 && size != 8) || e->len % size ||
	    !tsn_nft_in_regs(e->sreg, e->len) ||
	    !tsn_nft_in_regs(e->dreg, e->len))
		return TSN_NFT_STEP_UNKNOWN;
	/* Host order here is little endian: both ops swap each element. */
	for (unsigned i = 0; i < e->len; i += size)
		for (unsigned j = 0; j < size; j++) {
			v[i + j] = r->v[e->sreg + i + size - 1 - j];
			k[i + j] = r->k[e->sreg + i + size - 1 - j];
		}
	memcpy(r->v + e->dreg, v, e->len);
	memcpy(r->k + e->dreg, k, e->len);
	return TSN_NFT_STEP_CONT;
}

static enum tsn_nft_step exec_lookup(struct tsn_nft_regs *r,
				     const struct tsn_nft_expr *e,
				     const struct tsn_nft_expr **why)
{
	const struct tsn_nft_set *s = e->set;
	const struct tsn_nft_elem *el;
	bool map = e->flags & TSN_NFT_LOOKUP_MAP;

	if (!s || !tsn_nft_in_regs(e->sreg, s->key_len)) {
		*why = e;
		return TSN_NFT_STEP_UNKNOWN;
	}
	switch (tsn_nft_dyn_state(r, s, e->sreg)) {
	case TSN_NFT_DYN_NONE:
		break;
	case TSN_NFT_DYN_UNSURE:
		*why = e;
		return map ? TSN_NFT_STEP_UNKNOWN : TSN_NFT_STEP_FORK;
	case TSN_NFT_DYN_PRESENT:
		if (map) {	/* its data is not modelled */
			*why = e;
			return TSN_NFT_STEP_UNKNOWN;
		}
		return e->inv ? TSN_NFT_STEP_BREAK : TSN_NFT_STEP_CONT;
	case TSN_NFT_DYN_ABSENT:
		el = s->has_catchall ? &s->catchall : NULL;
		goto found;
	}
	if (s->undecidable || tsn_nft_unknown_src(r, e->sreg, s->key_len)) {
		*why = s->undecidable ? e : tsn_nft_unknown_src(r, e->sreg,
							s->key_len);
		/* No element agrees with the known bits (ESP's "port" is
		 * its SPI, but no element has protocol esp): a miss. */
		if (!s->undecidable &&
		    tsn_nft_set_maybe(s, r->v + e->sreg, r->k + e->sreg) == 0)
			el = s->has_catchall ? &s->catchall : NULL;
		else	/* a set matches or not; a map says what it says */
			return map ? TSN_NFT_STEP_UNKNOWN : TSN_NFT_STEP_FORK;
	} else {
		el = tsn_nft_set_lookup(s, r->v + e->sreg);
	}
found:
	if (!el != e->inv)
		return TSN_NFT_STEP_BREAK;
	if (!map || !el)
		return TSN_NFT_STEP_CONT;
	if (e->dreg == 0) {
		r->verdict = el->verdict;
		r->chain = el->chain;
		if ((el->verdict == NFT_JUMP || el->verdict == NFT_GOTO) &&
		    !el->chain) {
			*why = e;
			return TSN_NFT_STEP_UNKNOWN;
		}
		return TSN_NFT_STEP_VERDICT;
	}
	if (!el->data || !load(r, e, el->data, NULL, s->data_len))
		return TSN_NFT_STEP_UNKNOWN;
	return TSN_NFT_STEP_CONT;
}

static enum tsn_nft_step exec_imm(struct tsn_nft_regs *r,
				  const struct tsn_nft_expr *e)
{
	if (e->dreg) {
		if (!load(r, e, e->data, NULL, e->len))
			return TSN_NFT_STEP_UNKNOWN;
		return TSN_NFT_STEP_CONT;
	}
	if (e->verdict == NFT_CONTINUE)
		return TSN_NFT_STEP_CONT;
	if (e->verdict == NFT_BREAK)
		return TSN_NFT_STEP_BREAK;
	r->verdict = e->verdict;
	r->chain = e->chain;
	return TSN_NFT_STEP_VERDICT;
}

static enum tsn_nft_step loaded(int ret)
{
	if (ret < 0)
		return TSN_NFT_STEP_UNKNOWN;
	return ret ? TSN_NFT_STEP_CONT : TSN_NFT_STEP_BREAK;
}

enum tsn_nft_step tsn_nft_exec(const struct tsn_nft_pkt *p,
			       struct tsn_nft_regs *r,
			       const struct tsn_nft_expr *e,
			       const struct tsn_nft_expr **why)
{
	*why = e;
	switch (e->op) {
	case TSN_NFT_NOP:
		return TSN_NFT_STEP_CONT;
	case TSN_NFT_PAYLOAD:
		return exec_payload(p, r, e);
	case TSN_NFT_META:
		return loaded(meta_value(p, r, e));
	case TSN_NFT_CT:
		return loaded(ct_value(p, r, e));
	case TSN_NFT_FIB:
		return loaded(fib_value(p, r, e));
	case TSN_NFT_LOAD_UNKNOWN:
		if (e->key && (e->flags & ~1u) == TSN_NFT_XFRM_DIR(0))
			return loaded(xfrm_value(p, r, e));
		return loaded(load_unknown(r, e, e->len ? e->len : 4) ? 1 :
									-1);
	case TSN_NFT_CMP:
	case TSN_NFT_RANGE:
		return exec_cmp(r, e, why);
	case TSN_NFT_BITWISE:
		return exec_bitwise(r, e);
	case TSN_NFT_BYTEORDER:
		return exec_byteorder(r, e);
	case TSN_NFT_LOOKUP:
		return exec_lookup(r, e, why);
	case TSN_NFT_DYNSET:
		return tsn_nft_exec_dynset(r, e, why);
	case TSN_NFT_IMMEDIATE:
		return exec_imm(r, e);
	case TSN_NFT_META_SET:
		if (e->key == NFT_META_MARK) {
			r->c.mark_known = tsn_nft_in_regs(e->sreg, 4) &&
					  !tsn_nft_unknown_src(r, e->sreg, 4);
			if (r->c.mark_known)
				memcpy(&r->c.mark, r->v + e->sreg, 4);
		}
		return TSN_NFT_STEP_CONT;
	case TSN_NFT_NOTRACK:
		/* Only before conntrack: an entry, once there, stays. */
		if (r->before_ct < 0 && r->c.ct == TSN_NFT_CT_TRACKED)
			r->c.ct = TSN_NFT_CT_UNSURE;
		else if (r->before_ct > 0)
			r->c.ct = TSN_NFT_CT_UNTRACKED;
		return TSN_NFT_STEP_CONT;
	case TSN_NFT_BREAK:
		return TSN_NFT_STEP_BREAK;
	case TSN_NFT_REJECT:
		r->verdict = NF_DROP;
		return TSN_NFT_STEP_VERDICT;
	case TSN_NFT_MATCH_UNKNOWN:
		return TSN_NFT_STEP_FORK;
	case TSN_NFT_TERM_UNKNOWN:
		return TSN_NFT_STEP_UNKNOWN;
	}
	return TSN_NFT_STEP_UNKNOWN;
}
