/* classify.c - what is this captured packet: ESP, ESP-in-UDP, IKE, a NAT
 * keepalive, or cleartext (and which protocol and ports)?
 *
 * `enable-ipsec` and `verify` run every packet of a capture through this
 * to prove a pair is encrypted and to name each cleartext leak, and the
 * probe listener uses it on libpcap frames and raw-socket reads.  Every
 * byte comes from the wire: read through a cursor bounded by caplen,
 * never by a length field, and walk IPv6 extension headers at most
 * TSN_IPV6_MAX_EXT times.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/cur.h"
#include "probe/packet.h"

#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4
#define MAX_VLAN_TAGS 4		/* 802.1ad + 802.1Q is 2; more is odd */
#define NULL_HDR_LEN 4
#define SLL_HDR_LEN 16
#define SLL2_HDR_LEN 20
#define IPV4_MIN_HDR 20
#define IPV6_HDR_LEN 40
#define UDP_HDR_LEN 8

_Static_assert(SLL_HDR_LEN == 2 + 2 + 2 + 8 + 2, "DLT_LINUX_SLL header");
_Static_assert(SLL2_HDR_LEN == 2 + 2 + 4 + 2 + 1 + 1 + 8,
	       "DLT_LINUX_SLL2 header");

/* The path every packet takes is one function once inlined: each call
 * of the walk cost its own prologue and spills, together more than the
 * checks (callgrind: 180 instructions a packet, 110 inlined). */
#define HOT inline __attribute__((always_inline))

enum {
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	ETHERTYPE_VLAN = 0x8100,
	ETHERTYPE_QINQ = 0x88a8,
	ETHERTYPE_QINQ_OLD = 0x9100,	/* before 802.1ad had a number */
};

/* Address families in a DLT_NULL/DLT_LOOP header: IPv6 has a different
 * number on every BSD (and on Windows, whose Npcap loopback uses it). */
enum {
	BSD_AF_INET = 2,
	WIN_AF_INET6 = 23,
	BSD_AF_INET6 = 24,	/* NetBSD, OpenBSD */
	FREEBSD_AF_INET6 = 28,
	DARWIN_AF_INET6 = 30,
};

/* A copy of a zero struct, not memset: GCC turns a memset of this size
 * into `rep stosq`, whose start-up cost was half the time of classifying
 * a packet (measured with perf on 10 million). */
static void clear(struct tsn_pkt *pkt)
{
	static const struct tsn_pkt zero;

	*pkt = zero;
}

/* A big-endian field of a header already copied out of the packet. */
static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int verdict(struct tsn_pkt *pkt, enum tsn_pkt_class cls,
		   const char *why)
{
	pkt->cls = cls;
	pkt->why = why;
	return 0;
}

/* The same, for helpers whose 0 means "go on". */
static int stop(struct tsn_pkt *pkt, enum tsn_pkt_class cls, const char *why)
{
	verdict(pkt, cls, why);
	return -1;
}

/* UDP: 500 is IKE; 4500 is demultiplexed by its first bytes (RFC 3948
 * 2.2): one 0xff is a NAT keepalive, four zero bytes are the non-ESP
 * marker (IKE follows), anything else starts with an ESP SPI. */
static HOT int classify_udp(struct cur *c, size_t payload, struct tsn_pkt *pkt)
{
	uint8_t h[UDP_HDR_LEN];
	uint16_t ulen;
	uint32_t spi;

	/* the whole header in one check, then its fields */
	if (cur_bytes(c, h, sizeof(h)))
		return verdict(pkt, TSN_PKT_TRUNCATED, "UDP header cut short");
	pkt->sport = be16(h);
	pkt->dport = be16(h + 2);
	ulen = be16(h + 4);
	pkt->has_ports = true;
	/* A first fragment holds only part of the datagram its UDP length
	 * counts; anything else must fit in its IP payload. */
	if (ulen < UDP_HDR_LEN || (ulen > payload && !pkt->more_frags))
		return verdict(pkt, TSN_PKT_MALFORMED,
			       "UDP length outside the IP payload");
	payload = ulen - UDP_HDR_LEN;
	if (pkt->sport == TSN_IKE_NATT_PORT || pkt->dport == TSN_IKE_NATT_PORT) {
		if (payload == 1 && cur_has(c, 1) && c->p[0] == 0xff)
			return verdict(pkt, TSN_PKT_NAT_KEEPALIVE, NULL);
		if (payload < 4)
			return verdict(pkt, payload > c->left ?
				       TSN_PKT_TRUNCATED : TSN_PKT_CLEARTEXT,
				       "UDP 4500 payload shorter than an SPI");
		if (cur_u32(c, &spi))	/* snapped before the SPI */
			return verdict(pkt, TSN_PKT_TRUNCATED,
				       "UDP 4500 payload cut before the SPI");
		if (spi == 0)
			return verdict(pkt, TSN_PKT_IKE, NULL);
		pkt->spi = spi;
		return verdict(pkt, TSN_PKT_ESP_IN_UDP, NULL);
	}
	if (pkt->sport == TSN_IKE_PORT || pkt->dport == TSN_IKE_PORT)
		return verdict(pkt, TSN_PKT_IKE, NULL);
	return verdict(pkt, TSN_PKT_CLEARTEXT, NULL);
}

