/* conntrack.h - look up and delete exact conntrack entries (ctnetlink,
 * through libmnl).
 *
 * The probe uses this to leave no trace of its own packets: conntrack
 * keeps an entry for each of them (UDP 500/4500 for 120 s once answered,
 * ESP as the generic protocol 50 for 600 s), and a ruleset that accepts
 * `ct state established` would let the next run's identical packets
 * through whatever it says for a new flow.  Only whole tuples are ever
 * named: nothing here flushes or matches by mask, so an entry the caller
 * did not name (a real IKE or ESP flow) is never touched.
 */
#ifndef TSN_CONNTRACK_H
#define TSN_CONNTRACK_H

#include <stddef.h>
#include <stdint.h>

/* One direction of a flow, as the kernel keys it: addresses, protocol,
 * and ports for TCP/UDP (zero for protocols conntrack tracks without
 * them, such as ESP on a kernel without an ESP tracker). */
struct tsn_ct_tuple {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];
	uint8_t proto;			/* IPPROTO_UDP, IPPROTO_ESP, ... */
	uint16_t sport, dport;		/* host order; 0 without ports */
};

enum tsn_ct_op { TSN_CT_GET, TSN_CT_DELETE };

struct tsn_ct;

int tsn_ct_open(struct tsn_ct **ct);
void tsn_ct_close(struct tsn_ct *ct);

/* For each of the n tuples, look its entry up (GET) or delete it.  The
 * kernel finds an entry by either of its directions, so one tuple names
 * the whole flow.  res[i]: 0 done (GET: the entry exists and ids[i], when
 * ids is not NULL, holds its id), -ENOENT no such entry, or another
 * -errno.  Returns 0 when every answer came back, else -errno. */
int tsn_ct_batch(struct tsn_ct *ct, enum tsn_ct_op op,
		 const struct tsn_ct_tuple *t, size_t n, int *res,
		 uint32_t *ids);

#endif
