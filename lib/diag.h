/* diag.h - from findings to causes (lib/diag.c, lib/diag_locate.c).
 *
 * Findings that share a cause become one problem with its scope: the
 * same host check failing on several nodes, the same rule of one node's
 * firewall dropping several peers, the same flow lost on the path
 * between two subnets.  A path problem is placed in the smallest scope
 * that explains every failing pair and no passing one: one node's way
 * in or out, a node, a subnet pair, or everything.
 *
 * Pure functions over the report model and plain arrays: no I/O, so
 * tests/unit/test_diag.c drives them with tables of cases.
 */
#ifndef TSN_DIAG_H
#define TSN_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output.h"

/* What to fix first (tsn_problem.rank): a fix that removes others goes
 * first.  A node that could not be checked hides everything else on it;
 * a kernel without ESP, or a port held by another daemon, stops IPsec
 * whatever the network does; a firewall that shadows nftables explains
 * drops the rules do not, and a route by the wrong interface or from the
 * wrong address explains what the probe lost or saw translated; host
 * drops before path drops, which the host drops would mask. */
enum tsn_rank {
	TSN_RANK_NODE = 0,
	TSN_RANK_KERNEL = 10,
	TSN_RANK_DAEMON = 20,
	TSN_RANK_SHADOW = 30,
	TSN_RANK_ROUTE = 35,
	TSN_RANK_FIREWALL = 40,
	TSN_RANK_UNDECIDED = 45,
	TSN_RANK_PATH = 50,
	TSN_RANK_NAT = 55,
	TSN_RANK_MTU = 60,
	TSN_RANK_SYSCTL = 70,
	TSN_RANK_CLOCK = 80,
	TSN_RANK_OTHER = 90,
};

/* The rank of a host check by its id ("kernel.esp" -> TSN_RANK_KERNEL). */
int tsn_diag_check_rank(const char *id);

/* ---- host checks ---- */

/* One problem per check id that fails or warns on some node, with the
 * nodes as its scope: "kernel.esp: fails on 3 of 3 nodes: ...".  Checks
 * whose id starts with one of skip (NULL-terminated, may be NULL) are
 * left to the caller, which made better problems of them.  Nodes that
 * could not be checked are one problem per reason. */
int tsn_diag_checks(struct tsn_report *r, const char *const *skip);

/* ---- firewall drops ---- */

/* One flow a node's own firewall drops, and the rule that drops it. */
struct tsn_diag_drop {
	const char *node;	/* whose firewall */
	bool out;		/* its output; else its input */
	const char *peer;	/* the other end */
	const char *proto;	/* "udp500", "udp4500", "esp" */
	bool v6;		/* the peer's IPv6 address */
	/* the rule; table NULL: unknown (no trace) */
	const char *family;	/* "inet" */
	const char *table;	/* "filter" */
	const char *chain;	/* "input" */
	uint64_t handle;	/* 0 with policy */
	bool policy;		/* the chain's policy, not a rule */
	const char *text;	/* as `nft -a list ruleset` prints it, or NULL */
	const char *unknown;	/* table NULL: what was seen instead */
	bool undecided;		/* the evaluator cannot tell: unknown says
				 * why (a warning, not a drop) */
	bool seen;		/* the probe's packet met it (else the
				 * evaluator's verdict for a new flow) */
	uint8_t view;		/* enum tsn_diag_view */
};

/* Where the ruleset's evaluator and the probe disagree about one flow,
 * the problem says both: a rule the evaluator does not read as the
 * kernel runs it, or a drop outside nftables. */
enum tsn_diag_view {
	TSN_VIEW_SAME = 0,	/* they agree, or only one could tell */
	TSN_VIEW_PASSED,	/* the evaluator drops a new flow; the
				 * probe's packets passed (no conntrack
				 * entry let them) */
	TSN_VIEW_ACCEPTS,	/* the probe's packet was dropped; the
				 * evaluator accepts a new flow */
	TSN_VIEW_ESTABLISHED,	/* the probe's packets passed only through
				 * a conntrack entry they did not make:
				 * one cause, one line */
};

/* One problem per node, direction and rule: "n2's firewall drops
 * incoming UDP 4500 and ESP from every peer (n1, n3, n4): table inet
 * filter chain input: policy drop"; where a drop's view is not
 * TSN_VIEW_SAME the line ends with both views and the peers.  A drop whose rule is unknown (the
 * probe saw it, no trace named the rule) is left out where another drop
 * of the same flow names the rule.  peers: how many peers each node has
 * (for "every peer"). */
int tsn_diag_drops(struct tsn_report *r, const struct tsn_diag_drop *d,
		   size_t n, size_t peers, const char *fix);

/* Drops collected from several sources (the ruleset's evaluator, the
 * probe's trace), each copied with its strings (diag_set.c). */