/* The transport header, at c, of a packet whose IP payload is payload
 * bytes long (per the IP header; c may hold fewer when snapped). */
static HOT int classify_l4(struct cur *c, size_t payload, struct tsn_pkt *pkt)
{
	uint32_t spi;

	/* A non-first fragment has no L4 header.  Fragments of ESP are as
	 * encrypted as the rest of the packet (SPI unknown here), and of AH
	 * as authenticated; any other fragment is cleartext of its protocol
	 * until its first fragment says otherwise (probe/frag.c). */
	if (pkt->fragment)
		return verdict(pkt, pkt->l4proto == IPPROTO_ESP ? TSN_PKT_ESP :
			       pkt->l4proto == IPPROTO_AH ? TSN_PKT_AH :
			       TSN_PKT_CLEARTEXT, NULL);
	switch (pkt->l4proto) {
	case IPPROTO_ESP:
		if (cur_u32(c, &spi))
			return verdict(pkt, TSN_PKT_TRUNCATED,
				       "ESP header cut before the SPI");
		pkt->spi = spi;
		return verdict(pkt, TSN_PKT_ESP, NULL);
	case IPPROTO_AH:
		/* next header, length, reserved, then the SPI (RFC 4302) */
		if (cur_skip(c, 4) || cur_u32(c, &spi))
			return verdict(pkt, TSN_PKT_TRUNCATED,
				       "AH header cut before the SPI");
		pkt->spi = spi;
		return verdict(pkt, TSN_PKT_AH, NULL);
	case IPPROTO_UDP:
		return classify_udp(c, payload, pkt);
	case IPPROTO_TCP:
	case IPPROTO_SCTP:
		if (cur_u16(c, &pkt->sport) || cur_u16(c, &pkt->dport))
			return verdict(pkt, TSN_PKT_TRUNCATED,
				       "ports cut short");
		pkt->has_ports = true;
		break;
	}
	return verdict(pkt, TSN_PKT_CLEARTEXT, NULL);
}

static HOT int classify_v4(struct cur *c, const uint8_t *start,
		       struct tsn_pkt *pkt)
{
	uint8_t h[IPV4_MIN_HDR];
	uint16_t tot, frag;
	size_t ihl;

	/* The fixed header in one bounds check, then its fields at their
	 * offsets (a check per field was a third of classifying). */
	if (cur_bytes(c, h, sizeof(h)))
		return verdict(pkt, TSN_PKT_TRUNCATED, "IPv4 header cut short");
	tot = be16(h + 2);
	frag = be16(h + 6);
	pkt->l4proto = h[9];
	pkt->src.family = pkt->dst.family = AF_INET;
	memcpy(pkt->src.a, h + 12, 4);
	memcpy(pkt->dst.a, h + 16, 4);
	pkt->ip_len = tot;
	ihl = (size_t)(h[0] & 0x0f) * 4;
	if (ihl < IPV4_MIN_HDR || tot < ihl)
		return verdict(pkt, TSN_PKT_MALFORMED,
			       "IPv4 header length below 20 or above total");
	if (cur_skip(c, ihl - IPV4_MIN_HDR))	/* options, as captured */
		return verdict(pkt, TSN_PKT_TRUNCATED, "IPv4 options cut short");
	pkt->fragment = (frag & 0x1fff) != 0;
	pkt->more_frags = (frag & 0x2000) != 0;
	pkt->frag_id = be16(h + 4);
	pkt->l4_off = (size_t)(c->p - start);
	/* The IP header's length bounds the payload, and the capture bounds
	 * what we may read of it: a padded Ethernet frame must not make
	 * trailer bytes look like UDP payload. */
	if (c->left > (size_t)(tot - ihl))
		c->left = tot - ihl;
	return classify_l4(c, tot - ihl, pkt);
}

