/* node.h - `tsnet node add|remove`: the inventory side (node_cmd.c) and
 * the IPsec side (node_apply.c), which configures only the nodes the
 * change concerns through the agent action ipsec-apply.
 */
#ifndef TSN_NODE_H
#define TSN_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/cmd.h"
#include "lib/inventory.h"

struct tsn_node_change {
	const struct tsn_inventory *inv;	/* the new inventory */
	const char *text;		/* its normalised text */
	const char *name;		/* the node added or removed */
	bool add;
	const struct tsn_inventory *old;	/* remove: it is still here */
	unsigned timeout;
};

/* Configure IPsec for the change on the nodes where tsnet enabled it:
 * add: the new node's pairs get fresh keys, its peers keep their other
 * pairs' keys (ipsec-apply keeps a key the request does not carry);
 * remove: the leaving node is cleaned (ipsec-remove) and the others drop
 * its connection and key.  Prints what happened; returns an exit code. */
int tsn_node_apply(struct tsn_ctx *ctx, const struct tsn_node_change *c);

/* preflight --fix's nftables member sets follow the new inventory on
 * every node (where a fix is in place); a leaving node's fix is undone.
 * Prints what changed, warns about what failed; 0 or -errno. */
int tsn_node_member_set(const struct tsn_inventory *inv,
			const struct tsn_inventory *old, const char *name,
			bool add);

/* One thing node add|remove did: a line on stdout, or with --json an
 * element of "events":[{"node","peer","result","message"}] printed by
 * tsn_node_say_end() (node_cmd.c).  peer may be NULL. */
void tsn_node_say(const char *node, const char *peer, const char *result,
		  const char *fmt, ...) TSN_PRINTF(4, 5);

#endif
