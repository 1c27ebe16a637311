/* encap.h - which pairs enable-ipsec and node add UDP-encapsulate.
 *
 * encap.c decides one pair from the probe's verdicts (pure, unit tested);
 * encap_probe.c gathers them: the nodes' records for pairs already
 * enabled (a running pair's policies would carry the probes, so the
 * probe cannot see the path any more), one probe mesh for the others.
 */
#ifndef TSN_ENCAP_H
#define TSN_ENCAP_H

#include <stdbool.h>
#include <stddef.h>

#include "enable/plan.h"
#include "lib/cmd.h"
#include "lib/json.h"
#include "lib/output.h"

/* What the options and the inventory ask for. */
enum tsn_encap_want {
	TSN_EW_AUTO,		/* encap = auto: the probe decides */
	TSN_EW_ALL,		/* --encap or encap = yes: every pair */
	TSN_EW_NEVER,		/* encap = no: never forced */
};

struct tsn_encap_choice {
	bool encap;
	bool refuse;		/* the pair cannot work: why says what */
	bool probed;		/* decided from this run's probe */
	char why[320];		/* after "yes"/"no"; the problem on refuse */
	const char *fix;	/* on refuse: where to look */
};

/* --encap, the inventory's encap: the want and its label for output.
 * --encap with encap = no is a contradiction: -EINVAL. */
int tsn_encap_want_of(bool opt_encap, enum tsn_encap inv,
		      enum tsn_encap_want *want, const char **label);

/* Decide one pair from the probe's verdicts from a to b (ab) and back
 * (ba), each with protocols "udp500", "udp4500" and "esp".  label names
 * the want for ALL and NEVER ("--encap", "inventory: encap = no").
 *   UDP 500 blocked either way                       -> refuse
 *   ALL:   UDP 4500 both ways                        -> yes, else refuse
 *   NEVER: ESP both ways (or a NAT and 4500)         -> no, else refuse
 *   AUTO:  ESP both ways and no NAT                  -> no
 *          else UDP 4500 both ways                   -> yes
 *          else                                      -> refuse
 * A verdict of "error" (a node could not run the probe) or a missing
 * report decides nothing: encap as the want says, not refused. */
void tsn_encap_decide(const struct tsn_pair_report *ab,
		      const struct tsn_pair_report *ba,
		      enum tsn_encap_want want, const char *label,
		      struct tsn_encap_choice *c);

/* What the nodes' ipsec.json records say about the pair i, j: -1 when
 * neither lists the other, else 1 when either UDP-encapsulates it, 0 not.
 * recs[i] is node i's record ({"peers":[{"name","encap"}]}) or NULL. */
int tsn_encap_recorded(const struct tsn_inventory *inv,
		       const struct tsn_jv *const *recs, size_t i, size_t j);

/* The whole choice for a plan: recs per node (NULL: no survey); in per
 * plan pair, whether this run configures it (NULL: all). */
struct tsn_encap_run {
	struct tsn_ctx *ctx;
	struct tsn_plan *plan;
	enum tsn_encap_want want;
	const char *label;
	bool probe;
	unsigned window;		/* probe window, seconds (0: default) */
	const struct tsn_jv *const *recs;
	const bool *in;
	struct tsn_encap_choice *ch;	/* out: one per plan pair */
};
/* Recorded pairs keep their encap; the others of this run are probed
 * (unless !probe) and decided; then plan->pairs[k].encap and the hash
 * follow ch[k].  0, -EPROTO when a pair is refused (ch[k].refuse), or
 * -errno. */
int tsn_encap_choose(struct tsn_encap_run *er);

/* `agent ipsec-state` on every node: states[i] its reply, recs[i] its
 * record or NULL (never enabled, or it did not answer).  0 or -errno. */
int tsn_encap_survey(const struct tsn_inventory *inv, struct tsn_jv *states,
		     const struct tsn_jv **recs);

/* node add|remove: the pairs the records hold keep their encap; with
 * self >= 0 (add: the new node's index) its pairs are probed and each
 * is said (tsn_node_say).  0, -EPROTO with the refusal line in refusal,
 * or -errno. */
int tsn_encap_node_change(struct tsn_ctx *ctx, struct tsn_plan *plan,
			  const struct tsn_jv *const *recs, long self,
			  char *refusal, size_t len);

/* The refusal as one line: "A <-> B: WHAT; no node was changed (FIX)". */
void tsn_encap_refusal(const struct tsn_plan *plan,
		       const struct tsn_encap_choice *ch, char *buf,
		       size_t len);

#endif