static bool ipv6_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT;
}

/* Step over one IPv6 extension header of type t at c; avail is how much
 * of the IP payload (per the header) is left.  0, or -1 with a verdict. */
static int skip_ext(struct cur *c, uint8_t t, size_t *avail, uint8_t *nh,
		    struct tsn_pkt *pkt)
{
	size_t n;

	if (*avail < 8)
		return stop(pkt, TSN_PKT_MALFORMED,
			    "IPv6 extension header past the payload length");
	if (!cur_has(c, 8))
		return stop(pkt, TSN_PKT_TRUNCATED,
			    "IPv6 extension header cut short");
	*nh = c->p[0];
	if (t == IPPROTO_FRAGMENT) {
		/* 8 bytes whatever its second byte says: next header,
		 * reserved, offset (13 bits) and M, identification */
		n = 8;
		pkt->fragment = ((c->p[2] << 8 | c->p[3]) & 0xfff8) != 0;
		pkt->more_frags = (c->p[3] & 1) != 0;
		pkt->frag_id = be32(c->p + 4);
	} else {
		n = (size_t)c->p[1] * 8 + 8;	/* 8-byte units after 8 */
	}
	if (n > *avail)
		return stop(pkt, TSN_PKT_MALFORMED,
			    "IPv6 extension header past the payload length");
	if (cur_skip(c, n))
		return stop(pkt, TSN_PKT_TRUNCATED,
			    "IPv6 extension header cut short");
	*avail -= n;
	return 0;
}

static int classify_v6(struct cur *c, const uint8_t *start,
		       struct tsn_pkt *pkt)
{
	uint8_t h[IPV6_HDR_LEN], nh, t;
	uint16_t plen;
	size_t avail;
	unsigned i;

	if (cur_bytes(c, h, sizeof(h)))
		return verdict(pkt, TSN_PKT_TRUNCATED, "IPv6 header cut short");
	plen = be16(h + 4);
	nh = h[6];
	pkt->src.family = pkt->dst.family = AF_INET6;
	memcpy(pkt->src.a, h + 8, 16);
	memcpy(pkt->dst.a, h + 24, 16);
	pkt->ip_len = (size_t)plen + IPV6_HDR_LEN;
	avail = plen;	/* jumbograms (plen 0, RFC 2675) are not on our links */
	if (c->left > avail)
		c->left = avail;
	for (i = 0; ipv6_ext(nh) && !pkt->fragment; i++) {
		/* a chain of extension headers is attacker-sized: cap it */
		if (i >= TSN_IPV6_MAX_EXT)
			return verdict(pkt, TSN_PKT_MALFORMED,
				       "too many IPv6 extension headers");
		t = nh;
		if (skip_ext(c, t, &avail, &nh, pkt))
			return 0;
	}
	pkt->l4proto = nh;
	pkt->l4_off = (size_t)(c->p - start);
	return classify_l4(c, avail, pkt);
}

/* ip is pkt->ip_off bytes into the frame. */
static HOT int classify_ip(const uint8_t *ip, size_t caplen, struct tsn_pkt *pkt)
{
	struct cur c = cur_make(ip, caplen);

	if (!cur_has(&c, 1))
		return verdict(pkt, TSN_PKT_TRUNCATED, "no IP header captured");
	switch (ip[0] >> 4) {
	case 4:
		classify_v4(&c, ip, pkt);
		break;
	case 6:
		classify_v6(&c, ip, pkt);
		break;
	default:
		return verdict(pkt, TSN_PKT_NOT_IP, "IP version not 4 or 6");
	}
	if (pkt->l4_off)
		pkt->l4_off += pkt->ip_off;
	return 0;
}

int tsn_classify_ip(const uint8_t *ip, size_t caplen, struct tsn_pkt *pkt)
{
	clear(pkt);
	return classify_ip(ip, caplen, pkt);
}

