/* preflight.h - the coordinator of `tsnet preflight`: what
 * preflight_cmd.c (running the agents) hands to preflight_merge.c
 * (turning their replies into one report).
 */
#ifndef TSN_PREFLIGHT_H
#define TSN_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/diag.h"
#include "lib/inventory.h"
#include "lib/output.h"
#include "lib/transport.h"

/* Agent jobs per node, in this order. */
enum tsn_pf_job { TSN_PF_HOST, TSN_PF_NFT, TSN_PF_CLOUD, TSN_PF_JOBS };

#define TSN_PF_CLOCK_WARN 1.0	/* seconds, as `tsnet nodes` */
#define TSN_PF_CLOCK_FAIL 30.0
/* with auth = x509: a node behind by more breaks fresh certificates */
#define TSN_PF_CLOCK_CERT 5.0

/* One node's finished job and our wall clock when it ended. */
struct tsn_pf_done {
	const struct tsn_job *job;
	double end;
};

/* What the merge keeps besides the rows, for the problems: the drops
 * each node's evaluator found (with the rule's text) and the cloud the
 * nodes detected. */
struct tsn_pf_route_fault {
	char node[64];
	char peer[64];
	char id[16];		/* the problem it joins: route, xfrm.foreign */
};

/* What a node's host agent said of charon's connmark plugin: "loaded",
 * "not loaded", or "" with why (cannot tell). */
struct tsn_pf_connmark {
	char node[64];
	char has[16];
	char why[128];
};

struct tsn_pf_diag {
	struct tsn_diag_set drops;
	enum tsn_cloud cloud;
	struct tsn_diag_net net;
	/* routes that are wrong (host_route.c), peers whose traffic another
	 * IPsec setup's policy takes: their pairs join that problem */
	struct tsn_pf_route_fault *faults;
	size_t n_faults;
	/* each node's charon and the connmark plugin (nat.shared) */
	struct tsn_pf_connmark *connmark;
	size_t n_connmark;
	double probe_start;	/* the probe window's (wall clock), 0: none */
};

/* Merge a node's replies (any may have failed) into its row.  inv names
 * the peers in the firewall checks.  A job left NULL was not run (nft-eval
 * in a cluster of one node). */
int tsn_pf_merge_node(struct tsn_report *r, const struct tsn_inventory *inv,
		      const struct tsn_node *node,
		      const struct tsn_pf_done *done, struct tsn_pf_diag *pd);
/* nft-eval --extra's flows as checks nft.icmp.ptb and nft.decrypted
 * (preflight_ipsec.c). */
struct tsn_jv;
int tsn_pf_nft_ipsec(struct tsn_node_report *nr,
		     const struct tsn_inventory *inv, const struct tsn_jv *v);
/* A node's nft-fix / nft-unfix reply as checks "nft.fix" or "nft.unfix"
 * (and "nft.persist"). */
int tsn_pf_merge_fix(struct tsn_report *r, const struct tsn_node *node,
		     const struct tsn_job *job, bool unfix);

/* A cluster of one node: the row that says there is no peer to check
 * ("pairs", skip), or with fix nothing to open ("nft.fix", skip). */
int tsn_pf_merge_alone(struct tsn_report *r, const struct tsn_node *node,
		       bool fix);

/* Run the probe mesh on every node of inv and put its pair verdicts
 * into r, or a problem saying why it could not run (preflight_probe.c);
 * the problems come from the pairs, with the rest.  0 or -ENOMEM. */
int tsn_pf_probe(struct tsn_report *r, const struct tsn_inventory *inv,
		 bool err_tty, double *start);

/* A host agent reply's "connmark" into pd (preflight_connmark.c); 0 or
 * -ENOMEM.  A reply without it (--kernel) adds nothing. */
struct tsn_jv;
int tsn_pf_merge_connmark(struct tsn_pf_diag *pd, const char *node,
			  const struct tsn_jv *v);
/* nat.shared, where r has it: what each node it names says of charon's
 * connmark plugin, added to its text. */
int tsn_pf_connmark_said(struct tsn_report *r, const struct tsn_pf_diag *pd);

/* Every problem of the report, each cause once, in the order to fix
 * them (preflight_diag.c). */
int tsn_pf_problems(struct tsn_report *r, const struct tsn_inventory *inv,
		    struct tsn_pf_diag *pd);

#endif