struct tsn_diag_set {
	struct tsn_diag_drop *drops;
	size_t n_drops;
	char **strs;
	size_t n_strs;
};
int tsn_diag_set_drop(struct tsn_diag_set *s, const struct tsn_diag_drop *d);
void tsn_diag_set_free(struct tsn_diag_set *s);

/* ---- where on the path (diag_locate.c) ---- */

enum tsn_pair_state { TSN_PS_NONE, TSN_PS_PASS, TSN_PS_FAIL };

enum tsn_scope_kind {
	TSN_SCOPE_PAIRS,	/* the failing pairs, nothing smaller */
	TSN_SCOPE_INTO,		/* every path into one node */
	TSN_SCOPE_FROM,		/* every path out of one node */
	TSN_SCOPE_NODE,		/* every path into and out of one node */
	TSN_SCOPE_SUBNET_TO,	/* every path from one subnet to another */
	TSN_SCOPE_SUBNETS,	/* every path between two subnets */
	TSN_SCOPE_ALL,		/* every path */
};

/* n nodes; st[a * n + b] is the state of a -> b (a != b). */
struct tsn_grid {
	size_t n;
	const char *const *names;	/* node names */
	const int *subnet;		/* per node: index in subnets, or -1;
					 * NULL: none known */
	const char *const *subnets;	/* "198.18.1.0/24" */
	const uint8_t *st;
};

struct tsn_scope {
	enum tsn_scope_kind kind;
	int node;		/* INTO, FROM, NODE */
	int sa, sb;		/* SUBNET_TO: sa -> sb; SUBNETS */
};

/* Split the failing pairs into scopes: one that explains them all when
 * there is one (the smallest; where equally small ones compete, the
 * evidence cannot choose and the pairs are named), else as few as
 * explain most, and the rest as pairs.  who[a * n + b] gets the index
 * of the scope that explains a -> b, -1 where it does not fail.  Returns
 * the number of scopes (at most max), or -errno. */
int tsn_locate(const struct tsn_grid *g, struct tsn_scope *out, size_t max,
	       int *who);
/* Whether a -> b lies in the scope (PAIRS: never; use who). */
bool tsn_scope_has(const struct tsn_grid *g, const struct tsn_scope *s,
		   size_t a, size_t b);
/* The scope in words, after "is dropped on ": "the path between
 * 198.18.1.0/24 and 198.18.2.0/24: 4 of 6 pairs; pairs inside each
 * subnet pass".  k is the scope's index in who.  0 or -ENOMEM. */
int tsn_scope_words(const struct tsn_grid *g, const struct tsn_scope *s,
		    const int *who, int k, struct tsn_buf *out);
/* The scope as a short location ("between 198.18.1.0/24 and
 * 198.18.2.0/24", "to n3"), for the problem's where. */
int tsn_scope_where(const struct tsn_grid *g, const struct tsn_scope *s,
		    const int *who, int k, struct tsn_buf *out);

/* The nodes of an inventory as a grid's rows (diag_set.c): their names
 * and, where the inventory lists subnets, the most specific one that
 * holds each node's address (address6 with v6). */
struct tsn_inventory;
struct tsn_diag_net {
	size_t n;
	const char **names;
	int *subnet;
	char **subnets;
	size_t n_subnets;
	/* n * n, NULL when none: a's own route to b is wrong, so what the
	 * probe saw of a -> b is the route's problem: TSN_NET_SOURCE, it
	 * arrives from another address (no NAT's doing); TSN_NET_LOST, it
	 * leaves by another interface, or there is no route (no path's). */
	uint8_t *route;
};
enum { TSN_NET_SOURCE = 1, TSN_NET_LOST = 2 };
int tsn_diag_net_init(struct tsn_diag_net *net,
		      const struct tsn_inventory *inv, bool v6);
/* Node i's subnet as its host reported it ("198.18.1.0/24"), where the
 * inventory names none. */
int tsn_diag_net_subnet(struct tsn_diag_net *net, size_t i,
			const char *prefix);
int tsn_diag_net_index(const struct tsn_diag_net *net, const char *name);
/* Mark a -> b in route (TSN_NET_SOURCE or TSN_NET_LOST). */
int tsn_diag_net_route(struct tsn_diag_net *net, const char *a,
		       const char *b, int what);
void tsn_diag_net_free(struct tsn_diag_net *net);

/* ---- the summary's folded lines ---- */

/* One check id across the nodes: "ok on 30 nodes", or "ok on 28 nodes;
 * fail on n3, n7". */
int tsn_diag_fold_check(const struct tsn_report *r, const char *id,
			struct tsn_buf *out);
/* One protocol across the pairs: "ok on 12 pairs", or "ok on 4 of 12
 * pairs; not-arrived on 8".  *bad: some verdict is not good. */
int tsn_diag_fold_proto(const struct tsn_report *r, const char *proto,
			struct tsn_buf *out, bool *bad);

/* "UDP 500", "UDP 4500", "ESP" for "udp500", ...; else the name. */
const char *tsn_diag_proto_name(const char *proto);

#endif