static bool is_vlan(uint16_t type)
{
	return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
	       type == ETHERTYPE_QINQ_OLD;
}

/* 802.1Q/802.1ad tags after an ethertype of *type at c: each is a TCI
 * and the next ethertype.  A stack deeper than MAX_VLAN_TAGS is not
 * walked (each tag costs the sender 4 bytes; we cap the loop anyway).
 * 0, or -1 with a verdict. */
static HOT int walk_vlan(struct cur *c, uint16_t *type, size_t *off,
		     struct tsn_pkt *pkt)
{
	unsigned tags;

	for (tags = 0; is_vlan(*type); tags++) {
		if (tags == MAX_VLAN_TAGS)
			return stop(pkt, TSN_PKT_NOT_IP, "more than 4 VLAN tags");
		if (cur_skip(c, 2) || cur_u16(c, type))
			return stop(pkt, TSN_PKT_TRUNCATED,
				    "VLAN tag cut short");
		*off += VLAN_TAG_LEN;
	}
	return 0;
}

/* DLT_NULL holds the family in the capturing host's byte order, DLT_LOOP
 * in network order; a family fits in 16 bits, so whichever order keeps
 * the top half zero is the one (tcpdump's test).  The version nibble
 * still decides between IPv4 and IPv6. */
static int link_null(struct cur *c, uint16_t *type, struct tsn_pkt *pkt)
{
	uint32_t af;

	if (cur_u32(c, &af))
		return stop(pkt, TSN_PKT_TRUNCATED, "loopback header cut short");
	if (af & 0xffff0000)
		af = __builtin_bswap32(af);
	switch (af) {
	case BSD_AF_INET:
	case WIN_AF_INET6:
	case BSD_AF_INET6:
	case FREEBSD_AF_INET6:
	case DARWIN_AF_INET6:
		*type = 0;
		return 0;
	}
	return stop(pkt, TSN_PKT_NOT_IP, "loopback family not IP");
}

/* The link-layer header of a dlt frame: sets *type (an ethertype, or 0
 * when the version nibble decides) and *off (where IP starts).  0, or -1
 * with a verdict. */
static HOT int link_header(int dlt, struct cur *c, uint16_t *type, size_t *off,
		       struct tsn_pkt *pkt)
{
	*type = 0;
	switch (dlt) {
	case TSN_DLT_EN10MB:
		*off = ETH_HDR_LEN;
		if (cur_skip(c, 12) || cur_u16(c, type))
			return stop(pkt, TSN_PKT_TRUNCATED,
				    "link header cut short");
		return walk_vlan(c, type, off, pkt);
	case TSN_DLT_LINUX_SLL:
		/* protocol is the last field */
		*off = SLL_HDR_LEN;
		if (cur_skip(c, 14) || cur_u16(c, type))
			return stop(pkt, TSN_PKT_TRUNCATED,
				    "link header cut short");
		return walk_vlan(c, type, off, pkt);
	case TSN_DLT_LINUX_SLL2:
		/* protocol is the first field */
		*off = SLL2_HDR_LEN;
		if (cur_u16(c, type) || cur_skip(c, SLL2_HDR_LEN - 2))
			return stop(pkt, TSN_PKT_TRUNCATED,
				    "link header cut short");
		return walk_vlan(c, type, off, pkt);
	case TSN_DLT_NULL:
	case TSN_DLT_LOOP:
		*off = NULL_HDR_LEN;
		return link_null(c, type, pkt);
	case TSN_DLT_RAW:
	case TSN_LINKTYPE_RAW:
	case TSN_DLT_IPV4:
	case TSN_DLT_IPV6:
		*off = 0;
		return 0;
	}
	return stop(pkt, TSN_PKT_NOT_IP, "unsupported link type");
}

int tsn_classify_frame(int dlt, const uint8_t *frame, size_t caplen,
		       struct tsn_pkt *pkt)
{
	struct cur c = cur_make(frame, caplen);
	uint16_t type;
	size_t off;

	clear(pkt);
	if (link_header(dlt, &c, &type, &off, pkt))
		return 0;
	if (off > caplen)	/* SLL's header is skipped by its size */
		return verdict(pkt, TSN_PKT_TRUNCATED, "link header cut short");
	if (type && type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6)
		return verdict(pkt, TSN_PKT_NOT_IP, "not an IP ethertype");
	pkt->ip_off = off;
	return classify_ip(frame + off, caplen - off, pkt);
}

