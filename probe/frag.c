/* frag.c - give a non-first IP fragment the class of its first fragment.
 *
 * Only the first fragment of a datagram holds the UDP ports that tell
 * ESP-in-UDP, IKE and keepalives from cleartext; without this, every
 * later fragment of a large ESP-in-UDP packet would be reported as a
 * cleartext leak.  A fixed, direct-mapped table (packet.h says why and
 * what is lost) keeps memory flat in the size of a capture.
 */
#include <string.h>
#include <sys/socket.h>

#include "probe/packet.h"

static size_t addr_len(const struct tsn_pkt *pkt)
{
	return pkt->src.family == AF_INET6 ? 16 : 4;
}

/* FNV-1a over the key's bytes: cheap, and spreads the identification
 * (which counts up per sender) over the slots. */
static size_t slot_of(const struct tsn_pkt *pkt)
{
	size_t n = addr_len(pkt), i;
	uint32_t h = 2166136261u;

	for (i = 0; i < n; i++) {
		h = (h ^ pkt->src.a[i]) * 16777619u;
		h = (h ^ pkt->dst.a[i]) * 16777619u;
	}
	h = (h ^ pkt->l4proto) * 16777619u;
	for (i = 0; i < 4; i++)
		h = (h ^ (uint8_t)(pkt->frag_id >> (8 * i))) * 16777619u;
	return h % TSN_FRAG_SLOTS;
}

static bool same_key(const struct tsn_frag_slot *s, const struct tsn_pkt *pkt)
{
	size_t n = addr_len(pkt);

	return s->family == (n == 16 ? 6 : 4) && s->id == pkt->frag_id &&
	       s->proto == pkt->l4proto && !memcmp(s->src, pkt->src.a, n) &&
	       !memcmp(s->dst, pkt->dst.a, n);
}

static void remember(struct tsn_frag_slot *s, const struct tsn_pkt *pkt,
		     int64_t now)
{
	size_t n = addr_len(pkt);

	memset(s, 0, sizeof(*s));
	memcpy(s->src, pkt->src.a, n);
	memcpy(s->dst, pkt->dst.a, n);
	s->family = n == 16 ? 6 : 4;
	s->id = pkt->frag_id;
	s->proto = pkt->l4proto;
	s->cls = (uint8_t)pkt->cls;
	s->seen = now;
	s->has_ports = pkt->has_ports;
	s->sport = pkt->sport;
	s->dport = pkt->dport;
	s->spi = pkt->spi;
}

bool tsn_frag_attribute(struct tsn_frags *f, struct tsn_pkt *pkt, int64_t now)
{
	struct tsn_frag_slot *s;
	int64_t age;

	if (pkt->cls < TSN_PKT_ESP || (!pkt->fragment && !pkt->more_frags))
		return false;	/* not IP, cut short, or not a fragment */
	s = &f->slot[slot_of(pkt)];
	if (!pkt->fragment) {
		remember(s, pkt, now);
		return false;
	}
	/* merged captures may step back in time: age either way */
	age = now - s->seen;
	if (!same_key(s, pkt) || age > TSN_FRAG_TTL || age < -TSN_FRAG_TTL) {
		pkt->orphan = true;
		return false;
	}
	pkt->cls = (enum tsn_pkt_class)s->cls;
	pkt->has_ports = s->has_ports;
	pkt->sport = s->sport;
	pkt->dport = s->dport;
	pkt->spi = s->spi;
	return true;
}
