/* verify_count.c - count one captured frame: the step the file reader
 * and a live capture share.
 *
 * The classifier says what the frame is; a fragment is given its first
 * fragment's class; the totals count every frame, the pair table every
 * IP packet of a reported pair.  Nothing here allocates: this runs once
 * per packet of captures of millions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "verify/verify.h"

const char *tsn_vcls_key(enum tsn_vcls c)
{
	static const char *const keys[TSN_V_N] = {
		[TSN_V_ESP] = "esp",
		[TSN_V_ESP_IN_UDP] = "esp_in_udp",
		[TSN_V_IKE] = "ike",
		[TSN_V_NAT_KEEPALIVE] = "nat_keepalive",
		[TSN_V_AH] = "ah",
		[TSN_V_CLEARTEXT] = "cleartext",
		[TSN_V_NON_IP] = "non_ip",
		[TSN_V_TRUNCATED] = "truncated",
	};

	return (unsigned)c < TSN_V_N ? keys[c] : "?";
}

int tsn_verify_init(struct tsn_verify *v, const struct tsn_inventory *inv,
		    bool all_pairs)
{
	int ret;

	memset(v, 0, sizeof(*v));
	v->inv = inv;
	v->all_pairs = all_pairs || !inv;
	v->frags = calloc(1, sizeof(*v->frags));
	if (!v->frags)
		return -ENOMEM;
	if ((ret = tsn_vpairs_init(&v->pairs)) < 0 ||
	    (ret = tsn_vmembers_init(&v->members, inv)) < 0) {
		tsn_verify_free(v);
		return ret;
	}
	return 0;
}

void tsn_verify_free(struct tsn_verify *v)
{
	tsn_vpairs_free(&v->pairs);
	tsn_vmembers_free(&v->members);
	free(v->frags);
	v->frags = NULL;
}

static enum tsn_vcls vcls(enum tsn_pkt_class c)
{
	switch (c) {
	case TSN_PKT_NOT_IP:
		return TSN_V_NON_IP;
	case TSN_PKT_TRUNCATED:
	case TSN_PKT_MALFORMED:
		return TSN_V_TRUNCATED;
	case TSN_PKT_ESP:
		return TSN_V_ESP;
	case TSN_PKT_ESP_IN_UDP:
		return TSN_V_ESP_IN_UDP;
	case TSN_PKT_IKE:
		return TSN_V_IKE;
	case TSN_PKT_NAT_KEEPALIVE:
		return TSN_V_NAT_KEEPALIVE;
	case TSN_PKT_AH:
		return TSN_V_AH;
	case TSN_PKT_CLEARTEXT:
		break;
	}
	return TSN_V_CLEARTEXT;
}

static void first_leak(struct tsn_verify *v, struct tsn_vpair *p,
		       const struct tsn_pkt *pkt, int64_t sec, uint32_t usec)
{
	struct tsn_vleak *l = &p->first;

	if (p == &v->pairs.over) {	/* no addresses of its own */
		p->a = pkt->src;
		p->b = pkt->dst;
	}
	l->packet = v->packets;
	l->sec = sec;
	l->usec = usec;
	l->proto = pkt->l4proto;
	l->has_ports = pkt->has_ports;
	l->sport = pkt->sport;
	l->dport = pkt->dport;
	l->fragment = pkt->fragment;
	l->orphan = pkt->orphan;
	l->a_to_b = !memcmp(&p->a, &pkt->src, sizeof(p->a));
}

void tsn_verify_frame(struct tsn_verify *v, const uint8_t *frame,
		      size_t caplen, int64_t sec, uint32_t usec)
{
	struct tsn_vpair *p;
	struct tsn_pkt pkt;
	enum tsn_vcls c;

	v->packets++;
	tsn_classify_frame(v->dlt, frame, caplen, &pkt);
	if (pkt.fragment || pkt.more_frags)
		tsn_frag_attribute(v->frags, &pkt, sec);
	c = vcls(pkt.cls);
	v->totals[c]++;
	/* a packet cut before its addresses has no pair */
	if (c == TSN_V_NON_IP || !pkt.src.family)
		return;
	p = tsn_vpairs_get(v, &pkt.src, &pkt.dst);
	if (!p)
		return;
	if (c == TSN_V_CLEARTEXT && !p->n[c])
		first_leak(v, p, &pkt, sec, usec);
	p->n[c]++;
}
