/* fix_plan.h - the planner behind --fix, shared by fix.c and fix_plan.c
 * only: which base chains drop the member flows, found by evaluating the
 * ruleset, then again as if accepts stood at the head of those chains.
 */
#ifndef TSN_FIX_PLAN_H
#define TSN_FIX_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "nft/fix.h"
#include "nft/nft.h"

#define PLAN_ROUNDS 8

struct plan {
	struct tsn_nft_flow *flows;
	size_t n_flows;
	struct tsn_fix_scan *scan;	/* of the flows, begun during the read */
	uint32_t *cls;			/* flow -> class (tsn_fix_classes) */
	size_t n_cls;
	struct tsn_fix_insert *t;	/* chains that need accepts */
	size_t n_t;
	char bad[512];			/* drops or unknowns left */
	size_t n_bad;
	bool settled;	/* the last round saw the model as it is now */
};

/* Six flows (in/out x three protocols) per peer of the request (the
 * ruleset is not needed: they are made while it is read). */
int fix_build_flows(const struct tsn_fix_req *req, struct plan *p);
/* Remember a drop or an undecidable verdict for the message. */
void fix_note_bad(struct plan *p, const struct tsn_nft_verdict *v);
/* Evaluate, mark the chains that drop as accepting (what-if), again,
 * until nothing drops. */
int fix_plan_make(struct plan *p, struct tsn_nft_ruleset *rs);
/* Our tagged rules per target chain, when the fix is already in place. */
int fix_collect_inserted(struct tsn_nft_ruleset *rs, struct plan *p,
			    struct tsn_fix_result *res);

#endif
