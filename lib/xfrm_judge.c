/* xfrm_judge.c - whose an IPsec state or policy is, how to name and
 * remove it, and whether tsnet's own SAs between two nodes agree.
 *
 * Pure functions over struct tsn_xfrm_seen (lib/xfrm.h): preflight's
 * xfrm.foreign check, enable-ipsec's refusal and status's drift and SA
 * sanity all decide with these, so the three say the same of one entry.
 */
#include <arpa/inet.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lib/xfrm.h"

bool tsn_xfrm_in_prefix(const uint8_t *net, unsigned len, const uint8_t *a,
			int family)
{
	unsigned max = family == AF_INET ? 32 : 128, k;

	if (len > max)
		return false;
	for (k = 0; k + 8 <= len; k += 8)
		if (net[k / 8] != a[k / 8])
			return false;
	return k == len ||
	       !((net[k / 8] ^ a[k / 8]) & (uint8_t)(0xff << (8 - len % 8)));
}

bool tsn_xfrm_between(const struct tsn_xfrm_seen *s, int family,
		      const uint8_t *self, const uint8_t *peer)
{
	if (s->family != family)
		return false;
	return (tsn_xfrm_in_prefix(s->src, s->src_len, self, family) &&
		tsn_xfrm_in_prefix(s->dst, s->dst_len, peer, family)) ||
	       (tsn_xfrm_in_prefix(s->src, s->src_len, peer, family) &&
		tsn_xfrm_in_prefix(s->dst, s->dst_len, self, family));
}

bool tsn_xfrm_ours(const struct tsn_xfrm_seen *s, bool enabled, int family,
		   const uint8_t *self, const uint8_t (*peers)[16],
		   size_t n_peers)
{
	unsigned full = s->family == AF_INET ? 32 : 128;

	if (!enabled || s->src_len != full || s->dst_len != full)
		return false;
	/* charon's transport-mode policies allow and name a template; a
	 * block is someone's way of stopping the traffic */
	if (s->policy && s->action != XFRM_POLICY_ALLOW)
		return false;
	for (size_t i = 0; i < n_peers; i++)
		if (tsn_xfrm_between(s, family, self, peers[i]))
			return true;
	return false;
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_ESP: return "esp";
	case IPPROTO_AH: return "ah";
	case IPPROTO_COMP: return "comp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "ipv6-icmp";
	default: return NULL;
	}
}

/* " proto udp sport 500 dport 4500": the selector past its addresses */
static void sel_tail(const struct tsn_xfrm_seen *s, char *buf, size_t len)
{
	const char *pn = proto_name(s->proto);
	int n = 0;

	buf[0] = '\0';
	if (s->proto && pn)
		n = snprintf(buf, len, " proto %s", pn);
	else if (s->proto)
		n = snprintf(buf, len, " proto %u", s->proto);
	if (n < 0 || (size_t)n >= len)
		return;
	if (s->sport || s->dport)
		snprintf(buf + n, len - (size_t)n, "%s%.0u%s%.0u",
			 s->sport ? " sport " : "", s->sport,
			 s->dport ? " dport " : "", s->dport);
}

void tsn_xfrm_describe(const struct tsn_xfrm_seen *s, char *buf, size_t len)
{
	static const char *const dirs[] = { "in", "out", "fwd" };
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], tail[64];
	const char *pn = proto_name(s->proto);

	inet_ntop(s->family, s->src, a, sizeof(a));
	inet_ntop(s->family, s->dst, b, sizeof(b));
	if (!s->policy) {
		snprintf(buf, len, "state %s %s -> %s spi 0x%08x",
			 pn ? pn : "other", a, b, s->spi);
		return;
	}
	sel_tail(s, tail, sizeof(tail));
	snprintf(buf, len, "policy %s %s/%u -> %s/%u%s action %s priority %u "
		 "index %u", dirs[s->dir % 3], a, s->src_len, b, s->dst_len,
		 tail, s->action == XFRM_POLICY_BLOCK ? "block" : "allow",
		 s->priority, s->index);
}

void tsn_xfrm_fix(const struct tsn_xfrm_seen *s, char *buf, size_t len)
{
	static const char *const dirs[] = { "in", "out", "fwd" };
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], tail[64];
	const char *pn = proto_name(s->proto);

	inet_ntop(s->family, s->src, a, sizeof(a));
	inet_ntop(s->family, s->dst, b, sizeof(b));
	if (!s->policy) {
		if (pn)
			snprintf(buf, len, "ip xfrm state delete src %s dst %s "
				 "proto %s spi 0x%08x", a, b, pn, s->spi);
		else
			snprintf(buf, len, "ip xfrm state delete src %s dst %s "
				 "proto %u spi 0x%08x", a, b, s->proto, s->spi);
		return;
	}
	sel_tail(s, tail, sizeof(tail));
	snprintf(buf, len, "ip xfrm policy delete dir %s src %s/%u dst %s/%u%s",
		 dirs[s->dir % 3], a, s->src_len, b, s->dst_len, tail);
}

/* ---- tsnet's SAs between two nodes ---- */

static bool same_state(const struct tsn_xfrm_seen *x,
		       const struct tsn_xfrm_seen *y)
{
	size_t n = x->family == AF_INET ? 4 : 16;

	return x->family == y->family && x->spi == y->spi &&
	       x->proto == y->proto && !memcmp(x->src, y->src, n) &&
	       !memcmp(x->dst, y->dst, n);
}

void tsn_xfrm_peer_sas(const struct tsn_xfrm_list *l, int family,
		       const uint8_t *self, const uint8_t *peer,
		       struct tsn_xfrm_peer_sas *out)
{
	size_t n = family == AF_INET ? 4 : 16;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < l->n; i++) {
		const struct tsn_xfrm_seen *s = &l->s[i];
		bool dup = false;

		if (s->policy || s->proto != IPPROTO_ESP || s->family != family)
			continue;
		for (unsigned k = 0; k < i && !dup; k++)
			dup = !l->s[k].policy && same_state(s, &l->s[k]);
		if (dup) {
			out->dup++;
			continue;
		}
		if (!memcmp(s->src, self, n) && !memcmp(s->dst, peer, n)) {
			if (out->out < 4)
				out->spi_out[out->out] = s->spi;
			out->out++;
		} else if (!memcmp(s->src, peer, n) && !memcmp(s->dst, self, n)) {
			if (out->in < 4)
				out->spi_in[out->in] = s->spi;
			out->in++;
		}
	}
}

static bool has(const uint32_t *spis, unsigned n, uint32_t spi)
{
	for (unsigned i = 0; i < n && i < 4; i++)
		if (spis[i] == spi)
			return true;
	return false;
}

bool tsn_xfrm_spis_match(const struct tsn_xfrm_peer_sas *a,
			 const struct tsn_xfrm_peer_sas *b, const char *a_name,
			 const char *b_name, char *why, size_t len)
{
	for (unsigned i = 0; i < a->out && i < 4; i++)
		if (!has(b->spi_in, b->in, a->spi_out[i])) {
			snprintf(why, len, "%s sends to %s with SPI 0x%08x, "
				 "which %s has no SA for", a_name, b_name,
				 a->spi_out[i], b_name);
			return false;
		}
	for (unsigned i = 0; i < b->out && i < 4; i++)
		if (!has(a->spi_in, a->in, b->spi_out[i])) {
			snprintf(why, len, "%s sends to %s with SPI 0x%08x, "
				 "which %s has no SA for", b_name, a_name,
				 b->spi_out[i], a_name);
			return false;
		}
	return true;
}
