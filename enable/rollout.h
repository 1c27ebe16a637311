/* rollout.h - the coordinator's side of enable-ipsec and disable-ipsec:
 * running the ipsec-* agent actions on the nodes and judging the pairs.
 */
#ifndef TSN_ROLLOUT_H
#define TSN_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "enable/plan.h"
#include "enable/x509.h"
#include "lib/cmd.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/transport.h"

/* What one pair came to. */
struct tsn_pair_result {
	char state[32];		/* INSTALLED, or what it was stuck at */
	char mode[16];
	char cipher[48];	/* AES_GCM_16-256 */
	bool encap;
	bool ok;		/* INSTALLED, TRANSPORT, AES_GCM on both */
	char why[400];		/* when !ok: what went wrong */
	bool up[2];		/* charon answered on a, b in ipsec-apply */
	/* the proof: ESP seen per family (esp6: a dual-stack pair's IPv6
	 * connection, which must carry some too: IPv4 ESP says nothing of
	 * it), cleartext over both, and every leak named */
	bool proved;
	bool dual;
	unsigned esp, esp6, cleartext;
	char leaks[600];
};

/* Node's ipsec-prove reply rep (TSN_JNULL when it failed, then why says
 * why) into res: its entries for peer, per family. */
void tsn_rollout_proof_take(struct tsn_pair_result *res, const char *node,
			    const char *peer, const struct tsn_jv *rep,
			    const char *why);
/* Did the proof see only ESP, and some over every family the pair has? */
bool tsn_rollout_wire_ok(const struct tsn_pair_result *res);

struct tsn_rollout {
	struct tsn_ctx *ctx;
	struct tsn_inventory *inv;
	struct tsn_plan plan;
	struct tsn_buf inv_text;	/* normalised, sent to every node */
	bool legacy;
	bool x509;			/* --auth x509: certificates, no PSKs */
	struct tsn_buf ca;		/* the CA certificate (PEM) */
	struct tsn_x509_cred *creds;	/* one per node taking part */
	long only;			/* --node: index, or -1 */
	unsigned timeout;		/* seconds for the SAs to come up */
	bool *in;			/* nodes taking part */
	struct tsn_job *jobs;		/* one per node, by index */
	struct tsn_pair_result *res;	/* one per plan pair */
	char error[700];		/* the one line on failure */
	/* the kernel's drop counters that rose during the last capture
	 * (prove or flow): "NODE: DETAIL\n" each; and the nodes whose
	 * kernel keeps none */
	struct tsn_buf xstat, xstat_note;
	const char *causes;		/* refused before any change: every
					 * cause, a line each (--json) */
	bool unreachable;		/* a node could not be reached */
	struct tsn_progress progress;
	const char *phase;		/* the next run's, for progress */
};

/* Does pair k concern this run (every pair, or those of --node)? */
bool tsn_rollout_pair_in(const struct tsn_rollout *ro, size_t k);
/* Run `agent ACTION` on the nodes taking part; inputs[i] (may be NULL)
 * is node i's stdin.  Replies parsed into replies[i] (TSN_JNULL when the
 * node failed; then why[i] says why).  0 or -errno. */
int tsn_rollout_run(struct tsn_rollout *ro, const char *action,
		    struct tsn_buf *inputs, struct tsn_jv *replies,
		    char (*why)[300]);
/* The same with a whole argv ("agent", ACTION, options..., NULL). */
int tsn_rollout_run_argv(struct tsn_rollout *ro, const char *const *argv,
			 struct tsn_buf *inputs, struct tsn_jv *replies,
			 char (*why)[300]);
/* Before any change: preflight's kernel.* checks on every node taking
 * part (kernel_check.c).  0 when all pass; -EPROTO when one failed or a
 * node did not answer (ro->unreachable), with one line per cause in
 * lines ("n1, n2: kernel.esp: DETAIL (fix: FIX)\n") and the first in
 * ro->error; other -errno. */
int tsn_rollout_kernel_check(struct tsn_rollout *ro, struct tsn_buf *lines);
/* Before any change, before the probe: an XFRM policy on a node taking
 * part that is not tsnet's and covers the traffic between it and another
 * member (xfrm_check.c).  0 when there is none; -EPROTO with one line
 * per entry in lines ("n1: xfrm.foreign: policy out ... action block
 * priority 0 ... (fix: ip xfrm policy delete ...)\n") and the first in
 * ro->error; other -errno. */
int tsn_rollout_xfrm_check(struct tsn_rollout *ro, struct tsn_buf *lines);
/* Phases.  0 when every pair came through, -EPROTO for a pair or node
 * that failed (ro->error says which and why), other -errno. */
int tsn_rollout_apply(struct tsn_rollout *ro, bool trap);
/* ipsec-initiate: the lower-named node of each pair opens it. */
int tsn_rollout_initiate(struct tsn_rollout *ro);
int tsn_rollout_wait(struct tsn_rollout *ro);
int tsn_rollout_prove(struct tsn_rollout *ro);
/* Before trapping: a little traffic both ways over every pair's SA, and
 * the SA counters must show each side decrypted some (an SA can be
 * INSTALLED while a firewall drops every ESP packet). */
int tsn_rollout_flow(struct tsn_rollout *ro);
/* Record pair k as failed: "A <-> B: PREFIXDETAIL" (the first one
 * becomes ro->error). */
void tsn_rollout_fail_pair(struct tsn_rollout *ro, size_t k,
			   const char *prefix, const char *detail);
/* Does this ipsec-sas reply say charon is not running? */
bool tsn_rollout_charon_down(const struct tsn_jv *rep);
/* Record pair k as failed because node i's charon stopped. */
void tsn_rollout_fail_charon(struct tsn_rollout *ro, size_t k, size_t i);
/* ipsec-rollback on every node taking part; appends to ro->error.
 * First, a node whose charon answered in ipsec-apply and no longer
 * runs is named as the cause (a dead peer looks like any pair failure:
 * no SA, no ESP decrypted), replacing the error found so far. */
void tsn_rollout_rollback(struct tsn_rollout *ro);

/* enable_print.c: the pairs' table, the JSON object (its "exit" is rc)
 * and the drop counters, for enable-ipsec.  ch may be NULL. */
struct tsn_encap_choice;
void tsn_enable_print_pairs(const struct tsn_rollout *ro,
			    const struct tsn_encap_choice *ch, bool verify,
			    FILE *f, bool colour);
int tsn_enable_print_json(const struct tsn_rollout *ro,
			  const struct tsn_encap_choice *ch, bool verify,
			  int rc);
void tsn_enable_print_counters(const struct tsn_rollout *ro, FILE *f);

#endif
