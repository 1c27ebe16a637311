/* preflight_diag.c - the problems of a preflight report, each cause
 * once: host checks folded across the nodes, each firewall rule with
 * every flow and peer it drops (what the node's evaluator named and what
 * the probe's packets met, together), each flow lost on the path in the
 * smallest scope that explains it; then ordered by what to fix first.
 */
#include <errno.h>
#include <string.h>

#include "cloud/cloud.h"
#include "lib/diag.h"
#include "preflight/preflight.h"
#include "probe/probe.h"

/* The pairs of the routes that are wrong join the route problem. */
static int route_pairs(struct tsn_report *r, const struct tsn_pf_diag *pd)
{
	int ret = 0;

	for (size_t i = 0; i < r->n_problems; i++) {
		if (strcmp(r->problems[i].id, "route"))
			continue;
		for (size_t k = 0; k < pd->n_faults && !ret; k++)
			ret = tsn_problem_pair(&r->problems[i],
					       pd->faults[k].node,
					       pd->faults[k].peer);
	}
	return ret;
}

int tsn_pf_problems(struct tsn_report *r, const struct tsn_inventory *inv,
		    struct tsn_pf_diag *pd)
{
	/* the firewall checks become drops of named rules instead */
	static const char *const skip[] = { "nft.in.", "nft.out.", NULL };
	enum tsn_cloud c = inv->cluster.cloud;
	int ret;

	if (c == TSN_CLOUD_AUTO)
		c = pd->cloud;
	ret = tsn_diag_checks(r, skip);
	if (!ret)
		ret = route_pairs(r, pd);
	if (!ret)
		ret = tsn_probe_problems(r, &pd->net, tsn_cloud_advice(c),
					 &pd->drops);
	if (!ret)
		ret = tsn_diag_drops(r, pd->drops.drops, pd->drops.n_drops,
				     inv->n_nodes ? inv->n_nodes - 1 : 0,
				     TSN_PROBE_DROP_FIX);
	if (!ret)
		tsn_report_sort_problems(r);
	return ret;
}
