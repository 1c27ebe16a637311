/* plan.h - what enable-ipsec will do to a cluster: the pairs, a fresh
 * pre-shared key for each (only ever sent to the two nodes of the pair),
 * which pairs UDP-encapsulate ESP, and the plan hash every node records
 * so `tsnet status` can tell whether all nodes hold the same plan.
 */
#ifndef TSN_PLAN_H
#define TSN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enable/conf.h"
#include "lib/inventory.h"

#define TSN_PLAN_HASH_LEN 64

struct tsn_plan_pair {
	size_t a, b;			/* node indexes, name(a) < name(b) */
	bool encap;
	uint8_t psk[TSN_PSK_LEN];
};

struct tsn_plan {
	const struct tsn_inventory *inv;
	struct tsn_plan_pair *pairs;
	size_t n_pairs;
	char hash[TSN_PLAN_HASH_LEN + 1];
};

/* Every pair of the inventory, with new keys.  encap_all (--encap or the
 * inventory's encap = yes) encapsulates every pair; otherwise none until
 * the caller sets pairs[k].encap and calls tsn_plan_rehash().  With only >= 0,
 * only the pairs that include node index `only` (enable-ipsec --node)
 * get keys; the hash always covers the whole cluster.  0 or -errno. */
int tsn_plan_build(struct tsn_plan *p, const struct tsn_inventory *inv,
		   bool encap_all, long only);
/* The hash again, after the caller changed pairs' encap (enable-ipsec
 * and node add decide it per pair from the probe: encap.c).  0 or
 * -errno. */
int tsn_plan_rehash(struct tsn_plan *p);
/* Wipes the keys. */
void tsn_plan_free(struct tsn_plan *p);
/* The pair of nodes i and j, or NULL. */
struct tsn_plan_pair *tsn_plan_find(const struct tsn_plan *p, size_t i,
				    size_t j);

/* SHA-256 hex over "tsnet-plan 1\n", "cluster NAME\n", one "node NAME
 * ADDRESS\n" per member sorted by name, "ike P\nesp P\nrekey N\nauth
 * psk|x509\n", then one "encap A B\n" (A < B) per encapsulated pair,
 * sorted.  encap_pairs holds n strings "A B" (two node names and one
 * space, either order).  0 or -errno (-EINVAL for a malformed pair). */
int tsn_plan_hash(const struct tsn_inventory *inv,
		  const char *const *encap_pairs, size_t n, char out[65]);

/* Hex of a key, and back (64 lowercase hex digits). */
void tsn_psk_hex(const uint8_t psk[TSN_PSK_LEN], char out[2 * TSN_PSK_LEN + 1]);
int tsn_psk_unhex(const char *s, uint8_t psk[TSN_PSK_LEN]);

#endif