size_t tsn_pkt_l4_len(const struct tsn_pkt *pkt, size_t caplen)
{
	size_t end = pkt->ip_off + pkt->ip_len;

	if (!pkt->l4_off || pkt->l4_off > caplen)
		return 0;
	if (end > caplen)	/* snapped: only what was captured */
		end = caplen;
	return end > pkt->l4_off ? end - pkt->l4_off : 0;
}

const char *tsn_pkt_class_name(enum tsn_pkt_class cls)
{
	static const char *const names[] = {
		[TSN_PKT_NOT_IP] = "not-ip",
		[TSN_PKT_TRUNCATED] = "truncated",
		[TSN_PKT_MALFORMED] = "malformed",
		[TSN_PKT_ESP] = "esp",
		[TSN_PKT_ESP_IN_UDP] = "esp-in-udp",
		[TSN_PKT_IKE] = "ike",
		[TSN_PKT_NAT_KEEPALIVE] = "nat-keepalive",
		[TSN_PKT_AH] = "ah",
		[TSN_PKT_CLEARTEXT] = "cleartext",
	};

	if ((unsigned)cls < sizeof(names) / sizeof(names[0]))
		return names[cls];
	return "?";
}

const char *tsn_l4_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_GRE:
		return "gre";
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_NONE:
		return "none";
	}
	return NULL;
}

const char *tsn_ip_addr_str(const struct tsn_ip_addr *ip, char *buf,
			    size_t size)
{
	if (!size)
		return buf;
	if ((ip->family != AF_INET && ip->family != AF_INET6) ||
	    !inet_ntop(ip->family, ip->a, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

int tsn_ip_addr_parse(const char *s, struct tsn_ip_addr *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->a) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, s, ip->a) == 1)
		ip->family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

static void endpoint(const struct tsn_pkt *pkt, const struct tsn_ip_addr *ip,
		     uint16_t port, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	tsn_ip_addr_str(ip, a, sizeof(a));
	if (!pkt->has_ports)
		snprintf(buf, size, "%s", a);
	else if (ip->family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", a, port);
	else
		snprintf(buf, size, "%s:%u", a, port);
}

static bool has_spi(enum tsn_pkt_class cls)
{
	return cls == TSN_PKT_ESP || cls == TSN_PKT_ESP_IN_UDP ||
	       cls == TSN_PKT_AH;
}

const char *tsn_pkt_str(const struct tsn_pkt *pkt, char *buf, size_t size)
{
	char s[INET6_ADDRSTRLEN + 8], d[INET6_ADDRSTRLEN + 8], proto[12];
	const char *cls = tsn_pkt_class_name(pkt->cls), *l4;
	const char *frag = !pkt->fragment ? "" :
			   pkt->orphan ? " (fragment, first not seen)" :
			   " (fragment)";

	if (!size)
		return buf;
	if (!pkt->src.family) {
		snprintf(buf, size, "%s: %s", cls, pkt->why ? pkt->why : "");
		return buf;
	}
	endpoint(pkt, &pkt->src, pkt->sport, s, sizeof(s));
	endpoint(pkt, &pkt->dst, pkt->dport, d, sizeof(d));
	l4 = tsn_l4_name(pkt->l4proto);
	if (!l4) {
		snprintf(proto, sizeof(proto), "proto %u", pkt->l4proto);
		l4 = proto;
	}
	if (has_spi(pkt->cls) && pkt->fragment)
		snprintf(buf, size, "%s %s > %s%s", cls, s, d, frag);
	else if (has_spi(pkt->cls))
		snprintf(buf, size, "%s %s > %s spi 0x%08x", cls, s, d,
			 pkt->spi);
	else if (pkt->why && !pkt->l4_off)	/* stopped before L4 */
		snprintf(buf, size, "%s %s > %s: %s", cls, s, d, pkt->why);
	else if (pkt->why)
		snprintf(buf, size, "%s %s %s > %s: %s", cls, l4, s, d,
			 pkt->why);
	else
		snprintf(buf, size, "%s %s %s > %s%s", cls, l4, s, d, frag);
	return buf;
}
