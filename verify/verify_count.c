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
	v->now = &v->pend[0];
	v->before = &v->pend[1];
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

/* A table, not a switch: the class of a packet is what a capture mixes
 * at random, and a branch on it would be mispredicted. */
static const uint8_t vcls[] = {
	[TSN_PKT_NOT_IP] = TSN_V_NON_IP,
	[TSN_PKT_TRUNCATED] = TSN_V_TRUNCATED,
	[TSN_PKT_MALFORMED] = TSN_V_TRUNCATED,
	[TSN_PKT_ESP] = TSN_V_ESP,
	[TSN_PKT_ESP_IN_UDP] = TSN_V_ESP_IN_UDP,
	[TSN_PKT_IKE] = TSN_V_IKE,
	[TSN_PKT_NAT_KEEPALIVE] = TSN_V_NAT_KEEPALIVE,
	[TSN_PKT_AH] = TSN_V_AH,
	[TSN_PKT_CLEARTEXT] = TSN_V_CLEARTEXT,
};

/* Each packet is counted in its pair one packet late: its slot is asked
 * of memory now (prefetched) and read while libpcap reads the next
 * record.  Measured: the slot's cache miss was as long as classifying;
 * this hides most of it. */
void tsn_verify_frame(struct tsn_verify *v, const uint8_t *frame,
		      size_t caplen, int64_t sec, uint32_t usec)
{
	struct tsn_vpend *q = v->now, *prev = v->before;

	v->now = prev;		/* the two take turns */
	v->before = q;
	v->packets++;
	tsn_classify_frame(v->dlt, frame, caplen, &q->pkt);
	if (q->pkt.fragment || q->pkt.more_frags)
		tsn_frag_attribute(v->frags, &q->pkt, sec);
	q->c = vcls[q->pkt.cls];
	v->totals[q->c]++;
	/* a packet cut before its addresses has no pair */
	q->has_pair = q->c != TSN_V_NON_IP && q->pkt.src.family;
	q->number = v->packets;
	q->sec = sec;
	q->usec = usec;
	tsn_vpairs_step(v, q, prev);
}

void tsn_verify_settle(struct tsn_verify *v)
{
	/* the later one is counted, the earlier was */
	tsn_vpairs_step(v, NULL, v->before);
	tsn_vpairs_settle(&v->pairs);
}
